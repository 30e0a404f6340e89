"""A case report as typed blocks with persistent ids (the evidence anchors).

``parse_jats`` reads PMC JATS XML and ``parse_text`` plain-text or Markdown reports; both give
a :class:`Document` of :class:`Block` s. Block ids survive re-parsing and unrelated edits
elsewhere in the article (DESIGN.md, Decisions): the nearest element ``@id`` when there is
one, else a slug of the section title plus a short hash of the block's text; an ordinal only
breaks a collision. The scheme has a version (:data:`ID_SCHEME`), recorded in every
``leakage_audit``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

__all__ = [
    "ID_SCHEME",
    "KINDS",
    "Block",
    "Document",
    "slug",
    "text_digest",
]

#: Version of the block-id scheme; bump when ids would change for the same input.
ID_SCHEME = "blockid-v1"

TITLE = "title"
ABSTRACT = "abstract"
KEYWORDS = "keywords"
HEADING = "heading"
PARAGRAPH = "paragraph"
LIST_ITEM = "list_item"
FIGURE_CAPTION = "figure_caption"
TABLE_CAPTION = "table_caption"
SUPPLEMENTARY_CAPTION = "supplementary_caption"
TABLE = "table"
FOOTNOTE = "footnote"
BACK_MATTER = "back_matter"

#: Every block kind.
KINDS = (
    TITLE, ABSTRACT, KEYWORDS, HEADING, PARAGRAPH, LIST_ITEM, FIGURE_CAPTION, TABLE_CAPTION,
    SUPPLEMENTARY_CAPTION, TABLE, FOOTNOTE, BACK_MATTER,
)  # fmt: skip
#: Kinds whose text is a caption (Layer 3 replaces it).
CAPTION_KINDS = frozenset({FIGURE_CAPTION, TABLE_CAPTION, SUPPLEMENTARY_CAPTION})


@dataclass(frozen=True, slots=True)
class Block:
    """One unit of a report: a paragraph, a heading, a caption, a table...

    ``section`` is the path of section titles above the block (outermost first);
    ``label`` is a caption's label ("Figure 2", "Table 1"); ``line`` is where the block
    starts in the source file (1-based), when known.
    """

    id: str
    kind: str
    text: str
    section: tuple[str, ...] = ()
    label: str = ""
    line: int | None = None

    @property
    def is_caption(self) -> bool:
        return self.kind in CAPTION_KINDS


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed report: its blocks in reading order, where it came from, a little metadata."""

    blocks: tuple[Block, ...]
    source: str = "<text>"
    title: str = ""
    pmcid: str = ""
    article_type: str = ""
    id_scheme: str = ID_SCHEME
    _index: dict[str, int] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update((b.id, i) for i, b in enumerate(self.blocks))
        if len(self._index) != len(self.blocks):
            raise ValueError(f"{self.source}: duplicate block ids")

    def block(self, block_id: str) -> Block:
        """The block with this id; ``KeyError`` naming the document when there is none."""
        try:
            return self.blocks[self._index[block_id]]
        except KeyError:
            raise KeyError(f"{self.source}: no block {block_id!r}") from None

    def __contains__(self, block_id: object) -> bool:
        return block_id in self._index

    @property
    def text(self) -> str:
        """All blocks' text, separated by blank lines."""
        return "\n\n".join(b.text for b in self.blocks)


_SLUG_DROP = re.compile(r"[^a-z0-9]+")


def text_digest(text: str) -> str:
    """8 hex characters of BLAKE2b over the normalized text: the hash part of block ids.

    >>> text_digest("Fever  began.") == text_digest("fever began.")
    True
    """
    from mmrare_core.text.normalize import normalize_text

    data = normalize_text(text).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=4).hexdigest()


def slug(title: str) -> str:
    """``"Case presentation"`` -> ``"case-presentation"`` (ASCII, at most 40 characters).

    >>> slug("2.1. Laboratory Findings")
    '2-1-laboratory-findings'
    """
    ascii_ = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    out = _SLUG_DROP.sub("-", ascii_).strip("-")
    if len(out) > 40:
        out = out[:40].rsplit("-", 1)[0] or out[:40]
    return out or "s-" + text_digest(title)[:6]
