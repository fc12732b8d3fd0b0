"""The COQL subset the emulator understands (``POST /crm/v8/coql``): ``select f1, f2 from
Module where … order by … limit offset, count``, parsed into a :class:`Query` whose literals are
already in the store's form (``sandbox.zoho.query`` runs it)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sandbox.zoho.fields import Field, parse_datetime
from sandbox.zoho.settings import ZohoSettings
from sandbox.zoho.store import Store

TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<number>-?\d+(?:\.\d+)?)(?![\w.])
      | (?P<op><=|>=|!=|<>|=|<|>)
      | (?P<punct>[(),;])
      | (?P<word>[A-Za-z_$][\w$.]*)
    )""",
    re.VERBOSE,
)
OWNER_ATTRIBUTES = {"first_name", "last_name", "full_name", "email", "id"}
STRINGISH = frozenset({"text", "email", "phone", "website", "textarea", "picklist"})


class CoqlError(Exception):
    """A query Zoho would refuse with a 400."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


def syntax_error(near: str, clause: str = "where") -> CoqlError:
    return CoqlError(
        "SYNTAX_ERROR", f"error occurred in {clause} clause near {near!r}",
        clause=clause, near=near,
    )


@dataclass(slots=True)
class Token:
    kind: str
    text: str

    @property
    def word(self) -> str:
        return self.text.lower() if self.kind == "word" else ""


@dataclass(slots=True)
class Column:
    """A selectable / filterable column: a field, or a lookup's field (``Account_Name.X``)."""

    name: str
    field: Field | None  # None for ``id``
    target: Field | None = None  # the lookup target's field, for dotted names
    target_module: str | None = None
    owner_attribute: str | None = None

    @property
    def type(self) -> str:
        if self.owner_attribute is not None:
            return "id" if self.owner_attribute == "id" else "text"
        chosen = self.target or self.field
        if chosen is None:
            return "id"
        if chosen.api_name == "Tag" and self.target is None:
            return "multiselectpicklist"  # matched like one: any of the record's tag names
        return "id" if chosen.data_type in ("lookup", "ownerlookup") else chosen.data_type


@dataclass(slots=True)
class Condition:
    column: Column
    op: str  # = != < <= > >= in not_in like not_like is_null not_null
    values: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class Junction:
    op: str  # and / or
    children: list[Node]


Node = Condition | Junction


@dataclass
class Query:
    module: str
    columns: list[Column]
    where: Node | None
    order: list[tuple[Column, bool]]  # (column, descending)
    offset: int
    limit: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        found = TOKEN.match(text, position)
        if found is None or found.end() == position:
            raise syntax_error(text[position:].strip()[:30] or text[-10:], "select")
        kind = found.lastgroup or ""
        tokens.append(Token(kind, found.group(kind)))
        position = found.end()
    return tokens


