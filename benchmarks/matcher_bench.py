"""The matcher end to end against the floor and flashtext, and its linearity (issue 11).

    python -m benchmarks.matcher_bench [--texts JSONL.GZ] [--limit N] [--repeat R]
                                       [--sizes MB ...] [--series-repeat R] [--no-stages]
                                       [--codes JSON] [--data DIR] [--out JSON]

One process, side by side, the works taking turns within each repeat
(:func:`harness.interleaved`: a busy spell of the shared machine slows them alike), best of
``--repeat`` in **CPU seconds** (``time.process_time``), MB = 10^6 bytes of UTF-8:

1. the floor: raw ``pyahocorasick`` over every name and synonym of the release (``Disorder.names``),
   lower-cased, ``Automaton.iter`` over ``text.lower()``, every hit counted, no boundary logic
   (:func:`benchmarks.mask_baselines.floor_scan`);
2. flashtext ``KeywordProcessor(case_sensitive=False)`` over the same names (skipped when
   flashtext is not installed; ``pip install flashtext``: a benchmark tool, no dependency);
3. ``Masker.mask(text, codes)``, the default path (abbreviations on), end to end;
4. ``Masker.mask(text, codes, abbreviations=False)``.

Corpus: the T2S2 case-report bodies (``--texts``, default ``DIR/pmc_case_texts/...t2s2...``),
each masked against its own codes, picked as ``mask_bench`` picks them: the disorders
``Masker.find`` finds with every code of the release in scope, else one seeded random code.
``--codes JSON`` keeps them: read when the file holds the codes of these texts, else picked and
written there, so that runs of different maskers mask the same targets (and skip the pick,
which is slow where ``find`` with all 9,998 codes in scope is).

Linearity series (``--sizes``, default 1 5 20): the texts joined by blank lines, in file order
(cycled if the corpus is smaller) up to each size, masked as one document and in pieces (the
texts it was made of), both against the same scope, the union of the pieces' codes (one scope
for both, so that the only difference is the size of the document). The ratio one document /
pieces is 1 for a linear step. Unless ``--no-stages``, the abbreviation step is split (at the
largest size) into its parts, each timed once on the document and on its pieces:
``tied_short_forms`` (the definitions and brackets that tie a short form to a name; the
pieces get the document's alias spans cut at their bounds) and ``short_form_uses`` of every
short form so tied; ``Masker.find`` of the document is shown for reference.

The run time follows the masker's speed: at 1.2 MB/s (the masker of 2026-12-04) the default
run takes about 8 minutes, mostly the 20 MB step; ``--sizes 1 5 --repeat 1`` is a quick look.

Only the public API of the masker is used, so that the benchmark runs on the masker before
and after a rewrite: ``Masker.from_ontology``, ``masker.scope`` where it exists (else the codes
are passed as they are), ``masker.find`` (spans with ``start``, ``end``, ``code``, and ``kind``
0 for an alias where they have a kind) and ``masker.mask(text, codes, abbreviations=...).edits``.
Markdown on stdout (JSON with ``--out``), progress on stderr; exit 2
when data is missing. Targets are reported (PASS/MISS), never asserted.
"""

from __future__ import annotations

import bisect
import hashlib
import importlib.util
import itertools
import json
import random
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import harness
from benchmarks.harness import Report, Timing, fmt
from benchmarks.mask_baselines import build_flashtext, flashtext_scan, floor_scan, masker_mask
from benchmarks.mask_rows import SEED, Corpus

log = harness.progress("matcher_bench")

FLOOR = "floor: pyahocorasick over names + synonyms, lower-cased"
FLASHTEXT = "flashtext KeywordProcessor(case_sensitive=False), same names"
DEFAULT = "Masker.mask(text, codes) (abbreviations on: the default)"
NO_ABBR = "Masker.mask(text, codes, abbreviations=False)"
#: Targets of issue 11 (reported, never asserted); the linearity bound is this benchmark's.
TARGET_FLOOR = 0.5
TARGET_FLASHTEXT = 2.0
TARGET_LINEAR = 1.25


