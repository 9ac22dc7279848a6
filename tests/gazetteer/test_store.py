"""Importing a GeoNames dump or a CSV into the local store, and resolving with it beside the bundled places."""

import sqlite3

import pytest

from gazetteer import DataFileError, Gazetteer
from gazetteer.store import PlaceStore, default_store_path, import_file


def geonames_row(gid, name, lat, lon, *, alternates="", fclass="P", fcode="PPL", population="0", ascii_=None):
    fields = [str(gid), name, ascii_ if ascii_ is not None else name, alternates, str(lat), str(lon), fclass,
              fcode, "SY", "", "12", "", "", "", population, "", "300", "Asia/Damascus", "2020-01-01"]
    return "\t".join(fields)


GEONAMES = [
    geonames_row(7001, "Kafr Lusin", 36.2044, 36.6661,
                 alternates="Kafr Lusiyan,Kafar Lousine,كفرلوسين,Кафр-Лусин,https://en.wikipedia.org/wiki/X"),
    geonames_row(7002, "Qah", 36.2161, 36.6544, alternates="Kah,قاح", population="5000"),
    geonames_row(7003, "Jabal Barisha", 36.2, 36.6, fclass="T", fcode="MT"),  # a mountain: not a place
    geonames_row(7004, "Ad Dana", 36.215, 36.77, alternates="Dana", fcode="PPLA3", population="25000"),
    geonames_row(7005, "Idlib Governorate", 35.8, 36.6, fclass="A", fcode="ADM1", alternates="Muhafazat Idlib"),
]


@pytest.fixture
def store_path(tmp_path):
    return tmp_path / "store" / "gazetteer.sqlite"


@pytest.fixture
def geonames_file(tmp_path):
    path = tmp_path / "SY.txt"
    path.write_text("\n".join(GEONAMES) + "\n", encoding="utf-8")
    return path


def test_import_geonames(geonames_file, store_path):
    calls = []
    result = import_file(geonames_file, store_path=store_path, progress=lambda d, t: calls.append((d, t)))
    assert (result.format, result.imported, result.skipped) == ("geonames", 4, 1)
    assert calls and calls[-1] == (geonames_file.stat().st_size,) * 2
    store = PlaceStore(store_path)
    by_id = {p.id: p for p in store.places}
    lusin = by_id["gn-7001"]
    assert (lusin.name, lusin.lat, lusin.lon, lusin.kind) == ("Kafr Lusin", 36.2044, 36.6661, "village")
    assert lusin.name_ar == "كفرلوسين"
    assert "Kafar Lousine" in lusin.alt_names
    assert not any(a.startswith(("http", "Кафр")) for a in lusin.alt_names)  # other scripts and links dropped
    assert by_id["gn-7004"].kind == "town"
    assert by_id["gn-7005"].kind == "governorate"
    assert "GeoNames 7001" in lusin.source


def test_store_used_by_resolve(geonames_file, store_path, places):
    import_file(geonames_file, store_path=store_path)
    plain = Gazetteer(places)
    with pytest.raises(LookupError):
        plain.resolve("Kafr Lusian")
    gaz = plain.with_store(store_path)
    match = gaz.resolve("Kafr Lusian")
    assert (match.place.id, match.method) == ("gn-7001", "variant")
    assert gaz.resolve("Kafar Lousine").method == "exact"
    assert gaz.resolve("كفر لوسين").place.id == "gn-7001"
    # the bundled place wins ties: "Dana" is in both
    assert gaz.resolve("Dana").place.id == "sy-dana"
    assert gaz.by_id("gn-7002").name == "Qah"
    assert len(gaz) == len(places) + 4
    assert Gazetteer(places, store=PlaceStore(store_path)).resolve("Qah").place.id == "gn-7002"


def test_store_is_not_used_implicitly(geonames_file, store_path):
    import_file(geonames_file, store_path=store_path)
    assert Gazetteer.default().store is None
    with_store = Gazetteer.default(store=store_path)
    assert with_store.store is not None and with_store.resolve("Kafr Lusian").place is not None


