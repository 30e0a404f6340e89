"""Record digests of views and masks of the shared texts: ``python record.py OUT_DIR``."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sys
import tarfile
import tempfile
from pathlib import Path

SHARED = Path(
    os.environ.get("MMRARE_SHARED_DATA", Path(__file__).resolve().parents[4] / "shared" / "data")
)
CODES = [29072, 2331, 646, 1775, 97286]
TESTS = ["CT", "biopsy", "MRI", "immunohistochemistry"]


def record(out_dir: Path) -> None:
    import mmrare_core as mm

    ont = mm.load(SHARED / "orphanet/orphapackets_en_2025-12-09.jsonl.gz")
    masker = mm.Masker.from_ontology(ont)
    digests: dict[str, str] = {}

    def rec(key: str, payload: str) -> None:
        digests[key] = hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()

    def views_of(key: str, doc: object) -> None:
        for track in ("T1", "T2", "T3", "T4"):
            try:
                view = mm.build_view(doc, track, masker=masker, codes=CODES, withheld_tests=TESTS)
                rec(f"{key}/{track}", view.to_json())
            except mm.MMRareError as exc:
                rec(f"{key}/{track}", f"error {type(exc).__name__}: {exc}")

    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(SHARED / "pmc/jats_articles.tar.gz") as tar:
            tar.extractall(tmp, filter="data")
        for path in sorted(Path(tmp).rglob("*.xml")):
            try:
                doc = mm.parse_jats(path)
            except mm.MMRareError as exc:
                rec(f"jats/{path.name}", f"error {type(exc).__name__}")
                continue
            views_of(f"jats/{path.name}", doc)
    with gzip.open(SHARED / "pmc_case_texts/t2s2_case_report_bodies.jsonl.gz", "rt") as fh:
        for i, line in enumerate(fh):
            if i >= 300:
                break
            r = json.loads(line)
            views_of(f"text/{r['pmcid']}", mm.parse_text(r["text"], source=r["pmcid"] + ".txt"))
            for frag in (False, True):
                res = masker.mask(r["text"], CODES, fragments=frag)
                rec(f"mask/{r['pmcid']}/{frag}", json.dumps(res.to_dict(), sort_keys=True))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "baseline_digests.json").write_text(json.dumps(digests, indent=0, sort_keys=True))


if __name__ == "__main__":
    record(Path(sys.argv[1]))
