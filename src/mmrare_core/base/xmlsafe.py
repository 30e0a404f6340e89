"""Hardened XML parsing: no network, no DTD loading, no entity expansion.

lxml with ``resolve_entities=False`` parses an XXE document without complaint (it just
keeps an entity node), so every entry point here first scans the *prolog* (the bytes
before the root element) and refuses a DOCTYPE that declares entities, then parses with
a parser that cannot load a DTD or touch the network, and finally refuses any entity
reference node that slipped through. Errors are typed and name the file and the line.

* :func:`check_prolog` — refuse entity declarations in the bytes before the root element;
* :func:`safe_parser` — an :class:`lxml.etree.XMLParser` that cannot be weakened;
* :func:`iterparse` — streaming, gzip-aware, the prolog checked first and read only once;
* :func:`parse` — a whole (small) document, e.g. a JATS article;
* :func:`check_depth` — refuse a tree nested deeper than a bound.

>>> check_prolog(b'<?xml version="1.0"?><a/>', "ok.xml")
>>> check_prolog(b'<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>',
...              "x.xml")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
mmrare_core.errors.UnsafeXMLError: x.xml:1: the DOCTYPE declares the external entity 'e' ...
"""

from __future__ import annotations

import gzip
import io
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from lxml import etree

from mmrare_core.errors import MMRareError, OntologyFormatError, UnsafeXMLError, where

__all__ = [
    "GZIP_MAGIC",
    "XMLSource",
    "check_depth",
    "check_prolog",
    "iterparse",
    "open_binary",
    "parse",
    "read_xml_bytes",
    "reject_entity_nodes",
    "safe_parser",
]

#: What the readers accept: a path or a binary file object.
XMLSource = str | os.PathLike[str] | IO[bytes]

GZIP_MAGIC = b"\x1f\x8b"

#: Parser options that may never be changed (the hardening itself).
_HARDENED: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "recover": False,
    "attribute_defaults": False,
}
_CHUNK = 64 * 1024
_MAX_PROLOG = 4 * 1024 * 1024
_ENTITY_DECL = re.compile(
    r"<!ENTITY\s+(?P<pe>%\s+)?(?P<name>[^\s]+)\s+(?P<rest>.*?)\s*>\Z", re.DOTALL
)


# --------------------------------------------------------------------------- prolog scan


@dataclass(slots=True)
class _Prolog:
    """What the scan of the bytes before the root element found."""

    complete: bool = False  # the root element (or non-XML text) was reached
    doctype: bool = False
    entities: list[tuple[int, str]] = field(default_factory=list)  # (offset, declaration)
    pe_refs: list[tuple[int, str]] = field(default_factory=list)  # %name; in the subset


