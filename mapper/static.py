"""Static map images (PNG, SVG, PDF) of a :class:`~mapper.model.FlowSet`, for reports and print.

The image shows what the HTML map shows, without a browser or network: the country outlines as basemap with the
Turkey–Syria border emphasised, places as circles (towns, areas) or triangles (camps) sized by the people leaving or
arriving, curved flows with arrowheads whose width follows a square-root scale, incidents as context, a legend,
title, period, sources, map-data attribution and a scale bar.

It is drawn to survive black-and-white printing: flows are dark on a light basemap, origins and destinations
differ by fill lightness and camps by marker shape, and nothing is told by colour alone.

Figures are built with :class:`matplotlib.figure.Figure` and the Agg canvas directly (never ``pyplot``), so
rendering touches no global backend state; text from the inputs is drawn literally (no mathtext, no TeX).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import textwrap
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import shapely
from matplotlib import ft2font, patheffects
from matplotlib import text as mtext
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox

from .atomic import GENERATOR, atomic_path, check_target
from .borders import load_borders
from .errors import OutputError
from .view import MAX_PX, build_view, country_outlines, curve_points, nice, width_px

#: Image formats by file extension.
IMAGE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

#: Widest flow line, in points; a flow of ``p`` people is ``_MAX_WIDTH * sqrt(p / largest)`` points wide.
_MAX_WIDTH = 9.0
#: Thinnest line drawn, so that small flows stay visible.
_MIN_WIDTH = 0.8
#: Largest place marker radius, in points; radius follows ``sqrt(people / largest)`` (area ~ people).
_MAX_RADIUS = 13.0
_MIN_RADIUS = 3.0
#: How many places get a name label.
_MAX_LABELS = 12
#: Lines of small print the footer holds below the map.
_FOOTER_LINES = 6

_FLOW_COLOUR = "#1c2541"  # near black navy: dark in greyscale, on a light basemap
_ORIGIN_FILL = "#ffffff"
_DEST_FILL = "#8c8c8c"
_SEA = "#bccddb"  # water: darker than any land when printed in grey, so lakes and sea read as water
_SYRIA_FILL = "#ffffff"
_OTHER_LAND = "#e9e9e5"
_BORDER_COLOUR = "#111111"
_CAMP_KINDS = {"camp", "camp_cluster"}

#: Characters of 8.5 pt text that fit beside a legend symbol (the panel's width).
_LEGEND_CHARS = 30
#: The admin area an approximate place stands for (its precision), finest first.
_APPROXIMATE_AT = {"admin3": "subdistrict", "admin2": "district", "admin1": "governorate"}
_FIGSIZE = (11.0, 8.0)  # inches: landscape, fits an A4/Letter page with margins
#: rcParams for the whole build and save: literal text, text kept as text in SVG, stable SVG ids.
_RC = {
    "text.usetex": False,
    "font.family": "DejaVu Sans",
    "svg.fonttype": "none",  # text stays text: searchable, selectable, and shaped by the viewer (Arabic)
    "svg.hashsalt": "idpmap",
    "svg.id": "idpmap-map",
    "pdf.fonttype": 42,  # TrueType: text can be selected and copied from the PDF
    "path.simplify": True,
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def render_image(flowset, path, *, title=None, min_people=0, force=False, dpi=200, borders=None):
    """Draw ``flowset`` as a static map image, written atomically to ``path``.

    Parameters
    ----------
    flowset : mapper.model.FlowSet
        Flows, places and incidents to draw.
    path : str or pathlib.Path
        Output file; the format follows its extension: ``.png``, ``.svg`` or ``.pdf``.
    title : str, optional
        Title printed above the map; defaults to ``flowset.meta["title"]``. Drawn literally.
    min_people : float, default 0
        Flows carrying fewer people are left out of the drawing and counted in the legend.
    force : bool, default False
        Overwrite an existing file that idpmap did not write.
    dpi : int, default 200
        Resolution of PNG output (and of any rasterised part of PDF/SVG).
    borders : mapper.borders.Borders, optional
        Basemap data; defaults to :func:`mapper.borders.load_borders`.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    OutputError
        Unknown extension, bad ``dpi``, a target idpmap did not write (without ``force``), or flows that cannot be
        drawn (missing column, non-numeric figure). Nothing is written then.

    Notes
    -----
    Flow width in points is ``9 * sqrt(people / people of the largest flow drawn)``, at least 0.8; the legend
    shows reference widths with their figures. Rebuilding from the same inputs gives an identical file.
    Labels carry the Arabic name under the English one where matplotlib can shape Arabic (3.11+, libraqm).
    When ``flowset.meta["protect_sites_km"]`` is set, the legend says camps are shown on that grid.
    """
    path = Path(path)
    fmt = IMAGE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise OutputError(
            f"{path}: unknown image format {path.suffix or '(no extension)'!r}; use .png, .svg or .pdf"
        )
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or not 10 <= dpi <= 1200:
        raise OutputError(f"dpi must be a number from 10 to 1200, got {dpi!r}")
    check_target(path, force=force)  # fail before the (slow) drawing, not after it
    if borders is None:
        borders = load_borders()

    view = build_view(flowset, title=title, min_people=min_people)
    with matplotlib.rc_context(_RC), atomic_path(path, force=force) as tmp:
        fig = draw_view(view, dpi=dpi, borders=borders)
        fig.savefig(tmp, format=fmt, dpi=dpi, metadata=_metadata(fmt, _plain(view.title)))
    return path


def _metadata(fmt, title):
    # Dates are left out so that a rebuild from the same inputs is byte-identical.
    if fmt == "png":
        return {"Software": GENERATOR, "Title": title}
    if fmt == "pdf":
        return {"Creator": GENERATOR, "Producer": GENERATOR, "Title": title, "CreationDate": None, "ModDate": None}
    return {"Creator": GENERATOR, "Title": title, "Date": None}


# --- text ---------------------------------------------------------------------------------------------------------

def _plain(value):
    """Text from the inputs, as it will be drawn: unchanged except what no image format can carry.

    Control characters other than tab, carriage return and newline (NUL, ESC, DEL, ...) are written as visible
    ``\\xNN`` escapes and lone surrogates as U+FFFD, so that SVG stays well-formed XML and PDF/PNG metadata stays
    encodable. Fonts have no glyph for tab or carriage return: a tab is drawn as a space and a carriage return
    (alone or before a newline) as a line break, as a browser reads it.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return _SURROGATE.sub("\ufffd", text)


