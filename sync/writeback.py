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

#: rule outputs written by default, with the native type of the field that holds them
DEFAULT_OUTPUTS: dict[str, NativeType] = {
    "segment": "string",
    "marketing_excluded": "bool",
    "rfm_group": "string",
    "duplicate_of": "string",
    "next_review_date": "date",
}


def native_output_name(crm: str, output: str) -> str:
    """The conventional name of the field holding ``output`` in ``crm``."""
    words = output.split("_")
    if crm == "hubspot":
        return f"crmsync_{output}"
    title = "_".join(["Crmsync", *(w.capitalize() for w in words)])
    return f"{title}__c" if crm == "salesforce" else title


@dataclass(frozen=True)
class WriteBack:
    """The write-back settings, resolved for one CRM."""

    crm: str
    namespace: str
    outputs: Mapping[str, str]  # rule output -> native field
    create_tasks: bool

    @classmethod
    def from_config(cls, config: Config) -> WriteBack:
        crm = config.crm.kind
        outputs = {name: native_output_name(crm, name) for name in DEFAULT_OUTPUTS}
        for name, native in config.write_back.fields.items():
            if native is None:
                outputs.pop(name, None)
            else:
                outputs[name] = native
        return cls(crm, config.write_back.tag_namespace, outputs, config.write_back.create_tasks)

    def tag(self, name: str) -> str:
        return f"{self.namespace}:{name}"

    def owns(self, tag: str) -> bool:
        return tag.startswith(f"{self.namespace}:")

    def native_field(self, output: str) -> str | None:
        return self.outputs.get(output)

    def native_fields(self) -> list[str]:
        return list(dict.fromkeys(self.outputs.values()))

    def field_schemas(self) -> list[FieldSchema]:
        """The fields ``crmsync provision`` creates for the outputs."""
        return [
            FieldSchema(
                native,
                DEFAULT_OUTPUTS.get(output, "string"),
                True,
                label=f"crmsync {output.replace('_', ' ')}",
                custom=True,
            )
            for output, native in self.outputs.items()
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
