"""Speed and agreement of find_abbreviations, beside scispaCy's AbbreviationDetector.

    python -m benchmarks.abbreviation_bench [--texts JSONL.GZ] [--limit N] [--docs N]
                                            [--repeat N] [--data DIR] [--out JSON]

Measures, on the shared PMC case-report bodies (field ``text``; the T2S2 file of ``--data``,
or ``--texts``; the first ``--limit`` of them):

* chars/s of :func:`mmrare_core.text.abbreviations.find_abbreviations` per document and per
  paragraph (blank-line separated) over all texts, best of ``--repeat`` (wall clock);
* linearity: the same function on one text made of all documents joined, at 1/8, 1/4, 1/2
  and all of it (chars/s should stay flat);
* when scispaCy is importable, its detector on ``spacy.blank("en")`` on the first ``--docs``
  documents (per paragraph, per document, and one large doc of growing size), and the
  agreement of the two on those documents. Without scispaCy that part is reported skipped.

scispaCy pins numpy below 2, so it lives in a venv of its own (see docs/abbreviations.md):

    python3 -m venv /tmp/scivenv && /tmp/scivenv/bin/pip install scispacy
    PYTHONPATH=src /tmp/scivenv/bin/python -m benchmarks.abbreviation_bench   # from the repo root
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from benchmarks import harness
from benchmarks.harness import Report
from mmrare_core.text.abbreviations import (
    Abbreviation,
    MissingExtraError,
    find_abbreviations,
    find_abbreviations_scispacy,
)

Finder = Callable[[str], list[Abbreviation]]


def paragraphs(text: str) -> list[tuple[int, str]]:
    """``(offset, paragraph)`` for each blank-line separated paragraph."""
    out, pos = [], 0
    for part in text.split("\n\n"):
        if part.strip():
            out.append((pos, part))
        pos += len(part) + 2
    return out


def best_time(run: Callable[[], object], repeat: int) -> float:
    """Best wall-clock seconds of ``repeat`` passes."""
    return float(harness.best_of(run, repeat).wall)


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


def rate(chars: int, seconds: float) -> float:
    """Millions of characters per second."""
    return harness.per_second(chars, seconds) / 1e6


def speed_table(report: Report, texts: list[str], repeat: int) -> None:
    chars = sum(len(t) for t in texts)
    table = report.table(
        "mode", ("seconds", ".3f"), ("M chars/s", ".2f"),
        title=f"find_abbreviations on {len(texts):,} documents, {chars:,} chars",
    )  # fmt: skip
    for label, mode in (("per document", per_doc), ("per paragraph", per_paragraph)):
        seconds = best_time(lambda m=mode: m(find_abbreviations, texts), repeat)  # type: ignore[misc]
        table.add(label, seconds, rate(chars, seconds))
    big = "\n\n".join(texts)
    table = report.table(
        "size", ("seconds", ".3f"), ("M chars/s", ".2f"),
        title=f"linearity: one document of all texts joined ({len(big):,} chars)",
    )  # fmt: skip
    for frac in (8, 4, 2, 1):
        part = big[: len(big) // frac]
        seconds = best_time(lambda p=part: find_abbreviations(p), max(1, repeat // 2))  # type: ignore[misc]
        table.add(f"1/{frac} ({len(part):,} chars)", seconds, rate(len(part), seconds))


def pair_key(doc: int, a: Abbreviation) -> tuple[int, str, str]:
    return (doc, a.short, a.long)


def agreement(
    report: Report, ours: list[list[Abbreviation]], theirs: list[list[Abbreviation]]
) -> None:
    ours_keys = {pair_key(i, a) for i, doc in enumerate(ours) for a in doc}
    their_keys = {pair_key(i, a) for i, doc in enumerate(theirs) for a in doc}
    ours_short = {(i, a.short_span) for i, doc in enumerate(ours) for a in doc}
    their_short = {(i, a.short_span) for i, doc in enumerate(theirs) for a in doc}
    n_ours = sum(len(d) for d in ours)
    n_theirs = sum(len(d) for d in theirs)
    only_ours = [
        a for i, doc in enumerate(ours) for a in doc if (i, a.short_span) not in their_short
    ]
    rev = sum(a.direction == "reversed" for a in only_ours)
    hyph = sum("-" in a.short for a in only_ours)
    same_short = {(i, a.short_span): a.long for i, doc in enumerate(theirs) for a in doc}
    differ = sum(
        1
        for i, doc in enumerate(ours)
        for a in doc
        if (i, a.short_span) in same_short and same_short[(i, a.short_span)] != a.long
    )
    table = report.table(
        "measure", ("mmrare_core", ","), ("scispaCy", ","), ("both", ","),
        title="agreement (same documents; pair = (document, short, long) as strings)",
    )  # fmt: skip
    table.add("definitions found", n_ours, n_theirs, None)
    table.add("distinct pairs", len(ours_keys), len(their_keys), len(ours_keys & their_keys))
    table.add(
        "same short-form span (only mmrare_core / only scispaCy / both)",
        len(ours_short - their_short), len(their_short - ours_short), len(ours_short & their_short),
    )  # fmt: skip
    report.text(
        f"only mmrare_core: {rev:,} reversed, {hyph:,} hyphenated short forms; "
        f"same short-form span, different long form: {differ:,}"
    )


def scispacy_table(report: Report, texts: list[str], repeat: int) -> None:
    try:
        find_abbreviations_scispacy("warm up (WU)")
    except MissingExtraError as exc:
        report.text(f"**scispaCy: skipped** ({exc})")
        return
    import scispacy  # the version, for the record

    chars = sum(len(t) for t in texts)
    table = report.table(
        "finder / mode", ("seconds", ".3f"), ("M chars/s", ".2f"), ("ratio", ".1f"),
        title=f"side by side on the first {len(texts):,} documents ({chars:,} chars), "
        f"scispaCy {scispacy.__version__}",
    )  # fmt: skip
    for label, mode in (("per document", per_doc), ("per paragraph", per_paragraph)):
        ours = best_time(lambda m=mode: m(find_abbreviations, texts), repeat)  # type: ignore[misc]
        theirs = best_time(lambda m=mode: m(find_abbreviations_scispacy, texts), 1)  # type: ignore[misc]
        table.add("mmrare_core " + label, ours, rate(chars, ours), 1.0)
        table.add("scispaCy " + label, theirs, rate(chars, theirs), harness.ratio(theirs, ours))
    big = "\n\n".join(texts)
    table = report.table(
        "size", ("mmrare_core s", ".3f"), ("scispaCy s", ".3f"), ("scispaCy M chars/s", ".3f"),
        title="one large document (scispaCy's global matcher re-scans the doc per definition)",
    )  # fmt: skip
    for size in (50_000, 100_000, 200_000, 400_000):
        part = big[:size]
        ours = best_time(lambda p=part: find_abbreviations(p), repeat)  # type: ignore[misc]
        theirs = best_time(lambda p=part: find_abbreviations_scispacy(p), 1)  # type: ignore[misc]
        table.add(f"{len(part):,} chars", ours, theirs, rate(len(part), theirs))
    agreement(
        report,
        per_doc(find_abbreviations, texts),
        per_paragraph(find_abbreviations_scispacy, texts),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.parser(
        __doc__, repeat=3, limit="use the first N documents (default: all)", texts=True
    )
    parser.add_argument("--docs", type=int, default=300, help="documents for scispaCy")
    args = parser.parse_args(argv)
    path = harness.texts_file(args)
    if not harness.have_data("abbreviation_bench", path):
        return harness.MISSING
    report = harness.Report("abbreviation_bench", "Abbreviations: find_abbreviations", argv)
    texts = harness.case_texts([path], args.limit)
    report.fact(f"data: {path} ({len(texts):,} documents); wall-clock seconds, best of "
                f"{args.repeat} (scispaCy: one pass)")  # fmt: skip
    speed_table(report, texts, args.repeat)
    scispacy_table(report, texts[: args.docs], args.repeat)
    report.emit(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
