"""Notices by e-mail, against a real SMTP server on loopback: an assignment e-mails each cadre
who gave an address, none who turned it off; nothing leaves before the commit or after a
rollback; a mail server that is down fails nothing; the account page keeps the address."""
from __future__ import annotations

import email
import email.policy
import logging
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from lms.auth.models import User
from lms.catalog.models import Course
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org import services as org_services
from lms.progress import notice_mail, notices
from lms.progress.models import Notice
from tests.conftest import COURSES

SLUG = "gongwen-xiezuo"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """What the loopback server received: (envelope recipients, parsed message)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.received.append((list(envelope.rcpt_tos), email.message_from_bytes(
            envelope.content, policy=email.policy.default)))
        return "250 OK"


@pytest.fixture
def smtp(app, monkeypatch) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 (a free port), and the app configured to send to it."""
    port = _free_port()
    inbox = Inbox(port)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    for key, value in {"LMS_SMTP_HOST": "127.0.0.1", "LMS_SMTP_PORT": port,
                       "LMS_SMTP_FROM": "xuexi@example.gov.cn", "LMS_SMTP_TIMEOUT": 5,
                       "LMS_SITE_URL": ""}.items():
        monkeypatch.setitem(app.config, key, value)
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def course(app, district, make_user, import_course) -> int:
    make_user("lecturer", "lecturer", "QU", name="党校教师")
    import_course(COURSES / SLUG)
    with app.app_context():
        return db.session.scalar(select(Course.id).filter_by(slug=SLUG))


def _set_email(app, username: str, address: str | None, wanted: bool = True) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username=username))
        user.email, user.email_notices = address, wanted
        db.session.commit()


def _assign(client, auth, course_id: int, usernames: str):
    auth.login("ua1")
    with client.application.app_context():
        unit_id = org_services.unit_by_code("JD01").id
    return client.post("/admin/assignments/new", data={
        "course_id": course_id, "kind": "people", "unit_id": unit_id, "usernames": usernames,
        "due_on": (local_today() + timedelta(days=30)).isoformat()})


def test_an_assignment_emails_the_cadre_with_an_address_and_not_one_who_opted_out(
        app, client, auth, course, smtp):
    _set_email(app, "c1", "wangyi@example.gov.cn")
    _set_email(app, "learn", "lixueyuan@example.gov.cn", wanted=False)  # opted out
    response = _assign(client, auth, course, "c1\nlearn")
    assert response.status_code == 302
    assert len(smtp.received) == 1
    recipients, message = smtp.received[0]
    assert recipients == ["wangyi@example.gov.cn"]
    assert message["To"] == "wangyi@example.gov.cn"
    assert message["From"] == "xuexi@example.gov.cn"
    assert message["Subject"] == "干部网络学院：课程布置"
    body = message.get_content()
    assert "王一，您好：" in body and "已为您布置课程“公文写作基础”" in body
    assert f"查看：http://localhost/courses/{SLUG}" in body
    with app.app_context():  # both have the notice in their inbox, e-mailed or not
        told = db.session.scalars(select(Notice.user_id).filter_by(kind="assignment")).all()
        ids = set(db.session.scalars(select(User.id).where(User.username.in_(["c1", "learn"]))))
        assert sorted(told) == sorted(ids)


def test_the_site_address_starts_the_link_when_configured(app, client, auth, course, smtp,
                                                          monkeypatch):
    monkeypatch.setitem(app.config, "LMS_SITE_URL", "https://xuexi.example.gov.cn")
    _set_email(app, "c1", "wangyi@example.gov.cn")
    _assign(client, auth, course, "c1")
    body = smtp.received[0][1].get_content()
    assert f"查看：https://xuexi.example.gov.cn/courses/{SLUG}" in body


def test_nothing_is_sent_before_the_commit_nor_after_a_rollback(app, district, smtp):
    _set_email(app, "c1", "wangyi@example.gov.cn")
    with app.test_request_context():
        c1 = db.session.scalar(select(User.id).filter_by(username="c1"))
        notices.notify([c1], "other", "不会发出的通知", "/me/inbox")
        db.session.flush()
        assert smtp.received == []  # not before the commit
        db.session.rollback()
        # A savepoint rolled back drops its notices' e-mail; the transaction around it sends
        # the rest when it commits.
        savepoint = db.session.begin_nested()
        notices.notify([c1], "other", "保存点里的通知", "/me/inbox")
        savepoint.rollback()
        notices.notify([c1], "other", "提交的通知", "/me/inbox")
        db.session.commit()
        # The session's next transaction does not send what the rolled-back one prepared.
        notices.notify([c1], "other", "再次提交的通知", "/me/inbox")
        db.session.commit()
        assert db.session.scalar(select(db.func.count()).select_from(Notice)) == 2
    bodies = [message.get_content() for _to, message in smtp.received]
    assert len(bodies) == 2
    assert "提交的通知" in bodies[0] and "再次提交的通知" in bodies[1]


