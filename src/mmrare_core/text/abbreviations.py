"""Abbreviation definitions in a report, and every later use of a short form.

When a report writes "dyskeratosis congenita (DKC)", the masker must hide every later "DKC"
too. :func:`find_abbreviations` finds such definitions with the algorithm of

    Schwartz AS, Hearst MA. A simple algorithm for identifying abbreviation definitions in
    biomedical text. Pacific Symposium on Biocomputing 8:451-462 (2003).
    https://psb.stanford.edu/psb-online/proceedings/psb03/schwartz.pdf

in both directions, forward ``long form (SF)`` and reversed ``SF (long form)``, and
:func:`short_form_uses` finds the uses. Both are pure functions on ``str`` that report source
offsets. :func:`find_abbreviations_scispacy` runs scispaCy's detector (an optional extra) and
returns the same type, for comparison.

The paper's heuristics, as implemented here:

1. Candidates are parenthesised expressions within one sentence. Inside ``( )`` the text up
   to the first ``;`` (or ``,`` / ``:`` followed by white space, or a nested ``(``) is the
   short-form candidate, so ``(DKC; OMIM 127550)`` gives ``DKC``.
2. A short form has at most two words and 2-10 characters, at least one of them a letter,
   and starts with a letter or digit.
3. The long form is searched in the min(|A| + 5, |A| * 2) words before the parenthesis,
   where |A| counts the short form's letters and digits (as the authors' reference code does).
4. The short form's letters and digits are matched right to left, case-insensitively, in
   order, against the long-form candidate; the first one must start a word. The long form
   is the shortest match: it starts at the white-space delimited word holding that first
   character.
5. The long form is rejected when it is shorter than the short form, contains it, or has
   more words (split at white space and hyphens) than min(|A| + 5, |A| * 2).
6. When the parenthesis holds no valid short form, or no long form matches, the reversed
   pattern ``SF (long form)`` is tried: the word just before ``(`` is the short form, and
   the parenthesised text (cut as in 1., else up to a ``;``) is the long form, provided the
   short form matches inside it as in 4. and it passes 5.

Extensions, each against false positives seen in PMC case reports or for forms that the
paper's MEDLINE abstracts lacked:

* a short form holds a capital letter, is not a capitalised plain word ("Scale"), holds only
  letters, digits, marks, hyphens, ``. / + & '`` and one space (not ``= < > % :``), and is
  not a pointer such as ``(Fig. 2)`` or ``(see Table 1)``;
* a long form starts with a letter or digit after quotes and square brackets are trimmed,
  has balanced parentheses and a word of three letters or more, holds no link or e-mail
  address, and ``( ) [ ] /`` also delimit its first word ("(HIV)/acquired ...");
* reversed only: no Roman numeral ("lead II (inferior leads)"), no unit after a number
  ("225 mg/L (normal ...)"), no aside ("(e.g. ...)", "(such as ...)");
* a Greek letter in a short form also matches its spelled name (``α-MAN`` <-
  "alpha-mannosidosis");
* forward only: when the short form's letters are the initials of the last words before
  ``(`` (skipping "of", "and", ...; not starting at "the", "to", ...), the long form spans
  them all: "thrombotic thrombocytopenic purpura (TTP)", where 4. alone gives
  "thrombocytopenic purpura".

Sentences end at blank lines and at ``. ! ?`` followed by a capital letter, except after an
initial or a few abbreviations ("E. coli", "subsp.", "Fig."). Each parenthesis looks at a
bounded number of characters, so the cost is linear in the length of the text.

>>> for a in find_abbreviations(
...     "Dyskeratosis congenita (DKC) is rare. X-ALD (X-linked adrenoleukodystrophy) is not."):
...     print(a.short, a.short_span, a.direction, repr(a.long), a.long_span)
DKC (24, 27) forward 'Dyskeratosis congenita' (0, 22)
X-ALD (38, 43) reversed 'X-linked adrenoleukodystrophy' (45, 74)
>>> short_form_uses("DKC, DKCs and DKC1; X-DKC", "DKC")
[(0, 3), (5, 9), (22, 25)]
"""

from __future__ import annotations

