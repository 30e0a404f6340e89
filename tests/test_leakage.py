"""Each pre-check on hand-written text: what it finds, with which rule, where."""

from __future__ import annotations

import pytest

from mmrare_core.audit.leakage import (
    answer_overlap,
    caption_findings,
    narrative_findings,
    overlap_findings,
    residual_findings,
    resolve_diagnosis,
    visible_fields,
    withheld_test_findings,
)
from mmrare_core.masking.masker import Masker
from mmrare_core.ontology.ontology import Ontology, load


@pytest.fixture(scope="module")
def ont() -> Ontology:
    return load()


@pytest.fixture(scope="module")
def masker(ont: Ontology) -> Masker:
    return Masker.from_ontology(ont)


def checks(found: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(f.check, f.severity) for f in found]


def test_clean_text_has_no_residue(masker: Masker) -> None:
    text = "A boy had fever for six days; [DIAGNOSIS_MASKED] was treated with IVIG."
    assert residual_findings("context", text, masker, [2331], "T1") == []


def test_each_residue_kind(masker: Masker) -> None:
    text = (
        "KAWASAKI DISEASE was likely. [DIAGNOSIS_MASKED] (KDX) recurred; KDX again. "
        "The Kawasaki criteria held. Kawasaky disease. See ORPHA:2331."
    )
    found = residual_findings("context", text, masker, [2331], "T1")
    kinds = {f.check for f in found}
    assert kinds == {
        "residual_alias", "residual_abbreviation", "residual_fragment",
        "residual_near_miss", "residual_code",
    }  # fmt: skip
    for f in found:
        assert f.span is not None and f.field == "context"
    alias = next(f for f in found if f.check == "residual_alias")
    assert text[slice(*alias.span)] == "KAWASAKI DISEASE"  # type: ignore[misc]
    assert {f.severity for f in found if f.check == "residual_fragment"} == {"warn"}


def test_residual_checks_do_not_run_for_t2_and_t3(masker: Masker) -> None:
    assert residual_findings("context", "Kawasaki disease", masker, [2331], "T2") == []
    assert residual_findings("context", "Kawasaki disease", masker, [2331], "T3") == []


def test_acronym_case_matters_in_the_audit_too(masker: Masker) -> None:
    assert residual_findings("context", "He was well.", masker, [906], "T1") == []
    assert checks(residual_findings("context", "WAS was confirmed.", masker, [906], "T1")) == [
        ("residual_alias", "reject")
    ]


def test_resolution_exact_then_search_then_none(ont: Ontology) -> None:
    exact = resolve_diagnosis({"answer": "Kawasaki's disease"}, ont)
    assert exact is not None and exact.how == "exact_alias" and exact.codes == (2331,)
    fuzzy = resolve_diagnosis({"answer": "Kawasaky disease"}, ont)
    assert fuzzy is not None and fuzzy.how == "search" and fuzzy.codes == (2331,)
    assert resolve_diagnosis({"answer": "influenza"}, ont) is None
    alias = resolve_diagnosis({"answer": "x", "answer_aliases": "foo; AxD"}, ont)
    assert alias is not None and alias.codes == (58,)
    coded = resolve_diagnosis({"answer": "x", "orpha_code": "ORPHA:906"}, ont)
    assert coded is not None and coded.how == "orpha_code"


def test_visible_fields_cover_labels_and_file_names() -> None:
    item = {"question": "Q?", "context": "C", "figure_mapping": {"Figure 1": "img/kawasaki_echo.png"},
            "image_path": ["img/a.png"]}  # fmt: skip
    fields = dict(visible_fields(item, ["question", "context", "figure_mapping", "image_path"]))
    assert fields["figure_mapping[Figure 1].path"] == "kawasaki_echo.png"
    assert fields["image_path[0]"] == "a.png"


def test_caption_line_in_context() -> None:
    text = "He was seen.\nFigure 2. CT of the chest showing an effusion.\nAs shown in Figure 2, ..."
    (found,) = caption_findings("context", text)
    assert found.check == "caption_text" and "CT of the chest" in text[slice(*found.span)]  # type: ignore[misc]


def test_answer_overlap_keeps_both_sides_apart() -> None:
    assert answer_overlap("Kawasaki disease", ["nothing here"]) == (0.0, 0, 1)
    fraction, found, total = answer_overlap(
        "start intravenous immunoglobulin at 2 g per kg and high dose aspirin",
        ["we gave intravenous immunoglobulin at 2 g per kg and high dose aspirin today"],
    )
    assert (fraction, found) == (0.875, 7) and total > found  # "start ..." is not in the input
    item = {"answer": "Kawasaki disease", "context": "likely kawasaki disease", "question": "?"}
    assert checks(overlap_findings(item, "T1")) == [("answer_in_context", "reject")]
    assert overlap_findings({**item, "context": "a boy with fever"}, "T1") == []


def test_withheld_tests_and_narrative() -> None:
    item = {
        "context": "Fever began. An MRI was done.",
        "key_test_names": ["MRI", "lumbar puncture"],
    }
    assert checks(withheld_test_findings(item, "T4")) == [("withheld_test_in_context", "reject")]
    assert withheld_test_findings(item, "T1") == []
    assert checks(narrative_findings(item, "T4")) == [("too_little_narrative", "warn")]
    flagged = {"context": "x" * 1000, "leakage_audit": {"truncation": {"too_little_left": True}}}
    assert checks(narrative_findings(flagged, "T4")) == [("too_little_narrative", "warn")]
    assert narrative_findings({"context": "x" * 1000}, "T4") == []


def test_words_in_brackets_next_to_a_mask_are_not_short_forms(masker: Masker) -> None:
    """Regression (recall run): plain words around a mask were read as short forms."""
    texts = [
        "The boy had [DIAGNOSIS_MASKED] arteritis ([DIAGNOSIS_MASKED]). Takayasu arteritis too.",
        "It was [DIAGNOSIS_MASKED] (fever, rash and conjunctivitis). The fever settled.",
    ]
    for text in texts:
        assert residual_findings("context", text, masker, [2331], "T1") == []


def test_a_typo_is_a_near_miss(masker: Masker) -> None:
    typo = residual_findings("context", "Then Kawasaky disease was named.", masker, [2331], "T1")
    assert [(f.check, f.span) for f in typo] == [("residual_near_miss", (5, 21))]


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("text", "code"),
    [("She also had cardiac amyloidosis.", 85443),
     ("We discussed the neonatal risk of infection.", 217563)],
)  # fmt: skip
def test_near_misses_are_whole_words(text: str, code: int) -> None:
    """Regression (recall run): 'ac amyloidosis' inside 'cardiac amyloidosis' was a
    near-miss of 'AL amyloidosis'; 'neonatal ris' of 'Neonatal RDS'."""
    from .conftest import PACKETS, require

    real = Masker.from_ontology(load(require(PACKETS)))
    found = residual_findings("context", text, real, [code], "T1")
    assert [f for f in found if f.check == "residual_near_miss"] == []
