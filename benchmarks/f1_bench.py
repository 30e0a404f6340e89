"""SQuAD token F1: pairs per second of ``mmrare_core.scoring.metrics.f1`` beside the official loop.

    python -m benchmarks.f1_bench [--limit N] [--repeat R] [--orphanet PATH] [--data DIR]
                                  [--out JSON]

Builds one list of (prediction, gold) pairs and times, in the same process on the same list:

* ``official loop``: a faithful reimplementation of the official SQuAD v1.1 script's
  ``normalize_answer`` and ``f1_score`` (huggingface/evaluate ``metrics/squad/compute_score.py``;
  one reimplementation serves the tests and this benchmark: ``tests/squad_reference.py``);
* ``mmrare_core f1``: the library's ``f1`` (same values, checked pair by pair after timing);
* ``mmrare_core exact_match`` and the official ``exact_match_score``, for completeness.

The pairs: every (leaderboard prediction, gold answer) pair of the SQuAD v1.1 slice in
../shared/data/squad (530 predictions, 1,590 pairs), and MMRareBench-like disease-name pairs
from an Orphanet release (preferred name against each synonym, and a prediction with a
qualifier or a missing word against the name), cycled to ``--limit`` (alias ``--pairs``;
default 1,000,000). Neither side caches anything, so repeated pairs cost the same as new ones.
Each row is the best of ``--repeat`` wall-clock passes (default 1), after a garbage collection.
Without ../shared the embedded sample release alone provides the names.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from functools import partial
from itertools import cycle, islice
from pathlib import Path

from tests.squad_reference import ref_em as official_em
from tests.squad_reference import ref_f1 as official_f1

from benchmarks import harness
from mmrare_core.ontology.ontology import load
from mmrare_core.scoring.metrics import exact_match, f1

# --------------------------------------------------------------------------- the pairs


def squad_pairs(squad: Path) -> list[tuple[str, str]]:
    path = squad / "dev-v1.1.slice.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    preds = json.loads((squad / "explorer_predictions.slice.json").read_text(encoding="utf-8"))
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


def score_all(func: Callable[[str, str], object], pairs: list[tuple[str, str]]) -> list[object]:
    return [func(p, g) for p, g in pairs]


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.parser(
        __doc__, repeat=1, limit="pairs to time (default 1,000,000)",
        limit_default=1_000_000, limit_aliases=("--pairs",),
    )  # fmt: skip
    parser.add_argument(
        "--orphanet",
        help="release for the disease names (default: the shared packets, else the sample)",
    )
    args = parser.parse_args(argv)
    packets = args.data / harness.RELEASE
    source = args.orphanet or (str(packets) if packets.exists() else None)
    report = harness.Report(
        "f1_bench", "SQuAD token F1: the library beside the official loop", argv
    )
    squad = squad_pairs(args.data / harness.SQUAD)
    diseases = disease_pairs(source)
    pairs = list(islice(cycle(squad + diseases), args.limit))
    report.fact(
        f"{len(pairs):,} pairs cycled from {len(squad):,} SQuAD pairs + {len(diseases):,} "
        f"disease-name pairs ({source or 'the embedded sample release'}); best of "
        f"{args.repeat}, wall-clock seconds"
    )
    timings = {}
    candidates: list[tuple[str, Callable[[str, str], object]]] = [
        ("official loop f1_score", official_f1),
        ("mmrare_core f1", f1),
        ("official exact_match_score", official_em),
        ("mmrare_core exact_match", exact_match),
    ]
    for label, func in candidates:
        timings[label] = harness.best_of(partial(score_all, func, pairs), args.repeat, collect=True)
    if timings["official loop f1_score"].result != timings["mmrare_core f1"].result:
        print("MISMATCH: the library's F1 differs from the official loop", file=sys.stderr)
        return 1
    if timings["official exact_match_score"].result != timings["mmrare_core exact_match"].result:
        print("MISMATCH: the library's EM differs from the official loop", file=sys.stderr)
        return 1
    report.fact("every pair: library value == official value (F1 and EM)")
    table = report.table(
        "implementation", ("seconds", ".2f"), ("pairs/s", ",.0f"),
        ("vs official", lambda r: f"{r:.2f}x"),
    )  # fmt: skip
    for index, (label, _) in enumerate(candidates):
        seconds = timings[label].wall
        official = timings[candidates[index - index % 2][0]].wall
        table.add(
            label,
            seconds,
            harness.per_second(len(pairs), seconds),
            harness.ratio(official, seconds),
        )
    report.emit(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
