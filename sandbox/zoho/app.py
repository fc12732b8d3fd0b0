"""The Zoho CRM emulator: accounts server (``/oauth/v2/token``) and API domain
(``/crm/v7|v8/...``) in one app."""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable
from typing import Any, cast

from sandbox.dataset import Dataset
from sandbox.http import App, HttpError, JSONValue, Request, Response
from sandbox.zoho.actions import ActionApi
from sandbox.zoho.errors import envelope
from sandbox.zoho.limits import ArrivalGate, CreditMeter, bearer
from sandbox.zoho.load import load_dataset
from sandbox.zoho.meta import MetaApi
from sandbox.zoho.records import RecordApi
from sandbox.zoho.settings import ZohoSettings
from sandbox.zoho.store import Renderer, Store

API_VERSIONS = ("v7", "v8")
TOKEN_PATH = "/oauth/v2/token"
SCOPE = "ZohoCRM.modules.ALL ZohoCRM.settings.ALL ZohoCRM.users.READ ZohoCRM.coql.READ"


class ZohoApp(App):
    """Zoho CRM over plain HTTP: ``credentials(base_url)`` tells a client where and how."""

    name = "zoho"

    def __init__(self, dataset: Dataset | None = None, settings: ZohoSettings | None = None
                 ) -> None:
        super().__init__()
        self.settings = settings or ZohoSettings()
        self.store = Store(self.settings)
        #: Zoho id of each loaded company, contact and deal, by its logical key ("ct-0000042")
        self.ids: dict[str, int] = {} if dataset is None else load_dataset(self.store, dataset)
        self.gate = ArrivalGate(lambda: self.settings.request_delay_seconds)
        self.lock = cast(Any, self.gate)
        self.credits = CreditMeter()
        #: access token -> expiry (epoch seconds)
        self.tokens: dict[str, float] = {}
        self.records = RecordApi(self.store, self.settings)
        self.actions = ActionApi(self.store, self.settings, self.records)
        self.meta = MetaApi(self.store, self.settings)
        self.router.add("POST", TOKEN_PATH, self.token)
        self._route()

    def credentials(self, base_url: str) -> dict[str, str]:
        """What a client needs, under the names Zoho's SDKs use."""
        return {
            "accounts_url": base_url,
            "token_url": base_url + TOKEN_PATH,
            "api_domain": base_url,
            "client_id": self.settings.client_id,
            "client_secret": self.settings.client_secret,
            "refresh_token": self.settings.refresh_token,
        }

    def _route(self) -> None:
        records, actions, meta = self.records, self.actions, self.meta
        routes: list[tuple[str, str, Callable[..., Any]]] = [
            ("POST", "coql", meta.coql),
            ("GET", "users", meta.list_users),
            ("GET", "settings/fields", meta.list_fields),
            ("POST", "settings/fields", meta.create_fields),
            ("GET", "settings/tags", meta.list_tags),
            ("GET", "Contacts/roles", actions.list_roles),
            ("POST", "{module}/upsert", records.upsert),
            ("GET", "{module}/deleted", records.deleted),
            ("POST", "{module}/actions/add_tags", actions.add_tags),
            ("POST", "{module}/actions/remove_tags", actions.remove_tags),
            ("POST", "{module}/{record}/actions/add_tags", actions.add_tags_to),
            ("POST", "{module}/{record}/actions/remove_tags", actions.remove_tags_from),
            ("POST", "{module}/{record}/actions/merge", actions.merge),
            ("GET", "{module}/{record}/{related}", actions.related),
            ("PUT", "{module}/{record}/{related}/{related_id}", actions.relate),
            ("DELETE", "{module}/{record}/{related}/{related_id}", actions.unrelate),
            ("GET", "{module}/{record}", records.get_record),
            ("PUT", "{module}/{record}", records.update_by_id),
            ("DELETE", "{module}/{record}", records.delete_by_id),
            ("GET", "{module}", records.list_records),
            ("POST", "{module}", records.insert),
            ("PUT", "{module}", records.update),
            ("DELETE", "{module}", records.delete),
        ]
        for method, pattern, handler in routes:
            self.router.add(method, "/crm/{version}/" + pattern, versioned(handler))

    # --- OAuth ------------------------------------------------------------------------------
    def token(self, request: Request) -> dict[str, Any]:
        """Refresh-token grant. Failures are HTTP 200 with an ``error`` and no token, as on
        the real accounts server."""
        form = request.form()
        client_id, client_secret = basic_credentials(request)
        client_id = form.get("client_id") or client_id
        client_secret = form.get("client_secret") or client_secret
        settings = self.settings
        if form.get("grant_type") != "refresh_token":
            return {"error": "unsupported_grant_type"}
        if client_id != settings.client_id or client_secret != settings.client_secret:
            return {"error": "invalid_client"}
        if form.get("refresh_token") != settings.refresh_token:
            return {"error": "invalid_code"}
        now = self.store.now()
        self.tokens = {t: e for t, e in self.tokens.items() if e > now}
        access_token = f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"
        self.tokens[access_token] = now + settings.access_token_ttl
        domain = settings.api_domain or f"http://{request.headers.get('host', '127.0.0.1')}"
        answer: dict[str, Any] = {
            "access_token": access_token,
            "scope": SCOPE,
            "api_domain": domain,
            "token_type": "Bearer",
            "expires_in": settings.access_token_ttl,
        }
        if settings.legacy_expires_in_ms:
            answer["expires_in"] = settings.access_token_ttl * 1000
            answer["expires_in_sec"] = settings.access_token_ttl
        return answer

    # --- the App hooks ------------------------------------------------------------------------
    def is_public(self, request: Request) -> bool:
        public = request.path == TOKEN_PATH
        self.gate.arriving(None if public else request)
        return public

    def authenticate(self, request: Request) -> Response | None:
        expiry = self.tokens.get(bearer(request) or "")
        if expiry is None or expiry <= self.store.now():
            return self.expired_token(request)
        return None

    def expired_token(self, request: Request) -> Response:
        return Response(401, envelope("INVALID_TOKEN", "invalid oauth token"))

    def throttled(self, request: Request) -> Response:
        return Response(429, envelope("TOO_MANY_REQUESTS",
                                      "You have reached the API limit; try again later"))

    def rate_limit(self, request: Request) -> Response | None:
        settings = self.settings
        limit = settings.concurrency_limit
        if limit is not None and self.gate.in_flight() > limit:
            return Response(429, envelope(
                "TOO_MANY_REQUESTS", "concurrency limit exceeded", limit=limit))
        now = settings.clock().timestamp()
        if not self.credits.spend(settings.daily_credits, settings.credit_window_seconds, now):
            return Response(429, envelope(
                "TOO_MANY_REQUESTS", "API credits exhausted for the day",
                limit=settings.daily_credits))
        return None

    def not_found(self, request: Request) -> Response:
        return Response(404, envelope(
            "INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one"))

    def dump(self) -> JSONValue:
        """Every record of every module (deleted ones flagged ``$deleted``) with its tags,
        the contact roles, and the users."""
        store = self.store
        out: dict[str, Any] = {}
        for module, table in store.tables.items():
            render = Renderer(store, module, skip_empty=True)
            live = [{**render(rid, row), "$deleted": False} for rid, row in table.rows.items()]
            gone = [{**render(d.id, d.row, d.tags), "$deleted": True}
                    for d in table.deleted.values()]
            out[module] = live + gone
        out["Contact_Roles"] = [
            {"Deal": str(deal), "Contact": str(contact), "Contact_Role": store.roles[role].name}
            for deal, assigned in store.contact_roles.items()
            for contact, role in assigned.items()
        ]
        out["users"] = [{"id": str(u.id), "name": u.full_name, "email": u.email}
                        for u in store.users.values()]
        return out


def versioned(handler: Callable[..., Any]) -> Callable[..., Any]:
    """A handler behind ``/crm/{version}/``: only v7 and v8 exist."""

    def serve(request: Request, version: str, **params: str) -> Any:
        if version not in API_VERSIONS:
            raise HttpError(404, envelope(
                "INVALID_URL_PATTERN",
                "Please check if the URL trying to access is a correct one"))
        return handler(request, **params)

    return serve


def basic_credentials(request: Request) -> tuple[str | None, str | None]:
    """(client id, secret) from an ``Authorization: Basic`` header."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None, None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret
