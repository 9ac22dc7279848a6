"""The ``idpmap`` command line: a thin layer that parses options, calls the library and reports errors.

Heavy libraries (geopandas, folium, matplotlib) are imported inside the commands that need them, so that
``idpmap --help`` starts fast. Library errors become one-line messages (exit code 2 for bad input, 1 for a name that
did not resolve); ``--debug`` shows the traceback instead, for bug reports.
"""

from __future__ import annotations

import functools
import sys

import click

from gazetteer import __version__
from gazetteer.places import KINDS as KIND_CHOICES

#: Exit code for malformed input files and bad options (click's own usage errors use 2 as well).
EXIT_BAD_INPUT = 2
#: Exit code when a place name did not resolve (the input is well formed, a name in it is not known).
EXIT_NOT_FOUND = 1


class InputError(click.ClickException):
    """A one-line error about the user's input; exit code 2."""

    exit_code = EXIT_BAD_INPUT


class NotFoundError(click.ClickException):
    """Place names that did not resolve (or stayed ambiguous); exit code 1."""

    exit_code = EXIT_NOT_FOUND


def _handle_errors(func):
    """Turn library errors into click errors unless ``--debug`` asked for the traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        debug = (ctx.find_root().obj or {}).get("debug", False)
        from gazetteer.errors import GazetteerError
        from mapper.errors import MapperError

        try:
            return func(*args, **kwargs)
        except BrokenPipeError:
            # The reader went away (`idpmap flows … -o - | head`): stop quietly, as the Python docs advise.
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except (GazetteerError, MapperError, UnicodeDecodeError, OSError) as err:
            if debug:
                raise
            if isinstance(err, UnicodeDecodeError):
                raise InputError(f"cannot decode input as {err.encoding}: {err.reason}; try --encoding") from err
            if isinstance(err, OSError) and not isinstance(err, MapperError):
                where = f"{err.filename}: " if getattr(err, "filename", None) else ""
                raise InputError(f"{where}{err.strerror or err}") from err
            if isinstance(err, LookupError):  # unresolved or ambiguous place names
                raise NotFoundError(str(err)) from err  # one line, capped by the error itself
            raise InputError(_short_lines(str(err))) from err

    return wrapper


#: An error line longer than this is cut (a value echoed from a hostile input must not flood the terminal).
MAX_ERROR_LINE = 500


def _short_lines(message):
    """Each line of ``message`` cut to :data:`MAX_ERROR_LINE` characters, saying how much was cut."""
    lines = []
    for line in message.splitlines() or [""]:
        if len(line) > MAX_ERROR_LINE:
            line = f"{line[:MAX_ERROR_LINE - 40]}... ({len(line) - MAX_ERROR_LINE + 40:,} more characters)"
        lines.append(line)
    return "\n".join(lines)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="idpmap")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors (for bug reports).")
@click.pass_context
def cli(ctx, debug):
    """idpmap: turn displacement reports into offline maps of origin -> camp flows.

    \b
    idpmap resolve "Marratinnuman" Saraqeb     resolve place names, any spelling
    idpmap flows reports.csv -o flows.geojson  build triangulated flows
    idpmap map reports.csv -o output/map.html  one self-contained, offline HTML map
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


# --- gazetteer commands: resolve, gazetteer import ---


def _parse_within(text):
    """``--within``: ``lat_min,lon_min,lat_max,lon_max`` becomes a bounding box; anything else is a P-code or name."""
    parts = text.split(",")
    if len(parts) == 4:
        try:
            return tuple(float(p) for p in parts)
        except ValueError:
            pass  # a place name with commas
    return text


