"""Outputs recorded before the layout move (issue 10): the move keeps them byte for byte.

``tests/data/recorded/`` holds the audit of the shipped examples in each format, one view and
one mask of the example report, and SHA-256 digests of the views (T1-T4) of the 139 shared JATS
articles and of 300 shared case texts, plus their masks (``record.py`` made them; the texts
themselves are not copied). Once a later change alters behaviour on purpose, record again.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[1]
RECORDED = ROOT / "tests" / "data" / "recorded"
AUDIT = [sys.executable, "-m", "mmrare_core.audit", "examples/items.jsonl", "--images-root",
         "examples", "--documents", "examples/documents", "--exit-zero", "--no-progress"]  # fmt: skip


def _run(args: list[str], stdin: bytes | None = None) -> bytes:
    done = subprocess.run(args, cwd=ROOT, input=stdin, capture_output=True, check=True)
    return done.stdout


@pytest.mark.parametrize("fmt, recorded", [("text", "audit.txt"), ("json", "audit.json"),
                                           ("jsonl", "audit.jsonl")])  # fmt: skip
def test_audit_of_the_examples_is_byte_identical(fmt: str, recorded: str) -> None:
    assert _run([*AUDIT, "--format", fmt]) == (RECORDED / recorded).read_bytes()


def test_view_and_mask_of_the_example_are_byte_identical() -> None:
    report = "examples/documents/PMC0000001.txt"
    view = _run([sys.executable, "-m", "mmrare_core", "view", "--track", "T4", "--orpha", "2331",
                 "--withheld", "echocardiography", "--json", report])  # fmt: skip
    assert view == (RECORDED / "view_T4.json").read_bytes()
    mask = _run([sys.executable, "-m", "mmrare_core", "mask", "--orpha", "2331", "--json"],
                stdin=(ROOT / report).read_bytes())  # fmt: skip
    assert mask == (RECORDED / "mask.json").read_bytes()


@pytest.mark.realdata
@pytest.mark.slow
def test_views_and_masks_of_the_shared_texts_are_byte_identical(tmp_path: Path) -> None:
    if not (SHARED_DATA / "pmc" / "jats_articles.tar.gz").exists():
        pytest.skip("real data not available (needs ../shared beside the checkout)")
    _run([sys.executable, str(RECORDED / "record.py"), str(tmp_path)])
    now = json.loads((tmp_path / "baseline_digests.json").read_text())
    before = json.loads((RECORDED / "baseline_digests.json").read_text())
    assert now.keys() == before.keys()
    changed = sorted(k for k in before if now[k] != before[k])
    assert not changed, f"{len(changed)} outputs changed, first: {changed[:5]}"
