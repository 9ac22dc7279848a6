"""Place names in a sentence, resolved through the gazetteer, and their roles (origin, destination, place)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .vocabulary import (
    ARABIC_COMMON, ATTACK_CUES, DEST_CUES, DEST_TERMS, LIST_JOIN_RE, NEUTRAL_CUES, NOT_PLACE_WORDS, ORIGIN_CUES,
    PLACE_FILLERS, RECEIVE_RE, SPEECH_RE, month_number,
)


_PARTICLE = r"(?:(?:al|el|an|ad|ar|as|ash|at|az|ez|es|en|ed|er|et)[-‑’'])"
CAP_TOKEN = rf"(?:{_PARTICLE}?[A-ZÀ-Ý][\w'’]*(?:-[A-Za-zÀ-ÿ][\w'’]*)*)"
CAP_RUN_RE = re.compile(rf"(?<![\w-]){CAP_TOKEN}(?:\s+(?:{_PARTICLE}[A-Za-zÀ-ÿ][\w'’-]*|{CAP_TOKEN}))*")
_KIND_TAIL_RE = re.compile(r"\s+(district|province|governorate|region|city|countryside|sub-?district|area|camps?|"
                           r"border crossing|crossing)\b", re.IGNORECASE)
# Phrases that name an area without a capitalised name of its own, each with words it cannot match without (a cheap
# test that spares most sentences the search).
_COMPASS_WORDS = ("north", "south", "east", "west", "rural", "central")
_REGION_RES = [
    (re.compile(r"\b(?:IDP\s+|displacement\s+|refugee\s+)?camps?\s+(?:along|near|on|by|at|close to)\s+the\s+"
                r"(?:[A-Z][\w]*(?:[-–][A-Z][\w]*)?\s+)?(?:border|frontier)", re.IGNORECASE), ("camp",)),
    (re.compile(r"\b(?:the\s+)?(?:[A-Z][\w]*(?:[-–][A-Z][\w]*)?\s+)border(?!\s+crossing)"), ("border",)),
    (re.compile(r"\b(?:the\s+)?(?:eastern|western|southern|northern)\s+(?:countryside|outskirts)\s+of\s+"
                rf"{CAP_TOKEN}(?:\s+{CAP_TOKEN}){{0,5}}"), ("countryside", "outskirts")),
    (re.compile(rf"\b{CAP_TOKEN}(?:\s+{CAP_TOKEN}){{0,5}}\s+and\s+(?:its|the)\s+(?:surrounding\s+|eastern\s+|"
                r"western\s+|southern\s+|northern\s+)?countryside"), ("countryside",)),
    (re.compile(rf"\b(?:north|south|east|west|north-?west|north-?east|south-?west|south-?east|north|rural|central)"
                rf"(?:ern)?\s+{CAP_TOKEN}(?:\s+(?i:province|countryside|governorate))?"), _COMPASS_WORDS),
    (re.compile(r"\b(?:the\s+)?border\b(?!\s+crossing)"), ("border",)),
    (re.compile(r"\bla\s+fronti[èe]re\s+turque\b", re.IGNORECASE), ("fronti",)),
]
_COMPASS = r"(?:north-?west|north-?east|south-?west|south-?east|north|south|east|west|central)(?:ern)?\b"
# "northern and eastern Idleb Governorate", "northern, central and southern Idlib": every compass word but the last
# names a part of the area the last one is followed by.
_COMPASS_LIST_RE = re.compile(rf"\b({_COMPASS}(?:\s*,\s*{_COMPASS})*)\s*,?\s+(?:and|or)\s+{_COMPASS}\s+"
                              rf"({CAP_TOKEN}(?:\s+(?i:province|countryside|governorate))?)")
_COMPASS_WORD_RE = re.compile(_COMPASS)


_COMPASS_PART_RE = re.compile(rf"((?:north|south|east|west|north-?west|north-?east|south-?west|south-?east|"
                              rf"central)(?:ern)?)\s+({CAP_TOKEN})(?:\s+(?i:province|countryside|governorate))?",
                              re.IGNORECASE)


@dataclass
class PlaceMention:
    name: str
    start: int
    end: int
    place: object = None  # gazetteer Place
    ambiguous: tuple = ()
    within: str = ""
    region: bool = False
    elided: bool = False  # "northern" of "northern and eastern Idleb": named ``name``, the text holds the first word
    arabic: bool = False  # an Arabic word run: looked up by exact name only
    doubt: str = ""  # why its role is a reading of the text rather than what the text says
    weak: bool = False  # its role came from the verb alone: no word before it says (set by split_roles)
    part_of: object = None  # for a compass part of an area the gazetteer does not hold: that area


_WORD_RE = re.compile(r"[\w'’-]+")
_NON_SPACE_RE = re.compile(r"\S+")
_POSSESSIVE_SPLIT_RE = re.compile(r"(?<=['’]s)\s+")
_POSSESSIVE_RE = re.compile(r"['’]s$")


def _candidate_places(sentence: str, agency_spans) -> list[PlaceMention]:
    """Place-like phrases of a sentence, longest first where they overlap."""
    cands: list[PlaceMention] = []
    lower = sentence.lower()
    for regex, words in _REGION_RES:
        if any(word in lower for word in words):
            for m in regex.finditer(sentence):
                cands.append(PlaceMention(m.group(0), m.start(), m.end(), region=True))
    for m in CAP_RUN_RE.finditer(sentence):
        a, b = m.start(), m.end()
        text = m.group(0)
        tail = _KIND_TAIL_RE.match(sentence, b)
        if not tail and " " not in text and text.lower() in NOT_PLACE_WORDS:
            continue  # "More", "On": never a place alone (as places_in would find)
        # Possessives split a run: "Syria's Idlib".
        pieces = []
        offset = 0
        for part in _POSSESSIVE_SPLIT_RE.split(text) if "s " in text else (text,):
            pieces.append((a + offset, part))
            offset += len(part) + 1
        for p_start, part in pieces:
            clean = _POSSESSIVE_RE.sub("", part) if part.endswith("s") else part
            p_end = p_start + len(clean)
            if tail and p_start + len(part) == b:
                cands.append(PlaceMention(clean + tail.group(0), p_start, tail.end()))
            cands.append(PlaceMention(clean, p_start, p_end))
    if any(word in lower for word in _COMPASS_WORDS) and (" and " in lower or " or " in lower):
        for m in _COMPASS_LIST_RE.finditer(sentence):
            for word in _COMPASS_WORD_RE.finditer(sentence, m.start(1), m.end(1)):
                cands.append(PlaceMention(f"{word.group(0)} {m.group(2)}", word.start(), word.end(), region=True,
                                          elided=True))
    cands += _arabic_candidates(sentence)
    agency_starts = {s for _, s, _e in agency_spans}
    cands = [c for c in cands if not any(c.start < e and c.end > s for _, s, e in agency_spans)
             and not (sentence[c.end:c.end + 2] in ("'s", "’s") and c.end + 3 in agency_starts)]
    cands.sort(key=lambda c: (-(c.end - c.start), c.start))
    return cands


_KIND_WORD_RE = re.compile(r"\s+(?:province|countryside|governorate)$", re.IGNORECASE)
_ARABIC_WORD_RE = re.compile(r"[\u0621-\u064a\u0671-\u06d3]+")
_ARABIC_PREFIXES = ("و", "ب", "ل", "ف")


def _arabic_candidates(sentence: str) -> list[PlaceMention]:
    """Arabic has no capitals: every run of one to four Arabic words is a candidate (a leading و, ب, ل or ف — and,
    in, to, so — taken off the first word), looked up by exact name only (``arabic=True``); a run does not start or
    end on a common word (a month, "between", "percent"), which villages are also named after."""
    words = list(_ARABIC_WORD_RE.finditer(sentence))
    cands = []
    for i, first in enumerate(words):
        if _arabic_common(first.group()):
            continue
        starts = [first.start()]
        if first.group()[0] in _ARABIC_PREFIXES and len(first.group()) > 3:
            starts.append(first.start() + 1)
        for size in range(1, min(4, len(words) - i) + 1):
            end = words[i + size - 1].end()
            if sentence[first.start():end].count("\n"):
                break
            if _arabic_common(words[i + size - 1].group()):
                continue
            for start in starts:
                cands.append(PlaceMention(sentence[start:end], start, end, arabic=True))
    return cands


def _arabic_common(word: str) -> bool:
    bare = word[1:] if word[:1] in _ARABIC_PREFIXES and len(word) > 3 else word
    return word in ARABIC_COMMON or bare in ARABIC_COMMON or bool(month_number(word)) or bool(month_number(bare))


# First words of Arabic place names that are not places on their own ("Kafr Lusian" is not "Kafr").
_GENERIC_HEADS = {"kafr", "kfar", "deir", "dayr", "tal", "tell", "tall", "bab", "jabal", "jebel", "khan", "ain",
                  "ayn", "abu", "jisr", "ras", "umm", "beit", "bir", "qasr", "khirbet", "khirbat", "marj", "wadi",
                  "nahr", "maarat", "maaret", "maar", "sheikh", "al", "el", "tel", "kafar", "mazraat", "arab"}


#: Longest place name looked up, in words: a longer run of capitalised words is tried in pieces of this size.
MAX_NAME_WORDS = 6


def _subruns(mention: PlaceMention):
    """The phrase itself, then for a capitalised run its sub-phrases, longest first, skipping words that are never
    places and the generic first words of Arabic names."""
    if mention.arabic:
        yield mention
        return
    if mention.region and mention.elided:
        yield mention
        short = _KIND_WORD_RE.sub("", mention.name)
        if short != mention.name:
            yield PlaceMention(short, mention.start, mention.end, region=True, elided=True)
        return
    if mention.region:
        yield mention
        bare = re.sub(r"^(?:the|la|le)\s+", "", mention.name, flags=re.IGNORECASE)
        if bare != mention.name:
            yield PlaceMention(bare, mention.end - len(bare), mention.end, region=True)
        short = _KIND_WORD_RE.sub("", bare)  # "southern Idlib Governorate" is known as "southern Idlib"
        if short != bare:
            start = mention.end - len(bare)
            yield PlaceMention(short, start, start + len(short), region=True)
        return
    tokens = [(t.start(), t.end(), t.group(0).lower().strip(",.;:")) for t in _NON_SPACE_RE.finditer(mention.name)]
    n = len(tokens)
    for size in range(min(n, MAX_NAME_WORDS), 0, -1):
        for i in range(0, n - size + 1):
            first, last = tokens[i], tokens[i + size - 1]
            if first[2] in NOT_PLACE_WORDS or last[2] in NOT_PLACE_WORDS:
                continue
            if size == 1 < n and first[2] in _GENERIC_HEADS:
                continue
            yield PlaceMention(mention.name[first[0]:last[1]], mention.start + first[0], mention.start + last[1])


def _close_name(name: str, place) -> bool:
    from gazetteer import normalize_name
    from rapidfuzz import fuzz

    query = normalize_name(name)
    return any(fuzz.ratio(query, normalize_name(other)) >= 90
               for other in (place.name, place.name_ar, *place.alt_names) if other)


class Placer:
    """Resolves candidate names through the gazetteer once per article, with the article's places as context."""

    def __init__(self, gazetteer):
        self.g = gazetteer
        self.cache: dict[tuple[str, str], tuple] = {}
        self.fuzzy: dict[tuple[str, str], bool] = {}

    def lookup(self, name: str, within: str = "", *, exact: bool = False):
        key = (name, within)
        if key not in self.cache:
            from gazetteer.errors import AmbiguousPlaceError, GazetteerError, PlaceNotFoundError

            try:
                match = self.g.resolve(name, within=within or None)
                good = match.method in ("exact", "variant") or (match.method == "fuzzy" and match.score >= 90)
                self.fuzzy[key] = match.method == "fuzzy"
                self.cache[key] = (match.place, ()) if good else (None, ())
            except AmbiguousPlaceError as err:
                # Namesakes hold the name for review; places whose names only look alike ("Mass": Maes, Masih)
                # are no sign of a place, as a lone fuzzy match that weak would not be.
                close = any(_close_name(name, c) for c in err.candidates)
                self.cache[key] = (None, tuple(err.candidates) if close else ())
            except (PlaceNotFoundError, GazetteerError, ValueError):
                self.cache[key] = (None, ())
        if exact and self.fuzzy.get(key):
            return None, ()
        return self.cache[key]

    def places_in(self, sentence: str, agency_spans) -> list[PlaceMention]:
        """Resolved (or ambiguous) place mentions of a sentence, non-overlapping, in order of position."""
        chosen: list[PlaceMention] = []
        for cand in _candidate_places(sentence, agency_spans):
            if any(cand.start < c.end and cand.end > c.start for c in chosen):
                continue
            for sub in _subruns(cand):
                if any(sub.start < c.end and sub.end > c.start for c in chosen):
                    continue
                words = sub.name.lower().split()
                if len(words) == 1 and (words[0] in NOT_PLACE_WORDS or len(words[0]) < 3 and not sub.arabic):
                    continue  # "As you may have heard": two letters are no place name but by fuzzy chance
                place, candidates = self.lookup(sub.name, exact=sub.arabic)
                if place is not None or candidates:
                    sub.place, sub.ambiguous = place, candidates
                    chosen.append(sub)
                    if sub.start == cand.start and sub.end == cand.end:
                        break
            else:
                part = self._part_of_area(cand) if cand.region else None
                if part is not None and not any(part.start < c.end and part.end > c.start for c in chosen):
                    chosen.append(part)
        chosen.sort(key=lambda c: c.start)
        return chosen

    def _part_of_area(self, mention: PlaceMention) -> PlaceMention | None:
        """"northern Aleppo governorate" when the gazetteer holds no such region: the name as written, not placed
        (a row naming it needs review), with the governorate or district it lies in; never the whole area."""
        m = _COMPASS_PART_RE.fullmatch(mention.name)
        if m is None:
            return None
        base = m.group(2)
        area = next((a for a in (self.lookup(n)[0] for n in (mention.name[m.start(2):], f"{base} governorate", base))
                     if a is not None and a.is_area and a.kind != "country"), None)
        if area is None:
            return None
        name = mention.name[:m.end(2)]
        end = mention.end if mention.elided else mention.start + len(name)
        return PlaceMention(name, mention.start, end, within=area.pcode or "", region=True, part_of=area,
                            elided=mention.elided)


