"""Talking to Salesforce through simple-salesforce, with crmsync's own retries, rate limiting,
token refresh, daily-quota guard and error translation.

simple-salesforce builds the REST calls (``query``/``query_more``, ``restful`` for describe,
getDeleted, sObject collections and the Tooling API) over one :class:`requests.Session`. It
always speaks https, passes no timeout, and its login and ``SFType`` calls pass no ``verify``
— and requests lets ``REQUESTS_CA_BUNDLE`` override ``Session.verify``. So the session gets an
adapter (:func:`https_session`) that puts the configured CA bundle and a timeout on every
request, whoever sends it. simple-salesforce's own re-login on 401 is not used (it is built
with a session id): a 401 ``INVALID_SESSION_ID`` refreshes the token through
:class:`TokenSource`, a bounded number of times.

Salesforce counts every call against the org's rolling 24-hour allocation and reports it in
``Sforce-Limit-Info: api-usage=N/MAX``. :class:`DailyQuota` reads it from every answer and
stops the run before crmsync takes the org past its configured share; a 403
``REQUEST_LIMIT_EXCEEDED`` with the allocation spent stops the run too (with allocation left
it is the concurrent-request limit: waited out and retried).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError

from connectors.resilience import (
    RateLimiter,
    RetryPolicy,
    Throttled,
    TokenExpired,
    TokenSource,
    send,
)
from connectors.types import ConnectorError, RetryableError, StopRunError

log = logging.getLogger(__name__)
T = TypeVar("T")

_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


class Rejected(ConnectorError):
    """Salesforce refused the request itself (400, 404, …): not retried. ``code`` and
    ``message`` are Salesforce's (``INVALID_FIELD``, ``MALFORMED_QUERY`` …)."""

    def __init__(self, status: int, body: Any):
        self.status = status
        self.body = body
        first = body[0] if isinstance(body, list) and body else body
        first = first if isinstance(first, dict) else {}
        self.code = str(first.get("errorCode") or "REJECTED")
        self.message = str(first.get("message") or "")
        super().__init__(f"Salesforce answered {status} {self.code}: {self.message}".rstrip(": "))


class DailyQuota:
    """The org's API requests in the last 24 hours, as ``Sforce-Limit-Info`` reports them, and
    the share of the allocation crmsync may take the org to."""

    def __init__(self, share: float = 0.5):
        if not 0 < share <= 1:
            raise ValueError("daily_quota_share must be more than 0 and at most 1")
        self.share = share
        self.used: int | None = None
        self.limit: int | None = None

    def learn(self, header: str | None) -> None:
        found = _USAGE.search(header or "")
        if found:
            self.used, self.limit = int(found.group(1)), int(found.group(2))

    @property
    def allowed(self) -> int | None:
        return None if self.limit is None else int(self.limit * self.share)

    @property
    def spent(self) -> bool:
        return self.used is not None and self.limit is not None and self.used >= self.limit

    def check(self) -> None:
        """Raise :class:`StopRunError` when one more request would pass the share."""
        allowed = self.allowed
        if self.used is None or allowed is None or self.used < allowed:
            return
        raise StopRunError(
            f"Salesforce daily API quota: the org has used {self.used:,} of its {self.limit:,} "
            f"requests in the last 24 hours and crmsync stops at {self.share:.0%} "
            f"({allowed:,}); stopping cleanly, the next run resumes where this one stopped"
        )


class _PinnedAdapter(HTTPAdapter):
    """Sends every request with the configured CA bundle (when one is) and a timeout (when
    the caller gave none)."""

    def __init__(self, ca_bundle: str | None, timeout: float):
        super().__init__()
        self.ca_bundle = ca_bundle
        self.timeout = timeout

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        return super().send(
            request,
            stream=stream,
            timeout=self.timeout if timeout is None else timeout,
            verify=self.ca_bundle or verify,
            cert=cert,
            proxies=proxies,
        )


def https_session(
    session: requests.Session | None = None,
    *,
    ca_bundle: str | None = None,
    timeout: float = 30.0,
) -> requests.Session:
    """``session`` (or a new one) whose https requests trust ``ca_bundle`` — even with
    ``REQUESTS_CA_BUNDLE`` set — and time out after ``timeout`` seconds."""
    if ca_bundle and not Path(ca_bundle).is_file():
        raise StopRunError(f"the configured ca_bundle {ca_bundle} is not a file")
    session = session or requests.Session()
    session.mount("https://", _PinnedAdapter(ca_bundle, timeout))
    return session


