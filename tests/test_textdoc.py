"""parse_text: plain-text and Markdown reports into typed blocks with persistent ids."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from functools import lru_cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mmrare_core.documents.document import Block, Document
from mmrare_core.documents.text import parse_text
from mmrare_core.errors import DocumentError

from .conftest import SHARED_DATA, require

CASE_TEXTS = SHARED_DATA / "pmc_case_texts"
CASE_FILES = ("t2s2_case_report_bodies.jsonl.gz", "sepsis-100_case_report_bodies.jsonl.gz")


@lru_cache(maxsize=1)
def case_texts() -> tuple[tuple[str, str], ...]:
    """``(pmcid, text)`` of all 2,239 shared case texts (t2s2 first); skips when absent."""
    out = []
    for name in CASE_FILES:
        with gzip.open(require(CASE_TEXTS / name), "rt", encoding="utf-8") as fh:
            out += [(r["pmcid"], r["text"]) for r in map(json.loads, fh)]
    return tuple(out)


@lru_cache(maxsize=1)
def parsed_case_texts() -> tuple[tuple[str, Document], ...]:
    return tuple((pmcid, parse_text(text, pmcid)) for pmcid, text in case_texts())


def kinds(doc: Document) -> list[tuple[str, str]]:
    return [(b.kind, b.text) for b in doc.blocks]


# --------------------------------------------------------------------------- the invariant

_MARKDOWN = re.compile(r"#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*")


def expected_lines(text: str) -> list[str]:
    """The input's non-blank lines, stripped; the first without 'pmc'; '#' marks removed."""
    lines = [line.strip() for line in re.split(r"\r\n|\r|\n", text)]
    lines = [line for line in lines if line]
    if lines:
        lines[0] = re.sub(r"^pmc(?=[^a-z]|$)", "", lines[0]).strip()
    out = []
    for line in lines:
        match = _MARKDOWN.fullmatch(line)
        if match and match.group(1) and "\t" not in line:
            line = match.group(1)
        if line:
            out.append(line)
    return out


def rejoined(doc: Document) -> list[str]:
    """The blocks' texts joined: "" after a block that ends where the next starts, else \\n."""
    parts: list[str] = []
    end = None
    for block in doc.blocks:
        assert block.line is not None
        if parts and block.line == end:
            parts.append(block.text)
        else:
            parts += ["\n", block.text] if parts else [block.text]
        end = block.line + block.text.count("\n")
    return "".join(parts).split("\n")


# --------------------------------------------------------------------------- headings


@pytest.mark.parametrize(
    "line, title",
    [
        ("Introduction", "Introduction"),
        ("Case presentation", "Case presentation"),
        ("CASE REPORT", "CASE REPORT"),
        ("3 Discussion", "Discussion"),
        ("III. Discussion", "Discussion"),
        ("Conclusions:", "Conclusions:"),
        ("5. CONCLUSIONS", "CONCLUSIONS"),
        ("Clinical Message", "Clinical Message"),
    ],
)
def test_known_titles_are_headings(line: str, title: str) -> None:
    doc = parse_text(f"{line}\nFever is common.")
    assert kinds(doc) == [("heading", line), ("paragraph", "Fever is common.")]
    assert doc.blocks[1].section == (title,)


def test_numbered_headings_nest_by_depth() -> None:
    doc = parse_text("2 Case presentation\n\n2.1. Laboratory findings\n\nCRP 90.\n\n3 Discussion")
    _, sub, para, nxt = doc.blocks
    assert sub.kind == "heading" and sub.label == "2.1." and sub.text == "2.1. Laboratory findings"
    assert para.section == ("Case presentation", "Laboratory findings")
    assert nxt.section == ("Discussion",)


def test_unknown_heading_nests_under_named_heading() -> None:
    doc = parse_text("Case presentation\n\nChief complaints\n\nFever.\n\nDiscussion\n\nIt was X.")
    assert doc.blocks[2].section == ("Case presentation", "Chief complaints")
    assert doc.blocks[4].section == ("Discussion",)


