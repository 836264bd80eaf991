from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from portal.navigation import NavItem
from portal.roles import CIVIL_STAFF


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = _("社会救助")
    nav_items = (
        NavItem(_("救助家庭"), "assistance:household-list", CIVIL_STAFF, _("家庭与成员登记、查询"),
                group=_("救助对象")),
        NavItem(_("救助项目"), "assistance:scheme-list", CIVIL_STAFF, _("寒冬送温暖等专项救助项目"),
                group=_("资金发放")),
        NavItem(_("发放批次"), "assistance:batch-list", CIVIL_STAFF, _("生成名单、审批、发放进度"),
                group=_("资金发放")),
        NavItem(_("发放进度"), "assistance:deadlines", CIVIL_STAFF, _("各区县对照截止日期的发放完成率与预算执行"),
                group=_("资金发放")),
    )
