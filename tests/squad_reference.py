"""A faithful reimplementation of the official SQuAD v1.1 evaluation loop.

The logic of huggingface/evaluate ``metrics/squad/compute_score.py`` (the official
``evaluate-v1.1.py``), rewritten here as the slow, obviously-correct twin that
``mmrare_core.scoring.metrics`` is held to by the tests and timed against by
``benchmarks/f1_bench.py``.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from typing import Any


def ref_normalize(s: str) -> str:
    def remove_articles(text: str) -> str:
        return re.sub(r"\b(a|an|the)\b", " ", text)

    def white_space_fix(text: str) -> str:
        return " ".join(text.split())

    def remove_punc(text: str) -> str:
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    return white_space_fix(remove_articles(remove_punc(s.lower())))


def ref_f1(prediction: str, ground_truth: str) -> float:
    prediction_tokens = ref_normalize(prediction).split()
    ground_truth_tokens = ref_normalize(ground_truth).split()
    common = Counter(prediction_tokens) & Counter(ground_truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(prediction_tokens)
    recall = 1.0 * num_same / len(ground_truth_tokens)
    return (2 * precision * recall) / (precision + recall)


def ref_em(prediction: str, ground_truth: str) -> bool:
    return ref_normalize(prediction) == ref_normalize(ground_truth)


def ref_max(fn: Any, prediction: str, ground_truths: list[str]) -> Any:
    return max(fn(prediction, g) for g in ground_truths)