# --------------------------------------------------------------------------- set-up


def build_floor(names: Sequence[str]) -> Any:
    """An automaton over the lower-cased names, each key's length as its value."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for key in {name.lower() for name in names}:
        if key:
            automaton.add_word(key, len(key))
    automaton.make_automaton()
    return automaton


def target(masker: Any, codes: Sequence[int]) -> Any:
    """The scope of ``codes`` computed once (``masker.scope``), or the codes themselves for a
    masker without one: what ``mask`` and ``find`` take."""
    scope = getattr(masker, "scope", None)
    return scope(codes) if callable(scope) else tuple(codes)


def pick_codes(masker: Any, corpus: Corpus, all_codes: Sequence[int]) -> None:
    """Each text's codes as ``mask_bench.find_targets`` picks them: the codes of the spans
    ``find`` returns with every code in scope; a text without any gets one random code (the
    same seed, drawn in the same order). Fills ``corpus.codes`` and ``corpus.real``."""
    everything = target(masker, all_codes)
    rng = random.Random(SEED)
    for text in corpus.texts:
        codes = tuple(sorted({span.code for span in masker.find(text, everything)}))
        corpus.real.append(bool(codes))
        corpus.codes.append(codes or (rng.choice(all_codes),))


def codes_digest(texts: Sequence[str]) -> str:
    """What a codes file was picked for: the texts, in order."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8") + b"\0")
    return digest.hexdigest()[:16]


def cached_codes(path: Path | None, masker: Any, corpus: Corpus, all_codes: Sequence[int]) -> str:
    """:func:`pick_codes`, or the codes of ``path`` when it holds those of these texts (else
    they are picked and written there). Says where the codes came from."""
    digest = codes_digest(corpus.texts)
    if path is not None and path.exists():
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved.get("digest") == digest:
            corpus.codes = [tuple(c) for c in saved["codes"]]
            corpus.real = list(saved["real"])
            return f"read from {path} (picked by {saved.get('picked_by', 'an earlier run')})"
        log(f"{path} holds the codes of other texts: picking them again")
    log(f"picking each text's codes ({len(corpus.texts):,} texts, every code in scope)")
    start = time.process_time()
    pick_codes(masker, corpus, all_codes)
    seconds = time.process_time() - start
    if path is not None:
        record = {
            "digest": digest,
            "picked_by": f"mmrare_core at {git_state()}",
            "codes": [list(c) for c in corpus.codes],
            "real": corpus.real,
        }
        path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return f"picked in {seconds:.0f} s CPU" + (f", written to {path}" if path else "")


