"""Section titles: what ``rules/sections.json`` says a title, a heading and a dropped
section look like, compiled once (:class:`SectionRules`).

:func:`parse_text <mmrare_core.documents.text.parse_text>` uses them to find headings and
:func:`layer1 <mmrare_core.views.l1_sections.layer1>` to drop sections. Titles are compared by
:meth:`SectionRules.title_key`: leading symbols and numbering (``"3."``, ``"III."``, ``"2.1"``)
and trailing punctuation removed, then the shared normalization (case, quotes, dashes, space).

>>> rules = default_section_rules()
>>> rules.title_key("5. CONCLUSIONS:"), rules.drop_title("Conclusions")
('conclusions', 'conclusion')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from mmrare_core.errors import RuleFileError
from mmrare_core.rules.files import read_rule_file, rule_pattern, rules_path
from mmrare_core.text.normalize import normalize_text

__all__ = ["SectionRules", "TitleMatch", "default_section_rules"]

_RULE_FILE = "sections.json"
_LEADING = re.compile(r"^[\W_]+")
_TRAILING = re.compile(r"[\s.:;,?\-\u2013\u2014]+$")
_RUN_IN = re.compile(r"([^:\n]{2,80}?)\s*:(?!\S)")
_WORD3 = re.compile(r"[^\W\d_]{3}")
_HEADING_FORBIDDEN = ("\t", ": ", "; ", ". ")


@dataclass(frozen=True, slots=True)
class TitleMatch:
    """A section title named by a rule: the rule's id, whether Layer 1 drops it, and
    whether an exact title (not a pattern) named it."""

    rule: str
    drop: bool
    exact: bool = True


class SectionRules:
    """The compiled section rules (from ``rules/sections.json`` or a folder of your own)."""

    def __init__(self, rules_dir: str | Path | None = None) -> None:
        self.rules_dir = rules_dir
        self._where = str(rules_path(_RULE_FILE, rules_dir))
        rules = read_rule_file(_RULE_FILE, rules_dir)["rules"]
        self.numbering = self._pattern(self._one(rules, "numbering"))
        self.markdown = self._pattern(self._one(rules, "markdown_heading"))
        self.artefact = self._pattern(self._one(rules, "artefact"))
        shape = self._one(rules, "heading_shape")
        self.shape_rule = shape["id"]
        self.max_chars = int(shape.get("max_chars", 80))
        self.max_words = int(shape.get("max_words", 10))
        self._not_titles = frozenset(self.title_key(t) for t in shape.get("not_titles", ()))
        self.drop_kinds: dict[str, str] = {}
        self._titles: dict[str, TitleMatch] = {}
        self._patterns: list[tuple[re.Pattern[str], TitleMatch]] = []
        self._run_in: dict[str, str] = {}
        self._ends: dict[str, tuple[int | None, re.Pattern[str] | None]] = {}
        self._statements: list[tuple[str, int, re.Pattern[str]]] = []
        for rule in rules:
            self._add(rule)

    # -- compiling

    def _one(self, rules: list[dict[str, Any]], kind: str) -> dict[str, Any]:
        found = [r for r in rules if r["kind"] == kind]
        if len(found) != 1:
            raise RuleFileError(f"{self._where}: expected one rule of kind {kind!r}")
        return found[0]

    def _pattern(self, rule: Mapping[str, Any], text: str | None = None) -> re.Pattern[str]:
        if text is None and "pattern" not in rule:
            raise RuleFileError(f"{self._where}: rule {rule['id']!r}: missing 'pattern'")
        text = text if text is not None else rule["pattern"]
        return rule_pattern(_RULE_FILE, rule["id"], "pattern", text, 0, self.rules_dir)

    def _add(self, rule: Mapping[str, Any]) -> None:
        kind, rule_id = rule["kind"], rule["id"]
        if kind == "drop_kinds":
            for block_kind in rule.get("kinds", ()):
                self.drop_kinds.setdefault(block_kind, rule_id)
            return
        if kind == "drop_statement":
            limit = int(rule.get("max_chars", 400))
            for pattern in rule.get("patterns", ()):
                self._statements.append((rule_id, limit, self._pattern(rule, pattern)))
            return
        if kind in ("drop_section", "section_title"):
            self._add_titles(rule, drop=kind == "drop_section")

    def _add_titles(self, rule: Mapping[str, Any], drop: bool) -> None:
        rule_id = rule["id"]
        match = TitleMatch(rule_id, drop)
        for title in rule.get("titles", ()):
            key = self.title_key(title)
            self._titles.setdefault(key, match)
            if rule.get("run_in"):
                self._run_in.setdefault(key, rule_id)
        inexact = TitleMatch(rule_id, drop, exact=False)
        for pattern in rule.get("patterns", ()):
            self._patterns.append((self._pattern(rule, f"(?:{pattern})\\Z"), inexact))
        if "ends_before" in rule or "ends_before_chars" in rule:
            ends = rule.get("ends_before")
            chars = rule.get("ends_before_chars")
            compiled = self._pattern(rule, str(ends)) if ends is not None else None
            self._ends[rule_id] = (int(chars) if chars is not None else None, compiled)

    # -- titles

    def split_numbering(self, title: str) -> tuple[str, str, int]:
        """``"2.1. Laboratory findings"`` → ``("2.1.", "Laboratory findings", 2)``.

        The depth is 0 when there is no numbering, 1 for ``"3"`` or ``"III."``.
        """
        match = self.numbering.match(title)
        if match is None:
            return "", title, 0
        arabic = match.groupdict().get("arabic")
        depth = arabic.count(".") + 1 if arabic else 1
        return match.group().strip(), title[match.end() :], depth

    def title_key(self, title: str) -> str:
        """The form titles are compared in: ``"5. CONCLUSIONS:"`` → ``"conclusions"``."""
        title = _LEADING.sub("", title.strip())
        title = _LEADING.sub("", self.split_numbering(title)[1])
        return normalize_text(_TRAILING.sub("", title))

    def match_title(self, title: str) -> TitleMatch | None:
        """The rule that names ``title`` (exact titles first, then patterns in file order)."""
        key = self.title_key(title)
        if not key:
            return None
        found = self._titles.get(key)
        if found is not None:
            return found
        return next((m for p, m in self._patterns if p.match(key)), None)

    def match_heading(self, line: str) -> TitleMatch | None:
        """:meth:`match_title` for a line that may be a heading: a pattern names only a line
        with the shape of a title (at most ``max_words`` words, no ``": "``, no ``". "``, no
        final ``"."``), so that "Written consent was obtained ..." is no heading."""
        found = self.match_title(line)
        if found is None or found.exact:
            return found
        text = line.rstrip()
        words = len(text.split())
        if words > self.max_words or ": " in text or ". " in text or text.endswith("."):
            return None
        return found

    def ends_section(self, rule: str, text: str) -> bool:
        """True when a paragraph ``text`` ends a section of ``rule`` (``ends_before...``)."""
        if not rule:
            return False
        chars, pattern = self._ends.get(rule, (None, None))
        if chars is not None and len(text) > chars:
            return True
        return pattern is not None and pattern.match(text) is not None

    def drop_title(self, title: str) -> str | None:
        """Id of the rule that drops a section with this title, else None."""
        found = self.match_title(title)
        return found.rule if found is not None and found.drop else None

    def run_in(self, text: str) -> tuple[str, str] | None:
        """``(rule, title)`` when ``text`` opens with a run-in title of a run-in rule."""
        match = _RUN_IN.match(text)
        if match is None:
            return None
        rule = self._run_in.get(self.title_key(match.group(1)))
        return (rule, match.group(1)) if rule else None

    def statement(self, text: str) -> str | None:
        """Id of the ``drop_statement`` rule whose pattern matches the start of the short
        paragraph ``text``."""
        for rule_id, limit, pattern in self._statements:
            if len(text) <= limit and pattern.match(text):
                return rule_id
        return None

    def looks_like_heading(self, line: str) -> bool:
        """True when ``line`` (numbering removed) has the shape of a heading (heading_shape)."""
        words = line.split()
        return (
            0 < len(line) <= self.max_chars
            and len(words) <= self.max_words
            and line[0].isupper()
            and line[-1] not in ".,;:!"
            and _WORD3.search(line) is not None
            and not any(s in line for s in _HEADING_FORBIDDEN)
            and self.title_key(line) not in self._not_titles
        )


@lru_cache(maxsize=8)
def default_section_rules(rules_dir: str | Path | None = None) -> SectionRules:
    """The packaged section rules (or those in ``rules_dir``), compiled once."""
    return SectionRules(rules_dir)
