"""`crmsync export`: a messy Zoho base as import files for HubSpot and Salesforce, re-imported
into an empty emulator through its batch API the way the vendor's importer reads them
(companies, then contacts, then deals, association columns resolved by the linked record's
crmsync source id); a CSV folder exported too; and a clear refusal of an unknown target."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from connectors.types import Connector, FieldSchema, NewRecord
from sandbox.serve import Sandbox, serve
from sync.cli import cli
from sync.config import load_config
from sync.migrate.export import read_clean, shipped_mapping
from sync.migrate.plan import OBJECT_ORDER
from sync.runner import Job
from sync.writeback import native_output_name
from tests.e2e.sandboxes import SETTINGS, write_config

CONTACTS = 300
SEED = 5
FILES = {"company": "companies.csv", "contact": "contacts.csv", "deal": "deals.csv"}


def export(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(
        cli, ["--json", "export", *args], env=env or {}, catch_exceptions=False
    )


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def target_config(sandbox: Sandbox, folder: Path) -> tuple[Path, dict[str, str]]:
    """A config of the target emulator whose secrets have names of their own (the source's
    config uses the same variable names)."""
    path, env = write_config(sandbox, folder)
    path.write_text(path.read_text().replace("${CRM_", "${TARGET_CRM_"), encoding="utf-8")
    return path, {f"TARGET_{name}": value for name, value in env.items()}


class Importer:
    """What the target's import tool does with the files, done through the connector's batch
    create: companies, then contacts, then deals; a link column names the linked record by its
    crmsync source id; HubSpot rows sharing a source id are one record."""

    def __init__(self, crm: str, connector: Connector, folder: Path):
        self.crm = crm
        self.connector = connector
        self.folder = folder
        self.mapping = shipped_mapping(crm)
        self.mark = native_output_name(crm, "source_id")
        self.ids: dict[str, dict[str, str]] = {}  # object -> source id -> new record id
        self.failed: list[Any] = []

    def run(self) -> None:
        for name in OBJECT_ORDER:
            native = self.mapping[name].native_object
            source_id = FieldSchema(self.mark, "string", True, label="source id", custom=True)
            self.connector.create_fields(native, [source_id])  # unique / External ID
        for name in OBJECT_ORDER:
            self.create(name)

    def create(self, object_name: str) -> None:
        native = self.mapping[object_name].native_object
        types = {f.name: f.type for f in self.connector.describe(native).fields.values()}
        records: dict[str, tuple[dict[str, Any], dict[str, list[str]]]] = {}
        for row in rows(self.folder / FILES[object_name]):
            fields, links = records.setdefault(row[self.mark], ({}, defaultdict(list)))
            for column, cell in row.items():
                if not cell:
                    continue
                relationship, _, by = column.rpartition(".")
                if by == self.mark and relationship:
                    links[relationship].append(cell)
                else:
                    fields.setdefault(column, self.value(types[column], cell))
        if object_name == "deal" and self.crm == "salesforce":
            for row in rows(self.folder / "deal_contacts.csv"):
                own = records[row[f"Opportunity.{self.mark}"]][1]
                own["Contact"].append(row[f"Contact.{self.mark}"])
        batch = [self.new_record(fields, links) for fields, links in records.values()]
        result = self.connector.create(native, batch)
        self.failed += result.failed
        self.ids[object_name] = {
            source_id: outcome.id
            for source_id, outcome in zip(records, result.outcomes, strict=True)
            if outcome.ok
        }

    def new_record(self, fields: dict[str, Any], links: dict[str, list[str]]) -> NewRecord:
        associations: dict[str, tuple[str, ...]] = {}
        for relationship, source_ids in links.items():
            target = {"companies": "company", "Account": "company"}.get(relationship, "contact")
            ids = tuple(self.ids[target][s] for s in source_ids)
            if self.crm == "salesforce" and relationship != "Contact":
                fields[f"{relationship}Id"] = ids[0]  # a lookup: Account.X__c -> AccountId
            else:
                associations[relationship] = ids
        return NewRecord(fields, associations)

    def value(self, kind: str, cell: str) -> Any:
        if self.crm == "hubspot":  # property values are text
            return cell
        if kind == "bool":
            return cell == "true"
        if kind == "int":
            return int(cell)
        if kind in ("float", "decimal"):
            return float(cell)
        return cell


@pytest.mark.parametrize("crm", ["hubspot", "salesforce"])
def test_a_messy_zoho_base_exports_and_reimports_with_every_row_and_link(
    crm: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "import"
    with (
        serve("zoho", contacts=CONTACTS, seed=SEED) as source,
        serve(crm, contacts=0, **SETTINGS.get(crm, {})) as target,
    ):
        source_config, env = write_config(source, tmp_path / "source")
        described, target_env = target_config(target, tmp_path / "target")
        env.update(target_env)
        result = export(
            "--to", crm, "--out", str(out), "--config", str(source_config),
            "--target-config", str(described), env=env,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        survivors = read_clean(
            Job(load_config(source_config)), OBJECT_ORDER, datetime.now(timezone.utc)
        )
        importer = Importer(crm, Job(load_config(described)).connector, out)
        importer.run()
        stored = {
            name: list(
                importer.connector.read(
                    importer.mapping[name].native_object,
                    fields=[*importer.mapping[name].native_fields(), importer.mark],
                    associations=importer.mapping[name].associations(),
                )
            )
            for name in OBJECT_ORDER
        }

    assert summary["merged"]["contact"] > 0  # duplicates were merged before the export
    rejected = rows(out / "rejected.csv")
    assert all(r["field"] not in ("company_id", "contact_ids") for r in rejected)
    assert not [r for r in rejected if "not migrated" in r["reason"]]
    assert importer.failed == []  # the importer rejects no row
    expected = {
        "company": survivors.base.companies,
        "contact": survivors.base.contacts,
        "deal": survivors.base.deals,
    }
    for name in OBJECT_ORDER:
        exported = {row[importer.mark] for row in rows(out / FILES[name])}
        assert exported == {f"zoho:{r.id}" for r in expected[name]}  # every entity, once
        marks = [r.fields.get(importer.mark) for r in stored[name]]
        assert sorted(marks) == sorted(exported)  # every row arrived, once
        assert summary["files"][FILES[name]] >= len(exported)

    convert = importer.mapping["contact"].to_common
    emails = {convert(record).email for record in stored["contact"]} - {None}
    refused = {r["value"] for r in rejected if r["object"] == "contact" and r["field"] == "email"}
    assert emails == {c.email for c in expected["contact"] if c.email} - refused  # cleaned

    by_id = {name: {v: k for k, v in importer.ids[name].items()} for name in OBJECT_ORDER}
    links = 0
    for name, link_field, other in (
        ("contact", "company_id", "company"),
        ("deal", "company_id", "company"),
        ("deal", "contact_ids", "contact"),
    ):
        converter = importer.mapping[name]
        sources = {f"zoho:{r.id}": r for r in expected[name]}
        for record in stored[name]:
            got = {by_id[other][i] for i in ids(converter.to_common(record), link_field)}
            wanted = ids(sources[record.fields[importer.mark]], link_field)
            assert got == {f"zoho:{i}" for i in wanted}, (name, link_field)
            links += len(got)
    assert links > CONTACTS  # contacts' companies, deals' companies and contacts


def ids(record: Any, link_field: str) -> tuple[str, ...]:
    value = getattr(record, link_field)
    return tuple(value) if isinstance(value, tuple) else ((value,) if value else ())


def write(path: Path, header: list[str], records: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=header, restval="")
        writer.writeheader()
        writer.writerows(records)


def csv_source(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    write(
        data / "companies.csv",
        ["id", "name", "domain", "updated_at"],
        [{"id": "c1", "name": "Acme Foods", "domain": "acme-foods.es"}],
    )
    write(
        data / "contacts.csv",
        ["id", "first_name", "last_name", "email", "company_id", "tags", "updated_at"],
        [
            {"id": "1", "first_name": "JOSÉ", "last_name": "núñez",
             "email": "Jose.Nunez@Gmail.com", "company_id": "c1", "tags": "vip;newsletter"},
            {"id": "2", "first_name": "José", "last_name": "Núñez",
             "email": "jose.nunez@gmail.com", "company_id": "c1"},
            {"id": "3", "first_name": "Ana", "last_name": "Peña", "email": "ana@acme-foods.es",
             "company_id": "c1"},
        ],
    )  # fmt: skip
    write(
        data / "deals.csv",
        ["id", "name", "stage", "amount", "close_date", "company_id", "contact_ids",
         "updated_at"],
        [{"id": "d1", "name": "Acme renewal", "stage": "won", "amount": "1200.50",
          "close_date": "2025-03-01", "company_id": "c1", "contact_ids": "1;3"}],
    )  # fmt: skip
    config = tmp_path / "crmsync.yaml"
    config.write_text(
        f"crm:\n  kind: csv\n  folder: {data}\nstate:\n  url: sqlite:///{tmp_path}/state.db\n",
        encoding="utf-8",
    )
    return config


def test_a_csv_folder_exports_for_each_crm(tmp_path: Path) -> None:
    config = csv_source(tmp_path)

    result = export("--to", "salesforce", "--out", str(tmp_path / "sf"), "--config", str(config))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["files"] == {
        "companies.csv": 1,
        "contacts.csv": 2,  # José twice: merged
        "deals.csv": 1,
        "deal_contacts.csv": 2,
    }
    assert summary["merged"] == {"contact": 1, "company": 0, "deal": 0}
    contacts = rows(tmp_path / "sf" / "contacts.csv")
    jose = next(c for c in contacts if c["Email"] == "jose.nunez@gmail.com")  # cleaned
    assert jose["Account.Crmsync_Source_Id__c"] == "csv:c1"
    assert set(jose["Tags__c"].split(";")) == {"vip", "newsletter"}
    assert jose["Crmsync_Source_Id__c"] in ("csv:1", "csv:2")
    deal = rows(tmp_path / "sf" / "deals.csv")[0]
    assert deal["StageName"] == "Closed Won" and deal["CloseDate"] == "2025-03-01"
    assert deal["Account.Crmsync_Source_Id__c"] == "csv:c1"
    roles = rows(tmp_path / "sf" / "deal_contacts.csv")
    assert {r["Opportunity.Crmsync_Source_Id__c"] for r in roles} == {"csv:d1"}
    assert {r["Contact.Crmsync_Source_Id__c"] for r in roles} == {jose["Crmsync_Source_Id__c"],
                                                                  "csv:3"}  # fmt: skip

    result = export("--to", "hubspot", "--out", str(tmp_path / "hs"), "--config", str(config))
    assert result.exit_code == 0, result.output
    deals = rows(tmp_path / "hs" / "deals.csv")
    assert len(deals) == 2  # one row per further contact, same unique source id
    assert deals[0]["dealstage"] == "closedwon" and deals[0]["pipeline"] == "default"
    assert deals[1] == {
        **{column: "" for column in deals[1]},
        "crmsync_source_id": "csv:d1",
        "contacts.crmsync_source_id": "csv:3",
    }
    assert deals[0]["companies.crmsync_source_id"] == "csv:c1"

    result = export("--to", "zoho", "--out", str(tmp_path / "zoho"), "--config", str(config))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rejected"] == 1
    (refused,) = rows(tmp_path / "zoho" / "rejected.csv")
    assert refused["object"] == "deal" and refused["field"] == "contact_ids"
    assert refused["value"] == "3"  # the contact's source id
    assert "holds one record" in refused["reason"]
    deal = rows(tmp_path / "zoho" / "deals.csv")[0]
    assert deal["Contact_Name.Crmsync_Source_Id"] == jose["Crmsync_Source_Id__c"]


def test_an_unknown_target_is_refused_with_the_choices(tmp_path: Path) -> None:
    result = export("--to", "pipedrive", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["ok"] is False
    assert "'pipedrive'" in document["error"] and "hubspot, salesforce, zoho" in document["error"]
    assert not (tmp_path / "out").exists()

    plain = CliRunner().invoke(cli, ["export", "--to", "pipedrive", "--out", "x"])
    assert plain.exit_code == 2 and "hubspot, salesforce, zoho" in plain.output


def test_a_target_config_of_another_crm_is_a_usage_error(tmp_path: Path) -> None:
    config = csv_source(tmp_path)
    result = export(
        "--to", "hubspot", "--out", str(tmp_path / "out"), "--config", str(config),
        "--target-config", str(config),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "is a csv config, not hubspot" in json.loads(result.stdout)["error"]


def test_a_crm_that_refuses_the_credentials_exits_3(tmp_path: Path) -> None:
    with serve("zoho", contacts=0) as source:
        config, env = write_config(source, tmp_path / "source")
        env["CRM_SECRET"] = "not-the-secret"
        result = export("--to", "hubspot", "--out", str(tmp_path / "out"), "--config", str(config),
                        env=env)  # fmt: skip
    assert result.exit_code == 3
    assert "refused" in json.loads(result.stdout)["error"]
