"""parse_jats: blocks, ids, hostile input, and every real article in ../shared/data/pmc."""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
import warnings
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from mmrare_core.base import xmlsafe
from mmrare_core.documents.document import ID_SCHEME, Document
from mmrare_core.documents.jats import parse_jats
from mmrare_core.errors import DocumentError, MMRareError, SourceWarning, UnsafeXMLError
from mmrare_core.text.normalize import normalize_text

from .conftest import SHARED_DATA, require

DATA = Path(__file__).parent / "data" / "jats"
CASE = DATA / "case_report.xml"
EXTRAS = DATA / "extras.xml"
PMC = SHARED_DATA / "pmc"
TARBALL = PMC / "jats_articles.tar.gz"
CASE_REPORTS = PMC / "case_reports"
INSERTED = "An unrelated paragraph, inserted by the test."


def _hid(slug: str, code: str, text: str) -> str:
    """A hashed id as the scheme in jats.py's docstring spells it (computed independently)."""
    data = normalize_text(text).encode("utf-8", "surrogatepass")
    return f"{slug}.{code}.{hashlib.blake2b(data, digest_size=4).hexdigest()}"


def _rows(doc: Document) -> list[tuple[str, str, tuple[str, ...], str, str]]:
    return [(b.id, b.kind, b.section, b.label, b.text) for b in doc.blocks]


# --------------------------------------------------------------------------- hand-written


CP, LAB = ("Case presentation",), ("Case presentation", "Laboratory findings")
CASE_BLOCKS = [
    (_hid("front", "title", t := "Recurrent fever in a child with a MEFV variant: a case report"),
     "title", (), "", t),
    (_hid("abstract.background", "abs", t := "Periodic fevers in children have many causes."),
     "abstract", ("Abstract", "Background"), "", t),
    (_hid("abstract.case-presentation", "abs", t := "A 6-year-old boy had fever every 4 weeks."),
     "abstract", ("Abstract", "Case presentation"), "", t),
    (_hid("abstract.conclusions", "abs", t := "Genetic testing helped."),
     "abstract", ("Abstract", "Conclusions"), "", t),
    (_hid("front", "kwd", t := "Periodic fever; MEFV; Case report"), "keywords", (), "Keywords", t),
    ("s1.title", "heading", ("Introduction",), "1", "Introduction"),
    ("p1", "paragraph", ("Introduction",), "",
     "Periodic fever syndromes are rare1. The MEFV gene encodes pyrin (see example.org)."),
    (_hid("introduction", "p", t := "Serum amyloid A (SAA) rose to 120 mg/L; the threshold x>10 "
          "was exceeded in H2O-free samples."), "paragraph", ("Introduction",), "", t),
    ("s2.title", "heading", CP, "", "Case presentation"),
    (_hid("case-presentation", "p",
          t := "A 6-year-old boy presented with fever (Figure 1). He was otherwise well."),
     "paragraph", CP, "", t),
    ("f1.caption", "figure_caption", CP, "Figure 1", "Temperature chart. Fever peaks every 4 weeks."),
    (_hid("case-presentation", "p", t := "Findings at admission:"), "paragraph", CP, "", t),
    (_hid("case-presentation", "li", t := "abdominal pain"), "list_item", CP, "•", t),
    (_hid("case-presentation", "li", t := "arthralgia of the left knee"), "list_item", CP, "", t),
    (_hid("case-presentation", "li", t := "worse at night"), "list_item", CP, "", t),
    ("s2-1.title", "heading", LAB, "", "Laboratory findings"),
    ("p-lab", "paragraph", LAB, "", "Laboratory values are shown in Table 1."),
    ("t1.caption", "table_caption", LAB, "Table 1", "Laboratory values at admission."),
    ("t1.table", "table", LAB, "",
     "Test | Value | Reference\nCRP | 85 mg/La | < 5\nSAA | 120 mg/L |"),
    ("t1fn1", "footnote", LAB, "a", "Measured on day 2."),
    ("s3.title", "heading", ("Discussion",), "", "Discussion"),
    (_hid("discussion", "p", t := "Colchicine was started."), "paragraph", ("Discussion",), "", t),
    (_hid("discussion", "p", t) + ".2", "paragraph", ("Discussion",), "", t),
    ("sm1.caption", "supplementary_caption", ("Discussion",), "Additional file 1",
     "Genetic report (PDF)."),
    ("s4.title", "heading", ("Conclusion",), "", "Conclusion"),
    (_hid("conclusion", "p", t := "Think of MEFV in recurrent fever."),
     "paragraph", ("Conclusion",), "", t),
    (_hid("acknowledgements", "back", t := "Acknowledgements"),
     "back_matter", ("Acknowledgements",), "", t),
    (_hid("acknowledgements", "back", t := "We thank the family."),
     "back_matter", ("Acknowledgements",), "", t),
    (_hid("conflict-of-interest", "back", t := "Conflict of interest"),
     "back_matter", ("Conflict of interest",), "", t),
    (_hid("conflict-of-interest", "back", t := "None declared."),
     "back_matter", ("Conflict of interest",), "", t),
    ("fn1", "back_matter", ("Footnotes",), "", "Written consent was obtained."),
    (_hid("references", "back", t := "References"), "back_matter", ("References",), "", t),
    ("r1", "back_matter", ("References",), "1.", "Roe R Periodic fevers J Test 2020 1 1"),
    ("r2", "back_matter", ("References",), "2.", "Poe E. Pyrin. J Test. 2021;2:3."),
]  # fmt: skip

