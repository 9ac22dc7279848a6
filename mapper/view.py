"""One map view, computed once from a :class:`~mapper.model.FlowSet`; ``render`` (HTML) and ``static`` (images) draw it.

:func:`build_view` is the single place that decides what a map shows and how it is labelled:

- the flows shown (the ``min_people`` filter is applied here and nowhere else) and what was left out, with people;
- line width: ONE formula, :func:`width_px` (square-root scale, so ink grows with people), and the legend's "nice"
  reference values (:func:`nice`);
- colour groups (area of origin: admin2, else admin1, else the place itself, named by place name, never by id);
- places with their names, kinds, precision and totals (in, out), labels for the largest;
- clusters of places for aggregation by zoom (by admin P-code where the data has them, else hierarchical
  clustering by distance with scipy), so a map of 100,000 flows stays readable at low zoom;
- headline total, period, sources (the ONE parser of the ``sources`` JSON text), attribution, notes.

Text from the inputs is kept as text (backends escape it) but capped at :data:`MAX_TEXT` characters per field, so
that one enormous field cannot stall a browser or a PDF. Counts that are not finite or beyond
:data:`MAX_PEOPLE` raise :class:`ViewError` with one line naming the flow: never drawn as 0.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import MapperError

#: Thinnest and thickest flow line, in screen pixels (images scale these to points).
MIN_PX = 1.5
MAX_PX = 16.0
#: How far a flow bends: the Bézier control point sits this fraction of the chord off the midpoint, to the right.
CURVATURE = 0.2
#: Places that get a permanent label (the largest by people in + out).
MAIN_LABELS = 12
#: Colours for origin areas (Okabe-Ito, readable by colour-blind readers); areas beyond these share OTHER_COLOUR.
AREA_COLOURS = ("#d55e00", "#0072b2", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#7a5195")
OTHER_COLOUR = "#7f7f7f"
#: Longest text field shown (characters); longer ones are cut with an ellipsis and the count of characters cut.
MAX_TEXT = 2000
#: Largest number of people a flow may carry (more is an input error, not a map).
MAX_PEOPLE = 10**12
#: Places beyond which a map groups places by zoom (below, every place is shown at every zoom).
CLUSTER_MIN_PLACES = 40

CAMP_KINDS = frozenset({"camp", "camp_cluster"})
PRECISIONS = ("point", "admin3", "admin2", "admin1")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SOURCE_KEYS = ("report_id", "agency", "publisher", "published", "url", "figure", "figure_min", "figure_max",
                "qualifier", "unit", "note", "period_start", "period_end")
_REQUIRED = ("origin_id", "dest_id", "origin_lat", "origin_lon", "dest_lat", "dest_lon", "people")


class ViewError(MapperError, ValueError):
    """The FlowSet cannot be drawn (a missing column, a count that is not a finite number); one line."""


# --- the view -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One report behind a flow, place or incident, as shown in popups and the legend."""

    report_id: str
    agency: str
    publisher: str
    published: str
    url: str
    figure: str  # "more than 235,000 people"
    note: str

    @property
    def label(self) -> str:
        """``agency via publisher`` (or whichever is known)."""
        if self.agency and self.publisher and self.publisher != self.agency:
            return f"{self.agency} via {self.publisher}"
        return self.agency or self.publisher


@dataclass
class Place:
    id: str
    name: str
    name_ar: str
    kind: str
    lat: float
    lon: float
    pcode: str = ""
    admin1: str = ""
    admin2: str = ""
    admin3: str = ""
    precision: str = "point"
    people_in: int = 0  # along the flows shown, plus arrivals-only counts of the FlowSet's places table
    people_out: int = 0
    group: int = -1  # colour group of its flows out (-1: none)
    label: bool = False
    sources: int = 0  # index into MapView.source_sets: the reports behind its own arrivals/departures counts

    @property
    def camp(self) -> bool:
        return self.kind in CAMP_KINDS

    @property
    def approximate(self) -> bool:
        return self.precision != "point"


@dataclass
class Flows:
    """The flows shown, as parallel arrays (one entry per flow, largest first)."""

    origin: np.ndarray  # place index
    dest: np.ndarray
    people: np.ndarray  # int64
    people_min: np.ndarray
    people_max: np.ndarray
    period: np.ndarray  # index into MapView.periods
    sources: np.ndarray  # index into MapView.source_sets
    split: np.ndarray  # index into MapView.splits ("" = none)
    note: np.ndarray  # index into MapView.notes ("" = none)
    modelled: np.ndarray  # bool
    flow_id: list

    def __len__(self):
        return len(self.people)


@dataclass
class Incident:
    name: str
    name_ar: str
    lat: float
    lon: float
    start: str
    end: str
    figure: str
    note: str
    sources: int  # index into MapView.source_sets


@dataclass
class Level:
    """One level of place clusters: ``of[i]`` is place i's cluster; clusters have a name and a position."""

    name: str
    of: list
    names: list
    lat: list
    lon: list
    min_zoom: float  # the map shows this level from this zoom on (finer levels win once they fit)


