"""Write built flows to files other tools read, and read them (or a flowmap.blue pair) back.

Formats (``format=``, else taken from the file's extension):

``geojson`` (``.geojson``, ``.json``)
    One FeatureCollection: the flows as LineStrings, then the places and incidents as Points, each feature with a
    ``layer`` property (``flows``, ``places``, ``incidents``) and the columns of :mod:`mapper.model` as properties
    (``sources`` as a JSON array). Top-level members ``generator`` (``idpmap <version>``), ``meta`` and
    ``left_out`` carry the build's settings and what was not drawn. Coordinates are WGS 84 lon/lat (RFC 7946).
``gpkg`` (``.gpkg``)
    A GeoPackage with the layers ``flows``, ``places`` and ``incidents`` (EPSG:4326) and the table ``left_out``;
    the build's settings are in the ``flows`` layer's metadata (``idpmap_meta``). For QGIS users. GDAL cannot
    store a NUL character inside text, so a NUL becomes U+FFFD there; every other character is kept.
``csv`` (``.csv``)
    The flows table, one row per flow with the columns of :data:`~mapper.model.FLOW_COLUMNS` (coordinates in
    ``origin_lat``, ``origin_lon``, ``dest_lat``, ``dest_lon``; ``sources`` as a JSON string). UTF-8, no BOM.
``hxl``
    The same table with an HXL hashtag row under the header (``#loc+origin+name``, ``#geo+origin+lat``,
    ``#affected+idps``, ``#date+start`` ...; see :data:`HXL_FLOW_TAGS`), for humanitarian data tools.
``flowmap``
    flowmap.blue's pair of files, ``locations.csv`` (``id,name,lat,lon``) and ``flows.csv``
    (``origin,dest,count``), written into the folder ``path`` (created when missing). ``count`` is the flow's
    ``people`` rounded to a whole number.

``path`` ``-`` writes a text format (GeoJSON by default, CSV, HXL) to standard output. Files are written
atomically and never clobber a file idpmap did not write unless ``force`` (see :mod:`mapper.atomic`); the two files
of a flowmap.blue pair are renamed into place together, after both are complete.

:func:`read_flows` reads idpmap's own GeoJSON, GeoPackage, CSV and HXL outputs, and a flowmap.blue pair (given
the folder or either file). A flowmap.blue flow carries no period, sources or P-codes: those are left empty
(``period_start``/``period_end`` ``""``, ``sources`` ``"[]"``, ``split_rule`` ``"flowmap.blue"``), and
``people``, ``people_min`` and ``people_max`` all take the count. CSV cells are read with the spaces at their
edges trimmed, like every CSV file idpmap reads.

Every CSV cell idpmap writes is spreadsheet-safe (:mod:`mapper.spreadsheet`): text beginning with ``=``, ``+``,
``-``, ``@``, a tab or CR gets a leading ``'`` so that no spreadsheet runs it as a formula; the readers remove it
again.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as _dt
import functools
import gc
import json
import math
import operator
import re
import sys
import uuid
from pathlib import Path

import msgspec
import numpy as np
import pandas as pd

from .atomic import GENERATOR, atomic_open, atomic_path, check_target
from .errors import InputFileError, OutputError, shown
from .inputs import check_input_file, json_nesting_error, load_json, read_input, without_bom
from .model import COLUMN_DEFAULTS, FLOW_COLUMNS, INCIDENT_COLUMNS, PLACE_COLUMNS, FlowSet, LeftOut
from .reports import MAX_PEOPLE, MAX_PROBLEMS, parse_figure, read_table
from .spreadsheet import spreadsheet_safe

FORMATS = ("geojson", "gpkg", "csv", "flowmap", "hxl")
_EXTENSIONS = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".csv": "csv"}
_TEXT_FORMATS = ("geojson", "csv", "hxl")
_FLOWMAP_FILES = ("locations.csv", "flows.csv")

_PLACE_FIELDS = ("id", "name", "name_ar", "kind", "lat", "lon", "pcode", "admin1", "admin2", "admin3")


def _flow_tag(column):
    for prefix, attr in (("origin_", "+origin"), ("dest_", "+dest")):
        if column.startswith(prefix):
            field = column[len(prefix):]
            return {"id": f"#loc{attr}+id", "name": f"#loc{attr}+name", "name_ar": f"#loc{attr}+name+i_ar",
                    "kind": f"#loc{attr}+type", "lat": f"#geo{attr}+lat", "lon": f"#geo{attr}+lon",
                    "pcode": f"#loc{attr}+code", "admin1": f"#adm1{attr}+code", "admin2": f"#adm2{attr}+code",
                    "admin3": f"#adm3{attr}+code", "border_km": f"#geo{attr}+border_km",
                    "precision": f"#geo{attr}+precision"}[field]
    return {"flow_id": "#meta+id", "people": "#affected+idps+ind", "people_min": "#affected+idps+ind+min",
            "people_max": "#affected+idps+ind+max", "period_start": "#date+start", "period_end": "#date+end",
            "sources": "#meta+source+json", "split_rule": "#meta+split_rule",
            "distance_km": "#geo+distance_km", "modelled": "#meta+modelled", "note": "#meta+note"}[column]


#: The HXL hashtag written under each column of the ``hxl`` format.
HXL_FLOW_TAGS = {column: _flow_tag(column) for column in FLOW_COLUMNS}


# --------------------------------------------------------------------------------------------------------------
# Writing


def flows_format(path, format=None):
    """The output format for ``path``: ``format`` when given, else the one its extension names.

    Raises
    ------
    mapper.errors.OutputError
        For an unknown format or extension, or a binary format sent to standard output.
    """
    if format is not None:
        fmt = str(format).lower()
        if fmt not in FORMATS:
            raise OutputError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    elif str(path) == "-":
        fmt = "geojson"
    else:
        fmt = _EXTENSIONS.get(Path(path).suffix.lower())
        if fmt is None:
            raise OutputError(f"{path}: cannot tell the format from the extension {Path(path).suffix!r}; use "
                              ".geojson, .gpkg or .csv, or --format (geojson, gpkg, csv, flowmap, hxl)")
    if str(path) == "-" and fmt not in _TEXT_FORMATS:
        raise OutputError(f"format {fmt} cannot go to standard output; give a file name")
    return fmt


def check_flows_output(path, *, format=None, force=False):
    """Check, before any work, that :func:`write_flows` may write ``path``; return the format.

    Raises :class:`~mapper.errors.OutputError` as :func:`write_flows` would (unknown format, missing folder, an
    existing file idpmap did not write and no ``force``).
    """
    fmt = flows_format(path, format)
    if str(path) == "-":
        return fmt
    if fmt == "flowmap":
        folder = Path(path)
        if folder.suffix.lower() == ".csv" or (folder.exists() and not folder.is_dir()):
            raise OutputError(f"{path}: for --format flowmap give a folder; locations.csv and flows.csv are "
                              "written into it")
        if not folder.parent.exists():
            raise OutputError(f"{path}: folder {str(folder.parent)!r} does not exist")
        if folder.exists():
            for name in _FLOWMAP_FILES:
                check_target(folder / name, force=force)
        return fmt
    check_target(path, force=force)
    return fmt


def write_flows(flowset, path, *, format=None, force=False):
    """Write a :class:`~mapper.model.FlowSet` as GeoJSON, GeoPackage, CSV, HXL or a flowmap.blue pair.

    Parameters
    ----------
    flowset : mapper.model.FlowSet
        What :func:`mapper.flows.build_flows` returned (or :func:`read_flows`).
    path : str or os.PathLike
        The file to write (a folder for ``format="flowmap"``), or ``"-"`` for standard output.
    format : {"geojson", "gpkg", "csv", "flowmap", "hxl"}, optional
        Default: from the extension of ``path`` (GeoJSON for ``"-"``).
    force : bool
        Overwrite an existing file that idpmap did not write.

    Returns
    -------
    list of pathlib.Path
        The files written (empty for standard output).

    Raises
    ------
    mapper.errors.OutputError
        Unknown format, missing folder, or an existing file that idpmap did not write (without ``force``).
    """
    fmt = check_flows_output(path, format=format, force=force)
    if str(path) == "-":
        _TEXT_WRITERS[fmt](flowset, sys.stdout)
        sys.stdout.flush()
        return []
    if fmt == "gpkg":
        with atomic_path(path, force=force) as tmp:
            _write_gpkg(flowset, tmp)
        return [Path(path)]
    if fmt == "flowmap":
        return _write_flowmap(flowset, Path(path), force=force)
    with atomic_open(path, "w", force=force, newline="") as fh:
        _TEXT_WRITERS[fmt](flowset, fh)
    return [Path(path)]


def _table(frame, columns):
    """``frame``'s ``columns`` (missing ones empty) as a plain DataFrame without geometry."""
    out = pd.DataFrame(index=range(len(frame)))
    for column in columns:
        out[column] = frame[column].to_numpy() if column in frame.columns else COLUMN_DEFAULTS.get(column, "")
    return out


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, (float, np.floating)):
        return "" if math.isnan(value) else f"{float(value):.10g}"
    if isinstance(value, (_dt.date, pd.Timestamp)):
        return value.isoformat()[:10]
    return str(value)


