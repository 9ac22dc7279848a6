"""Fixtures of the gazetteer tests: a small, hand-made gazetteer whose places the tests know exactly."""

from __future__ import annotations

import csv

import pytest

from gazetteer import Gazetteer, Place

#: Columns of the bundled places.csv, in order.
CSV_COLUMNS = ["id", "name", "name_ar", "kind", "lat", "lon", "pcode", "admin1", "admin2", "admin3", "parent",
               "population", "population_source", "alt_names", "source"]


def make_places() -> list[Place]:
    """A miniature Idlib: a governorate with districts, subdistricts, towns, camps and same-name places."""
    P = Place
    return [
        P("adm-sy07", "Idlib", "governorate", 35.80, 36.60, name_ar="إدلب", pcode="SY07", admin1="SY07"),
        P("adm-sy0700", "Idlib", "district", 35.85, 36.65, pcode="SY0700", admin1="SY07", admin2="SY0700",
          parent="adm-sy07"),
        P("adm-sy070000", "Idlib", "subdistrict", 35.90, 36.63, pcode="SY070000", admin1="SY07", admin2="SY0700",
          admin3="SY070000", parent="adm-sy0700"),
        P("sy-idlib", "Idlib", "city", 35.9306, 36.6339, name_ar="إدلب", admin1="SY07", admin2="SY0700",
          admin3="SY070000", parent="adm-sy070000", population=165000),
        P("sy-saraqib", "Saraqib", "city", 35.8647, 36.8006, name_ar="سراقب", admin1="SY07", admin2="SY0700",
          admin3="SY070000", parent="adm-sy070000"),
        P("adm-sy0703", "Harim", "district", 36.20, 36.52, pcode="SY0703", admin1="SY07", admin2="SY0703",
          parent="adm-sy07"),
        P("adm-sy070301", "Dana", "subdistrict", 36.22, 36.75, pcode="SY070301", admin1="SY07", admin2="SY0703",
          admin3="SY070301", parent="adm-sy0703"),
        P("sy-dana", "Dana", "town", 36.2150, 36.7700, name_ar="الدانا", admin1="SY07", admin2="SY0703",
          admin3="SY070301", parent="adm-sy070301"),
        P("sy-atmeh", "Atmeh", "village", 36.2083, 36.6833, name_ar="أطمة", pcode="C4130", admin1="SY07",
          admin2="SY0703", admin3="SY070301", parent="adm-sy070301"),
        P("sy-sarmada", "Sarmada", "town", 36.1783, 36.7231, admin1="SY07", admin2="SY0703", admin3="SY070301",
          parent="adm-sy070301"),
        P("region-border-camps", "camps along the Turkish border", "region", 36.20, 36.70),
        P("camps-atmeh", "Atmeh camps", "camp_cluster", 36.2150, 36.7050, alt_names=("Atmeh",),
          parent="region-border-camps", population=65000),
        P("adm-sy0706", "Maarat al-Numan", "district", 35.60, 36.70, pcode="SY0706", admin1="SY07",
          admin2="SY0706", parent="adm-sy07"),
        P("adm-sy070600", "Maarat al-Numan", "subdistrict", 35.64, 36.68, pcode="SY070600", admin1="SY07",
          admin2="SY0706", admin3="SY070600", parent="adm-sy0706"),
        P("sy-maarat-al-numan", "Maarat al-Numan", "city", 35.6433, 36.6736, name_ar="معرة النعمان",
          admin1="SY07", admin2="SY0706", admin3="SY070600", parent="adm-sy070600", population=58000),
        P("sy-kafr-nabl", "Kafr Nabl", "town", 35.6142, 36.5614, admin1="SY07", admin2="SY0706",
          admin3="SY070603", parent="adm-sy0706"),
        P("sy-bidama", "Bidama", "village", 35.5800, 36.7600, admin1="SY07", admin2="SY0706", admin3="SY070600",
          parent="adm-sy070600"),
        P("sy-khan-shaykhun", "Khan Shaykhun", "town", 35.4411, 36.6469, admin1="SY07", admin2="SY0706",
          admin3="SY070602", parent="adm-sy0706"),
        P("adm-sy0704", "Jisr al-Shughur", "district", 35.80, 36.32, pcode="SY0704", admin1="SY07",
          admin2="SY0704", parent="adm-sy07"),
        P("adm-sy070402", "Badama", "subdistrict", 35.9500, 36.3700, pcode="SY070402", admin1="SY07",
          admin2="SY0704", admin3="SY070402", parent="adm-sy0704", alt_names=("Bidama",)),
        P("adm-sy05", "Hama", "governorate", 35.13, 36.75, pcode="SY05", admin1="SY05"),
        P("sy-kafr-nabudah", "Kafr Nabudah", "village", 35.4297, 36.5289, admin1="SY05", parent="adm-sy05"),
        P("sy-bab-al-hawa", "Bab al-Hawa", "border_crossing", 36.2342, 36.6656, admin1="SY07", admin2="SY0703",
          admin3="SY070301", parent="adm-sy070301"),
    ]


def make_towns() -> list[Place]:
    """Towns whose names are close to each other's: typos, marks and transliterations between them."""
    P = Place
    return [
        P("sy-azaz", "A'zaz", "city", 36.586, 37.045, alt_names=("Azaz", "I'zaz", "Iʿzāz")),
        P("sy-harim", "Harim", "town", 36.207, 36.519),
        P("sy-hama", "Hama", "city", 35.131, 36.757, alt_names=("Hamah",)),
        P("sy-kessab", "Kessab", "town", 35.928, 35.987, alt_names=("Kassab",)),
        P("sy-kinsabba", "Kinsabba", "village", 35.708, 36.150),
        P("sy-kafr-rumah", "Kafr Rumah", "village", 35.617, 36.575),
        P("sy-kafriya", "Kafriya", "town", 35.99, 36.718),
        P("sy-aleppo", "Aleppo", "city", 36.202, 37.161, alt_names=("Haleb", "Ḥaleb")),
        P("sy-idlib", "Idlib", "city", 35.931, 36.634, admin1="SY07", alt_names=("Idleb",)),
        P("sy-al-bab", "al-Bab", "city", 36.371, 37.517, admin1="SY02", alt_names=("al-Bāb",)),
        P("sy-al-rai", "al-Rai", "town", 36.601, 37.545, admin1="SY02"),
        P("sy-suran-hama", "Suran", "town", 35.29, 36.74, alt_names=("Sūrān",)),
        P("sy-suran-aleppo", "Suran", "village", 36.52, 37.27, alt_names=("Sūrān",)),
        P("sy-darkush", "Darkush", "town", 35.992, 36.394, alt_names=("Darkoush",)),
        P("sy-syria", "Syria", "country", 35.0, 38.5, pcode="SY"),
    ]


@pytest.fixture(scope="session")
def towns() -> Gazetteer:
    return Gazetteer(make_towns())


@pytest.fixture(scope="session")
def places() -> list[Place]:
    return make_places()


@pytest.fixture(scope="session")
def gaz(places) -> Gazetteer:
    return Gazetteer(places)


def write_places_csv(path, places) -> None:
    """Write places in the bundled CSV format (for from_csv tests)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for p in places:
            writer.writerow([p.id, p.name, p.name_ar, p.kind, p.lat, p.lon, p.pcode, p.admin1, p.admin2, p.admin3,
                             p.parent, "" if p.population is None else p.population, "", "|".join(p.alt_names),
                             p.source])
