"""The offline HTML map: one self-contained file, built with folium, that works with no network at all.

:func:`render_map` draws a :class:`~mapper.view.MapView` (computed once by :func:`mapper.view.build_view`) as a single
HTML file that NGO staff can email, embed in a report (``<iframe>``) and open from a USB stick (``file://``):

- Leaflet's JS and CSS are inlined from the ``xstatic-leaflet`` package (BSD-2-Clause, 147 KB), its images become
  data URIs, and folium's default CDN assets are left out. A Content-Security-Policy forbids any load from the
  network, and the build fails with :class:`~mapper.errors.OutputError` if the HTML would still ask for one.
- All flows are drawn by ``map.js`` on ONE canvas (no DOM node per flow), with hit-testing for hover and click,
  aggregation of places by zoom, a "top N / all" control and the time filter. The page carries the view as plain
  JSON: places, deduplicated periods/sources/split rules/notes, and the flows as columns of numbers (place indices,
  people, period, sources ...), about 35 bytes a flow; the curves are computed in the browser.
- The panel and legend are a Jinja2 template with autoescape; the data travel as JSON with ``<``, ``>``, ``&``,
  U+2028 and U+2029 escaped, and the script inserts text with ``textContent`` only; URLs become links only when they
  are http(s).
- Same inputs, same bytes: folium's random element ids are replaced by counter-based ones.
"""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import jinja2
import markupsafe
import numpy as np

from .atomic import GENERATOR, atomic_open
from .errors import OutputError
from .view import CURVATURE, MAX_PX, MIN_PX, PRECISIONS, build_view, country_outlines, fmt_people, width_px

#: Coordinates in the page are integers in units of 1 / COORD_SCALE degrees (1e-4 degrees is about 11 m).
COORD_SCALE = 10_000
#: Flows drawn at once by default (the largest); the "all" button draws every flow.
TOP_FLOWS = 3000
#: Offered only with ``online_tiles=True``; never loaded by default.
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "Tiles \u00a9 OpenStreetMap contributors (ODbL)"

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_ESCAPE_RE = re.compile("[<>&\u2028\u2029]")
_JINJA = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


# --- public API ---------------------------------------------------------------------------------------------------


def render_map(flowset, path=None, *, title=None, min_people=0, online_tiles=False, force=False) -> str:
    """Render a FlowSet as one self-contained, offline HTML map.

    Parameters
    ----------
    flowset : mapper.model.FlowSet
        Flows, places and incidents (see :mod:`mapper.model`).
    path : str or Path, optional
        Where to write the HTML (atomically; an existing file idpmap did not write needs ``force``).
    title : str, optional
        Map title; defaults to the FlowSet's title, else a title made from the period.
    min_people : float, default 0
        Flows carrying fewer people are left out of the map and counted in the legend.
    online_tiles : bool, default False
        Offer OpenStreetMap tiles in the layer control (switched off until the user picks them). Without it the
        page loads nothing from the network.
    force : bool, default False
        Overwrite ``path`` even when idpmap did not write it.

    Returns
    -------
    str
        The HTML text (also written to ``path`` when given).

    Raises
    ------
    MapperError
        The FlowSet cannot be drawn (:class:`mapper.view.ViewError`, also a ``ValueError``).
    OutputError
        The page would load a remote resource, or ``path`` cannot be written.
    """
    view = build_view(flowset, title=title, min_people=min_people)
    page = draw_view(view, online_tiles=online_tiles)
    if path is not None:
        with atomic_open(path, "w", force=force, newline="\n") as fh:
            fh.write(page)
    return page


def draw_view(view, *, online_tiles=False) -> str:
    """The HTML page of a :class:`~mapper.view.MapView`."""
    basemap = _basemap(view)
    return _build_page(view, _page_data(view, basemap, online_tiles), basemap, online_tiles=online_tiles)


def find_remote_loads(page: str) -> list[str]:
    """List every resource in ``page`` that a browser would fetch from outside the file.

    Checks ``src``/``data``/``poster``/``srcset`` attributes, ``<link href>``, ``<base href>``, CSS ``url(...)`` and
    ``@import`` in ``<style>`` and ``style=""``; ``data:`` URIs and ``#fragment`` references are local. ``<a href>``
    is navigation the user chooses, not a load, so links are allowed.
    """
    finder = _RemoteLoadFinder()
    finder.feed(page)
    finder.close()
    return finder.found


