"""Record actions: add/remove tags, merge, contact roles and related lists."""

from __future__ import annotations

from typing import Any

from sandbox.http import Request, Response
from sandbox.zoho.errors import (
    batch_response,
    body_of,
    envelope,
    fail,
    int_param,
    missing_param,
    record_id,
    success,
)
from sandbox.zoho.fields import cell
from sandbox.zoho.records import RecordApi
from sandbox.zoho.settings import ZohoSettings
from sandbox.zoho.store import ContactRole, Renderer, Store, Tag

MERGEABLE = ("Contacts", "Accounts", "Deals")
#: (parent module, related list) -> (child module, lookup field pointing at the parent)
RELATED_BY_LOOKUP = {
    ("Accounts", "Contacts"): ("Contacts", "Account_Name"),
    ("Accounts", "Deals"): ("Deals", "Account_Name"),
}


class ActionApi:
    """Handlers of tag, merge, contact-role and related-list endpoints."""

    def __init__(self, store: Store, settings: ZohoSettings, records: RecordApi) -> None:
        self.store = store
        self.settings = settings
        self.records = records

    # --- tags -------------------------------------------------------------------------------
    def add_tags(self, request: Request, module: str) -> Response:
        return self.retag(request, module, None, adding=True)

    def remove_tags(self, request: Request, module: str) -> Response:
        return self.retag(request, module, None, adding=False)

    def add_tags_to(self, request: Request, module: str, record: str) -> Response:
        return self.retag(request, module, record, adding=True)

    def remove_tags_from(self, request: Request, module: str, record: str) -> Response:
        return self.retag(request, module, record, adding=False)

    def retag(self, request: Request, module: str, record: str | None, *, adding: bool
              ) -> Response:
        self.records.table(module)
        body = body_of(request)
        body = body if isinstance(body, dict) else {}
        tags = self.tag_specs(body.get("tags"))
        ids = [record] if record is not None else body.get("ids")
        if not isinstance(ids, list) or not ids:
            raise fail(400, "MANDATORY_NOT_FOUND", "required field not found", api_name="ids",
                       json_path="$.ids")
        if len(ids) > self.settings.max_tag_ids:
            raise fail(400, "LIMIT_EXCEEDED", "limit exceeded", api_name="ids",
                       json_path="$.ids", limit=self.settings.max_tag_ids)
        chosen = self.resolve_tags(module, tags, create=adding)
        overwrite = body.get("over_write") is True
        results = [self.retag_one(module, str(raw), chosen, adding, overwrite) for raw in ids]
        ok = sum(1 for r in results if r["status"] == "success")
        return batch_response(results, False, self.settings.all_failed_status,
                              success_count=str(ok), locked_count="0", wf_scheduler=False)

    def tag_specs(self, tags: Any) -> list[dict[str, Any]]:
        if not isinstance(tags, list) or not tags:
            raise fail(400, "MANDATORY_NOT_FOUND", "required field not found", api_name="tags",
                       json_path="$.tags")
        limit = self.settings.max_tag_name_length
        for position, tag in enumerate(tags):
            if not isinstance(tag, dict) or not (tag.get("name") or tag.get("id")):
                raise fail(400, "MANDATORY_NOT_FOUND", "required field not found",
                           api_name="name", json_path=f"$.tags[{position}].name")
            name = tag.get("name")
            if name is not None and (not isinstance(name, str) or len(name) > limit
                                     or not name.strip()):
                raise fail(400, "INVALID_DATA", "invalid data", api_name="name",
                           json_path=f"$.tags[{position}].name", maximum_length=limit)
        return tags

    def resolve_tags(self, module: str, specs: list[dict[str, Any]], *, create: bool
                     ) -> list[Tag]:
        """Tags by id (which wins) or name; unknown names are created when adding."""
        book = self.store.tagbooks[module]
        chosen: list[Tag] = []
        for position, spec in enumerate(specs):
            if spec.get("id"):
                tag = book.by_id.get(int(spec["id"])) if str(spec["id"]).isdigit() else None
                if tag is None:
                    raise fail(400, "INVALID_DATA", "invalid data", api_name="id",
                               json_path=f"$.tags[{position}].id")
            elif create:
                tag = self.store.tag(module, spec["name"].strip())
            else:
                tag = book.named(spec["name"].strip())
                if tag is None:
                    continue
            chosen.append(tag)
        return chosen

    def retag_one(self, module: str, raw: str, chosen: list[Tag], adding: bool,
                  overwrite: bool) -> dict[str, Any]:
        table = self.store.tables[module]
        if not raw.isdigit() or int(raw) not in table.rows:
            return envelope("INVALID_DATA", "the id given seems to be invalid", id=raw)
        rid = int(raw)
        before = table.tags.get(rid, ())
        ids = [t.id for t in chosen]
        if adding:
            after = tuple(dict.fromkeys(ids if overwrite else (*before, *ids)))
        else:
            after = tuple(t for t in before if t not in ids)
        cap = self.settings.max_tags_per_record
        if cap is not None and len(after) > cap:
            return envelope("LIMIT_EXCEEDED", "tags limit exceeded for the record", id=raw,
                            limit=cap)
        if after != before:
            self.store.set_tags(module, rid, after)
            if self.settings.tags_touch_modified_time:
                self.store.touch(module, rid)
        message = "tags updated successfully" if adding else "tags removed successfully"
        return success(message, id=raw, tags=self.store.tag_list(module, after))

    # --- merge ------------------------------------------------------------------------------
    def merge(self, request: Request, module: str, record: str) -> Response:
        self.records.table(module)
        if module not in MERGEABLE:
            raise fail(400, "NOT_SUPPORTED", f"merge is not supported for {module}")
        master = record_id(record)
        table = self.store.tables[module]
        if master not in table.rows:
            raise fail(400, "INVALID_DATA", "the id given seems to be invalid", api_name="id")
        children, master_fields = self.merge_request(body_of(request), module, master)
        values = {
            name: cell(table.rows[source], self.store.schemas[module].slot(name))
            for name, source in master_fields.items()
        }
        tags = list(table.tags.get(master, ()))
        for child in children:
            tags.extend(table.tags.get(child, ()))
            self.move_relations(module, child, master)
            self.store.delete(module, child)
        self.store.set_tags(module, master, tuple(dict.fromkeys(tags)))
        self.store.update(module, master, values)
        details = {**self.store.write_details(module, master),
                   "merged_ids": [str(c) for c in children]}
        return Response(200, {"data": [success("records merged successfully", **details)]})

    def merge_request(self, body: Any, module: str, master: int
                      ) -> tuple[list[int], dict[str, int]]:
        """(children, {field: record to take it from}) of a merge body."""
        merges = body.get("merge") if isinstance(body, dict) else None
        if not isinstance(merges, list) or len(merges) != 1 or not isinstance(merges[0], dict):
            raise fail(400, "MANDATORY_NOT_FOUND", "required field not found", api_name="merge",
                       json_path="$.merge")
        data = merges[0].get("data")
        if not isinstance(data, list) or not data:
            raise fail(400, "MANDATORY_NOT_FOUND", "required field not found", api_name="data",
                       json_path="$.merge[0].data")
        if len(data) > self.settings.max_merge_children:
            raise fail(400, "LIMIT_EXCEEDED", "limit exceeded", api_name="data",
                       json_path="$.merge[0].data", limit=self.settings.max_merge_children)
        rows = self.store.tables[module].rows
        children: list[int] = []
        for position, item in enumerate(data):
            raw = str(item.get("id", "")) if isinstance(item, dict) else ""
            if not raw.isdigit() or int(raw) not in rows or int(raw) == master:
                raise fail(400, "INVALID_DATA", "the id given seems to be invalid",
                           api_name="id", json_path=f"$.merge[0].data[{position}].id")
            children.append(int(raw))
        sources = {master, *children}
        schema = self.store.schemas[module]
        chosen: dict[str, int] = {}
        for position, item in enumerate(merges[0].get("master_fields") or []):
            name = item.get("api_name") if isinstance(item, dict) else None
            source = str(item.get("id", "")) if isinstance(item, dict) else ""
            entry = schema.fields.get(name) if isinstance(name, str) else None
            mergeable = entry is not None and not (entry.read_only or entry.hidden)
            if entry is None or not mergeable or entry.api_name == "Tag" \
                    or not source.isdigit() or int(source) not in sources:
                raise fail(400, "INVALID_DATA", "invalid data", api_name="master_fields",
                           json_path=f"$.merge[0].master_fields[{position}]")
            chosen[entry.api_name] = int(source)
        return children, chosen

    def move_relations(self, module: str, child: int, master: int) -> None:
        """Point every lookup and contact role at ``child`` to ``master``."""
        for other, entry, referrer in list(self.store.referrers(module, child)):
            self.store.update(other, referrer, {entry.api_name: master})
        roles = self.store.contact_roles
        if module == "Contacts":
            for assigned in roles.values():
                if child in assigned:
                    role = assigned.pop(child)
                    assigned.setdefault(master, role)
        elif module == "Deals" and child in roles:
            moved = roles.pop(child)
            target = roles.setdefault(master, {})
            for contact, role in moved.items():
                target.setdefault(contact, role)

    # --- contact roles ----------------------------------------------------------------------
    def list_roles(self, request: Request) -> dict[str, Any]:
        return {"contact_roles": [
            {"id": str(r.id), "name": r.name, "sequence_number": r.sequence_number}
            for r in self.store.roles.values()
        ]}

    def relate(self, request: Request, module: str, record: str, related: str,
               related_id: str) -> Response:
        deal, contact = self.role_pair(module, record, related, related_id)
        body = body_of(request)
        data = body.get("data") if isinstance(body, dict) else None
        item = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
        role = self.role_of(item.get("Contact_Role"))
        self.store.contact_roles.setdefault(deal, {})[contact] = role.id
        return Response(200, {"data": [success("relation updated", id=str(contact))]})

    def unrelate(self, request: Request, module: str, record: str, related: str,
                 related_id: str) -> Response:
        deal, contact = self.role_pair(module, record, related, related_id)
        assigned = self.store.contact_roles.get(deal, {})
        if contact not in assigned:
            raise fail(400, "INVALID_DATA", "the related id given seems to be invalid",
                       api_name="id")
        del assigned[contact]
        return Response(200, {"data": [success("relation removed", id=str(contact))]})

    def role_pair(self, module: str, record: str, related: str, related_id: str
                  ) -> tuple[int, int]:
        if module != "Deals" or related != "Contact_Roles":
            raise fail(404, "INVALID_URL_PATTERN",
                       "Please check if the URL trying to access is a correct one")
        deal, contact = record_id(record), record_id(related_id)
        if deal not in self.store.tables["Deals"].rows:
            raise fail(400, "INVALID_DATA", "the id given seems to be invalid", api_name="id")
        if contact not in self.store.tables["Contacts"].rows:
            raise fail(400, "INVALID_DATA", "the related id given seems to be invalid",
                       api_name="id")
        return deal, contact

    def role_of(self, value: Any) -> ContactRole:
        """A role given by name, id, or ``{"name"|"id": …}``."""
        if isinstance(value, dict):
            value = value.get("id") or value.get("name")
        role = None
        if isinstance(value, str) and value.isdigit():
            role = self.store.roles.get(int(value))
        elif isinstance(value, str):
            role = self.store.role_named(value)
        if role is None:
            raise fail(400, "INVALID_DATA", "invalid data", api_name="Contact_Role",
                       json_path="$.data[0].Contact_Role")
        return role

    # --- related lists ----------------------------------------------------------------------
    def related(self, request: Request, module: str, record: str, related: str) -> Response:
        self.records.table(module)
        names = self.records.field_names(request, required=False)
        if names is None:
            raise missing_param("fields")
        parent = record_id(record)
        if parent not in self.store.tables[module].rows:
            raise fail(400, "INVALID_DATA", "the related id given seems to be invalid",
                       api_name="id")
        extras: dict[int, dict[str, Any]] = {}
        if (module, related) == ("Deals", "Contact_Roles"):
            child_module = "Contacts"
            assigned = self.store.contact_roles.get(parent, {})
            for contact, role_id in assigned.items():
                role = self.store.roles[role_id]
                extras[contact] = {"Contact_Role": {"name": role.name, "id": str(role.id)}}
            ids = sorted(extras)
        elif (module, related) == ("Contacts", "Deals"):
            child_module = "Deals"
            deals = set(self.store.tables["Deals"].find("Contact_Name", parent))
            deals.update(d for d, assigned in self.store.contact_roles.items()
                         if parent in assigned)
            ids = sorted(deals)
        elif (module, related) in RELATED_BY_LOOKUP:
            child_module, lookup = RELATED_BY_LOOKUP[(module, related)]
            ids = sorted(self.store.tables[child_module].find(lookup, parent))
        else:
            raise fail(400, "INVALID_DATA", "the related list given seems to be invalid",
                       api_name=related)
        return self.related_page(request, child_module, ids, names, extras)

    def related_page(self, request: Request, module: str, ids: list[int], names: list[str],
                     extras: dict[int, dict[str, Any]]) -> Response:
        per_page = int_param(request, "per_page", self.settings.max_per_page, 1,
                             self.settings.max_per_page)
        page = int_param(request, "page", 1, 1, 10**9)
        rows = self.store.tables[module].rows
        live = [i for i in ids if i in rows]
        window = live[(page - 1) * per_page : page * per_page]
        if not window:
            return Response(204)
        render = Renderer(self.store, module, names)
        data = [{**render(i, rows[i]), **extras.get(i, {})} for i in window]
        info = {"per_page": per_page, "count": len(data), "page": page,
                "more_records": len(live) > page * per_page, "next_page_token": None,
                "previous_page_token": None, "page_token_expiry": None}
        return Response(200, {"data": data, "info": info})
