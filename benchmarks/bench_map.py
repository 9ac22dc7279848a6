"""Benchmark: the offline HTML map at 10,000 flows against a naive folium map (one PolyLine + tooltip per flow).

Run by hand (not part of the test suite)::

    python benchmarks/bench_map.py [--flows 10000] [--keep DIR]

Measures, side by side in one run:
- HTML bytes per flow beyond the base file (target <= 60 B; the naive map about 780 B);
- the size of the offline base file with no flows (Leaflet, basemap, legend; target <= 500 KB);
- time to build the HTML (target <= 1/5 of the naive map's);
- load and paint of the 10,000-flow map in headless Chromium with the network cut (target <= 2 s).

The flows are synthetic but lie between real places of the bundled gazetteer: towns and villages as origins, camps
and camp clusters (and towns) as destinations, with periods in November-December 2019 and sources drawn from 300
made-up reports; as in build_flows, flows come in clusters (one per ten flows) that give them period and sources.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"


def build_flowset(n_flows: int, seed: int = 7):
    """A FlowSet of ``n_flows`` synthetic flows between real gazetteer places."""
    import geopandas as gpd
    from shapely.geometry import LineString, Point

    from gazetteer import Gazetteer
    from mapper.model import FLOW_COLUMNS, INCIDENT_COLUMNS, PLACE_COLUMNS, FlowSet

    rng = random.Random(seed)
    places = [p for p in Gazetteer.default().places if p.kind not in ("country", "governorate")]
    origins = [p for p in places if p.kind in ("city", "town", "village", "district", "subdistrict", "region")]
    dests = [p for p in places if p.kind in ("camp", "camp_cluster", "city", "town")]
    reports = []
    for i in range(300):
        figure = rng.choice([500, 1200, 5000, 12000, 30000, 110000, 235000])
        reports.append({"report_id": f"r{i:03d}", "agency": rng.choice(["UN OCHA", "SRCG", "RCT", "SOHR"]),
                        "publisher": rng.choice(["ReliefWeb", "Enab Baladi", "Reuters", "SOHR"]),
                        "published": f"2019-12-{rng.randint(1, 28):02d}",
                        "url": f"https://example.org/report/{i}", "figure": figure, "figure_min": figure,
                        "figure_max": figure, "qualifier": rng.choice(["", "more than", "about"]),
                        "unit": "people", "people": figure, "period_start": "2019-11-01",
                        "period_end": "2019-12-25", "note": ""})
    # Like build_flows, every flow belongs to a cluster of overlapping reports that gives it its period and sources.
    clusters = []
    for _ in range(max(1, n_flows // 10)):
        start = rng.randint(1, 50)
        end = min(55, start + rng.choice([0, 1, 2, 6, 13]))
        clusters.append((start, end, rng.sample(reports, rng.randint(1, 3))))
    rows = []
    for i in range(n_flows):
        o = rng.choice(origins)
        d = rng.choice(dests)
        while d.id == o.id:
            d = rng.choice(dests)
        people = round(rng.lognormvariate(7.5, 1.3))
        start, end, srcs = rng.choice(clusters)
        row = {"flow_id": f"f{i}"}
        for prefix, p in (("origin", o), ("dest", d)):
            row.update({f"{prefix}_id": p.id, f"{prefix}_name": p.name, f"{prefix}_name_ar": p.name_ar,
                        f"{prefix}_kind": p.kind, f"{prefix}_lat": p.lat, f"{prefix}_lon": p.lon,
                        f"{prefix}_pcode": p.pcode, f"{prefix}_admin1": p.admin1, f"{prefix}_admin2": p.admin2,
                        f"{prefix}_admin3": p.admin3})
        day0 = 18201  # 2019-11-01 as days since 1970-01-01
        iso = [time.strftime("%Y-%m-%d", time.gmtime((day0 + k) * 86400)) for k in (start, end)]
        row.update({"people": float(people), "people_min": float(people) * rng.choice([1, 1, 0.8]),
                    "people_max": float(people) * rng.choice([1, 1, 1.2]), "period_start": iso[0],
                    "period_end": iso[1], "sources": json.dumps(srcs), "split_rule": rng.choice(
                        ["single", "equal (2 destinations)", "by population (4 destinations)"]),
                    "distance_km": 0.0, "origin_border_km": 0.0, "dest_border_km": 0.0,
                    "geometry": LineString([(o.lon, o.lat), (d.lon, d.lat)])})
        rows.append(row)
    flows = gpd.GeoDataFrame(rows, columns=FLOW_COLUMNS + ["geometry"], geometry="geometry", crs="EPSG:4326")
    totals = {}
    for r in rows:
        totals.setdefault(r["origin_id"], [0.0, 0.0])[1] += r["people"]
        totals.setdefault(r["dest_id"], [0.0, 0.0])[0] += r["people"]
    by_id = {p.id: p for p in places}
    place_rows = [{"place_id": pid, "name": by_id[pid].name, "name_ar": by_id[pid].name_ar,
                   "kind": by_id[pid].kind, "lat": by_id[pid].lat, "lon": by_id[pid].lon, "pcode": by_id[pid].pcode,
                   "admin1": by_id[pid].admin1, "admin2": by_id[pid].admin2, "admin3": by_id[pid].admin3,
                   "people_in": pin, "people_out": pout, "net": pin - pout, "border_km": 0.0,
                   "geometry": Point(by_id[pid].lon, by_id[pid].lat)} for pid, (pin, pout) in totals.items()]
    places_gdf = gpd.GeoDataFrame(place_rows, columns=PLACE_COLUMNS + ["geometry"], geometry="geometry",
                                  crs="EPSG:4326")
    incidents = gpd.GeoDataFrame([], columns=INCIDENT_COLUMNS + ["geometry"], geometry="geometry",
                                 crs="EPSG:4326")
    meta = {"title": f"Benchmark: {n_flows:,} synthetic flows", "attribution": []}
    return FlowSet(flows, places_gdf, incidents, [], meta)


def naive_map(flowset) -> str:
    """What one would write first with folium: one PolyLine with a tooltip per flow."""
    import folium

    flows = flowset.flows
    m = folium.Map(location=[36.0, 36.7], zoom_start=9)
    for row in flows.itertuples(index=False):
        folium.PolyLine([[row.origin_lat, row.origin_lon], [row.dest_lat, row.dest_lon]],
                        weight=max(1.0, (row.people / 1000) ** 0.5),
                        tooltip=f"{row.origin_name} \u2192 {row.dest_name}: {round(row.people):,} people").add_to(m)
    return m.get_root().render()


def empty_like(flowset):
    from mapper.model import FlowSet

    return FlowSet(flowset.flows.iloc[0:0], flowset.places.iloc[0:0], flowset.incidents, [], dict(flowset.meta))


def timed(func, *args, repeat=1, **kwargs):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best, result


def load_and_paint(path: Path, n_flows: int) -> dict:
    """Open the map in headless Chromium (network cut) and time until every flow is drawn and painted."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        results = []
        for _ in range(3):
            context = browser.new_context(viewport={"width": 1200, "height": 800})
            blocked = []
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                          else (blocked.append(r.request.url), r.abort()))
            page = context.new_page()
            start = time.perf_counter()
            page.goto(path.resolve().as_uri())
            page.wait_for_function(f"document.querySelectorAll('path.idpmap-flow').length === {n_flows}",
                                   timeout=60000)
            # Two animation frames: the browser has painted what the script drew.
            painted_at = page.evaluate("() => new Promise(r => requestAnimationFrame(() => "
                                       "requestAnimationFrame(() => r(performance.now()))))")
            wall = time.perf_counter() - start
            results.append({"in_page_s": painted_at / 1000, "wall_s": wall, "blocked": len(blocked)})
            context.close()
        browser.close()
    return min(results, key=lambda r: r["in_page_s"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="keep the generated HTML files in this folder")
    args = parser.parse_args(argv)

    from mapper.render import render_map

    folder = args.keep or Path(tempfile.mkdtemp(prefix="idpmap-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    flowset = build_flowset(args.flows)
    n = len(flowset.flows)
    print(f"{n:,} flows between {len(flowset.places):,} gazetteer places")

    base_time, base = timed(render_map, empty_like(flowset))
    ours_time, ours = timed(render_map, flowset, repeat=3)
    naive_base = naive_map(empty_like(flowset))
    naive_time, naive = timed(naive_map, flowset)
    (folder / "idpmap.html").write_text(ours, encoding="utf-8")
    (folder / "naive.html").write_text(naive, encoding="utf-8")

    size = {k: len(v.encode("utf-8")) for k, v in
            {"base": base, "ours": ours, "naive_base": naive_base, "naive": naive}.items()}
    per_flow = (size["ours"] - size["base"]) / n
    naive_per_flow = (size["naive"] - size["naive_base"]) / n
    paint = load_and_paint(folder / "idpmap.html", n)

    def line(what, value, target, ok):
        print(f"  {what:<44} {value:>14}   target {target:<14} {'ok' if ok else 'MISSED'}")

    print("idpmap map vs naive folium (one PolyLine + tooltip per flow):")
    line("bytes per flow beyond base (idpmap)", f"{per_flow:.1f} B", "<= 60 B", per_flow <= 60)
    line("bytes per flow beyond base (naive folium)", f"{naive_per_flow:.1f} B", "(~780 B)", True)
    line("offline base file, no flows", f"{size['base'] / 1024:.1f} KB", "<= 500 KB", size["base"] <= 500 * 1024)
    line(f"{n:,}-flow file (idpmap / naive)", f"{size['ours'] / 1e6:.2f} / {size['naive'] / 1e6:.2f} MB", "", True)
    line("build time idpmap (best of 3)", f"{ours_time:.2f} s", "", True)
    line("build time naive folium", f"{naive_time:.2f} s", "", True)
    line("build time ratio idpmap / naive", f"{ours_time / naive_time:.3f}", "<= 0.2", ours_time / naive_time <= 0.2)
    line("load + paint in headless Chromium (in page)", f"{paint['in_page_s']:.2f} s", "<= 2 s",
         paint["in_page_s"] <= 2)
    line("load + paint, wall clock incl. navigation", f"{paint['wall_s']:.2f} s", "", True)
    line("requests blocked (network cut)", str(paint["blocked"]), "0", paint["blocked"] == 0)
    print(f"files in {folder}")


if __name__ == "__main__":
    main()
