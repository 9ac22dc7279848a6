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
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as _dt
import json
import math
import sys
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import GENERATOR, atomic_open, atomic_path, check_target
from .errors import InputFileError, OutputError
from .model import COLUMN_DEFAULTS, FLOW_COLUMNS, INCIDENT_COLUMNS, PLACE_COLUMNS, FlowSet, LeftOut
from .reports import MAX_PROBLEMS, parse_figure, read_table

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


def _write_csv(flowset, fh, *, hxl=False):
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow(FLOW_COLUMNS)
    if hxl:
        writer.writerow([HXL_FLOW_TAGS[c] for c in FLOW_COLUMNS])
    table = _table(flowset.flows, FLOW_COLUMNS)
    for row in table.itertuples(index=False, name=None):
        writer.writerow([_csv_cell(v) for v in row])


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


def _write_gpkg(flowset, path):
    import geopandas as gpd
    import pyogrio

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
            writer = csv.writer(loc_fh, lineterminator="\n")
            writer.writerow(["id", "name", "lat", "lon"])
            for pid, (name, lat, lon) in locations.items():
                writer.writerow([pid, name, _csv_cell(float(lat)), _csv_cell(float(lon))])
            writer = csv.writer(flow_fh, lineterminator="\n")
            writer.writerow(["origin", "dest", "count"])
            for origin, dest, people in zip(flows["origin_id"], flows["dest_id"], flows["people"]):
                writer.writerow([origin, dest, int(round(float(people)))])
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return [folder / "locations.csv", folder / "flows.csv"]


# --------------------------------------------------------------------------------------------------------------
# Reading


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
    if not path.exists():
        raise FileNotFoundError(2, "No such file or directory", str(path))
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


def _numbers(table, column, problems, *, what, low=None, high=None):
    """Parse a column of numbers; add a problem per bad cell; return a float array (NaN where bad)."""
    raw = table.column(column)
    values = np.array(pd.to_numeric(pd.Series(raw, dtype=object).replace("", np.nan), errors="coerce"),
                      dtype=float)
    for i in np.flatnonzero(np.isnan(values) & (raw != "")):
        try:
            value = parse_figure(raw[i], allow_range=False)[0]
        except ValueError:
            value = None
        if value is not None:
            values[i] = value
        else:
            problems.append((int(table.lines[i]), column, f"{what} {raw[i]!r} is not a number"))
    for i in np.flatnonzero(raw == ""):
        problems.append((int(table.lines[i]), column, f"empty; write the {what}"))
    if low is not None:
        for i in np.flatnonzero(values < low):
            problems.append((int(table.lines[i]), column, f"{what} {raw[i]} is negative; counts are >= 0"))
    return values


def _coordinates(table, lat_col, lon_col, problems):
    """Latitudes and longitudes with range checks and a hint when the two look swapped."""
    lat = _numbers(table, lat_col, problems, what="latitude")
    lon = _numbers(table, lon_col, problems, what="longitude")
    bad_lat = np.abs(lat) > 90
    bad_lon = np.abs(lon) > 180
    swapped = bad_lat & (np.abs(lon) <= 90) & ~bad_lon
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
    for p in (loc_path, flows_path):
        if not Path(p).exists():
            raise InputFileError(p, [(None, None, "missing: a flowmap.blue pair needs locations.csv (id,name,lat,"
                                                  "lon) and flows.csv (origin,dest,count) side by side")])
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
    count = _numbers(flows, "count", problems, what="count", low=0)
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
            frame[column] = _numbers(table, column, problems, what="people", low=0)
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

    frame = frame.reset_index(drop=True)
    for column in FLOW_COLUMNS:
        numeric = column.endswith(("_lat", "_lon", "_km")) or column.startswith("people")
        if column not in frame.columns:
            frame[column] = np.nan if numeric else COLUMN_DEFAULTS.get(column, "")
        elif column == "modelled":  # a flag: True, "true" or "1" in a file
            frame[column] = [str(v).strip().lower() in ("true", "1", "yes") for v in frame[column]]
        elif numeric:
            frame[column] = pd.to_numeric(pd.Series(frame[column], dtype=object).replace("", np.nan),
                                          errors="coerce").astype(float)
        else:
            frame[column] = [_text(v) for v in frame[column]]
    _check_sources(frame["sources"], path)
    if not frame["flow_id"].astype(str).str.len().all():
        frame["flow_id"] = [fid or f"f{i + 1}" for i, fid in enumerate(frame["flow_id"].astype(str))]
    frame = frame[FLOW_COLUMNS]
    lines = [shapely.LineString([(a, b), (c, d)]) for a, b, c, d in
             zip(frame["origin_lon"], frame["origin_lat"], frame["dest_lon"], frame["dest_lat"])]
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
        starts = [s for s in frame["period_start"].astype(str) if s]
        ends = [s for s in frame["period_end"].astype(str) if s]
        meta.setdefault("period_start", min(starts) if starts else None)
        meta.setdefault("period_end", max(ends) if ends else None)
    return FlowSet(flows=flows, places=places, incidents=incidents, left_out=list(left_out), meta=meta)


