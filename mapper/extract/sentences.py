"""Splitting text into sentences with their character offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass



@dataclass(frozen=True)
class Sentence:
    """A sentence and where it lies in the article: ``article.text[start:end] == text``."""

    text: str
    start: int
    end: int

_ABBREVIATIONS = {"dec", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "mr",
                  "mrs", "ms", "dr", "gen", "col", "lt", "st", "no", "u.s", "u.n", "e.g", "i.e", "vs", "approx",
                  "est", "km", "sgt", "capt", "maj", "prof", "rev", "gov", "sen", "rep", "inc", "co", "corp",
                  "mt", "ft", "m", "mme", "mlle", "av", "déc", "janv", "févr", "avr", "juil"}
_BOUNDARY_RE = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s+[\"'“‘«(\[]?[A-Z0-9À-Ý])")


def split_sentences(text: str, *, start: int = 0) -> list[Sentence]:
    """Split ``text`` into sentences with their offsets.

    Every line break ends a sentence (headlines, captions and list items stand on their own lines); within a line,
    ``.``, ``!`` or ``?`` followed by a capital or a digit ends one, except after abbreviations ("Dec. 12", "U.S.
    President") and initials.

    Parameters
    ----------
    text : str
        The text.
    start : int
        Offset to start from (e.g. after a header block).

    Returns
    -------
    list of Sentence
        ``text[s.start:s.end] == s.text`` for each.
    """
    sentences: list[Sentence] = []
    for line_match in re.finditer(r"[^\n\r]+", text[start:]):
        line_start = start + line_match.start()
        line = line_match.group()
        cut = 0
        for boundary in _BOUNDARY_RE.finditer(line):
            before = line[cut:boundary.start()]
            last_word = re.search(r"([\w.]+)$", before)
            if last_word:
                word = last_word.group(1).lower()
                if word in _ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)*[a-z]", word):
                    continue
            _add_sentence(sentences, text, line_start + cut, line_start + boundary.end())
            cut = boundary.end()
        _add_sentence(sentences, text, line_start + cut, line_start + len(line))
    return sentences


def _add_sentence(sentences, text, begin, end):
    while begin < end and text[begin].isspace():
        begin += 1
    while end > begin and text[end - 1].isspace():
        end -= 1
    if end > begin:
        sentences.append(Sentence(text[begin:end], begin, end))
