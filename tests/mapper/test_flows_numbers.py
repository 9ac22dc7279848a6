"""Numbers you can trust (issue 12): counts and estimates, every report accounted for, series, whole people,
protected sites that several grids cannot narrow down."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mapper.flows import build_flows
from mapper.model import FlowMeta
from mapper.reports import read_reports

from .conftest import make_reports


def ids_of(sources_text):
    return [s["report_id"] for s in json.loads(sources_text)]


def accounted(fs):
    """report id -> the places it was found in ("flow", "place", "incident", "left out")."""
    where = {}
    for text in fs.flows["sources"]:
        for rid in set(ids_of(text)):
            where.setdefault(rid, set()).add("flow")
    for text in fs.places["sources"]:
        for rid in set(ids_of(text)):
            where.setdefault(rid, set()).add("place")
    for text in fs.incidents["sources"]:
        for rid in set(ids_of(text)):
            where.setdefault(rid, set()).add("incident")
    for item in fs.left_out:
        for rid in item.report_ids:
            where.setdefault(rid, set()).add("left out")
    return where


def left_people(fs):
    return sum(item.people for item in fs.left_out)


# ------------------------------------------------------------------------------------------------ counts


def test_counts_of_distinct_groups_add_up_and_never_triangulate(gazetteer):
    # Five tracked counts into five places of Dana subdistrict: distinct groups, not five estimates of one.
    dests = ["Atme", "Kah", "Deir Hassan", "Qah camps", "Atme camps"]
    rows = [{"kind": "count", "destination": d, "people": 300 + i, "report_id": f"c{i}"}
            for i, d in enumerate(dests)]
    rows.append({"kind": "count", "origin": "Maarat al-Numan District", "destination": "Dana Subdistrict",
                 "people": 40, "report_id": "wide"})
    fs = build_flows(make_reports(rows), gazetteer=gazetteer)
    assert sorted(fs.flows["people"]) == [40, 300, 301, 302, 303, 304]
    assert fs.meta.total_people == 1550
    assert all(len(ids_of(s)) == 1 for s in fs.flows["sources"])


def test_an_estimate_covering_counts_is_shown_beside_their_sum_never_added(gazetteer):
    rows = [{"report_id": "est", "people": 10000, "origin": "Maarat al-Numan District",
             "destination": "Dana Subdistrict", "period_start": "2019-12-01", "period_end": "2019-12-31"},
            {"report_id": "c1", "kind": "count", "people": 1200, "origin": "Maarat al-Numan", "destination": "Atme",
             "period_start": "2019-12-10", "period_end": "2019-12-20"},
            {"report_id": "c2", "kind": "count", "people": 800, "origin": "Maarat al-Numan", "destination": "Kah",
             "period_start": "2019-12-10", "period_end": "2019-12-20"}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer)
    [row] = list(fs.flows.itertuples())
    assert row.people == 10000 and fs.meta.total_people == 10000
    assert sorted(ids_of(row.sources)) == ["c1", "c2", "est"]
    assert "tracked counts inside this estimate: 2,000 people in 2 count(s), shown beside it, not added" in row.note
    # Counts above the estimate they lie in: the sources disagree, and the map says so.
    rows[1]["people"] = 12000
    fs = build_flows(make_reports(rows), gazetteer=gazetteer)
    assert fs.flows["people"].sum() == 10000
    assert any(n.startswith("sources disagree: tracked counts inside this estimate: 12,800") for n in fs.meta.notes)


def test_arrivals_and_departures_counts_are_the_places_own_totals(gazetteer):
    rows = [{"kind": "count", "origin": "", "destination": "Atme", "people": 500, "report_id": "in-1"},
            {"kind": "count", "origin": "", "destination": "Atme", "people": 250, "report_id": "in-2"},
            {"kind": "count", "origin": "Saraqeb", "destination": "", "people": 90, "report_id": "out-1"}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer)
    # No flow from a made-up origin: the places carry the counts, with their sources.
    assert fs.flows.empty
    places = fs.places.set_index("place_id")
    assert (places.at["sy-atme", "people_in"], places.at["sy-atme", "people_out"]) == (750, 0)
    assert (places.at["sy-saraqeb", "people_in"], places.at["sy-saraqeb", "people_out"]) == (0, 90)
    assert sorted(ids_of(places.at["sy-atme", "sources"])) == ["in-1", "in-2"]
    assert fs.meta.total_people == 840 and fs.left_out == []


def test_six_row_regression_every_report_is_somewhere(gazetteer):
    # The six-row file that lost a report: counts with and without an origin, one into an unknown place.
    rows = [{"kind": "count", "origin": "Maarat al-Numan", "destination": "Qah camps", "people": 608},
            {"kind": "count", "origin": "Maarat al-Numan", "destination": "Atme", "people": 412},
            {"kind": "count", "origin": "Saraqeb", "destination": "Atme camps", "people": 317},
            {"kind": "count", "origin": "", "destination": "Kah", "people": 200},
            {"kind": "count", "origin": "Saraqeb", "destination": "Nowhere Town", "people": 100},
            {"kind": "count", "origin": "Maarat al-Numan District", "destination": "Dana Subdistrict",
             "people": 1637}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer, allow_unresolved=True)
    where = accounted(fs)
    assert sorted(where) == [f"r{i}" for i in range(1, 7)]
    assert all(len(places) == 1 for places in where.values())
    assert fs.meta.total_people + left_people(fs) == 608 + 412 + 317 + 200 + 100 + 1637
    # No figure shows up as another flow's bound.
    assert (fs.flows["people_min"] == fs.flows["people"]).all() and (fs.flows["people_max"] == fs.flows["people"]).all()


ORIGINS = ["Maarat al-Numan", "Saraqeb", "Idlib Governorate", "southern Idlib", "Maarat al-Numan; Saraqeb", "",
           "Nowhere Town"]
DESTINATIONS = ["Atme", "Kah; Deir Hassan", "Azaz", "camps along the Turkish border", "Atme camps", "", "Elsewhere"]
row_strategy = st.fixed_dictionaries({
    "kind": st.sampled_from(["displacement", "count"]),
    "origin": st.sampled_from(ORIGINS),
    "destination": st.sampled_from(DESTINATIONS),
    "people": st.floats(min_value=1, max_value=300000, allow_nan=False).map(lambda v: round(v, 1)),
    "review": st.booleans(),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(row_strategy, min_size=1, max_size=12), st.booleans())
def test_accounting_invariant_every_row_once_and_every_person(gazetteer, items, split):
    day0 = dt.date(2019, 12, 1)
    rows = []
    for i, item in enumerate(items):
        start = day0 + dt.timedelta(days=3 * i)  # periods apart: no triangulation, every row stands alone
        rows.append({"report_id": f"r{i:02d}", "kind": item["kind"], "origin": item["origin"],
                     "destination": item["destination"], "people": item["people"], "period_start": start,
                     "period_end": start + dt.timedelta(days=1),
                     "status": "needs_review" if item["review"] and i % 3 == 0 else ""})
    frame = make_reports(rows)
    fs = build_flows(frame, gazetteer=gazetteer, allow_unresolved=True, split_regions=split)
    where = accounted(fs)
    assert sorted(where) == sorted(r["report_id"] for r in rows)
    assert all(len(places) == 1 for places in where.values()), where
    # Drawn + left out = every person of the input, each figure rounded half up to a whole person.
    total = sum(math.floor(r["people"] + 0.5) for r in rows)
    assert fs.meta.total_people + left_people(fs) == total
    assert fs.flows["people"].sum() + sum(fs.places["people_in"]) - fs.flows["people"].sum() <= total
    for col in ("people", "people_min", "people_max"):
        assert all(isinstance(v, int) for v in fs.flows[col].tolist())


def test_needs_review_rows_are_listed_not_mapped(tmp_path, gazetteer):
    path = tmp_path / "reports.csv"
    path.write_text("report_id,kind,figure,unit,period_start,period_end,origin,destination,status,review_note\n"
                    "a,displacement,5000,people,2019-12-01,2019-12-05,Saraqeb,Atme,,\n"
                    "b,displacement,twelve-ish,,2019-13-01,,,,needs_review,figure unclear in the article\n"
                    "c,displacement,700,people,2019-12-01,2019-12-05,Saraqeb,Kah,needs_review,which Kah?\n",
                    encoding="utf-8")
    frame = read_reports(path)
    fs = build_flows(frame, gazetteer=gazetteer)
    assert fs.flows["people"].tolist() == [5000]
    review = {item.report_ids: (item.what, item.people, item.detail) for item in fs.left_out}
    assert review == {("b",): ("needs review", 0, "figure unclear in the article"),
                      ("c",): ("needs review", 700, "which Kah?")}


# ------------------------------------------------------------------------------------------------ whole people


def test_splits_and_decimals_give_whole_people_that_add_up(gazetteer):
    rows = [{"destination": "Atme; Kah; Deir Hassan", "people": 1000.4, "people_min": 900.5,
             "people_max": 1100.6}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer)
    assert fs.flows["people"].sum() == 1000
    assert fs.flows["people_min"].sum() == 901 and fs.flows["people_max"].sum() == 1101
    assert sorted(fs.flows["people"]) == [333, 333, 334]
    assert fs.flows["people"].dtype.kind == "i"


# ------------------------------------------------------------------------------------------------ series


def test_a_cumulative_series_becomes_increments_that_add_up_to_its_last_total(gazetteer):
    totals = [("2020-01-01", 300000), ("2020-01-08", 312000), ("2020-01-27", 390000), ("2020-02-26", 948000)]
    rows = [{"report_id": f"s{i}", "people": n, "period_start": "2019-12-01", "period_end": end,
             "series": "since 1 December", "origin": "southern Idlib", "destination": "Idlib"}
            for i, (end, n) in enumerate(totals)]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer)
    assert fs.meta.series is True
    assert fs.meta.total_people == 948000 and fs.flows["people"].sum() == 948000
    # One flow per interval (so a time filter shows the series grow), each backed by its own report.
    got = [(r.period_start, r.period_end, r.people, ids_of(r.sources)) for r in fs.flows.itertuples()]
    assert got == [("2019-12-01", "2020-01-01", 300000, ["s0"]), ("2020-01-02", "2020-01-08", 12000, ["s1"]),
                   ("2020-01-09", "2020-01-27", 78000, ["s2"]), ("2020-01-28", "2020-02-26", 558000, ["s3"])]
    # In a window, only the increments of that window count: nothing is counted twice.
    fs = build_flows(make_reports(rows), gazetteer=gazetteer, start="2020-01-28")
    assert fs.flows["people"].sum() == 558000
    assert fs.meta.total_people + left_people(fs) == 948000


def test_a_series_that_goes_down_is_noted_and_adds_nothing(gazetteer):
    rows = [{"report_id": "a", "people": 500, "period_end": "2019-12-20", "series": "x"},
            {"report_id": "b", "people": 400, "period_end": "2019-12-25", "series": "x"}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer)
    assert fs.meta.total_people == 500
    assert any("below the 500 before it" in note for note in fs.meta.notes)


# ------------------------------------------------------------------------------------------------ P-codes, HXL


def test_an_ocha_table_with_hxl_p_codes_reads_and_accounts_for_everyone(tmp_path, gazetteer):
    path = tmp_path / "arrivals.csv"
    path.write_text(
        "governorate,governorate_pcode,subdistrict_pcode,community,community_pcode,idp_flow_estimation\n"
        "#adm1+name,#adm1+code,#adm3+code,#loc+name,#loc+code,#affected+idps\n"
        "Idlib,SY07,SY070301,Dana,SY070301,1200\n"
        "Idlib,SY07,SY070200,Maarat,C9999,300\n"
        "Aleppo,SY02,SY020400,Azaz,SY020400,50\n", encoding="utf-8")
    frame = read_reports(path, defaults={"kind": "count", "period_start": "2018-12-01",
                                         "period_end": "2018-12-31", "agency": "UN OCHA"})
    assert list(frame["report_id"]) == ["line-3", "line-4", "line-5"]
    assert list(frame["destination_pcode"]) == ["SY070301", "C9999", "SY020400"]
    assert list(frame["destination_within"]) == ["SY070301", "SY070200", "SY020400"]
    fs = build_flows(frame, gazetteer=gazetteer, allow_unresolved=True)
    places = fs.places.set_index("place_id")["people_in"].to_dict()
    assert places == {"adm-sy070301": 1200, "adm-sy020400": 50}
    [missing] = fs.left_out
    assert (missing.what, missing.people, missing.report_ids) == ("unknown P-code", 300, ("line-4",))
    assert fs.meta.total_people + missing.people == 1550


def test_an_ocha_table_without_its_hxl_row_reads_by_its_column_names(tmp_path):
    """HNAP tables as exported (no HXL row): governorate_pcode, subdistrict_pcode, community, community_pcode and
    idp_flow_estimation stand for OCHA's tags, so the table maps as it comes, every person at their community."""
    path = tmp_path / "arrivals.csv"
    path.write_text(
        "governorate,governorate_pcode,subdistrict,subdistrict_pcode,community,community_pcode,idp_flow_estimation\n"
        "Idleb,SY07,Dana,SY070301,Atma,C4130,1200\n"
        "Idleb,SY07,Dana,SY070301,A spelling no gazetteer has,C4131,300\n", encoding="utf-8")
    frame = read_reports(path, defaults={"kind": "count", "period_start": "2018-12-01", "period_end": "2018-12-31"})
    fs = build_flows(frame)
    arrivals = fs.places.set_index("pcode")["people_in"].to_dict()
    assert arrivals == {"C4130": 1200, "C4131": 300}
    assert fs.left_out == [] and fs.meta.total_people == 1500


