"""Where mask_bench's ``Masker.mask`` spends its time: cProfile's own time by category (a
function without one is charged to its callers), and the cumulative stages of ``mask`` timed
without the profiler."""

from __future__ import annotations

import cProfile
import pstats
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks import harness
from benchmarks.mask_rows import Corpus, Run, log

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
    ("mask_profile.py", "_profiled"): "benchmark loop",
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
    """Cumulative stages of ``mask`` without the profiler (best of ``repeat``, CPU seconds;
    interleaved, so that a busy spell hits every stage alike)."""
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
    best = harness.interleaved(stages, repeat)
    return [(label, best[label].cpu) for label, _ in stages]


def profile(run: Run) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """cProfile of end-to-end masking by category, and the stages timed without it."""
    log("profiling Masker.mask")
    profiler = cProfile.Profile()
    profiler.runcall(_profiled, run.masker, run.corpus)
    breakdown = profile_breakdown(pstats.Stats(profiler))
    log("stage timings without the profiler")
    return breakdown, stage_times(run.masker, run.corpus, run.repeat)
