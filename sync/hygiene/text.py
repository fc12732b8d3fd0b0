"""What every normaliser shares: the result type, findings, and text helpers.

A normaliser is a small pure function: a raw value in, a :class:`Normalised` out (the value to
keep and, when something is wrong, a :class:`Finding` that says what). Normalisers never raise
on bad input (None, numbers, absurd lengths, emoji, mixed scripts…) and are idempotent:
normalising a normalised value changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: Longer text than this in a name, e-mail, phone or place field is taken as garbage.
MAX_FIELD_LENGTH = 255

_SPACES = re.compile(r"\s+")
_EMOJI_CATEGORIES = frozenset({"So", "Cs", "Co", "Cn"})


@dataclass(frozen=True, slots=True)
class Finding:
    """Something wrong with one value: a stable ``code`` (``invalid_email``…), a sentence for
    people, and a suggested fix when there is an obvious one."""

    code: str
    message: str
    suggestion: str | None = None

    def as_dict(self) -> dict[str, str]:
        out = {"code": self.code, "message": self.message}
        if self.suggestion is not None:
            out["suggestion"] = self.suggestion
        return out


@dataclass(frozen=True, slots=True)
class Normalised(Generic[T]):
    """A normaliser's answer: the value to keep (``None`` for no value), the finding if the
    value is wrong or suspicious, and a ``kind`` where the normaliser classifies the value
    (``mobile`` / ``landline`` for phones)."""

    value: T | None
    finding: Finding | None = None
    kind: str | None = None

    @property
    def ok(self) -> bool:
        return self.finding is None


def as_text(value: Any) -> str | None:
    """Any raw value as stripped text with single spaces (NFC), or None when blank.

    Numbers become their text (a number where text belongs is the caller's finding)."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
    return text or None


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case ``text`` without accents or other marks (``Núñez`` → ``nunez``), for
    matching only, never for display."""
    folded = unicodedata.normalize("NFKD", text).casefold()
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


#: Scripts that one language writes together (Japanese mixes kanji and kana).
_SCRIPT_FAMILY = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HANGUL": "CJK"}


def scripts(text: str) -> set[str]:
    """The writing systems of the letters in ``text`` (``LATIN``, ``CYRILLIC``, ``CJK``…)."""
    found = set()
    for ch in text:
        if ch.isalpha():
            script = unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]
            if script != "MODIFIER":
                found.add(_SCRIPT_FAMILY.get(script, script))
    return found


def has_symbols(text: str) -> bool:
    """Emoji, pictographs, private-use or unassigned characters."""
    return any(unicodedata.category(ch) in _EMOJI_CATEGORIES for ch in text)


def text_finding(field: str, text: str, *, letters_expected: bool = True) -> Finding | None:
    """A finding for text that cannot be a real value of ``field``: absurdly long, emoji,
    letters of several scripts mixed (a look-alike letter pasted in), or, where letters are
    expected, digits."""
    if len(text) > MAX_FIELD_LENGTH:
        return Finding(f"suspicious_{field}", f"{field} is {len(text)} characters long")
    if has_symbols(text):
        return Finding(f"suspicious_{field}", f"{field} contains emoji or symbols")
    mixed = scripts(text)
    if len(mixed) > 1:
        return Finding(f"suspicious_{field}", f"{field} mixes scripts ({', '.join(sorted(mixed))})")
    if letters_expected and any(ch.isdigit() for ch in text):
        return Finding(f"suspicious_{field}", f"{field} contains digits")
    return None
