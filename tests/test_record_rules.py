"""Requirement rule sets: national defaults, conversions, windows, carry-over, spread degrees,
recomputation on change, the editor's permissions and refusals, the cadres' pages."""
from __future__ import annotations

import itertools
from datetime import date

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.catalog.models import Course, SubjectCategory
from lms.extensions import db
from lms.org import services as org_services
from lms.org.models import CadreProfile
from lms.records import chain, rules
from lms.records.models import (
    AuditEvent,
    ReadingItem,
    ReadingNote,
    RecordEntry,
    RequirementStatus,
    RuleSet,
)
from tests.conftest import own_statements
from tests.records_helpers import add_entry

_keys = itertools.count(1)


@pytest.fixture
def year(app) -> int:
    with app.app_context():
        return rules.this_year()


@pytest.fixture
def seeded(app, district, make_user):
    """The district with a division-level cadre and a professional, and the national
    defaults seeded."""
    make_user("chu", "learner", "JD02", rank="division", name="处级干部")
    make_user("pro", "learner", "JD01", rank="none", categories=("professional",),
              name="专技人员")
    with app.app_context():
        assert rules.seed_defaults() == 4
        db.session.commit()
        assert rules.seed_defaults() == 0  # only when no rule set exists
    return district


def uid(username: str) -> int:
    return db.session.scalar(select(User.id).where(User.username == username))


def subject(name: str) -> int:
    return db.session.scalar(select(SubjectCategory.id).where(SubjectCategory.name == name))


def add(app, username: str, kind: str, *, hours: float = 0.0, days: float = 0.0,
        on: date | None = None, subject_name: str | None = "政治理论",
        started: date | None = None, course_id: int | None = None,
        source: str | None = None) -> int:
    """Append an entry through the chain (totals and hooks run) and commit."""
    with app.app_context():
        user_id = uid(username)
        subject_id = subject(subject_name) if subject_name else None
        on = on or date(rules.this_year(), 3, 1)
    return add_entry(app, user_id, kind=kind, title=f"{kind} {hours} {days}",
                     hours=float(hours), days=float(days), on=on, started_on=started,
                     ended_on=on if started else None, subject_id=subject_id,
                     course_id=course_id, source=source, origin="entered",
                     dedupe_key=f"test:{next(_keys)}", reason="test")


def status(username: str, code: str, start: int) -> RequirementStatus | None:
    db.session.expire_all()
    return db.session.scalar(
        select(RequirementStatus).join(RuleSet, RuleSet.id == RequirementStatus.rule_set_id)
        .where(RequirementStatus.user_id == uid(username), RuleSet.code == code,
               RequirementStatus.window_start == start))


def rule(code: str) -> RuleSet:
    return db.session.scalar(select(RuleSet).where(RuleSet.code == code))


def lines(row: RequirementStatus) -> dict[str, dict]:
    return {item["line"]: item for item in row.missing}


# ---- the engine with the national defaults -------------------------------------------------

def test_defaults_give_every_cadre_in_an_audience_a_status(app, seeded, year):
    with app.app_context():
        cadres = db.session.scalar(select(func.count()).select_from(CadreProfile))
        online = rule("online-yearly")
        assert db.session.scalar(select(func.count()).select_from(RequirementStatus).where(
            RequirementStatus.rule_set_id == online.id,
            RequirementStatus.window_start == year)) == cadres  # no entries needed
        # Section level and below: everyone but the division-level cadre.
        section = {u for u, in db.session.execute(
            select(User.username).join(RequirementStatus, RequirementStatus.user_id == User.id)
            .where(RequirementStatus.rule_set_id == rule("section-yearly").id,
                   RequirementStatus.window_start == year))}
        assert "learn" in section and "pro" in section and "chu" not in section
        division = status("chu", "division-5y", 2023)
        assert division.window_end == 2027 and not division.met
        assert lines(division)["hours_or_days"]["need"] == 550
        assert status("learn", "professional-yearly", year) is None
        assert status("pro", "professional-yearly", year) is not None
        audit = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "rules.change")).all()
        assert len(audit) == 4 and audit[0].detail["after"]["code"] == "section-yearly"


