"""One truth for hours: for one learner with online courses, a verified claim, a training
class counted by its days and collective study above its yearly cap, every page shows the
same 学时 recorded this year, the same 学时 counted per requirement, and, where a requirement
counts other than what was recorded, the same sentence saying why.

`shown` reads the figures from one place; a new page showing hours (the home page) is one
more branch in it and one more name in `PLACES`."""
from __future__ import annotations

import html as html_lib
import io
import re
from dataclasses import dataclass, field
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from lms.core.numbers import amount_text
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.records import entries, rules
from tests.records_helpers import add_entry, bearer, subject_id
from tests.test_record_page import add_course, add_course_entry

YEAR = local_today().year
ON = date(YEAR, 1, 10) if local_today() >= date(YEAR, 1, 20) else local_today()
PLACES = ("home", "my_learning", "record", "pdf", "compliance", "export")


@dataclass
class Figures:
    """The hours one place shows: recorded this year, counted per rule set code, and the
    sentence on counting per rule set code (text without spaces)."""

    recorded: str
    counted: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def _compact(text: str) -> str:
    return "".join(html_lib.unescape(re.sub(r"<[^>]+>", "", text)).split())


def _tagged(html: str, attribute: str) -> dict[str, str]:
    """{value of `attribute`: the element's text} for each element carrying it."""
    return {key: _compact(text) for key, text in re.findall(
        rf'<(?:p|td)[^>]*{attribute}="([^"]+)"[^>]*>(.*?)</(?:p|td)>', html, re.S)}


def shown(client, place: str, username: str = "learn") -> Figures:
    """The hours that `place` shows for the cadre (signed in as someone who may see it)."""
    if place in ("home", "my_learning", "record"):
        url = {"home": "/", "my_learning": "/me/learning"}.get(place,
                                                               f"/cadres/{username}/record")
        html = client.get(f"{url}?year={YEAR}").get_data(as_text=True)
        recorded = re.search(r'data-recorded="([^"]+)"', html).group(1)
        counted = dict(re.findall(r'data-counted="([^"]+)" data-value="([^"]+)"', html))
        return Figures(recorded, counted, _tagged(html, "data-hours-note"))
    if place == "pdf":
        response = client.get(f"/cadres/{username}/record.pdf?year={YEAR}")
        assert response.mimetype == "application/pdf"
        text = "".join("".join(page.extract_text().split())
                       for page in PdfReader(io.BytesIO(response.data)).pages)
        # The year total reads "年度合计 42 学时，3 天"; counted and notes are looked up in it.
        recorded = re.search(r"年度合计([\d.]+)学时", text)
        return Figures(recorded.group(1) if recorded else "", notes={"text": text})
    if place == "compliance":
        html = client.get(f"/admin/records/compliance?year={YEAR}&q={username}")\
            .get_data(as_text=True)
        row = re.search(rf'<tr data-username="{username}">(.*?)</tr>', html, re.S).group(1)
        recorded = re.search(r'data-recorded="([^"]+)"', row).group(1)
        notes = {code: re.sub(r"^[^：:]+[：:]", "", text, count=1)
                 for code, text in _tagged(row, "data-hours-note").items()}
        return Figures(recorded, notes=notes)
    if place == "export":
        # The whole district's export is a job: its page, then its file.
        started = client.get(f"/admin/records/compliance/export.xlsx?year={YEAR}")
        job = client.get(started.headers["Location"] + ".json").get_json()
        assert job["state"] == "done", job
        response = client.get(job["download"])
        data = response.data
        response.close()
        rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
        at = next(i for i, r in enumerate(rows) if "账号" in r)  # below the title line
        header = list(rows[at])
        row = next(r for r in rows[at + 1:] if r[header.index("账号")] == username)
        hours = row[header.index("学时")]
        assert isinstance(hours, int | float)  # a number, not text
        return Figures(amount_text(hours), notes={"text": _compact(row[-1] or "")})
    raise ValueError(place)


