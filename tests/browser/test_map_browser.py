"""The offline HTML map in a real browser (Chromium through Playwright) with the network cut off."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from mapper.render import render_map
from tests.hostile import HOSTILE_STRINGS
from tests.mapper.test_render import PLACES, make_flowset, make_source

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "idlib_dec_2019" / "reports.csv"
SCREENSHOT = ROOT / "docs" / "idlib_dec_2019.png"
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The shipped example, built the way `idpmap map examples/idlib_dec_2019/reports.csv` builds it."""
    from mapper.flows import build_flows
    from mapper.reports import read_reports

    # As the README builds it: the example names three villages the gazetteer cannot place (examples/README).
    flowset = build_flows(read_reports(EXAMPLE), allow_unresolved=True)
    path = tmp_path_factory.mktemp("example") / "idlib_dec_2019.html"
    render_map(flowset, path)
    return flowset, path


@pytest.fixture(scope="module")
def split_example(tmp_path_factory):
    """The example with --split-regions: the modelled split draws the border camp clusters, a few km apart."""
    from mapper.flows import build_flows
    from mapper.reports import read_reports

    flowset = build_flows(read_reports(EXAMPLE), allow_unresolved=True, split_regions=True)
    path = tmp_path_factory.mktemp("split_example") / "idlib_dec_2019_split.html"
    render_map(flowset, path)
    return flowset, path


def _ready(page, frame=None):
    target = frame or page
    target.wait_for_function("() => window.idpmap !== undefined")
    return target


def _count(target, selector):
    return target.evaluate(f"document.querySelectorAll({json.dumps(selector)}).length")


def _assert_clean(watched):
    assert watched.blocked == []
    assert watched.console_errors == []
    assert watched.page_errors == []
    assert watched.dialogs == []


def test_example_map_loads_offline_and_draws_every_flow(watched, example):
    flowset, path = example
    page = watched.open(path)
    _ready(page)
    assert page.url.startswith("file://")
    assert page.evaluate("typeof window.L") == "object"
    assert page.evaluate("L.version") == "1.9.3"
    assert len(flowset.flows) > 0
    # Every flow is drawn on one canvas: no DOM node per flow.
    assert _drawn(page) == len(flowset.flows)
    assert _count(page, "canvas.idpmap-flows") == 1 and _count(page, "path.idpmap-flow") == 0
    assert _count(page, ".idpmap-place") == len(flowset.places)
    assert _count(page, ".idpmap-incident") == len(flowset.incidents)
    assert page.locator("#idpmap-legend").is_visible()
    assert page.locator("#idpmap-panel").is_visible()
    assert page.locator(".leaflet-control-scale").is_visible()
    assert page.locator(".leaflet-control-layers").is_visible()
    # Main places are labelled in English and, right to left, in Arabic.
    assert _count(page, ".idpmap-label [dir=rtl][lang=ar]") > 0
    assert page.locator(".idpmap-border-text").first.is_visible()
    _assert_clean(watched)


def _drawn(target):
    return int(target.evaluate("document.querySelector('.idpmap-map').getAttribute('data-drawn-flows')"))


def _point_on_flow(page, rank=0):
    """Page coordinates of a point on a drawn arrow (the rank-th largest) and the index of its first flow."""
    return page.evaluate(
        """(rank) => {
        const drawn = window.idpmap.drawn();
        const order = drawn.map((d, k) => k).sort((a, b) => drawn[b].edge.people - drawn[a].edge.people || a - b);
        const k = order[rank], pt = window.idpmap.pointOf(k);
        const box = window.idpmap.map.getContainer().getBoundingClientRect();
        return {i: drawn[k].edge.members[0], x: box.left + pt.x, y: box.top + pt.y};
    }""",
        rank,
    )


