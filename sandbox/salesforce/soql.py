"""SOQL syntax: the subset a connector needs, parsed into a small tree.

``SELECT f1, Rel.f2 | COUNT() FROM Obj [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST],
...] [LIMIT n] [OFFSET n]`` where a condition is comparisons (``= != <> < <= > >=``), ``[NOT] IN
(...)``, ``LIKE``, ``INCLUDES``/``EXCLUDES`` (multi-select picklists), ``NOT``, parentheses, and
``AND``/``OR`` chains — mixing the two without parentheses is an error, as in Salesforce.
Literals: quoted strings with backslash escapes, numbers, ``true``/``false``/``null``, unquoted
dates and datetimes. Names are resolved later, against the schema (see ``query.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sandbox.salesforce.errors import malformed_query
from sandbox.salesforce.values import canonical_date, canonical_datetime

_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<string>'(?:[^'\\]|\\.)*')
    |(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
    |(?P<date>\d{4}-\d{2}-\d{2}(?![\w:]))
    |(?P<number>\d+(?:\.\d+)?(?![\w.]))
    |(?P<op>!=|<>|<=|>=|=|<|>)
    |(?P<punct>[(),-])
    |(?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)""",
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}
KEYWORDS = frozenset((
    "select", "from", "where", "and", "or", "not", "in", "like", "includes", "excludes", "order",
    "by", "asc", "desc", "nulls", "first", "last", "limit", "offset", "true", "false", "null",
))


@dataclass(slots=True)
class Token:
    kind: str  # string, datetime, date, number, op, punct, name, end
    text: str
    column: int

    def word(self) -> str:
        """The lower-cased text of a name token (keywords compare case-insensitively)."""
        return self.text.lower() if self.kind == "name" else ""


@dataclass(slots=True)
class Literal:
    kind: str  # string, number, boolean, null, date, datetime
    value: Any


@dataclass(slots=True)
class Comparison:
    field: str
    op: str  # = != < <= > >=
    literal: Literal


@dataclass(slots=True)
class Membership:
    field: str
    literals: list[Literal]
    negated: bool = False  # NOT IN
    multiselect: bool = False  # INCLUDES / EXCLUDES


@dataclass(slots=True)
class Like:
    field: str
    pattern: re.Pattern[str]


@dataclass(slots=True)
class Junction:
    op: str  # and / or
    items: list[Condition]


@dataclass(slots=True)
class Negation:
    item: Condition


Condition = Comparison | Membership | Like | Junction | Negation


@dataclass(slots=True)
class OrderItem:
    field: str
    descending: bool = False
    nulls_first: bool = True


@dataclass(slots=True)
class Query:
    sobject: str
    fields: list[str] = field(default_factory=list)
    count: bool = False
    where: Condition | None = None
    order: list[OrderItem] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0


