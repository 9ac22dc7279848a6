"""Places grouped by zoom: admin areas by P-code, else clusters by distance (scipy)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .areas import admin_area_names


@dataclass
class Level:
    """One level of place clusters: ``of[i]`` is place i's cluster; clusters have a name and a position."""

    name: str
    of: list
    names: list
    lat: list
    lon: list
    min_zoom: float  # the map shows this level from this zoom on (finer levels win once they fit)


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
    admin = admin_area_names()
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
    # Each cluster is named after its heaviest place (the first of equals): places by cluster, heaviest first.
    order = np.lexsort((np.arange(len(of)), -weight, of))
    tops = order[np.flatnonzero(np.diff(np.asarray(of)[order], prepend=-1))].tolist()
    sizes = np.bincount(of, minlength=n).tolist()
    names = [places[top].name if size == 1 else f"{places[top].name} and {size - 1:,} more"
             for top, size in zip(tops, sizes)]
    return Level(name=name, of=list(of), names=names, lat=clat.tolist(), lon=clon.tolist(),
                 min_zoom=_zoom_for(clat, clon))


def _zoom_for(lat, lon, px=40.0) -> float:
    """The zoom at which clusters lie, in median, ``px`` pixels from their nearest neighbour."""
    if len(lat) < 2:
        return 0.0
    k = math.cos(math.radians(float(np.mean(lat))))
    xy = np.column_stack([lon * k * 111.32, lat * 110.57])
    km = max(float(np.median(_nearest_km(xy))), 0.05)
    km_per_px_zoom0 = 40075.0 * k / 256.0
    return round(max(0.0, math.log2(px * km_per_px_zoom0 / km)), 2)


def _nearest_km(xy) -> np.ndarray:
    """Each point's distance to its nearest other point (0 where another lies on it).

    shapely's tree, already loaded with geopandas, rather than scipy's cKDTree (the same distances; importing
    scipy.spatial costs a map of 100,000 flows 0.2 s). Each distinct position is queried once, for its one nearest
    neighbour: places often share a point (every place known only by its subdistrict sits at the subdistrict's),
    and a tree of duplicates answers with every tie.
    """
    import shapely

    distinct, group, count = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
    group = group.ravel()
    points = shapely.points(distinct)
    (which, _), dist = shapely.STRtree(points).query_nearest(points, exclusive=True, return_distance=True,
                                                             all_matches=False)
    nearest = np.full(len(distinct), np.inf)
    nearest[which] = dist
    nearest = nearest[group]
    nearest[count[group] > 1] = 0.0
    return nearest
