"""Benchmark: the canvas map against main's renderer and a naive folium map, in one run.

Run by hand (not part of the test suite)::

    python benchmarks/bench_map.py [--flows 10000 100000] [--keep DIR] [--naive-max 10000]

For each size and each renderer, in headless Chromium at 1280x800 with the network cut (issue 13's targets):
- page ready: load plus the end of the last long task (PerformanceObserver 'longtask'), target <= 1 s at 100k;
- longest frame while panning (a mouse drag of 12 steps, and the redraw after it), <= 33 ms at 100k, 16 ms at 10k,
  and the longest task of the page's main thread meanwhile (a Chromium trace): the work in that frame;
- JS heap after load (performance.memory), <= 100 MB;
- HTML bytes per flow beyond the base file, <= 60 B; build time of the HTML;
and `idpmap map flows.geojson` end to end (read + view + HTML, a new process: wall and CPU), <= 5 s at 100k.
- pressing "all" with every place on its own: time until every arrow is painted, and the longest task meanwhile;
  then drags in that state (the longest frame, and the longest task from a Chromium trace), and two zoom levels in;
main's renderer is `git show main:mapper/render.py` with main's map.js, loaded beside the current one.

The flows are synthetic but lie between real places of the bundled gazetteer: towns and villages as origins, camps
and camp clusters (and towns) as destinations, with periods in November-December 2019 and sources drawn from 300
made-up reports; as in build_flows, flows come in clusters (one per ten flows) that give them period and sources.
"""

from __future__ import annotations

import argparse
import bisect
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



def old_renderer():
    """main's render.py and map.js (the renderer this branch changes), as a module beside the current one."""
    import subprocess
    import types

    root = Path(__file__).resolve().parents[1]

    def show(path):
        return subprocess.run(["git", "show", f"main:{path}"], cwd=root, capture_output=True, text=True,
                              check=True).stdout

    module = types.ModuleType("mapper._bench_old_render")
    module.__package__ = "mapper"
    exec(compile(show("mapper/render.py"), "main:mapper/render.py", "exec"), module.__dict__)
    assets = {"map.js": show("mapper/data/map.js"), "map.css": show("mapper/data/map.css")}
    module._asset = assets.__getitem__
    return module.render_map


MEASURE = """async () => {
  const longEnd = () => Math.max(0, ...window.__long.map(t => t.startTime + t.duration));
  await new Promise(r => setTimeout(r, 1500));  // let late long tasks show
  const nav = performance.getEntriesByType('navigation')[0];
  return {ready: Math.max(nav.loadEventEnd, longEnd()), heap: performance.memory.usedJSHeapSize,
          longest_task: Math.max(0, ...window.__long.map(t => t.duration))};
}"""

FRAMES = """() => { window.__frames = []; let last = performance.now();
  const tick = t => { window.__frames.push(t - last); last = t; if (window.__recording) requestAnimationFrame(tick); };
  window.__recording = true; requestAnimationFrame(tick); }"""


ALL = """async () => {
  if (!window.idpmap || !window.idpmap.setGrouped) return [NaN, NaN];
  window.idpmap.setGrouped(false);
  const frame = () => new Promise(r => requestAnimationFrame(() => r()));
  await frame(); await frame(); await new Promise(r => setTimeout(r, 300));
  const map = window.idpmap.map.getContainer(), t0 = performance.now();
  document.getElementById("idpmap-all").click();
  // done when every arrow is painted (main's one-pass canvas has no such count: done once it returns)
  while (map.hasAttribute("data-painted-flows") &&
         map.getAttribute("data-painted-flows") !== map.getAttribute("data-drawn-flows")) await frame();
  const canvas = document.querySelector("canvas.idpmap-flows");
  if (canvas) canvas.getContext("2d").getImageData(0, 0, 1, 1);  // rasterised, not only recorded
  await frame();
  const done = performance.now() - t0;
  await new Promise(r => setTimeout(r, 200));  // let the last long task show
  const tasks = window.__long.filter(t => t.startTime + t.duration >= t0).map(t => t.duration);
  return [done, Math.max(0, ...tasks)];
}"""


