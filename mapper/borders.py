"""Country outlines around Syria, the Syria–Turkey border line, and distances to that border.

The geometry ships as package data (``mapper/data/borders.geojson``, built by ``mapper/data/build_borders.py`` from
OpenStreetMap-derived data; see ``mapper/data/BORDERS.md``) and is read once, on first use. The map draws it as its
offline basemap; the flow builder uses :func:`border_distance_km` for each place's distance to the Turkish border;
:func:`in_syria` catches coordinates that landed outside the country (swapped lat/lon, say).

Distances are great-circle distances (mean Earth radius) to the nearest point of the border line, within 0.5 % of
the WGS84 geodesic distance. The first call builds a spatial index of the line (about a second); after that a
million points take about a second.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

import numpy as np
import shapely

from .errors import CoordinateError, MapperError

DATA_FILE = "borders.geojson"
#: Mean radius of the Earth (IUGG), km.
EARTH_RADIUS_KM = 6371.0088
# How distances are found, fast. The search runs in a transverse Mercator plane centred on the border; distances are
# then measured on the sphere. Cells of a raster near the line list every border segment that can be nearest to a
# point in them, so points near the border are exact. Farther out the wiggly line is replaced by the outline of its
# _OFFSET_KM buffer, a smooth curve: a point's distance to the line is _OFFSET_KM plus its distance to that outline,
# whose nearest segment each raster node holds (one KD-tree query per node, once); a point takes the nearest of its
# cell corners' segments and their neighbours, and the nearest point of the line lies _OFFSET_KM beyond it.
_RASTER_STEP_KM = 4.0
_RASTER_MARGIN_KM = 500.0
_DENSIFY_KM = 0.25
_OFFSET_KM = 5.0
_OUTLINE_TOLERANCE_KM = 0.01
_NEAR_KM = 10.0
_SUBCELLS = 4
# Outline segments searched from the lowest of the corners' picks: most spans fit the first width; the wider ones,
# where the outline bends sharply, the next.
_RANGE_WIDTHS = (6, 12, 48, 192)
_RANGE_PAD = 2
# Corners whose picks lie farther apart than that straddle a ridge: each pick and this many neighbours are searched.
_SPLIT_PAD = 5
# Off the raster (> 500 km away) every segment of a copy of the line simplified by ~2 km is checked (< 0.4 %).
_COARSE_TOLERANCE_DEG = 0.02
# Points per block in the vectorised distance code (keeps temporaries to some tens of MB).
_BLOCK = 8192


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
        the line (mean Earth radius), within 0.5 % of the WGS84 geodesic distance. Points on either side of the
        border get positive distances: use :func:`in_syria` to tell the sides apart.

    Raises
    ------
    CoordinateError
        If a value is not a number or out of range (the message names it) or the shapes differ.

    Examples
    --------
    >>> round(border_distance_km(36.31111, 36.68639), 1)  # Atme
    1.5
    >>> border_distance_km([36.230639, 33.5102], [36.692639, 36.29128]).round()  # Bab al-Hawa, Damascus
    array([  1., 256.])
    """
    lat_arr, lon_arr, scalar = _check_coordinates(lat, lon)
    flat_lat, flat_lon = lat_arr.ravel(), lon_arr.ravel()
    out = np.empty(len(flat_lat))
    for start in range(0, len(out), _BLOCK):
        block = slice(start, start + _BLOCK)
        out[block] = _angle_to_border(flat_lat[block], flat_lon[block])
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
            if label == "lat" and abs(float(lon_arr.ravel()[i])) <= 90.0 < abs(value) <= 180.0:  # not for inf
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


def _segment_ends(line):
    """Start and end points (x, y) of every segment of a (Multi)LineString, as two (m, 2) arrays."""
    starts, ends = [], []
    for part in shapely.get_parts(line):
        coords = shapely.get_coordinates(part)
        starts.append(coords[:-1])
        ends.append(coords[1:])
    return np.vstack(starts), np.vstack(ends)


