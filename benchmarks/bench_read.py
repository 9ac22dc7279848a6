"""Benchmark: reading a big flows file and building maps from it (issue 13 §3).

Run by hand (not part of the test suite)::

    python benchmarks/bench_read.py [--flows 100000] [--keep DIR] [--out benchmarks/bench_read.txt]

Measures, in one run:
- ``read_flows`` of a GeoJSON with N synthetic flows (those of ``bench_map.build_flowset``), in this process;
- the wall time of ``idpmap map big.geojson -o big.html`` (a fresh process: imports, read, view, render), first
  with an empty cache folder (the border index is built, as on a user's first run), then with the cache filled
  (every later run; issue 13's target, 5 s, is for this one);
- the wall time of ``idpmap map examples/idlib_dec_2019/reports.csv`` (the README's example), twice: the first
  run may fill the border-index cache, the second uses it;
- the time to build the border-distance index from scratch, and to load it from the on-disk cache.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bench_map():
    spec = importlib.util.spec_from_file_location("bench_map", ROOT / "benchmarks" / "bench_map.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _timed(func):
    """Wall time (the figure a user waits) and CPU time (less disturbed by a busy machine) of ``func()``."""
    start, cpu = time.perf_counter(), time.process_time()
    result = func()
    return f"{time.perf_counter() - start:.2f} s wall, {time.process_time() - cpu:.2f} s CPU", result


def _run(args, env):
    import resource

    import mapper

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # run in the tree of the mapper under test (PYTHONPATH=/other/tree measures that tree's code)
    done = subprocess.run([sys.executable, "-m", "mapper", *args], capture_output=True, text=True, env=env,
                          cwd=Path(mapper.__file__).resolve().parent.parent)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode:
        raise SystemExit(f"idpmap {' '.join(args)} failed: {done.stderr}")
    return f"{took:.2f} s wall, {cpu:.2f} s CPU"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=100_000)
    parser.add_argument("--keep", help="folder to keep the generated files in")
    parser.add_argument("--out", help="also write the results to this file")
    args = parser.parse_args(argv)

    from mapper import borders
    from mapper.io import read_flows, write_flows

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_read."))
    folder.mkdir(parents=True, exist_ok=True)
    cache = folder / "cache"
    env = dict(os.environ, IDPMAP_CACHE_DIR=str(cache))
    big = folder / "big.geojson"
    if not big.exists():
        write_flows(_bench_map().build_flowset(args.flows), big)
    import mapper

    lines = [f"code under test: {Path(mapper.__file__).resolve().parent.parent}",
             f"flows file: {big.stat().st_size / 1e6:.1f} MB, {args.flows:,} flows"]
    took, flowset = _timed(lambda: read_flows(big))
    assert len(flowset.flows) == args.flows
    del flowset  # the runs below are new processes; free this one's memory for them
    lines.append(f"read_flows(big.geojson): {took}")
    import shutil

    big_map = ["map", str(big), "-o", str(folder / "big.html"), "--force"]
    shutil.rmtree(cache, ignore_errors=True)
    lines.append(f"idpmap map big.geojson -o big.html (empty cache): {_run(big_map, env)}")
    example = ["map", "examples/idlib_dec_2019/reports.csv", "-o", str(folder / "example.html"), "--force",
               "--allow-unresolved"]
    shutil.rmtree(cache, ignore_errors=True)
    lines.append(f"idpmap map <example> (first run, empty cache): {_run(example, env)}")
    lines.append(f"idpmap map <example> (second run): {_run(example, env)}")
    lines.append(f"idpmap map big.geojson -o big.html (cache filled): {_run(big_map, env)}")
    if hasattr(borders, "build_border_index"):
        took, _ = _timed(borders.build_border_index)
        lines.append(f"border index built from scratch: {took}")
    else:
        took, _ = _timed(borders._border_index)
        lines.append(f"border index built (no cache): {took}")
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
