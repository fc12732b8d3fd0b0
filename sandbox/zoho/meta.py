"""Org metadata endpoints: field settings (list and create custom fields), tag settings,
users, and COQL."""

from __future__ import annotations

from typing import Any

from sandbox.http import Request, Response
from sandbox.zoho.coql import CoqlError
from sandbox.zoho.errors import body_of, fail, int_param, invalid_param, missing_param, success
from sandbox.zoho.fields import (
    CREATABLE_TYPES,
    DEFAULT_LENGTHS,
    Field,
    ModuleSchema,
    api_name_from_label,
)
from sandbox.zoho.query import run_query
from sandbox.zoho.settings import ZohoSettings
from sandbox.zoho.store import Store, User

USER_TYPES = ("AllUsers", "ActiveUsers", "AdminUsers", "CurrentUser")
PICKLIST_TYPES = ("picklist", "multiselectpicklist")
#: (role, profile) of the admin and of the other users.
ADMIN_ROLE = ({"name": "CEO", "id": "5725767000000026005"},
              {"name": "Administrator", "id": "5725767000000026011"})
STANDARD_ROLE = ({"name": "Manager", "id": "5725767000000026008"},
                 {"name": "Standard", "id": "5725767000000026014"})


class MetaApi:
    """Handlers of ``/settings/...``, ``/users`` and ``/coql``."""

    def __init__(self, store: Store, settings: ZohoSettings) -> None:
        self.store = store
        self.settings = settings

    def schema(self, request: Request) -> ModuleSchema:
        module = request.arg("module")
        if not module:
            raise missing_param("module")
        schema = self.store.schemas.get(module)
        if schema is None:
            raise fail(400, "INVALID_MODULE", "the module name given seems to be invalid",
                       param_name="module")
        return schema

    # --- fields -----------------------------------------------------------------------------
    def list_fields(self, request: Request) -> dict[str, Any]:
        return {"fields": [f.describe() for f in self.schema(request).listed()]}

    def create_fields(self, request: Request) -> Response:
        schema = self.schema(request)
        body = body_of(request)
        specs = body.get("fields") if isinstance(body, dict) else None
        if not isinstance(specs, list) or not specs:
            raise fail(400, "MANDATORY_NOT_FOUND", "required field not found",
                       api_name="fields", json_path="$.fields")
        fresh = [self.new_field(schema, spec, position) for position, spec in enumerate(specs)]
        names = [f.api_name for f in fresh]
        if len(set(names)) < len(names):
            raise fail(400, "DUPLICATE_DATA", "duplicate data", api_name="field_label",
                       json_path="$.fields")
        created = []
        for entry in fresh:
            entry.id = self.store.new_id()
            schema.add(entry)
            created.append(success("field created", id=str(entry.id)))
        return Response(201, {"fields": created})

    def new_field(self, schema: ModuleSchema, spec: Any, position: int) -> Field:
        path = f"$.fields[{position}]"
        spec = spec if isinstance(spec, dict) else {}
        label = spec.get("field_label")
        if not isinstance(label, str) or not api_name_from_label(label):
            raise fail(400, "MANDATORY_NOT_FOUND", "required field not found",
                       api_name="field_label", json_path=f"{path}.field_label")
        kind = spec.get("data_type")
        if kind not in CREATABLE_TYPES:
            raise fail(400, "INVALID_DATA", "invalid data", api_name="data_type",
                       json_path=f"{path}.data_type")
        api_name = api_name_from_label(label)
        taken = {f.label.casefold() for f in schema.fields.values()}
        if api_name in schema.fields or label.strip().casefold() in taken:
            raise fail(400, "DUPLICATE_DATA", "duplicate data", api_name="field_label",
                       json_path=f"{path}.field_label")
        length = spec.get("length", DEFAULT_LENGTHS.get(kind))
        maximum = DEFAULT_LENGTHS.get(kind)
        if length is not None and (not isinstance(length, int) or isinstance(length, bool)
                                   or length < 1 or (maximum and length > maximum)):
            raise fail(400, "INVALID_DATA", "invalid data", api_name="length",
                       json_path=f"{path}.length")
        options = self.options(spec, kind, path)
        return Field(api_name, kind, label=label.strip(), length=length, custom=True,
                     options=options)

    def options(self, spec: dict[str, Any], kind: str, path: str) -> tuple[str, ...]:
        if kind not in PICKLIST_TYPES:
            return ()
        values = spec.get("pick_list_values")
        if not isinstance(values, list) or not values:
            raise fail(400, "MANDATORY_NOT_FOUND", "required field not found",
                       api_name="pick_list_values", json_path=f"{path}.pick_list_values")
        options = []
        for value in values:
            actual = value.get("actual_value") or value.get("display_value") \
                if isinstance(value, dict) else None
            if not isinstance(actual, str):
                raise fail(400, "INVALID_DATA", "invalid data", api_name="pick_list_values",
                           json_path=f"{path}.pick_list_values")
            options.append(actual)
        return tuple(dict.fromkeys(options))

    # --- tags -------------------------------------------------------------------------------
    def list_tags(self, request: Request) -> dict[str, Any]:
        schema = self.schema(request)
        book = self.store.tagbooks[schema.name]
        admin = self.store.user_brief(self.store.api_user)
        tags = [{
            **tag.brief(),
            "created_time": self.store.format_time(tag.created_time),
            "modified_time": self.store.format_time(tag.created_time),
            "created_by": admin,
            "modified_by": admin,
        } for tag in book.by_id.values()]
        return {"tags": tags, "info": {"count": len(tags)}}

    # --- users ------------------------------------------------------------------------------
    def list_users(self, request: Request) -> Response:
        kind = request.arg("type") or "AllUsers"
        if kind not in USER_TYPES:
            raise invalid_param("type")
        users = list(self.store.users.values())
        if kind == "AdminUsers":
            users = [u for u in users if u.admin]
        elif kind == "CurrentUser":
            users = [self.store.users[self.store.api_user]]
        per_page = int_param(request, "per_page", self.settings.max_per_page, 1,
                             self.settings.max_per_page)
        page = int_param(request, "page", 1, 1, 10**9)
        window = users[(page - 1) * per_page : page * per_page]
        if not window:
            return Response(204)
        info = {"per_page": per_page, "count": len(window), "page": page,
                "more_records": len(users) > page * per_page}
        return Response(200, {"users": [describe_user(u) for u in window], "info": info})

    # --- COQL -------------------------------------------------------------------------------
    def coql(self, request: Request) -> Response:
        body = body_of(request)
        text = body.get("select_query") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise fail(400, "MANDATORY_NOT_FOUND", "required field not found",
                       api_name="select_query", json_path="$.select_query")
        try:
            data, more = run_query(text, self.store, self.settings)
        except CoqlError as error:
            raise fail(400, error.code, error.message, **error.details) from None
        if not data:
            return Response(204)
        return Response(200, {"data": data, "info": {"count": len(data), "more_records": more}})


def describe_user(user: User) -> dict[str, Any]:
    """A user as ``GET /users`` lists it."""
    role, profile = ADMIN_ROLE if user.admin else STANDARD_ROLE
    return {
        "id": str(user.id),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "full_name": user.full_name,
        "email": user.email,
        "status": "active",
        "confirm": True,
        "role": role,
        "profile": profile,
    }
