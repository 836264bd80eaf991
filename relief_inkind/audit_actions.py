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
    ITEM_CREATE = "relief_inkind.item_create", _("登记救助物资")
    POINT_CREATE = "relief_inkind.point_create", _("设立实物发放点")
    STOCK_RECEIVE = "relief_inkind.stock_receive", _("物资入库")
    PACKAGE_SET = "relief_inkind.package_set", _("设置实物发放标准")
    DISTRIBUTION_LIST = "relief_inkind.distribution_list", _("生成实物发放清单")
    HANDOVER_RECORD = "relief_inkind.handover_record", _("实物发放签收")
    SIGNATURE_DOWNLOAD = "relief_inkind.signature_download", _("查看签收凭证")
    COMPANY_REGISTER = "relief_inkind.company_register", _("登记供热单位")
    HEATING_ACCOUNT_SET = "relief_inkind.heating_account_set", _("登记供热用户号")
    WAIVER_LIST = "relief_inkind.waiver_list", _("生成取暖费减免清单")
    WAIVER_EXPORT = "relief_inkind.waiver_export", _("导出取暖费减免清单")
    WAIVER_CONFIRM = "relief_inkind.waiver_confirm", _("供热单位确认减免")
