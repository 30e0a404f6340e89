"""Layer 2's engine: the masker (one Aho-Corasick scan per text) and its batches."""

from mmrare_core.masking.masker import (
    MASK_TOKEN,
    Edit,
    Masker,
    MaskOutcome,
    MaskRecord,
    MaskResult,
    Scope,
    mask_many,
)

__all__ = [
    "MASK_TOKEN",
    "Edit",
    "MaskOutcome",
    "MaskRecord",
    "MaskResult",
    "Masker",
    "Scope",
    "mask_many",
]