@dataclass
class MapView:
    title: str
    period: tuple  # (start, end) ISO days, "" when unknown
    places: list
    flows: Flows
    incidents: list
    periods: list  # [(start, end)]
    sources: list  # [Source]
    source_sets: list  # [tuple of source indices]
    splits: list
    notes: list  # flow notes (sources disagree ...); "" first
    groups: list  # [(name, colour, people)]
    max_people: int
    legend_people: list  # reference values for the width legend
    left_out: list  # [(what, detail, people)]
    source_names: list
    attribution: list
    protect_note: str
    meta_notes: list
    days: tuple  # (first, last) ISO day behind the map, or ()
    bounds: tuple  # ((lat_min, lon_min), (lat_max, lon_max))
    levels: list = field(default_factory=list)
    #: Choropleth of people arriving and leaving by admin area (``gazetteer.areas`` polygons), or None.
    areas: dict = None

    @property
    def total_people(self) -> int:
        return int(self.flows.people.sum()) if len(self.flows) else 0

    @property
    def has_camps(self) -> bool:
        return any(p.camp for p in self.places)

    @property
    def has_modelled(self) -> bool:
        return bool(len(self.flows) and self.flows.modelled.any())

    @property
    def has_approximate(self) -> bool:
        return any(p.approximate for p in self.places)

    @property
    def in_syria(self) -> bool:
        """Whether the map lies in or by Syria (the basemap then emphasises the Syria-Turkey border)."""
        (lat_a, lon_a), (lat_b, lon_b) = self.bounds
        return lat_b > 31.5 and lat_a < 38.5 and lon_b > 34.5 and lon_a < 43.0

    def period_text(self, index=None) -> str:
        start, end = self.period if index is None else self.periods[index]
        return period_text(start, end)


# --- formulas -------------------------------------------------------------------------------------------------------


def width_px(people, max_people) -> float:
    """Line width in pixels for ``people`` on a map whose largest flow carries ``max_people`` (square-root scale)."""
    if max_people <= 0:
        return MIN_PX
    return MIN_PX + (MAX_PX - MIN_PX) * math.sqrt(max(0.0, min(float(people), max_people)) / max_people)


def nice(value: float) -> float:
    """The largest 1, 2 or 5 x 10^k not above ``value`` (0 for ``value`` <= 0)."""
    if value <= 0:
        return 0
    exp = 10 ** math.floor(math.log10(value))
    for step in (5, 2, 1):
        if step * exp <= value:
            return step * exp
    return exp


def curve_points(lat1, lon1, lat2, lon2, *, n=24):
    """Points ``(lat, lon)`` of a flow's curve: a quadratic Bézier bent :data:`CURVATURE` to the right.

    Computed in a local equirectangular plane (so it bends the same on screen at any latitude); A -> B and B -> A
    bow apart. The browser map draws the same curve on its canvas from the same constant.
    """
    n = max(int(n), 2)
    k = math.cos(math.radians((lat1 + lat2) / 2.0))
    ax, ay, bx, by = lon1 * k, lat1, lon2 * k, lat2
    dx, dy = bx - ax, by - ay
    cx, cy = (ax + bx) / 2.0 + CURVATURE * dy, (ay + by) / 2.0 - CURVATURE * dx
    t = np.linspace(0.0, 1.0, n)
    u = 1.0 - t
    x = u * u * ax + 2 * u * t * cx + t * t * bx
    y = u * u * ay + 2 * u * t * cy + t * t * by
    return list(zip(y.tolist(), (x / k).tolist()))


def fmt_people(value) -> str:
    return f"{round(value):,}"


def period_text(start, end) -> str:
    if start and end and start != end:
        return f"{start} \u2013 {end}"
    return start or end or ""


def protected_sites_label(kinds) -> str:
    """How the legend names generalised places: "Camp locations", or e.g. "Locations of camps and villages"."""
    kinds = [str(k).replace("_", " ") for k in (kinds or ()) if k]
    if set(kinds) <= {"camp", "camp cluster"}:
        return "Camp locations"
    plural = [k if k.endswith("s") else k + "s" for k in kinds]
    listed = plural[0] if len(plural) == 1 else ", ".join(plural[:-1]) + " and " + plural[-1]
    return f"Locations of {listed}"


# --- building -------------------------------------------------------------------------------------------------------


