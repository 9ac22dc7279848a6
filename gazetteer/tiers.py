"""Matching tiers: which places a name may mean, strictest tier first, each candidate with a score (0-100).

1. ``exact`` (100): the name as written (case-insensitive) is a place's name, Arabic name or alternate name.
2. ``variant``: the name's normal form (:func:`~gazetteer.normalize.normalize_name`) is a place's (100: they differ
   only in typography); else its consonant skeleton (:func:`~gazetteer.normalize.skeleton_key`) is, and then the
   score says how alike the two are spelt, below 100: rapidfuzz's ratio of the normal forms, or where that is
   under :data:`WEAK_SPELLING`, of their :func:`~gazetteer.normalize.spelled_key` (article, endings, digraphs and
   doubled letters set aside: *Marratinnuman* ~ *Maarat al-Numan* 95). A skeleton alone is weak evidence (*Sara*
   and *Syria* 67, *Dreikish* and *Darkush* 62, *Qasabiyeh* and *Kessab* 62 share one): under
   :data:`WEAK_SPELLING` the skeleton match is set aside and the fuzzy tier judges the name. A trailing kind word
   (``"Idlib province"``, ``"Atmeh camps"``) restricts the kind.
3. ``fuzzy``: rapidfuzz compares the query with every name, letter by letter and by
   :func:`~gazetteer.normalize.fuzzy_key`; only scores at or above the cutoff with few typos count, so a name that
   is not a place is not found rather than guessed. Names of fewer than six letters get no leniency for
   transliteration swaps, but an ayn or hamza mark that both spellings write counts as a letter.

A typo can land on another name's skeleton (*Haim*, meant for Harim, has the skeleton of Hama): curated names whose
skeleton is one consonant away and that the query spells more closely (fuzzy score) go first
(:meth:`Tiers.closer_spellings`).

Places of a local store are searched after the bundled ones within each tier.
"""

from __future__ import annotations

import functools
import re

from .index import NameIndex, names_of
from .normalize import ayn_spelling, exact_key, has_ayn, fuzzy_key, spelled_key, variant_keys
from .places import Place

__all__ = ["Tiers", "closest_written", "WEAK_SPELLING", "KIND_WORDS"]

#: A skeleton match counts only when the query is spelt at least this alike (rapidfuzz ratio) to a name behind it.
#: (Idleb ~ Idlib: 80.)
WEAK_SPELLING = 80.0
#: A query spelt at least this alike (plain ratio) to the names of its skeleton means them: names one consonant
#: away are not looked at.
CLOSE_SPELLING = 90.0
#: The best score a skeleton (not letter-for-letter) variant gets: 100 is for names that are the same name.
VARIANT_MAX = 99.0
#: Queries shorter than this (letters of the normal form) get no transliteration leniency in the fuzzy tier.
SHORT_NAME = 6
FUZZY_LIMIT = 12
# resolve_many() rules out hopeless names in one vectorised pass, comparing at most this many pairs at a time.
_BATCH_CELLS = 4_000_000

