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
from functools import lru_cache
from typing import Any

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
    reorder: bool = True  # may stand in another word order (a name; not a coarser name)


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


# --------------------------------------------------------------------------- tokens, slowly


@dataclass(frozen=True, slots=True)
class _Sub:
    """One sub-token of a folded string: where it is, its canonical tokens, its glue."""

    start: int
    end: int
    tokens: tuple[str, ...]
    glued: bool  # nothing between it and the sub-token before
    joined: bool  # only joiner characters between it and the sub-token before


def _kind(char: str) -> str:
    if unicodedata.category(char) == "Pc":
        return "_"
    if char.isdigit():
        return "digit"
    if "\u0370" <= char <= "\u03ff":
        return "greek"
    return "letter" if _word(char) else ""


def _roman_table(maximum: int) -> dict[str, int]:
    """Roman numerals 1..maximum, written out by place value (not parsed)."""
    table = {}
    for value in range(1, maximum + 1):
        tens, ones = divmod(value, 10)
        ones_text = ["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"][ones]
        table["x" * tens + ones_text] = value
    return table


def _canon(word: str, kind: str, keep_case: bool, data: dict[str, Any]) -> tuple[str, ...]:
    if kind == "greek":
        return tuple(data["greek"].get(c.lower(), c) for c in word)
    if kind == "digit":
        return (word[:-1],) if word.endswith("s") else (word,)
    if kind != "letter":
        return (word,)
    lower = word.lower()
    romans = _roman_table(data["max"])
    if lower in romans and (not keep_case or word.isupper()):
        return (str(romans[lower]),)
    numeral, letter = lower[:-1], lower[-1:]
    if numeral in romans and letter in data["letters"] and (not keep_case or word[:-1].isupper()):
        return (str(romans[numeral]), letter)
    text = word if keep_case else lower
    capitals = sum(c.isupper() for c in text)
    if not text.endswith("s") or any(text.endswith(e) for e in data["keep"]):
        return (text,)
    if keep_case and capitals >= 2:
        return (text[:-1],) if len(text) >= 3 else (text,)
    if len(text) < data["min"] or (keep_case and text[:-1].isupper()):
        return (text,)
    return (text[:-3] + "y",) if text.endswith("ies") and len(text) > 4 else (text[:-1],)


def _subs(folded: str, keep_case: bool = False) -> list[_Sub]:
    """The sub-tokens of a folded string, found one character at a time."""
    data = _token_data()
    subs: list[_Sub] = []
    i, last_end = 0, 0
    while i < len(folded):
        if folded.startswith("'s", i) and (i + 2 == len(folded) or not _word(folded[i + 2])):
            subs.append(_Sub(i, i + 2, (), i == last_end, True))
            i = last_end = i + 2
            continue
        kind = _kind(folded[i])
        if not kind:
            i += 1
            continue
        j = i + 1
        while j < len(folded) and _kind(folded[j]) == kind:
            j += 1
        if (
            kind == "digit"
            and folded.startswith("s", j)
            and not (j + 1 < len(folded) and _word(folded[j + 1]))
        ):
            j += 1  # NPC1s: a plural glued to the numeral
        between = folded[last_end:i]
        joined = all(c.isspace() or c in data["joiners"] for c in between)
        tokens = _canon(folded[i:j], kind, keep_case, data)
        subs.append(_Sub(i, j, tokens, i == last_end and bool(subs), joined))
        i = last_end = j
    return subs


def _slots(subs: list[_Sub], keep_case: bool = False) -> list[tuple[str, int]]:
    """``(token, index of its sub-token)``, with ``("|", -1)`` for each break."""
    out: list[tuple[str, int]] = []
    for index, sub in enumerate(subs):
        if index and not sub.joined and out and out[-1][0] != "|":
            out.append(("|", -1))
        for token in sub.tokens:
            if keep_case and len(token) == 1 and out and out[-1][0][-1:].isdigit():
                token = token.lower()
            out.append((token, index))
    while out and out[-1][0] == "|":
        out.pop()
    return out


def _name_keys(form: str, keep_case: bool) -> list[tuple[str, ...]]:
    """The token keys of a name: as written, and with its letter-letter hyphens dropped in
    every combination (at most the first three)."""
    folded = reference_fold(form, keep_case)[0].strip(" ")
    hyphens = [
        i for i in range(1, len(folded) - 1)
        if folded[i] == "-" and _kind(folded[i - 1]) == "letter" == _kind(folded[i + 1])
    ][:3]  # fmt: skip
    keys = []
    for mask in range(2 ** len(hyphens)):
        drop = {h for bit, h in enumerate(hyphens) if mask >> bit & 1}
        variant = "".join(c for i, c in enumerate(folded) if i not in drop)
        keys.append(tuple(t for t, _ in _slots(_subs(variant, keep_case), keep_case)))
    return keys


def _exact(written: str) -> tuple[str, ...]:
    folded = reference_fold(written, keep_case=True)[0].strip(" ")
    return tuple(t for t, _ in _slots(_subs(folded, True), True))


