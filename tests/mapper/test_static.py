"""Static map images: valid PNG/SVG/PDF files, literal text, atomic writes, black-and-white readability."""

from __future__ import annotations

import io
import math
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import geopandas as gpd
import pytest
import shapely
from PIL import Image

from mapper.atomic import GENERATOR
from mapper.errors import OutputError
from mapper.model import FLOW_COLUMNS, INCIDENT_COLUMNS, PLACE_COLUMNS, FlowSet, LeftOut
from mapper.errors import MapperError
from mapper.static import _plain, render_image
from mapper.view import curve_points

SVG_NS = "{http://www.w3.org/2000/svg}"

# A few places of north-west Syria (approximate coordinates are enough for drawing tests).
PLACES = {
    "sy-maarat-al-numan": ("Maarat al-Numan", "معرة النعمان", "town", 35.6433, 36.6744),
    "sy-saraqeb": ("Saraqeb", "سراقب", "town", 35.8622, 36.8006),
    "sy-idlib": ("Idlib", "إدلب", "city", 35.9306, 36.6339),
    "cc-atme": ("Atme camps", "مخيمات أطمة", "camp_cluster", 36.2103, 36.6814),
    "cc-kah": ("Kah camps", "مخيمات كاح", "camp_cluster", 36.1705, 36.6100),
    "sy-deir-hassan": ("Deir Hassan", "دير حسان", "village", 36.1547, 36.7103),
}


@dataclass
class FakeBorders:
    """Stands in for mapper.borders.Borders: two countries and the border line between them."""

    countries: object
    border: object
    attribution: str


def fake_borders():
    # (lon, lat) inside shapely, west to east.
    line = [(35.6, 35.85), (36.15, 36.05), (36.45, 36.27), (36.66, 36.20), (36.9, 36.25), (37.3, 36.6),
            (38.2, 36.8)]
    turkey = shapely.Polygon(line + [(38.2, 38.0), (35.6, 38.0)])
    syria = shapely.Polygon(line + [(38.2, 34.5), (35.6, 34.5)])
    countries = gpd.GeoDataFrame(
        {"kind": ["country", "country"], "name": ["Turkey", "Syria"], "iso3": ["TUR", "SYR"]},
        geometry=[turkey, syria], crs="EPSG:4326",
    )
    return FakeBorders(countries, shapely.LineString(line), "Borders © test data (ODbL)")


BORDERS = fake_borders()


def _place_fields(prefix, pid, overrides):
    name, name_ar, kind, lat, lon = PLACES[pid]
    fields = {"id": pid, "name": name, "name_ar": name_ar, "kind": kind, "lat": lat, "lon": lon,
              "pcode": "", "admin1": "", "admin2": "", "admin3": ""}
    fields.update(overrides.get(pid, {}))
    return {f"{prefix}_{k}": v for k, v in fields.items()}


