"""Behaviour segments (playbook §3): engagement and preferred channel, frustration score, NPS
class with the detractor recovery task, and the lead score."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

from mapping.model import Contact, Deal
from sync.config.rules import LeadPoints
from sync.rules.base import Output, RuleContext, TaskSpec, rule
from sync.segmentation import outputs as out
from sync.segmentation.conditions import Check, Env, compile_condition, outputs_index
from sync.segmentation.facts import History, histories, last_interaction, plural
from sync.segmentation.scores import Score, frustration_scores
from sync.segmentation.segments import PROSPECT_SEGMENTS, lifecycle_segments

UTC = timezone.utc
_EPOCH = datetime.min.replace(tzinfo=UTC)


# --- engagement ------------------------------------------------------------------------------
@rule("engagement", "segmentation")
def engagement(ctx: RuleContext) -> Iterable[Output]:
    """Engaged tag, last interaction date and preferred channel.

    Engaged: opened or clicked within the window, counted in whole days like every other
    rule over time (so a contact leaves it at midnight, not between two runs of one day).
    Preferred channel: the most frequent among the contact's source and its deals' channels."""
    window = timedelta(days=ctx.settings.engagement.window_days)
    today = ctx.today
    since = today - window
    deals = ctx.base.deals_by_contact
    reasons: dict[tuple[str, int], str] = {}
    day_of: dict[date, date] = {}  # one object per day
    for contact in ctx.base.contacts:
        cid = contact.id
        opened, clicked = contact.last_open_at, contact.last_click_at
        recent, what = (clicked, "clicked") if clicked is not None else (None, "")
        if opened is not None and (recent is None or opened > recent):
            recent, what = opened, "opened"
        if recent is not None and (day := recent.date()) >= since:
            days = (today - day).days
            reason = reasons.get((what, days))
            if reason is None:
                reason = f"{what} an e-mail {days} days ago (<= {window.days})"
                reasons[what, days] = reason
            yield Output("contact", cid, "tag", out.ENGAGED, True, "engagement", reason)
        latest = last_interaction(contact)
        if latest is not None:
            day = latest.date()
            yield Output(
                "contact", cid, "field", out.LAST_INTERACTION_DATE, day_of.setdefault(day, day),
                "engagement", "latest of last interaction, e-mail open and click",
            )  # fmt: skip
        channel = preferred_channel(contact, deals.get(cid, ()))
        if channel is not None:
            yield Output(
                "contact", cid, "field", out.PREFERRED_CHANNEL, channel.value, "engagement",
                channel.reason,
            )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Channel:
    value: str
    reason: str


@lru_cache(maxsize=1024)
def _cleaned(channel: str) -> str:
    return channel.strip().lower()


@lru_cache(maxsize=256)
def _only_channel(raw: str) -> Channel:
    channel = _cleaned(raw)
    return Channel(channel, f"{channel} in 1 of 1 interaction")


@lru_cache(maxsize=4096)
def _channel(channel: str, used: int, total: int) -> Channel:
    return Channel(channel, f"{channel} in {used} of {plural(total, 'interaction')}")


def preferred_channel(contact: Contact, deals: Sequence[Deal]) -> Channel | None:
    """The most frequent channel among the contact's source and its deals' channels; a tie goes
    to the channel used most recently (one object per channel and counts)."""
    source = contact.source_channel
    if not deals:
        return _only_channel(source) if source else None
    used: dict[str, int] = {}  # channel -> times used
    total = 0
    if source:
        used[_cleaned(source)] = 1
        total = 1
    for deal in deals:
        if deal.channel:
            channel = _cleaned(deal.channel)
            used[channel] = used.get(channel, 0) + 1
            total += 1
    if not used:
        return None
    most = max(used.values())
    leaders = [channel for channel, times in used.items() if times == most]
    if len(leaders) > 1:  # the one used last (the first of those used at that moment)
        last: dict[str, datetime] = {}
        for raw, when in (
            (source, contact.created_at),
            *((d.channel, d.created_at) for d in deals),
        ):
            if raw:
                channel = _cleaned(raw)
                if channel in leaders and (channel not in last or (when or _EPOCH) > last[channel]):
                    last[channel] = when or _EPOCH
        leaders = [max(leaders, key=last.__getitem__)]
    return _channel(leaders[0], most, total)


# --- frustration -----------------------------------------------------------------------------
@rule("frustration", "segmentation")
def frustration_rule(ctx: RuleContext) -> Iterable[Output]:
    """Frustration score 0–100; above the alert threshold it raises an alert tag."""
    threshold = ctx.settings.frustration.alert_threshold
    for cid, score in frustration_scores(ctx).items():
        yield Output(
            "contact", cid, "field", out.FRUSTRATION_SCORE, score.value, "frustration",
            score.reason,
        )  # fmt: skip
        if score.value > threshold:
            reason = f"frustration {score.value} > {threshold}: {score.reason}"
            yield Output("contact", cid, "tag", out.FRUSTRATION_ALERT, True, "frustration", reason)


# --- NPS -------------------------------------------------------------------------------------
def nps_class(score: int, detractor_max: int, passive_max: int) -> str:
    if score <= detractor_max:
        return "detractor"
    return "passive" if score <= passive_max else "promoter"


@rule("nps", "segmentation")
def nps(ctx: RuleContext) -> Iterable[Output]:
    """NPS class, and a recovery task for each detractor's survey answer.

    The task is high priority, for the contact's owner, due within 24 hours, keyed by the
    answer so that it is created once."""
    settings = ctx.settings.nps
    due_in = timedelta(hours=settings.task_due_hours)
    oldest = (
        None
        if settings.task_max_age_days is None
        else ctx.today - timedelta(days=settings.task_max_age_days)
    )
    known: dict[tuple[int, date | None], tuple[str, str]] = {}  # answer -> (class, why)
    for contact in ctx.base.contacts:
        score = contact.nps_score
        if score is None:
            continue
        answer = known.get((score, contact.nps_date))
        if answer is None:
            answered = f" on {contact.nps_date}" if contact.nps_date else ""
            answer = (
                nps_class(score, settings.detractor_max, settings.passive_max),
                f"NPS {score}{answered}",
            )
            known[score, contact.nps_date] = answer
        kind = answer[0]
        yield Output("contact", contact.id, "field", out.NPS_CLASS, kind, "nps", answer[1])
        if kind != "detractor":
            continue
        if oldest is not None and (contact.nps_date is None or contact.nps_date < oldest):
            continue
        yield _recovery_task(contact, score, due_in, ctx.now)


def _recovery_task(contact: Contact, score: int, due_in: timedelta, now: datetime) -> Output:
    """The task for one survey answer: its key is the contact and the answer's date, so the
    sync core creates it once. Due ``due_in`` after the answer, or after now when that has
    passed (crmsync learns of the answer now)."""
    answered = contact.nps_date
    due = now + due_in
    if answered is not None and datetime.combine(answered, time(), UTC) + due_in > now:
        due = datetime.combine(answered, time(), UTC) + due_in
    name = " ".join(n for n in (contact.first_name, contact.last_name) if n) or contact.id
    key = f"{out.NPS_DETRACTOR_TASK}:{contact.id}:{answered or 'undated'}"
    reason = f"detractor: NPS {score}" + (f" on {answered}" if answered else "")
    task = TaskSpec(
        subject=f"Recovery call: {name} gave NPS {score}",
        due=due,
        owner_id=contact.owner_id,
        priority="HIGH",
        body=(
            "Call within 24 hours to understand what went wrong and offer a concrete fix "
            "(refund, exchange, credit). Listen; do not argue about the score."
        ),
    )
    return Output("contact", contact.id, "task", key, task, "nps", reason)


# --- lead score ------------------------------------------------------------------------------
_CRITERIA = (  # (criterion, how a reason shows it)
    ("complete_profile", "complete profile"),
    ("company_data", "company data"),
    ("ideal_customer", "ideal customer"),
    ("opened_email", "opened an e-mail"),
    ("clicked_email", "clicked an e-mail"),
    ("came_by_form", "came by a form"),
    ("asked_price", "asked for a price"),
    ("meeting_or_quote", "meeting or quote"),
)

CRITERIA = tuple(criterion for criterion, _ in _CRITERIA)


def lead_criteria(
    contact: Contact, history: History | None, ideal: Check | None, env: Env
) -> tuple[bool, ...]:
    """Whether the contact meets each lead-score criterion, in the order of ``CRITERIA``."""
    source = contact.source_channel
    return (
        bool(
            contact.first_name
            and contact.last_name
            and contact.email
            and (contact.phone or contact.mobile)
            and contact.city
            and contact.country
        ),
        bool((contact.company_id or contact.company_name) and contact.job_title),
        ideal is not None and ideal.holds(contact, env),
        bool(contact.email_opens) or contact.last_open_at is not None,
        bool(contact.email_clicks) or contact.last_click_at is not None,
        bool(source) and _cleaned(source) == "form",
        bool(contact.asked_price),
        bool(
            contact.meeting_booked
            or contact.quote_received
            or (history is not None and history.advanced is not None)
        ),
    )


def lead_score(met: Mapping[str, bool], points: LeadPoints, scored: Iterable[str]) -> Score:
    """The share of the points the contact could earn that it earns, 0–100."""
    possible = earned = 0
    shown = []
    for criterion, label in _CRITERIA:
        if criterion not in scored:
            continue
        worth = getattr(points, criterion)
        possible += worth
        if met[criterion] and worth:
            earned += worth
            shown.append(f"{label} +{worth}")
    value = round(100 * earned / possible) if possible else 0
    listed = ", ".join(shown) if shown else "no criteria met"
    return Score(value, f"{listed}: {earned} of {possible} points -> {value}")


def lead_rank(score: int, warm_from: int, hot_from: int) -> str:
    return "hot" if score >= hot_from else "warm" if score >= warm_from else "cold"


@rule("lead_score", "segmentation")
def lead_scoring(ctx: RuleContext) -> Iterable[Output]:
    """Lead score 0–100 and its rank (cold / warm / hot), for prospects.

    Prospects are COLD_CONTACT, LEAD and QUALIFIED contacts; points come from fit and
    interactions (``lead_score.points``)."""
    settings = ctx.settings.lead_score
    ideal = None
    env = Env(ctx.now, ctx.base.deals_by_contact)
    if settings.ideal_customer is not None:
        compiled = compile_condition(settings.ideal_customer)
        ideal = compiled.check
        if compiled.reads_outputs:
            env.outputs, env.tags = outputs_index(ctx.earlier)
    scored = [c for c, _ in _CRITERIA if c != "ideal_customer" or ideal is not None]
    segments = lifecycle_segments(ctx)
    purchases = histories(ctx)
    scored_as: dict[tuple[bool, ...], tuple[Score, str, str]] = {}  # by the criteria met
    for contact in ctx.base.contacts:
        if segments[contact.id].segment not in PROSPECT_SEGMENTS:
            continue
        key = lead_criteria(contact, purchases.get(contact.id), ideal, env)
        if key not in scored_as:
            met = dict(zip(CRITERIA, key, strict=True))
            score = lead_score(met, settings.points, scored)
            rank = lead_rank(score.value, settings.warm_from, settings.hot_from)
            scored_as[key] = (score, rank, f"{score.reason} ({rank})")
        score, rank, reason = scored_as[key]
        cid = contact.id
        yield Output("contact", cid, "field", out.LEAD_SCORE, score.value, "lead_score", reason)
        yield Output("contact", cid, "field", out.LEAD_RANK, rank, "lead_score", reason)