def build_view(flowset, *, title=None, min_people=0, cluster=None) -> MapView:
    """Compute the map view of ``flowset``.

    Parameters
    ----------
    flowset : mapper.model.FlowSet
    title : str, optional
        Defaults to the FlowSet's title, else one made from the period.
    min_people : number, default 0
        Flows carrying fewer people are left out (listed in ``left_out`` with their people).
    cluster : bool, optional
        Group places by zoom; by default when there are more than :data:`CLUSTER_MIN_PLACES` places.

    Raises
    ------
    ViewError
        A missing column, a bad ``min_people``, a count or coordinate that is not a finite number.
    """
    min_people = _check_min_people(min_people)
    frame = _check_flows(flowset)
    meta = getattr(flowset, "meta", None) or {}
    shown, people, dropped = select_flows(frame, min_people)
    places, index = _collect_places(flowset, shown)
    tables = _Tables()
    _add_place_sources(flowset, places, index, tables)
    flows = _flow_arrays(shown, people, index, tables)
    _add_place_totals(flowset, places, index, flows)
    incidents = _incidents(flowset, tables)
    groups = _colour_groups(places, flows)
    _label_largest(places)
    period = _period(meta, tables.periods)
    max_people = int(people.max()) if len(people) else 0
    view = MapView(
        title=cell_text(title) or cell_text(_meta(meta, "title")) or (
            f"Displacement flows, {period[0]} to {period[1]}" if period[0] else "Displacement flows"),
        period=period, places=places, flows=flows, incidents=incidents, periods=tables.periods,
        sources=tables.sources, source_sets=tables.source_sets, splits=tables.splits, notes=tables.notes,
        groups=groups, max_people=max_people, legend_people=_legend_people(max_people),
        left_out=_left_out(flowset, dropped, min_people), source_names=_unique(s.label for s in tables.sources),
        attribution=_unique(cell_text(a) for a in _as_list(_meta(meta, "attribution"))),
        protect_note=_protect_note(meta),
        meta_notes=[cell_text(n) for n in _as_list(_meta(meta, "notes")) if cell_text(n)],
        days=(min(tables.days), max(tables.days)) if tables.days else (), bounds=_bounds(places, incidents),
        areas=admin_choropleth(places))
    if cluster if cluster is not None else len(places) > CLUSTER_MIN_PLACES:
        view.levels = cluster_levels(places)
    return view


def select_flows(frame, min_people):
    """The flows carrying at least ``min_people`` (the only place this filter is applied), largest first.

    Returns ``(shown, people, dropped)``: the rows, their whole people, and ``(count, people)`` of those left out.
    """
    people_all = _people(frame)
    keep = people_all >= min_people
    shown, people = (frame[keep], people_all[keep]) if not keep.all() else (frame, people_all)
    order = np.lexsort((np.arange(len(people)), -people))  # largest first, stable
    return shown.iloc[order], people[order], (int((~keep).sum()), int(people_all[~keep].sum()))


def _flow_arrays(shown, people, index, tables) -> Flows:
    """The shown flows as arrays of place indices, people and indices into the shared tables."""
    col = _column_reader(shown)
    ids = col("flow_id")
    return Flows(
        origin=_indices(shown["origin_id"], index), dest=_indices(shown["dest_id"], index), people=people,
        people_min=np.minimum(_bounds_of(shown, "people_min", people), people),
        people_max=np.maximum(_bounds_of(shown, "people_max", people), people),
        period=_coded(lambda v: tables.period(v[0], v[1]), col("period_start"), col("period_end")),
        sources=_coded(lambda v: tables.source_set(v[0], f"flow {cell_text(ids[v[1]])[:80]!r}"),
                       col("sources"), with_row=True),
        split=_coded(lambda v: tables.intern_text("splits", v[0]), col("split_rule")),
        note=_coded(lambda v: tables.intern_text("notes", v[0]), col("note")),
        modelled=_bools(shown["modelled"]) if "modelled" in shown.columns else np.zeros(len(people), dtype=bool),
        flow_id=ids,
    )


def _add_place_totals(flowset, places, index, flows):
    """People in and out of each place along the flows shown, plus its own arrivals/departures counts."""
    n = len(places)
    outs = np.bincount(flows.origin, weights=flows.people, minlength=n) if len(flows) else np.zeros(n)
    ins = np.bincount(flows.dest, weights=flows.people, minlength=n) if len(flows) else np.zeros(n)
    for place, pin, pout in zip(places, ins.tolist(), outs.tolist()):
        place.people_in += round(pin)
        place.people_out += round(pout)
    _add_place_counts(flowset, places, index)


def _left_out(flowset, dropped, min_people) -> list:
    left_out = [(cell_text(getattr(i, "what", "")), cell_text(getattr(i, "detail", "")),
                 _finite(getattr(i, "people", 0))) for i in getattr(flowset, "left_out", None) or []]
    count, people = dropped
    if count:
        left_out.append(("below min-people", f"{count:,} flow{'s' * (count != 1)} under {fmt_people(min_people)} "
                         "people", people))
    return left_out


# --- checks and cells -----------------------------------------------------------------------------------------------


