"""The ``mmrare`` command line: ``main([...])`` in process and ``python -m`` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mmrare_core.cli.mmrare import main


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_stats(capsys: pytest.CaptureFixture[str]) -> None:
    stats = run_json(capsys, "ontology", "stats")
    assert isinstance(stats, dict)
    assert stats["disorders"] >= 40 and stats["aliases"]["aliases"] > stats["names"]
    assert "hyphen_space" in stats["aliases"]["per_rule"]


def test_show(capsys: pytest.CaptureFixture[str]) -> None:
    shown = run_json(capsys, "ontology", "show", "ORPHA:646")
    assert isinstance(shown, dict)
    assert shown["curie"] == "ORPHA:646" and len(shown["children"]) == 5


def test_search(capsys: pytest.CaptureFixture[str]) -> None:
    hits = run_json(capsys, "ontology", "search", "kawasaki", "-k", "2")
    assert isinstance(hits, list) and hits[0]["code"] == "ORPHA:2331" and len(hits) == 2


def test_aliases_name_their_rule(capsys: pytest.CaptureFixture[str]) -> None:
    aliases = run_json(capsys, "ontology", "aliases", "2331")
    assert isinstance(aliases, list)
    by_form = {a["form"]: a["rule_id"] for a in aliases}
    assert by_form["Kawasaki's disease"] == "possessive_add"


def test_text_output_is_human(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ontology", "aliases", "ORPHA:906"]) == 0
    out = capsys.readouterr().out
    assert "WAS" in out and "case-sensitive" in out


def test_unknown_code_exits_2_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ontology", "show", "ORPHA:999999999"]) == 2
    assert "ORPHA:999999999 is not in the loaded release" in capsys.readouterr().err


def test_missing_source_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    assert main(["ontology", "stats", "--orphanet", "/nonexistent/release.xml"]) == 2
    assert "nonexistent" in capsys.readouterr().err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ontology", "frobnicate"]) == 2
    assert main([]) == 2


def test_python_dash_m_entry_point() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mmrare_core", "ontology", "show", "1775", "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["name"] == "Dyskeratosis congenita"


# --------------------------------------------------------------------------- mmrare mask


def test_mask_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("Wiskott-Aldrich syndrome; he was well."))
    assert main(["mask", "--orpha", "906", "--no-abbreviations"]) == 0
    assert capsys.readouterr().out == "[DIAGNOSIS_MASKED]; he was well."


def test_mask_stdin_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("Kawasaki disease"))
    assert main(["mask", "--orpha", "ORPHA:2331", "--json", "--no-abbreviations"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["masked"] == "[DIAGNOSIS_MASKED]" and data["edits"][0]["rule_id"] == "orphanet_name"


def test_mask_without_target_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mask"]) == 2
    assert "--orpha" in capsys.readouterr().err


@pytest.mark.parametrize("workers", ["1", "2"])
def test_mask_jsonl_goes_on_past_bad_lines(
    tmp_path: object, capsys: pytest.CaptureFixture[str], workers: str
) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "in.jsonl"
    lines = [
        {"id": "a", "text": "Kawasaki disease.", "orpha": [2331]},
        "not json",
        {"id": "c", "text": "x", "orpha": [999999999]},
        {"id": "d", "text": 5, "orpha": [2331]},
        {"id": "e", "text": "WAS", "orpha": ["ORPHA:906"]},
    ]
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    code = main(["mask", "--jsonl", str(path), "--workers", workers, "--no-abbreviations"])
    captured = capsys.readouterr()
    out = [json.loads(line) for line in captured.out.splitlines()]
    assert code == 1
    assert [o.get("id") for o in out] == ["a", None, "c", None, "e"]
    assert out[0]["masked"] == "[DIAGNOSIS_MASKED]." and out[0]["text"] == "Kawasaki disease."
    assert [o.get("line") for o in out[1:4]] == [2, 3, 4]
    assert "in.jsonl:2" in captured.err and "in.jsonl:3" in captured.err
    assert out[4]["masked"] == "[DIAGNOSIS_MASKED]"
