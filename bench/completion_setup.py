"""Data and query counts for bench/completion.

    python bench/completion_setup.py prepare SLUG UNIT_CODE [SEED]
    python bench/completion_setup.py queries USERNAME PASSWORD URL [URL ...]

`prepare` assigns the published course SLUG to everyone in the unit subtree UNIT_CODE (as the
organisation-department account `zzb_admin`, with `assign_audience`, due at the year's end),
then gives the enrolled cadres a spread of progress: about 30 % complete every live activity
(bulk activity states, then `complete_course_if_done` writes the enrolment's completion, hours
and learning record as the services do), about 45 % are part-way (some activities done, some
credited time) and the rest have not started. Prints one JSON line of counts.

`queries` signs in through the login form with the app's test client and prints, per URL, one
JSON line with the status, the response size and the number of SQL statements it ran (API
URLs with a bearer token).

DATABASE_URL (and the other settings) come from the environment, as for `flask`.
"""
from __future__ import annotations

import json
import random
import sys
from datetime import timedelta

from flask import Flask
from sqlalchemy import event, insert, select

from lms import create_app
from lms.auth.models import User
from lms.auth.services import create_token
from lms.catalog.models import Activity, ActivityState, Course
from lms.core.timeutil import local_today, utcnow
from lms.extensions import db
from lms.org.models import Unit
from lms.progress.assignments import Audience, assign_audience
from lms.progress.models import Enrolment
from lms.progress.services import complete_course_if_done

ACTOR = "zzb_admin"
SHARE_COMPLETED = 0.30
SHARE_STARTED = 0.45


def prepare(slug: str, unit_code: str, seed: int = 2026) -> dict:
    """Assign `slug` to the subtree of `unit_code` and spread progress; return counts."""
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    actor = db.session.scalar(select(User).where(User.username == ACTOR))
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    if course is None or actor is None or unit is None:
        raise SystemExit(f"missing course {slug}, user {ACTOR} or unit {unit_code}")
    _row, reached = assign_audience(course, Audience(unit=unit),
                                    local_today().replace(month=12, day=31), actor,
                                    "bench/completion")
    activities = list(db.session.scalars(
        select(Activity.id).where(Activity.course_id == course.id, Activity.retired.is_(False))
        .order_by(Activity.position)))
    users = sorted(db.session.scalars(
        select(Enrolment.user_id).where(Enrolment.course_id == course.id)))
    rng = random.Random(seed)
    now = utcnow()
    states: list[dict] = []
    completed: list[int] = []
    started = 0
    for uid in users:
        draw = rng.random()
        if draw < SHARE_COMPLETED:
            done, studied = len(activities), len(activities)
            completed.append(uid)
        elif draw < SHARE_COMPLETED + SHARE_STARTED:
            studied = rng.randint(1, len(activities))
            done = rng.randint(0, studied - 1)
            started += 1
        else:
            continue
        base = now - timedelta(days=rng.randint(1, 60))
        for n, aid in enumerate(activities[:studied]):
            seconds = rng.randint(300, 1800)
            states.append({
                "user_id": uid, "activity_id": aid, "state": {}, "study_seconds": seconds,
                "last_seq": seconds // 30, "last_beat_at": base + timedelta(hours=n),
                "frontier": 0.0, "position": 0.0, "credited_at": base + timedelta(hours=n),
                "completed_at": base + timedelta(hours=n) if n < done else None,
                "updated_at": base + timedelta(hours=n)})
    for start in range(0, len(states), 2000):
        db.session.execute(insert(ActivityState), states[start:start + 2000])
    db.session.commit()
    marked = 0
    users_by_id = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(completed)))}
    for uid in completed:
        marked += complete_course_if_done(users_by_id[uid], course, now)
    return {"course": slug, "unit": unit_code, "assigned": reached, "enrolled": len(users),
            "activities": len(activities), "completed": marked, "in_progress": started,
            "not_started": len(users) - len(completed) - started,
            "activity_states": len(states)}


def count_queries(app: Flask, username: str, password: str, urls: list[str]) -> list[dict]:
    """Sign in with the test client; for each URL, its status, size and SQL statement count.

    URLs under /api/ are requested with a bearer token created for the same user.
    """
    client = app.test_client()
    answer = client.post("/login", data={"username": username, "password": password})
    if answer.status_code != 302:
        raise SystemExit(f"sign-in as {username} answered {answer.status_code}")
    client.get("/")
    with app.app_context():
        engine = db.engine
        user = db.session.scalar(select(User).where(User.username == username))
        token = create_token(user, "bench-queries")
    out = []
    for url in urls:
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args, sink: list[str] = statements) -> None:
            sink.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
            response = client.get(url, headers=headers)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        out.append({"url": url, "status": response.status_code, "bytes": len(response.data),
                    "queries": len(statements)})
    return out


def main() -> None:
    """Dispatch `prepare` or `queries`."""
    if len(sys.argv) < 2 or sys.argv[1] not in ("prepare", "queries"):
        raise SystemExit(__doc__)
    if sys.argv[1] == "prepare":
        app = create_app()
        with app.app_context():
            seed = int(sys.argv[4]) if len(sys.argv) > 4 else 2026
            print(json.dumps(prepare(sys.argv[2], sys.argv[3], seed)))
    else:
        app = create_app({"WTF_CSRF_ENABLED": False})
        for row in count_queries(app, sys.argv[2], sys.argv[3], sys.argv[4:]):
            print(json.dumps(row))


if __name__ == "__main__":
    main()
