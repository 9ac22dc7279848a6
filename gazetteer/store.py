"""The local store: places a user imports (a GeoNames dump, OCHA COD files, a CSV) kept in SQLite beside the bundled data.

``import_file`` validates a whole file first and writes it in one transaction, so a malformed line leaves the store as
it was. The store keeps every name with its precomputed lookup keys (indexed), and :class:`PlaceStore` loads them
into memory when opened, so that resolving against 50,000 imported names costs dictionary lookups, not queries.

The store is never used implicitly: pass it to :class:`~gazetteer.core.Gazetteer` (``store=``) or use
:meth:`~gazetteer.core.Gazetteer.with_store`. Its default place is ``gazetteer.sqlite`` in the user's data directory
(:func:`default_store_path`).
"""

from __future__ import annotations

import contextlib
import csv
import math
import os
import re
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import DataFileError
from .normalize import exact_key, fuzzy_key, is_arabic, variant_keys
from .places import KINDS, PRECISIONS, Place

__all__ = ["PlaceStore", "ImportResult", "import_file", "default_store_path", "FORMATS"]

#: Import formats ``import_file`` understands: a geonames.org dump, a CSV of places, OCHA COD-AB boundaries or COD
#: populated places (``cod``: GeoJSON, TopoJSON, shapefile, GeoPackage; see :mod:`gazetteer.cod`).
FORMATS = ("geonames", "csv", "cod")
#: Longest line read from a GeoNames dump or CSV (bytes). Real GeoNames lines stay under 20 KB; a longer line means
#: the file is not one of those formats (a binary file, or a huge member of a zip without line breaks).
MAX_LINE_BYTES = 1 << 20
_SCHEMA_VERSION = "1"
_GEONAMES_FIELDS = 19
# GeoNames feature codes imported outside class P (populated places), and the kind they become.
_GEONAMES_KINDS = {
    ("A", "ADM1"): "governorate",
    ("A", "ADM2"): "district",
    ("A", "ADM3"): "subdistrict",
    ("A", "PCLI"): "country",
    ("S", "CMPRF"): "camp",
    ("S", "CMP"): "camp",
    ("S", "PSTB"): "border_crossing",
    ("L", "RGN"): "region",
}
_CSV_REQUIRED = ("name", "lat", "lon")
_CSV_OPTIONAL = ("id", "name_ar", "kind", "alt_names", "pcode", "admin1", "admin2", "admin3", "parent",
                 "population", "source", "precision")
