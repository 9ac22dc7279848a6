"""Draft displacement reports from news text, keeping the evidence for a person to review.

Analysts read articles and type figures into a reports spreadsheet by hand. :func:`extract_reports` drafts those rows
instead: it splits an article into sentences (with character offsets), finds the figures of people displaced, killed
or wounded, binds each figure to its verb ("fled", "were killed"), and reads around it the unit, the period (resolved
against the publication date), the agency that counted, and the places of origin and destination (through the
gazetteer, with the article's other places as context). Each row keeps the sentence it came from (``quote``,
``char_start``, ``char_end``) and a ``confidence``; a row is a draft, never a fact the tool made up:

* it never invents a number: vague figures ("tens of thousands") are kept as text, flagged, with an empty figure;
* it never drops a qualifier ("more than", "at least", "almost", "some" ... are kept as written);
* children are a subgroup: "25 civilians, including several children" is one row of 25, the children noted;
* names it could not place (unknown, or ambiguous with no context to decide) are listed in
  :attr:`Extraction.unplaced` and in the row's note.

Periods are spans, not points: "over the past two weeks" in an article of 27 December is 13–27 December, "since the
beginning of November" runs to the publication date. Date libraries resolve a phrase to one instant, so the spans are
built here by small, tested rules (:func:`find_periods`); number words go through ``text2num``.

English is fully supported; French (AFP / Le Monde style) is supported for the common forms.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import textwrap
from collections import Counter
from dataclasses import dataclass, field

from .errors import InputFileError, MapperError

__all__ = [
    "REPORT_COLUMNS",
    "EXTRACT_COLUMNS",
    "ArticleError",
    "Article",
    "Sentence",
    "FigureMention",
    "PeriodMention",
    "ExtractedReport",
    "UnplacedName",
    "Extraction",
    "read_article",
    "split_sentences",
    "find_figures",
    "find_periods",
    "find_agencies",
    "extract_reports",
    "format_review",
]

#: Columns of the reports format (see the project README), in order.
REPORT_COLUMNS = (
    "report_id", "kind", "figure", "figure_min", "figure_max", "qualifier", "unit", "period_start", "period_end",
    "origin", "destination", "origin_within", "destination_within", "agency", "publisher", "published", "url", "note",
)
#: Columns ``idpmap extract`` writes: the reports format plus the evidence.
EXTRACT_COLUMNS = REPORT_COLUMNS + ("quote", "char_start", "char_end", "confidence")


class ArticleError(MapperError, ValueError):
    """An article or an extraction option is unusable (bad date, empty text); the message names the value."""


# ====================================================================================================== vocabulary

_MONTHS = {
    "en": ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"],
}
_MONTH_ABBR = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
               "oct": 10, "nov": 11, "dec": 12, "janv": 1, "févr": 2, "fevr": 2, "avr": 4, "juil": 7, "déc": 12}
_WEEKDAYS = {
    "en": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
}


def _month_number(word: str) -> int | None:
    word = word.lower().rstrip(".")
    for names in _MONTHS.values():
        if word in names:
            return names.index(word) + 1
    if word == "fevrier":
        return 2
    if word in ("aout", "decembre"):
        return 8 if word == "aout" else 12
    return _MONTH_ABBR.get(word)


_MONTH_RE = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
             r"|janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre"
             r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|janv|f[ée]vr|avr|juil|d[ée]c)\.?")
_WEEKDAY_RE = (r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
               r"|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)")

# Qualifiers as written before a figure; kept verbatim (lower case) in the output.
_QUALIFIERS = {
    "en": ["more than", "over", "at least", "almost", "nearly", "some", "about", "around", "approximately",
           "roughly", "up to", "as many as", "an estimated", "estimated", "close to", "fewer than", "less than",
           "upwards of", "in excess of", "no fewer than", "no less than", "just under", "at most",
           "no more than"],
    "fr": ["plus de", "au moins", "près de", "pres de", "presque", "environ", "quelque", "jusqu'à", "jusqu’à",
           "pas moins de", "un peu plus de", "moins de", "quelques", "autour de"],
}
# French qualifiers in the vocabulary of the reports format (English), meaning unchanged.
_QUALIFIER_EN = {"plus de": "more than", "un peu plus de": "more than", "au moins": "at least",
                 "pas moins de": "at least", "près de": "nearly", "pres de": "nearly", "presque": "almost",
                 "environ": "about", "autour de": "about", "quelque": "some", "quelques": "some", "jusqu'à": "up to",
                 "jusqu’à": "up to", "moins de": "fewer than"}
# Vague amounts: flagged, never turned into numbers.
_VAGUE = {
    "en": ["tens of thousands", "hundreds of thousands", "thousands", "hundreds", "dozens", "scores", "millions",
           "several hundred", "several thousand", "a few hundred", "a few thousand", "several dozen"],
    "fr": ["des dizaines de milliers", "des centaines de milliers", "des milliers", "des centaines", "des dizaines",
           "plusieurs milliers", "plusieurs centaines", "plusieurs dizaines", "des millions", "dizaines de milliers",
           "centaines de milliers", "milliers", "centaines", "dizaines", "quelques centaines", "quelques milliers"],
}
_NUMBER_WORDS = {
    "en": ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
           "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
           "million billion").split(),
    "fr": ("zéro un une deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize vingt "
           "trente quarante cinquante soixante cent cents mille million millions milliard").split(),
}
_MULTIPLIERS = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "mille": 1_000,
                "millions": 1_000_000, "milliard": 1_000_000_000, "milliards": 1_000_000_000}

# Unit nouns after a figure. Children are a subgroup; "others" continues a list ("five others were killed").
_UNITS = {
    "en": {
        "people": "people", "persons": "people", "person": "people", "civilians": "people", "civilian": "people",
        "residents": "people", "individuals": "people", "syrians": "people", "idps": "people", "others": "people",
        "inhabitants": "people", "refugees": "people", "villagers": "people", "displaced": "people",
        "families": "families", "family": "families", "households": "households", "household": "households",
        "children": "children", "child": "children", "kids": "children", "minors": "children",
        "women": "women", "woman": "women", "men": "people", "man": "people", "workers": "people",
        "volunteers": "people", "rescuers": "people", "journalists": "people", "doctors": "people",
        "nurses": "people", "patients": "people", "students": "people", "farmers": "people",
    },
    "fr": {
        "personnes": "people", "personne": "people", "civils": "people", "civil": "people", "habitants": "people",
        "syriens": "people", "déplacés": "people", "deplaces": "people", "réfugiés": "people", "autres": "people",
        "familles": "families", "famille": "families", "foyers": "households", "ménages": "households",
        "enfants": "children", "enfant": "children", "femmes": "women",
    },
}
# Figures of these are not civilians: combatant tolls are left out.
_COMBATANTS = {"troops", "soldiers", "fighters", "militants", "combatants", "terrorists", "rebels", "jihadists",
               "members", "insurgents", "militiamen", "combattants", "soldats", "jihadistes", "rebelles"}
# Words allowed between a figure and its unit noun ("10,000 internally displaced people").
_UNIT_FILLERS = {"of", "the", "them", "more", "other", "additional", "new", "newly", "internally", "innocent",
                 "aid", "humanitarian", "medical", "relief", "civil", "defence", "defense", "health",
                 "displaced", "syrian", "local", "as", "de", "d'", "nouveaux", "autres", "civilian", "déplacés"}

# Verbs and nouns of displacement, incident and return. Each pattern is tried case-insensitively at a word start.
_TERMS = {
    "en": [
        ("return", r"returned|returning|returnees?|went back|go back|gone back|return(?:s)? home|came back"),
        ("displacement", r"forced to (?:leave|flee|abandon)|forced out|headed (?:for|to|towards?)|heading (?:for|to|"
                         r"towards?)|(?:took|taking|take|taken|sought|seeking|find|found) (?:shelter|refuge)|"
                         r"fled|flee(?:s|ing)?|displac(?:ed|ing|ement)|abandon(?:ed|ing)?|moved|moving|arrived|"
                         r"arriving|evacuated|uprooted|exodus(?: of)?|escaped|driven from|from their homes|"
                         r"left their homes|deserted|left(?=\s+(?:their\s+homes|the\s+(?:city|town|area|region|"
                         r"village|province|camps?)\b|(?-i:[A-Z])))|(?<=to )leave(?=\s+(?:their\s+homes|the\s+|"
                         r"(?-i:[A-Z])))"),
        ("incident", r"killed|killing|dead|died|die|lost (?:their|his|her) li(?:ves|fe)|claim(?:ed|s)? (?:the )?"
                     r"li(?:ves|fe) of|deaths? of|wounded|wounding|injured|injuring|hurt"),
    ],
    "fr": [
        ("return", r"rentr[ée]e?s?|retourn[ée]e?s?|sont revenus|retour de"),
        ("displacement", r"(?:ont|a|avaient|avait) fui|fui|fuient|fuyant|fuir|d[ée]plac[ée]e?s|d[ée]placement|"
                         r"contraint(?:e|s|es)? (?:de|à) (?:quitter|fuir)|(?:se sont|s'est) r[ée]fugi[ée]e?s?|"
                         r"arriv[ée]e?s|chass[ée]e?s|exode|jet[ée]s sur les routes"),
        ("incident", r"tu[ée]e?s|morts?|d[ée]c[ée]d[ée]e?s|bless[ée]e?s|tuant|blessant|péri"),
    ],
}
_WOUNDED_RE = re.compile(r"wound|injur|hurt|bless", re.IGNORECASE)
# Words that may stand between a unit (or figure) and its verb: "civilians have been forced to leave".
_SUBJECT_FILLERS = {
    "have", "has", "had", "been", "were", "was", "are", "is", "be", "being", "also", "reportedly", "now", "already",
    "all", "believed", "believe", "estimated", "said", "reported", "thought", "feared", "to", "who", "that",
    "since", "just", "recently", "newly", "allegedly", "ont", "été", "sont", "avaient", "auraient", "qui", "déjà",
    "y", "compris", "ce", "would", "will", "may", "might", "later", "then", "more", "others",
}
_NEGATIONS = {"not", "unable", "too", "never", "cannot", "can't", "couldn't", "could", "frightened", "afraid",
              "ne", "pas", "jamais", "failed"}
# "... is home to some 2.4 million": population stocks, not movements.
_STOCK_RE = re.compile(r"(?:home to|hosts?|hosting|inhabited by|population of|populated by|housing|house|"
                       r"accueille|abrite|compte|peupl[ée]e? de)\s+(?:(?:some|around|about|nearly|almost|over|"
                       r"more than|quelque|environ|près de|plus de)\s+)?$", re.IGNORECASE)
_SUBGROUP_RE = re.compile(r"(?:including|among them|of whom|of them|most of them|mostly|dont|parmi eux|"
                          r"y compris)\s+(?:(?:at least|some|about|around|more than|over|several)\s+)?$",
                          re.IGNORECASE)
_NOT_CIVILIAN_RE = re.compile(r"^\W*(?:[\w-]+\s+){0,2}(?:on both sides|in both camps|from both sides|"
                              r"des deux côtés|dans les deux camps)", re.IGNORECASE)
_SPEECH_RE = re.compile(r"\b(?:said|says|told|reported|announced|stated|added|warned|called|spoke|urged|"
                        r"a déclaré|a indiqué|a annoncé|selon)\b", re.IGNORECASE)

# Agencies: (canonical name, pattern). More specific first; "UN" gives way to "UN OCHA" when both are named.
_AGENCIES = [
    ("UN OCHA", r"\bOCHA\b|Office for the Coordination of Humanitarian Affairs|UN humanitarian (?:affairs )?"
                r"(?:agency|office)|humanitarian affairs coordination office|Bureau de la coordination des "
                r"affaires humanitaires|\bBCAH\b"),
    ("SRCG", r"Response Coordination Group|\bSRCG\b"),
    ("RCT", r"Response Coordinators(?: Team)?|\bRCT\b"),
    ("SOHR", r"Syrian Observatory for Human Rights|\bSOHR\b|\bOSDH\b|Observatoire syrien des droits de l['’]homme|"
             r"\b(?:the|l['’]) ?[Oo]bservat(?:ory|oire)\b"),
    ("White Helmets", r"White Helmets|Civil Defen[cs]e|Casques blancs|D[ée]fense civile"),
    ("local administration", r"local administration|local council|local authorities|administration locale|"
                             r"conseil local|autorités locales"),
    ("UN", r"\bUnited Nations\b|\bU\.N\.(?=\W)|\bUN\b|\bONU\b|Nations unies"),
]
_AGENCY_RES = [(name, re.compile(pattern, re.IGNORECASE if name != "UN" else 0)) for name, pattern in _AGENCIES]
_PERSON_ROLE_RE = re.compile(
    r"((?:[A-Z][\w'’-]+\s+)*(?:(?:al|el|Al|El)-)?[A-Z][\w'’-]+),\s+(?:the\s+|a\s+|an\s+)?(?:[\w-]+\s+)?"
    r"(?:director|head|chief|spokesperson|spokesman|spokeswoman|official|member|coordinator|manager|president|"
    r"porte-parole|directeur|responsable)\s+(?:of|for|with|at|de|du|des)\s+(?:the\s+|la\s+|l['’])?")

# Lines that are page furniture, not reporting.
_BOILERPLATE_RE = re.compile(r"^\s*(?:read (?:also|more)|article reserved|follow us|subscribe|please (?:fill|enter)|"
                             r"leave a reply|support the|related\b|lire aussi|cet article est réservé|comments?\b|"
                             r"total comments|share this|advertisement)", re.IGNORECASE)

# Place cues: the word before a place decides its role.
_ORIGIN_CUES = {"from", "fled", "flee", "flees", "fleeing", "left", "leave", "leaving", "abandon", "abandoned",
                "abandoning", "escaped", "escaping", "evacuated", "deserted", "de", "du", "d'", "quitté", "fui",
                "fuyant", "depuis"}
_DEST_CUES = {"to", "towards", "toward", "into", "for", "reached", "reaching", "vers", "à", "au", "aux", "jusqu'à"}
_NEUTRAL_CUES = {"in", "at", "near", "across", "around", "inside", "on", "dans", "en", "près"}
# For a strike, the verb of the attack introduces its place ("jets strike Idlib again, 19 killed").
_ATTACK_CUES = {"strike", "strikes", "struck", "hit", "hits", "bombed", "bombarded", "shelled", "targeted",
                "pounded", "raided", "frappé", "bombardé", "visé"}
_PLACE_FILLERS = {"the", "city", "cities", "town", "towns", "village", "villages", "rural", "of", "rebel-held",
                  "opposition-held", "province", "region", "area", "areas", "district", "camps", "camp", "nearby",
                  "neighbouring", "neighboring", "la", "le", "les", "ville", "de", "l'", "région", "province", "its",
                  "their", "besieged", "embattled", "flashpoint", "violence-plagued", "war-torn", "northern",
                  "southern", "eastern", "western", "town's", "largest", "main"}
_DEST_TERMS = re.compile(r"shelter|refuge|arriv|moved|moving|return|headed|heading|rentr|retourn|r[ée]fugi",
                         re.IGNORECASE)
_LIST_JOIN_RE = re.compile(r"^(?:\s*,\s*(?:and\s+|or\s+|et\s+)?|\s+(?:and|or|et|as well as|ainsi que)\s+|"
                           r"\s*,\s*as well as\s+)(?:the\s+|la\s+|le\s+)?$", re.IGNORECASE)

# Capitalised words that are never places on their own (they start many candidate n-grams).
_NOT_PLACE_WORDS = {
    "the", "a", "an", "in", "on", "at", "and", "of", "syrian", "russian", "turkish", "iranian", "american", "us",
    "u.s.", "un", "president", "regime", "army", "forces", "government", "minister", "according", "more",
    "most", "some", "at", "since", "over", "friday", "monday", "tuesday", "wednesday", "thursday", "saturday",
    "sunday", "but", "they", "he", "she", "it", "we", "this", "that", "these", "those", "tens", "hundreds",
    "thousands", "dozens", "millions", "le", "la", "les", "des", "selon", "depuis", "plus", "france", "europe",
    "twitter", "instagram", "getty", "afp", "dpa", "read", "also", "article", "civil", "defence", "observatory",
}


# ====================================================================================================== records

@dataclass(frozen=True)
class Article:
    """One article to read.

    Attributes
    ----------
    text : str
        The whole text as read (offsets of every row point into it).
    name : str
        A short name for messages and report ids (the file stem, or ``"stdin"``).
    published : datetime.date or None
        Publication date: relative periods are resolved against it.
    publisher, url, title : str
        As given by the options or the header (``""`` when unknown).
    lang : str
        ``"en"`` or ``"fr"``.
    body_start : int
        Offset where the body starts (after a ``Key: value`` header block, if any).
    """

    text: str
    name: str = "article"
    published: dt.date | None = None
    publisher: str = ""
    url: str = ""
    title: str = ""
    lang: str = "en"
    body_start: int = 0


@dataclass(frozen=True)
class Sentence:
    """A sentence and where it lies in the article: ``article.text[start:end] == text``."""

    text: str
    start: int
    end: int


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


@dataclass(frozen=True)
class PeriodMention:
    """A period read from text: ``start``..``end`` inclusive; ``rule`` names the reading (for the note)."""

    start_date: dt.date
    end_date: dt.date
    rule: str
    text: str
    start: int
    end: int
    rank: int  # lower is more specific: explicit ranges first


@dataclass
class ExtractedReport:
    """One draft row: the reports format plus evidence. Empty strings where the article does not say."""

    report_id: str = ""
    kind: str = "displacement"
    figure: str = ""
    figure_min: str = ""
    figure_max: str = ""
    qualifier: str = ""
    unit: str = ""
    period_start: str = ""
    period_end: str = ""
    origin: str = ""
    destination: str = ""
    origin_within: str = ""
    destination_within: str = ""
    agency: str = ""
    publisher: str = ""
    published: str = ""
    url: str = ""
    note: str = ""
    quote: str = ""
    char_start: int = 0
    char_end: int = 0
    confidence: float = 0.0
    # Not written: what the review table and the merging of repeats need.
    vague: str = field(default="", repr=False)
    is_return: bool = field(default=False, repr=False)
    period_relative: bool = field(default=False, repr=False)
    origin_ids: tuple = field(default=(), repr=False)
    destination_ids: tuple = field(default=(), repr=False)

    def to_row(self) -> dict:
        """The row as the CSV writer wants it (every value a string)."""
        row = {}
        for name in EXTRACT_COLUMNS:
            value = getattr(self, name)
            row[name] = f"{value:.2f}" if name == "confidence" else str(value)
        return row


@dataclass(frozen=True)
class UnplacedName:
    """A name that looks like a place but that the gazetteer could not place."""

    name: str
    reason: str  # "not in the gazetteer" | "ambiguous: ..."
    char_start: int
    article: str


@dataclass
class Extraction:
    """What :func:`extract_reports` found in one article."""

    article: Article
    reports: list = field(default_factory=list)
    unplaced: list = field(default_factory=list)

    def rows(self) -> list[dict]:
        """The reports as CSV rows (:data:`EXTRACT_COLUMNS`)."""
        return [r.to_row() for r in self.reports]


# ====================================================================================================== articles

_HEADER_RE = re.compile(r"^(title|publisher|source|published|date|url|link|language|lang)\s*:\s*(.*?)\s*$",
                        re.IGNORECASE)
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATELINE_RE = re.compile(
    rf"^(?:{_WEEKDAY_RE},?\s+)?(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th|er)?\s+(?P<m1>{_MONTH_RE}),?\s+(?P<y1>\d{{4}})|"
    rf"(?P<m2>{_MONTH_RE})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}})|"
    rf"(?P<iso>\d{{4}}-\d{{2}}-\d{{2}}))\.?$", re.IGNORECASE)


def _parse_date(value, *, what: str = "date") -> dt.date | None:
    """A date from a :class:`datetime.date`, an ISO string or a written date ("27 December 2019")."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    match = _DATELINE_RE.match(text)
    if match:
        try:
            if match.group("iso"):
                return dt.date.fromisoformat(match.group("iso"))
            day = match.group("d1") or match.group("d2")
            month = _month_number(match.group("m1") or match.group("m2"))
            year = match.group("y1") or match.group("y2")
            return dt.date(int(year), month, int(day))
        except ValueError:
            pass
    raise ArticleError(f"expected a {what} like 2019-12-27 or 27 December 2019, got {value!r}")


