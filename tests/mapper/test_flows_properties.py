"""Properties of flow building that must hold for any reports (hypothesis)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mapper.flows import build_flows

from .conftest import make_reports

ORIGINS = ["Maarat al-Numan", "Saraqeb", "Kafr Nabl", "Idlib", "southern Idlib", "Maarat al-Numan District",
           "Idlib Governorate", "Maarat al-Numan; Saraqeb", ""]
DESTINATIONS = ["Atme", "Kah; Deir Hassan", "Azaz", "Idlib", "Atme camps", "Qah camps; Azaz camps",
                "camps along the Turkish border", "Idlib; camps along the Turkish border", "Harim District", ""]
AGENCIES = ["UN OCHA", "UNHCR", "SRCG", "RCT", "SOHR", "Some blog", "OSDH"]
DAY0 = dt.date(2019, 12, 1)

report = st.fixed_dictionaries({
    "origin": st.sampled_from(ORIGINS),
    "destination": st.sampled_from(DESTINATIONS),
    "agency": st.sampled_from(AGENCIES),
    "people": st.integers(min_value=1, max_value=300000),
    "start": st.integers(min_value=0, max_value=90),
    "length": st.integers(min_value=0, max_value=30),
    "published": st.sampled_from(["", "2019-12-20", "2019-12-27", "2020-01-15"]),
})


def to_frame(items):
    rows = []
    for i, item in enumerate(items):
        start = DAY0 + dt.timedelta(days=item["start"])
        rows.append({"report_id": f"r{i:03d}", "origin": item["origin"], "destination": item["destination"],
                     "agency": item["agency"], "people": item["people"], "published": item["published"],
                     "period_start": start, "period_end": start + dt.timedelta(days=item["length"])})
    return make_reports(rows)


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(st.lists(report, min_size=1, max_size=12))
def test_aggregating_to_a_coarser_level_conserves_people(gazetteer, items):
    frame = to_frame(items)
    totals = [build_flows(frame, gazetteer=gazetteer, level=level).flows["people"].sum()
              for level in ("place", "admin3", "admin2", "admin1")]
    assert totals == pytest.approx([totals[0]] * 4)
    places = build_flows(frame, gazetteer=gazetteer, level="admin1").places
    # What leaves the places arrives at the places.
    assert places["people_out"].sum() == pytest.approx(places["people_in"].sum())


@SETTINGS
@given(st.lists(report, min_size=1, max_size=12), st.integers(0, 90), st.integers(0, 40))
def test_total_in_a_window_never_exceeds_the_chosen_estimates(gazetteer, items, start, length):
    frame = to_frame(items)
    lo = DAY0 + dt.timedelta(days=start)
    hi = lo + dt.timedelta(days=length)
    fs = build_flows(frame, gazetteer=gazetteer, start=lo, end=hi)
    inside = frame[(frame["period_end"] >= lo) & (frame["period_start"] <= hi)]
    assert fs.flows["people"].sum() <= inside["people"].sum() + 1e-6
    # Each flow carries one estimate per cluster behind it: never more than its sources add up to, and every
    # report behind a flow overlaps the window.
    by_id = frame.set_index("report_id")
    for row in fs.flows.itertuples():
        ids = [s["report_id"] for s in json.loads(row.sources)]
        assert row.people <= by_id.loc[ids, "people"].sum() + 1e-6
        assert row.people_min - 1e-6 <= row.people <= row.people_max + 1e-6
        assert all(by_id.loc[i, "period_end"] >= lo and by_id.loc[i, "period_start"] <= hi for i in ids)
    left = sum(e.people for e in fs.left_out if e.what == "outside window")
    assert left == pytest.approx(frame["people"].sum() - inside["people"].sum())


@SETTINGS
@given(st.lists(report, min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_triangulation_does_not_depend_on_row_order(gazetteer, items, rnd):
    frame = to_frame(items)
    order = list(range(len(frame)))
    rnd.shuffle(order)
    first = build_flows(frame, gazetteer=gazetteer)
    again = build_flows(frame.iloc[order], gazetteer=gazetteer)
    pd.testing.assert_frame_equal(pd.DataFrame(first.flows), pd.DataFrame(again.flows))
    pd.testing.assert_frame_equal(pd.DataFrame(first.places), pd.DataFrame(again.places))
    assert sorted(map(repr, first.left_out)) == sorted(map(repr, again.left_out))


# The triangulation rule, checked against a direct pairwise reading of it on random areas and periods.
CODES = ["", "SY07", "SY0702", "SY070200", "SY070203", "SY0703", "SY070301", "SY02", "SY020400", "#region-a",
         "#region-b"]
area_set = st.sets(st.sampled_from(CODES), min_size=1, max_size=3)
signature = st.tuples(area_set, area_set)
period = st.tuples(st.integers(0, 40), st.integers(0, 10))


def _contains(a: str, b: str) -> bool:
    """Area ``a`` contains area ``b``: "" is anywhere, P-codes nest by prefix, ``#id`` only contains itself."""
    if a == "":
        return True
    if a.startswith("#") or b.startswith("#"):
        return a == b
    return b.startswith(a)


def _same_movement(x, y) -> bool:
    (xo, xd, xs, xe), (yo, yd, ys, ye) = x, y
    if xs > ye or ys > xe:
        return False

    def holds(o1, d1, o2, d2):
        return any(_contains(a, b) for a in o1 for b in o2) and any(_contains(a, b) for a in d1 for b in d2)

    return holds(xo, xd, yo, yd) or holds(yo, yd, xo, xd)


@settings(max_examples=200, deadline=None)
@given(st.lists(signature, min_size=1, max_size=5), st.lists(st.tuples(st.integers(0, 4), period), min_size=1,
                                                               max_size=14))
def test_triangulation_matches_the_pairwise_rule(signatures, reports):
    import numpy as np

    from mapper.flows.triangulate import triangulate

    reports = [(s % len(signatures), start, start + length) for s, (start, length) in reports]
    sig = np.array([r[0] for r in reports])
    start = np.array([r[1] for r in reports])
    end = np.array([r[2] for r in reports])
    o_entries = pd.DataFrame([(i, c) for i, (o, _) in enumerate(signatures) for c in o], columns=["sig", "code"])
    d_entries = pd.DataFrame([(i, c) for i, (_, d) in enumerate(signatures) for c in d], columns=["sig", "code"])
    got = triangulate(sig, start, end, o_entries, d_entries)
    # Reference: union-find over every pair that the rule calls the same movement.
    parent = list(range(len(reports)))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    items = [(signatures[s][0], signatures[s][1], a, b) for s, a, b in reports]
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if _same_movement(items[i], items[j]):
                parent[find(i)] = find(j)
    want = [find(i) for i in range(len(items))]
    for i in range(len(items)):
        for j in range(len(items)):
            assert (got[i] == got[j]) == (want[i] == want[j]), (items[i], items[j])
