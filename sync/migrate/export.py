"""``crmsync export``: the cleaned source as CSV files in a target CRM's own import format.

For admins who would rather use the CRM's import tool than ``crmsync migrate``. The source is
read and cleaned exactly as a migration reads it (:func:`read_clean`), then planned as a
migration into an *empty* target (:func:`~sync.migrate.planner.make_migration_plan`), so the
files hold what ``migrate --apply`` would create: the target mapping's native column names,
values in the native shape, crmsync's source-id column, one file per object
(``companies.csv``, ``contacts.csv``, ``deals.csv``), and links as association columns the
target's importer resolves. Values the target would refuse, links its importer cannot express
and records left out go to ``rejected.csv`` (object, key, field, value, reason): nothing
disappears silently.

What the target would refuse is judged against its field list: the live one with
``--target-config`` (a crmsync config of the target account, only described, never written:
picklists, lengths, e-mail syntax, read-only and required fields), else one made from the
target's mapping, which knows only the mapping's value lists: without it the files may hold
columns the account keeps read-only (HubSpot's ``hs_email_open``…), which its import tool
then offers to skip, and values its picklists or lengths refuse.

Association columns
-------------------
Every link column holds the *linked record's crmsync source id* (``zoho:5725…``), the value
of the source-id column of its own file. Domains and e-mails would be the obvious keys, but in
the messy bases crmsync cleans many companies have no domain and many contacts no e-mail (a
seeded 300-contact Zoho sandbox: 8 of 33 companies and 19 of 259 contacts after cleaning), and
their links would be lost; the source id is there for every record and never shared. Each
importer is told that the column names the parent by that field, in its own syntax:

* **Salesforce** (Data Loader, Bulk API 2.0): a relationship column
  ``RelationshipName.IndexedFieldName``, e.g. ``Account.Crmsync_Source_Id__c`` in
  ``contacts.csv`` and ``deals.csv`` (Contact/Opportunity ``AccountId``), where the parent's
  field must be indexed, i.e. a custom field with the *External ID* attribute. Source:
  Bulk API 2.0 developer guide, "Relationship Fields in a Header Row"
  (developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/
  datafiles_csv_rel_field_header_row.htm). An opportunity's contacts are rows of the junction
  object OpportunityContactRole, so they go to ``deal_contacts.csv`` with
  ``Opportunity.Crmsync_Source_Id__c`` and ``Contact.Crmsync_Source_Id__c`` (insert it after
  the opportunities). Dates ``yyyy-MM-dd`` and times ``yyyy-MM-ddTHH:mm:ss.SSS+0000`` are the
  guide's "Valid Date Format in Records". The Data Import Wizard does not import
  opportunities: use Data Loader, whose field mapping offers the same relationship.
* **Zoho CRM** (Bulk Write API, the import behind large imports): a lookup column is
  ``field_api_name.parent_field_api_name`` (``Account_Name.id``,
  ``Account_Name.Account_Name``), here ``Account_Name.Crmsync_Source_Id`` and
  ``Contact_Name.Crmsync_Source_Id``, the parent field marked unique ("Do not allow duplicate
  values"). Source: zoho.com/crm/developer/docs/api/bulk-write/limitations.html. A deal's
  ``Contact_Name`` lookup holds one contact; further contacts (Contact_Roles) cannot be
  imported from the deals file and are listed in ``rejected.csv``.
* **HubSpot** (import tool, imports API): records are associated through a unique identifier
  of the associated record: its Record ID, a contact's e-mail, a company's domain, or a custom
  property that requires unique values (knowledge.hubspot.com/import-and-export/
  import-objects and .../understand-the-import-tool; developers.hubspot.com/docs/api/crm/
  imports). The column is ``companies.crmsync_source_id`` / ``contacts.crmsync_source_id``
  (the associated object and its ``crmsync_source_id``, a unique-value property); in the
  import's mapping step it is mapped to that object's property. A deal with several contacts
  has one more row per further contact, holding only the deal's own ``crmsync_source_id`` and
  the contact's: rows with the same unique value update one deal, each adding its association.
  Multiple-checkbox values are ``;``-joined, single checkboxes ``true``/``false``, and a deals
  import needs a pipeline, so deals carry ``pipeline`` = ``default`` (the default pipeline's
  internal value) when the mapping gives none (knowledge.hubspot.com/import-and-export/
  set-up-your-import-file and .../import-data-to-checkbox-properties).

The source-id field must exist in the target before the import, as a text field with unique
values (HubSpot, Zoho) or the External ID attribute (Salesforce), for the links to resolve; the
summary says so when the target described with ``--target-config`` lacks it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import click

from connectors.hubspot.create import as_text
from connectors.types import Connector, FieldSchema, NativeType, ObjectSchema
from mapping.convert import CompiledMapping, ObjectConverter
from mapping.spec import default_mapping_path, kind_of, load_mapping
from sync import exitcodes
from sync.cli_common import Output, config_option, load_or_exit, pass_output
from sync.cli_run import crm_errors, progress_printer
from sync.connect import build_connector
from sync.migrate.clean import CleanBase
from sync.migrate.plan import OBJECT_ORDER, Item, Link, MigrationPlan, Rejection
from sync.migrate.planner import (
    TargetObject,
    make_migration_plan,
    source_id_field,
    source_mark,
)
from sync.migrate.runner import read_clean
from sync.runner import Job

UTC = timezone.utc
TARGETS = ("hubspot", "salesforce", "zoho")
#: the file each object goes to
FILES = {"company": "companies.csv", "contact": "contacts.csv", "deal": "deals.csv"}
REJECTED = "rejected.csv"
REJECTED_COLUMNS = ("object", "key", "field", "value", "reason")
#: columns an importer needs that no mapping gives: (crm, native object) -> column -> value
IMPORT_DEFAULTS: dict[tuple[str, str], dict[str, str]] = {
    ("hubspot", "deals"): {"pipeline": "default"},
}


def shipped_mapping(crm: str) -> CompiledMapping:
    """A CRM's default mapping, compiled."""
    spec, _ = load_mapping(default_mapping_path(crm))
    return CompiledMapping(spec)


