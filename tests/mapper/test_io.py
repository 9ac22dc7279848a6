"""Writing flows (GeoJSON, GeoPackage, CSV, HXL, flowmap.blue), reading them back, and atomic, safe outputs."""

import csv
import json

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

import mapper.io as mio
from mapper.atomic import GENERATOR
from mapper.errors import InputFileError, OutputError
from mapper.io import HXL_FLOW_TAGS, read_flows, write_flows
from mapper.model import FLOW_COLUMNS, INCIDENT_COLUMNS, PLACE_COLUMNS, FlowSet, LeftOut

SOURCES = json.dumps([{"report_id": "ocha-1", "agency": "UN OCHA", "people": 235000.0}])
HOSTILE = "<script>alert(1)</script>\"'`${x}` \u202e"


def _place(prefix, pid, name, name_ar, kind, lat, lon, admin3):
    return {f"{prefix}_id": pid, f"{prefix}_name": name, f"{prefix}_name_ar": name_ar, f"{prefix}_kind": kind,
            f"{prefix}_lat": lat, f"{prefix}_lon": lon, f"{prefix}_pcode": admin3, f"{prefix}_admin1": admin3[:4],
            f"{prefix}_admin2": admin3[:6], f"{prefix}_admin3": admin3}


MAARRA = ("sy-maarat-al-numan", "Maarat al-Numan", "معرة النعمان", "city", 35.6483, 36.67693, "SY070200")
ATME = ("sy-atmeh", "Atmeh", "أطمة", "village", 36.31111, 36.68639, "SY070301")
IDLIB = ("sy-idlib", "Idlib", "إدلب", "city", 35.93062, 36.63393, "SY070000")


def _flow(fid, origin, dest, people, lo, hi, rule):
    return {"flow_id": fid, **_place("origin", *origin), **_place("dest", *dest), "people": people,
            "people_min": lo, "people_max": hi, "period_start": "2019-12-12", "period_end": "2019-12-25",
            "sources": SOURCES, "split_rule": rule, "distance_km": 73.5, "origin_border_km": 60.2,
            "dest_border_km": 1.5}


@pytest.fixture
def flowset():
    """Two flows out of Maarat al-Numan, their three places and one incident, built by hand."""
    rows = [_flow("f1", MAARRA, ATME, 150000.0, 100000.0, 160000.0, "by population (2 destinations)"),
            _flow("f2", MAARRA, IDLIB, 85000.0, 85000.0, 90000.0, HOSTILE)]
    flows = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=FLOW_COLUMNS),
        geometry=[shapely.LineString([(r["origin_lon"], r["origin_lat"]), (r["dest_lon"], r["dest_lat"])])
                  for r in rows], crs="EPSG:4326")
    place_rows = []
    for pid, name, name_ar, kind, lat, lon, pcode in (MAARRA, ATME, IDLIB):
        out = 235000.0 if pid == MAARRA[0] else 0.0
        into = {ATME[0]: 150000.0, IDLIB[0]: 85000.0}.get(pid, 0.0)
        place_rows.append({"place_id": pid, "name": name, "name_ar": name_ar, "kind": kind, "lat": lat,
                           "lon": lon, "pcode": pcode, "admin1": "SY07", "admin2": pcode[:6], "admin3": pcode,
                           "people_in": into, "people_out": out, "net": into - out, "border_km": 10.0})
    places = gpd.GeoDataFrame(pd.DataFrame(place_rows, columns=PLACE_COLUMNS),
                              geometry=[shapely.Point(r["lon"], r["lat"]) for r in place_rows], crs="EPSG:4326")
    incident = {"report_id": "sohr-1", "place_id": "sy-tal-mannis", "name": "Tal Mannis", "name_ar": "تل مناس",
                "lat": 35.628, "lon": 36.717, "period_start": "2019-12-20", "period_end": "2019-12-20",
                "figure": 8.0, "unit": "killed", "qualifier": "", "note": "", "sources": SOURCES}
    incidents = gpd.GeoDataFrame(pd.DataFrame([incident], columns=INCIDENT_COLUMNS),
                                 geometry=[shapely.Point(36.717, 35.628)], crs="EPSG:4326")
    left = [LeftOut("below min-people", "Kafr Nabl -> Atmeh", 200.0, ("rct-2",))]
    meta = {"title": "Idlib, December 2019", "level": "place", "min_people": 0, "priority": ["UN OCHA", "SRCG"]}
    return FlowSet(flows=flows, places=places, incidents=incidents, left_out=left, meta=meta)


