"""The flat nomenclature TSV ``orpha_nomenclature_en_<date>.tsv``.

It is derived from the ORPHApackets (see ``../shared/data/orphanet/SOURCE.md``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from mmrare_core.errors import OntologyFormatError, where
from mmrare_core.ontology.formats.common import (
    Collector,
    PathLike,
    code_at,
    file_matches,
    sha256_file,
    tsv_columns,
    tsv_rows,
    unique,
    unique_codes,
)
from mmrare_core.ontology.model import Disorder, ReleaseInfo, SourceRelease, group_for_type

__all__ = ["FORMAT", "can_read", "read_nomenclature_tsv", "sniff"]

FORMAT = "nomenclature_tsv"

_REQUIRED = ("orpha_code", "name")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def sniff(head: str) -> bool:
    """Whether a file head is the nomenclature TSV (``orpha_code``, ``name`` and
    ``parent_codes`` in a tab-separated header)."""
    if head.startswith(("{", "[", "<")):
        return False
    columns = tsv_columns(head)
    return len(columns) >= 2 and all(c in columns for c in (*_REQUIRED, "parent_codes"))


def can_read(path: PathLike) -> bool:
    """Whether ``path`` is a nomenclature TSV (by content; gzip accepted)."""
    return file_matches(path, sniff)


def _nomenclature_disorder(row: dict[str, str], at: str) -> Disorder:
    code = code_at(row["orpha_code"], at)
    if not row["name"]:
        raise OntologyFormatError(f"{at}: empty name for ORPHA:{code}")
    disorder_type = row.get("disorder_type", "")
    parents = (code_at(p, at) for p in row.get("parent_codes", "").split(";") if p.strip())
    omim = (x.split(":", 1)[0] for x in row.get("omim_xrefs", "").split(";"))
    synonyms = unique(row.get("synonyms", "").split(" | "))
    return Disorder(
        code,
        row["name"],
        synonyms=tuple(s for s in synonyms if s != row["name"]),
        disorder_type=disorder_type,
        group=row.get("disorder_group_derived") or group_for_type(disorder_type),
        parents=unique_codes(parents),
        omim=unique(omim),
    )


def _check_header(columns: list[str], name: str, line: int) -> None:
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        raise OntologyFormatError(
            f"{where(name, line or 1)}: not a nomenclature TSV (missing column(s) "
            f"{', '.join(missing)})"
        )


def _row(columns: list[str], fields: list[str], at: str) -> dict[str, str]:
    if len(fields) > len(columns):
        raise OntologyFormatError(f"{at}: {len(fields)} fields, the header has {len(columns)}")
    return dict(zip(columns, fields + [""] * (len(columns) - len(fields)), strict=True))


def read_nomenclature_tsv(path: PathLike) -> SourceRelease:
    """Read the flat ``orpha_nomenclature_en_<date>.tsv`` derived from the ORPHApackets.

    Columns by header: ``orpha_code``, ``name``, ``disorder_type``,
    ``disorder_group_derived``, ``synonyms`` (``" | "``), ``parent_codes`` (``;``),
    ``omim_xrefs`` (``OMIM:relation`` joined by ``;``). ``child_codes`` is ignored
    (incomplete; the parents are inverted instead). The date comes from the file name.
    """
    name = os.fspath(path)
    rows = tsv_rows(path)
    header_line, header = next(rows, (0, []))
    columns = [c.lower() for c in header]
    _check_header(columns, name, header_line)
    collector = Collector(name)
    for lineno, fields in rows:
        at = where(name, lineno)
        collector.add(_nomenclature_disorder(_row(columns, fields, at), at), at)
    records = len(collector.disorders)
    labels = collector.close_parents()
    date = _DATE.search(Path(name).name)
    info = ReleaseInfo(
        FORMAT,
        name,
        date=date.group(0) if date else "",
        sha256=sha256_file(path),
        records=records,
    )
    return SourceRelease(collector.disorders, info, labels=labels)
