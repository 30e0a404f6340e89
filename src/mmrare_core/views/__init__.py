"""Leakage-controlled views by track: Layer 1 (sections), Layer 2 (the diagnosis, through
:mod:`mmrare_core.masking`), Layer 3 (captions), T4 (truncation), and the ``leakage_audit``."""

from mmrare_core.views.build import LeakageAudit, MaskedView, Track, ViewConfig, build_view, tracks
from mmrare_core.views.t4_truncation import truncate_at, truncate_before

__all__ = [
    "LeakageAudit",
    "MaskedView",
    "Track",
    "ViewConfig",
    "build_view",
    "tracks",
    "truncate_at",
    "truncate_before",
]