def _same_flows(back, flowset):
    cols = ["flow_id", "origin_id", "origin_name", "origin_name_ar", "dest_id", "dest_name", "dest_name_ar",
            "people", "people_min", "people_max", "period_start", "period_end", "split_rule"]
    assert back.flows[cols].values.tolist() == flowset.flows[cols].values.tolist()
    assert [json.loads(s) for s in back.flows["sources"]] == [json.loads(SOURCES)] * 2
    assert back.flows.crs.to_epsg() == 4326
    assert back.flows.geometry.iloc[0].coords[:] == [(36.67693, 35.6483), (36.68639, 36.31111)]


# ---------------------------------------------------------------------------------------------- formats


def test_geojson(tmp_path, flowset):
    out = tmp_path / "flows.geojson"
    assert write_flows(flowset, out) == [out]
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and doc["generator"] == GENERATOR
    assert doc["meta"]["title"] == "Idlib, December 2019"
    assert doc["left_out"] == [{"what": "below min-people", "detail": "Kafr Nabl -> Atmeh", "people": 200.0,
                                "report_ids": ["rct-2"]}]
    layers = [f["properties"]["layer"] for f in doc["features"]]
    assert layers == ["flows", "flows", "places", "places", "places", "incidents"]
    first = doc["features"][0]
    assert first["geometry"] == {"type": "LineString", "coordinates": [[36.67693, 35.6483], [36.68639, 36.31111]]}
    assert first["properties"]["origin_name_ar"] == "معرة النعمان"
    assert first["properties"]["sources"][0]["report_id"] == "ocha-1"
    assert doc["features"][1]["properties"]["split_rule"] == HOSTILE  # text kept as it is, validly escaped
    back = read_flows(out)
    _same_flows(back, flowset)
    assert back.places["place_id"].tolist() == ["sy-maarat-al-numan", "sy-atmeh", "sy-idlib"]
    assert back.incidents["name_ar"].tolist() == ["تل مناس"]
    assert back.left_out == flowset.left_out
    assert back.meta["title"] == "Idlib, December 2019"
    # GDAL reads it too (what QGIS uses)
    assert len(pyogrio.read_dataframe(out)) == 6


def test_geopackage_has_its_layers(tmp_path, flowset):
    out = tmp_path / "flows.gpkg"
    write_flows(flowset, out)
    assert {name for name, _ in pyogrio.list_layers(out)} == {"flows", "places", "incidents", "left_out"}
    flows = pyogrio.read_dataframe(out, layer="flows")
    assert flows.crs.to_epsg() == 4326 and list(flows.geom_type) == ["LineString", "LineString"]
    assert flows["dest_name_ar"].tolist() == ["أطمة", "إدلب"] and flows["people"].tolist() == [150000, 85000]
    assert flows["split_rule"].iloc[1] == HOSTILE
    places = pyogrio.read_dataframe(out, layer="places")
    assert places["net"].tolist() == [-235000, 150000, 85000]
    assert pyogrio.read_dataframe(out, layer="incidents")["unit"].tolist() == ["killed"]
    back = read_flows(out)
    _same_flows(back, flowset)
    assert back.left_out == flowset.left_out and back.meta["level"] == "place"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".idpmap-written", "flows.gpkg"]  # no .aux.xml, no temp


