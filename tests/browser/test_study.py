"""In a real browser: a learner studies a short lecture and a short video; progress survives a
page reload and a network drop (beats taken offline are kept and replayed), and a presence
check stops the credit until the learner answers it."""
from __future__ import annotations

import base64
import json
import time
from pathlib import Path

from playwright.sync_api import Page, expect

LESSON = "\n\n".join(
    ["## 值班要求"] + [f"第{i}条：汛期实行 24 小时值班，值班人员在岗在位，信息及时报送。"
                       for i in range(1, 61)])

# A short WebM recorded by the browser itself (there is no encoder on the test machine).
RECORD_WEBM = """async () => {
  const canvas = Object.assign(document.createElement("canvas"), { width: 160, height: 90 });
  const g = canvas.getContext("2d");
  const recorder = new MediaRecorder(canvas.captureStream(25), { mimeType: "video/webm" });
  const chunks = [];
  recorder.ondataavailable = (event) => chunks.push(event.data);
  const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
  let frame = 0;
  const draw = setInterval(() => {
    g.fillStyle = `hsl(${(frame += 9) % 360} 70% 45%)`;
    g.fillRect(0, 0, 160, 90);
  }, 40);
  recorder.start(500);
  await new Promise((resolve) => setTimeout(resolve, 3500));
  recorder.stop();
  await stopped;
  clearInterval(draw);
  const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}"""


def _package(folder: Path, clip: bytes | None = None) -> Path:
    """A course with a long text lecture and, given a clip, a video lecture."""
    (folder / "lessons").mkdir(parents=True)
    (folder / "lessons" / "zhidu.md").write_text(LESSON, encoding="utf-8")
    manifest = """
[course]
slug = "fangxun-zhiban"
title = "防汛值班"
category = "应急管理"
hours = 1.0

[[activities]]
key = "zhidu"
type = "lecture"
title = "汛期值班制度"
hours = 0.5
source = "lessons/zhidu.md"
min_minutes = 30
"""
    if clip is not None:
        (folder / "media").mkdir()
        (folder / "media" / "huishang.webm").write_bytes(clip)
        (folder / "lessons" / "shipin.md").write_text("请观看会商视频。", encoding="utf-8")
        manifest += """
[[activities]]
key = "shipin"
type = "lecture"
title = "防汛会商视频"
hours = 0.5
source = "lessons/shipin.md"
video = "media/huishang.webm"
min_minutes = 30
"""
    (folder / "course.toml").write_text(manifest, encoding="utf-8")
    return folder


class Beats:
    """Every heartbeat the page sends and what the server answered, as they arrive."""

    def __init__(self, page: Page):
        self.page = page
        self.seen: list[tuple[dict, dict]] = []
        page.on("response", self._record)

    def _record(self, response) -> None:
        if response.url.endswith("/beat") and response.ok:
            self.seen.append((json.loads(response.request.post_data), response.json()))

    def wait(self, check, timeout: float = 10.0) -> tuple[dict, dict]:
        """Wait for the next beat (after the ones seen so far) whose (sent, answer) passes."""
        start, deadline = len(self.seen), time.monotonic() + timeout
        while time.monotonic() < deadline:
            for sent, answer in self.seen[start:]:
                if check(sent, answer):
                    return sent, answer
            self.page.wait_for_timeout(100)
        raise AssertionError(f"no such beat within {timeout} s: {self.seen[start:]}")

    @property
    def credited(self) -> int:
        return max(answer["credited_seconds"] for _sent, answer in self.seen)


def minutes_shown(page: Page) -> float:
    return float(page.locator("#study [data-credited]").inner_text())


