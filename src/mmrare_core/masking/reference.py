"""A brute-force reference masker: the specification of Layer 2 written the slow, plain way.

It shares no code with the fast path (:mod:`mmrare_core.text.normalize`, the alias keys, the
automaton): it folds text one character cluster at a time with its own tables (spelled by
Unicode name), tries every alias at every position and picks leftmost-longest spans. Tests
hold :class:`~mmrare_core.masking.masker.Masker` to it edit for edit, as rapidfuzz holds its
C++ scorers to their ``*_py`` twins. Far too slow for real work.

>>> reference_spans("Patient had X\u2043ALD; x-ald.", [RefAlias("X-ALD", 43, True)])
[(12, 17, 43)]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["RefAlias", "reference_fold", "reference_spans"]

_DASH_NAMES = (
    "HYPHEN", "NON-BREAKING HYPHEN", "FIGURE DASH", "EN DASH", "EM DASH", "HORIZONTAL BAR",
    "HYPHEN BULLET", "MINUS SIGN", "TWO-EM DASH", "THREE-EM DASH", "SMALL EM DASH",
    "SMALL HYPHEN-MINUS", "FULLWIDTH HYPHEN-MINUS",
)  # fmt: skip
_SINGLE_QUOTE_NAMES = (
    "LEFT SINGLE QUOTATION MARK", "RIGHT SINGLE QUOTATION MARK",
    "SINGLE LOW-9 QUOTATION MARK", "SINGLE HIGH-REVERSED-9 QUOTATION MARK", "PRIME",
    "REVERSED PRIME", "GRAVE ACCENT", "ACUTE ACCENT", "MODIFIER LETTER APOSTROPHE",
    "MODIFIER LETTER PRIME", "FULLWIDTH APOSTROPHE",
)  # fmt: skip
_DOUBLE_QUOTE_NAMES = (
    "LEFT DOUBLE QUOTATION MARK", "RIGHT DOUBLE QUOTATION MARK",
    "DOUBLE LOW-9 QUOTATION MARK", "DOUBLE HIGH-REVERSED-9 QUOTATION MARK", "DOUBLE PRIME",
    "REVERSED DOUBLE PRIME", "LEFT-POINTING DOUBLE ANGLE QUOTATION MARK",
    "RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK", "FULLWIDTH QUOTATION MARK",
)  # fmt: skip
_INVISIBLE_NAMES = (
    "SOFT HYPHEN", "ZERO WIDTH SPACE", "ZERO WIDTH NON-JOINER", "ZERO WIDTH JOINER",
    "WORD JOINER", "ZERO WIDTH NO-BREAK SPACE", "MONGOLIAN VOWEL SEPARATOR",
)  # fmt: skip

_UNIFY = {unicodedata.lookup(n): "-" for n in _DASH_NAMES}
_UNIFY |= {unicodedata.lookup(n): "'" for n in _SINGLE_QUOTE_NAMES}
_UNIFY |= {unicodedata.lookup(n): '"' for n in _DOUBLE_QUOTE_NAMES}
_UNIFY |= {unicodedata.lookup(n): "" for n in _INVISIBLE_NAMES}
_UNIFY["\N{LATIN CAPITAL LETTER I WITH DOT ABOVE}"] = "i"
_CITATION = re.compile(r"[0-9]{1,3}(?:[,-][0-9]{1,3})*(?=$|[\s)\].;:]|,\s)")


@dataclass(frozen=True, slots=True)
class RefAlias:
    """One name to mask: its form as written, its code, whether capitals must match."""

    form: str
    code: int
    case_sensitive: bool = False


def _unify(text: str) -> str:
    return "".join(_UNIFY.get(c, c) for c in text)


def _joins_previous(char: str) -> bool:
    """A mark (or a character NFKC turns into one), an invisible, or a Hangul vowel/final."""
    if _UNIFY.get(char) == "" or "\u1160" <= char <= "\u11ff":
        return True
    first = unicodedata.normalize("NFKC", char)[:1]
    return bool(first) and (unicodedata.category(first)[0] == "M" or "\u1160" <= first <= "\u11ff")


def _fold_cluster(cluster: str, keep_case: bool) -> str:
    text = _unify(unicodedata.normalize("NFKC", _unify(unicodedata.normalize("NFC", cluster))))
    if not keep_case:
        text = _unify(unicodedata.normalize("NFKC", text.casefold()))
    return "".join(" " if c.isspace() else c for c in text)


def reference_fold(text: str, keep_case: bool = False) -> tuple[str, list[tuple[int, int]]]:
    """The folded text and, for each of its characters, the source span it came from."""
    out: list[str] = []
    where: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and _joins_previous(text[j]):
            j += 1
        for char in _fold_cluster(text[i:j], keep_case):
            if char == " " and out and out[-1] == " ":
                where[-1] = (where[-1][0], j)  # a run of white space is one space
            else:
                out.append(char)
                where.append((i, j))
        i = j
    return "".join(out), where


def _key(form: str, keep_case: bool) -> str:
    return reference_fold(form, keep_case)[0].strip(" ")


def _word(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "LNM" or category == "Pc"


def _before_citation(folded: str, text: str, i: int, j: int, end: int) -> bool:
    """A name of eight characters or more, ending in a lower-case letter, glued to digits."""
    return (
        j - i >= 8
        and folded[j - 1].isalpha()
        and text[end - 1].islower()
        and _CITATION.match(folded, j) is not None
    )


def reference_spans(text: str, aliases: Sequence[RefAlias]) -> list[tuple[int, int, int]]:
    """``(start, end, code)`` source spans of ``aliases`` in ``text``, as Layer 2 masks them.

    Every alias at every position of the folded text; whole words only (a name of eight
    characters or more that ends in a lower-case letter may be glued to a citation number);
    capitals compared for case-sensitive aliases; leftmost-longest, ties to a case-sensitive
    alias, then to the lowest code.
    """
    folded, where = reference_fold(text)
    found = []
    for alias in aliases:
        key = _key(alias.form, False)
        exact = _key(alias.form, True) if alias.case_sensitive else ""
        for i in range(len(folded) - len(key) + 1) if key else ():
            j = i + len(key)
            if folded[i:j] != key or (i and _word(folded[i - 1]) and _word(folded[i])):
                continue
            start, end = where[i][0], where[j - 1][1]
            glued = j < len(folded) and _word(folded[j - 1]) and _word(folded[j])
            if glued and not _before_citation(folded, text, i, j, end):
                continue
            if exact and _key(text[start:end], True) != exact:
                continue
            found.append((i, j, not exact, alias.code, start, end))
    chosen, last = [], -1
    for i, j, _, code, start, end in sorted(found, key=lambda f: (f[0], -f[1], f[2], f[3])):
        if i >= last:
            chosen.append((start, end, code))
            last = j
    return chosen
