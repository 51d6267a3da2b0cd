"""A small demo-like district for the tests that walk every route and every link: a district
with two streets and a community, one account per role, another district, courses, an exam,
record entries, claims with evidence, reading notes, plans, appraisals, tokens and notices,
each belonging to someone, so a test can ask for a thing that is the viewer's own, inside
their scope, above it or outside it.

The whole world lives in one outer transaction that the module rolls back at its end; every
request runs inside a savepoint that is rolled back after it, so a request that changes
something (an allowed deactivation, a sign-out) never changes what the next one sees.
"""
from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, select
from sqlalchemy.engine import Connection

from lms.core import allowances
from lms.extensions import db
from tests.conftest import _HASH, COURSES, KEEP, PASSWORD

# The roles a walk signs in as, and the account that holds each ("anon" signs in as nobody).
ROLES = ("anon", "learner", "lecturer", "unit_admin", "org_admin", "sysadmin", "auditor")
ACCOUNT = {"learner": "learn", "lecturer": "lect", "unit_admin": "ua1", "org_admin": "org",
           "sysadmin": "sys", "auditor": "aud"}
TARGETS = ("own", "in", "above", "out")

# Whose thing each target is, per role: the viewer's own, someone inside their scope (for a
# learner: a colleague of the same community), a superior, and someone outside (another
# street; for the organisation department, another district). None: no such person.
PEOPLE = {
    "anon": {"own": None, "in": "learn", "above": "ua1", "out": "c2"},
    "learner": {"own": "learn", "in": "peer", "above": "ua1", "out": "c2"},
    "lecturer": {"own": "lect", "in": "c1", "above": "ua1", "out": "c2"},
    "unit_admin": {"own": "ua1", "in": "learn", "above": "org", "out": "c2"},
    "org_admin": {"own": "org", "in": "c1", "above": "sys", "out": "c9"},
    "sysadmin": {"own": "sys", "in": "c1", "above": None, "out": None},
    "auditor": {"own": "aud", "in": "c1", "above": "org", "out": "c2"},
}
UNITS = {
    "anon": {"own": None, "in": "JD01-SQ01", "above": "QU", "out": "JD02"},
    "learner": {"own": "JD01-SQ01", "in": None, "above": "JD01", "out": "JD02"},
    "lecturer": {"own": "JD01", "in": "JD01-SQ01", "above": "QU", "out": "JD02"},
    "unit_admin": {"own": "JD01", "in": "JD01-SQ01", "above": "QU", "out": "JD02"},
    "org_admin": {"own": "QU", "in": "JD01", "above": None, "out": "QU9"},
    "sysadmin": {"own": None, "in": "JD01", "above": None, "out": None},
    "auditor": {"own": None, "in": "JD01", "above": "QU", "out": "JD02"},
}
# Courses: the lecturer's own published course (tufa, with an offline session and a sealed
# exam), another author's published course (gongwen) and another lecturer's draft (xinxi).
COURSES_OF = {role: {"own": "tufa" if role == "lecturer" else None, "in": "gongwen",
                     "above": None, "out": "xinxi"} for role in ROLES}


@dataclass
class World:
    """Ids of everything the walk may ask for, keyed by kind and owner."""

    users: dict[str, int] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)
    courses: dict[str, tuple[int, str]] = field(default_factory=dict)  # key -> (id, slug)
    activities: dict[tuple[str, str], int] = field(default_factory=dict)  # (course, type)
    questions: dict[str, int] = field(default_factory=dict)
    media: dict[str, tuple[int, str]] = field(default_factory=dict)
    owned: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, username) -> id
    tokens: dict[str, str] = field(default_factory=dict)  # username -> API token
    rule_set: int = 0
    reading_item: int = 0
    calls: dict[str, int] = field(default_factory=dict)  # unit code -> reading call
    # Training: (kind, unit code) -> id of the unit's class and of its session, trainee,
    # explanation, leave request, quota, attachment; ("plan"/"plan_item"/"budget", code) too.
    training: dict[tuple[str, str], int] = field(default_factory=dict)
    year: int = 0


