from .navigation import nav_for, nav_groups


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {"nav_items": [], "nav_groups": []}
    return {"nav_items": nav_for(user), "nav_groups": nav_groups(user, getattr(request, "path", ""))}
