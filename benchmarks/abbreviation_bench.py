"""Speed and agreement of find_abbreviations, beside scispaCy's AbbreviationDetector.

    python benchmarks/abbreviation_bench.py [--data JSONL.GZ] [--docs N] [--repeat N]

Measures, on the shared PMC case-report bodies (field ``text``):

* chars/s of :func:`mmrare_core.text.abbreviations.find_abbreviations` per document and per
  paragraph (blank-line separated) over all texts, best of ``--repeat``;
* linearity: the same function on one text made of all documents joined, at 1/8, 1/4, 1/2
  and all of it (chars/s should stay flat);
* when scispaCy is importable, its detector on ``spacy.blank("en")`` on the first ``--docs``
  documents (per paragraph, per document, and one large doc of growing size), and the
  agreement of the two on those documents. Without scispaCy that part is reported skipped.

scispaCy pins numpy below 2, so it lives in a venv of its own (see docs/abbreviations.md):

    python3 -m venv /tmp/scivenv && /tmp/scivenv/bin/pip install scispacy
    PYTHONPATH=src /tmp/scivenv/bin/python benchmarks/abbreviation_bench.py
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from mmrare_core.text.abbreviations import (
    Abbreviation,
    MissingExtraError,
    find_abbreviations,
    find_abbreviations_scispacy,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = (
    ROOT.parent / "shared" / "data" / "pmc_case_texts" / "t2s2_case_report_bodies.jsonl.gz"
)

Finder = Callable[[str], list[Abbreviation]]


def load(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle]


def paragraphs(text: str) -> list[tuple[int, str]]:
    """``(offset, paragraph)`` for each blank-line separated paragraph."""
    out, pos = [], 0
    for part in text.split("\n\n"):
        if part.strip():
            out.append((pos, part))
        pos += len(part) + 2
    return out


def best_time(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def per_doc(find: Finder, texts: Iterable[str]) -> list[list[Abbreviation]]:
    return [find(text) for text in texts]


def per_paragraph(find: Finder, texts: Iterable[str]) -> list[list[Abbreviation]]:
    """Run ``find`` on each paragraph; spans shifted back to document offsets."""
    found = []
    for text in texts:
        doc: list[Abbreviation] = []
        for offset, para in paragraphs(text):
            for a in find(para):
                doc.append(
                    Abbreviation(
                        a.short,
                        a.long,
                        (a.short_span[0] + offset, a.short_span[1] + offset),
                        (a.long_span[0] + offset, a.long_span[1] + offset),
                        a.direction,
                    )
                )
        found.append(doc)
    return found


def rate(chars: int, seconds: float) -> str:
    return f"{chars / seconds / 1e6:8.2f} M chars/s"


def speed_table(texts: list[str], repeat: int) -> None:
    chars = sum(len(t) for t in texts)
    print(f"\n## find_abbreviations on {len(texts):,} documents, {chars:,} chars")
    print(f"{'mode':<34}{'seconds':>10}{'throughput':>20}")
    for label, mode in (("per document", per_doc), ("per paragraph", per_paragraph)):
        seconds = best_time(lambda m=mode: m(find_abbreviations, texts), repeat)  # type: ignore[misc]
        print(f"{label:<34}{seconds:>10.3f}{rate(chars, seconds):>20}")
    big = "\n\n".join(texts)
    print(f"\n## linearity: one document of all texts joined ({len(big):,} chars)")
    print(f"{'size':<34}{'seconds':>10}{'throughput':>20}")
    for frac in (8, 4, 2, 1):
        part = big[: len(big) // frac]
        seconds = best_time(lambda p=part: find_abbreviations(p), max(1, repeat // 2))  # type: ignore[misc]
        print(
            f"{f'1/{frac} ({len(part):,} chars)':<34}{seconds:>10.3f}{rate(len(part), seconds):>20}"
        )


def pair_key(doc: int, a: Abbreviation) -> tuple[int, str, str]:
    return (doc, a.short, a.long)


def agreement(ours: list[list[Abbreviation]], theirs: list[list[Abbreviation]]) -> None:
    ours_keys = {pair_key(i, a) for i, doc in enumerate(ours) for a in doc}
    their_keys = {pair_key(i, a) for i, doc in enumerate(theirs) for a in doc}
    ours_short = {(i, a.short_span) for i, doc in enumerate(ours) for a in doc}
    their_short = {(i, a.short_span) for i, doc in enumerate(theirs) for a in doc}
    n_ours = sum(len(d) for d in ours)
    n_theirs = sum(len(d) for d in theirs)
    only_ours = [
        a for i, doc in enumerate(ours) for a in doc if (i, a.short_span) not in their_short
    ]
    print("\n## agreement (same documents; pair = (document, short, long) as strings)")
    print(f"definitions found: mmrare_core {n_ours:,}, scispaCy {n_theirs:,}")
    print(f"distinct pairs: mmrare_core {len(ours_keys):,}, scispaCy {len(their_keys):,}, "
          f"both {len(ours_keys & their_keys):,}")  # fmt: skip
    print(f"same short-form span: both {len(ours_short & their_short):,}, "
          f"only mmrare_core {len(ours_short - their_short):,}, "
          f"only scispaCy {len(their_short - ours_short):,}")  # fmt: skip
    rev = sum(a.direction == "reversed" for a in only_ours)
    hyph = sum("-" in a.short for a in only_ours)
    print(f"only mmrare_core: {rev:,} reversed, {hyph:,} hyphenated short forms")
    same_short = {(i, a.short_span): a.long for i, doc in enumerate(theirs) for a in doc}
    differ = sum(
        1
        for i, doc in enumerate(ours)
        for a in doc
        if (i, a.short_span) in same_short and same_short[(i, a.short_span)] != a.long
    )
    print(f"same short-form span, different long form: {differ:,}")


def scispacy_table(texts: list[str], repeat: int) -> None:
    try:
        find_abbreviations_scispacy("warm up (WU)")
    except MissingExtraError as exc:
        print(f"\n## scispaCy: skipped ({exc})")
        return
    import scispacy  # the version, for the record

    chars = sum(len(t) for t in texts)
    print(f"\n## side by side on the first {len(texts):,} documents ({chars:,} chars), "
          f"scispaCy {scispacy.__version__}")  # fmt: skip
    print(f"{'finder / mode':<40}{'seconds':>10}{'throughput':>20}{'ratio':>8}")
    ours_runs: dict[str, float] = {}
    for label, mode in (("per document", per_doc), ("per paragraph", per_paragraph)):
        ours = best_time(lambda m=mode: m(find_abbreviations, texts), repeat)  # type: ignore[misc]
        theirs = best_time(lambda m=mode: m(find_abbreviations_scispacy, texts), 1)  # type: ignore[misc]
        ours_runs[label] = ours
        print(f"{'mmrare_core ' + label:<40}{ours:>10.3f}{rate(chars, ours):>20}{1:>8.1f}")
        print(f"{'scispaCy ' + label:<40}{theirs:>10.3f}{rate(chars, theirs):>20}"
              f"{theirs / ours:>8.1f}")  # fmt: skip
    big = "\n\n".join(texts)
    print("\n## one large document (scispaCy's global matcher re-scans the doc per definition)")
    print(f"{'size':<40}{'mmrare_core s':>14}{'scispaCy s':>12}{'scispaCy M chars/s':>20}")
    for size in (50_000, 100_000, 200_000, 400_000):
        part = big[:size]
        ours = best_time(lambda p=part: find_abbreviations(p), repeat)  # type: ignore[misc]
        theirs = best_time(lambda p=part: find_abbreviations_scispacy(p), 1)  # type: ignore[misc]
        print(f"{f'{len(part):,} chars':<40}{ours:>14.3f}{theirs:>12.3f}"
              f"{len(part) / theirs / 1e6:>20.3f}")  # fmt: skip
    agreement(per_doc(find_abbreviations, texts), per_paragraph(find_abbreviations_scispacy, texts))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--docs", type=int, default=300, help="documents for scispaCy")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.data.exists():
        print(f"data not found: {args.data}", file=sys.stderr)
        return 2
    texts = load(args.data)
    print(f"data: {args.data} ({len(texts):,} documents); Python {sys.version.split()[0]}")
    speed_table(texts, args.repeat)
    scispacy_table(texts[: args.docs], args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