def test_one_entry_counts_under_two_rule_sets_each_its_own_way(app, seeded, year):
    add(app, "learn", "online_course", hours=30)
    add(app, "learn", "off_job", days=2)  # two full off-job days
    with app.app_context():
        section = status("learn", "section-yearly", year)
        online = status("learn", "online-yearly", year)
        assert section.hours == 30 + 2 * 6 and section.days == 2  # 6 学时 a day
        assert online.hours == 30  # the off-job days count nothing online
        assert lines(section)["hours_or_days"] == {
            "line": "hours_or_days", "need": 90, "have": 42, "need_days": 12, "have_days": 2}
        assert lines(online)["kind"] == {"line": "kind", "kind": "online_course", "need": 50,
                                         "have": 30, "unit": "hours"}
        assert not section.met and not online.met


def test_section_level_either_hours_or_days(app, seeded, year):
    add(app, "c1", "off_job", days=12)  # 72 学时 but 12 days: enough
    add(app, "c2", "online_course", hours=89.5)
    with app.app_context():
        by_days = status("c1", "section-yearly", year)
        assert by_days.met and by_days.missing == [] and by_days.hours == 72
        short = status("c2", "section-yearly", year)
        assert not short.met and round(short.ratio, 3) == round(89.5 / 90, 3)
    add(app, "c2", "exam", hours=0)  # a passed exam: 0.5 学时
    with app.app_context():
        assert status("c2", "section-yearly", year).met
        assert status("c2", "online-yearly", year).met  # 89.5 online hours ≥ 50


def test_division_level_five_year_window(app, seeded):
    add(app, "chu", "online_course", hours=300, on=date(2023, 6, 1))
    add(app, "chu", "training_class", days=20, on=date(2025, 9, 1))  # 120 学时
    with app.app_context():
        row = status("chu", "division-5y", 2023)
        assert row.hours == 420 and row.days == 20 and not row.met
        assert row.window_end == 2027
    add(app, "chu", "off_job", days=70, on=date(2026, 5, 1))  # 90 days off-job in the window
    with app.app_context():
        assert status("chu", "division-5y", 2023).met


def test_professional_staff_share_of_professional_subjects(app, seeded, year):
    add(app, "pro", "online_course", hours=50, subject_name="专业技术")
    add(app, "pro", "online_course", hours=40, subject_name="政治理论")
    with app.app_context():
        row = status("pro", "professional-yearly", year)
        assert row.hours == 90 and not row.met
        share = lines(row)["share"]
        assert share["subject"] == "专业技术、业务知识" and share["need"] == 0.6667
        assert share["have"] == round(50 / 90, 4) and "hours" not in lines(row)
    add(app, "pro", "online_course", hours=10, subject_name="业务知识")  # 60 of 100
    add(app, "pro", "online_course", hours=20, subject_name="专业技术")  # 80 of 120
    with app.app_context():
        row = status("pro", "professional-yearly", year)
        assert row.met and row.missing == []


def test_a_reversal_takes_its_hours_back(app, seeded, year):
    entry_id = add(app, "c1", "off_job", days=12)
    with app.app_context():
        assert status("c1", "section-yearly", year).met
        chain.reverse_entry(db.session.get(RecordEntry, entry_id), actor_id=None,
                            reason="entered twice")
        db.session.commit()
        row = status("c1", "section-yearly", year)
        assert not row.met and row.hours == 0 and row.days == 0


# ---- configurable rules --------------------------------------------------------------------

def _custom(code: str, config: dict, window_years: int = 1, **fields) -> RuleSet:
    rule_set = RuleSet()
    rules.save(rule_set, {"code": code, "name": code, "window_years": window_years,
                          "anchor_year": 2023, "effective_from": date(2023, 1, 1),
                          "config": config, **fields}, actor_id=None, reason="test")
    db.session.commit()
    return rule_set


