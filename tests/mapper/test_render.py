"""Tests of the offline HTML map (mapper/render.py) that need no browser; tests/browser/ drives Chromium."""

from __future__ import annotations

import json
import re

import pytest

from mapper.errors import MapperError, OutputError
from mapper.model import FLOW_COLUMNS, INCIDENT_COLUMNS, PLACE_COLUMNS, FlowSet, LeftOut
from mapper.render import find_remote_loads, render_map
from mapper.view import MAX_PX, MAX_TEXT, MIN_PX, curve_points, width_px
from tests.hostile import HOSTILE_STRINGS

# A few places of north-west Syria (approximate coordinates are enough for a map test).
PLACES = {
    "sy-maarat-al-numan": ("Maarat al-Numan", "معرة النعمان", "city", 35.6433, 36.6717, "SY0703", "SY07",
                           "SY0703"),
    "sy-saraqeb": ("Saraqeb", "سراقب", "town", 35.8625, 36.8006, "C3902", "SY07", "SY0700"),
    "sy-idlib": ("Idlib", "إدلب", "city", 35.9306, 36.6339, "C3871", "SY07", "SY0700"),
    "sy-atme": ("Atme", "أطمة", "camp_cluster", 36.2176, 36.6694, "", "SY07", "SY0706"),
    "sy-kah": ("Kah", "كاه", "camp_cluster", 36.1960, 36.6530, "", "SY07", "SY0706"),
    "sy-dana": ("Dana", "الدانا", "town", 36.2120, 36.7740, "C4130", "SY07", "SY0706"),
}


def make_source(report_id, agency="UN OCHA", publisher="ReliefWeb", published="2019-12-26",
                url="https://reliefweb.int/report/syria/example", figure=235000.0, note=""):
    return {"report_id": report_id, "agency": agency, "publisher": publisher, "published": published, "url": url,
            "figure": figure, "figure_min": figure, "figure_max": figure, "qualifier": "more than",
            "unit": "people", "people": figure, "period_start": "2019-12-12", "period_end": "2019-12-25",
            "note": note}