# --- data for the page --------------------------------------------------------------------------------------------


def _q(value) -> int:
    return int(round(value * COORD_SCALE))


def _page_data(view, basemap, online_tiles) -> dict:
    """The view as the JSON the page's script reads (see map.js)."""
    flows = view.flows
    places = [[p.name, p.name_ar, p.kind, _q(p.lat), _q(p.lon), p.people_in, p.people_out, p.group,
               int(p.label), p.pcode, PRECISIONS.index(p.precision), p.sources] for p in view.places]
    columns = {
        "o": flows.origin, "d": flows.dest, "p": flows.people,
        "lo": flows.people - flows.people_min, "hi": flows.people_max - flows.people,
        "t": flows.period, "s": flows.sources, "x": flows.split, "n": flows.note,
        "m": flows.modelled.astype(np.int64),
    }
    (lat_a, lon_a), (lat_b, lon_b) = view.bounds
    pad = 0.05
    return {
        "v": 2,
        "curvature": CURVATURE,
        "scale": [MIN_PX, MAX_PX, view.max_people],
        "top": TOP_FLOWS,
        "bounds": [[lat_a - pad, lon_a - pad], [lat_b + pad, lon_b + pad]],
        "q": COORD_SCALE,
        "places": places,
        "groups": [[name, colour] for name, colour, _people in view.groups],
        "counts": [list(c) for c in view.counts],
        "periods": [list(p) for p in view.periods],
        "range": list(view.days) if view.days else None,
        "sources": [[s.report_id, s.agency, s.publisher, s.published, s.url, s.figure, s.note]
                    for s in view.sources],
        "srcsets": [list(s) for s in view.source_sets],
        "splits": view.splits,
        "notes": view.notes,
        "incidents": [[i.name, i.name_ar, _q(i.lat), _q(i.lon), i.start, i.end, i.figure, i.note, i.sources]
                      for i in view.incidents],
        "levels": [{"name": lv.name, "z": lv.min_zoom, "of": lv.of, "names": lv.names,
                    "lat": [_q(v) for v in lv.lat], "lon": [_q(v) for v in lv.lon]} for lv in view.levels],
        "areas": _areas_data(view.areas),
        "regions": [[r["place"], r["name"] if r["label"] else "", {"type": r["geometry"]["type"],
                                             "coordinates": _round_coords(r["geometry"]["coordinates"])}]
                    for r in view.regions],
        "outlines": basemap["outlines"],
        "border": basemap["border"],
        "borderLabel": basemap["label"],
        "tiles": [OSM_TILES, OSM_ATTRIBUTION] if online_tiles else None,
        "attribution": basemap["attribution"] + (["places: idpmap gazetteer (sources in the legend)"]
                                                 if view.attribution else []),
        "flows": {key: np.asarray(values).tolist() for key, values in columns.items()},
        **({"returns": 1} if view.returns else {}),  # the people are returnees: the page's words say returns
    }


#: What the choropleth shades (people_in of each area): the legend's heading and the layer's name in map.js.
_AREA_HEADINGS = {False: "People arriving", True: "People returning"}
#: Classes of the arrivals choropleth (ColorBrewer YlOrBr, 5 classes).
AREA_CLASSES = ("#ffffd4", "#fed98e", "#fe9929", "#d95f0e", "#993404")


def _areas_data(areas):
    """The choropleth for the page: polygons rounded to ~100 m, each with its class by people arriving."""
    if not areas:
        return None
    breaks, colours = _area_classes(areas)
    features = []
    for f in areas["features"]:
        props = dict(f["properties"])
        props["cls"] = sum(props["people_in"] >= b for b in breaks) if props["people_in"] > 0 else -1
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": f["geometry"]["type"],
                                      "coordinates": _round_coords(f["geometry"]["coordinates"])}})
    return {"name": areas["name"], "colours": colours, "breaks": breaks,
            "features": {"type": "FeatureCollection", "features": features}}


def _area_classes(areas):
    """``(breaks, colours)`` of the choropleth: up to five classes of people arriving, by quintile."""
    values = sorted(f["properties"]["people_in"] for f in areas["features"])
    breaks = sorted({values[min(len(values) - 1, int(len(values) * k / 5))] for k in range(1, 5)} - {0, 1})
    return breaks, list(AREA_CLASSES[5 - len(breaks) - 1:])


