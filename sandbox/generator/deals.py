"""Deal histories: repeat purchases at a customer's own rhythm, Pareto-shaped value, lost and
open deals around them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from random import Random

from sandbox.dataset import CHANNELS, PRODUCTS, Deal
from sandbox.generator.context import Context
from sandbox.generator.places import FX_TO_EUR
from sandbox.generator.util import DAY, Weighted, pick, require_field_order

#: List prices in euros, in the order of ``PRODUCTS``.
PRICES_EUR = dict(zip(PRODUCTS, (290, 990, 4900, 1500, 800, 600, 450, 700, 350, 1200),
                      strict=True))
_B2C_PRODUCTS = Weighted([("Starter Plan", 30), ("Pro Plan", 20), ("Mobile App", 20),
                          ("Hardware Kit", 10), ("Support Plus", 10), ("Training", 10)])
_B2B_PRODUCTS = Weighted(list(zip(PRODUCTS, (10, 15, 8, 8, 8, 8, 8, 8, 5, 6), strict=True)))
#: Days between a repeat customer's purchases.
_INTERVALS = Weighted([(30, 2), (45, 1), (60, 2), (90, 3), (120, 1), (180, 2), (365, 2)])
_OPEN_STAGES = ("open", "open", "meeting", "quote")
#: Deals are built with positional arguments, in this order (as contacts are, for speed).
require_field_order(Deal, """key name amount currency stage close_date products
    owner_id channel company_key contact_keys created_at updated_at""")


def _deal_name(rng: Random, who: str, product: str, year: int) -> str:
    """A deal name the way salespeople write them."""
    r = rng.random()
    if r < 0.5:
        return f"{who} - {product}"
    if r < 0.7:
        return f"{who} – {product}"
    return f"{product} {who}" if r < 0.85 else f"{who} / {product} {year}"


@dataclass(slots=True)
class Buyer:
    """Who a deal is sold to, and the defaults its deals inherit."""

    key: str
    label: str  # company or person, for deal names
    company_key: str | None
    colleagues: list[str] | None  # other contacts of the same company, for secondary roles
    currency: str
    owner_id: str | None
    channel: str | None
    b2b: bool
    alone: tuple[str, ...]  # (key,): shared by the deals that have no secondary contacts


class DealBook:
    """Creates deals with consecutive keys ("dl-0000001", …) into ``deals``."""

    def __init__(self, ctx: Context, span_days: int) -> None:
        self.ctx = ctx
        self.clock = ctx.clock
        self.span_days = span_days
        self.deals: list[Deal] = []
        self._products: dict[tuple[str, ...], tuple[tuple[str, ...], float]] = {}

    def customer(self, rng: Random, buyer: Buyer, *, lapsed: bool) -> int:
        """A customer's history of won deals (plus some lost and open ones). A ``lapsed``
        customer stopped buying long ago relative to its rhythm. Returns the earliest deal's
        creation second."""
        value = min(rng.paretovariate(1.16), 400.0)
        interval = _INTERVALS.pick(rng)
        r = rng.random()
        count = 1 if r < 0.35 else 2 if r < 0.55 else 3 + int(rng.expovariate(1 / 1.5))
        if value > 4:
            count += 1
        if lapsed:
            last_age = max(180.0, 2.4 * interval) + 20 + rng.random() * 500
        else:
            last_age = 1 + rng.random() * 0.9 * interval
        last_age = min(last_age, self.span_days - 90)
        fits = 1 + int((self.span_days - 60 - last_age) / (interval * 1.15))
        count = max(1, min(count, fits))
        if count == 1 and not lapsed:
            last_age = min(last_age, 1 + rng.random() * 170)
        age = last_age
        earliest = self.clock.now_ts
        for _ in range(count):
            earliest = min(earliest, self._closed(rng, buyer, "won", age, value))
            age += interval * (0.85 + 0.3 * rng.random())
        r = rng.random()
        for _ in range(0 if r < 0.7 else 1 if r < 0.95 else 2):
            lost_age = last_age + rng.random() * (age - last_age)
            earliest = min(earliest, self._closed(rng, buyer, "lost", lost_age, value))
        if not lapsed and rng.random() < 0.12:
            earliest = min(earliest, self.open(rng, buyer, pick(rng, _OPEN_STAGES), value))
        return earliest

    def open(self, rng: Random, buyer: Buyer, stage: str, value: float = 1.0) -> int:
        """An open deal (``open``, ``meeting`` or ``quote``) created in the last months; its
        expected close date may already be past. Returns its creation second."""
        clock = self.clock
        created = clock.now_ts - int((1 + rng.random() * 150) * DAY)
        close = created + int((14 + rng.random() * 106) * DAY)
        updated = clock.dt(created + int(rng.random() * (clock.now_ts - 1 - created)))
        self._add(rng, buyer, stage, close, created, updated, value, missing_amount=0.05)
        return created

    def closed(self, rng: Random, buyer: Buyer, stage: str, max_age_days: float) -> int:
        """One ``won`` or ``lost`` deal closed up to ``max_age_days`` ago. Returns its creation
        second."""
        value = min(rng.paretovariate(1.16), 400.0)
        return self._closed(rng, buyer, stage, 1 + rng.random() * max_age_days, value)

    def _closed(self, rng: Random, buyer: Buyer, stage: str, age_days: float,
                value: float) -> int:
        clock = self.clock
        close = clock.now_ts - int(age_days * DAY)
        created = close - int((3 + rng.random() * 87) * DAY)
        self._add(rng, buyer, stage, close, created, clock.updated(rng, close, 0.25, 3), value,
                  missing_amount=0.01 if stage == "won" else 0.05)
        return created

    def _add(self, rng: Random, buyer: Buyer, stage: str, close: int, created: int,
             updated: datetime, value: float, missing_amount: float) -> None:
        products, price = self._pick_products(rng, buyer.b2b)
        amount: float | None = None
        if rng.random() >= missing_amount:
            euros = price * value * (0.7 + 0.6 * rng.random()) * (3 if buyer.b2b else 1)
            local = euros / FX_TO_EUR[buyer.currency]
            amount = float(round(local)) if rng.random() < 0.7 else round(local, 2)
        clock = self.clock
        close_date = clock.day(close)
        self.deals.append(Deal(  # positional, in the field order checked above
            f"dl-{len(self.deals) + 1:07d}",
            _deal_name(rng, buyer.label, products[0], close_date.year),
            amount, buyer.currency, stage, close_date, products,
            buyer.owner_id if rng.random() < 0.85 else self.ctx.owner_id(rng),
            buyer.channel if rng.random() < 0.7 else pick(rng, CHANNELS),
            buyer.company_key, self._roles(rng, buyer), clock.dt(created), updated,
        ))

    def _pick_products(self, rng: Random, b2b: bool) -> tuple[tuple[str, ...], float]:
        """Line items (a shared tuple) and their list price in euros."""
        catalogue = _B2B_PRODUCTS if b2b else _B2C_PRODUCTS
        first = catalogue.pick(rng)
        if rng.random() < 0.7:
            chosen: tuple[str, ...] = (first,)
        else:
            chosen = tuple(sorted({first, catalogue.pick(rng), catalogue.pick(rng)}))
        cached = self._products.get(chosen)
        if cached is None:
            cached = self._products[chosen] = (chosen, sum(PRICES_EUR[p] for p in chosen))
        return cached

    def _roles(self, rng: Random, buyer: Buyer) -> tuple[str, ...]:
        others = buyer.colleagues
        if not others or rng.random() < 0.65:
            return buyer.alone
        extra = {pick(rng, others) for _ in range(1 if rng.random() < 0.7 else 2)}
        return (buyer.key, *sorted(extra))
