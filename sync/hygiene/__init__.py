"""Data hygiene (playbook §4): normalisers, completeness and review, obsolete records,
duplicates, and the audit's KPIs.

The normalisers are small pure functions usable anywhere (the connectors' CSV adapter, the
migration tool): a raw value in, a :class:`Normalised` out. The rules live in
:mod:`sync.hygiene.rules` (importing it registers them)."""

from sync.hygiene.emails import normalise_email, suggest_domain
from sync.hygiene.names import company_key, normalise_company_name, normalise_person_name
from sync.hygiene.phones import normalise_phone
from sync.hygiene.places import normalise_country, normalise_state, normalise_zip
from sync.hygiene.records import Checked, check_company, check_contact
from sync.hygiene.survivorship import FieldChoice, MergePlan, merge_plan
from sync.hygiene.text import Finding, Normalised

__all__ = [
    "Checked",
    "FieldChoice",
    "Finding",
    "MergePlan",
    "Normalised",
    "check_company",
    "check_contact",
    "company_key",
    "merge_plan",
    "normalise_company_name",
    "normalise_country",
    "normalise_email",
    "normalise_person_name",
    "normalise_phone",
    "normalise_state",
    "normalise_zip",
    "suggest_domain",
]
