"""Layer-2 masking speed: mmrare_core's ``Masker`` and its baselines side by side, in one run.

    python benchmarks/mask_bench.py [--limit N] [--repeat R] [--skip-slow] [--slice N]
                                    [--no-profile] [--data DIR]

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
the first), and peak memory as the rise of the resident set's high-water mark (``VmHWM``,
reset through ``/proc/self/clear_refs``) above the child's resident set at start, over build
and scans. Also reported: the full-release ``Masker`` build uncached and through the disk
cache (cold, then warm, in a temporary ``MMRARE_CACHE_DIR``), ``mask_many`` with one and two
workers, ``normalize`` alone, how many matches each baseline finds compared with the library,
and a cProfile breakdown of ``Masker.mask``. Targets are printed with PASS/MISS and never fail
the run. Progress goes to stderr, results (Markdown) to stdout; exit 2 when data is missing.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import hashlib
import json
import multiprocessing
import os
import platform
import pstats
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
RELEASE = Path("orphanet") / "orphapackets_en_2025-12-09.jsonl.gz"
CASES = (
    Path("pmc_case_texts") / "t2s2_case_report_bodies.jsonl.gz",
    Path("pmc_case_texts") / "sepsis-100_case_report_bodies.jsonl.gz",
)
SEED = 20251209
#: spaCy tokenizer cache size used by the tuned row (default: 10,000 chunks).
SPACY_CACHE_SIZE = 10_000_000

#: Targets (reported, never asserted).
TARGET_FLOOR_SHARE = 0.5
TARGET_BUILD_S = 5.0
TARGET_CACHED_S = 0.5
TARGET_SPEEDUP = 1.7

Span = tuple[int, int]
Spans = list[set[Span]]


def log(message: str) -> None:
    print(f"[mask_bench] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- data


@dataclass
class Corpus:
    """The texts, their target codes, and the library's all-codes spans."""

    texts: list[str]
    nbytes: list[int]
    codes: list[tuple[int, ...]] = field(default_factory=list)
    real: list[bool] = field(default_factory=list)
    library_spans: Spans = field(default_factory=list)

    def size(self, n: int | None = None) -> int:
        """UTF-8 bytes of the first ``n`` texts (all by default)."""
        return sum(self.nbytes[:n] if n is not None else self.nbytes)


def read_texts(paths: Sequence[Path], limit: int | None) -> list[str]:
    texts: list[str] = []
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            texts.extend(json.loads(line)["text"] for line in fh if line.strip())
    return texts[:limit] if limit else texts


def normalize_version() -> str:
    """Which ``normalize.py`` was measured: content hash and git state (edited concurrently)."""
    path = ROOT / "src" / "mmrare_core" / "normalize.py"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", str(path)],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        state = "modified in the working tree" if out.stdout.strip() else "as committed"
    except (OSError, subprocess.CalledProcessError):
        state = "git state unknown"
    return f"normalize.py sha256 {digest}, {state}"


# --------------------------------------------------------------------------- isolation


