"""The :class:`Gazetteer`: resolves a place name, in any spelling, to a :class:`~gazetteer.places.Place`.

Matching runs in tiers, strictest first, and stops at the first tier that finds something:

1. ``exact``: the name as written (case-insensitive) is a place's name, Arabic name or alternate name;
2. ``variant``: the name equals a place name after :func:`~gazetteer.normalize.normalize_name`, then after the
   consonant skeleton (:func:`~gazetteer.normalize.skeleton_key`: article, vowel spellings, q/k, kh/h, endings ...);
   a trailing kind word (``"Maarat al-Numan district"``, ``"Idlib province"``) restricts the kind. When the names
   behind a skeleton share few letters with the query, a close fuzzy match to another bundled place goes first: a
   typo can land on another name's skeleton (*Haaim*, meant for Harim, has the skeleton of Hama). For a bundled
   skeleton the query spells less than very closely (plain ratio below 90), the bundled names whose skeletons are
   one consonant away are checked too: one the query spells more closely goes first (*Haim* is Harim, not Hama);
3. ``fuzzy``: rapidfuzz compares the query with every name, letter by letter and by
   :func:`~gazetteer.normalize.fuzzy_key`; only scores at or above ``fuzzy_cutoff`` with few typos (one per four
   letters at the default cutoff) count, so a name that is not a place is "not found" rather than a guess. Names
   of fewer than six letters get no leniency for transliteration swaps, but an ayn or hamza mark that both
   spellings write counts as a letter (*A'zan* is one typo away from *A'zaz*). Places tied at the best fuzzy
   score are told apart by the accents and marks the query writes: *Ḥdleb* is one letter from *Haleb* and *Idleb*,
   and Aleppo, written *Ḥaleb*, goes first;
4. ``online``: only when an :class:`~gazetteer.online.OnlineFallback` was passed in, and nothing offline matched.

Places of a local store (:mod:`gazetteer.store`) are searched beside the bundled data; within one tier the bundled
places win, so an imported GeoNames dump never makes a curated name ambiguous.

Several places at the best tier
-------------------------------
A name such as *Idlib* names the city, its subdistrict, district and governorate. When all candidates lie in one
parent chain (ancestor and descendant), or within :data:`SAME_PLACE_KM` of each other (a town and the camp cluster
named after it), they are one place for a report and the most specific is chosen, in the order of
:data:`KIND_PREFERENCE`: settlements before camps before areas (ask for ``"Idlib governorate"`` to get the area).
Candidates that are truly different places (the village Bidama in Maarat al-Numan district and the subdistrict
Badama in Jisr al-Shughur district) make the name ambiguous: :meth:`Gazetteer.resolve` raises
:class:`~gazetteer.errors.AmbiguousPlaceError` unless ``within`` decides.

``within``
----------
A :class:`Place`, a P-code (``"SY07"``, ``"SY0703"``, ``"SY070301"``, ``"C4130"``), a place name, or a bounding box
``(lat_min, lon_min, lat_max, lon_max)``. It is a preference: the first tier with a candidate inside ``within`` wins
(so an exact match outside loses to a variant inside); when no tier has one inside, the answer is the one without
``within``.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

from .errors import AmbiguousPlaceError, DataFileError, PlaceNotFoundError
from .normalize import _exact_key, _variant_keys, ayn_spelling, fuzzy_key, has_ayn
from .places import AREA_KINDS, KINDS, PRECISIONS, Match, Place, _plain_match

__all__ = ["Gazetteer", "DEFAULT_FUZZY_CUTOFF", "KIND_PREFERENCE", "SAME_PLACE_KM", "read_places_csv"]

#: Default minimum rapidfuzz ratio (0-100) of the fuzzy tier. One typo in a name of 6 or more letters passes;
#: names of people and organisations from the reports stay well below.
DEFAULT_FUZZY_CUTOFF = 80.0
#: Looser cutoff for "did you mean" suggestions and :meth:`Gazetteer.search`.
SUGGESTION_CUTOFF = 60.0
#: How specific a kind is, most preferred first: a name in a displacement report means the settlement, its camps,
#: and only then the area named after it.
KIND_PREFERENCE = tuple(k for k in KINDS if k not in AREA_KINDS) + (
    "subdistrict", "district", "governorate", "region", "country")
#: Same-name candidates closer than this (km) are one place for a report (a town and its camp cluster).
SAME_PLACE_KM = 5.0
#: Columns of the bundled CSV that must be present.
REQUIRED_COLUMNS = ("id", "name", "kind", "lat", "lon")
OPTIONAL_COLUMNS = ("name_ar", "pcode", "admin1", "admin2", "admin3", "parent", "population", "alt_names", "source",
                    "precision")

_KIND_RANK = {kind: i for i, kind in enumerate(KIND_PREFERENCE)}
# Trailing words that name a kind: "Maarat al-Numan district", "Idlib province", "Atmeh camps".
_KIND_WORDS = {
    "governorate": ("governorate",),
    "province": ("governorate",),
    "muhafazah": ("governorate",),
    "district": ("district",),
    "mantiqa": ("district",),
    "subdistrict": ("subdistrict",),
    "sub district": ("subdistrict",),
    "nahiya": ("subdistrict",),
    "city": ("city", "town"),
    "town": ("town", "city", "village"),
    "village": ("village", "town"),
    "camp": ("camp", "camp_cluster"),
    "camps": ("camp_cluster", "camp"),
    "crossing": ("border_crossing",),
    "border crossing": ("border_crossing",),
    "countryside": ("district", "subdistrict", "region"),
    "region": ("region", "district", "subdistrict"),
    "area": ("region", "district", "subdistrict"),
}
_KIND_SUFFIX = re.compile(r"^(.*\S)\s+(" + "|".join(sorted(_KIND_WORDS, key=len, reverse=True)) + r")$")
_PCODE = re.compile(r"^(SY(?:\d{2}){0,4}|C\d{3,6})$", re.IGNORECASE)
_FUZZY_LIMIT = 12
# Remembered answers of resolve() (names without context); cleared when full.
_MAX_ANSWERS = 1 << 16
# Queries shorter than this (letters of the normal form) get no transliteration leniency in the fuzzy tier.
_SHORT_NAME = 6
# resolve_many() rules out hopeless names in one vectorised pass from this many distinct names on, comparing at
# most _BATCH_CELLS query-name pairs at a time (bounded memory for large stores).
_BATCH_MIN = 64
_BATCH_CELLS = 4_000_000
# Below this many choices a rapidfuzz scan costs less than the letter-count filter's numpy pass.
_LETTER_FILTER_MIN = 2000
# Characters the letter-count filter counts apart (the others share one count).
_LETTER_ROWS = 63
# A skeleton (variant) match yields to a close fuzzy match when the query's plain ratio to every spelling behind the
# skeleton is below 75, that is (ratio = 100 * (1 - Indel distance / both lengths)) when 4 * distance > the lengths.
_WEAK_DISTANCE = 4
# A query that spells a name behind its skeleton this closely (plain ratio >= 90: 10 * distance <= the lengths) is
# taken to mean it, without looking for curated names one consonant away (see Gazetteer._closer_spelling).
_CLOSE_DISTANCE = 10


# Queries repeat (a report file names a few dozen places thousands of times): their keys are remembered, in dicts
# emptied when full (a miss costs less than an LRU cache's bookkeeping, and a first-sight query always misses).
_MAX_QUERY_KEYS = 1 << 16
_VARIANT_KEYS: dict[str, tuple[str, str]] = {}
_FUZZY_KEYS: dict[str, str] = {}


def _query_variant_keys(name: str) -> tuple[str, str]:
    """:func:`~gazetteer.normalize.variant_keys` of a query, remembered."""
    keys = _VARIANT_KEYS.get(name)
    if keys is None:
        if len(_VARIANT_KEYS) >= _MAX_QUERY_KEYS:
            _VARIANT_KEYS.clear()
        keys = _VARIANT_KEYS[name] = _variant_keys(name)
    return keys


def _query_fuzzy_key(norm: str) -> str:
    """:func:`~gazetteer.normalize.fuzzy_key` of a query's normal form, remembered."""
    key = _FUZZY_KEYS.get(norm)
    if key is None:
        if len(_FUZZY_KEYS) >= _MAX_QUERY_KEYS:
            _FUZZY_KEYS.clear()
        key = _FUZZY_KEYS[norm] = fuzzy_key(norm, normalized=True)
    return key


