"""Casework widgets for the portal's landing dashboard (see portal/dashboard.py): overdue hand-overs on
both sides, unacknowledged notices from other regions, open review tasks; every number scoped."""

from django.urls import reverse
from django.utils.translation import gettext as _

from portal.scoping import can_see_model

from . import selectors
from .models import Handover


def widgets(user) -> list[dict]:
    if not can_see_model(user, Handover):
        return []
    out = []
    overdue = selectors.handover_overdue_counts(user)
    if overdue["incoming"] or overdue["outgoing"]:
        out.append({"title": _("超时未签收的跨区域转送"),
                    "value": _("待本地签收 %(i)d · 待对方签收 %(o)d") % {"i": overdue["incoming"], "o": overdue["outgoing"]},
                    "url": reverse("casework:handover-list") + "?overdue=1",
                    "hint": _("接送返乡须由接收地在时限内签收")})
    unacked = selectors.home_notices(user).filter(acknowledged_at__isnull=True)
    if user.region_id:
        from portal.scoping import region_q
        unacked = unacked.filter(region_q("region_id", user.region_id))
    n = unacked.count()
    if n:
        out.append({"title": _("待签收的异地救助通报"), "value": str(n), "url": reverse("casework:notice-list"),
                    "hint": _("本地户籍人员在外地获得临时救助")})
    return out
