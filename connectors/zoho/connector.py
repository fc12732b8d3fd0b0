"""The Zoho CRM adapter: COQL keyset reads, Get Records by ids, batch updates, native tags,
Tasks and custom fields.

Reading walks COQL by *keyset*, 2,000 rows a query: everything by ``id``, changes by
``(Modified_Time, id)`` from the cursor (see :mod:`connectors.zoho.coql`). Zoho returns at most
50 columns a call, so a wider read is split into column groups: the first group pages, each
other group re-reads exactly that page's rows (the same keyset window) and is merged by id — one
more query per 2,000 records per extra group. Lookups are fields (``Account_Name: {id, name}``,
``Owner: {id}``); COQL returns a lookup's id only, so the name of an account or deal is read as
``Account_Name.Account_Name`` and folded back in. A deal's contacts are its ``Contact_Name``
lookup (primary) plus its Contact_Roles related list, one request per deal. Deleted records come
from ``/{Module}/deleted`` (with If-Modified-Since for changes) and are reported as deleted.

Writes go 100 records per ``PUT``, with each record's outcome from the multi-status answer; tags
through ``actions/add_tags`` / ``remove_tags``, grouped by tag, 500 ids a call, crmsync's
namespace only. Creates go 100 records per ``POST``, then their Contact_Roles (see
:mod:`connectors.zoho.create`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any, ClassVar

from connectors.common import check_namespace, chunks
from connectors.creating import link_home
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
from connectors.zoho import coql
from connectors.zoho.coql import MAX_COLUMNS, MAX_IN, MODIFIED, ById, ByModified
from connectors.zoho.create import (
    RELATED_LISTS,
    WRITE_BATCH,
    Writer,
    failure,
    json_value,
)
from connectors.zoho.fields import field_schema, field_spec, lookup_module
from connectors.zoho.transport import Rejected, ZohoTransport

log = logging.getLogger(__name__)

IDS_PER_GET = 100  # ids per Get Records call
TAG_IDS = 500  # record ids per add_tags / remove_tags call
TAG_NAME_MAX = 25
PER_PAGE = 200  # Get Records, related lists and deleted records
TASK_KEY = "Crmsync_Task_Key"
#: the field naming a record of a module, read through lookups as ``Lookup.Name``
NAME_FIELDS = {"Accounts": "Account_Name", "Deals": "Deal_Name"}
PRIORITIES = {"HIGH": "High", "MEDIUM": "Normal", "LOW": "Low"}
#: task lookups: Who_Id for people, What_Id (with $se_module) for the rest
WHO_MODULES = ("Contacts", "Leads")


class ZohoConnector:
    """Reads and writes one Zoho CRM org, one request at a time."""

    name: ClassVar[str] = "zoho"
    #: custom fields the connector itself needs (``crmsync provision`` creates them)
    support_fields: ClassVar[Mapping[str, tuple[FieldSchema, ...]]] = {
        "Tasks": (
            FieldSchema(
                TASK_KEY, "string", True, label="Crmsync Task Key", max_length=255, custom=True
            ),
        ),
    }

    def __init__(self, transport: ZohoTransport, *, tag_namespace: str):
        self.transport = transport
        self.tag_namespace = tag_namespace
        self._schemas: dict[str, ObjectSchema] = {}
        #: module -> lookup field -> the module it points at
        self._lookups: dict[str, dict[str, str]] = {}
        self._writer = Writer(transport, self._related_list, self._related_ids)

    # --- describe -------------------------------------------------------------------------
    def describe(self, object_type: str) -> ObjectSchema:
        answer = self.transport.call("GET", "settings/fields", params={"module": object_type})
        raw = (answer.body or {}).get("fields", [])
        schema = ObjectSchema(self.name, object_type, {f["api_name"]: field_schema(f) for f in raw})
        self._schemas[object_type] = schema
        self._lookups[object_type] = {
            f["api_name"]: target for f in raw if (target := lookup_module(f))
        }
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
        groups = self._column_groups(object_type, fields, associations, lookup_names=True)
        keyset: ById | ByModified = ById() if since is None else ByModified(since.updated_at)
        for page in self._pages(object_type, groups, keyset):
            yield from self._with_associations(object_type, page, associations)
        yield from self._deleted(object_type, since)

    def read_by_ids(
        self,
        object_type: str,
        ids: Sequence[str],
        fields: Sequence[str],
        associations: Sequence[str] = (),
    ) -> Iterator[SourceRecord]:
        """Get Records by ``ids`` (100 a call, lookups with their names); absent ids are
        records deleted since."""
        groups = self._column_groups(object_type, fields, associations, lookup_names=False)
        for chunk in chunks(list(dict.fromkeys(ids)), IDS_PER_GET):
            merged: dict[str, dict[str, Any]] | None = None
            for group in groups:
                params = {"ids": ",".join(chunk), "fields": ",".join(group), "per_page": PER_PAGE}
                answer = self.transport.call("GET", object_type, params=params)
                rows = {str(r["id"]): r for r in (answer.body or {}).get("data", [])}
                merged = rows if merged is None else _merge(merged, rows)
            records = [self._record(object_type, row) for row in (merged or {}).values()]
            yield from self._with_associations(object_type, records, associations)

    def _column_groups(
        self,
        object_type: str,
        fields: Sequence[str],
        associations: Sequence[str],
        *,
        lookup_names: bool,
    ) -> list[list[str]]:
        """The columns to read in groups of at most 50, Modified_Time in the first. Fields the
        module lacks are left out (as Get Records does), with a warning."""
        schema = self._schema(object_type)
        lookups = self._lookups.get(object_type, {})
        links = [f for target in associations for f in self._link_fields(object_type, target)]
        columns: list[str] = [MODIFIED]
        unknown: list[str] = []
        for name in [*fields, *links]:
            if name == "id" or name in columns:
                continue
            if name not in schema.fields and name != "Tag":
                unknown.append(name)
                continue
            columns.append(name)
            target = lookups.get(name)
            if lookup_names and target in NAME_FIELDS:
                columns.append(f"{name}.{NAME_FIELDS[target]}")
        if unknown:
            log.warning("%s has no fields %s: not read", object_type, ", ".join(unknown))
        return [columns[i : i + MAX_COLUMNS] for i in range(0, len(columns), MAX_COLUMNS)]

    def _pages(
        self, object_type: str, groups: list[list[str]], keyset: ById | ByModified
    ) -> Iterator[list[SourceRecord]]:
        while True:
            rows, more = self._query(object_type, groups[0], keyset.where(), keyset.order)
            if not rows:
                return
            merged = {str(r["id"]): r for r in rows}
            window = keyset.window(rows[0], rows[-1])
            for group in groups[1:]:
                extra, _ = self._query(object_type, group, window, keyset.order)
                merged = _merge(merged, {str(r["id"]): r for r in extra})
            # a row missing from a later group went between the two queries: deleted ones are
            # listed below; in a read of changes, edited ones come again further on
            yield [self._record(object_type, row) for row in merged.values()]
            keyset.advance(rows[-1])
            if not more:
                return

    def _query(
        self, module: str, columns: Sequence[str], where: str, order: str
    ) -> tuple[list[dict[str, Any]], bool]:
        text = coql.select(module, columns, where, order)
        try:
            answer = self.transport.call("POST", "coql", body={"select_query": text})
        except Rejected as rejection:
            raise StopRunError(f"Zoho refused the query on {module}: {rejection}") from None
        if answer.body is None:  # 204: nothing (more)
            return [], False
        info = answer.body.get("info") or {}
        return list(answer.body.get("data") or []), bool(info.get("more_records"))

    def _deleted(self, object_type: str, since: Cursor | None) -> Iterator[SourceRecord]:
        """Records in the recycle bin or purged (all of them, or those deleted at or after
        ``since``), newest first."""
        floor = None if since is None else coql.ceil_second(since.updated_at)
        # If-Modified-Since means strictly after: ask from the second before, filter here
        headers = (
            {}
            if floor is None
            else {"If-Modified-Since": coql.zoho_time(floor - timedelta(seconds=1))}
        )
        page = 1
        while True:
            params = {"type": "all", "page": page, "per_page": PER_PAGE}
            answer = self.transport.call(
                "GET", f"{object_type}/deleted", params=params, headers=headers
            )
            if answer.body is None:  # 204 none, 304 none since
                return
            for raw in answer.body.get("data") or []:
                moment = coql.parse_time(raw["deleted_time"])
                if floor is None or moment >= floor:
                    yield SourceRecord(object_type, str(raw["id"]), {}, moment, deleted=True)
            if not (answer.body.get("info") or {}).get("more_records"):
                return
            page += 1

    def _record(self, object_type: str, raw: Mapping[str, Any]) -> SourceRecord:
        fields = dict(raw)
        record_id = str(fields.pop("id"))
        for column in [c for c in fields if "." in c]:  # Account_Name.Account_Name -> name
            value = fields.pop(column)
            base = column.split(".", 1)[0]
            if isinstance(fields.get(base), dict):
                fields[base] = {**fields[base], "name": value}
        return SourceRecord(object_type, record_id, fields, coql.parse_time(fields[MODIFIED]))

    # --- associations ---------------------------------------------------------------------
    def _link_fields(self, object_type: str, target: str) -> list[str]:
        self._schema(object_type)
        found = [f for f, m in self._lookups.get(object_type, {}).items() if m == target]
        if not found and (object_type, target) not in RELATED_LISTS:
            raise ValueError(f"Zoho {object_type} have no lookup or related list to {target}")
        return found

    def _with_associations(
        self, object_type: str, records: list[SourceRecord], associations: Sequence[str]
    ) -> list[SourceRecord]:
        if not associations or not records:
            return records
        lookups = {target: self._link_fields(object_type, target) for target in associations}
        out = []
        for record in records:
            links: dict[str, tuple[str, ...]] = {}
            for target, fields in lookups.items():
                ids = [_ref_id(record.fields.get(f)) for f in fields]
                related = RELATED_LISTS.get((object_type, target))
                if related:
                    ids.extend(self._related_ids(object_type, record.id, related))
                links[target] = tuple(dict.fromkeys(i for i in ids if i))
            out.append(replace(record, associations={**record.associations, **links}))
        return out

    def _related_ids(self, object_type: str, record_id: str, related: str) -> list[str]:
        ids: list[str] = []
        page = 1
        while True:
            params = {"fields": "Contact_Role", "per_page": PER_PAGE, "page": page}
            try:
                answer = self.transport.call(
                    "GET", f"{object_type}/{record_id}/{related}", params=params
                )
            except Rejected as rejection:
                if rejection.code == "INVALID_DATA":  # the record was deleted meanwhile
                    return ids
                raise StopRunError(f"Zoho refused {object_type} {related}: {rejection}") from None
            if answer.body is None:
                return ids
            ids.extend(str(r["id"]) for r in answer.body.get("data") or [])
            if not (answer.body.get("info") or {}).get("more_records"):
                return ids
            page += 1

    # --- write ----------------------------------------------------------------------------
    def write(self, object_type: str, updates: Sequence[RecordUpdate]) -> WriteResult:
        """Field changes 100 records per request, then tag changes per tag; a record's outcome
        is its first failure (its tags are not touched once its fields failed)."""
        before = self.transport.requests
        for update in updates:
            self._check_tags(update)
        failed: dict[str, RecordOutcome] = {}
        for chunk in chunks([u for u in updates if u.fields], WRITE_BATCH):
            failed.update(self._update(object_type, chunk))
        for adding in (True, False):
            pending = [u for u in updates if u.id not in failed]
            failed.update(self._retag(object_type, pending, adding=adding))
        outcomes = tuple(failed.get(u.id) or RecordOutcome(u.id, True) for u in updates)
        return WriteResult(outcomes, self.transport.requests - before)

    def _update(self, object_type: str, chunk: list[RecordUpdate]) -> dict[str, RecordOutcome]:
        data = [{"id": u.id, **{k: json_value(v) for k, v in u.fields.items()}} for u in chunk]
        items = self._writer.batch("PUT", object_type, {"data": data}, len(chunk))
        if isinstance(items, Rejected):
            return {u.id: RecordOutcome(u.id, False, items.code, str(items)) for u in chunk}
        failed = {}
        for update, item in zip(chunk, items, strict=True):
            if item.get("status") != "success":
                failed[update.id] = failure(update.id, item)
        return failed

    def _check_tags(self, update: RecordUpdate) -> None:
        check_namespace(update, self.tag_namespace)
        long = sorted(t for t in update.tags_add | update.tags_remove if len(t) > TAG_NAME_MAX)
        if long:
            raise ValueError(f"Zoho tag names are at most {TAG_NAME_MAX} characters: {long}")

    def _retag(
        self, object_type: str, updates: Sequence[RecordUpdate], *, adding: bool
    ) -> dict[str, RecordOutcome]:
        by_tag: dict[str, list[str]] = {}
        for update in updates:
            for tag in update.tags_add if adding else update.tags_remove:
                by_tag.setdefault(tag, []).append(update.id)
        action = "add_tags" if adding else "remove_tags"
        failed: dict[str, RecordOutcome] = {}
        for tag, ids in sorted(by_tag.items()):
            for chunk in chunks(ids, TAG_IDS):
                body: dict[str, Any] = {"tags": [{"name": tag}], "ids": chunk}
                if adding:
                    body["over_write"] = False
                items = self._writer.batch(
                    "POST", f"{object_type}/actions/{action}", body, len(chunk)
                )
                if isinstance(items, Rejected):
                    failed.update(
                        {i: RecordOutcome(i, False, items.code, str(items)) for i in chunk}
                    )
                    continue
                for record_id, item in zip(chunk, items, strict=True):
                    if item.get("status") != "success":
                        failed.setdefault(record_id, failure(record_id, item))
        return failed

    # --- create ---------------------------------------------------------------------------
    def create(self, object_type: str, records: Sequence[NewRecord]) -> WriteResult:
        """Records, 100 a ``POST``, then the Contact_Roles of their associations
        (``{"Contacts": ids}`` on a deal); lookups (``Account_Name``, ``Contact_Name``) are
        fields (``{"id": …}``). A create whose answer is lost is not sent again: it is reported
        ``OUTCOME_UNKNOWN`` (look the records up by a key before creating them again), so no
        record is created twice."""
        return self._writer.create(object_type, records)

    def associate(
        self, object_type: str, links: Mapping[str, Mapping[str, tuple[str, ...]]]
    ) -> WriteResult:
        """Contact_Roles links of deals to the contacts not linked yet (one read a deal, one
        ``PUT`` a new link); ValueError for links Zoho keeps in lookup fields."""
        return self._writer.associate(object_type, links)

    def _related_list(self, object_type: str, target: str) -> str:
        return link_home("Zoho", object_type, target, RELATED_LISTS, self._link_fields)

    # --- tasks ----------------------------------------------------------------------------
    def existing_tasks(self, keys: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in chunks(list(dict.fromkeys(keys)), MAX_IN):
            text = coql.select("Tasks", [TASK_KEY], coql.in_list(TASK_KEY, chunk), "id asc")
            try:
                answer = self.transport.call("POST", "coql", body={"select_query": text})
            except Rejected as rejection:
                raise StopRunError(
                    f"cannot look up tasks by Tasks.{TASK_KEY} (run `crmsync provision`?): "
                    f"{rejection}"
                ) from None
            wanted = set(chunk)
            for row in (answer.body or {}).get("data") or []:
                if row.get(TASK_KEY) in wanted:
                    found.setdefault(row[TASK_KEY], str(row["id"]))
        return found

    def create_tasks(self, tasks: Sequence[TaskRequest]) -> WriteResult:
        """Tasks whose key has none yet, 100 a request, each created at most once (see
        :mod:`connectors.tasks`)."""
        return create_tasks_once(
            tasks,
            self.transport,
            look_up=self.existing_tasks,
            send=self._send_tasks,
            batch=WRITE_BATCH,
            what="Zoho POST Tasks",
        )

    def _send_tasks(self, todo: list[TaskRequest]) -> dict[str, RecordOutcome]:
        data = [_task_body(t) for t in todo]
        items = self._writer.batch("POST", "Tasks", {"data": data}, len(todo), retry=False)
        if isinstance(items, Rejected):
            return {t.key: RecordOutcome(t.key, False, items.code, str(items)) for t in todo}
        return {
            t.key: RecordOutcome(t.key, True)
            if item.get("status") == "success"
            else failure(t.key, item)
            for t, item in zip(todo, items, strict=True)
        }

    # --- provision ------------------------------------------------------------------------
    def create_fields(self, object_type: str, fields: Sequence[FieldSchema]) -> list[str]:
        """Custom fields the module lacks, one request each. Zoho derives the API name from
        the label, so the label is the wanted name with spaces (``Crmsync Segment`` →
        ``Crmsync_Segment``), and the result is checked."""
        existing = self.describe(object_type).fields
        wanted = [f for f in fields if f.name not in existing]
        for field in wanted:
            body = {"fields": [field_spec(field)]}
            try:
                self.transport.call(
                    "POST", "settings/fields", params={"module": object_type}, body=body
                )
            except Rejected as rejection:
                if rejection.code != "DUPLICATE_DATA":  # a repeated request that went through
                    raise StopRunError(
                        f"Zoho refused to create {object_type}.{field.name}: {rejection}"
                    ) from None
        if not wanted:
            return []
        now = self.describe(object_type).fields
        missing = [f.name for f in wanted if f.name not in now]
        if missing:
            raise StopRunError(
                f"Zoho has no field {', '.join(missing)} on {object_type} after creating it: "
                "another field probably uses the same label (Zoho then names the new one "
                "differently); rename that field or map another name"
            )
        return [f.name for f in wanted]


# --- values ---------------------------------------------------------------------------------
def _task_body(task: TaskRequest) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Subject": task.subject,
        "Due_Date": task.due.date().isoformat(),
        "Priority": PRIORITIES.get(task.priority, "High"),
        "Status": "Not Started",
        TASK_KEY: task.key,
    }
    if task.body:
        body["Description"] = task.body
    if task.owner_id:
        body["Owner"] = {"id": task.owner_id}
    if task.related_object in WHO_MODULES:
        body["Who_Id"] = {"id": task.related_id}
    else:
        body["What_Id"] = {"id": task.related_id}
        body["$se_module"] = task.related_object
    return body


def _ref_id(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return str(value) if value else None


def _merge(
    into: dict[str, dict[str, Any]], more: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Rows present in both, their columns merged (order of ``into`` kept)."""
    return {i: {**row, **more[i]} for i, row in into.items() if i in more}
