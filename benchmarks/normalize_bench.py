"""Throughput of ``normalize()`` on the real case reports, beside the floor and a baseline.

    python -m benchmarks.normalize_bench [--texts PATH] [--limit N] [--repeat N] [--data DIR]
                                         [--out JSON]

Reads the T2S2 case-report bodies (field ``text``) from ../shared/data beside the checkout and
times, over all of them (or the first ``--limit``), best of N repeats:

* ``str.lower``: the floor (the masker's own floor runs Aho-Corasick over it);
* ``normalize_text``: the normalized text alone;
* ``normalize``: the text and its offset map, as the library returns it (the map's breakpoints
  are built on the first offset query);
* ``normalize + map``: the same and one ``source_span`` query, which builds the breakpoints;
* ``NFKC + casefold``: ``unicodedata.normalize("NFKC", t).casefold()``, with no offsets and no
  dash, quote, invisible-character or white-space handling.

MB are megabytes of UTF-8; times are CPU seconds of this process (``time.process_time``), as
in ``mask_bench``: the machine is shared, and other jobs must not stretch the figures. The
candidates take turns within each repeat, so that a busy machine slows them alike.
Exit status 2 when the texts are missing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from functools import partial

from benchmarks import harness
from mmrare_core.text.normalize import normalize, normalize_text


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


def _over(function: Callable[[str], object], texts: list[str]) -> None:
    for text in texts:
        function(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.parser(__doc__, repeat=7, texts=True)
    args = parser.parse_args(argv)
    path = harness.texts_file(args)
    if not harness.have_data("normalize_bench", path):
        return harness.MISSING
    report = harness.Report("normalize_bench", "Normalization throughput", argv)
    texts = harness.case_texts([path], args.limit)
    nbytes = sum(harness.utf8_bytes(texts))
    report.fact(
        f"texts: {path.name}, {len(texts):,} texts, {nbytes / 1e6:.1f} MB (UTF-8, MB = 10^6 "
        f"bytes); best of {args.repeat}, CPU seconds"
    )
    works = [(name, partial(_over, function, texts)) for name, function in CANDIDATES]
    best = harness.interleaved(works, args.repeat, collect=True)
    floor = best[CANDIDATES[0][0]].cpu
    table = report.table("function", ("MB/s", ".1f"), ("time / floor", ".2f"))
    for name, _ in CANDIDATES:
        table.add(name, harness.mbps(nbytes, best[name].cpu), harness.ratio(best[name].cpu, floor))
    report.emit(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
