"""Record answers and record writes shared by the object endpoints: rendering
``SimplePublicObject``s, validating written properties, finding records by id or idProperty."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sandbox.http import HttpError, Request, Response
from sandbox.hubspot.associations import ASSOCIATION_TYPES
from sandbox.hubspot.errors import api_error, bad_request
from sandbox.hubspot.portal import Portal
from sandbox.hubspot.schema import PropertyDef, resolve_object_type
from sandbox.hubspot.store import ObjectStore, Row
from sandbox.hubspot.values import InvalidValue, PropertyProblem, iso_ms, normalise

Link = tuple[str, int, bool]  # (to type, to id, primary)


class Renderer:
    """Turns stored rows into ``SimplePublicObject`` JSON for one request's choice of
    properties, properties with history and associations."""

    def __init__(
        self,
        portal: Portal,
        store: ObjectStore,
        names: Sequence[str] | None = None,
        *,
        history: Sequence[str] = (),
        associations: Sequence[str] = (),
    ) -> None:
        self.portal = portal
        self.store = store
        self.props = wanted_properties(store, names)
        catalogue = store.catalogue
        self.history = [p for n in history if (p := catalogue.get(n)) is not None]
        resolved = (resolve_object_type(name) for name in associations)
        self.associations = [t.name for t in resolved if t is not None and t.name in portal.stores]

    def render(self, record_id: int, row: Row, *, extra: Iterable[str] = ()) -> dict[str, Any]:
        """One record; ``extra`` names more properties to show (written ones, "" if cleared)."""
        store = self.store
        cells = row.cells()
        read = store.read
        properties = {p.name: read(record_id, row, cells, p) for p in self.props}
        for name in extra:
            prop = store.catalogue.get(name)
            if prop is not None:
                properties[name] = read(record_id, row, cells, prop) or ""
        body: dict[str, Any] = {
            "id": str(record_id),
            "properties": properties,
            "createdAt": iso_ms(row.created),
            "updatedAt": iso_ms(row.updated),
            "archived": row.archived_at is not None,
        }
        if row.archived_at is not None:
            body["archivedAt"] = iso_ms(row.archived_at)
        if self.history:
            body["propertiesWithHistory"] = self._history(record_id, row, cells)
        if self.associations:
            linked = self._associations(record_id)
            if linked:
                body["associations"] = linked
        return body

    def _history(self, record_id: int, row: Row, cells: list[str]) -> dict[str, Any]:
        out = {}
        for prop in self.history:
            value = self.store.read(record_id, row, cells, prop)
            out[prop.name] = [] if value is None else [
                {"value": value, "timestamp": iso_ms(row.updated), "sourceType": "API"}
            ]
        return out

    def _associations(self, record_id: int) -> dict[str, Any]:
        out = {}
        links = self.portal.associations
        from_type = self.store.type.name
        for to_type in self.associations:
            results = []
            live = self.portal.stores[to_type]
            for to_id in links.targets(from_type, record_id, to_type):
                if live.get(to_id) is None:
                    continue
                for type_id in links.type_ids(from_type, record_id, to_type, to_id):
                    results.append({"id": str(to_id), "type": ASSOCIATION_TYPES[type_id].v3_name})
            if results:
                out[to_type] = {"results": results}
        return out


def wanted_properties(store: ObjectStore, names: Sequence[str] | None) -> list[PropertyDef]:
    """System properties, then the named ones that exist (defaults when none named)."""
    catalogue = store.catalogue
    chosen = list(catalogue.system_properties())
    for name in names if names else store.type.default_properties:
        prop = catalogue.get(name)
        if prop is not None and prop not in chosen:
            chosen.append(prop)
    return chosen


def render_args(request: Request) -> dict[str, Any]:
    """The Renderer keyword arguments of a list/get query string."""
    return {
        "history": request.args("propertiesWithHistory"),
        "associations": request.args("associations"),
    }


# --- writes ---------------------------------------------------------------------------------
def prepare(
    portal: Portal, store: ObjectStore, properties: Any
) -> tuple[dict[str, str], list[PropertyProblem]]:
    """Validated stored values of written ``properties`` and the problems found."""
    if not isinstance(properties, dict):
        raise bad_request("Invalid input JSON: properties must be an object")
    changes: dict[str, str] = {}
    problems: list[PropertyProblem] = []
    reject_padded = portal.settings.reject_padded_values
    for name, raw in properties.items():
        prop = store.catalogue.get(name)
        if prop is None:
            message = f'Property "{name}" does not exist'
            problems.append(PropertyProblem(name, "PROPERTY_DOESNT_EXIST", message))
        elif prop.read_only:
            message = f'"{name}" is a read only property; its value cannot be set.'
            problems.append(PropertyProblem(name, "READ_ONLY_VALUE", message))
        else:
            try:
                changes[name] = normalise(prop, raw, reject_padded)
            except InvalidValue as invalid:
                problems.append(invalid.problem)
    return changes, problems


def unique_conflict(
    store: ObjectStore, changes: dict[str, str], record_id: int | None
) -> HttpError | None:
    """409 CONFLICT when a unique value (email) already belongs to another live record."""
    for name in store.catalogue.unique_names():
        value = changes.get(name)
        if not value:
            continue
        owner = store.find(name, value)
        if owner is not None and owner != record_id:
            return conflict(store, owner)
    return None


def conflict(store: ObjectStore, existing_id: int) -> HttpError:
    singular = store.type.singular.capitalize()
    return api_error(409, "CONFLICT", f"{singular} already exists. Existing ID: {existing_id}")


def association_inputs(portal: Portal, store: ObjectStore, raw: Any) -> list[Link]:
    """The ``associations`` of a create input as (to type, to id, primary); 400 if invalid."""
    links: list[Link] = []
    for item in raw or []:
        target = str((item.get("to") or {}).get("id", ""))
        for spec in item.get("types") or []:
            kind = ASSOCIATION_TYPES.get(int(spec.get("associationTypeId", 0)))
            if kind is None or kind.from_type != store.type.name:
                raise bad_request(
                    f"{spec.get('associationTypeId')} is not a valid association type id "
                    f"from {store.type.name}",
                )
            to_id = record_id_of(target)
            if to_id is None or portal.stores[kind.to_type].get(to_id) is None:
                raise bad_request(
                    f"No {kind.to_type} with id {target} to associate with",
                    context={"ids": [target]},
                )
            links.append((kind.to_type, to_id, kind.primary))
    return links


def apply_links(portal: Portal, store: ObjectStore, record_id: int, links: list[Link]) -> None:
    for to_type, to_id, primary in links:
        portal.associations.link(store.type.name, record_id, to_type, to_id, primary=primary)


# --- finding --------------------------------------------------------------------------------
def record_id_of(text: str) -> int | None:
    """A record id from its string form; None when it is not one."""
    return int(text) if text.isdigit() and len(text) < 16 else None


def unique_property(portal: Portal, store: ObjectStore, name: str) -> PropertyDef:
    """The property an ``idProperty`` names; 400 unless it holds unique values."""
    prop = store.catalogue.get(name)
    if prop is None or not prop.unique:
        raise bad_request(
            f"Unable to perform update/upsert by non-unique {store.type.type_id} property "
            f"{name} in portal ID {portal.settings.hub_id}",
        )
    return prop


def locate(
    portal: Portal, store: ObjectStore, key: str, id_property: str | None, *,
    archived: bool = False,
) -> int | None:
    """The id of the record ``key`` names (by record id, or by a unique ``id_property``)."""
    if id_property and id_property != "hs_object_id":
        unique_property(portal, store, id_property)
        if archived:
            return None
        return store.find(id_property, key)
    record_id = record_id_of(key)
    if record_id is None or store.get(record_id, archived=archived) is None:
        return None
    return record_id


def batch_body(
    results: list[dict[str, Any]], errors: list[dict[str, Any]], started_ms: int,
    completed_ms: int, success_status: int = 200,
) -> Response:
    """A ``BatchResponse…`` (``…WithErrors`` + 207 when there are errors)."""
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": iso_ms(started_ms),
        "completedAt": iso_ms(completed_ms),
    }
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
        return Response(207, body)
    return Response(success_status, body)
