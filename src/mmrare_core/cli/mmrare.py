"""The ``mmrare`` command: ``mmrare ontology stats|show|search|aliases|fetch``, ``mmrare mask``,
``mmrare view`` and ``mmrare score``.

Exit codes: 0 success, 1 findings (later commands), 2 usage or I/O error. Machine output
(``--json``) goes to stdout, diagnostics to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from mmrare_core.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, load_ontology, source_options
from mmrare_core.errors import MMRareError

__all__ = ["main", "run"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mmrare",
        description="Orphanet ontology, diagnosis masking, track views and scoring for "
        "rare-disease benchmarks (the item audit is `python -m mmrare_core.audit`).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    onto = commands.add_parser("ontology", help="inspect an Orphanet release and its aliases")
    sub = onto.add_subparsers(dest="action", required=True, metavar="ACTION")

    stats = sub.add_parser("stats", help="counts of disorders, names, aliases per rule")
    source_options(stats)
    show = sub.add_parser("show", help="one disorder: names, type, parents, category")
    show.add_argument("code", help="ORPHA code (1775, ORPHA:1775, Orphanet_1775)")
    source_options(show)
    search = sub.add_parser("search", help="fuzzy search over every alias")
    search.add_argument("text")
    search.add_argument("-k", type=int, default=10, help="number of hits (default 10)")
    source_options(search)
    aliases = sub.add_parser("aliases", help="every alias of a disorder with the rule that made it")
    aliases.add_argument("code")
    source_options(aliases)
    fetch = sub.add_parser("fetch", help="download the current release from Orphadata")
    fetch.add_argument("--dest", metavar="DIR", help="folder (default: the cache folder)")
    fetch.add_argument("--url", help="download from this URL instead of Orphadata's")
    fetch.add_argument("--force", action="store_true", help="download even when present")
    _mask_parser(commands)
    _view_parser(commands)
    from mmrare_core.cli.score import add_score_parser

    add_score_parser(commands)
    return parser


def _view_parser(commands: Any) -> None:
    view = commands.add_parser(
        "view",
        help="the leakage-controlled view of a report (JATS XML or text) for a track, as JSON",
    )
    view.add_argument("report", help="a JATS XML file (.xml, .nxml, gzip accepted) or a text file")
    view.add_argument("--track", required=True, choices=["T1", "T2", "T3", "T4"])
    view.add_argument("--orpha", action="append", default=[], metavar="CODE", help="diagnosis")
    view.add_argument(
        "--withheld", action="append", default=[], metavar="TEST", help="withheld test (T4)"
    )
    source_options(view)


def _mask_parser(commands: Any) -> None:
    mask = commands.add_parser(
        "mask",
        help="mask a diagnosis and its aliases in a report (stdin) or in a JSONL batch",
        description="Mask ORPHA targets in the text on stdin, or every record of --jsonl FILE "
        '(lines {"id": ..., "text": ..., "orpha": [codes]}; output lines add "masked", '
        '"edits" and "scope").',
    )
    mask.add_argument("--orpha", action="append", default=[], metavar="CODE", help="target code")
    mask.add_argument("--jsonl", metavar="FILE", help="batch input ('-' for stdin)")
    mask.add_argument("--token", default=None, help="replacement (default [DIAGNOSIS_MASKED])")
    mask.add_argument(
        "--fragments",
        action="store_true",
        help="strict (T1/T4) masking: also distinctive fragments and specific coarser names",
    )
    mask.add_argument(
        "--no-abbreviations", action="store_true", help="do not mask defined short forms"
    )
    mask.add_argument("--workers", type=int, default=1, help="worker processes (batch)")
    mask.add_argument("--progress", action="store_true", help="progress bar on stderr")
    source_options(mask)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        return _dispatch(args)
    except BrokenPipeError:  # `mmrare ... | head`: stop quietly, as the Python docs advise
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FINDINGS
    except MMRareError as exc:
        print(f"mmrare: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"mmrare: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def run() -> None:
    """Console-script entry point."""
    raise SystemExit(main())


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "view":
        return _view(args)
    if args.command == "score":
        from mmrare_core.cli.score import run_score

        return run_score(args)
    if args.command == "mask":
        from mmrare_core.cli.mask import run_mask

        return run_mask(args, load_ontology(args))
    if args.action == "fetch":
        from mmrare_core.ontology.fetch import fetch_release

        kwargs: dict[str, Any] = {"force": args.force}
        if args.url:
            kwargs["url"] = args.url
        path = fetch_release(args.dest, **kwargs)
        print(path)
        return EXIT_OK
    ontology = load_ontology(args)
    handler = {"stats": _stats, "show": _show, "search": _search, "aliases": _aliases}[args.action]
    handler(ontology, args)
    return EXIT_OK


def _view(args: argparse.Namespace) -> int:
    from mmrare_core.documents.read import read_document
    from mmrare_core.views.build import build_view

    doc = read_document(args.report)
    masker = None
    if args.orpha:
        from mmrare_core.masking.masker import Masker

        masker = Masker.from_ontology(load_ontology(args), cache=not args.no_cache)
    view = build_view(
        doc, args.track, masker=masker, codes=args.orpha, withheld_tests=args.withheld
    )
    print(view.to_json())
    return EXIT_OK


def _emit(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else text)


def _stats(ontology: Any, args: argparse.Namespace) -> None:
    stats = ontology.stats()
    a = stats["aliases"]
    lines = [
        *(f"source      {r}" for r in stats["release"]),
        f"disorders   {stats['disorders']}  (names {stats['names']}, synonyms {stats['synonyms']})",
        f"aliases     {a['aliases']}  "
        f"(per disorder: mean {a['per_code_mean']}, max {a['per_code_max']})",
        f"shared      {a['shared_forms']} forms belong to several codes",
        f"dropped     {a['dropped']} generic forms, "
        f"{a['ambiguous_initialisms']} ambiguous initialisms, "
        f"{a['shadowed_former_names']} former names shadowed, {a['unknown_codes']} unknown codes",
        "per rule:",
        *(f"  {rule:<32} {n}" for rule, n in a["per_rule"].items()),
        *(f"note: {n}" for n in stats["notes"][:20]),
    ]
    _emit(args, stats, "\n".join(lines))


def _show(ontology: Any, args: argparse.Namespace) -> None:
    d = ontology.get(args.code)
    data = {
        **asdict(d),
        "curie": d.curie,
        "parents": [f"{p.curie} {p.name}" for p in ontology.parents(d.code)],
        "children": [f"{c.curie} {c.name}" for c in ontology.children(d.code)],
        "category": [f"{c.curie} {c.name}" for c in ontology.category(d.code)],
    }
    lines = [f"{d.curie}  {d.name}", f"type        {d.disorder_type} ({d.group})"]
    lines += [f"synonym     {s}" for s in d.synonyms]
    lines += [f"{key:<11} {v}" for key in ("parents", "children", "category") for v in data[key]]
    lines += [f"omim        {', '.join(d.omim)}"] if d.omim else []
    lines += [f"genes       {', '.join(d.genes)}"] if d.genes else []
    _emit(args, data, "\n".join(lines))


def _search(ontology: Any, args: argparse.Namespace) -> None:
    hits = ontology.search(args.text, k=args.k)
    data = [
        {
            "code": h.disorder.curie,
            "name": h.disorder.name,
            "score": round(h.score, 1),
            "matched": h.matched,
        }
        for h in hits
    ]
    lines = [f"{h['score']:>6}  {h['code']:<14} {h['name']}  [{h['matched']}]" for h in data]
    _emit(args, data, "\n".join(lines) or "no match")


def _aliases(ontology: Any, args: argparse.Namespace) -> None:
    d = ontology.get(args.code)
    table = ontology.aliases.for_code(d.code)
    data = [asdict(a) for a in table]
    width = max((len(a.form) for a in table), default=10)
    lines = [f"{d.curie}  {d.name}: {len(table)} aliases"]
    lines += [
        f"  {a.form:<{width}}  {a.rule_id}{'  (case-sensitive)' if a.case_sensitive else ''}"
        for a in table
    ]
    _emit(args, data, "\n".join(lines))
