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
the first) in CPU seconds of that process (``time.process_time``: the machine is shared, and
other jobs must not stretch the figures; the best wall-clock scan is shown too), and peak
memory as the rise of the resident set's high-water mark (``VmHWM``, reset through
``/proc/self/clear_refs``) above the child's resident set at start, over build and scans.

Also reported: the full-release ``Masker`` build, uncached and through the disk cache (cold,
then warm), each in a fresh interpreter with a temporary ``MMRARE_CACHE_DIR``; ``mask_many``
with one and two workers (wall clock); ``normalize`` alone; the matches of each baseline
against the library's; and where ``Masker.mask`` spends its time (cProfile by category, and
cumulative stages timed without the profiler). Targets are printed with PASS/MISS and never
fail the run. Results (Markdown) go to stdout, progress to stderr; exit 2 when data is missing.
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
import resource
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

FLOOR = "floor: pyahocorasick Automaton.iter(text.lower())"

Span = tuple[int, int]
Spans = list[set[Span]]
#: Per-text matches as tuples: ``(start, end)``, or ``(start, end, code, form)`` for the library.
Found = list[list[tuple[Any, ...]]]


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
    by_name: list[bool] = field(default_factory=list)  # a real target found by a non-acronym
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
    path = ROOT / "src" / "mmrare_core" / "text" / "normalize.py"
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
    scan: Callable[[Any], int | Found]
    n_texts: int
    repeat: int
    spans: Callable[[Any], Found] | None = None
    note: str = ""


@dataclass
class Result:
    name: str
    n_texts: int
    nbytes: int
    build_s: float | None = None  # CPU seconds, like first_s and best_s
    first_s: float = float("nan")
    best_s: float = float("nan")
    best_wall_s: float = float("nan")
    peak_mb: float | None = None
    matches: int = 0
    note: str = ""
    spans: Found | None = None
    agreement: Agreement | None = None
    error: str | None = None

    @property
    def mbps(self) -> float:
        return self.nbytes / 1e6 / self.best_s

    @property
    def wall_mbps(self) -> float:
        return self.nbytes / 1e6 / self.best_wall_s

    @property
    def first_mbps(self) -> float:
        return self.nbytes / 1e6 / self.first_s

    @property
    def reports_per_s(self) -> float:
        return self.n_texts / self.best_s


