"""What a migration plan tells before anything is written: values the target will refuse,
required fields filled, source fields with nowhere to go; and a folder of spreadsheets
migrated into Salesforce (duplicates merged, links made, nothing written twice)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from click.testing import CliRunner

from sandbox.serve import serve
from sync.cli import cli
from sync.config import load_config, parse_config
from sync.migrate.plan import MigrationPlan
from sync.migrate.runner import Migration
from tests.e2e.sandboxes import SETTINGS, write_config
from tests.migrate.targets import holdings

SF = SETTINGS["salesforce"]


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def spreadsheets(folder: Path) -> Path:
    """Two people typed twice (once in capitals), one company, one deal."""
    folder.mkdir()
    person = {"id": "", "first_name": "", "last_name": "", "email": "", "phone": "",
              "country": "ES", "company_id": "", "job_title": "", "updated_at": ""}  # fmt: skip
    _write(
        folder / "contacts.csv",
        [
            {**person, "id": "1", "first_name": "Ana", "last_name": "Peña",
             "email": "ana.pena@acme.es", "phone": "612 34 56 78", "company_id": "c1"},
            {**person, "id": "2", "first_name": "ANA", "last_name": "PEÑA",
             "email": "Ana.Pena@ACME.es", "job_title": "CFO"},
            {**person, "id": "3", "first_name": "Luis", "last_name": "",
             "email": "luis@gmail", "company_id": "c1"},
        ],
    )  # fmt: skip
    _write(
        folder / "companies.csv",
        [{"id": "c1", "name": "Acme Ibérica", "domain": "acme.es", "industry": "Quarrying",
          "updated_at": ""}],
    )  # fmt: skip
    _write(
        folder / "deals.csv",
        [{"id": "d1", "name": "Renewal", "stage": "won", "amount": "1200.50",
          "currency": "EUR", "close_date": "2026-03-01", "company_id": "c1",
          "contact_ids": "2", "updated_at": ""}],
    )  # fmt: skip
    return folder


def target_config(sandbox: object, folder: Path) -> Path:
    path, env = write_config(sandbox, folder)  # type: ignore[arg-type]
    os.environ.update(env)
    return path


def test_the_plan_says_what_the_target_will_refuse_and_fill(tmp_path: Path) -> None:
    data = spreadsheets(tmp_path / "data")
    with serve("salesforce", contacts=0, seed=1, **SF) as sandbox:
        source = parse_config(
            f"crm:\n  kind: csv\n  folder: {data}\nstate:\n  url: sqlite:///{tmp_path}/s.db\n"
        )
        migration = Migration(source, load_config(target_config(sandbox, tmp_path / "sf")))
        plan = migration.plan()
        assert sandbox.app.dump()["Contact"] == []  # planning writes nothing

    summary = plan.summary()
    assert summary["contact"]["merged"] == 1 and summary["contact"]["create"] == 2
    refused = {(r.object_name, r.field): r for r in plan.rejections}
    assert "not among the" in refused[("company", "industry")].reason  # not a picklist value
    assert "e-mail" in refused[("contact", "email")].reason  # luis@gmail: Salesforce refuses
    assert refused[("contact", "LastName")].filled == "[not provided]"  # required, filled
    (ana,) = [i for i in plan.items if i.key == "email:ana.pena@acme.es"]
    assert set(ana.source_ids) == {"1", "2"}
    assert ana.fields["Title"] == "CFO"  # the duplicate's value fills the survivor's gap
    assert ana.fields["Phone"] == "+34612345678"  # cleaned on the way
    assert "Crmsync_Source_Id__c" in ana.fields
    again = MigrationPlan.from_json(plan.to_json())
    assert again == plan and again.content_hash() == plan.content_hash()


def test_a_folder_of_spreadsheets_moves_to_salesforce_once(tmp_path: Path) -> None:
    data = spreadsheets(tmp_path / "data")
    with serve("salesforce", contacts=0, seed=1, **SF) as sandbox:
        target = target_config(sandbox, tmp_path / "sf")
        command = ["--json", "migrate", "--from", str(data), "--to", str(target), "--apply"]
        first = CliRunner().invoke(cli, command, catch_exceptions=False)
        assert first.exit_code == 0, first.output
        held = holdings("salesforce", sandbox.app.dump())
        (company,) = held["company"]
        assert len(held["contact"]) == 2
        assert {h.company for h in held["contact"].values()} == {company}
        (deal,) = held["deal"].values()
        assert deal.company == company and len(deal.contacts) == 1

        second = CliRunner().invoke(cli, command, catch_exceptions=False)
        assert second.exit_code == 0, second.output
        assert holdings("salesforce", sandbox.app.dump()) == held
        assert '"requests": 0' in second.stdout


def test_a_plan_can_be_saved_for_review(tmp_path: Path) -> None:
    data = spreadsheets(tmp_path / "data")
    with serve("hubspot", contacts=0, seed=1) as sandbox:
        target = target_config(sandbox, tmp_path / "hs")
        out = tmp_path / "plan.json"
        command = ["migrate", "--from", str(data), "--to", str(target), "--out", str(out)]
        result = CliRunner().invoke(cli, command, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "contact: 3 read, 1 merged as duplicates, 2 to create" in result.stdout
        assert "nothing written: run again with --apply" in result.stdout
        assert (
            MigrationPlan.from_json(out.read_text(encoding="utf-8")).summary()["deal"]["create"]
            == 1
        )
        assert sandbox.app.dump()["contacts"] == []
