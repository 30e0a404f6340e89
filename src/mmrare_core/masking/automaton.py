"""The token automaton: one Aho-Corasick scan over a text's canonical tokens.

Every name is compiled to its canonical token sequence (:mod:`mmrare_core.text.tokens`), one
character per distinct token; a text is encoded the same way (a token no name uses becomes one
"unknown" character, a separator that is no joiner a break) and scanned once. So a hit stands
on token boundaries by construction, and every per-token equivalence holds at once: "GSD-Ia",
"GSD 1a" and "GSD1A" are one key, and so are "cat-eye syndromes" and "cat eye syndrome".

A hit is a candidate when it starts and ends on word boundaries (a word is sub-tokens glued
with nothing between them; a name glued to a citation number still ends: "disease3"), its code
is in scope, a case-sensitive name's capitals agree with the source, and a proper-name fragment
starts with a capital. Offsets are those of the normalized text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple

from mmrare_core.text.normalize import Normalized, normalize_text, unify_keeping_case
from mmrare_core.text.tokens import BREAK, token_parts, token_rules

__all__ = ["Candidate", "Entry", "TokenAutomaton"]

#: Every token is three characters of a 64-letter alphabet (a small alphabet keeps the
#: automaton's nodes small; a hit counts only where it starts on a token: at a multiple of 3).
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/"
_WIDTH = 3


def _code(index: int) -> str:
    return "".join(_ALPHABET[index >> shift & 63] for shift in (12, 6, 0))


_UNKNOWN, _BREAK = _code(0), _code(1)
_CITATION = re.compile(r"[0-9]{1,3}(?:[,-][0-9]{1,3})*(?=$|[\s)\].;:]|,\s)")
_EXACT_JOIN = "\x1f"
#: Up to this many codes in scope, names in another order are picked by substring tests.
_FEW_CODES = 64


class Entry(NamedTuple):
    """One name behind a key: its code, kind (alias 0, fragment 1), capitals, form, rule."""

    code: int
    kind: int
    exact: str  # the case-kept canonical key of a case-sensitive name, else ""
    form: str
    rule_id: str
    capitalized: bool = False  # a proper-name fragment: the source must start with a capital
    folded: str = ""  # the form as text/normalize folds it (set by the automaton)
    shared: int = 0  # a coarser name: how many disorders of the release share it
    finding: bool = False  # a coarser name that names a finding: reported, never masked


class Candidate(NamedTuple):
    start: int  # normalized offsets
    end: int
    entry: Entry


class TokenAutomaton:
    """Names compiled to canonical token keys; scans a normalized text once. Picklable."""

    def __init__(
        self, names: Iterable[tuple[str, Entry]], rules_dir: str | Path | None = None
    ) -> None:
        import ahocorasick

        self.rules_dir = rules_dir
        self.rules = token_rules(rules_dir)
        self._vocab: dict[str, str] = {}
        entries: dict[str, list[Entry]] = defaultdict(list)
        for form, entry in names:
            variants = [form, *self.rules.joined_variants(unify_keeping_case(form))]
            if entry.exact:  # an acronym's plural is a lower-case s, whatever it ends in
                variants += [f"{v}s" for v in variants if v[-1:].isupper()]
            for written in variants:
                key = self._key(written)
                exact = self.exact_key(written) if entry.exact else ""
                item = entry._replace(exact=exact, folded=normalize_text(written))
                if key and item not in entries[key]:
                    entries[key].append(item)
        self._automaton = ahocorasick.Automaton()
        for key, items in entries.items():
            ordered = tuple(sorted(items, key=lambda e: (e.kind, e.exact == "", e.code)))
            self._automaton.add_word(key, (len(key), frozenset(e.code for e in ordered), ordered))
        self._automaton.make_automaton()
        self._orders = self._order_names(names)
        self._order_index = _index_by_longest_stem(self._orders)
        self._stems: dict[str, tuple[tuple[str, str], ...]] = {}  # sub-token -> stems (cache)
        self._stem_sets: dict[str, frozenset[str]] = {}
        self._greek = frozenset(self.rules.greek.values())
        self._codes: dict[str, str] = {}  # sub-token -> its characters (a cache)
        self._separators: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._automaton)

    def __getstate__(self) -> dict[str, Any]:
        return {"rules_dir": self.rules_dir, "vocab": self._vocab, "automaton": self._automaton,
                "orders": self._orders}  # fmt: skip

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.rules_dir = state["rules_dir"]
        self.rules = token_rules(self.rules_dir)
        self._vocab, self._automaton = state["vocab"], state["automaton"]
        self._orders = state["orders"]
        self._order_index = _index_by_longest_stem(self._orders)
        self._stem_sets, self._greek = {}, frozenset(self.rules.greek.values())
        self._stems = {}
        self._codes, self._separators = {}, {}

    # -- keys

    def _order_names(
        self, names: Iterable[tuple[str, Entry]]
    ) -> dict[int, list[tuple[tuple[str, ...], tuple[str, ...], Entry]]]:
        """Per code, the names that may change order (``token_order``): their content
        tokens' stems (sorted), their content tokens in order, and the entry."""
        low, high = self.rules.order_tokens
        out: dict[int, list[tuple[tuple[str, ...], tuple[str, ...], Entry]]] = defaultdict(list)
        for form, entry in names:
            if entry.kind != 0 or entry.exact:
                continue
            key = self.rules.key(normalize_text(form))
            content = tuple(t for t in key if t not in self.rules.stop_words)
            if BREAK in key or not low <= len(content) <= high:
                continue
            stems = tuple(sorted(self.rules.stem(t) for t in content))
            out[entry.code].append((stems, content, entry._replace(folded=normalize_text(form))))
        return dict(out)

    def _char(self, token: str) -> str:
        if token == BREAK:
            return _BREAK
        char = self._vocab.get(token)
        if char is None:
            char = self._vocab[token] = _code(len(self._vocab) + 2)
        return char

    def _key(self, form: str) -> str:
        return "".join(self._char(t) for t in self.rules.key(normalize_text(form)))

    def exact_key(self, written: str) -> str:
        """The case-kept canonical key that a case-sensitive name's source must have."""
        return _EXACT_JOIN.join(self.rules.key(unify_keeping_case(written), keep_case=True))

    # -- scanning

    def _encode(self, sub: str) -> str:
        tokens, _ = self.rules.canonical(sub)
        code = "".join(self._vocab.get(t, _UNKNOWN) for t in tokens)
        self._codes[sub] = code
        return code

    def _separator(self, separator: str) -> str:
        code = self._separators[separator] = "" if self.rules.is_joiner(separator) else _BREAK
        return code

    def candidates(
        self, norm: Normalized, codes: frozenset[int], fallback: frozenset[int] = frozenset()
    ) -> Iterator[Candidate]:
        """Every acceptable hit of a name of ``codes`` in ``norm`` (the first acceptable
        entry of each hit; aliases before fragments, case-sensitive names first), else of a
        name of ``fallback`` (codes whose names count only where no name of ``codes`` is)."""
        scanned = codes | fallback
        parts = token_parts(norm.text)
        known, seps = self._codes, self._separators
        pieces = parts[:]  # separators at even places, sub-tokens at odd ones
        pieces[1::2] = [known[p] if p in known else self._encode(p) for p in parts[1::2]]
        pieces[0::2] = [seps[p] if p in seps else self._separator(p) for p in parts[0::2]]
        hits = [
            (end + 1 - length, end + 1, entries)
            for end, (length, key_codes, entries) in self._automaton.iter("".join(pieces))
            if (end + 1) % _WIDTH == 0 and not key_codes.isdisjoint(scanned)
        ]
        offsets = list(accumulate(map(len, parts)))
        yield from self._order_candidates(norm, parts, offsets, codes)
        if not hits:
            return
        ends = list(accumulate(map(len, pieces)))
        for start, end, entries in hits:
            span = self._span(parts, ends, offsets, start, end, norm)
            if span is None:
                continue
            written = norm.text[span[0] : span[1]]
            chosen = _choose(entries, codes, written, self, norm, span)
            if chosen is None and fallback:
                chosen = _choose(entries, fallback, written, self, norm, span)
            if chosen is not None:
                yield Candidate(*span, chosen)

    def _order_candidates(
        self, norm: Normalized, parts: list[str], offsets: list[int], codes: frozenset[int]
    ) -> Iterator[Candidate]:
        """Names of ``codes`` written in another order (``token_order``), their content
        tokens (or derived forms, ``token_derivation``) side by side with stop words only."""
        if len(codes) <= _FEW_CODES:  # a few names: is each stem anywhere in the text?
            names = [
                n for code in codes for n in self._orders.get(code, ())
                if all(stem in norm.text or not stem.isalpha() or stem in self._greek
                       for stem in n[0])
            ]  # fmt: skip
        else:  # many names: the text's stems pick them through the index
            present = self._present_stems(parts)
            names = [
                name
                for stem in present & self._order_index.keys()
                for code, name in self._order_index[stem]
                if code in codes and present.issuperset(name[0])
            ]
        if not names:  # a name in another order has all its stems in the text
            return
        wanted = {stem for stems, _, _ in names for stem in stems}
        near = self._near(parts, wanted)
        if not near:
            return
        tokens = _order_tokens(self.rules, parts, near, self._stems)
        where: dict[str, list[int]] = defaultdict(list)
        for index, (stem, _, _) in enumerate(tokens):
            if stem in wanted:
                where[stem].append(index)
        order_id, derivation_id = self.rules.ids["order"], self.rules.ids["derivation"]
        for stems, content, entry in names:
            rarest = min(stems, key=lambda stem: len(where.get(stem, ())))
            for found in _windows(tokens, where.get(rarest, ()), stems, self.rules.max_stop_words):
                first, last, written = found
                if written == content and last - first + 1 == len(content):
                    continue  # the name as it is: the automaton's
                lo, hi = offsets[tokens[first][2] - 1], offsets[tokens[last][2]]
                if not _bounded(parts, tokens[first][2], tokens[last][2]):
                    continue
                derived = sorted(written) != sorted(content)
                rule = "+".join((entry.rule_id, order_id, *([derivation_id] if derived else [])))
                yield Candidate(lo, hi, entry._replace(rule_id=rule))

    def _present_stems(self, parts: list[str]) -> set[str]:
        """The stems of the text's sub-tokens (stop words aside)."""
        known = self._stem_sets
        return set().union(
            *[known[s] if s in known else self._stem_set(s) for s in set(parts[1::2])]
        )

    def _stem_set(self, sub: str) -> frozenset[str]:
        found = self._stems.get(sub)
        if found is None:
            found = self._stems[sub] = _sub_stems(self.rules, sub)
        stems = self._stem_sets[sub] = frozenset(stem for stem, _ in found if stem)
        return stems

    def _near(self, parts: list[str], wanted: set[str]) -> list[int]:
        """Part indices of the sub-tokens within reach of one whose stem is ``wanted``."""
        stems, subs = self._stems, parts[1::2]
        relevant = set()
        for sub in set(subs):
            found = stems.get(sub)
            if found is None:
                found = stems[sub] = _sub_stems(self.rules, sub)
            if any(stem in wanted for stem, _ in found):
                relevant.add(sub)
        if not relevant:
            return []
        reach = self.rules.order_tokens[1] + self.rules.max_stop_words
        near: set[int] = set()
        for index, sub in enumerate(subs):
            if sub in relevant:
                near.update(range(max(0, index - reach), min(len(subs), index + reach + 1)))
        return [2 * k + 1 for k in sorted(near)]

    def _span(
        self,
        parts: list[str],
        ends: list[int],
        offsets: list[int],
        start: int,
        end: int,
        norm: Normalized,
    ) -> tuple[int, int] | None:
        """The normalized span of a hit, or None when it does not stand on word boundaries."""
        first = bisect_right(ends, start)
        last = bisect_right(ends, end - 1)
        if not first & 1 or not last & 1 or ends[first - 1] != start or ends[last] != end:
            return None
        lo, hi = offsets[first - 1], offsets[last]
        if first > 1 and parts[first - 1] == "":
            return None  # glued to the sub-token before it
        after = parts[last + 1] if last + 1 < len(parts) else " "
        if after == "" and last + 2 < len(parts) and parts[last + 2] != "'s":
            return (lo, hi) if _before_citation(norm, lo, hi) else None
        return lo, hi

    def accepts(self, norm: Normalized, start: int, end: int, entry: Entry) -> bool:
        """Whether the span's capitals and first letter suit ``entry``."""
        if entry.exact:
            s, e = norm.source_span(start, end)
            if self.exact_key(norm.source[s:e]) != entry.exact:
                return False
        return not entry.capitalized or norm.source[norm.source_start(start)].isupper()

    # -- explaining

    def rules_used(self, written: str, form: str, keep_case: bool = False) -> tuple[str, ...]:
        """The token rules that make ``written`` (a span of a text) match ``form``
        (``keep_case`` for a case-sensitive name)."""
        mine, theirs = normalize_text(written), normalize_text(form)
        if mine == theirs:
            return ()
        fold = unify_keeping_case if keep_case else normalize_text
        used = {r for _, r in self.rules.sequence(fold(written), keep_case) if r} ^ {
            r for _, r in self.rules.sequence(fold(form), keep_case) if r
        }
        if _joints(mine) != _joints(theirs) or not used:
            used.add(self.rules.ids["joiner"])
        return tuple(sorted(used))


