"""The OpenAPI 3 document of API v1. Every route under /api/v1 must appear here (a test checks)."""
from __future__ import annotations

from lms.api.schemas import RULE_NOTE
from lms.org import attributes

_ERROR = {"$ref": "#/components/responses/Error"}
_PAGE_PARAMS = [  # past these bounds: a 400 naming the parameter (lms.core.params)
    {"name": "page", "in": "query",
     "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                   "maximum": 200}},
]


def _paged(item_ref: str) -> dict:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": item_ref}},
            "page": {"type": "integer"}, "per_page": {"type": "integer"},
            "total": {"type": "integer"}, "pages": {"type": "integer"},
        },
    }


def _id(kind: str = "integer", description: str = "") -> list[dict]:
    """The `{id}` path parameter."""
    param = {"name": "id", "in": "path", "required": True, "schema": {"type": kind}}
    if description:
        param["description"] = description
    return [param]


def _ok(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_document() -> dict:
    """Build the document (cheap; built on request so it always matches the code)."""
    from lms.api.route_modules import DOCUMENTED

    document = _core_document()
    for module in DOCUMENTED:
        document["paths"].update(module.PATHS)
    _integer_arguments_answer_400(document)
    return document


def _integer_arguments_answer_400(document: dict) -> None:
    """Every integer query argument is parsed by `lms.core.params.int_arg`, which answers a
    400 naming it when the value is no number or past its bounds: say so once, here."""
    for operations in document["paths"].values():
        for operation in operations.values():
            if any(p.get("in") == "query" and p.get("schema", {}).get("type") == "integer"
                   for p in operation.get("parameters", [])):
                operation["responses"].setdefault("400", _ERROR)


def _core_document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Cadre e-learning platform API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/me": {"get": {
                "summary": "The token's user: name, unit and roles with their units.",
                "responses": {"200": _ok({"$ref": "#/components/schemas/Me"}), "401": _ERROR},
            }},
            "/me/learning": {"get": {
                "summary": "The token's user's courses assigned (due dates, overdue), in "
                           "progress and completed (progress, hours); this year's study hours "
                           "as recorded (`hours`, `online_hours`); the most study hours a year "
                           "that the requirement rule sets applying to the user ask "
                           "(`required_hours`, `online_required_hours`: a window's minimum "
                           "divided by its years; 0 when none applies); the user's standing "
                           "under each of those rule sets this year (`requirements`); the "
                           "activity to continue. Times are RFC 3339 UTC.",
                "responses": {"200": _ok({"type": "object", "properties": {
                    "year": {"type": "integer"}, "hours": {"type": "number"},
                    "required_hours": {"type": "number"},
                    "online_hours": {"type": "number"},
                    "online_required_hours": {"type": "number"},
                    "assigned": {"type": "array", "items": {"type": "object"},
                                 "description": "assigned, not completed; due_at, overdue"},
                    "in_progress": {"type": "array", "items": {"type": "object"}},
                    "completed": {"type": "array", "items": {"type": "object"}},
                    "resume_activity_id": {"type": "integer", "nullable": True},
                    "requirements": {"type": "array", "items": {
                        "type": "object", "properties": {
                            "rule_set": {"type": "string", "description": "the rule set's code"},
                            "name": {"type": "string"},
                            "window_start": {"type": "integer"},
                            "window_end": {"type": "integer"},
                            "hours": {"type": "number",
                                      "description": "学时 converted by this rule set, "
                                                     "carry-over included"},
                            "note": RULE_NOTE,
                            "days": {"type": "number"},
                            "ratio": {"type": "number",
                                      "description": "least share reached over its lines"},
                            "met": {"type": "boolean"},
                            "status": {"type": "string",
                                       "enum": ["met", "on_track", "behind", "not_met"]},
                            "missing": {"type": "array", "items": {"type": "object"},
                                        "description": "one item per line not reached: "
                                                       "{line, need, have, unit, ...}"},
                            "missing_text": {"type": "array", "items": {"type": "string"}}}}}}}),
                    "401": _ERROR},
            }},
            "/units": {"get": {
                "summary": "Units the user may see, in tree order.",
                "parameters": _PAGE_PARAMS,
                "responses": {"200": _ok(_paged("#/components/schemas/Unit")), "401": _ERROR},
            }},
            "/cadres": {"get": {
                "summary": "Cadres in the user's scope, filtered.",
                "parameters": _PAGE_PARAMS + [
                    {"name": "unit", "in": "query", "schema": {"type": "integer"},
                     "description": "Unit id; includes its subunits."},
                    {"name": "category", "in": "query", "schema": {"type": "integer"}},
                    {"name": "rank", "in": "query", "schema": {
                        "type": "string", "enum": ["division", "section", "subsection", "none"]}},
                    {"name": "q", "in": "query", "schema": {"type": "string"},
                     "description": "Part of a name or username."},
                    {"name": "status", "in": "query",
                     "schema": {"type": "string", "enum": ["active", "inactive", "all"]}},
                ],
                "responses": {"200": _ok(_paged("#/components/schemas/Cadre")), "401": _ERROR},
            }},
            "/cadres/{id}": {"get": {
                "summary": "One cadre; 404 when missing or outside the user's scope.",
                "parameters": _id(),
                "responses": {"200": _ok({"$ref": "#/components/schemas/Cadre"}),
                              "401": _ERROR, "404": _ERROR},
            }},
            "/courses": {"get": {
                "summary": "Published courses, filtered by subject, required/elective and "
                           "search words (Chinese is segmented).",
                "parameters": _PAGE_PARAMS + [
                    {"name": "category", "in": "query", "schema": {"type": "integer"},
                     "description": "Subject category id."},
                    {"name": "required", "in": "query", "schema": {"type": "string",
                                                                   "enum": ["1", "0"]}},
                    {"name": "q", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {"200": _ok(_paged("#/components/schemas/Course")),
                              "401": _ERROR},
            }},
            "/courses/{id}": {"get": {
                "summary": "A course's outline: each activity's id, key, type, title, study "
                           "hours and completion rule. The path parameter is the course slug.",
                "parameters": _id("string", "Course slug."),
                "responses": {"200": _ok({"$ref": "#/components/schemas/CourseOutline"}),
                              "401": _ERROR, "404": _ERROR},
            }},
            "/activities/{id}": {"get": {
                "summary": "What a learner's client needs to show an activity: sanitised HTML, "
                           "learner-visible settings (never answer keys) and media addresses.",
                "parameters": _id(),
                "responses": {"200": _ok({"$ref": "#/components/schemas/ActivityContent"}),
                              "401": _ERROR, "404": _ERROR},
            }},
            "/courses/{id}/enrolment": {"post": {
                "summary": "Enrol the token's user in a published course (idempotent). The path "
                           "parameter is the course slug.",
                "parameters": _id("string", "Course slug."),
                "responses": {"200": _ok({"type": "object", "properties": {
                    "course": {"type": "string"}, "source": {"type": "string"},
                    "enrolled_at": {"type": "string", "format": "date-time"},
                    "completed_at": {"type": "string", "format": "date-time",
                                     "nullable": True}}}),
                    "401": _ERROR, "404": _ERROR, "409": _ERROR},
            }},
            "/activities/{id}/heartbeat": {"post": {
                "summary": "Report study: sent every LMS_HEARTBEAT_SECONDS while studying. The "
                           "server credits time only for a visible page, contiguous beats, a "
                           "new sequence number, no unanswered presence check and one activity "
                           "at a time; media positions beyond the played frontier do not "
                           "count. Beats kept while offline are sent later with their `age`. "
                           "Only timed activity types (lectures, reading lists) earn study "
                           "time: any other answers 404.",
                "parameters": _id(),
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"type": "object", "required": ["seq", "visible"], "properties": {
                        "seq": {"type": "integer", "minimum": 1},
                        "visible": {"type": "boolean"},
                        "position": {"type": "number",
                                     "description": "media playback position, seconds (for "
                                                    "a page without media: its scroll offset)"},
                        "age": {"type": "number", "minimum": 0, "description":
                                "seconds since the page took this beat (a beat kept while "
                                "offline); accepted up to LMS_BEAT_REPLAY_SECONDS"}}}}}},
                "responses": {"200": _ok({"type": "object", "properties": {
                    "credited_seconds": {"type": "integer"}, "completed": {"type": "boolean"},
                    "counted": {"type": "integer", "description": "seconds this beat earned"},
                    "reason": {"type": "string", "enum": [
                        "credited", "started", "hidden", "gap", "other_activity", "replayed",
                        "concurrent", "stale", "presence"]},
                    "presence_check": {"type": "boolean", "description":
                                       "a presence check waits: no credit until it is "
                                       "answered (POST .../presence)"},
                    "counting": {"type": "boolean", "description":
                                 "time counts from this beat on (`credited`, `started` "
                                 "or `gap`)"},
                    "message": {"type": "string", "description":
                                "why time was or is not counted and what to do, in one "
                                "sentence in the caller's language (a `gap` says counting "
                                "resumes now); empty for `credited`, `started` and "
                                "`replayed`"}}}),
                    "400": _ERROR, "401": _ERROR, "404": _ERROR},
            }},
            "/courses/{id}/completion": {"get": {
                "summary": "Completion report (administrators): one row per cadre in the "
                           "caller's unit scope enrolled in the course. The path parameter is "
                           "the course slug.",
                "parameters": _id("string", "Course slug.") + [
                    {"name": "unit", "in": "query", "schema": {"type": "string"},
                     "description": "a unit code: only its subtree (must be in scope)"},
                    {"name": "category", "in": "query", "schema": {"type": "integer"}},
                    {"name": "status", "in": "query", "schema": {"type": "string", "enum": [
                        "all", "completed", "in_progress", "not_started", "overdue"]}},
                    {"name": "q", "in": "query", "schema": {"type": "string"}},
                ] + _PAGE_PARAMS,
                "responses": {"200": _ok(_paged("#/components/schemas/CompletionRow")),
                              "401": _ERROR, "403": _ERROR, "404": _ERROR},
            }},
            "/activities/{id}/presence": {"post": {
                "summary": "Answer a presence check: credit resumes from now.",
                "parameters": _id(),
                "responses": {"200": _ok({"type": "object", "properties": {
                    "answered": {"type": "boolean",
                                 "description": "false when no check was waiting"}}}),
                    "401": _ERROR, "404": _ERROR},
            }},
            "/quizzes/{id}/attempts": {"post": {
                "summary": "Start an attempt at a quiz (a graded activity), or resume the open "
                           "one (200). Its questions carry no answer key: options are sent by "
                           "their position on this attempt's paper. 409 `author` for whoever "
                           "wrote or can read an exam's questions: they never sit it.",
                "parameters": _id(description="Activity id."),
                "responses": {"200": _ok({"$ref": "#/components/schemas/Attempt"}, "Resumed"),
                              "201": _ok({"$ref": "#/components/schemas/Attempt"}, "Started"),
                              "401": _ERROR, "404": _ERROR, "409": _ERROR},
            }},
            "/attempts/{id}": {"get": {
                "summary": "One of the caller's attempts. While it is open, or while the "
                           "quiz's review policy hides them, no correct answers; an attempt "
                           "past its deadline is submitted as it stands.",
                "parameters": _id(),
                "responses": {"200": _ok({"$ref": "#/components/schemas/Attempt"}),
                              "401": _ERROR, "404": _ERROR},
            }},
            "/attempts/{id}/answers/{question_id}": {"put": {
                "summary": "Save the response to one question of an open attempt (the latest "
                           "save wins) and/or the learner's mark for review. Refused (409 "
                           "`closed`) after the deadline or once "
                           "submitted, and (409 `author`) once the caller can read the exam's "
                           "questions.",
                "parameters": _id() + [{"name": "question_id", "in": "path", "required": True,
                                        "schema": {"type": "integer"},
                                        "description": "The question's `id` in the attempt."}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"type": "object", "properties": {
                        "response": {"description":
                                     "single choice: an option's value (integer); multiple "
                                     "choice: a list of values; true/false: a boolean; fill "
                                     "in, numerical, essay: a string; matching: an object "
                                     "{left value: right text}; null clears it"},
                        "flagged": {"type": "boolean", "description":
                                    "marked for review (the answer sheet); without "
                                    "`response`, the saved response stays"}},
                        "minProperties": 1}}}},
                "responses": {"200": _ok({"type": "object", "properties": {
                    "saved_at": {"type": "string", "format": "date-time"},
                    "seconds_left": {"type": "integer", "nullable": True}}}),
                    "400": _ERROR, "401": _ERROR, "404": _ERROR, "409": _ERROR,
                    "422": _ERROR},
            }},
            "/attempts/{id}/submit": {"post": {
                "summary": "Submit and score an attempt (once: a second submit returns the same "
                           "result). Answers saved after the deadline do not count. With an "
                           "essay to grade, the status is `submitted` and `passed` null until "
                           "a lecturer grades it.",
                "parameters": _id(),
                "responses": {"200": _ok({"type": "object", "required": [
                    "score", "max_score", "passed"], "properties": {
                    "id": {"type": "integer"}, "score": {"type": "number"},
                    "max_score": {"type": "number"},
                    "passed": {"type": "boolean", "nullable": True},
                    "percent": {"type": "number", "nullable": True},
                    "status": {"type": "string", "enum": ["submitted", "graded"]},
                    "held": {"type": "boolean", "description":
                             "an exam's results wait for the organisation department to "
                             "publish them: score, percent and passed are null until then"}}}),
                    "401": _ERROR, "404": _ERROR},
            }},
            "/openapi.json": {"get": {
                "summary": "This document.", "security": [],
                "responses": {"200": {"description": "OpenAPI 3 document"}},
            }},
        },
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "A token created on the account page or with "
                               "`flask --app wsgi tokens create USERNAME`.",
            }},
            "responses": {"Error": {
                "description": "An error",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                }}},
                "Attempt": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "activity_id": {"type": "integer"},
                    "number": {"type": "integer"},
                    "status": {"type": "string", "enum": ["open", "submitted", "graded"]},
                    "started_at": {"type": "string", "format": "date-time"},
                    "deadline_at": {"type": "string", "format": "date-time", "nullable": True},
                    "seconds_left": {"type": "integer", "nullable": True},
                    "submitted_at": {"type": "string", "format": "date-time",
                                     "nullable": True},
                    "score": {"type": "number", "nullable": True},
                    "max_score": {"type": "number"},
                    "passed": {"type": "boolean", "nullable": True},
                    "percent": {"type": "number", "nullable": True},
                    "review": {"type": "boolean",
                               "description": "correct answers and feedback are included"},
                    "review_note": {"type": "string", "enum": ["never", "held", "after_close"],
                                    "description": "once submitted, without review: why"},
                    "review_from": {"type": "string", "format": "date-time", "nullable": True,
                                    "description": "with `after_close`: when review opens"},
                    "held": {"type": "boolean", "description":
                             "once submitted: the results are held until published (exams); "
                             "score, percent and passed are null meanwhile"},
                    "certificate": {"type": "string", "description":
                                    "a passed exam's certificate number, once published"},
                    "questions": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "integer"}, "type": {"type": "string", "enum": [
                            "multichoice", "multiresponse", "truefalse", "shortanswer",
                            "numerical", "matching", "essay", "description"]},
                        "html": {"type": "string"}, "mark": {"type": "number"},
                        "options": {"type": "array", "items": {"type": "object", "properties": {
                            "value": {"type": "integer"}, "html": {"type": "string"},
                            "chosen": {"type": "boolean",
                                       "description": "with review only: the learner chose it"},
                            "right": {"type": "boolean",
                                      "description": "with review only: a right answer"},
                            "credit": {"type": "boolean", "description":
                                       "with review only: choosing it earns some credit"},
                            "feedback": {"type": "string", "description":
                                         "with review only: its own feedback (HTML), "
                                         "empty when none"}}}},
                        "lefts": {"type": "array", "items": {"type": "object", "properties": {
                            "value": {"type": "string"}, "html": {"type": "string"}}}},
                        "rights": {"type": "array", "items": {"type": "string"}},
                        "response": {"description": "the saved response"},
                        "answered": {"type": "boolean", "description": "while open"},
                        "flagged": {"type": "boolean",
                                    "description": "while open: marked for review"},
                        "response_feedback": {"type": "string", "description":
                                              "with review only: the feedback (HTML) of the "
                                              "answer a true/false, fill-in or numerical "
                                              "response met"},
                        "fraction": {"type": "number", "nullable": True,
                                     "description": "with review only"},
                        "correct": {"description": "with review only"},
                        "feedback": {"type": "string", "description":
                                     "with review only: the question's general feedback "
                                     "(HTML); each option then also carries `chosen`, "
                                     "`right`, `credit` and its own `feedback`"},
                        "comment": {"type": "string", "nullable": True,
                                    "description": "a grader's comment, once submitted"},
                        "graded": {"type": "boolean", "description":
                                   "once submitted: false while an essay waits for grading"},
                    }}},
                }},
                "Unit": {"type": "object", "nullable": True, "properties": {
                    "id": {"type": "integer"}, "code": {"type": "string"},
                    "name": {"type": "string"},
                    "kind": {"type": "string",
                             "enum": ["district", "street", "department", "community", "office"]},
                    "parent_id": {"type": "integer", "nullable": True},
                }},
                "Me": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "username": {"type": "string"},
                    "name": {"type": "string"}, "locale": {"type": "string", "nullable": True},
                    "unit": {"$ref": "#/components/schemas/Unit"},
                    "roles": {"type": "array", "items": {"type": "object", "properties": {
                        "role": {"type": "string", "enum": [
                            "learner", "lecturer", "unit_admin", "org_admin", "sysadmin"]},
                        "unit": {"$ref": "#/components/schemas/Unit"},
                    }}},
                }},
                "Course": {"type": "object", "properties": {
                    "slug": {"type": "string"}, "title": {"type": "string"},
                    "summary_html": {"type": "string"}, "category": {"type": "string"},
                    "required": {"type": "boolean"}, "hours": {"type": "number"},
                    "version": {"type": "integer"}, "status": {"type": "string"},
                    "activity_count": {"type": "integer"},
                }},
                "ActivityOutline": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "key": {"type": "string"},
                    "type": {"type": "string"}, "title": {"type": "string"},
                    "hours": {"type": "number"}, "installed": {"type": "boolean"},
                    "completion": {"type": "object", "nullable": True,
                                   "description": "e.g. {kind: time, min_minutes: 20}"},
                }},
                "CourseOutline": {"allOf": [{"$ref": "#/components/schemas/Course"}, {
                    "type": "object", "properties": {
                        "lecturers": {"type": "array", "items": {"type": "string"}},
                        "activities": {"type": "array", "items": {
                            "$ref": "#/components/schemas/ActivityOutline"}},
                    }}]},
                "ActivityContent": {"allOf": [
                    {"$ref": "#/components/schemas/ActivityOutline"},
                    {"type": "object", "properties": {
                        "course": {"type": "string"}, "html": {"type": "string"},
                        "settings": {"type": "object"},
                        "media": {"type": "array", "items": {"type": "object", "properties": {
                            "path": {"type": "string"}, "url": {"type": "string"},
                            "kind": {"type": "string"}, "mime": {"type": "string"}}}},
                    }}]},
                "CompletionRow": {"type": "object", "properties": {
                    "username": {"type": "string"}, "name": {"type": "string"},
                    "unit": {"type": "object", "properties": {
                        "code": {"type": "string"}, "name": {"type": "string"}}},
                    "enrolled_at": {"type": "string", "format": "date-time"},
                    "progress": {"type": "integer", "description": "percent of activities"},
                    "credited_seconds": {"type": "integer"},
                    "hours": {"type": "number", "nullable": True},
                    "completed_at": {"type": "string", "format": "date-time", "nullable": True},
                    "due_at": {"type": "string", "format": "date-time", "nullable": True},
                    "overdue": {"type": "boolean"},
                }},
                "Cadre": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "username": {"type": "string"},
                    "name": {"type": "string"}, "active": {"type": "boolean"},
                    "unit": {"$ref": "#/components/schemas/Unit"},
                    **{a.key: a.schema() for a in attributes.ATTRIBUTES},
                    "categories": {"type": "array", "items": {"type": "string"}},
                }},
            },
        },
    }
