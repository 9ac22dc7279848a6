"""Frames: the flows, places and incidents GeoDataFrames of a FlowSet, and the attribution of the places shown."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import MapperError
from ..model import FLOW_COLUMNS, INCIDENT_COLUMNS, PLACE_COLUMNS, SOURCE_COLUMNS
from .places import precision_of
from .tables import _NO_DATE, _day_numbers, _factorize_text, _iso_from_days, _sources_json


def _place_columns(prefix: str, places: list) -> dict:
    return {
        f"{prefix}id": [p.id for p in places],
        f"{prefix}name": [p.name for p in places],
        f"{prefix}name_ar": [p.name_ar for p in places],
        f"{prefix}kind": [p.kind for p in places],
        f"{prefix}lat": np.array([p.lat for p in places], dtype=float),
        f"{prefix}lon": np.array([p.lon for p in places], dtype=float),
        f"{prefix}pcode": [p.pcode for p in places],
        f"{prefix}admin1": [p.admin1 for p in places],
        f"{prefix}admin2": [p.admin2 for p in places],
        f"{prefix}admin3": [p.admin3 for p in places],
    }


def _border_km(lats, lons) -> np.ndarray:
    lats = np.asarray(lats, dtype=float)
    if len(lats) == 0:
        return np.zeros(0)
    from ..borders import border_distance_km

    return np.asarray(border_distance_km(lats, np.asarray(lons, dtype=float)), dtype=float)


def attribution(places) -> list:
    """Who to credit: the gazetteer's sources of the places shown, then the border data."""
    from gazetteer.places import source_credit

    out = sorted(source_credit(place.source) for place in places)  # "" for points computed from other rows
    try:
        from ..borders import load_borders

        border = load_borders().attribution
    except (MapperError, OSError) as err:
        raise MapperError(f"cannot load the border data for its attribution: {err}") from err
    out.append(str(border))
    return list(dict.fromkeys(a for a in out if a))


def _empty_frame(columns, gpd):
    return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in columns}, geometry=gpd.GeoSeries([], crs=4326),
                            crs="EPSG:4326")


def flows_geoframe(frame, places, gpd, shapely, geod_class):
    """The flows GeoDataFrame (:data:`~mapper.model.FLOW_COLUMNS`) of the summed flows, one LineString each."""
    if frame.empty:
        return _empty_frame(FLOW_COLUMNS, gpd)
    origins = [places.by_id[i] for i in frame["o"]]
    dests = [places.by_id[i] for i in frame["d"]]
    data = {"flow_id": [f"f{i + 1}" for i in range(len(frame))]}
    data.update(_place_columns("origin_", origins))
    data.update(_place_columns("dest_", dests))
    olat, olon = data["origin_lat"], data["origin_lon"]
    dlat, dlon = data["dest_lat"], data["dest_lon"]
    _, _, metres = geod_class(ellps="WGS84").inv(olon, olat, dlon, dlat)
    # Border distances once per distinct place, not once per flow.
    ids = pd.unique(np.concatenate([frame["o"].to_numpy(), frame["d"].to_numpy()]))
    pts = [places.by_id[i] for i in ids]
    km = dict(zip(ids, _border_km([p.lat for p in pts], [p.lon for p in pts])))
    data.update({
        "people": frame["people"].to_numpy(dtype=np.int64),
        "people_min": frame["pmin"].to_numpy(dtype=np.int64),
        "people_max": frame["pmax"].to_numpy(dtype=np.int64),
        "period_start": _iso_from_days(frame["s"].to_numpy()),
        "period_end": _iso_from_days(frame["e"].to_numpy()),
        "sources": frame["sources"].to_numpy(dtype=object),
        "split_rule": frame["rule"].to_numpy(dtype=object),
        "distance_km": np.round(np.asarray(metres) / 1000.0, 3),
        "origin_border_km": np.array([km[i] for i in frame["o"]], dtype=float),
        "dest_border_km": np.array([km[i] for i in frame["d"]], dtype=float),
        "origin_precision": [precision_of(p) for p in origins],
        "dest_precision": [precision_of(p) for p in dests],
        "modelled": frame["modelled"].to_numpy(dtype=bool),
        "note": frame["note"].to_numpy(dtype=object),
    })
    coords = np.stack([np.column_stack([olon, olat]), np.column_stack([dlon, dlat])], axis=1)
    geometry = shapely.linestrings(coords)
    return gpd.GeoDataFrame(pd.DataFrame(data)[FLOW_COLUMNS], geometry=geometry, crs="EPSG:4326")


