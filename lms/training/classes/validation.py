"""One check of a class's fields for the pages and the API: every problem names its field,
and nothing is written until all of them pass."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import literal, select

from lms.core import fields, markup
from lms.core.params import finite_number, is_db_id, text_id
from lms.extensions import db
from lms.org import permissions
from lms.org.models import Unit
from lms.training.models import CATEGORIES, FORMS, ORGANISER_KINDS, PlanItem, TrainingPlan

MAX_TITLE = 200
MAX_TEXT = 4000  # audience
MAX_PLAN = 50_000  # the class plan's Markdown
MAX_HOURS = 1000.0
MAX_CAPACITY = 100_000
MAX_LECTURERS = 100
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)

FIELD_LABELS = {
    "title": _l("Title"), "unit_id": _l("Unit"), "organiser_kind": _l("Organiser"),
    "organiser_name": _l("Outside organiser"), "category": _l("Category"),
    "form": _l("Form"), "audience": _l("Audience"), "starts_on": _l("Start date"),
    "ends_on": _l("End date"), "days": _l("Days"), "hours": _l("Study hours"),
    "venue": _l("Venue"), "lecturers": _l("Lecturers"), "capacity": _l("Capacity"),
    "plan_text": _l("Class plan"), "plan_item_id": _l("Item of the year's plan"),
    "comment": _l("Comment"), "attachment": _l("Attachment"),
}


def label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


class Invalid(Exception):
    """Input refused; `problems` maps each field to a message that names it."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


@dataclass
class ClassData:
    """The checked fields of a class."""

    title: str
    unit_id: int
    category: str
    form: str
    starts_on: date
    ends_on: date
    organiser_kind: str = "unit"
    organiser_name: str = ""
    audience: str = ""
    days: float = 0.0
    hours: float = 0.0
    venue: str = ""
    lecturers: list[str] = field(default_factory=list)
    capacity: int = 0
    plan_text: str = ""
    plan_html: str = ""
    plan_item_id: int | None = None

    @property
    def year(self) -> int:
        return self.starts_on.year


_blank = fields.blank


def _text(data: Mapping, name: str, problems: dict, high: int, *,
          required: bool = False) -> str:
    return fields.text(data, name, problems, label(name), high, required=required)


def _choice(data: Mapping, name: str, choices: tuple[str, ...], problems: dict) -> str:
    value = data.get(name)
    if _blank(value):
        problems[name] = _("%(field)s is required.", field=label(name))
        return ""
    if not isinstance(value, str) or value not in choices:
        problems[name] = _("%(field)s: choose one of the listed values.", field=label(name))
        return ""
    return value


def _number(data: Mapping, name: str, high: float, problems: dict, *,
            whole: bool = False) -> float:
    value = data.get(name)
    if _blank(value):
        return 0
    number: float | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int | float):
        number = finite_number(value)
    elif isinstance(value, str) and len(value) <= 32:
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or (whole and number != int(number)):
        problems[name] = (_("%(field)s must be a whole number.", field=label(name)) if whole
                          else _("%(field)s must be a number.", field=label(name)))
        return 0
    if not 0 <= number <= high:
        problems[name] = _("%(field)s must be between 0 and %(high)s.", field=label(name),
                           high=f"{high:g}")
        return 0
    return int(number) if whole else number


def _date(data: Mapping, name: str, problems: dict) -> date | None:
    value = data.get(name)
    if isinstance(value, date):
        return value
    if _blank(value):
        problems[name] = _("%(field)s is required.", field=label(name))
        return None
    try:
        day = date.fromisoformat(value.strip()) if isinstance(value, str) else None
    except ValueError:
        day = None
    if day is None or not EARLIEST <= day <= LATEST or len(value.strip()) != 10:
        problems[name] = _("%(field)s is not a valid date (YYYY-MM-DD).", field=label(name))
        return None
    return day


def _lecturers(data: Mapping, problems: dict) -> list[str]:
    value = data.get("lecturers")
    if _blank(value):
        return []
    if isinstance(value, str):
        names = value.splitlines()
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        names = value
    else:
        problems["lecturers"] = _("%(field)s: give the names, one per line.",
                                  field=label("lecturers"))
        return []
    names = [n.strip() for n in names if n.strip()]
    if len(names) > MAX_LECTURERS or any(len(n) > 100 for n in names):
        problems["lecturers"] = _("%(field)s: at most %(n)d names of at most 100 characters "
                                  "each.", field=label("lecturers"), n=MAX_LECTURERS)
        return []
    return names


def _id(value: Any) -> int | None:
    if is_db_id(value):
        return value
    return text_id(value) if isinstance(value, str) else None


