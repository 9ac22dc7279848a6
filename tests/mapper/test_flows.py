"""Flow building: one test per rule of mapper/flows.py (names, origins, splits, triangulation, filters, outputs)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from geopy.distance import geodesic

from gazetteer import Gazetteer, Match
from mapper.errors import MapperError, UnresolvedPlacesError
from mapper.flows import DEFAULT_PRIORITY, agency_rank, build_flows
from mapper.model import FLOW_COLUMNS, INCIDENT_COLUMNS, PLACE_COLUMNS

from .conftest import make_reports

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "idlib_dec_2019" / "reports.csv"


def flows_of(fs):
    """{(origin id, destination id): row} of a FlowSet's flows."""
    return {(r.origin_id, r.dest_id): r for r in fs.flows.itertuples()}


def source_ids(row):
    return sorted(s["report_id"] for s in json.loads(row.sources))


# --------------------------------------------------------------------------------------------- contract


def test_frames_follow_the_model_contract(gazetteer):
    rows = [{"people": 1000}, {"kind": "incident", "origin": "Tal Mannis", "destination": "", "people": 9,
                               "unit": "killed"}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer)
    assert list(fs.flows.columns) == FLOW_COLUMNS + ["geometry"]
    assert list(fs.places.columns) == PLACE_COLUMNS + ["geometry"]
    assert list(fs.incidents.columns) == INCIDENT_COLUMNS + ["geometry"]
    for frame in (fs.flows, fs.places, fs.incidents):
        assert frame.crs.to_epsg() == 4326
    row = fs.flows.iloc[0]
    # LineString from origin to destination, (x=lon, y=lat).
    assert list(row.geometry.coords) == [(row.origin_lon, row.origin_lat), (row.dest_lon, row.dest_lat)]
    assert row.origin_name == "Maarat al-Numan" and row.origin_name_ar == "معرة النعمان"
    assert (row.origin_admin1, row.origin_admin2, row.origin_admin3) == ("SY07", "SY0702", "SY070200")
    assert row.period_start == "2019-12-12" and row.period_end == "2019-12-25"
    assert row.split_rule == "single"


def test_empty_reports_give_empty_frames(gazetteer):
    fs = build_flows(make_reports([]), gazetteer=gazetteer)
    assert fs.flows.empty and fs.places.empty and fs.incidents.empty
    assert list(fs.flows.columns) == FLOW_COLUMNS + ["geometry"]


def test_distance_is_geodesic_and_border_distances_are_filled(gazetteer):
    from mapper.borders import border_distance_km

    fs = build_flows(make_reports([{"people": 1000}]), gazetteer=gazetteer)
    row = fs.flows.iloc[0]
    expected = geodesic((row.origin_lat, row.origin_lon), (row.dest_lat, row.dest_lon)).km
    assert row.distance_km == pytest.approx(expected, abs=0.01)
    assert 60 < row.distance_km < 90  # Maarat al-Numan to Atme
    want = border_distance_km(np.array([row.origin_lat, row.dest_lat]), np.array([row.origin_lon, row.dest_lon]))
    assert row.origin_border_km == pytest.approx(float(want[0]))
    assert row.dest_border_km == pytest.approx(float(want[1]))
    assert row.dest_border_km < row.origin_border_km  # Atme is near the border, Maarat al-Numan far from it


# --------------------------------------------------------------------------------------------- origins


def test_area_origin_is_drawn_from_the_area_point_without_splitting(gazetteer):
    fs = build_flows(make_reports([{"origin": "Maarat al-Numan District", "people": 12000}]), gazetteer=gazetteer)
    assert len(fs.flows) == 1
    row = fs.flows.iloc[0]
    district = gazetteer.by_id("adm-sy0702")
    assert (row.origin_id, row.origin_kind, row.origin_pcode) == ("adm-sy0702", "district", "SY0702")
    assert (row.origin_lat, row.origin_lon) == (district.lat, district.lon)
    assert row.people == 12000


def test_region_origin_is_drawn_from_its_own_point(gazetteer):
    fs = build_flows(make_reports([{"origin": "southern Idlib", "people": 5000}]), gazetteer=gazetteer)
    assert list(fs.flows["origin_id"]) == ["region-southern-idlib"]


def test_several_origins_split_equally(gazetteer):
    fs = build_flows(make_reports([{"origin": "Maarat al-Numan; Saraqeb", "people": 1000}]), gazetteer=gazetteer)
    got = flows_of(fs)
    assert got[("sy-maarat-al-numan", "sy-atme")].people == 500
    assert got[("sy-saraqeb", "sy-atme")].people == 500
    assert all("origin equal (2 origins)" in r.split_rule for r in got.values())


# --------------------------------------------------------------------------------------------- destinations


def test_destinations_split_by_population_when_all_known(gazetteer):
    fs = build_flows(make_reports([{"destination": "Qah camps; Azaz camps", "people": 8000}]), gazetteer=gazetteer)
    got = flows_of(fs)
    assert got[("sy-maarat-al-numan", "cc-qah")].people == pytest.approx(6000)
    assert got[("sy-maarat-al-numan", "cc-azaz")].people == pytest.approx(2000)
    assert {r.split_rule for r in got.values()} == {"by population (2 destinations)"}


