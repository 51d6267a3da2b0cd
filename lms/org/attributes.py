"""The cadre's attributes, declared once.

Each attribute of a cadre profile (beyond the account, the unit and the categories) is one
`Attribute` in `ATTRIBUTES`, in the order pages and spreadsheets show them. The declaration
drives the cadre form (`lms.org.forms`), the import and its template (`lms.org.importer`,
`lms.org.views`), the export, the cadre page, the API (`lms.api.views`) and its OpenAPI schema
(`lms.api.openapi`). Its label is the form's label, and its Chinese and English texts are the
spreadsheet headers (both accepted on import).

Adding an attribute: one entry here (with its labels in `lms.org.labels` when it is coded), a
column of the same name on `CadreProfile` with its migration, and the Chinese translation of
its label. Readers look attributes up as `attributes.ATTRIBUTES` when they run, never at import.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, Field, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from lms.org import labels
from lms.org.tabular import cell_text

TEXT, DATE, CHOICE = "text", "date", "choice"


def parse_date(value: object) -> date | None:
    """A date as spreadsheets write it: a date cell, 1985-03-12, 1985/3/12 or 19850312."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text)
    if not m:
        raise ValueError(text)
    return date(int(m[1]), int(m[2]), int(m[3]))


def _plausible_birth(value: date) -> str | None:
    if not 1930 < value.year <= date.today().year:
        return _("The date is out of range.")
    return None


@dataclass(frozen=True)
class Attribute:
    """One attribute: its key (the `CadreProfile` column and the API field), its label, its
    kind (text, date or a coded choice with its labels and the other ways spreadsheets write
    them), whether it is required, what an empty value is stored as, and what the import
    template shows as an example."""

    key: str
    label: object  # a lazy string
    kind: str = TEXT
    choices: Mapping[str, object] | None = None  # code -> lazy label
    aliases: Mapping[str, str] = field(default_factory=dict)
    required: bool = False
    default: str | None = None
    max_length: int = 128
    example: str = ""
    check: Callable[[object], str | None] | None = None  # a further check of a parsed value
    beside_name: bool = False  # spreadsheets put it right after the name, before the unit

    def header(self, locale: str = "zh_CN") -> str:
        """The spreadsheet header in `locale`."""
        with force_locale(locale):
            return str(self.label)

    def text(self, value: object) -> str:
        """A stored value as people read it ("" for none)."""
        if value in (None, ""):
            return ""
        if self.kind == CHOICE:
            return labels.label(self.choices or {}, str(value))
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    def cell(self, value: object) -> object:
        """A stored value for a spreadsheet cell: dates stay dates."""
        return value if self.kind == DATE else self.text(value)

    def json(self, value: object) -> object:
        """A stored value for the API: codes as codes, dates as YYYY-MM-DD."""
        return value.isoformat() if isinstance(value, date) else value

    def schema(self) -> dict:
        """The OpenAPI schema of the API field."""
        out: dict = {"type": "string", "description": str(self.header("en"))}
        if self.kind == DATE:
            out["format"] = "date"
        if self.kind == CHOICE:
            out["description"] += ": " + ", ".join(self.choices or {})
        if self.default is None:
            out["nullable"] = True
        return out

    def allowed(self) -> str:
        """What the import template's notes say a cell may hold."""
        if self.kind == CHOICE:
            return "、".join(str(v) for v in (self.choices or {}).values())
        if self.kind == DATE:
            return "YYYY-MM-DD"
        return ""

    def form_field(self) -> Field:
        """The cadre form's field."""
        given = InputRequired() if self.required else Optional()
        if self.kind == CHOICE:
            blank = [("", "—")] if self.default is None and not self.required else []
            return SelectField(self.label, validators=[Optional()] if blank else [],
                               choices=lambda: blank + [(k, str(v)) for k, v in
                                                        (self.choices or {}).items()])
        if self.kind == DATE:
            return DateField(self.label, validators=[given])
        return StringField(self.label, validators=[given, Length(max=self.max_length)])

    def from_form(self, data: object) -> object:
        """The form field's data as stored."""
        if self.kind == TEXT:
            return (str(data or "")).strip() or self.default
        if self.kind == CHOICE:
            return data or self.default
        return data

    def coder(self) -> dict[str, str]:
        """Codes, their labels in either language and the aliases, lower-cased, to codes."""
        out = labels.reverse(self.choices or {})
        out.update({k.lower(): v for k, v in self.aliases.items()})
        return out

    def parse(self, raw: object, coder: Mapping[str, str] | None = None) -> object:
        """A spreadsheet cell as stored; ValueError with the message for a bad one."""
        if self.required and not cell_text(raw):
            raise ValueError(_("This field is required."))
        if self.kind == DATE:
            try:
                value = parse_date(raw)
            except ValueError:
                raise ValueError(_("Not a date: %(v)s (use YYYY-MM-DD)",
                                   v=cell_text(raw))) from None
        elif self.kind == CHOICE:
            text = cell_text(raw)
            if not text:
                return self.default
            value = (coder if coder is not None else self.coder()).get(text.lower())
            if value is None:
                raise ValueError(_("Unknown value: %(v)s", v=text))
        else:
            value = cell_text(raw)[:self.max_length] or self.default
        if value is not None and self.check is not None:
            problem = self.check(value)
            if problem:
                raise ValueError(problem)
        return value


ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("gender", _l("Gender"), CHOICE, labels.GENDER_LABELS,
              {"男": "male", "女": "female"}, example="男", beside_name=True),
    Attribute("rank", _l("Rank"), CHOICE, labels.RANK_LABELS,
              {"县处级": "division", "处级干部": "division", "乡科级": "section",
               "科级干部": "section", "股级干部": "subsection", "无": "none"},
              default="none", example="科级"),
    Attribute("position", _l("Position"), TEXT, max_length=128, example="科员"),
    Attribute("birth_date", _l("Birth date"), DATE, example="1988-05-12",
              check=_plausible_birth),
    Attribute("education", _l("Education"), CHOICE, labels.EDUCATION_LABELS,
              {"博士": "doctorate", "博士研究生": "doctorate", "硕士": "master",
               "研究生": "master", "硕士研究生": "master", "本科": "bachelor",
               "大学本科": "bachelor", "大专": "college", "专科": "college",
               "中专": "secondary", "高中": "secondary", "其他": "other"}, example="本科"),
    Attribute("party_status", _l("Party status"), CHOICE, labels.PARTY_LABELS,
              {"党员": "member", "中共党员": "member", "预备党员": "probationary",
               "中共预备党员": "probationary", "积极分子": "activist", "团员": "league",
               "共青团员": "league", "民主党派": "democratic", "群众": "masses"},
              example="中共党员"),
    Attribute("title_level", _l("Professional title"), CHOICE, labels.TITLE_LABELS,
              {"高级": "senior", "中级": "mid", "初级": "junior", "无": "none"},
              default="none", example="无"),
)


def keys() -> tuple[str, ...]:
    """The keys of the declared attributes, in order."""
    return tuple(a.key for a in ATTRIBUTES)