def _decode_head(head: bytes) -> str:
    """Decode so that offsets stay meaningful; UTF-16 only when a BOM says so."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    return head.decode("latin-1")


def _skip_quoted(text: str, i: int) -> int:
    """Index after the quoted string starting at ``text[i]``, or -1 if unterminated."""
    end = text.find(text[i], i + 1)
    return -1 if end < 0 else end + 1


def _skip_to(text: str, i: int, token: str) -> int:
    end = text.find(token, i)
    return -1 if end < 0 else end + len(token)


def _markup_end(text: str, i: int) -> int:
    """End of a ``<!...>`` declaration inside the internal subset, quotes respected."""
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            i = _skip_quoted(text, i)
            if i < 0:
                return -1
        elif ch == ">":
            return i + 1
        else:
            i += 1
    return -1


def _scan_subset(text: str, i: int, found: _Prolog) -> int:
    """Scan the internal subset after ``[``; return the index after ``]`` or -1."""
    while i < len(text):
        ch = text[i]
        if ch == "]":
            return i + 1
        if text.startswith("<!--", i):
            i = _skip_to(text, i + 4, "-->")
        elif text.startswith("<?", i):
            i = _skip_to(text, i + 2, "?>")
        elif text.startswith("<!", i):
            end = _markup_end(text, i + 2)
            if end > 0 and text.startswith("<!ENTITY", i):
                found.entities.append((i, text[i:end]))
            i = end
        elif ch == "%":
            end = text.find(";", i)
            if end < 0:
                return -1
            found.pe_refs.append((i, text[i : end + 1]))
            i = end + 1
        else:
            i += 1
        if i < 0:
            return -1
    return -1


def _scan_doctype(text: str, i: int, found: _Prolog) -> int:
    """Scan ``<!DOCTYPE ...>`` from ``i``; return the index after it or -1."""
    found.doctype = True
    i += len("<!DOCTYPE")
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            i = _skip_quoted(text, i)
        elif ch == "[":
            i = _scan_subset(text, i + 1, found)
        elif ch == ">":
            return i + 1
        else:
            i += 1
        if i < 0:
            return -1
    return -1


def _scan_prolog(text: str) -> _Prolog:
    """Walk the prolog: XML declaration, comments, PIs and the DOCTYPE."""
    found = _Prolog()
    i = 1 if text.startswith("\ufeff") else 3 if text.startswith("\xef\xbb\xbf") else 0
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if i >= len(text):
            return found
        if text.startswith("<?", i):
            i = _skip_to(text, i + 2, "?>")
        elif text.startswith("<!--", i):
            i = _skip_to(text, i + 4, "-->")
        elif text.startswith("<!DOCTYPE", i):
            i = _scan_doctype(text, i, found)
        else:  # the root element, or something that is not XML: the parser will say
            found.complete = True
            return found
        if i < 0:
            return found


def _entity_problem(decl: str, allow_internal: bool) -> str | None:
    """Why an ``<!ENTITY ...>`` declaration is refused, or None when it is allowed."""
    match = _ENTITY_DECL.match(decl)
    if not match:
        return "a malformed entity declaration"
    name, rest = match.group("name"), match.group("rest")
    if match.group("pe"):
        return f"the parameter entity '{name}'"
    if rest.startswith(("SYSTEM", "PUBLIC")):
        return f"the external entity '{name}' ({rest.split()[0]})"
    if not allow_internal:
        return f"the entity '{name}'"
    value = rest[1:-1] if rest[:1] in "\"'" and rest[-1:] == rest[:1] else None
    if value is None:
        return f"the entity '{name}' with an unexpected value"
    if "&" in value or "%" in value:
        return f"the entity '{name}', whose value refers to other entities"
    return None


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _check_scanned(text: str, found: _Prolog, source: str, allow_internal: bool) -> None:
    problems = [
        (offset, f"uses the parameter entity reference {ref!r}") for offset, ref in found.pe_refs
    ]
    for offset, decl in found.entities:
        problem = _entity_problem(decl, allow_internal)
        if problem:
            problems.append((offset, f"declares {problem}"))
    if problems:
        offset, problem = min(problems)
        raise UnsafeXMLError(
            f"{where(source, _line_of(text, offset))}: the DOCTYPE {problem}; "
            "entity declarations are refused (XXE, entity expansion)"
        )


def check_prolog(head: bytes, source: str, *, allow_internal_entities: bool = False) -> None:
    """Refuse entity declarations in the bytes before the root element.

    ``head`` should reach past the DOCTYPE (the readers pass what they read until the
    root element). Raise :class:`UnsafeXMLError` naming ``source`` and the line when the
    DOCTYPE declares an entity or uses a parameter entity. With
    ``allow_internal_entities=True`` (ORDO OWL files declare ``<!ENTITY owl "http://...">``
    namespace shortcuts) plain internal general entities whose value holds no ``&`` or
    ``%`` pass; SYSTEM/PUBLIC entities, parameter entities and values that refer to
    other entities (billion laughs) are still refused.

    >>> check_prolog(b'<!DOCTYPE r [<!ENTITY owl "http://www.w3.org/2002/07/owl#">]><r/>',
    ...              "ordo.owl", allow_internal_entities=True)
    >>> check_prolog(b'<!DOCTYPE r [\\n<!ENTITY a "&b;&b;">]><r/>', "lol.xml",
    ...              allow_internal_entities=True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mmrare_core.errors.UnsafeXMLError: lol.xml:2: the DOCTYPE declares the entity 'a', whose...
    """
    text = _decode_head(head)
    _check_scanned(text, _scan_prolog(text), source, allow_internal_entities)


# --------------------------------------------------------------------------- streams


class _Prepended(io.RawIOBase):
    """A read-only stream that returns ``head`` first, then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        super().__init__()
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            data, self._head = self._head + self._stream.read(), b""
            return data
        if not self._head:
            return self._stream.read(size)
        data, self._head = self._head[:size], self._head[size:]
        if len(data) < size:
            data += self._stream.read(size - len(data))
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _display_name(file: XMLSource, source: str | None) -> str:
    if source is not None:
        return source
    if isinstance(file, str | os.PathLike):
        return os.fspath(file)
    return str(getattr(file, "name", "<stream>"))


@contextmanager
def open_binary(file: XMLSource) -> Iterator[IO[bytes]]:
    """Open a path or wrap a binary file object; gzip is recognised by its magic bytes.

    A file object passed in is not closed; a path opened here is.

    >>> with open_binary(io.BytesIO(gzip.compress(b"<a/>"))) as f:
    ...     f.read()
    b'<a/>'
    """
    own = isinstance(file, str | os.PathLike)
    raw: IO[bytes] = open(file, "rb") if isinstance(file, str | os.PathLike) else file  # noqa: SIM115
    try:
        magic = raw.read(2)
        stream: Any = _Prepended(magic, raw)
        if magic == GZIP_MAGIC:
            stream = gzip.GzipFile(fileobj=stream, mode="rb")
        yield stream
    finally:
        if own:
            raw.close()


def _read_prolog(
    stream: IO[bytes], source: str, allow_internal: bool, error: type[MMRareError]
) -> tuple[bytes, _Prolog]:
    """Read until the root element is in view, check the prolog, return what was read."""
    head = b""
    while True:
        chunk = _read_or_fail(stream, _CHUNK, source, error)
        head += chunk
        text = _decode_head(head)
        found = _scan_prolog(text)
        if found.complete or not chunk or len(head) > _MAX_PROLOG:
            _check_scanned(text, found, source, allow_internal)
            if not found.complete and chunk:
                raise UnsafeXMLError(
                    f"{where(source)}: no root element in the first {_MAX_PROLOG} bytes "
                    "(an oversized DOCTYPE is refused)"
                )
            return head, found


_STREAM_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile)