import re
import warnings
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from mmrare_core.errors import MissingExtraError
from mmrare_core.text.words import is_word_char

__all__ = [
    "Abbreviation",
    "MissingExtraError",
    "find_abbreviations",
    "find_abbreviations_scispacy",
    "short_form_uses",
    "short_forms_uses",
]

Direction = Literal["forward", "reversed"]

#: Sentence boundaries: blank lines, and ``. ! ?`` (maybe followed by citation numbers or a
#: closing quote or bracket) followed by white space and a capital letter. A single line break
#: is white space (wrapped text). The second kind of match starts at the ``. ! ?``, which is
#: no part of the break (:func:`_sentences` steps over it): a literal first character lets
#: ``re`` skip ahead to the candidates, where a look-behind was tried at every character (the
#: same breaks, 1.8x faster; every break ends in white space, so no ``. ! ?`` is ever inside
#: one).
_SENTENCE_BREAK = re.compile(r"\n[^\S\n]*\n\s*|[.!?][\d,\u2013\-\[\]\"')]*\s+(?=[A-Z])")
#: Words whose period ends no sentence ("E. coli", "Klebsiella pneumoniae subsp. Pneumoniae").
_NO_BREAK_AFTER = frozenset(
    ("al", "approx", "ca", "cf", "dr", "e.g", "eg", "fig", "figs", "i.e", "ie", "inc", "mr",
     "mrs", "ms", "no", "nos", "prof", "ref", "refs", "sp", "spp", "ssp", "st", "subsp", "var",
     "vol", "vs")
)  # fmt: skip
#: The short-form candidate ends at a ``;``, at ``,`` or ``:`` + white space, or at a ``(``.
_SF_CUT = re.compile(r";|[,:]\s|\s*\(")
_SEMICOLON = re.compile(r";")
_TOKEN = re.compile(r"\S+")
_LINK = re.compile(r"://|www\.|@", re.IGNORECASE)
_NUMBER = re.compile(r"[\d.,\u2013-]*\d[\d.,\u2013-]*")
#: A word of three letters or more: every long form has one (extension; not "mg/mL").
_LONG_WORD = re.compile(r"[^\W\d_]{3}")
#: Quotes and brackets trimmed from the ends of a long form (not parentheses: see _balanced).
_QUOTES = "\"'\u2018\u2019\u201c\u201d\u00ab\u00bb[]{}"
_LF_STOPS = "()[]/"
#: Words of a long form whose initials the short form may skip ("Theory of mind (ToM)").
_SKIPPED_WORDS = frozenset(("a", "an", "and", "by", "for", "in", "of", "on", "or", "the"))
#: ... and words that never start a long form found by its initials ("The transthoracic
#: echocardiogram (TTE)", "to treatment failure (TTF)").
_FUNCTION_WORDS = _SKIPPED_WORDS | {
    "as", "at", "from", "her", "his", "is", "its", "than", "that", "their", "this", "to",
    "was", "were", "with",
}  # fmt: skip
_INITIAL_WORD = re.compile(r"[^\W_]+")
_WORD_SPLIT = re.compile(r"[\s\-\u2010\u2011\u2012\u2013]+")
#: Characters a short form may hold besides letters, digits and marks (extension).
_SF_PUNCT = frozenset("-\u2010\u2011\u2012\u2013./+&'\u2019 ")
#: First words of parenthesised references, never short forms (extension; case-folded).
_REFERENCE_WORDS = frozenset(
    ("fig", "figs", "figure", "figures", "table", "tables", "tab", "suppl", "supplementary",
     "appendix", "video", "movie", "panel", "eq", "eqs", "ref", "refs", "see")
)  # fmt: skip
#: First words of a parenthesis that is an aside, never a reversed long form (extension).
_ASIDE_WORDS = _REFERENCE_WORDS | {"e.g", "i.e", "eg", "ie", "cf", "vs", "including", "such"}
#: Roman numerals before a parenthesis ("lead II (inferior leads)") are not reversed short forms.
_ROMAN = re.compile(r"[IVX]+")
#: Bounds on the work per parenthesis, which keep the cost linear: characters looked back per
#: window word, the longest long form, the longest word taken as a reversed short form.
_CHARS_PER_WORD = 40
_MAX_LONG = 15 * _CHARS_PER_WORD
_MAX_WORD = 32
_GREEK_NAMES = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu",
    "ν": "nu", "ξ": "xi", "ο": "omicron", "π": "pi", "ρ": "rho", "σ": "sigma", "τ": "tau",
    "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Abbreviation:
    """One definition: ``text[short_span] == short`` and ``text[long_span] == long``.

    ``direction`` is ``"forward"`` for ``long form (SF)`` and ``"reversed"`` for
    ``SF (long form)``.
    """

    short: str
    long: str
    short_span: tuple[int, int]
    long_span: tuple[int, int]
    direction: Direction