def _status_kb(key: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset the high-water mark of the resident set (Linux ``clear_refs`` 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _child(work: Callable[[], dict[str, Any]], send: Any) -> None:
    try:
        send.send(work())
    except BaseException as exc:  # report anything, the parent goes on
        send.send({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        send.close()


def isolated(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``work`` in a forked child (it inherits the corpus) and return its result."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(work, send))
    proc.start()
    send.close()
    try:
        result: dict[str, Any] = receive.recv()
    except EOFError:
        result = {"error": "child process died"}
    proc.join()
    if proc.exitcode:
        result.setdefault("error", f"child exited with {proc.exitcode}")
    return result


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class Baseline:
    """One implementation: how to build it and how to scan the first ``n_texts`` texts.

    ``scan`` returns a match count, or per-text spans (then it is also the span collector);
    ``spans`` collects spans in an untimed pass after the timed scans.
    """

    name: str
    build: Callable[[], Any]
    scan: Callable[[Any], int | list[list[tuple[int, ...]]]]
    n_texts: int
    repeat: int
    spans: Callable[[Any], list[list[tuple[int, ...]]]] | None = None
    note: str = ""


@dataclass
class Result:
    name: str
    n_texts: int
    nbytes: int
    build_s: float | None = None
    first_s: float = float("nan")
    best_s: float = float("nan")
    peak_mb: float | None = None
    matches: int = 0
    note: str = ""
    spans: list[list[tuple[int, ...]]] | None = None
    error: str | None = None

    @property
    def mbps(self) -> float:
        return self.nbytes / 1e6 / self.best_s

    @property
    def first_mbps(self) -> float:
        return self.nbytes / 1e6 / self.first_s

    @property
    def reports_per_s(self) -> float:
        return self.n_texts / self.best_s


def measure(baseline: Baseline, corpus: Corpus) -> Result:
    """Build and scan in a child: build time, first and best scan, peak RSS rise."""
    log(f"{baseline.name}: {baseline.n_texts} texts x {baseline.repeat}")

    def work() -> dict[str, Any]:
        can_reset = _reset_peak()
        start_kb = _status_kb("VmRSS")
        t0 = time.perf_counter()
        built = baseline.build()
        build_s = time.perf_counter() - t0
        times: list[float] = []
        out: int | list[list[tuple[int, ...]]] = 0
        for _ in range(baseline.repeat):
            t0 = time.perf_counter()
            out = baseline.scan(built)
            times.append(time.perf_counter() - t0)
        peak_kb = _status_kb("VmHWM")
        spans = out if isinstance(out, list) else None
        if spans is None and baseline.spans is not None:
            spans = baseline.spans(built)
        return {
            "build_s": build_s,
            "first_s": times[0],
            "best_s": min(times),
            "peak_mb": (peak_kb - start_kb) / 1024 if can_reset and peak_kb and start_kb else None,
            "matches": out if isinstance(out, int) else sum(map(len, out)),
            "spans": spans,
        }

    raw = isolated(work)
    result = Result(baseline.name, baseline.n_texts, corpus.size(baseline.n_texts))
    result.note = baseline.note
    if "error" in raw:
        result.error = raw["error"]
        log(f"{baseline.name} failed: {result.error}")
        return result
    for key, value in raw.items():
        setattr(result, key, value)
    return result


# --------------------------------------------------------------------------- implementations


def build_masker(ontology: Any) -> Any:
    """The full-release masker, uncached: alias table + distinctive fragments."""
    from mmrare_core.fragments import distinctive_fragments
    from mmrare_core.masking import Masker

    return Masker(ontology.aliases, ontology, distinctive_fragments(ontology))


def masker_find_all(masker: Any, corpus: Corpus, scope: Any) -> list[list[tuple[int, ...]]]:
    """Library spans with every code of the release in scope: ``(start, end, code)``."""
    return [[(s.start, s.end, s.code) for s in masker.find(text, scope)] for text in corpus.texts]


def masker_mask(masker: Any, corpus: Corpus, n: int, abbreviations: bool) -> int:
    """End-to-end masking of each text against its own targets; returns the edit count."""
    edits = 0
    for text, codes in zip(corpus.texts[:n], corpus.codes[:n], strict=True):
        edits += len(masker.mask(text, codes, abbreviations=abbreviations).edits)
    return edits


def normalize_scan(texts: Sequence[str]) -> int:
    from mmrare_core.normalize import normalize

    return sum(len(normalize(text).text) for text in texts)


def floor_scan(automaton: Any, texts: Sequence[str]) -> int:
    """Raw Aho-Corasick hits over the lower-cased text: every hit consumed, no boundaries."""
    hits = 0
    for text in texts:
        for _ in automaton.iter(text.lower()):
            hits += 1
    return hits


def build_regex(forms: Sequence[str]) -> re.Pattern[str]:
    """One alternation, longest form first (Python's alternation takes the first that fits)."""
    ordered = sorted(forms, key=lambda f: (-len(f), f))
    return re.compile(r"\b(?:" + "|".join(map(re.escape, ordered)) + r")\b", re.IGNORECASE)


def regex_spans(pattern: re.Pattern[str], texts: Sequence[str]) -> list[list[tuple[int, ...]]]:
    return [[m.span() for m in pattern.finditer(text)] for text in texts]


def build_spacy(forms: Sequence[str], cache_size: int | None) -> tuple[Any, Any]:
    """A blank English tokenizer and a LOWER PhraseMatcher over ``forms``.

    ``cache_size`` raises ``Tokenizer.max_cache_size`` *before* the patterns are tokenized;
    with the default (10,000 chunks) the patterns fill the cache and no text chunk is cached.
    """
    import spacy
    from spacy.matcher import PhraseMatcher

    nlp = spacy.blank("en")
    if cache_size is not None:
        nlp.tokenizer.max_cache_size = cache_size
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    matcher.add("ALIAS", list(nlp.tokenizer.pipe(forms)))
    return nlp, matcher


def spacy_scan(built: tuple[Any, Any], texts: Sequence[str]) -> int:
    nlp, matcher = built
    return sum(len(matcher(doc)) for doc in nlp.tokenizer.pipe(texts))


def spacy_spans(built: tuple[Any, Any], texts: Sequence[str]) -> list[list[tuple[int, ...]]]:
    """Longest non-overlapping matches (``filter_spans``), as character offsets."""
    from spacy.util import filter_spans

    nlp, matcher = built
    return [
        [(s.start_char, s.end_char) for s in filter_spans(matcher(doc, as_spans=True))]
        for doc in nlp.tokenizer.pipe(texts)
    ]


def build_flashtext(forms: Sequence[str]) -> Any:
    from flashtext import KeywordProcessor

    processor = KeywordProcessor(case_sensitive=False)
    for form in forms:
        processor.add_keyword(form)
    return processor


def flashtext_scan(processor: Any, texts: Sequence[str]) -> int:
    return sum(len(processor.extract_keywords(text)) for text in texts)


def flashtext_spans(processor: Any, texts: Sequence[str]) -> list[list[tuple[int, ...]]]:
    return [[(s, e) for _, s, e in processor.extract_keywords(t, span_info=True)] for t in texts]


# --------------------------------------------------------------------------- build and cache


@contextmanager
def cache_folder() -> Iterator[str]:
    """A fresh ``MMRARE_CACHE_DIR`` for the duration of the block."""
    old = os.environ.get("MMRARE_CACHE_DIR")
    with tempfile.TemporaryDirectory(prefix="mask_bench_") as folder:
        os.environ["MMRARE_CACHE_DIR"] = folder
        try:
            yield folder
        finally:
            if old is None:
                os.environ.pop("MMRARE_CACHE_DIR", None)
            else:
                os.environ["MMRARE_CACHE_DIR"] = old


def time_builds(ontology: Any, repeat: int) -> dict[str, float]:
    """Best-of-``repeat`` seconds: fragments, uncached Masker, cold and warm cached loads."""
    from mmrare_core.fragments import distinctive_fragments
    from mmrare_core.masking import Masker

    best: dict[str, float] = defaultdict(lambda: float("inf"))

    def keep(key: str, seconds: float) -> None:
        best[key] = min(best[key], seconds)

    for _ in range(repeat):
        t0 = time.perf_counter()
        fragments = distinctive_fragments(ontology)
        keep("fragments", time.perf_counter() - t0)
        t0 = time.perf_counter()
        Masker(ontology.aliases, ontology, fragments)
        keep("automaton", time.perf_counter() - t0)
        t0 = time.perf_counter()
        build_masker(ontology)
        keep("uncached", time.perf_counter() - t0)
        with cache_folder():
            t0 = time.perf_counter()
            Masker.from_ontology(ontology)
            keep("cold", time.perf_counter() - t0)
            t0 = time.perf_counter()
            Masker.from_ontology(ontology)
            keep("warm", time.perf_counter() - t0)
    return dict(best)


def time_mask_many(masker: Any, corpus: Corpus, workers: int, repeat: int) -> tuple[float, int]:
    """Best seconds of ``mask_many`` over the corpus, and the number of failed records."""
    from mmrare_core.masking import MaskRecord, mask_many

    records = [
        MaskRecord(i, text, codes)
        for i, (text, codes) in enumerate(zip(corpus.texts, corpus.codes, strict=True))
    ]
    times, failed = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        outcomes = list(mask_many(records, masker, workers=workers, abbreviations=False))
        times.append(time.perf_counter() - t0)
        failed = sum(o.error is not None for o in outcomes)
    return min(times), failed


# --------------------------------------------------------------------------- profile


_CATEGORIES: dict[tuple[str, str], str] = {
    ("masking.py", "_candidates"): "automaton iteration + scope filter",
    ("masking.py", "at_word_boundary"): "word-boundary checks",
    ("masking.py", "is_word_char"): "word-boundary checks",
    ("masking.py", "_same_capitals"): "acronym capital checks",
    ("masking.py", "_leftmost_longest"): "leftmost-longest selection",
    ("normalize.py", "source_span"): "offset map (source_span)",
    ("normalize.py", "source_start"): "offset map (source_span)",
    ("normalize.py", "source_end"): "offset map (source_span)",
    ("normalize.py", "_piece"): "offset map (source_span)",
    ("masking.py", "find"): "span and edit building",
    ("masking.py", "_apply"): "span and edit building",
    ("masking.py", "scope"): "scope (subtypes, parents)",
    ("masking.py", "mask"): "mask() call overhead",
    ("mask_bench.py", "_profiled"): "benchmark loop",
}


def _category(func: tuple[str, int, str]) -> str | None:
    filename, _, name = func
    base = Path(filename).name
    if (base, name) in _CATEGORIES:
        return _CATEGORIES[(base, name)]
    if base == "normalize.py":
        return "normalization"
    return None  # builtins, generated __init__s, lambdas: charged to their callers


def profile_breakdown(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Own time per category; a function without a category is charged to its callers,
    in proportion to the time it spent under each."""
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    memo: dict[Any, dict[str, float]] = {}

    def shares(func: Any) -> dict[str, float]:
        category = _category(func)
        if category:
            return {category: 1.0}
        if func in memo:
            return memo[func]
        memo[func] = {"other": 1.0}  # guards recursion
        callers = table.get(func, (0, 0, 0.0, 0.0, {}))[4]
        total = sum(v[2] for v in callers.values())
        out: dict[str, float] = defaultdict(float)
        if total <= 0:
            out["other"] = 1.0
        for caller, v in callers.items():
            if total > 0:
                for cat, frac in shares(caller).items():
                    out[cat] += frac * v[2] / total
        memo[func] = dict(out)
        return memo[func]

    totals: dict[str, float] = defaultdict(float)
    for func, (_, _, own, _, _) in table.items():
        for cat, frac in shares(func).items():
            totals[cat] += own * frac
    grand = sum(totals.values())
    return sorted(((c, t / grand) for c, t in totals.items()), key=lambda x: -x[1])


def _profiled(masker: Any, corpus: Corpus) -> None:
    for text, codes in zip(corpus.texts, corpus.codes, strict=True):
        masker.mask(text, codes, abbreviations=False)


def stage_times(masker: Any, corpus: Corpus, repeat: int) -> list[tuple[str, float]]:
    """Cumulative stages of ``mask`` timed without the profiler (best of ``repeat``)."""
    from mmrare_core.normalize import normalize

    scopes = [masker.scope(codes) for codes in corpus.codes]
    automaton = masker._automaton
    pairs = list(zip(corpus.texts, corpus.codes, strict=True))

    def norm_only() -> None:
        for text in corpus.texts:
            normalize(text)

    def norm_iter() -> None:
        for text in corpus.texts:
            for _ in automaton.iter(normalize(text).text):
                pass

    def find() -> None:
        for text, scope in zip(corpus.texts, scopes, strict=True):
            masker.find(text, scope)

    def mask_scoped() -> None:
        for text, scope in zip(corpus.texts, scopes, strict=True):
            masker.mask(text, scope, abbreviations=False)

    def mask_codes() -> None:
        for text, codes in pairs:
            masker.mask(text, codes, abbreviations=False)

    stages = [
        ("normalize", norm_only),
        ("+ automaton iteration (normalized text)", norm_iter),
        ("find(text, scope): + filter, boundaries, selection, offsets", find),
        ("mask(text, scope): + edits and output text", mask_scoped),
        ("mask(text, codes): + scope computation", mask_codes),
    ]
    out = []
    for label, func in stages:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            func()
            times.append(time.perf_counter() - t0)
        out.append((label, min(times)))
    return out


# --------------------------------------------------------------------------- agreement


def agreement(
    corpus: Corpus, result: Result
) -> tuple[int, int, int, int, Counter[str], Counter[str]]:
    """Spans a baseline shares with the library's all-codes ``find`` on the same texts."""
    assert result.spans is not None
    both = only_lib = only_base = 0
    lib_examples: Counter[str] = Counter()
    base_examples: Counter[str] = Counter()
    for text, lib, base_list in zip(corpus.texts, corpus.library_spans, result.spans, strict=False):
        base = {(s[0], s[1]) for s in base_list}
        both += len(lib & base)
        only_lib += len(lib - base)
        only_base += len(base - lib)
        lib_examples.update(text[s:e] for s, e in lib - base)
        base_examples.update(text[s:e] for s, e in base - lib)
    n = sum(len(lib) for lib in corpus.library_spans[: result.n_texts])
    return n, both, only_lib, only_base, lib_examples, base_examples


# --------------------------------------------------------------------------- report


def fmt(value: float | None, digits: int = 2) -> str:
    if value is None or value != value:
        return "n/a"
    return f"{value:,.{digits}f}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_table(rows: Sequence[Result], floor: Result | None, corpus: Corpus) -> None:
    """The main Markdown table; a row run on a slice is extrapolated to the whole corpus."""
    print(
        "| implementation | build s | MB/s (best) | MB/s (1st) | reports/s | peak MB "
        "| × floor | matches | notes |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        if r.error:
            print(f"| {r.name} | | | | | | | | failed: {r.error} |")
            continue
        share = fmt(r.mbps / floor.mbps, 3) if floor and not floor.error else "n/a"
        note = r.note
        if r.n_texts < len(corpus.texts):
            full = corpus.size() / 1e6 / r.mbps
            note = (note + "; " if note else "") + (
                f"slice: first {r.n_texts} texts ({r.nbytes / 1e3:,.0f} kB), "
                f"extrapolated: whole corpus ≈ {full / 3600:,.1f} h"
            )
        print(
            f"| {r.name} | {fmt(r.build_s)} | {fmt(r.mbps)} | {fmt(r.first_mbps)} "
            f"| {fmt(r.reports_per_s, 1)} | {fmt(r.peak_mb, 0)} | {share} | {r.matches:,} "
            f"| {note} |"
        )


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--limit", type=int, default=None, help="use the first N texts")
    parser.add_argument("--repeat", type=int, default=3, help="timed scans per row (best kept)")
    parser.add_argument("--skip-slow", action="store_true", help="skip the re and spaCy rows")
    parser.add_argument("--slice", type=int, default=5, help="texts for the re baseline")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile breakdown")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    args = parser.parse_args(argv)
    repeat = max(1, args.repeat)

    release = args.data / RELEASE
    cases = [args.data / p for p in CASES]
    missing = [str(p) for p in (release, *cases) if not p.exists()]
    if missing:
        print(
            "mask_bench: data not found: " + ", ".join(missing) + "\n"
            "  point --data at the shared data folder (orphanet/, pmc_case_texts/)",
            file=sys.stderr,
        )
        return 2

    started = time.perf_counter()
    load_start = os.getloadavg()
    with cache_folder():  # the whole run: nothing read from or written to the user's cache
        return _run(args, repeat, release, cases, started, load_start)


def _run(
    args: argparse.Namespace,
    repeat: int,
    release: Path,
    cases: Sequence[Path],
    started: float,
    load_start: tuple[float, float, float],
) -> int:
    from mmrare_core.masking import Masker, Scope
    from mmrare_core.ontology import load

    log("loading texts and release")
    texts = read_texts(cases, args.limit)
    corpus = Corpus(texts, [len(t.encode("utf-8")) for t in texts])
    n = len(texts)
    t0 = time.perf_counter()
    ontology = load(release)
    load_s = time.perf_counter() - t0
    forms = sorted({a.form for a in ontology.aliases})
    all_codes = tuple(sorted(d.code for d in ontology))
    everything = Scope(targets=all_codes, codes=all_codes)
    log("building the masker (cached load for the parent)")
    masker = Masker.from_ontology(ontology)

    rows: list[Result] = []

    # 1. targets, found once with the library itself (a row of its own: all codes in scope)
    find_all = measure(
        Baseline(
            "mmrare_core Masker.find, all codes in scope",
            lambda: build_masker(ontology),
            lambda m: masker_find_all(m, corpus, everything),
            n,
            repeat,
            note="finds every alias of the release (the targets below)",
        ),
        corpus,
    )
    if find_all.spans is None:
        print(f"mask_bench: finding targets failed: {find_all.error}", file=sys.stderr)
        return 1
    rng = random.Random(SEED)
    for spans in find_all.spans:
        codes = tuple(sorted({s[2] for s in spans}))
        corpus.real.append(bool(codes))
        corpus.codes.append(codes or (rng.choice(all_codes),))
        corpus.library_spans.append({(s[0], s[1]) for s in spans})
    find_all.spans = None

    # 2. the library end to end, the floor, the baselines
    rows.append(
        measure(
            Baseline(
                "mmrare_core Masker.mask (abbreviations=False)",
                lambda: build_masker(ontology),
                lambda m: masker_mask(m, corpus, n, abbreviations=False),
                n,
                repeat,
                note="end to end, own targets; matches = edits",
            ),
            corpus,
        )
    )
    try:
        import mmrare_core.abbreviations  # noqa: F401

        abbreviations_note = ""
        rows.append(
            measure(
                Baseline(
                    "mmrare_core Masker.mask (abbreviations=True)",
                    lambda: build_masker(ontology),
                    lambda m: masker_mask(m, corpus, n, abbreviations=True),
                    n,
                    repeat,
                    note="+ defined short forms; matches = edits",
                ),
                corpus,
            )
        )
    except ImportError as exc:
        abbreviations_note = f"abbreviations=True skipped: mmrare_core.abbreviations ({exc})"
    rows.append(find_all)
    rows.append(
        measure(
            Baseline(
                "mmrare_core normalize() alone",
                lambda: None,
                lambda _: normalize_scan(corpus.texts),
                n,
                repeat,
                note="matches = output characters",
            ),
            corpus,
        )
    )
    floor = measure(
        Baseline(
            "floor: pyahocorasick Automaton.iter(text.lower())",
            lambda: build_masker(ontology)._automaton,
            lambda a: floor_scan(a, corpus.texts),
            n,
            repeat,
            note="same automaton as the masker; raw hits, no boundaries",
        ),
        corpus,
    )
    rows.append(floor)
    if not args.skip_slow:
        k = max(1, min(args.slice, n))
        rows.append(
            measure(
                Baseline(
                    r"re: one alternation, \b, IGNORECASE",
                    lambda: build_regex(forms),
                    lambda p: regex_spans(p, corpus.texts[:k]),
                    k,
                    1,
                    note="run once",
                ),
                corpus,
            )
        )
        rows.append(
            measure(
                Baseline(
                    "spaCy PhraseMatcher(LOWER), tokenizer cache raised",
                    lambda: build_spacy(forms, SPACY_CACHE_SIZE),
                    lambda b: spacy_scan(b, corpus.texts),
                    n,
                    repeat,
                    spans=lambda b: spacy_spans(b, corpus.texts),
                    note=f"max_cache_size={SPACY_CACHE_SIZE:,}; matches overlap",
                ),
                corpus,
            )
        )
        rows.append(
            measure(
                Baseline(
                    "spaCy PhraseMatcher(LOWER), default tokenizer cache",
                    lambda: build_spacy(forms, None),
                    lambda b: spacy_scan(b, corpus.texts),
                    n,
                    1,
                    note="max_cache_size=10,000 (default); run once",
                ),
                corpus,
            )
        )
    rows.append(
        measure(
            Baseline(
                "flashtext KeywordProcessor(case_sensitive=False)",
                lambda: build_flashtext(forms),
                lambda p: flashtext_scan(p, corpus.texts),
                n,
                repeat,
                spans=lambda p: flashtext_spans(p, corpus.texts),
            ),
            corpus,
        )
    )

    # 3. builds, cache, workers
    log("timing builds and the disk cache")
    builds = time_builds(ontology, repeat)
    log("mask_many with 1 and 2 workers")
    one, failed1 = time_mask_many(masker, corpus, 1, repeat)
    two, failed2 = time_mask_many(masker, corpus, 2, repeat)

    # 4. profile
    breakdown: list[tuple[str, float]] = []
    stages: list[tuple[str, float]] = []
    if not args.no_profile:
        log("profiling Masker.mask")
        profiler = cProfile.Profile()
        profiler.runcall(_profiled, masker, corpus)
        breakdown = profile_breakdown(pstats.Stats(profiler))
        log("stage timings without the profiler")
        stages = stage_times(masker, corpus, repeat)

    # ------------------------------------------------------------------ output
    real = sum(corpus.real)
    n_targets = [len(c) for c, r in zip(corpus.codes, corpus.real, strict=True) if r]
    print("## Masking benchmark (Layer 2)\n")
    print(f"- command: `python benchmarks/mask_bench.py {' '.join(sys.argv[1:])}`".rstrip())
    print(
        f"- machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average at start {load_start[0]:.2f}, at end {os.getloadavg()[0]:.2f}"
    )
    print(
        f"- corpus: {n:,} texts, {corpus.size() / 1e6:.1f} MB (UTF-8; MB = 10^6 bytes); "
        f"release: {len(ontology):,} entities, {len(ontology.aliases):,} aliases, "
        f"{len(forms):,} distinct forms (ontology load {load_s:.2f} s)"
    )
    print(
        f"- texts with at least one real target: {real:,} of {n:,} "
        f"(targets per such text: median {statistics.median(n_targets) if n_targets else 0}, "
        f"max {max(n_targets, default=0)}); the other {n - real:,} got one random code "
        f"(seed {SEED})"
    )
    print(f"- measured {normalize_version()}")
    print(
        "- timing: best of "
        f"{repeat} scans per row (1st = first scan), each row in its own forked process; "
        "peak MB = rise of the resident-set high-water mark (VmHWM) over build + scans"
    )
    if abbreviations_note:
        print(f"- {abbreviations_note}")
    print()
    print_table(rows, floor, corpus)

    print("\n### Build, cache, workers\n")
    print("| measurement | value | target | |")
    print("|---|---:|---:|---|")
    print(f"| distinctive fragments (part of the build) | {builds['fragments']:.2f} s | | |")
    print(
        f"| automaton compile, `Masker(aliases, ontology, fragments)` | {builds['automaton']:.2f} s | | |"
    )  # noqa: E501
    print(
        f"| full-release build, uncached (fragments + automaton) | {builds['uncached']:.2f} s "
        f"| ≤ {TARGET_BUILD_S:.0f} s | {verdict(builds['uncached'] <= TARGET_BUILD_S)} |"
    )
    print(f"| `Masker.from_ontology`, cold cache (build + write) | {builds['cold']:.2f} s | | |")
    print(
        f"| `Masker.from_ontology`, warm cache (load) | {builds['warm']:.3f} s "
        f"| ≤ {TARGET_CACHED_S} s | {verdict(builds['warm'] <= TARGET_CACHED_S)} |"
    )
    mb = corpus.size() / 1e6
    print(f"| `mask_many`, workers=1 | {mb / one:.2f} MB/s ({n / one:,.0f} reports/s) | | |")
    print(f"| `mask_many`, workers=2 | {mb / two:.2f} MB/s ({n / two:,.0f} reports/s) | | |")
    print(
        f"| `mask_many` speed-up, 2 vs 1 workers | {one / two:.2f}× | ≥ {TARGET_SPEEDUP}× "
        f"| {verdict(one / two >= TARGET_SPEEDUP)} |"
    )
    end_to_end = rows[0]
    if floor.error or end_to_end.error:
        share_line = "n/a"
        ok = False
    else:
        share = end_to_end.mbps / floor.mbps
        share_line = f"{share:.1%}"
        ok = share >= TARGET_FLOOR_SHARE
    print(
        f"| end-to-end masking / floor throughput | {share_line} "
        f"| ≥ {TARGET_FLOOR_SHARE:.0%} | {verdict(ok)} |"
    )
    if failed1 or failed2:
        print(f"\n`mask_many` failed records: {failed1} (1 worker), {failed2} (2 workers)")

    compared = [r for r in rows if r.spans is not None and not r.error]
    if compared:
        print("\n### Matches compared with the library (all codes in scope, same texts)\n")
        print(
            "| baseline | texts | library spans | same span | library only | baseline only "
            "| top library-only | top baseline-only |"
        )
        print("|---|---:|---:|---:|---:|---:|---|---|")
        for r in compared:
            total, both, only_lib, only_base, lib_ex, base_ex = agreement(corpus, r)
            top_lib = ", ".join(f"`{s!r}` {c}" for s, c in lib_ex.most_common(5))
            top_base = ", ".join(f"`{s!r}` {c}" for s, c in base_ex.most_common(5))
            print(
                f"| {r.name} | {r.n_texts:,} | {total:,} | {both:,} | {only_lib:,} "
                f"| {only_base:,} | {top_lib} | {top_base} |"
            )

    if breakdown:
        print("\n### Where `Masker.mask` spends its time (cProfile, own time by category)\n")
        print("| category | share |")
        print("|---|---:|")
        for category, share in breakdown:
            print(f"| {category} | {share:.1%} |")
        print("\nStages timed without the profiler (cumulative, best of", repeat, "):\n")
        print("| stage | s | MB/s | added |")
        print("|---|---:|---:|---:|")
        previous = 0.0
        for label, seconds in stages:
            print(f"| {label} | {seconds:.2f} | {mb / seconds:.1f} | {seconds - previous:+.2f} s |")
            previous = seconds
    print(f"\n_total run time: {time.perf_counter() - started:.0f} s_")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
