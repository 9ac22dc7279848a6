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

Rooms: this module (the view, its formulas and the build stages), ``cells`` (reading cells), ``sources`` (the
shared tables of sources, periods and incidents), ``clusters`` (places grouped by zoom), ``areas`` (country outlines
and admin-area choropleths).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .areas import admin_area_names, admin_choropleth, country_outlines, label_regions, region_areas
from .cells import (MAX_TEXT, ViewError, as_list, cell_text, column_reader, finite, fmt_people, meta_get, truthy,
                    unique)
from .clusters import Level, cluster_levels
from .sources import Incident, Source, Tables, read_incidents

__all__ = ["AREA_COLOURS", "CURVATURE", "MAX_PEOPLE", "MAX_PX", "MAX_TEXT", "MIN_PX", "PRECISIONS", "Flows",
           "Incident", "Level", "MapView", "Place", "Source", "ViewError", "build_view", "cell_text",
           "cluster_levels", "country_outlines", "curve_points", "fmt_people", "headline_text", "nice", "period_text",
           "protected_sites_label", "select_flows", "width_px"]

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
#: Largest number of people a flow may carry (more is an input error, not a map).
MAX_PEOPLE = 10**12
#: Places beyond which a map groups places by zoom (below, every place is shown at every zoom).
CLUSTER_MIN_PLACES = 40

CAMP_KINDS = frozenset({"camp", "camp_cluster"})
PRECISIONS = ("point", "admin3", "admin2", "admin1")

_REQUIRED = ("origin_id", "dest_id", "origin_lat", "origin_lon", "dest_lat", "dest_lon", "people")


# --- the view -----------------------------------------------------------------------------------------------------


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
    counted_in: int = 0  # of people_in: its own arrivals-only counts (not along a flow)
    counted_out: int = 0
    period: int = -1  # index into MapView.periods: the span of the reports behind its own counts (-1: none)
    area_pcodes: tuple = ()  # a region's admin areas (its members'): the area the source names

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
    #: Areas of region destinations ("camps along the border"): ``[{"place", "name", "geometry"}]``.
    regions: list = field(default_factory=list)
    #: The people are returnees (OCHA's returns tables, ``meta["population"]``): the map says returns, not arrivals.
    returns: bool = False

    @property
    def total_people(self) -> int:
        return int(self.flows.people.sum()) if len(self.flows) else 0

    @property
    def counted(self) -> tuple:
        """``(arrived, places arrived in, departed, places departed from)`` of the arrivals-only / departures-only
        counts (people not along a drawn flow)."""
        ins = [p.counted_in for p in self.places if p.counted_in > 0]
        outs = [p.counted_out for p in self.places if p.counted_out > 0]
        return sum(ins), len(ins), sum(outs), len(outs)

    @property
    def counts(self) -> list:
        """``(place index, arrived, departed, period index)`` of every place with its own arrivals/departures
        counts (the page's headline sums those whose period the time filter shows)."""
        return [(i, p.counted_in, p.counted_out, p.period) for i, p in enumerate(self.places)
                if p.counted_in > 0 or p.counted_out > 0]

    @property
    def headline_people(self) -> int:
        """Everyone the map draws: the flows' people plus the places' own arrivals and departures counts."""
        arrived, _, departed, _ = self.counted
        return self.total_people + arrived + departed

    def headline(self) -> str:
        """What the map draws, in words: "235,000 people in 8 flows shown; 110,925 people arrived in 541 places"."""
        return headline_text(self.total_people, len(self.flows), *self.counted, returns=self.returns)

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


def period_text(start, end) -> str:
    if start and end and start != end:
        return f"{start} \u2013 {end}"
    return start or end or ""


