"""Four eyes on everything that credits a cadre (issue 14): an entry, its reversal and
correction, a claim's verification or rejection, a reading note's or study plan's decision, an
appraisal, an essay's grade, a re-sit and an attendance mark are never made by the cadre
themselves, nor by an administrator whose scope sits inside the cadre's own administrative
scope (an account they appointed, or a peer of their unit). The organisation department, above
them, may. Pages show who decides instead of a button that would be refused.

The street administrator `boss` keeps their cadre profile in the community JD01-SQ01, so the
community's administrator `sqa` (appointed from the street) reaches the boss's record and only
four eyes stop them; `ua1` administers the same street (a peer); `org` is the organisation
department.
"""
# ruff: noqa: F811 (tests take the fixtures imported from tests.records_helpers)
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from lms.assessment import attempts as engine
from lms.assessment.models import Attempt, Resit
from lms.auth.models import User
from lms.catalog.models import Activity, ActivityState, Course
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org import credit
from lms.org.models import RoleGrant
from lms.org.services import unit_by_code
from lms.progress import services as progress
from lms.records import entries, plans, reading
from lms.records.models import Appraisal, Claim, ReadingNote, RecordEntry, StudyPlan
from tests.conftest import COURSES
from tests.records_helpers import api_token, chain_stays_whole, english, subject  # noqa: F401

pytestmark = pytest.mark.usefixtures("chain_stays_whole")

YEAR = local_today().year
# Who may not credit the boss: the boss, an account appointed from the boss's street, a peer.
REFUSED = ("boss", "sqa", "ua1")
OWN = ("This is your own learning. Another administrator above you decides this: the "
       "organisation department.")
ABOVE = ("街道主任 holds an administrative role over your unit or above it. Another "
         "administrator above you both decides this: the organisation department.")
SAYS = {"boss": OWN, "sqa": ABOVE, "ua1": ABOVE}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def people(app, district, make_user) -> dict[str, int]:
    """User ids by username: the small district, the street administrator `boss` (a cadre of
    the community) and the community's administrator `sqa`."""
    names = {"sysadmin": "sys", "org_admin": "org", "unit_admin": "ua1", "unit_admin2": "ua2",
             "lecturer": "lect", "learner": "learn", "cadre_jd01": "c1", "cadre_jd02": "c2"}
    ids = {names[role]: uid for role, uid in district.items()}
    ids["boss"] = make_user("boss", "learner", "JD01-SQ01", name="街道主任")
    with app.app_context():
        db.session.add(RoleGrant(user_id=ids["boss"], role="unit_admin",
                                 unit=unit_by_code("JD01")))
        db.session.commit()
    ids["sqa"] = make_user("sqa", "unit_admin", "JD01-SQ01", name="社区管理员")
    return ids


def _as(auth, username: str, act):
    auth.login(username)
    try:
        return act()
    finally:
        auth.logout()


def _english(app):
    """A request context in English, for calling services directly."""
    return app.test_request_context("/", headers={"Accept-Language": "en"})


def _row(html: str, text: str) -> str:
    """The table row of a page that holds `text`."""
    return next(row for row in re.findall(r"<tr[ >].*?</tr>", html, re.S) if text in row)


def _entry_form(subject: int, **changes) -> dict:
    data = {"kind": "off_job", "subject_id": str(subject), "title": "中青年干部培训班",
            "started_on": "2025-03-03", "ended_on": "2025-03-14", "hours": "60", "days": "10",
            "organiser": "区委党校", "result": "结业", "note": "", "institution": "",
            "programme": "", "degree": ""}
    return {**data, **changes}


def _entries(app, user_id: int) -> list[tuple]:
    with app.app_context():
        return list(db.session.execute(select(RecordEntry.id, RecordEntry.hours,
                                              RecordEntry.entered_by_id)
                                       .where(RecordEntry.user_id == user_id)
                                       .order_by(RecordEntry.id)).all())


# ---- the rule in words ---------------------------------------------------------------------

