"""Audit speed: items per second over 2,000 generated items, with one and two workers.

    python benchmarks/audit_bench.py [--items N] [--workers 1,2] [--seed S] [--no-cli]

Items: made by the test-side generator (``tests/leakgen.py``) from the PMC case texts in
``../shared/data/pmc_case_texts`` and the full ORPHApackets release 2025-12-09: the clean
T1/T4/T2 items of as many texts as it takes, and their leaky copies (every leak kind), shuffled
with the seed and cut to ``--items``. They are written to a temporary JSONL file, then
audited

* in process: ``audit_records(read_items(path), AuditContext(masker), workers=N)``, the
  masker built beforehand (so the row is the audit alone);
* by the command line, end to end: ``python -m mmrare_core.audit ITEMS --orphanet PACKETS
  --workers N --format jsonl``, in a fresh interpreter (start-up and the release's load from
  the warm disk cache included).

Each row gives wall-clock seconds and items/s, and the CPU seconds of the process and its
workers (the machine may be shared: a CPU figure well below workers x wall says so). Every
run must give the same verdicts in the same order (checked: a run that differs is marked
DIFFERS). Markdown goes to stdout, progress to stderr; exit 2 when the data is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.leakgen

from tests.leakgen import (  # noqa: E402
    CASE_TEXTS,
    KINDS,
    PACKETS,
    LeakGenerator,
    build_generator,
    read_case_texts,
)


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


def _cpu(children: bool) -> float:
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


Verdicts = list[tuple[Any, str]]


def in_process(path: Path, generator: LeakGenerator, workers: int) -> tuple[float, float, Verdicts]:
    from mmrare_core.audit import AuditContext, audit_records
    from mmrare_core.audit.items import read_items

    context = AuditContext(generator.masker)
    cpu = _cpu(False) + _cpu(True)
    start = time.perf_counter()
    reports = list(audit_records(read_items(path), context, workers=workers))
    wall = time.perf_counter() - start
    verdicts = [(r.item, r.verdict) for r in reports]
    return wall, _cpu(False) + _cpu(True) - cpu, verdicts


def command_line(path: Path, workers: int) -> tuple[float, float, Verdicts]:
    args = [
        sys.executable, "-m", "mmrare_core.audit", str(path), "--orphanet", str(PACKETS),
        "--workers", str(workers), "--format", "jsonl", "--exit-zero", "--no-progress",
    ]  # fmt: skip
    cpu = _cpu(True)
    start = time.perf_counter()
    out = subprocess.run(args, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    verdicts = [(r["item"], r["verdict"]) for r in map(json.loads, out.stdout.splitlines())]
    return wall, _cpu(True) - cpu, verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-cli", action="store_true", help="skip the command-line rows")
    args = parser.parse_args(argv)
    if not CASE_TEXTS.exists() or not PACKETS.exists():
        print(f"real data not available: {CASE_TEXTS}, {PACKETS}", file=sys.stderr)
        return 2
    workers = [int(w) for w in args.workers.split(",")]

    started = time.perf_counter()
    generator = build_generator(args.seed, history=False)
    print(f"release and masker: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    started = time.perf_counter()
    items = generate(generator, args.items, args.seed)
    print(f"generated {len(items)} items: {time.perf_counter() - started:.1f} s", file=sys.stderr)

    tracks = Counter(item["track"] for item in items)
    kinds = Counter(item["index"].split("~")[1] if "~" in item["index"] else "clean"
                    for item in items)  # fmt: skip
    chars = sum(len(item.get("context", "")) for item in items)
    rows: list[tuple[str, int, float, float, Counter[str], bool]] = []
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
            print(f"{name}, {count} worker(s) ...", file=sys.stderr)
            if name == "in process":
                wall, cpu, verdicts = in_process(path, generator, count)
            else:
                wall, cpu, verdicts = command_line(path, count)
            reference = reference or verdicts
            counts = Counter(v for _, v in verdicts)
            rows.append((name, count, wall, cpu, counts, verdicts == reference))

    load = os.getloadavg()
    print("## Audit speed (`python benchmarks/audit_bench.py`)\n")
    print(f"- items: {len(items)} ({', '.join(f'{t} {n}' for t, n in sorted(tracks.items()))}); "
          f"clean {kinds.pop('clean', 0)}, leaky {sum(kinds.values())} "
          f"({', '.join(f'{k} {n}' for k, n in kinds.most_common())}); "
          f"context {chars / len(items):,.0f} characters on average")  # fmt: skip
    print(f"- release: {PACKETS.name} (full); seed {args.seed}")
    print(f"- machine: {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, load average {load[0]:.2f} at the end\n")  # fmt: skip
    print("| run | workers | wall s | items/s | CPU s | pass / warn / reject | same verdicts |")
    print("|---|---:|---:|---:|---:|---|---|")
    for name, count, wall, cpu, counts, same in rows:
        print(f"| {name} | {count} | {wall:.1f} | {len(items) / wall:,.0f} | {cpu:.1f} | "
              f"{counts['pass']} / {counts['warn']} / {counts['reject']} | "
              f"{'yes' if same else 'DIFFERS'} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
