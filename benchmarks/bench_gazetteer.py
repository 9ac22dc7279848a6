"""Gazetteer benchmark (run by hand): ``python benchmarks/bench_gazetteer.py [--store-size 50000] [--tune]``.

Prints
- resolves per second for exact and variant spellings over the bundled data, first sight (target >= 50,000/s in
  plain Python) and repeated;
- the same over a generated store of 50,000 imported names (import and load time too);
- fuzzy resolving of generated misspellings against ``difflib.get_close_matches`` on the same names in the same
  run: speed (target >= 20x faster) and accuracy (target: at least as good), plus how many names of people and
  organisations each wrongly takes for a place. ``gazetteer`` answers as ``get()`` does (an ambiguous name is no
  answer); ``(batch)`` as ``resolve_many()`` does (its preferred candidate, flagged ambiguous);
- ``idpmap --help`` and ``idpmap resolve Atme`` start times (target <= 0.3 s for resolve).

``--tune`` also prints accuracy and false positives of the fuzzy tier for a range of cutoffs. The fuzzy comparison
runs on 20,000 misspellings (about a minute, most of it difflib's): on 2,000, accuracy moves by a few tenths of a
point from one ``--seed`` to another, more than the differences it is meant to show (``--fuzzy-queries 2000`` for a
quick look).
"""

from __future__ import annotations

import argparse
import difflib
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gazetteer import Gazetteer  # noqa: E402
from gazetteer.data import bundled_places  # noqa: E402
from gazetteer.normalize import is_arabic  # noqa: E402
from gazetteer.store import import_file  # noqa: E402

#: Names of people, organisations and foreign places from the reports: none may resolve.
NON_PLACES = [
    "Hayat Tahrir al-Sham", "Tahrir al-Sham", "HTS", "Bashar al-Assad", "Bashar Al-Assad", "Assad", "Russia",
    "Russian", "Moscow", "White Helmets", "OCHA", "UN OCHA", "Syrian Response Coordination Group",
    "Response Coordination Group", "Syrian Observatory for Human Rights", "Syrian Civil Defence", "Anadolu",
    "Zaman Al Wasl", "Al Jazeera", "Le Monde", "The New Arab", "AFP", "dpa", "Erdogan", "Putin", "Jabhat al-Nusra",
    "al-Qaeda", "Islamic State", "European Union", "United Nations", "UNHCR", "Red Crescent", "Europe",
    "Geneva", "Berlin", "Paris", "London", "Ankara", "Istanbul", "Tehran", "Washington",
]


def _fresh(gaz) -> Gazetteer:
    """A gazetteer over the same places that has seen no name yet (answers are remembered per gazetteer), its
    tables loaded (the variant and fuzzy tables are read or built on the first lookup that needs them: a one-off
    cost at start, not a per-name one). The entries one consonant from a skeleton are gathered per skeleton, at
    first sight of it: that cost is in the numbers."""
    fresh = Gazetteer(bundled_places(), store=gaz.store)
    fresh.resolve_many(["Qqxv Zzk", "Marat al Numaan", "Sarakib", "Khan Sheykhoun", "Khan Shaykoun"])
    return fresh


def _resolve_all(gaz, queries) -> float:
    """Seconds to resolve every name once (the loop calls the resolver directly: no wrapper call to time)."""
    resolve = gaz.resolve
    start = time.perf_counter()
    for q in queries:
        try:
            resolve(q)
        except LookupError:
            pass
    return time.perf_counter() - start


def _rates(gaz, queries, *, repeat=9) -> tuple[float, float]:
    """``(first sight, repeated)`` resolves/second over ``queries`` (distinct names), best of ``repeat`` passes.

    First sight: a fresh gazetteer over the same places, so every name is normalised and looked up. Repeated: the
    same names again (report files repeat a few dozen names thousands of times). The best pass, as ``timeit``
    advises: on a shared virtual machine one pass of the same code can take half as long again as the next.
    """
    first = again = 0.0
    for _ in range(repeat):
        gaz = _fresh(gaz)
        first = max(first, len(queries) / _resolve_all(gaz, queries))
        again = max(again, len(queries) / _resolve_all(gaz, queries))
    return first, again


def _print_rates(label, gaz, queries) -> None:
    first, again = _rates(gaz, queries)
    print(f"  {label:<14} {first:>10,.0f} resolves/s at first sight, {again:>10,.0f}/s repeated "
          f"({len(queries):,} distinct names)")