def _no_constants(name):
    raise ValueError(f"{name} is not JSON")


def _check_sources(sources, path):
    """A flow's ``sources`` must be a JSON array: it is copied as it is into GeoJSON outputs."""
    bad = []
    for i, text in enumerate(sources):
        try:
            ok = isinstance(json.loads(text or "[]", parse_constant=_no_constants), list)
        except ValueError:
            ok = False
        if not ok:
            bad.append(i + 1)
    if bad:
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
    else:
        geometry = gpd.GeoSeries([shapely.Point(lon, lat) for lat, lon in zip(frame["lat"], frame["lon"])],
                                 crs="EPSG:4326")
    table = _table(frame, columns)
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(list(geometry), crs="EPSG:4326"), crs="EPSG:4326")


def _places_from_flows(frame):
    """Per-place totals (in, out, net) from a flows table, as :func:`mapper.flows.build_flows` reports them."""
    rows = {}
    for prefix, direction in (("origin", "people_out"), ("dest", "people_in")):
        border = frame[f"{prefix}_border_km"] if f"{prefix}_border_km" in frame else np.full(len(frame), np.nan)
        for record, people, border_km in zip(frame[[f"{prefix}_{f}" for f in _PLACE_FIELDS]].itertuples(
                index=False, name=None), frame["people"], border):
            place = dict(zip(_PLACE_FIELDS, record))
            key = str(place["id"]) or f"{place['lat']},{place['lon']}"
            entry = rows.setdefault(key, {"place_id": key, **{f: place[f] for f in _PLACE_FIELDS if f != "id"},
                                          "people_in": 0.0, "people_out": 0.0, "border_km": border_km})
            entry[direction] += 0.0 if pd.isna(people) else float(people)
    table = pd.DataFrame(list(rows.values()), columns=[c for c in PLACE_COLUMNS if c != "net"] + ["net"])
    table["net"] = table["people_in"] - table["people_out"]
    table["lat"] = table["lat"].astype(float)
    table["lon"] = table["lon"].astype(float)
    return table[PLACE_COLUMNS]


