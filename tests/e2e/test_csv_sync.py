"""A folder of spreadsheets cleaned like a CRM: the csv connector behind the same sync."""

from __future__ import annotations

import csv
from pathlib import Path

from sync.config import parse_config
from sync.runner import Job

CONTACTS = [
    {
        "id": "1",
        "first_name": "JOSÉ",
        "last_name": "núñez",
        "email": "Jose.Nunez@Gmail.com",
        "phone": "612 34 56 78",
        "country": "España",
        "tags": "vip",
        "updated_at": "",
        "asked_price": "true",
    },
    {
        "id": "2",
        "first_name": "Ana",
        "last_name": "Peña",
        "email": "",
        "phone": "",
        "country": "ES",
        "tags": "",
        "updated_at": "",
        "asked_price": "",
    },
]


def write(path: Path, rows: list[dict[str, str]], header: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def test_a_spreadsheet_is_cleaned_and_a_second_sync_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write(data / "contacts.csv", CONTACTS, list(CONTACTS[0]))
    write(data / "companies.csv", [], ["id", "name", "updated_at"])
    write(data / "deals.csv", [], ["id", "name", "stage", "contact_ids", "updated_at"])
    text = f"crm:\n  kind: csv\n  folder: {data}\nstate:\n  url: sqlite:///{tmp_path}/state.db\n"
    job = Job(parse_config(text, str(tmp_path / "crmsync.yaml"), {}))
    job.provision()
    first = job.sync()
    assert first.applied.count("written") == 2 and first.applied.count("failed") == 0
    rows = {r["id"]: r for r in csv.DictReader((data / "contacts.csv").open(encoding="utf-8"))}
    assert rows["1"]["email"] == "jose.nunez@gmail.com"
    assert rows["1"]["phone"] == "+34612345678"
    assert "vip" in rows["1"]["tags"].split(";")  # the person's tag stays
    assert "crmsync:lead" in rows["1"]["tags"].split(";")
    assert rows["1"]["crmsync_segment"] == "LEAD"
    before = (data / "contacts.csv").read_bytes()
    second = job.sync()
    assert second.plan.changes == ()
    assert (data / "contacts.csv").read_bytes() == before
