"""Schema pieces that several parts of the OpenAPI document share: the requirement line not
yet reached, and the note on a rule set that counts other than the hours recorded."""
from __future__ import annotations

MISSING_LINE = {"type": "object", "description": (
    "One line not yet reached, as stored by the rules engine (`line`: hours, days, "
    "hours_or_days, kind, subject, share, course, reading; `need`, `have`, `unit` and the "
    "line's own keys), with `text`: the line in words in the caller's language."),
    "properties": {"line": {"type": "string"}, "need": {"type": "number"},
                   "have": {"type": "number"}, "unit": {"type": "string"},
                   "text": {"type": "string", "description": "in plain words"}}}
RULE_NOTE = {"type": "string", "nullable": True, "description": (
    "When the rule set counts a number of study hours other than those recorded in the "
    "window (conversions, yearly caps, forms of learning it does not count, carry-over): "
    "why, in one sentence in the caller's language; otherwise null.")}

# A 422 of a write refused for bad input: the error and a message per field at fault.
FIELD_ERRORS = {
    "description": "Bad input; nothing was written. `fields` maps each field at fault to a "
                   "message naming it.",
    "content": {"application/json": {"schema": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "object", "properties": {
            "code": {"type": "string"}, "message": {"type": "string"}}},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}},
}
