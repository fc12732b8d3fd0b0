"""Migration acceptance, emulator to emulator over real HTTP: a messy Zoho base migrated into
an empty HubSpot and an empty Salesforce arrives once per entity (duplicates merged, checked
against the generator's ground truth) with its links; a rerun writes nothing; a run killed
half-way finishes on the next try without creating anything twice.

The 20k-contact run of the issue is ``bench/bench_migrate.py``; these use a smaller base."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from sandbox.serve import Sandbox, serve
from sync.cli import cli
from sync.state import StateStore
from tests.e2e.sandboxes import SETTINGS, native_ids, write_config
from tests.migrate.targets import Held, holdings, spread

CONTACTS = 600
SEED = 5


@contextmanager
def two_crms(target: str, contacts: int = CONTACTS) -> Iterator[tuple[Sandbox, Sandbox]]:
    with ExitStack() as stack:
        source = stack.enter_context(serve("zoho", contacts=contacts, seed=SEED))
        empty = stack.enter_context(serve(target, contacts=0, seed=1, **SETTINGS.get(target, {})))
        yield source, empty


def configs(source: Sandbox, target: Sandbox, folder: Path) -> tuple[Path, Path, dict[str, str]]:
    source_path, source_env = write_config(source, folder / "source")
    target_path, target_env = write_config(target, folder / "target")
    # each config names its secrets; give them distinct names so both can be in one env
    text = target_path.read_text(encoding="utf-8")
    for name in target_env:
        text = text.replace(f"${{{name}}}", f"${{TARGET_{name}}}")
    target_path.write_text(text, encoding="utf-8")
    env = {**source_env, **{f"TARGET_{k}": v for k, v in target_env.items()}}
    return source_path, target_path, env


def migrate(source: Path, target: Path, env: dict[str, str], *mode: str) -> dict:
    result = CliRunner().invoke(
        cli,
        ["--json", "migrate", "--from", str(source), "--to", str(target), *mode],
        env=env,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def id_map(folder: Path) -> dict[str, dict[str, str]]:
    store = StateStore(f"sqlite:///{folder}/target/state.db")
    try:
        (name,) = {row.job for row in store.runs() if row.command == "migrate"}
        return store.id_map(name)
    finally:
        store.close()


@pytest.mark.parametrize("target", ["hubspot", "salesforce"])
def test_a_messy_base_arrives_once_per_entity_with_its_links(target: str, tmp_path: Path) -> None:
    with two_crms(target) as (source, empty):
        source_path, target_path, env = configs(source, empty, tmp_path)
        planned = migrate(source_path, target_path, env, "--plan")
        assert empty.server.stats.total() > 0  # the plan read the target…
        assert holdings(target, empty.app.dump())["contact"] == {}  # …and wrote nothing
        applied = migrate(source_path, target_path, env, "--apply")
        assert applied["ok"], applied["applied"]["failed"][:5]
        assert applied["applied"]["created"]["contact"] == planned["plan"]["contact"]["create"]

        held = holdings(target, empty.app.dump())
        sources = holdings("zoho", source.app.dump())
        mapped = id_map(tmp_path)
        for object_name in ("company", "contact", "deal"):
            _arrived_once(object_name, sources[object_name], held[object_name], mapped)
        _entities_are_merged(source, mapped["contact"])
        _links_intact(sources, held, mapped)

        empty.server.stats.reset()
        again = migrate(source_path, target_path, env, "--apply")
        assert again["applied"]["requests"] == 0
        assert {o: r["create"] + r["update"] for o, r in again["plan"].items()} == {
            "company": 0,
            "contact": 0,
            "deal": 0,
        }
        assert _writes(empty) == 0, empty.server.stats.snapshot()


def _arrived_once(
    object_name: str,
    source: dict[str, Held],
    target: dict[str, Held],
    mapped: dict[str, dict[str, str]],
) -> None:
    """Every source record has a target record; every target record came from the source
    once (its source mark is unique) and is the one the id map names."""
    ids = mapped[object_name]
    assert set(ids) == set(source), object_name
    assert set(ids.values()) == set(target), object_name
    marks = [h.mark for h in target.values()]
    assert None not in marks and len(set(marks)) == len(marks), object_name
    for target_id, held in target.items():
        assert held.mark is not None
        assert ids[held.mark.split(":", 1)[1]] == target_id, object_name


def _entities_are_merged(source: Sandbox, mapped: dict[str, str]) -> None:
    """Against the generator's ground truth: the records of one real person went to one
    target record, and no target record holds two people. Duplicate detection is
    statistical; the bound is what it reaches on this data, not zero."""
    assert source.dataset is not None
    found = spread(source.dataset.truth.contact_entity, native_ids(source), mapped)
    assert found.records - found.entities > 20  # the base is messy: there was much to merge
    assert found.split <= 0.02 * found.entities, found
    assert found.mixed <= 0.01 * found.targets, found


def _links_intact(
    source: dict[str, dict[str, Held]],
    target: dict[str, dict[str, Held]],
    mapped: dict[str, dict[str, str]],
) -> None:
    """A target record links to where its source records' links were migrated: the company
    of one of the records merged into it (the survivor's, or another's when it had none), and
    every contact of a deal."""
    for object_name in ("contact", "deal"):
        companies: dict[str, set[str]] = {}
        for source_id, held in source[object_name].items():
            if held.company is not None:
                target_id = mapped[object_name][source_id]
                companies.setdefault(target_id, set()).add(mapped["company"][held.company])
        for target_id, allowed in companies.items():
            assert target[object_name][target_id].company in allowed, target_id
        for source_id, held in source[object_name].items():
            arrived = target[object_name][mapped[object_name][source_id]]
            assert {mapped["contact"][c] for c in held.contacts} <= arrived.contacts, source_id


def _writes(sandbox: Sandbox) -> int:
    """Requests that change records (reads sent as POST and token requests left out)."""
    reads = ("search", "query", "batch/read", "coql", "oauth", "token")
    return sum(
        r["count"]
        for r in sandbox.server.stats.snapshot()
        if r["method"] in ("POST", "PATCH", "PUT", "DELETE")
        and not any(word in r["endpoint"] for word in reads)
    )


def test_a_run_killed_half_way_finishes_next_time_without_duplicates(tmp_path: Path) -> None:
    with two_crms("hubspot") as (source, empty):
        source_path, target_path, env = configs(source, empty, tmp_path)
        command = [
            sys.executable, "-m", "sync", "migrate", "--from", str(source_path),
            "--to", str(target_path), "--apply",
        ]  # fmt: skip
        child = subprocess.Popen(
            command,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and child.poll() is None:
            contacts = len(empty.app.dump()["contacts"]) if _creates(empty) >= 3 else 0
            if contacts > 0:
                child.send_signal(signal.SIGKILL)
                break
            time.sleep(0.01)
        child.wait(timeout=60)
        assert child.returncode == -signal.SIGKILL, "the run ended before it could be killed"
        part = holdings("hubspot", empty.app.dump())
        assert len(part["contact"]) > 0

        finished = migrate(source_path, target_path, env, "--apply")
        assert finished["ok"]
        held = holdings("hubspot", empty.app.dump())
        sources = holdings("zoho", source.app.dump())
        mapped = id_map(tmp_path)
        for object_name in ("company", "contact", "deal"):
            _arrived_once(object_name, sources[object_name], held[object_name], mapped)
        _links_intact(sources, held, mapped)
        assert migrate(source_path, target_path, env, "--plan")["plan"]["deal"]["create"] == 0


def _creates(sandbox: Sandbox) -> int:
    return sum(
        r["count"]
        for r in sandbox.server.stats.snapshot()
        if r["method"] == "POST" and r["endpoint"].endswith("batch/create")
    )
