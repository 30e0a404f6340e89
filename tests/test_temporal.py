"""T4 truncation: a prefix, at a sentence boundary, with no withheld test in it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mmrare_core.documents.document import Block, Document
from mmrare_core.text.normalize import normalize
from mmrare_core.views.t4_truncation import sentences, truncate_at, truncate_before


def doc_of(*paragraphs: str) -> Document:
    return Document(tuple(Block(f"p{i}", "paragraph", t) for i, t in enumerate(paragraphs)))


def test_cut_before_first_mention_at_sentence_boundary() -> None:
    doc = doc_of("Fever began. The CRP was high.", "A CT scan showed an abscess. He recovered.")
    result = truncate_before(doc, ["CT"])
    assert result.document.text == "Fever began. The CRP was high."
    assert result.cut.test == "CT" and result.cut.test_block == "p1" and result.cut.offset == 0


def test_cut_moves_back_to_a_near_temporal_cue() -> None:
    doc = doc_of(
        "He was admitted. Two weeks later, he worsened. His gait was unsteady. An MRI was done."
    )
    result = truncate_before(doc, ["MRI"])
    assert result.document.text == "He was admitted."
    assert result.cut.cue_rule == "cue_relative_later"
    assert result.cut.cue_text is not None and result.cut.cue_text.lower() == "two weeks later"


def test_short_names_match_exactly_with_their_capitals() -> None:
    doc = doc_of("The act was voluntary. Vital signs were normal. CT was done.")
    assert truncate_before(doc, ["CT"]).document.text.endswith("Vital signs were normal.")
    assert truncate_before(doc, ["ct"]).cut.test == "ct"  # lower-case test names fold case
    doc2 = doc_of("Strict control was kept. CTA was done.")
    assert truncate_before(doc2, ["CT"]).cut.reason == "no_mention"


def test_long_names_match_near_misses() -> None:
    doc = doc_of("She had seizures. Whole-exome sequencng found a variant.")
    result = truncate_before(doc, ["whole exome sequencing"])
    assert result.document.text == "She had seizures."
    assert result.cut.match is not None and result.cut.match.startswith("fuzzy:")


def test_abbreviations_do_not_end_sentences() -> None:
    doc = doc_of("Dr. Smith saw him (Fig. 2). He had e.g. rash. The biopsy was done.")
    texts = [s.text for s in sentences(doc)]
    assert texts == ["Dr. Smith saw him (Fig. 2).", "He had e.g. rash.", "The biopsy was done."]


def test_too_little_narrative_is_flagged() -> None:
    result = truncate_before(doc_of("An MRI was done first."), ["MRI"])
    assert result.document.text == "" and result.cut.too_little_left


def test_no_mention_keeps_everything() -> None:
    doc = doc_of("Nothing here.")
    result = truncate_before(doc, ["MRI"])
    assert result.document == doc and result.cut.reason == "no_mention"


def test_truncate_at_a_given_cue() -> None:
    doc = doc_of("He was admitted.", "On day 6 the rash spread. He improved.")
    result = truncate_at(doc, "on day 6")
    assert result.document.text == "He was admitted." and result.cut.reason == "cue"


# --------------------------------------------------------------------------- properties

TESTS = ["MRI", "CT", "echocardiography", "bone marrow biopsy", "whole exome sequencing", "EEG"]
WORDS = ["the", "patient", "had", "fever", "a", "rash", "was", "seen", "Dr.", "Fig.", "2", "on",
         "day", "6", "later", "weeks", "two", "at", "follow-up", "CTA", "act", "marrow"]  # fmt: skip


@st.composite
def sentence(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(WORDS + TESTS), min_size=1, max_size=9))
    text = " ".join(words)
    return text[0].upper() + text[1:] + draw(st.sampled_from([".", "!", "?"]))


@st.composite
def document(draw: st.DrawFn) -> Document:
    paragraphs = draw(
        st.lists(st.lists(sentence(), min_size=1, max_size=4), min_size=1, max_size=5)
    )
    return doc_of(*(" ".join(p) for p in paragraphs))


def _mentions(text: str, test: str) -> bool:
    """Independent check: the test's normalized name at word boundaries."""
    key = re.escape(normalize(test).text)
    flags = 0 if test.isupper() else re.IGNORECASE
    haystack = text if test.isupper() else normalize(text).text
    return re.search(rf"(?<![\w]){key}(?![\w])", haystack, flags) is not None


@given(document(), st.lists(st.sampled_from(TESTS), min_size=1, max_size=3))
def test_truncation_properties(doc: Document, tests: list[str]) -> None:
    result = truncate_before(doc, tests)
    out = result.document.text
    assert doc.text.startswith(out)  # a prefix of the input
    ends = {0}
    offset = 0
    for block in doc.blocks:
        for s in sentences(Document((block,))):
            ends.add(offset + s.end)
        offset += len(block.text) + 2
    assert len(out) in ends  # ends at a sentence boundary
    assert not any(_mentions(out, t) for t in tests)  # mentions no withheld test
    assert result.cut.kept_chars == len(out)


@given(document())
def test_truncation_is_idempotent(doc: Document) -> None:
    once = truncate_before(doc, ["MRI", "bone marrow biopsy"]).document
    assert truncate_before(once, ["MRI", "bone marrow biopsy"]).document == once


@pytest.mark.realdata
def test_real_case_texts_truncate_cleanly() -> None:
    import gzip
    import json

    from .conftest import SHARED_DATA, require

    path = require(SHARED_DATA / "pmc_case_texts" / "t2s2_case_report_bodies.jsonl.gz")
    tests = ["MRI", "CT", "biopsy", "echocardiography", "whole exome sequencing"]
    cut = 0
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for _, line in zip(range(200), fh, strict=False):
            text = json.loads(line)["text"]
            doc = doc_of(*[p for p in text.split("\n\n") if p.strip()])
            result = truncate_before(doc, tests)
            assert doc.text.startswith(result.document.text)
            assert not any(_mentions(result.document.text, t) for t in tests if t.isupper())
            cut += result.cut.reason == "withheld_test"
    assert cut > 100


def test_plural_test_names_are_mentions() -> None:
    """Regression (recall run): 'biopsies' and 'MRIs' were neither cut nor flagged."""
    doc = doc_of("He had fever. Two skin biopsies were taken. MRIs were done.")
    assert truncate_before(doc, ["biopsy"]).document.text == "He had fever."
    assert truncate_before(doc, ["MRI"]).document.text.endswith("were taken.")
