"""The portal's roles, importable before the apps are loaded (AppConfigs use them for their menus)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("民政经办人员")
    APPROVER = "approver", _("民政审批人员")
    INSURANCE_OFFICER = "insurance_officer", _("医保经办人员")
    INSURED = "insured", _("参保人")
    INSTITUTION = "institution", _("定点医药机构")
    TRAINING_STAFF = "training_staff", _("培训评价机构人员")
    MERCHANT = "merchant", _("消费券签约商户")
    HEATING_COMPANY = "heating_company", _("供热单位")
    ADMIN = "admin", _("系统管理员")


CIVIL_STAFF = frozenset({Role.CASEWORKER, Role.APPROVER})