def test_destinations_split_equally_when_a_population_is_missing(gazetteer):
    # Atme has a population, Kah has none: equal split.
    fs = build_flows(make_reports([{"destination": "Atme;Kah ; Deir Hassan", "people": 3000}]), gazetteer=gazetteer)
    assert sorted(fs.flows["dest_id"]) == ["sy-atme", "sy-deir-hassan", "sy-kah"]
    assert list(fs.flows["people"]) == [1000, 1000, 1000]
    assert set(fs.flows["split_rule"]) == {"equal (3 destinations)"}


def test_region_destination_is_drawn_to_the_region_itself(gazetteer):
    fs = build_flows(make_reports([{"destination": "camps along the Turkish border", "people": 10000}]),
                     gazetteer=gazetteer)
    [row] = list(fs.flows.itertuples())
    # No camp cluster the source does not name: the arrow ends at the region's own point.
    assert (row.dest_id, row.people, row.split_rule, row.modelled) == ("region-border-camps", 10000, "single",
                                                                       False)
    assert (row.dest_lat, row.dest_lon) == (36.20, 36.70)


def test_region_of_camp_clusters_splits_by_cluster_population_only_when_asked(gazetteer):
    fs = build_flows(make_reports([{"destination": "camps along the Turkish border", "people": 10000}]),
                     gazetteer=gazetteer, split_regions=True)
    got = {r.dest_id: r.people for r in fs.flows.itertuples()}
    assert got == {"cc-atme": 6000, "cc-qah": 3000, "cc-azaz": 1000}
    assert set(fs.flows["split_rule"]) == {"modelled split: by population within camps along the Turkish border "
                                           "(3 camp clusters)"}
    assert fs.flows["modelled"].all() and fs.meta.split_regions


def test_modelled_split_stays_inside_the_regions_area(gazetteer):
    from gazetteer import Gazetteer, Place

    from .conftest import PLACES

    # A region of Idlib governorate whose members include a cluster in Aleppo: the split never reaches it.
    places = PLACES + [Place("region-idlib-camps", "Idlib camps", "region", 36.2, 36.6, admin1="SY07",
                             source="test"),
                       Place("cc-in", "Inside camps", "camp_cluster", 36.3, 36.62, admin1="SY07", admin2="SY0703",
                             admin3="SY070301", parent="region-idlib-camps", population=100, source="test"),
                       Place("cc-out", "Outside camps", "camp_cluster", 36.6, 37.0, admin1="SY02", admin2="SY0204",
                             admin3="SY020400", parent="region-idlib-camps", population=900, source="test")]
    fs = build_flows(make_reports([{"destination": "Idlib camps", "people": 999}]), gazetteer=Gazetteer(places),
                     split_regions=True)
    assert [(r.dest_id, r.people, r.modelled) for r in fs.flows.itertuples()] == [("cc-in", 999, True)]


def test_cluster_of_camps_splits_equally_when_a_camp_lacks_population(gazetteer):
    fs = build_flows(make_reports([{"destination": "Atme camps", "people": 2001}]), gazetteer=gazetteer,
                     split_regions=True)
    got = {r.dest_id: r.people for r in fs.flows.itertuples()}
    # Whole people: the odd person goes to one camp (largest remainder, the first on a tie).
    assert sorted(got.values()) == [1000, 1001] and sum(got.values()) == 2001
    assert set(fs.flows["split_rule"]) == {"modelled split: equal within Atme camps (2 camps)"}


def test_named_destinations_then_members_split_in_two_steps(gazetteer):
    # Idlib (165,000) against the border camps (100,000 in their clusters), then within the clusters.
    fs = build_flows(make_reports([{"destination": "Idlib; camps along the Turkish border", "people": 265000}]),
                     gazetteer=gazetteer, split_regions=True)
    got = {r.dest_id: r.people for r in fs.flows.itertuples()}
    assert got == {"sy-idlib": 165000, "cc-atme": 60000, "cc-qah": 30000, "cc-azaz": 10000}
    rule = fs.flows.set_index("dest_id").loc["cc-atme", "split_rule"]
    assert rule == ("by population (2 destinations); "
                    "modelled split: by population within camps along the Turkish border (3 camp clusters)")
    assert fs.flows["people"].sum() == 265000
    assert not dict(zip(fs.flows["dest_id"], fs.flows["modelled"]))["sy-idlib"]


def test_report_without_destination_is_left_out_not_dropped(gazetteer):
    fs = build_flows(make_reports([{"destination": "", "people": 4000, "report_id": "lonely"}]),
                     gazetteer=gazetteer)
    assert fs.flows.empty
    [entry] = fs.left_out
    assert entry.what == "no destination" and entry.people == 4000 and entry.report_ids == ("lonely",)


def test_report_with_neither_origin_nor_destination_is_left_out(gazetteer):
    fs = build_flows(make_reports([{"origin": "", "destination": "", "people": 10}]), gazetteer=gazetteer)
    assert [e.what for e in fs.left_out] == ["no origin or destination"]


# --------------------------------------------------------------------------------------------- triangulation


