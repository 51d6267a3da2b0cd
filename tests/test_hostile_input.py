"""Hostile input answers as a refusal, never a 500: numbers past any real range, broken zips,
spreadsheets past their limits, duplicate rows, and text that would become a formula."""
from __future__ import annotations

import re

import pytest

from lms.auth.models import User
from lms.auth.services import create_token
from lms.extensions import db

BIG = (2**31, 2**63, 10**30, 10**400)


def _token(app, user_id: int) -> str:
    with app.app_context():
        return create_token(db.session.get(User, user_id), "test")


def _sample_url(rule, value: int) -> str | None:
    """The rule's path with every int part set to `value` and other parts to a plain word."""
    names = {}
    for name, conv in rule._converters.items():
        kind = type(conv).__name__
        if "Integer" in kind or "BoundedInt" in kind:
            names[name] = str(value)
        elif "Any" in kind:
            names[name] = next(iter(conv.items)) if hasattr(conv, "items") else None
        else:
            names[name] = "learn"
    if any(v is None for v in names.values()):
        return None
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: names[m.group(1)], rule.rule)


def _int_rules(app):
    return [r for r in app.url_map.iter_rules()
            if any(type(c).__name__ == "BoundedIntConverter" for c in r._converters.values())]


@pytest.mark.parametrize("role", ["sysadmin", "learner"])
def test_ids_past_the_database_range_answer_404_on_every_route(app, client, auth, district,
                                                                role):
    rules = _int_rules(app)
    assert len(rules) > 40  # every <int:...> in the app goes through the bounded converter
    auth.login({"sysadmin": "sys", "learner": "learn"}[role])
    headers = {"Authorization": f"Bearer {_token(app, district[role])}"}
    for rule in rules:
        for value in BIG:
            url = _sample_url(rule, value)
            if url is None:
                continue
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method, headers=headers, json={})
                assert response.status_code == 404, (method, url, response.status_code)


PAGED = ["/admin/cadres", "/courses", "/admin/records/claims", "/cadres/learn/record",
         "/cadres/learn/record/xapi.json", "/admin/records/compliance"]


@pytest.mark.parametrize("url", PAGED)
@pytest.mark.parametrize("page", ["0", "-1", "abc", str(2**31), str(10**30), "9" * 5000])
def test_page_numbers_past_any_range_are_a_400_naming_page(client, auth, district, url, page):
    auth.login("sys")
    response = client.get(url, query_string={"page": page, "lang": "en"})
    assert response.status_code == 400, (url, page)
    assert "page" in response.get_data(as_text=True)


@pytest.mark.parametrize("url,name", [
    ("/admin/cadres", "unit"), ("/admin/cadres", "category"), ("/courses", "category"),
    ("/admin/records/compliance", "category"), ("/admin/records/compliance", "year"),
    ("/admin/records/plans", "year"), ("/admin/cadres", "per_page"),
])
def test_other_integer_arguments_past_any_range_are_a_400_naming_them(client, auth, district,
                                                                      url, name):
    auth.login("sys")
    response = client.get(url, query_string={name: str(10**30), "lang": "en"})
    assert response.status_code == 400, (url, name)
    assert f"“{name}”" in response.get_data(as_text=True)


def test_api_names_the_parameter_in_its_json_error(app, client, district):
    headers = {"Authorization": f"Bearer {_token(app, district['org_admin'])}"}
    for url in ("/api/v1/cadres", "/api/v1/users/c1/record"):
        response = client.get(url, query_string={"page": str(2**40)}, headers=headers)
        assert response.status_code == 400, url
        error = response.get_json()["error"]
        assert error["code"] == "invalid_parameter" and error["field"] == "page"


def test_plain_page_numbers_still_work(client, auth, district):
    auth.login("sys")
    assert client.get("/admin/cadres?page=1&per_page=5").status_code == 200
    assert client.get("/admin/cadres?page=999&per_page=0").status_code == 200
    assert client.get("/admin/cadres?page=&unit=").status_code == 200


@pytest.mark.parametrize("value", [10**400, 2**64, 1e308 * 10])
def test_huge_numbers_in_json_bodies_are_refused_cleanly(app, client, district, value):
    headers = {"Authorization": f"Bearer {_token(app, district['org_admin'])}"}
    body = {"kind": "self_study", "title": "x", "ended_on": "2025-01-01", "hours": value,
            "subject": "political_theory"}
    response = client.post("/api/v1/users/c1/record/entries", json=body, headers=headers)
    assert response.status_code == 422
    response = client.post("/api/v1/users/c1/record/entries",
                           json={**body, "hours": 1, "corrects": value}, headers=headers)
    assert response.status_code == 422
