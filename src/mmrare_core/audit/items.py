"""Benchmark items: the item format, reading JSONL and the release's TSV files, schema checks.

The format is a JSON Schema (draft 2020-12) shipped in the package,
``mmrare_core/data/schema/item.schema.json`` (:func:`item_schema`): the public MMRareBench
release's columns (``index``, ``question``, ``context``, ``figure_mapping``, ``answer``,
``answer_aliases``, ``image`` or ``image_path``, the rubric and track columns) plus the
construction fields (``track``, ``pmcid``, ``orpha_code``, ``evidence_chain``,
``withheld_tests``, ``leakage_audit``). A ``track`` of T1-T4 adds that track's requirements.

:func:`read_items` reads JSON Lines (``.jsonl``, ``.json``, ``.ndjson``) and the release's TSV
files (``.tsv``), gzipped or not, and yields one :class:`ItemRecord` per record: the item, or
the error that kept it from being read. It never raises on a malformed record and never drops
one; only a file that cannot be opened at all, or a TSV header that cannot be used, raises.

TSV cells are decoded the way the public evaluator reads them (VLMEvalKit ``mmrarebench.py``):

* list columns (``answer_aliases``, ``rubric_must_include``, ``rubric_must_not``,
  ``golden_mainline``, ``key_test_names``, ``must_not``, ``red_flags_to_rule_out``,
  ``withheld_tests``, ``image_path``) hold a JSON list or ``;``-separated values;
* ``image`` holds a JSON list of base64 strings, or one bare base64 string;
* ``evidence_chain`` (JSON list), ``figure_mapping`` and ``leakage_audit`` (JSON objects) are
  decoded when they hold JSON of the right kind and kept as text otherwise, for the schema to
  report;
* ``index`` and ``orpha_code`` made of digits become integers;
* text columns (``question``, ``context``, ``answer``, ``relation_type``, ``track``, ``pmcid``,
  ``id``) are never decoded; an empty cell of any other column means the field is absent;
* a column the format does not know is decoded when it holds a JSON list or object.

>>> import io, json
>>> records = list(read_items(io.BytesIO(b'{"index": 1, "question": "Q?"}\\nnot json\\n')))
>>> [(r.line, r.record, r.item, r.error is None) for r in records]
[(1, 1, {'index': 1, 'question': 'Q?'}, True), (2, 2, None, False)]
>>> item_key(records[0].item, 1), item_key(None, 2)
(1, 2)
"""

from __future__ import annotations

import csv
import io
import json
import sys
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import IO, Any, Protocol

from mmrare_core.audit.checks import default_rules
from mmrare_core.audit.findings import Finding
from mmrare_core.errors import MMRareError

__all__ = [
    "SCHEMA_CHECK",
    "SCHEMA_RULE",
    "ItemFormatError",
    "ItemRecord",
    "item_key",
    "item_schema",
    "read_items",
    "schema_findings",
]

#: The rule id of every schema finding: the schema file's name.
SCHEMA_RULE = "item.schema.json"
#: The check id of every schema finding.
SCHEMA_CHECK = "schema"

_TEXT_COLUMNS = frozenset(
    {"question", "context", "answer", "relation_type", "track", "pmcid", "id"}
)
_INT_COLUMNS = frozenset({"index", "orpha_code"})
_SPLIT_LIST_COLUMNS = frozenset(
    {
        "answer_aliases", "rubric_must_include", "rubric_must_not", "golden_mainline",
        "key_test_names", "must_not", "red_flags_to_rule_out", "withheld_tests", "image_path",
    }
)  # fmt: skip
_OBJECT_COLUMNS = frozenset({"figure_mapping", "leakage_audit"})
#: Schema errors reported by a dedicated check instead (one problem, one finding):
#: the number of evidence claims is the evidence check's rule ``evidence_chain_length``.
_DEFERRED = frozenset({(("evidence_chain",), "minItems"), (("evidence_chain",), "maxItems")})
_MAX_MESSAGE = 300
_GZIP_MAGIC = b"\x1f\x8b"
_READ_ERRORS = (OSError, EOFError, zlib.error)
_BUFFER = 1 << 20

