"""Rubric aggregation of judge replies (the judged half of the protocol; the judge is outside).

The dimensions are data (``rules/rubric.json``): per track, numbered questions with a scale
and a weight. A track's score is ``sum(weight * value) / sum(weight * max)``; T1 has a gate:
when its exact-match dimension is NO the score is ``(category + specificity) / 10`` (at most
0.2), as the public MMRareBench evaluator computes it.

Judge replies are parsed strictly: one verdict per dimension, on numbered lines (``1. YES``,
``2) no``, ``3: Yes - because ...``, T4 ``1. 2``) or, when no line is numbered, on lines that
hold nothing but a verdict. Anything else is :class:`Malformed`, with a reason and the
line, never a score of 0.

>>> score_reply("1. YES\\n2) no\\n3: Yes - specific entity", "T1")
Judged(track='T1', values=(1, 0, 1), score=0.8)
>>> score_reply("No doubt, the answer is yes", "T1").reason
'no_verdicts'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmrare_core.errors import RuleFileError
from mmrare_core.rules.files import read_rule_file, rules_path

__all__ = [
    "TRACKS",
    "Dimension",
    "Judged",
    "Malformed",
    "Rubric",
    "load_rubrics",
    "score_reply",
]

TRACKS = ("T1", "T2", "T3", "T4")
RUBRIC_FILE = "rubric.json"


@dataclass(frozen=True, slots=True)
class Dimension:
    """One rubric question: its id, track, number in the reply, scale ``0..max``, weight."""

    id: str
    track: str
    number: int
    name: str
    question: str
    max: int
    weight: float

    @property
    def binary(self) -> bool:
        return self.max == 1


@dataclass(frozen=True, slots=True)
class Judged:
    """A reply read in full: one value per dimension (YES = 1, NO = 0) and the score in [0, 1]."""

    track: str
    values: tuple[int, ...]
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"track": self.track, "values": list(self.values), "score": self.score}


@dataclass(frozen=True, slots=True)
class Malformed:
    """A reply that cannot be scored: ``reason`` is a short code, ``line`` the reply's line.

    Reasons: ``empty``, ``no_verdicts``, ``ambiguous_line``, ``stray_verdict``,
    ``unreadable_verdict``, ``number_out_of_range``, ``duplicate_number``, ``wrong_count``.
    """

    track: str
    reason: str
    detail: str
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "track": self.track,
            "reason": self.reason,
            "detail": self.detail,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class Rubric:
    """The dimensions of one track and how they combine into a score."""

    track: str
    name: str
    dimensions: tuple[Dimension, ...]
    gate: str | None = None
    gate_fail_divisor: float | None = None

    def score(self, values: Sequence[int]) -> float:
        """The track score of one verdict per dimension, in [0, 1].

        >>> t1 = load_rubrics()["T1"]
        >>> t1.score([1, 1, 1]), t1.score([1, 0, 0]), t1.score([0, 1, 1])
        (1.0, 0.6, 0.2)
        """
        if len(values) != len(self.dimensions):
            raise ValueError(f"{self.track}: {len(values)} values for {len(self.dimensions)}")
        pairs = list(zip(self.dimensions, values, strict=True))
        for dim, value in pairs:
            if not 0 <= value <= dim.max:
                raise ValueError(f"{dim.id}: {value} outside 0..{dim.max}")
        if self.gate is not None and self.gate_fail_divisor:
            gate_value = next(v for d, v in pairs if d.id == self.gate)
            if gate_value == 0:
                rest = sum(d.weight * v for d, v in pairs if d.id != self.gate)
                return rest / self.gate_fail_divisor
        return sum(d.weight * v for d, v in pairs) / sum(d.weight * d.max for d in self.dimensions)

    def parse(self, reply: str) -> Judged | Malformed:
        """Read a judge reply strictly (see the module docstring)."""
        result = _read(reply, self)
        if isinstance(result, Malformed):
            return result
        return Judged(self.track, result, self.score(result))


def score_reply(
    reply: str, track: str, rubrics: Mapping[str, Rubric] | None = None
) -> Judged | Malformed:
    """Parse and score one judge reply for ``track`` (``T1``..``T4``)."""
    table = rubrics if rubrics is not None else _default_rubrics()
    if track not in table:
        raise KeyError(f"no rubric for track {track!r} (expected one of {sorted(table)})")
    return table[track].parse(reply)


# --------------------------------------------------------------------------- loading

_DEFAULT: dict[str, Rubric] | None = None


def _default_rubrics() -> dict[str, Rubric]:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_rubrics()
    return _DEFAULT


def load_rubrics(rules_dir: str | Path | None = None) -> dict[str, Rubric]:
    """The rubrics of every track, from ``rules/rubric.json`` (or ``rules_dir``).

    Numbers must run 1..n within a track; the gate must be a binary dimension of its track.
    """
    data = read_rule_file(RUBRIC_FILE, rules_dir)
    path = rules_path(RUBRIC_FILE, rules_dir)
    tracks = data.get("tracks", {})
    dims = [_dimension(rule, path) for rule in data["rules"]]
    rubrics = {}
    for track, spec in tracks.items():
        own = tuple(sorted((d for d in dims if d.track == track), key=lambda d: d.number))
        rubrics[track] = _rubric(track, spec, own, path)
    orphans = sorted({d.track for d in dims} - set(rubrics))
    if orphans:
        raise RuleFileError(f"{path}: dimensions for undeclared track(s) {orphans}")
    return rubrics


def _dimension(rule: Mapping[str, Any], path: Path) -> Dimension:
    where = f"{path}: rule {rule['id']!r}"
    try:
        maximum = 1 if rule["kind"] == "binary" else int(rule["max"])
        dim = Dimension(
            rule["id"],
            str(rule["track"]),
            int(rule["number"]),
            str(rule["name"]),
            str(rule["question"]),
            maximum,
            float(rule.get("weight", 1)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise RuleFileError(f"{where}: missing or bad value ({exc})") from None
    if dim.max < 1 or dim.weight <= 0:
        raise RuleFileError(f"{where}: 'max' must be >= 1 and 'weight' > 0")
    return dim


def _rubric(track: str, spec: Any, dims: tuple[Dimension, ...], path: Path) -> Rubric:
    where = f"{path}: track {track!r}"
    if not isinstance(spec, dict) or set(spec) - {"name", "gate", "gate_fail_divisor"}:
        raise RuleFileError(f"{where}: expected keys 'name', 'gate', 'gate_fail_divisor'")
    if [d.number for d in dims] != list(range(1, len(dims) + 1)):
        raise RuleFileError(f"{where}: dimension numbers must run 1..n without gaps")
    gate = spec.get("gate")
    if gate is not None and not any(d.id == gate and d.binary for d in dims):
        raise RuleFileError(f"{where}: gate {gate!r} is not a binary dimension of the track")
    divisor = spec.get("gate_fail_divisor")
    if (gate is None) != (divisor is None):
        raise RuleFileError(f"{where}: 'gate' and 'gate_fail_divisor' go together")
    return Rubric(
        track,
        str(spec.get("name", track)),
        dims,
        gate,
        float(divisor) if divisor is not None else None,
    )


# --------------------------------------------------------------------------- the parser

_NUMBERED = re.compile(r"^(?P<num>\d{1,3})\s*[.):]\s*(?P<rest>.*)$")
#: What may follow a verdict: nothing, or a separator and an explanation.
_TAIL = r"(?:\s*|\s*[-\u2013\u2014:,;(].*|\.(?:\s.*)?)"
_BINARY = re.compile(rf"^(?P<v>yes|no){_TAIL}$", re.IGNORECASE | re.DOTALL)
_ORDINAL = re.compile(rf"^(?P<v>\d+){_TAIL}$", re.DOTALL)
_BINARY_WORD = re.compile(r"\b(?:yes|no)\b", re.IGNORECASE)


def _verdict(text: str, rubric: Rubric, number: int) -> int | None:
    """The value of one verdict, or None when it cannot be read."""
    dim = rubric.dimensions[number - 1] if 0 < number <= len(rubric.dimensions) else None
    binary = dim.binary if dim else rubric.dimensions[0].binary
    match = (_BINARY if binary else _ORDINAL).match(text)
    if not match:
        return None
    if binary:
        return int(match["v"].lower() == "yes")
    value = int(match["v"])
    return value if dim is None or value <= dim.max else None


def _word_pattern(rubric: Rubric) -> re.Pattern[str]:
    if rubric.dimensions[0].binary:
        return _BINARY_WORD
    top = max(d.max for d in rubric.dimensions)
    return re.compile(rf"(?<![\w.]){'|'.join(map(str, range(top + 1)))}(?![\w.])")


def _read(reply: str, rubric: Rubric) -> tuple[int, ...] | Malformed:
    if not reply or not reply.strip():
        return Malformed(rubric.track, "empty", "the reply is empty")
    numbered: list[tuple[int, int, str]] = []
    bare: list[tuple[int, int]] = []
    prose: list[int] = []
    words = _word_pattern(rubric)
    for line_no, raw in enumerate(reply.splitlines(), 1):
        line = raw.replace("**", "").replace("__", "").strip()
        if not line:
            continue
        match = _NUMBERED.match(line)
        if match:
            numbered.append((line_no, int(match["num"]), match["rest"].strip()))
            continue
        value = _verdict(line, rubric, 0)
        if value is not None and len(line.split()) == 1:
            bare.append((line_no, value))
        elif words.search(line):
            prose.append(line_no)
    if numbered:
        return _read_numbered(numbered, bare, rubric)
    return _read_bare(bare, prose, rubric)


def _read_numbered(
    numbered: list[tuple[int, int, str]], bare: list[tuple[int, int]], rubric: Rubric
) -> tuple[int, ...] | Malformed:
    track, n = rubric.track, len(rubric.dimensions)
    if bare:
        line = bare[0][0]
        return Malformed(track, "stray_verdict", "an unnumbered verdict among numbered ones", line)
    values: dict[int, int] = {}
    for line, number, rest in numbered:
        if not 1 <= number <= n:
            return Malformed(
                track, "number_out_of_range", f"verdict {number}, expected 1..{n}", line
            )
        if number in values:
            return Malformed(track, "duplicate_number", f"verdict {number} given twice", line)
        value = _verdict(rest, rubric, number)
        if value is None:
            dim = rubric.dimensions[number - 1]
            expected = "YES or NO" if dim.binary else f"an integer 0..{dim.max}"
            detail = f"verdict {number}: {_clip(rest)!r} is not {expected}"
            return Malformed(track, "unreadable_verdict", detail, line)
        values[number] = value
    if len(values) != n:
        missing = [str(i) for i in range(1, n + 1) if i not in values]
        return Malformed(
            track, "wrong_count", f"{len(values)} of {n} verdicts (missing {', '.join(missing)})"
        )
    return tuple(values[i] for i in range(1, n + 1))


def _read_bare(
    bare: list[tuple[int, int]], prose: list[int], rubric: Rubric
) -> tuple[int, ...] | Malformed:
    track, n = rubric.track, len(rubric.dimensions)
    if not bare:
        detail = "no numbered or verdict-only line"
        if prose:
            detail += f"; line {prose[0]} mentions a verdict inside other text"
        return Malformed(track, "no_verdicts", detail, prose[0] if prose else None)
    if prose:
        return Malformed(
            track, "ambiguous_line", "a verdict word inside other text, outside a verdict line",
            prose[0],
        )  # fmt: skip
    if len(bare) != n:
        return Malformed(track, "wrong_count", f"{len(bare)} of {n} verdicts")
    values = tuple(v for _, v in bare)
    for (line, value), dim in zip(bare, rubric.dimensions, strict=True):
        if value > dim.max:
            return Malformed(track, "unreadable_verdict", f"{value} outside 0..{dim.max}", line)
    return values


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"
