"""How every page writes an amount of 学时 or days: to two decimals at most, without trailing
zeros (90.0 → "90", 0.5 → "0.5", 1.254 → "1.25"), the same in the record, My learning, the
compliance report, the printed record and the course pages."""
from __future__ import annotations

PLACES = 2  # amounts are stored and compared to the hundredth


def amount(value: float | int | None) -> float:
    """An amount rounded as it is stored and exported (a number, not text)."""
    return round(float(value or 0), PLACES)


def amount_text(value: float | int | None) -> str:
    """An amount as people write it: "90", "0.5", "1.25"."""
    text = f"{amount(value):.{PLACES}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
