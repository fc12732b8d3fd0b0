"""The HTTP machinery shared by the three emulators: requests, responses, routing, faults,
request counting, inspection and a threaded server on 127.0.0.1 (optionally over TLS).

An emulator is an :class:`App`: a router of handlers plus the vendor-shaped answers for the
cross-cutting cases (auth failure, throttling). Everything vendor-specific lives in the app;
everything else lives here, once.
"""

from __future__ import annotations

import json
import random
import re
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

JSONValue = Any


@dataclass(slots=True)
class Request:
    """One parsed HTTP request."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> JSONValue:
        """The body parsed as JSON; raises :class:`HttpError` 400 when it is not JSON."""
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise HttpError(400, {"message": f"body is not valid JSON: {exc}"}) from exc

    def form(self) -> dict[str, str]:
        """The body as an urlencoded form, merged over the query string (last value wins)."""
        merged = {k: v[-1] for k, v in self.query.items()}
        text = self.body.decode("utf-8", "replace")
        merged.update({k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()})
        return merged

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The last value of a query parameter."""
        values = self.query.get(name)
        return values[-1] if values else default

    def args(self, name: str) -> list[str]:
        """All values of a query parameter, also splitting comma-separated ones."""
        out: list[str] = []
        for value in self.query.get(name, []):
            out.extend(v for v in value.split(",") if v)
        return out


@dataclass(slots=True)
class Response:
    """What a handler returns. ``body`` is JSON-encoded unless it is bytes or None."""

    status: int = 200
    body: JSONValue = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, separators=(",", ":"), default=str).encode()


class HttpError(Exception):
    """Raised by handlers to answer with an error response."""

    def __init__(self, status: int, body: JSONValue, headers: dict[str, str] | None = None):
        super().__init__(f"HTTP {status}")
        self.response = Response(status, body, headers or {})


Handler = Callable[..., Response | JSONValue]


class Router:
    """Routes (method, path) to handlers; path patterns use ``{name}`` placeholders that match
    one path segment."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern.rstrip("/"))
        self._routes.append((method, re.compile(f"^{regex}/?$"), handler))

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`add`."""

        def register(handler: Handler) -> Handler:
            self.add(method, pattern, handler)
            return handler

        return register

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        """The handler for a request, raising 405 when only the method is wrong."""
        path_matched = False
        for route_method, regex, handler in self._routes:
            found = regex.match(path)
            if found:
                if route_method == method:
                    return handler, found.groupdict()
                path_matched = True
        if path_matched:
            raise HttpError(405, {"message": f"method {method} not allowed on {path}"})
        return None


class App:
    """Base of an emulator. Subclasses fill :attr:`router` and override the vendor answers."""

    name = "app"

    def __init__(self) -> None:
        self.router = Router()
        #: held while a handler runs: handlers may treat the data as single-threaded.
        self.lock = threading.RLock()

    # --- vendor-shaped answers, overridden per CRM -------------------------------------
    def authenticate(self, request: Request) -> Response | None:
        """None when the request may go on, else the vendor's 401/403 answer."""
        return None

    def throttled(self, request: Request) -> Response:
        """The vendor's answer when a rate limit is hit."""
        return Response(429, {"message": "rate limited"})

    def expired_token(self, request: Request) -> Response:
        """The vendor's answer for an expired access token."""
        return Response(401, {"message": "token expired"})

    def not_found(self, request: Request) -> Response:
        return Response(404, {"message": f"no route for {request.method} {request.path}"})

    def is_public(self, request: Request) -> bool:
        """Requests that need no access token (token endpoints)."""
        return False

    def rate_limit(self, request: Request) -> Response | None:
        """Accurate rate-limit accounting; None to go on, a response to refuse. Also the
        place to add rate-limit headers, through :meth:`extra_headers`."""
        return None

    def extra_headers(self, request: Request, response: Response) -> dict[str, str]:
        """Headers added to every answer (rate-limit info and the like)."""
        return {}

    def dump(self) -> JSONValue:
        """The current records, for tests that compare final states."""
        return {}


#: Fault kinds and what each does. Probabilities are per request.
FAULT_KINDS = ("rate_limit", "server_error", "slow", "reset", "truncated", "expired_token")


@dataclass
class Faults:
    """Faults on demand, deterministic by seed: the n-th request of a server gets the same
    fault every run with the same seed and rates."""

    rates: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    slow_seconds: float = 0.5

    def __post_init__(self) -> None:
        unknown = set(self.rates) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {FAULT_KINDS}")
        if sum(self.rates.values()) > 1:
            raise ValueError("fault probabilities add up to more than 1")
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, text: str, seed: int = 0) -> Faults:
        """``"rate_limit=0.05,server_error=0.05"`` → Faults."""
        rates: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            kind, _, value = part.partition("=")
            rates[kind.strip()] = float(value or 0)
        return cls(rates, seed)

    def draw(self) -> str | None:
        """The fault for the next request, or None."""
        if not self.rates:
            return None
        with self._lock:
            roll = self._random.random()
        for kind in FAULT_KINDS:
            roll -= self.rates.get(kind, 0.0)
            if roll < 0:
                return kind
        return None


