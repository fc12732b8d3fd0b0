"""Salesforce's error shapes: REST errors are arrays of ``{message, errorCode, fields}``; inside
sObject-collection results the same error reads ``{statusCode, message, fields}``."""

from __future__ import annotations

from collections.abc import Sequence

from sandbox.http import HttpError


class SalesforceError(Exception):
    """One Salesforce error; ``status`` is used when it fails a whole request."""

    def __init__(
        self, code: str, message: str, fields: Sequence[str] = (), status: int = 400
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.fields = list(fields)
        self.status = status

    def rest_body(self) -> list[dict[str, object]]:
        """The array body of a failed REST request."""
        body: dict[str, object] = {"message": self.message, "errorCode": self.code}
        if self.fields:
            body["fields"] = self.fields
        return [body]

    def http(self) -> HttpError:
        """This error as the answer to the whole request."""
        return HttpError(self.status, self.rest_body())

    def result_error(self) -> dict[str, object]:
        """This error inside a SaveResult of an sObject collection."""
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}


def not_found(message: str = "The requested resource does not exist") -> SalesforceError:
    """404 NOT_FOUND, as for unknown resources and records."""
    return SalesforceError("NOT_FOUND", message, status=404)


def malformed_query(message: str) -> SalesforceError:
    return SalesforceError("MALFORMED_QUERY", message)


def invalid_field(message: str) -> SalesforceError:
    return SalesforceError("INVALID_FIELD", message)
