"""Contact records: real people with their deal histories, and noisy duplicates of some."""

from __future__ import annotations

from bisect import bisect_right
from random import Random

from sandbox.dataset import REWARD_PREFERENCES, Company, Contact
from sandbox.generator.companies import CompanyEntity
from sandbox.generator.context import Context
from sandbox.generator.deals import Buyer, DealBook
from sandbox.generator.identity import (
    COUNTRY_PICK,
    PersonName,
    country_spelling,
    email_local,
    free_domain,
    person_name,
    postal_code,
    state_spelling,
    street_address,
    unique_email,
)
from sandbox.generator.names import CONTACT_TAGS, DISQUALIFIED_REASONS, JOB_TITLES, RETIRED_REASONS
from sandbox.generator.noise import ContactOrigin, Number, contact_noise, present
from sandbox.generator.phones import format_number, landline_number, mobile_number
from sandbox.generator.places import COUNTRY_BY_ISO, Country
from sandbox.generator.util import DAY, Weighted, blank, pick, require_field_order

#: What a real contact is, before the data says so (the ground truth is computed from the
#: data afterwards, not from these roles).
_ROLES = Weighted([("disqualified", 4), ("customer", 42), ("qualified", 12), ("lead", 16),
                   ("cold", 26)])
_CHANNELS = Weighted([("form", 25), ("web", 20), ("chat", 12), ("call", 12), ("social", 10),
                      ("store", 10), ("referral", 6), (None, 5)])
_NPS = Weighted(list(enumerate((3, 2, 2, 3, 3, 5, 6, 13, 17, 22, 24))))  # score 0..10 -> weight
_TAG_SETS: tuple[frozenset[str], ...] = tuple(frozenset({t}) for t in CONTACT_TAGS) + tuple(
    frozenset(pair) for pair in (("VIP", "newsletter"), ("trade-show-2025", "newsletter"),
                                 ("VIP", "partner"), ("webinar-2024", "beta-tester"))
)
_NO_TAGS: frozenset[str] = frozenset()
#: Contacts are built with positional arguments (a call with 43 keyword arguments costs ~25
#: times more in CPython 3.11, a tenth of the whole run): this is the order they follow.
require_field_order(Contact, """
    key first_name last_name email other_emails phone mobile street city state zip country
    birth_date job_title company_key company_name owner_id source_channel created_at updated_at
    last_interaction_at last_open_at last_click_at email_opens email_clicks marketing_consent
    unsubscribed hard_bounce nps_score nps_date support_tickets avg_resolution_hours returns
    failed_payments referrals reward_preference disqualified disqualified_reason retired_reason
    asked_price meeting_booked quote_received tags""")


