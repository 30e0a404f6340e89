"""What the format readers share: text helpers, file access, the collector, the merge.

Every reader tidies white space in names, synonyms and definitions (:func:`clean`).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from mmrare_core.base.xmlsafe import open_binary
from mmrare_core.errors import OntologyFormatError, SourceWarning, UnknownCodeError, where
from mmrare_core.ontology.model import (
    GROUP_OF_DISORDERS,
    Disorder,
    ReleaseInfo,
    SourceRelease,
    parse_code,
)

__all__ = [
    "HEAD_BYTES",
    "Collector",
    "PathLike",
    "as_list",
    "clean",
    "code_at",
    "elem_text",
    "file_matches",
    "head_text",
    "merge_classifications",
    "open_text",
    "release_element",
    "root_tag",
    "sha256_file",
    "tsv_columns",
    "tsv_rows",
    "unique",
    "unique_codes",
    "visible_files",
]

PathLike = str | os.PathLike[str]

#: How much of a file the format detection looks at.
HEAD_BYTES = 64 * 1024


# --------------------------------------------------------------------------- text


def as_list(value: Any) -> list[Any]:
    """``None`` -> [], a dict -> [dict], a list stays (the packets mix the shapes)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def clean(value: Any) -> str:
    """White space tidied: runs (tabs, no-break spaces) as one space, none at the ends.

    The release has a few double spaces and one no-break space in names and synonyms.

    >>> clean("Congenital generalized  lipodystrophy\u00a0type 4 ")
    'Congenital generalized lipodystrophy type 4'
    """
    return " ".join(str(value).split())


def unique(values: Iterable[Any]) -> tuple[str, ...]:
    """Tidied (:func:`clean`), non-empty strings, first occurrence kept, order kept."""
    seen: dict[str, None] = {}
    for value in values:
        text = clean(value) if value is not None else ""
        if text:
            seen.setdefault(text, None)
    return tuple(seen)


def unique_codes(codes: Iterable[int]) -> tuple[int, ...]:
    """The codes without repeats, first occurrence kept."""
    return tuple(dict.fromkeys(codes))


def code_at(value: Any, at: str) -> int:
    """:func:`parse_code`, its error as an :class:`OntologyFormatError` located ``at``."""
    try:
        return parse_code(str(value).strip() if isinstance(value, str) else value)
    except UnknownCodeError as exc:
        raise OntologyFormatError(f"{at}: {exc}") from None


def elem_text(elem: Any, path: str) -> str:
    """The tidied text at ``path`` under an XML element, or ``""``."""
    return clean(elem.findtext(path) or "")


# --------------------------------------------------------------------------- files


def sha256_file(path: PathLike) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def open_text(path: PathLike) -> Iterator[IO[str]]:
    """Text (UTF-8, BOM dropped), gunzipped when the file starts with the gzip magic."""
    with open_binary(path) as stream:
        yield io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")


def release_element(elem: Any) -> None:
    """Free a streamed element and the siblings before it (keeps memory flat)."""
    elem.clear()
    parent = elem.getparent()
    while parent is not None and elem.getprevious() is not None:
        del parent[0]


def tsv_rows(path: PathLike) -> Iterator[tuple[int, list[str]]]:
    """``(line number, fields)`` of a tab-separated file; blank and ``#`` lines skipped."""
    with open_text(path) as text:
        for lineno, line in enumerate(text, 1):
            line = line.rstrip("\r\n")
            if line.strip() and not line.startswith("#"):
                yield lineno, [clean(f) for f in line.split("\t")]


def visible_files(folder: Path) -> list[Path]:
    """Every file under ``folder``, hidden entries skipped, sorted by path."""
    return [
        file
        for file in sorted(folder.rglob("*"))
        if file.is_file()
        and not any(part.startswith(".") for part in file.relative_to(folder).parts)
    ]


# --------------------------------------------------------------------------- detection


def _read_head(path: PathLike, size: int = HEAD_BYTES) -> bytes:
    with open_binary(path) as stream:
        try:
            return stream.read(size)
        except (EOFError, OSError) as exc:
            raise OntologyFormatError(f"{where(path)}: unreadable file ({exc})") from None


def head_text(path: PathLike) -> str:
    """The first :data:`HEAD_BYTES` (gunzipped), decoded, leading BOM and space dropped.

    An unreadable (corrupt) file raises :class:`OntologyFormatError`.
    """
    return _read_head(path).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")


def root_tag(head: str) -> str:
    """The name of the first element in an XML head (``""`` if none)."""
    root = re.search(r"<(?![?!])([\w:.-]+)", head)
    return root.group(1) if root else ""


def tsv_columns(head: str) -> list[str]:
    """The lower-cased, stripped fields of the first non-blank line of ``head``."""
    first = next((line for line in head.splitlines() if line.strip()), "")
    return [c.strip().lower() for c in first.split("\t")]


