"""The offline HTML map: one self-contained file, built with folium, that works with no network at all.

:func:`render_map` turns a :class:`~mapper.model.FlowSet` into a single HTML file that NGO staff can email, embed in
a report (``<iframe>``) and open from a USB stick (``file://``):

- Leaflet's JS and CSS are inlined from the ``xstatic-leaflet`` package, its images become data URIs, and folium's
  default CDN assets (jQuery, Bootstrap, awesome-markers, Font Awesome) are left out. A Content-Security-Policy
  forbids any load from the network, and the build fails with :class:`~mapper.errors.OutputError` if the HTML
  would still ask for a remote resource.
- Every flow is a curved arrow whose geometry is computed here, in Python: a quadratic Bézier curve in a local
  plane (equirectangular about the map's centre, good to well under 1% over a few hundred km), bent to the right of
  the direction of travel so that A -> B and B -> A do not overlap, trimmed slightly at the destination and ended
  with a V arrowhead. The curve is sampled at :data:`CURVE_SEGMENTS` segments, snapped to a 1e-4 degree grid and
  sent to the browser as third differences (zero but for rounding: a Bézier curve is a parabola), so a flow costs
  about 50 bytes of HTML.
  All flows form one ``L.geoJSON`` layer; their popups are built on click from that compact data.
- Line width follows a square-root scale: ``width_px = MIN_PX + (MAX_PX - MIN_PX) * sqrt(people / max_people)``,
  so the area of ink grows with the number of people; the legend shows the scale with people figures.
- Same inputs, same bytes: folium's random element ids are replaced by counter-based ones.

Text from the inputs never reaches the page unescaped: the legend is built here with :func:`html.escape`, the data
travel as JSON with ``<``, ``>``, ``&``, U+2028 and U+2029 escaped, and the map's script inserts text with
``textContent`` only; URLs become links only when they are http(s).
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import math
import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import numpy as np

from .atomic import GENERATOR, atomic_open
from .errors import MapperError, OutputError
from .flows import protected_sites_label

#: Thinnest and thickest flow line, in screen pixels.
MIN_PX = 1.5
MAX_PX = 16.0
#: Segments each curve is sampled at (the browser draws them as a polyline).
CURVE_SEGMENTS = 8
#: Coordinates in the page are integers in units of 1 / COORD_SCALE degrees (1e-4 degrees is about 11 m).
COORD_SCALE = 10_000
#: How far the curve bends: the control point sits this fraction of the flow's length off the straight line.
CURVATURE = 0.2
#: Number of places that get a permanent label (the largest by people in + out).
MAIN_LABELS = 12
#: Colours for origin areas (Okabe-Ito, readable by colour-blind readers); areas beyond these share OTHER_COLOUR.
AREA_COLOURS = ("#d55e00", "#0072b2", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#7a5195")
OTHER_COLOUR = "#7f7f7f"
#: Offered only with ``online_tiles=True``; never loaded by default.
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "Tiles \u00a9 OpenStreetMap contributors (ODbL)"

_CAMP_KINDS = frozenset({"camp", "camp_cluster"})
# Alphabet of the varint encoding: URL-safe base64, so flow strings need no escaping in JSON or HTML.
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SMALL = 1 << 15
_VARINTS: list[str] = []
_REQUIRED_FLOW_COLUMNS = ("origin_id", "dest_id", "origin_lat", "origin_lon", "dest_lat", "dest_lon", "people")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_JSON_ESCAPE_RE = re.compile("[<>&\u2028\u2029]")
# Placeholders replaced after folium has rendered: input text never goes through a (Jinja) template. They hold
# '<', which escaped input text can never contain.
_DATA_SLOT = "<!--idpmap:data-->"
_PANEL_SLOT = "<!--idpmap:panel-->"
_LEGEND_SLOT = "<!--idpmap:legend-->"


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
        Map title; defaults to ``flowset.meta["title"]``, else a title made from the period.
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
        The FlowSet lacks columns the map needs (a ``ValueError`` too).
    OutputError
        The page would load a remote resource, or ``path`` cannot be written.
    """
    min_people = _check_min_people(min_people)
    flows = _check_flows(flowset)
    data, legend = _build_data(flowset, flows, title=title, min_people=min_people, online_tiles=online_tiles)
    page = _build_page(data, legend, online_tiles=online_tiles)
    if path is not None:
        with atomic_open(path, "w", force=force, newline="\n") as fh:
            fh.write(page)
    return page


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


