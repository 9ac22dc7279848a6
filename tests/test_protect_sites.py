"""Protecting sensitive sites: ``--protect-sites KM`` must keep the exact coordinate of every camp out of every output.

Two builds are checked with protection on: the shipped example (its camp clusters), written through the command line,
and a small hand-made gazetteer with a camp, a camp cluster expanded into its camps, a village protected with
``protect_kinds`` and an unprotected town, written through the library. Each is written as HTML, SVG, GeoJSON,
GeoPackage, CSV, HXL and a flowmap.blue pair, then:

- the bytes of every output are searched for the exact coordinates as text: as in the source data, and rounded to
  6, 5 and 4 decimals (with and without trailing zeros), and, in the HTML map, as the integer 1e-4 degree units the
  page carries coordinates in. Three decimals (about 100 m) are too short to search as text without matching the
  basemap and other places by chance, so instead:
- every coordinate the outputs hold is parsed and none may lie within 150 m of a protected place's exact point;
- the flows' ``distance_km``, ``origin_border_km``/``dest_border_km`` and the places' ``border_km`` are exactly
  what the snapped points give, so no figure can be worked back to the exact point;
- the legend and the metadata say what was done.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from gazetteer import Gazetteer
from gazetteer.places import Place
from mapper.cli import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "idlib_dec_2019" / "reports.csv"
KM = 5.0
NEAR_M = 150.0


# --- the small case ---------------------------------------------------------------------------------------------

SMALL_PLACES = [
    Place(id="town-a", name="Alpha Town", kind="town", lat=35.64321, lon=36.67891, alt_names=("alpha",)),
    Place(id="camp-x", name="Xi Camp", kind="camp", lat=36.31111, lon=36.61111, alt_names=("xi camp",),
          population=8000),
    Place(id="cluster-y", name="Ypsilon Camps", kind="camp_cluster", lat=36.2468, lon=36.7531,
          alt_names=("ypsilon camps",), population=30000),
    Place(id="camp-y1", name="Y One Camp", kind="camp", lat=36.25873, lon=36.74419, parent="cluster-y",
          population=10000),
    Place(id="camp-y2", name="Y Two Camp", kind="camp", lat=36.23456, lon=36.76543, parent="cluster-y",
          population=20000),
    Place(id="village-z", name="Zeta Village", kind="village", lat=36.12345, lon=36.54321, alt_names=("zeta",)),
]
SMALL_REPORTS = (
    "report_id,kind,figure,unit,period_start,period_end,origin,destination,agency,note\n"
    "s1,displacement,3000,people,2019-12-01,2019-12-10,alpha,xi camp,UN OCHA,\n"
    "s2,displacement,6000,people,2019-12-01,2019-12-10,alpha,ypsilon camps,UN OCHA,\n"
    "s3,displacement,900,people,2019-12-01,2019-12-10,zeta,xi camp,SRCG,\n"
    "s4,incident,2,killed,2019-12-03,2019-12-03,xi camp,,SOHR,strike near the camp\n"
)


@pytest.fixture
def small_gazetteer():
    return Gazetteer(SMALL_PLACES)


# --- writing every output through the command line ----------------------------------------------------------------


def write_all(reports, folder, *options):
    """Every output of `idpmap flows` and `idpmap map` for ``reports`` with ``options``; returns {name: path}."""
    runner = CliRunner()
    folder = Path(folder)
    outputs = {}
    for name, args in (("geojson", ["-o", "flows.geojson"]), ("gpkg", ["-o", "flows.gpkg"]),
                       ("csv", ["-o", "flows.csv"]), ("hxl", ["-o", "flows.hxl.csv", "--format", "hxl"]),
                       ("flowmap", ["-o", "flowmap", "--format", "flowmap"])):
        args = ["flows", str(reports), *args, *options]
        args[args.index("-o") + 1] = str(folder / args[args.index("-o") + 1])
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        outputs[name] = Path(args[args.index("-o") + 1])
    for name in ("map.html", "map.svg"):
        result = runner.invoke(cli, ["map", str(reports), "-o", str(folder / name), *options])
        assert result.exit_code == 0, result.output
        outputs[name] = folder / name
    return outputs


def write_all_library(flowset, folder):
    """The same outputs as :func:`write_all`, written by the library from a built FlowSet."""
    from mapper.io import write_flows
    from mapper.render import render_map
    from mapper.static import render_image

    folder = Path(folder)
    outputs = {"geojson": folder / "flows.geojson", "gpkg": folder / "flows.gpkg", "csv": folder / "flows.csv",
               "hxl": folder / "flows.hxl.csv", "flowmap": folder / "flowmap", "map.html": folder / "map.html",
               "map.svg": folder / "map.svg"}
    for name in ("geojson", "gpkg", "csv"):
        write_flows(flowset, outputs[name])
    write_flows(flowset, outputs["hxl"], format="hxl")
    write_flows(flowset, outputs["flowmap"], format="flowmap")
    render_map(flowset, outputs["map.html"])
    render_image(flowset, outputs["map.svg"])
    return outputs


def _all_bytes(outputs):
    """Each output's bytes; for the GeoPackage also the text of every table, every cell read back by SQLite."""
    out = {}
    for name, path in outputs.items():
        if path.is_dir():
            for f in sorted(path.iterdir()):
                out[f"{name}/{f.name}"] = f.read_bytes()
        else:
            out[name] = path.read_bytes()
    con = sqlite3.connect(outputs["gpkg"])
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        cells = []
        for table in tables:
            for row in con.execute(f'SELECT * FROM "{table}"'):
                cells += [str(v) for v in row if not isinstance(v, bytes)]
    finally:
        con.close()
    out["gpkg tables"] = "\n".join(cells).encode("utf-8")
    return out


