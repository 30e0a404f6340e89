"""Differential diagnosis (MEDSYN-style): top-k accuracy of ranked lists, evidence sensitivity.

Each entry of a ranked differential is matched to the gold disorder through the ontology:

1. **code** — the entry is an alias of the gold code in the alias table
   (``ontology.aliases.codes_of(entry)`` holds the gold code);
2. **other code** — the entry is an alias of other codes only: it names another disorder,
   so it does not match, however many words it shares with the gold;
3. **F1** — the entry resolves to no code: it matches when its SQuAD token F1 against the
   best of the gold's aliases (Orphanet aliases plus the item's own gold strings) is at least
   ``threshold`` (default :data:`DEFAULT_THRESHOLD` = 0.8).

>>> from mmrare_core.ontology import load
>>> ont = load()
>>> result = match_differential(["Hunter syndrome", "Kawasaki disease"], 2331, ont)
>>> result.rank, [m.how for m in result.entries]
(2, ['other_code', 'code'])

Evidence sensitivity compares the scores of the same items with all evidence and with one
evidence type withheld at a time: the drop per type (paired, with a bootstrap interval) and
the gap between the mean drop of image types and that of text types.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mmrare_core.scoring.metrics import (
    DEFAULT_OPTIONS,
    Aggregate,
    MetricOptions,
    ScoringError,
    aggregate,
    best_f1,
)

if TYPE_CHECKING:  # pragma: no cover
    from mmrare_core.ontology.ontology import Ontology

__all__ = [
    "DEFAULT_KS",
    "DEFAULT_THRESHOLD",
    "DifferentialResult",
    "EntryMatch",
    "EvidenceDrop",
    "Sensitivity",
    "evidence_sensitivity",
    "match_differential",
    "parse_differential",
    "top_k_accuracy",
]

DEFAULT_KS = (1, 3, 5, 10)
#: The least token F1 at which an entry that resolves to no code matches the gold.
DEFAULT_THRESHOLD = 0.8
MODALITIES = ("text", "image")


@dataclass(frozen=True, slots=True)
class EntryMatch:
    """How one ranked entry compared with the gold disorder.

    ``how``: ``code`` (alias of the gold code), ``f1`` (unresolved, F1 at or above the
    threshold), ``other_code`` (alias of other codes only), ``no_match`` (unresolved, F1
    below the threshold). ``f1`` and ``alias`` are the best token F1 and the gold alias
    that gave it (computed for unresolved entries; 1.0 and the entry for ``code``).
    """

    rank: int
    entry: str
    codes: tuple[int, ...]
    how: str
    f1: float
    alias: str

    @property
    def matched(self) -> bool:
        return self.how in ("code", "f1")


@dataclass(frozen=True, slots=True)
class DifferentialResult:
    """A ranked list against its gold: the first matching rank (1-based) or None."""

    gold: int
    rank: int | None
    entries: tuple[EntryMatch, ...]

    def hit_at(self, k: int) -> bool:
        """Whether the gold is among the first ``k`` entries."""
        return self.rank is not None and self.rank <= k


@dataclass(frozen=True, slots=True)
class EvidenceDrop:
    """The paired drop (0-100 points) of the mean score when one evidence type is withheld.

    ``drop`` is an :class:`~mmrare_core.scoring.metrics.Aggregate` of ``full - withheld`` per item.
    ``unpaired`` lists the ids present on one side only (reported, not scored).
    """

    evidence: str
    modality: str
    full: float
    withheld: float
    drop: Aggregate
    unpaired: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Sensitivity:
    """Drops per evidence type, and ``gap`` = mean image drop - mean text drop (or None)."""

    drops: tuple[EvidenceDrop, ...]
    gap: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "drops": [
                {
                    "evidence": d.evidence,
                    "modality": d.modality,
                    "full": d.full,
                    "withheld": d.withheld,
                    "drop": d.drop.to_dict(),
                    "unpaired": list(d.unpaired),
                }
                for d in self.drops
            ],
            "text_image_gap": self.gap,
        }


# --------------------------------------------------------------------------- ranked lists

_MARKER = re.compile(r"^\s*(?:\d{1,2}\s*[.):]|[-*\u2022])\s*")


def parse_differential(text: str | Sequence[str]) -> list[str]:
    """A ranked list from a list of strings or from text with one entry per line.

    List markers (``1.``, ``2)``, ``-``, ``*``) are removed; blank lines skipped.

    >>> parse_differential("1. Kawasaki disease\\n2) Scarlet fever\\n\\n- Measles")
    ['Kawasaki disease', 'Scarlet fever', 'Measles']
    """
    lines = text.splitlines() if isinstance(text, str) else [str(t) for t in text]
    entries = (_MARKER.sub("", line, count=1).strip() for line in lines)
    return [e for e in entries if e]


def match_differential(
    entries: Sequence[str],
    gold_code: int | str,
    ontology: Ontology,
    *,
    golds: Sequence[str] = (),
    threshold: float = DEFAULT_THRESHOLD,
    options: MetricOptions = DEFAULT_OPTIONS,
) -> DifferentialResult:
    """Match every entry of a ranked list to the gold disorder (see the module docstring).

    An unknown gold code raises :class:`~mmrare_core.errors.UnknownCodeError`.
    """
    if not 0.0 < threshold <= 1.0:
        raise ScoringError(f"threshold must be in (0, 1], not {threshold}")
    gold = ontology.get(gold_code).code
    matches = []
    for rank, entry in enumerate(entries, 1):
        codes = ontology.aliases.codes_of(entry)
        if gold in codes:
            matches.append(EntryMatch(rank, entry, codes, "code", 1.0, entry))
            continue
        if codes:
            matches.append(EntryMatch(rank, entry, codes, "other_code", 0.0, ""))
            continue
        score = best_f1(entry, golds, ontology=ontology, code=gold, options=options)
        how = "f1" if score.f1 >= threshold else "no_match"
        matches.append(EntryMatch(rank, entry, codes, how, score.f1, score.alias))
    first = next((m.rank for m in matches if m.matched), None)
    return DifferentialResult(gold, first, tuple(matches))


def top_k_accuracy(
    results: Iterable[DifferentialResult],
    ks: Sequence[int] = DEFAULT_KS,
    *,
    resamples: int = 0,
    seed: int = 0,
) -> dict[int, Aggregate]:
    """Share of lists (0-100) whose gold is within the first k entries, for each k."""
    ranks = [r.rank for r in results]
    return {
        k: aggregate(
            [float(r is not None and r <= k) for r in ranks], resamples=resamples, seed=seed
        )
        for k in ks
    }


# --------------------------------------------------------------------------- evidence


def evidence_sensitivity(
    full: Mapping[str, float],
    withheld: Mapping[str, Mapping[str, float]],
    modality: Mapping[str, str],
    *,
    resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> Sensitivity:
    """Drop per evidence type withheld, and the text/image gap.

    ``full``: item id -> score in [0, 1] with every evidence type. ``withheld``: evidence
    type -> (item id -> score with that type withheld). ``modality``: evidence type ->
    ``"text"`` or ``"image"``. Each drop is paired on the ids that both sides hold.

    >>> s = evidence_sensitivity(
    ...     {"a": 1.0, "b": 1.0},
    ...     {"figures": {"a": 0.0, "b": 1.0}, "labs": {"a": 1.0, "b": 1.0}},
    ...     {"figures": "image", "labs": "text"},
    ...     resamples=0,
    ... )
    >>> [(d.evidence, d.drop.value) for d in s.drops], s.gap
    ([('figures', 50.0), ('labs', 0.0)], 50.0)
    """
    drops = []
    for evidence in sorted(withheld):
        kind = modality.get(evidence)
        if kind is None:
            raise ScoringError(f"evidence type {evidence!r} has no modality (text or image)")
        drops.append(_drop(evidence, kind, full, withheld[evidence], resamples, seed, confidence))
    by_kind = {kind: [d.drop.value for d in drops if d.modality == kind] for kind in MODALITIES}
    gap = None
    if by_kind["text"] and by_kind["image"]:
        gap = _mean(by_kind["image"]) - _mean(by_kind["text"])
    return Sensitivity(tuple(drops), gap)


def _drop(
    evidence: str,
    kind: str,
    full: Mapping[str, float],
    without: Mapping[str, float],
    resamples: int,
    seed: int,
    confidence: float,
) -> EvidenceDrop:
    paired = sorted(set(full) & set(without))
    if not paired:
        raise ScoringError(f"evidence type {evidence!r}: no item scored on both sides")
    unpaired = tuple(sorted(set(full) ^ set(without)))
    diffs = [full[i] - without[i] for i in paired]
    drop = aggregate(diffs, resamples=resamples, seed=seed, confidence=confidence)
    return EvidenceDrop(
        evidence,
        kind,
        100.0 * _mean([full[i] for i in paired]),
        100.0 * _mean([without[i] for i in paired]),
        drop,
        unpaired,
    )


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)