# --- checks -------------------------------------------------------------------------------------------------------


def _check_min_people(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as err:
        raise _BadArgument(f"min_people: expected a number of people >= 0, got {value!r}") from err
    if not math.isfinite(number) or number < 0:
        raise _BadArgument(f"min_people: expected a number of people >= 0, got {value!r}")
    return number


class _BadArgument(MapperError, ValueError):
    """A bad argument to :func:`render_map` (named in the message)."""


def _check_flows(flowset):
    flows = getattr(flowset, "flows", None)
    if flows is None or not hasattr(flows, "columns"):
        raise _BadArgument(f"expected a FlowSet with a flows frame, got {type(flowset).__name__}")
    missing = [c for c in _REQUIRED_FLOW_COLUMNS if c not in flows.columns]
    if missing:
        raise _BadArgument(f"flows frame lacks column(s) {', '.join(missing)}")
    return flows


# --- data for the page --------------------------------------------------------------------------------------------


def _text(value) -> str:
    """A cell as text: missing values (None, NaN) become ''."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()[:10]
    return str(value)


def _number(value, default=0.0) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def _fmt_people(value: float) -> str:
    return f"{round(value):,}"


def _varint_table() -> list[str]:
    if not _VARINTS:
        _VARINTS.extend(_encode_varint(v) for v in range(_SMALL))
    return _VARINTS


def _encode_varint(value: int) -> str:
    """Unsigned integer -> chars of 5 data bits each, low bits first, bit 6 (32) set while more follow."""
    out = []
    while True:
        chunk = value & 31
        value >>= 5
        if value:
            out.append(_ALPHABET[chunk | 32])
        else:
            out.append(_ALPHABET[chunk])
            return "".join(out)


def _zigzag(values: np.ndarray) -> np.ndarray:
    return np.where(values < 0, -2 * values - 1, 2 * values)


def _encode_rows(rows: np.ndarray) -> list[str]:
    table = _varint_table()
    out = []
    for row in rows.tolist():
        out.append("".join(table[v] if v < _SMALL else _encode_varint(v) for v in row))
    return out


def _curves(o_lat, o_lon, d_lat, d_lon, weight, lat0, lon0):
    """Curved-arrow geometry for every flow, as integer grid coordinates.

    Returns ``(points, wings)``: ``points`` has shape (n, CURVE_SEGMENTS + 1, 2) (lat, lon) from the origin to the
    arrow's tip; ``wings`` has shape (n, 2, 2), the two ends of the V arrowhead.
    """
    kx = 111.32 * math.cos(math.radians(lat0))  # km per degree of longitude about the centre
    ky = 110.574  # km per degree of latitude
    ox, oy = (o_lon - lon0) * kx, (o_lat - lat0) * ky
    dx, dy = (d_lon - lon0) * kx, (d_lat - lat0) * ky
    vx, vy = dx - ox, dy - oy
    length = np.hypot(vx, vy)
    loop = length < 0.05  # origin and destination coincide: draw a small loop above the place
    safe = np.where(loop, 1.0, length)
    # Control point: off the midpoint, to the right of the direction of travel.
    cx = np.where(loop, ox + 1.0, (ox + dx) / 2 + vy / safe * CURVATURE * length)
    cy = np.where(loop, oy + 3.0, (oy + dy) / 2 - vx / safe * CURVATURE * length)
    # Stop short of the destination so the arrowhead shows beside the destination's marker.
    trim = np.minimum(0.08 * length, 1.5)
    t_end = np.where(loop, 1.0, 1.0 - trim / (2 * np.hypot(dx - cx, dy - cy) + 1e-9))
    t = np.linspace(0.0, 1.0, CURVE_SEGMENTS + 1)[None, :] * t_end[:, None]
    a, b, c = (1 - t) ** 2, 2 * (1 - t) * t, t**2
    px = a * ox[:, None] + b * cx[:, None] + c * dx[:, None]
    py = a * oy[:, None] + b * cy[:, None] + c * dy[:, None]
    # Arrowhead: a V along the tangent at the tip, longer for longer and bigger flows.
    te = t_end
    tx = 2 * (1 - te) * (cx - ox) + 2 * te * (dx - cx)
    ty = 2 * (1 - te) * (cy - oy) + 2 * te * (dy - cy)
    tn = np.hypot(tx, ty) + 1e-12
    ux, uy = tx / tn, ty / tn
    head = np.clip(0.12 * np.where(loop, 8.0, length), 0.8, 3.0) * (0.8 + 0.6 * weight)
    wings = []
    for angle in (math.radians(25), -math.radians(25)):
        cos, sin = math.cos(angle), math.sin(angle)
        bx, by = -(ux * cos - uy * sin), -(ux * sin + uy * cos)
        wings.append((px[:, -1] + head * bx, py[:, -1] + head * by))
    lat = np.rint((py / ky + lat0) * COORD_SCALE).astype(np.int64)
    lon = np.rint((px / kx + lon0) * COORD_SCALE).astype(np.int64)
    points = np.stack([lat, lon], axis=2)
    wing_pts = np.stack(
        [np.stack([np.rint((wy / ky + lat0) * COORD_SCALE), np.rint((wx / kx + lon0) * COORD_SCALE)], axis=1)
         for wx, wy in wings],
        axis=1,
    ).astype(np.int64)
    return points, wing_pts


def _encode_geometry(points: np.ndarray, wings: np.ndarray, origin_q: np.ndarray) -> np.ndarray:
    """Zigzag integers for each curve: its first step and first second difference from the grid-snapped origin,
    then the third differences (zero but for rounding: the curve is a parabola), then the wings' offsets from the tip.
    """
    points = points.copy()
    points[:, 0, :] = origin_q
    d1 = np.diff(points, axis=1)
    d2 = np.diff(d1, axis=1)
    d3 = np.diff(d2, axis=1)
    wing = wings - points[:, -1:, :]
    n = len(points)
    parts = [d1[:, 0, :], d2[:, 0, :], d3.reshape(n, -1), wing.reshape(n, -1)]
    return _zigzag(np.concatenate([part.reshape(n, -1) for part in parts], axis=1))


def _source_text(src: dict) -> str:
    """'more than 235,000 people' from a source's figure fields (plain text; escaped where it is shown)."""
    lo, hi = _number(src.get("figure_min"), None), _number(src.get("figure_max"), None)
    fig = _number(src.get("figure"), None)
    if lo is not None and hi is not None and lo != hi:
        amount = f"{_fmt_people(lo)}\u2013{_fmt_people(hi)}"
    elif fig is not None or lo is not None:
        amount = _fmt_people(fig if fig is not None else lo)
    else:
        return ""
    parts = [_text(src.get("qualifier")), amount, _text(src.get("unit"))]
    return " ".join(p for p in parts if p)


class _Tables:
    """Deduplicated lookup tables shared by all flows: periods, sources, source sets, split rules."""

    def __init__(self):
        self.periods, self._period_ix = [], {}
        self.sources, self._source_ix = [], {}
        self.srcsets, self._srcset_ix = [], {}
        self.splits, self._split_ix = [], {}
        self._raw_ix = {}
        self.days: set = set()  # every period start and end seen, to span the time filter

    @staticmethod
    def _intern(key, table, index):
        found = index.get(key)
        if found is None:
            found = index[key] = len(table)
            table.append(list(key) if isinstance(key, tuple) else key)
        return found

    def period(self, start, end) -> int:
        self.days.update(d for d in (_text(start)[:10], _text(end)[:10]) if _ISO_DAY.match(d))
        return self._intern((_text(start)[:10], _text(end)[:10]), self.periods, self._period_ix)

    def split(self, rule) -> int:
        return self._intern(_text(rule), self.splits, self._split_ix)

    def srcset(self, raw) -> int:
        raw = _text(raw)
        found = self._raw_ix.get(raw)
        if found is not None:
            return found
        try:
            items = json.loads(raw) if raw else []
        except ValueError:
            items = [{"note": raw}]
        if isinstance(items, dict):
            items = [items]
        ids = []
        for src in items if isinstance(items, list) else []:
            if not isinstance(src, dict):
                src = {"note": _text(src)}
            self.days.update(d for d in (_text(src.get("period_start"))[:10], _text(src.get("period_end"))[:10])
                             if _ISO_DAY.match(d))
            key = (
                _text(src.get("report_id")),
                _text(src.get("agency")),
                _text(src.get("publisher")),
                _text(src.get("published"))[:10],
                _text(src.get("url")).strip(),
                _source_text(src),
                _text(src.get("note")),
            )
            ids.append(self._intern(key, self.sources, self._source_ix))
        found = self._raw_ix[raw] = self._intern(tuple(ids), self.srcsets, self._srcset_ix)
        return found


def _places_table(flowset, flows):
    """Every place the map shows, in a stable order: the FlowSet's places first, then any others the flows name."""
    rows, index = [], {}

    def add(pid, name, name_ar, kind, lat, lon, pcode, admin1, admin2):
        pid = _text(pid)
        if pid in index:
            return
        index[pid] = len(rows)
        rows.append({"id": pid, "name": _text(name), "name_ar": _text(name_ar), "kind": _text(kind),
                     "lat": _number(lat), "lon": _number(lon), "pcode": _text(pcode), "admin1": _text(admin1),
                     "admin2": _text(admin2), "in": 0.0, "out": 0.0})

    places = getattr(flowset, "places", None)
    if places is not None and hasattr(places, "columns") and "place_id" in places.columns:
        cols = {c: (places[c].tolist() if c in places.columns else [""] * len(places))
                for c in ("place_id", "name", "name_ar", "kind", "lat", "lon", "pcode", "admin1", "admin2")}
        for values in zip(*cols.values()):
            add(*values)
    for end in ("origin", "dest"):
        cols = [flows[f"{end}_{f}"].tolist() if f"{end}_{f}" in flows.columns else [""] * len(flows)
                for f in ("id", "name", "name_ar", "kind", "lat", "lon", "pcode", "admin1", "admin2")]
        for values in zip(*cols):
            add(*values)
    return rows, index


def _area_key(place: dict) -> str:
    return place["admin2"] or place["admin1"] or place["pcode"] or place["id"]


def _area_names(keys) -> dict:
    """English names of admin areas by P-code, from the gazetteer where it knows them."""
    names = {}
    try:
        from gazetteer import Gazetteer

        gaz = Gazetteer.default()
    except Exception:  # the map still works with P-codes as names  # noqa: BLE001
        return names
    for key in keys:
        try:
            place = gaz.by_pcode(key)
        except Exception:  # noqa: BLE001
            place = None
        if place is not None:
            names[key] = place.name + (f" ({place.kind})" if place.kind in ("district", "subdistrict") else "")
    return names


def _nice(value: float) -> float:
    """The largest 1, 2 or 5 x 10^k not above ``value``."""
    if value <= 0:
        return 0.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (5, 2, 1):
        if step * exp <= value:
            return step * exp
    return exp


def width_px(people, max_people) -> float:
    """Line width in pixels for a flow of ``people`` on a map whose largest flow carries ``max_people``."""
    if max_people <= 0:
        return MIN_PX
    return MIN_PX + (MAX_PX - MIN_PX) * math.sqrt(max(0.0, min(people, max_people)) / max_people)


def _build_data(flowset, flows, *, title, min_people, online_tiles):
    meta = dict(getattr(flowset, "meta", None) or {})
    people_all = np.array([_number(v) for v in flows["people"].tolist()], dtype=float)
    keep = people_all >= min_people if min_people > 0 else np.ones(len(flows), dtype=bool)
    dropped = int((~keep).sum())
    dropped_people = float(people_all[~keep].sum())
    shown = flows[keep] if dropped else flows
    people = people_all[keep]

    places, place_ix = _places_table(flowset, flows)
    tables = _Tables()
    n = len(shown)
    o_idx = np.array([place_ix[_text(v)] for v in shown["origin_id"].tolist()], dtype=np.int64)
    d_idx = np.array([place_ix[_text(v)] for v in shown["dest_id"].tolist()], dtype=np.int64)
    for i, j, p in zip(o_idx.tolist(), d_idx.tolist(), people.tolist()):
        places[i]["out"] += p
        places[j]["in"] += p

    def col(name, default=""):
        return shown[name].tolist() if name in shown.columns else [default] * n

    p_min = np.array([_number(v, np.nan) for v in col("people_min", None)], dtype=float)
    p_max = np.array([_number(v, np.nan) for v in col("people_max", None)], dtype=float)
    p_min = np.where(np.isnan(p_min), people, p_min)
    p_max = np.where(np.isnan(p_max), people, p_max)
    period_ix = [tables.period(s, e) for s, e in zip(col("period_start"), col("period_end"))]
    srcset_ix = [tables.srcset(s) for s in col("sources")]
    split_ix = [tables.split(s) for s in col("split_rule")]

    # Colour by origin area: the areas carrying most people get their own colour.
    area_people: dict = {}
    for i, p in zip(o_idx.tolist(), people.tolist()):
        key = _area_key(places[i])
        area_people[key] = area_people.get(key, 0.0) + p
    ranked = sorted(area_people, key=lambda k: (-area_people[k], k))
    own = ranked[: len(AREA_COLOURS)] if len(ranked) <= len(AREA_COLOURS) else ranked[: len(AREA_COLOURS) - 1]
    names = _area_names(own)
    by_key = {}
    for key in ranked:
        if key in own:
            by_key[key] = own.index(key)
    groups = [[names.get(k) or next((p["name"] for p in places if p["pcode"] == k), "") or k,
               AREA_COLOURS[i], area_people[k]] for i, k in enumerate(own)]
    if len(ranked) > len(own):
        groups.append(["Other areas", OTHER_COLOUR, sum(area_people[k] for k in ranked[len(own):])])
    other = len(groups) - 1

    if places:
        lats = [p["lat"] for p in places]
        lons = [p["lon"] for p in places]
        lat0, lon0 = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
    else:
        lat0, lon0 = 36.0, 36.7  # north-west Syria
        lats, lons = [lat0], [lon0]
    max_people = float(people.max()) if n else 0.0
    encoded = []
    if n:
        weight = np.sqrt(np.clip(people, 0, None) / max_people) if max_people > 0 else np.zeros(n)
        plat = np.array([p["lat"] for p in places])
        plon = np.array([p["lon"] for p in places])
        points, wings = _curves(plat[o_idx], plon[o_idx], plat[d_idx], plon[d_idx], weight, lat0, lon0)
        origin_q = np.stack([np.rint(plat[o_idx] * COORD_SCALE), np.rint(plon[o_idx] * COORD_SCALE)],
                            axis=1).astype(np.int64)
        header = np.stack([
            o_idx, d_idx, np.rint(people).astype(np.int64),
            np.rint(np.clip(people - p_min, 0, None)).astype(np.int64),
            np.rint(np.clip(p_max - people, 0, None)).astype(np.int64),
            np.array(period_ix, dtype=np.int64), np.array(srcset_ix, dtype=np.int64),
            np.array(split_ix, dtype=np.int64),
        ], axis=1)
        encoded = _encode_rows(np.concatenate([header, _encode_geometry(points, wings, origin_q)], axis=1))

    # Places: size by the larger of in and out; the biggest get permanent English + Arabic labels.
    order = sorted(range(len(places)), key=lambda i: (-(places[i]["in"] + places[i]["out"]), i))
    labelled = {i for i in order[:MAIN_LABELS] if places[i]["in"] + places[i]["out"] > 0}
    place_rows = []
    for i, p in enumerate(places):
        key = _area_key(p)
        place_rows.append([
            p["name"], p["name_ar"], p["kind"], round(p["lat"] * COORD_SCALE), round(p["lon"] * COORD_SCALE),
            round(p["in"]), round(p["out"]), by_key.get(key, other if p["out"] > 0 else -1),
            1 if i in labelled else 0, p["pcode"],
        ])

    incidents = []
    inc = getattr(flowset, "incidents", None)
    if inc is not None and hasattr(inc, "columns") and len(inc):
        def icol(name):
            return inc[name].tolist() if name in inc.columns else [""] * len(inc)

        for row in zip(icol("name"), icol("name_ar"), icol("lat"), icol("lon"), icol("period_start"),
                       icol("period_end"), icol("figure"), icol("unit"), icol("qualifier"), icol("note"),
                       icol("sources")):
            name, name_ar, lat, lon, start, end, figure, unit, qualifier, note, sources = row
            lat, lon = _number(lat, None), _number(lon, None)
            if lat is None or lon is None:
                continue
            figure_text = " ".join(x for x in (_text(qualifier), _fmt_people(_number(figure)) if _text(figure)
                                              else "", _text(unit)) if x)
            tables.days.update(d for d in (_text(start)[:10], _text(end)[:10]) if _ISO_DAY.match(d))
            incidents.append([_text(name), _text(name_ar), round(lat * COORD_SCALE), round(lon * COORD_SCALE),
                              _text(start)[:10], _text(end)[:10], figure_text, _text(note), tables.srcset(sources)])
            lats.append(lat)
            lons.append(lon)

    basemap = _basemap(min(lats), min(lons), max(lats), max(lons), [(p["lat"], p["lon"]) for p in places])
    attribution = _attribution(meta, basemap)
    period = _period(meta, tables.periods)
    title = _text(title) or _text(meta.get("title")) or (
        f"Displacement flows, {period[0]} to {period[1]}" if period[0] else "Displacement flows")

    left_out = []
    for item in getattr(flowset, "left_out", None) or []:
        left_out.append((_text(getattr(item, "what", "")), _text(getattr(item, "detail", "")),
                         _number(getattr(item, "people", 0.0))))
    if dropped:
        left_out.append(("below min-people", f"{dropped} flow(s) under {_fmt_people(min_people)} people",
                         dropped_people))

    pad = 0.05
    data = {
        "v": 1,
        "q": COORD_SCALE,
        "seg": CURVE_SEGMENTS,
        "scale": [MIN_PX, MAX_PX, max_people],
        "bounds": [[min(lats) - pad, min(lons) - pad], [max(lats) + pad, max(lons) + pad]],
        "places": place_rows,
        "groups": [[g[0], g[1]] for g in groups],
        "periods": tables.periods,
        # The time filter spans every date behind the map: flows, incidents and the reports the flows rest on.
        "range": [min(tables.days), max(tables.days)] if tables.days else None,
        "sources": tables.sources,
        "srcsets": tables.srcsets,
        "splits": tables.splits,
        "incidents": incidents,
        "outlines": basemap["outlines"],
        "border": basemap["border"],
        "borderLabel": basemap["label"],
        "tiles": [OSM_TILES, OSM_ATTRIBUTION] if online_tiles else None,
        # The attribution control names the basemap's licence; every place source is listed in the legend.
        "attribution": list(basemap["attribution"]) + (["places: idpmap gazetteer (sources in the legend)"]
                                                        if len(attribution) > len(basemap["attribution"]) else []),
        "flows": encoded,
    }
    legend = {
        "title": title,
        "period": period,
        "total": float(people.sum()) if n else 0.0,
        "flows": n,
        "max_people": max_people,
        "groups": groups,
        "left_out": left_out,
        "sources": _source_names(tables.sources),
        "attribution": attribution,
        "protect": meta.get("protect_sites_km"),
        "protect_kinds": meta.get("protect_kinds"),
        "incidents": len(incidents),
    }
    return data, legend


def _period(meta, periods):
    starts = [p[0] for p in periods if p[0]]
    ends = [p[1] for p in periods if p[1]]
    start = _text(meta.get("period_start"))[:10] or (min(starts) if starts else "")
    end = _text(meta.get("period_end"))[:10] or (max(ends) if ends else "")
    return start, end


def _source_names(sources) -> list[str]:
    seen = []
    for _rid, agency, publisher, *_ in sources:
        label = agency if not publisher or publisher == agency else f"{agency} via {publisher}" if agency else publisher
        if label and label not in seen:
            seen.append(label)
    return seen


def _attribution(meta, basemap) -> list[str]:
    items = meta.get("attribution") or []
    if isinstance(items, str):
        items = [items]
    out = []
    for item in list(items) + list(basemap["attribution"]):
        item = _text(item).strip()
        if item and item not in out:
            out.append(item)
    return out


def _round_coords(coords, digits=3):
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(coords[0], digits), round(coords[1], digits)]
    return [_round_coords(c, digits) for c in coords]


