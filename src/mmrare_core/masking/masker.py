"""Layer 2: mask the primary diagnosis and every alias of it with ``[DIAGNOSIS_MASKED]``.

One token automaton over the whole release (:mod:`mmrare_core.masking.automaton`: names,
distinctive fragments and coarser names as canonical token keys, ``rules/tokens.json``) serves
every target: one scan of the normalized text keeps the matches whose code is in the target's
scope (or, for coarser names, its nearest groups), checks word boundaries and the capitals of
case-sensitive names, and picks leftmost-longest spans; an alias beats a fragment, a fragment
a coarser name. Each match names the alias rule and the token rules it used. Masks land on
the original characters through the normalization's offset map.

Nested names: only the target's aliases take part in the choice of spans, so a longer name of
another disorder never shields a target alias. In "Dyskeratosis congenita with bilateral
exudative retinopathy" (a synonym of ORPHA:3088), masking ORPHA:1775 hides "Dyskeratosis
congenita" and leaves the rest: the inner span is masked.

>>> from mmrare_core.ontology import load
>>> masker = Masker.from_ontology(load())
>>> masker.mask("Kawasaki's disease was suspected (KD).", [2331]).text
'[DIAGNOSIS_MASKED] was suspected ([DIAGNOSIS_MASKED]).'
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmrare_core.base.cache import read_cached, write_cached
from mmrare_core.base.config import configured
from mmrare_core.errors import UnknownCodeError
from mmrare_core.masking.automaton import Candidate, Entry, TokenAutomaton
from mmrare_core.masking.short_forms import ShortFormRules, short_form_rules, tied_short_forms
from mmrare_core.ontology.aliases import AliasTable
from mmrare_core.ontology.coarser import Coarser, coarser_rules
from mmrare_core.ontology.fragments import Fragment
from mmrare_core.ontology.model import parse_code
from mmrare_core.text.normalize import Normalized, normalize
from mmrare_core.text.spans import apply_edits, leftmost_longest

if TYPE_CHECKING:  # pragma: no cover
    from mmrare_core.ontology.ontology import Ontology

__all__ = [
    "MASK_TOKEN",
    "Edit",
    "MaskOutcome",
    "MaskRecord",
    "MaskResult",
    "Masker",
    "Match",
    "MatchKind",
    "Scope",
    "mask_many",
]

MASK_TOKEN = "[DIAGNOSIS_MASKED]"
#: Bump when the pickled automaton's layout changes.
MASKER_FORMAT = 10


class MatchKind(IntEnum):
    """What a match is; the lower kind wins a tie on the same span."""

    ALIAS = 0  #: a name of the scope, or a variant an alias rule made
    FRAGMENT = 1  #: a distinctive fragment of a name (strict views)
    SHORT_FORM = 2  #: a short form the text ties to a masked name
    COARSER = 3  #: a coarser name: a name minus qualifiers, a head, a part, a nearest group


ALIAS, FRAGMENT, SHORT_FORM = MatchKind.ALIAS, MatchKind.FRAGMENT, MatchKind.SHORT_FORM
COARSER = MatchKind.COARSER


@dataclass(frozen=True, slots=True)
class Edit:
    """One masked span: source and output offsets, what stood there and why it went."""

    start: int
    end: int
    out_start: int
    out_end: int
    original: str
    replacement: str
    alias: str
    code: int
    rule_id: str


@dataclass(frozen=True, slots=True)
class MaskConfig:
    """How Layer 2 masks: the token, strict fragments, the short forms a report defines."""

    token: str = MASK_TOKEN
    #: Also mask distinctive fragments of the names (strict views: T1, T4); with it, the
    #: specific coarser names too unless ``coarser`` says otherwise.
    fragments: bool = False
    #: Mask the short forms the report defines for a masked name, wherever they are used.
    abbreviations: bool = True
    #: Mask the specific coarser names (``rules/coarser.json``); None follows ``fragments``.
    coarser: bool | None = None

    def __post_init__(self) -> None:
        if not self.token:
            raise ValueError("MaskConfig: the mask token must not be empty")


@dataclass(frozen=True, slots=True)
class Scope:
    """What counts as the diagnosis: the codes masked and why each is in."""

    targets: tuple[int, ...]
    codes: tuple[int, ...]
    reasons: tuple[tuple[int, str], ...] = ()
    #: The nearest groups above the targets, with their numbers of descendants: their names
    #: are coarser names of the diagnosis (``coarser_parent``).
    groups: tuple[tuple[int, int], ...] = ()

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: targets, codes, why each code is in, and the nearest groups (with their
        numbers of descendants) whose names count as coarser names."""
        return {
            "targets": list(self.targets),
            "codes": list(self.codes),
            "reasons": {str(c): r for c, r in self.reasons},
            "groups": {str(c): n for c, n in self.groups},
        }

    @property
    def scanned(self) -> frozenset[int]:
        """Every code whose names a scan looks for: the scope and its nearest groups."""
        return frozenset(self.codes) | {code for code, _ in self.groups}


