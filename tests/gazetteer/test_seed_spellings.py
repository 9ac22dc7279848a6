"""Every place spelling used in the five articles idpmap started from resolves to the right place.

Each row gives the spelling as the article wrote it, the place it means, and a point from an independent source
(the source is named in the comment; see ``gazetteer/data/SOURCES.md``). The resolved place must lie within 1 km of
that point. Names of people and organisations from the same articles must not resolve to any place.
"""

import math

import pytest

from gazetteer import Gazetteer
from gazetteer.errors import AmbiguousPlaceError, PlaceNotFoundError
from gazetteer.normalize import exact_key

# (spelling in the article, expected place id, lat, lon)
SEED_SPELLINGS = [
    # Maarat al-Numan: point from its Arabic Wikipedia infobox (the data row cites GeoNames 167611).
    ("Maaret al-Numan", "sy-maarat-al-numan", 35.64750, 36.67417),
    ("Maarat al-Numan", "sy-maarat-al-numan", 35.64750, 36.67417),
    ("Marratinnuman", "sy-maarat-al-numan", 35.64750, 36.67417),
    ("Maaret al-Numaan", "sy-maarat-al-numan", 35.64750, 36.67417),
    ("Maarat Al-Nouman", "sy-maarat-al-numan", 35.64750, 36.67417),
    # Saraqib: GeoNames 164816.
    ("Saraqeb", "sy-saraqib", 35.86447, 36.80591),
    ("Saraqib", "sy-saraqib", 35.86447, 36.80591),
    ("Saraqab", "sy-saraqib", 35.86447, 36.80591),
    # Tal Mannis: Arabic Wikipedia infobox.
    ("Tal Mannis", "sy-tal-mannis", 35.64111, 36.73500),
    ("Telmanas", "sy-tal-mannis", 35.64111, 36.73500),
    # Bidama: the only Bidama/Badama with a known coordinate is the town of Badama subdistrict (GeoNames 171494).
    ("Bidama", "sy-badama", 35.81151, 36.19649),
    # Maasaran: Arabic Wikipedia infobox.
    ("Maasaran", "sy-maasaran", 35.70833, 36.80500),
    # al-Kanayes: the OCHA populated-places point of C3956 (the seed research), 1.2 km from the OSM node.
    ("al-Kanayes", "sy-kanayes-c3956", 35.726536, 36.870357),
    # Maar Shamshah: English Wikipedia infobox.
    ("Maar Shamshah", "sy-maar-shamshah", 35.63528, 36.71056),
    # Khan Sheikhoun: GeoNames 168325.
    ("Khan Sheikhoun", "sy-khan-sheikhoun", 35.44208, 36.65095),
    # The border: Bab al-Hawa crossing, and the villages whose camps shelter the displaced (Wikipedia infoboxes).
    ("Bab al-Hawa", "bc-bab-al-hawa", 36.230639, 36.692639),
    ("Kah", "sy-qah", 36.29639, 36.72528),
    ("Deir Hassan", "sy-deir-hassan", 36.231389, 36.762500),
    ("Atme", "sy-atmeh", 36.31111, 36.68639),
    # Idlib city: GeoNames 169389.
    ("Idlib", "sy-idlib", 35.93062, 36.63393),
    ("Idlib city", "sy-idlib", 35.93062, 36.63393),
    # Aleppo city: GeoNames 170063.
    ("Aleppo", "sy-aleppo", 36.20124, 37.16117),
    # Admin areas: OpenSyria centroids.
    ("Idlib province", "adm-sy07", 35.76667, 36.66667),
    ("Idlib governorate", "adm-sy07", 35.76667, 36.66667),
    ("Idlib region", "adm-sy07", 35.76667, 36.66667),
    ("Hama province", "adm-sy05", 35.23333, 37.20000),
    ("Latakia province", "adm-sy06", 35.56667, 36.03333),
    ("Marratinnuman district", "adm-sy0702", 35.53858, 36.79193),
    ("Maaret al-Numaan district", "adm-sy0702", 35.53858, 36.79193),
    # Syria: centroid of the OSM-derived land polygon.
    ("Syria", "adm-sy", 35.02161, 38.51269),
    # Regions: centroid of the member places named in the row's source.
    ("southern Idlib", "region-southern-idlib", 35.59420, 36.72317),
    ("southern   Idlib", "region-southern-idlib", 35.59420, 36.72317),
    ("south of Idlib", "region-southern-idlib", 35.59420, 36.72317),
    ("southern Idlib province", "region-southern-idlib", 35.59420, 36.72317),
    ("Maaret al-Numan region", "region-maarat-countryside", 35.64711, 36.73322),
    ("Maarat al-Numan and the surrounding countryside", "region-maarat-countryside", 35.64711, 36.73322),
    ("Saraqab and its eastern countryside", "region-saraqeb-east", 35.79874, 36.97420),
    ("northwestern Syria", "region-northwest-syria", 36.12047, 36.73450),
    ("Turkey-Syria border", "region-border-camps", 36.26809, 36.72450),
    ("Syria-Turkey border", "region-border-camps", 36.26809, 36.72450),
    ("Turkish border", "region-border-camps", 36.26809, 36.72450),
    ("the Turkish border", "region-border-camps", 36.26809, 36.72450),
    ("camps along the Syrian-Turkish border", "region-border-camps", 36.26809, 36.72450),
    ("IDP camps near the Turkish border", "region-border-camps", 36.26809, 36.72450),
]