def _forget_query_keys() -> None:
    """Empty the remembered query keys (benchmarks measure first-sight queries)."""
    _VARIANT_KEYS.clear()
    _FUZZY_KEYS.clear()


_INDEL_DISTANCE = None


@functools.cache
def _fuzz_ratio():
    """rapidfuzz's ratio, imported on first use."""
    from rapidfuzz.fuzz import ratio

    return ratio


@functools.cache
def _osa_distance():
    """rapidfuzz's OSA distance (typos with transpositions), imported on first use."""
    from rapidfuzz.distance import OSA

    return OSA.distance


def _indel_distance():
    """rapidfuzz's Indel distance, imported on first use (``import gazetteer`` stays light for the CLI)."""
    global _INDEL_DISTANCE
    if _INDEL_DISTANCE is None:
        from rapidfuzz.distance import Indel

        _INDEL_DISTANCE = Indel.distance
    return _INDEL_DISTANCE


class _LetterCounts:
    """How often each character occurs in each of a list of strings: an exact filter before a rapidfuzz scan.

    rapidfuzz's ratio is ``100 * (1 - d / (len(a) + len(b)))`` with ``d`` the Indel distance, and ``d`` is at least
    the number of characters the two strings do not have in common (each must be inserted or deleted). So
    ``ratio <= 200 * shared / (len(a) + len(b))``, where ``shared`` sums, over characters, the smaller of their two
    counts. Choices whose bound is below the cutoff cannot reach it, and a scan of the rest finds exactly what a scan
    of all would find, in the same order. One numpy pass over the query's characters replaces most of a scan whose
    cost is about 40 ns per choice, whatever the score.
    """

    __slots__ = ("choices", "columns", "counts", "lengths", "other", "scaled")

    def __init__(self, choices: list[str]):
        import numpy as np

        # every character of every choice as a code point, with the number of its choice (vectorised: a store has
        # hundreds of thousands of characters)
        points = np.frombuffer("".join(choices).encode("utf-32-le"), dtype=np.uint32)
        owners = np.repeat(np.arange(len(choices)), [len(text) for text in choices])
        chars, which, frequency = np.unique(points, return_inverse=True, return_counts=True)
        # A row per frequent character; the rare ones (a GeoNames store spells names in many scripts) share the
        # last row. Counting different characters as one can only raise the bound: the filter stays exact.
        top = np.argsort(-frequency, kind="stable")[:_LETTER_ROWS]
        row_of = np.full(len(chars), len(top), dtype=np.intp)
        row_of[top] = np.arange(len(top))
        columns = {chr(chars[i]): row for row, i in enumerate(top.tolist())}
        # one row per character (the rows a query selects are contiguous), one column per choice
        size = (len(top) + 1) * len(choices)
        counts = np.bincount(row_of[which.ravel()] * len(choices) + owners, minlength=size)
        counts = counts.reshape(len(top) + 1, len(choices))
        counts = counts.astype(np.uint16) if counts.size and counts.max() <= 0xFFFF else counts
        self.choices = choices
        self.columns = columns
        self.other = len(top)
        self.counts = counts
        self.lengths = np.array([len(text) for text in choices], dtype=np.float64)
        #: ``lengths`` times a cutoff's fraction, per cutoff (a gazetteer uses two or three)
        self.scaled: dict[float, object] = {}

    def reachable(self, query: str, cutoff: float) -> list[str]:
        """The choices whose ratio with ``query`` may reach ``cutoff``, in their order."""
        import numpy as np

        wanted: dict[int, int] = {}
        columns, other = self.columns, self.other
        for char in query:
            row = columns.get(char, other)
            wanted[row] = wanted.get(row, 0) + 1
        # keep a hair of slack below the cutoff: the filter must never drop a choice rapidfuzz's float would keep
        least = (cutoff - 1e-6) / 200.0
        scaled = self.scaled.get(least)
        if scaled is None:
            scaled = self.scaled[least] = least * self.lengths
        shared = np.add.reduce(np.minimum(self.counts[list(wanted)], np.array(list(wanted.values()))[:, None])) \
            if wanted else 0  # an empty query shares nothing
        keep = np.flatnonzero(shared >= scaled + least * len(query))
        if len(keep) == len(self.choices):
            return self.choices
        choices = self.choices
        return [choices[i] for i in keep.tolist()]


def _names_of(place: Place) -> list[str]:
    names = [place.name]
    if place.name_ar:
        names.append(place.name_ar)
    names.extend(place.alt_names)
    return [n for n in names if n and n.strip()]