def _check_min_people(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as err:
        raise ViewError(f"min_people: expected a number of people >= 0, got {value!r}") from err
    if not math.isfinite(number) or number < 0:
        raise ViewError(f"min_people: expected a number of people >= 0, got {value!r}")
    return number


def _check_flows(flowset):
    frame = getattr(flowset, "flows", None)
    if frame is None or not hasattr(frame, "columns"):
        raise ViewError(f"expected a FlowSet with a flows frame, got {type(flowset).__name__}")
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise ViewError(f"cannot draw the flows: column(s) {', '.join(missing)} missing")
    return frame


def _people(frame) -> np.ndarray:
    """Whole people per flow; a count that is not a finite number from 0 to MAX_PEOPLE is an error."""
    raw = frame["people"]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values) | (values < 0) | (values > MAX_PEOPLE)
    if bad.any():
        i = int(np.nonzero(bad)[0][0])
        ident = frame["flow_id"].iloc[i] if "flow_id" in frame.columns else f"#{i + 1}"
        shown = cell_text(raw.iloc[i])[:40]
        raise ViewError(f"cannot draw flow {cell_text(ident)[:80]!r}: people must be a number from 0 to "
                        f"{MAX_PEOPLE:,}, got {shown!r}")
    return np.rint(values).astype(np.int64)


def _coded(fn, *columns, with_row=False) -> np.ndarray:
    """``fn(values)`` computed once per distinct row of ``columns`` (in order of first appearance) and spread back
    over the rows; ``values`` is the tuple of the row's cells, plus the row's number with ``with_row``."""
    n = len(columns[0])
    if not n:
        return np.zeros(0, dtype=int)
    combined = np.zeros(n, dtype=np.int64)
    for column in columns:
        try:
            codes, uniques = pd.factorize(pd.Series(column, dtype=object), use_na_sentinel=False)
        except TypeError:  # unhashable cells: each row on its own
            codes, uniques = np.arange(n), range(n)
        combined = combined * max(len(uniques), 1) + codes
    codes, _ = pd.factorize(combined)
    _, firsts = np.unique(codes, return_index=True)
    values = [fn(tuple(c[r] for c in columns) + ((r,) if with_row else ())) for r in firsts.tolist()]
    return np.asarray(values, dtype=int)[codes]


def _bounds_of(frame, column, people) -> np.ndarray:
    if column not in frame.columns:
        return people.copy()
    out = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    out = np.where(np.isnan(out) | (out > MAX_PEOPLE), people, out)
    return np.rint(out).astype(np.int64)


def cell_text(value, *, cap=True) -> str:
    """A cell as text ('' for missing values), capped at MAX_TEXT characters."""
    if isinstance(value, str):
        text = value
    elif value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    elif isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()[:10]
    else:
        try:
            if not isinstance(value, (list, tuple, dict)) and pd.isna(value):
                return ""
        except (TypeError, ValueError):
            pass
        text = str(value)
    if cap and len(text) > MAX_TEXT:
        text = f"{text[:MAX_TEXT]}\u2026 [{len(text) - MAX_TEXT:,} more characters not shown]"
    return text


def _finite(value, default=0):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def _indices(ids, index) -> np.ndarray:
    """Place indices of a column of place ids."""
    return _coded(lambda v: index[cell_text(v[0], cap=False)], ids.tolist()).astype(np.int64)


def _bools(column) -> np.ndarray:
    if column.dtype == bool:
        return column.to_numpy()
    return np.array([_truthy(v) for v in column.tolist()], dtype=bool)


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y")
    try:
        return bool(value) and not (isinstance(value, float) and math.isnan(value))
    except (TypeError, ValueError):
        return False


def _meta(meta, key, default=None):
    getter = getattr(meta, "get", None)
    if getter is not None:
        return getter(key, default)
    return getattr(meta, key, default)


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _unique(items) -> list:
    out = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return out


def _column_reader(frame):
    n = len(frame)

    def col(name, default=""):
        return frame[name].tolist() if name in frame.columns else [default] * n

    return col


# --- places -----------------------------------------------------------------------------------------------------------

_PLACE_FIELDS = ("id", "name", "name_ar", "kind", "lat", "lon", "pcode", "admin1", "admin2", "admin3", "precision")


def _collect_places(flowset, flows):
    """Every place the map shows, in a stable order: the FlowSet's places table first, then any the flows name.

    Positions come from the places table where it has them (site protection puts snapped coordinates there), so
    arrows end on the markers drawn.
    """
    places, index = [], {}

    def add(values):
        rec = dict(zip(_PLACE_FIELDS, values))
        pid = cell_text(rec["id"], cap=False)
        if pid in index:
            return
        lat, lon = _coordinate(rec["lat"], pid, "lat"), _coordinate(rec["lon"], pid, "lon")
        precision = cell_text(rec["precision"]) or "point"
        index[pid] = len(places)
        places.append(Place(
            id=pid, name=cell_text(rec["name"]) or pid, name_ar=cell_text(rec["name_ar"]),
            kind=cell_text(rec["kind"]), lat=lat, lon=lon, pcode=cell_text(rec["pcode"]),
            admin1=cell_text(rec["admin1"]), admin2=cell_text(rec["admin2"]), admin3=cell_text(rec["admin3"]),
            precision=precision if precision in PRECISIONS else "point"))

    table = getattr(flowset, "places", None)
    if table is not None and hasattr(table, "columns") and "place_id" in table.columns and len(table):
        col = _column_reader(table)
        for values in zip(*[col("place_id" if f == "id" else f) for f in _PLACE_FIELDS]):
            add(values)
    for end in ("origin", "dest"):
        unique = flows.drop_duplicates(subset=f"{end}_id") if len(flows) else flows
        col = _column_reader(unique)
        for values in zip(*[col(f"{end}_{f}") for f in _PLACE_FIELDS]):
            add(values)
    return places, index


