"""The Orphanet readers: every format, detection, folders, merging, the embedded sample."""

from __future__ import annotations

import gzip
import json
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mmrare_core.errors import OntologyFormatError, SourceWarning, UnsafeXMLError
from mmrare_core.ontology.formats import (
    FORMATS,
    classification_files,
    detect_format,
    merge_classifications,
    read_alias_tsv,
    read_nomenclature_tsv,
    read_ordo,
    read_packets,
    read_product1,
    read_product3,
    read_sample,
    read_source,
    source_files,
)
from mmrare_core.ontology.model import Disorder, ReleaseInfo, SourceRelease

from .conftest import ORPHANET_DIR, require

DATA = Path(__file__).parent / "data"
SAMPLE_DIR = Path(__file__).parents[1] / "src" / "mmrare_core" / "data" / "ontology"
PRODUCT3_DIR = ORPHANET_DIR / "classifications_en_2025-06-24"
FORMAT_SAMPLE = ORPHANET_DIR / "format_samples" / "en_product1.sample_2disorders.xml"
NOMENCLATURE = ORPHANET_DIR / "orpha_nomenclature_en_2025-12-09.tsv"

# --------------------------------------------------------------------------- fixtures

_COMMON = {"creationDate": "2025-12-09 10:41:42", "version": "1.3.42 / 4.1.8 [2025-03-03]"}


def _packet(code: int, label: str, kind: str = "Disease", **extra: Any) -> dict[str, Any]:
    body = {
        "ORPHApacketId": str(code),
        **_COMMON,
        "ORPHAcode": str(code),
        "Label": label,
        "DisorderType": {"value": kind, "PURL": "http://www.orpha.net/ORDO/Orphanet_377788"},
        **extra,
    }
    return {"Orphapacket": body}


def _parents(*pairs: tuple[int, str]) -> list[dict[str, Any]]:
    return [{"Parent": [{"ORPHAcode": str(c), "Label": label}]} for c, label in pairs]


#: Real facts (2025-12-09) in the packets' real shapes, trimmed.
PACKETS = [
    _packet(
        646,
        "Niemann-Pick disease type C",
        Parents=_parents(
            (68385, "Neurometabolic disease"), (182070, "Rare neurodegenerative disease")
        ),
        ExternalReferences=[
            {
                "ExternalReference": {
                    "Source": "OMIM",
                    "Reference": "257220",
                    "DisorderMappingRelation": "E",
                }
            },
            {"Source": "OMIM", "Reference": "607625", "DisorderMappingRelation": "BTNT"},
        ],
        Genes=[{"Gene": {"Symbol": "NPC1"}}, {"Gene": {"Symbol": "NPC2"}}],
        TextSection={"TextSectionType": "Definition", "Contents": "A short definition"},
    ),
    _packet(
        216972,
        "Niemann-Pick disease type C, severe perinatal form",
        "Clinical subtype",
        # the dict form of Parents (44 real packets)
        Parents={"Parent": [{"ORPHAcode": "646", "Label": "Niemann-Pick disease type C"}]},
    ),
    _packet(
        68385,
        "Neurometabolic disease",
        "Category",
        Parents=_parents((98006, "Rare neurologic disease")),
    ),
    _packet(
        906,
        "Wiskott-Aldrich syndrome",
        Synonyms=[
            {"Synonym": "Eczema-thrombocytopenia-immunodeficiency syndrome"},
            {"Synonym": "WAS"},
        ],
        Parents=_parents((182070, "Rare neurodegenerative disease")),
    ),
]


def _jsonl(packets: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in packets)


@pytest.fixture
def packets_file(tmp_path: Path) -> Path:
    path = tmp_path / "packets.jsonl"
    path.write_text(_jsonl(PACKETS), encoding="utf-8")
    return path


PRODUCT1 = """<?xml version="1.0" encoding="UTF-8"?>
<JDBOR date="2025-12-09 07:06:32" version="1.3.42 / 4.1.8 [2025-03-03]"
       copyright="Orphanet (c) 2025">
  <DisorderList count="2">
    <Disorder id="2">
      <OrphaCode>58</OrphaCode>
      <ExpertLink lang="en">http://www.orpha.net/consor/cgi-bin/OC_Exp.php?lng=en&amp;Expert=58</ExpertLink>
      <Name lang="en">Alexander disease</Name>
      <SynonymList count="1"><Synonym lang="en">AxD</Synonym></SynonymList>
      <DisorderType id="21394"><Name lang="en">Disease</Name></DisorderType>
      <DisorderGroup id="36547"><Name lang="en">Disorder</Name></DisorderGroup>
      <ExternalReferenceList count="2">
        <ExternalReference><Source>ICD-10</Source><Reference>E75.2</Reference></ExternalReference>
        <ExternalReference><Source>OMIM</Source><Reference>203450</Reference></ExternalReference>
      </ExternalReferenceList>
      <SummaryInformationList count="1"><SummaryInformation lang="en"><TextSectionList count="1">
        <TextSection lang="en"><TextSectionType><Name lang="en">Definition</Name></TextSectionType>
        <Contents>A leukodystrophy.</Contents></TextSection>
      </TextSectionList></SummaryInformation></SummaryInformationList>
    </Disorder>
    <Disorder id="9">
      <OrphaCode>448</OrphaCode>
      <Name lang="en">Hemophilia</Name>
      <SynonymList count="0"></SynonymList>
      <DisorderType><Name lang="en">Clinical group</Name></DisorderType>
    </Disorder>
  </DisorderList>
</JDBOR>
"""


