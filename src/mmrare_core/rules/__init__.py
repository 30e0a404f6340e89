"""The rules as data: locating, reading and validating the files of ``rules/``."""

from mmrare_core.rules.files import (
    CACHED_RULE_FILES,
    RULE_FILES,
    read_rule_file,
    rules_digest,
    rules_path,
)

__all__ = ["CACHED_RULE_FILES", "RULE_FILES", "read_rule_file", "rules_digest", "rules_path"]
