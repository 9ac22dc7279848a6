"""Loading places: the bundled ``gazetteer/data/places.csv`` and user CSVs in the same format.

Every problem names file, line and field (:class:`~gazetteer.errors.DataFileError`).
"""

from __future__ import annotations

import csv
import functools
import io
import math
from importlib import resources
from pathlib import Path

from .errors import DataFileError
from .places import KINDS, PRECISIONS, Place

__all__ = ["REQUIRED_COLUMNS", "OPTIONAL_COLUMNS", "read_places_csv", "bundled_places"]

#: Columns of a places CSV that must be present.
REQUIRED_COLUMNS = ("id", "name", "kind", "lat", "lon")
OPTIONAL_COLUMNS = ("name_ar", "pcode", "admin1", "admin2", "admin3", "parent", "population", "alt_names", "source",
                    "precision")


class _Row:
    """One CSV row being read: its cells, and errors that name file, line and field."""

    def __init__(self, row: dict, path, line: int):
        self.row, self.path, self.line = row, path, line

    def fail(self, field: str, problem: str):
        raise DataFileError(self.path, self.line, problem, field=field)

    def text(self, field: str) -> str:
        return (self.row.get(field) or "").strip()

    def required(self, field: str) -> str:
        value = self.text(field)
        if not value:
            self.fail(field, f"empty {field}")
        return value

    def coordinate(self, field: str, bound: float) -> float:
        raw = self.text(field)
        try:
            value = float(raw)
        except ValueError:
            self.fail(field, f"expected a number, got {raw!r}")
        if not (math.isfinite(value) and -bound <= value <= bound):
            self.fail(field, f"expected a number between {-bound:g} and {bound:g}, got {raw!r}")
        return value

    def population(self) -> int | None:
        raw = self.text("population")
        if not raw:
            return None
        try:
            value = int(raw)
        except ValueError:
            self.fail("population", f"expected a whole number or nothing, got {raw!r}")
        if value < 0:
            self.fail("population", f"expected a number >= 0, got {raw!r}")
        return value

    def choice(self, field: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        value = self.text(field) or default
        if value not in allowed:
            self.fail(field, f"expected one of {', '.join(allowed)}{' or nothing' if default else ''}, got {value!r}")
        return value


def _parse_row(row: dict, path, line: int) -> Place:
    cells = _Row(row, path, line)
    return Place(
        id=cells.required("id"), name=cells.required("name"), kind=cells.choice("kind", KINDS),
        lat=cells.coordinate("lat", 90.0), lon=cells.coordinate("lon", 180.0), name_ar=cells.text("name_ar"),
        pcode=cells.text("pcode"), admin1=cells.text("admin1"), admin2=cells.text("admin2"),
        admin3=cells.text("admin3"), parent=cells.text("parent"), population=cells.population(),
        alt_names=tuple(dict.fromkeys(a.strip() for a in cells.text("alt_names").split("|") if a.strip())),
        source=cells.text("source"), precision=cells.choice("precision", PRECISIONS, default="point"),
    )


def _check_header(reader: csv.DictReader, path) -> list[str]:
    header = reader.fieldnames
    if not header:
        raise DataFileError(path, 1, "empty file: expected a header row")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise DataFileError(path, 1, f"missing column(s) {', '.join(missing)}", field="header")
    return header


def _check_width(row: dict, header: list[str], path, line: int) -> None:
    if None in row:
        raise DataFileError(path, line, f"expected {len(header)} fields, got {len(header) + len(row[None])}")
    if any(v is None for v in row.values()):
        got = sum(v is not None for v in row.values())
        raise DataFileError(path, line, f"expected {len(header)} fields, got {got}")


def read_places(stream, path) -> list[Place]:
    """Places from an open CSV text stream; ``path`` names it in errors."""
    reader = csv.DictReader(stream)
    header = _check_header(reader, path)
    places: list[Place] = []
    lines: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            _check_width(row, header, path, line)
            if not any((v or "").strip() for v in row.values()):
                continue
            place = _parse_row(row, path, line)
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


@functools.lru_cache(maxsize=1)
def bundled_places() -> tuple[Place, ...]:
    """The places of ``gazetteer/data/places.csv``, read once."""
    resource = resources.files("gazetteer").joinpath("data", "places.csv")
    label = str(resource)
    try:
        text = resource.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataFileError(label, None, f"not UTF-8 text ({err.reason})") from err
    return tuple(read_places(io.StringIO(text, newline=""), label))
