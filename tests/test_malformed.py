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

# The red team's cases (issue 15): numbers that overflow, deep nesting, odd encodings, echoes, JSON of the wrong shape.
LOC2 = "id,name,lat,lon\na,A,36.1,36.7\nb,B,36.3,36.6\n"
DIGITS = "9" * 5000


def _geojson(people="1000", sources="[]", extra="", feature=None):
    feature = feature or ('{"type": "Feature", "properties": {"layer": "flows", "people": %s, "sources": %s}, '
                          '"geometry": {"type": "LineString", "coordinates": [[36.6, 35.6], [36.7, 36.3]]}}'
                          % (people, sources))
    return '{"type": "FeatureCollection"%s, "features": [%s]}' % (extra, feature)


HARDENING = [
    ("flowmap-count-1e308", "map", {"locations.csv": LOC2, "flows.csv": "origin,dest,count\na,b,1e308\n"},
     ["flows.csv:2", "count", "20,000,000"]),
    ("flowmap-count-infinity", "map", {"locations.csv": LOC2, "flows.csv": "origin,dest,count\na,b,Infinity\n"},
     ["flows.csv:2", "count"]),
    ("flowmap-count-5000-digits", "map", {"locations.csv": LOC2, "flows.csv": f"origin,dest,count\na,b,{DIGITS}\n"},
     ["flows.csv:2", "count", "5,000 characters"]),
    ("flowmap-lat-underscore", "map", {"locations.csv": LOC2.replace("36.1", "3_6.1"),
                                       "flows.csv": "origin,dest,count\na,b,10\n"}, ["locations.csv:2", "lat"]),
    ("flowmap-lat-inf", "map", {"locations.csv": LOC2.replace("36.1", "inf"), "flows.csv": "origin,dest,count\na,b,1\n"},
     ["locations.csv:2", "lat"]),
    ("flowmap-two-unknown-ids", "map", {"locations.csv": LOC2, "flows.csv": "origin,dest,count\nx,y,10\nz,a,5\n"},
     ["flows.csv:2: origin", "flows.csv:2: dest", "flows.csv:3: origin", "'x'", "'y'", "'z'"]),
    ("flows-geojson-people-1e308", "map", {"f.geojson": _geojson("1e308")}, ["f.geojson", "people", "20,000,000"]),
    ("flows-geojson-people-infinity", "map", {"f.geojson": _geojson("Infinity")}, ["f.geojson", "people"]),
    ("flows-geojson-people-nan", "map", {"f.geojson": _geojson("NaN")}, ["f.geojson", "people"]),
    ("flows-geojson-people-5000-digits", "map", {"f.geojson": _geojson(DIGITS)}, ["f.geojson", "digits"]),
    ("flows-geojson-people-4000-digits", "map", {"f.geojson": _geojson("9" * 4000)}, ["f.geojson", "people"]),
    ("flows-geojson-people-text", "map", {"f.geojson": _geojson('"3_6"')}, ["f.geojson", "people"]),
    ("flows-geojson-people-true", "map", {"f.geojson": _geojson("true")}, ["f.geojson", "people"]),
    ("flows-geojson-nested-5000", "map",
     {"f.geojson": '{"type": "FeatureCollection", "features": [' + "[" * 5000 + "]" * 5000 + "]}"},
     ["f.geojson", "nested 5,00"]),
    ("flows-geojson-deep-property", "map", {"f.geojson": _geojson(sources="[" * 3000 + "]" * 3000)},
     ["f.geojson", "nested"]),
    ("flows-geojson-feature-not-object", "map", {"f.geojson": _geojson(feature="5")}, ["f.geojson", "feature 1"]),
    ("flows-geojson-properties-not-object", "map",
     {"f.geojson": _geojson(feature='{"type": "Feature", "properties": [1], "geometry": null}')},
     ["f.geojson", "feature 1"]),
    ("flows-geojson-crs-text", "map", {"f.geojson": _geojson(extra=', "crs": "EPSG:3857"')}, ["f.geojson", "crs"]),
    ("flows-geojson-sources-nan", "map", {"f.geojson": _geojson(sources='[{"people": NaN}]')},
     ["f.geojson", "sources"]),
    ("flows-geojson-left-out-people-text", "map",
     {"f.geojson": _geojson(extra=', "left_out": [{"what": "x", "people": "lots"}]')}, ["f.geojson", "left_out 1"]),
    ("flows-geojson-left-out-not-object", "map", {"f.geojson": _geojson(extra=', "left_out": [7]')},
     ["f.geojson", "left_out 1"]),
    ("flows-geojson-utf32", "map", {"f.geojson": _geojson().encode("utf-32")}, ["f.geojson", "UTF-8"]),
    ("reports-utf32-bom", "flows", {"r.csv": (HEADER + _row(figure="lots")).encode("utf-32")},
     ["r.csv:2", "figure"]),
    ("reports-utf32-be-bom", "flows", {"r.csv": b"\x00\x00\xfe\xff" + (HEADER + _row(unit="goats")).encode("utf-32-be")},
     ["r.csv:2", "unit"]),
    ("reports-lone-cr-in-header", "flows", {"r.csv": HEADER.replace("unit,", "un\rit,") + GOOD}, ["r.csv"]),
    ("reports-figure-5000-digits", "flows", {"r.csv": HEADER + _row(figure=DIGITS)}, ["r.csv:2", "figure"]),
    ("reports-9mb-line", "flows", {"r.csv": HEADER + _row(origin="x" * (9 << 20))}, ["r.csv:2", "IDPMAP_MAX_LINE_KB"]),
    ("geonames-lat-underscore", "import", {"SY.txt": GEONAMES_OK.replace("\t36.1\t", "\t3_6.1\t")},
     ["SY.txt:1", "lat"]),
    ("geonames-population-5000-digits", "import", {"SY.txt": GEONAMES_OK.replace("\t500\t", f"\t{DIGITS}\t")},
     ["SY.txt:1", "population"]),
    ("gazetteer-csv-lat-underscore", "import", {"places.csv": "name,lat,lon\nTestville,3_6.1,36.7\n"},
     ["places.csv:2", "lat"]),
]
# Fragments a message must not carry.
ABSENT = {"flowmap-lat-inf": ["swapped"]}

