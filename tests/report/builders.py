"""A small hand-made customer base with hand-made rule outputs, whose report numbers can be
worked out on paper (see the comments)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from mapping.model import Company, Contact, Deal
from sync.config.rules import RulesSettings
from sync.plan import FieldChange, Plan, RecordChange
from sync.report.model import ReportData, report_of
from sync.rules.base import CustomerBase, Output
from sync.state import RunRecord

UTC = timezone.utc
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
EVIL = '<script>alert("x")</script>'


def base() -> CustomerBase:
    contacts = [
        # c1: every critical field; won 1,000 EUR + 500 USD (x 0.92 = 460) = 1,460 EUR
        Contact.of(id="c1", first_name="Ada", last_name="Lovelace", email="ada@example.org",
                   phone="+44 20 7946 0000", country="GB"),
        # c2: a name with a script in it; a bad e-mail and a bad mobile; no country; 200 EUR
        Contact.of(id="c2", first_name=EVIL, last_name="Tables | Pipes", email="bob@@bad",
                   mobile="123", company_name="Acme"),
        # c3: no first name, no e-mail; won 300 GBP (x 1.17 = 351), c1 is a second contact
        Contact.of(id="c3", last_name="Chen", phone="+1 415 555 0100", country="US"),
        # c4: e-mail only, a lead
        Contact.of(id="c4", first_name="Dan", last_name="Duplicate", email="dan@example.org"),
        # c5: a deal in a currency without a rate (counts nothing); no segment output
        Contact.of(id="c5", first_name="Eve", email="eve@example.org", country="FR"),
    ]  # fmt: skip
    deals = [
        Deal.of(id="d1", contact_ids=("c1",), stage="won", amount=Decimal(1000), currency="EUR"),
        Deal.of(id="d2", contact_ids=("c1",), stage="won", amount=Decimal(500), currency="USD"),
        Deal.of(id="d3", contact_ids=("c2",), stage="won", amount=Decimal(200), currency=None),
        Deal.of(
            id="d4", contact_ids=("c3", "c1"), stage="won", amount=Decimal(300), currency="gbp"
        ),
        Deal.of(id="d5", contact_ids=("c5",), stage="won", amount=Decimal(999), currency="XYZ"),
        Deal.of(id="d6", contact_ids=("c4",), stage="open", amount=Decimal(5000), currency="EUR"),
    ]
    return CustomerBase(contacts, [Company.of(id="co1", name="Acme")], deals)


def out(record: str, target: str, name: str, value: object, reason: str = "because") -> Output:
    return Output("contact", record, target, name, value, "test", reason)  # type: ignore[arg-type]


def outputs() -> list[Output]:
    return [
        *(out(c, "field", "segment", s) for c, s in
          [("c1", "CUSTOMER_EVANGELIST"), ("c2", "CUSTOMER"), ("c3", "CUSTOMER_DORMANT"),
           ("c4", "LEAD")]),
        *(out(c, "field", "completeness", v) for c, v in
          [("c1", 1.0), ("c2", 0.5), ("c3", 1.0), ("c4", 0.75), ("c5", 0.8)]),
        out("c2", "finding", "invalid_email", {"field": "email"}),
        out("c2", "finding", "invalid_phone", {"field": "mobile"}),
        out("c2", "finding", "missing_critical_fields", {"missing": ["country"]}),
        out("c4", "finding", "missing_critical_fields", {"missing": ["phone"]}),
        out("c4", "field", "duplicate_of", "c1"),
        out("c4", "tag", "duplicate", True),
        out("c3", "finding", "obsolete", {"reasons": ["inactive", "unreachable"]}),
        out("c3", "tag", "obsolete", True),
        out("c1", "field", "rfm_score", "555"),
        out("c2", "field", "rfm_score", "311"),
        out("c3", "field", "rfm_score", "151"),
        out("c1", "field", "rfm_group", "Champions"),
        out("c2", "field", "rfm_group", "About to sleep"),
        out("c3", "field", "rfm_group", "Lost"),
        out("c1", "tag", "whale", True, "top customer"),
        out("c2", "tag", "whale", True, "second customer"),
        out("c3", "tag", "whale", True, "third customer"),
        out("c2", "tag", "whale-at-risk", True, "frustration 80 > 60 <b>bold</b>"),
        # ignored: another object, and a contact the base does not hold
        Output("company", "co1", "field", "segment", "CUSTOMER", "test", ""),
        out("ghost", "field", "segment", "LEAD"),
    ]  # fmt: skip


HISTORY = [
    ("run-1", datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
     {"contacts": 5.0, "complete_share": 0.5, "invalid_email_share": 0.1, "duplicate_share": 0.2,
      "clv.CUSTOMER": 100.0, "conversion_rate.web": 0.5}),
    ("run-2", datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
     {"contacts": 5.0, "complete_share": 0.4, "invalid_email_share": 0.25, "duplicate_share": 0.2,
      "clv.CUSTOMER": 100.0, "clv.LEAD": 0.0, "conversion_rate.web": 0.5}),
]  # fmt: skip

RUNS = [  # newest first, as StateStore.runs gives them
    RunRecord("run-3", "job", "pull", datetime(2026, 3, 2, 9, 10, tzinfo=UTC), None, "ok",
              {"read": 7}),
    RunRecord("run-2", "job", "sync", datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
              datetime(2026, 3, 2, 9, 1, tzinfo=UTC), "failed_records",
              {"read": 11, "planned": 4, "written": 3, "failed": 1}),
]  # fmt: skip


def plan() -> Plan:
    change = RecordChange(
        "contact", "contacts", "c2", "2026-03-01T00:00:00+00:00",
        fields=(FieldChange("segment", "crmsync_segment", None, "CUSTOMER", "test", "why"),),
    )  # fmt: skip
    return Plan(
        "job", "hubspot", NOW.isoformat(), NOW.isoformat(), changes=(change,),
        problems=(f"not written: {EVIL}",),
    )  # fmt: skip


def report(**changes: object) -> ReportData:
    values: dict[str, object] = {
        "settings": RulesSettings(),
        "job": "job",
        "crm": "hubspot",
        "generated_at": NOW,
        "quality_measured": True,
        "history": HISTORY,
        "runs": RUNS,
        "plan": plan(),
    }
    values.update(changes)
    the_base = values.pop("base", None) or base()
    the_outputs = values.pop("outputs", None)
    return report_of(the_base, outputs() if the_outputs is None else the_outputs, **values)  # type: ignore[arg-type]
