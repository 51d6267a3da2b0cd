"""The training hub: where an administrator finds classes, the year's plan, money and the
district's figures (each part registers its own pages; the hub links those present)."""
from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from lms.org import permissions
from lms.training import tabs  # noqa: F401  (registers the `class_tabs` template global)
from lms.training.blueprint import bp

# (endpoint, label, explanation, the action that shows it)
SECTIONS = (
    ("training.classes", _l("Training classes"),
     _l("Propose, review, run, close and file classes; call up cadres."), "training.view"),
    ("training.my_unit", _l("Call-ups for my unit"),
     _l("Confirm your cadres, file explanations, fill quotas, release cadres."),
     "training.run"),
    ("training.plan", _l("Year's training plan"),
     _l("Planned classes, trainee-times and budget by category, against actual."),
     "training.view"),
    ("training.budgets", _l("Budgets and spending"),
     _l("Each unit's training budget for the year, against what classes spent."),
     "training.view"),
    ("training.lecturer_ratings", _l("Lecturers' ratings"),
     _l("Each lecturer's mean rating in the year's class evaluations."), "training.view"),
    ("training.figures", _l("Training figures"),
     _l("Classes, trainee-times and funds; cadres meeting the year's requirements."),
     "training.view"),
)


def sections() -> list[dict]:
    """The hub's sections the signed-in user may open (registered pages only)."""
    found = current_app.view_functions
    return [{"url": url_for(endpoint), "label": label, "text": text}
            for endpoint, label, text, action in SECTIONS
            if endpoint in found and permissions.can_anywhere(action)]


@bp.route("/")
@login_required
def index():
    """The training hub."""
    permissions.require_anywhere("training.view")
    return render_template("training/index.html", sections=sections())
