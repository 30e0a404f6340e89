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
Clean ASCII with single spaces costs one ``str.lower`` and a regular-expression scan.

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
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Normalized", "normalize", "normalize_text"]

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

#: Runs that need the careful path: anything but printable ASCII and lone spaces, and the
#: grave accent, a quote in the table (a third branch: a two-range class scans 15% slower).
_SPECIAL = re.compile(r"[^\x21-\x7e]{2,}|[^\x21-\x7e ]|`")
_SPACES = re.compile(" {2,}")
_ASCII_SPACE = re.compile(r"[ \t\n\r\f\v]+")


def _is_mark(char: str) -> bool:
    return unicodedata.category(char)[0] == "M" or "\u1160" <= char <= "\u11ff"


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalized string with a map back to its source.

    The map is piecewise: piece ``k`` starts at output offset ``_out[k]`` and source offset
    ``_src[k]``. A *linear* piece maps output characters one to one; any other piece maps all
    its output characters to the whole source span ``[_src[k], _src_end[k])`` (one source
    cluster that NFKC, case folding or white-space collapsing turned into other characters).
    """

    text: str
    source: str
    _out: tuple[int, ...]
    _src: tuple[int, ...]
    _src_end: tuple[int, ...]
    _linear: tuple[bool, ...]

    @property
    def is_identity_length(self) -> bool:
        """True when every output character maps to the source character at the same offset."""
        return (
            len(self._out) <= 1
            and len(self.text) == len(self.source)
            and (not self._linear or self._linear[0])
        )

    def _piece(self, i: int) -> int:
        return bisect_right(self._out, i) - 1

    def source_start(self, i: int) -> int:
        """Source offset where output character ``i`` comes from (``len(source)`` at the end)."""
        if i >= len(self.text):
            return len(self.source)
        k = self._piece(i)
        return self._src[k] + (i - self._out[k] if self._linear[k] else 0)

    def source_end(self, i: int) -> int:
        """Source offset just after the source of output character ``i``."""
        k = self._piece(i)
        if self._linear[k]:
            return self._src[k] + (i - self._out[k]) + 1
        return self._src_end[k]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the output span ``[start, end)`` to the smallest source span that produced it."""
        if not 0 <= start <= end <= len(self.text):
            raise IndexError(f"span ({start}, {end}) outside normalized text of {len(self.text)}")
        if start == end:
            s = self.source_start(start)
            return s, s
        return self.source_start(start), self.source_end(end - 1)


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


def _careful(builder: _Builder, source: str, start: int, end: int) -> None:
    """Normalize ``source[start:end]`` one cluster (base + marks + invisibles) at a time."""
    if _ASCII_SPACE.fullmatch(source, start, end):
        builder.add_space(start, end)
        return
    i = start
    while i < end:
        j = i + 1
        while j < end and _is_continuation(source[j]):
            j += 1
        folded = _fold(source[i:j])
        if folded == " ":
            builder.add_space(i, j)
        elif folded:
            if folded[0] == " " and builder.ends_with_space():
                folded = folded[1:]
            builder.add(folded, i, j, linear=(j - i == 1 and len(folded) == 1))
        i = j


def normalize(text: str) -> Normalized:
    """Normalize ``text`` and keep the map back to its offsets (see the module docstring)."""
    if not isinstance(text, str):
        raise TypeError(f"normalize() takes str, not {type(text).__name__}")
    builder = _Builder()
    pos = 0
    for match in _SPECIAL.finditer(text):
        start, end = match.span()
        if start > pos and _is_continuation(text[start]):
            start -= 1  # keep a base character with its combining marks
        if start > pos:
            builder.add(text[pos:start].lower(), pos, start, linear=True)
        _careful(builder, text, start, end)
        pos = end
    if pos < len(text):
        builder.add(text[pos:].lower(), pos, len(text), linear=True)
    if not builder.out:
        return Normalized("", text, (0,), (len(text),), (len(text),), (True,))
    return Normalized(
        "".join(builder.chunks),
        text,
        tuple(builder.out),
        tuple(builder.src),
        tuple(builder.src_end),
        tuple(builder.linear),
    )


def normalize_text(text: str) -> str:
    """The normalized string alone, for keys and comparisons.

    >>> normalize_text("Sjögren\u00a0SYNDROME") == normalize_text("sjögren syndrome")
    True
    """
    return normalize(text).text
