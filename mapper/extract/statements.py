"""Reading one sentence: figures bound to their verbs, periods, agencies and places."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from .agencies import find_agencies
from .article import Article
from .figures import FigureMention, find_figures, has_figures, patterns_for
from .periods import date_spans, find_periods, period_spans
from .places import CAP_RUN_RE, CAP_TOKEN, PlaceMention, Placer
from .screening import ABROAD_RE
from .sentences import Sentence
from .vocabulary import (
    COMBATANTS, LIST_JOIN_RE, NEGATIONS, NOT_CIVILIAN_RE, NOT_PLACE_WORDS, PLACE_FILLERS, RECEIVE_RE, STOCK_RE,
    SUBGROUP_RE, SUBJECT_FILLERS, UNITS, WEEKDAY_RE, WOUNDED_RE, month_number,
)


@dataclass
class Bound:
    figure: FigureMention
    kind: str = ""
    term_start: int = -1
    term_end: int = -1
    is_return: bool = False
    subgroup_of: int | None = None
    seg_start: int = 0
    seg_end: int = 0
    subgroups: list = field(default_factory=list)
    dropped: bool = False
    part_of: Bound | None = None  # the figure a part with a statement of its own belongs to


_TOKEN_RE = re.compile(r"[\w'’-]+|[^\w\s]")
_OBJECT_GAP_RE = re.compile(r"[\s,]*(?:(?:a total of|some|the|of|including|his|her|their|its|at least|"
                            r"a|an|une?|des|de)\s*)*[\s,]*", re.IGNORECASE)
_PARTICLE_WORD_RE = re.compile(r"(?:al|el|an|ad|as|ash|at|az)-")
_SHARED_JOIN_RE = re.compile(r"(?:,|\band|\bet|\bwhile)\s+$")
_SHARED_PLACE_RE = re.compile(r"\s*(?:others?\s+)?(?:in|at|near|from|to|dans|à)\b")
_AMONG_RE = re.compile(r"\bamong (?:those|the people|the victims|the dead|the)\b", re.IGNORECASE)


class _Figures:
    """The figures of a sentence, asked which one covers a position (figures do not overlap)."""

    def __init__(self, figures: list[FigureMention]):
        self.figures = figures
        self.starts = [f.start for f in figures]
        self.num_ends = [f.num_end for f in figures]

    def covering(self, pos: int) -> FigureMention | None:
        i = bisect.bisect_right(self.starts, pos) - 1
        return self.figures[i] if i >= 0 and pos < self.figures[i].end else None

    def in_unit(self, a: int, b: int) -> FigureMention | None:
        """The figure whose unit words (after its number) hold the span a..b."""
        i = bisect.bisect_right(self.num_ends, a) - 1
        return self.figures[i] if i >= 0 and b <= self.figures[i].end else None


def _find_terms(sentence: str, lang: str, figures: _Figures, kinds=None) -> list[tuple]:
    """(kind, start, end, word) of the verbs and nouns of movement and harm, in order; earlier kinds win overlaps
    (``kinds``: the only kinds the sentence holds, when known)."""
    taken = bytearray(len(sentence))
    terms = []
    for kind, regex in patterns_for(lang)["terms"]:
        if kinds is not None and kind not in kinds:
            continue
        for m in regex.finditer(sentence):
            if any(taken[m.start():m.end()]):
                continue
            taken[m.start():m.end()] = b"\x01" * (m.end() - m.start())
            # A unit adjective ("internally displaced persons") is not a verb.
            if figures.in_unit(m.start(), m.end()) is None:
                terms.append((kind, m.start(), m.end(), m.group(0)))
    terms.sort(key=lambda t: t[1])
    return terms


def _bind_objects(sentence, bounds, terms, figures: _Figures, used: set) -> None:
    """The verb ends just before the qualifier or figure ("displacing more than 400,000")."""
    ends = [t[2] for t in terms]
    for b in bounds:
        first = bisect.bisect_left(ends, b.figure.start - 25)
        for idx in range(first, len(terms)):
            kind, ts, te, _word = terms[idx]
            if te > b.figure.start:
                break
            if idx in used or not _OBJECT_GAP_RE.fullmatch(sentence, te, b.figure.start):
                continue
            other = figures.in_unit(ts, ts + 1)
            if other is not None and other is not b.figure:
                continue
            b.kind, b.term_start, b.term_end = kind, ts, te
            used.add(idx)


def _bind_subject(sentence, b: Bound, lang, term_at: dict, terms, figures: _Figures, used: set) -> None:
    """Figure (and unit), then fillers, then the verb ("civilians have been forced to leave")."""
    in_phrase = False  # "families from southern Idlib took shelter": skip the place phrase
    in_aside = False  # "730 civilians, including 180 children, were killed": skip the subgroup
    dash = False
    for count, tok in enumerate(_TOKEN_RE.finditer(sentence, b.figure.end)):
        if count > 16:
            return
        word = tok.group(0).lower()
        if in_aside or (word in _ASIDE_WORDS and sentence[b.figure.end:tok.start()].strip() == ","):
            in_aside = word != ","
            continue
        if dash or (word in _DASHES and not sentence[b.figure.end:tok.start()].strip()):
            dash = not (dash and word in _DASHES)  # "half a million civilians - most of them children - fled"
            continue
        hit = term_at.get(tok.start())
        if hit is not None:
            b.kind, b.term_start, b.term_end = terms[hit][:3]
            used.add(hit)
            return
        if word in NEGATIONS:
            return
        if word in ("from", "in", "of", "de", "du", "des") and count <= 3:
            in_phrase = True
            continue
        if in_phrase and (tok.group(0)[:1].isupper() or word in PLACE_FILLERS or _PARTICLE_WORD_RE.match(word)):
            continue
        in_phrase = False
        other = figures.covering(tok.start())
        if other is not None and other is not b.figure:
            continue  # "280 civilians and several hundred combatants have died"
        if word in SUBJECT_FILLERS or word in _SUBJECT_WORDS or word in UNITS[lang] or word in COMBATANTS:
            continue
        return


_ASIDE_WORDS = {"including", "dont", "among", "of"}
_DASHES = {"-", "–", "—"}
_SUBJECT_WORDS = {",", "and", "et", '"', "“", "”", "(", ")", "including", "several", "y", "compris"}


def _bind_shared(sentence, bounds) -> None:
    """"killed three civilians in Hish and two in Kafr Tin": the second figure shares the first one's verb."""
    for i, b in enumerate(bounds):
        if b.kind or i == 0 or b.figure.unit or b.figure.vague:
            continue
        prev = bounds[i - 1]
        if prev.kind and _SHARED_JOIN_RE.search(sentence, max(prev.figure.end, b.figure.start - 20), b.figure.start) \
                and _SHARED_PLACE_RE.match(sentence, b.figure.num_end):
            b.kind, b.term_start, b.term_end = prev.kind, prev.term_start, prev.term_end


