"""Admin area polygons: OCHA COD-AB governorates, districts and subdistricts as GeoJSON, for maps and choropleths.

The polygons ship as package data (``gazetteer/data/admin_areas.geojson``, built with the places by
``gazetteer/data/build_places.py``: simplified as a coverage so neighbours still share their borders). Plain JSON:
no shapely is needed to read them.
"""

from __future__ import annotations

import functools
import json
import pickle
from importlib import resources

__all__ = ["admin_areas", "LEVELS"]

#: Admin levels with polygons: 1 governorate, 2 district, 3 subdistrict.
LEVELS = (1, 2, 3)


@functools.lru_cache(maxsize=1)
def _levels() -> dict:
    """Each level's collection, parsed once per process and kept pickled: every call unpickles a copy of its own
    (a third of the cost of parsing the whole file again, and no caller sees another's changes)."""
    text = resources.files("gazetteer").joinpath("data", "admin_areas.geojson").read_text(encoding="utf-8")
    collection = json.loads(text)
    features = collection["features"]
    out = {}
    for level in LEVELS:
        collection["features"] = [f for f in features if f["properties"]["level"] == level]
        out[level] = pickle.dumps(collection, protocol=pickle.HIGHEST_PROTOCOL)
    return out


def admin_areas(level: int) -> dict:
    """The admin areas of one level as a GeoJSON FeatureCollection (lon/lat, WGS84).

    Parameters
    ----------
    level : {1, 2, 3}
        1 governorates, 2 districts, 3 subdistricts.

    Returns
    -------
    dict
        A new ``FeatureCollection`` (yours to change) whose features carry the properties ``pcode``, ``name``,
        ``name_ar``, ``level``, ``parent_pcode`` and ``source``, sorted by P-code; the collection carries
        ``attribution`` and ``licence``.

    Raises
    ------
    ValueError
        ``level`` is not 1, 2 or 3.
    """
    if level not in LEVELS:
        raise ValueError(f"expected an admin level of 1, 2 or 3, got {level!r}")
    return pickle.loads(_levels()[level])
