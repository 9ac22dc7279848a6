"""How the gazetteer does on OCHA's own table (run by hand; not a test).

``python benchmarks/bench_hnap.py PATH/ocha_hnap_idp_arrivals_by_community_dec2018.csv
PATH/ocha_hnap_returns_by_community_dec2018.csv [--show wrong,ambiguous]``

Each table (IDP arrivals, returns) lists communities with their OCHA P-codes and subdistrict P-codes. Prints, per
table, for its community names:

- with each row's subdistrict P-code as context (``within=``): right (the row's own community P-code), ambiguous,
  wrong (another place), not found;
- the same without context;
- every community P-code resolved as a name: right (the place whose own P-code it is) or not.

A name "right" without context is resolved to the row's community; "ambiguous" lists candidates (the user must add
context); "wrong" is a confident answer naming another place, the failure that matters most.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gazetteer import Gazetteer  # noqa: E402


def _outcome(match, pcode: str) -> str:
    if match.place is None:
        return "not found"
    if match.ambiguous:
        return "ambiguous"
    return "right" if match.place.pcode.upper() == pcode.upper() else "wrong"


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [row for row in csv.DictReader(fh) if row.get("community_pcode")]


def _report(label: str, outcomes: list[tuple[str, dict, object]], show: set[str]) -> None:
    counts = Counter(outcome for outcome, _, _ in outcomes)
    total = len(outcomes)
    parts = ", ".join(f"{key} {counts[key]} ({100 * counts[key] / total:.1f} %)"
                      for key in ("right", "ambiguous", "wrong", "not found"))
    print(f"{label:<28} {total} names: {parts}")
    for outcome, row, match in outcomes:
        if outcome in show:
            got = "-" if match.place is None else f"{match.place.name} ({match.place.kind}, {match.place.pcode})"
            others = ", ".join(f"{p.name} {p.pcode}" for p in match.alternatives[:3])
            print(f"    {outcome:<9} {row['community']!r} [{row['community_pcode']} in {row['subdistrict_pcode']}] "
                  f"-> {got} {match.method} {match.score:.0f}  {others}")


def bench_table(gaz, path: Path, show: set[str]) -> None:
    rows = _rows(path)
    start = time.perf_counter()
    within = [(_outcome(m, row["community_pcode"]), row, m) for row in rows
              for m in gaz.resolve_many([row["community"]], within=row["subdistrict_pcode"])]
    without = [(_outcome(m, row["community_pcode"]), row, m)
               for row, m in zip(rows, gaz.resolve_many([row["community"] for row in rows]))]
    pcodes = [(_outcome(m, row["community_pcode"]), row, m)
              for row, m in zip(rows, gaz.resolve_many([row["community_pcode"] for row in rows]))]
    seconds = time.perf_counter() - start
    print(f"{path.name}: {len(rows)} communities, gazetteer of {len(gaz):,} places")
    _report("within the subdistrict", within, show)
    _report("without context", without, show)
    _report("community P-codes", pcodes, show)
    print(f"({seconds:.2f} s for all three passes)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", type=Path, nargs="+", metavar="path",
                        help="ocha_hnap_idp_arrivals_by_community_dec2018.csv, ocha_hnap_returns_by_community_dec2018"
                             ".csv (or another table with community, community_pcode, subdistrict_pcode columns)")
    parser.add_argument("--show", default="wrong", help="outcomes to list, comma-separated (right, ambiguous, "
                                                        "wrong, not found); default: wrong")
    args = parser.parse_args(argv)
    show = {s.strip() for s in args.show.split(",") if s.strip()}
    gaz = Gazetteer.default()
    for path in args.paths:
        bench_table(gaz, path, show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
