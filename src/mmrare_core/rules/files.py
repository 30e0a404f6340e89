"""Rule files: locate, read and validate the data in ``rules/``.

Rules ship inside the package (``mmrare_core/data/rules``) and are read with
:mod:`importlib.resources`, so they load from a wheel, an editable install or a checkout.
A caller may point at a folder of their own (``rules_dir``) with files of the same names.

Every file is JSON ``{"schema_version": 1, "rules": [{"id": ..., "kind": ...}, ...]}``;
unknown keys are errors that name the key, the rule and the file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from mmrare_core.errors import RuleFileError

__all__ = ["CACHED_RULE_FILES", "RULE_FILES", "read_rule_file", "rules_digest", "rules_path"]

#: The rule files the library reads, by file name.
RULE_FILES = (
    "alias_rules.json",
    "specificity.json",
    "fragments.json",
    "short_forms.json",
    "temporal.json",
    "sections.json",
    "captions.json",
    "tracks.json",
    "audit.json",
    "rubric.json",
)
#: The rule files that cached objects (the alias table, the masker) depend on: the cache key.
CACHED_RULE_FILES = ("alias_rules.json", "specificity.json", "fragments.json")

_SCHEMA_VERSION = 1
_COMMON_KEYS = frozenset({"id", "kind", "description"})


def rules_path(name: str, rules_dir: str | Path | None = None) -> Path:
    """Path of rule file ``name``: in ``rules_dir`` when given, else the packaged copy."""
    if rules_dir is not None:
        return Path(rules_dir) / name
    return Path(str(resources.files("mmrare_core") / "data" / "rules" / name))


def read_rule_file(
    name: str,
    kinds: Mapping[str, Iterable[str]],
    top_level: Iterable[str] = (),
    rules_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Read and validate one rule file.

    ``kinds`` maps each accepted rule kind to the keys it may carry beyond
    ``id``, ``kind`` and ``description``; ``top_level`` lists the file's own extra keys.
    """
    path = rules_path(name, rules_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RuleFileError(f"{path}: rule file not found") from exc
    except json.JSONDecodeError as exc:
        raise RuleFileError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise RuleFileError(f"{path}: expected a JSON object with 'schema_version' and 'rules'")
    _check_keys(data, {"schema_version", "description", "rules", *top_level}, f"{path}")
    if data.get("schema_version") != _SCHEMA_VERSION:
        raise RuleFileError(
            f"{path}: schema_version {data.get('schema_version')!r} is not supported "
            f"(expected {_SCHEMA_VERSION})"
        )
    rules = data.get("rules")
    if not isinstance(rules, list):
        raise RuleFileError(f"{path}: 'rules' must be a list")
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        _check_rule(rule, index, kinds, path, seen)
    return data


def _check_rule(
    rule: Any, index: int, kinds: Mapping[str, Iterable[str]], path: Path, seen: set[str]
) -> None:
    where = f"{path}: rule #{index}"
    if not isinstance(rule, dict):
        raise RuleFileError(f"{where}: expected an object")
    rule_id = rule.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise RuleFileError(f"{where}: missing 'id'")
    if rule_id in seen:
        raise RuleFileError(f"{where}: duplicate id {rule_id!r}")
    seen.add(rule_id)
    kind = rule.get("kind")
    if kind not in kinds:
        raise RuleFileError(
            f"{path}: rule {rule_id!r}: unknown kind {kind!r} (expected one of {sorted(kinds)})"
        )
    _check_keys(rule, _COMMON_KEYS | set(kinds[str(kind)]), f"{path}: rule {rule_id!r}")


def _check_keys(obj: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    unknown = sorted(set(obj) - set(allowed))
    if unknown:
        raise RuleFileError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}")


def rules_digest(
    rules_dir: str | Path | None = None, names: Iterable[str] = CACHED_RULE_FILES
) -> str:
    """SHA-256 over the bytes of the rule files: part of every cache key."""
    digest = hashlib.sha256()
    for name in names:
        path = rules_path(name, rules_dir)
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    return digest.hexdigest()
