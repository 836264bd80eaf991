from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from portal.navigation import NavItem
from portal.roles import CIVIL_STAFF, Role


class AppealsConfig(AppConfig):
    """Appeals and complaints (申诉 / 复核) against rejections, stops, amounts and pooled spends; checking
    that money arrived after a batch is paid (回访核查). Reaches assistance, casework and medical_pooling
    only through their services for every write."""

    name = "appeals"
    label = "appeals"
    verbose_name = _("申诉复核与回访核查")
    nav_items = (
        NavItem(_("申诉复核"), "appeals:appeal-list", CIVIL_STAFF | {Role.INSURANCE_OFFICER, Role.INSURED},
                _("不予认定、停发、金额、共济支付的申诉与复核"),
                group=_("救助经办"), secondary=True),
        NavItem(_("回访核查"), "appeals:round-list", CIVIL_STAFF, _("发放后按区县抽样回访，核实资金到户"), group=_("资金发放")),
    )
