"""Checks of the bundled gazetteer data (``gazetteer/data/places.csv``, built by ``build_places.py``) read as plain CSV.

These tests read the file with the csv module, not through :class:`gazetteer.Gazetteer`, so that a fault in the data
shows up as a data fault: a missing parent, a P-code that does not fit its admin chain, a place outside its
subdistrict, a row without a source.
"""

import csv
import io
import math
import re
from importlib import resources

import pytest
from shapely.geometry import Point, shape

from gazetteer.areas import admin_areas
from gazetteer.places import KINDS

COLUMNS = [
    "id", "name", "name_ar", "kind", "lat", "lon", "precision", "pcode", "admin1", "admin2", "admin3",
    "parent", "population", "population_source", "alt_names", "source",
]
# Syria, generously.
SYRIA_BBOX = (32.3, 35.6, 37.4, 42.4)
SETTLEMENT_KINDS = {"city", "town", "village"}
PCODE_PATTERNS = {
    "country": r"SY",
    "governorate": r"SY\d{2}",
    "district": r"SY\d{4}",
    "subdistrict": r"SY\d{6}",
}
# OCHA community codes (C4130), IOM's neighbourhood codes (N0183) and sub-community codes (C1767-1).
COMMUNITY_PCODE = r"[CN]\d{4}(-\d+)?"
# Words that would only appear in a place's names if a person or an organisation had slipped in.
NOT_PLACE_WORDS = ("tahrir", "assad", "hts", "putin", "trump", "erdogan", "nusra", "qaeda", "white helmets",
                   "civil defence", "observatory", "ocha", "hayat")


