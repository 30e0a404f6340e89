"""Layer 2's engine: the masker (one Aho-Corasick scan per text) and its batches."""

from mmrare_core.masking.masker import (
    MASK_TOKEN,
    Edit,
    MaskConfig,
    Masker,
    MaskOutcome,
    MaskRecord,
    MaskResult,
    Match,
    MatchKind,
    Scope,
    mask_many,
)

__all__ = [
    "MASK_TOKEN",
    "Edit",
    "MaskConfig",
    "MaskOutcome",
    "MaskRecord",
    "MaskResult",
    "Masker",
    "Match",
    "MatchKind",
    "Scope",
    "mask_many",
]
