"""The audit action names of casework, one enumeration (`casework.<noun>_<verb>`).

The values are what `portal.models.AuditEvent.action` stores; they never change once written (old rows
and the hash chain keep them), so a new action gets a new value and an old one is never renamed
(`document_add` and `cold_wave_alert` keep the shorter names they were first written with).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    POLICY_SET = "casework.policy_set", _("设置区域救助政策")
    FAST_TRACK_CREATE = "casework.fast_track_create", _("设立快速通道期")
    APPLICATION_INTAKE = "casework.application_intake", _("受理救助申请")
    DOCUMENT_ADD = "casework.document_add", _("上传申请材料")
    APPLICATION_REVIEW = "casework.application_review", _("审核救助申请")
    APPLICATION_CONFIRM = "casework.application_confirm", _("确认救助申请")
    APPLICATION_REJECT = "casework.application_reject", _("不予认定")
    AID_CREATE = "casework.aid_create", _("登记临时救助")
    AID_APPROVE = "casework.aid_approve", _("审批临时救助")
    AID_REJECT = "casework.aid_reject", _("不予批准临时救助")
    AID_POST_REVIEW = "casework.aid_post_review", _("临时救助事后复核")
    AID_PAY = "casework.aid_pay", _("发放临时救助")
    SHELTER_CREATE = "casework.shelter_create", _("设立救助场所")
    SHELTER_RELEASE = "casework.shelter_release", _("救助场所人员离站")
    INVENTORY_CREATE = "casework.inventory_create", _("登记救助物资库存")
    PATROL_CREATE = "casework.patrol_create", _("登记街面巡查")
    ENCOUNTER_CREATE = "casework.encounter_create", _("登记街面救助")
    UNIDENTIFIED_LINK = "casework.unidentified_link", _("查明身份不明人员")
    COLD_WAVE_ALERT = "casework.cold_wave_alert", _("发布寒潮预警")
    VISIT_CREATE = "casework.visit_create", _("登记走访慰问")
    DISCOVERY_SCAN = "casework.discovery_scan", _("主动发现扫描")
    DISCOVERY_RESOLVE = "casework.discovery_resolve", _("处理主动发现任务")
    SHELTER_UPDATE = "casework.shelter_update", _("修改救助场所")
    SHELTER_CHECK_IN = "casework.shelter_check_in", _("救助场所入住登记")
    SHELTER_CHECK_OUT = "casework.shelter_check_out", _("救助场所离站登记")
    HANDOVER_CREATE = "casework.handover_create", _("发起跨区域转送（接送返乡）")
    HANDOVER_ACKNOWLEDGE = "casework.handover_acknowledge", _("签收跨区域转送")
    HANDOVER_COMPLETE = "casework.handover_complete", _("跨区域转送完成接收")
    HOME_NOTICE_ACKNOWLEDGE = "casework.home_notice_acknowledge", _("签收异地救助通报")
    DISASTER_EVENT_CREATE = "casework.disaster_event_create", _("登记灾害事件")
    DISASTER_HOUSEHOLD_ADD = "casework.disaster_household_add", _("登记受灾家庭")
    DISASTER_IMPORT = "casework.disaster_import", _("导入受灾家庭名单")
    DISASTER_AID = "casework.disaster_aid", _("发放受灾人员生活救助")
    DISASTER_REVIEW_OPEN = "casework.disaster_review_open", _("过渡期结束生成复核任务")
    DISASTER_REVIEW_RESOLVE = "casework.disaster_review_resolve", _("过渡期后救助复核")
    HEATING_AID_GRANT = "casework.heating_aid_grant", _("发放取暖临时救助")
    NOTICE_SEND = "casework.notice_send", _("发送短信通知")
    APPLICATION_REOPEN = "casework.application_reopen", _("申诉后重新审核申请")
    PAYMENT_CHECK_CASE = "casework.payment_check_case", _("回访核查问题立案")
