"""Cold parse + alias expansion, warm cache load and peak memory for a full Orphanet release.

    python -m benchmarks.ontology_bench [--orphanet PATH] [--aliases TSV] [--repeat N]
                                        [--data DIR] [--out JSON]

Each measurement runs in a fresh interpreter (so "cold" and "warm" mean what they say) with
an empty cache folder of its own; peak memory is the child's maximum resident set size.
Default source: ../shared/data/orphanet/orphapackets_en_2025-12-09.jsonl.gz beside the checkout.
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Sequence

from benchmarks import harness

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
    return harness.python_child(_CHILD, source, *aliases, env=env)


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.parser(__doc__, repeat=3, limit=None)
    parser.add_argument("--orphanet", help=f"the release (default: DIR/{harness.RELEASE})")
    parser.add_argument("--aliases", action="append", default=[], help="an alias TSV (repeatable)")
    args = parser.parse_args(argv)
    source = args.orphanet or str(args.data / harness.RELEASE)
    if not harness.have_data("ontology_bench", source):
        return harness.MISSING
    report = harness.Report("ontology_bench", "Ontology: cold parse + expansion, warm load", argv)
    cold, warm = [], []
    for _ in range(max(1, args.repeat)):
        with tempfile.TemporaryDirectory() as cache:
            cold.append(child(source, args.aliases, cache))
            warm.append(child(source, args.aliases, cache))
    sample = cold[0]
    report.fact(f"source: {source}" + (f" + aliases {args.aliases}" if args.aliases else ""))
    report.fact(
        f"disorders {sample['disorders']}, aliases {sample['aliases']}, runs {len(cold)}; each "
        "run in a fresh interpreter with its own empty cache folder"
    )
    table = report.table("phase", ("median s", ".3f"), ("min s", ".3f"), ("peak MB", ".0f"))
    for label, runs in (
        ("cold: parse + expand + write cache", cold),
        ("warm: load from cache", warm),
    ):
        times = [r["load_s"] for r in runs]
        peak = max(r["peak_mb"] for r in runs)
        table.add(label, statistics.median(times), min(times), peak)
    imports = [r["import_s"] for r in warm]
    table.add(
        "import mmrare_core.ontology.ontology", statistics.median(imports), min(imports), None
    )
    report.emit(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