def _csv_writer(fh, *columns):
    """A CSV writer for ``fh``; every cell quoted when a text holds a carriage return, which the csv module does
    not quote by itself with ``\n`` line ends (a reader would end the row there)."""
    cr = any(pd.Series(c, dtype=object).map(lambda v: isinstance(v, str) and "\r" in v).any() for c in columns)
    return csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_ALL if cr else csv.QUOTE_MINIMAL)


def _write_csv(flowset, fh, *, hxl=False):
    table = _table(flowset.flows, FLOW_COLUMNS)
    writer = _csv_writer(fh, *(table[c] for c in table.columns if table[c].dtype == object))
    writer.writerow(FLOW_COLUMNS)
    if hxl:
        writer.writerow([HXL_FLOW_TAGS[c] for c in FLOW_COLUMNS])
    for row in table.itertuples(index=False, name=None):
        writer.writerow([spreadsheet_safe(_csv_cell(v)) for v in row])


def _write_hxl(flowset, fh):
    _write_csv(flowset, fh, hxl=True)


def _json_value(value):
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(value) else float(value)
    if isinstance(value, (_dt.date, pd.Timestamp)):
        return value.isoformat()[:10]
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return str(value)


def _coords(geom):
    if geom is None or geom.is_empty:
        return None
    points = [[round(x, 7), round(y, 7)] for x, y, *_ in geom.coords]
    if geom.geom_type == "Point":
        return {"type": "Point", "coordinates": points[0]}
    return {"type": geom.geom_type, "coordinates": points}


# Stands in for a ``sources`` JSON array inside a feature until the array's own text is spliced in: re-encoding
# the sources of a million reports object by object would take most of a minute. Random, so no input can forge it.
_SOURCES_MARK = f"idpmap-sources-{uuid.uuid4().hex}"
_SOURCES_MARK_JSON = json.dumps(_SOURCES_MARK)


def _features(layer, frame, columns):
    """Each row as GeoJSON text."""
    table = _table(frame, columns)
    geoms = _geometries(frame, layer)
    for record, geom in zip(table.to_dict("records"), geoms):
        properties = {"layer": layer}
        raw_sources = None
        for key, value in record.items():
            if key == "sources":
                if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
                    raw_sources, properties[key] = value, _SOURCES_MARK
                else:
                    properties[key] = _sources_list(value)
            else:
                properties[key] = _json_value(value)
        text = json.dumps({"type": "Feature", "geometry": _coords(geom), "properties": properties},
                          ensure_ascii=False, allow_nan=False)
        yield text if raw_sources is None else text.replace(_SOURCES_MARK_JSON, raw_sources, 1)


def _sources_list(value):
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if not value or (isinstance(value, float) and math.isnan(value)):
        return []
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return [str(value)]
    return _json_value(parsed)


def _geometries(frame, layer):
    """Each row's geometry: the frame's own, else built from its coordinate columns."""
    import shapely

    if "geometry" in getattr(frame, "columns", ()):
        return list(frame["geometry"])
    if layer == "flows":
        return [shapely.LineString([(olon, olat), (dlon, dlat)]) for olat, olon, dlat, dlon in
                zip(frame["origin_lat"], frame["origin_lon"], frame["dest_lat"], frame["dest_lon"])]
    return [shapely.Point(lon, lat) for lat, lon in zip(frame["lat"], frame["lon"])]


def _meta_json(flowset):
    return _json_value(dict(flowset.meta or {}))


def _left_out_records(flowset):
    records = []
    for item in flowset.left_out or ():
        record = dataclasses.asdict(item) if dataclasses.is_dataclass(item) else dict(item)
        records.append(_json_value(record))
    return records


def _write_geojson(flowset, fh):
    # Streamed feature by feature: a 10,000-flow map never holds the whole document twice in memory.
    head = {"type": "FeatureCollection", "generator": GENERATOR, "meta": _meta_json(flowset),
            "left_out": _left_out_records(flowset)}
    fh.write(json.dumps(head, ensure_ascii=False, allow_nan=False)[:-1] + ', "features": [\n')
    first = True
    for layer, frame, columns in _layers(flowset):
        for feature in _features(layer, frame, columns):
            fh.write(("" if first else ",\n") + feature)
            first = False
    fh.write("\n]}\n")


def _layers(flowset):
    return (("flows", flowset.flows, FLOW_COLUMNS), ("places", flowset.places, PLACE_COLUMNS),
            ("incidents", flowset.incidents, INCIDENT_COLUMNS))


_TEXT_WRITERS = {"geojson": _write_geojson, "csv": _write_csv, "hxl": _write_hxl}


