from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _nav_items():
    from portal.models import Role
    from portal.navigation import NavItem

    return (
        NavItem(_("我的医保共济"), "medical_pooling:me", frozenset({Role.INSURED}),
                _("查看个人账户余额、共济额度，添加亲属、调整额度、解除共济，查看每一笔资金使用。")),
        NavItem(_("共济支付登记"), "medical_pooling:spend", frozenset({Role.INSTITUTION}),
                _("凭付款码为被共济人或参保人本人登记医疗、购药支付。")),
        NavItem(_("参保人管理"), "medical_pooling:insured-list", frozenset({Role.INSURANCE_OFFICER}),
                _("参保登记、状态变更、个人账户与共济关系查询。")),
        NavItem(_("跨地区月度清算"), "medical_pooling:settlements", frozenset({Role.INSURANCE_OFFICER}),
                _("按月全额清算统筹地区之间的共济支付，查看清算单。")),
        NavItem(_("各地共济规则"), "medical_pooling:rules", frozenset({Role.INSURANCE_OFFICER}),
                _("各统筹地区允许的支付类别、单笔和每月上限、钱包开通日期、结算期限。")),
        NavItem(_("共济统计"), "medical_pooling:statistics", frozenset({Role.INSURANCE_OFFICER}),
                _("开通地区、共济关系、支付人次和金额按月统计，省内与跨省、已清算与待清算、按地区对；图表与导出。")),
        NavItem(_("共济疑点核查"), "medical_pooling:fraud", frozenset({Role.INSURANCE_OFFICER}),
                _("反欺诈规则发现的异常共济行为，逐条核查。")),
    )


class MedicalPoolingConfig(AppConfig):
    name = "medical_pooling"
    verbose_name = _("医保个人账户共济")
    nav_items = ()

    def ready(self):
        from . import signals  # noqa: F401

        self.nav_items = _nav_items()