def test_geopackage_with_no_incidents(tmp_path, flowset):
    flowset.incidents = flowset.incidents.iloc[0:0]
    write_flows(flowset, tmp_path / "flows.gpkg")
    assert len(pyogrio.read_dataframe(tmp_path / "flows.gpkg", layer="incidents")) == 0
    assert len(read_flows(tmp_path / "flows.gpkg").incidents) == 0


def test_csv(tmp_path, flowset):
    out = tmp_path / "flows.csv"
    write_flows(flowset, out)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == FLOW_COLUMNS
    assert rows[0]["origin_lat"] == "35.6483" and rows[0]["people"] == "150000"
    assert rows[1]["dest_name_ar"] == "إدلب" and rows[1]["split_rule"] == HOSTILE
    assert json.loads(rows[0]["sources"])[0]["agency"] == "UN OCHA"
    back = read_flows(out)
    _same_flows(back, flowset)
    assert back.places.set_index("place_id")["people_in"].to_dict() == {
        "sy-maarat-al-numan": 0, "sy-atmeh": 150000, "sy-idlib": 85000}


def test_hxl(tmp_path, flowset):
    out = tmp_path / "flows-hxl.csv"
    write_flows(flowset, out, format="hxl")
    with out.open(encoding="utf-8", newline="") as fh:
        header, tags, first, *_ = list(csv.reader(fh))
    assert header == FLOW_COLUMNS
    assert all(t.startswith("#") for t in tags)
    tag = dict(zip(tags, first))
    assert tag["#loc+origin+name"] == "Maarat al-Numan" and tag["#loc+origin+name+i_ar"] == "معرة النعمان"
    assert tag["#geo+dest+lat"] == "36.31111" and tag["#affected+idps+ind"] == "150000"
    assert tag["#date+start"] == "2019-12-12" and tag["#loc+dest+code"] == "SY070301"
    assert HXL_FLOW_TAGS["people"] == "#affected+idps+ind"
    _same_flows(read_flows(out), flowset)


def test_flowmap_pair(tmp_path, flowset):
    folder = tmp_path / "flowmap"
    assert write_flows(flowset, folder, format="flowmap") == [folder / "locations.csv", folder / "flows.csv"]
    assert (folder / "locations.csv").read_text(encoding="utf-8").splitlines() == [
        "id,name,lat,lon", "sy-maarat-al-numan,Maarat al-Numan,35.6483,36.67693", "sy-atmeh,Atmeh,36.31111,36.68639",
        "sy-idlib,Idlib,35.93062,36.63393"]
    assert (folder / "flows.csv").read_text(encoding="utf-8").splitlines() == [
        "origin,dest,count", "sy-maarat-al-numan,sy-atmeh,150000", "sy-maarat-al-numan,sy-idlib,85000"]
    for given in (folder, folder / "flows.csv", folder / "locations.csv"):
        back = read_flows(given)
        assert back.flows[["origin_id", "dest_name", "people", "people_max"]].values.tolist() == [
            ["sy-maarat-al-numan", "Atmeh", 150000, 150000], ["sy-maarat-al-numan", "Idlib", 85000, 85000]]
        assert back.flows["period_start"].tolist() == ["", ""] and back.flows["sources"].tolist() == ["[]", "[]"]
        assert back.flows["distance_km"].isna().all()
        assert back.places.set_index("place_id")["net"].to_dict() == {
            "sy-maarat-al-numan": -235000, "sy-atmeh": 150000, "sy-idlib": 85000}


def test_standard_output(flowset, capsys):
    assert write_flows(flowset, "-") == []
    assert json.loads(capsys.readouterr().out)["generator"] == GENERATOR
    write_flows(flowset, "-", format="csv")
    assert capsys.readouterr().out.splitlines()[0] == ",".join(FLOW_COLUMNS)
    with pytest.raises(OutputError, match="cannot go to standard output"):
        write_flows(flowset, "-", format="gpkg")


