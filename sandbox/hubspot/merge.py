"""``POST /crm/v3/objects/{type}/merge``: two records become one.

What the emulator does (documented choices where HubSpot's exact rules are not sourced):

- the primary keeps its values; properties it has no value for take the merged record's;
- contacts: the merged record's email (and additional emails) join the primary's
  ``hs_additional_emails``, and looking the merged email up (``idProperty=email``) finds the
  primary;
- every association of the merged record moves to the primary (the primary keeps its own
  Primary company; it takes the merged one's only if it had none);
- the merged record is archived and remembered as merged into the primary: reading its id
  answers the primary (``merged_id_reads="primary"``, default) or 404 (``"not_found"``).
"""

from __future__ import annotations

from sandbox.hubspot.portal import Portal
from sandbox.hubspot.store import ObjectStore


def merge_records(portal: Portal, store: ObjectStore, primary: int, merged: int) -> None:
    """Merge live record ``merged`` into live record ``primary``."""
    now = portal.now_ms()
    kept = store.values(primary, store.row(primary))
    gone = store.values(merged, store.row(merged))
    catalogue = store.catalogue
    changes = {
        name: value
        for name, value in gone.items()
        if name not in kept and catalogue.properties[name].virtual is None
    }
    if store.type.name == "contacts":
        own_email = (kept.get("email") or changes.get("email") or "").lower()
        candidates = [
            *kept.get("hs_additional_emails", "").split(";"),
            gone.get("email", ""),
            *gone.get("hs_additional_emails", "").split(";"),
        ]
        extra = dict.fromkeys(e for e in candidates if e and e.lower() != own_email)
        changes["hs_additional_emails"] = ";".join(extra)
    store.archive(merged, now)
    store.merged_into[merged] = primary
    for earlier, target in list(store.merged_into.items()):
        if target == merged:
            store.merged_into[earlier] = primary
    portal.associations.move(store.type.name, merged, primary)
    store.update(primary, changes, now)
    for name in catalogue.unique_names():
        value = gone.get(name)
        if value and store.find(name, value) is None:
            store.point_unique(name, value, primary)
