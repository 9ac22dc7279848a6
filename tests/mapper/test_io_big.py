"""Big GeoJSON flows files (issue 13 §3): read fast, and read exactly as Python's json module reads them.

msgspec reads the file in one typed pass (each flow's properties as a struct, its sources as raw text) where it can;
what it refuses (NaN, a feature that is not an object ...) is read by json. Each distinct list of sources is encoded
once. These tests check that a user gets the same flows, map and errors as with json alone.
"""

import json

import msgspec
import pandas as pd
import pytest

import mapper.inputs
from mapper.errors import InputFileError
from mapper.io import read_flows, write_flows
from mapper.render import render_map

PLACES = [("sy-atmeh", "Atmeh", "أطمة", "village", 36.31111, 36.68639),
          ("sy-idlib", "Idlib", "إدلب", "city", 35.93062, 36.63393),
          ("sy-sarmada", "Sarmada", "سرمدا", "town", 36.1821, 36.7217),
          ("sy-maarat-al-numan", "Maarat al-Numan", "معرة النعمان", "city", 35.6483, 36.67693)]


def _sources(k):
    """Forty distinct lists of sources, shared by the flows as a build shares its reports."""
    return [{"report_id": f"r{k}", "agency": "UN OCHA", "publisher": ["ReliefWeb", None, "Enab Baladi"][k % 3],
             "url": f"https://example.org/{k}", "figure": [5000, 1200.5, 0.1][k % 3], "qualifier": "about",
             "note": "line\u2028separator <b>&</b> \u00e9"}] * (1 + k % 2)


def _feature(i, sources):
    o, d = PLACES[i % 4], PLACES[(i + 1 + i // 4) % 4 or 1]
    props = {"layer": "flows", "flow_id": f"f{i}", "people": 100 + i % 997, "period_start": "2019-12-01",
             "period_end": "2019-12-25", "sources": sources, "split_rule": "equal" if i % 2 else "single",
             "note": None if i % 5 else "sources disagree"}
    for prefix, (pid, name, name_ar, kind, lat, lon) in (("origin", o), ("dest", d)):
        props.update({f"{prefix}_id": pid, f"{prefix}_name": name, f"{prefix}_name_ar": name_ar,
                      f"{prefix}_kind": kind, f"{prefix}_lat": lat, f"{prefix}_lon": lon})
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "LineString", "coordinates": [[o[5], o[4]], [d[5], d[4]]]}}


def _write(path, features):
    doc = {"type": "FeatureCollection", "meta": {"title": "Big file"}, "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _with_json_only(monkeypatch):
    """Make msgspec refuse everything, so that the readers fall back to the json module."""
    def refuse(*args, **kwargs):
        raise msgspec.DecodeError("refused for the test")

    def refuse_encode(*args, **kwargs):
        raise msgspec.EncodeError("refused for the test")

    monkeypatch.setattr(mapper.inputs.msgspec.json, "decode", refuse)
    monkeypatch.setattr(mapper.inputs.msgspec.json, "encode", refuse_encode)


def test_a_big_file_reads_as_json_reads_it(tmp_path, monkeypatch):
    path = _write(tmp_path / "big.geojson", [_feature(i, _sources(i % 40)) for i in range(3000)])
    fast = read_flows(path)
    fast_map = render_map(fast)
    write_flows(fast, tmp_path / "fast.geojson")
    with monkeypatch.context() as m:
        _with_json_only(m)
        slow = read_flows(path)
        slow_map = render_map(slow)
        write_flows(slow, tmp_path / "slow.geojson")

    assert len(fast.flows) == 3000 and fast.flows["people"].sum() == sum(100 + i % 997 for i in range(3000))
    for table in ("flows", "places", "incidents"):
        pd.testing.assert_frame_equal(pd.DataFrame(getattr(fast, table)), pd.DataFrame(getattr(slow, table)))
    assert fast.flows["sources"][7] == json.dumps(_sources(7), ensure_ascii=False)  # the text json writes
    assert fast_map == slow_map
    assert (tmp_path / "fast.geojson").read_bytes() == (tmp_path / "slow.geojson").read_bytes()


def _read_both_ways(path, monkeypatch):
    fast = read_flows(path)
    with monkeypatch.context() as m:
        _with_json_only(m)
        slow = read_flows(path)
    for table in ("flows", "places", "incidents"):
        pd.testing.assert_frame_equal(pd.DataFrame(getattr(fast, table)), pd.DataFrame(getattr(slow, table)))
    assert fast.left_out == slow.left_out and fast.meta == slow.meta
    assert render_map(fast) == render_map(slow)
    return fast


def test_files_written_by_other_tools_read_as_json_reads_them(tmp_path, monkeypatch):
    """Properties missing from some flows, extra ones, flows without sources or layer, ends only in the line, a
    place whose properties give another point than its geometry, places and incidents, a BOM: the same tables
    either way."""
    features = [_feature(i, _sources(i % 3)) for i in range(6)]
    del features[0]["properties"]["sources"], features[1]["properties"]["layer"]
    del features[2]["properties"]["origin_lat"], features[2]["properties"]["dest_lon"]
    features[3]["properties"].update({"extra": [1, {"a": 2}], "people": "120", "note": 7, "modelled": "yes"})
    features[4]["properties"]["sources"] = '[{"report_id": "as text"}]'
    features[5]["properties"]["origin_precision"] = "admin2"
    features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.68639, 36.31111]},
                     "properties": {"layer": "places", "place_id": "sy-atmeh", "name": "Atmeh \u00e9",
                                    "people_in": 5, "sources": [{"report_id": "r9"}], "other": True}})
    features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2, 3]},
                     "properties": {"layer": "places", "place_id": "sy-x", "lat": 35.0, "lon": 36.0}})
    features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.63393, 35.93062]},
                     "properties": {"layer": "incidents", "report_id": "i1", "figure": 12, "unit": "killed"}})
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:4326"}},
           "meta": {"title": "Other tool"}, "left_out": [{"what": "r7", "people": 40}], "features": features}
    path = tmp_path / "other.geojson"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(doc, indent=1).encode("utf-8"))
    fast = _read_both_ways(path, monkeypatch)
    assert len(fast.flows) == 6 and fast.flows["sources"][0] == "" and fast.flows["people"][3] == 120
    assert fast.flows["sources"][4] == '[{"report_id": "as text"}]'
    assert list(fast.places["place_id"][:2]) == ["sy-atmeh", "sy-x"] and fast.incidents["figure"][0] == 12


