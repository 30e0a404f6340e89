"""``import mmrare_core`` stays light, and its public face is what ``__all__`` says."""

from __future__ import annotations

import subprocess
import sys

import mmrare_core


def test_import_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, mmrare_core; mmrare_core.parse_code('ORPHA:1'); "
        "print(sorted(m for m in ('spacy', 'rdflib', 'lxml', 'rapidfuzz', 'ahocorasick') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_resolves() -> None:
    for name in mmrare_core.__all__:
        assert getattr(mmrare_core, name) is not None
    assert set(mmrare_core.__all__) == {"__version__", *mmrare_core._EXPORTS}


def test_unknown_attribute_is_an_attribute_error() -> None:
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        mmrare_core.nope  # noqa: B018
