"""What every service of the certification app shares: the write gate, the scoring constants and helpers."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.permissions import require
from portal.roles import Role

PASS_MARK = Decimal("60")
MAX_SCORE = Decimal("100")
CARRY_OVER_YEARS = 2
TWO_PLACES = Decimal("0.01")
LEVEL_NAMES_ZH = {5: "五级", 4: "四级", 3: "三级", 2: "二级", 1: "一级"}

TRAINING_STAFF = frozenset({Role.TRAINING_STAFF})


def require_staff(actor, region: str, *, message: str | None = None) -> None:
    """The gate of the training staff's writes: the role (default refusal words), then `region` within the
    actor's scope (`message`: the refusal's words naming what is out of scope)."""
    require(actor, roles=TRAINING_STAFF)
    require(actor, region=region, message=message)


def evaluation_region(actor, institution, region_code: str | None) -> str:
    """Where a sitting or an assessment takes place (the institution's region, else the one given, else the
    actor's own), once the actor has passed the gate for it."""
    region_code = institution.region_id if institution else (region_code or getattr(actor, "region_id", None))
    if not region_code:
        raise ValidationError({"region": [_("请指定评价区域或评价机构。")]})
    require(actor, region=region_code, message=_("评价区域不在您的管辖范围内。"))
    return region_code


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def parse_score(value, field_name: str) -> Decimal:
    """A score out of 100 with at most two decimals (strings, ints or JSON numbers; read via str)."""
    if isinstance(value, bool) or value is None or value == "":
        raise ValidationError({field_name: [_("请填写成绩（0–100）。")]})
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field_name: [_("成绩必须是0到100之间的数字。")]}) from None
    if not score.is_finite() or score < 0 or score > MAX_SCORE:
        raise ValidationError({field_name: [_("成绩必须在0到100之间。")]})
    if score != score.quantize(TWO_PLACES):
        raise ValidationError({field_name: [_("成绩最多保留两位小数。")]})
    return score.quantize(TWO_PLACES)


def mask_name(name: str) -> str:
    """王建国 -> 王*国, 王芳 -> 王*, 欧阳小明 -> 欧**明."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
