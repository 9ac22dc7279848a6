"""The shape of a built map: the :class:`FlowSet` that ``flows`` builds and ``render``/``static``/``io`` consume.

Column lists here are the contract between the modules; every frame is EPSG:4326 with (x=lon, y=lat) geometry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_PLACE_FIELDS = ("id", "name", "name_ar", "kind", "lat", "lon", "pcode", "admin1", "admin2", "admin3")

#: Columns of ``FlowSet.flows`` (plus ``geometry``: a straight LineString origin -> destination).
#: ``sources`` is a JSON string: a list of objects ``{report_id, agency, publisher, published, url, figure,
#: figure_min, figure_max, qualifier, unit, people, period_start, period_end, note}``.
#: Dates are ISO strings ``YYYY-MM-DD``.
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
    ]
)

#: Columns of ``FlowSet.places`` (plus a Point ``geometry``): every origin and destination with its totals.
PLACE_COLUMNS = ["place_id", "name", "name_ar", "kind", "lat", "lon", "pcode", "admin1", "admin2", "admin3",
                 "people_in", "people_out", "net", "border_km"]

#: Columns of ``FlowSet.incidents`` (plus a Point ``geometry``): strikes and other incidents, context only.
#: ``unit`` is ``killed`` or ``wounded`` (or ``people`` when a report does not say).
INCIDENT_COLUMNS = ["report_id", "place_id", "name", "name_ar", "lat", "lon", "period_start", "period_end",
                    "figure", "unit", "qualifier", "note", "sources"]


@dataclass(frozen=True)
class LeftOut:
    """Something the build did not draw, and why (listed in outputs and the map legend; never dropped silently)."""

    what: str  # "unresolved name", "ambiguous name", "below min-people", "outside window", ...
    detail: str  # the name or flow, human readable
    people: float = 0.0  # people it would have carried, where known
    report_ids: tuple[str, ...] = ()


@dataclass
class FlowSet:
    """Flows, places and incidents ready to map or export.

    Attributes
    ----------
    flows, places, incidents : geopandas.GeoDataFrame
        Frames with :data:`FLOW_COLUMNS`, :data:`PLACE_COLUMNS`, :data:`INCIDENT_COLUMNS`.
    left_out : list of LeftOut
        What was not drawn, and why.
    meta : dict
        ``title``, ``period_start``, ``period_end``, ``level``, ``min_people``, ``priority`` (list of agencies),
        ``people_per_family``, ``protect_sites_km`` (or None) and ``protect_kinds`` (the place kinds generalised),
        ``generator`` and ``attribution`` (list of str).
    """

    flows: "object"
    places: "object"
    incidents: "object"
    left_out: list = field(default_factory=list)
    meta: dict = field(default_factory=dict)