def headline_text(people, flows, arrived=0, arrived_places=0, departed=0, departed_places=0, *, returns=False) -> str:
    """The headline of a map (the page's script says the same, with the time filter applied to the flows);
    ``returns``: the people arriving are returnees ("people returned to 278 places")."""
    def n(count, word):
        return f"{count:,} {word}{'s' * (count != 1)}"

    parts = [f"{fmt_people(people)} people in {n(flows, 'flow')} shown"] if flows or not (arrived or departed) else []
    if arrived:
        verb = "returned to" if returns else "arrived in"
        parts.append(f"{fmt_people(arrived)} people {verb} {n(arrived_places, 'place')}")
    if departed:
        parts.append(f"{fmt_people(departed)} people left {n(departed_places, 'place')}")
    return "; ".join(parts)


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
    rows, people, dropped = _selected_rows(frame, min_people)
    ends = {end: _first_seen(frame[f"{end}_id"].tolist()) for end in ("origin", "dest")}  # place ids, coded
    places, index = _collect_places(flowset, frame, rows, ends)
    tables = Tables()
    _add_place_sources(flowset, places, index, tables)
    flows = _flow_arrays(frame, rows, ends, people, index, tables)
    _add_place_totals(flowset, places, index, flows, ends)
    incidents = read_incidents(flowset, tables)
    groups = _colour_groups(places, flows)
    _label_largest(places)
    period = _period(meta, tables.periods)
    max_people = int(people.max()) if len(people) else 0
    returns = cell_text(meta_get(meta, "population")) == "returnees"
    view = MapView(
        title=cell_text(title) or _default_title(meta, period, flows, places, returns),
        period=period, places=places, flows=flows, incidents=incidents, periods=tables.periods,
        sources=tables.sources, source_sets=tables.source_sets, splits=tables.splits, notes=tables.notes,
        groups=groups, max_people=max_people, legend_people=_legend_people(max_people),
        left_out=_left_out(flowset, dropped, min_people), source_names=unique(s.label for s in tables.sources),
        attribution=unique(cell_text(a) for a in as_list(meta_get(meta, "attribution"))),
        protect_note=_protect_note(meta),
        meta_notes=[cell_text(n) for n in as_list(meta_get(meta, "notes")) if cell_text(n)],
        days=(min(tables.days), max(tables.days)) if tables.days else (), bounds=_bounds(places, incidents),
        areas=admin_choropleth(places), regions=region_areas(places), returns=returns)
    label_regions(view.regions, places)
    if cluster if cluster is not None else len(places) > CLUSTER_MIN_PLACES:
        view.levels = cluster_levels(places)
    return view


def _default_title(meta, period, flows, places, returns=False) -> str:
    """The FlowSet's title; a map of places' own counts only is not called "flows", nor one of returnees
    "displacement"."""
    given = cell_text(meta_get(meta, "title"))
    what = "Return flows" if returns else "Displacement flows"
    counts_only = not len(flows) and any(p.counted_in or p.counted_out for p in places)
    if counts_only:
        leaving = any(p.counted_out for p in places)
        what = ("Returns" if returns else "People arriving") + \
            ((" and people leaving" if returns else " and leaving") if leaving else "")
    if (counts_only or returns) and given == "Displacement flows":  # the builder's default, not the user's
        given = ""
    if given:
        return given
    return f"{what}, {period[0]} to {period[1]}" if period[0] else what


def select_flows(frame, min_people):
    """The flows carrying at least ``min_people`` (the only place this filter is applied), largest first.

    Returns ``(shown, people, dropped)``: the rows, their whole people, and ``(count, people)`` of those left out.
    """
    rows, people, dropped = _selected_rows(frame, min_people)
    return frame.iloc[rows], people, dropped


def _selected_rows(frame, min_people):
    """:func:`select_flows` as positions in ``frame``: the view reads the columns it needs at these rows rather
    than reordering the whole frame (most of which it does not read)."""
    people_all = _people(frame)
    keep = people_all >= min_people
    kept = np.flatnonzero(keep)
    order = np.lexsort((np.arange(len(kept)), -people_all[kept]))  # largest first, stable
    return kept[order], people_all[kept][order], (int((~keep).sum()), int(people_all[~keep].sum()))


