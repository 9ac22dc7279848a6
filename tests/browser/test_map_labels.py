"""Place labels and panels on the first view: the data fit in the part of the map no control covers, and no label
is hidden under a panel or cut by the map's edge (desktop and phone)."""

from __future__ import annotations

import pytest

from mapper.render import render_map
from tests.browser.test_map_browser import _assert_clean, _ready
from tests.mapper.test_render import make_flowset

# Places at the corners of a wide area with long names: the east ones sit where the title panel and the legend are
# when the view ignores them, and their labels (drawn to the right of a place) run under the panels or off the map.
CORNERS = {
    "w": ("Western Town", "", "town", 35.0, 36.0, "", "", ""),
    "ne": ("Northeastern Governorate Centre", "مركز المحافظة الشمالية الشرقية", "town", 37.0, 42.0, "", "", ""),
    "se": ("Southeastern Governorate Centre", "مركز المحافظة الجنوبية الشرقية", "town", 33.0, 42.0, "", "", ""),
    "nw": ("Northwestern Hill Village", "", "town", 37.0, 36.2, "", "", ""),
}


@pytest.fixture(scope="module")
def corners_map(tmp_path_factory):
    flows = [{"origin": "w", "dest": "ne", "people": 40000}, {"origin": "w", "dest": "se", "people": 30000},
             {"origin": "nw", "dest": "se", "people": 20000}]
    path = tmp_path_factory.mktemp("corners") / "corners.html"
    render_map(make_flowset(flows, places=CORNERS), path)
    return path


def _layout(page):
    """The map's box, its controls' boxes and every place label: ``(frame, controls, [(name, shown, box)])``."""
    return page.evaluate("""() => {
        const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
        return [box(document.querySelector('.idpmap-map')),
                Array.from(document.querySelectorAll('.leaflet-control')).map(box).filter(b => b[2] > b[0]),
                Array.from(document.querySelectorAll('.leaflet-tooltip.idpmap-label')).map(node => [
                    node.querySelector('.idpmap-en').textContent, getComputedStyle(node).visibility !== 'hidden',
                    box(node)])];
    }""")


def _hits(a, b):
    return a[0] < b[2] and a[2] > b[0] and a[1] < b[3] and a[3] > b[1]


def _inside(box, frame):
    return box[0] >= frame[0] and box[1] >= frame[1] and box[2] <= frame[2] and box[3] <= frame[3]


@pytest.mark.parametrize("width, height", [(1280, 800), (390, 844)])
def test_no_place_label_is_under_a_panel_or_cut_by_the_edge_on_load(browser, corners_map, width, height):
    from tests.browser.conftest import Watched

    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    try:
        watched = Watched(context.new_page())
        page = _ready(watched.open(corners_map))
        page.wait_for_timeout(200)
        frame, controls, labels = _layout(page)
        assert len(controls) >= 5 and len(labels) == len(CORNERS)
        shown = [(name, box) for name, visible, box in labels if visible]
        for name, box in shown:
            assert _inside(box, frame), (name, box, frame)
            assert not any(_hits(box, c) for c in controls), (name, box, controls)
        # Labels are placed, not just hidden: on a desktop screen every one shows, on a phone at least the east
        # ones (the largest), to the left of their places where the right runs off the screen.
        names = {name for name, _ in shown}
        assert names == {v[0] for v in CORNERS.values()} if width > 640 else \
            {CORNERS["ne"][0], CORNERS["se"][0]} <= names
        # Every place's marker is on the map and clear of the controls.
        markers = page.evaluate("""() => Array.from(document.querySelectorAll('path.idpmap-place')).map(e => {
            const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })""")
        assert len(markers) == len(CORNERS)
        for box in markers:
            assert _inside(box, frame) and not any(_hits(box, c) for c in controls), (box, controls)
        # Opening the phone's title panel hides the labels it covers; closing it brings them back.
        if width <= 640:
            page.click("#idpmap-panel .idpmap-toggle")
            frame, controls, labels = _layout(page)
            assert not any(_hits(box, c) for _, visible, box in labels if visible for c in controls)
            page.click("#idpmap-panel .idpmap-toggle")
            assert {name for name, visible, _ in _layout(page)[2] if visible} == names
        _assert_clean(watched)
    finally:
        context.close()
