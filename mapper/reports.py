"""Read and validate displacement reports: the CSV file an analyst fills in, one row per published statement.

The format
----------
A CSV file (comma separated, UTF-8; see *Encodings*) with a header row. Column names are case-insensitive.

=====================  ========  ==========================================================================
column                 required  meaning
=====================  ========  ==========================================================================
report_id              no        unique id of the row, cited by every flow it backs (``ocha-2019-12-26``);
                                 ``line-N`` when the file has no such column
kind                   yes       ``displacement`` (an estimate), ``count`` (a tracked count of a distinct
                                 group) or ``incident`` (a strike; kept as context on the map)
figure                 one of    the number as published: ``235000``, ``235,000``, ``12 000``,
                                 ``twelve thousand``, ``1.2 million``, ``10,000-12,000`` (a range);
                                 an estimate may have decimals (``16034.6``)
figure_min/figure_max  these     a range instead of (or around) ``figure``
qualifier              no        ``more than``, ``at least``, ``almost``, ``nearly``, ``about``, ``up to``,
                                 ``some``, ``fewer than``, ``at most`` or empty (synonyms such as
                                 ``over``, ``around``, ``>`` are normalised to these)
unit                   yes       displacement and count: ``people``, ``families``, ``households``;
                                 incident: ``killed``, ``wounded``, ``people``
period_start           yes       first day the statement covers, ISO ``YYYY-MM-DD``
period_end             yes       last day (``>= period_start``; the same day for a one-day event)
origin                 one of    where people fled from; for an incident, where it happened.
                                 Several names are separated by ``;``
destination            these     where people went (``;``-separated); empty for incidents
origin_within          no        context for the gazetteer: a P-code, area or place name
destination_within     no        likewise for the destination names
origin_pcode           no        P-codes of the origin (``C4130``, ``SY070301``); win over the names
destination_pcode      no        likewise for the destination
series                 no        a name shared by running totals of one count (drawn as increments)
agency                 no        who counted (``UN OCHA``, ``SRCG``, ``RCT``, ``SOHR``): drives triangulation
publisher, published   no        who published it, and when (ISO date)
url, note              no        link to the publication; free remark (judgement calls, caveats)
status, review_note    no        ``needs_review`` keeps the row off the map (its other cells are not checked;
                                 the builder lists it as left out with the note); empty or ``ok`` maps it
=====================  ========  ==========================================================================

Columns the file lacks can be given for every row with ``defaults=`` (``--default COLUMN=VALUE``). A table with
headers of its own is read with ``columns=`` (``--column FIELD=HEADER``), which reads the file's column HEADER as
the field: ``columns={"figure": "total_pop", "destination": "camp_name", "destination_pcode": "admin4_pcode"}``.
HEADER is matched as headers are (case, spaces and dashes, byte-order mark); a mapped column is read as its field
whatever its name or HXL tag says (and as nothing else: map it twice to read it as two fields), and the other
columns read as before. An unknown field, a header the file does not have, one field mapped twice, or a field the
file already has under its own name is refused.

Families and households become people with ``people_per_family`` (default :data:`PEOPLE_PER_FAMILY` = 5, the
household size OCHA and the CCCM cluster use for planning figures in north-west Syria); pass another factor when
your source uses one.

A figure that is a range, or a range column pair, gives ``figure_min``/``figure_max``; the point estimate
``people`` is the stated ``figure`` when there is one, otherwise the middle of the range. Figures must be whole
numbers above zero for displacement (an incident may report 0 killed), at most 20,000,000 people. Vague words
("thousands", "dozens") and ambiguous numbers (``12.000``: twelve, or twelve thousand?) are refused with a message
saying what to write instead.

An optional HXL hashtag row may follow the header (a row where every non-empty cell starts with ``#``). Columns
whose header is not one of the names above are then recognised by their tag, e.g. ``#affected+idps`` (figure),
``#loc+origin``, ``#loc+dest``, ``#date+start``, ``#date+end``, ``#org+source`` (agency), ``#meta+url``; see
:data:`HXL_TAGS`. Line numbers in messages are always the file's own lines.

Encodings: UTF-8 with or without a byte-order mark, UTF-16 with a byte-order mark, or any encoding named with
``encoding=`` (``cp1256`` for Arabic Windows spreadsheets). Text that is not valid UTF-8 is refused rather than
guessed at.

Validation reports every problem in the file at once (the first :data:`MAX_PROBLEMS`, then a count), each as
``file:line: field: problem``, through :class:`~mapper.errors.InputFileError`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import difflib
import io
import re
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from .errors import InputFileError, shown
from .inputs import MAX_CELL, check_cell_lengths, check_line_lengths, read_input
from .model import REPORT_COLUMNS, REPORT_KINDS, REPORT_STATUSES
from .spreadsheet import ESCAPED_CELL, spreadsheet_text

#: People per family or household when a report counts families: OCHA and CCCM cluster planning figure for NW Syria.
PEOPLE_PER_FAMILY = 5.0
#: Largest figure accepted, in people: more than Syria's population is a typo, not a report.
MAX_PEOPLE = 20_000_000
#: Problems listed in one error; the rest are counted.
MAX_PROBLEMS = 50

KINDS = REPORT_KINDS
UNITS = {"displacement": ("people", "families", "households"), "count": ("people", "families", "households"),
         "incident": ("killed", "wounded", "people")}
#: Qualifiers after normalisation ("" = none).
QUALIFIERS = ("", "more than", "at least", "almost", "nearly", "about", "up to", "some", "fewer than", "at most")

_INPUT_COLUMNS = (
    "report_id", "kind", "figure", "figure_min", "figure_max", "qualifier", "unit", "period_start", "period_end",
    "origin", "destination", "origin_within", "destination_within", "origin_pcode", "destination_pcode", "series",
    "agency", "publisher", "published", "url", "note", "status", "review_note",
)
_REQUIRED = ("kind", "unit", "period_start", "period_end")
_ALIASES = {"dest": "destination", "id": "report_id", "start": "period_start", "end": "period_end",
            "from": "period_start", "to": "period_end", "source": "agency", "min": "figure_min",
            "max": "figure_max"}

#: HXL hashtag (+ attributes) -> column. A column's tag matches when it has the hashtag and all the attributes;
#: the most specific match wins. Used only for columns whose header name is not already a known column.
HXL_TAGS = [
    ("#meta+id", "report_id"), ("#meta+report_id", "report_id"), ("#report+id", "report_id"),
    ("#event+type", "kind"), ("#meta+kind", "kind"),
    ("#affected", "figure"), ("#affected+min", "figure_min"), ("#affected+max", "figure_max"),
    ("#affected+qualifier", "qualifier"), ("#meta+qualifier", "qualifier"),
    ("#indicator+unit", "unit"), ("#meta+unit", "unit"),
    ("#date+start", "period_start"), ("#date+end", "period_end"),
    ("#date+published", "published"), ("#date+reported", "published"),
    ("#loc+origin", "origin"), ("#adm1+origin", "origin"), ("#adm2+origin", "origin"),
    ("#adm3+origin", "origin"), ("#adm4+origin", "origin"),
    ("#loc+dest", "destination"), ("#loc+destination", "destination"), ("#adm1+dest", "destination"),
    ("#adm2+dest", "destination"), ("#adm3+dest", "destination"), ("#adm4+dest", "destination"),
    ("#loc+origin+within", "origin_within"), ("#loc+dest+within", "destination_within"),
    # P-codes: OCHA's tables tag the community where people are as #loc+code and its admin areas as #adm1+code ..
    # #adm3+code (the finest present is the context); +origin / +dest name the side explicitly.
    ("#loc+code", "destination_pcode"), ("#loc+dest+code", "destination_pcode"),
    ("#loc+origin+code", "origin_pcode"), ("#loc+name", "destination"),
    ("#adm1+code", "destination_within"), ("#adm2+code", "destination_within"),
    ("#adm3+code", "destination_within"), ("#adm4+code", "destination_within"),
    ("#adm1+origin+code", "origin_pcode"), ("#adm2+origin+code", "origin_pcode"),
    ("#adm3+origin+code", "origin_pcode"), ("#adm4+origin+code", "origin_pcode"),
    ("#adm1+dest+code", "destination_pcode"), ("#adm2+dest+code", "destination_pcode"),
    ("#adm3+dest+code", "destination_pcode"), ("#adm4+dest+code", "destination_pcode"),
    ("#meta+series", "series"), ("#status", "status"), ("#meta+status", "status"),
    ("#meta+review_note", "review_note"),
    ("#org", "agency"), ("#org+source", "agency"), ("#org+publisher", "publisher"),
    ("#meta+publisher", "publisher"), ("#meta+source", "publisher"),
    ("#meta+url", "url"), ("#meta+link", "url"),
    ("#meta+note", "note"), ("#meta+comment", "note"), ("#description", "note"),
]
# The attribute of a figure's tag says the unit when the file has no unit column.
#: How a missing column common to a whole table (an OCHA HNAP export) can be given instead (``defaults``, the CLI's
#: ``--default``).
_DEFAULT_HINTS = {
    "kind": "--default kind=count for tracked counts that add up, kind=displacement for estimates",
    "period_start": "--default period_start=YYYY-MM-DD", "period_end": "--default period_end=YYYY-MM-DD",
    "unit": "--default unit=people",
}
_HXL_UNIT_ATTRIBUTES = {"idps": "people", "returnees": "people", "ind": "people", "individuals": "people",
                        "families": "families",
                        "hh": "households", "households": "households", "killed": "killed", "dead": "killed",
                        "wounded": "wounded", "injured": "wounded"}

_QUALIFIER_SYNONYMS = {
    "": "", "exactly": "", "more than": "more than", "over": "more than", "above": "more than",
    "in excess of": "more than", "upwards of": "more than", ">": "more than", "at least": "at least",
    "no fewer than": "at least", "no less than": "at least", "a minimum of": "at least", ">=": "at least",
    "\u2265": "at least", "almost": "almost", "just under": "almost", "nearly": "nearly", "close to": "nearly",
    "about": "about", "around": "about", "approximately": "about", "approx.": "about", "approx": "about",
    "roughly": "about", "some": "some", "an estimated": "about", "estimated": "about", "circa": "about",
    "ca.": "about", "c.": "about", "~": "about", "\u2248": "about", "up to": "up to", "as many as": "up to",
    "fewer than": "fewer than", "less than": "fewer than", "under": "fewer than", "<": "fewer than",
    "at most": "at most", "no more than": "at most", "a maximum of": "at most", "<=": "at most",
    "\u2264": "at most",
}
_UNIT_SYNONYMS = {
    "people": "people", "person": "people", "persons": "people", "individuals": "people", "individual": "people",
    "ind": "people", "idps": "people", "civilians": "people", "families": "families", "family": "families",
    "households": "households", "household": "households", "hh": "households", "killed": "killed",
    "dead": "killed", "deaths": "killed", "fatalities": "killed", "wounded": "wounded", "injured": "wounded",
    "injuries": "wounded",
}
_KIND_SYNONYMS = {"displacement": "displacement", "displacements": "displacement", "estimate": "displacement",
                  "count": "count", "counts": "count", "incident": "incident", "incidents": "incident"}
_STATUS_SYNONYMS = {"": "", "ok": "ok", "needs_review": "needs_review", "needs review": "needs_review",
                    "review": "needs_review"}
#: OCHA's HNAP / IDP movement tables as exported without their HXL row: their column names stand for the tags HDX
#: gives them, so the tables read as they come (a file's own HXL row, when present, is used instead).
OCHA_COLUMN_TAGS = {
    "governorate": "#adm1+name", "governorate_pcode": "#adm1+code", "district": "#adm2+name",
    "district_pcode": "#adm2+code", "subdistrict": "#adm3+name", "subdistrict_pcode": "#adm3+code",
    "sub_district": "#adm3+name", "sub_district_pcode": "#adm3+code", "community": "#loc+name",
    "community_pcode": "#loc+code", "location_pcode": "#loc+code", "idp_flow_estimation": "#affected+idps",
    "ret_flow_estimation": "#affected+returnees",
    "idps": "#affected+idps", "origin_governorate": "#adm1+origin+name",
    "destination_governorate": "#adm1+dest+name",
}
#: When several HXL-tagged columns give one field, the finest location wins (a community before its subdistrict).
_TAG_RANK = {"#loc": 5, "#adm4": 4, "#adm3": 3, "#adm2": 2, "#adm1": 1}

_VAGUE = re.compile(r"\b(hundreds|thousands|millions|dozens?|tens|several|few|many|scores)\b")
_DIGITS = str.maketrans("\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
                        "\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9\u066b\u2212",
                        "01234567890123456789.-")
_GROUPED = re.compile(r"\d{1,3}(?:(?P<sep>[,\u00a0\u202f ']|\u066c)\d{3})(?:(?P=sep)\d{3})*(?:\.0+)?")
_DOTTED = re.compile(r"\d{1,3}(?:\.\d{3}){2,}")
_SCALED = re.compile(r"(\d+(?:\.\d+)?)\s*(thousand|million|k)")
_RANGE = re.compile(r"(?:between\s+)?(.+?)\s*(?:-|\u2013|\u2014|\bto\b|\band\b)\s*(.+)")
_COMMA_GROUPED = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_QUALIFIER_PREFIX = re.compile(
    "^(" + "|".join(re.escape(q) for q in sorted(_QUALIFIER_SYNONYMS, key=len, reverse=True) if q) + r")\s*")


def read_reports(path_or_buffer, *, encoding=None, people_per_family=None, defaults=None, columns=None):
    """Read a reports CSV file, validate every cell, and return one row per report.

    Parameters
    ----------
    path_or_buffer : str, os.PathLike or file-like
        The CSV file (see the module docstring for its columns), or an open binary or text stream.
    encoding : str, optional
        The file's encoding when it is neither UTF-8 nor has a byte-order mark, e.g. ``"cp1256"``.
    people_per_family : float, optional
        People per family or household (default :data:`PEOPLE_PER_FAMILY`).
    defaults : dict, optional
        Values for columns the file does not have, e.g. ``{"kind": "count", "period_start": "2018-12-01",
        "period_end": "2018-12-31", "agency": "UN OCHA"}`` for a table as OCHA publishes it (the file's own
        columns always win).
    columns : dict or iterable of (field, header) pairs, optional
        The file's columns to read as idpmap's fields, e.g. ``{"figure": "total_pop", "destination":
        "camp_name"}`` for a table with headers of its own (matched as headers are: case, spaces). A mapped
        column is read as the fields it is mapped to, whatever its name or HXL tag says. An unknown field, a
        header the file lacks, a field given twice, or a field the file already has under its own name raises
        :class:`~mapper.errors.InputFileError`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`~mapper.model.REPORT_COLUMNS`; ``df.attrs["path"]`` is the file name used in messages,
        ``df.attrs["people_per_family"]`` the factor used, and ``df.attrs["population"]`` is ``"returnees"`` when the
        figure column's HXL tag says so (``#affected+returnees``, OCHA's returns tables).

    Raises
    ------
    mapper.errors.InputFileError
        Listing every problem found, each with its line and column.
    """
    ppf = PEOPLE_PER_FAMILY if people_per_family is None else people_per_family
    try:
        ppf = float(ppf)
    except (TypeError, ValueError):
        raise ValueError(f"expected a number of people per family, got {people_per_family!r}") from None
    if not 1 <= ppf <= 50:
        raise ValueError(f"expected people per family between 1 and 50, got {people_per_family!r}")
    table = read_table(path_or_buffer, encoding=encoding, hxl_tags=HXL_TAGS, known=_INPUT_COLUMNS,
                       aliases=_ALIASES)
    _map_columns(table, columns)
    _add_defaults(table, defaults)
    columns = _check_columns(table)
    if not len(table.lines):
        raise InputFileError(table.path, [(None, None, "no reports: the file has a header but no rows")])
    checks = _Problems(table.path, table.lines)
    frame = _validate(table, columns, checks, ppf)
    checks.raise_if_any()
    frame.attrs["path"] = table.path
    frame.attrs["people_per_family"] = ppf
    if "returnees" in _figure_attributes(table):
        frame.attrs["population"] = "returnees"  # OCHA's returns tables: the map says returns, not arrivals
    return frame


def _field(name):
    """idpmap's field for a column name given by the user (``--default``/``--column``), or None if unknown."""
    column = _normalize_column(name)
    return column if column in _INPUT_COLUMNS else _ALIASES.get(column)


