"""The :class:`Gazetteer`: resolves a place name or P-code, in any spelling, to a :class:`~gazetteer.places.Place`.

The rooms behind it:

- :mod:`gazetteer.data` loads places (the bundled CSV, a user's CSV);
- :mod:`gazetteer.index` keeps every name under the keys the tiers look up;
- :mod:`gazetteer.tiers` finds candidates, strictest tier first (exact, variant, fuzzy), each with a score;
- :mod:`gazetteer.context` holds the rules: P-codes, ``within`` restricts, ``kind``, and the choice between the
  candidates of one tier (one place, or ambiguous; the governorate rule).

Resolution takes the first tier with a candidate that passes the context (``within``, ``kind``). Nothing offline:
the opt-in online fallback is asked (:mod:`gazetteer.online`). Places of a local store (:mod:`gazetteer.store`) are
searched after the bundled places within each tier, so an imported GeoNames dump never makes a curated name
ambiguous.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator

from .context import KIND_PREFERENCE, SAME_PLACE_KM, Hierarchy, area_size, is_pcode, kind_test, preference
from .data import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, bundled_places, read_places_csv, shipped_index
from .errors import AmbiguousPlaceError, PlaceNotFoundError
from .index import NameIndex
from .places import AREA_KINDS, Match, Place
from .tiers import Tiers, closest_written

__all__ = ["Gazetteer", "DEFAULT_FUZZY_CUTOFF", "SUGGESTION_CUTOFF", "KIND_PREFERENCE", "SAME_PLACE_KM",
           "REQUIRED_COLUMNS", "OPTIONAL_COLUMNS", "read_places_csv"]

#: Default minimum rapidfuzz ratio (0-100) of the fuzzy tier. One typo in a name of 6 or more letters passes;
#: names of people and organisations from the reports stay well below.
DEFAULT_FUZZY_CUTOFF = 80.0
#: Looser cutoff for "did you mean" suggestions and :meth:`Gazetteer.search`.
SUGGESTION_CUTOFF = 60.0
# Remembered answers of resolve() without context; emptied when full.
_MAX_ANSWERS = 1 << 16
# resolve_many() rules out hopeless names in one vectorised pass from this many distinct names on.
_BATCH_MIN = 64


def _open_store(store):
    if store is None or (hasattr(store, "places") and hasattr(store, "name_keys")):
        return store
    from .store import PlaceStore

    return PlaceStore(store)


class Gazetteer:
    """Places of north-west Syria, searchable by any spelling of their names and by P-code.

    Parameters
    ----------
    places : iterable of Place
        The curated places (usually the bundled data: use :meth:`default`).
    store : gazetteer.store.PlaceStore or path-like, optional
        A local store of imported places, searched beside ``places`` (``places`` win ties and duplicate ids).
    online : gazetteer.online.OnlineFallback, optional
        Asked only when nothing offline matches; its matches have method ``"online"``.
    fuzzy_cutoff : float
        Minimum rapidfuzz ratio (0-100) of a fuzzy match.

    Examples
    --------
    >>> g = Gazetteer.default()
    >>> g.resolve("Maarat Al-Nouman").place.name
    'Maarat al-Numan'
    """

    def __init__(self, places: Iterable[Place], *, store=None, online=None,
                 fuzzy_cutoff: float = DEFAULT_FUZZY_CUTOFF):
        if not 0 <= fuzzy_cutoff <= 100:
            raise ValueError(f"fuzzy_cutoff must be between 0 and 100, got {fuzzy_cutoff!r}")
        self._own = tuple(places)
        ids: set[str] = set()
        for place in self._own:
            if not isinstance(place, Place):
                raise TypeError(f"expected Place objects, got {place!r}")
            if place.id in ids:
                raise ValueError(f"duplicate place id {place.id!r}")
            ids.add(place.id)
        self._fuzzy_cutoff = float(fuzzy_cutoff)
        self._online = online
        self._store = _open_store(store)
        # the bundled places come with their tables (read on the first variant lookup)
        indexes = [NameIndex(self._own, tables=functools.partial(shipped_index, self._own))]
        store_places: tuple[Place, ...] = ()
        if self._store is not None:
            store_places = tuple(p for p in self._store.places if p.id not in ids)
            if store_places:
                # the store's precomputed keys, less those of places the bundled data shadows
                by_id = {p.id: p for p in store_places}
                indexes.append(NameIndex(store_places, [(by_id[pid], *rest) for pid, *rest in self._store.name_keys()
                                                        if pid in by_id]))
        self._places = self._own + store_places
        self._tiers = Tiers(tuple(indexes), self._fuzzy_cutoff)
        self._hierarchy = Hierarchy(self._places)
        self._answers: dict[tuple, Match] = {}

    # ------------------------------------------------------------------ construction

    @classmethod
    def default(cls, *, store=None, online=None, fuzzy_cutoff: float = DEFAULT_FUZZY_CUTOFF) -> "Gazetteer":
        """The bundled gazetteer (``gazetteer/data/places.csv``); without arguments, one shared instance.

        A store is never used implicitly: pass it here or use :meth:`with_store`.

        Raises
        ------
        DataFileError
            The bundled file is malformed (names file, line and field).
        """
        if store is None and online is None and fuzzy_cutoff == DEFAULT_FUZZY_CUTOFF:
            global _DEFAULT
            if _DEFAULT is None:
                _DEFAULT = cls(bundled_places())
            return _DEFAULT
        return cls(bundled_places(), store=store, online=online, fuzzy_cutoff=fuzzy_cutoff)

    @classmethod
    def from_csv(cls, path, *, store=None, online=None, fuzzy_cutoff: float = DEFAULT_FUZZY_CUTOFF) -> "Gazetteer":
        """A gazetteer from a CSV in the format of the bundled ``places.csv`` (:class:`DataFileError` if bad)."""
        return cls(read_places_csv(path), store=store, online=online, fuzzy_cutoff=fuzzy_cutoff)

    def with_store(self, store) -> "Gazetteer":
        """A copy of this gazetteer that also searches ``store`` (a PlaceStore or a path to one)."""
        return type(self)(self._own, store=store, online=self._online, fuzzy_cutoff=self._fuzzy_cutoff)

    def with_online(self, online) -> "Gazetteer":
        """A copy of this gazetteer that falls back on ``online`` (an OnlineFallback)."""
        return type(self)(self._own, store=self._store, online=online, fuzzy_cutoff=self._fuzzy_cutoff)

    # ------------------------------------------------------------------ container

    @property
    def places(self) -> tuple[Place, ...]:
        """Every place: bundled first, then those of the store."""
        return self._places

    @property
    def fuzzy_cutoff(self) -> float:
        return self._fuzzy_cutoff

    @property
    def store(self):
        """The local store searched beside the bundled places, or None."""
        return self._store

    def __len__(self) -> int:
        return len(self._places)

    def __iter__(self) -> Iterator[Place]:
        return iter(self._places)

    def __repr__(self) -> str:
        extra = f", store={getattr(self._store, 'path', self._store)!s}" if self._store is not None else ""
        return f"<Gazetteer {len(self)} places{extra}>"

    def by_id(self, place_id: str) -> Place:
        """The place with this id; :class:`PlaceNotFoundError` if there is none."""
        try:
            return self._hierarchy.by_id[place_id]
        except (KeyError, TypeError) as err:
            raise PlaceNotFoundError(place_id) from err

    def by_pcode(self, pcode: str) -> Place | None:
        """The place whose own P-code is ``pcode`` (case-insensitive), or None."""
        return self._hierarchy.by_pcode.get(str(pcode).strip().upper())

    def children(self, place_or_id) -> list[Place]:
        """Places whose ``parent`` is the given place (a Place or an id)."""
        pid = place_or_id.id if isinstance(place_or_id, Place) else place_or_id
        return list(self._hierarchy.children.get(pid, ()))

    def ancestors(self, place_or_id) -> list[Place]:
        """The chain of enclosing places, nearest first (subdistrict, district, governorate ...)."""
        place = place_or_id if isinstance(place_or_id, Place) else self.by_id(place_or_id)
        return self._hierarchy.ancestors(place)

    # ------------------------------------------------------------------ resolving

    def resolve(self, name: str, *, within=None, kind=None) -> Match:
        """The place a name or P-code means.

        Parameters
        ----------
        name : str
            A place name in any spelling or script, or a P-code (``C4130``, ``SY070301``, ``SY07``).
        within : Place, str or tuple, optional
            Where the place must lie: a Place, a P-code, a place name, or ``(lat_min, lon_min, lat_max, lon_max)``.
            It restricts (:mod:`gazetteer.context`): a name known only outside is not found.
        kind : str or collection of str, optional
            What the place must be (``"governorate"``, ``("city", "town")``): a bare *Homs* is the city, ``kind=
            "governorate"`` the governorate.

        Returns
        -------
        Match
            With the method (``pcode``, ``exact``, ``variant``, ``fuzzy``, ``online``) and score (100 only for the
            same name or P-code); ``alternatives`` holds the other candidates the choice set aside.

        Raises
        ------
        PlaceNotFoundError
            Nothing matched well enough (inside the context); ``suggestions`` holds the nearest names, or the
            namesakes outside the context.
        AmbiguousPlaceError
            Different places match equally well and the context does not decide.
        """
        match = self._cached(name, within, kind)
        if match.place is None:
            raise self._not_found(match, within)
        if match.ambiguous:
            raise AmbiguousPlaceError(name, match.candidates)
        return match

    def get(self, name: str, default=None, *, within=None, kind=None):
        """Like :meth:`resolve`, but ``default`` when the name is not found or is ambiguous.

        A bad ``within`` still raises: it is a mistake in the call, not an unknown name.
        """
        match = self._cached(name, within, kind)
        return default if match.place is None or match.ambiguous else match

    def resolve_many(self, names: Iterable[str], *, within=None, kind=None) -> list[Match]:
        """Resolve many names (or P-codes) at once; never raises for a bad name.

        A name that does not match gets ``Match(place=None, method="none", score=0)`` (with the namesakes outside
        ``within`` in ``alternatives``); an ambiguous name gets the preferred candidate with ``ambiguous=True`` and
        the others in ``alternatives``. Each distinct name is resolved once. Only a bad ``within`` or ``kind``
        raises (as in :meth:`resolve`).
        """
        inside = self._inside_test(within)
        kinds = kind_test(kind)
        names = list(names)
        cache: dict[str, Match] = {}
        distinct = [n for n in dict.fromkeys(names) if isinstance(n, str) and not is_pcode(n)]
        if len(distinct) >= _BATCH_MIN and self._online is None:
            # a file of many unknown names must fail fast: rule out in one pass the names no tier could match
            for name in self._tiers.hopeless(distinct):
                cache[name] = Match(name, None, "none", 0.0)
        out = []
        for name in names:
            match = cache.get(name)
            if match is None:
                match = cache[name] = self._match(name, inside, kinds)
            out.append(match)
        return out

    def search(self, name: str, limit: int = 5, *, within=None, kind=None, cutoff: float | None = None) -> list[Match]:
        """Candidates for a name, best first: places inside ``within`` first, then by tier and score.

        ``cutoff`` is the minimum fuzzy score; default :data:`SUGGESTION_CUTOFF`, looser than :meth:`resolve` so
        that a misspelt name still gets candidates.
        """
        if not isinstance(name, str):
            raise TypeError(f"expected a place name as str, got {name!r}")
        if limit < 1:
            return []
        inside = self._inside_test(within)
        kinds = kind_test(kind)
        cutoff = SUGGESTION_CUTOFF if cutoff is None else cutoff
        ranked: dict[str, tuple[tuple, Match]] = {}
        for method, scored in self._tiers.steps(name, cutoff, fuzzy_limit=max(limit * 3, 10)):
            for place, score in scored:
                if kinds and not kinds(place):
                    continue
                key = (bool(inside) and not inside(place), method == "fuzzy", -score, preference(place))
                if place.id not in ranked or key < ranked[place.id][0]:
                    ranked[place.id] = (key, Match(name, place, method, score))
        return [m for _, m in sorted(ranked.values(), key=lambda kv: kv[0])[:limit]]

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Names close to ``name`` ("did you mean"), best first."""
        out: list[str] = []
        for match in self.search(name, limit=limit * 2):
            if match.place.name not in out:
                out.append(match.place.name)
        return out[:limit]

    def is_within(self, place: Place, within) -> bool:
        """True when ``place`` lies in the ``within`` context (a Place, P-code, place name or bounding box); regions
        always do."""
        inside = self._inside_test(within)
        return True if inside is None else bool(inside(place))

    # ------------------------------------------------------------------ internals

    def _cached(self, name, within, kind) -> Match:
        """:meth:`_match`, remembered for names without context: report files repeat a few dozen names."""
        if within is not None:
            return self._match(name, self._inside_test(within), kind_test(kind))
        key = (name, kind if kind is None or isinstance(kind, str) else tuple(kind))
        match = self._answers.get(key)
        if match is None:
            match = self._match(name, None, kind_test(kind))
            if len(self._answers) >= _MAX_ANSWERS:
                self._answers.clear()
            self._answers[key] = match
        return match

    def _inside_test(self, within):
        return self._hierarchy.inside_test(within, self._resolve_area)

    def _resolve_area(self, name: str) -> Place:
        """The place a ``within`` name means: an area of that name first (*Idlib* is the governorate here)."""
        match = self._match(name, None, kind_test(AREA_KINDS))
        if match.place is None or match.ambiguous:
            match = self.resolve(name)
        areas = [p for p in match.candidates if p.is_area]
        return min(areas, key=area_size) if areas else match.place

    def _match(self, name: str, inside, kinds) -> Match:
        """The answer for ``name``, never raising for the name: place None when nothing matched."""
        if not isinstance(name, str):
            raise TypeError(f"expected a place name as str, got {name!r}")
        anywhere = kinds is None and inside is None
        passes = (lambda p: (kinds is None or kinds(p)) and (inside is None or inside(p)))
        if is_pcode(name):
            place = self.by_pcode(name)
            if place is not None and passes(place):
                return Match(name, place, "pcode", 100.0)
            return Match(name, None, "none", 0.0, alternatives=(place,) if place else ())
        outside: list[Place] = []
        for method, scored in self._tiers.steps(name, self._fuzzy_cutoff):
            if not scored:
                continue
            kept = scored if anywhere else [ps for ps in scored if passes(ps[0])]
            if not kept:
                outside.extend(p for p, _ in scored if kinds is None or kinds(p))
                continue
            if method == "fuzzy":
                top = max(s for _, s in kept)  # only the best fuzzy score competes
                kept = [ps for ps in kept if ps[1] >= top - 1e-9]
                if len(kept) > 1 and not name.isascii():
                    kept = closest_written(name, kept)
            return self._chosen(name, method, kept)
        # online only for names nothing offline knows (a namesake outside the context is an answer: "not there")
        online = self._online.lookup(name) if self._online is not None and not outside else None
        if online is not None and passes(online):
            return Match(name, online, "online", 100.0)
        return Match(name, None, "none", 0.0, alternatives=tuple({p.id: p for p in outside}.values())[:5])

    def _chosen(self, name: str, method: str, scored: list[tuple[Place, float]]) -> Match:
        if len(scored) == 1:
            return Match(name, scored[0][0], method, scored[0][1])
        best, others, ambiguous = self._hierarchy.choose([p for p, _ in scored])
        score = max(s for p, s in scored if p.id == best.id)
        return Match(name, best, method, score, ambiguous=ambiguous, alternatives=others)

    def _not_found(self, match: Match, within) -> PlaceNotFoundError:
        if match.alternatives and within is not None:
            context = within.name if isinstance(within, Place) else within
            return PlaceNotFoundError(match.query, outside=match.alternatives, context=context)
        if match.alternatives:  # of another kind than asked for
            return PlaceNotFoundError(match.query, [f"{p.name} ({p.kind})" for p in match.alternatives])
        return PlaceNotFoundError(match.query, self.suggest(match.query) if match.query.strip() else ())


_DEFAULT: Gazetteer | None = None
