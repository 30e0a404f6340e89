"""Distinctive fragments: parts of names that give the diagnosis away on their own.

"Kawasaki", "Niemann-Pick", "Wiskott-Aldrich", a gene symbol in a name ("PIGA-related ..."):
a case report that says "the Kawasaki criteria" leaks ORPHA:2331 without ever naming it.
Candidates are proper-name and gene-like tokens of a disorder's names (rules in
``rules/fragments.json``); a candidate is distinctive when the names of at most ``max_codes``
disorders of the release contain it (its specificity: the fewer codes, the more it says).

>>> from mmrare_core.ontology import load
>>> frags = distinctive_fragments(load())
>>> frags["kawasaki"]
Fragment(key='kawasaki', codes=(2331,), proper_name=True)
>>> "congenita" in frags
False
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mmrare_core.ontology.aliases import is_acronym
from mmrare_core.rules.files import read_rule_file, rule_pattern
from mmrare_core.text.normalize import normalize_text

if TYPE_CHECKING:  # pragma: no cover
    from mmrare_core.ontology.ontology import Ontology

__all__ = ["Fragment", "distinctive_fragments"]

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_ROMAN = re.compile(r"[IVX]+[A-Z]?")


@dataclass(frozen=True, slots=True)
class Fragment:
    """A distinctive fragment: its normalized key, the codes whose names hold it, its kind.

    ``proper_name`` fragments (eponyms) match only where the report capitalises them;
    gene-like fragments match in any case.
    """

    key: str
    codes: tuple[int, ...]
    proper_name: bool


@dataclass(frozen=True, slots=True)
class _Settings:
    max_codes: int
    min_length: int
    compound_min_length: int
    gene: re.Pattern[str]
    not_suffixes: tuple[str, ...]
    exclude: frozenset[str]
    eponym_heads: frozenset[str]


def _settings(rules_dir: str | Path | None = None) -> _Settings:
    data = read_rule_file("fragments.json", rules_dir)
    (rule,) = data["rules"]
    return _Settings(
        int(rule["max_codes"]),
        int(rule["min_length"]),
        int(rule["compound_min_length"]),
        rule_pattern(
            "fragments.json", rule["id"], "gene_pattern", rule["gene_pattern"], 0, rules_dir
        ),
        tuple(rule["not_suffixes"]),
        frozenset(rule["exclude"]),
        frozenset(rule["eponym_heads"]),
    )


def _words(name: str) -> Iterator[tuple[int, str]]:
    for index, match in enumerate(_WORD.finditer(name)):
        yield index, match.group(0)


def _candidates(name: str, cfg: _Settings, proper: set[str]) -> Iterator[tuple[str, bool]]:
    """(token, is proper name) for the proper-name and gene-like tokens of one name."""
    for _, word in _words(name):
        parts = re.split(r"[-'’]", word)
        if (
            len(parts) > 1
            and len(word) >= cfg.compound_min_length
            and all(_name_like(p, cfg, proper, 2) for p in parts)
        ):
            yield word, True
        for part in parts:
            if cfg.gene.fullmatch(part) and not _ROMAN.fullmatch(part):
                yield part, False
            elif _name_like(part, cfg, proper, cfg.min_length):
                yield part, True


def _name_like(word: str, cfg: _Settings, proper: set[str], min_length: int) -> bool:
    lower = word.lower()
    return (
        len(word) >= min_length
        and word[0].isupper()
        and any(c.islower() for c in word)
        and lower in proper
        and lower not in cfg.exclude
        and not lower.endswith(cfg.not_suffixes)
    )


def _proper_names(names: Iterable[str], heads: frozenset[str]) -> set[str]:
    """Words capitalised after a name's first word, or first words before an eponym head."""
    proper: set[str] = set()
    for name in names:
        words = [w for _, w in _words(name)]
        for index, word in enumerate(words):
            parts = re.split(r"[-'’]", word)
            capitals = [p.lower() for p in parts if p[:1].isupper()]
            if index > 0:
                proper.update(capitals)
            elif len(parts) > 1:
                proper.update(capitals[1:])
            if index == 0 and len(words) > 1 and words[1].lower() in heads:
                proper.update(capitals[:1])
    return proper


def distinctive_fragments(
    ontology: Ontology, rules_dir: str | Path | None = None
) -> dict[str, Fragment]:
    """Normalized fragment -> :class:`Fragment`, for the distinctive ones of the release."""
    cfg = _settings(rules_dir)
    names = [(d.code, n) for d in ontology for n in d.names if not is_acronym(n)]
    proper = _proper_names((n for _, n in names), cfg.eponym_heads)
    owners: dict[str, set[int]] = defaultdict(set)
    kinds: dict[str, bool] = {}
    for code, name in names:
        for token, is_proper in _candidates(name, cfg, proper):
            key = normalize_text(token)
            owners[key].add(code)
            kinds[key] = kinds.get(key, True) and is_proper
    return {
        key: Fragment(key, tuple(sorted(codes)), kinds[key])
        for key, codes in sorted(owners.items())
        if len(codes) <= cfg.max_codes
    }