@pytest.mark.parametrize("name, fmt, message", [
    ("flows.txt", None, "cannot tell the format from the extension '.txt'"),
    ("flows.shp", "shapefile", "unknown format 'shapefile'"),
    ("flows.csv", "flowmap", "for --format flowmap give a folder"),
    ("missing/flows.csv", None, "does not exist"),
])
def test_bad_outputs(tmp_path, flowset, name, fmt, message):
    with pytest.raises(OutputError, match=message):
        write_flows(flowset, tmp_path / name, format=fmt)
    assert [p.name for p in tmp_path.iterdir()] == []


# ---------------------------------------------------------------------------------------------- atomic outputs


def _failing_after_first_feature(monkeypatch):
    real = mio._features

    def features(layer, frame, columns):
        for i, feature in enumerate(real(layer, frame, columns)):
            if i == 1:
                raise RuntimeError("disk full")
            yield feature
    monkeypatch.setattr(mio, "_features", features)


def test_failed_write_keeps_the_old_file_and_leaves_no_partial_file(tmp_path, flowset, monkeypatch):
    out = tmp_path / "flows.geojson"
    write_flows(flowset, out)
    before = out.read_bytes()
    _failing_after_first_feature(monkeypatch)
    with pytest.raises(RuntimeError, match="disk full"):
        write_flows(flowset, out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".idpmap-written", "flows.geojson"]


def test_failed_first_write_leaves_nothing(tmp_path, flowset, monkeypatch):
    _failing_after_first_feature(monkeypatch)
    with pytest.raises(RuntimeError):
        write_flows(flowset, tmp_path / "flows.geojson")
    assert list(tmp_path.iterdir()) == []


def test_failed_geopackage_write_leaves_nothing(tmp_path, flowset, monkeypatch):
    def broken(flowset, path):
        pyogrio.write_dataframe(flowset.flows, path, layer="flows", driver="GPKG")
        raise RuntimeError("interrupted")
    monkeypatch.setattr(mio, "_write_gpkg", broken)
    with pytest.raises(RuntimeError):
        write_flows(flowset, tmp_path / "flows.gpkg")
    assert list(tmp_path.iterdir()) == []


def test_flowmap_pair_is_all_or_nothing(tmp_path, flowset):
    flowset.flows["people"] = flowset.flows["people"].astype(object)
    flowset.flows.loc[1, "people"] = "many"  # fails on the second flow, after locations.csv is complete
    with pytest.raises(ValueError):
        write_flows(flowset, tmp_path / "fm", format="flowmap")
    assert list(tmp_path.iterdir()) == []


def test_existing_file_not_written_by_idpmap_needs_force(tmp_path, flowset):
    out = tmp_path / "flows.csv"
    out.write_text("my own notes\n", encoding="utf-8")
    with pytest.raises(OutputError, match="exists and was not written by idpmap; pass --force"):
        write_flows(flowset, out)
    assert out.read_text(encoding="utf-8") == "my own notes\n"
    write_flows(flowset, out, force=True)
    assert out.read_text(encoding="utf-8").startswith("flow_id,")
    write_flows(flowset, out)  # idpmap's own output: replaced without --force
    out.write_text("edited by hand\n", encoding="utf-8")
    with pytest.raises(OutputError):
        write_flows(flowset, out)


def test_flowmap_folder_files_are_protected_too(tmp_path, flowset):
    folder = tmp_path / "fm"
    folder.mkdir()
    (folder / "flows.csv").write_text("origin,dest,count\nA,B,1\n", encoding="utf-8")
    with pytest.raises(OutputError, match="pass --force"):
        write_flows(flowset, folder, format="flowmap")
    assert (folder / "flows.csv").read_text(encoding="utf-8") == "origin,dest,count\nA,B,1\n"
    assert not (folder / "locations.csv").exists()
    write_flows(flowset, folder, format="flowmap", force=True)
    assert (folder / "flows.csv").read_text(encoding="utf-8").startswith("origin,dest,count\nsy-")


