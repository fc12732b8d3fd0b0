"""``/crm/v3/properties/{objectType}``: list, read, create, update and archive properties."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from sandbox.http import Request, Response, Router
from sandbox.hubspot.errors import api_error, bad_request
from sandbox.hubspot.portal import Portal
from sandbox.hubspot.schema import FIELD_TYPES, PROPERTY_NAME, PropertyDef
from sandbox.hubspot.store import ObjectStore
from sandbox.hubspot.values import parse_bool

REQUIRED = ("name", "label", "type", "fieldType", "groupName")


class PropertiesApi:
    """The handlers of the Properties API (v3)."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    def register(self, router: Router) -> None:
        base = "/crm/v3/properties/{object_type}"
        router.add("GET", base, self.list_properties)
        router.add("POST", base, self.create)
        router.add("GET", base + "/{name}", self.get)
        router.add("PATCH", base + "/{name}", self.update)
        router.add("DELETE", base + "/{name}", self.archive)

    def list_properties(self, request: Request, object_type: str) -> dict[str, Any]:
        store = self.portal.store(object_type)
        if parse_bool(request.arg("archived")):
            return {"results": []}
        return {"results": [p.as_json() for p in store.catalogue.properties.values()]}

    def get(self, request: Request, object_type: str, name: str) -> dict[str, Any]:
        store = self.portal.store(object_type)
        return self._existing(store, unquote(name)).as_json()

    def create(self, request: Request, object_type: str) -> Response:
        store = self.portal.store(object_type)
        body = request.json()
        if not isinstance(body, dict):
            raise bad_request("Invalid input JSON: expected an object")
        missing = [field for field in REQUIRED if not body.get(field)]
        if missing:
            raise bad_request(
                f"Missing required fields: {', '.join(missing)}",
                errors=[{"message": f"{f} is required", "code": "REQUIRED_FIELD",
                         "context": {"field": [f]}} for f in missing],
            )
        name, kind, field_type = str(body["name"]), str(body["type"]), str(body["fieldType"])
        if not PROPERTY_NAME.fullmatch(name):
            raise bad_request(
                f"Property name {name!r} must start with a lowercase letter and contain only "
                "lowercase letters, digits and underscores."
            )
        _check_types(kind, field_type)
        if store.catalogue.get(name) is not None:
            raise api_error(409, "CONFLICT", f"A property named '{name}' already exists.")
        now = self.portal.now_ms()
        prop = PropertyDef(
            name, str(body["label"]), kind, field_type, str(body["groupName"]),
            hubspot_defined=False, unique=bool(body.get("hasUniqueValue", False)),
            description=str(body.get("description") or ""),
            display_order=int(body.get("displayOrder", -1)),
            hidden=bool(body.get("hidden", False)), form_field=bool(body.get("formField", False)),
            created_ms=now, updated_ms=now,
        )
        if body.get("options"):
            prop.set_options(_options(body["options"]))
        store.catalogue.add(prop)
        location = f"/crm/v3/properties/{store.type.type_id}/{name}"
        return Response(201, prop.as_json(), {"Location": location})

    def update(self, request: Request, object_type: str, name: str) -> dict[str, Any]:
        store = self.portal.store(object_type)
        prop = self._existing(store, unquote(name))
        body = request.json()
        if not isinstance(body, dict):
            raise bad_request("Invalid input JSON: expected an object")
        if prop.read_only:
            raise bad_request(f"Property {prop.name} is read-only and cannot be updated.")
        if "type" in body and body["type"] != prop.type:
            raise bad_request(f"The type of {prop.name} cannot change from {prop.type}.")
        if "fieldType" in body:
            _check_types(prop.type, str(body["fieldType"]))
            prop.field_type = str(body["fieldType"])
        for key, attribute in (("label", "label"), ("description", "description"),
                               ("groupName", "group")):
            if key in body:
                setattr(prop, attribute, str(body[key]))
        for key, attribute in (("hidden", "hidden"), ("formField", "form_field")):
            if key in body:
                setattr(prop, attribute, bool(body[key]))
        if "displayOrder" in body:
            prop.display_order = int(body["displayOrder"])
        if "options" in body:
            prop.set_options(self._patched_options(prop, _options(body["options"])))
        prop.updated_ms = self.portal.now_ms()
        return prop.as_json()

    def archive(self, request: Request, object_type: str, name: str) -> Response:
        store = self.portal.store(object_type)
        prop = self._existing(store, unquote(name))
        if prop.hubspot_defined:
            raise bad_request(f"{prop.name} is a HubSpot-defined property and cannot be archived.")
        store.catalogue.remove(prop.name)
        store.forget_unique(prop.name)
        return Response(204)

    def _patched_options(
        self, prop: PropertyDef, given: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        if self.portal.settings.option_patch == "replace":
            return given
        merged = {o["value"]: o for o in prop.options}
        merged.update({o["value"]: o for o in given})
        return list(merged.values())

    @staticmethod
    def _existing(store: ObjectStore, name: str) -> PropertyDef:
        prop = store.catalogue.get(name)
        if prop is None:
            raise api_error(
                404, "OBJECT_NOT_FOUND",
                f"Unable to find property {name!r} for object type {store.type.type_id}",
            )
        return prop


def _check_types(kind: str, field_type: str) -> None:
    allowed = FIELD_TYPES.get(kind)
    if allowed is None:
        raise bad_request(f"Unknown property type {kind!r}; one of {sorted(FIELD_TYPES)}")
    if field_type not in allowed:
        raise bad_request(
            f"fieldType {field_type!r} does not fit type {kind!r}; one of {sorted(allowed)}"
        )


def _options(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise bad_request("options must be a list")
    out = []
    for order, option in enumerate(raw):
        if not isinstance(option, dict) or option.get("label") is None or option.get(
            "value"
        ) is None:
            raise bad_request("every option needs a label and a value")
        out.append({
            "label": str(option["label"]),
            "value": str(option["value"]),
            "displayOrder": int(option.get("displayOrder", order)),
            "hidden": bool(option.get("hidden", False)),
            "description": str(option.get("description") or ""),
        })
    return out

