"""My learning: required courses with due dates, courses in progress and completed, this
year's study hours, and notices (reminders)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from lms.progress import notices
from lms.records.queries import certificates, my_learning

bp = Blueprint("records", __name__)


@bp.route("/me/learning")
@login_required
def learning():
    return render_template("records/learning.html",
                           learning=my_learning(current_user),
                           certificates=certificates(current_user.id),
                           notices=notices.unread(current_user.id))


@bp.route("/me/notices/<int:notice_id>/read", methods=["POST"])
@login_required
def notice_read(notice_id: int):
    notices.mark_read(notice_id, current_user.id)
    return redirect(url_for("records.learning"))
