"""Course packages: import from folders and zips, refusals with file and line, versions."""
from __future__ import annotations

import io
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from lms.catalog.models import Activity, Course, MediaFile
from lms.catalog.package_files import PackageError
from lms.extensions import db
from tests.conftest import COURSES

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypisom" + b"\x00" * 2000
MANIFEST = """[course]
slug = "ceshi-kecheng"
title = "测试课程"
category = "业务知识"
hours = 1.0

[[activities]]
key = "yi"
type = "lecture"
title = "第一讲"
hours = 0.5
source = "lessons/01.md"
video = "media/v.mp4"

[[activities]]
key = "er"
type = "reading"
title = "书目"
[[activities.items]]
title = "一本书"
"""


def zip_of(files: dict[str, bytes | str], symlinks: tuple[str, ...] = ()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in files.items():
            if name in symlinks:
                info = zipfile.ZipInfo(name)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                zf.writestr(info, data)
            else:
                zf.writestr(name, data)
    return out.getvalue()


def good_files(**changes) -> dict[str, bytes | str]:
    files = {"course.toml": MANIFEST,
             "lessons/01.md": "# 第一讲\n\n正文。\n\n![图](../media/p.png)\n",
             "media/v.mp4": MP4, "media/p.png": PNG}
    files.update(changes)
    return {k: v for k, v in files.items() if v is not None}


def problems_of(import_course, data, **kwargs) -> list[str]:
    with pytest.raises(PackageError) as caught:
        import_course(data, **kwargs)
    return [str(p) for p in caught.value.problems]


def outline(app, slug: str) -> list[tuple]:
    with app.app_context():
        course = db.session.scalar(db.select(Course).filter_by(slug=slug))
        return [(a.key, a.type_key, a.title, a.hours, a.position) for a in course.activities
                if not a.retired]


@pytest.fixture
def base(make_unit, make_user):
    make_unit("QU", kind="district")
    make_user("lecturer", "lecturer", "QU")


@pytest.mark.parametrize("name", ["gongwen-xiezuo", "tufa-shijian-yingji", "xinxi-baosong"])
def test_sample_course_imports_from_folder_and_zip_and_round_trips(app, base, import_course,
                                                                   tmp_path, name):
    slug = import_course(COURSES / name)
    first = outline(app, slug)
    types = [t for _k, t, *_ in first]
    assert types.count("lecture") >= 4 and "reading" in types and "quiz" in types
    # The same folder zipped (with its top-level folder) is the same course, unchanged.
    archive = shutil.make_archive(str(tmp_path / name), "zip", COURSES, name)
    assert import_course(archive) == slug
    assert outline(app, slug) == first
    # Export, then import on a fresh slug: the same outline.
    from lms.catalog.packages import export_package

    with app.app_context():
        exported = export_package(db.session.scalar(db.select(Course).filter_by(slug=slug)))
    with zipfile.ZipFile(io.BytesIO(exported)) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    files["course.toml"] = files["course.toml"].replace(
        f'slug = "{slug}"'.encode(), b'slug = "round-trip"')
    assert import_course(zip_of(files)) == "round-trip"
    assert outline(app, "round-trip") == first


def test_media_and_markdown_are_stored_and_rendered(app, base, import_course):
    import_course(zip_of(good_files()))
    with app.app_context():
        media = {m.path: m for m in db.session.scalars(db.select(MediaFile))}
        assert set(media) == {"media/v.mp4", "media/p.png"}
        assert media["media/v.mp4"].mime == "video/mp4" and media["media/p.png"].kind == "image"
        lecture = db.session.scalar(db.select(Activity).filter_by(key="yi"))
        video = media["media/v.mp4"].url
        assert f'<video controls preload="metadata" src="{video}"' in lecture.html
        assert f'src="{media["media/p.png"].url}"' in lecture.html


def test_zip_slip_is_refused_and_nothing_is_written(app, base, import_course, tmp_path):
    media_dir = Path(app.config["LMS_MEDIA_DIR"])
    before = sorted(media_dir.rglob("*"))
    for evil in ("../evil.txt", "/etc/evil.txt", "a/../../evil.txt", "C:/evil.txt"):
        problems = problems_of(import_course, zip_of(good_files(**{evil: "x"})))
        assert any("evil.txt" in p and "课程包以外" in p for p in problems), problems
    assert not (media_dir.parent / "evil.txt").exists()
    assert not Path("/etc/evil.txt").exists()
    assert sorted(media_dir.rglob("*")) == before
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Course)) == 0


def test_links_in_zips_and_folders_are_refused(app, base, import_course, tmp_path):
    problems = problems_of(import_course, zip_of(good_files(**{"media/l.png": "/etc/passwd"}),
                                                 symlinks=("media/l.png",)))
    assert any("media/l.png" in p and "链接" in p for p in problems)
    folder = tmp_path / "pkg"
    for name, data in good_files().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    (folder / "media" / "secret.png").symlink_to("/etc/passwd")
    problems = problems_of(import_course, folder)
    assert any("secret.png" in p and "链接" in p for p in problems)


