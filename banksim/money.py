"""Money on the wire is yuan with exactly two decimals ("800.00"); everywhere else it is integer fen."""

import re
from decimal import Decimal

# No sign, no exponent, no spaces, no superfluous leading zeros, exactly two decimals.
# At most 12 integer digits, so that any file total stays far below SQLite's 64-bit INTEGER limit.
_YUAN = re.compile(r"(0|[1-9][0-9]{0,11})\.[0-9]{2}")
MAX_FEN = 10**14 - 1


def parse_yuan(text: str, *, allow_zero: bool = False) -> int:
    """'800.00' -> 80000. ValueError on anything that is not a canonical 2-decimal amount."""
    if not isinstance(text, str) or not _YUAN.fullmatch(text):
        raise ValueError(f"not a 2-decimal yuan amount: {text!r}")
    fen = int(Decimal(text) * 100)
    if fen == 0 and not allow_zero:
        raise ValueError(f"amount must be positive: {text!r}")
    return fen


def parse_yuan_total(text: str) -> int:
    """A header total: same shape as an amount but may exceed the per-row limit (up to 18 digits)."""
    if not isinstance(text, str) or not re.fullmatch(r"(0|[1-9][0-9]{0,15})\.[0-9]{2}", text):
        raise ValueError(f"not a 2-decimal yuan total: {text!r}")
    return int(Decimal(text) * 100)


def format_yuan(fen: int) -> str:
    """80000 -> '800.00'; exact, no float involved."""
    if not isinstance(fen, int) or isinstance(fen, bool) or fen < 0:
        raise ValueError(f"fen must be a non-negative int: {fen!r}")
    return f"{fen // 100}.{fen % 100:02d}"