def _text_forms(value):
    """The ways a coordinate may be written: as given, rounded to 6, 5 and 4 decimals, trailing zeros or not."""
    forms = {repr(float(value)), str(value)}
    for digits in (6, 5, 4):
        text = f"{value:.{digits}f}"
        forms |= {text, text.rstrip("0").rstrip(".")}
    return {f for f in forms if len(f.split(".")[-1]) >= 4}


def _assert_no_exact_text(blobs, protected):
    for place in protected:
        for coord in (place.lat, place.lon):
            forms = _text_forms(coord)
            units = str(round(coord * 10_000))  # the HTML map's integer 1e-4 degree units
            for name, blob in blobs.items():
                text = blob.decode("utf-8", errors="replace")
                for form in forms:
                    assert not re.search(rf"(?<![\d]){re.escape(form)}", text), (place.id, form, name)
                if name == "map.html":
                    assert not re.search(rf"(?<![\d.]){units}(?![\d])", text), (place.id, units)


def _points(outputs):
    """Every (lat, lon) the data outputs hold, parsed from each format."""
    import pyogrio

    pts = []
    doc = json.loads(outputs["geojson"].read_text(encoding="utf-8"))
    for f in doc["features"]:
        coords = f["geometry"]["coordinates"]
        for lon, lat in [coords] if isinstance(coords[0], float) else coords:
            pts.append((lat, lon))
        p = f["properties"]
        for prefix in ("", "origin_", "dest_"):
            if f"{prefix}lat" in p:
                pts.append((p[f"{prefix}lat"], p[f"{prefix}lon"]))
    for name in ("csv", "hxl"):
        with outputs[name].open(newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.DictReader(fh) if not r["origin_lat"].startswith("#")]
        pts += [(float(r[f"{e}_lat"]), float(r[f"{e}_lon"])) for r in rows for e in ("origin", "dest")]
    with (outputs["flowmap"] / "locations.csv").open(newline="", encoding="utf-8") as fh:
        pts += [(float(r["lat"]), float(r["lon"])) for r in csv.DictReader(fh)]
    for layer in ("flows", "places", "incidents"):
        frame = pyogrio.read_dataframe(outputs["gpkg"], layer=layer)
        for geom in frame.geometry:
            pts += [(y, x) for x, y in geom.coords]
    page = outputs["map.html"].read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="idpmap-data">(.*?)</script>', page,
                                re.S).group(1))
    pts += [(r[3] / data["q"], r[4] / data["q"]) for r in data["places"]]
    pts += [(r[2] / data["q"], r[3] / data["q"]) for r in data["incidents"]]
    return np.array(pts, dtype=float)


def _assert_nothing_near(points, protected, public):
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    public_pts = {(round(p.lat, 6), round(p.lon, 6)) for p in public}
    for place in protected:
        _, _, metres = geod.inv(np.full(len(points), place.lon), np.full(len(points), place.lat), points[:, 1],
                                points[:, 0])
        near = [tuple(pt) for pt, m in zip(points, metres) if m < NEAR_M
                and (round(pt[0], 6), round(pt[1], 6)) not in public_pts]
        assert not near, (place.id, near[:3])