def _map_columns(table, columns):
    """Read the file's column HEADER as FIELD for each ``(FIELD, HEADER)`` of ``columns`` (``--column``): the
    mapped column wins over HXL tags (its own and other columns'); a field read from a column of its own name is
    refused; other fields read from a mapped column are dropped (``destination=origin`` reads it as destination
    only)."""
    pairs = list(columns.items()) if hasattr(columns, "items") else list(columns or ())
    if not pairs:
        return
    names = [_normalize_column(h) for h in table.header]
    wanted, problems = {}, []  # field -> (position, header as given, the option as given)
    for given, header in pairs:
        field, key = _field(given), _normalize_column(header)
        flag = shown(f"--column {given}={header}", quoted=False)
        if field is None:
            close = difflib.get_close_matches(_normalize_column(given), _INPUT_COLUMNS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append((None, shown(str(given), quoted=False),
                             f"{flag}: idpmap has no field {shown(str(given))}{hint}; use one of "
                             f"{', '.join(_INPUT_COLUMNS)}"))
        elif field in wanted:
            problems.append((None, field, f"{flag}: {field} is already read from column {shown(wanted[field][1])}; "
                                          f"give --column {field}=HEADER once"))
        elif not key or key not in names:
            close = difflib.get_close_matches(key, [n for n in names if n], n=1)
            hint = f" (did you mean {table.header[names.index(close[0])].strip()!r}?)" if close else ""
            problems.append((None, field, f"{flag}: the file has no column {shown(str(header))}{hint}; its columns "
                                          f"are {_listed(h.strip() for h in table.header)}"))
        else:
            wanted[field] = (names.index(key), str(header), flag)
    mapped = {pos for pos, _, _ in wanted.values()}
    for field, (pos, _, flag) in wanted.items():
        own = table.positions.get(field)
        if own is not None and own != pos and own not in mapped and field not in table.tag_ranks:
            problems.append((None, field, f"{flag}: the file already has a column {shown(table.header[own].strip())} "
                                          f"read as {field}; rename or remove one of the two, or leave out this "
                                          "--column"))
    if problems:
        raise InputFileError(table.path, problems)
    figure = table.positions.get("figure")
    for target, pos in list(table.positions.items()):
        if pos in mapped and target not in wanted or target in wanted and pos != wanted[target][0]:
            del table.positions[target]
            table.tag_ranks.pop(target, None)
    for field, (pos, _, _) in wanted.items():
        table.positions[field] = pos
    if table.positions.get("figure") != figure:
        table.unit_hint = None  # the unit an HXL tag gave a column that is no longer the figure


def _listed(names, limit=200):
    """Names joined by commas for a message, cut to about ``limit`` characters with a count of the rest."""
    names = [shown(n, 40) for n in names]
    out, size = [], 0
    for name in names:
        if out and size + len(name) > limit:
            return f"{', '.join(out)} ... and {len(names) - len(out)} more"
        out.append(name)
        size += len(name) + 2
    return ", ".join(out)


def _figure_attributes(table):
    """The HXL attributes of the figure column's tag (``{"affected", "returnees"}``), empty without a tag."""
    pos = table.positions.get("figure")
    if table.tags is None or pos is None or pos >= len(table.tags):
        return set()
    return _match_tag(table.tags[pos], HXL_TAGS)[1]


def _add_defaults(table, defaults):
    """Add a column of one value for each of ``defaults`` the file does not have."""
    for name, value in (defaults or {}).items():
        column = _field(name)
        if column is None:
            raise InputFileError(table.path, [(None, str(name), f"unknown column {name!r} for a default value; use "
                                                                f"one of {', '.join(_INPUT_COLUMNS)}")])
        if column in table.positions:
            continue
        table.positions[column] = len(table.cells)
        table.cells.append(np.full(len(table.lines), str(value), dtype=object))
        table.header.append(column)


# --------------------------------------------------------------------------------------------------------------
# Reading a CSV file into cells with line numbers (shared with mapper.io for flowmap.blue and flows files)


class Table:
    """Cells of a CSV file, read by :func:`read_table`; :meth:`column` gives one column's cells by name.

    ``cells`` holds one object array of strings per header position; ``lines`` each data row's 1-based physical
    line number; ``header`` the original header cells; ``positions`` the column name -> header position; ``tags``
    the HXL row (or None); ``unit_hint`` a unit implied by an HXL tag on the figure column; ``tag_ranks`` the rank
    (:data:`_TAG_RANK`) of the HXL tag that gave each column found by its tag.
    """

    def __init__(self, path, header, positions, cells, lines, tags=None, unit_hint=None, tag_ranks=None):
        self.tag_ranks = dict(tag_ranks or {})
        self.path = path
        self.header = header
        self.positions = positions
        self.cells = cells
        self.lines = lines
        self.tags = tags
        self.unit_hint = unit_hint

    def column(self, name):
        """The stripped cells of column ``name`` (an object array; empty strings when the column is absent)."""
        col = self.raw(name)
        if not col.any():  # all empty: nothing to strip
            return col
        out = np.empty(len(col), dtype=object)
        out[:] = [v.strip() for v in col]
        return out

    def raw(self, name):
        """The cells of column ``name`` as read: leading spaces removed, trailing ones not (callers that look at
        each distinct value once strip there, which is cheaper than stripping every cell)."""
        pos = self.positions.get(name)
        if pos is None:
            return np.full(len(self.lines), "", dtype=object)
        return self.cells[pos]


def read_table(path_or_buffer, *, encoding=None, hxl_tags=(), known=(), aliases=None):
    """Read a CSV file into a :class:`Table`, raising :class:`InputFileError` for file-level problems.

    Handles encodings (byte-order marks, ``encoding=``), wrong delimiters, quotes left open, rows with too many
    fields, blank rows, an optional HXL hashtag row, and duplicated columns. ``known`` lists the column names the
    caller understands (others are kept under their own names); ``hxl_tags`` maps tags to names.
    """
    path, data = _load(path_or_buffer)
    if isinstance(data, bytes):
        check_line_lengths(data if b"\n" in data else data.replace(b"\r", b"\n"), path)
    text, utf8 = _decode(data, path, encoding)
    if not text.strip():
        raise InputFileError(path, [(None, None, "the file is empty; expected a header row and data rows")])
    if "\n" not in text and "\r" in text:
        text, utf8 = text.replace("\r", "\n"), None  # old Mac line ends
    first = text.split("\n", 1)[0]
    try:
        header_cells = next(csv.reader([first]), [])
    except csv.Error:  # a lone CR in the header: the full parse below says where
        header_cells = first.split(",")
    if len(header_cells) <= 1:
        for delim, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|' characters")):
            if delim in first:
                raise InputFileError(path, [(1, None, f"columns are separated by {label}, not commas; save the "
                                                      "file as comma-separated CSV (CSV UTF-8 in spreadsheets)")])
    rows, lines = _parse(text, path, utf8)
    header = [str(c) for c in rows[0]]
    names = [_normalize_column(h) for h in header]
    body = slice(1, None)
    tags = None
    if len(rows) > 1 and _is_hxl_row(rows[1]):
        tags = [str(c).strip() for c in rows[1]]
        body = slice(2, None)
    elif hxl_tags and any(n in OCHA_COLUMN_TAGS for n in names if n not in known):
        tags = [OCHA_COLUMN_TAGS.get(n, "") for n in names]
    aliases = aliases or {}
    positions, problems, unit_hint = {}, [], None
    tag_rank = {}  # target -> rank of the HXL tag that gave it
    for pos, name in enumerate(names):
        target = name if name in known or not known else aliases.get(name)
        rank = None
        if target is None and tags is not None and pos < len(tags):
            target, attrs = _match_tag(tags[pos], hxl_tags)
            rank = _TAG_RANK.get(tags[pos].strip().lower().split("+")[0], 0)
            if target == "figure":
                unit_hint = next((_HXL_UNIT_ATTRIBUTES[a] for a in attrs if a in _HXL_UNIT_ATTRIBUTES), unit_hint)
        if target is None:
            target = name  # an extra column: kept by name, ignored by callers that do not know it
        if not target:
            continue
        if target in tag_rank and rank is not None and rank != tag_rank[target]:
            # Two tagged location columns for one field: the finer location wins, the other is kept by name.
            if rank > tag_rank[target]:
                positions[target], tag_rank[target] = pos, rank
            continue
        if rank is not None:
            tag_rank.setdefault(target, rank)
        if target in positions:
            first_pos = positions[target]
            problems.append((1, target, f"column {target!r} appears twice (columns {first_pos + 1} and "
                                        f"{pos + 1}); keep one"))
            continue
        positions[target] = pos
    if problems:
        raise InputFileError(path, problems)
    cells = rows[body]
    data_lines = lines[body]
    ncols = len(header)
    matrix = _to_columns(cells, ncols)
    if ESCAPED_CELL.search(text):  # cells a spreadsheet-safe writer quoted: give back their text
        matrix = [_unquoted(col) for col in matrix]
    if len(text) > MAX_CELL.value():  # else no cell can be that long
        check_cell_lengths([np.array(header, dtype=object)], [1] * len(header), ["header"], path)
        check_cell_lengths(matrix, data_lines, header, path)
    # Blank rows (every cell empty) are skipped, as spreadsheets leave them at the end.
    if len(data_lines):
        nonblank = np.zeros(len(data_lines), dtype=bool)
        for col in matrix:
            nonblank |= col != ""
        if not nonblank.all():
            matrix = [col[nonblank] for col in matrix]
            data_lines = data_lines[nonblank]
    table = Table(path, header, positions, matrix, np.asarray(data_lines, dtype=np.int64), tags, unit_hint,
                  {t: r for t, r in tag_rank.items() if positions.get(t) is not None})
    return table


def _load(path_or_buffer):
    """The input's name and bytes (text for a text stream): bounded, devices and FIFOs refused (mapper.inputs)."""
    return read_input(path_or_buffer)


# UTF-32's marks first: the UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _decode(data, path, encoding):
    if isinstance(data, str):
        return data.lstrip("\ufeff"), None
    if encoding:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            raise InputFileError(path, [(None, "encoding", f"unknown encoding {encoding!r}; use e.g. utf-8, "
                                                           "utf-16 or cp1256")]) from None
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise InputFileError(path, [(None, None, "this is a spreadsheet workbook (.xlsx/.xls/.ods), not a CSV "
                                                 "file; save it as CSV UTF-8 (comma delimited)")])
    # A byte-order mark is definitive: it wins over a guess or an option.
    bom = next((enc for mark, enc in _BOMS if data.startswith(mark)), None)
    chosen = bom or encoding or "utf-8"
    if chosen == "utf-8":
        chosen = "utf-8-sig"
    sample = data[:4096]
    if not bom and not encoding and sample.count(b"\x00") > len(sample) // 4:  # every other byte: UTF-16 text
        raise InputFileError(path, [(None, None, "looks like UTF-16 without a byte-order mark; pass --encoding "
                                                 "utf-16-le (or utf-16-be), or save the file as CSV UTF-8")])
    try:
        text = data.decode(chosen)
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        byte = data[err.start:err.start + 1].hex()
        if bom or encoding:
            message = f"cannot be read as {chosen} (byte 0x{byte}); check the file's encoding and --encoding"
        else:
            message = (f"not UTF-8 (byte 0x{byte}); pass --encoding (e.g. cp1256 for Arabic Windows "
                       "spreadsheets) or save the file as CSV UTF-8")
        raise InputFileError(path, [(line, None, message)]) from err
    # The parser reads bytes: hand it the original UTF-8 rather than encoding the text again.
    utf8 = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
    return text.lstrip("\ufeff"), (utf8 if chosen == "utf-8-sig" else None)


_LONE_CR = re.compile("\r(?!\n)")


def _parse(text, path, utf8=None):
    """Split ``text`` into rows of cells and the physical line each row starts on."""
    if "\r" in text and _LONE_CR.search(text):
        return _parse_slow(text, path)  # pandas ends a row at a CR even inside quotes
    try:
        source = io.BytesIO(utf8 if utf8 is not None else text.encode("utf-8"))
        frame = pd.read_csv(source, encoding="utf-8", header=None, dtype=object, keep_default_na=False, na_filter=False,
                            skip_blank_lines=False, skipinitialspace=True, engine="c")
    except pd.errors.ParserError:
        return _parse_slow(text, path)
    except pd.errors.EmptyDataError:
        raise InputFileError(path, [(None, None, "the file is empty; expected a header row and data rows")]) \
            from None
    n_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if len(frame) != n_lines:
        # A quoted cell spans several lines: only the csv module can tell where each row starts.
        return _parse_slow(text, path)
    return _Rows(frame), np.arange(1, len(frame) + 1)


class _Rows:
    """Rows of a pandas frame, sliceable like a list, keeping column arrays for speed."""

    def __init__(self, frame):
        self.frame = frame

    def __len__(self):
        return len(self.frame)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return _Rows(self.frame.iloc[index])
        return list(self.frame.iloc[index])


def _parse_slow(text, path):
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, skipinitialspace=True)
    rows, lines, problems = [], [], []
    start = 1
    try:
        for row in reader:
            rows.append(row)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error:
        problems.append((start, None, "a quote opened on this line is never closed; close it or remove it"))
    if rows:
        width = len(rows[0])
        for row, line in zip(rows[1:], lines[1:]):
            if len(row) > width:
                problems.append((line, None, f"{len(row)} fields but the header has {width}; put quotes around "
                                             "values that contain commas"))
    if problems:
        raise InputFileError(path, _capped(problems))
    if not rows:
        raise InputFileError(path, [(None, None, "the file is empty; expected a header row and data rows")])
    return rows, np.asarray(lines)