def _text(target, x, y, s, *, halo=0.0, **kwargs):
    """Add text to an Axes (data coordinates) or Figure (figure fraction), taken literally and with a halo.

    ``$`` and ``\\`` never start mathtext; ``halo`` (points) draws a white outline under the letters.
    """
    transform = target.transData if isinstance(target, Axes) else target.transFigure
    return target.add_artist(_HaloText(x, y, _plain(s), halo=halo, parse_math=False, transform=transform, **kwargs))


def _annotate(ax, s, xy, offset, *, halo=0.0, **kwargs):
    """Text ``offset`` points away from data point ``xy``, taken literally, with a halo (see :func:`_text`)."""
    return ax.add_artist(_HaloAnnotation(_plain(s), xy, xytext=offset, textcoords="offset points",
                                         annotation_clip=False, halo=halo, parse_math=False, **kwargs))


class _Halo:
    """Mixin for Text and Annotation: a white outline drawn under the letters, for legibility over flows.

    matplotlib's stroke path effect would turn SVG text into outlines, so the outline is drawn as a separate pass
    and the text itself stays a real ``<text>`` element: searchable, selectable and shaped by the viewer.
    """

    def __init__(self, *args, halo=0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self._halo_width = halo

    def draw(self, renderer):
        if self._halo_width and self.get_visible():
            colour = self.get_color()
            self.set_path_effects([patheffects.Stroke(linewidth=self._halo_width, foreground="white")])
            self.set_color("white")
            super().draw(renderer)
            self.set_path_effects([])
            self.set_color(colour)
        super().draw(renderer)


class _HaloText(_Halo, mtext.Text):
    pass


class _HaloAnnotation(_Halo, mtext.Annotation):
    pass


def _has_arabic_shaping():
    # matplotlib lays out text with libraqm (joining, right-to-left) from 3.11 on; earlier versions would draw
    # Arabic as isolated letters in the wrong order, so Arabic names are only drawn when the shaper is there.
    return getattr(ft2font, "__libraqm_version__", None) is not None


def _fmt_people(value):
    return f"{value:,.0f}"


def _parse_date(value):
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _format_period(start, end):
    """``12–25 Dec 2019``, ``1 Nov – 25 Dec 2019`` or ``20 Dec 2019 – 5 Jan 2020``."""
    start, end = _parse_date(start), _parse_date(end)
    if start is None and end is None:
        return ""
    if start is None or end is None or start == end:
        day = start or end
        return f"{day.day} {day:%b %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}\u2013{end.day} {end:%b %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%b} \u2013 {end.day} {end:%b %Y}"
    return f"{start.day} {start:%b %Y} \u2013 {end.day} {end:%b %Y}"


def _sources_line(view):
    """``Sources: agency (publisher); ...`` from the view's sources, each agency once."""
    by_agency = {}
    for src in view.sources:
        agency, publisher = _plain(src.agency).strip(), _plain(src.publisher).strip()
        key = agency or publisher
        if not key:
            continue
        pubs = by_agency.setdefault(key, [])
        if publisher and publisher != key and publisher not in pubs:
            pubs.append(publisher)
    parts = [f"{a} ({', '.join(sorted(p))})" if p else a for a, p in sorted(by_agency.items())]
    return "Sources: " + "; ".join(parts) if parts else ""


# --- geometry -----------------------------------------------------------------------------------------------------

def _trim_end(xy, length):
    """Cut ``length`` (display units) off the end of polyline ``xy`` (N x 2 array), keeping at least 2 points."""
    seg = np.hypot(*np.diff(xy, axis=0).T)
    if seg.sum() <= length * 1.5:  # too short to trim: keep the arrow, let it overlap the marker
        return xy
    from_end = np.concatenate([[0.0], np.cumsum(seg[::-1])])[::-1]  # distance of each vertex to the end
    keep = from_end > length
    last = int(np.nonzero(keep)[0][-1])
    # Interpolate the new end point on segment [last, last + 1].
    over = (from_end[last] - length) / seg[last]
    end = xy[last] + (xy[last + 1] - xy[last]) * over
    return np.vstack([xy[: last + 1], end])


def _nice_number(value):
    return nice(value)


# --- data ---------------------------------------------------------------------------------------------------------

def _prepare_flows(view):
    """The flows to draw, largest first, as rows with their ends; flows within one place get no arrow."""
    rows, within = [], (0, 0)
    for k in range(len(view.flows)):
        o, d = view.places[view.flows.origin[k]], view.places[view.flows.dest[k]]
        people = int(view.flows.people[k])
        if (o.lat, o.lon) == (d.lat, d.lon):
            within = (within[0] + 1, within[1] + people)
            continue
        rows.append({"origin_lat": o.lat, "origin_lon": o.lon, "dest_lat": d.lat, "dest_lon": d.lon,
                     "dest_id": d.id, "people": people, "modelled": bool(view.flows.modelled[k])})
    left = [f"{within[0]} flow{'s' * (within[0] != 1)} within one place, no arrow ({_fmt_people(within[1])} people)"] \
        if within[0] else []
    return rows, left


def _prepare_places(view):
    """One row per place with people in or out, the largest first."""
    rows = []
    for p in view.places:
        if p.people_in + p.people_out <= 0:
            continue
        rows.append({"id": p.id, "name": p.name, "name_ar": p.name_ar, "kind": p.kind, "lat": p.lat, "lon": p.lon,
                     "in": p.people_in, "out": p.people_out, "size": max(p.people_in, p.people_out),
                     "camp": p.camp, "origin": p.people_out > p.people_in, "approximate": p.approximate,
                     "precision": p.precision})
    rows.sort(key=lambda r: (-r["size"], _plain(r["id"])))
    return _with_radius(rows)


def _view_extent(points, box_ratio):
    """``(lat_min, lon_min, lat_max, lon_max)`` around ``points`` with a margin; a default over NW Syria.

    The extent is widened in one direction so that, drawn into a box ``box_ratio`` times wider than high, a km
    east-west is as long as a km north-south (equirectangular at the centre latitude).
    """
    if not points:
        points = [(35.3, 35.9), (36.9, 37.4)]
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    lat_c, lon_c = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
    k = math.cos(math.radians(lat_c))
    half_lat = max((max(lats) - min(lats)) / 2 * 1.25, 0.15)  # degrees of latitude
    half_x = max((max(lons) - min(lons)) / 2 * 1.25 * k, 0.15)  # degrees of longitude shrunk to km-true units
    if half_x / half_lat < box_ratio:
        half_x = half_lat * box_ratio
    else:
        half_lat = half_x / box_ratio
    return (lat_c - half_lat, lon_c - half_x / k, lat_c + half_lat, lon_c + half_x / k)


def _build_figure(flowset, *, title, min_people, dpi, borders):
    return draw_view(build_view(flowset, title=title, min_people=min_people), dpi=dpi, borders=borders)


def draw_view(view, *, dpi, borders):
    """A matplotlib Figure of a :class:`~mapper.view.MapView`."""
    flows, left = _prepare_flows(view)
    places = _prepare_places(view)
    incidents = [(i.lat, i.lon) for i in view.incidents]
    sources = _sources_line(view)

    fig = Figure(figsize=_FIGSIZE, dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.025, 0.13, 0.69, 0.76))
    panel = fig.add_axes((0.735, 0.13, 0.245, 0.76))
    panel.set_axis_off()
    panel.set_xlim(0, 1)
    panel.set_ylim(0, 1)

    points = [(r["lat"], r["lon"]) for r in places] or incidents
    box = ax.get_position()
    lat_min, lon_min, lat_max, lon_max = _view_extent(points, box.width * _FIGSIZE[0] / (box.height * _FIGSIZE[1]))
    ax.set_xlim(lon_min, lon_max)
    ax.set_ylim(lat_min, lat_max)
    ax.set_autoscale_on(False)
    ax.set_facecolor(_SEA)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)
        spine.set_color("#444444")

    curves = _flow_paths(ax, flows, places)
    country_labels = _draw_basemap(ax, borders, curves, places, incidents)
    _draw_regions(ax, view.regions)
    ax.set_xlabel("")  # geopandas labels the axes with the CRS's; the map needs no axis labels
    ax.set_ylabel("")
    widths = _draw_flows(ax, flows, curves)
    _draw_places(ax, places, incidents, curves, country_labels)
    _draw_scale_bar(ax)

    _text(fig, 0.025, 0.955, view.title, fontsize=17, weight="bold", va="baseline", ha="left", color="#111111")
    period = _format_period(*view.period)
    subtitle = "  ·  ".join(s for s in (period, view.headline()) if s)
    _text(fig, 0.025, 0.918, subtitle, fontsize=10.5, color="#333333", va="baseline", ha="left")

    _draw_legend(panel, view, widths, places, incidents, left)
    _draw_footer(fig, sources, "; ".join(country_outlines(lat_min, lon_min, lat_max, lon_max, borders)[1]),
                 view.attribution)
    return fig