def test_carry_over_of_surplus_into_the_next_window(app, district, year):
    with app.app_context():
        _custom("carry", {"min_hours": 40, "carry_over_max": 15,
                          "conversions": {"online_course": {"per_hour": 1}}})
    add(app, "c1", "online_course", hours=60, on=date(year - 1, 5, 1))  # 20 above 40
    add(app, "c1", "online_course", hours=10)
    with app.app_context():
        last = status("c1", "carry", year - 1)
        assert last.met and last.hours == 60  # its own carry-in is from the year before
        now = status("c1", "carry", year)
        assert now.hours == 10 + 15 and not now.met  # surplus 20, at most 15 carried
        assert lines(now)["hours"]["have"] == 25
        # Without carry-over the same entries leave this year at 10.
        rs = rule("carry")
        rules.save(rs, {"config": {**rs.config, "carry_over_max": 0}}, actor_id=None,
                   reason="no carry-over")
        db.session.commit()
        assert status("c1", "carry", year).hours == 10


def test_a_degree_is_spread_over_its_years_with_a_cap(app, district, year):
    with app.app_context():
        _custom("deg", {"min_hours": 90, "conversions": {
            "degree": {"per_hour": 1, "cap_per_year": 45, "spread": True},
            "online_course": {"per_hour": 1}}})
    # An in-service degree from January two years ago to this March: 3 calendar years.
    add(app, "c1", "degree", hours=240, started=date(year - 2, 1, 10), on=date(year, 3, 1))
    with app.app_context():
        for y in (year - 2, year - 1, year):
            row = status("c1", "deg", y)
            assert row is not None and row.hours == 45, y  # 80 a year, capped at 45
    add(app, "c1", "online_course", hours=45)
    with app.app_context():
        assert status("c1", "deg", year).met
        assert not status("c1", "deg", year - 1).met


def test_per_kind_per_subject_minimums_caps_and_entries(app, district, year):
    with app.app_context():
        _custom("mix", {
            "min_hours_by_kind": {"online_course": 10},
            "min_hours_by_subject": {str(subject("应急管理")): 5},
            "conversions": {"online_course": {"per_hour": 1}, "exam": {"per_entry": 2},
                            "self_study": {"per_hour": 1, "cap_per_year": 3}}})
    add(app, "c1", "self_study", hours=20, subject_name="应急管理")  # capped at 3
    add(app, "c1", "exam", subject_name="应急管理")  # 2 per exam
    with app.app_context():
        row = status("c1", "mix", year)
        assert row.hours == 5 and not row.met
        assert lines(row)["kind"]["have"] == 0 and "subject" not in lines(row)
    add(app, "c1", "online_course", hours=10, subject_name="政策法规")
    with app.app_context():
        assert status("c1", "mix", year).met


def test_required_course_and_reading(app, district, year, sample_courses_ids):
    course_id = sample_courses_ids
    with app.app_context():
        item = ReadingItem(year=year, title="习近平新时代中国特色社会主义思想学习纲要",
                           published=True)
        db.session.add(item)
        db.session.flush()
        note = ReadingNote(user_id=uid("c1"), item_id=item.id, year=year, title="笔记",
                           status="approved")
        db.session.add(note)
        db.session.commit()
        item_id, note_id = item.id, note.id
        _custom("req", {"required_courses": [course_id], "required_reading": [item_id],
                        "conversions": {}})
        row = status("c1", "req", year)
        assert [i["line"] for i in row.missing] == ["course", "reading"]
        assert row.missing[1]["title"].startswith("习近平") and row.ratio == 0
    add(app, "c1", "reading_note", source=f"reading_note:{note_id}")
    with app.app_context():
        row = status("c1", "req", year)
        assert [i["line"] for i in row.missing] == ["course"] and row.ratio == 0
    add(app, "c1", "online_course", hours=2, course_id=course_id, source=f"course:{course_id}")
    with app.app_context():
        assert status("c1", "req", year).met


