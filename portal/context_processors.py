from django.utils.translation import gettext_lazy as _

from .navigation import nav_for, nav_groups
from .roles import Role

# The header each programme's people see: the insured, the hospitals and the 医保 officers work in the
# medical-insurance service, the training staff in skills evaluation, the civil-affairs staff in the platform.
BRANDS = {
    Role.INSURED: _("医保个人账户共济服务"),
    Role.INSTITUTION: _("医保个人账户共济服务"),
    Role.INSURANCE_OFFICER: _("医保个人账户共济服务"),
    Role.TRAINING_STAFF: _("职业技能等级评价服务"),
}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {"nav_items": [], "nav_groups": [], "brand": _("社会救助综合服务平台")}
    return {"nav_items": nav_for(user), "nav_groups": nav_groups(user, getattr(request, "path", "")),
            "brand": BRANDS.get(getattr(user, "role", None), _("社会救助综合服务平台"))}
