"""Learners for bench/heartbeat: accounts, API tokens, enrolments and activity states.

    python bench/heartbeat_setup.py SLUG COUNT OUT.jsonl

Creates COUNT learners (`hb000001` ...) with one API token each, enrolled in the published
course SLUG (imported beforehand with `flask courses import`), each with a state in one of the
course's live lecture or reading activities (round robin), as a learner who opened the
activity before: the benchmark measures the steady heartbeat, not the first visit.
Writes one JSON line per learner: user_id, username, token, activity_id.

Bulk inserts keep it fast (10,000 learners in seconds); the rows are the same the services
write (`create_token` digests, `enrol`'s enrolment, `_first_visit`'s empty state).
"""
from __future__ import annotations

import json
import secrets
import sys

from sqlalchemy import insert, select

from lms import create_app
from lms.auth.models import ApiToken, User, new_session_token
from lms.auth.services import TOKEN_PREFIX
from lms.catalog.models import Activity, ActivityState, Course
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.progress.models import Enrolment

BATCH = 2000
STUDIED_TYPES = ("lecture", "reading")


def create_learners(slug: str, count: int) -> list[dict]:
    """Insert `count` learners studying course `slug`; return their ids, tokens, activities."""
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None or course.status != "published":
        raise SystemExit(f"course {slug} is missing or not published")
    activities = db.session.scalars(
        select(Activity.id).where(Activity.course_id == course.id, Activity.retired.is_(False),
                                  Activity.type_key.in_(STUDIED_TYPES))
        .order_by(Activity.position)).all()
    if not activities:
        raise SystemExit(f"course {slug} has no lecture or reading activity")
    now = utcnow()
    names = [f"hb{i:06d}" for i in range(1, count + 1)]
    for start in range(0, count, BATCH):
        db.session.execute(insert(User), [
            {"username": name, "name": f"学员{name[2:]}", "password_hash": None,
             "is_active_flag": True, "must_change_password": False,
             "session_token": new_session_token(), "created_at": now}
            for name in names[start:start + BATCH]])
    ids = dict(db.session.execute(
        select(User.username, User.id).where(User.username.like("hb%"))).all())
    learners = []
    for n, name in enumerate(names):
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        learners.append({"user_id": ids[name], "username": name, "token": token,
                         "activity_id": activities[n % len(activities)]})
    for start in range(0, count, BATCH):
        chunk = learners[start:start + BATCH]
        db.session.execute(insert(ApiToken), [
            {"user_id": row["user_id"], "name": "bench", "prefix": row["token"][:10],
             "digest": ApiToken.digest_of(row["token"]), "created_at": now} for row in chunk])
        db.session.execute(insert(Enrolment), [
            {"user_id": row["user_id"], "course_id": course.id, "source": "self",
             "enrolled_at": now} for row in chunk])
        db.session.execute(insert(ActivityState), [
            {"user_id": row["user_id"], "activity_id": row["activity_id"], "state": {},
             "study_seconds": 0, "last_seq": 0, "frontier": 0.0, "position": 0.0,
             "updated_at": now} for row in chunk])
    db.session.commit()
    return learners


def main(argv: list[str]) -> None:
    """Command line: SLUG COUNT OUT.jsonl."""
    if len(argv) != 3:
        raise SystemExit(__doc__)
    slug, count, out = argv[0], int(argv[1]), argv[2]
    app = create_app()
    with app.app_context():
        learners = create_learners(slug, count)
    with open(out, "w") as f:
        for row in learners:
            f.write(json.dumps(row) + "\n")
    print(f"{len(learners)} learners with tokens and states in {slug}")


if __name__ == "__main__":
    main(sys.argv[1:])