@pytest.fixture
def sample_courses_ids(app, district):
    with app.app_context():
        course = Course(slug="bixiu", title="必修课程", status="published",
                        category_id=subject("政治理论"))
        db.session.add(course)
        db.session.commit()
        return course.id


def test_changing_a_rule_recomputes_without_touching_an_entry(app, seeded, year):
    add(app, "c1", "online_course", hours=60)
    with app.app_context():
        entries = [(e.id, e.mac, e.hours) for e in db.session.scalars(select(RecordEntry))]
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
        assert not status("c1", "section-yearly", year).met
        rs = rule("section-yearly")
        count = rules.save(rs, {"config": {**rs.config, "min_hours": 60}}, actor_id=uid("org"),
                           reason="区委组织部2026年度要求")
        db.session.commit()
        assert count >= 1
        assert status("c1", "section-yearly", year).met
        assert [(e.id, e.mac, e.hours) for e in db.session.scalars(select(RecordEntry))] \
            == entries
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events + 1
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()))
        assert event.action == "rules.change" and event.reason == "区委组织部2026年度要求"
        assert event.detail["before"]["config"]["min_hours"] == 90
        assert event.detail["after"]["config"]["min_hours"] == 60
        assert chain.verify().ok
        # Deactivating drops its statuses; activating brings them back.
        rules.save(rs, {"active": False}, actor_id=None, reason="off")
        db.session.commit()
        assert status("c1", "section-yearly", year) is None
        rules.save(rs, {"active": True}, actor_id=None, reason="on")
        db.session.commit()
        assert status("c1", "section-yearly", year).met


def test_cadres_changing_moves_their_statuses(app, seeded, year):
    with app.app_context():
        profile = db.session.get(CadreProfile, uid("c1"))
        data = org_services.CadreData(
            username="c1", name=profile.user.name, unit=profile.unit, rank="division",
            birth_date=profile.birth_date, categories=[])
        org_services.update_cadre(profile, data)  # announces cadres_changed
        assert status("c1", "section-yearly", year) is None
        assert status("c1", "division-5y", 2023) is not None
        assert status("c1", "online-yearly", year) is not None


def test_bulk_recompute_costs_the_same_queries_for_more_cadres(app, seeded, make_user):
    def cost() -> int:
        with app.app_context(), own_statements(db.engine) as statements:
            rules.recompute_rule_set(rule("section-yearly"))
            db.session.commit()
        return len(statements)

    few = cost()
    for i in range(40):
        make_user(f"more{i}", "learner", "JD02")
    add(app, "more3", "degree", hours=100, started=date(2024, 1, 1))
    with app.app_context():
        assert rules.recompute_rule_set(rule("section-yearly")) > 40
        db.session.commit()
    assert cost() <= few + 1  # (the rule-set row itself may be re-read)


def test_statuses_for_display(app, seeded, year):
    add(app, "learn", "online_course", hours=20)
    with app.app_context():
        views = {v.rule_set.code: v for v in rules.statuses_for(uid("learn"), year)}
        assert set(views) == {"section-yearly", "online-yearly"}
        online = views["online-yearly"]
        assert online.hours == 20 and online.label in ("behind", "on_track")
        assert online.as_json()["missing"][0]["need"] == 50
        # A cadre without stored rows (created behind the engine's back) is computed on
        # the spot, nothing written.
    with app.app_context():
        db.session.add(CadreProfile(user_id=uid("sys"), unit_id=db.session.get(
            CadreProfile, uid("learn")).unit_id, rank="section"))
        db.session.commit()
        before = db.session.scalar(select(func.count()).select_from(RequirementStatus))
        fresh = rules.statuses_for(uid("sys"), year)
        assert {v.rule_set.code for v in fresh} == {"section-yearly", "online-yearly"}
        assert not any(v.stored for v in fresh)
        assert db.session.scalar(select(func.count()).select_from(RequirementStatus)) == before


