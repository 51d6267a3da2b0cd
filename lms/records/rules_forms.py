"""The rule-set editor's form: a structured form (audience, window, minimums, a row per form
of learning and per subject, required courses and reading), never raw JSON."""
from __future__ import annotations

import math
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms import FloatField as _FloatField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import NumberInput

from lms.catalog.models import SubjectCategory
from lms.org.forms import MultiCheckboxField
from lms.records.models import KINDS, RuleSet
from lms.records.rules import normalise, this_year
from lms.records.status import KIND_TEXT

CODE_RE = r"^[A-Za-z0-9_.-]+$"
MAX_HOURS = 10000


def finite(_form, field) -> None:
    """Refuse "nan" and "inf", which a float field would otherwise accept."""
    if field.data is not None and not math.isfinite(field.data):
        raise ValidationError(_("Enter a number."))


class FloatField(_FloatField):
    widget = NumberInput(step="any", min=0)


def _amount(label: str, maximum: float = MAX_HOURS) -> FloatField:
    return FloatField(label, validators=[Optional(), finite, NumberRange(0, maximum)])


class ConversionRow(Form):
    """How one form of learning converts to 学时, its yearly cap and its minimum."""

    per_hour = _amount(_l("Study hours per hour"), 100)
    per_day = _amount(_l("Study hours per day"), 24)
    per_entry = _amount(_l("Study hours per entry"), 1000)
    cap_per_year = _amount(_l("At most a year"))
    count_days = BooleanField(_l("Days count as training days"))
    spread = BooleanField(_l("Spread over the programme's years"))
    min_hours = _amount(_l("Minimum study hours from it"))


class SubjectRow(Form):
    """A subject's minimum and whether it counts toward the share."""

    min_hours = _amount(_l("Minimum study hours in it"))
    in_share = BooleanField(_l("Counts toward the share"))


