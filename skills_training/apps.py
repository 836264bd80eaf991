from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SkillsTrainingConfig(AppConfig):
    name = "skills_training"
    verbose_name = _("药膳制作师技能评价")
    nav_items = ()