def mapping_schema(converter: ObjectConverter) -> ObjectSchema:
    """The target object's fields as far as its mapping knows them: crmsync's source-id field,
    and every field read from a top-level native field, writable, with the mapping's value list
    as its options."""
    mark = source_id_field(converter.crm)
    fields = {mark.name: mark}
    for name, spec in converter.spec.fields.items():
        if spec.from_ is None or "." in spec.from_:
            continue  # associations and lookups (Owner.id) are links, not columns
        options = None
        if spec.values is not None:
            options = tuple(dict.fromkeys([*spec.values, *(spec.write_values or {}).values()]))
        many = kind_of(converter.object_name, name, spec) == "set"
        kind: NativeType = "multienum" if many else ("enum" if options else "string")
        fields[spec.from_] = FieldSchema(spec.from_, kind, True, options=options)
    return ObjectSchema(converter.crm, converter.native_object, fields)


@dataclass(frozen=True)
class _LinkColumn:
    """Where one link of an object goes in the import files."""

    header: str  # the column holding the linked records' source ids
    how: Literal["cell", "rows", "junction"]  # one record; a row per further one; own file
    junction: str | None = None  # the junction file's name
    own_header: str | None = None  # the junction file's column for the record itself


def _link_column(crm: str, converter: ObjectConverter, link: Link, mark: str) -> _LinkColumn | str:
    """How a link is written for ``crm``'s importer, or why it cannot be."""
    spec = converter.field_spec(link.field)
    assert spec is not None  # the planner links only mapped fields
    if spec.from_ is not None:
        root = spec.from_.split(".", 1)[0]
        if crm == "salesforce":
            root = root[:-1] + "r" if root.endswith("__c") else root.removesuffix("Id")
        return _LinkColumn(f"{root}.{mark}", "cell")
    association = str(spec.association)
    if crm == "hubspot":
        return _LinkColumn(f"{association}.{mark}", "rows")
    if crm == "salesforce" and spec.via:
        junction = f"{converter.object_name}_{link.object_name}s.csv"  # deal_contacts.csv
        own = f"{converter.native_object}.{mark}"
        return _LinkColumn(f"{association}.{mark}", "junction", junction, own)
    return f"{crm}'s import cannot link {association} from the {converter.native_object} file"


@dataclass
class ExportResult:
    source: str
    target: str
    out: Path
    files: dict[str, int] = field(default_factory=dict)  # file name -> rows
    link_columns: dict[str, list[str]] = field(default_factory=dict)
    rejected: list[Rejection] = field(default_factory=list)
    merged: dict[str, int] = field(default_factory=dict)
    fixed: dict[str, int] = field(default_factory=dict)
    unmapped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        by_object: dict[str, int] = {}
        for rejection in self.rejected:
            by_object[rejection.object_name] = by_object.get(rejection.object_name, 0) + 1
        return {
            "ok": True,
            "source": self.source,
            "target": self.target,
            "out": str(self.out),
            "files": self.files,
            "association_columns": self.link_columns,
            "rejected": len(self.rejected),
            "rejected_by_object": by_object,
            "merged": self.merged,
            "fixed_fields": self.fixed,
            "unmapped": self.unmapped,
            "notes": self.notes,
        }

    def lines(self) -> list[str]:
        width = max(len(name) for name in [*self.files, REJECTED])
        lines = [f"{self.source} → {self.target} import files in {self.out}:"]
        lines += [f"  {name:<{width}}  {rows:>7,} rows" for name, rows in self.files.items()]
        lines.append(
            f"  {REJECTED:<{width}}  {len(self.rejected):>7,} values, links or records left out"
        )
        for name, headers in self.link_columns.items():
            lines.append(f"  links in {name}: {', '.join(headers)}")
        merged = ", ".join(f"{n} {o}" for o, n in self.merged.items() if n)
        if merged:
            lines.append(f"duplicates merged: {merged}")
        if self.unmapped:
            lines.append(
                "source fields with values the target mapping has no place for: "
                + ", ".join(f"{name} ({count})" for name, count in self.unmapped.items())
            )
        return lines + [f"note: {note}" for note in self.notes]