Source = str | PathLike[str] | IO[bytes]


class ItemFormatError(MMRareError, ValueError):
    """An items file as a whole cannot be read: a TSV header that is empty or repeats a name."""


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """One record of an items file: the item, or why it could not be read.

    ``line`` is the physical line where the record starts (1-based); ``record`` is its
    number among the file's records (1-based, the TSV header and blank lines not counted).
    The two differ when blank lines or a TSV header precede it, or a quoted TSV cell spans
    lines. Exactly one of ``item`` and ``error`` is None.
    """

    item: dict[str, Any] | None
    line: int
    record: int
    error: str | None = None


def item_key(item: Mapping[str, Any] | None, record: int) -> int | str:
    """The item's ``index``, else its ``id``, else the record number.

    >>> item_key({"index": 7, "id": "x"}, 3), item_key({"id": "x"}, 3), item_key({}, 3)
    (7, 'x', 3)
    """
    if item is not None:
        for key in ("index", "id"):
            value = item.get(key)
            if isinstance(value, int | str) and not isinstance(value, bool) and value != "":
                return value
    return record


# --------------------------------------------------------------------------- reading


def read_items(path: Source, *, format: str | None = None) -> Iterator[ItemRecord]:
    """Yield one :class:`ItemRecord` per record of a JSONL or TSV items file (gzip accepted).

    ``path`` is a path or a binary stream (left open). ``format`` (``"jsonl"`` or ``"tsv"``)
    overrides the choice by extension (``.jsonl``, ``.json``, ``.ndjson``; ``.tsv``, ``.tab``;
    before a ``.gz``) and by content (a first character ``{`` means JSONL, a tab in the first
    line TSV). Raises ``OSError`` when the file cannot be opened and :class:`ItemFormatError`
    for an unusable TSV header; a malformed record is yielded with its error, and reading goes
    on.
    """
    if format not in (None, "jsonl", "tsv"):
        raise ValueError(f"unknown items format {format!r} (expected 'jsonl' or 'tsv')")
    name = _display_name(path)
    with ExitStack() as stack:
        stream: _Reads = (
            stack.enter_context(open(path, "rb")) if isinstance(path, str | PathLike) else path
        )
        buffered: io.BufferedReader[Any] = io.BufferedReader(_Unclosed(stream), _BUFFER)
        if buffered.peek(2)[:2] == _GZIP_MAGIC:
            buffered = io.BufferedReader(_Gunzip(buffered), _BUFFER)
        if (format or _format_of(name, buffered)) == "tsv":
            yield from _read_tsv(buffered, name)
        else:
            yield from _read_jsonl(buffered, name)


def _display_name(path: Source) -> str:
    if isinstance(path, str | PathLike):
        return str(path)
    return str(getattr(path, "name", "<stream>"))


