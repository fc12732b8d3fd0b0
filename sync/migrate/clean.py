"""The base a migration carries: the source's records cleaned and merged, one per entity.

Cleaning is the configured hygiene and enrichment rules' fixes (normalised e-mails, phones,
countries, names…); merging is duplicate detection over contacts and companies with the
configured survivor and per-field survivorship rules. Links follow the merges: a contact of a
merged company points at the surviving company, a deal's contacts at the surviving contacts.
Deals are not merged: each source deal is one entity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from mapping.model import Contact, Deal
from sync.config.rules import RulesSettings
from sync.rules.base import RULES, CustomerBase, RuleSpec, is_fix, run_rules, with_fixes


@dataclass(frozen=True)
class CleanBase:
    """The merged records, and for every source record the survivor it went into."""

    base: CustomerBase
    #: object name -> source id -> the id of the record that carries it (itself if it survives)
    survivor_of: Mapping[str, Mapping[str, str]]
    #: object name -> how many fields the cleaning rules fixed
    fixed_fields: Mapping[str, int] = field(default_factory=dict)

    def merged_ids(self, object_name: str, survivor_id: str) -> tuple[str, ...]:
        """Every source id carried by ``survivor_id`` (itself first)."""
        return self._members.get(object_name, {}).get(survivor_id, (survivor_id,))

    @cached_property
    def _members(self) -> dict[str, dict[str, tuple[str, ...]]]:
        members: dict[str, dict[str, list[str]]] = {}
        for object_name, survivors in self.survivor_of.items():
            for source_id, survivor in survivors.items():
                if source_id != survivor:
                    members.setdefault(object_name, {}).setdefault(survivor, [survivor])
                    members[object_name][survivor].append(source_id)
        return {o: {s: tuple(ids) for s, ids in by.items()} for o, by in members.items()}

    @property
    def merged(self) -> dict[str, int]:
        """Object name -> how many source records were merged into another."""
        return {
            o: sum(1 for source, survivor in s.items() if source != survivor)
            for o, s in self.survivor_of.items()
        }


def cleaning_rules() -> list[RuleSpec]:
    """The rules whose fixes a migration applies: hygiene and enrichment, without the
    once-per-run duplicate marking (a migration merges instead)."""
    return [
        spec
        for spec in RULES.values()
        if spec.stage in ("hygiene", "enrichment") and not spec.once_per_run
    ]


def clean(base: CustomerBase, settings: RulesSettings, now: datetime) -> CleanBase:
    """Apply the cleaning rules' fixes, then merge duplicate contacts and companies."""
    run = run_rules(base, now, settings, rules=cleaning_rules())
    fixes = [o for o in run.outputs if is_fix(o)]
    fixed = with_fixes(base, fixes)
    counts: dict[str, int] = {}
    for fix in fixes:
        counts[fix.object_name] = counts.get(fix.object_name, 0) + 1
    contacts, contact_survivor = _merge(fixed.contacts, "contact", settings)
    if settings.duplicates.companies:
        companies, company_survivor = _merge(fixed.companies, "company", settings)
    else:
        companies, company_survivor = list(fixed.companies), {c.id: c.id for c in fixed.companies}
    contacts = [_relinked_contact(c, company_survivor) for c in contacts]
    deals = [_relinked_deal(d, company_survivor, contact_survivor) for d in fixed.deals]
    return CleanBase(
        CustomerBase(contacts, companies, deals),
        {
            "contact": contact_survivor,
            "company": company_survivor,
            "deal": {d.id: d.id for d in deals},
        },
        counts,
    )


def migration_key(object_name: str, record: Any) -> str:
    """The key an entity is upserted by in the target: a contact's e-mail, a company's
    domain, else the source record's id."""
    if object_name == "contact" and record.email:
        return f"email:{record.email.strip().lower()}"
    if object_name == "company" and record.domain:
        return f"domain:{record.domain.strip().lower()}"
    return f"source:{record.id}"


def _merge(
    records: Sequence[Any], object_name: str, settings: RulesSettings
) -> tuple[list[Any], dict[str, str]]:
    """The survivors with their merged values, and source id -> survivor id.

    Records are merged when duplicate detection links them, and also when they share a
    migration key: the target holds one record per e-mail or domain, so two records with one
    key would otherwise be refused (HubSpot) or collide on every rerun."""
    from sync.hygiene.dedupe import find_duplicates, records_frame
    from sync.hygiene.survivorship import merge_plan

    if len(records) < 2:
        return list(records), {r.id: r.id for r in records}
    rules = settings.duplicates
    clusters = find_duplicates(
        records_frame(records),
        object_name="contact" if object_name == "contact" else "company",
        threshold=rules.match_threshold,
        survivor=rules.survivor,
        default_region=settings.hygiene.default_region,
        identifier_fields=rules.identifier_fields,
    )
    parent = {str(i): str(s) for i, s in zip(clusters["id"], clusters["survivor_id"], strict=True)}

    def root(record_id: str) -> str:
        while parent[record_id] != record_id:
            record_id = parent[record_id]
        return record_id

    first_with_key: dict[str, str] = {}
    for record in records:
        key = migration_key(object_name, record)
        if not key.startswith("source:"):
            first = root(first_with_key.setdefault(key, record.id))
            mine = root(record.id)
            if mine != first:
                parent[mine] = first
    survivor_of = {r.id: root(r.id) for r in records}
    scores = {  # the match probability linking each record to its cluster (NaN alone)
        str(i): float(s) if s == s else 0.0
        for i, s in zip(clusters["id"], clusters["score"], strict=True)
    }
    groups: dict[str, list[Any]] = {}
    for record in records:
        if survivor_of[record.id] != record.id:
            groups.setdefault(survivor_of[record.id], []).append(record)
    by_id = {r.id: r for r in records}
    merged: dict[str, Any] = {}
    for survivor_id, others in groups.items():
        others.sort(key=lambda r: (-scores[r.id], r.id))  # best match first
        plan = merge_plan(by_id[survivor_id], others, field_rules=rules.field_rules)
        merged[survivor_id] = by_id[survivor_id].replace(**{c.field: c.value for c in plan.fields})
    kept = [merged.get(r.id, r) for r in records if survivor_of[r.id] == r.id]
    return kept, survivor_of


def _relinked_contact(contact: Contact, company_survivor: Mapping[str, str]) -> Contact:
    if contact.company_id is None or contact.company_id not in company_survivor:
        return contact
    return contact.replace(company_id=company_survivor[contact.company_id])


def _relinked_deal(
    deal: Deal, company_survivor: Mapping[str, str], contact_survivor: Mapping[str, str]
) -> Deal:
    company = company_survivor.get(deal.company_id or "", deal.company_id)
    contacts = tuple(dict.fromkeys(contact_survivor.get(c, c) for c in deal.contact_ids))
    if company == deal.company_id and contacts == deal.contact_ids:
        return deal
    return deal.replace(company_id=company, contact_ids=contacts)
