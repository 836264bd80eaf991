"""The audit action names of appeals (`appeals.<noun>_<verb>`); values never change once written."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    APPEAL_FILE = "appeals.appeal_file", _("受理申诉")
    APPEAL_REVIEW_START = "appeals.appeal_review_start", _("开始复核申诉")
    APPEAL_DECIDE = "appeals.appeal_decide", _("作出申诉复核决定")
    APPEAL_WITHDRAW = "appeals.appeal_withdraw", _("撤回申诉")
    VERIFICATION_DRAW = "appeals.verification_draw", _("抽取回访核查样本")
    VERIFICATION_RECORD = "appeals.verification_record", _("登记回访核查结果")
