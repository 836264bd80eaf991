"""medical_pooling joins portal flows through portal's signals."""

from django.dispatch import receiver

from portal.roles import Role
from portal.signals import portal_user_saved

from .services import institution_ensure  # no cycle: this module is imported from AppConfig.ready()


@receiver(portal_user_saved, dispatch_uid="medical_pooling.institution_for_user")
def institution_for_user(sender, user, options=None, **kwargs):
    """`create_portal_user --role institution --institution CODE` leaves an Institution row."""
    if user.role != Role.INSTITUTION or not user.institution_code:
        return
    institution_ensure(code=user.institution_code, name=(options or {}).get("name") or "", actor=None)
