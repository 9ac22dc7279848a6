"""Gazetteer matching: tiers, scores, cutoff, non-places, the ambiguity rule, context, lookups, CSV loading."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gazetteer import AmbiguousPlaceError, DataFileError, Gazetteer, Match, Place, PlaceNotFoundError
from gazetteer.core import DEFAULT_FUZZY_CUTOFF
from gazetteer.normalize import normalize_name

from .conftest import CSV_COLUMNS, make_places, write_places_csv

# ---------------------------------------------------------------- tiers and scores


@pytest.mark.parametrize(
    ("query", "place_id", "method"),
    [
        ("Maarat al-Numan", "sy-maarat-al-numan", "exact"),
        ("MAARAT AL-NUMAN", "sy-maarat-al-numan", "exact"),
        ("معرة النعمان", "sy-maarat-al-numan", "exact"),
        ("Marratinnuman", "sy-maarat-al-numan", "variant"),
        ("Maaret al-Numaan", "sy-maarat-al-numan", "variant"),
        ("Maarat Al-Nouman", "sy-maarat-al-numan", "variant"),
        ("Ma‘arrat an-Nu‘mān", "sy-maarat-al-numan", "variant"),
        ("مَعَرّة النُّعمان", "sy-maarat-al-numan", "variant"),
        ("Saraqeb", "sy-saraqib", "variant"),
        ("Idleb", "sy-idlib", "variant"),
        ("Atme", "sy-atmeh", "variant"),
        ("Khan Sheikhoun", "sy-khan-shaykhun", "variant"),
        ("Khan Shaykoun", "sy-khan-shaykhun", "fuzzy"),
        ("Saraqibb Town", "sy-saraqib", "variant"),
        ("Sarmadda", "sy-sarmada", "variant"),
        ("Sarmadha", "sy-sarmada", "variant"),
        ("Kafr Nabel", "sy-kafr-nabl", "variant"),
        ("Kafr Nabuda", "sy-kafr-nabudah", "variant"),
        ("Kafr Nabudha", "sy-kafr-nabudah", "variant"),
        ("Kafr Nabxdah", "sy-kafr-nabudah", "fuzzy"),
    ],
)
def test_tiers(gaz, query, place_id, method):
    match = gaz.resolve(query)
    assert (match.place.id, match.method) == (place_id, method)
    assert match.query == query
    if method == "exact" or (method == "variant" and normalize_name(query) in map(normalize_name, names_of(match))):
        assert match.score == 100
    elif method == "variant":
        assert 75 <= match.score < 100  # a different spelling is never a confident 100
    else:
        assert DEFAULT_FUZZY_CUTOFF <= match.score < 100


def names_of(match):
    return (match.place.name, match.place.name_ar, *match.place.alt_names)


def test_kind_word_selects_the_area(gaz):
    assert gaz.resolve("Maarat al-Numan district").place.id == "adm-sy0706"
    assert gaz.resolve("Marratinnuman district").place.id == "adm-sy0706"
    assert gaz.resolve("Idlib province").place.id == "adm-sy07"
    assert gaz.resolve("Idlib governorate").place.kind == "governorate"
    assert gaz.resolve("Dana subdistrict").place.id == "adm-sy070301"
    assert gaz.resolve("Atmeh camps").place.id == "camps-atmeh"


def test_cutoff_is_a_parameter(places):
    strict = Gazetteer(places, fuzzy_cutoff=99)
    with pytest.raises(PlaceNotFoundError):
        strict.resolve("Khan Shaykoun")
    loose = Gazetteer(places, fuzzy_cutoff=60)
    with pytest.raises(PlaceNotFoundError):
        Gazetteer(places).resolve("Sxrmadx")
    assert loose.resolve("Sxrmadx").place.id == "sy-sarmada"
    with pytest.raises(ValueError, match="between 0 and 100"):
        Gazetteer(places, fuzzy_cutoff=120)


@pytest.mark.parametrize(
    "name",
    ["Hayat Tahrir al-Sham", "Tahrir al-Sham", "Bashar al-Assad", "Bashar Al-Assad", "Assad", "Russia",
     "White Helmets", "OCHA", "Syrian Response Coordination Group", "Syrian Observatory for Human Rights",
     "Syrian Civil Defence", "Anadolu", "Zaman Al Wasl", "Le Monde", "Moscow", "Erdogan", "Putin", "", "   ",
     "al", "a", "12"],
)
def test_non_places_do_not_resolve(gaz, name):
    with pytest.raises(PlaceNotFoundError):
        gaz.resolve(name)


def test_short_partial_names_do_not_leak(gaz):
    # parts of names are not names: "Maarat" alone, "Khan", "Kafr" must not match a place
    for part in ("Maarat", "Khan", "Kafr", "Bab", "Tahrir"):
        with pytest.raises(PlaceNotFoundError):
            gaz.resolve(part)


def test_not_found_suggests(gaz):
    with pytest.raises(PlaceNotFoundError) as info:
        gaz.resolve("Sarmdaaxx")
    assert "Sarmada" in info.value.suggestions
    assert len(info.value.suggestions) <= 3
    assert "did you mean" in str(info.value)
    assert isinstance(info.value, LookupError)


def test_resolve_rejects_non_strings(gaz):
    with pytest.raises(TypeError, match="got None"):
        gaz.resolve(None)


# ---------------------------------------------------------------- ambiguity


def test_one_parent_chain_prefers_the_settlement(gaz):
    match = gaz.resolve("Idlib")
    assert match.place.id == "sy-idlib"
    assert {p.id for p in match.alternatives} == {"adm-sy07", "adm-sy0700", "adm-sy070000"}
    assert not match.ambiguous
    assert gaz.resolve("Dana").place.id == "sy-dana"


def test_town_and_its_camp_cluster_nearby_are_one_place(gaz):
    match = gaz.resolve("Atmeh")
    assert match.place.id == "sy-atmeh"
    assert [p.id for p in match.alternatives] == ["camps-atmeh"]


def test_different_places_are_ambiguous(gaz):
    with pytest.raises(AmbiguousPlaceError) as info:
        gaz.resolve("Bidama")
    assert {p.id for p in info.value.candidates} == {"sy-bidama", "adm-sy070402"}
    assert "within" in str(info.value)


def test_ambiguous_variant_also_raises(gaz):
    with pytest.raises(AmbiguousPlaceError):
        gaz.resolve("Bedama")


@pytest.mark.parametrize(
    ("within", "expected"),
    [
        ("SY0706", "sy-bidama"),  # P-code of a district
        ("SY070600", "sy-bidama"),  # subdistrict P-code
        ("sy0704", "adm-sy070402"),  # case-insensitive
        ("Maarat al-Numan district", "sy-bidama"),  # a place name
        ("Jisr al-Shughur", "adm-sy070402"),
        ((35.5, 36.6, 35.7, 36.9), "sy-bidama"),  # bounding box
        ([35.9, 36.3, 36.0, 36.4], "adm-sy070402"),
    ],
)
def test_within_decides(gaz, within, expected):
    assert gaz.resolve("Bidama", within=within).place.id == expected


def test_within_a_place_object(gaz):
    district = gaz.by_id("adm-sy0704")
    assert gaz.resolve("Bidama", within=district).place.id == "adm-sy070402"
    # a community P-code: Atmeh (C4130) contains itself
    assert gaz.resolve("Atmeh", within="C4130").place.id == "sy-atmeh"


def test_within_prefers_a_variant_inside_over_an_exact_outside(places):
    # Bidama village only by its exact name, Badama subdistrict only by a variant spelling
    only = [p for p in places if p.id != "adm-sy070402"]
    badama = Place("adm-sy070402", "Badama", "subdistrict", 35.95, 36.37, pcode="SY070402", admin2="SY0704",
                   parent="adm-sy0704")
    gaz = Gazetteer(only + [badama])
    assert gaz.resolve("Bidama").place.id == "sy-bidama"
    assert gaz.resolve("Bidama", within="SY0704").place.id == "adm-sy070402"


def test_within_restricts_and_names_the_namesake_outside(gaz):
    # Saraqib lies in SY0700, not in Harim district: inside SY0703 the name is not found, and the message says
    # where the place of that name is
    with pytest.raises(PlaceNotFoundError) as info:
        gaz.resolve("Saraqib", within="SY0703")
    assert [p.id for p in info.value.outside] == ["sy-saraqib"]
    assert "Saraqib (city" in info.value.suggestions[0] and "outside" in str(info.value)
    assert gaz.get("Saraqib", within="SY0703") is None
    missed = gaz.resolve_many(["Saraqib"], within="SY0703")[0]
    assert missed.place is None and [p.id for p in missed.alternatives] == ["sy-saraqib"]
    assert not gaz.is_within(gaz.by_id("sy-saraqib"), "SY0703")


def test_within_restricts_every_tier(gaz):
    # a fuzzy spelling outside the context does not slip through either
    with pytest.raises(PlaceNotFoundError):
        gaz.resolve("Khan Shaykoun", within="SY0703")
    assert gaz.resolve("Khan Shaykoun", within="SY0706").place.id == "sy-khan-shaykhun"


def test_regions_are_exempt_from_within(gaz):
    # a loose area has no admin codes: no context rules it out
    assert gaz.resolve("camps along the Turkish border", within="SY0706").place.id == "region-border-camps"


@pytest.mark.parametrize(
    ("within", "error"),
    [
        ("SY9999", PlaceNotFoundError),
        ("Nowhereville", PlaceNotFoundError),
        ((36, 37, 35, 38), ValueError),
        (("a", "b", "c", "d"), ValueError),
        (42, TypeError),
    ],
)
def test_bad_within(gaz, within, error):
    with pytest.raises(error):
        gaz.resolve("Bidama", within=within)


# ---------------------------------------------------------------- get, search, resolve_many


def test_get(gaz):
    assert gaz.get("Saraqeb").place.id == "sy-saraqib"
    assert gaz.get("Bashar al-Assad") is None
    assert gaz.get("Bidama", "n/a") == "n/a"
    assert gaz.get("Bidama", within="SY0706").place.id == "sy-bidama"
    with pytest.raises(PlaceNotFoundError):
        gaz.get("Bidama", within="SY9999")  # a bad context is an error, not a missing name


def test_search_ranks(gaz):
    results = gaz.search("Sarakib", limit=3)
    assert results[0].place.id == "sy-saraqib"
    assert results[0].method == "variant"
    assert all(isinstance(m, Match) for m in results)
    assert len(results) <= 3
    scores = [m.score for m in results]
    assert scores == sorted(scores, reverse=True)
    assert gaz.search("Sarakib", limit=0) == []


def test_search_puts_within_first(gaz):
    results = gaz.search("Bidama", within="SY0704")
    assert results[0].place.id == "adm-sy070402"
    assert {m.place.id for m in results} >= {"sy-bidama", "adm-sy070402"}


def test_resolve_many_never_raises(gaz):
    matches = gaz.resolve_many(["Saraqeb", "Bashar al-Assad", "Bidama", "Saraqeb"])
    assert matches[0].place.id == "sy-saraqib"
    assert matches[1].place is None and matches[1].method == "none" and matches[1].score == 0
    assert matches[2].ambiguous and matches[2].place is not None
    assert {p.id for p in (matches[2].place, *matches[2].alternatives)} == {"sy-bidama", "adm-sy070402"}
    assert matches[3] is matches[0]  # resolved once per distinct name
    within = gaz.resolve_many(["Bidama"], within="SY0706")
    assert within[0].place.id == "sy-bidama" and not within[0].ambiguous


def test_match_to_dict(gaz):
    data = gaz.resolve_many(["Bidama"])[0].to_dict()
    assert set(data) == {"query", "match", "method", "score", "ambiguous", "alternatives"}
    assert set(data["match"]) == {"id", "name", "name_ar", "kind", "lat", "lon", "precision", "pcode", "admin1",
                                  "admin2", "admin3"}
    assert data["ambiguous"] is True


# ---------------------------------------------------------------- lookups


def test_lookups(gaz, places):
    assert len(gaz) == len(places) == len(gaz.places)
    assert list(gaz) == list(gaz.places)
    assert gaz.by_id("sy-dana").name == "Dana"
    with pytest.raises(PlaceNotFoundError):
        gaz.by_id("sy-nowhere")
    assert gaz.by_pcode("SY0703").id == "adm-sy0703"
    assert gaz.by_pcode("sy0703").id == "adm-sy0703"
    assert gaz.by_pcode("C4130").id == "sy-atmeh"
    assert gaz.by_pcode("SY9999") is None
    assert {p.id for p in gaz.children("adm-sy070301")} == {"sy-dana", "sy-atmeh", "sy-sarmada", "sy-bab-al-hawa"}
    assert gaz.children(gaz.by_id("sy-dana")) == []
    assert [p.id for p in gaz.ancestors("sy-atmeh")] == ["adm-sy070301", "adm-sy0703", "adm-sy07"]


def test_duplicate_ids_rejected(places):
    with pytest.raises(ValueError, match="duplicate place id 'sy-dana'"):
        Gazetteer(places + [places[7]])


# ---------------------------------------------------------------- CSV


def test_from_csv_round_trip(tmp_path, places):
    path = tmp_path / "places.csv"
    write_places_csv(path, places)
    gaz = Gazetteer.from_csv(path)
    assert gaz.places == tuple(places)
    assert gaz.resolve("Marratinnuman").place.id == "sy-maarat-al-numan"


def _csv_with(tmp_path, row_changes, *, header=None):
    path = tmp_path / "bad.csv"
    write_places_csv(path, make_places()[:3])
    lines = path.read_text(encoding="utf-8").splitlines()
    if header is not None:
        lines[0] = header
    for line_no, (column, value) in row_changes.items():
        cells = lines[line_no - 1].split(",")
        cells[CSV_COLUMNS.index(column)] = value
        lines[line_no - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("changes", "line", "field", "problem"),
    [
        ({3: ("lat", "north")}, 3, "lat", "expected a number"),
        ({2: ("lon", "200")}, 2, "lon", "between -180 and 180"),
        ({4: ("kind", "hamlet")}, 4, "kind", "expected one of"),
        ({3: ("id", "")}, 3, "id", "empty id"),
        ({3: ("name", "")}, 3, "name", "empty name"),
        ({2: ("population", "many")}, 2, "population", "whole number"),
        ({3: ("parent", "adm-sy99")}, 3, "parent", "unknown parent"),
        ({4: ("id", "adm-sy07")}, 4, "id", "duplicate id"),
    ],
)
def test_from_csv_names_file_line_field(tmp_path, changes, line, field, problem):
    path = _csv_with(tmp_path, changes)
    with pytest.raises(DataFileError) as info:
        Gazetteer.from_csv(path)
    err = info.value
    assert (err.line, err.field) == (line, field)
    assert problem in err.problem
    assert str(err).startswith(f"{path}:{line}: {field}: ")
    assert isinstance(err, ValueError)


def test_from_csv_missing_column_and_ragged_row(tmp_path):
    path = _csv_with(tmp_path, {}, header="id,name,kind,lat")
    with pytest.raises(DataFileError, match="missing column"):
        Gazetteer.from_csv(path)
    path = tmp_path / "ragged.csv"
    path.write_text("id,name,kind,lat,lon\na,A,town,35,36\nb,B,town,35\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"ragged.csv:3: expected 5 fields, got 4"):
        Gazetteer.from_csv(path)
    path.write_bytes(b"id,name,kind,lat,lon\na,\xff,town,35,36\n")
    with pytest.raises(DataFileError, match="not UTF-8"):
        Gazetteer.from_csv(path)


# ---------------------------------------------------------------- the bundled data


def test_default_is_loaded_once():
    assert Gazetteer.default() is Gazetteer.default()
    assert len(Gazetteer.default()) >= 150


@pytest.mark.parametrize(
    ("query", "name"),
    [("Marratinnuman", "Maarat al-Numan"), ("Maarat Al-Nouman", "Maarat al-Numan"), ("Saraqeb", "Saraqib"),
     ("Idleb", "Idlib"), ("Telmanas", "Tal Mannis"), ("Atme", "Atmeh")],
)
def test_bundled_smoke(query, name):
    assert Gazetteer.default().resolve(query).place.name == name


#: People, organisations, publishers and foreign places named in the seed articles.
SEED_NON_PLACES = [
    "Hayat Tahrir al-Sham", "Tahrir al-Sham", "HTS", "Bashar al-Assad", "Bashar Al-Assad", "Russia",
    "Russian", "Moscow", "White Helmets", "OCHA", "UN OCHA", "Syrian Response Coordination Group",
    "Response Coordination Group", "Syrian Observatory for Human Rights", "OSDH", "Syrian Civil Defence",
    "Anadolu", "Zaman Al Wasl", "Al Jazeera", "Le Monde", "The New Arab", "AFP", "dpa", "The Moscow Times",
    "European continent", "regime", "rebels", "Islamist",
]


@pytest.mark.parametrize("name", SEED_NON_PLACES)
def test_bundled_non_places(name):
    assert Gazetteer.default().get(name) is None


def test_turkey_is_never_a_sure_answer():
    # a village Turkeia exists: "Turkey" may come near it, but never as a sure 100 nor above extract's 90
    match = Gazetteer.default().get("Turkey")
    assert match is None or match.place.kind == "country" or match.score < 90


def test_resolve_many_in_bulk_answers_as_resolving_one_by_one():
    # From 64 distinct names on, resolve_many rules out hopeless names in one vectorised pass; it must not change
    # any answer: spellings, typos, kind suffixes, non-places and unknown names alike.
    g = Gazetteer.default()
    names = []
    for place in g.places[:80]:
        for name in (place.name, *place.alt_names[:2]):
            names += [name, name[:-1], name + "x", name.replace("a", "e")]
    names += [f"Qqxv Zzk {i:04d}" for i in range(200)]
    names += ["Iran", "Idlid", "Bashar al-Assad", "Atmeh camps", "Idlib province", "Maarat al-Numan district"]
    bulk = g.resolve_many(names)
    for name, got in zip(names, bulk):
        one = g.get(name)
        if one is None:
            one = g.resolve_many([name])[0]
        assert (got.place and got.place.id, got.method, got.ambiguous) == (one.place and one.place.id, one.method,
                                                                            one.ambiguous), name


def test_within_the_country_pcode():
    # "SY" is the country's own P-code: a context, not a place name to look up.
    g = Gazetteer.default()
    assert g.resolve("Atme", within="SY").place.name == "Atmeh"
    assert g.is_within(g.resolve("Atme").place, "SY")


@given(st.text(alphabet="abdhklmnrst ", max_size=14), st.text(alphabet="abdhklmnrst ", max_size=14))
@example("abcd", "abce")  # exactly 75
@example("kafr al noubl", "kafr nabl")  # 72.7
@example("", "")
def test_weak_skeleton_threshold_is_rapidfuzz_ratio_75(norm, spelling):
    # The weak-skeleton test counts in integers (4 * Indel distance <= both lengths); it must agree with
    # rapidfuzz's ratio >= 75, on the line included.
    from rapidfuzz.distance import Indel
    from rapidfuzz.fuzz import ratio

    assert (4 * Indel.distance(norm, spelling) <= len(norm) + len(spelling)) == (ratio(norm, spelling) >= 75)


_NAMEISH = st.text(alphabet="abdhklmnrstuy ءاب", min_size=0, max_size=12)


@given(st.lists(_NAMEISH, min_size=1, max_size=40, unique=True), _NAMEISH,
       st.sampled_from([0.0, 50.0, 60.0, 68.0, 75.0, 80.0, 84.5, 100.0]))
@example(["kafr nabl", "kafr", "nabl", ""], "kafr nubl", 80.0)
def test_letter_count_filter_keeps_every_choice_that_can_reach_the_cutoff(choices, query, cutoff):
    # The fuzzy scans look only at the choices the letter counts allow: they must find exactly what a scan of
    # every choice finds, in the same order.
    from rapidfuzz import fuzz, process

    from gazetteer.index import LetterFilter

    kept = LetterFilter(choices).reachable(query, cutoff)
    assert kept == [c for c in choices if c in set(kept)]  # the choices' order
    assert {c for c in choices if fuzz.ratio(query, c) >= cutoff} <= set(kept)
    for limit in (1, 3, 12):
        assert (process.extract(query, kept, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff, limit=limit)
                == [(c, s, kept.index(c)) for c, s, _ in process.extract(
                    query, choices, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff, limit=limit)])


def test_fuzzy_answers_over_a_large_store_are_those_of_a_full_scan(tmp_path, monkeypatch):
    # With a store of 600 names filtered by letter counts before each scan, and with the filter off, the answers are
    # the same.
    import random

    from gazetteer import index
    from gazetteer.store import import_file

    rng = random.Random(5)
    syllables = ["ka", "fr", "na", "bl", "sa", "ra", "qe", "b", "ma", "ar", "at", "nu", "man", "tal", "hi", "sh"]
    names = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 5))).capitalize()
                    for _ in range(700)})[:600]
    csv_path = tmp_path / "names.csv"
    csv_path.write_text("id,name,lat,lon\n" + "".join(f"n{i},{n},35.{i:04d},36.5\n" for i, n in enumerate(names)),
                        encoding="utf-8")
    store = tmp_path / "store.sqlite"
    import_file(csv_path, store_path=store)
    queries = [n[:k] + rng.choice("aeiklmnrst") + n[k + 1:] for n in names[:150] for k in [rng.randrange(len(n))]]
    queries += ["Kafr Nubl", "Saraqib", "Nowhere at all", "Maarat al-Nouman"]

    def answers():
        gaz = Gazetteer.default(store=store)
        out = []
        for q in queries:
            out.append([(m.place.id, m.method, m.score) for m in gaz.search(q, limit=5)])
            m = gaz.get(q)
            out.append(m and (m.place.id, m.method, m.score, m.ambiguous))
        return out, gaz

    calls = []
    reachable = index.LetterFilter.reachable
    monkeypatch.setattr(index, "LETTER_FILTER_MIN", 100)  # the bundled data and the store are both filtered
    monkeypatch.setattr(index.LetterFilter, "reachable", lambda *a: calls.append(1) or reachable(*a))
    filtered, gaz = answers()
    assert calls  # the filter did run
    # off: every scan sees every name
    monkeypatch.setattr(index.LetterFilter, "reachable", lambda self, query, cutoff: self.choices)
    unfiltered, gaz = answers()
    assert unfiltered == filtered
    assert any(f for f in filtered[1::2])  # the queries do find places


@pytest.mark.parametrize("query", ["A'zan", "I`zza", "A‘zrz"])
def test_ayn_mark_counts_as_a_letter_for_a_typo_in_a_short_name(towns, query):
    # One typo in A'zaz's four normalised letters scores 75 and is refused; written with its ayn mark, as the name
    # is, the typo is one in five letters.
    assert towns.resolve(query).place.id == "sy-azaz"


@pytest.mark.parametrize("query", ["Azan", "Izza", "Azrz", 'A"zan'])
def test_short_typo_without_the_mark_is_still_refused(towns, query):
    # Only an apostrophe-like mark writes the ayn; a quotation mark does not.
    assert towns.get(query) is None


@pytest.mark.parametrize("word", ["Qur'an", "Shi'a", "Ba'ath", "Da'esh", "Ja'far", "Sa'id", "Ra'ed", "Na'im", "'Ali",
                                  "'Umar", "Ma'an", "Al-Qa'ida", "Ka'ba", "Sa'ad", "'Abd", "Wa'el", "Mu'in"])
def test_arabic_words_with_an_ayn_mark_are_not_places(towns, word):
    # (the bundled data has real villages called Maan or Ali: these words are tested against towns they are not)
    assert towns.get(word) is None


def test_ayn_spelling_keeps_the_marks_as_one_letter():
    from gazetteer.normalize import ayn_spelling, has_ayn, normalize_name

    assert ayn_spelling("I‘zāz") == ayn_spelling("i'zaz") == ayn_spelling("Iʿzaz") == "iʕzaz"
    assert ayn_spelling("Maarat al-Numan") == normalize_name("Maarat al-Numan")
    assert has_ayn("Ma‘arrat") and not has_ayn('A"zaz') and not has_ayn("Azaz")


@pytest.mark.parametrize("query, place_id", [
    ("Haim", "sy-harim"),  # a typo of Harim with the skeleton of Hama
    ("Kafr Ruma", "sy-kafr-rumah"),
    ("Kinsaba", "sy-kinsabba"),
])
def test_typo_on_another_skeleton_goes_to_the_name_it_spells_more_closely(towns, query, place_id):
    assert towns.resolve(query).place.id == place_id
    assert towns.resolve(query, within=(35.0, 35.5, 37.0, 38.0)).place.id == place_id
    assert towns.resolve_many([query])[0].place.id == place_id


@pytest.mark.parametrize("query, place_id", [("Hamah", "sy-hama"), ("Kassab", "sy-kessab"), ("Kafriya", "sy-kafriya"),
                                             ("Maarat al-Nouman", "sy-maarat-al-numan")])
def test_names_spelt_as_listed_keep_their_place(query, place_id):
    assert Gazetteer.default().resolve(query).place.id == place_id


def test_neighbour_table_holds_exactly_the_skeletons_one_edit_apart():
    import numpy as np
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    from gazetteer.index import NameIndex

    index = NameIndex(Gazetteer.default().places)
    skeletons = list(index.skeleton_entries)
    distances = process.cdist(skeletons, skeletons, scorer=Levenshtein.distance, dtype=np.int32)
    expected = {}
    for i, j in zip(*np.nonzero(distances == 1)):
        expected.setdefault(skeletons[i], set()).update(index.skeleton_entries[skeletons[j]])
    table = {skel: index.neighbours_of(skel) for skel in skeletons if index.neighbours_of(skel)}
    assert {k: set(v) for k, v in table.items()} == expected
    assert all(len(v) == len(set(v)) for v in table.values())


@pytest.mark.parametrize(("query", "expected"), [
    ("Ḥdleb", "sy-aleppo"),  # one letter from Haleb and from Idleb: only Aleppo's Ḥaleb writes the ḥ
    ("al-rāb", "sy-al-bab"),  # one letter from al-Bab and from al-Rai: al-Bāb writes the ā
])
def test_a_fuzzy_tie_goes_to_the_place_written_with_the_querys_marks(towns, query, expected):
    assert towns.resolve(query).place.id == expected
    assert towns.resolve(query).method == "fuzzy"
    # the same letters without the marks stay ambiguous: nothing tells the two places apart
    with pytest.raises(AmbiguousPlaceError):
        towns.resolve(query.replace("ḥ", "h").replace("Ḥ", "H").replace("ā", "a"))


def test_within_decides_a_fuzzy_tie_before_the_marks_do(towns):
    assert towns.resolve("Ḥdleb", within=(35.5, 36.0, 36.0, 37.0)).place.id == "sy-idlib"
    assert towns.resolve("al-rāb", within="SY02").place.id == "sy-al-bab"
    assert towns.resolve("al-rab", within=(36.5, 37.0, 37.0, 38.0)).place.id == "sy-al-rai"


def test_a_fuzzy_tie_between_names_written_alike_stays_ambiguous(towns):
    # two towns called Suran: the marks cannot choose between names written the same way
    with pytest.raises(AmbiguousPlaceError) as info:
        towns.resolve("Sqrān")
    assert {p.id for p in info.value.candidates} == {"sy-suran-hama", "sy-suran-aleppo"}


def test_closest_written_ranks_shared_marks_before_the_written_ratio():
    from rapidfuzz.fuzz import ratio

    from gazetteer.tiers import closest_written

    plain = Place("p-plain", "Halb", "town", 36.0, 37.0)
    marked = Place("p-marked", "Ḥlaab", "town", 36.1, 37.1)
    # the unmarked name is written closer to the query, but only the other writes its ḥ
    assert ratio("ḥalb", "halb") > ratio("ḥalb", "ḥlaab")
    both = [(plain, 85.0), (marked, 85.0)]
    assert [p.id for p, _ in closest_written("Ḥalb", both)] == ["p-marked"]
    assert [p.id for p, _ in closest_written("Ḥalb", both[:1])] == ["p-plain"]


def test_the_first_variant_spelling_uses_the_shipped_index_and_answers_as_computed_tables_do(monkeypatch):
    # `idpmap resolve Sarakib` must not normalise the 19,000 bundled names first: the data ships their tables
    import gazetteer.index
    from gazetteer.data import bundled_places

    shipped = Gazetteer(bundled_places())
    computed = Gazetteer(list(bundled_places()))  # not the bundled tuple: tables computed from the names
    queries = ["Sarakib", "Marat al Numaan", "Khan Shaykoun", "Haim", "Qqxv Zzk", "Idleb province", "سراقب"]
    expected = [computed.resolve_many([q])[0] for q in queries]

    def no_keys(*args, **kwargs):
        raise AssertionError("name keys computed for the bundled places")

    monkeypatch.setattr(gazetteer.index, "name_keys", no_keys)
    assert shipped.resolve("Sarakib").place.pcode == "C3916"
    assert [shipped.resolve_many([q])[0] for q in queries] == expected


def test_a_shipped_index_of_another_places_file_is_not_used(monkeypatch, tmp_path):
    # places.csv edited without a rebuild: the tables are computed from the names instead of read stale
    import gazetteer.data as data

    real = data._data_file
    edited = tmp_path / "places.csv"
    edited.write_bytes(real("places.csv").read_bytes() + b"\n")
    monkeypatch.setattr(data, "_data_file", lambda name: edited if name == "places.csv" else real(name))
    data._shipped_tables.cache_clear()
    try:
        assert data.shipped_index(data.bundled_places()) is None
        assert Gazetteer(data.bundled_places()).resolve("Sarakib").place.pcode == "C3916"
    finally:
        data._shipped_tables.cache_clear()
