"""Hostile text end to end, without a browser: every string of the corpus through every text field to every output.

Each string of :mod:`tests.hostile` goes in at once as a place name (English and Arabic), an agency, a publisher, a
report id, a note, a URL and an incident note, and on its own as a map title from the command line; a flowmap.blue
pair carries each as a location name. The CSV, HXL, GeoJSON, GeoPackage and flowmap.blue outputs must give every
string back unchanged, the static SVG must carry it as XML-escaped text, the PNG must render, and the HTML must never
hold it as markup.

What "unchanged" allows, and why:

- Cells read from a CSV file (reports, flowmap.blue, flows files) are trimmed at their edges, like every CSV file
  idpmap reads: a string arrives as ``s.strip()``. Text that never passes through a CSV file (a place name from the
  gazetteer, a title from the command line) arrives exactly as given.
- GeoPackage: GDAL cannot store NUL inside text, so a NUL becomes U+FFFD there (documented in :mod:`mapper.io`).
- Static images: control characters other than tab and newline are drawn as visible ``\\xNN`` escapes (documented
  in :mod:`mapper.static`), so that SVG stays well-formed XML; an XML parser reads a CR in SVG text as LF.
- GeoPackage ``sources`` hold JSON text, where a NUL is the escape ``\\u0000``: those keep it.
- HTML text outside scripts (title, legend): an HTML parser drops NUL and turns CR into LF (HTML's input stream
  rules); the browser tests check that each string still shows as text, with that rule.
"""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from mapper.view import cell_text
from tests.hostile import HOSTILE_STRINGS, HOSTILE_URLS

N = len(HOSTILE_STRINGS)
#: http(s) URLs that must become links (the hostile ones never do).
SAFE_URLS = [f"https://example.org/report/{i}?a=1&b=two" for i in range(10)]
#: Names no gazetteer knows, left out and listed in the legend.
UNKNOWN_NAMES = ["unknown <img src=x onerror=alert(1)> village", "unknown \"'><script>alert(1)</script> hamlet"]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --- the hostile inputs (shared with tests/browser/test_hostile_browser.py) -------------------------------------


