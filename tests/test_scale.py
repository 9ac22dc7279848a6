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
