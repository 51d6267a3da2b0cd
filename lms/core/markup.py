"""Markdown to safe HTML: the one place that renders and sanitises author text.

Markdown is python-markdown with tables, fenced code, footnotes, a table of contents
(``[TOC]``) and sane lists. Raw HTML in the source is allowed through the renderer and then
cut down by bleach to a small allow-list: no scripts, styles, event handlers, frames, forms,
SVG or MathML; links only to http(s), mailto and relative addresses; pictures only from this
site. Nothing an author writes can load remote content.

Media
-----
Pictures use ordinary image syntax, ``![alt](path "title")``. A path without a scheme is
handed to ``resolve_media``, which returns where the file is served (a :class:`MediaRef`), or
``None`` when there is no such file: that is a :class:`MarkupError` naming the line. Images
with a scheme or a host (``http:``, ``https:``, ``//host``, ``data:``, ``javascript:``...) are
removed. Without a resolver, only site-local paths (starting with ``/``) are kept.

Players and documents use a directive that stands alone on its line (indented at most three
spaces, outside fenced code)::

    @[video](media/intro.mp4)
    @[audio 第一讲 录音](media/jiangjie.mp3)
    @[pdf 条例全文](media/tiaoli.pdf)

That is ``@[KIND TITLE](PATH)``: KIND is ``video``, ``audio`` or ``pdf``; the optional TITLE is
everything after the first space up to ``]`` (plain text, no ``]``); PATH has no spaces or
parentheses. The path is resolved like an image's and must be a file of that kind. A line
that starts like a directive but does not fit the syntax is an error; a directive inside a
paragraph is ordinary text. The player HTML is made here, never taken from the author, so the
sanitiser never has to let ``<video>``, ``<audio>`` or ``<iframe>`` through.
"""
from __future__ import annotations

import html
import re
import secrets
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from posixpath import basename
from xml.etree.ElementTree import Element

import bleach
import markdown
from bleach.html5lib_shim import Filter
from flask_babel import gettext as _
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor
from markupsafe import escape

MEDIA_KINDS = frozenset({"image", "video", "audio", "pdf"})


@dataclass(frozen=True)
class MediaRef:
    """A media file as the site serves it: a site-local `url`, its `kind` and `mime` type."""

    url: str
    kind: str
    mime: str

    def __post_init__(self) -> None:
        if self.kind not in MEDIA_KINDS:
            raise ValueError(f"unknown media kind: {self.kind!r}")


Resolver = Callable[[str], MediaRef | None]