def _bind_among(sentence, bounds, terms) -> None:
    """"Among those killed in X were three children": the verb comes first, the figures after it."""
    among = _AMONG_RE.search(sentence)
    verb = next((t for t in terms if t[1] > among.end()), None) if among else None
    if verb is None:
        return
    for b in bounds:
        if not b.kind and b.figure.start > verb[2]:
            b.kind, b.term_start, b.term_end = verb[0], verb[1], verb[2]


def bind_terms(sentence: str, figures: list[FigureMention], lang: str, kinds=None) -> list[Bound]:
    """Bind each figure to its verb: object ("killing 1,000 civilians") first, then subject ("people fled")."""
    index = _Figures(figures)
    terms = _find_terms(sentence, lang, index, kinds)
    bounds = [Bound(f) for f in figures]
    used: set[int] = set()
    _bind_objects(sentence, bounds, terms, index, used)
    term_at = {t[1]: i for i, t in enumerate(terms)}
    for b in bounds:
        if not b.kind:
            _bind_subject(sentence, b, lang, term_at, terms, index, used)
    _bind_shared(sentence, bounds)
    _bind_among(sentence, bounds, terms)
    _unbind_received_things(sentence, bounds)
    for b in bounds:
        if b.kind:
            b.is_return = b.kind == "return"
            if b.kind == "return":
                b.kind = "displacement"
            elif b.kind == "incident" and WOUNDED_RE.search(sentence, b.term_start, b.term_end):
                b.kind = "incident-wounded"
    return bounds


_HARMED_AFTER_RE = re.compile(r"\W*(?:[\w-]+\s+){0,3}?(?:wounded|injured|casualties|bodies|dead|patients|"
                              r"tonnes?|tons?|baskets?|kits?|doses?|requests?|applications?|calls?)\b", re.IGNORECASE)


def _unbind_received_things(sentence, bounds) -> None:
    """A place that "received" a figure takes people in only when the figure counts people ("received 7,000
    displaced people", not "received 3,000 food baskets" or "received 40 wounded")."""
    for b in bounds:
        if b.kind == "displacement" and RECEIVE_RE.match(sentence, b.term_start) and (
                b.figure.unit not in ("people", "families", "households", "children", "women")
                or _HARMED_AFTER_RE.match(sentence, b.figure.num_end)):
            b.kind, b.term_start, b.term_end = "", -1, -1


