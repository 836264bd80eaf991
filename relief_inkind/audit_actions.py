"""The audit action names of relief in kind (`relief_inkind.<noun>_<verb>`). Values never change once
written (old rows and the hash chain keep them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    MERCHANT_REGISTER = "relief_inkind.merchant_register", _("登记签约商户")
    MERCHANT_UPDATE = "relief_inkind.merchant_update", _("修改签约商户")
    VOUCHER_TERMS_SET = "relief_inkind.voucher_terms_set", _("设置消费券规则")
    VOUCHERS_ISSUE = "relief_inkind.vouchers_issue", _("发放消费券")
    VOUCHER_REDEEM = "relief_inkind.voucher_redeem", _("核销消费券")
    VOUCHERS_PRINT = "relief_inkind.vouchers_print", _("打印消费券（含完整券码）")
    VOUCHERS_EXPIRE = "relief_inkind.vouchers_expire", _("消费券到期退回预算")
    STATEMENT_CREATE = "relief_inkind.statement_create", _("生成结算单")
    STATEMENT_SETTLE = "relief_inkind.statement_settle", _("结算单付款确认")