class MarkupError(ValueError):
    """The Markdown cannot be rendered; `line` is 1-based, or None when unknown."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.message = message
        self.line = line


# ---- URLs -----------------------------------------------------------------------------------

_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*:", re.IGNORECASE)
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]+")  # what browsers skip or trim in a URL


def _normalise_url(value: str) -> str:
    """`value` as a browser would read its start: entities decoded, blanks and controls gone."""
    return _IGNORED_IN_URL.sub("", html.unescape(value))


def _is_remote(value: str) -> bool:
    """True for a URL with a scheme or a host (``//host``; browsers read ``\\`` as ``/``)."""
    url = _normalise_url(value).replace("\\", "/")
    return bool(_SCHEME.match(url)) or url.startswith("//")


def _is_site_local(value: str) -> bool:
    """True for a path on this site: starts with one ``/`` and has no scheme or host."""
    url = _normalise_url(value).replace("\\", "/")
    return url.startswith("/") and not url.startswith("//")


# ---- source lines ---------------------------------------------------------------------------

_FENCE_OPEN = re.compile(  # the opening line of python-markdown's FENCED_BLOCK_RE
    r"^(?P<fence>~{3,}|`{3,})[ ]*(?:\{.*\}|\.?[\w#.+\-]*[ ]*"
    r"(?:hl_lines=(?P<q>[\"'])(?:.*?)(?P=q)[ ]*)?)$")
_DIRECTIVE = re.compile(
    r"^ {0,3}@\[(?P<kind>video|audio|pdf)(?:[ \t]+(?P<title>[^\]]*?))?[ \t]*\]"
    r"\([ \t]*(?P<path>[^\s()]+)[ \t]*\)[ \t]*$",
    re.IGNORECASE,
)
_DIRECTIVE_LIKE = re.compile(r"^ {0,3}@\[[ \t]*(?:video|audio|pdf)\b", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # STX/ETX would forge md placeholders


def _code_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it is part of a fenced code block (as fenced_code finds them)."""
    closers: dict[str, list[int]] = {}  # a possible closing fence -> its line indexes
    for index, line in enumerate(lines):
        stripped = line.rstrip(" ")
        if stripped[:3] in ("```", "~~~") and len(set(stripped)) == 1:
            closers.setdefault(stripped, []).append(index)
    inside = [False] * len(lines)
    start = 0
    while start < len(lines):
        match = _FENCE_OPEN.match(lines[start])
        candidates = closers.get(match.group("fence"), []) if match else []
        after = bisect_right(candidates, start)
        if after == len(candidates):
            start += 1
            continue
        end = candidates[after]
        inside[start:end + 1] = [True] * (end + 1 - start)
        start = end + 1
    return inside


# ---- media ----------------------------------------------------------------------------------

def _resolve(resolve_media: Resolver | None, path: str, kind: str, line: int | None) -> str:
    """The site-local URL of the `kind` file at `path`, or a MarkupError naming `line`."""
    if _is_remote(path):
        raise MarkupError(_("remote media are not allowed: %(p)s", p=path), line)
    if resolve_media is None:
        if _is_site_local(path):
            return path
        raise MarkupError(f"media cannot be resolved here: {path}", line)
    ref = resolve_media(path)
    if ref is None:
        raise MarkupError(_("missing media file: %(p)s", p=path), line)
    if ref.kind != kind:
        raise MarkupError(_("not a %(kind)s file (%(actual)s): %(p)s", kind=_kind_name(kind),
                            actual=_kind_name(ref.kind), p=path), line)
    if not _is_site_local(ref.url):
        raise MarkupError(f"media URL is not on this site: {ref.url}", line)
    return ref.url


def _kind_name(kind: str) -> str:
    """A media kind in the user's language (the key itself outside a request)."""
    names = {"image": _("picture"), "video": _("video"), "audio": _("audio"),
             "pdf": _("PDF document")}
    name = names.get(kind, kind)
    return kind if name in ("picture", "video", "audio", "PDF document") else name


def _player(kind: str, url: str, title: str, path: str) -> str:
    """The trusted HTML for one directive; every value from outside is escaped."""
    src = escape(url)
    label = escape(title or basename(path) or path)
    if kind == "pdf":
        return f'<iframe src="{src}" class="pdf-embed" title="{label}"></iframe>'
    tag = {"video": "video", "audio": "audio"}[kind]
    titled = f' title="{escape(title)}"' if title else ""
    return (f'<{tag} controls preload="metadata" src="{src}"{titled}>'
            f'<a href="{src}">{label}</a></{tag}>')


class _Directives:
    """Replaces directive lines by placeholders, and placeholders by player HTML."""

    def __init__(self, resolve_media: Resolver | None) -> None:
        self.resolve_media = resolve_media
        self.token = "mdmedia" + secrets.token_hex(8)
        self.players: list[str] = []

    def preprocess(self, lines: list[str], code: list[bool]) -> str:
        out: list[str] = []
        for number, (line, in_code) in enumerate(zip(lines, code, strict=True), start=1):
            match = None if in_code else _DIRECTIVE.match(line)
            if match is None:
                if not in_code and _DIRECTIVE_LIKE.match(line):
                    raise MarkupError(_(
                        "malformed media directive, expected @[video|audio|pdf title](path)"),
                        number)
                out.append(line)
                continue
            kind = match.group("kind").lower()
            path = match.group("path")
            url = _resolve(self.resolve_media, path, kind, number)
            self.players.append(_player(kind, url, (match.group("title") or "").strip(), path))
            out.extend(["", f"{self.token}n{len(self.players) - 1}e", ""])
        return "\n".join(out)

    def substitute(self, safe_html: str) -> str:
        if not self.players:
            return safe_html
        pattern = re.compile(rf"(?:<p>)?{self.token}n(\d+)e(?:</p>)?")
        return pattern.sub(lambda m: self.players[int(m.group(1))], safe_html)


class _TreeFixer(Treeprocessor):
    """Resolves or removes images and turns table alignment into classes."""

    def __init__(self, md: markdown.Markdown, resolve_media: Resolver | None,
                 lines: list[str], code: list[bool]) -> None:
        super().__init__(md)
        self.resolve_media = resolve_media
        self.lines = lines
        self.code = code

    def run(self, root: Element) -> None:
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag == "img":
                    self._image(parent, child)
                elif child.tag in ("th", "td") and "align" in child.attrib:
                    align = child.attrib.pop("align")
                    if align in ("left", "center", "right"):
                        child.set("class", f"align-{align}")

    def _image(self, parent: Element, img: Element) -> None:
        src = (img.get("src") or "").strip()
        if not src or _is_remote(src) or (self.resolve_media is None
                                          and not _is_site_local(src)):
            _remove(parent, img)
        elif self.resolve_media is not None:
            img.set("src", _resolve(self.resolve_media, src, "image", self._line_of(src)))

    def _line_of(self, path: str) -> int | None:
        """The first line (outside fenced code) that refers to `path`, best guess first."""
        candidates = [n for n, (line, in_code) in enumerate(zip(self.lines, self.code,
                                                                 strict=True), start=1)
                      if not in_code and path in line]
        for number in candidates:
            line = self.lines[number - 1]
            if "![" in line or "]:" in line:
                return number
        return candidates[0] if candidates else None


def _remove(parent: Element, child: Element) -> None:
    """Remove `child` from `parent`, keeping the text that followed it."""
    if child.tail:
        index = list(parent).index(child)
        if index:
            before = parent[index - 1]
            before.tail = (before.tail or "") + child.tail
        else:
            parent.text = (parent.text or "") + child.tail
    parent.remove(child)


class _Hooks(Extension):
    def __init__(self, resolve_media: Resolver | None, lines: list[str],
                 code: list[bool]) -> None:
        super().__init__()
        self.args = (resolve_media, lines, code)

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - python-markdown API
        # After inline patterns (20) and the unescaping of backslash escapes (0).
        md.treeprocessors.register(_TreeFixer(md, *self.args), "lms-media", -1)


# ---- sanitiser ------------------------------------------------------------------------------

TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s",
    "del", "ins", "sub", "sup", "blockquote", "code", "pre", "ul", "ol", "li", "dl", "dt",
    "dd", "table", "thead", "tbody", "tr", "th", "td", "a", "img", "abbr", "div", "span",
})
PROTOCOLS = frozenset({"http", "https", "mailto"})