def _unit(data: Mapping, problems: dict) -> Unit | None:
    """The proposing unit: one in the user's `training.run` scope (a unit proposes for its
    own subtree only)."""
    value = data.get("unit_id")
    if _blank(value):
        problems["unit_id"] = _("%(field)s is required.", field=label("unit_id"))
        return None
    unit_id = _id(value)
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None or not permissions.can("training.run", unit):
        problems["unit_id"] = _("%(field)s: choose a unit in your scope.", field=label("unit_id"))
        return None
    return unit


def plan_items_for(unit: Unit | None = None, year: int | None = None):
    """A select of the published plans' items that a class of `unit` may belong to: plans of
    the unit or a unit above it (the district's), of `year` when given."""
    stmt = (select(PlanItem, TrainingPlan.year).join(TrainingPlan)
            .join(Unit, Unit.id == TrainingPlan.unit_id)
            .where(TrainingPlan.status == "published"))
    if unit is not None:
        stmt = stmt.where(literal(unit.path).startswith(Unit.path))
    if year is not None:
        stmt = stmt.where(TrainingPlan.year == year)
    return stmt.order_by(TrainingPlan.year.desc(), PlanItem.position, PlanItem.id)


def _plan_item(data: Mapping, unit: Unit | None, year: int | None,
               problems: dict) -> int | None:
    value = data.get("plan_item_id")
    if _blank(value):
        return None
    item_id = _id(value)
    if item_id is None or unit is None or year is None:
        if item_id is None:
            problems["plan_item_id"] = _("%(field)s: no such item.", field=label("plan_item_id"))
        return None
    found = db.session.execute(plan_items_for(unit, year).where(PlanItem.id == item_id)).first()
    if found is None:
        problems["plan_item_id"] = _(
            "%(field)s: choose an item of the published plan of %(year)d.",
            field=label("plan_item_id"), year=year)
        return None
    return item_id


def render_plan(text: str, problems: dict) -> str:
    """The class plan's HTML through the one sanitising pipeline."""
    if not text:
        return ""
    try:
        return markup.render_markdown(text)
    except markup.MarkupError as exc:
        problems["plan_text"] = _("%(field)s: %(problems)s", field=label("plan_text"),
                                  problems=str(exc))
        return ""


def validate(data: Mapping[str, Any]) -> ClassData:
    """Check a class's fields from a form or a JSON body; raises `Invalid` naming each field
    at fault."""
    problems: dict[str, str] = {}
    title = _text(data, "title", problems, MAX_TITLE, required=True)
    unit = _unit(data, problems)
    organiser_kind = data.get("organiser_kind") or "unit"
    if organiser_kind not in ORGANISER_KINDS:
        problems["organiser_kind"] = _("%(field)s: choose one of the listed values.",
                                       field=label("organiser_kind"))
        organiser_kind = "unit"
    organiser_name = _text(data, "organiser_name", problems, MAX_TITLE,
                           required=organiser_kind == "outside")
    if organiser_kind == "unit":
        organiser_name = ""
    category = _choice(data, "category", CATEGORIES, problems)
    form = _choice(data, "form", FORMS, problems)
    audience = _text(data, "audience", problems, MAX_TEXT)
    venue = _text(data, "venue", problems, MAX_TITLE)
    starts_on = _date(data, "starts_on", problems)
    ends_on = _date(data, "ends_on", problems)
    if starts_on and ends_on and ends_on < starts_on:
        problems["ends_on"] = _("%(field)s cannot be before the start date.",
                                field=label("ends_on"))
    days = _number(data, "days", 366, problems)
    if "days" not in problems and starts_on and ends_on and ends_on >= starts_on:
        span = (ends_on - starts_on).days + 1
        if days > span:
            problems["days"] = _("%(field)s cannot exceed the %(n)d days from %(start)s to "
                                 "%(end)s.", field=label("days"), n=span,
                                 start=starts_on.isoformat(), end=ends_on.isoformat())
    hours = _number(data, "hours", MAX_HOURS, problems)
    capacity = int(_number(data, "capacity", MAX_CAPACITY, problems, whole=True))
    lecturers = _lecturers(data, problems)
    plan_text = _text(data, "plan_text", problems, MAX_PLAN)
    plan_html = render_plan(plan_text, problems) if "plan_text" not in problems else ""
    plan_item_id = _plan_item(data, unit, starts_on.year if starts_on else None, problems)
    if problems or unit is None or starts_on is None or ends_on is None:
        raise Invalid(problems or {"title": _("%(field)s is required.", field=label("title"))})
    return ClassData(title=title, unit_id=unit.id, category=category, form=form,
                     starts_on=starts_on, ends_on=ends_on, organiser_kind=organiser_kind,
                     organiser_name=organiser_name, audience=audience, days=days, hours=hours,
                     venue=venue, lecturers=lecturers, capacity=capacity, plan_text=plan_text,
                     plan_html=plan_html, plan_item_id=plan_item_id)
