"""Audit action names written by the portal foundation (`portal.<noun>_<verb>`): reads of full personal
data that happen outside one app's services (admin, downloads). Values never change once written."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    PERSON_VIEW = "portal.person_view", _("查看人员信息（管理后台）")
    PERSON_CHANGE = "portal.person_change", _("修改人员信息（管理后台）")
    BANK_FILE_DOWNLOAD = "portal.bank_file_download", _("下载银行代发文件")
    DOCUMENT_DOWNLOAD = "portal.document_download", _("下载申请材料")
    CERTIFICATE_PDF = "portal.certificate_pdf", _("下载证书 PDF")
    PERSON_LOOKUP_LIMITED = "portal.person_lookup_limited", _("按身份证号码查询超出频率限制")
    PII_REVEAL = "portal.pii_reveal", _("查看完整身份证号码、电话或账号")
