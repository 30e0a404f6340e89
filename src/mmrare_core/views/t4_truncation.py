"""T4: truncate the narrative at a temporal cut-point before the withheld tests.

``truncate_before(doc, withheld_tests)`` cuts at the last sentence boundary before the first
mention of any withheld test, and moves the cut back to a temporal cue ("On day 6", "Two weeks
later", "At follow-up"; ``rules/temporal.json``) when one opens a sentence close before it, so
the narrative stops before the new time point. ``truncate_at(doc, cue)`` cuts before the
sentence holding a given cue. The result is a prefix of the document that ends at a sentence
boundary and mentions no withheld test; its :class:`Cut` says where it cut and why.

Test names match through the shared normalization at word boundaries; names in capitals
(CT, MRI) match with their capitals; names of eight characters or more also match near-misses
(rapidfuzz, ``fuzzy_threshold``). Truncation works on the Layer-1 document, before masking.

>>> from mmrare_core.documents.document import Block, Document
>>> doc = Document((Block("p1", "paragraph", "A boy had fever. Two days later he was tired. "
...                       "An MRI showed a lesion."),))
>>> cut = truncate_before(doc, ["MRI"])
>>> cut.document.text
'A boy had fever.'
>>> cut.cut.cue_rule, cut.cut.test
('cue_relative_later', 'MRI')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from mmrare_core.documents.document import Block, Document
from mmrare_core.rules.files import read_rule_file, rule_pattern
from mmrare_core.text.normalize import Normalized, normalize
from mmrare_core.text.words import at_word_boundary

__all__ = [
    "Cut",
    "Sentence",
    "TemporalRules",
    "Truncation",
    "find_test_mentions",
    "sentences",
    "truncate_at",
    "truncate_before",
]


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a block: block index and id, offsets in the block's text."""

    block: int
    block_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Cut:
    """Where a truncation cut and why (JSON-ready through :meth:`to_dict`).

    ``reason`` is ``withheld_test``, ``cue`` (truncate_at) or ``no_mention`` (nothing cut).
    ``block_id``/``offset``: the kept text ends at ``offset`` in that block (0 drops it);
    ``doc_offset`` is the same point in ``Document.text``.
    """

    reason: str
    block_id: str | None = None
    offset: int = 0
    doc_offset: int = 0
    test: str | None = None
    test_block: str | None = None
    test_span: tuple[int, int] | None = None
    match: str | None = None
    cue_rule: str | None = None
    cue_text: str | None = None
    kept_chars: int = 0
    dropped_chars: int = 0
    too_little_left: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the span as a list, so a JSON round trip gives the same dict)."""
        data = asdict(self)
        data["test_span"] = list(self.test_span) if self.test_span else None
        return data


@dataclass(frozen=True, slots=True)
class Truncation:
    """The truncated document (a prefix of the input) and its cut."""

    document: Document
    cut: Cut


class TemporalRules:
    """The compiled ``rules/temporal.json``: cue patterns, abbreviations, settings."""

    def __init__(self, rules_dir: str | Path | None = None) -> None:
        data = read_rule_file("temporal.json", rules_dir)
        self.settings: dict[str, Any] = dict(data.get("settings", {}))
        self.abbreviations = frozenset(a.lower() for a in data.get("abbreviations", ()))
        self.cues = [
            (
                r["id"],
                rule_pattern("temporal.json", r["id"], "pattern", r["pattern"], re.I, rules_dir),
            )
            for r in data["rules"]
        ]

    def cue_in(self, text: str) -> tuple[str, str] | None:
        """The first cue rule that matches ``text`` (rule id, matched text), or None."""
        found = [
            (m.start(), rule_id, m.group(0)) for rule_id, p in self.cues if (m := p.search(text))
        ]
        if not found:
            return None
        _, rule_id, matched = min(found)
        return rule_id, matched


@lru_cache(maxsize=8)
def default_rules(rules_dir: str | Path | None = None) -> TemporalRules:
    """The packaged temporal rules (or those in ``rules_dir``), compiled once."""
    return TemporalRules(rules_dir)


# --------------------------------------------------------------------------- sentences

_BOUNDARY = re.compile(r"[.!?][\"'’”)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")


def _split(text: str, abbreviations: frozenset[str]) -> Iterator[tuple[int, int]]:
    start = 0
    for match in _BOUNDARY.finditer(text):
        word = re.search(r"([\w.]+)[.!?]$", text[start : match.start() + 1])
        before = word.group(1).lower() if word else ""
        if before in abbreviations or re.fullmatch(r"[a-z]", before):
            continue  # "Fig. 2", "Dr. Smith", an initial "J. Smith"
        end = match.start() + len(match.group(0).rstrip())
        yield start, end
        start = match.end()
    if text[start:].strip():
        yield start, len(text.rstrip())


def sentences(doc: Document, rules: TemporalRules | None = None) -> list[Sentence]:
    """Every sentence of every block, in reading order (a block ends a sentence)."""
    rules = rules or default_rules()
    out = []
    for index, block in enumerate(doc.blocks):
        for start, end in _split(block.text, rules.abbreviations):
            out.append(Sentence(index, block.id, start, end, block.text[start:end]))
    return out


# --------------------------------------------------------------------------- test mentions


@dataclass(frozen=True, slots=True)
class _Mention:
    sentence: int
    test: str
    span: tuple[int, int]
    how: str


@lru_cache(maxsize=1024)
def _plural_pattern(key: str) -> re.Pattern[str]:
    """The test name and its plural: biopsy/biopsies, MRI/MRIs, CT scan/CT scans."""
    if key.endswith("y") and len(key) > 3:
        return re.compile(f"(?P<stem>{re.escape(key[:-1])})(?:y|ies)")
    return re.compile(f"(?P<stem>{re.escape(key)})(?:e?s)?")


@lru_cache(maxsize=1024)
def _test_key(test: str) -> str:
    return normalize(test).text.strip()


def _find_test(
    test: str, sentence: Sentence, rules: TemporalRules, norm: Normalized
) -> tuple[tuple[int, int], str] | None:
    """The first mention of ``test`` in a sentence (``norm`` is the sentence normalized)."""
    from rapidfuzz import fuzz

    key = _test_key(test)
    if not key:
        return None
    capitals = test.isupper()
    for match in _plural_pattern(key).finditer(norm.text):
        stem_end = match.start() + len(match.group("stem"))
        s, e = norm.source_span(match.start(), match.end())
        stem = sentence.text[s : norm.source_span(match.start(), stem_end)[1]]
        if at_word_boundary(norm.text, match.start(), match.end()) and (
            not capitals or stem.upper() == stem
        ):
            return (sentence.start + s, sentence.start + e), "exact"
    if len(key) < int(rules.settings.get("fuzzy_min_length", 8)):
        return None
    align = fuzz.partial_ratio_alignment(key, norm.text)
    if align is None or align.score < float(rules.settings.get("fuzzy_threshold", 90)):
        return None
    s, e = norm.source_span(align.dest_start, align.dest_end)
    return (sentence.start + s, sentence.start + e), f"fuzzy:{align.score:.0f}"


def _mentions(
    sents: Sequence[Sentence], tests: Sequence[str], rules: TemporalRules
) -> Iterator[_Mention]:
    for index, sentence in enumerate(sents):
        norm = normalize(sentence.text)  # once per sentence, whatever the number of tests
        for test in tests:
            found = _find_test(test, sentence, rules, norm)
            if found:
                yield _Mention(index, test, *found)


def _first_mention(
    sents: Sequence[Sentence], tests: Sequence[str], rules: TemporalRules
) -> _Mention | None:
    return next(_mentions(sents, tests, rules), None)


def find_test_mentions(
    doc: Document, tests: Iterable[str], rules: TemporalRules | None = None
) -> list[tuple[str, str, tuple[int, int], str]]:
    """Every mention of the tests: (block id, test, span in the block, ``exact``/``fuzzy:NN``)."""
    rules = rules or default_rules()
    sents = sentences(doc, rules)
    names = [t for t in dict.fromkeys(tests) if t and t.strip()]
    return [
        (sents[m.sentence].block_id, m.test, m.span, m.how) for m in _mentions(sents, names, rules)
    ]


# --------------------------------------------------------------------------- cutting


def truncate_before(
    doc: Document, withheld_tests: Iterable[str], rules: TemporalRules | None = None
) -> Truncation:
    """Cut before the first mention of any withheld test (see the module docstring)."""
    rules = rules or default_rules()
    tests = [t for t in dict.fromkeys(withheld_tests) if t and t.strip()]
    sents = sentences(doc, rules)
    mention = _first_mention(sents, tests, rules)
    if mention is None:
        return Truncation(doc, _cut_summary(doc, doc, Cut("no_mention")))
    index, cue = mention.sentence, None
    window = int(rules.settings.get("cue_window_sentences", 2))
    for back in range(mention.sentence, max(-1, mention.sentence - window - 1), -1):
        found = rules.cue_in(sents[back].text)
        if found:
            index, cue = back, found
            break
    where = sents[index]
    cut = Cut(
        "withheld_test",
        block_id=where.block_id,
        offset=where.start,
        test=mention.test,
        test_block=sents[mention.sentence].block_id,
        test_span=mention.span,
        match=mention.how,
        cue_rule=cue[0] if cue else None,
        cue_text=cue[1] if cue else None,
    )
    return _apply(doc, where, cut, rules)


def truncate_at(doc: Document, cue: str, rules: TemporalRules | None = None) -> Truncation:
    """Cut before the first sentence that holds ``cue`` (matched through the normalization)."""
    rules = rules or default_rules()
    key = normalize(cue).text.strip()
    for sentence in sentences(doc, rules):
        if key and key in normalize(sentence.text).text:
            return _apply(doc, sentence, Cut("cue", cue_text=cue), rules)
    return Truncation(doc, _cut_summary(doc, doc, Cut("no_mention", cue_text=cue)))


def _apply(doc: Document, where: Sentence, cut: Cut, rules: TemporalRules) -> Truncation:
    kept: list[Block] = list(doc.blocks[: where.block])
    head = doc.blocks[where.block].text[: where.start].rstrip()
    if head:
        kept.append(replace(doc.blocks[where.block], text=head))
    truncated = replace(doc, blocks=tuple(kept))
    doc_offset = len(truncated.text)
    cut = replace(cut, block_id=where.block_id, offset=len(head), doc_offset=doc_offset)
    return Truncation(truncated, _cut_summary(doc, truncated, cut, rules))


def _cut_summary(
    doc: Document, truncated: Document, cut: Cut, rules: TemporalRules | None = None
) -> Cut:
    rules = rules or default_rules()
    total, kept = len(doc.text), len(truncated.text)
    too_little = cut.reason != "no_mention" and (
        kept < int(rules.settings.get("min_narrative_chars", 300))
        or kept < float(rules.settings.get("min_narrative_fraction", 0.1)) * total
    )
    return replace(cut, kept_chars=kept, dropped_chars=total - kept, too_little_left=too_little)
