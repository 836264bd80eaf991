from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from portal.navigation import NavItem
from portal.roles import CIVIL_STAFF, Role


class ReliefInkindConfig(AppConfig):
    """Relief in forms other than cash: vouchers (消费券), goods in kind (实物) and heating-fee waivers
    (减免取暖费用). A batch of a scheme with one of these payment forms pays through this app's channel
    (`relief_inkind.channels`, registered with `assistance.channels`) instead of the bank."""

    name = "relief_inkind"
    label = "relief_inkind"
    verbose_name = _("实物与消费券救助")
    nav_items = (
        NavItem(_("消费券"), "relief_inkind:voucher-list", CIVIL_STAFF, _("发券、签约商户、核销与结算、到期退回"), group=_("资金发放")),
        NavItem(_("实物发放"), "relief_inkind:goods", CIVIL_STAFF, _("发放点库存、发放清单、签收"), group=_("资金发放")),
        NavItem(_("取暖费减免"), "relief_inkind:heating", CIVIL_STAFF | {Role.HEATING_COMPANY},
                _("供热单位、减免清单导出与确认、结算"), group=_("资金发放")),
        NavItem(_("消费券核销"), "relief_inkind:redeem", frozenset({Role.MERCHANT}), _("商户核销消费券、查看结算单")),
        NavItem(_("结算单"), "relief_inkind:statement-list", frozenset({Role.MERCHANT, Role.HEATING_COMPANY}),
                _("本单位的结算单")),
    )

    def ready(self):
        from assistance import channels as assistance_channels

        from . import channels, signals  # noqa: F401 - signal receivers

        for channel in channels.ALL:
            assistance_channels.register(channel)
