"""Figures in a sentence: digits, number words, ranges and vague amounts, with qualifier and unit."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ..errors import MapperError
from .screening import THINGS
from .sentences import words_of
from .vocabulary import (
    ARABIC_MULTIPLIERS, ARABIC_NUMBERS,
    COMBATANTS, MULTIPLIERS, NUMBER_WORDS, QUALIFIERS, QUALIFIER_EN, TERMS, UNITS, UNIT_FILLERS, VAGUE,
)


@dataclass(frozen=True)
class FigureMention:
    """A figure found in a sentence (offsets relative to the sentence).

    ``value_min``/``value_max`` are ``None`` for a vague figure; ``start``/``end`` cover qualifier, figure and unit.
    """

    text: str
    value_min: float | None
    value_max: float | None
    qualifier: str
    unit: str  # people | families | households | children | women | "" (no unit noun)
    vague: bool
    start: int
    end: int
    num_start: int
    num_end: int

    @property
    def is_range(self) -> bool:
        return self.value_min is not None and self.value_min != self.value_max


def _alternation(words) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


_REGEX_CACHE: dict[str, dict[str, re.Pattern]] = {}


def patterns_for(lang: str) -> dict[str, re.Pattern]:
    """Compiled patterns for one language (built once)."""
    if lang in _REGEX_CACHE:
        return _REGEX_CACHE[lang]
    if lang == "ar":
        return _arabic_patterns()
    words = _alternation(NUMBER_WORDS[lang])
    if lang == "fr":
        digits = r"(?<![\d,.])\d{1,3}(?:(?:[  \u202f.])\d{3})+(?![\d])|(?<![\d.])\d+(?:,\d+)?(?![\d])"
        joiner = r"(?:\s+et\s+|\s+|-)"
    else:
        digits = r"(?<![\d,.])\d{1,3}(?:(?:,|[  \u202f])\d{3})+(?![\d,]\d)|(?<![\d.,])\d+(?:\.\d+)?(?![\d])"
        joiner = r"(?:\s+and\s+|\s+|-)"
    multiplier = r"(?:\s*(?:million|billion|thousand|mille|millions|milliards?)\b)?"
    number = (rf"(?P<digits>{digits}){multiplier}"
              rf"|(?P<words>\b(?:an?\s+(?=(?:hundred|thousand|million)\b))?(?:{words})(?:{joiner}(?:{words}))*\b)"
              r"|(?P<another>\banother(?=\s+(?:person|civilian|child|man|woman|resident)\b))"
              r"|(?P<half>\bhalf[- ]an?[- ]million\b)")
    vague = _alternation(VAGUE[lang])
    qualifier = _alternation(QUALIFIERS[lang])
    # A sentence with no number word needs only the digits (the other alternatives cannot match), and one with no
    # word that ends a vague amount ("thousands", "dozen") no search for vague amounts.
    no_words = r"|(?P<words>(?!))|(?P<another>(?!))|(?P<half>(?!))"
    compiled = {
        "number": re.compile(number, re.IGNORECASE),
        "digits only": re.compile(rf"(?P<digits>{digits}){multiplier}{no_words}", re.IGNORECASE),
        "number words": frozenset(NUMBER_WORDS[lang]) | {"another", "half"},
        "vague ends": frozenset(re.findall(r"\w+", phrase.lower())[-1] for phrase in VAGUE[lang]),
        "vague": re.compile(rf"\b(?:{vague})\b", re.IGNORECASE),
        "qualifier": re.compile(rf"(?:^|\b)(?P<q>{qualifier})\s+(?:of\s+)?$", re.IGNORECASE),
        "terms": [(kind, re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE))
                  for kind, pattern in TERMS[lang]],
    }
    _REGEX_CACHE[lang] = compiled
    return compiled


def _arabic_patterns() -> dict[str, re.Pattern]:
    """Arabic: digits (Western or Arabic-Indic, grouped with ``,`` or ``٬``), number words, and a multiplier word
    after either ("12 ألف", "ثلاثة آلاف")."""
    words = _alternation(ARABIC_NUMBERS)
    multiplier = rf"(?:\s*(?:{_alternation(ARABIC_MULTIPLIERS)})(?!\w))?"  # noqa: E501
    digits = r"(?<![\d,.٬٫])\d{1,3}(?:[,٬]\d{3})+(?![\d,٬]\d)|(?<![\d.,٬٫])\d+(?:[.٫]\d+)?(?!\d)"
    scales = _alternation(ARABIC_MULTIPLIERS)
    number = (rf"(?P<digits>{digits}){multiplier}|(?P<words>(?<!\w)(?:(?:{words}){multiplier}|(?:{scales}))(?!\w))"
              r"(?P<another>(?!))?")
    compiled = {
        "number": re.compile(number),
        "vague": re.compile(rf"(?<!\w)(?:{_alternation(VAGUE['ar'])})(?!\w)"),
        "qualifier": re.compile(rf"(?<!\w)(?P<q>{_alternation(QUALIFIERS['ar'])})\s+$"),
        "terms": [(kind, re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])")) for kind, pattern in TERMS["ar"]],
    }
    _REGEX_CACHE["ar"] = compiled
    return compiled


def _arabic_value(match: re.Match) -> float | None:
    text = " ".join(match.group(0).split())
    scale = next((ARABIC_MULTIPLIERS[w] for w in ARABIC_MULTIPLIERS if text.endswith(w)), 1)
    head = text[:len(text) - len(next((w for w in ARABIC_MULTIPLIERS if text.endswith(w)), ""))].strip()
    if match.group("digits"):
        try:
            return float(head.replace(",", "").replace("٬", "").replace("٫", ".")) * scale
        except ValueError:
            return None
    value = ARABIC_NUMBERS.get(head, 1 if not head else None)
    return None if value is None else float(value * scale)


_FR_GROUPING_RE = re.compile(r"[  \u202f.]")
_EN_GROUPING_RE = re.compile(r"[,  \u202f]")


def _number_value(match: re.Match, lang: str) -> float | None:
    if lang == "ar":
        return _arabic_value(match)
    text = match.group(0)
    if match.group("digits"):
        raw = match.group("digits")
        rest = text[len(raw):].strip().lower()
        if lang == "fr":
            if re.fullmatch(r"\d{1,3}(?:[  \u202f.]\d{3})+", raw):
                raw = _FR_GROUPING_RE.sub("", raw)
            raw = raw.replace(",", ".")
        else:
            raw = _EN_GROUPING_RE.sub("", raw)
        try:
            value = float(raw)
        except ValueError:
            return None
        return value * MULTIPLIERS.get(rest, 1)
    if match.group("another"):
        return 1.0
    if match.group("half"):
        return 500_000.0
    words = re.sub(r"\s+", " ", match.group("words").strip().lower())
    words = re.sub(r"^an? ", "", words)
    if words in ("one", "un", "une") and lang:
        return 1.0
    try:
        from text_to_num import text2num
    except ImportError as err:  # pragma: no cover - declared dependency
        raise MapperError("reading number words needs the text2num package") from err
    try:
        return float(text2num(words, lang))
    except ValueError:
        return None


def find_figures(sentence: str, *, lang: str = "en", masked=()) -> list[FigureMention]:
    """Find the figures of a sentence, with their qualifier and unit.

    Digits ("235,000", "12 000", "1.3 million"; in French "586.000", "30 000"), number words ("five thousand", "a
    thousand"), ranges ("3,000 to 5,000", "between 3,000 and 5,000") and vague amounts ("tens of thousands":
    ``vague=True``, no value). A figure counts only when a unit noun follows it or it is the subject or object of a
    verb of displacement or harm; the caller decides that. Numbers inside ``masked`` spans (dates, periods) are
    skipped.

    Parameters
    ----------
    sentence : str
        One sentence.
    lang : {"en", "fr"}
        Language of the sentence.
    masked : iterable of (start, end)
        Spans to ignore (the dates found by :func:`find_periods`).

    Returns
    -------
    list of FigureMention
        In order of position.
    """
    rx = patterns_for(lang)
    masked = Spans(masked)
    found = _raw_figures(sentence, lang, rx, masked)
    return [_mention(sentence, item, lang, rx) for item in _join_ranges(sentence, found, lang)]


def has_figures(sentence: str, *, lang: str = "en", masked=()) -> bool:
    """True when :func:`find_figures` would find a figure (cheaper: no qualifier, unit or range is read)."""
    return bool(_raw_figures(sentence, lang, patterns_for(lang), Spans(masked), first=True))


class Spans:
    """A set of character spans, asked whether a span overlaps any of them (in logarithmic time)."""

    def __init__(self, spans=()):
        merged: list[list[int]] = []
        for a, b in sorted(spans):
            if merged and a < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self.starts = [a for a, _ in merged]
        self.ends = [b for _, b in merged]

    def overlaps(self, a: int, b: int) -> bool:
        i = bisect.bisect_left(self.ends, a + 1)  # the first span that ends after a
        return i < len(self.starts) and self.starts[i] < b


def _raw_figures(sentence, lang, rx, masked: Spans, first: bool = False) -> list[tuple]:
    """(start, end, value, vague, text) of every vague amount and number not masked, in order (``first``: stop at
    the first one found)."""
    words = words_of(sentence) if lang != "ar" else None
    vague_rx = rx["vague"] if words is None or not words.isdisjoint(rx["vague ends"]) else None
    found = [(m.start(), m.end(), None, True, m.group(0)) for m in (vague_rx.finditer(sentence) if vague_rx else ())
             if not masked.overlaps(m.start(), m.end())]
    if first and found and lang != "ar":
        return found[:1]
    if lang == "ar":  # "ثلاثة آلاف" and "9 آلاف" are three and nine thousand, not "thousands"
        scaled = Spans((m.start(), m.end()) for m in rx["number"].finditer(sentence)
                       if m.group("words") and " " in m.group("words").strip()
                       or m.group("digits") and m.end() > m.end("digits"))
        found = [f for f in found if not scaled.overlaps(f[0], f[1])]
    vague = Spans((f[0], f[1]) for f in found)
    number_rx = rx["number"] if words is None or not words.isdisjoint(rx["number words"]) else rx["digits only"]
    for match in number_rx.finditer(sentence):
        a, b = match.start(), match.end()
        if masked.overlaps(a, b) or vague.overlaps(a, b):
            continue
        value = _number_value(match, lang)
        if value is None:
            continue
        if _NOT_A_COUNT_RE.search(sentence, max(0, a - 6), a) or sentence[b:b + 1] in ("%", "-"):
            continue  # "no one", "year-old", "70%"
        found.append((a, b, value, False, match.group(0)))
        if first:
            break
    found.sort()
    return found


_NOT_A_COUNT_RE = re.compile(r"\bno\s+$|\bany\s*$|-$", re.IGNORECASE)
_RANGE_GAP_RE = re.compile(r"\s*(?:-|–|—|to|and|or|à|et)\s*", re.IGNORECASE)
_SCALE_RE = re.compile(r"(?:million|thousand|mille)$", re.IGNORECASE)
_BETWEEN_RE = re.compile(r"\b(?:between|entre)\s+$", re.IGNORECASE)


def _join_ranges(sentence, found, lang) -> list[list]:
    """Join ranges: "3,000 to 5,000", "3,000-5,000", "between 3,000 and 5,000"."""
    merged: list[list] = []
    for item in found:
        if merged and not item[3] and not merged[-1][3]:
            prev = merged[-1]
            if _RANGE_GAP_RE.fullmatch(sentence, prev[1], item[0]) and not _unit_after(sentence, prev[1], lang)[0]:
                low, high = prev[2], item[2]
                if low < 1000 <= high and _SCALE_RE.search(item[4]):
                    low *= MULTIPLIERS[item[4].split()[-1].lower()]
                if low < high:
                    merged[-1] = [prev[0], item[1], (low, high), False, sentence[prev[0]:item[1]]]
                    continue
        merged.append(list(item))
    return merged


def _mention(sentence, item, lang, rx) -> FigureMention:
    """The mention of one figure: its qualifier (looked for just before it) and its unit (just after)."""
    a, b, value, vague, text = item
    qualifier, q_start = "", a
    window = max(0, a - 60)
    q_match = rx["qualifier"].search(sentence, window, a)
    if q_match:
        qualifier = re.sub(r"\s+", " ", q_match.group("q").lower())
        qualifier = QUALIFIER_EN.get(qualifier, qualifier)
        q_start = q_match.start("q")
    elif isinstance(value, tuple):
        between = _BETWEEN_RE.search(sentence, window, a)
        q_start = between.start() if between else a
    unit, unit_end = _unit_after(sentence, b, lang)
    low, high = value if isinstance(value, tuple) else (value, value)
    return FigureMention(text=text, value_min=low, value_max=high, qualifier=qualifier, unit=unit, vague=vague,
                         start=q_start, end=unit_end if unit else b, num_start=a, num_end=b)


_TOKEN_RE = re.compile(r"[\w'’-]+|[^\w\s]")
_NEXT_WORD_RE = re.compile(r"\s+([\w-]+)")


def _unit_after(sentence: str, pos: int, lang: str) -> tuple[str, int]:
    """The unit noun after a figure ending at ``pos`` (``""`` if none) and where it ends."""
    units = UNITS[lang]
    for count, match in enumerate(_TOKEN_RE.finditer(sentence, pos, pos + 120)):
        word = match.group().lower().strip("'’")
        if lang == "ar" and word.startswith("ال") and word[2:] in units:
            word = word[2:]  # "المدنيين": the civilians
        if count > 4 or not word[:1].isalnum() and word[:1] != "_":
            if word in ('"', "“", "”", "«", "»") and count <= 4:
                continue
            return "", pos
        if word in COMBATANTS:
            return "combatants", match.end()
        if word in THINGS:
            return "things", match.end()
        if word in units:
            # "displaced" is a unit only at the end ("10,000 displaced"), otherwise an adjective.
            nxt = _NEXT_WORD_RE.match(sentence, match.end())
            if word in ("displaced", "déplacés") and nxt and nxt.group(1).lower() in units:
                continue
            return units[word], match.end()
        if word not in UNIT_FILLERS:
            return "", pos
    return "", pos
