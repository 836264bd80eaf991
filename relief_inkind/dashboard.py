"""Relief-in-kind widgets for the landing dashboard: goods waiting to be handed over and waivers waiting
for their company (staff), redemptions not yet on a statement (a merchant); every number scoped."""

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.money import yuan_display
from portal.roles import Role
from portal.scoping import can_see_model

from . import selectors
from .models import DistributionLine, Redemption, WaiverLine


def widgets(user) -> list[dict]:
    out = []
    if user.role == Role.MERCHANT and can_see_model(user, Redemption):
        t = selectors.redemption_list(user).filter(statement__isnull=True).aggregate(n=Count("id"), s=Sum("amount"))
        out.append({"title": _("待结算的消费券核销"), "value": f"{t['n']} · {yuan_display(t['s'] or 0)}",
                    "url": reverse("relief_inkind:redeem")})
        return out
    if user.role != Role.MERCHANT and can_see_model(user, WaiverLine):
        waiting = selectors.waiver_list(user).filter(status=WaiverLine.Status.SENT).count()
        if waiting:
            out.append({"title": _("待供热单位确认的取暖费减免"), "value": str(waiting),
                        "url": reverse("relief_inkind:heating")})
    if can_see_model(user, DistributionLine):
        pending = selectors.distribution_list(user).filter(status=DistributionLine.Status.PENDING).count()
        if pending:
            out.append({"title": _("待领取的实物"), "value": str(pending), "url": reverse("relief_inkind:goods"),
                        "hint": _("发放点登记领取并签收")})
    return out
