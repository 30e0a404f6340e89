"""The ``mmrare`` command line: ``main([...])`` in process and ``python -m`` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mmrare_core.cli import main


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
