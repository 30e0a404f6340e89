"""Alias expansion: every surface form a case report may use for a disorder.

Each Orphanet name (preferred name, synonyms, and curated or former names from an
``--aliases`` file) is expanded by the variant rules in ``rules/alias_rules.json``; every
form carries the rule chain that made it. Forms that are generic words or phrases alone are
dropped by ``rules/specificity.json``; derived initialisms are kept only where they are
unambiguous within the release. Everything dropped is reported, never lost silently.

>>> from mmrare_core.ontology.model import Disorder
>>> d = Disorder(2331, "Kawasaki disease", ("Mucocutaneous lymph node syndrome",))
>>> forms = {a.form: a.rule_id for a in expand_aliases(d)}
>>> forms["Kawasaki's disease"]
'possessive_add'
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from mmrare_core.ontology.model import Disorder, ExtraAlias
from mmrare_core.rules.files import read_rule_file, rule_pattern, rules_digest
from mmrare_core.text.normalize import normalize_text, unify_keeping_case

__all__ = [
    "Alias",
    "AliasRules",
    "AliasTable",
    "Dropped",
    "ExpansionReport",
    "Release",
    "expand_aliases",
    "is_acronym",
]


class Release(Protocol):
    """What the alias table reads of a release: its disorders, and ``code in release``
    (an :class:`~mmrare_core.ontology.ontology.Ontology` is one)."""

    def __iter__(self) -> Iterator[Disorder]: ...
    def __contains__(self, code: object) -> bool: ...


NAME, SYNONYM, ACRONYM, INITIALISM = (
    "orphanet_name",
    "orphanet_synonym",
    "orphanet_acronym",
    "derived_initialism",
)


@dataclass(frozen=True, slots=True)
class Alias:
    """One surface form of a disorder and the rule chain that made it.

    ``origin`` is the kind of name it came from (``orphanet_name``, ``orphanet_synonym``,
    ``orphanet_acronym``, ``derived_initialism``, ``former_name``, ``curated``...);
    ``rule_id`` is the variant chain (``diacritics_fold+hyphen_space``) or, for a name as
    the release gives it, the origin itself. Case-sensitive aliases (acronyms) must match
    the source text's capitals.
    """

    form: str
    code: int
    rule_id: str
    source_name: str
    origin: str
    case_sensitive: bool = False

    @property
    def key(self) -> str:
        """The form under the shared normalization (case kept for case-sensitive forms)."""
        return alias_key(self.form, self.case_sensitive)


@dataclass(frozen=True, slots=True)
class Dropped:
    """A form that was not admitted into the table, and why."""

    form: str
    code: int
    rule_id: str
    reason: str


@dataclass(slots=True)
class ExpansionReport:
    """What the expansion left out: nothing is dropped without an entry here."""

    dropped: list[Dropped] = field(default_factory=list)
    ambiguous_initialisms: dict[str, tuple[int, ...]] = field(default_factory=dict)
    shadowed_former_names: list[Dropped] = field(default_factory=list)
    unknown_codes: dict[int, tuple[str, ...]] = field(default_factory=dict)


def alias_key(form: str, case_sensitive: bool = False) -> str:
    """Table key of a form: normalized, with case kept for case-sensitive forms.

    >>> alias_key("Niemann\u2013Pick  Disease"), alias_key("X\u2010ALD", case_sensitive=True)
    ('niemann-pick disease', 'X-ALD')
    """
    if case_sensitive:
        return unify_keeping_case(form)
    return normalize_text(form).strip()


_LOWER_RUN = re.compile(r"[a-z]{3}")
_TOKEN = re.compile(r"[^\W_]+")


def is_acronym(name: str, max_length: int = 16) -> bool:
    """Whether a synonym is an acronym (mostly capitals), matched case-sensitively.

    >>> [is_acronym(s) for s in ("AxD", "X-ALD", "MPS II", "LGMD2D", "Penta-X", "Tetra X")]
    [True, True, True, True, False, False]
    """
    if len(name) > max_length or _LOWER_RUN.search(name):
        return False
    return sum(c.isupper() for c in name) >= 2


# --------------------------------------------------------------------------- rules


_ROMAN = [
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X",
    "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX",
]  # fmt: skip


_NUMERAL_LIKE = re.compile(
    r"\d+[A-Za-z]?|(?:" + "|".join(sorted(_ROMAN, key=len, reverse=True)) + r")[A-Za-z]?|[A-Za-z]",
    re.IGNORECASE,
)


def _numeral_pattern(
    contexts: Iterable[str], acronym_context: str, maximum: int
) -> re.Pattern[str]:
    romans = "|".join(sorted(_ROMAN[:maximum], key=len, reverse=True))
    words = "|".join(re.escape(c) for c in contexts)
    return re.compile(
        rf"(?<![\w-])(?:(?P<ctx>(?i:{words}))(?P<sep>[ -]?)"
        rf"|(?P<acr>{acronym_context})(?P<asep>[ -]))"
        rf"(?P<num>{romans}|\d{{1,2}})(?P<suf>[A-Za-z]?)(?![\w])"
    )


class AliasRules:
    """The compiled alias and specificity rules (from ``rules/`` or a folder of your own)."""

    def __init__(self, rules_dir: str | Path | None = None) -> None:
        self.rules_dir = rules_dir
        data = read_rule_file("alias_rules.json", rules_dir)
        spec = read_rule_file("specificity.json", rules_dir)
        self.max_forms = int(data.get("max_forms_per_name", 96))
        numerals = data.get("numerals", {})
        context = numerals.get("acronym_context", "[A-Z]{2,}")
        rule_pattern("alias_rules.json", "numerals", "acronym_context", context, 0, rules_dir)
        self._numerals = _numeral_pattern(
            numerals.get("contexts", ["type"]), context, int(numerals.get("max", 20))
        )
        self._numeral_contexts = {c.lower() for c in numerals.get("contexts", ["type"])}
        self.acronym = dict(data.get("acronym", {"id": ACRONYM}))
        self.initialism = dict(data.get("initialism", {}))
        self.variants: list[tuple[str, bool, Callable[[str], str | None]]] = [
            (rule["id"], bool(rule.get("acronyms", False)), self._compile(rule))
            for rule in data["rules"]
        ]
        self._stop: dict[str, str] = {}
        self._acronym_stop: dict[str, str] = {}
        self._generic: set[str] = set()
        self._generic_id = "specificity_generic_token"
        for rule in spec["rules"]:
            if rule["kind"] == "stoplist":
                self._stop.update((normalize_text(t), rule["id"]) for t in rule["terms"])
            elif rule["kind"] == "acronyms":
                self._acronym_stop.update((t, rule["id"]) for t in rule["terms"])
            else:
                self._generic_id = rule["id"]
                self._generic.update(normalize_text(t) for t in rule["tokens"])

    @cached_property
    def digest(self) -> str:
        """Hash of the rule files, for cache keys."""
        return rules_digest(self.rules_dir)

    # -- compiling one rule into a function form -> variant | None

    def _compile(self, rule: Mapping[str, Any]) -> Callable[[str], str | None]:
        kind = rule["kind"]
        if kind == "regex":
            flags = re.IGNORECASE if "i" in rule.get("flags", "") else 0
            pattern = rule_pattern(
                "alias_rules.json", rule["id"], "pattern", rule["pattern"], flags, self.rules_dir
            )
            return lambda form: _changed(form, pattern.sub(rule["replacement"], form))
        if kind == "table":
            return _table_rule(rule)
        if kind == "fold_diacritics":
            return _fold_diacritics
        if kind == "numerals":
            return self._numeral_rule(rule["direction"])
        if kind == "possessive":
            heads = "|".join(re.escape(h) for h in rule["heads"])
            pattern = re.compile(rf"^(?P<ep>[A-Z][a-z]+)(?P<rest> (?:{heads})\b.*)$")
            return self._possessive(pattern, tuple(rule.get("not_suffixes", ())))
        raise AssertionError(kind)  # pragma: no cover - kinds are validated on read

    def _possessive(
        self, pattern: re.Pattern[str], not_suffixes: tuple[str, ...]
    ) -> Callable[[str], str | None]:
        def apply(form: str) -> str | None:
            match = pattern.match(form)
            if (
                not match
                or match["ep"].lower() in self._generic
                or match["ep"].endswith(not_suffixes)
            ):
                return None
            return f"{match['ep']}'s{match['rest']}"

        return apply

    def _numeral_rule(self, direction: str) -> Callable[[str], str | None]:
        def replace(match: re.Match[str]) -> str:
            ctx, sep = (
                (match["ctx"], match["sep"]) if match["ctx"] else (match["acr"], match["asep"])
            )
            num, suffix = match["num"], match["suf"]
            if direction == "roman_to_arabic" and num in _ROMAN:
                num = str(_ROMAN.index(num) + 1)
            elif direction == "arabic_to_roman" and num.isdigit() and 0 < int(num) <= len(_ROMAN):
                num = _ROMAN[int(num) - 1]
            elif direction == "hyphenate" and sep == " ":
                sep = "-"
            return f"{ctx}{sep}{num}{suffix}"

        return lambda form: _changed(form, self._numerals.sub(replace, form))

    # -- specificity

    def rejection(self, form: str, case_sensitive: bool) -> str | None:
        """The id of the rule that rejects ``form`` as too generic, or None if it is specific.

        >>> rules = AliasRules()
        >>> rules.rejection("type 2", False), rules.rejection("Kawasaki disease", False)
        ('stoplist_generic_phrase', None)
        >>> rules.rejection("congenital disease type IIA", False)
        'specificity_generic_token'
        """
        if case_sensitive:
            key = alias_key(form, True)
            letters = sum(c.isalpha() for c in key)
            if key in self._acronym_stop or letters < 2:
                return self._acronym_stop.get(key, "stoplist_acronym")
            return None
        key = alias_key(form)
        if key in self._stop:
            return self._stop[key]
        tokens = _TOKEN.findall(form)
        numeral_like = [_NUMERAL_LIKE.fullmatch(t) is not None for t in tokens]
        if all(numeral_like):
            return self._generic_id
        previous = [""] + [t.lower() for t in tokens[:-1]]
        if all(
            self._is_generic(token, numeral, before)
            for token, numeral, before in zip(tokens, numeral_like, previous, strict=True)
        ):
            return self._generic_id
        return None

    def _is_generic(self, token: str, numeral_like: bool, previous: str) -> bool:
        if len(token) >= 2 and token.isupper() and not numeral_like:
            return False  # a word in capitals inside a name is an acronym: ADULT syndrome
        if normalize_text(token) in self._generic:
            return True
        return numeral_like and previous in self._numeral_contexts

    # -- expansion of one name

    def variants_of(self, name: str, acronym: bool) -> list[tuple[str, tuple[str, ...]]]:
        """Every form of ``name`` with the chain of rule ids that made it (the name first)."""
        forms: dict[str, tuple[str, ...]] = {name: ()}
        for rule_id, for_acronyms, apply in self.variants:
            if acronym and not for_acronyms:
                continue
            for form, chain in list(forms.items()):
                if len(forms) >= self.max_forms:
                    break
                variant = apply(form)
                if variant and variant not in forms:
                    forms[variant] = (*chain, rule_id)
        return list(forms.items())

    def initialisms(self, name: str) -> set[str]:
        """Initials of the content words of a name (PCD for Primary ciliary dyskinesia).

        >>> sorted(AliasRules().initialisms("Niemann-Pick disease type C"))
        ['NPC', 'NPDC']
        """
        cfg = self.initialism
        skip = set(cfg.get("skip_words", ()))
        heads = set(cfg.get("drop_heads", ()))
        words = [w for w in re.split(r"[\s\-/,]+", re.sub(r"\(.*?\)", " ", name)) if w]
        if any(not w.isalpha() for w in words if w.lower() not in skip and w not in _ROMAN):
            return set()  # digits, Greek letters or punctuation: no reliable initials
        content = [w for w in words if w.lower() not in skip]
        out = set()
        for drop in (False, True):
            letters = "".join(
                w if w in _ROMAN or (len(w) == 1 and w.isupper()) else w[0].upper()
                for w in content
                if not (drop and w.lower() in heads)
            )
            if cfg.get("min_letters", 3) <= len(letters) <= cfg.get("max_letters", 6):
                out.add(letters)
        return out


def _changed(form: str, variant: str) -> str | None:
    variant = " ".join(variant.split())
    return variant if variant != form else None


def _fold_diacritics(form: str) -> str | None:
    decomposed = unicodedata.normalize("NFD", form)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _changed(form, unicodedata.normalize("NFC", stripped))


def _table_rule(rule: Mapping[str, Any]) -> Callable[[str], str | None]:
    table: dict[str, str] = {
        a if not rule.get("ignore_case") else a.lower(): b for a, b in rule["pairs"]
    }
    alternatives = "|".join(re.escape(a) for a in sorted(table, key=len, reverse=True))
    if rule.get("at_end"):
        body = rf"(?<=.)(?:{alternatives})$"
    elif rule.get("word_internal"):
        body = f"(?:{alternatives})"
    else:
        body = rf"(?<!\w)(?:{alternatives})(?!\w)"
    pattern = re.compile(body, re.IGNORECASE if rule.get("ignore_case") else 0)
    fold = str.lower if rule.get("ignore_case") else str
    preserve_case = rule.get("preserve_case", True)

    def replace(match: re.Match[str]) -> str:
        found = match.group(0)
        out = table[fold(found)]
        prefix = out[: len(out) - len(found)]
        if out.lower().endswith(found.lower()) and match.string[: match.start()].lower().endswith(
            prefix
        ):
            return found  # already the target spelling (leukaemia is not leuk+emia)
        return out[:1].upper() + out[1:] if preserve_case and found[:1].isupper() else out

    return lambda form: _changed(form, pattern.sub(replace, form))


# --------------------------------------------------------------------------- per disorder


_DEFAULT_RULES: AliasRules | None = None


def default_rules() -> AliasRules:
    """The packaged rules, compiled once per process."""
    global _DEFAULT_RULES
    if _DEFAULT_RULES is None:
        _DEFAULT_RULES = AliasRules()
    return _DEFAULT_RULES


def _base_names(
    disorder: Disorder, extra: Iterable[ExtraAlias], rules: AliasRules
) -> Iterator[tuple[str, str]]:
    yield disorder.name, NAME
    acronym_id = rules.acronym.get("id", ACRONYM)
    max_length = int(rules.acronym.get("max_length", 16))
    for synonym in disorder.synonyms:
        yield synonym, acronym_id if is_acronym(synonym, max_length) else SYNONYM
    for alias in extra:
        yield alias.term, alias.rule


def _expand(
    disorder: Disorder,
    rules: AliasRules,
    extra: Iterable[ExtraAlias] = (),
    report: ExpansionReport | None = None,
) -> list[Alias]:
    """Aliases of one disorder without the release-wide checks (initialisms, shadowing)."""
    acronym_id = rules.acronym.get("id", ACRONYM)
    seen: set[str] = set()
    out: list[Alias] = []
    for name, origin in _base_names(disorder, extra, rules):
        name = " ".join(name.split())
        acronym = origin == acronym_id or (origin not in (NAME, SYNONYM) and is_acronym(name))
        for form, chain in rules.variants_of(name, acronym):
            rule_id = "+".join(chain) or origin
            key = alias_key(form, acronym)
            if key in seen:
                continue
            seen.add(key)
            rejected = rules.rejection(form, acronym)
            if rejected:
                if report is not None:
                    report.dropped.append(Dropped(form, disorder.code, rule_id, rejected))
                continue
            out.append(Alias(form, disorder.code, rule_id, name, origin, acronym))
    return out


def expand_aliases(
    disorder: Disorder,
    rules: AliasRules | None = None,
    extra: Iterable[ExtraAlias] = (),
) -> list[Alias]:
    """Every alias of one disorder from its own names (no release-wide initialisms).

    Release-wide checks (derived initialisms, former names shadowed by another code's
    current name) need the whole release: use :meth:`AliasTable.build` for those.
    """
    return _expand(disorder, rules or default_rules(), extra)


# --------------------------------------------------------------------------- the table


class AliasTable:
    """All aliases of a release, by code and by normalized form.

    Forms shared by several codes keep every code (``shared_forms``); nothing is given to
    one code silently. Rows are stored as plain tuples and :class:`Alias` values are made
    on access, so that a cached table loads fast.
    """

    def __init__(self, aliases: Iterable[Alias], report: ExpansionReport | None = None) -> None:
        rows = [
            (a.form, a.code, a.rule_id, a.source_name, a.origin, a.case_sensitive) for a in aliases
        ]
        self._setup(rows, [alias_key(r[0], r[5]) for r in rows], report or ExpansionReport())

    def _setup(self, rows: list[_Row], keys: list[str], report: ExpansionReport) -> None:
        self._rows = rows
        self._keys = keys
        self.report = report
        self._by_code: dict[int, list[int]] = defaultdict(list)
        for index, row in enumerate(rows):
            self._by_code[row[1]].append(index)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_table_from_rows, (self._rows, self._keys, self.report))

    @cached_property
    def _by_key(self) -> dict[str, list[int]]:
        by_key: dict[str, list[int]] = defaultdict(list)
        for index, key in enumerate(self._keys):
            by_key[key].append(index)
        return by_key

    @classmethod
    def build(
        cls,
        ontology: Release,
        rules: AliasRules | None = None,
        extra: Iterable[ExtraAlias] = (),
    ) -> AliasTable:
        """Expand every disorder of ``ontology`` and apply the release-wide checks."""
        rules = rules or default_rules()
        report = ExpansionReport()
        extra_by_code: dict[int, list[ExtraAlias]] = defaultdict(list)
        for item in extra:
            if item.code in ontology:
                extra_by_code[item.code].append(item)
            else:
                terms = report.unknown_codes.get(item.code, ())
                report.unknown_codes[item.code] = (*terms, item.term)
        release_origins = {NAME, SYNONYM, rules.acronym.get("id", ACRONYM)}
        current: list[Alias] = []
        added: list[Alias] = []
        for disorder in ontology:
            for alias in _expand(disorder, rules, extra_by_code.get(disorder.code, ()), report):
                (current if alias.origin in release_origins else added).append(alias)
        owners = _owners(current)
        kept = _drop_shadowed(added, owners, report)
        initialisms = _initialisms(ontology, rules, owners, report)
        return cls([*current, *kept, *initialisms], report)

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Alias]:
        return (Alias(*row) for row in self._rows)

    def for_code(self, code: int) -> tuple[Alias, ...]:
        """Aliases of one code (empty when it has none)."""
        return tuple(Alias(*self._rows[i]) for i in self._by_code.get(code, ()))

    def lookup(self, text: str) -> tuple[Alias, ...]:
        """Aliases whose form equals ``text`` under the shared normalization.

        Case-sensitive aliases match only with their capitals.
        """
        folded = self._by_key.get(alias_key(text), ())
        exact = self._by_key.get(alias_key(text, True), ())
        return (
            *(Alias(*self._rows[i]) for i in folded if not self._rows[i][5]),
            *(Alias(*self._rows[i]) for i in exact if self._rows[i][5]),
        )

    def codes_of(self, text: str) -> tuple[int, ...]:
        """The distinct codes whose aliases equal ``text``, in ascending order."""
        return tuple(sorted({a.code for a in self.lookup(text)}))

    def keys(self) -> Iterator[tuple[str, int, bool]]:
        """``(key, code, case_sensitive)`` for every alias: what a matcher compiles."""
        return ((key, row[1], row[5]) for key, row in zip(self._keys, self._rows, strict=True))

    def shared_forms(self) -> dict[str, tuple[int, ...]]:
        """Keys that belong to two or more codes, with their codes."""
        shared = {}
        for key, indices in self._by_key.items():
            codes = sorted({self._rows[i][1] for i in indices})
            if len(codes) > 1:
                shared[key] = tuple(codes)
        return shared

    def stats(self) -> dict[str, Any]:
        """Counts for reports: aliases, per code (mean, max), per rule, shared forms."""
        per_code = [len(v) for v in self._by_code.values()]
        per_rule: dict[str, int] = defaultdict(int)
        for row in self._rows:
            for rule_id in row[2].split("+"):
                per_rule[rule_id] += 1
        return {
            "aliases": len(self._rows),
            "codes": len(per_code),
            "per_code_mean": round(sum(per_code) / len(per_code), 2) if per_code else 0.0,
            "per_code_max": max(per_code, default=0),
            "per_rule": dict(sorted(per_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
            "shared_forms": len(self.shared_forms()),
            "dropped": len(self.report.dropped),
            "ambiguous_initialisms": len(self.report.ambiguous_initialisms),
            "shadowed_former_names": len(self.report.shadowed_former_names),
            "unknown_codes": len(self.report.unknown_codes),
        }


_Row = tuple[str, int, str, str, str, bool]


def _table_from_rows(rows: list[_Row], keys: list[str], report: ExpansionReport) -> AliasTable:
    table = AliasTable.__new__(AliasTable)
    table._setup(rows, keys, report)
    return table


def _owners(aliases: Iterable[Alias]) -> dict[str, set[int]]:
    owners: dict[str, set[int]] = defaultdict(set)
    for alias in aliases:
        owners[alias.form.casefold() if alias.case_sensitive else alias.key].add(alias.code)
    return owners


def _drop_shadowed(
    former: list[Alias], owners: Mapping[str, set[int]], report: ExpansionReport
) -> list[Alias]:
    """A current name of another code wins over a former or curated name (DESIGN.md)."""
    kept = []
    for alias in former:
        other = owners.get(alias.form.casefold() if alias.case_sensitive else alias.key, set()) - {
            alias.code
        }
        if other:
            report.shadowed_former_names.append(
                Dropped(
                    alias.form, alias.code, alias.rule_id, f"current name of ORPHA:{min(other)}"
                )
            )
        else:
            kept.append(alias)
    return kept


def _initialisms(
    ontology: Release,
    rules: AliasRules,
    owners: Mapping[str, set[int]],
    report: ExpansionReport,
) -> list[Alias]:
    rule_id = str(rules.initialism.get("id", INITIALISM))
    derived: dict[str, dict[int, str]] = defaultdict(dict)
    for disorder in ontology:
        if disorder.is_group:
            continue
        for name in disorder.names:
            if is_acronym(name):
                continue
            for letters in rules.initialisms(name):
                derived[letters].setdefault(disorder.code, name)
    out = []
    for letters, sources in sorted(derived.items()):
        codes = set(sources) | owners.get(letters.casefold(), set())
        if len(codes) > 1:
            report.ambiguous_initialisms[letters] = tuple(sorted(codes))
            continue
        ((code, name),) = sources.items()
        rejected = rules.rejection(letters, True) or rules.rejection(letters, False)
        if rejected:
            report.dropped.append(Dropped(letters, code, rule_id, rejected))
            continue
        out.append(Alias(letters, code, rule_id, name, rule_id, True))
    return out
