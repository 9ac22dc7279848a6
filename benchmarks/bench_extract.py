"""How well ``idpmap extract`` drafts reports: precision and recall per field against a hand-built key.

Usage::

    python benchmarks/bench_extract.py ARTICLES_FOLDER [--key benchmarks/extract_key.csv] [--show]
    python benchmarks/bench_extract.py --speed [--sizes 16000,64000,262144,1048576]

``heldout_key.csv`` keys, the same way, statements from 15 real texts of other outlets (English, French, Arabic; UN
situation reports and news, 2018-2020) that were not used to build the extractor's rules at first: the texts belong
to their publishers and are not in the project (the "extract" engineer kept them in /work/coord/heldout/, each with
its address); pass their folder with ``--key benchmarks/heldout_key.csv --given-dates``. Rules were later fixed on
its misses, so it no longer measures texts the extractor has not seen.

``heldout2_key.csv`` keys 12 more real texts (9 English, 3 French; ACAPS, OCHA, WFP, Reuters, UN Peacekeeping and
news, 2018-2020), collected and keyed by hand by an engineer who did not work on the extractor, before any run
(texts in /work/coord/heldout2/, with their addresses). Measured first on 2026-12-05 (``--given-dates``), as
precision / recall: figure 100 / 68.8, period 90 / 45, origin 41.2 / 33.3, destination 61.5 / 29.6, agency 60 /
27.3. Place-role rules were then fixed on its misses (origin 77.8 / 33.3, destination 69.6 / 59.3 after), so it too
is no longer held out.

``--speed`` times the extraction against input size on generated texts (varied prose written for this benchmark,
and hostile shapes: one long line of numbers, of capitalised words, of dots, of number words), to show that the time
grows linearly with the input.

The articles stay outside the project: pass the folder that holds them. ``extract_key.csv`` lists, per article (by
file name), every statement of people displaced, killed or wounded that the article makes, as facts: figure (a number
or the vague phrase), qualifier, unit, period, origin, destination, agency; with the article's publisher and
publication date. The extractor is given neither: it reads them from the texts, the folder's articles read
together as ``idpmap extract FOLDER`` reads them; the publication date and publisher it finds are scored per article
(``--given-dates`` passes the key's dates instead, to score the rest apart from the dates).

Matching: within an article, each key row is paired with at most one extracted row of the same kind and the same
figure (number, or vague phrase); the pairing prefers the same unit and then the same period. Then, per field:

* precision = correct values / values the extractor filled in (on every row it produced, paired or not);
* recall = correct values / values the key fills in.

A key cell left empty means the article does not say: a value the extractor gives there counts against its
precision. Places are compared as places: both
names go through the gazetteer; two names match when they resolve to the same place or to places of the same name
(a city and the governorate named after it); a name the gazetteer holds only by a fuzzy match counts as the name
itself ("northern Aleppo" is not "western Aleppo countryside"). Origins and destinations count per place.

An estimated publication date is scored as the day extract drafts with (the first the text allows); the line
shows the days the text allows.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gazetteer import Gazetteer, normalize_name  # noqa: E402
from mapper.extract import date_articles, extract_reports, read_article  # noqa: E402

FIELDS = ("figure", "qualifier", "unit", "period", "origin", "destination", "agency")


def _figure_key(row: dict) -> str:
    """The figure as compared: the number as an integer string, or the vague phrase."""
    for name in ("figure", "figure_max"):
        value = (row.get(name) or "").strip()
        if value:
            try:
                return str(int(float(value)))
            except ValueError:
                return value.lower()
    return (row.get("vague") or "").strip().lower()


def _names(value: str) -> list[str]:
    return [n.strip() for n in (value or "").split(";") if n.strip()]


def _base(name: str) -> str:
    """A place name without its kind word ("Aleppo governorate" -> "aleppo")."""
    base = normalize_name(name)
    for word in (" governorate", " district", " subdistrict", " city", " province"):
        base = base.removesuffix(word)
    return base


class _PlaceKey:
    """Place names to comparable keys, through the gazetteer."""

    def __init__(self, gazetteer):
        self.g = gazetteer
        self.cache = {}

    def __call__(self, name: str, within: str = "") -> tuple[str, str]:
        key = (name, within)
        if key not in self.cache:
            match = self.g.get(name, within=within or None)
            # A fuzzy match is another place ("northern Aleppo" is not "western Aleppo countryside").
            place = getattr(match, "place", None) if getattr(match, "method", "") != "fuzzy" else None
            if place is None:
                self.cache[key] = ("name:" + normalize_name(name), _base(name))
            else:
                self.cache[key] = (place.id, _base(place.name))
        return self.cache[key]

    def same(self, a, b) -> bool:
        return a[0] == b[0] or a[1] == b[1]


def _load_key(path: Path) -> dict[str, list[dict]]:
    by_article = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            by_article[row["article"]].append(row)
    return by_article


def _pair(key_rows, got_rows):
    """Greedy one-to-one pairing on (kind, figure), preferring the same unit, then the same period."""
    pairs = []
    free = list(range(len(got_rows)))
    for k in key_rows:
        candidates = [i for i in free if got_rows[i]["kind"] == k["kind"]
                      and _figure_key(got_rows[i]) == _figure_key(k)]
        if not candidates:
            pairs.append((k, None))
            continue
        candidates.sort(key=lambda i: (got_rows[i]["unit"] != k["unit"],
                                       got_rows[i]["period_start"] != k["period_start"]))
        best = candidates[0]
        free.remove(best)
        pairs.append((k, got_rows[best]))
    unpaired = [got_rows[i] for i in free]
    return pairs, unpaired


def _score(pairs, unpaired, places: _PlaceKey, counts):
    """Add this article's counts: counts[field] = [correct, filled_by_extractor, filled_in_key]."""
    for k, g in pairs:
        counts["figure"][2] += 1
        if g is not None:
            counts["figure"][0] += 1
            counts["figure"][1] += 1
        for name in ("qualifier", "unit", "agency"):
            counts[name][2] += bool(k[name])
            if g is not None and g[name]:
                counts[name][1] += 1
                counts[name][0] += g[name].strip().lower() == k[name].strip().lower()
        counts["period"][2] += bool(k["period_start"])
        if g is not None and g["period_start"]:
            counts["period"][1] += 1
            counts["period"][0] += (g["period_start"], g["period_end"]) == (k["period_start"], k["period_end"])
        for name in ("origin", "destination"):
            want = [places(n) for n in _names(k[name])]
            have = [places(n, g[f"{name}_within"]) for n in _names(g[name])] if g is not None else []
            counts[name][2] += len(want)
            counts[name][1] += len(have)
            counts[name][0] += sum(any(places.same(h, w) for w in want) for h in have)
    for g in unpaired:
        counts["figure"][1] += 1


