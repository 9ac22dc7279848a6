"""The shape of a built map: the :class:`FlowSet` that ``flows`` builds and ``view``/``render``/``static``/``io``
consume, and the columns of the reports it is built from.

Every column list of the project is defined here, once: :data:`REPORT_COLUMNS` (what
:func:`mapper.reports.read_reports` returns), :data:`FLOW_COLUMNS`, :data:`PLACE_COLUMNS`,
:data:`INCIDENT_COLUMNS` and :data:`SOURCE_COLUMNS` (the reports table ``FlowSet.reports``, one row per input
report, which the ``sources`` JSON text of flows, places and incidents lists by ``report_id``). Every frame is
EPSG:4326 with (x=lon, y=lat) geometry. People are whole numbers (int) in every FlowSet the builder makes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

_PLACE_FIELDS = ("id", "name", "name_ar", "kind", "lat", "lon", "pcode", "admin1", "admin2", "admin3")

#: Kinds of report rows: ``displacement`` (an estimate: overlapping estimates of one movement triangulate),
#: ``count`` (a tracked count of a distinct group: counts add up and never triangulate with each other) and
#: ``incident`` (a strike; context on the map).
REPORT_KINDS = ("displacement", "count", "incident")

#: Report row statuses: empty or ``ok`` = use the row; ``needs_review`` = do not map it (listed as left out).
REPORT_STATUSES = ("", "ok", "needs_review")

#: Columns of the reports frame :func:`mapper.reports.read_reports` returns, in order. ``origin_pcode`` and
#: ``destination_pcode`` are P-codes naming the place exactly (they win over the names); ``series`` names a
#: cumulative series (rows of one series are running totals: the builder turns them into increments).
REPORT_COLUMNS = [
    "line", "report_id", "kind", "figure_min", "figure_max", "qualifier", "unit", "people_min", "people_max",
    "people", "period_start", "period_end", "origin", "destination", "origin_within", "destination_within",
    "origin_pcode", "destination_pcode", "series", "agency", "publisher", "published", "url", "note", "status",
    "review_note",
]

#: Columns of ``FlowSet.reports``: one row per report behind the FlowSet (the objects of every ``sources`` list).
SOURCE_COLUMNS = ["report_id", "agency", "publisher", "published", "url", "figure", "figure_min", "figure_max",
                  "qualifier", "unit", "people", "period_start", "period_end", "note"]

#: Columns of ``FlowSet.flows`` (plus ``geometry``: a straight LineString origin -> destination).
#: ``sources`` is a JSON string: a list of objects with the fields of :data:`SOURCE_COLUMNS`.
#: Dates are ISO strings ``YYYY-MM-DD``. ``people``, ``people_min`` and ``people_max`` are whole numbers.
#: ``*_precision`` is the place's precision (``point``, or ``admin3``/``admin2``/``admin1`` when only its area is
#: known); ``modelled`` is True only for the parts of an opt-in modelled split (``split_regions``); ``note`` says
#: where the sources disagree ("" when they do not).
FLOW_COLUMNS = (
    ["flow_id"]
    + [f"origin_{f}" for f in _PLACE_FIELDS]
    + [f"dest_{f}" for f in _PLACE_FIELDS]
    + [
        "people",
        "people_min",
        "people_max",
        "period_start",
        "period_end",
        "sources",
        "split_rule",
        "distance_km",
        "origin_border_km",
        "dest_border_km",
        "origin_precision",
        "dest_precision",
        "modelled",
        "note",
    ]
)

#: Columns of ``FlowSet.places`` (plus a Point ``geometry``): every origin and destination with its totals.
#: ``people_in`` / ``people_out`` add the drawn flows and the arrivals-only / departures-only counts of the place;
#: ``sources`` (JSON text, like the flows') lists the reports behind those counts. ``area_pcodes`` (``;``-joined
#: admin P-codes) is the area a region destination covers (its members' admin areas), "" for other places.
PLACE_COLUMNS = ["place_id", "name", "name_ar", "kind", "lat", "lon", "pcode", "admin1", "admin2", "admin3",
                 "people_in", "people_out", "net", "border_km", "precision", "sources", "area_pcodes"]

#: Columns of ``FlowSet.incidents`` (plus a Point ``geometry``): strikes and other incidents, context only.
#: ``unit`` is ``killed`` or ``wounded`` (or ``people`` when a report does not say).
INCIDENT_COLUMNS = ["report_id", "place_id", "name", "name_ar", "lat", "lon", "period_start", "period_end",
                    "figure", "unit", "qualifier", "note", "sources"]

#: Values a flows or places table read from a file without the newer columns takes for them.
COLUMN_DEFAULTS = {"origin_precision": "point", "dest_precision": "point", "precision": "point",
                   "modelled": False, "note": "", "sources": "[]", "area_pcodes": ""}


@dataclass(frozen=True)
class LeftOut:
    """Something the build did not draw, and why (listed in outputs and the map legend; never dropped silently)."""

    what: str  # "unresolved name", "ambiguous name", "below min-people", "outside window", "needs review", ...
    detail: str  # the name or flow, human readable
    people: int = 0  # people it would have carried, where known (whole people)
    report_ids: tuple[str, ...] = ()


@dataclass
class FlowMeta:
    """What a FlowSet was built from and with: typed attributes, plus ``meta["key"]`` / ``meta.get(key)`` access
    kept for compatibility (readers of older files may carry keys not listed here: they live in ``extra``).

    ``total_people`` is the headline total: the people of the drawn flows plus those of the places' own
    arrivals-only / departures-only counts. ``notes`` says where sources disagree and what a count next to an
    estimate means; ``series`` is True when a cumulative series was turned into increments.
    """

    title: str = "Displacement flows"
    period_start: str | None = None
    period_end: str | None = None
    level: str = "place"
    min_people: float = 0
    priority: list = field(default_factory=list)
    people_per_family: float = 5.0
    protect_sites_km: float | None = None
    protect_kinds: list | None = None
    protect_rule: str | None = None
    split_regions: bool = False
    generator: str = ""
    attribution: list = field(default_factory=list)
    level_notes: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    total_people: int = 0
    series: bool = False
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, mapping) -> "FlowMeta":
        """A FlowMeta from a dict (e.g. the ``meta`` of a GeoJSON file); unknown keys go to ``extra``."""
        if isinstance(mapping, FlowMeta):
            return mapping
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        mapping = dict(mapping or {})
        known = {k: v for k, v in mapping.items() if k in names}
        extra = {k: v for k, v in mapping.items() if k not in names}
        meta = cls(**known)
        meta.extra.update(extra)
        return meta

    def keys(self):
        """The keys of :meth:`to_dict` (so that ``dict(meta)`` works)."""
        return list(self.to_dict())

    def to_dict(self) -> dict:
        """Plain dict of every attribute (``extra``'s keys merged in)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        out.update(self.extra)
        return out

    def get(self, key, default=None):
        """``meta.get("title")``: an attribute, a key of ``extra``, else ``default``."""
        try:
            return self[key]
        except KeyError:
            return default

    def __getitem__(self, key):
        if key != "extra" and key in {f.name for f in dataclasses.fields(self)}:
            return getattr(self, key)
        return self.extra[key]

    def __setitem__(self, key, value):
        if key != "extra" and key in {f.name for f in dataclasses.fields(self)}:
            setattr(self, key, value)
        else:
            self.extra[key] = value

    def __contains__(self, key):
        return key in self.to_dict()

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self.keys())

    def setdefault(self, key, value):
        if self.get(key) is None:
            self[key] = value
        return self[key]