def _to_plane(lat, lon, lon0):
    """Spherical transverse Mercator (km) about meridian ``lon0``, and whether each point is usable in it."""
    phi, dlam = np.radians(lat), np.radians(lon - lon0)
    cos_phi = np.cos(phi)
    sin_term = cos_phi * np.sin(dlam)
    usable = np.abs(sin_term) < 0.5  # beyond ~30 degrees from the meridian the plane is not used
    x = EARTH_RADIUS_KM * np.arctanh(np.clip(sin_term, -0.5, 0.5))
    y = EARTH_RADIUS_KM * np.arctan2(np.sin(phi), cos_phi * np.cos(dlam))
    return x, y, usable


class _Segments:
    """Segments in the plane with what the point-to-segment distance needs, precomputed and packed in one array
    (one gather per candidate rather than five)."""

    def __init__(self, starts, ends):
        self.ax, self.ay = starts[:, 0].copy(), starts[:, 1].copy()
        self.dx, self.dy = ends[:, 0] - starts[:, 0], ends[:, 1] - starts[:, 1]
        length2 = self.dx ** 2 + self.dy ** 2
        self.inv_length2 = np.where(length2 > 0, 1.0 / np.where(length2 > 0, length2, 1.0), 0.0)
        self.packed = np.column_stack((self.ax, self.ay, self.dx, self.dy, self.inv_length2))
        self.count = len(starts)

    def dist2(self, px, py, cand):
        """Squared distances from points (px, py), broadcast against ``cand`` (segment indices)."""
        seg = self.packed[cand]
        ax, ay, dx, dy, inv = (seg[..., k] for k in range(5))
        rx, ry = px - ax, py - ay
        t = np.clip((rx * dx + ry * dy) * inv, 0.0, 1.0)
        gx, gy = rx - t * dx, ry - t * dy
        return gx * gx + gy * gy

    def nearest(self, px, py, cand):
        """Per row of ``cand``: the nearest candidate segment to the point and its squared distance."""
        d2 = self.dist2(px[..., None], py[..., None], cand)
        pick = d2.argmin(axis=-1)[..., None]
        return np.take_along_axis(cand, pick, axis=-1)[..., 0], np.take_along_axis(d2, pick, axis=-1)[..., 0]


def _chord_to_segments(p, a, b):
    """Straight (3-D) distance from unit vectors ``p`` to segments ``a``-``b`` (row-wise, each (n, 3)).

    Border segments are short, so the chord stands for the arc to within centimetres.
    """
    ab = b - a
    pa = p - a
    length2 = np.einsum("nd,nd->n", ab, ab)
    t = np.clip(np.einsum("nd,nd->n", pa, ab) / np.where(length2 > 0, length2, 1.0), 0.0, 1.0)
    gap = pa - t[:, None] * ab
    return np.sqrt(np.einsum("nd,nd->n", gap, gap))


def _sample(segments):
    """Points every _DENSIFY_KM (or closer) along the segments, and the segment each belongs to."""
    per_segment = np.maximum(1, np.ceil(np.sqrt(segments.dx ** 2 + segments.dy ** 2) / _DENSIFY_KM).astype(int))
    ids = np.repeat(np.arange(segments.count), per_segment)
    t = np.concatenate([np.arange(n) / n for n in per_segment])
    return ids, np.column_stack((segments.ax[ids] + t * segments.dx[ids], segments.ay[ids] + t * segments.dy[ids]))


def _from_plane(x, y, lon0):
    """Inverse of :func:`_to_plane`: (lat, lon) in degrees."""
    xr, yr = x / EARTH_RADIUS_KM, y / EARTH_RADIUS_KM
    lat = np.degrees(np.arcsin(np.clip(np.sin(yr) / np.cosh(xr), -1.0, 1.0)))
    lon = lon0 + np.degrees(np.arctan2(np.sinh(xr), np.cos(yr)))
    return lat, lon


#: Bump when the index's layout or the way it is built changes: older cached copies are then ignored.
_INDEX_VERSION = 1
_INDEX_SCALARS = ("lon0", "x0", "y0", "nx", "ny")
_INDEX_ARRAYS = ("fine_starts", "fine_ends", "ring_starts", "ring_ends", "node_seg", "cell_row", "candidates",
                 "widths", "a3", "b3", "coarse_a3", "coarse_b3")


