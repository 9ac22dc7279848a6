"""``idpmap flows`` and ``idpmap map`` share one option set: the same options, the same types, ``-`` on both."""

import json

import pytest
from click.testing import CliRunner

from mapper.cli import cli

ARRIVALS = ("community,community_pcode,subdistrict_pcode,idps\n"
            "#loc+name,#loc+code,#adm3+code,#affected+idps\n"
            "Dana,SY070301,SY070301,1200\n"
            "Unknown place,C99999,SY070301,300\n")


def _build_params(name):
    command = cli.commands[name]
    return {p.name: (type(p.type).__name__, p.is_flag if hasattr(p, "is_flag") else None, p.multiple)
            for p in command.params if p.name not in ("output", "fmt", "title", "online_tiles", "reports",
                                                       "input_path")}


def test_map_and_flows_take_the_same_build_options():
    flows, map_ = _build_params("flows"), _build_params("map")
    assert flows == map_
    for name in ("start", "end", "priority", "people_per_family", "split_regions", "allow_unresolved", "encoding",
                 "defaults", "columns", "protect_sites", "level", "min_people"):
        assert name in flows
    assert flows["start"][0] == "DateTime"


def test_flows_reads_an_ocha_table_from_standard_input_with_defaults(tmp_path):
    out = tmp_path / "arrivals.geojson"
    result = CliRunner().invoke(cli, ["flows", "-", "-o", str(out), "--allow-unresolved", "--default", "kind=count",
                                      "--default", "period_start=2018-12-01", "--default", "period_end=2018-12-31"],
                                input=ARRIVALS)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    places = [f["properties"] for f in data["features"] if f["properties"]["layer"] == "places"]
    assert [(p["place_id"], p["people_in"]) for p in places] == [("adm-sy070301", 1200)]
    assert [s["report_id"] for s in places[0]["sources"]] == ["line-3"]
    assert [(e["what"], e["people"]) for e in data["left_out"]] == [("unknown P-code", 300)]
    assert data["meta"]["total_people"] == 1200
    assert "1,200 people" in result.stderr and "300 people" in result.stderr


def test_map_draws_reports_from_standard_input(tmp_path):
    out = tmp_path / "map.html"
    reports = ("report_id,kind,figure,unit,period_start,period_end,origin,destination,agency\n"
               "a,displacement,1000,people,2019-12-12,2019-12-25,Saraqeb,camps along the Turkish border,UN OCHA\n")
    result = CliRunner().invoke(cli, ["map", "-", "-o", str(out), "--from", "2019-12-01", "--priority", "UN OCHA",
                                      "--people-per-family", "6"], input=reports)
    assert result.exit_code == 0, result.output
    assert out.exists() and "1 flows" in result.output


@pytest.mark.parametrize("flag, modelled", [([], False), (["--split-regions"], True)])
def test_split_regions_is_opt_in_and_marked_modelled(tmp_path, flag, modelled):
    reports = tmp_path / "reports.csv"
    reports.write_text("report_id,kind,figure,unit,period_start,period_end,origin,destination\n"
                       "a,displacement,1000,people,2019-12-12,2019-12-25,Saraqeb,camps along the Turkish border\n",
                       encoding="utf-8")
    out = tmp_path / "flows.geojson"
    result = CliRunner().invoke(cli, ["flows", str(reports), "-o", str(out), *flag])
    assert result.exit_code == 0, result.output
    flows = [f["properties"] for f in json.loads(out.read_text(encoding="utf-8"))["features"]
             if f["properties"]["layer"] == "flows"]
    assert {f["modelled"] for f in flows} == {modelled}
    assert sum(f["people"] for f in flows) == 1000
    if not modelled:
        assert [f["dest_id"] for f in flows] == ["region-border-camps"]
    else:
        assert all("modelled split" in f["split_rule"] for f in flows)


def test_a_bad_default_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["flows", "-", "-o", str(tmp_path / "x.geojson"), "--default", "kind"],
                                input=ARRIVALS)
    assert result.exit_code == 2 and "expected COLUMN=VALUE" in result.output