# The context the articles give where Syria has namesakes (Bab al-Hawa villages in Homs and al-Hasakeh governorates).
SEED_CONTEXT = {"Bab al-Hawa": "SY07"}

# Places the articles name that are known by P-code and subdistrict only: (spelling, P-code, subdistrict).
SEED_PLACES_WITHOUT_COORDINATE = [("Kafr Lusian", "C8812", "SY070301")]

# People and organisations named in the articles.
NOT_PLACES = [
    "Hayat Tahrir al-Sham", "Hayat Tahrir Al-Cham", "Tahrir al-Sham", "HTS",
    "Bashar al-Assad", "Bashar Al-Assad", "Al-Assad", "Assad",
    "Vladimir Putin", "Donald Trump", "Tayyip Erdogan",
    "Ahmed Sheikho", "Mohamed al-Hallaj", "Abu al-Majd Nasser", "Abu Akram", "Abou Akram",
    "White Helmets", "Syrian Civil Defence", "Response Coordinators Team", "Syrian Response Coordination Group",
    "Syrian Observatory for Human Rights", "OSDH", "OCHA", "Al-Qaeda",
    "Zaman Al Wasl", "Anadolu Agency", "Al Jazeera", "Agence France-Presse",
    "Russia", "Moscow",
    # Countries the articles name beside Syria: not places of the gazetteer, and too short to match loosely.
    "Iran", "Iranian", "France", "Damascus loyalists",
]


def _km(lat1, lon1, lat2, lon2):
    p = math.pi / 180
    h = (math.sin((lat2 - lat1) * p / 2) ** 2
         + math.cos(lat1 * p) * math.cos(lat2 * p) * math.sin((lon2 - lon1) * p / 2) ** 2)
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def gazetteer():
    return Gazetteer.default()


@pytest.mark.parametrize("spelling,place_id,lat,lon", SEED_SPELLINGS, ids=[row[0] for row in SEED_SPELLINGS])
def test_seed_spelling_resolves_within_1_km_of_its_point(gazetteer, spelling, place_id, lat, lon):
    match = gazetteer.resolve(spelling, within=SEED_CONTEXT.get(spelling))
    assert match.place.id == place_id
    assert _km(match.place.lat, match.place.lon, lat, lon) <= 1.0


@pytest.mark.parametrize("spelling,pcode,admin3", SEED_PLACES_WITHOUT_COORDINATE)
def test_seed_places_without_a_known_coordinate_sit_honestly_at_their_subdistrict(gazetteer, spelling, pcode, admin3):
    place = gazetteer.resolve(spelling).place
    assert (place.pcode, place.admin3, place.precision) == (pcode, admin3, "admin3")
    area = gazetteer.by_id("adm-" + admin3.lower())
    assert (place.lat, place.lon) == (area.lat, area.lon)
    assert place.to_dict()["precision"] == "admin3"


def test_seed_places_with_a_point_say_so(gazetteer):
    for spelling, *_ in SEED_SPELLINGS:
        place = gazetteer.resolve(spelling, within=SEED_CONTEXT.get(spelling)).place
        assert place.precision == "point", spelling


@pytest.mark.parametrize("name", NOT_PLACES)
def test_people_and_organisations_do_not_resolve_to_another_name(gazetteer, name):
    # With every community of Syria in the data some of these are real place names too ("Assad - Aslan Koy",
    # C2032): such a name may only find the place that carries it exactly, never a place of another name.
    try:
        match = gazetteer.resolve(name)
    except (PlaceNotFoundError, AmbiguousPlaceError):
        return
    names = [match.place.name, match.place.name_ar, *match.place.alt_names]
    assert match.method == "exact" and exact_key(name) in {exact_key(n) for n in names}, match.place.id


def test_camp_names_reach_the_camp_clusters(gazetteer):
    # "Atme" means the village; its camps are asked for by name and carry the camp population.
    assert gazetteer.resolve("Atmeh camps").place.id == "cc-atmeh"
    assert gazetteer.resolve("Kah camps").place.id == "cc-qah"
    assert gazetteer.resolve("Deir Hassan camps").place.id == "cc-deir-hassan"
    camps = gazetteer.children("region-border-camps")
    assert {"cc-atmeh", "cc-qah", "cc-deir-hassan", "cc-al-karama", "cc-al-rahma"} <= {p.id for p in camps}


def test_context_as_a_fact_rules_out_a_namesake_in_another_district(gazetteer):
    # The seed's Bidama is a village of the Maarat al-Numan district (SY0702); the only Bidama/Badama with a
    # coordinate lies in the Jisr al-Shughur district. within restricts: not found, and the namesake is named.
    with pytest.raises(PlaceNotFoundError) as info:
        gazetteer.resolve("Bidama", within="SY0702")
    namesake = info.value.outside[0]
    assert not gazetteer.is_within(namesake, "SY0702")
    assert gazetteer.is_within(namesake, "SY0704")
    atme = gazetteer.resolve("Atme").place
    assert gazetteer.is_within(atme, "SY070301") and gazetteer.is_within(atme, "Harim District")
    assert gazetteer.is_within(atme, (36.0, 36.5, 36.5, 37.0))
    assert not gazetteer.is_within(atme, (35.0, 36.5, 35.5, 37.0))
    assert gazetteer.is_within(atme, None)
