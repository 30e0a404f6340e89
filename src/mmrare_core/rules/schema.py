"""The shape of every rule file, in one place: which kinds of rule each file holds, the keys
each kind may carry, and the file's own keys, at every depth.

A spec is ``None`` (any value), a tuple of keys (an object with at most those keys, values
free) or a mapping of key -> spec (an object with at most those keys, each checked in turn);
the key ``"*"`` in a mapping stands for any key. Every rule may also carry ``id``, ``kind`` and
``description``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["SCHEMAS", "FileSchema", "Spec"]

Spec = None | tuple[str, ...] | Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class FileSchema:
    """One rule file: its rule kinds (kind -> spec of the rule's keys) and its own keys."""

    kinds: Mapping[str, Spec]
    top_level: Mapping[str, Spec]


_ANY: dict[str, Spec] = {}
_RUBRIC_COMMON = ("track", "number", "name", "question", "weight")
_SECTION_TITLES = ("titles", "patterns")
_CHECK = {
    "tracks": None, "severity": None, "rules": {"*": None}, "threshold": None,
    "thresholds": {"*": None}, "ngram": None, "min_length": None, "min_chars": None,
}  # fmt: skip

SCHEMAS: dict[str, FileSchema] = {
    "alias_rules.json": FileSchema(
        {
            "regex": ("pattern", "replacement", "flags", "acronyms"),
            "table": (
                "pairs",
                "word_internal",
                "ignore_case",
                "at_end",
                "preserve_case",
                "acronyms",
            ),
            "fold_diacritics": ("acronyms",),
            "numerals": ("direction", "acronyms"),
            "possessive": ("heads", "not_suffixes", "acronyms"),
        },
        {
            "max_forms_per_name": None,
            "numerals": ("contexts", "acronym_context", "max"),
            "acronym": ("id", "description", "max_length"),
            "initialism": (
                "id",
                "description",
                "min_letters",
                "max_letters",
                "skip_words",
                "drop_heads",
            ),
        },
    ),
    "specificity.json": FileSchema(
        {"stoplist": ("terms",), "generic_tokens": ("tokens",), "acronyms": ("terms",)}, _ANY
    ),
    "fragments.json": FileSchema(
        {
            "fragment": (
                "max_codes",
                "min_length",
                "compound_min_length",
                "gene_pattern",
                "not_suffixes",
                "exclude",
                "eponym_heads",
            )
        },
        _ANY,
    ),
    "short_forms.json": FileSchema(
        {"defined": (), "bracketed": ("max_chars",), "reported": ()}, _ANY
    ),
    "coarser.json": FileSchema(
        {
            "qualifier": ("words",),
            "head": ("suffixes", "generic"),
            "component": ("separators", "feature_heads"),
            "adjective": ("pairs",),
            "parent": ("max_descendants",),
            "policy": ("max_codes", "min_word_length"),
            "finding": ("words", "patterns"),
        },
        _ANY,
    ),
    "tokens.json": FileSchema(
        {
            "joiner": ("joiners",),
            "plural": ("min_length", "keep_endings"),
            "possessive": (),
            "greek": {"letters": {"*": None}},
            "numeral": ("max", "subtype_letters"),
            "order": ("min_tokens", "max_tokens", "max_stop_words", "stop_words"),
            "derivation": ("min_stem", "suffixes"),
        },
        _ANY,
    ),
    "temporal.json": FileSchema(
        {"cue": ("pattern",)},
        {
            "settings": (
                "fuzzy_min_length",
                "fuzzy_threshold",
                "cue_window_sentences",
                "min_narrative_chars",
                "min_narrative_fraction",
            ),
            "abbreviations": None,
        },
    ),
    "sections.json": FileSchema(
        {
            "drop_kinds": ("kinds",),
            "drop_section": (*_SECTION_TITLES, "run_in", "ends_before", "ends_before_chars"),
            "section_title": _SECTION_TITLES,
            "drop_statement": ("patterns", "max_chars"),
            "numbering": ("pattern",),
            "markdown_heading": ("pattern",),
            "artefact": ("pattern",),
            "heading_shape": ("max_chars", "max_words", "not_titles"),
        },
        _ANY,
    ),
    "captions.json": FileSchema(
        {
            "label": ("caption_kind", "slug", "names", "number"),
            "not_caption": ("pattern", "words", "word_pattern", "scope"),
            "caption_line": ("separator", "glued_text", "not_first"),
            "glued_caption": ("after",),
            "sentence_caption": ("after", "not_after"),
            "bare_label": ("trailer",),
            "continuation": ("max_gap",),
            "caption_block": ("kinds",),
        },
        {"number": None},
    ),
    "tracks.json": FileSchema({"track": ("name", "layers", "strict")}, _ANY),
    "audit.json": FileSchema({"check": _CHECK}, {"fields": None}),
    "rubric.json": FileSchema(
        {"binary": _RUBRIC_COMMON, "ordinal": (*_RUBRIC_COMMON, "max")},
        {"tracks": {"*": ("name", "gate", "gate_fail_divisor")}},
    ),
}