def _contains(area, place, gazetteer) -> bool:
    """True when ``area`` (an admin area or region) encloses ``place``."""
    if area is None or place is None or area.id == place.id or not area.is_area:
        return False
    if area.pcode and area.pcode in place.pcodes[1:]:
        return True
    try:
        return any(a.id == area.id for a in gazetteer.ancestors(place))
    except Exception:  # noqa: BLE001 - a gazetteer without ancestry simply does not contain
        return False

def place_with_context(info: list[dict], placer: Placer, gazetteer) -> None:
    """Decide ambiguous names with the places around them: the sentence's district first, then the article's."""
    article_admin2 = Counter()
    article_admin1 = Counter()
    for data in info:
        for mention in data["places"]:
            p = mention.place
            if p is not None and p.kind not in ("country",):
                if p.admin2:
                    article_admin2[p.admin2] += 1
                if p.admin1:
                    article_admin1[p.admin1] += 1
    for index, data in enumerate(info):
        local = Counter()
        for neighbour in info[max(0, index - 1):index + 2]:
            for mention in neighbour["places"]:
                if mention.place is not None and mention.place.admin2:
                    local[mention.place.admin2] += 1
        for mention in data["places"]:
            if mention.place is not None or not mention.ambiguous:
                continue
            hints = [code for code, _ in local.most_common(2)] + [code for code, _ in article_admin2.most_common(2)]
            hints += [code for code, _ in article_admin1.most_common(1)]
            for hint in hints:
                if not any(hint in c.pcodes for c in mention.ambiguous):
                    continue
                place, _ = placer.lookup(mention.name, hint)
                if place is not None:
                    mention.place, mention.within = place, hint
                    break

