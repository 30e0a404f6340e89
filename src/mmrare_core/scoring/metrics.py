"""Deterministic answer metrics: SQuAD v1.1 token F1 and exact match, alias-max, aggregation.

``normalize_answer``, ``exact_match`` and ``f1`` give the same values as the official SQuAD
v1.1 evaluation script (lower-case, ASCII punctuation deleted, the articles *a*, *an*, *the*
removed at word boundaries, white space collapsed; F1 over the multiset of tokens, 0 when
nothing overlaps, so 0 when both sides normalize to empty):

>>> normalize_answer("The  Denver Broncos!")
'denver broncos'
>>> f1("Denver Broncos", "the Broncos"), exact_match("Broncos.", "the broncos")
(0.6666666666666666, True)

Two options change this, only when asked for (:class:`MetricOptions`): Unicode punctuation
(en dash, curly quotes, full-width marks) deleted like ASCII punctuation, and the SQuAD v2
rule that two empty answers agree (F1 1).

The gold of an item is its ``answer`` plus its ``answer_aliases`` (:func:`item_golds`), as the
MMRareBench figures were computed; :func:`best_f1` takes the maximum over them and, on request,
over every Orphanet alias of the item's ORPHA code as well, naming the alias that won.
:func:`aggregate` gives a corpus mean on the 0-100 scale with a seeded bootstrap interval.
"""

from __future__ import annotations

import json
import random
import re
import string
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mmrare_core.errors import MMRareError

if TYPE_CHECKING:  # pragma: no cover
    from mmrare_core.ontology.ontology import Ontology

__all__ = [
    "DEFAULT_OPTIONS",
    "Aggregate",
    "MetricOptions",
    "Score",
    "ScoringError",
    "aggregate",
    "answer_tokens",
    "best_f1",
    "exact_match",
    "f1",
    "item_golds",
    "normalize_answer",
    "parse_aliases",
]


class ScoringError(MMRareError, ValueError):
    """Scoring input is unusable: no gold answer, a bad option, an empty corpus."""


@dataclass(frozen=True, slots=True)
class MetricOptions:
    """Opt-in departures from SQuAD v1.1; the defaults are the official behaviour.

    ``unicode_punctuation``: delete every Unicode punctuation character (categories P*:
    en dash, curly quotes, full-width marks...) as well as ASCII ``string.punctuation``.
    ``squad_v2_empty``: when either side normalizes to no tokens, F1 is 1 if both do, else 0
    (SQuAD v2's rule for unanswerable questions; v1.1 gives 0 when both are empty).
    """

    unicode_punctuation: bool = False
    squad_v2_empty: bool = False


DEFAULT_OPTIONS = MetricOptions()


@dataclass(frozen=True, slots=True)
class Score:
    """Best F1 and EM of one prediction over a gold set, and the alias that gave the F1.

    ``source`` is ``"gold"`` when the winning alias is one of the given gold strings,
    ``"orphanet"`` when it came from the ontology's alias table.
    """

    f1: float
    em: float
    alias: str
    source: str


@dataclass(frozen=True, slots=True)
class Aggregate:
    """A corpus mean on the 0-100 scale, with its bootstrap interval and how it was drawn.

    ``low``/``high`` are ``None`` when no bootstrap ran (``resamples == 0``).
    """

    value: float
    n: int
    low: float | None
    high: float | None
    confidence: float
    resamples: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {
            "value": self.value,
            "n": self.n,
            "ci_low": self.low,
            "ci_high": self.high,
            "confidence": self.confidence,
            "resamples": self.resamples,
            "seed": self.seed,
        }


# --------------------------------------------------------------------------- normalization

_ASCII_PUNCT = str.maketrans("", "", string.punctuation)
_ASCII_PUNCT_BYTES = string.punctuation.encode("ascii")
_ASCII_PUNCT_RE = re.compile(f"[{re.escape(string.punctuation)}]+")
_ARTICLES = frozenset(("a", "an", "the"))
_ARTICLE_RE = re.compile(r"\b(a|an|the)\b")


def _unicode_punct_table() -> dict[int, None]:
    table: dict[int, None] = dict.fromkeys(map(ord, string.punctuation))
    for cp in range(sys.maxunicode + 1):
        if unicodedata.category(chr(cp)).startswith("P"):
            table[cp] = None
    return table


_UNICODE_PUNCT: dict[int, None] | None = None


