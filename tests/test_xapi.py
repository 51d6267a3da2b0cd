"""A cadre's record as xAPI 1.0.3 statements: the shape docs/xapi.md describes, stable ids,
verbs per form of learning, and reversals as voiding statements."""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from urllib.parse import urlsplit

from lms.catalog.models import Activity
from lms.extensions import db
from lms.records.xapi import duration
from tests.test_record_page import (
    YEAR,
    add_course,
    add_course_entry,
    add_entry,
    reverse,
    token,
)

DURATION = re.compile(r"^P(?:\d+(?:\.\d+)?D)?(?:T(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?"
                      r"(?:\d+(?:\.\d+)?S)?)?$")
REQUIRED = {"id", "actor", "verb", "object", "timestamp"}


def absolute_iri(value: str) -> bool:
    parts = urlsplit(value)
    return bool(parts.scheme and (parts.netloc or parts.scheme == "urn"))


def rfc3339(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert moment.tzinfo is not None, value  # an offset, as RFC 3339 requires
    return moment


def check_statement(s: dict) -> None:
    """The xAPI 1.0.3 requirements this export promises (docs/xapi.md)."""
    assert set(s) >= REQUIRED, s
    assert uuid.UUID(s["id"]).version == 5
    assert s["version"] == "1.0.3"
    actor = s["actor"]
    assert actor["objectType"] == "Agent" and actor["name"]
    assert absolute_iri(actor["account"]["homePage"]) and actor["account"]["name"]
    assert not {"mbox", "mbox_sha1sum", "openid"} & set(actor)  # exactly one identifier
    verb = s["verb"]
    assert absolute_iri(verb["id"])
    assert verb["display"]["zh-CN"] and verb["display"]["en-US"]
    obj = s["object"]
    if obj["objectType"] == "StatementRef":
        assert verb["id"] == "http://adlnet.gov/expapi/verbs/voided"
        uuid.UUID(obj["id"])
        assert "result" not in s
    else:
        assert obj["objectType"] == "Activity" and absolute_iri(obj["id"])
        definition = obj["definition"]
        assert definition["name"]["zh-CN"] and absolute_iri(definition["type"])
        result = s["result"]
        assert isinstance(result["success"], bool) and isinstance(result["completion"], bool)
        if "duration" in result:
            assert DURATION.match(result["duration"]), result["duration"]
        if "score" in result:
            assert -1 <= result["score"]["scaled"] <= 1
            assert result["score"]["min"] <= result["score"]["raw"] <= result["score"]["max"]
        assert all(absolute_iri(k) for k in result.get("extensions", {}))
    rfc3339(s["timestamp"])
    rfc3339(s["stored"])
    context = s["context"]
    assert all(absolute_iri(k) for k in context["extensions"])
    assert context["language"] == "zh-CN"


def _exam_entry(app, user_id: int, course_id: int) -> int:
    with app.app_context():
        activity = Activity(course_id=course_id, key="kaoshi", type_key="exam",
                            title="结业考试", config={}, html="", position=1)
        db.session.add(activity)
        db.session.commit()
        activity_id = activity.id
    return add_entry(app, user_id, kind="exam", title="结业考试", hours=0.0,
                     source=f"activity:{activity_id}", course_id=course_id, score=85.0,
                     result="85.0%", reference="KS-2024-0001",
                     dedupe_key=f"exam:{activity_id}:{user_id}")


def test_statements_have_the_documented_shape(app, client, auth, district):
    course_id = add_course(app)
    course = add_course_entry(app, district["learner"], course_id, hours=1.5)
    exam = _exam_entry(app, district["learner"], course_id)
    lecture = add_entry(app, district["learner"], title="专题讲座", hours=2,
                        actor=district["unit_admin"], organiser="区委党校")
    off_job = add_entry(app, district["learner"], kind="off_job", title="中青班", hours=30,
                        days=5, actor=district["unit_admin"], started_on=date(YEAR, 3, 1),
                        ended_on=date(YEAR, 3, 5), on=date(YEAR, 3, 5))
    reversal = reverse(app, lecture, district["unit_admin"], "登记有误")
    auth.login("learn")
    response = client.get(f"/cadres/learn/record/xapi.json?year={YEAR}")
    assert response.status_code == 200
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    body = response.get_json()
    assert set(body) == {"statements", "more"} and body["more"] == ""
    statements = body["statements"]
    assert len(statements) == 5
    for s in statements:
        check_statement(s)
    ids = [s["id"] for s in statements]
    assert len(set(ids)) == 5
    by_entry = {s["context"]["extensions"]["http://localhost/xapi/extensions/entry"]: s
                for s in statements}

    s = by_entry[course]
    assert s["actor"]["account"] == {"homePage": "http://localhost/", "name": "learn"}
    assert s["actor"]["name"] == "李学员"
    assert s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert s["object"]["id"] == f"http://localhost/xapi/activities/course/{course_id}"
    assert s["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/course"
    assert s["object"]["definition"]["name"]["zh-CN"] == "公文写作基础"
    assert s["result"]["duration"] == "PT1H30M"
    assert s["result"]["extensions"]["http://localhost/xapi/extensions/study-hours"] == 1.5
    assert s["context"]["extensions"]["http://localhost/xapi/extensions/origin"] == "automatic"
    assert rfc3339(s["timestamp"]).date() == date(YEAR, 3, 15)

    s = by_entry[exam]
    assert s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"
    assert s["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/assessment"
    assert s["result"]["score"]["scaled"] == 0.85 and s["result"]["success"] is True
    assert s["context"]["extensions"]["http://localhost/xapi/extensions/reference"] \
        == "KS-2024-0001"

    s = by_entry[off_job]
    assert s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/attended"
    assert s["result"]["extensions"]["http://localhost/xapi/extensions/days"] == 5
    assert s["context"]["extensions"]["http://localhost/xapi/extensions/entered-by"] == "ua1"
    assert s["context"]["extensions"]["http://localhost/xapi/extensions/period"] \
        == f"{YEAR}-03-01/{YEAR}-03-05"

    # The reversal voids the reversed entry's statement; both stay in the export.
    voiding = by_entry[reversal]
    assert voiding["verb"]["id"] == "http://adlnet.gov/expapi/verbs/voided"
    assert voiding["object"] == {"objectType": "StatementRef", "id": by_entry[lecture]["id"]}
    assert voiding["actor"]["account"]["name"] == "ua1"
    assert voiding["context"]["extensions"]["http://localhost/xapi/extensions/reason"] \
        == "登记有误"
    assert ids.index(by_entry[lecture]["id"]) < ids.index(voiding["id"])

    # Ids are stable: the same export gives the same ids, and the API gives the same too.
    again = client.get(f"/cadres/learn/record/xapi.json?year={YEAR}").get_json()
    assert [s["id"] for s in again["statements"]] == ids
    api = client.application.test_client().get(
        f"/api/v1/users/learn/record/xapi?year={YEAR}", headers=token(app, district["learner"]))
    assert api.status_code == 200 and api.headers["X-Experience-API-Version"] == "1.0.3"
    assert [s["id"] for s in api.get_json()["statements"]] == ids


def test_site_url_setting_names_the_iris(app, client, auth, district, monkeypatch):
    add_entry(app, district["learner"], title="专题讲座", actor=district["unit_admin"])
    monkeypatch.setitem(app.config, "LMS_SITE_URL", "https://xuexi.example.gov.cn/")
    auth.login("learn")
    s = client.get("/cadres/learn/record/xapi.json").get_json()["statements"][0]
    check_statement(s)
    assert s["actor"]["account"]["homePage"] == "https://xuexi.example.gov.cn/"
    assert s["object"]["id"].startswith("https://xuexi.example.gov.cn/xapi/activities/entry/")
    assert s["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/meeting"


def test_empty_year_is_an_empty_statement_result(client, auth, district):
    auth.login("learn")
    body = client.get(f"/cadres/learn/record/xapi.json?year={YEAR - 3}").get_json()
    assert body == {"statements": [], "more": ""}


def test_durations_are_iso_8601():
    assert duration(1.5) == "PT1H30M"
    assert duration(0.25) == "PT15M"
    assert duration(2) == "PT2H"
    assert duration(0) == "PT0S"
    assert all(DURATION.match(duration(h)) for h in (0.1, 0.75, 12.34, 100))


def test_statements_come_in_pages_with_more(app, client, auth, district, monkeypatch):
    from lms.records import record_views

    monkeypatch.setattr(record_views, "EXPORT_SIZE", 2)
    for n in range(3):
        add_entry(app, district["learner"], title=f"讲座{n}", on=date(YEAR, 1, 1 + n))
    auth.login("learn")
    first = client.get(f"/cadres/learn/record/xapi.json?year={YEAR}").get_json()
    assert len(first["statements"]) == 2
    assert first["more"] == f"/cadres/learn/record/xapi.json?year={YEAR}&page=2"
    second = client.get(first["more"]).get_json()
    assert len(second["statements"]) == 1 and second["more"] == ""
    names = [s["object"]["definition"]["name"]["zh-CN"]
             for s in first["statements"] + second["statements"]]
    assert names == ["讲座0", "讲座1", "讲座2"]


def test_descriptions_in_both_languages_whatever_the_readers(app, client, auth, district):
    from flask_babel import force_locale

    from lms.records.status import KIND_TEXT

    add_entry(app, district["learner"], kind="off_job", title="中青班", hours=30, days=5,
              actor=district["unit_admin"])
    with app.test_request_context(), force_locale("zh_CN"):
        chinese = str(KIND_TEXT["off_job"])
    auth.login("learn")
    for lang in ("en", "zh_CN"):
        s = client.get(f"/cadres/learn/record/xapi.json?lang={lang}").get_json()["statements"][0]
        assert s["object"]["definition"]["description"] == {"zh-CN": chinese,
                                                            "en-US": "Off-job training"}


def test_the_export_is_offered_to_administrators_not_learners(client, auth, district):
    """Learners do not see the word xAPI; administrators find the export on the record page
    and on the learning records' administration page, with the API's description."""
    auth.login("learn")
    own = client.get("/cadres/learn/record").get_data(as_text=True)
    assert "xapi" not in own.lower()
    assert client.get("/cadres/learn/record/xapi.json").status_code == 200  # still their data
    auth.logout()
    auth.login("ua1")
    page = client.get("/cadres/learn/record").get_data(as_text=True)
    assert "/cadres/learn/record/xapi.json" in page
    admin = client.get("/admin/records").get_data(as_text=True)
    assert "xAPI 1.0.3" in admin and "/api/v1/openapi.json" in admin
    assert "/api/v1/users/{username}/record/xapi" in admin