def _flow_paths(ax, flows, places):
    """Each flow's curve in points on the page, its end trimmed to the destination marker's edge.

    Arrow geometry is worked out in points (not degrees) so that widths and heads are true to the legend.
    """
    radius = {r["id"]: r["radius"] for r in places}
    to_points = 72.0 / ax.figure.dpi
    lines = [np.asarray(curve_points(f["origin_lat"], f["origin_lon"], f["dest_lat"], f["dest_lon"]), dtype=float)
             for f in flows]
    if not lines:
        return []
    # every curve placed on the page by one transform call (lat, lon -> x=lon, y=lat), then cut back into curves
    display = np.split(ax.transData.transform(np.concatenate(lines)[:, ::-1]) * to_points,
                       np.cumsum([len(xy) for xy in lines])[:-1])
    return [_trim_end(xy, radius.get(f["dest_id"], _MIN_RADIUS) + 1.0) for xy, f in zip(display, flows)]


def _with_radius(places):
    largest = max((r["size"] for r in places), default=0.0)
    for row in places:
        share = row["size"] / largest if largest > 0 else 0.0
        row["radius"] = max(_MAX_RADIUS * math.sqrt(share), _MIN_RADIUS)
    return places


def _flow_width(people, largest):
    """The view's width (pixels on screen) as points on paper: the same square-root scale as the HTML map."""
    return width_px(people, largest) * _MAX_WIDTH / MAX_PX


