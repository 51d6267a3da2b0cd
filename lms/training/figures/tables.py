"""The dashboard's tables, defined once: the page renders them and the export writes them from
the same rows, so a number reads the same on both.

A table is its columns (header, type) and rows of values; types say how a value is written:
`text`, `int`, `fen` (money: `|yuan` on the page, yuan as a number in the workbook), `pct`
(a share: "45.0%" on the page, the fraction in the workbook), `days`.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select

from lms.core.numbers import amount
from lms.extensions import db
from lms.org.labels import TITLE_LABELS
from lms.records import compliance
from lms.training.figures import services

TITLES = {
    "category": _l("By category"),
    "form": _l("By form of training"),
    "organiser": _l("By organiser"),
    "unit": _l("By unit"),
    "year": _l("By year"),
    "compliance": _l("Cadres meeting the year's requirements"),
    "professional": _l("Professional staff's continuing education"),
    "short": _l("Senior and mid-level professional staff under 15 days"),
    "behind": _l("Cadres behind"),
}

# What each table needs computed (`services.figures` parts).
PARTS = {"compliance": ("compliance",), "professional": ("professional",)}
PARTS.update({name: ("classes",) for name in ("category", "form", "organiser", "unit", "year")})


@dataclass
class Table:
    name: str
    columns: list[tuple[str, str]]
    rows: list[list]
    total: list | None = None

    @property
    def title(self) -> str:
        return str(TITLES[self.name])


def _amounts(a: services.Amounts, planned: bool) -> list:
    if planned:
        return [a.planned_classes, a.classes, a.planned_trainees, a.trainee_times,
                a.budget_fen, a.funds_fen]
    return [a.classes, a.trainee_times, a.funds_fen]


def _amount_columns(planned: bool) -> list[tuple[str, str]]:
    if planned:
        return [(_("Planned classes"), "int"), (_("Classes held"), "int"),
                (_("Planned trainee-times"), "int"), (_("Trainee-times"), "int"),
                (_("Budget (yuan)"), "fen"), (_("Funds spent (yuan)"), "fen")]
    return [(_("Classes held"), "int"), (_("Trainee-times"), "int"),
            (_("Funds spent (yuan)"), "fen")]


def build(name: str, data: services.Figures) -> Table:
    """The table `name` (one of TITLES but the two lists) of the figures."""
    total = data.total
    if name == "category":
        return Table(name, [(_("Category"), "text")] + _amount_columns(True),
                     [[r.label] + _amounts(r.amounts, True) for r in data.by_category],
                     [_("Total")] + _amounts(total, True))
    if name == "form":
        return Table(name, [(_("Form of training"), "text")] + _amount_columns(False),
                     [[r.label] + _amounts(r.amounts, False) for r in data.by_form],
                     [_("Total")] + _amounts(total, False))
    if name == "organiser":
        kinds = {"unit": _("A unit of the district"), "outside": _("An outside body")}
        return Table(name, [(_("Organiser"), "text"), (_("Kind"), "text")]
                     + _amount_columns(False),
                     [[r.label, kinds[r.kind]] + _amounts(r.amounts, False)
                      for r in data.by_organiser],
                     [_("Total"), ""] + _amounts(total, False))
    if name == "unit":
        return Table(name, [(_("Unit"), "text")] + _amount_columns(False),
                     [[r.label] + _amounts(r.amounts, False) for r in data.by_group],
                     [_("Total")] + _amounts(total, False))
    if name == "year":
        return Table(name, [(_("Year"), "text")] + _amount_columns(True),
                     [[str(y)] + _amounts(a, True) for y, a in data.by_year])
    if name == "compliance":
        def line(label: str, c: dict) -> list:
            return [label, c["all"], c["met"], c["on_track"], c["behind"], c["not_met"],
                    c[compliance.NONE], services.share_total(c)]
        return Table(name, [(_("Unit"), "text"), (_("Cadres"), "int"),
                            (str(compliance.STATUS_TEXT["met"]), "int"),
                            (str(compliance.STATUS_TEXT["on_track"]), "int"),
                            (str(compliance.STATUS_TEXT["behind"]), "int"),
                            (str(compliance.STATUS_TEXT["not_met"]), "int"),
                            (str(compliance.STATUS_TEXT[compliance.NONE]), "int"),
                            (_("Share meeting the requirements"), "pct")],
                     [line(u.group.name, u.counts) for u in data.compliance],
                     line(_("Total"), data.compliance_total) if data.compliance else None)
    if name == "professional":
        def pro(label: str, p: services.Professional) -> list:
            return [label, p.staff, p.participants, p.rate, p.senior_mid, p.short]
        return Table(name, [(_("Unit"), "text"), (_("Professional staff"), "int"),
                            (_("Took part in continuing education"), "int"),
                            (_("Participation rate"), "pct"),
                            (_("Senior and mid-level titles"), "int"),
                            (_("Of them under 15 days"), "int")],
                     [pro(g.name, p) for g, p in data.professional],
                     pro(_("Total"), data.professional_total) if data.professional else None)
    raise KeyError(name)


def _cell(value: object, kind: str) -> object:
    """A value as the workbook holds it (money in yuan, shares as fractions)."""
    if kind == "fen":
        return int(value or 0) / 100
    return value


def table(name: str, data: services.Figures) -> tuple[list[str], Iterator[list]]:
    """(headers, rows) of the table for the export, its total last."""
    t = build(name, data)
    kinds = [kind for _h, kind in t.columns]
    rows = t.rows + ([t.total] if t.total else [])
    return ([h for h, _k in t.columns],
            ([_cell(v, k) for v, k in zip(row, kinds, strict=True)] for row in rows))


# ---- senior and mid-level professional staff under 15 days --------------------------------

def short_row(username: str, name: str, unit_name: str, unit_code: str, title: str,
              days: float) -> dict:
    """A cadre of the list, with the days missing."""
    have = amount(days)
    return {"username": username, "name": name, "unit_name": unit_name,
            "unit_code": unit_code, "title": str(TITLE_LABELS.get(title, title)),
            "days": have, "missing": amount(services.SENIOR_MID_DAYS - have)}


def short_headers() -> list[str]:
    return [_("Full name"), _("Username"), _("Unit"), _("Unit code"), _("Professional title"),
            _("Training days"), _("Days missing")]


def short_export(stmt: Select) -> Iterator[list]:
    """Every row of the list, streamed."""
    for row in db.session.execute(stmt.execution_options(yield_per=2000)):
        r = short_row(*row)
        yield [r["name"], r["username"], r["unit_name"], r["unit_code"], r["title"], r["days"],
               r["missing"]]