class _Joined(FlaskSession):
    """A session bound to the walk's one connection (commits release a savepoint)."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@contextmanager
def rolled_back_world(app: Flask) -> Iterator[tuple[Connection, World]]:
    """Build the world inside a transaction that is rolled back at the end; meanwhile every
    session of the application works on its one connection."""
    with app.app_context():
        engine = db.engine
    conn = engine.connect()
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:  # pysqlite opens transactions late: let SQLAlchemy say BEGIN and SAVEPOINT
        conn.connection.dbapi_connection.isolation_level = None
        event.listen(conn, "begin", _begin)
    outer = conn.begin()
    saved = db.session
    db.session = db._make_scoped_session({"class_": _Joined, "bind": conn,
                                          "join_transaction_mode": "create_savepoint"})
    # A job that a page starts stays queued: its runner would need a connection of its own,
    # and the world's changes live in this one connection's transaction.
    from lms.jobs import services as job_services

    saved_dispatch = job_services.dispatch
    job_services.dispatch = lambda job_id: "queued"
    try:
        with app.test_request_context():
            world = build(app)
        yield conn, world
    finally:
        db.session = saved
        job_services.dispatch = saved_dispatch
        outer.rollback()
        if not sqlite:  # sequences are not transactional: start them again, as conftest does
            names = ", ".join(t.name for t in db.metadata.sorted_tables if t.name not in KEEP)
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            conn.commit()
        if sqlite:
            event.remove(conn, "begin", _begin)
            conn.connection.dbapi_connection.isolation_level = ""
        conn.close()
        allowances.reset()
        from lms.catalog import outline, views

        outline._outlines.clear()  # snapshots of rows that no longer exist
        views._catalogue_pages.clear()


def _begin(conn) -> None:
    conn.exec_driver_sql("BEGIN")


def _user(username: str, name: str, role: str, unit: str | None, **profile) -> int:
    from lms.org import services

    user = services.add_account(username, name, _HASH, role,
                                services.unit_by_code(unit) if unit else None, **profile)
    return user.id


def build(app: Flask) -> World:
    """Create the district, its people and their things (inside an app context)."""
    from lms.assessment.attempts import start_or_resume
    from lms.assessment.importer import import_questions
    from lms.assessment.models import Question
    from lms.auth.models import User
    from lms.auth.services import create_token
    from lms.catalog.models import Activity, Course
    from lms.catalog.package_files import open_package
    from lms.catalog.packages import import_package
    from lms.catalog.services import upload_media
    from lms.core.timeutil import local_today
    from lms.demo.records import _learner_year
    from lms.org import services
    from lms.org.models import Unit
    from lms.org.reference import ensure_categories
    from lms.progress.notices import remind
    from lms.progress.services import enrol
    from lms.records import plans, reading, rules
    from lms.records.models import Claim, Evidence, ReadingNote, RecordEntry

    w = World(year=local_today().year)
    ensure_categories()
    for code, name, kind, parent in (
            ("QU", "青山区", "district", None), ("JD01", "城关街道", "street", "QU"),
            ("JD01-SQ01", "解放路社区", "community", "JD01"), ("JD02", "东湖街道", "street", "QU"),
            ("QU9", "白水区", "district", None), ("QU9-JD01", "白水街道", "street", "QU9")):
        parent_unit = services.unit_by_code(parent) if parent else None
        w.units[code] = services.create_unit(code, name, kind, parent_unit).id
    db.session.commit()
    profile = {"rank": "section", "birth_date": date(1988, 5, 12)}
    for username, name, role, unit in (
            ("sys", "系统管理员", "sysadmin", None), ("aud", "审计管理员", "auditor", None),
            ("org", "组织部管理员", "org_admin", "QU"),
            ("ua1", "城关街道管理员", "unit_admin", "JD01"),
            ("ua2", "东湖街道管理员", "unit_admin", "JD02"),
            ("lect", "城关教师", "lecturer", "JD01"), ("lect2", "东湖教师", "lecturer", "JD02"),
            ("lecturer", "党校教师", "lecturer", "QU"),  # the sample courses name this lecturer
            ("learn", "李学员", "learner", "JD01-SQ01"),
            ("peer", "同社区学员", "learner", "JD01-SQ01"), ("c1", "王一", "learner", "JD01"),
            ("c2", "赵二", "learner", "JD02"), ("c9", "白水学员", "learner", "QU9-JD01")):
        w.users[username] = _user(username, name, role, unit, **(profile if unit else {}))
    user = {name: db.session.get(User, uid) for name, uid in w.users.items()}

    # Courses: gongwen published by the organisation department, tufa published with the
    # lecturer as its owner, xinxi a draft of the other street's lecturer.
    for key, folder, owner, status in (("gongwen", "gongwen-xiezuo", "org", "published"),
                                       ("tufa", "tufa-shijian-yingji", "lect", "published"),
                                       ("xinxi", "xinxi-baosong", "lect2", "draft")):
        with _with_exam(COURSES / folder) if key == "tufa" else open_package(
                COURSES / folder) as files:
            course = import_package(files, actor=user[owner], new_status=status).course
        course.owner_id = user[owner].id
        db.session.commit()
        w.courses[key] = (course.id, course.slug)
        for activity in db.session.scalars(select(Activity).where(
                Activity.course_id == course.id).order_by(Activity.position)):
            w.activities.setdefault((key, activity.type_key), activity.id)
        import_questions("::问题:: 公文的标题由哪些要素组成？ {=发文机关、事由和文种 ~只有文种}",
                         "gift", course.id, user[owner].id)
        db.session.commit()
        w.questions[key] = db.session.scalar(select(Question.id).where(
            Question.course_id == course.id).order_by(Question.id))
        media = upload_media(course, "cover.png", io.BytesIO(_PNG))
        db.session.commit()
        w.media[key] = (media.id, media.filename)

    # The learning record: the national rule sets, this year's reading list, and for each
    # person with a unit entries, a reading note, a plan and a claim with evidence.
    rules.seed_defaults()
    from lms.records.models import RuleSet

    w.rule_set = db.session.scalar(select(RuleSet.id).order_by(RuleSet.id))
    for order, title in enumerate(("中国共产党章程", "干部教育培训工作条例")):
        reading.add_item(w.year, title=title, author="", publisher="人民出版社", sort_order=order)
    reading.publish_year(w.year, user["org"].id)
    db.session.commit()
    from lms.records.models import ReadingItem

    w.reading_item = db.session.scalar(select(ReadingItem.id).order_by(ReadingItem.id))
    enterer = {"learn": "ua1", "peer": "ua1", "c1": "ua1", "lect": "ua1", "ua1": "org",
               "c2": "ua2", "ua2": "org", "org": "sys", "c9": "sys"}
    gongwen = db.session.get(Course, w.courses["gongwen"][0])
    quiz = db.session.get(Activity, w.activities[("gongwen", "quiz")])
    for username, actor in enterer.items():
        cadre = user[username]
        _learner_year(w.year, cadre, user[actor])
        db.session.commit()
        plans.write_appraisal(cadre.id, w.year, user[actor], strengths="认真", shortcomings="无",
                              requirements="继续")
        db.session.commit()
        enrol(cadre, gongwen)
        db.session.commit()
        start_or_resume(cadre, quiz)
        db.session.commit()
        remind([cadre.id], gongwen, user["org"])
        db.session.commit()
    for username, cadre in user.items():
        w.tokens[username] = create_token(cadre, "walk")
    db.session.commit()
    from lms.assessment.models import Attempt
    from lms.auth.models import ApiToken
    from lms.org.models import RoleGrant
    from lms.progress.models import Notice

    def first(model, column, uid, *where):
        return db.session.scalar(select(model.id).where(column == uid, *where)
                                 .order_by(model.id))

    for username, uid in w.users.items():
        for kind, model, column in (("claim", Claim, Claim.user_id),
                                    ("note", ReadingNote, ReadingNote.user_id),
                                    ("entry", RecordEntry, RecordEntry.user_id),
                                    ("token", ApiToken, ApiToken.user_id),
                                    ("notice", Notice, Notice.user_id),
                                    ("attempt", Attempt, Attempt.user_id)):
            found = first(model, column, uid)
            if found is not None:
                w.owned[(kind, username)] = found
        evidence = db.session.scalar(select(Evidence.id).join(Claim).where(
            Claim.user_id == uid).order_by(Evidence.id))
        if evidence is not None:
            w.owned[("evidence", username)] = evidence
        # The grant that matters: the person's highest role.
        grants = db.session.scalars(select(RoleGrant).where(RoleGrant.user_id == uid)
                                    .order_by(RoleGrant.id)).all()
        main = [g for g in grants if g.role != "learner"] or grants
        w.owned[("grant", username)] = main[0].id
        w.owned[("job", username)] = _job(uid)
    for code in ("JD01", "JD01-SQ01", "JD02", "QU", "QU9"):
        actor = {"JD01": "ua1", "JD01-SQ01": "ua1", "JD02": "ua2"}.get(code, "org")
        call, _told = reading.create_call(db.session.get(Unit, w.units[code]), w.year,
                                          item=None, due_on=None, message="请提交读书笔记",
                                          actor=user[actor], link="/me/reading")
        db.session.commit()
        w.calls[code] = call.id
    _training(w)
    return w


def _job(owner_id: int) -> int:
    """A finished job of the person's, with a small text file as its result."""
    from lms.core.storage import storage
    from lms.core.timeutil import utcnow
    from lms.jobs.models import Job

    sha, size = storage().store([b"walk\n"])
    job = Job(kind="jobs.selftest", key=f"walk-{owner_id}", owner_id=owner_id, params={},
              state="done", done=1, total=1, result_sha256=sha, result_size=size,
              result_name="walk.txt", result_mime="text/plain", finished_at=utcnow())
    db.session.add(job)
    db.session.commit()
    return job.id


