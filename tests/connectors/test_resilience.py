"""Retries honour Retry-After and give up cleanly; the rate limiter never lets more than its
limit through a window; tokens are refreshed before expiry and only once per 401; a create is
repeated only when the CRM never acted on it."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from connectors.hubspot.transport import HubSpotTransport
from connectors.resilience import (
    NotSent,
    RateLimiter,
    RetryPolicy,
    Throttled,
    TokenExpired,
    TokenSource,
    not_acted_on,
    send,
)
from connectors.types import AuthError, RetryableError, StopRunError
from sandbox.http import App, Faults, running


def test_retries_transient_errors_then_succeeds() -> None:
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise RetryableError("502")
        return "ok"

    assert RetryPolicy(attempts=5, initial_wait=0.001, max_wait=0.01).run(flaky, "read") == "ok"
    assert len(calls) == 3


def test_retry_after_is_the_wait() -> None:
    started = time.monotonic()
    calls = []

    def throttled_once() -> str:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise Throttled("429", retry_after=0.3)
        return "ok"

    RetryPolicy(initial_wait=5, max_wait=5).run(throttled_once, "search")
    assert 0.28 <= calls[1] - calls[0] < 1.0
    assert time.monotonic() - started < 2


def test_gives_up_after_the_last_attempt_with_the_last_error() -> None:
    def always() -> None:
        raise RetryableError("still down")

    with pytest.raises(RetryableError, match="still down"):
        RetryPolicy(attempts=3, initial_wait=0.001, max_wait=0.001).run(always, "x")


def test_errors_that_are_not_transient_are_not_retried() -> None:
    calls = []

    def forbidden() -> None:
        calls.append(1)
        raise StopRunError("403 missing scopes")

    with pytest.raises(StopRunError):
        RetryPolicy(attempts=5, initial_wait=0.001).run(forbidden, "x")
    assert calls == [1]


def test_rate_limiter_keeps_every_window_within_the_limit() -> None:
    limiter = RateLimiter(limit=5, interval=0.2)
    stamps = []
    for _ in range(12):
        limiter.acquire()
        stamps.append(time.monotonic())
    for i, stamp in enumerate(stamps):
        in_window = [s for s in stamps[i:] if s - stamp < 0.2]
        assert len(in_window) <= 5
    assert limiter.waited > 0.3  # 12 requests at 5 per 0.2 s need at least two pauses


def test_rate_limiter_learns_a_lower_limit_from_the_crm() -> None:
    limiter = RateLimiter(limit=None, interval=10)
    limiter.learn(190, 10)
    assert limiter.limit == 190
    limiter.learn(250)
    assert limiter.limit == 190  # never raised above what was learned or configured


def test_tokens_are_refreshed_before_they_expire() -> None:
    issued = iter(["t1", "t2", "t3"])
    source = TokenSource(lambda: (next(issued), 0.5), margin=60)
    assert source.token() == "t1"
    assert source.token() == "t1"
    time.sleep(0.46)  # nine tenths of the lifetime: refreshed before it runs out
    assert source.token() == "t2"


def test_a_401_refreshes_and_repeated_401s_stop_without_looping() -> None:
    issued = iter(["old", "new", "t3", "t4", "t5"])
    source = TokenSource(lambda: (next(issued), None), max_refreshes=2)
    seen = []

    def call(token: str) -> str:
        seen.append(token)
        if token == "old":
            raise TokenExpired
        return token

    assert source.with_token(call) == "new"

    def always_401(token: str) -> str:
        seen.append(token)
        raise TokenExpired

    with pytest.raises(AuthError, match="refused 2 freshly refreshed access tokens"):
        source.with_token(always_401)
    assert seen == ["old", "new", "new", "t3", "t4"]  # bounded refreshes, never a loop


def closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_a_create_is_repeated_only_after_failures_the_crm_never_acted_on() -> None:
    """Refused connections and throttling say the CRM did nothing; a connection reset after
    the request was sent, or a 5xx, do not."""
    refused = closed_port()
    with pytest.raises(RetryableError) as zoho_refused:
        send(lambda: requests.post(refused, timeout=2), refused, "Zoho")
    hubspot = HubSpotTransport(refused, TokenSource(lambda: ("pat", None)), timeout=2)
    with pytest.raises(RetryableError) as hubspot_refused:
        hubspot.call("crm.objects.batch_api.create", "contacts", {"inputs": []}, retry=False)
    with running(App(), faults=Faults({"reset": 1.0})) as server:
        url = server.base_url + "/crm/v8/Contacts"
        with pytest.raises(RetryableError) as reset:
            send(lambda: requests.post(url, json={}, timeout=2), url, "Zoho")
    assert not_acted_on(zoho_refused.value) and not_acted_on(hubspot_refused.value)
    assert not_acted_on(Throttled("429"))
    assert not not_acted_on(reset.value)
    assert not not_acted_on(RetryableError("Zoho server error 502"))


def test_an_unsent_only_retry_repeats_throttling_but_not_a_lost_answer() -> None:
    policy = RetryPolicy(attempts=5, initial_wait=0.001, max_wait=0.01)
    calls: list[str] = []

    def throttled_once() -> str:
        calls.append("throttled")
        if len(calls) == 1:
            raise Throttled("429")
        return "created"

    assert policy.run(throttled_once, "create", unsent_only=True) == "created"

    def answer_lost() -> str:
        calls.append("lost")
        raise RetryableError("connection reset after sending")

    with pytest.raises(RetryableError):
        policy.run(answer_lost, "create", unsent_only=True)
    assert calls == ["throttled", "throttled", "lost"]


def test_a_request_without_a_token_was_not_sent() -> None:
    def token_endpoint_down() -> tuple[str, float | None]:
        raise RetryableError("token endpoint answered 503")

    with pytest.raises(NotSent):
        TokenSource(token_endpoint_down).with_token(lambda token: token)