_ID = re.compile(r"^[\w:.\-]{1,200}$")
_LANGUAGE = re.compile(r"^language-[\w+#.\-]{1,40}$")
_ALIGN = frozenset({"align-left", "align-center", "align-right"})
_CLASSES: dict[str, Callable[[str], bool]] = {
    "div": {"footnote", "toc"}.__contains__,
    "span": {"toctitle"}.__contains__,
    "a": {"footnote-ref", "footnote-backref"}.__contains__,
    "th": _ALIGN.__contains__,
    "td": _ALIGN.__contains__,
    "code": lambda value: bool(_LANGUAGE.match(value)),
}
_ATTRIBUTES: dict[str, dict[str, Callable[[str], bool]]] = {
    "a": {"href": lambda value: _scheme_allowed(value), "title": lambda value: True},
    "img": {"src": _is_site_local, "alt": lambda value: True, "title": lambda value: True},
    "abbr": {"title": lambda value: True},
    "ol": {"start": lambda value: value.isascii() and value.isdigit() and len(value) < 10},
    **{tag: {"id": lambda value: bool(_ID.match(value))}
       for tag in ("h1", "h2", "h3", "h4", "h5", "h6", "sup", "li")},
}


def _scheme_allowed(value: str) -> bool:
    """True for a link without a scheme or with an allowed one (bleach checks it again)."""
    match = _SCHEME.match(_normalise_url(value))
    return match is None or match.group(0)[:-1].lower() in PROTOCOLS


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    """Bleach's attribute filter: the allow-list above, values checked as well as names."""
    check = _CLASSES.get(tag) if name == "class" else _ATTRIBUTES.get(tag, {}).get(name)
    return check is not None and check(value)