def _read_or_fail(stream: IO[bytes], size: int, source: str, error: type[MMRareError]) -> bytes:
    try:
        return stream.read(size)
    except _STREAM_ERRORS as exc:
        raise error(f"{where(source)}: truncated or corrupt compressed file ({exc})") from None


# --------------------------------------------------------------------------- parsing


def safe_parser(**kw: Any) -> etree.XMLParser:
    """An :class:`lxml.etree.XMLParser` that cannot load a DTD, expand entities or go online.

    Other lxml options pass through (``remove_comments`` and ``remove_pis`` default to
    True); trying to weaken the hardening raises :class:`UnsafeXMLError`.

    >>> etree.fromstring(b"<a><!-- note --><b>x</b></a>", safe_parser()).findtext("b")
    'x'
    >>> safe_parser(resolve_entities=True)
    Traceback (most recent call last):
    ...
    mmrare_core.errors.UnsafeXMLError: safe_parser refuses resolve_entities=True
    """
    options: dict[str, Any] = {"remove_comments": True, "remove_pis": True, **_HARDENED}
    for key, value in kw.items():
        if key in _HARDENED and value != _HARDENED[key] and not _internal_ok(key, value):
            raise UnsafeXMLError(f"safe_parser refuses {key}={value!r}")
        options[key] = value
    return etree.XMLParser(**options)


