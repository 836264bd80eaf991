"""The one gate for writes. Every service calls `require` before it changes anything.

    require(actor, roles=CIVIL_STAFF, region=household.region_id)

- `roles`: the roles that may do it (admins always may);
- `region`: the region code the change is located in; staff must hold it (their region or above);
- `not_user`: a user who may *not* do it (the maker of a batch, the caseworker who took an
  application): maker-checker in one line;
- `message`: the refusal's words when the default ones would say too little.

A refusal is `django.core.exceptions.PermissionDenied`, which every surface turns into 403: pages
(Django's handler), the API (`portal.api.errors`), admin actions (`portal.admin_tools.run_action`)
and tasks (logged and dropped). Reads have their own gate, `portal.scoping.restrict` (absent = 404).
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .roles import CIVIL_STAFF, Role
from .scoping import region_in_scope

__all__ = ["CIVIL_STAFF", "Role", "allowed", "require"]


def require(actor, *, roles: Iterable[str] | None = None, region: str | None = None,
            not_user=None, message: str | None = None) -> None:
    """Refuse (PermissionDenied) unless `actor` may write here. Returns nothing; raising is the answer."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(message or _("请先登录。"))
    if roles is not None and not actor.has_role(*roles):
        raise PermissionDenied(message or _("您的角色无权执行此操作。"))
    if region is not None and not region_in_scope(actor, region):
        raise PermissionDenied(message or _("该区域不在您的管辖范围内。"))
    if not_user is not None and getattr(not_user, "pk", not_user) == actor.pk:
        raise PermissionDenied(message or _("同一事项须由另一名工作人员办理。"))


def allowed(actor, **kwargs) -> bool:
    """The same test as `require`, as a yes/no for templates and menus (never a substitute for it)."""
    try:
        require(actor, **kwargs)
    except PermissionDenied:
        return False
    return True