def index_cache_path():
    """Where the border index is cached: ``$IDPMAP_CACHE_DIR`` or the user cache folder, one file per version of
    the border data and of the index (the name carries a hash of both)."""
    import hashlib
    import os
    from pathlib import Path

    key = hashlib.sha256(read_borders_geojson().encode("utf-8"))
    key.update(repr((_INDEX_VERSION, _RASTER_STEP_KM, _RASTER_MARGIN_KM, _DENSIFY_KM, _OFFSET_KM,
                     _OUTLINE_TOLERANCE_KM, _NEAR_KM, _SUBCELLS, _COARSE_TOLERANCE_DEG, np.__version__,
                     shapely.__version__)).encode())
    folder = os.environ.get("IDPMAP_CACHE_DIR")
    if not folder:
        from platformdirs import user_cache_dir

        folder = user_cache_dir("idpmap")
    return Path(folder) / f"border-index-{key.hexdigest()[:16]}.npz"


def _load_cached_index(path):
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in _INDEX_SCALARS + _INDEX_ARRAYS}
    except Exception:  # missing, or damaged in any way (np.load raises zipfile's, pickle's, ... errors)
        return None
    return arrays


def _save_index(path, arrays):
    """Write the cache atomically (a half-written file is never read); best effort."""
    import contextlib
    import os
    import tempfile

    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.stem + ".", suffix=".part.npz", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez_compressed(fh, **arrays)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


@functools.cache
def _border_index():
    """Everything :func:`_angle_to_border` needs: built once per installation and cached on disk (building it
    takes most of a second; loading it a few milliseconds)."""
    try:
        path = index_cache_path()
    except Exception:  # no cache folder to be had: build in memory
        path = None
    arrays = _load_cached_index(path) if path is not None else None
    if arrays is None:
        arrays = build_border_index()
        if path is not None:
            _save_index(path, arrays)
    index = {name: arrays[name].item() for name in _INDEX_SCALARS}
    index.update({name: arrays[name] for name in _INDEX_ARRAYS if "starts" not in name and "ends" not in name})
    index["fine"] = _Segments(arrays["fine_starts"], arrays["fine_ends"])
    index["ring"] = _Segments(arrays["ring_starts"], arrays["ring_ends"])
    return index