@pytest.fixture
def varied_year(app, district):
    """The learner's year: two online courses, a verified claim (a lecture), a training
    class of 3 days and 10 hours (counted as 18 学时), and 35 hours of collective study
    (counted at most 30 a year), under the national default rules."""
    learner, admin = district["learner"], district["unit_admin"]
    with app.app_context():
        rules.seed_defaults()
        db.session.commit()
    add_course_entry(app, learner, add_course(app), hours=2.5)
    add_course_entry(app, learner, add_course(app, "yingji", "应急管理"), title="应急管理",
                     hours=3.25)
    add_entry(app, learner, kind="training_class", title="科级干部培训班", hours=10, days=3,
              on=ON, actor=admin, started_on=ON, ended_on=ON)
    add_entry(app, learner, kind="collective_study", title="理论学习", hours=35, on=ON,
              actor=admin)
    with app.app_context():
        data, _files = entries.validate_entry({
            "kind": "lecture", "subject_id": subject_id("综合素质"), "title": "专题讲座",
            "ended_on": ON.isoformat(), "hours": "2", "organiser": "区委党校"})
        claim = entries.submit_claim(learner, data, [])
        db.session.commit()
        entries.verify_claim(claim, actor_id=admin)
        db.session.commit()
    return 2.5 + 3.25 + 10 + 35 + 2  # recorded: 52.75


def test_every_page_shows_the_same_hours_or_says_why_they_differ(client, auth, varied_year):
    auth.login("learn")
    mine = {place: shown(client, place) for place in ("home", "my_learning", "record", "pdf")}
    auth.logout()
    auth.login("org")
    admin = {place: shown(client, place) for place in ("compliance", "export")}
    seen = {**mine, **admin}
    assert set(seen) == set(PLACES)
    # The same 学时 recorded this year everywhere, written the same way.
    assert {f.recorded for f in seen.values()} == {amount_text(varied_year)}, seen
    # The same 学时 counted per requirement on every page that shows them.
    counted = seen["my_learning"].counted
    assert counted == seen["record"].counted == seen["home"].counted
    # Section level: 2.5 + 3.25 online, 18 for 3 class days, 30 of 35 collective, 2 lecture.
    assert counted["section-yearly"] == "55.75"
    assert counted["online-yearly"] == "5.75"  # only online courses count there
    for value in counted.values():  # the printed record's requirements table
        assert value in seen["pdf"].notes["text"]
    # Where a requirement counts otherwise, the same sentence beside it on every page.
    notes = seen["my_learning"].notes
    assert set(notes) == {code for code, value in counted.items()
                          if value != amount_text(varied_year)} == {"section-yearly",
                                                                   "online-yearly"}
    assert notes == seen["record"].notes == seen["compliance"].notes == seen["home"].notes
    for note in notes.values():
        assert note in seen["pdf"].notes["text"] and note in seen["export"].notes["text"]
    section = notes["section-yearly"]
    assert "计入55.75学时" in section and "记录52.75学时" in section
    assert "培训班（" in section and "每整天计6学时" in section and "最多计30学时" in section
    assert "培训天数" not in section  # only what changes the hours
    assert "不计入" in notes["online-yearly"]


def test_the_api_gives_the_same_hours_and_sentences(app, client, auth, district, varied_year):
    auth.login("learn")
    page = shown(client, "my_learning")
    body = client.get("/api/v1/me/learning", headers={
        **bearer(app, district["learner"]), "Accept-Language": "zh-CN"}).get_json()
    assert amount_text(body["hours"]) == page.recorded
    assert {r["rule_set"]: amount_text(r["hours"]) for r in body["requirements"]} == page.counted
    assert {r["rule_set"]: _compact(r["note"]) for r in body["requirements"]
            if r["note"]} == page.notes


def test_my_learning_lists_every_started_course_assigned_or_not(app, client, auth, district):
    from datetime import timedelta

    from lms.auth.models import User
    from lms.catalog.models import Activity, Course
    from lms.core.timeutil import utcnow
    from lms.progress import services

    first, second = add_course(app), add_course(app, "yingji", "应急管理")
    third = add_course(app, "baomi", "保密常识")
    with app.app_context():
        user = db.session.get(User, district["learner"])
        services.enrol(user, db.session.get(Course, first))
        for course_id in (second, third):
            services.enrol(user, db.session.get(Course, course_id), source="assignment",
                           due_at=utcnow() + timedelta(days=30))
        opened = Activity(course_id=second, key="jiangzuo", type_key="lecture", title="讲座",
                          config={"min_minutes": 30})
        db.session.add(opened)
        db.session.commit()
        services.ensure_state(user, opened)  # the learner opened the assigned course
    auth.login("learn")
    html = client.get("/me/learning").get_data(as_text=True)
    progress = html.split("<h2>学习中</h2>", 1)[1].split("</section>", 1)[0]
    assert "公文写作基础" in progress and "应急管理" in progress  # assigned ones too
    assert "截止" in progress  # with its due date
    assert "保密常识" not in progress  # assigned, never opened: it waits under "assigned"
    assert "保密常识" in html.split("<h2>学习中</h2>", 1)[0]
