"""Rubric aggregation and the strict judge-reply parser, beside the public evaluator's parser."""

from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mmrare_core.errors import RuleFileError
from mmrare_core.rules.files import rules_path
from mmrare_core.scoring.rubric import Judged, Malformed, Rubric, load_rubrics, score_reply

# --------------------------------------------------------------------------- the public parser
# A faithful reimplementation of how the public MMRareBench evaluator (open-compass/VLMEvalKit,
# vlmeval/dataset/mmrarebench.py) turns a judge reply into a score, for comparison only.


def public_t1(reply: str) -> float:
    text = reply.strip().lower()
    answers = re.findall(r"\b(yes|no)\b", text)
    if len(answers) >= 3:
        dims = [1 if a == "yes" else 0 for a in answers[:3]]
        if dims[0] == 0:
            return (dims[1] + dims[2]) / 10.0
        return (3 * dims[0] + dims[1] + dims[2]) / 5.0
    m = re.search(r"(\d+(?:\.\d+)?)\s*/\s*(\d+)", text)
    if m:
        return min(float(m.group(1)) / float(m.group(2)), 1.0)
    return 0.0


def public_yes_ratio(reply: str) -> float:  # T2 and T3
    text = reply.strip()
    lower = text.lower()
    yes = len(re.findall(r"\byes\b", lower))
    no = len(re.findall(r"\bno\b", lower))
    if yes + no >= 2:
        return yes / (yes + no)
    if yes + no == 1:
        return 1.0 if yes == 1 else 0.0
    m = re.search(r"(\d+(?:\.\d+)?)\s*/\s*(\d+)", text)
    if m:
        return min(float(m.group(1)) / float(m.group(2)), 1.0)
    m = re.search(r"(\d+(?:\.\d+)?)\s*%", text)
    if m:
        return min(float(m.group(1)) / 100.0, 1.0)
    m = re.search(r"\b(0(?:\.\d+)?|1(?:\.0+)?)\b", lower)
    return float(m.group(1)) if m else 0.0


def public_t4(reply: str) -> float:
    text = reply.strip()
    scores = [int(x) for x in re.findall(r"\b([012])\b", text)]
    if len(scores) >= 8:
        return sum(scores[:8]) / 16.0
    lower = text.lower()
    yes = len(re.findall(r"\byes\b", lower))
    no = len(re.findall(r"\bno\b", lower))
    if yes + no >= 6:
        return yes / (yes + no)
    m = re.search(r"(\d+(?:\.\d+)?)\s*/\s*(\d+)", text)
    return min(float(m.group(1)) / float(m.group(2)), 1.0) if m else 0.0


PUBLIC = {"T1": public_t1, "T2": public_yes_ratio, "T3": public_yes_ratio, "T4": public_t4}


@pytest.fixture(scope="module")
def rubrics() -> dict[str, Rubric]:
    return load_rubrics()


# --------------------------------------------------------------------------- the rubric data


def test_rubric_shape_from_rules(rubrics: dict[str, Rubric]) -> None:
    assert {t: len(r.dimensions) for t, r in rubrics.items()} == {
        "T1": 3,
        "T2": 6,
        "T3": 5,
        "T4": 8,
    }
    t1 = rubrics["T1"]
    assert [d.id for d in t1.dimensions] == ["t1_exact", "t1_category", "t1_specificity"]
    assert [d.weight for d in t1.dimensions] == [3, 1, 1]
    assert t1.gate == "t1_exact" and t1.gate_fail_divisor == 10
    assert all(d.max == 1 for t in ("T1", "T2", "T3") for d in rubrics[t].dimensions)
    assert all(d.max == 2 for d in rubrics["T4"].dimensions)
    ids = [d.id for r in rubrics.values() for d in r.dimensions]
    assert len(ids) == len(set(ids)) and all(
        d.question for r in rubrics.values() for d in r.dimensions
    )


def test_t1_weighted_cascade_matches_the_public_formula(rubrics: dict[str, Rubric]) -> None:
    for values in itertools.product((0, 1), repeat=3):
        expected = (
            (values[1] + values[2]) / 10.0 if values[0] == 0 else (3 + values[1] + values[2]) / 5.0
        )
        assert rubrics["T1"].score(values) == expected
        assert rubrics["T1"].score(values) <= 0.2 or values[0] == 1  # the cap


@pytest.mark.parametrize(
    ("track", "values", "score"),
    [
        ("T2", (1, 1, 1, 0, 0, 0), 0.5),
        ("T2", (1, 1, 1, 1, 1, 1), 1.0),
        ("T3", (1, 0, 0, 0, 0), 0.2),
        ("T4", (2, 2, 2, 2, 2, 2, 2, 2), 1.0),
        ("T4", (1, 1, 1, 1, 1, 1, 1, 1), 0.5),
        ("T4", (2, 1, 0, 2, 1, 1, 0, 2), 9 / 16),
    ],
)
def test_uniform_tracks(
    rubrics: dict[str, Rubric], track: str, values: tuple[int, ...], score: float
) -> None:
    assert rubrics[track].score(values) == score


