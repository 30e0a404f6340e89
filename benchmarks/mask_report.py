"""mask_bench's report: the header facts, the main table (a row run on a slice extrapolated),
the paired floor share, build / cache / worker figures with their targets, the matches of each
baseline against the library's, and the profile."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from benchmarks import harness
from benchmarks.harness import Report, fmt
from benchmarks.mask_builds import ManyRun
from benchmarks.mask_rows import FLOOR, SEED, Result, Run, normalize_version

#: Targets (reported, never asserted).
TARGET_FLOOR_SHARE = 0.5
TARGET_BUILD_S = 5.0
TARGET_CACHED_S = 0.5
TARGET_SPEEDUP = 1.7


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def header(report: Report, run: Run) -> None:
    corpus, n = run.corpus, len(run.corpus.texts)
    real, by_name = sum(corpus.real), sum(corpus.by_name)
    per_text = [len(c) for c, is_real in zip(corpus.codes, corpus.real, strict=True) if is_real]
    report.fact(
        f"corpus: {n:,} texts, {corpus.size() / 1e6:.1f} MB (UTF-8, MB = 10^6 bytes); "
        f"release: {len(run.ontology):,} entities, {len(run.ontology.aliases):,} aliases, "
        f"{len(run.forms):,} distinct forms (ontology load {run.load_s:.2f} s, cold)"
    )
    report.fact(
        f"texts with at least one real target: {real:,} of {n:,} ({by_name:,} through a name, "
        f"the rest through acronyms only; targets per such text: median "
        f"{statistics.median(per_text) if per_text else 0:g}, max {max(per_text, default=0)}); "
        f"the other {n - real:,} got one random code (seed {SEED})"
    )
    now = normalize_version()
    changed = "" if now == run.normalize_loaded else f" (changed during the run, now: {now})"
    report.fact(f"measured {run.normalize_loaded}{changed}")
    report.fact(
        f"each row in its own forked process; times are CPU seconds of that process "
        f"(`time.process_time`, so other jobs on the machine do not stretch them), best of "
        f"{run.repeat} scans (MB/s 1st: the first scan; MB/s wall: best wall-clock scan); "
        "peak MB = rise of the resident-set high-water mark (VmHWM, reset through "
        "/proc/self/clear_refs) over build + scans, above the child's resident set at fork"
    )
    for note in run.notes:
        report.fact(note)


def main_table(report: Report, rows: Sequence[Result], run: Run) -> Result | None:
    """The main table; a row run on a slice is extrapolated to the whole corpus."""
    corpus = run.corpus
    floor = next((r for r in rows if r.name == FLOOR and not r.error), None)
    table = report.table(
        "implementation",
        ("build s", lambda v: fmt(v) if (v or 0) >= 1e-3 else "–"),
        ("MB/s", fmt), ("MB/s 1st", fmt), ("MB/s wall", fmt),
        ("reports/s", lambda v: fmt(v, 1)),
        ("peak MB", lambda v: fmt(v, 0)),
        ("× floor", lambda v: fmt(v, 3)),
        ("matches", ","),
        "notes",
    )  # fmt: skip
    for r in rows:
        if r.error:
            table.add(r.name, *[""] * 8, f"failed: {r.error}")
            continue
        note = r.note
        if r.n_texts < len(corpus.texts):
            hours = corpus.size() / 1e6 / r.mbps / 3600
            note = (
                f"{note}; on a slice, the first {r.n_texts} text{'s' * (r.n_texts != 1)} "
                f"({r.nbytes / 1e3:,.0f} kB), "
                f"EXTRAPOLATED: the whole corpus would take ≈ {hours:,.1f} h"
            )
        share = r.mbps / floor.mbps if floor else None
        table.add(
            r.name, r.build_s, r.mbps, r.first_mbps, r.wall_mbps, r.reports_per_s, r.peak_mb,
            share, r.matches, note,
        )  # fmt: skip
    return floor


def floor_share(
    report: Report, rows: Sequence[Result], floor: Result | None, paired: dict[str, Any], run: Run
) -> None:
    """The target ratio, from the paired measurement; the table rows' ratio beside it."""
    end_to_end = rows[0]
    from_rows = f"{end_to_end.mbps / floor.mbps:.1%}" if floor and not end_to_end.error else "n/a"
    if "error" in paired:
        report.text(f"end-to-end masking / floor: n/a ({paired['error']}) — MISS")
        return
    share = harness.ratio(paired["floor_s"], paired["mask_s"])
    report.values["floor_share"] = share
    report.text(
        f"end-to-end masking / floor throughput: **{share:.1%}** (target ≥ "
        f"{TARGET_FLOOR_SHARE:.0%}: {verdict(share >= TARGET_FLOOR_SHARE)}), measured in one "
        f"process with the scans alternating, best of {run.repeat} each; from the two table "
        f"rows (separate processes): {from_rows}"
    )