def _exodus_rows():
    """The December 2019 exodus as the articles report it (figures, dates and agencies only)."""
    return [
        {"report_id": "ocha", "agency": "UN OCHA", "people": 235000, "period_start": "2019-12-12",
         "period_end": "2019-12-25", "origin": "southern Idlib", "destination": "Idlib; camps along the Turkish border",
         "published": "2019-12-27"},
        {"report_id": "srcg-215", "agency": "SRCG", "people": 215000, "period_start": "2019-11-01",
         "period_end": "2019-12-25", "origin": "Idlib Governorate", "destination": "", "published": "2019-12-25"},
        {"report_id": "srcg-10", "agency": "Syria Response Coordination Group", "people": 10000,
         "period_start": "2019-12-22", "period_end": "2019-12-25", "origin": "Idlib Governorate",
         "destination": "Kah; Deir Hassan; Atme", "published": "2019-12-25"},
        {"report_id": "rct-12", "agency": "Response Coordinators Team", "people": 12000,
         "period_start": "2019-12-16", "period_end": "2019-12-17", "origin": "Marratinnuman district",
         "destination": "the Turkish border", "published": "2019-12-17"},
        {"report_id": "rct-110", "agency": "RCT", "people": 110000, "period_start": "2019-11-01",
         "period_end": "2019-12-17", "origin": "Idlib Governorate", "destination": "", "published": "2019-12-17"},
        {"report_id": "osdh", "agency": "OSDH", "people": 30000, "period_start": "2019-12-19",
         "period_end": "2019-12-22", "origin": "Maarat al-Numan", "destination": "", "published": "2019-12-22"},
    ]


def test_exodus_from_southern_idlib_is_ochas_figure_not_a_sum(gazetteer):
    fs = build_flows(make_reports(_exodus_rows()), gazetteer=gazetteer)
    assert fs.flows["people"].sum() == pytest.approx(235000)
    assert set(fs.flows["origin_id"]) == {"region-southern-idlib"}
    assert set(fs.flows["period_start"]) == {"2019-12-12"} and set(fs.flows["period_end"]) == {"2019-12-25"}
    # Every report backs the flows; the range comes only from reports whose scope bounds OCHA's: SRCG's
    # 215,000 for all Idlib since 1 November (wider) is below it -- a disagreement, noted -- while the 24-hour
    # and 3-day counts (inside it) are lower bounds below the estimate, and RCT's 110,000 up to 17 December
    # (not covering 12-25 December) bounds nothing.
    for row in fs.flows.itertuples():
        assert source_ids(row) == ["ocha", "osdh", "rct-110", "rct-12", "srcg-10", "srcg-215"]
        assert row.note.startswith("sources disagree: SRCG's 215,000 (2019-11-01 to 2019-12-25)")
    assert fs.flows["people_min"].sum() == 215000 and fs.flows["people_max"].sum() == 235000
    assert fs.meta.notes == [fs.flows["note"].iloc[0]]
    assert fs.left_out == []


def test_priority_list_is_configurable(gazetteer):
    fs = build_flows(make_reports(_exodus_rows()), gazetteer=gazetteer, priority=["RCT", "UN OCHA"])
    # RCT's 12,000 (Dec 16-17) is the first drawable report of RCT, the highest agency now.
    assert fs.flows["people"].sum() == pytest.approx(12000)
    assert set(fs.flows["origin_id"]) == {"adm-sy0702"}
    assert set(fs.flows["period_start"]) == {"2019-12-16"}


def test_overlapping_reports_of_one_movement_take_the_priority_agency(gazetteer):
    rows = [{"agency": "SOHR", "people": 30000, "report_id": "a"},
            {"agency": "OCHA", "people": 20000, "report_id": "b", "period_start": "2019-12-20",
             "period_end": "2019-12-31"},
            {"agency": "Some blog", "people": 90000, "report_id": "c"}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer)
    [row] = list(fs.flows.itertuples())
    assert row.people == 20000
    # a and c cover 12-25 December, b 20-31 December: neither period contains the other, so they bound nothing.
    assert (row.people_min, row.people_max) == (20000, 20000)
    assert source_ids(row) == ["a", "b", "c"]
    # The chosen report's period, not the union.
    assert (row.period_start, row.period_end) == ("2019-12-20", "2019-12-31")


def test_min_and_max_span_every_report_of_the_cluster(gazetteer):
    rows = [{"agency": "UN OCHA", "people": 5000, "people_min": 4000, "people_max": 6000},
            {"agency": "SOHR", "people": 8000, "people_min": 7000, "people_max": 9000},
            {"agency": "RCT", "people": 3000, "people_min": 2500, "people_max": 3000}]
    [row] = list(build_flows(make_reports(rows), gazetteer=gazetteer).flows.itertuples())
    assert (row.people, row.people_min, row.people_max) == (5000, 2500, 9000)


def test_ties_go_to_the_latest_published_then_the_largest(gazetteer):
    rows = [{"report_id": "old", "people": 9000, "published": "2019-12-20"},
            {"report_id": "new", "people": 7000, "published": "2019-12-27"},
            {"report_id": "undated", "people": 9500, "published": ""}]
    assert build_flows(make_reports(rows), gazetteer=gazetteer).flows["people"].sum() == 7000
    rows = [{"report_id": "x", "people": 7000, "published": "2019-12-27"},
            {"report_id": "y", "people": 8000, "published": "2019-12-27"}]
    assert build_flows(make_reports(rows), gazetteer=gazetteer).flows["people"].sum() == 8000


def test_reports_that_do_not_overlap_add_up(gazetteer):
    rows = [{"people": 1000, "period_start": "2019-12-01", "period_end": "2019-12-05", "report_id": "early"},
            {"people": 2000, "period_start": "2019-12-06", "period_end": "2019-12-09", "report_id": "late"}]
    [row] = list(build_flows(make_reports(rows), gazetteer=gazetteer).flows.itertuples())
    assert row.people == 3000
    assert (row.people_min, row.people_max) == (3000, 3000)
    assert (row.period_start, row.period_end) == ("2019-12-01", "2019-12-09")
    assert source_ids(row) == ["early", "late"]


