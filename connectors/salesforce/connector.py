"""The Salesforce adapter: SOQL keyset reads through queryMore, sObject collections for
writes, tags in a long text field, Tasks, and custom fields through the Tooling API.

Reading is one ``queryAll`` per read, 2,000 records a batch, ordered by a keyset — everything
by ``Id``, changes by ``(SystemModstamp, Id)`` from the cursor — so a cursor Salesforce drops
(``INVALID_QUERY_LOCATOR``) is resumed after the last record read, without gaps or repeats,
and any number of records on one timestamp is walked by id. ``queryAll`` also returns the
records in the recycle bin (``IsDeleted``): they are reported as deleted. A read of changes
then asks getDeleted (``sobjects/{Obj}/deleted``) for records purged from the bin too; it
covers 15 days only, so an older cursor relies on the recycle bin alone (and says so).

Associations are lookups (``AccountId``) or junction rows: an opportunity's contacts are its
OpportunityContactRole rows, primary first, read for a whole page at once — by the page's id
range in a full read, by ``IN`` lists of the page's ids otherwise.

Writes go 200 records a ``PATCH composite/sobjects`` (``allOrNone: false``), each record's
outcome from its SaveResult; creates 200 a ``POST``, then their junction rows (see
:mod:`connectors.salesforce.create`). Tags live in a long text field (``Tags__c``, ``;``-joined):
only tags in crmsync's namespace are added or removed, from the record's tags as last read.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

from connectors.common import check_namespace, chunks
from connectors.creating import link_home, linked_types
from connectors.salesforce import soql
from connectors.salesforce.create import (
    JUNCTIONS,
    WRITE_BATCH,
    Junction,
    Writer,
    json_value,
)
from connectors.salesforce.fields import custom_field_metadata, field_schema, references
from connectors.salesforce.soql import MODSTAMP, ById, ByModstamp
from connectors.salesforce.transport import Rejected, SalesforceTransport
from connectors.tasks import create_tasks_once
from connectors.types import (
    Cursor,
    FieldSchema,
    NewRecord,
    ObjectSchema,
    RecordOutcome,
    RecordUpdate,
    SourceRecord,
    StopRunError,
    TaskRequest,
    WriteResult,
)

log = logging.getLogger(__name__)
UTC = timezone.utc

IDS_PER_QUERY = 200  # ids per ``Id IN (...)`` of read_by_ids
TASK_KEY = "Crmsync_Task_Key__c"
PRIORITIES = {"HIGH": "High", "MEDIUM": "Normal", "LOW": "Low"}
WHO_OBJECTS = ("Contact", "Lead")  # a task's WhoId; anything else is its WhatId
#: how far back getDeleted reaches
DELETED_WINDOW = timedelta(days=15)
#: query cursors lost in a row without a record read in between before the read gives up
MAX_RESTARTS = 3
_API_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_RECORD_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")


class SalesforceConnector:
    """Reads and writes one Salesforce org."""

    name: ClassVar[str] = "salesforce"
    #: custom fields the connector itself needs (``crmsync provision`` creates them)
    support_fields: ClassVar[Mapping[str, tuple[FieldSchema, ...]]] = {
        "Task": (
            FieldSchema(
                TASK_KEY, "string", True, label="crmsync task key", max_length=255, custom=True
            ),
        ),
    }

    def __init__(self, transport: SalesforceTransport, *, tag_namespace: str, tag_field: str):
        self.transport = transport
        self.tag_namespace = tag_namespace
        self.tag_field = tag_field
        #: "now", for getDeleted's window
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._schemas: dict[str, ObjectSchema] = {}
        #: object type -> lookup field -> the object types it points at
        self._references: dict[str, dict[str, tuple[str, ...]]] = {}
        self._writer = Writer(transport, self._junction, self._junction_rows)

    # --- describe -------------------------------------------------------------------------
    def describe(self, object_type: str) -> ObjectSchema:
        path = f"sobjects/{_api_name(object_type)}/describe"
        try:
            body = self.transport.rest("GET", path) or {}
        except Rejected as rejection:
            raise StopRunError(f"cannot describe Salesforce {object_type}: {rejection}") from None
        raw = body.get("fields") or []
        fields = {f["name"]: field_schema(f, self.tag_field) for f in raw}
        schema = ObjectSchema(self.name, object_type, fields)
        self._schemas[object_type] = schema
        self._references[object_type] = {f["name"]: refs for f in raw if (refs := references(f))}
        return schema

    def _schema(self, object_type: str) -> ObjectSchema:
        return self._schemas.get(object_type) or self.describe(object_type)

    # --- read -----------------------------------------------------------------------------
    def read(
        self,
        object_type: str,
        *,
        fields: Sequence[str],
        since: Cursor | None = None,
        associations: Sequence[str] = (),
    ) -> Iterator[SourceRecord]:
        columns = self._columns(object_type, fields, associations)
        start = None if since is None else _utc(since.updated_at)
        keyset: ById | ByModstamp = ById() if start is None else ByModstamp(start)
        deleted: set[str] = set()
        for rows in self._pages(object_type, columns, keyset):
            records = [self._record(object_type, row) for row in rows]
            if start is not None:  # SOQL compares to the millisecond at most
                records = [r for r in records if r.updated_at >= start]
            span = (rows[0], rows[-1]) if isinstance(keyset, ById) else None
            yield from self._with_associations(object_type, records, associations, span)
            deleted.update(r.id for r in records if r.deleted)
        if start is not None:
            yield from self._purged(object_type, start, deleted)

    def read_by_ids(
        self,
        object_type: str,
        ids: Sequence[str],
        fields: Sequence[str],
        associations: Sequence[str] = (),
    ) -> Iterator[SourceRecord]:
        """The live records among ``ids`` (absent ones were deleted), 200 a query."""
        columns = self._columns(object_type, fields, associations)
        wanted = [i for i in dict.fromkeys(ids) if _RECORD_ID.fullmatch(i)]
        for chunk in chunks(wanted, IDS_PER_QUERY):
            text = soql.select(object_type, columns, soql.in_list("Id", chunk))
            records = [self._record(object_type, row) for row in self._rows(text, object_type)]
            yield from self._with_associations(object_type, records, associations, None)

    def _columns(
        self, object_type: str, fields: Sequence[str], associations: Sequence[str]
    ) -> list[str]:
        """Id, SystemModstamp, IsDeleted and the fields asked for, spelled as describe spells
        them; fields the object lacks — or that field-level security hides — are left out,
        with a warning (as the other CRMs ignore unknown fields)."""
        schema = self._schema(object_type)
        spelling = {name.lower(): name for name in schema.fields}
        links = [f for target in associations for f in self._link_fields(object_type, target)]
        columns = ["Id", MODSTAMP] + (["IsDeleted"] if "isdeleted" in spelling else [])
        unknown = []
        for name in [*fields, *links]:
            column = name if "." in name else spelling.get(name.lower())
            if column is None:
                unknown.append(name)
            elif column not in columns:
                columns.append(column)
        if unknown:
            log.warning(
                "Salesforce %s has no fields %s, or field-level security hides them from the "
                "integration user: not read",
                object_type,
                ", ".join(unknown),
            )
        return columns

    def _pages(
        self, object_type: str, columns: list[str], keyset: ById | ByModstamp
    ) -> Iterator[list[dict[str, Any]]]:
        """Batches of one queryAll, resumed after the last row when its cursor is lost."""
        restarts = 0
        while True:
            text = soql.select(object_type, columns, keyset.where(), keyset.order)
            answer = self._query(text, object_type, deleted=True)
            while True:
                rows = answer.get("records") or []
                if rows:
                    restarts = 0
                    keyset.advance(rows[-1])
                    yield rows
                next_url = answer.get("nextRecordsUrl")
                if answer.get("done", True) or not next_url:
                    return
                try:
                    answer = self.transport.query_more(next_url, batch=soql.BATCH)
                except Rejected as rejection:
                    if rejection.code != "INVALID_QUERY_LOCATOR" or restarts >= MAX_RESTARTS:
                        raise StopRunError(
                            f"Salesforce refused the next batch of {object_type}: {rejection}"
                        ) from None
                    restarts += 1
                    log.warning(
                        "Salesforce dropped the query cursor of %s (%s): resuming after the "
                        "last record read",
                        object_type,
                        rejection.code,
                    )
                    break

    def _query(self, text: str, object_type: str, *, deleted: bool = False) -> dict[str, Any]:
        try:
            return self.transport.query(text, deleted=deleted, batch=soql.BATCH) or {}
        except Rejected as rejection:
            raise StopRunError(
                f"Salesforce refused a query on {object_type}: {rejection}"
            ) from None

    def _rows(
        self, text: str, object_type: str, *, deleted: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Every row of a query, through queryMore."""
        answer = self._query(text, object_type, deleted=deleted)
        while True:
            yield from answer.get("records") or []
            if answer.get("done", True) or not answer.get("nextRecordsUrl"):
                return
            try:
                answer = self.transport.query_more(answer["nextRecordsUrl"], batch=soql.BATCH)
            except Rejected as rejection:
                raise StopRunError(
                    f"Salesforce refused a query on {object_type}: {rejection}"
                ) from None

    def _purged(
        self, object_type: str, since: datetime, reported: set[str]
    ) -> Iterator[SourceRecord]:
        """Records deleted at or after ``since`` that queryAll no longer shows (purged from the
        recycle bin), from getDeleted — when the cursor is inside its 15-day window."""
        now = self.clock()
        if since < now - DELETED_WINDOW + timedelta(minutes=5):
            self._beyond_window(object_type, since)
            return
        params = {"start": _replication_time(since), "end": _replication_time(max(now, since))}
        if params["end"] == params["start"]:
            params["end"] = _replication_time(since + timedelta(minutes=1))
        try:
            body = self.transport.rest(
                "GET", f"sobjects/{_api_name(object_type)}/deleted/", params=params
            )
        except Rejected as rejection:
            if rejection.code != "INVALID_REPLICATION_DATE":
                raise StopRunError(
                    f"Salesforce refused getDeleted on {object_type}: {rejection}"
                ) from None
            self._beyond_window(object_type, since)
            return
        for item in (body or {}).get("deletedRecords") or []:
            record_id, moment = str(item["id"]), soql.parse_time(item["deletedDate"])
            if record_id not in reported and moment >= since:
                reported.add(record_id)
                yield SourceRecord(object_type, record_id, {}, moment, deleted=True)

    @staticmethod
    def _beyond_window(object_type: str, since: datetime) -> None:
        log.warning(
            "Salesforce lists deleted %s records for 15 days only and the cursor (%s) is older: "
            "deletions come from the recycle bin (queryAll) alone, so records already purged "
            "from it are not reported; a full read reconciles them",
            object_type,
            since.isoformat(),
        )

    def _record(self, object_type: str, row: Mapping[str, Any]) -> SourceRecord:
        fields = {k: v for k, v in row.items() if k != "attributes"}
        return SourceRecord(
            object_type,
            str(fields["Id"]),
            fields,
            soql.parse_time(fields[MODSTAMP]),
            deleted=bool(fields.get("IsDeleted")),
        )

    # --- associations ---------------------------------------------------------------------
    def _link_fields(self, object_type: str, target: str) -> list[str]:
        self._schema(object_type)
        found = [f for f, refs in self._references[object_type].items() if target in refs]
        if not found and (object_type, target) not in JUNCTIONS:
            raise ValueError(f"Salesforce {object_type} has no lookup or junction to {target}")
        return found

    def _with_associations(
        self,
        object_type: str,
        records: list[SourceRecord],
        associations: Sequence[str],
        span: tuple[Mapping[str, Any], Mapping[str, Any]] | None,
    ) -> list[SourceRecord]:
        """The records with the ids of their associated records: lookup values first, then
        junction rows (primary first). ``span`` is the first and last row of a page read in
        id order: its junction rows are read by that id range, else by the records' ids."""
        if not associations or not records:
            return records
        links: dict[str, dict[str, tuple[str, ...]]] = {r.id: {} for r in records}
        for target in associations:
            lookups = self._link_fields(object_type, target)
            junction = JUNCTIONS.get((object_type, target))
            joined = self._joined(junction, records, span) if junction else {}
            for record in records:
                ids = [str(v) for f in lookups if (v := record.fields.get(f))]
                ids.extend(joined.get(record.id, ()))
                links[record.id][target] = tuple(dict.fromkeys(ids))
        return [replace(r, associations={**r.associations, **links[r.id]}) for r in records]

    def _joined(
        self,
        junction: Junction,
        records: list[SourceRecord],
        span: tuple[Mapping[str, Any], Mapping[str, Any]] | None,
    ) -> dict[str, list[str]]:
        """Record id -> associated ids from the junction rows of ``records``."""
        live = [r.id for r in records if not r.deleted]
        rows = self._junction_rows(junction, live, span)
        primary = junction.primary or ""
        rows.sort(key=lambda row: (not row.get(primary), str(row["Id"])))
        joined: dict[str, list[str]] = {}
        for row in rows:
            if row.get(junction.other):
                joined.setdefault(str(row[junction.link]), []).append(str(row[junction.other]))
        return joined

    def _junction_rows(
        self,
        junction: Junction,
        ids: list[str],
        span: tuple[Mapping[str, Any], Mapping[str, Any]] | None = None,
    ) -> list[dict[str, Any]]:
        """The junction rows of the records ``ids`` — or of the page read in id order that
        ``span`` (its first and last row) bounds."""
        columns = ["Id", junction.link, junction.other]
        if junction.primary:
            columns.append(junction.primary)
        if span is not None:
            wheres = [ById.window(junction.link, *span)]
        else:
            base = soql.select(junction.sobject, columns, soql.in_list(junction.link, ["x"]))
            wheres = [soql.in_list(junction.link, c) for c in soql.in_chunks(ids, base)]
        rows: list[dict[str, Any]] = []
        for where in wheres:
            rows.extend(self._rows(soql.select(junction.sobject, columns, where), junction.sobject))
        return rows

    def _junction(self, object_type: str, target: str) -> Junction:
        """The junction object holding links to ``target``; ValueError when a lookup holds
        them (they are fields to write) or nothing does."""
        return link_home("Salesforce", object_type, target, JUNCTIONS, self._link_fields)

    # --- write ----------------------------------------------------------------------------
    def write(self, object_type: str, updates: Sequence[RecordUpdate]) -> WriteResult:
        """Field and tag changes, 200 records a request, with each record's outcome."""
        before = self.transport.requests
        for update in updates:
            self._check_tags(update)
        current = self._current_tags(object_type, updates)
        pending = [
            (position, update.id, body)
            for position, update in enumerate(updates)
            if len(body := self._body(object_type, update, current)) > 2  # attributes and id
        ]
        outcomes: dict[int, RecordOutcome] = {}
        for chunk in chunks(pending, WRITE_BATCH):
            outcomes.update(self._writer.save("PATCH", object_type, chunk))
        return WriteResult(
            tuple(outcomes.get(i) or RecordOutcome(u.id, True) for i, u in enumerate(updates)),
            self.transport.requests - before,
        )

    def _body(
        self, object_type: str, update: RecordUpdate, current: Mapping[str, frozenset[str]]
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"attributes": {"type": object_type}, "id": update.id}
        body.update({name: json_value(value) for name, value in update.fields.items()})
        if update.tags_add or update.tags_remove:
            now = update.current_tags
            if now is None:
                now = current.get(update.id, frozenset())
            tags = (now - update.tags_remove) | update.tags_add
            body[self.tag_field] = ";".join(sorted(tags)) or None
        return body

    def _check_tags(self, update: RecordUpdate) -> None:
        check_namespace(update, self.tag_namespace)
        if any(";" in t for t in update.tags_add | update.tags_remove):
            raise ValueError(f"tags are kept ';'-separated in {self.tag_field}: no ';' in a tag")

    def _current_tags(
        self, object_type: str, updates: Sequence[RecordUpdate]
    ) -> dict[str, frozenset[str]]:
        """The tags of records whose update changes tags without saying the current ones."""
        ids = [u.id for u in updates if (u.tags_add or u.tags_remove) and u.current_tags is None]
        if not ids:
            return {}
        read = self.read_by_ids(object_type, ids, [self.tag_field])
        return {r.id: split_tags(r.fields.get(self.tag_field)) for r in read}

    # --- create ---------------------------------------------------------------------------
    def create(self, object_type: str, records: Sequence[NewRecord]) -> WriteResult:
        """Records, 200 a ``POST composite/sobjects``, then the junction rows of their
        associations (``{"Contact": ids}`` on an Opportunity: OpportunityContactRole rows, the
        first contact primary); lookups (``AccountId``) are fields. A create whose answer is
        lost is not sent again: it is reported ``OUTCOME_UNKNOWN`` (look the records up by a
        key before creating them again), so no record is created twice."""
        return self._writer.create(object_type, records)

    def associate(
        self, object_type: str, links: Mapping[str, Mapping[str, tuple[str, ...]]]
    ) -> WriteResult:
        """Junction rows for the pairs that have none yet (read first), each created once; a
        record id that is not one is ``MALFORMED_ID``."""
        for target in linked_types(links.values()):
            self._junction(object_type, target)  # ValueError before anything is sent
        valid = {r: targets for r, targets in links.items() if _RECORD_ID.fullmatch(r)}
        result = self._writer.associate(object_type, valid)
        done = {o.id: o for o in result.outcomes}
        malformed = "not a Salesforce record id"
        outcomes = (
            done.get(r) or RecordOutcome(r, False, "MALFORMED_ID", malformed) for r in links
        )
        return WriteResult(tuple(outcomes), result.requests)

    # --- tasks ----------------------------------------------------------------------------
    def existing_tasks(self, keys: Sequence[str]) -> dict[str, str]:
        """Key -> task id, the recycle bin included (a task someone deleted stays done)."""
        found: dict[str, str] = {}
        columns = ["Id", TASK_KEY]
        base = soql.select("Task", columns, soql.in_list(TASK_KEY, ["x"]))
        for chunk in soql.in_chunks(list(dict.fromkeys(keys)), base, most=200):
            text = soql.select("Task", columns, soql.in_list(TASK_KEY, chunk))
            try:
                rows = list(self._rows(text, "Task", deleted=True))
            except StopRunError as error:
                raise StopRunError(
                    f"cannot look up tasks by Task.{TASK_KEY} (run `crmsync provision` and grant "
                    f"field-level security on it): {error}"
                ) from None
            for row in rows:
                found.setdefault(str(row[TASK_KEY]), str(row["Id"]))
        return found

    def create_tasks(self, tasks: Sequence[TaskRequest]) -> WriteResult:
        """Tasks whose key has none yet, 200 a request, each created at most once (see
        :mod:`connectors.tasks`)."""
        return create_tasks_once(
            tasks,
            self.transport,
            look_up=self.existing_tasks,
            send=self._send_tasks,
            batch=WRITE_BATCH,
            what="Salesforce create Task",
        )

    def _send_tasks(self, todo: list[TaskRequest]) -> dict[str, RecordOutcome]:
        return self._writer.insert_keyed([(t.key, _task_record(t)) for t in todo])

    # --- provision ------------------------------------------------------------------------
    def create_fields(self, object_type: str, fields: Sequence[FieldSchema]) -> list[str]:
        """Create the custom fields the object lacks through the Tooling API (``CustomField``,
        one request each) and return the names created.

        Salesforce gives a new field no field-level security: until a profile or permission
        set of the integration user grants Read and Edit on it, the field is invisible to
        describe and SOQL and refused by writes. Each created field that is not visible yet is
        logged at warning level — grant the access, then run again. A field that exists but
        is hidden is not created again (nor returned), only warned about."""
        metadata = {f.name: custom_field_metadata(f) for f in fields}  # names checked first
        existing = self.describe(object_type).fields
        wanted = [f for f in fields if f.name not in existing]
        created = [f.name for f in wanted if self._create_field(object_type, f, metadata[f.name])]
        if not wanted:
            return []
        visible = self.describe(object_type).fields
        hidden = [f.name for f in wanted if f.name not in visible]
        if hidden:
            log.warning(
                "Salesforce %s fields %s exist but field-level security hides them from the "
                "integration user: grant Read and Edit on them to its profile or a permission "
                "set (Setup > Object Manager > %s > Fields & Relationships > Set Field-Level "
                "Security), or crmsync cannot read or write them",
                object_type,
                ", ".join(hidden),
                object_type,
            )
        return created

    def _create_field(self, object_type: str, field: FieldSchema, metadata: dict[str, Any]) -> bool:
        """Whether the field was created (False: it already existed)."""
        owners = [object_type] + (["Activity"] if object_type in ("Task", "Event") else [])
        for owner in owners:  # Task and Event fields may have to be made on Activity
            body = {"FullName": f"{owner}.{field.name}", "Metadata": metadata}
            try:
                self.transport.rest("POST", "tooling/sobjects/CustomField", body=body)
                return True
            except Rejected as rejection:
                if rejection.code in ("DUPLICATE_DEVELOPER_NAME", "DUPLICATE_VALUE"):
                    return False
                if rejection.code == "INVALID_CROSS_REFERENCE_KEY" and owner != owners[-1]:
                    continue
                raise StopRunError(
                    f"Salesforce refused to create {object_type}.{field.name}: {rejection}"
                ) from None
        return False


# --- values ---------------------------------------------------------------------------------
def split_tags(value: Any) -> frozenset[str]:
    """The tags of a ``;``-joined tag field."""
    return frozenset(t.strip() for t in str(value or "").split(";") if t.strip())


def _task_record(task: TaskRequest) -> dict[str, Any]:
    record: dict[str, Any] = {
        "attributes": {"type": "Task"},
        "Subject": task.subject[:255],
        "ActivityDate": task.due.date().isoformat(),
        "Priority": PRIORITIES.get(task.priority, "High"),
        "Status": "Not Started",
        TASK_KEY: task.key,
    }
    if task.body:
        record["Description"] = task.body
    if task.owner_id:
        record["OwnerId"] = task.owner_id
    record["WhoId" if task.related_object in WHO_OBJECTS else "WhatId"] = task.related_id
    return record


def _utc(moment: datetime) -> datetime:
    """Aware and in UTC (naive datetimes are taken as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _replication_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _api_name(object_type: str) -> str:
    if not _API_NAME.fullmatch(object_type):
        raise ValueError(f"{object_type!r} is not a Salesforce object name")
    return object_type
