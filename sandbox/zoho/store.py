"""Records of the emulated Zoho org: compact row tuples per module, sorted indexes on id,
(Created_Time, id) and (Modified_Time, id), lazy value indexes, tags, users, contact roles,
deleted records, and the rendering of rows as Zoho JSON."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sandbox.zoho.fields import Field, ModuleSchema, build_schemas, cell, to_epoch, trim
from sandbox.zoho.index import SortedInts, time_key
from sandbox.zoho.settings import ZohoSettings

#: Zoho ids are 19-digit numbers: an org prefix then a sequence.
ORG_ID_BASE = 5_725_767 * 10**12
FIRST_SEQUENCE = 1_000_001
#: The tag colours Zoho allows (tags.json ``color_code`` enum).
TAG_COLORS = (
    "#57B1FD", "#879BFC", "#658BA8", "#FD87BD", "#969696", "#F48435", "#1DB9B4",
    "#E7A826", "#63C57E", "#F17574", "#D297EE", "#A8C026", "#B88562",
)
CONTACT_ROLE_NAMES = (
    "Economic Decision Maker", "Purchasing", "Evaluator", "Technical Buyer",
    "Executive Sponsor", "Influencer", "Developer/Evaluator", "Product Management", "Other",
)
MODULES = ("Contacts", "Accounts", "Deals", "Tasks")


@dataclass(slots=True)
class User:
    """A CRM user (record owner)."""

    id: int
    first_name: str
    last_name: str
    email: str
    admin: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(slots=True)
class Tag:
    """A module's tag."""

    id: int
    name: str
    color_code: str
    created_time: int

    def brief(self) -> dict[str, str]:
        return {"name": self.name, "id": str(self.id), "color_code": self.color_code}


@dataclass(slots=True)
class Deletion:
    """A deleted record: what ``/deleted`` lists and what ``dump`` still shows."""

    id: int
    display_name: str | None
    deleted_by: int
    created_by: int | None
    deleted_time: int
    row: tuple[Any, ...]
    tags: tuple[int, ...]


