"""The one refusal of every training attendance and closing service."""
from __future__ import annotations


class Refused(Exception):
    """Input or an action refused; nothing was written. `problems` maps the field at fault
    ("" for the action as a whole) to one plain sentence naming it; `code` says what kind
    of refusal it is (the API's error code)."""

    def __init__(self, problems: dict[str, str], code: str = "invalid"):
        super().__init__(" ".join(problems.values()))
        self.problems = problems
        self.code = code

    @property
    def message(self) -> str:
        return " ".join(self.problems.values())


def refuse(message: str, field: str = "", code: str = "invalid") -> Refused:
    """A refusal of one field (or of the action, `field` empty)."""
    return Refused({field: message}, code)
