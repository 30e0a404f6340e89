"""Differential diagnosis: ranked entries matched through the ontology, top-k, evidence drops."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mmrare_core.errors import UnknownCodeError
from mmrare_core.ontology.ontology import Ontology, load
from mmrare_core.scoring.differential import (
    DEFAULT_THRESHOLD,
    DifferentialResult,
    evidence_sensitivity,
    match_differential,
    parse_differential,
    top_k_accuracy,
)
from mmrare_core.scoring.metrics import ScoringError


@pytest.fixture(scope="module")
def ontology() -> Ontology:
    return load()


def test_code_equality_through_the_alias_table(ontology: Ontology) -> None:
    result = match_differential(
        ["Scarlet fever", "Mucocutaneous lymph node syndrome"], 2331, ontology
    )
    assert result.rank == 2
    first, second = result.entries
    assert (first.how, first.matched) == ("no_match", False)
    assert (second.how, second.codes, second.matched) == ("code", (2331,), True)


def test_an_entry_naming_another_disorder_never_matches_by_words(ontology: Ontology) -> None:
    # Hemophilia A shares most words with Hemophilia B, but it is another code.
    result = match_differential(["Hemophilia A", "Christmas disease"], 98879, ontology)
    assert [m.how for m in result.entries] == ["other_code", "code"] and result.rank == 2


def test_unresolved_entries_match_on_f1_at_the_threshold(ontology: Ontology) -> None:
    assert DEFAULT_THRESHOLD == 0.8
    # "X-linked dyskeratosis congenita" is no alias of the sample release:
    # F1 against "Dyskeratosis congenita" = 0.8 ("xlinked" is the extra token)
    result = match_differential(["X-linked dyskeratosis congenita"], 1775, ontology)
    (entry,) = result.entries
    assert entry.codes == () and entry.f1 == pytest.approx(0.8) and entry.how == "f1"
    assert entry.alias == "Dyskeratosis congenita"
    strict = match_differential(["X-linked dyskeratosis congenita"], 1775, ontology, threshold=0.9)
    assert strict.rank is None and strict.entries[0].how == "no_match"


def test_item_golds_count_for_the_f1_fallback(ontology: Ontology) -> None:
    result = match_differential(
        ["Kawasaki syndrome disease"], 2331, ontology, golds=["Kawasaki syndrome"]
    )
    assert result.rank == 1 and result.entries[0].alias == "Kawasaki syndrome"


def test_top_k(ontology: Ontology) -> None:
    lists = [
        ["Kawasaki disease"],
        ["Measles", "Scarlet fever", "Kawasaki disease"],
        ["Measles"] * 4 + ["MLNS"],
        ["Measles"] * 12,
    ]
    results = [match_differential(entries, 2331, ontology) for entries in lists]
    assert [r.rank for r in results] == [1, 3, 5, None]
    acc = top_k_accuracy(results)
    assert {k: a.value for k, a in acc.items()} == {1: 25.0, 3: 50.0, 5: 75.0, 10: 75.0}
    assert results[1].hit_at(3) and not results[1].hit_at(2)


@given(st.lists(st.one_of(st.none(), st.integers(1, 15)), min_size=1, max_size=30))
def test_top_k_is_monotone_in_k(ranks: list[int | None]) -> None:
    results = [DifferentialResult(1, r, ()) for r in ranks]
    acc = top_k_accuracy(results, ks=(1, 3, 5, 10))
    values = [acc[k].value for k in (1, 3, 5, 10)]
    assert values == sorted(values) and all(0 <= v <= 100 for v in values)


def test_parse_differential() -> None:
    text = "1. Kawasaki disease\n2) Scarlet fever\n  3: Measles \n\n- Toxic shock syndrome\n* Still disease"
    assert parse_differential(text) == [
        "Kawasaki disease", "Scarlet fever", "Measles", "Toxic shock syndrome", "Still disease"
    ]  # fmt: skip
    assert parse_differential(["1. A", " B "]) == ["A", "B"]
    assert parse_differential("47,XYY syndrome") == ["47,XYY syndrome"]


def test_errors(ontology: Ontology) -> None:
    with pytest.raises(UnknownCodeError):
        match_differential(["x"], 999999, ontology)
    with pytest.raises(ScoringError, match="threshold"):
        match_differential(["x"], 2331, ontology, threshold=0)


# --------------------------------------------------------------------------- evidence


def test_evidence_sensitivity_drops_and_gap() -> None:
    full = {"a": 1.0, "b": 1.0, "c": 0.5, "d": 0.0}
    withheld = {
        "figures": {"a": 0.0, "b": 1.0, "c": 0.0, "d": 0.0},
        "imaging_report": {"a": 1.0, "b": 0.5, "c": 0.5, "d": 0.0},
        "labs": {"a": 1.0, "b": 1.0, "c": 0.5},  # d was not run: unpaired, reported
    }
    modality = {"figures": "image", "imaging_report": "text", "labs": "text"}
    s = evidence_sensitivity(full, withheld, modality, resamples=300, seed=5)
    drops = {d.evidence: d for d in s.drops}
    assert drops["figures"].drop.value == 37.5 and drops["figures"].modality == "image"
    assert drops["imaging_report"].drop.value == 12.5
    assert drops["labs"].drop.value == 0.0 and drops["labs"].unpaired == ("d",)
    assert drops["labs"].drop.n == 3
    assert s.gap == pytest.approx(37.5 - (12.5 + 0.0) / 2)
    assert drops["figures"].full == 62.5 and drops["figures"].withheld == 25.0
    assert drops["figures"].drop.seed == 5
    assert s == evidence_sensitivity(full, withheld, modality, resamples=300, seed=5)
    assert s.to_dict()["text_image_gap"] == s.gap


def test_evidence_sensitivity_needs_both_modalities_for_a_gap() -> None:
    s = evidence_sensitivity({"a": 1.0}, {"labs": {"a": 0.0}}, {"labs": "text"}, resamples=0)
    assert s.gap is None and s.drops[0].drop.value == 100.0


def test_evidence_sensitivity_errors() -> None:
    with pytest.raises(ScoringError, match="no modality"):
        evidence_sensitivity({"a": 1.0}, {"labs": {"a": 0.0}}, {}, resamples=0)
    with pytest.raises(ScoringError, match="no item scored on both sides"):
        evidence_sensitivity({"a": 1.0}, {"labs": {"b": 0.0}}, {"labs": "text"}, resamples=0)
