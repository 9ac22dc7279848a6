"""The canvas map at scale (aggregation by zoom, many flows), on a phone (390x844), and with enormous text fields."""

from __future__ import annotations

import time

import pytest

from mapper.render import render_map
from tests.browser.test_map_browser import _assert_clean, _drawn, _point_on_flow, _ready, _visible
from tests.mapper.test_render import make_flowset, make_source
from tests.mapper.test_view import grid_flowset

PANELS = "#idpmap-panel, #idpmap-legend, .leaflet-control-layers"


@pytest.fixture
def phone(browser):
    """A 390x844 touch screen (an iPhone 12-14's CSS size), network cut as in `watched`."""
    from tests.browser.conftest import Watched

    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, device_scale_factor=1)
    page = context.new_page()
    result = Watched(page)
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                  else (result.blocked.append(r.request.url), r.abort()))
    page.on("console", lambda m: result.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: result.page_errors.append(str(e)))
    yield result
    context.close()


def _rects(page, selector):
    return page.evaluate("""(sel) => Array.from(document.querySelectorAll(sel)).map(e => {
        const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, e.id || e.className]; })""",
                         selector)


def _overlap(a, b):
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def test_phone_panels_are_buttons_that_cover_at_most_a_quarter_and_leave_the_zoom_free(phone, example_path):
    page = _ready(phone.open(example_path))
    map_rect = _rects(page, ".idpmap-map")[0]
    area = (map_rect[2] - map_rect[0]) * (map_rect[3] - map_rect[1])
    panels = _rects(page, PANELS)
    assert len(panels) == 3
    assert sum(_overlap(r, map_rect) for r in panels) <= 0.25 * area
    zoom = _rects(page, ".leaflet-control-zoom")[0]
    for rect in panels + _rects(page, ".leaflet-control-attribution, .leaflet-control-scale"):
        assert _overlap(rect, zoom) == 0, rect
    # Touch targets of at least 40 x 40 px.
    for rect in _rects(page, ".leaflet-control-zoom a, .idpmap-toggle, .leaflet-control-layers-toggle"):
        assert rect[2] - rect[0] >= 40 and rect[3] - rect[1] >= 40, rect
    # The legend opens on demand, and closes again.
    assert not page.locator("#idpmap-legend-body").is_visible()
    page.locator("#idpmap-legend .idpmap-toggle").tap()
    assert page.locator("#idpmap-legend-body").is_visible()
    assert "People moved" in page.locator("#idpmap-legend-body").inner_text()
    page.locator("#idpmap-legend .idpmap-toggle").tap()
    assert not page.locator("#idpmap-legend-body").is_visible()
    page.screenshot(path=str(example_path.parent / "phone.png"))
    _assert_clean(phone)


def test_phone_tap_on_a_flow_opens_the_flow_not_the_legend(phone, example_path):
    page = _ready(phone.open(example_path))
    hit = _point_on_flow(page)
    under = page.evaluate("([x, y]) => !!document.elementFromPoint(x, y).closest('.leaflet-control')",
                          [hit["x"], hit["y"]])
    assert not under
    page.touchscreen.tap(hit["x"], hit["y"])
    page.locator(".idpmap-flow-pop").wait_for()
    assert " people" in page.locator(".idpmap-flow-pop").inner_text()
    _assert_clean(phone)


def test_hover_shows_the_flow_under_the_pointer(watched, example_path):
    page = _ready(watched.open(example_path))
    hit = _point_on_flow(page)
    page.mouse.move(hit["x"], hit["y"])
    tip = page.locator(".idpmap-hover")
    tip.wait_for()
    assert "\u2192" in tip.inner_text() and "people" in tip.inner_text()
    _assert_clean(watched)