def tokenize(soql: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(soql):
        found = _TOKEN.match(soql, position)
        if found is None:
            raise _unexpected(soql, position, soql[position:].split()[0])
        kind = found.lastgroup or ""
        if kind != "space":
            tokens.append(Token(kind, found.group(), position))
        position = found.end()
    tokens.append(Token("end", "<EOF>", len(soql)))
    return tokens


def _unexpected(soql: str, column: int, text: str) -> Exception:
    return malformed_query(
        f"{soql}\n{' ' * column}^\nERROR at Row:1:Column:{column + 1}\nunexpected token: '{text}'"
    )


def unescape(quoted: str, *, like: bool = False) -> list[tuple[str, bool]]:
    """Characters of a quoted literal, each with whether it was escaped; in LIKE patterns
    ``\\%`` and ``\\_`` stand for a literal ``%`` and ``_``."""
    chars: list[tuple[str, bool]] = []
    body = iter(quoted[1:-1])
    for char in body:
        if char != "\\":
            chars.append((char, False))
            continue
        escaped = next(body)
        if escaped in _ESCAPES:
            chars.append((_ESCAPES[escaped], True))
        elif like and escaped in "%_":
            chars.append((escaped, True))
        else:
            raise malformed_query(f"Invalid string literal '{quoted}'. Illegal escape sequence")
    return chars


def like_pattern(quoted: str) -> re.Pattern[str]:
    """The regular expression of a LIKE pattern (case-insensitive, ``%`` any, ``_`` one)."""
    parts = []
    for char, escaped in unescape(quoted, like=True):
        if not escaped and char == "%":
            parts.append(".*")
        elif not escaped and char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


class _Parser:
    def __init__(self, soql: str) -> None:
        self.soql = soql
        self.tokens = tokenize(soql)
        self.position = 0

    # --- token helpers -----------------------------------------------------------------
    @property
    def token(self) -> Token:
        return self.tokens[self.position]

    def advance(self) -> Token:
        token = self.token
        self.position += 1
        return token

    def fail(self, token: Token | None = None) -> Exception:
        token = token or self.token
        return _unexpected(self.soql, token.column, token.text)

    def accept(self, *words: str) -> bool:
        """Consume the keywords if they come next."""
        for offset, word in enumerate(words):
            if self.tokens[min(self.position + offset, len(self.tokens) - 1)].word() != word:
                return False
        self.position += len(words)
        return True

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            raise self.fail()

    def punct(self, text: str) -> bool:
        if self.token.kind == "punct" and self.token.text == text:
            self.position += 1
            return True
        return False

    def expect_punct(self, text: str) -> None:
        if not self.punct(text):
            raise self.fail()

    def name(self) -> str:
        token = self.token
        if token.kind != "name" or token.word() in KEYWORDS:
            raise self.fail()
        self.position += 1
        return token.text

    def integer(self) -> int:
        token = self.advance()
        if token.kind != "number" or not token.text.isdigit():
            raise self.fail(token)
        return int(token.text)

    # --- grammar -----------------------------------------------------------------------
    def query(self) -> Query:
        self.expect("select")
        fields: list[str] = []
        count = False
        if self.token.word() == "count" and self.tokens[self.position + 1].text == "(":
            self.position += 1
            self.expect_punct("(")
            self.expect_punct(")")
            count = True
        else:
            fields.append(self.name())
            while self.punct(","):
                fields.append(self.name())
        self.expect("from")
        query = Query(self.name(), fields, count)
        if self.accept("where"):
            query.where = self.condition()
        if self.accept("order", "by"):
            query.order.append(self.order_item())
            while self.punct(","):
                query.order.append(self.order_item())
        if self.accept("limit"):
            query.limit = self.integer()
        if self.accept("offset"):
            query.offset = self.integer()
        if self.token.kind != "end":
            raise self.fail()
        return query

    def order_item(self) -> OrderItem:
        item = OrderItem(self.name())
        if self.accept("desc"):
            item.descending = True
        else:
            self.accept("asc")
        item.nulls_first = not item.descending
        if self.accept("nulls", "first"):
            item.nulls_first = True
        elif self.accept("nulls", "last"):
            item.nulls_first = False
        return item

    def condition(self) -> Condition:
        items = [self.unary()]
        joiner = ""
        while self.token.word() in ("and", "or"):
            if joiner and self.token.word() != joiner:
                raise self.fail()  # AND and OR mixed without parentheses
            joiner = self.advance().word()
            items.append(self.unary())
        return Junction(joiner, items) if joiner else items[0]

    def unary(self) -> Condition:
        if self.accept("not"):
            return Negation(self.unary())
        if self.punct("("):
            inner = self.condition()
            self.expect_punct(")")
            return inner
        return self.predicate()

    def predicate(self) -> Condition:
        field_name = self.name()
        token = self.token
        if token.kind == "op":
            self.position += 1
            op = {"<>": "!="}.get(token.text, token.text)
            return Comparison(field_name, op, self.literal())
        if self.accept("like"):
            pattern = self.advance()
            if pattern.kind != "string":
                raise self.fail(pattern)
            return Like(field_name, like_pattern(pattern.text))
        negated = self.accept("not")
        if self.accept("in"):
            return Membership(field_name, self.literal_list(), negated)
        if not negated and token.word() in ("includes", "excludes"):
            self.position += 1
            return Membership(field_name, self.literal_list(), token.word() == "excludes", True)
        raise self.fail()

    def literal_list(self) -> list[Literal]:
        self.expect_punct("(")
        literals = [self.literal()]
        while self.punct(","):
            literals.append(self.literal())
        self.expect_punct(")")
        return literals

    def literal(self) -> Literal:
        token = self.advance()
        if token.kind == "string":
            return Literal("string", "".join(c for c, _ in unescape(token.text)))
        if token.kind == "punct" and token.text == "-" and self.token.kind == "number":
            return Literal("number", -float(self.advance().text))
        if token.kind == "number":
            return Literal("number", float(token.text))
        if token.kind == "datetime":
            moment = canonical_datetime(token.text, offset_required=True)
            if moment is None:
                raise self.fail(token)
            return Literal("datetime", moment)
        if token.kind == "date" and canonical_date(token.text):
            return Literal("date", token.text)
        if token.word() in ("true", "false"):
            return Literal("boolean", token.word() == "true")
        if token.word() == "null":
            return Literal("null", None)
        raise self.fail(token)


def parse(soql: str) -> Query:
    """The syntax tree of a SOQL text; raises MALFORMED_QUERY."""
    if not soql.strip():
        raise malformed_query("SOQL statements cannot be empty or null")
    return _Parser(soql).query()