def measure(baseline: Baseline, corpus: Corpus) -> Result:
    """Build and scan in a child: build time, first and best scan, peak RSS rise.

    Times are CPU seconds of the child (``time.process_time``): other jobs on a shared
    machine do not stretch them. The best wall-clock scan is kept beside them.
    """
    log(f"{baseline.name}: {baseline.n_texts} texts x {baseline.repeat}")

    def work() -> dict[str, Any]:
        can_reset = _reset_peak()
        start_kb = _status_kb("VmRSS")
        t0 = time.process_time()
        built = baseline.build()
        build_s = time.process_time() - t0
        times: list[float] = []
        walls: list[float] = []
        out: int | Found = 0
        for _ in range(baseline.repeat):
            t0, w0 = time.process_time(), time.perf_counter()
            out = baseline.scan(built)
            times.append(time.process_time() - t0)
            walls.append(time.perf_counter() - w0)
        peak_kb = _status_kb("VmHWM")
        spans = out if isinstance(out, list) else None
        if spans is None and baseline.spans is not None:
            spans = baseline.spans(built)
        return {
            "build_s": build_s,
            "first_s": times[0],
            "best_s": min(times),
            "best_wall_s": min(walls),
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
    from mmrare_core.masking.masker import Masker
    from mmrare_core.ontology.fragments import distinctive_fragments

    return Masker(ontology.aliases, ontology, distinctive_fragments(ontology))


def masker_find_all(masker: Any, corpus: Corpus, scope: Any) -> Found:
    """Library spans with every code of the release in scope: ``(start, end, code, form)``."""
    return [
        [(s.start, s.end, s.code, s.form) for s in masker.find(text, scope)]
        for text in corpus.texts
    ]


def masker_mask(masker: Any, corpus: Corpus, n: int, abbreviations: bool) -> int:
    """End-to-end masking of each text against its own targets; returns the edit count."""
    edits = 0
    for text, codes in zip(corpus.texts[:n], corpus.codes[:n], strict=True):
        edits += len(masker.mask(text, codes, abbreviations=abbreviations).edits)
    return edits


def normalize_scan(texts: Sequence[str], offset_map: bool = False) -> int:
    """``normalize`` over the texts; ``offset_map`` also asks for one source offset, which
    builds the map back to the source where a version of ``normalize`` makes it lazily."""
    from mmrare_core.text.normalize import normalize

    chars = 0
    for text in texts:
        norm = normalize(text)
        if offset_map and norm.text:
            norm.source_span(0, 1)
        chars += len(norm.text)
    return chars


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


def regex_spans(pattern: re.Pattern[str], texts: Sequence[str]) -> Found:
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


def spacy_spans(built: tuple[Any, Any], texts: Sequence[str]) -> Found:
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


def flashtext_spans(processor: Any, texts: Sequence[str]) -> Found:
    """Spans in source offsets: flashtext reports offsets in ``text.lower()``, which is longer
    than the text when it holds a character such as ``İ`` (lower-cased to two)."""
    found: Found = []
    for text in texts:
        spans = processor.extract_keywords(text, span_info=True)
        if len(text.lower()) != len(text):
            back = [i for i, char in enumerate(text) for _ in char.lower()] + [len(text)]
            spans = [(k, back[s], back[e - 1] + 1) for k, s, e in spans]
        found.append([(s, e) for _, s, e in spans])
    return found


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


_BUILD_CHILD = """
import json, sys, time
from mmrare_core.ontology.fragments import distinctive_fragments
from mmrare_core.masking.masker import Masker
from mmrare_core.ontology.ontology import load

ontology = load(sys.argv[1])
out = {}
t = time.process_time()
Masker.from_ontology(ontology)
out["cached"] = time.process_time() - t
t = time.process_time()
fragments = distinctive_fragments(ontology)
out["fragments"] = time.process_time() - t
t = time.process_time()
Masker(ontology.aliases, ontology, fragments)
out["automaton"] = time.process_time() - t
out["uncached"] = out["fragments"] + out["automaton"]
print(json.dumps(out))
"""


def time_builds(release: Path, repeat: int) -> dict[str, float]:
    """Best-of-``repeat`` CPU seconds, each in a fresh interpreter (as a user meets them):
    fragments, the uncached ``Masker``, and ``Masker.from_ontology`` with an empty cache
    folder (cold: build + write) and then with the one that run filled (warm: load)."""
    best: dict[str, float] = defaultdict(lambda: float("inf"))
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="mask_bench_build_") as folder:
            env = {**os.environ, "MMRARE_CACHE_DIR": folder}
            for phase in ("cold", "warm"):
                done = subprocess.run(
                    [sys.executable, "-c", _BUILD_CHILD, str(release)],
                    capture_output=True, text=True, env=env, check=True,
                )  # fmt: skip
                times = json.loads(done.stdout)
                best[phase] = min(best[phase], times.pop("cached"))
                for key, seconds in times.items():
                    best[key] = min(best[key], seconds)
    return dict(best)


