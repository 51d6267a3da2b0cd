"""The inbox: every notice of mine, newest first, a page at a time, by kind or unread only;
marking one or all read; nobody reads another's notices; the auditor has none; the page's
queries do not grow with the notices; every step that concerns a cadre reaches their inbox."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from lms.auth.models import User
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.progress import notices
from lms.progress.models import Notice


def _uid(username: str) -> int:
    return db.session.scalar(select(User.id).filter_by(username=username))


def _send(app, username: str, n: int, kind: str = "other", start: int = 0) -> None:
    """`n` notices to the user, one a minute apart (the later, the newer)."""
    with app.app_context():
        uid = _uid(username)
        for i in range(start, start + n):
            notices.notify([uid], kind, f"第{i}条通知", f"/me/record?n={i}")
        db.session.commit()
        ids = db.session.scalars(select(Notice.id).where(Notice.user_id == uid)
                                 .order_by(Notice.id)).all()
        base = utcnow() - timedelta(days=1)
        for i, notice_id in enumerate(ids):
            db.session.execute(update(Notice).where(Notice.id == notice_id)
                               .values(created_at=base + timedelta(minutes=i)))
        db.session.commit()


def _messages(html: str) -> list[str]:
    return re.findall(r"第\d+条通知", html)


def test_the_inbox_lists_every_notice_newest_first_a_page_at_a_time(app, client, auth,
                                                                   district):
    _send(app, "learn", 25)
    auth.login("learn")
    html = client.get("/me/inbox?per_page=10").get_data(as_text=True)
    assert _messages(html) == [f"第{i}条通知" for i in range(24, 14, -1)]
    assert "共 25 条通知" in html and "未读 25 条" in html
    assert html.count('class="unread"') == 10
    assert 'href="/me/record?n=24"' in html  # each notice's link
    last = client.get("/me/inbox?per_page=10&page=3").get_data(as_text=True)
    assert _messages(last) == [f"第{i}条通知" for i in range(4, -1, -1)]
    assert client.get("/me/inbox?page=x").status_code == 400


def test_the_inbox_filters_by_kind_and_unread(app, client, auth, district):
    _send(app, "learn", 3, kind="claim")
    _send(app, "learn", 2, kind="assignment", start=3)
    auth.login("learn")
    html = client.get("/me/inbox?kind=claim").get_data(as_text=True)
    assert _messages(html) == ["第2条通知", "第1条通知", "第0条通知"]
    assert '<option value="claim" selected>学习申报</option>' in html
    assert "课程布置" in html  # every kind is offered with its name
    everything = client.get("/me/inbox?kind=nonsense").get_data(as_text=True)
    assert len(_messages(everything)) == 5  # an unknown kind: all of them
    with app.app_context():
        first = db.session.scalar(select(Notice.id).where(Notice.kind == "assignment")
                                  .order_by(Notice.id))
    client.post(f"/me/notices/{first}/read")
    unread = client.get("/me/inbox?unread=1").get_data(as_text=True)
    assert len(_messages(unread)) == 4 and "第3条通知" not in unread


def test_marking_one_and_all_read(app, client, auth, district):
    _send(app, "learn", 3, kind="claim")
    _send(app, "learn", 2, kind="reminder", start=3)
    auth.login("learn")
    with app.app_context():
        newest = db.session.scalar(select(Notice.id).order_by(Notice.created_at.desc()))
    response = client.post(f"/me/notices/{newest}/read?next=/me/inbox?kind=reminder")
    assert response.status_code == 302
    assert response.headers["Location"] == "/me/inbox?kind=reminder"
    again = client.post(f"/me/notices/{newest}/read")  # already read: still mine, no harm
    assert again.status_code == 302
    html = client.get("/me/inbox").get_data(as_text=True)
    assert html.count('class="unread"') == 4 and "已读" in html
    response = client.post("/me/inbox/read?kind=claim&next=/me/inbox",
                           follow_redirects=True)
    assert "已将 3 条通知标为已读" in response.get_data(as_text=True)
    with app.app_context():
        left = db.session.scalars(select(Notice.kind).where(Notice.read_at.is_(None))).all()
        assert left == ["reminder"]
    response = client.post("/me/inbox/read", follow_redirects=True)
    assert "已将 1 条通知标为已读" in response.get_data(as_text=True)
    response = client.post("/me/inbox/read", follow_redirects=True)
    assert "没有未读通知" in response.get_data(as_text=True)
    # A `next` leading off the site is not followed.
    response = client.post("/me/inbox/read?next=//evil.example.com/")
    assert response.headers["Location"] == "/me/inbox"


def test_nobody_reads_anothers_notices(app, client, auth, district):
    _send(app, "c1", 2)
    auth.login("learn")
    with app.app_context():
        theirs = db.session.scalar(select(Notice.id))
    assert client.post(f"/me/notices/{theirs}/read").status_code == 404
    assert client.post("/me/notices/999999/read").status_code == 404
    client.post("/me/inbox/read")
    assert "第" not in client.get("/me/inbox").get_data(as_text=True).split("<h1>")[1]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notice)
                                 .where(Notice.read_at.is_(None))) == 2


def test_the_auditor_has_no_inbox(app, client, auth, district, make_user):
    make_user("aud", "auditor")
    auth.login("aud")
    assert client.get("/me/inbox").status_code == 404
    assert client.post("/me/inbox/read").status_code == 404


def test_my_learning_and_home_link_the_inbox(app, client, auth, district):
    _send(app, "learn", 1)
    auth.login("learn")
    for page in ("/me/learning", "/"):
        assert 'href="/me/inbox"' in client.get(page).get_data(as_text=True), page


@pytest.mark.parametrize("username", ["learn", "ua1"])
def test_inbox_queries_do_not_grow_with_the_notices(app, client, auth, district,
                                                    page_queries, username):
    auth.login(username)
    _send(app, username, 3, kind="claim")
    few, _size = page_queries(client, "/me/inbox")
    _send(app, username, 60, kind="reminder", start=3)
    many, _size = page_queries(client, "/me/inbox")
    assert many == few
    filtered, _size = page_queries(client, "/me/inbox?kind=claim&unread=1")
    assert filtered == few
