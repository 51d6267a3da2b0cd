"""A live server for Playwright, driving Debian's chromium (never a downloaded browser)."""
from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(items):
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Browsers on our users' desks ask for Chinese."""
    return {**browser_context_args, "locale": "zh-CN"}


@pytest.fixture
def sign_in(browser: Browser, live_server: str):
    """Sign a user in, in a browser context of their own (Chinese), and return the page.
    The contexts close when the test ends, so no page's timers (heartbeats, autosave) keep
    calling the server during later tests."""
    contexts = []

    def run(username: str) -> Page:
        context = browser.new_context(locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.get_by_label("账号").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("欢迎")
        return page

    yield run
    for context in contexts:
        context.close()
