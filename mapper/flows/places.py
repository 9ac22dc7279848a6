"""Places: names and P-codes resolved once through the gazetteer, protected sites snapped, admin levels, and the
(opt-in, modelled) split of a region destination into its members."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pandas as pd

from gazetteer.errors import GazetteerError

from .tables import _factorize_text

DEFAULT_PROTECT_KINDS = ("camp", "camp_cluster")

#: Aggregation levels accepted by ``build_flows(level=...)``, finest first.
LEVELS = ("place", "admin3", "admin2", "admin1")

_LEVEL_NUMBER = {"admin1": 1, "admin2": 2, "admin3": 3}
_ADMIN_KIND_LEVEL = {"governorate": 1, "district": 2, "subdistrict": 3}
_PCODE_LENGTH = {0: 0, 1: 4, 2: 6, 3: 8}

#: Grid steps of ``protect_sites_km`` are powers of two degrees (so every coarser grid's cells are unions of the
#: finer grids' cells) at least as large as the km asked for; longitude steps use the cosine of the middle of the
#: place's 8-degree latitude band (the same for every step below 8 degrees).
_BAND_DEGREES = 8.0

PROTECT_RULE = ("snapped to the centre of a cell of a fixed, nested grid: the cell side is the power of two degrees "
                "at least as large as the distance asked for, anchored at 0,0, so maps built with several grid sizes "
                "reveal no more than the finest of them")


def protect_rule(km: float) -> str:
    """The published rule of the protection grid, with the cell size ``km`` gives (for meta and legends)."""
    dlat = 2.0 ** math.ceil(math.log2(km / 111.32))
    return f"{PROTECT_RULE} (for {km:g} km: cells of {dlat:g} degrees, about {dlat * 111.32:.1f} km north-south)"


def _grid_step(km: float, lat: float) -> tuple[float, float]:
    """Latitude and longitude steps (degrees) of the protection grid for ``km`` at latitude ``lat``."""
    band_middle = (math.floor(lat / _BAND_DEGREES) + 0.5) * _BAND_DEGREES
    dlat = 2.0 ** math.ceil(math.log2(km / 111.32))
    dlon = 2.0 ** math.ceil(math.log2(km / (111.32 * max(math.cos(math.radians(band_middle)), 1e-6))))
    return dlat, dlon


def _snap(place, km):
    """The place with its coordinate moved to the centre of its cell of the protection grid for ``km``."""
    dlat, dlon = _grid_step(km, place.lat)
    lat = (math.floor(place.lat / dlat) + 0.5) * dlat
    lon = (math.floor(place.lon / dlon) + 0.5) * dlon
    return dataclasses.replace(place, lat=round(lat, 6), lon=round(lon, 6))


def precision_of(place) -> str:
    """The place's precision (``point`` unless the gazetteer knows only its admin area)."""
    return getattr(place, "precision", "") or "point"


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
        self.by_spelling = {}  # (name, within) -> (Place, score): names matched by spelling alone (fuzzy)
        self._children = {}
        self._footprints = {}

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
                    if match.method == "fuzzy":
                        self.by_spelling[key] = (found[key], match.score)
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

    def resolve_pcodes(self, codes):
        """Resolve P-codes (``C4130``, ``SY070301``): returns {code: Place} and {code: (what, hints)}."""
        found, failed = {}, {}
        for code in codes:
            place = self.g.by_pcode(code)
            if place is None:
                try:
                    match = self.g.resolve(code)
                except GazetteerError:
                    match = None
                cand = getattr(match, "place", None)
                if cand is not None and code.upper() in {str(c).upper() for c in (cand.pcode, *cand.pcodes)}:
                    place = cand
            if place is None:
                failed[code] = ("unknown P-code", [f"no place with P-code {code} in the gazetteer"])
            else:
                found[code] = self.add(place)
        return found, failed

    def footprints(self, place) -> set:
        """The codes ``place`` is compared by in triangulation: its own area, or for a region with camp
        clusters the areas of its members (``camps along the Turkish border`` contains Atme)."""
        codes = self._footprints.get(place.id)
        if codes is None:
            kids = [k for k in self.children(place) if k.kind in ("camp_cluster", "camp")] \
                if place.kind == "region" else []
            codes = self._footprints[place.id] = frozenset({_footprint(k) for k in kids} or {_footprint(place)})
        return codes

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
#: An admin P-code (SY07, SY0703, SY070301): a stated area a modelled split must stay in.
_PCODE = re.compile(r"SY\d{2}(\d{2}){0,2}", re.IGNORECASE)