@lru_cache(maxsize=1)
def _token_data() -> dict[str, Any]:
    from mmrare_core.rules.files import read_rule_file

    rules = {r["kind"]: r for r in read_rule_file("tokens.json")["rules"]}
    return {
        "joiners": rules["joiner"]["joiners"],
        "greek": rules["greek"]["letters"],
        "max": rules["numeral"]["max"],
        "letters": rules["numeral"]["subtype_letters"],
        "min": rules["plural"]["min_length"],
        "keep": rules["plural"]["keep_endings"],
        "order": (rules["order"]["min_tokens"], rules["order"]["max_tokens"]),
        "stops": set(rules["order"]["stop_words"]),
        "max_stops": rules["order"]["max_stop_words"],
        "min_stem": rules["derivation"]["min_stem"],
        "endings": rules["derivation"]["suffixes"],
    }


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

    Every alias (as written, and with its hyphens dropped) at every token of the folded
    text, compared token by token (``rules/tokens.json``: joiners, plurals, possessives,
    Greek letters, numerals); whole words only (a name of eight characters or more that ends
    in a lower-case letter may be glued to a citation number); capitals compared for
    case-sensitive aliases; leftmost-longest, ties to a case-sensitive alias, then to the
    lowest code.
    """
    folded, where = reference_fold(text)
    subs = _subs(folded)
    slots = _slots(subs)
    found = []
    for alias in aliases:
        exact = _exact(alias.form) if alias.case_sensitive else ()
        for key in dict.fromkeys(_name_keys(alias.form, False)):
            for i in range(len(slots) - len(key) + 1) if key else ():
                span = _span(slots, subs, folded, text, where, i, key)
                if span is None or (exact and _exact(text[span[2] : span[3]]) != exact):
                    continue
                found.append((span[0], span[1], not exact, alias.code, span[2], span[3]))
    found += _reordered(text, folded, where, subs, slots, aliases)
    chosen, last = [], -1
    for i, j, _, code, start, end in sorted(found, key=lambda f: (f[0], -f[1], f[2], f[3])):
        if i >= last:
            chosen.append((start, end, code))
            last = j
    return chosen


def _stem(token: str, data: dict[str, Any]) -> str:
    """The longest derivational ending that leaves a long enough stem, removed."""
    best = token
    for ending in data["endings"]:
        stem = len(token) - len(ending)
        if token.endswith(ending) and data["min_stem"] <= stem < len(best):
            best = token[:stem]
    return best


def _reordered(
    text: str,
    folded: str,
    where: list[tuple[int, int]],
    subs: list[_Sub],
    slots: list[tuple[str, int]],
    aliases: Sequence[RefAlias],
) -> list[tuple[int, int, bool, int, int, int]]:
    """Names of two to four content tokens in another order: every run of slots that holds
    exactly their content tokens (or derived forms) and stop words only."""
    data = _token_data()
    low, high = data["order"]
    out = []
    for alias in aliases:
        if alias.case_sensitive or not alias.reorder:
            continue
        key = _name_keys(alias.form, False)[0]
        content = [t for t in key if t not in data["stops"]]
        if "|" in key or not low <= len(content) <= high:
            continue
        stems = sorted(_stem(t, data) for t in content)
        for i in range(len(slots)):
            for j in range(i, min(len(slots), i + len(content) + data["max_stops"])):
                window = [t for t, _ in slots[i : j + 1]]
                words = [t for t in window if t not in data["stops"]]
                if "|" in window or window[0] in data["stops"] or window[-1] in data["stops"]:
                    continue
                if len(words) != len(content) or sorted(_stem(t, data) for t in words) != stems:
                    continue
                if (words == content and len(window) == len(words)) or slots[i][1] == (
                    slots[i - 1][1] if i else -1
                ):
                    continue
                if j + 1 < len(slots) and slots[j + 1][1] == slots[j][1]:
                    continue
                first, last = subs[slots[i][1]], subs[slots[j][1]]
                after = subs[slots[j][1] + 1] if slots[j][1] + 1 < len(subs) else None
                if first.glued or (after is not None and after.glued and after.tokens):
                    continue
                start, end = where[first.start][0], where[last.end - 1][1]
                out.append((first.start, last.end, True, alias.code, start, end))
    return out


def _span(
    slots: list[tuple[str, int]],
    subs: list[_Sub],
    folded: str,
    text: str,
    where: list[tuple[int, int]],
    i: int,
    key: tuple[str, ...],
) -> tuple[int, int, int, int] | None:
    """``(folded start, folded end, source start, source end)`` of ``key`` at slot ``i``."""
    window = slots[i : i + len(key)]
    if tuple(t for t, _ in window) != key:
        return None
    first, last = window[0][1], window[-1][1]
    if (i and slots[i - 1][1] == first) or (
        i + len(key) < len(slots) and slots[i + len(key)][1] == last
    ):
        return None  # part of a sub-token only
    if subs[first].glued:
        return None
    lo, hi = subs[first].start, subs[last].end
    start, end = where[lo][0], where[hi - 1][1]
    after = subs[last + 1] if last + 1 < len(subs) else None
    if (
        after is not None
        and after.glued
        and after.tokens
        and not _before_citation(folded, text, lo, hi, end)
    ):
        return None
    return lo, hi, start, end