# A class of each unit: its trainee is the unit's first cadre (for the community, `learn`).
_TRAINEE_OF = {"JD01": "c1", "JD01-SQ01": "learn", "JD02": "c2", "QU": "org", "QU9": "c9"}


def _training(w: World) -> None:
    """For each unit a running class with a session, a trainee with an explanation and a
    leave request, a quota, an attachment; the district's plan with an item and a budget."""
    from datetime import datetime, timedelta

    from lms.training import models as t

    today = date(w.year, 6, 1)
    for code, username in _TRAINEE_OF.items():
        unit_id, uid = w.units[code], w.users[username]
        plan = t.TrainingPlan(unit_id=unit_id, year=w.year, title=f"{code} 年度培训计划",
                              status="published")
        db.session.add(plan)
        db.session.flush()
        item = t.PlanItem(plan_id=plan.id, category="young", title="中青年干部培训班",
                          planned_classes=2, planned_trainees=80, budget_fen=10_000_00)
        budget = t.UnitBudget(unit_id=unit_id, year=w.year, budget_fen=50_000_00)
        db.session.add_all([item, budget])
        db.session.flush()
        cls = t.TrainingClass(year=w.year, title=f"{code} 中青年干部培训班", unit_id=unit_id,
                              plan_item_id=item.id, category="young", form="short_off_job",
                              starts_on=today, ends_on=today + timedelta(days=4), days=5,
                              hours=35, status="running", created_by=w.users["org"])
        db.session.add(cls)
        db.session.flush()
        start = datetime(w.year, 6, 1, 1, 0)
        session = t.ClassSession(class_id=cls.id, title="开班式", starts_at=start,
                                 ends_at=start + timedelta(hours=3), hours=3,
                                 checkin_code="123456",
                                 code_expires_at=start + timedelta(hours=1))
        quota = t.ClassQuota(class_id=cls.id, unit_id=unit_id, seats=3)
        db.session.add_all([session, quota])
        db.session.flush()
        trainee = t.ClassTrainee(class_id=cls.id, user_id=uid, unit_id=unit_id,
                                 status="explained", quota_id=quota.id)
        attachment = t.ClassAttachment(class_id=cls.id, filename="方案.pdf",
                                       stored_name="missing.pdf",
                                       content_type="application/pdf", size=10)
        db.session.add_all([trainee, attachment])
        db.session.flush()
        explanation = t.Explanation(trainee_id=trainee.id, text="公务出差")
        leave = t.LeaveRequest(session_id=session.id, user_id=uid, reason="病假")
        db.session.add_all([explanation, leave])
        db.session.flush()
        for kind, row in (("plan", plan), ("plan_item", item), ("budget", budget),
                          ("class", cls), ("session", session), ("quota", quota),
                          ("trainee", trainee), ("attachment", attachment),
                          ("explanation", explanation), ("leave", leave)):
            w.training[(kind, code)] = row.id
    db.session.commit()


