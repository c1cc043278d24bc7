"""The shape of the code, as docs/architecture.md draws it: apps with one concern each, no import circle,
nothing in the project package reaching up into an app, small modules.

The import graph is read from the source (every ``import``, at module level or inside a function), so a
lazy import that hides a circle counts as much as one at the top.
"""
import ast
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import REPO

PROJECT = "personal_site"
APPS = ("outbox", "speakers", "program", "submissions", "intake", "review", "talkmedia", "organizer")
MAX_LINES = 300
# Which app may import which: each arrow points from a user to what it uses (docs/architecture.md).
ALLOWED = {
    "outbox": set(),
    "speakers": set(),
    "program": {"speakers", "outbox"},
    "submissions": {"program", "outbox"},
    "intake": {"submissions", "program", "outbox"},
    "review": {"submissions", "program", "speakers", "outbox"},
    "talkmedia": {"submissions", "program", "speakers", "outbox"},
    "organizer": {"review", "talkmedia", "submissions", "intake", "program", "speakers", "outbox"},
}


def _modules() -> dict[str, Path]:
    found = {}
    for top in (PROJECT, *APPS):
        for path in (REPO / top).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(REPO).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                # ``from pkg import submodule`` imports the submodule; ``from mod import name`` the module.
                targets.add(full if full in MODULES else base)
    return {resolved for t in targets if (resolved := _resolve(t)) and resolved != module}


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def _top(module: str) -> str:
    return module.split(".")[0]


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in GRAPH:
        if module not in index:
            visit(module)
    return found


def test_the_graph_was_read():
    assert "outbox.services" in GRAPH and "personal_site.durable" in GRAPH["outbox.services"]


def test_no_module_takes_part_in_an_import_circle():
    assert _cycles() == []


def test_the_project_package_imports_no_app():
    reaching_up = sorted(f"{m} -> {t}" for m, targets in GRAPH.items() if _top(m) == PROJECT
                         for t in targets if _top(t) != PROJECT)
    assert reaching_up == []


def test_apps_import_only_what_the_drawing_allows():
    arrows = defaultdict(set)
    for module, targets in GRAPH.items():
        for target in targets:
            if _top(module) != _top(target) and _top(module) != PROJECT and _top(target) != PROJECT:
                arrows[_top(module)].add(_top(target))
    unexpected = {app: sorted(used - ALLOWED[app]) for app, used in arrows.items() if used - ALLOWED[app]}
    assert unexpected == {}


def test_no_service_imports_a_tasks_module():
    """Work is handed to Celery by task name (personal_site/durable.py), so services never import tasks."""
    offenders = sorted(f"{m} -> {t}" for m, targets in GRAPH.items() if not m.endswith(".tasks")
                       for t in targets if t.endswith(".tasks"))
    assert offenders == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_small(module):
    lines = MODULES[module].read_text().count("\n")
    assert lines <= MAX_LINES, f"{MODULES[module].relative_to(REPO)} has {lines} lines"