def _open_gazetteer(store, online, user_agent):
    """The bundled gazetteer, with the user's store (``--store``, else the default one if it exists) and online."""
    from pathlib import Path

    from gazetteer import Gazetteer
    from gazetteer.store import default_store_path

    store_path = Path(store) if store else default_store_path()
    if store and not store_path.is_file():
        raise InputError(f"{store}: no gazetteer store here; create it with `idpmap gazetteer import FILE --store`")
    fallback = None
    if online:
        from gazetteer.online import OnlineFallback

        fallback = OnlineFallback(user_agent=user_agent)
    return Gazetteer.default(store=store_path if store_path.is_file() else None, online=fallback)


def _terminal_safe(text) -> str:
    """``text`` with control characters (ESC, CR, BEL, bidi overrides ...) written as escapes, not obeyed."""
    import unicodedata

    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else
                   (repr(c)[1:-1] if unicodedata.category(c) == "Cc" else f"\\u{ord(c):04x}") for c in text)


def _resolve_table(matches):
    """Rows of the readable ``resolve`` output, aligned."""
    header = ("query", "name", "Arabic", "kind", "P-code", "lat", "lon", "precision", "method", "score")
    rows = [header]
    for m in matches:
        p = m.place
        if p is None:
            rows.append((m.query, "-", "", "", "", "", "", "", m.method, ""))
            continue
        method = m.method + (" (ambiguous)" if m.ambiguous else "")
        rows.append((m.query, p.name, p.name_ar, p.kind, (p.pcodes or ("",))[0], f"{p.lat:.4f}", f"{p.lon:.4f}",
                     p.precision, method, f"{m.score:.0f}"))
    rows = [[_terminal_safe(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def _resolve_problem(gaz, match, within) -> str | None:
    """The line ``resolve`` writes to stderr for a name that did not resolve to one place, else None."""
    def describe(p):
        return f"{p.name} ({p.kind}, {p.pcode or p.admin3 or p.admin2 or p.admin1 or p.id})"

    if match.place is None and match.alternatives and within:
        text = f"{match.query}: not found within {within}; outside it: {'; '.join(map(describe, match.alternatives))}"
    elif match.place is None and match.alternatives:
        text = f"{match.query}: not found of that kind; there is {'; '.join(map(describe, match.alternatives))}"
    elif match.place is None:
        hint = gaz.suggest(match.query) if match.query.strip() else []
        text = f"{match.query}: not found" + (f"; did you mean {', '.join(hint)}?" if hint else "")
    elif match.ambiguous:
        text = f"{match.query}: ambiguous, also {'; '.join(map(describe, match.alternatives))}; pass --within or --kind"
    else:
        return None
    return _terminal_safe(text)


@cli.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--within", metavar="X",
              help="Where the places lie: a P-code (SY0706), a place name, or a box lat_min,lon_min,lat_max,lon_max. "
                   "A name known only outside is not found.")
@click.option("--kind", type=click.Choice(KIND_CHOICES), metavar="KIND",
              help="What the places are (governorate, district, subdistrict, city, town, village, camp ...): a bare "
                   "'Homs' is the city, --kind governorate the governorate.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per name, in order.")
@click.option("--store", type=click.Path(dir_okay=False),
              help="Local gazetteer store (default: the one `idpmap gazetteer import` fills, if any).")
@click.option("--online", is_flag=True, help="Ask an online geocoder (Nominatim) for names not found offline.")
@click.option("--user-agent", envvar="IDPMAP_USER_AGENT", metavar="UA",
              help="Identifies you to the online geocoder (required with --online; env IDPMAP_USER_AGENT).")
@_handle_errors
def resolve(names, within, kind, as_json, store, online, user_agent):
    """Resolve place NAMES or P-codes (any spelling; `-` reads names from stdin, one per line).

    Exit code 0 when every name resolved to one place, 1 when a name was not found (inside --within) or stayed
    ambiguous (use --within or --kind to decide).
    """
    import json

    from gazetteer.errors import AmbiguousPlaceError, PlaceNotFoundError

    queries = []
    for name in names:
        if name == "-":
            queries.extend(line.strip() for line in sys.stdin if line.strip())
        else:
            queries.append(name)
    gaz = _open_gazetteer(store, online, user_agent)
    try:
        matches = gaz.resolve_many(queries, within=_parse_within(within) if within else None, kind=kind)
    except (PlaceNotFoundError, AmbiguousPlaceError, ValueError) as err:
        # resolve_many never raises for a name; these come from the --within context
        raise InputError(_terminal_safe(f"--within {within!r}: {err}")) from err
    if as_json:
        for m in matches:
            click.echo(json.dumps(m.to_dict(), ensure_ascii=False))
    else:
        for line in _resolve_table(matches):
            click.echo(line)
    problems = [_resolve_problem(gaz, m, within) for m in matches if m.place is None or m.ambiguous]
    for problem in problems if not as_json else ():
        click.echo(problem, err=True)
    if problems:
        click.get_current_context().exit(1)


@cli.group("gazetteer")
def gazetteer_group():
    """Manage the local gazetteer store used beside the bundled places."""


@gazetteer_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--store", type=click.Path(dir_okay=False),
              help="Store to fill (created if missing; default: gazetteer.sqlite in the user data directory).")
@click.option("--format", "fmt", type=click.Choice(["auto", "geonames", "csv", "cod"]), default="auto",
              show_default=True,
              help="geonames: a geonames.org country dump (SY.txt); cod: OCHA COD-AB boundaries or COD populated "
                   "places (GeoJSON, TopoJSON, shapefile, zip, GeoPackage); csv: name,lat,lon[,id,name_ar,kind,...].")
@_handle_errors
def gazetteer_import(file, store, fmt):
    """Import FILE (a GeoNames dump, OCHA COD boundaries or populated places, or a CSV) into the local store."""
    import os

    from gazetteer.store import import_file
    from mapper.inputs import check_input_file

    check_input_file(file, size=False)  # a FIFO or a device would hang the import; dumps are read in a stream
    with click.progressbar(length=os.path.getsize(file), label=f"importing {os.path.basename(file)}",
                           file=sys.stderr) as bar:

        def progress(done, total):
            bar.length = total  # a zip reports its unpacked size
            bar.update(done - bar.pos)

        result = import_file(file, store_path=store, format=fmt, progress=progress)
    skipped = f", skipped {result.skipped} features that are not places" if result.skipped else ""
    click.echo(f"imported {result.imported} places ({result.format}) into {result.store_path}{skipped}")


# --- flows and map: one option set, shared through decorators ---


def _read_reports_file(path, options, data=None):
    """Read REPORTS (a file, standard input for ``-``, or bytes already read) with the library's validation,
    ``options`` the command's keyword arguments (``--encoding``, ``--people-per-family``, ``--default``,
    ``--column``)."""
    import io

    from mapper.reports import read_reports

    source = io.BytesIO(data) if data is not None else (sys.stdin.buffer if path == "-" else path)
    return read_reports(source, encoding=options["encoding"], people_per_family=options["people_per_family"],
                        defaults=_defaults(options["defaults"]), columns=_columns(options["columns"]))


def _store_option(func):
    """``--store``: the local gazetteer store `idpmap gazetteer import` fills, used beside the bundled places."""
    return click.option("--store", type=click.Path(dir_okay=False), envvar="IDPMAP_STORE",
                        help="Local gazetteer store to use beside the bundled places (default: the one `idpmap "
                             "gazetteer import` fills, if any; env IDPMAP_STORE).")(func)


#: ``--protect-kinds`` when not given: the place kinds where displaced people shelter.
PROTECT_KINDS_DEFAULT = "camp,camp_cluster"
_PROTECT_KINDS_HELP = ("Place kinds --protect-sites generalises, comma-separated (any gazetteer kind, e.g. "
                       "camp,camp_cluster,village).")


def _protect_options(protect_sites, protect_kinds):
    """``--protect-kinds`` only means something with ``--protect-sites``; the library checks the kinds."""
    if protect_kinds is not None and protect_sites is None:
        raise InputError(f"--protect-kinds {protect_kinds}: give --protect-sites KM as well (the grid size)")
    return protect_kinds if protect_kinds is not None else PROTECT_KINDS_DEFAULT


def _priority_list(text):
    if text is None:
        return None
    agencies = [a.strip() for a in text.split(",") if a.strip()]
    if not agencies:
        raise InputError(f"--priority: expected agencies separated by commas, got {text!r}")
    return agencies


def _defaults(pairs):
    """``--default COLUMN=VALUE`` pairs as a dict."""
    out = {}
    for pair in pairs or ():
        column, sep, value = pair.partition("=")
        if not sep or not column.strip():
            raise InputError(f"--default {pair}: expected COLUMN=VALUE, e.g. kind=count")
        out[column.strip()] = value.strip()
    return out


def _columns(pairs):
    """``--column FIELD=HEADER`` pairs as a list of ``(field, header)``: the library refuses a field given twice."""
    out = []
    for pair in pairs or ():
        field, sep, header = pair.partition("=")
        if not sep or not field.strip() or not header.strip():
            raise InputError(f"--column {pair}: expected FIELD=HEADER, e.g. figure=total_pop to read the file's "
                             "column total_pop as the figure")
        out.append((field.strip(), header))
    return out


_DATE = click.DateTime(formats=["%Y-%m-%d"])

#: Options of building flows from reports, the same on ``flows`` and ``map`` (as datasette shares its options).
_BUILD_OPTIONS = (
    click.option("--from", "start", type=_DATE, metavar="YYYY-MM-DD",
                 help="Keep reports whose period ends on or after this day."),
    click.option("--to", "end", type=_DATE, metavar="YYYY-MM-DD",
                 help="Keep reports whose period starts on or before this day."),
    click.option("--level", type=click.Choice(["place", "admin3", "admin2", "admin1"]), default="place",
                 show_default=True, help="Aggregate origins and destinations to this admin level."),
    click.option("--min-people", type=click.FloatRange(min=0), default=0, show_default=True, metavar="N",
                 help="Leave out flows under N people (listed as left out); OCHA's maps use 500."),
    click.option("--priority", metavar="AGENCIES",
                 help='Agencies to trust first when reports overlap, e.g. "UN OCHA,SRCG,RCT".'),
    click.option("--people-per-family", type=click.FloatRange(min=1, max=50), metavar="N",
                 help="People per family or household (default 5, the OCHA/CCCM planning figure for NW Syria)."),
    click.option("--split-regions", is_flag=True,
                 help="Split a region destination over its camp clusters (a modelled split, drawn as modelled) "
                      "instead of drawing it to the region itself."),
    click.option("--allow-unresolved", is_flag=True,
                 help="Leave out reports whose places do not resolve (listed as left out) instead of stopping."),
    click.option("--protect-sites", "protect_sites", type=click.FloatRange(min=0, min_open=True), metavar="KM",
                 help="Snap camps to a fixed grid of at least KM km in every output, so it does not pinpoint "
                      "where people shelter."),
    click.option("--protect-kinds", "protect_kinds", metavar="KINDS",
                 help=_PROTECT_KINDS_HELP + f"  [default: {PROTECT_KINDS_DEFAULT}]"),
    click.option("--default", "defaults", multiple=True, metavar="COLUMN=VALUE",
                 help="A value for a column the reports file lacks (repeatable), e.g. --default kind=count "
                      "--default period_start=2018-12-01 for a table as OCHA publishes it."),
    click.option("--column", "columns", multiple=True, metavar="FIELD=HEADER",
                 help="Read the file's column HEADER as idpmap's FIELD (repeatable), e.g. --column figure=total_pop "
                      "--column destination_pcode=admin4_pcode for a table with headers of its own."),
    click.option("--encoding", metavar="ENC",
                 help="Encoding of the input when not UTF-8 (with or without BOM) or UTF-16 with BOM, e.g. cp1256."),
    click.option("--force", is_flag=True, help="Overwrite an existing output that idpmap did not write."),
    _store_option,
)


def build_options(func):
    """Decorate a command with the options of building flows from reports (shared by ``flows`` and ``map``)."""
    for option in reversed(_BUILD_OPTIONS):
        func = option(func)  # click options and _store_option alike
    return func


def _build(frame, options):
    """Call the builder with the shared options (``options``: the command's keyword arguments)."""
    from mapper.flows import build_flows
    from mapper.flows.places import SPELLING_NOTE

    start = options["start"].date() if options["start"] else None
    end = options["end"].date() if options["end"] else None
    if start and end and end < start:
        raise InputError(f"--to {end.isoformat()} is before --from {start.isoformat()}")
    flowset = build_flows(frame, gazetteer=_open_gazetteer(options["store"], False, None), start=start, end=end,
                          level=options["level"], min_people=options["min_people"],
                          priority=_priority_list(options["priority"]),
                          allow_unresolved=options["allow_unresolved"], protect_sites_km=options["protect_sites"],
                          protect_kinds=_protect_options(options["protect_sites"], options["protect_kinds"]),
                          split_regions=options["split_regions"])
    for note in flowset.meta.notes:
        if note.startswith(SPELLING_NOTE):  # on the map's legend too; said here for files and pipes
            click.echo(f"idpmap: note: {note}", err=True)
    return flowset


# --- flows command ---


@cli.command("flows")
@click.argument("reports", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("-o", "--output", required=True, metavar="FILE",
              help="Output file (.geojson, .gpkg, .csv), a folder for --format flowmap, or - for standard output.")
@click.option("--format", "fmt", type=click.Choice(["geojson", "gpkg", "csv", "flowmap", "hxl"]),
              help="Output format (default: from the extension of FILE).")
@build_options
@_handle_errors
def flows_command(reports, output, fmt, **options):
    """Build triangulated origin -> destination flows from REPORTS (a CSV file, or - for standard input).

    A flows file written by this command (.geojson, .json, .gpkg) is written again in the format of FILE.

    \b
    idpmap flows reports.csv -o flows.geojson
    idpmap flows reports.csv -o flows.gpkg --level admin2 --min-people 500
    idpmap flows reports.csv -o flowmap/ --format flowmap
    idpmap flows flows.geojson -o flows.csv
    """
    from mapper.io import check_flows_output, flows_format, write_flows

    _protect_options(options["protect_sites"], options["protect_kinds"])
    _priority_list(options["priority"])
    _defaults(options["defaults"])
    _columns(options["columns"])
    # Refuse a clobbering output before the (possibly long) build, not after it.
    check_flows_output(output, format=fmt, force=options["force"])
    if reports != "-" and reports.lower().endswith(_FLOWS_SUFFIXES):  # flows already built: written in a new format
        from mapper.io import read_flows

        _refuse_build_options(reports, options, "a flows file is written again as it is",
                              also=(("--min-people", "min_people"),))
        flowset = read_flows(reports)
    else:
        frame = _read_reports_file(reports, options)
        flowset = _build(frame, options)
    written = write_flows(flowset, output, format=fmt, force=options["force"])
    where = ", ".join(str(p) for p in written) or "standard output"
    left = sum(int(item.people) for item in flowset.left_out)
    left_text = (f", {len(flowset.left_out)} left out (listed in the output) with {left:,} people"
                 if flowset.left_out else ", none left out")
    at_places = _people_at_places(flowset)
    total = _people_on_flows(flowset) + max(at_places, 0)  # a flows file from another tool may not give its total
    click.echo(f"idpmap: {len(flowset.flows)} flows, {total:,} people{left_text} -> {where}", err=True)
    kind = flows_format(output, fmt)
    if at_places > 0 and kind not in ("geojson", "gpkg"):  # the formats with a places layer
        click.echo(f"idpmap: note: a {kind} file holds flows only; the {at_places:,} people counted at places "
                   "(arrivals or departures with no flow) are not in it: write .geojson or .gpkg to keep them",
                   err=True)


#: Suffixes of flows files (written by `idpmap flows`), read as flows and not as reports.
_FLOWS_SUFFIXES = (".geojson", ".json", ".gpkg")


def _refuse_build_options(input_path, options, advice, *, also=()):
    """Options of the flow builder given for a file of flows already built: an error naming them."""
    given = [name for name, key in (("--from", "start"), ("--to", "end"), ("--protect-sites", "protect_sites"),
                                    ("--protect-kinds", "protect_kinds"), ("--priority", "priority"),
                                    ("--people-per-family", "people_per_family"),
                                    ("--split-regions", "split_regions"), ("--default", "defaults"),
                                    ("--column", "columns"), *also)
             if options[key]]
    given += ["--level"] if options["level"] != "place" else []
    if given:
        verb = "apply" if len(given) > 1 else "applies"
        raise InputError(f"{input_path}: {', '.join(given)} {verb} to a reports CSV; {advice}")


def _people_on_flows(flowset) -> int:
    return int(flowset.flows["people"].sum()) if len(flowset.flows) else 0


def _people_at_places(flowset) -> int:
    """People counted at places on their own (arrivals or departures with no flow): the total beyond the flows."""
    return int(getattr(flowset.meta, "total_people", 0) or 0) - _people_on_flows(flowset)


# --- map command ---

#: Output suffixes of ``idpmap map``: the interactive HTML map, or a static image for reports.
_MAP_FORMATS = {".html": "html", ".htm": "html", ".png": "image", ".svg": "image", ".pdf": "image"}
#: Input file stems too generic to name a map after; the folder's name is used instead.
_GENERIC_STEMS = {"reports", "flows", "locations", "input", "data"}


def _default_map_output(input_path):
    """output/<name>.html, named after the input file, or after its folder when the file is just 'reports.csv'
    (output/map.html for standard input)."""
    from pathlib import Path

    path = Path(input_path)
    name = "map" if input_path == "-" else path.stem
    if name.lower() in _GENERIC_STEMS and path.resolve().parent.name:
        name = path.resolve().parent.name
    out = Path("output")
    out.mkdir(exist_ok=True)
    return out / f"{name}.html"


def _is_reports_csv(head, encoding):
    """True when the first bytes ``head`` are a reports CSV: any CSV whose header is not a flows file's (idpmap's
    ``flow_id`` / ``origin_lat`` columns, flowmap.blue's ``origin``/``dest`` flows or ``id``/``lat``/``lon``
    locations). A table that is neither then gets the reports reader's errors, which name the missing fields."""
    import csv
    import io

    if head.startswith(b"SQLite format 3") or head.lstrip()[:1] in (b"{", b"["):
        return False
    for codec in ([encoding] if encoding else []) + ["utf-8-sig", "utf-16", "cp1256"]:
        try:
            text = head.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        lines = text.splitlines()
        if not lines:
            return False
        header = next(csv.reader(io.StringIO(lines[0])), [])
        columns = {c.strip().lower() for c in header}
        if {"report_id", "kind"} <= columns:
            return True
        return not ({"flow_id", "origin_lat"} & columns or {"origin", "dest"} <= columns
                    or {"id", "lat", "lon"} <= columns)
    return False


@cli.command("map")
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Output file: .html (interactive, offline) or .png/.svg/.pdf (static image). "
                   "Default: output/<name>.html, named after the input (or its folder for reports.csv).")
@click.option("--title", help="Map title (default: from the data and its period).")
@click.option("--online-tiles", is_flag=True,
              help="Offer OpenStreetMap tiles in the layer control (off by default: the map works offline).")
@build_options
@_handle_errors
def map_command(input_path, output, title, online_tiles, **options):
    """Draw INPUT (a reports CSV, or a flows file from `idpmap flows`; - for standard input) as one offline map.

    \b
    idpmap map examples/idlib_dec_2019/reports.csv        -> output/idlib_dec_2019.html
    idpmap map reports.csv -o output/idlib.html --min-people 500
    idpmap map flows.geojson -o report.png                 static image (.png, .svg, .pdf)
    """
    from pathlib import Path

    from mapper.atomic import check_target
    from mapper.inputs import check_input_file

    if input_path != "-":
        check_input_file(input_path)  # a FIFO or a device would hang or fill the memory
    output = Path(output) if output else _default_map_output(input_path)
    kind = _MAP_FORMATS.get(output.suffix.lower())
    if kind is None:
        raise InputError(f"{output}: unknown map format {output.suffix!r}; use .html, .png, .svg or .pdf")
    check_target(output, force=options["force"])  # before the build, not after it
    _protect_options(options["protect_sites"], options["protect_kinds"])
    if input_path == "-":
        from mapper.inputs import read_input

        data = read_input(sys.stdin.buffer, "<stdin>")[1]  # bounded by the input size limit
        head = data[:65536]
    else:
        data = None
        with open(input_path, "rb") as fh:
            head = fh.read(65536)
    flows_suffix = input_path != "-" and input_path.lower().endswith(_FLOWS_SUFFIXES)
    # --column says the table is a reports table with headers of its own, whatever they look like.
    if not flows_suffix and (options["columns"] or _is_reports_csv(head, options["encoding"])):
        frame = _read_reports_file(input_path, options, data=data)
        flowset = _build(frame, options)
    else:
        _refuse_build_options(input_path, options, "pass them to `idpmap flows` when building this flows file")
        from mapper.io import read_flows

        if data is not None:
            raise InputError("-: a flows file is read by name (standard input takes a reports CSV)")
        flowset = read_flows(input_path, encoding=options["encoding"])
    min_people, force = options["min_people"], options["force"]
    if kind == "html":
        from mapper.render import render_map

        render_map(flowset, output, title=title, min_people=min_people, online_tiles=online_tiles, force=force)
    else:
        from mapper.static import render_image

        render_image(flowset, output, title=title, min_people=min_people, force=force)
    drawn = len(flowset.flows) if min_people <= 0 else int((flowset.flows["people"] >= min_people).sum())
    counted = _people_at_places(flowset)
    click.echo(f"wrote {output} ({drawn} flows" + (f"; {counted:,} people counted at places)" if counted > 0 else ")"))


# --- extract command ---


def _read_article_text(path, encoding):
    """The text of one article: a file, or standard input for ``-`` (bounded, devices and FIFOs refused)."""
    from pathlib import Path

    from mapper.inputs import read_input

    try:
        if path == "-":
            return read_input(sys.stdin.buffer, "stdin")[1].decode(encoding), "stdin"
        text = read_input(path)[1].decode(encoding)
        return text.replace("\r\n", "\n").replace("\r", "\n"), Path(path).stem  # as read_text's newlines
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: cannot decode byte {err.start} as {encoding}: {err.reason}; try --encoding") \
            from err


def _article_paths(articles):
    """The article files named: a folder stands for the ``.txt`` files in it (sorted by name)."""
    from pathlib import Path

    for path in articles:
        if path != "-" and Path(path).is_dir():
            found = sorted(p for p in Path(path).iterdir() if p.suffix.lower() == ".txt" and p.is_file())
            if not found:
                raise click.BadParameter(f"{path}: no .txt articles in this folder", param_hint="'ARTICLE...'")
            yield from (str(p) for p in found)
        else:
            yield path


@cli.command("extract")
@click.argument("articles", metavar="ARTICLE...", nargs=-1, required=True,
                type=click.Path(allow_dash=True))
@click.option("--published", metavar="DATE",
              help="Publication date (ISO or '27 December 2019'); relative periods are read against it. "
                   "Default: the article's 'Published:' header, dateline or byline.")
@click.option("--publisher", metavar="NAME",
              help="Publisher (default: the article's 'Publisher:' header, masthead or agency credit).")
@click.option("--url", help="Address of the article (default: the article's 'URL:' header).")
@click.option("--lang", type=click.Choice(["auto", "en", "fr", "ar"]), default="auto", show_default=True,
              help="Language of the articles.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="Draft reports CSV to write ('-' or none: standard output).")
@click.option("--review", is_flag=True,
              help="Print a readable table of the rows with their quotes (to standard error when the CSV goes to "
                   "standard output with -o -).")
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Leave out rows below this confidence.")
@click.option("--encoding", default="utf-8", show_default=True, help="Encoding of the articles.")
@click.option("--force", is_flag=True, help="Overwrite an output file that idpmap did not write.")
@_handle_errors
def extract_command(articles, published, publisher, url, lang, output, review, min_confidence, encoding, force):
    """Draft displacement reports from news articles (plain text files, or folders of .txt files).

    Each row is a report in the format 'idpmap flows' reads, plus the sentence it came from (quote, char_start,
    char_end) and a confidence; the drafts of several articles go into one file. A row a map cannot use as it is
    (a vague figure, no period, no place, a name not placed) has status=needs_review and says why in review_note;
    'map' and 'flows' list such rows as left out. Cells a spreadsheet could run as a formula start with '.
    Review the draft before mapping it; to map it at once:

    \b
        idpmap extract ARTICLE... -o - | idpmap map - -o map.html
    """
    from mapper.atomic import atomic_open
    from mapper.extract import ArticleError, date_articles, extract_reports, format_review, read_article
    from mapper.extract.review import printable, write_drafts

    try:
        read_article("", published=published)
    except ArticleError as err:
        raise click.BadParameter(str(err), param_hint="'--published'") from err
    read = []
    names_seen: dict[str, int] = {}
    for path in _article_paths(articles):
        text, name = _read_article_text(path, encoding)
        names_seen[name] = names_seen.get(name, 0) + 1
        if names_seen[name] > 1:
            name = f"{name}-{names_seen[name]}"
        read.append(read_article(text, name=name, published=published, publisher=publisher, url=url, lang=lang,
                                 path=path))
    extractions = []
    for article in date_articles(read):
        extraction = extract_reports(article)
        extraction.reports = [r for r in extraction.reports if r.confidence >= min_confidence]
        extractions.append(extraction)
    rows = [row for extraction in extractions for row in extraction.rows()]
    csv_to_stdout = output == "-" or (output is None and not review)
    if review:
        click.echo(format_review(extractions), err=csv_to_stdout)
    if csv_to_stdout:
        write_drafts(sys.stdout, rows)
    elif output is not None:
        with atomic_open(output, "w", force=force, newline="") as fh:
            write_drafts(fh, rows)
        click.echo(printable(f"wrote {len(rows)} draft report(s) from {len(extractions)} article(s) to {output}"),
                   err=True)
    held = sum(row["status"] == "needs_review" for row in rows)
    if held:
        click.echo(f"{held} of {len(rows)} row(s) need review before they can be mapped (status=needs_review)",
                   err=True)
    if not review:
        unplaced = [u for extraction in extractions for u in extraction.unplaced]
        if unplaced:
            click.echo(f"could not place {len(unplaced)} name(s):", err=True)
            for u in unplaced:
                click.echo(printable(f"  {u.article}: {u.name!r} (char {u.char_start}): {u.reason}"), err=True)
        if any(not e.article.published for e in extractions):
            missing = printable(", ".join(e.article.name for e in extractions if not e.article.published))
            click.echo(f"no publication date for {missing}: relative periods left empty; pass --published",
                       err=True)
        for e in extractions:
            if e.article.published_how == "estimated" and e.article.publication.uncertain:
                click.echo(printable(f"publication date of {e.article.name} estimated from its text: "
                                     f"{e.article.publication.span()}; pass --published to fix it"), err=True)
