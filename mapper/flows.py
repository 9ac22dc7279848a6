"""Build origin -> destination displacement flows from reports: resolve, split, triangulate, aggregate.

:func:`build_flows` turns the reports frame of :mod:`mapper.reports` into a :class:`~mapper.model.FlowSet`. The
rules below are the ones the README links to; each is covered by a test in ``tests/mapper/test_flows.py``.

Names
    ``origin`` and ``destination`` hold one or more names separated by ``;`` (each stripped). Every distinct
    ``(name, *_within)`` pair is resolved once through the gazetteer (``resolve_many``), with the report's
    ``origin_within`` / ``destination_within`` as context. The context is taken as a fact: a name whose only match
    lies outside it (a namesake in another district) counts as unresolved, naming the namesake; regions, loose
    areas that may straddle admin borders, are exempt. A name that does not resolve, or that is ambiguous
    without more context, stops the build with :class:`~mapper.errors.UnresolvedPlacesError` listing every such name
    at once, with suggestions (nearest names, or the competing candidates). With ``allow_unresolved=True`` the
    reports naming them are left out instead -- the whole report, listed in ``left_out`` as ``"unresolved name"``
    or ``"ambiguous name"`` with its people and report ids, never silently.

Origins
    An origin that is an area (governorate, district, subdistrict, region) is drawn from the area's own point, the
    coordinate the gazetteer gives it (its centroid or seat); origins are never split into their settlements.
    A report naming several origins splits its figure equally across them (the split is recorded in
    ``split_rule`` as ``"origin equal (N origins)"``).

Destinations
    A destination that is a region whose children are camp clusters (``camps along the Turkish border``) is
    replaced by those clusters; a camp cluster whose children are camps is replaced by the camps (one level of
    expansion only: a region becomes clusters, not camps). The figure is split in two steps: across the named
    destinations, then within each expanded one. Each step splits by population (for a camp or cluster its
    population or capacity; an expanded destination weighs the sum of its members) when every member of the step
    has one, else equally. ``split_rule`` records what was done, e.g. ``"single"``, ``"equal (2 destinations)"``,
    ``"by population (4 destinations)"``, ``"equal (2 destinations); by population within camps along the Turkish
    border (5 camp clusters)"``. A report without a destination (or without an origin) cannot be drawn: it still
    backs and widens a triangulated flow (below), and when nothing in its cluster can be drawn the cluster is left
    out as ``"no destination"`` / ``"no origin"``. A report with neither is left out as ``"no origin or
    destination"``.

Triangulation (same movement)
    Two reports describe the same movement when their periods overlap (inclusive dates) and one of them *contains*
    the other: its origin area contains (or is) the other's origin area, and its destination area contains (or is)
    the other's destination area. Places are compared as areas of the OCHA admin hierarchy, down to the
    subdistrict: a governorate, district or subdistrict stands for itself; a settlement, camp, cluster or crossing
    for the subdistrict it lies in; a region for the finest admin area the gazetteer gives it (``southern Idlib``:
    Idlib governorate); a place with no P-code at all only for itself. Area A contains area B when A's P-code is a
    prefix of B's (SY07 > SY0702 > SY070200). Destinations are compared after expansion, so ``camps along the
    Turkish border`` contains ``Atme`` (both in Dana subdistrict). A report without a destination contains every
    destination (and one without an origin every origin): "215,000 fled Idlib governorate since November", with no
    destination, backs every movement out of Idlib governorate in its period. With several names, any pair of
    names may carry the containment. Reports are compared whole, before any splitting. Clusters are the connected
    components of this relation, so chains join (A contains B, B overlaps C in time and contains C) and the result
    does not depend on the rows' order. Two reports that only cross -- one wider at the origin, the other wider at
    the destination -- are not the same movement unless a third report contains both.

    In a cluster the flows carry the estimate (``people``) of one report, chosen by agency priority (earliest in
    the priority list; unknown agencies after every listed one), then the latest ``published`` date (a missing
    date counts as the oldest), then the largest ``people``, then the earliest period, then the smallest
    ``report_id``; only reports with both an origin and a destination can be chosen. The chosen report's origins,
    destinations and splitting draw the flows, and its period is the flows' period (its estimate covers that
    period, not the union of the cluster's). ``people_min`` / ``people_max`` span every report of the cluster (the
    smallest ``people_min``, the largest ``people_max``), split with the same fractions as ``people``.
    ``sources`` lists every report of the cluster in a fixed order (period start, period end, people, agency,
    report id). Reports in different clusters add up.

Agencies
    :data:`DEFAULT_PRIORITY` is UN OCHA, UNHCR, IOM, SRCG (Syria Response Coordination Group), RCT (Response
    Coordinators Team), SOHR (OSDH), local councils, media. Agency names are compared after lower-casing and
    dropping punctuation, through a small table of aliases (``OCHA``, ``United Nations Office for the
    Coordination of Humanitarian Affairs``, ``OSDH``, ``Syrian Observatory for Human Rights`` ...); a priority entry
    also matches an agency whose name contains it as whole words (``local council`` matches ``Maarat al-Numan Local
    Council``).

Window, level, min-people
    ``start`` / ``end`` keep the reports whose period overlaps the window (inclusive); figures are **not
    prorated** to the part of the period inside the window. Reports outside are summarised in ``left_out`` as
    ``"outside window"``. ``level`` (``place``, ``admin3``, ``admin2``, ``admin1``) replaces each flow's origin and
    destination by the admin area of that level containing it (``gazetteer.by_pcode`` of its admin code). A place
    already as coarse as the level (a district at ``admin3``) and a region stay as they are; a place without a
    P-code of that level goes to the finest coarser admin area it has (a town with no subdistrict code goes to its
    district at ``admin3``), or stays as it is when it has none; ``meta["level_notes"]`` names the regions kept
    and the places moved to a coarser area.
    Flows with the same origin and destination are then summed (people, minimum, maximum; periods unioned;
    sources of every cluster behind them, cluster by cluster). An origin and destination that fall in
    one area stay as a zero-length flow, so people are conserved. Flows under ``min_people`` are left out as
    ``"below min-people"`` with their people, for the legend; per-place totals count the drawn flows only.

Incidents
    Rows of kind ``incident`` become points, one per resolved place named in ``origin`` (or, when empty,
    ``destination``), each with its report as ``sources``; they are filtered by the window like displacements. An
    incident naming no place is left out as ``"no place"``.

Protected sites
    With ``protect_sites_km`` the coordinates of camps and camp clusters (or of the kinds ``protect_kinds`` names,
    any of :data:`gazetteer.places.KINDS`) are snapped to the centre of a grid cell of that size (cells of
    ``km / 111.32`` degrees of latitude and ``km / (111.32 cos lat)`` of longitude) as soon as the gazetteer hands
    the place over, so every geometry, distance, border distance, label and export is built from the snapped point
    and the exact one goes nowhere. ``meta["protect_sites_km"]`` and ``meta["protect_kinds"]`` record it.

Distances
    ``distance_km`` is geodesic on the WGS84 ellipsoid (pyproj); ``origin_border_km`` / ``dest_border_km`` and the
    places' ``border_km`` come from :func:`mapper.borders.border_distance_km`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re

import numpy as np
import pandas as pd

from gazetteer.errors import GazetteerError

from .atomic import GENERATOR
from .errors import MapperError, UnresolvedPlacesError
from .model import FLOW_COLUMNS, INCIDENT_COLUMNS, PLACE_COLUMNS, FlowSet, LeftOut

__all__ = ["build_flows", "DEFAULT_PRIORITY", "DEFAULT_PROTECT_KINDS", "LEVELS", "agency_rank",
           "protected_sites_label"]

#: Agencies whose estimate wins when reports of one movement overlap, highest priority first.
DEFAULT_PRIORITY = ("UN OCHA", "UNHCR", "IOM", "SRCG", "RCT", "SOHR", "local council", "media")

#: Place kinds whose coordinates ``protect_sites_km`` generalises unless ``protect_kinds`` names others.
DEFAULT_PROTECT_KINDS = ("camp", "camp_cluster")

#: Aggregation levels accepted by ``build_flows(level=...)``, finest first.
LEVELS = ("place", "admin3", "admin2", "admin1")

_LEVEL_NUMBER = {"admin1": 1, "admin2": 2, "admin3": 3}
_ADMIN_KIND_LEVEL = {"governorate": 1, "district": 2, "subdistrict": 3}
_PCODE_LENGTH = {0: 0, 1: 4, 2: 6, 3: 8}

# Normalised spellings of the agencies of the default list (and their French/Arabic-transliterated names).
_AGENCY_ALIASES = {
    "un ocha": "un ocha",
    "ocha": "un ocha",
    "unocha": "un ocha",
    "united nations ocha": "un ocha",
    "united nations office for the coordination of humanitarian affairs": "un ocha",
    "un office for the coordination of humanitarian affairs": "un ocha",
    "unhcr": "unhcr",
    "un refugee agency": "unhcr",
    "united nations high commissioner for refugees": "unhcr",
    "hcr": "unhcr",
    "iom": "iom",
    "international organization for migration": "iom",
    "oim": "iom",
    "srcg": "srcg",
    "response coordination group": "srcg",
    "syria response coordination group": "srcg",
    "rct": "rct",
    "response coordinators team": "rct",
    "response coordinators": "rct",
    "syria response coordinators": "rct",
    "response coordinators group": "rct",
    "sohr": "sohr",
    "osdh": "sohr",
    "syrian observatory for human rights": "sohr",
    "observatoire syrien des droits de l homme": "sohr",
    "observatoire syrien des droits de lhomme": "sohr",
}

_REQUIRED_COLUMNS = (
    "report_id", "kind", "figure_min", "figure_max", "qualifier", "unit", "people_min", "people_max", "people",
    "period_start", "period_end", "origin", "destination", "origin_within", "destination_within", "agency",
    "publisher", "published", "url", "note",
)

_NON_WORD = re.compile(r"[^\w]+")
#: Unresolved names an error lists with suggestions (UnresolvedPlacesError shows this many; the rest are counted):
#: a file of 100,000 unknown names must not search for 100,000 suggestions.
_SUGGESTED_NAMES = 20


def _norm_agency(name: str) -> str:
    return _NON_WORD.sub(" ", str(name).casefold()).strip()


def _canonical_agency(name: str) -> str:
    key = _norm_agency(name)
    return _AGENCY_ALIASES.get(key, key)


def agency_rank(agency: str, priority=DEFAULT_PRIORITY) -> int:
    """Position of ``agency`` in ``priority`` (0 is the highest); ``len(priority)`` for an unknown agency.

    Parameters
    ----------
    agency : str
        The agency as a report names it (``"OCHA"``, ``"Syrian Observatory for Human Rights"`` ...).
    priority : sequence of str
        Agencies, highest priority first; matched through the alias table, or as whole words of ``agency``.

    Returns
    -------
    int
    """
    canon = _canonical_agency(agency)
    padded = f" {canon} "
    for i, entry in enumerate(priority):
        want = _canonical_agency(entry)
        if want and (want == canon or f" {want} " in padded):
            return i
    return len(priority)


# --------------------------------------------------------------------------------------------------- options


def _check_date(value, what):
    if value is None or isinstance(value, dt.datetime):
        return value.date() if isinstance(value, dt.datetime) else None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as err:
            raise MapperError(f"{what}: expected an ISO date YYYY-MM-DD, got {value!r}") from err
    raise MapperError(f"{what}: expected an ISO date YYYY-MM-DD, got {value!r}")


def _check_options(level, min_people, priority, protect_sites_km):
    if level not in LEVELS:
        raise MapperError(f"level: expected one of {', '.join(LEVELS)}, got {level!r}")
    try:
        min_people = float(min_people or 0)
    except (TypeError, ValueError) as err:
        raise MapperError(f"min_people: expected a number, got {min_people!r}") from err
    if not math.isfinite(min_people) or min_people < 0:
        raise MapperError(f"min_people: expected a number >= 0, got {min_people!r}")
    if priority is None:
        priority = DEFAULT_PRIORITY
    elif isinstance(priority, str):
        priority = tuple(p.strip() for p in priority.split(",") if p.strip())
    else:
        priority = tuple(str(p) for p in priority)
    if protect_sites_km is not None:
        try:
            protect_sites_km = float(protect_sites_km)
        except (TypeError, ValueError) as err:
            raise MapperError(f"protect_sites_km: expected a number of km, got {protect_sites_km!r}") from err
        if not math.isfinite(protect_sites_km) or protect_sites_km <= 0:
            raise MapperError(f"protect_sites_km: expected a number of km > 0, got {protect_sites_km!r}")
    return min_people, priority, protect_sites_km


def protected_sites_label(kinds) -> str:
    """How a legend names the generalised places: ``"Camp locations"`` for the default kinds, else e.g.
    ``"Locations of camps, camp clusters and villages"``.

    Parameters
    ----------
    kinds : sequence of str or None
        ``meta["protect_kinds"]`` of a FlowSet.

    Returns
    -------
    str
    """
    kinds = [str(k).replace("_", " ") for k in (kinds or ()) if k]
    if set(kinds) <= {"camp", "camp cluster"}:
        return "Camp locations"
    plural = [k if k.endswith("s") else k + "s" for k in kinds]
    listed = plural[0] if len(plural) == 1 else ", ".join(plural[:-1]) + " and " + plural[-1]
    return f"Locations of {listed}"


def _check_protect_kinds(kinds):
    """``protect_kinds`` as a tuple of known place kinds (a comma-separated string or a sequence)."""
    from gazetteer.places import KINDS

    if kinds is None:
        return DEFAULT_PROTECT_KINDS
    if isinstance(kinds, str):
        kinds = kinds.split(",")
    try:
        kinds = tuple(dict.fromkeys(str(k).strip() for k in kinds if str(k).strip()))
    except TypeError as err:
        raise MapperError(f"protect_kinds: expected place kinds separated by commas, got {kinds!r}") from err
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise MapperError(f"protect_kinds: expected kinds among {', '.join(KINDS)}, got "
                          f"{', '.join(map(repr, unknown)) or 'none'}")
    return kinds


def _check_reports(reports):
    if not isinstance(reports, pd.DataFrame):
        raise MapperError(f"reports: expected the DataFrame of mapper.reports.read_reports, got {type(reports)!r}")
    missing = [c for c in _REQUIRED_COLUMNS if c not in reports.columns]
    if missing:
        raise MapperError(f"reports: missing column(s) {', '.join(missing)}")


_EPOCH = dt.date(1970, 1, 1)
_NO_DATE = np.iinfo(np.int64).min // 2


def _day_numbers(series, *, missing_ok=False) -> np.ndarray:
    """Dates (datetime.date, Timestamp or ISO strings) as int64 days since 1970-01-01.

    Each distinct value is parsed once (a million reports carry a few hundred dates). With ``missing_ok`` an empty
    or unreadable value becomes a day before any other.
    """
    codes, uniques = pd.factorize(pd.Series(series, dtype=object).fillna(""), sort=False)
    if len(uniques) == 0:
        return np.zeros(len(codes), dtype=np.int64)
    values = pd.Series(uniques, dtype=object).map(lambda v: None if isinstance(v, str) and not v.strip() else v)
    parsed = pd.to_datetime(values, errors="coerce" if missing_ok else "raise", format="mixed")
    days = parsed.to_numpy(dtype="datetime64[D]")
    out = np.where(np.isnat(days), _NO_DATE, days.astype(np.int64))
    return out[codes]


def _iso_from_days(days) -> np.ndarray:
    return np.asarray(days, dtype="int64").astype("datetime64[D]").astype(str)


def _canonical_rank(df: pd.DataFrame) -> np.ndarray:
    """Each row's position in a fixed order of the reports: period, people, agency, then report id.

    Only rows tied on everything else are ordered by their report id in Python, so a million reports need no
    string sort (slow) beyond the few distinct agencies.
    """
    n = len(df)
    if n == 0:
        return np.zeros(0, dtype=np.int64)

    def by_string(column):
        codes, uniques = _factorize_text(df[column].to_numpy())
        ranks = np.argsort(np.argsort(np.asarray(uniques, dtype=str), kind="stable"), kind="stable")
        return ranks[codes]

    start, end = df["_s"].to_numpy(), df["_e"].to_numpy()
    people = np.unique(df["people"].to_numpy(dtype=float), return_inverse=True)[1].reshape(-1)
    agency = by_string("agency")
    # Two packed keys sort faster than four (days and ranks are small non-negative integers).
    period = (start - start.min()) * (int(end.max() - end.min()) + 1) + (end - end.min())
    keys = [period, people * (int(agency.max()) + 1) + agency]
    order = np.lexsort(keys[::-1])
    tie = np.ones(n - 1, dtype=bool)
    for key in keys:
        ordered = key[order]
        tie &= ordered[1:] == ordered[:-1]
    if tie.any():
        group = np.cumsum(np.r_[True, ~tie])
        size = np.bincount(group)
        tied = np.flatnonzero(size[group] > 1)
        ids = df["report_id"].to_numpy(dtype=object)
        fixed = sorted(tied, key=lambda i: (group[i], str(ids[order[i]])))
        order[tied] = order[np.array(fixed, dtype=np.int64)]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return rank


# ------------------------------------------------------------------------------------------------ places


def _snap(place, km):
    """The place with its coordinate moved to the centre of its ``km`` grid cell."""
    dlat = km / 111.32
    lat = (math.floor(place.lat / dlat) + 0.5) * dlat
    dlon = km / (111.32 * max(math.cos(math.radians(lat)), 1e-6))
    lon = (math.floor(place.lon / dlon) + 0.5) * dlon
    return dataclasses.replace(place, lat=round(lat, 6), lon=round(lon, 6))


def _footprint(place) -> str:
    """The code a place is compared by in triangulation: its admin area down to the subdistrict.

    P-codes nest by prefix (SY07 > SY0702 > SY070200), so "area A contains area B" is "A's code is a prefix of
    B's". A place with no P-code at all gets ``#id``, which overlaps only itself.
    """
    if place.kind in _ADMIN_KIND_LEVEL and place.pcode:
        return place.pcode
    for code in (place.admin3, place.admin2, place.admin1):
        if code:
            return code
    return "#" + place.id


class _Places:
    """Resolution and lookups against the gazetteer, each distinct question asked once."""

    def __init__(self, gazetteer, protect_sites_km, protect_kinds=DEFAULT_PROTECT_KINDS):
        self.g = gazetteer
        self.protect = protect_sites_km
        self.protect_kinds = frozenset(protect_kinds)
        self.by_id = {}  # id -> Place (snapped when protecting sites)
        self._children = {}

    def add(self, place):
        known = self.by_id.get(place.id)
        if known is None:
            if self.protect and place.kind in self.protect_kinds:
                place = _snap(place, self.protect)
            self.by_id[place.id] = known = place
        return known

    def children(self, place):
        kids = self._children.get(place.id)
        if kids is None:
            kids = self._children[place.id] = [self.add(k) for k in self.g.children(place.id)]
        return kids

    def resolve(self, pairs):
        """Resolve ``(name, within)`` pairs; returns {pair: Place} and {pair: (what, suggestions)}."""
        found, failed = {}, {}
        by_within = {}
        for name, within in pairs:
            by_within.setdefault(within, []).append(name)
        for within, names in by_within.items():
            try:
                matches = self.g.resolve_many(names, within=within or None)
            except GazetteerError as err:
                for name in names:
                    failed[(name, within)] = ("unresolved name", [f"context {within!r}: {err}"])
                continue
            for name, match in zip(names, matches):
                key = (name, within)
                if (match.place is not None and within and match.place.kind != "region"
                        and not self.g.is_within(match.place, within)):
                    # The report states the context as a fact: a namesake elsewhere is not the place it means.
                    # (Regions are loose areas that may straddle admin borders: the context cannot rule them out.)
                    failed[key] = ("unresolved name", [f"only {_describe(match.place)}, outside {within}"])
                elif match.place is not None and not match.ambiguous:
                    found[key] = self.add(match.place)
                elif match.ambiguous:
                    cands = ([match.place] if match.place is not None else []) + list(match.alternatives)
                    failed[key] = ("ambiguous name", [_describe(p) for p in cands])
                elif within and match.alternatives:  # the gazetteer names the namesakes outside the context
                    failed[key] = ("unresolved name", [f"only {_describe(p)}, outside {within}"
                                                       for p in match.alternatives[:3]])
                else:
                    # Suggestions cost a search each: made only for the names an error shows (see build_flows).
                    failed[key] = ("unresolved name", (name, within, match))
        return found, failed

    def _suggest(self, name, within, match):
        names = [p.name for p in match.alternatives]
        if not names:
            try:
                names = [m.place.name for m in self.g.search(name, limit=3, within=within or None) if m.place]
            except GazetteerError:
                names = []
        return list(dict.fromkeys(names))[:3]

    def at_level(self, place, level):
        """The admin area of ``level`` containing ``place`` and a note when it stays finer or as it is."""
        if level == "place":
            return place, None
        want = _LEVEL_NUMBER[level]
        own = _ADMIN_KIND_LEVEL.get(place.kind)
        if place.kind in ("region", "country"):
            return place, f"{place.name} kept as a {place.kind}: it is no {level} area"
        if own is not None and own <= want:
            return place, None
        codes = (place.admin1, place.admin2, place.admin3)
        for k in range(want, 0, -1):
            code = codes[k - 1]
            if not code:
                continue
            area = self.g.by_pcode(code)
            if area is None:
                continue
            area = self.add(area)
            note = None if k == want else f"{place.name} kept at admin{k}: no {level} area for it in the gazetteer"
            return area, note
        return place, f"{place.name} kept as it is: no admin area of {level} in the gazetteer"


def _describe(place) -> str:
    where = place.admin2 or place.admin1 or place.pcode
    return f"{place.name} ({place.kind}, {place.id}" + (f", {where})" if where else ")")


def _split_names(text) -> tuple:
    return tuple(n.strip() for n in str(text).split(";") if n.strip())


def _combos(names: pd.Series, within: pd.Series):
    """Factorise ``(names, within)`` per row: codes per row and the distinct ``(tuple of names, within)``."""
    n_codes, n_uni = _factorize_text(names.to_numpy())
    w_codes, w_uni = _factorize_text(within.to_numpy())
    w_uni = [w.strip() for w in w_uni]
    width = max(len(w_uni), 1)
    codes, uniques = pd.factorize(n_codes.astype(np.int64) * width + w_codes, sort=False)
    combos = [(_split_names(n_uni[c // width]), w_uni[c % width]) for c in np.asarray(uniques)]
    return codes, combos


def _weights_rule(places, what):
    """Weights (summing to 1) by population when every place has one, else equal; and the rule's words."""
    pops = [p.population for p in places]
    n = len(places)
    if all(isinstance(v, (int, float)) and v and v > 0 for v in pops):
        total = float(sum(pops))
        return [v / total for v in pops], f"by population ({n} {what})"
    return [1.0 / n] * n, f"equal ({n} {what})"


