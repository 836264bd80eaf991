"""The audit action names of the certification app: one enumeration, used by every `audit(action=...)`.

The values are the strings stored in `AuditEvent.action` (unchanged by the redesign, so old rows and the
hash chain read as before); the labels are what people read.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    INSTITUTION_CREATE = "training.institution_create", _("新增培训评价机构")
    CLASS_CREATE = "training.class_create", _("开设培训班")
    ENROLMENT_CREATE = "training.enrolment_create", _("学员报名")
    ENROLMENT_UPDATE = "training.enrolment_update", _("登记出勤与结业")
    SITTING_CREATE = "training.sitting_create", _("安排考试场次")
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