def _detect_lang(text: str) -> str:
    words = re.findall(r"[a-zéèàùç']+", text[:5000].lower())
    counts = Counter(words)
    fr = sum(counts[w] for w in ("les", "des", "une", "dans", "ont", "est", "sur", "selon", "depuis", "qui", "du"))
    en = sum(counts[w] for w in ("the", "and", "have", "has", "were", "from", "with", "that", "which", "of"))
    return "fr" if fr > en else "en"


def read_article(text: str, *, name: str = "article", published=None, publisher: str | None = None,
                 url: str | None = None, lang: str = "auto", path=None) -> Article:
    """Prepare an article's text for :func:`extract_reports`.

    A header block of ``Key: value`` lines at the very top (``Title``, ``Publisher`` / ``Source``, ``Published`` /
    ``Date``, ``URL``, ``Language``), ended by a blank line, gives the article's metadata; without one, a line
    holding only a date among the first lines (a dateline such as ``27 December, 2019``) gives the publication date.
    Options passed here win over both.

    Parameters
    ----------
    text : str
        The article as plain text.
    name : str
        Short name used in report ids and messages.
    published : datetime.date or str, optional
        Publication date (ISO or written); relative periods need it.
    publisher, url : str, optional
        Override the header's values.
    lang : {"auto", "en", "fr"}
        Language of the text; ``"auto"`` guesses from common words.
    path : str, optional
        File name used in error messages about the header.

    Returns
    -------
    Article

    Raises
    ------
    ArticleError
        ``published`` or ``lang`` is not understood.
    InputFileError
        The header's date is not a date (names the file, line and field).
    """
    if not isinstance(text, str):
        raise ArticleError(f"expected the article text as str, got {type(text).__name__}")
    if lang not in ("auto", "en", "fr"):
        raise ArticleError(f"expected lang 'auto', 'en' or 'fr', got {lang!r}")
    published = _parse_date(published, what="publication date")
    header: dict[str, tuple[str, int]] = {}
    body_start = 0
    lines = text.splitlines(keepends=True)
    offset = 0
    for number, line in enumerate(lines, start=1):
        match = _HEADER_RE.match(line.strip()) if line.strip() else None
        if not line.strip():
            if header:
                body_start = offset + len(line)
            break
        if not match:
            header = {}
            break
        header[match.group(1).lower()] = (match.group(2), number)
        offset += len(line)
    else:
        if header:
            body_start = offset
    if header and not body_start:
        header = {}

    def from_header(*keys):
        for key in keys:
            if key in header:
                return header[key]
        return None

    if published is None:
        found = from_header("published", "date")
        if found:
            try:
                published = _parse_date(found[0], what="publication date")
            except ArticleError as err:
                raise InputFileError(path or name, [(found[1], "Published", str(err))]) from err
        else:
            published = _find_dateline(text[body_start:])
    if publisher is None:
        found = from_header("publisher", "source")
        publisher = found[0] if found else ""
    if url is None:
        found = from_header("url", "link")
        url = found[0] if found else ""
    title_found = from_header("title")
    title = title_found[0] if title_found else ""
    if not title:
        first = next((ln.strip() for ln in text[body_start:].splitlines() if ln.strip()), "")
        title = first[:200]
    if lang == "auto":
        found = from_header("language", "lang")
        lang = found[0].strip().lower()[:2] if found else _detect_lang(text[body_start:])
        if lang not in ("en", "fr"):
            lang = "en"
    return Article(text=text, name=name, published=published, publisher=publisher.strip(), url=url.strip(),
                   title=title, lang=lang, body_start=body_start)


