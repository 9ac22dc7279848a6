"""A map of arrivals-only counts in Chromium: the headline says who arrived where and follows the time filter."""

from __future__ import annotations

from gazetteer import Gazetteer
from mapper.flows import build_flows
from mapper.render import render_map
from tests.mapper.conftest import PLACES, make_reports
from tests.mapper.test_view_counts import ARRIVALS

from .test_map_browser import _assert_clean, _ready


def _open_map(watched, tmp_path, rows):
    """The map of these report rows (the test gazetteer's places), opened and ready in Chromium."""
    path = tmp_path / "map.html"
    render_map(build_flows(make_reports(rows), gazetteer=Gazetteer(PLACES)), path)
    return _ready(watched.open(path))


def test_arrivals_headline_follows_the_time_filter(watched, tmp_path):
    page = _open_map(watched, tmp_path, ARRIVALS)
    total = page.locator("#idpmap-total")
    assert total.inner_text() == "1,750 people arrived in 3 places"
    page.locator("#idpmap-to").focus()
    page.keyboard.press("Home")  # the window shrinks to 1 December 2018: the January count is out
    assert total.inner_text() == "750 people arrived in 2 places"
    page.keyboard.press("End")
    assert total.inner_text() == "1,750 people arrived in 3 places"
    _assert_clean(watched)


def test_region_destination_shows_its_area(watched, tmp_path):
    from tests.mapper.test_view_counts import REGION

    page = _open_map(watched, tmp_path, REGION)
    assert page.locator("path.idpmap-region").count() == 1  # one outlined area: the union of its admin areas
    assert "area the source names" in page.locator("#idpmap-legend").inner_text()
    _assert_clean(watched)


def test_arrivals_map_offers_no_flow_controls(watched, tmp_path):
    page = _open_map(watched, tmp_path, ARRIVALS)
    assert page.locator("#idpmap-time-label").inner_text().startswith("Showing counts between")
    assert not page.locator("#idpmap-show").is_visible()  # no "largest / all" flows to choose between
    _assert_clean(watched)


def test_arrivals_circles_follow_the_time_filter_and_no_flows_layer_is_listed(watched, tmp_path):
    page = _open_map(watched, tmp_path, ARRIVALS)
    layers = page.locator(".leaflet-control-layers").inner_text()
    assert "Flows" not in layers and "Places" in layers  # a map of counts has no flows to switch on or off
    assert page.locator(".idpmap-hint").inner_text() == "Click a place for its count and sources."
    circles = page.locator(".idpmap-place")
    assert circles.count() == 3
    page.locator("#idpmap-to").focus()
    page.keyboard.press("Home")  # the window shrinks to 1 December 2018: Azaz's January count is out
    assert circles.count() == 2
    page.keyboard.press("End")
    assert circles.count() == 3
    page.locator(".idpmap-place").last.click()
    assert "In:" in page.locator(".idpmap-place-pop").inner_text()
    _assert_clean(watched)
