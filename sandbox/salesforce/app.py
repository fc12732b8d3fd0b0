"""The Salesforce emulator: the REST API under ``/services/data/vNN.N/`` (any version), the
Tooling API's CustomField create, the OAuth token endpoint and the SOAP login.

Endpoints (``{v}`` = ``/services/data/vNN.N``):

* ``POST /services/oauth2/token`` (refresh_token, password, JWT bearer grants),
  ``POST /services/Soap/u/{version}`` (SOAP ``login``);
* ``GET {v}/query/?q=``, ``{v}/queryAll/?q=``, ``{v}/query/{locator}-{offset}`` (queryMore);
* ``GET {v}/sobjects``, ``GET {v}/sobjects/{Obj}``, ``GET {v}/sobjects/{Obj}/describe``,
  ``POST {v}/sobjects/{Obj}``, ``GET|PATCH|DELETE {v}/sobjects/{Obj}/{id}``,
  ``GET|PATCH {v}/sobjects/{Obj}/{ExtIdField}/{value}`` (get by / upsert on external id),
  ``GET {v}/sobjects/{Obj}/deleted/`` and ``.../updated/?start=&end=``;
* ``POST|PATCH|DELETE {v}/composite/sobjects``, ``PATCH {v}/composite/sobjects/{Obj}/{Field}``;
* ``POST {v}/tooling/sobjects/CustomField``; ``GET {v}/limits``.

Serve it over TLS (simple-salesforce only speaks https)::

    tls = throwaway_tls()
    with running(SalesforceApp(dataset), ssl_context=tls.context) as server:
        session = requests.Session(); session.verify = str(tls.ca_path)
        creds = app.credentials(server.base_url)
        sf = Salesforce(instance_url=creds["instance_url"], session_id=creds["access_token"],
                        version="62.0", session=session)
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from sandbox.dataset import Dataset
from sandbox.http import App, JSONValue, Request, Response
from sandbox.salesforce import dml, tooling
from sandbox.salesforce.auth import Auth
from sandbox.salesforce.composite import Collections
from sandbox.salesforce.errors import SalesforceError, not_found
from sandbox.salesforce.ids import CUSTOM_FIELD_PREFIX, ORG_PREFIX, make_id, normalize_id
from sandbox.salesforce.limits import ApiUsage
from sandbox.salesforce.load import load_dataset
from sandbox.salesforce.query import QueryEngine
from sandbox.salesforce.schema import ObjectSchema, build_objects
from sandbox.salesforce.settings import SalesforceSettings
from sandbox.salesforce.store import AFTER_ANY_ID, IS_DELETED, ObjectStore, Row, Store
from sandbox.salesforce.values import as_json, format_datetime, parse_datetime

API_VERSION = "62.0"
DATA = "/services/data/{version}"
_VERSION = re.compile(r"v\d{2,3}\.\d$")
_BATCH_SIZE = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


def _body(request: Request) -> Any:
    try:
        return json.loads(request.body or b"null")
    except ValueError as exc:
        raise SalesforceError("JSON_PARSER_ERROR", f"Unexpected character: {exc}") from None


def _restrict_standard_picklists(objects: dict[str, ObjectSchema]) -> None:
    for schema in objects.values():
        for definition in schema.fields:
            if definition.type in ("picklist", "multipicklist") and not definition.custom:
                definition.restricted = True


class SalesforceApp(App):
    """A Salesforce org with the data set loaded as Users, Accounts, Contacts, Opportunities
    and OpportunityContactRoles."""

    name = "salesforce"

    def __init__(
        self, dataset: Dataset | None = None, settings: SalesforceSettings | None = None
    ) -> None:
        super().__init__()
        self.settings = settings = settings or SalesforceSettings()
        objects = build_objects(d.currency for d in dataset.deals) if dataset else build_objects()
        if settings.restrict_standard_picklists:
            _restrict_standard_picklists(objects)
        self.store = Store(objects, settings.clock)
        self.org_id = make_id(ORG_PREFIX, 1)
        self._add_org_records()
        if dataset is not None:
            load_dataset(self.store, dataset)
        self.auth = Auth(settings, self.org_id, self.store.current_user_id)
        self.rules = dml.Rules(
            settings.validate_email_format, settings.auto_grant_field_permissions
        )
        self.queries = QueryEngine(
            self.store, settings.max_query_cursors, settings.long_text_filterable
        )
        self.collections = Collections(
            self.store,
            self.rules,
            settings.collection_max_records,
            settings.collection_unknown_field_fails_request,
        )
        self.usage = ApiUsage(settings.daily_api_limit, settings.api_limit_window_seconds)
        self._add_routes()

    def credentials(self, base_url: str) -> dict[str, str]:
        """What a client needs: the instance and token URLs, the connected app's keys, the
        user's login, a fresh access token and the API version."""
        with self.lock:
            access_token = self.auth.issue()
        s = self.settings
        return {
            "instance_url": base_url,
            "token_url": f"{base_url}/services/oauth2/token",
            "client_id": s.client_id,
            "client_secret": s.client_secret,
            "refresh_token": s.refresh_token,
            "username": s.username,
            "password": s.password,
            "security_token": s.security_token,
            "access_token": access_token,
            "version": API_VERSION,
        }

    # --- cross-cutting answers -------------------------------------------------------------
    def is_public(self, request: Request) -> bool:
        return request.path.rstrip("/") == "/services/oauth2/token" or request.path.startswith(
            "/services/Soap/u/"
        )

    def authenticate(self, request: Request) -> Response | None:
        if not request.path.startswith("/services/data/"):
            return None
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() in ("bearer", "oauth") and self.auth.valid(token.strip()):
            return None
        return self.expired_token(request)

    def expired_token(self, request: Request) -> Response:
        body = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
        return Response(401, body, {"WWW-Authenticate": "Token"})

    def rate_limit(self, request: Request) -> Response | None:
        if not request.path.startswith("/services/data/"):
            return None
        now = self._timestamp()
        if self.settings.enforce_api_limit and self.usage.exhausted(now):
            return self.throttled(request)
        self.usage.count(now)
        return None

    def throttled(self, request: Request) -> Response:
        body = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
        return Response(403, body)  # the server adds Sforce-Limit-Info (extra_headers)

    def extra_headers(self, request: Request, response: Response) -> dict[str, str]:
        if not request.path.startswith("/services/data/"):
            return {}
        with self.lock:
            return {"Sforce-Limit-Info": self.usage.header(self._timestamp())}

    def not_found(self, request: Request) -> Response:
        return Response(404, not_found().rest_body())

    def dump(self) -> JSONValue:
        """Every record of every sObject, non-null fields only (deleted ones have IsDeleted)."""
        return {
            name: [self._dump_row(table, row) for row in table.rows.values()]
            for name, table in self.store.tables.items()
        }

    @staticmethod
    def _dump_row(table: ObjectStore, row: Row) -> dict[str, Any]:
        fields = table.schema.fields
        return {f.name: as_json(v) for f in fields if (v := table.value(row, f)) is not None}

    # --- set-up ----------------------------------------------------------------------------
    def _add_org_records(self) -> None:
        """The integration user (owner of new records) and its permission set."""
        stamp = self.store.now()
        self.store.current_user_id = self._add_record(
            "User",
            stamp,
            FirstName="Sandbox",
            LastName="Integration",
            Email=self.settings.username,
        )
        self._add_record(
            "PermissionSet",
            stamp,
            Name="Sandbox_Integration",
            Label="Sandbox Integration",
            IsOwnedByProfile=True,
        )

    def _add_record(self, object_name: str, stamp: datetime, **values: Any) -> str:
        table = self.store.tables[object_name]
        row = self.store.new_row(table, stamp)
        for name, value in values.items():
            row[table.schema.by_lower[name.lower()].slot] = value
        table.insert(row)
        return str(row[0])

    def _add_routes(self) -> None:
        routes: list[tuple[str, str, Callable[..., Any]]] = [
            ("POST", "/services/oauth2/token", self.auth.token_endpoint),
            ("POST", "/services/Soap/u/{soap_version}", self._soap_login),
            ("GET", DATA + "/limits", self._limits),
            ("GET", DATA + "/sobjects", self._global_describe),
            ("GET", DATA + "/query", self._query),
            ("GET", DATA + "/queryAll", self._query_all),
            ("GET", DATA + "/query/{locator}", self._query_more),
            ("GET", DATA + "/queryAll/{locator}", self._query_more),
            ("POST", DATA + "/composite/sobjects", self._collection_create),
            ("PATCH", DATA + "/composite/sobjects", self._collection_update),
            ("DELETE", DATA + "/composite/sobjects", self._collection_delete),
            ("PATCH", DATA + "/composite/sobjects/{sobject}/{field}", self._collection_upsert),
            ("POST", DATA + "/tooling/sobjects/CustomField", self._create_custom_field),
            ("GET", DATA + "/sobjects/{sobject}/describe", self._describe),
            ("GET", DATA + "/sobjects/{sobject}/deleted", self._deleted),
            ("GET", DATA + "/sobjects/{sobject}/updated", self._updated),
            ("GET", DATA + "/sobjects/{sobject}", self._object_info),
            ("POST", DATA + "/sobjects/{sobject}", self._create),
            ("GET", DATA + "/sobjects/{sobject}/{record_id}", self._get),
            ("PATCH", DATA + "/sobjects/{sobject}/{record_id}", self._update),
            ("DELETE", DATA + "/sobjects/{sobject}/{record_id}", self._delete),
            ("GET", DATA + "/sobjects/{sobject}/{field}/{value}", self._get_by_external_id),
            ("PATCH", DATA + "/sobjects/{sobject}/{field}/{value}", self._upsert),
        ]
        for method, pattern, handler in routes:
            self.router.add(method, pattern, self._vendor_errors(handler))

    @staticmethod
    def _vendor_errors(handler: Callable[..., Any]) -> Callable[..., Any]:
        """Check the API version of the path and answer SalesforceErrors as arrays."""

        def run(request: Request, **params: str) -> Any:
            try:
                if "version" in params and not _VERSION.match(params["version"]):
                    raise not_found()
                return handler(request, **params)
            except SalesforceError as error:
                raise error.http() from None

        return run

    # --- helpers ---------------------------------------------------------------------------
    def _timestamp(self) -> float:
        return self.settings.clock().timestamp()

    def _table(self, sobject: str) -> ObjectStore:
        table = self.store.table(sobject)
        if table is None:
            raise not_found()
        return table

    @staticmethod
    def _path_row(table: ObjectStore, raw_id: str) -> Row:
        record_id = normalize_id(raw_id)
        if record_id is None or record_id[:3] != table.schema.key_prefix:
            raise not_found(
                f"Provided external ID field does not exist or is not accessible: {raw_id}"
            )
        row = table.rows.get(record_id)
        if row is None:
            raise not_found()
        if row[IS_DELETED]:
            raise SalesforceError("ENTITY_IS_DELETED", "entity is deleted", status=404)
        return row

    def _batch(self, request: Request) -> int | None:
        found = _BATCH_SIZE.search(request.headers.get("sforce-query-options", ""))
        if found is None:
            return None
        s = self.settings
        return min(max(int(found.group(1)), s.query_batch_min), s.query_batch_max)

    # --- auth ------------------------------------------------------------------------------
    def _soap_login(self, request: Request, soap_version: str) -> Response:
        return self.auth.soap_login(request, soap_version)

    # --- org -------------------------------------------------------------------------------
    def _limits(self, request: Request, version: str) -> JSONValue:
        return self.usage.limits_body(self._timestamp())

    def _global_describe(self, request: Request, version: str) -> JSONValue:
        sobjects = [t.schema.summary(version) for t in self.store.tables.values()]
        return {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects}

    def _describe(self, request: Request, version: str, sobject: str) -> JSONValue:
        return self._table(sobject).schema.describe(version)

    def _object_info(self, request: Request, version: str, sobject: str) -> JSONValue:
        return {"objectDescribe": self._table(sobject).schema.summary(version), "recentItems": []}

    def _create_custom_field(self, request: Request, version: str) -> Response:
        tooling.create_custom_field(
            self.store, _body(request), self.settings.auto_grant_field_permissions
        )
        field_id = self.store.ids.next(CUSTOM_FIELD_PREFIX)
        body = {"id": field_id, "success": True, "errors": [], "warnings": [], "infos": []}
        return Response(201, body)

    # --- queries ---------------------------------------------------------------------------
    def _query(self, request: Request, version: str, include_deleted: bool = False) -> JSONValue:
        text = request.arg("q")
        if not text:
            raise SalesforceError("MALFORMED_QUERY", "SOQL statements cannot be empty or null")
        batch = self._batch(request) or self.settings.query_batch_size
        return self.queries.run(text, version, batch, include_deleted)

    def _query_all(self, request: Request, version: str) -> JSONValue:
        return self._query(request, version, include_deleted=True)

    def _query_more(self, request: Request, version: str, locator: str) -> JSONValue:
        return self.queries.more(locator, version, self._batch(request))

    # --- replication -----------------------------------------------------------------------
    def _window(self, request: Request, days: float) -> tuple[datetime, datetime, datetime]:
        """Checked (start, end) of a getDeleted/getUpdated call, and "now"."""
        bounds = []
        for name in ("start", "end"):
            moment = parse_datetime((request.arg(name) or "").replace(" ", "+"))
            if moment is None:
                raise SalesforceError(
                    "INVALID_REPLICATION_DATE", f"{name} must be an ISO-8601 date and time"
                )
            bounds.append(moment)
        start, end = bounds
        now = self.store.now()
        if start >= end:
            raise SalesforceError(
                "INVALID_REPLICATION_DATE", "startDate must chronologically precede endDate"
            )
        if start < now - timedelta(days=days):
            raise SalesforceError(
                "INVALID_REPLICATION_DATE", f"startDate cannot be more than {days:g} days ago"
            )
        return start, end, now

    @staticmethod
    def _covered(end: datetime, now: datetime) -> str:
        """latestDateCovered: the end of the range or now, to the minute."""
        return format_datetime(min(end, now.replace(second=0, microsecond=0)))

    def _deleted(self, request: Request, version: str, sobject: str) -> JSONValue:
        table = self._table(sobject)
        start, end, now = self._window(request, self.settings.deleted_window_days)
        deleted = [
            {"id": record_id, "deletedDate": format_datetime(stamp)}
            for stamp, record_id in table.deletions
            if start <= stamp <= end and table.rows[record_id][IS_DELETED]
        ]
        earliest = now.replace(second=0, microsecond=0) - timedelta(
            days=self.settings.deleted_window_days
        )
        return {
            "deletedRecords": deleted,
            "earliestDateAvailable": format_datetime(earliest),
            "latestDateCovered": self._covered(end, now),
        }

    def _updated(self, request: Request, version: str, sobject: str) -> JSONValue:
        table = self._table(sobject)
        start, end, now = self._window(request, self.settings.updated_window_days)
        stamped = table.stamp_range((start, ""), (end, AFTER_ANY_ID))
        ids = [record_id for record_id, row in stamped if not row[IS_DELETED]]
        return {"ids": ids, "latestDateCovered": self._covered(end, now)}

    # --- single records --------------------------------------------------------------------
    def _get(self, request: Request, version: str, sobject: str, record_id: str) -> JSONValue:
        table = self._table(sobject)
        row = self._path_row(table, record_id)
        return self.queries.record(table, row[0], version, request.args("fields") or None)

    def _create(self, request: Request, version: str, sobject: str) -> Response:
        table = self._table(sobject)
        body = _body(request)
        values = dml.parse_record(table.schema, body)
        if dml.record_id_of(body) is not None:
            raise SalesforceError(
                "INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call", ["Id"]
            )
        change = dml.check_create(self.store, table, values, self.rules)
        record_id = dml.apply(self.store, change, self.rules)
        return Response(201, {"id": record_id, "success": True, "errors": []})

    def _update(self, request: Request, version: str, sobject: str, record_id: str) -> Response:
        table = self._table(sobject)
        row = self._path_row(table, record_id)
        values = dml.parse_record(table.schema, _body(request))
        dml.apply(
            self.store, dml.check_update(self.store, table, row, values, self.rules), self.rules
        )
        return Response(204)

    def _delete(self, request: Request, version: str, sobject: str, record_id: str) -> Response:
        table = self._table(sobject)
        dml.delete(self.store, table, self._path_row(table, record_id), self.rules)
        return Response(204)

    def _external_matches(self, table: ObjectStore, field: str, value: str) -> tuple[Any, list]:
        key = table.schema.readable(field)
        if key is None or not (key.external_id or key.name == "Id"):
            raise not_found()
        value = unquote(value)
        if key.name == "Id":
            value = normalize_id(value) or ""
        return key, table.lookup(key, value)

    def _more_than_one(self, table: ObjectStore, version: str, ids: list[str]) -> Response:
        prefix = f"/services/data/{version}/sobjects/{table.schema.name}/"
        return Response(300, [prefix + record_id for record_id in ids])

    def _get_by_external_id(
        self, request: Request, version: str, sobject: str, field: str, value: str
    ) -> Response | JSONValue:
        table = self._table(sobject)
        _, matches = self._external_matches(table, field, value)
        if not matches:
            raise not_found()
        if len(matches) > 1:
            return self._more_than_one(table, version, matches)
        return self.queries.record(table, matches[0], version)

    def _upsert(
        self, request: Request, version: str, sobject: str, field: str, value: str
    ) -> Response:
        table = self._table(sobject)
        key, matches = self._external_matches(table, field, value)
        values = dml.parse_record(table.schema, _body(request))
        values.pop(key, None)
        if len(matches) > 1:
            return self._more_than_one(table, version, matches)
        if matches:
            row = table.rows[matches[0]]
            change = dml.check_update(self.store, table, row, values, self.rules)
            record_id = dml.apply(self.store, change, self.rules)
            if self.settings.upsert_update_status == 204:
                return Response(204)
            body = {"id": record_id, "success": True, "errors": [], "created": False}
            return Response(self.settings.upsert_update_status, body)
        if key.name == "Id" or request.arg("updateOnly") == "true":
            raise not_found()
        change = dml.check_create(self.store, table, {**values, key: unquote(value)}, self.rules)
        record_id = dml.apply(self.store, change, self.rules)
        return Response(201, {"id": record_id, "success": True, "errors": [], "created": True})

    # --- collections -----------------------------------------------------------------------
    def _collection_create(self, request: Request, version: str) -> JSONValue:
        return self.collections.create(_body(request))

    def _collection_update(self, request: Request, version: str) -> JSONValue:
        return self.collections.update(_body(request))

    def _collection_upsert(
        self, request: Request, version: str, sobject: str, field: str
    ) -> JSONValue:
        return self.collections.upsert(self._table(sobject), field, _body(request))

    def _collection_delete(self, request: Request, version: str) -> JSONValue:
        all_or_none = (request.arg("allOrNone") or "false").lower() == "true"
        return self.collections.delete(request.args("ids"), all_or_none)
