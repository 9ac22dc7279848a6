"""Build ``world.geojson``, the country outlines for maps outside the Syria region, from Natural Earth.

Source: the npm package ``world-atlas`` (version pinned below; Mike Bostock's pre-built TopoJSON of Natural Earth's
1:50m "Admin 0 - Countries"). Natural Earth is in the public domain; world-atlas is under the ISC licence.
The script fetches the package with ``npm pack`` into a temporary directory, decodes the TopoJSON arcs, simplifies
each country by :data:`TOLERANCE` degrees and writes ``world.geojson`` next to this file with the attribution in the
collection and in every feature. Run by hand (CI never rebuilds it)::

    python mapper/data/build_world_basemap.py

The same package version always gives a byte-identical file.
"""

from __future__ import annotations

import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "world-atlas"
VERSION = "2.0.2"
MEMBER = "package/countries-50m.json"
TOLERANCE = 0.03  # degrees (~3 km): outlines for orientation, not boundaries to measure against
DIGITS = 2
ATTRIBUTION = f"Natural Earth (public domain), via {PACKAGE} {VERSION}"
OUT = Path(__file__).with_name("world.geojson")


def fetch(folder: Path) -> dict:
    """The TopoJSON of the pinned package (``npm pack`` into ``folder``), and the tarball's integrity hash."""
    result = subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--json"], cwd=folder, check=True,
                            capture_output=True, text=True)
    info = json.loads(result.stdout)[0]
    with tarfile.open(folder / info["filename"]) as tar:
        topo = json.load(tar.extractfile(MEMBER))
    topo["_integrity"] = info["integrity"]
    return topo


def decode_arcs(topo) -> list:
    """Absolute (lon, lat) coordinates of every arc (TopoJSON's quantised, delta-encoded arcs)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs, indices) -> list:
    """One ring from arc indices (a negative index ~i is arc i reversed); shared end points are joined once."""
    points = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def country_geometry(arcs, geometry):
    """A shapely geometry for one TopoJSON Polygon or MultiPolygon."""
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
    parts = []
    for rings in polygons:
        shell, *holes = [ring(arcs, r) for r in rings]
        if len(shell) >= 4:
            parts.append(Polygon(shell, [h for h in holes if len(h) >= 4]))
    return shapely.make_valid(MultiPolygon(parts)) if parts else None


def build(topo) -> dict:
    import shapely
    from shapely.geometry import mapping

    arcs = decode_arcs(topo)
    features = []
    for geometry in topo["objects"]["countries"]["geometries"]:
        if geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        shape = country_geometry(arcs, geometry)
        if shape is None or shape.is_empty:
            continue
        shape = shapely.simplify(shape, TOLERANCE, preserve_topology=True)
        shape = shapely.set_precision(shape, 10**-DIGITS)
        if shape.is_empty:
            continue
        features.append({"type": "Feature", "properties": {
            "name": geometry.get("properties", {}).get("name", ""), "iso_n3": geometry.get("id", ""),
            "attribution": ATTRIBUTION}, "geometry": mapping(shape)})
    features.sort(key=lambda f: (f["properties"]["name"], f["properties"]["iso_n3"]))
    return {"type": "FeatureCollection", "attribution": ATTRIBUTION, "source_package": f"{PACKAGE}@{VERSION}",
            "source_integrity": topo["_integrity"], "source_file": MEMBER, "licence": "public domain (Natural Earth); "
            "world-atlas: ISC", "simplified_degrees": TOLERANCE, "features": features}


def _rounded(value):
    if isinstance(value, float):
        return round(value, DIGITS)
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def main():
    with tempfile.TemporaryDirectory() as folder:
        collection = build(fetch(Path(folder)))
    text = json.dumps(_rounded(collection), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(text) / 1024:.0f} KB, {len(collection['features'])} countries)")


if __name__ == "__main__":
    main()
