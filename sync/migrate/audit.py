"""``crmsync audit --source``: the data-quality audit of a whole base before a move.

The source is a crmsync config (any CRM), a folder of contacts/companies/deals CSV files, or a
single CSV of contacts. It is pulled into its state store, then the report people read is
written as HTML and its data as JSON: what is missing, invalid, duplicated or obsolete, and
what the cleanup would change, both as a sync would plan it (field by field) and as a
migration would carry it (fields fixed, records merged).
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sync.config import LoadedConfig, parse_config
from sync.migrate.clean import clean
from sync.planner import load_mirror
from sync.report.commands import report_data
from sync.report.html import render_html
from sync.runner import Job


def source_config(path: Path) -> LoadedConfig | None:
    """A folder of CSV files, or one CSV of contacts, as a csv source (its state beside it);
    None for anything else (a crmsync config, loaded by the caller)."""
    run = ""
    if path.is_file() and path.suffix.lower() == ".csv":
        folder = path.parent / f".crmsync-{path.stem}"
        folder.mkdir(exist_ok=True)
        shutil.copyfile(path, folder / "contacts.csv")
        path, run = folder, "run:\n  objects: [contact]\n"
    if not path.is_dir():
        return None
    state = path / ".crmsync-state.db"
    text = f"crm:\n  kind: csv\n  folder: {path}\nstate:\n  url: sqlite:///{state}\n{run}"
    return parse_config(text, file=str(path))


def audit_source(loaded: LoadedConfig, out: Path, redact: Any = str) -> dict[str, Any]:
    """Pull the source, write ``audit.html`` and ``audit.json`` into ``out``; returns the
    JSON document."""
    job = Job(loaded)
    job.pull()
    data = report_data(job, offline=False)
    # the report's plan loaded the mirror; when the CRM could not be asked, load it here
    mirror = job.last_mirror or load_mirror(
        job.store, job.name, job.mapping, job.config.run.objects
    )
    cleaned = clean(mirror.base, job.config.rules, datetime.now(timezone.utc))
    cleanup = {
        "fields_fixed": dict(cleaned.fixed_fields),
        "records_merged": cleaned.merged,
        "records_after": {
            "contact": len(cleaned.base.contacts),
            "company": len(cleaned.base.companies),
            "deal": len(cleaned.base.deals),
        },
    }
    document = {"report": json.loads(data.to_json()), "migration_cleanup": cleanup}
    out.mkdir(parents=True, exist_ok=True)
    (out / "audit.html").write_text(redact(render_html(data)), encoding="utf-8")
    (out / "audit.json").write_text(
        redact(json.dumps(document, indent=2, ensure_ascii=False, default=str)), encoding="utf-8"
    )
    return document