#: Trailing words that name a kind: "Maarat al-Numan district", "Idlib province", "Atmeh camps".
KIND_WORDS = {
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
_KIND_SUFFIX = re.compile(r"^(.*\S)\s+(" + "|".join(sorted(KIND_WORDS, key=len, reverse=True)) + r")$")


@functools.cache
def _ratio():
    from rapidfuzz.fuzz import ratio  # imported on first use: `import gazetteer` stays light for the CLI

    return ratio


@functools.lru_cache(maxsize=1 << 16)
def _spelled(norm: str) -> str:
    return spelled_key(norm, normalized=True)


def _fuzzy_value(index: NameIndex, i: int, fkey: str, norm: str, ayn: str | None, ratio) -> float:
    """The fuzzy score of the query against fuzzy entry ``i``, before the cutoff and the typo limit."""
    name = index.fuzzy_norms[i]
    plain = ratio(norm, name)
    # In a short name one letter changes the word ("Iran" is one edit from Marayan's key, "Iranian" two letters
    # from Ranin): with a short query or name only the plain ratio counts.
    short = len(norm) < SHORT_NAME or len(name) < SHORT_NAME
    value = plain if short else max(plain, (plain + ratio(fkey, index.fuzzy_keys[i])) / 2)
    if ayn is not None:
        for spelled in index.ayn_spellings.get(i, ()):
            value = max(value, ratio(ayn, spelled))
    return value


def _few_typos(index: NameIndex, i: int, fkey: str, norm: str, cutoff: float) -> bool:
    """One typo per four letters (at the default cutoff), in the letters or the key: a ratio also rewards shared
    runs of a different word ("Islamist" ~ "Islamin" scores 80)."""
    from rapidfuzz.distance import OSA

    name_key, name = index.fuzzy_keys[i], index.fuzzy_norms[i]
    allowed = max(1, int(len(name_key) * (100 - cutoff) / 80))
    long = len(norm) >= SHORT_NAME and len(name) >= SHORT_NAME
    return ((long and OSA.distance(fkey, name_key, score_cutoff=allowed) <= allowed)
            or OSA.distance(norm, name, score_cutoff=allowed) <= allowed)


def closest_written(name: str, scored: list[tuple[Place, float]]) -> list[tuple[Place, float]]:
    """Of fuzzy candidates tied at the best score, those with a name written most like the query, marks included.

    Normalisation drops accents and marks, so *Ḥdleb* is one letter from both *Haleb* and *Idleb*; a place with a
    name written with the query's marks (*Ḥaleb*, Aleppo) is the likelier one. Ranked by the query's non-ASCII
    characters that one of their names writes too, then by the ratio of the written forms.
    """
    ratio = _ratio()
    query = exact_key(name)
    marks = {c: query.count(c) for c in query if not c.isascii()}

    def closeness(place: Place) -> tuple[int, float]:
        best = (0, 0.0)
        for spelling in names_of(place):
            written = exact_key(spelling)
            shared = sum(min(count, written.count(c)) for c, count in marks.items())
            best = max(best, (shared, ratio(query, written)))
        return best

    ranks = [closeness(place) for place, _ in scored]
    top = max(ranks)
    return [ps for ps, rank in zip(scored, ranks) if rank[0] == top[0] and rank[1] >= top[1] - 1e-9]


class _Query:
    """A query's keys, each computed once, when first needed."""

    def __init__(self, name: str):
        self.name = name
        self.norm, self.skel = variant_keys(name)

    @functools.cached_property
    def fkey(self) -> str:
        return fuzzy_key(self.norm, normalized=True)

    @functools.cached_property
    def ayn(self) -> str | None:
        """The spelling with ayn marks as letters, for a short query that writes one."""
        return ayn_spelling(self.name) if len(self.norm) < SHORT_NAME and has_ayn(self.name) else None


class Tiers:
    """The matching tiers over the bundled index and an optional store index."""

    def __init__(self, indexes: tuple[NameIndex, ...], fuzzy_cutoff: float):
        self.indexes = indexes
        self.fuzzy_cutoff = fuzzy_cutoff

    def steps(self, name: str, cutoff: float, *, fuzzy_limit: int = FUZZY_LIMIT):
        """Yield ``(method, [(place, score), ...])`` per tier and index, strictest first."""
        ekey = exact_key(name)
        for index in self.indexes:
            hits = index.exact.get(ekey)
            yield "exact", [(p, 100.0) for p in hits] if hits else []
        q = _Query(name)
        for index in self.indexes:
            hits = index.norm.get(q.norm)
            yield "variant", [(p, 100.0) for p in hits] if hits else []
        yield from self._skeleton_steps(q, cutoff)
        yield from self._suffix_steps(q.norm)
        if q.fkey:
            for index in self.indexes:
                # the typo limit is for answers; looser suggestions ("did you mean") go without it
                yield "fuzzy", self.fuzzy(index, q, cutoff, fuzzy_limit, limit_edits=cutoff >= self.fuzzy_cutoff)

    def _skeleton_steps(self, q: _Query, cutoff: float):
        for n, index in enumerate(self.indexes):
            scored, closest = self._skeleton_scores(index, q)
            if not scored:
                continue
            if n == 0 and closest < CLOSE_SPELLING:
                # a typo moves a skeleton by one consonant, onto another curated name's
                yield "fuzzy", self.closer_spellings(q, scored, cutoff)
            yield "variant", scored

    @staticmethod
    def _skeleton_scores(index: NameIndex, q: _Query) -> tuple[list[tuple[Place, float]], float]:
        """The places sharing the query's skeleton that it spells at least :data:`WEAK_SPELLING` alike (see
        the module), and the best plain ratio of the query to their names."""
        entries = index.skeleton_entries.get(q.skel)
        if not entries:
            return [], 0.0
        ratio = _ratio()
        norms, places, query = index.fuzzy_norms, index.fuzzy_places, q.norm
        best: dict[str, tuple[Place, float]] = {}
        closest = 0.0
        for i in entries:
            norm = norms[i]
            plain = ratio(query, norm)
            if plain > closest:
                closest = plain
            # the spelled form only when the letters alone are too far apart (Marratinnuman ~ Maarat al-Numan)
            score = min(VARIANT_MAX, plain if plain >= WEAK_SPELLING else ratio(_spelled(query), _spelled(norm)))
            if score >= WEAK_SPELLING:
                place = places[i]
                if score > best.get(place.id, (None, -1.0))[1]:
                    best[place.id] = (place, score)
        return sorted(best.values(), key=lambda ps: -ps[1]), closest

    def closer_spellings(self, q: _Query, own: list[tuple[Place, float]], cutoff: float):
        """Curated places whose skeleton is one edit from the query's and that it spells more closely than the
        places of its own skeleton (``own``), best first."""
        index = self.indexes[0]
        near = index.neighbours_of(q.skel)
        if not near:
            return []
        from rapidfuzz import process

        ratio = _ratio()
        own_best = max(s for _, s in own)
        # a name can win only if its plain ratio allows a score above both (short: the plain ratio is the score;
        # else at most the mean of it and 100); names that write an ayn mark are scored anyway for such a query
        least = max(cutoff, own_best) if len(q.norm) < SHORT_NAME else 2 * max(cutoff, own_best) - 100
        hopeful = [near[k] for _, _, k in process.extract(q.norm, index.neighbour_norms(q.skel), scorer=ratio,
                                                          processor=None, score_cutoff=least, limit=None)]
        if q.ayn is not None:
            hopeful += [i for i in near if i in index.ayn_spellings]
        if not hopeful:
            return []
        # how closely the query spells the names of its own skeleton, as a fuzzy score
        own_best = max([own_best] + [_fuzzy_value(index, i, q.fkey, q.norm, q.ayn, ratio)
                                     for i in index.skeleton_entries.get(q.skel, ())])
        own_ids = {p.id for p, _ in own}
        found: dict[str, tuple[Place, float]] = {}
        for i in hopeful:
            place = index.fuzzy_places[i]
            value = _fuzzy_value(index, i, q.fkey, q.norm, q.ayn, ratio)
            if (value >= cutoff and value > own_best and place.id not in own_ids
                    and value > found.get(place.id, (None, -1.0))[1] and _few_typos(index, i, q.fkey, q.norm, cutoff)):
                found[place.id] = (place, float(value))
        return sorted(found.values(), key=lambda ps: (-ps[1], ps[0].id))

    def _suffix_steps(self, norm: str):
        """A trailing kind word: the rest of the name, restricted to the kinds the word names."""
        suffix = _KIND_SUFFIX.match(norm)
        if not suffix:
            return
        base, word = suffix.groups()
        kinds = KIND_WORDS[word]
        q = _Query(base)
        for index in self.indexes:
            hits = [(p, 100.0) for p in (*index.exact.get(exact_key(base), ()), *index.norm.get(q.norm, ()))]
            hits += self._skeleton_scores(index, q)[0]
            hits = [(p, s) for p, s in hits if p.kind in kinds]
            yield "variant", sorted(hits, key=lambda ps: (kinds.index(ps[0].kind), -ps[1]))

    @staticmethod
    def fuzzy(index: NameIndex, q: _Query, cutoff: float, limit: int, *,
              limit_edits: bool = True) -> list[tuple[Place, float]]:
        """Places whose names are close to the query, best first.

        The score is the plain ratio of the normal forms, raised to the mean of it and the fuzzy keys' ratio when
        the keys agree better: the key ratio alone would be too lenient, the plain one too strict for a typo in a
        spelling the gazetteer does not list.
        """
        if not index.fuzzy_keys:
            return []
        from rapidfuzz import process

        ratio = _ratio()
        best: dict[str, tuple[Place, float]] = {}

        def score(owners):
            for i in owners:
                value = _fuzzy_value(index, i, q.fkey, q.norm, q.ayn, ratio)
                if value >= cutoff and (not limit_edits or _few_typos(index, i, q.fkey, q.norm, cutoff)):
                    place = index.fuzzy_places[i]
                    if value > best.get(place.id, (None, -1.0))[1]:
                        best[place.id] = (place, float(value))

        least = max(0.0, 2 * cutoff - 100)  # the mean reaches the cutoff only if the key ratio reaches this
        for choice, _, _ in process.extract(q.fkey, index.reachable("key", q.fkey, least), scorer=ratio,
                                            processor=None, score_cutoff=least, limit=limit):
            score(index.key_owners[choice])
        if not best:
            # a typo can spoil the key but leave most letters ("al-Tai" for "al-Rai")
            for choice, _, _ in process.extract(q.norm, index.reachable("norm", q.norm, cutoff), scorer=ratio,
                                                processor=None, score_cutoff=cutoff, limit=limit):
                score(index.norm_owners[choice])
        return sorted(best.values(), key=lambda ps: (-ps[1], ps[0].id))

    def hopeless(self, names: list[str]) -> list[str]:
        """The names no tier can match, found in bulk (the answers are those of resolving one by one).

        No exact, variant or kind-suffix hit, and no name whose plain ratio reaches what any fuzzy score at the
        cutoff needs: a fuzzy score is the plain ratio, or at most the mean of it and 100 (``2 * cutoff - 100``).
        Names with one letter-count signature (:meth:`~gazetteer.index.LetterFilter.signature`) share the names
        they may reach; only those are compared, in one rapidfuzz pass per signature.
        """
        norms: dict[str, list[str]] = {}
        for name in names:
            norm, skel = variant_keys(name)
            if (not norm or _KIND_SUFFIX.match(norm) or (len(norm) < SHORT_NAME and has_ayn(name))
                    or any(exact_key(name) in ix.exact or norm in ix.norm or skel in ix.skeleton_entries
                           for ix in self.indexes)):
                continue
            norms.setdefault(norm, []).append(name)
        least = 2 * self.fuzzy_cutoff - 100
        if least <= 0:
            return []  # a cutoff this low lets any name reach some place
        possible = dict.fromkeys(norms, False)
        for index in self.indexes:
            if index.norm_choices:
                self._mark_possible(index, possible, least)
        return [name for norm, maybe in possible.items() if not maybe for name in norms[norm]]

    @staticmethod
    def _mark_possible(index: NameIndex, possible: dict[str, bool], least: float) -> None:
        """Set ``possible[norm]`` for the normal forms whose plain ratio to some name of ``index`` reaches
        ``least``."""
        import numpy as np
        from rapidfuzz import fuzz, process

        letters = index.letter_filter("norm")
        groups: dict[tuple, list[str]] = {}
        for norm, maybe in possible.items():
            if not maybe:
                groups.setdefault(letters.signature(norm), []).append(norm)
        for group in groups.values():
            choices = letters.reachable(group[0], least)
            rows = max(1, _BATCH_CELLS // max(1, len(choices)))
            for start in range(0, len(group) if choices else 0, rows):
                batch = group[start:start + rows]
                scores = process.cdist(batch, choices, scorer=fuzz.ratio, processor=None, score_cutoff=least,
                                       dtype=np.uint8, workers=-1)
                for norm, best in zip(batch, scores.max(axis=1).tolist()):
                    possible[norm] = possible[norm] or best > 0
