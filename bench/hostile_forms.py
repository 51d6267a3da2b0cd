"""Hostile values in every field of every form the pages offer, as four roles: no 5xx.

Run on demand (about 80 seconds on PostgreSQL, where NUL and over-long text matter):

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m pytest -p tests.conftest -q bench/hostile_forms.py

Each page reached from the home page (breadth-first, 150 pages per role) gives its forms; each
field of each form is sent with each value of HOSTILE, the other fields as the page fills them
in, and rolled back afterwards.
"""
from __future__ import annotations

from collections import deque
from urllib.parse import urlencode

import pytest

from tests.route_world import signed_in, undone

# The crawler's page reader and its module-wide world, rolled back as a whole.
from tests.test_no_forbidden_links import Page, _clean, _local, world  # noqa: F401, F811

HOSTILE = {"nul": "a\x00b", "long": "x" * 3000, "year": "10000-01-01", "year0": "0000-01-01",
           "num": "9" * 40, "neg": "-1e308"}


@pytest.mark.parametrize("role", ["learner", "lecturer", "org_admin", "sysadmin"])
def test_hostile_values_in_every_form_field_are_no_server_error(world, role):  # noqa: F811
    app, conn, _w = world
    client = signed_in(app, role)
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name).value
    seen, forms, queue, pages = set(), {}, deque(["/"]), 0
    while queue and pages < 150:
        url = queue.popleft()
        with undone(conn):
            client.set_cookie(name, cookie)
            r = client.get(url)
            body = r.get_data(as_text=True) if r.mimetype == "text/html" else ""
            r.close()
        if not body:
            continue
        pages += 1
        page = Page()
        page.feed(body)
        for href in page.links:
            link = _local(url, href)
            if link and link not in seen and "logout" not in link:
                seen.add(link)
                queue.append(link)
        for form in page.forms:
            action = _local(url, form["action"] or url)
            if action and "logout" not in action:
                forms.setdefault((form["method"], action.split("?")[0]), (action, form))
    problems = []
    for (method, _p), (action, form) in forms.items():
        for field in form["fields"]:
            if field == "csrf_token":
                continue
            for tag, value in HOSTILE.items():
                data = {**form["fields"], field: value}
                try:
                    with undone(conn):
                        client.set_cookie(name, cookie)
                        if method == "get":
                            r = client.get(action.split("?")[0] + "?" + urlencode(data))
                        else:
                            r = client.post(action, data=data)
                        r.close()
                except Exception as exc:
                    problems.append(f"{method} {action} {field}={tag}: {str(exc)[:150]}")
                    continue
                if r.status_code >= 500:
                    problems.append(f"{method} {action} {field}={tag}: {r.status_code}")
    print(f"\n{role}: {pages} pages, {len(forms)} forms")
    assert not problems, "\n".join(problems)

