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


def yuan_text(fen: int | None) -> str:
    """Money stored in fen written in yuan with thousands separators: 751234500 → "7,512,345",
    1050 → "10.5", 1005 → "10.05"."""
    fen = int(fen or 0)
    sign, fen = ("-" if fen < 0 else ""), abs(fen)
    whole, cents = divmod(fen, 100)
    text = f"{whole:,}"
    if cents:
        text += f".{cents:02d}".rstrip("0")
    return sign + text


def parse_yuan(text: str | float | int | None) -> int | None:
    """Yuan typed by a person ("1,200.5", "1200") in fen; None when it is not an amount of
    money (negative, more than two decimals, not a number)."""
    from decimal import Decimal, InvalidOperation

    raw = str(text if text is not None else "").strip().replace(",", "").replace("，", "")
    if not raw:
        return 0
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")) \
            or value >= Decimal(10) ** 12:
        return None
    return int(value * 100)
