"""Access tokens (private app, OAuth refresh) and rate limits, with HubSpot's answers."""

from __future__ import annotations

import math
import secrets
import threading
from collections import defaultdict, deque
from datetime import timedelta
from typing import Any

from sandbox.http import Request, Response
from sandbox.hubspot.errors import correlation_id, error_body
from sandbox.hubspot.settings import HubSpotSettings
from sandbox.hubspot.values import iso_ms, to_ms

PRIVATE_APP = "private-app"
OAUTH_APP = "oauth-app"
NO_CREDENTIALS = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _ago(seconds: float) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}(s)"
    return f"{int(seconds)} second(s)"


class TokenBook:
    """Which bearer tokens are valid: the private-app token forever, OAuth access tokens until
    ``expires_in`` seconds after their refresh (by ``settings.clock``)."""

    def __init__(self, settings: HubSpotSettings) -> None:
        self.settings = settings
        self._expiry_ms: dict[str, int] = {}

    def app_of(self, token: str | None) -> str | None:
        """PRIVATE_APP or OAUTH_APP for a token this portal issued (expired or not)."""
        if token is None:
            return None
        if token == self.settings.private_app_token:
            return PRIVATE_APP
        return OAUTH_APP if token in self._expiry_ms else None

    def refusal(self, token: str | None) -> Response | None:
        """None for a valid token, else HubSpot's 401."""
        app = self.app_of(token)
        if app is None:
            return Response(401, error_body("INVALID_AUTHENTICATION", NO_CREDENTIALS))
        if app == OAUTH_APP:
            expiry = self._expiry_ms[token or ""]
            late = to_ms(self.settings.clock()) - expiry
            if late >= 0:
                return self.expired(expiry, late)
        return None

    def expired(self, expiry_ms: int, late_ms: int) -> Response:
        return Response(401, error_body(
            self.settings.expired_token_category,
            f"The OAuth token used to make this call expired {_ago(late_ms / 1000)} ago.",
            context={"expire time": [iso_ms(expiry_ms)]},
        ))

    def refresh(self, form: dict[str, str]) -> Response:
        """``POST /oauth/v1/token`` with ``grant_type=refresh_token``."""
        settings = self.settings
        if form.get("grant_type") != "refresh_token":
            return _token_error("BAD_GRANT_TYPE", "grant_type must be refresh_token")
        if form.get("client_id") != settings.client_id:
            return _token_error("BAD_CLIENT_ID", "missing or unknown client id")
        if form.get("client_secret") != settings.client_secret:
            return _token_error("BAD_CLIENT_SECRET", "missing or invalid client secret")
        if form.get("refresh_token") != settings.refresh_token:
            return _token_error("BAD_REFRESH_TOKEN", "missing or invalid refresh token")
        token = "C" + secrets.token_urlsafe(96)
        self._expiry_ms[token] = to_ms(settings.clock()) + settings.access_token_ttl * 1000
        return Response(200, {
            "access_token": token,
            "refresh_token": settings.refresh_token,
            "expires_in": settings.access_token_ttl,
            "token_type": "bearer",
            "token_use": "access_token",
            "hub_id": settings.hub_id,
        })

    def info(self, token: str) -> Response:
        """``GET /oauth/v1/access-tokens/{token}``."""
        expiry = self._expiry_ms.get(token)
        now = to_ms(self.settings.clock())
        if expiry is None or expiry <= now:
            return Response(404, error_body("OBJECT_NOT_FOUND", "Token not found or expired"))
        return Response(200, {
            "token": token, "user": "sandbox-user@crmsync.test", "hub_domain": "sandbox.test",
            "scopes": ["crm.objects.contacts.read", "crm.objects.contacts.write",
                       "crm.objects.companies.read", "crm.objects.companies.write",
                       "crm.objects.deals.read", "crm.objects.deals.write",
                       "crm.schemas.contacts.write", "crm.objects.owners.read", "oauth"],
            "hub_id": self.settings.hub_id, "app_id": 1234567, "user_id": 7654321,
            "expires_in": (expiry - now) // 1000, "token_type": "access",
        })