# --------------------------------------------------------------------------------------------
# Short forms and their uses


def _plural_ok(short: str) -> bool:
    return short[-1].isupper() or short[-1].isdigit()


def short_form_uses(text: str, short: str) -> list[tuple[int, int]]:
    """Every use of ``short`` in ``text`` as a whole token, case-sensitive, in text order.

    Word characters are those of :mod:`mmrare_core.text.words` (the underscore joins
    identifiers, so ``NM`` is not used in ``NM_001``); anything else (a hyphen, an apostrophe,
    punctuation) is a boundary, so ``ALD`` is found in ``X-ALD`` and ``ALD's`` but not in
    ``ALDH``. A plural ``s`` is part of the use when the short form ends in a capital or a
    digit (``DKCs``, ``NPC1s``): the span then covers the ``s`` as well, so that a mask hides
    the whole token. The definition's own short form is among the uses.

    >>> short_form_uses("X-ALD or ALD; ALDH is not; two ALDs", "ALD")
    [(2, 5), (9, 12), (31, 35)]
    """
    if not short:
        raise ValueError("short_form_uses() needs a non-empty short form")
    uses: list[tuple[int, int]] = []
    start = text.find(short)
    while start != -1:
        use = _use_at(text, short, start)
        if use is not None:
            uses.append(use)
        start = text.find(short, start + 1)
    return uses


def short_forms_uses(text: str, shorts: Iterable[str]) -> dict[str, list[tuple[int, int]]]:
    """:func:`short_form_uses` of several short forms in one scan of ``text`` (linear in the
    text whatever their number).

    >>> short_forms_uses("X-ALD or ALD; X-ALDs", ["ALD", "X-ALD"])
    {'ALD': [(2, 5), (9, 12), (16, 20)], 'X-ALD': [(0, 5), (14, 20)]}
    """
    wanted = sorted({s for s in shorts if s}, key=lambda s: (-len(s), s))
    uses: dict[str, list[tuple[int, int]]] = {s: [] for s in sorted(wanted)}
    if not wanted:
        return uses
    by_first: dict[str, list[str]] = {}
    for short in wanted:
        by_first.setdefault(short[0], []).append(short)
    starts = re.compile("(?=[" + "".join(re.escape(c) for c in sorted(by_first)) + "])")
    for found in starts.finditer(text):
        start = found.start()
        for short in by_first[text[start]]:
            if text.startswith(short, start):
                use = _use_at(text, short, start)
                if use is not None:
                    uses[short].append(use)
    return uses


def _use_at(text: str, short: str, start: int) -> tuple[int, int] | None:
    """The use of ``short`` that starts at ``start``, if it is a whole token there."""
    end = start + len(short)
    if is_word_char(short[0]) and start and is_word_char(text[start - 1]):
        return None
    if _plural_ok(short) and text.startswith("s", end) and not _word_at(text, end + 1):
        return start, end + 1
    if is_word_char(short[-1]) and _word_at(text, end):
        return None
    return start, end


def _word_at(text: str, i: int) -> bool:
    return i < len(text) and is_word_char(text[i])


def _valid_short(candidate: str) -> bool:
    """The paper's short-form test, plus the character and reference filters (extensions)."""
    if not 2 <= len(candidate) <= 10 or not candidate[0].isalnum():
        return False
    if candidate.count(" ") > 1 or not any(c.isalpha() for c in candidate):
        return False
    if any(not (is_word_char(c) or c in _SF_PUNCT) for c in candidate):
        return False
    if not any(c.isupper() for c in candidate) or _is_plain_word(candidate):
        return False
    return _first_word(candidate).casefold() not in _REFERENCE_WORDS