def test_overlap_is_transitive_through_a_chain_of_periods(gazetteer):
    rows = [{"people": 1000, "period_start": "2019-12-01", "period_end": "2019-12-05", "agency": "SOHR"},
            {"people": 2000, "period_start": "2019-12-05", "period_end": "2019-12-10", "agency": "RCT"},
            {"people": 3000, "period_start": "2019-12-10", "period_end": "2019-12-12", "agency": "UN OCHA"}]
    assert build_flows(make_reports(rows), gazetteer=gazetteer).flows["people"].sum() == 3000


def test_a_long_report_joins_the_separate_reports_it_spans(gazetteer):
    # Two OCHA counts a week apart add up ... until a longer report of the same movement spans both.
    rows = [{"origin": "Maarat al-Numan District", "people": 5000, "period_start": "2019-12-01",
             "period_end": "2019-12-03", "report_id": "week1"},
            {"origin": "Maarat al-Numan District", "people": 7000, "period_start": "2019-12-10",
             "period_end": "2019-12-12", "report_id": "week2"}]
    assert build_flows(make_reports(rows), gazetteer=gazetteer).flows["people"].sum() == 12000
    rows.append({"origin": "Maarat al-Numan", "people": 9000, "agency": "SOHR", "period_start": "2019-12-02",
                 "period_end": "2019-12-11", "report_id": "span"})
    [row] = list(build_flows(make_reports(rows), gazetteer=gazetteer).flows.itertuples())
    assert row.people == 7000  # OCHA's larger count, not a sum
    assert source_ids(row) == ["span", "week1", "week2"]


def test_different_movements_in_the_same_period_add_up(gazetteer):
    rows = [
        # Different origin subdistricts.
        {"origin": "Saraqeb", "destination": "Atme", "people": 1000},
        {"origin": "Kafr Nabl", "destination": "Atme", "people": 2000, "agency": "SOHR"},
        # Same origin, destinations in different subdistricts (Dana vs Azaz).
        {"origin": "Maarat al-Numan", "destination": "Atme", "people": 4000},
        {"origin": "Maarat al-Numan", "destination": "Azaz", "people": 8000},
    ]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer)
    assert len(fs.flows) == 4
    assert fs.flows["people"].sum() == 15000


def test_same_area_different_spellings_and_levels_triangulate(gazetteer):
    # A town and the district containing it, Atme town and the Atme camp cluster (both in Dana subdistrict).
    rows = [{"origin": "Marratinnuman", "destination": "Atme", "people": 4000, "agency": "RCT"},
            {"origin": "Maarat al-Numan District", "destination": "Atme camps", "people": 6000,
             "agency": "UN OCHA"}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer)
    assert fs.flows["people"].sum() == 6000
    assert set(fs.flows["origin_id"]) == {"adm-sy0702"}


def test_reports_that_only_cross_are_different_movements(gazetteer):
    # One is wider at the origin (a district), the other at the destination (a district): neither contains the
    # other, so both are drawn ...
    rows = [{"origin": "Maarat al-Numan District", "destination": "Atme", "people": 4000, "report_id": "a"},
            {"origin": "Maarat al-Numan", "destination": "Harim District", "people": 6000, "report_id": "b",
             "agency": "SOHR"}]
    assert build_flows(make_reports(rows), gazetteer=gazetteer).flows["people"].sum() == 10000
    # ... until a report containing both (the district to the district) ties them into one movement.
    rows.append({"origin": "Maarat al-Numan District", "destination": "Harim District", "people": 7000,
                 "report_id": "c", "agency": "RCT"})
    [row] = list(build_flows(make_reports(rows), gazetteer=gazetteer).flows.itertuples())
    assert (row.origin_id, row.dest_id, row.people) == ("adm-sy0702", "sy-atme", 4000)
    assert source_ids(row) == ["a", "b", "c"]


def test_report_without_origin_backs_flows_into_its_destination(gazetteer):
    rows = [{"origin": "", "destination": "Atme", "people": 50000, "agency": "UN OCHA", "report_id": "arrivals"},
            {"origin": "Saraqeb", "destination": "Atme", "people": 3000, "agency": "SOHR", "report_id": "s"}]
    [row] = list(build_flows(make_reports(rows), gazetteer=gazetteer).flows.itertuples())
    # Only a report with both ends can be drawn; the arrivals (an upper bound, above the estimate) back the flow.
    assert (row.people, row.people_min, row.people_max) == (3000, 3000, 3000)
    assert source_ids(row) == ["arrivals", "s"]
    fs = build_flows(make_reports(rows[:1]), gazetteer=gazetteer)
    assert [(e.what, e.people, e.report_ids) for e in fs.left_out] == [("no origin", 50000, ("arrivals",))]


def test_row_order_does_not_change_the_flows(gazetteer):
    rows = _exodus_rows() + [{"origin": "Kafr Nabl", "destination": "Azaz", "people": 777, "agency": "SOHR"},
                             {"origin": "Kafr Nabl", "destination": "Azaz", "people": 999, "agency": "SOHR",
                              "report_id": "twin"}]
    frame = make_reports(rows)
    first = build_flows(frame, gazetteer=gazetteer)
    for seed in range(5):
        shuffled = frame.sample(frac=1, random_state=seed)
        again = build_flows(shuffled, gazetteer=gazetteer)
        pd.testing.assert_frame_equal(pd.DataFrame(first.flows), pd.DataFrame(again.flows))
        pd.testing.assert_frame_equal(pd.DataFrame(first.places), pd.DataFrame(again.places))


