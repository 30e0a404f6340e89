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

from mmrare_core._version import __version__

#: public name -> the subpackage whose face holds it
_EXPORTS = {
    "MMRareError": "errors",
    "RuleFileError": "errors",
    "OntologyFormatError": "errors",
    "UnknownCodeError": "errors",
    "UnsafeXMLError": "errors",
    "FetchError": "errors",
    "MissingExtraError": "errors",
    "Disorder": "ontology",
    "ExtraAlias": "ontology",
    "ReleaseInfo": "ontology",
    "parse_code": "ontology",
    "Normalized": "text",
    "normalize": "text",
    "normalize_text": "text",
    "Alias": "ontology",
    "AliasRules": "ontology",
    "AliasTable": "ontology",
    "expand_aliases": "ontology",
    "Ontology": "ontology",
    "SearchHit": "ontology",
    "load": "ontology",
    "fetch_release": "ontology",
    "DocumentError": "errors",
    "Masker": "masking",
    "MaskResult": "masking",
    "Edit": "masking",
    "MaskConfig": "masking",
    "Match": "masking",
    "Scope": "masking",
    "mask_many": "masking",
    "MaskRecord": "masking",
    "Document": "documents",
    "Block": "documents",
    "parse_jats": "documents",
    "parse_text": "documents",
    "build_view": "views",
    "MaskedView": "views",
    "ViewConfig": "views",
    "read_document": "documents",
    "truncate_before": "views",
    "truncate_at": "views",
    "Finding": "audit",
    "AuditReport": "audit",
    "audit_item": "audit",
    "AuditContext": "audit",
    "f1": "scoring",
    "exact_match": "scoring",
    "normalize_answer": "scoring",
    "best_f1": "scoring",
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
    "MaskConfig",
    "MaskRecord",
    "MaskResult",
    "MaskedView",
    "Masker",
    "Match",
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
    "ViewConfig",
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
    from mmrare_core.audit.findings import AuditReport, Finding
    from mmrare_core.audit.run import AuditContext, audit_item
    from mmrare_core.documents.document import Block, Document
    from mmrare_core.documents.jats import parse_jats
    from mmrare_core.documents.read import read_document
    from mmrare_core.documents.text import parse_text
    from mmrare_core.errors import (
        DocumentError,
        FetchError,
        MissingExtraError,
        MMRareError,
        OntologyFormatError,
        RuleFileError,
        UnknownCodeError,
        UnsafeXMLError,
    )
    from mmrare_core.masking.masker import (
        Edit,
        MaskConfig,
        Masker,
        MaskRecord,
        MaskResult,
        Match,
        Scope,
        mask_many,
    )
    from mmrare_core.ontology.aliases import Alias, AliasRules, AliasTable, expand_aliases
    from mmrare_core.ontology.fetch import fetch_release
    from mmrare_core.ontology.model import Disorder, ExtraAlias, ReleaseInfo, parse_code
    from mmrare_core.ontology.ontology import Ontology, SearchHit, load
    from mmrare_core.scoring.metrics import best_f1, exact_match, f1, normalize_answer
    from mmrare_core.text.normalize import Normalized, normalize, normalize_text
    from mmrare_core.views.build import MaskedView, ViewConfig, build_view
    from mmrare_core.views.t4_truncation import truncate_at, truncate_before


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mmrare_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