@dataclass(frozen=True, slots=True)
class MaskResult:
    """The masked text and its edits in document order."""

    text: str
    edits: tuple[Edit, ...]
    scope: Scope
    abbreviations: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``edits`` as dicts, ``scope`` with its reasons)."""
        return {
            "masked": self.text,
            "edits": [asdict(e) for e in self.edits],
            "scope": self.scope.to_dict(),
            "abbreviations": list(self.abbreviations),
        }


@dataclass(frozen=True, slots=True)
class Match:
    """A span of the diagnosis in a text (source offsets): the form, code and rule behind it."""

    start: int
    end: int
    form: str
    code: int
    rule_id: str
    kind: MatchKind = MatchKind.ALIAS
    #: A coarser name: how many disorders of the release share it (0 for other kinds).
    shared: int = 0
    #: A coarser name that names a finding: never masked.
    finding: bool = False


class Masker:
    """Masks the aliases of target disorders; compiled once per release, picklable."""

    def __init__(
        self,
        table: AliasTable,
        ontology: Ontology | None = None,
        fragments: dict[str, Fragment] | None = None,
        coarser: dict[int, tuple[Coarser, ...]] | None = None,
    ) -> None:
        self.ontology = ontology
        self.table = table
        #: The coarser names of each code (``rules/coarser.json``), as compiled.
        self.coarser = coarser or {}
        rules_dir = ontology.rules.rules_dir if ontology is not None else None
        self._automaton = _compile(table, fragments or {}, self.coarser, rules_dir)
        self._fragments = fragments or {}
        self._last: tuple[tuple[str, Scope], tuple[Normalized, list[Match]]] | None = None

    # -- construction and the disk cache

    @classmethod
    def from_ontology(cls, ontology: Ontology, cache: bool = True) -> Masker:
        """The masker of a release, from the disk cache when the release came from ``load``."""
        from mmrare_core.ontology.coarser import coarser_names
        from mmrare_core.ontology.fragments import distinctive_fragments

        rules_dir = ontology.rules.rules_dir
        key = f"{ontology.cache_key}-{MASKER_FORMAT}" if ontology.cache_key else None
        if cache and key:
            parts = read_cached("masker", key, tuple)
            if parts is not None and len(parts) == 3:
                return cls._from_parts(ontology, *parts)
        fragments = distinctive_fragments(ontology, ontology.rules.rules_dir)
        masker = cls(ontology.aliases, ontology, fragments, coarser_names(ontology, rules_dir))
        if cache and key:  # only the compiled parts: the ontology has a cache of its own
            write_cached("masker", key, (masker._automaton, masker._fragments, masker.coarser))
        return masker

    @classmethod
    def _from_parts(
        cls,
        ontology: Ontology,
        automaton: Any,
        fragments: dict[str, Fragment],
        coarser: dict[int, tuple[Coarser, ...]],
    ) -> Masker:
        masker = cls.__new__(cls)
        masker.ontology, masker.table, masker.coarser = ontology, ontology.aliases, coarser
        masker._automaton, masker._fragments, masker._last = automaton, fragments, None
        return masker

    def __getstate__(self) -> dict[str, Any]:
        """Everything but the last ``find`` result: a masker sent to a spawned worker keeps
        its ontology, so its scopes (subtypes, parents) are the same there."""
        return {k: v for k, v in self.__dict__.items() if k != "_last"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._last = None

    # -- scope

    def scope(
        self,
        codes: int | str | Iterable[int | str],
        *,
        subtypes: bool = True,
        parents: bool = True,
        narrow_group_max: int = 0,
    ) -> Scope:
        """The codes that count as the diagnosis (DESIGN.md, Decisions).

        The targets; their subtypes (``subtypes``); when a target is a subtype, its parents
        up to the first ancestor that is not a subtype (``parents``); and, when
        ``narrow_group_max`` > 0, the nearest groups with at most that many descendants.
        Without an ontology only the targets count.
        """
        targets = _codes(codes)
        reasons: dict[int, str] = {code: "target" for code in targets}
        ont = self.ontology
        if ont is not None:
            for code in targets:
                ont.get(code)  # unknown code -> UnknownCodeError
            for code in targets:
                if parents and ont.get(code).is_subtype:
                    for parent in _parent_disorders(ont, code):
                        reasons.setdefault(parent, f"parent of ORPHA:{code}")
                for group in _narrow_groups(ont, code, narrow_group_max):
                    reasons.setdefault(group, f"narrow group of ORPHA:{code}")
            if subtypes:
                for code in list(reasons):
                    for sub in ont.subtypes(code):
                        reasons.setdefault(sub.code, f"subtype of ORPHA:{code}")
        ordered = tuple(sorted(reasons))
        groups = self._groups(targets, ordered) if ont is not None else ()
        return Scope(targets, ordered, tuple((c, reasons[c]) for c in ordered), groups)

    def _groups(
        self, targets: tuple[int, ...], codes: tuple[int, ...]
    ) -> tuple[tuple[int, int], ...]:
        """The nearest groups above the targets small enough to name them (coarser_parent)."""
        ont = self.ontology
        assert ont is not None
        limit = coarser_rules(ont.rules.rules_dir).max_descendants
        found: dict[int, int] = {}
        for code in targets:
            for group in ont.category(code):
                size = len(ont.descendants(group.code))
                if group.code not in codes and size <= limit:
                    found[group.code] = size
        return tuple(sorted(found.items()))

    # -- matching

    def find(
        self,
        text: str,
        scope: Scope | int | str | Iterable[int | str],
        *,
        fragments: bool = False,
        coarser: bool = False,
    ) -> list[Match]:
        """Leftmost-longest, non-overlapping spans of the scope's names, in source offsets;
        ``fragments``: distinctive fragments compete too, ``coarser``: the specific coarser
        names (an alias wins a tie, then a fragment, then a coarser name).

        One scan of a text serves every ``find`` of it with the same scope, until another
        text is scanned: the checks of one field scan it once.
        """
        scope = scope if isinstance(scope, Scope) else self.scope(scope)
        norm, found = self._scan(text, scope)
        limit = self._max_coarser()
        wanted = [
            m for m in found
            if m.kind == ALIAS
            or (fragments and m.kind == FRAGMENT)
            or (coarser and m.kind == COARSER and not m.finding and m.shared <= limit)
        ]  # fmt: skip
        chosen = leftmost_longest(wanted, lambda m: (m.kind, m.code))  # ties: kind, lowest code
        return [self._sourced(norm, m) for m in chosen]

    def coarser_left(
        self, text: str, scope: Scope | int | str | Iterable[int | str]
    ) -> list[Match]:
        """Every coarser name of the scope in ``text``, masked by policy or not (what the audit
        and a view's record report), leftmost-longest among them."""
        scope = scope if isinstance(scope, Scope) else self.scope(scope)
        norm, found = self._scan(text, scope)
        coarser = [m for m in found if m.kind == COARSER]
        return [self._sourced(norm, m) for m in leftmost_longest(coarser, lambda m: m.shared)]

    def _max_coarser(self) -> int:
        rules_dir = self.ontology.rules.rules_dir if self.ontology else None
        return coarser_rules(rules_dir).max_codes

    def _scan(self, text: str, scope: Scope) -> tuple[Normalized, list[Match]]:
        """Every candidate of the scope (fragments and coarser names included) in normalized
        offsets, each with its kind, for the last text scanned."""
        key = (text, scope)
        if self._last is None or self._last[0] != key:
            norm = normalize(text)
            candidates = self._automaton.candidates(norm, frozenset(scope.codes), scope.scanned)
            found = [self._classify(c, scope) for c in candidates]
            self._last = (key, (norm, [m for m in found if m is not None]))
        return self._last[1]

    def _classify(self, candidate: Candidate, scope: Scope) -> Match | None:
        """A candidate as a match of its kind (normalized offsets): the name of a nearest
        group is a coarser name of the scope (``coarser_parent``)."""
        entry = candidate.entry
        kind, shared, rule_id = MatchKind(entry.kind), entry.shared, entry.rule_id
        if entry.code not in scope.codes:
            if kind != ALIAS:
                return None
            kind, rule_id = COARSER, self._parent_rule()
            shared = dict(scope.groups).get(entry.code, 0)
        return Match(candidate.start, candidate.end, entry.form, entry.code, rule_id, kind,
                     shared, entry.finding)  # fmt: skip

    def _parent_rule(self) -> str:
        rules_dir = self.ontology.rules.rules_dir if self.ontology else None
        return coarser_rules(rules_dir).parent_id

    def _sourced(self, norm: Normalized, match: Match) -> Match:
        """A match in source offsets, naming every rule it took: its own, then the token
        rules that the text's form needed."""
        start, end = norm.source_span(match.start, match.end)
        keep_case = match.kind == ALIAS and match.form.isupper()
        used = self._automaton.rules_used(norm.source[start:end], match.form, keep_case)
        ids, named = self._automaton.rules.ids, match.rule_id.split("+")
        if ids["order"] in named:  # another word order: its joints differ by construction
            used = tuple(r for r in used if r != ids["joiner"] and r not in named)
        return replace(match, start=start, end=end, rule_id="+".join((match.rule_id, *used)))

    # -- masking

    def mask(
        self,
        text: str,
        codes: Scope | int | str | Iterable[int | str],
        token: str | None = None,
        *,
        config: MaskConfig | None = None,
        definitions: str = "",
        **overrides: Any,
    ) -> MaskResult:
        """Replace every alias of the diagnosis in ``text`` with the mask token.

        ``codes`` are the target ORPHA codes (or a :class:`Scope` from :meth:`scope`);
        ``config`` (a :class:`MaskConfig`) or its fields as keywords (``token``,
        ``fragments``, ``abbreviations``) say how. ``definitions`` is more of the same report
        (e.g. the abstract a view drops): a short form defined there is still the diagnosis.
        """
        if not isinstance(text, str):
            raise TypeError(f"mask() takes str, not {type(text).__name__}")
        cfg = configured(MaskConfig, config, {"token": token, **overrides})
        scope = codes if isinstance(codes, Scope) else self.scope(codes)
        coarser = cfg.fragments if cfg.coarser is None else cfg.coarser
        spans = self.find(text, scope, fragments=cfg.fragments, coarser=coarser)
        short_forms: tuple[str, ...] = ()
        if cfg.abbreviations:
            rules = short_form_rules(self.ontology.rules.rules_dir if self.ontology else None)
            defined = _defined_short_forms(text, spans, rules)
            if definitions:
                found = self.find(definitions, scope)
                for short, why in _defined_short_forms(definitions, found, rules).items():
                    defined.setdefault(short, why)
            uses = _short_forms_uses(text, defined)  # one scan for them all
            extra = [
                Match(s, e, short, code, rule, SHORT_FORM)
                for short, (code, rule) in defined.items()
                for s, e in uses[short]
            ]
            short_forms = tuple(sorted(defined))
            spans = leftmost_longest([*spans, *extra], lambda s: s.kind)  # an alias wins a tie
        return _apply(text, spans, cfg.token, scope, short_forms)


# --------------------------------------------------------------------------- compiling


def _compile(
    table: AliasTable,
    fragments: dict[str, Fragment],
    coarser: dict[int, tuple[Coarser, ...]],
    rules_dir: str | Path | None = None,
) -> TokenAutomaton:
    names: list[tuple[str, Entry]] = [
        (a.form, Entry(a.code, ALIAS, "x" if a.case_sensitive else "", a.form, a.rule_id))
        for a in table
    ]
    names += [
        (key, Entry(c, FRAGMENT, "", key, "distinctive_fragment", frag.proper_name))
        for key, frag in fragments.items()
        for c in frag.codes
    ]
    names += [
        (c.form, Entry(code, COARSER, "", c.form, c.rule_id, shared=c.shared, finding=c.finding))
        for code, forms in coarser.items()
        for c in forms
    ]
    return TokenAutomaton(names, rules_dir)


def _apply(
    text: str, spans: Sequence[Match], token: str, scope: Scope, short_forms: tuple[str, ...]
) -> MaskResult:
    edits: list[Edit] = []
    shift = 0
    for span in spans:
        out = span.start + shift
        edits.append(
            Edit(span.start, span.end, out, out + len(token), text[span.start : span.end], token,
                 span.form, span.code, span.rule_id)
        )  # fmt: skip
        shift += len(token) - (span.end - span.start)
    return MaskResult(apply_edits(text, edits), tuple(edits), scope, short_forms)


# --------------------------------------------------------------------------- scope helpers


def _codes(codes: int | str | Iterable[int | str]) -> tuple[int, ...]:
    if isinstance(codes, (int, str)):
        codes = [codes]
    parsed = tuple(dict.fromkeys(parse_code(c) for c in codes))
    if not parsed:
        raise UnknownCodeError("no target ORPHA code given")
    return parsed


def _parent_disorders(ont: Ontology, code: int) -> list[int]:
    """Parents of a subtype up to and including the first ancestors that are not subtypes."""
    found: list[int] = []
    frontier = [code]
    seen = {code}
    while frontier:
        nxt = []
        for current in frontier:
            for parent in ont.parents(current):
                if parent.is_group or parent.code in seen:
                    continue
                seen.add(parent.code)
                found.append(parent.code)
                if parent.is_subtype:
                    nxt.append(parent.code)
        frontier = nxt
    return found


def _narrow_groups(ont: Ontology, code: int, max_size: int) -> list[int]:
    if max_size <= 0:
        return []
    return [g.code for g in ont.category(code) if len(ont.descendants(g.code)) <= max_size]


# --------------------------------------------------------------------------- short forms


def _defined_short_forms(
    text: str, spans: list[Match], rules: ShortFormRules
) -> dict[str, tuple[int, str]]:
    """Short forms ``text`` ties to a masked name: short form -> (code, rule id)."""
    aliases = [s for s in spans if s.kind == ALIAS]
    if not aliases:
        return {}
    tied = tied_short_forms(text, [(s.start, s.end) for s in aliases], rules=rules)
    return {short: (aliases[i].code, rule) for short, (i, rule) in tied.items()}


def _short_forms_uses(text: str, shorts: Iterable[str]) -> dict[str, list[tuple[int, int]]]:
    from mmrare_core.text.abbreviations import short_forms_uses

    return short_forms_uses(text, shorts)


# --------------------------------------------------------------------------- batches


@dataclass(frozen=True, slots=True)
class MaskRecord:
    """One report to mask: an id, its text and the target codes."""

    id: Any
    text: str
    codes: tuple[int | str, ...]


@dataclass(frozen=True, slots=True)
class MaskOutcome:
    """The result for one record, or the error that stopped it (the batch goes on)."""

    id: Any
    result: MaskResult | None = None
    error: str | None = None


def _mask_one(job: tuple[MaskRecord, dict[str, Any]]) -> MaskOutcome:
    from mmrare_core.base.batch import shared
    from mmrare_core.errors import MMRareError

    record, options = job
    try:
        result = shared("masker").mask(record.text, record.codes, **options)
    except (MMRareError, TypeError, ValueError) as exc:
        return MaskOutcome(record.id, error=f"{type(exc).__name__}: {exc}")
    return MaskOutcome(record.id, result)


def mask_many(
    records: Iterable[MaskRecord],
    masker: Masker,
    *,
    workers: int = 1,
    progress: bool = False,
    total: int | None = None,
    **options: Any,
) -> Iterator[MaskOutcome]:
    """Mask a stream of records in input order, over ``workers`` processes.

    One compiled masker serves every record (each has its own targets); the workers share
    it. A record that fails (unknown code, text not a string) yields an outcome with its
    error and the batch goes on. ``options`` are :meth:`Masker.mask`'s keyword arguments.
    """
    from mmrare_core.base.batch import ordered_map

    jobs = ((record, options) for record in records)
    yield from ordered_map(
        _mask_one, jobs, share={"masker": masker}, workers=workers, progress=progress,
        total=total, desc="mask",
    )  # fmt: skip
