"""Evidence chains: claim count, cited blocks, quotes found exactly, fuzzily or not at all."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mmrare_core.audit.evidence import (
    FUZZY_MIN_CHARS,
    check_evidence,
    evidence_findings,
    find_document,
    locate_quote,
)
from mmrare_core.audit.findings import REJECT, WARN, Finding
from mmrare_core.documents.document import Block, Document
from mmrare_core.text.normalize import normalize_text

P1 = "A 9-year-old boy had burning pain in the hands and feet since the age of six."
P2 = "Examination found angiokeratomas on the trunk \u2014 and whorled corneal opacities."
DOC = Document(
    (Block("p1", "paragraph", P1), Block("case.p.3f2a9c1e", "paragraph", P2)),
    source="PMC123.xml",
)
GOOD = [
    {"claim": "Acroparesthesia", "block": "p1", "quote": "burning pain in the hands"},
    {"claim": "Skin", "block": "case.p.3f2a9c1e", "quote": "angiokeratomas on the trunk"},
]

JATS = b"""<?xml version="1.0"?>
<article article-type="case-report"><front><article-meta>
<article-id pub-id-type="pmc">123</article-id></article-meta></front>
<body><sec id="s1"><title>Case presentation</title>
<p id="p1">A 9-year-old boy had burning pain in the hands and feet since the age of six.</p>
</sec></body></article>"""


def item(*claims: dict[str, Any], pmcid: str = "PMC123") -> dict[str, Any]:
    return {"question": "Q?", "pmcid": pmcid, "evidence_chain": list(claims)}


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    finding = findings[0]
    assert finding.check == "evidence"
    assert finding.field == "evidence_chain"
    return finding


def test_a_sound_chain_has_no_finding() -> None:
    assert evidence_findings(item(*GOOD), DOC) == []


@pytest.mark.parametrize("count", [0, 1, 6])
def test_chain_length_outside_two_to_five_is_rejected(count: int) -> None:
    claims = (GOOD * 3)[:count]
    finding = only(evidence_findings(item(*claims), DOC))
    assert (finding.severity, finding.rule) == (REJECT, "evidence_chain_length")
    assert finding.message == f"evidence_chain has {count} claim(s); an item needs 2-5 claims"


def test_six_claims_are_still_checked_one_by_one() -> None:
    claims = [*GOOD * 2, GOOD[0], {**GOOD[1], "block": "nowhere"}]
    rules = [f.rule for f in evidence_findings(item(*claims), DOC)]
    assert rules == ["evidence_chain_length", "evidence_block_missing"]


@pytest.mark.parametrize(
    ("chain", "problem"), [(None, "is missing"), ("p1: quote", "is a str, not a list of claims")]
)
def test_a_missing_or_malformed_chain_is_rejected(chain: Any, problem: str) -> None:
    record = {"question": "Q?"} if chain is None else {"question": "Q?", "evidence_chain": chain}
    finding = only(evidence_findings(record, DOC))
    assert (finding.severity, finding.rule) == (REJECT, "evidence_chain_length")
    assert finding.message.startswith(f"evidence_chain {problem}")
    finding = only(evidence_findings(record, None))  # counted without a document too
    assert finding.rule == "evidence_chain_length"


@pytest.mark.parametrize(
    ("claim", "problem"),
    [
        ("just text", "expected an object with claim, block and quote, got a str"),
        ({"claim": "c", "block": "p1"}, "'quote' must be a non-blank string"),
        ({"claim": "c", "block": 3, "quote": "q"}, "'block' must be a non-blank string"),
        ({"claim": "c", "block": "p1", "quote": "   "}, "'quote' must be a non-blank string"),
    ],
)
def test_a_malformed_claim_is_rejected_by_entry(claim: Any, problem: str) -> None:
    finding = only(evidence_findings(item(GOOD[0], claim), DOC))
    assert (finding.severity, finding.rule) == (REJECT, "evidence_claim_malformed")
    assert finding.message == f"evidence_chain[1]: {problem}"


def test_a_missing_block_is_rejected_naming_id_and_document() -> None:
    finding = only(evidence_findings(item(GOOD[0], {**GOOD[1], "block": "s9.p.deadbeef"}), DOC))
    assert (finding.severity, finding.rule, finding.span) == (
        REJECT,
        "evidence_block_missing",
        None,
    )
    assert finding.message == "evidence_chain[1].block: no block 's9.p.deadbeef' in PMC123.xml"


def test_an_exact_quote_is_found_at_its_offsets() -> None:
    match = locate_quote(P1, "burning pain in the hands")
    assert (match.kind, match.score) == ("exact", 100.0)
    assert match.span is not None and P1[slice(*match.span)] == "burning pain in the hands"


@pytest.mark.parametrize(
    ("quote", "original"),
    [
        ("BURNING PAIN in the Hands", "burning pain in the hands"),
        ("burning\n  pain   in the\thands", "burning pain in the hands"),
        ("9\u2013year\u2011old boy", "9-year-old boy"),
        ("trunk - and whorled", "trunk \u2014 and whorled"),
        ("angio\u00adkeratomas", "angiokeratomas"),
        ("  on the trunk  ", "on the trunk"),
    ],
)
def test_a_quote_differing_in_case_space_or_dashes_is_exact(quote: str, original: str) -> None:
    text = P1 if original in P1 else P2
    match = locate_quote(text, quote)
    assert match.kind == "exact"
    assert match.span is not None and text[slice(*match.span)] == original
    claim = {"claim": "c", "block": "p1" if text is P1 else "case.p.3f2a9c1e", "quote": quote}
    assert evidence_findings(item(GOOD[0], claim), DOC) == []


def test_a_near_miss_quote_is_a_fuzzy_warning_with_its_span() -> None:
    claim = {**GOOD[1], "quote": "angiokeratoma on the trunks"}
    finding = only(evidence_findings(item(GOOD[0], claim), DOC))
    assert (finding.severity, finding.rule) == (WARN, "evidence_quote_fuzzy")
    assert finding.message.startswith(
        "evidence_chain[1].quote: not found exactly in block 'case.p.3f2a9c1e' of PMC123.xml"
    )
    assert "threshold 90" in finding.message
    assert finding.span is not None
    assert "angiokeratomas on the trunk" in P2[slice(*finding.span)]


def test_the_fuzzy_threshold_is_a_parameter() -> None:
    claim = {**GOOD[1], "quote": "angiokeratoma on the trunks"}
    strict = only(evidence_findings(item(GOOD[0], claim), DOC, fuzzy_threshold=99))
    assert strict.rule == "evidence_quote_missing"


def test_a_missing_quote_is_rejected() -> None:
    claim = {**GOOD[0], "quote": "seizures since infancy"}
    finding = only(evidence_findings(item(claim, GOOD[1]), DOC))
    assert (finding.severity, finding.rule, finding.span) == (
        REJECT,
        "evidence_quote_missing",
        None,
    )
    assert finding.message.startswith(
        "evidence_chain[0].quote: 'seizures since infancy' is not found in block 'p1' of PMC123.xml"
    )


def test_a_quote_from_another_block_is_missing() -> None:
    claim = {**GOOD[0], "quote": "whorled corneal opacities"}
    assert only(evidence_findings(item(claim, GOOD[1]), DOC)).rule == "evidence_quote_missing"


def test_short_quotes_must_match_exactly() -> None:
    assert len("hnads") < FUZZY_MIN_CHARS
    assert locate_quote(P1, "hnads").kind == "missing"


def test_a_quote_longer_than_its_block_is_not_found_inside_the_quote() -> None:
    """partial_ratio would score the block inside the quote at 100."""
    assert locate_quote("Fever.", "Fever. Then a rash, seizures and coma.").kind == "missing"
    assert locate_quote("Fever and rash.", "Fever and rashes.").kind == "fuzzy"


def test_without_a_document_the_check_says_it_did_not_run() -> None:
    finding = only(evidence_findings(item(*GOOD), None))
    assert (finding.severity, finding.rule) == (WARN, "evidence_unchecked")
    assert "2 claim(s) were not checked" in finding.message
    assert "--documents DIR" in finding.message


# --------------------------------------------------------------------------- documents


def test_find_document(tmp_path: Path) -> None:
    assert find_document(tmp_path, "PMC123") is None
    (tmp_path / "PMC123.txt").write_text("text")
    assert find_document(tmp_path, "PMC123") == tmp_path / "PMC123.txt"
    assert find_document(tmp_path, "123") == tmp_path / "PMC123.txt"
    (tmp_path / "PMC123.xml").write_bytes(JATS)
    assert find_document(tmp_path, "pmc123") == tmp_path / "PMC123.xml"  # .xml before .txt
    (tmp_path / "PMC7.xml.gz").write_bytes(gzip.compress(JATS))
    assert find_document(tmp_path, "PMC7") == tmp_path / "PMC7.xml.gz"
    (tmp_path / "PMC8.nxml").mkdir()  # not a file
    assert find_document(tmp_path, "PMC8") is None


@pytest.mark.parametrize("pmcid", ["../PMC123", "/etc/passwd", "..", "a/b", ""])
def test_find_document_refuses_paths(tmp_path: Path, pmcid: str) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "PMC123.xml").write_bytes(JATS)
    assert find_document(tmp_path / "docs", pmcid) is None


def test_check_evidence_reads_the_document(tmp_path: Path) -> None:
    (tmp_path / "PMC123.xml").write_bytes(JATS)
    claims = [GOOD[0], {**GOOD[0], "quote": "feet since the age of six"}]
    assert check_evidence(item(*claims), tmp_path) == []
    missing = check_evidence(item(*GOOD), tmp_path)
    assert [f.rule for f in missing] == ["evidence_block_missing"]
    assert str(tmp_path / "PMC123.xml") in missing[0].message


def test_check_evidence_reads_gzipped_jats_and_text(tmp_path: Path) -> None:
    (tmp_path / "PMC9.xml.gz").write_bytes(gzip.compress(JATS))
    assert check_evidence(item(GOOD[0], GOOD[0], pmcid="PMC9"), tmp_path) == []
    (tmp_path / "PMC10.txt").write_text("Case presentation\n\nA boy had a rash.\n")
    found = check_evidence(item(GOOD[0], GOOD[0], pmcid="PMC10"), tmp_path)
    assert {f.rule for f in found} == {"evidence_block_missing"}


@pytest.mark.parametrize(
    ("setup", "pmcid", "reason"),
    [
        ("no-dir", "PMC123", "no documents folder was given (--documents DIR)"),
        ("empty", "", "the item has no pmcid"),
        ("empty", "PMC404", "no document for PMC404 in"),
        ("xxe", "PMC123", "could not be read"),
    ],
)
def test_check_evidence_says_why_it_could_not_run(
    tmp_path: Path, setup: str, pmcid: str, reason: str
) -> None:
    if setup == "xxe":
        (tmp_path / "PMC123.xml").write_bytes(
            b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<article><body><p>&x;</p></body></article>"
        )
    record = item(*GOOD, pmcid=pmcid)
    finding = only(check_evidence(record, None if setup == "no-dir" else tmp_path))
    assert (finding.severity, finding.rule) == (WARN, "evidence_unchecked")
    assert reason in finding.message


# --------------------------------------------------------------------------- properties


@given(st.text(min_size=1), st.data())
def test_any_slice_of_a_block_is_found_exactly(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    quote = text[start:end]
    assume(quote.strip())
    match = locate_quote(text, quote)
    assert match.kind == "exact"
    assert match.span is not None and text[slice(*match.span)] == quote.strip()
    doc = Document((Block("b1", "paragraph", text),), source="doc")
    claim = {"claim": "c", "block": "b1", "quote": quote}
    assert evidence_findings(item(claim, claim), doc) == []


WORDS = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=8
)
GAPS = st.sampled_from([" ", "  ", "\n", " \t ", "-", " - "])
NOISE = {
    " ": ["\u00a0", "\n", "  ", " \u200b"],
    "-": ["\u2013", "\u2011", "\u2212"],
    "'": ["\u2019"],
}


@given(st.lists(st.tuples(WORDS, GAPS), min_size=1, max_size=12), st.data())
def test_a_slice_with_case_space_and_dash_noise_is_found_exactly(
    parts: list[tuple[str, str]], data: st.DataObject
) -> None:
    text = "".join(word + gap for word, gap in parts)
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    quote = "".join(
        data.draw(st.sampled_from([c, c.swapcase(), *NOISE.get(c, [])])) for c in text[start:end]
    )
    assume(normalize_text(quote).strip())
    match = locate_quote(text, quote)
    assert match.kind == "exact"
    assert match.span is not None
    assert normalize_text(text[slice(*match.span)]).strip() == normalize_text(quote).strip()
