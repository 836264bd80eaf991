"""Apps contribute menu entries through their AppConfig (`nav_items`); portal knows no app."""

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
                              "section": config.verbose_name, "icon": item.icon})
    return items