# ---- the editor ----------------------------------------------------------------------------

def post_data(app, rule_set_id: int | None = None, **changes) -> dict:
    """The editor's form fields for a rule set (a new one: a yearly 40-hour rule), as a
    browser would post them, with `changes` applied."""
    from lms.records.rules_forms import form_data, new_rule_set_defaults

    with app.app_context():
        subjects = list(db.session.scalars(select(SubjectCategory).order_by(
            SubjectCategory.sort_order, SubjectCategory.id)))
        rs = db.session.get(RuleSet, rule_set_id) if rule_set_id else new_rule_set_defaults()
        data = form_data(rs, subjects)
    if rule_set_id is None:
        data.update(code="jd-yearly", name="街道干部年度学习", min_hours=40)
    out: dict = {}
    for key, value in data.items():
        if key in ("conversions", "subjects"):
            for i, row in enumerate(value):
                for sub, v in row.items():
                    if isinstance(v, bool):
                        if v:
                            out[f"{key}-{i}-{sub}"] = "y"
                    else:
                        out[f"{key}-{i}-{sub}"] = "" if v is None else str(v)
        elif isinstance(value, bool):
            if value:
                out[key] = "y"
        elif isinstance(value, list):
            out[key] = [str(v) for v in value]
        elif isinstance(value, date):
            out[key] = value.isoformat()
        else:
            out[key] = "" if value is None else str(value)
    out["reason"] = "年度计划"
    out.update(changes)
    return out


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (RuleSet, AuditEvent, RequirementStatus))


@pytest.mark.parametrize("username", ["ua1", "learn", "lect"])
def test_only_the_organisation_department_edits_rules(app, client, auth, seeded, username):
    with app.app_context():
        rs_id = rule("section-yearly").id
    auth.login(username)
    for url in ("/admin/records/rules", "/admin/records/rules/new",
                f"/admin/records/rules/{rs_id}/edit"):
        assert client.get(url).status_code == 404, url
    before = counts(app)
    assert client.post(f"/admin/records/rules/{rs_id}/edit",
                       data=post_data(app, rs_id, min_hours="1")).status_code == 404
    assert client.post(f"/admin/records/rules/{rs_id}/active").status_code == 404
    assert client.post("/admin/records/rules/new", data=post_data(app)).status_code == 404
    assert counts(app) == before
    with app.app_context():
        assert rule("section-yearly").active and rule("section-yearly").config["min_hours"] == 90
    assert client.get("/records/rules").status_code == 200  # the rules page is for everyone


