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

# Rule modules: importing them registers their rules.
import sync.hygiene.rules
import sync.segmentation.behaviour
import sync.segmentation.crosssell
import sync.segmentation.enrichment
import sync.segmentation.language
import sync.segmentation.lifecycle
import sync.segmentation.moments
import sync.segmentation.reactivation
import sync.segmentation.value  # noqa: F401
