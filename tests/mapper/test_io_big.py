"""Big GeoJSON flows files (issue 13 §3): read fast, and read exactly as Python's json module reads them.

orjson reads the file where it gives the same values as json; each distinct list of sources is encoded once. These
tests check that a user gets the same flows, map and errors as with json alone.
"""

import json

import orjson
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
    """Make orjson refuse everything, so that the readers fall back to the json module."""
    def refuse(*args, **kwargs):
        raise orjson.JSONDecodeError("refused for the test", "", 0)

    def refuse_dumps(*args, **kwargs):
        raise orjson.JSONEncodeError("refused for the test")

    monkeypatch.setattr(mapper.inputs.orjson, "loads", refuse)
    monkeypatch.setattr("mapper.io.orjson.dumps", refuse_dumps)


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
