"""The state of one emulated HubSpot portal: records, associations, owners, settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from sandbox.hubspot.associations import AssociationStore
from sandbox.hubspot.errors import api_error
from sandbox.hubspot.schema import resolve_object_type
from sandbox.hubspot.settings import HubSpotSettings
from sandbox.hubspot.store import ObjectStore
from sandbox.hubspot.values import iso_ms, to_ms


@dataclass(frozen=True, slots=True)
class HubSpotOwner:
    """A user who owns records (``GET /crm/v3/owners``)."""

    id: str
    email: str
    first_name: str
    last_name: str
    user_id: int
    created_ms: int

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "type": "PERSON",
            "firstName": self.first_name,
            "lastName": self.last_name,
            "userId": self.user_id,
            "userIdIncludingInactive": self.user_id,
            "createdAt": iso_ms(self.created_ms),
            "updatedAt": iso_ms(self.created_ms),
            "archived": False,
            "teams": [],
        }


class Portal:
    """Everything the handlers read and write."""

    def __init__(self, settings: HubSpotSettings) -> None:
        self.settings = settings
        self.stores: dict[str, ObjectStore] = {}
        self.associations = AssociationStore()
        self.owners: list[HubSpotOwner] = []

    def now_ms(self) -> int:
        return to_ms(self.settings.clock())

    def store(self, object_type: str) -> ObjectStore:
        """The store for a path segment (``contacts``, ``contact``, ``0-1``); 404 if unknown."""
        found = resolve_object_type(unquote(object_type))
        if found is None or found.name not in self.stores:
            raise api_error(
                404, "OBJECT_NOT_FOUND", f"Unable to infer object type from: {object_type}"
            )
        return self.stores[found.name]
