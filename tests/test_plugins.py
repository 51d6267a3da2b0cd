"""Activity types are plugins: the registry, the documented example, entry points, missing types."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from lms import create_app
from lms.activities.base import ActivityType
from lms.catalog.models import Activity
from lms.extensions import db
from tests.conftest import PASSWORD

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"


def load_example():
    spec = importlib.util.spec_from_file_location("checklist_plugin",
                                                  EXAMPLES / "checklist_plugin.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Checklist


@pytest.fixture
def checklist(app):
    reg = app.extensions["lms.activities"]
    reg.register(load_example())
    yield
    reg.unregister("checklist")


def test_builtin_types_are_registered_with_capabilities(app):
    reg = app.extensions["lms.activities"]
    assert {t.key for t in reg.all()} == {"lecture", "reading", "quiz", "exam", "offline",
                                          "survey"}
    assert reg.get("lecture").supports("timed") and reg.get("quiz").supports("graded")
    assert reg.get("exam").supports("graded") and not reg.get("exam").supports("timed")
    assert reg.get("offline").supports("attendance") and not reg.get("reading").supports("graded")
    assert reg.get("survey").supports("response") and not reg.get("survey").supports("graded")


def test_registry_refuses_bad_types(app):
    reg = app.extensions["lms.activities"]

    class Duplicate(ActivityType):
        key = "lecture"

    class Strange(ActivityType):
        key = "strange"
        capabilities = frozenset({"teleport"})

    class TooNew(ActivityType):
        key = "future"
        min_core = "99.0"

    for cls in (Duplicate, Strange, TooNew):
        with pytest.raises(ValueError):
            reg.register(cls)


@pytest.fixture
def checklist_course(checklist, make_unit, make_user, import_course) -> None:
    """A course with a checklist activity (key `zhunbei`) and a learner `learn`."""
    from tests.test_packages import MANIFEST, good_files, zip_of

    make_unit("QU", kind="district")
    make_user("lecturer", "lecturer", "QU")
    make_user("learn", "learner", "QU")
    manifest = MANIFEST + ('\n[[activities]]\nkey = "zhunbei"\ntype = "checklist"\n'
                           'title = "上岗前准备"\nitems = ["阅读制度", "开通账号"]\n')
    import_course(zip_of(good_files(**{"course.toml": manifest})))


def test_example_plugin_imports_renders_and_exports(app, checklist_course, client):
    with app.app_context():
        activity = db.session.scalar(db.select(Activity).filter_by(key="zhunbei"))
        assert activity.type_key == "checklist" and "阅读制度" in activity.html
        activity_id = activity.id
    client.post("/login", data={"username": "learn", "password": PASSWORD})
    page = client.get(f"/activities/{activity_id}").get_data(as_text=True)
    assert 'class="checklist prose"' in page and "开通账号" in page
    outline = client.get("/courses/ceshi-kecheng").get_data(as_text=True)
    assert "Checklist" in outline


def test_activity_of_a_missing_type_shows_a_notice(app, checklist_course, client):
    app.extensions["lms.activities"].unregister("checklist")  # the plugin is uninstalled
    with app.app_context():
        activity_id = db.session.scalar(db.select(Activity.id).filter_by(key="zhunbei"))
    client.post("/login", data={"username": "learn", "password": PASSWORD})
    page = client.get(f"/activities/{activity_id}")
    assert page.status_code == 200
    assert "此类学习活动暂时无法在本平台打开" in page.get_data(as_text=True)
    assert "暂不可用" in client.get("/courses/ceshi-kecheng").get_data(as_text=True)


@pytest.fixture
def installed_example(tmp_path, monkeypatch):
    """Install the example as a real distribution with an `lms.activities` entry point."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "checklist_plugin.py").write_text((EXAMPLES / "checklist_plugin.py").read_text())
    (site / "templates").symlink_to(EXAMPLES / "templates")
    info = site / "lms_checklist-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lms-checklist\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[lms.activities]\nchecklist = checklist_plugin:Checklist\n")
    monkeypatch.syspath_prepend(str(site))
    yield
    sys.modules.pop("checklist_plugin", None)


def test_entry_point_plugins_load_when_enabled(db_url, installed_example):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": db_url,
                      "LMS_ACTIVITY_PLUGINS": ["checklist"]})
    assert app.extensions["lms.activities"].get("checklist") is not None
    plain = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": db_url})
    assert plain.extensions["lms.activities"].get("checklist") is None  # installed, not enabled


def test_enabled_but_missing_plugin_stops_start_up(db_url):
    with pytest.raises(RuntimeError, match="no package provides it"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": db_url,
                    "LMS_ACTIVITY_PLUGINS": ["nonexistent"]})


# ---- the contract's hooks for answers and lecturers' pages ---------------------------------

def _pledge_type(folder: Path):
    """A temporary type taking answers (a pledge to tick) with a lecturer page counting them."""
    from lms.activities.base import RESPONSE, Answered, LecturerView

    def count_view(activity, config, states):
        rows = list(states)
        return {"agreed": sum(1 for s in rows if s.state.get("agreed")),
                "names": sorted(s.name for s in rows)}

    class Pledge(ActivityType):
        key = "pledge"
        name = "Pledge"
        capabilities = frozenset({RESPONSE})
        fields = ("text",)
        template_folder = folder

        def validate_config(self, raw, ctx, origin):
            return {"text": str(raw.get("text") or "")}

        def initial_state(self):
            return {"tries": 0}

        def take_answers(self, config, state, data):
            tries = state["tries"] + 1  # the core passes initial_state() before any state
            if data.get("agree") != "yes":
                return Answered(state=state, problems={"agree": "Tick the box to agree."})
            return Answered(state={"tries": tries, "agreed": True}, completed=True)

        def lecturer_views(self):
            return [LecturerView("count", "Agreed", count_view, "count.html")]

    return Pledge


