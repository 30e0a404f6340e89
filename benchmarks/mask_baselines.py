"""mask_bench's implementations: the library's masker and scans, the floor, and the baselines
(Python ``re``, spaCy ``PhraseMatcher``, flashtext ``KeywordProcessor``) on the same alias forms."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from benchmarks.mask_rows import Corpus, Found

#: spaCy tokenizer cache size used by the tuned row (default: 10,000 chunks).
SPACY_CACHE_SIZE = 10_000_000


def build_masker(ontology: Any) -> Any:
    """The full-release masker, uncached: alias table + distinctive fragments."""
    from mmrare_core.masking.masker import Masker
    from mmrare_core.ontology.fragments import distinctive_fragments

    return Masker(ontology.aliases, ontology, distinctive_fragments(ontology))


def masker_find_all(masker: Any, corpus: Corpus, scope: Any) -> Found:
    """Library spans with every code of the release in scope: ``(start, end, code, form)``."""
    return [
        [(s.start, s.end, s.code, s.form) for s in masker.find(text, scope)]
        for text in corpus.texts
    ]


def masker_mask(masker: Any, corpus: Corpus, n: int, abbreviations: bool) -> int:
    """End-to-end masking of each text against its own targets; returns the edit count."""
    edits = 0
    for text, codes in zip(corpus.texts[:n], corpus.codes[:n], strict=True):
        edits += len(masker.mask(text, codes, abbreviations=abbreviations).edits)
    return edits


def normalize_scan(texts: Sequence[str], offset_map: bool = False) -> int:
    """``normalize`` over the texts; ``offset_map`` also asks for one source offset, which
    builds the map back to the source where a version of ``normalize`` makes it lazily."""
    from mmrare_core.text.normalize import normalize

    chars = 0
    for text in texts:
        norm = normalize(text)
        if offset_map and norm.text:
            norm.source_span(0, 1)
        chars += len(norm.text)
    return chars


def floor_scan(automaton: Any, texts: Sequence[str]) -> int:
    """Raw Aho-Corasick hits over the lower-cased text: every hit consumed, no boundaries."""
    hits = 0
    for text in texts:
        for _ in automaton.iter(text.lower()):
            hits += 1
    return hits


def build_regex(forms: Sequence[str]) -> re.Pattern[str]:
    """One alternation, longest form first (Python's alternation takes the first that fits)."""
    ordered = sorted(forms, key=lambda f: (-len(f), f))
    return re.compile(r"\b(?:" + "|".join(map(re.escape, ordered)) + r")\b", re.IGNORECASE)


def regex_spans(pattern: re.Pattern[str], texts: Sequence[str]) -> Found:
    return [[m.span() for m in pattern.finditer(text)] for text in texts]


def build_spacy(forms: Sequence[str], cache_size: int | None) -> tuple[Any, Any]:
    """A blank English tokenizer and a LOWER PhraseMatcher over ``forms``.

    ``cache_size`` raises ``Tokenizer.max_cache_size`` *before* the patterns are tokenized;
    with the default (10,000 chunks) the patterns fill the cache and no text chunk is cached.
    """
    import spacy
    from spacy.matcher import PhraseMatcher

    nlp = spacy.blank("en")
    if cache_size is not None:
        nlp.tokenizer.max_cache_size = cache_size
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    matcher.add("ALIAS", list(nlp.tokenizer.pipe(forms)))
    return nlp, matcher


def spacy_scan(built: tuple[Any, Any], texts: Sequence[str]) -> int:
    nlp, matcher = built
    return sum(len(matcher(doc)) for doc in nlp.tokenizer.pipe(texts))


def spacy_spans(built: tuple[Any, Any], texts: Sequence[str]) -> Found:
    """Longest non-overlapping matches (``filter_spans``), as character offsets."""
    from spacy.util import filter_spans

    nlp, matcher = built
    return [
        [(s.start_char, s.end_char) for s in filter_spans(matcher(doc, as_spans=True))]
        for doc in nlp.tokenizer.pipe(texts)
    ]


def build_flashtext(forms: Sequence[str]) -> Any:
    from flashtext import KeywordProcessor

    processor = KeywordProcessor(case_sensitive=False)
    for form in forms:
        processor.add_keyword(form)
    return processor


def flashtext_scan(processor: Any, texts: Sequence[str]) -> int:
    return sum(len(processor.extract_keywords(text)) for text in texts)


def flashtext_spans(processor: Any, texts: Sequence[str]) -> Found:
    """Spans in source offsets: flashtext reports offsets in ``text.lower()``, which is longer
    than the text when it holds a character such as ``İ`` (lower-cased to two)."""
    found: Found = []
    for text in texts:
        spans = processor.extract_keywords(text, span_info=True)
        if len(text.lower()) != len(text):
            back = [i for i, char in enumerate(text) for _ in char.lower()] + [len(text)]
            spans = [(k, back[s], back[e - 1] + 1) for k, s, e in spans]
        found.append([(s, e) for _, s, e in spans])
    return found
