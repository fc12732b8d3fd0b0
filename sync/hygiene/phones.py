"""Phone numbers with ``phonenumbers`` (Google's libphonenumber): E.164, mobile or landline,
and a finding for numbers that cannot be real (too short, letters, placeholders)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from sync.hygiene.text import MAX_FIELD_LENGTH, Finding, Normalised, as_text

_EXTENSION = re.compile(r"(?:;ext=|\bext\.?|\bextension|\bx|#)\s*\d{1,7}\s*$", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")
_KINDS = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
}


def normalise_phone(raw: Any, region: str | None = None) -> Normalised[str]:
    """The number in E.164 (``+34625903584``, an extension kept as ``;ext=12``) with its
    ``kind`` (``mobile``, ``landline``, ``landline_or_mobile``…), or a finding
    ``invalid_phone`` with the number kept as typed.

    ``region`` (ISO 3166 alpha-2: the record's country, else the configured default) reads
    numbers written without their country code."""
    text = as_text(raw)
    if text is None:
        return Normalised(None)
    return _normalise(text, region.upper() if region else None)


@lru_cache(maxsize=100_000)
def _normalise(text: str, region: str | None) -> Normalised[str]:
    def invalid(message: str) -> Normalised[str]:
        return Normalised(text, Finding("invalid_phone", message))

    if len(text) > MAX_FIELD_LENGTH:
        return invalid(f"{len(text)} characters is no phone number")
    if _LETTER.search(_EXTENSION.sub("", text)):
        return invalid("letters in a phone number")
    digits = "".join(ch for ch in text if ch.isdigit())
    if is_placeholder(digits):
        return invalid(f"{text} is a placeholder, not a number")
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            return invalid("no country code and no country to read it with")
        return invalid(str(exc.args[0]) if exc.args else "not a phone number")
    if not phonenumbers.is_valid_number(number):
        where = phonenumbers.region_code_for_number(number) or region or "any country"
        return invalid(f"not a valid number in {where}")
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if number.extension:
        e164 = f"{e164};ext={number.extension}"
    return Normalised(e164, kind=_KINDS.get(phonenumbers.number_type(number), "unknown"))


def is_placeholder(digits: str) -> bool:
    """Digits people type to get past a form: one or two digits repeated (``000000000``,
    ``1212121``) or a straight run (``123456789``, ``987654321``)."""
    if len(digits) < 4:
        return False
    different = len(set(digits))
    if different == 1 or (different <= 2 and len(digits) >= 6):
        return True
    runs = len(digits) // 10 + 2
    return digits in "0123456789" * runs or digits in "9876543210" * runs


@dataclass(frozen=True, slots=True)
class _Plan:
    """What reading a region's numbers needs from libphonenumber's metadata."""

    calling_code: str
    international_prefix: re.Pattern[str] | None
    national_prefix: re.Pattern[str] | None
    transform: str | None
    pattern: re.Pattern[str]
    longest: int


@cache
def _plan(region: str) -> _Plan | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.general_desc is None:
        return None
    general = metadata.general_desc
    return _Plan(
        str(metadata.country_code),
        re.compile(metadata.international_prefix) if metadata.international_prefix else None,
        re.compile(metadata.national_prefix_for_parsing)
        if metadata.national_prefix_for_parsing
        else None,
        metadata.national_prefix_transform_rule or None,
        re.compile(general.national_number_pattern or r"\d+"),
        max(general.possible_length or (17,)),
    )


def _viable(plan: _Plan, digits: str) -> bool:
    return plan.pattern.fullmatch(digits) is not None


def _national(plan: _Plan, digits: str) -> str:
    """``digits`` without the region's national (trunk) prefix, as libphonenumber reads it:
    stripped (or transformed) only when that does not turn a viable number into one that
    is not."""
    found = plan.national_prefix.match(digits) if plan.national_prefix else None
    if not found:
        return digits
    groups = found.groups()
    if plan.transform and groups and groups[-1] is not None:
        stripped = found.expand(plan.transform) + digits[found.end() :]
    else:
        stripped = digits[found.end() :]
    if _viable(plan, digits) and not _viable(plan, stripped):
        return digits
    return stripped


def calling_code(digits: str) -> str | None:
    """The country calling code ``digits`` (of a number written with one) start with."""
    for size in (1, 2, 3):
        if (
            digits[:size].isdigit()
            and int(digits[:size]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE
        ):
            return digits[:size]
    return None


@lru_cache(maxsize=1_000_000)
def e164_digits(digits: str, international: bool, region: str | None) -> str | None:
    """The E.164 form (``+34612345678``) of a number given as its digits, whether it was
    written with a ``+``, and the region that reads it otherwise: what
    :func:`normalise_phone` would give a valid number, read the way libphonenumber reads it
    (international prefix, country code with or without ``+``, national prefix) but without
    judging whether the number exists, at a few microseconds instead of a few hundred.
    None when no country code can be found."""
    plan = _plan(region) if region else None
    if not international and plan is not None and plan.international_prefix is not None:
        found = plan.international_prefix.match(digits)
        if found and not digits[found.end() :].startswith("0"):
            digits, international = digits[found.end() :], True
    elif not international and plan is None and _without_00(digits):
        digits, international = digits[2:], True
    if international:
        code = calling_code(digits)
        if code is None:
            return None
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[int(code)]
        own = _plan(regions[0])
        national = digits[len(code) :]
        return "+" + code + (_national(own, national) if own else national)
    if plan is None:
        return None
    code = plan.calling_code
    if digits.startswith(code):
        rest = _national(plan, digits[len(code) :])
        if (not _viable(plan, digits) and _viable(plan, rest)) or len(digits) > plan.longest:
            return "+" + code + rest
    return "+" + code + _national(plan, digits)


def calling_region(digits: str, international: bool) -> str | None:
    """The region of a number written with its country code: after a ``+``
    (``international``) or after ``00``, the international prefix of most of the world.
    None for a number written without one, or a code of no single region."""
    if not international:
        if not _without_00(digits):
            return None
        digits = digits[2:]
    code = calling_code(digits)
    region = phonenumbers.region_code_for_country_code(int(code)) if code else None
    return region if region not in (None, "ZZ", "001") else None


def _without_00(digits: str) -> bool:
    return digits.startswith("00") and digits[2:3] not in ("", "0")