def build_border_index():
    """Build the arrays of the border-distance index from the bundled border line (about a second)."""
    from scipy.spatial import cKDTree

    border = load_borders().border
    lon_min, _, lon_max, _ = border.bounds
    lon0 = (lon_min + lon_max) / 2

    def plane(xy):
        x, y, _ = _to_plane(xy[:, 1], xy[:, 0], lon0)
        return np.column_stack((x, y))

    line = shapely.transform(border, plane)
    fine_starts, fine_ends = _segment_ends(line)
    fine = _Segments(fine_starts, fine_ends)

    x_min, y_min, x_max, y_max = line.bounds
    x0, y0 = x_min - _RASTER_MARGIN_KM, y_min - _RASTER_MARGIN_KM
    nx = int(np.ceil((x_max - x_min + 2 * _RASTER_MARGIN_KM) / _RASTER_STEP_KM)) + 1
    ny = int(np.ceil((y_max - y_min + 2 * _RASTER_MARGIN_KM) / _RASTER_STEP_KM)) + 1
    node_x, node_y = np.meshgrid(x0 + np.arange(nx) * _RASTER_STEP_KM, y0 + np.arange(ny) * _RASTER_STEP_KM)

    # Each node's nearest segment of the buffer outline, through the nearest of points every _DENSIFY_KM along it;
    # and its distance to the line itself (to find the cells near the line). The border never loops back within
    # 2 * _OFFSET_KM of itself, so the buffer is one polygon without holes and its exterior is the whole outline.
    buffer = shapely.buffer(line, _OFFSET_KM, quad_segs=8)
    if buffer.geom_type != "Polygon" or len(buffer.interiors):
        raise MapperError("the border line's buffer is not a simple polygon; the distance index cannot use it")
    outline = shapely.simplify(buffer.exterior, _OUTLINE_TOLERANCE_KM)
    ring_starts, ring_ends = _segment_ends(outline)
    ring = _Segments(ring_starts, ring_ends)
    nodes = np.column_stack((node_x.ravel(), node_y.ravel()))
    ring_ids, ring_samples = _sample(ring)
    _, nearest = cKDTree(ring_samples, balanced_tree=False, compact_nodes=False).query(nodes)
    node_seg = ring_ids[nearest]
    _, line_samples = _sample(fine)
    node_dist, _ = cKDTree(line_samples, balanced_tree=False, compact_nodes=False).query(nodes)

    # Cells near the line, cut into _SUBCELLS x _SUBCELLS subcells: every segment within a subcell centre's distance
    # plus the subcell's diagonal can be nearest to a point of the subcell. The cell's list (the same rule at cell
    # size) holds them all, so each subcell only sorts through its cell's list.
    diagonal = _RASTER_STEP_KM * np.sqrt(2)
    near_node = (node_dist <= _NEAR_KM + diagonal).reshape(ny, nx)
    near_cell = near_node[:-1, :-1] | near_node[1:, :-1] | near_node[:-1, 1:] | near_node[1:, 1:]
    cells = np.flatnonzero(near_cell)
    cy, cx = np.divmod(cells, nx - 1)
    sub = _RASTER_STEP_KM / _SUBCELLS
    offsets = (np.arange(_SUBCELLS) + 0.5) * sub
    sub_dx, sub_dy = np.meshgrid(offsets, offsets)  # row-major: subcell index = row * _SUBCELLS + column
    all_segments = np.arange(fine.count)
    lists = []
    for start in range(0, len(cells), 256):
        bx = x0 + cx[start:start + 256, None] * _RASTER_STEP_KM
        by = y0 + cy[start:start + 256, None] * _RASTER_STEP_KM
        d = np.sqrt(fine.dist2(bx + _RASTER_STEP_KM / 2, by + _RASTER_STEP_KM / 2, all_segments))
        for k, row in enumerate(d <= d.min(axis=1, keepdims=True) + diagonal):
            cell_list = np.flatnonzero(row)
            ds = np.sqrt(fine.dist2((bx[k] + sub_dx.ravel())[:, None], (by[k] + sub_dy.ravel())[:, None], cell_list))
            lists.extend(cell_list[r] for r in ds <= ds.min(axis=1, keepdims=True) + diagonal / _SUBCELLS)
    # Lists are padded (repeating a real candidate) to a power of two: points are checked in groups of one width.
    widths = np.array([max(4, 1 << int(np.ceil(np.log2(len(li))))) for li in lists])
    cell_row = np.full((ny - 1) * (nx - 1), -1, dtype=np.int64)
    cell_row[cells] = np.arange(len(cells))
    # (segment numbers fit 16 bits: the array, most of the index, stays a few MB)
    candidates = np.empty((len(lists), widths.max()), dtype=np.int16 if fine.count < 2 ** 15 else np.int64)
    for k, li in enumerate(lists):
        candidates[k, : len(li)] = li
        candidates[k, len(li):] = li[0]

    starts, ends = _segment_ends(border)
    coarse_starts, coarse_ends = _segment_ends(shapely.simplify(border, _COARSE_TOLERANCE_DEG))
    return {
        "lon0": np.float64(lon0), "x0": np.float64(x0), "y0": np.float64(y0), "nx": np.int64(nx), "ny": np.int64(ny),
        "fine_starts": fine_starts, "fine_ends": fine_ends, "ring_starts": ring_starts, "ring_ends": ring_ends,
        "node_seg": node_seg, "cell_row": cell_row, "candidates": candidates, "widths": widths,
        "a3": _unit_vectors(starts[:, 1], starts[:, 0]), "b3": _unit_vectors(ends[:, 1], ends[:, 0]),
        "coarse_a3": _unit_vectors(coarse_starts[:, 1], coarse_starts[:, 0]),
        "coarse_b3": _unit_vectors(coarse_ends[:, 1], coarse_ends[:, 0]),
    }


