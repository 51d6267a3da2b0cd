"""Options are shuffled per attempt unless the author turns it off; the order is fixed with the
attempt; options that speak of the others keep their place; the sample quizzes cannot be
passed by always choosing the first option shown, by design and over 20 attempts."""
from __future__ import annotations

import random
import re

import pytest

from lms.activities.registry import registry
from lms.assessment import attempts as engine
from lms.assessment import scoring
from lms.assessment.models import Attempt
from lms.assessment.option_order import option_order, shuffled_count
from lms.auth.models import User
from lms.catalog.models import Activity
from lms.extensions import db
from tests.test_attempts import _package

_FIELDSET = re.compile(r'<fieldset class="card question" id="slot-(\d+)" data-slot="\d+" '
                       r'data-type="(\w+)">(.*?)</fieldset>', re.S)
_INPUT = re.compile(r'<input type="(?:radio|checkbox)" name="q\d+" value="([^"]+)"')
_SELECT = re.compile(r'<select id="(q\d+-\d+)"[^>]*>\s*<option value="">—</option>\s*'
                     r'<option value="([^"]*)"')
_OPTION_TEXT = re.compile(r'<input type="(?:radio|checkbox)" name="q\d+" value="\d+"[^>]*> '
                          r'<span>(.*?)</span>', re.S)


# ---- the rule -------------------------------------------------------------------------------

def test_group_options_stay_last_and_letter_references_keep_the_order():
    rng = random.Random(3)
    plain = ["函", "请示", "报告", "通知"]
    assert shuffled_count(plain) == 4
    assert sorted(option_order(plain, rng, True)) == [0, 1, 2, 3]
    assert option_order(plain, rng, False) == [0, 1, 2, 3]
    above = ["迟报", "谎报", "瞒报", "以上都是"]
    assert shuffled_count(above) == 3
    assert all(option_order(above, random.Random(s), True)[-1] == 3 for s in range(20))
    assert shuffled_count(["a", "b", "All of the above", "None of the above"]) == 2
    # A group option before an ordinary one, or options named by letter: the author's order.
    assert shuffled_count(["以上都对", "a", "b"]) == 0
    assert shuffled_count(["甲", "乙", "A和B"]) == 0
    assert option_order(["甲", "乙", "A和B"], rng, True) == [0, 1, 2]
    # "以上" meaning "or more" is an ordinary option.
    assert shuffled_count(["3人以下", "3人以上10人以下", "10人以上"]) == 3


# ---- the setting ----------------------------------------------------------------------------

@pytest.fixture
def course(app, tmp_path, make_unit, make_user, import_course):
    make_unit("QU", "青山区", "district")
    make_user("teacher", "lecturer", "QU", name="党校教师")
    make_user("learn", "learner", "QU", name="李学员")

    def build(**settings) -> Activity:
        import_course(_package(tmp_path, **settings))
        db.session.expire_all()
        return db.session.scalar(db.select(Activity).filter_by(key="quiz", retired=False))
    return build


def test_shuffling_is_on_unless_the_package_turns_it_off(app, course):
    with app.app_context():
        activity = course()
        assert activity.config["shuffle_answers"] is True
        assert engine.spec_for(activity).shuffle_answers
        fields, _files = registry().get("quiz").export(activity.config, "quiz")
        assert "shuffle_answers" not in fields  # the default goes without saying
        activity = course(shuffle_answers=False)
        assert activity.config["shuffle_answers"] is False
        paper = engine.build_paper(engine.spec_for(activity), activity.course_id,
                                   random.Random(1))
        assert all(s["order"] == sorted(s["order"]) for s in paper if "order" in s)
        fields, _files = registry().get("quiz").export(activity.config, "quiz")
        assert fields["shuffle_answers"] is False  # exported so a re-import keeps it off


def test_exams_shuffle_too(app):
    with app.test_request_context():
        assert registry().get("exam").assessment({"time_limit_minutes": 60}).shuffle_answers
        assert not registry().get("exam").assessment({"shuffle_answers": False}) \
            .shuffle_answers


def test_a_setting_that_is_not_true_or_false_is_refused(app, course):
    from lms.catalog.package_files import PackageError

    with app.app_context(), pytest.raises(PackageError) as refused:
        course(shuffle_answers="no")
    assert "shuffle_answers" in str(refused.value)


def test_the_order_is_kept_on_reload_and_scored_by_option_not_position(app, course, auth,
                                                                       client):
    with app.app_context():
        activity_id = course().id
    auth.login("learn")
    first = client.post(f"/activities/{activity_id}/attempt", follow_redirects=True)
    shown = _OPTION_TEXT.findall(first.get_data(as_text=True))
    again = client.get(first.request.path)
    assert _OPTION_TEXT.findall(again.get_data(as_text=True)) == shown
    with app.app_context():
        attempt = db.session.scalar(db.select(Attempt))
        single = next(s for s in attempt.slots if s["name"] == "单选")
        right = single["order"].index(0)  # where 十五种 (the key's first option) was shown
    assert "十五种" in shown[right]
    client.post(first.request.path, data={f"q{single['slot']}": str(right), "submit": "1"})
    with app.app_context():
        answer = engine.answers_of(attempt.id)[single["slot"]]
        assert answer.fraction == 1.0