#: The date GDAL writes into a GeoPackage (gpkg_contents.last_change): fixed, so that rebuilds are byte-identical.
GPKG_DATE = "2000-01-01T00:00:00.000Z"


def _write_gpkg(flowset, path):
    import geopandas as gpd
    import pyogrio

    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE})

    metadata = {"generator": GENERATOR, "idpmap_meta": json.dumps(_meta_json(flowset), ensure_ascii=False)}
    for layer, frame, columns in _layers(flowset):
        table = _table(frame, columns)
        for column in table.columns:  # strings stay strings, numbers numbers; empty text is written as ""
            if not pd.api.types.is_numeric_dtype(table[column]):
                # GDAL passes text as C strings, which end at a NUL: keep the rest of the text by marking it.
                table[column] = [(v if isinstance(v, str) else _csv_cell(v)).replace("\x00", "\ufffd")
                                 for v in table[column]]
        geo = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(_geometries(frame, layer), crs="EPSG:4326"),
                               crs="EPSG:4326")
        pyogrio.write_dataframe(geo, path, layer=layer, driver="GPKG",
                                geometry_type="LineString" if layer == "flows" else "Point",
                                layer_metadata=metadata if layer == "flows" else None)
    left = pd.DataFrame(_left_out_records(flowset), columns=["what", "detail", "people", "report_ids"])
    left["report_ids"] = [";".join(ids) if isinstance(ids, list) else (ids or "") for ids in left["report_ids"]]
    left["people"] = pd.to_numeric(left["people"], errors="coerce").astype(float)
    left = left.astype({"what": object, "detail": object})
    pyogrio.write_dataframe(left, path, layer="left_out", driver="GPKG")


def _write_flowmap(flowset, folder, *, force):
    created = not folder.exists()
    folder.mkdir(exist_ok=True)
    flows = _table(flowset.flows, FLOW_COLUMNS)
    locations = {}
    for prefix in ("origin", "dest"):
        for pid, name, lat, lon in zip(flows[f"{prefix}_id"], flows[f"{prefix}_name"], flows[f"{prefix}_lat"],
                                       flows[f"{prefix}_lon"]):
            locations.setdefault(str(pid), (str(name), lat, lon))
    try:
        # Both files are complete before either is renamed into place.
        with atomic_open(folder / "locations.csv", "w", force=force, newline="") as loc_fh, \
                atomic_open(folder / "flows.csv", "w", force=force, newline="") as flow_fh:
            writer = _csv_writer(loc_fh, list(locations), [name for name, _, _ in locations.values()])
            writer.writerow(["id", "name", "lat", "lon"])
            for pid, (name, lat, lon) in locations.items():
                writer.writerow([spreadsheet_safe(pid), spreadsheet_safe(name), _csv_cell(float(lat)),
                                 _csv_cell(float(lon))])
            writer = _csv_writer(flow_fh, list(locations))
            writer.writerow(["origin", "dest", "count"])
            for origin, dest, people in zip(flows["origin_id"], flows["dest_id"], flows["people"]):
                writer.writerow([spreadsheet_safe(str(origin)), spreadsheet_safe(str(dest)), int(round(float(people)))])
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return [folder / "locations.csv", folder / "flows.csv"]


# --------------------------------------------------------------------------------------------------------------
# Reading


def _with_whole_people(read):
    """``read``'s FlowSet with whole people (int columns), as the builder makes them (see :func:`whole_people`)."""
    @functools.wraps(read)
    def wrapper(*args, **kwargs):
        return whole_people(read(*args, **kwargs))

    return wrapper


def whole_people(flowset):
    """``flowset`` with whole people in every people column, in place.

    Whole counts are kept as they are. A column with fractions (an estimate: flowmap.blue's ``16034.6``) is rounded
    by largest remainder, so its total (rounded half up) is conserved; bounds are rounded half up and kept around
    the people; place totals likewise, with ``net = people_in - people_out``.
    """
    from .flows.whole import round_half_up

    flows, places = flowset.flows, flowset.places
    if len(flows) and "people" in flows.columns:
        people = _whole_column(flows["people"])
        flows["people"] = people
        if people.dtype != np.int64:
            return flowset
        for column, pick in (("people_min", np.minimum), ("people_max", np.maximum)):
            if column in flows.columns:
                values = pd.to_numeric(flows[column], errors="coerce").to_numpy(dtype=float)
                values = np.where(np.isfinite(values), values, people)
                flows[column] = pick(round_half_up(values), people)
    if places is not None and len(places) and {"people_in", "people_out"} <= set(places.columns):
        places["people_in"] = _whole_column(places["people_in"])
        places["people_out"] = _whole_column(places["people_out"])
        places["net"] = places["people_in"] - places["people_out"]
    flowset.left_out = [dataclasses.replace(i, people=int(round_half_up([i.people or 0])[0]))
                        if isinstance(i, LeftOut) else i for i in flowset.left_out or []]
    return flowset


def _whole_column(column) -> np.ndarray:
    from .flows.whole import round_half_up, whole_shares

    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    if not (np.isfinite(values) & (values >= 0) & (values <= MAX_PEOPLE)).all():
        return column  # not a count: left for the map to report, never drawn as 0
    if (np.floor(values) == values).all():
        return values.astype(np.int64)
    total = int(round_half_up([values.sum()])[0])
    return np.asarray(whole_shares(total, values), dtype=np.int64)


@_with_whole_people
def read_flows(path, *, encoding=None):
    """Read flows written by :func:`write_flows`, or a flowmap.blue ``locations.csv`` + ``flows.csv`` pair.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.geojson``/``.json``, ``.gpkg`` or ``.csv`` (idpmap CSV or HXL) file; for flowmap.blue the folder
        holding ``locations.csv`` and ``flows.csv``, or either of the two files.
    encoding : str, optional
        Encoding of CSV files that are neither UTF-8 nor carry a byte-order mark (e.g. ``"cp1256"``).

    Returns
    -------
    mapper.model.FlowSet

    Raises
    ------
    mapper.errors.InputFileError
        Malformed files: every problem found, with line and field (unknown location ids, coordinates out of range
        or swapped, negative counts, truncated GeoJSON ...).
    """
    path = Path(path)
    if path.is_dir():
        return _read_flowmap(path / "locations.csv", path / "flows.csv", encoding)
    check_input_file(path)  # missing, a device, a FIFO or too big
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return _read_geojson(path)
    if suffix == ".gpkg":
        return _read_gpkg(path)
    table = read_table(path, encoding=encoding)
    columns = set(table.positions)
    # flowmap.blue's flows.csv is known by its origin/dest columns (a missing count is then reported as such).
    if {"origin", "dest"} <= columns and "origin_lat" not in columns:
        return _read_flowmap(_sibling(path, "flows", "locations"), path, encoding, flows_table=table)
    if {"id", "lat", "lon"} <= columns and "origin_id" not in columns:
        return _read_flowmap(path, _sibling(path, "locations", "flows"), encoding, locations_table=table)
    return _flowset_from_table(table, meta={"source_format": "csv"})