def _round_coords(coords, digits=3):
    """GeoJSON coordinates rounded to ``digits`` decimals; each position an immutable (x, y) pair."""
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return (round(coords[0], digits), round(coords[1], digits))
    if coords and isinstance(coords[0], (list, tuple)) and coords[0] and isinstance(coords[0][0], (int, float)):
        return [(round(c[0], digits), round(c[1], digits)) for c in coords]  # a line or ring: its points at once
    return [_round_coords(c, digits) for c in coords]


def _basemap_of(lat_min, lon_min, lat_max, lon_max, places) -> dict:
    """Country outlines (and the Syria-Turkey border where the map reaches it), clipped to the map's surroundings
    and simplified."""
    import shapely
    from shapely.geometry import box, mapping

    from .borders import load_borders

    borders = load_borders()
    margin = 3.0
    frame = box(lon_min - margin, lat_min - margin, lon_max + margin, lat_max + margin)
    countries, attribution = country_outlines(lat_min, lon_min, lat_max, lon_max, borders, places, margin=margin)
    outlines = []
    for name, iso3, geom, home in countries:
        part = shapely.simplify(geom, 0.004, preserve_topology=True)
        if part.is_empty:
            continue
        outlines.append({"type": "Feature", "properties": {"name": name, "iso3": iso3, "home": home},
                         "geometry": {"type": part.geom_type,
                                      "coordinates": _round_coords(mapping(part)["coordinates"])}})
    line = borders.border
    if line is not None and hasattr(line, "geometry") and not hasattr(line, "geom_type"):  # a GeoSeries/frame
        line = line.geometry.union_all()
    line = shapely.simplify(shapely.intersection(line, frame), 0.002) if line is not None else shapely.Point()
    border = {"type": line.geom_type, "coordinates": _round_coords(mapping(line)["coordinates"])} \
        if not line.is_empty else None
    label = None
    if border is not None:
        label = _border_label_point(line, lat_min, lon_min, lat_max, lon_max, places)
    return {"outlines": {"type": "FeatureCollection", "features": outlines}, "border": border, "label": label,
            "attribution": attribution}


def _border_label_point(line, lat_min, lon_min, lat_max, lon_max, places):
    """Where to label the border: on it, inside the map's view, as far as possible from every place marker."""
    import shapely

    pad = 0.1
    inside = shapely.intersection(line, shapely.box(lon_min - pad, lat_min - pad, lon_max + pad, lat_max + pad))
    target = inside if not inside.is_empty and inside.length > 0 else line
    samples = shapely.line_interpolate_point(target, np.linspace(0.05, 0.95, 60), normalized=True) \
        if target.geom_type in ("LineString", "MultiLineString") else [shapely.centroid(target)]
    if places:
        marks = shapely.multipoints([(lon, lat) for lat, lon in places])
        best = max(samples, key=lambda pt: (round(shapely.distance(pt, marks), 6), -pt.x))
    else:
        best = samples[len(samples) // 2]
    return [round(best.y, 4), round(best.x, 4)]




# --- the page -----------------------------------------------------------------------------------------------------


def _asset(name: str) -> str:
    return resources.files("mapper").joinpath("data", name).read_text(encoding="utf-8")


def _leaflet_assets() -> tuple[str, str]:
    """Leaflet 1.9.3's JS and CSS from xstatic-leaflet, with its images as data URIs and no source-map comment."""
    from xstatic.pkg import leaflet as xleaflet

    base = Path(xleaflet.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"\n?//# sourceMappingURL=\S*\s*$", "\n", js)
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def inline(match):
        ref = match.group(1).strip("'\"")
        if ref.startswith(("#", "data:")):
            return match.group(0)
        image = base / ref
        payload = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{payload})"

    css = re.sub(r"url\(([^)]*)\)", inline, css)
    # Scripts must not close the inline <script> early.
    if re.search(r"</script", js, re.IGNORECASE):
        js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
    return js, css


def _csp(online_tiles: bool) -> str:
    images = "data: https://tile.openstreetmap.org" if online_tiles else "data:"
    return ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            f"img-src {images}; font-src data:; base-uri 'none'; form-action 'none'")



def _basemap(view) -> dict:
    (lat_a, lon_a), (lat_b, lon_b) = view.bounds
    return _basemap_of(lat_a, lon_a, lat_b, lon_b, [(p.lat, p.lon) for p in view.places])


