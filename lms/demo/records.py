"""`flask demo records`: the demo district's learning records (idempotent).

The national default rule sets; this year's required reading list, published; for the demo
learner an off-job class and a collective study entered by the unit administrator, a
submitted reading note and study plan waiting for review, and a pending self-reported
lecture with its evidence: a certificate of attendance (PDF) and a picture (PNG), made at load
time so that both open (`demo.evidence`)."""
from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from lms.auth.models import User
from lms.catalog.models import SubjectCategory
from lms.core.storage import storage
from lms.core.timeutil import local_today
from lms.demo import evidence
from lms.extensions import db
from lms.records import entries, plans, reading, rules
from lms.records.models import Claim, Evidence, ReadingItem

BOOKS = (
    ("习近平谈治国理政（第四卷）", "习近平", "外文出版社"),
    ("中国共产党章程", "", "人民出版社"),
    ("干部教育培训工作条例", "中共中央", "人民出版社"),
)
NOTE = """# 学习《干部教育培训工作条例》的体会

条例明确了**干部教育培训**的对象、内容和方式。结合本社区工作，我有三点体会：

1. 坚持学以致用，把学习成果转化为服务群众的本领；
2. 按时完成年度学时，不搞形式主义；
3. 做好学习档案登记，如实记录。
"""
# The page-less PDF that earlier demo loads attached: `load_demo_records` replaces it.
OLD_EVIDENCE = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
LECTURE = {"kind": "lecture", "title": "“数字政府”专题讲座", "hours": 2, "organiser": "区发改委"}


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _subject(name: str) -> int:
    return db.session.scalar(select(SubjectCategory.id).where(SubjectCategory.name == name))


def load_demo_records() -> dict[str, int]:
    """Add whatever part of the demo records is missing; returns what was added."""
    added = {"rule_sets": rules.seed_defaults()}
    db.session.commit()
    year = local_today().year
    org, unit_admin, learner = _user("zzb_admin"), _user("jd01_admin"), _user("learner")
    if org is None or unit_admin is None or learner is None:
        return added
    if db.session.scalar(select(ReadingItem.id).where(ReadingItem.year == year)) is None:
        for order, (title, author, publisher) in enumerate(BOOKS):
            reading.add_item(year, title=title, author=author, publisher=publisher,
                             sort_order=order)
        reading.publish_year(year, org.id)
        db.session.commit()
        added["reading_items"] = len(BOOKS)
        _learner_year(year, learner, unit_admin)
        added["learner"] = 1
    added["evidence_replaced"] = _replace_old_evidence(learner)
    return added


def _evidence_files(learner: User, day: date) -> list[FileStorage]:
    """The lecture's evidence as uploads: its certificate of attendance and a picture."""
    pdf = evidence.attendance_pdf(name=learner.name or learner.username, title=LECTURE["title"],
                                  organiser=LECTURE["organiser"], day=day,
                                  hours=str(LECTURE["hours"]))
    return [FileStorage(io.BytesIO(pdf), filename="听课证明.pdf", content_type="application/pdf"),
            FileStorage(io.BytesIO(evidence.sign_png()), filename="讲座现场.png",
                        content_type="image/png")]


def _replace_old_evidence(learner: User) -> int:
    """Point evidence rows that hold the page-less PDF of earlier demo loads at a real
    certificate (a database loaded before keeps its claims); returns how many."""
    rows = list(db.session.scalars(select(Evidence).join(Claim).where(
        Claim.user_id == learner.id,
        Evidence.sha256 == hashlib.sha256(OLD_EVIDENCE).hexdigest())))
    for row in rows:
        upload = _evidence_files(learner, row.claim.ended_on)[0]
        row.sha256, row.size = storage().store_stream(upload.stream, entries.evidence_limit())
    db.session.commit()
    return len(rows)


def _learner_year(year: int, learner: User, unit_admin: User) -> None:
    """The demo learner's record this year: entries, a note, a plan and a claim."""
    today = local_today()
    early = date(year, 3, 15) if today >= date(year, 3, 20) else today
    for data in (
        {"kind": "off_job", "subject_id": _subject("政治理论"), "title": "科级干部进修班",
         "started_on": early - timedelta(days=4), "ended_on": early, "days": 5,
         "hours": 0, "organiser": "区委党校", "result": "结业"},
        {"kind": "collective_study", "subject_id": _subject("政策法规"),
         "title": "社区党委理论学习（第一季度）", "ended_on": early, "hours": 4,
         "organiser": "解放路社区党委"},
    ):
        checked, _files = entries.validate_entry(data)
        entries.add_entry(learner.id, checked, actor_id=unit_admin.id)
    item = db.session.scalar(select(ReadingItem).where(ReadingItem.year == year)
                             .order_by(ReadingItem.sort_order.desc()))
    reading.save_note(learner, item, title="学习《干部教育培训工作条例》的体会", body=NOTE,
                      submit=True)
    plans.save_plan(learner, year, goals="完成年度 90 学时，其中网络学习不少于 50 学时；"
                    "读完三本必读书并提交读书笔记。", target_hours=90, target_days=12,
                    course_ids=[], submit=True)
    db.session.commit()
    checked, files = entries.validate_entry(
        {**LECTURE, "subject_id": _subject("综合素质"), "ended_on": early},
        _evidence_files(learner, early), with_evidence=True)
    entries.submit_claim(learner.id, checked, files)
