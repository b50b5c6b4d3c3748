"""Imports point one way (STYLE.md): pages -> state -> services, fallback -> services; the
services know no web framework, and no front end spells a URL path of its own."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "imageapp"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules_of(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("state", ("imageapp.pages", "imageapp.fallback", "fastapi", "starlette")),
        ("services", ("imageapp.pages", "imageapp.state", "imageapp.fallback", "reflex")),
        ("services", ("fastapi", "starlette")),
        ("fallback", ("imageapp.pages", "imageapp.state", "reflex")),
    ],
)
def test_imports_point_one_way(folder: str, forbidden: tuple[str, ...]) -> None:
    wrong = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in modules_of(folder)
        for name in imported_modules(path)
        if name.startswith(forbidden)
    }
    assert wrong == set()


NOJS_PATH = re.compile(r"""["'](/nojs|/media)\b""")


@pytest.mark.parametrize("folder", ["state", "pages", "fallback/templates"])
def test_paths_come_from_the_url_module(folder: str) -> None:
    """Templates, pages and states link through ``imageapp.urls``, never a typed-in path."""
    typed = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in sorted((PACKAGE / folder).rglob("*"))
        if path.suffix in (".py", ".html")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if NOJS_PATH.search(line)
    ]
    assert typed == []