def export_base(
    cleaned: CleanBase,
    *,
    source_kind: str,
    source_mapping: CompiledMapping,
    target_kind: str,
    target_mapping: CompiledMapping,
    schemas: Mapping[str, ObjectSchema],
    out: Path,
    now: datetime,
) -> ExportResult:
    """Write the import files of ``cleaned`` for ``target_kind`` into ``out``; ``schemas``
    (object -> the target's field list) say which objects go and what the target refuses."""
    mark = source_id_field(target_kind).name
    target = {
        name: TargetObject(name, target_mapping[name], schemas[name], mark)
        for name in OBJECT_ORDER
        if name in schemas
    }
    plan = make_migration_plan(
        cleaned,
        source_kind,
        source_mapping,
        target,
        target_kind=target_kind,
        id_map={},
        now=now,
    )
    writer = _Files(target_kind, target_mapping, plan, mark)
    result = ExportResult(
        source_kind,
        target_kind,
        out,
        rejected=list(plan.rejections),
        merged={o: n for o, n in cleaned.merged.items() if o in target},
        fixed=dict(cleaned.fixed_fields),
        unmapped=dict(plan.unmapped),
    )
    out.mkdir(parents=True, exist_ok=True)
    for object_name in target:
        writer.add(object_name)
    for name, table in writer.tables.items():
        _write(out / name, table.columns(), table.rows)
        result.files[name] = len(table.rows)
        if table.links:
            result.link_columns[name] = table.links
    result.rejected += writer.rejected
    _write(out / REJECTED, list(REJECTED_COLUMNS), [_rejected_row(r) for r in result.rejected])
    for place in target.values():
        if place.schema.get(mark) is None:
            result.notes.append(
                f"{place.converter.native_object} has no field {mark}: create it (unique values"
                " / External ID) before importing, or the links cannot be resolved"
            )
    return result


