"""The one text normalization that the alias table, the masker and the checks share.

It folds only what never changes meaning (see DESIGN.md, Decisions):

* Unicode NFKC (full-width letters, ligatures, compatibility spaces) and case folding
  (``ß`` -> ``ss``; ``İ`` -> ``i``);
* every dash to ``-`` and every single or double quote to ``'`` or ``"``;
* soft hyphens and zero-width characters removed;
* every run of white space as one space.

Canonically equivalent inputs (``é`` and ``e\u0301``, ``İ`` and ``I\u0307``) give the same text,
and normalizing twice changes nothing. Any ``str`` is accepted: lone surrogates pass through.

Lexical variants (hyphen or space, folded diacritics, possessives, ...) are *alias rules*,
not normalization, so that every match names the rule behind it.

:func:`normalize` returns a :class:`Normalized` that maps any span of the normalized text
back to the original characters, so a mask lands exactly on what the author wrote.

How it is fast
--------------
Case reports are nearly all printable ASCII. One regular expression splits a text into
*chunks* of printable ASCII and single spaces, which only need ``str.lower``, and *runs*: a
character that is neither printable ASCII nor a space, with all the white space and non-ASCII
characters that follow it (``"\\n\\n"``, ``"\\xa0×\\xa0"``, ``"– "``). The expression starts
with a character class, so the scan skips from one candidate to the next in C. A run's
normalized form and its offset map depend on the run alone: they are computed once, one
cluster (a base character with its combining marks) at a time, and cached. A text then costs
one scan, one ``str.lower`` per chunk, one dictionary look-up per run, one ``str.join`` and
one search for two spaces in a row. Three rare contexts take a slower path, which the output
or the cache reveals: a space before a run that starts with a space (the two collapse), a run
that starts with a combining mark (it joins the character before it) and two spaces in a chunk.

The offset map has one breakpoint per part (the running sums of the parts' lengths, before
and after normalization), made on the first offset query; inside a run, the run's cached map
applies. :func:`normalize_text` skips the map altogether.

>>> n = normalize("Niemann\u2013Pick  DISEASE")
>>> n.text
'niemann-pick disease'
>>> n.source_span(13, 20)
(14, 21)
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate

__all__ = ["Normalized", "normalize", "normalize_text", "unify_keeping_case"]

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d"
_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u2035\u0060\u00b4\u02bc\u02b9\uff07"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\uff02"
#: Characters removed outright: soft hyphen, zero-width space/joiners, word joiner, BOM.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e"

_TRANSLATE: dict[int, str | None] = {ord(c): "-" for c in _DASHES}
_TRANSLATE.update({ord(c): "'" for c in _SINGLE_QUOTES})
_TRANSLATE.update({ord(c): '"' for c in _DOUBLE_QUOTES})
_TRANSLATE.update({ord(c): None for c in _INVISIBLE})
_TRANSLATE[ord("\u0130")] = "i"  # İ: Turkish dotted capital I folds to plain i

#: A run: a character that is neither printable ASCII nor a space, then every character that
#: is not printable ASCII. Between runs lie chunks: printable ASCII and spaces.
_RUNS = re.compile(r"([^\x20-\x7e][^\x21-\x7e]*)")
#: The same, plus a space followed by anything but printable ASCII (so two spaces, or a space
#: before a run). Exact where a chunk holds two spaces, but four times slower to scan.
_RUNS_AND_SPACES = re.compile(r"([^\x20-\x7e][^\x21-\x7e]*| [^\x21-\x7e]+)")
_SPACES = re.compile(" {2,}")
_ASCII_SPACE = re.compile(r"[ \t\n\r\f\v]+")


# --------------------------------------------------------------------------------------------
# One cluster at a time: the specification, applied to runs only.


def _is_mark(char: str) -> bool:
    return unicodedata.category(char)[0] == "M" or "\u1160" <= char <= "\u11ff"


@lru_cache(maxsize=4096)
def _is_continuation(char: str) -> bool:
    """Characters that belong to the preceding cluster: marks, invisibles, Hangul V/T jamo,
    and characters whose NFKC form starts with one (half-width kana voicing marks ``ﾞ ﾟ``,
    compatibility jamo ``ㅏ``), which NFKC composes with the character before them."""
    if char in _INVISIBLE or _is_mark(char):
        return True
    nfkc = unicodedata.normalize("NFKC", char)
    return bool(nfkc) and _is_mark(nfkc[0])


@lru_cache(maxsize=4096)
def _fold(cluster: str) -> str:
    # NFC first, so that canonically equal forms meet the table alike (``I\u0307`` is ``İ``,
    # GREEK OXIA is ``´``); the table before NFKC, which would make ``´`` a space and a mark.
    text = unicodedata.normalize("NFC", cluster).translate(_TRANSLATE)
    text = unicodedata.normalize("NFKC", text)
    text = unicodedata.normalize("NFKC", text.casefold()).translate(_TRANSLATE)
    text = "".join(" " if c.isspace() else c for c in text)
    return _SPACES.sub(" ", text)


@dataclass(frozen=True, slots=True)
class _Pieces:
    """The offset map inside one run: piece ``k`` starts at output offset ``out[k]`` and
    source offset ``src[k]``. A *linear* piece maps its characters one to one; any other maps
    all its characters to ``[src[k], src_end[k])`` (a cluster that folding or white-space
    collapsing turned into other characters)."""

    out: tuple[int, ...]
    src: tuple[int, ...]
    src_end: tuple[int, ...]
    linear: tuple[bool, ...]

    def start(self, i: int) -> int:
        k = bisect_right(self.out, i) - 1
        return self.src[k] + (i - self.out[k] if self.linear[k] else 0)

    def end(self, i: int) -> int:
        k = bisect_right(self.out, i) - 1
        if self.linear[k]:
            return self.src[k] + (i - self.out[k]) + 1
        return self.src_end[k]


class _Builder:
    """Accumulates output text and map pieces, merging adjacent linear pieces.

    Invariant: when the output ends with a space, the last piece is a non-linear piece, so
    further white space (or invisible characters) in the source can extend it.
    """

    __slots__ = ("chunks", "linear", "n_out", "out", "src", "src_end")

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.out: list[int] = []
        self.src: list[int] = []
        self.src_end: list[int] = []
        self.linear: list[bool] = []
        self.n_out = 0

    def add(self, text: str, src_start: int, src_end: int, linear: bool) -> None:
        if linear and self.linear and self.linear[-1] and self.src_end[-1] == src_start:
            self.src_end[-1] = src_end
        else:
            self.out.append(self.n_out)
            self.src.append(src_start)
            self.src_end.append(src_end)
            self.linear.append(linear)
        self.chunks.append(text)
        self.n_out += len(text)

    def ends_with_space(self) -> bool:
        return bool(self.chunks) and self.chunks[-1].endswith(" ")

    def add_space(self, src_start: int, src_end: int) -> None:
        if self.ends_with_space():
            self.src_end[-1] = src_end
        else:
            self.add(" ", src_start, src_end, linear=False)

    def pieces(self) -> _Pieces:
        return _Pieces(tuple(self.out), tuple(self.src), tuple(self.src_end), tuple(self.linear))


def _add_clusters(builder: _Builder, run: str) -> None:
    """Normalize ``run`` one cluster (base + marks + invisibles) at a time."""
    if _ASCII_SPACE.fullmatch(run):
        builder.add_space(0, len(run))
        return
    i, end = 0, len(run)
    while i < end:
        j = i + 1
        while j < end and _is_continuation(run[j]):
            j += 1
        folded = _fold(run[i:j])
        if folded == " ":
            builder.add_space(i, j)
        elif folded:
            if folded[0] == " " and builder.ends_with_space():
                folded = folded[1:]
            builder.add(folded, i, j, linear=(j - i == 1 and len(folded) == 1))
        i = j


def _fold_run(run: str) -> tuple[str, _Pieces | None]:
    """A run's normalized form and its offset map (``None`` when it is one to one)."""
    builder = _Builder()
    _add_clusters(builder, run)
    text = "".join(builder.chunks)
    pieces = builder.pieces()
    return text, None if _one_to_one(pieces, len(text), len(run)) else pieces


