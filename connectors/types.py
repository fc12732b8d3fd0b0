"""The connector protocol and the values that cross it.

Everything here speaks the CRM's *native* language: native object types ("contacts",
"Contact", "Contacts"), native field names and values as the vendor sends them. Translating to
the common model is the mapping layer's job.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal, Protocol

#: The kinds of native field a CRM reports, reduced to what crmsync needs to know.
NativeType = Literal[
    "id",
    "string",
    "text",
    "email",
    "phone",
    "url",
    "int",
    "float",
    "decimal",
    "bool",
    "date",
    "datetime",
    "enum",
    "multienum",
    "ref",
    "tags",
    "object",
]


@dataclass(frozen=True, slots=True)
class FieldSchema:
    """One native field as the CRM describes it."""

    name: str
    type: NativeType
    writable: bool
    label: str = ""
    required: bool = False
    options: tuple[str, ...] | None = None  # allowed values of enum / multienum fields
    max_length: int | None = None
    custom: bool = False


@dataclass(frozen=True, slots=True)
class ObjectSchema:
    """The fields of one native object type."""

    crm: str
    object_type: str
    fields: Mapping[str, FieldSchema]

    def get(self, name: str) -> FieldSchema | None:
        return self.fields.get(name)


@dataclass(frozen=True, slots=True, order=True)
class Cursor:
    """Where an incremental read resumes: the last ``(updated_at, id)`` seen.

    Ordered by time, then id, so ties on one timestamp are resolved deterministically.
    """

    updated_at: datetime
    id: str


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One record as read from a CRM, in native names and values."""

    object_type: str
    id: str
    fields: Mapping[str, Any]
    updated_at: datetime
    deleted: bool = False
    #: native object type -> ids of associated records (e.g. {"companies": ("12",)}).
    associations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RecordUpdate:
    """Changes to write to one record, in native names and values.

    Tags are changed by delta: only ``tags_add`` and ``tags_remove`` are touched, and only
    inside crmsync's namespace. CRMs that keep tags in a field need the record's tags as last
    read (``current_tags``) to write the new whole value; the others ignore it.
    """

    id: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    tags_add: frozenset[str] = frozenset()
    tags_remove: frozenset[str] = frozenset()
    current_tags: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class NewRecord:
    """A record to create, in native names and values.

    Links that a CRM keeps in reference fields (Salesforce ``AccountId``, Zoho
    ``Account_Name``) travel in ``fields``; ``associations`` holds the others, by native object
    type, exactly as :attr:`SourceRecord.associations` reports them (HubSpot associations,
    Salesforce ``OpportunityContactRole`` rows as ``{"Contact": (...)}``).
    """

    fields: Mapping[str, Any]
    associations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TaskRequest:
    """A follow-up task to create for a person, at most once per ``key``."""

    key: str
    subject: str
    due: datetime
    owner_id: str | None
    related_object: str  # native object type of the record it is about (e.g. "contacts")
    related_id: str
    priority: Literal["HIGH", "MEDIUM", "LOW"] = "HIGH"
    body: str = ""


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    """What happened to one record of a write."""

    id: str
    ok: bool
    error_code: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class WriteResult:
    """Per-record outcomes of a write, in request order, and the requests it took."""

    outcomes: tuple[RecordOutcome, ...]
    requests: int = 0

    @property
    def failed(self) -> tuple[RecordOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.ok)


class ConnectorError(Exception):
    """Base of the errors connectors raise; grouped by what the caller should do."""


class RetryableError(ConnectorError):
    """Transient: the same request may succeed later (throttling, 5xx, resets)."""


class StopRunError(ConnectorError):
    """The run cannot go on: bad credentials, missing permissions, quota spent."""


class AuthError(StopRunError):
    """Authentication failed (wrong or revoked credentials)."""


class Connector(Protocol):
    """What every CRM adapter provides. Pages, batches, retries and tokens stay inside."""

    name: ClassVar[str]
    #: native object type -> custom fields the connector itself needs (e.g. a task key)
    support_fields: ClassVar[Mapping[str, tuple[FieldSchema, ...]]]

    def describe(self, object_type: str) -> ObjectSchema: ...

    def read(
        self,
        object_type: str,
        *,
        fields: Sequence[str],
        since: Cursor | None = None,
        associations: Sequence[str] = (),
    ) -> Iterator[SourceRecord]:
        """Every record (``since=None``) or those changed at or after ``since.updated_at``,
        deleted ones included (flagged), with the ids of the associated object types asked
        for."""
        ...

    def read_by_ids(
        self,
        object_type: str,
        ids: Sequence[str],
        fields: Sequence[str],
        associations: Sequence[str] = (),
    ) -> Iterator[SourceRecord]: ...

    def write(self, object_type: str, updates: Sequence[RecordUpdate]) -> WriteResult: ...

    def create(self, object_type: str, records: Sequence[NewRecord]) -> WriteResult:
        """Create records with their associations; outcome ids are the new records' ids, in
        request order (a failed record's outcome id is its position as a string)."""
        ...

    def associate(
        self, object_type: str, links: Mapping[str, Mapping[str, tuple[str, ...]]]
    ) -> WriteResult:
        """Add associations to existing records (record id -> native object type -> ids);
        links that already exist are kept, never duplicated."""
        ...

    def existing_tasks(self, keys: Sequence[str]) -> dict[str, str]:
        """Task key -> task id, for the keys that already have a task."""
        ...

    def create_tasks(self, tasks: Sequence[TaskRequest]) -> WriteResult:
        """Create tasks, skipping keys that already have one (outcome ids are the keys)."""
        ...

    def create_fields(self, object_type: str, fields: Sequence[FieldSchema]) -> list[str]:
        """Create custom fields the CRM lacks (idempotent); returns the names created. A
        field that exists is left as it is, except that HubSpot adds the options it lacks to
        a picklist given with ``options``."""
        ...