def _first_word(text: str) -> str:
    return text.split(None, 1)[0].rstrip(".,:")


def _is_plain_word(candidate: str) -> bool:
    """A capitalised ordinary word of four letters or more ("Scale", "Stent")."""
    return len(candidate) >= 4 and candidate.isalpha() and candidate[1:].islower()


def _is_acronym(word: str) -> bool:
    """A word of a two-word short form that must not recur in the long form ("SFTS virus")."""
    return len(word) >= 3 and any(c.isupper() for c in word)


def _size(short: str) -> int:
    """|A|: the letters and digits of the short form."""
    return sum(c.isalnum() for c in short)


# --------------------------------------------------------------------------------------------
# The right-to-left match


def _char_at(window: str, i: int, char: str, limit: int) -> bool:
    """Does short-form ``char`` match ``window`` at ``i`` (ending before ``limit``)?"""
    if window[i].lower()[:1] == char:
        return True
    name = _GREEK_NAMES.get(char)
    return name is not None and i + len(name) <= limit and window[i : i + len(name)].lower() == name


def _match_start(short: str, window: str) -> int | None:
    """Offset in ``window`` where the long form of ``short`` starts, or None.

    The short form's letters and digits are matched right to left; the first one must start
    a word (no letter or digit before it). The long form then starts at the white-space
    delimited word that holds it (a bracket or slash also delimits: "(HIV)/acquired ...").

    >>> _match_start("DKC", "with dyskeratosis congenita")
    5
    >>> _match_start("DKC", "with keratosis congenita") is None
    True
    """
    chars = [c.lower()[:1] for c in short if c.isalnum()]
    i = len(window) - 1
    limit = len(window)
    for k in range(len(chars) - 1, -1, -1):
        char = chars[k]
        while i >= 0 and (
            not _char_at(window, i, char, limit) or (k == 0 and i > 0 and window[i - 1].isalnum())
        ):
            i -= 1
        if i < 0:
            return None
        limit = i
        i -= 1
    start = limit
    while start > 0 and not (window[start - 1].isspace() or window[start - 1] in _LF_STOPS):
        start -= 1
    return start


def _initials_start(short: str, window: str) -> int:
    """Where the long form starts if the short form's letters are the initials of the last
    words of ``window`` (skipping "of", "and", ...) and the first of them is no function word
    ("the", "to"); ``len(window)`` otherwise.

    The shortest match of heuristic 4 takes "thrombocytopenic purpura" for TTP out of
    "thrombotic thrombocytopenic purpura"; the initials show that the long form is longer.

    >>> _initials_start("TTP", "acquired thrombotic thrombocytopenic purpura")
    9
    >>> _initials_start("ToM", "Theory of mind")
    0
    """
    chars = [c.lower() for c in short if c.isalnum()]
    if not all(c.isalpha() for c in chars):
        return len(window)
    after_brackets = max(window.rfind(")"), window.rfind("]")) + 1
    words = list(_INITIAL_WORD.finditer(window, after_brackets))
    start = len(window)
    while chars and words:
        word = words.pop()
        if word.group().lower()[:1] == chars[-1]:
            chars.pop()
            start = word.start()
        elif word.group().lower() not in _SKIPPED_WORDS:
            return len(window)
    if chars or window[start:].split(None, 1)[0].lower() in _FUNCTION_WORDS:
        return len(window)
    while start > 0 and not (window[start - 1].isspace() or window[start - 1] in _LF_STOPS):
        start -= 1
    return start


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _acceptable(short: str, long: str) -> bool:
    """The paper's checks on a found long form (heuristic 5), and the extensions."""
    size = _size(short)
    words = len([w for w in _WORD_SPLIT.split(long) if w])
    return (
        len(long) >= len(short)
        and long[0].isalnum()
        and words <= min(size + 5, size * 2)
        and size <= 10
        and short not in long
        and not any(_is_acronym(word) and word in long for word in short.split())
        and _balanced(long)
        and _LONG_WORD.search(long) is not None
        and _LINK.search(long) is None
    )


