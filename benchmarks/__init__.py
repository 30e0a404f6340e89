"""Benchmarks of mmrare_core, run as modules from the repo root: ``python -m benchmarks.X``."""
