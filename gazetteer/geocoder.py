"""A geopy geocoder backed by the offline gazetteer, for code that already speaks geopy.

:class:`OfflineGeocoder` is a :class:`geopy.geocoders.base.Geocoder`: ``geocode()`` returns
:class:`geopy.location.Location` objects and it plugs into :class:`geopy.extra.rate_limiter.RateLimiter` (or pandas
``df["name"].apply(geocoder.geocode)``) without touching the network.

>>> from gazetteer.geocoder import OfflineGeocoder
>>> OfflineGeocoder().geocode("Saraqeb").address
'Saraqib'
"""

from __future__ import annotations

import dataclasses

from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from .context import distance_km
from .places import Match, Place

__all__ = ["OfflineGeocoder"]


def _location(match: Match) -> Location:
    place = match.place
    raw = dataclasses.asdict(place)
    raw["alt_names"] = list(place.alt_names)
    raw.update(method=match.method, score=match.score, ambiguous=match.ambiguous)
    return Location(place.name, Point(place.lat, place.lon), raw)


class OfflineGeocoder(Geocoder):
    """geopy's geocoder interface over a :class:`~gazetteer.core.Gazetteer`; never uses the network.

    Parameters
    ----------
    gazetteer : Gazetteer, optional
        Default :meth:`Gazetteer.default() <gazetteer.core.Gazetteer.default>`.
    within : optional
        Default context for every query (see :meth:`Gazetteer.resolve <gazetteer.core.Gazetteer.resolve>`).
    """

    def __init__(self, gazetteer=None, *, within=None):
        super().__init__(user_agent="idpmap-offline")
        if gazetteer is None:
            from .core import Gazetteer

            gazetteer = Gazetteer.default()
        self.gazetteer = gazetteer
        self.within = within

    def geocode(self, query, *, exactly_one=True, timeout=None, within=None, limit=None):
        """Geocode a place name offline.

        Parameters
        ----------
        query : str
            A place name in any spelling.
        exactly_one : bool
            Return one Location (the best; for an ambiguous name the preferred candidate, with
            ``raw["ambiguous"]`` true) instead of a list.
        timeout : ignored
            Accepted for geopy compatibility; offline lookups do not wait.
        within : optional
            Context for this query, overriding the geocoder's default.
        limit : int, optional
            Maximum number of results when ``exactly_one`` is false (default 5).

        Returns
        -------
        geopy.location.Location, list of Location, or None
            ``address`` is the place name, ``point`` its (lat, lon), ``raw`` the place as a dict with the match
            ``method`` and ``score``. None when nothing matches (geopy's convention).
        """
        if not isinstance(query, str):
            raise TypeError(f"expected a place name as str, got {query!r}")
        within = self.within if within is None else within
        if exactly_one:
            match = self.gazetteer.resolve_many([query], within=within)[0]
            return _location(match) if match.place is not None else None
        matches = self.gazetteer.search(query, limit=limit or 5, within=within, cutoff=self.gazetteer.fuzzy_cutoff)
        return [_location(m) for m in matches] or None

    def reverse(self, query, *, exactly_one=True, timeout=None, limit=None, kinds=None):
        """The nearest place(s) to a point.

        Parameters
        ----------
        query : geopy.point.Point, (lat, lon) tuple or ``"lat, lon"`` string
        exactly_one : bool
            Return only the nearest place.
        timeout : ignored
        limit : int, optional
            Number of places when ``exactly_one`` is false (default 5).
        kinds : iterable of str, optional
            Only places of these kinds (default: settlements, camps and crossings, not areas).
        """
        point = Point(query)

        def distance(place: Place) -> float:
            return distance_km(point.latitude, point.longitude, place.lat, place.lon)

        wanted = set(kinds) if kinds is not None else None
        places = [p for p in self.gazetteer.places
                  if (p.kind in wanted if wanted is not None else not p.is_area)]
        ranked = sorted(places, key=distance)[: 1 if exactly_one else (limit or 5)]
        locations = [_location(Match(str(query), p, "reverse", 100.0)) for p in ranked]
        for loc, place in zip(locations, ranked):
            loc.raw["distance_km"] = round(distance(place), 3)
        if exactly_one:
            return locations[0] if locations else None
        return locations or None