def _token_error(status: str, message: str) -> Response:
    return Response(400, {
        "status": status, "message": message, "correlationId": correlation_id(),
        "category": "BAD_REQUEST", "requestId": correlation_id(),
    })


class RateLimiter:
    """HubSpot's limits: a rolling burst window per app, a daily count for the private app and
    a per-token search rate. Counts always (for the headers); refuses only when
    ``settings.rate_limit`` is on."""

    def __init__(self, settings: HubSpotSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._burst: dict[str, deque[float]] = defaultdict(deque)
        self._search: dict[str, deque[float]] = defaultdict(deque)
        self._daily: dict[str, tuple[str, int]] = {}

    def maximum(self, app: str) -> int:
        settings = self.settings
        return settings.max_per_10s if app == PRIVATE_APP else settings.oauth_max_per_10s

    def admit(self, app: str, token: str, is_search: bool) -> str | None:
        """Count one request; returns the policy it breaks (then it is not counted) or None."""
        settings = self.settings
        now = settings.rate_clock()
        with self._lock:
            burst = _trimmed(self._burst[app], now - settings.window_seconds)
            search = _trimmed(self._search[token], now - 1.0)
            day, used = self._today(app)
            if settings.rate_limit:
                if app == PRIVATE_APP and used >= settings.daily_limit:
                    return "DAILY"
                if len(burst) >= self.maximum(app):
                    return "TEN_SECONDLY_ROLLING"
                if is_search and len(search) >= settings.search_per_second:
                    return "SECONDLY"
            burst.append(now)
            if is_search:
                search.append(now)
            self._daily[app] = (day, used + 1)
        return None

    def headers(self, app: str) -> dict[str, str]:
        """The ``X-HubSpot-RateLimit-*`` headers of an answer to this app."""
        settings = self.settings
        with self._lock:
            burst = _trimmed(self._burst[app], settings.rate_clock() - settings.window_seconds)
            maximum = self.maximum(app)
            interval_ms = int(settings.window_seconds * 1000)
            headers = {
                "X-HubSpot-RateLimit-Interval-Milliseconds": str(interval_ms),
                "X-HubSpot-RateLimit-Max": str(maximum),
                "X-HubSpot-RateLimit-Remaining": str(max(0, maximum - len(burst))),
            }
            if app == PRIVATE_APP:
                _, used = self._today(app)
                headers["X-HubSpot-RateLimit-Daily"] = str(settings.daily_limit)
                headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(
                    max(0, settings.daily_limit - used)
                )
        return headers

    def seconds_until_free(self, app: str) -> int:
        """Whole seconds until the oldest request of the burst window leaves it (at least 1)."""
        settings = self.settings
        with self._lock:
            burst = self._burst[app]
            if not burst:
                return 1
            wait = burst[0] + settings.window_seconds - settings.rate_clock()
        return max(1, math.ceil(wait))

    def daily_usage(self, app: str) -> dict[str, Any]:
        """``GET /account-info/v3/api-usage/daily/private-apps``."""
        now = self.settings.clock()
        with self._lock:
            _, used = self._today(app)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        return {"results": [{
            "name": "private-apps-api-calls-daily",
            "usageLimit": self.settings.daily_limit,
            "currentUsage": used,
            "collectedAt": iso_ms(to_ms(now)),
            "fetchStatus": "SUCCESS",
            "resetsAt": iso_ms(to_ms(midnight)),
        }]}

    def _today(self, app: str) -> tuple[str, int]:
        day = self.settings.clock().date().isoformat()
        stored_day, used = self._daily.get(app, (day, 0))
        return day, used if stored_day == day else 0


def _trimmed(window: deque[float], horizon: float) -> deque[float]:
    while window and window[0] <= horizon:
        window.popleft()
    return window


_POLICY_MESSAGES = {
    "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
    "SECONDLY": "You have reached your secondly limit.",
    "DAILY": "You have reached your daily limit.",
}


def throttle_response(policy: str) -> Response:
    """HubSpot's 429 body for a policy."""
    return Response(429, {
        "status": "error",
        "message": _POLICY_MESSAGES[policy],
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id(),
        "policyName": policy,
        "requestId": correlation_id(),
    })