# ---- the sample quizzes -------------------------------------------------------------------

def _first_option_best(slot: dict) -> float:
    """The most that choosing the first option shown can earn on this question, over every
    order the rule allows: what no shuffle's luck can beat."""
    qtype, answers = slot["qtype"], slot["body"]["answers"]
    if qtype in ("multichoice", "multiresponse"):
        count = shuffled_count([a["text"] for a in answers])
        firsts = range(count) if count > 1 else [0]
        response = (lambda i: i) if qtype == "multichoice" else (lambda i: [i])
        return max(scoring.grade(qtype, slot["body"], response(i)) for i in firsts)
    if qtype == "truefalse":  # True is always shown first
        return scoring.grade(qtype, slot["body"], True)
    if qtype == "matching":  # one right side for every left
        return max(scoring.grade(qtype, slot["body"],
                                 {str(i): right for i in range(len(slot["lefts"]))})
                   for right in slot["rights"])
    return 0.0  # typed answers offer no option to choose


def _sample_quizzes() -> list[Activity]:
    quizzes = list(db.session.scalars(db.select(Activity).where(
        Activity.type_key.in_(("quiz", "exam"))).order_by(Activity.id)))
    assert len(quizzes) == 3
    return quizzes


def test_no_order_lets_the_first_option_pass_a_sample_quiz(app, sample_courses):
    with app.app_context():
        for activity in _sample_quizzes():
            spec = engine.spec_for(activity)
            assert spec.shuffle_answers and not spec.draws
            paper = engine.build_paper(spec, activity.course_id, random.Random(0))
            best = sum(_first_option_best(s) * s["mark"] for s in paper)
            total = sum(s["mark"] for s in paper)
            assert 100 * best / total < spec.pass_score, activity.course.slug
            # Nor does the author's order hand the first option the right answer.
            firsts = [s["body"]["answers"][0]["fraction"] for s in paper
                      if s["qtype"] == "multichoice"]
            assert sum(f >= 1 for f in firsts) <= len(firsts) // 2, activity.course.slug


def _first_everywhere(html: str) -> dict[str, str | list[str]]:
    """The attempt page's form with the first option shown chosen in every question."""
    data: dict[str, str | list[str]] = {"submit": "1"}
    for slot, qtype, body in _FIELDSET.findall(html):
        values = _INPUT.findall(body)
        if qtype in ("multichoice", "truefalse") and values:
            data[f"q{slot}"] = values[0]
        elif qtype == "multiresponse" and values:
            data[f"q{slot}"] = [values[0]]
            data[f"q{slot}-present"] = "1"
        elif qtype == "matching":
            data.update(dict(_SELECT.findall(body)))
    return data


def test_first_option_everywhere_never_passes_a_sample_quiz_in_20_attempts(
        app, sample_courses, auth, client):
    auth.login("learn")
    with app.app_context():
        quizzes = [(a.id, a.course.slug) for a in _sample_quizzes()]
    for activity_id, slug in quizzes:
        for seed in range(20):
            with app.app_context():
                learner = db.session.scalar(db.select(User).filter_by(username="learn"))
                attempt = engine.start_or_resume(learner, db.session.get(Activity, activity_id),
                                                 rng=random.Random(seed))
                attempt_id = attempt.id
            page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
            form = _first_everywhere(page)
            client.post(f"/attempts/{attempt_id}", data=form)
            with app.app_context():
                attempt = db.session.get(Attempt, attempt_id)
                assert attempt.status == "graded" and attempt.passed is False, (slug, seed)
        with app.app_context():
            shown = {tuple(s["order"]) for a in engine.attempts_of(
                db.session.scalar(db.select(User.id).filter_by(username="learn")), activity_id)
                for s in a.slots if "order" in s}
        assert len(shown) > 5, slug  # the options really moved between attempts


def test_the_activity_form_offers_shuffling_ticked_and_keeps_it_off_when_unticked(
        app, course, auth, client, make_user):
    with app.app_context():
        course_id = course().course_id
    make_user("org", "org_admin", "QU")  # a published course is edited by its reviewer
    auth.login("org")
    form = client.get(f"/teach/courses/{course_id}/activities/new/quiz").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="shuffle_answers"[^>]*>', form).group(0)
    assert "checked" in box
    created = client.post(f"/teach/courses/{course_id}/activities/new/quiz", data={
        "title": "随堂测验", "hours": "0", "gift": "::q::题{=甲 ~乙 ~丙}", "pass_score": "60",
        "review": "after_submit", "submit": "1"})  # the box left unticked
    assert created.status_code == 302
    with app.app_context():
        activity = db.session.scalar(db.select(Activity).filter_by(title="随堂测验"))
        assert activity.config["shuffle_answers"] is False
        activity_id = activity.id
    edit = client.get(f"/teach/activities/{activity_id}/edit").get_data(as_text=True)
    assert "checked" not in re.search(r'<input[^>]*name="shuffle_answers"[^>]*>', edit).group(0)
