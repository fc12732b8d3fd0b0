"""Zoho's error envelope ``{"code","details","message","status":"error"}`` and the small
request-parsing helpers that answer with it."""

from __future__ import annotations

from typing import Any

from sandbox.http import HttpError, Request, Response
from sandbox.zoho.fields import parse_datetime


def envelope(code: str, message: str, **details: Any) -> dict[str, Any]:
    """One error, at top level or as an item of ``data``."""
    return {"code": code, "details": details, "message": message, "status": "error"}


def success(message: str, **details: Any) -> dict[str, Any]:
    """One success item of ``data``."""
    return {"code": "SUCCESS", "details": details, "message": message, "status": "success"}


def fail(status: int, code: str, message: str, **details: Any) -> HttpError:
    """An error to raise from a handler."""
    return HttpError(status, envelope(code, message, **details))


def missing_param(name: str) -> HttpError:
    return fail(400, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing",
                param_name=name)


def invalid_param(name: str, message: str | None = None) -> HttpError:
    return fail(400, "INVALID_DATA", message or f"invalid value given for {name}",
                param_name=name)


def body_of(request: Request) -> Any:
    """The JSON body; a 400 INVALID_DATA when it is not JSON."""
    try:
        return request.json()
    except HttpError:
        raise fail(400, "INVALID_DATA", "body is not a valid JSON") from None


def record_id(text: str) -> int:
    """A record id from the path; 400 INVALID_DATA when it is not a Zoho id."""
    if not text.isdigit():
        raise fail(400, "INVALID_DATA", "the id given seems to be invalid", api_name="id")
    return int(text)


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    """A bounded integer query parameter."""
    raw = request.arg(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise invalid_param(name)
    return int(raw)


def if_modified_since(request: Request) -> int | None:
    """Epoch seconds of the ``If-Modified-Since`` header (ISO 8601 with offset)."""
    raw = request.headers.get("if-modified-since")
    if not raw:
        return None
    try:
        return parse_datetime(raw.strip())
    except ValueError:
        raise fail(400, "INVALID_DATA", "invalid If-Modified-Since header",
                   param_name="If-Modified-Since") from None


def batch_status(successes: int, failures: int, created: bool, all_failed: int) -> int:
    """HTTP status of a batch: 200/201 all ok, 207 a mix, ``all_failed`` when none worked."""
    if failures == 0:
        return 201 if created else 200
    return 207 if successes else all_failed


def batch_response(items: list[dict[str, Any]], created: bool, all_failed: int,
                   **extra: Any) -> Response:
    ok = sum(1 for item in items if item.get("status") == "success")
    status = batch_status(ok, len(items) - ok, created, all_failed)
    return Response(status, {"data": items, **extra})