def _coordinate(value, pid, what) -> float:
    number = _finite(value, None)
    if number is None or not (-90 <= number <= 90 if what == "lat" else -180 <= number <= 180):
        raise ViewError(f"cannot draw place {pid[:80]!r}: {what} is not a coordinate: {cell_text(value)[:40]!r}")
    return number


def _add_place_counts(flowset, places, index):
    """Arrivals-only / departures-only counts: the places table's totals beyond what the flows shown carry."""
    table = getattr(flowset, "places", None)
    if table is None or not hasattr(table, "columns") or "place_id" not in table.columns:
        return
    if "people_in" not in table.columns and "people_out" not in table.columns:
        return
    col = _column_reader(table)
    flows_frame = flowset.flows
    drawn_in, drawn_out = {}, {}
    if len(flows_frame):
        people = pd.Series(_people(flows_frame), index=flows_frame.index)
        drawn_out = people.groupby(flows_frame["origin_id"].astype(str)).sum().to_dict()
        drawn_in = people.groupby(flows_frame["dest_id"].astype(str)).sum().to_dict()
    for pid, pin, pout in zip(col("place_id"), col("people_in", 0), col("people_out", 0)):
        pid = cell_text(pid, cap=False)
        place = places[index[pid]]
        place.people_in += max(0, round(_finite(pin)) - drawn_in.get(pid, 0))
        place.people_out += max(0, round(_finite(pout)) - drawn_out.get(pid, 0))


def _add_place_sources(flowset, places, index, tables):
    """The reports behind places' own arrivals/departures counts (the places table's ``sources`` column)."""
    tables.source_set("")  # set 0: no sources
    table = getattr(flowset, "places", None)
    if table is None or not hasattr(table, "columns") or "sources" not in table.columns:
        return
    for pid, raw in zip(table["place_id"].tolist(), table["sources"].tolist()):
        pid = cell_text(pid, cap=False)
        places[index[pid]].sources = tables.source_set(raw, f"place {pid[:80]!r}")


def _label_largest(places):
    order = sorted(range(len(places)), key=lambda i: (-(places[i].people_in + places[i].people_out), i))
    for i in order[:MAIN_LABELS]:
        if places[i].people_in + places[i].people_out > 0:
            places[i].label = True


def _colour_groups(places, flows) -> list:
    """Colour by area of origin (admin2, admin1, else the place), the areas carrying most people first."""
    def key_of(place):
        return place.admin2 or place.admin1 or place.id

    area_people: dict = {}
    for i, p in zip(flows.origin.tolist(), flows.people.tolist()):
        key = key_of(places[i])
        area_people[key] = area_people.get(key, 0) + p
    ranked = sorted(area_people, key=lambda k: (-area_people[k], k))
    own = ranked if len(ranked) <= len(AREA_COLOURS) else ranked[: len(AREA_COLOURS) - 1]
    names = _area_names(places, own)
    groups = [(names[k], AREA_COLOURS[i], area_people[k]) for i, k in enumerate(own)]
    if len(ranked) > len(own):
        groups.append(("Other areas", OTHER_COLOUR, sum(area_people[k] for k in ranked[len(own):])))
    slot = {k: i for i, k in enumerate(own)}
    for place in places:
        if place.people_out > 0:
            place.group = slot.get(key_of(place), len(groups) - 1)
    return groups


def _area_names(places, keys) -> dict:
    """A name for each area key: the place itself, a place whose P-code it is, the admin area's name (from the
    gazetteer's admin areas when installed), else the largest place of the area with the P-code."""
    by_id = {p.id: p for p in places}
    by_pcode = {p.pcode: p for p in places if p.pcode}
    admin = _admin_area_names()
    names = {}
    for key in keys:
        if key in by_id and not by_id[key].pcode == key and key not in admin:
            names[key] = by_id[key].name
        elif key in by_pcode:
            names[key] = by_pcode[key].name
        elif key in admin:
            names[key] = admin[key]
        else:
            members = [p for p in places if key in (p.admin1, p.admin2)]
            largest = max(members, key=lambda p: p.people_out, default=None)
            names[key] = f"area of {largest.name} ({key})" if largest else key
    return names


def _admin_area_names() -> dict:
    """English names of admin areas by P-code from ``gazetteer.areas`` (where the gazetteer ships it)."""
    try:
        from gazetteer.areas import admin_areas
    except ImportError:
        return {}
    names = {}
    for level in (1, 2, 3):
        try:
            collection = admin_areas(level)
        except Exception:  # noqa: BLE001 - names are a nicety; P-codes still label the map
            continue
        for feature in collection.get("features", []):
            props = feature.get("properties") or {}
            if props.get("pcode") and props.get("name"):
                names[str(props["pcode"])] = cell_text(props["name"])
    return names


