"""Shared fixtures: the real data beside the checkout, hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

#: ``../shared/data`` beside the checkout (CI and developers); absent in a user's fresh clone.
SHARED_DATA = Path(
    os.environ.get("MMRARE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
ORPHANET_DIR = SHARED_DATA / "orphanet"
PACKETS = ORPHANET_DIR / "orphapackets_en_2025-12-09.jsonl.gz"
NAME_HISTORY = ORPHANET_DIR / "orpha_name_history_2020-07_to_2025-12.tsv"

settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "deep", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("MMRARE_HYPOTHESIS_PROFILE", "ci"))


def require(path: Path) -> Path:
    """Skip the calling test with a clear reason when ``path`` (real data) is absent."""
    if not path.exists():
        pytest.skip(f"real data not available: {path} (needs ../shared beside the checkout)")
    return path


@pytest.fixture(scope="session")
def packets_path() -> Path:
    return require(PACKETS)


@pytest.fixture(scope="session")
def name_history_path() -> Path:
    return require(NAME_HISTORY)


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test writes its ontology cache into a private folder, never into ~/.cache."""
    monkeypatch.setenv("MMRARE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.delenv("MMRARE_ORPHANET", raising=False)
