"""Readers for the Orphanet release formats, each returning a :class:`SourceRelease`.

Orphadata, CC BY 4.0; attribution "Orphadata: Free access data from Orphanet. © INSERM
1999. Available on http://www.orphadata.com". One module per format, each with a reader
and a ``can_read(path)`` test by content (gzip recognised by its magic bytes):

* :mod:`.packets` — ORPHApackets JSON (:func:`read_packets`);
* :mod:`.product1` — product1 XML, names and cross-references (:func:`read_product1`);
* :mod:`.product3` — product3 XML, the classifications (:func:`read_product3`);
* :mod:`.ordo` — ORDO OWL via rdflib, imported lazily (:func:`read_ordo`);
* :mod:`.nomenclature` — the flat nomenclature TSV (:func:`read_nomenclature_tsv`);
* :mod:`.alias_tsv` — ``--aliases`` files of curated or former names (:func:`read_alias_tsv`).

Every reader tidies white space in names, synonyms and definitions (runs of spaces, tabs
or no-break spaces become one space): the 2025-12-09 release has a double space in one
label and in ten synonyms, and a no-break space in one synonym.

:func:`detect_format` picks the one format whose test accepts a file, and
:func:`read_source` reads a file or picks the release file of a folder. Product3 files
are an older release: they are merged only on request (:func:`merge_classifications`).
"""

from mmrare_core.ontology.formats.alias_tsv import alias_file_info, read_alias_tsv
from mmrare_core.ontology.formats.alias_tsv import can_read as can_read_alias_tsv
from mmrare_core.ontology.formats.common import merge_classifications
from mmrare_core.ontology.formats.nomenclature import can_read as can_read_nomenclature_tsv
from mmrare_core.ontology.formats.nomenclature import read_nomenclature_tsv
from mmrare_core.ontology.formats.ordo import can_read as can_read_ordo
from mmrare_core.ontology.formats.ordo import read_ordo
from mmrare_core.ontology.formats.packets import can_read as can_read_packets
from mmrare_core.ontology.formats.packets import read_packets
from mmrare_core.ontology.formats.product1 import can_read as can_read_product1
from mmrare_core.ontology.formats.product1 import read_product1
from mmrare_core.ontology.formats.product3 import can_read as can_read_product3
from mmrare_core.ontology.formats.product3 import read_product3
from mmrare_core.ontology.formats.source import (
    FORMATS,
    PRIMARY_FORMATS,
    classification_files,
    detect_format,
    read_sample,
    read_source,
    source_files,
)

__all__ = [
    "FORMATS",
    "PRIMARY_FORMATS",
    "alias_file_info",
    "can_read_alias_tsv",
    "can_read_nomenclature_tsv",
    "can_read_ordo",
    "can_read_packets",
    "can_read_product1",
    "can_read_product3",
    "classification_files",
    "detect_format",
    "merge_classifications",
    "read_alias_tsv",
    "read_nomenclature_tsv",
    "read_ordo",
    "read_packets",
    "read_product1",
    "read_product3",
    "read_sample",
    "read_source",
    "source_files",
]