def test_the_sentence_says_why_and_who_decides(app, people):
    with _english(app):
        get = lambda name: db.session.get(User, people[name])  # noqa: E731
        assert credit.refusal(get("boss"), get("boss")) == OWN
        assert credit.refusal(get("boss"), get("sqa")) == ABOVE
        assert credit.refusal(get("boss"), get("ua1")) == ABOVE
        assert credit.refusal(get("boss"), get("org")) is None
        assert credit.refusal(get("learn"), get("sqa")) is None
        # A community's administrator is credited from the street above it.
        assert credit.refusal(get("sqa"), get("sqa")) == (
            "This is your own learning. Another administrator above you decides this: an "
            "administrator of 城关街道 or the organisation department.")
        assert credit.refusal(get("sqa"), get("boss")) is None
        # The organisation department's own learning is left to a system administrator.
        assert "a system administrator" in credit.refusal(get("org"), get("org"))
        assert credit.refusal(get("org"), get("sys")) is None
        # A lecturer's own learning is refused; so is the learning of an administrator who
        # could manage the lecturer's account (the street's, for a lecturer of the street),
        # not that of one who could not (another street's).
        assert credit.refusal(get("lect"), get("lect"), own="自己") == "自己"
        assert credit.refusal(get("boss"), get("lect")) == ABOVE
        assert credit.refusal(get("ua2"), get("lect")) is None
        ids = [people[n] for n in ("boss", "learn", "ua1", "sqa", "c1")]
        assert credit.refusals(ids, get("ua1")) == {people["boss"]: ABOVE,
                                                    people["ua1"]: OWN}


# ---- entries, reversals, corrections -------------------------------------------------------

def test_record_entries_are_added_only_from_above(app, english, auth, people, subject):
    """Must show: an account appointed by an administrator cannot credit anything on that
    administrator's record."""
    for who in REFUSED:
        def act(who=who):
            page = english.get("/cadres/boss/record/entries/new")
            assert page.status_code == 403 and SAYS[who] in page.get_data(as_text=True)
            assert 'name="title"' not in page.get_data(as_text=True)
            response = english.post("/cadres/boss/record/entries/new", data=_entry_form(subject))
            assert response.status_code == 403
            record = english.get("/cadres/boss/record").get_data(as_text=True)
            assert SAYS[who] in record
            assert "/cadres/boss/record/entries/new" not in record
        _as(auth, who, act)
    assert _entries(app, people["boss"]) == []
    # The community's administrator does not even reach a record kept in the street.
    assert _as(auth, "sqa",
               lambda: english.get("/cadres/ua1/record/entries/new").status_code) == 404

    def org():
        assert "/cadres/boss/record/entries/new" in english.get(
            "/cadres/boss/record").get_data(as_text=True)
        return english.post("/cadres/boss/record/entries/new", data=_entry_form(subject))
    assert _as(auth, "org", org).status_code == 302
    assert [(hours, by) for _id, hours, by in _entries(app, people["boss"])] == [
        (60.0, people["org"])]


def test_reversals_and_corrections_are_made_only_from_above(app, english, auth, people,
                                                            subject):
    with _english(app):
        data, _files = entries.validate_entry(_entry_form(subject))
        entry, _created = entries.add_entry(people["boss"], data, actor_id=people["org"])
        entry_id = entry.id
    for who in REFUSED:
        def act(who=who):
            url = f"/record/entries/{entry_id}/reverse"
            page = english.get(url)
            assert page.status_code == 403 and SAYS[who] in page.get_data(as_text=True)
            assert 'name="reason"' not in page.get_data(as_text=True)
            assert english.post(url, data={"reason": "重复登记"}).status_code == 403
        _as(auth, who, act)
        with _english(app):  # the service refuses as well
            with pytest.raises(entries.EntryError) as refused:
                entries.reverse(db.session.get(RecordEntry, entry_id),
                                actor_id=people[who], reason="重复登记")
            assert refused.value.code == ("own_record" if who == "boss" else "four_eyes")
    assert len(_entries(app, people["boss"])) == 1
    response = _as(auth, "org", lambda: english.post(f"/record/entries/{entry_id}/reverse",
                                                     data={"reason": "重复登记"}))
    assert response.status_code == 302 and len(_entries(app, people["boss"])) == 2
    # The corrected entry that follows the reversal.
    form = _entry_form(subject, hours="30", corrects=str(entry_id))
    for who in REFUSED:
        response = _as(auth, who, lambda: english.post(
            f"/cadres/boss/record/entries/new?corrects={entry_id}", data=form))
        assert response.status_code == 403
    assert len(_entries(app, people["boss"])) == 2
    response = _as(auth, "org", lambda: english.post(
        f"/cadres/boss/record/entries/new?corrects={entry_id}", data=form))
    assert response.status_code == 302
    assert [hours for _id, hours, _by in _entries(app, people["boss"])] == [60.0, -60.0, 30.0]


