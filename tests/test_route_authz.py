"""Every rule of the URL map, walked as every role, on targets that are the viewer's own,
inside their scope, above it and outside it, against the expected answer in `EXPECTED`.

A refusal (sign-in needed, 403, 404, 405) of a POST or PUT must change nothing in the
database. Another unit's object answers 404, never 403: a refusal does not reveal that the
object exists. A rule missing from `EXPECTED` fails the suite with the line to add.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Connection

from tests.route_world import (
    ACCOUNT,
    ROLES,
    TARGETS,
    World,
    call,
    classify,
    dimension,
    rolled_back_world,
    signed_in,
    undone,
    url_for_target,
    writes_on,
)

# ---- the expectation table -----------------------------------------------------------------
# One line per rule and method: "METHOD /rule": "anon learner lecturer unit_admin org_admin
# sysadmin auditor", one token per role. A token of one letter holds for every target; a
# token of four letters is for the targets own, in (inside the viewer's scope), above (a
# superior's, or the district's) and out (another street, or another district), "-" where
# the role has no such target. Letters: 2 success, R redirect, L sign-in needed (a redirect to
# the sign-in page, or 401 from the API), F 403, N 404, M 405, B 400/422 (an empty form or
# body refused as bad input), C 409.
# Whose things the targets are, per role: tests/route_world.py (PEOPLE, UNITS, COURSES_OF).
EXPECTED: dict[str, str] = {
    # Training administration
    "GET /training/": "L F F 2 2 F F",
    # Training: the year's plan, budgets and a class's money
    "GET /training/plan": "L F F 2 2 F F",
    "POST /training/plan/new": "L F F N R F F",
    "GET /training/plan/<int:plan_id>/items/new": "-LLL N-NN N N 22-N -N-- -NNN",
    "POST /training/plan/<int:plan_id>/items/new": "-LLL N-NN N N 22-N -N-- -NNN",
    "GET /training/plan/items/<int:plan_item_id>/edit": "-LLL N-NN N N 22-N -N-- -NNN",
    "POST /training/plan/items/<int:plan_item_id>/edit": "-LLL N-NN N N 22-N -N-- -NNN",
    # The world's item has a class attached: removing it is refused (a redirect with why).
    "POST /training/plan/items/<int:plan_item_id>/delete": "-LLL N-NN N N RR-N -N-- -NNN",
    "POST /training/plan/items/<int:plan_item_id>/move": "-LLL N-NN N N BB-N -N-- -NNN",
    "POST /training/plan/<int:plan_id>/publish": "-LLL N-NN N N RR-N -N-- -NNN",
    "GET /training/plan/export.xlsx": "L F F 2 2 F F",
    "GET /training/classes/<int:class_id>/money": "-LLL N-NN N 22NN 22-N -N-- -NNN",
    "POST /training/classes/<int:class_id>/money": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "GET /training/budgets": "L F F 2 2 F F",
    "POST /training/budgets/units/<int:unit_id>": "-LLL N-NN N N RR-N -N-- -NNN",
    "GET /training/budgets/export.xlsx": "L F F 2 2 F F",
    # Training: online special classes and class evaluation
    "GET /training/classes/<int:class_id>/courses": "-LLL N-NN N 22NN 22-N -N-- -NNN",
    "POST /training/classes/<int:class_id>/courses": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "GET /training/classes/<int:class_id>/evaluation": "-LLL N-NN N 22NN 22-N -N-- -NNN",
    "POST /training/classes/<int:class_id>/evaluation": "-LLL N-NN N BBNN BB-N -N-- -NNN",
    "POST /training/classes/<int:class_id>/evaluation/open": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "GET /training/classes/<int:class_id>/evaluate": "-LLL N-NN N N NN-N -N-- -NNN",
    "POST /training/classes/<int:class_id>/evaluate": "-LLL N-NN N N NN-N -N-- -NNN",
    "GET /training/evaluations/lecturers": "L F F 2 2 F F",
    # Training: sessions, attendance, leave, closing (a code's QR image is a 404 while no
    # code is open, as in the walk's world, whose codes have expired).
    "POST /api/v1/classes/<int:class_id>/sessions": "-LLL N-NN N BBNN BB-N -N-- -NNN",
    "POST /api/v1/classes/<int:class_id>/start": "-LLL N-NN N CCNN CC-N -N-- -NNN",
    "POST /api/v1/classes/<int:class_id>/close": "-LLL N-NN N 22NN 22-N -N-- -NNN",
    "POST /api/v1/classes/<int:class_id>/file": "-LLL N-NN N N CC-N -N-- -NNN",
    "POST /api/v1/sessions/<int:session_id>/checkin": "-LLL B-NN N N BN-N -N-- -NNN",
    "GET /training/me": "L 2 2 2 2 2 2",
    "GET /training/checkin": "L 2 2 2 2 2 2",
    "POST /training/checkin": "L B B B B B B",
    "POST /training/sessions/<int:session_id>/leave": "-LLL R-NN N N RN-N -N-- -NNN",
    "GET /training/classes/<int:class_id>/sessions": "-LLL N-NN N 22NN 22-N -N-- -NNN",
    "GET /training/classes/<int:class_id>/sessions/new": "-LLL N-NN N 22NN 22-N -N-- -NNN",
    "POST /training/classes/<int:class_id>/sessions/new": "-LLL N-NN N BBNN BB-N -N-- -NNN",
    "GET /training/sessions/<int:session_id>/edit": "-LLL N-NN N 22NN 22-N -N-- -NNN",
    "POST /training/sessions/<int:session_id>/edit": "-LLL N-NN N BBNN BB-N -N-- -NNN",
    "POST /training/sessions/<int:session_id>/delete": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "GET /training/sessions/<int:session_id>/code": "-LLL N-NN N 22NN 22-N -N-- -NNN",
    "POST /training/sessions/<int:session_id>/code": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "POST /training/sessions/<int:session_id>/code/close": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "GET /training/sessions/<int:session_id>/code.svg": "-LLL N-NN N N NN-N -N-- -NNN",
    "GET /training/sessions/<int:session_id>/roster": "-LLL N-NN N 22NN 22-N -N-- -NNN",
    "POST /training/sessions/<int:session_id>/roster": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "POST /training/leave/<int:leave_id>/decide": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "POST /training/trainees/<int:trainee_id>/withdraw": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "POST /training/classes/<int:class_id>/start": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "GET /training/classes/<int:class_id>/close": "-LLL N-NN N 22NN 22-N -N-- -NNN",
    "POST /training/classes/<int:class_id>/close": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "POST /training/classes/<int:class_id>/file": "-LLL N-NN N N RR-N -N-- -NNN",
    "POST /training/classes/<int:class_id>/leave-limit": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    # Training classes and call-ups (a class's trainees, quotas and explanations). The walk's
    # classes are running: no longer editable or reviewable (a redirect saying why); its
    # attachment's file is not stored (404).
    "GET /training/classes": "L F F 2 2 F F",
    "GET /training/classes/new": "L F F 2 2 F F",
    "POST /training/classes/new": "L F F 2 2 F F",
    "GET /training/classes/<int:class_id>/edit": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "POST /training/classes/<int:class_id>/edit": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "GET /training/classes/<int:class_id>": "-LLL 2-NN N 22NN 22-N -N-- -NNN",
    "POST /training/classes/<int:class_id>/submit": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "POST /training/classes/<int:class_id>/review": "-LLL N-NN N N RR-N -N-- -NNN",
    "POST /training/classes/<int:class_id>/attachments": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "GET /training/attachments/<int:attachment_id>": "-LLL N-NN N N NN-N -N-- -NNN",
    "POST /training/attachments/<int:attachment_id>/remove": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "GET /training/classes/<int:class_id>/trainees": "-LLL N-NN N 22NN 22-N -N-- -NNN",
    "POST /training/classes/<int:class_id>/trainees": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "POST /training/classes/<int:class_id>/quotas": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "POST /training/explanations/<int:explanation_id>/decide": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "GET /training/my-unit": "L F F 2 2 F F",
    "POST /training/trainees/<int:trainee_id>/confirm": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "POST /training/trainees/<int:trainee_id>/explain": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "POST /training/trainees/<int:trainee_id>/release": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    "POST /training/quotas/<int:quota_id>/nominate": "-LLL N-NN N RRNN RR-N -N-- -NNN",
    # API: training classes
    "GET /api/v1/classes": "L 2 2 2 2 2 2",
    "POST /api/v1/classes": "L F F B B F F",
    "GET /api/v1/classes/<int:class_id>": "-LLL 2-NN N 22NN 22-N -N-- -NNN",
    "POST /api/v1/classes/<int:class_id>/submit": "-LLL F-NN N CCNN CC-N -N-- -NNN",
    "POST /api/v1/classes/<int:class_id>/approve": "-LLL F-NN N FFNN CC-N -N-- -NNN",
    "POST /api/v1/classes/<int:class_id>/return": "-LLL F-NN N FFNN CC-N -N-- -NNN",
    "POST /api/v1/classes/<int:class_id>/trainees": "-LLL F-NN N BBNN BB-N -N-- -NNN",
    # Training figures (an export without `table=` is a 400 naming it)
    "GET /training/figures": "L F F 2 2 F F",
    "GET /training/figures/behind": "L F F 2 2 F F",
    "GET /training/figures/short": "L F F 2 2 F F",
    "GET /training/figures/export.xlsx": "L F F B B F F",
    "GET /training/figures/summary": "L F F 2 2 F F",
    "GET /training/figures/summary.pdf": "L F F 2 2 F F",
    "GET /api/v1/reports/training": "L F F 2 2 F F",
    # Background jobs: a person's own, and nobody else's (404)
    "GET /jobs/": "L 2 2 2 2 2 2",
    "GET /jobs/<int:job_id>": "-LLL 2NNN 2NNN 2NNN 2NNN 2N-- 2NNN",
    "GET /jobs/<int:job_id>.json": "-LLL 2NNN 2NNN 2NNN 2NNN 2N-- 2NNN",
    "GET /jobs/<int:job_id>/download": "-LLL 2NNN 2NNN 2NNN 2NNN 2N-- 2NNN",
    "GET /static/<path:filename>": "2 2 2 2 2 2 2",
    "GET /login": "2 R R R R R R",
    "POST /login": "2 R R R R R R",
    "POST /logout": "L L L L L L L",
    "GET /account": "L 2 2 2 2 2 2",
    "POST /account": "L 2 2 2 2 2 2",
    "POST /account/tokens/<int:token_id>/revoke": "-LLL R R R R RR-- R",
    "GET /account/password": "L 2 2 2 2 2 2",
    "POST /account/password": "L 2 2 2 2 2 2",
    "GET /admin/units": "L F 2 2 2 2 F",
    "GET /admin/units/new": "L F F 2 2 2 F",
    "POST /admin/units/new": "L F F 2 2 2 F",
    "GET /admin/units/<int:unit_id>/edit": "-LLL N-NN N N2NN 22-N -2-- -NNN",
    "POST /admin/units/<int:unit_id>/edit": "-LLL N-NN N NRNN RR-N -R-- -NNN",
    "GET /admin/units/import": "L F F 2 2 2 F",
    "POST /admin/units/import": "L F F 2 2 2 F",
    "GET /admin/units/template.<fmt>": "L F F 2 2 2 F",
    "GET /admin/cadres": "L F F 2 2 2 F",
    "GET /admin/cadres/export.xlsx": "L F F 2 2 2 F",
    "GET /admin/cadres/new": "L F F 2 2 2 F",
    "POST /admin/cadres/new": "L F F 2 2 2 F",
    "GET /admin/cadres/<int:user_id>": "-LLL N N N2NN N2NN N2-- N",
    # The targets inside scope hold only the learner grant, which is never revoked (404); the
    # allowed revocation is in tests/test_grants.py.
    "POST /admin/grants/<int:grant_id>/revoke": "-LLL N N N N NN-- N",
    "GET /admin/cadres/import": "L F F 2 2 2 F",
    "POST /admin/cadres/import": "L F F 2 2 2 F",
    "GET /admin/cadres/template.<fmt>": "L F F 2 2 2 F",
    "GET /courses": "L 2 2 2 2 2 2",
    "GET /courses/<slug>": "-L-L -2-N 22-N -2-N -2-2 -2-2 -2-N",
    "GET /activities/<int:activity_id>": "-L-L -2-N 22-N -2-N -2-2 -2-2 -2-N",
    "GET /media/<int:media_id>/<path:name>": "-L-L -2-N 22-N -2-N -2-2 -2-2 -2-N",
    "GET /teach/courses": "L F 2 F 2 2 F",
    "GET /teach/courses/new": "L F 2 F 2 2 F",
    "GET /teach/courses/web-address-name": "L F 2 F 2 2 F",
    "POST /teach/courses/new": "L F 2 F 2 2 F",
    "GET /teach/courses/<int:course_id>": "-L-L -F-F 22-N -F-F -2-2 -2-2 -F-F",
    "POST /teach/courses/<int:course_id>": "-L-L -F-F NN-N -F-F -R-R -R-R -F-F",
    "GET /teach/courses/<int:course_id>/activities/new/<type_key>":
        "-L-L -F-F FN-N -F-F -2-2 -2-2 -F-F",
    "POST /teach/courses/<int:course_id>/activities/new/<type_key>":
        "-L-L -F-F FN-N -F-F -2-2 -2-2 -F-F",
    "GET /teach/activities/<int:activity_id>/edit": "-L-L -F-F FN-N -F-F -2-2 -2-2 -F-F",
    "POST /teach/activities/<int:activity_id>/edit": "-L-L -F-F FN-N -F-F -2-2 -2-2 -F-F",
    "POST /teach/activities/<int:activity_id>/<any(up, down, retire):action>":
        "-L-L -F-F FN-N -F-F -R-R -R-R -F-F",
    "POST /teach/courses/<int:course_id>/media": "-L-L -F-F FN-N -F-F -R-R -R-R -F-F",
    "POST /teach/courses/<int:course_id>/preview": "-L-L -F-F FN-N -F-F -2-2 -2-2 -F-F",
    "POST /teach/packages": "L F B F B B F",
    "GET /teach/courses/<int:course_id>/submit": "-L-L -F-F FN-N -F-F -2-2 -2-2 -F-F",
    "POST /teach/courses/<int:course_id>/submit": "-L-L -F-F FN-N -F-F -2-2 -2-2 -F-F",
    "GET /teach/courses/<int:course_id>/review": "-L-L -F-F NN-N -F-F -2-2 -2-2 -F-F",
    "POST /teach/courses/<int:course_id>/review/comments":
        "-L-L -F-F NN-N -F-F -R-R -R-R -F-F",
    "GET /teach/courses/<int:course_id>/package.zip": "-L-L -F-F 2N-N -F-F -2-2 -2-2 -F-F",
    "GET /teach/review": "L F F F 2 2 F",
    "POST /teach/courses/<int:course_id>/review": "-L-L -F-F NN-N -F-F -R-R -R-R -F-F",
    "POST /teach/courses/<int:course_id>/archive": "-L-L -F-F NN-N -F-F -R-R -R-R -F-F",
    "GET /teach/subjects": "L F F F 2 2 F",
    "POST /teach/subjects": "L F F F 2 2 F",
    "POST /courses/<slug>/enrol": "-L-L -R-N RR-N -R-N -R-R -R-R -R-N",
    "POST /activities/<int:activity_id>/beat": "-L-L -B-N BB-N -B-N -B-N -B-N -B-N",
    "POST /activities/<int:activity_id>/presence": "-L-L -2-N 22-N -2-N -2-N -2-N -2-N",
    "GET /admin/assignments": "L F F 2 2 2 F",
    "GET /admin/assignments/new": "L F F 2 2 2 F",
    "POST /admin/assignments/new": "L F F 2 2 2 F",
    "GET /admin/completion/<slug>": "-L-L -F-F FF-F -2-2 -2-2 -2-2 -F-F",
    "GET /admin/completion/<slug>/export.xlsx": "-L-L -F-F FF-F -2-2 -2-2 -2-2 -F-F",
    "GET /admin/completion/<slug>/remind": "-L-L -F-F FF-F -2-2 -2-2 -2-2 -F-F",
    "POST /admin/completion/<slug>/remind": "-L-L -F-F FF-F -R-R -R-R -R-R -F-F",
    "GET /admin/activities/<int:activity_id>/attendance": "-L-L -N-N 2N-N -N-N -N-N -N-N -N-N",
    "POST /admin/activities/<int:activity_id>/attendance": "-L-L -N-N RN-N -N-N -N-N -N-N -N-N",
    "GET /me/learning": "L 2 2 2 2 2 2",
    # Notices: the inbox (the auditor has none); another's notice is not found
    "POST /me/notices/<int:notice_id>/read": "-LLL RNNN RNNN RNNN RN-N -N-- -NNN",
    "GET /me/inbox": "L 2 2 2 2 2 N",
    "POST /me/inbox/read": "L R R R R R N",
    "GET /": "L 2 2 2 2 2 R",  # the auditor's home is the audit log
    "GET /healthz": "2 2 2 2 2 2 2",
    "GET /api/v1/me": "L 2 2 2 2 2 2",
    "GET /api/v1/me/learning": "L 2 2 2 2 2 2",
    "GET /api/v1/units": "L 2 2 2 2 2 2",
    "GET /api/v1/cadres": "L 2 2 2 2 2 2",
    "GET /api/v1/cadres/<int:user_id>": "-LLL 2NNN 2NNN 22NN 22NN N2-- N",
    "GET /api/v1/courses": "L 2 2 2 2 2 2",
    "GET /api/v1/courses/<slug>": "-L-L -2-N 22-N -2-N -2-2 -2-2 -2-N",
    "GET /api/v1/activities/<int:activity_id>": "-L-L -2-N 22-N -2-N -2-2 -2-2 -2-N",
    "POST /api/v1/courses/<slug>/enrolment": "-L-L -2-N 22-N -2-N -2-C -2-C -2-N",
    "GET /api/v1/courses/<slug>/completion": "-L-L -F-F FF-F -2-2 -2-2 -2-2 -F-F",
    "POST /api/v1/activities/<int:activity_id>/heartbeat": "-L-L -B-N BB-N -B-N -B-N -B-N -B-N",
    "POST /api/v1/activities/<int:activity_id>/presence": "-L-L -2-N 22-N -2-N -2-N -2-N -2-N",
    # Answers to activities whose type takes them (the sample courses' surveys: an empty form
    # is refused with its problems, 422) and the pages types add for lecturers (the course's
    # lecturers and the organisation department; the draft course's quiz has no such page).
    "POST /activities/<int:activity_id>/answers": "-L-L -B-N BB-N -B-N -B-N -B-N -B-N",
    "POST /api/v1/activities/<int:activity_id>/answers": "-L-L -B-N BB-N -B-N -B-N -B-N -B-N",
    "GET /teach/activities/<int:activity_id>/pages/<page>": "-L-L -N-N 2N-N -N-N -2-N -2-N -N-N",
    "GET /teach/activities/<int:activity_id>/pages/<page>/export.xlsx":
        "-L-L -N-N 2N-N -N-N -2-N -2-N -N-N",
    "GET /api/v1/attempts/<int:attempt_id>": "-LLL 2NNN 2NNN 2NNN 2N-N -N-- -NNN",
    "PUT /api/v1/attempts/<int:attempt_id>/answers/<int:question_id>":
        "-LLL BNNN BNNN BNNN BN-N -N-- -NNN",
    "POST /api/v1/attempts/<int:attempt_id>/submit": "-LLL 2NNN 2NNN 2NNN 2N-N -N-- -NNN",
    "GET /api/v1/openapi.json": "2 2 2 2 2 2 2",
    "GET /api/v1/reports/compliance": "L F F 2 2 2 F",
    "POST /api/v1/users/<username>/record/entries": "-LLL N N BBNN BBNN NB-- N",
    "POST /api/v1/users/<username>/record/entries/<int:entry_id>/reversal":
        "-LLL N N FBNN FB-N -B-- -NNN",
    "GET /api/v1/users/<username>/record": "-LLL 2NNN 2NNN 22NN 22NN N2-- N",
    "GET /api/v1/users/<username>/record/xapi": "-LLL 2NNN 2NNN 22NN 22NN N2-- N",
    "POST /activities/<int:activity_id>/attempt": "-L-L -R-N RR-N -R-N -R-R -R-R -R-N",
    "GET /attempts/<int:attempt_id>": "-LLL 2NNN 2NNN 2NNN 2N-N -N-- -NNN",
    "POST /attempts/<int:attempt_id>": "-LLL RNNN RNNN RNNN RN-N -N-- -NNN",
    "PUT /attempts/<int:attempt_id>/answers/<int:slot>": "-LLL BNNN BNNN BNNN BN-N -N-- -NNN",
    "GET /teach/grading": "L F 2 F 2 2 F",
    "GET /teach/activities/<int:activity_id>/results": "-L-L -N-N 2N-N -N-N -2-2 -2-2 -N-N",
    "POST /teach/activities/<int:activity_id>/release": "-L-L -N-N NN-N -N-N -R-R -R-R -N-N",
    "POST /teach/activities/<int:activity_id>/resits": "-L-L -N-N NN-N -N-N -R-R -R-R -N-N",
    "GET /teach/questions/course/<int:course_id>": "-L-L -N-N 2N-N -N-N -2-2 -2-2 -N-N",
    "POST /teach/questions/course/<int:course_id>": "-L-L -N-N BN-N -N-N -B-B -B-B -N-N",
    "GET /teach/questions/shared": "L N N N 2 2 N",
    "POST /teach/questions/shared": "L N N N B B N",
    "GET /teach/questions/course/<int:course_id>/export.gift": "-L-L -N-N 2N-N -N-N -2-2 -2-2 -N-N",
    "GET /teach/questions/shared/export.gift": "L N N N 2 2 N",
    "GET /teach/questions/template.xlsx": "L N 2 N 2 2 N",
    "POST /teach/questions/<int:question_id>/delete": "-L-L -N-N RN-N -N-N -R-R -R-R -N-N",
    "GET /admin/records/rules": "L N N N 2 2 N",
    "GET /admin/records/rules/new": "L N N N 2 2 N",
    "POST /admin/records/rules/new": "L N N N 2 2 N",
    "GET /admin/records/rules/<int:rule_set_id>/edit": "L N N N 2 2 N",
    "POST /admin/records/rules/<int:rule_set_id>/edit": "L N N N 2 2 N",
    "POST /admin/records/rules/<int:rule_set_id>/active": "L N N N R R N",
    "GET /records/rules": "L 2 2 2 2 2 2",
    "GET /reading": "L 2 2 2 2 2 2",
    "GET /me/reading": "L 2 2 2 2 N N",
    "GET /me/reading/<int:item_id>": "L 2 2 2 2 N N",
    "POST /me/reading/<int:item_id>": "L R R R R N N",
    "GET /admin/records/reading": "L N N N 2 2 N",
    "POST /admin/records/reading": "L N N N 2 2 N",
    "GET /admin/records/reading/items/<int:item_id>": "L N N N R R N",
    "POST /admin/records/reading/items/<int:item_id>": "L N N N R R N",
    "POST /admin/records/reading/items/<int:item_id>/remove": "L N N N R R N",
    "GET /admin/records/reading/calls": "L N N 2 2 2 N",
    "GET /admin/records/reading/calls/new": "L N N 2 2 2 N",
    "POST /admin/records/reading/calls/new": "L N N 2 2 2 N",
    "GET /admin/records/reading/calls/<int:call_id>": "-LLL N-NN N 222N 22-N -2-- -NNN",
    "GET /admin/records/notes": "L N N 2 2 2 N",
    "GET /admin/records/notes/<int:note_id>": "-LLL N N 22NN 22-N -2-- -NNN",
    "POST /admin/records/notes/<int:note_id>": "-LLL N N 22NN 22-N -2-- -NNN",
    "GET /me/plan": "L R R R R R R",
    "GET /me/plan/<int:year>": "L 2 2 2 2 N N",
    "POST /me/plan/<int:year>": "L 2 2 2 2 N N",
    "GET /admin/records/plans": "L N N 2 2 2 N",
    "GET /cadres/<username>/plan/<int:year>": "-LLL N N 22NN 22NN N2-- N",
    "POST /cadres/<username>/plan/<int:year>": "-LLL N N 22NN 22NN N2-- N",
    "GET /cadres/<username>/appraisal/<int:year>": "-LLL 2NNN 2NNN 22NN 22NN N2-- N",
    "POST /cadres/<username>/appraisal/<int:year>": "-LLL RNNN RNNN RRNN RRNN NR-- N",
    "GET /me/appraisals": "L 2 2 2 2 2 2",
    "GET /cadres/<username>/record/entries/new": "-LLL N N F2NN F2NN N2-- N",
    "POST /cadres/<username>/record/entries/new": "-LLL N N F2NN F2NN N2-- N",
    "GET /record/entries/<int:entry_id>/reverse": "-LLL N N F2NN F2-N -2-- -NNN",
    "POST /record/entries/<int:entry_id>/reverse": "-LLL N N F2NN F2-N -2-- -NNN",
    "GET /me/record/claims/new": "L 2 2 2 2 N N",
    "POST /me/record/claims/new": "L 2 2 2 2 N N",
    "GET /me/record/claims": "L 2 2 2 2 2 2",
    "GET /admin/records/claims": "L F F 2 2 2 F",
    "GET /admin/records/claims/<int:claim_id>": "-LLL N N 22NN 22-N -2-- -NNN",
    "POST /admin/records/claims/<int:claim_id>": "-LLL N N RBNN RB-N -B-- -NNN",
    "GET /record/evidence/<int:evidence_id>": "-LLL 2NNN 2NNN 22NN 22-N -2-- -NNN",
    # One's own certificate: nobody in the walk has completed a course (404); the allowed
    # download is in tests/test_player.py.
    "GET /courses/<slug>/certificate.pdf": "-L-L -N-N NN-N -N-N -N-N -N-N -N-N",
    "GET /certificates/verify": "L 2 2 2 2 2 2",
    "GET /me/record": "L R R R R R R",
    "GET /cadres/<username>/record": "-LLL 2NNN 2NNN 22NN 22NN N2-- N",
    "GET /cadres/<username>/record/print": "-LLL 2NNN 2NNN 22NN 22NN N2-- N",
    "GET /cadres/<username>/record.pdf": "-LLL 2NNN 2NNN 22NN 22NN N2-- N",
    "GET /cadres/<username>/record/xapi.json": "-LLL 2NNN 2NNN 22NN 22NN N2-- N",
    "GET /admin/records/compliance": "L F F 2 2 2 F",
    # The whole district's export is a job: the page redirects to it.
    "GET /admin/records/compliance/export.xlsx": "L F F 2 R R F",
    # A unit's printed records as one PDF: a job (the system administrator, with no unit of
    # their own and none chosen, is sent back to choose one).
    "POST /admin/records/print": "L F F R R R F",
    "GET /admin/records": "L F F 2 2 2 F",
    # Account screens never act on one's own account, nor on one holding a role the viewer
    # could not grant (issue 14, item 1): both answer as an account out of scope does.
    "GET /admin/cadres/<int:user_id>/edit": "-LLL N N N2NN N2NN N2-- N",
    "POST /admin/cadres/<int:user_id>/edit": "-LLL N N N2NN N2NN N2-- N",
    "POST /admin/cadres/<int:user_id>/<any(deactivate, activate):action>":
        "-LLL N N NRNN NRNN NR-- N",
    "POST /admin/cadres/<int:user_id>/password": "-LLL N N N2NN N2NN N2-- N",
    "POST /admin/cadres/<int:user_id>/grants": "-LLL N N NBNN NBNN NB-- N",
    # Nobody grades their own attempt (item 2): the page says why instead of offering the
    # form, and the service refuses the grade (tests/test_four_eyes.py).
    "GET /teach/grading/<int:attempt_id>": "-LLL N N N 22-2 -2-- -NNN",
    "POST /teach/grading/<int:attempt_id>/<int:slot>": "-LLL N N N RR-R -R-- -NNN",
    # Whoever authors an exam cannot sit it (item 3): 409 "author". The lecturer owns tufa,
    # their "own" course, whose sealed exam the walk starts; the other courses have no exam,
    # so their practice quiz is started instead; xinxi is a draft.
    "POST /api/v1/quizzes/<int:activity_id>/attempts": "-L-L -2-N C2-N -2-N -2-C -2-C -2-N",
    # The audit log is the auditor's alone; the system administrator does not read it (三员分立).
    "GET /audit": "L F F F F F 2",
    "GET /audit/export.xlsx": "L F F F F F 2",
    "GET /audit/settings": "L F F F F F 2",
}

# Expectations the application does not meet yet: walked like the others, but a failure is
# expected (xfail) until then. An entry is ("line", "why"); move it to EXPECTED once it passes.
PENDING: dict[str, tuple[str, str]] = {}

# Requests whose answer sends the person to the sign-in page because they did what was asked:
# signing out ends the session row, so its write is not a refusal that wrote.
SIGN_OUT = {"POST /logout"}

REFUSALS = {"L", "F", "N", "M"}


@dataclass
class Walk:
    app: Flask
    conn: Connection
    world: World
    clients: dict[str, FlaskClient]
    cookies: dict[str, str | None]


@pytest.fixture(autouse=True)
def _clean():
    """The module's world is rolled back as a whole (see `walk`), not after each test."""
    yield


