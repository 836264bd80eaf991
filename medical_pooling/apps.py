from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedicalPoolingConfig(AppConfig):
    name = "medical_pooling"
    verbose_name = _("医保个人账户共济")
    nav_items = ()