def _arrow_outline(xy, width):
    """Outline of a curved arrow along polyline ``xy`` (N x 2, in points): a shaft ``width`` wide and a head.

    The head is drawn as part of one polygon with the shaft, so that wide flows keep a head wider than
    themselves and a crisp outline; its tip is the last point of ``xy``.
    """
    length = float(np.hypot(*np.diff(xy, axis=0).T).sum())
    head_length = min(max(1.7 * width, 7.0), 0.45 * length)
    half_head = max(1.15 * width, 3.8)
    shaft = _trim_end(xy, head_length)
    if len(shaft) < 2 or shaft is xy:  # too short to trim: a head alone, pointing along the chord
        shaft = np.vstack([xy[0], xy[0] + (xy[-1] - xy[0]) * 0.01])
    tangent = np.gradient(shaft, axis=0)
    tangent /= np.maximum(np.hypot(*tangent.T), 1e-12)[:, None]
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    left = shaft + normal * width / 2
    right = shaft - normal * width / 2
    base, n_end = shaft[-1], normal[-1]
    head = [base + n_end * half_head, xy[-1], base - n_end * half_head]
    return np.vstack([left, head, right[::-1]])


def _arrows(curves, widths, transform, *, to_points, **kwargs):
    """One collection of filled arrows along ``curves`` (each in points), placed with ``transform``.

    A single collection (not a patch per flow) keeps thousands of flows fast to draw and small in SVG/PDF.
    """
    outlines = [_arrow_outline(xy, w) / to_points for xy, w in zip(curves, widths)]
    if outlines:  # one transform call for all of them
        outlines = np.split(transform.inverted().transform(np.concatenate(outlines)),
                            np.cumsum([len(xy) for xy in outlines])[:-1])
    # A thin white edge keeps crossing and bundled flows apart, also in greyscale.
    kwargs.setdefault("facecolors", _FLOW_COLOUR)
    return PolyCollection(outlines, closed=True, edgecolors="white" if "hatch" not in kwargs else _FLOW_COLOUR,
                          linewidths=[min(0.7, 0.2 * w) for w in widths], joinstyle="miter", transform=transform,
                          **kwargs)