def test_the_api_refuses_a_peer_a_subordinate_and_oneself(app, client, people, subject):
    body = {"kind": "self_study", "subject_id": subject, "title": "在职自学",
            "ended_on": "2025-02-28", "hours": 12.5}
    for who, code in (("boss", "own_record"), ("sqa", "four_eyes"), ("ua1", "four_eyes")):
        response = client.post("/api/v1/users/boss/record/entries", json=body, headers={
            "Authorization": f"Bearer {api_token(app, people[who])}", "Accept-Language": "en"})
        assert response.status_code == 403, who
        assert response.get_json()["error"] == {"code": code, "message": SAYS[who]}
    assert _entries(app, people["boss"]) == []
    headers = {"Authorization": f"Bearer {api_token(app, people['org'])}"}
    response = client.post("/api/v1/users/boss/record/entries", json=body, headers=headers)
    assert response.status_code == 201
    entry_id = response.get_json()["id"]
    response = client.post(f"/api/v1/users/boss/record/entries/{entry_id}/reversal",
                           json={"reason": "重复"}, headers={
                               "Authorization": f"Bearer {api_token(app, people['ua1'])}"})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "four_eyes"


# ---- claims --------------------------------------------------------------------------------

def _claim(app, client, auth, subject: int, title: str) -> int:
    data = {"kind": "self_study", "subject_id": str(subject), "title": title,
            "started_on": "2025-04-01", "ended_on": "2025-04-30", "hours": "16", "days": "",
            "organiser": "", "result": "", "note": "", "institution": "", "programme": "",
            "degree": "", "evidence": [(io.BytesIO(PDF), "笔记.pdf")]}
    response = _as(auth, "boss", lambda: client.post(
        "/me/record/claims/new", data=data, content_type="multipart/form-data"))
    assert response.status_code == 302
    with app.app_context():
        return db.session.scalar(select(Claim.id).where(Claim.title == title))


def test_claims_are_verified_and_rejected_only_from_above(app, english, auth, people,
                                                          subject):
    one = _claim(app, english, auth, subject, "自学甲")
    two = _claim(app, english, auth, subject, "自学乙")
    for who in REFUSED:
        def act(who=who):
            queue = english.get("/admin/records/claims").get_data(as_text=True)
            assert SAYS[who] in _row(queue, "自学甲")
            page = english.get(f"/admin/records/claims/{one}").get_data(as_text=True)
            assert SAYS[who] in page and 'name="verify"' not in page
            english.post(f"/admin/records/claims/{one}", data={"verify": "1"})
            english.post(f"/admin/records/claims/{two}", data={"reject": "1", "reason": "不实"})
        _as(auth, who, act)
        with _english(app):
            with pytest.raises(entries.EntryError):
                entries.verify_claim(db.session.get(Claim, one), actor_id=people[who])
            with pytest.raises(entries.EntryError):
                entries.reject_claim(db.session.get(Claim, two), actor_id=people[who],
                                     reason="不实")
    with app.app_context():
        assert {db.session.get(Claim, c).status for c in (one, two)} == {"pending"}

    def org():
        page = english.get(f"/admin/records/claims/{one}").get_data(as_text=True)
        assert 'name="verify"' in page and OWN not in page and ABOVE not in page
        english.post(f"/admin/records/claims/{one}", data={"verify": "1"})
        english.post(f"/admin/records/claims/{two}", data={"reject": "1", "reason": "不实"})
    _as(auth, "org", org)
    with app.app_context():
        assert [db.session.get(Claim, c).status for c in (one, two)] == ["verified", "rejected"]


def test_the_claims_queue_says_who_decides_without_a_query_per_administrator(
        app, english, auth, people, subject, make_user, page_queries):
    _claim(app, english, auth, subject, "自学零")
    auth.login("ua1")
    few, _size = page_queries(english, "/admin/records/claims")
    auth.logout()
    for n in range(4):  # more administrators of the street, each with a claim
        make_user(f"peer{n}", "unit_admin", "JD01", name=f"同级{n}")
        data = {"kind": "self_study", "subject_id": str(subject), "title": f"同级自学{n}",
                "ended_on": "2025-04-30", "hours": "4", "evidence": [(io.BytesIO(PDF), "a.pdf")]}
        _as(auth, f"peer{n}", lambda d=data: english.post(
            "/me/record/claims/new", data=d, content_type="multipart/form-data"))
    auth.login("ua1")
    many, _size = page_queries(english, "/admin/records/claims")
    html = english.get("/admin/records/claims").get_data(as_text=True)
    assert html.count("holds an administrative role over your unit or above it") == 5
    assert many == few


