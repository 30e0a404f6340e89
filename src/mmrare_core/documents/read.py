"""Read a report file of either kind."""

from __future__ import annotations

from pathlib import Path

from mmrare_core.documents.document import Document
from mmrare_core.documents.jats import parse_jats
from mmrare_core.documents.text import parse_text

__all__ = ["read_document"]


def read_document(path: str | Path) -> Document:
    """Parse a report file: JATS XML when it starts with ``<``, else plain text / Markdown."""
    path = Path(path)
    head = path.read_bytes()[:512].lstrip()
    if head.startswith(b"<") or head.startswith(b"\x1f\x8b"):
        return parse_jats(path)
    return parse_text(path.read_text(encoding="utf-8"), source=str(path))