def file_matches(path: PathLike, sniff: Callable[[str], bool]) -> bool:
    """Whether ``sniff`` accepts the head of the file ``path`` (False for a folder or a
    corrupt file; a missing file raises :class:`OSError`)."""
    if Path(path).is_dir():
        return False
    try:
        return sniff(head_text(path))
    except OntologyFormatError:
        return False


# --------------------------------------------------------------------------- collector


@dataclass
class Collector:
    """Disorders in reading order; duplicates warned about, missing parents filled in."""

    source: str
    disorders: dict[int, Disorder] = field(default_factory=dict)
    first_seen: dict[int, str] = field(default_factory=dict)
    parent_labels: dict[int, str] = field(default_factory=dict)

    def add(self, disorder: Disorder, at: str) -> None:
        """Keep ``disorder`` unless its code was seen (then a :class:`SourceWarning`)."""
        if disorder.code in self.disorders:
            warnings.warn(
                f"{at}: {disorder.curie} appears again (first at {self.first_seen[disorder.code]});"
                " the first record is kept",
                SourceWarning,
                stacklevel=4,
            )
            return
        self.disorders[disorder.code] = disorder
        self.first_seen[disorder.code] = at

    def parent_label(self, code: int, label: str) -> None:
        """Remember the first non-empty label given for a parent code."""
        if label:
            self.parent_labels.setdefault(code, label)

    def close_parents(self) -> dict[int, str]:
        """Add each parent code without a record of its own as a group; return their labels.

        The label comes from the parent entry (packets, ORDO); without one (the TSV) the
        name is ``ORPHA:<code>`` and a :class:`SourceWarning` says so.
        """
        missing = sorted(
            {p for d in self.disorders.values() for p in d.parents} - self.disorders.keys()
        )
        unnamed = [code for code in missing if code not in self.parent_labels]
        if unnamed:
            shown = ", ".join(f"ORPHA:{c}" for c in unnamed[:5])
            warnings.warn(
                f"{self.source}: {len(unnamed)} parent code(s) have no record and no label "
                f"({shown}{', ...' if len(unnamed) > 5 else ''}); added as groups named by code",
                SourceWarning,
                stacklevel=4,
            )
        labels: dict[int, str] = {}
        for code in missing:
            label = self.parent_labels.get(code, "")
            self.disorders[code] = Disorder(
                code, label or f"ORPHA:{code}", disorder_type="Category", group=GROUP_OF_DISORDERS
            )
            if label:
                labels[code] = label
        return labels


# --------------------------------------------------------------------------- merging


def _edges(release: SourceRelease) -> dict[int, tuple[int, ...]]:
    """Child -> parents from both ``Disorder.parents`` and ``release.parents``."""
    edges = {code: d.parents for code, d in release.disorders.items() if d.parents}
    for child, parents in release.parents.items():
        edges[child] = unique_codes((*edges.get(child, ()), *parents))
    return edges


def _describe(info: ReleaseInfo) -> str:
    return " ".join(p for p in (info.format, info.date[:10]) if p)


def merge_classifications(
    release: SourceRelease, product3_release: SourceRelease
) -> tuple[SourceRelease, list[str]]:
    """Add product3 hierarchy edges to ``release``; return it with the conflicts found.

    Edges go to children that have no parents in ``release`` (all of them for product1,
    which has no hierarchy); where both have parents for a child, the release's are kept
    and each edge present in only one is reported. Codes that ``release`` lacks are
    reported and their edges skipped. Both releases' infos are kept.
    """
    ours, theirs = _edges(release), _edges(product3_release)
    known, known3 = release.disorders, product3_release.disorders
    names = _describe(release.info), _describe(product3_release.info)
    conflicts = [
        f"ORPHA:{code} ({known3[code].name}) is in {names[1]} but not in {names[0]}"
        for code in sorted(known3.keys() - known.keys())
    ]
    merged = dict(ours)
    for child in sorted(theirs.keys() & known.keys()):
        parents = unique_codes(p for p in theirs[child] if p in known)
        if child not in ours:
            merged[child] = parents
            continue
        in_theirs = [p for p in parents if p not in ours[child]]
        in_ours = [p for p in ours[child] if p not in theirs[child] and p in known3]
        conflicts.extend(_edge_conflicts(child, in_theirs, names[1], names[0]))
        conflicts.extend(_edge_conflicts(child, in_ours, names[0], names[1]))
    disorders = {code: replace(d, parents=merged.get(code, ())) for code, d in known.items()}
    result = SourceRelease(
        disorders,
        release.info,
        parents={},
        labels=dict(release.labels),
        extra_infos=(*release.extra_infos, *product3_release.infos),
    )
    return result, conflicts


def _edge_conflicts(child: int, parents: Iterable[int], present: str, absent: str) -> list[str]:
    return [f"ORPHA:{child} -> ORPHA:{p} is in {present} but not in {absent}" for p in parents]