@dataclass
class FlowSet:
    """Flows, places and incidents ready to map or export.

    Attributes
    ----------
    flows, places, incidents : geopandas.GeoDataFrame
        Frames with :data:`FLOW_COLUMNS`, :data:`PLACE_COLUMNS`, :data:`INCIDENT_COLUMNS`.
    left_out : list of LeftOut
        What was not drawn, and why.
    meta : FlowMeta
        ``title``, ``period_start``, ``period_end``, ``level``, ``min_people``, ``priority`` (list of agencies),
        ``people_per_family``, ``protect_sites_km`` (or None) and ``protect_kinds`` (the place kinds generalised),
        ``generator``, ``attribution`` (list of str), ``notes``, ``total_people``, ``series``; ``population`` is
        ``"returnees"`` for a returns table (maps then say returns), absent otherwise. A dict given here is turned
        into a :class:`FlowMeta`.
    reports : pandas.DataFrame or None
        One row per report behind the flows, places and incidents (:data:`SOURCE_COLUMNS`), joined to them by
        ``report_id``; None for a FlowSet read from a file.
    """

    flows: "object"
    places: "object"
    incidents: "object"
    left_out: list = field(default_factory=list)
    meta: FlowMeta = field(default_factory=FlowMeta)
    reports: "object" = None

    def __post_init__(self):
        self.meta = FlowMeta.from_mapping(self.meta)