@pytest.fixture(scope="module")
def walk(app) -> Walk:
    # A view that starts a job queues it and answers (a redirect to the job's page); the job
    # itself is not run: the walk's one rolled-back connection is all the world there is.
    from lms.jobs import services

    queued = pytest.MonkeyPatch()
    queued.setattr(services, "dispatch", lambda job_id: None)
    with rolled_back_world(app) as (conn, world):
        clients = {role: signed_in(app, role) for role in ROLES}
        cookies = {}
        for role, client in clients.items():
            cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
            cookies[role] = cookie.value if cookie else None
        yield Walk(app, conn, world, clients, cookies)
    queued.undo()


def _rules(app: Flask) -> dict[str, object]:
    """Every rule and method of the URL map, keyed as in `EXPECTED`."""
    found = {}
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found[f"{method} {rule.rule}"] = rule
    return found


def observe(walk: Walk, key: str, rule, role: str) -> tuple[str, list[str]]:
    """The token the walk sees for one rule and role, and any writes made by a refusal."""
    method = key.split(" ", 1)[0]
    targets = TARGETS if dimension(rule) != "-" else ("in",)
    letters, problems = [], []
    token = walk.world.tokens.get(ACCOUNT.get(role, ""))
    for target in targets:
        url = url_for_target(rule, walk.world, role, target)
        if url is None:
            letters.append("-")
            continue
        with undone(walk.conn), writes_on(walk.conn) as writes:
            response = call(walk.clients[role], method, url, walk.cookies[role], token)
            letter = classify(response)
        letters.append(letter)
        if letter in REFUSALS and writes and method != "GET" and key not in SIGN_OUT:
            problems.append(f"{method} {url} as {role} was refused ({response.status_code}) "
                            f"but wrote: {writes}")
    if len(set(letters) - {"-"}) == 1 and (len(letters) == 1 or "-" not in letters):
        return letters[0], problems
    return "".join(letters), problems