def _unquoted(column):
    """A column with the ``'`` that a spreadsheet-safe writer put before formula characters taken off."""
    starts = np.fromiter((v[:1] == "'" for v in column), dtype=bool, count=len(column))
    if starts.any():
        column = column.copy()
        column[starts] = [spreadsheet_text(v) for v in column[starts]]
    return column


def _to_columns(cells, ncols):
    """Column arrays (object dtype, stripped strings) from rows (a list of lists or a :class:`_Rows`)."""
    out = []
    for pos in range(ncols):
        if isinstance(cells, _Rows):
            if pos >= cells.frame.shape[1]:
                out.append(np.full(len(cells), "", dtype=object))
                continue
            col = cells.frame.iloc[:, pos].to_numpy(dtype=object)
        else:
            col = np.empty(len(cells), dtype=object)
            col[:] = [row[pos] if pos < len(row) else "" for row in cells]
        out.append(col)
    return out


def _normalize_column(name):
    return re.sub(r"[\s\-]+", "_", str(name).strip().lstrip("\ufeff").lower())


def _is_hxl_row(row):
    cells = [str(c).strip() for c in row]
    filled = [c for c in cells if c]
    return bool(filled) and all(c.startswith("#") for c in filled)


def _match_tag(tag, hxl_tags):
    parts = [p for p in re.sub(r"\s+", "", tag.lower()).split("+")]
    if not parts or not parts[0].startswith("#"):
        return None, set()
    hashtag, attrs = parts[0], set(parts[1:])
    best, best_size = None, -1
    for pattern, column in hxl_tags:
        p_parts = pattern.split("+")
        if p_parts[0] == hashtag and set(p_parts[1:]) <= attrs and len(p_parts) > best_size:
            best, best_size = column, len(p_parts)
    return best, attrs


