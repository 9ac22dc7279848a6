"""Loading places: the bundled ``gazetteer/data/places.csv`` and user CSVs in the same format.

Every problem names file, line and field (:class:`~gazetteer.errors.DataFileError`).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import math
import operator
from importlib import resources
from pathlib import Path

from .errors import DataFileError
from .places import KINDS, PRECISIONS, Place

__all__ = ["REQUIRED_COLUMNS", "OPTIONAL_COLUMNS", "read_places_csv", "bundled_places", "shipped_index"]

#: Columns of a places CSV that must be present.
REQUIRED_COLUMNS = ("id", "name", "kind", "lat", "lon")
OPTIONAL_COLUMNS = ("name_ar", "pcode", "admin1", "admin2", "admin3", "parent", "population", "alt_names", "source",
                    "precision")


#: The fields of a Place, in the order the parser takes them from a row.
_FIELDS = ("id", "name", "kind", "lat", "lon", "name_ar", "pcode", "admin1", "admin2", "admin3", "parent",
           "population", "alt_names", "source", "precision")


def _number(raw: str, field: str, bound: float, fail) -> float:
    try:
        value = float(raw)
    except ValueError:
        fail(field, f"expected a number, got {raw!r}")
    if not (math.isfinite(value) and -bound <= value <= bound):
        fail(field, f"expected a number between {-bound:g} and {bound:g}, got {raw!r}")
    return value


def _population(raw: str, fail) -> int | None:
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        fail("population", f"expected a whole number or nothing, got {raw!r}")
    if value < 0:
        fail("population", f"expected a number >= 0, got {raw!r}")
    return value


def _parse_row(values: tuple[str, ...], path, line: int) -> Place:
    """A Place from a row's stripped values in :data:`_FIELDS` order; errors name file, line and field."""
    def fail(field: str, problem: str):
        raise DataFileError(path, line, problem, field=field)

    pid, name, kind, lat, lon, name_ar, pcode, admin1, admin2, admin3, parent, population, alts, source, \
        precision = values
    for field, value in (("id", pid), ("name", name)):
        if not value:
            fail(field, f"empty {field}")
    if kind not in KINDS:
        fail("kind", f"expected one of {', '.join(KINDS)}, got {kind!r}")
    precision = precision or "point"
    if precision not in PRECISIONS:
        fail("precision", f"expected one of {', '.join(PRECISIONS)} or nothing, got {precision!r}")
    return Place(pid, name, kind, _number(lat, "lat", 90.0, fail), _number(lon, "lon", 180.0, fail), name_ar, pcode,
                 admin1, admin2, admin3, parent, _population(population, fail),
                 tuple(dict.fromkeys(a.strip() for a in alts.split("|") if a.strip())) if alts else (), source,
                 precision)


def _columns(header: list[str] | None, path) -> dict[str, int]:
    if not header:
        raise DataFileError(path, 1, "empty file: expected a header row")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise DataFileError(path, 1, f"missing column(s) {', '.join(missing)}", field="header")
    columns: dict[str, int] = {}
    for i, name in enumerate(header):
        columns.setdefault(name, i)
    return columns


def read_places(stream, path) -> list[Place]:
    """Places from an open CSV text stream; ``path`` names it in errors."""
    reader = csv.reader(stream)
    places: list[Place] = []
    lines: dict[str, int] = {}
    try:
        header = next(reader, None)
        columns, width = _columns(header, path), len(header)
        # one lookup per row takes every field; a missing optional column reads the "" appended at the end
        values_of = operator.itemgetter(*(columns.get(field, width) for field in _FIELDS))
        for cells in reader:
            line = reader.line_num
            if not "".join(cells).strip():
                continue
            if len(cells) != width:
                raise DataFileError(path, line, f"expected {width} fields, got {len(cells)}")
            cells.append("")
            place = _parse_row(tuple(map(str.strip, values_of(cells))), path, line)
            if place.id in lines:
                raise DataFileError(path, line, f"duplicate id {place.id!r} (first on line {lines[place.id]})",
                                    field="id")
            lines[place.id] = line
            places.append(place)
    except csv.Error as err:
        raise DataFileError(path, reader.line_num, f"malformed CSV: {err}") from err
    for place in places:
        if place.parent and place.parent not in lines:
            raise DataFileError(path, lines[place.id], f"unknown parent id {place.parent!r}", field="parent")
    return places


def read_places_csv(path) -> list[Place]:
    """Places from a CSV in the bundled format (``id,name,name_ar,kind,lat,lon,pcode,admin1..3,parent,...``).

    Raises
    ------
    DataFileError
        A row is malformed; the message names file, line and field.
    """
    path = Path(path)
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return read_places(fh, path)
    except UnicodeDecodeError as err:
        raise DataFileError(path, None, f"not UTF-8 text ({err.reason})") from err


#: The shipped name index of the bundled places (built with them by ``gazetteer/data/build_places.py``).
INDEX_FILE = "name_index.json"


@functools.lru_cache(maxsize=1)
def bundled_places() -> tuple[Place, ...]:
    """The places of ``gazetteer/data/places.csv``, read once."""
    resource = _data_file("places.csv")
    label = str(resource)
    try:
        text = resource.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataFileError(label, None, f"not UTF-8 text ({err.reason})") from err
    return tuple(read_places(io.StringIO(text, newline=""), label))


def shipped_index(places) -> dict | None:
    """The name index tables shipped for the bundled places (:func:`gazetteer.index.index_tables`), when ``places``
    are the bundled places (the tuple :func:`bundled_places` returns) and the index was built from this very
    ``places.csv`` (its SHA-256); else None (the tables are then computed)."""
    if bundled_places.cache_info().currsize == 0 or places is not bundled_places():
        return None
    return _shipped_tables()


def _data_file(name: str):
    return resources.files("gazetteer").joinpath("data", name)


@functools.lru_cache(maxsize=1)
def _shipped_tables() -> dict | None:
    try:
        tables = json.loads(_data_file(INDEX_FILE).read_bytes())
        digest = hashlib.sha256(_data_file("places.csv").read_bytes()).hexdigest()
    except (OSError, ValueError):
        return None
    return tables if tables.get("places_sha256") == digest else None
