"""The class form: rendering and CSRF only; `validation.validate` checks the values (the
same check as the API's)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField

from lms.core.forms import select_choices
from lms.extensions import db
from lms.org import queries as org_queries
from lms.org.models import Unit
from lms.training.classes.validation import plan_items_for
from lms.training.labels import CATEGORY_LABELS, FORM_LABELS, ORGANISER_LABELS
from lms.training.models import TrainingClass


class ClassForm(FlaskForm):
    title = StringField(_l("Title"))
    unit_id = SelectField(_l("Unit"), validate_choice=False)
    organiser_kind = SelectField(_l("Organiser"), validate_choice=False)
    organiser_name = StringField(_l("Outside organiser"))
    category = SelectField(_l("Category"), validate_choice=False)
    form = SelectField(_l("Form"), validate_choice=False)
    audience = TextAreaField(_l("Audience"))
    starts_on = StringField(_l("Start date"), render_kw={"type": "date"})
    ends_on = StringField(_l("End date"), render_kw={"type": "date"})
    days = StringField(_l("Days"), render_kw={"inputmode": "decimal"})
    hours = StringField(_l("Study hours"), render_kw={"inputmode": "decimal"})
    venue = StringField(_l("Venue"))
    lecturers = TextAreaField(_l("Lecturers"), render_kw={"rows": 3})
    capacity = StringField(_l("Capacity"), render_kw={"inputmode": "numeric"})
    plan_item_id = SelectField(_l("Item of the year's plan"), validate_choice=False)
    plan_text = TextAreaField(_l("Class plan"), render_kw={"rows": 14})

    def fill_choices(self) -> None:
        """Units in the user's `training.run` scope; the published plans' items above them."""
        self.unit_id.choices = select_choices(org_queries.unit_choices("training.run"))
        self.organiser_kind.choices = select_choices(ORGANISER_LABELS.items())
        self.category.choices = select_choices([("", "—"), *CATEGORY_LABELS.items()])
        self.form.choices = select_choices([("", "—"), *FORM_LABELS.items()])
        units = list(db.session.scalars(select(Unit).where(
            Unit.id.in_([int(c.value) for c in self.unit_id.choices]))))
        items: dict[int, str] = {}
        if units:
            top = min(units, key=lambda u: u.depth)
            for item, year in db.session.execute(plan_items_for(top)).all():
                items[item.id] = f"{year} · {item.title}"
        self.plan_item_id.choices = select_choices([("", "—"), *items.items()])

    def load(self, training_class: TrainingClass) -> None:
        """Fill the form from a class (GET of the edit page)."""
        for name in ("title", "organiser_kind", "organiser_name", "category", "form",
                     "audience", "venue", "plan_text"):
            getattr(self, name).data = getattr(training_class, name)
        self.unit_id.data = str(training_class.unit_id)
        self.starts_on.data = training_class.starts_on.isoformat()
        self.ends_on.data = training_class.ends_on.isoformat()
        self.days.data = f"{training_class.days:g}"
        self.hours.data = f"{training_class.hours:g}"
        self.capacity.data = str(training_class.capacity)
        self.lecturers.data = "\n".join(training_class.lecturers or [])
        self.plan_item_id.data = str(training_class.plan_item_id or "")

    def show_problems(self, problems: dict[str, str]) -> None:
        for name, message in problems.items():
            if name in self._fields:
                self._fields[name].errors = [message]