_KIND_PLURAL = {"camp_cluster": "camp clusters", "camp": "camps"}


class _Destinations:
    """Expansion and split of a destination list, cached per distinct list."""

    def __init__(self, places: _Places):
        self.places = places

    def expand(self, place):
        """Members replacing ``place``: camp clusters of a region, camps of a cluster; ``None`` if not expanded."""
        if place.kind == "region":
            kids = [k for k in self.places.children(place) if k.kind == "camp_cluster"]
        elif place.kind == "camp_cluster":
            kids = [k for k in self.places.children(place) if k.kind == "camp"]
        else:
            return None
        return kids or None

    def split(self, dests):
        """[(place, fraction)], split_rule for the destinations named by one report."""
        groups = [(d, self.expand(d)) for d in dests]

        def weight_place(d, members):
            if members is None:
                return d
            pops = [m.population for m in members]
            total = sum(pops) if all(isinstance(v, (int, float)) and v and v > 0 for v in pops) else None
            return dataclasses.replace(d, population=total)

        if len(groups) == 1:
            top_w, top_rule = [1.0], None
        else:
            top_w, top_rule = _weights_rule([weight_place(d, m) for d, m in groups], "destinations")
        parts, rules = [], ([top_rule] if top_rule else [])
        for (d, members), w in zip(groups, top_w):
            if members is None:
                parts.append((d, w))
                continue
            kinds = {m.kind for m in members}
            what = _KIND_PLURAL.get(kinds.pop(), "places") if len(kinds) == 1 else "places"
            sub_w, sub_rule = _weights_rule(members, what)
            if len(groups) == 1:
                rules.append(sub_rule)
            else:
                rules.append(f"{sub_rule.split(' (')[0]} within {d.name} ({sub_rule.split(' (', 1)[1]}")
            parts.extend((m, w * x) for m, x in zip(members, sub_w))
        merged = {}
        for place, frac in parts:
            merged[place.id] = (place, merged.get(place.id, (place, 0.0))[1] + frac)
        return list(merged.values()), ("; ".join(rules) if rules else "single")