def segments(bounds: list[Bound], length: int) -> None:
    """Give each figure its stretch of the sentence: from its verb or qualifier to where the next figure begins."""
    heads = []
    for i, b in enumerate(bounds):
        head = b.figure.start
        # A verb before the figure opens its stretch, unless it is a verb shared with the figure before.
        if 0 <= b.term_start < head and (i == 0 or b.term_start >= bounds[i - 1].figure.end):
            head = b.term_start
        heads.append(head)
    for i, b in enumerate(bounds):
        b.seg_start = 0 if i == 0 else heads[i]
        b.seg_end = heads[i + 1] if i + 1 < len(bounds) else length

def read_sentence(sentence: Sentence, article: Article, placer: Placer, lang: str, speakers: dict) -> dict:
    """What one sentence says: its periods, agencies, bound figures (``live``: the ones that make rows) and places."""
    text = sentence.text
    agencies = find_agencies(text)
    kinds = [kind for kind, regex in patterns_for(lang)["terms"] if regex.search(text)]
    if kinds:
        figures = find_figures(text, lang=lang, masked=date_spans(text))
        has_figure = bool(figures)
    else:  # no verb of movement or harm: no figure can make a row
        figures, has_figure = [], has_figures(text, lang=lang, masked=date_spans(text))
    bounds = bind_terms(text, figures, lang, kinds) if figures else []
    for b, drop in zip(bounds, _dropped_figures(text, figures)):
        if drop:
            b.kind, b.dropped = "", True
    _mark_subgroups(text, bounds)
    live = [b for b in bounds if b.subgroup_of is None and b.kind]
    segments(live, len(text))
    places = placer.places_in(text, agencies)
    title_case = is_title_case(text)
    if not title_case:
        places += _cued_names(text, places, agencies, live, speakers)
        places += _speakers_borders(text, places, live)
        places.sort(key=lambda mention: mention.start)
        places += _listed_names(text, places, agencies)
        places.sort(key=lambda mention: mention.start)
    return {"periods": find_periods(text, article.published), "agencies": agencies, "bounds": bounds,
            "live": live, "places": places, "has_figure": has_figure, "title_case": title_case,
            "terms": next((kind for kind in kinds if kind != "incident"), "")}


_CHILDREN_SUBGROUP_RE = re.compile(r"\b(?:including|among them|dont|y compris)\b[^.;]*$", re.IGNORECASE)


def _mark_subgroups(text: str, bounds: list[Bound]) -> None:
    """Subgroups ("including three children") are notes on the figure before them; a subgroup whose total is not a
    row (a population stock, an unbound figure) stands on its own."""
    for i, b in enumerate(bounds):
        window = max(0, b.figure.start - 200)
        if i > 0 and (SUBGROUP_RE.search(text, window, b.figure.start) or b.figure.unit in ("children", "women")
                      and _CHILDREN_SUBGROUP_RE.search(text, window, b.figure.start)):
            b.subgroup_of = i - 1
            while bounds[b.subgroup_of].subgroup_of is not None:
                b.subgroup_of = bounds[b.subgroup_of].subgroup_of
    own_periods = None
    for i, b in enumerate(bounds):
        if b.subgroup_of is not None:
            main = bounds[b.subgroup_of]
            if main.kind:
                main.subgroups.append(b)
                if own_periods is None:
                    own_periods = period_spans(text)
                if _own_statement(b, bounds[i + 1:], own_periods, len(text)):
                    # "including 200,000 displaced from 26 January to 2 February": a row too
                    b.subgroup_of, b.part_of = None, main
                elif not b.kind or b.kind == main.kind:
                    b.kind = main.kind
            else:
                b.subgroup_of = None


def _own_statement(b: Bound, after: list[Bound], periods, length: int) -> bool:
    """A part of a figure that is a statement of its own: people, not children or women, with its own verb after
    it and its own period ("including 200,000 people displaced in the last week alone")."""
    if b.figure.unit in ("children", "women") or not b.kind or b.term_start < b.figure.end:
        return False
    stop = after[0].figure.start if after else length
    return any(b.term_end <= start < stop for start, _end in periods)


_CUED_NAME_RE = re.compile(rf"(?<![\w-])(?:from|to|in|near|towards?|(?:town|city|village|villages|towns) of)\s+"
                           rf"({CAP_TOKEN}(?:\s+{CAP_TOKEN})?)")