def _find_dateline(body: str) -> dt.date | None:
    for line in [ln.strip() for ln in body.splitlines() if ln.strip()][:8]:
        if len(line) <= 40 and _DATELINE_RE.match(line):
            try:
                return _parse_date(line)
            except ArticleError:
                return None
    return None


# ====================================================================================================== sentences

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


# ====================================================================================================== figures

def _alternation(words) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


_REGEX_CACHE: dict[str, dict[str, re.Pattern]] = {}


def _regexes(lang: str) -> dict[str, re.Pattern]:
    """Compiled patterns for one language (built once)."""
    if lang in _REGEX_CACHE:
        return _REGEX_CACHE[lang]
    words = _alternation(_NUMBER_WORDS[lang])
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
    vague = _alternation(_VAGUE[lang])
    qualifier = _alternation(_QUALIFIERS[lang])
    compiled = {
        "number": re.compile(number, re.IGNORECASE),
        "vague": re.compile(rf"\b(?:{vague})\b", re.IGNORECASE),
        "qualifier": re.compile(rf"(?:^|\b)(?P<q>{qualifier})\s+(?:of\s+)?$", re.IGNORECASE),
        "terms": [(kind, re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE))
                  for kind, pattern in _TERMS[lang]],
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
        return value * _MULTIPLIERS.get(rest, 1)
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
    rx = _regexes(lang)
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
                    low *= _MULTIPLIERS[item[4].split()[-1].lower()]
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
            qualifier = _QUALIFIER_EN.get(qualifier, qualifier)
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
    units = _UNITS[lang]
    for count, match in enumerate(re.finditer(r"[\w'’-]+|[^\w\s]", sentence[pos:])):
        word = match.group().lower().strip("'’")
        if count > 4 or not re.match(r"\w", word):
            if word in ('"', "“", "”", "«", "»") and count <= 4:
                continue
            return "", pos
        if word in _COMBATANTS:
            return "combatants", pos + match.end()
        if word in units:
            # "displaced" is a unit only at the end ("10,000 displaced"), otherwise an adjective.
            nxt = re.match(r"\s+([\w-]+)", sentence[pos + match.end():])
            if word in ("displaced", "déplacés") and nxt and nxt.group(1).lower() in units:
                continue
            return units[word], pos + match.end()
        if word not in _UNIT_FILLERS:
            return "", pos
    return "", pos


# ====================================================================================================== periods

def _last_weekday(published: dt.date, weekday: int) -> dt.date:
    return published - dt.timedelta(days=(published.weekday() - weekday) % 7)


def _year_for(month: int, day: int, published: dt.date) -> int:
    """The year that puts day/month on or before the publication date (a report looks back)."""
    try:
        candidate = dt.date(published.year, month, day)
    except ValueError:
        return published.year
    return published.year if candidate <= published + dt.timedelta(days=1) else published.year - 1


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


_NUM_WORD = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
             "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30,
             "a": 1, "an": 1, "few": 3, "several": 7, "couple of": 2, "un": 1, "une": 1, "deux": 2, "trois": 3,
             "quatre": 4, "cinq": 5, "six ": 6, "sept": 7, "huit": 8, "dix": 10, "quinze": 15, "quelques": 3,
             "plusieurs": 7}
_SPAN_DAYS = {"hour": 1 / 24, "hours": 1 / 24, "day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30,
              "months": 30, "heures": 1 / 24, "heure": 1 / 24, "jours": 1, "jour": 1, "semaines": 7, "semaine": 7,
              "mois": 30}