def _bounds(places, incidents):
    lats = [p.lat for p in places] + [i.lat for i in incidents]
    lons = [p.lon for p in places] + [i.lon for i in incidents]
    if not lats:
        lats, lons = [35.3, 36.9], [35.9, 37.4]  # north-west Syria
    return (min(lats), min(lons)), (max(lats), max(lons))


def _legend_people(max_people) -> list:
    out = []
    for value in (max_people, nice(max_people / 4), nice(max_people / 16)):
        if value >= 1 and value not in out:
            out.append(int(value))
    return out


# --- periods, sources, incidents ------------------------------------------------------------------------------------


def source_figure(src: dict) -> str:
    """'more than 235,000 people' from a source's figure fields."""
    lo, hi = _finite(src.get("figure_min"), None), _finite(src.get("figure_max"), None)
    fig = _finite(src.get("figure"), None)
    if lo is not None and hi is not None and lo != hi:
        amount = f"{fmt_people(lo)}\u2013{fmt_people(hi)}"
    elif fig is not None or lo is not None:
        amount = fmt_people(fig if fig is not None else lo)
    else:
        return ""
    return " ".join(p for p in (cell_text(src.get("qualifier")), amount, cell_text(src.get("unit"))) if p)


class _Tables:
    """Deduplicated tables shared by all flows: periods, sources, source sets, split rules, notes."""

    def __init__(self):
        self.periods, self.sources, self.source_sets = [], [], []
        self.splits, self.notes = [""], [""]
        self._ix: dict = {}
        self.days: set = set()

    def _intern(self, table, key):
        ix = self._ix.setdefault(id(table), {})
        found = ix.get(key)
        if found is None:
            found = ix[key] = len(table)
            table.append(key)
        return found

    def intern_text(self, table_name, value) -> int:
        memo = self._ix.setdefault(("raw", table_name), {})
        try:
            return memo[value]
        except (KeyError, TypeError):
            pass
        found = self._intern_text(table_name, value)
        try:
            memo[value] = found
        except TypeError:
            pass
        return found

    def _intern_text(self, table_name, value) -> int:
        table = getattr(self, table_name)
        text = cell_text(value)
        if text == "single":  # the builder's name for "not split"
            text = ""
        ix = self._ix.setdefault(id(table), {"": 0})
        if text not in ix:
            ix[text] = len(table)
            table.append(text)
        return ix[text]

    def period(self, start, end) -> int:
        memo = self._ix.setdefault("raw periods", {})
        try:
            return memo[(start, end)]
        except (KeyError, TypeError):
            pass
        found = self._period(start, end)
        try:
            memo[(start, end)] = found
        except TypeError:
            pass
        return found

    def _period(self, start, end) -> int:
        start, end = cell_text(start)[:10], cell_text(end)[:10]
        self.days.update(d for d in (start, end) if _ISO_DAY.match(d))
        return self._intern(self.periods, (start, end))

    def source_set(self, raw, owner="an incident") -> int:
        """The index of a flow's (or incident's) set of sources, parsed from its ``sources`` JSON text."""
        cache = self._ix.setdefault("raw", {})
        key = raw if isinstance(raw, str) else cell_text(raw)
        if key in cache:
            return cache[key]
        ids = tuple(self._intern(self.sources, src) for src in self._parse(raw, owner))
        cache[key] = found = self._intern(self.source_sets, ids)
        return found

    def _parse(self, raw, owner):
        if isinstance(raw, (list, tuple)):
            items = list(raw)
        else:
            text = cell_text(raw, cap=False)
            try:
                items = json.loads(text) if text else []
            except (ValueError, RecursionError) as err:
                raise ViewError(f"cannot draw {owner}: its sources are not a JSON list "
                                f"({str(err)[:80]})") from None
        if isinstance(items, dict):
            items = [items]
        if not isinstance(items, list):
            items = [{"note": cell_text(items)}]
        for src in items:
            if not isinstance(src, dict):
                src = {"note": cell_text(src)}
            try:
                key = tuple(src.get(k) for k in _SOURCE_KEYS)
                hash(key)
            except TypeError:
                key = None
            memo = self._ix.setdefault("source memo", {})
            if key is not None and key in memo:
                yield memo[key]
                continue
            days = (cell_text(src.get("period_start"))[:10], cell_text(src.get("period_end"))[:10])
            self.days.update(d for d in days if _ISO_DAY.match(d))
            made = Source(report_id=cell_text(src.get("report_id")), agency=cell_text(src.get("agency")).strip(),
                          publisher=cell_text(src.get("publisher")).strip(),
                          published=cell_text(src.get("published"))[:10], url=cell_text(src.get("url")).strip(),
                          figure=source_figure(src), note=cell_text(src.get("note")))
            if key is not None:
                memo[key] = made
            yield made


