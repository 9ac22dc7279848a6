"""What is not a displacement report, though it has a figure: captions, headlines repeating the body, refugees
abroad, death tolls with no place, war-wide totals, and counts of things (towns, hospitals, kilometres)."""

from __future__ import annotations

import bisect
import re

from .sentences import Sentence

# A photo caption: a line ending in a credit ("[Getty]", "IBRAHIM YASOUF / AFP", "(Photo: AFP)"), or starting "Photo:".
_CAPTION_RE = re.compile(
    r"(?:\[\s*[A-Z][\w .&/-]{1,40}\]|\b[A-Z][A-Z .'-]{2,40}\s*/\s*(?:AFP|AP|Reuters|EPA|Getty(?: Images)?|Anadolu"
    r"|dpa|picture-alliance|SANA|Xinhua)|\((?:photo|image|picture)[^)]{0,60}\))\s*$|^(?:photo|image|picture)\s*:",
    re.IGNORECASE)
# People who left the country: refugees abroad are not displaced inside it.
ABROAD_RE = re.compile(
    r"[^.;]{0,40}?(?:\bas refugees\b|\brefugees\s+(?:to|in)\s+(?:neighbo\w+|other|Turkey|Lebanon|Jordan|Iraq|Europe|"
    r"Germany)|\babroad\b|\boutside\s+(?:the country|Syria)\b|\bfled the country\b|\bto Europe\b|"
    r"\bréfugiés\s+(?:à l'étranger|dans les pays voisins)|\bà l'étranger\b)", re.IGNORECASE)
# Counted things, not people ("dozens of towns and villages", "35 residential areas", "300 kilometers").
THINGS = {
    "towns", "villages", "cities", "areas", "localities", "neighbourhoods", "neighborhoods", "hospitals",
    "schools", "mosques", "facilities", "buildings", "homes", "houses", "markets", "marketplaces", "centers",
    "centres", "camps", "tents", "trucks", "vehicles", "kilometers", "kilometres", "km", "miles", "sites",
    "settlements", "bakeries", "clinics", "shelters", "airstrikes", "strikes", "raids", "attacks", "years", "days",
    "villes", "villages", "localités", "hôpitaux", "écoles", "mosquées", "camps", "tentes", "kilomètres", "frappes",
}


def caption_spans(text: str, start: int = 0) -> list[tuple[int, int]]:
    """Spans of the lines of ``text`` that are photo captions: a credited line, and the line it repeats."""
    spans = []
    lines = [(m.start(), m.end(), m.group().strip()) for m in re.finditer(r"[^\n\r]+", text[start:])]
    for i, (a, b, line) in enumerate(lines):
        if _CAPTION_RE.search(line):
            spans.append((start + a, start + b))
            bare = _CAPTION_RE.sub("", line).strip()
            if i > 0 and bare and lines[i - 1][2].strip() == bare:  # the caption written twice, once uncredited
                spans.append((start + lines[i - 1][0], start + lines[i - 1][1]))
    return spans


def outside(sentence: Sentence, spans) -> bool:
    """True when the sentence starts in none of the spans (a :class:`.figures.Spans`)."""
    return not spans.overlaps(sentence.start, sentence.start + 1)


_WAR_WIDE_RE = re.compile(r"\b(?:war|conflict|guerre|conflit|since (?:it|the war) began|since 2011|depuis 2011)\b|"
                          r"الحرب|النزاع", re.IGNORECASE)


def no_place(kind: str, places, sentence, sentence_places, has_period: bool) -> bool:
    """A toll with no place (or only a country), or a war-wide displacement total (a sentence about the war that
    names only a country, and no period): no report a map can draw."""
    if kind == "incident":
        return _only_countries(places)
    return bool(sentence_places) and _only_countries(sentence_places) and not has_period and \
        bool(_WAR_WIDE_RE.search(sentence))


def _only_countries(places) -> bool:
    return all(p.place is not None and p.place.kind == "country" for p in places)


def headline_repeats(reports) -> list:
    """Rows from a headline that round a body figure of the same kind ("Over 230,000" for 235,000) dropped; the
    body row notes the headline."""
    if not any(r.headline for r in reports):
        return list(reports)
    body: dict[tuple, list] = {}
    for r in reports:
        if not r.headline and _value(r):
            body.setdefault((r.kind, r.unit), []).append((_value(r), id(r), r))
    for group in body.values():
        group.sort(key=lambda item: item[:2])
    kept = []
    for report in reports:
        twin = _near_twin(report, body.get((report.kind, report.unit), [])) if report.headline else None
        if twin is None:
            kept.append(report)
        else:
            twin.note = "; ".join(filter(None, [twin.note, f"headline says {report.quote[:80]!r}"]))
    return kept


def _value(report) -> float:
    return float(report.figure or report.figure_max or 0)


def _near_twin(report, group):
    """The body row whose figure is within 5% of the headline's (``group`` sorted by figure)."""
    value = _value(report)
    if not value:
        return None
    i = bisect.bisect_left(group, (value / 1.05, -1))
    return group[i][2] if i < len(group) and abs(group[i][0] - value) <= 0.05 * group[i][0] else None
