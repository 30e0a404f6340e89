"""Audit speed: items per second over 2,000 generated items, with one and two workers.

    python -m benchmarks.audit_bench [--limit N] [--workers 1,2] [--seed S] [--no-cli]
                                     [--out JSON]

Items: made by the test-side generator (``tests/leakgen.py``) from the PMC case texts in
``../shared/data/pmc_case_texts`` and the full ORPHApackets release 2025-12-09: the clean
T1/T4/T2 items of as many texts as it takes, and their leaky copies (every leak kind), shuffled
with the seed and cut to ``--limit`` (alias ``--items``). They are written to a temporary JSONL
file, then audited

* in process: ``audit_records(read_items(path), AuditContext(masker), workers=N)``, the
  masker built beforehand (so the row is the audit alone);
* by the command line, end to end: ``python -m mmrare_core.audit ITEMS --orphanet PACKETS
  --workers N --format jsonl``, in a fresh interpreter (start-up and the release's load from
  the warm disk cache included).

Each row gives wall-clock seconds and items/s, and the CPU seconds of the process and its
workers (the machine may be shared: a CPU figure well below workers x wall says so). Every
run must give the same verdicts in the same order (checked: a run that differs is marked
DIFFERS). Markdown goes to stdout, progress to stderr; exit 2 when the data is missing. The
data is the generator's (``MMRARE_SHARED_DATA`` or ../shared/data), so there is no ``--data``.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.leakgen import (
    CASE_TEXTS,
    KINDS,
    PACKETS,
    LeakGenerator,
    build_generator,
    read_case_texts,
)

from benchmarks import harness

log = harness.progress("audit_bench")


def generate(generator: LeakGenerator, count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` items: clean ones and their leaky copies, shuffled (seeded)."""
    items: list[dict[str, Any]] = []
    for pmcid, text in read_case_texts(CASE_TEXTS):
        for case in generator.cases([(pmcid, text)], 1):
            for item in generator.clean_items(case, ("T1", "T4", "T2")):
                items.append(item)
                items.extend(leak.item for leak in generator.inject(item, KINDS))
        if len(items) >= count * 1.2:
            break
    random.Random(seed).shuffle(items)
    return items[:count]


Verdicts = list[tuple[Any, str]]


def in_process(path: Path, generator: LeakGenerator, workers: int) -> tuple[float, float, Verdicts]:
    from mmrare_core.audit import AuditContext, audit_records
    from mmrare_core.audit.items import read_items

    context = AuditContext(generator.masker)
    cpu = harness.cpu_seconds() + harness.cpu_seconds(children=True)
    start = time.perf_counter()
    reports = list(audit_records(read_items(path), context, workers=workers))
    wall = time.perf_counter() - start
    verdicts = [(r.item, r.verdict) for r in reports]
    return wall, harness.cpu_seconds() + harness.cpu_seconds(children=True) - cpu, verdicts


def command_line(path: Path, workers: int) -> tuple[float, float, Verdicts]:
    args = [
        sys.executable, "-m", "mmrare_core.audit", str(path), "--orphanet", str(PACKETS),
        "--workers", str(workers), "--format", "jsonl", "--exit-zero", "--no-progress",
    ]  # fmt: skip
    cpu = harness.cpu_seconds(children=True)
    start = time.perf_counter()
    out = subprocess.run(args, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    verdicts = [(r["item"], r["verdict"]) for r in map(json.loads, out.stdout.splitlines())]
    return wall, harness.cpu_seconds(children=True) - cpu, verdicts


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.parser(
        __doc__, repeat=None, limit="items to audit (default 2000)", limit_default=2000,
        limit_aliases=("--items",), data=False,
    )  # fmt: skip
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-cli", action="store_true", help="skip the command-line rows")
    args = parser.parse_args(argv)
    if not harness.have_data("audit_bench", CASE_TEXTS, PACKETS):
        return harness.MISSING
    workers = [int(w) for w in args.workers.split(",")]
    report = harness.Report("audit_bench", "Audit speed", argv)

    started = time.perf_counter()
    generator = build_generator(args.seed, history=False)
    log(f"release and masker: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    items = generate(generator, args.limit, args.seed)
    log(f"generated {len(items)} items: {time.perf_counter() - started:.1f} s")

    tracks = Counter(item["track"] for item in items)
    kinds = Counter(item["index"].split("~")[1] if "~" in item["index"] else "clean"
                    for item in items)  # fmt: skip
    chars = sum(len(item.get("context", "")) for item in items)
    table = report.table(
        "run", ("workers", "d"), ("wall s", ".1f"), ("items/s", ",.0f"), ("CPU s", ".1f"),
        "pass / warn / reject", "same verdicts",
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "items.jsonl"
        with open(path, "w", encoding="utf-8") as out:
            for item in items:
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
        runs = [("in process", w) for w in workers]
        if not args.no_cli:
            runs += [("command line", w) for w in workers]
        reference: Verdicts | None = None
        for name, count in runs:
            log(f"{name}, {count} worker(s) ...")
            if name == "in process":
                wall, cpu, verdicts = in_process(path, generator, count)
            else:
                wall, cpu, verdicts = command_line(path, count)
            reference = reference or verdicts
            counts = Counter(v for _, v in verdicts)
            table.add(
                name, count, wall, harness.per_second(len(items), wall), cpu,
                f"{counts['pass']} / {counts['warn']} / {counts['reject']}",
                "yes" if verdicts == reference else "DIFFERS",
            )  # fmt: skip

    per_track = ", ".join(f"{t} {n}" for t, n in sorted(tracks.items()))
    report.fact(f"items: {len(items)} ({per_track}); "
                f"clean {kinds.pop('clean', 0)}, leaky {sum(kinds.values())} "
                f"({', '.join(f'{k} {n}' for k, n in kinds.most_common())}); "
                f"context {chars / len(items):,.0f} characters on average")  # fmt: skip
    report.fact(f"release: {PACKETS.name} (full); seed {args.seed}")
    report.emit(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
