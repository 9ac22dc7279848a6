"""The name index: every name of a set of places under the keys the matching tiers look up.

One :class:`NameIndex` per set of places (the bundled data; a local store). For each name it keeps

- the exact key (:func:`~gazetteer.normalize.exact_key`) and the normal form -> places;
- a *fuzzy entry* (fuzzy key, normal form, place) for rapidfuzz scans, grouped by distinct string, and the
  entries of each consonant skeleton;
- the skeletons one consonant apart (:meth:`NameIndex.neighbours_of`).

The bundled data ships these tables (:func:`index_tables`, built with the data); other places get them built on
first use.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from .normalize import ayn_spelling, exact_key, fuzzy_key, has_ayn, variant_keys
from .places import Place

__all__ = ["NameIndex", "LetterFilter", "names_of", "name_keys", "index_tables", "neighbour_table"]

# Below this many choices a rapidfuzz scan costs less than the letter filter's numpy pass.
LETTER_FILTER_MIN = 2000
# Characters the letter filter counts apart (the others share one count).
_LETTER_ROWS = 63


def names_of(place: Place) -> list[str]:
    """Every name of a place: its name, Arabic name and alternate names."""
    names = [place.name]
    if place.name_ar:
        names.append(place.name_ar)
    names.extend(place.alt_names)
    return [n for n in names if n and n.strip()]


def name_keys(places: Iterable[Place]) -> Iterator[tuple[Place, str, str, str, str]]:
    """``(place, exact key, normal form, skeleton, fuzzy key)`` of every name of every place."""
    for place in places:
        for name in names_of(place):
            norm, skel = variant_keys(name)
            yield place, exact_key(name), norm, skel, fuzzy_key(norm, normalized=True)


class LetterFilter:
    """An exact filter before a rapidfuzz scan of many strings, from how often each character occurs in each.

    rapidfuzz's ratio is ``100 * (1 - d / (len(a) + len(b)))`` with ``d`` the Indel distance, and ``d`` is at least
    the number of characters the two strings do not share. So ``ratio <= 200 * shared / (len(a) + len(b))``:
    choices whose bound is below the cutoff cannot reach it, and a scan of the rest finds exactly what a scan of all
    would find, in the same order (a store of 50,000 names is scanned in a fraction of the time).
    """

    def __init__(self, choices: list[str]):
        import numpy as np

        points = np.frombuffer("".join(choices).encode("utf-32-le"), dtype=np.uint32)
        owners = np.repeat(np.arange(len(choices)), [len(text) for text in choices])
        chars, which, frequency = np.unique(points, return_inverse=True, return_counts=True)
        # a row per frequent character; the rare ones share the last row (that only raises the bound)
        top = np.argsort(-frequency, kind="stable")[:_LETTER_ROWS]
        row_of = np.full(len(chars), len(top), dtype=np.intp)
        row_of[top] = np.arange(len(top))
        size = (len(top) + 1) * len(choices)
        counts = np.bincount(row_of[which.ravel()] * len(choices) + owners, minlength=size)
        self.choices = choices
        self.columns = {chr(chars[i]): row for row, i in enumerate(top.tolist())}
        self.other = len(top)
        self.counts = counts.reshape(len(top) + 1, len(choices))
        self.lengths = np.array([len(text) for text in choices], dtype=np.float64)

    def signature(self, query: str) -> tuple:
        """What the bound of ``query`` depends on: its length and its count per row. Queries with one signature
        (that differ only in letters the choices share one row for) may reach the same choices."""
        wanted: dict[int, int] = {}
        for char in query:
            row = self.columns.get(char, self.other)
            wanted[row] = wanted.get(row, 0) + 1
        return len(query), tuple(sorted(wanted.items()))

    def reachable(self, query: str, cutoff: float) -> list[str]:
        """The choices whose ratio with ``query`` may reach ``cutoff``, in their order."""
        import numpy as np

        wanted = dict(self.signature(query)[1])
        if not wanted:
            return self.choices
        # a hair of slack below the cutoff: the filter must never drop a choice rapidfuzz's float would keep
        least = (cutoff - 1e-6) / 200.0
        shared = np.minimum(self.counts[list(wanted)], np.array(list(wanted.values()))[:, None]).sum(axis=0)
        keep = np.flatnonzero(shared >= least * (self.lengths + len(query)))
        return [self.choices[i] for i in keep.tolist()]


def _append_once(table: dict[str, list[Place]], key: str, place: Place) -> None:
    if key:
        hits = table.setdefault(key, [])
        if not hits or hits[-1] is not place:  # a place's names arrive together
            hits.append(place)


def index_tables(places: Sequence[Place], keys=None, *, neighbours: bool = False) -> dict:
    """The variant tables of ``places`` as plain data: places as positions in ``places``, entries as positions in
    the ``entry_*`` lists.

    What :class:`NameIndex` looks up, and what ``gazetteer/data/build_places.py`` ships for the bundled places
    (``gazetteer/data/name_index.json``, so that ``idpmap resolve`` with a variant spelling starts quickly).
    ``keys`` are precomputed ``(place, exact, norm, skeleton, fuzzy)`` (default :func:`name_keys`); ``neighbours``
    adds the skeletons one edit apart (:func:`neighbour_table`, as positions in ``skeleton_entries``).
    """
    position = {id(p): i for i, p in enumerate(places)}
    norm_t: dict[str, list[int]] = {}
    entries_of: dict[str, list[int]] = {}
    seen: dict[tuple[str, int], int] = {}
    entry_places: list[int] = []
    entry_norms: list[str] = []
    entry_keys: list[str] = []
    ayn: dict[str, list[str]] = {}
    for place, ekey, norm, skel, fkey in (name_keys(places) if keys is None else keys):
        row = position[id(place)]
        if norm:
            rows = norm_t.setdefault(norm, [])
            if not rows or rows[-1] != row:  # a place's names arrive together
                rows.append(row)
        if not fkey:
            continue
        entry = seen.get((norm, row))
        if entry is None:
            entry = seen[(norm, row)] = len(entry_keys)
            entry_keys.append(fkey)
            entry_norms.append(norm)
            entry_places.append(row)
        if has_ayn(ekey):  # the exact key keeps the marks
            ayn.setdefault(str(entry), []).append(ayn_spelling(ekey))
        if skel and entry not in entries_of.setdefault(skel, []):
            entries_of[skel].append(entry)
    tables = {"norm": norm_t, "entry_places": entry_places, "entry_norms": entry_norms,
              "entry_keys": entry_keys, "skeleton_entries": entries_of, "ayn": ayn}
    if neighbours:  # as positions in the skeleton_entries keys: a third of the size
        position = {skel: i for i, skel in enumerate(entries_of)}
        tables["neighbours"] = {skel: [position[other] for other in near]
                                for skel, near in neighbour_table(entries_of).items()}
    return tables


def neighbour_table(skeletons: Iterable[str]) -> dict[str, list[str]]:
    """skeleton -> the skeletons one edit (a consonant added, dropped or changed) from it, sorted."""
    # Two skeletons one edit apart: one is the other less a letter, or both give the same string when the
    # letter at the same position is taken out. Index every one-letter deletion.
    skeletons = list(skeletons)
    deletions: dict[str, list[tuple[str, int]]] = {}
    for skel in skeletons:
        for k in range(len(skel)):
            deletions.setdefault(skel[:k] + skel[k + 1:], []).append((skel, k))
    pairs: dict[str, set[str]] = {}
    for skel in skeletons:
        for longer, _ in deletions.get(skel, ()):
            pairs.setdefault(skel, set()).add(longer)
            pairs.setdefault(longer, set()).add(skel)
    for same in deletions.values():
        for a, i in same:
            for b, j in same:
                if i == j and a != b:
                    pairs.setdefault(a, set()).add(b)
    return {skel: sorted(others) for skel, others in sorted(pairs.items())}


class _Rows(Mapping):
    """key -> places, over a table of place positions (the places are looked up when asked for)."""

    __slots__ = ("_rows", "_places")

    def __init__(self, rows: dict[str, list[int]], places: tuple[Place, ...]):
        self._rows, self._places = rows, places

    def __getitem__(self, key: str) -> tuple[Place, ...]:
        return tuple(map(self._places.__getitem__, self._rows[key]))

    def get(self, key, default=None):
        rows = self._rows.get(key)
        return default if rows is None else tuple(map(self._places.__getitem__, rows))

    def __contains__(self, key) -> bool:
        return key in self._rows

    def __iter__(self):
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


class NameIndex:
    """Lookup tables over one set of places.

    The exact table is built at once (a few milliseconds: ``idpmap resolve`` starts quickly); the variant tables
    on the first lookup that needs them, from ``tables`` when given (the bundled data ships them), and the fuzzy
    groups on the first fuzzy scan.

    Parameters
    ----------
    places : iterable of Place
    keys : iterable of ``(place, exact, norm, skeleton, fuzzy)``, optional
        Precomputed keys (a store keeps them); default :func:`name_keys` of ``places``.
    tables : callable, optional
        Returns the :func:`index_tables` of ``places`` (or None: then they are computed); called on first use.
    """

    #: Tables built on first use: the variant tables, then the fuzzy groups (:meth:`_group`).
    _VARIANT = frozenset({"norm", "skeleton_entries", "fuzzy_keys", "fuzzy_norms", "fuzzy_places",
                          "ayn_spellings", "_shipped_neighbours"})
    _GROUPS = frozenset({"key_owners", "key_choices", "key_filter", "norm_owners", "norm_choices", "norm_filter"})

    def __init__(self, places: Iterable[Place], keys=None, *, tables=None):
        self._places = tuple(places)
        self._keys = None if keys is None else list(keys)
        self._tables = tables
        exact: dict[str, list[Place]] = {}
        if self._keys is None:
            for place in self._places:
                for key in dict.fromkeys(map(exact_key, names_of(place))):
                    exact.setdefault(key, []).append(place)
        else:
            for place, ekey, *_ in self._keys:
                _append_once(exact, ekey, place)
        self.exact = {k: tuple(v) for k, v in exact.items()}
        self._near = None  # skeleton -> the entries one edit away (_near_entries)
        self._neighbours: dict[str, tuple[list[int], list[str]]] = {}  # skeleton -> entries one edit away, norms

    def __getattr__(self, name: str):
        # only called for attributes not set yet: the lazy tables
        if name in NameIndex._VARIANT:
            self._build_variant_tables()
        elif name in NameIndex._GROUPS:
            self._group("key", self.fuzzy_keys)
            self._group("norm", self.fuzzy_norms)
        else:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return self.__dict__[name]

    def _build_variant_tables(self) -> None:
        tables = self._tables() if self._tables is not None else None
        if tables is None:
            tables = index_tables(self._places, self._keys)
        #: normal form -> places
        self.norm = _Rows(tables["norm"], self._places)
        #: fuzzy entries (parallel lists), the entries of each skeleton, the ayn spellings of an entry's names
        self.fuzzy_keys, self.fuzzy_norms = tables["entry_keys"], tables["entry_norms"]
        self.fuzzy_places = list(map(self._places.__getitem__, tables["entry_places"]))
        self.skeleton_entries = tables["skeleton_entries"]
        self.ayn_spellings = {int(k): v for k, v in tables["ayn"].items()}
        self._shipped_neighbours = tables.get("neighbours")

    def _group(self, kind: str, strings: list[str]) -> None:
        """rapidfuzz scans distinct strings only; owners map each back to its fuzzy entries."""
        owners: dict[str, list[int]] = {}
        for i, text in enumerate(strings):
            owners.setdefault(text, []).append(i)
        setattr(self, kind + "_owners", owners)
        setattr(self, kind + "_choices", list(owners))
        setattr(self, kind + "_filter", None)

    def reachable(self, kind: str, query: str, cutoff: float, *, filtered: bool = False) -> list[str]:
        """The ``kind`` (``"key"`` or ``"norm"``) choices that may reach ``cutoff`` with ``query``, in their order.

        The letter filter runs from :data:`LETTER_FILTER_MIN` choices on, or when ``filtered`` asks for it.
        """
        choices = getattr(self, kind + "_choices")
        if cutoff <= 0 or (len(choices) < LETTER_FILTER_MIN and not filtered):
            return choices
        return self.letter_filter(kind).reachable(query, cutoff)

    def letter_filter(self, kind: str) -> LetterFilter:
        """The :class:`LetterFilter` of the ``kind`` choices, built on first use."""
        letters = getattr(self, kind + "_filter")
        if letters is None:
            letters = LetterFilter(getattr(self, kind + "_choices"))
            setattr(self, kind + "_filter", letters)
        return letters

    def neighbours_of(self, skel: str) -> list[int]:
        """The fuzzy entries whose skeleton is one edit (a consonant added, dropped or changed) from ``skel``."""
        return self._neighbour_lists(skel)[0]

    def neighbour_norms(self, skel: str) -> list[str]:
        """The normal forms of :meth:`neighbours_of`, in the same order (for one rapidfuzz scan)."""
        return self._neighbour_lists(skel)[1]

    def _neighbour_lists(self, skel: str) -> tuple[list[int], list[str]]:
        found = self._neighbours.get(skel)
        if found is None:
            if self._near is None:
                self._near = self._near_entries()
            entries = self._near(skel)
            found = self._neighbours[skel] = (entries, [self.fuzzy_norms[i] for i in entries])
        return found

    def _near_entries(self):
        """skeleton -> the entries of the skeletons one edit away: from the shipped table of positions in the
        skeleton_entries keys, else from :func:`neighbour_table`."""
        entries_of, shipped = self.skeleton_entries, self._shipped_neighbours
        if shipped is not None:
            by_position = list(entries_of.values())
            return lambda skel: [e for j in shipped.get(skel, ()) for e in by_position[j]]
        table = neighbour_table(entries_of)
        return lambda skel: [e for other in table.get(skel, ()) for e in entries_of[other]]
