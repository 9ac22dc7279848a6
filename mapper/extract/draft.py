"""Draft report rows from an article: one per statement, with its evidence."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .agencies import agency_for, find_speakers
from .article import Article, ArticleError
from .figures import Spans
from .periods import find_periods
from .places import Placer, prune_places, place_with_context, sentence_origins, split_roles
from .sentences import split_sentences
from .statements import Bound, read_sentence
from .screening import caption_spans, headline_repeats, no_place, outside
from .vocabulary import BOILERPLATE_RE, RECEIVE_RE


#: Columns of the reports format (see the project README), in order.
REPORT_COLUMNS = (
    "report_id", "kind", "figure", "figure_min", "figure_max", "qualifier", "unit", "period_start", "period_end",
    "origin", "destination", "origin_within", "destination_within", "agency", "publisher", "published", "url", "note",
    "status", "review_note",
)
#: Columns ``idpmap extract`` writes: the reports format plus the evidence.
EXTRACT_COLUMNS = REPORT_COLUMNS + ("quote", "char_start", "char_end", "confidence")
#: Columns that hold numbers extract formats itself (never text from the article).
NUMBER_COLUMNS = ("figure", "figure_min", "figure_max", "char_start", "char_end", "confidence")


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
    status: str = ""  # "ok", or "needs_review" when the row cannot be mapped as it is (review_note says why)
    review_note: str = ""
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
    unplaced: tuple = field(default=(), repr=False)
    # (name, why) of places whose role was read, not stated
    role_doubts: tuple = field(default=(), repr=False)
    weak_roles: tuple = field(default=(), repr=False)  # (name, role) of places whose role no word before them gives
    date_doubt: str = field(default="", repr=False)  # the publication days the text allows, when a period needs one
    year_doubt: str = field(default="", repr=False)  # where the year a period needs came from, when only inferred
    headline: bool = field(default=False, repr=False)

    def to_row(self) -> dict:
        """The row as the CSV writer wants it (every value a string; control characters from the article, such as
        terminal escapes, replaced by U+FFFD so that offsets still hold)."""
        row = {}
        for name in EXTRACT_COLUMNS:
            value = getattr(self, name)
            row[name] = f"{value:.2f}" if name == "confidence" else without_controls(str(value))
        return row

    def check(self) -> None:
        """Set :attr:`status` and :attr:`review_note`: ``needs_review`` when a map could not use the row as it is
        (no number, no period, no place — an origin or a destination, the place of an incident —, a name not
        placed), with the reasons."""
        problems = []
        if not (self.figure or self.figure_min):
            problems.append(f"vague figure '{self.vague}': no number" if self.vague else "no figure")
        if not self.period_start:
            problems.append("no period")
        if not self.origin and (self.kind == "incident" or not self.destination):
            problems.append("no place named")
        if self.unplaced:
            problems.append("could not place " + ", ".join(repr(n) for n in self.unplaced))
        if self.date_doubt:
            problems.append(f"period counts from a publication date the text does not fix ({self.date_doubt})")
        if self.year_doubt:
            problems.append(f"the period's year is inferred ({self.year_doubt}): the text does not give it")
        for name, why in self.role_doubts:
            problems.append(f"{name!r} drafted as a destination but the text has it {why}")
        for name, role in self.weak_roles:
            problems.append(f"{name!r} drafted as {'an origin' if role == 'origin' else 'a destination'} from the "
                            "verb alone: no word before it says which")
        self.status = "needs_review" if problems else "ok"
        self.review_note = "; ".join(problems)


_CONTROLS_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def without_controls(text: str) -> str:
    """``text`` with control characters (terminal escapes, bidirectional overrides) replaced by U+FFFD, one for one;
    tabs and line breaks are kept."""
    return _CONTROLS_RE.sub("\ufffd", text)


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
    prefix = id_prefix if id_prefix is not None else re.sub(r"[^\w-]+", "-", article.name).strip("-") or "article"
    reading = _read(article, gazetteer)
    reports = [report for index, data in enumerate(reading.info) for bound in data["live"]
               if (report := _draft(bound, index, reading)) is not None]
    reports = headline_repeats(_merge_repeats(reports))
    for number, report in enumerate(reports, start=1):
        report.report_id = f"{prefix}-{number:03d}"
        report.check()
    return Extraction(article=article, reports=reports, unplaced=_unplaced(reading))


def _read(article: Article, gazetteer) -> _Reading:
    """The article read sentence by sentence (captions and page furniture skipped), its places decided together."""
    placer = Placer(gazetteer)
    captions = Spans(caption_spans(article.text, article.body_start))
    sentences = [s for s in split_sentences(article.text, start=article.body_start)
                 if not BOILERPLATE_RE.match(s.text) and outside(s, captions)]
    speakers = find_speakers(sentences)
    info = [read_sentence(s, article, placer, article.lang, speakers) for s in sentences]
    place_with_context(info, placer, gazetteer)
    return _Reading(article, sentences, info, speakers, gazetteer)


def _unplaced(reading: _Reading) -> list[UnplacedName]:
    """The names that look like places but could not be placed, once each, where first met."""
    unplaced: dict[str, UnplacedName] = {}
    for sentence, data in zip(reading.sentences, reading.info):
        for mention in data["places"]:
            if mention.place is None and mention.name not in unplaced:
                reason = ("ambiguous: " + ", ".join(f"{p.name} ({p.kind}, {p.admin2 or p.admin1})"
                                                   for p in mention.ambiguous)) if mention.ambiguous else \
                    f"a part of {mention.part_of.name} the gazetteer does not hold" if mention.part_of else \
                    "not in the gazetteer"
                unplaced[mention.name] = UnplacedName(mention.name, reason, sentence.start + mention.start,
                                                      reading.article.name)
    return list(unplaced.values())

def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass
class _Reading:
    """An article as read sentence by sentence: what the drafting of each row looks at."""

    article: Article
    sentences: list
    info: list
    speakers: dict
    gazetteer: object


@dataclass
class _Row:
    """A row being drafted, with its notes and its confidence (lowered for what a reviewer must check)."""

    report: ExtractedReport
    notes: list = field(default_factory=list)
    confidence: float = 1.0

    def flag(self, note: str, cost: float = 0.0) -> None:
        self.notes.append(note)
        self.confidence -= cost


def _draft(bound: Bound, index: int, reading: _Reading):
    """The row for one bound figure, or None when it is no report a map could draw (see :mod:`.screening`)."""
    sentence, data, article = reading.sentences[index], reading.info[index], reading.article
    kind = "incident" if bound.kind.startswith("incident") else "displacement"
    row = _Row(ExtractedReport(kind=kind, qualifier=bound.figure.qualifier, publisher=article.publisher,
                               published=article.published.isoformat() if article.published else "",
                               url=article.url, quote=sentence.text, char_start=sentence.start,
                               char_end=sentence.end, is_return=bound.is_return))
    _set_figure(row, bound)
    follow = _continuation(index, reading.sentences, reading.info)
    seg = (bound.seg_start, bound.seg_end)
    agency, agency_from = agency_for(index, seg, reading.sentences, reading.info, reading.speakers, follow)
    period = _set_period(row, bound, index, reading, follow, agency_from)
    _set_agency(row, agency, agency_from, [index] + follow, reading)
    origins, destinations = _places(row, bound, index, reading, follow)
    if no_place(kind, origins + destinations, sentence.text, data["places"], period is not None):
        return None
    _set_places(row, origins, destinations)
    report = row.report
    if article.published_how == "estimated" and not any(n.startswith("publication date") for n in row.notes):
        row.flag(f"publication date estimated from the text: {article.publication.span()}")
    report.headline = data["title_case"] or sentence.text.strip() == article.title.strip()
    report.note = "; ".join(row.notes)
    report.confidence = round(max(0.05, min(1.0, row.confidence)), 2)
    return report


def _set_figure(row: _Row, bound: Bound) -> None:
    """Figure (a number, a range, or a vague phrase kept as text), unit, subgroups."""
    report, fig = row.report, bound.figure
    if fig.vague:
        report.vague = re.sub(r"\s+", " ", fig.text.lower())
        row.flag(f"vague figure '{report.vague}': no number given")
        row.confidence = min(row.confidence, 0.3)
    elif fig.is_range:
        report.figure_min, report.figure_max = _fmt(fig.value_min), _fmt(fig.value_max)
    else:
        report.figure = _fmt(fig.value_min)
    if report.kind == "incident":
        report.unit = "wounded" if bound.kind == "incident-wounded" else "killed"
    else:
        report.unit = fig.unit if fig.unit in ("families", "households") else "people"
    if fig.unit in ("children", "women"):
        row.flag(f"{fig.unit} only: a subgroup, not a total", 0.2)
    elif not fig.unit:
        row.flag("unit not stated, read as people", 0.1)
    for sub in bound.subgroups:
        sf = sub.figure
        row.flag(f"including {sf.text if sf.vague else _fmt(sf.value_min)} {sf.unit or 'people'}")
    if bound.is_return:
        row.flag("return movement")


def _choose_period(bound: Bound, index: int, reading: _Reading, follow, agency_from):
    """The figure's stretch, then its sentence, then the sentences that carry on its story, then the sentence that
    names the agency; an incident may take the day of the strikes told just before. Returns (period, where)."""
    info = reading.info
    data = info[index]
    periods = [p for p in data["periods"] if bound.seg_start <= p.start < bound.seg_end] or data["periods"]
    period, source = (periods[0] if periods else None), "sentence"
    for j in follow:
        explicit = [p for p in info[j]["periods"] if p.rank == 0]
        if explicit and (period is None or period.rank >= 2) and (
                period is None or explicit[0].start_date <= period.end_date and explicit[0].end_date >=
                period.start_date):
            return explicit[0], "next sentence"
    if period is None and agency_from is not None and info[agency_from]["periods"]:
        return info[agency_from]["periods"][0], "sentence naming the agency"
    if period is None and index > 0 and bound.kind.startswith("incident"):
        previous = [p for p in info[index - 1]["periods"] if p.rank in (3, 4)] or info[index - 1].get("carried", [])
        if previous:
            return previous[0], "previous sentence"
    return period, source


def _set_period(row: _Row, bound: Bound, index: int, reading: _Reading, follow, agency_from):
    period, source = _choose_period(bound, index, reading, follow, agency_from)
    report, article = row.report, reading.article
    if report.kind == "incident" and period is not None and period.rank in (3, 4):
        reading.info[index].setdefault("carried", []).append(period)  # the next sentence may go on about it
    if period is None:
        row.flag("no period" + ("" if article.published else " (no publication date given)"), 0.2)
        return None
    report.period_start, report.period_end = period.start_date.isoformat(), period.end_date.isoformat()
    report.period_relative = period.rank >= 1
    if period.rule not in ("stated range", "stated day"):
        row.flag(f"period '{period.text.strip().rstrip(',;.')}' read as {period.rule}")
        if article.published_how in ("anchored", "estimated"):
            allows = f"; it allows {article.publication.span()}" if article.publication.uncertain else ""
            row.flag(f"publication date {article.published.isoformat()} {article.published_how} from the text "
                     f"({article.publication.evidence}{allows})")
        if article.published_how == "estimated" and _moves_with_publication(period, article.publication):
            report.date_doubt = article.publication.span()
    if article.published_how in ("anchored", "estimated") and article.publication.year_from and \
            _moves_with_year(period, article.published):
        report.year_doubt = article.publication.year_from
        row.flag(f"publication year inferred from {article.publication.year_from}", 0.2)
    if source != "sentence":
        row.flag(f"period from the {source}", 0.05)
    return period


def _moves_with_publication(period, publication) -> bool:
    """True when the period would read otherwise on another publication day the text allows ("over the past three
    days" does, "on Tuesday" within the week of a story does not)."""
    if not publication.uncertain:
        return False
    if publication.latest is None:
        return True
    other = [p for p in find_periods(period.text, publication.latest) if p.text == period.text]
    return not other or (other[0].start_date, other[0].end_date) != (period.start_date, period.end_date)


def _moves_with_year(period, published) -> bool:
    """True when the period would read otherwise were the article published a year earlier ("between Dec. 1 and
    Jan. 19" does, "since 1 December 2019" does not)."""
    other = [p for p in find_periods(period.text, published - dt.timedelta(days=365)) if p.text == period.text]
    return not other or (other[0].start_date, other[0].end_date) != (period.start_date, period.end_date)


def _set_agency(row: _Row, agency: str, agency_from, around, reading: _Reading) -> None:
    if agency_from is not None:
        row.flag("agency named in a neighbouring sentence", 0.05)
    if agency == "UN" and any(name == "UN OCHA" for j in around for name, _, _ in reading.info[j]["agencies"]):
        agency = "UN OCHA"
    row.report.agency = agency
    if not agency:
        row.confidence -= 0.1


def _places(row: _Row, bound: Bound, index: int, reading: _Reading, follow):
    """Origins and destinations: the figure's stretch; the rest of its sentence when the stretch names no origin;
    the sentences that carry on its story when those name none or only coarse areas (a country, a governorate, a
    region) and they name finer places ("has left the Maaret al-Numan region almost empty")."""
    kind, text, data = row.report.kind, reading.sentences[index].text, reading.info[index]
    origins, destinations, places = split_roles(bound, kind, data, text, reading.gazetteer)
    if not origins and not destinations and bound.part_of is not None:
        origins, destinations, _ = split_roles(bound.part_of, kind, data, text, reading.gazetteer)
        if origins or destinations:
            row.flag("places of the figure it is part of", 0.05)
    if kind == "displacement" and not origins:
        origins = sentence_origins(bound, data, text, reading.gazetteer)
        if origins:
            row.flag("origin named earlier in the sentence", 0.05)
    if kind == "incident":
        return places + origins + destinations, []
    if not origins and not destinations and index > 0:
        destinations = _named_before(bound, text, reading.info[index - 1]["places"], reading.gazetteer)
        if destinations:
            subject = _ANAPHOR_RE.fullmatch(text, 0, bound.term_start).group(1)
            row.flag(f"destination from the previous sentence ({subject!r})", 0.1)
    finer = _finer_places(follow, reading, origins, destinations)
    if finer is not None:
        row.flag("finer places from the next sentence" if origins or destinations else
                 "places from the next sentence", 0.05)
        origins, destinations = finer
    return origins, destinations


_ANAPHOR_RE = re.compile(r"\s*((?:these|those|the|both)\s+(?:two\s+|three\s+|four\s+|[\w-]+\s+){0,2}?"
                          r"(?:locations|areas|sites|camps|places|towns|villages|communities|sub-?districts|districts|"
                          r"shelters|settlements))\s+(?:(?:have|has|had|also|alone|already|recently|together)\s+)*$",
                          re.IGNORECASE)


def _named_before(bound, text, previous, gazetteer) -> list:
    """"These locations received 20,000 people": the places the sentence before named, when a verb of taking in
    has such a subject."""
    if bound.term_start < 0 or not RECEIVE_RE.match(text, bound.term_start) or \
            not _ANAPHOR_RE.fullmatch(text, 0, bound.term_start):
        return []
    named = [m for m in previous if m.place is not None and m.place.kind != "country"]
    prune_places(named, gazetteer)
    return named


def _finer_places(follow, reading: _Reading, origins, destinations):
    """(origins, destinations) with those that are missing or coarse taken from the first sentence that carries on
    the story and names finer ones; None when no such sentence does."""
    want_origins = all(_coarse(m) for m in origins)
    want_destinations = all(_coarse(m) for m in destinations)
    named = {m.place.id for m in origins + destinations if m.place is not None}
    for j in follow if want_origins or want_destinations else ():
        f_origins, f_dests, _ = split_roles(None, "displacement", reading.info[j], reading.sentences[j].text,
                                            reading.gazetteer)
        fine = [m for m in f_origins if not _coarse(m) and _new(m, named)] if want_origins else []
        # A part of a governorate listed with them ("Ariha, villages in southern Idlib and ...") is one more origin.
        text = reading.sentences[j].text
        f_origins = [m for m in f_origins if _new(m, named) and (m in fine or fine and _part_of_area(m, fine, text))]
        f_dests = [m for m in f_dests if not _coarse(m) and _new(m, named)] if want_destinations else []
        if f_origins or f_dests:
            return f_origins or origins, f_dests or destinations
    return None


_LOCATES_RE = re.compile(r"\s*,?\s*(?:in|of|within|dans)\s+(?:the\s+|la\s+|le\s+)?$", re.IGNORECASE)


def _part_of_area(mention, fine, text) -> bool:
    """A compass part of a governorate ("southern Idlib") that is a place of its own in a list, not the area that
    locates the place just before it ("the Ariha region in southern Idlib")."""
    place = mention.place
    if place is None or place.kind != "region" or not _COMPASS_RE.match(place.name):
        return False
    before = [m for m in fine if m.end <= mention.start]
    return not (before and _LOCATES_RE.fullmatch(text, before[-1].end, mention.start))


def _new(mention, named) -> bool:
    return mention.place is None or mention.place.id not in named


_COARSE_KINDS = ("country", "governorate", "admin1", "province")
_COMPASS_RE = re.compile(r"(?:north|south|east|west|central)", re.IGNORECASE)


def _coarse(mention) -> bool:
    """A country, a governorate or a part of one named by a compass point ("northwestern Syria", "southern Idlib"):
    too coarse to draw a movement from when the story names a finer place."""
    place = mention.place
    return place is not None and (place.kind in _COARSE_KINDS or place.kind == "region" and
                                  bool(_COMPASS_RE.match(place.name)))


def _set_places(row: _Row, origins, destinations) -> None:
    report = row.report
    report.origin = ";".join(m.name for m in origins)
    report.destination = ";".join(m.name for m in destinations)
    report.origin_ids = tuple(m.place.id for m in origins if m.place is not None)
    report.destination_ids = tuple(m.place.id for m in destinations if m.place is not None)
    report.origin_within = _within_hint(origins)
    report.destination_within = _within_hint(destinations)
    report.unplaced = tuple(m.name for m in origins + destinations if m.place is None)
    if report.unplaced:
        row.flag("could not place " + ", ".join(repr(n) for n in report.unplaced), 0.1)
    report.role_doubts = tuple((m.name, m.doubt) for m in destinations if m.doubt)
    report.weak_roles = tuple((m.name, "origin") for m in origins if m.weak) + tuple(
        (m.name, "destination") for m in destinations if m.weak and not m.doubt)
    if report.weak_roles:
        row.flag("role of a place read from the verb alone", 0.2)
    if report.role_doubts:
        row.flag("camps listed among places fled from read as where people went", 0.2)
    if not origins and not destinations:
        row.confidence -= 0.2


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

def _merge_repeats(reports: list[ExtractedReport]) -> list[ExtractedReport]:
    """One row per statement: a headline and the lede that repeat a figure become one row (the fuller one)."""
    out: list[ExtractedReport] = []
    slots: dict[tuple, list[int]] = {}  # rows that may be the same statement, by their figure: indexes into out
    for report in reports:
        key = (report.kind, report.unit, report.is_return, report.figure, report.figure_min, report.figure_max)
        slot = next((i for i in slots.get(key, [])[-50:] if _same_statement(out[i], report)), None)
        if slot is None:
            slots.setdefault(key, []).append(len(out))
            out.append(report)
            continue
        twin = out[slot]
        keep, other = (twin, report) if _richness(twin) >= _richness(report) else (report, twin)
        for name in ("period_start", "period_end", "origin", "destination", "origin_within", "destination_within",
                     "agency", "qualifier"):
            if not getattr(keep, name) and getattr(other, name):
                setattr(keep, name, getattr(other, name))
                if name == "origin":
                    keep.origin_ids = other.origin_ids
                if name == "destination":
                    keep.destination_ids, keep.role_doubts = other.destination_ids, other.role_doubts
        keep.weak_roles = tuple(w for w in dict.fromkeys(keep.weak_roles + other.weak_roles)
                                if w[0] in getattr(keep, w[1]).split(";"))
        named = set(keep.origin.split(";")) | set(keep.destination.split(";"))
        keep.unplaced = tuple(n for n in dict.fromkeys(keep.unplaced + other.unplaced) if n in named)
        keep.note = "; ".join(filter(None, [keep.note, f"also stated at char {other.char_start}"]))
        out[slot] = keep
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