def test_capital_unknown_heading_is_a_sibling_of_capital_heading() -> None:
    doc = parse_text(
        "PATIENT CONSENT\n\nObtained.\n\nEPIDEMIOLOGY AND GENOTYPES\n\nC gattii is rare."
    )
    assert doc.blocks[-1].section == ("EPIDEMIOLOGY AND GENOTYPES",)


@pytest.mark.parametrize(
    "text",
    [
        "Fever resolved after two days of treatment.",  # ends with a period
        "None",  # not_titles
        "Source of Support: Nil",  # run-in
        "C. indologenes",  # '. ' inside
        "M0",  # no word of three letters
        "fever and chills",  # no capital
        "1 year later",  # numbered, but no capital
    ],
)
def test_lines_that_are_not_headings(text: str) -> None:
    doc = parse_text(f"Introduction\n\n{text}\n\nMore text here.")
    assert doc.blocks[1].kind == "paragraph"


def test_unknown_heading_needs_blank_lines_around() -> None:
    doc = parse_text("Introduction\n\nShort line\nfollowed by text.")
    assert kinds(doc)[1] == ("paragraph", "Short line\nfollowed by text.")


def test_sentence_is_no_heading_even_when_a_title_pattern_matches() -> None:
    text = "Case report\n\nWritten informed consent was obtained for publication.\n\nA man of 13."
    doc = parse_text(text)
    assert [b.kind for b in doc.blocks] == ["heading", "paragraph", "paragraph"]
    assert doc.blocks[2].section == ("Case report",)


def test_key_points_box_ends_at_case_narrative() -> None:
    text = "KEY POINTS\n\nGonorrhea is rising.\n\nA 54-year-old man was sent to us.\n\nDiscussion"
    doc = parse_text(text)
    assert doc.blocks[1].section == ("KEY POINTS",)
    assert doc.blocks[2].section == ()


def test_highlights_box_ends_at_a_long_paragraph() -> None:
    long = "Emphysematous pyelonephritis is an uncommon renal infection. " * 12
    doc = parse_text(f"Highlights\n\nIt is rare.\n\n{long.strip()}\n\nCase presentation")
    assert [b.section for b in doc.blocks[1:3]] == [("Highlights",), ()]


# --------------------------------------------------------------------------- Markdown


def test_markdown_title_and_headings() -> None:
    doc = parse_text("# A rare case\n\n## Introduction\n\nText.\n\n### 2.1 Imaging ###\n\nCT.")
    assert kinds(doc)[:2] == [("title", "A rare case"), ("heading", "Introduction")]
    assert doc.title == "A rare case" and doc.blocks[0].id.startswith("front.title.")
    assert doc.blocks[3].text == "2.1 Imaging" and doc.blocks[3].label == "2.1"
    assert doc.blocks[4].section == ("Introduction", "Imaging")


def test_plain_known_title_in_markdown_takes_the_markdown_level() -> None:
    doc = parse_text("# T\n\n## Case\n\nText.\n\nDiscussion\n\nMore.\n\n## Funding\n\nNone.")
    assert doc.blocks[-1].section == ("Funding",)
    assert doc.blocks[-3].section == ("Discussion",)


# --------------------------------------------------------------------------- pmc artefact


@pytest.mark.parametrize(
    "first, kind, text",
    [
        ("pmcIntroduction", "heading", "Introduction"),
        ("pmc1 Introduction", "heading", "1 Introduction"),
        ("pmcHighlights", "heading", "Highlights"),
        ("pmcSir,", "paragraph", "Sir,"),
    ],
)
def test_pmc_artefact_removed_from_first_line(first: str, kind: str, text: str) -> None:
    doc = parse_text(f"{first}\n\nA patient.")
    assert kinds(doc)[0] == (kind, text)


def test_lone_pmc_line_disappears() -> None:
    assert kinds(parse_text("pmc\n\nA patient.")) == [("paragraph", "A patient.")]