# ---- reading notes, study plans, appraisals ------------------------------------------------

@pytest.fixture
def books(app, people) -> list[int]:
    """Two published items of this year's reading list."""
    with app.app_context():
        items = [reading.add_item(YEAR, title=title) for title in ("学习纲要", "之江新语")]
        reading.publish_year(YEAR, people["org"])
        db.session.commit()
        return [i.id for i in items]


def _note(app, username: str, item_id: int) -> ReadingNote:
    with app.app_context():
        note = db.session.scalar(select(ReadingNote).join(User, User.id == ReadingNote.user_id)
                                 .where(User.username == username,
                                        ReadingNote.item_id == item_id))
        db.session.expunge(note)
        return note


def test_reading_notes_are_decided_only_from_above(app, english, auth, people, books):
    for item in books:
        _as(auth, "boss", lambda i=item: english.post(
            f"/me/reading/{i}", data={"title": "体会", "body": "学深悟透。", "submit": "1"}))
    first, second = (_note(app, "boss", i).id for i in books)
    for who in REFUSED:
        def act(who=who):
            queue = english.get("/admin/records/notes").get_data(as_text=True)
            assert SAYS[who] in queue
            page = english.get(f"/admin/records/notes/{first}").get_data(as_text=True)
            assert SAYS[who] in page and 'name="approve"' not in page
            english.post(f"/admin/records/notes/{first}", data={"approve": "1"})
            english.post(f"/admin/records/notes/{second}",
                         data={"send_back": "1", "comment": "再改"})
        _as(auth, who, act)
        with _english(app):
            with pytest.raises(reading.ReadingError, match="administrator above"):
                reading.approve(first, db.session.get(User, people[who]))
            db.session.rollback()
    assert {_note(app, "boss", i).status for i in books} == {"submitted"}
    _as(auth, "org", lambda: english.post(f"/admin/records/notes/{first}",
                                          data={"approve": "1"}))
    _as(auth, "org", lambda: english.post(f"/admin/records/notes/{second}",
                                          data={"send_back": "1", "comment": "再改"}))
    assert [_note(app, "boss", i).status for i in books] == ["approved", "returned"]


def test_study_plans_and_appraisals_are_decided_only_from_above(app, english, auth, people):
    def submit():
        english.post(f"/me/plan/{YEAR}", data={"goals": "学习目标", "target_hours": "90",
                                                "submit": "1"})
    _as(auth, "boss", submit)
    url = f"/cadres/boss/plan/{YEAR}"
    for who in REFUSED:
        def act(who=who):
            queue = english.get("/admin/records/plans").get_data(as_text=True)
            assert SAYS[who] in queue
            page = english.get(url).get_data(as_text=True)
            assert SAYS[who] in page and 'name="approve"' not in page
            english.post(url, data={"approve": "1"})
            english.post(url, data={"send_back": "1", "comment": "目标再具体些"})
            english.post(f"/cadres/boss/appraisal/{YEAR}", data={
                "strengths": "好", "shortcomings": "少", "requirements": "多"})
        _as(auth, who, act)
        with _english(app):
            actor = db.session.get(User, people[who])
            with pytest.raises(plans.PlanError, match="administrator above"):
                plans.approve_plan(people["boss"], YEAR, actor)
            db.session.rollback()
            with pytest.raises(plans.PlanError, match="administrator above"):
                plans.write_appraisal(people["boss"], YEAR, actor, strengths="好",
                                      shortcomings="少", requirements="多")
            db.session.rollback()
    # A peer reads the appraisal page: no form, and who writes it instead.
    page = _as(auth, "ua1", lambda: english.get(f"/cadres/boss/appraisal/{YEAR}"))
    assert page.status_code == 200 and ABOVE in page.get_data(as_text=True)
    assert 'name="strengths"' not in page.get_data(as_text=True)

    def status():
        with app.app_context():
            return db.session.scalar(select(StudyPlan.status))
    assert status() == "submitted"
    _as(auth, "org", lambda: english.post(url, data={"send_back": "1", "comment": "再具体"}))
    assert status() == "returned"
    _as(auth, "boss", submit)
    _as(auth, "org", lambda: english.post(url, data={"approve": "1"}))
    assert status() == "approved"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appraisal)) == 0
    _as(auth, "org", lambda: english.post(f"/cadres/boss/appraisal/{YEAR}", data={
        "strengths": "好", "shortcomings": "少", "requirements": "多"}))
    with app.app_context():
        assert db.session.scalar(select(Appraisal.author_id)) == people["org"]