RES = ("Results",)
EXTRAS_BLOCKS = [
    (_hid("front", "title", "Rare elements"), "title", (), "", "Rare elements"),
    (_hid("abstract.author-summary", "abs", t := "A plain summary."),
     "abstract", ("Abstract", "Author summary"), "", t),
    (_hid("body", "p", t := "A paragraph directly in the body."), "paragraph", (), "", t),
    (_hid("results", "h", "Results"), "heading", RES, "", "Results"),
    (_hid("results", "p", t := "Values follow. Then the text goes on."), "paragraph", RES, "", t),
    ("tw2.caption", "table_caption", RES, "Table 2", "Counts"),
    ("tw2.table", "table", RES, "", "a | 1"),
    ("pfn1", "footnote", RES, "", "An inline footnote."),
    (_hid("results", "p", t := "Raw data are available."), "paragraph", RES, "", t),
    ("sm2.caption", "supplementary_caption", RES, "Data S1", "Raw counts."),
    (_hid("results", "fig", t := "A figure without an id."), "figure_caption", RES, "Figure 3", t),
    (_hid("results", "p", t := "Energy is E=mc2 as usual."), "paragraph", RES, "", t),
    (_hid("results", "p", t := "A patient said:"), "paragraph", RES, "", t),
    (_hid("results", "p", t := "I felt tired."), "paragraph", RES, "", t),
    ("box1.title", "heading", (*RES, "Box 1. Key points"), "", "Box 1. Key points"),
    (_hid("results.box-1-key-points", "p", t := "Keep it short."),
     "paragraph", (*RES, "Box 1. Key points"), "", t),
    (_hid("results", "li", t := "CRP: C-reactive protein"), "list_item", RES, "", t),
    ("app1.title", "back_matter", ("Appendix A",), "", "Appendix A"),
    ("figA1.caption", "figure_caption", ("Appendix A",), "Figure A1", "An appendix figure."),
    (_hid("notes", "back", t := "Data on request."), "back_matter", ("Notes",), "", t),
    ("fl1.caption", "figure_caption", (), "Figure 4", "A floating figure."),
    ("sa1.title", "back_matter", ("Reviewer #1",), "", "Reviewer #1"),
    (_hid("reviewer-1", "back", t := "The study is sound."), "back_matter", ("Reviewer #1",), "", t),
]  # fmt: skip


def test_case_report_blocks() -> None:
    doc = parse_jats(CASE)
    assert _rows(doc) == CASE_BLOCKS