# ---------------------------------------------------------------------------------------------- reading bad files


def _pair(tmp_path, locations, flows):
    (tmp_path / "locations.csv").write_text(locations, encoding="utf-8")
    (tmp_path / "flows.csv").write_text(flows, encoding="utf-8")
    return tmp_path


def _problems(path):
    with pytest.raises(InputFileError) as info:
        read_flows(path)
    return info.value


LOCATIONS = "id,name,lat,lon\nMAA,Maarat al-Numan,35.6483,36.67693\nATM,Atmeh,36.31111,36.68639\n"


def test_flowmap_pair_reads_thousands_separators_and_keeps_arabic(tmp_path):
    folder = _pair(tmp_path, LOCATIONS.replace("Atmeh", "أطمة"), 'origin,dest,count\nMAA,ATM,"12,000"\n')
    back = read_flows(folder / "flows.csv")
    assert back.flows[["dest_name", "people"]].values.tolist() == [["أطمة", 12000]]


@pytest.mark.parametrize("locations, flows, expected", [
    (LOCATIONS, "origin,dest,count\nMAA,XXX,100\nYYY,ATM,5\n",
     [(2, "dest", "unknown location id 'XXX' (not in locations.csv)"),
      (3, "origin", "unknown location id 'YYY' (not in locations.csv)")]),
    (LOCATIONS, "origin,dest,count\nMAA,ATM,-100\nMAA,ATM,lots\nMAA,ATM,\n",
     [(2, "count", "count -100 is negative; counts are >= 0"), (3, "count", "count 'lots' is not a number"),
      (4, "count", "empty; write the count")]),
    (LOCATIONS + "BAD,Somewhere,-136.3,136.6\n", "origin,dest,count\n",
     [(4, "lat", "latitude -136.3 is outside -90..90")]),
    (LOCATIONS + "SWP,Swapped,136.6,36.3\n", "origin,dest,count\n",
     [(4, "lat", "latitude 136.6 is out of range and longitude 36.3 would fit: are lat and lon swapped?")]),
    (LOCATIONS + "LON,Far,36.3,236.6\n", "origin,dest,count\n", [(4, "lon", "longitude 236.6 is outside -180..180")]),
    (LOCATIONS + "MAA,Again,35.6,36.6\n", "origin,dest,count\n", [(4, "id", "'MAA' is already used on line 2")]),
    (LOCATIONS + "NAN,Here,north,36.6\n", "origin,dest,count\n", [(4, "lat", "latitude 'north' is not a number")]),
])
def test_flowmap_validation(tmp_path, locations, flows, expected):
    err = _problems(_pair(tmp_path, locations, flows))
    assert err.problems == expected


def test_flowmap_missing_partner_and_columns(tmp_path):
    (tmp_path / "flows.csv").write_text("origin,dest,count\nA,B,1\n", encoding="utf-8")
    assert "a flowmap.blue pair needs locations.csv" in str(_problems(tmp_path / "flows.csv"))
    _pair(tmp_path, "id,name,latitude,lon\nA,a,1,2\n", "origin,dest,count\nA,A,1\n")
    assert "missing column(s) lat" in str(_problems(tmp_path))


@pytest.mark.parametrize("text, message", [
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "prop', "not valid JSON"),
    ("", "not valid JSON"),
    ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
    ('{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:32637"}}, "features": []}',
     "unknown CRS 'EPSG:32637'"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "LineString", '
     '"coordinates": [[36.6, 35.6], [36.7, 36.3]]}, "properties": {"people": -5}}]}', "feature 1: people -5"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "LineString", '
     '"coordinates": [[36.6, 135.6], [36.7, 36.3]]}, "properties": {"people": 5}}]}',
     "origin coordinate (135.6, 36.6) is not a valid (lat, lon)"),
])
def test_bad_geojson(tmp_path, text, message):
    path = tmp_path / "flows.geojson"
    path.write_text(text, encoding="utf-8")
    assert message in str(_problems(path))