# --------------------------------------------------------------------------------------------------------------
# Validation


class _Problems:
    """Collects problems as (mask, field, message-maker) and builds messages only for the rows shown."""

    def __init__(self, path, lines):
        self.path = path
        self.lines = lines
        self.found = []  # (line, field, message)
        self.count = 0
        self.skip = np.zeros(len(lines), dtype=bool)  # rows not checked (status needs_review)

    def add(self, mask, field, message, values=None):
        """Record ``message`` (a str, or a callable of the cell value) for every row where ``mask`` is true."""
        index = np.flatnonzero(np.asarray(mask, dtype=bool) & ~self.skip)
        self.count += len(index)
        for i in index[:MAX_PROBLEMS]:
            text = message(values[i]) if callable(message) else message
            self.found.append((int(self.lines[i]), field, text))

    def add_one(self, i, field, message):
        if self.skip[i]:
            return
        self.count += 1
        self.found.append((int(self.lines[i]), field, message))

    def raise_if_any(self):
        if self.count:
            raise InputFileError(self.path, _capped(sorted(self.found, key=lambda p: (p[0], _field_order(p[1]))),
                                                    total=self.count))


def _field_order(field):
    return _INPUT_COLUMNS.index(field) if field in _INPUT_COLUMNS else len(_INPUT_COLUMNS)