def _draw_flows(ax, flows, curves):
    """Draw the flows' arrows, largest first; ``curves`` are in points. Returns the people of the largest flow."""
    to_points = 72.0 / ax.figure.dpi
    largest = max((f["people"] for f in flows), default=0)
    for modelled, gid in ((False, "flows"), (True, "modelled-flows")):
        picked = [k for k, f in enumerate(flows) if f["modelled"] is modelled]
        if not picked:
            continue
        widths = [_flow_width(flows[k]["people"], largest) for k in picked]
        # Modelled splits (no source names the destination) are hatched, pale arrows: told apart in greyscale too.
        style = {"facecolors": "#d9d9d9", "hatch": "////"} if modelled else {}
        ax.add_collection(_arrows([curves[k] for k in picked], widths, ax.transData, to_points=to_points, zorder=4,
                                  gid=gid, **style), autolim=False)
    return largest


def _draw_places(ax, places, incidents, curves, taken=()):
    """Markers for places and incidents, and labels for the main places that avoid the boxes ``taken``."""

    for camp, marker in ((False, "o"), (True, "^")):
        for approximate in (False, True):
            rows = [r for r in places if r["camp"] is camp and r["approximate"] is approximate]
            if not rows:
                continue
            # Triangles look smaller than circles of the same nominal size; scale their area up to match.
            scale = 1.3 if camp else 1.0
            # A place known only by its admin area (no point of its own) has a dashed outline.
            ax.scatter([r["lon"] for r in rows], [r["lat"] for r in rows],
                       s=[(2 * r["radius"]) ** 2 * scale for r in rows], marker=marker,
                       c=[_ORIGIN_FILL if r["origin"] else _DEST_FILL for r in rows], edgecolors="#111111",
                       linewidths=1.1, linestyles=(0, (2, 2)) if approximate else "solid", zorder=6,
                       gid="approximate-places" if approximate else None)
    if incidents:
        ax.scatter([p[1] for p in incidents], [p[0] for p in incidents], marker="x", s=30, c="#111111",
                   linewidths=1.4, zorder=5)

    # Labels for the largest places, placed where they overlap no marker, no other label and stay on the map.
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    pixels = ax.figure.dpi / 72.0
    taken = list(taken)
    # Points along the flows (display pixels), which labels avoid when they can.
    flow_xy = np.vstack([c * pixels for c in curves]) if len(curves) else np.zeros((0, 2))
    for row in places:
        x, y = ax.transData.transform((row["lon"], row["lat"]))
        r = row["radius"] * pixels
        taken.append(Bbox.from_extents(x - r, y - r, x + r, y + r))
    arabic = _has_arabic_shaping()
    for row in places[:_MAX_LABELS]:
        name = _plain(row["name"]) or _plain(row["id"])
        name_ar = _plain(row["name_ar"]).strip() if arabic else ""
        label = f"{name}\n{name_ar}" if name_ar and name_ar != name else name
        longest = max(len(line) for line in label.split("\n"))
        if longest * 8.5 * 0.25 * pixels > frame.width:  # cannot fit even in the narrowest letters: skip early
            continue
        gap = row["radius"] + 2.5
        diag = gap * 0.75
        fallback = None
        for dx, dy, ha, va in ((gap, 0, "left", "center"), (-gap, 0, "right", "center"),
                               (0, gap, "center", "bottom"), (0, -gap, "center", "top"),
                               (diag, diag, "left", "bottom"), (diag, -diag, "left", "top"),
                               (-diag, diag, "right", "bottom"), (-diag, -diag, "right", "top")):
            text = _annotate(ax, label, (row["lon"], row["lat"]), (dx, dy), halo=3.0, ha=ha, va=va, fontsize=8.5,
                             color="#111111", zorder=7, linespacing=1.15)
            box = text.get_window_extent(renderer)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if inside and not any(box.overlaps(other) for other in taken):
                crossed = ((flow_xy[:, 0] >= box.x0) & (flow_xy[:, 0] <= box.x1)
                           & (flow_xy[:, 1] >= box.y0) & (flow_xy[:, 1] <= box.y1)).any()
                if not crossed:  # clear of flows too: the best place
                    taken.append(box)
                    if fallback is not None:
                        fallback[0].remove()
                    break
                if fallback is None:  # on top of a flow, but readable with its halo: keep if nothing better
                    fallback = (text, box)
                    continue
            text.remove()
        else:
            if fallback is not None:
                taken.append(fallback[1])


