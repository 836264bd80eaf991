"""Apps contribute menu entries through their AppConfig (`nav_items`); portal knows no app.

An entry may name a `group`: the top menu shows one dropdown per group (so a role's menu fits one row at
1366 px). An entry without a group falls into its app's group (the AppConfig's verbose_name). A group with
a single entry for the user is shown as a plain link."""

from dataclasses import dataclass, field

from django.apps import apps
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset = field(default_factory=frozenset)
    description: str = ""
    icon: str = ""
    group: str = ""
    # an entry every role may open now and then (appeals) that does not make a one-function user's home a
    # workbench: the insured still lands on their account
    secondary: bool = False


def nav_for(user) -> list[dict]:
    if not getattr(user, "is_authenticated", False):
        return []
    items = []
    for config in apps.get_app_configs():
        for item in getattr(config, "nav_items", ()):
            if user.has_role(*item.roles):
                try:
                    url = reverse(item.url_name)
                except NoReverseMatch:
                    continue
                items.append({"label": item.label, "url": url, "description": item.description,
                              "section": config.verbose_name, "icon": item.icon,
                              "group": getattr(item, "group", "") or config.verbose_name,
                              "secondary": item.secondary})
    return items


def nav_groups(user, path: str = "") -> list[dict]:
    """The user's menu entries by group, in the order the groups first appear: [{label, items, active}]."""
    items = nav_for(user)
    # the current entry: the one whose address is the longest start of the current path
    matches = [i for i in items if path and (path == i["url"] or i["url"] != "/" and path.startswith(i["url"]))]
    current = max(matches, key=lambda i: len(i["url"]))["url"] if matches else None
    groups: dict[str, dict] = {}
    for item in items:
        key = str(item["group"])
        group = groups.setdefault(key, {"label": item["group"], "items": [], "active": False})
        item = {**item, "active": item["url"] == current}
        group["items"].append(item)
        group["active"] = group["active"] or item["active"]
    for n, group in enumerate(groups.values()):
        group["id"] = f"nav-group-{n}"
    return list(groups.values())