_PART_OF_MONTH = {"beginning": 1, "start": 1, "early": 1, "début": 1, "debut": 1, "mid": 15, "middle": 15,
                  "mi": 15, "milieu": 15, "late": 21, "end": -1, "fin": -1}

_D = r"(\d{1,2})(?:st|nd|rd|th|er)?"
_M = rf"({_MONTH_RE})"
_Y = r"(?:,?\s+(\d{4}))?"
_PART = (r"(beginning|start|end|middle|début|debut|fin|milieu)\s+(?:of\s+|de\s+|du\s+mois\s+de\s+|d['’])?"
         r"(?:the\s+month\s+of\s+)?")
_PERIOD_PATTERNS = [
    # explicit ranges
    ("range", 0, rf"\b(?:between|from|entre|du)\s+(?:the\s+|le\s+)?{_D}\s+(?:{_M}\s+)?(?:and|to|et|au)\s+"
                 rf"(?:the\s+|le\s+)?{_D}\s+{_M}{_Y}"),
    ("range_md", 0, rf"\b(?:between|from)\s+{_M}\s+{_D}\s+(?:and|to)\s+(?:{_M}\s+)?{_D}{_Y}"),
    ("range_parts", 0, rf"\b(?:between|from|entre)\s+(?:the\s+|la\s+|le\s+)?{_PART}{_M}\s+(?:and|to|et)\s+"
                       rf"(?:the\s+|la\s+|le\s+)?{_PART}{_M}{_Y}"),
    ("range_dash", 0, rf"\b{_D}\s*[-–]\s*{_D}\s+{_M}{_Y}"),
    # since ...
    ("since_part", 1, rf"\b(?:since|depuis)\s+(?:the\s+|le\s+|la\s+)?{_PART}{_M}{_Y}"),
    ("since_early", 1, rf"\b(?:since|depuis)\s+(early|mid|late|début|fin|mi)[-\s]{_M}{_Y}"),
    ("since_dm", 1, rf"\b(?:since|depuis\s+le)\s+{_D}\s+{_M}{_Y}"),
    ("since_md", 1, rf"\bsince\s+{_M}\s+{_D}(?!\d){_Y}"),
    ("since_month", 1, rf"\b(?:since|depuis)\s+{_M}{_Y}(?!\s*\d)"),
    ("since_weekday", 1, rf"\b(?:since|depuis)\s+{_WEEKDAY_RE}"),
    # past N units
    ("past_n", 2, r"\b(?:over|in|during|within|for)\s+the\s+(?:past|last|previous)\s+(\d+|[a-z]+|couple of)\s+"
                  r"(hours?|days?|weeks?|months?)"),
    ("past_n_fr", 2, r"\b(?:au cours des|ces|pendant les|durant les|lors des)\s+(\d+|[a-zé]+)\s+(?:derni[èe]re?s\s+)?"
                     r"(heures|jours|semaines|mois)(?:\s+derni[èe]re?s)?"),
    ("past_one", 2, r"\b(?:over|in|during|within|for)\s+the\s+(?:past|last|previous)\s+(hour|day|week|month)\b"),
    ("in_n_hours", 2, r"\bin\s+(?:just\s+|only\s+)?(\d+|[a-z]+)\s+(hours|days)\b"),
    ("past_few", 2, r"\b(?:in|over|during)\s+(?:the\s+)?(?:past|last|recent)\s+(few|several)\s+(days|weeks)"),
    # single days
    ("day_dm", 3, rf"\b(?:on\s+|le\s+)?(?:{_WEEKDAY_RE},?\s+)?{_D}\s+{_M}{_Y}"),
    ("day_md", 3, rf"\b(?:on\s+)?(?:{_WEEKDAY_RE},?\s+)?{_M}\s+{_D}(?!\d){_Y}"),
    ("yesterday", 3, r"\b(?:yesterday|hier)\b"),
    ("today", 3, r"\b(?:today|this morning|tonight|aujourd'hui|ce matin)\b"),
    ("weekday", 4, rf"\b(?:on\s+|last\s+|this\s+|ce\s+)?{_WEEKDAY_RE}(?:\s+(?:evening|morning|night|soir|matin))?\b"),
    # loose spans
    ("this_week", 5, r"\b(?:this week|cette semaine)\b"),
    ("last_week", 5, r"\b(?:last week|la semaine dernière)\b"),
    ("this_month", 5, r"\b(?:this month|ce mois-ci|ce mois)\b"),
    ("last_month", 5, r"\b(?:last month|le mois dernier)\b"),
    ("in_month", 6, rf"\b(?:in|during|en|au mois de)\s+(?:early\s+|late\s+|mid-)?{_M}(?:\s+(\d{{4}}))?(?!\s*\d)"),
    ("in_year", 6, r"\b(?:in|during|en)\s+((?:19|20)\d{2})\b"),
]
_PERIOD_RES = [(rule, rank, re.compile(pattern, re.IGNORECASE)) for rule, rank, pattern in _PERIOD_PATTERNS]


def _part_day(part: str, year: int, month: int) -> dt.date:
    day = _PART_OF_MONTH[part.lower()]
    return _month_end(year, month) if day == -1 else dt.date(year, month, day)


def _span_number(word: str) -> float | None:
    word = word.lower()
    if word.isdigit():
        return float(word)
    return _NUM_WORD.get(word)


def _read_period(rule: str, m: re.Match, published: dt.date | None, text: str):
    """(start, end, reading) for one matched period pattern, or None when it cannot be resolved."""
    g = m.groups()

    def year_or(y, month, day=1):
        if y:
            return int(y)
        if published is None:
            raise LookupError
        return _year_for(month, day, published)

    try:
        if rule in ("range", "range_md"):
            # "between 12 and 25 December" names the month once at the end, "between Dec. 12 and 25" at the start.
            d1, m1, d2, m2, y = g if rule == "range" else (g[1], g[0], g[3], g[2], g[4])
            month1 = _month_number(m1) if m1 else _month_number(m2)
            month2 = _month_number(m2) if m2 else month1
            year2 = year_or(y, month2, int(d2))
            year1 = year2 - 1 if month1 > month2 else year2
            return dt.date(year1, month1, int(d1)), dt.date(year2, month2, int(d2)), "stated range"
        if rule == "range_parts":
            p1, m1, p2, m2, y = g
            month1, month2 = _month_number(m1), _month_number(m2)
            year2 = year_or(y, month2)
            year1 = year2 - 1 if month1 > month2 else year2
            return _part_day(p1, year1, month1), _part_day(p2, year2, month2), "stated range"
        if rule == "range_dash":
            d1, d2, m1, y = g
            month = _month_number(m1)
            year = year_or(y, month, int(d2))
            return dt.date(year, month, int(d1)), dt.date(year, month, int(d2)), "stated range"
        if published is None and rule not in ("day_dm", "day_md", "in_year"):
            raise LookupError
        if rule == "since_part":
            part, mon, y = g
            month = _month_number(mon)
            year = year_or(y, month)
            return _part_day(part, year, month), published, f"since the {part.lower()} of the month"
        if rule == "since_early":
            part, mon, y = g
            month = _month_number(mon)
            year = year_or(y, month)
            key = {"début": "early", "fin": "end", "mi": "mid"}.get(part.lower(), part.lower())
            return _part_day(key if key != "early" else "beginning", year, month), published, f"since {key} month"
        if rule in ("since_dm", "since_md"):
            d, mon, y = g if rule == "since_dm" else (g[1], g[0], g[2])
            month = _month_number(mon)
            return dt.date(year_or(y, month, int(d)), month, int(d)), published, "since a date"
        if rule == "since_month":
            mon, y = g
            month = _month_number(mon)
            return dt.date(year_or(y, month), month, 1), published, "since the 1st of the month"
        if rule == "since_weekday":
            day = _weekday_number(m.group(0).split()[-1])
            return _last_weekday(published - dt.timedelta(days=1), day), published, "since the last such weekday"
        if rule == "past_one":
            days = {"hour": 1, "day": 1, "week": 7, "month": 30}[g[0].lower()]
            return published - dt.timedelta(days=days), published, f"one {g[0].lower()} back from publication"
        if rule in ("past_n", "past_n_fr", "in_n_hours", "past_few"):
            count, unit = g[0], g[1].lower()
            number = _span_number(count)
            if number is None:
                return None
            days = max(1, round(number * _SPAN_DAYS.get(unit, _SPAN_DAYS.get(unit + "s", 1))))
            reading = f"{count} {unit} back from publication"
            if count.lower() in ("few", "several", "quelques", "plusieurs"):
                reading = f"'{count} {unit}' read as {int(number)}"
            return published - dt.timedelta(days=days), published, reading
        if rule in ("day_dm", "day_md"):
            if rule == "day_dm":
                d, mon, y = g
            else:
                mon, d, y = g
            month = _month_number(mon)
            if month is None:
                return None
            day = dt.date(year_or(y, month, int(d)), month, int(d))
            return day, day, "stated day"
        if rule == "yesterday":
            return published - dt.timedelta(days=1), published - dt.timedelta(days=1), "the day before publication"
        if rule == "today":
            return published, published, "the publication day"
        if rule == "weekday":
            day = _weekday_number(re.search(_WEEKDAY_RE, m.group(0), re.IGNORECASE).group(0))
            date = _last_weekday(published, day)
            if m.group(0).lower().startswith("last ") and date == published:
                date -= dt.timedelta(days=7)
            return date, date, "the last such weekday up to publication"
        if rule == "this_week":
            return published - dt.timedelta(days=published.weekday()), published, "this week up to publication"
        if rule == "last_week":
            monday = published - dt.timedelta(days=published.weekday() + 7)
            return monday, monday + dt.timedelta(days=6), "the previous week (Monday to Sunday)"
        if rule == "this_month":
            return published.replace(day=1), published, "this month up to publication"
        if rule == "last_month":
            last = published.replace(day=1) - dt.timedelta(days=1)
            return last.replace(day=1), last, "the previous month"
        if rule == "in_month":
            mon, y = g
            month = _month_number(mon)
            year = year_or(y, month)
            end = min(_month_end(year, month), published) if published else _month_end(year, month)
            return dt.date(year, month, 1), end, "the month named"
        if rule == "in_year":
            year = int(g[0])
            end = dt.date(year, 12, 31)
            if published and published.year == year:
                end = published
            return dt.date(year, 1, 1), end, "the year named"
    except (LookupError, ValueError, TypeError):
        return None
    return None