def _capped(problems, total=None):
    total = len(problems) if total is None else total
    shown = list(problems[:MAX_PROBLEMS])
    if total > len(shown):
        shown.append((None, None, f"... and {total - len(shown)} more problem(s); fix these first"))
    return shown


def _check_columns(table):
    present = set(table.positions)
    unread = _unread_columns(table)
    problems = []
    has_figure = "figure" in present or {"figure_min", "figure_max"} <= present
    for name in _REQUIRED + (() if has_figure else ("figure",)):
        if name == "unit" and table.unit_hint:
            continue
        if name not in present:
            extra = " (or figure_min and figure_max)" if name == "figure" else ""
            problems.append((1, name, f"required column {name!r}{extra} is missing{_missing_hint(name, unread)}"))
    if not present & {"origin", "destination", "origin_pcode", "destination_pcode"}:
        hint = f" (pass {_COLUMN_HINT.format('destination')})" if unread else ""
        problems.append((1, "origin", "no column says where people fled from or arrived: give origin, destination, "
                                      f"origin_pcode or destination_pcode{hint}"))
    for one, other in (("figure_min", "figure_max"), ("figure_max", "figure_min")):
        if one in present and other not in present:
            problems.append((1, other, f"column {one!r} needs {other!r} too"))
    if problems:
        raise InputFileError(table.path, problems)
    return present


_COLUMN_HINT = "--column {0}=HEADER to read one of the file's columns as it"


def _unread_columns(table):
    """The file's header names (normalised) that no field is read from: candidates for ``--column``."""
    read = {pos for name, pos in table.positions.items() if name in _INPUT_COLUMNS}
    names = (_normalize_column(h) for pos, h in enumerate(table.header) if pos not in read)
    return [n for n in names if n and n not in _INPUT_COLUMNS]


def _missing_hint(name, unread):
    """What to do about a missing required column: a column of a close name, a default value, or ``--column``."""
    close = difflib.get_close_matches(name, [n for n in unread if n not in OCHA_COLUMN_TAGS], n=1)
    if close:
        return f" (is {close[0]!r} meant to be {name!r}? rename it, or pass --column {name}={close[0]})"
    column = _COLUMN_HINT.format(name) if unread else ""
    if name in _DEFAULT_HINTS:
        also = f"; or {column}" if column else ""
        return f" (a table that holds one {name} for every row can say it as a default: {_DEFAULT_HINTS[name]}{also})"
    return f" (pass {column}: {_listed(unread)})" if column else ""


