"""Charts drawn on the server as SVG (pygal), shown as images: no chart script reaches the
browser, the page's content security policy stays strict, and each chart's numbers are also
on the page as a table and a CSV."""

import base64
import math
from collections.abc import Sequence

import pygal
from pygal.style import Style

# Hangul needs a CJK-capable font; the list is the console's own.
FONTS = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans KR', 'Apple SD Gothic Neo', 'Malgun Gothic', sans-serif"
STYLE = Style(
    font_family=FONTS,
    background="transparent",
    plot_background="transparent",
    foreground="#333",
    foreground_strong="#111",
    foreground_subtle="#888",
    colors=("#2f6fde", "#e0773a", "#2e9e6b", "#8a5cd1"),
    label_font_size=12,
    major_label_font_size=12,
    value_font_size=12,
    legend_font_size=12,
)


def _uri(chart: pygal.graph.graph.Graph) -> str:
    svg: bytes = chart.render()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def line(labels: Sequence[str], series: dict[str, Sequence[float | None]], *, percent: bool = True) -> str:
    """A line chart of ``series`` over ``labels``, as an image's ``src``."""
    chart = pygal.Line(
        js=[],
        style=STYLE,
        width=720,
        height=300,
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        x_label_rotation=0,
        show_minor_x_labels=False,
        x_labels_major_every=max(1, len(labels) // 8),
        value_formatter=(lambda v: f"{v:.0%}") if percent else (lambda v: f"{v:,.0f}"),
        range=(0, 1) if percent else None,
        include_x_axis=True,
        truncate_label=-1,
    )
    chart.x_labels = list(labels)
    for name, values in series.items():
        chart.add(name, list(values))
    return _uri(chart)


def bars(labels: Sequence[str], values: Sequence[float]) -> str:
    """Horizontal bars, one per label (counts)."""
    step = max(1, math.ceil(max(values, default=0) / 5))
    chart = pygal.HorizontalBar(
        js=[],
        style=STYLE,
        width=720,
        height=60 + 36 * len(labels),
        show_legend=False,
        print_values=True,
        truncate_label=-1,
        value_formatter=lambda v: f"{v:,.0f}",
        y_labels=list(range(0, step * 6, step)),
    )
    chart.x_labels = list(labels)
    chart.add("", list(values))
    return _uri(chart)