def _punct_table(options: MetricOptions) -> dict[int, Any]:
    global _UNICODE_PUNCT
    if not options.unicode_punctuation:
        return _ASCII_PUNCT
    if _UNICODE_PUNCT is None:
        _UNICODE_PUNCT = _unicode_punct_table()
    return _UNICODE_PUNCT


def _strip_punctuation(lowered: str, options: MetricOptions) -> str:
    if options.unicode_punctuation:
        return lowered.translate(_punct_table(options))
    return _ASCII_PUNCT_RE.sub("", lowered)


def answer_tokens(text: str, options: MetricOptions = DEFAULT_OPTIONS) -> list[str]:
    """``normalize_answer(text).split()``, computed without the intermediate string.

    >>> answer_tokens("An apple, a day: the doctor's away")
    ['apple', 'day', 'doctors', 'away']
    """
    lowered = text.lower()
    if options.unicode_punctuation or not lowered.isascii():
        lowered = _strip_punctuation(lowered, options)
    else:  # bytes.translate is several times faster than str.translate
        lowered = lowered.encode("ascii").translate(None, _ASCII_PUNCT_BYTES).decode("ascii")
    words = lowered.split()
    # Where every character left is a word character, \\b falls only between words, so the
    # article regex removes exactly the tokens "a", "an", "the"; otherwise run the regex.
    if not "".join(words).isalnum():
        return _ARTICLE_RE.sub(" ", lowered).split()
    if _ARTICLES.isdisjoint(words):
        return words
    return [w for w in words if w not in _ARTICLES]


def normalize_answer(text: str, options: MetricOptions = DEFAULT_OPTIONS) -> str:
    """Lower-case, delete punctuation, remove articles, collapse white space (SQuAD v1.1).

    >>> normalize_answer("Santa Clara, California")
    'santa clara california'
    >>> unicode = MetricOptions(unicode_punctuation=True)
    >>> normalize_answer("Niemann\u2013Pick"), normalize_answer("Niemann\u2013Pick", unicode)
    ('niemann\u2013pick', 'niemannpick')
    """
    return " ".join(answer_tokens(text, options))


# --------------------------------------------------------------------------- pair metrics


def exact_match(prediction: str, gold: str, options: MetricOptions = DEFAULT_OPTIONS) -> bool:
    """Whether both normalize to the same string (two empty strings match, as in v1.1)."""
    return answer_tokens(prediction, options) == answer_tokens(gold, options)


def f1(prediction: str, gold: str, options: MetricOptions = DEFAULT_OPTIONS) -> float:
    """Token F1 of ``prediction`` against one ``gold`` answer, in [0, 1].

    >>> v2 = MetricOptions(squad_v2_empty=True)
    >>> f1("Carolina Panthers", "Panthers"), f1("", ""), f1("", "", v2)
    (0.6666666666666666, 0.0, 1.0)
    """
    return _token_f1(answer_tokens(prediction, options), answer_tokens(gold, options), options)


def _token_f1(pred: list[str], gold: list[str], options: MetricOptions) -> float:
    if not pred or not gold:
        return float(pred == gold) if options.squad_v2_empty else 0.0
    if pred == gold:
        return 1.0
    pred_set, gold_set = set(pred), set(gold)
    if len(pred_set) == len(pred) and len(gold_set) == len(gold):
        same = len(pred_set & gold_set)  # no repeated token: the multiset overlap is a set's
    else:
        same = _multiset_overlap(pred, gold)
    if same == 0:
        return 0.0
    precision = 1.0 * same / len(pred)  # the official script's arithmetic, for equal bits
    recall = 1.0 * same / len(gold)
    return (2 * precision * recall) / (precision + recall)


def _multiset_overlap(pred: list[str], gold: list[str]) -> int:
    """``sum((Counter(pred) & Counter(gold)).values())`` without building two Counters."""
    remaining: dict[str, int] = {}
    for token in gold:
        remaining[token] = remaining.get(token, 0) + 1
    same = 0
    for token in pred:
        left = remaining.get(token, 0)
        if left:
            remaining[token] = left - 1
            same += 1
    return same


# --------------------------------------------------------------------------- gold sets


