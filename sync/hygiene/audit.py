"""The data-quality KPIs of a customer base (playbook §5): completeness, invalid e-mails and
phones, duplicates, obsolete records; computed by running the hygiene rules and counting
what they find."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sync.config.rules import RulesSettings
from sync.hygiene import rules as hygiene_rules
from sync.hygiene.completeness import has_field
from sync.hygiene.records import check_contact
from sync.hygiene.value import TIERS
from sync.rules.base import RULES, CustomerBase, run_rules


@dataclass(frozen=True)
class AuditReport:
    """The KPIs; shares are fractions between 0 and 1."""

    contacts: int
    companies: int
    complete_share: float
    field_shares: dict[str, float]
    tiers: dict[str, dict[str, float]]
    emails: int
    invalid_emails: int
    phones: int
    invalid_phones: int
    duplicate_contacts: int | None
    duplicate_companies: int | None
    obsolete_contacts: int
    obsolete_reasons: dict[str, int]
    findings: dict[str, int]
    unreadable_values: int = 0
    phone_kinds: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        """The report as plain aligned text."""

        def pct(part: float, whole: float) -> str:
            return f"{100 * part / whole:5.1f}%" if whole else "    -"

        n = self.contacts
        out = [
            f"{'contacts':<34}{n:>10}",
            f"{'companies':<34}{self.companies:>10}",
            f"{'complete (every critical field)':<34}{pct(self.complete_share * n, n):>10}",
        ]
        out += [f"  {name:<32}{pct(share, 1):>10}" for name, share in self.field_shares.items()]
        out.append("complete per value tier            contacts  complete")
        for tier, facts in self.tiers.items():
            out.append(f"  {tier:<32}{int(facts['contacts']):>8}{pct(facts['complete'], 1):>10}")
        for label, count, whole in (
            ("invalid e-mails", self.invalid_emails, self.emails),
            ("invalid phones", self.invalid_phones, self.phones),
        ):
            out.append(f"{label:<34}{count:>10}{pct(count, whole):>10}")
        for label, found, whole in (
            ("duplicate contacts", self.duplicate_contacts, n),
            ("duplicate companies", self.duplicate_companies, self.companies),
        ):
            shown = "skipped" if found is None else f"{found:>10}{pct(found, whole):>10}"
            out.append(f"{label:<34}{shown:>10}")
        out.append(
            f"{'obsolete contacts (to review)':<34}{self.obsolete_contacts:>10}"
            f"{pct(self.obsolete_contacts, n):>10}"
        )
        out += [f"  {reason:<32}{count:>10}" for reason, count in self.obsolete_reasons.items()]
        if self.unreadable_values:
            out.append(f"{'unreadable values':<34}{self.unreadable_values:>10}")
        return out


def audit(
    base: CustomerBase,
    settings: RulesSettings,
    now: datetime,
    *,
    duplicates: bool = True,
    unreadable_values: int = 0,
) -> AuditReport:
    """The KPIs of ``base`` as of ``now``."""
    names = [hygiene_rules.NORMALISE, hygiene_rules.REVIEW, hygiene_rules.OBSOLETE]
    if duplicates:
        names.append(hygiene_rules.DUPLICATES)
    run = run_rules(base, now, settings, rules=[RULES[name] for name in names])
    findings = Counter(o.name for o in run.outputs if o.target == "finding")
    contact_findings: dict[str, set[str]] = {}
    for o in run.outputs:
        if o.object_name == "contact" and o.target == "finding":
            contact_findings.setdefault(o.name, set()).add(o.record_id)
    tier_of = {o.record_id: o.value for o in run.outputs if o.name == "review_priority"}
    share_of = {o.record_id: o.value for o in run.outputs if o.name == "completeness"}
    duplicate_of = Counter(o.object_name for o in run.outputs if o.name == "duplicate_of")

    hygiene = settings.hygiene
    contacts = base.contacts
    critical = hygiene.critical_fields
    present: Counter[str] = Counter()
    complete = 0
    kinds: Counter[str] = Counter()
    emails = phones = invalid_phones = 0
    for contact in contacts:
        checked = check_contact(contact, hygiene)
        has = {name: has_field(contact, checked, name) for name in critical}
        present.update(name for name, ok in has.items() if ok)
        complete += all(has.values())
        kinds.update(checked.phone_kinds.values())
        emails += contact.email is not None
        numbers = [n for n in (contact.phone, contact.mobile) if n is not None]
        phones += bool(numbers)
        invalid_phones += len(numbers) > len(checked.phone_kinds)
    total = len(contacts) or 1
    tiers: dict[str, dict[str, float]] = {}
    for tier in TIERS:
        members = [i for i, t in tier_of.items() if t == tier]
        if members:
            full = sum(share_of[i] == 1.0 for i in members)
            tiers[tier] = {"contacts": len(members), "complete": round(full / len(members), 4)}
    reasons = Counter(
        reason
        for o in run.outputs
        if o.object_name == "contact" and o.name == "obsolete" and o.target == "finding"
        for reason in o.value["reasons"]
    )
    return AuditReport(
        contacts=len(contacts),
        companies=len(base.companies),
        complete_share=round(complete / total, 4),
        field_shares={name: round(present[name] / total, 4) for name in critical},
        tiers=tiers,
        emails=emails,
        invalid_emails=len(contact_findings.get("invalid_email", ())),
        phones=phones,
        invalid_phones=invalid_phones,
        duplicate_contacts=duplicate_of["contact"] if duplicates else None,
        duplicate_companies=duplicate_of["company"] if duplicates else None,
        obsolete_contacts=len(contact_findings.get("obsolete", ())),
        obsolete_reasons=dict(reasons.most_common()),
        findings=dict(findings.most_common()),
        unreadable_values=unreadable_values,
        phone_kinds=dict(kinds.most_common()),
    )
