"""In a real browser, the course player says where the learner stands: a second tab is told
why it earns nothing, a lecture completed live shows its tick and "next" without a reload, and
a completed course offers its certificate, whose PDF holds the learner's name and the course."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader


def _package(folder: Path, slug: str, title: str, lessons: list[tuple[str, str, int]]) -> Path:
    """A course of text lectures: (key, title, minimum minutes; 0 for none)."""
    (folder / "lessons").mkdir(parents=True)
    manifest = f'[course]\nslug = "{slug}"\ntitle = "{title}"\ncategory = "应急管理"\nhours = 1.0\n'
    for key, name, minutes in lessons:
        (folder / "lessons" / f"{key}.md").write_text(f"## {name}\n\n汛期值班要求。", "utf-8")
        manifest += (f'\n[[activities]]\nkey = "{key}"\ntype = "lecture"\ntitle = "{name}"\n'
                     f'hours = 0.5\nsource = "lessons/{key}.md"\n')
        if minutes:
            manifest += f"min_minutes = {minutes}\n"
    (folder / "course.toml").write_text(manifest, encoding="utf-8")
    return folder


@pytest.fixture
def open_course(sign_in, live_server, app, monkeypatch, tmp_path, make_unit, make_user,
                import_course):
    """Import a course of text lectures (`_package`) and open it as a signed-in learner, with
    a heartbeat every second; returns (page, slug)."""
    def open_it(slug: str, title: str, lessons: list[tuple[str, str, int]]) -> tuple[Page, str]:
        monkeypatch.setitem(app.config, "LMS_HEARTBEAT_SECONDS", 1)
        make_unit("QU", "青山区", "district")
        make_user("learn", "learner", "QU", name="李学员")
        slug = import_course(_package(tmp_path / "pkg", slug, title, lessons))
        page = sign_in("learn")
        page.goto(f"{live_server}/courses/{slug}")
        return page, slug
    return open_it


def test_second_tab_is_told_why_it_earns_nothing(open_course, live_server):
    first, slug = open_course("fangxun-zhiban", "防汛值班",
                              [("zhidu", "汛期值班制度", 30), ("yuan", "防汛预案", 30)])
    first.get_by_role("link", name="汛期值班制度").click()
    expect(first.locator("main")).to_contain_text("完成条件：学习不少于 30 分钟")
    expect(first.locator("#study")).to_contain_text("已计学习时间：")
    expect(first.locator("#study [data-credited]")).not_to_have_text("0.0", timeout=10_000)

    second = first.context.new_page()
    second.goto(f"{live_server}/courses/{slug}")
    second.get_by_role("link", name="防汛预案").click()
    why = second.locator("#study [data-why]")
    expect(why).to_have_text("本页暂不计时：您正在另一个标签页或窗口学习其他活动。"
                             "请关闭那个页面，一次只学习一项活动。", timeout=10_000)
    expect(why).to_have_attribute("role", "status")
    # Neither tab offers "next" before its activity is completed.
    expect(second.get_by_role("link", name="返回课程")).to_be_hidden()
    expect(first.get_by_role("link", name="下一项：防汛预案")).to_be_hidden()
    assert second.locator("#study [data-credited]").inner_text() == "0.0"
    # The first tab still counts and says nothing is wrong.
    expect(first.locator("#study [data-why]")).to_have_text("")

    # Closing the first tab lets the second one count.
    first.close()
    expect(why).to_have_text("", timeout=10_000)
    expect(second.locator("#study [data-credited]")).not_to_have_text("0.0", timeout=10_000)


def test_live_completion_ticks_offers_next_and_a_certificate(open_course, live_server):
    # Without a minimum, a lecture completes after one heartbeat interval of study.
    page, _slug = open_course("fangxun-kuaixue", "防汛值班速学",
                              [("zhidu", "汛期值班制度", 0), ("yuan", "防汛预案", 0)])
    expect(page.get_by_role("listitem").filter(has_text="汛期值班制度")).to_contain_text("未开始")
    page.get_by_role("link", name="汛期值班制度").click()
    loaded = page.evaluate("() => performance.timeOrigin")

    done = page.locator("#study [data-done]")
    expect(done).to_have_text("已完成 您已完成本活动。", timeout=10_000)
    expect(done).to_have_attribute("aria-live", "polite")
    outline = page.get_by_role("navigation", name="课程目录")
    expect(outline.get_by_role("listitem").filter(has_text="汛期值班制度")
           .get_by_role("img", name="已完成")).to_be_visible()
    following = page.get_by_role("link", name="下一项活动：防汛预案")
    expect(following).to_be_visible()
    assert page.evaluate("() => performance.timeOrigin") == loaded  # no reload

    following.click()
    expect(page.locator("#study [data-done]")).to_contain_text("您已完成本活动。",
                                                               timeout=10_000)
    page.get_by_role("link", name="返回课程").click()
    expect(page.locator("main")).to_contain_text("已完成 2 / 2 项学习活动")
    certificate = page.get_by_role("link", name="结业证书（PDF）")
    expect(certificate).to_be_visible()
    expect(page.get_by_role("link", name="在我的学习档案中查看")).to_be_visible()

    response = page.request.get(live_server + certificate.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    text = "".join("".join(p.extract_text().split()) for p in reader.pages)
    assert "李学员" in text and "防汛值班速学" in text

    # The record entry the completion made is one click away.
    page.get_by_role("link", name="在我的学习档案中查看").click()
    expect(page.locator("tr[id^=entry-]").filter(has_text="防汛值班速学")).to_be_visible()