def test_clicking_a_flow_opens_its_popup_with_its_sources(watched, example):
    flowset, path = example
    page = _ready(watched.open(path))
    hit = _point_on_flow(page)
    page.mouse.click(hit["x"], hit["y"])
    popup = page.locator(".idpmap-flow-pop")
    popup.wait_for()
    text = popup.inner_text()
    flow = page.evaluate("(i) => window.idpmap.flowData[i]", hit["i"])
    origin = page.evaluate("(i) => window.idpmap.places[i].name", flow["o"])
    dest = page.evaluate("(i) => window.idpmap.places[i].name", flow["d"])
    row = flowset.flows[(flowset.flows["origin_name"] == origin) & (flowset.flows["dest_name"] == dest)].iloc[0]
    assert f"{round(row['people']):,} people" in text
    sources = json.loads(row["sources"])
    assert sources
    for source in sources:
        assert source["agency"] in text
    assert "Period:" in text
    _assert_clean(watched)


def test_clicking_a_place_lists_its_flows_and_highlights_them(watched, split_example):
    _flowset, path = split_example
    page = _ready(watched.open(path))
    # The largest camp destination: some flows reach it, others not.
    page.evaluate("""() => {
        const p = window.idpmap.places.filter(x => x.kind === 'camp_cluster').sort((a, b) => b.pin - a.pin)[0];
        window.idpmap.map.eachLayer(l => { if (l.getLatLng && l.getPopup && l.getPopup() &&
            l.getLatLng().lat === p.lat && l.getLatLng().lng === p.lon) { l.openPopup(); } });
    }""")
    popup = page.locator(".idpmap-place-pop")
    popup.wait_for()
    assert "out:" in popup.inner_text() and "Flows (" in popup.inner_text() and "net:" in popup.inner_text()
    # Its flows stay bright, the others fade.
    state = page.evaluate("""() => window.idpmap.drawn().map(d => [d.dim,
        window.idpmap.nodes()[d.edge.d].kind === 'camp_cluster' && window.idpmap.nodes()[d.edge.d].pin ===
        Math.max(...window.idpmap.nodes().filter(n => n.kind === 'camp_cluster').map(n => n.pin))])""")
    assert len(state) == len(_flowset.flows)
    assert any(not dim for dim, _ in state) and any(dim for dim, _ in state)
    assert all(dim != reaches for dim, reaches in state)
    page.keyboard.press("Escape")
    _assert_clean(watched)


def _visible(page):
    return int(page.evaluate("document.querySelector('.idpmap-map').getAttribute('data-visible-flows')"))


def _window(page):
    return page.evaluate("""() => [document.getElementById('idpmap-from').value,
        document.getElementById('idpmap-to').value].map(d => new Date(d * 864e5).toISOString().slice(0, 10))""")


def _in_window(flows, start, end):
    return int(sum((str(a)[:10] <= end) and (str(b)[:10] >= start)
                   for a, b in zip(flows["period_start"], flows["period_end"])))


def test_time_filter_shows_only_flows_in_the_window(watched, example):
    flowset, path = example
    page = _ready(watched.open(path))
    total = _visible(page)
    assert total == len(flowset.flows) == _drawn(page)
    headline = page.locator("#idpmap-total").inner_text()
    assert headline == f"{int(flowset.flows['people'].round().sum()):,} people in {total} flows shown"
    to_slider = page.locator("#idpmap-to")
    to_slider.focus()
    page.keyboard.press("Home")  # the window shrinks to its first day
    start, end = _window(page)
    assert start == end
    shown = _visible(page)
    assert shown == _in_window(flowset.flows, start, end) < total
    assert _drawn(page) == shown
    assert f"between {start} and {end}" in page.locator("#idpmap-time-label").inner_text()
    # The headline total follows the window (issue 12 section 5).
    assert page.locator("#idpmap-total").inner_text() != headline
    assert page.locator("#idpmap-total").inner_text().endswith(f"people in {shown} flows shown")
    page.keyboard.press("End")
    assert _visible(page) == total and page.locator("#idpmap-total").inner_text() == headline
    _assert_clean(watched)


