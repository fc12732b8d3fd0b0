"""Writing Zoho records in batches — inserts, updates, tag actions — and adding the links a
related list holds (a deal's Contact_Roles).

Records go 100 a ``POST /{Module}`` (``PUT`` for updates); each record's outcome comes from its
item of the answer (200, 207, or a 400 listing every record's error). Lookups (``Account_Name``,
``Contact_Name``) are fields (``{"id": …}``); the links a related list holds are added one
``PUT /{Module}/{id}/{related list}/{related id}`` each — for Contact_Roles with the org's first
contact role — and only for the records not linked yet, so a link is never added twice (nor its
role changed).

A create request is repeated only when Zoho never acted on it (see :mod:`connectors.creating`):
a create whose answer is lost is reported ``OUTCOME_UNKNOWN`` and not sent again, so no record
is created twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from connectors.creating import Creator, Links, Numbered, unanswered, unknown
from connectors.types import RecordOutcome, RetryableError, StopRunError
from connectors.zoho import coql
from connectors.zoho.transport import Rejected, ZohoTransport

WRITE_BATCH = 100  # records per insert / update
#: (module, associated module) -> related list holding more links than the lookups do
RELATED_LISTS = {("Deals", "Contacts"): "Contact_Roles"}
NO_RESULT = "NO_RESULT"  # a batch answer without an item per record

#: the related list holding the links of a module to another; ValueError when none does
RelatedList = Callable[[str, str], str]
#: (module, record id, related list) -> the ids it lists
RelatedIds = Callable[[str, str, str], list[str]]


class Writer(Creator[ZohoTransport]):
    """Sends batches and related-list links to one org."""

    batch_size = WRITE_BATCH

    def __init__(
        self, transport: ZohoTransport, related_list: RelatedList, related_ids: RelatedIds
    ):
        super().__init__(transport)
        self.related_list = related_list
        self.related_ids = related_ids
        self._role: str | None = None

    def batch(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any],
        count: int,
        retry: bool | Literal["unsent"] = True,
    ) -> list[dict[str, Any]] | Rejected:
        """The per-record items of a batch answer (200, 207, or a 400 listing every record's
        error), or the rejection of the request as a whole."""
        try:
            answer = self.transport.call(method, path, body=body, retry=retry)
            items = (answer.body or {}).get("data")
        except Rejected as rejection:
            items = rejection.body.get("data") if isinstance(rejection.body, dict) else None
            if not isinstance(items, list) or len(items) != count:
                return rejection
        if not isinstance(items, list) or len(items) != count:
            return Rejected(502, {"code": NO_RESULT, "message": "answer without per-record data"})
        return items

    def check_link(self, object_type: str, target: str, *, new: bool) -> None:
        self.related_list(object_type, target)

    def insert(self, object_type: str, chunk: Numbered) -> dict[int, RecordOutcome]:
        data = [{k: json_value(v) for k, v in record.fields.items()} for _, record in chunk]
        try:
            items = self.batch("POST", object_type, {"data": data}, len(chunk), retry="unsent")
        except RetryableError as error:
            return {p: unanswered(str(p), error) for p, _ in chunk}
        if isinstance(items, Rejected):
            if items.code == NO_RESULT:
                return {p: unknown(str(p), str(items)) for p, _ in chunk}
            return {p: RecordOutcome(str(p), False, items.code, str(items)) for p, _ in chunk}
        return {
            p: RecordOutcome(str(item["details"]["id"]), True)
            if item.get("status") == "success"
            else failure(str(p), item)
            for (p, _), item in zip(chunk, items, strict=True)
        }

    def link(self, object_type: str, links: Links, *, new: bool) -> dict[str, RecordOutcome]:
        """Related-list links of each record to the ids not linked yet (``new`` records have
        none: their lists are not read); record id -> its first failure."""
        failed: dict[str, RecordOutcome] = {}
        for record_id, by_module in links.items():
            for module, ids in by_module.items():
                related = self.related_list(object_type, module)
                present = set() if new else set(self.related_ids(object_type, record_id, related))
                for other in dict.fromkeys(ids):
                    if other in present:
                        continue
                    outcome = self._relate(f"{object_type}/{record_id}/{related}", other)
                    if outcome is not None:
                        message = f"{outcome.message} (linking {module} {other})"
                        outcome = replace(outcome, id=record_id, message=message)
                        failed.setdefault(record_id, outcome)
        return failed

    def _relate(self, path: str, other: str) -> RecordOutcome | None:
        """PUT one related record (idempotent); the failure, if any."""
        body = {"data": [{"Contact_Role": self.contact_role()}]}
        try:
            answer = self.transport.call("PUT", f"{path}/{other}", body=body)
        except Rejected as rejection:
            return RecordOutcome(other, False, rejection.code, str(rejection))
        items = (answer.body or {}).get("data") or [{}]
        return None if items[0].get("status") == "success" else failure(other, items[0])

    def contact_role(self) -> str:
        """The id of the org's first contact role (Zoho wants one on each Contact_Roles link)."""
        if self._role is None:
            roles = (self.transport.call("GET", "Contacts/roles").body or {}).get("contact_roles")
            if not roles:
                raise StopRunError("Zoho has no contact roles: create one to link deals")
            first = min(roles, key=lambda r: int(r.get("sequence_number") or 0))
            self._role = str(first["id"])
        return self._role


def failure(record_id: str, item: Mapping[str, Any]) -> RecordOutcome:
    details = item.get("details") if isinstance(item.get("details"), dict) else {}
    where = details.get("api_name") if details else None
    message = str(item.get("message") or "")
    return RecordOutcome(
        record_id,
        False,
        str(item.get("code") or "ERROR"),
        f"{message} ({where})" if where else message,
    )


def json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return coql.zoho_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    return value
