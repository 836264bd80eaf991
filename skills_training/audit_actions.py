"""The audit action names of the certification app: one enumeration, used by every `audit(action=...)`.

The values are the strings stored in `AuditEvent.action` (unchanged by the redesign, so old rows and the
hash chain read as before); the labels are what people read.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    INSTITUTION_CREATE = "training.institution_create", _("新增培训评价机构")
    CLASS_CREATE = "training.class_create", _("开设培训班")
    INSTITUTION_UPDATE = "training.institution_update", _("修改培训评价机构")
    CLASS_UPDATE = "training.class_update", _("修改培训班")
    ENROLMENT_CREATE = "training.enrolment_create", _("学员报名")
    ENROLMENT_UPDATE = "training.enrolment_update", _("登记出勤与结业")
    SITTING_CREATE = "training.sitting_create", _("安排考试场次")
    ASSESSOR_CREATE = "training.assessor_create", _("考评员入册")
    CANDIDATE_ADMIT = "training.candidate_admit", _("考生报名（准考证）")
    SITTING_RESULTS_IMPORT = "training.sitting_results_import", _("导入场次成绩")
    SITTING_RESULTS_PUBLISH = "training.sitting_results_publish", _("公示场次成绩")
    OBJECTION_RECORD = "training.objection_record", _("登记成绩异议")
    OBJECTION_RESOLVE = "training.objection_resolve", _("处理成绩异议")
    SITTING_CERTIFICATES_ISSUE = "training.sitting_certificates_issue", _("公示期满颁发证书")
    ASSESSMENT_RECORD = "training.assessment_record", _("录入评价成绩")
    CERTIFICATE_ISSUE = "training.certificate_issue", _("颁发技能等级证书")
    CERTIFICATE_REVOKE = "training.certificate_revoke", _("撤销证书")
    CERTIFICATE_REISSUE = "training.certificate_reissue", _("补发证书")
    COMPETITION_CREATE = "training.competition_create", _("新增技能大赛")
    ENTRY_CREATE = "training.entry_create", _("选手报名参赛")
    ENTRY_SCORE = "training.entry_score", _("评委评分")
    ENTRY_AWARD = "training.entry_award", _("评定奖项")
    PROMOTION_APPLY = "training.promotion_apply", _("竞赛晋升等级")
    FOLLOWUP_RECORD = "training.followup_record", _("就业回访")
    REFERRAL_CREATE = "training.referral_create", _("就业帮扶转介")
    BRAND_TRADE_SAVE = "training.brand_trade_save", _("保存劳务品牌板块")
    BRAND_EVENT_SAVE = "training.brand_event_save", _("登记劳务品牌活动")
    PILOT_REGION_SAVE = "training.pilot_region_save", _("登记标准先行试点地区")
