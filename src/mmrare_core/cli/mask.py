"""``mmrare mask``: one report from stdin, or a JSONL batch streamed in input order."""

from __future__ import annotations

import argparse
import json
import sys
from collections import deque
from collections.abc import Iterator
from itertools import chain
from typing import Any

from mmrare_core.masking.masker import MASK_TOKEN, Masker, MaskOutcome, MaskRecord, mask_many

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
    """Stream a JSONL file through :func:`mask_many`; a bad line is reported in its place."""
    name = "<stdin>" if args.jsonl == "-" else args.jsonl
    stream = sys.stdin if args.jsonl == "-" else open(args.jsonl, encoding="utf-8")  # noqa: SIM115
    pending: deque[dict[str, Any]] = deque()  # lines read, in order: parsed or an error line

    def records() -> Iterator[MaskRecord]:
        for line_no, line in enumerate(stream, 1):
            if line.strip():
                entry = _parse_line(line_no, line)
                pending.append(entry)
                if "error" not in entry:
                    codes = entry["data"].get("orpha", args.orpha)
                    yield MaskRecord(line_no, entry["data"]["text"], codes)

    failed = 0
    with stream:
        outcomes = mask_many(
            records(), masker, workers=args.workers, progress=args.progress, **options
        )
        for outcome in chain(outcomes, [None]):
            while pending and ("error" in pending[0] or outcome is None):
                failed += _emit(name, pending.popleft())
            if outcome is not None:
                failed += _emit(name, _output(pending.popleft()["data"], outcome))
    return 1 if failed else 0


def _parse_line(line_no: int, line: str) -> dict[str, Any]:
    """``{"data": object}`` for a line to mask, else the error line naming its number."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"id": None, "line": line_no, "error": f"not JSON ({exc.msg})"}
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return {"id": None, "line": line_no, "error": "expected an object with a string 'text'"}
    return {"data": data}


def _output(data: dict[str, Any], outcome: MaskOutcome) -> dict[str, Any]:
    if outcome.result is None:
        return {"id": data.get("id"), "line": outcome.id, "error": outcome.error}
    return {**data, **outcome.result.to_dict()}


def _emit(name: str, out: dict[str, Any]) -> int:
    """Print one output line (and an error to stderr); 1 when it is an error."""
    if "error" in out:
        print(f"mmrare mask: {name}:{out['line']}: {out['error']}", file=sys.stderr)
    print(json.dumps(out, ensure_ascii=False))
    return int("error" in out)
