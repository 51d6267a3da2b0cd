"""In a real browser, under the app's CSP: the Markdown editor loads with its toolbar, its
preview is the server's sanitised rendering, a file is uploaded and inserted from the
activity form, and nothing is logged as an error (no refused script, style or font)."""
from __future__ import annotations

import re
import struct
import zlib

from playwright.sync_api import expect


def _png() -> bytes:
    """A real 1×1 PNG (the browser shows it)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    raw = zlib.compress(b"\x00\xff\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def test_editor_toolbar_preview_and_files_under_the_csp(sign_in, live_server, make_unit,
                                                        make_user, tmp_path):
    make_unit("QU", "青山区", "district")
    make_user("lect", "lecturer", "QU", name="党校教师")
    page = sign_in("lect")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: problems.append("remote: " + r.url)
            if not r.url.startswith(live_server) and not r.url.startswith("data:") else None)

    page.goto(f"{live_server}/teach/courses/new")
    page.get_by_label("标题", exact=True).fill("防汛应急处置")
    expect(page.get_by_label("网址名称")).to_have_attribute("placeholder", "fangxun-yingji-chuzhi")
    page.get_by_label("科目").select_option(label="应急管理")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("防汛应急处置")
    expect(page.get_by_label("网址名称")).to_have_value("fangxun-yingji-chuzhi")

    page.get_by_role("link", name="添加讲座").click()
    toolbar = page.locator(".editor-toolbar")
    expect(toolbar).to_be_visible()
    for name in ("加粗文字", "倾斜文字", "插入链接", "编号列表", "按学员看到的样子预览"):
        expect(toolbar.get_by_role("button", name=name)).to_be_visible()
    editor = page.locator(".CodeMirror").first
    editor.click()
    page.keyboard.insert_text("## 值班要求\n\n信息")
    toolbar.get_by_role("button", name="加粗文字").click()
    page.keyboard.insert_text("及时")
    page.keyboard.press("End")
    page.keyboard.insert_text("报送。\n\n<script>alert(1)</script><img src=x onerror=alert(1)>\n\n")

    # Upload a picture from the form: it is inserted at the cursor.
    picture = tmp_path / "示意图.png"
    picture.write_bytes(_png())
    files = page.locator("[data-media-panel]")
    files.get_by_label("文件").set_input_files(str(picture))
    files.get_by_role("button", name="上传").click()
    expect(files.get_by_role("status")).to_contain_text("已上传 示意图.png。")
    expect(files.get_by_role("button", name="插入正文")).to_have_count(1)
    expect(editor).to_contain_text("![示意图.png](media/示意图.png)")

    # The preview is the server's rendering: the heading, the bold text, the picture served
    # by the site; the script and the handler are gone.
    with page.expect_response(lambda r: r.url.endswith("/preview")) as answer:
        toolbar.get_by_role("button", name="左侧编辑、右侧预览").click()
    assert answer.value.status == 200
    side = page.locator(".editor-preview-side")
    expect(side.get_by_role("heading", name="值班要求")).to_be_visible()
    expect(side.locator("strong")).to_have_text("及时")
    expect(side.locator("img")).to_have_attribute("src", re.compile(r"^/media/\d+/示意图\.png$"))
    expect(side.locator("script")).to_have_count(0)
    assert side.locator("[onerror]").count() == 0
    assert page.evaluate("() => window.__xss === undefined")

    # What is written is what is saved (the textarea follows the editor).
    page.get_by_label("标题", exact=True).fill("汛期值班制度")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("link", name="汛期值班制度")).to_be_visible()
    page.get_by_role("link", name="汛期值班制度").click()
    expect(page.locator(".CodeMirror").first).to_contain_text("## 值班要求")
    assert not problems, problems
