"""Coarser names: what a report may call a disorder when it does not use a listed name.

Derived from the release by the rules of ``rules/coarser.json``, each with its rule id:

* ``coarser_qualifier_*``: a name minus qualifier words at its front ("autosomal dominant
  polycystic kidney disease" -> "polycystic kidney disease");
* ``coarser_head``: the disease-denoting last word ("embryonal rhabdomyosarcoma" ->
  "rhabdomyosarcoma");
* ``coarser_component``: a disease-denoting part of a compound name
  ("pheochromocytoma-paraganglioma" -> "paraganglioma");
* ``coarser_adjective``: the adjective of a head ("achondroplasia" -> "achondroplastic").

Every form carries its **specificity**: how many disorders of the release share it (as a name
or as a coarser name), and whether it names a finding (``finding_word``: "anemia",
"hypercalcemia"...), which is never masked. The names of the nearest ancestor groups
(``coarser_parent``) are found through the scope: see
:meth:`~mmrare_core.masking.masker.Masker.scope`.

>>> from mmrare_core.ontology import load
>>> forms = coarser_names(load())
>>> [(c.form, c.rule_id) for c in forms[43]][1]
('adrenoleukodystrophy', 'coarser_qualifier_inheritance')
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmrare_core.ontology.aliases import is_acronym
from mmrare_core.rules.files import read_rule_file, rule_pattern
from mmrare_core.text.normalize import normalize_text
from mmrare_core.text.tokens import token_rules

if TYPE_CHECKING:  # pragma: no cover
    from mmrare_core.ontology.ontology import Ontology

__all__ = ["Coarser", "CoarserRules", "coarser_names", "coarser_rules"]


@dataclass(frozen=True, slots=True)
class Coarser:
    """One coarser name of a disorder: the form, the rule, how many disorders share it, and
    whether it names a finding (then it is reported, never masked)."""

    form: str
    rule_id: str
    shared: int
    finding: bool = False

    def maskable(self, max_codes: int) -> bool:
        """Specific enough to mask: at most ``max_codes`` disorders share it, no finding."""
        return not self.finding and self.shared <= max_codes


@dataclass(frozen=True, slots=True, eq=False)
class CoarserRules:
    """The compiled ``rules/coarser.json``."""

    qualifiers: tuple[tuple[str, str], ...]  # (words, rule id), longest first
    head_suffixes: tuple[str, ...]
    generic: frozenset[str]
    head_id: str
    component_split: re.Pattern[str]
    component_id: str
    feature_heads: frozenset[str]
    adjectives: tuple[tuple[str, str], ...]
    adjective_id: str
    parent_id: str
    max_descendants: int
    max_codes: int
    min_word_length: int
    findings: frozenset[str]
    finding_patterns: tuple[re.Pattern[str], ...]

    def is_finding(self, form: str) -> bool:
        """Whether ``form`` (folded) names a finding."""
        folded = normalize_text(form)
        return folded in self.findings or any(p.fullmatch(folded) for p in self.finding_patterns)

    def head(self, name: str, alone: bool = False) -> str | None:
        """The disease-denoting last word of a folded name, if it has one (of a name of two
        words or more, unless ``alone``)."""
        words = name.split()
        last = words[-1] if words else ""
        if len(words) < (1 if alone else 2) or last in self.generic:
            return None
        return last if last.endswith(self.head_suffixes) else None

    def strip_qualifiers(self, name: str) -> Iterator[tuple[str, str]]:
        """``(name minus leading qualifiers, rule id)``, one qualifier at a time."""
        current = name
        while True:
            for words, rule_id in self.qualifiers:
                if current.startswith(words + " ") and len(current) > len(words) + 1:
                    current = current[len(words) + 1 :]
                    yield current, rule_id
                    break
            else:
                return


@lru_cache(maxsize=8)
def coarser_rules(rules_dir: str | Path | None = None) -> CoarserRules:
    """The packaged coarser-name rules (or those in ``rules_dir``), compiled once."""
    rules = read_rule_file("coarser.json", rules_dir)["rules"]
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rule in rules:
        by_kind[rule["kind"]].append(rule)
    head, component = by_kind["head"][0], by_kind["component"][0]
    adjective, finding = by_kind["adjective"][0], by_kind["finding"][0]
    qualifiers = [(normalize_text(w), r["id"]) for r in by_kind["qualifier"] for w in r["words"]]
    splits = "|".join(re.escape(s) for s in component["separators"])
    patterns = tuple(
        rule_pattern("coarser.json", finding["id"], "patterns", p, 0, rules_dir)
        for p in finding.get("patterns", ())
    )
    return CoarserRules(
        qualifiers=tuple(sorted(qualifiers, key=lambda q: -len(q[0]))),
        head_suffixes=tuple(head["suffixes"]),
        generic=frozenset(head["generic"]),
        head_id=head["id"],
        component_split=re.compile(splits),
        component_id=component["id"],
        feature_heads=frozenset(component.get("feature_heads", ())),
        adjectives=tuple((a, b) for a, b in adjective["pairs"]),
        adjective_id=adjective["id"],
        parent_id=by_kind["parent"][0]["id"],
        max_descendants=int(by_kind["parent"][0]["max_descendants"]),
        max_codes=int(by_kind["policy"][0]["max_codes"]),
        min_word_length=int(by_kind["policy"][0].get("min_word_length", 1)),
        findings=frozenset(normalize_text(w) for w in finding["words"]),
        finding_patterns=patterns,
    )


def _derived(name: str, rules: CoarserRules) -> Iterator[tuple[str, str]]:
    """``(form, rule id)`` of the coarser forms of one folded name."""
    bases = [(name, "")]
    for stripped, rule_id in rules.strip_qualifiers(name):
        yield stripped, rule_id
        bases.append((stripped, rule_id))
    for base, _ in bases:
        head = rules.head(base)
        if head is not None:
            yield head, rules.head_id
        word = head or (base if " " not in base and "-" not in base else "")
        for ending, adjective in rules.adjectives:
            if word.endswith(ending) and len(word) > len(ending) + 3:
                yield word[: -len(ending)] + adjective, rules.adjective_id
                break
        words = base.split()
        if words and (words[-1] in rules.generic or words[-1] in rules.feature_heads):
            words = words[:-1]  # "stroma-neuroma syndrome": the parts are before the head
        parts = [p.strip() for p in rules.component_split.split(" ".join(words))]
        heads = [part for part in parts if part and rules.head(part, alone=True)]
        if len(heads) > 1:  # two disease-denoting parts: "pheochromocytoma-paraganglioma"
            for part in heads:
                yield part, rules.component_id


def _capitals(word: str) -> bool:
    """A word the release writes in capitals (two or more): an acronym inside a name."""
    return sum(c.isupper() for c in word) >= 2


def _usable(form: str, capitals: set[str], rules: CoarserRules) -> bool:
    """No acronym of the name in it, and a one-word form long enough to be a name."""
    words = re.findall(r"[^\W_]+", form)
    if any(w in capitals for w in words):
        return False
    return len(words) > 1 or len(form) >= rules.min_word_length


def coarser_names(
    ontology: Ontology, rules_dir: str | Path | None = None
) -> dict[int, tuple[Coarser, ...]]:
    """Every disorder's coarser names, with how many disorders of the release share each."""
    rules = coarser_rules(rules_dir)
    tokens = token_rules(rules_dir)
    derived: dict[int, dict[str, str]] = defaultdict(dict)
    sharing: dict[tuple[str, ...], set[int]] = defaultdict(set)
    features: set[int] = set()  # disorders named after their features: parts are findings
    for disorder in ontology:
        folded_names = {normalize_text(n) for n in disorder.names}
        for folded in folded_names:
            sharing[tokens.key(folded)].add(disorder.code)
            if folded.rsplit(" ", 1)[-1] in rules.feature_heads:
                features.add(disorder.code)
        if disorder.is_group:
            continue
        for name in {n for n in disorder.names if not is_acronym(n)}:
            capitals = {w.casefold() for w in re.findall(r"[^\W_]+", name) if _capitals(w)}
            for form, rule_id in _derived(normalize_text(name), rules):
                key = tokens.key(form)
                if not _usable(form, capitals, rules) or form in folded_names:
                    continue
                if key:
                    derived[disorder.code].setdefault(form, rule_id)
                    sharing[key].add(disorder.code)
    out = {}
    for code, forms in derived.items():
        out[code] = tuple(
            Coarser(
                form, rule_id, len(sharing[tokens.key(form)]),
                rules.is_finding(form) or (rule_id == rules.component_id and code in features),
            )
            for form, rule_id in sorted(forms.items())
        )  # fmt: skip
    return out