_LOCATOR_RE = re.compile(r"^\s*(?:regions?|areas?|camps?|towns?|villages?|cities)?\s*(?:near|close to|along|by|"
                         r"on)\s+(?:the\s+)?$", re.IGNORECASE)


def _cue(sentence: str, start: int, lo: int) -> str:
    """The word that introduces a place (skipping "the", "city of", "rebel-held" ...), or ``""``."""
    return _cue_words(sentence, start, lo)[0]


def _cue_words(sentence: str, start: int, lo: int) -> tuple[str, str]:
    """The cue of a place and the word before it ("arrived" of "arrived in Dana"), each ``""`` when missing."""
    words = _WORD_RE.findall(sentence, max(lo, start - 120), start)[-8:]
    for i in range(len(words) - 1, -1, -1):
        word = words[i].lower()
        if word not in PLACE_FILLERS:
            return word, words[i - 1].lower() if i > 0 else ""
    return "", ""


_FR_COMPASS = {"nord", "sud", "est", "ouest", "nord-ouest", "nord-est", "sud-ouest", "sud-est", "centre"}


def _weak_cue(sentence: str, start: int, lo: int) -> bool:
    """True when no word of place comes before a place (past fillers and French compass words: "dans le nord-ouest
    de la Syrie"), so that only the verb can tell its role."""
    words = _WORD_RE.findall(sentence, max(lo, start - 120), start)[-8:]
    cue = next((w for w in (w.lower().replace("’", "'") for w in reversed(words)) if w not in PLACE_FILLERS and w not in _FR_COMPASS),
               "")
    return not (cue in ORIGIN_CUES or cue in DEST_CUES or cue in NEUTRAL_CUES or cue == "within")