def builds_table(
    report: Report, builds: dict[str, float], workers: dict[int, ManyRun], run: Run
) -> None:
    mb, n = run.corpus.size() / 1e6, len(run.corpus.texts)
    one, two = workers[1].wall_s, workers[2].wall_s
    par, serial = workers[2], workers[1].parent_cpu_s
    table = report.table(
        "measurement", ("value", ""), ("target", ""), "", title="Build, cache, workers"
    )

    def line(label: str, value: str, target: tuple[str, bool] | None = None) -> None:
        goal, status = (target[0], verdict(target[1])) if target else ("", "")
        table.add(label, value, goal, status)

    line("distinctive fragments (part of the build)", f"{builds['fragments']:.2f} s")
    line("`Masker(aliases, ontology, fragments)`", f"{builds['automaton']:.2f} s")
    line(
        "full-release build, uncached (fragments + Masker)", f"{builds['uncached']:.2f} s",
        (f"≤ {TARGET_BUILD_S:g} s", builds["uncached"] <= TARGET_BUILD_S),
    )  # fmt: skip
    line("`Masker.from_ontology`, cold cache (build + write)", f"{builds['cold']:.2f} s")
    line(
        "`Masker.from_ontology`, warm cache (load)", f"{builds['warm']:.3f} s",
        (f"≤ {TARGET_CACHED_S:g} s", builds["warm"] <= TARGET_CACHED_S),
    )  # fmt: skip
    for count, wall in ((1, one), (2, two)):
        line(
            f"`mask_many`, workers={count} (wall clock)",
            f"{mb / wall:.2f} MB/s, {n / wall:,.0f} reports/s",
        )
    line(
        "`mask_many` speed-up, 2 vs 1 workers (reported, not asserted)", f"{one / two:.2f}×",
        (f"≥ {TARGET_SPEEDUP:g}×", one / two >= TARGET_SPEEDUP),
    )  # fmt: skip
    line(
        "`mask_many` CPU: 1 worker (in process) / 2 workers: parent + workers",
        f"{serial:.2f} s / {par.parent_cpu_s:.2f} s + {par.workers_cpu_s:.2f} s",
    )
    line(
        "speed-up bound on two free cores (from the CPU seconds; an estimate)",
        f"{par.idle_bound(serial, 2):.2f}×",
    )
    failed = {w: r.failed for w, r in workers.items() if r.failed}
    if failed:
        report.text(f"`mask_many` failed records by worker count: {failed}")


def agreement_table(report: Report, rows: Sequence[Result]) -> None:
    compared = [(r, r.agreement) for r in rows if r.agreement is not None]
    if not compared:
        return
    table = report.table(
        "baseline", ("texts", ","), ("library spans", ","), ("same span", ","),
        ("library only", ","), ("baseline only", ","),
        ("of which an acronym in the wrong case", ","),
        "most frequent library-only", "most frequent baseline-only",
        title="Matches compared with the library (`find`, all codes in scope, same texts)",
    )  # fmt: skip
    for r, a in compared:
        top_lib = ", ".join(f"{s!r} {c}" for s, c in a.library_only.most_common(6))
        top_base = ", ".join(f"{s!r} {c}" for s, c in a.baseline_only.most_common(6))
        table.add(
            r.name, r.n_texts, a.library, a.both, a.library_only.total(),
            a.baseline_only.total(), a.acronym_case, top_lib, top_base,
        )  # fmt: skip


def profile_tables(
    report: Report,
    breakdown: Sequence[tuple[str, float]],
    stages: Sequence[tuple[str, float]],
    run: Run,
) -> None:
    shares = report.table(
        "category",
        ("share", ".1%"),
        title="Where `Masker.mask` spends its time (cProfile, own time by category)",
    )
    for category, share in breakdown:
        shares.add(category, share)
    table = report.table(
        "stage", ("s", ".2f"), ("MB/s", ".1f"), ("added", lambda v: f"{v:+.2f} s"),
        intro=f"Stages timed without the profiler (cumulative, best of {run.repeat}):",
    )  # fmt: skip
    previous = 0.0
    for label, seconds in stages:
        table.add(label, seconds, harness.mbps(run.corpus.size(), seconds), seconds - previous)
        previous = seconds


def write(
    report: Report,
    run: Run,
    rows: Sequence[Result],
    paired: dict[str, Any],
    builds: dict[str, float],
    workers: dict[int, ManyRun],
    profile: tuple[Sequence[tuple[str, float]], Sequence[tuple[str, float]]],
) -> None:
    """Every section, in the order of the report."""
    header(report, run)
    floor = main_table(report, rows, run)
    floor_share(report, rows, floor, paired, run)
    builds_table(report, builds, workers, run)
    agreement_table(report, rows)
    if profile[0]:
        profile_tables(report, *profile, run)