class RuleSetForm(FlaskForm):
    code = StringField(_l("Code"), validators=[
        DataRequired(), Length(max=32),
        Regexp(CODE_RE, message=_l("Use letters, digits, dots, dashes or underscores."))])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=128)])
    description = TextAreaField(_l("Basis (regulation and article) and notes"),
                                validators=[Optional(), Length(max=2000)],
                                render_kw={"rows": 3})
    active = BooleanField(_l("Active"), default=True)
    ranks = MultiCheckboxField(_l("Ranks (none ticked: every rank)"))
    categories = MultiCheckboxField(_l("Categories (any of those ticked; none ticked: all)"))
    unit = SelectField(_l("Unit (with its subunits)"))
    age_min = IntegerField(_l("Aged at least"), validators=[Optional(), NumberRange(16, 80)])
    age_max = IntegerField(_l("Aged at most"), validators=[Optional(), NumberRange(16, 80)])
    title_levels = MultiCheckboxField(_l("Professional titles (none ticked: all)"))
    window_years = IntegerField(_l("Window in years"), default=1,
                                validators=[InputRequired(), NumberRange(1, 10)])
    anchor_year = IntegerField(_l("First year of the first window"), default=2023,
                               validators=[InputRequired(), NumberRange(2000, 2100)])
    effective_from = DateField(_l("In force from"), validators=[Optional()])
    effective_to = DateField(_l("In force until"), validators=[Optional()])
    min_hours = _amount(_l("Minimum study hours in the window"))
    min_days = _amount(_l("Minimum training days in the window"), 3650)
    either = BooleanField(_l("Reaching either the study hours or the days is enough"))
    share_percent = _amount(_l("Share of study hours from the subjects ticked below (%)"), 100)
    carry_over_max = _amount(_l("Surplus study hours carried into the next window, at most"))
    required_courses = SelectMultipleField(_l("Required courses"), coerce=int,
                                           render_kw={"size": 6})
    required_reading = SelectMultipleField(
        _l("Required reading (an approved reading note on each)"), coerce=int,
        render_kw={"size": 6})
    conversions = FieldList(FormField(ConversionRow), min_entries=len(KINDS),
                            max_entries=len(KINDS))
    subjects = FieldList(FormField(SubjectRow))
    reason = TextAreaField(_l("Reason for the change"),
                           validators=[DataRequired(), Length(max=1000)], render_kw={"rows": 2})
    submit = SubmitField(_l("Save and recompute"))

    def setup(self, subjects: list[SubjectCategory]) -> None:
        """Label each row's fields with its form of learning or subject (after choices)."""
        self.subject_list = subjects
        while len(self.subjects) < len(subjects):
            self.subjects.append_entry()
        for kind, row in zip(KINDS, self.conversions, strict=False):
            for sub in row.form:
                sub.label.text = f"{KIND_TEXT[kind]} · {sub.label.text}"
            row.kind = kind
            row.kind_text = str(KIND_TEXT[kind])
        for subject, row in zip(subjects, self.subjects, strict=False):
            for sub in row.form:
                sub.label.text = f"{subject.name} · {sub.label.text}"
            row.subject_name = subject.name

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if len(self.subjects) > len(self.subject_list):
            self.subjects.errors.append(_("Unknown subject."))  # rows beyond the subjects
            ok = False
        checks = [
            (self.age_max, self.age_min.data is not None and self.age_max.data is not None
             and self.age_max.data < self.age_min.data,
             _("Must not be less than “%(other)s”.", other=self.age_min.label.text)),
            (self.effective_to, self.effective_from.data is not None
             and self.effective_to.data is not None
             and self.effective_to.data < self.effective_from.data,
             _("Must not be before “%(other)s”.", other=self.effective_from.label.text)),
            (self.either, self.either.data and not (self.min_hours.data and self.min_days.data),
             _("Set both the minimum study hours and the minimum days, or untick this.")),
            (self.carry_over_max, bool(self.carry_over_max.data) and not self.min_hours.data,
             _("Carry-over needs a minimum of study hours in the window.")),
        ]
        ticked = [row for row in self.subjects if row.form.in_share.data]
        checks.append((self.share_percent, bool(self.share_percent.data) and not ticked,
                       _("Tick at least one subject under “Counts toward the share”.")))
        checks.append((self.share_percent, bool(ticked) and not self.share_percent.data,
                       _("Give the share, or untick the subjects that count toward it.")))
        counts_days = False
        for row in self.conversions:
            r = row.form
            converts = any((r.per_hour.data, r.per_day.data, r.per_entry.data))
            counts_days |= converts and r.count_days.data
            checks.append((r.min_hours, bool(r.min_hours.data) and not converts,
                           _("This form of learning does not count (no rate is given): give "
                             "it a rate, or leave its minimum empty.")))
            checks.append((r.cap_per_year, r.cap_per_year.data is not None
                           and r.cap_per_year.data <= 0,
                           _("Leave it empty for no cap; a cap must be more than 0.")))
        checks.append((self.min_days, bool(self.min_days.data) and not counts_days,
                       _("No form of learning counts its days: tick “Days count as training "
                         "days” for at least one.")))
        anything = any((self.min_hours.data, self.min_days.data, self.share_percent.data,
                        self.required_courses.data, self.required_reading.data)) or any(
            row.form.min_hours.data for row in (*self.conversions, *self.subjects))
        checks.append((self.min_hours, not anything,
                       _("Set at least one requirement: study hours, days, a minimum per form "
                         "of learning or subject, a share, or required courses or reading.")))
        for target, failed, message in checks:
            if failed and not target.errors:
                target.errors = [*target.errors, message]
                ok = False
        return ok

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(field id, label, message) of every error, rows included, in form order."""
        out = []

        def walk(field) -> None:
            if isinstance(field, FieldList):
                for message in field.errors if isinstance(field.errors, list) else []:
                    if isinstance(message, str):
                        out.append((field.id, field.label.text, message))
                for entry in field:
                    walk(entry)
            elif isinstance(field, FormField):
                for sub in field.form:
                    walk(sub)
            else:
                for message in field.errors:
                    out.append((field.id, field.label.text, message))

        for field in self:
            walk(field)
        return out


def form_data(rule_set: RuleSet, subjects: list[SubjectCategory]) -> dict:
    """The form's initial data from a rule set (defaults for a new one)."""
    cfg = normalise(rule_set.config)
    aud = cfg["audience"]
    rows = []
    for kind in KINDS:
        conv = cfg["conversions"].get(kind, {})
        rows.append({"per_hour": conv.get("per_hour") or None,
                     "per_day": conv.get("per_day") or None,
                     "per_entry": conv.get("per_entry") or None,
                     "cap_per_year": conv.get("cap_per_year"),
                     "count_days": bool(conv.get("count_days")),
                     "spread": bool(conv.get("spread")),
                     "min_hours": cfg["min_hours_by_kind"].get(kind)})
    share = cfg["share"] or {"subjects": [], "min": 0}
    return {
        "code": rule_set.code, "name": rule_set.name, "description": rule_set.description,
        "active": rule_set.active if rule_set.active is not None else True,
        "ranks": aud["ranks"], "categories": aud["categories"], "unit": aud["unit"] or "",
        "age_min": aud["age_min"], "age_max": aud["age_max"],
        "title_levels": aud["title_levels"],
        "window_years": rule_set.window_years or 1,
        "anchor_year": rule_set.anchor_year or 2023,
        "effective_from": rule_set.effective_from, "effective_to": rule_set.effective_to,
        "min_hours": cfg["min_hours"], "min_days": cfg["min_days"], "either": cfg["either"],
        "share_percent": round(share["min"] * 100, 2) if share["min"] else None,
        "carry_over_max": cfg["carry_over_max"] or None,
        "required_courses": cfg["required_courses"],
        "required_reading": cfg["required_reading"],
        "conversions": rows,
        "subjects": [{"min_hours": cfg["min_hours_by_subject"].get(str(s.id)),
                      "in_share": s.id in share["subjects"]} for s in subjects],
    }


