"""``python -m mmrare_core.audit`` on the shipped examples: the findings each item must get."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mmrare_core.audit.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
ARGS = [str(EXAMPLES / "items.jsonl"), "--images-root", str(EXAMPLES),
        "--documents", str(EXAMPLES / "documents"), "--no-progress"]  # fmt: skip

#: item -> (verdict, the checks that must be among its findings)
EXPECTED = {
    "t1-clean": ("pass", set()),
    "t1-alias-variant": ("reject", {"residual_alias"}),
    "t1-abbreviation": ("reject", {"residual_abbreviation"}),
    "t1-caption-left": ("reject", {"caption_text"}),
    "t1-typo-and-fragment": ("reject", {"residual_near_miss", "residual_fragment"}),
    "t1-public-release-shape": ("pass", set()),
    "t1-unresolved-answer": ("reject", {"unresolved_diagnosis"}),
    "t1-bad-evidence": ("reject", {"evidence"}),
    "t2-answer-in-context": ("reject", {"answer_in_context"}),
    10: ("reject", {"unreadable"}),
    "t3-clean": ("pass", set()),
    "t3-image-escape": ("reject", {"images"}),
    "t4-clean": ("pass", set()),
    "t4-withheld-test-left": ("reject", {"withheld_test_in_context"}),
}


@pytest.fixture(scope="module")
def reports() -> list[dict[str, object]]:
    out = subprocess.run(
        [sys.executable, "-m", "mmrare_core.audit", *ARGS, "--format", "jsonl"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 1, out.stderr  # leaky items are rejected
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_one_line_per_input_item_in_order(reports: list[dict[str, object]]) -> None:
    assert [r["item"] for r in reports] == list(EXPECTED)
    assert [r["line"] for r in reports] == list(range(1, len(EXPECTED) + 1))


@pytest.mark.parametrize("key", list(EXPECTED))
def test_expected_findings(reports: list[dict[str, object]], key: object) -> None:
    report = next(r for r in reports if r["item"] == key)
    verdict, checks = EXPECTED[key]
    found = {f["check"] for f in report["findings"]}  # type: ignore[index, union-attr]
    assert report["verdict"] == verdict, report
    assert checks <= found, report


def test_findings_carry_spans_that_point_at_the_leak(reports: list[dict[str, object]]) -> None:
    items = {json.loads(line).get("index"): json.loads(line)
             for line in (EXAMPLES / "items.jsonl").read_text().splitlines() if line.startswith("{\"index\": \"t")}  # fmt: skip
    report = next(r for r in reports if r["item"] == "t1-alias-variant")
    (finding,) = [f for f in report["findings"] if f["check"] == "residual_alias"]  # type: ignore[union-attr, index]
    start, end = finding["span"]
    assert items["t1-alias-variant"]["context"][start:end] == "Kawasaki's disease"


def test_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main([*ARGS, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["items"] == len(EXPECTED)
    assert main([*ARGS, "--exit-zero"]) == 0
    capsys.readouterr()
    assert main([str(tmp_path / "missing.jsonl")]) == 2
    assert "not found" in capsys.readouterr().err
    clean = tmp_path / "clean.jsonl"
    clean.write_text((EXAMPLES / "items.jsonl").read_text().splitlines()[0] + "\n")
    assert (
        main(
            [str(clean), "--images-root", str(EXAMPLES), "--documents", str(EXAMPLES / "documents")]
        )
        == 0
    )


def test_strict_counts_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = json.loads((EXAMPLES / "items.jsonl").read_text().splitlines()[0])
    line["context"] += "\n\nThe Kawasaki criteria were reviewed."  # a fragment: a warning
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(line) + "\n")
    common = [str(path), "--images-root", str(EXAMPLES), "--documents", str(EXAMPLES / "documents")]
    assert main(common) == 0
    assert main([*common, "--strict"]) == 1


def test_without_documents_the_evidence_check_says_it_did_not_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        main([str(EXAMPLES / "items.jsonl"), "--images-root", str(EXAMPLES), "--format", "jsonl"])
        == 1
    )
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    assert first["verdict"] == "warn"
    assert any(f["rule"] == "evidence_unchecked" for f in first["findings"])


def test_workers_give_the_same_reports(capsys: pytest.CaptureFixture[str]) -> None:
    main([*ARGS, "--format", "jsonl"])
    one = capsys.readouterr().out
    main([*ARGS, "--format", "jsonl", "--workers", "2"])
    assert capsys.readouterr().out == one


def test_the_audit_reads_the_short_forms_of_the_items_view_record() -> None:
    """A short form the report defined only in its dropped abstract is still the diagnosis:
    the view's record lists it, and the audit reads the record instead of re-deriving it."""
    from mmrare_core.audit.run import AuditContext, audit_item
    from mmrare_core.documents.text import parse_text
    from mmrare_core.masking import Masker
    from mmrare_core.ontology import load
    from mmrare_core.views import build_view

    masker = Masker.from_ontology(load())
    doc = parse_text(
        "Abstract\n\nKawasaki disease (KD) in a boy.\n\nCase presentation\n\nA boy had fever."
    )
    view = build_view(doc, "T1", masker=masker, codes=[2331])
    assert view.leakage_audit.layer2["abbreviations"] == ["KD"]
    item = {"question": "Is KD likely here?", "context": view.text, "answer": "Kawasaki disease",
            "orpha_code": "ORPHA:2331", "track": "T1"}  # fmt: skip
    context = AuditContext(masker)
    plain = audit_item(item, context)
    with_record = audit_item({**item, "leakage_audit": view.leakage_audit.to_dict()}, context)
    assert not [f for f in plain.findings if f.check == "residual_abbreviation"]
    found = [f for f in with_record.findings if f.check == "residual_abbreviation"]
    assert [(f.rule, f.field, f.span) for f in found] == [
        ("abbreviation_in_report", "question", (3, 5))
    ]
    assert with_record.verdict == "reject"
