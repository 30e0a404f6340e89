"""``mmrare mask``: one report from stdin, or a JSONL batch streamed in input order."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mmrare_core.base.batch import ordered_map, shared
from mmrare_core.errors import MMRareError
from mmrare_core.masking.masker import MASK_TOKEN, Masker

__all__ = ["run_mask"]


def run_mask(args: argparse.Namespace, ontology: Any) -> int:
    """Run ``mmrare mask``; returns the exit code (1 when a record failed)."""
    masker = Masker.from_ontology(ontology, cache=not args.no_cache)
    options = {
        "token": args.token or MASK_TOKEN,
        "fragments": args.fragments,
        "abbreviations": not args.no_abbreviations,
    }
    if args.jsonl:
        return _batch(args, masker, options)
    if not args.orpha:
        print("mmrare mask: error: give --orpha CODE (or --jsonl FILE)", file=sys.stderr)
        return 2
    result = masker.mask(sys.stdin.read(), args.orpha, **options)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        sys.stdout.write(result.text)
    return 0


def _batch(args: argparse.Namespace, masker: Masker, options: dict[str, Any]) -> int:
    name = "<stdin>" if args.jsonl == "-" else args.jsonl
    stream = sys.stdin if args.jsonl == "-" else open(args.jsonl, encoding="utf-8")  # noqa: SIM115
    failed = 0
    with stream:
        lines = ((n, line, args.orpha) for n, line in enumerate(stream, 1) if line.strip())
        share = {"masker": masker, "options": options}
        for out in ordered_map(
            _mask_line,
            lines,
            share=share,
            workers=args.workers,
            progress=args.progress,
            desc="mask",
        ):
            if "error" in out:
                failed += 1
                print(f"mmrare mask: {name}:{out['line']}: {out['error']}", file=sys.stderr)
            print(json.dumps(out, ensure_ascii=False))
    return 1 if failed else 0


def _mask_line(job: tuple[int, str, list[str]]) -> dict[str, Any]:
    """One JSONL line -> its output line, or an error line naming the line number."""
    line_no, line, default_codes = job
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"id": None, "line": line_no, "error": f"not JSON ({exc.msg})"}
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return {"id": None, "line": line_no, "error": "expected an object with a string 'text'"}
    codes = data.get("orpha", default_codes)
    try:
        result = shared("masker").mask(data["text"], codes, **shared("options"))
    except (MMRareError, TypeError, ValueError) as exc:
        return {"id": data.get("id"), "line": line_no, "error": f"{type(exc).__name__}: {exc}"}
    return {**data, **result.to_dict()}