def test_a_file_of_places_only_reads_as_json_reads_it(tmp_path, monkeypatch):
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.0 + i / 100, 35.0]},
                 "properties": {"layer": "places", "place_id": f"p{i}", "name": f"P{i}", "people_in": 10 * i}}
                for i in range(5)]
    path = _write(tmp_path / "places.geojson", features)
    assert len(_read_both_ways(path, monkeypatch).places) == 5


def test_whole_numbers_beyond_64_bits_stay_whole(tmp_path):
    big = 123456789012345678901234567890
    path = _write(tmp_path / "f.geojson", [_feature(0, [{"report_id": "r1", "figure": big}]),
                                           _feature(1, [{"report_id": "r2", "figure": -(2 ** 63) - 1}])])
    flows = read_flows(path).flows
    assert json.loads(flows["sources"][0]) == [{"report_id": "r1", "figure": big}]
    assert str(-(2 ** 63) - 1) in flows["sources"][1]


def test_long_digit_runs_in_text_are_kept(tmp_path):
    url = "https://x.com/ocha/status/1203456789012345678"  # 19 digits inside a text, not a number
    path = _write(tmp_path / "f.geojson", [_feature(0, [{"report_id": "r1", "url": url}])])
    assert url in read_flows(path).flows["sources"][0]


def test_a_number_that_is_not_finite_in_sources_is_an_error_after_a_null_one(tmp_path):
    """The same sources but for NaN where the first flow has null: not taken for the first flow's sources."""
    first = _feature(0, [{"report_id": "r1", "people": None}])
    second = json.dumps(_feature(1, [{"report_id": "r1", "people": None}])).replace("null", "NaN", 1)
    path = tmp_path / "f.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [' + json.dumps(first) + ", " + second + "]}",
                    encoding="utf-8")
    with pytest.raises(InputFileError, match="not finite"):
        read_flows(path)


def test_half_a_surrogate_pair_is_an_error_with_its_line(tmp_path):
    """json reads "\\ud800" alone into a text that no file or page can hold (the map's writer failed with a
    traceback); a whole pair (an emoji) is a character like any other."""
    good = _feature(0, _sources(0))
    good["properties"]["origin_name"] = "\U0001F600 Atmeh"
    bad = _feature(1, _sources(1))
    path = tmp_path / "f.geojson"
    lines = [json.dumps(good), json.dumps(bad).replace("\"f1\"", "\"f1 \\ud800\"", 1)]
    path.write_text('{"type": "FeatureCollection", "features": [\n' + ",\n".join(lines) + "]}", encoding="utf-8")
    with pytest.raises(InputFileError, match=r":3: the text \\ud800 is half of a character"):
        read_flows(path)
    path.write_text('{"type": "FeatureCollection", "features": [\n' + lines[0] + "]}", encoding="utf-8")
    assert read_flows(path).flows["origin_name"][0] == "\U0001F600 Atmeh"


@pytest.mark.parametrize("layer", ["flow", "Places", 5, ["flows"]])
def test_a_feature_of_another_layer_is_an_error_not_lost(tmp_path, monkeypatch, layer):
    """Its people would have gone from the map without a word (a layer "flow" for "flows" was skipped)."""
    features = [_feature(0, _sources(0)), _feature(1, _sources(1))]
    features[1]["properties"]["layer"] = layer
    path = _write(tmp_path / "f.geojson", features)
    with pytest.raises(InputFileError, match=r"feature 2: layer .* is not one idpmap reads \(flows, places or "):
        read_flows(path)
    with monkeypatch.context() as m:
        _with_json_only(m)
        with pytest.raises(InputFileError, match="feature 2: layer"):
            read_flows(path)


def test_a_file_of_polygons_says_what_it_is(tmp_path, monkeypatch):
    """Admin areas given to `idpmap map` said "has no usable coordinates" for each polygon."""
    square = [[[36.0, 35.0], [36.1, 35.0], [36.1, 35.1], [36.0, 35.0]]]
    features = [{"type": "Feature", "properties": {"name": "Area"}, "geometry": {"type": "Polygon",
                                                                                "coordinates": square}}]
    path = _write(tmp_path / "areas.geojson", features)
    for refuse in (False, True):
        with monkeypatch.context() as m:
            if refuse:
                _with_json_only(m)
            with pytest.raises(InputFileError, match="feature 1: a Polygon without a 'layer' property; idpmap "
                                                     r"reads flows \(LineString\)"):
                read_flows(path)