_REGION_COLOUR = "#5b3a8c"


def _draw_regions(ax, regions):
    """Areas of region destinations (the area the source names): hatched, dashed outline, labelled."""
    from shapely.geometry import shape

    for region in regions:
        geom = shape(region["geometry"])
        gpd.GeoSeries([geom], crs="EPSG:4326").plot(ax=ax, facecolor="none", edgecolor=_REGION_COLOUR, hatch="///",
                                                    linewidth=1.4, linestyle=(0, (5, 3)), aspect=None, zorder=2.5,
                                                    alpha=0.8)
        if not region["label"]:  # its place is labelled already
            continue
        spot = geom.representative_point()
        _text(ax, spot.x, spot.y, region["name"], ha="center", va="center", fontsize=8, style="italic",
              color=_REGION_COLOUR, zorder=8, halo=2.5)


def _draw_basemap(ax, borders, curves, places, incidents):
    lon_min, lon_max = ax.get_xlim()
    lat_min, lat_max = ax.get_ylim()
    view = shapely.box(lon_min, lat_min, lon_max, lat_max)
    pad = max(lon_max - lon_min, lat_max - lat_min) * 0.1
    outlines, _credit = country_outlines(lat_min, lon_min, lat_max, lon_max, borders,
                                         [(r["lat"], r["lon"]) for r in places], margin=pad)
    countries = gpd.GeoDataFrame([{"name": n, "iso3": i, "home": h, "geometry": g} for n, i, g, h in outlines],
                                 columns=["name", "iso3", "home", "geometry"], geometry="geometry", crs="EPSG:4326")
    if len(countries):
        clipped = countries.clip(view.buffer(pad))
        clipped = clipped.set_geometry(clipped.geometry.apply(_fill_small_holes, min_area=0.002))
        clipped.plot(ax=ax, color=[_SYRIA_FILL if h else _OTHER_LAND for h in clipped["home"]], edgecolor="#9a9a9a",
                     linewidth=0.6, aspect=None, zorder=1)
    line = _border_line(borders)
    if line is not None and line.intersects(view.buffer(pad)):
        gpd.GeoSeries([line.intersection(view.buffer(pad))], crs="EPSG:4326").plot(
            ax=ax, color=_BORDER_COLOUR, linewidth=2.4, linestyle=(0, (7, 3)), aspect=None, zorder=3)

    # Country names: where they are farthest from flows and places (for Turkey and Syria: near the border), and
    # wholly inside the country, so that a name is never read as belonging to the neighbour.
    to_data = ax.transData.inverted()
    to_points = 72.0 / ax.figure.dpi
    obstacles = [shapely.Point(r["lon"], r["lat"]) for r in places]
    obstacles += [shapely.Point(lon, lat) for lat, lon in incidents]
    obstacles += [shapely.LineString(to_data.transform(c / to_points)) for c in curves if len(c) >= 2]
    obstacle = shapely.GeometryCollection(obstacles) if obstacles else None
    height = lat_max - lat_min
    xs = np.linspace(lon_min, lon_max, 25)[2:-2]  # not hard against the frame
    ys = np.linspace(lat_min, lat_max, 19)[2:-2]
    grid = shapely.points(np.array([(x, y) for y in ys for x in xs]))
    renderer = ax.figure.canvas.get_renderer()
    boxes = []
    for record in countries.to_dict("records"):
        shape = record["geometry"].intersection(view)
        if shape.is_empty or shape.area < 0.02 * view.area:
            continue
        inside = grid[shapely.contains(shape, grid)]
        if not len(inside):
            continue
        score = np.minimum(shapely.distance(inside, obstacle), 0.2 * height) if obstacle else np.zeros(len(inside))
        iso3 = _plain(record.get("iso3"))
        near_border = iso3 in ("TUR", "SYR") and line is not None
        if near_border:
            score = score - 0.8 * np.abs(shapely.distance(inside, line) - 0.07 * height)
        name = _plain(record.get("name")) or iso3
        text = _text(ax, 0, 0, name.upper(), ha="center", va="center", fontsize=13 if near_border else 10,
                     weight="bold" if near_border else "normal", color="#3a3a3a" if near_border else "#8a8a8a",
                     zorder=2, fontstretch="expanded", halo=2.5)
        for i in np.argsort(-score, kind="stable")[:40]:
            text.set_position((inside[i].x, inside[i].y))
            box = text.get_window_extent(renderer)
            (x0, y0), (x1, y1) = to_data.transform([(box.x0, box.y0), (box.x1, box.y1)])
            if shape.contains(shapely.box(x0, y0, x1, y1)):
                boxes.append(box)
                break
        else:
            text.remove()
    return boxes