def make_flowset(flows=None, *, places=PLACES, incidents=None, left_out=(), meta=None):
    """A FlowSet built by hand: ``flows`` is a list of dicts with origin, dest, people and optional extras."""
    import geopandas as gpd
    from shapely.geometry import LineString, Point

    if flows is None:
        flows = [
            {"origin": "sy-maarat-al-numan", "dest": "sy-atme", "people": 120000, "people_min": 100000,
             "people_max": 130000, "sources": [make_source("ocha-1"), make_source("srcg-1", agency="SRCG",
                                                                                   publisher="SRCG", url="")]},
            {"origin": "sy-maarat-al-numan", "dest": "sy-idlib", "people": 80000},
            {"origin": "sy-saraqeb", "dest": "sy-kah", "people": 25000, "period_start": "2019-12-20",
             "period_end": "2019-12-25", "split_rule": "equal (2 destinations)"},
            {"origin": "sy-saraqeb", "dest": "sy-dana", "people": 10000, "period_start": "2019-12-01",
             "period_end": "2019-12-05", "sources": [make_source("rct-1", agency="RCT", figure=10000)]},
        ]
    rows = []
    for i, f in enumerate(flows):
        row = {"flow_id": f.get("flow_id", f"f{i}")}
        for end, key in (("origin", f["origin"]), ("dest", f["dest"])):
            name, name_ar, kind, lat, lon, pcode, a1, a2 = places[key]
            row.update({f"{end}_id": key, f"{end}_name": name, f"{end}_name_ar": name_ar, f"{end}_kind": kind,
                        f"{end}_lat": lat, f"{end}_lon": lon, f"{end}_pcode": pcode, f"{end}_admin1": a1,
                        f"{end}_admin2": a2, f"{end}_admin3": ""})
        people = float(f["people"])
        row.update({
            "people": people, "people_min": float(f.get("people_min", people)),
            "people_max": float(f.get("people_max", people)),
            "period_start": f.get("period_start", "2019-12-12"), "period_end": f.get("period_end", "2019-12-25"),
            "sources": json.dumps(f.get("sources", [make_source(f"r{i}", figure=people)])),
            "split_rule": f.get("split_rule", "single"), "distance_km": 10.0, "origin_border_km": 50.0,
            "dest_border_km": 3.0,
        })
        row["geometry"] = LineString([(row["origin_lon"], row["origin_lat"]), (row["dest_lon"], row["dest_lat"])])
        rows.append(row)
    flows_gdf = gpd.GeoDataFrame(rows, columns=FLOW_COLUMNS + ["geometry"], geometry="geometry", crs="EPSG:4326")
    totals = {}
    for r in rows:
        totals.setdefault(r["origin_id"], [0.0, 0.0])[1] += r["people"]
        totals.setdefault(r["dest_id"], [0.0, 0.0])[0] += r["people"]
    place_rows = []
    for key, (pin, pout) in totals.items():
        name, name_ar, kind, lat, lon, pcode, a1, a2 = places[key]
        place_rows.append({"place_id": key, "name": name, "name_ar": name_ar, "kind": kind, "lat": lat, "lon": lon,
                           "pcode": pcode, "admin1": a1, "admin2": a2, "admin3": "", "people_in": pin,
                           "people_out": pout, "net": pin - pout, "border_km": 5.0, "geometry": Point(lon, lat)})
    places_gdf = gpd.GeoDataFrame(place_rows, columns=PLACE_COLUMNS + ["geometry"], geometry="geometry",
                                  crs="EPSG:4326")
    incident_rows = []
    for inc in incidents if incidents is not None else [
            {"name": "Tal Mannis", "lat": 35.6300, "lon": 36.7180, "figure": 5, "unit": "killed"}]:
        incident_rows.append({
            "report_id": inc.get("report_id", "inc-1"), "place_id": "sy-x", "name": inc["name"],
            "name_ar": inc.get("name_ar", ""), "lat": inc["lat"], "lon": inc["lon"], "period_start": "2019-12-20",
            "period_end": "2019-12-20", "figure": inc.get("figure", 1), "unit": inc.get("unit", "killed"),
            "qualifier": "", "note": inc.get("note", ""),
            "sources": json.dumps([make_source(inc.get("report_id", "inc-1"), agency="SOHR", figure=5)]),
            "geometry": Point(inc["lon"], inc["lat"])})
    incidents_gdf = gpd.GeoDataFrame(incident_rows, columns=INCIDENT_COLUMNS + ["geometry"], geometry="geometry",
                                     crs="EPSG:4326")
    meta = {"title": "Idlib, December 2019", "period_start": "2019-12-01", "period_end": "2019-12-25",
            "attribution": ["Places: OCHA P-codes (CC BY-IGO)"], **(meta or {})}
    return FlowSet(flows_gdf, places_gdf, incidents_gdf, list(left_out), meta)


def page_data(page: str) -> dict:
    """The JSON the map's script reads."""
    match = re.search(r'<script type="application/json" id="idpmap-data">(.*?)</script>', page, re.S)
    assert match, "no data block"
    return json.loads(match.group(1))


def flow_rows(data: dict) -> list[dict]:
    """The page's flow columns as one dict per flow."""
    columns = data["flows"]
    return [dict(zip(columns, values)) for values in zip(*columns.values())]


# --- offline, self-contained -------------------------------------------------------------------------------------


def test_map_is_one_offline_file_with_leaflet_inlined():
    page = render_map(make_flowset())
    assert "L.map(" in page and "Leaflet 1.9.3" in page or '"1.9.3"' in page
    assert find_remote_loads(page) == []
    # No folium CDN assets, no script/link tags pointing anywhere.
    for host in ("cdn.jsdelivr.net", "code.jquery.com", "cdnjs.cloudflare.com", "bootstrapcdn", "fontawesome"):
        assert host not in page
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=", page)
    assert "url(images/" not in page
    assert '<meta name="generator" content="idpmap ' in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "sourceMappingURL" not in page


def test_online_tiles_only_when_asked():
    assert "tile.openstreetmap.org" not in render_map(make_flowset())
    page = render_map(make_flowset(), online_tiles=True)
    assert "tile.openstreetmap.org" in page_data(page)["tiles"][0]


