"""``python -m mmrare_core.audit ITEMS``: audit items (JSONL or the release's TSV) before merging.

Exit codes: 0 when no item is rejected, 1 when one is (``--strict`` counts warnings),
2 on usage or I/O errors; ``--exit-zero`` reports rejections but exits 0 (for examples and
dashboards). Reports go to stdout (text, JSON or one JSONL line per input item, in input
order), progress and diagnostics to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mmrare_core.audit.findings import AuditReport
from mmrare_core.errors import MMRareError

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mmrare_core.audit",
        description="Audit benchmark items for leakage of the diagnosis or the answer.",
    )
    parser.add_argument("items", help="items: JSONL (one object per line) or TSV; gzip accepted")
    parser.add_argument(
        "--orphanet", metavar="PATH", help="Orphanet release (default: embedded sample)"
    )
    parser.add_argument(
        "--aliases", metavar="TSV", action="append", default=[], help="extra aliases"
    )
    parser.add_argument("--images-root", metavar="DIR", type=Path, help="root of image paths")
    parser.add_argument("--documents", metavar="DIR", type=Path, help="<pmcid>.xml or .txt files")
    parser.add_argument("--format", choices=("text", "json", "jsonl"), default="text")
    parser.add_argument("--strict", action="store_true", help="warnings reject too")
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when items are rejected"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        reports = _run(args)
    except BrokenPipeError:  # `... | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (MMRareError, OSError) as exc:
        print(f"audit: error: {exc}", file=sys.stderr)
        return 2
    rejected = sum(r.verdict == "reject" for r in reports)
    return 0 if args.exit_zero or not rejected else 1


def _run(args: argparse.Namespace) -> list[AuditReport]:
    from mmrare_core.audit.items import read_items
    from mmrare_core.audit.run import AuditContext, audit_records
    from mmrare_core.masking.masker import Masker
    from mmrare_core.ontology.ontology import load

    for folder in (args.images_root, args.documents):
        if folder is not None and not folder.is_dir():
            raise MMRareError(f"not a folder: {folder}")
    if not Path(args.items).exists():
        raise MMRareError(f"items file not found: {args.items}")
    masker = Masker.from_ontology(load(args.orphanet, aliases=args.aliases))
    context = AuditContext(masker, args.documents, args.images_root, args.strict)
    progress = not args.no_progress and sys.stderr.isatty()
    reports = []
    for report in audit_records(
        read_items(args.items), context, workers=args.workers, progress=progress
    ):
        reports.append(report)
        if args.format == "jsonl":
            print(json.dumps(report.to_dict(), ensure_ascii=False), flush=False)
    if args.format == "json":
        print(json.dumps({"summary": summary(reports), "reports": [r.to_dict() for r in reports]},
                         ensure_ascii=False, indent=2))  # fmt: skip
    elif args.format == "text":
        print(render_text(reports, args.items))
    return reports


def summary(reports: Sequence[AuditReport]) -> dict[str, Any]:
    """Verdicts per track and findings per check and track."""
    verdicts: Counter[tuple[str, str]] = Counter((r.track or "?", r.verdict) for r in reports)
    checks: Counter[tuple[str, str]] = Counter(
        (f.check, r.track or "?") for r in reports for f in r.findings
    )
    return {
        "items": len(reports),
        "verdicts": {
            v: sum(n for (_, vv), n in verdicts.items() if vv == v)
            for v in ("pass", "warn", "reject")
        },
        "by_track": {f"{t}/{v}": n for (t, v), n in sorted(verdicts.items())},
        "findings": {f"{c}/{t}": n for (c, t), n in sorted(checks.items())},
    }


def render_text(reports: Sequence[AuditReport], source: str) -> str:
    """Findings per item, then a table of findings by check and track."""
    lines = []
    for r in reports:
        lines.append(f"{source}:{r.line}: item {r.item} [{r.track or '?'}] {r.verdict.upper()}")
        for f in r.findings:
            where = (
                f" {f.field}" + (f"[{f.span[0]}:{f.span[1]}]" if f.span else "") if f.field else ""
            )
            rule = f" ({f.rule})" if f.rule else ""
            lines.append(f"  {f.severity:<6} {f.check}{rule}:{where} {f.message}")
    lines += ["", _table(reports)]
    return "\n".join(lines)


def _table(reports: Sequence[AuditReport]) -> str:
    tracks = sorted({r.track or "?" for r in reports})
    counts: Counter[tuple[str, str]] = Counter(
        (f.check, r.track or "?") for r in reports for f in r.findings
    )
    checks = sorted({c for c, _ in counts})
    width = max([len(c) for c in checks] + [len("verdict: reject")])
    head = f"{'check':<{width}}" + "".join(f"{t:>6}" for t in tracks) + f"{'all':>6}"
    rows = [head, "-" * len(head)]
    for check in checks:
        row = [counts[(check, t)] for t in tracks]
        rows.append(f"{check:<{width}}" + "".join(f"{n:>6}" for n in row) + f"{sum(row):>6}")
    rows.append("-" * len(head))
    for verdict in ("pass", "warn", "reject"):
        row = [sum(r.verdict == verdict and (r.track or "?") == t for r in reports) for t in tracks]
        rows.append(
            f"{'verdict: ' + verdict:<{width}}" + "".join(f"{n:>6}" for n in row) + f"{sum(row):>6}"
        )
    return "\n".join(rows)