def _expected(token: str, observed: str) -> bool:
    """Does the observed token match the expected one (one letter holds for every target)?"""
    if len(token) == 1:
        return all(c in (token, "-") for c in observed)
    if len(observed) == 1:
        return all(c in (observed, "-") for c in token)
    return token == observed


def _lines() -> dict[str, str]:
    return {**EXPECTED, **{key: line for key, (line, _why) in PENDING.items()}}


def _cases():
    for key, line in _lines().items():
        tokens = line.split()
        assert len(tokens) == len(ROLES), f"{key}: one token per role: {' '.join(ROLES)}"
        marks = ([pytest.mark.xfail(strict=False, reason=PENDING[key][1])]
                 if key in PENDING else [])
        for role, token in zip(ROLES, tokens, strict=True):
            yield pytest.param(key, role, token, id=f"{key}|{role}", marks=marks)


@pytest.mark.parametrize(("key", "role", "token"), list(_cases()))
def test_route_answers_as_expected(walk, key, role, token):
    rules = _rules(walk.app)
    assert key in rules, f"{key} is in EXPECTED but no longer in the URL map: remove it"
    observed, problems = observe(walk, key, rules[key], role)
    assert not problems, problems
    assert _expected(token, observed), (
        f"{key} as {role}: expected {token}, got {observed} (targets {' '.join(TARGETS)})")


