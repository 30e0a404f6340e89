"""``python -m mmrare_core.audit``: the audit command (:mod:`mmrare_core.cli.audit`)."""

from mmrare_core.cli.audit import main

if __name__ == "__main__":
    raise SystemExit(main())