# --------------------------------------------------------------------------- lists, tables


def test_list_items_and_wrapped_lines() -> None:
    doc = parse_text("Intro text.\n\n- fever\n- cough\n  lasting days\n1. first\n2) second")
    assert kinds(doc)[1:] == [
        ("list_item", "- fever"),
        ("list_item", "- cough\nlasting days"),
        ("list_item", "1. first"),
        ("list_item", "2) second"),
    ]


def test_table_rows_form_one_block() -> None:
    text = "Table 1 Laboratory findings.\n\nTest\tValue\t\nCRP\t90\t\nWBC\t12\t\n\nAfter."
    doc = parse_text(text)
    assert kinds(doc) == [
        ("table_caption", "Table 1 Laboratory findings."),
        ("table", "Test\tValue\nCRP\t90\nWBC\t12"),
        ("paragraph", "After."),
    ]


def test_markdown_like_table_row_is_a_table() -> None:
    assert parse_text("#\tSite\tResult\n1\tDrain\t-").blocks[0].kind == "table"


# --------------------------------------------------------------------------- captions


def test_caption_lines_and_references() -> None:
    text = (
        "The CT showed a mass (Fig. 1).\n\n"
        "Figure 1. CT of the chest showing a mass.\n\n"
        "Figure 2 shows the MRI.\n\n"
        "Table 1 Laboratory values"
    )
    doc = parse_text(text)
    assert [(b.kind, b.label) for b in doc.blocks] == [
        ("paragraph", ""),
        ("figure_caption", "Figure 1"),
        ("paragraph", ""),
        ("table_caption", "Table 1"),
    ]
    assert [b.id for b in doc.blocks if b.is_caption] == ["figure-1.caption", "table-1.caption"]


def test_glued_caption_is_split_off() -> None:
    doc = parse_text("Intro\n\nNo imaging was done.Fig. 1 Grossly necrotic scrotum.\n\nFig. 1")
    assert kinds(doc)[1:] == [
        ("paragraph", "No imaging was done."),
        ("figure_caption", "Fig. 1 Grossly necrotic scrotum."),
        ("figure_caption", "Fig. 1"),
    ]
    assert [b.line for b in doc.blocks[1:]] == [3, 3, 5]
    assert [b.id for b in doc.blocks[2:]] == ["figure-1.caption", "figure-1.label"]


def test_caption_continues_until_its_bare_label() -> None:
    text = "It was done.Fig. 1 CT image\n\nshowed an effusion (Figure1 a,b).\n\nFig. 1\n\nNext."
    doc = parse_text(text)
    assert [b.kind for b in doc.blocks] == ["paragraph", *["figure_caption"] * 3, "paragraph"]
    assert doc.blocks[2].id.startswith("figure-1.caption.") and doc.blocks[2].label == "Fig. 1"


def test_continuation_needs_the_same_label_and_only_paragraphs_between() -> None:
    other = parse_text("Fig. 1 CT image.\n\nA paragraph.\n\nFig. 2")
    assert other.blocks[1].kind == "paragraph"
    heading = parse_text("Fig. 1 CT image.\n\nDiscussion\n\nA paragraph.\n\nFig. 1")
    assert heading.blocks[2].kind == "paragraph"


def test_bare_label_inside_a_sentence_is_a_reference() -> None:
    doc = parse_text("The CT confirmed it (\nFig. 1\n). Then, as shown in\nFig. 2\n, it grew.")
    assert kinds(doc) == [
        ("paragraph", "The CT confirmed it (\nFig. 1\n). Then, as shown in\nFig. 2\n, it grew.")
    ]


def test_bare_label_takes_the_caption_text_below_it() -> None:
    doc = parse_text(
        "He died.\nFigure 1.\nA, Histological sections.\n\nSupplementary Data\nVideo 1\nA view."
    )
    assert kinds(doc) == [
        ("paragraph", "He died."),
        ("figure_caption", "Figure 1.\nA, Histological sections."),
        ("heading", "Supplementary Data"),
        ("supplementary_caption", "Video 1\nA view."),
    ]
    assert [b.id for b in doc.blocks if b.is_caption] == ["figure-1.caption", "video-1.caption"]