class Stats:
    """Request counts per (method, endpoint pattern, status) for tests and benchmarks."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str, int]] = Counter()
        self._lock = threading.Lock()

    def record(self, method: str, path: str, status: int) -> None:
        endpoint = re.sub(r"/\d[\w-]*|/[0-9A-Za-z]{15,18}(?=/|$)", "/{id}", path)
        with self._lock:
            self._counts[(method, endpoint, status)] += 1

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            items = sorted(self._counts.items())
        return [{"method": m, "endpoint": e, "status": s, "count": c} for (m, e, s), c in items]

    def total(self, method: str | None = None, status: int | None = None) -> int:
        with self._lock:
            return sum(
                c
                for (m, _, s), c in self._counts.items()
                if (method is None or m == method) and (status is None or s == status)
            )

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


INSPECT_PREFIX = "/_sandbox"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # header and body go out at once: no 40 ms delayed-ACK stalls
    server: EmulatorServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        server = self.server
        fault = None if parts.path.startswith(INSPECT_PREFIX) else server.faults.draw()
        if fault == "reset":
            server.stats.record(request.method, request.path, 0)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault == "slow":
            time.sleep(server.faults.slow_seconds)
        response = server.respond(request, fault)
        payload = response.encode()
        if fault == "truncated" and len(payload) > 2:
            payload = payload[: len(payload) // 2]
        if not request.path.startswith(INSPECT_PREFIX):
            server.stats.record(request.method, request.path, response.status)
        self.send_response(response.status)
        headers = {"Content-Type": "application/json;charset=utf-8", **response.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class EmulatorServer(ThreadingHTTPServer):
    """A threaded HTTP(S) server on 127.0.0.1 that serves one :class:`App`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        app: App,
        port: int = 0,
        *,
        faults: Faults | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.app = app
        self.faults = faults or Faults()
        self.stats = Stats()
        self.scheme = "https" if ssl_context else "http"
        if ssl_context is not None:
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True)

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}"

    def respond(self, request: Request, fault: str | None) -> Response:
        """The answer to one request, faults and inspection included."""
        if request.path.startswith(INSPECT_PREFIX):
            return self._inspect(request)
        app = self.app
        public = app.is_public(request)
        if fault == "rate_limit":
            return _with_extra_headers(app, request, app.throttled(request))
        if fault == "server_error":
            status = (500, 502, 503)[self.stats.total() % 3]
            return Response(status, {"message": "injected server error"})
        if fault == "expired_token" and not public:
            return app.expired_token(request)
        try:
            with app.lock:
                if not public:
                    refusal = app.authenticate(request) or app.rate_limit(request)
                    if refusal is not None:
                        return _with_extra_headers(app, request, refusal)
                found = app.router.match(request.method, request.path)
                if found is None:
                    return app.not_found(request)
                handler, params = found
                result = handler(request, **params)
            response = result if isinstance(result, Response) else Response(200, result)
        except HttpError as error:
            response = error.response
        except Exception as error:  # a bug in an emulator: answer like a server would
            response = Response(500, {"message": f"internal error: {type(error).__name__}"})
        response.headers.update(app.extra_headers(request, response))
        return response

    def _inspect(self, request: Request) -> Response:
        what = request.path[len(INSPECT_PREFIX) :].strip("/")
        if what == "stats" and request.method == "GET":
            return Response(200, {"requests": self.stats.snapshot(), "total": self.stats.total()})
        if what == "stats" and request.method == "DELETE":
            self.stats.reset()
            return Response(204)
        if what == "dump":
            with self.app.lock:
                return Response(200, self.app.dump())
        if what == "faults" and request.method == "PUT":
            spec = request.json() or {}
            self.faults = Faults(spec.get("rates", {}), spec.get("seed", 0))
            return Response(204)
        return Response(404, {"message": f"unknown inspection endpoint {request.path}"})


def _with_extra_headers(app: App, request: Request, refusal: Response) -> Response:
    """A refusal with the app's :meth:`App.extra_headers`; the headers the refusal set itself
    win (a throttled answer's ``Remaining: 0`` is not overwritten by the current count)."""
    for name, value in app.extra_headers(request, refusal).items():
        refusal.headers.setdefault(name, value)
    return refusal


@contextmanager
def running(
    app: App,
    *,
    port: int = 0,
    faults: Faults | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> Iterator[EmulatorServer]:
    """Serve ``app`` on a free port of 127.0.0.1 in a background thread for the ``with`` block."""
    server = EmulatorServer(app, port, faults=faults, ssl_context=ssl_context)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"sandbox-{app.name}",
        daemon=True,
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
