"""``mmrare score``: through a parser built with ``add_score_parser``, and through ``main`` once wired."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from mmrare_core.cli.score import add_score_parser, run_score

from .conftest import SHARED_DATA, require


def score(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="mmrare")
    commands = parser.add_subparsers(dest="command", required=True)
    add_score_parser(commands)
    try:
        args = parser.parse_args(["score", *argv])
    except SystemExit as exc:
        return int(exc.code or 0)
    return run_score(args)


def write_jsonl(path: Path, rows: list[Any]) -> str:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


ITEMS = [
    {
        "index": 1,
        "answer": "Kawasaki disease",
        "answer_aliases": '["Mucocutaneous lymph node syndrome"]',
        "orpha_code": 2331,
    },
    {
        "index": 2,
        "answer": "Mucopolysaccharidosis type 2",
        "answer_aliases": "MPS II; Hunter syndrome",
        "orpha_code": "ORPHA:580",
    },
    {"index": 3, "answer": "Dyskeratosis congenita", "answer_aliases": [], "orpha_code": 1775},
]
PREDICTIONS = [
    {"index": 1, "prediction": "Kawasaki's disease"},
    {"id": "2", "prediction": "Hunter syndrome"},
    {"index": 3, "prediction": "dyskeratosis congenita, X-linked"},
]
REPLIES = [
    {"index": 1, "reply": "1. YES\n2. YES\n3. YES"},
    {"index": 2, "reply": "1) yes\n2) yes\n3) no"},
    {"index": 3, "reply": "NO\nYES\nYES"},
]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    return {
        "items": write_jsonl(tmp_path / "items.jsonl", ITEMS),
        "preds": write_jsonl(tmp_path / "preds.jsonl", PREDICTIONS),
        "judge": write_jsonl(tmp_path / "judge.jsonl", REPLIES),
        "out": str(tmp_path / "result.json"),
    }


def run_json(capsys: pytest.CaptureFixture[str], *argv: str, code: int = 0) -> dict[str, Any]:
    assert score(*argv, "--json") == code
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, dict)
    return data


def test_t1_scores_f1_em_and_judge(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_json(
        capsys, "--track", "T1", files["preds"], files["items"], "--judge", files["judge"],
        "--bootstrap", "200", "--seed", "3",
    )  # fmt: skip
    m = result["metrics"]
    assert m["f1"]["value"] == pytest.approx(100 * (0.5 + 1.0 + 0.8) / 3)
    assert m["em"]["value"] == pytest.approx(100 / 3)
    assert m["judge"]["value"] == pytest.approx(100 * (1.0 + 0.8 + 0.2) / 3)
    assert m["f1"]["seed"] == 3 and m["f1"]["resamples"] == 200
    assert result["bootstrap"] == {"resamples": 200, "seed": 3, "confidence": 0.95}
    assert "f1_orphanet" not in m and result["problems"] == []
    rows = {r["id"]: r for r in result["per_item"]}
    assert rows["2"]["alias"] == "Hunter syndrome" and rows["3"]["judge_values"] == [0, 1, 1]


def test_orphanet_column_is_separate_and_names_the_alias(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_json(
        capsys,
        "--track",
        "T1",
        files["preds"],
        files["items"],
        "--orphanet-aliases",
        "--bootstrap",
        "0",
    )
    m = result["metrics"]
    assert m["f1"]["value"] == pytest.approx(100 * 2.3 / 3)  # the default column is unchanged
    assert m["f1_orphanet"]["value"] == pytest.approx(100 * 2.8 / 3)
    row = result["per_item"][0]
    assert (row["orphanet_alias"], row["alias_source"]) == ("Kawasaki's disease", "orphanet")
    assert m["f1"]["ci_low"] is None and result["ontology"]


def test_same_seed_same_interval(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    argv = ("--track", "T1", files["preds"], files["items"], "--seed", "9")
    first = run_json(capsys, *argv)["metrics"]["f1"]
    assert run_json(capsys, *argv)["metrics"]["f1"] == first


def test_table_and_out_file(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert score("--track", "T1", files["preds"], files["items"], "--out", files["out"]) == 0
    out = capsys.readouterr().out
    assert "F1 (answer + aliases)" in out and "95% CI" in out and "seed 0" in out
    written = json.loads(Path(files["out"]).read_text(encoding="utf-8"))
    assert written["track"] == "T1" and len(written["per_item"]) == 3


def test_problems_are_reported_with_lines_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = write_jsonl(tmp_path / "items.jsonl", [
        *ITEMS,
        {"index": 4, "answer": "Wiskott-Aldrich syndrome"},   # line 4: no prediction
        "{not json",                                          # line 5
        {"index": 1, "answer": "duplicate"},                  # line 6
        {"index": 5},                                         # line 7: no answer
    ])  # fmt: skip
    preds = write_jsonl(tmp_path / "preds.jsonl", [
        *PREDICTIONS,
        {"index": 9, "prediction": "Measles"},                # line 4: no such item
        {"index": 2, "id": 3, "prediction": "x"},             # line 5: ids disagree
        {"index": 8, "prediction": None},                     # line 6
    ])  # fmt: skip
    judge = write_jsonl(tmp_path / "judge.jsonl", [
        REPLIES[0],
        {"index": 2, "reply": "No doubt, the answer is yes"},  # line 2: malformed reply
    ])  # fmt: skip
    result = run_json(
        capsys, "--track", "T1", preds, items, "--judge", judge, "--bootstrap", "0", code=1
    )
    found = {(Path(p["file"]).name, p["line"], p["kind"]) for p in result["problems"]}
    assert found == {
        ("items.jsonl", 4, "unanswered"),
        ("items.jsonl", 5, "malformed"),
        ("items.jsonl", 6, "duplicate_id"),
        ("items.jsonl", 7, "malformed"),
        ("preds.jsonl", 4, "unmatched_id"),
        ("preds.jsonl", 5, "malformed"),
        ("preds.jsonl", 6, "malformed"),
        ("judge.jsonl", 2, "malformed_reply"),
        ("judge.jsonl", None, "no_judge_reply"),
    }
    m = result["metrics"]
    assert m["f1"]["n"] == 4  # the unanswered item counts, with 0, as in the SQuAD script
    assert m["judge"]["n"] == 1  # the malformed reply is left out, never scored 0
    assert result["judge_malformed"] == {"no_verdicts": 1}
    # the stderr listing names file and line
    capsys.readouterr()
    assert score("--track", "T1", preds, items, "--judge", judge, "--bootstrap", "0") == 1
    err = capsys.readouterr().err
    assert (
        "items.jsonl:5: malformed: not JSON" in err
        and "judge.jsonl:2: malformed_reply: no_verdicts" in err
    )


def test_orphanet_column_reports_missing_and_unknown_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = write_jsonl(tmp_path / "i.jsonl", [
        {"index": 1, "answer": "Kawasaki disease"},
        {"index": 2, "answer": "Something", "orpha_code": 999999},
    ])  # fmt: skip
    preds = write_jsonl(
        tmp_path / "p.jsonl", [{"index": 1, "prediction": "x"}, {"index": 2, "prediction": "y"}]
    )
    assert score("--track", "T1", preds, items, "--orphanet-aliases", "--json") == 1
    result = json.loads(capsys.readouterr().out)
    assert [p["kind"] for p in result["problems"]] == ["missing_code", "unknown_code"]
    assert "f1_orphanet" not in result["metrics"] and result["metrics"]["f1"]["n"] == 2


def test_differential_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    items = write_jsonl(tmp_path / "i.jsonl", ITEMS[:2])
    preds = write_jsonl(tmp_path / "p.jsonl", [
        {"index": 1, "prediction": "Kawasaki disease", "differential": ["Measles", "MLNS"]},
        {"index": 2, "prediction": "Hunter syndrome", "differential": "1. MPS II\n2. MPS I"},
    ])  # fmt: skip
    result = run_json(capsys, "--track", "T1", preds, items, "--bootstrap", "0")
    m = result["metrics"]
    assert (m["ddx@1"]["value"], m["ddx@3"]["value"], m["ddx@10"]["value"]) == (50.0, 100.0, 100.0)


@pytest.mark.parametrize("track", ["T2", "T3", "T4"])
def test_judged_tracks(track: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    n = {"T2": 6, "T3": 5, "T4": 8}[track]
    verdict = "2" if track == "T4" else "YES"
    items = write_jsonl(tmp_path / "i.jsonl", [{"index": 1, "answer": "plan"}, {"index": 2}])
    preds = write_jsonl(
        tmp_path / "p.jsonl", [{"index": 1, "prediction": "a"}, {"index": 2, "prediction": "b"}]
    )
    judge = write_jsonl(tmp_path / "j.jsonl", [
        {"index": 1, "reply": "\n".join(f"{i}. {verdict}" for i in range(1, n + 1))},
        {"index": 2, "reply": "\n".join(["0" if track == "T4" else "NO"] * n)},
    ])  # fmt: skip
    result = run_json(capsys, "--track", track, preds, items, "--judge", judge, "--bootstrap", "0")
    assert result["metrics"] == {
        "judge": {
            "value": 50.0,
            "n": 2,
            "ci_low": None,
            "ci_high": None,
            "confidence": 0.95,
            "resamples": 0,
            "seed": 0,
        }
    }


def test_usage_and_io_errors_exit_2(
    files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert score("--track", "T2", files["preds"], files["items"]) == 2  # T2 needs --judge
    assert "--judge" in capsys.readouterr().err
    assert score("--track", "T1", "/nonexistent/p.jsonl", files["items"]) == 2
    assert "nonexistent" in capsys.readouterr().err
    assert score("--track", "T9", files["preds"], files["items"]) == 2
    assert score("--track", "T1", files["preds"], files["items"], "--bootstrap", "-1") == 2
    assert score("--track", "T1", files["preds"], files["items"], "--confidence", "1.5") == 2


def test_options_are_recorded(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(
        capsys,
        "--track",
        "T1",
        files["preds"],
        files["items"],
        "--unicode-punctuation",
        "--squad-v2-empty",
    )
    assert result["options"]["unicode_punctuation"] and result["options"]["squad_v2_empty"]


@pytest.mark.realdata
def test_squad_slice_through_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    squad = SHARED_DATA / "squad"
    data = json.loads(require(squad / "dev-v1.1.slice.json").read_text(encoding="utf-8"))
    preds = json.loads((squad / "explorer_predictions.slice.json").read_text(encoding="utf-8"))
    expected = json.loads((squad / "expected_scores_official.json").read_text(encoding="utf-8"))
    qas = [qa for a in data["data"] for p in a["paragraphs"] for qa in p["qas"]]
    items = write_jsonl(tmp_path / "items.jsonl", [
        {"index": qa["id"], "answer": qa["answers"][0]["text"],
         "answer_aliases": [a["text"] for a in qa["answers"][1:]]}
        for qa in qas
    ])  # fmt: skip
    for model, answers in preds["predictions"].items():
        pred_file = write_jsonl(
            tmp_path / "p.jsonl", [{"id": k, "prediction": v} for k, v in answers.items()]
        )
        result = run_json(capsys, "--track", "T1", pred_file, items, "--bootstrap", "0")
        want = expected["models"][model]["aggregate"]
        assert result["metrics"]["f1"]["value"] == want["f1"]
        assert result["metrics"]["em"]["value"] == want["exact_match"]


def test_main_once_wired(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    from mmrare_core.cli import mmrare as cli

    parser = cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if "score" not in commands.choices:
        pytest.skip("score is not wired into mmrare_core.cli.mmrare yet")
    assert cli.main(["score", "--track", "T1", files["preds"], files["items"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["track"] == "T1"