def _one_to_one(pieces: _Pieces, n_out: int, n_src: int) -> bool:
    """Every output character ``i`` maps to source ``[i, i + 1)``."""
    ends = (*pieces.out[1:], n_out)
    return n_out == n_src and all(
        src == out and (linear or end - out == src_end - src == 1)
        for out, end, src, src_end, linear in zip(
            pieces.out, ends, pieces.src, pieces.src_end, pieces.linear, strict=True
        )
    )


# --------------------------------------------------------------------------------------------
# The run cache


class _RunCache(dict[str, str]):
    """Run -> its normalized form, computed on first sight. Beside it: each run's offset map
    and the runs that start with a continuation character (they need the character before)."""

    __slots__ = ("continued", "maps", "size")

    def __init__(self) -> None:
        super().__init__()
        self.maps: dict[str, _Pieces | None] = {}
        self.continued: set[str] = set()
        self.size = 0

    def __missing__(self, run: str) -> str:
        text, pieces = _fold_run(run)
        self.maps[run] = pieces
        if _is_continuation(run[0]):
            self.continued.add(run)
        self.size += len(run)
        self[run] = text  # last: a run in the dict has its map and flag (threads)
        return text

    def map_of(self, run: str) -> _Pieces | None:
        """The offset map inside ``run`` (``None`` when one to one), computed if need be."""
        if run not in self:
            self.__missing__(run)
        return self.maps[run]


