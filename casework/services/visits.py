"""Home visits and condolence calls (走访慰问) to households."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.models import Household
from portal.permissions import require
from portal.roles import CIVIL_STAFF
from portal.services import audit

from ..audit_actions import AuditAction
from ..models import Visit


@transaction.atomic
def visit_create(*, household: Household, visited_on: dt.date, kind: str, actor, notes: str = "", goods: str = "",
                 cash: int = 0) -> Visit:
    require(actor, roles=CIVIL_STAFF, region=household.region_id)
    if kind not in Visit.Kind.values:
        raise ValidationError({"kind": [_("走访类型无效。")]})
    if cash < 0:
        raise ValidationError({"cash": [_("金额不能为负数。")]})
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": [_("走访日期不能晚于今天。")]})
    visit = Visit.objects.create(household=household, region_id=household.region_id, visited_on=visited_on,
                                 visitor=actor, kind=kind, notes=notes.strip(), goods=goods.strip(), cash=cash)
    audit(actor=actor, action=AuditAction.VISIT_CREATE, obj=visit, region_code=household.region_id,
          after={"kind": kind, "cash": cash})
    return visit
