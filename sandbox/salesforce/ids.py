"""Salesforce record ids: 15 case-sensitive characters (key prefix, pod, a base-62 counter) plus
the 3-character case-safe suffix of the 18-character form.

Ids are deterministic: the n-th record of a key prefix always gets the same id, and for one
prefix the ids sort in creation order (the base-62 alphabet below is in ASCII order).
"""

from __future__ import annotations

from collections import defaultdict

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
POD = "8d0"  # two instance characters and the reserved one, as in 0038d00000AbCdE

#: key prefixes of the objects the emulator knows (plus the non-record ids it hands out)
KEY_PREFIXES = {
    "Account": "001",
    "Contact": "003",
    "User": "005",
    "Opportunity": "006",
    "OpportunityContactRole": "00K",
    "Task": "00T",
    "PermissionSet": "0PS",
    "FieldPermissions": "01k",
}
ORG_PREFIX = "00D"
CUSTOM_FIELD_PREFIX = "00N"
QUERY_LOCATOR_PREFIX = "01g"

_PAIRS = [first + second for first in BASE62 for second in BASE62]  # base-62 digit pairs
#: upper-case bits a digit pair contributes as the last two characters of a 5-character chunk
_PAIR_BITS = [(first.isupper() << 3) | (second.isupper() << 4) for first in BASE62
              for second in BASE62]


_UPPER_BITS = str.maketrans(
    {**{chr(c): "1" for c in range(ord("A"), ord("Z") + 1)},
     **{c: "0" for c in "0123456789abcdefghijklmnopqrstuvwxyz"}}
)


def case_safe_suffix(id15: str) -> str:
    """The 3 characters that make a 15-character id unique case-insensitively: per 5-character
    chunk, the bit pattern of its upper-case letters (first character = lowest bit)."""
    bits = id15.translate(_UPPER_BITS)
    return (
        SUFFIX_ALPHABET[int(bits[4::-1], 2)]
        + SUFFIX_ALPHABET[int(bits[9:4:-1], 2)]
        + SUFFIX_ALPHABET[int(bits[14:9:-1], 2)]
    )


def make_id(prefix: str, number: int) -> str:
    """The 18-character id of the ``number``-th record with this key prefix."""
    rest, d4 = divmod(number, 3844)
    rest, d3 = divmod(rest, 3844)
    rest, d2 = divmod(rest, 3844)
    d0, d1 = divmod(rest, 3844)
    id15 = prefix + POD + BASE62[d0] + _PAIRS[d1] + _PAIRS[d2] + _PAIRS[d3] + _PAIRS[d4]
    return id15 + case_safe_suffix(id15)


def normalize_id(text: str) -> str | None:
    """The 18-character form of a 15- or 18-character id, or None when it is malformed."""
    if not text.isascii() or not text.isalnum():
        return None
    if len(text) == 15:
        return text + case_safe_suffix(text)
    if len(text) == 18 and case_safe_suffix(text[:15]) == text[15:].upper():
        return text[:15] + text[15:].upper()
    return None


class IdFactory:
    """Hands out the next id per key prefix. Consecutive ids differ in their last two base-62
    digits only (3,844 of them per block), so each block's common part is computed once."""

    def __init__(self) -> None:
        self._counters: defaultdict[str, int] = defaultdict(int)
        self._blocks: dict[str, tuple[int, str, str, int]] = {}

    def next(self, prefix: str) -> str:
        number = self._counters[prefix] + 1
        self._counters[prefix] = number
        block, low = divmod(number, 3844)
        cached = self._blocks.get(prefix)
        if cached is None or cached[0] != block:
            first = make_id(prefix, block * 3844)
            bits = first[10:13].translate(_UPPER_BITS)[::-1]
            cached = self._blocks[prefix] = (block, first[:13], first[15:17], int(bits, 2))
        _, head, suffix, high_bits = cached
        return head + _PAIRS[low] + suffix + SUFFIX_ALPHABET[high_bits | _PAIR_BITS[low]]
