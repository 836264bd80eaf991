"""The audit action names of winter relief, one enumeration (`<app>.<noun>_<verb>`).

The values are what `portal.models.AuditEvent.action` stores; they never change once written (old rows
and the hash chain keep them), so a new action gets a new value and an old one is never renamed.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    HOUSEHOLD_CREATE = "assistance.household_create", _("登记家庭")
    HOUSEHOLD_UPDATE = "assistance.household_update", _("修改家庭信息")
    MEMBER_ADD = "assistance.member_add", _("添加家庭成员")
    MEMBER_MOVE = "assistance.member_move", _("迁入家庭成员")
    ENROLMENT_CREATE = "assistance.enrolment_create", _("救助对象认定")
    ENROLMENT_END = "assistance.enrolment_end", _("救助对象认定终止")
    SCHEME_CREATE = "assistance.scheme_create", _("新建救助项目")
    SCHEME_RETURN_UNSPENT = "assistance.scheme_return_unspent", _("未使用资金退回项目预算")
    BATCH_CREATE = "assistance.batch_create", _("新建发放批次")
    BATCH_BUILT = "assistance.batch_built", _("发放名单生成完毕")
    BATCH_APPROVE = "assistance.batch_approve", _("审批发放批次")
    BATCH_PAYING = "assistance.batch_paying", _("开始发放")
    BATCH_PAID = "assistance.batch_paid", _("发放完成")
    BATCH_CANCEL = "assistance.batch_cancel", _("取消发放批次")
    BATCH_REVERIFY = "assistance.batch_reverify", _("动态核对")
    TOPUP_CREATE = "assistance.topup_create", _("生成取暖补发批次")
    PAYMENT_REISSUE = "assistance.payment_reissue", _("重新发放")
    PAYMENT_CANCEL = "assistance.payment_cancel", _("取消发放明细")
    BANK_RESULT_APPLY = "assistance.bank_result_apply", _("银行回盘入账")
    ALLOCATION_CREATE = "assistance.allocation_create", _("下拨资金")
    BANK_RESULT_REFUSE = "assistance.bank_result_refuse", _("拒绝银行回盘文件")
    BANK_QUERY_APPLY = "assistance.bank_query_apply", _("按参考号查询银行结果入账")
    ACCOUNT_CHANGE_REQUEST = "assistance.account_change_request", _("申请变更收款账号")
    ACCOUNT_CHANGE_DECIDE = "assistance.account_change_decide", _("复核收款账号变更")
    STANDARD_SET = "assistance.standard_set", _("调整救助标准")
    INCOME_ITEM_ADD = "assistance.income_item_add", _("登记家庭收入")
    ASSET_ADD = "assistance.asset_add", _("登记家庭财产")
    MEANS_TEST_RUN = "assistance.means_test_run", _("家庭经济状况核对")
    HOUSEHOLD_ENROL = "assistance.household_enrol", _("家庭救助认定")
    ENROLMENT_SUSPEND = "assistance.enrolment_suspend", _("暂停发放")
    ENROLMENT_RESUME = "assistance.enrolment_resume", _("恢复发放")
    ENROLMENT_STOP = "assistance.enrolment_stop", _("停发")
    ENROLMENT_EXIT = "assistance.enrolment_exit", _("进入渐退期")
    ENROLMENT_RECOMPUTE = "assistance.enrolment_recompute", _("按新标准重新核定救助金")
    PAYROLL_CREATE = "assistance.payroll_create", _("生成月度发放批次")
    REVIEW_COMPLETE = "assistance.review_complete", _("定期复核")
    DEMO_SEED = "assistance.demo_seed", _("载入演示数据")
    ENROLMENT_REINSTATE = "assistance.enrolment_reinstate", _("申诉后恢复发放（补发停发期间）")
    ENROLMENT_AMOUNT_CORRECT = "assistance.enrolment_amount_correct", _("申诉后更正救助金额")
    BATCH_RETURN = "assistance.batch_return", _("退回发放批次")
    BATCH_RESUBMIT = "assistance.batch_resubmit", _("重新提交发放批次")
    PAYMENTS_EXPORT = "assistance.payments_export", _("导出发放明细")
