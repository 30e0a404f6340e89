"""What an audit says about an item: findings, and the report that gathers them.

One frozen :class:`Finding` per problem (check id, severity, message, the rule behind it, the
item field, the span in source offsets of that field); one :class:`AuditReport` per input
item, whose :meth:`~AuditReport.to_dict` is the JSONL line of ``python -m mmrare_core.audit``.
Verdict: ``reject`` if any finding rejects, else ``warn`` if any warns, else ``pass``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["INFO", "REJECT", "WARN", "AuditReport", "Finding", "Severity", "verdict_of"]

Severity = Literal["reject", "warn", "info"]
REJECT: Severity = "reject"
WARN: Severity = "warn"
INFO: Severity = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in an item.

    ``span`` is ``(start, end)`` in the source offsets of ``field`` (e.g. the context), or
    None when the finding is about the item as a whole.
    """

    check: str
    severity: Severity
    message: str
    rule: str = ""
    field: str = ""
    span: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "severity": self.severity,
            "message": self.message,
            "rule": self.rule,
            "field": self.field,
            "span": list(self.span) if self.span else None,
        }


def verdict_of(findings: Iterable[Finding], strict: bool = False) -> str:
    """``reject`` if a finding rejects (with ``strict``: or warns), else ``warn``, else ``pass``."""
    severities = {f.severity for f in findings}
    if REJECT in severities or (strict and WARN in severities):
        return "reject"
    return "warn" if WARN in severities else "pass"


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The audit of one input item (or of one unreadable line)."""

    item: Any
    line: int
    verdict: str
    findings: tuple[Finding, ...] = ()
    track: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSONL line: item, line, verdict, findings."""
        return {
            "item": self.item,
            "line": self.line,
            "verdict": self.verdict,
            "findings": [f.to_dict() for f in self.findings],
        }
