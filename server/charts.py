"""Charts as SVG made on the server: Vega-Lite specs rendered by vl-convert (issue 18).

Vega-Lite lays out the axes, ticks, legends and labels (it drops tick labels that would overlap and
measures every label); vl-convert runs it in-process and returns SVG with no ``<script>``, no
``<style>`` and no ``style=`` attributes, so the page stays within its Content-Security-Policy.
Nothing is fetched from elsewhere (``allowed_base_urls=[]``): the data are in the spec.

Every chart is an image with a title and a description (``role="img"``, ``aria-labelledby``); the
page puts the same numbers in a table beside it and in its CSV. Every chart is drawn at one of two
widths in CSS pixels with one font size, so the text is the same size in all of them on the
manager's screen. Numbers are written the page language's way (a decimal comma in fi and sv).
"""

import json
import re

from markupsafe import Markup, escape

INK, BAR, GRID = "#1a1a1a", "#1f4e79", "#c8c8c8"
SERIES_FILLS = ["#1f4e79", "#b35900", "#2e6b30"]  # blue, dark orange, green: all ≥ 4.5:1 on white
# Arial's metrics everywhere: Arial on Windows and macOS, Liberation Sans (the same widths) on Linux,
# which is also what vl-convert measures the labels with, so the browser's text is as wide as the
# room Vega left for it.
FONT = 'Arial, "Liberation Sans", Helvetica, sans-serif'
FONT_SIZE = 14
# The two widths: one chart across the page, or one of two side by side, at 1440 px (the manager's
# screen, less a scroll bar and the page's margins). Narrower windows scale every chart alike.
WIDE, HALF = 1320, 640
LOCALES = {"fi": "fi-FI", "sv": "sv-SE", "en": "en-GB"}
ONE_DECIMAL = ",.1~f"  # 1 234,5 or 1,234.5: a tenth at most, no trailing zero
# Each bar or cell is described by its own words ("Yleisneuvonta, Mediaani: 4,5"), made here in the
# page's language, rather than by Vega's field names; the value printed beside it stays out of it.
SAY = {"description": {"field": "say"}}


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


_CONFIG = {
    "font": FONT,
    "background": "white",
    "view": {"stroke": None},
    "axis": {"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE, "titleFontWeight": "normal",
             "labelColor": INK, "titleColor": INK, "domainColor": INK, "tickColor": INK, "gridColor": GRID,
             "labelLimit": 0, "labelOverlap": "greedy", "labelSeparation": 8, "titlePadding": 10,
             "aria": False},  # Vega describes axes and legends in English only; the page says it all
    "legend": {"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE, "labelColor": INK, "titleColor": INK,
               "labelLimit": 0, "orient": "top", "direction": "horizontal", "title": None, "symbolSize": 180,
               "columnPadding": 24, "aria": False},
    "text": {"fontSize": FONT_SIZE, "color": INK},
    "bar": {"color": BAR},
}


def render(chart_id: str, title: str, description: str, spec: dict, lang: str, css_class: str) -> Markup:
    """The spec drawn as inline SVG with its accessible name and description."""
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "config": _CONFIG,
            "autosize": {"type": "fit-x", "contains": "padding"},
            # Room on the right for a browser whose text comes out a little wider than Vega measured.
            "padding": {"left": 8, "top": 8, "bottom": 8, "right": 24}, **spec}
    import vl_convert  # noqa: PLC0415 (11 MB: loaded by the worker that draws a chart, not by every one)

    svg = vl_convert.vegalite_to_svg(json.dumps(spec), format_locale=LOCALES.get(lang, "en-GB"), allowed_base_urls=[])
    i = escape(chart_id)
    opening = (f'<svg class="chart {css_class}" id="{i}" role="img" aria-labelledby="{i}-title {i}-desc" ')
    svg = re.sub(r"^<svg ", opening, svg.strip(), count=1)
    head, rest = svg.split(">", 1)
    # The SVG comes from our own spec over figures and names in the database, all escaped by Vega.
    return Markup(f'{head}><title id="{i}-title">{escape(title)}</title>'
                  f'<desc id="{i}-desc">{escape(description)}</desc>{rest}')


def columns(chart_id: str, title: str, description: str, points: list[tuple[str, float]], x_title: str,
            y_title: str, lang: str, width: int = WIDE) -> Markup:
    """Vertical bars over an ordered axis (hours, days): ``points`` are (label shown, value). Each
    bar prints its value when there is room; tick labels that would collide are left out."""
    step = (width - 80) / max(1, len(points))
    data = [{"label": label, "value": value, "say": f"{label}: {shown_number(value, lang)}"}
            for label, value in points]
    x = {"field": "label", "type": "ordinal", "sort": None, "title": x_title, "axis": {"labelAngle": 0}}
    # labelFlush keeps the 0 above the axis line, clear of the first day's label below it.
    y = {"field": "value", "type": "quantitative", "title": y_title, "axis": {"format": ",d", "tickMinStep": 1, "labelFlush": True}}
    layers: list[dict] = [{"mark": {"type": "bar", "width": {"band": 0.75}}, "encoding": SAY}]
    if step >= 30:
        layers.append({"transform": [{"filter": "datum.value > 0"}],
                       "mark": {"type": "text", "baseline": "bottom", "dy": -3, "aria": False},
                       "encoding": {"text": {"field": "value", "type": "quantitative", "format": ",d"}}})
    spec = {"width": width, "height": 260, "data": {"values": data}, "encoding": {"x": x, "y": y},
            "layer": layers}
    return render(chart_id, title, description, spec, lang, "columns")