def _node(code: int, name: str, kind: str, *children: str) -> str:
    return (
        f"<ClassificationNode><Disorder><OrphaCode>{code}</OrphaCode><Name lang='en'>{name}</Name>"
        f"<DisorderType><Name lang='en'>{kind}</Name></DisorderType></Disorder>"
        f"<ClassificationNodeChildList count='{len(children)}'>{''.join(children)}"
        "</ClassificationNodeChildList></ClassificationNode>"
    )


def _product3(date: str, *roots: str) -> str:
    return (
        f'<?xml version="1.0"?>\n<JDBOR date="{date}" version="1.3.42 / 4.1.8 [2025-03-03]">'
        "<ClassificationList count='1'><Classification id='1'><OrphaNumber>1</OrphaNumber>"
        f"<ClassificationNodeRootList count='{len(roots)}'>{''.join(roots)}"
        "</ClassificationNodeRootList></Classification></ClassificationList></JDBOR>\n"
    )


HEMO = _node(
    68334,
    "Rare hemorrhagic disorder due to a constitutional coagulation factors defect",
    "Category",
    _node(448, "Hemophilia", "Clinical group", _node(98878, "Hemophilia A", "Disease")),
    _node(903, "Von Willebrand disease", "Disease"),
)
NEURO = _node(
    182070,
    "Rare neurodegenerative disease",
    "Category",
    _node(58, "Alexander disease", "Disease"),
    _node(448, "Hemophilia", "Clinical group"),  # a second parent for 448
)

NOMENCLATURE_TSV = (
    "orpha_code\tname\tdisorder_type\tdisorder_group_derived\tsynonyms\tparent_codes\tchild_codes\tomim_xrefs\n"
    "8\t47,XYY syndrome\tMalformation syndrome\tDisorder\t"
    "Jacobs syndrome | XYY syndrome\t263746\t\t\n"
    "646\tNiemann-Pick disease type C\tDisease\tDisorder\t\t68385\t216972\t257220:E;607625:BTNT\n"
    "68385\tNeurometabolic disease\tCategory\tGroup of disorders\t\t\t\t\n"
)


def _write(tmp_path: Path, name: str, text: str, *, gz: bool = False) -> Path:
    path = tmp_path / name
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.fixture
def no_warnings() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# --------------------------------------------------------------------------- ORPHApackets


@pytest.mark.parametrize("gz", [False, True])
def test_packets_jsonl(tmp_path: Path, gz: bool) -> None:
    path = _write(tmp_path, "p.jsonl", _jsonl(PACKETS), gz=gz)
    release = read_packets(path)
    npc = release.disorders[646]
    assert npc.parents == (68385, 182070)
    assert npc.omim == ("257220", "607625")  # both ExternalReferences shapes
    assert npc.genes == ("NPC1", "NPC2") and npc.definition == "A short definition"
    assert release.disorders[216972].parents == (646,)  # dict-form Parents
    assert release.disorders[216972].group == "Subtype of disorder"
    assert release.disorders[906].synonyms[-1] == "WAS"
    info = release.info
    assert (info.format, info.records, info.path) == ("orphapackets", 4, str(path))
    assert info.version == "1.3.42 / 4.1.8 [2025-03-03]" and info.date.startswith("2025-12-09")
    assert len(info.sha256) == 64


def test_packets_parent_only_codes_become_groups(packets_file: Path) -> None:
    release = read_packets(packets_file)
    assert set(release.disorders) == {646, 216972, 68385, 906, 182070, 98006}
    assert release.labels == {
        182070: "Rare neurodegenerative disease",
        98006: "Rare neurologic disease",
    }
    head = release.disorders[98006]
    assert (head.name, head.disorder_type, head.group, head.is_group) == (
        "Rare neurologic disease",
        "Category",
        "Group of disorders",
        True,
    )


def test_packets_white_space_is_tidied(tmp_path: Path) -> None:
    odd = _packet(
        228429,
        "Congenital generalized  lipodystrophy type 4",  # a real double space
        Synonyms=[
            {"Synonym": "Band like calcification and\u00a0polymicrogyria "},
            {"Synonym": " "},
        ],
    )
    (disorder,) = read_packets(_write(tmp_path, "p.jsonl", _jsonl([odd]))).disorders.values()
    assert disorder.name == "Congenital generalized lipodystrophy type 4"
    assert disorder.synonyms == ("Band like calcification and polymicrogyria",)


def test_packets_as_a_list_and_as_one_file(tmp_path: Path) -> None:
    listed = read_packets(_write(tmp_path, "all.json", json.dumps(PACKETS, indent=1)))
    assert listed.info.records == 4 and 906 in listed.disorders
    single = read_packets(
        _write(tmp_path, "ORPHApacket_906.json", json.dumps(PACKETS[3], indent=2))
    )
    assert single.info.records == 1 and single.disorders[906].name == "Wiskott-Aldrich syndrome"