# ------------------------------------------------------------------------------------------------ triangulation

_TIME_SPAN = 1 << 22  # days; bucket numbers are multiplied by it to sort (bucket, day) as one int64


def _code_level(code: str) -> int:
    if code == "":
        return 0
    if code.startswith("#"):
        return -1
    return {4: 1, 6: 2, 8: 3}.get(len(code), -1)


def _code_index(codes):
    """Integer ids for ``codes`` and their truncations: level per id and, per level, the id of the truncation.

    ``trunc[k][i]`` is the id of code ``i`` cut to level ``k``, or ``-1`` when it has no such cut: a P-code coarser
    than level ``k``, an ``#id`` code for ``k >= 1``, any P-code for ``k == -1`` (``#id`` codes only equal
    themselves). Level 0 is the empty code, "anywhere", which every code is cut to.
    """
    vocab = {}

    def idx(c):
        if c not in vocab:
            vocab[c] = len(vocab)
        return vocab[c]

    base = [idx(c) for c in codes]
    for c in list(codes):
        lvl = _code_level(c)
        for k in range(0, max(lvl, 0) + 1):
            idx(c[:_PCODE_LENGTH[k]])
        idx("")
    words = list(vocab)
    level = np.array([_code_level(c) for c in words], dtype=np.int64)
    trunc = {-1: np.array([vocab[c] if _code_level(c) == -1 else -1 for c in words], dtype=np.int64)}
    for k in range(0, 4):
        trunc[k] = np.array([vocab[c[:_PCODE_LENGTH[k]]] if (_code_level(c) >= k or k == 0) else -1
                             for c in words], dtype=np.int64)
    return np.array(base, dtype=np.int64), level, trunc, len(words)