def test_a_closed_session_sends_nothing_later(app, district, smtp):
    _set_email(app, "c1", "wangyi@example.gov.cn")
    with app.test_request_context():
        c1 = db.session.scalar(select(User.id).filter_by(username="c1"))
        notices.notify([c1], "other", "关闭前的通知", "/me/inbox")
        db.session.close()
        notices.notify([c1], "other", "之后的通知", "/me/inbox")
        db.session.commit()
    assert [m.get_content().count("之后的通知") for _to, m in smtp.received] == [1]


def test_a_mail_server_that_is_down_fails_nothing(app, client, auth, course, monkeypatch,
                                                  caplog):
    monkeypatch.setitem(app.config, "LMS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "LMS_SMTP_PORT", _free_port())  # nobody listens there
    monkeypatch.setitem(app.config, "LMS_SMTP_TIMEOUT", 2)
    _set_email(app, "c1", "wangyi@example.gov.cn")
    with caplog.at_level(logging.ERROR, logger="lms.core.mail"):
        response = _assign(client, auth, course, "c1")
    assert response.status_code == 302
    assert any("e-mail not sent" in r.getMessage() for r in caplog.records)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Notice)) == 1


def test_without_a_mail_server_nothing_is_prepared(app, district):
    assert not app.config["LMS_SMTP_HOST"]
    _set_email(app, "c1", "wangyi@example.gov.cn")
    with app.test_request_context():
        c1 = db.session.scalar(select(User.id).filter_by(username="c1"))
        notices.notify([c1], "other", "只在站内的通知")
        assert notice_mail.OUTBOX not in db.session.info
        db.session.commit()


def test_a_reminder_is_emailed_too(app, client, auth, course, smtp):
    _set_email(app, "c1", "wangyi@example.gov.cn")
    _assign(client, auth, course, "c1")
    smtp.received.clear()
    response = client.post(f"/admin/completion/{SLUG}/remind", data={"status": "behind"})
    assert response.status_code == 302
    assert len(smtp.received) == 1
    assert smtp.received[0][1]["Subject"] == "干部网络学院：学习提醒"


def test_the_account_page_keeps_the_address_and_the_choice(app, client, auth, district):
    auth.login("c1")
    page = client.get("/account").get_data(as_text=True)
    assert "本平台目前不发送邮件" in page  # the platform says it sends none
    response = client.post("/account", data={"mail-email": "wangyi@例子.cn",
                                             "mail-email_notices": "y", "mail-submit": "1"})
    assert response.status_code == 200
    assert "电子邮箱地址无效" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.email).filter_by(username="c1")) is None
    for bad in ("wangyi", "a b@example.cn", "a@b", "x@example.cn, y@example.cn",
                "x@example.cn\r\nBcc: y@example.cn", "a..b@example.cn"):
        html = client.post("/account", data={"mail-email": bad, "mail-submit": "1"}
                           ).get_data(as_text=True)
        assert "电子邮箱地址无效" in html, bad
    response = client.post("/account", data={"mail-email": " wangyi@example.gov.cn ",
                                             "mail-submit": "1"})  # the box unticked
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username="c1"))
        assert (user.email, user.email_notices) == ("wangyi@example.gov.cn", False)
    client.post("/account", data={"mail-email": "", "mail-email_notices": "y",
                                  "mail-submit": "1"})
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username="c1"))
        assert (user.email, user.email_notices) == (None, True)


def test_one_bad_address_does_not_stop_the_others(smtp, caplog):
    from lms.core.mail import Mail, Server, send_all

    server = Server(host="127.0.0.1", port=smtp.port, sender="平台 <xuexi@example.gov.cn>")
    mails = [Mail("bad\r\nBcc: x@example.cn", "主题", "正文"),
             Mail("wangyi@example.gov.cn", "主题", "正文")]
    with caplog.at_level(logging.WARNING, logger="lms.core.mail"):
        assert send_all(server, mails) == 1
    assert [to for to, _message in smtp.received] == [["wangyi@example.gov.cn"]]
    assert any("not sent" in r.getMessage() for r in caplog.records)
