"""The command line: ``mmrare`` (:mod:`~mmrare_core.cli.mmrare`) and the audit command."""

from mmrare_core.cli.mmrare import main, run

__all__ = ["main", "run"]
