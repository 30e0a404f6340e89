"""Words and their boundaries: the one definition every matcher uses.

Letters, digits, marks and connectors (Unicode L*, N*, M*, Pc) are word characters; the
underscore joins identifiers, so ``NM`` in ``NM_001008537`` is not a word.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

__all__ = ["at_word_boundary", "is_word_char", "regex_class"]

_WORD_CATEGORIES = frozenset(
    {"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc"}
)


@cache
def is_word_char(char: str) -> bool:
    """Letters, digits, marks and connectors are word characters (L*, N*, M*, Pc).

    >>> [is_word_char(c) for c in "aé9\u0301_- "]
    [True, True, True, True, True, False, False]
    """
    return char.isalnum() or unicodedata.category(char) in _WORD_CATEGORIES


def at_word_boundary(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` neither starts nor ends inside a word."""
    if start > 0 and is_word_char(text[start - 1]) and is_word_char(text[start]):
        return False
    return not (end < len(text) and is_word_char(text[end - 1]) and is_word_char(text[end]))


#: Where Unicode keeps its marks and connectors (the BMP, the SMP, and plane 14).
_PLANES = ((0, 0x20000), (0xE0000, 0xE1000))


@cache
def regex_class(categories: str) -> str:
    """A regular-expression class body (no brackets) of the characters whose Unicode
    category starts with one of ``categories`` ("M" for marks, "Pc" for connectors), for
    patterns that must agree with :func:`is_word_char` where Python's ``\\w`` does not.

    >>> import re
    >>> bool(re.fullmatch(f"[{regex_class('M')}]", "\u0304")), "_" in regex_class("Pc")
    (True, True)
    """
    ranges: list[list[int]] = []
    for lo, hi in _PLANES:
        for code in range(lo, hi):
            if unicodedata.category(chr(code)).startswith(tuple(categories.split())):
                if ranges and ranges[-1][1] == code - 1:
                    ranges[-1][1] = code
                else:
                    ranges.append([code, code])
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
