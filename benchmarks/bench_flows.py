"""Benchmark: 1,000,000 generated reports over the bundled gazetteer's places -> flows.

Run by hand (not a test):  python benchmarks/bench_flows.py [--rows N] [--seed S] [--no-csv]

Generates reports with random origins (settlements and admin areas of the gazetteer), random destinations (camps,
camp clusters, the region of the border camps, towns; one in ten names two places), random agencies and random
periods between December 2019 and March 2020. Writes them to a temporary CSV and times
``mapper.reports.read_reports`` on it, then times ``mapper.flows.build_flows`` on the frame (after a first
call on 1,000 rows, timed apart, that pays for imports), and reports the peak resident memory of the process.
Targets: build_flows <= 10 s, peak memory <= 2 GB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gazetteer import Gazetteer  # noqa: E402
from mapper.flows import build_flows  # noqa: E402

AGENCIES = ["UN OCHA", "UNHCR", "IOM", "SRCG", "RCT", "SOHR", "Maarat al-Numan Local Council", "Some newspaper"]


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate_reports(gazetteer, rows: int, seed: int) -> pd.DataFrame:
    """A reports frame of ``rows`` random displacement reports (the columns of ``read_reports``)."""
    rng = np.random.default_rng(seed)
    places = gazetteer.places
    origin_pool = [p.name for p in places if p.kind in ("governorate", "district", "subdistrict", "region", "city",
                                                         "town", "village") and p.id != "region-border-camps"]
    dest_pool = [p.name for p in places if p.kind in ("camp", "camp_cluster", "city", "town")]
    dest_pool += [p.name for p in places if p.id == "region-border-camps"]
    # Only names that resolve without context (the benchmark measures the build, not the error path).
    origin_pool = _resolvable(gazetteer, origin_pool)
    dest_pool = _resolvable(gazetteer, dest_pool)
    origin = np.array(origin_pool, dtype=object)[rng.integers(0, len(origin_pool), rows)]
    dest = np.array(dest_pool, dtype=object)[rng.integers(0, len(dest_pool), rows)]
    pairs = rng.random(rows) < 0.1
    second = np.array(dest_pool, dtype=object)[rng.integers(0, len(dest_pool), rows)]
    dest = np.where(pairs & (second != dest), dest + ";" + second, dest)
    day0 = np.datetime64("2019-12-01")
    start = day0 + rng.integers(0, 121, rows).astype("timedelta64[D]")
    end = start + rng.integers(0, 15, rows).astype("timedelta64[D]")
    people = rng.integers(50, 50000, rows)
    published = (end + rng.integers(0, 5, rows).astype("timedelta64[D]")).astype(str)
    return pd.DataFrame({
        "report_id": np.char.add("r", np.arange(rows).astype(str)).astype(object),
        "kind": "displacement",
        "figure": people,
        "qualifier": "",
        "unit": "people",
        "period_start": start.astype(str),
        "period_end": end.astype(str),
        "origin": origin,
        "destination": dest,
        "origin_within": "",
        "destination_within": "",
        "agency": np.array(AGENCIES, dtype=object)[rng.integers(0, len(AGENCIES), rows)],
        "publisher": "",
        "published": published,
        "url": "",
        "note": "",
    })


def _resolvable(gazetteer, names):
    names = sorted(set(names))
    matches = gazetteer.resolve_many(names)
    return [n for n, m in zip(names, matches) if m.place is not None and not m.ambiguous]


def to_report_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """The frame read_reports would give for ``raw`` (used when timing build_flows without the reader)."""
    frame = raw.drop(columns=["figure"]).copy()
    frame.insert(0, "line", np.arange(2, len(raw) + 2))
    frame["figure_min"] = frame["figure_max"] = frame["people"] = frame["people_min"] = frame["people_max"] = \
        raw["figure"].to_numpy(dtype=float)
    frame["period_start"] = pd.to_datetime(raw["period_start"]).dt.date
    frame["period_end"] = pd.to_datetime(raw["period_end"]).dt.date
    return frame


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--no-csv", action="store_true", help="skip writing and reading the CSV")
    args = parser.parse_args(argv)

    gazetteer = Gazetteer.default()
    t0 = time.perf_counter()
    raw = generate_reports(gazetteer, args.rows, args.seed)
    print(f"generated {len(raw):,} reports over {len(gazetteer)} places in {time.perf_counter() - t0:.1f} s")

    frame = None
    if not args.no_csv:
        try:
            from mapper.reports import read_reports
        except ImportError:
            read_reports = None
        if read_reports is not None:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "reports.csv"
                raw.to_csv(path, index=False)
                t0 = time.perf_counter()
                frame = read_reports(path)
                print(f"read_reports: {time.perf_counter() - t0:.2f} s  (peak RSS so far {peak_rss_mb():.0f} MB)")
    if frame is None:
        frame = to_report_frame(raw)
    del raw

    # The first call imports geopandas and builds the border index; time that apart from the build itself.
    t0 = time.perf_counter()
    build_flows(frame.head(1000), gazetteer=gazetteer)
    print(f"first call on 1,000 rows (imports, border index): {time.perf_counter() - t0:.2f} s")

    t0 = time.perf_counter()
    fs = build_flows(frame, gazetteer=gazetteer)
    elapsed = time.perf_counter() - t0
    print(f"build_flows:  {elapsed:.2f} s -> {len(fs.flows):,} flows, {len(fs.places):,} places, "
          f"{fs.flows['people'].sum():,.0f} people, {len(fs.left_out)} left-out entries")
    print(f"peak RSS:     {peak_rss_mb():.0f} MB")
    ok = elapsed <= 10 and peak_rss_mb() <= 2048
    print("targets (<= 10 s, <= 2048 MB):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
