"""Pick and read a release: format detection, folders, product3 merging, the sample.

:func:`detect_format` asks each format's ``sniff`` (what its ``can_read`` applies to a
file) about the file's head; the formats exclude one another, so at most one matches.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path

from mmrare_core.errors import OntologyFormatError, SourceWarning, where
from mmrare_core.ontology.formats import alias_tsv, nomenclature, ordo, packets, product1, product3
from mmrare_core.ontology.formats.common import (
    PathLike,
    head_text,
    merge_classifications,
    visible_files,
)
from mmrare_core.ontology.model import SourceRelease

__all__ = [
    "FORMATS",
    "PRIMARY_FORMATS",
    "classification_files",
    "detect_format",
    "read_sample",
    "read_source",
    "source_files",
]

_MODULES = (packets, product1, product3, ordo, nomenclature, alias_tsv)
_SNIFFERS: dict[str, Callable[[str], bool]] = {m.FORMAT: m.sniff for m in _MODULES}
_READERS: dict[str, Callable[[Path], SourceRelease]] = {
    packets.FORMAT: packets.read_packets,
    product1.FORMAT: product1.read_product1,
    product3.FORMAT: product3.read_product3,
    ordo.FORMAT: ordo.read_ordo,
    nomenclature.FORMAT: nomenclature.read_nomenclature_tsv,
}

#: Every format :func:`detect_format` recognises.
FORMATS = tuple(_SNIFFERS)
#: Formats that can be a release on their own, in the order a folder is searched.
PRIMARY_FORMATS = (packets.FORMAT, product1.FORMAT, ordo.FORMAT, nomenclature.FORMAT)


def detect_format(path: PathLike) -> str:
    """The format of a file, from its content (gzip recognised by its magic bytes).

    One of :data:`FORMATS`; anything else raises :class:`OntologyFormatError`.
    """
    if Path(path).is_dir():
        raise OntologyFormatError(f"{where(path)}: a folder, not a file (see read_source)")
    head = head_text(path)
    fmt = next((fmt for fmt, sniff in _SNIFFERS.items() if sniff(head)), None)
    if fmt is None:
        raise OntologyFormatError(
            f"{where(path)}: unknown format; accepted: ORPHApackets JSON (one packet a line, "
            "a list or a single packet), Orphadata product1 XML, product3 classification XML, "
            "ORDO OWL (RDF/XML), the nomenclature TSV and alias TSV files (gzip accepted)"
        )
    return fmt


# --------------------------------------------------------------------------- folders


def _scan_folder(folder: Path) -> list[tuple[Path, str]]:
    """Every recognised file under ``folder`` (hidden entries skipped), sorted by path."""
    found = []
    for file in visible_files(folder):
        try:
            found.append((file, detect_format(file)))
        except OntologyFormatError:
            continue  # README, SOURCE.md, ...: not a release file
    return found


def _pick_primary(folder: Path, found: list[tuple[Path, str]]) -> Path | None:
    ranked = sorted(
        (PRIMARY_FORMATS.index(fmt), file.name, file)
        for file, fmt in found
        if fmt in PRIMARY_FORMATS
    )
    if not ranked:
        return None
    chosen = ranked[0][2]
    others = [f"{file.name}" for _, _, file in ranked[1:]]
    if others:
        warnings.warn(
            f"{folder}: reading {chosen.name}; also found {', '.join(others)} (not read)",
            SourceWarning,
            stacklevel=3,
        )
    return chosen


def source_files(path: PathLike) -> list[Path]:
    """The release file :func:`read_source` reads for ``path`` (a file, or a folder's pick)."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SourceWarning)
        chosen = _pick_primary(path, _scan_folder(path))
    return [chosen] if chosen else []


def classification_files(
    path: PathLike, classifications: bool | Iterable[PathLike] = False
) -> list[Path]:
    """The product3 files to merge: none, those in the folder ``path`` (True), or given ones."""
    if classifications is False:
        return []
    if classifications is True:
        folder = Path(path)
        return product3.product3_paths(folder) if folder.is_dir() else []
    return product3.product3_paths(classifications)


# --------------------------------------------------------------------------- reading


def _read_file(path: Path, fmt: str) -> SourceRelease:
    if fmt == alias_tsv.FORMAT:
        raise OntologyFormatError(
            f"{where(path)}: an alias file, not a release; pass it with --aliases"
        )
    return _READERS[fmt](path)


def _warn_conflicts(path: Path, conflicts: list[str]) -> None:
    if conflicts:
        shown = "; ".join(conflicts[:5])
        warnings.warn(
            f"{path}: {len(conflicts)} classification conflict(s): {shown}"
            f"{'; ...' if len(conflicts) > 5 else ''}",
            SourceWarning,
            stacklevel=3,
        )


def read_source(path: PathLike, *, classifications: bool = False) -> SourceRelease:
    """Read a release file in any format, or pick the release file of a folder.

    In a folder the first by :data:`PRIMARY_FORMATS` order, then name, is read (the
    others are named in a :class:`SourceWarning`); alias TSVs are ignored, and product3
    files are merged only with ``classifications=True`` (a :class:`SourceWarning`
    summarises the conflicts).
    """
    path = Path(path)
    if not path.is_dir():
        return _read_file(path, detect_format(path))
    found = _scan_folder(path)
    chosen = _pick_primary(path, found)
    product3_files = [file for file, fmt in found if fmt == product3.FORMAT]
    if chosen is None:
        if product3_files and classifications:
            return product3.read_product3(product3_files)
        hint = " (only product3 files: pass classifications=True)" if product3_files else ""
        raise OntologyFormatError(f"{where(path)}: no Orphanet release file in this folder{hint}")
    release = _read_file(chosen, detect_format(chosen))
    if classifications and product3_files:
        release, conflicts = merge_classifications(release, product3.read_product3(product3_files))
        _warn_conflicts(path, conflicts)
    return release


# --------------------------------------------------------------------------- sample


def read_sample() -> SourceRelease:
    """The embedded sample release: the product1 sample with the product3 sample merged.

    >>> sample = read_sample()
    >>> sample.disorders[1775].name, sample.disorders[216972].parents
    ('Dyskeratosis congenita', (646,))
    """
    folder = resources.files("mmrare_core") / "data" / "ontology"
    with resources.as_file(folder / "en_product1.sample.xml") as file:
        release = product1.read_product1(file)
    with resources.as_file(folder / "en_product3.sample.xml") as file:
        hierarchy = product3.read_product3(file)
    merged, conflicts = merge_classifications(release, hierarchy)
    if conflicts:  # pragma: no cover - the shipped sample is consistent (tested)
        warnings.warn("; ".join(conflicts), SourceWarning, stacklevel=2)
    return merged
