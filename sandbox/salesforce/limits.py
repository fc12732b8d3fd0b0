"""The org's API request allocation: a rolling-window count of REST calls, the
``Sforce-Limit-Info`` header, and the ``GET /limits/`` body."""

from __future__ import annotations

from collections import deque
from typing import Any

#: the window is counted in this many buckets (one per minute for 24 h)
BUCKETS = 1440


class ApiUsage:
    """Counts requests in a rolling window of ``window_seconds`` against ``limit``."""

    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self._width = window_seconds / BUCKETS
        self._buckets: deque[list[float]] = deque()  # [bucket start, count]
        self._total = 0

    def used(self, now: float) -> int:
        """Requests counted in the window ending at ``now`` (a POSIX timestamp)."""
        horizon = now - self._width * BUCKETS
        while self._buckets and self._buckets[0][0] + self._width <= horizon:
            self._total -= int(self._buckets.popleft()[1])
        return self._total

    def exhausted(self, now: float) -> bool:
        return self.used(now) >= self.limit

    def count(self, now: float) -> None:
        """Count one request."""
        start = now - now % self._width
        if self._buckets and self._buckets[-1][0] == start:
            self._buckets[-1][1] += 1
        else:
            self._buckets.append([start, 1])
        self._total += 1

    def header(self, now: float) -> str:
        """The ``Sforce-Limit-Info`` value."""
        return f"api-usage={self.used(now)}/{self.limit}"

    def limits_body(self, now: float) -> dict[str, Any]:
        """``GET /limits/``: DailyApiRequests from the count, the rest fixed sandbox values."""

        def pair(maximum: int, remaining: int) -> dict[str, int]:
            return {"Max": maximum, "Remaining": remaining}

        return {
            "ConcurrentAsyncGetReportInstances": pair(200, 200),
            "DailyApiRequests": pair(self.limit, max(0, self.limit - self.used(now))),
            "DailyAsyncApexExecutions": pair(250000, 250000),
            "DailyBulkApiBatches": pair(15000, 15000),
            "DailyBulkV2QueryJobs": pair(10000, 10000),
            "DataStorageMB": pair(5120, 5120),
            "FileStorageMB": pair(20480, 20480),
            "SingleEmail": pair(5000, 5000),
        }