def _index_by_longest_stem(
    orders: dict[int, list[tuple[tuple[str, ...], tuple[str, ...], Entry]]],
) -> dict[str, list[tuple[int, tuple[tuple[str, ...], tuple[str, ...], Entry]]]]:
    """The names that may change order, by their longest stem (the likeliest to be rare)."""
    index: dict[str, list[tuple[int, Any]]] = defaultdict(list)
    for code, names in orders.items():
        for name in names:
            index[max(name[0], key=len)].append((code, name))
    return dict(index)


def _sub_stems(rules: Any, sub: str) -> tuple[tuple[str, str], ...]:
    """``(stem, token)`` of a sub-token's canonical tokens; a stop word's stem is ``""``."""
    return tuple(
        ("" if token in rules.stop_words else rules.stem(token), token)
        for token in rules.canonical(sub)[0]
    )


def _order_tokens(
    rules: Any, parts: list[str], indices: list[int], stems: dict[str, Any]
) -> list[tuple[str, str, int]]:
    """``(stem, token, part index)`` of the canonical tokens of the sub-tokens at
    ``indices`` (part indices, ascending), with ``("|", "|", index)`` for a break: a separator
    that is no joiner, or a gap between the indices."""
    out: list[tuple[str, str, int]] = []
    previous = -1
    for index in indices:
        if out and (index != previous + 2 or not rules.is_joiner(parts[index - 1])):
            out.append((BREAK, BREAK, -1))  # a break belongs to no sub-token
        sub = parts[index]
        found = stems.get(sub)
        if found is None:
            found = stems[sub] = _sub_stems(rules, sub)
        out.extend((stem, token, index) for stem, token in found)
        previous = index
    return out


