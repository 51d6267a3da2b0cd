"""Imports and reminders as background jobs: the upload stored before the job is queued,
progress per row, the result on the job's page, all or nothing with a bad row, and a retry
after a worker died (or an attempt taken over) that never imports or reminds twice."""
from __future__ import annotations

import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update

from lms.auth.models import User
from lms.catalog.models import Course
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.jobs import LeaseLost, enqueue, registry, runner
from lms.jobs.models import Job
from lms.jobs.sweeper import sweep
from lms.jobs.uploads import keep
from lms.org.models import CadreProfile
from lms.progress import notices, remind_jobs
from lms.progress.models import Notice
from tests.test_import import good_row, xlsx


def _job(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def _cadres() -> int:
    return db.session.scalar(select(func.count()).select_from(CadreProfile))


def _expire(job_id: int) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(Job.__table__).where(Job.__table__.c.id == job_id).values(
            lease_until=utcnow() - timedelta(seconds=1)))


def _attempt(job_id: int) -> runner.JobRun:
    token = runner.claim(job_id)
    assert token is not None
    return runner.JobRun(_job(job_id), token, SimpleNamespace(lost=False))


def _upload(client, data: bytes, name: str = "cadres.xlsx"):
    return client.post("/admin/cadres/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_a_cadre_import_is_a_job_with_progress_and_its_result(app, client, auth, district,
                                                              monkeypatch):
    seen: list[tuple[int, int | None]] = []
    original = runner.JobRun.progress

    def spy(self, done, total=None, message=None):
        seen.append((done, total))
        return original(self, done, total, message)
    monkeypatch.setattr(runner.JobRun, "progress", spy)
    auth.login("org")
    client.get("/?lang=en")
    with app.app_context():
        before = _cadres()
    response = _upload(client, xlsx([good_row(i) for i in range(6)]))
    assert response.status_code == 302 and response.location.startswith("/jobs/")
    assert seen == [(n, 6) for n in range(1, 7)]  # one step per row
    page = client.get(response.location).get_data(as_text=True)
    assert "Import cadres · cadres.xlsx" in page and "Done" in page
    assert "Import finished: 6 created, 0 updated." in page
    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.kind == "org.import_cadres"))
        assert (job.state, job.done, job.total, job.attempts) == ("done", 6, 6, 1)
        assert len(job.params["sha"]) == 64 and "path" not in job.params  # stored, not a path
        assert _cadres() == before + 6


def test_a_bad_row_imports_nothing_and_the_job_page_lists_it(app, client, auth, district):
    auth.login("org")
    client.get("/?lang=en")
    rows = [good_row(i) for i in range(4)]
    rows[2][3] = "NOPE"
    with app.app_context():
        before = _cadres()
    response = _upload(client, xlsx(rows))
    page = client.get(response.location).get_data(as_text=True)
    assert "Failed" in page and "Nothing was imported: 1 problems" in page
    assert "<td>4</td><td>Unit code</td><td>No unit has the code NOPE.</td>" in page
    with app.app_context():
        assert _cadres() == before
        job = db.session.scalar(select(Job).where(Job.kind == "org.import_cadres"))
        assert job.state == "failed" and job.details["problems"][0][0] == 4
    auth.logout()
    auth.login("ua1")  # the problems are the importer's alone
    assert client.get(response.location).status_code == 404


def test_an_import_whose_worker_died_is_retried_and_imports_once(app, district, held):
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.username == "org"))
        before = _cadres()
        job_id = enqueue("org.import_cadres", {
            "sha": keep(xlsx([good_row(i) for i in range(3)])), "filename": "c.xlsx"},
            owner=owner).id
        first = _attempt(job_id)
        with runner.as_owner(app, _job(job_id)):
            registry.get("org.import_cadres").run(first)  # its rows are written, not done...
        db.session.rollback()  # ...when its worker is killed: the transaction goes with it
        with pytest.raises(LeaseLost):  # nor can a late attempt mark it done afterwards
            _expire(job_id)
            sweep(only=job_id)
            runner.finish(first, "late")
        assert runner.run_job(app, job_id) == "done"
        job = _job(job_id)
        assert (job.state, job.attempts) == ("done", 2)
        assert _cadres() == before + 3
        assert runner.run_job(app, job_id) == "skipped"  # handed out twice: imported once
        assert _cadres() == before + 3


