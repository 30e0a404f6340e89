r"""Read a plain-text or Markdown case report into a :class:`~mmrare_core.documents.Document`.

``parse_text(text)`` reads reports shaped like the PMC body texts: paragraphs separated by
blank lines, section headings on lines of their own, figure and table captions as lines
("Fig. 1 ...", "Table 2. ..."), tables as tab-separated rows. Headings and captions are
found by rules (``rules/sections.json``, ``rules/captions.json``), line by line:

1. the first non-blank line loses the ``pmc`` artefact (rule ``pmc_artefact``);
2. a line with a tab is a table row; consecutive rows form one ``table`` block;
3. a Markdown heading (``## Discussion``) is a ``heading`` of its level; a ``# Title`` on
   the first line is the ``title``;
4. a caption line (``Figure 2. CT of ...``) is a ``figure_caption``, ``table_caption`` or
   ``supplementary_caption`` block with its ``label``; so is a bare label (``Fig. 1``),
   which takes the lines right below it as its caption text, unless it stands inside a
   sentence broken over lines (``"... effusion (\nFig. 1\n). The ..."``: a reference);
5. a line that starts a paragraph and whose title a section rule names ("Conclusions:",
   "3 Discussion", "CASE REPORT") is a top-level ``heading`` (numbered: its depth); a title
   pattern names only a line with the shape of a title, never a sentence;
6. a numbered line with the shape of a heading that stands alone ("2.1. Laboratory
   findings") is a ``heading`` of its depth;
7. ``- ``, ``* ``, ``• ``, ``1. ``, ``1) `` lines are ``list_item`` s;
8. another line with the shape of a heading that stands alone is a sub-heading of the last
   heading found by 3, 5 or 6 (a sibling when both are in capitals);
9. any other line continues the paragraph, caption or list item on the line above (no
   blank line between), or starts a ``paragraph``. A caption glued to the text before it
   ("... findings.Fig. 1 Grossly ...") is split off into a caption block of its own.

Then the paragraphs between a caption and a later bare label of the same figure become
caption blocks too (rule ``caption_continuation``), and a section whose rule ends it early
(``ends_before``: a case narrative after a "Key points" box) is closed before that paragraph.

Each block has its 1-based source ``line`` and its ``section`` path: the titles of the
headings above it, numbering removed (a heading's path ends with its own title; its
numbering goes to ``label``). The text of a block is its source lines, stripped, joined by
``"\n"``; a Markdown heading loses its ``#`` marks. So the invariant: joining the blocks'
texts, with ``""`` between a block and one that starts on the line where it ends (a split-off
caption) and ``"\n"`` otherwise, gives the input's non-blank lines, stripped, in order (the
first without its ``pmc`` artefact, Markdown headings without their marks).

Block ids follow :data:`~mmrare_core.documents.document.ID_SCHEME` as :func:`parse_jats
<mmrare_core.documents.jats.parse_jats>` does: ``<section slugs>.<kind code>.<hash>`` (the slugs of
the section path joined by ``.``, ``body`` outside any section, ``front`` for the title; 8
hex digits of BLAKE2b over the block's normalized text), e.g. ``case-presentation.p.3f2a9c1e``;
a caption ``<label slug>.caption`` (``figure-2.caption``), a bare label ``<label slug>.label``,
a caption's later paragraph ``<label slug>.caption.<hash>``; a repeated id gets ``.2``,
``.3`` in reading order. Ids do not depend on position: inserting an unrelated paragraph
anywhere changes no other id.

>>> doc = parse_text("pmcIntroduction\n\nA woman of 30.\n\n2 Case presentation\n\n"
...     "2.1. Imaging\n\nA mass (Fig. 1).Fig. 1 CT of the abdomen.\n\nConclusions:\n\nIt was X.")
>>> for b in doc.blocks:
...     print(f"{b.line:2} {b.id:37} {b.text!r}")
 1 introduction.h.a18d8888               'Introduction'
 3 introduction.p.112d321f               'A woman of 30.'
 5 case-presentation.h.0b2686ab          '2 Case presentation'
 7 case-presentation.imaging.h.333b583e  '2.1. Imaging'
 9 case-presentation.imaging.p.d47d06c9  'A mass (Fig. 1).'
 9 figure-1.caption                      'Fig. 1 CT of the abdomen.'
11 conclusions.h.089ca858                'Conclusions:'
13 conclusions.p.79d54f2a                'It was X.'
>>> doc.blocks[5].section, doc.blocks[5].label, doc.blocks[3].label
(('Case presentation', 'Imaging'), 'Fig. 1', '2.1.')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mmrare_core.documents.captions import CaptionMatch, CaptionRules, default_caption_rules
from mmrare_core.documents.document import (
    ABSTRACT,
    BACK_MATTER,
    CAPTION_KINDS,
    FIGURE_CAPTION,
    FOOTNOTE,
    HEADING,
    KEYWORDS,
    LIST_ITEM,
    PARAGRAPH,
    SUPPLEMENTARY_CAPTION,
    TABLE,
    TABLE_CAPTION,
    TITLE,
    Block,
    Document,
    slug,
    text_digest,
)
from mmrare_core.documents.sections import SectionRules, default_section_rules
from mmrare_core.errors import DocumentError

__all__ = ["parse_text"]

#: Id code of each block kind (as in :mod:`mmrare_core.documents.jats`).
_KIND_CODE = {
    TITLE: "title", ABSTRACT: "abs", KEYWORDS: "kwd", HEADING: "h", PARAGRAPH: "p",
    LIST_ITEM: "li", FIGURE_CAPTION: "fig", TABLE_CAPTION: "tab", TABLE: "table",
    SUPPLEMENTARY_CAPTION: "supp", FOOTNOTE: "fn", BACK_MATTER: "back",
}  # fmt: skip
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LIST_MARKER = re.compile(r"(?:[-*+\u2022\u00b7\u25aa\u25cf\u25e6]|\d{1,3}[.)]|\(\d{1,3}\))\s+\S")
#: Longest line tried against the section titles.
_MAX_TITLE = 120
#: A line that ends so ends a sentence: a bare label on the next line is no reference.
_SENTENCE_END = (".", "!", "?", ":")
#: Kinds that take the next line when no blank line separates them (a paragraph, wrapped).
_OPEN = frozenset({PARAGRAPH, LIST_ITEM, *CAPTION_KINDS})


@dataclass(slots=True)
class _Raw:
    """A block while the parser builds it."""

    kind: str
    lines: list[str]
    line: int
    label: str = ""
    slug: str = ""
    title: str = ""
    level: int = 0
    named: bool = False
    rule: str = ""
    markdown: bool = False
    bare: bool = False
    continuation: bool = False
    section: tuple[str, ...] = field(default=())

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


class _Parser:
    def __init__(self, sections: SectionRules, captions: CaptionRules) -> None:
        self.sections = sections
        self.captions = captions
        self.raws: list[_Raw] = []

    # -- lines

    def feed(self, lines: list[str]) -> None:
        clean = [line.strip() for line in lines]
        first = next((i for i, line in enumerate(clean) if line), None)
        if first is not None:
            clean[first] = self.sections.artefact.sub("", clean[first], count=1).strip()
        previous_blank = True
        for i, line in enumerate(clean):
            if not line:
                previous_blank = True
                continue
            alone = previous_blank and (i + 1 == len(clean) or not clean[i + 1])
            self.line(line, i + 1, previous_blank, alone)
            previous_blank = False

    def line(self, line: str, lineno: int, starts_chunk: bool, alone: bool) -> None:
        if "\t" in line:
            self.table_row(line, lineno, starts_chunk)
            return
        if self.markdown(line, lineno):
            return
        caption = self.captions.match_line(line)
        if caption is not None:
            self.caption_line(line, lineno, caption, starts_chunk)
            return
        number, rest, depth = self.sections.split_numbering(line)
        short = starts_chunk and len(line) <= _MAX_TITLE
        named = self.sections.match_heading(line) if short else None
        if named is not None:
            self.heading(line, lineno, rest, number, depth or 1, rule=named.rule)
        elif depth and alone and self.sections.looks_like_heading(rest):
            self.heading(line, lineno, rest, number, depth)
        elif _LIST_MARKER.match(line):
            self.plain(line, lineno, starts_chunk=True, kind=LIST_ITEM)
        elif alone and self.sections.looks_like_heading(line):
            self.heading(line, lineno, line, "", 0, named=False)
        else:
            self.plain(line, lineno, starts_chunk, kind=PARAGRAPH)

    def markdown(self, line: str, lineno: int) -> bool:
        found = self.sections.markdown.fullmatch(line)
        if found is None or not found.group("title"):
            return False
        title, level = found.group("title"), len(found.group("marks"))
        if not self.raws and level == 1:
            self.raws.append(_Raw(TITLE, [title], lineno))
            return True
        number, rest, _ = self.sections.split_numbering(title)
        named = self.sections.match_title(rest)
        self.heading(title, lineno, rest, number, level, rule=named.rule if named else "")
        self.raws[-1].markdown = True
        return True

    def heading(
        self,
        text: str,
        lineno: int,
        title: str,
        number: str,
        level: int,
        named: bool = True,
        rule: str = "",
    ) -> None:
        """A heading block: ``text`` as written, ``title`` without numbering (its label)."""
        raw = _Raw(HEADING, [text], lineno, label=number, title=title, level=level, named=named)
        raw.rule = rule
        self.raws.append(raw)

    def table_row(self, line: str, lineno: int, starts_chunk: bool) -> None:
        last = self.raws[-1] if self.raws else None
        if last is not None and last.kind == TABLE and not starts_chunk:
            last.lines.append(line)
        else:
            self.raws.append(_Raw(TABLE, [line], lineno))

    def caption_line(self, line: str, lineno: int, first: CaptionMatch, starts_chunk: bool) -> None:
        if not first.bare:
            self.split(line, lineno, list(self.captions.line_captions(line)))
            return
        last = self.raws[-1] if self.raws else None
        in_sentence = last is not None and not last.lines[-1].endswith(_SENTENCE_END)
        if last is not None and last.kind in _OPEN and not starts_chunk and in_sentence:
            last.lines.append(line)  # a reference broken onto a line of its own: "(\nFig. 1\n)."
        else:
            self.raws.append(self._caption_raw(line, lineno, first, bare=True))

    def plain(self, line: str, lineno: int, starts_chunk: bool, kind: str) -> None:
        captions = list(self.captions.line_captions(line)) if kind == PARAGRAPH else []
        head = line[: captions[0].start] if captions else line
        if head:
            last = self.raws[-1] if self.raws else None
            if last is not None and last.kind in _OPEN and not starts_chunk:
                last.lines.append(head)  # a bare label takes the caption text below it
                last.bare = False
            else:
                self.raws.append(_Raw(kind, [head], lineno))
        self.split(line, lineno, captions)

    def split(self, line: str, lineno: int, captions: list[CaptionMatch]) -> None:
        for match in captions:
            self.raws.append(self._caption_raw(line[match.start : match.end], lineno, match))

    @staticmethod
    def _caption_raw(text: str, lineno: int, match: CaptionMatch, bare: bool = False) -> _Raw:
        return _Raw(match.kind, [text], lineno, match.label, match.label_slug, bare=bare)

    # -- captions over several paragraphs

    def continuations(self) -> None:
        """Paragraphs between a caption and a later bare label of the same figure."""
        for i, raw in enumerate(self.raws):
            if not raw.bare:
                continue
            for j in range(i - 1, max(-1, i - self.captions.max_gap - 2), -1):
                other = self.raws[j]
                if other.kind in CAPTION_KINDS and not other.bare and other.slug == raw.slug:
                    for between in self.raws[j + 1 : i]:
                        between.kind, between.label, between.slug = raw.kind, raw.label, raw.slug
                        between.continuation = True
                    break
                if other.kind != PARAGRAPH:
                    break


def _sections(raws: list[_Raw], rules: SectionRules) -> None:
    """Give every block its section path (see rules 2, 5, 6 and 8 in the module docstring).

    A section whose rule ends it early (``ends_before...``) and that has no sub-heading is
    closed before the paragraph that ends it.
    """
    base = min((r.level for r in raws if r.markdown), default=1)
    stack: list[_Raw] = []
    for raw in raws:
        if raw.kind == HEADING:
            raw.level = _level(raw, stack, base)
            while stack and stack[-1].level >= raw.level:
                stack.pop()
            stack.append(raw)
        elif raw.kind == PARAGRAPH and stack and rules.ends_section(stack[-1].rule, raw.text):
            stack.pop()
        raw.section = tuple(h.title for h in stack)


def _level(heading: _Raw, stack: list[_Raw], base: int) -> int:
    if heading.markdown:
        return heading.level
    if heading.named:
        return base + max(heading.level, 1) - 1
    parent = next((h for h in reversed(stack) if h.named or h.markdown), None)
    if parent is None:
        return base
    if _capitals(parent.title) and _capitals(heading.title):
        return parent.level  # "PATIENT CONSENT" then "EPIDEMIOLOGY": siblings
    return parent.level + 1


def _capitals(title: str) -> bool:
    return title.isupper() and sum(c.isalpha() for c in title) >= 3


def _base_id(raw: _Raw) -> str:
    if raw.kind == TITLE:
        return f"front.title.{text_digest(raw.text)}"
    if raw.kind in CAPTION_KINDS and raw.slug:
        if raw.bare:
            return f"{raw.slug}.label"
        if raw.continuation:
            return f"{raw.slug}.caption.{text_digest(raw.text)}"
        return f"{raw.slug}.caption"
    path = ".".join(slug(t) for t in raw.section) if raw.section else "body"
    return f"{path}.{_KIND_CODE[raw.kind]}.{text_digest(raw.text)}"


def _blocks(raws: list[_Raw]) -> tuple[Block, ...]:
    taken: set[str] = set()
    blocks = []
    for raw in raws:
        base = block_id = _base_id(raw)
        n = 1
        while block_id in taken:
            n += 1
            block_id = f"{base}.{n}"
        taken.add(block_id)
        blocks.append(Block(block_id, raw.kind, raw.text, raw.section, raw.label, raw.line))
    return tuple(blocks)


def parse_text(
    text: str,
    source: str = "<text>",
    *,
    pmcid: str = "",
    section_rules: SectionRules | None = None,
    caption_rules: CaptionRules | None = None,
) -> Document:
    """Parse a plain-text or Markdown report into typed blocks (see the module docstring).

    A text without any non-blank line is a :class:`~mmrare_core.errors.DocumentError`.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_text() takes str, not {type(text).__name__}")
    parser = _Parser(
        section_rules if section_rules is not None else default_section_rules(),
        caption_rules if caption_rules is not None else default_caption_rules(),
    )
    parser.feed(_LINE_BREAK.split(text))
    if not parser.raws:
        raise DocumentError(f"{source}: no text (every line is blank)")
    parser.continuations()
    _sections(parser.raws, parser.sections)
    title = next((r.text for r in parser.raws if r.kind == TITLE), "")
    return Document(_blocks(parser.raws), source=source, title=title, pmcid=pmcid)
