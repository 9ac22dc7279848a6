"""Figures in a sentence: digits, number words, ranges and vague amounts, with qualifier and unit."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import MapperError
from .vocabulary import (
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
              r"|(?P<another>\banother(?=\s+(?:person|civilian|child|man|woman|resident)\b))")
    vague = _alternation(VAGUE[lang])
    qualifier = _alternation(QUALIFIERS[lang])
    compiled = {
        "number": re.compile(number, re.IGNORECASE),
        "vague": re.compile(rf"\b(?:{vague})\b", re.IGNORECASE),
        "qualifier": re.compile(rf"(?:^|\b)(?P<q>{qualifier})\s+(?:of\s+)?$", re.IGNORECASE),
        "terms": [(kind, re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE))
                  for kind, pattern in TERMS[lang]],
    }
    _REGEX_CACHE[lang] = compiled
    return compiled


def _number_value(match: re.Match, lang: str) -> float | None:
    text = match.group(0)
    if match.group("digits"):
        raw = match.group("digits")
        rest = text[len(raw):].strip().lower()
        if lang == "fr":
            if re.fullmatch(r"\d{1,3}(?:[  \u202f.]\d{3})+", raw):
                raw = re.sub(r"[  \u202f.]", "", raw)
            raw = raw.replace(",", ".")
        else:
            raw = re.sub(r"[,  \u202f]", "", raw)
        try:
            value = float(raw)
        except ValueError:
            return None
        return value * MULTIPLIERS.get(rest, 1)
    if match.group("another"):
        return 1.0
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

    Digits ("235,000", "12 000", "1.3 million"), number words ("five thousand", "a thousand"), ranges ("3,000 to
    5,000", "between 3,000 and 5,000") and vague amounts ("tens of thousands": ``vague=True``, no value). A figure
    counts only when a unit noun follows it or it is the subject or object of a verb of displacement or harm; the
    caller decides that. Numbers inside ``masked`` spans (dates, periods) are skipped.

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
    masked = list(masked)

    def is_masked(a, b):
        return any(a < m_end and b > m_start for m_start, m_end in masked)

    found: list[tuple[int, int, float | None, bool, str]] = []
    for match in rx["vague"].finditer(sentence):
        if not is_masked(match.start(), match.end()):
            found.append((match.start(), match.end(), None, True, match.group(0)))
    for match in rx["number"].finditer(sentence):
        a, b = match.start(), match.end()
        if is_masked(a, b) or any(a < f[1] and b > f[0] for f in found):
            continue
        value = _number_value(match, lang)
        if value is None:
            continue
        before = sentence[max(0, a - 6):a].lower()
        if re.search(r"\bno\s+$|\bany\s*$|-$", before) or sentence[b:b + 1] in ("%", "-"):
            continue  # "no one", "year-old", "70%"
        found.append((a, b, value, False, match.group(0)))
    found.sort()
    # Join ranges: "3,000 to 5,000", "3,000-5,000", "between 3,000 and 5,000".
    merged: list[list] = []
    for item in found:
        if merged and not item[3] and not merged[-1][3]:
            prev = merged[-1]
            gap = sentence[prev[1]:item[0]]
            if re.fullmatch(r"\s*(?:-|–|—|to|and|or|à|et)\s*", gap, re.IGNORECASE) and not _unit_after(
                    sentence, prev[1], lang)[0]:
                low, high = prev[2], item[2]
                if low < 1000 <= high and re.search(r"(?:million|thousand|mille)$", item[4], re.IGNORECASE):
                    low *= MULTIPLIERS[item[4].split()[-1].lower()]
                if low < high:
                    merged[-1] = [prev[0], item[1], (low, high), False, sentence[prev[0]:item[1]]]
                    continue
        merged.append(list(item))
    mentions = []
    for a, b, value, vague, text in merged:
        qualifier, q_start = "", a
        head = sentence[:a]
        q_match = rx["qualifier"].search(head)
        if q_match:
            qualifier = re.sub(r"\s+", " ", q_match.group("q").lower())
            qualifier = QUALIFIER_EN.get(qualifier, qualifier)
            q_start = q_match.start("q")
        elif re.search(r"\bbetween\s+$|\bentre\s+$", head, re.IGNORECASE) and isinstance(value, tuple):
            q_start = re.search(r"\b(?:between|entre)\s+$", head, re.IGNORECASE).start()
        unit, unit_end = _unit_after(sentence, b, lang)
        if isinstance(value, tuple):
            low, high = value
        elif value is None:
            low = high = None
        else:
            low = high = value
        mentions.append(FigureMention(text=text, value_min=low, value_max=high, qualifier=qualifier, unit=unit,
                                      vague=vague, start=q_start, end=unit_end if unit else b, num_start=a,
                                      num_end=b))
    return mentions


def _unit_after(sentence: str, pos: int, lang: str) -> tuple[str, int]:
    """The unit noun after a figure ending at ``pos`` (``""`` if none) and where it ends."""
    units = UNITS[lang]
    for count, match in enumerate(re.finditer(r"[\w'’-]+|[^\w\s]", sentence[pos:])):
        word = match.group().lower().strip("'’")
        if count > 4 or not re.match(r"\w", word):
            if word in ('"', "“", "”", "«", "»") and count <= 4:
                continue
            return "", pos
        if word in COMBATANTS:
            return "combatants", pos + match.end()
        if word in units:
            # "displaced" is a unit only at the end ("10,000 displaced"), otherwise an adjective.
            nxt = re.match(r"\s+([\w-]+)", sentence[pos + match.end():])
            if word in ("displaced", "déplacés") and nxt and nxt.group(1).lower() in units:
                continue
            return units[word], pos + match.end()
        if word not in UNIT_FILLERS:
            return "", pos
    return "", pos