class _Reads(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _Unclosed(io.RawIOBase):
    """A raw view of a binary stream that leaves the stream open when it is closed."""

    def __init__(self, stream: _Reads) -> None:
        super().__init__()
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Gunzip(io.RawIOBase):
    """A gzip stream (members in a row, zero padding after them), inflated as it is read.

    Unlike :class:`gzip.GzipFile`, a truncated stream raises ``EOFError`` only after every
    byte before the cut has been delivered, so the records before it still come.
    """

    def __init__(self, source: _Reads) -> None:
        super().__init__()
        self._source = source
        self._inflate = zlib.decompressobj(wbits=31)
        self._pending = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending and not self._done:
            self._fill()
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def _fill(self) -> None:
        if self._inflate.eof:  # the next member, if any
            data = self._inflate.unused_data.lstrip(b"\0") or self._source.read(_BUFFER)
            self._inflate = zlib.decompressobj(wbits=31)
            data = data.lstrip(b"\0")
            if not data:
                self._done = True
                return
        else:
            data = self._inflate.unconsumed_tail or self._source.read(_BUFFER)
            if not data:
                self._done = True
                raise EOFError("the gzip stream ends before its end-of-stream marker")
        self._pending = self._inflate.decompress(data, _BUFFER)


def _format_of(name: str, stream: io.BufferedReader[Any]) -> str:
    stem = name[:-3] if name.lower().endswith(".gz") else name
    suffix = Path(stem).suffix.lower()
    if suffix in {".jsonl", ".json", ".ndjson"}:
        return "jsonl"
    if suffix in {".tsv", ".tab"}:
        return "tsv"
    try:
        head = stream.peek(65536)
    except _READ_ERRORS:
        return "jsonl"  # the read error is reported on the first record
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        return "jsonl"
    return "tsv" if b"\t" in text.split(b"\n", 1)[0] else "jsonl"


def _read_jsonl(stream: IO[bytes], name: str) -> Iterator[ItemRecord]:
    """JSON Lines: one object per non-blank line."""
    record, line = 0, 0
    lines = iter(stream)
    while True:
        try:
            raw = next(lines)
        except StopIteration:
            return
        except _READ_ERRORS as exc:
            yield ItemRecord(None, line + 1, record + 1, f"{name}:{line + 1}: cannot read: {exc}")
            return
        line += 1
        if line == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if not raw.strip():
            continue
        record += 1
        item, error = _parse_json_line(raw)
        yield ItemRecord(item, line, record, f"{name}:{line}: {error}" if error else None)


def _parse_json_line(raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 (byte {exc.start + 1})"
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg} (column {exc.colno})"
    except ValueError as exc:
        return None, f"not valid JSON: {exc}"
    if not isinstance(value, dict):
        kind = "array" if isinstance(value, list) else type(value).__name__
        return None, f"expected one JSON object per line, got a JSON {kind}"
    return value, None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _read_tsv(stream: IO[bytes], name: str) -> Iterator[ItemRecord]:
    """The release's TSV: a header row, then one record per row; quoted cells may span lines."""
    _raise_field_limit()
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.reader(text, delimiter="\t", quotechar='"', doublequote=True, strict=True)
    rows = _tsv_rows(reader)
    header = _tsv_header(next(rows, None), name)
    for record, (start, end, row) in enumerate(rows, 1):
        yield _tsv_record(header, start, end, record, row, name)


_Row = tuple[int, int, list[str] | Exception]


def _tsv_rows(reader: Any) -> Iterator[_Row]:
    """(first physical line, last physical line, cells or the error); blank rows skipped."""
    last = 0
    while True:
        try:
            row: list[str] | Exception = next(reader)
        except StopIteration:
            return
        except (csv.Error, *_READ_ERRORS) as exc:
            row = exc
        start, last = last + 1, max(reader.line_num, last + 1)
        if row != []:
            yield start, last, row
        if isinstance(row, _READ_ERRORS):
            return


def _tsv_header(first: _Row | None, name: str) -> list[str]:
    if first is None:
        return []
    line, _, row = first
    if isinstance(row, Exception):
        raise ItemFormatError(f"{name}:{line}: unreadable TSV header: {row}")
    header = [cell.strip() for cell in row]
    if any(not cell for cell in header):
        raise ItemFormatError(f"{name}:{line}: TSV header has an empty column name")
    repeated = sorted({cell for cell in header if header.count(cell) > 1})
    if repeated:
        raise ItemFormatError(f"{name}:{line}: TSV header repeats {', '.join(repeated)}")
    return header


def _tsv_record(
    header: list[str], start: int, end: int, record: int, row: list[str] | Exception, name: str
) -> ItemRecord:
    where = f"{name}:{start} (record {record})"
    lines = f"line {start}" if end <= start else f"lines {start}-{end}"
    if isinstance(row, _READ_ERRORS):
        return ItemRecord(None, start, record, f"{where}: cannot read ({lines}): {row}")
    if isinstance(row, Exception):
        return ItemRecord(None, start, record, f"{where}: malformed TSV ({lines}): {row}")
    if len(row) != len(header):
        return ItemRecord(
            None, start, record,
            f"{where}: {len(row)} cells where the header has {len(header)} ({lines})",
        )  # fmt: skip
    if not _is_utf8(row):
        return ItemRecord(None, start, record, f"{where}: not UTF-8 ({lines})")
    return ItemRecord(_decode_cells(zip(header, row, strict=True)), start, record)


def _is_utf8(row: list[str]) -> bool:
    try:
        "\t".join(row).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=1)
