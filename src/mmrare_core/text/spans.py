"""Spans: the one leftmost-longest choice that every matcher makes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

__all__ = ["leftmost_longest"]


class _Span(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


S = TypeVar("S", bound=_Span)


def leftmost_longest(spans: Iterable[S], tie: Callable[[S], int] = lambda s: 0) -> list[S]:
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
