"""The check registry and the compiled ``rules/audit.json``.

:data:`CHECKS` names every check the audit can emit; ``rules/audit.json`` has one row per
check, no more, no less (a missing or extra row is a :class:`RuleFileError`). A row gives the
tracks the check runs on, its severity, optional per-rule severities (``rules``: the evidence,
image and schema checks emit findings of several rules) and its settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from mmrare_core.audit.findings import INFO, REJECT, WARN, Finding, Severity
from mmrare_core.errors import RuleFileError
from mmrare_core.rules.files import read_rule_file, rules_path

__all__ = ["CHECKS", "TRACKS", "AuditRules", "default_rules"]

TRACKS = ("T1", "T2", "T3", "T4")
#: Every check the audit emits, with what it finds.
CHECKS: dict[str, str] = {
    "unreadable": "a line that is not a JSON object",
    "schema": "an item that breaks the item schema (item.schema.json)",
    "unresolved_diagnosis": "an answer that resolves to no disorder of the release",
    "diagnosis_resolved": "a note: the answer was resolved by fuzzy search",
    "residual_alias": "an alias of the diagnosis left in a visible field",
    "residual_abbreviation": "a short form the text ties to the diagnosis",
    "residual_fragment": "a distinctive fragment of a name of the diagnosis",
    "residual_near_miss": "a misspelt alias of the diagnosis",
    "residual_code": "the ORPHA code written out",
    "residual_coarser": "a coarser name of the diagnosis, with how many disorders share it",
    "residual_initialism": "an initialism of a name of the diagnosis that no rule lists",
    "gene_or_omim": "a gene symbol or OMIM number of the diagnosis",
    "caption_text": "a caption left in the context",
    "answer_in_context": "the answer's words in the context",
    "withheld_test_in_context": "a withheld test named in a T4 context",
    "too_little_narrative": "a T4 context too short to reason on",
    "evidence": "an evidence chain that cites blocks or quotes that do not exist",
    "images": "an image that is missing, unsafe, undecodable or duplicated",
}
_SEVERITIES = (REJECT, WARN, INFO)


class AuditRules:
    """The compiled ``rules/audit.json``: which check runs for which track, and how."""

    def __init__(self, rules_dir: str | Path | None = None) -> None:
        data = read_rule_file("audit.json", rules_dir)
        self._where = str(rules_path("audit.json", rules_dir))
        self.fields: tuple[str, ...] = tuple(data.get("fields", ("question", "context")))
        self.checks: dict[str, dict[str, Any]] = {r["id"]: r for r in data["rules"]}
        missing = sorted(set(CHECKS) - set(self.checks))
        unknown = sorted(set(self.checks) - set(CHECKS))
        if missing or unknown:
            raise RuleFileError(
                f"{self._where}: rows must name the audit's checks: missing {missing}, "
                f"unknown {unknown}"
            )
        for check, row in self.checks.items():
            self._validate(check, row)

    def _validate(self, check: str, row: dict[str, Any]) -> None:
        bad_tracks = sorted(set(row.get("tracks", ())) - set(TRACKS))
        severities = [row.get("severity"), *row.get("rules", {}).values()]
        if bad_tracks or any(s not in _SEVERITIES for s in severities):
            raise RuleFileError(
                f"{self._where}: rule {check!r}: tracks must be among {list(TRACKS)} and "
                f"severities among {list(_SEVERITIES)}"
            )

    def runs(self, check: str, track: str) -> bool:
        """Whether ``check`` runs on items of ``track``."""
        return track in self.checks[check]["tracks"]

    def severity(self, check: str, rule: str = "") -> Severity:
        """The severity of a finding of ``check`` made by ``rule`` (the row's own by default)."""
        row = self.checks[check]
        severity = row.get("rules", {}).get(rule, row["severity"])
        return cast(Severity, severity)  # checked on load

    def setting(self, check: str, key: str, default: Any = None) -> Any:
        return self.checks[check].get(key, default)

    def finding(self, check: str, message: str, **kw: Any) -> Finding:
        """A finding of ``check`` with the severity the rules give it."""
        return Finding(check, self.severity(check, kw.get("rule", "")), message, **kw)

    def stamp(self, findings: Iterable[Finding]) -> list[Finding]:
        """``findings`` with the severities the rules give their check and rule."""
        return [replace(f, severity=self.severity(f.check, f.rule)) for f in findings]


@lru_cache(maxsize=8)
def default_rules(rules_dir: str | None = None) -> AuditRules:
    """The packaged audit rules (or those in ``rules_dir``), compiled once."""
    return AuditRules(rules_dir)
