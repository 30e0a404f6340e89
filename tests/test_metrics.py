"""SQuAD v1.1 F1 / EM: parity with the official script, properties, alias-max, aggregation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mmrare_core.errors import UnknownCodeError
from mmrare_core.ontology.ontology import Ontology, load
from mmrare_core.scoring.metrics import (
    MetricOptions,
    Score,
    ScoringError,
    aggregate,
    answer_tokens,
    best_f1,
    exact_match,
    f1,
    item_golds,
    normalize_answer,
    parse_aliases,
)

from .conftest import SHARED_DATA, require
from .squad_reference import ref_em, ref_f1, ref_max, ref_normalize

SQUAD = SHARED_DATA / "squad"


# --------------------------------------------------------------------------- strategies

_PIECES = [
    "a", "an", "the", "A", "The", "THE", "an's", "the-", "(the)", "apple", "Broncos", "MPS",
    "II", "type", "2", "x-linked", "Niemann\u2013Pick", "Beh\u00e7et", "d\u2019Alembert",
    "\u201cquoted\u201d", "\uff08full\uff09", "_", "__the__", "\u00e9the", "\u20acthe", "the\u00b7",
    "\x00the", "\u0130", "\u00df", "\u2160", "\u0663", ",", ".", "'", "-", "!", "$5", "",
]  # fmt: skip
_SEPARATORS = [" ", "  ", "\t", "\n", "\u00a0", "\u2003", "\x1c", "", "-", "/", ", "]

pieces_text = st.lists(
    st.tuples(st.sampled_from(_PIECES), st.sampled_from(_SEPARATORS)), max_size=8
).map(lambda parts: "".join(p + s for p, s in parts))
any_text = st.one_of(pieces_text, st.text(max_size=40))


# --------------------------------------------------------------------------- parity


def _squad() -> tuple[list[dict[str, Any]], dict[str, dict[str, str]], dict[str, Any]]:
    data = json.loads(require(SQUAD / "dev-v1.1.slice.json").read_text(encoding="utf-8"))
    preds = json.loads((SQUAD / "explorer_predictions.slice.json").read_text(encoding="utf-8"))
    expected = json.loads((SQUAD / "expected_scores_official.json").read_text(encoding="utf-8"))
    qas = [qa for a in data["data"] for p in a["paragraphs"] for qa in p["qas"]]
    return qas, preds["predictions"], expected["models"]


@pytest.mark.realdata
def test_every_question_of_every_model_matches_the_official_scores() -> None:
    qas, predictions, expected = _squad()
    assert len(qas) == 106 and len(predictions) == 5
    compared = partial = 0
    for model, preds in predictions.items():
        for qa in qas:
            golds = [a["text"] for a in qa["answers"]]
            want = expected[model]["per_question"][qa["id"]]
            prediction = preds[qa["id"]]
            assert want["prediction"] == prediction
            got = best_f1(prediction, golds)
            assert got.f1 == want["f1"], (model, qa["id"])  # equal bits, not approx
            assert got.em == want["exact_match"], (model, qa["id"])
            assert max(f1(prediction, g) for g in golds) == want["f1"]
            assert float(max(exact_match(prediction, g) for g in golds)) == want["exact_match"]
            compared += 1
            partial += 0 < got.f1 < 1
    assert compared == 530 and partial == 37  # SOURCE.md: 37 pairs with 0 < F1 < 1


@pytest.mark.realdata
def test_aggregates_match_the_official_scores() -> None:
    qas, predictions, expected = _squad()
    for model, preds in predictions.items():
        scores = [best_f1(preds[qa["id"]], [a["text"] for a in qa["answers"]]) for qa in qas]
        want = expected[model]["aggregate"]
        assert aggregate([s.f1 for s in scores], resamples=0).value == want["f1"]
        assert aggregate([s.em for s in scores], resamples=0).value == want["exact_match"]


@pytest.mark.realdata
def test_reference_twin_matches_the_official_scores_too() -> None:
    """The test's own reference is right, so holding the library to it means something."""
    qas, predictions, expected = _squad()
    for model, preds in predictions.items():
        for qa in qas:
            golds = [a["text"] for a in qa["answers"]]
            want = expected[model]["per_question"][qa["id"]]
            assert ref_max(ref_f1, preds[qa["id"]], golds) == want["f1"]


# --------------------------------------------------------------------------- properties


@given(any_text)
def test_normalize_equals_the_reference(text: str) -> None:
    assert normalize_answer(text) == ref_normalize(text)
    assert answer_tokens(text) == ref_normalize(text).split()


@given(any_text, any_text)
def test_f1_and_em_equal_the_reference(prediction: str, gold: str) -> None:
    assert f1(prediction, gold) == ref_f1(prediction, gold)
    assert exact_match(prediction, gold) == ref_em(prediction, gold)


@given(any_text, any_text)
def test_f1_is_in_unit_interval_and_symmetric(a: str, b: str) -> None:
    assert 0.0 <= f1(a, b) <= 1.0
    assert f1(a, b) == f1(b, a)
    for options in (
        MetricOptions(True, False),
        MetricOptions(False, True),
        MetricOptions(True, True),
    ):
        assert 0.0 <= f1(a, b, options) <= 1.0
        assert f1(a, b, options) == f1(b, a, options)


@given(any_text)
def test_f1_is_one_for_equal_non_empty_normalized_strings(text: str) -> None:
    if normalize_answer(text):
        assert f1(text, text) == 1.0
        assert f1("The " + text + "!", text) == 1.0  # articles and punctuation do not count
    else:
        assert f1(text, text) == 0.0  # both empty: 0, as the script says
        assert exact_match(text, text)


