"""Layers import downwards only (DESIGN.md): ingest <- vectorstore <- rag <- ui, evals <- baocao_cli.

Every import statement of every module is read (also those inside functions), so a lazy import
cannot hide an upward dependency; and the two stores under the report index do not import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {
    "ingest": {"ingest"},
    "vectorstore": {"ingest", "vectorstore"},
    "rag": {"ingest", "vectorstore", "rag"},
    "ui": {"ingest", "vectorstore", "rag", "evals", "ui"},  # the app's evaluation tab runs evals; never the reverse
    "evals": {"ingest", "vectorstore", "rag", "evals"},
    "baocao_cli": {"ingest", "vectorstore", "rag", "ui", "evals", "baocao_cli"},
}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_below_it(layer):
    project = set(ALLOWED)
    upward = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / layer).rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in project and name.split(".")[0] not in ALLOWED[layer]
    )
    assert not upward, upward


def test_the_two_stores_do_not_import_each_other():
    chroma = imported_modules(ROOT / "vectorstore" / "chroma_store.py")
    lexical = imported_modules(ROOT / "vectorstore" / "lexical.py")
    assert "vectorstore.lexical" not in chroma and "vectorstore.chroma_store" not in lexical