class Table:
    """The live records of one module."""

    def __init__(self, schema: ModuleSchema) -> None:
        self.schema = schema
        self.rows: dict[int, tuple[Any, ...]] = {}
        self.tags: dict[int, tuple[int, ...]] = {}
        self.deleted: dict[int, Deletion] = {}
        self.by_id = SortedInts()
        self.by_modified = SortedInts()
        self._by_created: SortedInts | None = None
        self.created_slot = schema.slot("Created_Time")
        self.modified_slot = schema.slot("Modified_Time")
        self._indexes: dict[int, dict[Any, list[int]]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def load(self, records: Iterable[tuple[int, tuple[Any, ...]]]) -> None:
        """Bulk load into an empty table (indexes built once, sorted)."""
        self.rows.update(records)
        modified = self.modified_slot
        self.by_id = SortedInts(self.rows)
        self.by_modified = SortedInts(time_key(r[modified], i) for i, r in self.rows.items())

    @property
    def by_created(self) -> SortedInts:
        """(Created_Time, id) keys: built on first use (few clients sort by it), then kept."""
        if self._by_created is None:
            created = self.created_slot
            self._by_created = SortedInts(
                time_key(r[created], i) for i, r in self.rows.items())
        return self._by_created

    def created_key(self, record_id: int, row: tuple[Any, ...]) -> int:
        return time_key(row[self.created_slot], record_id)

    def modified_key(self, record_id: int, row: tuple[Any, ...]) -> int:
        return time_key(row[self.modified_slot], record_id)

    def put(self, record_id: int, row: tuple[Any, ...]) -> None:
        """Insert or replace a row, keeping every index current."""
        old = self.rows.get(record_id)
        if old is None:
            self.by_id.add(record_id)
            if self._by_created is not None:
                self._by_created.add(self.created_key(record_id, row))
        else:
            self.by_modified.remove(self.modified_key(record_id, old))
            self._unindex(record_id, old)
        self.by_modified.add(self.modified_key(record_id, row))
        self.rows[record_id] = row
        for slot, index in self._indexes.items():
            key = index_key(cell(row, slot))
            if key is not None:
                index.setdefault(key, []).append(record_id)

    def remove(self, record_id: int) -> tuple[Any, ...]:
        """Take a row out of the table and its indexes."""
        row = self.rows.pop(record_id)
        self.by_id.remove(record_id)
        if self._by_created is not None:
            self._by_created.remove(self.created_key(record_id, row))
        self.by_modified.remove(self.modified_key(record_id, row))
        self._unindex(record_id, row)
        return row

    def _unindex(self, record_id: int, row: tuple[Any, ...]) -> None:
        for slot, index in self._indexes.items():
            key = index_key(cell(row, slot))
            ids = index.get(key) if key is not None else None
            if ids is not None:
                ids.remove(record_id)
                if not ids:
                    del index[key]

    def find(self, api_name: str, value: Any) -> list[int]:
        """Ids of the records whose field equals ``value`` (strings case-insensitively),
        through a value index built on first use and maintained on writes."""
        slot = self.schema.slot(api_name)
        index = self._indexes.get(slot)
        if index is None:
            index = {}
            for record_id, row in self.rows.items():
                key = index_key(cell(row, slot))
                if key is not None:
                    index.setdefault(key, []).append(record_id)
            self._indexes[slot] = index
        key = index_key(value)
        return list(index.get(key, ())) if key is not None else []


def index_key(value: Any) -> Any:
    """The value-index key of a stored value (None: not indexed)."""
    if isinstance(value, str):
        return value.casefold()
    if value is None or isinstance(value, tuple):
        return None
    return value


class TagBook:
    """The tags of one module."""

    def __init__(self) -> None:
        self.by_id: dict[int, Tag] = {}
        self.by_name: dict[str, Tag] = {}

    def named(self, name: str) -> Tag | None:
        return self.by_name.get(name.casefold())

    def add(self, tag: Tag) -> Tag:
        self.by_id[tag.id] = tag
        self.by_name[tag.name.casefold()] = tag
        return tag


@dataclass
class ContactRole:
    id: int
    name: str
    sequence_number: int


@dataclass
class Store:
    """Everything the org holds."""

    settings: ZohoSettings
    schemas: dict[str, ModuleSchema] = field(default_factory=build_schemas)
    users: dict[int, User] = field(default_factory=dict)
    roles: dict[int, ContactRole] = field(default_factory=dict)
    #: deal id -> contact id -> contact role id
    contact_roles: dict[int, dict[int, int]] = field(default_factory=dict)
    sequence: int = FIRST_SEQUENCE

    def __post_init__(self) -> None:
        self.tables = {name: Table(schema) for name, schema in self.schemas.items()}
        self.tagbooks = {name: TagBook() for name in self.schemas}
        offset = timedelta(minutes=self.settings.org_utc_offset_minutes)
        self.offset_seconds = int(offset.total_seconds())
        self.offset_suffix = datetime(2000, 1, 1, tzinfo=timezone(offset)).isoformat()[19:]
        for fields in self.schemas.values():
            for item in fields.fields.values():
                item.id = self.new_id()
        admin = User(self.new_id(), "Sandbox", "Admin", "admin@sandbox.zoho.example", admin=True)
        self.api_user = self.add_user(admin)
        for number, name in enumerate(CONTACT_ROLE_NAMES, 1):
            role = ContactRole(self.new_id(), name, number)
            self.roles[role.id] = role

    # --- ids, time, users, tags -----------------------------------------------------------
    def new_id(self) -> int:
        """The next 19-digit id of the org (deterministic: a plain sequence)."""
        self.sequence += 1
        return ORG_ID_BASE + self.sequence

    def now(self) -> int:
        return to_epoch(self.settings.clock())

    def format_time(self, seconds: int) -> str:
        """``2019-07-25T15:26:49+05:30`` in the org's offset."""
        moment = time.gmtime(seconds + self.offset_seconds)
        return time.strftime("%Y-%m-%dT%H:%M:%S", moment) + self.offset_suffix

    def add_user(self, user: User) -> int:
        self.users[user.id] = user
        return user.id

    def tag(self, module: str, name: str) -> Tag:
        """The module's tag of that name, created (with the next colour) when new."""
        book = self.tagbooks[module]
        existing = book.named(name)
        if existing is not None:
            return existing
        color = TAG_COLORS[len(book.by_id) % len(TAG_COLORS)]
        return book.add(Tag(self.new_id(), name, color, self.now()))

    def role_named(self, name: str) -> ContactRole | None:
        return next((r for r in self.roles.values() if r.name.casefold() == name.casefold()), None)

    # --- lookups and names ----------------------------------------------------------------
    def module_of(self, record_id: int, candidates: Iterable[str] = MODULES) -> str | None:
        """The module holding a live record with that id."""
        return next((m for m in candidates if record_id in self.tables[m].rows), None)

    def display_name(self, module: str, row: tuple[Any, ...]) -> str | None:
        schema = self.schemas[module]
        if module == "Contacts":
            first = cell(row, schema.slot("First_Name"))
            last = cell(row, schema.slot("Last_Name"))
            return " ".join(p for p in (first, last) if p) or None
        value = cell(row, schema.slot(schema.name_field))
        return value if isinstance(value, str) else None

    def user_brief(self, user_id: int | None, *, email: bool = False) -> dict[str, Any] | None:
        user = self.users.get(user_id) if user_id is not None else None
        if user is None:
            return None
        brief: dict[str, Any] = {"name": user.full_name, "id": str(user.id)}
        if email:
            brief["email"] = user.email
        return brief

    def _lookup(self, item: Field, target: int) -> dict[str, Any] | None:
        module = self.module_of(target, item.lookup_modules)
        if module is None:
            return None
        return {"name": self.display_name(module, self.tables[module].rows[target]),
                "id": str(target)}

    # --- rendering --------------------------------------------------------------------------
    def json_value(self, module: str, item: Field, value: Any) -> Any:
        """The API's JSON for a stored value."""
        if value is None:
            return None
        kind = item.data_type
        if kind == "datetime":
            return self.format_time(value)
        if kind == "lookup":
            return self._lookup(item, value)
        if kind == "ownerlookup":
            return self.user_brief(value, email=item.api_name == "Owner")
        if kind == "multiselectpicklist":
            return list(value)
        return value

    def tag_list(self, module: str, tag_ids: Iterable[int]) -> list[dict[str, str]]:
        book = self.tagbooks[module].by_id
        return [book[t].brief() for t in tag_ids]

    def render(
        self,
        module: str,
        record_id: int,
        row: tuple[Any, ...],
        names: Iterable[str] | None = None,
        *,
        tags: tuple[int, ...] | None = None,
        skip_empty: bool = False,
    ) -> dict[str, Any]:
        """A record as Get Records returns it: ``id`` plus the named fields (all when None)."""
        return Renderer(self, module, names, skip_empty=skip_empty)(record_id, row, tags)

    def write_details(self, module: str, record_id: int) -> dict[str, Any]:
        """The ``details`` of a successful write."""
        schema = self.schemas[module]
        row = self.tables[module].rows[record_id]
        return {
            "Modified_Time": self.format_time(row[schema.slot("Modified_Time")]),
            "Modified_By": self.user_brief(cell(row, schema.slot("Modified_By"))),
            "Created_Time": self.format_time(row[schema.slot("Created_Time")]),
            "id": str(record_id),
            "Created_By": self.user_brief(cell(row, schema.slot("Created_By"))),
        }

    # --- changes ----------------------------------------------------------------------------
    def insert(self, module: str, values: dict[str, Any]) -> int:
        """Create a record from stored values; stamps ids, times and the API user."""
        record_id = self.new_id()
        now = self.now()
        stamped = {"Owner": self.api_user, **values, "Created_Time": now, "Modified_Time": now,
                   "Created_By": self.api_user, "Modified_By": self.api_user}
        self.tables[module].put(record_id, self.schemas[module].pack(stamped))
        return record_id

    def update(self, module: str, record_id: int, values: dict[str, Any]) -> None:
        """Change some fields of a record and stamp Modified_Time / Modified_By."""
        schema = self.schemas[module]
        table = self.tables[module]
        row = list(table.rows[record_id])
        row.extend([None] * (len(schema.fields) - len(row)))
        stamped = {**values, "Modified_Time": self.now(), "Modified_By": self.api_user}
        for name, value in stamped.items():
            row[schema.fields[name].slot] = value
        table.put(record_id, trim(row))

    def touch(self, module: str, record_id: int) -> None:
        """Stamp Modified_Time without other changes."""
        self.update(module, record_id, {})

    def set_tags(self, module: str, record_id: int, tag_ids: tuple[int, ...]) -> None:
        table = self.tables[module]
        if tag_ids:
            table.tags[record_id] = tag_ids
        else:
            table.tags.pop(record_id, None)

    def delete(self, module: str, record_id: int) -> None:
        """Move a record to the recycle bin."""
        table = self.tables[module]
        row = table.remove(record_id)
        created_by = cell(row, self.schemas[module].slot("Created_By"))
        table.deleted[record_id] = Deletion(
            record_id, self.display_name(module, row), self.api_user, created_by, self.now(),
            row, table.tags.pop(record_id, ()),
        )
        if module == "Deals":
            self.contact_roles.pop(record_id, None)
        if module == "Contacts":
            for roles in self.contact_roles.values():
                roles.pop(record_id, None)

    def referrers(self, module: str, record_id: int) -> Iterator[tuple[str, Field, int]]:
        """(module, lookup field, record id) of every live record whose lookup points here."""
        for other, schema in self.schemas.items():
            for item in schema.fields.values():
                if item.data_type == "lookup" and module in item.lookup_modules:
                    for referrer in self.tables[other].find(item.api_name, record_id):
                        yield other, item, referrer


class Renderer:
    """Turns rows of one module into Get Records JSON for one field list, remembering the
    lookups and owners it has rendered (a page names the same accounts and owners often)."""

    def __init__(self, store: Store, module: str, names: Iterable[str] | None = None, *,
                 skip_empty: bool = False) -> None:
        self.store = store
        self.module = module
        self.skip_empty = skip_empty
        schema = store.schemas[module]
        wanted = list(schema.fields.values() if names is None else _known(schema, names))
        self.with_tags = any(f.api_name == "Tag" for f in wanted)
        self.plan = [(f.api_name, f.slot, self.converter(f)) for f in wanted
                     if f.api_name != "Tag"]
        show_module = module == "Tasks" and any(f.api_name == "What_Id" for f in wanted)
        self.module_slot = schema.slot("$se_module") if show_module else None
        self.tags = store.tables[module].tags

    def converter(self, item: Field) -> Callable[[Any], Any] | None:
        kind = item.data_type
        if kind == "datetime":
            return self.store.format_time
        if kind == "multiselectpicklist":
            return list
        if kind in ("lookup", "ownerlookup"):
            memo: dict[int, Any] = {}
            store = self.store

            def reference(value: int) -> Any:
                found = memo.get(value)
                if found is None:
                    found = memo[value] = store.json_value(self.module, item, value)
                return found

            return reference
        return None

    def __call__(self, record_id: int, row: tuple[Any, ...],
                 tags: tuple[int, ...] | None = None) -> dict[str, Any]:
        record: dict[str, Any] = {}
        size = len(row)
        skip_empty = self.skip_empty
        for name, slot, convert in self.plan:
            value = row[slot] if slot < size else None
            if value is None:
                if not skip_empty:
                    record[name] = None
                continue
            record[name] = value if convert is None else convert(value)
        if self.with_tags:
            tag_ids = self.tags.get(record_id, ()) if tags is None else tags
            if tag_ids or not skip_empty:
                record["Tag"] = self.store.tag_list(self.module, tag_ids)
        if self.module_slot is not None:
            record["$se_module"] = cell(row, self.module_slot)
        record["id"] = str(record_id)
        return record


def _known(schema: ModuleSchema, names: Iterable[str]) -> Iterator[Field]:
    for name in dict.fromkeys(names):
        item = schema.fields.get(name)
        if item is not None and not item.hidden:
            yield item