def test_import_csv(tmp_path, store_path, places):
    path = tmp_path / "mine.csv"
    path.write_text(
        "name,lat,lon,name_ar,kind,alt_names,population,id\n"
        "Kafr Lusin Camp,36.2,36.66,,camp,Kafrlusin camp|Kafr Lusian camp,1200,my-camp-1\n"
        "Tal Karamah,36.1,36.7,تل كرامة,,,,\n",
        encoding="utf-8",
    )
    result = import_file(path, store_path=store_path)
    assert (result.format, result.imported) == ("csv", 2)
    gaz = Gazetteer(places, store=store_path)
    camp = gaz.resolve("Kafr Lusian camp").place
    assert (camp.id, camp.kind, camp.population) == ("my-camp-1", "camp", 1200)
    tal = gaz.resolve("Tell Karama").place
    assert tal.kind == "village" and tal.id.startswith("user-") and tal.name_ar == "تل كرامة"
    # re-importing replaces rather than duplicates
    import_file(path, store_path=store_path)
    assert len(PlaceStore(store_path)) == 2


@pytest.mark.parametrize(
    ("content", "line", "field", "problem"),
    [
        ("name,lat,lon\nA,35,36\nB,abc,36\n", 3, "lat", "expected a number"),
        ("name,lat,lon\nA,35,36\nB,35,190\n", 3, "lon", "between -180 and 180"),
        ("name,lat,lon\n,35,36\n", 2, "name", "empty name"),
        ("name,lat,lon,kind\nA,35,36,hamlet\n", 2, "kind", "expected one of"),
        ("name,lat,lon,population\nA,35,36,lots\n", 2, "population", "whole number"),
        ("name,lat\nA,35\n", 1, "header", "missing column(s) lon"),
        ("name,lat,lon\nA,35,36\nB,35\n", 3, None, "expected 3 fields, got 2"),
        ("name,lat,lon,id\nA,35,36,x\nB,35,36,x\n", 3, "id", "duplicate id"),
    ],
)
def test_malformed_csv(tmp_path, store_path, content, line, field, problem):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        import_file(path, store_path=store_path, format="csv")
    err = info.value
    assert (err.line, err.field) == (line, field)
    assert problem in err.problem
    assert str(err).startswith(f"{path}:{line}: ")
    assert not store_path.exists()  # nothing written