def _fill_small_holes(geometry, *, min_area):
    """``geometry`` without interior rings under ``min_area`` square degrees (~20 km² for 0.002 here).

    The outline data has many small holes (digitising slivers, ponds) that would print as specks of sea on land.
    """
    if geometry is None or geometry.is_empty or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        return geometry
    parts = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        holes = [ring for ring in polygon.interiors if shapely.Polygon(ring).area >= min_area]
        parts.append(shapely.Polygon(polygon.exterior, holes))
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _border_line(borders):
    """The Turkey–Syria border line of the basemap data (a shapely line), or None when it has none."""
    line = getattr(borders, "border", None)
    return None if line is None or line.is_empty else line


def _draw_scale_bar(ax):
    """A two-part bar in the lower left with its length in km (equirectangular at the map's centre latitude)."""
    lon_min, lon_max = ax.get_xlim()
    lat_min, lat_max = ax.get_ylim()
    km_per_deg_lon = 111.32 * math.cos(math.radians((lat_min + lat_max) / 2))
    length_km = _nice_number((lon_max - lon_min) * km_per_deg_lon / 5)
    length_deg = length_km / km_per_deg_lon
    x0 = lon_min + (lon_max - lon_min) * 0.04
    y0 = lat_min + (lat_max - lat_min) * 0.045
    h = (lat_max - lat_min) * 0.008
    for i, fill in enumerate(("#111111", "#ffffff")):
        ax.add_patch(Rectangle((x0 + i * length_deg / 2, y0), length_deg / 2, h, facecolor=fill,
                               edgecolor="#111111", linewidth=0.8, zorder=8))
    label_y = y0 + h * 1.8
    halo = {"halo": 2.5}
    for x, s in ((x0, "0"), (x0 + length_deg, f"{length_km:g} km")):
        _text(ax, x, label_y, s, ha="center", va="bottom", fontsize=7.5, zorder=8, **halo)
    # North is up in this projection; say so.
    _text(ax, lon_max - (lon_max - lon_min) * 0.035, lat_max - (lat_max - lat_min) * 0.05, "N\n\u2191",
          ha="center", va="top", fontsize=10, weight="bold", zorder=8, linespacing=0.9, **halo)