def _weekday_number(word: str) -> int:
    word = word.lower()
    for names in _WEEKDAYS.values():
        if word in names:
            return names.index(word)
    raise LookupError(word)


def find_periods(sentence: str, published: dt.date | None) -> list[PeriodMention]:
    """Find the dates and periods of a sentence, resolved against the publication date.

    Readings (the ``rule`` of each mention says which one applied):

    * stated ranges: "between 12 and 25 December", "between Dec. 12 and 25", "from the end of April to the end of
      August" -> those days (the year is the one that does not lie after the publication date);
    * "since the beginning of November", "since mid-December", "since 16 December", "since Thursday" -> that day
      up to the publication date;
    * "over the past two weeks", "in the last three days", "in the past 24 hours" -> N days back from the
      publication date up to it (24 hours is one day back); "the past few days" reads few as 3, several as 7;
    * "on Tuesday" -> the last Tuesday on or before the publication date; "yesterday", "today", "on 21 December";
    * "this week", "this month", "last month", "in December", "in 2019" -> that span, cut at the publication date.

    A weekday next to a verb of speech ("the UN said Friday") dates the statement, not the movement, and is skipped.

    Parameters
    ----------
    sentence : str
        One sentence.
    published : datetime.date or None
        Publication date; without it only periods with a full date resolve.

    Returns
    -------
    list of PeriodMention
        Most specific first (``rank``), then by position; overlapping matches are dropped.
    """
    mentions: list[PeriodMention] = []
    taken: list[tuple[int, int]] = []
    for rule, rank, regex in _PERIOD_RES:
        for m in regex.finditer(sentence):
            a, b = m.start(), m.end()
            if any(a < t_end and b > t_start for t_start, t_end in taken):
                continue
            if rule == "weekday" and (_SPEECH_RE.search(sentence[max(0, a - 12):a])
                                      or _SPEECH_RE.match(sentence[b:b + 12].lstrip())):
                taken.append((a, b))
                continue
            read = _read_period(rule, m, published, sentence)
            taken.append((a, b))
            if read is None:
                continue
            start_date, end_date, reading = read
            if end_date < start_date:
                continue
            mentions.append(PeriodMention(start_date, end_date, reading, m.group(0), a, b, rank))
    mentions.sort(key=lambda p: (p.rank, p.start))
    return mentions


def _date_spans(sentence: str) -> list[tuple[int, int]]:
    """Spans of every date-like expression, resolved or not (so their numbers are not taken as figures)."""
    spans = []
    for _rule, _rank, regex in _PERIOD_RES:
        spans.extend((m.start(), m.end()) for m in regex.finditer(sentence))
    spans.extend((m.start(), m.end()) for m in re.finditer(
        rf"\b{_M}\s+\d{{1,2}}\b|\b\d{{1,2}}\s+{_M}|\b(?:19|20)\d{{2}}\b|\b\d{{1,2}}:\d{{2}}\b|"
        r"\b\d+(?:[.,]\d+)?\s*(?:percent|per cent|%|km|kilomet(?:re|er)s?|miles|years?|months?|weeks?|days?|hours?|"
        r"minutes?|pour cent|ans|jours|heures|semaines)\b|\(\d+\)", sentence, re.IGNORECASE))
    return spans


# ====================================================================================================== agencies

def find_agencies(sentence: str) -> list[tuple[str, int, int]]:
    """The agencies a sentence names: ``(canonical name, start, end)`` in order of position.

    Canonical names: ``UN OCHA``, ``UN``, ``SRCG`` (Syrian Response Coordination Group), ``RCT`` (Response
    Coordinators Team), ``SOHR`` (Syrian Observatory for Human Rights, OSDH in French), ``White Helmets`` (Syrian
    Civil Defence), ``local administration``. A mention of the UN inside or next to one of OCHA counts as OCHA.
    """
    found: list[tuple[str, int, int]] = []
    for name, regex in _AGENCY_RES:
        for m in regex.finditer(sentence):
            if any(m.start() < b and m.end() > a for _, a, b in found):
                continue
            found.append((name, m.start(), m.end()))
    found.sort(key=lambda item: item[1])
    if any(name == "UN OCHA" for name, _, _ in found):
        ocha = [item for item in found if item[0] == "UN OCHA"]
        kept = []
        for item in found:
            near = any(abs(item[1] - o[1]) < 60 for o in ocha)
            if item[0] == "UN" and near:
                continue
            kept.append(item)
        found = kept
    return found


# ====================================================================================================== places

_PARTICLE = r"(?:(?:al|el|an|ad|ar|as|ash|at|az|ez|es|en|ed|er|et)[-‑’'])"
_CAP_TOKEN = rf"(?:{_PARTICLE}?[A-ZÀ-Ý][\w'’]*(?:-[A-Za-zÀ-ÿ][\w'’]*)*)"
_CAP_RUN_RE = re.compile(rf"(?<![\w-]){_CAP_TOKEN}(?:\s+(?:{_PARTICLE}[A-Za-zÀ-ÿ][\w'’-]*|{_CAP_TOKEN}))*")
_KIND_TAIL_RE = re.compile(r"^\s+(district|province|governorate|region|city|countryside|subdistrict|area|camps?|"
                           r"border crossing|crossing)\b", re.IGNORECASE)
_REGION_RES = [
    re.compile(r"\b(?:IDP\s+|displacement\s+|refugee\s+)?camps?\s+(?:along|near|on|by|at|close to)\s+the\s+"
               r"(?:[A-Z][\w]*(?:[-–][A-Z][\w]*)?\s+)?(?:border|frontier)", re.IGNORECASE),
    re.compile(r"\b(?:the\s+)?(?:[A-Z][\w]*(?:[-–][A-Z][\w]*)?\s+)border(?!\s+crossing)"),
    re.compile(r"\b(?:the\s+)?(?:eastern|western|southern|northern)\s+(?:countryside|outskirts)\s+of\s+"
               rf"{_CAP_TOKEN}(?:\s+{_CAP_TOKEN})*"),
    re.compile(rf"\b{_CAP_TOKEN}(?:\s+{_CAP_TOKEN})*\s+and\s+(?:its|the)\s+(?:surrounding\s+|eastern\s+|"
               r"western\s+|southern\s+|northern\s+)?countryside"),
    re.compile(rf"\b(?:north|south|east|west|north-?west|north-?east|south-?west|south-?east|north|rural|central)"
               rf"(?:ern)?\s+{_CAP_TOKEN}(?:\s+(?:province|countryside|governorate))?"),
    re.compile(r"\b(?:the\s+)?border\b(?!\s+crossing)"),
    re.compile(r"\bla\s+fronti[èe]re\s+turque\b", re.IGNORECASE),
]


@dataclass
class _PlaceMention:
    name: str
    start: int
    end: int
    place: object = None  # gazetteer Place
    ambiguous: tuple = ()
    within: str = ""
    region: bool = False


def _candidate_places(sentence: str, agency_spans) -> list[_PlaceMention]:
    """Place-like phrases of a sentence, longest first where they overlap."""
    cands: list[_PlaceMention] = []
    for regex in _REGION_RES:
        for m in regex.finditer(sentence):
            cands.append(_PlaceMention(m.group(0), m.start(), m.end(), region=True))
    for m in _CAP_RUN_RE.finditer(sentence):
        a, b = m.start(), m.end()
        text = m.group(0)
        tail = _KIND_TAIL_RE.match(sentence[b:])
        # Possessives split a run: "Syria's Idlib".
        pieces = []
        offset = 0
        for part in re.split(r"(?<=['’]s)\s+", text):
            pieces.append((a + offset, part))
            offset += len(part) + 1
        for p_start, part in pieces:
            clean = re.sub(r"['’]s$", "", part)
            p_end = p_start + len(clean)
            if tail and p_start + len(part) == b:
                cands.append(_PlaceMention(clean + tail.group(0), p_start, b + tail.end()))
            cands.append(_PlaceMention(clean, p_start, p_end))
    cands = [c for c in cands if not any(c.start < e and c.end > s for _, s, e in agency_spans)]
    cands.sort(key=lambda c: (-(c.end - c.start), c.start))
    return cands