def _inside(area, place) -> bool:
    """True when ``place``'s admin codes lie inside ``area``'s own admin area (an area without codes: anywhere)."""
    codes = [c for c in (area.pcode if area.kind in _ADMIN_KIND_LEVEL else "", area.admin3, area.admin2,
                         area.admin1) if c]
    if not codes:
        return True
    own = codes[0]
    return any(str(c).startswith(own) for c in (place.pcode, place.admin3, place.admin2, place.admin1) if c)


class _Destinations:
    """The split of a destination list, cached per distinct list; regions are split only when modelling."""

    def __init__(self, places: _Places, split_regions=False):
        self.places = places
        self.split_regions = split_regions
        self._cache = {}

    def expand(self, place, within=""):
        """Members replacing ``place`` in a modelled split: the camp clusters of a region, the camps of a cluster,
        that lie in the region's own area and in the area the report states (``within``, a P-code such as SY07);
        ``None`` when not split (the default: a region is drawn to itself)."""
        if not self.split_regions:
            return None
        if place.kind == "region":
            kids = [k for k in self.places.children(place) if k.kind == "camp_cluster" and _inside(place, k)]
        elif place.kind == "camp_cluster":
            kids = [k for k in self.places.children(place) if k.kind == "camp"]
        else:
            return None
        if within and _PCODE.fullmatch(within):
            kids = [k for k in kids if any(str(c).upper().startswith(within.upper())
                                           for c in (k.pcode, k.admin3, k.admin2, k.admin1) if c)]
        return kids or None

    def split(self, dests, within=""):
        """[(place, fraction, modelled)], split_rule for the destinations named by one report (``within``: the
        report's ``destination_within``)."""
        key = (tuple(d.id for d in dests), within)
        if key not in self._cache:
            self._cache[key] = self._split(dests, within)
        return self._cache[key]

    def _split(self, dests, within):
        groups = [(d, self.expand(d, within)) for d in dests]

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
                parts.append((d, w, False))
                continue
            kinds = {m.kind for m in members}
            what = _KIND_PLURAL.get(kinds.pop(), "places") if len(kinds) == 1 else "places"
            sub_w, sub_rule = _weights_rule(members, what)
            head, tail = sub_rule.split(" (", 1)
            rules.append(f"modelled split: {head} within {d.name} ({tail}")
            parts.extend((m, w * x, True) for m, x in zip(members, sub_w))
        merged = {}
        for place, frac, modelled in parts:
            old = merged.get(place.id, (place, 0.0, modelled))
            merged[place.id] = (place, old[1] + frac, old[2] and modelled)
        return list(merged.values()), ("; ".join(rules) if rules else "single")


#: The start of the note naming the names matched by spelling alone (the CLI repeats it on standard error).
SPELLING_NOTE = "Names matched to a place by spelling alone"


def spelling_note(matched, most=6):
    """The note for names that no known spelling of a place gives, matched to the place whose spelling is most
    alike (a typo, or another place: a camp called "Al Izza" matches Jizeh): ``matched`` is (name, place, score)."""
    matched = list({(name, place.id): (name, place, score) for name, place, score in matched}.values())
    shown = [f"{name!r} \u2192 {place.name} ({score:.0f}% alike)" for name, place, score in sorted(
        matched, key=lambda m: (m[2], m[0]))[:most]]
    more = f" and {len(matched) - most} more" if len(matched) > most else ""
    return (f"{SPELLING_NOTE}: {', '.join(shown)}{more}. Check them: a name matched to the wrong place puts its "
            "people there (give the P-code, or a context such as origin_within, to be sure).")
