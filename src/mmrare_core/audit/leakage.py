"""Leakage pre-checks: does the diagnosis or the answer reach the model another way?

Each check is a function that returns :class:`~mmrare_core.audit.findings.Finding` s with spans in
the source offsets of the field it read. Which check runs for which track, its severity and
thresholds are data (``rules/audit.json``). The strict pre-check of the paper is every check
of the track with warnings counted as rejections.

>>> from mmrare_core.ontology import load
>>> from mmrare_core.masking import Masker
>>> masker = Masker.from_ontology(load())
>>> [f.check for f in residual_findings("context", "Kawasaky disease; KD", masker, [2331], "T1")]
['residual_near_miss']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmrare_core.audit.checks import AuditRules, default_rules
from mmrare_core.audit.findings import Finding
from mmrare_core.documents.document import PARAGRAPH, Block, Document
from mmrare_core.masking.masker import ALIAS, FRAGMENT, MASK_TOKEN, Scope
from mmrare_core.ontology.aliases import alias_key
from mmrare_core.text.normalize import normalize
from mmrare_core.text.words import is_word_char

if TYPE_CHECKING:  # pragma: no cover
    from mmrare_core.masking.masker import Edit, Masker
    from mmrare_core.ontology.ontology import Ontology

__all__ = [
    "Resolution",
    "answer_overlap",
    "caption_findings",
    "narrative_findings",
    "overlap_findings",
    "residual_findings",
    "resolve_diagnosis",
    "visible_fields",
    "withheld_test_findings",
]


# --------------------------------------------------------------------------- what the model sees


def visible_fields(item: Mapping[str, Any], names: Sequence[str]) -> Iterator[tuple[str, str]]:
    """(field, text) of every field the model sees: question, context, labels, file names."""
    for name in names:
        value = item.get(name)
        if isinstance(value, str):
            yield name, value
        elif isinstance(value, Mapping):  # figure_mapping: label -> path
            for label, path in value.items():
                yield f"{name}[{label}]", str(label)
                yield f"{name}[{label}].path", Path(str(path)).name
        elif isinstance(value, list):
            for index, entry in enumerate(value):
                if isinstance(entry, str) and len(entry) < 4096:  # names, not base64 images
                    yield f"{name}[{index}]", Path(entry).name


# --------------------------------------------------------------------------- the diagnosis


@dataclass(frozen=True, slots=True)
class Resolution:
    """How an item's diagnosis was tied to the release: codes, method, matched text, score."""

    codes: tuple[int, ...]
    how: str
    matched: str = ""
    score: float = 100.0


def resolve_diagnosis(
    item: Mapping[str, Any], ontology: Ontology, threshold: float = 90.0
) -> Resolution | None:
    """The item's ``orpha_code``; else its answer and aliases: exact alias match, then search.

    Returns None when nothing resolves (an "unresolved diagnosis" in the audit). A code that
    is not in the release raises :class:`~mmrare_core.errors.UnknownCodeError`.
    """
    if item.get("orpha_code") not in (None, ""):
        code = ontology.get(item["orpha_code"]).code
        return Resolution((code,), "orpha_code", str(item["orpha_code"]))
    answers = [a for a in [item.get("answer"), *_as_list(item.get("answer_aliases"))] if a]
    for answer in answers:
        codes = ontology.aliases.codes_of(str(answer))
        if codes:
            return Resolution(codes, "exact_alias", str(answer))
    best: Resolution | None = None
    for answer in answers:
        hits = ontology.search(str(answer), k=1, min_score=threshold)
        if hits and (best is None or hits[0].score > best.score):
            best = Resolution((hits[0].disorder.code,), "search", hits[0].matched, hits[0].score)
    return best


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(";") if v.strip()]
    return list(value) if isinstance(value, (list, tuple)) else [value]


def residual_findings(
    field: str,
    text: str,
    masker: Masker,
    scope: Scope | Iterable[int | str],
    track: str,
    rules: AuditRules | None = None,
    reported: Sequence[str] = (),
) -> list[Finding]:
    """The diagnosis left in one field: aliases, short forms, fragments, near-misses, the code.

    ``reported`` are short forms the view's record says the report defines for the
    diagnosis (``leakage_audit.layer2.abbreviations``): their uses are residual too.
    """
    rules = rules or default_rules()
    scope = scope if isinstance(scope, Scope) else masker.scope(scope)
    checks = [
        ("residual_alias", _aliases),
        ("residual_abbreviation", _short_forms),
        ("residual_fragment", _fragments),
        ("residual_near_miss", _near_misses),
        ("residual_code", _codes_in_text),
        ("residual_coarser", _coarser_names),
        ("residual_initialism", _initialisms),
        ("gene_or_omim", _genes_and_omim),
    ]
    out: list[Finding] = []
    for check, func in checks:
        if rules.runs(check, track):
            out.extend(func(field, text, masker, scope, rules))
    if reported and rules.runs("residual_abbreviation", track):
        out.extend(_reported_short_forms(field, text, reported, out, rules, masker))
    return out


