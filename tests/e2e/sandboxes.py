"""Configs and state comparisons for end-to-end tests of whole sync runs on each emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sandbox.serve import Sandbox

CRMS_WITH_CONNECTORS = ("hubspot", "zoho", "salesforce")
#: emulator settings for end-to-end runs: in Salesforce an admin has granted crmsync's user
#: access to the fields provision creates (field-level security)
SETTINGS: dict[str, dict[str, Any]] = {"salesforce": {"auto_grant_field_permissions": True}}


def write_config(sandbox: Sandbox, folder: Path, extra: str = "") -> tuple[Path, dict[str, str]]:
    """A crmsync.yaml for the running emulator, and the environment its secrets come from."""
    credentials = sandbox.credentials()
    base = sandbox.base_url
    if sandbox.crm == "hubspot":
        crm = (
            "  kind: hubspot\n"
            f"  base_url: {base}\n"
            "  auth:\n    mode: private_app\n    token: ${CRM_TOKEN}\n"
        )
        env = {"CRM_TOKEN": credentials["access_token"]}
    elif sandbox.crm == "zoho":
        crm = (
            "  kind: zoho\n"
            f"  api_domain: {base}\n"
            "  auth:\n    mode: oauth\n"
            f"    client_id: {credentials['client_id']}\n"
            "    client_secret: ${CRM_SECRET}\n    refresh_token: ${CRM_REFRESH}\n"
            f"    accounts_url: {base}\n"
        )
        env = {
            "CRM_SECRET": credentials["client_secret"],
            "CRM_REFRESH": credentials["refresh_token"],
        }
    else:
        crm = (
            "  kind: salesforce\n"
            f"  ca_bundle: {sandbox.ca_path}\n"
            "  auth:\n    mode: refresh_token\n"
            f"    client_id: {credentials['client_id']}\n"
            "    client_secret: ${CRM_SECRET}\n    refresh_token: ${CRM_REFRESH}\n"
            f"    login_url: {base}\n"
        )
        env = {
            "CRM_SECRET": credentials["client_secret"],
            "CRM_REFRESH": credentials["refresh_token"],
        }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "crmsync.yaml"
    path.write_text(
        f"crm:\n{crm}state:\n  url: sqlite:///{folder}/state.db\n{extra}", encoding="utf-8"
    )
    return path, env


#: native fields that differ between two runs by nature (times, ids the CRM assigns)
VOLATILE = {
    "lastmodifieddate",
    "hs_lastmodifieddate",
    "Modified_Time",
    "SystemModstamp",
    "LastModifiedDate",
    "hs_timestamp",
    "Created_Time",
    "CreatedDate",
    "createdate",
    "hs_createdate",
    "id",
    "Id",
    "hs_object_id",
    "Due_Date",
    "ActivityDate",
}


def contacts_state(crm: str, dump: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each contact's values (without volatile ones), by its key in the emulator."""
    if crm == "hubspot":
        return {c["id"]: _stable(c["properties"]) for c in dump["contacts"] if not c["archived"]}
    if crm == "zoho":
        return {
            c["id"]: _stable({**c, "Tag": sorted(t["name"] for t in c.get("Tag") or [])})
            for c in dump["Contacts"]
            if not c["$deleted"]
        }
    return {c["Id"]: _stable(c) for c in dump["Contact"] if not c.get("IsDeleted")}


def task_keys(crm: str, dump: dict[str, Any]) -> list[str]:
    """The trigger key of every task in the CRM (repeats mean a duplicate task)."""
    if crm == "hubspot":
        return sorted(t["properties"].get("crmsync_task_key") or "" for t in dump["tasks"])
    if crm == "zoho":
        return sorted(t.get("Crmsync_Task_Key") or "" for t in dump["Tasks"])
    return sorted(t.get("Crmsync_Task_Key__c") or "" for t in dump["Task"])


def _stable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in VOLATILE and not k.startswith("$")}


def native_ids(sandbox: Sandbox) -> dict[str, str]:
    """Generator key -> the record id the emulator gave it."""
    if sandbox.crm == "salesforce":
        from tests.connectors.harness import salesforce_ids

        assert sandbox.dataset is not None
        return salesforce_ids(sandbox.dataset)
    return {key: str(value) for key, value in sandbox.app.ids.items()}
