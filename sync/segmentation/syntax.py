"""The grammar of the admin's own rules, validated by pydantic like the rest of the config.

A rule names one output (a tag or a field value) and the condition under which a contact
gets it::

    rules:
      custom:
        - name: vip-spain
          tag: vip-spain                      # or: field: {name: priority, value: high}
          when:
            all:
              - country: {in: [ES, España, Spain]}
              - last_interaction_at: {within: 90d}
              - not: {unsubscribed: {eq: true}}
              - deals:                         # counts over the contact's deals
                  where: {stage: {eq: won}, close_date: {within: 365d}}
                  count: {gte: 3}

A condition is ``{all: [...]}``, ``{any: [...]}``, ``{not: ...}``, ``{deals: ...}`` or a
mapping of fields to tests (several fields: all must hold). A field is a common-model field
(``country``), a custom field (``custom.loyalty_tier``) or, for contacts, the output of a
built-in rule (``output.segment``, ``output.tags``). A test maps operators to values;
several operators: all must hold. Which operators a field takes depends on its kind:

=========  ==========================================================================
text       eq, ne, in, contains (substring), matches (regular expression), exists
number     eq, ne, lt, lte, gt, gte, in, exists
date       eq, ne, lt, lte, gt, gte (ISO dates), older_than, within (36h, 180d, 12w), exists
bool       eq, ne, exists
set        contains (one value), in (any of these), exists (not empty)
=========  ==========================================================================

A blank field passes only ``exists: false``. Regular expressions are compiled when the
config is loaded (``re.search``); nothing the admin writes is ever evaluated as code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    create_model,
    model_validator,
)

from mapping.model import Contact, Deal, field_kinds
from sync.segmentation.outputs import FIELD_OUTPUTS, TAG_MAX_LENGTH

CUSTOM_PREFIX = "custom."
OUTPUT_PREFIX = "output."
OPERATORS = (
    "eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "exists", "matches", "older_than",
    "within",
)  # fmt: skip


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _Operators(_Strict):
    """A model whose fields are operators (``in`` is written ``in_``)."""

    def given(self) -> dict[str, Any]:
        """The operators written, by their YAML names."""
        return {
            info.alias or name: getattr(self, name)
            for name, info in type(self).model_fields.items()
            if getattr(self, name) is not None
        }


# --- operand types ---------------------------------------------------------------------------
_DURATION = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
_UNIT = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def _duration(value: Any) -> timedelta:
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("a duration is a whole number and a unit: 36h, 180d or 12w")
    return int(match.group(1)) * _UNIT[match.group(2)]


def _regex(value: Any) -> re.Pattern[str]:
    if isinstance(value, re.Pattern):
        return value
    if not isinstance(value, str):
        raise ValueError("a regular expression is text")
    try:
        return re.compile(value)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {value!r}: {exc}") from None


Duration = Annotated[timedelta, BeforeValidator(_duration)]
Regex = Annotated[re.Pattern[str], BeforeValidator(_regex)]
Scalar = Union[bool, int, float, date, str]  # noqa: UP007 - order matters to pydantic


# --- tests: operators per kind of field ------------------------------------------------------
class Test(_Operators):
    """Operators applied to one field's value; all given must hold."""

    describes: ClassVar[str] = "any field"
    exists: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _operators_fit(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or not data:
            raise ValueError("a test maps operators to values, e.g. {eq: ES} or {older_than: 180d}")
        allowed = cls.operators()
        for key in data:
            if key in OPERATORS and key not in allowed:
                raise ValueError(
                    f"{key!r} does not apply to {cls.describes}; use {', '.join(allowed)}"
                )
        return data

    @classmethod
    def operators(cls) -> list[str]:
        names = [info.alias or name for name, info in cls.model_fields.items()]
        return [name for name in names if name != "exists"] + ["exists"]


class TextTest(Test):
    model_config = ConfigDict(coerce_numbers_to_str=True)
    describes: ClassVar[str] = "text"
    eq: str | None = None
    ne: str | None = None
    in_: list[str] | None = Field(None, alias="in")
    contains: str | None = None
    matches: Regex | None = None


class NumberTest(Test):
    describes: ClassVar[str] = "numbers"
    eq: float | None = None
    ne: float | None = None
    lt: float | None = None
    lte: float | None = None
    gt: float | None = None
    gte: float | None = None
    in_: list[float] | None = Field(None, alias="in")


class DateTest(Test):
    describes: ClassVar[str] = "dates"
    eq: date | None = None
    ne: date | None = None
    lt: date | None = None
    lte: date | None = None
    gt: date | None = None
    gte: date | None = None
    older_than: Duration | None = None
    within: Duration | None = None


class BoolTest(Test):
    describes: ClassVar[str] = "true/false fields"
    eq: bool | None = None
    ne: bool | None = None


class SetTest(Test):
    describes: ClassVar[str] = "multi-value fields"
    model_config = ConfigDict(coerce_numbers_to_str=True)
    contains: str | None = None
    in_: list[str] | None = Field(None, alias="in")


class AnyTest(Test):
    """For custom and output fields, whose kind is not known when the config is read: values
    of another kind than the operand simply do not match."""

    eq: Scalar | None = None
    ne: Scalar | None = None
    lt: float | date | None = None
    lte: float | date | None = None
    gt: float | date | None = None
    gte: float | date | None = None
    in_: list[Scalar] | None = Field(None, alias="in")
    contains: str | None = None
    matches: Regex | None = None
    older_than: Duration | None = None
    within: Duration | None = None


class CountTest(_Operators):
    """Comparisons of a count of deals."""

    eq: int | None = Field(None, ge=0)
    ne: int | None = Field(None, ge=0)
    lt: int | None = Field(None, ge=0)
    lte: int | None = Field(None, ge=0)
    gt: int | None = Field(None, ge=0)
    gte: int | None = Field(None, ge=0)
    in_: list[int] | None = Field(None, alias="in")

    @model_validator(mode="after")
    def _something(self) -> CountTest:
        if not self.given():
            raise ValueError("give a comparison, e.g. {gte: 3}")
        return self


TEST_BY_KIND: dict[str, type[Test]] = {
    "string": TextTest,
    "int": NumberTest,
    "float": NumberTest,
    "decimal": NumberTest,
    "bool": BoolTest,
    "date": DateTest,
    "datetime": DateTest,
    "set": SetTest,
    "refs": SetTest,
}


# --- field tests per object -------------------------------------------------------------------
def _custom_name(key: str) -> str:
    if not key.startswith(CUSTOM_PREFIX) or not key[len(CUSTOM_PREFIX) :].isidentifier():
        raise ValueError("custom fields are written custom.<name>")
    return key


CustomKey = Annotated[str, AfterValidator(_custom_name)]

#: value type of a rule output (see :data:`FIELD_OUTPUTS`) -> its test
_OUTPUT_TESTS: dict[str, type[Test]] = {
    "text": TextTest,
    "int": NumberTest,
    "bool": BoolTest,
    "date": DateTest,
}


class FieldTests(_Strict):
    """A mapping of fields to tests. The concrete classes have one attribute per field of their
    object (for contacts also ``output.<name>`` for each rule output and ``output.tags``), plus
    ``custom.<name>`` keys."""

    custom_field_tests: dict[CustomKey, AnyTest] = {}

    @model_validator(mode="before")
    @classmethod
    def _gather(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or not data:
            raise ValueError(
                "a condition is {all: [...]}, {any: [...]}, {not: ...}, {deals: ...} or "
                "fields with tests, e.g. {country: {eq: ES}}"
            )
        fields = dict(data)
        if "custom" in fields:
            raise ValueError("custom fields are written custom.<name>")
        custom = {k: fields.pop(k) for k in list(fields) if str(k).startswith(CUSTOM_PREFIX)}
        if custom:
            fields["custom_field_tests"] = custom
        return fields

    def tests(self) -> list[tuple[str, Test]]:
        """(field reference as written, test) pairs."""
        pairs: list[tuple[str, Test]] = []
        for name, info in type(self).model_fields.items():
            value = getattr(self, name)
            if isinstance(value, Test):
                pairs.append((info.alias or name, value))
        pairs.extend(self.custom_field_tests.items())
        return pairs


def _tests_model(name: str, entity: type, outputs: bool) -> type[FieldTests]:
    fields: dict[str, Any] = {
        field: (TEST_BY_KIND[kind] | None, None) for field, kind in field_kinds(entity).items()
    }
    if outputs:
        for output, (value_type, _) in FIELD_OUTPUTS.items():
            test = _OUTPUT_TESTS[value_type]
            fields[f"output_{output}"] = (test | None, Field(None, alias=OUTPUT_PREFIX + output))
        fields["output_tags"] = (SetTest | None, Field(None, alias=OUTPUT_PREFIX + "tags"))
    return create_model(name, __base__=FieldTests, __module__=__name__, **fields)


if TYPE_CHECKING:
    ContactTests = FieldTests
    DealTests = FieldTests
else:
    ContactTests = _tests_model("ContactTests", Contact, outputs=True)
    DealTests = _tests_model("DealTests", Deal, outputs=False)


# --- conditions ------------------------------------------------------------------------------
class _Mixed(_Strict):
    @model_validator(mode="before")
    @classmethod
    def _refuse(cls, data: Any) -> Any:
        raise ValueError(
            "all, any, not and deals stand alone: put field tests inside them, e.g. "
            "{all: [{country: {eq: ES}}, {not: {unsubscribed: {eq: true}}}]}"
        )


def _kind_of_condition(logic: frozenset[str]) -> Any:
    def kind(value: Any) -> str:
        if isinstance(value, Mapping):
            found = [key for key in value if key in logic]
            if found:
                return str(found[0]) if len(value) == 1 else "mixed"
        return "fields"

    return kind


class DealAll(_Strict):
    all: list[DealCondition] = Field(min_length=1)


class DealAny(_Strict):
    any: list[DealCondition] = Field(min_length=1)


class DealNot(_Strict):
    not_: DealCondition = Field(alias="not")


DealCondition = Annotated[
    Union[  # noqa: UP007 - tagged union members
        Annotated[DealAll, Tag("all")],
        Annotated[DealAny, Tag("any")],
        Annotated[DealNot, Tag("not")],
        Annotated[_Mixed, Tag("mixed")],
        Annotated[DealTests, Tag("fields")],
    ],
    Discriminator(_kind_of_condition(frozenset({"all", "any", "not"}))),
]


class DealCount(_Strict):
    """How many of the contact's deals (optionally only those matching ``where``)."""

    where: DealCondition | None = None
    count: CountTest


class AllOf(_Strict):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Strict):
    any: list[Condition] = Field(min_length=1)


class NotOf(_Strict):
    not_: Condition = Field(alias="not")


class Deals(_Strict):
    deals: DealCount


Condition = Annotated[
    Union[  # noqa: UP007 - tagged union members
        Annotated[AllOf, Tag("all")],
        Annotated[AnyOf, Tag("any")],
        Annotated[NotOf, Tag("not")],
        Annotated[Deals, Tag("deals")],
        Annotated[_Mixed, Tag("mixed")],
        Annotated[ContactTests, Tag("fields")],
    ],
    Discriminator(_kind_of_condition(frozenset({"all", "any", "not", "deals"}))),
]

for _model in (DealAll, DealAny, DealNot, DealCount, AllOf, AnyOf, NotOf, Deals):
    _model.model_rebuild()


# --- rules -----------------------------------------------------------------------------------
_RULE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_TAG_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def _rule_name(name: str) -> str:
    if not _RULE_NAME.fullmatch(name):
        raise ValueError("a rule name is up to 40 lower-case letters, digits, '-' and '_'")
    return name


def _tag_name(name: str) -> str:
    if not _TAG_NAME.fullmatch(name):
        raise ValueError("a tag is lower-case letters and digits, in words joined by '-'")
    if len(name) > TAG_MAX_LENGTH:
        raise ValueError(
            f"a tag has at most {TAG_MAX_LENGTH} characters: Zoho allows 25 with the "
            f"'crmsync:' prefix ({name!r} has {len(name)})"
        )
    return name


RuleName = Annotated[str, AfterValidator(_rule_name)]
TagName = Annotated[str, AfterValidator(_tag_name)]


class FieldValue(_Strict):
    """A field output: ``name`` (a rule output or a common field) and its ``value``."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)
    value: Scalar


class CustomRule(_Strict):
    """An admin's rule: one output, given to every contact that meets ``when``."""

    name: RuleName
    description: str = ""
    tag: TagName | None = None
    field: FieldValue | None = None
    when: Condition

    @model_validator(mode="after")
    def _one_output(self) -> CustomRule:
        if (self.tag is None) == (self.field is None):
            raise ValueError("give exactly one output: tag or field")
        return self


def unique_names(rules: list[CustomRule]) -> list[CustomRule]:
    """The rules, if no two share a name (a rule's name is how its outputs are explained)."""
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            raise ValueError(f"two custom rules are named {rule.name!r}")
        seen.add(rule.name)
    return rules