def measure_page(browser, path: Path, timeout_s=120) -> dict:
    """Page ready, JS heap and the longest frame while panning, for one HTML file (network cut)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    blocked = []
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                  else (blocked.append(r.request.url), r.abort()))
    context.add_init_script("""window.__long = []; new PerformanceObserver(l => {
        for (const e of l.getEntries()) window.__long.push({startTime: e.startTime, duration: e.duration}); })
        .observe({type: 'longtask', buffered: true});""")
    page = context.new_page()
    page.set_default_timeout(timeout_s * 1000)
    page.goto(path.resolve().as_uri(), wait_until="load", timeout=timeout_s * 1000)
    result = page.evaluate(MEASURE)
    (result["pan_frame"], result["pan_worst"]), result["pan_task"] = _traced(page, lambda: _pan(page, step=15))
    # The canvas map at its heaviest: every place on its own, then the "all" button pressed: the time until every
    # arrow is painted (and rasterised: Chromium records a canvas's strokes and rasterises them later) and the
    # longest task meanwhile (a task over 50 ms is a frozen page).
    page.evaluate("() => window.idpmap && window.idpmap.setGrouped && window.idpmap.setGrouped(false)")
    page.wait_for_timeout(500)  # the regrouping is not part of what "all" costs
    (result["redraw_all"], _observed), result["all_task"] = _traced(page, lambda: page.evaluate(ALL))
    # ... and panned that way, by drags long enough (720 px) to leave the drawn margin and need new drawing; then two
    # zoom levels in, where the canvases hold half a screen around the map and such drags paint again.
    result["pan_all"] = result["pan_all_worst"] = result["pan_zoom"] = float("nan")
    result["pan_all_task"] = result["pan_zoom_task"] = (float("nan"),) * 2
    if result["redraw_all"] == result["redraw_all"]:
        (result["pan_all"], result["pan_all_worst"]), result["pan_all_task"] = _traced(
            page, lambda: _pan(page, step=60))
        page.evaluate(ZOOM_IN)
        (result["pan_zoom"], _worst), result["pan_zoom_task"] = _traced(page, lambda: _pan(page, step=60))
    result["blocked"] = len(blocked)
    context.close()
    return result


ZOOM_IN = """async () => {
  const m = window.idpmap.map, c = m.getContainer(), frame = () => new Promise(r => requestAnimationFrame(() => r()));
  m.setZoom(m.getZoom() + 2, {animate: false});
  while (c.hasAttribute("data-painted-flows") &&
         c.getAttribute("data-painted-flows") !== c.getAttribute("data-drawn-flows")) await frame();
  await new Promise(r => setTimeout(r, 300));
}"""


_PAGE_WORK = {"FunctionCall", "EventDispatch", "FireAnimationFrame", "TimerFire", "ProxyMain::BeginMainFrame",
              "UpdateLayoutTree", "Layout", "Paint", "GetImageData"}


def _traced(page, action):
    """``action()``'s result and the longest task of the page's main thread meanwhile, from a Chromium trace: its
    wall time in ms (what the reader waits), and the longest thread (CPU) time (which other processes on a busy
    machine do not stretch; but a task waiting on the raster threads spends wall time without it)."""
    cdp = page.context.new_cdp_session(page)
    events, done = [], []
    cdp.on("Tracing.dataCollected", lambda p: events.extend(p["value"]))
    cdp.on("Tracing.tracingComplete", lambda p: done.append(True))
    cdp.send("Tracing.start", {"categories": "toplevel,devtools.timeline", "transferMode": "ReportEvents"})
    result = action()
    cdp.send("Tracing.end")
    while not done:
        page.wait_for_timeout(50)
    cdp.detach()
    main = {(e["pid"], e["tid"]) for e in events if e.get("ph") == "M" and e.get("name") == "thread_name"
            and e.get("args", {}).get("name") == "CrRendererMain"}
    spans = [e for e in events if e.get("ph") == "X" and (e["pid"], e["tid"]) in main]
    # The page's work: scripts, events, frames. Tasks without any are DevTools' own (the trace's flush at its end).
    work = sorted(e["ts"] for e in spans if e.get("name") in _PAGE_WORK)
    tasks = []
    for e in spans:
        if e.get("name") in ("RunTask", "ThreadControllerImpl::RunTask"):
            k = bisect.bisect_left(work, e["ts"])
            if k < len(work) and work[k] <= e["ts"] + e.get("dur", 0):
                tasks.append((e.get("dur", 0) / 1000, e.get("tdur", e.get("dur", 0)) / 1000))
    nan = float("nan")
    return result, (max((w for w, _c in tasks), default=nan), max((c for _w, c in tasks), default=nan))


def _pan(page, *, step):
    """The longest frame while dragging the map 12 steps of ``step`` px (and the redraw after): best and worst of
    three drags (the machine is shared)."""
    longest = []
    for trial in range(3):
        page.evaluate(FRAMES)
        page.mouse.move(640, 420)
        page.mouse.down()
        sign = 1 if trial % 2 == 0 else -1
        for k in range(12):
            page.mouse.move(640 - sign * step * (k + 1), 420 - sign * step * 8 / 15 * (k + 1))
            page.wait_for_timeout(16)
        page.mouse.up()
        page.wait_for_timeout(600)
        frames = page.evaluate("() => { window.__recording = false; return window.__frames; }")
        longest.append(max(frames[1:]) if len(frames) > 1 else float("nan"))
    return min(longest), max(longest)


def _task(wall_cpu) -> str:
    return "{:.0f}/{:.0f}".format(*wall_cpu)


def cli_build(flowset, folder: Path) -> tuple[float, float]:
    """`idpmap map flows.geojson -o out.html`, end to end in a new process: wall and CPU (user + system) seconds."""
    import resource
    import subprocess
    import sys

    from mapper.io import write_flows

    flows_file = folder / "flows.geojson"
    write_flows(flowset, flows_file)
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run([sys.executable, "-m", "mapper", "map", str(flows_file), "-o", str(folder / "cli.html"),
                    "--force"], check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return time.perf_counter() - start, cpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--keep", type=Path, help="keep the generated HTML files in this folder")
    parser.add_argument("--naive-max", type=int, default=10_000,
                        help="open the naive folium map in the browser up to this many flows (it needs minutes)")
    parser.add_argument("--no-naive", action="store_true", help="leave the naive folium map out")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    from mapper.render import render_map

    renderers = {"canvas (this branch)": render_map, "main (as merged)": old_renderer(), "naive folium": None}
    if args.no_naive:
        del renderers["naive folium"]
    folder = args.keep or Path(tempfile.mkdtemp(prefix="idpmap-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--enable-precise-memory-info"])
        for n in args.flows:
            flowset = build_flowset(n)
            print(f"\n{n:,} flows between {len(flowset.places):,} gazetteer places")
            print(f"  {'renderer':<22} {'build s':>8} {'B/flow':>8} {'ready s':>8} {'pan ms':>14} {'task':>7} "
                  f"{'heap MB':>8} "
                  f"{'all ms':>8} {'task ms':>9} {'pan all ms':>12} {'task':>9} {'z+2 ms':>7} {'task':>9}")
            for name, render in renderers.items():
                if render is None:
                    base = naive_map(empty_like(flowset))
                    build, page = timed(naive_map, flowset)
                else:
                    base = render(empty_like(flowset))
                    build, page = timed(render, flowset)
                html = folder / f"{n}-{name.split()[0]}.html"
                html.write_text(page, encoding="utf-8")
                per_flow = (len(page.encode()) - len(base.encode())) / n
                if render is None and n > args.naive_max:
                    shown = {"ready": float("nan"), "pan_frame": float("nan"), "pan_worst": float("nan"),
                             "pan_task": (float("nan"),) * 2,
                             "heap": float("nan"), "redraw_all": float("nan"), "all_task": (float("nan"),) * 2,
                             "pan_all": float("nan"), "pan_all_worst": float("nan"),
                             "pan_all_task": (float("nan"),) * 2, "pan_zoom": float("nan"),
                             "pan_zoom_task": (float("nan"),) * 2}
                else:
                    shown = measure_page(browser, html)
                pan = f"{shown['pan_frame']:.0f} ({shown['pan_worst']:.0f})"
                print(f"  {name:<22} {build:>8.2f} {per_flow:>8.1f} {shown['ready'] / 1000:>8.2f} {pan:>14} "
                      f"{_task(shown['pan_task']):>7} "
                      f"{shown['heap'] / 1e6:>8.1f} {shown['redraw_all']:>8.0f} {_task(shown['all_task']):>9} "
                      f"{shown['pan_all']:>5.0f} ({shown['pan_all_worst']:.0f}) {_task(shown['pan_all_task']):>9} "
                      f"{shown['pan_zoom']:>7.0f} {_task(shown['pan_zoom_task']):>9}", flush=True)
            wall, cpu = cli_build(flowset, folder)
            print(f"  idpmap map flows.geojson (read + view + HTML, new process): {wall:.2f} s wall, {cpu:.2f} s CPU")
        browser.close()
    print("pan ms: longest frame of the best drag of three (of the worst); 16.7 ms = no frame dropped at 60 Hz "
          "(the display's interval, the shortest a frame can measure); task: the longest task of the page's main "
          "thread during the three drags (wall/CPU ms, Chromium trace): the work of the longest frame. "
          "all ms: from pressing 'all' (every place on its own) until every arrow is painted and rasterised; task ms: "
          "the longest task meanwhile (Chromium trace: wall/CPU time; > 50 ms: the page froze); pan all ms: the "
          "longest frame of drags of 720 px in that state, task: the longest task of the page's main thread meanwhile "
          "(wall/CPU); z+2: the same two zoom levels in (best of three drags; task: longest of all three).")
    print(f"targets at 100k: ready <= 1 s, pan frame <= 33 ms, heap <= 100 MB, <= 60 B/flow, idpmap map <= 5 s; "
          f"at 10k: pan frame <= 16 ms. Files in {folder}")


if __name__ == "__main__":
    main()