def test_rebuild_is_byte_identical(tmp_path):
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    render_map(make_flowset(), first)
    render_map(make_flowset(), second)
    assert first.read_bytes() == second.read_bytes()
    # No random (uuid-like) ids left from folium/branca.
    assert not re.search(r"[0-9a-f]{32}", first.read_text(encoding="utf-8"))


def test_remote_load_finder_catches_loads_but_not_links():
    assert find_remote_loads('<a href="https://example.org">x</a>') == []
    assert find_remote_loads('<img src="data:image/png;base64,AAAA">') == []
    assert find_remote_loads('<script src="https://cdn.example/x.js"></script>')
    assert find_remote_loads('<link rel="stylesheet" href="//cdn.example/x.css">')
    assert find_remote_loads("<style>.x{background:url(https://e.example/a.png)}</style>")
    assert find_remote_loads("<style>@import 'x.css';</style>")
    assert find_remote_loads('<div style="background:url(images/a.png)"></div>')
    assert find_remote_loads('<img src="images/marker.png">')  # a relative image would 404 from a USB stick


def test_build_fails_if_the_page_would_load_a_remote_resource(monkeypatch):
    import mapper.render as render

    monkeypatch.setattr(render, "_asset", lambda name: "x{background:url(https://evil.example/a.png)}"
                        if name.endswith(".css") else "function idpmapInit(){}")
    with pytest.raises(OutputError, match="remote resource"):
        render_map(make_flowset())


# --- content ---------------------------------------------------------------------------------------------------------


def test_flows_carry_people_range_period_sources_and_split():
    page = render_map(make_flowset())
    data = page_data(page)
    rows = flow_rows(data)
    assert len(rows) == 4
    names = [p[0] for p in data["places"]]
    first = rows[0]
    assert (names[first["o"]], names[first["d"]], first["p"]) == ("Maarat al-Numan", "Atme", 120000)
    assert (first["p"] - first["lo"], first["p"] + first["hi"]) == (100000, 130000)
    assert data["periods"][first["t"]] == ["2019-12-12", "2019-12-25"]
    agencies = {data["sources"][i][1] for i in data["srcsets"][first["s"]]}
    assert agencies == {"UN OCHA", "SRCG"}
    assert data["splits"][rows[2]["x"]] == "equal (2 destinations)"
    assert data["splits"][rows[0]["x"]] == ""  # "single": not split
    # Plain JSON numbers: no custom encoding for the browser to decode.
    assert all(isinstance(v, int) for row in rows for v in row.values())


def test_curves_bend_to_the_right_so_opposite_flows_do_not_overlap():
    a, b = (35.6, 36.6), (36.2, 36.6)  # due north
    there = curve_points(*a, *b, n=9)
    back = curve_points(*b, *a, n=9)
    assert there[0] == pytest.approx(a) and there[-1] == pytest.approx(b)
    # Going north, the curve bows east (to the right); coming back it bows west.
    assert there[4][1] > 36.6 + 0.05 and back[4][1] < 36.6 - 0.05
    assert page_data(render_map(make_flowset()))["curvature"] == pytest.approx(0.2)


def test_width_scale_is_square_root_between_min_and_max():
    assert width_px(0, 1000) == MIN_PX
    assert width_px(1000, 1000) == MAX_PX
    quarter = width_px(250, 1000)
    assert quarter == pytest.approx(MIN_PX + (MAX_PX - MIN_PX) * 0.5)


def test_payload_per_flow_is_small():
    base = len(render_map(make_flowset([])).encode())
    flows = [{"origin": o, "dest": d, "people": 1000 + 37 * i, "sources": [make_source("ocha-1")]}
             for i, (o, d) in enumerate([("sy-maarat-al-numan", "sy-atme"), ("sy-saraqeb", "sy-kah"),
                                         ("sy-idlib", "sy-dana"), ("sy-saraqeb", "sy-atme")] * 250)]
    size = len(render_map(make_flowset(flows)).encode())
    assert (size - base) / len(flows) <= 60


