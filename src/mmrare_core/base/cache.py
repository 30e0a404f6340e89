"""The on-disk cache of parsed releases and compiled maskers (pickles keyed by content hashes).

A missing, corrupt or stale file is a cache miss, never an error; a read-only cache folder
only costs speed. The folder is ``$MMRARE_CACHE_DIR``, else ``$XDG_CACHE_HOME/mmrare_core``,
else ``~/.cache/mmrare_core`` (:func:`cache_dir`).
"""

from __future__ import annotations

import os
import pickle
import tempfile
import warnings
from pathlib import Path
from typing import TypeVar

from mmrare_core.errors import MMRareWarning

__all__ = ["cache_dir", "cache_file", "read_cached", "write_cached"]

T = TypeVar("T")


def cache_dir() -> Path:
    """The cache root: ``$MMRARE_CACHE_DIR``, else ``$XDG_CACHE_HOME/mmrare_core``,
    else ``~/.cache/mmrare_core``. Not created here."""
    if explicit := os.environ.get("MMRARE_CACHE_DIR"):
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "mmrare_core"


def cache_file(kind: str, key: str) -> Path:
    """Where the cached object of ``kind`` (a subfolder) and ``key`` lives."""
    return cache_dir() / kind / f"{key}.pickle"


def read_cached(kind: str, key: str, expected: type[T]) -> T | None:
    """The cached object, or None when absent, unreadable or not of the expected type."""
    try:
        with cache_file(kind, key).open("rb") as fh:
            value = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None
    return value if isinstance(value, expected) else None


def write_cached(kind: str, key: str, value: object) -> None:
    """Write atomically (temporary file + rename); warn, never fail, when it cannot."""
    path = cache_file(kind, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(fh.name, path)
    except OSError as exc:
        warnings.warn(f"cache not written ({path}): {exc}", MMRareWarning, stacklevel=3)