def test_flows_between_groups_are_summed_at_low_zoom_and_split_as_you_zoom_in(watched, tmp_path):
    flowset = grid_flowset()
    path = tmp_path / "grid.html"
    render_map(flowset, path)
    page = _ready(watched.open(path))
    total = int(flowset.flows["people"].sum())
    levels = {}
    for zoom in (5, 7.5, 11):
        page.evaluate("(z) => window.idpmap.map.setZoom(z, {animate: false})", zoom)
        page.wait_for_timeout(150)
        state = page.evaluate("""() => {
            const nodes = window.idpmap.nodes(), drawn = window.idpmap.drawn();
            const map = window.idpmap.map.getContainer();
            let arrows = 0; drawn.forEach(d => { arrows += d.edge.people; });
            let pin = 0, pout = 0; nodes.forEach(n => { pin += n.pin; pout += n.pout; });
            return {level: map.getAttribute('data-level'), nodes: nodes.length, arrows: arrows, pin: pin, pout: pout,
                    drawn: drawn.length, places: window.idpmap.places.length};
        }""")
        levels[zoom] = state
        # Place totals stay right at every level: in and out over all nodes are the people of all flows.
        assert state["pin"] == state["pout"] == total
        # Arrows carry every flow between different nodes: the rest stays inside a group.
        assert state["arrows"] <= total
    assert (levels[5]["level"], levels[5]["nodes"]) == ("governorate", 3)
    assert (levels[7.5]["level"], levels[7.5]["nodes"]) == ("district", 12)
    assert (levels[11]["level"], levels[11]["nodes"]) == ("place", 120)
    assert levels[5]["drawn"] <= 6 < levels[7.5]["drawn"] <= 132 < levels[11]["drawn"]
    # A group's popup lists it as a group with its totals.
    page.evaluate("(z) => window.idpmap.map.setZoom(z, {animate: false})", 5)
    page.evaluate("() => window.idpmap.openEdge(window.idpmap.drawn()[0].edge)")
    assert "flows" in page.locator(".idpmap-group-pop").inner_text()
    _assert_clean(watched)


def test_largest_or_all_control(watched, tmp_path):
    flowset = grid_flowset(n_flows=1500)
    path = tmp_path / "many.html"
    render_map(flowset, path)
    page = _ready(watched.open(path))
    page.evaluate("() => { window.idpmap.setGrouped(false); }")
    largest = _drawn(page)
    said = page.locator("#idpmap-drawn").inner_text()
    page.locator("#idpmap-all").click()
    everything = _drawn(page)
    assert largest < everything == _visible(page) == 1500
    assert said == f"drawing the largest {largest:,} of {everything:,}"
    assert page.locator("#idpmap-drawn").inner_text() == "1,500 arrows"
    page.locator("#idpmap-top").click()
    assert _drawn(page) == largest
    _assert_clean(watched)


def test_a_one_megabyte_field_opens_in_under_two_seconds(watched, tmp_path):
    huge = "word " * 200_000  # 1 MB, as the red team's legend sources line
    flows = [{"origin": "sy-saraqeb", "dest": "sy-kah", "people": 5000,
              "sources": [make_source("r1", agency=huge, publisher=huge, note=huge)]}]
    path = tmp_path / "huge.html"
    render_map(make_flowset(flows, meta={"title": huge, "attribution": [huge]}), path)
    start = time.perf_counter()
    page = _ready(watched.open(path))
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert time.perf_counter() - start < 2.0
    page.evaluate("() => window.idpmap.openEdge(window.idpmap.drawn()[0].edge)")
    assert "more characters not shown" in page.locator(".idpmap-flow-pop").inner_text()
    _assert_clean(watched)


@pytest.fixture(scope="module")
def example_path(tmp_path_factory):
    from mapper.flows import build_flows
    from mapper.reports import read_reports
    from tests.browser.test_map_browser import EXAMPLE

    path = tmp_path_factory.mktemp("example") / "idlib_dec_2019.html"
    render_map(build_flows(read_reports(EXAMPLE), allow_unresolved=True), path)
    return path


def test_layer_list_names_only_what_the_data_has(watched, tmp_path):
    from mapper.io import read_flows
    from tests.mapper.test_view import write_swiss_pair

    path = tmp_path / "ch.html"
    render_map(read_flows(write_swiss_pair(tmp_path / "ch")), path)
    page = _ready(watched.open(path))
    layers = page.locator(".leaflet-control-layers").inner_text()
    assert "Flows" in layers and "Places" in layers
    for word in ("Syria", "Camps", "Incidents"):
        assert word not in layers
    _assert_clean(watched)


