"""Pre-checks and the audit: findings, residual diagnosis, overlap, items, evidence, images.

``python -m mmrare_core.audit ITEMS`` runs the command (:mod:`mmrare_core.cli.audit`).
"""

from mmrare_core.audit.findings import AuditReport, Finding
from mmrare_core.audit.run import AuditContext, audit_item, audit_records, infer_track

__all__ = ["AuditContext", "AuditReport", "Finding", "audit_item", "audit_records", "infer_track"]