def _map_uniques(values, func):
    """Apply ``func`` to each distinct value; return the results as an object array aligned with ``values``.

    ``values`` holds strings only (cells are never missing, only empty).
    """
    codes, uniques = pd.factorize(values)
    results = [func(u) for u in uniques]
    out = np.empty(len(results), dtype=object)
    out[:] = results
    return out[codes] if len(values) else np.empty(0, dtype=object)


def _validate(table, present, checks, ppf):
    """Check every field of every row (problems go to ``checks``) and build the reports frame, field by field."""
    col = table.column
    status = _check_status(table, checks)
    report_id = _check_report_ids(table, present, checks)
    kind, unit = _check_kind_and_unit(table, present, checks)
    qualifier, qual_raw = _check_qualifier(table, checks)
    fmin, fmax, people_min, people_max, people = _check_people(table, present, checks, kind, unit, qualifier,
                                                               qual_raw, ppf)
    start, end, published = _check_periods(table, checks)
    origin, destination, origin_pcode, destination_pcode = _check_places(table, checks, kind == "incident")
    return pd.DataFrame({
        "line": table.lines.astype(np.int64),
        "report_id": report_id,
        "kind": kind,
        "figure_min": fmin,
        "figure_max": fmax,
        "qualifier": qualifier,
        "unit": unit,
        "people_min": people_min,
        "people_max": people_max,
        "people": people,
        "period_start": start,
        "period_end": end,
        "origin": origin,
        "destination": destination,
        "origin_within": col("origin_within"),
        "destination_within": col("destination_within"),
        "origin_pcode": origin_pcode,
        "destination_pcode": destination_pcode,
        "series": col("series"),
        "agency": _map_uniques(table.raw("agency"), str.strip),
        "publisher": _map_uniques(table.raw("publisher"), str.strip),
        "published": published,
        "url": col("url"),
        "note": col("note"),
        "status": np.where(status == "needs_review", "needs_review", "").astype(object),
        "review_note": col("review_note"),
    }, columns=REPORT_COLUMNS)


def _check_status(table, checks):
    """``status``: empty, ok or needs_review; rows waiting for review are not checked further."""
    status = _map_uniques(table.raw("status"), lambda v: _STATUS_SYNONYMS.get(" ".join(v.lower().split()), v))
    bad_status = ~np.isin(status, REPORT_STATUSES)
    checks.add(bad_status, "status", lambda v: f"unknown status {v!r}; write ok, needs_review or leave it empty",
               status)
    # A row waiting for review is not mapped: its other cells may still be empty or wrong.
    checks.skip = status == "needs_review"
    return status


def _check_report_ids(table, present, checks):
    """``report_id``: present and unique; a table without ids (as OCHA publishes them) names each row by its line."""
    if "report_id" in present:
        report_id = table.column("report_id")
    else:
        report_id = np.array([f"line-{line}" for line in table.lines], dtype=object)
    checks.add(report_id == "", "report_id", "empty; give each row a unique id")
    dup = pd.Series(report_id).duplicated().to_numpy() & (report_id != "")
    if dup.any():
        first_line = {}
        for rid, line in zip(report_id, table.lines):
            first_line.setdefault(rid, line)
        checks.add(dup, "report_id", lambda v: f"{v!r} is already used on line {first_line[v]}; ids must be "
                                              "unique", report_id)
    return report_id


def _check_kind_and_unit(table, present, checks):
    """``kind`` (displacement, count, incident) and a ``unit`` that fits it."""
    n = len(table.lines)
    kind = _map_uniques(table.raw("kind"), lambda v: _KIND_SYNONYMS.get(v.strip().lower(), v.strip()))
    bad_kind = ~np.isin(kind, KINDS)
    checks.add(bad_kind & (kind == ""), "kind", "empty; write displacement, count or incident")
    checks.add(bad_kind & (kind != ""), "kind", lambda v: f"unknown kind {v!r}; write displacement (an "
                                                          "estimate), count (a tracked count) or incident", kind)
    unit_raw = table.raw("unit") if "unit" in present else np.full(n, table.unit_hint or "", dtype=object)
    unit = _map_uniques(unit_raw, lambda v: _UNIT_SYNONYMS.get(v.strip().lower(), v.strip()))
    checks.add(unit == "", "unit", "empty; write people, families or households (killed or wounded for incidents)")
    any_unit = sorted(set(UNITS["displacement"]) | set(UNITS["incident"]))
    checks.add(bad_kind & (unit != "") & ~np.isin(unit, any_unit), "unit",
               lambda v: f"unknown unit {v!r}; write one of {', '.join(any_unit)}", unit)
    for k in KINDS:
        allowed = UNITS[k]
        wrong = (kind == k) & (unit != "") & ~np.isin(unit, allowed)
        checks.add(wrong, "unit", lambda v, k=k, a=allowed: f"unknown unit {v!r} for {k}; write "
                                                           f"{', '.join(a[:-1])} or {a[-1]}", unit)
    return kind, unit


def _check_qualifier(table, checks):
    """``qualifier``, normalised through its synonyms (empty where unknown, with a problem noted)."""
    n = len(table.lines)
    qual_raw = _map_uniques(table.raw("qualifier"), str.strip)
    qualifier = _map_uniques(qual_raw, lambda v: _QUALIFIER_SYNONYMS.get(" ".join(v.lower().split())))
    bad_qual = np.array([q is None for q in qualifier], dtype=bool) if n else np.zeros(0, bool)
    checks.add(bad_qual, "qualifier", lambda v: f"unknown qualifier {v!r}; write one of "
                                                f"{', '.join(q for q in QUALIFIERS if q)} or leave it empty",
               qual_raw)
    return np.where(bad_qual, "", qualifier).astype(object), qual_raw


def _check_people(table, present, checks, kind, unit, qualifier, qual_raw, ppf):
    """Figures as people: ``fmin, fmax, people_min, people_max, people`` (families and households times ``ppf``)."""
    fmin, fmax, point = _figures(table, present, checks, qualifier, qual_raw, kind == "incident")
    # Estimates may carry decimals (OCHA's matrices: 16034.6), rounded when drawn; counts and incidents are whole.
    fractional = (kind != "displacement") & ((np.nan_to_num(fmin) % 1 != 0) | (np.nan_to_num(fmax) % 1 != 0))
    checks.add(fractional, "figure", lambda k: f"a {k} is a whole number of people; only estimates "
                                               "(kind displacement) may have a decimal part", kind)
    factor = np.where(np.isin(unit, ("families", "households")), ppf, 1.0)
    people_min, people_max = fmin * factor, fmax * factor
    people = np.where(np.isnan(point), (fmin + fmax) / 2, point) * factor
    checks.add(people_max > MAX_PEOPLE, "figure", lambda v: f"{v:,.0f} people is more than {MAX_PEOPLE:,}: check "
                                                             "the figure for extra digits", people_max)
    return fmin, fmax, people_min, people_max, people


