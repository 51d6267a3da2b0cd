"""Small validation helpers shared by the built-in types."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from lms.activities.base import AuthoringContext


def text(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    return value.strip() if isinstance(value, str) else ""


def number(raw: dict[str, Any], name: str, ctx: AuthoringContext, origin: str, *,
           default: float | None, low: float = 0, high: float = 100_000) -> float | None:
    """A number field within [low, high], or `default` when absent."""
    value = raw.get(name)
    if value in (None, ""):
        return default
    try:
        number_ = float(value)
    except (TypeError, ValueError):
        ctx.problem(_("%(field)s must be a number.", field=name), file=origin)
        return default
    if not low <= number_ <= high:
        ctx.problem(_("%(field)s must be between %(low)s and %(high)s.", field=name,
                      low=f"{low:g}", high=f"{high:g}"), file=origin)
        return default
    return number_


def flag(raw: dict[str, Any], name: str, ctx: AuthoringContext, origin: str, *,
         default: bool) -> bool:
    """A yes/no field (a form's checkbox or a package's `true`/`false`), or `default` when
    absent."""
    value = raw.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        ctx.problem(_("%(field)s must be true or false.", field=name), file=origin)
        return default
    return value


def in_form(ctx: AuthoringContext) -> bool:
    """Whether the problems are read in the browser's form (by field labels), not in a
    package (by file and key names)."""
    return bool(getattr(ctx, "in_form", False))


def media_choices_field(field, choices: list[tuple[str, str]]) -> None:
    """Offer the course's files of one kind in a select, led by a blank choice."""
    from lms.core.forms import select_choices

    field.choices = select_choices([("", "—"), *choices])
