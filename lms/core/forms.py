"""Form helpers shared by every feature."""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from wtforms import DecimalField as _DecimalField
from wtforms import SelectChoice


class DecimalField(_DecimalField):
    """A decimal that is a number: Python reads "NaN", "sNaN" and "Infinity" as decimals too,
    and a signalling NaN raises on every comparison a validator makes."""

    def process_formdata(self, valuelist: list) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(_("Enter a number."))


def select_choices(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, str(label)) for value, label in pairs]