def _join_on_item(item_a, key_a, item_b, key_b):
    """Every (item, key_a, key_b) with ``key_a`` from a and ``key_b`` from b of the same item."""
    left = pd.DataFrame({"item": item_a, "ka": key_a}).drop_duplicates()
    right = pd.DataFrame({"item": item_b, "kb": key_b}).drop_duplicates()
    both = left.merge(right, on="item")
    return both["item"].to_numpy(), both["ka"].to_numpy(), both["kb"].to_numpy()


def _containment_edges(o_item, o_code, d_item, d_code, start, end, n_items):
    """Edges joining items to "anchor run" nodes (numbered from ``n_items``): see :func:`_triangulate`."""
    vocab_codes = pd.unique(np.concatenate([o_code, d_code]))
    base, level, trunc, n_codes = _code_index(list(vocab_codes))
    lookup = pd.Index(vocab_codes)
    o_id = base[lookup.get_indexer(o_code)]
    d_id = base[lookup.get_indexer(d_code)]
    o_lvl, d_lvl = level[o_id], level[d_id]
    us, vs = [], []
    next_node = n_items
    for ko in np.unique(o_lvl):
        for kd in np.unique(d_lvl):
            sel_o, sel_d = o_lvl == ko, d_lvl == kd
            a_item, a_ko, a_kd = _join_on_item(o_item[sel_o], o_id[sel_o], d_item[sel_d], d_id[sel_d])
            if len(a_item) == 0:
                continue
            to, td = trunc[int(ko)][o_id], trunc[int(kd)][d_id]
            m_o, m_d = to >= 0, td >= 0
            m_item, m_ko, m_kd = _join_on_item(o_item[m_o], to[m_o], d_item[m_d], td[m_d])
            # Anchors: items whose (origin, destination) areas are exactly this bucket's. They all describe the
            # same pair of areas, so overlapping anchors chain into runs covering their spans without gaps.
            a_bucket = a_ko * n_codes + a_kd
            a_s, a_e = start[a_item], end[a_item]
            order = np.lexsort((a_s, a_bucket))
            a_bucket, a_s, a_e, a_item = a_bucket[order], a_s[order], a_e[order], a_item[order]
            runmax = pd.Series(a_e).groupby(a_bucket).cummax().to_numpy()
            new = np.ones(len(a_item), dtype=bool)
            new[1:] = (a_bucket[1:] != a_bucket[:-1]) | (a_s[1:] > runmax[:-1])
            run = np.cumsum(new) - 1
            heads = np.flatnonzero(new)
            r_bucket, r_s = a_bucket[heads], a_s[heads]
            r_e = np.maximum.reduceat(a_e, heads)
            us.append(a_item)
            vs.append(next_node + run)
            # Members: items whose areas lie inside the bucket's (anchors too). Each is joined to every anchor run
            # of its bucket that its period overlaps: runs i..j of the sorted, disjoint runs.
            m_bucket = m_ko * n_codes + m_kd
            m_s, m_e = start[m_item], end[m_item]
            key_e = r_bucket * _TIME_SPAN + r_e
            key_s = r_bucket * _TIME_SPAN + r_s
            i = np.searchsorted(key_e, m_bucket * _TIME_SPAN + m_s, side="left")
            j = np.searchsorted(key_s, m_bucket * _TIME_SPAN + m_e, side="right") - 1
            ok = i < len(r_bucket)
            ok[ok] &= (r_bucket[i[ok]] == m_bucket[ok]) & (r_s[i[ok]] <= m_e[ok])
            i, j, m_item = i[ok], j[ok], m_item[ok]
            us.append(m_item)
            vs.append(next_node + i)
            # A member spanning several runs joins them: mark the gaps it bridges.
            span = j > i
            if span.any():
                diff = np.zeros(len(r_bucket) + 1, dtype=np.int64)
                np.add.at(diff, i[span], 1)
                np.add.at(diff, j[span], -1)
                bridged = np.flatnonzero(np.cumsum(diff)[:-1] > 0)
                us.append(next_node + bridged)
                vs.append(next_node + bridged + 1)
            next_node += len(r_bucket)
    if not us:
        return next_node, np.zeros(0, np.int64), np.zeros(0, np.int64)
    return next_node, np.concatenate(us), np.concatenate(vs)