_TOWNS = ("Saraqib", "Ariha", "Atme", "Sarmada", "Dana", "Maarat al-Numan", "Kafr Nabl", "Jisr al-Shughur")
_AGENCIES = ("OCHA", "the Response Coordinators Team", "the White Helmets", "the UN")


def _prose(size: int) -> str:
    """Varied news-like sentences (written for this benchmark) up to ``size`` characters."""
    parts, total, i = [], 0, 0
    while total < size:
        town, other = _TOWNS[i % len(_TOWNS)], _TOWNS[(i * 3 + 1) % len(_TOWNS)]
        agency = _AGENCIES[i % len(_AGENCIES)]
        day = i % 27 + 1
        parts.append(f"More than {1000 + 37 * i:,} people fled {town} towards camps near {other} between {day} and "
                     f"{day + 1} February, {agency} said. On Tuesday, at least {i % 40 + 2} civilians were killed in "
                     f"{other} and {i % 9 + 1} were wounded. Families are sheltering in {town} and {other}.\n")
        total += len(parts[-1])
        i += 1
    return "".join(parts)[:size]


_SHAPES = {
    "prose": _prose,
    "numbers": lambda n: ("1 " * (n // 2 + 1))[:n],
    "capitals": lambda n: ("Idlib Saraqib Kafr " * (n // 19 + 1))[:n],
    "dots": lambda n: "." * n,
    "number words": lambda n: ("one thousand and " * (n // 17 + 1))[:n],
}


def speed(sizes) -> int:
    """Time extraction against input size for each shape of text."""
    import time

    gazetteer = Gazetteer.default()
    extract_reports(read_article("warm up: 3 people fled Idlib.", published="2020-02-28"), gazetteer=gazetteer)
    print(f"{'text':<13} {'size':>9} {'seconds':>8} {'µs/KB':>7} {'rows':>6}")
    for shape, make in _SHAPES.items():
        for size in sizes:
            text = make(size)
            started = time.perf_counter()
            extraction = extract_reports(read_article(text, published="2020-02-28"), gazetteer=gazetteer)
            took = time.perf_counter() - started
            print(f"{shape:<13} {size:>9} {took:>8.2f} {took / size * 1024 * 1e6:>7.0f} {len(extraction.reports):>6}",
                  flush=True)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", help="folder holding the articles named in the key")
    parser.add_argument("--key", type=Path, default=Path(__file__).with_name("extract_key.csv"))
    parser.add_argument("--show", action="store_true", help="list the unpaired rows of both sides")
    parser.add_argument("--given-dates", action="store_true", help="give the extractor the key's publication dates")
    parser.add_argument("--speed", action="store_true", help="time extraction against input size instead")
    parser.add_argument("--sizes", default="16384,65536,262144,1048576", help="input sizes for --speed (bytes)")
    args = parser.parse_args(argv)
    if args.speed:
        return speed([int(n) for n in args.sizes.split(",")])
    if args.folder is None:
        parser.error("give the folder of articles (or --speed)")
    key = _load_key(args.key)
    gazetteer = Gazetteer.default()
    places = _PlaceKey(gazetteer)
    counts = {name: [0, 0, 0] for name in FIELDS}
    numeric = [0, 0, 0]
    missing = [name for name in key if not (args.folder / name).is_file()]
    if missing:
        print(f"error: {args.folder}: missing article(s) {', '.join(missing)}", file=sys.stderr)
        return 2
    articles = [read_article((args.folder / name).read_text(encoding="utf-8"), name=Path(name).stem,
                             published=rows[0]["published"] if args.given_dates else None)
                for name, rows in key.items()]
    dated = [0, 0]
    for article, rows in zip(date_articles(articles), key.values()):
        found = article.published.isoformat() if article.published else ""
        dated[0] += found == rows[0]["published"]
        dated[1] += article.publisher.lower() == rows[0]["publisher"].lower()
        how = article.published_how or "not found"
        if how == "estimated" and article.publication.uncertain:
            how += f", the text allows {article.publication.span()}"
        print(f"{article.name}: published {found or '?'} ({how}; key "
              f"{rows[0]['published']}), publisher {article.publisher or '?'} (key {rows[0]['publisher']})")
    for article, (name, key_rows) in zip(date_articles(articles), key.items()):
        extraction = extract_reports(article, gazetteer=gazetteer)
        got = [dict(r.to_row(), vague=r.vague) for r in extraction.reports]
        pairs, unpaired = _pair(key_rows, got)
        _score(pairs, unpaired, places, counts)
        for k, g in pairs:
            if _figure_key(k).isdigit():
                numeric[2] += 1
                numeric[0] += g is not None
        numeric[1] += sum(1 for g in got if _figure_key(g).isdigit())
        if args.show:
            for k, g in pairs:
                if g is None:
                    print(f"{name}: missed {k['kind']} {_figure_key(k)} {k['unit']}")
            for g in unpaired:
                print(f"{name}: extra {g['kind']} {_figure_key(g)} {g['unit']}: {g['quote'][:90]!r}")
    print(f"{'field':<12} {'precision':>9} {'recall':>7}   (correct / extracted / in key)")
    for name in FIELDS:
        correct, filled, wanted = counts[name]
        precision = correct / filled if filled else float("nan")
        recall = correct / wanted if wanted else float("nan")
        print(f"{name:<12} {precision:>9.1%} {recall:>7.1%}   ({correct} / {filled} / {wanted})")
    print(f"{'published':<12} {dated[0]} / {len(key)} articles right;  publisher {dated[1]} / {len(key)}")
    correct, filled, wanted = numeric
    print(f"{'figure (numbers only)':<12} {correct / filled:>9.1%} {correct / wanted:>7.1%}   "
          f"({correct} / {filled} / {wanted})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
