"""Value types shared by the Orphanet readers, the ontology and the alias table."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mmrare_core.errors import UnknownCodeError

__all__ = [
    "DISORDER",
    "GROUP_OF_DISORDERS",
    "SUBTYPE_OF_DISORDER",
    "Disorder",
    "ExtraAlias",
    "ReleaseInfo",
    "SourceRelease",
    "group_for_type",
    "parse_code",
]

GROUP_OF_DISORDERS = "Group of disorders"
DISORDER = "Disorder"
SUBTYPE_OF_DISORDER = "Subtype of disorder"

#: Orphanet's mapping from DisorderType to DisorderGroup (the packets do not store the group).
_TYPE_TO_GROUP = {
    "category": GROUP_OF_DISORDERS,
    "clinical group": GROUP_OF_DISORDERS,
    "clinical subtype": SUBTYPE_OF_DISORDER,
    "etiological subtype": SUBTYPE_OF_DISORDER,
    "histopathological subtype": SUBTYPE_OF_DISORDER,
}

_CODE = re.compile(
    r"\s*(?:(?:orpha(?:net)?|ordo)\s*[:_ ]?\s*|https?://www\.orpha\.net/ORDO/Orphanet_)?(\d+)\s*",
    re.IGNORECASE,
)


def group_for_type(disorder_type: str) -> str:
    """Orphanet's DisorderGroup for a DisorderType.

    >>> group_for_type("Clinical subtype")
    'Subtype of disorder'
    >>> group_for_type("Malformation syndrome")
    'Disorder'
    """
    return _TYPE_TO_GROUP.get(disorder_type.strip().lower(), DISORDER)


def parse_code(code: int | str) -> int:
    """Read an ORPHA code in any usual spelling.

    >>> [parse_code(c) for c in (1775, "1775", "ORPHA:1775", "Orphanet_1775", "orpha 1775")]
    [1775, 1775, 1775, 1775, 1775]
    >>> parse_code("http://www.orpha.net/ORDO/Orphanet_646")
    646
    """
    if isinstance(code, bool):
        raise UnknownCodeError(f"not an ORPHA code: {code!r}")
    if isinstance(code, int):
        if code <= 0:
            raise UnknownCodeError(f"not an ORPHA code: {code!r} (codes are positive)")
        return code
    if isinstance(code, str):
        match = _CODE.fullmatch(code)
        if match:
            return int(match.group(1))
    raise UnknownCodeError(
        f"not an ORPHA code: {code!r} (expected 1775, '1775', 'ORPHA:1775' or 'Orphanet_1775')"
    )


@dataclass(frozen=True, slots=True)
class Disorder:
    """One Orphanet entity: a group of disorders, a disorder or a subtype.

    >>> d = Disorder(1775, "Dyskeratosis congenita", ("DKC",), "Disease", "Disorder")
    >>> d.curie, d.is_group, d.names
    ('ORPHA:1775', False, ('Dyskeratosis congenita', 'DKC'))
    """

    code: int
    name: str
    synonyms: tuple[str, ...] = ()
    disorder_type: str = ""
    group: str = DISORDER
    parents: tuple[int, ...] = ()
    omim: tuple[str, ...] = ()
    genes: tuple[str, ...] = ()
    definition: str = ""

    @property
    def curie(self) -> str:
        """The code as ``ORPHA:<code>``."""
        return f"ORPHA:{self.code}"

    @property
    def names(self) -> tuple[str, ...]:
        """The preferred name followed by the synonyms."""
        return (self.name, *self.synonyms)

    @property
    def is_group(self) -> bool:
        return self.group == GROUP_OF_DISORDERS

    @property
    def is_subtype(self) -> bool:
        return self.group == SUBTYPE_OF_DISORDER


@dataclass(frozen=True, slots=True)
class ReleaseInfo:
    """Where a part of the loaded ontology came from."""

    format: str
    path: str
    version: str = ""
    date: str = ""
    sha256: str = ""
    records: int = 0

    def describe(self) -> str:
        """One line for logs and reports."""
        parts = [self.format, self.version, self.date]
        return " ".join(p for p in parts if p) + f" ({self.records} records, {self.path})"


@dataclass(frozen=True, slots=True)
class ExtraAlias:
    """A curated or former name from an ``--aliases`` file, with its provenance."""

    code: int
    term: str
    rule: str = "curated"
    source: str = ""
    line: int = 0
    provenance: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class SourceRelease:
    """What one reader returns: disorders by code, hierarchy edges and where they came from.

    ``parents`` holds child -> parent edges for readers whose format keeps the hierarchy
    apart from the disorder records (product3); other readers fill ``Disorder.parents``.
    ``labels`` names the codes that are only known as someone's parent. ``extra_infos``
    names the other sources merged in (e.g. product3 files); ``infos`` lists them all.
    """

    disorders: dict[int, Disorder]
    info: ReleaseInfo
    parents: dict[int, tuple[int, ...]] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)
    extra_infos: tuple[ReleaseInfo, ...] = ()

    @property
    def infos(self) -> tuple[ReleaseInfo, ...]:
        """Every source of this release, the primary one first."""
        return (self.info, *self.extra_infos)
