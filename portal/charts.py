"""Server-side SVG charts (pygal), self-contained: no JavaScript, no CDN, Chinese-capable fonts."""

import re

import pygal
from django.utils.safestring import mark_safe
from pygal.style import Style

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    font_family='"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif',
    colors=("#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#dc3545", "#198754", "#6c757d"),
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    title_font_size=14,
    value_font_size=11,
)


def _config(title: str, **kwargs):
    # js=[]: pygal would otherwise link its tooltip script from the internet.
    return {"title": title, "style": STYLE, "js": [], "disable_xml_declaration": True, "height": 320,
            "width": 640, "print_values": False, "no_data_text": "暂无数据", "legend_at_bottom": True, "truncate_label": 12, **kwargs}


def whole_yuan(fen: int) -> int:
    """Chart heights in whole yuan (integers: a chart needs no fen, and money never becomes a float)."""
    return int(fen or 0) // 100


_SCRIPT = re.compile(r"<script\b.*?</script>", re.S | re.I)


def _render(chart) -> str:
    # pygal embeds its tooltip config as an inline <script>; the CSP allows none, and the chart
    # needs none (it is static SVG), so it is removed.
    return mark_safe(_SCRIPT.sub("", chart.render(is_unicode=True)))


def bar(title: str, labels: list[str], series: dict[str, list], *, horizontal: bool = False, formatter=None) -> str:
    chart = (pygal.HorizontalBar if horizontal else pygal.Bar)(**_config(title, x_label_rotation=0 if horizontal else 30))
    chart.x_labels = labels
    if formatter:
        chart.value_formatter = formatter
    for name, values in series.items():
        chart.add(name, values)
    return _render(chart)


def pie(title: str, parts: dict[str, float | int], *, formatter=None) -> str:
    chart = pygal.Pie(**_config(title, inner_radius=0.45))
    if formatter:
        chart.value_formatter = formatter
    for name, value in parts.items():
        chart.add(name, value)
    return _render(chart)


def line(title: str, labels: list[str], series: dict[str, list], *, formatter=None, logarithmic=False) -> str:
    chart = pygal.Line(**_config(title, x_label_rotation=30, logarithmic=logarithmic))
    chart.x_labels = labels
    if formatter:
        chart.value_formatter = formatter
    for name, values in series.items():
        chart.add(name, values)
    return _render(chart)
