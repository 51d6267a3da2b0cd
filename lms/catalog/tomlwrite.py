"""A small TOML writer for the manifests we export (strings, numbers, booleans, datetimes,
arrays of those, and arrays of tables one level deep)."""
from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON strings are valid TOML strings
    if isinstance(value, list) and all(not isinstance(v, dict) for v in value):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _table(lines: list[str], data: dict[str, Any], prefix: str) -> None:
    nested = {k: v for k, v in data.items()
              if isinstance(v, list) and v and all(isinstance(i, dict) for i in v)}
    for key, value in data.items():
        if key not in nested and value is not None:
            lines.append(f"{key} = {_value(value)}")
    for key, items in nested.items():
        for item in items:
            lines.append("")
            lines.append(f"[[{prefix}.{key}]]")
            _table(lines, item, f"{prefix}.{key}")


def dumps(course: dict[str, Any], activities: list[dict[str, Any]]) -> str:
    """A `course.toml` text from the course table and the activity tables."""
    lines = ["[course]"]
    _table(lines, course, "course")
    for activity in activities:
        lines += ["", "[[activities]]"]
        _table(lines, activity, "activities")
    return "\n".join(lines) + "\n"
