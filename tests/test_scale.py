"""Scale: a reports file naming 100,000 places nobody knows fails fast, with a short summary.

The error lists the first 20 names and counts the rest ("and 99,980 more") on one line: a user must not scroll
through 100,000 lines, and idpmap must not search suggestions for names it will not show. (The 1,000,000-row build
and the 10,000-flow map are benchmarks, run by hand: benchmarks/bench_flows.py, benchmarks/bench_map.py.)
"""

from __future__ import annotations

import time

from click.testing import CliRunner

from mapper.cli import cli

NAMES = 100_000
#: Seconds the whole failing run may take on a 2-core machine (reading, resolving every name, the message).
FAST = 20.0  # measured: about 5 s


def test_100000_unknown_names_fail_fast_with_a_summary(tmp_path):
    path = tmp_path / "reports.csv"
    lines = ["report_id,kind,figure,unit,period_start,period_end,origin,destination"]
    lines += [f"r{i},displacement,100,people,2019-12-01,2019-12-10,Qqxv Zzk {i:06d},Atmeh camps"
              for i in range(NAMES)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "flows.geojson"

    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["flows", str(path), "-o", str(out)])
    elapsed = time.perf_counter() - started

    assert result.exit_code == 1, result.output  # names that did not resolve (bad input is 2)
    assert elapsed < FAST, f"took {elapsed:.1f} s"
    output = result.output.strip()
    assert len(output.splitlines()) <= 3, output[:500]
    assert len(output) < 2_000
    assert "100,000 place name(s) did not resolve" in output
    shown = [f"Qqxv Zzk {i:06d}" for i in range(20)]
    assert all(repr(name) in output for name in shown)
    assert "Qqxv Zzk 000020" not in output
    assert "and 99,980 more" in output
    assert "--allow-unresolved" in output
    assert "Traceback" not in output
    assert not out.exists()


def test_a_big_flows_file_is_read_without_a_python_loop_per_row(tmp_path, monkeypatch):
    """Issue 13 §3: reading flows is column work (100,000 flows: see benchmarks/bench_read.py); a loop over rows
    (``iterrows``/``itertuples``, 11.6 s of a 17 s build) would show here as an error."""
    import pandas as pd

    from mapper.io import read_flows, write_flows

    n_places, n_flows = 300, 10_000
    (tmp_path / "locations.csv").write_text("id,name,lat,lon\n" + "".join(
        f"p{i},Place {i},{35 + i / 100:.2f},{36 + (i % 50) / 50:.2f}\n" for i in range(n_places)), encoding="utf-8")
    (tmp_path / "flows.csv").write_text("origin,dest,count\n" + "".join(
        f"p{i % n_places},p{(i * 7 + 1) % n_places},{i % 997 + 1}\n" for i in range(n_flows)), encoding="utf-8")
    write_flows(read_flows(tmp_path), tmp_path / "big.geojson")

    def row_loop(*args, **kwargs):
        raise AssertionError("a Python loop over the rows of a DataFrame")

    monkeypatch.setattr(pd.DataFrame, "iterrows", row_loop)
    monkeypatch.setattr(pd.DataFrame, "itertuples", row_loop)
    started = time.perf_counter()
    flowset = read_flows(tmp_path / "big.geojson")
    elapsed = time.perf_counter() - started
    assert len(flowset.flows) == n_flows
    assert flowset.flows["people"].sum() == sum(i % 997 + 1 for i in range(n_flows))
    assert len(flowset.places) == n_places
    assert elapsed < FAST, f"took {elapsed:.1f} s"
