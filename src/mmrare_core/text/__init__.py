"""The text layer: the one normalization (with offsets), words and boundaries, spans and
edits, and short forms (abbreviations). Every later stage reads text through it."""

from mmrare_core.text.abbreviations import Abbreviation, find_abbreviations, short_form_uses
from mmrare_core.text.normalize import Normalized, normalize, normalize_text

__all__ = [
    "Abbreviation",
    "Normalized",
    "find_abbreviations",
    "normalize",
    "normalize_text",
    "short_form_uses",
]
