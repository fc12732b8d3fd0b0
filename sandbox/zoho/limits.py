"""Zoho's two API limits: credits per rolling window, and concurrent requests per token.

Handlers run one at a time under the app lock, so concurrency has to be counted when a
request *arrives*, before it queues for that lock. :class:`ArrivalGate` stands in for the
lock: the app hands it each request as the server asks ``is_public`` (the last hook called
before the lock is taken), and the gate counts the request as in flight from then until the
handler is done.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from types import TracebackType

from sandbox.http import Request

TOKEN_PREFIX = "zoho-oauthtoken "


def bearer(request: Request) -> str | None:
    """The access token of a request's ``Authorization: Zoho-oauthtoken …`` header."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith(TOKEN_PREFIX):
        return header[len(TOKEN_PREFIX) :].strip() or None
    return None


class ArrivalGate:
    """A re-entrant lock that also counts in-flight API requests per access token."""

    def __init__(self, delay_seconds: Callable[[], float]) -> None:
        self._lock = threading.RLock()
        self._counts_lock = threading.Lock()
        self._in_flight: Counter[str | None] = Counter()
        self._local = threading.local()
        self._delay_seconds = delay_seconds

    def arriving(self, request: Request | None) -> None:
        """Announce the API request this thread is about to serve (None: one not counted)."""
        self._local.request = request

    def in_flight(self) -> int:
        """Requests in flight, this one included, for the current request's token when it
        arrived."""
        return int(getattr(self._local, "seen", 0))

    def __enter__(self) -> ArrivalGate:
        request: Request | None = self._local.__dict__.pop("request", None)
        keys: list[str | None] = self._local.__dict__.setdefault("keys", [])
        if request is None:
            keys.append("")
        else:
            key = bearer(request)
            with self._counts_lock:
                self._in_flight[key] += 1
                self._local.seen = self._in_flight[key]
            keys.append(key)
            delay = self._delay_seconds()
            if delay > 0:
                time.sleep(delay)
        self._lock.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._lock.release()
        key = self._local.keys.pop()
        if key != "":
            with self._counts_lock:
                self._in_flight[key] -= 1
                if self._in_flight[key] <= 0:
                    del self._in_flight[key]

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        self._lock.release()


class CreditMeter:
    """API credits spent in a rolling window; one credit per call."""

    def __init__(self) -> None:
        self._spent: deque[float] = deque()

    def spend(self, limit: int | None, window_seconds: float, now: float) -> bool:
        """Spend one credit at ``now``; False (and nothing spent) when the ``limit`` credits of
        the window ending now are gone. ``limit`` None: unlimited."""
        if limit is None:
            return True
        while self._spent and self._spent[0] <= now - window_seconds:
            self._spent.popleft()
        if len(self._spent) >= limit:
            return False
        self._spent.append(now)
        return True