def _variant_spelling(name: str, rng: random.Random) -> str:
    """A transliteration variant: the kind of spelling differences agencies and newspapers make."""
    swaps = [("al-", "el "), ("al-", "al "), ("Al-", "Al "), ("q", "k"), ("Q", "K"), ("u", "ou"), ("ou", "u"),
             ("i", "e"), ("e", "i"), ("sh", "ch"), ("kh", "kh"), ("aa", "a"), ("a", "aa"), ("'", ""), ("-", " ")]
    out = name
    for old, new in rng.sample(swaps, 4):
        out = out.replace(old, new, 1)
    if out == name:
        out = name.upper()
    return out


def _misspell(name: str, rng: random.Random) -> str:
    """One random typo (delete, insert, substitute, swap) after the first letter."""
    letters = "abdefghiklmnoqrstuyz"
    i = rng.randrange(1, len(name))
    op = rng.choice(("delete", "insert", "substitute", "swap"))
    if op == "delete":
        return name[:i] + name[i + 1:]
    if op == "insert":
        return name[:i] + rng.choice(letters) + name[i:]
    if op == "substitute":
        return name[:i] + rng.choice(letters) + name[i + 1:]
    i = min(i, len(name) - 2)
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]


def _unique_latin_names(gaz) -> dict[str, str]:
    """Latin names that belong to exactly one place: name -> place id."""
    owners: dict[str, set[str]] = {}
    for place in gaz.places:
        for name in (place.name, *place.alt_names):
            if not is_arabic(name):
                owners.setdefault(name, set()).add(place.id)
    return {n: next(iter(ids)) for n, ids in owners.items() if len(ids) == 1}


def bench_bundled(rng) -> None:
    gaz = Gazetteer.default()
    names = _unique_latin_names(gaz)
    generated = list(dict.fromkeys(_variant_spelling(n, rng) for n in names))
    generated = [v for v in generated if gaz.resolve_many([v])[0].method != "exact"]
    gaz = _fresh(gaz)
    start = time.perf_counter()
    matches = [gaz.resolve_many([v])[0] for v in generated]
    cold = len(generated) / (time.perf_counter() - start)
    distinct = [v for v, m in zip(generated, matches) if m.method == "variant" and not m.ambiguous]
    print(f"bundled data: {len(gaz)} places, {len(names)} unique Latin names")
    _print_rates("exact names", gaz, list(names))
    _print_rates("variant names", gaz, distinct)
    print(f"  all {len(generated)} generated variant spellings, fuzzy tier included: {cold:,.0f}/s at first sight")


_PREFIXES = ["Kafr", "Tal", "Deir", "Ain", "Khirbet", "Jisr", "Maarat", "Bab", "Ras", "Qasr", "Beit", "Umm", "Tell",
             "Jabal", "Wadi", "Mazraat", "Qaryat", "Birat", "Mashhad", "Abu"]
_ONSETS = ["b", "t", "th", "j", "h", "kh", "d", "r", "z", "s", "sh", "f", "q", "k", "l", "m", "n", "w", "y", "gh"]
_VOWELS = ["a", "i", "u", "aa", "ee", "ou", "ay"]


def _synthetic_name(rng) -> str:
    root = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(2, 3)))
    root += rng.choice(["", "n", "r", "l", "b", "h", "yeh", "iyah", "a"])
    root = root.capitalize()
    if rng.random() < 0.6:
        article = rng.choice(["", "al-", "al-", "el-"])
        return f"{rng.choice(_PREFIXES)} {article}{root}"
    return root


