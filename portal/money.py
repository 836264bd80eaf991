"""Money, the one way: the database holds whole fen (BigIntegerField, CHECK >= 0); the edges speak yuan.

- `to_fen("800.00") == 80000`  parse yuan from a string / Decimal / int (never a float)
- `yuan_str(80000) == "800.00"`  JSON representation
- `yuan_display(120000) == "¥1,200.00"`  what people read
"""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FEN_PER_YUAN = 100
MAX_INTEGER_DIGITS = 13  # yuan: 9,999,999,999,999.99 at most, far above any budget, far below BIGINT
MAX_FEN = 10 ** (MAX_INTEGER_DIGITS + 2) - 1
# ASCII digits only ([0-9], not \d, which takes full-width and other scripts' digits), an optional minus
_AMOUNT = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?", re.ASCII)

_INVALID = _("请输入有效的金额，例如 800.00。")


def _invalid():
    return ValidationError(_INVALID, code="money_invalid")


def _too_large():
    return ValidationError(_("金额过大：整数部分最多 %(n)d 位。") % {"n": MAX_INTEGER_DIGITS}, code="money_too_large")


def _text_of(value) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _invalid()
        if value.adjusted() >= MAX_INTEGER_DIGITS:  # before formatting: 1E+999999 has a million digits
            raise _too_large()
        if value.as_tuple().exponent < -2 and value == value.quantize(Decimal("0.01")):
            value = value.quantize(Decimal("0.01"))  # Decimal("800.000"): trailing zeros only
        return format(value, "f")
    if isinstance(value, int):
        if len(str(abs(value))) > MAX_INTEGER_DIGITS:
            raise _too_large()
        return str(value)
    if not isinstance(value, str):
        raise _invalid()
    return value.strip().replace(",", "").replace("，", "").removeprefix("¥").removeprefix("￥")


def to_fen(value, *, allow_negative: bool = False) -> int:
    """Parse an amount of yuan into integer fen, strictly, before any Decimal is made: ASCII digits, at most
    13 integer digits and 2 decimals, a minus only where allowed. Refuses floats, exponents (`1e999999`),
    NaN/Infinity, full-width digits (`１００`) and junk with a Chinese ValidationError (a 400, never a 500)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValidationError(_("金额必须以字符串或整数给出，例如 \"800.00\"。"), code="money_type")
    match = _AMOUNT.fullmatch(_text_of(value))
    if match is None:
        raise _invalid()
    sign, integer, decimals = match.group(1), match.group(2), match.group(3) or ""
    if len(integer.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise _too_large()
    if len(decimals) > 2:
        raise ValidationError(_("金额最多保留两位小数（分）。"), code="money_precision")
    fen = int(integer) * FEN_PER_YUAN + int(decimals.ljust(2, "0"))
    if sign:
        if not allow_negative and fen:
            raise ValidationError(_("金额不能为负数。"), code="money_negative")
        fen = -fen
    return fen


def to_decimal(fen: int) -> Decimal:
    return (Decimal(int(fen)) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def yuan_str(fen: int | None) -> str | None:
    if fen is None:
        return None
    return f"{to_decimal(fen):.2f}"


def yuan_display(fen: int | None) -> str:
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{abs(to_decimal(fen)):,.2f}"
