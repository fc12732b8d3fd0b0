"""What crmsync writes back and under which native names.

Rule outputs that are not common-model fields (``segment``, ``rfm_group``, ``duplicate_of``…)
go to fields crmsync owns, named by each CRM's convention unless the config says otherwise:
HubSpot ``crmsync_segment``, Salesforce ``Crmsync_Segment__c``, Zoho ``Crmsync_Segment``.
``crmsync provision`` creates them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from connectors.types import FieldSchema, NativeType
from sync.config.model import Config

UTC = timezone.utc

#: per object, the rule outputs written by default and the native type of their field
DEFAULT_OUTPUTS: dict[str, dict[str, NativeType]] = {
    "contact": {
        "segment": "string",
        "marketing_excluded": "bool",
        "rfm_group": "string",
        "duplicate_of": "string",
        "next_review_date": "date",
    },
    "company": {"duplicate_of": "string"},
    "deal": {},
}


def native_output_name(crm: str, output: str) -> str:
    """The conventional name of the field holding ``output`` in ``crm``."""
    words = output.split("_")
    if crm in ("hubspot", "csv"):
        return f"crmsync_{output}"
    title = "_".join(["Crmsync", *(w.capitalize() for w in words)])
    return f"{title}__c" if crm == "salesforce" else title


@dataclass(frozen=True)
class WriteBack:
    """The write-back settings, resolved for one CRM."""

    crm: str
    namespace: str
    outputs: Mapping[str, Mapping[str, str]]  # object -> rule output -> native field
    create_tasks: bool

    @classmethod
    def from_config(cls, config: Config) -> WriteBack:
        """Defaults per object, then the config's ``write_back.fields``: ``output`` names a
        contact output, ``company.output`` / ``deal.output`` the others; null stops one."""
        crm = config.crm.kind
        outputs = {
            obj: {name: native_output_name(crm, name) for name in names}
            for obj, names in DEFAULT_OUTPUTS.items()
        }
        for key, native in config.write_back.fields.items():
            obj, _, name = key.rpartition(".")
            chosen = outputs.setdefault(obj or "contact", {})
            if native is None:
                chosen.pop(name, None)
            else:
                chosen[name] = native
        return cls(crm, config.write_back.tag_namespace, outputs, config.write_back.create_tasks)

    def present_in(
        self, crm_fields: Mapping[str, set[str]]
    ) -> tuple[WriteBack, list[tuple[str, str, str]]]:
        """This write-back without the outputs whose field the CRM lacks (object -> the
        native fields it has), and those missing as (object, output, native field)."""
        kept: dict[str, dict[str, str]] = {}
        missing = []
        for object_name, outputs in self.outputs.items():
            fields = crm_fields.get(object_name)
            kept[object_name] = {}
            for output, native in outputs.items():
                if fields is None or native in fields:
                    kept[object_name][output] = native
                else:
                    missing.append((object_name, output, native))
        return WriteBack(self.crm, self.namespace, kept, self.create_tasks), missing

    def tag(self, name: str) -> str:
        return f"{self.namespace}:{name}"

    def owns(self, tag: str) -> bool:
        return tag.startswith(f"{self.namespace}:")

    def native_field(self, object_name: str, output: str) -> str | None:
        return self.outputs.get(object_name, {}).get(output)

    def native_fields(self, object_name: str) -> list[str]:
        return list(dict.fromkeys(self.outputs.get(object_name, {}).values()))

    def field_schemas(self, object_name: str) -> list[FieldSchema]:
        """The fields ``crmsync provision`` creates for one object's outputs."""
        types = DEFAULT_OUTPUTS.get(object_name, {})
        return [
            FieldSchema(
                native,
                types.get(output, "string"),
                True,
                label=f"crmsync {output.replace('_', ' ')}",
                custom=True,
            )
            for output, native in self.outputs.get(object_name, {}).items()
        ]

    def native_value(self, value: Any) -> Any:
        """A rule's value in the JSON shape the CRM takes (dates as ISO text, sets as lists)."""
        if isinstance(value, datetime):
            return (
                value.astimezone(UTC).isoformat().replace("+00:00", "Z")
                if self.crm == ("hubspot")
                else value.astimezone(UTC).replace(microsecond=0).isoformat()
            )
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, set | frozenset | tuple | list):
            return sorted(str(v) for v in value)
        return value
