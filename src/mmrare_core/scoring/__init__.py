"""Scoring model answers: SQuAD v1.1 F1/EM with alias-max, rubric aggregation, DDx top-k."""

from mmrare_core.scoring.metrics import best_f1, exact_match, f1, normalize_answer

__all__ = ["best_f1", "exact_match", "f1", "normalize_answer"]
