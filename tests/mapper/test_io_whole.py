"""Flows read back from files carry whole people, like the builder's (issue 12 section 5)."""

from __future__ import annotations

import json

import numpy as np

from mapper.io import read_flows, write_flows
from mapper.render import render_map

LOCATIONS = "id,name,lat,lon\na,Aleppo,36.2,37.15\nb,Idlib,35.93,36.63\nc,Hama,35.13,36.75\n"


def test_flowmap_estimates_are_rounded_conserving_the_total(tmp_path):
    (tmp_path / "locations.csv").write_text(LOCATIONS, encoding="utf-8")
    (tmp_path / "flows.csv").write_text("origin,dest,count\na,b,16034.6\na,c,1000.7\nc,b,99.7\n", encoding="utf-8")
    fs = read_flows(tmp_path)
    people = fs.flows.set_index(["origin_id", "dest_id"])["people"]
    assert fs.flows["people"].dtype == np.int64
    assert int(people.sum()) == 17135  # round(16034.6 + 1000.7 + 99.7): the total is conserved
    # largest remainder: the two .7 remainders take the two people the floors leave over
    assert (people[("a", "b")], people[("a", "c")], people[("c", "b")]) == (16034, 1001, 100)
    assert fs.places["people_in"].dtype == np.int64 and fs.places["people_out"].dtype == np.int64
    assert (fs.flows["people_min"] <= fs.flows["people"]).all() and (fs.flows["people"] <= fs.flows["people_max"]).all()
    render_map(fs, tmp_path / "map.html")
    assert "17,135 people in 3 flows shown" in (tmp_path / "map.html").read_text(encoding="utf-8")


def test_whole_counts_read_back_as_int_columns(tmp_path):
    (tmp_path / "locations.csv").write_text(LOCATIONS, encoding="utf-8")
    (tmp_path / "flows.csv").write_text("origin,dest,count\na,b,500\nc,b,250\n", encoding="utf-8")
    fs = read_flows(tmp_path)
    for fmt in ("geojson", "gpkg", "csv"):
        path = tmp_path / f"out.{fmt}"
        write_flows(fs, path)
        back = read_flows(path)
        assert back.flows["people"].dtype == np.int64, fmt
        assert sorted(back.flows["people"].tolist()) == [250, 500], fmt
        assert back.places["people_in"].dtype == np.int64, fmt


def test_geojson_with_fractional_people_reads_whole(tmp_path):
    (tmp_path / "locations.csv").write_text(LOCATIONS, encoding="utf-8")
    (tmp_path / "flows.csv").write_text("origin,dest,count\na,b,500\nc,b,250\n", encoding="utf-8")
    path = tmp_path / "flows.geojson"
    write_flows(read_flows(tmp_path), path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    for feature, value in zip([f for f in doc["features"] if "people" in f["properties"]], (8303.875756, 2.5)):
        feature["properties"]["people"] = value
    path.write_text(json.dumps(doc), encoding="utf-8")
    people = read_flows(path).flows["people"]
    assert people.dtype == np.int64 and int(people.sum()) == 8306
