"""The registry of activity types, kept on the app (tests may register temporary types).

Built-in types come from an explicit list. Third-party types are published under the
entry-point group ``lms.activities`` and enabled by name in ``LMS_ACTIVITY_PLUGINS``; an
enabled plugin that is missing or broken stops start-up with a clear error.
"""
from __future__ import annotations

from importlib.metadata import entry_points

from flask import Flask, current_app
from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader, TemplateNotFound

from lms.activities.base import CAPABILITIES, ActivityType

ENTRY_POINT_GROUP = "lms.activities"
CORE_VERSION = "1.0"


class ActivityRegistry:
    """Activity types by key."""

    def __init__(self) -> None:
        self._types: dict[str, ActivityType] = {}

    def register(self, cls: type[ActivityType]) -> ActivityType:
        """Add a type; refuses duplicates, unknown capabilities and too-new core versions."""
        key = getattr(cls, "key", None)
        if not key or not isinstance(key, str):
            raise ValueError(f"{cls!r} has no key")
        if key in self._types:
            raise ValueError(f"activity type {key!r} is already registered")
        unknown = set(cls.capabilities) - CAPABILITIES
        if unknown:
            raise ValueError(f"activity type {key!r} declares unknown capabilities {unknown}")
        if _version(cls.min_core) > _version(CORE_VERSION):
            raise ValueError(f"activity type {key!r} needs core {cls.min_core}")
        self._types[key] = cls()
        return self._types[key]

    def unregister(self, key: str) -> None:
        self._types.pop(key, None)

    def get(self, key: str) -> ActivityType | None:
        """The type, or None when it is not installed."""
        return self._types.get(key)

    def supports(self, key: str, capability: str) -> bool:
        """True when the type `key` is installed and declares `capability`."""
        kind = self._types.get(key)
        return kind is not None and kind.supports(capability)

    def all(self) -> list[ActivityType]:
        return list(self._types.values())

    def __contains__(self, key: str) -> bool:
        return key in self._types


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in str(text).split(".") if p.isdigit())


class _TypeTemplates(BaseLoader):
    """Serves ``activity-<key>/<name>`` from the template folder of type `key`."""

    def __init__(self, registry: ActivityRegistry) -> None:
        self.registry = registry

    def get_source(self, environment, template):
        prefix, _sep, name = template.partition("/")
        if not prefix.startswith("activity-") or not name:
            raise TemplateNotFound(template)
        kind = self.registry.get(prefix.removeprefix("activity-"))
        if kind is None or kind.template_folder is None:
            raise TemplateNotFound(template)
        return FileSystemLoader(str(kind.template_folder)).get_source(environment, name)


def registry() -> ActivityRegistry:
    """The current app's registry."""
    return current_app.extensions["lms.activities"]


def _load_entry_points(reg: ActivityRegistry, enabled: list[str]) -> None:
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    for name in enabled:
        if name not in found:
            raise RuntimeError(f"activity plugin {name!r} is enabled in LMS_ACTIVITY_PLUGINS "
                               f"but no package provides it (entry-point group "
                               f"{ENTRY_POINT_GROUP!r})")
        try:
            cls = found[name].load()
            reg.register(cls)
        except Exception as exc:
            raise RuntimeError(f"activity plugin {name!r} failed to load: {exc}") from exc


def init_app(app: Flask) -> None:
    """Register the built-in types, then the enabled third-party ones; add the template loader."""
    from lms.activities.builtin import BUILTIN_TYPES

    reg = ActivityRegistry()
    for cls in BUILTIN_TYPES:
        reg.register(cls)
    _load_entry_points(reg, app.config.get("LMS_ACTIVITY_PLUGINS", []))
    app.extensions["lms.activities"] = reg
    app.jinja_loader = ChoiceLoader([app.jinja_loader, _TypeTemplates(reg)])
