"""The codebase keeps its shape: imports point outwards, migrations match the models."""
from __future__ import annotations

import ast
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lms.extensions import db

ROOT = Path(__file__).resolve().parent.parent
# From the kernel outwards; a package may import only those before it (and itself).
# `activities` comes before `catalog`: types never import the platform's models, while the
# catalogue and the package importer consume the registry.
LAYERS = ["core", "auth", "audit", "org", "activities", "catalog", "jobs", "progress",
          "assessment", "records", "training", "reports", "admin", "api", "dashboard", "demo"]
OUTER = {"reports", "admin", "api", "dashboard", "demo"}  # these never import each other


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_imports_point_from_the_kernel_outwards():
    problems = []
    for path in (ROOT / "lms").rglob("*.py"):
        parts = path.relative_to(ROOT / "lms").parts
        if len(parts) < 2:
            continue  # lms/__init__.py wires everything; config and extensions are leaves
        own = parts[0]
        for module in _imports(path):
            if not module.startswith("lms."):
                continue
            target = module.split(".")[1]
            if target not in LAYERS or target == own or own not in LAYERS:
                continue
            if LAYERS.index(target) > LAYERS.index(own) or (own in OUTER and target in OUTER):
                problems.append(f"{path.relative_to(ROOT)} imports {module}")
    assert problems == []


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def _module_graph() -> dict[str, set[str]]:
    """Every module of `lms` and the modules of `lms` it imports (anywhere in its body):
    `from lms.x import y` names the module `lms.x.y` when there is one, else `lms.x`. The
    factory, `lms/__init__.py`, wires everything and is left out."""
    names = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
             for p in (ROOT / "lms").rglob("*.py")}
    del names["lms"]
    graph: dict[str, set[str]] = {name: set() for name in names}
    for name, path in names.items():
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module in names:
                targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in names
                           else node.module for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name in names]
            graph[name].update(t for t in targets if t != name)
    return graph


def test_no_module_imports_itself_round_a_cycle():
    """Cycles hide an order of import that works by chance; a shared piece belongs in a
    module both sides import."""
    graph, cycles = _module_graph(), []
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert cycles == []