def test_questions_import_as_a_job(app, client, auth, district, make_user):
    """A question file goes through a job too (the bank's own tests cover its problems)."""
    from tests.test_question_bank import GIFT

    make_user("lecturer", "lecturer", "QU")
    auth.login("org")
    response = client.post("/teach/questions/shared", data={
        "file": (io.BytesIO(GIFT.encode()), "q.gift"), "format": "auto"},
        content_type="multipart/form-data")
    assert response.status_code == 302 and response.location.startswith("/jobs/")
    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.kind == "assessment.import_questions"))
        assert (job.state, job.summary) == ("done", "已导入 5 道试题。")
        assert job.total == 5 and job.params["course"] is None


def test_reminders_are_sent_in_batches_and_a_retry_reminds_nobody_twice(
        app, district, make_user, import_course, held, monkeypatch):
    from tests.test_assignments import COURSES, SLUG

    import_course(COURSES / SLUG)
    for n in range(5):
        make_user(f"r{n}", "learner", "JD01")
    monkeypatch.setattr(remind_jobs, "BATCH", 2)
    with app.app_context():
        course_id = db.session.scalar(select(Course.id).where(Course.slug == SLUG))
        people = list(db.session.scalars(select(User.id).where(User.username.like("r%"))))
        owner = db.session.scalar(select(User).where(User.username == "org"))

        def reminders() -> int:
            return db.session.scalar(select(func.count()).select_from(Notice).where(
                Notice.kind == "reminder"))

        job_id = enqueue("progress.remind", {"course": course_id, "users": people},
                         owner=owner).id
        first = _attempt(job_id)
        with runner.as_owner(app, _job(job_id)):
            # The first batch is committed with the job's progress...
            course = db.session.get(Course, course_id)
            notices.remind_some(people[:2], course, owner.id)
            remind_jobs.commit_batch(first, 2, 5)
            assert (_job(job_id).done, _job(job_id).total, reminders()) == (2, 5, 2)
            _expire(job_id)  # ...then the worker stalls past its lease
            sweep(only=job_id)
            second = _attempt(job_id)  # another attempt takes the job over
            notices.remind_some(people[2:4], course, owner.id)
            with pytest.raises(LeaseLost):  # the stalled one cannot commit its next batch
                remind_jobs.commit_batch(first, 4, 5)
            assert reminders() == 2
            out = registry.get("progress.remind").run(second)
            runner.finish(second, out)
        job = _job(job_id)
        assert (job.state, job.done, job.total) == ("done", 5, 5)
        assert job.summary.startswith("已提醒 3 名")  # the two reminded before are skipped
        assert reminders() == 5
        assert sorted(db.session.scalars(select(Notice.user_id).where(
            Notice.kind == "reminder"))) == sorted(people)


def test_a_course_package_imports_as_a_job_with_progress_per_media_file(
        app, client, auth, make_unit, make_user, monkeypatch):
    from tests.test_packages import MANIFEST, good_files, zip_of

    make_unit("QU", kind="district")
    make_user("lect", "lecturer", "QU")
    seen: list[tuple[int, int | None]] = []
    original = runner.JobRun.progress

    def spy(self, done, total=None, message=None):
        seen.append((done, total))
        return original(self, done, total, message)
    monkeypatch.setattr(runner.JobRun, "progress", spy)
    auth.login("lect")
    manifest = MANIFEST.replace('hours = 1.0', 'hours = 1.0\nlecturers = ["lect"]')
    response = client.post("/teach/packages", data={"pkg-file": (io.BytesIO(zip_of(good_files(
        **{"course.toml": manifest}))), "p.zip")}, content_type="multipart/form-data")
    assert response.status_code == 302 and response.location.startswith("/jobs/")
    assert seen == [(1, 2), (2, 2)]  # the video and the picture, one step each
    page = client.get(response.location).get_data(as_text=True)
    assert "已导入课程包" in page or "导入课程包" in page
    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.kind == "catalog.import_package"))
        assert (job.state, job.done, job.total) == ("done", 2, 2)
        assert db.session.scalar(select(Course.status).where(Course.slug == "ceshi-kecheng")) \
            == "draft"
