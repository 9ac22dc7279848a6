"""The agencies that counted: named in a sentence, through a named speaker, or in a neighbouring sentence."""

from __future__ import annotations

import functools
import re

from .sentences import Sentence, words_of
from .vocabulary import AGENCIES, PERSON_ROLE_RE


def find_agencies(sentence: str) -> list[tuple[str, int, int]]:
    """The agencies a sentence names: ``(canonical name, start, end)`` in order of position.

    Canonical names: ``UN OCHA``, ``UN``, ``SRCG`` (Syrian Response Coordination Group), ``RCT`` (Response
    Coordinators Team), ``SOHR`` (Syrian Observatory for Human Rights, OSDH in French), ``White Helmets`` (Syrian
    Civil Defence), ``local administration``. A mention of the UN inside or next to one of OCHA counts as OCHA.
    """
    return list(_agencies(sentence))


# Every agency's name in one pattern, most specific first: one pass over a sentence finds them all ("UN" only in
# capitals: "un" is a French word).
_ANY_AGENCY_RE = re.compile("|".join(f"(?P<a{i}>{f'(?-i:{pattern})' if name == 'UN' else pattern})"
                                     for i, (name, pattern) in enumerate(AGENCIES)), re.IGNORECASE)


# Words one of which every agency's name holds (lower case): a sentence with none names no agency.
_AGENCY_WORDS = frozenset("ocha office coordination humanitarian bcah bureau response srcg rct observatory observatoire "
                          "sohr osdh helmets civil defence defense casques défense local administration conseil "
                          "autorités united u un onu nations".split())


@functools.lru_cache(maxsize=256)
def _agencies(sentence: str) -> tuple:
    words = words_of(sentence)
    if words is not None and words.isdisjoint(_AGENCY_WORDS):
        return ()
    found = [(AGENCIES[int(m.lastgroup[1:])][0], m.start(), m.end()) for m in _ANY_AGENCY_RE.finditer(sentence)]
    if any(name == "UN OCHA" for name, _, _ in found):
        ocha = [item for item in found if item[0] == "UN OCHA"]
        found = [item for item in found if not (item[0] == "UN" and any(abs(item[1] - o[1]) < 60 for o in ocha))]
    return tuple(found)


def find_speakers(sentences: list[Sentence]) -> dict[str, str]:
    """People the article introduces with their agency ("X, director of the Response Coordinators Team")."""
    speakers = {}
    for sentence in sentences:
        for m in PERSON_ROLE_RE.finditer(sentence.text):
            agencies = find_agencies(sentence.text[m.end():m.end() + 80])
            if agencies and agencies[0][1] == 0:
                surname = re.sub(r"^(?:al|el)-", "", m.group(1).split()[-1], flags=re.IGNORECASE).lower()
                speakers[surname] = agencies[0][0]
    return speakers


def _agency_in(text: str, agencies, lo: int, hi: int, speakers: dict) -> str:
    """The first agency named (or speaking through a known person) in ``text[lo:hi]``; ``agencies`` are the ones
    :func:`find_agencies` found in ``text``."""
    found = [name for name, s, _e in agencies if lo <= s < hi]
    if found:
        return found[0]
    if not speakers:
        return ""
    for word in _WORD_RE.findall(text, lo, hi):
        key = _ARTICLE_PREFIX_RE.sub("", word).lower()
        if key in speakers and word[:1].isupper():
            return speakers[key]
    return ""


_WORD_RE = re.compile(r"[\w'’-]+")
_ARTICLE_PREFIX_RE = re.compile(r"^(?:al|el)-", re.IGNORECASE)


_PRONOUN_SPEECH_RE = re.compile(r"\b(?:he|she|they|il|elle) (?:added|said|told|noted|stressed|underlined|"
                                r"explained|a ajouté|a précisé)\b", re.IGNORECASE)


def agency_for(index: int, seg, sentences, info, speakers, follow) -> tuple[str, int | None]:
    """The agency of a figure: its stretch, its sentence, a named speaker, then a neighbouring sentence that has no
    figure of its own (so names nobody else's source). Returns the agency and the neighbour's index, if any."""
    text, named = sentences[index].text, info[index]["agencies"]
    agency = _agency_in(text, named, seg[0], seg[1], speakers) or _agency_in(text, named, 0, len(text), speakers)
    if agency:
        return agency, None
    if index > 0 and _PRONOUN_SPEECH_RE.search(text):
        previous = sentences[index - 1].text
        agency = _agency_in(previous, info[index - 1]["agencies"], 0, len(previous), speakers)
        if agency:
            return agency, index - 1
    for j in [index - 1, index + 1] + [k for k in follow if k != index + 1]:
        if 0 <= j < len(sentences) and not info[j]["has_figure"]:
            agency = _agency_in(sentences[j].text, info[j]["agencies"], 0, len(sentences[j].text), speakers)
            if agency:
                return agency, j
    return "", None
