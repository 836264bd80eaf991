from rest_framework.permissions import BasePermission


def HasRole(*roles):  # noqa: N802 - reads like a class in permission_classes
    """Permission class allowing the given roles (and admins)."""

    class _HasRole(BasePermission):
        message = "您的角色无权执行此操作。"

        def has_permission(self, request, view):
            user = request.user
            return bool(user and user.is_authenticated and user.has_role(*roles))

    _HasRole.__name__ = "HasRole_" + "_".join(str(r) for r in roles)
    return _HasRole