def _sibling(path, mine, other):
    candidate = path.with_name(path.name.replace(mine, other))
    if candidate != path and candidate.exists():
        return candidate
    return path.with_name(f"{other}.csv")


def _problems_raise(path, problems):
    if problems:
        shown = sorted(problems, key=lambda p: (p[0] or 0))
        extra = len(shown) - MAX_PROBLEMS
        shown = shown[:MAX_PROBLEMS]
        if extra > 0:
            shown.append((None, None, f"... and {extra} more problem(s); fix these first"))
        raise InputFileError(path, shown)


#: A number as written in a data file: digits, an optional point and exponent; no ``_``, ``inf`` or ``nan``.
_PLAIN_NUMBER = r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*"


def _numbers(table, column, problems, *, what, low=None, high=None):
    """Parse a column of numbers; add a problem per bad cell; return a float array (NaN where bad)."""
    raw = table.column(column)
    cells = pd.Series(raw, dtype=object)
    plain = cells.str.fullmatch(_PLAIN_NUMBER).fillna(False).to_numpy(dtype=bool)
    values = np.array(pd.to_numeric(cells.where(plain), errors="coerce"), dtype=float)
    for i in np.flatnonzero((~plain | ~np.isfinite(values)) & (raw != "")):  # 5,000 digits: inf or NaN
        try:
            value = parse_figure(raw[i], allow_range=False)[0]
        except ValueError:
            value = None
        if value is not None and math.isfinite(value):
            values[i] = value
        else:
            values[i] = np.nan
            problems.append((int(table.lines[i]), column, f"{what} {shown(raw[i])} is not a number"))
    for i in np.flatnonzero(raw == ""):
        problems.append((int(table.lines[i]), column, f"empty; write the {what}"))
    if low is not None:
        for i in np.flatnonzero(values < low):
            problems.append((int(table.lines[i]), column, f"{what} {shown(raw[i], quoted=False)} is negative; "
                                                          "counts are >= 0"))
    if high is not None:
        for i in np.flatnonzero(values > high):
            problems.append((int(table.lines[i]), column, f"{what} {shown(raw[i])} is above {high:,}, the most "
                                                          f"idpmap accepts"))
    return values


def _coordinates(table, lat_col, lon_col, problems):
    """Latitudes and longitudes with range checks and a hint when the two look swapped."""
    lat = _numbers(table, lat_col, problems, what="latitude")
    lon = _numbers(table, lon_col, problems, what="longitude")
    bad_lat = np.abs(lat) > 90
    bad_lon = np.abs(lon) > 180
    swapped = bad_lat & (np.abs(lat) <= 180) & (np.abs(lon) <= 90) & ~bad_lon  # not for inf or 1e308
    for i in np.flatnonzero(bad_lat | bad_lon):
        line = int(table.lines[i])
        if swapped[i]:
            problems.append((line, lat_col, f"latitude {lat[i]:g} is out of range and longitude {lon[i]:g} would "
                                            f"fit: are {lat_col} and {lon_col} swapped?"))
        elif bad_lat[i]:
            problems.append((line, lat_col, f"latitude {lat[i]:g} is outside -90..90"))
        if bad_lon[i] and not swapped[i]:
            problems.append((line, lon_col, f"longitude {lon[i]:g} is outside -180..180"))
    return lat, lon


def _read_flowmap(loc_path, flows_path, encoding, *, flows_table=None, locations_table=None):
    missing = [str(p) for p in (loc_path, flows_path) if not Path(p).exists()]
    if missing:
        raise InputFileError(" and ".join(missing), [(None, None, "missing: a flowmap.blue pair needs locations.csv "
                                                     "(id,name,lat,lon) and flows.csv (origin,dest,count) side by "
                                                     "side")])
    locations = locations_table or read_table(loc_path, encoding=encoding)
    flows = flows_table or read_table(flows_path, encoding=encoding)
    _require(locations, ("id", "lat", "lon"), "flowmap.blue locations need the columns id,name,lat,lon")
    _require(flows, ("origin", "dest", "count"), "flowmap.blue flows need the columns origin,dest,count")
    problems = []
    ids = locations.column("id")
    names = locations.column("name") if "name" in locations.positions else ids
    lat, lon = _coordinates(locations, "lat", "lon", problems)
    seen = {}
    for i, pid in enumerate(ids):
        line = int(locations.lines[i])
        if not pid:
            problems.append((line, "id", "empty; give each location an id"))
        elif pid in seen:
            problems.append((line, "id", f"{pid!r} is already used on line {seen[pid]}"))
        else:
            seen[pid] = line
    _problems_raise(locations.path, problems)
    index = {pid: i for i, pid in enumerate(ids)}
    origin, dest = flows.column("origin"), flows.column("dest")
    count = _numbers(flows, "count", problems, what="count", low=0, high=MAX_PEOPLE)
    for column, values in (("origin", origin), ("dest", dest)):
        for i in np.flatnonzero([v not in index for v in values]):
            hint = "empty" if not values[i] else f"unknown location id {values[i]!r} (not in {Path(loc_path).name})"
            problems.append((int(flows.lines[i]), column, hint))
    _problems_raise(flows.path, problems)
    o = np.array([index[v] for v in origin], dtype=np.int64)
    d = np.array([index[v] for v in dest], dtype=np.int64)
    n = len(o)
    frame = pd.DataFrame({"flow_id": [f"f{i + 1}" for i in range(n)]})
    for prefix, idx in (("origin", o), ("dest", d)):
        frame[f"{prefix}_id"] = ids[idx] if n else []
        frame[f"{prefix}_name"] = names[idx] if n else []
        frame[f"{prefix}_lat"] = lat[idx] if n else []
        frame[f"{prefix}_lon"] = lon[idx] if n else []
    frame["people"] = frame["people_min"] = frame["people_max"] = count
    frame["period_start"] = frame["period_end"] = ""
    frame["sources"] = "[]"
    frame["split_rule"] = "flowmap.blue"
    meta = {"title": Path(flows_path).resolve().parent.name, "source_format": "flowmap"}
    return _flowset(frame, meta=meta, path=flows_path)


def _require(table, columns, message):
    missing = [c for c in columns if c not in table.positions]
    if missing:
        raise InputFileError(table.path, [(1, None, f"missing column(s) {', '.join(missing)}; {message}")])


def _flowset_from_table(table, *, meta):
    _require(table, ("origin_lat", "origin_lon", "dest_lat", "dest_lon", "people"),
             "an idpmap flows file has the columns of mapper.model.FLOW_COLUMNS")
    problems = []
    frame = pd.DataFrame(index=range(len(table.lines)))
    for column in FLOW_COLUMNS:
        if column == "people":
            frame[column] = _numbers(table, column, problems, what="people", low=0, high=MAX_PEOPLE)
        elif column not in ("origin_lat", "origin_lon", "dest_lat", "dest_lon"):
            frame[column] = table.column(column)
    for prefix in ("origin", "dest"):
        frame[f"{prefix}_lat"], frame[f"{prefix}_lon"] = _coordinates(table, f"{prefix}_lat", f"{prefix}_lon",
                                                                       problems)
    _problems_raise(table.path, problems)
    for column in ("people_min", "people_max"):
        frame[column] = frame[column].fillna(frame["people"])
    return _flowset(frame, meta=meta, path=table.path)