@pytest.mark.parametrize("username", ["org", "sys"])
def test_the_editor_lists_creates_and_edits(app, client, auth, seeded, username, year):
    auth.login(username)
    page = client.get("/admin/records/rules?lang=en").get_data(as_text=True)
    assert "乡科级及以下干部年度培训" in page and "县处级以上干部五年培训" in page
    assert "At least 90 study hours or 12 training days" in page
    with app.app_context():
        rs_id = rule("section-yearly").id
    form = client.get(f"/admin/records/rules/{rs_id}/edit").get_data(as_text=True)
    assert 'name="conversions-3-per_day"' in form and 'value="6.0"' in form
    # Saving the form unchanged keeps the rule as it was.
    before = rules_config(app, "section-yearly")
    response = client.post(f"/admin/records/rules/{rs_id}/edit?lang=en",
                           data=post_data(app, rs_id), follow_redirects=True)
    assert response.status_code == 200
    assert "statuses recomputed" in response.get_data(as_text=True)
    assert rules_config(app, "section-yearly") == before
    # A new rule for one street, from the form.
    data = post_data(app, unit="JD01", **{"conversions-5-per_day": "8",  # off-job
                                          "conversions-5-count_days": "y"})
    response = client.post("/admin/records/rules/new?lang=en", data=data, follow_redirects=True)
    text = response.get_data(as_text=True)
    # Five cadres in JD01 and below, this year (the new rule is in force from 1 January).
    assert "街道干部年度学习" in text and "5 statuses recomputed" in text
    with app.app_context():
        created = rule("jd-yearly")
        assert created.config["audience"]["unit"] == "JD01"
        assert created.config["conversions"]["off_job"]["per_day"] == 8
        assert created.updated_by_id == uid(username)
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()))
        assert event.action == "rules.change" and event.reason == "年度计划"
        assert event.detail["before"] is None and event.detail["after"]["code"] == "jd-yearly"
        members = {u for u, in db.session.execute(
            select(User.username).join(RequirementStatus, RequirementStatus.user_id == User.id)
            .where(RequirementStatus.rule_set_id == created.id))}
        assert members == {"ua1", "lect", "learn", "c1", "pro"}
    add(app, "c1", "off_job", days=5)
    with app.app_context():
        assert status("c1", "jd-yearly", year).met  # 5 days at 8 学时 = 40
    # Deactivating removes its statuses and says so.
    response = client.post(f"/admin/records/rules/{created.id}/active?lang=en",
                           follow_redirects=True)
    assert "deactivated" in response.get_data(as_text=True)
    with app.app_context():
        assert not rule("jd-yearly").active
        assert status("c1", "jd-yearly", year) is None


def rules_config(app, code: str) -> dict:
    with app.app_context():
        rs = rule(code)
        return {**rules.normalise(rs.config), "window": (rs.window_years, rs.anchor_year,
                                                          rs.effective_from, rs.effective_to)}


@pytest.mark.parametrize("changes, field, message", [
    ({"age_min": "50", "age_max": "30"}, "Aged at most", "Must not be less than"),
    ({"effective_from": "2026-01-01", "effective_to": "2025-01-01"}, "In force until",
     "Must not be before"),
    ({"either": "y"}, "Reaching either", "Set both the minimum study hours and the minimum"),
    ({"conversions-0-per_hour": "nan"}, "Online courses · Study hours per hour",
     "Enter a number"),
    ({"conversions-4-per_day": "-6"}, "Degree education · Study hours per day", "between"),
    ({"conversions-1-min_hours": "5", "conversions-1-per_hour": "", "conversions-1-per_entry": ""},
     "Exams · Minimum study hours from it", "does not count"),
    ({"conversions-2-cap_per_year": "0"}, "Reading notes · At most a year", "a cap must be"),
    ({"share_percent": "66.67"}, "Share of study hours", "Tick at least one subject"),
    ({"carry_over_max": "10", "min_hours": ""}, "Surplus study hours carried",
     "Carry-over needs"),
    ({"min_hours": ""}, "Minimum study hours in the window", "Set at least one requirement"),
    ({"code": "section-yearly"}, "Code", "already exists"),
    ({"code": "has space"}, "Code", "Use letters"),
    ({"window_years": "0"}, "Window in years", "between"),
    ({"unit": "NOPE"}, "Unit", "choice"),
    ({"reason": ""}, "Reason for the change", "required"),
])
def test_bad_input_is_refused_naming_the_field(app, client, auth, seeded, changes, field,
                                               message):
    auth.login("org")
    before = counts(app)
    response = client.post("/admin/records/rules/new?lang=en", data=post_data(app, **changes))
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Nothing was saved" in text
    summary = text[text.index('id="form-errors"'):text.index("</section>",
                                                             text.index('id="form-errors"'))]
    assert field in summary and message in summary, summary
    assert counts(app) == before


# ---- the cadres' pages ---------------------------------------------------------------------

