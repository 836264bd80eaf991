"""A merchant or heating-company user is linked to a registered counterparty by its code."""

from django.core.management.base import CommandError
from django.dispatch import receiver

from portal.roles import Role
from portal.signals import portal_user_saved


@receiver(portal_user_saved, dispatch_uid="relief_inkind.counterparty_for_user")
def counterparty_for_user(sender, user, options=None, **kwargs):
    from .models import HeatingCompany, Merchant

    if user.role == Role.MERCHANT and not Merchant.objects.filter(code=user.institution_code).exists():
        raise CommandError(f"未登记的商户编码：{user.institution_code}（请先由民政经办人员登记商户）")
    if user.role == Role.HEATING_COMPANY and not HeatingCompany.objects.filter(code=user.institution_code).exists():
        raise CommandError(f"未登记的供热单位编码：{user.institution_code}（请先由民政经办人员登记供热单位）")
