"""A minimal questionnaire type for the class evaluation tests, registered under the key
"survey" only while no installed type holds it. It follows the survey type's contract: form
lines in `questions_text` ("rating: question", "text?: question", "@name" groups the questions
below it, "@" ends the group), problems naming the question, answers stored with the time
they were given, and a summary grouped by subject."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lms.activities.base import ActivityType
from lms.core.timeutil import utcnow

_LINE = re.compile(r"^\s*(rating|text)(\?)?\s*:\s*(.+)$")


@dataclass
class Answered:
    state: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    completed: bool = False


class StandInSurvey(ActivityType):
    key = "survey"
    name = "Survey"
    fields = ("questions_text",)
    template_folder = Path(__file__).parent / "templates"

    def validate_config(self, raw, ctx, origin):
        questions, subject = [], ""
        for line in str(raw.get("questions_text") or "").splitlines():
            if not line.strip():
                continue
            if line.strip().startswith("@"):
                subject = line.strip()[1:].strip()
                continue
            n = len(questions) + 1
            match = _LINE.match(line)
            if match is None:
                ctx.problem(f"Question {n}: write the kind, a colon and the question.",
                            file=origin)
                questions.append(None)
                continue
            kind, optional, text = match.groups()
            questions.append({"id": f"q{n}", "kind": kind, "text": text.strip(),
                              "subject": subject, "required": not optional,
                              **({"scale": 5} if kind == "rating" else {})})
        if not questions:
            ctx.problem("A survey needs at least one question.", file=origin)
        return {"intro": "", "anonymous": True, "questions": [q for q in questions if q]}

    def form_data(self, config):
        lines, subject = [], ""
        for q in config.get("questions", []):
            if (q.get("subject") or "") != subject:
                subject = q.get("subject") or ""
                lines.append(f"@{subject}")
            lines.append(f"{q['kind']}{'' if q['required'] else '?'}: {q['text']}")
        return {"questions_text": "\n".join(lines)}

    def take_answers(self, config, state, data):
        answers, problems = {}, {}
        for n, q in enumerate(config["questions"], start=1):
            value = str(data.get(q["id"]) or "").strip()
            if not value:
                if q["required"]:
                    problems[q["id"]] = f"Question {n}: an answer is required."
            elif q["kind"] == "rating":
                if value not in {"1", "2", "3", "4", "5"}:
                    problems[q["id"]] = f"Question {n}: choose a rating from 1 to 5."
                else:
                    answers[q["id"]] = int(value)
            else:
                answers[q["id"]] = value[:2000]
        if problems:
            return Answered(dict(state), problems)
        return Answered({**state, "answers": answers,
                         "answered_at": utcnow().isoformat(timespec="seconds")}, {}, True)

    def summarise(self, config, states):
        states = [s for s in states if s.get("answered_at")]
        groups: dict[str, list] = {}
        for n, q in enumerate(config["questions"], start=1):
            given = [s["answers"][q["id"]] for s in states if q["id"] in s["answers"]]
            row = {**q, "number": n, "count": len(given)}
            if q["kind"] == "rating":
                row["mean"] = round(sum(given) / len(given), 2) if given else None
            else:
                row["answers"] = [{"text": t} for t in given]
            groups.setdefault(q["subject"], []).append(row)
        return {"respondents": len(states), "anonymous": True,
                "groups": [{"subject": s, "questions": qs} for s, qs in groups.items()]}