def test_choropleth_layer_draws_and_opens(watched, tmp_path, monkeypatch):
    import sys
    import types

    def admin_areas(level):
        ring = [[36.5, 36.1], [36.8, 36.1], [36.8, 36.3], [36.5, 36.3], [36.5, 36.1]]
        return {"type": "FeatureCollection", "features": [] if level != 2 else [
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
             "properties": {"pcode": "SY0706", "name": "Harim", "name_ar": "حارم", "level": 2,
                            "parent_pcode": "SY07"}}]}

    monkeypatch.setitem(sys.modules, "gazetteer.areas", types.SimpleNamespace(admin_areas=admin_areas))
    path = tmp_path / "areas.html"
    render_map(make_flowset(), path)
    page = _ready(watched.open(path))
    assert page.locator("path.idpmap-area").count() == 1
    assert "People arriving, by district" in page.locator(".leaflet-control-layers").inner_text()
    page.evaluate("() => window.idpmap.map.eachLayer(l => { if (l.feature && l.feature.properties.pcode) "
                  "{ l.openPopup(); } })")
    assert "In: 155,000 people" in page.locator(".idpmap-area-pop").inner_text()
    _assert_clean(watched)


def test_quick_taps_on_the_panels_do_not_zoom_the_map(phone, example_path):
    page = _ready(phone.open(example_path))
    before = page.evaluate("() => [window.idpmap.map.getZoom(), window.idpmap.map.getCenter()]")
    for selector in ("#idpmap-legend .idpmap-toggle", "#idpmap-legend .idpmap-toggle", "#idpmap-panel .idpmap-toggle"):
        page.locator(selector).tap()
    page.wait_for_timeout(600)  # a zoom animation would be over
    assert page.evaluate("() => [window.idpmap.map.getZoom(), window.idpmap.map.getCenter()]") == before
    _assert_clean(phone)


def test_thousands_of_places_share_one_canvas_and_still_open_highlight_and_pan(watched, tmp_path):
    from tests.mapper.test_view import _grid_places

    places = _grid_places(per_district=200)  # 2,400 places: past the 2,000 round markers kept as SVG paths
    ids = sorted(places)
    flows = [{"origin": o, "dest": d, "people": 10 + k, "sources": []} for k, (o, d) in enumerate(zip(ids, ids[1:]))]
    path = tmp_path / "places.html"
    render_map(make_flowset(flows, places=places, incidents=[]), path)
    page = _ready(watched.open(path))
    page.evaluate("() => { window.idpmap.setGrouped(false); }")
    page.locator("#idpmap-all").click()
    assert page.locator(".idpmap-place").count() == 0  # no SVG node per place ...
    assert page.locator(".leaflet-pane canvas").count() == 2  # ... but the arrows' canvas and the places' one
    assert page.locator(".idpmap-label").count() > 0  # the largest places keep their labels
    drawn = _drawn(page)
    assert drawn == len(flows)
    page.wait_for_function("() => window.idpmap.painted() === window.idpmap.drawn().length")
    # Neither canvas paints again while the pointer moves over the map or a drag stays within what they hold.
    page.evaluate("""() => { window.__strokes = 0;
        document.querySelectorAll('.leaflet-pane canvas').forEach(c => { const ctx = c.getContext('2d');
            ['arc', 'quadraticCurveTo'].forEach(name => { const f = ctx[name];
                ctx[name] = function () { window.__strokes++; return f.apply(ctx, arguments); }; }); }); }""")
    for k in range(12):
        page.mouse.move(300 + 40 * k, 250 + 20 * k)
        page.wait_for_timeout(20)
    page.mouse.down()
    page.mouse.move(500, 450, steps=8)
    page.mouse.up()
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__strokes") == 0
    box = page.evaluate("""() => { const m = window.idpmap.map, b = m.getContainer().getBoundingClientRect();
        const p = m.latLngToContainerPoint([34.0, 36.0]); return [b.left + p.x, b.top + p.y]; }""")
    # Hovering a place names it; a click opens it (on the grid's corner, where places crowd: one of them) ...
    page.mouse.move(*box)
    assert page.locator(".idpmap-place-tip").inner_text().startswith("Place 0-0-")
    page.mouse.click(*box)
    assert page.locator(".idpmap-place-pop").is_visible()
    title = page.locator(".idpmap-place-pop .idpmap-pop-title").inner_text()
    assert title.startswith("Place 0-0-")
    # ... and its flows stay bright while the others fade.
    state = page.evaluate("""(name) => { const node = window.idpmap.nodes().find(n => n.name === name);
        return window.idpmap.drawn().map(d => [d.dim, d.edge.o === node.i || d.edge.d === node.i]); }""", title)
    assert any(not dim for dim, _ in state) and any(dim for dim, _ in state)
    assert all(dim != touches for dim, touches in state)
    page.evaluate("() => { window.idpmap.map.closePopup(); }")
    assert not any(page.evaluate("() => window.idpmap.drawn().map(d => d.dim)"))
    page.mouse.move(640, 400)
    page.mouse.down()
    page.mouse.move(100, 200, steps=12)  # beyond the canvas' margin
    page.mouse.up()
    page.wait_for_timeout(300)
    assert _drawn(page) == drawn
    _assert_clean(watched)