def _aliases(
    field: str, text: str, masker: Masker, scope: Scope, rules: AuditRules
) -> list[Finding]:
    return [
        rules.finding(
            "residual_alias",
            f"{text[s.start : s.end]!r} is an alias of ORPHA:{s.code} (rule {s.rule_id})",
            rule=s.rule_id,
            field=field,
            span=(s.start, s.end),
        )
        for s in masker.find(text, scope)
        if s.kind == ALIAS
    ]


def _short_forms(
    field: str, text: str, masker: Masker, scope: Scope, rules: AuditRules
) -> list[Finding]:
    from mmrare_core.masking.short_forms import tied_short_forms
    from mmrare_core.text.abbreviations import short_form_uses

    names = [(s.start, s.end) for s in masker.find(text, scope) if s.kind == ALIAS]
    marks = [(m.start(), m.end()) for m in re.finditer(re.escape(MASK_TOKEN), text)]
    return [
        rules.finding(
            "residual_abbreviation",
            f"{short!r} stands for the diagnosis in this text ({rule})",
            rule=rule,
            field=field,
            span=span,
        )
        for short, (_, rule) in tied_short_forms(text, names, marks).items()
        if any(c.isalpha() for c in short)
        for span in short_form_uses(text, short)
    ]


def _reported_short_forms(
    field: str,
    text: str,
    reported: Sequence[str],
    found: Sequence[Finding],
    rules: AuditRules,
    masker: Masker,
) -> list[Finding]:
    """Uses of the view's short forms that the in-text checks did not already report."""
    from mmrare_core.masking.short_forms import short_form_rules
    from mmrare_core.text.abbreviations import short_form_uses

    rule = short_form_rules(masker.ontology.rules.rules_dir if masker.ontology else None).reported
    seen = {f.span for f in found if f.check == "residual_abbreviation"}
    return [
        rules.finding(
            "residual_abbreviation",
            f"{short!r} stands for the diagnosis in this report ({rule})",
            rule=rule,
            field=field,
            span=span,
        )
        for short in dict.fromkeys(reported)
        if isinstance(short, str) and any(c.isalpha() for c in short)
        for span in short_form_uses(text, short)
        if span not in seen
    ]


def _fragments(
    field: str, text: str, masker: Masker, scope: Scope, rules: AuditRules
) -> list[Finding]:
    return [
        rules.finding(
            "residual_fragment",
            f"{text[s.start : s.end]!r} is a distinctive fragment of ORPHA:{s.code}",
            rule=s.rule_id,
            field=field,
            span=(s.start, s.end),
        )
        for s in masker.find(text, scope, fragments=True)
        if s.kind == FRAGMENT
    ]