class ContactFactory:
    """Builds original contacts (with their deals) and duplicates of them."""

    def __init__(self, rng: Random, ctx: Context, companies: list[Company],
                 entities: list[CompanyEntity], deals: DealBook, span_days: int) -> None:
        self.rng = rng
        self.ctx = ctx
        self.clock = ctx.clock
        self.companies = companies
        self.entities = entities
        self.deals = deals
        self.span_days = span_days
        cum: list[float] = []
        total = 0.0
        for entity in entities:
            total += entity.weight
            cum.append(total)
        self._entity_cum = cum
        self._roster: dict[int, list[str]] = {}

    # --- originals ------------------------------------------------------------------------

    def original(self, key: str) -> tuple[Contact, ContactOrigin]:
        """A real person: identity, consent, engagement, support history and deals."""
        rng = self.rng
        clock = self.clock
        entity_index = -1
        entity: CompanyEntity | None = None
        company: Company | None = None
        if self.entities and rng.random() < 0.7:
            entity_index = bisect_right(self._entity_cum, rng.random() * self._entity_cum[-1])
            entity = self.entities[entity_index]
            record = entity_index
            if entity.duplicates and rng.random() < 0.15:
                record = pick(rng, entity.duplicates)
            company = self.companies[record]
        country = entity.country if entity and rng.random() < 0.9 else COUNTRY_PICK.pick(rng)
        culture = "latam" if country.iso == "US" and rng.random() < 0.15 else country.culture
        name = person_name(rng, culture)
        role = _ROLES.pick(rng)
        b2b = company is not None
        birth = None
        if rng.random() < (0.3 if b2b else 0.65):
            birth = clock.day(clock.now_ts - int((18 + rng.random() * 67) * 365.25 * DAY))
        email = self._email(rng, name, entity, birth.year if birth else None, country)
        same_place = entity is not None and entity.country is country and rng.random() < 0.6
        city = entity.city if entity is not None and same_place else pick(rng, country.cities)
        mobile = mobile_number(rng, country.iso) if rng.random() < 0.75 else None
        phone: Number | None = None
        if (entity is not None and entity.country is country and entity.origin.phone is not None
                and rng.random() < 0.25):
            phone = entity.origin.phone
        elif rng.random() < (0.25 if b2b else 0.3):
            phone = landline_number(rng, country.iso, city)
        owner = company.owner_id if company and rng.random() < 0.8 else self.ctx.owner_id(rng)
        channel = _CHANNELS.pick(rng)
        if entity is not None:
            roster = self._roster.setdefault(entity_index, [])
            label = entity.origin.name.base
        else:
            roster = None
            label = f"{name.first} {name.last}"
        buyer = Buyer(key, label, company.key if company else None, roster, country.currency,
                      owner, channel, b2b, (key,))
        first_deal, signals = self._deals(rng, buyer, role)
        if roster is not None:
            roster.append(key)

        created = clock.now_ts - 3600 - int(self.span_days * rng.random() ** 1.6 * DAY)
        if first_deal is not None:
            created = min(created, first_deal - int(rng.random() * 60 * DAY))
        if rng.random() < 0.2:
            created = clock.bulk_before(rng, created) or created
        created_at = clock.dt(created)
        first_name = name.first if rng.random() < 0.97 else blank(rng)
        other_emails = self._other_emails(rng, name, country, email)
        phone_text = format_number(rng, country.iso, *phone) if phone else blank(rng)
        mobile_text = format_number(rng, country.iso, *mobile) if mobile else blank(rng)
        street = blank(rng)
        if rng.random() < 0.85:
            street = entity.street if entity and same_place else street_address(rng, country)
        city_name = city.name if rng.random() < 0.92 else blank(rng)
        state = state_spelling(rng, city) if rng.random() < 0.8 else blank(rng)
        zip_code = blank(rng)
        if rng.random() < 0.85:
            zip_code = entity.zip if entity and same_place else postal_code(rng, city)
        country_text = country_spelling(rng, country.iso) if rng.random() < 0.93 else blank(rng)
        job_title = blank(rng)
        if rng.random() < (0.8 if b2b else 0.04):
            job_title = pick(rng, JOB_TITLES[country.culture])
        company_name = self._company_name(rng, company, entity)
        r = rng.random()
        consent = True if r < 0.55 else None if r < 0.75 else False
        disqualified = role == "disqualified"
        reason = None
        if disqualified:
            reason = pick(rng, DISQUALIFIED_REASONS) if rng.random() < 0.75 else blank(rng)
        contact = Contact(  # positional, in the field order checked above
            key, first_name, name.last, email, other_emails, phone_text, mobile_text, street,
            city_name, state, zip_code, country_text, birth, job_title,
            company.key if company else None, company_name, owner, channel,
            created_at, created_at,  # updated_at is set with the activity below
            None, None, None, 0, 0,  # last interaction/open/click, opens, clicks: below too
            consent, rng.random() < 0.06, rng.random() < 0.02,  # unsubscribed, hard bounce
            None, None, 0, None, 0, 0, 0,  # NPS, support, returns, payments, referrals: below
            pick(rng, REWARD_PREFERENCES) if rng.random() < 0.3 else None,
            disqualified, reason,
            pick(rng, RETIRED_REASONS) if signals.get("retired") else None,
            bool(signals.get("asked_price")), bool(signals.get("meeting_booked")),
            bool(signals.get("quote_received")), self._tags(rng),
        )
        self._activity(rng, contact, created, customer=role == "customer")
        origin = ContactOrigin(country.iso, phone, mobile)
        return contact, origin

    def _email(self, rng: Random, name: PersonName, entity: CompanyEntity | None,
               birth_year: int | None, country: Country) -> str | None:
        if rng.random() >= 0.92:
            return blank(rng)
        domain = entity.origin.domain if entity is not None and rng.random() < 0.85 else None
        local = email_local(rng, name, work=domain is not None,
                            year=birth_year if rng.random() < 0.5 else None)
        email = unique_email(rng, local, domain or free_domain(rng, country.iso),
                             self.ctx.used_emails)
        r = rng.random()
        if r < 0.03:
            return email.capitalize()
        return f" {email} " if r < 0.04 else email

    def _other_emails(self, rng: Random, name: PersonName, country: Country,
                      email: str | None) -> tuple[str, ...]:
        if not present(email) or rng.random() >= 0.06:
            return ()
        local = email_local(rng, name, work=False, year=None)
        return (unique_email(rng, local, free_domain(rng, country.iso), self.ctx.used_emails),)

    def _company_name(self, rng: Random, company: Company | None,
                      entity: CompanyEntity | None) -> str | None:
        if company is None or entity is None:
            return None
        r = rng.random()
        if r < 0.7:
            return company.name
        return entity.origin.name.base if r < 0.85 else blank(rng)

    def _deals(self, rng: Random, buyer: Buyer, role: str) -> tuple[int | None, dict[str, bool]]:
        """The contact's deals for its role; returns (first deal's creation, signals)."""
        book = self.deals
        signals: dict[str, bool] = {}
        first: int | None = None
        if role == "customer":
            retired = rng.random() < 0.07
            first = book.customer(rng, buyer, lapsed=retired or rng.random() < 0.24)
            signals = {"retired": retired, "asked_price": rng.random() < 0.3,
                       "meeting_booked": rng.random() < 0.1, "quote_received": rng.random() < 0.08}
        elif role == "qualified":
            if rng.random() < 0.5:
                first = book.open(rng, buyer, "meeting" if rng.random() < 0.5 else "quote")
            else:
                booked = rng.random() < 0.6
                signals = {"meeting_booked": booked, "quote_received": not booked
                           or rng.random() < 0.3}
            signals["asked_price"] = rng.random() < 0.5
        elif role == "lead":
            signals = {"asked_price": True}
            if rng.random() < 0.2:
                first = book.open(rng, buyer, "open")
        elif role == "disqualified":
            signals = {"asked_price": rng.random() < 0.3}
        elif rng.random() < 0.08:
            first = book.open(rng, buyer, "open")
        if role != "customer" and rng.random() < 0.12:
            lost = book.closed(rng, buyer, "lost", self.span_days * 0.8)
            first = lost if first is None else min(first, lost)
        return first, signals

    def _activity(self, rng: Random, contact: Contact, created: int, *, customer: bool) -> None:
        """Engagement, NPS, support and referrals, then ``updated_at`` after all of them."""
        clock = self.clock
        now = clock.now_ts
        latest = created

        def since(start: int, recent_days: float) -> int:
            lower = max(start, now - int(recent_days * DAY))
            return lower + int(rng.random() * (now - 1 - lower))

        if rng.random() < 0.88:
            interaction = since(created, 900 if customer else 1500)
            contact.last_interaction_at = clock.dt(interaction)
            latest = max(latest, interaction)
        if present(contact.email) and rng.random() < 0.7:
            opens = 1 + int(rng.expovariate(1 / 15))
            clicks = int(opens * rng.random() * 0.4)
            contact.email_opens, contact.email_clicks = opens, clicks
            opened = since(created, 720)
            contact.last_open_at = clock.dt(opened)
            latest = max(latest, opened)
            if clicks:
                clicked = since(created, 720)
                contact.last_click_at = clock.dt(clicked)
                latest = max(latest, clicked)
        if rng.random() < (0.4 if customer else 0.08):
            answered = since(created, 730)
            contact.nps_score = _NPS.pick(rng)
            contact.nps_date = clock.day(answered)
            latest = max(latest, answered)
        if customer:
            contact.support_tickets = int(rng.expovariate(0.5)) if rng.random() < 0.6 else 0
            if contact.support_tickets and rng.random() < 0.9:
                contact.avg_resolution_hours = round(min(rng.lognormvariate(2.5, 1.0), 500), 1)
            contact.returns = 1 + int(rng.random() * 3) if rng.random() < 0.15 else 0
            contact.failed_payments = 1 + int(rng.random() * 4) if rng.random() < 0.08 else 0
            contact.referrals = 1 + int(rng.expovariate(0.6)) if rng.random() < 0.3 else 0
        elif rng.random() < 0.05:
            contact.support_tickets = 1
        contact.updated_at = clock.updated(rng, latest, 0.45, 30)

    def _tags(self, rng: Random) -> frozenset[str]:
        return pick(rng, _TAG_SETS) if rng.random() < 0.25 else _NO_TAGS

    # --- duplicates -----------------------------------------------------------------------

    def duplicate(self, key: str, original: Contact, origin: ContactOrigin
                  ) -> tuple[Contact, tuple[str, ...]]:
        """Another record of ``original``'s person, entered later (or earlier) by someone else:
        same identity written differently, its own (thin) activity. Returns it and its noise."""
        rng = self.rng
        clock = self.clock
        original_ts = int(original.created_at.timestamp())
        if rng.random() < 0.85:
            created = original_ts + int(rng.random() * (clock.now_ts - 1 - original_ts))
        else:
            created = clock.start_ts + int(rng.random() * max(original_ts - clock.start_ts, 1))
        created_at = clock.dt(created)
        o = original
        owner = o.owner_id if rng.random() < 0.5 else self.ctx.owner_id(rng)
        dup = Contact(  # positional, in the field order checked above
            key, o.first_name, o.last_name, o.email, (), o.phone, o.mobile, o.street, o.city,
            o.state, o.zip, o.country, o.birth_date, o.job_title, o.company_key,
            o.company_name, owner, _CHANNELS.pick(rng),
            created_at, created_at,  # updated_at is set below
            None, None, None, 0, 0,  # last interaction/open/click, opens, clicks
            rng.random() < 0.4, rng.random() < 0.03, rng.random() < 0.01,  # consent, unsub, bounce
            None, None, 0, None, 0, 0, 0,  # NPS, support, returns, payments, referrals
            None, False, None, None,  # reward, disqualified (+ reason), retired reason
            rng.random() < 0.12, rng.random() < 0.03, rng.random() < 0.02,  # signals
            self._tags(rng) if rng.random() < 0.3 else _NO_TAGS,
        )
        noise = contact_noise(rng, dup, origin, self.ctx.used_emails)
        latest = created
        if rng.random() < 0.5:
            latest = created + int(rng.random() * (clock.now_ts - 1 - created))
            dup.last_interaction_at = clock.dt(latest)
        dup.updated_at = clock.updated(rng, latest, 0.45, 30)
        if rng.random() < 0.12:
            self._duplicate_deal(rng, dup, origin, created)
        return dup, noise

    def _duplicate_deal(self, rng: Random, dup: Contact, origin: ContactOrigin,
                        created: int) -> None:
        label = f"{dup.first_name or ''} {dup.last_name or ''}".strip()
        buyer = Buyer(dup.key, label, dup.company_key, None, COUNTRY_BY_ISO[origin.iso].currency,
                      dup.owner_id, dup.source_channel, dup.company_key is not None, (dup.key,))
        r = rng.random()
        if r < 0.3:
            self.deals.open(rng, buyer, pick(rng, ("open", "meeting", "quote")))
        else:
            age = max((self.clock.now_ts - created) / DAY - 1, 1)
            self.deals.closed(rng, buyer, "won" if r < 0.7 else "lost", age)
