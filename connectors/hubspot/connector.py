"""The HubSpot adapter: CRM v3 objects, search, properties and v4 associations.

Reading everything walks the list endpoint (100 per page, associations inline). Reading changes
walks search by *keyset*: each request asks again for records modified at or after the last
timestamp seen, so the 10,000-result cap of search is never reached, records edited during the
read cannot shift an offset into a gap, and a tie of more records on one millisecond than a page
holds is walked by id. When most records changed (search's first page says how many), listing
them all costs less of HubSpot's limits than searching, and is done instead. Archived records
are reported as deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, ClassVar

from connectors.common import check_namespace, chunks
from connectors.hubspot.create import ASSOCIATION_BATCH, PAGE, HubSpotCreator, as_text
from connectors.hubspot.transport import HubSpotTransport, Rejected
from connectors.tasks import create_tasks_once
from connectors.types import (
    Cursor,
    FieldSchema,
    NativeType,
    NewRecord,
    ObjectSchema,
    RecordOutcome,
    RecordUpdate,
    SourceRecord,
    TaskRequest,
    WriteResult,
)

log = logging.getLogger(__name__)
UTC = timezone.utc

SEARCH_PAGE = 200  # search maximum
#: a search request weighs as 2.5 others: HubSpot allows 4 a second, and 100 others per 10 s
SEARCH_WEIGHT = 2.5
MODIFIED = {"contacts": "lastmodifieddate"}  # every other object type: hs_lastmodifieddate
PROPERTY_GROUPS = {
    "contacts": "contactinformation",
    "companies": "companyinformation",
    "deals": "dealinformation",
    "tasks": "taskinformation",
}
#: v4 association type ids HubSpot defines, for tasks created about a record.
TASK_ASSOCIATION = {"contacts": 204, "companies": 192, "deals": 216}
TASK_KEY = "crmsync_task_key"


def modified_property(object_type: str) -> str:
    return MODIFIED.get(object_type, "hs_lastmodifieddate")


class HubSpotConnector:
    """Reads and writes one HubSpot portal."""

    name: ClassVar[str] = "hubspot"
    #: custom fields the connector itself needs (``crmsync provision`` creates them)
    support_fields: ClassVar[Mapping[str, tuple[FieldSchema, ...]]] = {
        "tasks": (FieldSchema(TASK_KEY, "string", True, label="crmsync task key", custom=True),),
    }

    def __init__(self, transport: HubSpotTransport, *, tag_namespace: str, tag_field: str = "tags"):
        self.transport = transport
        self.tag_namespace = tag_namespace
        self.tag_field = tag_field
        self._schemas: dict[str, ObjectSchema] = {}
        self._creator = HubSpotCreator(transport)

    # --- describe -------------------------------------------------------------------------
    def describe(self, object_type: str) -> ObjectSchema:
        answer = self.transport.call("crm.properties.core_api.get_all", object_type)
        fields = {p["name"]: _field_schema(p) for p in answer.body.get("results", [])}
        schema = ObjectSchema(self.name, object_type, fields)
        self._schemas[object_type] = schema
        return schema

    # --- read -----------------------------------------------------------------------------
    def read(
        self,
        object_type: str,
        *,
        fields: Sequence[str],
        since: Cursor | None = None,
        associations: Sequence[str] = (),
    ) -> Iterator[SourceRecord]:
        properties = _with(fields, modified_property(object_type))
        if since is None:
            yield from self._list(object_type, properties, associations, archived=False)
        else:
            yield from self._changed(object_type, properties, associations, since)
        yield from self._archived_since(object_type, properties, since)

    def read_by_ids(
        self,
        object_type: str,
        ids: Sequence[str],
        fields: Sequence[str],
        associations: Sequence[str] = (),
    ) -> Iterator[SourceRecord]:
        properties = _with(fields, modified_property(object_type))
        for chunk in chunks(list(dict.fromkeys(ids)), PAGE):
            body = {"inputs": [{"id": i} for i in chunk], "properties": properties}
            try:
                answer = self.transport.call("crm.objects.batch_api.read", object_type, body)
            except Rejected as rejection:
                if rejection.status == 404:  # none of them exists any more
                    continue
                raise
            records = [self._record(object_type, raw) for raw in answer.body.get("results", [])]
            yield from self._with_associations(object_type, records, associations)

    def _list(
        self, object_type: str, properties: list[str], associations: Sequence[str], archived: bool
    ) -> Iterator[SourceRecord]:
        after: str | None = None
        while True:
            answer = self.transport.call(
                "crm.objects.basic_api.get_page",
                object_type,
                limit=PAGE,
                after=after,
                properties=properties,
                associations=list(associations) or None,
                archived=archived,
            )
            for raw in answer.body.get("results", []):
                yield self._record(object_type, raw, inline_associations=True)
            after = ((answer.body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return

    def _archived_since(
        self, object_type: str, properties: list[str], since: Cursor | None
    ) -> Iterator[SourceRecord]:
        """Archived (deleted) records: HubSpot cannot filter them by date, so all are listed
        and those archived before ``since`` skipped."""
        for record in self._list(object_type, properties, (), archived=True):
            if since is None or record.updated_at >= since.updated_at:
                yield record

    def _changed(
        self, object_type: str, properties: list[str], associations: Sequence[str], since: Cursor
    ) -> Iterator[SourceRecord]:
        """Records modified at or after ``since``: searched for, or listed when that costs less
        of HubSpot's limits (after a run that wrote to most records, such as crmsync's first)."""
        prop = modified_property(object_type)
        first, changed = self._search_page(
            object_type, properties, [[_modified_from(prop, _epoch_ms(since.updated_at))]], prop
        )
        if len(first) == SEARCH_PAGE and self._listing_is_cheaper(
            object_type, changed, len(associations)
        ):
            log.info("%s: %d records changed, listing them all costs fewer requests than search",
                     object_type, changed)  # fmt: skip
            for record in self._list(object_type, properties, associations, archived=False):
                if record.updated_at >= since.updated_at:
                    yield record
            return
        for page in self._changed_since(object_type, properties, since, first):
            yield from self._with_associations(object_type, page, associations)

    def _listing_is_cheaper(self, object_type: str, changed: int, associated_types: int) -> bool:
        """Searching costs, per page of 200, one search (HubSpot allows 4 a second, against
        100 other requests per 10 seconds: it weighs as 2.5) and one association read per
        associated type; listing costs one request per 100 records, associations inline."""
        _, total = self._search_page(object_type, [], [], "hs_object_id", limit=1)
        search_cost = -(-changed // SEARCH_PAGE) * (SEARCH_WEIGHT + associated_types)
        return -(-total // PAGE) < search_cost

    def _changed_since(
        self, object_type: str, properties: list[str], since: Cursor, first: list[SourceRecord]
    ) -> Iterator[list[SourceRecord]]:
        """Pages of records modified at or after ``since``, by keyset on (modified, id);
        ``first`` is the first page, already asked for."""
        prop = modified_property(object_type)
        moment = _epoch_ms(since.updated_at)
        seen_at_moment: set[str] = set()
        page: list[SourceRecord] | None = first
        while True:
            if page is None:
                filters = [_modified_from(prop, moment)]
                page = self._search(object_type, properties, [filters], prop)
            if not page:
                return
            stamps = [_epoch_ms(r.updated_at) for r in page]
            if all(stamp == moment for stamp in stamps) and len(page) == SEARCH_PAGE:
                # more records share this millisecond than a page holds: walk them by id
                yield from self._tie(object_type, properties, prop, moment, seen_at_moment)
                moment, seen_at_moment, page = moment + 1, set(), None
                continue
            fresh = [
                r
                for r, s in zip(page, stamps, strict=True)
                if not (s == moment and r.id in seen_at_moment)
            ]
            if fresh:
                yield fresh
            last = stamps[-1]
            at_last = {r.id for r, s in zip(page, stamps, strict=True) if s == last}
            seen_at_moment = seen_at_moment | at_last if last == moment else at_last
            if len(page) < SEARCH_PAGE:
                return
            moment, page = last, None

    def _tie(
        self, object_type: str, properties: list[str], prop: str, moment: int, seen: set[str]
    ) -> Iterator[list[SourceRecord]]:
        last_id = "0"
        while True:
            filters = [
                {"propertyName": prop, "operator": "EQ", "value": str(moment)},
                {"propertyName": "hs_object_id", "operator": "GT", "value": last_id},
            ]
            page = self._search(object_type, properties, [filters], "hs_object_id")
            if not page:
                return
            fresh = [r for r in page if r.id not in seen]
            if fresh:
                yield fresh
            last_id = page[-1].id
            if len(page) < SEARCH_PAGE:
                return

    def _search(
        self, object_type: str, properties: list[str], groups: list[list[dict[str, str]]], sort: str
    ) -> list[SourceRecord]:
        return self._search_page(object_type, properties, groups, sort)[0]

    def _search_page(
        self,
        object_type: str,
        properties: list[str],
        groups: list[list[dict[str, str]]],
        sort: str,
        limit: int = SEARCH_PAGE,
    ) -> tuple[list[SourceRecord], int]:
        """One page of a search, and how many records match in all."""
        body = {
            "filterGroups": [{"filters": filters} for filters in groups],
            "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
            "properties": properties,
            "limit": limit,
        }
        answer = self.transport.call(
            "crm.objects.search_api.do_search", object_type, body, search=True
        )
        records = [self._record(object_type, raw) for raw in answer.body.get("results", [])]
        return records, int(answer.body.get("total", len(records)))

    def _with_associations(
        self, object_type: str, records: list[SourceRecord], associations: Sequence[str]
    ) -> list[SourceRecord]:
        if not associations or not records:
            return records
        links: dict[str, dict[str, tuple[str, ...]]] = {r.id: {} for r in records}
        for to_type in associations:
            for record_id, targets in self._associated(object_type, to_type, list(links)).items():
                links[record_id][to_type] = targets
        return [_replace_associations(r, links[r.id]) for r in records]

    def _associated(
        self, from_type: str, to_type: str, ids: list[str]
    ) -> dict[str, tuple[str, ...]]:
        found: dict[str, tuple[str, ...]] = {}
        for chunk in chunks(ids, ASSOCIATION_BATCH):
            body = {"inputs": [{"id": i} for i in chunk]}
            answer = self.transport.call(
                "crm.associations.v4.batch_api.get_page", from_type, to_type, body
            )
            for result in answer.body.get("results", []):
                targets = [str(t["toObjectId"]) for t in result.get("to", [])]
                primary = [
                    str(t["toObjectId"])
                    for t in result.get("to", [])
                    if any(_is_primary(a) for a in t.get("associationTypes", []))
                ]
                ordered = primary + [t for t in targets if t not in primary]
                found[str(result["from"]["id"])] = tuple(dict.fromkeys(ordered))
        return found

    def _record(
        self, object_type: str, raw: Mapping[str, Any], inline_associations: bool = False
    ) -> SourceRecord:
        """A native record; its time is the modified property search filters on (archived
        records: when they were archived)."""
        archived = bool(raw.get("archived"))
        properties = raw.get("properties") or {}
        moment = properties.get(modified_property(object_type)) or raw["updatedAt"]
        if archived and raw.get("archivedAt"):
            moment = raw["archivedAt"]
        associations: dict[str, tuple[str, ...]] = {}
        if inline_associations:
            for to_type, block in (raw.get("associations") or {}).items():
                associations[to_type] = tuple(
                    dict.fromkeys(str(item["id"]) for item in block.get("results", []))
                )
        return SourceRecord(
            object_type=object_type,
            id=str(raw["id"]),
            fields=properties,
            updated_at=_parse_moment(moment),
            deleted=archived,
            associations=associations,
        )

    # --- write ----------------------------------------------------------------------------
    def write(self, object_type: str, updates: Sequence[RecordUpdate]) -> WriteResult:
        """Field and tag changes, 100 records per request; per-record outcomes."""
        before = self.transport.requests
        for update in updates:
            check_namespace(update, self.tag_namespace)
        self._ensure_tag_options(object_type, updates)
        outcomes: list[RecordOutcome] = []
        for chunk in chunks(list(updates), PAGE):
            outcomes.extend(self._write_chunk(object_type, chunk))
        return WriteResult(tuple(outcomes), self.transport.requests - before)

    def _write_chunk(self, object_type: str, chunk: list[RecordUpdate]) -> list[RecordOutcome]:
        inputs = [{"id": u.id, "properties": self._properties(u)} for u in chunk]
        try:
            answer = self.transport.call(
                "crm.objects.batch_api.update", object_type, {"inputs": inputs}
            )
        except Rejected as rejection:
            if len(chunk) == 1:
                return [RecordOutcome(chunk[0].id, False, rejection.category, str(rejection))]
            # a whole-batch refusal names one bad record at most: find each record's fate
            return [o for u in chunk for o in self._write_chunk(object_type, [u])]
        failed: dict[str, tuple[str, str]] = {}
        for error in answer.body.get("errors", []) or []:
            for record_id in (error.get("context") or {}).get("ids", []) or []:
                failed[str(record_id)] = (error.get("category", "ERROR"), error.get("message", ""))
        return [
            RecordOutcome(u.id, False, *failed[u.id])
            if u.id in failed
            else RecordOutcome(u.id, True)
            for u in chunk
        ]

    def _properties(self, update: RecordUpdate) -> dict[str, str]:
        properties = {name: as_text(value) for name, value in update.fields.items()}
        if update.tags_add or update.tags_remove:
            current = update.current_tags or frozenset()
            tags = (current - update.tags_remove) | update.tags_add
            properties[self.tag_field] = ";".join(sorted(tags))
        return properties

    def _ensure_tag_options(self, object_type: str, updates: Sequence[RecordUpdate]) -> None:
        """A multi-checkbox only accepts its options: add crmsync's new tags to them first."""
        wanted = set().union(*(u.tags_add for u in updates)) if updates else set()
        if wanted:
            self._add_options(object_type, self.tag_field, wanted)

    def _add_options(self, object_type: str, name: str, wanted: Iterable[str]) -> bool:
        """Add the ``wanted`` options a picklist property lacks (HubSpot takes the whole
        option list); True if it lacked some."""
        schema = self._schemas.get(object_type) or self.describe(object_type)
        described = schema.get(name)
        options = list(described.options or ()) if described else []
        missing = sorted(set(wanted) - set(options))
        if not missing:
            return False
        body = {
            "options": [
                {"label": v, "value": v, "displayOrder": i, "hidden": False}
                for i, v in enumerate([*options, *missing])
            ]
        }
        self.transport.call("crm.properties.core_api.update", object_type, name, body)
        self.describe(object_type)
        return True

    # --- create ---------------------------------------------------------------------------
    def create(self, object_type: str, records: Sequence[NewRecord]) -> WriteResult:
        """Records with their associations, 100 a ``batch/create``; see
        :mod:`connectors.hubspot.create`. A create whose answer is lost is not sent again: it is
        reported ``OUTCOME_UNKNOWN`` (look the records up by a key before creating them again),
        so no record is created twice."""
        return self._creator.create(object_type, records)

    def associate(
        self, object_type: str, links: Mapping[str, Mapping[str, tuple[str, ...]]]
    ) -> WriteResult:
        """Default associations through v4 ``batch/associate/default`` (idempotent)."""
        return self._creator.associate(object_type, links)

    # --- tasks ----------------------------------------------------------------------------
    def existing_tasks(self, keys: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in chunks(list(dict.fromkeys(keys)), PAGE):
            filters = [{"propertyName": TASK_KEY, "operator": "IN", "values": chunk}]
            body = {
                "filterGroups": [{"filters": filters}],
                "properties": [TASK_KEY],
                "limit": SEARCH_PAGE,
            }
            answer = self.transport.call(
                "crm.objects.search_api.do_search", "tasks", body, search=True
            )
            for raw in answer.body.get("results", []):
                found[raw["properties"][TASK_KEY]] = str(raw["id"])
        return found

    def create_tasks(self, tasks: Sequence[TaskRequest]) -> WriteResult:
        """Tasks whose key has none yet, 100 a request, each created at most once (see
        :mod:`connectors.tasks`)."""
        return create_tasks_once(
            tasks,
            self.transport,
            look_up=self.existing_tasks,
            send=self._send_tasks,
            batch=PAGE,
            what="HubSpot create tasks",
        )

    def _send_tasks(self, todo: list[TaskRequest]) -> dict[str, RecordOutcome]:
        body = {"inputs": [_task_input(t) for t in todo]}
        try:
            self.transport.call("crm.objects.batch_api.create", "tasks", body, retry=False)
        except Rejected as rejection:
            code = rejection.category
            return {t.key: RecordOutcome(t.key, False, code, str(rejection)) for t in todo}
        return {t.key: RecordOutcome(t.key, True) for t in todo}

    # --- provision ------------------------------------------------------------------------
    def create_fields(self, object_type: str, fields: Sequence[FieldSchema]) -> list[str]:
        existing = self.describe(object_type).fields
        created = []
        for wanted in fields:
            if wanted.name in existing:
                if wanted.options and existing[wanted.name].options is not None:
                    self._add_options(object_type, wanted.name, wanted.options)
                continue
            kind, field_type = _HUBSPOT_TYPES[wanted.type]
            body: dict[str, Any] = {
                "name": wanted.name,
                "label": wanted.label or wanted.name,
                "type": kind,
                "fieldType": field_type,
                "groupName": PROPERTY_GROUPS.get(object_type, "crmsync"),
            }
            if wanted.options is not None:
                body["options"] = [
                    {"label": o, "value": o, "displayOrder": i}
                    for i, o in enumerate(wanted.options)
                ]
            self.transport.call("crm.properties.core_api.create", object_type, body)
            created.append(wanted.name)
        if created:
            self.describe(object_type)
        return created


_HUBSPOT_TYPES: dict[str, tuple[str, str]] = {
    "string": ("string", "text"),
    "text": ("string", "textarea"),
    "email": ("string", "text"),
    "phone": ("phone_number", "phonenumber"),
    "url": ("string", "text"),
    "int": ("number", "number"),
    "float": ("number", "number"),
    "decimal": ("number", "number"),
    "bool": ("bool", "booleancheckbox"),
    "date": ("date", "date"),
    "datetime": ("datetime", "date"),
    "enum": ("enumeration", "select"),
    "multienum": ("enumeration", "checkbox"),
    "tags": ("enumeration", "checkbox"),
    "ref": ("string", "text"),
    "id": ("string", "text"),
    "object": ("string", "textarea"),
}


def _field_schema(raw: Mapping[str, Any]) -> FieldSchema:
    kind, field_type = raw.get("type", "string"), raw.get("fieldType", "text")
    native: NativeType
    if kind == "enumeration":
        native = (
            "bool"
            if field_type == "booleancheckbox"
            else ("multienum" if field_type == "checkbox" else "enum")
        )
    else:
        native = {
            "string": "text" if field_type in ("textarea", "html") else "string",
            "number": "float",
            "bool": "bool",
            "date": "date",
            "datetime": "datetime",
            "phone_number": "phone",
        }.get(kind, "string")
    metadata = raw.get("modificationMetadata") or {}
    options = tuple(o["value"] for o in raw.get("options") or []) if kind == "enumeration" else None
    return FieldSchema(
        name=raw["name"],
        type=native,
        writable=not metadata.get("readOnlyValue", False),
        label=raw.get("label", ""),
        options=options,
        custom=not raw.get("hubspotDefined", False),
    )


def _task_input(task: TaskRequest) -> dict[str, Any]:
    properties = {
        "hs_task_subject": task.subject,
        "hs_task_body": task.body,
        "hs_timestamp": _iso(task.due),
        "hs_task_priority": task.priority,
        "hs_task_status": "NOT_STARTED",
        TASK_KEY: task.key,
    }
    if task.owner_id:
        properties["hubspot_owner_id"] = task.owner_id
    association = {
        "to": {"id": task.related_id},
        "types": [
            {
                "associationCategory": "HUBSPOT_DEFINED",
                "associationTypeId": TASK_ASSOCIATION.get(task.related_object, 204),
            }
        ],
    }
    return {"properties": properties, "associations": [association]}


def _is_primary(association_type: Mapping[str, Any]) -> bool:
    return association_type.get("typeId") in (1, 5) or association_type.get("label") == "Primary"


def _replace_associations(
    record: SourceRecord, links: Mapping[str, tuple[str, ...]]
) -> SourceRecord:
    return SourceRecord(
        record.object_type,
        record.id,
        record.fields,
        record.updated_at,
        record.deleted,
        {**record.associations, **links},
    )


def _with(fields: Sequence[str], extra: str) -> list[str]:
    return list(dict.fromkeys([*fields, extra]))


def _modified_from(prop: str, moment_ms: int) -> dict[str, str]:
    return {"propertyName": prop, "operator": "GTE", "value": str(moment_ms)}


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _parse_moment(text: str) -> datetime:
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _iso(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )
