"""Plausible phone numbers per country, and the many ways people write the same number.

A number is its national significant digits plus a *kind* (``mobile``, or ``land<N>`` for a
landline whose area code has N digits); the kind selects the templates that write it. In a
template ``#`` is one digit of the number, everything else is typed literally.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from sandbox.generator.places import City
from sandbox.generator.util import Weighted


@dataclass(frozen=True, slots=True)
class Plan:
    """How one country's numbers look."""

    mobile_prefixes: tuple[str, ...]  # first digits of a mobile number
    mobile_length: int  # national significant digits of a mobile
    landline_length: int  # national significant digits of a landline (area included)
    first_digits: str  # allowed first digit of the subscriber part of a landline
    templates: dict[str, tuple[tuple[str, float], ...]]  # kind -> templates with weights


PLANS: dict[str, Plan] = {
    "ES": Plan(
        ("6", "6", "6", "71", "72", "73", "74"), 9, 9, "2345678",
        {"mobile": (("### ## ## ##", 20), ("### ### ###", 20), ("#########", 18),
                    ("+34 ### ## ## ##", 14), ("+34 ### ### ###", 10), ("+34#########", 8),
                    ("0034 ### ### ###", 4), ("(+34) #########", 3), ("###-##-##-##", 3)),
         "land2": (("## ### ## ##", 35), ("#########", 25), ("+34 ## ### ## ##", 25),
                   ("+34#########", 10), ("0034 #########", 5)),
         "land3": (("### ## ## ##", 35), ("### ### ###", 15), ("#########", 20),
                   ("+34 ### ## ## ##", 25), ("(+34) ### ## ## ##", 5))},
    ),
    "MX": Plan(
        ("55", "33", "81"), 10, 10, "123456789",
        {"mobile": (("+52 ## #### ####", 25), ("## #### ####", 20), ("##########", 20),
                    ("(##) ####-####", 20), ("+52##########", 15)),
         "land2": (("+52 ## #### ####", 25), ("## #### ####", 25), ("(##) ####-####", 25),
                   ("##########", 25)),
         "land3": (("+52 ### ### ####", 25), ("### ### ####", 25), ("(###) ###-####", 25),
                   ("##########", 25))},
    ),
    "US": Plan(
        ("212", "646", "917", "310", "415", "312", "713", "305", "512", "206", "617", "303",
         "404", "602", "210"), 10, 10, "23456789",
        {kind: (("(###) ###-####", 30), ("###-###-####", 25), ("###.###.####", 8),
                ("+1 ### ### ####", 10), ("+1 (###) ###-####", 8), ("1-###-###-####", 6),
                ("##########", 8), ("+1##########", 5))
         for kind in ("mobile", "land3")},
    ),
    "GB": Plan(
        ("74", "75", "77", "78", "79"), 10, 10, "347",
        {"mobile": (("0#### ######", 40), ("+44 #### ######", 25), ("+44 (0)#### ######", 10),
                    ("0##########", 15), ("+44##########", 10)),
         "land2": (("0## #### ####", 45), ("+44 ## #### ####", 30), ("+44 (0)## #### ####", 10),
                   ("0##########", 15)),
         "land3": (("0### ### ####", 45), ("+44 ### ### ####", 30), ("(0###) ### ####", 10),
                   ("0##########", 15))},
    ),
    "DE": Plan(
        ("151", "152", "157", "160", "162", "170", "171", "172", "173", "175", "176", "177",
         "178", "179"), 11, 10, "2345678",
        {"mobile": (("0### ########", 35), ("+49 ### ########", 25), ("+49 (0)### ########", 10),
                    ("0###-########", 10), ("0###/########", 10), ("+49###########", 10)),
         "land2": (("0## ########", 40), ("+49 ## ########", 30), ("0##/########", 20),
                   ("+49 (0)## ########", 10)),
         "land3": (("0### #######", 40), ("+49 ### #######", 30), ("0###/#######", 20),
                   ("+49 (0)### #######", 10))},
    ),
    "FR": Plan(
        ("60", "61", "62", "64", "65", "66", "67", "68", "73", "75", "76", "77", "78"), 9, 9,
        "12345678",
        {kind: (("0# ## ## ## ##", 45), ("+33 # ## ## ## ##", 25), ("0#########", 10),
                ("+33 (0)# ## ## ## ##", 8), ("0#.##.##.##.##", 7), ("0033 # ## ## ## ##", 5))
         for kind in ("mobile", "land1")},
    ),
    "IT": Plan(
        ("32", "33", "34", "35", "36", "38", "39"), 10, 10, "2345678",
        {"mobile": (("### #######", 30), ("### ### ####", 20), ("+39 ### ### ####", 20),
                    ("+39 ##########", 10), ("###-#######", 10), ("##########", 10)),
         "land2": (("## #### ####", 35), ("+39 ## #### ####", 30), ("##/########", 15),
                   ("##########", 20)),
         "land3": (("### ### ####", 35), ("+39 ### #######", 30), ("###/#######", 15),
                   ("##########", 20))},
    ),
    "NL": Plan(
        ("61", "62", "63", "64", "65"), 9, 9, "2345678",
        {"mobile": (("0# ########", 35), ("0#-########", 20), ("+31 # ########", 25),
                    ("+31 (0)# ########", 10), ("0#########", 10)),
         "land2": (("0## ### ####", 40), ("+31 ## ### ####", 30), ("0##-#######", 20),
                   ("0#########", 10))},
    ),
    "PT": Plan(
        ("91", "92", "93", "96"), 9, 9, "2345678",
        {"mobile": (("### ### ###", 40), ("+351 ### ### ###", 30), ("#########", 20),
                    ("00351 #########", 10)),
         "land2": (("## ### ####", 40), ("+351 ## ### ####", 35), ("#########", 25))},
    ),
    "AR": Plan(
        ("11",), 10, 10, "456",
        {"mobile": (("+54 9 ## ####-####", 35), ("+549##########", 15), ("0## 15-####-####", 30),
                    ("+54 9 ## #### ####", 20)),
         "land2": (("0## ####-####", 35), ("(0##) ####-####", 20), ("+54 ## ####-####", 35),
                   ("+54##########", 10)),
         "land3": (("0### ###-####", 45), ("+54 ### ###-####", 40), ("(0###) ###-####", 15))},
    ),
    "CO": Plan(
        ("300", "301", "304", "310", "311", "312", "313", "315", "316", "317", "318", "320",
         "321"), 10, 10, "2345678",
        {"mobile": (("### #######", 30), ("+57 ### #######", 25), ("+57 ### ### ####", 20),
                    ("##########", 15), ("(###) ### ####", 10)),
         "land3": (("(###) ### ####", 35), ("+57 ### #######", 35), ("### #######", 30))},
    ),
    "CL": Plan(
        ("9",), 9, 9, "2458",
        {"mobile": (("+56 # #### ####", 40), ("# #### ####", 25), ("#########", 15),
                    ("+56#########", 20)),
         "land2": (("+56 ## ### ####", 40), ("(##) ### ####", 30), ("## ### ####", 30))},
    ),
}


#: International calling code per country.
CALLING_CODES = {"ES": "34", "MX": "52", "US": "1", "GB": "44", "DE": "49", "FR": "33",
                 "IT": "39", "NL": "31", "PT": "351", "AR": "54", "CO": "57", "CL": "56"}
#: Countries whose national format starts with a trunk "0" that is not part of the number.
_TRUNK_ZERO = frozenset({"GB", "DE", "FR", "NL", "AR"})


def prefix_digits(phone: str, iso: str) -> int:
    """How many leading digits of ``phone`` are calling code or trunk prefix, not number."""
    text = phone.lstrip("( ")
    if text.startswith("+"):
        return len(CALLING_CODES[iso])
    if text.startswith("00"):
        return 2 + len(CALLING_CODES[iso])
    return 1 if text.startswith("0") and iso in _TRUNK_ZERO else 0


def _compile(templates: tuple[tuple[str, float], ...]) -> Weighted[str]:
    return Weighted([(t.replace("{", "{{").replace("}", "}}").replace("#", "{}"), w)
                     for t, w in templates])


_FORMATS: dict[tuple[str, str], Weighted[str]] = {
    (iso, kind): _compile(templates)
    for iso, plan in PLANS.items() for kind, templates in plan.templates.items()
}


def _digits(rng: Random, n: int) -> str:
    """``n`` random digits (leading zeros kept)."""
    scale = 10 ** n
    return str(scale + int(rng.random() * scale))[1:]


def mobile_number(rng: Random, iso: str) -> tuple[str, str]:
    """A random mobile number of country ``iso``: (kind, national significant digits)."""
    plan = PLANS[iso]
    prefix = plan.mobile_prefixes[int(rng.random() * len(plan.mobile_prefixes))]
    rest = plan.mobile_length - len(prefix)
    if iso == "US":
        return "mobile", prefix + _us_local(rng)
    if iso in ("MX", "AR", "CO", "CL", "IT", "GB", "NL", "DE"):
        first = plan.first_digits[int(rng.random() * len(plan.first_digits))]
        return "mobile", prefix + first + _digits(rng, rest - 1)
    return "mobile", prefix + _digits(rng, rest)


def landline_number(rng: Random, iso: str, city: City) -> tuple[str, str]:
    """A random landline of ``city``: (kind, national significant digits)."""
    plan = PLANS[iso]
    if iso == "US":
        return "land3", city.area + _us_local(rng)
    area = city.area
    rest = plan.landline_length - len(area)
    first = plan.first_digits[int(rng.random() * len(plan.first_digits))]
    return f"land{len(area)}", area + first + _digits(rng, rest - 1)


def _us_local(rng: Random) -> str:
    while True:
        exchange = f"{2 + int(rng.random() * 8)}{_digits(rng, 2)}"
        if exchange != "555" and exchange[1:] != "11":
            return exchange + _digits(rng, 4)


def format_number(rng: Random, iso: str, kind: str, digits: str) -> str:
    """``digits`` written in one of the country's usual formats, chosen at random."""
    return _FORMATS[iso, kind].pick(rng).format(*digits)


def reformat_number(rng: Random, iso: str, kind: str, digits: str, current: str) -> str | None:
    """The same number written differently from ``current`` (None if no format differs)."""
    formats = _FORMATS[iso, kind].items
    others = [f for f in formats if f.format(*digits) != current]
    return others[int(rng.random() * len(others))].format(*digits) if others else None