def test_caption_line_wrapped_over_two_lines_is_one_block() -> None:
    doc = parse_text("Figure 3 T2-FLAIR images showing\nhyperintense lesions.\nFigure 4 CT.")
    assert kinds(doc) == [
        ("figure_caption", "Figure 3 T2-FLAIR images showing\nhyperintense lesions."),
        ("figure_caption", "Figure 4 CT."),
    ]


def test_supplementary_captions() -> None:
    doc = parse_text("Supplementary Fig. S1 Timeline.\n\nVideo 1\n\nFig. S2. Histology.")
    assert [(b.kind, b.label) for b in doc.blocks] == [
        ("supplementary_caption", "Supplementary Fig. S1"),
        ("supplementary_caption", "Video 1"),
        ("supplementary_caption", "Fig. S2"),
    ]
    assert [b.id for b in doc.blocks] == [
        "supplementary-fig-s1.caption",
        "video-1.label",
        "fig-s2.caption",
    ]


# --------------------------------------------------------------------------- ids, lines, errors


def test_ids_follow_the_scheme() -> None:
    doc = parse_text("Case presentation\n\nA man.\n\nA man.\n\nTable 1 Labs.\n\nTable 1 Labs.")
    ids = [b.id for b in doc.blocks]
    assert re.fullmatch(r"case-presentation\.h\.[0-9a-f]{8}", ids[0])
    assert re.fullmatch(r"case-presentation\.p\.[0-9a-f]{8}", ids[1])
    assert ids[2] == ids[1] + ".2"
    assert ids[3:] == ["table-1.caption", "table-1.caption.2"]
    assert parse_text("A man.").blocks[0].id.startswith("body.p.")


def test_id_hash_uses_the_shared_normalization() -> None:
    a = parse_text("Intro\n\nThe patient\u2019s CRP was 90.").blocks[1].id
    b = parse_text("Intro\n\nTHE PATIENT'S  CRP WAS 90.").blocks[1].id
    assert a == b


def test_lines_are_one_based_and_windows_line_ends_work() -> None:
    doc = parse_text("\r\nIntroduction\r\n\r\nA man.\rA woman.\n\nEnd.")
    assert [(b.text, b.line) for b in doc.blocks] == [
        ("Introduction", 2),
        ("A man.\nA woman.", 4),
        ("End.", 7),
    ]


def test_empty_text_is_a_document_error() -> None:
    with pytest.raises(DocumentError, match=r"my\.txt: no text"):
        parse_text(" \n\t\n", "my.txt")


def test_non_str_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="bytes"):
        parse_text(b"text")  # type: ignore[arg-type]


def test_source_and_pmcid_are_kept() -> None:
    doc = parse_text("Text.", "case.txt", pmcid="PMC1")
    assert (doc.source, doc.pmcid, doc.title) == ("case.txt", "PMC1", "")


# --------------------------------------------------------------------------- properties

_WORDS = st.sampled_from(
    ["the", "patient", "had", "fever", "cough", "pain", "mass", "was", "seen", "on", "day", "two"]
)
_SENTENCE = st.lists(_WORDS, min_size=2, max_size=9).map(lambda w: " ".join(w).capitalize() + ".")
_HEADINGS = st.sampled_from(
    [
        "Introduction", "CASE REPORT", "3 Discussion", "2.1. Laboratory findings", "Conclusions:",
        "## Discussion", "### Treatment", "Chief complaints", "Funding", "Learning points",
        "Highlights", "pmcIntroduction",
    ]
)  # fmt: skip