def _count_axis(values: list) -> dict:
    """An axis of whole numbers: at most five ticks, and no more than the largest count, since
    tickMinStep alone still gave 0 1 1 2 2 (halves printed as whole numbers) up to a count of 2."""
    return {"format": ",d", "tickMinStep": 1, "tickCount": min(5, max([1, *(v for v in values if v)]))}


def bars(chart_id: str, title: str, description: str, rows: list[tuple[str, float | None]], x_title: str,
         lang: str, top: float | None = None, width: int = HALF) -> Markup:
    """Horizontal bars, one per named row (services, kinds of request), the value printed at the end
    of each bar. Names run along the left, whole, however long."""
    data = [{"label": label, "value": value, "say": f"{label}: {shown_number(value, lang)}"}
            for label, value in rows]
    scale = {"domain": [0, top]} if top else {}
    y = {"field": "label", "type": "nominal", "sort": None, "title": None}
    counts = all(isinstance(v, int) for _, v in rows)  # whole things (requests): no 0.5 on the axis
    axis = _count_axis([v for _, v in rows]) if counts else {"format": ONE_DECIMAL, "tickCount": 5}
    x = {"field": "value", "type": "quantitative", "title": x_title, "scale": scale, "axis": axis}
    spec = {"width": width, "height": {"step": 34}, "data": {"values": data}, "encoding": {"y": y, "x": x},
            "layer": [{"mark": {"type": "bar", "height": {"band": 0.7}}, "encoding": SAY},
                      {"transform": [{"filter": "isValid(datum.value)"}],
                       "mark": {"type": "text", "align": "left", "dx": 4, "aria": False},
                       "encoding": {"text": {"field": "value", "type": "quantitative", "format": ONE_DECIMAL}}}]}
    return render(chart_id, title, description, spec, lang, "bars")


def grouped_bars(chart_id: str, title: str, description: str, groups: list[str], series: list[str],
                 values: dict[tuple[str, str], float | None], x_title: str, lang: str, width: int = HALF) -> Markup:
    """Horizontal bars per group (service), one for each series (mean, median, …) in the same order
    and colour every time, a legend above naming the series; each bar prints its value."""
    data = [{"group": g, "series": s, "value": values.get((g, s)),
             "say": f"{g}, {s}: {shown_number(values.get((g, s)), lang)}"} for g in groups for s in series]
    colour = {"field": "series", "type": "nominal", "sort": series, "title": None,
              "scale": {"domain": series, "range": SERIES_FILLS[:len(series)]}}
    counts = all(isinstance(v, int) for v in values.values())  # whole things (matters): no 0.5 on the axis
    axis = _count_axis(list(values.values())) if counts else {"format": ONE_DECIMAL, "tickCount": 5}
    encoding = {"y": {"field": "group", "type": "nominal", "sort": None, "title": None,
                      "scale": {"paddingInner": 0.25, "paddingOuter": 0.1}},
                "yOffset": {"field": "series", "type": "nominal", "sort": series},
                "x": {"field": "value", "type": "quantitative", "title": x_title,
                      "axis": axis},
                "color": colour}
    spec = {"width": width, "height": {"step": 19, "for": "offset"}, "data": {"values": data},
            "encoding": encoding,
            "layer": [{"mark": {"type": "bar", "height": {"band": 0.9}}, "encoding": SAY},
                      {"transform": [{"filter": "isValid(datum.value)"}],
                       "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": FONT_SIZE - 1, "aria": False},
                       "encoding": {"text": {"field": "value", "type": "quantitative", "format": ONE_DECIMAL},
                                    "color": {"value": INK}}}]}
    return render(chart_id, title, description, spec, lang, "grouped-bars")


def heat_map(chart_id: str, title: str, description: str, cells: dict[tuple[int, int], int],
             weekdays, hours: range, x_title: str, lang: str, width: int = WIDE) -> Markup:
    """Weekday rows (0 = Monday) × hour columns, darker for more; every cell prints its count."""
    weekdays = [weekdays[d] for d in range(7)]  # Babel gives a mapping 0…6
    data = [{"weekday": weekdays[d], "hour": f"{h:02d}", "value": cells.get((d, h), 0),
             "say": f"{weekdays[d]} {h:02d}–{(h + 1) % 24:02d}: {cells.get((d, h), 0)}"}
            for d in range(7) for h in hours]
    most = max([*cells.values(), 1])
    encoding = {"x": {"field": "hour", "type": "ordinal", "title": x_title, "axis": {"labelAngle": 0, "orient": "top"}},
                "y": {"field": "weekday", "type": "ordinal", "sort": weekdays, "title": None}}
    spec = {"width": width, "height": {"step": 36}, "data": {"values": data}, "encoding": encoding,
            "layer": [{"mark": {"type": "rect", "stroke": "white", "strokeWidth": 2},
                       "encoding": {**SAY, "color": {"field": "value", "type": "quantitative", "legend": None,
                                              "scale": {"domain": [0, most], "range": ["#f4f6f8", "#08306b"]}}}},
                      {"transform": [{"filter": "datum.value > 0"}],
                       "mark": {"type": "text", "aria": False},
                       "encoding": {"text": {"field": "value", "type": "quantitative"},
                                    "color": {"condition": {"test": f"datum.value > {most * 0.45}", "value": "white"},
                                              "value": INK}}}]}
    return render(chart_id, title, description, spec, lang, "heat-map")