def parse_aliases(value: Any) -> list[str]:
    """An ``answer_aliases`` cell as a list: a list, a JSON list, or a ';'-separated string.

    Read as the public MMRareBench evaluator reads it (a JSON scalar becomes one alias).

    >>> parse_aliases('["MPS II", "Hunter syndrome"]'), parse_aliases("MPS II; Hunter syndrome")
    (['MPS II', 'Hunter syndrome'], ['MPS II', 'Hunter syndrome'])
    >>> parse_aliases(None), parse_aliases("")
    ([], [])
    """
    if isinstance(value, list):
        return [str(v) for v in value]
    if value is None or value == "":
        return []
    try:
        parsed = json.loads(value)
    except (json.JSONDecodeError, TypeError):
        return [s.strip() for s in str(value).split(";") if s.strip()]
    return [str(v) for v in parsed] if isinstance(parsed, list) else [str(parsed)]


def item_golds(answer: Any, answer_aliases: Any = None) -> list[str]:
    """The default gold set of an item: ``answer`` then its non-blank ``answer_aliases``.

    >>> item_golds("Hunter syndrome", "MPS II; ; MPS2")
    ['Hunter syndrome', 'MPS II', 'MPS2']
    """
    return [str(answer)] + [a for a in parse_aliases(answer_aliases) if a.strip()]


def best_f1(
    prediction: str,
    golds: Sequence[str],
    *,
    ontology: Ontology | None = None,
    code: int | str | None = None,
    options: MetricOptions = DEFAULT_OPTIONS,
) -> Score:
    """Maximum F1 and EM over ``golds`` and, with ``ontology`` and ``code``, every alias of it.

    Like the script's ``metric_max_over_ground_truths``, F1 and EM are maximized apart. The
    reported alias is the first that reaches the best F1 (given golds before Orphanet
    aliases, so an Orphanet alias wins only when strictly better). An unknown code raises
    :class:`~mmrare_core.errors.UnknownCodeError`.

    >>> best_f1("Hunter syndrome", ["Mucopolysaccharidosis type 2", "MPS II", "Hunter syndrome"])
    Score(f1=1.0, em=1.0, alias='Hunter syndrome', source='gold')
    """
    candidates = [(g, "gold") for g in golds]
    if ontology is not None and code is not None:
        disorder = ontology.get(code)
        candidates += [(a.form, "orphanet") for a in ontology.aliases.for_code(disorder.code)]
    elif code is not None:
        raise ScoringError("an ORPHA code was given without an ontology to read its aliases")
    if not candidates:
        raise ScoringError("no gold answer to score against")
    pred = answer_tokens(prediction, options)
    best: tuple[float, str, str] = (-1.0, "", "")
    em = 0.0
    for alias, source in candidates:
        gold = answer_tokens(alias, options)
        score = _token_f1(pred, gold, options)
        if score > best[0]:
            best = (score, alias, source)
        if pred == gold:
            em = 1.0
    return Score(best[0], em, best[1], best[2])


# --------------------------------------------------------------------------- aggregation


def aggregate(
    values: Iterable[float],
    *,
    resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> Aggregate:
    """Mean of per-item scores in [0, 1] on the 0-100 scale, with a percentile bootstrap.

    The mean is summed left to right, as the official script does. The interval draws
    ``resamples`` resamples of the items with ``random.Random(seed)``: the same seed gives
    the same interval, and the seed is kept in the result.

    >>> a = aggregate([1.0, 0.5, 0.0, 1.0], resamples=200, seed=7)
    >>> a.value, a.seed, a.low <= a.value <= a.high
    (62.5, 7, True)
    """
    scores = [float(v) for v in values]
    if not scores:
        raise ScoringError("no scores to aggregate")
    if resamples < 0 or not 0.0 < confidence < 1.0:
        raise ScoringError(f"bad bootstrap settings: {resamples} resamples, {confidence}")
    total = 0.0
    for v in scores:
        total += v
    mean = 100.0 * total / len(scores)
    if resamples == 0:
        return Aggregate(mean, len(scores), None, None, confidence, 0, seed)
    low, high = _bootstrap(scores, resamples, seed, confidence)
    return Aggregate(mean, len(scores), low, high, confidence, resamples, seed)


def _bootstrap(
    scores: list[float], resamples: int, seed: int, confidence: float
) -> tuple[float, float]:
    rng = random.Random(seed)
    n = len(scores)
    means = sorted(100.0 * sum(rng.choices(scores, k=n)) / n for _ in range(resamples))
    tail = (1.0 - confidence) / 2.0
    return _quantile(means, tail), _quantile(means, 1.0 - tail)


def _quantile(ordered: list[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default method)."""
    position = q * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)
