"""Layer 1: section rules drop the title, abstract, summaries, conclusions and back matter."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mmrare_core.documents.document import Block, Document
from mmrare_core.documents.sections import SectionRules, default_section_rules
from mmrare_core.errors import RuleFileError
from mmrare_core.rules.files import RULE_FILES, rules_path
from mmrare_core.views.l1_sections import drop_reason, layer1

from .test_textdoc import parsed_case_texts


@pytest.fixture(scope="module")
def rules() -> SectionRules:
    return default_section_rules()


def doc_of(*blocks: Block) -> Document:
    return Document(tuple(blocks), source="test")


def para(block_id: str, text: str = "A 40-year-old man.", *section: str) -> Block:
    return Block(block_id, "paragraph", text, tuple(section))


# --------------------------------------------------------------------------- titles, by rule

#: (title as written, rule id that names it, Layer 1 drops it)
TITLES = [
    ("Abstract", "abstract", True),
    ("Graphical abstract", "abstract", True),
    ("Keywords", "keywords", True),
    ("Key words:", "keywords", True),
    ("Highlights", "highlights", True),
    ("Highlight box", "highlights", True),
    ("Learning points", "take_home", True),
    ("LEARNING POINTS", "take_home", True),
    ("Learning points/take home messages", "take_home", True),
    ("Take-home messages", "take_home", True),
    ("Key Points", "take_home", True),
    ("Clinical Message", "take_home", True),
    ("What to Learn from this Article?", "take_home", True),
    ("Lessons", "take_home", True),
    ("Conclusion", "conclusion", True),
    ("Conclusions", "conclusion", True),
    ("CONCLUSIONS:", "conclusion", True),
    ("5. Conclusions", "conclusion", True),
    ("4 Conclusion", "conclusion", True),
    ("III. CONCLUSION", "conclusion", True),
    ("3.2 Conclusion:", "conclusion", True),
    ("Concluding remarks", "conclusion", True),
    ("Summary", "conclusion", True),
    ("In summary", "conclusion", True),
    ("\u29c9 Conclusions", "conclusion", True),
    ("Conclusions and learning points", "conclusion", True),
    ("Conclusion/Key Points for Primary Care Physicians", "conclusion", True),
    ("Acknowledgements", "acknowledgements", True),
    ("Acknowledgments", "acknowledgements", True),
    ("ACKNOWLEDGEMENT", "acknowledgements", True),
    ("Funding", "funding", True),
    ("Financial support and sponsorship", "funding", True),
    ("Sources of funding", "funding", True),
    ("Conflicts of interest", "competing_interests", True),
    ("Conflict of Interest Statement", "competing_interests", True),
    ("Declaration of competing interest", "competing_interests", True),
    ("Competing interests", "competing_interests", True),
    ("Disclosures", "competing_interests", True),
    ("Declarations", "declarations", True),
    ("Consent", "ethics_consent", True),
    ("Declaration of patient consent", "ethics_consent", True),
    ("Patient\u2019s consents", "ethics_consent", True),
    ("Ethical approval", "ethics_consent", True),
    ("Statement of Ethics", "ethics_consent", True),
    ("Ethics approval and consent to participate", "ethics_consent", True),
    ("Author contributions", "author_contributions", True),
    ("Authors\u2019 contributions", "author_contributions", True),
    ("CRediT authorship contribution statement", "author_contributions", True),
    ("Guarantor", "author_contributions", True),
    ("Lead author biography", "author_contributions", True),
    ("References", "references", True),
    ("Data Availability Statement", "data_availability", True),
    ("Availability of data and materials", "data_availability", True),
    ("Abbreviations", "abbreviations", True),
    ("List of abbreviations", "abbreviations", True),
    ("Supplementary Material", "supplementary_material", True),
    ("Appendix A. Supplementary data", "supplementary_material", True),
    ("Provenance and peer review", "publisher_metadata", True),
    ("Peer-review report\u2019s scientific quality classification", "publisher_metadata", True),
    ("Introduction", "body_section", False),
    ("Case presentation", "body_section", False),
    ("CASE REPORT", "body_section", False),
    ("2 Case presentation", "body_section", False),
    ("Case 2", "body_section", False),
    ("Discussion", "body_section", False),
    ("Discussion and Conclusions", "body_section", False),
    ("Patient perspective", "body_section", False),
    ("Case summary", "body_section", False),
]


@pytest.mark.parametrize(
    "title, rule, drop", TITLES, ids=[f"{rule}:{title}" for title, rule, _ in TITLES]
)
def test_title_rules(rules: SectionRules, title: str, rule: str, drop: bool) -> None:
    found = rules.match_title(title)
    assert found is not None, f"rule {rule!r} should name {title!r}"
    assert (found.rule, found.drop) == (rule, drop), title


@pytest.mark.parametrize(
    "title", ["Chief complaints", "Laboratory findings", "Conclusion of the surgery was late", ""]
)
def test_titles_no_rule_names(rules: SectionRules, title: str) -> None:
    assert rules.match_title(title) is None or not rules.match_title(title).drop  # type: ignore[union-attr]


def test_title_key(rules: SectionRules) -> None:
    assert rules.title_key("  5. CONCLUSIONS:  ") == "conclusions"
    assert rules.title_key("2.1. Laboratory  Findings") == "laboratory findings"
    assert rules.title_key("Authors\u2019 contributions") == "authors' contributions"
    assert rules.split_numbering("2.1. Laboratory findings") == ("2.1.", "Laboratory findings", 2)
    assert rules.split_numbering("III. Discussion") == ("III.", "Discussion", 1)
    assert rules.split_numbering("1 year later") == ("1", "year later", 1)  # no heading: lower case
    assert rules.split_numbering("V. vulnificus grew") == ("", "V. vulnificus grew", 0)


def test_match_heading_refuses_sentences_for_patterns(rules: SectionRules) -> None:
    sentence = "Written informed consent was obtained for publication of this report."
    assert rules.match_title(sentence) is not None  # the pattern alone would name it
    assert rules.match_heading(sentence) is None
    assert rules.match_heading("Patient consent for publication") is not None


# --------------------------------------------------------------------------- layer1, by rule


@pytest.mark.parametrize(
    "kind, rule", [("title", "front_matter"), ("abstract", "front_matter"),
                   ("keywords", "front_matter"), ("back_matter", "back_matter")],
)  # fmt: skip
def test_drop_kinds(kind: str, rule: str) -> None:
    doc = Document((Block("x", kind, "Text."), para("p")), title="Text.")
    kept, dropped = layer1(doc)
    assert [b.id for b in kept.blocks] == ["p"]
    assert [(d.block.id, d.rule, d.title) for d in dropped] == [("x", rule, "")]
    assert kept.title == ""


def test_outermost_dropped_title_decides(rules: SectionRules) -> None:
    block = para("p", "Text.", "Declarations", "Funding")
    found = drop_reason(block, rules)
    assert found is not None and (found.rule, found.title) == ("declarations", "Declarations")


def test_heading_is_dropped_by_its_own_title_without_section() -> None:
    doc = doc_of(Block("h", "heading", "Conclusions"), para("p"))
    assert [d.rule for d in layer1(doc).dropped] == ["conclusion"]


def test_subsection_of_conclusion_is_dropped() -> None:
    doc = doc_of(para("p", "It was X.", "Conclusion", "Key message"))
    assert [d.rule for d in layer1(doc).dropped] == ["conclusion"]


@pytest.mark.parametrize(
    "text, rule",
    [
        ("Conflict of Interest: Nil", "competing_interests"),
        ("Source of Support: Nil", "funding"),
        ("Consent: The authors confirm consent.", "ethics_consent"),
        ("Informed consent statement: Obtained.", "ethics_consent"),
        ("Peer-review model: Single blind", "publisher_metadata"),
        ("Conclusions: This case shows X.", "conclusion"),
        ("Keywords: sepsis; fever", "keywords"),
    ],
)
def test_run_in_titles(text: str, rule: str) -> None:
    dropped = layer1(doc_of(para("p", text, "Discussion"))).dropped
    assert [d.rule for d in dropped] == [rule], rule


@pytest.mark.parametrize(
    "text",
    [
        "Diagnosis: pheochromocytoma was confirmed.",  # body run-in
        "The patient gave consent: surgery followed.",  # not a title (patterns never run in)
        "Abbreviations: CT, computed tomography.",  # a figure note, not a section
        "Ratio 1:2 in the sample.",
    ],
)
def test_paragraphs_that_stay(text: str) -> None:
    assert not layer1(doc_of(para("p", text, "Case presentation"))).dropped


@pytest.mark.parametrize(
    "text, rule",
    [
        ("No potential conflict of interest relevant to this article was reported.",
         "competing_interests_statement"),
        ("The authors state that they have no Conflict of Interest (COI).",
         "competing_interests_statement"),
        ("Written informed consent was obtained from the patient for publication of this case "
         "report and any accompanying images.", "consent_statement"),
        ("This research did not receive any specific grant from funding agencies.",
         "funding_statement"),
    ],
)  # fmt: skip
def test_statements(text: str, rule: str) -> None:
    dropped = layer1(doc_of(para("p", text, "Discussion"))).dropped
    assert [d.rule for d in dropped] == [rule], rule


@pytest.mark.parametrize(
    "text",
    [
        "We report a case of SAEF in an 85-year-old man. Consent for the publication of this "
        "case report was obtained from the patient.",
        "Informed consent was obtained before the operation, which went well.",
        "Unfortunately the baby died on day 77. Consent to publish was given by the parents.",
    ],
)
def test_statement_rules_spare_narrative(text: str) -> None:
    assert not layer1(doc_of(para("p", text, "Case presentation"))).dropped


def test_ends_section(rules: SectionRules) -> None:
    assert rules.ends_section("take_home", "A 54-year-old man was sent to the emergency room.")
    assert not rules.ends_section("take_home", "Gonorrhea is rising.")
    assert rules.ends_section("highlights", "x" * 601)
    assert not rules.ends_section("conclusion", "A 54-year-old man" + "x" * 700)
    assert not rules.ends_section("", "anything")


def test_layer1_keeps_order_metadata_and_blocks() -> None:
    blocks = [para(f"p{i}", f"Text {i}.", t) for i, t in enumerate(["Intro", "Summary", "Case"])]
    doc = Document(tuple(blocks), source="s", title="T", pmcid="PMC1", article_type="case-report")
    kept, dropped = layer1(doc)
    assert kept.blocks == (blocks[0], blocks[2])
    assert (kept.source, kept.pmcid, kept.article_type, kept.title) == (
        "s",
        "PMC1",
        "case-report",
        "",
    )
    assert "p1" not in kept and kept.block("p2") is blocks[2]
    assert [d.block for d in dropped] == [blocks[1]]


# --------------------------------------------------------------------------- rule files


def _copy_rules(tmp_path: Path) -> Path:
    for name in RULE_FILES:
        if rules_path(name).exists():
            shutil.copy(rules_path(name), tmp_path / name)
    return tmp_path


def test_rules_from_a_folder_of_your_own(tmp_path: Path) -> None:
    folder = _copy_rules(tmp_path)
    path = folder / "sections.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["rules"].insert(0, {"id": "my_rule", "kind": "drop_section", "titles": ["Case"]})
    path.write_text(json.dumps(data), encoding="utf-8")
    own = SectionRules(folder)
    assert own.drop_title("CASE") == "my_rule"
    assert layer1(doc_of(para("p", "x", "Case")), own).dropped[0].rule == "my_rule"


def test_unknown_key_is_named(tmp_path: Path) -> None:
    folder = _copy_rules(tmp_path)
    path = folder / "sections.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["rules"][2]["titel"] = ["x"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RuleFileError, match="'titel'"):
        SectionRules(folder)


def test_bad_pattern_is_named(tmp_path: Path) -> None:
    folder = _copy_rules(tmp_path)
    path = folder / "sections.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["rules"].append({"id": "broken", "kind": "drop_section", "patterns": ["(unclosed"]})
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"broken.*bad pattern"):
        SectionRules(folder)


def test_rule_files_are_registered() -> None:
    assert "sections.json" in RULE_FILES and "captions.json" in RULE_FILES


# --------------------------------------------------------------------------- property

#: Section titles with what Layer 1 must do, written by hand (not read from the rules).
_POOL = [
    ("Introduction", None), ("Case presentation", None), ("3 Discussion", None),
    ("Laboratory findings", None), ("Discussion and conclusion", None), ("Timeline", None),
    ("5. Conclusions", "conclusion"), ("CONCLUSION:", "conclusion"), ("Summary", "conclusion"),
    ("Learning points", "take_home"), ("Highlights", "highlights"), ("Abstract", "abstract"),
    ("Acknowledgments", "acknowledgements"), ("Funding", "funding"),
    ("Conflicts of interest", "competing_interests"), ("Consent", "ethics_consent"),
    ("References", "references"), ("Abbreviations", "abbreviations"),
    ("Supplementary data", "supplementary_material"), ("Declarations", "declarations"),
]  # fmt: skip
_EXPECTED = dict(_POOL)
_KIND_RULE = {"title": "front_matter", "abstract": "front_matter", "keywords": "front_matter",
              "back_matter": "back_matter"}  # fmt: skip
_TEXTS = st.sampled_from(
    ["A 40-year-old man had fever.", "CRP was 90 mg/L.", "He recovered.", "Imaging was normal."]
)


@st.composite
def _blocks(draw: st.DrawFn) -> list[Block]:
    out = []
    for i in range(draw(st.integers(0, 14))):
        kind = draw(st.sampled_from(["paragraph", "list_item", "heading", "figure_caption",
                                     "table", "title", "abstract", "keywords", "back_matter"]))  # fmt: skip
        path = tuple(draw(st.lists(st.sampled_from([t for t, _ in _POOL]), max_size=3)))
        text = draw(_TEXTS) if kind != "heading" else (path[-1] if path else "Notes on a case")
        out.append(Block(f"b{i}", kind, text, path))
    return out


def _oracle(block: Block) -> str | None:
    if block.kind in _KIND_RULE:
        return _KIND_RULE[block.kind]
    return next((_EXPECTED[t] for t in block.section if _EXPECTED.get(t)), None)


@given(_blocks())
def test_layer1_drops_exactly_what_the_titles_say(blocks: list[Block]) -> None:
    kept, dropped = layer1(doc_of(*blocks))
    expected = [(b.id, _oracle(b)) for b in blocks if _oracle(b)]
    assert [(d.block.id, d.rule) for d in dropped] == expected
    assert list(kept.blocks) == [b for b in blocks if not _oracle(b)]
    assert all(
        d.block is b for d, b in zip(dropped, [b for b in blocks if _oracle(b)], strict=True)
    )


# --------------------------------------------------------------------------- real data


@pytest.mark.realdata
def test_layer1_on_the_shared_case_texts() -> None:
    rules_by_doc: Counter[str] = Counter()
    conclusions_t2s2 = 0
    for n, (pmcid, doc) in enumerate(parsed_case_texts()):
        kept, dropped = layer1(doc)
        assert len(kept.blocks) + len(dropped) == len(doc.blocks)
        rules_by_doc.update({d.rule for d in dropped})
        found = any(d.rule == "conclusion" and d.block.kind == "heading" for d in dropped)
        conclusions_t2s2 += found and n < 2139
        text = sum(len(b.text) for b in doc.blocks)
        gone = sum(len(d.block.text) for d in dropped)
        assert gone <= 0.6 * text, pmcid  # measured maximum 0.54
        for block in kept.blocks:  # nothing named by a drop rule survives
            assert not any(default_section_rules().drop_title(t) for t in block.section), pmcid
        case = {("Case presentation",), ("Case report",), ("CASE REPORT",), ("Introduction",)}
        heads = [b.id for b in doc.blocks if b.kind == "heading" and b.section in case]
        assert {d.block.id for d in dropped}.isdisjoint(heads), pmcid
    # SOURCE.md: 1,070 of the 2,139 t2s2 texts have a Conclusion(s) heading; we find 1,098
    assert conclusions_t2s2 >= 1_070
    assert rules_by_doc["conclusion"] >= 1_140
    assert (
        rules_by_doc["competing_interests"] + rules_by_doc["competing_interests_statement"] > 1_200
    )
