"""The counts a plan shows before anything is written: one line per kind of change, named in
plain words."""

from __future__ import annotations

from rich.console import Console

from sync.plan import FieldChange, Plan, RecordChange, TagChange
from sync.render import show_plan


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


def test_the_terminal_shows_the_first_problems_and_says_how_many_more() -> None:
    problems = tuple(
        f"contact {n}: e-mail not changed, contact 9{n} already has it" for n in range(12)
    )
    plan = Plan(
        "nightly", "hubspot", "t", "t", changes=(change("contact", "1"),), problems=problems
    )
    console = Console(record=True, width=200)
    show_plan(plan, console, limit=5, page=False)
    text = console.export_text()
    assert text.count("problem:") == 5 and "… and 7 more problems (--out for all)" in text
    assert "contact 1 (as of" in text and "+ tag crmsync:lead" in text
