"""Record endpoints: Get Records (page / page_token / If-Modified-Since), get one, insert,
update, upsert, delete, and the deleted-records list."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice, takewhile
from typing import Any

from sandbox.http import Request, Response
from sandbox.zoho.errors import (
    batch_response,
    body_of,
    envelope,
    fail,
    if_modified_since,
    int_param,
    invalid_param,
    missing_param,
    record_id,
    success,
)
from sandbox.zoho.fields import STRING_TYPES, FieldError, to_stored
from sandbox.zoho.index import key_id, key_time, time_key
from sandbox.zoho.settings import ZohoSettings
from sandbox.zoho.store import Renderer, Store, Table

SORT_FIELDS = ("id", "Created_Time", "Modified_Time")


@dataclass(slots=True)
class Cursor:
    """Where a page-token listing stands; encoded into the opaque token itself."""

    module: str
    sort_by: str
    descending: bool
    modified_since: int | None
    after: int  # sort key of the last record served
    served: int
    page: int
    issued: int

    def encode(self) -> str:
        fields = [self.module, self.sort_by, self.descending, self.modified_since, self.after,
                  self.served, self.page, self.issued]
        raw = json.dumps(fields, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            return cls(*json.loads(raw))
        except (ValueError, TypeError, binascii.Error):
            raise invalid_param("page_token", "invalid page_token") from None


@dataclass(slots=True)
class Listing:
    """The resolved parameters of one Get Records call."""

    sort_by: str
    descending: bool
    modified_since: int | None
    ids: list[int] | None
    after: int | None
    offset: int
    per_page: int
    served: int
    page: int


class RecordApi:
    """Handlers of ``/crm/{version}/{Module}[...]`` record endpoints."""

    def __init__(self, store: Store, settings: ZohoSettings) -> None:
        self.store = store
        self.settings = settings

    def table(self, module: str) -> Table:
        table = self.store.tables.get(module)
        if table is None:
            raise fail(400, "INVALID_MODULE", "the module name given seems to be invalid",
                       resource_path_index=0)
        return table

    # --- Get Records ------------------------------------------------------------------------
    def list_records(self, request: Request, module: str) -> Response:
        table = self.table(module)
        names = self.field_names(request, required=True)
        listing = self.listing(request, module)
        keys = self.sorted_keys(table, listing)
        window = list(islice(keys, listing.offset, listing.offset + listing.per_page + 1))
        more = len(window) > listing.per_page
        window = window[: listing.per_page]
        if not window:
            since = listing.modified_since
            last = table.by_modified.last()
            if since is not None and (last is None or key_time(last) <= since):
                return Response(304)
            return Response(204)
        by_id = listing.sort_by == "id"
        rows = table.rows
        render = Renderer(self.store, module, names)
        data = []
        for key in window:
            rid = key if by_id else key_id(key)
            data.append(render(rid, rows[rid]))
        return Response(200, {"data": data, "info": self.info(module, listing, window, more)})

    def field_names(self, request: Request, *, required: bool) -> list[str] | None:
        names = request.args("fields")
        if not names:
            if required:
                raise missing_param("fields")
            return None
        if len(names) > self.settings.max_fields:
            raise fail(400, "LIMIT_EXCEEDED", "limit exceeded for fields", param_name="fields",
                       limit=self.settings.max_fields)
        return names

    def listing(self, request: Request, module: str) -> Listing:
        settings = self.settings
        per_page = int_param(request, "per_page", settings.max_per_page, 1,
                             settings.max_per_page)
        token = request.arg("page_token")
        if token:
            if request.arg("page"):
                raise invalid_param("page", "page and page_token cannot be used together")
            return self.resume(token, module, per_page)
        page = int_param(request, "page", 1, 1, 10**9)
        if page * per_page > settings.page_record_ceiling:
            raise fail(
                400, "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
                f"cannot fetch more than {settings.page_record_ceiling} records with page; "
                "use page_token",
                limit=settings.page_record_ceiling,
            )
        sort_by = request.arg("sort_by") or "id"
        if sort_by not in SORT_FIELDS:
            raise invalid_param("sort_by")
        order = request.arg("sort_order") or settings.default_sort_order
        if order not in ("asc", "desc"):
            raise invalid_param("sort_order")
        ids = [record_id(i) for i in request.args("ids")] or None
        if ids is not None and len(ids) > settings.max_write_records:
            raise fail(400, "LIMIT_EXCEEDED", "limit exceeded for ids", param_name="ids",
                       limit=settings.max_write_records)
        return Listing(sort_by, order == "desc", if_modified_since(request), ids, None,
                       (page - 1) * per_page, per_page, (page - 1) * per_page, page)

    def resume(self, token: str, module: str, per_page: int) -> Listing:
        cursor = Cursor.decode(token)
        if cursor.module != module:
            raise invalid_param("page_token", "page_token does not belong to this module")
        if self.store.now() - cursor.issued > self.settings.page_token_ttl_seconds:
            raise invalid_param("page_token", "page_token expired")
        return Listing(cursor.sort_by, cursor.descending, cursor.modified_since, None,
                       cursor.after, 0, per_page, cursor.served, cursor.page + 1)

    def sorted_keys(self, table: Table, listing: Listing) -> Iterator[int]:
        """Sort keys of the matching records in order, after the cursor: O(page) along the
        index, except for ``ids`` and If-Modified-Since with another sort (gathered first)."""
        sort_by, descending, since = listing.sort_by, listing.descending, listing.modified_since
        key_of = self.key_function(table, sort_by)
        after = listing.after
        if listing.ids is not None or (since is not None and sort_by != "Modified_Time"):
            pool = self.gather(table, listing)
            keys = sorted((key_of(i) for i in pool), reverse=descending)
            if after is not None:
                keys = [k for k in keys if (k < after if descending else k > after)]
            return iter(keys)
        if sort_by == "id":
            index = table.by_id
        else:
            index = table.by_created if sort_by == "Created_Time" else table.by_modified
        if not descending:
            if after is not None:
                return index.ascending(after, inclusive=False)
            return index.ascending(None if since is None else time_key(since + 1, 0))
        if after is not None:
            ordered = index.descending(after, inclusive=False)
        else:
            ordered = index.descending()
        if since is None:
            return ordered
        return takewhile(lambda k: key_time(k) > since, ordered)

    def key_function(self, table: Table, sort_by: str) -> Callable[[int], int]:
        rows = table.rows
        if sort_by == "id":
            return lambda i: i
        if sort_by == "Created_Time":
            return lambda i: table.created_key(i, rows[i])
        return lambda i: table.modified_key(i, rows[i])

    def gather(self, table: Table, listing: Listing) -> list[int]:
        since = listing.modified_since
        if listing.ids is None:
            assert since is not None
            return [key_id(k) for k in table.by_modified.ascending(time_key(since + 1, 0))]
        rows, slot = table.rows, table.modified_slot
        return [i for i in dict.fromkeys(listing.ids)
                if i in rows and (since is None or rows[i][slot] > since)]

    def info(self, module: str, listing: Listing, window: list[int], more: bool
             ) -> dict[str, Any]:
        served = listing.served + len(window)
        token = expiry = None
        if more and listing.ids is None and served < self.settings.page_token_record_ceiling:
            issued = self.store.now()
            token = Cursor(module, listing.sort_by, listing.descending, listing.modified_since,
                           window[-1], served, listing.page, issued).encode()
            expiry = self.store.format_time(issued + self.settings.page_token_ttl_seconds)
        return {
            "per_page": listing.per_page,
            "count": len(window),
            "page": listing.page,
            "sort_by": listing.sort_by,
            "sort_order": "desc" if listing.descending else "asc",
            "more_records": more,
            "next_page_token": token,
            "previous_page_token": None,
            "page_token_expiry": expiry,
        }

    # --- one record ---------------------------------------------------------------------------
    def get_record(self, request: Request, module: str, record: str) -> Response:
        table = self.table(module)
        rid = record_id(record)
        row = table.rows.get(rid)
        if row is None:
            return Response(204)
        names = self.field_names(request, required=False)
        return Response(200, {"data": [self.store.render(module, rid, row, names)]})

    # --- writes -----------------------------------------------------------------------------
    def insert(self, request: Request, module: str) -> Response:
        return self.write(request, module, self.insert_one, created=True)

    def update(self, request: Request, module: str) -> Response:
        return self.write(request, module, self.update_one)

    def update_by_id(self, request: Request, module: str, record: str) -> Response:
        rid = record_id(record)
        return self.write(request, module, self.update_one, forced_id=rid)

    def upsert(self, request: Request, module: str) -> Response:
        self.table(module)
        body = body_of(request)
        checks = body.get("duplicate_check_fields") if isinstance(body, dict) else None
        schema = self.store.schemas[module]
        if checks is None:
            checks = list(schema.duplicate_check)
        valid = isinstance(checks, list) and all(
            isinstance(c, str) and c in schema.fields
            and schema.fields[c].data_type in STRING_TYPES for c in checks)
        if not valid:
            raise fail(400, "INVALID_DATA", "invalid data",
                       api_name="duplicate_check_fields", json_path="$.duplicate_check_fields")

        def upsert_one(module: str, item: dict[str, Any], index: int) -> dict[str, Any]:
            return self.upsert_one(module, item, index, checks)

        return self.write(request, module, upsert_one, body=body)

    def write(
        self,
        request: Request,
        module: str,
        operation: Callable[[str, dict[str, Any], int], dict[str, Any]],
        *,
        created: bool = False,
        forced_id: int | None = None,
        body: Any = None,
    ) -> Response:
        self.table(module)
        body = body_of(request) if body is None else body
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list) or not data:
            raise fail(400, "MANDATORY_NOT_FOUND", "required field not found",
                       api_name="data", json_path="$.data")
        limit = 1 if forced_id is not None else self.settings.max_write_records
        if len(data) > limit:
            raise fail(400, "LIMIT_EXCEEDED", "limit exceeded", api_name="data",
                       json_path="$.data", limit=limit)
        results = []
        for index, item in enumerate(data):
            try:
                if not isinstance(item, dict):
                    raise FieldError("INVALID_DATA", "invalid data", json_path=f"$.data[{index}]")
                if forced_id is not None:
                    item = {**item, "id": str(forced_id)}
                results.append(operation(module, item, index))
            except FieldError as error:
                error.details.setdefault("json_path", f"$.data[{index}]")
                results.append(envelope(error.code, error.message, **error.details))
        return batch_response(results, created, self.settings.all_failed_status)

    def insert_one(self, module: str, item: dict[str, Any], index: int) -> dict[str, Any]:
        values = self.convert(module, item, index, creating=True)
        rid = self.save(module, None, values)
        return success("record added", **self.store.write_details(module, rid))

    def update_one(self, module: str, item: dict[str, Any], index: int) -> dict[str, Any]:
        rid = self.existing_id(module, item, index)
        values = self.convert(module, item, index, creating=False)
        self.save(module, rid, values)
        return success("record updated", **self.store.write_details(module, rid))

    def save(self, module: str, rid: int | None, values: dict[str, Any]) -> int:
        """Insert (``rid`` None) or update a record; a ``Tag`` value replaces its tags."""
        tags = values.pop("Tag", None)
        if rid is None:
            rid = self.store.insert(module, values)
        else:
            self.store.update(module, rid, values)
        if tags is not None:
            self.store.set_tags(module, rid, tags)
        return rid

    def upsert_one(self, module: str, item: dict[str, Any], index: int, checks: list[str]
                   ) -> dict[str, Any]:
        values = self.convert(module, item, index, creating=False)
        target, matched_on = self.duplicate_of(module, item, values, checks)
        if target is None:
            self.require_mandatory(module, values, index)
            target = self.save(module, None, values)
            result = success("record added", **self.store.write_details(module, target))
            return {**result, "action": "insert", "duplicate_field": None}
        self.save(module, target, values)
        result = success("record updated", **self.store.write_details(module, target))
        return {**result, "action": "update", "duplicate_field": matched_on}

    def duplicate_of(self, module: str, item: dict[str, Any], values: dict[str, Any],
                     checks: list[str]) -> tuple[int | None, str | None]:
        table = self.store.tables[module]
        raw_id = item.get("id")
        if isinstance(raw_id, (str, int)) and str(raw_id).isdigit() and int(raw_id) in table.rows:
            return int(raw_id), None
        for name in checks:
            value = values.get(name)
            if value is not None:
                found = table.find(name, value)
                if found:
                    return min(found), name
        return None, None

    def existing_id(self, module: str, item: dict[str, Any], index: int) -> int:
        raw = item.get("id")
        path = f"$.data[{index}].id"
        if raw is None or raw == "":
            raise FieldError("MANDATORY_NOT_FOUND", "required field not found",
                             api_name="id", json_path=path)
        if not str(raw).isdigit() or int(raw) not in self.store.tables[module].rows:
            raise FieldError("INVALID_DATA", "the id given seems to be invalid",
                             api_name="id", json_path=path)
        return int(raw)

    def convert(self, module: str, item: dict[str, Any], index: int, *, creating: bool
                ) -> dict[str, Any]:
        """Stored values of a JSON record; unknown and read-only fields are ignored, as Zoho
        does."""
        schema = self.store.schemas[module]
        values: dict[str, Any] = {}
        for name, raw in item.items():
            entry = schema.fields.get(name)
            if entry is None or entry.read_only:
                continue
            if name == "Tag":
                values[name] = self.tag_ids(module, raw, f"$.data[{index}].Tag")
                continue
            try:
                value = to_stored(entry, raw)
                if value is not None and entry.data_type in ("lookup", "ownerlookup"):
                    self.check_reference(entry.api_name, entry.lookup_modules, value, item)
            except FieldError as error:
                error.details["json_path"] = f"$.data[{index}].{name}"
                raise
            values[name] = value
        if module == "Tasks" and "What_Id" in values:
            what = values["What_Id"]
            values["$se_module"] = None if what is None else self.store.module_of(
                what, ("Deals", "Accounts"))
        if creating:
            self.require_mandatory(module, values, index)
        else:
            for name, value in values.items():
                if value is None and schema.fields[name].mandatory:
                    raise FieldError("MANDATORY_NOT_FOUND", "required field not found",
                                     api_name=name, json_path=f"$.data[{index}].{name}")
        return values

    def tag_ids(self, module: str, raw: Any, path: str) -> tuple[int, ...]:
        """Tag ids of a ``Tag`` value (``[{"name"|"id": …}]``); unknown names are created."""
        if raw is None:
            return ()
        if not isinstance(raw, list):
            raise FieldError("INVALID_DATA", "invalid data", expected_data_type="jsonarray",
                             api_name="Tag", json_path=path)
        book = self.store.tagbooks[module]
        limit = self.settings.max_tag_name_length
        chosen: list[int] = []
        for position, item in enumerate(raw):
            name = item.get("name") if isinstance(item, dict) else item
            given_id = str(item.get("id") or "") if isinstance(item, dict) else ""
            if given_id:
                tag = book.by_id.get(int(given_id)) if given_id.isdigit() else None
            elif isinstance(name, str) and name.strip() and len(name) <= limit:
                tag = self.store.tag(module, name.strip())
            else:
                tag = None
            if tag is None:
                raise FieldError("INVALID_DATA", "invalid data", api_name="Tag",
                                 json_path=f"{path}[{position}]", maximum_length=limit)
            chosen.append(tag.id)
        unique = tuple(dict.fromkeys(chosen))
        cap = self.settings.max_tags_per_record
        if cap is not None and len(unique) > cap:
            raise FieldError("LIMIT_EXCEEDED", "tags limit exceeded for the record",
                             api_name="Tag", json_path=path, limit=cap)
        return unique

    def check_reference(self, name: str, modules: tuple[str, ...], value: int,
                        item: dict[str, Any]) -> None:
        if not modules:
            exists = value in self.store.users
            kind = "ownerlookup"
        else:
            wanted = item.get("$se_module") if name == "What_Id" else None
            candidates = (wanted,) if wanted in modules else modules
            exists = self.store.module_of(value, candidates) is not None
            kind = "lookup"
        if not exists:
            raise FieldError("INVALID_DATA", "invalid data", expected_data_type=kind,
                             api_name=name)

    def require_mandatory(self, module: str, values: dict[str, Any], index: int) -> None:
        for entry in self.store.schemas[module].fields.values():
            if entry.mandatory and values.get(entry.api_name) is None:
                raise FieldError("MANDATORY_NOT_FOUND", "required field not found",
                                 api_name=entry.api_name,
                                 json_path=f"$.data[{index}].{entry.api_name}")

    # --- delete -----------------------------------------------------------------------------
    def delete(self, request: Request, module: str) -> Response:
        self.table(module)
        raw = request.args("ids")
        if not raw:
            raise missing_param("ids")
        if len(raw) > self.settings.max_delete_ids:
            raise fail(400, "LIMIT_EXCEEDED", "limit exceeded", param_name="ids",
                       limit=self.settings.max_delete_ids)
        return self.delete_ids(module, raw)

    def delete_by_id(self, request: Request, module: str, record: str) -> Response:
        self.table(module)
        return self.delete_ids(module, [record])

    def delete_ids(self, module: str, raw_ids: list[str]) -> Response:
        rows = self.store.tables[module].rows
        results = []
        for raw in raw_ids:
            if raw.isdigit() and int(raw) in rows:
                self.store.delete(module, int(raw))
                results.append(success("record deleted", id=raw))
            else:
                results.append(envelope("INVALID_DATA", "the id given seems to be invalid",
                                        id=raw))
        return batch_response(results, False, self.settings.all_failed_status)

    def deleted(self, request: Request, module: str) -> Response:
        table = self.table(module)
        kind = request.arg("type") or "all"
        if kind not in ("all", "recycle", "permanent"):
            raise invalid_param("type")
        per_page = int_param(request, "per_page", self.settings.max_per_page, 1,
                             self.settings.max_per_page)
        page = int_param(request, "page", 1, 1, 10**9)
        since = if_modified_since(request)
        entries = [] if kind == "permanent" else [
            d for d in table.deleted.values() if since is None or d.deleted_time > since]
        entries.sort(key=lambda d: (d.deleted_time, d.id), reverse=True)
        window = entries[(page - 1) * per_page : page * per_page + 1]
        if not window:
            return Response(304 if since is not None and not entries else 204)
        store = self.store
        data = [{
            "deleted_by": store.user_brief(d.deleted_by),
            "id": str(d.id),
            "display_name": d.display_name,
            "type": "recycle",
            "created_by": store.user_brief(d.created_by),
            "deleted_time": store.format_time(d.deleted_time),
        } for d in window[:per_page]]
        info = {"per_page": per_page, "count": len(data), "page": page,
                "more_records": len(window) > per_page}
        return Response(200, {"data": data, "info": info})

