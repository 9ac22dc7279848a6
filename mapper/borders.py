"""Country outlines around Syria, the Syria–Turkey border line, and distances to that border.

The geometry ships as package data (``mapper/data/borders.geojson``, built by ``mapper/data/build_borders.py`` from
OpenStreetMap-derived data; see ``mapper/data/BORDERS.md``) and is read once, on first use. The map draws it as its
offline basemap; the flow builder uses :func:`border_distance_km` for each place's distance to the Turkish border.

Distances are great-circle distances on a sphere of the Earth's mean radius to the nearest point of the border
line: within 0.3 % of the WGS84 geodesic distance around Syria, and fast enough for millions of points (the line is
densified and indexed once).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

import numpy as np
import shapely

from .errors import MapperError

DATA_FILE = "borders.geojson"
#: Mean radius of the Earth (IUGG), km.
EARTH_RADIUS_KM = 6371.0088
# Densify the border to vertices at most ~100 m apart before indexing: the nearest indexed vertex is then within
# 50 m of the nearest point of the line, so refining on its two adjacent segments finds the true nearest point.
_DENSIFY_DEG = 0.001
# Points per block in the vectorised distance code: bounds temporary arrays to a few tens of MB.
_BLOCK = 262_144


class CoordinateError(MapperError, ValueError):
    """A latitude or longitude is not a number, out of range, or the lat and lon inputs differ in length."""


@dataclass(frozen=True)
class Borders:
    """The bundled border data.

    Attributes
    ----------
    countries : geopandas.GeoDataFrame
        One row per country outline (EPSG:4326), columns ``kind`` ("country"), ``name``, ``name_ar``, ``iso3``,
        ``geometry``: Syria and its neighbours, clipped to :attr:`frame` and simplified for display.
    border : shapely.LineString or shapely.MultiLineString
        The Syria–Turkey border, from the Mediterranean coast to the tripoint with Iraq (x=lon, y=lat).
    attribution : str
        The attribution the data's licence requires; show it wherever the data is shown.
    licence : str
        SPDX identifier of the data licence.
    source_package : str
        The registry package (``name@version``) the data was built from.
    frame : tuple of float
        ``(lat_min, lon_min, lat_max, lon_max)`` of the area the outlines were clipped to.

    The GeoDataFrame is shared by every caller of :func:`load_borders`: copy it before changing it.
    """

    countries: object
    border: object
    attribution: str
    licence: str
    source_package: str
    frame: tuple


@functools.cache
def read_borders_geojson() -> str:
    """Return the bundled border data as GeoJSON text (a FeatureCollection), e.g. to inline it in a web page.

    Features have ``kind`` "country" or "border", ``name``, ``name_ar``, ``iso3``, ``attribution``,
    ``source_package`` and ``licence``; the collection repeats the last three.
    """
    try:
        return resources.files("mapper").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    except OSError as err:
        raise MapperError(f"the bundled border data mapper/data/{DATA_FILE} cannot be read: {err}") from err


@functools.cache
def load_borders() -> Borders:
    """Load the bundled country outlines and Syria–Turkey border (read once, then cached).

    Returns
    -------
    Borders
        Country outlines as a GeoDataFrame, the border line, attribution, licence, source and frame.

    Raises
    ------
    MapperError
        If the bundled data file is missing or malformed (a broken installation).
    """
    import geopandas as gpd

    try:
        collection = json.loads(read_borders_geojson())
        features = collection["features"]
        countries = [f for f in features if f["properties"]["kind"] == "country"]
        borders = [f for f in features if f["properties"]["kind"] == "border"]
        if not countries or len(borders) != 1:
            raise ValueError(f"expected country features and one border feature, got {len(countries)} and "
                             f"{len(borders)}")
        frame = gpd.GeoDataFrame.from_features(countries, crs="EPSG:4326")
        frame = frame[["kind", "name", "name_ar", "iso3", "geometry"]]
        border = shapely.geometry.shape(borders[0]["geometry"])
        lon_min, lat_min, lon_max, lat_max = collection["bbox"]
        return Borders(
            countries=frame,
            border=border,
            attribution=collection["attribution"],
            licence=collection["licence"],
            source_package=collection["source_package"],
            frame=(lat_min, lon_min, lat_max, lon_max),
        )
    except (ValueError, KeyError, TypeError) as err:
        raise MapperError(f"the bundled border data mapper/data/{DATA_FILE} is malformed: {err}") from err


def border_distance_km(lat, lon):
    """Distance in km from each point to the Syria–Turkey border line.

    Parameters
    ----------
    lat, lon : float or array-like of float
        Latitudes (-90..90) and longitudes (-180..180) in degrees; scalars or array-likes of the same shape.

    Returns
    -------
    float or numpy.ndarray
        A float for scalar input, else an array of the inputs' shape. Great-circle distance to the nearest point of
        the line (mean Earth radius): within 0.3 % of the WGS84 geodesic distance around Syria. Points on either
        side of the border get positive distances.

    Raises
    ------
    CoordinateError
        If a value is not a number or out of range (the message names it) or the shapes differ.

    Examples
    --------
    >>> round(border_distance_km(36.31111, 36.68639), 1)  # Atme  # doctest: +SKIP
    """
    lat_arr, lon_arr, scalar = _check_coordinates(lat, lon)
    flat = _unit_vectors(lat_arr.ravel(), lon_arr.ravel())
    out = np.empty(len(flat))
    for start in range(0, len(flat), _BLOCK):
        out[start:start + _BLOCK] = _angle_to_border(flat[start:start + _BLOCK])
    out *= EARTH_RADIUS_KM
    return float(out[0]) if scalar else out.reshape(lat_arr.shape)


def in_syria(lat, lon):
    """Whether each point lies in Syria (its outline, lakes included).

    Handy to catch swapped coordinates: a place in Syria given as (lon, lat) lands outside it.

    Parameters
    ----------
    lat, lon : float or array-like of float
        Latitudes (-90..90) and longitudes (-180..180) in degrees; scalars or array-likes of the same shape.

    Returns
    -------
    bool or numpy.ndarray of bool
        A bool for scalar input, else a boolean array of the inputs' shape. Points on the outline count as inside;
        the outline is simplified by about 150 m, so points that close to it may fall either way.

    Raises
    ------
    CoordinateError
        If a value is not a number or out of range (the message names it) or the shapes differ.
    """
    lat_arr, lon_arr, scalar = _check_coordinates(lat, lon)
    inside = shapely.intersects_xy(_syria_outline(), lon_arr, lat_arr)
    return bool(inside) if scalar else np.asarray(inside, dtype=bool)


# --- helpers ------------------------------------------------------------------------------------------------------


def _check_coordinates(lat, lon):
    """Validate at the boundary: float arrays of one shape, in range; returns (lat, lon, both_scalar)."""
    arrays = []
    for label, value in (("lat", lat), ("lon", lon)):
        try:
            arrays.append(np.asarray(value, dtype=float))
        except (TypeError, ValueError) as err:
            raise CoordinateError(f"expected a number or numbers for {label}, got {value!r}") from err
    lat_arr, lon_arr = arrays
    if lat_arr.shape != lon_arr.shape:
        raise CoordinateError(
            f"expected lat and lon of the same length, got {_describe_shape(lat_arr)} lat and "
            f"{_describe_shape(lon_arr)} lon"
        )
    scalar = lat_arr.ndim == 0
    for label, arr, limit in (("lat", lat_arr, 90.0), ("lon", lon_arr, 180.0)):
        bad = np.flatnonzero(~(np.abs(arr) <= limit))  # NaN fails the comparison too
        if len(bad):
            i = int(bad[0])
            value = float(arr.ravel()[i])
            where = "" if scalar else f" at position {i}"
            hint = ""
            if label == "lat" and abs(float(lon_arr.ravel()[i])) <= 90.0 < abs(value):
                hint = " (are lat and lon swapped?)"
            raise CoordinateError(f"expected {label} within -{limit:g}..{limit:g}, got {value!r}{where}{hint}")
    return lat_arr, lon_arr, scalar


def _describe_shape(arr):
    return "a single" if arr.ndim == 0 else "x".join(str(n) for n in arr.shape)


def _unit_vectors(lat, lon):
    """(n, 3) unit vectors of points given in degrees."""
    phi, lam = np.radians(lat), np.radians(lon)
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))


@functools.cache
def _syria_outline():
    """Syria's outline with its holes (lakes) filled, prepared for fast point-in-polygon tests."""
    countries = load_borders().countries
    syria = countries.geometry[countries["iso3"] == "SYR"].union_all()
    filled = shapely.union_all([shapely.Polygon(p.exterior) for p in shapely.get_parts(syria)])
    shapely.prepare(filled)
    return filled