# ---- essays and re-sits --------------------------------------------------------------------

ESSAY = "::论述::结合工作实际，谈谈如何提高公文质量。{}\n"


@pytest.fixture
def essay(app, tmp_path, people, make_user, import_course) -> int:
    """A course with one essay question; the boss and the cadre `t2` have each submitted an
    attempt, and then became lecturers of the course with `sqa` and `ua1`."""
    folder = tmp_path / "essay-course"
    (folder / "quiz").mkdir(parents=True)
    (folder / "quiz" / "q.gift").write_text(ESSAY, encoding="utf-8")
    (folder / "course.toml").write_text("""\
[course]
slug = "lunshu"
title = "论述题课程"
summary = "论述"
category = "业务知识"
hours = 1.0
lecturers = ["lect"]
version = 1

[[activities]]
key = "quiz"
type = "quiz"
title = "论述测验"
hours = 0.5
questions = "quiz/q.gift"
""", encoding="utf-8")
    import_course(folder)
    make_user("t2", "learner", "QU", name="兼职教师")
    with app.app_context():
        activity = db.session.scalar(select(Activity).filter_by(key="quiz"))
        for username in ("boss", "t2"):
            user = db.session.scalar(select(User).filter_by(username=username))
            attempt = engine.start_or_resume(user, activity)
            engine.save_answers(attempt, {attempt.slots[0]["slot"]: "规范格式，严格审核。"})
            assert engine.finish(attempt).status == "submitted"
        course = db.session.get(Course, activity.course_id)
        course.lecturers.extend(db.session.scalars(select(User).where(
            User.username.in_(("boss", "t2", "sqa", "ua1")))))
        db.session.commit()
        return activity.id


def _attempt(app, username: str) -> Attempt:
    with app.app_context():
        attempt = db.session.scalar(select(Attempt).join(User, User.id == Attempt.user_id)
                                    .where(User.username == username))
        db.session.expunge(attempt)
        return attempt


def _grade(client, attempt: Attempt):
    slot = attempt.slots[0]["slot"]
    return client.post(f"/teach/grading/{attempt.id}/{slot}",
                       data={f"s{slot}-mark": "1", f"s{slot}-comment": "好"})


def test_essays_are_graded_only_from_above_and_never_by_their_author(app, english, auth,
                                                                      people, essay):
    boss = _attempt(app, "boss")
    for who in REFUSED:
        def act(who=who):
            queue = english.get("/teach/grading").get_data(as_text=True)
            row = _row(queue, "街道主任")
            assert SAYS[who] in row and f"/teach/grading/{boss.id}" not in row
            page = english.get(f"/teach/grading/{boss.id}").get_data(as_text=True)
            assert SAYS[who] in page and 'name="s1-mark"' not in page
            _grade(english, boss)
        _as(auth, who, act)
        with _english(app), pytest.raises(engine.AttemptError):
                engine.grade_answer(db.session.get(Attempt, boss.id), 1, 1.0, "",
                                    db.session.get(User, people[who]))
    assert _attempt(app, "boss").status == "submitted"
    page = _as(auth, "org", lambda: english.get(f"/teach/grading/{boss.id}"))
    assert 'name="s1-mark"' in page.get_data(as_text=True)
    _as(auth, "org", lambda: _grade(english, boss))
    assert _attempt(app, "boss").status == "graded"

    # Must show: a lecturer does not grade their own attempt; another lecturer does.
    own = _attempt(app, "t2")
    text = "This is your own attempt: another lecturer of the course grades it."

    def lecturer():
        queue = english.get("/teach/grading").get_data(as_text=True)
        assert text in queue and f"/teach/grading/{own.id}\"" not in queue
        _grade(english, own)
    _as(auth, "t2", lecturer)
    assert _attempt(app, "t2").status == "submitted"
    _as(auth, "lect", lambda: _grade(english, own))
    assert _attempt(app, "t2").status == "graded"


def test_resits_are_granted_only_from_above(app, english, auth, people, essay, make_user):
    with _english(app):
        activity = db.session.get(Activity, essay)
        boss = db.session.get(User, people["boss"])
        for who in REFUSED:
            with pytest.raises(engine.AttemptError) as refused:
                engine.grant_resit(activity, boss, db.session.get(User, people[who]))
            assert refused.value.message == SAYS[who]
        engine.grant_resit(activity, boss, db.session.get(User, people["org"]))
        assert db.session.scalar(select(func.count()).select_from(Resit)) == 1
    # Through the page: the organisation department grants none to itself, nor to a peer.
    make_user("org2", "org_admin", "QU", name="组织部二")
    for username in ("org", "org2"):
        response = _as(auth, "org", lambda u=username: english.post(
            f"/teach/activities/{essay}/resits", data={"username": u},
            follow_redirects=True))
        assert "a system administrator" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Resit)) == 1