def _incidents(flowset, tables) -> list:
    frame = getattr(flowset, "incidents", None)
    if frame is None or not hasattr(frame, "columns") or not len(frame):
        return []
    col = _column_reader(frame)
    out = []
    for name, name_ar, lat, lon, start, end, figure, unit, qualifier, note, sources in zip(
            col("name"), col("name_ar"), col("lat"), col("lon"), col("period_start"), col("period_end"),
            col("figure"), col("unit"), col("qualifier"), col("note"), col("sources")):
        lat, lon = _finite(lat, None), _finite(lon, None)
        if lat is None or lon is None:
            continue
        number = _finite(figure, None)
        figure_text = " ".join(x for x in (cell_text(qualifier), fmt_people(number) if number is not None else "",
                                           cell_text(unit)) if x)
        start, end = cell_text(start)[:10], cell_text(end)[:10]
        tables.days.update(d for d in (start, end) if _ISO_DAY.match(d))
        out.append(Incident(cell_text(name), cell_text(name_ar), lat, lon, start, end, figure_text, cell_text(note),
                            tables.source_set(sources)))
    return out


def _period(meta, periods):
    starts = [p[0] for p in periods if p[0]]
    ends = [p[1] for p in periods if p[1]]
    start = cell_text(_meta(meta, "period_start"))[:10] or (min(starts) if starts else "")
    end = cell_text(_meta(meta, "period_end"))[:10] or (max(ends) if ends else "")
    return start, end


def _protect_note(meta) -> str:
    km = _finite(_meta(meta, "protect_sites_km"), 0)
    if not km:
        return ""
    return (f"{protected_sites_label(_meta(meta, 'protect_kinds'))} generalised to a {km:g} km grid to protect the "
            "people sheltering there.")


# --- clusters -------------------------------------------------------------------------------------------------------


def cluster_levels(places) -> list:
    """Levels of place clusters, coarse to fine, ending with the places themselves.

    By admin P-codes (admin1, admin2, admin3) where most places carry them, else by agglomerative clustering of
    their positions (scipy, average linkage in km) cut at a quarter, a sixteenth ... of the places. Each level says
    from which zoom it is shown: when its clusters lie, in median, at least 40 px from their nearest neighbour.
    """
    if not places:
        return []
    lat = np.array([p.lat for p in places])
    lon = np.array([p.lon for p in places])
    weight = np.array([max(p.people_in + p.people_out, 1) for p in places], dtype=float)
    partitions = []
    for attr, name in (("admin1", "governorate"), ("admin2", "district"), ("admin3", "subdistrict")):
        keys = [getattr(p, attr) or p.id for p in places]
        if sum(bool(getattr(p, attr)) for p in places) >= 0.8 * len(places) and len(set(keys)) < len(places):
            partitions.append((name, keys))
    if not partitions and len(places) >= 8:
        partitions = _distance_partitions(lat, lon)
    levels = []
    admin = _admin_area_names()
    for name, keys in partitions:
        labels = {k: i for i, k in enumerate(dict.fromkeys(keys))}
        of = [labels[k] for k in keys]
        level = _level(name, of, places, lat, lon, weight)
        for key, c in labels.items():
            if isinstance(key, str) and key in admin:  # an admin area the gazetteer names
                level.names[c] = f"{admin[key]} ({name})"
        levels.append(level)
    levels.append(_level("place", list(range(len(places))), places, lat, lon, weight))
    zoom = -1.0
    for level in levels:  # each level at least as fine as the one before it
        level.min_zoom = max(level.min_zoom, zoom)
        zoom = level.min_zoom
    levels[0].min_zoom = 0.0
    return levels


def _distance_partitions(lat, lon):
    from scipy.cluster.hierarchy import fcluster, linkage

    k = math.cos(math.radians(float(lat.mean())))
    xy = np.column_stack([lon * k * 111.32, lat * 110.57])
    tree = linkage(xy, method="average")
    out = []
    count = len(lat) // 4
    while count >= 3:
        out.append((f"{count} clusters", fcluster(tree, count, criterion="maxclust").tolist()))
        count //= 4
    return out[::-1]


def _level(name, of, places, lat, lon, weight) -> Level:
    n = max(of) + 1
    w = np.bincount(of, weights=weight, minlength=n)
    clat = np.bincount(of, weights=lat * weight, minlength=n) / w
    clon = np.bincount(of, weights=lon * weight, minlength=n) / w
    names = []
    members: dict = {}
    for i, c in enumerate(of):
        members.setdefault(c, []).append(i)
    for c in range(n):
        idx = members[c]
        top = max(idx, key=lambda i: (weight[i], -i))
        names.append(places[top].name if len(idx) == 1 else f"{places[top].name} and {len(idx) - 1:,} more")
    return Level(name=name, of=list(of), names=names, lat=clat.tolist(), lon=clon.tolist(),
                 min_zoom=_zoom_for(clat, clon))


