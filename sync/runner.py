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
from contextlib import contextmanager
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
    @contextmanager
    def run(self, command: str, *, lock: bool) -> Iterator[tuple[str, dict[str, Any]]]:
        """A recorded run; yields its id and the counts to fill in."""
        if lock:
            self.store.acquire_lock(self.name, self.owner)
            self._mark_interrupted()
        run_id = self.store.start_run(self.name, command)
        counts: dict[str, Any] = {}
        try:
            yield run_id, counts
        except BaseException:
            self.store.finish_run(run_id, "failed", counts)
            raise
        else:
            failed = counts.get("failed", 0) + counts.get("tasks_failed", 0)
            self.store.finish_run(run_id, "failed_records" if failed else "ok", counts)
        finally:
            if lock:
                self.store.release_lock(self.name, self.owner)

    def _mark_interrupted(self) -> None:
        """With the lock held, a run of this job still marked running has died."""
        for run in self.store.runs(self.name, limit=20):
            if run.status == "running" and run.command != "plan":
                self.store.finish_run(run.id, "interrupted", dict(run.counts))

    # --- steps ----------------------------------------------------------------------------
    def _pull(self, run_id: str, *, full: bool, progress: Any = None) -> PullReport:
        converters = []
        for object_name in self.config.run.objects:
            converter = self.mapping[object_name]
            fields = self.write_back.native_fields(object_name)
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
        mirror = load_mirror(self.store, self.name, self.mapping, self.config.run.objects)
        self.last_mirror = mirror
        rules = run_rules(mirror.base, now, self.config.rules, rules=self.rules)
        self.last_rules = rules
        return make_plan(
            rules,
            mirror,
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

    def pull(self, *, full: bool = False, progress: Any = None) -> tuple[str, PullReport]:
        with self.run("pull", lock=True) as (run_id, counts):
            report = self._pull(run_id, full=full, progress=progress)
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