def _basemap(lat_min, lon_min, lat_max, lon_max, places) -> dict:
    """Country outlines and the Syria-Turkey border, clipped to the map's surroundings and simplified."""
    import shapely
    from shapely.geometry import box, mapping
    from shapely.ops import nearest_points

    from .borders import load_borders

    borders = load_borders()
    margin = 3.0
    frame = box(lon_min - margin, lat_min - margin, lon_max + margin, lat_max + margin)
    outlines = []
    countries = borders.countries
    name_col = next((c for c in ("name", "NAME", "admin", "ADMIN", "name_en") if c in countries.columns), None)
    iso = countries["iso3"].tolist() if "iso3" in countries.columns else [""] * len(countries)
    for i, geom in enumerate(countries.geometry):
        if geom is None or geom.is_empty:
            continue
        part = shapely.simplify(shapely.intersection(geom, frame), 0.004, preserve_topology=True)
        if part.is_empty:
            continue
        name = _text(countries[name_col].iloc[i]) if name_col else ""
        outlines.append({"type": "Feature", "properties": {"name": name, "iso3": _text(iso[i])},
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
    attribution = borders.attribution
    if isinstance(attribution, str):
        attribution = [attribution]
    return {"outlines": {"type": "FeatureCollection", "features": outlines}, "border": border, "label": label,
            "attribution": list(attribution or [])}


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


def _json_for_script(value) -> str:
    """JSON that is safe inside <script>: no '<', '>', '&' (so no '</script>' or '<!--'), no U+2028/2029."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _JSON_ESCAPE_RE.sub(lambda m: _JSON_ESCAPES[m.group()], text)


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


def _panel_html(legend) -> str:
    """The title panel (title, period, totals, time filter), built here with every input text escaped."""
    esc = html.escape
    start, end = legend["period"]
    period = f"{start} \u2013 {end}" if start and end else (start or end)
    return (
        '<div class="idpmap-panel" id="idpmap-panel">'
        f'<h1 class="idpmap-title">{esc(legend["title"])}</h1>'
        + (f'<div class="idpmap-period">{esc(period)}</div>' if period else "")
        + f'<div class="idpmap-total">{_fmt_people(legend["total"])} people in {legend["flows"]:,} flows shown</div>'
        '<div class="idpmap-time" id="idpmap-time">'
        '<div class="idpmap-time-label" id="idpmap-time-label"></div>'
        '<label>from <input type="range" id="idpmap-from" aria-label="from date"></label>'
        '<label>to <input type="range" id="idpmap-to" aria-label="to date"></label>'
        '<button type="button" id="idpmap-play" title="play through the period">\u25b6</button>'
        "</div>"
        '<div class="idpmap-hint">Click a place to highlight its flows, a flow for its sources.</div>'
        "</div>"
    )


def _legend_html(legend) -> str:
    """The legend: width scale, colours, symbols, what was left out, sources and map-data attribution."""
    esc = html.escape
    parts = ['<div class="idpmap-legend" id="idpmap-legend">']
    top = legend["max_people"]
    if top > 0:
        samples = []
        for value in (top, _nice(top / 4), _nice(top / 16)):
            if value > 0 and value not in samples:
                samples.append(value)
        parts.append('<div class="idpmap-h">People moved (line width, square-root scale)</div>')
        for value in samples:
            w = width_px(value, top)
            parts.append(
                f'<div class="idpmap-row"><svg width="46" height="20" aria-hidden="true">'
                f'<line x1="2" y1="10" x2="44" y2="10" stroke="#555" stroke-width="{w:.1f}" '
                f'stroke-linecap="butt"/></svg><span>{_fmt_people(value)}</span></div>')
    if legend["groups"]:
        parts.append('<div class="idpmap-h">Colour: area of origin</div>')
        for name, colour, people in legend["groups"]:
            parts.append(f'<div class="idpmap-row"><span class="idpmap-swatch" style="background:{colour}">'
                         f'</span><span>{esc(name)} ({_fmt_people(people)})</span></div>')
    parts.append(
        '<div class="idpmap-h">Places (size: people in or out)</div>'
        '<div class="idpmap-row"><span class="idpmap-sym-town"></span><span>town or area of origin</span></div>'
        '<div class="idpmap-row"><span class="idpmap-sym-camp"></span><span>camp or camp cluster</span></div>'
        + ('<div class="idpmap-row"><span class="idpmap-sym-incident"></span><span>incident (strike)</span>'
           "</div>" if legend["incidents"] else "")
        + '<div class="idpmap-row"><span class="idpmap-sym-border"></span><span>Syria\u2013Turkey border</span>'
        "</div>")
    if legend["protect"]:
        parts.append(f'<div class="idpmap-note">{esc(protected_sites_label(legend["protect_kinds"]))} '
                     f'generalised to a {_number(legend["protect"]):g} km grid to protect the people sheltering '
                     "there.</div>")
    if legend["left_out"]:
        total = sum(p for _w, _d, p in legend["left_out"])
        parts.append(f'<div class="idpmap-h">Left out: {len(legend["left_out"])} item(s), '
                     f'{_fmt_people(total)} people</div><ul class="idpmap-left">')
        for what, detail, people in legend["left_out"][:10]:
            extra = f" ({_fmt_people(people)} people)" if people else ""
            parts.append(f"<li>{esc(what)}: {esc(detail)}{extra}</li>")
        if len(legend["left_out"]) > 10:
            parts.append(f"<li>and {len(legend['left_out']) - 10} more</li>")
        parts.append("</ul>")
    if legend["sources"]:
        shown = legend["sources"][:12]
        more = f"; and {len(legend['sources']) - 12} more" if len(legend["sources"]) > 12 else ""
        parts.append(f'<div class="idpmap-src"><b>Sources:</b> {esc("; ".join(shown))}{esc(more)}</div>')
    if legend["attribution"]:
        parts.append(f'<div class="idpmap-src"><b>Map data:</b> {esc("; ".join(legend["attribution"]))}</div>')
    parts.append("</div>")
    return "".join(parts)


def _build_page(data, legend, *, online_tiles) -> str:
    import folium
    from branca.element import Element, MacroElement
    from jinja2 import Template

    class OfflineMap(folium.Map):
        # Leaflet is inlined instead; jQuery, Bootstrap, awesome-markers and Font Awesome are not used.
        default_js: list = []
        default_css: list = []

    class Interaction(MacroElement):
        _template = Template(
            "{% macro script(this, kwargs) %}"
            "idpmapInit({{ this._parent.get_name() }}, "
            "JSON.parse(document.getElementById('idpmap-data').textContent));"
            "{% endmacro %}")

    (lat_a, lon_a), (lat_b, lon_b) = data["bounds"]
    fmap = OfflineMap(location=[(lat_a + lat_b) / 2, (lon_a + lon_b) / 2], zoom_start=9, tiles=None,
                      font_size="0.8rem", zoom_snap=0.25, zoom_delta=0.5,
                      control_scale=True, prefer_canvas=False)
    figure = fmap.get_root()
    js, css = _leaflet_assets()
    # Elements below hold only our own, fixed text: input text is put in after rendering (see the slots).
    header = figure.header
    header.add_child(Element(f'<meta http-equiv="Content-Security-Policy" content="{_csp(online_tiles)}" />'),
                     name="idpmap_csp")
    header.add_child(Element(f'<meta name="generator" content="{html.escape(GENERATOR)}" />'),
                     name="idpmap_generator")
    header.add_child(Element("<style>{{ this.css }}</style>"), name="leaflet_css")
    header._children["leaflet_css"].css = css
    header.add_child(Element("<script>{{ this.js }}</script>"), name="leaflet_js")
    header._children["leaflet_js"].js = js
    header.add_child(Element("<style>{{ this.css }}</style>"), name="idpmap_css")
    header._children["idpmap_css"].css = _asset("map.css")
    header.add_child(Element("<script>{{ this.js }}</script>"), name="idpmap_js")
    header._children["idpmap_js"].js = _asset("map.js")
    figure.html.add_child(Element(f'<script type="application/json" id="idpmap-data">{_DATA_SLOT}</script>'
                                  f"{_PANEL_SLOT}{_LEGEND_SLOT}"), name="idpmap_data")
    fmap.add_child(Interaction())
    figure.title = "\x00title\x00"
    _stabilise_ids(figure)
    page = figure.render()
    page = page.replace("<title>\x00title\x00</title>", f"<title>{html.escape(legend['title'])}</title>", 1)
    page = page.replace("<html>", '<html lang="en">', 1)
    page = page.replace(_PANEL_SLOT, _panel_html(legend), 1).replace(_LEGEND_SLOT, _legend_html(legend), 1)
    # Everything but the inert JSON is checked for remote loads; the JSON cannot load anything ('<' is escaped).
    remote = find_remote_loads(page)
    if remote:
        raise OutputError(f"the map would load {len(remote)} remote resource(s), e.g. {remote[0]!r}; "
                          "it must work offline")
    page = page.replace(_DATA_SLOT, _json_for_script(data), 1)
    # Trailing spaces from folium's templates vary with nothing; strip them so diffs stay clean.
    return re.sub(r"[ \t]+\n", "\n", page)


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
