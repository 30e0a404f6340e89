"""``python -m mmrare_core`` runs the ``mmrare`` command."""

from .cli import main

raise SystemExit(main())
