"""Leakage on the hand-labelled development set: what a T1-strength mask leaves, by kind.

    python -m benchmarks.leakage_eval [--labels benchmarks/devset/labels.jsonl] [--out F.json]

Each labelled text names its diagnosis (an ORPHA code read off the report by a person) and
every surface that gives it away, with its kind, and the evidence words a clinician needs.
The text is masked as a T1 view masks it (fragments and short forms on); a leak occurrence is
*removed* when masks cover all of it, *touched* when they cover part; an evidence occurrence is
*removed* when any mask overlaps it. Masked words are counted against all words. Only the
library's public API is used, so the same script measures an older checkout
(``PYTHONPATH=old/src``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
LABELS = Path(__file__).resolve().parent / "devset" / "labels.jsonl"


def texts() -> dict[str, str]:
    out = {}
    for name in ("t2s2_case_report_bodies.jsonl.gz", "sepsis-100_case_report_bodies.jsonl.gz"):
        with gzip.open(DATA / "pmc_case_texts" / name, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                out.setdefault(record["pmcid"], record["text"])
    return out


def occurrences(text: str, surface: str, case: bool) -> list[tuple[int, int]]:
    flags = 0 if case else re.IGNORECASE
    pattern = rf"(?<![^\W_]){re.escape(surface)}(?![^\W_])"
    return [m.span() for m in re.finditer(pattern, text, flags)]


def covered(span: tuple[int, int], masks: list[tuple[int, int]]) -> tuple[bool, bool]:
    """(all letters of ``span`` masked, some masked)."""
    letters = [i for i in range(*span)]
    inside = [any(s <= i < e for s, e in masks) for i in letters]
    return all(inside), any(inside)


def evaluate(labels: list[dict[str, Any]], mask: Any) -> dict[str, Any]:
    corpus = texts()
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    evidence: Counter[str] = Counter()
    words = masked_words = 0
    texts_leaking = texts_coded = 0
    for label in labels:
        if not label.get("orpha"):
            continue
        text = _text(label, corpus)
        if text is None:
            continue
        texts_coded += 1
        masks = mask(text, label["orpha"])
        leaking = False
        for leak in label.get("leaks", []):
            for span in occurrences(text, leak["surface"], bool(leak.get("case_sensitive"))):
                full, some = covered(span, masks)
                counts = kinds[leak["kind"]]
                counts["occurrences"] += 1
                counts["removed"] += full
                counts["touched"] += some and not full
                leaking |= not full
        texts_leaking += leaking
        for item in label.get("evidence", []):
            for span in occurrences(text, item["surface"], False):
                evidence["occurrences"] += 1
                evidence["removed"] += covered(span, masks)[1]
        tokens = list(re.finditer(r"[^\W_]+", text))
        words += len(tokens)
        masked_words += sum(covered(t.span(), masks)[1] for t in tokens)
    total = Counter()
    for counts in kinds.values():
        total.update(counts)
    return {
        "texts": texts_coded,
        "texts_with_a_residual_leak": texts_leaking,
        "by_kind": {k: _rates(v) for k, v in sorted(kinds.items())},
        "all_leaks": _rates(total),
        "evidence": _rates(evidence),
        "masked_words": masked_words,
        "words": words,
        "masked_word_fraction": round(masked_words / words, 4) if words else 0.0,
    }


def _rates(counts: Counter[str]) -> dict[str, Any]:
    n = counts["occurrences"]
    return {**counts, "recall": round(counts["removed"] / n, 3) if n else None}


def _text(label: dict[str, Any], corpus: dict[str, str]) -> str | None:
    if label.get("source") == "jats":
        from mmrare_core.documents import read_document

        path = DATA / "pmc" / "case_reports" / f"{label['pmcid']}.xml"
        return read_document(path).text if path.exists() else None
    return corpus.get(label["pmcid"])


def library_mask() -> Any:
    from mmrare_core.masking import Masker
    from mmrare_core.ontology import load

    masker = Masker.from_ontology(load(DATA / "orphanet"))

    def mask(text: str, code: str) -> list[tuple[int, int]]:
        result = masker.mask(text, [code], fragments=True)
        return [(e.start, e.end) for e in result.edits]

    return mask


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    labels = [json.loads(line) for line in args.labels.read_text(encoding="utf-8").splitlines()]
    report = evaluate(labels, library_mask())
    print(json.dumps(report, indent=1))
    if args.out:
        args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
