"""Every audit action medical_pooling writes, in one style: `pooling.<noun>_<verb>`.

Rows written before this enumeration keep their old names (`pooling.spend.created` …): the audit chain
hashes each row's action, so they are never rewritten.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    INSURED_CREATE = "pooling.insured_create", _("参保登记")
    INSURED_STATUS_CHANGE = "pooling.insured_status_change", _("参保状态变更")
    ACCOUNT_CONTRIBUTE = "pooling.account_contribute", _("个人账户划入")
    WALLET_OPEN = "pooling.wallet_open", _("开通个人医保钱包")
    RELATION_CREATE = "pooling.relation_create", _("建立共济关系")
    RELATION_ACCEPT = "pooling.relation_accept", _("确认共济关系")
    RELATION_QUOTA_CHANGE = "pooling.relation_quota_change", _("调整共济额度")
    RELATION_DISSOLVE = "pooling.relation_dissolve", _("解除共济关系")
    INSTITUTION_CREATE = "pooling.institution_create", _("登记定点医药机构")
    PAYMENT_CODE_ISSUE = "pooling.payment_code_issue", _("生成共济付款码")
    SPEND_CREATE = "pooling.spend_create", _("登记共济支付")
    OWN_SPEND_CREATE = "pooling.own_spend_create", _("登记本人账户支付")
    PREMIUM_PAY = "pooling.premium_pay", _("共济缴纳保费")
    SPEND_REFUND = "pooling.spend_refund", _("共济支付退款")
    SPEND_REFUND_ON_REVIEW = "pooling.spend_refund_on_review", _("申诉复核后共济支付退款")
    SETTLEMENT_ENQUEUE = "pooling.settlement_enqueue", _("提交月度清算")
    SETTLEMENT_RUN = "pooling.settlement_run", _("执行月度清算")
    REGION_RULE_SET = "pooling.region_rule_set", _("设置统筹地区共济规则")
    FRAUD_ALERT_REVIEW = "pooling.fraud_alert_review", _("核查共济疑点")
