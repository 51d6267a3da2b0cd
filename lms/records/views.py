"""My learning: courses in progress and completed, this year's study hours."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from lms.records.queries import my_learning, this_year

bp = Blueprint("records", __name__)


@bp.route("/me/learning")
@login_required
def learning():
    return render_template("records/learning.html",
                           learning=my_learning(current_user.id, this_year()))