def _assert_figures_from_snapped_points(outputs):
    """distance_km and border_km are what the snapped coordinates give, to the digit."""
    from pyproj import Geod

    from mapper.borders import border_distance_km

    doc = json.loads(outputs["geojson"].read_text(encoding="utf-8"))
    flows = [f["properties"] for f in doc["features"] if f["properties"]["layer"] == "flows"]
    places = [f["properties"] for f in doc["features"] if f["properties"]["layer"] == "places"]
    assert flows
    olat, olon = [f["origin_lat"] for f in flows], [f["origin_lon"] for f in flows]
    dlat, dlon = [f["dest_lat"] for f in flows], [f["dest_lon"] for f in flows]
    _, _, metres = Geod(ellps="WGS84").inv(olon, olat, dlon, dlat)
    assert [f["distance_km"] for f in flows] == pytest.approx(np.round(np.asarray(metres) / 1000, 3), abs=1e-9)
    assert [f["dest_border_km"] for f in flows] == pytest.approx(list(border_distance_km(dlat, dlon)), abs=1e-9)
    assert [f["origin_border_km"] for f in flows] == pytest.approx(list(border_distance_km(olat, olon)), abs=1e-9)
    assert [p["border_km"] for p in places] == pytest.approx(
        list(border_distance_km([p["lat"] for p in places], [p["lon"] for p in places])), abs=1e-9)


def _assert_on_grid(lat, lon, km=KM):
    """A snapped point is the centre of its cell of the fixed grid (mapper.flows' rule: power-of-two degree cells,
    at least km, longitude by the cosine of the middle of the 8-degree latitude band)."""
    dlat = 2.0 ** np.ceil(np.log2(km / 111.32))
    assert (lat / dlat - 0.5) == pytest.approx(round(lat / dlat - 0.5), abs=1e-4)
    band = (np.floor(lat / 8) + 0.5) * 8
    dlon = 2.0 ** np.ceil(np.log2(km / (111.32 * np.cos(np.radians(band)))))
    assert (lon / dlon - 0.5) == pytest.approx(round(lon / dlon - 0.5), abs=1e-3)


def _assert_recorded(outputs, kinds, label):
    doc = json.loads(outputs["geojson"].read_text(encoding="utf-8"))
    assert doc["meta"]["protect_sites_km"] == KM and doc["meta"]["protect_kinds"] == kinds
    import pyogrio

    meta = json.loads(pyogrio.read_info(outputs["gpkg"], layer="flows")["layer_metadata"]["idpmap_meta"])
    assert meta["protect_sites_km"] == KM and meta["protect_kinds"] == kinds
    page = outputs["map.html"].read_text(encoding="utf-8")
    assert f"{label} generalised to cells of 0.0625\u00b0 (about 7 km) of a fixed grid" in page
    svg = outputs["map.svg"].read_text(encoding="utf-8")
    assert " ".join(label.split()) in " ".join(re.sub(r"<[^>]+>", " ", svg).split())


# --- the example --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_outputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("protect_example")
    # --split-regions: the modelled split draws the camp clusters, whose points must not leak either.
    return write_all(EXAMPLE, folder, "--protect-sites", "5", "--allow-unresolved", "--split-regions")


def _example_places(outputs):
    doc = json.loads(outputs["geojson"].read_text(encoding="utf-8"))
    ids = {f["properties"]["place_id"] for f in doc["features"] if f["properties"]["layer"] == "places"}
    ids |= {f["properties"]["place_id"] for f in doc["features"] if f["properties"]["layer"] == "incidents"}
    gaz = Gazetteer.default()
    used = [gaz.by_id(i) for i in sorted(ids)]
    return used, doc


def test_example_never_leaks_a_camp_coordinate(example_outputs):
    used, doc = _example_places(example_outputs)
    protected = [p for p in used if p.kind in ("camp", "camp_cluster")]
    assert len(protected) >= 3  # the example's camps along the Turkish border
    # and every camp and cluster of the gazetteer the example could have expanded to
    gaz = Gazetteer.default()
    protected += [c for p in list(protected) for c in gaz.children(p.id) if c.kind in ("camp", "camp_cluster")]
    _assert_no_exact_text(_all_bytes(example_outputs), protected)
    public = [p for p in used if p.kind not in ("camp", "camp_cluster")]
    _assert_nothing_near(_points(example_outputs), protected, public)


def test_example_snaps_to_the_grid_and_records_it(example_outputs):
    used, doc = _example_places(example_outputs)
    exact = {p.id: p for p in used}
    for f in doc["features"]:
        p = f["properties"]
        if p["layer"] != "places":
            continue
        if p["kind"] in ("camp", "camp_cluster"):
            _assert_on_grid(p["lat"], p["lon"])
            assert abs(p["lat"] - exact[p["place_id"]].lat) <= 2.0 ** np.ceil(np.log2(KM / 111.32)) / 2 + 1e-9
        else:  # towns and areas keep their coordinate
            assert (p["lat"], p["lon"]) == (exact[p["place_id"]].lat, exact[p["place_id"]].lon)
    _assert_figures_from_snapped_points(example_outputs)
    _assert_recorded(example_outputs, ["camp", "camp_cluster"], "Camp locations")