@given(any_text, st.lists(any_text, min_size=1, max_size=5))
def test_alias_max_is_the_max_over_aliases(prediction: str, golds: list[str]) -> None:
    score = best_f1(prediction, golds)
    assert all(score.f1 >= f1(prediction, g) for g in golds)
    assert score.f1 == ref_max(ref_f1, prediction, golds)
    assert score.em == float(ref_max(ref_em, prediction, golds))
    assert score.alias in golds and f1(prediction, score.alias) == score.f1


@given(any_text, any_text)
def test_options_off_by_default(a: str, b: str) -> None:
    assert f1(a, b, MetricOptions()) == f1(a, b) == ref_f1(a, b)


# --------------------------------------------------------------------------- options


def test_unicode_punctuation_is_opt_in() -> None:
    uni = MetricOptions(unicode_punctuation=True)
    assert f1("Niemann\u2013Pick disease", "Niemann-Pick disease") == 0.5
    assert f1("Niemann\u2013Pick disease", "Niemann-Pick disease", uni) == 1.0
    assert normalize_answer("\u201cBehcet\u2019s\u201d \uff08type\uff09", uni) == "behcets type"
    assert normalize_answer("\u201cBehcet\u2019s\u201d") == "\u201cbehcet\u2019s\u201d"


def test_squad_v2_empty_rule_is_opt_in() -> None:
    v2 = MetricOptions(squad_v2_empty=True)
    assert f1("", "") == 0.0 and f1("the", "a") == 0.0
    assert f1("", "", v2) == 1.0 and f1("the", "a", v2) == 1.0
    assert f1("", "Kawasaki disease", v2) == 0.0 == f1("Kawasaki disease", "", v2)
    assert f1("Kawasaki", "Kawasaki disease", v2) == f1("Kawasaki", "Kawasaki disease")


# --------------------------------------------------------------------------- gold sets


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('["MPS II", "Hunter syndrome"]', ["MPS II", "Hunter syndrome"]),
        (["MPS II", "Hunter syndrome"], ["MPS II", "Hunter syndrome"]),
        ("MPS II; Hunter syndrome ;", ["MPS II", "Hunter syndrome"]),
        ('"Hunter syndrome"', ["Hunter syndrome"]),
        ("42", ["42"]),
        ("", []),
        (None, []),
    ],
)
def test_parse_aliases_reads_the_public_evaluator_shapes(cell: Any, expected: list[str]) -> None:
    assert parse_aliases(cell) == expected


def test_default_gold_is_answer_plus_answer_aliases() -> None:
    assert item_golds("Hunter syndrome", '["MPS II", " "]') == ["Hunter syndrome", "MPS II"]
    score = best_f1("MPS II", item_golds("Mucopolysaccharidosis type 2", "MPS II"))
    assert score == Score(1.0, 1.0, "MPS II", "gold")


# --------------------------------------------------------------------------- Orphanet alias-max


@pytest.fixture(scope="module")
def ontology() -> Ontology:
    return load()


def test_orphanet_alias_max_is_an_option_naming_the_winner(ontology: Ontology) -> None:
    golds = ["Kawasaki disease"]
    default = best_f1("Kawasaki's disease", golds)
    assert default == Score(0.5, 0.0, "Kawasaki disease", "gold")
    wide = best_f1("Kawasaki's disease", golds, ontology=ontology, code="ORPHA:2331")
    assert wide == Score(1.0, 1.0, "Kawasaki's disease", "orphanet")
    # a synonym only Orphanet knows
    syn = best_f1("mucocutaneous lymph node syndrome", golds, ontology=ontology, code=2331)
    assert syn.f1 == 1.0 and syn.source == "orphanet"


def test_given_golds_win_ties(ontology: Ontology) -> None:
    score = best_f1("Kawasaki disease", ["Kawasaki disease"], ontology=ontology, code=2331)
    assert score.source == "gold"


@given(any_text)
def test_orphanet_alias_max_bounds_every_alias(prediction: str) -> None:
    ont = load()
    wide = best_f1(prediction, ["Hunter syndrome"], ontology=ont, code=580)
    assert wide.f1 >= best_f1(prediction, ["Hunter syndrome"]).f1
    assert all(wide.f1 >= f1(prediction, a.form) for a in ont.aliases.for_code(580))


def test_errors_are_typed(ontology: Ontology) -> None:
    with pytest.raises(UnknownCodeError, match="ORPHA:999999"):
        best_f1("x", ["y"], ontology=ontology, code=999999)
    with pytest.raises(ScoringError, match="without an ontology"):
        best_f1("x", ["y"], code=2331)
    with pytest.raises(ScoringError, match="no gold"):
        best_f1("x", [])
    with pytest.raises(ValueError):  # ScoringError is a ValueError too
        aggregate([])


# --------------------------------------------------------------------------- aggregation


def test_bootstrap_is_seeded_and_records_the_seed() -> None:
    values = [1.0, 0.0, 0.5, 1.0, 0.25, 0.0, 1.0, 0.75]
    a = aggregate(values, resamples=500, seed=11)
    assert a == aggregate(values, resamples=500, seed=11)
    assert a.seed == 11 and a.resamples == 500 and a.n == 8
    assert a.value == 100.0 * sum(values) / len(values)
    assert a.low is not None and a.high is not None and a.low <= a.value <= a.high
    assert aggregate(values, resamples=500, seed=12) != a
    assert a.to_dict()["seed"] == 11


def test_no_bootstrap_gives_no_interval() -> None:
    a = aggregate([1.0, 0.0], resamples=0, seed=3)
    assert (a.value, a.low, a.high, a.seed) == (50.0, None, None, 3)


def test_constant_scores_give_a_point_interval() -> None:
    a = aggregate([1.0] * 20, resamples=100)
    assert a.low == a.high == a.value == 100.0