def test_agency_names_are_matched_through_aliases():
    assert agency_rank("OCHA") == agency_rank("United Nations Office for the Coordination of Humanitarian Affairs") == 0
    assert agency_rank("OSDH") == agency_rank("Syrian Observatory for Human Rights") == DEFAULT_PRIORITY.index("SOHR")
    assert agency_rank("Maarat al-Numan Local Council") == DEFAULT_PRIORITY.index("local council")
    assert agency_rank("Unknown Agency") == len(DEFAULT_PRIORITY)
    assert agency_rank("Someone", ["Someone", "UN OCHA"]) == 0


# --------------------------------------------------------------------------------------------- units


def test_flows_carry_people_converted_from_families(gazetteer):
    # read_reports converts 1,000 families into 5,000 people; the flow carries people, the source the figure.
    row = {"unit": "families", "figure_min": 1000, "figure_max": 1000, "people": 5000}
    [flow] = list(build_flows(make_reports([row]), gazetteer=gazetteer).flows.itertuples())
    assert flow.people == 5000
    [src] = json.loads(flow.sources)
    assert (src["figure"], src["unit"], src["people"]) == (1000, "families", 5000)


def test_sources_hold_the_documented_fields(gazetteer):
    row = {"report_id": "x1", "agency": "UN OCHA", "publisher": "The New Arab", "published": "2019-12-27",
           "url": "https://example.org/a", "qualifier": "more than", "note": "past two weeks", "people": 235000}
    [flow] = list(build_flows(make_reports([row]), gazetteer=gazetteer).flows.itertuples())
    [src] = json.loads(flow.sources)
    assert src == {"report_id": "x1", "agency": "UN OCHA", "publisher": "The New Arab", "published": "2019-12-27",
                   "url": "https://example.org/a", "figure": 235000, "figure_min": 235000, "figure_max": 235000,
                   "qualifier": "more than", "unit": "people", "people": 235000, "period_start": "2019-12-12",
                   "period_end": "2019-12-25", "note": "past two weeks"}


def test_sources_keep_quotes_backslashes_and_newlines_intact(gazetteer):
    rows = [{"report_id": 'say "hi"\\x', "note": "line one\nline \"two\"", "publisher": "Zaman \\ Wasl",
             "agency": "مكتب تنسيق الشؤون الإنسانية"}]
    [flow] = list(build_flows(make_reports(rows), gazetteer=gazetteer).flows.itertuples())
    [src] = json.loads(flow.sources)
    assert src["report_id"] == 'say "hi"\\x'
    assert src["note"] == "line one\nline \"two\""
    assert src["publisher"] == "Zaman \\ Wasl"
    assert src["agency"] == "مكتب تنسيق الشؤون الإنسانية"


# --------------------------------------------------------------------------------------------- window


def test_window_keeps_overlapping_reports_without_prorating(gazetteer):
    rows = [{"report_id": "before", "period_start": "2019-11-01", "period_end": "2019-11-30", "people": 111},
            {"report_id": "across", "period_start": "2019-12-05", "period_end": "2019-12-15", "people": 1000,
             "origin": "Saraqeb"},
            {"report_id": "after", "period_start": "2020-01-05", "period_end": "2020-01-06", "people": 222,
             "origin": "Kafr Nabl"}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer, start="2019-12-10", end="2019-12-31")
    assert fs.flows["people"].sum() == 1000  # the whole figure, not the 6 days of 11 inside the window
    [out] = fs.left_out
    assert out.what == "outside window" and out.people == 333
    assert sorted(out.report_ids) == ["after", "before"]
    assert (fs.meta["period_start"], fs.meta["period_end"]) == ("2019-12-10", "2019-12-31")


def test_open_ended_window_and_bad_window(gazetteer):
    rows = [{"period_start": "2019-11-01", "period_end": "2019-11-30", "people": 5},
            {"period_start": "2020-02-01", "period_end": "2020-02-03", "people": 7, "origin": "Saraqeb"}]
    assert build_flows(make_reports(rows), gazetteer=gazetteer, start="2020-01-01").flows["people"].sum() == 7
    assert build_flows(make_reports(rows), gazetteer=gazetteer, end="2019-12-01").flows["people"].sum() == 5
    with pytest.raises(MapperError, match="2019-12-01"):
        build_flows(make_reports(rows), gazetteer=gazetteer, start="2020-01-01", end="2019-12-01")
    with pytest.raises(MapperError, match="'Dec 2019'"):
        build_flows(make_reports(rows), gazetteer=gazetteer, start="Dec 2019")


# --------------------------------------------------------------------------------------------- min-people


def test_min_people_leaves_small_flows_out_and_lists_them(gazetteer):
    rows = [{"origin": "Saraqeb", "people": 499, "report_id": "small"},
            {"origin": "Kafr Nabl", "people": 500, "report_id": "big"}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer, min_people=500)
    assert list(fs.flows["origin_id"]) == ["sy-kafr-nabl"]
    [out] = fs.left_out
    assert (out.what, out.people, out.report_ids) == ("below min-people", 499, ("small",))
    assert "Saraqeb" in out.detail and "Atme" in out.detail
    # Place totals count drawn flows only.
    assert "sy-saraqeb" not in set(fs.places["place_id"])
    assert fs.meta["min_people"] == 500