def fields_from_form(form: RuleSetForm) -> dict:
    """The rule set's fields from a validated form."""
    conversions, by_kind = {}, {}
    for kind, row in zip(KINDS, form.conversions, strict=False):
        r = row.form
        rates = {"per_hour": r.per_hour.data or 0.0, "per_day": r.per_day.data or 0.0,
                 "per_entry": r.per_entry.data or 0.0}
        if any(rates.values()):
            conversions[kind] = {**rates, "cap_per_year": r.cap_per_year.data,
                                 "count_days": bool(r.count_days.data),
                                 "spread": bool(r.spread.data)}
        if r.min_hours.data:
            by_kind[kind] = r.min_hours.data
    by_subject, share_subjects = {}, []
    for subject, row in zip(form.subject_list, form.subjects, strict=False):
        if row.form.min_hours.data:
            by_subject[str(subject.id)] = row.form.min_hours.data
        if row.form.in_share.data:
            share_subjects.append(subject.id)
    percent = form.share_percent.data
    return {
        "code": form.code.data.strip(), "name": form.name.data.strip(),
        "description": (form.description.data or "").strip(), "active": form.active.data,
        "window_years": form.window_years.data, "anchor_year": form.anchor_year.data,
        "effective_from": form.effective_from.data, "effective_to": form.effective_to.data,
        "config": {
            "audience": {"ranks": list(form.ranks.data or []),
                         "categories": list(form.categories.data or []),
                         "unit": form.unit.data or None, "age_min": form.age_min.data,
                         "age_max": form.age_max.data,
                         "title_levels": list(form.title_levels.data or [])},
            "min_hours": form.min_hours.data or None, "min_days": form.min_days.data or None,
            "either": bool(form.either.data), "min_hours_by_kind": by_kind,
            "min_hours_by_subject": by_subject,
            "share": ({"subjects": share_subjects, "min": percent / 100}
                      if percent and share_subjects else None),
            "required_courses": list(form.required_courses.data or []),
            "required_reading": list(form.required_reading.data or []),
            "conversions": conversions, "carry_over_max": form.carry_over_max.data or 0.0,
        },
    }


def new_rule_set_defaults() -> RuleSet:
    """An unsaved rule set to start the form from: one year, from this January, every form
    of learning at one 学时 an hour."""
    year = this_year()
    return RuleSet(code="", name="", description="", active=True, window_years=1,
                   anchor_year=year, effective_from=date(year, 1, 1), config={
                       "conversions": {k: {"per_hour": 1.0} for k in KINDS}})
