"""Orphadata product1 XML, "Rare diseases and alignment with terminologies and databases".

Source: https://www.orphadata.com/data/xml/en_product1.xml (about 54 MB; also in
https://github.com/Orphanet/Orphadata_aggregated). Names, synonyms, types, groups,
cross-references; no hierarchy.
"""

from __future__ import annotations

import os
from typing import Any

from mmrare_core.base.xmlsafe import iterparse
from mmrare_core.errors import OntologyFormatError, where
from mmrare_core.ontology.formats.common import (
    Collector,
    PathLike,
    code_at,
    elem_text,
    file_matches,
    release_element,
    root_tag,
    sha256_file,
    unique,
)
from mmrare_core.ontology.model import Disorder, ReleaseInfo, SourceRelease, group_for_type

__all__ = ["FORMAT", "can_read", "read_product1", "sniff"]

FORMAT = "product1"

#: Elements of a product1 ``<Disorder>``, and of the other Orphadata products (4, 6, 9).
_PRODUCT1_MARKERS = ("<SynonymList", "<ExternalReferenceList", "<SummaryInformationList")
_OTHER_JDBOR = (
    "<HPODisorderSetStatusList",
    "<DisorderGeneAssociationList",
    "<PrevalenceList",
    "<AverageAgeOfOnsetList",
)


def sniff(head: str) -> bool:
    """Whether a file head is product1: a ``<JDBOR>`` with a ``DisorderList`` of product1
    ``<Disorder>``s, not a classification nor another Orphadata product."""
    if not head.startswith("<") or root_tag(head) != "JDBOR" or "<ClassificationList" in head:
        return False
    product1 = "<DisorderList" in head and any(m in head for m in _PRODUCT1_MARKERS)
    return product1 and not any(m in head for m in _OTHER_JDBOR)


def can_read(path: PathLike) -> bool:
    """Whether ``path`` is a product1 XML file (by content; gzip accepted)."""
    return file_matches(path, sniff)


def _product1_definition(elem: Any) -> str:
    for section in elem.iterfind(
        "SummaryInformationList/SummaryInformation/TextSectionList/TextSection"
    ):
        if elem_text(section, "TextSectionType/Name") == "Definition":
            return elem_text(section, "Contents")
    return ""


def _product1_disorder(elem: Any, name: str) -> Disorder:
    at = where(name, elem.sourceline, "Disorder")
    code_text = elem_text(elem, "OrphaCode")
    label = elem_text(elem, "Name")
    if not code_text or not label:
        raise OntologyFormatError(f"{at}: a <Disorder> needs <OrphaCode> and <Name>")
    disorder_type = elem_text(elem, "DisorderType/Name")
    omim = (
        elem_text(ref, "Reference")
        for ref in elem.iterfind("ExternalReferenceList/ExternalReference")
        if elem_text(ref, "Source").upper() == "OMIM"
    )
    synonyms = unique(s.text for s in elem.iterfind("SynonymList/Synonym"))
    return Disorder(
        code=code_at(code_text, at),
        name=label,
        synonyms=tuple(s for s in synonyms if s != label),
        disorder_type=disorder_type,
        group=elem_text(elem, "DisorderGroup/Name") or group_for_type(disorder_type),
        omim=unique(omim),
        definition=_product1_definition(elem),
    )


def read_product1(path: PathLike) -> SourceRelease:
    """Read Orphadata product1 XML (``en_product1.xml``), streamed; it has no hierarchy.

    Version and date come from the ``<JDBOR>`` root; OMIM is the only cross-reference
    kept. Inactive entities (flagged in ``DisorderFlagList``) are read like the others.
    """
    name = os.fspath(path)
    collector = Collector(name)
    root: dict[str, str] | None = None
    for event, elem in iterparse(path, ("JDBOR", "Disorder"), source=name, events=("start", "end")):
        if elem.tag == "JDBOR":
            root = dict(elem.attrib) if event == "start" else root
            continue
        parent = elem.getparent()
        if event != "end" or parent is None or parent.tag != "DisorderList":
            continue
        collector.add(_product1_disorder(elem, name), where(name, elem.sourceline))
        release_element(elem)
    if root is None:
        raise OntologyFormatError(
            f"{where(name)}: not an Orphadata product1 file (no <JDBOR> root)"
        )
    info = ReleaseInfo(
        FORMAT,
        name,
        version=root.get("version", ""),
        date=root.get("date", ""),
        sha256=sha256_file(path),
        records=len(collector.disorders),
    )
    return SourceRelease(collector.disorders, info)