#: Distinct runs are few in real text (797 in the 2,139 case reports, 3,124 characters); the
#: bounds are for adversarial input. A full cache is replaced, not cleared, so that a call
#: under way keeps a consistent one.
_CACHE_ENTRIES = 20_000
_CACHE_CHARS = 1_000_000
_cache = _RunCache()


def _run_cache() -> _RunCache:
    global _cache
    if len(_cache) > _CACHE_ENTRIES or _cache.size > _CACHE_CHARS:
        _cache = _RunCache()
    return _cache


# --------------------------------------------------------------------------------------------
# Chunks and runs


def _fold_parts(parts: list[str], cache: _RunCache) -> list[str]:
    """``[chunk, run, chunk, ..., chunk]`` -> lowercased chunks and normalized runs."""
    folded = parts[:]
    folded[0::2] = map(str.lower, parts[0::2])
    folded[1::2] = map(cache.__getitem__, parts[1::2])
    return folded


def _attach(parts: list[str], cache: _RunCache) -> None:
    """Give a run the last character of the chunk before it where the two belong together:
    a space, when the run's normalized form starts with a space (one space results), and any
    character but the grave accent (a quote of its own), when the run starts with a character
    that joins the one before it (a mark, an invisible character)."""
    for k in range(1, len(parts), 2):
        chunk, run = parts[k - 1], parts[k]
        if not chunk or chunk[-1] == "`":
            continue
        if _is_continuation(run[0]) or (chunk[-1] == " " and cache[run][:1] == " "):
            parts[k - 1], parts[k] = chunk[:-1], chunk[-1] + run


def _segment(text: str) -> tuple[str, list[str], list[str]]:
    """The normalized text, its parts (lowercased chunks and normalized runs) and the source
    parts they come from (chunks and runs)."""
    cache = _run_cache()
    parts = _RUNS.split(text)
    folded = _fold_parts(parts, cache)
    out = "".join(folded)
    if "  " in out or not cache.continued.isdisjoint(parts[1::2]):
        out, folded, parts = _segment_carefully(text, parts, cache)
    if "`" in text:  # the grave accent is a quote; it stays in chunks, being printable ASCII
        out = out.replace("`", "'")
    return out, folded, parts


def _segment_carefully(
    text: str, parts: list[str], cache: _RunCache
) -> tuple[str, list[str], list[str]]:
    """The rare contexts: a run takes the character before it where the two belong together;
    two spaces in a chunk (still in the output then) need the slower expression."""
    _attach(parts, cache)
    folded = _fold_parts(parts, cache)
    out = "".join(folded)
    if "  " in out:
        parts = _RUNS_AND_SPACES.split(text)
        _attach(parts, cache)
        folded = _fold_parts(parts, cache)
        out = "".join(folded)
    return out, folded, parts


# --------------------------------------------------------------------------------------------
# The public face


def _run_map(run: str) -> _Pieces | None:
    return _run_cache().map_of(run)


