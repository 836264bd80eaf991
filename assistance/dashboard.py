"""Widgets for the portal's landing dashboard (see portal/dashboard.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from portal.charts import bar, whole_yuan
from portal.roles import Role
from portal.scoping import can_see_model

from . import selectors
from .models import Batch, Household
from .services.bank import unbalanced_batches


def widgets(user) -> list[dict]:
    if not can_see_model(user, Household):
        return []
    households = selectors.household_count(user)
    if households is None:
        households = selectors.household_list(user).count()
    drafts = selectors.batch_list(user).filter(status=Batch.Status.DRAFT).count()
    out = [
        {"title": _("救助家庭"), "value": f"{households:,}", "url": reverse("assistance:household-list")},
        {"title": _("待审批批次"), "value": str(drafts), "url": reverse("assistance:batch-list"),
         "hint": _("制单人以外的审批人员审批")},
    ]
    overdue = selectors.reviews_overdue_count(user)
    if overdue:
        out.append({"title": _("逾期未复核的救助家庭"), "value": str(overdue), "url": reverse("assistance:review-queue"),
                    "hint": _("按各地复核周期应复核而未复核")})
    if user.has_role(Role.APPROVER):
        unbalanced = list(unbalanced_batches(selectors.batch_list(user)).values_list("id", flat=True)[:10])
        if unbalanced:
            out.append({"title": _("对账不平的批次"), "value": " ".join(f"#{i}" for i in unbalanced),
                        "url": reverse("assistance:batch-detail", args=[unbalanced[0]]),
                        "hint": _("本系统与银行的发放数据不一致，请核查")})
        changes = selectors.account_changes_pending(user).count()
        if changes:
            out.append({"title": _("待复核的账号变更"), "value": str(changes),
                        "url": reverse("assistance:account-changes"), "hint": _("须由申请人以外的审批人员复核")})
    progress = selectors.deadline_progress(user)[:8]
    if progress:
        # amounts in whole yuan, not the share of the budget: a scheme that has paid ¥146,150 of a ¥50 million
        # budget is at 0.29 %, a bar too thin to see on a percentage axis; the share is in its label
        labels = [f"{p['scheme'].name}（{_share(p)}）" for p in progress]
        out.append({
            "title": _("预算执行"), "url": reverse("assistance:deadlines"),
            "chart": bar(_("已发放与已冻结金额（元）"), labels,
                         {_("已发放"): [whole_yuan(p["scheme"].paid) for p in progress],
                          _("已冻结"): [whole_yuan(p["scheme"].reserved) for p in progress]},
                         horizontal=True, formatter=lambda v: f"¥{v:,.0f}"),
        })
    return out


def _share(progress: dict) -> str:
    scheme = progress["scheme"]
    if not progress["budget_percent"] and scheme.paid + scheme.reserved:
        return _("不足0.01%")
    return f"{progress['budget_percent']}%"
