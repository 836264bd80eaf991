from .navigation import nav_for


def navigation(request):
    user = getattr(request, "user", None)
    return {"nav_items": nav_for(user) if user is not None else []}