def test_score_rejects_bad_values(rubrics: dict[str, Rubric]) -> None:
    with pytest.raises(ValueError, match="3 values"):
        rubrics["T2"].score([1, 0, 1])
    with pytest.raises(ValueError, match="outside"):
        rubrics["T4"].score([3, 0, 0, 0, 0, 0, 0, 0])


# --------------------------------------------------------------------------- accepted replies


@pytest.mark.parametrize(
    ("reply", "track", "values"),
    [
        ("1. YES\n2) no\n3: Yes - because it names the synonym", "T1", (1, 0, 1)),
        ("1. **YES**\n2. **NO** \u2013 wrong organ system\n3. YES.", "T1", (1, 0, 1)),
        ("YES\nNO\nYES", "T1", (1, 0, 1)),
        ("Here are my answers:\n\nyes\nno\nno", "T1", (1, 0, 0)),
        ("3. NO\n1. YES\n2. YES", "T1", (1, 1, 0)),  # numbers, not order, say which dimension
        ("1. YES\nThe response names Kawasaki disease.\n2. NO\n3. YES", "T1", (1, 0, 1)),
        (
            "\n".join(f"{i}. {v}" for i, v in enumerate([2, 1, 0, 2, 1, 1, 0, 2], 1)),
            "T4",
            (2, 1, 0, 2, 1, 1, 0, 2),
        ),
        (
            "1: 2 - names all key tests\n2: 1\n3: 0\n4: 1\n5: 1\n6: 1\n7: 1\n8: 1",
            "T4",
            (2, 1, 0, 1, 1, 1, 1, 1),
        ),
        ("2\n1\n0\n2\n1\n1\n0\n2", "T4", (2, 1, 0, 2, 1, 1, 0, 2)),
        ("1. yes\n2. yes\n3. no\n4. no\n5. yes\n6. no", "T2", (1, 1, 0, 0, 1, 0)),
        ("1) NO\n2) NO\n3) YES\n4) YES\n5) NO", "T3", (0, 0, 1, 1, 0)),
    ],
)
def test_strict_parser_reads(reply: str, track: str, values: tuple[int, ...]) -> None:
    result = score_reply(reply, track)
    assert isinstance(result, Judged), result
    assert result.values == values


# --------------------------------------------------------------------------- malformed replies


@pytest.mark.parametrize(
    ("reply", "track", "reason", "line"),
    [
        ("", "T1", "empty", None),
        ("   \n ", "T2", "empty", None),
        ("No doubt, the answer is yes", "T1", "no_verdicts", 1),
        ("The response is adequate.", "T2", "no_verdicts", None),
        ("1. YES\n2. NO", "T1", "wrong_count", None),
        ("YES\nNO", "T1", "wrong_count", None),
        ("1. YES\n2. NO\n3. YES\n4. NO", "T1", "number_out_of_range", 4),
        ("1. YES\n1. NO\n3. YES", "T1", "duplicate_number", 2),
        ("1. maybe\n2. NO\n3. YES", "T1", "unreadable_verdict", 1),
        ("1. No doubt\n2. NO\n3. YES", "T1", "unreadable_verdict", 1),
        ("1. YES\nNO\n2. NO\n3. YES", "T1", "stray_verdict", 2),
        ("YES\nNO, but arguably yes\nYES", "T1", "ambiguous_line", 2),
        ("1. 3\n2. 1\n3. 1\n4. 1\n5. 1\n6. 1\n7. 1\n8. 1", "T4", "unreadable_verdict", 1),
        ("1. 1.5\n2. 1\n3. 1\n4. 1\n5. 1\n6. 1\n7. 1\n8. 1", "T4", "unreadable_verdict", 1),
        ("1. YES\n2. 1\n3. 1\n4. 1\n5. 1\n6. 1\n7. 1\n8. 1", "T4", "unreadable_verdict", 1),
        ("2\n1\n0\n2\n1\n1\n0", "T4", "wrong_count", None),
        ("2\n1\n0\n2\n1\n1\n0\n3", "T4", "unreadable_verdict", 8),
    ],
)
def test_strict_parser_reports_malformed(
    reply: str, track: str, reason: str, line: int | None
) -> None:
    result = score_reply(reply, track)
    assert isinstance(result, Malformed), result
    assert (result.reason, result.line) == (reason, line)
    assert result.detail and result.to_dict()["reason"] == reason


