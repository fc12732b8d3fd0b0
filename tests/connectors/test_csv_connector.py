"""The CSV adapter against files in a temporary folder: reads (all, incremental, deleted,
associations), writes by id with per-record outcomes, tags by delta in the namespace, atomic
rewrites that keep the columns, tasks once per key, field provisioning, BOM and accents, and a
clear stop when a file is missing."""

from __future__ import annotations

import csv
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from connectors.csvfile import TASK_COLUMNS, CsvConnector
from connectors.types import (
    Cursor,
    FieldSchema,
    NewRecord,
    RecordUpdate,
    StopRunError,
    TaskRequest,
)

UTC = timezone.utc

CONTACTS = (
    "id,email,firstname,tags,companies,updated_at,deleted\n"
    "1,ana@example.com,Ana,vip;crm:new,10;11,2024-01-01T00:00:00Z,\n"
    "2,bo@example.com,Bo,,,2024-03-01T12:00:00+00:00,\n"
    "3,cy@example.com,Cy,,10,2024-02-01T00:00:00,true\n"
)
COLUMNS = CONTACTS.splitlines()[0].split(",")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "contacts.csv").write_text(CONTACTS, encoding="utf-8")
    return tmp_path


@pytest.fixture
def connector(folder: Path) -> CsvConnector:
    return CsvConnector(folder, tag_namespace="crm")


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_read_all_every_column_and_times(connector: CsvConnector) -> None:
    records = list(connector.read("contacts", fields=[]))
    assert [r.id for r in records] == ["1", "3", "2"]  # by time, then id
    first = records[0]
    assert first.fields["email"] == "ana@example.com"
    assert first.fields["deleted"] == ""
    assert list(first.fields) == COLUMNS
    assert first.updated_at == datetime(2024, 1, 1, tzinfo=UTC)
    assert records[1].updated_at == datetime(2024, 2, 1, tzinfo=UTC)  # naive means UTC


def test_read_asked_fields_plus_id(connector: CsvConnector) -> None:
    (record,) = connector.read_by_ids("contacts", ["2", "404"], ["email", "nope"])
    assert record.fields == {"id": "2", "email": "bo@example.com"}


def test_read_incremental_and_empty_time_is_file_mtime(folder: Path) -> None:
    path = folder / "contacts.csv"
    path.write_text(CONTACTS + "4,di@example.com,Di,,,,\n", encoding="utf-8")
    moment = datetime(2025, 6, 1, tzinfo=UTC).timestamp()
    os.utime(path, (moment, moment))
    connector = CsvConnector(folder, tag_namespace="crm")
    since = Cursor(datetime(2024, 2, 1, tzinfo=UTC), "0")
    changed = list(connector.read("contacts", fields=["email"], since=since))
    assert [r.id for r in changed] == ["3", "2", "4"]  # at or after, inclusive
    assert changed[-1].updated_at == datetime(2025, 6, 1, tzinfo=UTC)


def test_deleted_rows_are_flagged(connector: CsvConnector) -> None:
    flags = {r.id: r.deleted for r in connector.read("contacts", fields=[])}
    assert flags == {"1": False, "2": False, "3": True}


def test_associations_from_semicolon_columns(connector: CsvConnector) -> None:
    records = {
        r.id: r
        for r in connector.read("contacts", fields=["email"], associations=["companies", "deals"])
    }
    assert records["1"].associations == {"companies": ("10", "11"), "deals": ()}
    assert records["2"].associations["companies"] == ()
    assert records["3"].associations["companies"] == ("10",)


def test_describe_columns(connector: CsvConnector) -> None:
    schema = connector.describe("contacts")
    assert list(schema.fields) == COLUMNS
    assert schema.fields["email"].writable and schema.fields["email"].type == "string"
    assert not any(schema.fields[n].writable for n in ("id", "updated_at", "deleted"))


