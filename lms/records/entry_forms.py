"""Forms for entering an entry, self-reporting a claim, reversing an entry and deciding on a
claim. The entry and claim forms check their input with `entries.validate_entry`, the one
validation the API uses too, so each problem reads the same wherever it is made."""
from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.widgets import DateInput, NumberInput

from lms.catalog.services import category_choices
from lms.core.forms import select_choices
from lms.records import entries
from lms.records.models import ENTERED_KINDS
from lms.records.status import KIND_TEXT

# The fields handed to `entries.validate_entry` (named as its problems name them).
ENTRY_FIELDS = ("kind", "subject_id", "title", "started_on", "ended_on", "hours", "days",
                "organiser", "result", "note", *entries.DEGREE_FIELDS)


class EntryForm(FlaskForm):
    """An entry entered by an administrator. Fields carry no validators of their own:
    `validate` runs the shared validation and puts each problem on its field."""

    kind = SelectField(_l("Form of learning"), validate_choice=False)
    subject_id = SelectField(_l("Subject"), validate_choice=False)
    title = StringField(_l("Title"), render_kw={"maxlength": entries.MAX_TEXT})
    started_on = StringField(_l("Start date"), widget=DateInput())
    ended_on = StringField(_l("End date"), widget=DateInput())
    hours = StringField(_l("Study hours"),
                        widget=NumberInput(step="any", min=0, max=entries.MAX_HOURS))
    days = StringField(_l("Days"), widget=NumberInput(step="any", min=0, max=entries.MAX_DAYS))
    organiser = StringField(_l("Organiser"), render_kw={"maxlength": entries.MAX_TEXT})
    result = StringField(_l("Result"), render_kw={"maxlength": entries.MAX_TEXT})
    institution = StringField(_l("Institution"), render_kw={"maxlength": entries.MAX_TEXT})
    programme = StringField(_l("Programme"), render_kw={"maxlength": entries.MAX_TEXT})
    degree = StringField(_l("Degree or diploma"), render_kw={"maxlength": entries.MAX_TEXT})
    note = TextAreaField(_l("Note"), render_kw={"rows": 3, "maxlength": entries.MAX_NOTE})
    corrects = HiddenField()
    # A key made when the form is shown: submitting the same form twice adds one entry.
    once = HiddenField()
    submit = SubmitField(_l("Add to the record"))

    with_evidence = False
    fixed_kind: str | None = None  # a corrected entry keeps the kind of the entry it corrects
    checked: entries.EntryData | None = None
    files: list[entries.EvidenceFile]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = select_choices(
            [("", "—")] + [(k, KIND_TEXT[k]) for k in ENTERED_KINDS])
        self.subject_id.choices = select_choices(
            [("", "—")] + [(str(c.id), c.name) for c in category_choices()])
        self.files = []

    def fix_kind(self, kind: str) -> None:
        """Only `kind` may be chosen (the corrected entry of a reversed entry)."""
        self.fixed_kind = kind
        self.kind.choices = select_choices([(kind, KIND_TEXT.get(kind, kind))])
        if self.kind.data in (None, ""):
            self.kind.data = kind

    def new_key(self) -> None:
        """A fresh one-time key for this showing of the form."""
        self.once.data = uuid.uuid4().hex

    def key(self) -> str | None:
        """The submitted one-time key, when it has the form of an idempotency key."""
        value = (self.once.data or "").strip() if self.once is not None else ""
        return value if entries.IDEMPOTENCY_KEY.fullmatch(value) else None

    def values(self) -> dict:
        return {name: self[name].data for name in ENTRY_FIELDS}

    def uploads(self) -> list:
        return []

    def validate(self, extra_validators=None) -> bool:
        """The CSRF token, then the shared validation; `checked` holds the result."""
        super().validate(extra_validators)
        try:
            self.checked, self.files = entries.validate_entry(
                self.values(), self.uploads(), with_evidence=self.with_evidence,
                kind=self.fixed_kind)
        except entries.Invalid as exc:
            self.checked = None
            for name, message in exc.problems.items():
                self[name].errors.append(message)
        return not self.errors

    def fill_from(self, entry) -> None:
        """Pre-fill the fields from an entry (the corrected entry after a reversal)."""
        self.kind.data, self.subject_id.data = entry.kind, str(entry.subject_id or "")
        self.title.data = entry.title
        self.started_on.data = entry.started_on.isoformat() if entry.started_on else ""
        self.ended_on.data = (entry.ended_on or entry.occurred_on).isoformat()
        self.hours.data, self.days.data = f"{entry.hours:g}", f"{entry.days or 0:g}"
        self.organiser.data, self.result.data = entry.organiser, entry.result
        for name in entries.DEGREE_FIELDS:
            self[name].data = (entry.details or {}).get(name, "")


class ClaimForm(EntryForm):
    """Learning self-reported by a cadre, with one or more evidence files."""

    note = TextAreaField(_l("Note for the reviewer"),
                         render_kw={"rows": 3, "maxlength": entries.MAX_NOTE})
    evidence = MultipleFileField(_l("Evidence"), render_kw={
        "accept": "application/pdf,image/png,image/jpeg,image/gif,image/webp"})
    corrects = None
    once = None
    submit = SubmitField(_l("Submit for verification"))

    with_evidence = True

    def uploads(self) -> list:
        return list(self.evidence.data or [])


class ReverseForm(FlaskForm):
    """Reverse an entry with a reason; optionally enter the corrected entry next."""

    reason = TextAreaField(_l("Reason"), render_kw={"rows": 3, "maxlength": entries.MAX_NOTE})
    correct = BooleanField(_l("Enter the corrected entry next"))
    next = HiddenField()
    submit = SubmitField(_l("Reverse the entry"))


class DecisionForm(FlaskForm):
    """Verify a claim, or reject it with a reason the cadre will read."""

    reason = TextAreaField(_l("Reason for rejecting (the cadre will read it)"),
                           render_kw={"rows": 3, "maxlength": entries.MAX_NOTE})
    verify = SubmitField(_l("Verify and record"))
    reject = SubmitField(_l("Reject"))
