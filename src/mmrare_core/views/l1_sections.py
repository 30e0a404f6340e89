"""Layer 1: drop the title, the abstract, summaries, conclusions and back matter.

The section titles are data (``rules/sections.json``), compiled by
:class:`~mmrare_core.documents.sections.SectionRules`.
Rules of kind ``drop_kinds`` name block kinds (``title``, ``abstract``, ``keywords``,
``back_matter``); rules of kind ``drop_section`` name section titles (each rule an id such as
``conclusion`` or ``competing_interests``); ``section_title`` names body sections that stay.
The same titles let :func:`parse_text <mmrare_core.documents.text.parse_text>` find headings.

Titles are compared by :meth:`SectionRules.title_key`: leading symbols and numbering
(``"3."``, ``"III."``, ``"2.1"``) and trailing punctuation removed, then the shared
normalization (case, quotes, dashes, white space).

:func:`layer1` drops a block when

1. its kind is named by a ``drop_kinds`` rule; or
2. a title in its ``section`` path (or, for a heading, its own text) is named by a
   ``drop_section`` rule: the outermost such title decides the rule; or
3. it is a paragraph or list item that opens with a run-in title of a ``drop_section`` rule
   marked ``run_in`` and a colon (``"Conflict of Interest: Nil"``); or
4. it is a short paragraph or list item that a ``drop_statement`` rule matches (``"No
   potential conflict of interest relevant to this article was reported."``).

>>> from mmrare_core.documents.document import Block, Document
>>> doc = Document((Block("a", "paragraph", "A man of 40.", ("Case presentation",)),
...                 Block("b", "paragraph", "It was X.", ("5. CONCLUSIONS:",)),
...                 Block("c", "paragraph", "Conflict of Interest: Nil", ("Case presentation",))))
>>> kept, dropped = layer1(doc)
>>> [b.id for b in kept.blocks], [(d.block.id, d.rule) for d in dropped]
(['a'], [('b', 'conclusion'), ('c', 'competing_interests')])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from mmrare_core.documents.document import HEADING, LIST_ITEM, PARAGRAPH, Block, Document
from mmrare_core.documents.sections import SectionRules, default_section_rules

__all__ = ["DroppedBlock", "Layer1Result", "drop_reason", "layer1"]


@dataclass(frozen=True, slots=True)
class DroppedBlock:
    """A block Layer 1 dropped, the id of the rule that dropped it, and the matched title.

    ``title`` is the section title (or run-in title) the rule named; empty for a kind rule.
    """

    block: Block
    rule: str
    title: str = ""


class Layer1Result(NamedTuple):
    """The document without the dropped blocks, and the dropped blocks in document order."""

    document: Document
    dropped: tuple[DroppedBlock, ...]


def drop_reason(block: Block, rules: SectionRules | None = None) -> DroppedBlock | None:
    """Why Layer 1 drops ``block`` (see the module docstring), or None when it stays."""
    compiled = rules if rules is not None else default_section_rules()
    rule = compiled.drop_kinds.get(block.kind)
    if rule is not None:
        return DroppedBlock(block, rule)
    titles: Iterable[str] = block.section
    if block.kind == HEADING:
        titles = (*block.section, block.text)
    for title in titles:
        rule = compiled.drop_title(title)
        if rule is not None:
            return DroppedBlock(block, rule, title)
    if block.kind in (PARAGRAPH, LIST_ITEM):
        found = compiled.run_in(block.text)
        if found is not None:
            return DroppedBlock(block, found[0], found[1])
        rule = compiled.statement(block.text)
        if rule is not None:
            return DroppedBlock(block, rule)
    return None


def layer1(doc: Document, rules: SectionRules | None = None) -> Layer1Result:
    """Drop the blocks the section rules name; the title metadata goes with the title."""
    compiled = rules if rules is not None else default_section_rules()
    kept: list[Block] = []
    dropped: list[DroppedBlock] = []
    for block in doc.blocks:
        reason = drop_reason(block, compiled)
        if reason is None:
            kept.append(block)
        else:
            dropped.append(reason)
    title = "" if "title" in compiled.drop_kinds else doc.title
    document = Document(tuple(kept), doc.source, title, doc.pmcid, doc.article_type, doc.id_scheme)
    return Layer1Result(document, tuple(dropped))