# Alternate names worth keeping: Latin-script or Arabic-script words (GeoNames also lists Cyrillic, CJK, codes, URLs).
_KEEP_NAME = re.compile(r"^[A-Za-z0-9\u00C0-\u024F\u1E00-\u1EFF\s'’‘`´ʿʾʼ.,()\-]+$")
_MAX_ALT_NAMES = 60
_PROGRESS_STEP = 1 << 16

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS places (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, name_ar TEXT NOT NULL, kind TEXT NOT NULL,
    lat REAL NOT NULL, lon REAL NOT NULL, pcode TEXT NOT NULL, admin1 TEXT NOT NULL, admin2 TEXT NOT NULL,
    admin3 TEXT NOT NULL, parent TEXT NOT NULL, population INTEGER, alt_names TEXT NOT NULL, source TEXT NOT NULL,
    precision TEXT NOT NULL DEFAULT 'point'
);
CREATE TABLE IF NOT EXISTS names (
    place_id TEXT NOT NULL REFERENCES places(id) ON DELETE CASCADE,
    name TEXT NOT NULL, exact TEXT NOT NULL, norm TEXT NOT NULL, skeleton TEXT NOT NULL, fuzzy TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS names_place ON names(place_id);
CREATE INDEX IF NOT EXISTS names_exact ON names(exact);
CREATE INDEX IF NOT EXISTS names_norm ON names(norm);
CREATE INDEX IF NOT EXISTS names_skeleton ON names(skeleton);
"""


def default_store_path() -> Path:
    """``gazetteer.sqlite`` in the user's data directory for idpmap (platformdirs)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("idpmap")) / "gazetteer.sqlite"


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_file` did."""

    path: str
    store_path: str
    format: str
    imported: int
    skipped: int


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class PlaceStore:
    """A local SQLite store of imported places, loaded into memory when opened.

    Parameters
    ----------
    path : path-like, optional
        The store file; default :func:`default_store_path`.

    Raises
    ------
    DataFileError
        The file does not exist or is not an idpmap gazetteer store.
    """

    def __init__(self, path=None):
        self.path = Path(path) if path is not None else default_store_path()
        if not self.path.is_file():
            raise DataFileError(self.path, None,
                                "no gazetteer store here; create it with `idpmap gazetteer import FILE`")
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            try:
                # Stores written before places had a precision have no such column: their places are points.
                has_precision = any(c[1] == "precision" for c in conn.execute("PRAGMA table_info(places)"))
                precision = "precision" if has_precision else "'point'"
                rows = conn.execute(
                    "SELECT id, name, name_ar, kind, lat, lon, pcode, admin1, admin2, admin3, parent, population,"
                    f" alt_names, source, {precision} FROM places ORDER BY rowid").fetchall()
                keys = conn.execute("SELECT place_id, exact, norm, skeleton, fuzzy FROM names ORDER BY rowid"
                                    ).fetchall()
            finally:
                conn.close()
        except sqlite3.DatabaseError as err:
            raise DataFileError(self.path, None, f"not an idpmap gazetteer store ({err})") from err
        self.places: tuple[Place, ...] = tuple(
            Place(id=r[0], name=r[1], name_ar=r[2], kind=r[3], lat=r[4], lon=r[5], pcode=r[6], admin1=r[7],
                  admin2=r[8], admin3=r[9], parent=r[10], population=r[11],
                  alt_names=tuple(a for a in r[12].split("|") if a), source=r[13], precision=r[14])
            for r in rows
        )
        self._keys = keys

    def name_keys(self) -> list[tuple[str, str, str, str, str]]:
        """``(place_id, exact, normal form, skeleton, fuzzy key)`` of every stored name, as imported."""
        return self._keys

    def __len__(self) -> int:
        return len(self.places)

    def __repr__(self) -> str:
        return f"<PlaceStore {self.path} ({len(self)} places)>"


# ---------------------------------------------------------------------- reading import files


@contextlib.contextmanager
def _open_binary(path: Path):
    """``(binary file, size)`` of a file, or of the data file inside a zip (GeoNames ships ``SY.zip``)."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist()
                       if not m.is_dir() and not m.filename.lower().startswith("readme")]
            if len(members) != 1:
                names = ", ".join(m.filename for m in members) or "nothing"
                raise DataFileError(path, None, f"expected one data file in the zip, found {names}")
            with archive.open(members[0]) as fh:
                yield fh, members[0].file_size
    else:
        with path.open("rb") as fh:
            yield fh, path.stat().st_size


def _lines(path: Path, progress: Callable[[int, int], None] | None) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of each line, decoded as UTF-8; reports bytes read to ``progress``."""
    done = reported = 0
    with _open_binary(path) as (fh, total):
        for number, raw in enumerate(iter(lambda: fh.readline(MAX_LINE_BYTES + 1), b""), start=1):
            if len(raw) > MAX_LINE_BYTES:
                raise DataFileError(path, number, f"line longer than {MAX_LINE_BYTES:,} bytes (the limit, "
                                                  "gazetteer.store.MAX_LINE_BYTES): not a GeoNames dump or CSV")
            done += len(raw)
            if progress is not None and done - reported >= _PROGRESS_STEP:
                progress(done, total)
                reported = done
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as err:
                raise DataFileError(path, number, f"not UTF-8 text ({err.reason} at byte {err.start})") from err
            yield number, text.rstrip("\r\n")
    if progress is not None:
        progress(total, total)


def _number(path, line, field, raw, lo, hi) -> float:
    try:
        value = float(raw) if "_" not in raw else math.nan  # float() reads 3_6.1 as 36.1
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and lo <= value <= hi):
        shown = repr(raw) if len(raw) <= 40 else f"{raw[:40]!r}... ({len(raw):,} characters)"
        raise DataFileError(path, line, f"expected a number between {lo:g} and {hi:g}, got {shown}", field=field)
    return value


def _population(path, line, raw) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = int(raw) if raw.isdigit() and len(raw) <= 12 else -1  # int() reads 1_000; no 5,000-digit values
    except ValueError:
        value = -1
    if value < 0:
        shown = repr(raw) if len(raw) <= 40 else f"{raw[:40]!r}... ({len(raw):,} characters)"
        raise DataFileError(path, line, f"expected a whole number >= 0 or nothing, got {shown}", field="population")
    return value or None


def _keep_alternates(names, exclude) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for name in names:
        name = name.strip()
        if (len(name) >= 2 and name not in exclude and not name.startswith("http")
                and (is_arabic(name) or _KEEP_NAME.match(name)) and any(c.isalpha() for c in name)):
            out[name] = None
            if len(out) >= _MAX_ALT_NAMES:
                break
    return tuple(out)


def _geonames_kind(fclass: str, fcode: str, population: int | None) -> str | None:
    if fclass == "P":
        pop = population or 0
        if fcode in ("PPLC", "PPLA") or pop >= 100_000:
            return "city"
        if fcode.startswith("PPLA") or pop >= 10_000:
            return "town"
        return "village"
    return _GEONAMES_KINDS.get((fclass, fcode))


def _read_geonames(path: Path, progress) -> tuple[list[Place], int]:
    """Places of a geonames.org country dump (19 tab-separated fields, no header)."""
    places, skipped, lines = [], 0, {}
    for line, text in _lines(path, progress):
        if not text.strip():
            continue
        fields = text.split("\t")
        if len(fields) != _GEONAMES_FIELDS:
            raise DataFileError(path, line, f"expected {_GEONAMES_FIELDS} tab-separated fields (GeoNames format), "
                                            f"got {len(fields)}")
        gid, name, asciiname, alternates, lat, lon, fclass, fcode, country = fields[:9]
        if not gid.strip().isdigit():
            raise DataFileError(path, line, f"expected a numeric geonameid, got {_shown(gid)}", field="geonameid")
        if not name.strip():
            raise DataFileError(path, line, "empty name", field="name")
        lat_v = _number(path, line, "latitude", lat, -90, 90)
        lon_v = _number(path, line, "longitude", lon, -180, 180)
        population = _population(path, line, fields[14])
        if gid.strip() in lines:  # a dump has each id once: a repeat means two files run together
            raise DataFileError(path, line, f"repeated geonameid {gid.strip()} (first on line {lines[gid.strip()]})",
                                field="geonameid")
        lines[gid.strip()] = line
        kind = _geonames_kind(fclass.strip(), fcode.strip(), population)
        if kind is None:
            skipped += 1  # mountains, wadis, wells ...: not places people flee from or to
            continue
        name = name.strip()
        alts = [asciiname] + alternates.split(",")
        name_ar = next((a.strip() for a in alternates.split(",") if is_arabic(a)), "")
        places.append(Place(
            id=f"gn-{gid.strip()}", name=name, kind=kind, lat=lat_v, lon=lon_v, name_ar=name_ar,
            population=population, alt_names=_keep_alternates(alts, {name, name_ar}),
            source=f"GeoNames {gid.strip()} ({country.strip()} {fclass}.{fcode})",
        ))
    return places, skipped


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", variant_keys(text)[0]).strip("-") or "place"


def _read_csv(path: Path, progress) -> tuple[list[Place], int]:
    """Places of a CSV with at least ``name, lat, lon`` (optional id, name_ar, kind, alt_names, pcode, ...)."""
    lines = _lines(path, progress)
    numbers: list[int] = []

    def texts():
        for number, text in lines:
            numbers.append(number)
            yield text

    reader = csv.reader(texts())
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise DataFileError(path, 1, "empty file: expected a header row with name, lat, lon") from None
    except csv.Error as err:
        raise DataFileError(path, numbers[-1] if numbers else 1, f"malformed CSV header: {_csv_problem(err)}",
                            field="header") from None
    missing = [c for c in _CSV_REQUIRED if c not in header]
    if missing:
        raise DataFileError(path, 1, f"missing column(s) {', '.join(missing)} (need name, lat, lon)", field="header")
    col = {name: header.index(name) for name in _CSV_REQUIRED + _CSV_OPTIONAL if name in header}
    places, ids = [], {}
    try:
        for row in reader:
            line = numbers[-1]
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise DataFileError(path, line, f"expected {len(header)} fields, got {len(row)}")

            def get(field, row=row):
                return row[col[field]].strip() if field in col else ""

            name = get("name")
            if not name:
                raise DataFileError(path, line, "empty name", field="name")
            lat = _number(path, line, "lat", get("lat"), -90, 90)
            lon = _number(path, line, "lon", get("lon"), -180, 180)
            kind = get("kind") or "village"
            if kind not in KINDS:
                raise DataFileError(path, line, f"expected one of {', '.join(KINDS)}, got {kind!r}", field="kind")
            pid = get("id") or f"user-{_slug(name)}-{lat:.4f}-{lon:.4f}"
            if pid in ids:
                raise DataFileError(path, line, f"duplicate id {pid!r} (first on line {ids[pid]})", field="id")
            ids[pid] = line
            name_ar = get("name_ar")
            precision = get("precision") or "point"
            if precision not in PRECISIONS:
                raise DataFileError(path, line, f"expected one of {', '.join(PRECISIONS)} or nothing, got "
                                                f"{_shown(precision)}", field="precision")
            places.append(Place(
                id=pid, name=name, kind=kind, lat=lat, lon=lon, name_ar=name_ar, pcode=get("pcode"),
                admin1=get("admin1"), admin2=get("admin2"), admin3=get("admin3"), parent=get("parent"),
                population=_population(path, line, get("population")),
                alt_names=_keep_alternates(get("alt_names").split("|"), {name, name_ar}),
                source=get("source") or f"imported from {path.name}", precision=precision,
            ))
    except csv.Error as err:
        raise DataFileError(path, numbers[-1] if numbers else None, f"malformed CSV: {_csv_problem(err)}") from None
    return places, 0


def _csv_problem(err: csv.Error) -> str:
    text = str(err)
    if "field larger than field limit" in text:
        return f"a field is longer than {csv.field_size_limit():,} characters (the csv module's limit)"
    return _shown(text)


def _shown(text: str, limit: int = 80) -> str:
    """``repr`` of a text from the input, cut to ``limit`` characters so that an error stays one short line."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"… ({len(text):,} characters)"


def _is_cod(path: Path) -> bool:
    from .cod import COD_SUFFIXES

    if path.suffix.lower() in COD_SUFFIXES:
        return True
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return any(n.lower().endswith(COD_SUFFIXES) for n in archive.namelist())
    return False


def _sniff_format(path: Path) -> str:
    if _is_cod(path):
        return "cod"
    with _open_binary(path) as (fh, _):
        for raw in fh:
            if raw.strip():
                first = raw.decode("utf-8-sig", errors="replace").split("\t")
                if len(first) >= _GEONAMES_FIELDS - 1 and first[0].strip().isdigit():
                    return "geonames"
                return "csv"
    return "csv"


def _name_rows(place: Place):
    names = [place.name] + ([place.name_ar] if place.name_ar else []) + list(place.alt_names)
    seen = set()
    for name in names:
        norm, skel = variant_keys(name)
        row = (place.id, name, exact_key(name), norm, skel, fuzzy_key(norm, normalized=True))
        if row[2:] not in seen:
            seen.add(row[2:])
            yield row


def import_file(path, *, store_path=None, format: str = "auto",
                progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Import a GeoNames country dump, OCHA COD files or a CSV of places into the local store.

    Parameters
    ----------
    path : path-like
        A geonames.org country dump (``SY.txt``, or ``SY.zip`` as downloaded: 19 tab-separated fields, no header);
        OCHA COD-AB admin boundaries or COD populated places (GeoJSON, TopoJSON, shapefile or zipped shapefile,
        GeoPackage: ``ADMn_PCODE`` / ``ADMn_EN`` / ``ADMn_AR`` fields, or the older ``PCODE`` / ``NAME_EN``;
        see :mod:`gazetteer.cod`); or a CSV with a header row and
        at least ``name, lat, lon`` (optional ``id, name_ar, kind, alt_names`` (``|``-separated), ``pcode,
        admin1, admin2, admin3, parent, population, source, precision``).
    store_path : path-like, optional
        The store to fill (created if missing); default :func:`default_store_path`.
    format : {"auto", "geonames", "csv", "cod"}
        ``auto`` recognises COD files by their extension (also inside a zip) and a GeoNames dump by its
        tab-separated first line.
    progress : callable, optional
        Called as ``progress(bytes_done, bytes_total)`` while the file is read.

    Returns
    -------
    ImportResult
        Counts of places imported and of GeoNames features skipped (not places: mountains, streams ...).
        Re-importing a place with the same id replaces it.

    Raises
    ------
    DataFileError
        A line is malformed (the message names file, line and field); the store is left unchanged.
    """
    path = Path(path)
    if format not in ("auto",) + FORMATS:
        raise ValueError(f"expected format auto, {', '.join(FORMATS)}, got {format!r}")
    if not path.is_file():
        raise DataFileError(path, None, "no such file")
    fmt = _sniff_format(path) if format == "auto" else format
    if fmt == "cod":
        from .cod import read_cod as reader
    else:
        reader = _read_geonames if fmt == "geonames" else _read_csv
    places, skipped = reader(path, progress)

    target = Path(store_path) if store_path is not None else default_store_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    conn = _connect(target)
    try:
        with conn:  # one transaction: all of the file or nothing
            for statement in _SCHEMA.strip().split(";"):
                if statement.strip():
                    conn.execute(statement)
            if not any(c[1] == "precision" for c in conn.execute("PRAGMA table_info(places)")):
                conn.execute("ALTER TABLE places ADD COLUMN precision TEXT NOT NULL DEFAULT 'point'")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (_SCHEMA_VERSION,))
            conn.executemany("DELETE FROM names WHERE place_id = ?", [(p.id,) for p in places])
            conn.executemany(
                "INSERT OR REPLACE INTO places (id, name, name_ar, kind, lat, lon, pcode, admin1, admin2, admin3,"
                " parent, population, alt_names, source, precision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(p.id, p.name, p.name_ar, p.kind, p.lat, p.lon, p.pcode, p.admin1, p.admin2, p.admin3, p.parent,
                  p.population, "|".join(p.alt_names), p.source, p.precision) for p in places],
            )
            conn.executemany("INSERT INTO names VALUES (?, ?, ?, ?, ?, ?)",
                             (row for p in places for row in _name_rows(p)))
    except sqlite3.DatabaseError as err:
        raise DataFileError(target, None, f"cannot write the gazetteer store ({err})") from err
    finally:
        conn.close()
    return ImportResult(path=os.fspath(path), store_path=os.fspath(target), format=fmt, imported=len(places),
                        skipped=skipped)