@dataclass(frozen=True)
class ManyRun:
    """``mask_many`` over the corpus: wall-clock seconds (the workers are other processes),
    CPU seconds of this process and of its (reaped) worker processes, failed records."""

    wall_s: float
    parent_cpu_s: float
    workers_cpu_s: float
    failed: int

    def idle_bound(self, serial_cpu_s: float, workers: int) -> float:
        """The speed-up over ``serial_cpu_s`` if the cores were free: the busiest of the
        parent and the (evenly loaded) workers sets the pace."""
        return serial_cpu_s / max(self.parent_cpu_s, self.workers_cpu_s / workers)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_mask_many(masker: Any, corpus: Corpus, workers: int, repeat: int) -> ManyRun:
    """Mask the corpus with ``mask_many(workers=...)``, ``repeat`` times; keep the best."""
    from mmrare_core.masking.masker import MaskRecord, mask_many

    records = [
        MaskRecord(i, text, codes)
        for i, (text, codes) in enumerate(zip(corpus.texts, corpus.codes, strict=True))
    ]
    runs = []
    for _ in range(repeat):
        t0, c0, k0 = time.perf_counter(), time.process_time(), _children_cpu()
        outcomes = list(mask_many(records, masker, workers=workers, abbreviations=False))
        wall, cpu, kids = time.perf_counter() - t0, time.process_time() - c0, _children_cpu() - k0
        runs.append(ManyRun(wall, cpu, kids, sum(o.error is not None for o in outcomes)))
    return min(runs, key=lambda r: r.wall_s)


# --------------------------------------------------------------------------- profile


_OFFSETS = "offset map (source_span, map build)"
#: normalize.py functions that map offsets back, and those that build the map where it is lazy.
_OFFSET_ACCESSORS = ("source_span", "source_start", "source_end", "_piece")
_OFFSET_BUILDERS = ("_map", "build", "_find", "start", "end")
_OFFSET_FUNCS = frozenset(_OFFSET_ACCESSORS + _OFFSET_BUILDERS)
_CATEGORIES: dict[tuple[str, str], str] = {
    ("masker.py", "_candidates"): "automaton iteration + scope filter",
    ("words.py", "at_word_boundary"): "word-boundary checks",
    ("words.py", "is_word_char"): "word-boundary checks",
    ("masker.py", "_same_capitals"): "acronym capital checks",
    ("spans.py", "leftmost_longest"): "leftmost-longest selection",
    ("masker.py", "find"): "span and edit building",
    ("masker.py", "_apply"): "span and edit building",
    ("masker.py", "scope"): "scope (subtypes, parents)",
    ("masker.py", "mask"): "mask() call overhead",
    ("mask_bench.py", "_profiled"): "benchmark loop",
}


def _category(func: tuple[str, int, str]) -> str | None:
    filename, _, name = func
    base = Path(filename).name
    if (base, name) in _CATEGORIES:
        return _CATEGORIES[(base, name)]
    if base == "normalize.py":
        return _OFFSETS if name in _OFFSET_FUNCS else "normalization"
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
    """Cumulative stages of ``mask`` without the profiler (best of ``repeat``, CPU seconds)."""
    from mmrare_core.text.normalize import normalize

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
        ("find(text, scope): + filter, boundaries, selection, offset map", find),
        ("mask(text, scope): + edits and output text", mask_scoped),
        ("mask(text, codes): + scope computation", mask_codes),
    ]
    best = [float("inf")] * len(stages)
    for _ in range(repeat):  # interleaved, so that a busy spell hits every stage alike
        for i, (_, func) in enumerate(stages):
            t0 = time.process_time()
            func()
            best[i] = min(best[i], time.process_time() - t0)
    return [(label, seconds) for (label, _), seconds in zip(stages, best, strict=True)]


# --------------------------------------------------------------------------- agreement


@dataclass(frozen=True)
class Acronyms:
    """The release's case-sensitive aliases: ``(code, form)``, exact keys, and folded keys
    that no case-insensitive alias shares."""

    pairs: frozenset[tuple[int, str]]
    exact: frozenset[str]
    folded: frozenset[str]

    @classmethod
    def of(cls, table: Any) -> Acronyms:
        from mmrare_core.ontology.aliases import alias_key

        sensitive = [a for a in table if a.case_sensitive]
        plain = {alias_key(a.form) for a in table if not a.case_sensitive}
        return cls(
            frozenset((a.code, a.form) for a in sensitive),
            frozenset(alias_key(a.form, True) for a in sensitive),
            frozenset(alias_key(a.form) for a in sensitive) - plain,
        )


