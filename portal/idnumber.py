"""Resident identity numbers (GB 11643-1999): validation, derived facts, masking.

A number is 17 digits + a check character (0-9 or X) computed with ISO 7064 MOD 11-2. The first
two digits must be an existing province-level code (the county digits may belong to an abolished
county: old cards stay valid), digits 7-14 a real past date.
"""

import datetime as dt
import re
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .regions_source import province_prefixes

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalize(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def birth_date(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def sex(id_number: str) -> str:
    """'M' or 'F' from the order code's parity (digit 17)."""
    return "M" if int(id_number[16]) % 2 else "F"


def validate_id_number(value: str) -> str:
    """Return the normalised number or raise ValidationError with a Chinese message."""
    number = normalize(value)
    if not _SHAPE.match(number):
        raise ValidationError(_("身份证号码应为18位：17位数字加1位校验码（数字或X）。"), code="id_shape")
    if number[:2] not in province_prefixes():
        raise ValidationError(_("身份证号码前两位不是有效的省级行政区划代码。"), code="id_region")
    try:
        born = birth_date(number)
    except ValueError:
        raise ValidationError(_("身份证号码中的出生日期无效。"), code="id_birth") from None
    if born.year < 1880 or born > timezone.localdate():
        raise ValidationError(_("身份证号码中的出生日期无效。"), code="id_birth")
    if check_char(number[:17]) != number[17]:
        raise ValidationError(_("身份证号码校验码错误，请核对后重新输入。"), code="id_check")
    return number


def is_valid(value: str) -> bool:
    try:
        validate_id_number(value)
    except ValidationError:
        return False
    return True


def mask(id_number: str | None) -> str:
    """610102********0015: region digits and the last four stay; the birth date is hidden."""
    if not id_number:
        return ""
    if not isinstance(id_number, str):  # a stored value (portal.pii.Sealed): its stored masked form
        return str(id_number)
    if len(id_number) != 18:
        return "*" * len(id_number)
    return f"{id_number[:6]}{'*' * 8}{id_number[14:]}"


@lru_cache(maxsize=1)
def _pattern():
    return re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?!\d)")


_ACCOUNT = re.compile(r"(?<!\d)\d{8,15}(\d{4})(?!\d)")


def scrub(text: str) -> str:
    """Mask ID-shaped runs and bank-account-like digit runs (12-19 digits) in free text (logging filter)."""
    text = _pattern().sub(lambda m: f"{m.group(1)}{'*' * 8}{m.group(3)}", text)
    return _ACCOUNT.sub(lambda m: "*" * (len(m.group(0)) - 4) + m.group(1), text)


def make(first17: str) -> str:
    """Complete 17 digits with their check character (test data and generators)."""
    return first17 + check_char(first17)
