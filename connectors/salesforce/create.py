"""Writing Salesforce records through sObject Collections — updates, creates — and adding the
junction rows that link records (an opportunity's ``OpportunityContactRole`` rows).

``composite/sobjects`` takes 200 records a request (``allOrNone: false``) and answers one
SaveResult per record, in request order. A request Salesforce refuses as a whole because of one
record's value (``JSON_PARSER_ERROR``) is halved until that record is found; any other refusal
(an unknown or hidden field) stops the run.

A create request is repeated only when Salesforce never acted on it (see
:mod:`connectors.creating`): a create whose answer is lost is reported ``OUTCOME_UNKNOWN`` and
not sent again, so no record is created twice.

Salesforce lets the same contact be added to an opportunity twice, so junction rows are added
only for the pairs that have none: the records' rows are read first, and after a request whose
answer is lost they are read again before anything is sent again (:func:`create_once`, keyed by
pair), so each link exists once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, Literal

from connectors.creating import Creator, Links, Numbered, linked_types, unanswered, unknown
from connectors.salesforce import soql
from connectors.salesforce.transport import Rejected, SalesforceTransport
from connectors.tasks import create_once
from connectors.types import (
    RecordOutcome,
    RetryableError,
    StopRunError,
)

WRITE_BATCH = 200  # records per sObject collection
#: whole-request refusals caused by one record's value: halved until the record is found
_ONE_RECORD = ("JSON_PARSER_ERROR",)


@dataclass(frozen=True)
class Junction:
    """A junction object linking two others (``OpportunityContactRole``)."""

    sobject: str
    link: str  # field pointing at the record read
    other: str  # field pointing at the associated record
    primary: str | None = None  # checkbox marking the primary association
    owner: bool = True  # whether the primary mark is the record's (an opportunity's contact)

    def row(self, record_id: str, other_id: str, primary: bool) -> dict[str, Any]:
        """The body creating the row that links ``record_id`` to ``other_id``."""
        body: dict[str, Any] = {
            "attributes": {"type": self.sobject},
            self.link: record_id,
            self.other: other_id,
        }
        if primary and self.primary and self.owner:
            body[self.primary] = True
        return body


#: (object type, associated object type) -> the junction listing their links
JUNCTIONS = {
    ("Opportunity", "Contact"): Junction(
        "OpportunityContactRole", "OpportunityId", "ContactId", "IsPrimary"
    ),
    ("Contact", "Opportunity"): Junction(
        "OpportunityContactRole", "ContactId", "OpportunityId", "IsPrimary", owner=False
    ),
}

#: (position in the request, outcome id if it fails, record body)
Chunk = list[tuple[int, str, dict[str, Any]]]
#: the junction holding the links of an object type to another; ValueError when none does
JunctionOf = Callable[[str, str], Junction]
#: the junction rows of some records: (junction, record ids) -> rows
JunctionRows = Callable[[Junction, list[str]], list[dict[str, Any]]]


@dataclass(frozen=True)
class _Link:
    """One junction row to have: ``key`` names the pair (15-character ids)."""

    key: str
    record_id: str
    other_id: str
    primary: bool


class Writer(Creator[SalesforceTransport]):
    """Saves records and junction rows in one org."""

    batch_size = WRITE_BATCH

    def __init__(
        self, transport: SalesforceTransport, junction: JunctionOf, junction_rows: JunctionRows
    ):
        super().__init__(transport)
        self.junction = junction
        self.junction_rows = junction_rows

    def save(self, method: str, object_type: str, chunk: Chunk) -> dict[int, RecordOutcome]:
        """One collection request (PATCH updates, POST creates) and each record's outcome."""
        creating = method == "POST"
        body = {"allOrNone": False, "records": [record for _, _, record in chunk]}
        retry: bool | Literal["unsent"] = "unsent" if creating else True
        try:
            results = self.transport.rest(method, "composite/sobjects", body=body, retry=retry)
        except Rejected as rejection:
            if rejection.code not in _ONE_RECORD:
                raise StopRunError(
                    f"Salesforce refused to {'create' if creating else 'update'} {object_type} "
                    f"records: {rejection} (is every field created, writable and visible to the "
                    "integration user?)"
                ) from None
            if len(chunk) == 1:
                position, label, _ = chunk[0]
                return {position: RecordOutcome(label, False, rejection.code, rejection.message)}
            half = len(chunk) // 2
            return {
                **self.save(method, object_type, chunk[:half]),
                **self.save(method, object_type, chunk[half:]),
            }
        except RetryableError as error:
            if not creating:
                raise
            return {position: unanswered(label, error) for position, label, _ in chunk}
        if not isinstance(results, list) or len(results) != len(chunk):
            if creating:
                why = "Salesforce answered the create without a result per record"
                return {position: unknown(label, why) for position, label, _ in chunk}
            raise StopRunError(f"Salesforce answered an update of {object_type} without results")
        return {
            position: outcome(label, result, created=creating)
            for (position, label, _), result in zip(chunk, results, strict=True)
        }

    def check_link(self, object_type: str, target: str, *, new: bool) -> None:
        self.junction(object_type, target)

    def insert(self, object_type: str, chunk: Numbered) -> dict[int, RecordOutcome]:
        bodies = [(p, str(p), record_body(object_type, record.fields)) for p, record in chunk]
        return self.save("POST", object_type, bodies)

    def link(self, object_type: str, links: Links, *, new: bool) -> dict[str, RecordOutcome]:
        """Junction rows for the pairs that have none (read first, each created once); a new
        opportunity's first contact is its primary one."""
        failed: dict[str, RecordOutcome] = {}
        for target in linked_types(links.values()):
            junction = self.junction(object_type, target)
            wanted = [
                _Link(_pair(record_id, other), record_id, other, new and n == 0)
                for record_id, by_type in links.items()
                for n, other in enumerate(dict.fromkeys(by_type.get(target, ())))
            ]
            by_key = {item.key: item for item in wanted}
            outcomes = create_once(
                wanted,
                look_up=partial(self._existing, junction, by_key),
                send=partial(self._send_rows, junction),
                batch=WRITE_BATCH,
                retry=self.transport.retry,
                what=f"Salesforce create {junction.sobject}",
            )
            for item, result in zip(wanted, outcomes, strict=True):
                if not result.ok:
                    failed.setdefault(item.record_id, replace(result, id=item.record_id))
        return failed

    def _existing(
        self, junction: Junction, by_key: Mapping[str, _Link], keys: list[str]
    ) -> dict[str, str]:
        """Pair key -> row id, for the pairs among ``keys`` that have a row."""
        wanted = set(keys)
        ids = list(dict.fromkeys(by_key[key].record_id for key in keys))
        found: dict[str, str] = {}
        for row in self.junction_rows(junction, ids):
            key = _pair(str(row[junction.link]), str(row.get(junction.other) or ""))
            if key in wanted:
                found.setdefault(key, str(row["Id"]))
        return found

    def _send_rows(self, junction: Junction, todo: list[_Link]) -> dict[str, RecordOutcome]:
        return self.insert_keyed(
            [(i.key, junction.row(i.record_id, i.other_id, i.primary)) for i in todo]
        )

    def insert_keyed(self, records: list[tuple[str, dict[str, Any]]]) -> dict[str, RecordOutcome]:
        """One ``POST composite/sobjects`` of ``(key, record)`` pairs, never repeated here (for
        :func:`create_once`, which looks the keys up first): each key's outcome; a key without
        a result has none."""
        body = {"allOrNone": False, "records": [record for _, record in records]}
        try:
            results = self.transport.rest("POST", "composite/sobjects", body=body, retry=False)
        except Rejected as rejection:
            return {
                key: RecordOutcome(key, False, rejection.code, str(rejection)) for key, _ in records
            }
        return {
            key: outcome(key, result)
            for (key, _), result in zip(records, results or [], strict=False)
        }


def _pair(record_id: str, other_id: str) -> str:
    return f"{record_id[:15]}:{other_id[:15]}"  # an 18-character id is the 15 and a checksum


def record_body(object_type: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"attributes": {"type": object_type}}
    body.update({name: json_value(value) for name, value in fields.items()})
    return body


def outcome(record_id: str, result: Any, *, created: bool = False) -> RecordOutcome:
    """A record's outcome from its SaveResult (a created one's id is the new record's)."""
    if isinstance(result, dict) and result.get("success"):
        return RecordOutcome(str(result.get("id")) if created else record_id, True)
    errors = (result.get("errors") if isinstance(result, dict) else None) or [{}]
    first = errors[0] if isinstance(errors[0], dict) else {}
    message = "; ".join(str(e.get("message") or "") for e in errors if isinstance(e, dict))
    fields = first.get("fields") or []
    if fields:
        message = f"{message} ({', '.join(map(str, fields))})"
    return RecordOutcome(record_id, False, str(first.get("statusCode") or "ERROR"), message)


def json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return soql.soql_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, set | frozenset | list | tuple):
        return ";".join(sorted(str(v) for v in value)) or None
    return value