_FLEEING_FR_RE = re.compile(r"fui|fuy|quitt", re.IGNORECASE)


def _role(cue: str, kind: str, term: str, verb: str = "") -> str:
    """The role of a place from its cue, the word before the cue (``verb``) and the figure's movement ``term``."""
    if kind != "displacement":
        return "place"
    if cue in NEUTRAL_CUES and verb and DEST_TERMS.search(verb):
        return "destination"  # "arrived in Dana", "sheltering in Atme": where the people are now
    if cue in ("à", "au", "aux") and _FLEEING_FR_RE.search(term):
        return "origin"  # "ont fui leurs foyers à Ariha": fled (their homes) in Ariha
    if cue in DEST_CUES:
        return "destination"
    if cue in ORIGIN_CUES:
        return "origin"
    if cue in NEUTRAL_CUES:
        return "destination" if cue == "near" or DEST_TERMS.search(term) else "origin"
    return "destination" if DEST_TERMS.search(term) else "origin"


def split_roles(bound, kind, data, text, gazetteer):
    """Split the places of a figure's stretch into origins, destinations and (incident) places.

    A place before the figure counts only with a cue ("In Idlib, 3,000 ..."; "from Saraqeb"), so that the subject
    of a clause ("Damascus launched ...") is not taken for a place of the movement; an incident's place needs a
    locative cue ("killed in Tal Mannis") or must follow the verb. "Idlib, where thousands have taken refuge" makes
    Idlib a destination; "fled fighting elsewhere in Syria" names no origin.
    """
    receive_at = -1
    if bound is not None:
        lo, hi = bound.seg_start, bound.seg_end
        term = text[bound.term_start:bound.term_end] if bound.term_start >= 0 else ""
        fig_start = min(bound.figure.start, bound.term_start if bound.term_start >= 0 else bound.figure.start)
        term_end = max(bound.term_end, bound.figure.end)
        if RECEIVE_RE.match(term) and bound.term_start < bound.figure.start:
            receive_at, lo = bound.term_start, 0  # its subject, before the verb, is where people went
    else:
        lo, hi, fig_start, term_end = 0, len(text), 0, 0
        m = _MOVE_RE.search(text)
        term = m.group(0) if m else ""
    mentions = [m for m in data["places"] if lo <= m.start < hi]
    for mention in mentions:
        mention.weak = False
    hosts = _receiving(mentions, text, receive_at)
    roles = _assign_roles([m for m in mentions if m not in hosts and m.end > receive_at], text, kind, term, lo,
                          fig_start, term_end)
    roles["destination"] = hosts + roles["destination"]
    if kind == "displacement":
        _refuges_listed_as_fled(roles, text, lo)
    for group in roles.values():
        prune_places(group, gazetteer)
    return roles["origin"], roles["destination"], roles["place"]


