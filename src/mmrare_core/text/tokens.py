"""Canonical tokens: the equivalences that hold for every token of a name at once.

A normalized text (see :mod:`mmrare_core.text.normalize`) is split into *sub-tokens*: runs of
letters, runs of Greek letters, runs of digits, underscores and the possessive ``'s``. Each
becomes zero or more *canonical tokens* (``rules/tokens.json``):

* ``token_possessive``: ``'s`` is dropped;
* ``token_greek``: a Greek letter becomes its name (``α`` -> ``alpha``);
* ``token_numeral``: a Roman numeral becomes Arabic, a subtype letter apart (``ia`` -> ``1 a``);
* ``token_plural``: a plural becomes singular (``cysts`` -> ``cyst``, ``neuropathies`` ->
  ``neuropathy``; ``1s`` -> ``1``).

Between sub-tokens, white space, a hyphen or dash, an apostrophe or nothing are the same
(``token_joiner``); any other separator is a *break*. Two strings name the same thing when
their canonical sequences, breaks included, are equal: ``GSD1A``, ``GSD 1a`` and ``GSD-Ia``
all give ``gsd 1 a``.

>>> rules = token_rules()
>>> rules.key("Kawasaki's diseases, type II")
('kawasaki', 'disease', '|', 'type', '2')
>>> rules.key("GSD-Ia") == rules.key("gsd1a")
True
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from mmrare_core.rules.files import read_rule_file
from mmrare_core.text.words import regex_class

__all__ = [
    "BREAK",
    "TokenRules",
    "split_tokens",
    "token_parts",
    "token_rules",
]

#: The canonical token that stands for a separator other than a joiner.
BREAK = "|"


@lru_cache(maxsize=1)
def _sub_pattern() -> re.Pattern[str]:
    """Sub-tokens: a possessive, Greek letters, other letters (with marks), digits (with a
    plural s), connectors; word characters as :mod:`mmrare_core.text.words` defines them."""
    marks, connectors = regex_class("M"), regex_class("Pc")
    letters = rf"(?:[^\W\d_\u0370-\u03ff]|[{marks}])+"
    not_word = rf"(?![^\W_]|[{marks}{connectors}])"
    return re.compile(
        rf"('s{not_word}|[\u0370-\u03ff]+|{letters}|\d+(?:s{not_word})?|[{connectors}]+)"
    )


_ROMAN = re.compile(r"(x{0,2})(ix|iv|v?i{0,3})([a-z]?)")
_ROMAN_VALUES = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9}


#: The same sub-tokens for a text without marks or connectors other than "_" (nearly all):
#: Python's ``\\w`` agrees with :mod:`mmrare_core.text.words` there, and it scans 4x faster.
_PLAIN = re.compile(
    r"('s(?![^\W_])|[\u0370-\u03ff]+|[^\W\d_\u0370-\u03ff]+|\d+(?:s(?![^\W_]))?|_+)"
)


@lru_cache(maxsize=65536)
def _needs_full_pattern(char: str) -> bool:
    return unicodedata.category(char)[0] == "M" or (
        char != "_" and unicodedata.category(char) == "Pc"
    )


def token_parts(text: str) -> list[str]:
    """Separators and sub-tokens in turn, starting and ending with a separator (maybe empty).

    >>> token_parts("NPC1s, x")
    ['', 'NPC', '', '1s', ', ', 'x', '']
    """
    if text.isascii() or not any(_needs_full_pattern(c) for c in set(text) if c > "\x7f"):
        return _PLAIN.split(text)
    return _sub_pattern().split(text)


def split_tokens(text: str) -> tuple[list[str], list[str]]:
    """``(separators, sub_tokens)``: ``separators[i]`` stands before ``sub_tokens[i]`` and the
    last separator after the last sub-token (so there is one separator more).

    >>> split_tokens("NPC1s, x")
    (['', '', ', ', ''], ['NPC', '1s', 'x'])
    """
    parts = token_parts(text)
    return parts[0::2], parts[1::2]


@dataclass(frozen=True, slots=True, eq=False)
class TokenRules:
    """The compiled ``rules/tokens.json``: how sub-tokens become canonical tokens."""

    joiners: frozenset[str]
    min_plural: int
    keep_endings: tuple[str, ...]
    greek: dict[str, str]
    max_numeral: int
    subtype_letters: str
    ids: dict[str, str]  # kind -> rule id
    order_tokens: tuple[int, int]  # a name of this many content tokens may change order
    max_stop_words: int
    stop_words: frozenset[str]
    min_stem: int
    stem_endings: tuple[str, ...]  # longest first

    def stem(self, token: str) -> str:
        """``token`` without a derivational ending (``token_derivation``), if the stem left
        is long enough: "choledochal" and "choledochus" -> "choledoch"."""
        for ending in self.stem_endings:
            if token.endswith(ending) and len(token) - len(ending) >= self.min_stem:
                return token[: -len(ending)]
        return token

    def is_joiner(self, separator: str) -> bool:
        """Whether ``separator`` joins two sub-tokens (else it is a :data:`BREAK`)."""
        return all(c in self.joiners or c.isspace() for c in separator)

    def canonical(self, sub: str, keep_case: bool = False) -> tuple[tuple[str, ...], str]:
        """The canonical tokens of one sub-token, and the id of the rule that changed it
        (``""`` when none did). Letters are compared folded unless ``keep_case``."""
        return _canonical(self, sub, keep_case)

    def sequence(self, text: str, keep_case: bool = False) -> list[tuple[str, str]]:
        """``(canonical token, rule id)`` for a whole string (a name or a span), with a
        :data:`BREAK` for each separator that is not a joiner and ``("", rule)`` for a dropped
        possessive; a subtype letter after a numeral is folded even when ``keep_case``."""
        out: list[tuple[str, str]] = []
        separators, subs = split_tokens(text)
        for index, sub in enumerate(subs):
            if index and not self.is_joiner(separators[index]) and out and out[-1][0] != BREAK:
                out.append((BREAK, ""))
            tokens, rule = self.canonical(sub, keep_case)
            if not tokens:
                out.append(("", rule))  # a dropped possessive: no token, but a rule
            for token in tokens:
                if keep_case and len(token) == 1 and out and out[-1][0][-1:].isdigit():
                    token = token.lower()
                out.append((token, rule))
        while out and out[-1][0] == BREAK:
            out.pop()
        return out

    def key(self, text: str, keep_case: bool = False) -> tuple[str, ...]:
        """The canonical tokens of ``text`` alone (what two equal names share)."""
        return tuple(token for token, _ in self.sequence(text, keep_case) if token)

    def joined_variants(self, text: str) -> Iterator[str]:
        """``text`` with each combination of its letter-letter hyphens removed (at most
        three): "cat-eye" may be written "cateye" (``token_joiner``)."""
        hyphens = [m.start() for m in re.finditer(r"(?<=[^\W\d_])-(?=[^\W\d_])", text)][:3]
        for mask in range(1, 2 ** len(hyphens)):
            dropped = {h for i, h in enumerate(hyphens) if mask >> i & 1}
            yield "".join(c for i, c in enumerate(text) if i not in dropped)


def _plural(rules: TokenRules, sub: str, keep_case: bool) -> str | None:
    if not sub.endswith("s") or sub.endswith(rules.keep_endings):
        return None
    if keep_case and sum(c.isupper() for c in sub) >= 2:
        return sub[:-1] if len(sub) >= 3 else None  # DKCs -> DKC; a capital S is no plural
    if len(sub) < rules.min_plural or (keep_case and sub[:-1].isupper()):
        return None
    return sub[:-3] + "y" if sub.endswith("ies") and len(sub) > 4 else sub[:-1]


def _numeral(rules: TokenRules, sub: str, keep_case: bool) -> tuple[str, ...] | None:
    """A Roman numeral (with a subtype letter) as Arabic; with ``keep_case`` only when the
    numeral is written in capitals ("Ia", "IIB"; not "via")."""
    match = _ROMAN.fullmatch(sub.lower())
    if match is None or not (match[1] or match[2]):
        return None
    if keep_case and not sub[: match.end(2)].isupper():
        return None
    value = 10 * len(match[1]) + _ROMAN_VALUES.get(match[2], 0)
    letter = match[3]
    if not 0 < value <= rules.max_numeral or (letter and letter not in rules.subtype_letters):
        return None
    return (str(value), letter) if letter else (str(value),)


@lru_cache(maxsize=200_000)
def _canonical(rules: TokenRules, sub: str, keep_case: bool) -> tuple[tuple[str, ...], str]:
    if sub == "'s":
        return (), rules.ids["possessive"]
    first = sub[0]
    if "\u0370" <= first <= "\u03ff":
        return tuple(rules.greek.get(c.lower(), c) for c in sub), rules.ids["greek"]
    if first.isdigit():
        return ((sub[:-1],), rules.ids["plural"]) if sub.endswith("s") else ((sub,), "")
    if unicodedata.category(first) == "Pc":
        return (sub,), ""  # an identifier's connector: no name has one
    word = sub if keep_case else sub.lower()
    numeral = _numeral(rules, word, keep_case)
    if numeral is not None:
        return numeral, rules.ids["numeral"]
    singular = _plural(rules, word, keep_case)
    if singular is not None:
        return (singular,), rules.ids["plural"]
    return (word,), ""


@lru_cache(maxsize=8)
def token_rules(rules_dir: str | Path | None = None) -> TokenRules:
    """The packaged token rules (or those in ``rules_dir``), compiled once."""
    rules = {r["kind"]: r for r in read_rule_file("tokens.json", rules_dir)["rules"]}
    plural, numeral = rules["plural"], rules["numeral"]
    order, derivation = rules["order"], rules["derivation"]
    return TokenRules(
        joiners=frozenset(rules["joiner"]["joiners"]),
        min_plural=int(plural["min_length"]),
        keep_endings=tuple(plural["keep_endings"]),
        greek=dict(rules["greek"]["letters"]),
        max_numeral=int(numeral["max"]),
        subtype_letters=str(numeral["subtype_letters"]),
        ids={kind: rule["id"] for kind, rule in rules.items()},
        order_tokens=(int(order["min_tokens"]), int(order["max_tokens"])),
        max_stop_words=int(order["max_stop_words"]),
        stop_words=frozenset(order["stop_words"]),
        min_stem=int(derivation["min_stem"]),
        stem_endings=tuple(sorted(derivation["suffixes"], key=len, reverse=True)),
    )