# A 1x1 transparent PNG.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


@contextmanager
def _with_exam(folder: Path):
    """The course package in `folder` with a sealed exam, open now, on its quiz's questions
    (its authors, the course's owner and lecturers, may not sit it)."""
    from lms.catalog.package_files import open_package
    from lms.core.timeutil import utcnow

    now = utcnow() + timedelta(hours=8)  # the window is written in local (Shanghai) time
    opens = (now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    closes = (now + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / folder.name
        shutil.copytree(folder, copy)
        with (copy / "course.toml").open("a", encoding="utf-8") as toml:
            toml.write(f"""
[[activities]]
key = "kaoshi"
type = "exam"
title = "结业考试"
questions = "quiz/ceyan.gift"
duration_minutes = 60
opens_at = "{opens}"
closes_at = "{closes}"
""")
        with open_package(copy) as files:
            yield files


def signed_in(app: Flask, role: str) -> FlaskClient:
    """A test client signed in as the role's account (anonymous for "anon")."""
    client = app.test_client()
    if role != "anon":
        response = client.post("/login", data={"username": ACCOUNT[role],
                                                "password": PASSWORD})
        assert response.status_code == 302, (role, response.status_code)
    return client


# ---- walking a rule ------------------------------------------------------------------------

# Arguments that name something belonging to a person, and the kind of thing.
OWNED = {"claim_id": "claim", "note_id": "note", "entry_id": "entry", "evidence_id": "evidence",
         "notice_id": "notice", "token_id": "token", "grant_id": "grant",
         "attempt_id": "attempt", "job_id": "job"}
PERSON_ARGS = {"user_id", "username", *OWNED}
# Training things belong to a unit (the class's): {route argument: kind in `World.training`}.
TRAINING_ARGS = {"class_id": "class", "session_id": "session", "trainee_id": "trainee",
                 "explanation_id": "explanation", "leave_id": "leave", "quota_id": "quota",
                 "attachment_id": "attachment", "plan_id": "plan", "plan_item_id": "plan_item",
                 "budget_id": "budget"}
UNIT_ARGS = {"unit_id", "call_id", *TRAINING_ARGS}
COURSE_ARGS = {"course_id", "slug", "activity_id", "question_id", "media_id"}
# Fixed values of arguments that name no object, per endpoint where it matters.
FIXED = {"action": {"org.cadre_set_active": "deactivate", "teach.activity_action": "up"},
         "fmt": "xlsx", "type_key": "lecture", "slot": 1, "filename": "favicon.svg",
         "page": "results"}
# Which activity an endpoint is about (default: the course's quiz).
ACTIVITY_TYPE = {"api.start_attempt": "exam", "assessment.start": "exam",
                 "tracking.attendance": "offline", "catalog.activity": "lecture",
                 "progress.beat": "lecture", "progress.presence": "lecture",
                 "api.heartbeat": "lecture", "api.presence": "lecture",
                 "progress.answers": "survey", "api.activity_answers": "survey",
                 "activity_pages.page": "survey", "activity_pages.table": "survey"}


def dimension(rule) -> str:
    """What a rule's targets vary over: "person", "unit", "course" or "-" (nothing)."""
    args = set(rule.arguments)
    if args & PERSON_ARGS:
        return "person"
    if args & UNIT_ARGS:
        return "unit"
    if args & COURSE_ARGS:
        return "course"
    return "-"


def url_for_target(rule, w: World, role: str, target: str) -> str | None:
    """The URL of `rule` on the role's `target` (None when the role has no such target)."""
    values: dict = {}
    person = PEOPLE[role][target]
    unit = UNITS[role][target]
    # Things of a person are on the published course that everyone studies.
    course = COURSES_OF[role]["in" if dimension(rule) == "person" else target]
    for arg in rule.arguments:
        if arg in ("user_id",):
            value = w.users.get(person) if person else None
        elif arg == "username":
            value = person
        elif arg in OWNED:
            value = w.owned.get((OWNED[arg], person)) if person else None
        elif arg == "unit_id":
            value = w.units.get(unit) if unit else None
        elif arg == "call_id":
            value = w.calls.get(unit) if unit else None
        elif arg in TRAINING_ARGS:
            value = w.training.get((TRAINING_ARGS[arg], unit)) if unit else None
        elif arg in ("course_id", "slug"):
            value = w.courses[course][0 if arg == "course_id" else 1] if course else None
        elif arg == "activity_id":
            kind = ACTIVITY_TYPE.get(rule.endpoint, "quiz")
            value = (w.activities.get((course, kind)) or w.activities.get((course, "quiz"))
                     if course else None)
        elif arg == "question_id":
            value = w.questions.get(course) if course else None
        elif arg in ("media_id", "name"):
            pair = w.media.get(course) if course else None
            value = pair and pair[0 if arg == "media_id" else 1]
        elif arg == "item_id":
            value = w.reading_item
        elif arg == "rule_set_id":
            value = w.rule_set
        elif arg == "year":
            value = w.year
        elif arg == "action":
            value = FIXED["action"][rule.endpoint]
        else:
            value = FIXED[arg]
        if value is None:
            return None
        values[arg] = value
    return rule.build(values, append_unknown=False)[1]


def classify(response) -> str:
    """A status class: 2 (success), R (redirect), L (sign-in needed), F (403), N (404),
    M (405), B (400/422), C (409), T (429), E (5xx)."""
    code = response.status_code
    if 200 <= code < 300:
        return "2"
    if 300 <= code < 400:
        return "L" if "/login" in response.headers.get("Location", "") else "R"
    return {401: "L", 403: "F", 404: "N", 405: "M", 400: "B", 422: "B", 409: "C",
            429: "T"}.get(code, "E" if code >= 500 else str(code))


# Bookkeeping that every signed-in request may write, whatever it asks for.
# (A session is marked as seen once a minute: a slow walk reaches that minute.)
BOOKKEEPING = ("UPDATE api_tokens SET last_used_at=", "UPDATE user_sessions SET last_seen_at=")


@contextmanager
def writes_on(conn: Connection) -> Iterator[list[str]]:
    """The INSERT/UPDATE/DELETE statements run on `conn` meanwhile (bookkeeping aside)."""
    seen: list[str] = []

    def watch(_conn, _cursor, statement, *_args) -> None:
        text = " ".join(statement.split())
        if text[:6].upper() in ("INSERT", "UPDATE", "DELETE") and not text.startswith(
                BOOKKEEPING):
            seen.append(text[:90])

    event.listen(conn, "before_cursor_execute", watch)
    try:
        yield seen
    finally:
        event.remove(conn, "before_cursor_execute", watch)


@contextmanager
def undone(conn: Connection) -> Iterator[None]:
    """Whatever happens meanwhile is rolled back afterwards."""
    savepoint = conn.begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()
        allowances.reset()


def call(client: FlaskClient, method: str, url: str, cookie: str | None,
         token: str | None):
    """One request as the signed-in client (its session cookie restored first)."""
    name = client.application.config["SESSION_COOKIE_NAME"]
    if cookie is not None:
        client.set_cookie(name, cookie)
    else:
        client.delete_cookie(name)
    kwargs: dict = {}
    if url.startswith("/api/"):
        if token:
            kwargs["headers"] = {"Authorization": f"Bearer {token}"}
        if method in ("POST", "PUT"):
            kwargs["json"] = {}
    elif method in ("POST", "PUT"):
        kwargs["data"] = {}
    response = client.open(url, method=method, **kwargs)
    response.close()  # a file answer holds its file open until closed
    return response