def _raise_field_limit() -> None:
    """Base64 image cells run to megabytes; the csv module stops at 128 KiB by default."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _decode_cells(cells: Iterable[tuple[str, str]]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for column, cell in cells:
        present, value = _decode_cell(column, cell)
        if present:
            item[column] = value
    return item


def _decode_cell(column: str, cell: str) -> tuple[bool, Any]:
    """(present, value) of one TSV cell, by column (see the module docstring)."""
    if column in _TEXT_COLUMNS:
        return True, cell
    stripped = cell.strip()
    if not stripped:
        return False, None
    if column in _INT_COLUMNS:
        return True, int(stripped) if stripped.isascii() and stripped.isdigit() else cell
    if column == "image":
        value = _json(stripped, (list, str))
        if isinstance(value, list):
            return True, value
        return True, [stripped if value is None else value]
    if column in _SPLIT_LIST_COLUMNS:
        value = _json(stripped, (list, str))
        if isinstance(value, list):
            return True, value
        return True, [part.strip() for part in (value or stripped).split(";") if part.strip()]
    if column in _OBJECT_COLUMNS:
        value = _json(stripped, (dict,))
        return True, cell if value is None else value
    value = _json(stripped, (list, dict))
    return True, cell if value is None else value


def _json(text: str, kinds: tuple[type, ...]) -> Any:
    """``text`` decoded when it is JSON of one of ``kinds``, else None."""
    if text[0] not in '[{"':
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, kinds) else None


# --------------------------------------------------------------------------- schema


@lru_cache(maxsize=1)
def item_schema() -> dict[str, Any]:
    """The item JSON Schema, read from the package with :mod:`importlib.resources`."""
    resource = resources.files("mmrare_core").joinpath("data", "schema", SCHEMA_RULE)
    schema: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return schema


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = item_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_findings(item: Any) -> list[Finding]:
    """One reject per schema violation, in path order, each naming the JSON path.

    >>> [f.message for f in schema_findings({"question": "Q", "track": "T1"})]
    ["$: 'answer' is a required property (track T1 requires it)"]
    >>> schema_findings({"question": "Q", "track": "T1", "answer": "Fabry disease"})
    []
    """
    errors = sorted(_validator().iter_errors(item), key=_error_order)
    return [_finding(error, item) for error in errors if not _deferred(error)]


def _error_order(error: Any) -> tuple[list[str], str, str]:
    return [str(p) for p in error.absolute_path], error.validator, error.message


def _deferred(error: Any) -> bool:
    return (tuple(error.absolute_path), error.validator) in _DEFERRED


def _finding(error: Any, item: Any) -> Finding:
    path = list(error.absolute_path)
    field = str(path[0]) if path else ""
    if not path and error.validator == "required":
        field = _missing_property(error)
    message = f"{error.json_path}: {_shorten(error.message)}"
    if "then" in error.absolute_schema_path and isinstance(item, dict):
        message += f" (track {item.get('track')} requires it)"
    return default_rules().finding(SCHEMA_CHECK, message, rule=SCHEMA_RULE, field=field)


def _missing_property(error: Any) -> str:
    """The property a ``required`` error is about (jsonschema gives one error per name)."""
    for name in error.validator_value:
        if error.message.startswith(f"{name!r} "):
            return str(name)
    return ""


def _shorten(message: str) -> str:
    """Schema messages quote the instance; a base64 image would fill a screen."""
    if len(message) <= _MAX_MESSAGE:
        return message
    half = _MAX_MESSAGE // 2
    return f"{message[:half]}...[{len(message) - _MAX_MESSAGE} characters]...{message[-half:]}"
