"""Talking to Zoho CRM over plain ``requests``, with crmsync's own retries, rate limiting,
token refresh and error translation.

One :class:`requests.Session` carries every call (the seam for tests, and the place a custom CA
bundle goes). Each logical request is retried on what is transient (429 ``TOO_MANY_REQUESTS``,
5xx, timeouts, resets, a truncated or malformed body) by :class:`RetryPolicy`; a 401
``INVALID_TOKEN`` refreshes the access token once (:class:`TokenSource`); everything else Zoho
refuses comes back as :class:`Rejected` with Zoho's ``code``, ``message`` and ``details``, for
the connector to report per record or to stop the run.

The connector sends one request at a time, so it never holds more than one of the org's
concurrent-request slots (5 to 25 by edition); the :class:`RateLimiter` only paces requests
when a limit is configured (credits are counted per call by Zoho).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import requests

from connectors.resilience import (
    RateLimiter,
    RetryPolicy,
    Throttled,
    TokenExpired,
    TokenSource,
    send,
)
from connectors.types import AuthError, ConnectorError, RetryableError, StopRunError

log = logging.getLogger(__name__)

#: 401 codes a fresh access token may cure; other 401s (scope mismatch) stop the run.
TOKEN_CODES = ("INVALID_TOKEN", "AUTHENTICATION_FAILURE")


class Rejected(ConnectorError):
    """Zoho refused the request itself (400, 404, …): not retried. ``code``, ``message`` and
    ``details`` are Zoho's; ``body`` the whole answer (it may still list per-record results)."""

    def __init__(self, status: int, body: Any):
        self.status = status
        self.body = body
        envelope = body if isinstance(body, dict) else {}
        self.code = str(envelope.get("code") or "REJECTED")
        self.message = str(envelope.get("message") or "")
        details = envelope.get("details")
        self.details: dict[str, Any] = details if isinstance(details, dict) else {}
        super().__init__(f"Zoho answered {status} {self.code}: {self.message}{_brief(details)}")


@dataclass
class Answer:
    status: int
    body: Any  # parsed JSON; None for 204 / 304
    headers: Mapping[str, str]


class ZohoTransport:
    """Sends requests to ``{api_domain}/crm/{version}/…`` and returns parsed JSON, retrying what
    is transient. ``api_domain`` defaults to the one the token call returned."""

    def __init__(
        self,
        session: requests.Session,
        tokens: TokenSource,
        *,
        api_domain: str | None = None,
        api_version: str = "v8",
        ca_bundle: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
    ):
        self.session = session
        #: passed on every request: requests lets REQUESTS_CA_BUNDLE override Session.verify
        self.verify: str | None = ca_bundle
        self.tokens = tokens
        self.api_domain = api_domain.rstrip("/") if api_domain else None
        self.api_version = api_version
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.limiter = limiter or RateLimiter(None, 60.0)
        self.requests = 0

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        retry: bool | Literal["unsent"] = True,
    ) -> Answer:
        """One logical request to ``/crm/{version}/{path}``: rate limited, the token refreshed
        once on a 401, and retried on transient failures — only on those Zoho never acted on
        with ``"unsent"`` (for creates, see :mod:`connectors.creating`), on none with False
        (calls not safe to repeat blindly; the caller then decides)."""

        def attempt() -> Answer:
            return self.tokens.with_token(
                lambda token: self._send(token, method, path, params, body, headers)
            )

        if not retry:
            return attempt()
        return self.retry.run(
            attempt, f"Zoho {method} {path.split('/')[0]}", unsent_only=retry == "unsent"
        )

    def _base(self) -> str:
        domain = self.api_domain or getattr(self.tokens, "api_domain", None)
        if not domain:
            raise StopRunError("no Zoho api_domain: configure one or use an OAuth token source")
        return f"{domain.rstrip('/')}/crm/{self.api_version}"

    def _send(
        self,
        token: str,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        headers: Mapping[str, str] | None,
    ) -> Answer:
        url = f"{self._base()}/{path}"
        self.limiter.acquire()
        self.requests += 1
        sent_headers = {"Authorization": f"Zoho-oauthtoken {token}", **(headers or {})}
        response = send(
            lambda: self.session.request(
                method,
                url,
                params=params,
                json=body,
                headers=sent_headers,
                timeout=self.timeout,
                allow_redirects=False,
                verify=self.verify,
            ),
            url,
            "Zoho",
        )
        parsed = _json(response)
        status = response.status_code
        if status < 300 or status == 304:
            return Answer(status, parsed, response.headers)
        raise _translate(status, parsed, response.headers)


def _json(response: requests.Response) -> Any:
    """The parsed body; a truncated or malformed one is transient (the request is repeated)."""
    if response.status_code in (204, 304) or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise RetryableError(
            f"Zoho sent a malformed response ({len(response.content)} bytes, "
            f"HTTP {response.status_code})"
        ) from None


def _translate(status: int, body: Any, headers: Mapping[str, str]) -> Exception:
    envelope = body if isinstance(body, dict) else {}
    code = str(envelope.get("code") or "")
    message = str(envelope.get("message") or "")
    if status == 429:
        retry_after = headers.get("Retry-After")
        wait = float(retry_after) if retry_after and retry_after.isdigit() else None
        return Throttled(f"Zoho rate limit ({code or 'TOO_MANY_REQUESTS'}): {message}", wait)
    if status >= 500:
        return RetryableError(f"Zoho server error {status} {code}".rstrip())
    if status == 401:
        if code in TOKEN_CODES or not code:
            return TokenExpired(code or "unauthorized")
        return AuthError(f"Zoho refused the access token: {code} {message}".rstrip())
    if status == 403:
        return StopRunError(f"Zoho refused access: {code or 'NO_PERMISSION'} {message}".rstrip())
    return Rejected(status, body)


def _brief(details: Any) -> str:
    if not isinstance(details, dict) or not details:
        return ""
    shown = {k: v for k, v in details.items() if k in ("api_name", "json_path", "param_name")}
    shown = shown or dict(list(details.items())[:3])
    return " (" + ", ".join(f"{k}={json.dumps(v, default=str)}" for k, v in shown.items()) + ")"