def _flowset(frame, *, meta, path, places=None, incidents=None, left_out=()):
    """A FlowSet from a flows table: geometry built, missing columns filled, places totalled from the flows."""
    import geopandas as gpd
    import shapely

    frame = pd.DataFrame(frame).reset_index(drop=True)
    for column in FLOW_COLUMNS:
        numeric = column.endswith(("_lat", "_lon", "_km")) or column.startswith("people")
        if column not in frame.columns:
            frame[column] = np.nan if numeric else COLUMN_DEFAULTS.get(column, "")
        elif column == "modelled":  # a flag: True, "true" or "1" in a file
            frame[column] = _flags(frame[column])
        elif numeric:
            frame[column] = _floats(frame[column])
        elif not _all_text(frame[column]):
            frame[column] = _texts(frame[column])
    _check_sources(frame["sources"], path)
    if not frame["flow_id"].str.len().all():
        frame["flow_id"] = [fid or f"f{i + 1}" for i, fid in enumerate(frame["flow_id"])]
    frame = frame[FLOW_COLUMNS]
    ends = np.stack([frame[["origin_lon", "origin_lat"]].to_numpy(float),
                     frame[["dest_lon", "dest_lat"]].to_numpy(float)], axis=1)
    lines = shapely.linestrings(ends) if len(frame) else []
    flows = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(lines, crs="EPSG:4326"), crs="EPSG:4326")
    if places is None:
        places = _places_from_flows(frame)
    if incidents is None:
        incidents = pd.DataFrame({c: pd.Series(dtype=float if c in ("lat", "lon", "figure") else object)
                                  for c in INCIDENT_COLUMNS})
    places = _as_points(places, PLACE_COLUMNS)
    incidents = _as_points(incidents, INCIDENT_COLUMNS)
    meta = {"generator": GENERATOR, **meta}
    if len(frame):
        starts = frame["period_start"][frame["period_start"] != ""]
        ends = frame["period_end"][frame["period_end"] != ""]
        meta.setdefault("period_start", starts.min() if len(starts) else None)
        meta.setdefault("period_end", ends.max() if len(ends) else None)
    return FlowSet(flows=flows, places=places, incidents=incidents, left_out=list(left_out), meta=meta)


def _flags(column):
    """A flag column as booleans: True, "true", "1" or "yes" (any case, spaces around) are true, the rest false."""
    try:
        codes, uniques = pd.factorize(pd.Series(column, dtype=object), use_na_sentinel=False)
    except TypeError:  # unhashable cells (a list): each on its own
        codes, uniques = np.arange(len(column)), list(column)
    truth = np.array([str(v).strip().lower() in ("true", "1", "yes") for v in uniques], dtype=bool)
    return truth[codes]


def _floats(column):
    """A number column as floats; text that is not a number (and "") becomes NaN."""
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "fi":  # numpy's ints and floats as they are
        return column.to_numpy(dtype=float)
    return pd.to_numeric(pd.Series(column, dtype=object).replace("", np.nan), errors="coerce").astype(float)


def _all_text(column):
    """Whether every cell of a column is text already (then it is kept as it is: pandas would check each text
    again when it is assigned)."""
    return pd.api.types.infer_dtype(np.asarray(column, dtype=object), skipna=False) == "string"


def _texts(values):
    """A column as text: None and NaN become "", anything else its ``str`` (column operations, no row loop)."""
    values = np.asarray(values, dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        return values
    series = pd.Series(values, dtype=object)
    series = series.where(series.notna(), "")
    not_text = ~series.map(type).eq(str)
    if not_text.any():
        series[not_text] = series[not_text].map(str)
    return series.to_numpy(dtype=object)


_DECODER = json.JSONDecoder(parse_constant=lambda name: _no_constants(name))


def _no_constants(name):
    raise ValueError(f"{name} is not JSON")


def _check_sources(sources, path):
    """A flow's ``sources`` must be a JSON array: it is copied as it is into GeoJSON outputs.

    Each distinct text is parsed once (flows built from the same reports share theirs; a dict finds them faster
    than pandas, which hashes every character of every text where Python reuses a text's hash).
    """
    texts, bad = pd.Series(sources, dtype=object).tolist(), set()
    for text in dict.fromkeys(texts):
        try:
            if not isinstance(load_json(text or "[]", decode=_DECODER.decode), list):
                bad.add(text)
        except ValueError:
            bad.add(text)
    if bad:
        bad = np.flatnonzero([text in bad for text in texts]) + 1
        raise InputFileError(path, [(None, "sources", f"flow(s) {', '.join(map(str, bad[:20]))}: "
                                                      "sources is not a JSON array")])


def _text(value):
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _as_points(frame, columns):
    import geopandas as gpd
    import shapely

    frame = pd.DataFrame(frame).reset_index(drop=True)
    if "geometry" in frame.columns and isinstance(frame, gpd.GeoDataFrame):
        geometry = frame.geometry
    elif all(isinstance(frame[c].dtype, np.dtype) and frame[c].dtype.kind in "fi" for c in ("lat", "lon")):
        geometry = shapely.points(frame["lon"].to_numpy(dtype=float), frame["lat"].to_numpy(dtype=float))
    else:  # cells of other types: each as shapely.Point takes it
        geometry = gpd.GeoSeries([shapely.Point(lon, lat) for lat, lon in zip(frame["lat"], frame["lon"])],
                                 crs="EPSG:4326")
    table = _table(frame, columns)
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(list(geometry), crs="EPSG:4326"), crs="EPSG:4326")


def _places_from_flows(frame):
    """Per-place totals (in, out, net) from a flows table, as :func:`mapper.flows.build_flows` reports them.

    A place is known by its id (else its coordinates); its fields are those of its first flow.
    """
    people = frame["people"].fillna(0.0).to_numpy(dtype=float)
    parts = []
    for prefix, direction in (("origin", "people_out"), ("dest", "people_in")):
        part = pd.DataFrame({f: frame[f"{prefix}_{f}"].to_numpy() for f in _PLACE_FIELDS})
        border = f"{prefix}_border_km"
        part["border_km"] = frame[border].to_numpy() if border in frame else np.nan
        part["people_in"] = people if direction == "people_in" else 0.0
        part["people_out"] = people if direction == "people_out" else 0.0
        parts.append(part)
    rows = pd.concat(parts, ignore_index=True)
    ids = rows["id"].astype(str)
    key = ids.where(ids != "", rows["lat"].astype(str) + "," + rows["lon"].astype(str))
    totals = rows[["people_in", "people_out"]].groupby(key.to_numpy(), sort=False).sum()
    table = rows[~key.duplicated().to_numpy()].drop(columns=["id", "people_in", "people_out"])
    table.insert(0, "place_id", totals.index.to_numpy())
    table["people_in"] = totals["people_in"].to_numpy()
    table["people_out"] = totals["people_out"].to_numpy()
    table["net"] = table["people_in"] - table["people_out"]
    table["lat"] = table["lat"].astype(float)
    table["lon"] = table["lon"].astype(float)
    return table.reset_index(drop=True).reindex(columns=PLACE_COLUMNS)  # columns not known here: empty (NaN)


