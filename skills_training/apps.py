from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from portal.navigation import NavItem
from portal.roles import Role


class SkillsTrainingConfig(AppConfig):
    name = "skills_training"
    verbose_name = _("药膳制作师技能评价")

    @property
    def nav_items(self):
        staff = frozenset({Role.TRAINING_STAFF})
        return (
            NavItem(_("技能评价"), "skills_training:assessment-list", staff, _("录入理论、技能成绩，通过即发证")),
            NavItem(_("技能等级证书"), "skills_training:certificate-list", staff, _("证书查询、打印、撤销与补发")),
            NavItem(_("培训班"), "skills_training:class-list", staff, _("培训机构、班级、学员报名与出勤")),
            NavItem(_("考试场次"), "skills_training:sitting-list", staff,
                    _("安排场次、考生准考证、导入成绩表、公示、异议与期满发证")),
            NavItem(_("考评员名册"), "skills_training:assessor-list", staff, _("考评员及其资格、可考评等级")),
            NavItem(_("技能大赛"), "skills_training:competition-list", staff, _("赛事、参赛作品、评分、奖项与晋升")),
            NavItem(_("就业回访"), "skills_training:followup-list", staff, _("持证人员就业去向与收入变化")),
            NavItem(_("亳州养生劳务品牌"), "skills_training:dashboard", staff, _("培训、证书、通过率、就业看板")),
            NavItem(_("品牌板块与活动"), "skills_training:brand", staff,
                    _("药膳、药茶、推拿等板块及其职业标准，论坛、展销会等品牌活动，标准先行试点地区")),
            NavItem(_("就业帮扶转介"), "skills_training:referral-list",
                    frozenset({Role.CASEWORKER, Role.APPROVER, Role.TRAINING_STAFF}),
                    _("救助家庭成员转介技能培训，跟踪取证与就业")),
            NavItem(_("证书查验"), "skills_training:verify", staff, _("公开的证书真伪查询")),
        )