def _json_for_script(value) -> str:
    """JSON that is safe inside <script>: no '<', '>', '&' (so no '</script>' or '<!--'), no U+2028/2029."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if not any(c in text for c in _JSON_ESCAPES):  # a plain search is faster than the pattern on megabytes
        return text
    return _JSON_ESCAPE_RE.sub(lambda m: _JSON_ESCAPES[m.group()], text)


_PANEL = _JINJA.from_string("""\
<div class="idpmap-panel idpmap-box" id="idpmap-panel">
<button type="button" class="idpmap-toggle" aria-expanded="true" aria-controls="idpmap-panel-body"
 title="show or hide the title panel"><span class="idpmap-toggle-icon idpmap-i">i</span>
<span class="idpmap-toggle-text">{{ title }}</span></button>
<div class="idpmap-body" id="idpmap-panel-body">
<h1 class="idpmap-title">{{ title }}</h1>
{% if period %}<div class="idpmap-period">{{ period }}</div>{% endif %}
<div class="idpmap-total" id="idpmap-total">{{ headline }}</div>
<div class="idpmap-time" id="idpmap-time">
<div class="idpmap-time-label" id="idpmap-time-label"></div>
<label>from <input type="range" id="idpmap-from" aria-label="from date"></label>
<label>to <input type="range" id="idpmap-to" aria-label="to date"></label>
<button type="button" id="idpmap-play" title="play through the period">&#9654;</button>
</div>
<div class="idpmap-show" id="idpmap-show" role="group" aria-label="flows drawn">
<button type="button" id="idpmap-top" aria-pressed="true" \
title="the largest flows, carrying 90% of the people (at most {{ top }})">largest</button>
<button type="button" id="idpmap-all" aria-pressed="false">all</button>
<span class="idpmap-drawn" id="idpmap-drawn"></span>
</div>
<div class="idpmap-hint">{% if flows %}Click a place to highlight its flows, a flow for its sources.\
{% else %}Click a place for its count and sources.{% endif %}</div>
</div>
</div>
""")

_LEGEND = _JINJA.from_string("""\
<div class="idpmap-legend idpmap-box" id="idpmap-legend">
<button type="button" class="idpmap-toggle" aria-expanded="true" aria-controls="idpmap-legend-body"
 title="show or hide the legend"><span class="idpmap-toggle-icon">&#9776;</span>
