"""Readers for the Orphanet release formats, each returning a :class:`SourceRelease`.

Where to get each format (Orphadata, CC BY 4.0; attribution "Orphadata: Free access
data from Orphanet. © INSERM 1999. Available on http://www.orphadata.com"):

* ORPHApackets JSON (names, synonyms, types, parents, OMIM, genes, definitions):
  https://github.com/Orphanet/orphapacket (``json/ORPHApacket_<code>.json``) — read one
  packet per file, a JSON list, or one packet per line (JSONL, as in ``../shared``).
* product1 XML, "Rare diseases and alignment with terminologies and databases":
  https://www.orphadata.com/data/xml/en_product1.xml (about 54 MB; also in
  https://github.com/Orphanet/Orphadata_aggregated). Names, synonyms, types, groups,
  cross-references; no hierarchy.
* product3 XML, the classifications (hierarchies), one file per classification:
  https://www.orphadata.com/data/xml/en_product3_<id>.xml (e.g. ``en_product3_181.xml``)
  and https://github.com/Orphanet/orphanet_nomenclature_binder (``xml/``).
* ORDO OWL, the Orphanet Rare Disease Ontology: https://www.orphadata.com/ordo/
  (``ORDO_en_<version>.owl``, zipped) and https://www.ebi.ac.uk/ols4/ontologies/ordo.
* The flat TSV ``orpha_nomenclature_en_<date>.tsv`` is derived from the ORPHApackets
  (see ``../shared/data/orphanet/SOURCE.md``); ``--aliases`` TSV files hold curated or
  former names (:func:`read_alias_tsv`).

Every reader tidies white space in names, synonyms and definitions (runs of spaces, tabs
or no-break spaces become one space): the 2025-12-09 release has a double space in one
label and in ten synonyms, and a no-break space in one synonym.

:func:`detect_format` tells the formats apart by content (gzip by its magic bytes), and
:func:`read_source` reads a file or picks the release file of a folder. Product3 files
are an older release: they are merged only on request (:func:`merge_classifications`).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import IO, Any

from mmrare_core.base.xmlsafe import iterparse, open_binary, read_xml_bytes
from mmrare_core.errors import OntologyFormatError, SourceWarning, UnknownCodeError, where
from mmrare_core.ontology.model import (
    GROUP_OF_DISORDERS,
    Disorder,
    ExtraAlias,
    ReleaseInfo,
    SourceRelease,
    group_for_type,
    parse_code,
)

__all__ = [
    "FORMATS",
    "PRIMARY_FORMATS",
    "alias_file_info",
    "classification_files",
    "detect_format",
    "merge_classifications",
    "read_alias_tsv",
    "read_nomenclature_tsv",
    "read_ordo",
    "read_packets",
    "read_product1",
    "read_product3",
    "read_sample",
    "read_source",
    "source_files",
]

PathLike = str | os.PathLike[str]

#: Every format :func:`detect_format` recognises.
FORMATS = (
    "orphapackets",
    "product1",
    "product3",
    "ordo",
    "nomenclature_tsv",
    "aliases_tsv",
)
#: Formats that can be a release on their own, in the order a folder is searched.
PRIMARY_FORMATS = ("orphapackets", "product1", "ordo", "nomenclature_tsv")

_HEAD_BYTES = 64 * 1024
_ORDO_IRI = "http://www.orpha.net/ORDO/Orphanet_"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# --------------------------------------------------------------------------- helpers


def _sha256(path: PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _as_list(value: Any) -> list[Any]:
    """``None`` -> [], a dict -> [dict], a list stays (the packets mix the shapes)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _clean(value: Any) -> str:
    """White space tidied: runs (tabs, no-break spaces) as one space, none at the ends.

    The release has a few double spaces and one no-break space in names and synonyms.

    >>> _clean("Congenital generalized  lipodystrophy\u00a0type 4 ")
    'Congenital generalized lipodystrophy type 4'
    """
    return " ".join(str(value).split())


def _unique(values: Iterable[Any]) -> tuple[str, ...]:
    """Tidied (:func:`_clean`), non-empty strings, first occurrence kept, order kept."""
    seen: dict[str, None] = {}
    for value in values:
        text = _clean(value) if value is not None else ""
        if text:
            seen.setdefault(text, None)
    return tuple(seen)


def _unique_codes(codes: Iterable[int]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(codes))


def _code(value: Any, at: str) -> int:
    try:
        return parse_code(str(value).strip() if isinstance(value, str) else value)
    except UnknownCodeError as exc:
        raise OntologyFormatError(f"{at}: {exc}") from None