def make_flowset(specs, *, names=None, incidents=(), left_out=(), meta=None):
    """A FlowSet from ``(origin_id, dest_id, people)`` triples; ``names`` overrides place fields by id."""
    names = names or {}
    rows = []
    for i, (origin, dest, people) in enumerate(specs):
        row = {"flow_id": f"f{i + 1}", **_place_fields("origin", origin, names), **_place_fields("dest", dest, names)}
        sources = [{"report_id": f"r{i + 1}", "agency": "UN OCHA", "publisher": "ReliefWeb", "published": "2019-12-26",
                    "url": "https://example.org/r", "people": people}]
        row.update(people=people, people_min=people, people_max=people, period_start="2019-12-12",
                   period_end="2019-12-25", sources=json.dumps(sources), split_rule="single", distance_km=0.0,
                   origin_border_km=0.0, dest_border_km=0.0)
        rows.append(row)
    geometry = [shapely.LineString([(r["origin_lon"], r["origin_lat"]), (r["dest_lon"], r["dest_lat"])]) for r in rows]
    flows = gpd.GeoDataFrame(rows, columns=FLOW_COLUMNS, geometry=geometry, crs="EPSG:4326")
    totals = {}
    for r in rows:
        for end, key in (("origin", "people_out"), ("dest", "people_in")):
            place = totals.setdefault(r[f"{end}_id"], {
                "place_id": r[f"{end}_id"], "name": r[f"{end}_name"], "name_ar": r[f"{end}_name_ar"],
                "kind": r[f"{end}_kind"], "lat": r[f"{end}_lat"], "lon": r[f"{end}_lon"], "pcode": "", "admin1": "",
                "admin2": "", "admin3": "", "people_in": 0.0, "people_out": 0.0, "net": 0.0, "border_km": 0.0})
            place[key] += r["people"]
    for place in totals.values():
        place["net"] = place["people_in"] - place["people_out"]
    places = gpd.GeoDataFrame(list(totals.values()), columns=PLACE_COLUMNS,
                              geometry=[shapely.Point(p["lon"], p["lat"]) for p in totals.values()], crs="EPSG:4326")
    incident_rows = [{"report_id": f"i{i}", "place_id": "", "name": name, "name_ar": "", "lat": lat, "lon": lon,
                      "period_start": "2019-12-20", "period_end": "2019-12-20", "figure": 3, "unit": "killed",
                      "qualifier": "", "note": "", "sources": "[]"} for i, (name, lat, lon) in enumerate(incidents)]
    incident_frame = gpd.GeoDataFrame(incident_rows, columns=INCIDENT_COLUMNS,
                                      geometry=[shapely.Point(r["lon"], r["lat"]) for r in incident_rows],
                                      crs="EPSG:4326")
    base_meta = {"title": "Displacement from southern Idlib", "period_start": "2019-12-12",
                 "period_end": "2019-12-25", "min_people": 0, "protect_sites_km": None, "attribution": []}
    base_meta.update(meta or {})
    return FlowSet(flows=flows, places=places, incidents=incident_frame, left_out=list(left_out), meta=base_meta)


def example_flowset(**kwargs):
    return make_flowset(
        [("sy-maarat-al-numan", "cc-atme", 90_000), ("sy-maarat-al-numan", "sy-idlib", 60_000),
         ("sy-saraqeb", "cc-kah", 40_000), ("sy-saraqeb", "sy-deir-hassan", 12_000),
         ("sy-maarat-al-numan", "sy-deir-hassan", 8_000), ("sy-saraqeb", "sy-idlib", 300)],
        incidents=[("Tal Mannis", 35.61, 36.72), ("Maasaran", 35.69, 36.76)],
        **kwargs,
    )


def render(flowset, path, **kwargs):
    kwargs.setdefault("dpi", 72)
    kwargs.setdefault("borders", BORDERS)
    return render_image(flowset, path, **kwargs)


def svg_text(path):
    """All text drawn in an SVG (matplotlib writes text as <text> elements, with <tspan>s for lines)."""
    root = ET.parse(path).getroot()
    return ["".join(el.itertext()) for el in root.iter(f"{SVG_NS}text")]


# --- formats ------------------------------------------------------------------------------------------------------

def test_png_is_a_valid_image_with_the_generator(tmp_path):
    out = render(example_flowset(), tmp_path / "map.png")
    assert out == tmp_path / "map.png"
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    assert image.size == (11 * 72, 8 * 72)
    assert image.info["Software"] == GENERATOR
    assert image.info["Title"] == "Displacement from southern Idlib"


