"""The year-end rush as locust users: learners who sign in, read, study, sit quizzes and look
at their record, and one administrator exporting. Run by bench/rush (which prepares the data).

Environment: RUSH_DATA (the JSON bench/rush_setup.py wrote), RUSH_INTERVAL (the site's
LMS_HEARTBEAT_SECONDS), RUSH_SESSION_MINUTES (mean minutes a learner stays signed in before
signing out and in again; default 30), RUSH_ADMIN (default zzb_admin).

Each learner does what the pages do, request for request:
- signs in through the form (CSRF token from the page), lands on the home page;
- browses: the catalogue, a course page, the catalogue searched;
- studies: opens a lecture or reading activity, then beats as static/js/study.js does: one
  beat on opening, then one every interval with the next `seq`, `visible`, the scroll
  `position` and `age` 0, answering a presence check when the answer asks for one;
- sits a quiz: opens it, starts (or resumes) an attempt, answers question by question with the
  page's autosave (PUT, X-CSRFToken) and submits the form;
- reads My learning and the learning record.
Think times: a page is read for a while (seconds to a minute); a studied activity stays open
for several heartbeat intervals.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
from pathlib import Path

import gevent
from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

DATA = json.loads(Path(os.environ["RUSH_DATA"]).read_text())
INTERVAL = float(os.environ.get("RUSH_INTERVAL", "30"))
SESSION_MINUTES = float(os.environ.get("RUSH_SESSION_MINUTES", "30"))
ADMIN = os.environ.get("RUSH_ADMIN", "zzb_admin")
PASSWORD = DATA["password"]
COURSES = DATA["courses"]
STUDIED = [(c["slug"], a) for c in COURSES for a in c["studied"]]
QUIZZES = [(c["slug"], a) for c in COURSES for a in c["quizzes"]]
SEARCHES = ["公文", "应急", "信息报送", "请示", "格式"]

# Each learner account is used by one simulated user at a time (locust runs in one process).
_accounts = itertools.cycle(DATA["learners"])
_lock = threading.Lock()

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
DATA_CSRF = re.compile(r'data-csrf="([^"]+)"')
DATA_SEQ = re.compile(r'data-seq="(\d+)"')
ATTEMPT_URL = re.compile(r"/attempts/(\d+)")
FIELDSET = re.compile(r'<fieldset class="card question"[^>]*data-slot="(\d+)" data-type="(\w+)"'
                      r"(.*?)</fieldset>", re.S)


def next_account() -> str:
    with _lock:
        return next(_accounts)


class Learner(FastHttpUser):
    """A cadre in the December rush."""

    weight = 1000
    wait_time = between(5, 30)  # reading the page before the next click

    def on_start(self) -> None:
        self.username = next_account()
        self.sign_in()

    # ---- signing in and out ---------------------------------------------------------------
    def sign_in(self) -> None:
        # (a sign-in that fails is tried again when this visit ends)
        self.signed_in_until = time.monotonic() + random.expovariate(1 / (SESSION_MINUTES * 60))
        with self.client.get("/login", name="/login [form]", catch_response=True) as page:
            token = CSRF_FIELD.search(page.text or "")
            if not token:
                page.failure("no CSRF token on the sign-in page")
                return
        form = {"csrf_token": token.group(1), "username": self.username, "password": PASSWORD}
        with self.client.post("/login", data=form, name="/login [POST] -> /",
                              catch_response=True) as answer:
            if answer.status_code != 200 or "/logout" not in (answer.text or ""):
                answer.failure(f"sign-in refused ({answer.status_code})")

    def renew_session(self) -> None:
        """A learner's visit ends (signed out), and the next one signs in again."""
        if time.monotonic() < self.signed_in_until:
            return
        page = self.client.get("/", name="/")
        token = CSRF_FIELD.search(page.text or "")
        if token:
            self.client.post("/logout", data={"csrf_token": token.group(1)}, name="/logout")
        self.client.cookiejar.clear()
        self.sign_in()

    # ---- what a learner does --------------------------------------------------------------
    @task(3)
    def browse(self) -> None:
        self.renew_session()
        self.client.get("/", name="/")
        gevent.sleep(random.uniform(3, 15))
        self.client.get("/courses", name="/courses")
        gevent.sleep(random.uniform(3, 15))
        if random.random() < 0.4:
            self.client.get(f"/courses?q={random.choice(SEARCHES)}", name="/courses?q=")
            gevent.sleep(random.uniform(3, 10))
        slug = random.choice(COURSES)["slug"]
        self.client.get(f"/courses/{slug}", name="/courses/[slug]")

    @task(6)
    def study(self) -> None:
        self.renew_session()
        slug, activity = random.choice(STUDIED)
        self.client.get(f"/courses/{slug}", name="/courses/[slug]")
        gevent.sleep(random.uniform(2, 8))
        with self.client.get(f"/activities/{activity}", name="/activities/[id] (study)",
                             catch_response=True) as page:
            csrf, seq = DATA_CSRF.search(page.text or ""), DATA_SEQ.search(page.text or "")
            if not csrf or not seq:
                page.failure("no study box on the activity page")
                return
        headers = {"X-CSRFToken": csrf.group(1)}
        seq_no = int(seq.group(1))
        position = 0
        for beat in range(random.randint(4, 12)):  # 2 to 6 minutes at a 30 s interval
            if beat:
                gevent.sleep(INTERVAL)
            seq_no += 1
            position += random.randint(0, 400)
            body = {"seq": seq_no, "visible": True, "position": position, "age": 0}
            with self.client.post(f"/activities/{activity}/beat", json=body, headers=headers,
                                  name="/activities/[id]/beat", catch_response=True) as answer:
                if answer.status_code != 200:
                    answer.failure(f"beat answered {answer.status_code}")
                    return
                result = answer.json()
            if result.get("presence_check"):
                gevent.sleep(random.uniform(2, 10))  # the learner notices the dialog
                self.client.post(f"/activities/{activity}/presence", json={},
                                 headers=headers, name="/activities/[id]/presence")

    @task(1)
    def quiz(self) -> None:
        self.renew_session()
        slug, activity = random.choice(QUIZZES)
        page = self.client.get(f"/activities/{activity}", name="/activities/[id] (quiz)")
        token = CSRF_FIELD.search(page.text or "")
        if not token:
            return  # no start form (nothing left to sit)
        gevent.sleep(random.uniform(3, 10))
        with self.client.post(f"/activities/{activity}/attempt",
                              data={"csrf_token": token.group(1)},
                              name="/activities/[id]/attempt -> /attempts/[id]",
                              catch_response=True) as started:
            found = ATTEMPT_URL.search(started.url or "")
            if not found:
                started.failure("no attempt page after starting")
                return
            html = started.text or ""
        attempt = found.group(1)
        csrf = DATA_CSRF.search(html).group(1)
        form = {"csrf_token": csrf, "flags-present": "1", "submit": "1"}
        for slot, qtype, body in FIELDSET.findall(html):
            gevent.sleep(random.uniform(4, 15))  # reading and answering the question
            response, fields = self.answer(slot, qtype, body)
            if response is None:
                continue
            form.update(fields)
            self.client.request("PUT", f"/attempts/{attempt}/answers/{slot}",
                                json={"response": response, "flagged": False},
                                headers={"X-CSRFToken": csrf},
                                name="/attempts/[id]/answers/[slot]")
        gevent.sleep(random.uniform(3, 10))
        with self.client.post(f"/attempts/{attempt}", data=form,
                              name="/attempts/[id] [submit] -> result",
                              catch_response=True) as done:
            if done.status_code != 200:
                done.failure(f"submit answered {done.status_code}")

    @staticmethod
    def answer(slot: str, qtype: str, body: str) -> tuple[object, dict]:
        """A random answer to one question: the JSON response and the form fields."""
        name = f"q{slot}"
        values = re.findall(rf'name="{name}" value="([^"]+)"', body)
        if qtype == "multichoice" and values:
            value = random.choice(values)
            return int(value), {name: value}
        if qtype == "truefalse":
            value = random.choice(["true", "false"])
            return value == "true", {name: value}
        if qtype == "multiresponse" and values:
            picked = random.sample(values, random.randint(1, len(values)))
            return [int(v) for v in picked], {}
        if qtype in ("shortanswer", "numerical", "essay"):
            text = "15" if qtype == "numerical" else "请示应当一文一事"
            return text, {name: text}
        if qtype == "matching":
            lefts = re.findall(rf'name="{name}-(\d+)"', body)
            rights = [r for r in re.findall(r'<option value="([^"]+)"', body)]
            if lefts and rights:
                return {left: random.choice(rights) for left in lefts}, {}
        return None, {}

    @task(2)
    def record(self) -> None:
        self.renew_session()
        self.client.get("/me/learning", name="/me/learning")
        gevent.sleep(random.uniform(5, 20))
        self.client.get("/me/record", name="/me/record")


class Administrator(FastHttpUser):
    """The organisation department, exporting the district's figures through the rush."""

    fixed_count = 1
    wait_time = between(20, 40)

    def on_start(self) -> None:
        page = self.client.get("/login", name="/login [form]")
        token = CSRF_FIELD.search(page.text or "").group(1)
        self.client.post("/login", data={"csrf_token": token, "username": ADMIN,
                                         "password": PASSWORD}, name="/login [POST] -> /")

    @task
    def report_and_export(self) -> None:
        self.client.get("/admin/records/compliance", name="/admin/records/compliance")
        gevent.sleep(random.uniform(5, 15))
        export = random.choice([
            ("/admin/records/compliance/export.xlsx", "export: compliance.xlsx"),
            ("/admin/cadres/export.xlsx", "export: cadres.xlsx"),
            (f"/admin/completion/{COURSES[0]['slug']}/export.xlsx", "export: completion.xlsx"),
        ])
        self.client.get(export[0], name=export[1])
