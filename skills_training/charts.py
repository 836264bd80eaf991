"""Server-side SVG charts (pygal) for the labour-brand dashboard, inlined without any <script>."""

import re

import pygal
from django.utils.safestring import mark_safe
from pygal.style import Style

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)
STYLE = Style(font_family="'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif",
              background="transparent", plot_background="transparent",
              colors=("#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545", "#20c997"))


def _config(**kw):
    return {"js": [], "disable_xml_declaration": True, "style": STYLE, "width": 640, "height": 320,
            "explicit_size": False, "print_values": True, **kw}


def _svg(chart) -> str:
    return mark_safe(_SCRIPT.sub("", chart.render(is_unicode=True)))  # noqa: S308 - our own pygal output


def certificates_by_level(by_level: dict, labels: dict) -> str:
    chart = pygal.Bar(**_config(show_legend=False))
    chart.title = "有效证书（按等级）"
    chart.x_labels = [labels[n] for n in by_level]
    chart.add("证书", list(by_level.values()))
    return _svg(chart)


def pass_rates(rows: list[dict]) -> str:
    chart = pygal.HorizontalBar(**_config(show_legend=False, range=(0, 100)))
    chart.title = "各机构评价通过率（%）"
    chart.x_labels = [r["institution__name"] for r in rows]
    chart.add("通过率", [r["rate"] for r in rows])
    return _svg(chart)


def outcomes(data: dict, labels: dict) -> str:
    chart = pygal.Pie(**_config(inner_radius=0.45, print_values=False))
    chart.title = "持证人员就业去向"
    for key, n in data.items():
        chart.add(str(labels.get(key, key)), n)
    return _svg(chart)
