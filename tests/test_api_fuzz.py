"""The whole OpenAPI document fuzzed by Schemathesis, as a learner and as an administrator: no
answer is a server error, and every answer (status, content type, body) is as documented.

The suite runs a short, derandomised pass (a few examples per operation); `bench/api_fuzz.py`
runs the same test with many more (LMS_API_FUZZ_EXAMPLES) and prints what it found."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from lms.assessment import attempts as attempt_engine
from lms.auth.models import User
from lms.auth.services import create_token
from lms.catalog.models import Activity
from lms.extensions import db
from tests.conftest import COURSES

EXAMPLES = int(os.environ.get("LMS_API_FUZZ_EXAMPLES", "3"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
ROLES = ("learn", "org")  # a learner in a community; the organisation department's administrator


@dataclass
class Run:
    """What one fuzzing pass did: operations, cases sent, time and distinct findings."""

    operations: int = 0
    cases: int = 0
    seconds: float = 0.0
    findings: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [f"Schemathesis: {self.operations} operations x {len(ROLES)} roles, "
                 f"{self.cases} cases, {self.seconds:.1f} s, {len(self.findings)} findings"]
        lines += [f"  {where}: {what}" for where, what in sorted(self.findings.items())]
        return "\n".join(lines)


@pytest.fixture
def world(app, district, make_user, import_course) -> dict:
    """A published course with a quiz, an open attempt of the learner's and a token per role;
    the ids real objects have, so that some cases reach past the 404s."""
    make_user("lecturer", "lecturer", "QU", name="党校教师")
    slug = import_course(COURSES / "xinxi-baosong")
    with app.app_context():
        learner = db.session.scalar(db.select(User).filter_by(username="learn"))
        quiz = db.session.scalar(db.select(Activity).filter_by(type_key="quiz"))
        lecture = db.session.scalar(db.select(Activity).filter_by(type_key="lecture"))
        attempt = attempt_engine.start_or_resume(learner, quiz)
        tokens = {name: create_token(db.session.scalar(db.select(User).filter_by(username=name)),
                                     "fuzz") for name in ROLES}
        return {"tokens": tokens, "slug": slug, "quiz": quiz.id, "lecture": lecture.id,
                "attempt": attempt.id, "question": 1, "learner": learner.id}


def _known(path: str, world: dict) -> dict | None:
    """Path parameters naming real objects for `path`, or None when it takes none."""
    if "{" not in path:
        return None
    known: dict = {}
    if "{username}" in path:
        known["username"] = "learn"
    if "{question_id}" in path:
        known["question_id"] = world["question"]
    if "{id}" in path:
        known["id"] = (world["slug"] if path.startswith("/courses/")
                       else world["quiz"] if path.startswith("/quizzes/")
                       else world["attempt"] if path.startswith("/attempts/")
                       else world["learner"] if path.startswith("/cadres/")
                       else world["lecture"])
    return known


def _sender(run: Run, headers: dict):
    """The body of one property: send the case, count it, check the answer."""

    def send(case) -> None:
        run.cases += 1
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
    return send


def fuzz(app, world: dict, examples: int) -> Run:
    """Send every operation's generated cases (valid ones at random and at real objects,
    invalid ones at random) as each role; collect the distinct failures."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    run = Run()
    started = time.monotonic()
    configured = settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                          phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    for result in schema.get_all_operations():
        operation = result.ok()
        run.operations += 1
        strategies = [("valid", operation.as_strategy(GenerationMode.POSITIVE)),
                      ("invalid", operation.as_strategy(GenerationMode.NEGATIVE))]
        known = _known(operation.path, world)
        if known:
            strategies.append(("real ids", operation.as_strategy(GenerationMode.POSITIVE,
                                                                 path_parameters=known)))
        for role in ROLES:
            headers = {"Authorization": f"Bearer {world['tokens'][role]}"}
            for kind, strategy in strategies:
                send = configured(given(case=strategy)(_sender(run, headers)))
                try:
                    send()
                except Unsatisfiable:
                    pass  # nothing to make invalid: the operation takes no input
                except (Exception, BaseExceptionGroup) as exc:  # every failure is a finding
                    where = f"{operation.method.upper()} {operation.path} as {role} ({kind})"
                    run.findings[where] = str(exc).strip().splitlines()[0][:300]
    run.seconds = time.monotonic() - started
    return run


def test_the_api_answers_as_documented_to_generated_requests(app, world):
    run = fuzz(app, world, EXAMPLES)
    print(run.summary())
    assert run.operations >= 20
    assert not run.findings, run.summary()
