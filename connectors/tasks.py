"""Creating follow-up tasks — or anything else with a key to look it up by — at most once per
key, whatever the CRM's API.

A create request whose outcome is unknown (timeout, reset, 5xx, throttled) is never simply
sent again: the keys are looked up first and only the items still missing are sent. Each
adapter supplies the look-up and one plain send; this module does the rest, once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from connectors.resilience import RetryPolicy
from connectors.types import RecordOutcome, TaskRequest, WriteResult


class Keyed(Protocol):
    """An item to create once: a :class:`~connectors.types.TaskRequest`, a junction row…"""

    @property
    def key(self) -> str: ...


class Transport(Protocol):
    """An adapter's transport: the requests it has sent, and how it retries."""

    requests: int
    retry: RetryPolicy


K = TypeVar("K", bound=Keyed)
#: key -> id, for the keys that have an item in the CRM
LookUp = Callable[[list[str]], dict[str, str]]
#: one request creating these items (no retries inside), their outcomes by key; raises a
#: RetryableError when the CRM's answer is unknown
Send = Callable[[list[K]], dict[str, RecordOutcome]]


def create_once(
    tasks: Sequence[K],
    *,
    look_up: LookUp,
    send: Send[K],
    batch: int,
    retry: RetryPolicy,
    what: str,
) -> tuple[RecordOutcome, ...]:
    """Outcomes in the order of ``tasks``; a key that already has an item (or is asked for
    twice) answers ``ALREADY_EXISTS``."""
    existing = look_up([t.key for t in tasks])
    pending: dict[str, K] = {}
    for task in tasks:
        if task.key not in existing:
            pending.setdefault(task.key, task)
    created: dict[str, RecordOutcome] = {}
    todo = list(pending.values())
    for start in range(0, len(todo), batch):
        created.update(_send_chunk(todo[start : start + batch], look_up, send, retry, what))
    outcomes = []
    seen: set[str] = set()
    for task in tasks:
        outcome = created.get(task.key)
        if outcome is None or (task.key in seen and outcome.ok):
            outcome = RecordOutcome(task.key, True, "ALREADY_EXISTS")
        seen.add(task.key)
        outcomes.append(outcome)
    return tuple(outcomes)


def create_tasks_once(
    tasks: Sequence[TaskRequest],
    transport: Transport,
    *,
    look_up: LookUp,
    send: Send[TaskRequest],
    batch: int,
    what: str,
) -> WriteResult:
    """An adapter's ``create_tasks()``: :func:`create_once` with ``transport``'s retries, and
    the requests it took."""
    before = transport.requests
    outcomes = create_once(
        tasks, look_up=look_up, send=send, batch=batch, retry=transport.retry, what=what
    )
    return WriteResult(outcomes, transport.requests - before)


def _send_chunk(
    chunk: list[K], look_up: LookUp, send: Send[K], retry: RetryPolicy, what: str
) -> dict[str, RecordOutcome]:
    outcomes: dict[str, RecordOutcome] = {}
    todo = list(chunk)
    tries = 0

    def attempt() -> None:
        nonlocal todo, tries
        tries += 1
        if tries > 1:  # the last try may have created some: never twice
            found = look_up([t.key for t in todo])
            outcomes.update({key: RecordOutcome(key, True) for key in found})
            todo = [t for t in todo if t.key not in found]
            if not todo:
                return
        outcomes.update(send(todo))

    retry.run(attempt, what)
    for task in chunk:
        outcomes.setdefault(task.key, RecordOutcome(task.key, False, "NO_RESULT", "no answer"))
    return outcomes
