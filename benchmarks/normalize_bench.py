"""Throughput of ``normalize()`` on the real case reports, beside the floor and a baseline.

    python benchmarks/normalize_bench.py [--texts PATH] [--repeat N]

Reads the T2S2 case-report bodies (field ``text``) from ../shared/data beside the checkout and
times, over all of them, best of N repeats:

* ``str.lower``: the floor (the masker's own floor runs Aho-Corasick over it);
* ``normalize_text``: the normalized text alone;
* ``normalize``: the text and its offset map, as the library returns it (the map's breakpoints
  are built on the first offset query);
* ``normalize + map``: the same and one ``source_span`` query, which builds the breakpoints;
* ``NFKC + casefold``: ``unicodedata.normalize("NFKC", t).casefold()``, with no offsets and no
  dash, quote, invisible-character or white-space handling.

MB are megabytes of UTF-8; times are CPU seconds of this process (``time.process_time``), as
in ``mask_bench.py``: the machine is shared, and other jobs must not stretch the figures.
Exit status 2 when the texts are missing.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import platform
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

from mmrare_core.text.normalize import normalize, normalize_text

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TEXTS = (
    ROOT.parent / "shared" / "data" / "pmc_case_texts" / "t2s2_case_report_bodies.jsonl.gz"
)


def _with_map(text: str) -> object:
    n = normalize(text)
    return n.source_span(0, len(n.text))


def _nfkc_casefold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


CANDIDATES: list[tuple[str, Callable[[str], object]]] = [
    ("str.lower (floor)", str.lower),
    ("normalize_text", normalize_text),
    ("normalize", normalize),
    ("normalize + map", _with_map),
    ("NFKC + casefold", _nfkc_casefold),
]


def best_seconds(
    candidates: list[tuple[str, Callable[[str], object]]], texts: list[str], repeat: int
) -> dict[str, float]:
    """The fastest of ``repeat`` passes over all ``texts``, per candidate. The candidates take
    turns within each repeat, so that a busy machine slows them alike."""
    best = dict.fromkeys((name for name, _ in candidates), float("inf"))
    for _ in range(repeat):
        for name, function in candidates:
            gc.collect()
            start = time.process_time()
            for text in texts:
                function(text)
            best[name] = min(best[name], time.process_time() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=Path, default=DEFAULT_TEXTS)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if not args.texts.exists():
        print(f"case texts not found: {args.texts} (needs ../shared beside the checkout)",
              file=sys.stderr)  # fmt: skip
        return 2
    with gzip.open(args.texts, "rt", encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh]
    megabytes = sum(len(text.encode("utf-8")) for text in texts) / 1e6
    print(f"{len(texts):,} texts, {megabytes:.1f} MB, best of {args.repeat}, "
          f"Python {platform.python_version()}\n")  # fmt: skip
    seconds = best_seconds(CANDIDATES, texts, args.repeat)
    floor = seconds[CANDIDATES[0][0]]
    print(f"| {'function':<20} | {'MB/s':>7} | {'time / floor':>12} |")
    print(f"|{'-' * 22}|{'-' * 8}:|{'-' * 13}:|")
    for name, _ in CANDIDATES:
        print(
            f"| {name:<20} | {megabytes / seconds[name]:>7.1f} | {seconds[name] / floor:>12.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