class Parser:
    """Recursive descent over the tokens of one select query."""

    def __init__(self, text: str, store: Store, settings: ZohoSettings) -> None:
        self.tokens = tokenize(text)
        self.position = 0
        self.store = store
        self.settings = settings
        self.criteria = 0
        self.module = ""

    # --- token helpers ------------------------------------------------------------------------
    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise syntax_error("end of query")
        self.position += 1
        return token

    def accept(self, word: str) -> bool:
        token = self.peek()
        if token is not None and (token.word == word or token.text == word):
            self.position += 1
            return True
        return False

    def expect(self, word: str, clause: str) -> None:
        if not self.accept(word):
            token = self.peek()
            raise syntax_error(token.text if token else "end of query", clause)

    # --- query --------------------------------------------------------------------------------
    def parse(self) -> Query:
        self.expect("select", "select")
        names = [self.take().text]
        while self.accept(","):
            names.append(self.take().text)
        self.expect("from", "select")
        module = self.take().text
        if module not in self.store.schemas:
            raise CoqlError("INVALID_QUERY", "invalid module given", clause="from", value=module)
        self.module = module
        if len(names) > self.settings.max_fields:
            raise CoqlError("LIMIT_EXCEEDED", "select columns limit exceeded",
                            clause="select", limit=self.settings.max_fields)
        columns = [self.column(n, "select") for n in names]
        where = self.expression() if self.accept("where") else None
        if self.criteria > self.settings.coql_max_criteria:
            raise CoqlError("LIMIT_EXCEEDED", "criteria limit exceeded", clause="where",
                            limit=self.settings.coql_max_criteria)
        order = self.order() if self.accept("order") else []
        offset, limit = self.limits() if self.accept("limit") else (0, None)
        self.accept(";")
        if self.peek() is not None:
            raise syntax_error(self.take().text, "limit" if limit else "where")
        return Query(module, columns, where, order, offset,
                     self.settings.coql_default_limit if limit is None else limit)

    def column(self, name: str, clause: str) -> Column:
        schema = self.store.schemas[self.module]
        base, _, attribute = name.partition(".")
        if base == "id" and not attribute:
            return Column("id", None)
        item = schema.fields.get(base)
        if base == "Tag" and attribute in ("", "name") and item is not None:
            return Column(name, item)
        if item is None or item.hidden or (attribute and item.data_type not in
                                           ("lookup", "ownerlookup")):
            raise CoqlError("INVALID_QUERY", "column given seems to be invalid",
                            clause=clause, column_name=name)
        if not attribute:
            return Column(name, item)
        if item.data_type == "ownerlookup":
            if attribute not in OWNER_ATTRIBUTES:
                raise CoqlError("INVALID_QUERY", "column given seems to be invalid",
                                clause=clause, column_name=name)
            return Column(name, item, owner_attribute=attribute)
        target_module = item.lookup_modules[0]
        if attribute == "id":
            return Column(name, item)
        target = self.store.schemas[target_module].fields.get(attribute)
        if target is None or target.hidden:
            raise CoqlError("INVALID_QUERY", "column given seems to be invalid",
                            clause=clause, column_name=name)
        return Column(name, item, target, target_module)

    # --- where ----------------------------------------------------------------------------
    def expression(self) -> Node:
        operands = [self.operand()]
        operators: list[str] = []
        while (token := self.peek()) is not None and token.word in ("and", "or"):
            operators.append(self.take().word)
            operands.append(self.operand())
        if len(operands) > 2 and self.settings.coql_require_paired_criteria:
            raise CoqlError(
                "SYNTAX_ERROR",
                "more than two criteria must be grouped in brackets",
                clause="where", near=operators[1],
            )
        groups: list[list[Node]] = [[operands[0]]]
        for operator, operand in zip(operators, operands[1:], strict=True):
            if operator == "and":
                groups[-1].append(operand)
            else:
                groups.append([operand])
        ands: list[Node] = [g[0] if len(g) == 1 else Junction("and", g) for g in groups]
        return ands[0] if len(ands) == 1 else Junction("or", ands)

    def operand(self) -> Node:
        if self.accept("("):
            node = self.expression()
            self.expect(")", "where")
            return node
        return self.condition()

    def condition(self) -> Condition:
        token = self.take()
        if token.kind != "word":
            raise syntax_error(token.text)
        column = self.column(token.text, "where")
        self.criteria += 1
        following = self.take()
        if following.kind == "op":
            op = "!=" if following.text == "<>" else following.text
            return Condition(column, op, [self.value(column)])
        negated = following.word == "not"
        if negated:
            following = self.take()
        if following.word == "in":
            self.expect("(", "where")
            values = [self.value(column)]
            while self.accept(","):
                values.append(self.value(column))
            self.expect(")", "where")
            return Condition(column, "not_in" if negated else "in", values)
        if following.word == "like":
            pattern = self.take()
            if pattern.kind != "string":
                raise syntax_error(pattern.text)
            return Condition(column, "not_like" if negated else "like", [like(unquote(pattern))])
        if following.word == "between" and not negated:
            low = self.value(column)
            self.expect("and", "where")
            return Condition(column, "between", [low, self.value(column)])
        if following.word == "is" and not negated:
            is_not = self.accept("not")
            self.expect("null", "where")
            return Condition(column, "not_null" if is_not else "is_null")
        raise syntax_error(following.text)

    def value(self, column: Column) -> Any:
        token = self.take()
        if token.kind not in ("string", "number", "word"):
            raise syntax_error(token.text)
        raw = unquote(token) if token.kind == "string" else token.text
        try:
            return literal(column.type, raw, token.kind)
        except ValueError:
            raise CoqlError("INVALID_QUERY", "invalid value given for the column", clause="where",
                            column_name=column.name, value=raw) from None

    # --- order, limit -----------------------------------------------------------------------
    def order(self) -> list[tuple[Column, bool]]:
        self.expect("by", "order by")
        order = []
        while True:
            column = self.column(self.take().text, "order by")
            descending = False
            if self.accept("desc"):
                descending = True
            else:
                self.accept("asc")
            order.append((column, descending))
            if not self.accept(","):
                return order

    def limits(self) -> tuple[int, int]:
        first = self.integer()
        if self.accept(","):
            offset, limit = first, self.integer()
        elif self.accept("offset"):
            offset, limit = self.integer(), first
        else:
            offset, limit = 0, first
        if limit < 1 or limit > self.settings.coql_max_limit:
            raise CoqlError("LIMIT_EXCEEDED", "limit exceeded", clause="limit",
                            limit=self.settings.coql_max_limit)
        if offset + limit > self.settings.coql_offset_ceiling:
            raise CoqlError("LIMIT_EXCEEDED", "offset limit exceeded", clause="limit",
                            limit=self.settings.coql_offset_ceiling)
        return offset, limit

    def integer(self) -> int:
        token = self.take()
        if token.kind != "number" or not token.text.isdigit():
            raise syntax_error(token.text, "limit")
        return int(token.text)


def unquote(token: Token) -> str:
    return token.text[1:-1].replace("''", "'")


def like(pattern: str) -> re.Pattern[str]:
    parts = (re.escape(p) for p in pattern.split("%"))
    return re.compile(".*".join(parts), re.IGNORECASE | re.DOTALL)


def literal(kind: str, raw: str, token_kind: str) -> Any:
    """The stored form of a query literal for a column of that type."""
    if raw.lower() == "null" and token_kind == "word":
        return None
    if kind == "id":
        return int(raw)
    if kind == "datetime":
        return parse_datetime(raw)
    if kind == "date":
        date.fromisoformat(raw)
        return raw
    if kind == "integer":
        return int(raw)
    if kind in ("double", "currency"):
        return float(raw)
    if kind == "boolean":
        if raw.lower() not in ("true", "false"):
            raise ValueError(raw)
        return raw.lower() == "true"
    if token_kind == "number":
        return raw
    if token_kind != "string":
        raise ValueError(raw)
    return raw.casefold()
