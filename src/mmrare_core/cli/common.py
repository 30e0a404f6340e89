"""What every command shares: exit codes, the release options and loading the release."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "load_ontology", "source_options"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def source_options(parser: argparse.ArgumentParser) -> None:
    """The options that choose the Orphanet release (and ``--json``)."""
    parser.add_argument(
        "--orphanet",
        metavar="PATH",
        help="Orphanet release: a file or folder (ORPHApackets, product1, ORDO OWL, nomenclature "
        "TSV; gzip accepted). Default: $MMRARE_ORPHANET, else the embedded sample.",
    )
    parser.add_argument(
        "--aliases",
        metavar="TSV",
        action="append",
        default=[],
        help="extra alias file (code and term columns; e.g. the Orphanet name history); repeatable",
    )
    parser.add_argument(
        "--classifications",
        action="store_true",
        help="merge the product3 classification files found beside the release",
    )
    parser.add_argument("--no-cache", action="store_true", help="parse the source again")
    parser.add_argument("--json", action="store_true", help="print JSON on stdout")


def load_ontology(args: argparse.Namespace) -> Any:
    """The release the ``source_options`` of ``args`` name."""
    from mmrare_core.ontology.ontology import load

    return load(
        args.orphanet,
        aliases=args.aliases,
        classifications=args.classifications,
        cache=not args.no_cache,
    )
