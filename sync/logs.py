"""Logging for people and for log collectors, with secrets redacted.

``--log-format json`` writes one JSON object per line (time, level, logger, message, run id
and any extra fields), for Kubernetes, Airflow or any collector. Every value that came from a
secret in the config is replaced by ``***`` wherever it would appear, whatever logged it.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, SecretStr

REDACTED = "***"
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}


class Redactor(logging.Filter):
    """Removes known secret values from every record that passes through."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg = self.redact(record.getMessage())
            record.args = None
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        document.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_text:
            document["exception"] = record.exc_text
        elif record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, default=str, ensure_ascii=False)


def secrets_of(model: BaseModel) -> list[str]:
    """Every secret value held anywhere in a (config) model."""
    found: list[str] = []
    for value in model.__dict__.values():
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            found.extend(secrets_of(value))
    return found


def setup_logging(level: str = "info", fmt: str = "text", secrets: Iterable[str] = ()) -> Redactor:
    """Send crmsync's logs to stderr in ``fmt`` ("text" or "json"), redacting ``secrets``."""
    handler = logging.StreamHandler(sys.stderr)
    redactor = Redactor(secrets)
    handler.addFilter(redactor)
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_crmsync", False):
            root.removeHandler(old)
    handler._crmsync = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    return redactor


def add_secrets(redactor: Redactor, secrets: Iterable[str]) -> None:
    """Teach a running redactor more secrets (once the config is loaded)."""
    merged = set(redactor.secrets) | {s for s in secrets if len(s) >= 4}
    redactor.secrets = sorted(merged, key=len, reverse=True)
