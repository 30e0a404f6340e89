"""Cold parse + alias expansion, warm cache load and peak memory for a full Orphanet release.

    python benchmarks/ontology_bench.py [--orphanet PATH] [--aliases TSV] [--repeat N]

Each measurement runs in a fresh interpreter (so "cold" and "warm" mean what they say) with
an empty cache folder of its own; peak memory is the child's maximum resident set size.
Default source: ../shared/data/orphanet/orphapackets_en_2025-12-09.jsonl.gz beside the checkout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "orphanet"
DEFAULT_SOURCE = SHARED / "orphapackets_en_2025-12-09.jsonl.gz"

_CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
import mmrare_core.ontology.ontology as o
t_import = time.perf_counter() - t0
t = time.perf_counter()
ont = o.load(sys.argv[1] or None, aliases=[a for a in sys.argv[2:] if a], cache=True)
n_aliases = len(ont.aliases)
t_load = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"import_s": t_import, "load_s": t_load, "peak_mb": rss,
                  "disorders": len(ont), "aliases": n_aliases}))
"""


def child(source: str, aliases: list[str], cache_dir: str) -> dict[str, float]:
    env = {"MMRARE_CACHE_DIR": cache_dir, "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, source, *aliases],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orphanet", default=str(DEFAULT_SOURCE))
    parser.add_argument("--aliases", action="append", default=[])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not Path(args.orphanet).exists():
        print(f"source not found: {args.orphanet}", file=sys.stderr)
        return 2
    cold, warm = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as cache:
            cold.append(child(args.orphanet, args.aliases, cache))
            warm.append(child(args.orphanet, args.aliases, cache))
    sample = cold[0]
    print(f"source: {args.orphanet}" + (f" + aliases {args.aliases}" if args.aliases else ""))
    print(f"disorders {sample['disorders']}, aliases {sample['aliases']}, runs {args.repeat}")
    print(f"{'phase':<34}{'median s':>10}{'min s':>10}{'peak MB':>10}")
    for label, runs in (
        ("cold: parse + expand + write cache", cold),
        ("warm: load from cache", warm),
    ):
        times = [r["load_s"] for r in runs]
        peak = max(r["peak_mb"] for r in runs)
        print(f"{label:<34}{statistics.median(times):>10.3f}{min(times):>10.3f}{peak:>10.0f}")
    imports = [r["import_s"] for r in warm]
    print(
        f"{'import mmrare_core.ontology.ontology':<34}"
        f"{statistics.median(imports):>10.3f}{min(imports):>10.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
