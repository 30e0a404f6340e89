"""``--aliases`` TSV files: curated or former names, one per row (not a release)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from mmrare_core.errors import OntologyFormatError, UnknownCodeError, where
from mmrare_core.ontology.formats.common import (
    PathLike,
    code_at,
    file_matches,
    sha256_file,
    tsv_columns,
    tsv_rows,
)
from mmrare_core.ontology.formats.nomenclature import sniff as _is_nomenclature
from mmrare_core.ontology.model import ExtraAlias, ReleaseInfo, parse_code

__all__ = ["FORMAT", "alias_file_info", "can_read", "read_alias_tsv", "sniff"]

FORMAT = "aliases_tsv"

_CODE_COLUMNS = ("orpha_code", "orphacode", "code", "orpha")
_TERM_COLUMNS = ("term", "name", "alias", "synonym", "label")


def _looks_like_code(text: str) -> bool:
    try:
        parse_code(text)
    except UnknownCodeError:
        return False
    return True


def sniff(head: str) -> bool:
    """Whether a file head is an alias TSV: a header with a code and a term column, or a
    header-less ``code<TAB>name[<TAB>rule]`` first row (and not the nomenclature TSV)."""
    if head.startswith(("{", "[", "<")) or _is_nomenclature(head):
        return False
    columns = tsv_columns(head)
    if len(columns) < 2:
        return False
    if any(c in columns for c in _CODE_COLUMNS) and any(c in columns for c in _TERM_COLUMNS):
        return True
    return len(columns) in (2, 3) and _looks_like_code(columns[0])


def can_read(path: PathLike) -> bool:
    """Whether ``path`` is an alias TSV (by content; gzip accepted)."""
    return file_matches(path, sniff)


@dataclass(frozen=True, slots=True)
class _AliasLayout:
    code: int
    term: int
    rule: int | None
    names: tuple[str, ...]  # column names, for the provenance pairs
    default_rule: str
    header: bool


def _alias_layout(fields: list[str], at: str) -> _AliasLayout:
    """Read the header, or accept a header-less ``code, term[, rule]`` first row."""
    columns = [f.lower() for f in fields]
    code = next((columns.index(c) for c in _CODE_COLUMNS if c in columns), None)
    term = next((columns.index(c) for c in _TERM_COLUMNS if c in columns), None)
    if code is not None and term is not None:
        rule = columns.index("rule") if "rule" in columns else None
        default = "former_name" if "term_kind" in columns else "curated"
        return _AliasLayout(code, term, rule, tuple(columns), default, header=True)
    if len(fields) in (2, 3) and _looks_like_code(fields[0]):
        rule = 2 if len(fields) == 3 else None
        return _AliasLayout(0, 1, rule, ("code", "term", "rule")[: len(fields)], "curated", False)
    raise OntologyFormatError(
        f"{at}: an alias TSV needs a header with a code column ({', '.join(_CODE_COLUMNS)}) "
        f"and a term column ({', '.join(_TERM_COLUMNS)}), or header-less rows "
        "'code<TAB>name[<TAB>rule]'"
    )


def _alias_row(fields: list[str], layout: _AliasLayout, name: str, lineno: int) -> ExtraAlias:
    at = where(name, lineno)
    if len(fields) <= max(layout.code, layout.term) or len(fields) > len(layout.names):
        raise OntologyFormatError(
            f"{at}: {len(fields)} field(s), expected {len(layout.names)} (tab-separated)"
        )
    term = fields[layout.term]
    if not term:
        raise OntologyFormatError(f"{at}: empty term")
    rule = fields[layout.rule] if layout.rule is not None and layout.rule < len(fields) else ""
    skip = {layout.code, layout.term, layout.rule}
    provenance = tuple(
        (column, fields[i] if i < len(fields) else "")
        for i, column in enumerate(layout.names)
        if i not in skip
    )
    return ExtraAlias(
        code=code_at(fields[layout.code], at),
        term=term,
        rule=rule or layout.default_rule,
        source=name,
        line=lineno,
        provenance=provenance,
    )


def read_alias_tsv(path: PathLike) -> list[ExtraAlias]:
    """Read an ``--aliases`` file: curated or former names, one per row.

    Columns are found by header: a code column (``orpha_code``, ``orphacode``, ``code``,
    ``orpha``) and a term column (``term``, ``name``, ``alias``, ``synonym``, ``label``);
    an optional ``rule`` column names the rule, else ``curated`` — or ``former_name`` in
    files with a ``term_kind`` column (the name-history file). Other columns are kept as
    ``provenance``. Header-less ``code<TAB>name[<TAB>rule]`` files work too. A bad row
    raises :class:`OntologyFormatError` naming file and line.
    """
    name = os.fspath(path)
    rows = tsv_rows(path)
    first = next(rows, None)
    if first is None:
        return []
    layout = _alias_layout(first[1], where(name, first[0]))
    aliases = [] if layout.header else [_alias_row(first[1], layout, name, first[0])]
    aliases.extend(_alias_row(fields, layout, name, lineno) for lineno, fields in rows)
    return aliases


def alias_file_info(path: PathLike, aliases: Sequence[ExtraAlias]) -> ReleaseInfo:
    """The provenance record of an ``--aliases`` file, for ``Ontology.release``."""
    return ReleaseInfo(FORMAT, os.fspath(path), sha256=sha256_file(path), records=len(aliases))
