"""The error of a refused question import, shared by the text and spreadsheet readers."""
from __future__ import annotations


class QuestionImportError(ValueError):
    """A refused import: `problems` are (line or None, message) pairs."""

    def __init__(self, problems: list[tuple[int | None, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"line {n}: {m}" if n else m for n, m in problems))

    @property
    def rows(self) -> list[tuple[int | None, str, str]]:
        """Every problem as (line, column, message); a text file has no columns."""
        return [(line, "", message) for line, message in self.problems]
