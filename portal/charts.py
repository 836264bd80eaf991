"""Server-side SVG charts (pygal), self-contained: no JavaScript, no CDN, Chinese-capable fonts."""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

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


def percent(part: int, whole: int, places: int = 2) -> Decimal:
    """`part` of `whole` in per cent, rounded half up to `places` decimals (0 where `whole` is 0).

    Integer division would show 0 % for a scheme that has spent ¥146,150 of a ¥50 million budget."""
    if not whole:
        return Decimal(0)
    return (Decimal(int(part or 0)) * 100 / Decimal(int(whole))).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


LABEL_CHARS = 22  # a category label longer than this is shortened with "…" and carries its full text as a <title>


def _width(text: str) -> float:
    """Width of `text` in em: CJK and full-width characters take a whole em, others about 0.6 em."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in text)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bar(title: str, labels: list[str], series: dict[str, list], *, horizontal: bool = False, formatter=None) -> str:
    extra = {}
    shown = [_short(str(label)) for label in labels]
    if horizontal and shown:
        # pygal reserves 0.6 em a character for the labels left of the bars; Chinese characters need a whole
        # em, so the start of a long scheme name would fall off the picture.
        missing = max(_width(s) - 0.6 * len(s) for s in shown) * STYLE.label_font_size
        extra["margin_left"] = 20 + int(missing) + 4
    chart = (pygal.HorizontalBar if horizontal else pygal.Bar)(
        **_config(title, x_label_rotation=0 if horizontal else 30, truncate_label=-1, **extra))
    chart.x_labels = shown
    if formatter:
        chart.value_formatter = formatter
    for name, values in series.items():
        chart.add(name, values)
    svg = _render(chart)
    for full, short in zip(labels, shown, strict=True):
        if short != full:  # the full name as a tooltip (and for screen readers) beside the shortened label
            svg = svg.replace(f">{escape(short)}</text>", f">{escape(short)}<title>{escape(full)}</title></text>", 1)
    return mark_safe(svg)


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
