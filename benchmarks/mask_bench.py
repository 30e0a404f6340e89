"""Layer-2 masking speed: mmrare_core's ``Masker`` and its baselines side by side, in one run.

    python -m benchmarks.mask_bench [--limit N] [--repeat R] [--skip-slow] [--slice N]
                                    [--no-profile] [--data DIR] [--out JSON]

Corpus: the PMC case-report bodies in ``../shared/data/pmc_case_texts`` (T2S2 + sepsis-100,
2,239 texts, about 26 MB) and the full ORPHApackets release 2025-12-09 (every alias form of
it). Each text is masked against the disorders it mentions, found once up front with the
library itself (``Masker.find`` with every code of the release in scope); a text that
mentions none gets one random code (seeded), so every text is masked against a real target.

Rows, all on the same texts and (where it applies) the same alias forms:

* ``Masker.mask(text, codes)`` end to end (normalization, scope, word boundaries, acronym
  capitals, leftmost-longest, offset map, edits), without and with abbreviation masking;
* the floor: raw ``pyahocorasick`` ``Automaton.iter`` over ``text.lower()`` on the *same*
  automaton as the masker (``masker._automaton``), counting every hit, no boundary logic;
* Python ``re``: one alternation of escaped alias forms (longest first) between ``\\b``,
  case-insensitive; run once on a slice of the texts and extrapolated (it is ~10^4 times
  slower than the floor);
* spaCy ``PhraseMatcher(attr="LOWER")`` on ``spacy.blank("en")``, patterns made with
  ``nlp.tokenizer.pipe``, with the tokenizer's ``max_cache_size`` raised (its default of
  10,000 chunks is filled by the patterns, after which no text chunk is cached); the
  default cache is run once for comparison;
* flashtext ``KeywordProcessor(case_sensitive=False)``.

Every row runs in a forked child process: build time, the best of ``--repeat`` scans (and
the first) in CPU seconds of that process (``time.process_time``: the machine is shared, and
other jobs must not stretch the figures; the best wall-clock scan is shown too), and peak
memory as the rise of the resident set's high-water mark (``VmHWM``, reset through
``/proc/self/clear_refs``) above the child's resident set at start, over build and scans.

Also reported: the full-release ``Masker`` build, uncached and through the disk cache (cold,
then warm), each in a fresh interpreter with a temporary ``MMRARE_CACHE_DIR``; ``mask_many``
with one and two workers (wall clock); ``normalize`` alone; the matches of each baseline
against the library's; and where ``Masker.mask`` spends its time (cProfile by category, and
cumulative stages timed without the profiler). Targets are printed with PASS/MISS and never
fail the run. Results (Markdown) go to stdout (and JSON to ``--out``), progress to stderr;
exit 2 when data is missing.

This script says what is measured (the rows below, side by side in one run); the pieces live
beside it: ``harness`` (options, data, timing, report), ``mask_rows`` (corpus, rows, forked
measurement, agreement), ``mask_baselines`` (the implementations), ``mask_builds`` (build,
cache, workers), ``mask_profile`` and ``mask_report``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from benchmarks import harness, mask_report
from benchmarks.mask_baselines import (
    SPACY_CACHE_SIZE,
    build_flashtext,
    build_masker,
    build_regex,
    build_spacy,
    flashtext_scan,
    flashtext_spans,
    floor_scan,
    masker_find_all,
    masker_mask,
    normalize_scan,
    regex_spans,
    spacy_scan,
    spacy_spans,
)
from benchmarks.mask_builds import paired_share, time_builds, time_mask_many
from benchmarks.mask_profile import profile
from benchmarks.mask_rows import (
    FLOOR,
    SEED,
    Acronyms,
    Baseline,
    Corpus,
    Result,
    Run,
    log,
    measure,
    measure_rows,
    normalize_version,
)


def prepare(release: Path, cases: Sequence[Path], limit: int | None, repeat: int) -> Run:
    from mmrare_core.masking.masker import Masker

    log("loading texts and release")
    texts = harness.case_texts(cases, limit)
    corpus = Corpus(texts, harness.utf8_bytes(texts))
    ontology, load_s = harness.load_ontology(release)
    forms = sorted({a.form for a in ontology.aliases})
    all_codes = tuple(sorted(d.code for d in ontology))
    masker = Masker.from_ontology(ontology)  # the parent's copy: mask_many and the profile
    acronyms = Acronyms.of(ontology.aliases)
    loaded = normalize_version()  # mmrare_core.text.normalize is imported by now
    return Run(corpus, ontology, forms, all_codes, masker, acronyms, repeat, load_s, loaded)


def find_targets(run: Run) -> Result:
    """The library's all-codes spans, timed as a row; fills the corpus's targets."""
    from mmrare_core.masking.masker import Scope

    corpus, n = run.corpus, len(run.corpus.texts)
    everything = Scope(targets=run.all_codes, codes=run.all_codes)
    result = measure(
        Baseline(
            "mmrare_core Masker.find, all codes in scope",
            lambda: build_masker(run.ontology),
            lambda m: masker_find_all(m, corpus, everything),
            n,
            run.repeat,
            note="every alias of the release; these spans give the targets",
        ),
        corpus,
    )
    rng = random.Random(SEED)
    for spans in result.spans or []:
        codes = tuple(sorted({s[2] for s in spans}))
        corpus.real.append(bool(codes))
        corpus.by_name.append(any((s[2], s[3]) not in run.acronyms.pairs for s in spans))
        corpus.codes.append(codes or (rng.choice(run.all_codes),))
        corpus.library_spans.append({(s[0], s[1]) for s in spans})
    result.spans = None  # the library is the reference of the comparison, not a baseline
    return result


def library_rows(run: Run) -> list[Baseline]:
    """End-to-end masking (with abbreviations when that module imports) and the floor."""
    corpus, n, r = run.corpus, len(run.corpus.texts), run.repeat
    ont = run.ontology
    rows = [
        Baseline(
            "mmrare_core Masker.mask (abbreviations=False)",
            lambda: build_masker(ont),
            lambda m: masker_mask(m, corpus, n, abbreviations=False),
            n, r, note="end to end, own targets; matches = edits",
        ),
    ]  # fmt: skip
    try:
        import mmrare_core.text.abbreviations  # noqa: F401
    except ImportError as exc:
        run.notes.append(
            f"abbreviations=True skipped: mmrare_core.text.abbreviations absent ({exc})"
        )
    else:
        rows.append(
            Baseline(
                "mmrare_core Masker.mask (abbreviations=True)",
                lambda: build_masker(ont),
                lambda m: masker_mask(m, corpus, n, abbreviations=True),
                n, r, note="+ short forms the report defines; matches = edits",
            )
        )  # fmt: skip
    rows += [
        Baseline(
            "mmrare_core normalize() alone",
            lambda: None,
            lambda _: normalize_scan(corpus.texts),
            n, r, note="matches = output characters",
        ),
        Baseline(
            "mmrare_core normalize() + offset map",
            lambda: None,
            lambda _: normalize_scan(corpus.texts, offset_map=True),
            n, r, note="one source_span() per text forces a lazily built map",
        ),
        Baseline(
            FLOOR,
            lambda: build_masker(ont)._automaton,
            lambda a: floor_scan(a, corpus.texts),
            n, r, note="the masker's own automaton (build = masker build); raw hits",
        ),
    ]  # fmt: skip
    return rows


def baseline_rows(run: Run, skip_slow: bool, slice_texts: int) -> list[Baseline]:
    """re (on a slice), spaCy (tuned, and default once) and flashtext, same alias forms."""
    corpus, forms, n, r = run.corpus, run.forms, len(run.corpus.texts), run.repeat
    rows: list[Baseline] = []
    if not skip_slow:
        k = max(1, min(slice_texts, n))
        rows += [
            Baseline(
                r"re: one alternation, \b, IGNORECASE",
                lambda: build_regex(forms),
                lambda p: regex_spans(p, corpus.texts[:k]),
                k, 1, note="run once",
            ),
            Baseline(
                "spaCy PhraseMatcher(LOWER), tokenizer cache raised",
                lambda: build_spacy(forms, SPACY_CACHE_SIZE),
                lambda b: spacy_scan(b, corpus.texts),
                n, r, spans=lambda b: spacy_spans(b, corpus.texts),
                note=f"max_cache_size={SPACY_CACHE_SIZE:,}; matches overlap",
            ),
            Baseline(
                "spaCy PhraseMatcher(LOWER), default tokenizer cache",
                lambda: build_spacy(forms, None),
                lambda b: spacy_scan(b, corpus.texts),
                n, 1, note="max_cache_size=10,000 (default); run once",
            ),
        ]  # fmt: skip
    rows.append(
        Baseline(
            "flashtext KeywordProcessor(case_sensitive=False)",
            lambda: build_flashtext(forms),
            lambda p: flashtext_scan(p, corpus.texts),
            n, r, spans=lambda p: flashtext_spans(p, corpus.texts),
        )
    )  # fmt: skip
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.parser(__doc__, repeat=3, limit="use the first N texts")
    parser.add_argument("--skip-slow", action="store_true", help="skip the re and spaCy rows")
    parser.add_argument("--slice", type=int, default=5, help="texts for the re row (default 5)")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile breakdown")
    args = parser.parse_args(argv)

    release, cases = args.data / harness.RELEASE, [args.data / p for p in harness.CASES]
    if not harness.have_data("mask_bench", release, *cases):
        return harness.MISSING
    report = harness.Report("mask_bench", "Masking benchmark (Layer 2)", argv)
    with harness.cache_folder("mask_bench_"):  # nothing read from or written to the user's cache
        run = prepare(release, cases, args.limit, max(1, args.repeat))
        find_all = find_targets(run)
        if not run.corpus.codes:
            log(f"finding the targets failed: {find_all.error}")
            return 1
        library = measure_rows(library_rows(run), run)
        others = measure_rows(baseline_rows(run, args.skip_slow, args.slice), run)
        rows = [*library, find_all, *others]
        log("timing builds and the disk cache")
        builds = time_builds(release, run.repeat)
        log("mask_many with 1 and 2 workers")
        workers = {w: time_mask_many(run.masker, run.corpus, w, run.repeat) for w in (1, 2)}
        paired = paired_share(run)
        profiled = ([], []) if args.no_profile else profile(run)
    mask_report.write(report, run, rows, paired, builds, workers, profiled)
    report.emit(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