@contextmanager
def _open_text(path: PathLike) -> Iterator[IO[str]]:
    """Text (UTF-8, BOM dropped), gunzipped when the file starts with the gzip magic."""
    with open_binary(path) as stream:
        yield io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")


def _release_element(elem: Any) -> None:
    """Free a streamed element and the siblings before it (keeps memory flat)."""
    elem.clear()
    parent = elem.getparent()
    while parent is not None and elem.getprevious() is not None:
        del parent[0]


@dataclass
class _Collector:
    """Disorders in reading order; duplicates warned about, missing parents filled in."""

    source: str
    disorders: dict[int, Disorder] = field(default_factory=dict)
    first_seen: dict[int, str] = field(default_factory=dict)
    parent_labels: dict[int, str] = field(default_factory=dict)

    def add(self, disorder: Disorder, at: str) -> None:
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


# --------------------------------------------------------------------------- ORPHApackets


def _json_records(path: PathLike, name: str) -> Iterator[tuple[str, Any]]:
    """``(location, object)`` for JSONL, a JSON list, or a single JSON document."""
    with _open_text(path) as text:
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
            try:
                obj = json.loads(stripped)
            except json.JSONDecodeError:
                obj = None
            if isinstance(obj, dict):
                yield where(name, lineno), obj
                yield from _jsonl_rest(text, name, lineno)
                return
        yield from _json_document(first + text.read(), name, lineno)


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


def _unwrap_packet(obj: Any, at: str) -> dict[str, Any]:
    if isinstance(obj, dict) and isinstance(obj.get("Orphapacket"), dict):
        return obj["Orphapacket"]  # type: ignore[no-any-return]
    if isinstance(obj, dict) and "ORPHAcode" in obj:
        return obj
    raise OntologyFormatError(f"{at}: not an ORPHApacket (no 'Orphapacket' or 'ORPHAcode' key)")


def _packet_parents(packet: dict[str, Any]) -> list[tuple[int, str]]:
    """``Parents`` is a list of ``{"Parent": [...]}`` — or, in 44 real packets, one dict."""
    out = []
    for entry in _as_list(packet.get("Parents")):
        for parent in _as_list(entry.get("Parent")):
            out.append((parse_code(str(parent["ORPHAcode"])), _clean(parent.get("Label", ""))))
    return out


def _packet_omim(packet: dict[str, Any]) -> tuple[str, ...]:
    """OMIM references; items are ``{"ExternalReference": {...}}`` or the inner dict itself."""
    refs = []
    for item in _as_list(packet.get("ExternalReferences")):
        for ref in _as_list(item.get("ExternalReference", item)):
            if str(ref.get("Source", "")).strip().upper() == "OMIM":
                refs.append(ref.get("Reference"))
    return _unique(refs)


def _packet_genes(packet: dict[str, Any]) -> tuple[str, ...]:
    symbols = []
    for item in _as_list(packet.get("Genes")):
        for gene in _as_list(item.get("Gene", item)):
            symbols.append(gene.get("Symbol"))
    return _unique(symbols)


def _packet_definition(packet: dict[str, Any]) -> str:
    for section in _as_list(packet.get("TextSection")):
        if str(section.get("TextSectionType", "Definition")).strip() == "Definition":
            return _clean(section.get("Contents") or "")
    return ""


def _packet_disorder(packet: dict[str, Any]) -> tuple[Disorder, list[tuple[int, str]]]:
    label = _clean(packet["Label"])
    if not label:
        raise ValueError("empty 'Label'")
    disorder_type = str((packet.get("DisorderType") or {}).get("value", "")).strip()
    synonyms = (
        s if isinstance(s, str) else s.get("Synonym") for s in _as_list(packet.get("Synonyms"))
    )
    parents = _packet_parents(packet)
    disorder = Disorder(
        code=parse_code(str(packet["ORPHAcode"])),
        name=label,
        synonyms=tuple(s for s in _unique(synonyms) if s != label),
        disorder_type=disorder_type,
        group=group_for_type(disorder_type),
        parents=_unique_codes(code for code, _ in parents),
        omim=_packet_omim(packet),
        genes=_packet_genes(packet),
        definition=_packet_definition(packet),
    )
    return disorder, parents