def _flow_arrays(frame, rows, ends, people, index, tables) -> Flows:
    """The flows at ``rows`` of ``frame`` as arrays of place indices, people and indices into the shared tables."""
    col = column_reader(frame)
    ids = col("flow_id")
    return Flows(
        origin=_indices(ends["origin"], rows, index), dest=_indices(ends["dest"], rows, index),
        people=people,
        people_min=np.minimum(_bounds_of(frame, "people_min", people, rows), people),
        people_max=np.maximum(_bounds_of(frame, "people_max", people, rows), people),
        period=_coded(lambda v: tables.period(v[0], v[1]), col("period_start"), col("period_end"), rows=rows),
        sources=_coded(lambda v: tables.source_set(v[0], f"flow {cell_text(ids[v[1]])[:80]!r}"),
                       col("sources"), rows=rows, with_row=True),
        split=_coded(lambda v: tables.intern_text("splits", v[0]), col("split_rule"), rows=rows),
        note=_coded(lambda v: tables.intern_text("notes", v[0]), col("note"), rows=rows),
        modelled=_bools(frame["modelled"])[rows] if "modelled" in frame.columns else np.zeros(len(rows), dtype=bool),
        flow_id=list(map(ids.__getitem__, rows.tolist())),
    )


def _add_place_totals(flowset, places, index, flows, ends):
    """People in and out of each place along the flows shown, plus its own arrivals/departures counts."""
    n = len(places)
    outs = np.bincount(flows.origin, weights=flows.people, minlength=n) if len(flows) else np.zeros(n)
    ins = np.bincount(flows.dest, weights=flows.people, minlength=n) if len(flows) else np.zeros(n)
    for place, pin, pout in zip(places, ins.tolist(), outs.tolist()):
        place.people_in += round(pin)
        place.people_out += round(pout)
    _add_place_counts(flowset, places, index, ends)


def _left_out(flowset, dropped, min_people) -> list:
    left_out = [(cell_text(getattr(i, "what", "")), cell_text(getattr(i, "detail", "")),
                 finite(getattr(i, "people", 0))) for i in getattr(flowset, "left_out", None) or []]
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


def _coded(fn, *columns, rows, with_row=False) -> np.ndarray:
    """``fn(values)`` computed once per distinct row of ``columns`` at ``rows`` (positions, in the order shown; in
    order of first appearance there) and spread back over those rows; ``values`` is the tuple of the row's cells,
    plus the row's position in ``columns`` with ``with_row``."""
    if not len(rows):
        return np.zeros(0, dtype=int)
    combined = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:  # codes of whole columns, in their own order (memory order: faster), then picked
        codes, uniques = _first_seen(column)
        combined = combined * max(len(uniques), 1) + codes
    codes, _ = pd.factorize(combined[rows])  # in order of first appearance at rows
    seen = np.maximum.accumulate(codes)
    firsts = np.flatnonzero(np.concatenate(([True], seen[1:] > seen[:-1])))  # where each code first appears
    values = [fn(tuple(c[r] for c in columns) + ((r,) if with_row else ())) for r in rows[firsts].tolist()]
    return np.asarray(values, dtype=int)[codes]


def _first_seen(column):
    """Codes of a column's cells in order of first appearance (missing cells, None or NaN, one value) and the
    distinct cells. A dict, not pandas: pandas hashes every character of every text, Python reuses each text's hash
    (the sources of 100,000 flows are a few thousand shared texts of ~700 characters)."""
    n = len(column)
    first = {}  # cell -> row of its first appearance
    try:
        at = np.fromiter(map(first.setdefault, column, range(n)), dtype=np.int64, count=n)
        if all(k is None or k == k for k in first):  # no NaN to merge with None: each row's code by its first row
            rank = np.empty(n, dtype=np.int64)
            rank[np.fromiter(first.values(), dtype=np.int64, count=len(first))] = np.arange(len(first))
            return rank[at], list(first)
    except (TypeError, ValueError):
        pass
    seen = {}
    try:
        codes = [seen.setdefault(v if v == v else None, len(seen)) for v in column]  # NaN != NaN
    except (TypeError, ValueError):  # unhashable cells (or ones without a truth value): each row on its own
        return np.arange(len(column)), list(column)
    return np.asarray(codes, dtype=np.int64), list(seen)