# --- the small case -----------------------------------------------------------------------------------------------


def test_small_case_with_protected_village(small_gazetteer, tmp_path):
    from mapper.flows import build_flows
    from mapper.reports import read_reports

    reports = tmp_path / "reports.csv"
    reports.write_text(SMALL_REPORTS, encoding="utf-8")
    flowset = build_flows(read_reports(reports), gazetteer=small_gazetteer, protect_sites_km=KM,
                          protect_kinds="camp,camp_cluster,village", split_regions=True)
    outputs = write_all_library(flowset, tmp_path)
    protected = [p for p in SMALL_PLACES if p.kind != "town"]
    public = [p for p in SMALL_PLACES if p.kind == "town"]
    blobs = _all_bytes(outputs)
    _assert_no_exact_text(blobs, protected)
    _assert_nothing_near(_points(outputs), protected, public)
    _assert_figures_from_snapped_points(outputs)
    _assert_recorded(outputs, ["camp", "camp_cluster", "village"],
                     "Locations of camps, camp clusters and villages")
    # The town is drawn where it is; the cluster was expanded into its two camps, each snapped.
    doc = json.loads(outputs["geojson"].read_text(encoding="utf-8"))
    places = {f["properties"]["place_id"]: f["properties"] for f in doc["features"]
              if f["properties"]["layer"] == "places"}
    assert (places["town-a"]["lat"], places["town-a"]["lon"]) == (35.64321, 36.67891)
    assert {"camp-y1", "camp-y2", "camp-x", "village-z"} <= set(places)
    for pid in ("camp-y1", "camp-y2", "camp-x", "village-z"):
        _assert_on_grid(places[pid]["lat"], places[pid]["lon"])
    incident = [f for f in doc["features"] if f["properties"]["layer"] == "incidents"][0]
    assert incident["geometry"]["coordinates"] == [places["camp-x"]["lon"], places["camp-x"]["lat"]]


def test_default_kinds_leave_villages_exact(small_gazetteer, tmp_path):
    from mapper.flows import build_flows
    from mapper.reports import read_reports

    reports = tmp_path / "reports.csv"
    reports.write_text(SMALL_REPORTS, encoding="utf-8")
    flowset = build_flows(read_reports(reports), gazetteer=small_gazetteer, protect_sites_km=KM)
    places = flowset.places.set_index("place_id")
    assert (places.loc["village-z", "lat"], places.loc["village-z", "lon"]) == (36.12345, 36.54321)
    assert places.loc["camp-x", "lat"] != 36.31111
    assert flowset.meta["protect_kinds"] == ["camp", "camp_cluster"]
    # without protection nothing moves, and the metadata says so
    plain = build_flows(read_reports(reports), gazetteer=small_gazetteer)
    assert plain.places.set_index("place_id").loc["camp-x", "lat"] == 36.31111
    assert plain.meta["protect_sites_km"] is None and plain.meta["protect_kinds"] is None


@pytest.mark.parametrize("args, message", [
    (["--protect-sites", "5", "--protect-kinds", "camp,tent"], "'tent'"),
    (["--protect-kinds", "village"], "--protect-sites"),
    (["--protect-sites", "0"], "--protect-sites"),
])
def test_bad_protect_options(tmp_path, args, message):
    runner = CliRunner()
    for command in (["flows", str(EXAMPLE), "-o", str(tmp_path / "f.geojson"), "--allow-unresolved"],
                    ["map", str(EXAMPLE), "-o", str(tmp_path / "m.html"), "--allow-unresolved"]):
        result = runner.invoke(cli, command + args)
        assert result.exit_code == 2, result.output
        assert message in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "f.geojson").exists() and not (tmp_path / "m.html").exists()


def test_protect_kinds_on_a_flows_file_is_refused(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["flows", str(EXAMPLE), "-o", str(tmp_path / "f.geojson"), "--allow-unresolved"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["map", str(tmp_path / "f.geojson"), "-o", str(tmp_path / "m.html"),
                                 "--protect-sites", "5", "--protect-kinds", "village"])
    assert result.exit_code == 2
    assert "--protect-sites, --protect-kinds apply to a reports CSV" in result.output
