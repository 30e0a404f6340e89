"""Short forms that stand for the diagnosis: the one policy the masker and the audit share.

A text ties a short form to the diagnosis (``rules/short_forms.json``) when

* it defines an abbreviation whose long form holds a name of the diagnosis
  (``abbreviation_defined``: "Kawasaki disease (KD)"); or
* the short form stands in brackets right after a name or its mask, or right before a
  bracketed mask (``abbreviation_after_mask``: "[DIAGNOSIS_MASKED] (MCLS)");
* a view's record says its report defines it (``abbreviation_in_report``: the audit reads
  ``leakage_audit.layer2.abbreviations``, found where the view may have dropped them).

>>> tied_short_forms("Kawasaki disease (KD) was treated; KD resolved.", [(0, 16)])
{'KD': (0, 'abbreviation_defined')}
>>> tied_short_forms("MCLS ([DIAGNOSIS_MASKED]) recurred.", marks=[(6, 24)])
{'MCLS': (0, 'abbreviation_after_mask')}
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from mmrare_core.rules.files import read_rule_file

if TYPE_CHECKING:  # pragma: no cover
    from mmrare_core.text.abbreviations import Abbreviation

__all__ = ["ShortFormRules", "looks_like_short_form", "short_form_rules", "tied_short_forms"]

_SHAPE = re.compile(r"[^\W\d_][^\W_]*(?:-[^\W_]+)*")
_CLOSING = re.compile(r"\s*[)\]]")


@dataclass(frozen=True, slots=True)
class ShortFormRules:
    """The compiled ``rules/short_forms.json``: the two rule ids and the bracket patterns."""

    defined: str
    bracketed: str
    reported: str
    after: re.Pattern[str]
    before: re.Pattern[str]


@lru_cache(maxsize=8)
def short_form_rules(rules_dir: str | Path | None = None) -> ShortFormRules:
    """The packaged short-form rules (or those in ``rules_dir``), compiled once."""
    data = read_rule_file("short_forms.json", rules_dir)
    rules = {rule["kind"]: rule for rule in data["rules"]}
    bracketed = rules["bracketed"]
    short = rf"([^\s()\[\];,]{{2,{int(bracketed.get('max_chars', 12))}}})"
    return ShortFormRules(
        rules["defined"]["id"],
        bracketed["id"],
        rules["reported"]["id"],
        re.compile(rf"\s*[(\[]\s*{short}\s*[)\];,]"),
        re.compile(rf"{short}\s*[(\[]\s*$"),
    )


def looks_like_short_form(token: str) -> bool:
    """Letters, digits and inner hyphens, mostly capitals: KD, X-ALD, NPC1, AxD.

    Two capitals, or one in a token of at most four characters. Units and ratios ("U/L",
    "mg", "%") and words ("D-aspartate", "arteritis") are not short forms.

    >>> [looks_like_short_form(t) for t in ("KD", "X-ALD", "AxD", "U/L", "D-aspartate", "fever")]
    [True, True, True, False, False, False]
    """
    capitals = sum(c.isupper() for c in token)
    return (
        _SHAPE.fullmatch(token) is not None
        and sum(c.isalpha() for c in token) >= 2
        and (capitals >= 2 or (capitals == 1 and len(token) <= 4))
    )


def tied_short_forms(
    text: str,
    names: Sequence[tuple[int, int]] = (),
    marks: Sequence[tuple[int, int]] = (),
    rules: ShortFormRules | None = None,
) -> dict[str, tuple[int, str]]:
    """Short forms ``text`` ties to a name of the diagnosis (``names``: spans of its aliases)
    or to a mask of it (``marks``: spans of the mask token), first tie first.

    Returns short form -> (index of the tying span in ``names`` + ``marks``, rule id). A
    definition counts for ``names`` only; brackets after a span count for both, brackets
    round a mark for ``marks`` only.
    """
    rules = rules or short_form_rules()
    tied: dict[str, tuple[int, str]] = {}
    if names:
        spans = _Spans(names)
        for abbr in spans.definitions(text):
            if abbr.short not in tied:
                index = spans.first_inside(*abbr.long_span)
                if index is not None:
                    tied[abbr.short] = (index, rules.defined)
    for index, (start, end) in enumerate([*names, *marks]):
        found = rules.after.match(text, end)
        if found and looks_like_short_form(found.group(1)):
            tied.setdefault(found.group(1), (index, rules.bracketed))
        if index >= len(names):
            found = rules.before.search(text, max(0, start - 20), start)
            if found and _CLOSING.match(text, end) and looks_like_short_form(found.group(1)):
                tied.setdefault(found.group(1), (index, rules.bracketed))
    return tied


class _Spans:
    """The name spans, sorted once by start, for "the first name inside this long form".

    Linear in the text (issue 11): the definitions are looked for only where a name starts
    (:func:`mmrare_core.text.abbreviations._definitions`), and each long form finds the
    names inside it by bisection among the few that start in it, where a scan of every name
    for every definition cost O(definitions x names) on a large text. The first name is the
    one of lowest index, whatever the order of ``names``. A span that ends before it starts
    may lie inside a long form that does not hold its start: with one, every definition is
    looked for and such spans are tried one by one (no finder makes them).
    """

    __slots__ = ("_ends", "_indices", "_odd", "_starts")

    def __init__(self, names: Sequence[tuple[int, int]]) -> None:
        ordered = sorted((s, e, i) for i, (s, e) in enumerate(names) if s <= e)
        unique = [span for k, span in enumerate(ordered) if not k or span[:2] != ordered[k - 1][:2]]
        self._starts = [s for s, _, _ in unique]
        self._ends = [e for _, e, _ in unique]
        self._indices = [i for _, _, i in unique]  # the lowest index of each distinct span
        self._odd = [(s, e, i) for i, (s, e) in enumerate(names) if s > e]

    def definitions(self, text: str) -> list[Abbreviation]:
        """The definitions of ``text`` whose long form may hold a name, in text order."""
        from mmrare_core.text.abbreviations import _definitions

        return _definitions(text, None if self._odd else self._starts)

    def first_inside(self, lo: int, hi: int) -> int | None:
        """The lowest index of a name ``(s, e)`` with ``lo <= s`` and ``e <= hi``."""
        best: int | None = None
        k = bisect_left(self._starts, lo)
        while k < len(self._starts) and self._starts[k] <= hi:
            if self._ends[k] <= hi and (best is None or self._indices[k] < best):
                best = self._indices[k]
            k += 1
        for s, e, i in self._odd:
            if lo <= s and e <= hi and (best is None or i < best):
                best = i
        return best