# --------------------------------------------------------------------------------------------- levels


def test_admin2_level_aggregates_and_conserves_people(gazetteer):
    rows = [{"origin": "Maarat al-Numan", "destination": "Atme", "people": 1000},
            {"origin": "Kafr Nabl", "destination": "Kah", "people": 2000, "agency": "SOHR"},
            {"origin": "Saraqeb", "destination": "Azaz", "people": 4000}]
    place = build_flows(make_reports(rows), gazetteer=gazetteer)
    fs = build_flows(make_reports(rows), gazetteer=gazetteer, level="admin2")
    assert fs.flows["people"].sum() == place.flows["people"].sum() == 7000
    got = {(r.origin_id, r.dest_id): r.people for r in fs.flows.itertuples()}
    # Maarat al-Numan and Kafr Nabl are both in Maarat al-Numan district; Atme and Kah in Harim district.
    assert got == {("adm-sy0702", "adm-sy0703"): 3000, ("adm-sy0700", "adm-sy0204"): 4000}
    [merged] = [r for r in fs.flows.itertuples() if r.origin_id == "adm-sy0702"]
    assert len(source_ids(merged)) == 2
    assert fs.meta["level"] == "admin2"


def test_admin1_level_and_places_without_that_level(gazetteer):
    rows = [{"origin": "southern Idlib", "destination": "Azaz", "people": 1000},
            {"origin": "Saraqeb", "destination": "Atme", "people": 500, "agency": "SOHR",
             "period_start": "2020-01-01", "period_end": "2020-01-02"}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer, level="admin1")
    got = {(r.origin_id, r.dest_id): r.people for r in fs.flows.itertuples()}
    # The region stays a region (noted); Saraqeb -> Atme stays inside Idlib governorate as a zero-length flow.
    assert got == {("region-southern-idlib", "adm-sy02"): 1000, ("adm-sy07", "adm-sy07"): 500}
    assert any("southern Idlib" in note for note in fs.meta["level_notes"])
    inside = fs.flows[fs.flows["origin_id"] == "adm-sy07"].iloc[0]
    assert inside.distance_km == 0


def test_admin3_level_keeps_a_coarser_place_as_it_is(gazetteer):
    rows = [{"origin": "Maarat al-Numan District", "destination": "Atme", "people": 1000}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer, level="admin3")
    assert list(fs.flows["origin_id"]) == ["adm-sy0702"]
    assert list(fs.flows["dest_id"]) == ["adm-sy070301"]


def test_place_without_the_level_goes_to_its_finest_coarser_area(gazetteer):
    # This Bidama's subdistrict and district are not in the gazetteer: at admin3 it goes to its governorate.
    rows = [{"origin": "Bidama", "origin_within": "SY0704", "destination": "Atme", "people": 100}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer, level="admin3")
    assert list(fs.flows["origin_id"]) == ["adm-sy07"]
    assert fs.meta["level_notes"] == ["Bidama kept at admin1: no admin3 area for it in the gazetteer"]


def test_bad_options_name_the_value(gazetteer):
    frame = make_reports([{}])
    with pytest.raises(MapperError, match="'country'"):
        build_flows(frame, gazetteer=gazetteer, level="country")
    with pytest.raises(MapperError, match="-5"):
        build_flows(frame, gazetteer=gazetteer, min_people=-5)
    with pytest.raises(MapperError, match="protect_sites_km"):
        build_flows(frame, gazetteer=gazetteer, protect_sites_km=0)
    with pytest.raises(MapperError, match="missing column"):
        build_flows(frame.drop(columns=["origin"]), gazetteer=gazetteer)


# --------------------------------------------------------------------------------------------- names


class _SuggestingGazetteer(Gazetteer):
    """A gazetteer whose "did you mean" always offers Saraqeb (the real search is the gazetteer's own business)."""

    def search(self, name, limit=5, *, within=None):
        return [Match(name, self.by_id("sy-saraqeb"), "fuzzy", 80.0)]


def test_unresolved_names_are_listed_together_with_suggestions(gazetteer):
    suggesting = _SuggestingGazetteer(gazetteer.places)
    rows = [{"origin": "Saraqebb Sharqi", "people": 10}, {"destination": "Nowhereville", "people": 20},
            {"destination": "Atme; Nowhereville", "people": 30}]
    with pytest.raises(UnresolvedPlacesError) as info:
        build_flows(make_reports(rows), gazetteer=suggesting)
    err = info.value
    assert set(err.unresolved) == {"Saraqebb Sharqi", "Nowhereville"}
    assert err.unresolved["Saraqebb Sharqi"] == ["Saraqeb"]
    assert "Saraqebb Sharqi" in str(err) and "Nowhereville" in str(err) and "did you mean Saraqeb" in str(err)
    # With the real gazetteer the suggestions are its search results.
    with pytest.raises(UnresolvedPlacesError) as info:
        build_flows(make_reports(rows), gazetteer=gazetteer)
    assert info.value.unresolved["Nowhereville"] == [m.place.name for m in gazetteer.search("Nowhereville", 3)]


