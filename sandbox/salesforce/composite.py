"""sObject Collections (``/composite/sobjects``): create, update, upsert and delete up to 200
records in one call, answering one SaveResult per record in request order.

Every record is checked before anything is written. With ``allOrNone`` a single failure writes
nothing: failing records report their error, every other one ALL_OR_NONE_OPERATION_ROLLED_BACK.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any, TypeAlias, TypeVar

from sandbox.salesforce import dml
from sandbox.salesforce.errors import SalesforceError, not_found
from sandbox.salesforce.ids import normalize_id
from sandbox.salesforce.schema import FieldDef
from sandbox.salesforce.store import ObjectStore, Row, Store

T = TypeVar("T")
Outcome: TypeAlias = "T | SalesforceError"
ROLLED_BACK = SalesforceError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone "
    "header",
)


class Collections:
    """The four collection calls over one store."""

    def __init__(
        self, store: Store, rules: dml.Rules, max_records: int, unknown_field_fails: bool
    ) -> None:
        self.store = store
        self.rules = rules
        self.max_records = max_records
        self.unknown_field_fails = unknown_field_fails

    # --- calls ---------------------------------------------------------------------------
    def create(self, body: Any) -> list[dict[str, Any]]:
        records, all_or_none = self._records(body)
        outcomes: list[Outcome[dml.Change]] = []
        for record in records:
            table = self._table(record, None)
            outcomes.append(self._prepare(table, record, partial(self._create, table, record)))
        return self._commit(outcomes, all_or_none, self._save)

    def update(self, body: Any) -> list[dict[str, Any]]:
        records, all_or_none = self._records(body)
        outcomes: list[Outcome[dml.Change]] = []
        for record in records:
            record_id = dml.record_id_of(record)
            if record_id is None:
                outcomes.append(
                    SalesforceError("MISSING_ARGUMENT", "Id not specified in an update call")
                )
                continue
            table = self._table(record, record_id)
            outcomes.append(self._prepare(table, record, partial(self._update, table, record_id)))
        return self._commit(outcomes, all_or_none, self._save)

    def upsert(self, table: ObjectStore, field_name: str, body: Any) -> list[dict[str, Any]]:
        key = table.schema.readable(field_name)
        if key is None or not (key.external_id or key.name == "Id"):
            raise not_found()
        records, all_or_none = self._records(body)
        outcomes: list[Outcome[dml.Change]] = []
        for record in records:
            self._table(record, None, expected=table)
            check = partial(self._upsert, table, key, record)
            outcomes.append(self._prepare(table, record, check))
        return self._commit(outcomes, all_or_none, self._save_upsert)

    def delete(self, ids: list[str], all_or_none: bool) -> list[dict[str, Any]]:
        if len(ids) > self.max_records:
            raise _too_many(self.max_records)
        outcomes: list[Outcome[tuple[ObjectStore, Row]]] = []
        for raw in ids:
            try:
                outcomes.append(self._deletable(raw))
            except SalesforceError as error:
                outcomes.append(error)
        return self._commit(outcomes, all_or_none, self._remove, ids)

    # --- preparing -----------------------------------------------------------------------
    def _records(self, body: Any) -> tuple[list[Any], bool]:
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise SalesforceError("JSON_PARSER_ERROR", "The request body needs a records array")
        records = body["records"]
        if len(records) > self.max_records:
            raise _too_many(self.max_records)
        return records, bool(body.get("allOrNone", False))

    def _table(
        self, record: Any, record_id: str | None, expected: ObjectStore | None = None
    ) -> ObjectStore:
        attributes = record.get("attributes") if isinstance(record, dict) else None
        type_name = attributes.get("type") if isinstance(attributes, dict) else None
        table = self.store.table(str(type_name)) if type_name else None
        if table is None and type_name is None and record_id:
            table = self.store.table_of(normalize_id(record_id) or "")
        if table is None or (expected is not None and table is not expected):
            raise SalesforceError("INVALID_TYPE", f"sObject type '{type_name}' is not supported.")
        return table

    def _prepare(
        self, table: ObjectStore, record: Any, check: Callable[[dict[FieldDef, Any]], dml.Change]
    ) -> Outcome[dml.Change]:
        """Parse (a whole-request failure) then check (this record's failure) one record."""
        try:
            values = dml.parse_record(table.schema, record)
        except SalesforceError as error:
            if error.code != "INVALID_FIELD" or self.unknown_field_fails:
                raise
            return error
        try:
            return check(values)
        except SalesforceError as error:
            return error

    def _create(self, table: ObjectStore, record: Any, values: dict[FieldDef, Any]) -> dml.Change:
        if dml.record_id_of(record) is not None:
            raise SalesforceError(
                "INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call"
            )
        return dml.check_create(self.store, table, values, self.rules)

    def _update(
        self, table: ObjectStore, record_id: str, values: dict[FieldDef, Any]
    ) -> dml.Change:
        row = dml.find_row(self.store, table, record_id)
        return dml.check_update(self.store, table, row, values, self.rules)

    def _upsert(
        self, table: ObjectStore, key: FieldDef, record: Any, values: dict[FieldDef, Any]
    ) -> dml.Change:
        if key.name == "Id":
            raw = dml.record_id_of(record)
            value = normalize_id(raw) if raw else None
        else:
            value = values.pop(key, None)
        if value is None:
            raise SalesforceError("MISSING_ARGUMENT", f"{key.name} not specified", [key.name])
        matches = table.lookup(key, value)
        if len(matches) > 1:
            raise SalesforceError(
                "DUPLICATE_EXTERNAL_ID",
                f"{key.label}: more than one record found for external id field: {matches}",
                [key.name],
            )
        if matches:
            row = table.rows[matches[0]]
            return dml.check_update(self.store, table, row, values, self.rules)
        if key.name == "Id":
            raise SalesforceError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        return dml.check_create(self.store, table, {**values, key: value}, self.rules)

    def _deletable(self, raw: str) -> tuple[ObjectStore, Row]:
        record_id = normalize_id(raw)
        table = self.store.table_of(record_id) if record_id else None
        if table is None:
            raise SalesforceError("MALFORMED_ID", f"malformed id {raw}")
        if not table.schema.deletable:
            raise SalesforceError(
                "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id"
            )
        return table, dml.find_row(self.store, table, raw)

    # --- committing ----------------------------------------------------------------------
    def _save(self, change: dml.Change, stamp: datetime) -> dict[str, Any]:
        record_id = dml.apply(self.store, change, self.rules, stamp)
        return {"id": record_id, "success": True, "errors": []}

    def _save_upsert(self, change: dml.Change, stamp: datetime) -> dict[str, Any]:
        created = change.row is None
        return {**self._save(change, stamp), "created": created}

    def _remove(self, target: tuple[ObjectStore, Row], stamp: datetime) -> dict[str, Any]:
        table, row = target
        dml.delete(self.store, table, row, self.rules)
        return {"id": row[0], "success": True, "errors": []}

    def _commit(
        self,
        outcomes: list[Outcome[T]],
        all_or_none: bool,
        perform: Callable[[T, datetime], dict[str, Any]],
        ids: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        failed = any(isinstance(o, SalesforceError) for o in outcomes)
        stamp = self.store.now()
        results: list[dict[str, Any]] = []
        for position, outcome in enumerate(outcomes):
            if isinstance(outcome, SalesforceError) or (all_or_none and failed):
                error = outcome if isinstance(outcome, SalesforceError) else ROLLED_BACK
                result: dict[str, Any] = {"success": False, "errors": [error.result_error()]}
                if ids is not None:
                    result = {"id": ids[position], **result}
                results.append(result)
            else:
                results.append(perform(outcome, stamp))
        return results


def _too_many(limit: int) -> SalesforceError:
    return SalesforceError(
        "EXCEEDED_ID_LIMIT",
        f"record limit reached. cannot submit more than {limit} records into this call",
    )