def _load_rows():
    text = resources.files("gazetteer").joinpath("data", "places.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return reader.fieldnames, list(reader)


HEADER, ROWS = _load_rows()
BY_ID = {row["id"]: row for row in ROWS}


def _km(lat1, lon1, lat2, lon2):
    p = math.pi / 180
    h = (math.sin((lat2 - lat1) * p / 2) ** 2
         + math.cos(lat1 * p) * math.cos(lat2 * p) * math.sin((lon2 - lon1) * p / 2) ** 2)
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def _names(row):
    return [row["name"], row["name_ar"]] + [a for a in row["alt_names"].split("|") if a]


def _of_kind(kind):
    return [row for row in ROWS if row["kind"] == kind]


def test_header_is_the_documented_column_list():
    assert HEADER == COLUMNS


def test_every_iom_community_and_more():
    # 8,394 IOM DTM communities, 348 admin areas, and the curated regions, camp clusters and crossings.
    assert len(ROWS) >= 8_700
    assert sum(1 for row in ROWS if re.fullmatch(COMMUNITY_PCODE, row["pcode"])) >= 8_394


def test_ids_are_unique_and_well_formed():
    ids = [row["id"] for row in ROWS]
    assert len(ids) == len(set(ids))
    for row in ROWS:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", row["id"]), row["id"]
        if row["kind"] in PCODE_PATTERNS:
            assert row["id"] == "adm-" + row["pcode"].lower(), row["id"]


def test_every_kind_is_known():
    assert {row["kind"] for row in ROWS} <= set(KINDS)


def test_every_row_has_a_name_and_hand_kept_and_admin_rows_an_arabic_name():
    for row in ROWS:
        assert row["name"].strip(), row["id"]
        if row["name_ar"]:
            assert re.search(r"[\u0600-\u06FF]", row["name_ar"]), row["id"]
        if not re.search(r"-(c|n)\d{4}(-\d+)?$|-gn\d+$", row["id"]):
            assert row["name_ar"], row["id"]
    # IOM's list has no Arabic names; its 2,455 OpenStreetMap matches and the researched villages bring them.
    assert sum(1 for row in ROWS if row["name_ar"]) >= 2_700


def test_coordinates_lie_in_syria():
    lat_min, lon_min, lat_max, lon_max = SYRIA_BBOX
    for row in ROWS:
        lat, lon = float(row["lat"]), float(row["lon"])
        assert lat_min <= lat <= lat_max and lon_min <= lon <= lon_max, row["id"]


SUBDISTRICTS = {f["properties"]["pcode"]: shape(f["geometry"]) for f in admin_areas(3)["features"]}


def test_every_point_lies_in_or_next_to_its_subdistrict():
    # OpenStreetMap points were matched by IOM within the subdistrict; a few sit just over a simplified border.
    for row in ROWS:
        if row["admin3"] and row["kind"] not in ("subdistrict", "region"):
            area = SUBDISTRICTS[row["admin3"]]
            distance_deg = area.distance(Point(float(row["lon"]), float(row["lat"])))
            assert distance_deg < 0.02, (row["id"], row["admin3"], round(distance_deg, 3))


def test_precision_is_point_or_an_admin_level_and_admin3_places_sit_at_their_subdistricts_point():
    assert {row["precision"] for row in ROWS} <= {"", "admin3", "admin2", "admin1"}
    for row in ROWS:
        if row["precision"] == "admin3":
            area = BY_ID["adm-" + row["admin3"].lower()]
            assert (row["lat"], row["lon"]) == (area["lat"], area["lon"]), row["id"]
            assert SUBDISTRICTS[row["admin3"]].contains(Point(float(row["lon"]), float(row["lat"]))), row["id"]
            assert "no point of its own" in row["source"], row["id"]


def test_pcodes_follow_the_old_ocha_scheme():
    for row in ROWS:
        kind, pcode = row["kind"], row["pcode"]
        if kind in PCODE_PATTERNS:
            assert re.fullmatch(PCODE_PATTERNS[kind], pcode), (row["id"], pcode)
        elif pcode:
            assert re.fullmatch(COMMUNITY_PCODE, pcode), (row["id"], pcode)
        for field, pattern in (("admin1", r"SY\d{2}"), ("admin2", r"SY\d{4}"), ("admin3", r"SY\d{6}")):
            if row[field]:
                assert re.fullmatch(pattern, row[field]), (row["id"], field, row[field])
        if row["admin2"]:
            assert row["admin2"].startswith(row["admin1"]), row["id"]
        if row["admin3"]:
            assert row["admin3"].startswith(row["admin2"]), row["id"]


def test_own_pcodes_are_unique():
    pcodes = [row["pcode"] for row in ROWS if row["pcode"]]
    assert len(pcodes) == len(set(pcodes))


def test_admin_areas_carry_their_own_code_at_their_level():
    for row in ROWS:
        if row["kind"] == "governorate":
            assert (row["admin1"], row["admin2"], row["admin3"]) == (row["pcode"], "", "")
        elif row["kind"] == "district":
            assert (row["admin2"], row["admin3"]) == (row["pcode"], "")
        elif row["kind"] == "subdistrict":
            assert row["admin3"] == row["pcode"]


def test_every_parent_exists_and_the_chain_ends_at_syria():
    for row in ROWS:
        seen = {row["id"]}
        current = row
        while current["parent"]:
            assert current["parent"] in BY_ID, (current["id"], current["parent"])
            current = BY_ID[current["parent"]]
            assert current["id"] not in seen, f"cycle through {current['id']}"
            seen.add(current["id"])
        assert current["id"] == "adm-sy"


EXPECTED_PARENT_KIND = {
    "governorate": {"country"},
    "district": {"governorate"},
    "subdistrict": {"district"},
    "city": {"subdistrict"},
    "town": {"subdistrict"},
    "village": {"subdistrict"},
    "border_crossing": {"subdistrict"},
    "camp": {"camp_cluster"},
    "region": {"country", "governorate", "district"},
}


def test_parents_are_of_the_documented_kind():
    for row in ROWS:
        if row["kind"] == "camp_cluster":
            assert row["parent"] == "region-border-camps", row["id"]
        elif row["kind"] in EXPECTED_PARENT_KIND:
            assert BY_ID[row["parent"]]["kind"] in EXPECTED_PARENT_KIND[row["kind"]], row["id"]


def _effective_code(row, level):
    """The P-code of ``row`` at admin ``level`` (1-3): its own code if it is an area of that level."""
    own_level = {"governorate": 1, "district": 2, "subdistrict": 3}.get(row["kind"])
    return row["pcode"] if own_level == level else row[f"admin{level}"]


def test_admin_codes_agree_with_the_parent_chain():
    for row in ROWS:
        if not row["parent"]:
            continue
        parent = BY_ID[row["parent"]]
        for level in (1, 2, 3):
            expected = _effective_code(parent, level)
            if expected:
                assert row[f"admin{level}"] == expected, (row["id"], level, row[f"admin{level}"], expected)


def test_settlements_have_a_full_admin_chain():
    for row in ROWS:
        if row["kind"] in SETTLEMENT_KINDS | {"border_crossing", "camp_cluster"}:
            assert row["admin1"] and row["admin2"] and row["admin3"], row["id"]


def test_every_row_cites_a_source_and_every_population_its_source():
    for row in ROWS:
        assert row["source"].strip(), row["id"]
        if row["population"]:
            assert int(row["population"]) >= 0, row["id"]
            assert row["population_source"].strip(), row["id"]


def test_alt_names_are_clean():
    for row in ROWS:
        alts = row["alt_names"].split("|") if row["alt_names"] else []
        assert all(a == a.strip() and a for a in alts), row["id"]
        assert len({a.casefold() for a in alts}) == len(alts), row["id"]
        assert row["name"].casefold() not in {a.casefold() for a in alts}, row["id"]


def test_no_person_or_organisation_names_in_hand_kept_rows():
    # Bulk sources name real villages after people ("Assad - Aslan Koy"); the hand-kept rows must not.
    for row in ROWS:
        if re.search(r"-(c|n)\d{4}(-\d+)?$|-gn\d+$", row["id"]) or row["kind"] not in ("region", "camp_cluster"):
            continue
        for name in _names(row):
            low = name.casefold()
            for word in NOT_PLACE_WORDS:
                assert not re.search(r"\b" + re.escape(word) + r"\b", low), (row["id"], name)


def test_all_fourteen_governorates():
    pcodes = sorted(row["pcode"] for row in _of_kind("governorate"))
    assert pcodes == [f"SY{n:02d}" for n in range(1, 15)]


# The districts and subdistricts of the old OCHA scheme (2004 census administration).
IDLIB_SUBDISTRICTS = {
    "SY0700": 7, "SY0702": 6, "SY0703": 6, "SY0704": 4, "SY0705": 3,
}
ALEPPO_BORDER_SUBDISTRICTS = {"SY0202": 7, "SY0203": 7, "SY0204": 6, "SY0208": 2}


@pytest.mark.parametrize("district,count", list(IDLIB_SUBDISTRICTS.items()) + list(ALEPPO_BORDER_SUBDISTRICTS.items()))
def test_every_district_and_subdistrict_of_idlib_and_the_aleppo_border_districts(district, count):
    assert "adm-" + district.lower() in BY_ID
    subdistricts = [row for row in _of_kind("subdistrict") if row["admin2"] == district]
    assert len(subdistricts) == count
    codes = sorted(row["pcode"] for row in subdistricts)
    assert codes == [f"{district}{n:02d}" for n in range(count)]


def test_idlib_has_exactly_its_five_districts():
    assert sorted(row["pcode"] for row in _of_kind("district") if row["admin1"] == "SY07") == [
        "SY0700", "SY0702", "SY0703", "SY0704", "SY0705"]


def test_the_ocha_example_codes():
    assert BY_ID["adm-sy07"]["name"] == "Idlib Governorate"
    assert BY_ID["adm-sy0703"]["name"] == "Harem District"
    assert BY_ID["adm-sy070301"]["name"] == "Dana Subdistrict"
    assert BY_ID["sy-atmeh"]["pcode"] == "C4130"


MAIN_TOWNS = ["sy-idlib", "sy-maarat-al-numan", "sy-saraqib", "sy-khan-sheikhoun", "sy-dana", "sy-sarmada",
              "sy-harim", "sy-salqin", "sy-ariha", "sy-jisr-al-shughur", "sy-binnish", "sy-sarmin", "sy-azaz",
              "sy-afrin", "sy-kafr-nabl", "sy-hish", "sy-tal-mannis", "sy-maasaran", "sy-maar-shamshah",
              "sy-atarib", "sy-darat-izza", "sy-maarrat-misrin", "sy-taftanaz", "sy-kafr-takharim", "sy-armanaz"]


@pytest.mark.parametrize("place_id", MAIN_TOWNS)
def test_main_towns_and_front_villages_are_present(place_id):
    assert BY_ID[place_id]["kind"] in SETTLEMENT_KINDS


CAMP_CLUSTERS = ["cc-atmeh", "cc-qah", "cc-deir-hassan", "cc-sarmada", "cc-al-karama", "cc-al-rahma",
                 "cc-bab-al-salameh"]


@pytest.mark.parametrize("place_id", CAMP_CLUSTERS)
def test_camp_clusters_have_a_population(place_id):
    row = BY_ID[place_id]
    assert row["kind"] == "camp_cluster"
    assert int(row["population"]) > 0
    assert row["population_source"].startswith("acu-camps-2020")


def test_camp_clusters_lie_near_the_turkish_border():
    # The clusters of Dana subdistrict are within ~15 km of Bab al-Hawa; the others sit at their crossing or town.
    crossing = BY_ID["bc-bab-al-hawa"]
    for place_id in ("cc-atmeh", "cc-qah", "cc-deir-hassan", "cc-sarmada", "cc-al-karama", "cc-al-rahma"):
        row = BY_ID[place_id]
        assert _km(float(row["lat"]), float(row["lon"]), float(crossing["lat"]), float(crossing["lon"])) < 15


def test_border_crossings():
    crossings = {row["id"]: row for row in _of_kind("border_crossing")}
    assert {"bc-bab-al-hawa", "bc-bab-al-salameh"} <= set(crossings)
    assert crossings["bc-bab-al-hawa"]["admin3"] == "SY070301"
    assert crossings["bc-bab-al-salameh"]["admin2"] == "SY0204"


REQUIRED_REGIONS = ["region-southern-idlib", "region-maarat-countryside", "region-saraqeb-east",
                    "region-eastern-idlib", "region-western-aleppo", "region-northern-idlib", "region-border-camps"]


@pytest.mark.parametrize("place_id", REQUIRED_REGIONS)
def test_required_regions_exist(place_id):
    assert BY_ID[place_id]["kind"] == "region"


def test_border_camps_region_holds_the_camp_clusters():
    children = {row["id"] for row in ROWS if row["parent"] == "region-border-camps"}
    assert set(CAMP_CLUSTERS) <= children
    assert {BY_ID[c]["kind"] for c in children} == {"camp_cluster"}


@pytest.mark.parametrize("row", [r for r in ROWS if r["source"].startswith("centroid of ")], ids=lambda r: r["id"])
def test_region_coordinates_are_the_centroid_of_the_members_named_in_source(row):
    members = row["source"][len("centroid of "):].split()
    assert members and all(m in BY_ID for m in members)
    lat = sum(float(BY_ID[m]["lat"]) for m in members) / len(members)
    lon = sum(float(BY_ID[m]["lon"]) for m in members) / len(members)
    assert float(row["lat"]) == pytest.approx(lat, abs=1e-4)
    assert float(row["lon"]) == pytest.approx(lon, abs=1e-4)




def test_same_name_places_are_kept_apart():
    # Suran in Azaz district and Suran in Hama district are two towns, not one.
    aleppo, hama = BY_ID["sy-suran-aleppo"], BY_ID["sy-suran-hama"]
    assert aleppo["name"] == hama["name"] == "Suran"
    assert (aleppo["admin1"], hama["admin1"]) == ("SY02", "SY05")
    # The Bidama/Badama of Jisr al-Shughur district is a town of Badama subdistrict, distinct from the subdistrict.
    assert BY_ID["sy-badama"]["parent"] == "adm-sy070401"
    assert "Bidama" in BY_ID["sy-badama"]["alt_names"].split("|")


# ---------------------------------------------------------------------------------------------- issue 11: sources

BY_PCODE = {row["pcode"]: row for row in ROWS if row["pcode"]}


def test_atmeh_has_its_community_pcode_and_a_sourced_point():
    row = BY_PCODE["C4130"]
    assert row["id"] == "sy-atmeh" and row["precision"] == ""
    assert row["source"].startswith("osm:node/")
    assert _km(float(row["lat"]), float(row["lon"]), 36.3105, 36.6864) < 0.5


def test_kafr_lusin_is_placed_honestly_at_danas_point():
    row = BY_PCODE["C8812"]
    assert row["name"] == "Kafr Lusin" and "Kafr Lusian" in row["alt_names"].split("|")
    assert row["precision"] == "admin3" and row["admin3"] == "SY070301"
    dana = BY_ID["adm-sy070301"]
    assert (row["lat"], row["lon"]) == (dana["lat"], dana["lon"])


def test_badama_is_one_town_with_its_pcode_and_the_bidama_spelling():
    row = BY_PCODE["C4226"]
    assert row["id"] == "sy-badama" and row["admin3"] == "SY070401"
    assert {"Bidama", "Bdama"} <= set(row["alt_names"].split("|"))


def test_all_admin_areas_of_cod_ab_are_present():
    for kind, count in (("governorate", 14), ("district", 62), ("subdistrict", 272)):
        assert len(_of_kind(kind)) == count, kind


def test_admin_polygons_match_the_admin_rows():
    for level, kind in ((1, "governorate"), (2, "district"), (3, "subdistrict")):
        collection = admin_areas(level)
        assert collection["type"] == "FeatureCollection" and "OCHA" in collection["attribution"]
        props = [f["properties"] for f in collection["features"]]
        assert sorted(p["pcode"] for p in props) == sorted(row["pcode"] for row in _of_kind(kind))
        for p in props:
            assert p["level"] == level and p["name"] and p["name_ar"]
            assert p["parent_pcode"] == ("SY" if level == 1 else p["pcode"][:-2])
    assert len(admin_areas(3)["features"]) == 272
    with pytest.raises(ValueError):
        admin_areas(4)


def test_admin_areas_are_a_new_collection_each_call():
    # read once per process: a caller changing what it got must not change what the next caller gets
    first = admin_areas(2)
    feature = first["features"][0]
    expected = (feature["properties"]["pcode"], feature["geometry"]["coordinates"][0][0][:])
    feature["properties"]["pcode"] = "changed"
    feature["geometry"]["coordinates"][0][0].clear()
    first["features"].clear()
    again = admin_areas(2)["features"][0]
    assert (again["properties"]["pcode"], again["geometry"]["coordinates"][0][0]) == expected


def test_every_admin_rows_point_lies_inside_its_polygon():
    for level in (1, 2, 3):
        for feature in admin_areas(level)["features"]:
            row = BY_PCODE[feature["properties"]["pcode"]]
            assert shape(feature["geometry"]).buffer(0.01).contains(Point(float(row["lon"]), float(row["lat"])))


# Spellings of OCHA's HNAP tables (December 2018) that differ from IOM's and must still be found.
OCHA_SPELLINGS = [("C6526", "Bahra (Hajin)"), ("C4122", "Tal Elkaramej"), ("C1552", "Ma'btali"), ("C3985", "Ma'arrat An Nu'man")]


@pytest.mark.parametrize("pcode,spelling", OCHA_SPELLINGS)
def test_ochas_own_spellings_are_kept(pcode, spelling):
    row = BY_PCODE[pcode]
    assert spelling in [row["name"]] + row["alt_names"].split("|")


def test_every_source_has_a_known_key_and_is_credited_in_sources_md():
    text = resources.files("gazetteer").joinpath("data", "SOURCES.md").read_text(encoding="utf-8")
    for row in ROWS:
        key = row["source"].split(":", 1)[0]
        if row["source"].startswith("centroid of "):
            continue
        assert f"`{key}:" in text, (row["id"], key)


def test_the_data_is_sorted_and_stays_small():
    data = resources.files("gazetteer").joinpath("data", "places.csv").read_bytes()
    assert len(data) < 3_000_000
    assert data.endswith(b"\n") and b"\r" not in data
    admin = [row for row in ROWS if row["kind"] in PCODE_PATTERNS]
    assert ROWS[:len(admin)] == admin
    assert [row["pcode"] for row in admin] == sorted(row["pcode"] for row in admin)
    rest = ROWS[len(admin):]
    keys = [(row["admin3"] or "~", row["id"]) for row in rest]  # rows without a subdistrict last
    assert keys == sorted(keys)


def test_every_source_is_credited_on_maps():
    from gazetteer.places import SOURCE_CREDITS, source_credit

    for row in ROWS:
        credit = source_credit(row["source"])
        if row["source"].startswith("centroid of "):
            assert credit == ""  # credited through the member rows
        else:
            assert credit in SOURCE_CREDITS.values(), (row["id"], row["source"])
    assert "OpenStreetMap" in source_credit(BY_PCODE["C4130"]["source"])
    assert "IOM DTM" in source_credit(BY_PCODE["C8812"]["source"])


def test_the_shipped_name_index_is_that_of_the_bundled_places():
    # name_index.json is built with places.csv (build_places.py); a change to either, or to the name keys, without a
    # rebuild would make the gazetteer look names up in stale tables
    import hashlib
    import json

    from gazetteer.data import bundled_places
    from gazetteer.index import index_tables

    data = resources.files("gazetteer").joinpath("data")
    raw = data.joinpath("name_index.json").read_bytes()
    assert len(raw) < 2_000_000
    shipped = json.loads(raw)
    assert shipped.pop("places_sha256") == hashlib.sha256(data.joinpath("places.csv").read_bytes()).hexdigest()
    assert shipped == json.loads(json.dumps(index_tables(bundled_places(), neighbours=True)))


def test_no_geonames_only_row_repeats_a_community_of_its_subdistrict():
    # a GeoNames town that is a community of its subdistrict under another spelling (‘Ayn al Fījah, Ein Elfijeh)
    # merges into it: two rows would make every such name ambiguous
    from gazetteer.normalize import skeleton_key

    def keys(row):
        names = [row["name"], row["name_ar"], *row["alt_names"].split("|")]
        return {skeleton_key(n) for n in names if n}

    communities = {}
    for row in ROWS:
        if re.fullmatch(COMMUNITY_PCODE, row["pcode"]):
            for key in keys(row):
                communities.setdefault((row["admin3"], key), set()).add(row["pcode"])
    repeats = {row["id"]: sorted(set().union(*(communities.get((row["admin3"], k), set()) for k in keys(row))))
               for row in ROWS if re.search(r"-gn\d+$", row["id"])}
    assert {rid: pcodes for rid, pcodes in repeats.items() if pcodes} == {}
    assert BY_ID["sy-ein-elfijeh-c2447"]["source"] == "geonames:172232"
    assert "‘Ayn al Fījah" in BY_ID["sy-ein-elfijeh-c2447"]["alt_names"].split("|")


def test_geonames_qabbasin_is_qabasins_names_not_a_town_of_its_own():
    # GeoNames 168061 repeats Qabasin (C1209) at a point 55 km east: no row of its own, its spellings go to Qabasin
    assert not [row for row in ROWS if "168061" in row["source"] or row["name"] == "Qabbāsīn"]
    assert {"Qabāsīn", "Qabbassine"} <= set(BY_ID["sy-qabasin"]["alt_names"].split("|"))
    assert BY_ID["sy-qabasin"]["lat"] == "36.43274"


def test_kishkiyeh_keeps_what_each_source_says():
    # OCHA HNAP names C5172 Kishkiyeh; IOM names C5172 Kishmah and C8365 Kishkiyeh, both in Hajin (SY090201)
    by_pcode = {row["pcode"]: row for row in ROWS if row["pcode"]}
    assert by_pcode["C5172"]["name"] == "Kishmah" and "Kishkiyeh" in by_pcode["C5172"]["alt_names"].split("|")
    assert by_pcode["C8365"]["name"] == "Kishkiyeh"
    assert by_pcode["C5172"]["admin3"] == by_pcode["C8365"]["admin3"] == "SY090201"