def test_case_report_metadata() -> None:
    doc = parse_jats(CASE)
    assert doc.title == "Recurrent fever in a child with a MEFV variant: a case report"
    assert (doc.pmcid, doc.article_type) == ("PMC9999901", "case-report")
    assert doc.id_scheme == ID_SCHEME
    assert doc.source == str(CASE)


def test_block_lines_are_source_lines() -> None:
    lines = CASE.read_text().splitlines()
    doc = parse_jats(CASE)
    for block_id, tag in [
        ("p1", '<p id="p1">'),
        ("f1.caption", "<caption>"),
        ("t1.table", "<table"),
    ]:
        line = doc.block(block_id).line
        assert line is not None and tag in lines[line - 1]


def test_extras_blocks() -> None:
    """JATS 1.3 namespace, floats in p without ids, alternatives, boxes, back, floats, sub-articles."""
    doc = parse_jats(EXTRAS)
    assert _rows(doc) == EXTRAS_BLOCKS
    assert (doc.pmcid, doc.article_type) == ("PMC9999905", "research-article")


def test_floats_in_a_paragraph_leave_its_text() -> None:
    doc = parse_jats(CASE)
    paragraph = doc.blocks[9]
    assert paragraph.kind == "paragraph" and "Temperature chart" not in paragraph.text
    assert [b.kind for b in doc.blocks[9:11]] == ["paragraph", "figure_caption"]
    for block in parse_jats(EXTRAS).blocks:
        if block.kind == "paragraph":
            for other in ("Counts", "inline footnote", "Raw counts", "C-reactive"):
                assert other not in block.text
            assert "E=mc^2" not in block.text  # one alternative only: MathML, not the TeX


def test_sources_path_bytes_file_and_gzip(tmp_path: Path) -> None:
    data = CASE.read_bytes()
    expected = _rows(parse_jats(CASE))
    gz = tmp_path / "case.xml.gz"
    gz.write_bytes(gzip.compress(data))
    with CASE.open("rb") as handle:
        from_file = parse_jats(handle)
    assert from_file.source == str(CASE)
    for doc in (
        parse_jats(str(CASE)),
        parse_jats(data),
        from_file,
        parse_jats(gz),
        parse_jats(gzip.compress(data)),
        parse_jats(io.BytesIO(data), name="mine.xml"),
    ):
        assert _rows(doc) == expected
    assert parse_jats(data).source == "<bytes>"
    assert parse_jats(data, name="case.xml").source == "case.xml"


def test_same_ids_across_parses_and_insertions() -> None:
    data = CASE.read_bytes()
    assert _rows(parse_jats(data)) == _rows(parse_jats(data))
    _check_insertions(data, "case_report.xml")


def test_pmc_articleset_reads_the_first_article_and_warns() -> None:
    with pytest.warns(SourceWarning, match=r"articleset\.xml:2 .*2 article\(s\).*first"):
        doc = parse_jats(DATA / "articleset.xml")
    assert doc.pmcid == "PMC9999903"
    assert [b.id for b in doc.blocks] == [_hid("front", "title", "First article"), "a1p1"]


def test_ordinary_article_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parse_jats(CASE)


# --------------------------------------------------------------------------- hostile input


def _passwd_lines() -> list[str]:
    try:
        return [line for line in Path("/etc/passwd").read_text().splitlines() if line][:3]
    except OSError:
        return ["root:x:0:0"]