def test_all_fills_in_over_frames_without_freezing_and_restarts_on_zoom(watched, tmp_path):
    flowset = grid_flowset(n_flows=3000)
    path = tmp_path / "fill.html"
    render_map(flowset, path)
    page = _ready(watched.open(path))
    page.evaluate("() => { window.idpmap.setGrouped(false); window.idpmap.setSliceSize(40); }")
    # Count the frames the page shows while "all" fills in, and the painted arrows at each.
    page.evaluate("""() => { window.__fill = []; const map = window.idpmap.map.getContainer();
        const tick = () => { window.__fill.push(+map.getAttribute('data-painted-flows'));
            if (window.__fill.length < 2000) requestAnimationFrame(tick); };
        requestAnimationFrame(tick); }""")
    page.locator("#idpmap-all").click()
    assert _drawn(page) == _visible(page) == 3000
    assert "drawing" in page.locator(".idpmap-progress").inner_text()
    page.wait_for_function("() => window.idpmap.painted() === 3000", timeout=30_000)
    fill = page.evaluate("() => window.__fill")
    # Every arrow is painted eventually, a slice per frame, the page drawing frames all along.
    steps = sorted(set(k for k in fill if 0 < k < 3000))
    assert len(steps) >= 3000 // 40 - 2
    assert page.locator(".idpmap-progress").inner_text() == ""
    assert page.locator("#idpmap-drawn").inner_text() == "3,000 arrows"
    # The same arrows as one pass paints, on the same pixels (slices blend where arrows of one look cross, where one
    # pass strokes them as one path: such crossings are a little denser).
    pixels = """() => { const c = document.querySelector('canvas.idpmap-flows');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data); }"""
    sliced = page.evaluate(pixels)
    page.evaluate("() => { window.idpmap.setSliceSize(1000000); window.idpmap.highlight(null); }")
    assert page.evaluate("() => window.idpmap.painted()") == 3000
    whole = page.evaluate(pixels)
    assert len(sliced) == len(whole) and any(whole)
    covered = [(a > 0, b > 0) for a, b in zip(sliced[3::4], whole[3::4])]
    assert sum(a != b for a, b in covered) <= 0.005 * len(covered)
    assert sum(abs(a - b) for a, b in zip(sliced, whole)) / len(whole) < 20
    page.evaluate("() => window.idpmap.setSliceSize(40)")
    # The last (smallest) arrows are there to hover and open.
    hit = _point_on_flow(page)
    page.mouse.click(hit["x"], hit["y"])
    page.locator(".idpmap-flow-pop").wait_for()
    page.evaluate("() => window.idpmap.map.closePopup()")
    # A zoom cancels the rest and starts again, at the new zoom.
    restarted = page.evaluate("""() => { const m = window.idpmap.map; m.setZoom(m.getZoom() + 1, {animate: false});
        return window.idpmap.painted(); }""")
    assert restarted == 40
    page.wait_for_function("() => window.idpmap.painted() === window.idpmap.drawn().length", timeout=30_000)
    _assert_clean(watched)