# First words of Arabic place names that are not places on their own ("Kafr Lusian" is not "Kafr").
_GENERIC_HEADS = {"kafr", "kfar", "deir", "dayr", "tal", "tell", "tall", "bab", "jabal", "jebel", "khan", "ain",
                  "ayn", "abu", "jisr", "ras", "umm", "beit", "bir", "qasr", "khirbet", "khirbat", "marj", "wadi",
                  "nahr", "maarat", "maaret", "maar", "sheikh", "al", "el", "tel", "kafar", "mazraat", "arab"}


def _subruns(mention: _PlaceMention):
    """The phrase itself, then for a capitalised run its sub-phrases, longest first, skipping words that are never
    places and the generic first words of Arabic names."""
    if mention.region:
        yield mention
        bare = re.sub(r"^(?:the|la|le)\s+", "", mention.name, flags=re.IGNORECASE)
        if bare != mention.name:
            yield _PlaceMention(bare, mention.end - len(bare), mention.end, region=True)
        return
    tokens = list(re.finditer(r"\S+", mention.name))
    n = len(tokens)
    for size in range(n, 0, -1):
        for i in range(0, n - size + 1):
            chunk = tokens[i:i + size]
            words = [t.group(0).lower().strip(",.;:") for t in chunk]
            if words[0] in _NOT_PLACE_WORDS or words[-1] in _NOT_PLACE_WORDS:
                continue
            if size == 1 < n and words[0] in _GENERIC_HEADS:
                continue
            start = chunk[0].start()
            end = chunk[-1].end()
            yield _PlaceMention(mention.name[start:end], mention.start + start, mention.start + end)


class _Placer:
    """Resolves candidate names through the gazetteer once per article, with the article's places as context."""

    def __init__(self, gazetteer):
        self.g = gazetteer
        self.cache: dict[tuple[str, str], tuple] = {}

    def lookup(self, name: str, within: str = ""):
        key = (name, within)
        if key not in self.cache:
            from gazetteer.errors import AmbiguousPlaceError, GazetteerError, PlaceNotFoundError

            try:
                match = self.g.resolve(name, within=within or None)
                good = match.method in ("exact", "variant") or (match.method == "fuzzy" and match.score >= 90)
                self.cache[key] = (match.place, ()) if good else (None, ())
            except AmbiguousPlaceError as err:
                self.cache[key] = (None, tuple(err.candidates))
            except (PlaceNotFoundError, GazetteerError, ValueError):
                self.cache[key] = (None, ())
        return self.cache[key]

    def places_in(self, sentence: str, agency_spans) -> list[_PlaceMention]:
        """Resolved (or ambiguous) place mentions of a sentence, non-overlapping, in order of position."""
        chosen: list[_PlaceMention] = []
        for cand in _candidate_places(sentence, agency_spans):
            if any(cand.start < c.end and cand.end > c.start for c in chosen):
                continue
            for sub in _subruns(cand):
                if any(sub.start < c.end and sub.end > c.start for c in chosen):
                    continue
                words = sub.name.lower().split()
                if len(words) == 1 and words[0] in _NOT_PLACE_WORDS:
                    continue
                place, candidates = self.lookup(sub.name)
                if place is not None or candidates:
                    sub.place, sub.ambiguous = place, candidates
                    chosen.append(sub)
                    if sub.start == cand.start and sub.end == cand.end:
                        break
        chosen.sort(key=lambda c: c.start)
        return chosen


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


# ====================================================================================================== extraction

@dataclass
class _Bound:
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


def _bind_terms(sentence: str, figures: list[FigureMention], lang: str) -> list[_Bound]:
    """Bind each figure to its verb: object ("killing 1,000 civilians") first, then subject ("people fled")."""
    rx = _regexes(lang)
    terms = []
    for kind, regex in rx["terms"]:
        for m in regex.finditer(sentence):
            if not any(m.start() < t[2] and m.end() > t[1] for t in terms):
                terms.append((kind, m.start(), m.end(), m.group(0)))
    # A unit adjective ("internally displaced persons") is not a verb.
    terms = [t for t in terms if not any(f.num_end <= t[1] and t[2] <= f.end for f in figures)]
    terms.sort(key=lambda t: t[1])
    bounds = [_Bound(f) for f in figures]
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
            if word in _NEGATIONS:
                break
            if word in ("from", "in", "of", "de", "du", "des") and count <= 3:
                in_phrase = True
                continue
            if in_phrase and (tok.group(0)[:1].isupper() or word in _PLACE_FILLERS or
                              re.match(r"(?:al|el|an|ad|as|ash|at|az)-", word)):
                continue
            in_phrase = False
            inside_other = next((o for o in bounds if o is not b and o.figure.start <= t_abs < o.figure.end), None)
            if inside_other is not None:
                continue  # "280 civilians and several hundred combatants have died"
            if word in _SUBJECT_FILLERS or word in (",", "and", "et", '"', "“", "”", "(", ")") or \
                    re.fullmatch(r"including|several|y|compris", word):
                continue
            if word in _UNITS[lang] or word in _COMBATANTS:
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
            elif b.kind == "incident" and _WOUNDED_RE.search(word):
                b.kind = "incident-wounded"
    return bounds


def _segments(bounds: list[_Bound], length: int) -> None:
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


def extract_reports(article: Article, *, gazetteer=None, id_prefix: str | None = None) -> Extraction:
    """Find the statements of displacement and harm in an article and draft a report row for each.

    Parameters
    ----------
    article : Article
        From :func:`read_article`.
    gazetteer : gazetteer.Gazetteer, optional
        Resolves place names; the bundled one by default.
    id_prefix : str, optional
        Prefix of report ids (default: the article's name).

    Returns
    -------
    Extraction
        Rows in order of appearance (repeats of one statement, e.g. headline and lede, merged into one row), and
        the names that could not be placed.

    Notes
    -----
    ``confidence`` starts at 1 and drops for what a reviewer must check: no period (0.2), no place (0.2), no agency
    (0.1), a unit read as people because none was stated (0.1), a name not placed (0.1), a subgroup figure (0.2),
    a period, agency or place taken from a neighbouring sentence (0.05 each); a vague figure caps it at 0.3.
    """
    if not isinstance(article, Article):
        raise ArticleError(f"expected an Article (see read_article), got {type(article).__name__}")
    if gazetteer is None:
        from gazetteer import Gazetteer

        gazetteer = Gazetteer.default()
    placer = _Placer(gazetteer)
    lang = article.lang
    prefix = id_prefix if id_prefix is not None else re.sub(r"[^\w-]+", "-", article.name).strip("-") or "article"
    sentences = [s for s in split_sentences(article.text, start=article.body_start)
                 if not _BOILERPLATE_RE.match(s.text)]
    speakers = _speakers(sentences)
    info = [_read_sentence(s, article, placer, lang, speakers) for s in sentences]
    _place_with_context(info, placer, gazetteer)

    reports: list[ExtractedReport] = []
    unplaced: dict[str, UnplacedName] = {}
    for index, (sentence, data) in enumerate(zip(sentences, info)):
        for mention in data["places"]:
            if mention.place is None:
                reason = ("ambiguous: " + ", ".join(f"{p.name} ({p.kind}, {p.admin2 or p.admin1})"
                                                   for p in mention.ambiguous)) if mention.ambiguous else \
                    "not in the gazetteer"
                unplaced.setdefault(mention.name, UnplacedName(mention.name, reason, sentence.start + mention.start,
                                                               article.name))
        for bound in data["live"]:
            report = _draft(bound, index, sentences, info, article, speakers, gazetteer)
            if report is not None:
                reports.append(report)
    reports = _merge_repeats(reports)
    for number, report in enumerate(reports, start=1):
        report.report_id = f"{prefix}-{number:03d}"
    return Extraction(article=article, reports=reports, unplaced=list(unplaced.values()))