# --------------------------------------------------------------------------------------------
# Sentences and parentheses


def _breaks(text: str, pos: int = 0, endpos: int | None = None) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of the sentence breaks whose match starts in ``text[pos:endpos]``.

    ``pos`` must be where a scan from 0 resumes (0, the end of a break, or a resume point:
    see :func:`_resume_point`); so must ``endpos``, or be None. A break after ``. ! ?``
    starts after the punctuation; one after an abbreviation or an initial is no break.
    """
    for match in _SENTENCE_BREAK.finditer(text, pos, len(text) if endpos is None else endpos):
        at = match.start()
        if text[at] != "\n":  # ". ! ?" + white space: the break starts after the punctuation
            at += 1
            if text[at] != "\n" and _abbreviated(text, at - 1):
                continue
        yield at, match.end()


def _sentences(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each sentence: split at blank lines and ``. ! ?`` + capital."""
    start = 0
    for at, end in _breaks(text):
        if at > start:
            yield start, at
        start = end
    if start < len(text):
        yield start, len(text)


#: A scan for the sentence of an offset starts this far before it, and one that would skip
#: less than ``_JUMP`` characters goes on instead.
_LOOK_BACK = 256
_JUMP = 1024


def _resume_point(text: str, i: int, floor: int) -> int:
    """The last offset in ``[floor, i]`` after a letter (or ``floor``).

    A letter is never part of a sentence break, so no break spans such an offset: a scan of
    the breaks from there finds those of a scan from 0 that start there or later, and one
    that ends there finds all those that start before it.
    """
    while i > floor and not text[i - 1].isalpha():
        i -= 1
    return max(i, floor)


def _sentences_holding(text: str, offsets: Sequence[int]) -> Iterator[tuple[int, int]]:
    """The sentences of :func:`_sentences` that hold one of the sorted ``offsets``, in order,
    each once, found by scanning for breaks only around them (linear in the text).

    For an offset far beyond the scan so far, the scan resumes a little before it and looks
    back for the break that starts its sentence in growing windows (never before the part
    already scanned); then it goes on to the break that ends the sentence.
    """
    n = len(text)
    done, start = 0, 0  # the scan resumes at ``done``; the sentence there starts at ``start``
    breaks = _breaks(text, done)
    for i in offsets:
        if i < done or i >= n:
            continue  # in a sentence already given, in a break after it, or out of the text
        if i - done > _JUMP:
            resume = _resume_point(text, i - _LOOK_BACK, done)
            if resume > done:
                start = _last_break_end(text, resume, done, start)
                done, breaks = resume, _breaks(text, resume)
        hi = end = n
        for at, stop in breaks:
            if stop <= i:
                start = stop  # a break before the offset: its sentence starts after it
                continue
            hi, end = at, stop  # the next break: the sentence ends, or the offset is in it
            break
        if start <= i < hi:
            yield start, hi
        done = start = end


def _last_break_end(text: str, right: int, floor: int, start: int) -> int:
    """Where the last break starting in ``[floor, right)`` ends, ``start`` when there is none
    (``floor`` and ``right`` are resume points), looking back in growing windows."""
    width = max(_LOOK_BACK, 1)
    while right > floor:
        left = _resume_point(text, right - width, floor)
        last = None
        for _, end in _breaks(text, left, right):
            last = end
        if last is not None:
            return last
        right, width = left, 2 * width
    return start


def _abbreviated(text: str, period: int) -> bool:
    """Is ``text[period]`` the period of an abbreviation or an initial ("Fig.", "E.")?"""
    if text[period] != ".":
        return False
    word = text[max(0, period - 8) : period].rsplit(None, 1)[-1:]
    token = word[0].lstrip("([\"'").casefold() if word else ""
    return (len(token) == 1 and token.isalpha()) or token in _NO_BREAK_AFTER