def test_time_filter_steps_through_periods(watched, tmp_path):
    flowset = make_flowset()  # flows over 1-5, 12-25 and 20-25 December
    path = tmp_path / "periods.html"
    render_map(flowset, path)
    page = _ready(watched.open(path))
    assert _visible(page) == 4
    page.locator("#idpmap-to").focus()
    page.keyboard.press("Home")  # window: 1 December only
    for _ in range(6):
        page.keyboard.press("ArrowRight")  # ... to 7 December
    assert _window(page) == ["2019-12-01", "2019-12-07"]
    assert _visible(page) == _drawn(page) == 1  # Saraqeb -> Dana, 1-5 December
    assert page.locator("#idpmap-total").inner_text() == "10,000 people in 1 flow shown"
    page.locator("#idpmap-from").focus()
    for _ in range(19):
        page.keyboard.press("ArrowRight")  # from 20 Dec: the 'to' slider follows
    start, end = _window(page)
    assert start == "2019-12-20" and end >= start
    assert _visible(page) == _drawn(page) == _in_window(flowset.flows, start, end) == 3
    assert _count(page, ".idpmap-incident") == 1  # the strike of 20 December
    _assert_clean(watched)


def _hostile_map(tmp_path, texts):
    """A map whose every text field (place names, sources, notes, title, split rule) holds hostile strings."""
    places = dict(PLACES)
    flows = []
    for i, text in enumerate(texts):
        key = f"sy-hostile-{i}"
        places[key] = (text, text, "town", 35.55 + 0.01 * i, 36.45 + 0.008 * i, "", "SY07", text)
        flows.append({"origin": key, "dest": "sy-atme", "people": 1000 + i, "split_rule": text,
                      "sources": [make_source(text, agency=text, publisher=text, published=text, url=text,
                                              note=text)]})
    flowset = make_flowset(flows, places=places, meta={"title": texts[0], "attribution": [texts[0]]},
                           incidents=[{"name": t, "name_ar": t, "lat": 35.6, "lon": 36.9, "note": t}
                                      for t in texts[:5]])
    path = tmp_path / "hostile.html"
    render_map(flowset, path, title=texts[0])
    return path


def _open_every_popup(page):
    return page.evaluate("""() => {
        const m = window.idpmap.map;
        let n = 0;
        window.idpmap.setGrouped(false);
        window.idpmap.setShowAll(true);
        window.idpmap.drawn().slice().forEach(item => { window.idpmap.openEdge(item.edge); n++; });
        m.eachLayer(l => { if (l.getPopup && l.getPopup() && l.openPopup) { l.openPopup(); n++; } });
        return n;
    }""")


def test_hostile_name_shows_as_text_and_runs_nothing(watched, tmp_path):
    path = _hostile_map(tmp_path, [HOSTILE])
    page = _ready(watched.open(path))
    label = page.locator(".idpmap-label", has_text=HOSTILE)
    assert label.count() >= 1
    _open_every_popup(page)
    page.evaluate("() => window.idpmap.openEdge(window.idpmap.drawn()[0].edge)")
    page.wait_for_timeout(200)
    assert _count(page, "img") == 0
    assert HOSTILE in page.locator(".leaflet-popup-content").last.inner_text()
    assert HOSTILE in page.title()
    assert HOSTILE in page.locator(".idpmap-title").inner_text()
    _assert_clean(watched)


def test_hostile_corpus_executes_nothing(watched, tmp_path):
    path = _hostile_map(tmp_path, HOSTILE_STRINGS)
    page = _ready(watched.open(path))
    url = page.url
    before = page.evaluate("document.querySelectorAll('script, iframe, object, embed, img, link, base, meta').length")
    opened = _open_every_popup(page)
    assert opened >= len(HOSTILE_STRINGS)
    page.wait_for_timeout(300)
    after = page.evaluate("document.querySelectorAll('script, iframe, object, embed, img, link, base, meta').length")
    assert after == before  # no injected element
    assert page.url == url  # no navigation
    assert _count(page, "a[href^='javascript:' i], a[href^='data:' i], a[href^='vbscript:' i]") == 0
    assert _count(page, "[onerror], [onload], [onclick], [onmouseover], [onfocus]") == 0
    assert _drawn(page) == len(HOSTILE_STRINGS)
    _assert_clean(watched)