@pytest.fixture
def pledge(app, tmp_path, make_unit, make_user, import_course):
    """A course of one lecture and one (required) pledge, lectured by `lecturer`; returns the
    pledge activity's id."""
    from tests.test_packages import good_files, zip_of

    (tmp_path / "learner.html").write_text(
        '<p class="pledge">{{ activity.config.text }}</p>{% if answer_url %}<form method="post" '
        'action="{{ answer_url }}">{{ problems.get("agree", "") }}</form>{% endif %}'
        '{% if state and state.state.agreed %}agreed{% endif %}')
    (tmp_path / "count.html").write_text('<p id="agreed">{{ agreed }}: {{ names|join(",") }}</p>')
    reg = app.extensions["lms.activities"]
    reg.register(_pledge_type(tmp_path))
    make_unit("QU", kind="district")
    make_user("lecturer", "lecturer", "QU")
    make_user("lect2", "lecturer", "QU")
    make_user("learn", "learner", "QU", name="李学员")
    make_user("org", "org_admin", "QU")
    manifest = MANIFEST_WITH_LECTURER + ('\n[[activities]]\nkey = "shi"\ntype = "pledge"\n'
                                         'title = "承诺"\ntext = "我承诺遵守制度"\n')
    import_course(zip_of(good_files(**{"course.toml": manifest})))
    with app.app_context():
        yield db.session.scalar(db.select(Activity.id).filter_by(key="shi"))
    reg.unregister("pledge")


def _manifest_with_lecturer() -> str:
    from tests.test_packages import MANIFEST

    return MANIFEST.replace('hours = 1.0\n', 'hours = 1.0\nlecturers = ["lecturer"]\n', 1)


MANIFEST_WITH_LECTURER = _manifest_with_lecturer()


def test_a_type_takes_answers_through_the_core(app, client, pledge):
    from lms.catalog.models import ActivityState

    client.post("/login", data={"username": "learn", "password": PASSWORD})
    page = client.get(f"/activities/{pledge}").get_data(as_text=True)
    assert "我承诺遵守制度" in page and f'action="/activities/{pledge}/answers"' in page
    refused = client.post(f"/activities/{pledge}/answers", data={"agree": "no"})
    assert refused.status_code == 422 and "Tick the box to agree." in refused.get_data(
        as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(ActivityState).filter_by(activity_id=pledge)) is None
    assert client.post(f"/activities/{pledge}/answers", data={"agree": "yes"}).status_code == 302
    with app.app_context():
        state = db.session.scalar(db.select(ActivityState).filter_by(activity_id=pledge))
        assert state.state == {"tries": 1, "agreed": True} and state.completed_at is not None
        lecture = db.session.scalar(db.select(Activity.id).filter_by(key="yi"))
    assert "agreed" in client.get(f"/activities/{pledge}").get_data(as_text=True)
    # A type that takes no answers has no such route.
    assert client.post(f"/activities/{lecture}/answers", data={}).status_code == 404


def test_initial_state_is_stored_when_the_core_creates_a_state(app, pledge, make_user):
    from lms.auth.models import User
    from lms.catalog.models import ActivityState
    from lms.progress import services

    with app.test_request_context():
        activity = db.session.get(Activity, pledge)
        user = db.session.scalar(db.select(User).filter_by(username="learn"))
        services.ensure_state(user, activity)
        assert db.session.scalar(db.select(ActivityState.state).filter_by(
            activity_id=pledge)) == {"tries": 0}


def test_a_type_adds_a_page_for_the_course_lecturers(app, client, pledge):
    client.post("/login", data={"username": "learn", "password": PASSWORD})
    client.post(f"/activities/{pledge}/answers", data={"agree": "yes"})
    url = f"/teach/activities/{pledge}/pages/count"
    assert client.get(url).status_code == 404  # a learner
    client.post("/logout")
    client.post("/login", data={"username": "lect2", "password": PASSWORD})
    assert client.get(url).status_code == 404  # a lecturer of other courses
    client.post("/logout")
    client.post("/login", data={"username": "lecturer", "password": PASSWORD})
    assert '<p id="agreed">1: 李学员</p>' in client.get(url).get_data(as_text=True)
    assert client.get(f"/teach/activities/{pledge}/pages/other").status_code == 404
    assert client.get(url + "/export.xlsx").status_code == 404  # the page has no table
    with app.app_context():
        course_id = db.session.get(Activity, pledge).course_id
    assert f'href="{url}"' in client.get(f"/teach/courses/{course_id}").get_data(as_text=True)


def test_a_sealed_types_pages_are_for_its_authors_only(app, client, pledge, monkeypatch):
    from lms.activities.base import RESPONSE, SEALED

    url = f"/teach/activities/{pledge}/pages/count"
    client.post("/login", data={"username": "org", "password": PASSWORD})
    assert client.get(url).status_code == 200  # the organisation department reads answers
    kind = app.extensions["lms.activities"].get("pledge")
    monkeypatch.setattr(type(kind), "capabilities", frozenset({RESPONSE, SEALED}))
    assert client.get(url).status_code == 404
    client.post("/logout")
    client.post("/login", data={"username": "lecturer", "password": PASSWORD})
    assert client.get(url).status_code == 200
