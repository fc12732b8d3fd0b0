"""``/crm/v4/associations`` and ``/crm/v4/objects/.../associations``: read, create, remove."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from sandbox.http import Request, Response, Router
from sandbox.hubspot.associations import ASSOCIATION_TYPES, PAIRS, PairTypes
from sandbox.hubspot.errors import bad_request, standard_error
from sandbox.hubspot.objects_api import batch_inputs, object_body, record_not_found
from sandbox.hubspot.portal import Portal
from sandbox.hubspot.records import batch_body, record_id_of
from sandbox.hubspot.store import ObjectStore

Pair = tuple[ObjectStore, ObjectStore, PairTypes]
#: ``GET /crm/v4/objects/{type}/{id}/associations/{toType}`` serves at most this many per call.
LIST_LIMIT = 500


class AssociationsApi:
    """The handlers of the v4 associations endpoints."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    def register(self, router: Router) -> None:
        batch = "/crm/v4/associations/{from_type}/{to_type}/batch"
        router.add("POST", batch + "/read", self.batch_read)
        router.add("POST", batch + "/create", self.batch_create)
        router.add("POST", batch + "/associate/default", self.batch_default)
        router.add("POST", batch + "/archive", self.batch_archive)
        single = "/crm/v4/objects/{from_type}/{from_id}/associations"
        router.add("GET", single + "/{to_type}", self.list_links)
        router.add("PUT", single + "/default/{to_type}/{to_id}", self.put_default)
        router.add("PUT", single + "/{to_type}/{to_id}", self.put_labelled)
        router.add("DELETE", single + "/{to_type}/{to_id}", self.delete)

    # --- batch ------------------------------------------------------------------------------
    def batch_read(self, request: Request, from_type: str, to_type: str) -> Response:
        source, target, _ = self._pair(from_type, to_type)
        started = self.portal.now_ms()
        results, errors = [], []
        for item in batch_inputs(object_body(request), self.portal.settings.association_batch_max):
            key = str(item.get("id", ""))
            record_id = record_id_of(key)
            linked = []
            if record_id is not None and source.get(record_id) is not None:
                linked = self._entries(source, record_id, target)
            if linked:
                results.append({"from": {"id": key}, "to": linked})
            else:
                errors.append(standard_error(
                    "OBJECT_NOT_FOUND",
                    f"No {target.type.singular} is associated with {source.type.singular} {key}.",
                    context={"fromObjectId": [key]},
                    sub_category="crm.associations.NO_ASSOCIATIONS_FOUND",
                ))
        return batch_body(results, errors, started, self.portal.now_ms())

    def batch_create(self, request: Request, from_type: str, to_type: str) -> Response:
        source, target, _ = self._pair(from_type, to_type)
        started = self.portal.now_ms()
        results, errors = [], []
        for item in batch_inputs(object_body(request), self.portal.settings.association_batch_max):
            primary = self._primary_of(source, target, item.get("types") or [])
            ids = self._existing_pair(source, target, item)
            if isinstance(ids, dict):
                errors.append(ids)
                continue
            self.portal.associations.link(
                source.type.name, ids[0], target.type.name, ids[1], primary=primary
            )
            results.append(self._labels_between(source, ids[0], target, ids[1]))
        return batch_body(results, errors, started, self.portal.now_ms(), success_status=201)

    def batch_default(self, request: Request, from_type: str, to_type: str) -> Response:
        source, target, types = self._pair(from_type, to_type)
        started = self.portal.now_ms()
        results, errors = [], []
        for item in batch_inputs(object_body(request), self.portal.settings.association_batch_max):
            ids = self._existing_pair(source, target, item)
            if isinstance(ids, dict):
                errors.append(ids)
                continue
            self.portal.associations.link(source.type.name, ids[0], target.type.name, ids[1])
            results.append(_default_result(ids[0], ids[1], types))
        response = batch_body(results, errors, started, self.portal.now_ms())
        response.status = 200  # the SDK maps only 200 here; errors ride along in the body
        return response

    def batch_archive(self, request: Request, from_type: str, to_type: str) -> Response:
        source, target, _ = self._pair(from_type, to_type)
        for item in batch_inputs(object_body(request), self.portal.settings.association_batch_max):
            from_id = record_id_of(str((item.get("from") or {}).get("id", "")))
            for to in item.get("to") or []:
                to_id = record_id_of(str(to.get("id", "")))
                if from_id is not None and to_id is not None:
                    self.portal.associations.unlink(
                        source.type.name, from_id, target.type.name, to_id
                    )
        return Response(204)

    # --- one record -------------------------------------------------------------------------
    def list_links(self, request: Request, from_type: str, from_id: str, to_type: str
                   ) -> dict[str, Any]:
        source, target, _ = self._pair(from_type, to_type)
        record_id = self._live(source, from_id)
        limit = min(int(request.arg("limit") or LIST_LIMIT), LIST_LIMIT)
        offset = int(request.arg("after") or 0)
        linked = self._entries(source, record_id, target)
        body: dict[str, Any] = {"results": linked[offset:offset + limit]}
        if offset + limit < len(linked):
            after = str(offset + limit)
            body["paging"] = {"next": {"after": after, "link": f"?after={after}"}}
        return body

    def put_default(self, request: Request, from_type: str, from_id: str, to_type: str,
                    to_id: str) -> Response:
        source, target, types = self._pair(from_type, to_type)
        ids = self._live(source, from_id), self._live(target, to_id)
        self.portal.associations.link(source.type.name, ids[0], target.type.name, ids[1])
        now = self.portal.now_ms()
        return batch_body([_default_result(*ids, types)], [], now, now)

    def put_labelled(self, request: Request, from_type: str, from_id: str, to_type: str,
                     to_id: str) -> Response:
        source, target, _ = self._pair(from_type, to_type)
        specs = request.json()
        if not isinstance(specs, list) or not specs:
            raise bad_request("Invalid input JSON: expected a list of association specs")
        primary = self._primary_of(source, target, specs)
        ids = self._live(source, from_id), self._live(target, to_id)
        self.portal.associations.link(
            source.type.name, ids[0], target.type.name, ids[1], primary=primary
        )
        return Response(201, self._labels_between(source, ids[0], target, ids[1]))

    def delete(self, request: Request, from_type: str, from_id: str, to_type: str, to_id: str
               ) -> Response:
        source, target, _ = self._pair(from_type, to_type)
        ids = record_id_of(unquote(from_id)), record_id_of(unquote(to_id))
        if ids[0] is not None and ids[1] is not None:
            self.portal.associations.unlink(source.type.name, ids[0], target.type.name, ids[1])
        return Response(204)

    # --- helpers ----------------------------------------------------------------------------
    def _pair(self, from_type: str, to_type: str) -> Pair:
        source, target = self.portal.store(from_type), self.portal.store(to_type)
        types = PAIRS.get((source.type.name, target.type.name))
        if types is None:
            raise bad_request(f"No association types exist from {from_type} to {to_type}")
        return source, target, types

    def _entries(self, source: ObjectStore, record_id: int, target: ObjectStore
                 ) -> list[dict[str, Any]]:
        links = self.portal.associations
        out = []
        for to_id in links.targets(source.type.name, record_id, target.type.name):
            if target.get(to_id) is None:
                continue
            type_ids = links.type_ids(source.type.name, record_id, target.type.name, to_id)
            out.append({
                "toObjectId": to_id,
                "associationTypes": [
                    {"category": "HUBSPOT_DEFINED", "typeId": t,
                     "label": ASSOCIATION_TYPES[t].label}
                    for t in type_ids
                ],
            })
        return out

    def _labels_between(self, source: ObjectStore, from_id: int, target: ObjectStore, to_id: int
                        ) -> dict[str, Any]:
        type_ids = self.portal.associations.type_ids(
            source.type.name, from_id, target.type.name, to_id
        )
        labels = [label for t in type_ids if (label := ASSOCIATION_TYPES[t].label)]
        return {
            "fromObjectTypeId": source.type.type_id, "fromObjectId": from_id,
            "toObjectTypeId": target.type.type_id, "toObjectId": to_id, "labels": labels,
        }

    @staticmethod
    def _primary_of(source: ObjectStore, target: ObjectStore, specs: list[Any]) -> bool:
        """Whether association specs ask for the Primary label; 400 for foreign type ids."""
        primary = False
        for spec in specs:
            kind = ASSOCIATION_TYPES.get(int(spec.get("associationTypeId", 0)))
            if kind is None or (kind.from_type, kind.to_type) != (
                source.type.name, target.type.name
            ):
                raise bad_request(
                    f"associationTypeId {spec.get('associationTypeId')} does not link "
                    f"{source.type.name} to {target.type.name}"
                )
            primary = primary or kind.primary
        return primary

    @staticmethod
    def _existing_pair(source: ObjectStore, target: ObjectStore, item: dict[str, Any]
                       ) -> tuple[int, int] | dict[str, Any]:
        """Both live ids of a batch input, or the StandardError saying which is missing."""
        keys = [str((item.get(side) or {}).get("id", "")) for side in ("from", "to")]
        missing = []
        ids = []
        for key, store in zip(keys, (source, target), strict=True):
            record_id = record_id_of(key)
            if record_id is None or store.get(record_id) is None:
                missing.append(key)
            ids.append(record_id or 0)
        if missing:
            return standard_error(
                "OBJECT_NOT_FOUND", f"No records with ids {missing} to associate.",
                context={"ids": missing},
            )
        return ids[0], ids[1]

    @staticmethod
    def _live(store: ObjectStore, key: str) -> int:
        record_id = record_id_of(unquote(key))
        if record_id is None or store.get(record_id) is None:
            raise record_not_found(unquote(key))
        return record_id


def _default_result(from_id: int, to_id: int, types: PairTypes) -> dict[str, Any]:
    return {
        "from": {"id": str(from_id)},
        "to": {"id": str(to_id)},
        "associationSpec": {"associationCategory": "HUBSPOT_DEFINED",
                            "associationTypeId": types.default},
    }

