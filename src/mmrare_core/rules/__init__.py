"""The rules as data: the shape of every file (``schema``), reading and checking them
(``files``), and :class:`RuleSet`, a folder of them."""

from mmrare_core.rules.files import (
    CACHED_RULE_FILES,
    RULE_FILES,
    RuleSet,
    read_rule_file,
    rule_pattern,
    rules_digest,
    rules_path,
)

__all__ = [
    "CACHED_RULE_FILES",
    "RULE_FILES",
    "RuleSet",
    "read_rule_file",
    "rule_pattern",
    "rules_digest",
    "rules_path",
]