def test_rules_page_explains_what_counts(app, client, auth, seeded):
    auth.login("pro")
    page = client.get("/records/rules?lang=en").get_data(as_text=True)
    for name in ("乡科级及以下干部年度培训", "县处级以上干部五年培训", "干部网络培训年度学时",
                 "专业技术人员继续教育"):
        assert name in page
    assert page.count("Applies to you") == 3  # section level, online, professional
    assert "Each hour counts 1 study hours, each full day 6, whichever gives more" in page
    assert "at most 45 study hours a year" in page and "Each one counts 0.5 study hours" in page
    assert "spread evenly over the calendar years of the programme" in page
    assert "At least 66.67% of the study hours in 专业技术, 业务知识" in page
    assert "the current period is 2023–2027" in page
    assert "Only verified learning counts" in page and "reversal" in page
    assert "Categories: 专业技术人员" in page and "Ranks: Division level" in page


def test_my_learning_shows_the_statuses(app, client, auth, seeded, year, page_queries):
    add(app, "learn", "online_course", hours=20)
    add(app, "learn", "off_job", days=1)
    auth.login("learn")
    page = client.get("/me/learning?lang=en").get_data(as_text=True)
    assert "乡科级及以下干部年度培训" in page and "干部网络培训年度学时" in page
    assert "专业技术人员继续教育" not in page  # not a professional
    assert f"Period {year}: 26 study hours counted, 1 training days" in page
    assert "Study hours: 26 of 90, or training days: 1 of 12" in page
    assert "Online courses: 20 of 50 study hours, 30 to go" in page
    assert 'href="/records/rules"' in page
    queries, _size = page_queries(client, "/me/learning")
    assert queries <= 12


def test_required_courses_and_reading_are_chosen_from_published_ones(app, client, auth, seeded,
                                                                     year):
    with app.app_context():
        published = Course(slug="bixiu", title="必修课程", status="published",
                           category_id=subject("政治理论"))
        draft = Course(slug="caogao", title="草稿课程", status="draft",
                       category_id=subject("政治理论"))
        item = ReadingItem(year=year, title="之江新语", published=True)
        db.session.add_all([published, draft, item])
        db.session.commit()
        ids = published.id, draft.id, item.id
    auth.login("org")
    form = client.get("/admin/records/rules/new").get_data(as_text=True)
    assert "必修课程" in form and "草稿课程" not in form and "之江新语" in form
    before = counts(app)
    refused = client.post("/admin/records/rules/new?lang=en", data=post_data(
        app, required_courses=[str(ids[1])]))
    assert "Nothing was saved" in refused.get_data(as_text=True) and counts(app) == before
    client.post("/admin/records/rules/new", data=post_data(
        app, min_hours="", required_courses=[str(ids[0])], required_reading=[str(ids[2])]))
    with app.app_context():
        cfg = rule("jd-yearly").config
        assert cfg["required_courses"] == [ids[0]] and cfg["required_reading"] == [ids[2]]
        row = status("c1", "jd-yearly", year)
        assert [i["title"] for i in row.missing] == ["必修课程", "之江新语"]
    page = client.get("/records/rules?lang=en").get_data(as_text=True)
    assert "Complete the required course “必修课程”" in page
    assert "Read “之江新语” and have a reading note on it approved" in page


def test_command_line_seeds_and_recomputes(app, district, year):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["records", "seed-rules"])
    assert first.exit_code == 0 and "4 national default rule sets added" in first.output
    again = runner.invoke(args=["records", "seed-rules"])
    assert again.exit_code == 0 and "nothing added" in again.output
    with app.app_context():
        db.session.execute(RequirementStatus.__table__.delete())  # e.g. a new year's windows
        db.session.commit()
    done = runner.invoke(args=["records", "recompute", "--year", str(year)])
    assert done.exit_code == 0, done.output
    with app.app_context():
        cadres = db.session.scalar(select(func.count()).select_from(CadreProfile))
        # Everyone: online and section-level (all cadres here are section level).
        assert f"{2 * cadres} requirement statuses recomputed" in done.output
        assert status("c2", "online-yearly", year) is not None