def read_packets(path: PathLike) -> SourceRelease:
    """Read ORPHApackets: JSONL (one packet a line, gzip or not), a JSON list, or one packet.

    Parent codes without a packet of their own (38 in the 2025-12-09 release, e.g.
    320716 "Rare disorders") become groups named by their parent entry and are listed in
    ``labels``. A malformed line raises :class:`OntologyFormatError` naming file and line.
    """
    name = os.fspath(path)
    collector = _Collector(name)
    versions: Counter[str] = Counter()
    dates: Counter[str] = Counter()
    count = 0
    for at, obj in _json_records(path, name):
        packet = _unwrap_packet(obj, at)
        try:
            disorder, parents = _packet_disorder(packet)
        except (KeyError, TypeError, AttributeError, ValueError, UnknownCodeError) as exc:
            code = packet.get("ORPHAcode", "?")
            raise OntologyFormatError(
                f"{at}: ORPHApacket {code}: missing or malformed field ({exc})"
            ) from None
        collector.add(disorder, at)
        for code, label in parents:
            collector.parent_label(code, label)
        versions[str(packet.get("version", "")).strip()] += 1
        dates[str(packet.get("creationDate", "")).strip()] += 1
        count += 1
    labels = collector.close_parents()
    info = ReleaseInfo(
        "orphapackets",
        name,
        version=_most_common(versions),
        date=_most_common(dates),
        sha256=_sha256(path),
        records=count,
    )
    return SourceRelease(collector.disorders, info, labels=labels)


def _most_common(counter: Counter[str]) -> str:
    counter.pop("", None)
    return counter.most_common(1)[0][0] if counter else ""


# --------------------------------------------------------------------------- product1


def _elem_text(elem: Any, path: str) -> str:
    return _clean(elem.findtext(path) or "")


def _product1_definition(elem: Any) -> str:
    for section in elem.iterfind(
        "SummaryInformationList/SummaryInformation/TextSectionList/TextSection"
    ):
        if _elem_text(section, "TextSectionType/Name") == "Definition":
            return _elem_text(section, "Contents")
    return ""


def _product1_disorder(elem: Any, name: str) -> Disorder:
    at = where(name, elem.sourceline, "Disorder")
    code_text = _elem_text(elem, "OrphaCode")
    label = _elem_text(elem, "Name")
    if not code_text or not label:
        raise OntologyFormatError(f"{at}: a <Disorder> needs <OrphaCode> and <Name>")
    disorder_type = _elem_text(elem, "DisorderType/Name")
    omim = (
        _elem_text(ref, "Reference")
        for ref in elem.iterfind("ExternalReferenceList/ExternalReference")
        if _elem_text(ref, "Source").upper() == "OMIM"
    )
    synonyms = _unique(s.text for s in elem.iterfind("SynonymList/Synonym"))
    return Disorder(
        code=_code(code_text, at),
        name=label,
        synonyms=tuple(s for s in synonyms if s != label),
        disorder_type=disorder_type,
        group=_elem_text(elem, "DisorderGroup/Name") or group_for_type(disorder_type),
        omim=_unique(omim),
        definition=_product1_definition(elem),
    )


def read_product1(path: PathLike) -> SourceRelease:
    """Read Orphadata product1 XML (``en_product1.xml``), streamed; it has no hierarchy.

    Version and date come from the ``<JDBOR>`` root; OMIM is the only cross-reference
    kept. Inactive entities (flagged in ``DisorderFlagList``) are read like the others.
    """
    name = os.fspath(path)
    collector = _Collector(name)
    root: dict[str, str] | None = None
    for event, elem in iterparse(path, ("JDBOR", "Disorder"), source=name, events=("start", "end")):
        if elem.tag == "JDBOR":
            root = dict(elem.attrib) if event == "start" else root
            continue
        parent = elem.getparent()
        if event != "end" or parent is None or parent.tag != "DisorderList":
            continue
        collector.add(_product1_disorder(elem, name), where(name, elem.sourceline))
        _release_element(elem)
    if root is None:
        raise OntologyFormatError(
            f"{where(name)}: not an Orphadata product1 file (no <JDBOR> root)"
        )
    info = ReleaseInfo(
        "product1",
        name,
        version=root.get("version", ""),
        date=root.get("date", ""),
        sha256=_sha256(path),
        records=len(collector.disorders),
    )
    return SourceRelease(collector.disorders, info)


# --------------------------------------------------------------------------- product3


@dataclass
class _Hierarchy:
    """Disorders and child -> parent edges gathered over several product3 files."""

    disorders: dict[int, Disorder] = field(default_factory=dict)
    parents: dict[int, dict[int, None]] = field(default_factory=dict)

    def node(self, elem: Any, name: str) -> int:
        at = where(name, elem.sourceline, "Disorder")
        code = _code(_elem_text(elem, "OrphaCode"), at)
        if code not in self.disorders:
            disorder_type = _elem_text(elem, "DisorderType/Name")
            label = _elem_text(elem, "Name") or f"ORPHA:{code}"
            self.disorders[code] = Disorder(
                code, label, disorder_type=disorder_type, group=group_for_type(disorder_type)
            )
        return code

    def edge(self, child: int, parent: int) -> None:
        self.parents.setdefault(child, {})[parent] = None