def _draw_legend(panel, view, largest, places, incidents, left):
    trans = panel.transData
    to_points = 72.0 / panel.figure.dpi
    y = 0.985

    def heading(s):
        nonlocal y
        _text(panel, 0.0, y, s, fontsize=9.5, weight="bold", va="top")
        y -= 0.045

    def row(draw, s, height=0.05):
        nonlocal y
        s = textwrap.fill(s, _LEGEND_CHARS)  # a longer label would run off the page
        height = max(height, 0.05 + 0.03 * s.count("\n"))
        draw(y - height / 2 + 0.012)
        _text(panel, 0.3, y - height / 2 + 0.012, s, fontsize=8.5, va="center")
        y -= height

    def notes_block(lines, **style):
        nonlocal y
        for note in lines:
            wrapped = textwrap.fill(note, 38)
            _text(panel, 0.0, y, wrapped, fontsize=8, va="top", color="#222222", **style)
            y -= 0.032 * (wrapped.count("\n") + 1) + 0.008

    heading("Total shown")
    _text(panel, 0.0, y, f"{_fmt_people(view.headline_people)} people", fontsize=13, weight="bold", va="top")
    y -= 0.075

    if largest >= 1:
        heading("Flow width (people)")
        references = sorted({_nice_number(largest / k) for k in (1, 5, 40) if largest / k >= 1}, reverse=True)
        for ref in references:
            width = _flow_width(ref, largest)
            row(lambda yy, w=width: panel.add_collection(_arrows(
                [trans.transform(np.array([(0.0, yy), (0.24, yy)])) * to_points], [w], trans, to_points=to_points),
                autolim=False),
                _fmt_people(ref), height=max(0.05, width / 260))
        if view.has_modelled:
            row(lambda yy: panel.add_collection(_arrows(
                [trans.transform(np.array([(0.0, yy), (0.24, yy)])) * to_points], [4.0], trans, to_points=to_points,
                facecolors="#d9d9d9", hatch="////"), autolim=False), "modelled split (no source names it)")
        y -= 0.01

    heading("Places")
    arrived, _, departed, _ = view.counted
    if not len(view.flows) and (arrived or departed):  # a map of places' own counts: no origins or destinations
        symbols = [("o", _ORIGIN_FILL, "place people left (size: counted)", 1.0)] if departed else []
        verb = "returned to" if view.returns else "arrived in"
        symbols += [("o", _DEST_FILL, f"place people {verb} (size: counted)", 1.0)] if arrived else []
    else:
        symbols = [("o", _ORIGIN_FILL, "origin (size: people leaving)", 1.0),
                   ("o", _DEST_FILL, "destination (size: arriving)", 1.0)]
    if any(r["camp"] for r in places):
        symbols.append(("^", _DEST_FILL, "camp or camp cluster", 1.3))
    for marker, fill, label, scale in symbols:
        row(lambda yy, m=marker, f=fill, s=scale: panel.scatter([0.12], [yy], marker=m, s=110 * s, c=f,
                                                                edgecolors="#111111", linewidths=1.1), label)
    areas = [word for level, word in _APPROXIMATE_AT.items() if any(r["precision"] == level for r in places)]
    if areas:
        row(lambda yy: panel.scatter([0.12], [yy], marker="o", s=110, c=_ORIGIN_FILL, edgecolors="#111111",
                                     linewidths=1.1, linestyles=(0, (2, 2))),
            "location approximate: " + " or ".join(areas))
    if incidents:
        row(lambda yy: panel.scatter([0.12], [yy], marker="x", s=30, c="#111111", linewidths=1.4),
            "incident (context)")
    if view.regions:
        row(lambda yy: panel.add_patch(Rectangle((0.0, yy - 0.012), 0.24, 0.024, facecolor="none", hatch="///",
                                                 edgecolor=_REGION_COLOUR, linestyle=(0, (5, 3)))),
            "area the source names")
    if view.in_syria:
        row(lambda yy: panel.add_line(Line2D([0.0, 0.24], [yy, yy], color=_BORDER_COLOUR, linewidth=2.4,
                                             linestyle=(0, (7, 3)))), "Turkey–Syria border")
    y -= 0.01

    notes = list(left)
    tally = {}
    for what, detail, people in view.left_out:
        if what == "below min-people":
            notes.append(f"{detail} ({_fmt_people(people)} people)")
            continue
        count, total = tally.get(_plain(what), (0, 0))
        tally[_plain(what)] = (count + 1, total + people)
    for what, (count, people) in sorted(tally.items()):
        notes.append(f"{count} × {what}" + (f" ({_fmt_people(people)} people)" if people else ""))
    heading("Left out of the map")
    notes_block(notes or ["nothing"])
    disagree = [n for n in view.notes[1:] if n and n not in view.meta_notes]  # the build's notes say most already
    extra = view.meta_notes + [f"Sources disagree: {n}" for n in disagree[:3]]
    if len(disagree) > 3:
        extra.append(f"and {len(disagree) - 3} more flows whose sources disagree")
    extra += [view.protect_note] if view.protect_note else []
    if extra:
        y -= 0.015
        notes_block(extra, style="italic")


def _draw_footer(fig, sources, basemap, attribution):
    """Small print under the map: report sources, map-data attribution, where place coordinates come from."""
    basemap = _plain(basemap)
    places = []
    for item in attribution:
        if _plain(item) and _plain(item) != basemap and _plain(item) not in places:
            places.append(_plain(item))
    width = 190  # characters of 6.5 pt text across the page
    lines = textwrap.wrap(sources, width) if sources else []
    lines += textwrap.wrap((f"Map data: {basemap}. " if basemap else "") + f"Made with {GENERATOR}.", width)
    if places:
        # The footer has room for about six lines; a long list of coordinate sources is cut, with a count.
        room = max(_FOOTER_LINES - len(lines), 1)
        for shown in range(len(places), 0, -1):
            more = len(places) - shown
            text = "Place coordinates: " + "; ".join(places[:shown]) + (f"; and {more} more." if more else ".")
            wrapped = textwrap.wrap(text, width)
            if len(wrapped) <= room or shown == 1:
                lines += wrapped[:room]
                break
    _text(fig, 0.025, 0.112, "\n".join(lines), fontsize=6.5, va="top", ha="left", color="#333333",
          linespacing=1.35)
