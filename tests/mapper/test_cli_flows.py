"""``idpmap flows``: reports in, flows out in every format, with one-line errors and safe outputs."""

import csv
import json

import pyogrio
import pytest
from click.testing import CliRunner

from mapper.cli import cli
from mapper.errors import InputFileError

HEADER = "report_id,kind,figure,qualifier,unit,period_start,period_end,origin,destination,agency,publisher,published"
REPORTS = "\n".join([
    HEADER,
    # the same movement seen by two agencies: triangulated to OCHA's figure, not added up
    'ocha-1,displacement,"235,000",more than,people,2019-12-12,2019-12-25,Maarat al-Numan;Saraqib,Idlib;Atme,'
    "UN OCHA,UN OCHA,2019-12-26",
    "srcg-1,displacement,2000,at least,families,2019-12-14,2019-12-20,Maarat al-Numan,Atme,SRCG,SRCG,2019-12-21",
    "sohr-1,incident,8,,killed,2019-12-20,2019-12-20,Saraqib,,SOHR,SOHR,2019-12-20",
]) + "\n"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def reports(tmp_path):
    path = tmp_path / "reports.csv"
    path.write_text(REPORTS, encoding="utf-8")
    return path


def run(runner, *args, **kwargs):
    return runner.invoke(cli, [str(a) for a in args], **kwargs)


def test_geojson_by_extension(runner, reports, tmp_path):
    out = tmp_path / "flows.geojson"
    result = run(runner, "flows", reports, "-o", out)
    assert result.exit_code == 0, result.output
    assert "235,000 people" in result.stderr and "none left out" in result.stderr
    assert result.stdout == ""
    doc = json.loads(out.read_text(encoding="utf-8"))
    flows = [f["properties"] for f in doc["features"] if f["properties"]["layer"] == "flows"]
    assert round(sum(f["people"] for f in flows)) == 235000
    assert {f["origin_name"] for f in flows} == {"Maarat al-Numan", "Saraqib"}
    assert {f["dest_name"] for f in flows} == {"Idlib", "Atmeh"}
    assert {s["report_id"] for f in flows for s in f["sources"]} >= {"ocha-1"}
    incidents = [f["properties"] for f in doc["features"] if f["properties"]["layer"] == "incidents"]
    assert [(i["name"], i["unit"]) for i in incidents] == [("Saraqib", "killed")]


def test_every_format(runner, reports, tmp_path):
    assert run(runner, "flows", reports, "-o", tmp_path / "f.gpkg").exit_code == 0
    assert {n for n, _ in pyogrio.list_layers(tmp_path / "f.gpkg")} >= {"flows", "places", "incidents"}
    assert run(runner, "flows", reports, "-o", tmp_path / "f.csv").exit_code == 0
    assert (tmp_path / "f.csv").read_text(encoding="utf-8").startswith("flow_id,origin_id,")
    result = run(runner, "flows", reports, "-o", tmp_path / "fm", "--format", "flowmap")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fm" / "flows.csv").read_text(encoding="utf-8").startswith("origin,dest,count\n")
    assert "Maarat al-Numan" in (tmp_path / "fm" / "locations.csv").read_text(encoding="utf-8")
    result = run(runner, "flows", reports, "-o", "-", "--format", "hxl")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("#meta+id,#loc+origin+id")
    assert "standard output" in result.stderr


def test_reports_from_standard_input(runner):
    result = run(runner, "flows", "-", "-o", "-", input=REPORTS)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["type"] == "FeatureCollection"


def test_window_level_and_min_people(runner, reports, tmp_path):
    result = run(runner, "flows", reports, "-o", tmp_path / "a.csv", "--min-people", "5000",
                 "--from", "2019-12-01", "--to", "2019-12-31", "--level", "admin2")
    assert result.exit_code == 0, result.output
    assert "left out (listed in the output)" in result.stderr
    rows = [r.split(",") for r in (tmp_path / "a.csv").read_text(encoding="utf-8").splitlines()[1:]]
    assert {(r[2], r[12]) for r in rows} == {("Idlib District", "Idlib District"),
                                             ("Maarat al-Numan District", "Idlib District")}
    result = run(runner, "flows", reports, "-o", tmp_path / "b.csv", "--from", "2020-01-01")
    assert result.exit_code == 0 and "0 flows, 0 people" in result.stderr


