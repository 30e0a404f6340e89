"""Rule files: locate, read and validate the data in ``rules/``.

Rules ship inside the package (``mmrare_core/data/rules``) and are read with
:mod:`importlib.resources`, so they load from a wheel, an editable install or a checkout.
A caller may point at a folder of their own (``rules_dir``) with files of the same names.

Every file is JSON ``{"schema_version": 1, "rules": [{"id": ..., "kind": ...}, ...]}``;
unknown keys are errors that name the key, the rule and the file.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from mmrare_core.errors import RuleFileError
from mmrare_core.rules.schema import SCHEMAS, Spec

__all__ = [
    "CACHED_RULE_FILES",
    "RULE_FILES",
    "RuleSet",
    "read_rule_file",
    "rule_pattern",
    "rules_digest",
    "rules_path",
]

#: The rule files the library reads, by file name.
RULE_FILES = tuple(SCHEMAS)
#: The rule files that cached objects (the alias table, the masker) depend on: the cache key.
CACHED_RULE_FILES = (
    "alias_rules.json",
    "specificity.json",
    "fragments.json",
    "tokens.json",
    "coarser.json",
)

_SCHEMA_VERSION = 1
_COMMON_KEYS = frozenset({"id", "kind", "description"})


def rules_path(name: str, rules_dir: str | Path | None = None) -> Path:
    """Path of rule file ``name``: in ``rules_dir`` when given, else the packaged copy."""
    if rules_dir is not None:
        return Path(rules_dir) / name
    return Path(str(resources.files("mmrare_core") / "data" / "rules" / name))


def read_rule_file(name: str, rules_dir: str | Path | None = None) -> dict[str, Any]:
    """Read rule file ``name`` and check it against its schema (:mod:`.schema`), at every
    depth: an unknown key, kind or duplicate id is a :class:`RuleFileError` naming it."""
    path = rules_path(name, rules_dir)
    stat = path.stat() if path.exists() else None
    key = (str(path), stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)
    return copy.deepcopy(_read_checked(name, *key))


@lru_cache(maxsize=64)
def _read_checked(name: str, path_str: str, mtime: int, size: int) -> dict[str, Any]:
    """One read and check per file version (path, mtime, size): every reader shares it."""
    path = Path(path_str)
    schema = SCHEMAS[name]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RuleFileError(f"{path}: rule file not found") from exc
    except json.JSONDecodeError as exc:
        raise RuleFileError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise RuleFileError(f"{path}: expected a JSON object with 'schema_version' and 'rules'")
    top = {"schema_version": None, "description": None, "rules": None, **schema.top_level}
    _check(data, top, f"{path}")
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
        _check_rule(rule, index, schema.kinds, path, seen)
    return data


def _check_rule(
    rule: Any, index: int, kinds: Mapping[str, Spec], path: Path, seen: set[str]
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
    spec = kinds[str(kind)]
    allowed = dict.fromkeys(spec) if isinstance(spec, tuple) else dict(spec or {})
    _check(rule, {**dict.fromkeys(_COMMON_KEYS), **allowed}, f"{path}: rule {rule_id!r}")


def _check(obj: Any, spec: Spec, where: str) -> None:
    """``obj`` against ``spec`` (see :mod:`.schema`), naming the path of a bad key."""
    if spec is None:
        return
    if not isinstance(obj, Mapping):
        raise RuleFileError(f"{where}: expected an object, not {type(obj).__name__}")
    allowed = dict.fromkeys(spec) if isinstance(spec, tuple) else spec
    unknown = sorted(k for k in obj if k not in allowed and "*" not in allowed)
    if unknown:
        raise RuleFileError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}")
    for key, value in obj.items():
        _check(value, allowed.get(key, allowed.get("*")), f"{where}: {key}")


def rule_pattern(
    name: str, rule_id: str, key: str, pattern: Any, flags: int = 0, rules_dir: Any = None
) -> re.Pattern[str]:
    """``pattern`` compiled, or a :class:`RuleFileError` naming the file, the rule and the key."""
    try:
        return re.compile(str(pattern), flags)
    except re.error as exc:
        where = rules_path(name, rules_dir)
        raise RuleFileError(f"{where}: rule {rule_id!r}: bad {key}: {exc}") from exc


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


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A folder of rule files: the packaged one (``rules_dir=None``) or one of your own.

    Every reader takes its ``rules_dir``; :meth:`check` reads and checks every file at once,
    so that a folder of your own fails early, naming the file, the rule and the key.
    """

    rules_dir: str | Path | None = None

    def path(self, name: str) -> Path:
        """Where rule file ``name`` of this set lies."""
        return rules_path(name, self.rules_dir)

    def read(self, name: str) -> dict[str, Any]:
        """Rule file ``name``, checked against its schema (a copy: edit it freely)."""
        return read_rule_file(name, self.rules_dir)

    def check(self) -> RuleSet:
        """Read and check every rule file; returns the set itself."""
        for name in RULE_FILES:
            self.read(name)
        return self

    def digest(self, names: Iterable[str] = CACHED_RULE_FILES) -> str:
        """SHA-256 over the bytes of the rule files ``names``: part of every cache key."""
        return rules_digest(self.rules_dir, names)