def bench_store(rng, size: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "places.csv"
        names = {}
        while len(names) < size:
            name = _synthetic_name(rng)
            names.setdefault(name, (34.5 + rng.random() * 2.5, 35.8 + rng.random() * 2.5))
        with csv_path.open("w", encoding="utf-8") as fh:
            fh.write("id,name,lat,lon\n")
            for i, (name, (lat, lon)) in enumerate(names.items()):
                fh.write(f"syn-{i},{name},{lat:.5f},{lon:.5f}\n")
        store = Path(tmp) / "store.sqlite"
        start = time.perf_counter()
        import_file(csv_path, store_path=store)
        imported = time.perf_counter() - start
        start = time.perf_counter()
        gaz = Gazetteer.default(store=store)
        loaded = time.perf_counter() - start
        print(f"store of {size:,} generated names: import {imported:.1f} s, open {loaded:.2f} s")
        queries = rng.sample(list(names), min(size, 50_000))
        _print_rates("exact names", gaz, queries)
        variants = [_variant_spelling(n, rng) for n in queries]
        gaz = _fresh(gaz)
        start = time.perf_counter()
        matches = [gaz.resolve_many([v])[0] for v in variants]
        cold = len(variants) / (time.perf_counter() - start)
        by_method = {}
        for m in matches:
            key = "ambiguous" if m.ambiguous else m.method
            by_method[key] = by_method.get(key, 0) + 1
        variant_only = list(dict.fromkeys(v for v, m in zip(variants, matches)
                                          if m.method == "variant" and not m.ambiguous))
        _print_rates("variant names", gaz, variant_only)
        print(f"  all {len(variants):,} generated variants, fuzzy tier included: {cold:,.0f}/s at first sight; "
              + ", ".join(f"{k} {v / len(matches):.1%}" for k, v in sorted(by_method.items()))
              + " (generated names often look alike)")


def _fuzzy_case(gaz, rng, count):
    names = _unique_latin_names(gaz)
    pool = [n for n in names if len(n) >= 5]
    queries = []
    while len(queries) < count:
        name = rng.choice(pool)
        typo = _misspell(name, rng)
        if gaz.resolve_many([typo])[0].method != "exact":
            queries.append((typo, names[name]))
    return names, queries


def bench_fuzzy(rng, count: int = 400, tune: bool = False) -> None:
    gaz = Gazetteer.default()
    names, queries = _fuzzy_case(gaz, rng, count)
    lowered = {}
    for place in gaz.places:
        for name in (place.name, *place.alt_names):
            lowered.setdefault(name.lower(), place.id)
    choices = list(lowered)

    def ours(q):
        m = gaz.get(q)
        return m.place.id if m else None

    def theirs(q):
        hit = difflib.get_close_matches(q.lower(), choices, n=1, cutoff=0.8)
        return lowered[hit[0]] if hit else None

    def ours_batch(q):
        # resolve_many's answer: the preferred candidate even when the name is ambiguous (flagged, not dropped)
        m = gaz.resolve_many([q])[0]
        return m.place.id if m.place else None

    results = {}
    for label, func in (("gazetteer", ours), ("  (batch)", ours_batch), ("difflib", theirs)):
        gaz = _fresh(gaz)
        start = time.perf_counter()
        answers = [func(q) for q, _ in queries]
        elapsed = time.perf_counter() - start
        right = sum(a == want for a, (_, want) in zip(answers, queries))
        wrong = sum(a is not None and a != want for a, (_, want) in zip(answers, queries))
        false_pos = [n for n in NON_PLACES if func(n) is not None]
        results[label] = elapsed
        print(f"  {label:9}: {len(queries) / elapsed:>9,.0f} queries/s, right {right / len(queries):.1%}, "
              f"wrong place {wrong / len(queries):.1%}, non-places taken for places: {len(false_pos)}"
              + (f" {false_pos}" if false_pos else ""))
    print(f"  speed-up: {results['difflib'] / results['gazetteer']:.0f}x")
    if tune:
        for cutoff in (70, 75, 78, 80, 82, 84, 86, 88, 90):
            g = Gazetteer.default(fuzzy_cutoff=cutoff)
            answers = [g.get(q) for q, _ in queries]
            right = sum(bool(a) and a.place.id == want for a, (_, want) in zip(answers, queries))
            wrong = sum(bool(a) and a.place.id != want for a, (_, want) in zip(answers, queries))
            fp = [n for n in NON_PLACES if g.get(n) is not None]
            print(f"    cutoff {cutoff}: right {right / len(queries):.1%}, wrong {wrong / len(queries):.1%}, "
                  f"non-places {fp}")


def bench_help() -> None:
    def median(args):
        runs = []
        for _ in range(7):
            start = time.perf_counter()
            subprocess.run([sys.executable, *args], capture_output=True, check=True)
            runs.append(time.perf_counter() - start)
        return statistics.median(runs)

    base = median(["-c", "pass"])
    total = median(["-m", "mapper", "--help"])
    resolve = median(["-m", "mapper", "resolve", "Atme"])
    print(f"idpmap --help: {total:.3f} s, idpmap resolve Atme: {resolve:.3f} s (python itself {base:.3f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store-size", type=int, default=50_000)
    parser.add_argument("--fuzzy-queries", type=int, default=20_000)
    parser.add_argument("--tune", action="store_true", help="also print fuzzy accuracy for a range of cutoffs")
    parser.add_argument("--seed", type=int, default=2019)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    bench_bundled(rng)
    bench_store(rng, args.store_size)
    print(f"fuzzy: {args.fuzzy_queries} misspelt names (one typo each) and {len(NON_PLACES)} non-places")
    bench_fuzzy(rng, args.fuzzy_queries, args.tune)
    bench_help()


if __name__ == "__main__":
    main()
