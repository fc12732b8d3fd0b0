"""What keeps a long sync alive: retries with backoff and jitter that honour ``Retry-After``,
a client-side rate limiter sized to the account's limit, and access tokens refreshed before
they expire and after a 401, a bounded number of times in a row.

Adapters translate their vendor's errors into :class:`RetryableError` (with ``retry_after``
when the vendor says how long to wait), :class:`StopRunError` / :class:`AuthError` (those
over :mod:`requests` translate network failures with :func:`send`), and run each request
through :meth:`RetryPolicy.run`.

A request that is not safe to repeat (a create) is retried only after a failure that proves the
CRM never acted on it (:func:`not_acted_on`): throttled (refused before any work), no connection
made, no access token to send it with; see :meth:`RetryPolicy.run` with ``unsent_only``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)
from urllib3.exceptions import ConnectTimeoutError

from connectors.types import AuthError, RetryableError, StopRunError

log = logging.getLogger(__name__)
T = TypeVar("T")


class Throttled(RetryableError):
    """The CRM refused the request for its rate limit; ``retry_after`` in seconds if said."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class NotSent(RetryableError):
    """The request was not sent (no access token could be had for it): repeating it cannot do
    anything twice."""


def not_acted_on(error: BaseException) -> bool:
    """Whether a transient failure proves the CRM never acted on the request: throttled, not
    sent, or no connection made."""
    return isinstance(error, Throttled | NotSent) or (
        isinstance(error, RetryableError) and never_sent(error)
    )


def never_sent(error: BaseException) -> bool:
    """Whether a network failure (from requests or urllib3) happened before the request was
    sent: the connection itself failed (refused, name not resolved, connect timeout). A reset
    or a read timeout after sending is not. The adapters raise their :class:`RetryableError`
    while handling the network error: ``from None`` keeps it out of tracebacks, not out of
    ``__context__``, where it is found."""
    todo: list[object] = [error]
    seen: set[int] = set()
    while todo:
        current = todo.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        if isinstance(current, ConnectTimeoutError):  # NewConnectionError, NameResolutionError
            return True
        seen.add(id(current))
        todo.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        todo.extend(current.args)
    return False


def send(request: Callable[[], T], url: str, crm: str) -> T:
    """``request()`` (through :mod:`requests`), its network failures translated: a TLS or URL
    error stops the run, the others are transient — never with the URL's query or a header in
    the message."""
    host = urlsplit(url).netloc
    try:
        return request()
    except requests.exceptions.SSLError:
        raise StopRunError(
            f"TLS verification failed for {host}: configure ca_bundle if a proxy re-signs traffic"
        ) from None
    except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema):
        raise StopRunError(f"invalid {crm} URL for {host}") from None
    except requests.exceptions.JSONDecodeError:
        raise RetryableError(f"{crm} ({host}) sent a malformed or truncated answer") from None
    except requests.exceptions.RequestException as error:
        raise RetryableError(f"{crm} unreachable ({host}): {type(error).__name__}") from None


class TokenExpired(Exception):
    """A 401 that a fresh access token may cure (adapters raise it; never leaves a connector)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry transient failures."""

    attempts: int = 6
    initial_wait: float = 0.5
    max_wait: float = 30.0

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            return min(float(retry_after), self.max_wait * 4)
        backoff = wait_random_exponential(multiplier=self.initial_wait, max=self.max_wait)
        return float(backoff(state))

    def run(self, call: Callable[[], T], what: str, *, unsent_only: bool = False) -> T:
        """``call()``, retried on :class:`RetryableError` with backoff and jitter; with
        ``unsent_only``, only on the failures that prove the CRM never acted on the request
        (:func:`not_acted_on`): for requests that must not be repeated after a lost answer."""

        def note(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0
            log.warning(
                "%s failed (%s); retry %d in %.1fs", what, error, state.attempt_number, wait
            )

        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=retry_if_exception(not_acted_on)
            if unsent_only
            else retry_if_exception_type(RetryableError),
            before_sleep=note,
            reraise=True,
        )
        return retrying(call)


class RateLimiter:
    """A sliding-window limiter: at most ``limit`` requests in any ``interval`` seconds.

    ``limit`` can be set from configuration or learned from the CRM's rate-limit headers
    (:meth:`learn`); ``None`` means unlimited until learned. Thread-safe.
    """

    def __init__(self, limit: int | None, interval: float, *, headroom: float = 0.0):
        self.limit = limit
        self.interval = interval
        self.headroom = headroom  # share of the limit left unused, for other clients
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited = 0.0

    def learn(self, limit: int | None, interval: float | None = None) -> None:
        """Adopt the limit the CRM reports, unless one was configured lower."""
        with self._lock:
            if limit and (self.limit is None or limit < self.limit):
                self.limit = limit
            if interval:
                self.interval = interval

    def acquire(self) -> None:
        """Block until one more request fits in the window."""
        while True:
            with self._lock:
                now = time.monotonic()
                while self._sent and now - self._sent[0] >= self.interval:
                    self._sent.popleft()
                allowed = (
                    None if self.limit is None else max(1, int(self.limit * (1 - self.headroom)))
                )
                if allowed is None or len(self._sent) < allowed:
                    self._sent.append(now)
                    return
                pause = self.interval - (now - self._sent[0]) + 0.001
            self.waited += pause
            time.sleep(pause)


class TokenSource:
    """An access token, refreshed ``margin`` seconds before it expires and on demand after a
    401, a bounded number of times in a row (then an :class:`AuthError`)."""

    def __init__(
        self,
        fetch: Callable[[], tuple[str, float | None]],
        *,
        margin: float = 60.0,
        max_refreshes: int = 3,
    ):
        self._fetch = fetch  # returns (token, lifetime in seconds or None for no expiry)
        self.max_refreshes = max_refreshes
        self._margin = margin
        self._token: str | None = None
        self._expires_at: float | None = None
        self._lock = threading.Lock()
        self.refreshes = 0

    def token(self) -> str:
        with self._lock:
            expired = self._expires_at is not None and time.monotonic() >= self._expires_at
            if self._token is None or expired:
                self._refresh()
            assert self._token is not None
            return self._token

    def _refresh(self) -> None:
        token, lifetime = self._fetch()
        self.refreshes += 1
        self._token = token
        # refresh a margin early, but never sooner than nine tenths into a short lifetime
        early = None if lifetime is None else min(self._margin, lifetime / 10)
        self._expires_at = (
            None if lifetime is None or early is None else time.monotonic() + lifetime - early
        )

    def with_token(self, call: Callable[[str], T]) -> T:
        """``call(token)``; on :class:`TokenExpired`, a refresh and another try, at most
        ``max_refreshes`` times in a row (a CRM can reject a token that was just issued while
        it propagates); past that, an :class:`AuthError` — never an endless loop. A transient
        failure to get a token is :class:`NotSent`: ``call`` was not made."""
        token = _unsent(self.token)
        for _ in range(self.max_refreshes):
            try:
                return call(token)
            except TokenExpired:
                with self._lock:
                    _unsent(self._refresh)
                    token = self._token  # type: ignore[assignment]
        try:
            return call(token)
        except TokenExpired as exc:
            raise AuthError(
                f"the CRM refused {self.max_refreshes} freshly refreshed access tokens in a row; "
                "check the credentials"
            ) from exc


def _unsent(step: Callable[[], T]) -> T:
    """``step()`` (getting a token, before the request), its transient failures as
    :class:`NotSent`."""
    try:
        return step()
    except (Throttled, NotSent):
        raise
    except RetryableError as error:
        raise NotSent(f"no access token: {error}") from error