def test_write_fields_and_not_found(connector: CsvConnector, folder: Path) -> None:
    result = connector.write(
        "contacts",
        [
            RecordUpdate("2", {"firstname": "Bob", "phone": "+33 1 23 45 67 89"}),
            RecordUpdate("404", {"firstname": "Nobody"}),
            RecordUpdate("1", {"firstname": "Ana"}),  # unchanged: not stamped
            RecordUpdate("3", {"id": "9"}),
        ],
    )
    assert [(o.id, o.ok, o.error_code) for o in result.outcomes] == [
        ("2", True, None),
        ("404", False, "NOT_FOUND"),
        ("1", True, None),
        ("3", False, "READ_ONLY"),
    ]
    by_id = {r["id"]: r for r in rows(folder / "contacts.csv")}
    assert by_id["2"]["firstname"] == "Bob"
    assert by_id["2"]["phone"] == "+33 1 23 45 67 89"
    stamped = datetime.fromisoformat(by_id["2"]["updated_at"].replace("Z", "+00:00"))
    assert abs(stamped - datetime.now(UTC)) < timedelta(minutes=1)
    assert by_id["1"]["updated_at"] == "2024-01-01T00:00:00Z"
    assert by_id["3"]["id"] == "3"


def test_file_stays_valid_with_original_columns_first(
    connector: CsvConnector, folder: Path
) -> None:
    connector.write("contacts", [RecordUpdate("1", {"note": 'says "hi", twice\nreally'})])
    path = folder / "contacts.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        header, *body = list(csv.reader(handle))
    original = ["id", "email", "firstname", "tags", "companies", "updated_at", "deleted"]
    assert header == [*original, "note"]
    assert all(len(row) == len(header) for row in body)
    assert {r["id"]: r["note"] for r in rows(path)} == {
        "1": 'says "hi", twice\nreally',
        "2": "",
        "3": "",
    }
    assert path.read_bytes().count(b"\r\n") == 0  # the file's newlines are kept


def test_tags_by_delta_keep_a_persons_tags_and_refuse_foreign(
    connector: CsvConnector, folder: Path
) -> None:
    result = connector.write(
        "contacts",
        [
            RecordUpdate("1", tags_add=frozenset({"crm:vip"}), tags_remove=frozenset({"crm:new"})),
            RecordUpdate("2", tags_add=frozenset({"crm:new"}), current_tags=frozenset({"stale"})),
        ],
    )
    assert all(o.ok for o in result.outcomes)
    tags = {r["id"]: r["tags"] for r in rows(folder / "contacts.csv")}
    assert tags["1"] == "vip;crm:vip"  # the person's own tag stays, first
    assert tags["2"] == "crm:new"  # from the file, not from current_tags
    before = (folder / "contacts.csv").read_bytes()
    with pytest.raises(ValueError, match="namespace"):
        connector.write("contacts", [RecordUpdate("1", tags_remove=frozenset({"vip"}))])
    assert (folder / "contacts.csv").read_bytes() == before


