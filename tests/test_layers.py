"""The layers import one way only: sandbox and connectors import nothing of ours, mapping
imports only connectors (and itself), sync imports mapping and connectors (the CLI may also
start the sandbox)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"connectors", "mapping", "sync", "sandbox"}
ALLOWED = {
    "sandbox": {"sandbox"},
    "connectors": {"connectors"},
    "mapping": {"mapping", "connectors"},
    "sync": {"sync", "mapping", "connectors", "sandbox"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & OURS


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    files = sorted((ROOT / layer).rglob("*.py"))
    assert files, f"no modules found in {layer}/"
    crossings = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) - ALLOWED[layer])
        for path in files
    }
    assert {k: v for k, v in crossings.items() if v} == {}


def test_the_walker_sees_a_crossing(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import os\nfrom sync.cli import main\nfrom . import x\n", encoding="utf-8")
    assert imported_packages(module) == {"sync"}
