"""The landing dashboard: each app may contribute widgets through `<app>/dashboard.py: widgets(user)`.

A widget is a dict: {"title", "value" (text), "hint"?, "url"?, "chart"? (SVG from portal.charts)}.
Each app scopes its own numbers with the scoping gate; portal imports no app.
"""

import importlib
import logging

from django.apps import apps

log = logging.getLogger(__name__)


def widgets_for(user) -> list[dict]:
    out = []
    for config in apps.get_app_configs():
        if config.name == "portal":
            continue
        try:
            module = importlib.import_module(f"{config.name}.dashboard")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.dashboard":
                raise
            continue
        for widget in module.widgets(user):
            out.append({**widget, "section": config.verbose_name})
    return out
