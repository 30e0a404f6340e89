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
}

__all__ = [
    "Alias",
    "AliasRules",
    "AliasTable",
    "Disorder",
    "ExtraAlias",
    "FetchError",
    "MMRareError",
    "MissingExtraError",
    "Normalized",
    "Ontology",
    "OntologyFormatError",
    "ReleaseInfo",
    "RuleFileError",
    "SearchHit",
    "UnknownCodeError",
    "UnsafeXMLError",
    "__version__",
    "expand_aliases",
    "fetch_release",
    "load",
    "normalize",
    "normalize_text",
    "parse_code",
]

if TYPE_CHECKING:  # pragma: no cover
    from .aliases import Alias, AliasRules, AliasTable, expand_aliases
    from .errors import (
        FetchError,
        MissingExtraError,
        MMRareError,
        OntologyFormatError,
        RuleFileError,
        UnknownCodeError,
        UnsafeXMLError,
    )
    from .fetch import fetch_release
    from .model import Disorder, ExtraAlias, ReleaseInfo, parse_code
    from .normalize import Normalized, normalize, normalize_text
    from .ontology import Ontology, SearchHit, load


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mmrare_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