class SalesforceTransport:
    """Runs simple-salesforce calls with a client for the current access token, retrying
    what is transient. The instance URL is ``instance_url`` or the one the login returned."""

    def __init__(
        self,
        session: requests.Session,
        tokens: TokenSource,
        *,
        instance_url: str | None = None,
        api_version: str = "62.0",
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        quota: DailyQuota | None = None,
    ):
        self.session = session
        self.tokens = tokens
        self.instance_url = instance_url.rstrip("/") if instance_url else None
        self.api_version = api_version
        self.retry = retry or RetryPolicy()
        self.limiter = limiter or RateLimiter(None, 1.0)
        self.quota = quota or DailyQuota()
        self.requests = 0
        self._client: tuple[str, str, Salesforce] | None = None
        session.hooks["response"].append(self._observe)

    # --- calls ----------------------------------------------------------------------------
    def call(
        self,
        what: str,
        request: Callable[[Salesforce], T],
        *,
        retry: bool | Literal["unsent"] = True,
    ) -> T:
        """One logical request, ``request(client)``: quota checked, rate limited, the token
        refreshed on a 401, and retried on transient failures — only on those Salesforce never
        acted on with ``"unsent"`` (for creates, see :mod:`connectors.creating`), on none with
        False (calls not safe to repeat blindly; the caller then decides)."""

        def attempt() -> T:
            return self.tokens.with_token(lambda token: self._send(token, request))

        if not retry:
            return attempt()
        return self.retry.run(attempt, f"Salesforce {what}", unsent_only=retry == "unsent")

    def query(self, soql: str, *, deleted: bool = False, batch: int = 2000) -> dict[str, Any]:
        """The first batch of a query (``queryAll`` with ``deleted``)."""
        headers = {"Sforce-Query-Options": f"batchSize={batch}"}
        return self.call(
            "queryAll" if deleted else "query",
            lambda sf: sf.query(soql, include_deleted=deleted, headers=headers),
        )

    def query_more(self, next_url: str, *, batch: int = 2000) -> dict[str, Any]:
        headers = {"Sforce-Query-Options": f"batchSize={batch}"}
        return self.call(
            "queryMore",
            lambda sf: sf.query_more(next_url, identifier_is_url=True, headers=headers),
        )

    def rest(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        retry: bool | Literal["unsent"] = True,
    ) -> Any:
        """A REST resource under ``/services/data/vNN.N/`` (parsed JSON, None for 204)."""
        what = f"{method} {path.split('?')[0]}"
        return self.call(
            what,
            lambda sf: sf.restful(path, params=dict(params or {}), method=method, json=body),
            retry=retry,
        )

    # --- plumbing -------------------------------------------------------------------------
    def _instance(self) -> str:
        instance = self.instance_url or getattr(self.tokens, "instance_url", None)
        if not instance:
            raise StopRunError("no Salesforce instance URL: configure instance_url or log in")
        return str(instance)

    def client(self, token: str) -> Salesforce:
        """The simple-salesforce client for ``token`` (kept while the token is)."""
        instance = self._instance()
        if self._client is None or self._client[:2] != (token, instance):
            sf = Salesforce(
                instance_url=instance,
                session_id=token,
                version=self.api_version,
                session=self.session,
            )
            self._client = (token, instance, sf)
        return self._client[2]

    def _send(self, token: str, request: Callable[[Salesforce], T]) -> T:
        self.quota.check()
        self.limiter.acquire()
        self.requests += 1
        sf = self.client(token)
        try:
            return send(lambda: request(sf), sf.base_url, "Salesforce")
        except SalesforceError as error:
            raise self._translate(error) from None

    def _observe(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.quota.learn(response.headers.get("Sforce-Limit-Info"))

    def _translate(self, error: SalesforceError) -> Exception:
        status = int(error.status or 0)
        rejection = Rejected(status, error.content)
        code, message = rejection.code, rejection.message
        if status == 401:
            return TokenExpired(code)
        if status == 403 and code == "REQUEST_LIMIT_EXCEEDED":
            quota = self.quota
            if quota.used is None or quota.spent:
                usage = f"{quota.used:,}/{quota.limit:,}" if quota.limit else "unknown"
                return StopRunError(
                    f"Salesforce refused the request: the org's daily API requests are spent "
                    f"(REQUEST_LIMIT_EXCEEDED, api-usage {usage}); stopping cleanly, the next "
                    "run resumes where this one stopped"
                )
            return Throttled(
                f"Salesforce REQUEST_LIMIT_EXCEEDED with daily requests left "
                f"({quota.used:,}/{quota.limit:,}): too many requests at once"
            )
        if status == 403:
            return StopRunError(f"Salesforce refused access: {code} {message}".rstrip())
        if status == 429:
            return Throttled(f"Salesforce rate limit (HTTP 429) {code}".rstrip())
        if status >= 500:
            return RetryableError(f"Salesforce server error {status}")
        return rejection