def test_errors_name_the_file_and_line(app, base, import_course):
    manifest = MANIFEST.replace('type = "reading"', 'type = "hologram"')
    problems = problems_of(import_course, zip_of(good_files(**{"course.toml": manifest})))
    assert "course.toml:15: 未安装活动类型 hologram。" in problems
    broken = zip_of(good_files(**{"course.toml": MANIFEST.replace('hours = 1.0', 'hours = ')}))
    assert problems_of(import_course, broken)[0].startswith("course.toml:5:")
    lesson = "# 讲\n\n正文\n\n![缺](../media/none.png)\n"
    problems = problems_of(import_course, zip_of(good_files(**{"lessons/01.md": lesson})))
    assert any(p.startswith("lessons/01.md:5:") for p in problems), problems


def test_every_problem_is_listed_at_once(app, base, import_course):
    manifest = MANIFEST.replace('slug = "ceshi-kecheng"', 'slug = "Bad Slug"').replace(
        'category = "业务知识"', 'category = "不存在"')
    files = good_files(**{"course.toml": manifest, "lessons/01.md": None})
    problems = problems_of(import_course, zip_of(files))
    assert len(problems) >= 3
    assert any("课程标识" in p for p in problems) and any("不存在" in p for p in problems)
    assert any("lessons/01.md" in p for p in problems)


def test_media_types_are_checked_from_content(app, base, import_course):
    fake = zip_of(good_files(**{"media/v.mp4": b"<html><script>alert(1)</script></html>"}))
    problems = problems_of(import_course, fake)
    assert any("media/v.mp4" in p and "文件内容" in p for p in problems)
    svg = zip_of(good_files(**{"media/p.png": b"<svg onload=alert(1)></svg>"}))
    assert problems_of(import_course, svg)


def test_gift_errors_name_the_line(app, base, import_course):
    manifest = MANIFEST + '\n[[activities]]\nkey = "ce"\ntype = "quiz"\ntitle = "测验"\n' \
                          'questions = "quiz/q.gift"\n'
    gift = "::一::问题一{=对 ~错}\n\n::二::问题二{=甲 ~乙\n"
    problems = problems_of(import_course, zip_of(good_files(**{"course.toml": manifest,
                                                               "quiz/q.gift": gift})))
    assert any(p.startswith("quiz/q.gift:3:") for p in problems), problems


def test_size_limits(app, base, import_course, monkeypatch):
    from lms.catalog import package_files

    monkeypatch.setattr(package_files, "MAX_MEDIA_FILE", 1000)
    problems = problems_of(import_course, zip_of(good_files()))
    assert any("media/v.mp4" in p and "超过允许的大小" in p for p in problems)
    monkeypatch.setattr(package_files, "MAX_FILES", 2)
    assert any("超过 2 个" in p for p in problems_of(import_course,
                                                               zip_of(good_files())))


def test_new_version_keeps_progress_and_retires_missing_keys(app, base, import_course):
    import_course(zip_of(good_files()))
    with app.app_context():
        ids = {a.key: a.id for a in db.session.scalars(db.select(Activity))}
    manifest = MANIFEST.replace('title = "第一讲"', 'title = "第一讲（修订）"')
    manifest = manifest.split("[[activities]]\nkey = \"er\"")[0] + (
        '[[activities]]\nkey = "san"\ntype = "offline"\ntitle = "面授"\nlocation = "党校"\n')
    import_course(zip_of(good_files(**{"course.toml": manifest})))
    with app.app_context():
        course = db.session.scalar(db.select(Course))
        rows = {a.key: a for a in course.activities}
        assert course.version == 2
        assert rows["yi"].id == ids["yi"] and rows["yi"].title == "第一讲（修订）"
        assert rows["er"].retired and rows["er"].id == ids["er"]
        assert rows["san"].type_key == "offline" and not rows["san"].retired
    changed_type = MANIFEST.replace('key = "yi"\ntype = "lecture"', 'key = "yi"\ntype = "offline"')
    problems = problems_of(import_course, zip_of(good_files(**{"course.toml": changed_type})))
    assert any("不能把类型从 lecture 改为 offline" in p for p in problems)


def test_unchanged_package_keeps_its_version(app, base, import_course):
    data = zip_of(good_files())
    import_course(data)
    import_course(data)
    with app.app_context():
        assert db.session.scalar(db.select(Course.version)) == 1


def test_courses_cli_import_export_and_errors(app, base, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["courses", "import", str(COURSES / "xinxi-baosong")])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "xinxi-baosong"
    out = tmp_path / "x.zip"
    assert runner.invoke(args=["courses", "export", "xinxi-baosong", str(out)]).exit_code == 0
    assert zipfile.is_zipfile(out)
    bad = tmp_path / "bad.zip"
    bad.write_bytes(zip_of(good_files(**{"../evil.txt": "x"})))
    result = runner.invoke(args=["courses", "import", str(bad)])
    assert result.exit_code != 0 and "evil.txt" in result.output
    assert runner.invoke(args=["courses", "export", "nope", str(out)]).exit_code != 0