def test_ambiguous_names_are_errors_listing_candidates_until_context_decides(gazetteer):
    rows = [{"kind": "incident", "origin": "Bidama", "destination": "", "people": 6, "unit": "killed"}]
    with pytest.raises(UnresolvedPlacesError) as info:
        build_flows(make_reports(rows), gazetteer=gazetteer)
    [(label, candidates)] = info.value.unresolved.items()
    assert "Bidama" in label and "ambiguous" in label
    assert any("sy-bidama-maarra" in c for c in candidates) and any("sy-bidama-jisr" in c for c in candidates)
    rows[0]["origin_within"] = "SY0702"
    fs = build_flows(make_reports(rows), gazetteer=gazetteer)
    assert list(fs.incidents["place_id"]) == ["sy-bidama-maarra"]


def test_allow_unresolved_lists_left_out_reports_and_builds_the_rest(gazetteer):
    rows = [{"origin": "Saraqebb Sharqi", "people": 10, "report_id": "bad1"},
            {"destination": "Atme; Nowhereville", "people": 30, "report_id": "bad2"},
            {"origin": "Bidama", "people": 40, "report_id": "amb"},
            {"people": 1000, "report_id": "good"}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer, allow_unresolved=True)
    assert fs.flows["people"].sum() == 1000
    left = {e.report_ids: e for e in fs.left_out}
    assert left[("bad1",)].what == "unresolved name" and left[("bad1",)].people == 10
    assert "Saraqebb Sharqi" in left[("bad1",)].detail
    assert left[("bad2",)].people == 30 and "Nowhereville" in left[("bad2",)].detail
    assert left[("amb",)].what == "ambiguous name"


def test_unknown_context_is_reported_not_crashed(gazetteer):
    rows = [{"origin": "Saraqeb", "origin_within": "Atlantis", "people": 10}]
    with pytest.raises(UnresolvedPlacesError, match="Saraqeb"):
        build_flows(make_reports(rows), gazetteer=gazetteer)


class _CountingGazetteer(Gazetteer):
    """A gazetteer that counts the names it is asked to resolve."""

    asked: list

    def resolve_many(self, names, *, within=None):
        names = list(names)
        self.asked.extend((n, within) for n in names)
        return super().resolve_many(names, within=within)


def test_each_distinct_name_is_resolved_once(gazetteer):
    counting = _CountingGazetteer(gazetteer.places)
    counting.asked = []
    rows = [{"origin": "Maarat al-Numan", "destination": "Atme;Kah", "people": 10}] * 50
    rows += [{"origin": "Saraqeb", "destination": "Atme", "destination_within": "SY07", "people": 10}] * 50
    build_flows(make_reports(rows), gazetteer=counting)
    assert sorted(counting.asked, key=str) == sorted(
        [("Atme", None), ("Kah", None), ("Maarat al-Numan", None), ("Saraqeb", None), ("Atme", "SY07")], key=str)


# --------------------------------------------------------------------------------------------- incidents, places


def test_incidents_are_points_with_their_sources(gazetteer):
    rows = [{"kind": "incident", "origin": "Tal Mannis", "destination": "", "people": 9, "unit": "killed",
             "report_id": "strike", "period_start": "2019-12-17", "period_end": "2019-12-17",
             "agency": "Syrian Civil Defence"},
            {"people": 1000}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer)
    assert len(fs.flows) == 1 and fs.flows["people"].sum() == 1000
    assert build_flows(make_reports(rows), gazetteer=gazetteer, start="2019-12-18").incidents.empty
    placeless = build_flows(make_reports([dict(rows[0], origin="")]), gazetteer=gazetteer)
    assert placeless.incidents.empty
    assert [(e.what, e.report_ids) for e in placeless.left_out] == [("no place", ("strike",))]
    [inc] = list(fs.incidents.itertuples())
    assert (inc.report_id, inc.place_id, inc.figure, inc.unit) == ("strike", "sy-tal-mannis", 9, "killed")
    assert (inc.geometry.x, inc.geometry.y) == (inc.lon, inc.lat)
    assert [s["agency"] for s in json.loads(inc.sources)] == ["Syrian Civil Defence"]


def test_places_hold_in_out_and_net(gazetteer):
    rows = [{"origin": "Maarat al-Numan", "destination": "Idlib", "people": 1000},
            {"origin": "Idlib", "destination": "Atme", "people": 300, "agency": "SOHR"}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer)
    got = fs.places.set_index("place_id")
    assert got.loc["sy-idlib", ["people_in", "people_out", "net"]].tolist() == [1000, 300, 700]
    assert got.loc["sy-maarat-al-numan", "net"] == -1000
    assert got.loc["sy-atme", "people_in"] == 300
    assert (got["border_km"] >= 0).all()
    assert got.loc["sy-atme", "border_km"] < got.loc["sy-maarat-al-numan", "border_km"]


# --------------------------------------------------------------------------------------------- protect sites, meta


def test_protect_sites_snaps_camps_but_not_towns(gazetteer):
    rows = [{"destination": "Atme camps", "people": 2000}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer, protect_sites_km=5)
    exact = {p.id: (p.lat, p.lon) for p in gazetteer.places}
    for row in fs.flows.itertuples():
        assert (row.dest_lat, row.dest_lon) != exact[row.dest_id]
        assert abs(row.dest_lat - exact[row.dest_id][0]) <= 5 / 111.32 / 2 + 1e-9
        assert row.geometry.coords[1] == (row.dest_lon, row.dest_lat)
        assert (row.origin_lat, row.origin_lon) == exact[row.origin_id]
    # Both camps are in the same 5 km cell: the same point.
    assert fs.flows["dest_lat"].nunique() == 1
    camps = fs.places[fs.places["kind"] == "camp"]
    assert not any((r.lat, r.lon) == exact[r.place_id] for r in camps.itertuples())
    assert fs.meta["protect_sites_km"] == 5


