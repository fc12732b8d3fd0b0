"""The admin's own rules (``rules.custom`` in the config; grammar in :mod:`.syntax`).

Each rule gives its tag or field value to every contact that meets its condition. The output
is explained like any other: the rule is ``custom:<name>``, the reason says which values met
which tests ("country ES in [ES, España]; 4 deals (stage = won) >= 3"). A custom rule that
sets a field another rule sets differently is reported as a conflict by the rule framework.

Conditions may read what the built-in rules output (``output.segment``, ``output.tags``): the
outputs of the earlier stages, and of every built-in segmentation rule, whether it ran before
the custom rules or not.
"""

from __future__ import annotations

from collections.abc import Iterable

from sync.rules.base import RULES, Output, RuleContext, rule
from sync.segmentation.conditions import Env, compile_condition, outputs_index
from sync.segmentation.syntax import CustomRule

RULE = "custom"
PREFIX = "custom:"


def _output(custom: CustomRule, contact_id: str, reason: str) -> Output:
    rule_name = PREFIX + custom.name
    if custom.description:
        reason = f"{custom.description}: {reason}"
    if custom.tag is not None:
        return Output("contact", contact_id, "tag", custom.tag, True, rule_name, reason)
    assert custom.field is not None  # one of the two, by validation
    field = custom.field
    return Output("contact", contact_id, "field", field.name, field.value, rule_name, reason)


def readable_outputs(ctx: RuleContext) -> Iterable[Output]:
    """The earlier outputs, and those of the built-in segmentation rules that have not run yet
    (rules are pure functions of the context, so running one here gives what it will give)."""
    yield from ctx.earlier
    ran = {output.rule for output in ctx.earlier}
    for spec in list(RULES.values()):
        if spec.stage == "segmentation" and spec.name != RULE and spec.name not in ran:
            yield from spec.function(ctx)


@rule(RULE, "segmentation")
def custom_rules(ctx: RuleContext) -> Iterable[Output]:
    """The admin's rules from ``rules.custom``: a tag or field value per matching contact."""
    rules = ctx.settings.custom
    if not rules:
        return
    compiled = [(custom, compile_condition(custom.when)) for custom in rules]
    env = Env(ctx.now, ctx.base.deals_by_contact)
    if any(c.reads_outputs for _, c in compiled):
        env.outputs, env.tags = outputs_index(readable_outputs(ctx))
    for custom, condition in compiled:
        check = condition.check
        for contact in ctx.base.contacts:
            if check.holds(contact, env):
                yield _output(custom, contact.id, check.explain(contact, env))
