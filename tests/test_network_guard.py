"""The suite's network guard refuses anything but loopback."""

from __future__ import annotations

import socket

import pytest


def test_connecting_outside_loopback_fails_the_test() -> None:
    with socket.socket() as sock, pytest.raises(AssertionError, match=r"only 127\.0\.0\.1"):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1: never routed


def test_loopback_is_allowed() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.socket() as client:
            client.connect(server.getsockname())
