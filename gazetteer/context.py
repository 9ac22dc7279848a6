"""Context rules: P-codes, ``within`` (where a place must lie), ``kind`` (what it must be), and the choice between
candidates of one tier.

P-codes
    OCHA P-codes (``SY07`` governorate, ``SY0703`` district, ``SY070301`` subdistrict, ``C4130`` community, ``SY``
    the country) name one place each: anywhere a name is accepted, a P-code resolves to the place whose own P-code
    it is (method ``"pcode"``).

``within`` restricts
    A :class:`Place`, a P-code, a place name (an area of that name first) or a bounding box
    ``(lat_min, lon_min, lat_max, lon_max)``. A place is inside an area when the area is among its ancestors, or its
    P-codes (own, admin1-3) include the area's. Only candidates inside count, at every tier: a name whose matches
    all lie outside is not found, and those namesakes are named as suggestions. Regions (loose areas such as "camps
    along the Turkish border", without admin codes) are exempt: no context rules them out.

``kind``
    One kind or a collection of kinds (:data:`~gazetteer.places.KINDS`): only candidates of those kinds count.

Several candidates at the best tier: one place or ambiguous
    Candidates are one place for a report when all lie in one chain of enclosing areas (a city, its subdistrict,
    district and governorate), or when they are within :data:`SAME_PLACE_KM` with sourced points and not two
    different communities (a town and the camp cluster named after it). Then the most specific is chosen, in the
    order of :data:`KIND_PREFERENCE`: settlements before camps before areas. This is **the governorate rule**, the
    same for every governorate: a bare *Homs*, *Idleb*, *Aleppo* or *Al-Hasakeh* means the city; ask for
    ``kind="governorate"`` (CLI ``--kind governorate``) or write ``"Idlib governorate"`` for the area. A name that
    carried by areas only (*Rural Damascus*: the governorate and a district) means the largest. Candidates that
    are different places (three villages called Hamam) make the name ambiguous unless the context decides.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable

from .errors import PlaceNotFoundError
from .places import AREA_KINDS, KINDS, Place

__all__ = ["Hierarchy", "KIND_PREFERENCE", "SAME_PLACE_KM", "is_pcode", "kind_test", "distance_km"]

#: How specific a kind is, most preferred first: a name in a displacement report means the settlement, its camps,
#: and only then the area named after it.
KIND_PREFERENCE = tuple(k for k in KINDS if k not in AREA_KINDS) + (
    "subdistrict", "district", "governorate", "region", "country")
#: Same-name candidates closer than this (km) are one place for a report (a town and its camp cluster).
SAME_PLACE_KM = 5.0
_KIND_RANK = {kind: i for i, kind in enumerate(KIND_PREFERENCE)}
_PCODE = re.compile(r"^(SY(?:\d{2}){0,4}|C\d{3,6})$", re.IGNORECASE)
_EARTH_RADIUS_KM = 6371.0088


def is_pcode(text: str) -> bool:
    """True for text shaped like an OCHA P-code of Syria (``SY``, ``SY07``, ``SY070301``, ``C4130``)."""
    return _PCODE.match(text.strip()) is not None


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (haversine, mean Earth radius): the gazetteer's one distance formula, within
    0.5 % of the geodesic, enough for its thresholds and nearest-place ranking."""
    lat1, lon1, lat2, lon2 = map(math.radians, (lat1, lon1, lat2, lon2))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def preference(place: Place) -> tuple:
    """Sort key: the most specific kind first, then the larger population, then the id."""
    return (_KIND_RANK.get(place.kind, len(_KIND_RANK)), -(place.population or 0), place.id)


def area_size(place: Place) -> int:
    """Sort key of areas, the largest first (country, governorate, region, district, subdistrict)."""
    return ("country", "governorate", "region", "district", "subdistrict").index(place.kind) \
        if place.kind in AREA_KINDS else len(AREA_KINDS)


def kind_test(kind):
    """A predicate ``place -> bool`` for ``kind`` (one kind or several), or None for any kind."""
    if kind is None:
        return None
    kinds = {kind} if isinstance(kind, str) else set(kind)
    unknown = kinds - set(KINDS)
    if unknown or not kinds:
        raise ValueError(f"expected kind as one of {', '.join(KINDS)}, got {kind!r}")
    return lambda place: place.kind in kinds


def _point(place: Place) -> bool:
    return place.precision == "point"


