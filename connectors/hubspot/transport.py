"""Talking to HubSpot through the official SDK (hubspot-api-client), with crmsync's own
retries, rate limiting, token refresh and error translation.

The SDK builds the requests (URLs, auth header, serialisation) and speaks HTTP through urllib3;
responses are read as raw JSON (``_preload_content=False``) so a truncated or malformed body is
caught and retried, and millions of records are not turned into SDK model objects. The SDK's
own urllib3 retries are switched off: one place decides about retries, and it honours
``Retry-After``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import urllib3
from hubspot import HubSpot
from hubspot.crm.associations.v4 import exceptions as association_errors
from hubspot.crm.objects import exceptions as object_errors
from hubspot.crm.properties import exceptions as property_errors
from hubspot.oauth import exceptions as oauth_errors
from urllib3.util.retry import Retry

from connectors.resilience import RateLimiter, RetryPolicy, Throttled, TokenExpired, TokenSource
from connectors.types import ConnectorError, RetryableError, StopRunError

log = logging.getLogger(__name__)

API_ERRORS = (
    object_errors.ApiException,
    property_errors.ApiException,
    association_errors.ApiException,
    oauth_errors.ApiException,
)
NETWORK_ERRORS = (urllib3.exceptions.HTTPError, OSError)


class Rejected(ConnectorError):
    """HubSpot refused the request itself (400, 404, 409): not retried; ``body`` says why."""

    def __init__(self, status: int, body: Any):
        self.status = status
        self.body = body
        message = body.get("message") if isinstance(body, dict) else str(body)
        super().__init__(f"HubSpot answered {status}: {message}")

    @property
    def category(self) -> str:
        """HubSpot's error category (``VALIDATION_ERROR``, ``CONFLICT`` …)."""
        return (
            str(self.body.get("category", "REJECTED"))
            if isinstance(self.body, dict)
            else "REJECTED"
        )


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


class HubSpotTransport:
    """Calls SDK API methods by path (``"crm.objects.basic_api.get_page"``) and returns
    parsed JSON, retrying what is transient."""

    def __init__(
        self,
        base_url: str,
        tokens: TokenSource,
        *,
        ca_bundle: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        search_limiter: RateLimiter | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.ca_bundle = ca_bundle
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.limiter = limiter or RateLimiter(None, 10.0)
        self.search_limiter = search_limiter or RateLimiter(4, 1.0)
        self.requests = 0
        self._apis: dict[str, Any] = {}
        self._apis_token: str | None = None

    # --- SDK plumbing ---------------------------------------------------------------------
    def _client(self, token: str) -> HubSpot:
        options: dict[str, Any] = {"host": self.base_url}
        if self.ca_bundle:
            options["ssl_ca_cert"] = self.ca_bundle
        no_retries = Retry(
            total=0,
            connect=0,
            read=0,
            redirect=0,
            status=0,
            respect_retry_after_header=False,
            raise_on_status=False,
        )
        return HubSpot(access_token=token, retry=no_retries, **options)

    def _api(self, token: str, path: str) -> Any:
        """The SDK API object for ``path``, kept per token so connections are reused."""
        if token != self._apis_token:
            self._apis, self._apis_token = {}, token
        group, method = path.rsplit(".", 1)
        if group not in self._apis:
            node: Any = self._client(token)
            for part in group.split("."):
                node = getattr(node, part)
            self._apis[group] = node
        return getattr(self._apis[group], method)

    # --- calls ----------------------------------------------------------------------------
    def call(
        self,
        path: str,
        *args: Any,
        search: bool = False,
        retry: bool | Literal["unsent"] = True,
        **kwargs: Any,
    ) -> Answer:
        """One logical request, with rate limiting, token refresh and retries: of every
        transient failure, only of those HubSpot never acted on (``"unsent"``: for creates, see
        :mod:`connectors.creating`), or none (False: the caller decides)."""

        def attempt() -> Answer:
            return self.tokens.with_token(
                lambda token: self._send(token, path, args, kwargs, search)
            )

        if not retry:
            return attempt()
        return self.retry.run(
            attempt,
            f"HubSpot {path.rsplit('.', 2)[-2]}.{path.rsplit('.', 1)[-1]}",
            unsent_only=retry == "unsent",
        )

    def _send(
        self, token: str, path: str, args: tuple[Any, ...], kwargs: dict[str, Any], search: bool
    ) -> Answer:
        (self.search_limiter if search else self.limiter).acquire()
        self.requests += 1
        method: Callable[..., Any] = self._api(token, path)
        try:
            response = method(
                *args, _preload_content=False, _request_timeout=self.timeout, **kwargs
            )
        except API_ERRORS as error:
            raise self._translate(error) from None
        except NETWORK_ERRORS as error:
            raise RetryableError(f"HubSpot unreachable: {type(error).__name__}") from None
        headers = dict(response.headers)
        self._learn_limits(headers)
        data = response.data
        if not data:
            return Answer(response.status, None, headers)
        try:
            body = json.loads(data)
        except ValueError:
            raise RetryableError(f"HubSpot sent a malformed response ({len(data)} bytes)") from None
        return Answer(response.status, body, headers)

    def _learn_limits(self, headers: dict[str, str]) -> None:
        lower = {k.lower(): v for k, v in headers.items()}
        limit = lower.get("x-hubspot-ratelimit-max")
        interval = lower.get("x-hubspot-ratelimit-interval-milliseconds")
        if limit and limit.isdigit():
            seconds = int(interval) / 1000 if interval and interval.isdigit() else None
            self.limiter.learn(int(limit), seconds)

    def _translate(self, error: Any) -> Exception:
        status = error.status or 0
        headers = {k.lower(): v for k, v in dict(error.headers or {}).items()}
        body = _parse(error.body)
        message = body.get("message") if isinstance(body, dict) else None
        if status == 0:
            return RetryableError(f"HubSpot unreachable: {error.reason}")
        if status == 429:
            retry_after = headers.get("retry-after")
            policy = body.get("policyName") if isinstance(body, dict) else None
            wait = float(retry_after) if retry_after else None
            return Throttled(f"HubSpot rate limit ({policy or 'unknown policy'})", wait)
        if status >= 500:
            return RetryableError(f"HubSpot server error {status}")
        if status == 401:
            return TokenExpired(message or "unauthorized")
        if status == 403:
            return StopRunError(f"HubSpot refused access: {message or 'forbidden'}")
        return Rejected(status, body)


def _parse(raw: Any) -> Any:
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return raw
