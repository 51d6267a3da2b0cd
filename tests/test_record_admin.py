"""The learning records page shows administrators what waits in their own scope."""
from __future__ import annotations

from datetime import date

from lms.extensions import db
from lms.records.models import Claim


def _claim(app, user_id: int) -> None:
    with app.app_context():
        db.session.add(Claim(user_id=user_id, kind="self_study", title="自学《条例》",
                             hours=3.0, ended_on=date(2026, 3, 1)))
        db.session.commit()


def test_waiting_work_is_counted_in_scope_only(app, client, auth, district):
    _claim(app, district["learner"])  # JD01-SQ01, under JD01
    _claim(app, district["cadre_jd02"])
    auth.login("ua1")
    html = client.get("/admin/records").get_data(as_text=True)
    assert "/admin/records/claims" in html
    assert '<span class="tag">1</span>' in html
    auth.logout()
    auth.login("org")
    assert '<span class="tag">2</span>' in client.get("/admin/records").get_data(as_text=True)


def test_learners_have_no_records_administration(client, auth, district):
    auth.login("learn")
    assert client.get("/admin/records").status_code == 403
    home = client.get("/").get_data(as_text=True)
    assert "/admin/records" not in home
    assert "/me/record" in home