def _internal_ok(key: str, value: Any) -> bool:
    """``resolve_entities='internal'`` is allowed once the prolog check has passed."""
    return key == "resolve_entities" and value == "internal"


def reject_entity_nodes(
    element: etree._Element,
    source: str,
    error: type[MMRareError] = UnsafeXMLError,
    *,
    deep: bool = True,
) -> None:
    """Raise when ``element`` (its subtree, or only its children) holds an entity node."""
    nodes: Iterable[Any] = element.iter(etree.Entity) if deep else element
    for node in nodes:
        if isinstance(node, etree._Entity):
            holder = node.getparent()  # the element that holds the reference
            tag = holder.tag if holder is not None else element.tag
            raise error(
                f"{where(source, node.sourceline, _local(tag))}: entity reference "
                f"{node.text} is refused (entities are never expanded)"
            )


def _local(tag: Any) -> str | None:
    return etree.QName(tag).localname if isinstance(tag, str) else None


def _syntax_error(exc: etree.XMLSyntaxError, source: str, error: type[MMRareError]) -> MMRareError:
    line = exc.lineno if exc.lineno and exc.lineno > 0 else None
    message = (exc.msg or str(exc)).strip()
    if "Excessive depth" in message:  # libxml2's own nesting limit (256 without huge_tree)
        return UnsafeXMLError(f"{where(source, line)}: nesting too deep: {message}")
    return error(f"{where(source, line)}: malformed XML: {message}")


def check_depth(root: etree._Element, max_depth: int, source: str) -> None:
    """Refuse a tree nested deeper than ``max_depth`` elements (the root is depth 1).

    One XPath step per level, evaluated in C: linear in the size of the tree.

    >>> check_depth(etree.fromstring(b"<a><b><c/></b></a>"), 2, "deep.xml")
    Traceback (most recent call last):
    ...
    mmrare_core.errors.UnsafeXMLError: deep.xml:1 (element <c>): nesting deeper than 2 elements
    """
    if max_depth < 1:
        raise ValueError(f"max_depth must be >= 1, not {max_depth}")
    too_deep = root.xpath("/".join(["*"] * max_depth))
    if too_deep:
        first = too_deep[0]
        raise UnsafeXMLError(
            f"{where(source, first.sourceline, _local(first.tag))}: "
            f"nesting deeper than {max_depth} elements"
        )


def _tag_matcher(tag: str | Iterable[str] | None) -> Callable[[Any], bool]:
    """lxml-style tag filter (``name``, ``{ns}name``, ``{*}name``) for the DOCTYPE path."""
    if tag is None:
        return lambda _tag: True
    wanted = {tag} if isinstance(tag, str) else set(tag)
    any_ns = {t[3:] for t in wanted if t.startswith("{*}")}

    def matches(elem_tag: Any) -> bool:
        if not isinstance(elem_tag, str):
            return False
        return elem_tag in wanted or (bool(any_ns) and etree.QName(elem_tag).localname in any_ns)

    return matches


