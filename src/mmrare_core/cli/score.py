"""``mmrare score``: F1 / EM (alias-max), rubric scores from judge replies, DDx@k, with intervals.

Input files are JSONL. Predictions: ``{"index"|"id": ..., "prediction": "..."}`` (optionally
``"differential"``: a ranked list, or text with one entry per line). Items, in the MMRareBench
shape: ``index`` (or ``id``), ``answer``, ``answer_aliases`` (a JSON list or a ';'-separated
string), optional ``orpha_code``. Judge replies: ``{"index"|"id": ..., "reply": "..."}``.

Every malformed line, duplicate id, prediction without an item, item without a prediction
(scored 0, as the SQuAD script does), judge reply that cannot be read (left out of the judge
mean, never scored 0) is reported with its file and line. Exit 0 when there was none, 1 when
there was one, 2 on usage or I/O errors. The table goes to stdout, or JSON with ``--json``;
``--out FILE`` writes the JSON result, per-item rows included.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mmrare_core.errors import MMRareError, UnknownCodeError
from mmrare_core.scoring.differential import (
    DEFAULT_KS,
    DEFAULT_THRESHOLD,
    match_differential,
    parse_differential,
)
from mmrare_core.scoring.metrics import MetricOptions, aggregate, best_f1, item_golds
from mmrare_core.scoring.rubric import TRACKS, Judged, load_rubrics

__all__ = ["add_score_parser", "run_score"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
_PROG = "mmrare score"


def add_score_parser(commands: Any) -> None:
    """Add the ``score`` subcommand to an argparse subparsers object."""
    from mmrare_core.cli.common import source_options

    score = commands.add_parser(
        "score",
        help="score predictions: SQuAD F1/EM over aliases, judge rubric, DDx@k, with CIs",
        description=(__doc__ or "").split("\n\n")[1],
    )
    score.add_argument("predictions", help="JSONL: {index|id, prediction[, differential]}")
    score.add_argument("items", help="JSONL items: {index|id, answer, answer_aliases, orpha_code}")
    score.add_argument(
        "--track", required=True, choices=TRACKS, help="the items' track (T2-T4 need --judge)"
    )
    score.add_argument("--judge", metavar="JSONL", help="judge replies: {index|id, reply}")
    score.add_argument(
        "--orphanet-aliases",
        action="store_true",
        help="add a column: F1 max over every Orphanet alias of the item's orpha_code too",
    )
    score.add_argument(
        "--bootstrap", type=int, default=1000, metavar="N", help="resamples (0: none)"
    )
    score.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    score.add_argument("--confidence", type=float, default=0.95, help="interval level")
    score.add_argument(
        "--unicode-punctuation",
        action="store_true",
        help="delete Unicode punctuation too (en dash, curly quotes, full-width); not SQuAD",
    )
    score.add_argument(
        "--squad-v2-empty", action="store_true", help="two empty answers agree (F1 1), as v2"
    )
    score.add_argument(
        "--ddx-threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"least F1 for an unresolved DDx entry to match (default {DEFAULT_THRESHOLD})",
    )
    score.add_argument("--out", metavar="JSON", help="write the result (with per-item rows)")
    source_options(score)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class _Problem:
    file: str
    line: int | None
    kind: str
    id: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "kind": self.kind,
            "id": self.id,
            "message": self.message,
        }


@dataclass(slots=True)
class _Records:
    """The records of one JSONL file by id (first occurrence), with their line numbers."""

    path: str
    rows: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    problems: list[_Problem] = field(default_factory=list)


def _lines(path: str) -> Iterator[tuple[int, str]]:
    with open(path, encoding="utf-8") as stream:
        for number, line in enumerate(stream, 1):
            if line.strip():
                yield number, line


def _read(path: str, required: dict[str, tuple[type, ...]]) -> _Records:
    records = _Records(path)
    for number, line in _lines(path):
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            records.problems.append(
                _Problem(path, number, "malformed", None, f"not JSON: {exc.msg}")
            )
            continue
        error, key = _check(data, required)
        if error:
            records.problems.append(_Problem(path, number, "malformed", key, error))
        elif key in records.rows:
            first = records.rows[key][0]
            message = f"id {key!r} already on line {first}; this line is not used"
            records.problems.append(_Problem(path, number, "duplicate_id", key, message))
        else:
            records.rows[str(key)] = (number, data)
    return records


def _check(data: Any, required: dict[str, tuple[type, ...]]) -> tuple[str | None, str | None]:
    if not isinstance(data, dict):
        return "expected a JSON object", None
    ids = [data[k] for k in ("index", "id") if k in data]
    if not ids:
        return "no 'index' or 'id'", None
    if any(isinstance(i, bool) or not isinstance(i, str | int) for i in ids):
        return "'index'/'id' must be a string or an integer", None
    if len({str(i) for i in ids}) > 1:
        return f"'index' {ids[0]!r} and 'id' {ids[1]!r} disagree", str(ids[0])
    key = str(ids[0])
    for name, types in required.items():
        value = data.get(name)
        if name not in data or isinstance(value, bool) or not isinstance(value, types):
            kinds = " or ".join(t.__name__ for t in types)
            return f"{name!r} missing or not {kinds}", key
    return None, key


# --------------------------------------------------------------------------- scoring


@dataclass(slots=True)
class _Run:
    args: argparse.Namespace
    options: MetricOptions
    ontology: Any = None
    problems: list[_Problem] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def problem(self, file: str, line: int | None, kind: str, key: str | None, msg: str) -> None:
        self.problems.append(_Problem(file, line, kind, key, msg))


def run_score(args: argparse.Namespace) -> int:
    """Run ``mmrare score``; returns the exit code."""
    usage = _usage_error(args)
    if usage:
        print(f"{_PROG}: error: {usage}", file=sys.stderr)
        return EXIT_USAGE
    try:
        result, problems = _score(args)
        _write(args, result)
    except (OSError, UnicodeDecodeError, MMRareError) as exc:
        print(f"{_PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for p in problems:
        where = f"{p.file}:{p.line}" if p.line else p.file
        print(f"{_PROG}: {where}: {p.kind}: {p.message}", file=sys.stderr)
    return EXIT_FINDINGS if problems else EXIT_OK


def _usage_error(args: argparse.Namespace) -> str | None:
    if args.track != "T1" and not args.judge:
        return f"{args.track} is scored from judge replies: give --judge FILE"
    if args.bootstrap < 0:
        return "--bootstrap must be 0 or more"
    if not 0.0 < args.confidence < 1.0:
        return "--confidence must be between 0 and 1"
    if not 0.0 < args.ddx_threshold <= 1.0:
        return "--ddx-threshold must be in (0, 1]"
    return None


def _score(args: argparse.Namespace) -> tuple[dict[str, Any], list[_Problem]]:
    run = _Run(args, MetricOptions(args.unicode_punctuation, args.squad_v2_empty))
    preds = _read(args.predictions, {"prediction": (str, int, float)})
    items = _read(args.items, {"answer": (str, int, float)} if args.track == "T1" else {})
    replies = _read(args.judge, {"reply": (str,)}) if args.judge else None
    for records in (preds, items, replies):
        if records is not None:
            run.problems.extend(records.problems)
    needs_codes = args.orphanet_aliases or any("differential" in d for _, d in preds.rows.values())
    if needs_codes:
        from mmrare_core.cli.common import load_ontology

        run.ontology = load_ontology(args)
    rubric = load_rubrics()[args.track] if replies is not None else None
    for key, (line, item) in items.rows.items():
        run.rows.append(_score_item(run, key, line, item, preds, replies, rubric))
    _unmatched(run, preds, items, "prediction")
    if replies is not None:
        _unmatched(run, replies, items, "judge reply")
    files = [args.predictions, args.items, args.judge]
    run.problems.sort(key=lambda p: (files.index(p.file), p.line or 0))
    return _result(run, len(items.rows), len(preds.rows)), run.problems


def _unmatched(run: _Run, records: _Records, items: _Records, what: str) -> None:
    for key, (line, _) in records.rows.items():
        if key not in items.rows:
            run.problem(records.path, line, "unmatched_id", key, f"{what} {key!r} has no item")


def _score_item(
    run: _Run,
    key: str,
    line: int,
    item: dict[str, Any],
    preds: _Records,
    replies: _Records | None,
    rubric: Any,
) -> dict[str, Any]:
    row: dict[str, Any] = {"id": key, "line": line}
    found = preds.rows.get(key)
    if found is None:
        run.problem(run.args.items, line, "unanswered", key, f"item {key!r} has no prediction")
    prediction = str(found[1]["prediction"]) if found else ""
    row["prediction"] = prediction if found else None
    if run.args.track == "T1":
        _f1_columns(run, row, item, prediction)
    if found and "differential" in found[1]:
        _ddx_column(run, row, item, found)
    if replies is not None and found:
        _judge_column(run, row, key, replies, rubric)
    return row


def _f1_columns(run: _Run, row: dict[str, Any], item: dict[str, Any], prediction: str) -> None:
    golds = item_golds(item["answer"], item.get("answer_aliases"))
    score = best_f1(prediction, golds, options=run.options)
    row.update(f1=score.f1, em=score.em, alias=score.alias)
    if not run.args.orphanet_aliases:
        return
    code = _item_code(run, row, item)
    if code is None:
        return
    wide = best_f1(prediction, golds, ontology=run.ontology, code=code, options=run.options)
    row.update(
        f1_orphanet=wide.f1,
        em_orphanet=wide.em,
        orphanet_alias=wide.alias,
        alias_source=wide.source,
    )


def _item_code(run: _Run, row: dict[str, Any], item: dict[str, Any]) -> int | None:
    code = item.get("orpha_code")
    if code in (None, ""):
        message = "no 'orpha_code': left out of the Orphanet columns"
        run.problem(run.args.items, row["line"], "missing_code", row["id"], message)
        return None
    try:
        return int(run.ontology.get(code).code)
    except UnknownCodeError as exc:
        run.problem(run.args.items, row["line"], "unknown_code", row["id"], str(exc))
        return None


def _ddx_column(
    run: _Run, row: dict[str, Any], item: dict[str, Any], found: tuple[int, dict[str, Any]]
) -> None:
    raw = found[1]["differential"]
    if not isinstance(raw, str | list):
        message = "'differential' must be a list or a string"
        run.problem(run.args.predictions, found[0], "malformed", row["id"], message)
        return
    code = _item_code(run, row, item)
    if code is None:
        return
    golds = item_golds(item["answer"], item.get("answer_aliases")) if "answer" in item else []
    result = match_differential(
        parse_differential(raw),
        code,
        run.ontology,
        golds=golds,
        threshold=run.args.ddx_threshold,
        options=run.options,
    )
    row["ddx_rank"] = result.rank
    row["ddx_matches"] = [
        {"rank": m.rank, "entry": m.entry, "how": m.how, "f1": m.f1} for m in result.entries
    ]


def _judge_column(run: _Run, row: dict[str, Any], key: str, replies: _Records, rubric: Any) -> None:
    found = replies.rows.get(key)
    if found is None:
        run.problem(replies.path, None, "no_judge_reply", key, f"item {key!r} has no judge reply")
        return
    parsed = rubric.parse(found[1]["reply"])
    if isinstance(parsed, Judged):
        row.update(judge=parsed.score, judge_values=list(parsed.values))
        return
    row["judge_malformed"] = parsed.to_dict()
    where = f" (reply line {parsed.line})" if parsed.line else ""
    message = f"{parsed.reason}: {parsed.detail}{where}; left out of the judge mean"
    run.problem(replies.path, found[0], "malformed_reply", key, message)


# --------------------------------------------------------------------------- output


_COLUMNS = (
    ("f1", "F1 (answer + aliases)"),
    ("em", "EM (answer + aliases)"),
    ("f1_orphanet", "F1 (+ Orphanet aliases)"),
    ("em_orphanet", "EM (+ Orphanet aliases)"),
    ("judge", "judge rubric"),
)


def _result(run: _Run, n_items: int, n_preds: int) -> dict[str, Any]:
    args = run.args
    metrics: dict[str, Any] = {}
    for column, _ in _COLUMNS:
        values = [r[column] for r in run.rows if column in r]
        if values:
            metrics[column] = _aggregate(args, values).to_dict()
    ranks = [r["ddx_rank"] for r in run.rows if "ddx_rank" in r]
    if ranks:
        for k in DEFAULT_KS:
            hits = [float(r is not None and r <= k) for r in ranks]
            metrics[f"ddx@{k}"] = _aggregate(args, hits).to_dict()
    return {
        "track": args.track,
        "items": n_items,
        "predictions": n_preds,
        "options": {
            "unicode_punctuation": args.unicode_punctuation,
            "squad_v2_empty": args.squad_v2_empty,
            "orphanet_aliases": args.orphanet_aliases,
            "ddx_threshold": args.ddx_threshold,
        },
        "bootstrap": {
            "resamples": args.bootstrap,
            "seed": args.seed,
            "confidence": args.confidence,
        },
        "ontology": run.ontology.release_label() if run.ontology is not None else None,
        "metrics": metrics,
        "judge_malformed": dict(
            Counter(r["judge_malformed"]["reason"] for r in run.rows if "judge_malformed" in r)
        ),
        "problems": [p.to_dict() for p in run.problems],
        "per_item": run.rows,
    }


def _aggregate(args: argparse.Namespace, values: list[float]) -> Any:
    return aggregate(values, resamples=args.bootstrap, seed=args.seed, confidence=args.confidence)


def _write(args: argparse.Namespace, result: dict[str, Any]) -> None:
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            json.dump(result, out, ensure_ascii=False, indent=2)
            out.write("\n")
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(_table(result))


def _table(result: dict[str, Any]) -> str:
    boot = result["bootstrap"]
    level = f"{100 * boot['confidence']:g}% CI"
    lines = [
        f"track {result['track']}: {result['items']} items, {result['predictions']} predictions; "
        f"bootstrap {boot['resamples']} resamples, seed {boot['seed']}",
        f"{'metric':<26} {'value':>7}  {level:<16} {'n':>6}",
    ]
    labels = dict(_COLUMNS) | {f"ddx@{k}": f"DDx top-{k}" for k in DEFAULT_KS}
    for key, agg in result["metrics"].items():
        interval = (
            f"[{agg['ci_low']:.2f}, {agg['ci_high']:.2f}]" if agg["ci_low"] is not None else "-"
        )
        lines.append(f"{labels[key]:<26} {agg['value']:>7.2f}  {interval:<16} {agg['n']:>6}")
    if result["judge_malformed"]:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(result["judge_malformed"].items()))
        lines.append(f"malformed judge replies (not scored): {counts}")
    if result["problems"]:
        lines.append(f"{len(result['problems'])} problem(s), listed on stderr")
    return "\n".join(lines)