def git_state() -> str:
    """The commit of the checkout, and whether ``src`` differs from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=harness.ROOT, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "src"],
            cwd=harness.ROOT, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "an unknown commit"
    return f"commit {head}" + (" with src/ modified in the working tree" if dirty else "")


def piece_codes(corpus: Corpus, count: int) -> list[int]:
    """The union of the codes of the first ``count`` texts of :func:`join_to` (cycled)."""
    n = len(corpus.texts)
    return sorted({code for k in range(count) for code in corpus.codes[k % n]})


@dataclass
class Setup:
    corpus: Corpus
    names: list[str]
    masker: Any
    floor: Any
    flashtext: Any | None
    load_s: float
    build_s: float
    codes_from: str
    library: str


def prepare(args: Any) -> Setup:
    from mmrare_core.masking import Masker

    log("loading texts and release")
    texts = harness.case_texts([harness.texts_file(args)], args.limit)
    ontology, load_s = harness.load_ontology(args.data / harness.RELEASE)
    names = [name for disorder in ontology for name in disorder.names]
    start = time.process_time()
    masker = Masker.from_ontology(ontology)
    build_s = time.process_time() - start
    corpus = Corpus(texts, harness.utf8_bytes(texts))
    all_codes = tuple(sorted(d.code for d in ontology))
    codes_from = cached_codes(args.codes, masker, corpus, all_codes)
    flashtext = None
    if importlib.util.find_spec("flashtext") is not None:
        flashtext = build_flashtext(names)
    else:
        log("flashtext is not installed: its rows are skipped (pip install flashtext)")
    floor = build_floor(names)
    library = git_state()  # when the library was imported: others may commit during the run
    return Setup(corpus, names, masker, floor, flashtext, load_s, build_s, codes_from, library)


# --------------------------------------------------------------------------- the works


def works(
    setup: Setup, texts: Sequence[str], codes: Sequence[Any]
) -> list[tuple[str, Callable[[], int]]]:
    """The four rows over ``texts`` (each masked against its ``codes``), in the order they
    take turns. ``find`` reuses the scan of the text it scanned last, so a masking pass must
    not follow one that ended on its first text: the two masking rows alternate (in the
    series, one document and its pieces too), which holds for more than one text."""
    corpus = Corpus(list(texts), harness.utf8_bytes(texts), list(codes))
    n = len(texts)
    rows: list[tuple[str, Callable[[], int]]] = [(FLOOR, lambda: floor_scan(setup.floor, texts))]
    if setup.flashtext is not None:
        rows.append((FLASHTEXT, lambda: flashtext_scan(setup.flashtext, texts)))
    rows += [
        (DEFAULT, lambda: masker_mask(setup.masker, corpus, n, abbreviations=True)),
        (NO_ABBR, lambda: masker_mask(setup.masker, corpus, n, abbreviations=False)),
    ]
    return rows


def join_to(texts: Sequence[str], nbytes: Sequence[int], megabytes: float) -> list[str]:
    """The first texts (cycled) whose blank-line join reaches ``megabytes``."""
    out: list[str] = []
    size, k = 0, 0
    while size < megabytes * 1e6 and texts:
        out.append(texts[k % len(texts)])
        size += nbytes[k % len(texts)] + 2
        k += 1
    return out


@dataclass
class Step:
    size_mb: float
    pieces: int
    codes: int
    one: dict[str, Timing]
    split: dict[str, Timing]


def series_step(setup: Setup, megabytes: float, repeat: int) -> Step:
    """One document of ``megabytes`` and its pieces against one scope, the rows taking turns
    (one document, then its pieces, row by row)."""
    pieces = join_to(setup.corpus.texts, setup.corpus.nbytes, megabytes)
    document = "\n\n".join(pieces)
    union = piece_codes(setup.corpus, len(pieces))
    scope = target(setup.masker, union)
    log(
        f"{megabytes:g} MB: one document of {len(pieces):,} texts, {len(union):,} codes, x {repeat}"
    )
    one = works(setup, [document], [scope])
    split = works(setup, pieces, [scope] * len(pieces))
    turns = [
        (f"{part}\t{name}", work)
        for (name, whole), (_, parts) in zip(one, split, strict=True)
        for part, work in (("one", whole), ("split", parts))
    ]
    timings = harness.interleaved(turns, repeat, collect=True)
    return Step(
        len(document.encode("utf-8")) / 1e6,
        len(pieces),
        len(union),
        {name: timings[f"one\t{name}"] for name, _ in one},
        {name: timings[f"split\t{name}"] for name, _ in one},
    )


def stages(setup: Setup, megabytes: float) -> dict[str, dict[str, float]]:
    """The abbreviation step's parts on one document and on its pieces (CPU s, one pass).

    ``find`` runs on the document only (for reference); the pieces' names are the
    document's alias spans cut at the pieces' bounds (no name spans a blank line), so that
    both sides tie short forms to the same names.
    """
    from mmrare_core.masking.short_forms import tied_short_forms
    from mmrare_core.text.abbreviations import short_form_uses

    pieces = join_to(setup.corpus.texts, setup.corpus.nbytes, megabytes)
    document = "\n\n".join(pieces)
    scope = target(setup.masker, piece_codes(setup.corpus, len(pieces)))
    log(f"{megabytes:g} MB: the abbreviation step's parts")
    t0 = time.process_time()
    found = setup.masker.find(document, scope)
    find_s = time.process_time() - t0
    names = [(s.start, s.end) for s in found if int(getattr(s, "kind", 0)) == 0]
    cut: list[list[tuple[int, int]]] = [[] for _ in pieces]
    starts = list(itertools.accumulate((len(p) + 2 for p in pieces), initial=0))
    for s, e in names:
        k = bisect.bisect_right(starts, s) - 1
        if e <= starts[k] + len(pieces[k]):
            cut[k].append((s - starts[k], e - starts[k]))
    out: dict[str, dict[str, float]] = {}
    for part, texts, spans in (("one", [document], [names]), ("split", pieces, cut)):
        total = {"find": find_s if part == "one" else float("nan"), "tied": 0.0, "uses": 0.0}
        count = {"short forms": 0, "names": 0}
        for text, own in zip(texts, spans, strict=True):
            t1 = time.process_time()
            tied = tied_short_forms(text, own)
            t2 = time.process_time()
            for short in tied:
                short_form_uses(text, short)
            total["tied"] += t2 - t1
            total["uses"] += time.process_time() - t2
            count["short forms"] += len(tied)
            count["names"] += len(own)
        out[part] = {**total, **count}
    return out


# --------------------------------------------------------------------------- report


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def rate(nbytes: float, timing: Timing | None) -> float:
    return harness.mbps(nbytes, timing.cpu) if timing else float("nan")


def write(
    report: Report,
    setup: Setup,
    repeat: int,
    corpus_t: dict[str, Timing],
    steps: Sequence[Step],
    parts: dict[str, dict[str, float]] | None,
    parts_mb: float,
) -> None:
    corpus = setup.corpus
    nbytes, n = corpus.size(), len(corpus.texts)
    per_text = [len(c) for c, real in zip(corpus.codes, corpus.real, strict=True) if real]
    median = statistics.median(per_text) if per_text else 0
    report.fact(
        f"corpus: {n:,} case texts, {nbytes / 1e6:.1f} MB of UTF-8; each masked against its "
        f"own codes, as in mask_bench: the disorders `Masker.find` finds with every code in "
        f"scope ({sum(corpus.real):,} texts; median {median:g} codes, "
        f"max {max(per_text, default=0)}), else one random code (seed {SEED}); codes "
        f"{setup.codes_from}"
    )
    report.fact(
        f"release: {len(setup.names):,} names and synonyms "
        f"({len({x.lower() for x in setup.names}):,} distinct lower-cased) for the floor and "
        f"flashtext; the masker holds the release's whole alias table (ontology load "
        f"{setup.load_s:.2f} s, `Masker.from_ontology` {setup.build_s:.2f} s CPU, not timed "
        f"in the rows)"
    )
    report.fact(f"library measured: {setup.library}")
    report.fact(
        f"one process; the rows take turns within each repeat; best of {repeat} passes in CPU "
        "seconds (`time.process_time`), GC collected before each pass"
    )
    if setup.flashtext is None:
        report.fact("flashtext is not installed: its row and ratios are n/a")
    floor = corpus_t.get(FLOOR)
    flash = corpus_t.get(FLASHTEXT)
    table = report.table(
        "row", ("MB/s", fmt), ("MB/s wall", fmt), ("× floor", fmt), ("× flashtext", fmt),
        ("count", ",.0f"),
        title="Corpus, each text against its own codes",
        intro="`count`: raw hits (floor), keywords (flashtext), edits (masking). "
        "Ratios are of throughput (MB/s over MB/s).",
    )  # fmt: skip
    for name, timing in corpus_t.items():
        table.add(
            name,
            rate(nbytes, timing),
            harness.mbps(nbytes, timing.wall),
            harness.ratio(floor.cpu, timing.cpu) if floor else None,
            harness.ratio(flash.cpu, timing.cpu) if flash else None,
            timing.result,
        )
    series = report.table(
        "MB", "texts", "codes", "row", ("pieces MB/s", fmt), ("one doc MB/s", fmt),
        ("one doc × floor", fmt), ("one doc / pieces (time)", fmt),
        title="Linearity: one document vs the same texts in pieces, one scope",
    )  # fmt: skip
    for step in steps:
        base = step.one.get(FLOOR)
        for name, one in step.one.items():
            split = step.split[name]
            series.add(
                f"{step.size_mb:.1f}", f"{step.pieces:,}", f"{step.codes:,}", name,
                rate(step.size_mb * 1e6, split), rate(step.size_mb * 1e6, one),
                harness.ratio(base.cpu, one.cpu) if base else None,
                harness.ratio(one.cpu, split.cpu),
            )  # fmt: skip
    if parts:
        one, split = parts["one"], parts["split"]
        table = report.table(
            "part", ("one doc s", fmt), ("pieces s", fmt), ("one doc / pieces", fmt),
            title=f"The abbreviation step's parts at {parts_mb:g} MB (CPU s, one pass)",
            intro=f"names: {one['names']:,.0f} alias spans ({split['names']:,.0f} within a piece); "
            f"short forms tied: "
            f"{one['short forms']:,.0f} in the one document, {split['short forms']:,.0f} "
            "summed over the pieces (a short form defined in one text is looked for in all "
            "of the document).",
        )  # fmt: skip
        for key, label in (
            ("find", "`masker.find` (the alias spans; for reference, on the document only)"),
            ("tied", "`tied_short_forms` (definitions + brackets that tie a short form)"),
            ("uses", "`short_form_uses` of every tied short form"),
        ):
            table.add(label, one[key], split[key], harness.ratio(one[key], split[key]))
    default = corpus_t.get(DEFAULT)
    checks = report.table("target", ("measured", fmt), "", title="Targets (issue 11)")
    if default and floor:
        share = harness.ratio(floor.cpu, default.cpu)
        checks.add(f"default path ≥ {TARGET_FLOOR}× the floor", share,
                   verdict(share >= TARGET_FLOOR))  # fmt: skip
    if default and flash:
        times = harness.ratio(flash.cpu, default.cpu)
        checks.add(f"default path ≥ {TARGET_FLASHTEXT}× flashtext", times,
                   verdict(times >= TARGET_FLASHTEXT))  # fmt: skip
    if steps:
        last = steps[-1]
        linear = harness.ratio(last.one[DEFAULT].cpu, last.split[DEFAULT].cpu)
        checks.add(
            f"default path at {last.size_mb:.3g} MB: one document ≤ {TARGET_LINEAR}× its pieces",
            linear, verdict(linear <= TARGET_LINEAR),
        )  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.parser(__doc__, repeat=3, texts=True)
    parser.add_argument(
        "--sizes", type=float, nargs="*", default=[1, 5, 20], metavar="MB",
        help="sizes of the linearity series (default 1 5 20; none: no series)",
    )  # fmt: skip
    parser.add_argument(
        "--series-repeat", type=int, default=None, metavar="R",
        help="passes per row in the series (default: --repeat)",
    )  # fmt: skip
    parser.add_argument("--no-stages", action="store_true", help="skip the step's parts")
    parser.add_argument(
        "--codes", type=Path, metavar="JSON",
        help="read each text's codes from JSON when it holds those of these texts, else pick "
        "them and write them there (the same targets for runs of different maskers)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    texts = harness.texts_file(args)
    if not harness.have_data("matcher_bench", texts, args.data / harness.RELEASE):
        return harness.MISSING
    repeat = max(1, args.repeat)
    series_repeat = max(1, args.series_repeat or repeat)
    report = Report("matcher_bench", "Matcher end to end (issue 11)", argv)
    with harness.cache_folder("matcher_bench_"):  # nothing read from or written to ~/.cache
        setup = prepare(args)
        corpus = setup.corpus
        log(f"corpus rows: {len(corpus.texts):,} texts x {repeat}")
        corpus_t = harness.interleaved(
            works(setup, corpus.texts, corpus.codes), repeat, collect=True
        )
        steps = [series_step(setup, mb, series_repeat) for mb in args.sizes]
        largest = max(args.sizes, default=0)
        parts = stages(setup, largest) if largest and not args.no_stages else None
    write(report, setup, repeat, corpus_t, steps, parts, largest)
    report.emit(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
