"""A migration from one configured CRM to another: read, clean, plan, apply.

The source is read through its own sync job (an incremental pull into its state store, so a
second migration reads only what changed); the target is read whole before each plan, so the
plan compares against what the target holds now. The id map and the journal live in the
target job's state store, under the migration's name ``"<source job> -> <target job>"``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone

from connectors.types import Connector, FieldSchema
from sync.config import LoadedConfig
from sync.migrate.apply import MigrationReport, Progress, apply_migration
from sync.migrate.clean import CleanBase, clean
from sync.migrate.plan import OBJECT_ORDER, MigrationPlan
from sync.migrate.planner import TargetObject, make_migration_plan, source_id_field
from sync.planner import load_mirror
from sync.runner import Job, recorded_run
from sync.state import StateStore

log = logging.getLogger(__name__)
UTC = timezone.utc


def read_clean(
    job: Job, objects: Sequence[str], now: datetime, progress: object = None
) -> CleanBase:
    """Pull the job's CRM (what changed since the last pull) and clean what its mirror holds:
    the source side of a migration and of an export."""
    job.pull(progress=progress, reading_only=True)
    mirror = load_mirror(job.store, job.name, job.mapping, objects)
    return clean(mirror.base, job.config.rules, now)


class Migration:
    def __init__(
        self,
        source: LoadedConfig,
        target: LoadedConfig,
        *,
        source_connector: Connector | None = None,
        target_connector: Connector | None = None,
        now: Callable[[], datetime] | None = None,
    ):
        self.source = Job(source, connector=source_connector)
        self.target = Job(target, connector=target_connector)
        self.now = now or (lambda: datetime.now(UTC))
        self.objects = [
            o
            for o in OBJECT_ORDER
            if o in source.config.run.objects and o in target.config.run.objects
        ]
        self.source_kind = source.config.crm.kind
        self.target_kind = target.config.crm.kind
        self.name = (
            f"{self.source_kind}:{self.source.name} -> {self.target_kind}:{self.target.name}"
        )
        self.cleaned: CleanBase | None = None

    @property
    def store(self) -> StateStore:
        return self.target.store

    def source_id_field(self) -> FieldSchema:
        """crmsync's field in the target holding each created record's source id."""
        return source_id_field(self.target_kind)

    # --- steps ----------------------------------------------------------------------------
    def read_source(self, progress: object = None) -> CleanBase:
        """Pull the source (what changed since the last pull) and clean what it holds."""
        self.cleaned = read_clean(self.source, self.objects, self.now(), progress)
        return self.cleaned

    def read_target(self) -> dict[str, TargetObject]:
        """Every record of the target objects, with the fields the plan compares."""
        connector = self.target.connector
        mark = self.source_id_field().name
        found: dict[str, TargetObject] = {}
        for object_name in self.objects:
            converter = self.target.mapping[object_name]
            schema = connector.describe(converter.native_object)
            place = TargetObject(object_name, converter, schema, mark)
            fields = converter.native_fields()
            if schema.get(mark) is not None:
                fields.append(mark)
            for record in connector.read(
                converter.native_object, fields=fields, associations=converter.associations()
            ):
                if not record.deleted:
                    place.records[record.id] = (record, converter.to_common(record))
            found[object_name] = place
        return found

    def plan(self, progress: object = None) -> MigrationPlan:
        """What --apply would do now. Writes nothing to the target."""
        return self.plan_over(self.read_source(progress), self.read_target())

    def plan_over(self, cleaned: CleanBase, target: Mapping[str, TargetObject]) -> MigrationPlan:
        """The plan for a cleaned source and the target as read."""
        return make_migration_plan(
            cleaned,
            self.source_kind,
            self.source.mapping,
            target,
            target_kind=self.target_kind,
            id_map=self.store.id_map(self.name),
            now=self.now(),
            # only HubSpot's connector adds options to a picklist (create_fields)
            extend_picklists=self.target_kind == "hubspot",
        )

    def provision(self, new_options: Mapping[str, Mapping[str, list[str]]] | None = None) -> None:
        """Create the source-id field on the target objects, and add the options a plan needs
        to custom picklists (both idempotent)."""
        connector = self.target.connector
        for object_name in self.objects:
            native = self.target.mapping[object_name].native_object
            wanted = [self.source_id_field()]
            schema = connector.describe(native)
            for name, options in (new_options or {}).get(object_name, {}).items():
                field = schema.get(name)
                if field is not None and field.options is not None:
                    extended = tuple(dict.fromkeys([*field.options, *options]))
                    wanted.append(dataclasses.replace(field, options=extended))
            connector.create_fields(native, wanted)

    def apply(
        self, progress: Progress | None = None, *, plan: MigrationPlan | None = None
    ) -> tuple[MigrationPlan, MigrationReport]:
        """Plan against the target as it is now (unless given a fresh ``plan``), provision what
        the plan needs and execute it, as one run holding the migration's lock."""
        with recorded_run(self.store, self.name, "migrate", self.target.owner) as (run_id, counts):
            plan = plan or self.plan()
            self.provision(plan.new_options)
            report = apply_migration(
                plan,
                self.target.connector,
                {o: self.target.mapping[o] for o in self.objects},
                self.store,
                migration=self.name,
                run_id=run_id,
                progress=progress,
            )
            counts.update(report.counts())
        return plan, report
