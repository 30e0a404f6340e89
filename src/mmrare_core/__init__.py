"""mmrare_core: leakage-controlled views, pre-checks and metrics for rare-disease benchmarks.

The public names load lazily, so ``import mmrare_core`` stays light (no spaCy, no rdflib,
no lxml until a piece that needs them is used).

>>> import mmrare_core
>>> mmrare_core.parse_code("ORPHA:1775")
1775
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS = {
    "MMRareError": "errors",
    "RuleFileError": "errors",
    "OntologyFormatError": "errors",
    "UnknownCodeError": "errors",
    "UnsafeXMLError": "errors",
    "FetchError": "errors",
    "MissingExtraError": "errors",
    "Disorder": "model",
    "ExtraAlias": "model",
    "ReleaseInfo": "model",
    "parse_code": "model",
    "Normalized": "normalize",
    "normalize": "normalize",
    "normalize_text": "normalize",
    "Alias": "aliases",
    "AliasRules": "aliases",
    "AliasTable": "aliases",
    "expand_aliases": "aliases",
    "Ontology": "ontology",
    "SearchHit": "ontology",
    "load": "ontology",
    "fetch_release": "fetch",
    "DocumentError": "errors",
    "Masker": "masking",
    "MaskResult": "masking",
    "Edit": "masking",
    "Scope": "masking",
    "mask_many": "masking",
    "MaskRecord": "masking",
    "Document": "document",
    "Block": "document",
    "parse_jats": "jats",
    "parse_text": "textdoc",
    "build_view": "views",
    "MaskedView": "views",
    "read_document": "views",
    "truncate_before": "temporal",
    "truncate_at": "temporal",
    "Finding": "findings",
    "AuditReport": "findings",
    "audit_item": "audit",
    "AuditContext": "audit",
    "f1": "metrics",
    "exact_match": "metrics",
    "normalize_answer": "metrics",
    "best_f1": "metrics",
}

__all__ = [
    "Alias",
    "AliasRules",
    "AliasTable",
    "AuditContext",
    "AuditReport",
    "Block",
    "Disorder",
    "Document",
    "DocumentError",
    "Edit",
    "ExtraAlias",
    "FetchError",
    "Finding",
    "MMRareError",
    "MaskRecord",
    "MaskResult",
    "MaskedView",
    "Masker",
    "MissingExtraError",
    "Normalized",
    "Ontology",
    "OntologyFormatError",
    "ReleaseInfo",
    "RuleFileError",
    "Scope",
    "SearchHit",
    "UnknownCodeError",
    "UnsafeXMLError",
    "__version__",
    "audit_item",
    "best_f1",
    "build_view",
    "exact_match",
    "expand_aliases",
    "f1",
    "fetch_release",
    "load",
    "mask_many",
    "normalize",
    "normalize_answer",
    "normalize_text",
    "parse_code",
    "parse_jats",
    "parse_text",
    "read_document",
    "truncate_at",
    "truncate_before",
]

if TYPE_CHECKING:  # pragma: no cover
    from .aliases import Alias, AliasRules, AliasTable, expand_aliases
    from .audit import AuditContext, audit_item
    from .document import Block, Document
    from .errors import (
        DocumentError,
        FetchError,
        MissingExtraError,
        MMRareError,
        OntologyFormatError,
        RuleFileError,
        UnknownCodeError,
        UnsafeXMLError,
    )
    from .fetch import fetch_release
    from .findings import AuditReport, Finding
    from .jats import parse_jats
    from .masking import Edit, Masker, MaskRecord, MaskResult, Scope, mask_many
    from .metrics import best_f1, exact_match, f1, normalize_answer
    from .model import Disorder, ExtraAlias, ReleaseInfo, parse_code
    from .normalize import Normalized, normalize, normalize_text
    from .ontology import Ontology, SearchHit, load
    from .temporal import truncate_at, truncate_before
    from .textdoc import parse_text
    from .views import MaskedView, build_view, read_document


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mmrare_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