def test_an_origin_destination_matrix_with_decimals_reads_as_estimates(tmp_path, gazetteer):
    path = tmp_path / "matrix.csv"
    path.write_text("origin_governorate,destination_governorate,idps\n"
                    "#adm1+origin+name,#adm1+dest+name,#affected+idps\n"
                    "Idlib Governorate,Aleppo Governorate,16034.6\n"
                    "Idlib Governorate,Idlib Governorate,2273.22\n", encoding="utf-8")
    frame = read_reports(path, defaults={"kind": "displacement", "period_start": "2018-12-01",
                                         "period_end": "2018-12-31"})
    assert list(frame["figure_min"]) == [16034.6, 2273.22]
    fs = build_flows(frame, gazetteer=gazetteer)
    assert sorted(fs.flows["people"].tolist()) == [2273, 16035]
    assert json.loads(fs.flows["sources"].iloc[0])[0]["figure"] in (16034.6, 2273.22)


def test_a_count_may_not_have_a_decimal_part(tmp_path):
    from mapper.errors import InputFileError

    path = tmp_path / "r.csv"
    path.write_text("report_id,kind,figure,unit,period_start,period_end,origin,destination\n"
                    "a,count,12.5,people,2019-12-01,2019-12-02,Saraqeb,Atme\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="a count is a whole number"):
        read_reports(path)


# ------------------------------------------------------------------------------------------------ schema


def test_meta_is_typed_and_still_reads_like_a_dict(gazetteer):
    fs = build_flows(make_reports([{"people": 10}]), gazetteer=gazetteer)
    assert isinstance(fs.meta, FlowMeta)
    assert fs.meta.total_people == 10 and fs.meta["total_people"] == 10
    assert fs.meta.get("title") == "Displacement flows" and fs.meta.get("nope", 3) == 3
    assert dict(fs.meta)["notes"] == [] and "level" in fs.meta


def test_reports_table_joins_the_sources_by_report_id(gazetteer):
    rows = [{"people": 10, "report_id": "x"}, {"people": 12, "report_id": "y", "destination": "Kah"}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer)
    assert list(fs.reports["report_id"]) == ["x", "y"]
    joined = {rid for text in fs.flows["sources"] for rid in ids_of(text)}
    assert joined == set(fs.reports["report_id"])


# ------------------------------------------------------------------------------------------------ protected sites


def test_several_grid_sizes_do_not_narrow_a_protected_site_down(gazetteer):
    true_lat, true_lon = 36.3037, 36.6231  # Karama camp
    band_cos = math.cos(math.radians(36.0))  # the middle of its 8-degree latitude band (32-40 N)
    box = [-90.0, 90.0, -180.0, 180.0]
    for km in [5, 4.7, 4.3, 3.9, 3.1, 5.3]:  # the six maps of issue 15 section 6
        fs = build_flows(make_reports([{"destination": "Karama camp"}]), gazetteer=gazetteer, protect_sites_km=km)
        [row] = list(fs.flows.itertuples())
        assert "fixed, nested grid" in fs.meta.protect_rule
        # An attacker who knows the published rule: the true point lies in the cell around the shown point.
        dlat = 2.0 ** math.ceil(math.log2(km / 111.32))
        dlon = 2.0 ** math.ceil(math.log2(km / (111.32 * band_cos)))
        assert dlat * 111.32 >= km and dlon * 111.32 * band_cos >= km  # never finer than asked
        box = [max(box[0], row.dest_lat - dlat / 2), min(box[1], row.dest_lat + dlat / 2),
               max(box[2], row.dest_lon - dlon / 2), min(box[3], row.dest_lon + dlon / 2)]
    assert box[0] <= true_lat <= box[1] and box[2] <= true_lon <= box[3]
    # Together the six maps reveal no box smaller than the finest of them (3.1 km asked for).
    assert (box[1] - box[0]) * 111.32 >= 3.1
    assert (box[3] - box[2]) * 111.32 * band_cos >= 3.1


def test_the_series_example_adds_up_to_ochas_last_total():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "nw_syria_dec2019_mar2020" / "reports.csv"
    fs = build_flows(read_reports(path))
    assert fs.meta.series and fs.left_out == []
    assert fs.meta.total_people == fs.flows["people"].sum() == 948000
    assert fs.flows["period_end"].tolist() == ["2020-01-01", "2020-01-08", "2020-01-14", "2020-01-27", "2020-02-12",
                                               "2020-02-26"]
    # Each interval is its own flow, and each situation report backs exactly one.
    assert [len(ids_of(s)) for s in fs.flows["sources"]] == [1] * 6


def test_bounds_follow_the_reports_scope(gazetteer):
    ocha = {"report_id": "ocha", "agency": "UN OCHA", "people": 1000, "origin": "Maarat al-Numan District",
            "destination": "Atme", "period_start": "2019-12-12", "period_end": "2019-12-25"}
    # Two days of part of the movement, counted higher than the whole: a lower bound above the estimate.
    part = {"report_id": "part", "agency": "SOHR", "people": 5000, "origin": "Maarat al-Numan",
            "destination": "Atme", "period_start": "2019-12-14", "period_end": "2019-12-15"}
    # A 24-hour count towards all of Dana subdistrict: narrower in time, wider in place -- no bound at all.
    day = {"report_id": "day", "agency": "RCT", "people": 50, "origin": "Maarat al-Numan District",
           "destination": "Dana Subdistrict", "period_start": "2019-12-16", "period_end": "2019-12-16"}
    # The same scope from another outlet: an alternative estimate.
    alt = dict(ocha, report_id="alt", agency="UNHCR", people=1400)
    fs = build_flows(make_reports([ocha, part, day, alt]), gazetteer=gazetteer)
    [row] = list(fs.flows.itertuples())
    assert row.people == 1000 and sorted(ids_of(row.sources)) == ["alt", "day", "ocha", "part"]
    assert (row.people_min, row.people_max) == (1000, 5000)
    assert row.note == ("sources disagree: SOHR's 5,000 (2019-12-14 to 2019-12-15) for part of this movement is "
                        "above UN OCHA's 1,000 (2019-12-12 to 2019-12-25)")
    fs = build_flows(make_reports([ocha, day, alt]), gazetteer=gazetteer)
    [row] = list(fs.flows.itertuples())
    assert (row.people_min, row.people_max, row.note) == (1000, 1400, "")


def test_a_governorate_table_means_governorates_for_every_name(tmp_path):
    """OCHA's origin -> destination governorate matrix writes bare names ("Aleppo", "Idleb", "Homs"); its HXL tags
    (#adm1) say they are governorates, so every one resolves to the governorate, none to the city of that name."""
    path = tmp_path / "matrix.csv"
    path.write_text("origin_governorate,destination_governorate,idps\n"
                    "#adm1+origin+name,#adm1+dest+name,#affected+idps\n"
                    "Aleppo,Idleb,100\nHoms,Rural Damascus,50\nIdleb province,Aleppo,7\n", encoding="utf-8")
    frame = read_reports(path, defaults={"kind": "count", "period_start": "2018-12-01", "period_end": "2018-12-31"})
    fs = build_flows(frame)
    kinds = set(fs.flows["origin_kind"]) | set(fs.flows["dest_kind"])
    assert kinds == {"governorate"}
    assert set(fs.flows["origin_pcode"]) == {"SY02", "SY04", "SY07"}
    assert int(fs.flows["people"].sum()) == 157


def test_an_unknown_p_code_stops_the_build_unless_allowed(gazetteer):
    from mapper.errors import UnresolvedPlacesError

    rows = [{"kind": "count", "origin": "", "destination": "", "destination_pcode": "C0000", "people": 12}]
    with pytest.raises(UnresolvedPlacesError, match="C0000"):
        build_flows(make_reports(rows), gazetteer=gazetteer)
    fs = build_flows(make_reports(rows), gazetteer=gazetteer, allow_unresolved=True)
    assert [(e.what, e.people, e.report_ids) for e in fs.left_out] == [("unknown P-code", 12, ("r1",))]


def test_a_row_placed_by_its_p_code_needs_no_resolvable_name(gazetteer):
    """OCHA's tables carry a name and a P-code per row: the P-code places the row, so a name that is unknown or
    ambiguous on its own (OCHA and IOM spell some communities differently) does not stop the build."""
    rows = [{"kind": "count", "origin": "", "destination": "Not A Known Name", "destination_pcode": "SY070301",
             "people": 40}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer)
    assert fs.places.set_index("place_id")["people_in"].to_dict() == {"adm-sy070301": 40}
    assert fs.left_out == []


def test_a_modelled_split_stays_in_the_area_the_report_states(gazetteer):
    rows = [{"destination": "camps along the Turkish border", "destination_within": "SY07", "people": 9000}]
    fs = build_flows(make_reports(rows), gazetteer=gazetteer, split_regions=True)
    # Azaz camps (Aleppo, SY02) are a member of the region, but the report speaks of Idlib (SY07).
    assert {r.dest_id: r.people for r in fs.flows.itertuples()} == {"cc-atme": 6000, "cc-qah": 3000}
    assert fs.flows["modelled"].all()
