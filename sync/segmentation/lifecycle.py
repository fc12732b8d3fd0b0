"""Lifecycle segment rules (playbook §2; the segments are computed in :mod:`.segments`)."""

from __future__ import annotations

from collections.abc import Iterable

from sync.rules.base import Output, RuleContext, rule
from sync.segmentation import outputs as out
from sync.segmentation.segments import lifecycle_segments

RULE = "lifecycle"


@rule(RULE, "segmentation")
def lifecycle(ctx: RuleContext) -> Iterable[Output]:
    """One lifecycle segment per contact (playbook §2), as a field and a tag.

    Also the CRM's own lifecycle stage when ``lifecycle.write_native_stage`` is on, and the
    marketing exclusion of NOT_QUALIFIED contacts."""
    native = ctx.settings.lifecycle.write_native_stage
    for contact_id, placement in lifecycle_segments(ctx).items():
        segment, reason = placement.segment, placement.reason
        yield Output("contact", contact_id, "field", out.SEGMENT, segment, RULE, reason)
        yield Output("contact", contact_id, "tag", out.SEGMENT_TAGS[segment], True, RULE, reason)
        if native:
            yield Output("contact", contact_id, "field", out.LIFECYCLE_STAGE, segment, RULE, reason)
        if segment == "NOT_QUALIFIED":
            yield Output("contact", contact_id, "field", out.MARKETING_EXCLUDED, True, RULE, reason)


@rule("disqualification_reason", "segmentation")
def disqualification_reason(ctx: RuleContext) -> Iterable[Output]:
    """A NOT_QUALIFIED contact without a documented reason is a finding for the audit."""
    for contact in ctx.base.contacts:
        if contact.disqualified and not contact.disqualified_reason:
            yield Output(
                "contact",
                contact.id,
                "finding",
                out.DISQUALIFIED_WITHOUT_REASON,
                None,
                "disqualification_reason",
                "disqualified without a documented reason",
            )