def test_priority_and_people_per_family(runner, reports, tmp_path):
    result = run(runner, "flows", reports, "-o", "-", "--priority", "SRCG, UN OCHA", "--people-per-family", "6")
    assert result.exit_code == 0, result.output
    assert "12,000 people" in result.stderr  # SRCG's 2,000 families x 6, trusted first


def test_bad_reports_list_every_problem_and_write_nothing(runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\n" + "a,displacement,-5,,people,2019-12-12,2019-12-01,Saraqib,Atme,X,,\n"
                   + "b,exodus,12.000,,people,2019-12-12,2019-12-13,Saraqib,Atme,X,,\n", encoding="utf-8")
    out = tmp_path / "flows.geojson"
    result = run(runner, "flows", bad, "-o", out)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"Error: {bad}:2: figure: negative figure")
    assert f"{bad}:2: period_end: 2019-12-01 is before period_start 2019-12-12" in lines
    assert any(line.startswith(f"{bad}:3: kind: unknown kind 'exodus'") for line in lines)
    assert any(line.startswith(f"{bad}:3: figure: ambiguous figure '12.000'") for line in lines)
    assert "Traceback" not in result.output
    assert not out.exists()


def test_debug_shows_the_real_error(runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\n", encoding="utf-8")
    result = run(runner, "--debug", "flows", bad, "-o", tmp_path / "x.geojson")
    assert isinstance(result.exception, InputFileError)


def test_existing_file_needs_force_and_is_checked_before_building(runner, reports, tmp_path):
    out = tmp_path / "flows.geojson"
    out.write_text("not mine to overwrite", encoding="utf-8")
    result = run(runner, "flows", reports, "-o", out)
    assert result.exit_code == 2, result.output
    assert "exists and was not written by idpmap; pass --force" in result.stderr
    assert out.read_text(encoding="utf-8") == "not mine to overwrite"
    assert run(runner, "flows", reports, "-o", out, "--force").exit_code == 0
    assert run(runner, "flows", reports, "-o", out).exit_code == 0  # idpmap's own file now


def test_encodings(runner, tmp_path):
    arabic = REPORTS.replace("Maarat al-Numan", "معرة النعمان")
    path = tmp_path / "arabic.csv"
    path.write_bytes(arabic.encode("cp1256"))
    result = run(runner, "flows", path, "-o", tmp_path / "a.geojson")
    assert result.exit_code == 2 and "pass --encoding (e.g. cp1256" in result.stderr
    result = run(runner, "flows", path, "-o", tmp_path / "a.geojson", "--encoding", "cp1256")
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "a.geojson").read_text(encoding="utf-8"))
    assert "معرة النعمان" in {f["properties"].get("origin_name_ar") for f in doc["features"]}


