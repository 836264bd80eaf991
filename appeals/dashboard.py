"""Appeals widgets for the portal's landing dashboard (see portal/dashboard.py): open and overdue appeals,
sampled payments still to be verified; every number scoped."""

from django.urls import reverse
from django.utils.translation import gettext as _

from portal.scoping import can_see_model

from . import selectors
from .models import Appeal, VerificationRound


def widgets(user) -> list[dict]:
    out = []
    if can_see_model(user, Appeal):
        counts = selectors.appeal_counts(user)
        if counts["overdue"]:
            out.append({"title": _("超期未办结的申诉"), "value": str(counts["overdue"]),
                        "url": reverse("appeals:appeal-list") + "?overdue=true",
                        "hint": _("复核时限已过，请尽快作出决定")})
        if counts["open"]:
            out.append({"title": _("办理中的申诉"), "value": str(counts["open"]),
                        "url": reverse("appeals:appeal-list") + "?status=filed"})
    if can_see_model(user, VerificationRound):
        pending = selectors.checks_pending(user).count()
        if pending:
            out.append({"title": _("待回访核查"), "value": str(pending), "url": reverse("appeals:round-list"),
                        "hint": _("发放后抽样回访，核实资金到户")})
    return out
