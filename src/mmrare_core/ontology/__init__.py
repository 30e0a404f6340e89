"""The Orphanet ontology: the model, the readers of each release format, alias expansion,
distinctive fragments, the loaded :class:`Ontology` and its disk cache, the download."""

from mmrare_core.ontology.aliases import Alias, AliasRules, AliasTable, expand_aliases
from mmrare_core.ontology.fetch import fetch_release
from mmrare_core.ontology.model import Disorder, ExtraAlias, ReleaseInfo, parse_code
from mmrare_core.ontology.ontology import Ontology, SearchHit, load

__all__ = [
    "Alias",
    "AliasRules",
    "AliasTable",
    "Disorder",
    "ExtraAlias",
    "Ontology",
    "ReleaseInfo",
    "SearchHit",
    "expand_aliases",
    "fetch_release",
    "load",
    "parse_code",
]