def test_lecture_and_video_survive_reload_and_network_drop(
        sign_in, live_server, app, monkeypatch, tmp_path, make_unit, make_user, import_course):
    interval = 2
    monkeypatch.setitem(app.config, "LMS_HEARTBEAT_SECONDS", interval)
    make_unit("QU", "青山区", "district")
    make_user("learn", "learner", "QU", name="李学员")
    page = sign_in("learn")
    clip = base64.b64decode(page.evaluate(RECORD_WEBM))
    slug = import_course(_package(tmp_path / "pkg", clip))
    beats = Beats(page)

    # The text lecture: read, scroll down, lose the network for a while, get it back.
    page.goto(f"{live_server}/courses/{slug}")
    started = time.monotonic()
    page.get_by_role("link", name="汛期值班制度").first.click()
    beats.wait(lambda sent, answer: answer["reason"] == "started")
    page.mouse.wheel(0, 900)
    page.wait_for_function("() => window.scrollY > 600")
    beats.wait(lambda sent, answer: sent["position"] > 600)

    page.context.set_offline(True)
    status = page.get_by_role("status").filter(has_text="网络中断")
    expect(status).to_contain_text("学习记录已保存在本机")
    page.wait_for_timeout(4 * interval * 1000)  # four beats taken offline
    page.context.set_offline(False)
    expect(page.get_by_role("status").filter(has_text="网络已恢复")).to_be_visible()
    replayed = [(sent, answer) for sent, answer in beats.seen if sent["age"] >= interval]
    assert len(replayed) >= 3
    assert all(answer["reason"] == "credited" for _sent, answer in replayed)
    beats.wait(lambda sent, answer: sent["age"] < 1)  # a live beat after the replayed ones
    elapsed = time.monotonic() - started
    # The offline interval is credited: the total is the time studied, never more.
    assert elapsed - interval - 2 <= beats.credited <= elapsed
    expect(page.locator("#study [data-credited]")).to_have_text(f"{beats.credited / 60:.1f}")

    before = minutes_shown(page)
    page.reload()
    assert minutes_shown(page) >= before > 0

    # The video: play two seconds and pause. Then the server cannot be reached while the page
    # is reloaded: the beats kept before and after the reload all arrive once it is back.
    started = time.monotonic()
    page.get_by_role("navigation", name="课程目录").get_by_role("link", name="防汛会商视频").click()
    video = page.locator("main video")
    video.evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('main video').currentTime >= 2")
    video.evaluate("v => v.pause()")
    beats.wait(lambda sent, answer: sent["position"] >= 2)
    first = len(beats.seen)
    page.route("**/beat", lambda route: route.abort())
    page.wait_for_timeout(int(1.5 * interval * 1000))
    page.reload()
    page.wait_for_function("() => document.querySelector('main video').currentTime >= 1.9")
    page.wait_for_timeout(interval * 1000)
    page.unroute("**/beat")
    beats.wait(lambda sent, answer: sent["age"] < 1 and answer["reason"] == "credited")
    elapsed = time.monotonic() - started
    sent_seqs = [sent["seq"] for sent, _answer in beats.seen[first:]]
    assert sent_seqs == sorted(set(sent_seqs))  # in order, numbering continued after reload
    assert len([s for s, _a in beats.seen[first:] if s["age"] >= interval]) >= 2
    assert {answer["reason"] for _sent, answer in beats.seen[first:]} == {"credited"}
    assert elapsed - interval - 2 <= beats.seen[-1][1]["credited_seconds"] <= elapsed

    # Back to the text lecture: it opens where the learner left it.
    page.get_by_role("navigation", name="课程目录").get_by_role("link", name="汛期值班制度").click()
    page.wait_for_function("() => window.scrollY > 600")
    assert minutes_shown(page) >= before


def test_presence_check_stops_credit_until_answered(
        sign_in, live_server, app, monkeypatch, tmp_path, make_unit, make_user, import_course):
    monkeypatch.setitem(app.config, "LMS_HEARTBEAT_SECONDS", 1)
    monkeypatch.setitem(app.config, "LMS_PRESENCE_CHECK_MINUTES", 0.05)  # every 1.5 to 4.5 s
    make_unit("QU", "青山区", "district")
    make_user("learn", "learner", "QU", name="李学员")
    slug = import_course(_package(tmp_path / "pkg"))
    page = sign_in("learn")
    beats = Beats(page)
    page.goto(f"{live_server}/courses/{slug}")
    page.get_by_role("link", name="汛期值班制度").first.click()

    dialog = page.get_by_role("alertdialog", name="你还在学习吗？")
    expect(dialog).to_be_visible(timeout=15_000)
    expect(dialog).to_contain_text("暂停")
    button = dialog.get_by_role("button", name="继续学习")
    expect(button).to_be_focused()
    paused_at = beats.credited
    for _ in range(3):  # while the question waits, beats earn nothing
        _sent, answer = beats.wait(lambda sent, answer: True)
        assert (answer["counted"], answer["reason"]) == (0, "presence")
    assert beats.credited == paused_at

    button.click()
    expect(dialog).to_be_hidden()
    beats.wait(lambda sent, answer: answer["counted"] > 0, timeout=3)
    assert beats.credited > paused_at
