"""The map view (mapper/view.py): what a map shows, decided once for the HTML map and the static image."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mapper.cli import cli
from mapper.errors import MapperError
from mapper.model import LeftOut
from mapper.render import render_map
from mapper.static import render_image
from mapper.view import MAX_TEXT, build_view, cluster_levels, width_px
from tests.mapper.test_render import PLACES, make_flowset, make_source, page_data


def test_view_holds_flows_largest_first_with_totals_and_left_out():
    view = build_view(make_flowset(left_out=[LeftOut("unresolved name", "Kafr Nowhere", 3000.0, ("r9",))]),
                      min_people=20000)
    assert view.flows.people.tolist() == [120000, 80000, 25000]
    assert view.total_people == 225000
    assert view.left_out == [("unresolved name", "Kafr Nowhere", 3000.0),
                             ("below min-people", "1 flow under 20,000 people", 10000)]
    assert view.title == "Idlib, December 2019" and view.period == ("2019-12-01", "2019-12-25")
    assert view.legend_people == [120000, 20000, 5000]
    assert width_px(view.max_people, view.max_people) > width_px(5000, view.max_people)
    names = {p.id: p for p in view.places}
    assert names["sy-maarat-al-numan"].people_out == 200000 and names["sy-atme"].people_in == 120000
    assert "UN OCHA via ReliefWeb" in view.source_names and "SRCG" in view.source_names


def test_tables_follow_the_flows_shown_largest_first_whatever_the_frames_order():
    """Periods, split rules and notes are numbered as the shown flows come, largest first (not in the file's
    order, nor counting flows left out); a missing note, None or NaN, is no note."""
    flows = [
        {"origin": "sy-saraqeb", "dest": "sy-dana", "people": 100, "period_start": "2019-12-01",
         "period_end": "2019-12-02", "split_rule": "by capacity"},
        {"origin": "sy-saraqeb", "dest": "sy-kah", "people": 1000, "period_start": "2019-12-03",
         "period_end": "2019-12-04", "split_rule": "equal (2 destinations)"},
        {"origin": "sy-maarat-al-numan", "dest": "sy-idlib", "people": 5000, "period_start": "2019-12-05",
         "period_end": "2019-12-06", "split_rule": "by population"},
        {"origin": "sy-maarat-al-numan", "dest": "sy-atme", "people": 3000, "period_start": "2019-12-03",
         "period_end": "2019-12-04", "split_rule": "equal (2 destinations)"},
    ]
    flowset = make_flowset(flows)
    flowset.flows["note"] = ["left out", None, float("nan"), "sources disagree"]
    view = build_view(flowset, min_people=500)
    assert view.flows.flow_id == ["f2", "f3", "f1"]
    assert view.periods == [("2019-12-05", "2019-12-06"), ("2019-12-03", "2019-12-04")]
    assert view.flows.period.tolist() == [0, 1, 1]
    assert view.splits == ["", "by population", "equal (2 destinations)"]
    assert view.flows.split.tolist() == [1, 2, 2]
    assert view.notes == ["", "sources disagree"] and view.flows.note.tolist() == [0, 1, 0]
    assert [view.places[i].id for i in view.flows.origin] == ["sy-maarat-al-numan"] * 2 + ["sy-saraqeb"]
    assert view.left_out == [("below min-people", "1 flow under 500 people", 100)]


def test_meta_may_be_a_typed_object_with_get():
    class Meta:
        title = "Typed"
        notes = ["sources disagree: SRCG 215,000 vs OCHA 235,000"]

        def get(self, key, default=None):
            return getattr(self, key, default)

    flowset = make_flowset()
    flowset.meta = Meta()
    view = build_view(flowset)
    assert view.title == "Typed" and view.meta_notes == Meta.notes
    assert "sources disagree: SRCG 215,000 vs OCHA 235,000" in render_map(flowset)


@pytest.mark.parametrize("people", [float("inf"), 1e308, float("nan"), -5])
def test_a_count_that_is_not_a_finite_number_is_refused_the_same_in_html_and_png(people, tmp_path):
    flowset = make_flowset()
    flowset.flows["people"] = flowset.flows["people"].astype(float)
    flowset.flows.loc[1, "people"] = people
    with pytest.raises(MapperError) as html_error:
        render_map(flowset)
    with pytest.raises(MapperError) as png_error:
        render_image(flowset, tmp_path / "map.png")
    assert str(html_error.value) == str(png_error.value)
    assert str(html_error.value).startswith("cannot draw flow 'f1': people must be a number from 0 to")
    assert "\n" not in str(html_error.value)
    assert not (tmp_path / "map.png").exists()


@pytest.mark.parametrize("count", ["1e308", "Infinity"])
def test_cli_refuses_an_infinite_count_in_one_line(tmp_path, count):
    (tmp_path / "locations.csv").write_text("id,name,lat,lon\nA,Alpha,36.0,36.6\nB,Beta,36.2,36.7\n")
    (tmp_path / "flows.csv").write_text(f"origin,dest,count\nA,B,{count}\n")
    for suffix in (".html", ".png"):
        result = CliRunner().invoke(cli, ["map", str(tmp_path / "flows.csv"), "-o", str(tmp_path / f"m{suffix}")])
        assert result.exit_code != 0
        assert result.output.count("\n") == 1 and "Traceback" not in result.output, result.output
        assert not (tmp_path / f"m{suffix}").exists()


def test_long_text_fields_are_cut_with_a_count():
    huge = "x" * 1_000_000
    flows = [{"origin": "sy-saraqeb", "dest": "sy-kah", "people": 5000,
              "sources": [make_source("r1", note=huge, agency=huge)]}]
    page = render_map(make_flowset(flows, meta={"title": huge}))
    assert len(page) < 600_000
    data = page_data(page)
    note = data["sources"][0][6]
    assert note.startswith("x" * MAX_TEXT) and note.endswith("[998,000 more characters not shown]")


def test_new_columns_modelled_note_precision_and_arrival_counts_are_shown():
    places = dict(PLACES)
    flowset = make_flowset([
        {"origin": "sy-maarat-al-numan", "dest": "sy-atme", "people": 5000},
        {"origin": "sy-maarat-al-numan", "dest": "sy-kah", "people": 3000},
    ], places=places)
    flowset.flows["modelled"] = [False, True]
    flowset.flows["note"] = ["sources disagree: 5,000 (OCHA) vs 4,000 (SRCG)", ""]
    flowset.places["precision"] = ["admin3" if pid == "sy-kah" else "point" for pid in flowset.places["place_id"]]
    # An arrivals-only count at Atme beyond its flows, with the report behind it.
    flowset.places.loc[flowset.places["place_id"] == "sy-atme", "people_in"] = 9000
    flowset.places["sources"] = [json.dumps([make_source("hnap-1", agency="OCHA HNAP", figure=4000)])
                                 if pid == "sy-atme" else "" for pid in flowset.places["place_id"]]
    view = build_view(flowset)
    assert view.flows.modelled.tolist() == [False, True] and view.has_modelled
    assert view.notes[view.flows.note[0]].startswith("sources disagree")
    assert {p.id: p.precision for p in view.places}["sy-kah"] == "admin3" and view.has_approximate
    assert {p.id: p.people_in for p in view.places}["sy-atme"] == 9000
    page = render_map(flowset)
    assert "modelled split" in page and "location approximate: subdistrict" in page
    assert "Some flows rest on sources that disagree" in page
    data = page_data(page)
    assert data["flows"]["m"] == [0, 1]
    assert [p[10] for p in data["places"] if p[0] == "Kah"] == [1]
    atme = next(p for p in data["places"] if p[0] == "Atme")
    assert [data["sources"][i][1] for i in data["srcsets"][atme[11]]] == ["OCHA HNAP"]


def test_static_image_shows_modelled_approximate_and_disagreeing(tmp_path):
    import xml.etree.ElementTree as ET

    flowset = make_flowset([
        {"origin": "sy-maarat-al-numan", "dest": "sy-atme", "people": 5000},
        {"origin": "sy-maarat-al-numan", "dest": "sy-kah", "people": 3000},
    ])
    flowset.flows["modelled"] = [False, True]
    flowset.flows["note"] = ["5,000 (OCHA) vs 4,000 (SRCG)", ""]
    flowset.places["precision"] = ["admin3" if pid == "sy-kah" else "point" for pid in flowset.places["place_id"]]
    out = render_image(flowset, tmp_path / "map.svg", dpi=72)
    root = ET.parse(out).getroot()
    texts = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    assert "modelled split" in texts and "location approximate: subdistrict" in texts
    assert "Sources disagree: 5,000 (OCHA) vs 4,000 (SRCG)" in texts
    gids = {e.get("id") for e in root.iter()}
    assert {"modelled-flows", "approximate-places"} <= gids


def test_a_flowset_without_the_new_columns_still_draws():
    view = build_view(make_flowset())
    assert not view.has_modelled and not view.has_approximate and view.notes == [""]


def test_colour_groups_are_named_by_place_not_id_when_places_have_no_admin_codes():
    places = {k: (*v[:5], "", "", "") for k, v in PLACES.items()}
    view = build_view(make_flowset(places=places))
    assert [g[0] for g in view.groups] == ["Maarat al-Numan", "Saraqeb"]


def _grid_places(governorates=3, districts=4, per_district=10):
    places = {}
    for g in range(governorates):
        for d in range(districts):
            for k in range(per_district):
                lat = 34.0 + g * 1.2 + (d // 2) * 0.35 + (k // 5) * 0.06
                lon = 36.0 + (d % 2) * 0.35 + (k % 5) * 0.06
                places[f"p{g}{d}{k}"] = (f"Place {g}-{d}-{k}", "", "town", lat, lon, f"C{g}{d}{k:02d}", f"SY0{g}",
                                         f"SY0{g}0{d}")
    return places


def grid_flowset(n_flows=400):
    import random

    places = _grid_places()
    rng = random.Random(3)
    ids = sorted(places)
    flows = []
    for _ in range(n_flows):
        o, d = rng.sample(ids, 2)
        flows.append({"origin": o, "dest": d, "people": rng.randint(10, 5000), "sources": []})
    return make_flowset(flows, places=places, incidents=[])


def test_places_cluster_by_admin_level_with_zooms_coarse_to_fine():
    view = build_view(grid_flowset())
    assert [lv.name for lv in view.levels] == ["governorate", "district", "place"]
    assert [len(lv.names) for lv in view.levels] == [3, 12, 120]
    zooms = [lv.min_zoom for lv in view.levels]
    assert zooms == sorted(zooms) and zooms[0] == 0 and zooms[1] < zooms[2]


def test_cluster_zooms_follow_each_places_nearest_neighbour():
    """A level shows from the zoom at which its clusters lie, in median, 40 px from their nearest neighbour;
    places on the same spot are 0 km apart (checked against scipy's nearest-neighbour query)."""
    import math

    import numpy as np
    from scipy.spatial import cKDTree

    places = _grid_places()
    for pid in sorted(places)[:70]:  # 70 of 120 places on another's spot: half of them 0 km from the nearest
        twin = places[pid]
        places[pid + "-twin"] = (twin[0] + " twin", *twin[1:])
    flows = [{"origin": pid, "dest": "p000", "people": 10, "sources": []} for pid in sorted(places)[1:]]
    view = build_view(make_flowset(flows, places=places, incidents=[]))
    finest = view.levels[-1]
    lat, lon = np.array(finest.lat), np.array(finest.lon)
    k = math.cos(math.radians(float(np.mean(lat))))
    xy = np.column_stack([lon * k * 111.32, lat * 110.57])
    km = max(float(np.median(cKDTree(xy).query(xy, k=2)[0][:, 1])), 0.05)
    expected = round(max(0.0, math.log2(40.0 * 40075.0 * k / 256.0 / km)), 2)
    assert finest.name == "place" and len(finest.names) == 190
    assert finest.min_zoom == max(expected, view.levels[-2].min_zoom)


def test_places_without_admin_codes_cluster_by_distance():
    places = {k: (*v[:5], "", "", "") for k, v in _grid_places().items()}
    flows = [{"origin": pid, "dest": "p000", "people": 10, "sources": []} for pid in sorted(places)[1:]]
    view = build_view(make_flowset(flows, places=places, incidents=[]), cluster=True)
    assert view.levels[-1].name == "place" and len(view.levels) >= 2
    coarse = view.levels[0]
    assert 3 <= len(coarse.names) < 120 and len(coarse.of) == len(view.places)
    assert cluster_levels([]) == []


def test_rebuild_is_byte_identical_with_clusters():
    flowset = grid_flowset()
    assert render_map(flowset) == render_map(flowset)
    assert json.dumps(page_data(render_map(flowset))["levels"][0]["names"][:1])


def write_swiss_pair(folder):
    """A small flowmap.blue pair outside Syria (three Swiss cantons' capitals, made-up counts)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "locations.csv").write_text("id,name,lat,lon\nZH,Zürich,47.37,8.54\nBE,Bern,46.95,7.45\n"
                                          "GE,Genève,46.20,6.15\n", encoding="utf-8")
    (folder / "flows.csv").write_text("origin,dest,count\nZH,BE,1200\nBE,ZH,900\nGE,ZH,400\nZH,ZH,5000\n",
                                      encoding="utf-8")
    return folder / "flows.csv"


def test_a_map_outside_syria_has_its_region_outline_and_no_syrian_legend(tmp_path):
    from mapper.io import read_flows

    page = render_map(read_flows(write_swiss_pair(tmp_path / "ch")))
    data = page_data(page)
    home = [f["properties"]["name"] for f in data["outlines"]["features"] if f["properties"]["home"]]
    assert home == ["Switzerland"]
    assert any("Natural Earth" in a for a in data["attribution"]) and data["border"] is None
    legend = page[page.index('id="idpmap-legend"'):]
    for word in ("Syria", "camp", "incident", "OpenStreetMap"):
        assert word not in legend, word
    assert [g[0] for g in data["groups"]] == ["Zürich", "Bern", "Genève"]  # by place name, not id


def test_static_image_outside_syria_draws_the_region_outline(tmp_path):
    import xml.etree.ElementTree as ET

    from mapper.io import read_flows

    out = render_image(read_flows(write_swiss_pair(tmp_path / "ch")), tmp_path / "ch.svg", dpi=72)
    texts = [t.text or "" for t in ET.parse(out).iter() if t.tag.endswith("text")]
    joined = " ".join(texts)
    assert "SWITZERLAND" in texts and "Natural Earth" in joined
    assert "Syria" not in joined and "camp" not in joined


def test_choropleth_by_admin_area_from_the_gazetteer_areas(monkeypatch):
    import sys
    import types

    def square(lat, lon):
        return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + 0.2, lat], [lon + 0.2, lat + 0.2],
                                                    [lon, lat + 0.2], [lon, lat]]]}

    def admin_areas(level):  # the contract of gazetteer.areas (gazdata), with two districts
        features = [{"type": "Feature", "geometry": square(36.1, 36.5),
                     "properties": {"pcode": "SY0706", "name": "Harim", "name_ar": "حارم", "level": 2,
                                    "parent_pcode": "SY07"}},
                    {"type": "Feature", "geometry": square(35.5, 36.6),
                     "properties": {"pcode": "SY0703", "name": "Maarrat An Nu'man", "name_ar": "", "level": 2,
                                    "parent_pcode": "SY07"}}]
        return {"type": "FeatureCollection", "features": features if level == 2 else []}

    monkeypatch.setitem(sys.modules, "gazetteer.areas", types.SimpleNamespace(admin_areas=admin_areas))
    view = build_view(make_flowset())
    assert view.areas["name"] == "district"
    by_code = {f["properties"]["pcode"]: f["properties"] for f in view.areas["features"]}
    assert by_code["SY0706"]["people_in"] == 120000 + 25000 + 10000  # Atme, Kah and Dana lie in Harim
    assert by_code["SY0703"]["people_out"] == 200000
    page = render_map(make_flowset())
    assert "People arriving, by district (shaded)" in page
    assert page_data(page)["areas"]["features"]["features"][0]["properties"]["name"] in ("Harim", "Maarrat An Nu'man")
    # Colour groups take the areas' names.
    assert "Maarrat An Nu&#39;man" in page or "Maarrat An Nu'man" in page
