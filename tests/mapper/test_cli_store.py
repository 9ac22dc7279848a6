"""`idpmap flows` and `idpmap map` use the local store that `idpmap gazetteer import` fills, beside the bundled
places, as the README says. Every test keeps to a store under tmp_path: XDG_DATA_HOME is moved there, so the user's
real store is never read or written."""

import json

import pytest
from click.testing import CliRunner

from mapper.cli import cli

HEADER = ("report_id,kind,figure,qualifier,unit,period_start,period_end,origin,destination,agency,publisher,published,"
          "url,note\n")
ROW = "r1,displacement,1000,,people,2019-12-12,2019-12-25,Maarat al-Numan,Zzyzx Camp,UN OCHA,Pub,2019-12-27,,\n"


@pytest.fixture(autouse=True)
def private_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    monkeypatch.delenv("IDPMAP_STORE", raising=False)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "places.csv").write_text("name,lat,lon,kind\nZzyzx Camp,36.2712,36.5931,camp\n", encoding="utf-8")
    (tmp_path / "reports.csv").write_text(HEADER + ROW, encoding="utf-8")
    return tmp_path


def _import(files, *store):
    result = CliRunner().invoke(cli, ["gazetteer", "import", str(files / "places.csv"), *store])
    assert result.exit_code == 0, result.output


def _destinations(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {f["properties"]["dest_name"] for f in doc["features"] if f["properties"]["layer"] == "flows"}


def test_without_the_store_the_name_does_not_resolve(files):
    result = CliRunner().invoke(cli, ["flows", str(files / "reports.csv"), "-o", str(files / "out.geojson")])
    assert result.exit_code == 1 and "Zzyzx Camp" in result.output


def test_flows_uses_the_store_given_with_store(files):
    _import(files, "--store", str(files / "mine.sqlite"))
    result = CliRunner().invoke(cli, ["flows", str(files / "reports.csv"), "-o", str(files / "out.geojson"),
                                      "--store", str(files / "mine.sqlite")])
    assert result.exit_code == 0, result.output
    assert _destinations(files / "out.geojson") == {"Zzyzx Camp"}


def test_flows_and_map_use_the_default_store_that_import_fills(files):
    _import(files)  # no --store: the default store in the (private) user data folder
    assert (files / "data-home" / "idpmap" / "gazetteer.sqlite").is_file()
    result = CliRunner().invoke(cli, ["flows", str(files / "reports.csv"), "-o", str(files / "out.geojson")])
    assert result.exit_code == 0, result.output
    assert _destinations(files / "out.geojson") == {"Zzyzx Camp"}
    result = CliRunner().invoke(cli, ["map", str(files / "reports.csv"), "-o", str(files / "out.html")])
    assert result.exit_code == 0, result.output
    assert "Zzyzx Camp" in (files / "out.html").read_text(encoding="utf-8")


def test_the_store_can_come_from_the_environment(files, monkeypatch):
    _import(files, "--store", str(files / "env.sqlite"))
    monkeypatch.setenv("IDPMAP_STORE", str(files / "env.sqlite"))
    result = CliRunner().invoke(cli, ["map", str(files / "reports.csv"), "-o", str(files / "out.html")])
    assert result.exit_code == 0, result.output


def test_a_missing_store_is_a_clear_error(files):
    result = CliRunner().invoke(cli, ["flows", str(files / "reports.csv"), "-o", str(files / "out.geojson"),
                                      "--store", str(files / "nope.sqlite")])
    assert result.exit_code == 2 and "nope.sqlite" in result.output and "Traceback" not in result.output