_FROM_CUES = {"from", "de", "du", "d'", "depuis", "من"}
_REFUGE_RE = re.compile(r"\bcamps?\b|\bcampements?\b|مخيم", re.IGNORECASE)


def _refuges_listed_as_fled(roles, text, lo) -> None:
    """Camps listed with the towns people fled ("fled Ariha, villages in the south and camps near the border") are
    where such lists send people, not where they come from: a garbled "from ... to ..." of the source. They are
    drafted as destinations, each with a doubt the row carries to its review note; a list of camps alone, or a list
    after "from", stays as the text says."""
    origins = roles["origin"]
    moved = [m for m in origins if m.place is not None and _REFUGE_RE.search(m.name)]
    if not moved or len(moved) == len(origins) or _cue(text, origins[0].start, lo) in _FROM_CUES:
        return
    for mention in moved:
        mention.doubt = "listed among the places fled from"
    roles["origin"] = [m for m in origins if m not in moved]
    roles["destination"] = roles["destination"] + moved


_SUBJECT_GAP_RE = re.compile(r"\s*(?:(?:has|have|had|alone|also|already|recently|reportedly|together|"
                             r"a|ont|,)\s*)*", re.IGNORECASE)


def _receiving(mentions, text, receive_at: int) -> list[PlaceMention]:
    """The places that are the subject of a verb of taking in ("Sarmada and Dana received ..."), in order."""
    if receive_at < 0:
        return []
    before = [m for m in mentions if m.end <= receive_at]
    if not before or not _SUBJECT_GAP_RE.fullmatch(text, before[-1].end, receive_at):
        return []
    hosts = [before[-1]]
    for mention in reversed(before[:-1]):
        if not LIST_JOIN_RE.match(text[mention.end:hosts[0].start]):
            break
        hosts.insert(0, mention)
    return hosts