def test_pdf_is_a_valid_document_with_the_generator(tmp_path):
    data = render(example_flowset(), tmp_path / "map.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert _pdf_info_string(data, b"Creator") == GENERATOR
    assert b"/CreationDate" not in data  # no clock in the file: rebuilds are identical


def test_svg_parses_and_names_the_generator(tmp_path):
    out = render(example_flowset(), tmp_path / "map.svg")
    root = ET.parse(out).getroot()
    assert root.tag == f"{SVG_NS}svg"
    assert GENERATOR in out.read_text(encoding="utf-8")
    texts = svg_text(out)
    assert "Displacement from southern Idlib" in texts
    assert any("Maarat al-Numan" in t for t in texts)
    assert "12–25 Dec 2019  ·  210,300 people in 6 flows shown" in texts


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_rebuild_is_byte_identical(tmp_path, suffix):
    first = render(example_flowset(), tmp_path / f"a{suffix}").read_bytes()
    second = render(example_flowset(), tmp_path / f"b{suffix}").read_bytes()
    assert first == second


@pytest.mark.parametrize("name", ["map.jpg", "map.html", "map", "map.png.txt"])
def test_unknown_extension_is_refused(tmp_path, name):
    with pytest.raises(OutputError, match="unknown image format"):
        render(example_flowset(), tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_uppercase_extension_is_accepted(tmp_path):
    assert render(example_flowset(), tmp_path / "MAP.PNG").read_bytes().startswith(b"\x89PNG")


# --- atomic, non-clobbering writes --------------------------------------------------------------------------------

def test_foreign_file_is_not_clobbered_without_force(tmp_path):
    target = tmp_path / "report.png"
    target.write_bytes(b"my own picture")
    with pytest.raises(OutputError, match="--force"):
        render(example_flowset(), target)
    assert target.read_bytes() == b"my own picture"
    render(example_flowset(), target, force=True)
    assert target.read_bytes().startswith(b"\x89PNG")


def test_own_output_is_replaced_without_force(tmp_path):
    target = tmp_path / "map.svg"
    render(example_flowset(), target)
    render(example_flowset(meta={"title": "Second build"}), target)
    assert "Second build" in svg_text(target)


def test_failed_render_leaves_earlier_output_and_no_partial_file(tmp_path):
    target = tmp_path / "map.png"
    render(example_flowset(), target)
    before = target.read_bytes()
    broken = example_flowset()
    broken.flows["people"] = broken.flows["people"].astype(object)
    broken.flows.loc[2, "people"] = "lots"
    with pytest.raises(MapperError, match=r"flow 'f3': people must be a number from 0 to .*, got 'lots'"):
        render(broken, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".idpmap-written", "map.png"]


def test_bad_sources_json_is_an_error_naming_the_flow(tmp_path):
    broken = example_flowset()
    broken.flows.loc[0, "sources"] = "{not json"
    with pytest.raises(MapperError, match="flow 'f1': its sources are not a JSON list"):
        render(broken, tmp_path / "map.svg")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("dpi", [0, -5, 5000, "200", True])
def test_bad_dpi_is_refused(tmp_path, dpi):
    with pytest.raises(OutputError, match="dpi"):
        render(example_flowset(), tmp_path / "map.png", dpi=dpi)


# --- text from the inputs is drawn literally ----------------------------------------------------------------------

HOSTILE = {
    "sy-idlib": {"name": "Idlib $x$ <script>alert(1)</script>"},
    "cc-atme": {"name": "Atme \\textbf{camp} & \"co\" 'q' ${x}`"},
}


def test_hostile_names_appear_literally_in_svg_text(tmp_path):
    flowset = example_flowset(names=HOSTILE, meta={"title": "Flows <img src=x onerror=alert(1)> $5$"})
    out = render(flowset, tmp_path / "map.svg")
    raw = out.read_text(encoding="utf-8")
    assert "<script>" not in raw and "<img" not in raw  # escaped, so no element is injected
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    texts = svg_text(out)
    assert "Flows <img src=x onerror=alert(1)> $5$" in texts
    assert any("Idlib $x$ <script>alert(1)</script>" in t for t in texts)
    assert any("Atme \\textbf{camp} & \"co\" 'q' ${x}`" in t for t in texts)
    # No mathtext: a "$x$" name would otherwise be drawn as an italic x, without its dollar signs.
    assert not ET.parse(out).getroot().findall(f".//{SVG_NS}g[@id='mathtext']")


HOSTILE_TITLE = "Flows <script>alert(1)</script> $x$ \u202eevil"


def test_hostile_title_in_png_metadata(tmp_path):
    png = render(example_flowset(), tmp_path / "map.png", title=HOSTILE_TITLE)
    with Image.open(png) as image:
        assert image.info["Title"] == HOSTILE_TITLE


def _pdf_info_string(data, key):
    """A literal string of the PDF's document info (``/Title (...)``), unescaped and decoded."""
    start = data.index(b"/" + key + b" (") + len(key) + 3
    raw, i = bytearray(), start
    while data[i:i + 1] != b")":
        if data[i:i + 1] == b"\\":
            i += 1
        raw += data[i:i + 1]
        i += 1
    raw = bytes(raw)
    return raw[2:].decode("utf-16-be") if raw.startswith(b"\xfe\xff") else raw.decode("latin-1")


def test_hostile_title_in_pdf_metadata(tmp_path):
    data = render(example_flowset(), tmp_path / "map.pdf", title=HOSTILE_TITLE).read_bytes()
    assert _pdf_info_string(data, b"Title") == HOSTILE_TITLE
    assert _pdf_info_string(data, b"Creator") == GENERATOR


def test_control_characters_keep_svg_valid(tmp_path):
    flowset = example_flowset(names={"sy-idlib": {"name": "Id\x00lib\x1b[31m"}}, meta={"title": "T\x07itle\x7f"})
    out = render(flowset, tmp_path / "map.svg")
    texts = svg_text(out)  # parses: no raw NUL or ESC in the XML
    assert "T\\x07itle\\x7f" in texts
    assert any("Id\\x00lib\\x1b[31m" in t for t in texts)


def test_plain_keeps_ordinary_and_arabic_text_unchanged():
    for text in ["Maarat al-Numan", "معرة النعمان", "$x$ <b> & \\n", "\u202eabc\u202c", "a\nb"]:
        assert _plain(text) == text
    # Fonts have no glyph for tab or carriage return: drawn as a space and a line break.
    assert _plain("tab\there") == "tab here"
    assert _plain("a\r\nb\rc") == "a\nb\nc"
    assert _plain("nul\x00") == "nul\\x00"
    assert _plain("lone \udc80") == "lone \ufffd"
    assert _plain(None) == "" and _plain(float("nan")) == ""


def test_arabic_names_are_drawn_under_the_english_ones(tmp_path):
    texts = svg_text(render(example_flowset(), tmp_path / "map.svg"))  # one <text> per line of a label
    at = texts.index("Maarat al-Numan")
    assert texts[at + 1] == "معرة النعمان"


# --- what the map shows -------------------------------------------------------------------------------------------

def test_legend_counts_flows_left_out(tmp_path):
    left = [LeftOut("unresolved name", "Kafr Nabl?", 5000.0, ("r9",))]
    out = render(example_flowset(left_out=left), tmp_path / "map.svg", min_people=1000)
    texts = svg_text(out)
    assert "1 flow under 1,000 people (300 people)" in texts
    assert "1 × unresolved name (5,000 people)" in texts
    assert "210,000 people" in texts  # the total drawn
    assert any(t.startswith("Sources: UN OCHA (ReliefWeb)") for t in texts)
    assert any("Map data: Borders © test data (ODbL)." in t and GENERATOR in t for t in texts)


def test_width_legend_shows_reference_figures(tmp_path):
    texts = svg_text(render(example_flowset(), tmp_path / "map.svg"))
    assert {"50,000", "10,000", "2,000"} <= set(texts)
    assert any(t.endswith(" km") for t in texts)  # scale bar
    assert "TURKEY" in texts and "SYRIA" in texts


def test_protected_sites_are_noted(tmp_path):
    texts = svg_text(render(example_flowset(meta={"protect_sites_km": 5}), tmp_path / "map.svg"))
    assert "Camp locations generalised to a grid of at least 5 km to protect the" in " ".join(texts)
    rule = "... (for 5 km: cells of 0.0625 degrees, about 7.0 km north-south)"
    texts = svg_text(render(example_flowset(meta={"protect_sites_km": 5, "protect_rule": rule}), tmp_path / "p.svg"))
    assert "Camp locations generalised to cells of 0.0625° (about 7 km) of a fixed grid" in " ".join(texts)


def test_no_flows_still_draws_a_map(tmp_path):
    out = render(make_flowset([]), tmp_path / "map.png")
    assert out.read_bytes().startswith(b"\x89PNG")


def test_flows_readable_in_black_and_white(tmp_path):
    # One big flow; in greyscale the middle of its curve must be much darker than the land around it.
    flowset = make_flowset([("sy-maarat-al-numan", "cc-atme", 50_000)], incidents=[])
    out = render(flowset, tmp_path / "map.png", dpi=100)
    grey = Image.open(out).convert("L")
    fig_w, fig_h = grey.size
    # Where the curve's midpoint lands in the image: recompute from the same layout the renderer uses.
    from mapper import static

    fig = static._build_figure(flowset, title=None, min_people=0, dpi=100, borders=BORDERS)
    ax = fig.axes[0]
    lat, lon = curve_points(35.6433, 36.6744, 36.2103, 36.6814)[12]
    x, y = ax.transData.transform((lon, lat))
    x, y = int(round(x)), int(round(fig_h - y))
    patch = [grey.getpixel((x + dx, y + dy)) for dx in range(-3, 4) for dy in range(-3, 4)]
    land = grey.getpixel((int(x - 0.25 * fig_w * 0.69), y))
    assert min(patch) < 70, patch  # the flow: dark
    assert land > 200  # the basemap around it: light
    # The destination camp (triangle) and origin (white circle) are told apart by shape and lightness too.
    assert "camp or camp cluster" in svg_text(render(flowset, tmp_path / "map.svg"))


# --- curve geometry -----------------------------------------------------------------------------------------------

def test_curve_starts_and_ends_at_the_places_and_bends_right():
    points = curve_points(35.0, 36.0, 36.0, 36.0, n=24)
    assert len(points) == 24
    assert points[0] == pytest.approx((35.0, 36.0)) and points[-1] == pytest.approx((36.0, 36.0))
    assert points[12][1] > 36.0  # heading north, the curve bows to the right: east
    back = curve_points(36.0, 36.0, 35.0, 36.0)
    assert back[12][1] < 36.0  # the return flow bows the other way, so the two do not overlap


def test_curve_bulge_is_true_to_distance_at_any_latitude():
    # Heading east along a parallel, the bulge (in km) is bend x chord (in km), at 36 degrees north as at the equator.
    points = curve_points(36.0, 36.0, 36.0, 37.0, n=3)
    chord_km = 111.32 * math.cos(math.radians(36.0))
    bulge_km = (36.0 - points[1][0]) * 111.32  # a quadratic Bezier reaches half-way to its control point
    assert bulge_km == pytest.approx(0.5 * 0.2 * chord_km, rel=1e-6)


def _figure(flowset, **kwargs):
    from mapper import static

    kwargs.setdefault("min_people", 0)
    return static._build_figure(flowset, title=None, dpi=72, borders=BORDERS, **kwargs)


def test_camps_are_triangles_and_towns_circles():
    ax = _figure(example_flowset()).axes[0]
    shapes = {}
    for collection in ax.collections:
        if collection.get_offsets().shape[0] and len(collection.get_paths()) == 1:
            vertices = len(collection.get_paths()[0].vertices)
            for lon, lat in collection.get_offsets():
                shapes[(round(lat, 4), round(lon, 4))] = vertices
    assert shapes[(36.2103, 36.6814)] == 4  # Atme camps: a triangle (3 corners + close)
    assert shapes[(36.1705, 36.61)] == 4  # Kah camps
    assert shapes[(35.6433, 36.6744)] > 8  # Maarat al-Numan: a circle
    assert shapes[(35.9306, 36.6339)] > 8  # Idlib


def test_map_is_framed_on_the_flows_with_a_margin():
    ax = _figure(example_flowset()).axes[0]
    (lon_min, lon_max), (lat_min, lat_max) = ax.get_xlim(), ax.get_ylim()
    lats = [p[3] for p in PLACES.values()]
    lons = [p[4] for p in PLACES.values()]
    assert lat_min < min(lats) - 0.05 and max(lats) + 0.05 < lat_max
    assert lon_min < min(lons) - 0.05 and max(lons) + 0.05 < lon_max
    assert lat_max - lat_min < 1.5  # framed on the flows, not on the whole country


def test_scale_bar_length_matches_the_map():
    ax = _figure(example_flowset()).axes[0]
    label = next(t for t in ax.texts if t.get_text().endswith(" km"))
    km = float(label.get_text().split()[0])
    zero = next(t for t in ax.texts if t.get_text() == "0")
    lat = sum(ax.get_ylim()) / 2
    measured_km = (label.get_position()[0] - zero.get_position()[0]) * 111.32 * math.cos(math.radians(lat))
    assert measured_km == pytest.approx(km, rel=1e-6)


def test_min_people_leaves_small_flows_out_of_the_drawing():
    fig = _figure(example_flowset(), min_people=10_000)
    arrows = [c for c in fig.axes[0].collections if c.get_gid() == "flows"]
    assert len(arrows) == 1 and len(arrows[0].get_paths()) == 4  # 90k, 60k, 40k, 12k; not 8,000 nor 300


HOSTILE_STRINGS = [
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "javascript:alert(1)",
    "\"><svg onload=alert(1)>",
    "`${alert(1)}`",
    "\u202eevil\u202c name",
    "$\\frac{a}{b}$ \\\\ 50%",
    "a & b ]]> <!-- x -->",
    "Maarat al-Numan <b>bold</b>",
    "معرة <i>النعمان</i>",
]


def test_hostile_strings_in_every_text_field_are_drawn_literally(tmp_path):
    ids = list(PLACES)
    names = {pid: {"name": text} for pid, text in zip(ids, HOSTILE_STRINGS)}
    flowset = example_flowset(names=names, meta={"title": HOSTILE_STRINGS[1]})
    agencies = HOSTILE_STRINGS[6:]
    flowset.flows["sources"] = [json.dumps([{"agency": agencies[i % len(agencies)], "publisher": HOSTILE_STRINGS[i],
                                             "url": "javascript:alert(1)"}]) for i in range(len(flowset.flows))]
    out = render(flowset, tmp_path / "map.svg")
    texts = svg_text(out)
    assert HOSTILE_STRINGS[1] in texts
    for text in HOSTILE_STRINGS[: len(ids)]:  # the place names (labels)
        assert text in texts, text
    small_print = " ".join(texts)
    for text in agencies:
        assert text in small_print, text
    raw = out.read_text(encoding="utf-8")
    assert "<script" not in raw and "<img" not in raw and "<svg onload" not in raw and "<b>" not in raw
    assert render(flowset, tmp_path / "map.png").read_bytes().startswith(b"\x89PNG")


def test_packaged_basemap_is_used_by_default(tmp_path):
    out = render_image(example_flowset(), tmp_path / "map.svg", dpi=72)
    texts = svg_text(out)
    assert "TURKEY" in texts and "SYRIA" in texts
    assert any("Map data: © OpenStreetMap contributors (ODbL)" in t for t in texts)


def test_markers_and_arrows_use_the_places_table_coordinates():
    # Site protection snaps camps in the places table; the drawing must follow it, not any other copy.
    flowset = example_flowset()
    snapped = (36.22, 36.70)
    at = flowset.places["place_id"] == "cc-atme"
    flowset.places.loc[at, "lat"], flowset.places.loc[at, "lon"] = snapped
    ax = _figure(flowset).axes[0]
    offsets = {(round(lat, 4), round(lon, 4)) for c in ax.collections if c.get_gid() != "flows"
               for lon, lat in c.get_offsets()}
    assert snapped in offsets and (36.2103, 36.6814) not in offsets


def test_tiny_and_zero_flows_draw_without_error(tmp_path):
    flowset = make_flowset([("sy-saraqeb", "sy-idlib", 0.0), ("sy-saraqeb", "cc-kah", 3.0)])
    texts = svg_text(render(flowset, tmp_path / "map.svg"))
    assert "3 people" in texts and "2" in texts  # the width legend shows what it can: a 2-person line


def test_legend_labels_stay_on_the_page_and_say_what_an_approximate_place_stands_for(tmp_path):
    from gazetteer import Gazetteer
    from mapper.flows import build_flows
    from tests.mapper.conftest import PLACES as GAZETTEER_PLACES, make_reports
    from tests.mapper.test_view_counts import ARRIVALS

    flowset = build_flows(make_reports(ARRIVALS), gazetteer=Gazetteer(GAZETTEER_PLACES))
    flowset.places["precision"] = "admin2"  # each counted at its district
    image = Image.open(render(flowset, tmp_path / "map.png", dpi=100)).convert("L")
    width, height = image.size
    # The legend panel ends at 98% of the page's width and cuts what goes beyond: no label reaches its edge.
    edge = int(0.98 * width)
    assert min(image.getpixel((x, y)) for x in range(edge - 4, edge + 1) for y in range(height)) > 230
    texts = " ".join(svg_text(render(flowset, tmp_path / "map.svg")))
    assert "location approximate: district" in texts and "subdistrict" not in texts