def test_map_works_inside_an_iframe(watched, example, tmp_path):
    flowset, path = example
    shutil.copy(path, tmp_path / "map.html")
    parent = tmp_path / "report.html"
    parent.write_text('<!DOCTYPE html><html><body><h1>Situation report</h1>'
                      '<iframe src="map.html" width="1000" height="650" title="map"></iframe></body></html>',
                      encoding="utf-8")
    page = watched.open(parent)
    frame = page.frame_locator("iframe")
    frame.locator(".idpmap-legend").wait_for()
    child = next(f for f in page.frames if f.url.endswith("map.html"))
    _ready(page, child)
    assert _drawn(child) == len(flowset.flows)
    assert child.evaluate("typeof window.L") == "object"
    _assert_clean(watched)


def test_screenshot_of_the_example(watched, example, tmp_path):
    """The README's screenshot; IDPMAP_UPDATE_SCREENSHOT=1 writes it to docs/."""
    _flowset, path = example
    page = _ready(watched.open(path))
    page.wait_for_timeout(300)
    shot = tmp_path / "idlib_dec_2019.png"
    page.screenshot(path=str(shot))
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == 1200 and int.from_bytes(data[20:24], "big") == 800
    if os.environ.get("IDPMAP_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copy(shot, SCREENSHOT)
    _assert_clean(watched)


def _labels(page):
    """Permanent place labels: ``[(name, shown, (left, top, right, bottom)), ...]``."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.leaflet-tooltip.idpmap-label')).map(node => {
            const r = node.getBoundingClientRect();
            return [node.querySelector('.idpmap-en').textContent, getComputedStyle(node).visibility !== 'hidden',
                    [r.left, r.top, r.right, r.bottom]];
        })""")


def _overlapping(labels):
    shown = [(name, box) for name, visible, box in labels if visible]
    return [(a, b) for i, (a, ra) in enumerate(shown) for b, rb in shown[i + 1:]
            if ra[0] < rb[2] and ra[2] > rb[0] and ra[1] < rb[3] and ra[3] > rb[1]]


def _placed_elsewhere(page):
    """Whether a label box lies under a map control or reaches out of the map (declutter hides those too)."""
    frame, controls = page.evaluate("""() => {
        const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
        return [box(document.querySelector('.idpmap-map')),
                Array.from(document.querySelectorAll('.leaflet-control')).map(box)];
    }""")

    def test(box):
        outside = box[0] < frame[0] or box[1] < frame[1] or box[2] > frame[2] or box[3] > frame[3]
        return outside or any(box[0] < c[2] and box[2] > c[0] and box[1] < c[3] and box[3] > c[1] for c in controls)
    return test


def test_labels_never_cover_each_other_and_the_bigger_place_keeps_its_label(watched, split_example):
    flowset, path = split_example
    page = _ready(watched.open(path))
    page.wait_for_timeout(200)
    labels = _labels(page)
    assert _overlapping(labels) == []
    hidden = [name for name, visible, _ in labels if not visible]
    # The border camp clusters lie a few km apart: at the first view some of their labels must give way ...
    assert hidden
    # ... always to a bigger place: every hidden label overlaps a shown label of a place at least as big (or, on
    # neither side of its place, would fit in the map clear of the controls).
    size = {row.name: max(row.people_in, row.people_out) for row in flowset.places.itertuples()}
    boxes = {name: box for name, _, box in labels}
    elsewhere = _placed_elsewhere(page)
    for name in hidden:
        assert elsewhere(boxes[name]) or any(
            visible and size[other] >= size[name] and box[0] < boxes[name][2] and box[2] > boxes[name][0]
            and box[1] < boxes[name][3] and box[3] > boxes[name][1] for other, visible, box in labels
            if other != name), name
    # Zooming in makes room: labels hidden for a bigger place's come back, and still none covers another.
    page.evaluate("() => window.idpmap.map.setZoom(window.idpmap.map.getZoom() + 2, {animate: false})")
    page.wait_for_timeout(300)
    zoomed = _labels(page)
    assert _overlapping(zoomed) == []
    clashing = [name for name, visible, box in zoomed if not visible and not elsewhere(box)]
    assert len(clashing) < len([name for name in hidden if not elsewhere(boxes[name])])
    _assert_clean(watched)
