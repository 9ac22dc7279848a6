"""Malformed input files: each gives a clear message naming the file, line and field, exit code 2, no traceback.

The corpus covers every kind of file idpmap reads: reports CSVs, flowmap.blue location/flow pairs, GeoNames dumps,
idpmap's own flows files and gazetteer CSVs. Files are written by the tests, never read from outside the project.
"""

import pytest
from click.testing import CliRunner

from mapper.cli import cli

HEADER = ("report_id,kind,figure,qualifier,unit,period_start,period_end,origin,destination,agency,publisher,published,"
          "url,note\n")
GOOD = "r1,displacement,1000,more than,people,2019-12-12,2019-12-25,Maarat al-Numan,Atme,UN OCHA,Pub,2019-12-27,,\n"
GEONAMES_OK = "\t".join(
    ["170000", "Testville", "Testville", "", "36.1", "36.7", "P", "PPL", "SY", "", "12", "", "", "", "500", "", "300",
     "Asia/Damascus", "2020-01-01"]
) + "\n"


def _row(**changes):
    fields = dict(zip(HEADER.strip().split(","), GOOD.strip("\n").split(",")))
    fields.update(changes)
    return ",".join(fields.values()) + "\n"


# (case id, command, files {name: bytes or str}, fragments the message must contain)
REPORTS = [
    ("reports-empty", "flows", {"r.csv": ""}, ["r.csv", "empty"]),
    ("reports-header-only", "flows", {"r.csv": HEADER}, ["r.csv", "no report"]),
    ("reports-missing-column", "flows", {"r.csv": HEADER.replace("unit,", "") + GOOD.replace("people,", "")},
     ["r.csv", "unit"]),
    ("reports-duplicated-column", "flows", {"r.csv": HEADER.replace("note", "figure") + GOOD},
     ["r.csv", "figure"]),
    ("reports-wrong-delimiter", "flows", {"r.csv": HEADER.replace(",", ";") + GOOD.replace(",", ";")},
     ["r.csv", "separated by semicolons"]),
    ("reports-open-quote", "flows", {"r.csv": HEADER + _row(note='"never closed')}, ["r.csv", "quote"]),
    ("reports-figure-word-soup", "flows", {"r.csv": HEADER + _row(figure="lots")}, ["r.csv:2", "figure"]),
    ("reports-negative-figure", "flows", {"r.csv": HEADER + _row(figure="-5")}, ["r.csv:2", "figure"]),
    ("reports-absurd-figure", "flows", {"r.csv": HEADER + _row(figure="99999999999")}, ["r.csv:2", "figure"]),
    ("reports-empty-figure", "flows", {"r.csv": HEADER + _row(figure="")}, ["r.csv:2", "figure"]),
    ("reports-impossible-date", "flows", {"r.csv": HEADER + _row(period_start="2019-02-30")},
     ["r.csv:2", "period_start"]),
    ("reports-not-a-date", "flows", {"r.csv": HEADER + _row(period_end="25/12/2019x")}, ["r.csv:2", "period_end"]),
    ("reports-end-before-start", "flows", {"r.csv": HEADER + _row(period_start="2019-12-25", period_end="2019-12-12")},
     ["r.csv:2", "period_end"]),
    ("reports-unknown-unit", "flows", {"r.csv": HEADER + _row(unit="goats")}, ["r.csv:2", "unit"]),
    ("reports-unknown-kind", "flows", {"r.csv": HEADER + _row(kind="migration")}, ["r.csv:2", "kind"]),
    ("reports-every-problem-at-once", "flows",
     {"r.csv": HEADER + _row(figure="-1") + GOOD + _row(unit="goats")}, ["r.csv:2", "r.csv:4", "figure", "unit"]),
    ("reports-not-utf8", "flows", {"r.csv": (HEADER + _row(origin="معرة")).encode("cp1256")},
     ["r.csv", "--encoding"]),
]

