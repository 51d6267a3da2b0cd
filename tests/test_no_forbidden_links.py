"""No page offers a link or a button that answers 403 or 404 (or a server error) to the person
who sees it (issue 14, item 7), and no link sends a signed-in person back to the sign-in page.

For each role, the walk starts at the home page, follows same-site links breadth-first and
requests every link it finds; every form on a page is submitted as the page fills it in
(hidden fields, chosen options, the text already there), as a click on its button would.
Every request is rolled back afterwards, so a submitted form changes nothing for the next.
"""
from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest

from tests.route_world import ROLES, rolled_back_world, signed_in, undone

MAX_PAGES = 150  # pages read per role
MAX_VARIANTS = 2  # query-string variants of one path read per role (filters, pages)
# Not followed: switching the language (the same page again), static files, media and
# downloads (the route walk, tests/test_route_authz.py, covers who may fetch them). The
# sign-out button is pressed like any other: it ends the session row, which is rolled back,
# and the session cookie is restored before the next request.
SKIP = ("/static/", "/media/", "/record/evidence/")
REFUSED = (403, 404)
DOWNLOADS = (".pdf", ".xlsx", ".gift", ".json", ".csv")


class Page(HTMLParser):
    """The links and forms of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._buttons: list[tuple] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get")
                          .lower(), "fields": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("file", "submit", "button", "image"):
                self._form["fields"].setdefault(a["name"], a.get("value") or "")
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = a["name"]
        elif self._select and tag == "option":
            fields = self._form["fields"]
            if self._select not in fields or "selected" in a:
                fields[self._select] = a.get("value") or ""
        elif self._form is not None and tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["fields"][self._textarea] = ""
        elif self._form is not None and tag in ("button", "input") and (
                a.get("formaction") or (a.get("name") and (a.get("type") or "submit")
                                        .lower() == "submit")):
            # A button that sends its own name and value, or its own action: one more way
            # to submit the form (completed with the fields at the end of the form).
            self._buttons.append((self._form, a.get("formaction"), a.get("name"),
                                  a.get("value") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            for form, action, name, value in self._buttons:
                fields = dict(form["fields"])
                if name:
                    fields[name] = value
                self.forms.append({**form, "action": action or form["action"],
                                   "fields": fields})
            self._buttons = []
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data


def _local(base: str, href: str) -> str | None:
    """The same-site path and query of a link (None for another site, mail, scripts)."""
    url = urljoin("http://localhost" + base, href)
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.netloc != "localhost":
        return None
    if (parts.path.startswith(SKIP) or parts.path.endswith(DOWNLOADS)
            or "lang=" in parts.query):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(autouse=True)
def _clean():
    """The module's world is rolled back as a whole (see `world`), not after each test."""
    yield


@pytest.fixture(scope="module")
def world(app):
    with rolled_back_world(app) as (conn, w):
        yield app, conn, w


@pytest.mark.parametrize("role", ROLES)
def test_no_page_offers_what_it_refuses(world, role, capsys):
    app, conn, _w = world
    client = signed_in(app, role)
    cookie_jar = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    cookie = cookie_jar.value if cookie_jar else None
    problems: list[str] = []
    seen_links: set[str] = set()
    seen_forms: set[tuple] = set()
    variants: dict[str, int] = {}
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    pages = 0
    name = app.config["SESSION_COOKIE_NAME"]
    while queue and pages < MAX_PAGES:
        url, source = queue.popleft()
        path = url.split("?", 1)[0]
        if "?" in url:
            variants[path] = variants.get(path, 0) + 1
            if variants[path] > MAX_VARIANTS:
                continue
        with undone(conn):
            if cookie:
                client.set_cookie(name, cookie)
            response = client.get(url)
            body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
            response.close()
        if response.status_code in REFUSED or response.status_code >= 500:
            problems.append(f"{source} links to {url}: {response.status_code}")
            continue
        if role != "anon" and "/login" in response.headers.get("Location", ""):
            problems.append(f"{source} links to {url}: it asks {role} to sign in again")
            continue
        if 300 <= response.status_code < 400:
            target = _local(url, response.headers["Location"])
            if target and target not in seen_links:
                seen_links.add(target)
                queue.append((target, url))
            continue
        if not body:
            continue
        pages += 1
        page = Page()
        page.feed(body)
        for href in page.links:
            link = _local(url, href)
            if link is None or link in seen_links:
                continue
            seen_links.add(link)
            queue.append((link, url))
        for form in page.forms:
            action = _local(url, form["action"] or url)
            if action is None:
                continue
            key = (form["method"], action.split("?", 1)[0],
                   tuple(sorted(form["fields"].items())))
            if key in seen_forms:
                continue
            seen_forms.add(key)
            if form["method"] == "get":
                query = urlencode(form["fields"])
                link = action.split("?", 1)[0] + (f"?{query}" if query else "")
                if link not in seen_links:
                    seen_links.add(link)
                    queue.append((link, url))
                continue
            with undone(conn):
                if cookie:
                    client.set_cookie(name, cookie)
                answer = client.post(action, data=form["fields"])
                answer.close()
            if answer.status_code in REFUSED or answer.status_code >= 500:
                problems.append(f"{url} offers a form to {action}: it answers "
                                f"{answer.status_code}")
    for url, source in queue:  # links found but past the page budget: asked for, not read
        with undone(conn):
            if cookie:
                client.set_cookie(name, cookie)
            response = client.get(url)
            response.close()
        if response.status_code in REFUSED or response.status_code >= 500:
            problems.append(f"{source} links to {url}: {response.status_code}")
    assert not problems, f"{role} is offered what is refused:\n" + "\n".join(problems)
    with capsys.disabled():
        print(f"\n{role}: {pages} pages, {len(seen_links)} links, {len(seen_forms)} forms")