@functools.cache
def _border_index():
    """The densified border as segments on the unit sphere, and a KD-tree over its vertices.

    Returns ``(tree, vertices, segment_of_vertex)``: for vertex ``i`` of part ``p``, the candidate segments are
    ``(i - 1, i)`` and ``(i, i + 1)`` within the same part; ``prev_ok``/``next_ok`` mark which exist.
    """
    from scipy.spatial import cKDTree

    dense = shapely.segmentize(load_borders().border, _DENSIFY_DEG)
    vertices, prev_ok, next_ok = [], [], []
    for part in shapely.get_parts(dense):
        coords = shapely.get_coordinates(part)
        n = len(coords)
        vertices.append(_unit_vectors(coords[:, 1], coords[:, 0]))
        prev_ok.append(np.arange(n) > 0)
        next_ok.append(np.arange(n) < n - 1)
    vertices = np.vstack(vertices)
    return cKDTree(vertices), vertices, np.concatenate(prev_ok), np.concatenate(next_ok)


def _angle_to_border(points):
    """Central angle (radians) from each unit vector in ``points`` to the nearest point of the border."""
    tree, vertices, prev_ok, next_ok = _border_index()
    chord, nearest = tree.query(points)
    best = 2.0 * np.arcsin(np.minimum(chord / 2.0, 1.0))
    for ok, step in ((prev_ok, -1), (next_ok, 1)):
        has = ok[nearest]
        idx = np.flatnonzero(has)
        a = vertices[nearest[idx]]
        b = vertices[nearest[idx] + step]
        best[idx] = np.minimum(best[idx], _angle_to_arc(points[idx], a, b))
    return best


def _angle_to_arc(p, a, b):
    """Central angle from unit vectors ``p`` to the great-circle arcs ``a``-``b`` (row-wise)."""
    normal = np.cross(a, b)
    norm = np.linalg.norm(normal, axis=1)
    usable = norm > 1e-15  # a zero-length arc has no great circle: its endpoint distance (already known) is it
    normal[usable] /= norm[usable, None]
    sine = np.einsum("ij,ij->i", p, normal)
    foot = p - sine[:, None] * normal
    # The foot of the perpendicular lies on the arc when it is on the b-side of a and the a-side of b.
    on_arc = usable & (np.einsum("ij,ij->i", np.cross(a, foot), normal) >= 0) & (
        np.einsum("ij,ij->i", np.cross(foot, b), normal) >= 0
    )
    cross_track = np.abs(np.arcsin(np.clip(sine, -1.0, 1.0)))
    return np.where(on_arc, cross_track, np.inf)
