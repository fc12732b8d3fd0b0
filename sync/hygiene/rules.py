"""The hygiene rules (stage ``hygiene``): normalise and validate, completeness and review,
obsolete records, duplicates. Importing this module registers them."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from mapping.model import Company, Contact
from sync.hygiene.completeness import completeness, next_review, required_fields, review_days
from sync.hygiene.obsolete import obsolete_reasons
from sync.hygiene.records import Checked, check_company, check_contact
from sync.hygiene.survivorship import merge_plan
from sync.hygiene.value import last_won, value_tiers
from sync.rules.base import ObjectName, Output, RuleContext, rule
from sync.segmentation.facts import per_run

NORMALISE = "hygiene.normalise"
REVIEW = "hygiene.review"
OBSOLETE = "hygiene.obsolete"
DUPLICATES = "hygiene.duplicates"


@per_run
def contact_checks(ctx: RuleContext) -> list[Checked]:
    """Every contact of the base through the normalisers, in the base's order: computed once
    for the three rules that read it."""
    rules = ctx.settings.hygiene
    return [check_contact(c, rules) for c in ctx.base.contacts]


@rule(NORMALISE, "hygiene")
def normalise_records(ctx: RuleContext) -> Iterator[Output]:
    """Normalise e-mails, phones (E.164), countries, states, zips and names; flag what is
    invalid."""
    rules = ctx.settings.hygiene
    checks: list[tuple[ObjectName, Checked]] = [("contact", c) for c in contact_checks(ctx)]
    checks += [("company", check_company(c, rules)) for c in ctx.base.companies]
    for object_name, checked in checks:
        for name, value in checked.changes.items():
            yield Output(
                object_name,
                checked.record_id,
                "field",
                name,
                value,
                NORMALISE,
                f"{name} normalised to {value!r}",
            )
        for found in checked.findings:
            reason = found.finding.message
            if found.finding.suggestion:
                reason += f" (did you mean {found.finding.suggestion}?)"
            yield Output(
                object_name,
                checked.record_id,
                "finding",
                found.finding.code,
                found.as_dict(),
                NORMALISE,
                f"{found.field}: {reason}",
            )


@rule(REVIEW, "hygiene")
def review_by_value(ctx: RuleContext) -> Iterator[Output]:
    """Completeness against the fields the contact's value tier needs, its review priority
    and next review date."""
    rules = ctx.settings.hygiene
    tiers = value_tiers(ctx)
    for contact, checked in zip(ctx.base.contacts, contact_checks(ctx), strict=True):
        tier = tiers[contact.id]
        done = completeness(contact, checked, required_fields(tier, rules))
        every = review_days(tier, rules)
        anchor = contact.created_at.date() if contact.created_at else None
        due = next_review(anchor, every, ctx.today)
        yield Output(
            "contact",
            contact.id,
            "field",
            "review_priority",
            tier,
            REVIEW,
            f"{tier.replace('_', ' ')}: reviewed every {every} days",
        )
        yield Output(
            "contact",
            contact.id,
            "field",
            "next_review_date",
            due,
            REVIEW,
            f"every {every} days from {anchor or 'the calendar start'}",
        )
        yield Output(
            "contact",
            contact.id,
            "field",
            "completeness",
            done.share,
            REVIEW,
            f"{len(done.required) - len(done.missing)} of {len(done.required)} "
            f"fields a {tier.replace('_', ' ')} needs",
        )
        if done.missing:
            yield Output(
                "contact",
                contact.id,
                "finding",
                "missing_critical_fields",
                {"tier": tier, "missing": list(done.missing)},
                REVIEW,
                f"a {tier.replace('_', ' ')} lacks {', '.join(done.missing)}",
            )


@rule(OBSOLETE, "hygiene")
def flag_obsolete(ctx: RuleContext) -> Iterator[Output]:
    """Flag unreachable, bounced, closed-company and long-inactive records for review (never
    delete them)."""
    rules = ctx.settings.hygiene
    bought = last_won(ctx)
    companies = ctx.base.company_by_id
    for contact, checked in zip(ctx.base.contacts, contact_checks(ctx), strict=True):
        reasons = obsolete_reasons(
            contact,
            checked,
            company=companies.get(contact.company_id) if contact.company_id else None,
            last_won=bought.get(contact.id),
            today=ctx.today,
            inactive_years=rules.obsolete_inactive_years,
        )
        if reasons:
            yield from _obsolete("contact", contact.id, reasons)
    for company in ctx.base.companies:
        if company.closed:
            yield from _obsolete("company", company.id, {"company_closed": "the company is closed"})


def _obsolete(object_name: ObjectName, record_id: str, reasons: dict[str, str]) -> Iterator[Output]:
    reason = "; ".join(reasons.values())
    yield Output(
        object_name,
        record_id,
        "finding",
        "obsolete",
        {"reasons": sorted(reasons)},
        OBSOLETE,
        reason,
    )
    yield Output(
        object_name,
        record_id,
        "tag",
        "obsolete",
        True,
        OBSOLETE,
        f"for review, not deletion: {reason}",
    )


@rule(DUPLICATES, "hygiene", once_per_run=True)
def mark_duplicates(ctx: RuleContext) -> Iterator[Output]:
    """Cluster duplicate contacts and companies; point every duplicate at its cluster's
    survivor (and plan the merge when the admin asked for merges)."""
    settings = ctx.settings.duplicates
    yield from _duplicates(ctx, "contact", ctx.base.contacts)
    if settings.companies:
        yield from _duplicates(ctx, "company", ctx.base.companies)


def _duplicates(
    ctx: RuleContext, object_name: ObjectName, records: Sequence[Contact | Company]
) -> Iterator[Output]:
    from sync.hygiene.dedupe import find_duplicates, records_frame  # pandas and Splink: slow

    settings = ctx.settings.duplicates
    if len(records) < 2:
        return
    clusters = find_duplicates(
        records_frame(records),
        object_name="contact" if object_name == "contact" else "company",
        threshold=settings.match_threshold,
        survivor=settings.survivor,
        default_region=ctx.settings.hygiene.default_region,
        identifier_fields=settings.identifier_fields,
    )
    by_id = {r.id: r for r in records}
    grouped = clusters[clusters["id"] != clusters["survivor_id"]].groupby("survivor_id")
    for survivor_id, members in grouped:
        survivor = by_id[str(survivor_id)]
        for row in members.itertuples():
            score = _score(row.score)
            why = f"same {object_name} as {survivor_id} (match probability {score})"
            yield Output(object_name, row.id, "field", "duplicate_of", survivor_id, DUPLICATES, why)
            yield Output(object_name, row.id, "tag", settings.tag, True, DUPLICATES, why)
        if settings.action == "merge":
            others = [by_id[i] for i in members["id"]]
            best = members["score"].max()
            plan = merge_plan(
                survivor, others, score=_score(best), field_rules=settings.field_rules
            )
            yield Output(
                object_name,
                survivor.id,
                "finding",
                "merge_plan",
                plan,
                DUPLICATES,
                f"merge {', '.join(plan.merged_ids)} into {survivor.id} "
                f"(survivor: {settings.survivor.replace('_', ' ')})",
            )


def _score(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 4)
