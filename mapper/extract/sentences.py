"""Splitting text into sentences with their character offsets."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

#: A sentence longer than this (in characters) is no prose a figure can be read from; it is cut at spaces into pieces
#: of at most this length, which keeps the work per sentence bounded and the whole extraction linear in the text.
MAX_SENTENCE = 1000


@dataclass(frozen=True)
class Sentence:
    """A sentence and where it lies in the article: ``article.text[start:end] == text``."""

    text: str
    start: int
    end: int


_WORDS_RE = re.compile(r"\w+")
_ARABIC_LETTER_RE = re.compile(r"[\u0600-\u06ff]")


@functools.lru_cache(maxsize=256)
def words_of(sentence: str) -> frozenset | None:
    """The words of a sentence in lower case, to test cheaply whether a pattern could match it at all; None for
    Arabic script (whose words take prefixes: every pattern is tried)."""
    if _ARABIC_LETTER_RE.search(sentence):
        return None
    return frozenset(_WORDS_RE.findall(sentence.lower()))


_ABBREVIATIONS = {"dec", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "mr",
                  "mrs", "ms", "dr", "gen", "col", "lt", "st", "no", "u.s", "u.n", "e.g", "i.e", "vs", "approx",
                  "est", "km", "sgt", "capt", "maj", "prof", "rev", "gov", "sen", "rep", "inc", "co", "corp",
                  "mt", "ft", "m", "mme", "mlle", "av", "déc", "janv", "févr", "avr", "juil"}
# The look-behind keeps a long run of dots from being tried at each of its positions (quadratic time).
_BOUNDARY_RE = re.compile(r"(?<![.!?…؟])[.!?…؟]+[\"'”’»)\]]*(?=\s+[\"'“‘«(\[]?[A-Z0-9À-Ý\u0621-\u064a])")
_LINE_RE = re.compile(r"[^\n\r\u2028\u2029]+")
_LAST_WORD_RE = re.compile(r"([\w.]+)$")
_INITIALS_RE = re.compile(r"(?:[a-z]\.)*[a-z]")


def split_sentences(text: str, *, start: int = 0) -> list[Sentence]:
    """Split ``text`` into sentences with their offsets.

    Every line break ends a sentence (headlines, captions and list items stand on their own lines); within a line,
    ``.``, ``!`` or ``?`` followed by a capital or a digit ends one, except after abbreviations ("Dec. 12", "U.S.
    President") and initials. A sentence longer than :data:`MAX_SENTENCE` characters is cut at spaces into pieces.

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
    for line_match in _LINE_RE.finditer(text, start):
        line_start = line_match.start()
        line = line_match.group()
        cut = 0
        for boundary in _BOUNDARY_RE.finditer(line):
            last_word = _LAST_WORD_RE.search(line, max(cut, boundary.start() - 40), boundary.start())
            if last_word:
                word = last_word.group(1).lower()
                if word in _ABBREVIATIONS or _INITIALS_RE.fullmatch(word):
                    continue
            _add_sentence(sentences, text, line_start + cut, line_start + boundary.end())
            cut = boundary.end()
        _add_sentence(sentences, text, line_start + cut, line_start + len(line))
    return sentences


def _add_sentence(sentences, text, begin, end):
    """Add ``text[begin:end]`` without its surrounding spaces, in pieces of at most :data:`MAX_SENTENCE`."""
    while begin < end:
        while begin < end and text[begin].isspace():
            begin += 1
        stop = end
        if stop - begin > MAX_SENTENCE:
            space = text.rfind(" ", begin + 1, begin + MAX_SENTENCE)
            stop = space if space > begin else begin + MAX_SENTENCE
        piece_end = stop
        while piece_end > begin and text[piece_end - 1].isspace():
            piece_end -= 1
        if piece_end > begin:
            sentences.append(Sentence(text[begin:piece_end], begin, piece_end))
        begin = stop