def _angle_to_border(lat, lon):
    """Central angle (radians) from each point to the nearest point of the border."""
    idx = _border_index()
    nx, ny = idx["nx"], idx["ny"]
    x, y, usable = _to_plane(lat, lon, idx["lon0"])
    fi = (y - idx["y0"]) / _RASTER_STEP_KM
    fj = (x - idx["x0"]) / _RASTER_STEP_KM
    on = usable & (fi >= 0) & (fi < ny - 1) & (fj >= 0) & (fj < nx - 1)
    i = np.where(on, fi, 0).astype(np.int64)
    j = np.where(on, fj, 0).astype(np.int64)
    row = np.where(on, idx["cell_row"][i * (nx - 1) + j], -1)
    angle = np.empty(len(lat))

    near = np.flatnonzero(row >= 0)
    if len(near):  # exact: the nearest of the cell's candidate segments, measured on the sphere
        si = np.minimum((fi[near] - i[near]) * _SUBCELLS, _SUBCELLS - 1).astype(np.int64)
        sj = np.minimum((fj[near] - j[near]) * _SUBCELLS, _SUBCELLS - 1).astype(np.int64)
        rows = row[near] * _SUBCELLS ** 2 + si * _SUBCELLS + sj
        widths = idx["widths"][rows]
        best = np.empty(len(near), dtype=np.int64)
        for width in np.unique(widths):
            group = np.flatnonzero(widths == width)
            best[group], _ = idx["fine"].nearest(x[near[group]], y[near[group]],
                                                 idx["candidates"][rows[group], :width])
        chord = _chord_to_segments(_unit_vectors(lat[near], lon[near]), idx["a3"][best], idx["b3"][best])
        angle[near] = _chord_to_angle(chord)

    far = np.flatnonzero(on & (row < 0))
    if len(far):
        ring = idx["ring"]
        ii, jj = i[far], j[far]
        corners = np.column_stack((ii * nx + jj, ii * nx + jj + 1, (ii + 1) * nx + jj, (ii + 1) * nx + jj + 1))
        px, py = x[far], y[far]
        picks = idx["node_seg"][corners]
        low, span = picks.min(axis=1), np.ptp(picks, axis=1)
        # Usually the corners' picks lie along one stretch of the outline and the point's nearest segment between
        # them; where they do not (a ridge between two stretches), search around each pick.
        seg = np.empty(len(far), dtype=np.int64)
        done = np.zeros(len(far), dtype=bool)
        for width in _RANGE_WIDTHS:
            group = np.flatnonzero(~done & (span <= width - 2 * _RANGE_PAD))
            if len(group):
                cand = (low[group, None] - _RANGE_PAD + np.arange(width)) % ring.count
                seg[group], _ = ring.nearest(px[group], py[group], cand)
                done[group] = True
        split = np.flatnonzero(~done)
        if len(split):
            cand = (picks[split, :, None] + np.arange(-_SPLIT_PAD, _SPLIT_PAD + 1)) % ring.count
            seg[split], _ = ring.nearest(px[split], py[split], cand.reshape(len(split), -1))
        # the foot on the outline, then the line's nearest point _OFFSET_KM beyond it, measured on the sphere
        rx, ry = px - ring.ax[seg], py - ring.ay[seg]
        t = np.clip((rx * ring.dx[seg] + ry * ring.dy[seg]) * ring.inv_length2[seg], 0.0, 1.0)
        fx, fy = ring.ax[seg] + t * ring.dx[seg], ring.ay[seg] + t * ring.dy[seg]
        gap = np.hypot(fx - px, fy - py)
        q_lat, q_lon = _from_plane(fx + _OFFSET_KM * (fx - px) / gap, fy + _OFFSET_KM * (fy - py) / gap, idx["lon0"])
        chord = np.linalg.norm(_unit_vectors(lat[far], lon[far]) - _unit_vectors(q_lat, q_lon), axis=1)
        angle[far] = _chord_to_angle(chord)

    off = np.flatnonzero(~on)
    if len(off):  # hundreds of km away: every segment of a coarse copy of the line
        p3 = _unit_vectors(lat[off], lon[off])
        chord = np.min([_chord_to_segments(p3, np.broadcast_to(a, p3.shape), np.broadcast_to(b, p3.shape))
                        for a, b in zip(idx["coarse_a3"], idx["coarse_b3"])], axis=0)
        angle[off] = _chord_to_angle(chord)
    return angle


def _chord_to_angle(chord):
    return 2.0 * np.arcsin(np.minimum(chord / 2.0, 1.0))
