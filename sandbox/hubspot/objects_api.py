"""``/crm/v3/objects/{type}``: list, get, create, update, archive, search, batch, merge."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

from sandbox.http import HttpError, Request, Response, Router
from sandbox.hubspot.errors import (
    api_error,
    bad_request,
    invalid_properties,
    invalid_properties_item,
    not_found,
    not_found_item,
)
from sandbox.hubspot.merge import merge_records
from sandbox.hubspot.portal import Portal
from sandbox.hubspot.records import (
    Link,
    Renderer,
    apply_links,
    association_inputs,
    batch_body,
    locate,
    prepare,
    record_id_of,
    render_args,
    unique_conflict,
    unique_property,
)
from sandbox.hubspot.search import parse_search, run_search
from sandbox.hubspot.store import ObjectStore
from sandbox.hubspot.values import PropertyProblem, normalise, parse_bool

Problems = list[tuple[str, list[PropertyProblem]]]


def object_body(request: Request) -> dict[str, Any]:
    body = request.json()
    if not isinstance(body, dict):
        raise bad_request("Invalid input JSON: expected an object")
    return body


def batch_inputs(body: dict[str, Any], maximum: int) -> list[dict[str, Any]]:
    """The ``inputs`` of a batch body; 400 VALIDATION_ERROR when over the batch maximum."""
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise bad_request("Invalid input JSON: inputs must be a list of objects")
    if len(inputs) > maximum:
        raise bad_request(
            f"Batch input of {len(inputs)} items exceeds the limit of {maximum} per request.",
            context={"limit": [str(maximum)], "size": [str(len(inputs))]},
        )
    return inputs


def record_not_found(key: str) -> HttpError:
    return api_error(
        404, "OBJECT_NOT_FOUND", "Object not found.  objectId are usually numeric.",
        context={"id": [key]},
    )


class ObjectsApi:
    """The handlers of the CRM object endpoints."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    def register(self, router: Router) -> None:
        base = "/crm/v3/objects/{object_type}"
        router.add("GET", base, self.list_records)
        router.add("POST", base, self.create)
        router.add("POST", base + "/search", self.search)
        router.add("POST", base + "/merge", self.merge)
        router.add("POST", base + "/batch/read", self.batch_read)
        router.add("POST", base + "/batch/create", self.batch_create)
        router.add("POST", base + "/batch/update", self.batch_update)
        router.add("POST", base + "/batch/upsert", self.batch_upsert)
        router.add("POST", base + "/batch/archive", self.batch_archive)
        router.add("GET", base + "/{record_id}", self.get)
        router.add("PATCH", base + "/{record_id}", self.update)
        router.add("DELETE", base + "/{record_id}", self.archive)

    # --- reads ------------------------------------------------------------------------------
    def list_records(self, request: Request, object_type: str) -> dict[str, Any]:
        store = self.portal.store(object_type)
        limit = self._list_limit(request)
        after = request.arg("after") or "0"
        after_id = record_id_of(after)
        if after_id is None:
            raise bad_request(f"Invalid after cursor {after!r}")
        ids, next_id = store.page(after_id, limit, parse_bool(request.arg("archived")))
        renderer = Renderer(self.portal, store, request.args("properties"), **render_args(request))
        body: dict[str, Any] = {"results": [renderer.render(i, store.row(i)) for i in ids]}
        if next_id is not None:
            body["paging"] = {"next": {"after": str(next_id), "link": f"?after={next_id}"}}
        return body

    def _list_limit(self, request: Request) -> int:
        settings = self.portal.settings
        raw = request.arg("limit") or "10"
        if not raw.isdigit() or int(raw) < 1:
            raise bad_request(f"limit must be a positive integer, got {raw!r}")
        maximum = 50 if request.args("propertiesWithHistory") else settings.list_page_max
        if int(raw) > maximum and not settings.clamp_list_limit:
            raise bad_request(f"limit must be at most {maximum}, got {raw}")
        return min(int(raw), maximum)

    def get(self, request: Request, object_type: str, record_id: str) -> dict[str, Any]:
        store = self.portal.store(object_type)
        key = unquote(record_id)
        archived = parse_bool(request.arg("archived"))
        found = locate(self.portal, store, key, request.arg("idProperty"), archived=archived)
        if found is None and not archived and not request.arg("idProperty"):
            found = self._merged_target(store, key)
        if found is None:
            raise record_not_found(key)
        renderer = Renderer(self.portal, store, request.args("properties"), **render_args(request))
        return renderer.render(found, store.row(found))

    def _merged_target(self, store: ObjectStore, key: str) -> int | None:
        """The surviving record of a merged-away id (when the settings say reads follow)."""
        record_id = record_id_of(key)
        if record_id is None or self.portal.settings.merged_id_reads != "primary":
            return None
        while record_id in store.merged_into:
            record_id = store.merged_into[record_id]
        return record_id if store.get(record_id) is not None else None

    def search(self, request: Request, object_type: str) -> dict[str, Any]:
        store = self.portal.store(object_type)
        query = parse_search(request.json(), store, self.portal.settings)
        ids, total = run_search(store, query)
        renderer = Renderer(self.portal, store, query.properties)
        body: dict[str, Any] = {
            "total": total,
            "results": [renderer.render(i, store.row(i)) for i in ids],
        }
        next_offset = query.offset + len(ids)
        if len(ids) == query.limit and next_offset < total:
            body["paging"] = {"next": {"after": str(next_offset)}}
        return body

    def batch_read(self, request: Request, object_type: str) -> Response:
        store = self.portal.store(object_type)
        started = self.portal.now_ms()
        body = object_body(request)
        inputs = batch_inputs(body, self.portal.settings.batch_max)
        archived = parse_bool(request.arg("archived"))
        id_property = body.get("idProperty")
        renderer = Renderer(
            self.portal, store, body.get("properties") or None,
            history=body.get("propertiesWithHistory") or [],
        )
        results, missing, seen = [], [], set()
        for item in inputs:
            key = str(item.get("id", ""))
            found = locate(self.portal, store, key, id_property, archived=archived)
            if found is None:
                missing.append(key)
            elif found not in seen:
                seen.add(found)
                results.append(renderer.render(found, store.row(found)))
        if missing and not results:
            raise not_found(store.type.label, missing)
        errors = [not_found_item(store.type.label, missing)] if missing else []
        return batch_body(results, errors, started, self.portal.now_ms())

    # --- writes -----------------------------------------------------------------------------
    def create(self, request: Request, object_type: str) -> Response:
        store = self.portal.store(object_type)
        body = object_body(request)
        changes, problems = prepare(self.portal, store, body.get("properties", {}))
        if problems:
            raise invalid_properties(problems, self.portal.settings.hub_id)
        links = association_inputs(self.portal, store, body.get("associations"))
        clash = unique_conflict(store, changes, None)
        if clash:
            raise clash
        record_id = store.create(changes, self.portal.now_ms())
        apply_links(self.portal, store, record_id, links)
        rendered = Renderer(self.portal, store).render(
            record_id, store.row(record_id), extra=changes
        )
        return Response(201, rendered)

    def update(self, request: Request, object_type: str, record_id: str) -> dict[str, Any]:
        store = self.portal.store(object_type)
        key = unquote(record_id)
        found = locate(self.portal, store, key, request.arg("idProperty"))
        if found is None:
            raise record_not_found(key)
        changes, problems = prepare(self.portal, store, object_body(request).get("properties", {}))
        if problems:
            raise invalid_properties(problems, self.portal.settings.hub_id)
        clash = unique_conflict(store, changes, found)
        if clash:
            raise clash
        store.update(found, changes, self.portal.now_ms())
        return Renderer(self.portal, store).render(found, store.row(found), extra=changes)

    def archive(self, request: Request, object_type: str, record_id: str) -> Response:
        store = self.portal.store(object_type)
        found = record_id_of(unquote(record_id))
        if found is not None:
            store.archive(found, self.portal.now_ms())
        return Response(204)

    def batch_archive(self, request: Request, object_type: str) -> Response:
        store = self.portal.store(object_type)
        now = self.portal.now_ms()
        for item in batch_inputs(object_body(request), self.portal.settings.batch_max):
            found = record_id_of(str(item.get("id", "")))
            if found is not None:
                store.archive(found, now)
        return Response(204)

    def batch_create(self, request: Request, object_type: str) -> Response:
        store = self.portal.store(object_type)
        started = self.portal.now_ms()
        inputs = batch_inputs(object_body(request), self.portal.settings.batch_max)
        planned: list[tuple[dict[str, str], list[Link], Any]] = []
        bad: Problems = []
        for number, item in enumerate(inputs):
            changes, problems = prepare(self.portal, store, item.get("properties", {}))
            if problems:
                bad.append((str(number), problems))
                continue
            links = association_inputs(self.portal, store, item.get("associations"))
            planned.append((changes, links, item.get("objectWriteTraceId")))
        errors = self._validation_errors(bad)
        self._check_unique([(None, changes) for changes, _, _ in planned], store)
        now = self.portal.now_ms()
        results = []
        for changes, links, trace_id in planned:
            record_id = store.create(changes, now)
            apply_links(self.portal, store, record_id, links)
            result = Renderer(self.portal, store).render(
                record_id, store.row(record_id), extra=changes
            )
            if trace_id is not None:  # echoed so a client can tell which input made which record
                result["objectWriteTraceId"] = str(trace_id)
            results.append(result)
        if self.portal.settings.batch_create_order == "shuffled":
            random.Random(len(results)).shuffle(results)
        return batch_body(results, errors, started, now, success_status=201)

    def batch_update(self, request: Request, object_type: str) -> Response:
        store = self.portal.store(object_type)
        started = self.portal.now_ms()
        inputs = batch_inputs(object_body(request), self.portal.settings.batch_max)
        self._check_duplicate_ids(inputs)
        planned: list[tuple[int, dict[str, str]]] = []
        missing: list[str] = []
        bad: Problems = []
        for item in inputs:
            key = str(item.get("id", ""))
            found = locate(self.portal, store, key, item.get("idProperty"))
            if found is None:
                missing.append(key)
                continue
            changes, problems = prepare(self.portal, store, item.get("properties", {}))
            if problems:
                bad.append((key, problems))
            else:
                planned.append((found, changes))
        errors = self._validation_errors(bad)
        self._check_unique(planned, store)
        now = self.portal.now_ms()
        for found, changes in planned:
            store.update(found, changes, now)
        if missing:
            errors.insert(0, not_found_item(store.type.label, missing))
        renderer = Renderer(self.portal, store)
        results = [renderer.render(i, store.row(i), extra=changes) for i, changes in planned]
        return batch_body(results, errors, started, now)

    def batch_upsert(self, request: Request, object_type: str) -> Response:
        store = self.portal.store(object_type)
        started = self.portal.now_ms()
        inputs = batch_inputs(object_body(request), self.portal.settings.batch_max)
        self._check_duplicate_ids(inputs)
        planned: list[tuple[int | None, dict[str, str]]] = []
        bad: Problems = []
        for item in inputs:
            key, id_property = str(item.get("id", "")), item.get("idProperty")
            if not id_property:
                raise bad_request("idProperty is required for every upsert input")
            prop = unique_property(self.portal, store, str(id_property))
            changes, problems = prepare(self.portal, store, item.get("properties", {}))
            if problems:
                bad.append((key, problems))
                continue
            found = store.find(prop.name, key)
            if found is None:
                changes = {**changes, prop.name: normalise(prop, key, False)}
            planned.append((found, changes))
        errors = self._validation_errors(bad)
        self._check_unique(planned, store)
        now = self.portal.now_ms()
        results = []
        renderer = Renderer(self.portal, store)
        for found, changes in planned:
            if found is None:
                record_id = store.create(changes, now)
            else:
                record_id = found
                store.update(found, changes, now)
            rendered = renderer.render(record_id, store.row(record_id), extra=changes)
            results.append({**rendered, "new": found is None})
        return batch_body(results, errors, started, now)

    def merge(self, request: Request, object_type: str) -> dict[str, Any]:
        store = self.portal.store(object_type)
        body = object_body(request)
        primary = self._live_id(store, str(body.get("primaryObjectId", "")))
        merged = self._live_id(store, str(body.get("objectIdToMerge", "")))
        if primary == merged:
            raise bad_request("primaryObjectId and objectIdToMerge must differ")
        merge_records(self.portal, store, primary, merged)
        return Renderer(self.portal, store).render(primary, store.row(primary))

    @staticmethod
    def _live_id(store: ObjectStore, key: str) -> int:
        found = record_id_of(key)
        if found is None or store.get(found) is None:
            raise record_not_found(key)
        return found

    # --- batch checks -----------------------------------------------------------------------
    def _validation_errors(self, bad: Problems) -> list[dict[str, Any]]:
        """Refused inputs: the whole batch fails (400) or they become 207 errors, per settings."""
        if not bad:
            return []
        hub_id = self.portal.settings.hub_id
        if self.portal.settings.batch_validation == "reject_batch":
            raise invalid_properties([p for _, problems in bad for p in problems], hub_id)
        return [invalid_properties_item(problems, hub_id) for _, problems in bad]

    @staticmethod
    def _check_duplicate_ids(inputs: list[dict[str, Any]]) -> None:
        counts = Counter(str(item.get("id", "")) for item in inputs)
        duplicates = sorted(key for key, count in counts.items() if count > 1)
        if duplicates:
            raise bad_request(f"Duplicate IDs found in batch input: {duplicates}.")

    @staticmethod
    def _check_unique(
        planned: Sequence[tuple[int | None, dict[str, str]]], store: ObjectStore
    ) -> None:
        """409 when a unique value belongs to another record; 400 when two inputs share one."""
        seen: dict[tuple[str, str], int] = {}
        for number, (record_id, changes) in enumerate(planned):
            clash = unique_conflict(store, changes, record_id)
            if clash:
                raise clash
            writer = record_id if record_id is not None else -1 - number  # each create differs
            for name in store.catalogue.unique_names():
                value = changes.get(name, "").lower()
                if value and seen.setdefault((name, value), writer) != writer:
                    raise bad_request(f"Duplicate values found in batch input for {name}: {value}")