def _sums_by(coded, values) -> dict:
    """``{key: sum of its values}`` of whole numbers (exact: int64, not float weights); ``coded``: the keys' codes
    and distinct keys (:func:`_first_seen`)."""
    codes, uniques = coded
    sums = np.zeros(len(uniques), dtype=np.int64)
    np.add.at(sums, codes, values)
    return dict(zip(uniques, sums.tolist()))


def _bounds_of(frame, column, people, rows) -> np.ndarray:
    if column not in frame.columns:
        return people.copy()
    out = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)[rows]
    out = np.where(np.isnan(out) | (out > MAX_PEOPLE), people, out)
    return np.rint(out).astype(np.int64)


def _indices(coded, rows, index) -> np.ndarray:
    """Place indices of a column of place ids (its codes and distinct ids, :func:`_first_seen`) at ``rows``."""
    codes, ids = coded
    at = codes[rows]
    present = np.flatnonzero(np.bincount(at, minlength=len(ids)))
    lookup = np.zeros(len(ids), dtype=np.int64)
    lookup[present] = [index[cell_text(ids[k], cap=False)] for k in present.tolist()]
    return lookup[at]


def _bools(column) -> np.ndarray:
    if column.dtype == bool:
        return column.to_numpy()
    return np.array([truthy(v) for v in column.tolist()], dtype=bool)


# --- places -----------------------------------------------------------------------------------------------------------

_PLACE_FIELDS = ("id", "name", "name_ar", "kind", "lat", "lon", "pcode", "admin1", "admin2", "admin3", "precision",
                 "area_pcodes")


def _collect_places(flowset, flows, rows, ends):
    """Every place the map shows, in a stable order: the FlowSet's places table first, then any the flows at
    ``rows`` name (in that order; ``ends``: their origin and destination ids, coded by :func:`_first_seen`).

    Positions come from the places table where it has them (site protection puts snapped coordinates there), so
    arrows end on the markers drawn.
    """
    places, index = [], {}

    def add(pid, name, name_ar, kind, lat, lon, pcode, admin1, admin2, admin3, precision, area_pcodes):  # _PLACE_FIELDS
        pid = cell_text(pid, cap=False)
        if pid in index:
            return
        lat, lon = _coordinate(lat, pid, "lat"), _coordinate(lon, pid, "lon")
        precision = cell_text(precision) or "point"
        index[pid] = len(places)
        places.append(Place(
            id=pid, name=cell_text(name) or pid, name_ar=cell_text(name_ar), kind=cell_text(kind), lat=lat, lon=lon,
            pcode=cell_text(pcode), admin1=cell_text(admin1), admin2=cell_text(admin2), admin3=cell_text(admin3),
            precision=precision if precision in PRECISIONS else "point",
            area_pcodes=tuple(c for c in cell_text(area_pcodes, cap=False).split(";") if c)))

    table = getattr(flowset, "places", None)
    if table is not None and hasattr(table, "columns") and "place_id" in table.columns and len(table):
        col = column_reader(table)
        for values in zip(*[col("place_id" if f == "id" else f) for f in _PLACE_FIELDS]):
            add(*values)
    for end in ("origin", "dest"):
        codes, ids = ends[end]
        codes = codes[rows]
        firsts = np.sort(np.unique(codes, return_index=True)[1])  # each place's first flow, in order
        new = [row for row, code in zip(rows[firsts].tolist(), codes[firsts].tolist())
               if cell_text(ids[code], cap=False) not in index]  # places the places table lacks
        col = column_reader(flows.iloc[new])
        for values in zip(*[col(f"{end}_{f}") for f in _PLACE_FIELDS]):
            add(*values)
    return places, index


def _coordinate(value, pid, what) -> float:
    number = finite(value, None)
    if number is None or not (-90 <= number <= 90 if what == "lat" else -180 <= number <= 180):
        raise ViewError(f"cannot draw place {pid[:80]!r}: {what} is not a coordinate: {cell_text(value)[:40]!r}")
    return number