def _read_geojson(path):
    _, text = read_input(path)
    try:
        with _collector_paused():
            parts = _typed_parts(path, text)
            return _geojson_flowset(path, *(parts or _parts(path, _document(path, text))))
    except RecursionError:  # from the parser, or from a deep value in a property
        raise json_nesting_error(text, path) from None


@contextlib.contextmanager
def _collector_paused():
    """Python's cycle collector paused while a GeoJSON document is decoded and made into columns.

    The document of 100,000 flows is some ten million objects and no reference cycle; running, the collector walks
    them all again each time the heap grows by a quarter: 2 s of a 6 s read with every value a Python object, still
    0.2-0.3 s of a 2 s read in msgspec's typed pass (issue 13: a build in 5 s). Whatever
    is made meanwhile is freed by reference counting as usual (and a cycle, if any, at the next collection).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _document(path, text):
    """The GeoJSON document as Python values, read as :mod:`json` reads it; errors with line and column."""
    try:
        doc = load_json(text)
    except UnicodeDecodeError as err:
        raise InputFileError(path, [(text.count(b"\n", 0, err.start) + 1, None,
                                     "not UTF-8; GeoJSON files are UTF-8 (RFC 7946)")]) from err
    except json.JSONDecodeError as err:
        hint = " (the file looks truncated)" if err.pos >= len(text.rstrip()) - 1 else ""
        raise InputFileError(path, [(err.lineno, None, f"not valid JSON: {err.msg} at column {err.colno}{hint}; "
                                                       "write the file again")]) from err
    except ValueError as err:  # a whole number of more than 4,300 digits
        raise InputFileError(path, [(None, None, "a number in the file has thousands of digits; no count or "
                                                 "coordinate is that long")]) from err
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or \
            not isinstance(doc.get("features"), list):
        raise InputFileError(path, [(None, None, "not a GeoJSON FeatureCollection")])
    _check_surrogates(path, text, doc)
    return doc


#: A ``\uD800``-``\uDFFF`` escape: half of a character written as a pair of escapes.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _check_surrogates(path, text, doc):
    """Text with half of a surrogate pair (``"\ud800"`` alone), which json reads but no file or page can hold."""
    if not _SURROGATE_ESCAPE.search(text):
        return
    try:
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as err:
        escape = err.object[err.start].encode("unicode_escape")  # b"\\ud800"
        line = next((text.count(b"\n", 0, m.start()) + 1 for m in _SURROGATE_ESCAPE.finditer(text)
                     if m.group().lower() == escape), None)
        raise InputFileError(path, [(line, None, f"the text {escape.decode()} is half of a character (a lone "
                                                 "surrogate), not Unicode; write the file again")]) from None


def _parts(path, doc):
    """The flows, places and incidents of a decoded GeoJSON document (see :func:`_geojson_flowset`)."""
    _check_crs(doc.get("crs"), path)
    flows, coords, layers, problems = [], [], {"places": [], "incidents": []}, []
    for number, feature in enumerate(doc["features"], 1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        props, geometry = props or {}, geometry or {}
        if not isinstance(props, dict) or not isinstance(geometry, dict):
            problems.append((None, f"feature {number}", "not a GeoJSON Feature with properties and geometry "
                                                        "objects"))
            continue
        layer = props.get("layer") or _layer_of(geometry.get("type"))
        if layer == "flows":
            flows.append(props)
            coords.append(geometry.get("coordinates"))
        elif not isinstance(layer, str) or layer not in layers:
            problems.append((None, f"feature {number}", _unknown_layer(layer)))
        else:
            record = dict(props)
            if _set_point(record, geometry.get("coordinates")):
                problems.append((None, f"feature {number}", "has no usable coordinates"))
                continue
            if "sources" in record and not isinstance(record["sources"], str):
                record["sources"] = _json_text(record["sources"])
            record.pop("layer", None)
            layers[layer].append(record)
    _problems_raise(path, problems)
    frame = pd.DataFrame(flows)
    if "sources" in frame.columns:  # a flow without sources has none (pandas filled the gap with NaN)
        try:
            given = frame["sources"].where([("sources" in props) for props in flows], None)
            frame["sources"] = _sources_texts(given)
        except ValueError:  # NaN or Infinity inside
            raise InputFileError(path, [(None, "sources", "a number in a flow's sources is not finite")]) from None
    return doc, frame, coords.__getitem__, layers


#: A property a feature does not have, in the typed pass (pandas reads a key missing from a record as NaN too;
#: JSON has no NaN, so no value read from the file is this object).
_MISSING = float("nan")


@functools.lru_cache(maxsize=None)
def _typed_document():
    """The shape of an idpmap GeoJSON document, for msgspec's typed pass: each feature's properties as a struct of
    the columns idpmap reads (other properties are not read), ``sources`` and coordinates kept as raw JSON text."""
    from typing import Any, Optional

    names = dict.fromkeys(["layer", *FLOW_COLUMNS, *PLACE_COLUMNS, *INCIDENT_COLUMNS])
    properties = msgspec.defstruct("Properties", [(name, msgspec.Raw if name == "sources" else Any, _MISSING)
                                                  for name in names], gc=False)
    geometry = msgspec.defstruct("Geometry", [("type", Any, None), ("coordinates", msgspec.Raw, None)], gc=False)
    feature = msgspec.defstruct("Feature", [("geometry", Optional[geometry], None),
                                            ("properties", Optional[properties], None)], gc=False)
    return msgspec.defstruct("Document", [("type", Any, None), ("features", Optional[list[feature]], None),
                                          ("meta", Any, None), ("left_out", Any, None), ("crs", Any, None)])


def _typed_parts(path, text):
    """The parts of a GeoJSON document (see :func:`_geojson_flowset`) read in one typed pass: each feature's
    properties as a struct of the columns idpmap reads (no dict per feature), its sources and line kept as raw text
    until needed. A 170 MB file of 100,000 flows: 1.7 s CPU and 0.6 GB, where decoding every value took 3.1 s and
    1.3 GB.

    None where msgspec refuses the text or its shape (NaN, a feature that is not an object ...): :func:`_parts`
    then reads it as :mod:`json` does, with its errors. The values are those :mod:`json` gives.
    """
    try:
        doc = msgspec.json.decode(without_bom(text), type=_typed_document())
    except msgspec.MsgspecError:
        return None
    if doc.type != "FeatureCollection" or doc.features is None:
        return None
    _check_crs(doc.crs, path)
    flows, layers, problems = [], {"places": [], "incidents": []}, []
    for number, feature in enumerate(doc.features, 1):
        props, geometry = feature.properties, feature.geometry
        layer = None if props is None or props.layer is _MISSING else props.layer
        layer = layer or _layer_of(None if geometry is None else geometry.type)
        if layer == "flows":
            flows.append(feature)
        elif not isinstance(layer, str) or layer not in layers:
            problems.append((None, f"feature {number}", _unknown_layer(layer)))
        else:
            record = _record(props, PLACE_COLUMNS if layer == "places" else INCIDENT_COLUMNS)
            if _set_point(record, _raw_value(None if geometry is None else geometry.coordinates)):
                problems.append((None, f"feature {number}", "has no usable coordinates"))
                continue
            if "sources" in record:
                record["sources"] = _raw_value(record["sources"])
                if not isinstance(record["sources"], str):
                    record["sources"] = _json_text(record["sources"])
            layers[layer].append(record)
    _problems_raise(path, problems)

    def line(i):
        geometry = flows[i].geometry
        return None if geometry is None else _raw_value(geometry.coordinates)

    return {"meta": doc.meta, "left_out": doc.left_out}, _typed_flows(flows), line, layers


def _record(props, columns):
    """The properties a place or incident has, of the columns idpmap reads for its layer."""
    if props is None:
        return {}
    return {name: value for name in columns if (value := getattr(props, name)) is not _MISSING}


def _raw_value(raw):
    return None if raw is None else load_json(bytes(raw))


def _typed_flows(features):
    """The flows' properties as the table pandas makes of their records (a column for each property at least one
    flow has, NaN where a flow does not have it), ``sources`` as JSON text, one text per distinct raw list."""
    props = [feature.properties for feature in features]
    names = [name for name in FLOW_COLUMNS if any(p is not None and getattr(p, name) is not _MISSING
                                                  for p in props)]
    columns = [name for name in names if name != "sources"]
    if columns:
        row = operator.attrgetter(*columns) if len(columns) > 1 else (lambda p: (getattr(p, columns[0]),))
        empty = (_MISSING,) * len(columns)
        frame = pd.DataFrame([empty if p is None else row(p) for p in props], columns=columns)
    else:
        frame = pd.DataFrame(index=range(len(props)))
    if "sources" in names:
        raws = [None if p is None or p.sources is _MISSING else bytes(p.sources) for p in props]
        texts = {raw: _raw_sources_text(raw) for raw in dict.fromkeys(raws) if raw is not None}
        frame["sources"] = [None if raw is None else texts[raw] for raw in raws]
    return frame


def _raw_sources_text(raw):
    value = load_json(raw)
    return value if isinstance(value, str) or value is None else _json_text(value)


def _layer_of(geometry_type):
    """The layer of a feature without a ``layer`` property, by its geometry: a line is a flow, a point a place."""
    if not isinstance(geometry_type, str):  # none, or not a name: read as a place, whose point is then checked
        return "places"
    return {"LineString": "flows", "Point": "places"}.get(geometry_type, geometry_type)


def _unknown_layer(layer):
    """A feature of a layer idpmap does not read would be lost without a word: an error instead."""
    if layer in _OTHER_GEOMETRIES:  # no layer given: a polygon (admin areas?) or a multi-part geometry
        return (f"a {layer} without a 'layer' property; idpmap reads flows (LineString) and places or incidents "
                "(Point): not an idpmap flows file")
    return (f"layer {shown(layer)} is not one idpmap reads (flows, places or incidents); fix the feature's "
            "'layer' property or remove the feature")


_OTHER_GEOMETRIES = ("Polygon", "MultiPolygon", "MultiLineString", "MultiPoint", "GeometryCollection")


def _set_point(record, coordinates):
    """A place's or incident's ``lat``/``lon`` from its point where its properties do not give them; True when
    the point has no usable coordinates."""
    try:
        lon, lat = coordinates[:2]
    except (TypeError, ValueError, KeyError):
        return True
    record.setdefault("lon", lon)
    record.setdefault("lat", lat)
    return False


def _geojson_flowset(path, doc, frame, coordinates, layers):
    """A FlowSet from a GeoJSON document's parts: ``doc`` its top-level members (``crs``, ``meta``,
    ``left_out``), ``frame`` the flows' properties (``sources`` as JSON text), ``coordinates(i)`` the line of
    flow ``i``, ``layers`` the places' and incidents' records."""
    if not len(frame) and not any("place_id" in record for record in layers["places"]):
        raise InputFileError(path, [(None, "people", "missing from the flows; not an idpmap flows file")])
    frame = _checked_records(path, _with_ends(path, frame, coordinates), "feature")
    meta = doc.get("meta") if isinstance(doc.get("meta"), dict) else {}
    meta = {**meta, "source_format": "geojson"}
    places = pd.DataFrame(layers["places"], columns=PLACE_COLUMNS) if layers["places"] else None
    incidents = pd.DataFrame(layers["incidents"], columns=INCIDENT_COLUMNS) if layers["incidents"] else None
    return _flowset(frame, meta=meta, path=path, places=places, incidents=incidents,
                    left_out=_left_out(doc.get("left_out"), path))


def _check_crs(crs, path):
    if crs is None:
        return
    name = str((crs.get("properties") or {}).get("name", crs) if isinstance(crs, dict) and
               isinstance(crs.get("properties") or {}, dict) else crs)
    if not any(tag in name.upper().replace("::", ":") for tag in ("CRS84", "EPSG:4326")):
        raise InputFileError(path, [(None, "crs", f"unknown CRS {shown(name)}; idpmap reads WGS 84 longitude/"
                                                  "latitude (EPSG:4326), as RFC 7946 requires")])


_json_text = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


def _with_ends(path, frame, coordinates):
    """The flows' origin and destination from the line's ends where the properties do not give them."""
    ends = {"origin_lat": (0, 1), "origin_lon": (0, 0), "dest_lat": (-1, 1), "dest_lon": (-1, 0)}
    for column in ends:
        if column not in frame.columns:
            frame[column] = None
    missing = np.flatnonzero(frame[list(ends)].isna().any(axis=1).to_numpy())
    problems = []
    for i in missing:
        try:
            line = coordinates(i)
            (olon, olat), (dlon, dlat) = line[0][:2], line[-1][:2]
        except (TypeError, IndexError, ValueError, KeyError):
            problems.append((None, f"feature {i + 1}", "has no usable coordinates"))
            continue
        for column, value in zip(ends, (olat, olon, dlat, dlon)):
            if pd.isna(frame.at[i, column]):
                frame.at[i, column] = value
    _problems_raise(path, problems)
    return frame


def _sources_texts(values):
    """Each flow's ``sources`` as JSON text (text kept as it is), encoded once per distinct value: the flows of a
    big file share a few thousand lists of sources. Values are told apart by msgspec's text, which tells 1 from
    1.0 and true, and compared where that text has a null, as msgspec writes NaN and Infinity as null (json
    refuses them: an error); what msgspec cannot write is encoded on its own."""
    texts, seen = [], {}
    for value in values:
        if isinstance(value, str) or value is None:
            texts.append(value)
            continue
        try:
            key = msgspec.json.encode(value)
        except (msgspec.EncodeError, RecursionError, OverflowError):  # nesting deeper than msgspec goes
            texts.append(_json_text(value))
            continue
        known = seen.get(key)
        if known is None or (b"null" in key and known[0] != value):
            known = seen[key] = (value, _json_text(value))
        texts.append(known[1])
    return texts


def _left_out(items, path):
    """The ``left_out`` member of an idpmap GeoJSON file."""
    left_out = []
    for number, r in enumerate(items if isinstance(items, list) else [], 1):
        if not isinstance(r, dict):
            raise InputFileError(path, [(None, f"left_out {number}", "not an object")])
        people = _plain_numbers(pd.Series([r.get("people") or 0.0], dtype=object))[0]
        if not 0 <= people <= MAX_PEOPLE:
            raise InputFileError(path, [(None, f"left_out {number}", _count_problem("people", r.get("people"),
                                                                                    people))])
        ids = r.get("report_ids") or ()
        left_out.append(LeftOut(_text(r.get("what", "")), _text(r.get("detail", "")), float(people),
                                tuple(_text(x) for x in (ids if isinstance(ids, (list, tuple)) else [ids]))))
    return left_out


def _checked_records(path, records, what):
    """Validate flow records (from GeoJSON or GeoPackage): people and coordinates, every problem at once.

    Column operations only: a 100,000-flow file is checked in milliseconds.
    """
    frame = pd.DataFrame(records)
    if not len(frame):  # no flow at all: a map of places' own counts (arrivals), which the places layer holds
        return pd.DataFrame(columns=FLOW_COLUMNS)
    problems = []
    raw = {}
    for column in ("people", "origin_lat", "origin_lon", "dest_lat", "dest_lon"):
        if column not in frame.columns:
            raise InputFileError(path, [(None, column, f"missing from the flows; not an idpmap flows file")])
        raw[column] = frame[column].to_numpy(dtype=object)
        frame[column] = _plain_numbers(frame[column])
    people = frame["people"].to_numpy(dtype=float)
    for i in np.flatnonzero(~(people >= 0) | ~(people <= MAX_PEOPLE)):
        problems.append((None, f"{what} {i + 1}", _count_problem("people", raw["people"][i], people[i])))
    for prefix in ("origin", "dest"):
        lat, lon = frame[f"{prefix}_lat"].to_numpy(dtype=float), frame[f"{prefix}_lon"].to_numpy(dtype=float)
        for i in np.flatnonzero(~(np.abs(lat) <= 90) | ~(np.abs(lon) <= 180)):
            problems.append((None, f"{what} {i + 1}", f"{prefix} coordinate ({shown(raw[f'{prefix}_lat'][i])}, "
                                                      f"{shown(raw[f'{prefix}_lon'][i])}) is not a valid (lat, lon)"))
    _problems_raise(path, problems)
    return frame


def _plain_numbers(series):
    """Numbers of a column as floats (NaN where a cell is not a plain number: text such as ``3_6.1``, booleans)."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=float)
    values = series.to_numpy(dtype=object)
    kinds = pd.Series(values, dtype=object).map(type)
    numeric = kinds.isin((int, float, np.int64, np.float64, np.int32, np.float32)).to_numpy()
    out = np.full(len(values), np.nan)
    if numeric.any():
        try:
            out[numeric] = values[numeric].astype(float)
        except OverflowError:  # a whole number of thousands of digits
            out[numeric] = [float(v) if abs(v) < 1e300 else np.inf for v in values[numeric]]
    text = kinds.eq(str).to_numpy()
    if text.any():
        cells = pd.Series(values[text], dtype=object)
        plain = cells.str.fullmatch(_PLAIN_NUMBER).fillna(False).to_numpy(dtype=bool)
        parsed = pd.to_numeric(cells.where(plain), errors="coerce").to_numpy(dtype=float)
        out[np.flatnonzero(text)] = parsed
    return out