def test_packets_malformed_line_names_file_and_line(tmp_path: Path) -> None:
    text = _jsonl(PACKETS[:2]) + '{"Orphapacket": {"ORPHAcode": "1", \n'
    path = _write(tmp_path, "bad.jsonl", text)
    with pytest.raises(OntologyFormatError, match=r"bad\.jsonl:3: malformed JSON"):
        read_packets(path)


def test_packets_missing_label_names_line_and_code(tmp_path: Path) -> None:
    broken = {"Orphapacket": {"ORPHAcode": "77", "DisorderType": {"value": "Disease"}}}
    path = _write(tmp_path, "p.jsonl", _jsonl([PACKETS[0], broken]))
    with pytest.raises(OntologyFormatError, match=r"p\.jsonl:2: ORPHApacket 77: .*Label"):
        read_packets(path)


def test_packets_not_a_packet(tmp_path: Path) -> None:
    with pytest.raises(OntologyFormatError, match=r"x\.jsonl:1: not an ORPHApacket"):
        read_packets(_write(tmp_path, "x.jsonl", '{"hello": 1}\n'))


def test_packets_duplicate_code_warns(tmp_path: Path) -> None:
    path = _write(tmp_path, "dup.jsonl", _jsonl([PACKETS[3], PACKETS[3]]))
    with pytest.warns(SourceWarning, match=r"dup\.jsonl:2: ORPHA:906 appears again"):
        release = read_packets(path)
    assert release.info.records == 2 and len(release.disorders) == 2  # 906 and its parent


# --------------------------------------------------------------------------- product1


def test_product1_inline(tmp_path: Path, no_warnings: None) -> None:
    release = read_product1(_write(tmp_path, "en_product1.xml", PRODUCT1, gz=True))
    alexander, hemophilia = release.disorders[58], release.disorders[448]
    assert alexander == Disorder(
        58, "Alexander disease", ("AxD",), "Disease", "Disorder", omim=("203450",),
        definition="A leukodystrophy.",
    )  # fmt: skip
    assert hemophilia.group == "Group of disorders"  # derived when DisorderGroup is absent
    assert (release.info.version, release.info.date) == (
        "1.3.42 / 4.1.8 [2025-03-03]",
        "2025-12-09 07:06:32",
    )
    assert release.info.records == 2 and release.parents == {}


def test_product1_bad_disorder_names_line_and_element(tmp_path: Path) -> None:
    text = PRODUCT1.replace("<OrphaCode>448</OrphaCode>", "")
    with pytest.raises(OntologyFormatError, match=r"p1\.xml:21 \(element <Disorder>\).*OrphaCode"):
        read_product1(_write(tmp_path, "p1.xml", text))
    text = PRODUCT1.replace("<OrphaCode>448</OrphaCode>", "<OrphaCode>x448</OrphaCode>")
    with pytest.raises(OntologyFormatError, match=r"p1\.xml:21.*not an ORPHA code"):
        read_product1(_write(tmp_path, "p1.xml", text))


def test_product1_refuses_xxe(tmp_path: Path) -> None:
    text = PRODUCT1.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0"?>\n<!DOCTYPE JDBOR [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    ).replace('<Name lang="en">Hemophilia</Name>', "<Name>&x;</Name>")
    with pytest.raises(UnsafeXMLError, match=r"p1\.xml:2"):
        read_product1(_write(tmp_path, "p1.xml", text))


@pytest.mark.realdata
def test_product1_real_format_sample() -> None:
    release = read_product1(require(FORMAT_SAMPLE))
    assert set(release.disorders) == {166024, 58}
    assert release.disorders[166024].omim == ("607131",)  # ICD-10/11, MONDO, UMLS left out
    assert release.disorders[166024].synonyms == ("Multiple epiphyseal dysplasia, Al-Gazali type",)
    assert release.disorders[166024].definition.startswith("A rare primary bone dysplasia")
    assert release.info.date == "2025-12-09 07:06:32"


# --------------------------------------------------------------------------- product3


def test_product3_edges_and_polyhierarchy(tmp_path: Path, no_warnings: None) -> None:
    first = _write(tmp_path, "en_product3_1.xml", _product3("2025-06-24 07:31:54", HEMO))
    second = _write(
        tmp_path, "en_product3_2.xml.gz", _product3("2025-06-24 07:35:01", NEURO), gz=True
    )
    release = read_product3([first, second])
    assert release.parents == {448: (68334, 182070), 98878: (448,), 903: (68334,), 58: (182070,)}
    assert release.disorders[448].parents == (68334, 182070)
    assert release.disorders[68334].group == "Group of disorders"
    assert release.info.records == 6 and release.info.date == "2025-06-24 07:35:01"
    assert [i.path for i in release.extra_infos] == [str(first), str(second)]
    assert read_product3(tmp_path).parents == release.parents  # a folder works too


def test_product3_single_file_info(tmp_path: Path) -> None:
    path = _write(tmp_path, "c.xml", _product3("2025-06-24", HEMO))
    release = read_product3(path)
    assert release.info.path == str(path) and release.extra_infos == ()


