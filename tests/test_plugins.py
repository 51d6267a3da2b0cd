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
