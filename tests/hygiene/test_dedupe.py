"""Duplicates: found on the sandbox's ground truth, with the CRM cases named in the playbook
(nicknames, swapped names, phone formats, accents, colleagues sharing a switchboard), a
survivor per cluster, merge plans, and the ``dedupe`` / ``audit`` commands."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from mapping.model import Contact
from sandbox.generator import generate
from sync.config.rules import RulesSettings
from sync.hygiene import rules as hygiene
from sync.hygiene.commands import audit_command, dedupe_command
from sync.hygiene.dedupe import find_duplicates, records_frame
from sync.hygiene.survivorship import merge_plan
from sync.rules.base import RULES, CustomerBase, run_rules
from tests.support import common_base

NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)
OLD, NEW = NOW - timedelta(days=900), NOW - timedelta(days=30)

#: Hand-made records for the cases the playbook names; ids say which belong together.
CASES = [
    {
        "id": "nick-1",
        "first_name": "José",
        "last_name": "García Núñez",
        "mobile": "+34 612 345 678",
        "city": "Madrid",
        "country": "ES",
        "created_at": OLD.isoformat(),
    },
    {
        "id": "nick-2",
        "first_name": "Pepe",
        "last_name": "Garcia Nunez",
        "mobile": "612345678",
        "city": "Madrid",
        "country": "España",
        "created_at": NEW.isoformat(),
    },
    {
        "id": "bill-1",
        "first_name": "William",
        "last_name": "Smith",
        "email": "bill@smith.org",
        "country": "US",
    },
    {
        "id": "bill-2",
        "first_name": "Bill",
        "last_name": "Smith",
        "email": "BILL@Smith.org",
        "country": "USA",
    },
    {
        "id": "swap-1",
        "first_name": "Thérèse",
        "last_name": "Michel",
        "email": "therese.michel@gmail.com",
    },
    {
        "id": "swap-2",
        "first_name": "Michel",
        "last_name": "Thérèse",
        "email": "therese.michel@gmail.com",
    },
    {
        "id": "work-1",
        "first_name": "Ana",
        "last_name": "Ruiz",
        "phone": "+34 911 234 567",
        "street": "Calle Mayor 1",
        "zip": "28013",
        "company_name": "Acme Logística SL",
        "country": "ES",
    },
    {
        "id": "work-2",
        "first_name": "Luis",
        "last_name": "Ortega",
        "phone": "911 23 45 67",
        "street": "Calle Mayor 1",
        "zip": "28013",
        "company_name": "ACME LOGISTICA S.L.",
        "country": "ES",
    },
]


@cache
def generated() -> tuple[pd.DataFrame, dict[str, str]]:
    dataset = generate(500, seed=11)
    frame = records_frame(common_base(dataset).contacts)
    return pd.concat([frame, pd.DataFrame(CASES)], ignore_index=True), dataset.truth.contact_entity


@cache
def clusters() -> pd.DataFrame:
    frame, _ = generated()
    return find_duplicates(frame).set_index("id")


def same_cluster(a: str, b: str) -> bool:
    found = clusters()
    return bool(found.loc[a, "cluster_id"] == found.loc[b, "cluster_id"])


def test_duplicates_of_the_sandbox_are_found_with_few_mistakes() -> None:
    _, entity = generated()
    found = clusters().loc[list(entity)]
    table = pd.DataFrame({"cluster": found["cluster_id"], "entity": pd.Series(entity)})

    def pairs(sizes: pd.Series) -> int:
        return int((sizes * (sizes - 1) // 2).sum())

    linked = pairs(table.groupby("cluster").size())
    true = pairs(table.groupby("entity").size())
    right = pairs(table.groupby(["cluster", "entity"]).size())
    precision, recall = right / linked, right / true
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)


@pytest.mark.parametrize(
    ("a", "b"), [("nick-1", "nick-2"), ("bill-1", "bill-2"), ("swap-1", "swap-2")]
)
def test_crm_duplicates_are_one_cluster(a: str, b: str) -> None:
    assert same_cluster(a, b)


def test_colleagues_sharing_a_switchboard_are_not_duplicates() -> None:
    assert not same_cluster("work-1", "work-2")


def test_every_cluster_has_one_survivor_that_survives_itself() -> None:
    found = clusters()
    survivors = found.groupby("cluster_id")["survivor_id"].nunique()
    assert (survivors == 1).all()
    chosen = found["survivor_id"].unique()
    assert (found.loc[chosen, "survivor_id"].to_numpy() == chosen).all()


@pytest.mark.parametrize(
    ("rule", "survivor"), [("oldest", "nick-1"), ("most_recent_activity", "nick-2")]
)
def test_the_survivor_rule_is_the_admins_choice(rule: str, survivor: str) -> None:
    frame = pd.DataFrame([*CASES[:2], dict(CASES[1], id="nick-3", updated_at=NOW.isoformat())])
    frame.loc[2, "first_name"] = "José"
    found = find_duplicates(frame, survivor=rule).set_index("id")  # type: ignore[arg-type]
    expected = "nick-3" if rule == "most_recent_activity" else survivor
    assert set(found["survivor_id"]) == {expected}


def test_a_merge_plan_keeps_every_opt_out_tag_and_address() -> None:
    survivor = Contact.of(id="a", email="ana@x.com", tags={"VIP"}, updated_at=OLD)
    other = Contact.of(
        id="b",
        email="ana.gil@y.com",
        phone="+34612345678",
        unsubscribed=True,
        tags={"newsletter"},
        updated_at=NEW,
    )
    plan = merge_plan(survivor, [other], score=0.99)
    assert plan.as_dict() == {
        "object": "contact",
        "survivor_id": "a",
        "merged_ids": ["b"],
        "score": 0.99,
        "fields": [
            {"field": "other_emails", "value": ["ana.gil@y.com"], "from": None, "rule": "union"},
            {"field": "phone", "value": "+34612345678", "from": "b", "rule": "survivor"},
            {"field": "unsubscribed", "value": True, "from": "b", "rule": "any_true"},
            {"field": "tags", "value": ["VIP", "newsletter"], "from": None, "rule": "union"},
        ],
    }
    json.dumps(plan.as_dict())


def test_the_rule_tags_duplicates_and_plans_merges_when_asked() -> None:
    contacts = [Contact.of(**{k: v for k, v in case.items()}) for case in CASES]
    settings = RulesSettings.model_validate({"duplicates": {"action": "merge"}})
    run = run_rules(CustomerBase(contacts), NOW, settings, rules=[RULES[hygiene.DUPLICATES]])
    wanted = {
        (o.record_id, o.target, o.name, o.value if o.target != "finding" else None)
        for o in run.outputs
    }
    assert ("nick-2", "field", "duplicate_of", "nick-1") in wanted
    assert ("nick-2", "tag", "duplicate", True) in wanted
    assert ("nick-1", "finding", "merge_plan", None) in wanted
    assert not any(o.record_id.startswith("work") for o in run.outputs)
    assert run.conflicts == ()


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    names = sorted({k for row in rows for k in row} - {"id", "company_name"})
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["id", "company", *names])
        writer.writeheader()
        for row in rows:
            row = dict(row)
            if "company_name" in row:
                row["company"] = row.pop("company_name")
            writer.writerow(row)


def test_dedupe_command_writes_clusters(tmp_path: Path) -> None:
    source, out = tmp_path / "contacts.csv", tmp_path / "clusters.csv"
    write_csv(source, CASES)
    result = CliRunner().invoke(dedupe_command, [str(source), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "ok": True,
        "records": 8,
        "duplicates": 3,
        "clusters_with_duplicates": 3,
        "written": str(out),
    }
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["id", "cluster_id", "survivor_id", "score"]
    by_id = {row["id"]: row for row in rows}
    assert by_id["nick-2"]["cluster_id"] == by_id["nick-1"]["cluster_id"] == "nick-1"
    assert by_id["work-1"]["score"] == ""


def test_dedupe_command_explains_a_csv_without_ids(tmp_path: Path) -> None:
    source = tmp_path / "contacts.csv"
    source.write_text("first_name,email\nAna,a@b.com\n", encoding="utf-8")
    result = CliRunner().invoke(dedupe_command, [str(source), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "no `id` column" in result.output


def test_audit_command_prints_the_kpis(tmp_path: Path) -> None:
    source = tmp_path / "contacts.csv"
    rows = [*CASES, {"id": "bad", "first_name": "😀" * 3, "email": "nope", "birth_date": "soon"}]
    write_csv(source, rows)
    text = CliRunner().invoke(audit_command, ["--csv", str(source), "--no-duplicates"])
    assert text.exit_code == 0, text.output
    assert "invalid e-mails" in text.output and "unreadable values" in text.output
    result = CliRunner().invoke(audit_command, ["--csv", str(source), "--json"])
    report = json.loads(result.output)
    assert report["contacts"] == 9
    assert report["invalid_emails"] == 1
    assert report["duplicate_contacts"] == 3
    assert report["unreadable_values"] == 1
    assert sum(t["contacts"] for t in report["tiers"].values()) == 9


def test_audit_of_the_crm_without_a_config_says_what_is_missing(tmp_path: Path) -> None:
    missing = tmp_path / "crmsync.yaml"
    result = CliRunner().invoke(audit_command, ["--config", str(missing)])
    assert result.exit_code == 2 and str(missing) in result.output


#: Harder CRM cases: ids say which belong together (``same-*``) and which must stay apart.
MORE_CASES = [
    # Twins at one address, each with a mailbox of their own: two people.
    {
        "id": "twin-1",
        "first_name": "Lucía",
        "last_name": "Romero",
        "birth_date": "1990-05-04",
        "street": "Calle Luna 3",
        "zip": "28004",
        "city": "Madrid",
        "email": "lucia.r@gmail.com",
    },
    {
        "id": "twin-2",
        "first_name": "Marta",
        "last_name": "Romero",
        "birth_date": "1990-05-04",
        "street": "Calle Luna 3",
        "zip": "28004",
        "city": "Madrid",
        "email": "marta.r@gmail.com",
    },
    # Namesakes among colleagues: two mailboxes at one company's domain.
    {
        "id": "colleague-1",
        "first_name": "Carlos",
        "last_name": "López",
        "company_name": "Acme SL",
        "email": "carlos.lopez@acme.es",
        "zip": "28013",
        "street": "Calle Mayor 1",
    },
    {
        "id": "colleague-2",
        "first_name": "Carlos",
        "last_name": "López",
        "company_name": "Acme SL",
        "email": "clopez@acme.es",
        "zip": "28013",
        "street": "Calle Mayor 1",
    },
    # One number written without a country (the record has none) and with its code.
    {
        "id": "same-phone-1",
        "first_name": "Steven",
        "last_name": "McDonald",
        "phone": "713-263-1972",
        "email": "steven@brightrealty.net",
    },
    {
        "id": "same-phone-2",
        "first_name": "Steve",
        "last_name": "McDonald",
        "phone": "+1 713 263 1972",
        "country": "US",
    },
    # A broken address: space, doubled dot, a typo'd provider.
    {"id": "same-mail-1", "first_name": "Ana", "last_name": "Gil", "email": "ana..gil@gmial.com"},
    {"id": "same-mail-2", "first_name": "Anna", "last_name": "Gil", "email": "ana.g il@gmail.com"},
]


@cache
def more_clusters() -> pd.DataFrame:
    return find_duplicates(pd.DataFrame(MORE_CASES)).set_index("id")


@pytest.mark.parametrize(
    ("a", "b", "linked"),
    [
        ("twin-1", "twin-2", False),
        ("colleague-1", "colleague-2", False),
        ("same-phone-1", "same-phone-2", True),
        ("same-mail-1", "same-mail-2", True),
    ],
)
def test_crm_cases_beyond_the_names(a: str, b: str, linked: bool) -> None:
    found = more_clusters()
    assert (found.loc[a, "cluster_id"] == found.loc[b, "cluster_id"]) is linked
