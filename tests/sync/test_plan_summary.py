"""The counts a plan shows before anything is written: one line per kind of change, named in
plain words."""

from __future__ import annotations

from sync.plan import FieldChange, Plan, RecordChange, TagChange


def change(object_name: str, record_id: str) -> RecordChange:
    field = FieldChange("segment", "crmsync_segment", None, "LEAD", "lifecycle", "has an e-mail")
    tag = TagChange("crmsync:lead", "lifecycle", "has an e-mail")
    return RecordChange(object_name, object_name, record_id, "2026-11-01T00:00:00+00:00",
                        fields=(field,), tags_add=(tag,))  # fmt: skip


def test_the_summary_counts_records_per_kind_and_their_changes() -> None:
    plan = Plan(
        "nightly", "hubspot", "2026-11-01T00:00:00+00:00", "2026-11-01T00:00:00+00:00",
        changes=(change("contact", "1"), change("contact", "2"), change("company", "3"),
                 change("deal", "4")),
    )  # fmt: skip
    assert plan.summary() == {
        "contacts changed": 2,
        "companies changed": 1,
        "deals changed": 1,
        "field changes": 4,
        "tags added": 4,
        "tags removed": 0,
        "tasks to create": 0,
        "problems": 0,
    }
