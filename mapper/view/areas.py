"""The map's geography beyond its flows: country outlines (regional and Natural Earth) and choropleths of
people by admin area on the gazetteer's COD-AB polygons (``gazetteer.areas``, the only module importing it)."""

from __future__ import annotations

import functools
import json

from .cells import as_list, cell_text, unique


def admin_area_names() -> dict:
    """English names of admin areas by P-code from ``gazetteer.areas`` (where the gazetteer ships it)."""
    return dict(_admin_area_names())


@functools.lru_cache(maxsize=1)
def _admin_area_names() -> dict:
    # The shipped polygons do not change while a process runs: read their names once (a test suite or a service
    # draws many maps).
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


def region_areas(places) -> list:
    """The area of each region place, as the union of the admin polygons its ``area_pcodes`` name (a region has no
    polygon of its own): ``[{"place": index, "name": name, "geometry": GeoJSON geometry, "label": bool}]``. Empty when the
    gazetteer ships no admin areas or no place is a region with P-codes."""
    wanted = {i: p.area_pcodes for i, p in enumerate(places) if p.area_pcodes}
    if not wanted:
        return []
    try:
        from gazetteer.areas import admin_areas
    except ImportError:
        return []
    import shapely
    from shapely.geometry import mapping, shape

    codes = {c for cs in wanted.values() for c in cs}
    polygons = {}
    for level in sorted({_PCODE_LEVELS.get(len(c)) for c in codes} - {None}):
        for feature in admin_areas(level).get("features", []):
            code = str((feature.get("properties") or {}).get("pcode", ""))
            if code in codes:
                polygons[code] = shape(feature["geometry"])
    out = []
    for i, cs in wanted.items():
        parts = [polygons[c] for c in cs if c in polygons]
        if parts:
            out.append({"place": i, "name": places[i].name, "geometry": mapping(shapely.union_all(parts))})
    return out


def label_regions(regions, places):
    """Regions whose place carries no label of its own get the area's label (one name on the map, not two)."""
    for region in regions:
        region["label"] = not places[region["place"]].label


_PCODE_LEVELS = {4: 1, 6: 2, 8: 3}  # SY07, SY0703, SY070301


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
        attribution += as_list(getattr(borders, "attribution", None))
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
        shapely.prepare([o[2] for o in outlines])  # thousands of points against each outline
        counts = [int(shapely.contains(o[2], points).sum()) for o in outlines]
        if max(counts) > 0:
            outlines[counts.index(max(counts))][3] = True
    return [tuple(o) for o in outlines if not o[2].is_empty], unique(cell_text(a) for a in attribution)


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
