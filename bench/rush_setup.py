"""Learners for bench/rush: accounts that sign in with a password, enrolled in real courses.

    python bench/rush_setup.py COUNT OUT.json

Run after `db upgrade`, `demo load`, `courses sync`, `demo assign` and `demo records` (the
rush's database looks like `make run`'s). Creates COUNT cadres (`rush00001` ...) with the demo
password (one scrypt hash shared by all, as `demo load` does), a cadre profile and the learner
role in one of the demo district's units (round robin), each enrolled in every published
course. Bulk inserts: 2,000 learners in a few seconds; the rows are those `demo load` and
`enrol` write.

Writes OUT.json: the password, the usernames, and for each published course its slug, its
lecture and reading activities (those that earn study time) and its quiz activities.
"""
from __future__ import annotations

import json
import sys
from datetime import date

from sqlalchemy import insert, select

from lms import create_app
from lms.auth.models import User, new_session_token
from lms.auth.passwords import hash_password
from lms.catalog.models import Activity, Course
from lms.core.timeutil import utcnow
from lms.demo.data import DEMO_PASSWORD
from lms.extensions import db
from lms.org.models import CadreProfile, RoleGrant, Unit
from lms.progress.models import Enrolment

BATCH = 2000
PREFIX = "rush"


def courses() -> list[dict]:
    """Every published course with its studied and quiz activities."""
    found = []
    for course in db.session.scalars(
            select(Course).where(Course.status == "published").order_by(Course.id)):
        rows = db.session.execute(
            select(Activity.id, Activity.type_key).where(
                Activity.course_id == course.id, Activity.retired.is_(False))
            .order_by(Activity.position)).all()
        found.append({"slug": course.slug, "id": course.id,
                      "studied": [i for i, t in rows if t in ("lecture", "reading")],
                      "quizzes": [i for i, t in rows if t == "quiz"]})
    return found


def create_learners(count: int, published: list[dict]) -> list[str]:
    """Insert `count` learners with profiles, roles and enrolments; return their usernames."""
    units = db.session.scalars(select(Unit.id).order_by(Unit.id)).all()
    if not units or not published:
        raise SystemExit("run demo load and courses sync first")
    have = set(db.session.scalars(select(User.username).where(User.username.like(PREFIX + "%"))))
    names = [f"{PREFIX}{i:05d}" for i in range(1, count + 1)]
    new = [n for n in names if n not in have]
    password_hash = hash_password(DEMO_PASSWORD)
    now = utcnow()
    for start in range(0, len(new), BATCH):
        db.session.execute(insert(User), [
            {"username": name, "name": f"学员{name[len(PREFIX):]}",
             "password_hash": password_hash, "is_active_flag": True,
             "must_change_password": False, "session_token": new_session_token(),
             "created_at": now} for name in new[start:start + BATCH]])
    ids = dict(db.session.execute(
        select(User.username, User.id).where(User.username.in_(new))).all()) if new else {}
    rows = [(ids[name], units[n % len(units)]) for n, name in enumerate(new)]
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        db.session.execute(insert(CadreProfile), [
            {"user_id": uid, "unit_id": unit, "gender": "female" if uid % 2 else "male",
             "rank": "section" if uid % 3 else "subsection", "position": "科员",
             "birth_date": date(1970 + uid % 30, 1 + uid % 12, 1 + uid % 28),
             "education": "bachelor", "party_status": "member", "title_level": "none",
             "updated_at": now} for uid, unit in chunk])
        db.session.execute(insert(RoleGrant), [
            {"user_id": uid, "role": "learner", "unit_id": unit, "created_at": now}
            for uid, unit in chunk])
        db.session.execute(insert(Enrolment), [
            {"user_id": uid, "course_id": course["id"], "source": "self", "enrolled_at": now}
            for uid, _unit in chunk for course in published])
    db.session.commit()
    return names


def main(argv: list[str]) -> None:
    """Command line: COUNT OUT.json."""
    if len(argv) != 2:
        raise SystemExit(__doc__)
    count, out = int(argv[0]), argv[1]
    app = create_app()
    with app.app_context():
        published = courses()
        names = create_learners(count, published)
    with open(out, "w") as f:
        json.dump({"password": DEMO_PASSWORD, "learners": names, "courses": published}, f)
    print(f"{len(names)} learners enrolled in {len(published)} published courses")


if __name__ == "__main__":
    main(sys.argv[1:])