def test_meta_describes_the_build(gazetteer):
    from mapper.atomic import GENERATOR

    fs = build_flows(make_reports(_exodus_rows()), gazetteer=gazetteer, level="admin2", min_people=500)
    meta = fs.meta
    assert meta["title"] == "Displacement flows"
    assert (meta["period_start"], meta["period_end"]) == ("2019-12-12", "2019-12-25")
    assert meta["level"] == "admin2" and meta["min_people"] == 500
    assert meta["priority"] == list(DEFAULT_PRIORITY)
    assert meta["protect_sites_km"] is None
    assert meta["generator"] == GENERATOR
    assert meta["attribution"] and all(isinstance(a, str) for a in meta["attribution"])


# --------------------------------------------------------------------------------------------- the example


def test_example_totals():
    from mapper.reports import read_reports

    reports = read_reports(EXAMPLE)
    # Every place of the example resolves (Kafr Lusian at its subdistrict with precision admin3, Bidama as the town
    # Badama in its context SY0704): the build needs no allow_unresolved and leaves nothing out.
    fs = build_flows(reports)
    assert len(fs.left_out) == 0
    unplaced = set()
    # 12-25 December from southern Idlib: OCHA's 235,000, not a sum of the agencies' figures.
    from_south = fs.flows[fs.flows["origin_name"] == "southern Idlib"]
    assert from_south["people"].sum() == pytest.approx(235000)
    assert fs.flows["people"].sum() == pytest.approx(235000)
    assert set(fs.flows["period_start"]) == {"2019-12-12"} and set(fs.flows["period_end"]) == {"2019-12-25"}
    # Every displacement report that was placed backs the flows.
    sources = {s["report_id"] for row in fs.flows.itertuples() for s in json.loads(row.sources)}
    placed = set(reports.loc[reports["kind"] == "displacement", "report_id"]) - unplaced
    assert sources == placed
    assert fs.flows["people_max"].sum() == pytest.approx(235000)
    # The strikes are context points.
    assert {"Tal Mannis", "Maasaran", "Maar Shamshah"} <= set(fs.incidents["name"])
    assert set(fs.incidents["report_id"]) == set(reports.loc[reports["kind"] == "incident", "report_id"]) - unplaced


def test_a_wide_report_does_not_hide_two_movements_of_different_months_when_none_can_be_drawn(gazetteer):
    # Nothing names a destination. The wide report (all Idlib, May to August) contains both others, which do not
    # overlap each other: the May and August movements are left out one by one, each with its own people.
    rows = [{"report_id": "wide", "origin": "Idlib Governorate", "destination": "", "people": 72000,
             "period_start": "2019-05-01", "period_end": "2019-08-22", "agency": "CCCM"},
            {"report_id": "may", "origin": "Saraqeb", "destination": "", "people": 173000,
             "period_start": "2019-05-01", "period_end": "2019-05-16", "agency": "CCCM"},
            {"report_id": "aug", "origin": "Maarat al-Numan", "destination": "", "people": 80000,
             "period_start": "2019-08-19", "period_end": "2019-08-21", "agency": "UN OCHA"}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer)
    left = {frozenset(entry.report_ids): entry.people for entry in fs.left_out}
    assert left == {frozenset({"aug", "wide"}): 80000, frozenset({"may"}): 173000}
    assert all(entry.what == "no destination" for entry in fs.left_out)


def test_a_larger_figure_that_only_partly_matches_the_drawn_movement_is_said(gazetteer):
    rows = [{"report_id": "drawn", "origin": "Maarat al-Numan", "destination": "Atme", "people": 3000,
             "period_start": "2019-12-01", "period_end": "2019-12-31"},
            {"report_id": "wider-place-shorter-time", "origin": "Idlib Governorate", "destination": "",
             "people": 28000, "period_start": "2019-12-10", "period_end": "2019-12-12", "agency": "SRCG"}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer)
    assert fs.flows["people"].sum() == 3000
    assert fs.meta.notes == ["sources differ: SRCG's 28,000 (2019-12-10 to 2019-12-12) for an area or period that "
                             "only partly matches this movement is above UN OCHA's 3,000 (2019-12-01 to 2019-12-31)"]
    assert fs.flows["note"].iloc[0] == fs.meta.notes[0]


def test_names_matched_by_spelling_alone_are_named_in_a_note(gazetteer):
    """A name no spelling of a place gives, matched to the place written most alike, is said (a camp called "Al
    Izza" matched the village of Jizeh, 400 km away, in silence); names the gazetteer knows are not."""
    known = build_flows(make_reports([{"origin": "Maarat al-Numan", "destination": "Atme"}]), gazetteer=gazetteer)
    assert not any("spelling" in note for note in known.meta.notes)
    typo = build_flows(make_reports([{"origin": "Maarat al-Nuwan", "destination": "Atme"}]), gazetteer=gazetteer)
    assert len(typo.flows) == 1 and typo.flows["origin_name"][0] == "Maarat al-Numan"  # still mapped
    [note] = [n for n in typo.meta.notes if n.startswith("Names matched to a place by spelling alone")]
    assert "'Maarat al-Nuwan' \u2192 Maarat al-Numan (" in note and "% alike)" in note
    assert "Atme" not in note