@pytest.mark.parametrize(
    ("row", "field", "problem"),
    [
        ("7009\tX\tX\t\t35\t36\tP\tPPL", None, "expected 19 tab-separated fields"),
        (geonames_row("abc", "X", 35, 36), "geonameid", "numeric geonameid"),
        (geonames_row(7009, "X", 95, 36), "latitude", "between -90 and 90"),
        (geonames_row(7009, "X", 35, "east"), "longitude", "expected a number"),
        (geonames_row(7009, "X", 35, 36, population="-5"), "population", "whole number"),
        (geonames_row(7009, "", 35, 36), "name", "empty name"),
    ],
)
def test_malformed_geonames_leaves_the_store_unchanged(tmp_path, geonames_file, store_path, row, field, problem):
    import_file(geonames_file, store_path=store_path)
    before = len(PlaceStore(store_path))
    bad = tmp_path / "bad.txt"
    bad.write_text("\n".join(GEONAMES[:2] + [row] + GEONAMES[2:]) + "\n", encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        import_file(bad, store_path=store_path, format="geonames")
    assert (info.value.line, info.value.field) == (3, field)
    assert problem in info.value.problem
    assert len(PlaceStore(store_path)) == before


def test_not_utf8(tmp_path, store_path):
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("name,lat,lon\nA,35,36\nKafr Lūsīn,35,36\n".encode("latin-1", errors="replace")
                    .replace(b"?", b"\xe9"))
    with pytest.raises(DataFileError, match=r"latin1.csv:3: not UTF-8"):
        import_file(bad, store_path=store_path)


def test_format_auto_and_errors(tmp_path, geonames_file, store_path):
    assert import_file(geonames_file, store_path=store_path).format == "geonames"
    with pytest.raises(ValueError, match="expected format"):
        import_file(geonames_file, store_path=store_path, format="xml")
    with pytest.raises(DataFileError, match="no such file"):
        import_file(tmp_path / "missing.txt", store_path=store_path)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(DataFileError, match="empty file"):
        import_file(empty, store_path=store_path)


def test_store_open_errors(tmp_path):
    with pytest.raises(DataFileError, match="no gazetteer store"):
        PlaceStore(tmp_path / "none.sqlite")
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database", encoding="utf-8")
    with pytest.raises(DataFileError, match="not an idpmap gazetteer store"):
        PlaceStore(junk)


def test_store_keys_are_indexed(geonames_file, store_path):
    import_file(geonames_file, store_path=store_path)
    conn = sqlite3.connect(store_path)
    indexes = {row[1] for row in conn.execute("PRAGMA index_list('names')")}
    conn.close()
    assert {"names_exact", "names_norm", "names_skeleton"} <= indexes


def test_default_store_path_is_in_user_data_dir():
    path = default_store_path()
    assert path.name == "gazetteer.sqlite" and "idpmap" in str(path)


def test_store_place_with_a_bundled_id_is_shadowed(tmp_path, store_path, places):
    path = tmp_path / "clash.csv"
    path.write_text("id,name,lat,lon\nsy-dana,Not Dana At All,30,30\nuser-x,Qastal Maaf,35.9,36.0\n",
                    encoding="utf-8")
    import_file(path, store_path=store_path)
    gaz = Gazetteer(places, store=store_path)
    assert gaz.by_id("sy-dana").name == "Dana"
    assert gaz.get("Not Dana At All") is None
    assert gaz.resolve("Qastal Maaf").place.id == "user-x"
    assert len(gaz) == len(places) + 1


def test_import_geonames_zip_as_downloaded(tmp_path, store_path):
    import zipfile

    archive = tmp_path / "SY.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("SY.txt", "\n".join(GEONAMES) + "\n")
        zf.writestr("readme.txt", "GeoNames country dump")
    result = import_file(archive, store_path=store_path)
    assert (result.format, result.imported) == ("geonames", 4)
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as zf:
        zf.writestr("SY.txt", GEONAMES[0])
        zf.writestr("TR.txt", GEONAMES[1])
    with pytest.raises(DataFileError, match="expected one data file in the zip"):
        import_file(two, store_path=store_path)


# ---------------------------------------------------------------------------------------------- OCHA COD files
# A two-district fake country in the layouts OCHA publishes on HDX (Yemen-like P-codes, made-up shapes).


def _square(lon, lat, size=0.5):
    return [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]]


def _feature(props, geometry):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _write_geojson(path, features):
    import json

    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    encoding="utf-8")
    return path


ADM1 = {"ADM1_PCODE": "YE11", "ADM1_EN": "Ibb", "ADM1_AR": "إب", "ADM0_PCODE": "YE", "ADM0_EN": "Yemen"}
DISTRICTS = [
    dict(ADM1, ADM2_PCODE="YE1101", ADM2_EN="Al Qafr", ADM2_AR="القفر", ADM2_REF="Al-Qafr", ADM2ALT1EN="Qafr"),
    dict(ADM1, ADM2_PCODE="YE1102", ADM2_EN="Yarim", ADM2_AR="يريم", ADM2_REF="", ADM2ALT1EN=""),
]


@pytest.fixture
def cod_ab(tmp_path):
    """COD-AB admin1 and admin2 layers as two GeoJSON files."""
    adm1 = _write_geojson(tmp_path / "yem_admbnda_adm1_cso.geojson",
                          [_feature(ADM1, {"type": "Polygon", "coordinates": _square(44.0, 14.0, 1.0)})])
    adm2 = _write_geojson(tmp_path / "yem_admbnda_adm2_cso.geojson", [
        _feature(DISTRICTS[0], {"type": "Polygon", "coordinates": _square(44.0, 14.0)}),
        _feature(DISTRICTS[1], {"type": "Polygon", "coordinates": _square(44.5, 14.0)}),
    ])
    return adm1, adm2


