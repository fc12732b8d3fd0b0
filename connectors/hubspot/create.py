"""Creating HubSpot records and associations (and the value and batch helpers every HubSpot
write shares).

Records go 100 a ``batch/create``. Each input carries its associations, with the HubSpot-defined
default type of the pair, and an ``objectWriteTraceId`` (its position): HubSpot returns the
created records in no particular order (HubSpot/hubspot-api-nodejs#190) but each result carries
its input's trace id. A batch HubSpot refuses as a whole (400 for an invalid value or an unknown
associated record, 409 for an e-mail that exists) creates nothing: it is halved until the
refused inputs are found, and each fails alone with HubSpot's category and message.

Links between existing records go through v4 ``batch/associate/default``, 1,000 a request per
pair of object types; HubSpot keeps a link once, so adding it again changes nothing.

A create request is repeated only when HubSpot never acted on it (see :mod:`connectors.creating`):
a create whose answer is lost is reported ``OUTCOME_UNKNOWN`` and not sent again, so no record
is created twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.common import chunks
from connectors.creating import Creator, Links, Numbered, unanswered, unknown
from connectors.hubspot.transport import HubSpotTransport, Rejected
from connectors.types import NewRecord, RecordOutcome, RetryableError

PAGE = 100  # list and batch maximum
ASSOCIATION_BATCH = 1000  # v4 association batch inputs
#: HubSpot-defined default (unlabelled) association type ids, by (from, to) object type
#: (hubspot/crm/association_type.py; crm-apis.md §1.4)
DEFAULT_ASSOCIATION = {
    ("contacts", "companies"): 279,
    ("companies", "contacts"): 280,
    ("deals", "contacts"): 3,
    ("contacts", "deals"): 4,
    ("deals", "companies"): 341,
    ("companies", "deals"): 342,
}
#: statuses of a whole-batch refusal caused by some of its inputs
_BY_INPUT = (400, 409)

Inputs = list[tuple[int, dict[str, Any]]]  # (position in the request, batch input)


class HubSpotCreator(Creator[HubSpotTransport]):
    """Creates records and associations in one portal."""

    batch_size = PAGE
    links_inline = True  # each batch/create input carries its associations

    def check_link(self, object_type: str, target: str, *, new: bool) -> None:
        if new:  # a create input names the type of each association
            _default_type(object_type, target)

    def insert(self, object_type: str, chunk: Numbered) -> dict[int, RecordOutcome]:
        inputs = [(p, _input(object_type, p, record)) for p, record in chunk]
        return self._create_chunk(object_type, inputs)

    def _create_chunk(self, object_type: str, chunk: Inputs) -> dict[int, RecordOutcome]:
        body = {"inputs": [item for _, item in chunk]}
        try:
            answer = self.transport.call(
                "crm.objects.batch_api.create", object_type, body, retry="unsent"
            )
        except Rejected as rejection:
            if len(chunk) == 1 or rejection.status not in _BY_INPUT:
                return {
                    p: RecordOutcome(str(p), False, rejection.category, str(rejection))
                    for p, _ in chunk
                }
            half = len(chunk) // 2
            return {
                **self._create_chunk(object_type, chunk[:half]),
                **self._create_chunk(object_type, chunk[half:]),
            }
        except RetryableError as error:
            return {p: unanswered(str(p), error) for p, _ in chunk}
        return _created(chunk, answer.body or {})

    def link(self, object_type: str, links: Links, *, new: bool) -> dict[str, RecordOutcome]:
        """Default associations, 1,000 a request per associated object type."""
        pairs: dict[str, list[tuple[str, str]]] = {}
        for record_id, targets in links.items():
            for to_type, ids in targets.items():
                pairs.setdefault(to_type, []).extend((record_id, i) for i in dict.fromkeys(ids))
        failed: dict[str, RecordOutcome] = {}
        for to_type, todo in pairs.items():
            for chunk in chunks(todo, ASSOCIATION_BATCH):
                for outcome in self._associate_chunk(object_type, to_type, chunk):
                    failed.setdefault(outcome.id, outcome)
        return failed

    def _associate_chunk(
        self, object_type: str, to_type: str, chunk: list[tuple[str, str]]
    ) -> list[RecordOutcome]:
        body = {"inputs": [{"from": {"id": f}, "to": {"id": t}} for f, t in chunk]}
        try:
            answer = self.transport.call(
                "crm.associations.v4.batch_api.create_default", object_type, to_type, body
            )
        except Rejected as rejection:
            return [RecordOutcome(f, False, rejection.category, str(rejection)) for f, _ in chunk]
        failed: list[RecordOutcome] = []
        for error in (answer.body or {}).get("errors") or []:
            named = {str(i) for i in (error.get("context") or {}).get("ids") or []}
            code, message = str(error.get("category") or "ERROR"), str(error.get("message") or "")
            failed.extend(
                RecordOutcome(f, False, code, message) for f, t in chunk if named & {f, t}
            )
        return failed


def _input(object_type: str, position: int, record: NewRecord) -> dict[str, Any]:
    item: dict[str, Any] = {
        "properties": {name: as_text(value) for name, value in record.fields.items()},
        "objectWriteTraceId": str(position),
    }
    associations = [
        {
            "to": {"id": to_id},
            "types": [
                {
                    "associationCategory": "HUBSPOT_DEFINED",
                    "associationTypeId": _default_type(object_type, to_type),
                }
            ],
        }
        for to_type, ids in record.associations.items()
        for to_id in dict.fromkeys(ids)
    ]
    if associations:
        item["associations"] = associations
    return item


def _default_type(object_type: str, to_type: str) -> int:
    found = DEFAULT_ASSOCIATION.get((object_type, to_type))
    if found is None:
        raise ValueError(
            f"crmsync knows no HubSpot-defined association type from {object_type} to "
            f"{to_type}: create the records without it, then associate() them"
        )
    return found


def _created(chunk: Inputs, body: Mapping[str, Any]) -> dict[int, RecordOutcome]:
    """Each input's outcome from a 201/207 answer, matched by ``objectWriteTraceId``; inputs
    without a result failed, with HubSpot's error."""
    results = body.get("results") or []
    created = {
        str(r["objectWriteTraceId"]): str(r["id"])
        for r in results
        if r.get("objectWriteTraceId") is not None
    }
    if not created and results:
        if len(results) != len(chunk):  # no trace ids and some failed: whose record is whose?
            why = "HubSpot answered without objectWriteTraceId: cannot tell which were created"
            return {p: unknown(str(p), why) for p, _ in chunk}
        # no trace ids: HubSpot's order is the only clue (it does not promise to keep it)
        created = {str(p): str(r["id"]) for (p, _), r in zip(chunk, results, strict=True)}
    errors = body.get("errors") or [{}]
    first = errors[0] if isinstance(errors[0], dict) else {}
    code = str(first.get("category") or "ERROR")
    message = str(first.get("message") or "HubSpot created no record for this input")
    if len(errors) > 1:
        message = f"{message} (one of {len(errors)} errors of this batch)"
    return {
        p: RecordOutcome(created[str(p)], True)
        if str(p) in created
        else RecordOutcome(str(p), False, code, message)
        for p, _ in chunk
    }


def as_text(value: Any) -> str:
    """A value as HubSpot's string property value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set | frozenset):
        return ";".join(sorted(str(v) for v in value))
    return str(value)
