from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    """Casework inside assistance: applications, temporary aid, street relief, visits, proactive discovery."""

    name = "assistance.casework"
    label = "casework"
    verbose_name = _("救助业务经办")
    nav_items = ()