def _zoom_for(lat, lon, px=40.0) -> float:
    """The zoom at which clusters lie, in median, ``px`` pixels from their nearest neighbour."""
    if len(lat) < 2:
        return 0.0
    from scipy.spatial import cKDTree

    k = math.cos(math.radians(float(np.mean(lat))))
    xy = np.column_stack([lon * k * 111.32, lat * 110.57])
    dist, _ = cKDTree(xy).query(xy, k=2)
    km = max(float(np.median(dist[:, 1])), 0.05)
    km_per_px_zoom0 = 40075.0 * k / 256.0
    return round(max(0.0, math.log2(px * km_per_px_zoom0 / km)), 2)


# --- choropleth -----------------------------------------------------------------------------------------------------

_LEVEL_NAMES = {1: "governorate", 2: "district", 3: "subdistrict"}


def admin_choropleth(places):
    """People arriving in and leaving each admin area, on the gazetteer's COD-AB polygons (``gazetteer.areas``).

    The level is the finest (3, 2, 1) that at least 80% of the places with people carry; only areas with people
    are kept. None when the gazetteer has no admin areas or the places no admin P-codes.
    """
    try:
        from gazetteer.areas import admin_areas
    except ImportError:
        return None
    busy = [p for p in places if p.people_in + p.people_out > 0]
    level = next((n for n in (3, 2, 1) if busy and sum(bool(getattr(p, f"admin{n}")) for p in busy)
                  >= 0.8 * len(busy)), None)
    if level is None:
        return None
    totals: dict = {}
    for p in busy:
        code = getattr(p, f"admin{level}")
        if code:
            pin, pout = totals.get(code, (0, 0))
            totals[code] = (pin + p.people_in, pout + p.people_out)
    features = []
    for feature in admin_areas(level).get("features", []):
        props = feature.get("properties") or {}
        code = str(props.get("pcode", ""))
        if code in totals:
            features.append({"type": "Feature", "geometry": feature["geometry"], "properties": {
                "pcode": code, "name": cell_text(props.get("name")), "name_ar": cell_text(props.get("name_ar")),
                "people_in": totals[code][0], "people_out": totals[code][1]}})
    if not features:
        return None
    features.sort(key=lambda f: f["properties"]["pcode"])
    return {"level": level, "name": _LEVEL_NAMES[level], "features": features}


# --- basemap --------------------------------------------------------------------------------------------------------


def country_outlines(lat_min, lon_min, lat_max, lon_max, borders, places=(), *, margin=3.0):
    """Country outlines around a map: ``([(name, iso3, geometry, home)], attribution)``.

    The regional basemap (``borders``: OpenStreetMap outlines around Syria) where it covers the map; beyond it,
    Natural Earth's countries (``data/world.geojson``, built by ``data/build_world_basemap.py``), so a map of any
    region has its outline. ``home`` marks the country holding most of ``places`` ((lat, lon) pairs).
    """
    import shapely
    from shapely.geometry import box

    frame = box(lon_min - margin, lat_min - margin, lon_max + margin, lat_max + margin)
    core = box(lon_min, lat_min, lon_max, lat_max)
    outlines, attribution = [], []
    countries = borders.countries
    name_col = next((c for c in ("name", "NAME", "admin", "ADMIN", "name_en") if c in countries.columns), None)
    names = countries[name_col].tolist() if name_col else [""] * len(countries)
    iso = countries["iso3"].tolist() if "iso3" in countries.columns else [""] * len(countries)
    for name, code, geom in zip(names, iso, countries.geometry):
        if geom is not None and not geom.is_empty and geom.intersects(frame):
            outlines.append([cell_text(name), cell_text(code), shapely.intersection(geom, frame), False])
    if outlines:
        attribution += _as_list(getattr(borders, "attribution", None))
    regional = box(*countries.total_bounds) if len(countries) else None
    if regional is None or not regional.contains(core):
        world, credit = _world_countries()
        have = {o[0] for o in outlines}
        added = False
        for name, geom in world:
            if name not in have and geom.intersects(frame):
                outlines.append([name, "", shapely.intersection(geom, frame), False])
                added = True
        if added:
            attribution.append(credit)
    if places and outlines:
        points = shapely.points([(lon, lat) for lat, lon in places])
        counts = [int(shapely.contains(o[2], points).sum()) for o in outlines]
        if max(counts) > 0:
            outlines[counts.index(max(counts))][3] = True
    return [tuple(o) for o in outlines if not o[2].is_empty], _unique(cell_text(a) for a in attribution)


_WORLD: list = []


def _world_countries():
    """Natural Earth's countries as ``[(name, shapely geometry)]`` and their attribution (loaded once)."""
    if not _WORLD:
        from importlib import resources

        from shapely.geometry import shape

        data = json.loads(resources.files("mapper").joinpath("data", "world.geojson").read_text(encoding="utf-8"))
        _WORLD.append(([(f["properties"]["name"], shape(f["geometry"])) for f in data["features"]],
                       data["attribution"]))
    return _WORLD[0]