def test_import_cod_ab_boundaries_gives_pcodes_names_and_parents(cod_ab, store_path, places):
    adm1, adm2 = cod_ab
    assert (import_file(adm1, store_path=store_path).format, import_file(adm2, store_path=store_path).imported) == (
        "cod", 2)
    gaz = Gazetteer(places, store=store_path)
    qafr = gaz.resolve("Al Qafr").place
    assert (qafr.id, qafr.kind, qafr.pcode, qafr.admin1, qafr.admin2) == ("cod-ye1101", "district", "YE1101",
                                                                          "YE11", "YE1101")
    assert qafr.name_ar == "القفر" and "Al-Qafr" in qafr.alt_names and "Qafr" in qafr.alt_names
    assert 44.0 < qafr.lon < 44.5 and 14.0 < qafr.lat < 14.5  # a point inside its polygon
    assert gaz.resolve("يريم").place.pcode == "YE1102"
    assert [p.id for p in gaz.ancestors(qafr)] == ["cod-ye11"]
    assert gaz.by_id("cod-ye11").kind == "governorate" and "COD-AB YE11" in gaz.by_id("cod-ye11").source


def test_import_cod_populated_places_and_an_older_layout(tmp_path, store_path, places):
    pp = _write_geojson(tmp_path / "yem_pplp_adm4.geojson", [
        _feature(dict(DISTRICTS[0], ADM3_PCODE="YE110101", ADM4_PCODE="YE11010101", ADM4_EN="Bayt al Faqih",
                      ADM4_AR="بيت الفقيه"), {"type": "Point", "coordinates": [44.1, 14.2]}),
    ])
    old = _write_geojson(tmp_path / "old_admin2.json", [
        _feature({"PCODE": "YE1103", "NAME_EN": "As Sabrah", "NAME_AR": "السبرة", "NAM_EN_REF": "Sabrah",
                  "ADM1_PCODE": "YE11", "ADM0_PCODE": "YE"},
                 {"type": "Polygon", "coordinates": _square(45.0, 14.0)}),
    ])
    assert import_file(pp, store_path=store_path).imported == 1
    assert import_file(old, store_path=store_path, format="cod").imported == 1
    gaz = Gazetteer(places, store=store_path)
    village = gaz.resolve("Bayt al Faqih").place
    assert (village.kind, village.lat, village.lon, village.pcode) == ("village", 14.2, 44.1, "YE11010101")
    assert (village.admin1, village.admin2, village.admin3, village.parent) == ("YE11", "YE1101", "YE110101",
                                                                               "cod-ye110101")
    sabrah = gaz.resolve("Sabrah").place
    assert (sabrah.kind, sabrah.pcode, sabrah.admin1, sabrah.parent) == ("district", "YE1103", "YE11", "cod-ye11")


def test_import_cod_zipped_shapefile(tmp_path, cod_ab, store_path):
    import zipfile

    import geopandas

    frame = geopandas.read_file(cod_ab[1])
    shp = tmp_path / "shp" / "yem_admbnda_adm2.shp"
    shp.parent.mkdir()
    frame.to_file(shp)
    archive = tmp_path / "yem_adm2_shp.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in sorted(shp.parent.iterdir()):
            zf.write(part, part.name)
    result = import_file(archive, store_path=store_path)
    assert (result.format, result.imported) == ("cod", 2)
    assert {p.pcode for p in PlaceStore(store_path).places} == {"YE1101", "YE1102"}


def test_cod_without_pcodes_or_names_is_refused_with_the_feature_named(tmp_path, store_path):
    no_code = _write_geojson(tmp_path / "nocode.geojson", [
        _feature({"ADM1_EN": "Ibb"}, {"type": "Point", "coordinates": [44, 14]})])
    with pytest.raises(DataFileError, match="no feature with a P-code"):
        import_file(no_code, store_path=store_path)
    no_name = _write_geojson(tmp_path / "noname.geojson", [
        _feature({"ADM1_PCODE": "YE11"}, {"type": "Polygon", "coordinates": _square(44, 14)})])
    with pytest.raises(DataFileError, match=r"feature 1 \(YE11\): no name"):
        import_file(no_name, store_path=store_path)
    junk = tmp_path / "junk.geojson"
    junk.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataFileError, match="junk.geojson"):
        import_file(junk, store_path=store_path)
    assert not store_path.exists()


# ---------------------------------------------------------------------------------------------- hostile input