@st.composite
def _paragraph(draw: st.DrawFn) -> str:
    lines = draw(st.lists(_SENTENCE, min_size=1, max_size=3))
    glued = draw(st.sampled_from(["", ".Fig. 1 Axial CT of the chest.", "(Table 2)Table 2 Labs"]))
    text = "\n".join(lines)
    return text[:-1] + glued if glued else text


_CHUNKS = st.one_of(
    _HEADINGS,
    _paragraph(),
    _SENTENCE.map(lambda s: f"- {s}"),
    st.sampled_from(
        [
            "Figure 3. CT of the chest showing a mass.",
            "Fig. 4 Histology.\nThe second line of the caption.",
            "Fig. 6",
            "Figure 5 shows the MRI.",
            "A mass was seen (Fig. 3).",
            "Test\tValue\t\nCRP\t90\t",
            "# Not first, so a heading",
        ]
    ),
)


@given(st.lists(_CHUNKS, min_size=1, max_size=12), st.sampled_from(["\n\n", "\n\n\n", "\r\n\r\n"]))
def test_blocks_rejoined_give_the_non_blank_lines(chunks: list[str], sep: str) -> None:
    text = sep.join(chunks)
    doc = parse_text(text)
    assert rejoined(doc) == expected_lines(text)


@given(
    st.lists(_CHUNKS, min_size=1, max_size=12),
    st.integers(min_value=1, max_value=12),
    st.sampled_from(["Zebra unrelated note.", "An unrelated remark on logistics here."]),
)
def test_ids_survive_an_unrelated_paragraph(chunks: list[str], at: int, extra: str) -> None:
    before = parse_text("\n\n".join(chunks))
    chunks.insert(min(at, len(chunks)), extra)
    after = parse_text("\n\n".join(chunks))
    new = {b.id: b for b in after.blocks}
    for block in before.blocks:
        assert block.id in new, block
        assert (new[block.id].kind, new[block.id].text) == (block.kind, block.text)
    assert len(after.blocks) == len(before.blocks) + 1


@given(st.lists(_CHUNKS, min_size=1, max_size=12))
def test_parsing_is_deterministic(chunks: list[str]) -> None:
    text = "\n\n".join(chunks)
    assert parse_text(text) == parse_text(text)


def test_glued_caption_split_keeps_the_invariant() -> None:
    text = "Line one\nand two.Fig. 1 Caption.Fig. 2 Next caption"
    doc = parse_text(text)
    assert kinds(doc) == [
        ("paragraph", "Line one\nand two."),
        ("figure_caption", "Fig. 1 Caption."),
        ("figure_caption", "Fig. 2 Next caption"),
    ]
    assert rejoined(doc) == expected_lines(text)


# --------------------------------------------------------------------------- real data


@pytest.mark.realdata
def test_every_shared_case_text_parses_and_keeps_the_invariant() -> None:
    texts = dict(case_texts())
    parsed = parsed_case_texts()
    assert len(parsed) == 2239
    for pmcid, doc in parsed:
        assert doc.blocks, pmcid
        assert rejoined(doc) == expected_lines(texts[pmcid]), pmcid
        assert all(isinstance(b, Block) and b.line for b in doc.blocks)


@pytest.mark.realdata
def test_shared_case_texts_headings_and_captions() -> None:
    counts: Counter[str] = Counter()
    for _, doc in parsed_case_texts():
        counts.update(b.kind for b in doc.blocks)
        for block in doc.blocks:
            if block.is_caption:
                counts[block.id.split(".")[1]] += 1  # caption | label
                counts["continuation"] += bool(re.search(r"\.caption\.[0-9a-f]{8}", block.id))
    # measured: 14,201 headings; 6,272 figure, 996 table and 215 supplementary caption
    # blocks, of which 852 bare labels and 54 caption paragraphs before a bare label
    assert counts["heading"] > 13_500
    assert counts["figure_caption"] > 6_000
    assert counts["table_caption"] > 900
    assert counts["supplementary_caption"] > 150
    assert 800 < counts["label"] < 950
    assert 40 < counts["continuation"] < 80