def test_unknown_track_is_an_error() -> None:
    with pytest.raises(KeyError, match="T9"):
        score_reply("YES", "T9")


# --------------------------------------------------------------------------- vs the public evaluator


def test_public_evaluator_scores_prose_where_the_strict_parser_refuses() -> None:
    reply = "No doubt, the answer is yes"
    assert public_yes_ratio(reply) == 0.5  # one "no" and one "yes" anywhere: half marks
    assert public_t1(reply) == 0.0  # fewer than three words: silently 0
    for track in ("T1", "T2", "T3"):
        result = score_reply(reply, track)
        assert isinstance(result, Malformed) and result.reason == "no_verdicts"


def test_public_evaluator_reads_the_numbering_of_t4_as_scores() -> None:
    values = [2, 2, 2, 2, 2, 2, 2, 2]
    reply = "\n".join(f"{i}. {v}" for i, v in enumerate(values, 1))
    assert public_t4(reply) == (1 + 2 + 2 + 2 + 2 + 2 + 2 + 2) / 16  # "1", "2", "2", ... :(
    result = score_reply(reply, "T4")
    assert isinstance(result, Judged) and result.score == 1.0


def test_public_evaluator_counts_yes_and_no_inside_explanations() -> None:
    reply = "1. YES - no safety issue\n2. YES\n3. YES\n4. YES\n5. YES\n6. YES"
    assert public_yes_ratio(reply) == 6 / 7
    result = score_reply(reply, "T2")
    assert isinstance(result, Judged) and result.score == 1.0


verdict_lists = {
    track: st.lists(st.integers(0, top), min_size=n, max_size=n)
    for track, n, top in (("T1", 3, 1), ("T2", 6, 1), ("T3", 5, 1), ("T4", 8, 2))
}


def _word(track: str, value: int, style: int) -> str:
    if track == "T4":
        return str(value)
    word = "YES" if value else "NO"
    return (word, word.lower(), word.capitalize())[style % 3]


@given(
    st.sampled_from(["T1", "T2", "T3", "T4"]).flatmap(
        lambda t: st.tuples(st.just(t), verdict_lists[t], st.integers(0, 5))
    )
)
def test_clean_replies_round_trip_and_agree_with_the_public_score(
    case: tuple[str, list[int], int],
) -> None:
    track, values, style = case
    bare = "\n".join(_word(track, v, style) for v in values)
    delimiter = ".):"[style % 3]
    numbered = "\n".join(
        f"{i}{delimiter} {_word(track, v, style)}" for i, v in enumerate(values, 1)
    )
    for reply in (bare, numbered):
        result = score_reply(reply, track)
        assert isinstance(result, Judged) and list(result.values) == values
        assert 0.0 <= result.score <= 1.0
    bare_result = score_reply(bare, track)
    assert isinstance(bare_result, Judged)
    assert bare_result.score == pytest.approx(PUBLIC[track](bare))  # same figure on clean replies


@given(st.text(max_size=60), st.sampled_from(["T1", "T2", "T3", "T4"]))
def test_any_text_gives_a_typed_result(reply: str, track: str) -> None:
    result = score_reply(reply, track)
    assert isinstance(result, Judged | Malformed)
    if isinstance(result, Judged):
        assert 0.0 <= result.score <= 1.0


# --------------------------------------------------------------------------- the rule file


def _custom(tmp_path: Path, edit: object) -> Path:
    shutil.copy(rules_path("rubric.json"), tmp_path / "rubric.json")
    data = json.loads((tmp_path / "rubric.json").read_text(encoding="utf-8"))
    edit(data)  # type: ignore[operator]
    (tmp_path / "rubric.json").write_text(json.dumps(data), encoding="utf-8")
    return tmp_path


def test_custom_rubric_changes_behaviour_without_code(tmp_path: Path) -> None:
    def reweight(data: dict) -> None:  # type: ignore[type-arg]
        data["rules"][0]["weight"] = 1
        del data["tracks"]["T1"]["gate"], data["tracks"]["T1"]["gate_fail_divisor"]

    rubrics = load_rubrics(_custom(tmp_path, reweight))
    assert rubrics["T1"].score([0, 1, 1]) == 2 / 3


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["rules"][1].update(number=7), "without gaps"),
        (lambda d: d["rules"][0].update(colour="red"), "unknown key"),
        (lambda d: d["tracks"]["T1"].update(gate="t1_category_x"), "not a binary dimension"),
        (lambda d: d["tracks"].pop("T4"), "undeclared track"),
        (lambda d: d["rules"][0].pop("question"), "missing or bad value"),
    ],
)
def test_bad_rule_files_are_named(tmp_path: Path, edit: object, message: str) -> None:
    with pytest.raises(RuleFileError, match=message):
        load_rubrics(_custom(tmp_path, edit))
