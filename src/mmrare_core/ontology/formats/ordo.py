"""ORDO OWL, the Orphanet Rare Disease Ontology (RDF/XML), read with rdflib.

Source: https://www.orphadata.com/ordo/ (``ORDO_en_<version>.owl``, zipped) and
https://www.ebi.ac.uk/ols4/ontologies/ordo. rdflib is imported only when a file is read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

from mmrare_core.base.xmlsafe import read_xml_bytes
from mmrare_core.errors import OntologyFormatError, where
from mmrare_core.ontology.formats.common import (
    Collector,
    PathLike,
    clean,
    file_matches,
    root_tag,
    sha256_file,
    unique,
    unique_codes,
)
from mmrare_core.ontology.model import (
    GROUP_OF_DISORDERS,
    Disorder,
    ReleaseInfo,
    SourceRelease,
    group_for_type,
)

__all__ = ["FORMAT", "ORDO_GROUPS", "ORDO_TYPES", "can_read", "read_ordo", "sniff"]

FORMAT = "ordo"

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

_ORDO_IRI = "http://www.orpha.net/ORDO/Orphanet_"
_ORDO_PART_OF = (
    "http://www.orpha.net/ORDO/Orphanet_C021",  # part_of (ORDO 4.x)
    "http://purl.obolibrary.org/obo/BFO_0000050",  # part_of (older releases)
)
_EFO = "http://www.ebi.ac.uk/efo/"
_OBOINOWL_XREF = "http://www.geneontology.org/formats/oboInOwl#hasDbXref"
_DATES = ("http://purl.org/dc/elements/1.1/date", "http://purl.org/dc/terms/date")


def sniff(head: str) -> bool:
    """Whether a file head is ORDO: an ``rdf:RDF`` root naming ``orpha.net/ORDO``."""
    return (
        head.startswith("<") and root_tag(head) in ("rdf:RDF", "RDF") and "orpha.net/ORDO" in head
    )


def can_read(path: PathLike) -> bool:
    """Whether ``path`` is an ORDO OWL file (by content; gzip accepted)."""
    return file_matches(path, sniff)


# --------------------------------------------------------------------------- one class


def _ordo_code(node: Any) -> int | None:
    text = str(node)
    if type(node).__name__ == "URIRef" and text.startswith(_ORDO_IRI):
        suffix = text[len(_ORDO_IRI) :]
        if suffix.isdigit() and int(suffix) > 0:
            return int(suffix)
    return None


def _english(values: Iterable[Any]) -> list[str]:
    """Literals tagged ``en`` (or untagged), in graph order."""
    return [clean(v) for v in values if getattr(v, "language", None) in (None, "en")]


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
    synonyms = unique(_english(graph.objects(subject, URIRef(_EFO + "alternative_term"))))
    return Disorder(
        code,
        labels[0],
        synonyms=tuple(s for s in synonyms if s != labels[0]),
        disorder_type=kind,
        group=group_for_type(kind) if kind else group,
        parents=unique_codes(sorted(parents)),
        omim=unique(x.split(":", 1)[1] for x in xrefs if x.upper().startswith("OMIM:")),
        definition=definitions[0] if definitions else "",
    )


# --------------------------------------------------------------------------- the graph


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


def _disorder_classes(graph: Any, name: str) -> Iterator[tuple[Disorder, str]]:
    """``(disorder, location)`` of each disorder class, in code order."""
    from rdflib import OWL, RDF

    subjects = ((_ordo_code(s), s) for s in graph.subjects(RDF.type, OWL.Class))
    for code, subject in sorted((c, s) for c, s in subjects if c is not None):
        if code in ORDO_TYPES or code in ORDO_GROUPS:
            continue
        disorder = _ordo_disorder(graph, subject, code)
        if disorder is not None:
            yield disorder, f"{name} (class Orphanet_{code})"


def _label_parents(graph: Any, collector: Collector) -> None:
    """Give the collector the English label of every parent code."""
    from rdflib import RDFS, URIRef

    for parent in sorted({p for d in collector.disorders.values() for p in d.parents}):
        labels = _english(graph.objects(URIRef(f"{_ORDO_IRI}{parent}"), RDFS.label))
        if labels:
            collector.parent_label(parent, labels[0])


def _ordo_info(graph: Any, path: PathLike, name: str, records: int) -> ReleaseInfo:
    from rdflib import OWL, RDF

    ontology = next(iter(graph.subjects(RDF.type, OWL.Ontology)), None)
    return ReleaseInfo(
        FORMAT,
        name,
        version=str(graph.value(ontology, OWL.versionInfo) or "") if ontology else "",
        date=_ordo_date(graph, ontology),
        sha256=sha256_file(path),
        records=records,
    )


def _ordo_date(graph: Any, ontology: Any) -> str:
    from rdflib import URIRef

    if ontology is None:
        return ""
    for predicate in _DATES:
        value = graph.value(ontology, URIRef(predicate))
        if value is not None:
            return str(value)
    return ""


def read_ordo(path: PathLike) -> SourceRelease:
    """Read an ORDO OWL file (RDF/XML) with rdflib; no network, entities checked first.

    Classes ``http://www.orpha.net/ORDO/Orphanet_<code>`` are disorders when they are
    ``rdfs:subClassOf`` one of ORDO's type classes (:data:`ORDO_TYPES`, e.g. 377788
    Disease, 557495 Category) and not ``owl:deprecated``: English ``rdfs:label``,
    ``efo:alternative_term`` synonyms, ``efo:definition``, ``OMIM:`` cross-references,
    and as parents the other Orphanet classes they are ``rdfs:subClassOf``, directly or
    through a ``part_of`` restriction (other restrictions are skipped).
    """
    name = os.fspath(path)
    graph = _ordo_graph(path, name)
    collector = Collector(name)
    for disorder, at in _disorder_classes(graph, name):
        collector.add(disorder, at)  # here, so that a warning names read_ordo's caller
    _label_parents(graph, collector)
    records = len(collector.disorders)
    labels_of_missing = collector.close_parents()
    info = _ordo_info(graph, path, name, records)
    return SourceRelease(collector.disorders, info, labels=labels_of_missing)