def _read_one_product3(path: Path, into: _Hierarchy) -> ReleaseInfo:
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
                _release_element(elem)
        elif event == "end" and stack and elem.getparent().tag == "ClassificationNode":
            code = stack[-1] = into.node(elem, name)
            codes.add(code)
            if len(stack) > 1 and stack[-2] is not None:
                into.edge(code, stack[-2])
            elem.clear()
    if root is None:
        raise OntologyFormatError(
            f"{where(name)}: not an Orphadata product3 file (no <JDBOR> root)"
        )
    return ReleaseInfo(
        "product3",
        name,
        version=root.get("version", ""),
        date=root.get("date", ""),
        sha256=_sha256(path),
        records=len(codes),
    )


def _combined_info(infos: Sequence[ReleaseInfo], records: int) -> ReleaseInfo:
    folder = os.path.commonpath([os.path.dirname(i.path) or "." for i in infos])
    digest = hashlib.sha256()
    for info in sorted(infos, key=lambda i: os.path.basename(i.path)):
        digest.update(f"{os.path.basename(info.path)} {info.sha256}\n".encode())
    return ReleaseInfo(
        "product3",
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
    files = _product3_paths(paths)
    if not files:
        raise OntologyFormatError(f"no product3 classification file in {paths!s}")
    hierarchy = _Hierarchy()
    infos = [_read_one_product3(file, hierarchy) for file in files]
    edges = {child: tuple(parents) for child, parents in hierarchy.parents.items()}
    disorders = {
        code: replace(d, parents=edges.get(code, ())) for code, d in hierarchy.disorders.items()
    }
    if len(infos) == 1:
        return SourceRelease(disorders, infos[0], parents=edges)
    info = _combined_info(infos, len(disorders))
    return SourceRelease(disorders, info, parents=edges, extra_infos=tuple(infos))


def _product3_paths(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    files: list[Path] = []
    for item in map(Path, items):
        if item.is_dir():
            files.extend(f for f, fmt in _scan_folder(item) if fmt == "product3")
        else:
            files.append(item)
    return files


# --------------------------------------------------------------------------- ORDO

#: ORDO's DisorderType classes (as the ORPHApackets' ``DisorderType.PURL`` name them).
ORDO_TYPES = {
    377788: "Disease",
    377789: "Malformation syndrome",
    377790: "Biological anomaly",
    377791: "Morphological anomaly",
    377792: "Clinical syndrome",
    377793: "Particular clinical situation in a disease or syndrome",
    377794: "Clinical group",
    377795: "Etiological subtype",
    377796: "Clinical subtype",
    377797: "Histopathological subtype",
    557495: "Category",
}
#: ORDO's three DisorderGroup classes, parents of the type classes.
ORDO_GROUPS = {557492: GROUP_OF_DISORDERS, 557493: "Disorder", 557494: "Subtype of disorder"}
_ORDO_PART_OF = (
    "http://www.orpha.net/ORDO/Orphanet_C021",  # part_of (ORDO 4.x)
    "http://purl.obolibrary.org/obo/BFO_0000050",  # part_of (older releases)
)
_EFO = "http://www.ebi.ac.uk/efo/"
_OBOINOWL_XREF = "http://www.geneontology.org/formats/oboInOwl#hasDbXref"


def _ordo_code(node: Any) -> int | None:
    text = str(node)
    if type(node).__name__ == "URIRef" and text.startswith(_ORDO_IRI):
        suffix = text[len(_ORDO_IRI) :]
        if suffix.isdigit() and int(suffix) > 0:
            return int(suffix)
    return None


def _english(values: Iterable[Any]) -> list[str]:
    """Literals tagged ``en`` (or untagged), in graph order."""
    return [_clean(v) for v in values if getattr(v, "language", None) in (None, "en")]


def _ordo_parents(graph: Any, subject: Any) -> tuple[list[int], list[int]]:
    """(type or group classes, hierarchy parents) of one class.

    Named ``rdfs:subClassOf`` targets are types or parents; of the restrictions only
    ``part_of`` (ORDO's classification link to a group) counts, the rest is skipped.
    """
    from rdflib import OWL, RDFS, BNode, URIRef

    types: list[int] = []
    parents: list[int] = []
    part_of = {URIRef(p) for p in _ORDO_PART_OF}
    for target in graph.objects(subject, RDFS.subClassOf):
        if isinstance(target, BNode):
            if graph.value(target, OWL.onProperty) in part_of:
                target = graph.value(target, OWL.someValuesFrom)
            else:
                continue
        code = _ordo_code(target)
        if code is None:
            continue
        (types if code in ORDO_TYPES or code in ORDO_GROUPS else parents).append(code)
    return types, parents


def _ordo_disorder(graph: Any, subject: Any, code: int) -> Disorder | None:
    from rdflib import OWL, RDFS, URIRef

    if str(graph.value(subject, OWL.deprecated) or "").lower() == "true":
        return None
    types, parents = _ordo_parents(graph, subject)
    labels = _english(graph.objects(subject, RDFS.label))
    kind = next((ORDO_TYPES[t] for t in types if t in ORDO_TYPES), "")
    group = next((ORDO_GROUPS[t] for t in types if t in ORDO_GROUPS), "")
    if not labels or not (kind or group):
        return None  # genes, type classes, inactive entities: not disorders
    xrefs = (str(x) for x in graph.objects(subject, URIRef(_OBOINOWL_XREF)))
    definitions = _english(graph.objects(subject, URIRef(_EFO + "definition")))
    synonyms = _unique(_english(graph.objects(subject, URIRef(_EFO + "alternative_term"))))
    return Disorder(
        code,
        labels[0],
        synonyms=tuple(s for s in synonyms if s != labels[0]),
        disorder_type=kind,
        group=group_for_type(kind) if kind else group,
        parents=_unique_codes(sorted(parents)),
        omim=_unique(x.split(":", 1)[1] for x in xrefs if x.upper().startswith("OMIM:")),
        definition=definitions[0] if definitions else "",
    )


def _ordo_graph(path: PathLike, name: str) -> Any:
    from xml.sax import SAXException, SAXParseException

    from rdflib import Graph
    from rdflib.exceptions import Error as RDFLibError

    data = read_xml_bytes(path, source=name, allow_internal_entities=True)
    graph = Graph()
    try:
        graph.parse(data=data, format="xml", publicID="http://www.orpha.net/ORDO/")
    except SAXParseException as exc:
        raise OntologyFormatError(
            f"{where(name, exc.getLineNumber())}: malformed OWL (RDF/XML): {exc.getMessage()}"
        ) from None
    except (SAXException, RDFLibError, ValueError) as exc:
        raise OntologyFormatError(f"{where(name)}: unreadable OWL (RDF/XML): {exc}") from None
    return graph


def read_ordo(path: PathLike) -> SourceRelease:
    """Read an ORDO OWL file (RDF/XML) with rdflib; no network, entities checked first.

    Classes ``http://www.orpha.net/ORDO/Orphanet_<code>`` are disorders when they are
    ``rdfs:subClassOf`` one of ORDO's type classes (:data:`ORDO_TYPES`, e.g. 377788
    Disease, 557495 Category) and not ``owl:deprecated``: English ``rdfs:label``,
    ``efo:alternative_term`` synonyms, ``efo:definition``, ``OMIM:`` cross-references,
    and as parents the other Orphanet classes they are ``rdfs:subClassOf``, directly or
    through a ``part_of`` restriction (other restrictions are skipped).
    """
    from rdflib import OWL, RDF, RDFS, URIRef

    name = os.fspath(path)
    graph = _ordo_graph(path, name)
    collector = _Collector(name)
    subjects = ((_ordo_code(s), s) for s in graph.subjects(RDF.type, OWL.Class))
    for code, subject in sorted((c, s) for c, s in subjects if c is not None):
        if code in ORDO_TYPES or code in ORDO_GROUPS:
            continue
        disorder = _ordo_disorder(graph, subject, code)
        if disorder is not None:
            collector.add(disorder, f"{name} (class Orphanet_{code})")
    for parent in sorted({p for d in collector.disorders.values() for p in d.parents}):
        labels = _english(graph.objects(URIRef(f"{_ORDO_IRI}{parent}"), RDFS.label))
        if labels:
            collector.parent_label(parent, labels[0])
    records = len(collector.disorders)
    labels_of_missing = collector.close_parents()
    ontology = next(iter(graph.subjects(RDF.type, OWL.Ontology)), None)
    info = ReleaseInfo(
        "ordo",
        name,
        version=str(graph.value(ontology, OWL.versionInfo) or "") if ontology else "",
        date=_ordo_date(graph, ontology),
        sha256=_sha256(path),
        records=records,
    )
    return SourceRelease(collector.disorders, info, labels=labels_of_missing)


def _ordo_date(graph: Any, ontology: Any) -> str:
    from rdflib import URIRef

    if ontology is None:
        return ""
    for predicate in ("http://purl.org/dc/elements/1.1/date", "http://purl.org/dc/terms/date"):
        value = graph.value(ontology, URIRef(predicate))
        if value is not None:
            return str(value)
    return ""


# --------------------------------------------------------------------------- TSV


def _tsv_rows(path: PathLike) -> Iterator[tuple[int, list[str]]]:
    """``(line number, fields)`` of a tab-separated file; blank and ``#`` lines skipped."""
    with _open_text(path) as text:
        for lineno, line in enumerate(text, 1):
            line = line.rstrip("\r\n")
            if line.strip() and not line.startswith("#"):
                yield lineno, [_clean(f) for f in line.split("\t")]


_NOMENCLATURE_REQUIRED = ("orpha_code", "name")


def _nomenclature_disorder(row: dict[str, str], at: str) -> Disorder:
    code = _code(row["orpha_code"], at)
    if not row["name"]:
        raise OntologyFormatError(f"{at}: empty name for ORPHA:{code}")
    disorder_type = row.get("disorder_type", "")
    parents = (_code(p, at) for p in row.get("parent_codes", "").split(";") if p.strip())
    omim = (x.split(":", 1)[0] for x in row.get("omim_xrefs", "").split(";"))
    synonyms = _unique(row.get("synonyms", "").split(" | "))
    return Disorder(
        code,
        row["name"],
        synonyms=tuple(s for s in synonyms if s != row["name"]),
        disorder_type=disorder_type,
        group=row.get("disorder_group_derived") or group_for_type(disorder_type),
        parents=_unique_codes(parents),
        omim=_unique(omim),
    )


def read_nomenclature_tsv(path: PathLike) -> SourceRelease:
    """Read the flat ``orpha_nomenclature_en_<date>.tsv`` derived from the ORPHApackets.

    Columns by header: ``orpha_code``, ``name``, ``disorder_type``,
    ``disorder_group_derived``, ``synonyms`` (``" | "``), ``parent_codes`` (``;``),
    ``omim_xrefs`` (``OMIM:relation`` joined by ``;``). ``child_codes`` is ignored
    (incomplete; the parents are inverted instead). The date comes from the file name.
    """
    name = os.fspath(path)
    rows = _tsv_rows(path)
    header_line, header = next(rows, (0, []))
    columns = [c.lower() for c in header]
    missing = [c for c in _NOMENCLATURE_REQUIRED if c not in columns]
    if missing:
        raise OntologyFormatError(
            f"{where(name, header_line or 1)}: not a nomenclature TSV (missing column(s) "
            f"{', '.join(missing)})"
        )
    collector = _Collector(name)
    for lineno, fields in rows:
        at = where(name, lineno)
        if len(fields) > len(columns):
            raise OntologyFormatError(f"{at}: {len(fields)} fields, the header has {len(columns)}")
        row = dict(zip(columns, fields + [""] * (len(columns) - len(fields)), strict=True))
        collector.add(_nomenclature_disorder(row, at), at)
    records = len(collector.disorders)
    labels = collector.close_parents()
    date = _DATE.search(Path(name).name)
    info = ReleaseInfo(
        "nomenclature_tsv",
        name,
        date=date.group(0) if date else "",
        sha256=_sha256(path),
        records=records,
    )
    return SourceRelease(collector.disorders, info, labels=labels)


_CODE_COLUMNS = ("orpha_code", "orphacode", "code", "orpha")
_TERM_COLUMNS = ("term", "name", "alias", "synonym", "label")


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


def _looks_like_code(text: str) -> bool:
    try:
        parse_code(text)
    except UnknownCodeError:
        return False
    return True


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
        code=_code(fields[layout.code], at),
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
    rows = _tsv_rows(path)
    first = next(rows, None)
    if first is None:
        return []
    layout = _alias_layout(first[1], where(name, first[0]))
    aliases = [] if layout.header else [_alias_row(first[1], layout, name, first[0])]
    aliases.extend(_alias_row(fields, layout, name, lineno) for lineno, fields in rows)
    return aliases


def alias_file_info(path: PathLike, aliases: Sequence[ExtraAlias]) -> ReleaseInfo:
    """The provenance record of an ``--aliases`` file, for ``Ontology.release``."""
    return ReleaseInfo("aliases_tsv", os.fspath(path), sha256=_sha256(path), records=len(aliases))


# --------------------------------------------------------------------------- detection


def _read_head(path: PathLike, size: int = _HEAD_BYTES) -> bytes:
    with open_binary(path) as stream:
        try:
            return stream.read(size)
        except (EOFError, OSError) as exc:
            raise OntologyFormatError(f"{where(path)}: unreadable file ({exc})") from None


#: Elements of a product1 ``<Disorder>``, and of the other Orphadata products (4, 6, 9).
_PRODUCT1_MARKERS = ("<SynonymList", "<ExternalReferenceList", "<SummaryInformationList")
_OTHER_JDBOR = (
    "<HPODisorderSetStatusList",
    "<DisorderGeneAssociationList",
    "<PrevalenceList",
    "<AverageAgeOfOnsetList",
)


def _xml_format(text: str) -> str | None:
    root = re.search(r"<(?![?!])([\w:.-]+)", text)
    tag = root.group(1) if root else ""
    if tag == "JDBOR":
        if "<ClassificationList" in text:
            return "product3"
        product1 = "<DisorderList" in text and any(m in text for m in _PRODUCT1_MARKERS)
        return "product1" if product1 and not any(m in text for m in _OTHER_JDBOR) else None
    if tag in ("rdf:RDF", "RDF") and "orpha.net/ORDO" in text:
        return "ordo"
    return None


def _tsv_format(text: str) -> str | None:
    first = next((line for line in text.splitlines() if line.strip()), "")
    columns = [c.strip().lower() for c in first.split("\t")]
    if len(columns) < 2:
        return None
    if "orpha_code" in columns and "name" in columns and "parent_codes" in columns:
        return "nomenclature_tsv"
    if any(c in columns for c in _CODE_COLUMNS) and any(c in columns for c in _TERM_COLUMNS):
        return "aliases_tsv"
    if len(columns) in (2, 3) and _looks_like_code(columns[0]):
        return "aliases_tsv"
    return None


def _content_format(head: bytes) -> str | None:
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith(("{", "[")):
        return "orphapackets" if '"ORPHAcode"' in text or '"Orphapacket"' in text else None
    if text.startswith("<"):
        return _xml_format(text)
    return _tsv_format(text)


def detect_format(path: PathLike) -> str:
    """The format of a file, from its content (gzip recognised by its magic bytes).

    One of :data:`FORMATS`; anything else raises :class:`OntologyFormatError`.
    """
    if Path(path).is_dir():
        raise OntologyFormatError(f"{where(path)}: a folder, not a file (see read_source)")
    fmt = _content_format(_read_head(path))
    if fmt is None:
        raise OntologyFormatError(
            f"{where(path)}: unknown format; accepted: ORPHApackets JSON (one packet a line, "
            "a list or a single packet), Orphadata product1 XML, product3 classification XML, "
            "ORDO OWL (RDF/XML), the nomenclature TSV and alias TSV files (gzip accepted)"
        )
    return fmt


def _scan_folder(folder: Path) -> list[tuple[Path, str]]:
    """Every recognised file under ``folder`` (hidden entries skipped), sorted by path."""
    found = []
    for file in sorted(folder.rglob("*")):
        if not file.is_file() or any(
            part.startswith(".") for part in file.relative_to(folder).parts
        ):
            continue
        try:
            found.append((file, detect_format(file)))
        except OntologyFormatError:
            continue  # README, SOURCE.md, ...: not a release file
    return found


def _pick_primary(folder: Path, found: list[tuple[Path, str]]) -> Path | None:
    ranked = sorted(
        (
            (PRIMARY_FORMATS.index(fmt), file.name, file)
            for file, fmt in found
            if fmt in PRIMARY_FORMATS
        ),
    )
    if not ranked:
        return None
    chosen = ranked[0][2]
    others = [f"{file.name}" for _, _, file in ranked[1:]]
    if others:
        warnings.warn(
            f"{folder}: reading {chosen.name}; also found {', '.join(others)} (not read)",
            SourceWarning,
            stacklevel=3,
        )
    return chosen


def source_files(path: PathLike) -> list[Path]:
    """The release file :func:`read_source` reads for ``path`` (a file, or a folder's pick)."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SourceWarning)
        chosen = _pick_primary(path, _scan_folder(path))
    return [chosen] if chosen else []


def classification_files(
    path: PathLike, classifications: bool | Iterable[PathLike] = False
) -> list[Path]:
    """The product3 files to merge: none, those in the folder ``path`` (True), or given ones."""
    if classifications is False:
        return []
    if classifications is True:
        folder = Path(path)
        return _product3_paths(folder) if folder.is_dir() else []
    return _product3_paths(classifications)


def _read_file(path: Path, fmt: str) -> SourceRelease:
    if fmt == "aliases_tsv":
        raise OntologyFormatError(
            f"{where(path)}: an alias file, not a release; pass it with --aliases"
        )
    readers = {
        "orphapackets": read_packets,
        "product1": read_product1,
        "product3": read_product3,
        "ordo": read_ordo,
        "nomenclature_tsv": read_nomenclature_tsv,
    }
    return readers[fmt](path)


def read_source(path: PathLike, *, classifications: bool = False) -> SourceRelease:
    """Read a release file in any format, or pick the release file of a folder.

    In a folder the first by :data:`PRIMARY_FORMATS` order, then name, is read (the
    others are named in a :class:`SourceWarning`); alias TSVs are ignored, and product3
    files are merged only with ``classifications=True`` (a :class:`SourceWarning`
    summarises the conflicts).
    """
    path = Path(path)
    if not path.is_dir():
        release = _read_file(path, detect_format(path))
        return release
    found = _scan_folder(path)
    chosen = _pick_primary(path, found)
    product3 = [file for file, fmt in found if fmt == "product3"]
    if chosen is None:
        if product3 and classifications:
            return read_product3(product3)
        hint = " (only product3 files: pass classifications=True)" if product3 else ""
        raise OntologyFormatError(f"{where(path)}: no Orphanet release file in this folder{hint}")
    release = _read_file(chosen, detect_format(chosen))
    if classifications and product3:
        release, conflicts = merge_classifications(release, read_product3(product3))
        _warn_conflicts(path, conflicts)
    return release


def _warn_conflicts(path: Path, conflicts: list[str]) -> None:
    if conflicts:
        shown = "; ".join(conflicts[:5])
        warnings.warn(
            f"{path}: {len(conflicts)} classification conflict(s): {shown}"
            f"{'; ...' if len(conflicts) > 5 else ''}",
            SourceWarning,
            stacklevel=3,
        )


# --------------------------------------------------------------------------- merging


def _edges(release: SourceRelease) -> dict[int, tuple[int, ...]]:
    """Child -> parents from both ``Disorder.parents`` and ``release.parents``."""
    edges = {code: d.parents for code, d in release.disorders.items() if d.parents}
    for child, parents in release.parents.items():
        edges[child] = _unique_codes((*edges.get(child, ()), *parents))
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
    known = release.disorders
    ours_name, theirs_name = _describe(release.info), _describe(product3_release.info)
    conflicts = [
        f"ORPHA:{code} ({product3_release.disorders[code].name}) is in {theirs_name} "
        f"but not in {ours_name}"
        for code in sorted(product3_release.disorders.keys() - known.keys())
    ]
    merged = dict(ours)
    for child in sorted(theirs.keys() & known.keys()):
        parents = _unique_codes(p for p in theirs[child] if p in known)
        if child not in ours:
            merged[child] = parents
            continue
        conflicts.extend(
            f"ORPHA:{child} -> ORPHA:{p} is in {theirs_name} but not in {ours_name}"
            for p in parents
            if p not in ours[child]
        )
        conflicts.extend(
            f"ORPHA:{child} -> ORPHA:{p} is in {ours_name} but not in {theirs_name}"
            for p in ours[child]
            if p not in theirs[child] and p in product3_release.disorders
        )
    disorders = {code: replace(d, parents=merged.get(code, ())) for code, d in known.items()}
    result = SourceRelease(
        disorders,
        release.info,
        parents={},
        labels=dict(release.labels),
        extra_infos=(*release.extra_infos, *product3_release.infos),
    )
    return result, conflicts


# --------------------------------------------------------------------------- sample


def read_sample() -> SourceRelease:
    """The embedded sample release: the product1 sample with the product3 sample merged.

    >>> sample = read_sample()
    >>> sample.disorders[1775].name, sample.disorders[216972].parents
    ('Dyskeratosis congenita', (646,))
    """
    folder = resources.files("mmrare_core") / "data" / "ontology"
    with resources.as_file(folder / "en_product1.sample.xml") as product1:
        release = read_product1(product1)
    with resources.as_file(folder / "en_product3.sample.xml") as product3:
        hierarchy = read_product3(product3)
    merged, conflicts = merge_classifications(release, hierarchy)
    if conflicts:  # pragma: no cover - the shipped sample is consistent (tested)
        warnings.warn("; ".join(conflicts), SourceWarning, stacklevel=2)
    return merged