class Hierarchy:
    """Places by id and P-code, with their chains of enclosing places."""

    def __init__(self, places: Iterable[Place]):
        self.places = tuple(places)
        self._ancestor_ids: dict[str, frozenset[str]] = {}

    @functools.cached_property
    def by_id(self) -> dict[str, Place]:
        by_id: dict[str, Place] = {}
        for place in self.places:
            by_id.setdefault(place.id, place)
        return by_id

    @functools.cached_property
    def by_pcode(self) -> dict[str, Place]:
        """Places by their own P-code (upper case); the first place wins."""
        by_pcode: dict[str, Place] = {}
        for place in self.places:
            if place.pcode:
                by_pcode.setdefault(place.pcode.upper(), place)
        return by_pcode

    @functools.cached_property
    def children(self) -> dict[str, list[Place]]:
        children: dict[str, list[Place]] = {}
        for place in self.places:
            if place.parent:
                children.setdefault(place.parent, []).append(place)
        return children

    @functools.cached_property
    def pcodes(self) -> frozenset[str]:
        """Every P-code any place has or lies in (upper case)."""
        return frozenset(code.upper() for place in self.places for code in place.pcodes)

    def ancestors(self, place: Place) -> list[Place]:
        """The chain of enclosing places, nearest first."""
        chain, seen = [], {place.id}
        while place.parent and place.parent in self.by_id and place.parent not in seen:
            place = self.by_id[place.parent]
            seen.add(place.id)
            chain.append(place)
        return chain

    def ancestor_ids(self, place: Place) -> frozenset[str]:
        ids = self._ancestor_ids.get(place.id)
        if ids is None:
            ids = self._ancestor_ids[place.id] = frozenset(p.id for p in self.ancestors(place))
        return ids

    def encloses(self, area: Place, place: Place) -> bool:
        """True when ``area`` is ``place`` or one of its enclosing places (by parent chain or by P-code)."""
        if area.id == place.id or area.id in self.ancestor_ids(place):
            return True
        code = area.pcode.upper()
        return bool(code) and code in (place.admin3.upper(), place.admin2.upper(), place.admin1.upper())

    def same_place(self, a: Place, b: Place) -> bool:
        """One place for a report: one encloses the other, or both are sourced points within SAME_PLACE_KM and not
        two different communities (two own P-codes of the same kind of code)."""
        if self.encloses(a, b) or self.encloses(b, a):
            return True
        if a.pcode and b.pcode and a.pcode[:1].upper() == b.pcode[:1].upper():
            return False
        return _point(a) and _point(b) and distance_km(a.lat, a.lon, b.lat, b.lon) <= SAME_PLACE_KM

    def choose(self, places: list[Place]) -> tuple[Place, tuple[Place, ...], bool]:
        """``(preferred place, the others, ambiguous?)`` for candidates of one tier."""
        candidates = sorted({p.id: p for p in places}.values(), key=preference)
        if all(p.is_area for p in candidates):
            candidates.sort(key=area_size)  # areas only: the largest
        best, others = candidates[0], tuple(candidates[1:])
        return best, others, not all(self.same_place(best, other) for other in others)

    # ---------------------------------------------------------------- within

    def inside_test(self, within, resolve_area):
        """A predicate ``place -> bool`` for the ``within`` context, or None.

        ``resolve_area(name)`` turns a place name into the area it names. Regions always pass (see the module).

        Raises
        ------
        PlaceNotFoundError
            An unknown P-code or name.
        ValueError, TypeError
            A malformed context.
        """
        if within is None:
            return None
        if isinstance(within, Place):
            area_test = self._area_test(within)
        elif isinstance(within, str):
            area_test = self._text_test(within, resolve_area)
        elif isinstance(within, (tuple, list)) and len(within) == 4:
            area_test = _box_test(within)
        else:
            raise TypeError(f"expected within as a Place, P-code, place name or (lat_min, lon_min, lat_max, "
                            f"lon_max), got {within!r}")
        return lambda place: place.kind == "region" or area_test(place)

    def _text_test(self, within: str, resolve_area):
        text = within.strip()
        if not text:
            raise ValueError("within must not be empty")
        if not is_pcode(text):
            return self._area_test(resolve_area(text))
        code = text.upper()
        if code not in self.pcodes:
            raise PlaceNotFoundError(within)
        area = self.by_pcode.get(code)
        if area is None:
            return lambda p: code in p.pcodes
        chain = self._area_test(area)
        return lambda p: code in p.pcodes or chain(p)

    def _area_test(self, area: Place):
        return lambda place: self.encloses(area, place)


def _box_test(within):
    try:
        lat_min, lon_min, lat_max, lon_max = (float(v) for v in within)
    except (TypeError, ValueError) as err:
        raise ValueError(f"expected (lat_min, lon_min, lat_max, lon_max), got {within!r}") from err
    if not (-90 <= lat_min <= lat_max <= 90 and -180 <= lon_min <= lon_max <= 180):
        raise ValueError(f"expected (lat_min, lon_min, lat_max, lon_max) with min <= max, got {within!r}")
    return lambda p: lat_min <= p.lat <= lat_max and lon_min <= p.lon <= lon_max