@dataclass
class Agreement:
    """A baseline's spans against the library's all-codes ``find`` spans on the same texts."""

    library: int = 0
    both: int = 0
    library_only: Counter[str] = field(default_factory=Counter)
    baseline_only: Counter[str] = field(default_factory=Counter)
    acronym_case: int = 0  # baseline-only spans that are an acronym in the wrong case


def agreement(corpus: Corpus, result: Result, acronyms: Acronyms) -> Agreement:
    """Compare exact source spans, and count baseline-only acronyms in the wrong case."""
    from mmrare_core.ontology.aliases import alias_key

    assert result.spans is not None
    out = Agreement()
    for text, lib, found in zip(corpus.texts, corpus.library_spans, result.spans, strict=False):
        base = {(s[0], s[1]) for s in found}
        out.library += len(lib)
        out.both += len(lib & base)
        out.library_only.update(text[s:e] for s, e in lib - base)
        for s, e in base - lib:
            out.baseline_only[text[s:e]] += 1
            form = text[s:e]
            out.acronym_case += (
                alias_key(form) in acronyms.folded and alias_key(form, True) not in acronyms.exact
            )
    return out


# --------------------------------------------------------------------------- the run


@dataclass
class Run:
    """What every row shares: the corpus, the release and its alias forms."""

    corpus: Corpus
    ontology: Any
    forms: list[str]
    all_codes: tuple[int, ...]
    masker: Any
    acronyms: Acronyms
    repeat: int
    load_s: float
    normalize_loaded: str  # the normalize.py this process imported (edited concurrently)
    notes: list[str] = field(default_factory=list)


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


def measure_rows(baselines: Sequence[Baseline], run: Run) -> list[Result]:
    """Measure each row; compare its spans with the library's at once and drop them, so
    that the parent's heap (which every later fork inherits) stays small."""
    results = []
    for baseline in baselines:
        result = measure(baseline, run.corpus)
        if result.spans is not None:
            result.agreement = agreement(run.corpus, result, run.acronyms)
            result.spans = None
        results.append(result)
    return results


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


# --------------------------------------------------------------------------- report


def fmt(value: float | None, digits: int = 2) -> str:
    """Fixed decimals, or two significant digits for small values (0.0019)."""
    if value is None or value != value:
        return "n/a"
    if 0 < abs(value) < 0.1:
        return f"{value:.2g}"
    return f"{value:,.{digits}f}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_header(run: Run, argv: Sequence[str], load_start: float) -> None:
    corpus, n = run.corpus, len(run.corpus.texts)
    real, by_name = sum(corpus.real), sum(corpus.by_name)
    per_text = [len(c) for c, is_real in zip(corpus.codes, corpus.real, strict=True) if is_real]
    print("## Masking benchmark (Layer 2)\n")
    print(f"- command: `{' '.join(['python benchmarks/mask_bench.py', *argv])}`")
    print(
        f"- machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"load average {load_start:.2f} at start, {os.getloadavg()[0]:.2f} at end"
    )
    print(
        f"- corpus: {n:,} texts, {corpus.size() / 1e6:.1f} MB (UTF-8, MB = 10^6 bytes); "
        f"release: {len(run.ontology):,} entities, {len(run.ontology.aliases):,} aliases, "
        f"{len(run.forms):,} distinct forms (ontology load {run.load_s:.2f} s, cold)"
    )
    print(
        f"- texts with at least one real target: {real:,} of {n:,} ({by_name:,} through a name, "
        f"the rest through acronyms only; targets per such text: median "
        f"{statistics.median(per_text) if per_text else 0:g}, max {max(per_text, default=0)}); "
        f"the other {n - real:,} got one random code (seed {SEED})"
    )
    now = normalize_version()
    changed = "" if now == run.normalize_loaded else f" (changed during the run, now: {now})"
    print(f"- measured {run.normalize_loaded}{changed}")
    print(
        f"- each row in its own forked process; times are CPU seconds of that process "
        f"(`time.process_time`, so other jobs on the machine do not stretch them), best of "
        f"{run.repeat} scans (MB/s 1st: the first scan; MB/s wall: best wall-clock scan); "
        "peak MB = rise of the resident-set high-water mark (VmHWM, reset through "
        "/proc/self/clear_refs) over build + scans, above the child's resident set at fork"
    )
    for note in run.notes:
        print(f"- {note}")
    print()


