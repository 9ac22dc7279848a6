"""The `idpmap map` command through Click's CliRunner: reports or a flows file in, an HTML map or an image out."""

from __future__ import annotations

from click.testing import CliRunner

from mapper.cli import cli
from mapper.io import write_flows
from tests.mapper.test_render import make_flowset, page_data

REPORTS_CSV = (
    "report_id,kind,figure,qualifier,unit,period_start,period_end,origin,destination,agency,publisher,published,url\n"
    "r1,displacement,12000,at least,people,2019-12-16,2019-12-17,Maarat al-Numan,Atme,RCT,Zaman Al Wasl,"
    "2019-12-17,https://example.org/r1\n"
    "r2,displacement,3000,,people,2019-12-20,2019-12-22,Saraqeb,Idlib,SOHR,Le Monde,2019-12-22,\n"
    "r3,incident,9,,killed,2019-12-17,2019-12-17,Tal Mannis,,White Helmets,Zaman Al Wasl,2019-12-17,\n"
)


def _invoke(*args):
    return CliRunner().invoke(cli, list(args))


def test_map_command_builds_reports_into_output_named_after_the_folder(tmp_path, monkeypatch):
    folder = tmp_path / "idlib_test"
    folder.mkdir()
    (folder / "reports.csv").write_text(REPORTS_CSV, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = _invoke("map", "idlib_test/reports.csv")
    assert result.exit_code == 0, result.output
    out = tmp_path / "output" / "idlib_test.html"
    assert "output/idlib_test.html (2 flows)" in result.output.replace("\\", "/")
    data = page_data(out.read_text(encoding="utf-8"))
    assert len(data["flows"]["p"]) == 2 and len(data["incidents"]) == 1
    # Running it again replaces the map idpmap wrote, byte for byte the same.
    before = out.read_bytes()
    assert _invoke("map", "idlib_test/reports.csv").exit_code == 0
    assert out.read_bytes() == before


def test_map_command_reads_a_flows_file_and_applies_options(tmp_path):
    flows = tmp_path / "flows.geojson"
    write_flows(make_flowset(), flows)
    out = tmp_path / "map.html"
    result = _invoke("map", str(flows), "-o", str(out), "--min-people", "20000", "--title", "<b>Dec</b> & more",
                     "--online-tiles")
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert len(page_data(page)["flows"]["p"]) == 3
    assert "<title>&lt;b&gt;Dec&lt;/b&gt; &amp; more</title>" in page
    assert page_data(page)["tiles"] is not None


def test_map_command_writes_static_images(tmp_path):
    flows = tmp_path / "flows.geojson"
    write_flows(make_flowset(), flows)
    result = _invoke("map", str(flows), "-o", str(tmp_path / "map.png"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_map_command_refuses_unknown_format_and_clobbering(tmp_path):
    reports = tmp_path / "reports.csv"
    reports.write_text(REPORTS_CSV, encoding="utf-8")
    result = _invoke("map", str(reports), "-o", str(tmp_path / "map.docx"))
    assert result.exit_code == 2 and "unknown map format '.docx'" in result.output
    mine = tmp_path / "mine.html"
    mine.write_text("my own notes", encoding="utf-8")
    result = _invoke("map", str(reports), "-o", str(mine))
    assert result.exit_code == 2 and "--force" in result.output and "Traceback" not in result.output
    assert mine.read_text(encoding="utf-8") == "my own notes"
    assert _invoke("map", str(reports), "-o", str(mine), "--force").exit_code == 0
    assert "idpmap-data" in mine.read_text(encoding="utf-8")


def test_map_command_window_options_need_reports(tmp_path):
    flows = tmp_path / "flows.geojson"
    write_flows(make_flowset(), flows)
    result = _invoke("map", str(flows), "--from", "2019-12-01", "-o", str(tmp_path / "m.html"))
    assert result.exit_code == 2 and "--from applies to a reports CSV" in result.output
    assert not (tmp_path / "m.html").exists()


def test_map_command_names_bad_reports(tmp_path):
    reports = tmp_path / "reports.csv"
    reports.write_text(REPORTS_CSV.replace("12000", "-5"), encoding="utf-8")
    result = _invoke("map", str(reports), "-o", str(tmp_path / "m.html"))
    assert result.exit_code == 2
    assert "reports.csv:2" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "m.html").exists()


def test_an_ocha_table_as_exported_is_read_as_reports_and_says_which_defaults_it_needs(tmp_path):
    table = tmp_path / "origin_dest.csv"
    table.write_text("origin_governorate,destination_governorate,idps\nIdleb,Aleppo,16034.6\n", encoding="utf-8")
    result = _invoke("map", str(table), "-o", str(tmp_path / "m.html"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "flows file" not in result.output
    assert "origin_dest.csv:1: kind: required column 'kind' is missing" in result.output
    assert "--default kind=count for tracked counts that add up, kind=displacement for estimates" in result.output
    assert "--default period_start=YYYY-MM-DD" in result.output
    assert not (tmp_path / "m.html").exists()


def test_returns_by_community_take_their_unit_from_the_returnees_column(tmp_path):
    table = tmp_path / "returns.csv"
    table.write_text("community,community_pcode,ret_flow_estimation\nSaraqeb,C4130,120\nKafr Nabl,C4131,80\n",
                     encoding="utf-8")
    out = tmp_path / "r.html"
    result = _invoke("map", str(table), "-o", str(out), "--default", "kind=count", "--default",
                 "period_start=2018-12-01", "--default", "period_end=2018-12-31")
    assert result.exit_code == 0, result.output
    assert "200 people counted at places" in result.output


def _panel_words(page):
    """The page's title, headline and legend text (the page's own words, not its script or data)."""
    import re

    title = re.search(r'<h1 class="idpmap-title">(.*?)</h1>', page).group(1)
    headline = re.search(r'id="idpmap-total">(.*?)</div>', page).group(1)
    legend = page[page.index('<div class="idpmap-legend'):]
    return title, headline, re.sub(r"<[^>]+>", " ", legend[:legend.index("</script>") if "</script>" in legend
                                                               else len(legend)])


def test_a_returns_table_is_titled_returns_not_arrivals_also_after_a_round_trip(tmp_path):
    rows = "Saraqeb,C4130,{}\nKafr Nabl,C4131,80\n"
    defaults = ["--default", "kind=count", "--default", "period_start=2018-12-01", "--default",
                "period_end=2018-12-31"]
    returns, arrivals = tmp_path / "returns.csv", tmp_path / "arrivals.csv"
    returns.write_text("community,community_pcode,ret_flow_estimation\n" + rows.format(120), encoding="utf-8")
    arrivals.write_text("community,community_pcode,idp_flow_estimation\n" + rows.format(120), encoding="utf-8")
    assert _invoke("map", str(returns), "-o", str(tmp_path / "r.html"), *defaults).exit_code == 0
    assert _invoke("flows", str(returns), "-o", str(tmp_path / "r.geojson"), *defaults).exit_code == 0
    assert _invoke("map", str(tmp_path / "r.geojson"), "-o", str(tmp_path / "rr.html")).exit_code == 0
    for page in ("r.html", "rr.html"):
        title, headline, legend = _panel_words((tmp_path / page).read_text(encoding="utf-8"))
        assert title == "Returns, 2018-12-01 to 2018-12-31", page
        assert headline == "200 people returned to 2 places", page
        assert "place people returned to (counted)" in legend and "arriv" not in legend.lower(), page
    # A table of IDP arrivals still says arrivals.
    assert _invoke("map", str(arrivals), "-o", str(tmp_path / "a.html"), *defaults).exit_code == 0
    title, headline, legend = _panel_words((tmp_path / "a.html").read_text(encoding="utf-8"))
    assert title == "People arriving, 2018-12-01 to 2018-12-31"
    assert headline == "200 people arrived in 2 places" and "place people arrived in (counted)" in legend
