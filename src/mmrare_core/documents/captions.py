"""Captions: what ``rules/captions.json`` says a figure, table or supplementary caption looks
like (label names, the caption-line shape, sentences that only refer to a figure, captions
glued to the text before them, captions that start a sentence in running text), compiled
once (:class:`CaptionRules`).

:func:`parse_text <mmrare_core.documents.text.parse_text>` uses them to split captions into
caption blocks and :func:`layer3 <mmrare_core.views.l3_captions.layer3>` to mask them.

>>> rules = default_caption_rules()
>>> found = rules.match_line("Figure 2. CT of the chest.")
>>> found.label, found.label_slug, found.rule
('Figure 2', 'figure-2', 'caption_line')
>>> line = "The boy was admitted. Figure 1. Chest radiograph. As shown in Figure 2. CT."
>>> [(m.label, m.rule, line[m.body_start : m.end]) for m in rules.line_captions(line, True)]
[('Figure 1', 'sentence_caption', 'Chest radiograph. As shown in Figure 2. CT.')]
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from mmrare_core.documents.document import CAPTION_KINDS
from mmrare_core.errors import RuleFileError
from mmrare_core.rules.files import read_rule_file, rule_pattern, rules_path

__all__ = ["CaptionMatch", "CaptionRules", "default_caption_rules", "label_slug"]

_RULE_FILE = "captions.json"
_SPACE = re.compile(r"[ \t\u00a0]*")


@dataclass(frozen=True, slots=True)
class CaptionMatch:
    """A caption (or bare label) found in a line; offsets index the searched text.

    ``start`` is where the label run starts, ``label_end`` where its last label ends,
    ``body_start`` where the caption text starts and ``end`` where it ends (``body_start ==
    end`` for a bare label). ``rule`` is the rule that found it (``caption_line``,
    ``glued_caption``, ``sentence_caption`` or ``bare_label``); ``label_rule`` the rule of the
    label.
    """

    start: int
    label_end: int
    body_start: int
    end: int
    label: str
    kind: str
    label_slug: str
    label_rule: str
    rule: str

    @property
    def bare(self) -> bool:
        """True for a label without caption text."""
        return self.body_start >= self.end


class _Label(NamedTuple):
    rule: str
    kind: str
    slug: str
    pattern: re.Pattern[str]


#: How far before a label its ``after`` and ``not_after`` context is read.
_CONTEXT = 40


class _Placed(NamedTuple):
    """A rule for a label inside a line: what the text before it must end with (``after``),
    and must not (``not_after``), both read in the :data:`_CONTEXT` characters before it."""

    rule: str
    after: re.Pattern[str]
    not_after: re.Pattern[str] | None

    def fits(self, text: str, start: int) -> bool:
        low = max(0, start - _CONTEXT)
        if not self.after.search(text, low, start):
            return False
        return self.not_after is None or not self.not_after.search(text, low, start)


class CaptionRules:
    """The compiled caption rules (from ``rules/captions.json`` or a folder of your own)."""

    def __init__(self, rules_dir: str | Path | None = None) -> None:
        self.rules_dir = rules_dir
        data = read_rule_file(_RULE_FILE, rules_dir)
        self._where = str(rules_path(_RULE_FILE, rules_dir))
        rules = data["rules"]
        self._labels(rules, str(data.get("number", r"\d{1,3}(?!\d)")))
        self.rejections = [self._rejection(r) for r in rules if r["kind"] == "not_caption"]
        line = self._one(rules, "caption_line")
        self.line_rule = line["id"]
        self._separator = self._compile(line, "separator")
        self._glued_text = self._compile(line, "glued_text")
        self._not_first = frozenset(str(line.get("not_first", "")))
        glued = self._placed(self._one(rules, "glued_caption"))
        sentence = self._placed(self._one(rules, "sentence_caption"))
        self.glued_rule, self.sentence_rule = glued.rule, sentence.rule
        self._glued, self._sentence = glued, sentence
        #: The rules whose label starts a line or a sentence: a ``line_start`` rejection
        #: applies to a single label they find.
        self._starts = frozenset((self.line_rule, self.sentence_rule))
        bare = self._one(rules, "bare_label")
        self.bare_rule = bare["id"]
        self._trailer = self._compile(bare, "trailer")
        continuation = self._one(rules, "continuation")
        self.continuation_rule = continuation["id"]
        self.max_gap = int(continuation.get("max_gap", 4))
        block = self._one(rules, "caption_block")
        self.block_rule = block["id"]
        self.block_kinds = frozenset(block.get("kinds", CAPTION_KINDS))

    # -- compiling

    def _one(self, rules: list[dict[str, Any]], kind: str) -> dict[str, Any]:
        found = [r for r in rules if r["kind"] == kind]
        if len(found) != 1:
            raise RuleFileError(f"{self._where}: expected one rule of kind {kind!r}")
        return found[0]

    def _compile(self, rule: Mapping[str, Any], key: str) -> re.Pattern[str]:
        if key not in rule:
            raise RuleFileError(f"{self._where}: rule {rule['id']!r}: missing {key!r}")
        return rule_pattern(_RULE_FILE, rule["id"], key, rule[key], 0, self.rules_dir)

    def _placed(self, rule: Mapping[str, Any]) -> _Placed:
        """``after`` (and ``not_after``): patterns the text before the label must end with."""
        keys = ("after", "not_after") if "not_after" in rule else ("after",)
        found = [self._compile(rule, key) for key in keys]
        ends = [re.compile(f"(?:{p.pattern})\\Z") for p in found]
        return _Placed(rule["id"], ends[0], ends[1] if len(ends) > 1 else None)

    def _rejection(self, rule: Mapping[str, Any]) -> tuple[str, bool, re.Pattern[str]]:
        """``(id, line start only, pattern)``: a pattern, or words (``words`` and words
        matching ``word_pattern``) after white space."""
        if "words" in rule or "word_pattern" in rule:
            words = [re.escape(w) for w in rule.get("words", ())]
            words += [f"(?:{rule['word_pattern']})"] if "word_pattern" in rule else []
            pattern = rf"[ \t\u00a0]+(?:{'|'.join(words)})\b"
            rule = {"id": rule["id"], "scope": rule.get("scope", "everywhere"), "pattern": pattern}
        scope = rule.get("scope", "everywhere")
        if scope not in ("line_start", "everywhere"):
            raise RuleFileError(f"{self._where}: rule {rule['id']!r}: unknown scope {scope!r}")
        return rule["id"], scope == "line_start", self._compile(rule, "pattern")

    def _labels(self, rules: list[dict[str, Any]], number: str) -> None:
        """The label rules, in file order; ``{names}`` in ``number`` stands for any name."""
        names = sorted({n for r in rules for n in r.get("names", ())}, key=len, reverse=True)
        number = number.replace("{names}", "(?:" + "|".join(map(re.escape, names)) + ")")
        self.labels = [self._label(r, number) for r in rules if r["kind"] == "label"]
        #: Label names' first three characters: a line without any holds no label.
        self._hints = tuple(sorted({n[:3] for n in names}))

    def _label(self, rule: Mapping[str, Any], number: str) -> _Label:
        names = sorted(rule.get("names", ()), key=len, reverse=True)
        if not names or rule.get("caption_kind") not in CAPTION_KINDS:
            raise RuleFileError(
                f"{self._where}: rule {rule['id']!r}: needs names and a caption_kind "
                f"(one of {sorted(CAPTION_KINDS)})"
            )
        alternation = "|".join(map(re.escape, names))
        num = str(rule.get("number", number))
        pattern = self._compile({"id": rule["id"], "p": f"(?:{alternation})[^\\S\\n]*{num}"}, "p")
        return _Label(rule["id"], rule["caption_kind"], str(rule.get("slug", "")), pattern)

    # -- matching

    def _match_label(self, text: str, pos: int) -> tuple[_Label, re.Match[str]] | None:
        for label in self.labels:
            match = label.pattern.match(text, pos)
            if match:
                return label, match
        return None

    def _run(self, text: str, pos: int) -> tuple[_Label, re.Match[str], int] | None:
        """The last label of the label run that starts at ``pos``, and the run's length."""
        found = self._match_label(text, pos)
        last, count = found, 0
        while found:
            last, count = found, count + 1
            nxt = _SPACE.match(text, found[1].end())
            found = self._match_label(text, nxt.end() if nxt else found[1].end())
        return (*last, count) if last else None

    def rejected_by(self, text: str, label_end: int, line_start: bool = True) -> str | None:
        """Id of the rule that says the label ending at ``label_end`` is only a reference.

        ``line_start``: the label is alone at the start of a line or of a sentence (not glued,
        not in a run).
        """
        for rule_id, only_line_start, pattern in self.rejections:
            if (line_start or not only_line_start) and pattern.match(text, label_end):
                return rule_id
        return None

    def _caption(self, text: str, start: int, end: int, rule: str) -> CaptionMatch | None:
        run = self._run(text, start)
        if run is None:
            return None
        label, match, count = run
        label_end = match.end()
        if self._trailer.fullmatch(text, label_end, end):
            return self._make(text, start, label_end, end, end, label, match, self.bare_rule)
        if self.rejected_by(text, label_end, rule in self._starts and count == 1):
            return None
        sep = self._separator.match(text, label_end, end)
        if sep and sep.end() < end and text[sep.end()] not in self._not_first:
            return self._make(text, start, label_end, sep.end(), end, label, match, rule)
        if rule == self.line_rule and self._glued_text.match(text, label_end, end):
            return self._make(text, start, label_end, label_end, end, label, match, rule)
        return None

    def _make(
        self,
        text: str,
        start: int,
        label_end: int,
        body_start: int,
        end: int,
        label: _Label,
        match: re.Match[str],
        rule: str,
    ) -> CaptionMatch:
        written = text[match.start() : label_end]
        return CaptionMatch(
            start, label_end, body_start, end, written, label.kind, label_slug(written, label.slug),
            label.rule, rule,
        )  # fmt: skip

    def _hinted(self, line: str) -> bool:
        return "\t" not in line and any(hint in line for hint in self._hints)

    def match_line(self, line: str) -> CaptionMatch | None:
        """The caption or bare label that ``line`` starts with (no tab in it), else None."""
        if not line.startswith(self._hints) or "\t" in line:
            return None
        return self._caption(line, 0, len(line), self.line_rule)

    def find_glued(self, line: str, pos: int = 0) -> CaptionMatch | None:
        """The first caption glued to the text before it in ``line``, from ``pos`` on."""
        return self._find(line, pos, (self._glued,))

    def find_sentence_caption(self, line: str, pos: int = 0) -> CaptionMatch | None:
        """The first caption that starts a sentence inside ``line``, from ``pos`` on."""
        return self._find(line, pos, (self._sentence,))

    def _find(self, line: str, pos: int, placed: tuple[_Placed, ...]) -> CaptionMatch | None:
        """The first caption with text, from ``pos`` on, whose label fits one of ``placed``."""
        if not self._hinted(line):
            return None
        for start in self._hint_positions(line, max(pos, 1)):
            rule = next((p.rule for p in placed if p.fits(line, start)), None)
            if rule is not None:
                found = self._caption(line, start, len(line), rule)
                if found is not None and not found.bare:
                    return found
        return None

    def _hint_positions(self, line: str, pos: int) -> list[int]:
        found = set()
        for hint in self._hints:
            i = line.find(hint, pos)
            while i >= 0:
                found.add(i)
                i = line.find(hint, i + 1)
        return sorted(found)

    def iter_captions(self, text: str, sentences: bool = False) -> Iterator[CaptionMatch]:
        """Every caption with text in ``text``, line by line; each ends where the next starts.

        ``sentences``: also captions that start a sentence inside a line (see
        :meth:`line_captions`).
        """
        offset = 0
        for line in text.split("\n"):
            yield from (_shift(m, offset) for m in self.line_captions(line, sentences))
            offset += len(line) + 1

    def line_captions(self, line: str, sentences: bool = False) -> Iterator[CaptionMatch]:
        """The captions with text in one line: at its start, then the glued ones (and, with
        ``sentences``, those that start a sentence: rule ``sentence_caption``), in order.

        Each runs to the start of the next one or to the end of the line (so that Layer 3's
        ``"Fig. 1. [X]Fig. 2. [X]"`` reads as two captions again). :func:`parse_text
        <mmrare_core.documents.text.parse_text>` splits captions into blocks without
        ``sentences``; Layer 3 masks with them.
        """
        inside = (self._glued, self._sentence) if sentences else (self._glued,)
        first = self.match_line(line)
        found = [first] if first is not None and not first.bare else []
        pos = found[0].body_start if found else 0
        while (nxt := self._find(line, pos, inside)) is not None:
            found.append(nxt)
            pos = nxt.body_start
        for here, nxt in itertools.pairwise(found):
            yield dataclasses.replace(here, end=nxt.start)
        yield from found[-1:]


def _shift(match: CaptionMatch, offset: int) -> CaptionMatch:
    if not offset:
        return match
    return dataclasses.replace(
        match,
        start=match.start + offset,
        label_end=match.label_end + offset,
        body_start=match.body_start + offset,
        end=match.end + offset,
    )


_SLUG_DROP = re.compile(r"[^a-z0-9]+")


def label_slug(label: str, name_slug: str = "") -> str:
    """``"Fig. 1"`` → ``"figure-1"`` (with ``name_slug="figure"``); ``"Video 2"`` → ``"video-2"``.

    >>> label_slug("Fig.\\u00a03A", "figure"), label_slug("Supplementary Fig. S1")
    ('figure-3a', 'supplementary-fig-s1')
    """
    if name_slug:
        number = re.search(r"S?\d+[A-Za-z]?$", label)
        if number:
            return f"{name_slug}-{number.group().lower()}"
    return _SLUG_DROP.sub("-", label.lower()).strip("-") or "caption"


@lru_cache(maxsize=8)
def default_caption_rules(rules_dir: str | Path | None = None) -> CaptionRules:
    """The packaged caption rules (or those in ``rules_dir``), compiled once."""
    return CaptionRules(rules_dir)