@pytest.mark.parametrize(
    ("name", "error", "pattern"),
    [
        ("xxe.xml", UnsafeXMLError, r"xxe\.xml:4: .*external entity 'xxe'"),
        ("billion_laughs.xml", UnsafeXMLError, r"billion_laughs\.xml:3: .*entity 'lol'"),
        ("entity_node.xml", UnsafeXMLError, r"entity_node\.xml:6 \(element <p>\).*&nbsp;"),
        ("truncated.xml", DocumentError, r"truncated\.xml:7: malformed XML: .*tag p line 6"),
        ("html.xml", DocumentError, r"html\.xml:2 \(element <html>\): not a JATS article"),
        ("rdf.xml", DocumentError, r"rdf\.xml:3 \(element <rdf:RDF>\): not a JATS article"),
        ("no_body.xml", DocumentError, r"no_body\.xml:2 \(element <article>\): no <body>"),
        ("empty_body.xml", DocumentError, r"empty_body\.xml:4 \(element <body>\): holds no text"),
        ("empty_articleset.xml", DocumentError,
         r"empty_articleset\.xml:2 \(element <pmc-articleset>\): holds no <article>"),
    ],
)  # fmt: skip
def test_bad_input_gets_a_typed_error(name: str, error: type[MMRareError], pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        parse_jats(DATA / name)
    with pytest.raises(error, match=pattern.replace(name.replace(".", r"\."), "<bytes>")):
        parse_jats((DATA / name).read_bytes())


def test_xxe_never_reads_the_file() -> None:
    data = (DATA / "xxe.xml").read_bytes()
    for attempt in (data, data.replace(b"<p>&xxe;</p>", b"<p>x</p><p>&xxe;</p>")):
        with pytest.raises(UnsafeXMLError) as info:
            parse_jats(attempt)
        for line in _passwd_lines():
            assert line not in str(info.value)
    # the tree lxml would build without the prolog check keeps an entity node, never the text
    tree = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    text = "".join(tree.itertext())
    assert not any(line in text for line in _passwd_lines())


def test_errors_are_also_value_errors() -> None:
    with pytest.raises(ValueError):
        parse_jats(DATA / "html.xml")
    with pytest.raises(ValueError):
        parse_jats(DATA / "xxe.xml")


def _deep(levels: int) -> bytes:
    """``article > body > sec * levels > p``: ``levels + 3`` elements deep."""
    secs = "<sec>" * levels + "<p>Deep.</p>" + "</sec>" * levels
    return f"<article><body>{secs}</body></article>".encode()


def test_nesting_is_bounded() -> None:
    doc = parse_jats(_deep(197))  # 200 elements deep: accepted
    assert [b.text for b in doc.blocks] == ["Deep."]
    with pytest.raises(UnsafeXMLError, match=r"<bytes>:1 \(element <p>\): nesting deeper than 200"):
        parse_jats(_deep(198))
    with pytest.raises(UnsafeXMLError, match=r"deep\.xml:1: nesting too deep"):
        parse_jats(_deep(5000), name="deep.xml")


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        (b"", r"empty\.xml.*malformed XML"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", r"empty\.xml:1: malformed XML"),
        (b"Case report: a 40-year-old woman.", r"empty\.xml:1: malformed XML"),
        (gzip.compress(CASE.read_bytes())[:400], r"empty\.xml: truncated or corrupt compressed"),
    ],
)
def test_not_xml_at_all(data: bytes, pattern: str) -> None:
    with pytest.raises(DocumentError, match=pattern):
        parse_jats(data, name="empty.xml")


def test_every_truncation_is_a_document_error() -> None:
    data = CASE.read_bytes()
    for cut in range(0, len(data.rstrip()) - 1, 13):
        with pytest.raises(DocumentError, match=r"cut\.xml"):
            parse_jats(data[:cut], name="cut.xml")


@given(
    start=st.integers(0, len(CASE.read_bytes())),
    length=st.integers(0, 400),
    insert=st.sampled_from([b"", b"<p>", b"</sec>", b"<fig><caption>", b"&amp;", b"&x;", b"\xff"]),
)
def test_mangled_input_parses_or_gets_a_typed_error(start: int, length: int, insert: bytes) -> None:
    """Nothing but a Document or an MMRareError, whatever bytes are cut out or put in."""
    data = CASE.read_bytes()
    try:
        doc = parse_jats(data[:start] + insert + data[start + length :], name="mangled.xml")
    except MMRareError as exc:
        assert "mangled.xml" in str(exc)
    else:
        assert len({b.id for b in doc.blocks}) == len(doc.blocks)


