"""Rules over the common model (see :mod:`sync.rules.base` for the framework)."""

from sync.rules.base import (
    RULES,
    Conflict,
    CustomerBase,
    Output,
    RuleContext,
    RuleRun,
    RuleSpec,
    TaskSpec,
    find_conflicts,
    rule,
    run_rules,
)

__all__ = [
    "RULES",
    "Conflict",
    "CustomerBase",
    "Output",
    "RuleContext",
    "RuleRun",
    "RuleSpec",
    "TaskSpec",
    "find_conflicts",
    "rule",
    "run_rules",
]
