"""Orphadata product3 XML, the classifications (hierarchies), one file per classification.

Source: https://www.orphadata.com/data/xml/en_product3_<id>.xml (e.g.
``en_product3_181.xml``) and https://github.com/Orphanet/orphanet_nomenclature_binder
(``xml/``). Usually an older release than the others: merge it on request
(:func:`~mmrare_core.ontology.formats.common.merge_classifications`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mmrare_core.base.xmlsafe import iterparse
from mmrare_core.errors import OntologyFormatError, where
from mmrare_core.ontology.formats.common import (
    PathLike,
    code_at,
    elem_text,
    file_matches,
    release_element,
    root_tag,
    sha256_file,
    visible_files,
)
from mmrare_core.ontology.model import Disorder, ReleaseInfo, SourceRelease, group_for_type

__all__ = ["FORMAT", "can_read", "product3_paths", "read_product3", "sniff"]

FORMAT = "product3"


def sniff(head: str) -> bool:
    """Whether a file head is product3: a ``<JDBOR>`` with a ``ClassificationList``."""
    return head.startswith("<") and root_tag(head) == "JDBOR" and "<ClassificationList" in head


def can_read(path: PathLike) -> bool:
    """Whether ``path`` is a product3 classification file (by content; gzip accepted)."""
    return file_matches(path, sniff)


def product3_paths(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    """The files given, each folder replaced by the product3 files under it."""
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    files: list[Path] = []
    for item in map(Path, items):
        if item.is_dir():
            files.extend(f for f in visible_files(item) if can_read(f))
        else:
            files.append(item)
    return files


@dataclass
class _Hierarchy:
    """Disorders and child -> parent edges gathered over several product3 files."""

    disorders: dict[int, Disorder] = field(default_factory=dict)
    parents: dict[int, dict[int, None]] = field(default_factory=dict)

    def node(self, elem: Any, name: str) -> int:
        at = where(name, elem.sourceline, "Disorder")
        code = code_at(elem_text(elem, "OrphaCode"), at)
        if code not in self.disorders:
            disorder_type = elem_text(elem, "DisorderType/Name")
            label = elem_text(elem, "Name") or f"ORPHA:{code}"
            self.disorders[code] = Disorder(
                code, label, disorder_type=disorder_type, group=group_for_type(disorder_type)
            )
        return code

    def edge(self, child: int, parent: int) -> None:
        self.parents.setdefault(child, {})[parent] = None


def _walk(path: Path, into: _Hierarchy) -> tuple[dict[str, str] | None, set[int]]:
    """Walk nested ``ClassificationNode``s with a stack of the enclosing nodes' codes."""
    name = os.fspath(path)
    root: dict[str, str] | None = None
    stack: list[int | None] = []
    codes: set[int] = set()
    tags = ("JDBOR", "ClassificationNode", "Disorder")
    for event, elem in iterparse(path, tags, source=name, events=("start", "end")):
        if elem.tag == "JDBOR":
            root = dict(elem.attrib) if event == "start" else root
        elif elem.tag == "ClassificationNode":
            if event == "start":
                stack.append(None)
            else:
                stack.pop()
                release_element(elem)
        elif event == "end" and stack and elem.getparent().tag == "ClassificationNode":
            code = stack[-1] = into.node(elem, name)
            codes.add(code)
            if len(stack) > 1 and stack[-2] is not None:
                into.edge(code, stack[-2])
            elem.clear()
    return root, codes


def _read_one(path: Path, into: _Hierarchy) -> ReleaseInfo:
    """Add one file's nodes and edges to ``into``; return the file's info."""
    name = os.fspath(path)
    root, codes = _walk(path, into)
    if root is None:
        raise OntologyFormatError(
            f"{where(name)}: not an Orphadata product3 file (no <JDBOR> root)"
        )
    return ReleaseInfo(
        FORMAT,
        name,
        version=root.get("version", ""),
        date=root.get("date", ""),
        sha256=sha256_file(path),
        records=len(codes),
    )


def _combined_info(infos: Sequence[ReleaseInfo], records: int) -> ReleaseInfo:
    folder = os.path.commonpath([os.path.dirname(i.path) or "." for i in infos])
    digest = hashlib.sha256()
    for info in sorted(infos, key=lambda i: os.path.basename(i.path)):
        digest.update(f"{os.path.basename(info.path)} {info.sha256}\n".encode())
    return ReleaseInfo(
        FORMAT,
        f"{folder} ({len(infos)} files)",
        version=" + ".join(sorted({i.version for i in infos if i.version})),
        date=max((i.date for i in infos), default=""),
        sha256=digest.hexdigest(),
        records=records,
    )


def read_product3(paths: PathLike | Iterable[PathLike]) -> SourceRelease:
    """Read one or more product3 classification files (or a folder of them), streamed.

    The nested ``ClassificationNode``s give child -> parent edges, in ``parents`` and in
    each ``Disorder.parents``. With several files, ``info`` sums them up and
    ``extra_infos`` names each file.
    """
    files = product3_paths(paths)
    if not files:
        raise OntologyFormatError(f"no product3 classification file in {paths!s}")
    hierarchy = _Hierarchy()
    infos = [_read_one(file, hierarchy) for file in files]
    edges = {child: tuple(parents) for child, parents in hierarchy.parents.items()}
    disorders = {
        code: replace(d, parents=edges.get(code, ())) for code, d in hierarchy.disorders.items()
    }
    if len(infos) == 1:
        return SourceRelease(disorders, infos[0], parents=edges)
    info = _combined_info(infos, len(disorders))
    return SourceRelease(disorders, info, parents=edges, extra_infos=tuple(infos))