def _count_problem(field, raw, value):
    if isinstance(value, float) and (math.isnan(value)) or raw is None:
        return f"{field} {shown(raw)} is not a count >= 0"
    if value < 0:
        return f"{field} {shown(raw)} is negative; counts are >= 0"
    return f"{field} {shown(raw)} is above {MAX_PEOPLE:,}, the most idpmap accepts for one count"


def _read_gpkg(path):
    import warnings

    import pyogrio.errors

    errors = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FeatureError,
              pyogrio.errors.FieldError, pyogrio.errors.GeometryError, pyogrio.errors.CRSError, UnicodeDecodeError)
    try:
        with warnings.catch_warnings():  # GDAL's warnings about a damaged file: the error says it
            warnings.simplefilter("ignore", RuntimeWarning)
            return _gpkg_flowset(path)
    except errors as err:  # a damaged file: "database disk image is malformed", unknown field types ...
        raise InputFileError(path, [(None, None, f"not a readable GeoPackage ({shown(str(err), 200, quoted=False)})"
                                     )]) from err


def _gpkg_flowset(path):
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(path)}
    info = pyogrio.read_info(path, layer="flows") if "flows" in layers else None
    if info is None:
        raise InputFileError(path, [(None, None, "no 'flows' layer; not an idpmap GeoPackage")])

    def layer(name):
        if name not in layers:
            return None
        frame = pyogrio.read_dataframe(path, layer=name)
        crs = getattr(frame, "crs", None)
        if crs is not None and crs.to_epsg() != 4326:
            frame = frame.to_crs(4326)
        return frame

    flows = layer("flows")
    frame = _checked_records(path, pd.DataFrame(flows.drop(columns="geometry")), "flow")
    metadata = info.get("layer_metadata") or {}
    try:
        meta = json.loads(metadata.get("idpmap_meta", "{}"))
    except ValueError:
        meta = {}
    meta["source_format"] = "gpkg"
    left_out = []
    if "left_out" in layers:
        for r in pyogrio.read_dataframe(path, layer="left_out", read_geometry=False).to_dict("records"):
            ids = tuple(x for x in str(r.get("report_ids") or "").split(";") if x)
            left_out.append(LeftOut(str(r.get("what") or ""), str(r.get("detail") or ""),
                                    float(r.get("people") or 0.0), ids))
    places, incidents = layer("places"), layer("incidents")
    places = None if places is None or not len(places) else pd.DataFrame(places.drop(columns="geometry"))
    incidents = None if incidents is None or not len(incidents) else pd.DataFrame(incidents.drop(
        columns="geometry"))
    return _flowset(frame, meta=meta, path=path, places=places, incidents=incidents, left_out=left_out)
