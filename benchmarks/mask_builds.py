"""mask_bench's build, cache and worker figures: the full-release ``Masker`` build (uncached,
cold and warm cache, each in a fresh interpreter), ``mask_many`` with 1 and 2 workers, and the
paired measurement of end-to-end masking against the floor."""

from __future__ import annotations

import os
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import harness
from benchmarks.mask_baselines import build_masker, floor_scan, masker_mask
from benchmarks.mask_rows import Corpus, Run, log

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
                times = harness.python_child(_BUILD_CHILD, str(release), env=env)
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


def time_mask_many(masker: Any, corpus: Corpus, workers: int, repeat: int) -> ManyRun:
    """Mask the corpus with ``mask_many(workers=...)``, ``repeat`` times; keep the best."""
    from mmrare_core.masking.masker import MaskRecord, mask_many

    records = [
        MaskRecord(i, text, codes)
        for i, (text, codes) in enumerate(zip(corpus.texts, corpus.codes, strict=True))
    ]
    runs = []
    for _ in range(repeat):
        t0, c0, k0 = time.perf_counter(), time.process_time(), harness.cpu_seconds(children=True)
        outcomes = list(mask_many(records, masker, workers=workers, abbreviations=False))
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        kids = harness.cpu_seconds(children=True) - k0
        runs.append(ManyRun(wall, cpu, kids, sum(o.error is not None for o in outcomes)))
    return min(runs, key=lambda r: r.wall_s)


def paired_share(run: Run) -> dict[str, Any]:
    """End-to-end masking and the floor in one child, scans alternating (best of each), so
    that both meet the same machine: the ratio the target is checked on."""
    log("end-to-end masking and the floor, paired")
    corpus, n = run.corpus, len(run.corpus.texts)

    def work() -> dict[str, Any]:
        masker = build_masker(run.ontology)
        best = harness.interleaved(
            [
                ("floor_s", lambda: floor_scan(masker._automaton, corpus.texts)),
                ("mask_s", lambda: masker_mask(masker, corpus, n, abbreviations=False)),
            ],
            run.repeat,
        )
        return {name: timing.cpu for name, timing in best.items()}

    return harness.isolated(work)