_ACCORDING_TO_RE = re.compile(r"\baccording\s+to\s+$", re.IGNORECASE)


def _cued_names(text, places, agencies, live, speakers) -> list[PlaceMention]:
    """Capitalised names right after a place cue that resolved to nothing: kept as written, listed as unplaced."""
    found = []
    for m in _CUED_NAME_RE.finditer(text):
        at = m.start(1)
        name = re.sub(r"['’]s$", "", m.group(1))
        words = name.lower().split()
        if words[0] in NOT_PLACE_WORDS or words[-1] in NOT_PLACE_WORDS or month_number(words[0]):
            continue
        if _ACCORDING_TO_RE.search(text, max(0, at - 20), at) or words[-1] in speakers:
            continue
        if any(p.start <= at < p.end for p in places) or any(a <= at < e for _, a, e in agencies):
            continue
        if re.match(WEEKDAY_RE, name, re.IGNORECASE):
            continue
        if any(b.seg_start <= at < b.seg_end for b in live):
            found.append(PlaceMention(name, at, at + len(name)))
    return found


_SPEAKERS_BORDER_RE = re.compile(r"\b(?:towards?|to|at|on|into)\s+((?:our|their|its|nos|leurs?)\s+"
                                 r"(?:borders?|frontiers?|fronti[èe]res?))\b", re.IGNORECASE)


def _speakers_borders(text, places, live) -> list[PlaceMention]:
    """"moving towards our borders": a destination the text states but does not name (whose border depends on
    who speaks), kept as written for a reviewer to place."""
    return [PlaceMention(m.group(1), m.start(1), m.end(1)) for m in _SPEAKERS_BORDER_RE.finditer(text)
            if not any(p.start < m.end(1) and p.end > m.start(1) for p in places)
            and any(b.seg_start <= m.start(1) < b.seg_end for b in live)]


def _listed_names(text, places, agencies) -> list[PlaceMention]:
    """A capitalised name listed between places ("Kah, Deir Hassan, Kafr Lusian and Atme") is a place too."""
    placed = [p for p in places if p.place is not None and p.place.kind != "country"]
    ends = {p.end: p for p in placed}
    starts = {p.start: p for p in placed}

    def left_of(pos):  # the place listed just before pos ("Kah, " before "Deir Hassan")
        return next((ends[k] for k in range(max(0, pos - 20), pos + 1)
                     if k in ends and LIST_JOIN_RE.match(text[k:pos])), None)

    def right_of(pos):
        return next((starts[k] for k in range(pos, min(len(text), pos + 20) + 1)
                     if k in starts and LIST_JOIN_RE.match(text[pos:k])), None)

    found = []
    for m in CAP_RUN_RE.finditer(text):
        name = m.group(0)
        if any(m.start() < p.end and m.end() > p.start for p in places):
            continue
        if name.split()[0].lower() in NOT_PLACE_WORDS or any(a <= m.start() < e for _, a, e in agencies):
            continue
        left = left_of(m.start())
        # Inside a list of places, or closing one that has at least two places already.
        if left is not None and (right_of(m.end()) is not None or left_of(left.start) is not None):
            found.append(PlaceMention(name, m.start(), m.end()))
    return found


_LATIN_WORD_RE = re.compile(r"[A-Za-z][\w'’-]*")


def is_title_case(text: str) -> bool:
    """Headlines capitalise most words; their capitalised words are not place names by that sign alone."""
    words = _LATIN_WORD_RE.findall(text)
    long_words = [w for w in words if len(w) > 3]
    return len(long_words) >= 4 and sum(w[0].isupper() for w in long_words) >= 0.85 * len(long_words)


def _dropped_figures(text: str, figures: list[FigureMention]) -> list[bool]:
    """Which figures are no movement or civilian toll: population stocks ("home to some 3 million"), combatants,
    refugees abroad and counted things."""
    dropped = []
    stock_prev = False
    for f in figures:
        window = max(0, f.start - 80)
        stock = bool(STOCK_RE.search(text, window, f.start)) or bool(
            stock_prev and _AND_BEFORE_RE.search(text, window, f.start))
        stock_prev = stock
        abroad = bool(ABROAD_RE.match(text, f.num_end))
        dropped.append(stock or abroad or f.unit in ("combatants", "things")
                       or bool(NOT_CIVILIAN_RE.match(text, f.num_end)))
    return dropped


_AND_BEFORE_RE = re.compile(r"\b(?:and|et)\s+$")