def _add_place_counts(flowset, places, index, ends):
    """Arrivals-only / departures-only counts: the places table's totals beyond what the flows shown carry."""
    table = getattr(flowset, "places", None)
    if table is None or not hasattr(table, "columns") or "place_id" not in table.columns:
        return
    if "people_in" not in table.columns and "people_out" not in table.columns:
        return
    col = column_reader(table)
    flows_frame = flowset.flows
    drawn_in, drawn_out = {}, {}
    if len(flows_frame):
        people = _people(flows_frame)
        drawn_out = _sums_by(_ids_as_text(flows_frame["origin_id"], ends["origin"]), people)
        drawn_in = _sums_by(_ids_as_text(flows_frame["dest_id"], ends["dest"]), people)
    for pid, pin, pout in zip(col("place_id"), col("people_in", 0), col("people_out", 0)):
        pid = cell_text(pid, cap=False)
        place = places[index[pid]]
        place.counted_in = max(0, round(finite(pin)) - drawn_in.get(pid, 0))
        place.counted_out = max(0, round(finite(pout)) - drawn_out.get(pid, 0))
        place.people_in += place.counted_in
        place.people_out += place.counted_out


def _ids_as_text(column, coded):
    """A column of place ids as text, coded (:func:`_first_seen`): ``coded`` itself when the column holds text
    already (pandas' ``str`` columns, as the readers give: ``astype(str)`` would change nothing)."""
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.na_value is np.nan:
        return coded
    return _first_seen(column.astype(str).tolist())


def _add_place_sources(flowset, places, index, tables):
    """The reports behind places' own arrivals/departures counts (the places table's ``sources`` column)."""
    tables.source_set("")  # set 0: no sources
    table = getattr(flowset, "places", None)
    if table is None or not hasattr(table, "columns") or "sources" not in table.columns:
        return
    for pid, raw in zip(table["place_id"].tolist(), table["sources"].tolist()):
        pid = cell_text(pid, cap=False)
        place = places[index[pid]]
        place.sources = tables.source_set(raw, f"place {pid[:80]!r}")
        spans = [tables.sources[k].period for k in tables.source_sets[place.sources]]
        starts = [s for s, _e in spans if s] + [e for _s, e in spans if e]
        if starts:  # the counts' dates, so the headline can follow the time filter
            place.period = tables.period(min(starts), max(starts))


def _label_largest(places):
    order = sorted(range(len(places)), key=lambda i: (-(places[i].people_in + places[i].people_out), i))
    for i in order[:MAIN_LABELS]:
        if places[i].people_in + places[i].people_out > 0:
            places[i].label = True


def _colour_groups(places, flows) -> list:
    """Colour by area of origin (admin2, admin1, else the place), the areas carrying most people first."""
    def key_of(place):
        return place.admin2 or place.admin1 or place.id

    out = np.zeros(len(places), dtype=np.int64)
    np.add.at(out, flows.origin, flows.people)
    area_people: dict = {}
    for i in np.unique(flows.origin).tolist():  # places with flows out (of any size, 0 too)
        key = key_of(places[i])
        area_people[key] = area_people.get(key, 0) + int(out[i])
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
    admin = admin_area_names()
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


def _period(meta, periods):
    starts = [p[0] for p in periods if p[0]]
    ends = [p[1] for p in periods if p[1]]
    start = cell_text(meta_get(meta, "period_start"))[:10] or (min(starts) if starts else "")
    end = cell_text(meta_get(meta, "period_end"))[:10] or (max(ends) if ends else "")
    return start, end


def _protect_note(meta) -> str:
    """The legend's note on protected sites, with the grid's real cell size from ``meta.protect_rule``."""
    km = finite(meta_get(meta, "protect_sites_km"), 0)
    if not km:
        return ""
    label = protected_sites_label(meta_get(meta, "protect_kinds"))
    cell = re.search(r"cells of ([0-9.e-]+) degrees, about ([0-9.]+) km", cell_text(meta_get(meta, "protect_rule")))
    if cell:
        grid = f"cells of {float(cell[1]):g}\u00b0 (about {float(cell[2]):.0f} km) of a fixed grid"
    else:  # a file from a build that did not record its rule
        grid = f"a grid of at least {km:g} km"
    return f"{label} generalised to {grid} to protect the people sheltering there."


# --- clusters -------------------------------------------------------------------------------------------------------


# --- choropleth -----------------------------------------------------------------------------------------------------