def sentence_origins(bound, data, text, gazetteer) -> list[PlaceMention]:
    """Origins named in the sentence before a figure's stretch with a cue of place ("an offensive against Idlib,
    killing ... and displacing 400,000"): for a figure whose own stretch names none."""
    found = [m for m in data["places"] if m.end <= bound.seg_start and not _elsewhere(text, m)
             and _cue(text, m.start, 0) in ORIGIN_CUES | NEUTRAL_CUES | ATTACK_CUES]
    for mention in found:
        mention.weak = False
    prune_places(found, gazetteer)
    return found


_AGENT_CUES = {"by", "par"}
_MOVE_RE = re.compile(r"fled|flee|arriv|shelter|refuge|moved|headed|heading", re.IGNORECASE)
# Words that send the places after them as destinations, whatever word stands just before the place ("heading
# towards already crowded areas of northern Idlib", "pour rejoindre des camps près de la frontière").
_TOWARD_RE = re.compile(r"\b(?:pour\s+(?:rejoindre|gagner|atteindre)|rejoindre|rejoint|vers|en\s+direction\s+d(?:e|u|es|')|"
                        r"head(?:ing|ed|s)?\s+(?:to|towards?|for|into)|on\s+(?:their|the|its)\s+way\s+to|to\s+reach|"
                        r"making\s+(?:their|its)\s+way\s+to)\b", re.IGNORECASE)
_AWAY_RE = re.compile(r"\b(?:from|fled|flee|fleeing|left|leaving|depuis|fui|fuir|fuyant|quitt\w*)\b|[;:]",
                      re.IGNORECASE)
# Cues of leaving that a word of heading does not override ("de" may be "près de", "camps de").
_LEAVING_CUES = ORIGIN_CUES - {"de", "du", "d'"}
# A parenthesis of figures inside a list of places: "to Latakia (750), Aleppo (2,050) and Tartous (275)".
_OF_JOIN_RE = re.compile(r"\s+(?:and|et)\s+(?:of|de|d['’]|du)\s*(?:the\s+|la\s+|le\s+)?", re.IGNORECASE)
_LIST_ASIDE_RE = re.compile(r"\s*\([^()A-Z]{0,40}\)")


