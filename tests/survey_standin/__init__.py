"""A minimal questionnaire type for the class evaluation tests, registered under the key
"survey" only while no installed type holds it. Line syntax: "* text" a rating from 1 to 5,
"? text" a free text, "# name" starts the questions about a lecturer."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lms.activities.base import ActivityType


@dataclass
class Taken:
    state: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    completed: bool = False


class StandInSurvey(ActivityType):
    key = "survey"
    name = "Survey"
    fields = ("questions",)
    template_folder = Path(__file__).parent / "templates"

    def validate_config(self, raw, ctx, origin):
        questions, subject = [], ""
        for number, line in enumerate(str(raw.get("questions") or "").splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            mark, text = line[0], line[1:].strip()
            if mark == "#":
                subject = text
            elif mark in "*?" and text:
                questions.append({"id": f"q{len(questions) + 1}", "text": text,
                                  "kind": "rating" if mark == "*" else "text",
                                  "subject": subject})
            else:
                ctx.problem("a line starts with *, ? or #", line=number)
        if not questions:
            ctx.problem("no questions")
        return {"questions": questions, "source": str(raw.get("questions") or "")}

    def take_answers(self, config, state, data):
        answers, problems = {}, []
        for q in config["questions"]:
            value = str(data.get(q["id"]) or "").strip()
            if q["kind"] == "rating":
                if value not in {"1", "2", "3", "4", "5"}:
                    problems.append(f"{q['text']}: choose a rating from 1 to 5")
                    continue
                answers[q["id"]] = int(value)
            elif value:
                answers[q["id"]] = value[:2000]
        return Taken({"answers": answers}, problems, not problems)

    def summarise(self, config, states):
        rows = []
        for q in config["questions"]:
            given = [s["answers"][q["id"]] for s in states if q["id"] in s.get("answers", {})]
            row = {**q, "count": len(given)}
            if q["kind"] == "rating":
                row["mean"] = sum(given) / len(given) if given else None
            else:
                row["texts"] = sorted(given)
            rows.append(row)
        return {"responses": len(states), "questions": rows}
