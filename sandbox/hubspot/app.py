"""The HubSpot emulator: routes, auth, rate limits, owners, OAuth and inspection."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import unquote

from sandbox.dataset import Dataset
from sandbox.http import App, Handler, JSONValue, Request, Response, Router
from sandbox.hubspot.associations_api import AssociationsApi
from sandbox.hubspot.auth import (
    PRIVATE_APP,
    RateLimiter,
    TokenBook,
    bearer_token,
    throttle_response,
)
from sandbox.hubspot.errors import bad_request, correlation_id, error_body
from sandbox.hubspot.load import load_dataset
from sandbox.hubspot.objects_api import ObjectsApi, record_not_found
from sandbox.hubspot.portal import Portal
from sandbox.hubspot.properties_api import PropertiesApi
from sandbox.hubspot.settings import HubSpotSettings
from sandbox.hubspot.store import ObjectStore
from sandbox.hubspot.values import iso_ms, parse_bool, to_ms

PUBLIC_PATHS = ("/oauth/v1/token", "/oauth/v1/access-tokens/")


class GuardedRouter(Router):
    """A router whose handlers answer 400 (HubSpot's "Invalid input JSON") instead of dropping
    the connection when a body has an unexpected shape."""

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        @functools.wraps(handler)
        def guarded(request: Request, **params: str) -> Any:
            try:
                return handler(request, **params)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise bad_request(f"Invalid input JSON: {exc!r}") from exc

        super().add(method, pattern, guarded)


class HubSpotApp(App):
    """An emulated HubSpot portal serving a :class:`Dataset` through the CRM v3/v4 APIs."""

    name = "hubspot"

    def __init__(self, dataset: Dataset | None = None, settings: HubSpotSettings | None = None):
        super().__init__()
        self.settings = settings or HubSpotSettings()
        self.portal = Portal(self.settings)
        #: data set key → HubSpot record id (owners: data set owner id → HubSpot owner id).
        self.ids = load_dataset(self.portal, dataset)
        self.owner_ids = {
            original.id: owner.id
            for original, owner in zip(dataset.owners if dataset else [], self.portal.owners,
                                       strict=True)
        }
        self.tokens = TokenBook(self.settings)
        self.limits = RateLimiter(self.settings)
        self.router = GuardedRouter()
        for api in (ObjectsApi, PropertiesApi, AssociationsApi):
            api(self.portal).register(self.router)
        self.router.add("GET", "/crm/v3/owners", self.list_owners)
        self.router.add("GET", "/crm/v3/owners/{owner_id}", self.get_owner)
        self.router.add("POST", "/oauth/v1/token", self.token)
        self.router.add("GET", "/oauth/v1/access-tokens/{token}", self.token_info)
        self.router.add("GET", "/account-info/v3/api-usage/daily/private-apps", self.daily_usage)

    # --- public surface ---------------------------------------------------------------------
    def credentials(self, base_url: str) -> dict[str, str]:
        """What a client needs: ``access_token`` is the private-app token (never expires);
        ``client_id``/``client_secret``/``refresh_token`` refresh OAuth access tokens at
        ``token_url``."""
        settings = self.settings
        return {
            "base_url": base_url,
            "token_url": f"{base_url}/oauth/v1/token",
            "access_token": settings.private_app_token,
            "client_id": settings.client_id,
            "client_secret": settings.client_secret,
            "refresh_token": settings.refresh_token,
        }

    def store(self, object_type: str) -> ObjectStore:
        """The records of ``contacts``, ``companies``, ``deals`` or ``tasks``."""
        return self.portal.store(object_type)

    def dump(self) -> JSONValue:
        """Every record per object type (archived ones flagged), with its associations."""
        out: dict[str, Any] = {"owners": [o.as_json() for o in self.portal.owners]}
        links = self.portal.associations
        for name, store in self.portal.stores.items():
            records = []
            for record_id, row in store.iter_all():
                record: dict[str, Any] = {
                    "id": str(record_id),
                    "properties": store.values(record_id, row),
                    "createdAt": iso_ms(row.created),
                    "updatedAt": iso_ms(row.updated),
                    "archived": row.archived_at is not None,
                    "associations": {
                        to_type: [{"id": str(to_id), "types": types} for to_id, types in found]
                        for to_type, found in links.all_of(name, record_id).items()
                    },
                }
                if row.archived_at is not None:
                    record["archivedAt"] = iso_ms(row.archived_at)
                if record_id in store.merged_into:
                    record["mergedInto"] = str(store.merged_into[record_id])
                records.append(record)
            out[name] = records
        return out

    # --- vendor answers ---------------------------------------------------------------------
    def is_public(self, request: Request) -> bool:
        return request.path.startswith(PUBLIC_PATHS)

    def authenticate(self, request: Request) -> Response | None:
        return self.tokens.refusal(bearer_token(request))

    def rate_limit(self, request: Request) -> Response | None:
        token = bearer_token(request) or ""
        app = self.tokens.app_of(token) or PRIVATE_APP
        is_search = request.method == "POST" and request.path.endswith("/search")
        policy = self.limits.admit(app, token, is_search)
        return None if policy is None else self._throttle(policy, app)

    def throttled(self, request: Request) -> Response:
        app = self.tokens.app_of(bearer_token(request)) or PRIVATE_APP
        response = self._throttle("TEN_SECONDLY_ROLLING", app)
        response.headers.update(self.limits.headers(app))
        response.headers["X-HubSpot-RateLimit-Remaining"] = "0"
        return response

    def _throttle(self, policy: str, app: str) -> Response:
        response = throttle_response(policy)
        if self.settings.retry_after:
            wait = 1 if policy == "SECONDLY" else self.limits.seconds_until_free(app)
            response.headers["Retry-After"] = str(wait)
        return response

    def expired_token(self, request: Request) -> Response:
        now = to_ms(self.settings.clock())
        return self.tokens.expired(now, 0)

    def extra_headers(self, request: Request, response: Response) -> dict[str, str]:
        headers = {"x-hubspot-correlation-id": correlation_id()}
        app = self.tokens.app_of(bearer_token(request))
        if app is not None and not self.is_public(request):
            headers.update(self.limits.headers(app))
        return headers

    def not_found(self, request: Request) -> Response:
        return Response(404, error_body(
            "OBJECT_NOT_FOUND", f"No route for {request.method} {request.path}"
        ))

    # --- owners, OAuth, usage ---------------------------------------------------------------
    def list_owners(self, request: Request) -> dict[str, Any]:
        owners = self.portal.owners
        if parse_bool(request.arg("archived")):
            owners = []
        email = request.arg("email")
        if email:
            owners = [o for o in owners if o.email.lower() == email.lower()]
        limit = min(int(request.arg("limit") or 100), 500)
        offset = int(request.arg("after") or 0)
        body: dict[str, Any] = {"results": [o.as_json() for o in owners[offset:offset + limit]]}
        if offset + limit < len(owners):
            after = str(offset + limit)
            body["paging"] = {"next": {"after": after, "link": f"?after={after}"}}
        return body

    def get_owner(self, request: Request, owner_id: str) -> dict[str, Any]:
        key = unquote(owner_id)
        by_email = request.arg("idProperty") == "email"
        for owner in self.portal.owners:
            if (owner.email.lower() == key.lower()) if by_email else owner.id == key:
                return owner.as_json()
        raise record_not_found(key)

    def token(self, request: Request) -> Response:
        return self.tokens.refresh(request.form())

    def token_info(self, request: Request, token: str) -> Response:
        return self.tokens.info(unquote(token))

    def daily_usage(self, request: Request) -> dict[str, Any]:
        return self.limits.daily_usage(PRIVATE_APP)