@pytest.mark.parametrize("args, message", [
    (["--from", "2019-12-31", "--to", "2019-12-01"], "--to 2019-12-01 is before --from 2019-12-31"),
    (["--from", "31/12/2019"], "Invalid value for '--from'"),
    (["--priority", " , "], "--priority: expected agencies separated by commas"),
    (["--people-per-family", "0"], "Invalid value for '--people-per-family'"),
    (["--format", "shp"], "Invalid value for '--format'"),
])
def test_bad_options(runner, reports, tmp_path, args, message):
    result = run(runner, "flows", reports, "-o", tmp_path / "x.geojson", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not (tmp_path / "x.geojson").exists()


def test_unresolved_names_stop_the_build_unless_allowed(runner, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(REPORTS + "x-1,displacement,500,,people,2019-12-14,2019-12-15,Xyzzyville,Atme,RCT,,\n",
                    encoding="utf-8")
    out = tmp_path / "flows.geojson"
    result = run(runner, "flows", path, "-o", out)
    assert result.exit_code == 1 and "Xyzzyville" in result.stderr and not out.exists()
    result = run(runner, "flows", path, "-o", out, "--allow-unresolved")
    assert result.exit_code == 0, result.output
    assert "1 left out" in result.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert any("Xyzzyville" in item["detail"] for item in doc["left_out"])


ARRIVALS = "community,community_pcode,idp_flow_estimation\nSaraqeb,C4130,120\nKafr Nabl,C4131,80\n"
ARRIVAL_DEFAULTS = ("--default", "kind=count", "--default", "period_start=2018-12-01",
                    "--default", "period_end=2018-12-31")


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_arrivals_written_as_flows_map_again_with_their_people(runner, tmp_path, suffix):
    table = tmp_path / "arrivals.csv"
    table.write_text(ARRIVALS, encoding="utf-8")
    written = tmp_path / f"arrivals{suffix}"
    result = run(runner, "flows", str(table), "-o", str(written), *ARRIVAL_DEFAULTS)
    assert result.exit_code == 0, result.output
    assert "note:" not in result.output
    result = run(runner, "map", str(written), "-o", str(tmp_path / "m.html"))
    assert result.exit_code == 0, result.output
    assert "(0 flows; 200 people counted at places)" in result.output


def test_a_csv_of_arrivals_says_it_holds_flows_only(runner, tmp_path):
    table = tmp_path / "arrivals.csv"
    table.write_text(ARRIVALS, encoding="utf-8")
    result = run(runner, "flows", str(table), "-o", str(tmp_path / "flows.csv"), *ARRIVAL_DEFAULTS)
    assert result.exit_code == 0, result.output
    assert ("a csv file holds flows only; the 200 people counted at places (arrivals or departures with no flow) "
            "are not in it: write .geojson or .gpkg to keep them") in result.output


def test_a_flows_file_is_written_again_in_another_format(runner, reports, tmp_path):
    """`idpmap flows flows.geojson -o flows.csv` converts (it read the GeoJSON as a broken reports CSV before)."""
    assert run(runner, "flows", reports, "-o", tmp_path / "f.geojson").exit_code == 0
    result = run(runner, "flows", tmp_path / "f.geojson", "-o", tmp_path / "f.csv")
    assert result.exit_code == 0, result.output
    assert "235,000 people" in result.stderr
    direct = run(runner, "flows", reports, "-o", tmp_path / "direct.csv")
    assert direct.exit_code == 0
    converted, built = (list(csv.DictReader(open(tmp_path / name, encoding="utf-8")))
                        for name in ("f.csv", "direct.csv"))
    for row in converted + built:
        row["sources"] = json.loads(row["sources"])  # the same sources, written with spaces after read back
    assert converted == built
    assert run(runner, "flows", tmp_path / "f.geojson", "-o", tmp_path / "f.gpkg").exit_code == 0
    result = run(runner, "flows", tmp_path / "f.gpkg", "-o", tmp_path / "again.geojson")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "again.geojson").read_text(encoding="utf-8"))["features"]
    doc = json.loads((tmp_path / "f.geojson").read_text(encoding="utf-8"))
    del doc["meta"]  # as another tool writes it: no total given
    (tmp_path / "other.geojson").write_text(json.dumps(doc), encoding="utf-8")
    result = run(runner, "flows", tmp_path / "other.geojson", "-o", tmp_path / "other.csv")
    assert result.exit_code == 0 and "235,000 people" in result.stderr


def test_builder_options_for_a_flows_file_are_refused(runner, reports, tmp_path):
    assert run(runner, "flows", reports, "-o", tmp_path / "f.geojson").exit_code == 0
    result = run(runner, "flows", tmp_path / "f.geojson", "-o", tmp_path / "f.csv", "--level", "admin2",
                 "--min-people", "500")
    assert result.exit_code == 2
    assert "--min-people, --level apply to a reports CSV" in result.output
    assert not (tmp_path / "f.csv").exists()


def test_names_matched_by_spelling_alone_are_said_on_standard_error(runner, reports, tmp_path):
    result = run(runner, "flows", reports, "-o", tmp_path / "f.geojson")
    assert result.exit_code == 0 and "note: Names matched" not in result.stderr
    path = tmp_path / "typo.csv"
    path.write_text(REPORTS.replace("2019-12-20,Maarat al-Numan,Atme", "2019-12-20,Maarat Al-Nuwan,Atme"),
                    encoding="utf-8")
    result = run(runner, "flows", path, "-o", tmp_path / "g.geojson")
    assert result.exit_code == 0, result.output
    assert "idpmap: note: Names matched to a place by spelling alone: 'Maarat Al-Nuwan' \u2192 Maarat al-Numan (" \
        in result.stderr
    meta = json.loads((tmp_path / "g.geojson").read_text(encoding="utf-8"))["meta"]
    assert any("'Maarat Al-Nuwan'" in note for note in meta["notes"])  # in the file, and on the map's legend