def _windows(
    tokens: list[tuple[str, str, int]],
    anchors: Iterable[int],
    stems: tuple[str, ...],
    max_stops: int,
) -> Iterator[tuple[int, int, tuple[str, ...]]]:
    """``(first, last, content tokens as written)`` of each run of tokens around an anchor
    that holds exactly ``stems`` (in any order), starts and ends with one, and has no other
    token but at most ``max_stops`` stop words."""
    width = len(stems) + max_stops
    seen = set()
    for anchor in anchors:
        for first in range(max(0, anchor - width + 1), anchor + 1):
            if not tokens[first][0] or tokens[first][0] == BREAK:
                continue
            if first and tokens[first - 1][2] == tokens[first][2]:
                continue  # inside a sub-token ("ia" is "1 a")
            content, last = [], first
            for index in range(first, min(len(tokens), first + width)):
                stem = tokens[index][0]
                if stem == BREAK or (stem and stem not in stems):
                    break
                if stem:
                    content.append(index)
                    if len(content) == len(stems):
                        last = index
                        break
            found = tuple(sorted(tokens[i][0] for i in content))
            inside = last + 1 < len(tokens) and tokens[last + 1][2] == tokens[last][2]
            if found == stems and not inside and (first, last) not in seen:
                seen.add((first, last))
                yield first, last, tuple(tokens[i][1] for i in content)