def _read_geojson(path):
    text = path.read_bytes()
    try:
        doc = json.loads(text.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise InputFileError(path, [(text.count(b"\n", 0, err.start) + 1, None,
                                     "not UTF-8; GeoJSON files are UTF-8 (RFC 7946)")]) from err
    except json.JSONDecodeError as err:
        hint = " (the file looks truncated)" if err.pos >= len(text.rstrip()) - 1 else ""
        raise InputFileError(path, [(err.lineno, None, f"not valid JSON: {err.msg} at column {err.colno}{hint}; "
                                                       "write the file again")]) from err
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or \
            not isinstance(doc.get("features"), list):
        raise InputFileError(path, [(None, None, "not a GeoJSON FeatureCollection")])
    crs = doc.get("crs")
    if crs is not None:
        name = str(((crs or {}).get("properties") or {}).get("name", crs))
        if not any(tag in name.upper().replace("::", ":") for tag in ("CRS84", "EPSG:4326")):
            raise InputFileError(path, [(None, "crs", f"unknown CRS {name!r}; idpmap reads WGS 84 longitude/"
                                                      "latitude (EPSG:4326), as RFC 7946 requires")])
    layers = {"flows": [], "places": [], "incidents": []}
    problems = []
    for number, feature in enumerate(doc["features"], 1):
        props = (feature or {}).get("properties") or {}
        geometry = (feature or {}).get("geometry") or {}
        layer = props.get("layer") or ("flows" if geometry.get("type") == "LineString" else "places")
        if layer not in layers:
            continue
        record = dict(props)
        coords = geometry.get("coordinates")
        try:
            if layer == "flows":
                (olon, olat), (dlon, dlat) = coords[0][:2], coords[-1][:2]
                record.setdefault("origin_lat", olat)
                record.setdefault("origin_lon", olon)
                record.setdefault("dest_lat", dlat)
                record.setdefault("dest_lon", dlon)
            else:
                record.setdefault("lon", coords[0])
                record.setdefault("lat", coords[1])
        except (TypeError, IndexError, ValueError):
            problems.append((None, f"feature {number}", "has no usable coordinates"))
            continue
        if "sources" in record and not isinstance(record["sources"], str):
            record["sources"] = json.dumps(record["sources"], ensure_ascii=False)
        record.pop("layer", None)
        layers[layer].append(record)
    _problems_raise(path, problems)
    flows = _checked_records(path, layers["flows"], "feature")
    meta = dict(doc.get("meta") or {})
    meta["source_format"] = "geojson"
    left_out = [LeftOut(str(r.get("what", "")), str(r.get("detail", "")), float(r.get("people") or 0.0),
                        tuple(r.get("report_ids") or ())) for r in doc.get("left_out") or ()]
    places = pd.DataFrame(layers["places"], columns=PLACE_COLUMNS) if layers["places"] else None
    incidents = pd.DataFrame(layers["incidents"], columns=INCIDENT_COLUMNS) if layers["incidents"] else None
    return _flowset(flows, meta=meta, path=path, places=places, incidents=incidents, left_out=left_out)


def _checked_records(path, records, what):
    """Validate flow records (from GeoJSON or GeoPackage): people and coordinates, every problem at once."""
    frame = pd.DataFrame(records)
    problems = []
    for column in ("people", "origin_lat", "origin_lon", "dest_lat", "dest_lon"):
        if column not in frame.columns:
            raise InputFileError(path, [(None, column, f"missing from the flows; not an idpmap flows file")])
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    for i, row in frame.iterrows():
        where = f"{what} {i + 1}"
        if pd.isna(row["people"]) or row["people"] < 0:
            problems.append((None, where, f"people {records[i].get('people')!r} is not a count >= 0"))
        for prefix in ("origin", "dest"):
            lat, lon = row[f"{prefix}_lat"], row[f"{prefix}_lon"]
            if pd.isna(lat) or pd.isna(lon) or abs(lat) > 90 or abs(lon) > 180:
                problems.append((None, where, f"{prefix} coordinate ({lat}, {lon}) is not a valid (lat, lon)"))
    _problems_raise(path, problems)
    return frame


def _read_gpkg(path):
    import pyogrio

    try:
        layers = {name for name, _ in pyogrio.list_layers(path)}
        info = pyogrio.read_info(path, layer="flows") if "flows" in layers else None
    except Exception as err:  # pyogrio raises its own DataSourceError family for unreadable files
        raise InputFileError(path, [(None, None, f"not a readable GeoPackage ({err})")]) from err
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
    records = pd.DataFrame(flows.drop(columns="geometry")).to_dict("records")
    frame = _checked_records(path, records, "flow")
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
