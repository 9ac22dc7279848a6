"""OCHA Common Operational Datasets as places: COD-AB admin boundaries and COD populated places, for any country.

An information officer downloads these files from HDX for the country at hand (GeoJSON, TopoJSON, a shapefile or
a zipped shapefile, a GeoPackage). :func:`read_cod` turns every feature into a :class:`~gazetteer.places.Place` with
its P-code, names and admin parents, so that ``idpmap gazetteer import`` serves Yemen or Sudan as it serves Syria.

Fields understood, per feature (``n`` is the admin level, 0-4):

* current CODs: ``ADMn_PCODE``, ``ADMn_EN`` (or ``ADMn_FR``, ``ADMn_ES``, ``ADMn_PT``), ``ADMn_AR``, ``ADMn_REF``
  and ``ADMnALTmEN`` / ``ADMnALTmAR`` alternate names; the feature's own level is the deepest ``ADMn_PCODE``;
* older CODs: ``PCODE``, ``NAME_EN``, ``NAME_AR`` (``NAM_EN_REF``, ``NAM_AR_REF``), with parents ``ADMn_PCODE``;
  the level is one below the deepest parent.

Ids are ``cod-<pcode>``; a place's ``parent`` is the id of its parent area, which may come from another file
imported before or after. Polygons become admin areas (level 1 ``governorate``, 2 ``district``, 3 and deeper ``subdistrict``) placed at a
representative point inside the polygon; points (populated places, ``ADM4_PCODE`` or deeper) become villages at
their own point. Coordinates are reprojected to WGS84 when the file says it uses another CRS.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import DataFileError
from .places import Place

__all__ = ["read_cod", "COD_SUFFIXES"]

#: File name endings read as COD files (a ``.zip`` is read as one when it holds such a file).
COD_SUFFIXES = (".geojson", ".json", ".topojson", ".shp", ".gpkg")
_AREA_KINDS = {1: "governorate", 2: "district"}
_NAME_LANGS = ("EN", "FR", "ES", "PT", "RU")
_PCODE = re.compile(r"^ADM(\d)_PCODE$")


def _columns(frame):
    return {str(c).upper(): c for c in frame.columns if c != "geometry"}


def _value(row, cols, *names) -> str:
    for name in names:
        if name in cols:
            value = row[cols[name]]
            if value is not None and str(value).strip() and str(value).strip().lower() != "nan":
                return str(value).strip()
    return ""


def _layout(cols):
    """``(level, modern)`` of a layer: its own admin level and whether it uses ``ADMn_*`` fields for itself."""
    levels = sorted(int(m.group(1)) for c in cols for m in [_PCODE.match(c)] if m)
    if "PCODE" in cols:
        return (max(levels) + 1 if levels else 1), False
    if levels:
        return max(levels), True
    return None, False


def _alternates(row, cols, level, modern):
    if modern:
        pattern = re.compile(rf"^ADM{level}(_REF|_?ALT\d*_?(EN|AR|FR|ES|PT|RU)?)$")
    else:
        pattern = re.compile(r"^NAM_(EN|AR|FR)_REF$|^ALT_?NAME")
    return [_value(row, cols, c) for c in sorted(cols) if pattern.match(c)]


def _layers(path: Path):
    import pyogrio

    try:
        listed = pyogrio.list_layers(path)
    except Exception as err:  # GDAL raises its own error types; report them as a file problem
        raise DataFileError(path, None, f"not a readable boundaries or places file ({err})") from err
    return [str(name) for name, _ in listed]


def _read_layer(path: Path, layer: str):
    import pyogrio

    try:
        frame = pyogrio.read_dataframe(path, layer=layer)
    except Exception as err:
        raise DataFileError(path, None, f"layer {layer!r}: cannot be read ({err})") from err
    if frame.crs is not None and not frame.crs.equals("EPSG:4326") and frame.crs.is_projected:
        frame = frame.to_crs(4326)
    return frame


def _place(row, cols, geom, level, modern, path, layer, number) -> Place | None:
    import shapely

    own = _value(row, cols, f"ADM{level}_PCODE") if modern else _value(row, cols, "PCODE")
    if not own:
        raise DataFileError(path, None, f"layer {layer!r}, feature {number}: no P-code",
                            field=f"ADM{level}_PCODE" if modern else "PCODE")
    if modern:
        name = _value(row, cols, *(f"ADM{level}_{lang}" for lang in _NAME_LANGS))
        name_ar = _value(row, cols, f"ADM{level}_AR")
    else:
        name = _value(row, cols, *(f"NAME_{lang}" for lang in _NAME_LANGS))
        name_ar = _value(row, cols, "NAME_AR")
    if not name:
        name = name_ar
    if not name:
        raise DataFileError(path, None, f"layer {layer!r}, feature {number} ({own}): no name", field="name")
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Point", "MultiPoint"):
        point, kind = (geom if geom.geom_type == "Point" else geom.geoms[0]), "village"
    else:
        point, kind = shapely.make_valid(geom).representative_point(), _AREA_KINDS.get(level, "subdistrict")
    lat, lon = round(point.y, 6), round(point.x, 6)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise DataFileError(path, None, f"layer {layer!r}, feature {number} ({own}): coordinate {lat}, {lon} is "
                                        "not longitude/latitude", field="geometry")
    parents = {n: _value(row, cols, f"ADM{n}_PCODE") for n in (1, 2, 3)}
    if level <= 3:
        parents[level] = own
    parent = next((parents[n] for n in (3, 2, 1) if n < level and parents[n]), "")
    alts = tuple(dict.fromkeys(a for a in _alternates(row, cols, level, modern) if a and a not in (name, name_ar)))
    what = "populated places" if kind == "village" else "COD-AB"
    return Place(
        id=f"cod-{own.lower()}", name=name, kind=kind, lat=lat, lon=lon, name_ar=name_ar, pcode=own,
        admin1=parents[1], admin2=parents[2], admin3=parents[3], parent=f"cod-{parent.lower()}" if parent else "",
        alt_names=alts, source=f"OCHA COD {what} {own} ({path.name})",
    )


def read_cod(path, progress=None) -> tuple[list[Place], int]:
    """Places of a COD-AB boundaries file or a COD populated-places file, every layer of it.

    Returns
    -------
    (list of Place, int)
        The places, and the number of features skipped (empty geometry, or a layer without P-codes such as the
        country outline without ``ADM0`` names).

    Raises
    ------
    DataFileError
        The file cannot be read, or a feature has no P-code or no name (names layer, feature and field).
    """
    path = Path(path)
    places, skipped = [], 0
    layers = _layers(path)
    for done, layer in enumerate(layers, start=1):
        frame = _read_layer(path, layer)
        cols = _columns(frame)
        level, modern = _layout(cols)
        if level is None or level == 0:
            skipped += len(frame)
            continue
        for number, (row, geom) in enumerate(zip(frame.to_dict("records"), frame.geometry), start=1):
            place = _place(row, cols, geom, level, modern, path, layer, number)
            if place is None:
                skipped += 1
            else:
                places.append(place)
        if progress is not None:
            progress(done, len(layers))
    if not places:
        raise DataFileError(path, None, "no feature with a P-code (expected ADMn_PCODE or PCODE fields)")
    first: dict[str, Place] = {}
    for place in places:  # a P-code split over several features (islands) keeps its first feature's point
        first.setdefault(place.id, place)
    return list(first.values()), skipped
