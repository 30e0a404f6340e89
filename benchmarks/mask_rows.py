"""mask_bench's rows: the corpus and the run they share, a row (build + scan) measured in a
forked child, and the comparison of a row's spans with the library's."""

from __future__ import annotations

import hashlib
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks import harness

SEED = 20251209
FLOOR = "floor: pyahocorasick Automaton.iter(text.lower())"

Span = tuple[int, int]
Spans = list[set[Span]]
#: Per-text matches as tuples: ``(start, end)``, or ``(start, end, code, form)`` for the library.
Found = list[list[tuple[Any, ...]]]

log = harness.progress("mask_bench")


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


def normalize_version() -> str:
    """Which ``normalize.py`` was measured: content hash and git state (edited concurrently)."""
    path = harness.ROOT / "src" / "mmrare_core" / "text" / "normalize.py"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", str(path)],
            cwd=harness.ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        state = "modified in the working tree" if out.stdout.strip() else "as committed"
    except (OSError, subprocess.CalledProcessError):
        state = "git state unknown"
    return f"normalize.py sha256 {digest}, {state}"


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
class Agreement:
    """A baseline's spans against the library's all-codes ``find`` spans on the same texts."""

    library: int = 0
    both: int = 0
    library_only: Counter[str] = field(default_factory=Counter)
    baseline_only: Counter[str] = field(default_factory=Counter)
    acronym_case: int = 0  # baseline-only spans that are an acronym in the wrong case


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
        return harness.mbps(self.nbytes, self.best_s)

    @property
    def wall_mbps(self) -> float:
        return harness.mbps(self.nbytes, self.best_wall_s)

    @property
    def first_mbps(self) -> float:
        return harness.mbps(self.nbytes, self.first_s)

    @property
    def reports_per_s(self) -> float:
        return harness.per_second(self.n_texts, self.best_s)


def measure(baseline: Baseline, corpus: Corpus) -> Result:
    """Build and scan in a child: build time, first and best scan, peak RSS rise.

    Times are CPU seconds of the child (``time.process_time``): other jobs on a shared
    machine do not stretch them. The best wall-clock scan is kept beside them.
    """
    log(f"{baseline.name}: {baseline.n_texts} texts x {baseline.repeat}")

    def work() -> dict[str, Any]:
        can_reset = harness.reset_peak()
        start_kb = harness.status_kb("VmRSS")
        t0 = time.process_time()
        built = baseline.build()
        build_s = time.process_time() - t0
        scans = harness.best_of(lambda: baseline.scan(built), baseline.repeat)
        peak_kb = harness.status_kb("VmHWM")
        out: int | Found = scans.result
        spans = out if isinstance(out, list) else None
        if spans is None and baseline.spans is not None:
            spans = baseline.spans(built)
        return {
            "build_s": build_s,
            "first_s": scans.first_cpu,
            "best_s": scans.cpu,
            "best_wall_s": scans.wall,
            "peak_mb": (peak_kb - start_kb) / 1024 if can_reset and peak_kb and start_kb else None,
            "matches": out if isinstance(out, int) else sum(map(len, out)),
            "spans": spans,
        }

    raw = harness.isolated(work)
    result = Result(baseline.name, baseline.n_texts, corpus.size(baseline.n_texts))
    result.note = baseline.note
    if "error" in raw:
        result.error = raw["error"]
        log(f"{baseline.name} failed: {result.error}")
        return result
    for key, value in raw.items():
        setattr(result, key, value)
    return result


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