class _Index:
    """Lookup tables over one set of places (the bundled data, or a store)."""

    __slots__ = ("exact", "norm", "skeleton", "skeleton_norms", "fuzzy_keys", "fuzzy_norms", "fuzzy_places",
                 "ayn_spellings", "skeleton_entries", "neighbours", "key_choices", "key_owners", "norm_choices",
                 "norm_owners", "key_letters", "norm_letters")

    def __init__(self, places: Iterable[Place], keys: Iterable[tuple[Place, str, str, str, str]] | None = None):
        self.fuzzy_keys: list[str] = []
        self.fuzzy_norms: list[str] = []
        self.fuzzy_places: list[Place] = []
        ayn_l: dict[int, list[str]] = {}
        entries_l: dict[str, list[int]] = {}
        #: skeleton -> the fuzzy entries whose skeleton is one edit away (built on first use: neighbour_table)
        self.neighbours: dict[str, tuple[int, ...]] | None = None
        if keys is None:
            keys = self._compute_keys(places)
        exact_l: dict[str, list[Place]] = {}
        norm_l: dict[str, list[Place]] = {}
        skel_l: dict[str, list[Place]] = {}
        skel_norms: dict[str, set[str]] = {}
        seen_fuzzy: dict[tuple[str, str], int] = {}
        for place, exact, norm, skel, fuzz in keys:
            if skel:
                skel_norms.setdefault(skel, set()).add(norm)
            # a place's names arrive together, so a repeat is always the last entry
            for table, key in ((exact_l, exact), (norm_l, norm), (skel_l, skel)):
                if key:
                    hits = table.get(key)
                    if hits is None:
                        table[key] = [place]
                    elif hits[-1] is not place:
                        hits.append(place)
            if fuzz:
                entry = seen_fuzzy.get((norm, place.id))
                if entry is None:
                    entry = seen_fuzzy[(norm, place.id)] = len(self.fuzzy_keys)
                    self.fuzzy_keys.append(fuzz)
                    self.fuzzy_norms.append(norm)
                    self.fuzzy_places.append(place)
                if has_ayn(exact):  # the exact key keeps the marks
                    ayn_l.setdefault(entry, []).append(ayn_spelling(exact))
                if skel:
                    entries = entries_l.setdefault(skel, [])
                    if entry not in entries:
                        entries.append(entry)
        # Tables live as long as the gazetteer, and a store fills them with hundreds of thousands of containers that
        # Python's cycle collector walks again at every full collection while queries create answers: tuples, not
        # lists (a tuple of numbers or strings drops out of the collector's sight), and one shared tuple per place
        # where a key has one place (most keys). A 50,000-name store leaves 155,000 objects to walk, not 349,000.
        alone: dict[str, tuple[Place]] = {}

        def hits_of(places: list[Place]) -> tuple[Place, ...]:
            if len(places) > 1:
                return tuple(places)
            one = alone.get(places[0].id)
            if one is None:
                one = alone[places[0].id] = (places[0],)
            return one

        self.exact: dict[str, tuple[Place, ...]] = {k: hits_of(v) for k, v in exact_l.items()}
        self.norm: dict[str, tuple[Place, ...]] = {k: hits_of(v) for k, v in norm_l.items()}
        self.skeleton: dict[str, tuple[Place, ...]] = {k: hits_of(v) for k, v in skel_l.items()}
        #: the spellings behind each skeleton, to tell a transliteration from a typo that lands on another name
        self.skeleton_norms: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in skel_norms.items()}
        #: skeleton -> the fuzzy entries of the names that have it
        self.skeleton_entries: dict[str, tuple[int, ...]] = {k: tuple(v) for k, v in entries_l.items()}
        #: fuzzy entry -> its names that write an ayn or hamza mark, as :func:`ayn_spelling` gives them
        self.ayn_spellings: dict[int, tuple[str, ...]] = {k: tuple(v) for k, v in ayn_l.items()}
        # rapidfuzz scans distinct strings only; owners map each back to its entries
        key_owners: dict[str, list[int]] = {}
        norm_owners: dict[str, list[int]] = {}
        for i, (fuzz, norm) in enumerate(zip(self.fuzzy_keys, self.fuzzy_norms)):
            key_owners.setdefault(fuzz, []).append(i)
            norm_owners.setdefault(norm, []).append(i)
        self.key_owners: dict[str, tuple[int, ...]] = {k: tuple(v) for k, v in key_owners.items()}
        self.norm_owners: dict[str, tuple[int, ...]] = {k: tuple(v) for k, v in norm_owners.items()}
        self.key_choices = list(self.key_owners)
        self.norm_choices = list(self.norm_owners)
        # built on the first fuzzy query (opening a large store stays quick)
        self.key_letters: _LetterCounts | None = None
        self.norm_letters: _LetterCounts | None = None

    def reachable(self, kind: str, query: str, cutoff: float, *, filtered: bool = False) -> list[str]:
        """The ``kind`` (``"key"`` or ``"norm"``) choices that may reach ``cutoff`` with ``query``, in their order.

        The letter filter runs for :data:`_LETTER_FILTER_MIN` choices or more, or when ``filtered`` asks for it: a
        query that is far from nearly every choice is worth filtering even in a short list.
        """
        choices = self.key_choices if kind == "key" else self.norm_choices
        if cutoff <= 0 or (len(choices) < _LETTER_FILTER_MIN and not filtered):
            return choices
        attr = kind + "_letters"
        letters = getattr(self, attr)
        if letters is None:
            letters = _LetterCounts(choices)
            setattr(self, attr, letters)
        return letters.reachable(query, cutoff)

    def neighbour_table(self) -> dict[str, tuple[int, ...]]:
        """Skeleton -> the fuzzy entries whose names have a skeleton one edit (a consonant added, dropped or
        changed) away: where a typo in one of those names lands. Built on the first call."""
        if self.neighbours is None:
            # Two skeletons one edit apart: one is the other less a letter, or both give the same string when the
            # letter at the same position is taken out (a substitution). Index every one-letter deletion.
            deletions: dict[str, list[tuple[str, int]]] = {}
            for skel in self.skeleton_entries:
                for k in range(len(skel)):
                    deletions.setdefault(skel[:k] + skel[k + 1:], []).append((skel, k))
            pairs: dict[str, set[str]] = {}
            for skel in self.skeleton_entries:
                for longer, _ in deletions.get(skel, ()):
                    pairs.setdefault(skel, set()).add(longer)
                    pairs.setdefault(longer, set()).add(skel)
            for same in deletions.values():
                for a, i in same:
                    for b, j in same:
                        if i == j and a != b:
                            pairs.setdefault(a, set()).add(b)
            neighbours = {skel: [e for other in sorted(others) for e in self.skeleton_entries[other]]
                          for skel, others in pairs.items()}
            self.neighbours = {k: tuple(v) for k, v in neighbours.items()}
        return self.neighbours

    @staticmethod
    def _compute_keys(places: Iterable[Place]) -> Iterator[tuple[Place, str, str, str, str]]:
        for place in places:
            for name in _names_of(place):
                norm, skel = _variant_keys(name)
                yield place, _exact_key(name), norm, skel, fuzzy_key(norm, normalized=True)


