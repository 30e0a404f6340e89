"""SQuAD token F1: pairs per second of ``mmrare_core.scoring.metrics.f1`` beside the official loop.

    python benchmarks/f1_bench.py [--pairs N] [--orphanet PATH]

Builds one list of (prediction, gold) pairs and times, in the same process on the same list:

* ``official loop``: a faithful reimplementation of the official SQuAD v1.1 script's
  ``normalize_answer`` and ``f1_score`` (huggingface/evaluate ``metrics/squad/compute_score.py``);
* ``mmrare_core f1``: the library's ``f1`` (same values, checked pair by pair after timing);
* ``mmrare_core exact_match`` and the official ``exact_match_score``, for completeness.

The pairs: every (leaderboard prediction, gold answer) pair of the SQuAD v1.1 slice in
../shared/data/squad (530 predictions, 1,590 pairs), and MMRareBench-like disease-name pairs
from an Orphanet release (preferred name against each synonym, and a prediction with a
qualifier or a missing word against the name), cycled to ``--pairs`` (default 1,000,000).
Neither side caches anything, so repeated pairs cost the same as new ones. Without
../shared the embedded sample release alone provides the names.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time
from collections.abc import Callable
from itertools import cycle, islice
from pathlib import Path

from mmrare_core.ontology.ontology import load
from mmrare_core.scoring.metrics import exact_match, f1

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SQUAD = SHARED / "squad"
PACKETS = SHARED / "orphanet" / "orphapackets_en_2025-12-09.jsonl.gz"


# --------------------------------------------------------------------------- the official loop
# One reimplementation serves the tests and this benchmark: tests/squad_reference.py.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.squad_reference import ref_em as official_em  # noqa: E402
from tests.squad_reference import ref_f1 as official_f1  # noqa: E402

# --------------------------------------------------------------------------- the pairs


def squad_pairs() -> list[tuple[str, str]]:
    path = SQUAD / "dev-v1.1.slice.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    preds = json.loads((SQUAD / "explorer_predictions.slice.json").read_text(encoding="utf-8"))
    golds = {
        qa["id"]: [a["text"] for a in qa["answers"]]
        for article in data["data"]
        for paragraph in article["paragraphs"]
        for qa in paragraph["qas"]
    }
    return [
        (answer, gold)
        for model in preds["predictions"].values()
        for qid, answer in model.items()
        for gold in golds[qid]
    ]


def disease_pairs(source: str | None, limit: int = 20000) -> list[tuple[str, str]]:
    ontology = load(source)
    pairs: list[tuple[str, str]] = []
    for disorder in ontology:
        name = disorder.name
        pairs.extend((name, synonym) for synonym in disorder.synonyms)
        words = name.split()
        pairs.append((f"Suspected {name.lower()}, type unspecified", name))
        if len(words) > 1:
            pairs.append((" ".join(words[:-1]), name))
        if len(pairs) >= limit:
            break
    return pairs[:limit]


# --------------------------------------------------------------------------- timing


def timed(
    func: Callable[[str, str], object], pairs: list[tuple[str, str]]
) -> tuple[float, list[object]]:
    gc.collect()
    start = time.perf_counter()
    out = [func(p, g) for p, g in pairs]
    return time.perf_counter() - start, out


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument(
        "--orphanet",
        default=str(PACKETS) if PACKETS.exists() else None,
        help="release for the disease names (default: the shared packets, else the sample)",
    )
    args = parser.parse_args()
    squad = squad_pairs()
    diseases = disease_pairs(args.orphanet)
    base = squad + diseases
    pairs = list(islice(cycle(base), args.pairs))
    print(
        f"python {platform.python_version()} on {platform.machine()}; {len(pairs):,} pairs "
        f"cycled from {len(squad):,} SQuAD pairs + {len(diseases):,} disease-name pairs"
    )
    rows = []
    results = {}
    for label, func in (
        ("official loop f1_score", official_f1),
        ("mmrare_core f1", f1),
        ("official exact_match_score", official_em),
        ("mmrare_core exact_match", exact_match),
    ):
        seconds, results[label] = timed(func, pairs)
        rows.append((label, seconds))
    if results["official loop f1_score"] != results["mmrare_core f1"]:
        print("MISMATCH: the library's F1 differs from the official loop", file=sys.stderr)
        return 1
    if results["official exact_match_score"] != results["mmrare_core exact_match"]:
        print("MISMATCH: the library's EM differs from the official loop", file=sys.stderr)
        return 1
    print("every pair: library value == official value (F1 and EM)")
    print(f"{'implementation':<28} {'seconds':>8} {'pairs/s':>12} {'vs official':>12}")
    for index, (label, seconds) in enumerate(rows):
        ratio = rows[index - index % 2][1] / seconds
        rate = len(pairs) / seconds
        print(f"{label:<28} {seconds:>8.2f} {rate:>12,.0f} {ratio:>11.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
