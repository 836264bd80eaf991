"""Money, the one way: the database holds whole fen (BigIntegerField, CHECK >= 0); the edges speak yuan.

- `to_fen("800.00") == 80000`  parse yuan from a string / Decimal / int (never a float)
- `yuan_str(80000) == "800.00"`  JSON representation
- `yuan_display(120000) == "¥1,200.00"`  what people read
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FEN_PER_YUAN = 100
MAX_FEN = 10**15  # 10 trillion yuan: far above any budget, far below BIGINT


def to_fen(value, *, allow_negative: bool = False) -> int:
    """Parse an amount of yuan into integer fen. Refuses floats, more than 2 decimals, junk."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValidationError(_("金额必须以字符串或整数给出，例如 \"800.00\"。"), code="money_type")
    if isinstance(value, int):
        amount = Decimal(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "").removeprefix("¥").removeprefix("￥")
        try:
            amount = Decimal(text)
        except (InvalidOperation, ValueError):
            raise ValidationError(_("请输入有效的金额，例如 800.00。"), code="money_invalid") from None
    if not amount.is_finite():
        raise ValidationError(_("请输入有效的金额，例如 800.00。"), code="money_invalid")
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(_("金额最多保留两位小数（分）。"), code="money_precision")
    fen = int((amount * FEN_PER_YUAN).to_integral_value(rounding=ROUND_HALF_UP))
    if fen < 0 and not allow_negative:
        raise ValidationError(_("金额不能为负数。"), code="money_negative")
    if abs(fen) > MAX_FEN:
        raise ValidationError(_("金额过大。"), code="money_too_large")
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