def _nearest_spelling(norm: str, spellings: tuple[str, ...]) -> tuple[int, int]:
    """``(Indel distance, both lengths)`` of the spelling closest to ``norm``.

    rapidfuzz's plain ratio is ``100 * (1 - distance / lengths)``, so thresholds on it are tests in integers:
    ``ratio >= 75`` is ``4 * distance <= lengths``.
    """
    distance = _INDEL_DISTANCE or _indel_distance()
    best_d, best_len = 1, 0  # ratio 0 when there is no spelling
    for spelling in spellings:
        d, length = distance(norm, spelling), len(norm) + len(spelling)
        if d * best_len < best_d * length:
            best_d, best_len = d, length
    return best_d, best_len


def _fuzzy_value(index: _Index, i: int, fkey: str, norm: str, ayn: str | None, ratio) -> float:
    """The fuzzy score (0-100) of the query against fuzzy entry ``i``, before the cutoff and the typo limit."""
    plain = ratio(norm, index.fuzzy_norms[i])
    # In a short name one letter changes the word ("Iran" is one edit from Marayan's key): below _SHORT_NAME letters
    # only the plain ratio counts, with no leniency for transliteration swaps.
    value = plain if len(norm) < _SHORT_NAME else max(plain, (plain + ratio(fkey, index.fuzzy_keys[i])) / 2)
    if ayn is not None:
        for spelled in index.ayn_spellings.get(i, ()):
            value = max(value, ratio(ayn, spelled))
    return value


def _few_typos(index: _Index, i: int, fkey: str, norm: str, cutoff: float) -> bool:
    """The typo limit of an answer: one typo per four letters (at the default cutoff), in the letters or the key.

    A ratio also rewards shared runs of a different word ("Islamist" ~ "Islamin" scores 80).
    """
    edits = _osa_distance()
    name_key = index.fuzzy_keys[i]
    allowed = max(1, int(len(name_key) * (100 - cutoff) / 80))
    return ((len(norm) >= _SHORT_NAME and edits(fkey, name_key, score_cutoff=allowed) <= allowed)
            or edits(norm, index.fuzzy_norms[i], score_cutoff=allowed) <= allowed)


def _closest_written(name: str, scored: list[tuple[Place, float]]) -> list[tuple[Place, float]]:
    """Of fuzzy candidates tied at the best score, those with a name written most like the query, marks included.

    Normalisation drops accents and marks, so *Ḥdleb* is one letter from both *Haleb* and *Idleb*. A query that
    writes ḥ, ā or ‘ names places in a scholarly transliteration, and a place with a name written with the same
    marks (*Ḥaleb*, Aleppo) is the likelier one. Candidates are ranked by the query's non-ASCII characters that one
    of their names writes too, then by rapidfuzz's ratio of the written forms
    (:func:`~gazetteer.normalize.exact_key`: case folded, marks kept); those ranked first are kept, and several
    still make the name ambiguous.
    """
    ratio = _fuzz_ratio()
    query = _exact_key(name)
    marks = {c: query.count(c) for c in query if not c.isascii()}

    def closeness(place: Place) -> tuple[int, float]:
        best = (0, 0.0)
        for spelling in _names_of(place):
            written = _exact_key(spelling)
            shared = sum(min(count, written.count(c)) for c, count in marks.items())
            best = max(best, (shared, ratio(query, written)))
        return best

    ranks = [closeness(place) for place, _ in scored]
    top = max(ranks)
    return [ps for ps, rank in zip(scored, ranks) if rank[0] == top[0] and rank[1] >= top[1] - 1e-9]


def _first_hits(indexes: tuple[_Index, ...]):
    """``(exact, norm, skeleton)`` tables over all indexes for :meth:`Gazetteer._quick`: each key maps to the hits
    of the first index that has it (bundled before store, as in the tiers); a skeleton maps to ``(hits, every
    spelling behind it in any index, whether the hits are curated)``. One lookup per tier instead of one per
    index."""
    exact: dict[str, tuple[Place, ...]] = {}
    norm: dict[str, tuple[Place, ...]] = {}
    skeleton: dict[str, tuple[tuple[Place, ...], tuple[str, ...]]] = {}
    for index in reversed(indexes):
        exact.update(index.exact)
        norm.update(index.norm)
        for key, hits in index.skeleton.items():
            later = skeleton.get(key)
            spellings = index.skeleton_norms[key]
            skeleton[key] = (hits, spellings if later is None else spellings + later[1], index is indexes[0])
    if len(indexes) == 1:
        # nothing to merge: share the index's own tables
        exact, norm = indexes[0].exact, indexes[0].norm
    return exact, norm, skeleton


def _distance_km(a: Place, b: Place) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def _preference(place: Place) -> tuple:
    return (_KIND_RANK.get(place.kind, len(_KIND_RANK)), -(place.population or 0), place.id)


def _dedupe(places: Iterable[Place]) -> list[Place]:
    seen: set[str] = set()
    out = []
    for place in places:
        if place.id not in seen:
            seen.add(place.id)
            out.append(place)
    return out