def _paren_pairs(text: str, lo: int, hi: int) -> list[tuple[int, int, int]]:
    """Balanced ``( )`` pairs in ``text[lo:hi]`` as ``(open, close, floor)`` in order of
    ``open``; ``floor`` is where the enclosing parenthesis (or the sentence) starts."""
    pairs: list[tuple[int, int, int]] = []
    stack: list[int] = []
    i = text.find("(", lo, hi)
    j = text.find(")", lo, hi)
    while i != -1 or j != -1:
        if j == -1 or (i != -1 and i < j):
            stack.append(i)
            i = text.find("(", i + 1, hi)
        else:
            if stack:
                opened = stack.pop()
                pairs.append((opened, j, stack[-1] + 1 if stack else lo))
            j = text.find(")", j + 1, hi)
    pairs.sort()
    return pairs


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop quotes and square brackets around a long form (``"[body mass index"``)."""
    while start < end and text[start] in _QUOTES:
        start += 1
    while end > start and text[end - 1] in _QUOTES:
        end -= 1
    return start, end


def _first_part(
    text: str, start: int, end: int, cut_at: re.Pattern[str] | None = None
) -> tuple[int, int] | None:
    """The parenthesised text up to the first ``;``, ``, `` or ``: `` (heuristic 1), stripped;
    None when it is longer than any long form may be."""
    stop = min(end, start + _MAX_LONG)
    cut = (cut_at or _SF_CUT).search(text, start, stop)
    if cut is not None:
        end = cut.start()
    elif end > stop:
        return None
    return _strip_span(text, start, end)


def _forward(text: str, open_: int, close: int, floor: int) -> Abbreviation | None:
    part = _first_part(text, open_ + 1, close)
    if part is None:
        return None
    s_start, s_end = part
    short = text[s_start:s_end]
    if not _valid_short(short):
        return None
    size = _size(short)
    max_words = min(size + 5, size * 2)
    w_start = max(floor, open_ - max_words * _CHARS_PER_WORD)
    tokens = list(_TOKEN.finditer(text, w_start, open_))
    if w_start > floor and tokens and tokens[0].start() == w_start:
        tokens = tokens[1:]  # cut by the character bound: not a whole word
    if not tokens:
        return None
    w_start = tokens[-max_words:][0].start()
    w_end = tokens[-1].end()
    window = text[w_start:w_end]
    offset = _match_start(short, window)
    if offset is None:
        return None
    offset = min(offset, _initials_start(short, window))
    l_start, l_end = _trim(text, w_start + offset, w_end)
    long = text[l_start:l_end]
    if not _acceptable(short, long):
        return None
    return Abbreviation(short, long, (s_start, s_end), (l_start, l_end), "forward")


def _reversed(text: str, open_: int, close: int, floor: int) -> Abbreviation | None:
    s_start, s_end = _word_before(text, open_, floor)
    short = text[s_start:s_end]
    if not (short and _valid_short(short)) or _ROMAN.fullmatch(short):
        return None
    if _is_unit(text, s_start, floor, short):
        return None
    for cut in (_SF_CUT, _SEMICOLON):
        part = _first_part(text, open_ + 1, close, cut)
        if part is None:
            continue
        l_start, l_end = _trim(text, *part)
        long = text[l_start:l_end]
        if not long or _first_word(long).casefold() in _ASIDE_WORDS:
            return None
        if _match_start(short, long) is not None and _acceptable(short, long):
            return Abbreviation(short, long, (s_start, s_end), (l_start, l_end), "reversed")
    return None


def _word_before(text: str, i: int, floor: int) -> tuple[int, int]:
    """The white-space delimited word that ends before ``i`` (opening quotes dropped); an
    empty span when it is longer than ``_MAX_WORD``."""
    lo = max(floor, i - _MAX_WORD)
    end = i
    while end > lo and text[end - 1].isspace():
        end -= 1
    start = end
    while start > lo and not text[start - 1].isspace():
        start -= 1
    if start == lo > floor and not text[lo - 1].isspace():
        return end, end
    while start < end and text[start] in _QUOTES + "(":
        start += 1
    return start, end


def _is_unit(text: str, start: int, floor: int, short: str) -> bool:
    """``225 mg/L (normal: ...)``, ``12.30 AM (...)``: a unit after a number (extension)."""
    before = text[slice(*_word_before(text, start, floor))]
    if not _NUMBER.fullmatch(before):
        return False
    return len(short) <= 2 or "/" in short or any(c.islower() for c in short)


def find_abbreviations(text: str) -> list[Abbreviation]:
    """Abbreviation definitions in ``text``, forward and reversed, in text order.

    Every definition is reported, also when a short form is defined twice. See the module
    docstring for the heuristics (Schwartz & Hearst 2003, and the extensions).

    >>> find_abbreviations("Niemann-Pick disease type C1 (NPC1; OMIM 257220) was found.")[0].long
    'Niemann-Pick disease type C1'
    >>> find_abbreviations("Twelve patients (n = 12) were seen in 2019 (Fig. 2).")
    []
    """
    if not isinstance(text, str):
        raise TypeError(f"find_abbreviations() takes str, not {type(text).__name__}")
    return _definitions(text)


def _definitions(text: str, starts: Sequence[int] | None = None) -> list[Abbreviation]:
    """:func:`find_abbreviations`; given ``starts`` (sorted offsets), only the definitions
    whose parenthesis holds one of them between its floor and its close.

    A definition's long form lies between the floor of its parenthesis (where the enclosing
    parenthesis or the sentence starts) and its closing ``)``, so every span inside a long
    form starts there: with the starts of the names it looks for, a caller skips the
    sentences and parentheses that hold no name (most of a report) and gets the same
    definitions of the rest (:func:`mmrare_core.masking.short_forms.tied_short_forms`).

    >>> text = "Dyskeratosis congenita (DKC) is rare. Kawasaki disease (KD) was excluded."
    >>> [a.short for a in _definitions(text)], [a.short for a in _definitions(text, [38])]
    (['DKC', 'KD'], ['KD'])
    """
    found: list[Abbreviation] = []
    sentences = _sentences(text) if starts is None else _sentences_holding(text, starts)
    for lo, hi in sentences:
        for open_, close, floor in _paren_pairs(text, lo, hi):
            if starts is not None and not _holds(starts, floor, close):
                continue
            pair = _forward(text, open_, close, floor) or _reversed(text, open_, close, floor)
            if pair is not None:
                found.append(pair)
    return found


def _holds(starts: Sequence[int], lo: int, hi: int) -> bool:
    """Does sorted ``starts`` hold an offset in ``[lo, hi]``?"""
    i = bisect_left(starts, lo)
    return i < len(starts) and starts[i] <= hi


# --------------------------------------------------------------------------------------------
# The scispaCy baseline (optional extra)


@cache
def _scispacy_pipeline() -> Any:
    try:
        import spacy
        from scispacy.abbreviation import AbbreviationDetector  # noqa: F401 (registers it)
    except ImportError as exc:
        raise MissingExtraError(
            "find_abbreviations_scispacy() needs scispaCy, which is not installed: "
            "pip install 'mmrare_core[scispacy]' (it pins numpy below 2; use a separate venv)"
        ) from exc
    nlp = spacy.blank("en")
    nlp.add_pipe("abbreviation_detector")
    return nlp


def find_abbreviations_scispacy(text: str) -> list[Abbreviation]:
    """scispaCy's ``AbbreviationDetector`` on ``spacy.blank("en")``, as :class:`Abbreviation`.

    Only the defining occurrences are returned (scispaCy also lists every later use).
    scispaCy is imported on the first call; without it this raises :class:`MissingExtraError`.
    """
    nlp = _scispacy_pipeline()
    with warnings.catch_warnings():  # W036: "the component 'matcher' has no patterns"
        warnings.filterwarnings("ignore", message=r"\[W036\]")
        doc = nlp(text)
    found: set[Abbreviation] = set()
    for short in doc._.abbreviations:
        long = short._.long_form
        if short.start == long.end + 1:
            direction: Direction = "forward"
        elif long.start == short.end + 1:
            direction = "reversed"
        else:
            continue  # a later use, not the definition
        found.add(
            Abbreviation(
                short.text,
                long.text,
                (short.start_char, short.end_char),
                (long.start_char, long.end_char),
                direction,
            )
        )
    return sorted(found, key=lambda a: min(a.short_span[0], a.long_span[0]))
