"""A sync job: pull, plan, apply and sync as runs recorded in the state store.

Every command is a run with an id, a status and counts; commands that write (pull, apply,
sync, undo) hold the job's lock, so two runs of one job never overlap. A run that dies leaves
its status ``running``; the next run marks such runs ``interrupted``.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from connectors.types import Connector, FieldSchema
from sync.apply import ApplyReport, apply_plan
from sync.config import LoadedConfig
from sync.connect import build_connector, tag_field
from sync.kpis import Alert, alerts, compute_kpis
from sync.plan import Plan
from sync.planner import Mirror, load_mirror, make_plan
from sync.pull import PullReport, pull
from sync.rules import RuleRun, RuleSpec, run_rules
from sync.state import StateStore
from sync.writeback import WriteBack

log = logging.getLogger(__name__)
UTC = timezone.utc
Counts = dict[str, Any]


@contextmanager
def recorded_run(
    store: StateStore, name: str, command: str, owner: str | None
) -> Iterator[tuple[str, Counts]]:
    """A run of the job (or migration) ``name`` recorded in ``store``, holding its lock when
    an ``owner`` is given; yields the run's id and the counts to fill in. Its status is
    ``failed`` if it raises, ``failed_records`` if the counts say some failed, else ``ok``."""
    if owner is not None:
        store.acquire_lock(name, owner)
        _mark_interrupted(store, name)
    run_id = store.start_run(name, command)
    counts: Counts = {}
    try:
        yield run_id, counts
    except BaseException:
        store.finish_run(run_id, "failed", counts)
        raise
    else:
        failed = counts.get("failed", 0) + counts.get("tasks_failed", 0)
        store.finish_run(run_id, "failed_records" if failed else "ok", counts)
    finally:
        if owner is not None:
            store.release_lock(name, owner)


def _mark_interrupted(store: StateStore, name: str) -> None:
    """With the lock held, a run of ``name`` still marked running has died."""
    for run in store.runs(name, limit=20):
        if run.status == "running" and run.command != "plan":
            store.finish_run(run.id, "interrupted", dict(run.counts))


@dataclass
class SyncReport:
    run_id: str
    pulled: PullReport
    plan: Plan
    applied: ApplyReport
    kpis: dict[str, float]
    alerts: list[Alert]


class Job:
    """One configured sync job (a CRM account and its state)."""

    def __init__(
        self,
        loaded: LoadedConfig,
        *,
        connector: Connector | None = None,
        store: StateStore | None = None,
        now: Callable[[], datetime] | None = None,
        rules: list[RuleSpec] | None = None,
    ):
        self.loaded = loaded
        self.config = loaded.config
        self.mapping = loaded.mapping
        self.write_back = WriteBack.from_config(self.config)
        self._connector = connector
        self.store = store or StateStore(self.config.state.url)
        self.now = now or (lambda: datetime.now(UTC))
        self.rules = rules  # None: every registered rule
        self.last_rules: RuleRun | None = None  # what the rules wanted in the last plan
        self.last_mirror: Mirror | None = None
        self.name = self.config.job
        self.owner = f"{socket.gethostname()}:{os.getpid()}"

    @property
    def connector(self) -> Connector:
        if self._connector is None:
            self._connector = build_connector(self.config)
        return self._connector

    # --- runs -----------------------------------------------------------------------------
    def run(self, command: str, *, lock: bool) -> AbstractContextManager[tuple[str, Counts]]:
        """A recorded run; yields its id and the counts to fill in."""
        return recorded_run(self.store, self.name, command, self.owner if lock else None)

    # --- steps ----------------------------------------------------------------------------
    def _pull(
        self, run_id: str, *, full: bool, progress: Any = None, reading_only: bool = False
    ) -> PullReport:
        write_back = self.write_back
        if reading_only:  # not provisioned perhaps: ask only for the fields the CRM has
            write_back, _ = write_back.present_in(self._crm_fields())
        converters = []
        for object_name in self.config.run.objects:
            converter = self.mapping[object_name]
            fields = write_back.native_fields(object_name)
            if "tags" not in converter.spec.fields and object_name != "deal":
                fields.append(tag_field(self.config))
            converters.append((object_name, converter, fields))
        return pull(
            self.connector,
            converters,
            self.store,
            job=self.name,
            run_id=run_id,
            started_at=self.now(),
            lookback=timedelta(minutes=self.config.run.lookback_minutes),
            full=full,
            progress=progress,
        )

    def _plan(self, now: datetime) -> Plan:
        self._run_rules(now)
        return self._make_plan(now)

    def _run_rules(self, now: datetime) -> None:
        """Load the mirror and run the rules over it (kept as ``last_mirror``, ``last_rules``)."""
        self.last_mirror = load_mirror(self.store, self.name, self.mapping, self.config.run.objects)
        self.last_rules = run_rules(self.last_mirror.base, now, self.config.rules, rules=self.rules)

    def _make_plan(self, now: datetime) -> Plan:
        """The plan of what the last rules run wants over the last mirror."""
        assert self.last_mirror is not None and self.last_rules is not None
        return make_plan(
            self.last_rules,
            self.last_mirror,
            self.mapping,
            self.write_back,
            job=self.name,
            crm=self.config.crm.kind,
            now=now,
            done_tasks=self.store.created_task_keys(self.name),
            crm_fields=self._crm_fields(),
        )

    def _crm_fields(self) -> dict[str, set[str]]:
        """The native fields each object with write-back outputs has in the CRM, so a field
        nobody created (or that the CRM hides) fails the plan, not the apply."""
        return {
            name: set(self.connector.describe(self.mapping[name].native_object).fields)
            for name in self.config.run.objects
            if self.write_back.native_fields(name)
        }

    def provision_plan(self) -> dict[str, list[FieldSchema]]:
        """Native object -> the custom fields crmsync needs there (outputs, task keys)."""
        wanted: dict[str, list[FieldSchema]] = {}
        for object_name in self.config.run.objects:
            outputs = self.write_back.field_schemas(object_name)
            if outputs:
                wanted[self.mapping[object_name].native_object] = outputs
        for object_type, support in self.connector.support_fields.items():
            wanted.setdefault(object_type, []).extend(support)
        return wanted

    def provision(self) -> dict[str, list[str]]:
        """Create whatever :meth:`provision_plan` lists that the CRM lacks; idempotent."""
        return {
            object_type: self.connector.create_fields(object_type, fields)
            for object_type, fields in self.provision_plan().items()
        }

    def pull(
        self, *, full: bool = False, progress: Any = None, reading_only: bool = False
    ) -> tuple[str, PullReport]:
        """Pull into the mirror. ``reading_only``: for a job whose CRM is only read (a
        migration's source), which need not have crmsync's write-back fields."""
        with self.run("pull", lock=True) as (run_id, counts):
            report = self._pull(run_id, full=full, progress=progress, reading_only=reading_only)
            counts.update(read=report.read)
            return run_id, report

    def plan(self, now: datetime | None = None) -> Plan:
        """The plan over the mirror as it is (pull first for fresh data). Writes nothing."""
        return self._plan(now or self.now())

    def apply(self, plan: Plan, *, progress: Any = None) -> tuple[str, ApplyReport]:
        if plan.job != self.name or plan.crm != self.config.crm.kind:
            raise ValueError(
                f"this plan is for job {plan.job!r} on {plan.crm}, not "
                f"{self.name!r} on {self.config.crm.kind}"
            )
        with self.run("apply", lock=True) as (run_id, counts):
            report = apply_plan(
                plan, self.connector, self.store, self.mapping, run_id=run_id, progress=progress
            )
            counts.update(report.counts())
            return run_id, report

    def sync(self, *, full: bool = False, progress: Any = None) -> SyncReport:
        """pull + plan + apply, as one run."""
        with self.run("sync", lock=True) as (run_id, counts):
            pulled = self._pull(run_id, full=full, progress=progress)
            plan = self._plan(self.now())
            applied = apply_plan(plan, self.connector, self.store, self.mapping, run_id=run_id)
            kpis, raised = self._keep_kpis(run_id)
            counts.update(
                read=pulled.read, planned=len(plan.changes), alerts=len(raised), **applied.counts()
            )
            return SyncReport(run_id, pulled, plan, applied, kpis, raised)

    def _keep_kpis(self, run_id: str) -> tuple[dict[str, float], list[Alert]]:
        """This run's KPIs, stored, and the alerts they raise against the previous run's."""
        assert self.last_mirror is not None and self.last_rules is not None
        inactive_tag = self.write_back.tag("inactive")
        still_inactive = {
            o.record_id
            for o in self.last_rules.outputs
            if o.target == "tag" and o.name == "inactive"
        }
        reactivated = sum(
            1
            for c in self.last_mirror.base.contacts
            if inactive_tag in c.tags and c.id not in still_inactive
        )
        kpis = compute_kpis(
            self.last_mirror.base, self.last_rules.outputs, reactivated, self.config.rules.revenue
        )
        history = self.store.kpi_history(self.name, limit=1)
        self.store.save_kpis(run_id, self.name, kpis)
        raised = alerts(history[-1][2], kpis) if history else []
        for alert in raised:
            log.warning("KPI alert: %s", alert, extra={"kpi": alert.kpi, "run_id": run_id})
        return kpis, raised