class Gazetteer:
    """Places of north-west Syria, searchable by any spelling of their names.

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
        own = tuple(places)
        by_id: dict[str, Place] = {}
        for place in own:
            if not isinstance(place, Place):
                raise TypeError(f"expected Place objects, got {place!r}")
            if place.id in by_id:
                raise ValueError(f"duplicate place id {place.id!r}")
            by_id[place.id] = place
        self._own = own
        self._fuzzy_cutoff = float(fuzzy_cutoff)
        self._online = online
        self._index = _Index(own)
        self._store = self._open_store(store)
        store_places: tuple[Place, ...] = ()
        self._store_index = None
        if self._store is not None:
            store_places = tuple(p for p in self._store.places if p.id not in by_id)
            for place in store_places:
                by_id[place.id] = place
            if store_places:
                # the store's precomputed keys, minus those of places the bundled data shadows
                own_ids = {p.id for p in own}
                keys = [(by_id[pid], *rest) for pid, *rest in self._store.name_keys() if pid not in own_ids]
                self._store_index = _Index(store_places, keys)
        self._indexes = (self._index,) if self._store_index is None else (self._index, self._store_index)
        self._first_exact, self._first_norm, self._first_skeleton = _first_hits(self._indexes)
        self._choices: dict[tuple[str, ...], tuple[Place, tuple[Place, ...], bool]] = {}
        self._answers: dict[str, Match] = {}
        self._places = own + store_places
        self._by_id = by_id
        self._by_pcode: dict[str, Place] = {}
        self._children: dict[str, list[Place]] = {}
        self._pcodes: set[str] = set()
        for place in self._places:
            if place.pcode:
                self._by_pcode.setdefault(place.pcode.upper(), place)
            self._pcodes.update(p.upper() for p in place.pcodes)
            if place.parent:
                self._children.setdefault(place.parent, []).append(place)
        self._ancestors_cache: dict[str, frozenset[str]] = {}

    @staticmethod
    def _open_store(store):
        if store is None:
            return None
        if hasattr(store, "places") and hasattr(store, "name_keys"):
            return store
        from .store import PlaceStore

        return PlaceStore(store)

    # ------------------------------------------------------------------ construction

    @classmethod
    def default(cls, *, store=None, online=None, fuzzy_cutoff: float = DEFAULT_FUZZY_CUTOFF) -> "Gazetteer":
        """The bundled gazetteer (``gazetteer/data/places.csv``), loaded once.

        Parameters
        ----------
        store : gazetteer.store.PlaceStore or path-like, optional
            A local store to search as well. A store is never used implicitly: pass it here or use
            :meth:`with_store`.
        online : gazetteer.online.OnlineFallback, optional
            Opt-in online fallback.
        fuzzy_cutoff : float
            See :class:`Gazetteer`.

        Raises
        ------
        DataFileError
            The bundled file is malformed (names file, line and field).
        """
        if store is None and online is None and fuzzy_cutoff == DEFAULT_FUZZY_CUTOFF:
            return _default_gazetteer()
        return cls(_bundled_places(), store=store, online=online, fuzzy_cutoff=fuzzy_cutoff)

    @classmethod
    def from_csv(cls, path, *, store=None, online=None, fuzzy_cutoff: float = DEFAULT_FUZZY_CUTOFF) -> "Gazetteer":
        """A gazetteer from a CSV in the format of the bundled ``places.csv``.

        Raises
        ------
        DataFileError
            A row is malformed; the message names file, line and field.
        """
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
            return self._by_id[place_id]
        except (KeyError, TypeError) as err:
            raise PlaceNotFoundError(place_id) from err

    def by_pcode(self, pcode: str) -> Place | None:
        """The place whose own P-code is ``pcode`` (case-insensitive), or None."""
        return self._by_pcode.get(str(pcode).strip().upper())

    def children(self, place_or_id) -> list[Place]:
        """Places whose ``parent`` is the given place (a Place or an id)."""
        pid = place_or_id.id if isinstance(place_or_id, Place) else place_or_id
        return list(self._children.get(pid, ()))

    def ancestors(self, place_or_id) -> list[Place]:
        """The chain of enclosing places, nearest first (subdistrict, district, governorate ...)."""
        place = place_or_id if isinstance(place_or_id, Place) else self.by_id(place_or_id)
        chain = []
        seen = {place.id}
        while place.parent and place.parent in self._by_id and place.parent not in seen:
            place = self._by_id[place.parent]
            seen.add(place.id)
            chain.append(place)
        return chain

    def _ancestor_ids(self, place: Place) -> frozenset[str]:
        ids = self._ancestors_cache.get(place.id)
        if ids is None:
            ids = frozenset(p.id for p in self.ancestors(place))
            self._ancestors_cache[place.id] = ids
        return ids

    # ------------------------------------------------------------------ matching

    def resolve(self, name: str, *, within=None) -> Match:
        """The place a name means.

        Parameters
        ----------
        name : str
            A place name in any spelling or script.
        within : Place, str or tuple, optional
            Context: a Place, a P-code, a place name, or ``(lat_min, lon_min, lat_max, lon_max)``.

        Returns
        -------
        Match
            With the method (``exact``, ``variant``, ``fuzzy``, ``online``) and score; ``alternatives`` holds the
            other candidates of the same tier that the rule set aside (the same place's areas, or a camp cluster
            beside a town of its name).

        Raises
        ------
        PlaceNotFoundError
            Nothing matched well enough; ``suggestions`` holds the nearest names.
        AmbiguousPlaceError
            Different places match equally well and ``within`` does not decide.
        """
        if within is None and type(name) is str:
            # Report files name a few dozen places thousands of times, and the answer for a name never changes
            # (places are fixed once the gazetteer is built): remember answers.
            match = self._answers.get(name)
            if match is not None:
                return match
            quick = self._quick(name)
            if quick is not None and len(quick[1]) == 1:
                match = _plain_match(name, quick[1][0], quick[0], 100.0)
            else:
                # hand the lookup over: computing it again would double the cost of every ambiguous name
                match = self._resolve(name, None, strict=True, quick=quick)
            if len(self._answers) >= _MAX_ANSWERS:
                self._answers.clear()
            self._answers[name] = match
            return match
        return self._resolve(name, self._inside_test(within), strict=True)

    def get(self, name: str, default=None, *, within=None):
        """Like :meth:`resolve`, but returns ``default`` when the name is not found or is ambiguous.

        A bad ``within`` still raises: it is a mistake in the call, not an unknown name.
        """
        inside = self._inside_test(within)
        try:
            return self._resolve(name, inside, strict=True)
        except (PlaceNotFoundError, AmbiguousPlaceError):
            return default

    def resolve_many(self, names: Iterable[str], *, within=None) -> list[Match]:
        """Resolve many names at once; never raises for a bad name.

        A name that does not match gets ``Match(place=None, method="none", score=0)``; an ambiguous name gets the
        preferred candidate with ``ambiguous=True`` and the others in ``alternatives``. Each distinct name is
        resolved once. Only a bad ``within`` raises (as in :meth:`resolve`).
        """
        inside = self._inside_test(within)
        names = list(names)
        cache: dict[str, Match] = {}
        distinct = [n for n in dict.fromkeys(names) if isinstance(n, str)]
        if len(distinct) >= _BATCH_MIN and self._online is None:
            # A file of many unknown names must fail fast: rule out in one vectorised pass the names that no tier
            # could match, instead of running the fuzzy tier for each of them.
            for name in self._hopeless(distinct):
                cache[name] = Match(name, None, "none", 0.0)
        out = []
        for name in names:
            match = cache.get(name)
            if match is None:
                match = cache[name] = self._resolve(name, inside, strict=False)
            out.append(match)
        return out

    def _hopeless(self, names: list[str]) -> list[str]:
        """The names no tier can match: no exact, variant or kind-suffix hit, and every fuzzy score below the cutoffs
        :meth:`_fuzzy` applies (the same rapidfuzz ratio, so the answers are those :meth:`_resolve` would give)."""
        import numpy as np
        from rapidfuzz import fuzz, process

        candidates, fkeys, norms = [], [], []
        for name in names:
            if _exact_key(name) in self._first_exact:
                continue
            norm, skel = _query_variant_keys(name)
            if (_KIND_SUFFIX.match(norm) or not norm or norm in self._first_norm or skel in self._first_skeleton
                    or (len(norm) < _SHORT_NAME and has_ayn(name))):  # scored with the marks as letters
                continue
            candidates.append(name)
            fkeys.append(_query_fuzzy_key(norm))
            norms.append(norm)
        if not candidates:
            return []
        possible = np.zeros(len(candidates), dtype=bool)
        cutoff = self._fuzzy_cutoff
        for index in self._indexes:
            for queries, choices, least in ((fkeys, index.key_choices, max(0.0, 2 * cutoff - 100)),
                                            (norms, index.norm_choices, cutoff)):
                if not choices:
                    continue
                rows = max(1, _BATCH_CELLS // len(choices))
                for start in range(0, len(queries), rows):
                    scores = process.cdist(queries[start:start + rows], choices, scorer=fuzz.ratio, processor=None,
                                           dtype=np.float32, workers=-1)
                    possible[start:start + rows] |= scores.max(axis=1) >= least
        return [name for name, maybe in zip(candidates, possible) if not maybe]

    def search(self, name: str, limit: int = 5, *, within=None, cutoff: float | None = None) -> list[Match]:
        """Candidates for a name, best first (places inside ``within`` first, then by tier and score).

        Parameters
        ----------
        name : str
        limit : int
            Maximum number of matches.
        within : optional
            Context, as for :meth:`resolve`.
        cutoff : float, optional
            Minimum fuzzy score; default :data:`SUGGESTION_CUTOFF`, looser than :meth:`resolve` so that a misspelt
            name still gets candidates.
        """
        if not isinstance(name, str):
            raise TypeError(f"expected a place name as str, got {name!r}")
        if limit < 1:
            return []
        inside = self._inside_test(within)
        ranked: dict[str, tuple[tuple, Match]] = {}
        cutoff = SUGGESTION_CUTOFF if cutoff is None else cutoff
        for method, scored in self._tier_steps(name, cutoff, fuzzy_limit=max(limit * 3, 10)):
            for place, score in scored:
                is_in = inside(place) if inside else True
                key = (not is_in, 0 if method != "fuzzy" else 1, -score, _preference(place))
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

    # ------------------------------------------------------------------ internals

    def _tier_steps(self, name: str, cutoff: float, *, fuzzy_limit: int = _FUZZY_LIMIT):
        """Yield ``(method, [(place, score), ...])`` for each tier, bundled before store, strictest first."""
        indexes = self._indexes
        exact = _exact_key(name)
        for index in indexes:
            yield "exact", [(p, 100.0) for p in index.exact.get(exact, ())]
        norm, skel = _query_variant_keys(name)
        fkey = _query_fuzzy_key(norm)
        ayn = ayn_spelling(name) if len(norm) < _SHORT_NAME and has_ayn(name) else None
        for index in indexes:
            yield "variant", [(p, 100.0) for p in index.norm.get(norm, ())]
        skeleton_hits = [index.skeleton.get(skel, ()) for index in indexes]
        if any(skeleton_hits) and self._weak_skeleton(norm, skel):
            # the skeleton match shares few letters with the query: a typo may have landed on another name's
            # skeleton ("Haaim" for Harim has Hama's), so a close fuzzy match to another curated place goes first
            # (curated only: scanning a large imported store for every such query would cost milliseconds). Such a
            # query is nearly always a spelling of a store name, far from every curated name: the exact letter
            # filter leaves few curated names to scan (a third less time), where for a typo of a curated name, in
            # the fuzzy tier, it would cost more than it saves.
            ids = {p.id for hits in skeleton_hits for p in hits}
            for index in indexes[:1]:
                scored = self._fuzzy(index, fkey, norm, cutoff, fuzzy_limit, limit_edits=cutoff >= self._fuzzy_cutoff,
                                     ayn=ayn, filtered=True)
                if scored and scored[0][0].id not in ids:
                    yield "fuzzy", scored
        if skeleton_hits[0]:
            # a typo moves a skeleton by one consonant, onto another curated name's: a curated place whose skeleton
            # is one edit away and whose name the query spells more closely goes first
            yield "fuzzy", self._closer_spelling(name, norm, skel, cutoff)
        for hits in skeleton_hits:
            yield "variant", [(p, 100.0) for p in hits]
        suffix = _KIND_SUFFIX.match(norm)
        if suffix:
            base, word = suffix.groups()
            kinds = _KIND_WORDS[word]
            bnorm, bskel = _variant_keys(base)
            for attr, key in (("exact", _exact_key(base)), ("norm", bnorm), ("skeleton", bskel)):
                for index in indexes:
                    hits = [p for p in getattr(index, attr).get(key, ()) if p.kind in kinds]
                    yield "variant", [(p, 100.0) for p in sorted(hits, key=lambda p: kinds.index(p.kind))]
        if fkey:
            for index in indexes:
                # the typo limit is for answers; looser suggestions ("did you mean") go without it
                yield "fuzzy", self._fuzzy(index, fkey, norm, cutoff, fuzzy_limit,
                                           limit_edits=cutoff >= self._fuzzy_cutoff, ayn=ayn)

    @staticmethod
    def _fuzzy(index: _Index, fkey: str, norm: str, cutoff: float, limit: int, *,
               limit_edits: bool = True, ayn: str | None = None, filtered: bool = False) -> list[tuple[Place, float]]:
        """Places whose names are close to the query, scored 0-100.

        Two rapidfuzz ratios are combined: on the plain normal forms (every letter counts) and on the fuzzy keys
        (vowel spellings and transliteration swaps cost nothing). The score is the plain ratio, raised to the mean
        of both when the keys agree better. The key ratio alone would be too lenient ("Nowhere Town" and
        "Hareitane" share the key shape ``nahara...``); the plain ratio alone too strict for a typo in a spelling
        the gazetteer does not list.

        ``ayn`` is the query's :func:`~gazetteer.normalize.ayn_spelling` when it is short and writes an ayn or
        hamza mark: against names that write one too, the mark counts as a letter (*A'zan* is one typo in the five
        letters of *A'zaz*, not in the four of *azaz*). ``filtered`` runs the letter filter however few the names
        (:meth:`_Index.reachable`).
        """
        if not index.fuzzy_keys:
            return []
        from rapidfuzz import fuzz, process

        ratio = fuzz.ratio
        best: dict[str, tuple[Place, float]] = {}

        def score(owners):
            for i in owners:
                value = _fuzzy_value(index, i, fkey, norm, ayn, ratio)
                if value >= cutoff and (not limit_edits or _few_typos(index, i, fkey, norm, cutoff)):
                    place = index.fuzzy_places[i]
                    if place.id not in best or value > best[place.id][1]:
                        best[place.id] = (place, float(value))

        # the mean can reach the cutoff only if the key ratio reaches 2 * cutoff - 100
        least = max(0.0, 2 * cutoff - 100)
        for choice, _, _ in process.extract(fkey, index.reachable("key", fkey, least, filtered=filtered), scorer=ratio,
                                            processor=None, score_cutoff=least, limit=limit):
            score(index.key_owners[choice])
        if not best:
            # a typo can spoil the key but leave most letters ("al-Tai" for "al-Rai", "Cberanli" for "Cheranli")
            for choice, _, _ in process.extract(norm, index.reachable("norm", norm, cutoff, filtered=filtered),
                                                scorer=ratio, processor=None, score_cutoff=cutoff, limit=limit):
                score(index.norm_owners[choice])
        return sorted(best.values(), key=lambda ps: (-ps[1], ps[0].id))

    def _quick(self, name: str):
        """``(method, places)`` of the first exact or variant lookup that finds something, else None (also when the
        skeleton match is weak: :meth:`_tier_steps` then decides)."""
        hits = self._first_exact.get(_exact_key(name))
        if hits:
            return "exact", hits
        # keys remembered by an earlier pass (resolve_many's), else computed and not kept: resolve() remembers the
        # answer instead, and storing keys for every first-sight name would cost more than they save
        norm, skel = _VARIANT_KEYS.get(name) or _variant_keys(name)
        hits = self._first_norm.get(norm)
        if hits:
            return "variant", hits
        entry = self._first_skeleton.get(skel)
        if entry:
            spellings = entry[1]
            if len(spellings) == 1:
                # most skeletons have one spelling: _nearest_spelling without its loop and call
                d = (_INDEL_DISTANCE or _indel_distance())(norm, spellings[0])
                length = len(norm) + len(spellings[0])
            else:
                d, length = _nearest_spelling(norm, spellings)
            if _WEAK_DISTANCE * d > length:
                return None  # a weak match: _tier_steps decides
            if entry[2] and _CLOSE_DISTANCE * d > length:
                near = self._index.neighbours
                if near is None:
                    near = self._index.neighbour_table()
                if skel in near and self._closer_spelling(name, norm, skel, self._fuzzy_cutoff,
                                                          nearest=(d, length)):
                    return None  # _tier_steps puts the closer curated place first
            return "variant", entry[0]
        return None

    def _closer_spelling(self, name: str, norm: str, skel: str, cutoff: float, *,
                         nearest: tuple[int, int] | None = None) -> list[tuple[Place, float]]:
        """Curated places whose names have a skeleton one edit from ``skel`` and that the query spells more closely
        than any curated name with the skeleton ``skel``, best first (fuzzy scores, at least ``cutoff``).

        ``nearest`` is :func:`_nearest_spelling` of the query and the names behind ``skel``, when the caller has it.
        """
        index = self._index
        near = index.neighbour_table().get(skel, ())
        if not near:
            return []
        d, length = nearest or _nearest_spelling(norm, self._first_skeleton[skel][1])
        if _CLOSE_DISTANCE * d <= length:
            return []
        ayn = ayn_spelling(name) if len(norm) < _SHORT_NAME and has_ayn(name) else None
        ratio = _fuzz_ratio()
        # A fuzzy score is at most the plain ratio (short names) or the mean of the plain ratio and 100 (a short
        # query's ayn spelling aside), and the query's score against its own skeleton's names is at least their
        # plain ratio: names that cannot reach the cutoff or beat that are left out before any key is computed.
        short = len(norm) < _SHORT_NAME
        fuzzy_norms = index.fuzzy_norms
        kept = []
        for i in near:
            plain = ratio(norm, fuzzy_norms[i])
            bound = plain if short else (plain + 100) / 2
            if bound >= cutoff or (ayn is not None and i in index.ayn_spellings):
                kept.append((i, bound))
        if not kept:
            return []
        own_plain = 100.0 * (1 - d / length)
        near = [i for i, bound in kept if bound > own_plain or (ayn is not None and i in index.ayn_spellings)]
        if not near:
            return []
        fkey = _query_fuzzy_key(norm)
        found: dict[str, tuple[Place, float]] = {}
        for i in near:
            value = _fuzzy_value(index, i, fkey, norm, ayn, ratio)
            if value >= cutoff and _few_typos(index, i, fkey, norm, cutoff):
                place = index.fuzzy_places[i]
                if place.id not in found or value > found[place.id][1]:
                    found[place.id] = (place, float(value))
        if not found:
            return []
        # how closely the query spells the names behind its own skeleton (at least their plain ratio)
        own = max((_fuzzy_value(index, i, fkey, norm, ayn, ratio) for i in index.skeleton_entries.get(skel, ())),
                  default=own_plain)
        own = max(own, own_plain)
        hits = {p.id for p in index.skeleton.get(skel, ())}
        return sorted((ps for ps in found.values() if ps[1] > own and ps[0].id not in hits),
                      key=lambda ps: (-ps[1], ps[0].id))

    def _weak_skeleton(self, norm: str, skel: str) -> bool:
        """True when the names sharing the query's skeleton share few of its letters (plain ratio < 75)."""
        entry = self._first_skeleton.get(skel)
        if entry is None:
            return False
        d, length = _nearest_spelling(norm, entry[1])
        return _WEAK_DISTANCE * d > length

    def _choose(self, places) -> tuple[Place, tuple[Place, ...], bool]:
        """``(preferred place, the others, ambiguous?)`` for same-tier candidates (memoised: data is immutable)."""
        key = tuple(p.id for p in places)
        choice = self._choices.get(key)
        if choice is None:
            candidates = sorted(_dedupe(places), key=_preference)
            best, others = candidates[0], tuple(candidates[1:])
            choice = (best, others, not all(self._same_place(best, other) for other in others))
            self._choices[key] = choice
        return choice

    def _resolve(self, name: str, inside, *, strict: bool, quick=False) -> Match:
        """The match for ``name``; ``quick`` is the caller's :meth:`_quick` result (None: nothing found), or False
        when it has not looked yet."""
        if not isinstance(name, str):
            raise TypeError(f"expected a place name as str, got {name!r}")
        chosen = None
        if inside is None:
            if quick is False:
                quick = self._quick(name)
            if quick is not None:
                chosen = (quick[0], [(p, 100.0) for p in quick[1]])
        first = None
        if chosen is None:
            for method, scored in self._tier_steps(name, self._fuzzy_cutoff):
                if not scored:
                    continue
                if method == "fuzzy":
                    # Only the best fuzzy score competes; lower ones are alternatives at most.
                    top = scored[0][1]
                    scored = [ps for ps in scored if ps[1] >= top - 1e-9]
                if first is None:
                    first = (method, scored)
                if inside is None:
                    chosen = first
                    break
                scored_in = [ps for ps in scored if inside(ps[0])]
                if scored_in:
                    chosen = (method, scored_in)
                    break
        if chosen is None:
            chosen = first
        if chosen is None:
            online = self._online_match(name)
            if online is not None:
                return online
            if strict:
                raise PlaceNotFoundError(name, self.suggest(name))
            return Match(name, None, "none", 0.0)
        method, scored = chosen
        if method == "fuzzy" and len(scored) > 1 and not name.isascii():
            # after within has had its say: the context decides before the way a name is written
            scored = _closest_written(name, scored)
        best, others, ambiguous = self._choose([p for p, _ in scored])
        if not ambiguous:
            return Match(name, best, method, scored[0][1], alternatives=others)
        if strict:
            raise AmbiguousPlaceError(name, (best, *others))
        return Match(name, best, method, scored[0][1], ambiguous=True, alternatives=others)

    def is_within(self, place: Place, within) -> bool:
        """True when ``place`` lies in the ``within`` context (a Place, P-code, place name or bounding box).

        :meth:`resolve` treats ``within`` as a preference and may answer with a place outside it when nothing
        inside matches; callers for whom the context is a fact (a report that says "in SY0702") check with this.
        """
        inside = self._inside_test(within)
        return True if inside is None else bool(inside(place))

    def _online_match(self, name: str) -> Match | None:
        if self._online is None:
            return None
        place = self._online.lookup(name)
        if place is None:
            return None
        return Match(name, place, "online", 100.0)

    def _same_place(self, a: Place, b: Place) -> bool:
        """One place for a report: one encloses the other, or they lie within SAME_PLACE_KM."""
        return (a.id in self._ancestor_ids(b) or b.id in self._ancestor_ids(a)
                or _distance_km(a, b) <= SAME_PLACE_KM)

    def _inside_test(self, within):
        """A predicate ``place -> bool`` for the ``within`` context, or None."""
        if within is None:
            return None
        if isinstance(within, Place):
            return self._inside_place(within)
        if isinstance(within, str):
            text = within.strip()
            if not text:
                raise ValueError("within must not be empty")
            if _PCODE.match(text):
                code = text.upper()
                if code not in self._pcodes:
                    raise PlaceNotFoundError(within)
                area = self.by_pcode(code)
                pcode_test = lambda p: code in p.pcodes  # noqa: E731
                if area is None:
                    return pcode_test
                chain = self._inside_place(area)
                return lambda p: pcode_test(p) or chain(p)
            return self._inside_place(self.resolve(text).place)
        if isinstance(within, (tuple, list)) and len(within) == 4:
            try:
                lat_min, lon_min, lat_max, lon_max = (float(v) for v in within)
            except (TypeError, ValueError) as err:
                raise ValueError(f"expected (lat_min, lon_min, lat_max, lon_max), got {within!r}") from err
            if not (-90 <= lat_min <= lat_max <= 90 and -180 <= lon_min <= lon_max <= 180):
                raise ValueError(f"expected (lat_min, lon_min, lat_max, lon_max) with min <= max, got {within!r}")
            return lambda p: lat_min <= p.lat <= lat_max and lon_min <= p.lon <= lon_max
        raise TypeError(f"expected within as a Place, P-code, place name or (lat_min, lon_min, lat_max, lon_max), "
                        f"got {within!r}")

    def _inside_place(self, area: Place):
        code = area.pcode.upper() if area.pcode else ""

        def inside(place: Place) -> bool:
            return (place.id == area.id or area.id in self._ancestor_ids(place)
                    or (code != "" and code in place.pcodes))

        return inside


# ---------------------------------------------------------------------- CSV


def _parse_row(row: dict, path, line: int) -> Place:
    def fail(field, problem):
        raise DataFileError(path, line, problem, field=field)

    def text(field):
        return (row.get(field) or "").strip()

    pid = text("id")
    if not pid:
        fail("id", "empty id")
    name = text("name")
    if not name:
        fail("name", "empty name")
    kind = text("kind")
    if kind not in KINDS:
        fail("kind", f"expected one of {', '.join(KINDS)}, got {kind!r}")
    coords = {}
    for field, bound in (("lat", 90.0), ("lon", 180.0)):
        raw = text(field)
        try:
            value = float(raw)
        except ValueError:
            fail(field, f"expected a number, got {raw!r}")
        if not (math.isfinite(value) and -bound <= value <= bound):
            fail(field, f"expected a number between {-bound:g} and {bound:g}, got {raw!r}")
        coords[field] = value
    population = None
    raw = text("population")
    if raw:
        try:
            population = int(raw)
        except ValueError:
            fail("population", f"expected a whole number or nothing, got {raw!r}")
        if population < 0:
            fail("population", f"expected a number >= 0, got {raw!r}")
    alt_names = tuple(dict.fromkeys(a.strip() for a in text("alt_names").split("|") if a.strip()))
    precision = text("precision") or "point"
    if precision not in PRECISIONS:
        fail("precision", f"expected one of {', '.join(PRECISIONS)} or nothing, got {precision!r}")
    return Place(
        id=pid, name=name, kind=kind, lat=coords["lat"], lon=coords["lon"], name_ar=text("name_ar"),
        pcode=text("pcode"), admin1=text("admin1"), admin2=text("admin2"), admin3=text("admin3"),
        parent=text("parent"), population=population, alt_names=alt_names, source=text("source"),
        precision=precision,
    )


def _read_places(stream, path) -> list[Place]:
    reader = csv.DictReader(stream)
    header = reader.fieldnames
    if not header:
        raise DataFileError(path, 1, "empty file: expected a header row")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise DataFileError(path, 1, f"missing column(s) {', '.join(missing)}", field="header")
    places: list[Place] = []
    lines: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                raise DataFileError(path, line, f"expected {len(header)} fields, got {len(header) + len(row[None])}")
            if any(v is None for v in row.values()):
                got = sum(v is not None for v in row.values())
                raise DataFileError(path, line, f"expected {len(header)} fields, got {got}")
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
            return _read_places(fh, path)
    except UnicodeDecodeError as err:
        raise DataFileError(path, None, f"not UTF-8 text ({err.reason})") from err


@functools.lru_cache(maxsize=1)
def _bundled_places() -> tuple[Place, ...]:
    resource = resources.files("gazetteer").joinpath("data", "places.csv")
    data = resource.read_bytes()
    label = str(resource)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataFileError(label, None, f"not UTF-8 text ({err.reason})") from err
    return tuple(_read_places(io.StringIO(text, newline=""), label))


@functools.lru_cache(maxsize=1)
def _default_gazetteer() -> Gazetteer:
    return Gazetteer(_bundled_places())