class _AfterSanitising(Filter):
    """Drops pictures that lost their source; marks links that leave the site."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag"):
                attrs = token.get("data") or {}
                if token["name"] == "img" and (None, "src") not in attrs:
                    continue
                href = attrs.get((None, "href"))
                if token["name"] == "a" and href is not None and _is_remote(href):
                    attrs[(None, "rel")] = "noopener noreferrer"
                    token["data"] = attrs
            yield token


def _sanitise(fragment: str) -> str:
    cleaner = bleach.sanitizer.Cleaner(
        tags=TAGS, attributes=_allow_attribute, protocols=PROTOCOLS, strip=True,
        strip_comments=True, filters=[_AfterSanitising])
    return cleaner.clean(fragment)


# ---- the parser's worst cases ----------------------------------------------------------------

# python-markdown looks for the end of a link from every `[` (and of its address from every
# `(`) to the end of the paragraph, and for the end of a raw tag from every `<` followed by a
# letter to the next `>`: a page of unclosed brackets costs the square of its length (50,000
# `[` take minutes). The sum of those distances, counted in one pass, is capped instead.
MAX_SCAN = 3_000_000  # characters the parser may rescan: about half a second
_SCANNED = re.compile(r"\n[ \t]*\n|[\[\]()>]|<[A-Za-z!/?]")


def _rescanned(text: str) -> int:
    """An upper bound of what the inline and raw-HTML parsers rescan in `text`."""
    cost = 0
    square: list[int] = []
    round_: list[int] = []
    angle: list[int] = []
    for found in _SCANNED.finditer(text):
        mark, at = found.group(), found.start()
        if mark[0] == "\n":  # a paragraph ends: no link spans it
            cost += sum(at - i for i in square) + sum(at - i for i in round_)
            square.clear()
            round_.clear()
        elif mark == "[":
            square.append(at)
        elif mark == "(":
            round_.append(at)
        elif mark[0] == "<":
            angle.append(at)
        elif mark == "]":
            cost += at - square.pop() if square else 0
        elif mark == ")":
            cost += at - round_.pop() if round_ else 0
        else:  # ">" closes every raw tag begun before it
            cost += sum(at - i for i in angle)
            angle.clear()
        if cost > MAX_SCAN:
            return cost
    end = len(text)
    return cost + sum(end - i for i in square + round_ + angle)


# What python-markdown's block parsers handle in time; past these a text is refused rather than
# holding a worker for seconds (headings get de-duplicated ids one against all, raw HTML blocks
# and code fences are matched pairwise, a table row is split cell by cell, quotes recurse).
MAX_HEADINGS = 1000
MAX_TAGS = 3000  # "<" characters: raw HTML and autolinks
MAX_FENCES = 1000
MAX_CELLS = 1000  # "|" in one line
MAX_QUOTE_DEPTH = 50
_QUOTES = re.compile(r"[>\s]*")


def _too_complex(lines: list[str]) -> str | None:
    """Why `lines` are too costly to read as Markdown, or None; one linear pass."""
    headings = fences = tags = 0
    for line in lines:
        bare = line.lstrip()
        headings += bare.startswith("#")
        fences += bare.startswith(("```", "~~~"))
        tags += line.count("<")
        if line.count("|") > MAX_CELLS:
            return _("a table row has more than %(n)d cells", n=MAX_CELLS)
        if _QUOTES.match(bare).group().count(">") > MAX_QUOTE_DEPTH:
            return _("quotes are nested more than %(n)d deep", n=MAX_QUOTE_DEPTH)
    if headings > MAX_HEADINGS:
        return _("more than %(n)d headings", n=MAX_HEADINGS)
    if fences > MAX_FENCES:
        return _("more than %(n)d code fences", n=MAX_FENCES)
    if tags > MAX_TAGS:
        return _("more than %(n)d \"<\" characters", n=MAX_TAGS)
    return None


# ---- the function ---------------------------------------------------------------------------

def render_markdown(text: str, resolve_media: Resolver | None = None) -> str:
    """Render Markdown `text` to sanitised HTML.

    `resolve_media` maps a media path written in the text to a :class:`MediaRef`, or None
    when there is no such file. Raises :class:`MarkupError` (with the line) for a missing
    or wrong-kind media file and for a malformed media directive.
    """
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if _rescanned(text) > MAX_SCAN:
        raise MarkupError(_("too many unclosed or nested brackets ([, ( or <) to read as "
                            "Markdown"))
    lines = text.split("\n")
    problem = _too_complex(lines)
    if problem:
        raise MarkupError(_("too complex to read as Markdown: %(why)s", why=problem))
    code = _code_lines(lines)
    directives = _Directives(resolve_media)
    source = directives.preprocess(lines, code)
    md = markdown.Markdown(
        extensions=["tables", "fenced_code", "footnotes", "toc", "sane_lists",
                    _Hooks(resolve_media, lines, code)],
        extension_configs={
            "tables": {"use_align_attribute": True},
            "toc": {"slugify": slugify_unicode},
            "footnotes": {"BACKLINK_TITLE": "返回正文第 {} 处"},
        },
        output_format="html",
    )
    try:
        html_ = md.convert(source)
    except RecursionError:  # lists or quotes nested hundreds deep
        raise MarkupError(_("lists or quotes are nested too deeply to read as Markdown")) \
            from None
    return directives.substitute(_sanitise(html_))


def render_text(text: str, text_format: str) -> str:
    """Render a short text in a question format (GIFT's `moodle`, `html`, `plain` or
    `markdown`) to sanitised HTML: plain text is escaped, HTML is cut down like Markdown's."""
    if text_format == "markdown":
        return render_markdown(text)
    if text_format == "plain":
        return html.escape(text).replace("\n", "<br>")
    return _sanitise(text.replace("\n", "<br>") if text_format == "moodle" else text)