@dataclass
class _Table:
    order: list[str]  # the target mapping's native names, in its order
    rows: list[dict[str, str]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    def columns(self) -> list[str]:
        seen = dict.fromkeys(name for row in self.rows for name in row)
        fields = [n for n in seen if n not in self.links]
        rank = {name: i for i, name in enumerate(self.order)}
        fields.sort(key=lambda n: rank.get(n, len(rank)))
        return fields + self.links


class _Files:
    """The rows of every import file, and the links that could not be written."""

    def __init__(self, crm: str, mapping: CompiledMapping, plan: MigrationPlan, mark: str):
        self.crm = crm
        self.mapping = mapping
        self.plan = plan
        self.mark = mark
        self.tables: dict[str, _Table] = {}
        self.rejected: list[Rejection] = []
        #: object -> source id -> the source-id column's value of the record carrying it
        self.marks: dict[str, dict[str, str]] = {}
        for item in plan.items:
            carried = self.marks.setdefault(item.object_name, {})
            carried.update(dict.fromkeys(item.source_ids, str(item.fields[mark])))

    def table(self, name: str, order: Iterable[str] = ()) -> _Table:
        if name not in self.tables:
            self.tables[name] = _Table(list(order))
        return self.tables[name]

    def add(self, object_name: str) -> None:
        converter = self.mapping[object_name]
        order = [converter.native_name(n) for n, s in converter.spec.fields.items() if s.from_]
        table = self.table(FILES[object_name], order)
        defaults = IMPORT_DEFAULTS.get((self.crm, converter.native_object), {})
        for item in self.plan.items:
            if item.object_name != object_name:
                continue
            row = {**defaults}
            for name, value in item.fields.items():
                if isinstance(value, Mapping):  # a lookup: the link columns carry links
                    continue
                row[name] = _cell(value)
            table.rows.extend(self._linked(converter, item, row, table))

    def _linked(
        self, converter: ObjectConverter, item: Item, row: dict[str, str], table: _Table
    ) -> list[dict[str, str]]:
        """The record's row with its link columns, and the further rows its links need."""
        rows = [row]
        own = row[self.mark]
        for link in item.links:
            column = _link_column(self.crm, converter, link, self.mark)
            exported = self.marks.get(link.object_name, {})
            marks = [exported.get(i, source_mark(self.plan.source, i)) for i in link.source_ids]
            if isinstance(column, str):
                self._refuse(item, link.field, marks, column)
                continue
            missing = [m for i, m in zip(link.source_ids, marks, strict=True) if i not in exported]
            if missing:
                reason = f"links to a {link.object_name} that is not exported"
                self._refuse(item, link.field, missing, reason)
                marks = [m for m in marks if m not in missing]
            if not marks:
                continue
            if column.how == "junction":
                assert column.junction is not None and column.own_header is not None
                junction = self.table(column.junction)
                if not junction.links:
                    junction.links = [column.own_header, column.header]
                junction.rows += [{column.own_header: own, column.header: m} for m in marks]
                continue
            if column.header not in table.links:
                table.links.append(column.header)
            if column.how == "cell" and len(marks) > 1:
                self._refuse(item, link.field, marks[1:], f"{column.header} holds one record")
                marks = marks[:1]
            for index, linked in enumerate(marks):
                if index == len(rows):
                    rows.append({self.mark: own})
                rows[index][column.header] = linked
        return rows

    def _refuse(self, item: Item, name: str, marks: Sequence[str], reason: str) -> None:
        self.rejected.append(Rejection(item.object_name, item.key, name, ";".join(marks), reason))


def _cell(value: Any) -> str:
    """A native value as the importers take it in a cell: HubSpot's text form (``true`` /
    ``false``, lists ``;``-joined) serves them all, but for Zoho's tag objects, by name."""
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        return ",".join(str(v.get("name")) for v in value)
    return as_text(value)


def _rejected_row(rejection: Rejection) -> dict[str, str]:
    reason = rejection.reason
    if rejection.filled is not None:
        reason += f"; the file has {rejection.filled!r} instead"
    return {
        "object": rejection.object_name,
        "key": rejection.key,
        "field": rejection.field,
        "value": _cell(rejection.value),
        "reason": reason,
    }


def _write(path: Path, header: list[str], rows: Sequence[Mapping[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=header, restval="")
        writer.writeheader()
        writer.writerows(rows)


def live_schemas(
    connector: Connector, mapping: CompiledMapping, objects: Iterable[str]
) -> dict[str, ObjectSchema]:
    """The target account's own field lists (read-only calls)."""
    return {name: connector.describe(mapping[name].native_object) for name in objects}


@click.command("export")
@click.option(
    "--to",
    "target_kind",
    required=True,
    metavar="CRM",
    help=f"The CRM whose import format to write: {', '.join(TARGETS)}.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The folder for the CSV files (created if missing; files there are replaced).",
)
@config_option
@click.option(
    "--target-config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A crmsync config of the target account: its field list (picklists, lengths, "
    "read-only and required fields) decides what is left out. Only described, never written.",
)
@pass_output
def export_command(
    output: Output,
    target_kind: str,
    out: Path,
    config_path: Path | None,
    target_config: Path | None,
) -> None:
    """Write the configured CRM's cleaned data as CSV files in another CRM's import format
    (companies.csv, contacts.csv, deals.csv, and rejected.csv for what was left out)."""
    if target_kind not in TARGETS:
        output.fail(
            exitcodes.USAGE,
            f"--to {target_kind!r} is not a CRM crmsync can export for; use one of "
            + ", ".join(TARGETS),
        )
    loaded = load_or_exit(output, config_path)
    target_loaded = None
    if target_config is not None:
        target_loaded = load_or_exit(output, target_config)
        if target_loaded.config.crm.kind != target_kind:
            output.fail(
                exitcodes.USAGE,
                f"--target-config {target_config} is a {target_loaded.config.crm.kind} config, "
                f"not {target_kind}",
            )
    target_mapping = target_loaded.mapping if target_loaded else shipped_mapping(target_kind)
    objects = [o for o in OBJECT_ORDER if o in loaded.config.run.objects]
    objects = [o for o in objects if o in target_mapping.objects]
    now = datetime.now(UTC)
    with crm_errors(output):
        if target_loaded is not None:
            connector = build_connector(target_loaded.config)
            schemas = live_schemas(connector, target_mapping, objects)
        else:
            schemas = {o: mapping_schema(target_mapping[o]) for o in objects}
        job = Job(loaded)
        cleaned = read_clean(job, objects, now, progress_printer(output, "reading"))
    try:
        result = export_base(
            cleaned,
            source_kind=loaded.config.crm.kind,
            source_mapping=job.mapping,
            target_kind=target_kind,
            target_mapping=target_mapping,
            schemas=schemas,
            out=out,
            now=now,
        )
    except OSError as error:
        output.fail(exitcodes.USAGE, f"cannot write the files in {out}: {error}")
    output.result(result.as_dict(), result.lines())