def print_table(rows: Sequence[Result], corpus: Corpus) -> Result | None:
    """The main table; a row run on a slice is extrapolated to the whole corpus."""
    floor = next((r for r in rows if r.name == FLOOR and not r.error), None)
    print(
        "| implementation | build s | MB/s | MB/s 1st | MB/s wall | reports/s | peak MB "
        "| × floor | matches | notes |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        if r.error:
            print(f"| {r.name} | | | | | | | | | failed: {r.error} |")
            continue
        note = r.note
        if r.n_texts < len(corpus.texts):
            hours = corpus.size() / 1e6 / r.mbps / 3600
            note = (
                f"{note}; on a slice, the first {r.n_texts} text{'s' * (r.n_texts != 1)} "
                f"({r.nbytes / 1e3:,.0f} kB), "
                f"EXTRAPOLATED: the whole corpus would take ≈ {hours:,.1f} h"
            )
        share = fmt(r.mbps / floor.mbps, 3) if floor else "n/a"
        print(
            f"| {r.name} | {fmt(r.build_s) if (r.build_s or 0) >= 1e-3 else '–'} "
            f"| {fmt(r.mbps)} | {fmt(r.first_mbps)} "
            f"| {fmt(r.wall_mbps)} | {fmt(r.reports_per_s, 1)} | {fmt(r.peak_mb, 0)} | {share} "
            f"| {r.matches:,} | {note} |"
        )
    return floor


def print_builds(builds: dict[str, float], workers: dict[int, ManyRun], corpus: Corpus) -> None:
    mb, n = corpus.size() / 1e6, len(corpus.texts)
    one, two = workers[1].wall_s, workers[2].wall_s
    par, serial = workers[2], workers[1].parent_cpu_s
    lines = [
        ("distinctive fragments (part of the build)", f"{builds['fragments']:.2f} s", None),
        ("`Masker(aliases, ontology, fragments)`", f"{builds['automaton']:.2f} s", None),
        (
            "full-release build, uncached (fragments + Masker)",
            f"{builds['uncached']:.2f} s",
            (f"≤ {TARGET_BUILD_S:g} s", builds["uncached"] <= TARGET_BUILD_S),
        ),
        ("`Masker.from_ontology`, cold cache (build + write)", f"{builds['cold']:.2f} s", None),
        (
            "`Masker.from_ontology`, warm cache (load)",
            f"{builds['warm']:.3f} s",
            (f"≤ {TARGET_CACHED_S:g} s", builds["warm"] <= TARGET_CACHED_S),
        ),
        (
            "`mask_many`, workers=1 (wall clock)",
            f"{mb / one:.2f} MB/s, {n / one:,.0f} reports/s",
            None,
        ),
        (
            "`mask_many`, workers=2 (wall clock)",
            f"{mb / two:.2f} MB/s, {n / two:,.0f} reports/s",
            None,
        ),
        (
            "`mask_many` speed-up, 2 vs 1 workers (reported, not asserted)",
            f"{one / two:.2f}×",
            (f"≥ {TARGET_SPEEDUP:g}×", one / two >= TARGET_SPEEDUP),
        ),
        (
            "`mask_many` CPU: 1 worker (in process) / 2 workers: parent + workers",
            f"{serial:.2f} s / {par.parent_cpu_s:.2f} s + {par.workers_cpu_s:.2f} s",
            None,
        ),
        (
            "speed-up bound on two free cores (from the CPU seconds; an estimate)",
            f"{par.idle_bound(serial, 2):.2f}×",
            None,
        ),
    ]
    print("\n### Build, cache, workers\n")
    print("| measurement | value | target | |")
    print("|---|---:|---:|---|")
    for label, value, target in lines:
        goal, status = (target[0], verdict(target[1])) if target else ("", "")
        print(f"| {label} | {value} | {goal} | {status} |")
    failed = {w: r.failed for w, r in workers.items() if r.failed}
    if failed:
        print(f"\n`mask_many` failed records by worker count: {failed}")


def paired_share(run: Run) -> dict[str, Any]:
    """End-to-end masking and the floor in one child, scans alternating (best of each), so
    that both meet the same machine: the ratio the target is checked on."""
    log("end-to-end masking and the floor, paired")
    corpus, n = run.corpus, len(run.corpus.texts)

    def work() -> dict[str, Any]:
        masker = build_masker(run.ontology)
        best = {"mask_s": float("inf"), "floor_s": float("inf")}
        for _ in range(run.repeat):
            t0 = time.process_time()
            floor_scan(masker._automaton, corpus.texts)
            best["floor_s"] = min(best["floor_s"], time.process_time() - t0)
            t0 = time.process_time()
            masker_mask(masker, corpus, n, abbreviations=False)
            best["mask_s"] = min(best["mask_s"], time.process_time() - t0)
        return best

    return isolated(work)


def print_floor_share(
    rows: Sequence[Result], floor: Result | None, paired: dict[str, Any], repeat: int
) -> None:
    """The target ratio, from the paired measurement; the table rows' ratio beside it."""
    end_to_end = rows[0]
    from_rows = f"{end_to_end.mbps / floor.mbps:.1%}" if floor and not end_to_end.error else "n/a"
    if "error" in paired:
        print(f"\nend-to-end masking / floor: n/a ({paired['error']}) — MISS")
        return
    share = paired["floor_s"] / paired["mask_s"]
    print(
        f"\nend-to-end masking / floor throughput: **{share:.1%}** (target ≥ "
        f"{TARGET_FLOOR_SHARE:.0%}: {verdict(share >= TARGET_FLOOR_SHARE)}), measured in one "
        f"process with the scans alternating, best of {repeat} each; from the two table rows "
        f"(separate processes): {from_rows}"
    )


def print_agreement(rows: Sequence[Result]) -> None:
    compared = [(r, r.agreement) for r in rows if r.agreement is not None]
    if not compared:
        return
    print("\n### Matches compared with the library (`find`, all codes in scope, same texts)\n")
    print(
        "| baseline | texts | library spans | same span | library only | baseline only "
        "| of which an acronym in the wrong case | most frequent library-only "
        "| most frequent baseline-only |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---|")
    for r, a in compared:
        top_lib = ", ".join(f"{s!r} {c}" for s, c in a.library_only.most_common(6))
        top_base = ", ".join(f"{s!r} {c}" for s, c in a.baseline_only.most_common(6))
        print(
            f"| {r.name} | {r.n_texts:,} | {a.library:,} | {a.both:,} "
            f"| {a.library_only.total():,} | {a.baseline_only.total():,} | {a.acronym_case:,} "
            f"| {top_lib} | {top_base} |"
        )


def print_profile(
    breakdown: Sequence[tuple[str, float]], stages: Sequence[tuple[str, float]], run: Run
) -> None:
    print("\n### Where `Masker.mask` spends its time (cProfile, own time by category)\n")
    print("| category | share |")
    print("|---|---:|")
    for category, share in breakdown:
        print(f"| {category} | {share:.1%} |")
    mb = run.corpus.size() / 1e6
    print(f"\nStages timed without the profiler (cumulative, best of {run.repeat}):\n")
    print("| stage | s | MB/s | added |")
    print("|---|---:|---:|---:|")
    previous = 0.0
    for label, seconds in stages:
        print(f"| {label} | {seconds:.2f} | {mb / seconds:.1f} | {seconds - previous:+.2f} s |")
        previous = seconds


# --------------------------------------------------------------------------- main


def profile(run: Run) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """cProfile of end-to-end masking by category, and the stages timed without it."""
    log("profiling Masker.mask")
    profiler = cProfile.Profile()
    profiler.runcall(_profiled, run.masker, run.corpus)
    breakdown = profile_breakdown(pstats.Stats(profiler))
    log("stage timings without the profiler")
    return breakdown, stage_times(run.masker, run.corpus, run.repeat)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--limit", type=int, default=None, help="use the first N texts")
    parser.add_argument("--repeat", type=int, default=3, help="timed scans per row (best kept)")
    parser.add_argument("--skip-slow", action="store_true", help="skip the re and spaCy rows")
    parser.add_argument("--slice", type=int, default=5, help="texts for the re row (default 5)")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile breakdown")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    args = parser.parse_args(argv)

    release, cases = args.data / RELEASE, [args.data / p for p in CASES]
    missing = [str(p) for p in (release, *cases) if not p.exists()]
    if missing:
        print(
            "mask_bench: data not found: " + ", ".join(missing) + "\n"
            "  point --data at the shared data folder (with orphanet/ and pmc_case_texts/)",
            file=sys.stderr,
        )
        return 2
    started, load_start = time.perf_counter(), os.getloadavg()[0]
    with cache_folder():  # nothing read from or written to the user's cache
        run = prepare(release, cases, args.limit, max(1, args.repeat))
        find_all = find_targets(run)
        if not run.corpus.codes:
            print(f"mask_bench: finding the targets failed: {find_all.error}", file=sys.stderr)
            return 1
        library = measure_rows(library_rows(run), run)
        others = measure_rows(baseline_rows(run, args.skip_slow, args.slice), run)
        rows = [*library, find_all, *others]
        log("timing builds and the disk cache")
        builds = time_builds(release, run.repeat)
        log("mask_many with 1 and 2 workers")
        workers = {w: time_mask_many(run.masker, run.corpus, w, run.repeat) for w in (1, 2)}
        paired = paired_share(run)
        breakdown, stages = ([], []) if args.no_profile else profile(run)

    print_header(run, sys.argv[1:] if argv is None else argv, load_start)
    floor = print_table(rows, run.corpus)
    print_floor_share(rows, floor, paired, run.repeat)
    print_builds(builds, workers, run.corpus)
    print_agreement(rows)
    if breakdown:
        print_profile(breakdown, stages, run)
    print(f"\n_total run time: {time.perf_counter() - started:.0f} s_")
    return 0


def prepare(release: Path, cases: Sequence[Path], limit: int | None, repeat: int) -> Run:
    from mmrare_core.masking.masker import Masker
    from mmrare_core.ontology.ontology import load

    log("loading texts and release")
    texts = read_texts(cases, limit)
    corpus = Corpus(texts, [len(t.encode("utf-8")) for t in texts])
    t0 = time.perf_counter()
    ontology = load(release)
    load_s = time.perf_counter() - t0
    forms = sorted({a.form for a in ontology.aliases})
    all_codes = tuple(sorted(d.code for d in ontology))
    masker = Masker.from_ontology(ontology)  # the parent's copy: mask_many and the profile
    acronyms = Acronyms.of(ontology.aliases)
    loaded = normalize_version()  # mmrare_core.text.normalize is imported by now
    return Run(corpus, ontology, forms, all_codes, masker, acronyms, repeat, load_s, loaded)


if __name__ == "__main__":
    raise SystemExit(main())
