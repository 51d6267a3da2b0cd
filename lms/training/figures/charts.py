"""The numbers each chart of the dashboard draws, as JSON for `static/js/training_figures.js`
(taken from the same rows as the tables beside the charts), and each chart's one-sentence
summary for screen readers."""
from __future__ import annotations

from flask_babel import gettext as _

from lms.training.figures import services


def _yuan(fen: int) -> float:
    return round(fen / 100, 2)


def data(f: services.Figures) -> dict:
    """{chart name: {labels, series: [{name, kind, values}], summary}}."""
    planned, held = _("Planned"), _("Held")
    cats = f.by_category
    # Units nobody is counted in (no requirement applies, no professional staff) are left
    # out of the charts; their tables say so.
    shares = [u for u in f.compliance if u.share is not None]
    rates = [(g, p) for g, p in f.professional if p.rate is not None]
    out = {
        "category": {
            "labels": [r.label for r in cats],
            "series": [
                {"name": _("Planned classes"), "values": [r.amounts.planned_classes
                                                          for r in cats]},
                {"name": _("Classes held"), "values": [r.amounts.classes for r in cats]},
                {"name": _("Planned trainee-times"), "axis": 1,
                 "values": [r.amounts.planned_trainees for r in cats]},
                {"name": _("Trainee-times"), "axis": 1,
                 "values": [r.amounts.trainee_times for r in cats]}],
            "axes": [_("Classes"), _("Trainee-times")]},
        "funds": {
            "labels": [r.label for r in cats],
            "series": [
                {"name": _("Budget (yuan)"), "values": [_yuan(r.amounts.budget_fen)
                                                        for r in cats]},
                {"name": _("Funds spent (yuan)"), "values": [_yuan(r.amounts.funds_fen)
                                                             for r in cats]}],
            "axes": [_("Yuan")]},
        "form": {
            "type": "pie", "labels": [r.label for r in f.by_form],
            "series": [{"name": _("Trainee-times"),
                        "values": [r.amounts.trainee_times for r in f.by_form]}]},
        "year": {
            "type": "line", "labels": [str(y) for y, _a in f.by_year],
            "series": [
                {"name": _("Classes held"), "values": [a.classes for _y, a in f.by_year]},
                {"name": _("Planned classes"),
                 "values": [a.planned_classes for _y, a in f.by_year]},
                {"name": _("Trainee-times"), "axis": 1,
                 "values": [a.trainee_times for _y, a in f.by_year]}],
            "axes": [_("Classes"), _("Trainee-times")]},
        "organiser": {
            "horizontal": True, "labels": [r.label for r in f.by_organiser],
            "series": [{"name": _("Trainee-times"),
                        "values": [r.amounts.trainee_times for r in f.by_organiser]}]},
        "compliance": {
            "horizontal": True, "percent": True,
            "labels": [u.group.name for u in shares],
            "series": [{"name": _("Share meeting the requirements"),
                        "values": [round(u.share * 100, 1) for u in shares]}]},
        "professional": {
            "horizontal": True, "percent": True, "target": round(f.target * 100, 1),
            "target_name": _("Target"),
            "labels": [g.name for g, _p in rates],
            "series": [{"name": _("Participation rate"),
                        "values": [round(p.rate * 100, 1) for _g, p in rates]}]},
    }
    t = f.total
    out["category"]["summary"] = _(
        "%(held)s: %(classes)d classes, %(times)d trainee-times; %(planned)s: %(pclasses)d "
        "classes, %(ptimes)d trainee-times.", held=held, classes=t.classes,
        times=t.trainee_times, planned=planned, pclasses=t.planned_classes,
        ptimes=t.planned_trainees)
    out["funds"]["summary"] = _("Budget %(budget)s yuan; spent %(spent)s yuan.",
                                budget=f"{_yuan(t.budget_fen):,.2f}",
                                spent=f"{_yuan(t.funds_fen):,.2f}")
    for name in ("form", "organiser", "compliance", "professional", "year"):
        chart = out[name]
        values = chart["series"][0]["values"]
        pairs = _("; ").join(f"{label} {value}" for label, value in zip(chart["labels"], values,
                                                                       strict=True))
        chart["summary"] = _("%(what)s: %(pairs)s.", what=chart["series"][0]["name"],
                             pairs=pairs or _("none"))
    return out
