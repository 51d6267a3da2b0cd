"""Form helpers shared by every feature."""
from __future__ import annotations

from collections.abc import Iterable

from wtforms import SelectChoice


def select_choices(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, str(label)) for value, label in pairs]
