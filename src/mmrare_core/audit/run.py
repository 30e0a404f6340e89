"""The item audit: every way a diagnosis or an answer leaks, for items of every track.

``audit_item(item, context=AuditContext(...))`` returns the item's :class:`AuditReport`;
``audit_records`` runs it over a file's records in input order (over worker processes when
asked), turning an unreadable line into a report of its own: no item is ever dropped.
``python -m mmrare_core.audit ITEMS`` is the command line (see ``__main__``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmrare_core.audit.checks import AuditRules, default_rules
from mmrare_core.audit.findings import AuditReport, Finding, verdict_of
from mmrare_core.audit.leakage import (
    caption_findings,
    narrative_findings,
    overlap_findings,
    residual_findings,
    resolve_diagnosis,
    visible_fields,
    withheld_test_findings,
)
from mmrare_core.errors import MMRareError, UnknownCodeError

if TYPE_CHECKING:  # pragma: no cover
    from mmrare_core.audit.items import ItemRecord
    from mmrare_core.masking.masker import Masker

__all__ = ["AuditContext", "audit_item", "audit_records", "infer_track"]

_TRACK_COLUMNS = (
    ("T2", "rubric_must_include"),
    ("T3", "golden_mainline"),
    ("T4", "key_test_names"),
)


@dataclass(frozen=True, slots=True)
class AuditContext:
    """What the checks need besides the item: the compiled masker (with its ontology),
    folders of source documents and images, strictness, and the audit rules."""

    masker: Masker
    documents: Path | None = None
    images_root: Path | None = None
    strict: bool = False
    rules: AuditRules | None = None


def infer_track(item: Mapping[str, Any]) -> str:
    """The item's ``track``, else the track its columns imply (T1 when none does)."""
    track = item.get("track")
    if isinstance(track, str) and track:
        return track.upper()
    for name, column in _TRACK_COLUMNS:
        if item.get(column):
            return name
    return "T1"


def audit_item(
    item: Mapping[str, Any], context: AuditContext, line: int = 0, record: int = 0
) -> AuditReport:
    """Run every check of the item's track; the verdict follows from the findings."""
    from mmrare_core.audit.items import item_key, schema_findings

    rules = context.rules or default_rules()
    track = infer_track(item)
    findings = rules.stamp(schema_findings(item)) if rules.runs("schema", track) else []
    findings += _diagnosis_findings(item, track, context, rules)
    if rules.runs("caption_text", track) and isinstance(item.get("context"), str):
        findings += caption_findings("context", item["context"], rules)
    findings += overlap_findings(item, track, rules)
    findings += withheld_test_findings(item, track, rules)
    findings += narrative_findings(item, track, rules)
    if rules.runs("evidence", track):
        findings += rules.stamp(_evidence(item, context))
    if rules.runs("images", track):
        findings += rules.stamp(_images(item, context))
    verdict = verdict_of(findings, context.strict)
    return AuditReport(item_key(item, record), line, verdict, tuple(findings), track)


def _diagnosis_findings(
    item: Mapping[str, Any], track: str, context: AuditContext, rules: AuditRules
) -> list[Finding]:
    residual = ("residual_alias", "residual_abbreviation", "residual_fragment",
                "residual_near_miss", "residual_code", "gene_or_omim")  # fmt: skip
    resolves = rules.runs("unresolved_diagnosis", track)
    if not resolves and not any(rules.runs(check, track) for check in residual):
        return []
    masker = context.masker
    if masker.ontology is None:
        raise MMRareError("the audit needs a masker built from an ontology (Masker.from_ontology)")
    threshold = float(rules.setting("unresolved_diagnosis", "threshold", 90))
    try:
        resolution = resolve_diagnosis(item, masker.ontology, threshold)
    except UnknownCodeError as exc:
        return [rules.finding("unresolved_diagnosis", str(exc), field="orpha_code")][:resolves]
    if resolution is None:
        return [
            rules.finding(
                "unresolved_diagnosis",
                f"{item.get('answer')!r} and its aliases resolve to no disorder of the "
                f"release (exact alias match, else search score >= {threshold:.0f})",
                field="answer",
            )
        ][:resolves]
    found = [_resolution_note(resolution, rules)] if resolution.how == "search" else []
    scope = masker.scope(resolution.codes)
    reported = _reported_abbreviations(item)
    for field, text in visible_fields(item, rules.fields):
        found += residual_findings(field, text, masker, scope, track, rules, reported)
    return found


def _reported_abbreviations(item: Mapping[str, Any]) -> tuple[str, ...]:
    """The short forms the item's view record says its report defines for the diagnosis."""
    record = item.get("leakage_audit")
    layer2 = record.get("layer2") if isinstance(record, Mapping) else None
    shorts = layer2.get("abbreviations") if isinstance(layer2, Mapping) else None
    return tuple(s for s in shorts if isinstance(s, str)) if isinstance(shorts, list) else ()


def _resolution_note(resolution: Any, rules: AuditRules) -> Finding:
    return rules.finding(
        "diagnosis_resolved",
        f"answer resolved by search to ORPHA:{resolution.codes[0]} "
        f"({resolution.matched!r}, score {resolution.score:.0f})",
        field="answer",
    )


def _evidence(item: Mapping[str, Any], context: AuditContext) -> list[Finding]:
    if "evidence_chain" not in item:
        return []  # public-release items carry no chain
    from mmrare_core.audit.evidence import check_evidence

    return list(check_evidence(item, context.documents))


def _images(item: Mapping[str, Any], context: AuditContext) -> list[Finding]:
    if not any(item.get(k) for k in ("image", "image_path", "figure_mapping")):
        return []
    from mmrare_core.audit.images import image_findings

    return list(image_findings(item, context.images_root))


def _audit_one(record: ItemRecord) -> AuditReport:
    from mmrare_core.base.batch import shared

    context: AuditContext = shared("context")
    if record.item is None:
        rules = context.rules or default_rules()
        finding = rules.finding("unreadable", record.error or "unreadable record", field="")
        return AuditReport(record.record, record.line, verdict_of([finding]), (finding,))
    return audit_item(record.item, context, record.line, record.record)


def audit_records(
    records: Iterable[ItemRecord],
    context: AuditContext,
    *,
    workers: int = 1,
    progress: bool = False,
) -> Iterator[AuditReport]:
    """Audit records in input order; an unreadable record becomes a rejecting report."""
    from mmrare_core.base.batch import ordered_map

    yield from ordered_map(
        _audit_one,
        records,
        share={"context": context},
        workers=workers,
        progress=progress,
        desc="audit",
    )
