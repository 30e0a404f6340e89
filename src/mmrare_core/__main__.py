"""``python -m mmrare_core`` runs the ``mmrare`` command."""

from mmrare_core.cli.mmrare import main

if __name__ == "__main__":
    raise SystemExit(main())