def _check_periods(table, checks):
    """``period_start`` <= ``period_end`` (both required) and ``published`` (optional), as dates."""
    start, start_ord, _ = _dates(table.raw("period_start"), "period_start", checks, required=True)
    end, end_ord, _ = _dates(table.raw("period_end"), "period_end", checks, required=True)
    before = (start_ord > 0) & (end_ord > 0) & (end_ord < start_ord)
    checks.add(before, "period_end", lambda i: f"{end[i].isoformat()} is before period_start "
                                               f"{start[i].isoformat()}", np.arange(len(table.lines)))
    _, _, published = _dates(table.raw("published"), "published", checks, required=False)
    return start, end, published


def _check_places(table, checks, is_incident):
    """Origin and destination names and P-codes: a displacement needs one of them, an incident its one place."""
    origin = _area_kind(_names(table.raw("origin")), table.tag_ranks.get("origin"))
    destination = _area_kind(_names(table.raw("destination")), table.tag_ranks.get("destination"))
    origin_pcode = _map_uniques(table.raw("origin_pcode"), lambda v: v.strip().upper())
    destination_pcode = _map_uniques(table.raw("destination_pcode"), lambda v: v.strip().upper())
    nowhere = (origin == "") & (origin_pcode == "") & (destination == "") & (destination_pcode == "")
    checks.add(nowhere & ~is_incident, "origin", "empty, and so is destination; write where people fled from "
                                                 "or where they arrived")
    checks.add(is_incident & (origin == "") & (origin_pcode == ""), "origin",
               "empty; write where the incident happened")
    checks.add(is_incident & (destination != ""), "destination",
               "incidents have one place: put it in origin and leave destination empty")
    return origin, destination, origin_pcode, destination_pcode


# An HXL admin tag on a name column says which kind of area its names are: in a governorate table (#adm1+origin+name)
# "Aleppo" is the governorate, not the city the gazetteer's rule gives a bare name. The kind word is added to the
# name, the way a person would write it ("Aleppo governorate"), unless the name already ends in one.
_AREA_WORDS = {1: "governorate", 2: "district", 3: "subdistrict"}
_ENDS_IN_KIND = re.compile(r"\b(governorate|province|district|sub-?district|nahiya|muhafazah|mantiqa)$", re.I)


def _area_kind(values, rank):
    """Names of a column tagged #adm1/#adm2/#adm3 with that level's kind word appended (others unchanged)."""
    word = _AREA_WORDS.get(rank)
    if word is None:
        return values

    def with_kind(v):
        return ";".join(n if _ENDS_IN_KIND.search(n) else f"{n} {word}" for n in v.split(";")) if v else v
    return _map_uniques(values, with_kind)


def _names(values):
    """Normalise ``;``-separated name lists: trim each name, drop empty ones."""
    def clean(v):
        v = v.strip()
        if ";" not in v or not (" ;" in v or "; " in v or ";;" in v or v[0] == ";" or v[-1] == ";"):
            return v
        return ";".join(p.strip() for p in v.split(";") if p.strip())
    return _map_uniques(values, clean)


def _figures(table, present, checks, qualifier, qual_raw, is_incident):
    """Parse figure / figure_min / figure_max into float arrays (NaN where bad); fill qualifiers from figures."""
    n = len(table.lines)
    rows = np.arange(n)
    fmin = np.full(n, np.nan)
    fmax = np.full(n, np.nan)
    fig_raw = table.raw("figure")
    errored = np.zeros(n, dtype=bool)
    if "figure" in present:
        fmin, fmax, fig_qual, error = _parse_cells(fig_raw, allow_range=True)
        errored |= ~pd.isna(error)
        checks.add(~pd.isna(error), "figure", lambda e: e, error)
        has_qual = fig_qual != ""
        fill = has_qual & (qual_raw == "")
        qualifier[fill] = fig_qual[fill]
        conflict = has_qual & (qual_raw != "") & (qualifier != fig_qual)
        checks.add(conflict, "qualifier", lambda i: f"{qual_raw[i]!r} disagrees with the figure's own "
                                                    f"{fig_qual[i]!r}; keep one", rows)
    point = np.where(fmin == fmax, fmin, np.nan)
    if "figure_min" in present:
        min_raw, max_raw = table.column("figure_min"), table.column("figure_max")  # mostly empty: cheap
        lo, _, _, min_error = _parse_cells(min_raw, allow_range=False)
        hi, _, _, max_error = _parse_cells(max_raw, allow_range=False)
        checks.add(~pd.isna(min_error), "figure_min", lambda e: e, min_error)
        checks.add(~pd.isna(max_error), "figure_max", lambda e: e, max_error)
        errored |= ~pd.isna(min_error) | ~pd.isna(max_error) | ((min_raw != "") ^ (max_raw != ""))
        checks.add((min_raw != "") ^ (max_raw != ""), "figure_min",
                   "give both figure_min and figure_max, or a single figure with a qualifier such as 'at least'")
        both = ~np.isnan(lo) & ~np.isnan(hi)
        backwards = both & (lo > hi)
        checks.add(backwards, "figure_max", lambda i: f"{hi[i]:,.0f} is smaller than figure_min {lo[i]:,.0f}",
                   rows)
        two_ranges = both & ~backwards & ~np.isnan(fmin) & np.isnan(point)
        checks.add(two_ranges, "figure", "give a range either in figure or in figure_min/figure_max, not both")
        outside = both & ~backwards & ~np.isnan(point) & ((point < lo) | (point > hi))
        checks.add(outside, "figure", lambda i: f"{point[i]:,.0f} is outside figure_min..figure_max "
                                                f"({lo[i]:,.0f}..{hi[i]:,.0f})", rows)
        use = both & ~backwards & ~two_ranges & ~outside
        fmin = np.where(use, lo, fmin)
        fmax = np.where(use, hi, fmax)
        errored |= backwards | two_ranges | outside
    missing = np.isnan(fmin) & ~errored
    checks.add(missing, "figure", "empty; write the number as digits, e.g. 12000 (or figure_min and figure_max)")
    zero = (fmin == 0) & ~is_incident
    checks.add(zero, "figure", "0 people is not a displacement; leave the row out or correct the figure")
    return fmin, fmax, point


def _parse_cells(raw, *, allow_range):
    """Parse figure cells: plain digits in bulk, every other distinct value once.

    Returns float arrays ``low``, ``high`` (NaN where empty or bad), an object array of qualifiers found in the
    cells ("" if none) and one of error messages (None where the cell is fine or empty).
    """
    n = len(raw)
    low, high = np.full(n, np.nan), np.full(n, np.nan)
    qualifier = np.full(n, "", dtype=object)
    error = np.full(n, None, dtype=object)
    # Bulk path for plain ASCII digits (the common case, and the benchmark's); the rest go one distinct value
    # at a time through parse_figure.
    plain = _plain_digits(raw)
    if plain.any():
        values = raw[plain].astype(np.int64).astype(float)
        low[plain] = values
        high[plain] = values
    rest = np.flatnonzero(~plain & (raw != ""))
    if len(rest):
        codes, uniques = pd.factorize(raw[rest])
        parsed = [_parse_figure_safe(u, allow_range=allow_range) or (np.nan, np.nan, "") for u in uniques]
        bad = [isinstance(p, str) for p in parsed]
        u_low = np.array([np.nan if b else p[0] for p, b in zip(parsed, bad)], dtype=float)
        u_high = np.array([np.nan if b else p[1] for p, b in zip(parsed, bad)], dtype=float)
        u_qual = np.array(["" if b else p[2] for p, b in zip(parsed, bad)] + [""], dtype=object)[:-1]
        u_error = np.array([p if b else None for p, b in zip(parsed, bad)] + [None], dtype=object)[:-1]
        low[rest], high[rest] = u_low[codes], u_high[codes]
        qualifier[rest], error[rest] = u_qual[codes], u_error[codes]
    return low, high, qualifier, error


