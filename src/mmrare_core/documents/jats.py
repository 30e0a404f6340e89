"""Read a PMC JATS article into a :class:`~mmrare_core.documents.document.Document` of typed blocks.

``parse_jats(source)`` takes a path, bytes or a binary file object (gzip or not) and parses it
with the hardened reader of :mod:`mmrare_core.base.xmlsafe`: no network, no DTD, no entities (a
DOCTYPE declaring one, or an entity node, is an :class:`UnsafeXMLError` naming file and line),
nesting bounded to :data:`MAX_DEPTH` elements. A ``<pmc-articleset>`` wrapper is accepted: the
first ``<article>`` is read and a :class:`SourceWarning` says so. Any other root, a truncated
file, an article without ``<body>`` or whose body holds no text is a :class:`DocumentError`
naming the file, the element and its line.

Blocks, in reading order
    front: ``title`` (article-title), ``abstract`` (one per abstract paragraph or list item;
    section ``("Abstract", <abstract title unless "Abstract">, <sec titles>...)``; no heading
    blocks), ``keywords`` (one per kwd-group, keywords joined by "; ", the group's title in
    ``label``; section ``()``); then ``<body>``;
    then ``<back>``; then ``<floats-group>`` (section ``()``); then each ``<sub-article>``
    (reviewer reports, responses, translations; section starts with its title).

    body: ``heading`` per ``<sec><title>`` (its ``section`` includes its own title; the
    sec's ``<label>`` goes to ``label``), ``paragraph``, ``list_item`` (nested lists follow
    their item, in order; a def-list item reads "term: definition"), ``figure_caption``,
    ``table_caption``, ``table``, ``supplementary_caption``, ``footnote`` (``fn`` in a
    table-wrap-foot, a body fn-group or a paragraph). ``fig``,
    ``table-wrap``, ``supplementary-material``, lists, ``fn``, ``disp-quote``,
    ``boxed-text`` and ``statement`` inside a ``<p>`` become blocks of their own right
    after that paragraph, and their text is not part of the paragraph's.

    back and sub-articles: every text block is ``back_matter`` (acknowledgements,
    references one per ``<ref>``, the fn-group's footnotes, notes, appendices, glossary,
    COI / funding ``<sec>``...), titles included (a ``<ref>`` anywhere is ``back_matter``);
    captions and tables keep their kinds, so that caption
    masking sees every caption wherever it stands. Section roots without a ``<title>`` are
    named after the element ("Acknowledgements", "References", "Footnotes", "Notes",
    "Appendix", "Glossary", "Biography").

Text
    The text of inline markup is kept (italic, bold, sup/sub, xref, ext-link,
    named-content, MathML and ``inline-formula``; of ``<alternatives>`` only one, MathML
    first). Other element boundaries count as a soft break: one space, unless white space
    or punctuation is already there. White space runs become one space; blocks are
    stripped. ``table`` text is one line per non-empty row (``\\n``; the only kind with a
    line break), cells joined by " | " in document order (spans are not expanded). Not
    read: the front matter other than the above (authors, affiliations, author notes,
    dates, licence), ``alt-text``, ``long-desc``, ``attrib``, ``permissions``,
    ``object-id``, a ``<media>``'s "Click here" caption when its supplementary-material
    has a caption of its own, and an empty block. A caption's ``<label>`` ("Fig. 2",
    "Table 1", as written in the source) goes to ``label``, not to ``text``; so do
    footnote, reference and list-item labels.

Block ids (scheme :data:`~mmrare_core.documents.document.ID_SCHEME`, ``blockid-v1``)
    1. the element's own ``@id`` (``p``, ``list-item``, ``fn``, ``ref``, ``kwd-group``,
       ``caption``, ``table``), else one derived from the nearest owner's ``@id``:
       ``<sec id>.title`` for a heading (``<sub-article id>.title``), ``<fig id>.caption``
       (``fig-group`` too), ``<table-wrap id>.caption`` and ``<table-wrap id>.table``,
       ``<supplementary-material id>.caption``;
    2. else ``<slug>.<kind code>.<hash>``: ``slug`` is the section path, each title
       slugged (NFKD, ASCII, lower case, other runs → "-", at most 40 characters:
       "Case presentation" → ``case-presentation``; a title with no ASCII letter or digit
       → ``s-`` + 6 hex digits of its hash), levels joined by "."; or the part (``front``,
       ``body``, ``back``, ``floats``) when the section is empty; the kind code is one of
       ``title abs kwd h p li fig tab table supp fn back``; ``hash`` is
       :func:`~mmrare_core.documents.document.text_digest` (8 hex of BLAKE2b over the normalized
       text, shared with ``parse_text``), e.g. ``case-presentation.p.3f2a9c1e``;
    3. a second block with the same id (two identical paragraphs in one section, or a
       duplicated ``@id``) gets ``.2``, a third ``.3``, in reading order.

    So ids do not depend on position: they are the same across parses, and across an
    unrelated paragraph inserted anywhere. They change when a block's own text changes
    (hashed ids) or its section is renamed.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Iterable, Iterator
from typing import IO

from lxml import etree

from mmrare_core.base import xmlsafe
from mmrare_core.documents.document import (
    ABSTRACT,
    BACK_MATTER,
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
from mmrare_core.errors import DocumentError, SourceWarning, where

__all__ = ["parse_jats"]

#: What :func:`parse_jats` reads: a path, the document's bytes, or a binary file object.
JATSSource = str | os.PathLike[str] | bytes | IO[bytes]

#: Deepest element nesting accepted (the root is depth 1); real articles reach about 25.
MAX_DEPTH = 200

_MATHML = "{http://www.w3.org/1998/Math/MathML}"
_JATS_NAMESPACES = ("jats.nlm.nih.gov", "dtd.nlm.nih.gov")

#: Id code of each block kind (rule 2 of the id scheme).
_KIND_CODE = {
    TITLE: "title", ABSTRACT: "abs", KEYWORDS: "kwd", HEADING: "h", PARAGRAPH: "p",
    LIST_ITEM: "li", FIGURE_CAPTION: "fig", TABLE_CAPTION: "tab", TABLE: "table",
    SUPPLEMENTARY_CAPTION: "supp", FOOTNOTE: "fn", BACK_MATTER: "back",
}  # fmt: skip


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: Elements whose text runs on with its neighbours (no break around them).
_INLINE = _names(
    "italic bold sup sub sc underline overline strike monospace roman sans-serif "
    "styled-content named-content xref ext-link uri email abbrev inline-formula x "
    "inline-supplementary-material chem-struct funding-source award-id target "
    "related-article related-object hr ruby glyph-ref private-char"
)
#: Parts of a person's name: kept apart even in a ``<mixed-citation>`` (read inline).
_NAME_PARTS = _names("surname given-names prefix suffix")
#: Elements whose text is never read.
_SKIP = _names(
    "alt-text long-desc object-id permissions attrib graphic inline-graphic media "
    "sec-meta processing-meta"
)
#: Block-level elements that leave a paragraph (or list item) and follow it as blocks.
_PULLED = _names(
    "fig fig-group table-wrap table-wrap-group supplementary-material list def-list fn "
    "disp-quote boxed-text statement"
)
#: Containers that open a section: their title extends the section path.
_SECTIONS = _names("sec ack app app-group notes ref-list fn-group glossary bio boxed-text")
#: Section names for containers without a ``<title>``.
_DEFAULT_TITLES = {
    "ack": "Acknowledgements", "ref-list": "References", "fn-group": "Footnotes",
    "notes": "Notes", "app": "Appendix", "glossary": "Glossary", "bio": "Biography",
}  # fmt: skip
#: Containers read child by child (no title of their own handled, no path change).
_GROUPS = _names("disp-quote statement floats-group body back")

_NONE: frozenset[str] = frozenset()
_BREAK = "\x00"
_BREAKS = re.compile(r" ?\x00[\x00 ]*")
_NO_SPACE_BEFORE = frozenset(",.;:!?)]}%")
_NO_SPACE_AFTER = frozenset("([{")
_PMCID = re.compile(r"(?i)^\s*(?:pmc)?(\d+)\s*$")
_TEX_DOC = re.compile(r"\\begin\{document\}(.*?)\\end\{document\}", re.DOTALL)
_PMCID_TYPES = ("pmc", "pmcid", "pmc-uid")


def parse_jats(source: JATSSource, *, name: str | None = None) -> Document:
    """Parse a JATS article (path, bytes or binary file object; gzip accepted).

    ``name`` names the source in errors and in ``Document.source`` (default: the path,
    the file object's ``name``, or ``"<bytes>"``). A ``str`` is a path, never XML text.

    >>> doc = parse_jats(b'''<article article-type="case-report"><front><article-meta>
    ...   <article-id pub-id-type="pmc">123</article-id>
    ...   <title-group><article-title>A <italic>rare</italic> case</article-title></title-group>
    ... </article-meta></front><body><sec id="s1"><title>Case presentation</title>
    ...   <p>A 9-year-old boy<xref ref-type="bibr" rid="r1">1</xref> had fever.</p>
    ... </sec></body></article>''')
    >>> doc.pmcid, doc.title, doc.article_type
    ('PMC123', 'A rare case', 'case-report')
    >>> [(b.id, b.kind, b.text) for b in doc.blocks]  # doctest: +NORMALIZE_WHITESPACE
    [('front.title.8841d78e', 'title', 'A rare case'),
     ('s1.title', 'heading', 'Case presentation'),
     ('case-presentation.p.bc45534e', 'paragraph', 'A 9-year-old boy1 had fever.')]
    """
    if isinstance(source, str) and source.lstrip().startswith("<"):
        raise DocumentError(
            "parse_jats reads a path, bytes or a binary file object; this str looks like "
            f"XML text ({source.lstrip()[:40]!r}...): pass text.encode() instead"
        )
    if isinstance(source, bytes | bytearray):
        stream: xmlsafe.XMLSource = io.BytesIO(source)
        label = name or "<bytes>"
    else:
        stream = source
        label = name or _display_name(source)
    tree = xmlsafe.parse(stream, source=label, error=DocumentError, max_depth=MAX_DEPTH)
    article = _article(tree.getroot(), label)
    return _Reader(label).read(article)


# --------------------------------------------------------------------------- helpers


def _display_name(source: str | os.PathLike[str] | IO[bytes]) -> str:
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    return str(getattr(source, "name", "<stream>"))


def _name(el: etree._Element) -> str:
    """Local name of an element ("" for comments, PIs and entities)."""
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _shown(el: etree._Element) -> str:
    """The element as written in the source: ``rdf:RDF``, ``html``."""
    local = _name(el)
    return f"{el.prefix}:{local}" if el.prefix else local


def _children(el: etree._Element, *names: str) -> Iterator[etree._Element]:
    for child in el:
        if _name(child) in names:
            yield child


def _child(el: etree._Element, *names: str) -> etree._Element | None:
    return next(_children(el, *names), None)


def _article(root: etree._Element, source: str) -> etree._Element:
    """The ``<article>`` to read: the root, or the first one in a ``<pmc-articleset>``."""
    name = _name(root)
    if name == "pmc-articleset":
        articles = list(_children(root, "article"))
        if not articles:
            raise DocumentError(
                f"{where(source, root.sourceline, 'pmc-articleset')}: holds no <article>"
            )
        warnings.warn(
            SourceWarning(
                f"{where(source, root.sourceline, 'pmc-articleset')}: a wrapper of "
                f"{len(articles)} article(s); reading only the first "
                f"(line {articles[0].sourceline})"
            ),
            stacklevel=3,
        )
        root = articles[0]
        name = "article"
    namespace = etree.QName(root).namespace
    if name != "article" or (namespace and not any(n in namespace for n in _JATS_NAMESPACES)):
        shown = _shown(root) + (f" in namespace {namespace}" if namespace else "")
        raise DocumentError(
            f"{where(source, root.sourceline, _shown(root))}: not a JATS article "
            f"(root element <{shown}>; expected <article> or <pmc-articleset>)"
        )
    return root


def _finish(text: str) -> str:
    """Collapse white space runs to one space and turn soft breaks into spaces where needed.

    A break becomes nothing at either end, before closing punctuation or after opening
    punctuation, and one space elsewhere.

    >>> b = _BREAK
    >>> _finish(f"  H{b}2{b}O and{b}(x{b}){b}, y{b} {b}z ")
    'H 2 O and (x), y z'
    """
    text = " ".join(text.split())
    if _BREAK not in text:
        return text

    def space(match: re.Match[str]) -> str:
        start, end = match.span()
        if " " in match.group():  # real white space in the source
            return " "
        if start == 0 or end == len(text):
            return ""
        if text[end] in _NO_SPACE_BEFORE or text[start - 1] in _NO_SPACE_AFTER:
            return ""
        return " "

    return _BREAKS.sub(space, text).strip()


def _pmcid(meta: etree._Element | None) -> str:
    if meta is None:
        return ""
    found = {a.get("pub-id-type"): a.text or "" for a in _children(meta, "article-id")}
    for kind in _PMCID_TYPES:
        match = _PMCID.match(found.get(kind, ""))
        if match:
            return "PMC" + match.group(1)
    return ""


# --------------------------------------------------------------------------- the reader


class _Reader:
    """One pass over an article, emitting blocks in reading order."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.blocks: list[Block] = []
        self.taken: set[str] = set()
        self.part = "front"

    # ---------------------------------------------------------------- text

    def text(
        self,
        el: etree._Element,
        pulled: list[etree._Element] | None = None,
        exclude: Iterable[str] = (),
    ) -> str:
        """The element's text, normalised; pulled-out blocks collected in ``pulled``."""
        out: list[str] = []
        self._gather(el, out, pulled, frozenset(exclude), False)
        return _finish("".join(out))

    def _gather(
        self,
        el: etree._Element,
        out: list[str],
        pulled: list[etree._Element] | None,
        exclude: frozenset[str],
        inline_all: bool,
    ) -> None:
        if el.text:
            out.append(el.text)
        for child in el:
            tag = child.tag
            if isinstance(tag, str):
                name = tag.rpartition("}")[2]
                if name in exclude or name in _SKIP:
                    pass
                elif pulled is not None and name in _PULLED:
                    pulled.append(child)
                    out.append(_BREAK)
                elif name == "alternatives":
                    self._alternative(child, out, inline_all)
                elif name == "tex-math":
                    out.append(_tex(child))
                elif name in _NAME_PARTS:
                    out.extend((_BREAK, child.text or "", _BREAK))
                elif name == "etal" and not len(child) and not child.text:
                    out.append(f"{_BREAK}et al.{_BREAK}")
                elif inline_all or name in _INLINE or tag.startswith(_MATHML):
                    if len(child):
                        self._gather(child, out, pulled, _NONE, inline_all)
                    elif child.text:
                        out.append(child.text)
                elif len(child):
                    out.append(_BREAK)
                    cited = inline_all or name == "mixed-citation"
                    self._gather(child, out, pulled, _NONE, cited)
                    out.append(_BREAK)
                else:
                    out.append(f"{_BREAK}{child.text or ''}{_BREAK}")
            if child.tail:
                out.append(child.tail)

    def _alternative(self, el: etree._Element, out: list[str], inline_all: bool) -> None:
        """One of ``<alternatives>``: MathML, else TeX, else the first with text."""
        options = [c for c in el if isinstance(c.tag, str) and _name(c) not in _SKIP]
        options.sort(key=lambda c: (not c.tag.startswith(_MATHML), _name(c) != "tex-math"))
        for option in options:
            if _name(option) == "tex-math":
                out.append(_tex(option))
                return
            piece: list[str] = []
            self._gather(option, piece, None, _NONE, inline_all)
            if "".join(piece).strip():
                out.extend(piece)
                return

    # ---------------------------------------------------------------- emission

    def emit(
        self,
        kind: str,
        text: str,
        section: tuple[str, ...],
        el: etree._Element,
        own_id: str | None,
        label: str = "",
    ) -> None:
        """Add a block (nothing for empty text); resolve its id by the scheme above."""
        if not text:
            return
        if kind in _TEXT_KINDS and self.part != "body":
            if self.part == "front":  # abstracts: their sec titles live in ``section`` only
                if kind == HEADING:
                    return
                kind = ABSTRACT
            elif self.part in ("back", "sub"):
                kind = BACK_MATTER
        if own_id:
            base = own_id
        else:
            path = ".".join(slug(t) for t in section) if section else self.part
            base = f"{path}.{_KIND_CODE[kind]}.{text_digest(text)}"
        block_id, n = base, 1
        while block_id in self.taken:
            n += 1
            block_id = f"{base}.{n}"
        self.taken.add(block_id)
        self.blocks.append(Block(block_id, kind, text, section, label, el.sourceline))

    # ---------------------------------------------------------------- article

    def read(self, article: etree._Element) -> Document:
        front = _child(article, "front")
        meta = _child(front, "article-meta") if front is not None else None
        title = self.front(meta) if meta is not None else ""
        body = _child(article, "body")
        if body is None:
            raise DocumentError(
                f"{where(self.source, article.sourceline, 'article')}: no <body> "
                "(only the front matter? a full-text article is needed)"
            )
        self.part = "body"
        before = len(self.blocks)
        self.nodes(body, ())
        if not any(b.kind != HEADING for b in self.blocks[before:]):
            raise DocumentError(f"{where(self.source, body.sourceline, 'body')}: holds no text")
        for name, part in (("back", "back"), ("floats-group", "floats")):
            self.part = part
            for el in _children(article, name):
                self.nodes(el, ())
        self.part = "sub"
        for sub in _children(article, "sub-article", "response"):
            self.sub_article(sub)
        return Document(
            blocks=tuple(self.blocks),
            source=self.source,
            title=title,
            pmcid=_pmcid(meta),
            article_type=article.get("article-type", ""),
        )

    def front(self, meta: etree._Element) -> str:
        """Title, abstracts and keyword groups; returns the title."""
        title = ""
        group = _child(meta, "title-group")
        heading = _child(group, "article-title") if group is not None else None
        if heading is not None:
            title = self.text(heading)
            self.emit(TITLE, title, (), heading, heading.get("id"))
        for el in meta:
            name = _name(el)
            if name in ("abstract", "trans-abstract"):
                self.abstract(el, ("Abstract",))
            elif name == "kwd-group":
                self.keywords(el, ())
        return title

    def abstract(self, el: etree._Element, root: tuple[str, ...]) -> None:
        own = _child(el, "title")
        own_title = self.text(own) if own is not None else ""
        path = root + ((own_title,) if own_title and own_title.lower() != "abstract" else ())
        self.nodes(el, path, skip_title=True)

    def keywords(self, el: etree._Element, path: tuple[str, ...]) -> None:
        words = [self.text(k) for k in _children(el, "kwd", "compound-kwd", "nested-kwd")]
        title = _child(el, "title")
        label = self.text(title) if title is not None else ""
        self.emit(KEYWORDS, "; ".join(w for w in words if w), path, el, el.get("id"), label)

    def sub_article(self, sub: etree._Element) -> None:
        stub = _child(sub, "front-stub", "front")
        meta = _child(stub, "article-meta") if stub is not None and _name(stub) == "front" else stub
        title_el = None
        if meta is not None:
            group = _child(meta, "title-group")
            title_el = _child(group, "article-title") if group is not None else None
        title = self.text(title_el) if title_el is not None else ""
        root = (title or f"Sub-article ({sub.get('article-type', 'other')})",)
        if title_el is not None:
            self.emit(HEADING, title, root, title_el, _own_id(title_el, sub, ".title"))
        if meta is not None:
            for el in _children(meta, "abstract", "trans-abstract"):
                self.abstract(el, (*root, "Abstract"))
        for el in _children(sub, "body", "back", "floats-group"):
            self.nodes(el, root)
        for el in _children(sub, "sub-article", "response"):
            self.sub_article(el)

    # ---------------------------------------------------------------- body and back

    def nodes(
        self, parent: etree._Element, path: tuple[str, ...], skip_title: bool = False
    ) -> None:
        """Read the children of a container."""
        for el in parent:
            name = _name(el)
            if not name or (skip_title and name in ("title", "label")):
                continue
            self.node(el, name, path)

    def node(self, el: etree._Element, name: str, path: tuple[str, ...]) -> None:
        """Read one block-level element (dispatch by element family)."""
        if name == "p":
            self.paragraph(el, path)
        elif name in _SECTIONS:
            self.section(el, name, path)
        elif name in ("list", "def-list"):
            self.list_(el, path)
        elif name in ("fig", "fig-group"):
            self.figure(el, path)
        elif name in ("table-wrap", "table-wrap-group"):
            self.table_wrap(el, path)
        elif name == "supplementary-material":
            self.supplementary(el, path)
        elif name == "fn":
            self.footnote(el, path)
        elif name == "ref":
            self.labelled(el, BACK_MATTER, path)
        elif name in _GROUPS:
            self.group(el, path)
        elif name == "kwd-group":
            self.keywords(el, path)
        elif name in ("abstract", "trans-abstract"):
            self.abstract(el, (*path, "Abstract"))
        elif name == "caption" and _name(el.getparent()) == "boxed-text":
            self.nodes(el, path, skip_title=True)  # its title is the box's heading
        elif name in ("title", "label", "caption") or name in _SKIP:
            return  # read by their owner
        elif any(_name(c) in _BLOCK_CHILDREN for c in el):
            self.nodes(el, path)
        else:
            self.emit(PARAGRAPH, self.text(el), path, el, el.get("id"))

    def paragraph(self, el: etree._Element, path: tuple[str, ...]) -> None:
        pulled: list[etree._Element] = []
        self.emit(PARAGRAPH, self.text(el, pulled), path, el, el.get("id"))
        for child in pulled:
            self.node(child, _name(child), path)

    def section(self, el: etree._Element, name: str, path: tuple[str, ...]) -> None:
        title_el = _child(el, "title")
        if title_el is None and name == "boxed-text":
            caption = _child(el, "caption")
            title_el = _child(caption, "title") if caption is not None else None
        title = self.text(title_el) if title_el is not None else ""
        if title_el is not None and title:
            path = (*path, title)
            label_el = _child(el, "label")
            label = self.text(label_el) if label_el is not None else ""
            self.emit(HEADING, title, path, title_el, _own_id(title_el, el, ".title"), label)
        elif name in _DEFAULT_TITLES:
            path = (*path, _DEFAULT_TITLES[name])
        self.nodes(el, path)

    def group(self, el: etree._Element, path: tuple[str, ...]) -> None:
        """A container without a section of its own: a title or label reads as a paragraph."""
        head = [c for c in el if _name(c) in ("label", "title")]
        if head and _name(el) not in ("body", "back", "floats-group"):
            text = _finish(" ".join(self.text(c) for c in head))
            self.emit(PARAGRAPH, text, path, head[-1], None)
        self.nodes(el, path)

    def labelled(self, el: etree._Element, kind: str, path: tuple[str, ...]) -> None:
        """A footnote or reference: its ``<label>`` apart, the rest as text."""
        label_el = _child(el, "label")
        label = self.text(label_el) if label_el is not None else ""
        pulled: list[etree._Element] = []
        self.emit(kind, self.text(el, pulled, ("label",)), path, el, el.get("id"), label)
        for child in pulled:
            self.node(child, _name(child), path)

    def footnote(self, el: etree._Element, path: tuple[str, ...]) -> None:
        self.labelled(el, FOOTNOTE, path)

    def list_(self, el: etree._Element, path: tuple[str, ...]) -> None:
        """Each item a block; nested lists and floats follow their item."""
        for item in el:
            name = _name(item)
            if name == "list-item":
                self.labelled(item, LIST_ITEM, path)
            elif name == "def-item":
                term = " ".join(self.text(t) for t in _children(item, "term"))
                pulled: list[etree._Element] = []
                defs = " ".join(self.text(d, pulled) for d in _children(item, "def"))
                text = f"{term}: {defs}" if term and defs else term or defs
                self.emit(LIST_ITEM, text, path, item, item.get("id"))
                for child in pulled:
                    self.node(child, _name(child), path)
            elif name in ("title", "label"):
                self.emit(PARAGRAPH, self.text(item), path, item, None)
            elif name in ("list", "def-list"):
                self.list_(item, path)

    # ---------------------------------------------------------------- floats

    def caption(
        self, owner: etree._Element, kind: str, path: tuple[str, ...], caption: etree._Element
    ) -> None:
        label_el = _child(owner, "label")
        label = self.text(label_el) if label_el is not None else ""
        own = _own_id(caption, owner, ".caption")
        self.emit(kind, self.text(caption), path, caption, own, label)

    def figure(self, el: etree._Element, path: tuple[str, ...]) -> None:
        caption = _child(el, "caption")
        if caption is not None:
            self.caption(el, FIGURE_CAPTION, path, caption)
        for child in _children(el, "fig", "fig-group"):
            self.figure(child, path)

    def table_wrap(self, el: etree._Element, path: tuple[str, ...]) -> None:
        caption = _child(el, "caption")
        if caption is not None:
            self.caption(el, TABLE_CAPTION, path, caption)
        for child in el:
            name = _name(child)
            if name in ("table-wrap", "table-wrap-group"):
                self.table_wrap(child, path)
            elif name == "table":
                self.table(child, el, path)
            elif name == "alternatives":
                for table in _children(child, "table"):
                    self.table(table, el, path)
            elif name in ("table-wrap-foot", "fn-group"):
                self.table_foot(child, path)

    def table(self, table: etree._Element, wrap: etree._Element, path: tuple[str, ...]) -> None:
        rows = []
        for tr in table.iter("{*}tr"):
            cells = [self.text(c) for c in tr if _name(c) in ("td", "th")]
            if any(cells):
                rows.append(" ".join(" | ".join(cells).split()))
        self.emit(TABLE, "\n".join(rows), path, table, _own_id(table, wrap, ".table"))

    def table_foot(self, foot: etree._Element, path: tuple[str, ...]) -> None:
        for el in foot:
            name = _name(el)
            if name == "fn":
                self.footnote(el, path)
            elif name == "fn-group":
                self.table_foot(el, path)
            elif name and name not in ("graphic", "alt-text", "long-desc", "object-id"):
                self.labelled(el, FOOTNOTE, path)  # a <p> or <attrib> in the foot

    def supplementary(self, el: etree._Element, path: tuple[str, ...]) -> None:
        """Its own caption, else the first caption inside (a ``<media>``'s)."""
        caption = _child(el, "caption")
        if caption is None:
            caption = next(el.iter("{*}caption"), None)
        if caption is None:
            return
        label_el = _child(el, "label")
        parent = caption.getparent()
        if label_el is None and parent is not None:
            label_el = _child(parent, "label")
        label = self.text(label_el) if label_el is not None else ""
        own = _own_id(caption, el, ".caption")
        self.emit(SUPPLEMENTARY_CAPTION, self.text(caption), path, caption, own, label)


def _tex(el: etree._Element) -> str:
    """A ``<tex-math>`` formula without PMC's LaTeX preamble."""
    text = "".join(el.itertext())
    match = _TEX_DOC.search(text)
    return _BREAK + (match.group(1) if match else text).strip() + _BREAK


def _own_id(el: etree._Element, owner: etree._Element, suffix: str) -> str | None:
    """Rule 1 of the id scheme: ``el``'s ``@id``, else ``owner``'s ``@id`` + ``suffix``."""
    own: str | None = el.get("id")
    if own:
        return own
    owner_id = owner.get("id")
    return f"{owner_id}{suffix}" if owner_id else None


#: Kinds that turn into ``abstract`` in the abstract and ``back_matter`` in back/sub-articles.
_TEXT_KINDS = frozenset({PARAGRAPH, LIST_ITEM, HEADING, FOOTNOTE})
#: Children that make an unknown element a container rather than a paragraph.
_BLOCK_CHILDREN = frozenset({"p", "sec", *_PULLED, *_SECTIONS, "ref"})