CORPUS = REPORTS + FLOWMAP + GEONAMES + GAZETTEER_CSV + FLOWS_FILES + HARDENING


def _args(command, tmp_path, files):
    first = str(tmp_path / next(iter(files)))
    if command == "flows":
        return ["flows", first, "-o", str(tmp_path / "out.geojson")]
    if command == "map":
        target = str(tmp_path / ("flows.csv" if "flows.csv" in files else next(iter(files))))
        return ["map", target, "-o", str(tmp_path / "out.html")]
    return ["gazetteer", "import", first, "--store", str(tmp_path / "store.sqlite")]


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 60


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
    for fragment in ABSENT.get(case, ()):
        assert fragment not in result.output, (case, fragment, result.output)
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


# --- special files and limits (issue 15 §1 §2) ---

import os
import stat
import subprocess
import sys

GOOD_FLOWMAP = {"locations.csv": LOC2, "flows.csv": "origin,dest,count\na,b,10\n"}


def _write(tmp_path, files):
    for name, content in files.items():
        (tmp_path / name).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)


def _clean_error(result, *fragments):
    assert result.exit_code == 2, (result.output, result.exception)
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    for fragment in fragments:
        assert fragment in result.output, (fragment, result.output)


@pytest.mark.parametrize("command", ["map", "flows"])
def test_a_device_as_input_is_refused_at_once(tmp_path, command):
    # `idpmap map /dev/zero` used to grow to 24 GB until the kernel killed it.
    args = [command, "/dev/zero", "-o", str(tmp_path / ("out.html" if command == "map" else "out.geojson"))]
    _clean_error(CliRunner().invoke(cli, args), "/dev/zero", "device")