def _components(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Connected-component labels (the smallest member index) of ``n`` nodes joined by edges ``u``-``v``."""
    labels = np.arange(n, dtype=np.int64)
    if len(u) == 0:
        return labels
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    while True:
        lu, lv = labels[u], labels[v]
        changed = lu != lv
        if not changed.any():
            return labels
        low = np.minimum(lu[changed], lv[changed])
        # Hook each root under the smaller one, then jump pointers until every node points at a root.
        np.minimum.at(labels, lu[changed], low)
        np.minimum.at(labels, lv[changed], low)
        while True:
            nxt = labels[labels]
            if np.array_equal(nxt, labels):
                break
            labels = nxt


def _triangulate(sig, start, end, o_entries, d_entries):
    """Cluster id per report: connected components of "same movement" (see the module docstring).

    Reports of one signature (the same origin and destination names) whose periods chain into each other form
    runs first; a run's periods cover its span without gaps, so a period overlaps the span exactly when it overlaps
    one of the run's reports, and runs can stand in for their reports. Containment is then found per pair of admin
    levels (ko, kd): runs whose origin area is a level-ko area and destination area a level-kd area are *anchors*
    of the bucket (that origin area, that destination area); every run whose areas lie inside is a *member* and is
    joined to the anchors its period overlaps. Everything is sorting and searching on integer arrays.
    """
    n = len(sig)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    base = start.min()  # days from the first start, so that (bucket, day) packs into one int64
    start, end = start - base, end - base
    order = np.lexsort((end, start, sig))
    s_sig, s_start, s_end = sig[order], start[order], end[order]
    runmax = pd.Series(s_end).groupby(s_sig).cummax().to_numpy()
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = (s_sig[1:] != s_sig[:-1]) | (s_start[1:] > runmax[:-1])
    run_sorted = np.cumsum(new_run) - 1
    heads = np.flatnonzero(new_run)
    run_sig, run_s = s_sig[heads], s_start[heads]
    run_e = np.maximum.reduceat(s_end, heads)
    n_runs = len(heads)
    # Entries per run: its signature's origin and destination codes.
    run_of_sig = pd.DataFrame({"run": np.arange(n_runs), "sig": run_sig})
    o = run_of_sig.merge(o_entries, on="sig")
    d = run_of_sig.merge(d_entries, on="sig")
    n_nodes, u, v = _containment_edges(o["run"].to_numpy(), o["code"].to_numpy(dtype=object),
                                       d["run"].to_numpy(), d["code"].to_numpy(dtype=object),
                                       run_s, run_e, n_runs)
    labels = _components(n_nodes, u, v)[:n_runs]
    cluster = np.empty(n, dtype=np.int64)
    cluster[order] = labels[run_sorted]
    return cluster


# ------------------------------------------------------------------------------------------------ outputs


_JSON_UNSAFE = re.compile(r'["\\\x00-\x1f]')


def _factorize_text(values):
    """Codes and distinct values (as str) of a text column; a missing value counts as ``""``."""
    values = np.asarray(values, dtype=object)
    if len(values) and isinstance(values[0], str) and (values == values[0]).all():
        # A column with one value (often an empty url or note column) needs no hashing.
        return np.zeros(len(values), dtype=np.int64), [values[0]]
    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=True)
    uniques = ["" if u is None else str(u) for u in uniques]
    if len(codes) and codes.min() < 0:
        codes = np.where(codes < 0, len(uniques), codes)
        uniques.append("")
    return codes, uniques


def _json_literals(texts) -> np.ndarray:
    """JSON string literals of a list of str."""
    texts = list(texts)
    if not _JSON_UNSAFE.search("".join(texts)):
        # The common case: nothing to escape; quoting is a plain concatenation.
        return np.array(['"' + t + '"' for t in texts], dtype=object)
    return np.array([json.dumps(t, ensure_ascii=False) for t in texts], dtype=object)


def _combine_codes(*code_arrays) -> np.ndarray:
    """One factorised code for each distinct combination of several code arrays."""
    combined = np.zeros(len(code_arrays[0]), dtype=np.int64)
    size = 1
    for codes in code_arrays:
        width = int(codes.max()) + 1 if len(codes) else 1
        if size * width >= 1 << 62:  # re-number before the packed code could overflow
            combined = pd.factorize(combined, sort=False)[0].astype(np.int64)
            size = int(combined.max()) + 1
        combined = combined * width + codes
        size *= width
    return pd.factorize(combined, sort=False)[0].astype(np.int64)


def _fragments(columns) -> np.ndarray:
    """Per row, the JSON members ``,"name":value`` of ``columns`` ({name: (codes, encoded distinct values)}).

    Each distinct combination of values is written once.
    """
    combo = _combine_codes(*(codes for codes, _ in columns.values()))
    first = pd.Series(np.arange(len(combo))).groupby(combo).first().to_numpy()
    pieces = [np.add(f',"{name}":', encoded[codes[first]]) for name, (codes, encoded) in columns.items()]
    return np.array(["".join(parts) for parts in zip(*pieces)], dtype=object)[combo]


def _sources_json(frame: pd.DataFrame) -> np.ndarray:
    """One JSON object (text) per report, with the fields of ``sources`` in :mod:`mapper.model`.

    Built from pre-encoded distinct values (a million reports repeat a few agencies, publishers, dates and
    figures), so that the work per report is one string concatenation.
    """
    if frame.empty:
        return np.array([], dtype=object)
    text = {}
    for name in ("agency", "publisher", "published", "url", "qualifier", "unit"):
        codes, uniques = _factorize_text(frame[name].to_numpy())
        text[name] = (codes, _json_literals(uniques))
    for name, col in (("period_start", "_s"), ("period_end", "_e")):
        codes, uniques = pd.factorize(frame[col].to_numpy(), sort=False)
        text[name] = (codes, _json_literals(_iso_from_days(np.asarray(uniques))))
    codes, uniques = _factorize_text(frame["note"].to_numpy())
    text["note"] = (codes, _json_literals(uniques))
    fmin = frame["figure_min"].to_numpy(dtype=float)
    fmax = frame["figure_max"].to_numpy(dtype=float)
    numbers = {}
    for name, values in (("figure", np.where(fmin == fmax, fmin, (fmin + fmax) / 2)), ("figure_min", fmin),
                         ("figure_max", fmax), ("people", frame["people"].to_numpy(dtype=float))):
        codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=False)
        numbers[name] = (codes, np.array([repr(float(u)) if math.isfinite(u) else "null" for u in uniques],
                                         dtype=object))
    head = _fragments(text)
    tail = _fragments(numbers)
    ids = [str(i) for i in frame["report_id"].to_numpy()]
    if _JSON_UNSAFE.search("".join(ids)):
        ids = [json.dumps(i, ensure_ascii=False)[1:-1] for i in ids]
    return np.array([f'{{"report_id":"{i}"{h}{t}}}' for i, h, t in zip(ids, head, tail)], dtype=object)


def _place_columns(prefix: str, places: list) -> dict:
    return {
        f"{prefix}id": [p.id for p in places],
        f"{prefix}name": [p.name for p in places],
        f"{prefix}name_ar": [p.name_ar for p in places],
        f"{prefix}kind": [p.kind for p in places],
        f"{prefix}lat": np.array([p.lat for p in places], dtype=float),
        f"{prefix}lon": np.array([p.lon for p in places], dtype=float),
        f"{prefix}pcode": [p.pcode for p in places],
        f"{prefix}admin1": [p.admin1 for p in places],
        f"{prefix}admin2": [p.admin2 for p in places],
        f"{prefix}admin3": [p.admin3 for p in places],
    }


def _border_km(lats, lons) -> np.ndarray:
    lats = np.asarray(lats, dtype=float)
    if len(lats) == 0:
        return np.zeros(0)
    from .borders import border_distance_km

    return np.asarray(border_distance_km(lats, np.asarray(lons, dtype=float)), dtype=float)


# Attribution lines for the keys that start a place's ``source`` in the bundled data (gazetteer/data/SOURCES.md).
def _attribution(places) -> list:
    """Who to credit: the gazetteer's sources of the places shown, then the border data."""
    from gazetteer.places import source_credit

    out = sorted(source_credit(place.source) for place in places)  # "" for points computed from other rows
    try:
        from .borders import load_borders

        border = load_borders().attribution
    except (MapperError, OSError) as err:
        raise MapperError(f"cannot load the border data for its attribution: {err}") from err
    out.append(str(border))
    return list(dict.fromkeys(a for a in out if a))


def _empty_frame(columns, gpd):
    return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in columns}, geometry=gpd.GeoSeries([], crs=4326),
                            crs="EPSG:4326")


