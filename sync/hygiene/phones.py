"""Phone numbers with ``phonenumbers`` (Google's libphonenumber): E.164, mobile or landline,
and a finding for numbers that cannot be real (too short, letters, placeholders)."""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
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
    if (len(set(digits)) <= 2 and len(digits) >= 6) or len(set(digits)) == 1:
        return True
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(digits)}
    return len(steps) == 1 and steps <= {1, 9}
