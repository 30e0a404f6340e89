"""A case report as typed blocks with persistent ids (the evidence anchors).

``parse_jats`` reads PMC JATS XML and ``parse_text`` plain-text or Markdown reports; both give
a :class:`Document` of :class:`Block` s. Block ids survive re-parsing and unrelated edits
elsewhere in the article (DESIGN.md, Decisions): the nearest element ``@id`` when there is
one, else a slug of the section title plus a short hash of the block's text; an ordinal only
breaks a collision. The scheme has a version (:data:`ID_SCHEME`), recorded in every
``leakage_audit``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "ID_SCHEME",
    "KINDS",
    "Block",
    "Document",
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
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

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
