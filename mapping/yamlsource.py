"""YAML files read with their line numbers, and validation errors told where they are.

Config and mapping files are validated by pydantic; this module turns each of pydantic's
errors (and YAML syntax errors, and repeated keys) into a :class:`Problem` that names the
file, the line and the key path, so an admin can go straight to it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ProblemsError(Exception):
    """Raised with every problem found, never just the first."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class YamlDocument:
    """Parsed YAML plus the line of every key and list item (1-based)."""

    file: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def resolve(self, loc: Iterable[str | int]) -> Loc:
        """The part of a validation ``loc`` that exists in the document (pydantic adds union
        tags and the names of missing keys, which have no line)."""
        node, kept = self.data, []
        for part in loc:
            in_mapping = isinstance(node, Mapping) and part in node
            in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            if not (in_mapping or in_list):
                continue
            node = node[part]
            kept.append(part)
        return tuple(kept)

    def line(self, loc: Loc) -> int | None:
        """The line of the deepest part of ``loc`` the document has."""
        for end in range(len(loc), 0, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return 1 if self.data is not None else None

    def problem(self, loc: Loc, message: str) -> Problem:
        return Problem(self.file, self.line(loc), dotted(loc), message)


def dotted(loc: Iterable[str | int]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML document, keeping lines; syntax errors and repeated keys are problems."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or exc.context or "invalid YAML"
        raise ProblemsError([Problem(file, line, "", f"invalid YAML: {reason}")]) from None
    except yaml.YAMLError as exc:
        raise ProblemsError([Problem(file, None, "", f"invalid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    document = YamlDocument(file, data)
    repeated: list[Problem] = []
    if node is not None:
        _index(node, (), document.lines, repeated, file)
    if repeated:
        raise ProblemsError(repeated)
    return document


def read_yaml(path: Path) -> YamlDocument:
    """Read and parse a YAML file; a missing or unreadable file is a problem too."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problem = Problem(str(path), None, "", f"cannot read: {exc.strerror}")
        raise ProblemsError([problem]) from None
    except UnicodeDecodeError:
        raise ProblemsError([Problem(str(path), None, "", "not UTF-8 text")]) from None
    return parse_yaml(text, str(path))


def _index(
    node: yaml.Node, loc: Loc, lines: dict[Loc, int], repeated: list[Problem], file: str
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                line = key_node.start_mark.line + 1
                repeated.append(Problem(file, line, dotted((*loc, key)), "key appears twice"))
            seen.add(key)
            lines[(*loc, key)] = key_node.start_mark.line + 1
            _index(value_node, (*loc, key), lines, repeated, file)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*loc, index)] = item.start_mark.line + 1
            _index(item, (*loc, index), lines, repeated, file)


def vocabulary(model: type[BaseModel]) -> set[str]:
    """Every key name a model tree accepts, for "did you mean" suggestions."""
    names: set[str] = set()
    pending: list[Any] = [model]
    seen: set[Any] = set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            for name, info in current.model_fields.items():
                names.add(info.alias or name)
                pending.append(info.annotation)
        for arg in getattr(current, "__args__", ()):
            pending.append(arg)
    return names


def validation_problems(
    document: YamlDocument,
    error: ValidationError,
    known_keys: Iterable[str] = (),
    *,
    prefix: Loc = (),
) -> list[Problem]:
    """One readable problem per pydantic error. Input values are never echoed, except short
    enum-like choices, so secrets cannot leak through a message."""
    known = sorted(set(known_keys))
    problems = []
    for item in error.errors(include_url=False):
        loc = document.resolve((*prefix, *item["loc"]))
        kind = item["type"]
        message = item["msg"]
        if kind == "extra_forbidden":
            key = item["loc"][-1]
            loc = (*document.resolve((*prefix, *item["loc"][:-1])), key)
            message = f"unknown key {key!r}"
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.75)
            if close:
                message += f" (did you mean {close[0]!r}?)"
        elif kind == "missing":
            message = f"required key {item['loc'][-1]!r} is missing"
            loc = (*loc, str(item["loc"][-1]))
        elif kind == "union_tag_invalid":
            ctx = item.get("ctx", {})
            key = str(ctx.get("discriminator", "")).strip("'")
            loc = document.resolve((*prefix, *item["loc"], key))
            message = (
                f"unknown {key} {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
            )
        elif kind == "union_tag_not_found":
            key = str(item.get("ctx", {}).get("discriminator", "")).strip("'")
            message = f"required key {key!r} is missing"
        elif kind in {"literal_error", "enum"} and _showable(item.get("input")):
            message = f"{message}; got {item['input']!r}"
        elif kind.startswith("value_error"):
            message = message.removeprefix("Value error, ")
        problems.append(document.problem(loc, message))
    return sorted(problems, key=lambda p: p.line or 0)


def _showable(value: Any) -> bool:
    return (
        isinstance(value, str | int | float)
        and not isinstance(value, bool)
        and len(str(value)) <= 40
        and type(value) in (str, int, float)
    )