def _near_misses(
    field: str, text: str, masker: Masker, scope: Scope, rules: AuditRules
) -> list[Finding]:
    """Near-misses of the longer aliases, searched in the text with its exact aliases masked
    (so an exact alias never hides a typo'd one elsewhere), a few per alias."""
    from rapidfuzz import fuzz

    ontology = masker.ontology
    if ontology is None or not text:
        return []
    threshold = float(rules.setting("residual_near_miss", "threshold", 90))
    min_length = int(rules.setting("residual_near_miss", "min_length", 8))
    masked = masker.mask(text, scope, abbreviations=False)
    norm = normalize(masked.text)
    hay = list(norm.text)
    keys = {
        alias_key(a.form): a
        for code in scope.codes
        for a in ontology.aliases.for_code(code)
        if not a.case_sensitive and len(a.form) >= min_length
    }
    out = []
    for key, alias in keys.items():
        for _ in range(3):
            found = fuzz.partial_ratio_alignment(key, "".join(hay), score_cutoff=threshold)
            if found is None or found.dest_end <= found.dest_start:
                break
            hay[found.dest_start : found.dest_end] = "\0" * (found.dest_end - found.dest_start)
            lo, hi = _whole_words(norm.text, found.dest_start, found.dest_end)
            score = fuzz.ratio(key, norm.text[lo:hi])
            if score < threshold:
                continue  # "ac amyloidosis" inside "cardiac amyloidosis" is no near-miss
            start, end = (_to_source(masked.edits, p) for p in norm.source_span(lo, hi))
            out.append(
                rules.finding(
                    "residual_near_miss",
                    f"{text[start:end]!r} is a near-miss of {alias.form!r} "
                    f"(ORPHA:{alias.code}, score {score:.0f})",
                    rule=alias.rule_id,
                    field=field,
                    span=(start, end),
                )
            )
    return out


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` to whole words (letters, digits, marks)."""
    while start > 0 and is_word_char(text[start - 1]) and is_word_char(text[start]):
        start -= 1
    while end < len(text) and is_word_char(text[end - 1]) and is_word_char(text[end]):
        end += 1
    return start, end


def _to_source(edits: Sequence[Edit], position: int) -> int:
    """An offset in the masked text -> the offset in the text before masking."""
    shift = 0
    for edit in edits:
        if edit.out_end <= position:
            shift += (edit.end - edit.start) - (edit.out_end - edit.out_start)
        elif edit.out_start < position:
            return edit.start
    return position + shift


def _coarser_names(
    field: str, text: str, masker: Masker, scope: Scope, rules: AuditRules
) -> list[Finding]:
    """Coarser names of the diagnosis (a name minus qualifiers, a head, a part, a nearest
    group): each with its rule and how many disorders of the release share it; not those
    inside a name the alias check already reports."""
    names = [(m.start, m.end) for m in masker.find(text, scope)]
    return [
        rules.finding(
            "residual_coarser",
            f"{text[m.start : m.end]!r} is a coarser name of ORPHA:{m.code} ({m.rule_id}); "
            f"{m.shared} disorder(s) of the release share it"
            + ("; it names a finding" if m.finding else ""),
            rule=m.rule_id,
            field=field,
            span=(m.start, m.end),
        )
        for m in masker.coarser_left(text, scope)
        if not any(lo <= m.start and m.end <= hi for lo, hi in names)
    ]


def _initialisms(
    field: str, text: str, masker: Masker, scope: Scope, rules: AuditRules
) -> list[Finding]:
    """Initialisms of the scope's names and coarser names ("PCD"), derived by the alias
    rules and matched case-sensitively, that the alias table does not list: a use is a
    warning, a reject where the text defines it (``initialism_defined``)."""
    from mmrare_core.text.abbreviations import find_abbreviations, short_forms_uses

    letters = _scope_initialisms(masker, scope) if text else ()
    if not letters:
        return []
    defined = {a.short for a in find_abbreviations(text)}
    uses = short_forms_uses(text, letters)  # one scan for them all
    return [
        rules.finding(
            "residual_initialism",
            f"{short!r} is an initialism of a name of the diagnosis"
            + (", defined in this text" if short in defined else ", not defined in this text"),
            rule="initialism_defined" if short in defined else "initialism_undefined",
            field=field,
            span=span,
        )
        for short in letters
        for span in uses[short]
    ]


@lru_cache(maxsize=64)
def _scope_initialisms(masker: Masker, scope: Scope) -> tuple[str, ...]:
    """The initialisms of a scope's names and coarser names that its aliases do not list,
    derived once per scope (an item's fields share it)."""
    ontology = masker.ontology
    if ontology is None:
        return ()
    names = [n for code in scope.codes for n in ontology.get(code).names]
    names += [c.form for code in scope.codes for c in masker.coarser.get(code, ())]
    listed = {a.form for code in scope.codes for a in ontology.aliases.for_code(code)}
    return tuple(sorted({i for name in names for i in ontology.rules.initialisms(name)} - listed))


def _codes_in_text(
    field: str, text: str, masker: Masker, scope: Scope, rules: AuditRules
) -> list[Finding]:
    codes = "|".join(str(c) for c in scope.codes)
    pattern = re.compile(rf"(?i)\b(?:orpha(?:net)?|ordo)\s*[:_ #-]?\s*(?:{codes})\b")
    return [
        rules.finding("residual_code", f"the ORPHA code {m.group(0)!r}", field=field, span=m.span())
        for m in pattern.finditer(text)
    ]


def _genes_and_omim(
    field: str, text: str, masker: Masker, scope: Scope, rules: AuditRules
) -> list[Finding]:
    ontology = masker.ontology
    if ontology is None:
        return []
    out = []
    for code in scope.targets:
        disorder = ontology.get(code)
        for token, what in [
            *((g, "gene") for g in disorder.genes),
            *((o, "OMIM number") for o in disorder.omim),
        ]:
            for m in re.finditer(rf"(?<![\w-]){re.escape(token)}(?![\w-])", text):
                out.append(
                    rules.finding(
                        "gene_or_omim",
                        f"{m.group(0)!r} is a {what} of ORPHA:{code}",
                        field=field,
                        span=m.span(),
                    )
                )
    return out


# ----------------------------------------------------------------- captions, answer, tests


def caption_findings(field: str, text: str, rules: AuditRules | None = None) -> list[Finding]:
    """Caption lines ("Figure 2. CT of the chest ...") left in a text."""
    from mmrare_core.views.l3_captions import mask_block

    rules = rules or default_rules()
    return [
        rules.finding(
            "caption_text",
            f"caption text {e.original.strip()[:60]!r} after {e.label or 'a label'}",
            rule=e.rule,
            field=field,
            span=(e.start, e.end),
        )
        for e in mask_block(Block(field, PARAGRAPH, text))
    ]


_WORDS = re.compile(r"[^\W_]+")


def _tokens(text: str) -> list[str]:
    return _WORDS.findall(normalize(text).text)


def _ngrams(tokens: Sequence[str], n: int) -> set[tuple[str, ...]]:
    if len(tokens) < n:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def answer_overlap(reference: str, inputs: Sequence[str], n: int = 5) -> tuple[float, int, int]:
    """HELM-style overlap: (fraction of the reference's n-grams found in the input, the
    number of the input's n-grams that come from the reference, the input's n-gram count).

    A reference shorter than ``n`` tokens counts as one n-gram: it is found only whole.

    >>> answer_overlap("Kawasaki disease", ["fever; kawasaki disease was likely"])
    (1.0, 1, 4)
    """
    ref = _ngrams(_tokens(reference), n)
    if not ref:
        return 0.0, 0, 0
    size = max(len(g) for g in ref)
    found: set[tuple[str, ...]] = set()
    total = 0
    for text in inputs:
        grams = _ngrams(_tokens(text), size) if size < n else _ngrams(_tokens(text), n)
        total += len(grams)
        found |= grams & ref
    return len(found) / len(ref), len(found), total


def overlap_findings(
    item: Mapping[str, Any], track: str, rules: AuditRules | None = None
) -> list[Finding]:
    """The reference answer found in the question and context above the track's threshold."""
    rules = rules or default_rules()
    answer = item.get("answer")
    if (
        not rules.runs("answer_in_context", track)
        or not isinstance(answer, str)
        or not answer.strip()
    ):
        return []
    n = int(rules.setting("answer_in_context", "ngram", 5))
    threshold = float(rules.setting("answer_in_context", "thresholds", {}).get(track, 1.0))
    inputs = [str(item.get(f) or "") for f in ("question", "context")]
    fraction, found, total = answer_overlap(answer, inputs, n)
    if fraction < threshold or not found:
        return []
    return [
        rules.finding(
            "answer_in_context",
            f"answer in the input: reference side {fraction:.0%} of the answer's n-grams "
            f"(n={n}) found; input side {found} of {total} input n-grams come from the answer",
            field="context",
        )
    ]


def withheld_test_findings(
    item: Mapping[str, Any], track: str, rules: AuditRules | None = None
) -> list[Finding]:
    """T4: a withheld test (``key_test_names``, ``withheld_tests``) named in the context."""
    from mmrare_core.views.t4_truncation import find_test_mentions

    rules = rules or default_rules()
    context = item.get("context")
    if not rules.runs("withheld_test_in_context", track) or not isinstance(context, str):
        return []
    tests = [*_as_list(item.get("key_test_names")), *_as_list(item.get("withheld_tests"))]
    if not tests or not context.strip():
        return []
    doc = Document((Block("context", PARAGRAPH, context),))
    return [
        rules.finding(
            "withheld_test_in_context",
            f"withheld test {test!r} is mentioned ({how})",
            field="context",
            span=span,
        )
        for _, test, span, how in find_test_mentions(doc, [str(t) for t in tests])
    ]


def narrative_findings(
    item: Mapping[str, Any], track: str, rules: AuditRules | None = None
) -> list[Finding]:
    """T4: too little narrative left before the cut (from the item's ``leakage_audit`` or
    the length of its context)."""
    rules = rules or default_rules()
    if not rules.runs("too_little_narrative", track):
        return []
    audit = item.get("leakage_audit")
    cut = audit.get("truncation") if isinstance(audit, Mapping) else None
    context = item.get("context")
    minimum = int(rules.setting("too_little_narrative", "min_chars", 300))
    short = isinstance(context, str) and len(context.strip()) < minimum
    if (isinstance(cut, Mapping) and cut.get("too_little_left")) or short:
        return [
            rules.finding(
                "too_little_narrative",
                f"too little narrative before the cut (fewer than {minimum} characters, or "
                "flagged by the truncation)",
                field="context",
            )
        ]
    return []
