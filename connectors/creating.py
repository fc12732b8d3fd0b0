"""Creating records that have no key to look them up by: when a create request is sent again,
and what the caller learns when its answer is lost.

A create is not idempotent: sent again after the CRM acted on it, it makes a second record. So
the adapters repeat a create request only after a failure that proves the CRM never acted on it
(:func:`~connectors.resilience.not_acted_on`): throttled (429, Salesforce
``REQUEST_LIMIT_EXCEEDED``), an expired token (401, refreshed), no connection made. After any
other failure — a reset or a timeout once the request was sent, a 5xx, a truncated answer — the
CRM may have created the records or not. They are reported ``OUTCOME_UNKNOWN`` and not sent
again, so no record is ever created twice; the caller looks them up by a key of its own (an
e-mail, a source id) before creating them again. Records never sent because the throttling
outlasted the retries are ``NOT_CREATED``.

A record that was created but whose associations could not all be added is ``ok`` (it exists,
its id is the outcome id) with ``error_code`` ``ASSOCIATION_FAILED``; ``associate()`` adds the
missing links later without duplicating the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from connectors.resilience import not_acted_on
from connectors.types import NewRecord, RecordOutcome, RetryableError, WriteResult

NOT_CREATED = "NOT_CREATED"
OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"
ASSOCIATION_FAILED = "ASSOCIATION_FAILED"

#: (position in the records to create, record), a batch of them
Numbered = list[tuple[int, NewRecord]]
#: record id -> associated object type -> ids
Links = Mapping[str, Mapping[str, Sequence[str]]]


class Counted(Protocol):
    """A transport, counting the requests it sends."""

    requests: int


T = TypeVar("T", bound=Counted)
H = TypeVar("H")


class Creator(Generic[T]):
    """``create()`` and ``associate()`` of an adapter, from its own steps: check an association
    type, insert one batch of records, add links to records."""

    #: records per create request
    batch_size: ClassVar[int]
    #: whether :meth:`insert` creates the records with their links (else :meth:`link` adds
    #: them once the records exist)
    links_inline: ClassVar[bool] = False

    def __init__(self, transport: T):
        self.transport = transport

    def check_link(self, object_type: str, target: str, *, new: bool) -> None:
        """Raise ValueError when links to ``target`` cannot be added (``new``: as records
        are created)."""

    def insert(self, object_type: str, chunk: Numbered) -> Mapping[int, RecordOutcome]:
        """One create request: the outcome of each record, by position."""
        raise NotImplementedError

    def link(self, object_type: str, links: Links, *, new: bool) -> Mapping[str, RecordOutcome]:
        """Add the links that are not there yet (``new`` records have none); the first failure
        of each record that has one."""
        raise NotImplementedError

    def create(self, object_type: str, records: Sequence[NewRecord]) -> WriteResult:
        """Records in batches, then their links; outcomes in the order of ``records``. A
        created record whose links failed is ok, flagged ``ASSOCIATION_FAILED``."""
        for target in linked_types(r.associations for r in records):
            self.check_link(object_type, target, new=True)  # ValueError before anything is sent
        before = self.transport.requests
        numbered = list(enumerate(records))
        created: dict[int, RecordOutcome] = {}
        for start in range(0, len(numbered), self.batch_size):
            created.update(self.insert(object_type, numbered[start : start + self.batch_size]))
        outcomes = [created[position] for position in range(len(records))]
        if not self.links_inline:
            links = {o.id: r.associations for o, r in zip(outcomes, records, strict=True) if o.ok}
            failed = self.link(object_type, links, new=True)
            outcomes = [links_failed(o.id, failed.get(o.id)) if o.ok else o for o in outcomes]
        return WriteResult(tuple(outcomes), self.transport.requests - before)

    def associate(self, object_type: str, links: Links) -> WriteResult:
        """Links added to existing records, none twice; a record fails with its first failed
        link."""
        for target in linked_types(links.values()):
            self.check_link(object_type, target, new=False)
        before = self.transport.requests
        failed = self.link(object_type, links, new=False)
        outcomes = tuple(failed.get(r) or RecordOutcome(r, True) for r in links)
        return WriteResult(outcomes, self.transport.requests - before)


def unanswered(label: str, error: RetryableError) -> RecordOutcome:
    """The outcome of a record whose create request failed with ``error`` (retries spent)."""
    if not_acted_on(error):
        return RecordOutcome(label, False, NOT_CREATED, f"not created: {error}")
    return RecordOutcome(
        label,
        False,
        OUTCOME_UNKNOWN,
        f"the answer was lost ({error}): the record may have been created; look it up before "
        "creating it again",
    )


def unknown(label: str, why: str) -> RecordOutcome:
    """A record the CRM may or may not have created, for a reason of the adapter's own."""
    return RecordOutcome(label, False, OUTCOME_UNKNOWN, why)


def links_failed(record_id: str, failure: RecordOutcome | None) -> RecordOutcome:
    """A created record: ok, flagged ``ASSOCIATION_FAILED`` when ``failure`` says why some of
    its links were not added."""
    if failure is None or failure.ok:
        return RecordOutcome(record_id, True)
    message = f"created, but not all its associations: {failure.error_code} {failure.message}"
    return RecordOutcome(record_id, True, ASSOCIATION_FAILED, message)


def linked_types(links: Iterable[Mapping[str, Any]]) -> list[str]:
    """The associated object types named by some records' links (object type -> ids)."""
    return list(dict.fromkeys(t for by_type in links for t in by_type))


def link_home(
    crm: str,
    object_type: str,
    target: str,
    homes: Mapping[tuple[str, str], H],
    lookups: Callable[[str, str], list[str]],
) -> H:
    """Where an adapter adds links of ``object_type`` to ``target`` (a junction object, a
    related list); ValueError when a lookup field holds them (they are fields: write them) —
    ``lookups`` names those fields, or raises ValueError itself when there is none."""
    home = homes.get((object_type, target))
    if home is None:
        fields = lookups(object_type, target)
        raise ValueError(
            f"{crm} keeps {object_type} → {target} links in the lookup {', '.join(fields)}: set "
            "it among the record's fields, not as an association"
        )
    return home
