"""The administrative audit log (三员分立): the auditor reads, filters and exports it and can
change nothing else; nobody else reads it; the database refuses to change a row, and `records
verify` names a row changed, deleted or inserted behind the application's back."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from lms.audit import services as audit
from lms.audit.models import AdminEvent
from lms.auth.models import User
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.records import reading, rules
from lms.records.models import RuleSet
from tests.conftest import PASSWORD
from tests.test_exams import exam  # noqa: F401 - the exam fixture, for its release

SQLITE_TRIGGER = """
CREATE TRIGGER admin_audit_append_only BEFORE UPDATE ON admin_audit
BEGIN SELECT RAISE(ABORT, 'admin_audit is append-only'); END
"""


@pytest.fixture
def auditor(make_user, district) -> int:
    return make_user("aud", "auditor")


@pytest.fixture
def logged(app, client, auth, district, unit_ids) -> None:
    """Five rows: ua1 grants and revokes a role, resets a password, deactivates an account;
    the sysadmin makes a lecturer whose name would be a formula in a spreadsheet."""
    with app.app_context():
        db.session.get(User, district["cadre_jd02"]).name = "=HYPERLINK(\"x\")"
        db.session.commit()
    auth.login("ua1")
    client.post(f"/admin/cadres/{district['cadre_jd01']}/grants",
                data={"grant": f"lecturer@{unit_ids()['JD01']}"})
    client.post(f"/admin/cadres/{district['learner']}/password")
    client.post(f"/admin/cadres/{district['learner']}/deactivate")
    auth.logout()
    auth.login("sys")
    client.post(f"/admin/cadres/{district['cadre_jd02']}/grants",
                data={"grant": f"lecturer@{unit_ids()['JD02']}"})
    auth.logout()


def _rows(app, action=None) -> list[AdminEvent]:
    with app.app_context():
        stmt = db.select(AdminEvent).order_by(AdminEvent.seq)
        if action:
            stmt = stmt.where(AdminEvent.action == action)
        rows = list(db.session.scalars(stmt).unique())
        db.session.expunge_all()
        return rows


def test_the_auditor_reads_and_filters_the_log(client, auth, auditor, logged):
    auth.login("aud")
    assert client.get("/").headers["Location"].endswith("/audit")  # the auditor's home
    page = client.get("/audit").get_data(as_text=True)
    assert "共 4 条记录" in page and "授予角色" in page
    assert "ua1" in page and "127.0.0.1" in page
    assert "共 1 条记录" in client.get("/audit?action=password.reset").get_data(as_text=True)
    assert "共 3 条记录" in client.get("/audit?actor=ua1").get_data(as_text=True)
    assert "共 2 条记录" in client.get("/audit?target=learn").get_data(as_text=True)
    assert "共 4 条记录" in client.get("/audit?address=127.").get_data(as_text=True)
    assert "共 0 条记录" in client.get("/audit?address=10.").get_data(as_text=True)
    today = local_today()
    assert "共 4 条记录" in client.get(f"/audit?since={today}&until={today}").get_data(
        as_text=True)
    assert "共 0 条记录" in client.get(
        f"/audit?since={today + timedelta(days=1)}").get_data(as_text=True)
    assert "共 0 条记录" in client.get(
        f"/audit?until={today - timedelta(days=1)}").get_data(as_text=True)
    paged = client.get("/audit?per_page=1&page=2").get_data(as_text=True)
    assert "第 2 页，共 4 页" in paged
    # Nonsense in the filters is left out, and the page says which; a page that is no
    # number is a 400 naming it.
    odd = client.get("/audit?since=yesterday&action=drop")
    assert odd.status_code == 200
    text = odd.get_data(as_text=True)
    assert "共 4 条记录" in text
    assert "未能识别“起始日期”的值" in text and "“操作”不是列出的操作之一" in text
    assert text.count("data-ignored") == 2
    assert "data-ignored" not in page
    refused = client.get("/audit?page=x")
    assert refused.status_code == 400 and "page" in refused.get_data(as_text=True)


def test_the_auditor_exports_the_log_with_text_kept_as_text(client, auth, auditor, logged):
    auth.login("aud")
    response = client.get("/audit/export.xlsx?action=role.grant")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("审计日志 · 操作：授予角色 · 导出时间：")
    assert rows[1][:3] == ("序号", "时间", "操作人") and len(rows) == 4
    formula = next(r for r in sheet.iter_rows(min_row=3) if r[4].value.startswith("="))
    assert formula[4].data_type == "s"  # a name like "=HYPERLINK(...)" stays text
    assert {r[6] for r in rows[2:]} == {"授予角色"}


def test_the_auditor_sees_the_security_settings(app, client, auth, auditor):
    auth.login("aud")
    page = client.get("/audit/settings").get_data(as_text=True)
    assert "15 分钟内 10 次" in page and "15 分钟内 100 次" in page
    assert "至少 10 个字符" in page and "30 分钟" in page
    saved, app.config["LMS_IDLE_MINUTES"] = app.config["LMS_IDLE_MINUTES"], 15
    try:
        assert "15 分钟" in client.get("/audit/settings").get_data(as_text=True)
    finally:
        app.config["LMS_IDLE_MINUTES"] = saved


def test_the_auditor_can_change_nothing_else(client, auth, auditor, district, logged):
    auth.login("aud")
    nav = client.get("/audit").get_data(as_text=True)
    assert 'href="/admin/cadres"' not in nav and 'href="/courses"' not in nav
    for url in ("/admin/cadres", "/admin/units", "/admin/cadres/import", "/admin/records",
                "/admin/cadres/export.xlsx"):
        assert client.get(url).status_code in (403, 404), url
    assert client.get(f"/admin/cadres/{district['cadre_jd01']}").status_code == 404
    assert client.post(f"/admin/cadres/{district['cadre_jd01']}/password").status_code == 404
    for method in ("post", "put", "delete"):
        assert getattr(client, method)("/audit").status_code == 405


@pytest.mark.parametrize("username", ["sys", "org", "ua1", "lect"])
def test_nobody_else_reads_the_log(client, auth, district, logged, username):
    auth.login(username)
    for url in ("/audit", "/audit/export.xlsx", "/audit/settings"):
        assert client.get(url).status_code == 403, (username, url)
    assert 'href="/audit"' not in client.get("/").get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get("/audit").status_code == 302


def test_refused_sign_ins_are_logged(app, client, auth, district):
    app.config["LMS_LOGIN_ACCOUNT_LIMIT"] = "2 per 15 minutes"
    try:
        auth.login("ua1", "wrong-password-1")
        auth.login("nobody", "wrong-password-1")
        auth.login("ua1", "wrong-password-2")
        assert auth.login("ua1", PASSWORD).status_code == 429
        assert auth.login("ua1", PASSWORD).status_code == 429
    finally:
        app.config["LMS_LOGIN_ACCOUNT_LIMIT"] = "10 per 15 minutes"
    rows = _rows(app)
    assert [r.action for r in rows] == ["signin.fail", "signin.fail", "signin.fail",
                                        "signin.lockout"]  # refusals while locked: not logged
    assert rows[0].target_id == district["unit_admin"] and rows[1].target_id is None
    assert rows[1].detail == {"username": "nobody"} and rows[0].actor_id is None


def test_rule_sets_and_the_reading_list_are_logged(app, client, auth, district):
    with app.app_context():
        assert rules.seed_defaults() == 4
        item = reading.add_item(2026, title="《习近平谈治国理政》")
        reading.update_item(item, author="人民出版社")
        reading.publish_year(2026, district["org_admin"])
        db.session.commit()
        rule_set_id = db.session.scalar(db.select(RuleSet.id).limit(1))
    auth.login("org")
    client.post(f"/admin/records/rules/{rule_set_id}/active")
    rows = _rows(app)
    assert [r.action for r in rows] == ["rules.change"] * 4 + ["reading.change"] * 3 + [
        "rules.change"]
    assert [r.detail["what"] for r in rows[4:7]] == ["add", "edit", "publish"]
    last = rows[-1]
    assert last.actor_id == district["org_admin"] and last.address == "127.0.0.1"
    assert last.detail["changes"] == ["active"]


def test_exam_release_and_resits_are_logged(app, client, auth, exam):  # noqa: F811
    auth.login("org")
    client.post(f"/teach/activities/{exam}/resits", data={"username": "young", "reason": "病假"})
    client.post(f"/teach/activities/{exam}/release")
    rows = _rows(app, "exam.release")
    assert [r.detail["what"] for r in rows] == ["resit", "release"]
    with app.app_context():
        young = db.session.scalar(db.select(User.id).filter_by(username="young"))
    assert rows[0].target_id == young and rows[0].detail["reason"] == "病假"


def test_completion_rule_changes_of_a_published_course_are_logged(app, sample_courses):
    """Lowering a published course's completion count or hours, or retiring an activity,
    recomputes every enrolment (its editor's included): each change leaves a row."""
    from lms.catalog import services as catalog
    from lms.catalog.models import Course

    with app.test_request_context():
        course = db.session.scalar(db.select(Course).filter_by(slug=sample_courses[0]))
        org = db.session.scalar(db.select(User).filter_by(username="org"))
        catalog.save_course(course, slug=course.slug, title=course.title,
                            summary=course.summary, category=course.category,
                            required=course.required, hours=course.hours, owner=org,
                            completion_count=course.completion_count)  # nothing changes
        catalog.save_course(course, slug=course.slug, title=course.title,
                            summary=course.summary, category=course.category,
                            required=course.required, hours=course.hours + 1, owner=org,
                            completion_count=1)
        catalog.retire_activity(course.activities[-1])
    rows = _rows(app, "course.change")
    assert len(rows) == 2 and all(r.detail["code"] == sample_courses[0] for r in rows)
    assert "hours" in rows[0].detail["changes"] and "retired" in rows[1].detail["changes"]
    # The auditor reads the fields in words, never their internal names.
    with app.test_request_context():
        from lms.org.audit_views import describe

        shown = [describe(row) for row in rows]
    assert "学时：" in shown[0] and "至少完成的活动数：" in shown[0] and "停用的活动：" in shown[1]
    assert not any(word in " ".join(shown) for word in ("hours", "completion_count", "retired"))


# ---- append-only and tamper-evident --------------------------------------------------------

def _postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def test_the_database_refuses_to_change_a_row(app, logged):
    with app.app_context():
        with pytest.raises(DatabaseError):
            db.session.execute(text("UPDATE admin_audit SET address = '10.0.0.1'"))
        db.session.rollback()
        if _postgres():
            with pytest.raises(DatabaseError):
                db.session.execute(text("DELETE FROM admin_audit"))
            db.session.rollback()


def _behind_the_back(app, statement: str, **params) -> None:
    """Run `statement` as someone with full database access (the trigger set aside)."""
    with app.app_context():
        if _postgres():
            db.session.execute(text("ALTER TABLE admin_audit DISABLE TRIGGER USER"))
            db.session.execute(text(statement), params)
            db.session.execute(text("ALTER TABLE admin_audit ENABLE TRIGGER USER"))
        else:
            db.session.execute(text("DROP TRIGGER admin_audit_append_only"))
            db.session.execute(text(statement), params)
            db.session.execute(text(SQLITE_TRIGGER))
        db.session.commit()


def _verify(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["records", "verify", "--no-statuses"])
    return result.exit_code, result.output


def test_verify_passes_an_untouched_log(app, logged):
    code, output = _verify(app)
    assert code == 0, output
    assert "audit log: 4 rows, head seq 4" in output


def test_verify_names_a_changed_row(app, logged):
    _behind_the_back(app, "UPDATE admin_audit SET address = '10.9.9.9' WHERE seq = 2")
    code, output = _verify(app)
    assert code == 1
    assert "TAMPERED admin_audit seq 2" in output and "changed or inserted" in output
    assert "seq 1 " not in output and "seq 3 " not in output


def test_verify_names_a_deleted_row(app, logged):
    _behind_the_back(app, "DELETE FROM admin_audit WHERE seq = 3")
    code, output = _verify(app)
    assert code == 1 and "TAMPERED admin_audit seq 3: missing: deleted" in output


def test_verify_names_an_inserted_row_even_with_a_plausible_mac(app, logged):
    with app.app_context():
        last = _rows(app)[-1]
    _behind_the_back(app, "INSERT INTO admin_audit (seq, at, actor_id, target_id, action, "
                          "detail, address, prev_mac, mac) VALUES (:seq, :at, NULL, NULL, "
                          "'role.grant', '{}', '', :prev, :mac)",
                     seq=last.seq + 1, at=last.at, prev=last.mac, mac="f" * 64)
    code, output = _verify(app)
    assert code == 1 and f"TAMPERED admin_audit seq {last.seq + 1}" in output


def test_rows_are_chained_under_a_key_outside_the_database(app, logged):
    with app.app_context():
        rows = _rows(app)
        assert audit.event_mac(rows[0], rows[0].prev_mac) == rows[0].mac
        app.config["SECRET_KEY"], saved = "another-key", app.config["SECRET_KEY"]
        try:
            assert audit.event_mac(rows[0], rows[0].prev_mac) != rows[0].mac
        finally:
            app.config["SECRET_KEY"] = saved


def test_a_checkpoint_finds_rows_deleted_from_the_end(app, logged):
    result = app.test_cli_runner().invoke(args=["records", "checkpoint"])
    assert result.exit_code == 0, result.output
    line = result.output.splitlines()[1].split()
    assert line[1:4] == ["audit-log", "seq", "4"]
    mac = line[4]
    args = ["records", "verify", "--no-statuses", "--audit-checkpoint", mac]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0 and "up to the checkpoint is unchanged" in result.output
    # The newest rows and the head row rewritten together: only the checkpoint shows it.
    _behind_the_back(app, "DELETE FROM admin_audit WHERE seq >= 3")
    with app.app_context():
        rows = _rows(app)
        db.session.execute(text("UPDATE admin_audit_head SET seq = 2, mac = :mac"),
                           {"mac": rows[-1].mac})
        db.session.commit()
    assert _verify(app)[0] == 0  # without the checkpoint, a shorter log looks whole
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1 and "is not in the log" in result.output


def test_every_action_has_a_label_in_the_order_the_log_knows():
    from lms.org.audit_views import ACTION_LABELS

    assert tuple(ACTION_LABELS) == audit.ACTIONS


def test_details_and_actors_read_as_words(app, client, auth, auditor, district):
    """A refused sign-in is someone not signed in, not the command line; what a change did
    and which fields it touched read as words; a missing unit as —."""
    client.post("/login", data={"username": "learn", "password": "wrong-one-1"})
    with app.test_request_context():
        audit.log("reading.change", detail={"what": "publish", "year": 2026,
                                            "titles": ["甲", "乙"]}, actor=None)
        audit.log("rules.change", detail={"code": "x", "changes": ["active", "window_years"]},
                  actor=district["org_admin"])
        audit.log("account.create", detail={"username": "a", "unit": None},
                  actor=district["sysadmin"])
        db.session.commit()
    auth.login("aud")
    page = client.get("/audit").get_data(as_text=True)
    assert "未登录者" in page and "事项：发布" in page and "甲、乙" in page
    assert "在用、周期年数" in page and "单位代码：—" in page