def test_product3_truncated(tmp_path: Path) -> None:
    text = _product3("2025-06-24", HEMO)
    with pytest.raises(OntologyFormatError, match=r"cut\.xml:\d+: malformed XML"):
        read_product3(_write(tmp_path, "cut.xml", text[: len(text) // 2]))


# --------------------------------------------------------------------------- ORDO


def test_ordo_sample(no_warnings: None) -> None:
    release = read_ordo(DATA / "ordo_sample.owl")
    assert set(release.disorders) == {58, 646, 216972, 906, 1775, 98006, 182070, 183500}
    alexander = release.disorders[58]
    assert alexander.synonyms == ("AxD",) and alexander.omim == ("203450",)
    assert alexander.parents == (182070, 183500)  # named subClassOf + part_of restriction
    assert alexander.definition.startswith("Leukodystrophy")
    assert release.disorders[216972].parents == (646,)
    assert release.disorders[216972].disorder_type == "Clinical subtype"
    assert release.disorders[216972].group == "Subtype of disorder"
    assert release.disorders[182070].is_group and release.disorders[182070].parents == (98006,)
    assert release.disorders[1775].synonyms == ("DC", "DKC", "Zinsser-Engman-Cole syndrome")
    assert release.info.format == "ordo" and release.info.date == "2025-12-09"
    assert release.info.version.startswith("sample") and release.info.records == 8


ORDO_EXTRA = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
    <!ENTITY ordo "http://www.orpha.net/ORDO/" >
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
     xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"
     xmlns:owl="http://www.w3.org/2002/07/owl#"
     xmlns:efo="http://www.ebi.ac.uk/efo/">
  <owl:Ontology rdf:about="http://www.orpha.net/ORDO/ordo_orphanet.owl"/>
  <owl:Class rdf:about="&ordo;Orphanet_646">
    <rdfs:subClassOf rdf:resource="&ordo;Orphanet_377788"/>
    <rdfs:subClassOf rdf:resource="&ordo;Orphanet_79204"/>
    <rdfs:subClassOf>
      <owl:Restriction>
        <owl:onProperty rdf:resource="&ordo;Orphanet_C016"/>
        <owl:someValuesFrom rdf:resource="&ordo;Orphanet_409929"/>
      </owl:Restriction>
    </rdfs:subClassOf>
    <rdfs:label xml:lang="fr">Maladie de Niemann-Pick type C</rdfs:label>
    <rdfs:label xml:lang="en">Niemann-Pick disease type C</rdfs:label>
  </owl:Class>
  <owl:Class rdf:about="&ordo;Orphanet_79204">
    <rdfs:label xml:lang="en">Lipid storage disease</rdfs:label>
  </owl:Class>
  <owl:Class rdf:about="&ordo;Orphanet_999001">
    <rdfs:subClassOf rdf:resource="&ordo;Orphanet_C010"/>
    <rdfs:label xml:lang="en">test gene class (not a disorder)</rdfs:label>
  </owl:Class>
  <owl:Class rdf:about="&ordo;Orphanet_999002">
    <rdfs:subClassOf rdf:resource="&ordo;Orphanet_377788"/>
    <rdfs:label xml:lang="en">test obsolete class</rdfs:label>
    <owl:deprecated rdf:datatype="http://www.w3.org/2001/XMLSchema#boolean">true</owl:deprecated>
  </owl:Class>
</rdf:RDF>
"""


def test_ordo_skips_genes_deprecated_and_other_restrictions(tmp_path: Path) -> None:
    release = read_ordo(_write(tmp_path, "ordo.owl.gz", ORDO_EXTRA, gz=True))
    assert set(release.disorders) == {646, 79204}
    assert release.disorders[646].name == "Niemann-Pick disease type C"
    assert release.disorders[646].parents == (79204,)  # the has_inheritance restriction skipped
    assert release.labels == {79204: "Lipid storage disease"}  # parent without a type
    assert release.disorders[79204].is_group


def test_ordo_refuses_external_entities(tmp_path: Path) -> None:
    text = ORDO_EXTRA.replace(
        '<!ENTITY ordo "http://www.orpha.net/ORDO/" >',
        '<!ENTITY ordo "http://www.orpha.net/ORDO/" >\n    <!ENTITY x SYSTEM "file:///etc/passwd">',
    )
    with pytest.raises(UnsafeXMLError, match=r"ordo\.owl:4.*external entity 'x'"):
        read_ordo(_write(tmp_path, "ordo.owl", text))
    laughs = ORDO_EXTRA.replace('"http://www.orpha.net/ORDO/" >', '"&ordo2;&ordo2;" >')
    with pytest.raises(UnsafeXMLError, match=r"refers to other entities"):
        read_ordo(_write(tmp_path, "ordo.owl", laughs))


def test_ordo_malformed(tmp_path: Path) -> None:
    text = ORDO_EXTRA[: ORDO_EXTRA.index('<rdfs:label xml:lang="en">Lipid')]
    with pytest.raises(OntologyFormatError, match=r"ordo\.owl:\d+: malformed OWL"):
        read_ordo(_write(tmp_path, "ordo.owl", text))


# --------------------------------------------------------------------------- TSV


def test_nomenclature_tsv(tmp_path: Path) -> None:
    path = _write(tmp_path, "orpha_nomenclature_en_2025-12-09.tsv", NOMENCLATURE_TSV)
    with pytest.warns(SourceWarning, match=r"1 parent code\(s\) have no record.*ORPHA:263746"):
        release = read_nomenclature_tsv(path)
    assert release.disorders[8].name == "47,XYY syndrome"
    assert release.disorders[8].synonyms == ("Jacobs syndrome", "XYY syndrome")
    assert release.disorders[646].omim == ("257220", "607625")
    assert release.disorders[646].parents == (68385,)
    assert release.disorders[263746].name == "ORPHA:263746" and release.labels == {}
    assert (release.info.format, release.info.date, release.info.records) == (
        "nomenclature_tsv",
        "2025-12-09",
        3,
    )


def test_nomenclature_tsv_bad_row(tmp_path: Path) -> None:
    path = _write(tmp_path, "n.tsv", NOMENCLATURE_TSV + "ORPHA:x\tBroken\tDisease\n")
    with pytest.raises(OntologyFormatError, match=r"n\.tsv:5: not an ORPHA code"):
        read_nomenclature_tsv(path)
    path = _write(tmp_path, "n.tsv", NOMENCLATURE_TSV + "9\t\tDisease\n")
    with pytest.raises(OntologyFormatError, match=r"n\.tsv:5: empty name"):
        read_nomenclature_tsv(path)


def test_alias_tsv_with_header(tmp_path: Path) -> None:
    text = (
        "OrphaCode\tAlias\tRule\tcurator\n"
        "ORPHA:124\tBlackfan-Diamond anemia\tformer_name\tab\n"
        "906\tWAS deficiency\t\tcd\n"
    )
    first, second = read_alias_tsv(_write(tmp_path, "curated.tsv", text))
    assert (first.code, first.term, first.rule, first.line) == (
        124,
        "Blackfan-Diamond anemia",
        "former_name",
        2,
    )
    assert first.provenance == (("curator", "ab"),) and first.source.endswith("curated.tsv")
    assert (second.code, second.rule) == (906, "curated")


@pytest.mark.parametrize(
    ("header", "code_col", "term_col"),
    [
        ("code\tname", 0, 1),
        ("term\torpha", 1, 0),
        ("label\torpha_code\tnote", 1, 0),
        ("synonym\tcode", 1, 0),
    ],
)
def test_alias_tsv_column_names(tmp_path: Path, header: str, code_col: int, term_col: int) -> None:
    cells = ["", "", ""][: len(header.split("\t"))]
    cells[code_col], cells[term_col] = "1775", "DKC1 disease"
    aliases = read_alias_tsv(_write(tmp_path, "a.tsv", header + "\n" + "\t".join(cells) + "\n"))
    assert [(a.code, a.term) for a in aliases] == [(1775, "DKC1 disease")]


def test_alias_tsv_without_header(tmp_path: Path) -> None:
    two = read_alias_tsv(_write(tmp_path, "two.tsv", "1775\tDKC\n# a comment\n\n906\tWAS\n"))
    assert [(a.code, a.term, a.rule, a.line) for a in two] == [
        (1775, "DKC", "curated", 1),
        (906, "WAS", "curated", 4),
    ]
    three = read_alias_tsv(_write(tmp_path, "three.tsv", "ORPHA:58\tAxD type I\tmy_rule\n"))
    assert (three[0].code, three[0].rule) == (58, "my_rule")


def test_alias_tsv_term_kind_means_former_name(tmp_path: Path) -> None:
    text = "orpha_code\tterm_kind\tterm\n124\tformer_label\tBlackfan-Diamond anemia\n"
    (alias,) = read_alias_tsv(_write(tmp_path, "history.tsv", text))
    assert alias.rule == "former_name" and alias.provenance == (("term_kind", "former_label"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code\tname\n1775\t\n", r"a\.tsv:2: empty term"),
        ("code\tname\nxyz\tDC\n", r"a\.tsv:2: not an ORPHA code"),
        ("code\tname\n1775\tDC\textra\n", r"a\.tsv:2: 3 field\(s\), expected 2"),
        ("code\tname\n1775\n", r"a\.tsv:2: 1 field\(s\)"),
        ("1775\tDC\n906\n", r"a\.tsv:2: 1 field\(s\)"),
        ("id\tdescription\n1\tx\n", r"a\.tsv:1: an alias TSV needs a header"),
    ],
)
def test_alias_tsv_bad_rows(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(OntologyFormatError, match=message):
        read_alias_tsv(_write(tmp_path, "a.tsv", text))


@pytest.mark.realdata
def test_alias_tsv_real_name_history(name_history_path: Path) -> None:
    aliases = read_alias_tsv(name_history_path)
    assert len(aliases) == 2824 and {a.rule for a in aliases} == {"former_name"}
    renamed = [a for a in aliases if a.code == 124 and a.term == "Blackfan-Diamond anemia"]
    assert renamed and dict(renamed[0].provenance)["term_kind"] == "former_label"
    absent = [a for a in aliases if dict(a.provenance)["in_2025_12_release"] == "absent"]
    assert len(absent) == 761 + 599


# --------------------------------------------------------------------------- detection


@pytest.fixture
def one_of_each(tmp_path: Path) -> dict[str, Path]:
    return {
        "orphapackets": _write(tmp_path, "a", _jsonl(PACKETS)),
        "product1": _write(tmp_path, "b", PRODUCT1),
        "product3": _write(tmp_path, "c", _product3("2025-06-24", HEMO)),
        "ordo": DATA / "ordo_sample.owl",
        "nomenclature_tsv": _write(tmp_path, "d", NOMENCLATURE_TSV),
        "aliases_tsv": _write(tmp_path, "e", "orphacode\tterm\n1775\tDKC\n"),
    }


def test_detect_every_format_by_content(one_of_each: dict[str, Path], tmp_path: Path) -> None:
    assert set(one_of_each) == set(FORMATS)
    for fmt, path in one_of_each.items():
        assert detect_format(path) == fmt
        packed = tmp_path / f"{fmt}.dat"
        packed.write_bytes(gzip.compress(path.read_bytes()))
        assert detect_format(packed) == fmt  # gzip by its magic bytes, whatever the name
    assert detect_format(_write(tmp_path, "bare.tsv", "646\tNPC\n")) == "aliases_tsv"
    assert (
        detect_format(_write(tmp_path, "one.json", json.dumps(PACKETS[0], indent=2)))
        == "orphapackets"
    )


def test_detect_product1_with_association_lists(tmp_path: Path) -> None:
    text = PRODUCT1.replace(
        "</DisorderType>", "</DisorderType><DisorderDisorderAssociationList/>", 1
    )
    assert detect_format(_write(tmp_path, "p1.xml", text)) == "product1"


def test_detect_ignores_a_misleading_name(tmp_path: Path) -> None:
    renamed = _write(tmp_path, "en_product1.xml", _jsonl(PACKETS))
    assert detect_format(renamed) == "orphapackets"
    assert read_source(renamed).info.format == "orphapackets"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello world\n",
        '{"name": "x"}\n',
        "<html><body/></html>",
        "<JDBOR><HPODisorderSetStatusList/></JDBOR>",
        "<JDBOR><DisorderList><Disorder><DisorderDisorderAssociationList/></Disorder></DisorderList></JDBOR>",
        '<rdf:RDF xmlns:owl="http://www.w3.org/2002/07/owl#"><owl:Class/></rdf:RDF>',
    ],
    ids=["empty", "text", "json", "html", "product4", "product7", "other-owl"],
)
def test_detect_unknown(tmp_path: Path, text: str) -> None:
    with pytest.raises(OntologyFormatError, match=r"unknown format; accepted: ORPHApackets"):
        detect_format(_write(tmp_path, "x.bin", text))


def test_detect_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OntologyFormatError, match="a folder"):
        detect_format(tmp_path)


# --------------------------------------------------------------------------- read_source


def test_read_source_dispatches(one_of_each: dict[str, Path]) -> None:
    for fmt in ("orphapackets", "product1", "product3", "ordo"):
        assert read_source(one_of_each[fmt]).info.format == fmt
    with pytest.raises(OntologyFormatError, match="an alias file, not a release"):
        read_source(one_of_each["aliases_tsv"])


def test_folder_picks_by_priority_and_names_the_others(tmp_path: Path) -> None:
    _write(tmp_path, "en_product1.xml", PRODUCT1)
    _write(tmp_path, "packets.jsonl.gz", _jsonl(PACKETS), gz=True)
    _write(tmp_path, "names.tsv", NOMENCLATURE_TSV)
    _write(tmp_path, "history.tsv", "orpha_code\tterm_kind\tterm\n124\tformer_label\tX\n")
    _write(tmp_path, "README.md", "# not a release\n")
    with pytest.warns(
        SourceWarning, match=r"reading packets\.jsonl\.gz; also found en_product1\.xml, names\.tsv"
    ):
        release = read_source(tmp_path)
    assert release.info.format == "orphapackets"
    assert source_files(tmp_path) == [tmp_path / "packets.jsonl.gz"]


def test_folder_classifications_only_on_request(tmp_path: Path) -> None:
    _write(tmp_path, "en_product1.xml", PRODUCT1)
    (tmp_path / "classifications").mkdir()
    _write(tmp_path, "classifications/en_product3_2.xml", _product3("2025-06-24", NEURO))
    plain = read_source(tmp_path)
    assert all(not d.parents for d in plain.disorders.values()) and len(plain.infos) == 1
    with pytest.warns(SourceWarning, match=r"classification conflict.*ORPHA:182070"):
        merged = read_source(tmp_path, classifications=True)
    assert merged.disorders[58].parents == ()  # its parent 182070 is unknown to product1
    assert [i.format for i in merged.infos] == ["product1", "product3"]
    assert classification_files(tmp_path, True) == [
        tmp_path / "classifications" / "en_product3_2.xml"
    ]
    assert classification_files(tmp_path, False) == []
    assert classification_files(tmp_path / "en_product1.xml", True) == []


def test_folder_without_a_release(tmp_path: Path) -> None:
    with pytest.raises(OntologyFormatError, match="no Orphanet release file"):
        read_source(tmp_path)
    _write(tmp_path, "en_product3_1.xml", _product3("2025-06-24", HEMO))
    with pytest.raises(OntologyFormatError, match="pass classifications=True"):
        read_source(tmp_path)
    assert read_source(tmp_path, classifications=True).info.format == "product3"


# --------------------------------------------------------------------------- merging


def _release(
    *disorders: Disorder, fmt: str = "orphapackets", date: str = "2025-12-09"
) -> SourceRelease:
    return SourceRelease({d.code: d for d in disorders}, ReleaseInfo(fmt, fmt, date=date))


def test_merge_into_a_release_without_hierarchy(tmp_path: Path) -> None:
    product1 = read_product1(_write(tmp_path, "p1.xml", PRODUCT1))
    product1.disorders[182070] = Disorder(
        182070, "Rare neurodegenerative disease", group="Group of disorders"
    )
    hierarchy = read_product3(_write(tmp_path, "p3.xml", _product3("2025-06-24", NEURO)))
    merged, conflicts = merge_classifications(product1, hierarchy)
    assert merged.disorders[58].parents == (182070,) and merged.disorders[448].parents == (182070,)
    assert conflicts == []
    assert merged.infos == (product1.info, hierarchy.info)
    assert product1.disorders[58].parents == ()  # the input is left alone


def test_merge_reports_conflicts_and_unknown_codes() -> None:
    ours = _release(
        Disorder(1, "A", parents=(2,)), Disorder(2, "B"), Disorder(3, "C"), Disorder(4, "D")
    )
    theirs = _release(
        Disorder(1, "A", parents=(3,)), Disorder(3, "C"), Disorder(2, "B"),
        Disorder(4, "D", parents=(3,)), Disorder(9, "Gone", parents=(3,)),
        fmt="product3", date="2025-06-24",
    )  # fmt: skip
    merged, conflicts = merge_classifications(ours, theirs)
    assert conflicts == [
        "ORPHA:9 (Gone) is in product3 2025-06-24 but not in orphapackets 2025-12-09",
        "ORPHA:1 -> ORPHA:3 is in product3 2025-06-24 but not in orphapackets 2025-12-09",
        "ORPHA:1 -> ORPHA:2 is in orphapackets 2025-12-09 but not in product3 2025-06-24",
    ]
    assert merged.disorders[1].parents == (2,)  # the release's own edges win
    assert merged.disorders[4].parents == (3,)  # a child without parents takes product3's
    assert 9 not in merged.disorders


# --------------------------------------------------------------------------- the sample

REQUIRED = {
    1775: "Dyskeratosis congenita", 3088: "Revesz syndrome", 646: "Niemann-Pick disease type C",
    906: "Wiskott-Aldrich syndrome", 2331: "Kawasaki disease", 58: "Alexander disease",
    61: "Alpha-mannosidosis", 816: "Sjögren-Larsson syndrome", 559: "Marinesco-Sjögren syndrome",
    117: "Behçet disease", 2103: "Guillain-Barré syndrome", 576: "Mucolipidosis type II",
    8: "47,XYY syndrome", 43: "X-linked adrenoleukodystrophy", 124: "Diamond-Blackfan anemia",
    99672: "Fried's tooth and nail syndrome",
}  # fmt: skip


def test_sample_release(no_warnings: None) -> None:
    release = read_sample()
    assert 50 <= len(release.disorders) <= 60
    for code, name in REQUIRED.items():
        assert release.disorders[code].name == name
    assert {"DC", "DKC"} <= set(release.disorders[1775].synonyms)
    assert any("Dyskeratosis congenita" in s for s in release.disorders[3088].synonyms)
    assert "WAS" in release.disorders[906].synonyms and "AxD" in release.disorders[58].synonyms
    assert "X-ALD" in release.disorders[43].synonyms
    subtypes = sorted(c for c, d in release.disorders.items() if 646 in d.parents)
    assert subtypes == [216972, 216975, 216978, 216981, 216986]
    assert all(release.disorders[c].is_subtype for c in subtypes)
    assert any(release.disorders[p].is_group for p in release.disorders[646].parents)
    assert [i.format for i in release.infos] == ["product1", "product3"]
    assert "hand-made sample" in release.info.version


NEEDLES = (
    *("leukaemia", "oesophag", "haem", "anemia", "Hemophilia", "tumor", "Bart's", " type II"),
    *("type 2", "type IIa", "alpha", "beta", "cyst", "malformation", "anomaly", "Syndrome of"),
    *(", form", "Finnish type", ", Schmid type"),
)


def test_sample_covers_the_alias_rules() -> None:
    names = [n for d in read_sample().disorders.values() for n in d.names]
    text = "\n".join(names)
    for needle in NEEDLES:
        assert needle in text or needle.strip(", ") in text, needle
    acronyms = {}
    for d in read_sample().disorders.values():
        for s in d.synonyms:
            acronyms.setdefault(s, set()).add(d.code)
    assert acronyms["PCD"] == {244, 623626} and acronyms["BMD"] == {98895, 1243}


def test_sample_files_are_found_by_the_folder_scan() -> None:
    assert detect_format(SAMPLE_DIR / "en_product1.sample.xml") == "product1"
    assert detect_format(SAMPLE_DIR / "en_product3.sample.xml") == "product3"
    assert source_files(SAMPLE_DIR) == [SAMPLE_DIR / "en_product1.sample.xml"]
    assert classification_files(SAMPLE_DIR, True) == [SAMPLE_DIR / "en_product3.sample.xml"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        folder = read_source(SAMPLE_DIR, classifications=True)
    assert folder.disorders == read_sample().disorders


@pytest.mark.realdata
def test_sample_agrees_with_the_real_packets(packets_path: Path) -> None:
    real = read_packets(packets_path)
    sample = read_sample()
    for code, disorder in sample.disorders.items():
        truth = real.disorders[code]
        fields = ("name", "synonyms", "disorder_type", "group", "omim")
        for field in fields:
            assert getattr(disorder, field) == getattr(truth, field), (code, field)
        assert set(disorder.parents) == {p for p in truth.parents if p in sample.disorders}, code


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def real_packets(packets_path: Path) -> SourceRelease:
    return read_packets(packets_path)


@pytest.mark.realdata
def test_real_packets_release(real_packets: SourceRelease) -> None:
    release = real_packets
    assert release.info.records == 9960
    assert len(release.disorders) == 9960 + 38 and len(release.labels) == 38
    assert release.labels[320716] == "Rare disorders"
    assert sum(len(d.parents) for d in release.disorders.values()) == 19481
    assert sum(bool(d.parents) for d in release.disorders.values()) == 9907
    assert release.info.sha256 == "d1f592624d48ba60890ba2e498bdabd2819306c7e36c959ce0d3c0f011e7d871"
    assert (release.info.version, release.info.date) == (
        "1.3.42 / 4.1.8 [2025-03-03]",
        "2025-12-09 10:41:42",
    )
    assert release.disorders[906].synonyms == (
        "Eczema-thrombocytopenia-immunodeficiency syndrome",
        "WAS",
    )
    assert sum(len(d.synonyms) for d in release.disorders.values()) == 13888
    assert release.disorders[228429].name == "Congenital generalized lipodystrophy type 4"
    assert sum(bool(d.omim) for d in release.disorders.values()) == 4888


@pytest.mark.realdata
def test_real_packets_dict_form_parents(real_packets: SourceRelease, packets_path: Path) -> None:
    dict_form = {}
    with gzip.open(packets_path, "rt", encoding="utf-8") as fh:
        for line in fh:
            packet = json.loads(line)["Orphapacket"]
            if isinstance(packet.get("Parents"), dict):
                dict_form[int(packet["ORPHAcode"])] = [
                    int(p["ORPHAcode"]) for p in packet["Parents"]["Parent"]
                ]
    assert len(dict_form) == 44
    for code, parents in dict_form.items():
        assert real_packets.disorders[code].parents == tuple(parents)


@pytest.mark.realdata
def test_real_nomenclature_equals_packets(real_packets: SourceRelease) -> None:
    with pytest.warns(SourceWarning, match="38 parent code"):
        table = read_nomenclature_tsv(require(NOMENCLATURE))
    assert table.disorders.keys() == real_packets.disorders.keys()
    for code, disorder in real_packets.disorders.items():
        if code not in real_packets.labels:
            assert table.disorders[code].parents == disorder.parents
            assert table.disorders[code].names == disorder.names


def _product3_files() -> list[Any]:
    files = sorted(PRODUCT3_DIR.glob("en_product3_*.xml.gz")) if PRODUCT3_DIR.is_dir() else []
    return files or [
        pytest.param(
            None, marks=pytest.mark.skip(reason=f"real data not available: {PRODUCT3_DIR}")
        )
    ]


@pytest.mark.realdata
@pytest.mark.parametrize("path", _product3_files(), ids=lambda p: p.name if p else "absent")
def test_real_product3_file_reads(path: Path) -> None:
    assert detect_format(path) == "product3"
    release = read_product3(path)
    assert release.disorders and release.info.date.startswith("2025-06-24")
    assert all(p in release.disorders for ps in release.parents.values() for p in ps)


@pytest.mark.realdata
def test_real_product3_together_and_merged(real_packets: SourceRelease) -> None:
    files = sorted(require(PRODUCT3_DIR).glob("en_product3_*.xml.gz"))
    assert len(files) == 32
    hierarchy = read_product3(files)
    assert len(hierarchy.disorders) == 7450
    assert sum(len(p) for p in hierarchy.parents.values()) == 10751
    merged, conflicts = merge_classifications(real_packets, hierarchy)
    changed = {c for c, d in merged.disorders.items() if d != real_packets.disorders[c]}
    # every packet has its parents already; product3 adds some to the parent-only codes
    assert changed and changed <= real_packets.labels.keys()
    assert merged.disorders[602661].parents == (602659,)  # Pediatric germ cell cancer
    assert conflicts and all(c.startswith("ORPHA:") for c in conflicts)
    assert len(merged.infos) == 1 + 1 + 32


@pytest.mark.realdata
def test_real_folder_selection(tmp_path: Path) -> None:
    folder = require(ORPHANET_DIR)
    with pytest.warns(
        SourceWarning, match=r"reading orphapackets_en_2025-12-09\.jsonl\.gz; also found"
    ):
        release = read_source(folder)
    assert release.info.format == "orphapackets" and release.info.records == 9960
    copy = tmp_path / "release"
    copy.mkdir()
    shutil.copy(FORMAT_SAMPLE, copy / "renamed.dat")
    assert read_source(copy).info.format == "product1"


def test_each_format_reader_can_read_its_own_files_only(
    one_of_each: dict[str, Path], tmp_path: Path
) -> None:
    from mmrare_core.ontology.formats import (
        alias_tsv,
        nomenclature,
        ordo,
        packets,
        product1,
        product3,
    )

    modules = (packets, product1, product3, ordo, nomenclature, alias_tsv)
    assert {m.FORMAT for m in modules} == set(FORMATS)
    for fmt, path in one_of_each.items():
        assert [m.FORMAT for m in modules if m.can_read(path)] == [fmt]
    assert not any(m.can_read(tmp_path) for m in modules)  # a folder is no file of any format