def test_a_repeated_geonames_id_is_refused_not_counted_twice(tmp_path, store_path):
    path = tmp_path / "SY.txt"
    path.write_text("\n".join([GEONAMES[0], GEONAMES[1], GEONAMES[0]]) + "\n", encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        import_file(path, store_path=store_path)
    assert (info.value.line, info.value.field) == (3, "geonameid")
    assert "repeated geonameid 7001 (first on line 1)" in str(info.value)
    assert not store_path.exists()


def test_a_huge_zip_member_without_line_breaks_fails_fast(tmp_path, store_path):
    import time
    import zipfile

    archive = tmp_path / "SY.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("SY.txt", "w", force_zip64=True) as member:
            block = b"7" * (1 << 20)
            for _ in range(16):  # 16 MiB of one line, about 16 KB zipped
                member.write(block)
    started = time.perf_counter()
    with pytest.raises(DataFileError) as info:
        import_file(archive, store_path=store_path)
    assert time.perf_counter() - started < 2
    message = str(info.value)
    assert "line longer than 1,048,576 bytes" in message and len(message) < 300 and "\n" not in message


def test_a_200_kb_header_field_is_a_one_line_error(tmp_path, store_path):
    path = tmp_path / "places.csv"
    path.write_text("name,lat,lon," + "x" * 200_000 + "\nA,35,36,\n", encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        import_file(path, store_path=store_path, format="csv")
    assert (info.value.line, info.value.field) == (1, "header")
    assert "longer than 131,072 characters" in str(info.value) and len(str(info.value)) < 300


def test_cli_import_of_cod_boundaries(cod_ab, store_path):
    from click.testing import CliRunner

    from mapper.cli import cli

    result = CliRunner().invoke(cli, ["gazetteer", "import", str(cod_ab[1]), "--store", str(store_path),
                                      "--format", "cod"])
    assert result.exit_code == 0, result.output
    assert "imported 2 places (cod)" in result.output
    bad = CliRunner().invoke(cli, ["gazetteer", "import", str(cod_ab[1]) + ".missing", "--store", str(store_path)])
    assert bad.exit_code != 0 and "Traceback" not in bad.output


def test_imported_places_keep_their_precision_and_old_stores_still_open(tmp_path, store_path, places):
    path = tmp_path / "communities.csv"
    path.write_text("name,lat,lon,pcode,admin3,precision\n"
                    "Kafr Lusin,36.24013,36.72875,C8812,SY070301,admin3\nTal Karamah,36.1,36.7,,,\n",
                    encoding="utf-8")
    import_file(path, store_path=store_path)
    gaz = Gazetteer(places, store=store_path)
    assert gaz.resolve("Kafr Lusin").place.precision == "admin3"
    assert gaz.resolve("Tal Karamah").place.precision == "point"
    bad = tmp_path / "bad.csv"
    bad.write_text("name,lat,lon,precision\nA,35,36,roughly\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"bad.csv:2: precision: expected one of point, admin3"):
        import_file(bad, store_path=store_path)
    # A store written before places had a precision: its places read as points, and a new import upgrades it.
    old = tmp_path / "old.sqlite"
    conn = sqlite3.connect(old)
    with conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("CREATE TABLE places (id TEXT PRIMARY KEY, name TEXT NOT NULL, name_ar TEXT NOT NULL, kind TEXT "
                     "NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL, pcode TEXT NOT NULL, admin1 TEXT NOT NULL, "
                     "admin2 TEXT NOT NULL, admin3 TEXT NOT NULL, parent TEXT NOT NULL, population INTEGER, "
                     "alt_names TEXT NOT NULL, source TEXT NOT NULL)")
        conn.execute("CREATE TABLE names (place_id TEXT NOT NULL, name TEXT NOT NULL, exact TEXT NOT NULL, "
                     "norm TEXT NOT NULL, skeleton TEXT NOT NULL, fuzzy TEXT NOT NULL)")
        conn.execute("INSERT INTO places VALUES ('x', 'Old Place', '', 'village', 35, 36, '', '', '', '', '', NULL, "
                     "'', 'mine')")
    conn.close()
    assert [p.precision for p in PlaceStore(old).places] == ["point"]
    import_file(path, store_path=old)
    assert sorted(p.precision for p in PlaceStore(old).places) == ["admin3", "point", "point"]
