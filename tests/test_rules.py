"""Rules are data: every file checked against its schema at every depth, bad patterns named,
one read per file version, and the audit's check registry matching ``rules/audit.json``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from mmrare_core.audit.checks import CHECKS, AuditRules
from mmrare_core.errors import RuleFileError
from mmrare_core.rules.files import RULE_FILES, read_rule_file, rules_path
from mmrare_core.rules.schema import SCHEMAS


def _folder(tmp_path: Path) -> Path:
    for name in RULE_FILES:
        shutil.copy(rules_path(name), tmp_path / name)
    return tmp_path


def _edit(folder: Path, name: str, change: Any) -> None:
    path = folder / name
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_every_packaged_file_has_a_schema_and_passes_it() -> None:
    assert set(RULE_FILES) == set(SCHEMAS)
    assert set(RULE_FILES) == {p.name for p in rules_path("x").parent.glob("*.json")}
    for name in RULE_FILES:
        assert read_rule_file(name)["rules"]


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("alias_rules.json", lambda d: d["numerals"].update(contxts=["type"]), "numerals: unknown key"),
        ("alias_rules.json", lambda d: d["initialism"].update(skip=[]), "initialism: unknown key"),
        ("rubric.json", lambda d: d["tracks"]["T1"].update(gates="x"), "tracks: T1: unknown key"),
        ("temporal.json", lambda d: d["settings"].update(fuzzy=1), "settings: unknown key"),
        ("audit.json", lambda d: d["rules"][0].update(severty="warn"), "unknown key"),
        ("sections.json", lambda d: d.update(extra=1), "unknown key"),
    ],
)  # fmt: skip
def test_a_misspelt_key_at_any_depth_is_named(
    tmp_path: Path, name: str, change: Any, message: str
) -> None:
    folder = _folder(tmp_path)
    _edit(folder, name, change)
    with pytest.raises(RuleFileError, match=message) as info:
        read_rule_file(name, folder)
    assert name in str(info.value)


def _first(kind: str, key: str, value: str) -> Any:
    def change(data: dict[str, Any]) -> None:
        next(r for r in data["rules"] if r["kind"] == kind)[key] = value

    return change


@pytest.mark.parametrize(
    ("name", "change", "build"),
    [
        ("alias_rules.json", _first("regex", "pattern", "(unclosed"), "aliases"),
        ("fragments.json", _first("fragment", "gene_pattern", "[A-Z"), "fragments"),
        ("temporal.json", _first("cue", "pattern", "*bad"), "temporal"),
    ],
)
def test_a_bad_pattern_names_file_rule_and_key(
    tmp_path: Path, name: str, change: Any, build: str
) -> None:
    folder = _folder(tmp_path)
    _edit(folder, name, change)
    with pytest.raises(RuleFileError, match=rf"{name}: rule '[^']+': bad \w*pattern"):
        if build == "aliases":
            from mmrare_core.ontology.aliases import AliasRules

            AliasRules(folder)
        elif build == "fragments":
            from mmrare_core.ontology.fragments import distinctive_fragments
            from mmrare_core.ontology.ontology import load

            distinctive_fragments(load(), folder)
        else:
            from mmrare_core.views.t4_truncation import TemporalRules

            TemporalRules(folder)


def test_a_file_is_read_once_per_version_and_callers_cannot_change_it(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    first = read_rule_file("tracks.json", folder)
    first["rules"].clear()
    assert read_rule_file("tracks.json", folder)["rules"]  # a copy each time
    _edit(folder, "tracks.json", lambda d: d["rules"].pop())
    assert len(read_rule_file("tracks.json", folder)["rules"]) == 3  # an edit is seen


def test_the_check_registry_is_the_audit_file() -> None:
    rules = AuditRules()
    assert set(rules.checks) == set(CHECKS)
    assert rules.severity("evidence", "evidence_quote_fuzzy") == "warn"
    assert rules.severity("evidence", "evidence_block_missing") == "reject"
    assert rules.severity("images", "image_duplicate") == "warn"


def test_an_audit_file_without_a_check_row_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    _edit(folder, "audit.json", lambda d: d["rules"].pop())
    with pytest.raises(RuleFileError, match=r"missing \['images'\]"):
        AuditRules(folder)


def test_severities_come_from_the_file(tmp_path: Path) -> None:
    from mmrare_core.audit.run import AuditContext, audit_item
    from mmrare_core.masking import Masker
    from mmrare_core.ontology import load

    folder = _folder(tmp_path)

    def soften(data: dict[str, Any]) -> None:
        row = next(r for r in data["rules"] if r["id"] == "evidence")
        row["rules"]["evidence_chain_length"] = "warn"

    _edit(folder, "audit.json", soften)
    item = {"question": "Q?", "answer": "Kawasaki disease", "track": "T2", "evidence_chain": []}
    masker = Masker.from_ontology(load())
    for rules, severity in ((AuditRules(), "reject"), (AuditRules(folder), "warn")):
        report = audit_item(item, AuditContext(masker, rules=rules))
        found = [f for f in report.findings if f.rule == "evidence_chain_length"]
        assert [f.severity for f in found] == [severity]


def test_a_view_takes_a_rules_folder_of_its_own(tmp_path: Path) -> None:
    from mmrare_core.documents.document import Block, Document
    from mmrare_core.rules.files import RuleSet
    from mmrare_core.views.build import build_view

    doc = Document(
        (
            Block("p1", "paragraph", "A boy of 4 had fever.", ("Case presentation",)),
            Block("p2", "paragraph", "Figure 1. A rash.", ("Case presentation",)),
            Block("p3", "paragraph", "We thank the family.", ("Editorial remarks",)),
        )
    )
    folder = _folder(tmp_path)

    def drop_lessons(data: dict[str, Any]) -> None:
        rule = next(r for r in data["rules"] if r["kind"] == "drop_section")
        rule["titles"] = [*rule.get("titles", []), "Editorial remarks"]

    _edit(folder, "sections.json", drop_lessons)
    packaged = build_view(doc, "T3")
    own = build_view(doc, "T3", rules=RuleSet(folder).check())
    assert [b.id for b in packaged.blocks] == ["p1", "p2", "p3"]
    assert [b.id for b in own.blocks] == ["p1", "p2"]
    assert own.blocks[1].text == "Figure 1. [CAPTION_MASKED]"
    assert own.leakage_audit.layer1["dropped"][0]["block"] == "p3"