def test_legend_lists_totals_left_out_sources_and_attribution():
    left = [LeftOut("unresolved name", "Kafr Nowhere", 3000.0, ("r9",))]
    page = render_map(make_flowset(left_out=left), min_people=20000)
    assert "Idlib, December 2019" in page
    assert "225,000 people in 3 flows shown" in page
    assert "below min-people: 1 flow under 20,000 people (10,000 people)" in page
    assert "unresolved name: Kafr Nowhere (3,000 people)" in page
    assert "Left out: 2 item(s), 13,000 people" in page
    assert "UN OCHA via ReliefWeb" in page
    assert "Places: OCHA P-codes (CC BY-IGO)" in page
    assert "People moved (line width, square-root scale)" in page
    assert "120,000" in page  # the largest flow is the top of the width scale
    assert len(page_data(page)["flows"]["p"]) == 3


def test_attribution_line_names_the_basemap_and_points_to_the_legend_for_place_sources():
    from mapper.borders import load_borders

    basemap = load_borders().attribution
    basemap = [basemap] if isinstance(basemap, str) else list(basemap)
    page = render_map(make_flowset())
    line = page_data(page)["attribution"]
    # The line under the map stays short (long place sources pushed it over the scale bar) ...
    assert line[:len(basemap)] == basemap and line[len(basemap):] == [
        "places: idpmap gazetteer (sources in the legend)"]
    assert "Places: OCHA P-codes" not in " ".join(line)
    # ... and the legend still credits every source.
    assert "Places: OCHA P-codes (CC BY-IGO)" in page
    assert all(item in page for item in basemap)
    # With no place sources to credit, the line does not point to any.
    bare = make_flowset(meta={"attribution": []})
    assert page_data(render_map(bare))["attribution"] == basemap


def test_title_option_overrides_meta_title():
    page = render_map(make_flowset(), title="Flows to the border")
    assert "<title>Flows to the border</title>" in page


def test_bad_min_people_is_named():
    with pytest.raises(MapperError, match=r"min_people.*-5"):
        render_map(make_flowset(), min_people=-5)
    with pytest.raises(ValueError, match="lots"):
        render_map(make_flowset(), min_people="lots")


def test_flowset_without_needed_columns_is_refused():
    fs = make_flowset()
    fs.flows = fs.flows.drop(columns=["people"])
    with pytest.raises(MapperError, match="people"):
        render_map(fs)


def test_empty_flowset_renders_a_base_map():
    page = render_map(make_flowset([], incidents=[]))
    data = page_data(page)
    assert data["flows"]["p"] == [] and data["outlines"]["features"] and data["border"]


# --- escaping -------------------------------------------------------------------------------------------------------


def _hostile_flowset(text):
    places = dict(PLACES)
    places["sy-hostile"] = (text, text, "town", 35.70, 36.70, "", "SY07", "SY0703")
    flows = [{"origin": "sy-hostile", "dest": "sy-atme", "people": 5000, "split_rule": text,
              "sources": [make_source(text, agency=text, publisher=text, published=text, url=text, note=text)]}]
    return make_flowset(flows, places=places, left_out=[LeftOut(text, text, 10.0)],
                        incidents=[{"name": text, "name_ar": text, "lat": 35.7, "lon": 36.6, "note": text}],
                        meta={"title": text, "attribution": [text]})


@pytest.fixture(scope="module")
def benign_page():
    return render_map(_hostile_flowset("Kafr Nabl"))


@pytest.mark.parametrize("text", HOSTILE_STRINGS)
def test_hostile_text_never_reaches_the_page_as_markup(text, benign_page):
    page = render_map(_hostile_flowset(text), title=text)
    assert find_remote_loads(page) == []
    # The only script blocks are ours: input text cannot open or close one.
    assert page.count("<script") == page.count("</script>") == benign_page.count("<script")
    # No input text appears unescaped outside the JSON block (where '<', '>' and '&' are \\u escapes).
    data_start = page.index('id="idpmap-data">')
    data_end = page.index("</script>", data_start)
    outside = page[:data_start] + page[data_end:]
    if any(c in text for c in "<>&"):
        assert text not in outside
    blob = page[data_start:data_end]
    assert "<" not in blob.split(">", 1)[1] and "\u2028" not in blob and "\u2029" not in blob
    # The data still carries the exact text (cut, with a count, beyond MAX_TEXT characters).
    data = page_data(page)
    expected = text if len(text) <= MAX_TEXT else text[:MAX_TEXT]
    assert any(p[0].startswith(expected) for p in data["places"])