# ---- attendance ----------------------------------------------------------------------------

@pytest.fixture
def offline(app, people, make_user, import_course) -> int:
    """The sample course with an offline session; the boss, the course's lecturer and a
    cadre are enrolled."""
    make_user("lecturer", "lecturer", "QU", name="党校教师")
    import_course(COURSES / "tufa-shijian-yingji")
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug="tufa-shijian-yingji"))
        for username in ("boss", "lecturer", "learn"):
            progress.enrol(db.session.scalar(select(User).filter_by(username=username)),
                           course)
        return db.session.scalar(select(Activity.id).filter_by(key="tuiyan"))


def _attended(app, activity_id: int) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(ActivityState.user_id).where(
            ActivityState.activity_id == activity_id,
            ActivityState.completed_at.is_not(None))))


def test_attendance_is_marked_only_from_above(app, english, auth, people, offline):
    url = f"/admin/activities/{offline}/attendance"
    box = f'name="attended" value="{people["boss"]}"'
    for who in REFUSED:
        def act(who=who):
            page = english.get(url).get_data(as_text=True)
            assert SAYS[who] in page and box not in page
            response = english.post(url, data={"attended": [people["boss"]]},
                                    follow_redirects=True)
            assert SAYS[who] in response.get_data(as_text=True)
        _as(auth, who, act)
        with _english(app), pytest.raises(progress.ProgressError, match=re.escape(SAYS[who])):
                progress.record_attendance(db.session.get(Activity, offline), [people["boss"]],
                                           db.session.get(User, people[who]))
    assert _attended(app, offline) == set()
    assert box in _as(auth, "org", lambda: english.get(url).get_data(as_text=True))
    _as(auth, "org", lambda: english.post(url, data={"attended": [people["boss"]]}))
    assert _attended(app, offline) == {people["boss"]}


def test_a_lecturer_appointed_by_an_administrator_cannot_mark_their_attendance(
        app, english, auth, people, offline, make_user):
    """Must show: the street administrator appoints a cadre lecturer (through the grant form)
    and has them lecture the course; the appointee marks the others, never the boss."""
    appointee = make_user("appointee", "learner", "JD01-SQ01", name="新讲师")
    with app.app_context():
        jd01 = unit_by_code("JD01").id
    _as(auth, "boss", lambda: english.post(f"/admin/cadres/{appointee}/grants",
                                           data={"grant": f"lecturer@{jd01}"}))
    with app.app_context():
        assert db.session.scalar(select(RoleGrant.id).filter_by(user_id=appointee,
                                                                 role="lecturer"))
        course = db.session.get(Activity, offline).course
        course.lecturers.append(db.session.get(User, appointee))
        db.session.commit()
    url = f"/admin/activities/{offline}/attendance"
    box = f'name="attended" value="{people["boss"]}"'

    def mark():
        page = english.get(url).get_data(as_text=True)
        assert ABOVE in page and box not in page
        english.post(url, data={"attended": [people["boss"]]})
        english.post(url, data={"attended": [people["learn"]]})
    _as(auth, "appointee", mark)
    assert _attended(app, offline) == {people["learn"]}


def test_a_lecturer_cannot_mark_their_own_attendance(app, english, auth, people, offline):
    with app.app_context():
        me = db.session.scalar(select(User.id).filter_by(username="lecturer"))
    url = f"/admin/activities/{offline}/attendance"
    text = ("This is your own attendance: another lecturer of the course or an administrator "
            "over your unit marks it.")

    def lecturer():
        page = english.get(url).get_data(as_text=True)
        assert text in page and f'name="attended" value="{me}"' not in page
        assert f'name="attended" value="{people["learn"]}"' in page
        response = english.post(url, data={"attended": [me, people["learn"]]},
                                follow_redirects=True)
        assert text in response.get_data(as_text=True)  # nothing marked, not even the other
    _as(auth, "lecturer", lecturer)
    assert _attended(app, offline) == set()
    _as(auth, "lecturer", lambda: english.post(url, data={"attended": [people["learn"]]}))
    _as(auth, "org", lambda: english.post(url, data={"attended": [me]}))
    assert _attended(app, offline) == {me, people["learn"]}

