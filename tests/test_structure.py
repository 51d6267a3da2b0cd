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
LAYERS = ["core", "auth", "audit", "org", "activities", "catalog", "progress", "assessment",
          "records", "training", "reports", "admin", "api", "dashboard", "demo"]
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
