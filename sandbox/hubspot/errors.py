"""HubSpot's error bodies: the top-level ``Error`` and the ``StandardError`` items of 207s."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sandbox.http import HttpError
from sandbox.hubspot.values import PropertyProblem


def correlation_id() -> str:
    return str(uuid.uuid4())


def error_body(
    category: str,
    message: str,
    *,
    context: dict[str, list[str]] | None = None,
    errors: list[dict[str, Any]] | None = None,
    sub_category: str | None = None,
) -> dict[str, Any]:
    """HubSpot's ``Error``: status, message, correlationId, category (+ optional parts)."""
    body: dict[str, Any] = {
        "status": "error",
        "message": message,
        "correlationId": correlation_id(),
        "category": category,
    }
    if sub_category:
        body["subCategory"] = sub_category
    if context:
        body["context"] = context
    if errors:
        body["errors"] = errors
    return body


def api_error(status: int, category: str, message: str, **parts: Any) -> HttpError:
    """An :class:`HttpError` carrying an ``Error`` body."""
    return HttpError(status, error_body(category, message, **parts))


def bad_request(message: str, **parts: Any) -> HttpError:
    return api_error(400, "VALIDATION_ERROR", message, **parts)


def standard_error(
    category: str,
    message: str,
    *,
    context: dict[str, list[str]] | None = None,
    errors: list[dict[str, Any]] | None = None,
    sub_category: str | None = None,
) -> dict[str, Any]:
    """One ``StandardError`` of a batch answer (all required fields present)."""
    item: dict[str, Any] = {
        "status": "error",
        "category": category,
        "message": message,
        "context": context or {},
        "errors": errors or [],
        "links": {},
    }
    if sub_category:
        item["subCategory"] = sub_category
    return item


def _problems_message(problems: Sequence[PropertyProblem], hub_id: int) -> str:
    results = []
    for problem in problems:
        result: dict[str, Any] = {
            "isValid": False,
            "message": problem.message,
            "error": problem.code,
            "name": problem.name,
            "localizedErrorMessage": problem.message,
        }
        if problem.value is not None:
            result["propertyValue"] = problem.value
        result["portalId"] = hub_id
        results.append(result)
    return "Property values were not valid: " + json.dumps(results, separators=(",", ":"))


def _problem_details(problems: Sequence[PropertyProblem]) -> list[dict[str, Any]]:
    return [
        {"message": p.message, "code": p.code, "context": {"propertyName": [p.name]}}
        for p in problems
    ]


def invalid_properties(problems: Sequence[PropertyProblem], hub_id: int) -> HttpError:
    """400 VALIDATION_ERROR listing refused property values, as HubSpot words it."""
    return bad_request(_problems_message(problems, hub_id), errors=_problem_details(problems))


def invalid_properties_item(problems: Sequence[PropertyProblem], hub_id: int) -> dict[str, Any]:
    """The same refusal as one ``StandardError`` of a 207."""
    return standard_error(
        "VALIDATION_ERROR",
        _problems_message(problems, hub_id),
        context={"propertyName": [p.name for p in problems]},
        errors=_problem_details(problems),
    )


def _not_found_message(object_label: str) -> str:
    return (
        f"Could not get some {object_label} objects, they may be deleted or not exist. "
        "Check that ids are valid."
    )


def not_found(object_label: str, ids: Sequence[str]) -> HttpError:
    """404 OBJECT_NOT_FOUND for one object."""
    return api_error(
        404, "OBJECT_NOT_FOUND", _not_found_message(object_label), context={"ids": list(ids)}
    )


def not_found_item(object_label: str, ids: Sequence[str]) -> dict[str, Any]:
    """``StandardError`` OBJECT_NOT_FOUND for the ids of a batch that do not exist."""
    return standard_error(
        "OBJECT_NOT_FOUND", _not_found_message(object_label), context={"ids": list(ids)}
    )
