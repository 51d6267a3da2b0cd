"""The deployment files agree with the application and with each other (docs/deploy.md):
every setting is in the environment template, the nginx site is rendered from it, the units
run the documented commands, gunicorn.conf.py reads its settings from the environment."""
from __future__ import annotations

import re
import runpy
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
ENV_EXAMPLE = DEPLOY / "lms.env.example"


def example_values() -> dict[str, str]:
    """NAME -> value of every line of the template, commented or not."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        found = re.match(r"^#?([A-Z][A-Z0-9_]+)=(.*)$", line)
        if found:
            values.setdefault(found.group(1), found.group(2))
    return values


def render(server_name: str, env: Path) -> str:
    """deploy/render-nginx's site for this name and environment file."""
    command = [str(DEPLOY / "render-nginx"), "--server-name", server_name, "--env", str(env)]
    return subprocess.run(command, capture_output=True, text=True,  # noqa: S603 - our script
                          check=True).stdout


def test_every_setting_is_in_the_environment_template():
    source = (ROOT / "lms" / "config.py").read_text()
    names = set(re.findall(r'environ\.get\(\s*"([A-Z][A-Z0-9_]+)"', source))
    names |= set(re.findall(r'_bool\(\s*"([A-Z][A-Z0-9_]+)"', source))
    assert {"DATABASE_URL", "SECRET_KEY", "REDIS_URL", "LMS_PROXY_COUNT"} <= names
    missing = sorted(names - set(example_values()))
    assert not missing, f"add to deploy/lms.env.example: {missing}"


def test_nginx_site_is_rendered_from_the_environment_file(tmp_path):
    values = example_values()
    env = tmp_path / "lms.env"
    env.write_text("LMS_MEDIA_DIR=/srv/lms/media\nLMS_MAX_UPLOAD_MB=512\n"
                   "GUNICORN_BIND=127.0.0.1:8123\n")
    site = render("xuexi.example.cn", env)
    body = "\n".join(line for line in site.splitlines() if not line.lstrip().startswith("#"))
    assert "@" not in body.replace("$request_uri", "")
    assert "client_max_body_size 512m;" in site
    assert "server 127.0.0.1:8123;" in site
    accel = values["LMS_MEDIA_ACCEL"]
    block = re.search(rf"location {re.escape(accel)} \{{(.*?)\}}", site, re.S)
    assert block, f"no location {accel} for LMS_MEDIA_ACCEL"
    assert "internal;" in block.group(1) and "alias /srv/lms/media/;" in block.group(1)
    assert "alias /opt/lms/static/;" in site
    # the template's own defaults agree with the environment template
    default = render("x", ENV_EXAMPLE)
    assert f"client_max_body_size {values['LMS_MAX_UPLOAD_MB']}m;" in default
    assert f"alias {values['LMS_MEDIA_DIR']}/;" in default
    assert values["LMS_PROXY_COUNT"] == "1"


def test_units_run_the_documented_commands():
    units = {p.name: p.read_text() for p in (DEPLOY / "systemd").glob("*.service")}
    assert "gunicorn -c /opt/lms/gunicorn.conf.py wsgi:app" in units["lms-web.service"]
    assert "flask --app wsgi jobs worker" in units["lms-worker@.service"]
    assert "flask --app wsgi jobs scheduler" in units["lms-scheduler.service"]
    for name, text in units.items():
        assert "EnvironmentFile=/etc/lms/lms.env" in text, name
        assert "User=lms" in text, name
        assert example_values()["LMS_MEDIA_DIR"].startswith("/var/lib/lms"), name
        assert "ReadWritePaths=/var/lib/lms" in text, name


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:9911")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "6")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (conf["bind"], conf["workers"], conf["threads"]) == ("127.0.0.1:9911", 3, 6)
    assert conf["worker_class"] == "gthread" and conf["max_requests"] == 0
    monkeypatch.delenv("WEB_CONCURRENCY")
    monkeypatch.delenv("GUNICORN_THREADS")
    defaults = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    # one thread unless asked: `-k sync` given by a bench stays a sync worker
    assert defaults["workers"] >= 3 and defaults["threads"] == 1
    assert example_values()["GUNICORN_THREADS"] == "4"
