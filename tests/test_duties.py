"""The permission core of separation of duties: who may grant what, whom an administrator
reaches, and four eyes on every credit."""
from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db
from lms.org import permissions


def test_grant_reach_and_credit_rules(app, district, make_user):
    with app.test_request_context():
        ua = db.session.get(User, district["unit_admin"])
        org = db.session.get(User, district["org_admin"])
        sysu = db.session.get(User, district["sysadmin"])
        from lms.org.services import unit_by_code
        jd01, sq = unit_by_code("JD01"), unit_by_code("JD01-SQ01")
        assert not permissions.can_grant("unit_admin", jd01, ua)
        assert permissions.can_grant("unit_admin", sq, ua)
        assert permissions.can_grant("lecturer", jd01, ua)
        assert not permissions.can_grant("org_admin", jd01, org)
        assert permissions.can_grant("unit_admin", jd01, org)
        assert permissions.can_grant("auditor", None, sysu)
        assert not permissions.reaches(ua, ua)
        assert permissions.reaches(ua, org)
        assert not permissions.reaches(org, ua)
        learner = db.session.get(User, district["learner"])
        assert permissions.reaches(learner, ua)
        ids = set(db.session.scalars(select(User.id).where(permissions.reach_clause(ua))))
        assert district["learner"] in ids
        assert not ids & {district["unit_admin"], district["org_admin"]}
        assert district["lecturer"] in ids and district["sysadmin"] not in ids
        ids = set(db.session.scalars(select(User.id).where(permissions.reach_clause(org))))
        assert district["unit_admin"] in ids
        assert not ids & {district["org_admin"], district["sysadmin"]}
        assert permissions.may_credit(learner, ua)
        assert not permissions.may_credit(ua, ua)
        assert not permissions.may_credit(org, ua)
        assert permissions.may_credit(ua, org)
        ua_b = db.session.get(User, make_user("ua_b", "unit_admin", "JD01"))
        assert not permissions.may_credit(ua_b, ua)
        sq_admin = db.session.get(User, make_user("sqa", "unit_admin", "JD01-SQ01"))
        assert not permissions.may_credit(ua, sq_admin)
        assert permissions.may_credit(sq_admin, ua)


def test_a_refusal_names_the_roles_that_may(client, auth, district):
    """A 403 page says who may open it, instead of a bare refusal."""
    auth.login("learn")
    page = client.get("/admin/units")
    assert page.status_code == 403
    text = page.get_data(as_text=True)
    assert "此页面供以下角色使用" in text and "单位管理员" in text and "组织部管理员" in text
    assert client.get("/teach/grading").status_code == 403  # a learner grades nothing
