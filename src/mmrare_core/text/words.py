"""Words and their boundaries: the one definition every matcher uses.

Letters, digits, marks and connectors (Unicode L*, N*, M*, Pc) are word characters; the
underscore joins identifiers, so ``NM`` in ``NM_001008537`` is not a word.
"""

from __future__ import annotations

import unicodedata
from functools import cache

__all__ = ["at_word_boundary", "is_word_char"]

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