def places_geoframe(frame, end_rows, places, gpd, shapely):
    """Every place of the drawn flows and of the arrivals-only / departures-only counts, with its totals.

    ``end_rows`` holds ``(place_id, "in" or "out", people, source JSON object)`` per counted place.
    """
    ids = list(dict.fromkeys(list(frame["o"]) + list(frame["d"]) + [r[0] for r in end_rows]))
    if not ids:
        return _empty_frame(PLACE_COLUMNS, gpd)
    into = frame.groupby("d")["people"].sum() if len(frame) else pd.Series(dtype=np.int64)
    out = frame.groupby("o")["people"].sum() if len(frame) else pd.Series(dtype=np.int64)
    people_in = into.reindex(ids, fill_value=0).to_numpy(dtype=np.int64).copy()
    people_out = out.reindex(ids, fill_value=0).to_numpy(dtype=np.int64).copy()
    where = {pid: k for k, pid in enumerate(ids)}
    texts = [[] for _ in ids]
    for pid, side, people, text in end_rows:
        k = where[pid]
        if side == "in":
            people_in[k] += people
        else:
            people_out[k] += people
        texts[k].append(text)
    pts = [places.by_id[i] for i in ids]
    data = _place_columns("", pts)
    data["place_id"] = data.pop("id")
    data["people_in"] = people_in
    data["people_out"] = people_out
    data["net"] = people_in - people_out
    data["border_km"] = _border_km(data["lat"], data["lon"])
    data["precision"] = [precision_of(p) for p in pts]
    data["sources"] = ["[" + ",".join(t) + "]" for t in texts]
    data["area_pcodes"] = [area_pcodes(p, places) for p in pts]
    geometry = shapely.points(data["lon"], data["lat"])
    return gpd.GeoDataFrame(pd.DataFrame(data)[PLACE_COLUMNS], geometry=geometry, crs="EPSG:4326")


def area_pcodes(place, places) -> str:
    """The admin P-codes (``;``-joined) of the area a region covers: the admin3 (else admin2, admin1) codes of its
    members in the gazetteer (two levels down: camp clusters and their camps). "" for a place that is not a region
    or a region with no members, as a region has no polygon of its own and none is guessed."""
    if place.kind != "region":
        return ""
    codes, members = set(), list(places.children(place))
    for member in members[:]:
        members += places.children(member)
    for member in members:
        code = member.admin3 or member.admin2 or member.admin1
        if code:
            codes.add(code)
    return ";".join(sorted(codes))


def incidents_geoframe(sub, o_places, d_places, gpd, shapely):
    """Incident reports as points: one row per place the report names (its origin, else its destination)."""
    if sub is None or not len(sub):
        return _empty_frame(INCIDENT_COLUMNS, gpd)
    sub = sub.sort_values("_canon")
    src = _sources_json(sub)
    where = [o_places[r] or d_places[r] for r in sub["_row"]]
    take = np.repeat(np.arange(len(sub)), [len(w) for w in where])
    pts = [p for w in where for p in w]
    if not pts:
        return _empty_frame(INCIDENT_COLUMNS, gpd)

    def column(name):
        return sub[name].fillna("").to_numpy(dtype=object)[take]

    data = {
        "report_id": column("report_id"),
        "place_id": [p.id for p in pts],
        "name": [p.name for p in pts],
        "name_ar": [p.name_ar for p in pts],
        "lat": np.array([p.lat for p in pts], dtype=float),
        "lon": np.array([p.lon for p in pts], dtype=float),
        "period_start": _iso_from_days(sub["_s"].to_numpy()[take]),
        "period_end": _iso_from_days(sub["_e"].to_numpy()[take]),
        "figure": sub["people"].to_numpy(dtype=np.int64)[take],
        "unit": column("unit"),
        "qualifier": column("qualifier"),
        "note": column("note"),
        "sources": np.array(["[" + t + "]" for t in src], dtype=object)[take],
    }
    geometry = shapely.points(data["lon"], data["lat"])
    return gpd.GeoDataFrame(pd.DataFrame(data)[INCIDENT_COLUMNS], geometry=geometry, crs="EPSG:4326")


def _texts(values) -> np.ndarray:
    """Each distinct value as text once ("" for a missing one)."""
    codes, uniques = _factorize_text(np.asarray(values, dtype=object))
    text = np.array([u if u not in ("NaT", "nan", "None") else "" for u in uniques] + [""], dtype=object)
    return text[codes]


def reports_table(df) -> pd.DataFrame:
    """``FlowSet.reports``: one row per input report (:data:`~mapper.model.SOURCE_COLUMNS`), in canonical order."""
    order = np.argsort(df["_canon"].to_numpy(), kind="stable")

    def col(name):
        return df[name].to_numpy()[order]

    fmin = col("figure_min").astype(float)
    fmax = col("figure_max").astype(float)
    table = pd.DataFrame({
        "report_id": col("report_id"),
        "agency": _texts(col("agency")),
        "publisher": _texts(col("publisher")),
        "published": _published_text(col("published")),
        "url": _texts(col("url")),
        "figure": np.where(fmin == fmax, fmin, (fmin + fmax) / 2),
        "figure_min": fmin,
        "figure_max": fmax,
        "qualifier": _texts(col("qualifier")),
        "unit": _texts(col("unit")),
        "people": col("people").astype(np.int64),
        "period_start": _days_text(col("_s")),
        "period_end": _days_text(col("_e")),
        "note": _texts(col("note")),
    })
    return table[SOURCE_COLUMNS]


def _published_text(values) -> np.ndarray:
    """Publication dates as ISO text ("" where missing)."""
    days = _day_numbers(values, missing_ok=True)
    return np.where(days == _NO_DATE, "", _days_text(np.where(days == _NO_DATE, 0, days))).astype(object)


def _days_text(days) -> np.ndarray:
    """ISO dates of day numbers, each distinct day written once."""
    codes, uniques = pd.factorize(days, sort=False)
    return np.asarray(_iso_from_days(np.asarray(uniques)), dtype=object)[codes]