def _listed_after(text, previous, mention) -> bool:
    """True when ``mention`` carries on a list that ``previous`` is in ("A, B and C"; "A (750), B (2,050)")."""
    gap = text[previous.end:mention.start]
    aside = _LIST_ASIDE_RE.match(gap)
    gap = gap[aside.end():] if aside else gap
    return bool(LIST_JOIN_RE.match(gap) or _OF_JOIN_RE.fullmatch(gap))


def _sent_toward(text, lo, mention) -> bool:
    """A word of heading for a place comes before ``mention`` in its stretch, with no word of leaving after it."""
    window = max(lo, mention.start - 90)
    last = None
    for last in _TOWARD_RE.finditer(text, window, mention.start):
        pass
    return last is not None and not _AWAY_RE.search(text, last.end(), mention.start)
_ELSEWHERE_RE = re.compile(r"\b(?:(?:elsewhere|other parts|other areas|rest)\s+(?:in|of)|(?:north|south|east|west)"
                           r"(?:[- ]?(?:north|south|east|west))?(?:ern)?\s+of)\s+(?:the\s+)?$", re.IGNORECASE)
_WHERE_RE = re.compile(r",?\s+where\b", re.IGNORECASE)


def _elsewhere(text, mention) -> bool:
    """"fled fighting elsewhere in Syria", "located east of Idlib city": the name places something else."""
    return bool(_ELSEWHERE_RE.search(text, max(0, mention.start - 30), mention.start))


_CLOSING_QUOTE_RE = re.compile(r"[\"”»]")


def _attributed(text, after: int, mention) -> bool:
    """"... are moving towards the border," the minister told a conference in Ankara: a place after the quote
    closes and its speaker speaks is where the words were said."""
    close = _CLOSING_QUOTE_RE.search(text, after, mention.start)
    return close is not None and bool(SPEECH_RE.search(text, close.end(), mention.start))


def _assign_roles(mentions, text, kind, term, lo, fig_start, term_end) -> dict:
    roles: dict[str, list[PlaceMention]] = {"origin": [], "destination": [], "place": []}
    previous = None
    for mention in mentions:
        if _elsewhere(text, mention) or _attributed(text, term_end, mention):
            continue
        if previous is not None and _LOCATOR_RE.match(text[previous[0].end:mention.start]):
            continue  # "the Kah and Atme regions near the border": locates the list, is not another place
        if previous is not None and _listed_after(text, previous[0], mention):
            role = previous[1]
            mention.weak = previous[0].weak
        elif kind == "displacement" and mention.end <= fig_start and _WHERE_RE.match(text, mention.end) \
                and DEST_TERMS.search(text, mention.end):
            role = "destination"
        else:
            cue, verb = _cue_words(text, mention.start, lo)
            if cue in _AGENT_CUES:
                continue  # "areas recaptured by Damascus": the government, not a place of the movement
            known_cue = cue in ORIGIN_CUES or cue in DEST_CUES or cue in NEUTRAL_CUES or (
                kind != "displacement" and cue in ATTACK_CUES)
            if mention.start < fig_start and not known_cue:
                continue
            if kind != "displacement" and not (cue in NEUTRAL_CUES or cue in ATTACK_CUES
                                               or mention.start >= term_end):
                continue
            if kind == "displacement" and cue not in _LEAVING_CUES and _sent_toward(text, lo, mention):
                role = "destination"
            else:
                role = _role(cue, kind, term, verb)
                # "fled ... the majority of them crowded Ariha": no cue of place, the verb alone decided
                mention.weak = kind == "displacement" and _weak_cue(text, mention.start, lo)
        roles[role].append(mention)
        previous = (mention, role)
    return roles


def prune_places(group: list, gazetteer) -> None:
    """An area named after places it encloses only locates them ("towns in the rebel-held Idlib province"); a
    country next to a more precise place adds nothing ("Syria's Idlib")."""
    kept = []
    for mention in group:
        others = [o for o in group if o is not mention and o.place is not None]
        if mention.place is not None and others and all(_contains(mention.place, o.place, gazetteer)
                                                        for o in others):
            for o in others:
                o.within = o.within or mention.place.pcode
            continue
        kept.append(mention)
    if any(m.place is not None and m.place.kind != "country" for m in kept):
        kept = [m for m in kept if m.place is None or m.place.kind != "country"]
    group[:] = kept
