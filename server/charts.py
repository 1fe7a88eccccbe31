"""Charts as SVG made on the server: bars, grouped bars and a weekday × hour heat map.

No JavaScript and nothing from elsewhere. Each chart is an image with a title and a description
(``role="img"``, ``aria-labelledby``); every bar and cell prints its value or carries it in a
``<title>``, so nothing is told by colour alone; ``data-*`` attributes hold the exact figures for
tests and for anyone scraping the page. The same numbers are in the chart's CSV.
"""

from markupsafe import Markup, escape

INK, BAR, GRID, PAPER = "#1a1a1a", "#1f4e79", "#8c8c8c", "#ffffff"
SERIES_FILLS = ("#1f4e79", "#b35900", "#2e6b30")  # blue, dark orange, green: all ≥ 4.5:1 on white
SERIES_PATTERNS = ("", "4 2", "1 2")  # and a border pattern each, for those who do not see colour


def number(value: float | None) -> str:
    """A figure as data: whole numbers as such, others to one decimal; empty for none."""
    if value is None:
        return ""
    rounded = round(float(value), 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def shown_number(value: float | None, lang: str) -> str:
    """A figure as a person reads it: ``number`` with a decimal comma in Finnish and Swedish."""
    text = number(value)
    return text.replace(".", ",") if lang in ("fi", "sv") else text


def _frame(chart_id: str, title: str, description: str, width: int, height: int, body: list[str],
           css_class: str) -> Markup:
    t = escape(title)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" id="{escape(chart_id)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">'
        f'<title id="{escape(chart_id)}-title">{t}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>'
        f'<rect width="{width}" height="{height}" fill="{PAPER}"/>'
        + "".join(body) + "</svg>"
    )


def _scale_top(values: list[float]) -> float:
    top = max([v for v in values if v is not None] + [0])
    return top if top > 0 else 1


def bar_chart(chart_id: str, title: str, description: str, bars: list[tuple[str, str, float | None]],
              unit: str = "", label_every: int = 1, top: float | None = None, lang: str = "en") -> Markup:
    """Vertical bars: ``bars`` are (key, label shown, value); the key goes into ``data-label``.
    ``label_every`` shows every n-th label under long series (the title of each bar still names it)."""
    n = max(1, len(bars))
    slot = max(18, min(64, 720 // n))
    left, bottom, plot_h = 48, 48, 220
    width, height = left + slot * n + 16, plot_h + bottom + 24
    top = top or _scale_top([v for _, _, v in bars])
    body = [f'<line x1="{left}" y1="{24 + plot_h}" x2="{width - 8}" y2="{24 + plot_h}" stroke="{INK}"/>']
    for i in range(5):  # four grid lines with their value
        y = 24 + plot_h - plot_h * i / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" stroke="{GRID}" '
                    f'stroke-width="0.5"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                    f'font-size="11" fill="{INK}">{shown_number(top * i / 4, lang)}</text>')
    for i, (key, label, value) in enumerate(bars):
        x = left + i * slot + slot * 0.15
        w = slot * 0.7
        h = 0 if value is None else plot_h * value / top
        y = 24 + plot_h - h
        shown = f"{shown_number(value, lang)}{unit}" if value is not None else "–"
        body.append(
            f'<g class="bar" data-label="{escape(key)}" data-value="{number(value)}">'
            f'<title>{escape(label)}: {escape(shown)}</title>'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{BAR}"/>'
            + (f'<text x="{x + w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="11" '
               f'fill="{INK}">{escape(shown_number(value, lang))}</text>' if value and slot >= 26 else "")
            + (f'<text x="{x + w / 2:.1f}" y="{24 + plot_h + 16}" text-anchor="middle" font-size="11" '
               f'fill="{INK}">{escape(label)}</text>' if i % label_every == 0 else "")
            + "</g>")
    return _frame(chart_id, title, description, width, height, body, "bar-chart")


def grouped_bar_chart(chart_id: str, title: str, description: str, groups: list[tuple[str, str]],
                      series: list[tuple[str, str]], values: dict[tuple[str, str], float | None],
                      unit: str = "", lang: str = "en") -> Markup:
    """Bars side by side per group: ``groups`` and ``series`` are (key, label); ``values`` by
    (group key, series key). A legend names the series; each bar's title names both."""
    per_group = max(len(series) * 22 + 18, 112)
    left, bottom, plot_h = 48, 64, 220
    width = left + per_group * max(1, len(groups)) + 16
    height = plot_h + bottom + 40
    top = _scale_top(list(values.values()))
    body = [f'<line x1="{left}" y1="{40 + plot_h}" x2="{width - 8}" y2="{40 + plot_h}" stroke="{INK}"/>']
    for i in range(5):
        y = 40 + plot_h - plot_h * i / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" stroke="{GRID}" '
                    f'stroke-width="0.5"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                    f'font-size="11" fill="{INK}">{shown_number(top * i / 4, lang)}</text>')
    for s, (_, s_label) in enumerate(series):  # the legend, on top
        x = left + s * 150
        body.append(f'<rect x="{x}" y="6" width="14" height="14" fill="{SERIES_FILLS[s % 3]}" stroke="{INK}" '
                    f'stroke-dasharray="{SERIES_PATTERNS[s % 3]}"/><text x="{x + 20}" y="18" font-size="12" '
                    f'fill="{INK}">{escape(s_label)}</text>')
    for g, (g_key, g_label) in enumerate(groups):
        x0 = left + g * per_group + 9
        for s, (s_key, s_label) in enumerate(series):
            value = values.get((g_key, s_key))
            h = 0 if value is None else plot_h * value / top
            x, y = x0 + s * 22, 40 + plot_h - h
            shown = f"{shown_number(value, lang)}{unit}" if value is not None else "–"
            body.append(
                f'<g class="bar" data-label="{escape(g_key)}" data-series="{escape(s_key)}" '
                f'data-value="{number(value)}"><title>{escape(g_label)}, {escape(s_label)}: {escape(shown)}</title>'
                f'<rect x="{x}" y="{y:.1f}" width="18" height="{h:.1f}" fill="{SERIES_FILLS[s % 3]}" '
                f'stroke="{INK}" stroke-width="0.5" stroke-dasharray="{SERIES_PATTERNS[s % 3]}"/>'
                f'<text x="{x + 9}" y="{y - 4:.1f}" text-anchor="middle" font-size="9" fill="{INK}">'
                f'{escape(shown_number(value, lang))}</text></g>')
        body.append(f'<text x="{x0 + len(series) * 11}" y="{40 + plot_h + 16}" text-anchor="middle" '
                    f'font-size="11" fill="{INK}">{escape(_short(g_label, 16))}</text>')
    return _frame(chart_id, title, description, width, height, body, "grouped-bar-chart")


def _short(label: str, length: int) -> str:
    """A label that fits under its group; the bars' titles carry the whole name."""
    return label if len(label) <= length else label[:length - 1] + "…"


def _heat(value: int, top: int) -> tuple[str, str]:
    """A cell's fill from near-white to dark blue, and a text colour that stays readable on it."""
    if value == 0:
        return "#f4f6f8", INK
    level = value / top
    light, dark = (232, 240, 250), (8, 48, 107)
    fill = "#" + "".join(f"{round(a + (b - a) * level):02x}" for a, b in zip(light, dark))
    return fill, PAPER if level > 0.45 else INK


def heat_map(chart_id: str, title: str, description: str, cells: dict[tuple[int, int], int],
             weekdays: list[str], hours: range) -> Markup:
    """Weekday rows (0 = Monday) × hour columns; every cell prints its count and has a title."""
    cell_w, cell_h, left, top_margin = 38, 30, 44, 24
    width, height = left + cell_w * len(hours) + 8, top_margin + cell_h * 7 + 8
    most = max(list(cells.values()) + [1])
    body = []
    for j, hour in enumerate(hours):
        body.append(f'<text x="{left + j * cell_w + cell_w / 2}" y="16" text-anchor="middle" font-size="11" '
                    f'fill="{INK}">{hour:02d}</text>')
    for day in range(7):
        y = top_margin + day * cell_h
        body.append(f'<text x="{left - 6}" y="{y + cell_h / 2 + 4}" text-anchor="end" font-size="11" '
                    f'fill="{INK}">{escape(weekdays[day])}</text>')
        for j, hour in enumerate(hours):
            value = cells.get((day, hour), 0)
            fill, ink = _heat(value, most)
            x = left + j * cell_w
            body.append(
                f'<g class="cell" data-weekday="{day}" data-hour="{hour}" data-value="{value}">'
                f'<title>{escape(weekdays[day])} {hour:02d}–{(hour + 1) % 24:02d}: {value}</title>'
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{fill}"/>'
                + (f'<text x="{x + cell_w / 2 - 1}" y="{y + cell_h / 2 + 3}" text-anchor="middle" '
                   f'font-size="11" fill="{ink}">{value}</text>' if value else "")
                + "</g>")
    return _frame(chart_id, title, description, width, height, body, "heat-map")
