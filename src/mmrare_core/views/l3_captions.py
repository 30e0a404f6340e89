"""Layer 3: figure, table and supplementary captions become ``[CAPTION_MASKED]``.

What a caption looks like is data (``rules/captions.json``): label names, the caption-line
shape, the sentences that only refer to a figure, captions glued to the text before them.
:class:`~mmrare_core.documents.captions.CaptionRules` compiles them; :func:`parse_text
<mmrare_core.documents.text.parse_text>` uses the same rules to split captions into blocks.

:func:`layer3` masks

* every caption block (``figure_caption``, ``table_caption``, ``supplementary_caption``):
  a block whose text starts with its label run keeps the run, and the rest becomes
  ``". " + token`` (``"Figure 2. CT of the chest ..."`` → ``"Figure 2. [CAPTION_MASKED]"``,
  ``"Fig. 1 Grossly necrotic ..."`` → ``"Fig. 1. [CAPTION_MASKED]"``); any other caption
  block (a JATS caption, whose label is in ``Block.label``, or a caption's later paragraph)
  becomes the token alone;
* captions inside any other block but a table (a caption line at the start of a line, a
  caption glued to the text before it, or one that starts a sentence in running text: rule
  ``sentence_caption``, ``"... was admitted. Figure 1. Chest radiograph ..."``): the text
  after the label, up to the next caption or the end of the line, becomes ``". " + token``
  (``"It was seen. Fig. 1. CT. Fig. 2. MRI."`` → ``"It was seen. Fig. 1. [CAPTION_MASKED]Fig.
  2. [CAPTION_MASKED]"``: the second label stays glued to the token, so that masking again
  finds both captions masked).

In-text references stay: ``(Fig. 1)``, ``as shown in Figure 2``, ``Figure 2 shows ...``,
``see Fig. 3: ...``. Masking twice equals masking once.

>>> from mmrare_core.documents.document import Block, Document
>>> doc = Document((Block("figure-2.caption", "figure_caption", "Figure 2. CT of the chest.",
...                       label="Figure 2"),
...                 Block("p1", "paragraph", "An effusion (Figure 2).Table 1 Labs on day 1")))
>>> masked, edits = layer3(doc)
>>> [b.text for b in masked.blocks]
['Figure 2. [CAPTION_MASKED]', 'An effusion (Figure 2).Table 1. [CAPTION_MASKED]']
>>> for e in edits:
...     print(e.block_id, e.start, e.end, repr(e.original), e.rule)
figure-2.caption 8 26 '. CT of the chest.' caption_block
p1 30 44 ' Labs on day 1' glued_caption
>>> block = Block("p2", "paragraph", "He was admitted (Fig. 1). Fig. 1: CT. As shown in Fig. 2.")
>>> [(e.original, e.rule) for e in mask_block(block)]
[(': CT. As shown in Fig. 2.', 'sentence_caption')]
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import NamedTuple

from mmrare_core.documents.captions import CaptionRules, default_caption_rules
from mmrare_core.documents.document import TABLE, Block, Document
from mmrare_core.text.spans import apply_edits

__all__ = [
    "CAPTION_TOKEN",
    "CaptionEdit",
    "Layer3Result",
    "layer3",
    "mask_block",
]

#: The replacement of caption text.
CAPTION_TOKEN = "[CAPTION_MASKED]"


@dataclass(frozen=True, slots=True)
class CaptionEdit:
    """One masked caption: where in which block, what was there, what replaced it, why.

    ``start`` and ``end`` are offsets in the block's original text.
    """

    block_id: str
    start: int
    end: int
    original: str
    replacement: str
    rule: str
    label: str = ""


class Layer3Result(NamedTuple):
    """The masked document and the edits, in document order."""

    document: Document
    edits: tuple[CaptionEdit, ...]


def _rules(rules: CaptionRules | None) -> CaptionRules:
    return rules if rules is not None else default_caption_rules()


def layer3(
    doc: Document, token: str = CAPTION_TOKEN, rules: CaptionRules | None = None
) -> Layer3Result:
    """Mask every caption of ``doc`` (see the module docstring); explain each edit."""
    if not token:
        raise ValueError("layer3: the caption token must not be empty")
    compiled = _rules(rules)
    blocks: list[Block] = []
    edits: list[CaptionEdit] = []
    for block in doc.blocks:
        block_edits = mask_block(block, token, compiled)
        edits.extend(block_edits)
        blocks.append(_apply(block, block_edits))
    return Layer3Result(_with_blocks(doc, blocks), tuple(edits))


def mask_block(
    block: Block, token: str = CAPTION_TOKEN, rules: CaptionRules | None = None
) -> list[CaptionEdit]:
    """The caption edits Layer 3 makes in one block, in text order."""
    compiled = _rules(rules)
    if block.kind in compiled.block_kinds:
        return _caption_block(block, token, compiled)
    if block.kind == TABLE:
        return []
    edits = []
    for match in compiled.iter_captions(block.text, sentences=True):
        if block.text[match.body_start : match.end].strip() != token:
            edits.append(_edit(block, match.label_end, match.end, ". " + token, match.rule))
    return edits


def _caption_block(block: Block, token: str, rules: CaptionRules) -> list[CaptionEdit]:
    text = block.text
    first = rules.match_line(text.split("\n", 1)[0])
    if first is None:
        return [] if text == token else [_edit(block, 0, len(text), token, rules.block_rule)]
    if first.bare and "\n" not in text:
        return []  # a label without caption text
    if text[first.end if first.bare else first.body_start :].strip() == token:
        return []
    return [_edit(block, first.label_end, len(text), ". " + token, rules.block_rule)]


def _edit(block: Block, start: int, end: int, replacement: str, rule: str) -> CaptionEdit:
    return CaptionEdit(block.id, start, end, block.text[start:end], replacement, rule, block.label)


def _apply(block: Block, edits: list[CaptionEdit]) -> Block:
    return dataclasses.replace(block, text=apply_edits(block.text, edits)) if edits else block


def _with_blocks(doc: Document, blocks: list[Block]) -> Document:
    """``doc`` with other blocks (``dataclasses.replace`` would share the id index)."""
    return Document(
        tuple(blocks), doc.source, doc.title, doc.pmcid, doc.article_type, doc.id_scheme
    )