FLOWMAP = [
    ("flowmap-unknown-location", "map",
     {"locations.csv": "id,name,lat,lon\na,A,36.1,36.7\nb,B,36.3,36.6\n", "flows.csv": "origin,dest,count\na,zz,10\n"},
     ["flows.csv:2", "zz"]),
    ("flowmap-lat-out-of-range", "map",
     {"locations.csv": "id,name,lat,lon\na,A,120,36.7\nb,B,36.3,36.6\n", "flows.csv": "origin,dest,count\na,b,10\n"},
     ["locations.csv:2", "lat"]),
    ("flowmap-lon-not-a-number", "map",
     {"locations.csv": "id,name,lat,lon\na,A,36.1,east\nb,B,36.3,36.6\n", "flows.csv": "origin,dest,count\na,b,10\n"},
     ["locations.csv:2", "lon"]),
    ("flowmap-negative-count", "map",
     {"locations.csv": "id,name,lat,lon\na,A,36.1,36.7\nb,B,36.3,36.6\n", "flows.csv": "origin,dest,count\na,b,-3\n"},
     ["flows.csv:2", "count"]),
    ("flowmap-missing-count-column", "map",
     {"locations.csv": "id,name,lat,lon\na,A,36.1,36.7\nb,B,36.3,36.6\n", "flows.csv": "origin,dest\na,b\n"},
     ["flows.csv", "count"]),
]

GEONAMES = [
    ("geonames-empty", "import", {"SY.txt": ""}, ["SY.txt", "empty"]),
    ("geonames-too-few-columns", "import", {"SY.txt": GEONAMES_OK + "170001\tBroken\t36.1\n"}, ["SY.txt:2"]),
    ("geonames-lat-not-a-number", "import", {"SY.txt": GEONAMES_OK.replace("\t36.1\t", "\tnorth\t")},
     ["SY.txt:1", "lat"]),
    ("geonames-lon-out-of-range", "import", {"SY.txt": GEONAMES_OK.replace("\t36.7\t", "\t236.7\t")},
     ["SY.txt:1", "lon"]),
]

GAZETTEER_CSV = [
    ("gazetteer-csv-missing-lat", "import", {"places.csv": "name,lon\nTestville,36.7\n"}, ["places.csv", "lat"]),
    ("gazetteer-csv-bad-lat", "import", {"places.csv": "name,lat,lon\nA,36.1,36.7\nB,abc,36.7\n"},
     ["places.csv:3", "lat"]),
    ("gazetteer-csv-empty-name", "import", {"places.csv": "name,lat,lon\n,36.1,36.7\n"}, ["places.csv:2", "name"]),
]

FLOWS_FILES = [
    ("flows-truncated-geojson", "map", {"f.geojson": '{"type": "FeatureCollection", "features": [{"type": "Fea'},
     ["f.geojson"]),
    ("flows-geojson-not-flows", "map",
     {"f.geojson": '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"a": 1}, '
                   '"geometry": {"type": "Point", "coordinates": [36.7, 36.1]}}]}'}, ["f.geojson"]),
    ("flows-geojson-unknown-crs", "map",
     {"f.geojson": '{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": '
                   '"urn:ogc:def:crs:EPSG::99999"}}, "features": []}'}, ["f.geojson"]),
]

CORPUS = REPORTS + FLOWMAP + GEONAMES + GAZETTEER_CSV + FLOWS_FILES


def _args(command, tmp_path, files):
    first = str(tmp_path / next(iter(files)))
    if command == "flows":
        return ["flows", first, "-o", str(tmp_path / "out.geojson")]
    if command == "map":
        target = str(tmp_path / ("flows.csv" if "flows.csv" in files else next(iter(files))))
        return ["map", target, "-o", str(tmp_path / "out.html")]
    return ["gazetteer", "import", first, "--store", str(tmp_path / "store.sqlite")]


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("case, command, files, fragments", CORPUS, ids=[c[0] for c in CORPUS])
def test_malformed_file_gives_a_clear_error(tmp_path, case, command, files, fragments):
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (tmp_path / name).write_bytes(data)
    result = CliRunner().invoke(cli, _args(command, tmp_path, files))
    assert result.exit_code == 2, (case, result.output, result.exception)
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, (case, fragment, result.output)
    # Each problem stands on one line of its own, after "Error: ".
    assert all(len(line) < 400 for line in result.output.splitlines())
    # Nothing half-written.
    assert not any(p.name.startswith("out.") or ".part" in p.name for p in tmp_path.iterdir()), case


def test_debug_shows_the_traceback_for_bug_reports(tmp_path):
    bad = tmp_path / "r.csv"
    bad.write_text(HEADER + _row(figure="-5"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--debug", "flows", str(bad), "-o", str(tmp_path / "out.geojson")])
    assert result.exit_code != 0
    assert result.exception is not None and not isinstance(result.exception, SystemExit)