def iterparse(
    file: XMLSource,
    tag: str | Iterable[str] | None = None,
    *,
    source: str | None = None,
    events: Iterable[str] = ("end",),
    error: type[MMRareError] = OntologyFormatError,
    allow_internal_entities: bool = False,
    remove_comments: bool = True,
    remove_pis: bool = True,
) -> Iterator[tuple[str, etree._Element]]:
    """Stream ``(event, element)`` pairs like :func:`lxml.etree.iterparse`, hardened.

    ``file`` is a path or a binary file object, gzip or not. The prolog is read and
    checked first (:func:`check_prolog`); the bytes read for it are replayed to the
    parser, so the file is read once. Malformed XML raises ``error`` (default
    :class:`OntologyFormatError`) naming ``source`` (default: the file name) and the
    line; unsafe XML raises :class:`UnsafeXMLError`. Callers should ``clear()`` the
    elements they are done with.

    >>> doc = io.BytesIO(b"<r><d>1</d><d>2</d></r>")
    >>> [e.text for _, e in iterparse(doc, "d", source="doc.xml")]
    ['1', '2']
    >>> list(iterparse(io.BytesIO(b"<r><d>1</r>"), "d", source="bad.xml"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mmrare_core.errors.OntologyFormatError: bad.xml:1: malformed XML: ...
    """
    name = _display_name(file, source)
    wanted_events = tuple(events)
    with open_binary(file) as stream:
        head, prolog = _read_prolog(stream, name, allow_internal_entities, error)
        replay = _Prepended(head, stream)
        yield from _iterparse_checked(
            replay, name, tag, wanted_events, prolog.doctype, error,
            resolve_entities="internal" if allow_internal_entities else False,
            remove_comments=remove_comments, remove_pis=remove_pis,
        )  # fmt: skip


def _iterparse_checked(
    replay: _Prepended,
    name: str,
    tag: str | Iterable[str] | None,
    events: tuple[str, ...],
    doctype: bool,
    error: type[MMRareError],
    **options: Any,
) -> Iterator[tuple[str, etree._Element]]:
    """Run lxml's iterparse; with a DOCTYPE, look for entity nodes at every element end."""
    matcher = _tag_matcher(tag) if doctype else None
    lxml_events = tuple(dict.fromkeys((*events, "end"))) if doctype else events
    hardened = {**_HARDENED, **options}
    parser = etree.iterparse(replay, events=lxml_events, tag=None if doctype else tag, **hardened)
    try:
        for event, elem in parser:
            if matcher is not None:
                if event == "end":
                    reject_entity_nodes(elem, name, UnsafeXMLError, deep=False)
                if event not in events or not matcher(elem.tag):
                    continue
            yield event, elem
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc, name, error) from None
    except _STREAM_ERRORS as exc:
        raise error(f"{where(name)}: truncated or corrupt compressed file ({exc})") from None


def read_xml_bytes(
    file: XMLSource,
    *,
    source: str | None = None,
    error: type[MMRareError] = OntologyFormatError,
    allow_internal_entities: bool = False,
) -> bytes:
    """The whole document as bytes (gunzipped), after :func:`check_prolog` passed.

    For parsers other than lxml (rdflib reads ORDO OWL files from these bytes).

    >>> read_xml_bytes(io.BytesIO(gzip.compress(b"<a/>")))
    b'<a/>'
    """
    name = _display_name(file, source)
    with open_binary(file) as stream:
        head, _prolog = _read_prolog(stream, name, allow_internal_entities, error)
        return head + _read_or_fail(stream, -1, name, error)


def parse(
    file: XMLSource,
    *,
    source: str | None = None,
    error: type[MMRareError] = OntologyFormatError,
    allow_internal_entities: bool = False,
    max_depth: int | None = None,
    **parser_options: Any,
) -> etree._ElementTree:
    """Parse a whole document (gzip or not) with the same checks as :func:`iterparse`.

    Nesting is bounded by libxml2 (256 levels); ``max_depth`` sets a tighter bound
    (:func:`check_depth`). Too deep a tree raises :class:`UnsafeXMLError`.

    >>> parse(io.BytesIO(b"<article><p>Hi</p></article>")).getroot().findtext("p")
    'Hi'
    """
    name = _display_name(file, source)
    data = read_xml_bytes(
        file, source=name, error=error, allow_internal_entities=allow_internal_entities
    )
    if allow_internal_entities:
        parser_options.setdefault("resolve_entities", "internal")
    try:
        tree = etree.parse(io.BytesIO(data), safe_parser(**parser_options))
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc, name, error) from None
    reject_entity_nodes(tree.getroot(), name)
    if max_depth is not None:
        check_depth(tree.getroot(), max_depth, name)
    return tree