<span class="idpmap-toggle-text">Legend</span></button>
<div class="idpmap-body" id="idpmap-legend-body">
{% if widths %}
<div class="idpmap-h">People moved (line width, square-root scale)</div>
{% for value, w in widths %}
<div class="idpmap-row idpmap-wrow"><svg width="46" height="20" aria-hidden="true"><line x1="2" y1="10" x2="44" \
y2="10" stroke="#555" stroke-width="{{ '%.1f' % w }}" stroke-linecap="butt"/></svg><span>{{ value }}</span></div>
{% endfor %}
{% endif %}
{% if modelled %}
<div class="idpmap-row"><svg width="46" height="12" aria-hidden="true"><line x1="2" y1="6" x2="44" y2="6" \
stroke="#555" stroke-width="3" stroke-dasharray="7 4"/></svg>\
<span>modelled split (not stated by a source)</span></div>
{% endif %}
{% if groups %}
<div class="idpmap-h">Colour: area of origin</div>
{% for name, colour, people in groups %}
<div class="idpmap-row"><span class="idpmap-swatch" style="background:{{ colour }}"></span>\
<span>{{ name }} ({{ people }})</span></div>
{% endfor %}
{% endif %}
<div class="idpmap-h">Places (size: people in or out)</div>
<div class="idpmap-row"><span class="idpmap-sym-town"></span><span>{{ place_word }}</span></div>
{% if camps %}<div class="idpmap-row"><span class="idpmap-sym-camp"></span>\
<span>camp or camp cluster</span></div>{% endif %}
{% if approximate %}<div class="idpmap-row"><span class="idpmap-sym-approx"></span>\
<span>location approximate: subdistrict (or wider area)</span></div>{% endif %}
{% if areas %}
<div class="idpmap-h">{{ areas.heading }}, by {{ areas.name }} (shaded)</div>
{% for colour, label in areas.rows %}<div class="idpmap-row">\
<span class="idpmap-swatch" style="background:{{ colour }}"></span><span>{{ label }}</span></div>{% endfor %}
{% endif %}
{% if regions %}<div class="idpmap-row"><span class="idpmap-sym-region"></span>\
<span>area the source names (arrow to its centre)</span></div>{% endif %}
{% if clusters %}<div class="idpmap-row"><span class="idpmap-sym-cluster"></span>\
<span>group of places (zoom in to split)</span></div>{% endif %}
{% if incidents %}<div class="idpmap-row"><span class="idpmap-sym-incident"></span>\
<span>incident (strike)</span></div>{% endif %}
{% if border %}<div class="idpmap-row"><span class="idpmap-sym-border"></span>\
<span>Syria&ndash;Turkey border</span></div>{% endif %}
{% if protect %}<div class="idpmap-note">{{ protect }}</div>{% endif %}
{% for note in notes %}<div class="idpmap-note idpmap-disagree">{{ note }}</div>{% endfor %}
{% if disagree %}<div class="idpmap-note">\
Some flows rest on sources that disagree: their popups (&#9888;) say how.</div>{% endif %}
{% if left_out %}
<div class="idpmap-h">Left out: {{ left_out|length }} item(s), {{ left_total }} people</div>
<ul class="idpmap-left">
{% for what, detail, people in left_out[:10] %}
<li>{{ what }}: {{ detail }}{% if people %} ({{ people }} people){% endif %}</li>
{% endfor %}
{% if left_out|length > 10 %}<li>and {{ left_out|length - 10 }} more</li>{% endif %}
</ul>
{% endif %}
{% if sources %}<div class="idpmap-src"><b>Sources:</b> {{ sources }}</div>{% endif %}
{% if attribution %}<div class="idpmap-src"><b>Map data:</b> {{ attribution }}</div>{% endif %}
</div>
</div>
""")

_TITLE = _JINJA.from_string('<meta http-equiv="Content-Security-Policy" content="{{ csp }}" />\n'
                            '<meta name="generator" content="{{ generator }}" />\n<title>{{ title }}</title>')


def _panel_html(view) -> str:
    return _PANEL.render(title=view.title, period=view.period_text(), headline=view.headline(),
                         top=f"{TOP_FLOWS:,}", flows=len(view.flows) > 0)


def _place_word(view) -> str:
    arrived, _, departed, _ = view.counted
    if not len(view.flows) and (arrived or departed):
        verb = "returned to" if view.returns else "arrived in"
        return f"place people {verb}" + (" or left" if departed else "") + " (counted)"
    return "town or area of origin" if view.has_camps else "place (origin or destination)"


def _legend_html(view, basemap) -> str:
    shown = view.source_names[:12]
    more = f"; and {len(view.source_names) - 12} more" if len(view.source_names) > 12 else ""
    return _LEGEND.render(
        widths=[(fmt_people(v), width_px(v, view.max_people)) for v in view.legend_people],
        modelled=view.has_modelled,
        groups=[(name, colour, fmt_people(people)) for name, colour, people in view.groups],
        place_word=_place_word(view),
        camps=view.has_camps, approximate=view.has_approximate, clusters=bool(view.levels),
        incidents=bool(view.incidents), border=bool(basemap["border"]), protect=view.protect_note,
        areas=_area_legend(view.areas, view.returns), regions=bool(view.regions),
        notes=view.meta_notes, disagree=any(view.notes[1:]),
        left_out=[(w, d, fmt_people(p) if p else "") for w, d, p in view.left_out],
        left_total=fmt_people(sum(p for _w, _d, p in view.left_out)),
        sources="; ".join(shown) + more, attribution="; ".join(_unique(view.attribution + basemap["attribution"])))


def _area_legend(areas, returns=False):
    if not areas:
        return None
    breaks, colours = _area_classes(areas)
    edges = [1] + breaks
    rows = []
    for k, colour in enumerate(colours):
        low = edges[k] if k < len(edges) else edges[-1]
        high = edges[k + 1] - 1 if k + 1 < len(edges) else None
        rows.append((colour, f"{fmt_people(low)}\u2013{fmt_people(high)}" if high else f"{fmt_people(low)} or more"))
    return {"name": areas["name"], "rows": rows, "heading": _AREA_HEADINGS[returns]}


def _unique(items):
    return list(dict.fromkeys(i for i in items if i))


def _build_page(view, data, basemap, *, online_tiles) -> str:
    import folium
    from branca.element import Element, MacroElement

    class OfflineMap(folium.Map):
        # Leaflet is inlined instead; jQuery, Bootstrap, awesome-markers and Font Awesome are not used.
        default_js: list = []
        default_css: list = []

    class Interaction(MacroElement):
        _template = jinja2.Template(
            "{% macro script(this, kwargs) %}"
            "idpmapInit({{ this._parent.get_name() }}, "
            "JSON.parse(document.getElementById('idpmap-data').textContent));"
            "{% endmacro %}")

    def raw(text, name, parent):
        element = Element("{{ this.text }}")
        element.text = text
        parent.add_child(element, name=name)

    (lat_a, lon_a), (lat_b, lon_b) = data["bounds"]
    fmap = OfflineMap(location=[(lat_a + lat_b) / 2, (lon_a + lon_b) / 2], zoom_start=9, tiles=None,
                      font_size="0.8rem", zoom_snap=0.25, zoom_delta=0.5, control_scale=True, prefer_canvas=False)
    figure = fmap.get_root()
    figure.title = None
    js, css = _leaflet_assets()
    header = figure.header
    # Input text reaches the page only through the autoescaping templates above and the escaped JSON.
    raw(_TITLE.render(csp=markupsafe.Markup(_csp(online_tiles)), generator=GENERATOR, title=view.title),
        "idpmap_head", header)
    raw(f"<style>{css}</style>", "leaflet_css", header)
    raw(f"<script>{js}</script>", "leaflet_js", header)
    raw(f"<style>{_asset('map.css')}</style>", "idpmap_css", header)
    raw(f"<script>{_asset('map.js')}</script>", "idpmap_js", header)
    raw('<script type="application/json" id="idpmap-data">' + _json_for_script(data) + "</script>"
        + _panel_html(view) + _legend_html(view, basemap), "idpmap_data", figure.html)
    fmap.add_child(Interaction())
    _stabilise_ids(figure)
    page = figure.render()
    page = page.replace("<html>", '<html lang="en">', 1)
    remote = find_remote_loads(page)
    if remote:
        raise OutputError(f"the map would load {len(remote)} remote resource(s), e.g. {remote[0]!r}; "
                          "it must work offline")
    # Trailing spaces from folium's templates vary with nothing; strip them so diffs stay clean (line by line: a
    # pattern is slow on the megabytes of data in one line).
    lines = page.split("\n")
    return "\n".join([line.rstrip(" \t") for line in lines[:-1]] + lines[-1:])

def _stabilise_ids(figure) -> None:
    """Give every element a counter-based id instead of branca's random one (byte-identical rebuilds)."""
    counter = 0
    seen = set()

    def walk(element):
        nonlocal counter
        if id(element) in seen:
            return
        seen.add(id(element))
        element._id = str(counter)
        counter += 1
        for extra in ("header", "html", "script", "global_switches"):
            child = getattr(element, extra, None)
            if child is not None and hasattr(child, "_children"):
                walk(child)
        for child in list(element._children.values()):
            walk(child)

    walk(figure)



class _RemoteLoadFinder(HTMLParser):
    _LOAD_ATTRS = {"src", "data", "poster", "srcset", "background", "codebase", "archive", "manifest", "ping",
                   "lowsrc", "dynsrc", "formaction", "action", "xlink:href"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    @staticmethod
    def _is_local(url: str) -> bool:
        url = url.strip()
        return url == "" or url.startswith(("#", "data:"))

    def _check_css(self, css: str) -> None:
        for match in re.finditer(r"url\(\s*['\"]?([^'\")]*)", css, re.IGNORECASE):
            if not self._is_local(match.group(1)):
                self.found.append(f"url({match.group(1)})")
        for match in re.finditer(r"@import\s+([^;]*)", css, re.IGNORECASE):
            self.found.append(f"@import {match.group(1).strip()}")

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name in self._LOAD_ATTRS and not self._is_local(value):
                self.found.append(f"<{tag} {name}={value}>")
            elif name == "href" and tag in ("link", "base", "image", "use") and not self._is_local(value):
                self.found.append(f"<{tag} href={value}>")
            elif name == "style":
                self._check_css(value)
            elif name == "content" and tag == "meta" and re.search(r"url\s*=", value, re.IGNORECASE):
                self.found.append(f"<meta content={value}>")
        if tag == "style":
            self._in_style = True

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self._check_css(data)
