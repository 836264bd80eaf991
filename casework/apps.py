from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from portal.navigation import NavItem
from portal.roles import CIVIL_STAFF


class CaseworkConfig(AppConfig):
    """Casework: applications, temporary aid, street relief, visits, proactive discovery.

    A top-level app that reads `assistance` (households, enrolments) by design; its label stays
    `casework`, so its tables, migrations and content types are those it always had."""

    name = "casework"
    label = "casework"
    verbose_name = _("救助业务经办")
    nav_items = (
        NavItem(_("救助申请"), "casework:application-list", CIVIL_STAFF, _("受理、审核、确认；超期提醒"),
                group=_("救助经办")),
        NavItem(_("临时救助"), "casework:aid-list", CIVIL_STAFF, _("小额快救、急难发生地救助、审批与复核"),
                group=_("救助经办")),
        NavItem(_("街面巡查"), "casework:patrol-list", CIVIL_STAFF, _("巡查、救助记录、身份不明人员"),
                group=_("街面救助")),
        NavItem(_("救助场所"), "casework:shelter-list", CIVIL_STAFF, _("避寒场所、救助点、求助引导点"),
                group=_("街面救助")),
        NavItem(_("受灾人员救助"), "casework:disaster-list", CIVIL_STAFF, _("灾害事件、受灾家庭、应急期和过渡期生活救助、复核"),
                group=_("救助经办")),
        NavItem(_("跨区域转送"), "casework:handover-list", CIVIL_STAFF, _("接送返乡、接收地签收、异地救助通报"),
                group=_("救助经办")),
        NavItem(_("政策与场所管理"), "casework:manage", CIVIL_STAFF, _("区域政策、快速通道、寒潮预警、救助场所"),
                group=_("统计与政策")),
        NavItem(_("走访慰问"), "casework:visit-list", CIVIL_STAFF, _("入户走访与慰问记录"),
                group=_("走访与监测")),
        NavItem(_("主动发现"), "casework:discovery-list", CIVIL_STAFF, _("动态监测预警任务"),
                group=_("走访与监测")),
        NavItem(_("救助统计"), "casework:report", CIVIL_STAFF, _("分区域、分期间统计与导出"),
                group=_("统计与政策")),
    )
