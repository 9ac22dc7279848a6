"""Maps of places' own counts (arrivals-only / departures-only tables): the headline and legend say what is drawn;
a region destination is drawn to its area; the protected-sites note states the real grid."""

from __future__ import annotations

import re

from mapper.flows import build_flows
from mapper.render import render_map
from mapper.static import render_image
from mapper.view import build_view

from .conftest import make_reports

ARRIVALS = [
    {"kind": "count", "origin": "", "destination": "Atme", "people": 500, "report_id": "in-1",
     "period_start": "2018-12-01", "period_end": "2018-12-31"},
    {"kind": "count", "origin": "", "destination": "Kah", "people": 250, "report_id": "in-2",
     "period_start": "2018-12-01", "period_end": "2018-12-31"},
    {"kind": "count", "origin": "", "destination": "Azaz", "people": 1000, "report_id": "in-3",
     "period_start": "2019-01-01", "period_end": "2019-01-31"},
]


def test_places_only_map_says_how_many_arrived_where(gazetteer, tmp_path):
    fs = build_flows(make_reports(ARRIVALS), gazetteer=gazetteer)
    assert fs.flows.empty and fs.meta.total_people == 1750
    view = build_view(fs)
    assert view.headline() == "1,750 people arrived in 3 places"
    assert view.headline_people == 1750
    assert view.title == "People arriving, 2018-12-01 to 2019-01-31"
    page = render_map(fs, tmp_path / "arrivals.html")
    page = (tmp_path / "arrivals.html").read_text(encoding="utf-8")
    assert re.search(r'id="idpmap-total">1,750 people arrived in 3 places<', page)
    assert "0 people in 0 flows" not in page


def test_headline_names_flows_and_counts_side_by_side(gazetteer):
    rows = ARRIVALS[:1] + [{"kind": "displacement", "origin": "Saraqeb", "destination": "Idlib", "people": 1000,
                           "report_id": "est-1"},
                          {"kind": "count", "origin": "Maarat al-Numan", "destination": "", "people": 90,
                           "report_id": "out-1"}]
    view = build_view(build_flows(make_reports(rows), gazetteer=gazetteer))
    assert view.headline() == "1,000 people in 1 flow shown; 500 people arrived in 1 place; 90 people left 1 place"
    assert view.headline_people == 1590


def test_static_image_of_arrivals_states_them(gazetteer, tmp_path):
    fs = build_flows(make_reports(ARRIVALS), gazetteer=gazetteer)
    render_image(fs, tmp_path / "arrivals.svg")
    svg = (tmp_path / "arrivals.svg").read_text(encoding="utf-8")
    assert "1,750 people arrived in 3 places" in svg
    assert "0 flows" not in svg
    # the legend wraps its label to stay on the page
    assert "place people arrived in (size:" in svg and "counted)" in svg and "origin (size: people" not in svg


def test_legend_of_arrivals_map_names_the_places_counted(gazetteer, tmp_path):
    fs = build_flows(make_reports(ARRIVALS), gazetteer=gazetteer)
    render_map(fs, tmp_path / "arrivals.html")
    page = (tmp_path / "arrivals.html").read_text(encoding="utf-8")
    assert "place people arrived in (counted)" in page
    assert "origin or destination" not in page


def test_protected_sites_note_states_the_real_cell_size(gazetteer, tmp_path):
    rows = [{"kind": "displacement", "origin": "Saraqeb", "destination": "Atme camps", "people": 1000}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer, protect_sites_km=5)
    note = build_view(fs).protect_note
    assert note.startswith("Camp locations generalised to cells of 0.0625\u00b0 (about 7 km) of a fixed grid")
    assert "5 km grid" not in note
    render_map(fs, tmp_path / "protected.html")
    assert "0.0625\u00b0 (about 7 km)" in (tmp_path / "protected.html").read_text(encoding="utf-8")


REGION = [{"kind": "displacement", "origin": "Maarat al-Numan", "destination": "camps along the Turkish border",
           "people": 235000, "report_id": "ocha-1"}]


def test_region_destination_is_drawn_to_its_area(gazetteer, tmp_path):
    fs = build_flows(make_reports(REGION), gazetteer=gazetteer)
    region = fs.places.set_index("place_id").loc["region-border-camps"]
    assert region["area_pcodes"] == "SY020400;SY070301"  # the admin areas of its camp clusters
    view = build_view(fs)
    (area,) = view.regions  # the union of the gazetteer's subdistricts Dana and Markaz Azaz
    assert area["name"] == "camps along the Turkish border"
    assert area["geometry"]["type"] in ("Polygon", "MultiPolygon")
    render_map(fs, tmp_path / "region.html")
    page = (tmp_path / "region.html").read_text(encoding="utf-8")
    assert "area the source names (arrow to its centre)" in page
    render_image(fs, tmp_path / "region.svg")
    svg = (tmp_path / "region.svg").read_text(encoding="utf-8")
    assert "area the source names" in svg and svg.count("camps along the Turkish border") >= 1


def test_split_regions_stays_a_modelled_split_without_an_area(gazetteer, tmp_path):
    fs = build_flows(make_reports(REGION), gazetteer=gazetteer, split_regions=True)
    view = build_view(fs)
    assert view.has_modelled and not view.regions
    render_map(fs, tmp_path / "split.html")
    page = (tmp_path / "split.html").read_text(encoding="utf-8")
    assert "modelled split (not stated by a source)" in page
    assert "area the source names (arrow to its centre)" not in page


def test_cli_map_of_an_arrivals_table_says_who_it_draws(tmp_path):
    from click.testing import CliRunner

    from mapper.cli import cli

    table = tmp_path / "arrivals.csv"
    table.write_text("destination,figure,unit\nIdlib,1200,people\nAzaz,300,people\n", encoding="utf-8")
    out = tmp_path / "arrivals.html"
    result = CliRunner().invoke(cli, ["map", str(table), "-o", str(out), "--default", "kind=count",
                                      "--default", "period_start=2018-12-01", "--default", "period_end=2018-12-31",
                                      "--default", "agency=UN OCHA"])
    assert result.exit_code == 0, result.output
    assert "(0 flows; 1,500 people counted at places)" in result.output
    assert "1,500 people arrived in 2 places" in out.read_text(encoding="utf-8")