@pytest.mark.parametrize("command", ["map", "flows", "import"])
def test_a_fifo_as_input_is_refused_without_waiting_for_a_writer(tmp_path, command):
    fifo = tmp_path / "reports.csv"
    os.mkfifo(fifo)
    code = ("import sys\nfrom mapper.cli import cli\n"
            f"cli([{command!r}, {str(fifo)!r}, '-o', {str(tmp_path / 'out.geojson')!r}])")
    if command == "map":
        code = code.replace("out.geojson", "out.html")
    if command == "import":
        code = (f"from mapper.cli import cli\ncli(['gazetteer', 'import', {str(fifo)!r}, '--store', "
                f"{str(tmp_path / 's.sqlite')!r}])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "FIFO" in done.stderr and "Traceback" not in done.stderr, done.stderr


def special_file(folder, kind, name):
    """A device node, FIFO or /dev/stdout-style link named ``name`` in ``folder``.

    The device is a private copy of /dev/null made with mknod when running as root, so that a regression replaces
    that copy and never the system's /dev/null; without root, /dev/null itself cannot be replaced anyway.
    """
    path = folder / name
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "link":
        path.symlink_to("/dev/stdout")
    elif os.geteuid() == 0:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    else:
        return "/dev/null"
    return str(path)


@pytest.mark.parametrize("kind", ["device", "fifo", "link"])
@pytest.mark.parametrize("command", ["map", "flows"])
def test_outputs_go_only_to_regular_files_whatever_force_says(tmp_path, kind, command):
    _write(tmp_path, GOOD_FLOWMAP)
    (tmp_path / "r.csv").write_text(HEADER + GOOD, encoding="utf-8")
    if command == "map":
        target = special_file(tmp_path, kind, "out.html")
        args = ["map", str(tmp_path / "flows.csv"), "-o", target, "--force"]
        if target == "/dev/null":
            args[3] = "/dev/null"  # refused for its suffix or for being a device: either way nothing is written
    else:
        target = special_file(tmp_path, kind, "out.geojson")
        args = ["flows", str(tmp_path / "r.csv"), "-o", target, "--format", "geojson", "--force"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    if target != "/dev/null" or command == "flows":
        _clean_error(result, "not a regular file")
    assert "--force" not in result.output
    assert not os.path.isfile(target) or os.path.islink(target)


def test_the_size_limit_names_itself_and_how_to_raise_it(tmp_path, monkeypatch):
    (tmp_path / "r.csv").write_text(HEADER + GOOD * 100, encoding="utf-8")
    monkeypatch.setenv("IDPMAP_MAX_INPUT_MB", "0.001")
    _clean_error(CliRunner().invoke(cli, ["flows", str(tmp_path / "r.csv"), "-o", str(tmp_path / "o.geojson")]),
                 "r.csv", "IDPMAP_MAX_INPUT_MB", "input size")
    monkeypatch.setenv("IDPMAP_MAX_INPUT_MB", "lots")
    _clean_error(CliRunner().invoke(cli, ["flows", str(tmp_path / "r.csv"), "-o", str(tmp_path / "o.geojson")]),
                 "IDPMAP_MAX_INPUT_MB", "not a number")


def test_standard_input_is_read_bounded(tmp_path, monkeypatch):
    monkeypatch.setenv("IDPMAP_MAX_INPUT_MB", "0.001")
    result = CliRunner().invoke(cli, ["flows", "-", "-o", str(tmp_path / "o.geojson")], input=HEADER + GOOD * 100)
    _clean_error(result, "IDPMAP_MAX_INPUT_MB")


def test_the_cell_limit_names_itself(tmp_path, monkeypatch):
    monkeypatch.setenv("IDPMAP_MAX_CELL_KB", "1")
    note = '"' + "long\n" * 400 + '"'  # a quoted cell over several lines: no single line is long
    (tmp_path / "r.csv").write_text(HEADER + _row(note=note), encoding="utf-8")
    _clean_error(CliRunner().invoke(cli, ["flows", str(tmp_path / "r.csv"), "-o", str(tmp_path / "o.geojson")]),
                 "r.csv:2", "note", "IDPMAP_MAX_CELL_KB")


def test_a_flowmap_pair_with_both_files_missing_names_both(tmp_path):
    from mapper.errors import InputFileError
    from mapper.io import read_flows

    (tmp_path / "pair").mkdir()
    with pytest.raises(InputFileError) as err:
        read_flows(tmp_path / "pair")
    for name in ("locations.csv", "flows.csv"):  # each missing file named by its path, not only the first
        assert str(tmp_path / "pair" / name) in str(err.value), err.value


def test_utf32_reports_are_read_as_utf32():
    from mapper.reports import read_reports
    import io

    frame = read_reports(io.BytesIO((HEADER + GOOD).encode("utf-32")))
    assert list(frame["origin"]) == ["Maarat al-Numan"]


def test_a_geopackage_with_broken_text_gives_one_line(tmp_path):
    from mapper.io import read_flows, write_flows

    _write(tmp_path, {"locations.csv": LOC2.replace(",A,", ",Qzqzqz,"), "flows.csv": "origin,dest,count\na,b,10\n"})
    write_flows(read_flows(tmp_path), tmp_path / "f.gpkg")
    data = (tmp_path / "f.gpkg").read_bytes()
    assert b"Qzqzqz" in data
    (tmp_path / "f.gpkg").write_bytes(data.replace(b"Qzqzqz", b"\xff\xfe\xfdzqz"))  # not UTF-8 any more
    _clean_error(CliRunner().invoke(cli, ["map", str(tmp_path / "f.gpkg"), "-o", str(tmp_path / "o.html")]),
                 "f.gpkg", "GeoPackage")


def test_a_5000_character_unknown_name_is_cut_in_the_message(tmp_path):
    (tmp_path / "r.csv").write_text(HEADER + _row(origin="Qz" * 2500), encoding="utf-8")
    result = CliRunner().invoke(cli, ["flows", str(tmp_path / "r.csv"), "-o", str(tmp_path / "o.geojson")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "5,000 characters" in result.output
    assert all(len(line) < 400 for line in result.output.splitlines()), result.output[:600]


def test_extract_refuses_a_device_and_reads_standard_input_bounded(tmp_path, monkeypatch):
    _clean_error(CliRunner().invoke(cli, ["extract", "/dev/zero", "-o", str(tmp_path / "d.csv")]), "/dev/zero",
                 "device")
    monkeypatch.setenv("IDPMAP_MAX_INPUT_MB", "0.001")
    result = CliRunner().invoke(cli, ["extract", "-", "-o", str(tmp_path / "d.csv")], input="Idlib. " * 1000)
    _clean_error(result, "stdin", "IDPMAP_MAX_INPUT_MB")