# ------------------------------------------------------------------------------------------------ the build


def build_flows(reports, *, gazetteer=None, start=None, end=None, level="place", min_people=0, priority=None,
                allow_unresolved=False, protect_sites_km=None, protect_kinds=None) -> FlowSet:
    """Turn displacement reports into triangulated origin -> destination flows.

    Parameters
    ----------
    reports : pandas.DataFrame
        The frame of :func:`mapper.reports.read_reports` (one row per report).
    gazetteer : gazetteer.Gazetteer, optional
        Resolves the names; :meth:`Gazetteer.default` when not given.
    start, end : datetime.date or str, optional
        Keep the reports whose period overlaps this window (inclusive). Figures are not prorated.
    level : {"place", "admin3", "admin2", "admin1"}
        Aggregate origins and destinations to this admin level.
    min_people : float
        Leave out (and list in ``left_out``) flows carrying fewer people.
    priority : sequence of str, optional
        Agencies whose estimate wins in a triangulated cluster, highest first (:data:`DEFAULT_PRIORITY`).
    allow_unresolved : bool
        Leave out reports naming unresolved or ambiguous places instead of raising.
    protect_sites_km : float, optional
        Snap camps and camp clusters (or ``protect_kinds``) to a grid of this many km.
    protect_kinds : str or sequence of str, optional
        Place kinds to snap with ``protect_sites_km`` (a comma-separated string or a sequence, each one of
        :data:`gazetteer.places.KINDS`); default :data:`DEFAULT_PROTECT_KINDS`.

    Returns
    -------
    FlowSet
        ``flows`` (LineStrings), ``places`` and ``incidents`` (points) as EPSG:4326 GeoDataFrames, ``left_out`` and
        ``meta``.

    Raises
    ------
    UnresolvedPlacesError
        Names that did not resolve or are ambiguous (all of them), unless ``allow_unresolved``.
    MapperError
        A bad option or a frame without the reports columns.
    """
    import geopandas as gpd
    import shapely
    from pyproj import Geod

    min_people, priority, protect_sites_km = _check_options(level, min_people, priority, protect_sites_km)
    protect_kinds = _check_protect_kinds(protect_kinds)
    start = _check_date(start, "start")
    end = _check_date(end, "end")
    if start and end and end < start:
        raise MapperError(f"end: expected a date on or after start {start.isoformat()}, got {end.isoformat()}")
    _check_reports(reports)
    if gazetteer is None:
        from gazetteer import Gazetteer

        gazetteer = Gazetteer.default()

    left_out: list[LeftOut] = []
    df = reports.reset_index(drop=True)
    s_days = _day_numbers(df["period_start"])
    e_days = _day_numbers(df["period_end"])
    df = pd.DataFrame({c: df[c] for c in _REQUIRED_COLUMNS})
    df["_s"], df["_e"] = s_days, e_days
    # A canonical rank makes every tie-break (and the sources' order) independent of the rows' order.
    df["_canon"] = _canonical_rank(df)

    # --- window
    if start is not None or end is not None:
        lo = (start - _EPOCH).days if start else None
        hi = (end - _EPOCH).days if end else None
        inside = np.ones(len(df), dtype=bool)
        if lo is not None:
            inside &= df["_e"].to_numpy() >= lo
        if hi is not None:
            inside &= df["_s"].to_numpy() <= hi
        if (~inside).any():
            out = df[~inside].sort_values("_canon")
            window = f"{start.isoformat() if start else '...'} to {end.isoformat() if end else '...'}"
            left_out.append(LeftOut("outside window", f"{len(out)} report(s) outside {window}",
                                    float(out.loc[out["kind"] == "displacement", "people"].sum()),
                                    tuple(out["report_id"].astype(str))))
            df = df[inside].reset_index(drop=True)

    places = _Places(gazetteer, protect_sites_km, protect_kinds)
    dests = _Destinations(places)

    # --- names: each distinct (name, within) resolved once
    o_codes, o_combos = _combos(df["origin"], df["origin_within"])
    d_codes, d_combos = _combos(df["destination"], df["destination_within"])
    pairs = {(n, w) for names, w in o_combos + d_combos for n in names}
    found, failed = places.resolve(sorted(pairs))
    if failed and not allow_unresolved:
        listing = {}
        for (name, within), (what, hints) in failed.items():
            if isinstance(hints, tuple):  # an unresolved name's suggestions, not searched for yet
                hints = places._suggest(*hints) if len(listing) < _SUGGESTED_NAMES else []
            label = name if not within else f"{name} (within {within})"
            if what == "ambiguous name":
                label += " [ambiguous]"
            listing[label] = hints
        raise UnresolvedPlacesError(listing)

    def combo_status(combos):
        bad, resolved = [], []
        for names, within in combos:
            bad.append([(n, failed[(n, within)][0]) for n in names if (n, within) in failed])
            resolved.append([found[(n, within)] for n in names if (n, within) in found])
        return bad, resolved

    o_bad, o_places = combo_status(o_combos)
    d_bad, d_places = combo_status(d_combos)
    badrow = (np.array([bool(b) for b in o_bad], dtype=bool)[o_codes]
              | np.array([bool(b) for b in d_bad], dtype=bool)[d_codes])
    if badrow.any():
        # One entry per distinct set of bad names, with every report that names them.
        bad = df[badrow]
        for (oc, dc), grp in bad.groupby([o_codes[badrow], d_codes[badrow]], sort=True):
            items = [(n, w, "origin") for n, w in o_bad[oc]] + [(n, w, "destination") for n, w in d_bad[dc]]
            what = "unresolved name" if any(w == "unresolved name" for _, w, _ in items) else "ambiguous name"
            text = "; ".join(f"{n!r} ({side}{', ambiguous' if w == 'ambiguous name' else ''})"
                             for n, w, side in items)
            grp = grp.sort_values("_canon")
            moving = grp["kind"] == "displacement"
            left_out.append(LeftOut(what, text, float(grp.loc[moving, "people"].sum()),
                                    tuple(grp["report_id"].astype(str))))

    kind = df["kind"].to_numpy()
    is_incident = (kind == "incident") & ~badrow
    placeless = is_incident & ~(np.array([bool(p) for p in o_places], dtype=bool)[o_codes]
                                | np.array([bool(p) for p in d_places], dtype=bool)[d_codes])
    if placeless.any():
        grp = df[placeless].sort_values("_canon")
        left_out.append(LeftOut("no place", f"{len(grp)} incident report(s) name no place", 0.0,
                                tuple(grp["report_id"].astype(str))))
    incidents = _build_incidents(df, is_incident & ~placeless, o_codes, d_codes, o_places, d_places, gpd, shapely)

    # --- displacement: signatures (distinct origin and destination lists), triangulation
    is_move = (kind == "displacement") & ~badrow
    move = df if is_move.all() else df[is_move].reset_index(drop=True)
    mo, md = o_codes[is_move], d_codes[is_move]
    has_o = np.array([bool(p) for p in o_places], dtype=bool)[mo]
    has_d = np.array([bool(p) for p in d_places], dtype=bool)[md]
    neither = ~has_o & ~has_d
    if neither.any():
        grp = move[neither].sort_values("_canon")
        left_out.append(LeftOut("no origin or destination", f"{len(grp)} report(s) name neither",
                                float(grp["people"].sum()), tuple(grp["report_id"].astype(str))))
        move, mo, md = move[~neither].reset_index(drop=True), mo[~neither], md[~neither]
        has_o, has_d = has_o[~neither], has_d[~neither]

    splits = {dc: dests.split(d_places[dc]) if d_places[dc] else ([], "") for dc in pd.unique(md)}
    width = max(len(d_combos), 1)
    sig, sig_uni = pd.factorize(mo.astype(np.int64) * width + md, sort=False)
    sig_uni = np.asarray(sig_uni, dtype=np.int64)
    sig_table = pd.DataFrame({"sig": np.arange(len(sig_uni)), "oc": sig_uni // width, "dc": sig_uni % width})
    o_foot = pd.DataFrame([(oc, c) for oc in pd.unique(sig_table["oc"])
                           for c in ({_footprint(p) for p in o_places[oc]} or {""})], columns=["oc", "code"])
    d_foot = pd.DataFrame([(dc, c) for dc in pd.unique(sig_table["dc"])
                           for c in ({_footprint(p) for p, _ in splits[dc][0]} or {""})], columns=["dc", "code"])
    o_entries = sig_table.merge(o_foot, on="oc")[["sig", "code"]]
    d_entries = sig_table.merge(d_foot, on="dc")[["sig", "code"]]
    cluster = _triangulate(sig, move["_s"].to_numpy(), move["_e"].to_numpy(), o_entries, d_entries)
    # Number clusters by their first report in the canonical order, so that no output depends on the rows' order.
    first_of = pd.Series(move["_canon"].to_numpy()).groupby(cluster).min()
    relabel = pd.Series(np.argsort(np.argsort(first_of.to_numpy())), index=first_of.index)
    cluster = relabel.reindex(cluster).to_numpy(dtype=np.int64) if len(cluster) else cluster

    # --- choose per cluster
    a_codes, agencies = _factorize_text(move["agency"].to_numpy())
    rank = np.array([agency_rank(a, priority) for a in agencies], dtype=np.int64)[a_codes]
    pub = _day_numbers(move["published"], missing_ok=True)  # an unknown date counts as the oldest
    people = move["people"].to_numpy(dtype=float)
    canon = move["_canon"].to_numpy()
    drawable = has_o & has_d
    chosen_rows = _best_per_cluster(np.flatnonzero(drawable), cluster, (rank, -pub, -people, canon))
    # The best report of each cluster that nothing can draw (for the left-out list).
    undrawn_rows = np.flatnonzero(~np.isin(cluster, cluster[chosen_rows]))
    undrawn = _best_per_cluster(undrawn_rows, cluster, (rank, -pub, -people, canon))

    stats = pd.DataFrame({"cluster": cluster, "pmin": move["people_min"].to_numpy(dtype=float),
                          "pmax": move["people_max"].to_numpy(dtype=float)}).groupby("cluster").agg(
        pmin=("pmin", "min"), pmax=("pmax", "max"))
    by_cluster = np.argsort(cluster * max(len(move), 1) + canon, kind="stable")
    bounds = np.flatnonzero(np.r_[True, cluster[by_cluster][1:] != cluster[by_cluster][:-1], True])
    bounds = bounds if len(move) else np.zeros(1, dtype=np.int64)
    cluster_ids = cluster[by_cluster][bounds[:-1]]
    texts = _sources_json(move)[by_cluster].tolist()
    src_by_cluster = {c: "[" + ",".join(texts[a:b]) + "]"
                      for c, a, b in zip(cluster_ids, bounds[:-1], bounds[1:])}
    del texts

    if len(undrawn):
        ids = move["report_id"].to_numpy(dtype=object)[by_cluster]
        members = {c: (a, b) for c, a, b in zip(cluster_ids, bounds[:-1], bounds[1:])}
        for best in undrawn:
            a, b = members[cluster[best]]
            what = "no destination" if has_o[by_cluster[a:b]].any() else "no origin"
            names = "; ".join(p.name for p in (o_places[mo[best]] or d_places[md[best]]))
            left_out.append(LeftOut(what, f"{names}: {b - a} report(s) without a drawable {what.split()[1]}",
                                    float(people[best]), tuple(ids[a:b])))

    # --- flows of each chosen report, split
    part_rows = []
    for row in chosen_rows:
        origins = o_places[mo[row]]
        dest_parts, rule = splits[md[row]]
        if len(origins) > 1:
            rule = f"{rule}; origin equal ({len(origins)} origins)"
        for o in origins:
            for d, frac in dest_parts:
                part_rows.append((cluster[row], row, o.id, d.id, frac / len(origins), rule))
    parts = pd.DataFrame(part_rows, columns=["cluster", "row", "o", "d", "frac", "rule"])
    if not parts.empty:
        rows, frac = parts["row"].to_numpy(), parts["frac"].to_numpy()
        parts["people"] = people[rows] * frac
        parts["pmin"] = stats["pmin"].reindex(parts["cluster"]).to_numpy() * frac
        parts["pmax"] = stats["pmax"].reindex(parts["cluster"]).to_numpy() * frac
        parts["s"] = move["_s"].to_numpy()[rows]
        parts["e"] = move["_e"].to_numpy()[rows]

    # --- level
    notes = {}
    if not parts.empty and level != "place":
        mapping = {}
        for pid in pd.unique(np.concatenate([parts["o"].to_numpy(), parts["d"].to_numpy()])):
            area, note = places.at_level(places.by_id[pid], level)
            mapping[pid] = area.id
            if note:
                notes[pid] = note
        parts["o"] = parts["o"].map(mapping)
        parts["d"] = parts["d"].map(mapping)

    flows_frame = _sum_flows(parts, src_by_cluster)

    # --- min people
    if min_people and not flows_frame.empty:
        small = flows_frame["people"].to_numpy() < min_people
        for r in flows_frame[small].itertuples():
            left_out.append(LeftOut("below min-people", f"{places.by_id[r.o].name} -> {places.by_id[r.d].name}",
                                    float(r.people), tuple(_report_ids(r.sources))))
        flows_frame = flows_frame[~small].reset_index(drop=True)

    flows = _flows_geoframe(flows_frame, places, gpd, shapely, Geod)
    place_frame = _places_geoframe(flows_frame, places, gpd, shapely)
    used = [places.by_id[i] for i in place_frame["place_id"]] if len(place_frame) else []
    used += [places.by_id[i] for i in incidents["place_id"]] if len(incidents) else []

    all_s = [x for x in (flows["period_start"].min() if len(flows) else None,
                         incidents["period_start"].min() if len(incidents) else None) if x]
    all_e = [x for x in (flows["period_end"].max() if len(flows) else None,
                         incidents["period_end"].max() if len(incidents) else None) if x]
    meta = {
        "title": "Displacement flows",
        "period_start": start.isoformat() if start else (min(all_s) if all_s else None),
        "period_end": end.isoformat() if end else (max(all_e) if all_e else None),
        "level": level,
        "min_people": min_people,
        "priority": list(priority),
        "people_per_family": _people_per_family(reports),
        "protect_sites_km": protect_sites_km,
        "protect_kinds": list(protect_kinds) if protect_sites_km else None,
        "generator": GENERATOR,
        "attribution": _attribution(used),
        "level_notes": sorted(set(notes.values())),
    }
    return FlowSet(flows=flows, places=place_frame, incidents=incidents, left_out=left_out, meta=meta)


def _best_per_cluster(rows, cluster, keys) -> np.ndarray:
    """Of ``rows``, the one per cluster with the smallest ``keys`` (compared in turn), in cluster order.

    Each key narrows the candidates to the per-cluster minimum, so most rows drop out at the first key: cheaper
    than sorting a million rows on every key.
    """
    for key in keys:
        if len(rows) == 0:
            break
        values = key[rows]
        best = pd.Series(values).groupby(cluster[rows]).transform("min").to_numpy()
        rows = rows[values == best]
    # The last key (the canonical rank) is unique, so one row per cluster remains.
    return rows[np.argsort(cluster[rows], kind="stable")]


def _people_per_family(reports):
    """The factor read_reports converted families with (recorded on the frame), else the default."""
    from .reports import PEOPLE_PER_FAMILY

    return reports.attrs.get("people_per_family", PEOPLE_PER_FAMILY)


def _report_ids(sources: str) -> list:
    return [s["report_id"] for s in json.loads(sources)]


def _sum_flows(parts: pd.DataFrame, src_by_cluster: dict) -> pd.DataFrame:
    """Sum the split parts by (origin, destination): people, min, max; union of periods and of sources."""
    cols = ["o", "d", "people", "pmin", "pmax", "s", "e", "sources", "rule"]
    if parts.empty:
        return pd.DataFrame({c: [] for c in cols})
    summed = parts.groupby(["o", "d"], sort=True).agg(
        people=("people", "sum"), pmin=("pmin", "sum"), pmax=("pmax", "sum"), s=("s", "min"), e=("e", "max"),
    ).reset_index()
    # Clusters and rules behind each flow, in flow order (parts sorted like the groupby's keys).
    keyed = parts[["o", "d", "cluster", "rule"]].sort_values(["o", "d", "cluster", "rule"], kind="stable")
    flow_of = pd.MultiIndex.from_frame(keyed[["o", "d"]])
    flow_no = pd.MultiIndex.from_frame(summed[["o", "d"]]).get_indexer(flow_of)
    clusters = [[] for _ in range(len(summed))]
    rules = [[] for _ in range(len(summed))]
    for f, c, r in zip(flow_no, keyed["cluster"].to_numpy(), keyed["rule"].to_numpy()):
        if not clusters[f] or clusters[f][-1] != c:
            clusters[f].append(c)
        if r not in rules[f]:
            rules[f].append(r)
    # One cluster: share its text (a big cluster's sources are not copied once per flow).
    summed["sources"] = [src_by_cluster[cs[0]] if len(cs) == 1
                         else "[" + ",".join(src_by_cluster[c][1:-1] for c in cs) + "]" for cs in clusters]
    summed["rule"] = ["; ".join(sorted(rs)) for rs in rules]
    return summed[cols]


def _flows_geoframe(frame, places, gpd, shapely, geod_class):
    if frame.empty:
        return _empty_frame(FLOW_COLUMNS, gpd)
    origins = [places.by_id[i] for i in frame["o"]]
    dests = [places.by_id[i] for i in frame["d"]]
    data = {"flow_id": [f"f{i + 1}" for i in range(len(frame))]}
    data.update(_place_columns("origin_", origins))
    data.update(_place_columns("dest_", dests))
    olat, olon = data["origin_lat"], data["origin_lon"]
    dlat, dlon = data["dest_lat"], data["dest_lon"]
    _, _, metres = geod_class(ellps="WGS84").inv(olon, olat, dlon, dlat)
    # Border distances once per distinct place, not once per flow.
    ids = pd.unique(np.concatenate([frame["o"].to_numpy(), frame["d"].to_numpy()]))
    pts = [places.by_id[i] for i in ids]
    km = dict(zip(ids, _border_km([p.lat for p in pts], [p.lon for p in pts])))
    data.update({
        "people": frame["people"].to_numpy(dtype=float),
        "people_min": frame["pmin"].to_numpy(dtype=float),
        "people_max": frame["pmax"].to_numpy(dtype=float),
        "period_start": _iso_from_days(frame["s"].to_numpy()),
        "period_end": _iso_from_days(frame["e"].to_numpy()),
        "sources": frame["sources"].to_numpy(dtype=object),
        "split_rule": frame["rule"].to_numpy(dtype=object),
        "distance_km": np.round(np.asarray(metres) / 1000.0, 3),
        "origin_border_km": np.array([km[i] for i in frame["o"]], dtype=float),
        "dest_border_km": np.array([km[i] for i in frame["d"]], dtype=float),
    })
    coords = np.stack([np.column_stack([olon, olat]), np.column_stack([dlon, dlat])], axis=1)
    geometry = shapely.linestrings(coords)
    return gpd.GeoDataFrame(pd.DataFrame(data)[FLOW_COLUMNS], geometry=geometry, crs="EPSG:4326")


def _places_geoframe(frame, places, gpd, shapely):
    if frame.empty:
        return _empty_frame(PLACE_COLUMNS, gpd)
    out = frame.groupby("o")["people"].sum()
    into = frame.groupby("d")["people"].sum()
    ids = list(dict.fromkeys(list(frame["o"]) + list(frame["d"])))
    pts = [places.by_id[i] for i in ids]
    data = _place_columns("", pts)
    data["place_id"] = data.pop("id")
    data["people_in"] = into.reindex(ids, fill_value=0.0).to_numpy(dtype=float)
    data["people_out"] = out.reindex(ids, fill_value=0.0).to_numpy(dtype=float)
    data["net"] = data["people_in"] - data["people_out"]
    data["border_km"] = _border_km(data["lat"], data["lon"])
    geometry = shapely.points(data["lon"], data["lat"])
    return gpd.GeoDataFrame(pd.DataFrame(data)[PLACE_COLUMNS], geometry=geometry, crs="EPSG:4326")


def _build_incidents(df, is_incident, o_codes, d_codes, o_places, d_places, gpd, shapely):
    """Incident reports as points: one row per place the report names (its origin, else its destination)."""
    rows = np.flatnonzero(is_incident)
    sub = df.iloc[rows].sort_values("_canon")
    rows = rows[np.argsort(df["_canon"].to_numpy()[rows], kind="stable")]
    src = _sources_json(sub)
    where = [o_places[o_codes[r]] or d_places[d_codes[r]] for r in rows]
    take = np.repeat(np.arange(len(rows)), [len(w) for w in where])
    pts = [p for w in where for p in w]
    if not pts:
        return _empty_frame(INCIDENT_COLUMNS, gpd)

    def column(name):
        return sub[name].fillna("").to_numpy(dtype=object)[take]

    data = {
        "report_id": column("report_id"),
        "place_id": [p.id for p in pts],
        "name": [p.name for p in pts],
        "name_ar": [p.name_ar for p in pts],
        "lat": np.array([p.lat for p in pts], dtype=float),
        "lon": np.array([p.lon for p in pts], dtype=float),
        "period_start": _iso_from_days(sub["_s"].to_numpy()[take]),
        "period_end": _iso_from_days(sub["_e"].to_numpy()[take]),
        "figure": sub["people"].to_numpy(dtype=float)[take],
        "unit": column("unit"),
        "qualifier": column("qualifier"),
        "note": column("note"),
        "sources": np.array(["[" + t + "]" for t in src], dtype=object)[take],
    }
    geometry = shapely.points(data["lon"], data["lat"])
    return gpd.GeoDataFrame(pd.DataFrame(data)[INCIDENT_COLUMNS], geometry=geometry, crs="EPSG:4326")