def test_truncated_geojson_names_line(tmp_path, flowset):
    out = tmp_path / "flows.geojson"
    write_flows(flowset, out)
    data = out.read_bytes()
    out.write_bytes(data[: len(data) // 2])
    err = _problems(out)
    assert err.problems[0][0] > 1 and "truncated" in str(err)


def test_bad_flows_csv(tmp_path, flowset):
    out = tmp_path / "flows.csv"
    write_flows(flowset, out)
    text = out.read_text(encoding="utf-8").replace("35.6483,36.67693", "36.67693,235.6483", 1)
    out.write_text(text.replace(",150000,", ",-150000,", 1), encoding="utf-8")
    err = _problems(out)
    assert [(line, field) for line, field, _ in err.problems] == [(2, "people"), (2, "origin_lon")]
    not_flows = tmp_path / "other.csv"
    not_flows.write_text("a,b\n1,2\n", encoding="utf-8")
    assert "missing column(s) origin_lat" in str(_problems(not_flows))


def test_not_a_geopackage(tmp_path):
    path = tmp_path / "flows.gpkg"
    path.write_text("not sqlite", encoding="utf-8")
    assert "not a readable GeoPackage" in str(_problems(path))


NASTY = ["<img src=x onerror=alert(1)>", "\"'><svg/onload=alert(1)>", "javascript:alert(1)", "`${alert(1)}`",
         "</script><script>alert(1)</script>", "\u202eevil\u202c", "nul\x00byte", "bell\x07 and tab\t",
         "line\nbreak", "x" * 5000, "معرة النعمان"]


@pytest.mark.parametrize("name", ["flows.csv", "flows.geojson", "flows.gpkg", "flows-hxl.csv"])
def test_hostile_text_is_carried_unchanged(tmp_path, flowset, name):
    flows = pd.concat([flowset.flows.iloc[[0]]] * len(NASTY), ignore_index=True)
    flows["origin_name"] = NASTY
    flows["flow_id"] = [f"f{i}" for i in range(len(NASTY))]
    flowset.flows = gpd.GeoDataFrame(flows, geometry="geometry", crs="EPSG:4326")
    out = tmp_path / name
    write_flows(flowset, out, format="hxl" if "hxl" in name else None)
    expected = [t.replace("\x00", "\ufffd") for t in NASTY] if name.endswith(".gpkg") else NASTY
    if name.endswith(".csv"):
        assert all(t in out.read_text(encoding="utf-8") for t in NASTY[:-2])  # written unchanged ...
        expected = [t.strip() for t in NASTY]  # ... and read back with spaces at the cell's edges trimmed
    assert read_flows(out).flows["origin_name"].tolist() == expected


def test_sources_must_be_a_json_array_when_read(tmp_path, flowset):
    out = tmp_path / "flows.csv"
    write_flows(flowset, out)
    text = out.read_text(encoding="utf-8")
    out.write_text(text.replace('"[{""report_id"": ""ocha-1""', '"]}, ""x"": [{""report_id"": ""ocha-1""', 1),
                   encoding="utf-8")
    assert "flow(s) 1: sources is not a JSON array" in str(_problems(out))


def test_a_flow_without_sources_reads_with_none_and_a_non_finite_sources_is_refused(tmp_path, flowset):
    path = tmp_path / "f.geojson"
    write_flows(flowset, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    lines = [f for f in doc["features"] if f["geometry"]["type"] == "LineString"]
    del lines[0]["properties"]["sources"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    back = read_flows(path)
    assert back.flows["sources"].iloc[0] == "" and back.flows["sources"].iloc[1] != ""
    lines[0]["properties"]["sources"] = float("nan")
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputFileError, match="a number in a flow's sources is not finite"):
        read_flows(path)
