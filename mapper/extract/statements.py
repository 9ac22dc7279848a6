"""Reading one sentence: figures bound to their verbs, periods, agencies and places."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .agencies import find_agencies
from .article import Article
from .figures import FigureMention, find_figures, patterns_for
from .periods import date_spans, find_periods
from .places import CAP_RUN_RE, CAP_TOKEN, PlaceMention, Placer
from .sentences import Sentence
from .vocabulary import (
    COMBATANTS, LIST_JOIN_RE, NEGATIONS, NOT_CIVILIAN_RE, NOT_PLACE_WORDS, PLACE_FILLERS, STOCK_RE, SUBGROUP_RE,
    SUBJECT_FILLERS, UNITS, WEEKDAY_RE, WOUNDED_RE, month_number,
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


def _tokens(text: str):
    return list(re.finditer(r"[\w'’-]+|[^\w\s]", text))


def bind_terms(sentence: str, figures: list[FigureMention], lang: str) -> list[Bound]:
    """Bind each figure to its verb: object ("killing 1,000 civilians") first, then subject ("people fled")."""
    rx = patterns_for(lang)
    terms = []
    for kind, regex in rx["terms"]:
        for m in regex.finditer(sentence):
            if not any(m.start() < t[2] and m.end() > t[1] for t in terms):
                terms.append((kind, m.start(), m.end(), m.group(0)))
    # A unit adjective ("internally displaced persons") is not a verb.
    terms = [t for t in terms if not any(f.num_end <= t[1] and t[2] <= f.end for f in figures)]
    terms.sort(key=lambda t: t[1])
    bounds = [Bound(f) for f in figures]
    used: set[int] = set()
    # Object binding: the verb ends just before the qualifier/figure ("displacing more than 400,000").
    for b in bounds:
        head = sentence[:b.figure.start]
        for idx, (kind, ts, te, _word) in enumerate(terms):
            if idx in used or te > b.figure.start:
                continue
            gap = head[te:]
            if re.fullmatch(r"[\s,]*(?:(?:a total of|some|the|of|including|his|her|their|its|at least|"
                            r"a|an|une?|des|de)\s*)*[\s,]*", gap, re.IGNORECASE) and len(gap) <= 25:
                if any(other.figure.num_end <= ts and other.figure.end > ts for other in bounds if other is not b):
                    continue
                b.kind, b.term_start, b.term_end = kind, ts, te
                used.add(idx)
    # Subject binding: figure (and unit) then fillers then the verb ("civilians have been forced to leave").
    for i, b in enumerate(bounds):
        if b.kind:
            continue
        pos = b.figure.end
        in_phrase = False  # "families from southern Idlib took shelter": skip the place phrase
        for count, tok in enumerate(_tokens(sentence[pos:])):
            if count > 12:
                break
            t_abs = pos + tok.start()
            hit = next((idx for idx, t in enumerate(terms) if t[1] == t_abs), None)
            if hit is not None:
                kind, ts, te, _w = terms[hit]
                b.kind, b.term_start, b.term_end = kind, ts, te
                used.add(hit)
                break
            word = tok.group(0).lower()
            if word in NEGATIONS:
                break
            if word in ("from", "in", "of", "de", "du", "des") and count <= 3:
                in_phrase = True
                continue
            if in_phrase and (tok.group(0)[:1].isupper() or word in PLACE_FILLERS or
                              re.match(r"(?:al|el|an|ad|as|ash|at|az)-", word)):
                continue
            in_phrase = False
            inside_other = next((o for o in bounds if o is not b and o.figure.start <= t_abs < o.figure.end), None)
            if inside_other is not None:
                continue  # "280 civilians and several hundred combatants have died"
            if word in SUBJECT_FILLERS or word in (",", "and", "et", '"', "“", "”", "(", ")") or \
                    re.fullmatch(r"including|several|y|compris", word):
                continue
            if word in UNITS[lang] or word in COMBATANTS:
                continue
            break
    # "killed three civilians in Hish and two in Kafr Tin": the second figure shares the first one's verb.
    for i, b in enumerate(bounds):
        if b.kind or i == 0 or b.figure.unit or b.figure.vague:
            continue
        prev = bounds[i - 1]
        head = sentence[prev.figure.end:b.figure.start]
        if prev.kind and re.search(r"(?:,|\band|\bet|\bwhile)\s+$", head) and re.match(
                r"\s*(?:others?\s+)?(?:in|at|near|from|to|dans|à)\b", sentence[b.figure.num_end:]):
            b.kind, b.term_start, b.term_end = prev.kind, prev.term_start, prev.term_end
    # "Among those killed in X were three children": the verb comes first, the figures after it.
    among = re.search(r"\bamong (?:those|the people|the victims|the dead|the)\b", sentence, re.IGNORECASE)
    if among:
        verb = next((t for t in terms if t[1] > among.end()), None)
        for b in bounds:
            if not b.kind and verb is not None and b.figure.start > verb[2]:
                b.kind, b.term_start, b.term_end = verb[0], verb[1], verb[2]
    for b in bounds:
        if b.kind:
            word = sentence[b.term_start:b.term_end]
            b.is_return = b.kind == "return"
            if b.kind == "return":
                b.kind = "displacement"
            elif b.kind == "incident" and WOUNDED_RE.search(word):
                b.kind = "incident-wounded"
    return bounds


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
    text = sentence.text
    periods = find_periods(text, article.published)
    agencies = find_agencies(text)
    figures = find_figures(text, lang=lang, masked=date_spans(text))
    dropped = _dropped_figures(text, figures)
    bounds = bind_terms(text, figures, lang)
    for b, drop in zip(bounds, dropped):
        if drop:
            b.kind, b.dropped = "", True
    # Subgroups ("including three children") are notes on the figure before them.
    for i, b in enumerate(bounds):
        head = text[:b.figure.start]
        if i > 0 and (SUBGROUP_RE.search(head) or b.figure.unit in ("children", "women")
                      and re.search(r"\b(?:including|among them|dont|y compris)\b[^.;]*$", head, re.IGNORECASE)):
            b.subgroup_of = i - 1
            while bounds[b.subgroup_of].subgroup_of is not None:
                b.subgroup_of = bounds[b.subgroup_of].subgroup_of
    # A subgroup whose total is not a row (a population stock, an unbound figure) stands on its own.
    for b in bounds:
        if b.subgroup_of is not None:
            main = bounds[b.subgroup_of]
            if main.kind:
                main.subgroups.append(b)
                if not b.kind or b.kind == main.kind:
                    b.kind = main.kind
            else:
                b.subgroup_of = None
    live = [b for b in bounds if b.subgroup_of is None and b.kind]
    segments(live, len(text))
    places = placer.places_in(text, [(a, s, e) for a, s, e in agencies])
    # Capitalised names right after a place cue that resolved to nothing: kept as written, listed as unplaced.
    headline = _is_title_case(text)
    for m in re.finditer(rf"(?<![\w-])(?:from|to|in|near|towards?|(?:town|city|village|villages|towns) of)\s+"
                         rf"({CAP_TOKEN}(?:\s+{CAP_TOKEN})?)", text):
        name = re.sub(r"['’]s$", "", m.group(1))
        words = name.lower().split()
        if headline or words[0] in NOT_PLACE_WORDS or words[-1] in NOT_PLACE_WORDS or month_number(words[0]):
            continue
        if re.search(r"\baccording\s+to\s+$", text[:m.start(1)], re.IGNORECASE) or words[-1] in speakers:
            continue
        if any(p.start <= m.start(1) < p.end for p in places):
            continue
        if any(a <= m.start(1) < e for _, a, e in agencies) or re.match(WEEKDAY_RE, name, re.IGNORECASE):
            continue
        if any(b.seg_start <= m.start(1) < b.seg_end for b in live):
            places.append(PlaceMention(name, m.start(1), m.start(1) + len(name)))
    places.sort(key=lambda mention: mention.start)
    # A capitalised name listed between places ("Kah, Deir Hassan, Kafr Lusian and Atme") is a place too.
    placed = [p for p in places if p.place is not None and p.place.kind != "country"]

    def joined(a_end, b_start):
        return a_end <= b_start and bool(LIST_JOIN_RE.match(text[a_end:b_start]))

    for m in CAP_RUN_RE.finditer(text):
        name = m.group(0)
        if headline or any(m.start() < p.end and m.end() > p.start for p in places):
            continue
        if name.split()[0].lower() in NOT_PLACE_WORDS or any(a <= m.start() < e for _, a, e in agencies):
            continue
        left = next((p for p in placed if joined(p.end, m.start())), None)
        right = next((p for p in placed if joined(m.end(), p.start)), None)
        # Inside a list of places, or closing one that has at least two places already.
        chain = left is not None and any(joined(q.end, left.start) for q in placed)
        if (left is not None and right is not None) or chain:
            places.append(PlaceMention(name, m.start(), m.end()))
    places.sort(key=lambda mention: mention.start)
    return {"periods": periods, "agencies": agencies, "bounds": bounds, "live": live, "places": places,
            "has_figure": bool(figures), "terms": _has_term(text, lang)}


def _is_title_case(text: str) -> bool:
    """Headlines capitalise most words; their capitalised words are not place names by that sign alone."""
    words = re.findall(r"[A-Za-z][\w'’-]*", text)
    long_words = [w for w in words if len(w) > 3]
    return len(long_words) >= 4 and sum(w[0].isupper() for w in long_words) >= 0.85 * len(long_words)


def _has_term(text: str, lang: str) -> str:
    for kind, regex in patterns_for(lang)["terms"]:
        if kind != "incident" and regex.search(text):
            return kind
    return ""


def _dropped_figures(text: str, figures: list[FigureMention]) -> list[bool]:
    """Which figures are no movement or civilian toll: population stocks ("home to some 3 million") and combatants."""
    dropped = []
    stock_prev = False
    for f in figures:
        head = text[:f.start]
        stock = bool(STOCK_RE.search(head)) or bool(stock_prev and re.search(r"\b(?:and|et)\s+$", head))
        stock_prev = stock
        dropped.append(stock or f.unit == "combatants" or bool(NOT_CIVILIAN_RE.match(text[f.num_end:])))
    return dropped
