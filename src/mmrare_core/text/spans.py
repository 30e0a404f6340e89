"""Spans: the one leftmost-longest choice that every matcher makes, and the one splice of
edits into a text that every layer uses."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

__all__ = ["Replacement", "apply_edits", "leftmost_longest"]


class _Span(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


class Replacement(_Span, Protocol):
    """An edit: the span ``[start, end)`` of a text becomes ``replacement``."""

    @property
    def replacement(self) -> str: ...


S = TypeVar("S", bound=_Span)


def leftmost_longest(spans: Iterable[S], tie: Callable[[S], Any] = lambda s: 0) -> list[S]:
    """Non-overlapping spans, leftmost first, the longest at each start (``tie`` breaks ties,
    lowest first), in text order.

    >>> from collections import namedtuple
    >>> S = namedtuple("S", "start end")
    >>> leftmost_longest([S(0, 3), S(0, 5), S(2, 8), S(5, 6)])
    [S(start=0, end=5), S(start=5, end=6)]
    """
    chosen: list[S] = []
    last_end = -1
    for span in sorted(spans, key=lambda s: (s.start, -s.end, tie(s))):
        if span.start >= last_end:
            chosen.append(span)
            last_end = span.end
    return chosen


def apply_edits(text: str, edits: Iterable[Replacement]) -> str:
    """``text`` with each edit's span replaced; edits in text order, not overlapping.

    >>> from collections import namedtuple
    >>> E = namedtuple("E", "start end replacement")
    >>> apply_edits("a cat and a dog", [E(2, 5, "[X]"), E(12, 15, "[Y]")])
    'a [X] and a [Y]'
    """
    pieces: list[str] = []
    pos = 0
    for edit in edits:
        if edit.start < pos or edit.end < edit.start:
            raise ValueError(f"apply_edits: edit [{edit.start}, {edit.end}) out of order")
        pieces += [text[pos : edit.start], edit.replacement]
        pos = edit.end
    pieces.append(text[pos:])
    return "".join(pieces)