def test_write_is_atomic_and_leaves_no_temp_files(
    connector: CsvConnector, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connector.write("contacts", [RecordUpdate("2", {"firstname": "Bob"})])
    assert sorted(p.name for p in folder.iterdir()) == ["contacts.csv"]

    before = (folder / "contacts.csv").read_bytes()

    def fail(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(StopRunError, match="cannot write"):
        connector.write("contacts", [RecordUpdate("2", {"firstname": "Robert"})])
    assert (folder / "contacts.csv").read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["contacts.csv"]


def test_tasks_once_per_key(connector: CsvConnector, folder: Path) -> None:
    due = datetime(2024, 5, 1, 9, tzinfo=UTC)
    task = TaskRequest("k1", "Call Ana", due, None, "contacts", "1", body="été")
    assert connector.existing_tasks(["k1"]) == {}
    first = connector.create_tasks([task, task])
    assert [(o.id, o.ok, o.error_code) for o in first.outcomes] == [
        ("k1", True, None),
        ("k1", True, "ALREADY_EXISTS"),
    ]
    again = connector.create_tasks([task, TaskRequest("k2", "Mail Bo", due, "7", "contacts", "2")])
    assert [o.error_code for o in again.outcomes] == ["ALREADY_EXISTS", None]
    assert connector.existing_tasks(["k1", "k2", "k3"]) == {"k1": "k1", "k2": "k2"}
    written = rows(folder / "tasks.csv")
    assert [r["key"] for r in written] == ["k1", "k2"]
    assert list(written[0]) == list(TASK_COLUMNS)
    assert written[0]["due"] == "2024-05-01T09:00:00Z"
    assert written[0]["body"] == "été"
    assert written[1]["owner_id"] == "7"


def test_create_fields_is_idempotent(connector: CsvConnector, folder: Path) -> None:
    wanted = [FieldSchema("crm_score", "int", True), FieldSchema("email", "email", True)]
    assert connector.create_fields("contacts", wanted) == ["crm_score"]
    assert connector.create_fields("contacts", wanted) == []
    assert all(r["crm_score"] == "" for r in rows(folder / "contacts.csv"))


def test_bom_and_accents_round_trip(tmp_path: Path) -> None:
    text = "id;nom;ville\r\n1;Zoë Lefèvre;Besançon\r\n2;Renée;Orléans\r\n"
    (tmp_path / "companies.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    connector = CsvConnector(tmp_path, tag_namespace="crm", delimiter=";")
    (first, _) = connector.read("companies", fields=[])
    assert first.fields == {"id": "1", "nom": "Zoë Lefèvre", "ville": "Besançon"}
    connector.write("companies", [RecordUpdate("2", {"ville": "Épinal"})])
    raw = (tmp_path / "companies.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").startswith("id;nom;ville;updated_at\r\n1;Zoë Lefèvre;")
    assert "2;Renée;Épinal;" in raw.decode("utf-8-sig")


def test_missing_file_is_a_clear_stop(tmp_path: Path) -> None:
    connector = CsvConnector(tmp_path, tag_namespace="crm")
    with pytest.raises(StopRunError, match=r"deals\.csv"):
        connector.describe("deals")
    with pytest.raises(StopRunError, match=r"deals\.csv"):
        list(connector.read("deals", fields=[]))


def test_create_appends_rows_with_fresh_ids_and_their_links(
    connector: CsvConnector, folder: Path
) -> None:
    result = connector.create(
        "contacts",
        [
            NewRecord({"email": "di@example.com", "firstname": "Di"}, {"companies": ("12", "10")}),
            NewRecord({"id": "99", "email": "x@example.com"}),  # ids are the connector's
            NewRecord({"email": "ed@example.com", "phone": "+33 1 23 45 67 89"}),
        ],
    )
    assert [(o.id, o.ok, o.error_code) for o in result.outcomes] == [
        ("4", True, None),
        ("1", False, "READ_ONLY"),
        ("5", True, None),
    ]
    assert result.requests == 1  # one rewrite of the file
    read = {
        r.id: r
        for r in connector.read_by_ids("contacts", ["4", "5"], [], associations=["companies"])
    }
    assert read["4"].fields["firstname"] == "Di"
    assert read["4"].associations["companies"] == ("12", "10")  # in the order given
    assert read["5"].fields["phone"] == "+33 1 23 45 67 89"
    assert abs(read["5"].updated_at - datetime.now(UTC)) < timedelta(minutes=1)
    written = rows(folder / "contacts.csv")
    assert [r["id"] for r in written] == ["1", "2", "3", "4", "5"]
    assert list(written[0])[-1] == "phone"  # new columns go last
    assert not any(r["email"] == "x@example.com" for r in written)


def test_create_makes_a_missing_file_and_hex_ids_follow_hex_ids(tmp_path: Path) -> None:
    connector = CsvConnector(tmp_path, tag_namespace="crm")
    first = connector.create("deals", [NewRecord({"name": "Renewal"}, {"contact_ids": ("7",)})])
    assert [o.id for o in first.outcomes] == ["1"]
    assert list(rows(tmp_path / "deals.csv")[0]) == ["id", "name", "contact_ids", "updated_at"]
    (tmp_path / "companies.csv").write_text("id,name\nc-ab12,Acme\n", encoding="utf-8")
    [created] = connector.create("companies", [NewRecord({"name": "Globex"})]).outcomes
    assert created.ok and len(created.id) == 32 and created.id != "c-ab12"


def test_associate_adds_each_link_once(connector: CsvConnector, folder: Path) -> None:
    links = {"1": ("11", "12"), "2": ("10",), "7": ("10",)}
    first = connector.associate("contacts", {i: {"companies": ids} for i, ids in links.items()})
    assert [(o.id, o.ok, o.error_code) for o in first.outcomes] == [
        ("1", True, None),
        ("2", True, None),
        ("7", False, "NOT_FOUND"),
    ]
    again = connector.associate("contacts", {"1": {"companies": ("12", "10")}})
    assert again.outcomes[0].ok and again.requests == 0  # nothing new: the file is untouched
    read = {r.id: r for r in connector.read("contacts", fields=[], associations=["companies"])}
    assert read["1"].associations["companies"] == ("10", "11", "12")
    assert read["2"].associations["companies"] == ("10",)
    with pytest.raises(ValueError, match="no associations"):
        connector.associate("contacts", {"1": {"tags": ("vip",)}})