def _read_sentence(sentence: Sentence, article: Article, placer: _Placer, lang: str, speakers: dict) -> dict:
    text = sentence.text
    periods = find_periods(text, article.published)
    agencies = find_agencies(text)
    figures = find_figures(text, lang=lang, masked=_date_spans(text))
    dropped = _dropped_figures(text, figures)
    bounds = _bind_terms(text, figures, lang)
    for b, drop in zip(bounds, dropped):
        if drop:
            b.kind, b.dropped = "", True
    # Subgroups ("including three children") are notes on the figure before them.
    for i, b in enumerate(bounds):
        head = text[:b.figure.start]
        if i > 0 and (_SUBGROUP_RE.search(head) or b.figure.unit in ("children", "women")
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
    _segments(live, len(text))
    places = placer.places_in(text, [(a, s, e) for a, s, e in agencies])
    # Capitalised names right after a place cue that resolved to nothing: kept as written, listed as unplaced.
    headline = _is_title_case(text)
    for m in re.finditer(rf"(?<![\w-])(?:from|to|in|near|towards?|(?:town|city|village|villages|towns) of)\s+"
                         rf"({_CAP_TOKEN}(?:\s+{_CAP_TOKEN})?)", text):
        name = re.sub(r"['’]s$", "", m.group(1))
        words = name.lower().split()
        if headline or words[0] in _NOT_PLACE_WORDS or words[-1] in _NOT_PLACE_WORDS or _month_number(words[0]):
            continue
        if re.search(r"\baccording\s+to\s+$", text[:m.start(1)], re.IGNORECASE) or words[-1] in speakers:
            continue
        if any(p.start <= m.start(1) < p.end for p in places):
            continue
        if any(a <= m.start(1) < e for _, a, e in agencies) or re.match(_WEEKDAY_RE, name, re.IGNORECASE):
            continue
        if any(b.seg_start <= m.start(1) < b.seg_end for b in live):
            places.append(_PlaceMention(name, m.start(1), m.start(1) + len(name)))
    places.sort(key=lambda mention: mention.start)
    # A capitalised name listed between places ("Kah, Deir Hassan, Kafr Lusian and Atme") is a place too.
    placed = [p for p in places if p.place is not None and p.place.kind != "country"]

    def joined(a_end, b_start):
        return a_end <= b_start and bool(_LIST_JOIN_RE.match(text[a_end:b_start]))

    for m in _CAP_RUN_RE.finditer(text):
        name = m.group(0)
        if headline or any(m.start() < p.end and m.end() > p.start for p in places):
            continue
        if name.split()[0].lower() in _NOT_PLACE_WORDS or any(a <= m.start() < e for _, a, e in agencies):
            continue
        left = next((p for p in placed if joined(p.end, m.start())), None)
        right = next((p for p in placed if joined(m.end(), p.start)), None)
        # Inside a list of places, or closing one that has at least two places already.
        chain = left is not None and any(joined(q.end, left.start) for q in placed)
        if (left is not None and right is not None) or chain:
            places.append(_PlaceMention(name, m.start(), m.end()))
    places.sort(key=lambda mention: mention.start)
    return {"periods": periods, "agencies": agencies, "bounds": bounds, "live": live, "places": places,
            "has_figure": bool(figures), "terms": _has_term(text, lang)}


def _is_title_case(text: str) -> bool:
    """Headlines capitalise most words; their capitalised words are not place names by that sign alone."""
    words = re.findall(r"[A-Za-z][\w'’-]*", text)
    long_words = [w for w in words if len(w) > 3]
    return len(long_words) >= 4 and sum(w[0].isupper() for w in long_words) >= 0.85 * len(long_words)


def _has_term(text: str, lang: str) -> str:
    for kind, regex in _regexes(lang)["terms"]:
        if kind != "incident" and regex.search(text):
            return kind
    return ""


def _dropped_figures(text: str, figures: list[FigureMention]) -> list[bool]:
    """Which figures are no movement or civilian toll: population stocks ("home to some 3 million") and combatants."""
    dropped = []
    stock_prev = False
    for f in figures:
        head = text[:f.start]
        stock = bool(_STOCK_RE.search(head)) or bool(stock_prev and re.search(r"\b(?:and|et)\s+$", head))
        stock_prev = stock
        dropped.append(stock or f.unit == "combatants" or bool(_NOT_CIVILIAN_RE.match(text[f.num_end:])))
    return dropped


def _place_with_context(info: list[dict], placer: _Placer, gazetteer) -> None:
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


def _speakers(sentences: list[Sentence]) -> dict[str, str]:
    """People the article introduces with their agency ("X, director of the Response Coordinators Team")."""
    speakers = {}
    for sentence in sentences:
        for m in _PERSON_ROLE_RE.finditer(sentence.text):
            agencies = find_agencies(sentence.text[m.end():m.end() + 80])
            if agencies and agencies[0][1] == 0:
                surname = re.sub(r"^(?:al|el)-", "", m.group(1).split()[-1], flags=re.IGNORECASE).lower()
                speakers[surname] = agencies[0][0]
    return speakers


def _agency_in(text: str, lo: int, hi: int, speakers: dict) -> str:
    found = [name for name, s, _e in find_agencies(text) if lo <= s < hi]
    if found:
        return found[0]
    for word in re.findall(r"[\w'’-]+", text[lo:hi]):
        key = re.sub(r"^(?:al|el)-", "", word, flags=re.IGNORECASE).lower()
        if key in speakers and word[:1].isupper():
            return speakers[key]
    return ""


_PRONOUN_SPEECH_RE = re.compile(r"\b(?:he|she|they|il|elle) (?:added|said|told|noted|stressed|underlined|"
                                r"explained|a ajouté|a précisé)\b", re.IGNORECASE)


def _agency_for(index: int, seg, sentences, info, speakers, follow) -> tuple[str, int | None]:
    """The agency of a figure: its stretch, its sentence, a named speaker, then a neighbouring sentence that has no
    figure of its own (so names nobody else's source). Returns the agency and the neighbour's index, if any."""
    text = sentences[index].text
    agency = _agency_in(text, seg[0], seg[1], speakers) or _agency_in(text, 0, len(text), speakers)
    if agency:
        return agency, None
    if index > 0 and _PRONOUN_SPEECH_RE.search(text):
        previous = sentences[index - 1].text
        agency = _agency_in(previous, 0, len(previous), speakers)
        if agency:
            return agency, index - 1
    for j in [index - 1, index + 1] + [k for k in follow if k != index + 1]:
        if 0 <= j < len(sentences) and not info[j]["has_figure"]:
            agency = _agency_in(sentences[j].text, 0, len(sentences[j].text), speakers)
            if agency:
                return agency, j
    return "", None


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _draft(bound: _Bound, index: int, sentences, info, article: Article, speakers, gazetteer):
    """The row for one bound figure."""
    sentence = sentences[index]
    data = info[index]
    text = sentence.text
    fig = bound.figure
    kind = "incident" if bound.kind.startswith("incident") else "displacement"
    notes: list[str] = []
    confidence = 1.0
    report = ExtractedReport(kind=kind, qualifier=fig.qualifier, publisher=article.publisher,
                             published=article.published.isoformat() if article.published else "", url=article.url,
                             quote=text, char_start=sentence.start, char_end=sentence.end, is_return=bound.is_return)
    # Figure and unit.
    if fig.vague:
        report.vague = re.sub(r"\s+", " ", fig.text.lower())
        notes.append(f"vague figure '{report.vague}': no number given")
        confidence = min(confidence, 0.3)
    elif fig.is_range:
        report.figure_min, report.figure_max = _fmt(fig.value_min), _fmt(fig.value_max)
    else:
        report.figure = _fmt(fig.value_min)
    if kind == "incident":
        report.unit = "wounded" if bound.kind == "incident-wounded" else "killed"
    elif fig.unit in ("families", "households"):
        report.unit = fig.unit
    else:
        report.unit = "people"
    if fig.unit in ("children", "women"):
        notes.append(f"{fig.unit} only: a subgroup, not a total")
        confidence -= 0.2
    elif not fig.unit:
        notes.append("unit not stated, read as people")
        confidence -= 0.1
    for sub in bound.subgroups:
        sf = sub.figure
        what = sf.text if sf.vague else _fmt(sf.value_min)
        notes.append(f"including {what} {sf.unit or 'people'}")
    if bound.is_return:
        notes.append("return movement")
    # Period: the figure's stretch, then the sentence, then the sentences that carry on its story.
    seg = (bound.seg_start, bound.seg_end)
    periods = [p for p in data["periods"] if seg[0] <= p.start < seg[1]] or data["periods"]
    period = periods[0] if periods else None
    source = "sentence"
    follow = _continuation(index, sentences, info)
    for j in follow:
        explicit = [p for p in info[j]["periods"] if p.rank == 0]
        if explicit and (period is None or period.rank >= 2):
            if period is None or (explicit[0].start_date <= period.end_date and explicit[0].end_date >=
                                  period.start_date):
                period, source = explicit[0], "next sentence"
                break
    agency, agency_from = _agency_for(index, seg, sentences, info, speakers, follow)
    if period is None and agency_from is not None:
        attributed = info[agency_from]["periods"]
        if attributed:
            period, source = attributed[0], "sentence naming the agency"
    if period is None and index > 0 and kind == "incident":
        previous = [p for p in info[index - 1]["periods"] if p.rank in (3, 4)] or info[index - 1].get("carried", [])
        if previous:
            period, source = previous[0], "previous sentence"
    if kind == "incident" and period is not None and period.rank in (3, 4):
        data.setdefault("carried", []).append(period)  # the next sentence may go on about the same strikes
    if period is not None:
        report.period_start, report.period_end = period.start_date.isoformat(), period.end_date.isoformat()
        report.period_relative = period.rank >= 1
        if period.rule not in ("stated range", "stated day"):
            notes.append(f"period '{period.text.strip().rstrip(',;.')}' read as {period.rule}")
        if source != "sentence":
            notes.append(f"period from the {source}")
            confidence -= 0.05
    else:
        notes.append("no period" + ("" if article.published else " (no publication date given)"))
        confidence -= 0.2
    if agency_from is not None:
        notes.append("agency named in a neighbouring sentence")
        confidence -= 0.05
    if agency == "UN":
        for j in [index] + follow:
            if any(name == "UN OCHA" for name, _, _ in info[j]["agencies"]):
                agency = "UN OCHA"
                break
    report.agency = agency
    if not agency:
        confidence -= 0.1
    # Places.
    origins, destinations, places = _roles(bound, kind, data, text, gazetteer)
    if not origins and not destinations and not places or all(m.place is not None and m.place.kind == "country"
                                                             for m in origins + destinations + places):
        for j in follow:
            f_origins, f_dests, _ = _roles(None, kind, info[j], sentences[j].text, gazetteer)
            if f_origins or f_dests:
                origins, destinations, places = f_origins, f_dests, []
                notes.append("places from the next sentence")
                confidence -= 0.05
                break
    if kind == "incident":
        origins = places + origins + destinations
        destinations = []
    report.origin = ";".join(m.name for m in origins)
    report.destination = ";".join(m.name for m in destinations)
    report.origin_ids = tuple(m.place.id for m in origins if m.place is not None)
    report.destination_ids = tuple(m.place.id for m in destinations if m.place is not None)
    report.origin_within = _within_hint(origins)
    report.destination_within = _within_hint(destinations)
    unplaced = [m.name for m in origins + destinations if m.place is None]
    if unplaced:
        notes.append("could not place " + ", ".join(repr(n) for n in unplaced))
        confidence -= 0.1
    if not origins and not destinations:
        confidence -= 0.2
    report.note = "; ".join(notes)
    report.confidence = round(max(0.05, min(1.0, confidence)), 2)
    return report


def _within_hint(mentions) -> str:
    hints = {m.within for m in mentions if m.within}
    return hints.pop() if len(hints) == 1 else ""


def _continuation(index: int, sentences, info) -> list[int]:
    """Up to two following sentences with no figure that go on about the same movement ("the exodus took place
    between 12 and 25 December")."""
    out = []
    for j in range(index + 1, min(index + 3, len(sentences))):
        if info[j]["has_figure"]:
            break
        if info[j]["terms"]:
            out.append(j)
    return out


_LOCATOR_RE = re.compile(r"^\s*(?:regions?|areas?|camps?|towns?|villages?|cities)?\s*(?:near|close to|along|by|"
                         r"on)\s+(?:the\s+)?$", re.IGNORECASE)


def _cue(sentence: str, start: int, lo: int) -> str:
    """The word that introduces a place (skipping "the", "city of", "rebel-held" ...), or ``""``."""
    for tok in reversed(re.findall(r"[\w'’-]+", sentence[lo:start])[-6:]):
        word = tok.lower()
        if word in _PLACE_FILLERS:
            continue
        return word
    return ""


def _role(cue: str, kind: str, term: str) -> str:
    if kind != "displacement":
        return "place"
    if cue in _DEST_CUES:
        return "destination"
    if cue in _ORIGIN_CUES:
        return "origin"
    if cue in _NEUTRAL_CUES:
        return "destination" if cue == "near" or _DEST_TERMS.search(term) else "origin"
    return "destination" if _DEST_TERMS.search(term) else "origin"


def _roles(bound, kind, data, text, gazetteer):
    """Split the places of a figure's stretch into origins, destinations and (incident) places.

    A place before the figure counts only with a cue ("In Idlib, 3,000 ..."; "from Saraqeb"), so that the subject
    of a clause ("Damascus launched ...") is not taken for a place of the movement; an incident's place needs a
    locative cue ("killed in Tal Mannis") or must follow the verb.
    """
    if bound is not None:
        lo, hi = bound.seg_start, bound.seg_end
        term = text[bound.term_start:bound.term_end] if bound.term_start >= 0 else ""
        fig_start = min(bound.figure.start, bound.term_start if bound.term_start >= 0 else bound.figure.start)
        term_end = max(bound.term_end, bound.figure.end)
    else:
        lo, hi, fig_start, term_end = 0, len(text), 0, 0
        m = re.search(r"fled|flee|arriv|shelter|refuge|moved|headed", text, re.IGNORECASE)
        term = m.group(0) if m else ""
    mentions = [m for m in data["places"] if lo <= m.start < hi]
    roles: dict[str, list[_PlaceMention]] = {"origin": [], "destination": [], "place": []}
    previous = None
    for mention in mentions:
        if previous is not None and _LOCATOR_RE.match(text[previous[0].end:mention.start]):
            continue  # "the Kah and Atme regions near the border": locates the list, is not another place
        if previous is not None and _LIST_JOIN_RE.match(text[previous[0].end:mention.start]):
            role = previous[1]
        else:
            cue = _cue(text, mention.start, lo)
            known_cue = cue in _ORIGIN_CUES or cue in _DEST_CUES or cue in _NEUTRAL_CUES or (
                kind != "displacement" and cue in _ATTACK_CUES)
            if mention.start < fig_start and not known_cue:
                continue
            if kind != "displacement" and not (cue in _NEUTRAL_CUES or cue in _ATTACK_CUES
                                               or mention.start >= term_end):
                continue
            role = _role(cue, kind, term)
        roles[role].append(mention)
        previous = (mention, role)
    for role, group in roles.items():
        # An area named after places it encloses only locates them ("towns in the rebel-held Idlib province").
        kept = []
        for mention in group:
            others = [o for o in group if o is not mention and o.place is not None]
            if mention.place is not None and others and all(_contains(mention.place, o.place, gazetteer)
                                                            for o in others):
                for o in others:
                    o.within = o.within or mention.place.pcode
                continue
            kept.append(mention)
        # A country next to a more precise place adds nothing ("Syria's Idlib").
        if any(m.place is not None and m.place.kind != "country" for m in kept):
            kept = [m for m in kept if m.place is None or m.place.kind != "country"]
        group[:] = kept
    return roles["origin"], roles["destination"], roles["place"]


def _merge_repeats(reports: list[ExtractedReport]) -> list[ExtractedReport]:
    """One row per statement: a headline and the lede that repeat a figure become one row (the fuller one)."""
    out: list[ExtractedReport] = []
    for report in reports:
        twin = next((o for o in out if _same_statement(o, report)), None)
        if twin is None:
            out.append(report)
            continue
        keep, other = (twin, report) if _richness(twin) >= _richness(report) else (report, twin)
        for name in ("period_start", "period_end", "origin", "destination", "origin_within", "destination_within",
                     "agency", "qualifier"):
            if not getattr(keep, name) and getattr(other, name):
                setattr(keep, name, getattr(other, name))
                if name == "origin":
                    keep.origin_ids = other.origin_ids
                if name == "destination":
                    keep.destination_ids = other.destination_ids
        keep.note = "; ".join(filter(None, [keep.note, f"also stated at char {other.char_start}"]))
        if keep is report:
            out[out.index(twin)] = report
    return out


def _same_statement(a: ExtractedReport, b: ExtractedReport) -> bool:
    if a.kind != b.kind or a.unit != b.unit or a.is_return != b.is_return:
        return False
    if (a.figure, a.figure_min, a.figure_max, a.vague) != (b.figure, b.figure_min, b.figure_max, b.vague):
        return False
    if a.vague:
        return False  # vague phrases repeat without being the same statement
    if a.qualifier and b.qualifier and a.qualifier != b.qualifier:
        return False
    if a.period_start and b.period_start and (a.period_start, a.period_end) != (b.period_start, b.period_end):
        return False
    if float(a.figure or a.figure_max or 0) >= 1000:
        return True  # a large figure repeated in one article (headline, lede) is one statement
    # Small tolls repeat for different strikes: the same only when period and places agree.
    return bool(a.period_start and a.period_start == b.period_start and a.origin_ids and
                set(a.origin_ids) == set(b.origin_ids))


def _richness(report: ExtractedReport) -> tuple:
    filled = sum(bool(getattr(report, n)) for n in ("period_start", "origin", "destination", "agency", "qualifier"))
    return (filled, report.confidence)


# ====================================================================================================== review

def format_review(extractions, *, width: int = 100) -> str:
    """A readable table of drafted rows with their quotes, and the names that could not be placed.

    Parameters
    ----------
    extractions : iterable of Extraction
    width : int
        Line width for wrapping the quotes.

    Returns
    -------
    str
    """
    lines: list[str] = []
    for extraction in extractions:
        article = extraction.article
        meta = ", ".join(filter(None, [article.publisher, article.published.isoformat() if article.published
                                       else "no publication date"]))
        lines.append(f"== {article.name} ({meta}): {len(extraction.reports)} row(s)")
        for r in extraction.reports:
            figure = r.figure or (f"{r.figure_min}-{r.figure_max}" if r.figure_min else f"[{r.vague}]")
            figure = f"{r.qualifier} {figure}".strip()
            period = f"{r.period_start}..{r.period_end}" if r.period_start else "no period"
            where = (f"{r.origin or '?'} -> {r.destination or '?'}" if r.kind == "displacement"
                     else f"at {r.origin or '?'}")
            lines.append(f"{r.report_id}  {r.kind:<12} {figure} {r.unit}  {period}  {where}  "
                         f"agency={r.agency or '?'}  confidence={r.confidence:.2f}")
            quote = " ".join(r.quote.split())
            lines.extend(textwrap.wrap(f'"{quote}" [{r.char_start}:{r.char_end}]', width=width,
                                       initial_indent="    ", subsequent_indent="    "))
            if r.note:
                lines.extend(textwrap.wrap(f"note: {r.note}", width=width, initial_indent="    ",
                                           subsequent_indent="      "))
        if extraction.unplaced:
            lines.append("  could not place:")
            for u in extraction.unplaced:
                lines.append(f"    {u.name!r} (char {u.char_start}): {u.reason}")
        lines.append("")
    return "\n".join(lines)
