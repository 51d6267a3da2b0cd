"""How credited study time becomes study hours (学时): a rule chosen by configuration.

- ``minutes`` (default): one 学时 per `LMS_MINUTES_PER_HOUR` credited minutes (45), capped at
  the course's declared hours;
- ``declared``: the course's declared hours, credited only when the course is complete (hours
  are only ever written at completion);
- ``buckets``: by the course's credited length, e.g. ``LMS_HOURS_BUCKETS="30:1,15:0.5,0:0.25"``
  (30 minutes or more: 1 学时; 15 to 30: 0.5; under 15: 0.25), capped at the declared hours.
"""
from __future__ import annotations

from flask import current_app

RULES = ("minutes", "declared", "buckets")


def parse_buckets(text: str) -> list[tuple[float, float]]:
    """``"30:1,15:0.5,0:0.25"`` as [(minutes, hours)], longest first; ValueError if malformed."""
    buckets = []
    for part in text.split(","):
        minutes, _sep, hours = part.strip().partition(":")
        buckets.append((float(minutes), float(hours)))
    if not buckets or any(m < 0 or h < 0 for m, h in buckets):
        raise ValueError(text)
    return sorted(buckets, reverse=True)


def course_hours(seconds: int, course) -> float:
    """Study hours for a completed course with `seconds` of credited study time."""
    config = current_app.config
    rule = config["LMS_HOURS_RULE"]
    declared = float(course.hours or 0)
    if rule == "declared":
        return round(declared, 2)
    minutes = seconds / 60
    if rule == "buckets":
        earned = next((h for m, h in parse_buckets(config["LMS_HOURS_BUCKETS"]) if minutes >= m),
                      0.0)
    else:
        earned = minutes / float(config["LMS_MINUTES_PER_HOUR"])
    return round(min(earned, declared), 2)


def check_config(config) -> None:
    """Refuse to start with a misconfigured hours rule (ValueError naming the variable)."""
    if config["LMS_HOURS_RULE"] not in RULES:
        raise ValueError(f"LMS_HOURS_RULE must be one of {', '.join(RULES)}, "
                         f"not {config['LMS_HOURS_RULE']!r}")
    try:
        parse_buckets(config["LMS_HOURS_BUCKETS"])
    except ValueError:
        raise ValueError("LMS_HOURS_BUCKETS must look like '30:1,15:0.5,0:0.25', not "
                         f"{config['LMS_HOURS_BUCKETS']!r}") from None
    if float(config["LMS_MINUTES_PER_HOUR"]) <= 0 or int(config["LMS_HEARTBEAT_SECONDS"]) < 1:
        raise ValueError("LMS_MINUTES_PER_HOUR and LMS_HEARTBEAT_SECONDS must be positive")
