"""Loading a config file: YAML with lines, ``${ENV_VAR}`` references, validation, and the
mapping it selects, with every problem reported at once and nothing contacted."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mapping.convert import CompiledMapping
from mapping.spec import (
    MappingSpec,
    apply_overrides,
    common_field_problems,
    default_mapping_path,
    load_mapping,
)
from mapping.yamlsource import (
    Loc,
    Problem,
    ProblemsError,
    YamlDocument,
    parse_yaml,
    read_yaml,
    validation_problems,
    vocabulary,
)
from sync.config.model import Config, EnvValue

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

DEFAULT_CONFIG = Path("crmsync.yaml")


@dataclass(frozen=True)
class LoadedConfig:
    """A valid config and the mapping it selects, compiled."""

    config: Config
    mapping: CompiledMapping
    path: Path


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> LoadedConfig:
    """Read, resolve and validate ``path``. Raises :class:`ProblemsError` with every problem."""
    return _validate(read_yaml(path), path, os.environ if environ is None else environ)


def parse_config(
    text: str, file: str = "crmsync.yaml", environ: Mapping[str, str] | None = None
) -> LoadedConfig:
    """Like :func:`load_config`, from text (relative paths resolve from the current folder)."""
    return _validate(parse_yaml(text, file), Path(file), os.environ if environ is None else environ)


def _validate(document: YamlDocument, path: Path, environ: Mapping[str, str]) -> LoadedConfig:
    if not isinstance(document.data, dict):
        shape = "empty" if document.data is None else f"a {type(document.data).__name__}"
        raise ProblemsError([document.problem((), f"a config is a YAML mapping; this is {shape}")])
    problems: list[Problem] = []
    data = _resolve_references(document.data, (), document, environ, problems)
    overrides = (
        (data.get("mapping") or {}).get("overrides")
        if isinstance(data.get("mapping"), dict)
        else None
    )
    problems.extend(common_field_problems(overrides, document, ("mapping", "overrides")))
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems.extend(validation_problems(document, exc, vocabulary(Config)))
    if problems:
        raise ProblemsError(sorted(problems, key=lambda p: p.line or 0))
    spec = _mapping_spec(config, path, document)
    return LoadedConfig(config, CompiledMapping(spec), path)


def _resolve_references(
    node: Any, loc: Loc, document: YamlDocument, environ: Mapping[str, str], problems: list[Problem]
) -> Any:
    """``${NAME}`` and ``${NAME:-default}`` replaced from the environment. A whole-value
    reference becomes an :class:`EnvValue` (the only way a secret may be given)."""
    if isinstance(node, dict):
        return {
            key: _resolve_references(value, (*loc, key), document, environ, problems)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [
            _resolve_references(item, (*loc, index), document, environ, problems)
            for index, item in enumerate(node)
        ]
    if not isinstance(node, str) or "${" not in node:
        return node

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        problems.append(
            document.problem(
                loc,
                f"environment variable {name} is not set (looked in the "
                "environment of this process)",
            )
        )
        return ""

    whole = _REFERENCE.fullmatch(node)
    value = _REFERENCE.sub(substitute, node)
    if "${" in value and not whole:
        problems.append(document.problem(loc, "malformed ${...} reference"))
        return EnvValue("", "")  # reported once here, not again as a literal secret
    return EnvValue(value, whole.group(1)) if whole else value


def _mapping_spec(config: Config, config_path: Path, document: YamlDocument) -> MappingSpec:
    if config.mapping.file is not None:
        mapping_path = config.mapping.file
        if not mapping_path.is_absolute():
            mapping_path = config_path.parent / mapping_path
    else:
        mapping_path = default_mapping_path(config.crm.kind)
    spec, _ = load_mapping(mapping_path)
    if spec.crm != config.crm.kind:
        raise ProblemsError(
            [
                document.problem(
                    ("mapping", "file"),
                    f"{mapping_path} maps {spec.crm}, but crm.kind is {config.crm.kind}",
                )
            ]
        )
    return apply_overrides(spec, config.mapping.overrides)
