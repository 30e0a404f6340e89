"""ORPHApackets JSON: names, synonyms, types, parents, OMIM, genes, definitions.

Source: https://github.com/Orphanet/orphapacket (``json/ORPHApacket_<code>.json``) —
one packet per file, a JSON list, or one packet per line (JSONL, as in ``../shared``).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from typing import IO, Any

from mmrare_core.errors import OntologyFormatError, UnknownCodeError, where
from mmrare_core.ontology.formats.common import (
    Collector,
    PathLike,
    as_list,
    clean,
    file_matches,
    open_text,
    sha256_file,
    unique,
    unique_codes,
)
from mmrare_core.ontology.model import (
    Disorder,
    ReleaseInfo,
    SourceRelease,
    group_for_type,
    parse_code,
)

__all__ = ["FORMAT", "can_read", "read_packets", "sniff"]

FORMAT = "orphapackets"


def sniff(head: str) -> bool:
    """Whether a file head (see :func:`~.common.head_text`) is ORPHApackets JSON."""
    return head.startswith(("{", "[")) and ('"ORPHAcode"' in head or '"Orphapacket"' in head)


def can_read(path: PathLike) -> bool:
    """Whether ``path`` is an ORPHApackets file (by content; gzip accepted)."""
    return file_matches(path, sniff)


# --------------------------------------------------------------------------- JSON records


def _json_records(path: PathLike, name: str) -> Iterator[tuple[str, Any]]:
    """``(location, object)`` for JSONL, a JSON list, or a single JSON document."""
    with open_text(path) as text:
        lineno, first = 0, ""
        for line in text:  # find the first non-blank line
            lineno += 1
            if line.strip():
                first = line
                break
        stripped = first.strip()
        if not stripped:
            return
        if not stripped.startswith("["):
            obj = _loads_or_none(stripped)
            if isinstance(obj, dict):
                yield where(name, lineno), obj
                yield from _jsonl_rest(text, name, lineno)
                return
        yield from _json_document(first + text.read(), name, lineno)


def _loads_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def _jsonl_rest(text: IO[str], name: str, start: int) -> Iterator[tuple[str, Any]]:
    for lineno, line in enumerate(text, start + 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise OntologyFormatError(
                f"{where(name, lineno)}: malformed JSON line: {exc.msg} (column {exc.colno})"
            ) from None
        yield where(name, lineno), obj


def _json_document(data: str, name: str, first_line: int) -> Iterator[tuple[str, Any]]:
    try:
        obj = json.loads(data)
    except json.JSONDecodeError as exc:
        line = exc.lineno + first_line - 1
        raise OntologyFormatError(
            f"{where(name, line)}: malformed JSON: {exc.msg} (column {exc.colno})"
        ) from None
    if isinstance(obj, list):
        for index, item in enumerate(obj, 1):
            yield f"{name} (packet {index} of the list)", item
    else:
        yield where(name, first_line), obj


# --------------------------------------------------------------------------- one packet


def _unwrap_packet(obj: Any, at: str) -> dict[str, Any]:
    if isinstance(obj, dict) and isinstance(obj.get("Orphapacket"), dict):
        return obj["Orphapacket"]  # type: ignore[no-any-return]
    if isinstance(obj, dict) and "ORPHAcode" in obj:
        return obj
    raise OntologyFormatError(f"{at}: not an ORPHApacket (no 'Orphapacket' or 'ORPHAcode' key)")


def _packet_parents(packet: dict[str, Any]) -> list[tuple[int, str]]:
    """``Parents`` is a list of ``{"Parent": [...]}`` — or, in 44 real packets, one dict."""
    out = []
    for entry in as_list(packet.get("Parents")):
        for parent in as_list(entry.get("Parent")):
            out.append((parse_code(str(parent["ORPHAcode"])), clean(parent.get("Label", ""))))
    return out


def _packet_omim(packet: dict[str, Any]) -> tuple[str, ...]:
    """OMIM references; items are ``{"ExternalReference": {...}}`` or the inner dict itself."""
    refs = []
    for item in as_list(packet.get("ExternalReferences")):
        for ref in as_list(item.get("ExternalReference", item)):
            if str(ref.get("Source", "")).strip().upper() == "OMIM":
                refs.append(ref.get("Reference"))
    return unique(refs)


def _packet_genes(packet: dict[str, Any]) -> tuple[str, ...]:
    symbols = []
    for item in as_list(packet.get("Genes")):
        for gene in as_list(item.get("Gene", item)):
            symbols.append(gene.get("Symbol"))
    return unique(symbols)


def _packet_definition(packet: dict[str, Any]) -> str:
    for section in as_list(packet.get("TextSection")):
        if str(section.get("TextSectionType", "Definition")).strip() == "Definition":
            return clean(section.get("Contents") or "")
    return ""


def _packet_disorder(packet: dict[str, Any]) -> tuple[Disorder, list[tuple[int, str]]]:
    label = clean(packet["Label"])
    if not label:
        raise ValueError("empty 'Label'")
    disorder_type = str((packet.get("DisorderType") or {}).get("value", "")).strip()
    synonyms = (
        s if isinstance(s, str) else s.get("Synonym") for s in as_list(packet.get("Synonyms"))
    )
    parents = _packet_parents(packet)
    disorder = Disorder(
        code=parse_code(str(packet["ORPHAcode"])),
        name=label,
        synonyms=tuple(s for s in unique(synonyms) if s != label),
        disorder_type=disorder_type,
        group=group_for_type(disorder_type),
        parents=unique_codes(code for code, _ in parents),
        omim=_packet_omim(packet),
        genes=_packet_genes(packet),
        definition=_packet_definition(packet),
    )
    return disorder, parents


def _checked_disorder(packet: dict[str, Any], at: str) -> tuple[Disorder, list[tuple[int, str]]]:
    try:
        return _packet_disorder(packet)
    except (KeyError, TypeError, AttributeError, ValueError, UnknownCodeError) as exc:
        code = packet.get("ORPHAcode", "?")
        raise OntologyFormatError(
            f"{at}: ORPHApacket {code}: missing or malformed field ({exc})"
        ) from None


# --------------------------------------------------------------------------- the file


def read_packets(path: PathLike) -> SourceRelease:
    """Read ORPHApackets: JSONL (one packet a line, gzip or not), a JSON list, or one packet.

    Parent codes without a packet of their own (38 in the 2025-12-09 release, e.g.
    320716 "Rare disorders") become groups named by their parent entry and are listed in
    ``labels``. A malformed line raises :class:`OntologyFormatError` naming file and line.
    """
    name = os.fspath(path)
    collector = Collector(name)
    versions: Counter[str] = Counter()
    dates: Counter[str] = Counter()
    count = 0
    for at, obj in _json_records(path, name):
        packet = _unwrap_packet(obj, at)
        disorder, parents = _checked_disorder(packet, at)
        collector.add(disorder, at)
        for code, label in parents:
            collector.parent_label(code, label)
        versions[str(packet.get("version", "")).strip()] += 1
        dates[str(packet.get("creationDate", "")).strip()] += 1
        count += 1
    labels = collector.close_parents()
    info = ReleaseInfo(
        FORMAT,
        name,
        version=_most_common(versions),
        date=_most_common(dates),
        sha256=sha256_file(path),
        records=count,
    )
    return SourceRelease(collector.disorders, info, labels=labels)


def _most_common(counter: Counter[str]) -> str:
    counter.pop("", None)
    return counter.most_common(1)[0][0] if counter else ""