def _plain_digits(raw):
    """Mask of cells made of 1 to 15 ASCII digits (numpy's string functions when there, else a Python loop)."""
    if hasattr(np, "strings") and hasattr(np.dtypes, "StringDType"):  # numpy >= 2
        text = raw.astype(np.dtypes.StringDType())
        length = np.strings.str_len(text)
        return (np.strings.lstrip(text, "0123456789") == "") & (length > 0) & (length < 16)
    return np.array([v.isdigit() and v.isascii() and len(v) < 16 for v in raw], dtype=bool)


def _parse_figure_safe(text, *, allow_range):
    text = text.strip()
    if not text:
        return None
    if _COMMA_GROUPED.fullmatch(text):  # the common published form, "235,000": skip the general parser
        value = float(text.replace(",", ""))
        return value, value, ""
    try:
        return parse_figure(text, allow_range=allow_range, allow_decimal=True)
    except ValueError as err:
        return str(err)


def parse_figure(text, *, allow_range=True, allow_decimal=False):
    """Parse a published figure into ``(min, max, qualifier)``.

    Accepts digits with thousands separators (``235,000``, ``12 000``, ``1.234.567``, Arabic-Indic digits),
    English number words (``twelve thousand``), a number with a scale (``1.2 million``, ``12k``), a leading
    qualifier (``more than 235,000``, ``>12000``) and, when ``allow_range``, a range (``10,000-12,000``). With
    ``allow_decimal`` a number with a decimal point (``16034.6``, an estimate) is read as it is; ``12.000`` stays
    ambiguous.

    Raises
    ------
    ValueError
        With a message saying what to write instead (negative, decimal, ambiguous or vague figures).
    """
    original = text
    text = " ".join(text.translate(_DIGITS).lower().split())
    qualifier = ""
    match = _QUALIFIER_PREFIX.match(text)
    if match and text[match.end():]:
        qualifier = _QUALIFIER_SYNONYMS[match.group(1)]
        text = text[match.end():]
    if re.match(r"-\s*\d", text):
        raise ValueError(f"negative figure {original!r}; figures count people and must be above zero")
    try:
        value = _parse_number(text, allow_decimal=allow_decimal)
        return value, value, qualifier
    except ValueError as err:
        if allow_range:
            match = _RANGE.fullmatch(text)
            if match:
                try:
                    lo = _parse_number(match.group(1), allow_decimal=allow_decimal)
                    hi = _parse_number(match.group(2), allow_decimal=allow_decimal)
                except ValueError:
                    pass
                else:
                    if lo > hi:
                        raise ValueError(f"range {original!r} runs backwards; write the smaller number "
                                         "first") from None
                    return lo, hi, qualifier
        raise ValueError(str(err).replace("{!r}", repr(original))) from None


def _parse_number(text, *, allow_decimal=False):
    text = text.strip()
    if text.isdigit() and text.isascii():
        return float(int(text))
    if _GROUPED.fullmatch(text):
        return float(int(re.sub(r"\.0+$", "", text).translate({ord(c): None for c in ",\u00a0\u202f '\u066c"})))
    if _DOTTED.fullmatch(text):
        return float(int(text.replace(".", "")))
    if re.fullmatch(r"\d{1,3}\.\d{3}", text):
        raise ValueError("ambiguous figure {!r}: is the dot a decimal point or a thousands separator? write "
                         "digits only, e.g. 12000")
    if allow_decimal and re.fullmatch(r"\d+\.\d+", text):
        return float(text)
    if re.fullmatch(r"\d+[.,]\d+", text):
        raise ValueError("figure {!r} has a decimal part or a misplaced separator; write a whole count in "
                         "digits, e.g. 12000")
    match = _SCALED.fullmatch(text)
    if match:
        try:
            value = Decimal(match.group(1)) * (1000 if match.group(2) in ("k", "thousand") else 1_000_000)
        except InvalidOperation:
            value = None
        if value is not None and value == value.to_integral_value():
            return float(value)
        raise ValueError("figure {!r} is not a whole number; write it in digits, e.g. 12000")
    if _VAGUE.search(text):
        raise ValueError("vague figure {!r}; give a range in figure_min and figure_max (e.g. 1000 and 9999) and "
                         "say so in note")
    words = _parse_words(text)
    if words is not None:
        return float(words)
    raise ValueError("not a number: {!r}; write the figure in digits, e.g. 12000 (the unit goes in unit)")


def _parse_words(text):
    """English number words ('two hundred and thirty-five thousand', 'a hundred') through text2num, or None."""
    from text_to_num import text2num

    words = re.sub(r"^an? (?=hundred|thousand|million)", "one ", text.replace(",", " ").strip())
    if not re.fullmatch(r"[a-z\- ]+", words):
        return None
    try:
        return int(text2num(words, "en"))
    except ValueError:
        return None


def _dates(values, field, checks, *, required):
    """Parse ISO dates: object array of datetime.date (None where missing or bad), int array of ordinals (0 there)
    and object array of ISO strings ("" there)."""
    def parse(v):
        v = v.strip()
        if v == "":
            return None
        if not _ISO_DATE.fullmatch(v):
            return f"expected a date as YYYY-MM-DD, got {v!r}"
        try:
            day = _dt.date.fromisoformat(v)
        except ValueError:
            return f"{v!r} is not a real date"
        if not 1900 <= day.year <= 2100:
            return f"{v!r} is outside 1900-2100; check the year"
        return day
    codes, uniques = pd.factorize(values)
    parsed = [parse(u) for u in uniques]
    u_error = np.array([isinstance(p, str) for p in parsed] + [False], dtype=bool)[:-1]
    u_dates = np.array([p if isinstance(p, _dt.date) else None for p in parsed] + [None], dtype=object)[:-1]
    u_ordinal = np.array([p.toordinal() if isinstance(p, _dt.date) else 0 for p in parsed] + [0], dtype=np.int64)
    u_text = np.array(parsed + [None], dtype=object)[:-1]
    u_iso = np.array([p.isoformat() if isinstance(p, _dt.date) else "" for p in parsed] + [""], dtype=object)
    is_error = u_error[codes]
    checks.add(is_error, field, lambda p: p, u_text[codes] if is_error.any() else None)
    if required:
        checks.add(values == "", field, "empty; write the date as YYYY-MM-DD")
    dates = u_dates[codes]
    ordinal = u_ordinal[:-1][codes] if len(parsed) else np.zeros(len(values), dtype=np.int64)
    return dates, ordinal, u_iso[:-1][codes] if len(parsed) else np.full(len(values), "", dtype=object)