def hostile_gazetteer():
    """One town per hostile string (named with it in English and Arabic, found by an alias), and one camp."""
    from gazetteer import Gazetteer
    from gazetteer.places import Place

    places = [Place(id=f"hostile-{i}", name=s, name_ar=s, kind="town", lat=35.2 + 0.02 * (i % 10),
                    lon=36.2 + 0.05 * (i // 10), alt_names=(f"hostile place {i}",))
              for i, s in enumerate(HOSTILE_STRINGS)]
    places.append(Place(id="safe-camp", name="Safe camp", kind="camp", lat=36.2, lon=36.65, alt_names=("safe camp",)))
    return Gazetteer(places)


def report_fields(i):
    """The hostile text report ``i`` carries in each free-text field (as written to the CSV file)."""
    if i < len(HOSTILE_URLS):
        url = HOSTILE_URLS[i]
    elif i < len(HOSTILE_URLS) + len(SAFE_URLS):
        url = SAFE_URLS[i - len(HOSTILE_URLS)]
    else:
        url = HOSTILE_STRINGS[i]  # anything at all in the link field
    return {
        "report_id": f"r{i} {HOSTILE_STRINGS[(i + 3) % N]}",
        "agency": HOSTILE_STRINGS[i],
        "publisher": HOSTILE_STRINGS[(i + 1) % N],
        "url": url,
        "note": HOSTILE_STRINGS[(i + 2) % N],
    }


def write_hostile_reports(path):
    """A reports CSV: one displacement from each hostile town to the camp, one incident in each hostile town, and
    two reports naming unknown places (left out and listed)."""
    header = ["report_id", "kind", "figure", "unit", "period_start", "period_end", "origin", "destination", "agency",
              "publisher", "published", "url", "note"]
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for i in range(N):
            f = report_fields(i)
            writer.writerow([f["report_id"], "displacement", 1000 + 10 * i, "people", "2019-12-01", "2019-12-20",
                             f"hostile place {i}", "safe camp", f["agency"], f["publisher"], "2019-12-21", f["url"],
                             f["note"]])
            writer.writerow([f"incident {i}", "incident", 1, "killed", "2019-12-05", "2019-12-05",
                             f"hostile place {i}", "", f["agency"], f["publisher"], "", "", HOSTILE_STRINGS[i]])
        for k, name in enumerate(UNKNOWN_NAMES):
            writer.writerow([f"unknown {k}", "displacement", 500, "people", "2019-12-01", "2019-12-20", name,
                             "safe camp", "UN OCHA", "", "", "", ""])
    return Path(path)


def hostile_flowset(folder):
    """The FlowSet built from :func:`write_hostile_reports` with :func:`hostile_gazetteer`."""
    from mapper.flows import build_flows
    from mapper.reports import read_reports

    reports = read_reports(write_hostile_reports(Path(folder) / "hostile_reports.csv"))
    return build_flows(reports, gazetteer=hostile_gazetteer(), allow_unresolved=True)


def write_hostile_flowmap(folder):
    """A flowmap.blue pair whose location names are the hostile strings (every location flows to a camp)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "locations.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "lat", "lon"])
        for i, s in enumerate(HOSTILE_STRINGS):
            writer.writerow([f"loc{i}", s, 35.2 + 0.02 * (i % 10), 36.2 + 0.05 * (i // 10)])
        writer.writerow(["camp", "Camp", 36.2, 36.65])
    with (folder / "flows.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["origin", "dest", "count"])
        for i in range(N):
            writer.writerow([f"loc{i}", "camp", 100 + i])
    return folder


def as_html_text(s):
    """``s`` as an HTML parser gives it back from escaped text outside scripts: NUL dropped, CR (LF) -> LF."""
    return s.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


def as_drawn(s):
    """``s`` as static images draw it: a tab as a space, a carriage return as a line break, other control
    characters as ``\\xNN``."""
    text = s.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


# --- fixtures ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return folder, hostile_flowset(folder)


@pytest.fixture(scope="module")
def flowmap_pair(tmp_path_factory):
    return write_hostile_flowmap(tmp_path_factory.mktemp("hostile_flowmap"))


def _sources(flowset):
    """report_id -> source record, over every flow."""
    out = {}
    for text in flowset.flows["sources"]:
        for src in json.loads(text):
            out[src["report_id"]] = src
    return out


def _check_sources(sources, *, nul=None):
    """Every hostile report is cited with each of its fields, trimmed (the CSV rule) and NUL replaced as asked."""
    def fix(s):
        s = s.strip()
        return s.replace("\x00", nul) if nul is not None else s

    by_id = {fix(k): v for k, v in sources.items()}
    for i in range(N):
        f = report_fields(i)
        src = by_id[fix(f["report_id"])]
        for field in ("agency", "publisher", "url", "note"):
            assert src[field] == fix(f[field]), (i, field)


# --- the build keeps the text -----------------------------------------------------------------------------------


def test_reports_keep_every_string(built):
    from mapper.reports import read_reports

    folder, _ = built
    reports = read_reports(folder / "hostile_reports.csv").set_index("report_id")
    for i in range(N):
        f = report_fields(i)
        row = reports.loc[f["report_id"].strip()]
        for field in ("agency", "publisher", "url", "note"):
            assert row[field] == f[field].strip(), (i, field)


def test_flowset_carries_every_string(built):
    _, flowset = built
    assert len(flowset.flows) == N
    by_origin = flowset.flows.set_index("origin_id")
    for i, s in enumerate(HOSTILE_STRINGS):
        assert by_origin.loc[f"hostile-{i}", "origin_name"] == s
        assert by_origin.loc[f"hostile-{i}", "origin_name_ar"] == s
    assert sorted(flowset.incidents["note"]) == sorted(s.strip() for s in HOSTILE_STRINGS)
    _check_sources(_sources(flowset))
    assert [x.what for x in flowset.left_out] == ["unresolved name"] * len(UNKNOWN_NAMES)


# --- exports ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "hxl"])
def test_csv_and_hxl_carry_every_string(built, tmp_path, fmt):
    from mapper.io import write_flows

    _, flowset = built
    path = tmp_path / f"flows.{fmt}.csv"
    write_flows(flowset, path, format=fmt)
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if fmt == "hxl":
        assert rows.pop(0)["origin_name"] == "#loc+origin+name"
    assert len(rows) == N
    names = {r["origin_id"]: (r["origin_name"], r["origin_name_ar"]) for r in rows}
    for i, s in enumerate(HOSTILE_STRINGS):
        assert names[f"hostile-{i}"] == (s, s)
    _check_sources({src["report_id"]: src for r in rows for src in json.loads(r["sources"])})


def test_geojson_carries_every_string(built, tmp_path):
    from mapper.io import read_flows, write_flows

    _, flowset = built
    path = tmp_path / "flows.geojson"
    write_flows(flowset, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    features = {layer: [f["properties"] for f in doc["features"] if f["properties"]["layer"] == layer]
                for layer in ("flows", "places", "incidents")}
    flow_names = {p["origin_id"]: (p["origin_name"], p["origin_name_ar"]) for p in features["flows"]}
    place_names = {p["place_id"]: (p["name"], p["name_ar"]) for p in features["places"]}
    for i, s in enumerate(HOSTILE_STRINGS):
        assert flow_names[f"hostile-{i}"] == (s, s)
        assert place_names[f"hostile-{i}"] == (s, s)
    assert sorted(p["note"] for p in features["incidents"]) == sorted(s.strip() for s in HOSTILE_STRINGS)
    _check_sources({src["report_id"]: src for p in features["flows"] for src in p["sources"]})
    details = [x["detail"] for x in doc["left_out"]]
    assert details == [x.detail for x in flowset.left_out]
    # and back again
    again = read_flows(path)
    assert sorted(again.flows["origin_name"]) == sorted(HOSTILE_STRINGS)


def test_geopackage_carries_every_string_nul_as_replacement_character(built, tmp_path):
    import pyogrio

    from mapper.io import write_flows

    _, flowset = built
    path = tmp_path / "flows.gpkg"
    write_flows(flowset, path)
    flows = pyogrio.read_dataframe(path, layer="flows")
    places = pyogrio.read_dataframe(path, layer="places")
    incidents = pyogrio.read_dataframe(path, layer="incidents")
    left_out = pyogrio.read_dataframe(path, layer="left_out")

    def gpkg(s):  # the rule documented in mapper/io.py: a NUL becomes U+FFFD, nothing else changes
        return s.replace("\x00", "\ufffd")

    flow_names = dict(zip(flows["origin_id"], zip(flows["origin_name"], flows["origin_name_ar"])))
    place_names = dict(zip(places["place_id"], zip(places["name"], places["name_ar"])))
    for i, s in enumerate(HOSTILE_STRINGS):
        assert flow_names[f"hostile-{i}"] == (gpkg(s), gpkg(s))
        assert place_names[f"hostile-{i}"] == (gpkg(s), gpkg(s))
    assert sorted(incidents["note"]) == sorted(gpkg(s.strip()) for s in HOSTILE_STRINGS)
    _check_sources({src["report_id"]: src for text in flows["sources"] for src in json.loads(text)})
    assert list(left_out["detail"]) == [gpkg(x.detail) for x in flowset.left_out]
    assert any("\x00" in s for s in HOSTILE_STRINGS)  # the rule was exercised


def test_flowmap_blue_pair_in_and_out(built, flowmap_pair, tmp_path):
    from mapper.io import read_flows, write_flows

    flowset = read_flows(flowmap_pair)
    names = dict(zip(flowset.flows["origin_id"], flowset.flows["origin_name"]))
    for i, s in enumerate(HOSTILE_STRINGS):
        assert names[f"loc{i}"] == s.strip()
    # idpmap's own flowmap.blue output gives the gazetteer's names back unchanged.
    out = tmp_path / "pair"
    write_flows(built[1], out, format="flowmap")
    with (out / "locations.csv").open(newline="", encoding="utf-8") as fh:
        written = {r["id"]: r["name"] for r in csv.DictReader(fh)}
    for i, s in enumerate(HOSTILE_STRINGS):
        assert written[f"hostile-{i}"] == s


# --- static images ----------------------------------------------------------------------------------------------


def _svg_texts(path):
    """Well-formed XML or ET raises; every <text> element's text, and every element's tag."""
    root = ET.parse(path).getroot()
    texts, tags = [], set()
    for el in root.iter():
        tags.add(el.tag.split("}")[-1])
        assert not any(a.split("}")[-1].lower().startswith("on") for a in el.attrib), el.attrib
        if el.tag.endswith("text"):
            texts.append("".join(el.itertext()))
    return texts, tags


_SVG_TAGS = {"svg", "metadata", "RDF", "Work", "type", "date", "format", "creator", "Agent", "title", "defs",
             "style", "g", "path", "use", "text", "clipPath", "rect", "tspan", "polygon", "polyline", "line",
             "circle", "ellipse", "image", "desc"}


def test_svg_carries_each_title_as_escaped_text(built, tmp_path):
    """Each hostile string as the title: drawn as text in well-formed SVG, with no element the map never makes."""
    from mapper.static import render_image

    _, flowset = built
    for i, s in enumerate(HOSTILE_STRINGS):
        path = tmp_path / f"t{i}.svg"
        render_image(flowset, path, title=s)
        texts, tags = _svg_texts(path)
        assert tags <= _SVG_TAGS, (i, tags - _SVG_TAGS)
        assert as_drawn(cell_text(s)) in "\n".join(texts), (i, s[:60])  # one <text> per line; cut past MAX_TEXT
        raw = path.read_text(encoding="utf-8")
        assert "<script" not in raw and "<iframe" not in raw and "<foreignObject" not in raw


def test_svg_place_labels_are_escaped_text(built, tmp_path):
    from mapper.static import render_image

    _, flowset = built
    path = tmp_path / "labels.svg"
    render_image(flowset, path, title="Hostile places")
    texts, tags = _svg_texts(path)
    assert tags <= _SVG_TAGS
    drawn = {as_drawn(s) for s in HOSTILE_STRINGS}
    labels = [t for t in texts if t.split("\n")[0] in drawn]
    assert labels, "no hostile place got a label"
    for label in labels:  # a label is the name, then the Arabic name (the same hostile string here) when shaped
        assert set(label.split("\n")) <= drawn


def test_png_renders(built, tmp_path):
    from mapper.static import render_image

    _, flowset = built
    path = tmp_path / "hostile.png"
    render_image(flowset, path, title=HOSTILE_STRINGS[0] + HOSTILE_STRINGS[49])
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- HTML, read with an HTML parser -----------------------------------------------------------------------------


class _Page(HTMLParser):
    """Titles, the panel's h1 and every element and attribute, as a browser's parser would see them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title = self.h1 = None
        self._in = None
        self.tags, self.on_attrs, self.hrefs = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.on_attrs += [name for name, _ in attrs if name.startswith("on")]
        self.hrefs += [value for name, value in attrs if name == "href"]
        if tag in ("title", "h1"):
            self._in = tag
            setattr(self, tag, "")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in:
            setattr(self, self._in, getattr(self, self._in) + data)


def _parse(page):
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def flows_file(built):
    """The hostile flows as a GeoJSON file, for `idpmap map FLOWS --title ...`."""
    from mapper.io import write_flows

    folder, flowset = built
    path = folder / "hostile_flows.geojson"
    write_flows(flowset, path, force=True)
    return path


def write_titled_maps(flows_file, folder):
    """`idpmap map FLOWS -o tN.html --title S` for every hostile string S; returns the paths in corpus order."""
    from mapper.cli import cli

    runner = CliRunner()
    paths = []
    for i, s in enumerate(HOSTILE_STRINGS):
        out = Path(folder) / f"t{i}.html"
        result = runner.invoke(cli, ["map", str(flows_file), "-o", str(out), "--title", s, "--force"])
        assert result.exit_code == 0, (i, result.output)
        paths.append(out)
    return paths


def test_title_from_the_command_line_is_text(flows_file, tmp_path):
    from mapper.io import read_flows
    from mapper.render import render_map

    plain = _parse(render_map(read_flows(flows_file), title="Plain"))
    for i, (s, path) in enumerate(zip(HOSTILE_STRINGS, write_titled_maps(flows_file, tmp_path))):
        page = path.read_text(encoding="utf-8")
        parsed = _parse(page)
        shown = cell_text(s)  # fields beyond MAX_TEXT characters are cut, with a count (issue 15 section 5)
        expected = shown.replace("\r\n", "\n").replace("\r", "\n")  # HTML's input stream rule; NUL is kept here
        assert parsed.title == expected and parsed.h1 == expected, (i, s[:60])
        assert not parsed.on_attrs, (i, parsed.on_attrs)
        assert parsed.tags == plain.tags, (i, set(parsed.tags) ^ set(plain.tags))
        assert parsed.hrefs == plain.hrefs, i
        if "<" in s:
            assert s not in page  # never as markup, not even inside the page's JSON


def test_published_date_refuses_hostile_text(tmp_path):
    """``published`` must be a date: hostile text there is refused, each row named, and shown only escaped (no
    terminal escape sequence or control character reaches the terminal)."""
    from mapper.cli import cli

    path = tmp_path / "reports.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["report_id", "kind", "figure", "unit", "period_start", "period_end", "origin",
                         "destination", "published"])
        for i, s in enumerate(HOSTILE_STRINGS):
            writer.writerow([f"r{i}", "displacement", 100, "people", "2019-12-01", "2019-12-10", "Saraqib",
                             "Atmeh camps", s])
    result = CliRunner().invoke(cli, ["flows", str(path), "-o", str(tmp_path / "f.geojson")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "published: expected a date as YYYY-MM-DD" in result.output
    assert f"{path}:2: published" in result.output
    assert not _CONTROL.search(result.output)
    assert not (tmp_path / "f.geojson").exists()


# --- spreadsheet safety (issue 15 §3): no CSV cell idpmap writes runs as a formula --------------------------------


def _formula_pair(tmp_path):
    import io

    from tests.hostile import FORMULA_STRINGS

    pair = tmp_path / "in"
    pair.mkdir()
    ids = [s if s == s.strip() else f"{s.strip()} {i}" for i, s in enumerate(FORMULA_STRINGS)] + ["-7"]
    names = FORMULA_STRINGS + ["-7"]
    for name, rows in (("locations.csv", [["id", "name", "lat", "lon"]] + [
            [pid, n, f"{36 + i / 100:.2f}", f"36.{i + 1}"] for i, (pid, n) in enumerate(zip(ids, names))]),
            ("flows.csv", [["origin", "dest", "count"]] + [
                [a, b, 10 + i] for i, (a, b) in enumerate(zip(ids, ids[1:] + ids[:1]))])):
        text = io.StringIO()
        csv.writer(text, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(rows)
        (pair / name).write_text(text.getvalue(), encoding="utf-8", newline="")
    return pair, ids


def _cells(path):
    with path.open(newline="", encoding="utf-8") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


@pytest.mark.parametrize("fmt", ["csv", "hxl", "flowmap"])
def test_no_csv_cell_idpmap_writes_is_a_formula_and_the_text_reads_back(tmp_path, fmt):
    from mapper.io import read_flows, write_flows
    from mapper.spreadsheet import FORMULA_TRIGGERS

    pair, ids = _formula_pair(tmp_path)
    flowset = read_flows(pair)
    from mapper.spreadsheet import spreadsheet_text

    # the reader takes a spreadsheet-safe cell's text: one ' before a formula character is removed
    assert sorted(set(flowset.flows["origin_id"])) == sorted(spreadsheet_text(i) for i in ids)
    out = tmp_path / ("out" if fmt == "flowmap" else f"flows.{fmt}.csv")
    written = write_flows(flowset, out, format=fmt)
    cells = [c for path in written for c in _cells(path)]
    for cell in cells:
        # a formula trigger at the start only in a plain negative number such as -7 or -36.5
        assert cell[:1] not in FORMULA_TRIGGERS or cell.lstrip("-").replace(".", "", 1).isdigit(), cell
    assert "-7" in cells  # a number stays a number
    back = read_flows(out)
    assert sorted(back.flows["origin_id"]) == sorted(flowset.flows["origin_id"])
    assert sorted(back.flows["origin_name"]) == sorted(flowset.flows["origin_name"])
