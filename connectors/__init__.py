"""One adapter per CRM behind one small protocol (:class:`connectors.types.Connector`).

Connectors speak native names and values only and import nothing of crmsync's other packages.
"""

from connectors.types import (
    AuthError,
    Connector,
    ConnectorError,
    Cursor,
    FieldSchema,
    ObjectSchema,
    RecordOutcome,
    RecordUpdate,
    RetryableError,
    SourceRecord,
    StopRunError,
    TaskRequest,
    WriteResult,
)

__all__ = [
    "AuthError",
    "Connector",
    "ConnectorError",
    "Cursor",
    "FieldSchema",
    "ObjectSchema",
    "RecordOutcome",
    "RecordUpdate",
    "RetryableError",
    "SourceRecord",
    "StopRunError",
    "TaskRequest",
    "WriteResult",
]
