"""Tasks are created at most once per key, even when an answer is lost and the request is
tried again."""

from __future__ import annotations

from datetime import datetime, timezone

from connectors.resilience import RetryPolicy
from connectors.tasks import create_once
from connectors.types import RecordOutcome, RetryableError, TaskRequest


def task(key: str) -> TaskRequest:
    return TaskRequest(
        key, "Call back", datetime(2026, 11, 2, tzinfo=timezone.utc), None, "contacts", "1"
    )


def test_a_lost_answer_never_creates_a_task_twice() -> None:
    crm: dict[str, str] = {"old": "t0"}  # key -> task id, as the CRM holds them
    answers_lost = [True]

    def look_up(keys: list[str]) -> dict[str, str]:
        return {k: crm[k] for k in keys if k in crm}

    def send(todo: list[TaskRequest]) -> dict[str, RecordOutcome]:
        for t in todo:
            crm[t.key] = f"t{len(crm)}"
        if answers_lost.pop() if answers_lost else False:
            raise RetryableError("connection reset after the CRM created them")
        return {t.key: RecordOutcome(t.key, True) for t in todo}

    outcomes = create_once(
        [task("old"), task("a"), task("b"), task("a")],
        look_up=look_up,
        send=send,
        batch=100,
        retry=RetryPolicy(initial_wait=0.001),
        what="test",
    )
    assert sorted(crm) == ["a", "b", "old"]  # one task per key
    assert [(o.id, o.ok, o.error_code) for o in outcomes] == [
        ("old", True, "ALREADY_EXISTS"),
        ("a", True, None),
        ("b", True, None),
        ("a", True, "ALREADY_EXISTS"),
    ]
