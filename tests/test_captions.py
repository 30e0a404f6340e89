"""Layer 3: caption text becomes [CAPTION_MASKED]; in-text references stay."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mmrare_core.documents.captions import CaptionRules, default_caption_rules
from mmrare_core.documents.document import Block, Document
from mmrare_core.errors import RuleFileError
from mmrare_core.rules.files import RULE_FILES, rules_path
from mmrare_core.views.l3_captions import CAPTION_TOKEN, CaptionEdit, layer3, mask_block

from .conftest import SHARED_DATA, require
from .test_textdoc import case_texts, parsed_case_texts


@pytest.fixture(scope="module")
def rules() -> CaptionRules:
    return default_caption_rules()


def doc_of(*blocks: Block) -> Document:
    return Document(tuple(blocks), source="test")


def masked(text: str, kind: str = "paragraph", label: str = "") -> str:
    doc, _ = layer3(doc_of(Block("b", kind, text, label=label)))
    return doc.blocks[0].text


def apply(text: str, edits: list[CaptionEdit] | tuple[CaptionEdit, ...]) -> str:
    out, pos = [], 0
    for edit in edits:
        assert text[edit.start : edit.end] == edit.original
        out += [text[pos : edit.start], edit.replacement]
        pos = edit.end
    return "".join(out) + text[pos:]


# --------------------------------------------------------------------------- lines, by rule

#: (line, rule that makes it a caption, label, label rule, caption kind)
CAPTIONS = [
    ("Figure 2. CT of the chest showing a mass.", "caption_line", "Figure 2", "figure_label", "figure_caption"),
    ("Fig. 1: Chest radiograph.", "caption_line", "Fig. 1", "figure_label", "figure_caption"),
    ("Table 1 Laboratory values", "caption_line", "Table 1", "table_label", "table_caption"),
    ("TABLE 2. Laboratory work-up", "caption_line", "TABLE 2", "table_label", "table_caption"),
    ("FIG. 1. Computed tomography scan.", "caption_line", "FIG. 1", "figure_label", "figure_caption"),
    ("Fig.\u00a02 A, Coronal view.", "caption_line", "Fig.\u00a02", "figure_label", "figure_caption"),
    ("Figure 1 \u2013 Computed tomography of the thorax.", "caption_line", "Figure 1", "figure_label", "figure_caption"),
    ("Figure 1) Chest radiograph.", "caption_line", "Figure 1", "figure_label", "figure_caption"),
    ("Figure 3 | Histology.", "caption_line", "Figure 3", "figure_label", "figure_caption"),
    ("Fig. 3A: The flare.", "caption_line", "Fig. 3A", "figure_label", "figure_caption"),
    ("Fig. 1 a Sagittal T2-weighted image.", "caption_line", "Fig. 1", "figure_label", "figure_caption"),
    ("Figure 1 (a, b) Circumferential thickening.", "caption_line", "Figure 1", "figure_label", "figure_caption"),
    ("Table 2 24-h urinary metanephrines.", "caption_line", "Table 2", "table_label", "table_caption"),
    ("Fig. 5 desquamative rash over his palms.", "caption_line", "Fig. 5", "figure_label", "figure_caption"),
    ("Figure 1Millan. Bilateral ligation.", "caption_line", "Figure 1", "figure_label", "figure_caption"),
    ("Fig. 1Fig. 2 This figure shows the larynx.", "caption_line", "Fig. 2", "figure_label", "figure_caption"),
    ("Fig. 5Table 1 Laboratory data before surgery.", "caption_line", "Table 1", "table_label", "table_caption"),
    ("Fig. 1aFig. 1b Fundus photo.", "caption_line", "Fig. 1b", "figure_label", "figure_caption"),
    ("Fig. 2Fig. 3 Fig. 3 shows AST and ALT levels.", "caption_line", "Fig. 3", "figure_label", "figure_caption"),
    ("Supplementary Fig. S1 Timeline.", "caption_line", "Supplementary Fig. S1", "supplementary_label", "supplementary_caption"),
    ("Video 1. Opsoclonus.", "caption_line", "Video 1", "supplementary_label", "supplementary_caption"),
    ("Fig. S2. Histology.", "caption_line", "Fig. S2", "supplementary_numbered_label", "supplementary_caption"),
    ("Fig. 1", "bare_label", "Fig. 1", "figure_label", "figure_caption"),
    ("Fig 1:", "bare_label", "Fig 1", "figure_label", "figure_caption"),
    ("Multimedia component 1", "bare_label", "Multimedia component 1", "supplementary_label", "supplementary_caption"),
]  # fmt: skip


@pytest.mark.parametrize(
    "line, rule, label, label_rule, kind", CAPTIONS, ids=[f"{c[1]}:{c[0][:30]}" for c in CAPTIONS]
)
def test_caption_lines(
    rules: CaptionRules, line: str, rule: str, label: str, label_rule: str, kind: str
) -> None:
    found = rules.match_line(line)
    assert found is not None, f"rule {rule!r} should match {line!r}"
    assert (found.rule, found.label, found.label_rule, found.kind) == (
        rule,
        label,
        label_rule,
        kind,
    )


#: (line, the rule that says it is no caption, or "" when no label rule matches at all)
NOT_CAPTIONS = [
    ("Figure 2 shows the CT of the chest.", "reference_sentence"),
    ("Table 1 lists the laboratory values.", "reference_sentence"),
    ("Table 1 summarizes the reported cases.", "reference_sentence"),
    ("Figure 5 was constructed using open source clipart.", "reference_sentence"),
    ("Fig. 1 and 2 depict the lesion.", "reference_sentence"),
    ("Figure 3 complements these results.", "reference_sentence"),
    ("Table 1 identifies the steps derived from the model.", "reference_sentence"),
    ("Fig. 1). Polyarthralgia was preceded by fever.", "reference_tail"),
    ("Figures 2 and 3 show the lesion.", ""),
    ("Figs. 1-3 show the lesion.", ""),
    ("(Fig. 1) The lesion.", ""),
    ("Table 1Parameters\tOn admission\tAt discharge", ""),
    ("Table 1.5 mg was given.", ""),
    ("Figure 1, 2 and 3.", ""),
]


@pytest.mark.parametrize(
    "line, rule", NOT_CAPTIONS, ids=[f"{r or 'none'}:{t[:30]}" for t, r in NOT_CAPTIONS]
)
def test_lines_that_are_not_captions(rules: CaptionRules, line: str, rule: str) -> None:
    assert rules.match_line(line) is None
    if rule:
        run_end = re.match(r"\S+\s*\d+", line)
        assert run_end is not None and rules.rejected_by(line, run_end.end()) == rule


@pytest.mark.parametrize(
    "line, label, start",
    [
        ("unremarkable findings.Fig. 1 Grossly necrotic scrotum.", "Fig. 1", 22),
        ("a patent shunt (Fig.\u00a04)Fig. 4 Post-TIPS venogram.", "Fig. 4", 23),
        ("see Table 1 below)Table 1 Comparison of syndromes.", "Table 1", 18),
        ("MAP= mean arterial pressureFig. 2 Changes in the PCT values.", "Fig. 2", 27),
        ("line laparotomy was performed.Figure 2 shows the dilation.", "Figure 2", 30),
    ],
)
def test_glued_caption(rules: CaptionRules, line: str, label: str, start: int) -> None:
    found = rules.find_glued(line)
    assert found is not None and found.rule == "glued_caption"
    assert (found.label, found.start, found.end) == (label, start, len(line))


@pytest.mark.parametrize(
    "line",
    [
        "as shown in (Fig. 1) and then",
        "see Fig. 1 for details",
        "shown (Fig. 1,Fig. 2) The patient",
        "the NOTABLE 1 Finding",
        "listed (Table 2/Supplementary Table S1). The genome",
        "The following is the Supplementary data to this article:Multimedia component 1",
    ],
)
def test_no_glued_caption(rules: CaptionRules, line: str) -> None:
    assert rules.find_glued(line) is None


def test_glued_captions_end_where_the_next_starts(rules: CaptionRules) -> None:
    line = "It was done.Fig. 1 A.Fig. 2 B."
    found = [(m.label, line[m.body_start : m.end]) for m in rules.iter_captions(line)]
    assert found == [("Fig. 1", "A."), ("Fig. 2", "B.")]


#: (line, label, start of the label) of captions that start a sentence in running text
SENTENCE_CAPTIONS = [
    ("The boy was admitted. Figure 1. Chest radiograph showing consolidation.", "Figure 1", 22),
    ("Cultures were negative. Fig. 3: CT of the abdomen.", "Fig. 3", 24),
    ("It was normal. Table 1 \u2013 Laboratory values on admission.", "Table 1", 15),
    ("A mass was seen (Fig. 2). Figure 2 Histology of the mass.", "Figure 2", 26),
    ('She said "stop!" Figure 4 Photograph of the rash.', "Figure 4", 17),
    ("Was it a relapse? Table 2. Serial values.", "Table 2", 18),
    ("It was seen.\u00a0Fig.\u00a05 (A) Axial view; (B) coronal view.", "Fig.\u00a05", 13),
    ("It grew (Fig. 1).) Video 1 The procedure.", "Video 1", 19),
    ("No fever. Figure 1 mNGS results of the patient.", "Figure 1", 10),
    ("It was seen. Fig. 1 Fig. 2 Histology.", "Fig. 2", 13),
]


@pytest.mark.parametrize("line, label, start", SENTENCE_CAPTIONS)
def test_sentence_caption(rules: CaptionRules, line: str, label: str, start: int) -> None:
    found = rules.find_sentence_caption(line)
    assert found is not None and found.rule == "sentence_caption"
    assert (found.label, found.start, found.end) == (label, start, len(line))
    assert [m.rule for m in rules.line_captions(line, sentences=True)] == ["sentence_caption"]
    assert list(rules.line_captions(line)) == []  # parse_text keeps it in its paragraph


#: (line, the rule that says the sentence-initial label is a reference, or "")
NOT_SENTENCE_CAPTIONS = [
    ("The lesion grew, as shown in Figure 2. It was resected.", ""),
    ("A mass (Figure 2) was seen. It was resected.", ""),
    ("Please see Fig. 3: the CT of the abdomen.", ""),
    ("The values in Table 1 \u2013 Laboratory work-up were normal.", ""),
    ("It grew. Figure 2 shows the CT of the chest.", "reference_sentence"),
    ("It grew. Table 1 lists the values.", "reference_sentence"),
    ("It grew. Figure 3 complements these results.", "reference_sentence"),
    ("It grew. Fig. 1 and 2 depict the lesion.", "reference_sentence"),
    ("It grew. Table 1 briefly outlines the values.", "reference_aside"),
    ("It grew. Table 2 [1-4] summarizes the cases.", "reference_aside"),
    ("It grew. Table 2 first parses out the effects.", "reference_aside"),
    ("It grew. Fig. 4 Depicts the relationship of the values.", "reference_aside"),
    ("It grew (Fig. 1). Polyarthralgia followed.", ""),
    ("Trends in registries (DCO). Table 7 http://example.org/data", "reference_url"),
    ("It grew (e.g. Figure 2 CT of the chest).", ""),
    ("It grew (vs. Fig. 2 Histology).", ""),
    ("It grew (online suppl. Table 1 Laboratory values).", ""),
    ("Drugs were needed. Table 1.", ""),
    ("It was seen. Fig. 1, Fig. 2.", ""),
    ("It was seen. Figures 2 and 3 CT of the chest.", ""),
    ("It was seen. Table 1Parameters\tOn admission", ""),
]


@pytest.mark.parametrize("line, rule", NOT_SENTENCE_CAPTIONS)
def test_no_sentence_caption(rules: CaptionRules, line: str, rule: str) -> None:
    assert rules.find_sentence_caption(line) is None
    assert list(rules.line_captions(line, sentences=True)) == []
    if rule:  # the rejections read a sentence-initial label as a line-initial one
        label = re.search(r"(?<=[.)] )\S+ \d+", line)
        assert label is not None and rules.rejected_by(line, label.end()) == rule


def test_captions_in_a_line_end_where_the_next_starts(rules: CaptionRules) -> None:
    line = "It was done.Fig. 1 A. Fig. 2 B. Figure 2 shows C. Table 1: D."
    found = [(m.rule, m.label, line[m.body_start : m.end]) for m in rules.line_captions(line, True)]
    assert found == [
        ("glued_caption", "Fig. 1", "A. "),
        ("sentence_caption", "Fig. 2", "B. Figure 2 shows C. "),
        ("sentence_caption", "Table 1", "D."),
    ]
    assert [m.rule for m in rules.line_captions("Figure 1. CT. Figure 2. MRI.", True)] == [
        "caption_line",
        "sentence_caption",
    ]


def test_label_slugs(rules: CaptionRules) -> None:
    lines = ("Fig. 1 A", "FIGURE 1 A", "Figure\u00a01 A", "Table 3 A", "Video 2 A")
    found = [rules.match_line(line) for line in lines]
    slugs = [m.label_slug for m in found if m is not None]
    assert slugs == ["figure-1", "figure-1", "figure-1", "table-3", "video-2"]


# --------------------------------------------------------------------------- layer3


@pytest.mark.parametrize(
    "text, out",
    [
        ("Figure 2. CT of the chest showing a mass.", "Figure 2. [CAPTION_MASKED]"),
        ("Fig. 1: Chest radiograph.", "Fig. 1. [CAPTION_MASKED]"),
        ("Table 1 Laboratory values", "Table 1. [CAPTION_MASKED]"),
        ("Fig. 1Fig. 2 This figure shows the larynx.", "Fig. 1Fig. 2. [CAPTION_MASKED]"),
        ("Figure 3 T2 images showing\nhyperintense lesions.", "Figure 3. [CAPTION_MASKED]"),
        ("Figure 1.\nA, Histological sections.", "Figure 1. [CAPTION_MASKED]"),
        ("Fig. 1", "Fig. 1"),
        ("Figure 2. [CAPTION_MASKED]", "Figure 2. [CAPTION_MASKED]"),
    ],
)
def test_caption_block_keeps_its_label(text: str, out: str) -> None:
    assert masked(text, "figure_caption", "Figure 2") == out


def test_caption_block_without_label_becomes_the_token() -> None:
    # a JATS caption (label in Block.label) or a caption's later paragraph
    assert masked("CT of the chest showing a mass.", "figure_caption", "Figure 2") == CAPTION_TOKEN
    assert masked("Figure 2 shows a mass.", "figure_caption", "Figure 2") == CAPTION_TOKEN
    assert masked(CAPTION_TOKEN, "table_caption") == CAPTION_TOKEN


def test_supplementary_caption_block() -> None:
    assert masked("Video 1. Opsoclonus.", "supplementary_caption") == "Video 1. [CAPTION_MASKED]"


@pytest.mark.parametrize(
    "text, out, rule",
    [
        ("No imaging.Fig. 1 Grossly necrotic scrotum.", "No imaging.Fig. 1. [CAPTION_MASKED]", "glued_caption"),
        ("A mass.\nFigure 2. CT of the chest.\nThen surgery.", "A mass.\nFigure 2. [CAPTION_MASKED]\nThen surgery.", "caption_line"),
        ("(Fig. 4)Fig. 4 Post-TIPS venogram", "(Fig. 4)Fig. 4. [CAPTION_MASKED]", "glued_caption"),
    ],
)  # fmt: skip
def test_caption_lines_inside_paragraphs(text: str, out: str, rule: str) -> None:
    doc, edits = layer3(doc_of(Block("p", "paragraph", text)))
    assert doc.blocks[0].text == out
    assert [e.rule for e in edits] == [rule]
    assert apply(text, edits) == out


@pytest.mark.parametrize(
    "text, out",
    [
        # a caption in running text runs to the end of its line (rule sentence_caption)
        ("The boy was admitted. Figure 1. Chest radiograph showing consolidation. He was treated.",
         "The boy was admitted. Figure 1. [CAPTION_MASKED]"),
        ("A mass (Fig. 2). Figure 2 Histology of the mass. (A) H&E stain.\nIt was resected.",
         "A mass (Fig. 2). Figure 2. [CAPTION_MASKED]\nIt was resected."),
        ("It was seen. Figure 1. CT. Figure 2. MRI of the brain.",
         "It was seen. Figure 1. [CAPTION_MASKED]Figure 2. [CAPTION_MASKED]"),
        ("Figure 1. CT of the chest.\u00a0Figure 2. MRI.", "Figure 1. [CAPTION_MASKED]Figure 2. [CAPTION_MASKED]"),
        ("It was seen. Figure 1. [CAPTION_MASKED]", "It was seen. Figure 1. [CAPTION_MASKED]"),
    ],
)  # fmt: skip
def test_sentence_captions_are_masked(text: str, out: str) -> None:
    doc, edits = layer3(doc_of(Block("p", "paragraph", text)))
    assert doc.blocks[0].text == out
    assert apply(text, edits) == out
    assert {e.rule for e in edits} <= {"sentence_caption", "caption_line"}
    assert layer3(doc) == (doc, ())


def test_the_audit_reports_a_sentence_caption() -> None:
    from mmrare_core.audit.leakage import caption_findings

    text = "He was admitted. Figure 1. Chest radiograph. As shown in Figure 2, it grew."
    findings = caption_findings("context", text)
    assert [(f.check, f.rule, f.span) for f in findings] == [
        ("caption_text", "sentence_caption", (25, len(text)))
    ]
    assert caption_findings("context", "He was admitted. As shown in Figure 2, it grew.") == []


@pytest.mark.parametrize(
    "text",
    [
        "A mass was seen (Fig. 1) and resected.",
        "As shown in Figure 2, the mass grew.",
        "Figure 2 shows the CT of the chest.",
        "Table 1 lists the values; see also Figs. 2 and 3.",
        "Fig. 1",
        "It grew, as shown in Figure 2. It was resected.",
        "A mass (Figure 2) was seen. It grew. Figure 2 shows it.",
        "For the CT, see Fig. 3: it shows a mass.",
        "The values in Table 1 \u2013 all normal \u2013 were repeated.",
    ],
)
def test_references_stay(text: str) -> None:
    assert masked(text) == text


def test_tables_are_not_scanned() -> None:
    assert masked("Table 1Parameters\tOn admission", "table") == "Table 1Parameters\tOn admission"


def test_edits_name_block_offsets_original_and_rule() -> None:
    doc = doc_of(
        Block("figure-1.caption", "figure_caption", "Fig. 1 CT.", label="Fig. 1"),
        Block("p", "paragraph", "Text.Table 2 Labs."),
    )
    out, edits = layer3(doc, token="[X]")
    assert [b.text for b in out.blocks] == ["Fig. 1. [X]", "Text.Table 2. [X]"]
    assert edits == (
        CaptionEdit("figure-1.caption", 6, 10, " CT.", ". [X]", "caption_block", "Fig. 1"),
        CaptionEdit("p", 12, 18, " Labs.", ". [X]", "glued_caption", ""),
    )


def test_empty_token_is_refused() -> None:
    with pytest.raises(ValueError, match="token"):
        layer3(doc_of(Block("p", "paragraph", "x")), token="")


def test_layer3_keeps_document_metadata() -> None:
    doc = Document((Block("p", "paragraph", "x"),), "s", "T", "PMC1", "case-report")
    out = layer3(doc).document
    assert (out.source, out.title, out.pmcid, out.article_type) == ("s", "T", "PMC1", "case-report")


# --------------------------------------------------------------------------- rule files


def _rules_copy(tmp_path: Path, edit: Mapping[str, object] | None = None) -> Path:
    for name in RULE_FILES:
        if rules_path(name).exists():
            shutil.copy(rules_path(name), tmp_path / name)
    if edit is not None:
        path = tmp_path / "captions.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        data["rules"].append(edit)
        path.write_text(json.dumps(data), encoding="utf-8")
    return tmp_path


def test_a_label_rule_of_your_own(tmp_path: Path) -> None:
    rule = {"id": "chart", "kind": "label", "caption_kind": "figure_caption", "names": ["Chart"]}
    own = CaptionRules(_rules_copy(tmp_path, rule))
    found = own.match_line("Chart 1. Growth.")
    assert found is not None and (found.label_rule, found.label_slug) == ("chart", "chart-1")


@pytest.mark.parametrize(
    "rule, message",
    [
        ({"id": "x", "kind": "label", "names": ["A"], "colour": 1}, "'colour'"),
        ({"id": "x", "kind": "not_caption", "pattern": "("}, "'x': bad pattern"),
        ({"id": "x", "kind": "not_caption", "pattern": "a", "scope": "nowhere"}, "unknown scope"),
        ({"id": "x", "kind": "label", "names": []}, "needs names"),
        ({"id": "x", "kind": "label", "names": ["Plate"], "caption_kind": "plate"}, "caption_kind"),
        ({"id": "x", "kind": "not_caption", "words": ["shows"], "scope": "line_start"}, None),
        ({"id": "x", "kind": "bare_label", "trailer": ""}, "one rule of kind 'bare_label'"),
    ],
)
def test_bad_rules_are_named(
    tmp_path: Path, rule: Mapping[str, object], message: str | None
) -> None:
    if message is None:  # a good rule, for contrast
        CaptionRules(_rules_copy(tmp_path, rule))
        return
    with pytest.raises(RuleFileError, match=message):
        CaptionRules(_rules_copy(tmp_path, rule))


def _rules_with(tmp_path: Path, rule_id: str, **keys: object) -> Path:
    """A copy of the packaged rules in which rule ``rule_id`` has ``keys`` (None: removed)."""
    _rules_copy(tmp_path)
    path = tmp_path / "captions.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    rule = next(r for r in data["rules"] if r["id"] == rule_id)
    for key, value in keys.items():
        if value is None:
            rule.pop(key, None)
        else:
            rule[key] = value
    path.write_text(json.dumps(data), encoding="utf-8")
    return tmp_path


def test_what_may_precede_a_sentence_caption_is_data(tmp_path: Path) -> None:
    line = "It was seen; Figure 1. CT."
    assert default_caption_rules().find_sentence_caption(line) is None
    own = CaptionRules(_rules_with(tmp_path, "sentence_caption", after="[.;][ ]+"))
    found = own.find_sentence_caption(line)
    assert found is not None and (found.label, found.start) == ("Figure 1", 13)
    # without not_after, an abbreviation before the label is a sentence end
    loose = CaptionRules(_rules_with(tmp_path, "sentence_caption", not_after=None))
    assert loose.find_sentence_caption("It grew (vs. Fig. 2 Histology).") is not None


@pytest.mark.parametrize(
    "keys, message",
    [
        ({"after": "("}, "'sentence_caption': bad after"),
        ({"not_after": "[a-"}, "'sentence_caption': bad not_after"),
        ({"after": None}, "'sentence_caption': missing 'after'"),
        ({"colour": "red"}, "'colour'"),
        ({"kind": "glued_caption", "not_after": None}, "one rule of kind 'glued_caption'"),
    ],
)
def test_bad_sentence_caption_rules_are_named(
    tmp_path: Path, keys: dict[str, object], message: str
) -> None:
    with pytest.raises(RuleFileError, match=message):
        CaptionRules(_rules_with(tmp_path, "sentence_caption", **keys))


def test_the_sentence_caption_rule_is_required(tmp_path: Path) -> None:
    path = _rules_copy(tmp_path) / "captions.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["rules"] = [r for r in data["rules"] if r["kind"] != "sentence_caption"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RuleFileError, match="expected one rule of kind 'sentence_caption'"):
        CaptionRules(tmp_path)


# --------------------------------------------------------------------------- properties

_WORDS = ["fever", "mass", "lesion", "effusion", "nodule", "biopsy", "stain", "cells", "arrows"]
_BODY = st.lists(st.sampled_from(_WORDS), min_size=1, max_size=8).map(
    lambda w: "Zq" + " ".join(w) + "."  # "Zq" marks caption text: it must not survive
)
_LABEL = st.tuples(
    st.sampled_from(["Fig.", "Figure", "FIGURE", "Table", "Video"]), st.integers(1, 12)
)
_SEP = st.sampled_from([". ", ": ", " ", " - ", " \u2013 ", ") "])
_PROSE = st.lists(
    st.one_of(
        st.lists(st.sampled_from(["the", "patient", "had", "fever", "after"]), min_size=1).map(
            lambda w: " ".join(w).capitalize() + "."
        ),
        st.sampled_from(
            [
                "A mass (Fig. 1).",
                "As shown in Figure 2, it grew.",
                "See Table 3.",
                "Figure 2 shows the CT.",
                "(see Fig. 1)",
                "Figs. 1 and 2 agree.",
            ]
        ),
    ),
    min_size=1,
    max_size=4,
).map(" ".join)


@st.composite
def _caption_block(draw: st.DrawFn, i: int) -> Block:
    name, number = draw(_LABEL)
    label = f"{name} {number}"
    kind = {"Table": "table_caption", "Video": "supplementary_caption"}.get(name, "figure_caption")
    # parse_text style (the label starts the text) or JATS style (the label apart)
    text = f"{label}{draw(_SEP)}{draw(_BODY)}" if draw(st.booleans()) else draw(_BODY)
    return Block(f"c{i}", kind, text, label=label)


@st.composite
def _document(draw: st.DrawFn) -> Document:
    blocks = []
    for i in range(draw(st.integers(0, 10))):
        if draw(st.booleans()):
            blocks.append(draw(_caption_block(i)))
        else:
            kind = draw(st.sampled_from(["paragraph", "list_item", "heading", "table", "footnote"]))
            blocks.append(Block(f"p{i}", kind, draw(_PROSE)))
    return doc_of(*blocks)


@given(_document(), st.sampled_from([CAPTION_TOKEN, "[X]"]))
def test_no_caption_text_survives_and_everything_else_is_unchanged(
    doc: Document, token: str
) -> None:
    out, edits = layer3(doc, token)
    for before, after in zip(doc.blocks, out.blocks, strict=True):
        assert (after.id, after.kind, after.label, after.section) == (
            before.id,
            before.kind,
            before.label,
            before.section,
        )
        if before.is_caption:
            assert "Zq" not in after.text
            assert after.text in (token, f"{before.label}. {token}")
        else:
            assert after == before
        assert apply(before.text, [e for e in edits if e.block_id == before.id]) == after.text
    assert layer3(out, token) == (out, ())


@st.composite
def _paragraph_with_captions(draw: st.DrawFn) -> tuple[str, list[str]]:
    parts, bodies = [draw(_PROSE)], []
    for _ in range(draw(st.integers(0, 3))):
        name, number = draw(_LABEL)
        body = draw(_BODY)
        bodies.append(body)
        glue = draw(st.sampled_from(["", "\n"]))
        parts.append(f"{glue}{name} {number}{draw(_SEP)}{body}")
        parts.append("\n" + draw(_PROSE))
    return "".join(parts), bodies


@given(_paragraph_with_captions())
def test_caption_lines_in_paragraphs_are_masked_and_the_rest_stays(
    case: tuple[str, list[str]],
) -> None:
    text, _ = case
    out, edits = layer3(doc_of(Block("p", "paragraph", text)))
    result = out.blocks[0].text
    assert "Zq" not in result
    assert apply(text, edits) == result
    outside = re.sub(r"[^\n]*Zq[^\n]*", "", text)  # the lines without caption text
    assert all(line in result.split("\n") for line in outside.split("\n") if line)


_SENTENCE_END = st.sampled_from([". ", "! ", "? ", '." ', ".) ", ".\u00a0", ".  "])
_GAP = st.sampled_from([" ", "\u00a0", "  "])


@st.composite
def _running_text(draw: st.DrawFn) -> tuple[str, str]:
    """A line of prose with captions after its last sentence, and the line Layer 3 makes of it
    (``{}`` for the token): each caption runs to the next label or to the end of the line."""
    text = out = draw(_PROSE).removesuffix(".") + draw(_SENTENCE_END)
    for i in range(draw(st.integers(0, 3))):
        name, number = draw(_LABEL)
        gap = draw(_GAP) if i else ""  # masked with the caption before it
        body = draw(_BODY) + draw(
            st.sampled_from(["", " He was treated.", " (A) CT; (B) MRI.", " Figure 3 shows it."])
        )
        text += f"{gap}{name} {number}{draw(_SEP)}{body}"
        out += f"{name} {number}. {{}}"
    return text, out


@given(_running_text(), st.sampled_from([CAPTION_TOKEN, "[X]"]))
def test_sentence_captions_are_masked_and_the_rest_is_byte_identical(
    case: tuple[str, str], token: str
) -> None:
    text, expected = case
    out, edits = layer3(doc_of(Block("p", "paragraph", text)), token)
    result = out.blocks[0].text
    assert result == expected.replace("{}", token)
    assert "Zq" not in result
    assert apply(text, edits) == result  # outside the edits, byte for byte
    assert all(e.rule == "sentence_caption" for e in edits)
    assert layer3(out, token) == (out, ())


# --------------------------------------------------------------------------- real data

#: An independent check (hand-written, not the rule file): a line that starts with a label,
#: a separator and text other than a reference verb.
_CAPTION_START = re.compile(
    r"(?m)^(?:Fig\.?|Figure|FIGURE|FIG\.?|Table|TABLE)[ \u00a0]*\d+[A-Za-z]?"
    r"(?:[.:][ \u00a0]+|[ \u00a0]+[-\u2013\u2014][ \u00a0]+|[ \u00a0]+)"
    r"(?!shows\b|lists\b|illustrates\b|reviews\b|provides\b|was\b|and\b|summari[sz]es\b)(\S[^\n]*)"
)
_LABELS = re.compile(
    r"^(?:(?:Fig\.?|Figure|FIGURE|FIG\.?|Table|TABLE)[ \u00a0]*\d+[A-Za-z]?[.:]?[ ]*)+"
)
#: The count of SOURCE.md: a line that starts with "Fig" or "Figure" and a number.
_SOURCE_COUNT = re.compile(r"(?m)^(Fig\.?|Figure)\s*\d+")


@pytest.mark.realdata
def test_layer3_on_the_shared_case_texts(rules: CaptionRules) -> None:
    texts = dict(case_texts())
    with_lines = caught = 0
    edits: Counter[str] = Counter()
    for n, (pmcid, doc) in enumerate(parsed_case_texts()):
        out, doc_edits = layer3(doc)
        edits.update(e.rule for e in doc_edits)
        for block in out.blocks:
            if block.kind == "table":
                continue
            for match in rules.iter_captions(block.text):
                assert block.text[match.body_start : match.end].strip() == CAPTION_TOKEN, pmcid
            for line in _CAPTION_START.finditer(block.text):
                rest = _LABELS.sub("", line.group(1)).strip()  # a label run: 'Figure 2 Figure 1.'
                assert rest in (CAPTION_TOKEN, "", "\u2013", "-"), (pmcid, line.group())
        if n < 2139 and _SOURCE_COUNT.search(texts[pmcid]):
            with_lines += 1
            caught += any(e.label and e.original.strip() for e in doc_edits)
    assert with_lines == 1774  # SOURCE.md
    assert caught >= 1773  # measured 1,773: the other holds only a bare label ("Figure 1")
    assert edits["caption_block"] > 6_500  # measured 6,632


#: An independent check: a label after a sentence end, a separator and a capital or "(".
_SENTENCE_CAPTION = re.compile(
    r"(?<=[.!?] )(?:Fig\.?|Figure|FIGURE|FIG\.?|Table|TABLE)[ \u00a0]*\d+[A-Za-z]?"
    r"(?:[.:][ \u00a0]+|[ \u00a0]+[-\u2013\u2014][ \u00a0]+|[ \u00a0]+)[A-Z(]"
)
_ENDS_A_SENTENCE = re.compile(r"[.!?][\"'\u201d\u2019)\]]?[ \t\u00a0]+\Z")


@pytest.mark.realdata
def test_sentence_captions_in_the_shared_case_texts(rules: CaptionRules) -> None:
    masks, texts, left = 0, set(), []
    for pmcid, doc in parsed_case_texts():
        out = layer3(doc).document
        for before, after in zip(doc.blocks, out.blocks, strict=True):
            if before.is_caption or before.kind == "table":
                continue
            found = list(rules.iter_captions(before.text, sentences=True))
            starts = {m.start for m in found} | {len(before.text)}
            for m in found:
                if m.rule != "sentence_caption":
                    continue
                masks += 1
                texts.add(pmcid)
                # a mask never starts inside a sentence, nor at a reference ('Figure 2 shows')
                assert _ENDS_A_SENTENCE.search(before.text, 0, m.start), (pmcid, m)
                assert rules.rejected_by(before.text, m.label_end) is None, (pmcid, m)
                # ... and runs to the end of its line or to the next caption
                line_end = before.text.find("\n", m.start)
                assert m.end in starts | {line_end}, (pmcid, m)
            left += [(pmcid, x.group()) for x in _SENTENCE_CAPTION.finditer(after.text)]
    assert 45 <= masks <= 60 and len(texts) >= 20  # measured: 50 in 24 t2s2 texts, 0 in sepsis
    assert len(left) <= 1, left  # measured: 'Fig. 4 Depicts the relationship ...' (a reference)


@pytest.mark.realdata
def test_layer3_on_the_shared_jats_articles(rules: CaptionRules) -> None:
    import tarfile

    from mmrare_core.documents.jats import parse_jats

    archive = require(SHARED_DATA / "pmc" / "jats_articles.tar.gz")
    masked_blocks = 0
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            if not member.name.endswith(".xml") or (handle := tar.extractfile(member)) is None:
                continue
            doc = parse_jats(handle.read(), name=member.name)
            out = layer3(doc).document
            for before, after in zip(doc.blocks, out.blocks, strict=True):
                if before.is_caption:  # the token, a bare label, or a label and the token
                    head = rules.match_line(after.text)
                    rest = after.text[head.body_start :] if head is not None else after.text
                    assert rest in (CAPTION_TOKEN, ""), (member.name, after)
                    masked_blocks += 1
                elif after.kind != "table":
                    assert all(
                        after.text[m.body_start : m.end].strip() == CAPTION_TOKEN
                        for m in rules.iter_captions(after.text)
                    ), member.name
    assert masked_blocks > 800  # measured: 900 caption blocks in 139 articles


def test_mask_block_is_the_per_block_layer3() -> None:
    block = Block("b", "table_caption", "Table 1 Labs.", label="Table 1")
    assert [e.replacement for e in mask_block(block)] == [". " + CAPTION_TOKEN]