def test_every_rule_has_an_expected_answer(walk, capsys):
    """A new route fails here until `EXPECTED` says what each role may do with it."""
    rules = _rules(walk.app)
    missing = [key for key in rules if key not in _lines()]
    lines = []
    for key in missing:
        tokens = [observe(walk, key, rules[key], role)[0] for role in ROLES]
        lines.append(f'    "{key}": "{" ".join(tokens)}",')
    assert not missing, (
        "These rules have no expected answer. Check what each role should get and add a line "
        "per rule to EXPECTED in tests/test_route_authz.py; as walked now:\n" + "\n".join(lines))
    cases = 0
    for key in _lines():
        rule = rules[key]
        for role in ROLES:
            targets = TARGETS if dimension(rule) != "-" else ("in",)
            cases += sum(url_for_target(rule, walk.world, role, t) is not None for t in targets)
    with capsys.disabled():
        print(f"\nroute walk: {len(rules)} rules and methods x {len(ROLES)} roles, "
              f"{cases} requests (rule x role x target)")


MISSING = {"username": "no-such-person", "slug": "no-such-course"}


@pytest.mark.parametrize("role", ROLES)
def test_out_of_scope_answers_as_a_missing_object(walk, role):
    """Where another unit's (or another author's) object is refused, it is refused exactly
    as an object that does not exist: the answer reveals nothing about it."""
    differ = []
    adapter = walk.app.url_map.bind("localhost")
    for key, rule in _rules(walk.app).items():
        method = key.split(" ", 1)[0]
        if method != "GET" or dimension(rule) == "-":
            continue
        url = url_for_target(rule, walk.world, role, "out")
        if url is None:
            continue
        _endpoint, values = adapter.match(url, method="GET")
        for arg in rule.arguments:
            if arg in MISSING:
                values[arg] = MISSING[arg]
            elif isinstance(values.get(arg), int) and arg not in ("year", "slot"):
                values[arg] = 10**9
        missing = rule.build(values, append_unknown=False)[1]
        token = walk.world.tokens.get(ACCOUNT.get(role, ""))
        with undone(walk.conn):
            there = call(walk.clients[role], method, url, walk.cookies[role], token)
        with undone(walk.conn):
            nowhere = call(walk.clients[role], method, missing, walk.cookies[role], token)
        if classify(there) in REFUSALS and there.status_code != nowhere.status_code:
            differ.append(f"{url} answers {there.status_code}, {missing} {nowhere.status_code}")
    assert not differ, f"as {role}:\n" + "\n".join(differ)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anon"])
def test_a_walked_sign_out_leaves_the_next_request_signed_in(walk, role):
    """Signing out ends the session's row; the walk rolls that back and restores the cookie,
    so a sign-out walked earlier never turns later answers into requests to sign in."""
    token = walk.world.tokens.get(ACCOUNT[role])
    with undone(walk.conn), writes_on(walk.conn) as writes:
        out = call(walk.clients[role], "POST", "/logout", walk.cookies[role], token)
    assert classify(out) == "L" and any("user_sessions" in w for w in writes), writes
    with undone(walk.conn):
        after = call(walk.clients[role], "GET", "/me/appraisals", walk.cookies[role], token)
    assert classify(after) == "2", after.status_code