def _bounded(parts: list[str], first: int, last: int) -> bool:
    """Whether sub-tokens ``first`` to ``last`` (part indices) stand on word boundaries."""
    if first > 1 and parts[first - 1] == "":
        return False
    if last + 2 >= len(parts):  # the last sub-token of the text
        return True
    return parts[last + 1] != "" or parts[last + 2] == "'s"


def _joints(text: str) -> list[str]:
    """What stands between the words of ``text`` (possessives aside)."""
    parts = token_parts(text)
    return [sep for sep, sub in zip(parts[2::2], parts[3::2], strict=False) if sub != "'s"]


def _choose(
    entries: tuple[Entry, ...],
    codes: frozenset[int],
    written: str,
    automaton: TokenAutomaton,
    norm: Normalized,
    span: tuple[int, int],
) -> Entry | None:
    """The first acceptable entry, or an entry of the same code and kind written exactly as
    the text has it (so the rule reported is the alias's own where the table lists the form)."""
    first = None
    for entry in entries:
        if entry.code not in codes or not automaton.accepts(norm, *span, entry):
            continue
        if first is None:
            first = entry
        if entry.folded == written and (entry.code, entry.kind) == (first.code, first.kind):
            return entry
        if (entry.code, entry.kind) != (first.code, first.kind):
            break
    return first


def _before_citation(norm: Normalized, start: int, end: int) -> bool:
    """A name of eight characters or more that ends in a lower-case letter of the source,
    followed by a citation number glued to it ("Kawasaki disease3", "syndrome2,5)"): the
    digits are a reference marker, not part of a longer word, when white space, the end,
    a closing bracket or punctuation follows them (not "3-methyl...", not "46,XY ...")."""
    text = norm.text
    if end - start < 8 or end >= len(text):
        return False
    if not _CITATION.match(text, end) or not text[end - 1].isalpha():
        return False
    return norm.source[norm.source_end(end - 1) - 1].islower()