@dataclass(frozen=True, slots=True)
class _Layout:
    """Breakpoints: part ``k`` (chunks at even ``k``, runs at odd ``k``) starts at output offset
    ``out[k]`` and source offset ``src[k]``. A chunk maps one to one; run ``j`` (part
    ``2j + 1``) by the map kept with the normalized form of its source text ``runs[j]``."""

    out: list[int]  # never changed once made, as the lists below
    src: list[int]
    runs: list[str]

    @classmethod
    def build(cls, folded: list[str], parts: list[str]) -> _Layout:
        """From the normalized parts and the source parts they come from."""
        return cls(
            list(accumulate(map(len, folded), initial=0)),
            list(accumulate(map(len, parts), initial=0)),
            parts[1::2],
        )

    def find(self, i: int) -> tuple[int, int, _Pieces | None]:
        """Source offset of the part holding output character ``i``, ``i``'s offset in the
        part, and the part's map (``None``: one to one)."""
        k = bisect_right(self.out, i) - 1
        return self.src[k], i - self.out[k], _run_map(self.runs[k >> 1]) if k & 1 else None


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalized string with a map back to its source.

    The map is kept as the parts of both strings (normalized, source) and turned into
    breakpoints on the first offset query, so a caller that never asks for an offset never
    pays for them. Equality and hashing look at ``text`` and ``source`` only (the map follows
    from them).
    """

    text: str
    source: str
    _offsets: tuple[list[str], list[str]] | _Layout = field(repr=False, compare=False)

    def _map(self) -> _Layout:
        offsets = self._offsets
        if isinstance(offsets, tuple):
            offsets = _Layout.build(*offsets)
            object.__setattr__(self, "_offsets", offsets)  # one assignment: safe across threads
        return offsets

    @property
    def is_identity_length(self) -> bool:
        """True when every output character maps to the source character at the same offset."""
        return len(self.text) == len(self.source) and not any(map(_run_map, self._map().runs))

    def source_start(self, i: int) -> int:
        """Source offset where output character ``i`` comes from (``len(source)`` at the end)."""
        if i < 0:
            raise IndexError(f"offset {i} outside normalized text of {len(self.text)}")
        if i >= len(self.text):
            return len(self.source)
        src, offset, pieces = self._map().find(i)
        return src + (offset if pieces is None else pieces.start(offset))

    def source_end(self, i: int) -> int:
        """Source offset just after the source of output character ``i``."""
        if not 0 <= i < len(self.text):
            raise IndexError(f"offset {i} outside normalized text of {len(self.text)}")
        src, offset, pieces = self._map().find(i)
        return src + (offset + 1 if pieces is None else pieces.end(offset))

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the output span ``[start, end)`` to the smallest source span that produced it."""
        if not 0 <= start <= end <= len(self.text):
            raise IndexError(f"span ({start}, {end}) outside normalized text of {len(self.text)}")
        if start == end:
            s = self.source_start(start)
            return s, s
        return self.source_start(start), self.source_end(end - 1)


def normalize(text: str) -> Normalized:
    """Normalize ``text`` and keep the map back to its offsets (see the module docstring)."""
    if not isinstance(text, str):
        raise TypeError(f"normalize() takes str, not {type(text).__name__}")
    out, folded, parts = _segment(text)
    return Normalized(out, text, (folded, parts))


def normalize_text(text: str) -> str:
    """The normalized string alone, for keys and comparisons.

    >>> normalize_text("Sjögren\u00a0SYNDROME") == normalize_text("sjögren syndrome")
    True
    """
    if not isinstance(text, str):
        raise TypeError(f"normalize_text() takes str, not {type(text).__name__}")
    return _segment(text)[0]


def unify_keeping_case(text: str) -> str:
    """The same folding as :func:`normalize_text` but case: NFKC, the same dash, quote and
    invisible-character tables, white space runs as one space (for case-sensitive keys).

    >>> unify_keeping_case("X\u2043ALD\u00a0 Type\u2019s")
    "X-ALD Type's"
    """
    if not isinstance(text, str):
        raise TypeError(f"unify_keeping_case() takes str, not {type(text).__name__}")
    text = unicodedata.normalize("NFC", text).translate(_TRANSLATE)
    return " ".join(unicodedata.normalize("NFKC", text).translate(_TRANSLATE).split())