def test_xml_text_passed_as_str_is_refused() -> None:
    with pytest.raises(DocumentError, match=r"looks like XML text.*encode\(\)"):
        parse_jats(CASE.read_text())


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        parse_jats(tmp_path / "absent.xml")


# --------------------------------------------------------------------------- id stability


def _new_p(near: etree._Element) -> etree._Element:
    namespace = etree.QName(near).namespace
    p = near.makeelement(f"{{{namespace}}}p" if namespace else "p", {})
    p.text = INSERTED
    return p


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _insertions(data: bytes) -> Iterator[tuple[str, bytes]]:
    """The article with one unrelated ``<p>`` inserted: at the start of the body, in the
    middle of a section, and before an existing paragraph (the last one in the body)."""
    tree = xmlsafe.parse(io.BytesIO(data))
    root = tree.getroot()
    body = next(el for el in root if _local(el) == "body")
    paragraphs = [
        p for p in body.iter("{*}p") if _local(p.getparent()) in ("sec", "body") and p.text
    ]

    def edited(edit: str, do: object) -> tuple[str, bytes]:
        copy = xmlsafe.parse(io.BytesIO(data))
        target = copy.getroot()
        do(next(el for el in target if _local(el) == "body"))  # type: ignore[operator]
        return edit, etree.tostring(copy, encoding="UTF-8", xml_declaration=True)

    yield edited("start of body", lambda b: b.insert(0, _new_p(b)))
    secs = [s for s in body.iter("{*}sec") if sum(_local(c) == "p" for c in s) >= 2]
    if secs:
        path = tree.getpath(secs[0])

        def middle(b: etree._Element) -> None:
            sec = b.getroottree().xpath(path)[0]
            ps = [c for c in sec if _local(c) == "p"]
            ps[len(ps) // 2].addprevious(_new_p(sec))

        yield edited("middle of a section", middle)
    if paragraphs:
        last = tree.getpath(paragraphs[-1])

        def before(b: etree._Element) -> None:
            p = b.getroottree().xpath(last)[0]
            p.addprevious(_new_p(p))

        yield edited("before a paragraph", before)


def _check_insertions(data: bytes, name: str) -> None:
    old = {b.id: (b.kind, b.text) for b in parse_jats(data, name=name).blocks}
    edits = 0
    for edit, changed in _insertions(data):
        new = {b.id: (b.kind, b.text) for b in parse_jats(changed, name=name).blocks}
        lost = {i: v for i, v in old.items() if new.get(i) != v}
        assert not lost, f"{name}, paragraph inserted at the {edit}: ids changed: {list(lost)[:5]}"
        added = [v for i, v in new.items() if i not in old]
        assert added == [("paragraph", INSERTED)], f"{name}, {edit}: {added}"
        edits += 1
    assert edits >= 2


# --------------------------------------------------------------------------- real articles


@cache
def _tar_members() -> dict[str, bytes]:
    with tarfile.open(TARBALL) as tar:
        return {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile() and m.name.endswith(".xml")
        }


def _member_names() -> list[object]:
    if not TARBALL.exists():
        return [pytest.param(None, id="shared-data-absent")]
    with tarfile.open(TARBALL) as tar:
        return [m.name for m in tar.getmembers() if m.isfile() and m.name.endswith(".xml")]


def _case_report_paths() -> list[object]:
    paths = sorted(CASE_REPORTS.glob("*.xml")) if CASE_REPORTS.is_dir() else []
    return paths or [pytest.param(None, id="shared-data-absent")]


def _check_real_article(data: bytes, name: str) -> Document:
    doc = parse_jats(data, name=name)
    again = parse_jats(data, name=name)
    assert _rows(doc) == _rows(again)
    ids = [b.id for b in doc.blocks]
    assert len(ids) == len(set(ids))
    assert any(b.kind == "paragraph" for b in doc.blocks), name
    assert doc.pmcid == Path(name).stem, name
    for block in doc.blocks:
        lines = block.text.split("\n") if block.kind == "table" else [block.text]
        assert all(line == " ".join(line.split()) for line in lines), (name, block.id)
        assert "\x00" not in block.text and block.text
        assert block.line is not None
    _check_captions(data, doc)
    return doc


def _check_captions(data: bytes, doc: Document) -> None:
    """Every fig / table-wrap / supplementary-material with caption text yields its block."""
    root = xmlsafe.parse(io.BytesIO(data)).getroot()
    by_line: dict[tuple[str, int | None], list[str]] = {}
    for block in doc.blocks:
        by_line.setdefault((block.kind, block.line), []).append(block.text)
    kinds = {"fig": "figure_caption", "table-wrap": "table_caption"}
    for tag, kind in kinds.items():
        for el in root.iter(f"{{*}}{tag}"):
            caption = next((c for c in el if _local(c) == "caption"), None)
            if caption is None or not "".join(caption.itertext()).strip():
                continue
            if el.get("id"):
                block = doc.block(caption.get("id") or el.get("id") + ".caption")
                assert block.kind == kind and block.line == caption.sourceline
            else:
                assert (kind, caption.sourceline) in by_line, (doc.source, el.sourceline)
    for el in root.iter("{*}supplementary-material"):
        caption = next(el.iter("{*}caption"), None)
        if caption is not None and "".join(caption.itertext()).strip():
            assert any(b.kind == "supplementary_caption" for b in doc.blocks), doc.source
    # a fig inside a paragraph leaves the paragraph's text
    for fig in root.iter("{*}fig"):
        parent = fig.getparent()
        caption = next((c for c in fig if _local(c) == "caption"), None)
        if parent is None or _local(parent) != "p" or caption is None:
            continue
        text = " ".join("".join(caption.itertext()).split())
        if len(text) > 20:
            assert not any(text in b.text for b in doc.blocks if b.kind == "paragraph"), (
                doc.source,
                fig.get("id"),
            )


@pytest.mark.realdata
@pytest.mark.parametrize("member", _member_names())
def test_every_shared_article(member: str | None) -> None:
    require(TARBALL)
    assert member is not None
    data = _tar_members()[member]
    _check_real_article(data, member)
    _check_insertions(data, member)


@pytest.mark.realdata
def test_all_139_shared_articles_are_there() -> None:
    require(TARBALL)
    assert len(_tar_members()) == 139


@pytest.mark.realdata
@pytest.mark.parametrize("path", _case_report_paths())
def test_shared_case_reports(path: Path | None) -> None:
    require(CASE_REPORTS)
    assert path is not None
    doc = parse_jats(path)
    assert doc.source == str(path)
    assert doc.article_type in ("case-report", "case-study")
    _check_real_article(path.read_bytes(), path.name)
    headings = [b.text for b in doc.blocks if b.kind == "heading"]
    assert any(h.lower().startswith("case") or h == "Case History" for h in headings), headings


@pytest.mark.realdata
def test_shared_case_report_sections_and_figure_in_paragraph() -> None:
    """PMC7500000: Background / Case presentation / Discussion / Conclusion; Fig. 1 sits in a <p>."""
    doc = parse_jats(require(CASE_REPORTS / "PMC7500000.xml"))
    top = [b.text for b in doc.blocks if b.kind == "heading" and len(b.section) == 1]
    assert top[:4] == ["Background", "Case presentation", "Discussion", "Conclusion"]
    assert [b.id for b in doc.blocks if b.kind == "abstract"] == ["Par1", "Par2", "Par3"]
    assert doc.block("Par2").section == ("Abstract", "Case presentation")
    fig = doc.block("Fig1.caption")
    assert (fig.kind, fig.label, fig.section) == (
        "figure_caption",
        "Fig. 1",
        ("Case presentation",),
    )
    position = doc.blocks.index(fig)
    assert doc.blocks[position - 1].id == "Par16"
    assert "Computed tomography of the patient" not in doc.block("Par16").text
    assert doc.block("Par16").text.endswith("(Fig. 1).")
