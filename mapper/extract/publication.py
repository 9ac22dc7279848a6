"""When and by whom an article was published, read from its text when no header says.

The publication date is what relative periods ("over the past two weeks", "on Tuesday") are read against, so it is
found in this order, and the way it was found is kept (:attr:`Publication.how`) for the rows' notes:

1. **stated**: a line of its own near the top or the bottom holding a full date — a dateline ("27 December, 2019"),
   "Published on 27 Dec 2019", "Updated: 2019-12-27", a byline with a date ("By A. Writer | 27 December 2019");
2. **anchored**: the text dates its own day — "yesterday (December 24)" is the 25th, "said Sunday (December 22)" or
   "today (22 December)" is the 22nd;
3. **estimated**: no anchor, but days named ("Dec. 16: ...") and weekdays ("On Tuesday, ..."): the first day on or
   after the latest day named for which every weekday named falls within the three days before that latest day or
   after it (a news story's weekdays are those of its own week). The text does not fix the day: it could be any
   day up to six days after the earliest of those weekdays (a story names the weekdays of the past week), which
   :attr:`Publication.latest` keeps (None when no weekday bounds it: only "on or after" is known). Rows whose
   periods count from the publication day ("this week", "since 1 December") then need review.

Without a year written with the day they read, (2) and (3) need the year from elsewhere: a year the text writes
with another month or day ("since 1 December 2019"; a year alone, "a truce agreed in 2018", names some other event
and dates nothing), else :func:`date_articles` lends the year of the other articles of a batch when the text's
weekdays agree with it ("Saturday December 21" is a Saturday in 2019); a text that names no weekday is lent no year
but one it names alone ("attacks in 2019"). Such a year is only inferred unless a day named with its weekday bears
it out: :attr:`Publication.year_from` says where it came from, and rows whose periods depend on it need review.
Nothing is guessed beyond that: an article with no date stays undated, and its relative periods stay empty.

The publisher: a ``Publisher:`` header, else a masthead or sign-off line ("Support The Moscow Times!", "Zaman Al
Wasl, Agencies", "© Le Monde"), else a wire agency credited in a dateline ("BEIRUT (AFP) -").
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, replace

from .vocabulary import DAY_RE, MONTH_RE, WEEKDAY_RE, WEEKDAYS, month_number


@dataclass(frozen=True)
class Publication:
    """What the text says of its publication: ``date`` (None when not found) and how it was found."""

    date: dt.date | None = None
    how: str = ""  # "stated" | "anchored" | "estimated" ("" when not found)
    evidence: str = ""  # the words it was read from
    publisher: str = ""
    # Without a year: the anchor or latest day as (month, day), and the weekday facts [(month, day, weekday)].
    month_day: tuple | None = None
    weekday_facts: tuple = ()
    weekdays: tuple = ()  # weekday numbers named without a date (0 = Monday)
    anchor_offset: int | None = None  # days from the anchor to publication (1 for "yesterday"); None: estimate
    latest: dt.date | None = None  # the last day the text allows ("stated", "anchored": the date itself)
    day_year: int | None = None  # the year written with the day the date is read from ("12 February 2020")
    # Where the year came from when it was not written with that day ("the year 2019 named with another date",
    # "the year 2019 of the other articles"): "" when written with it, or stated.
    year_from: str = ""
    years_named: tuple = ()  # years the text names alone ("in 2019"): they date it only with a batch that agrees

    @property
    def uncertain(self) -> bool:
        """True when the text allows other publication days than :attr:`date` (an estimate)."""
        return self.date is not None and self.latest != self.date

    def span(self) -> str:
        """The days the text allows, in words ("2019-12-26 to 2020-01-01", "on or after 2019-12-01")."""
        if self.date is None:
            return ""
        if self.latest is None:
            return f"on or after {self.date.isoformat()}"
        if self.latest == self.date:
            return self.date.isoformat()
        return f"{self.date.isoformat()} to {self.latest.isoformat()}"


_DAY = DAY_RE
_FULL_DATE = (rf"(?:{WEEKDAY_RE},?\s+)?(?:{_DAY}\s+({MONTH_RE}),?\s+(\d{{4}})|({MONTH_RE})\s+{_DAY},?\s+(\d{{4}})"
              r"|(\d{4})-(\d{2})-(\d{2})|(\d{1,2})/(\d{1,2})/(\d{4}))")
_STATED_LINE_RE = re.compile(
    r"^(?:(?:published|updated|posted|last updated|date|publié|mis à jour)(?:\s+(?:on|le))?\s*:?\s*)?"
    rf"(?:by\s+[^|•\n]{{1,60}}[|•,-]\s*)?{_FULL_DATE}\b", re.IGNORECASE)
_ANCHOR_RE = re.compile(
    rf"\b(yesterday|today|hier|aujourd'hui|(?:said|says|on|reported|announced|dit|a indiqué|le)\s+({WEEKDAY_RE}))"
    rf"\s*\(\s*(?:{WEEKDAY_RE},?\s+)?(?:({MONTH_RE})\s+{_DAY}|{_DAY}\s+({MONTH_RE}))\s*\)", re.IGNORECASE)
_DAY_NAMED_RE = re.compile(rf"(?:({WEEKDAY_RE}),?\s+)?(?:\(\s*)?(?:({MONTH_RE})\s+{_DAY}(?!\d)|{_DAY}\s+({MONTH_RE}))"
                           r"(?:,?\s+(\d{4})(?!\d))?",
                           re.IGNORECASE)
_RANGE_NAMED_RE = re.compile(rf"(?:({MONTH_RE})\s+\d{{1,2}}|\b\d{{1,2}})\s*(?:and|to|-|–|et|au)\s*{_DAY}(?!\d)"
                             rf"(?:\s+({MONTH_RE}))?", re.IGNORECASE)
_WEEKDAY_NAMED_RE = re.compile(rf"\b{WEEKDAY_RE}\b", re.IGNORECASE)
_YEAR_RE = re.compile(r"(?<![\d.,])(19[5-9]\d|20\d\d)(?![\d.,]\d)")
_DATED_YEAR_RE = re.compile(rf"(?:{MONTH_RE}),?\s+(?:\d{{1,2}}(?:st|nd|rd|th|er)?,?\s+)?(19[5-9]\d|20\d\d)(?!\d)"
                            r"|(?<!\d)(19[5-9]\d|20\d\d)-\d\d-\d\d(?!\d)", re.IGNORECASE)
_MASTHEAD_RES = [
    re.compile(r"^(?i:support|subscribe to|welcome to)\s+((?:The\s+)?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,4})"
               r"\s*!?\s*$"),
    re.compile(r"^((?:The\s+)?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,4}),\s+(?:Agencies|agencies|with agencies)\.?$"),
    re.compile(r"^(?:©|\(c\)|copyright)\s*(?:\d{4}\s+)?((?:The\s+)?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,4})",
               re.IGNORECASE),
    re.compile(r"[.!?]\s+((?:The\s+)?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,4}),\s+(?:Agencies|with agencies)\.?$"),
]
# "BEIRUT, Dec 27 (Reuters) -": a wire dateline gives the day of the story (the year comes from elsewhere).
_WIRE_DATELINE_RE = re.compile(rf"^[A-ZÀ-Ý][\w .'’-]{{1,40}},\s+(?:({MONTH_RE})\s+{_DAY}|{_DAY}\s+({MONTH_RE}))\s*"
                               r"\((?:AFP|AP|Reuters|dpa|Anadolu|AA|Xinhua|SANA)\)", re.IGNORECASE | re.MULTILINE)
_WIRE_CREDIT_RE = re.compile(r"^[A-ZÀ-Ý][\w .,'’-]{1,40}?\s*\((AFP|AP|Reuters|dpa|Anadolu|AA|Xinhua|SANA)\)\s*[-–—:]")


#: Days and years are looked for in the first this many characters of the body (a long text is read no further).
_READ_FOR_DATES = 20_000


def find_publication(body: str) -> Publication:
    """What the body of an article says of its publication (see the module's notes for the order of evidence)."""
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
    publisher = _publisher(lines)
    stated = _stated_date(lines[:12] + lines[-6:])
    if stated is not None:
        return Publication(stated[0], "stated", stated[1], publisher, latest=stated[0])
    head = body[:_READ_FOR_DATES]
    # Only a year written with a month or a day dates the story: a year alone names some other event ("a
    # de-escalation agreement in 2018", "the war began in 2011").
    years = sorted({int(m.group(1) or m.group(2)) for m in _DATED_YEAR_RE.finditer(head)})
    partial = replace(_partial(head, publisher), years_named=tuple(sorted({int(y) for y in _YEAR_RE.findall(head)})))
    if partial.day_year is not None:
        years = [partial.day_year]
    return resolve_year(partial, years[-1:], "named with another date") if years else partial


def resolve_year(pub: Publication, years, source: str = "") -> Publication:
    """Complete a partial publication with the first of ``years`` that agrees with the text's weekdays
    (``source``: where those years come from, kept in :attr:`Publication.year_from` when the year is not the one
    written with the day the date is read from)."""
    if pub.date is not None or pub.month_day is None:
        return pub
    for year in years:
        day = _complete(pub, year)
        if day is not None:
            # A day named with its weekday ("Saturday December 21") that falls on it in that year bears it out.
            year_from = "" if year == pub.day_year or pub.weekday_facts else f"the year {year} {source}".rstrip()
            return replace(pub, date=day, latest=_latest(pub, day), year_from=year_from)
    return pub


def date_articles(publications: list[Publication]) -> list[Publication]:
    """Lend undated publications of a batch the years of the dated ones (most common first), where the weekdays
    their texts name agree with that year."""
    years = [year for year, _ in Counter(p.date.year for p in publications if p.date).most_common()]
    # Only a text that names weekdays can agree with a year: without one, any year would do, and none is lent but
    # one the text names itself ("attacks in 2019").
    return [p if p.date is not None else
            resolve_year(p, years, "of the other articles") if p.weekdays or p.weekday_facts else
            resolve_year(p, [y for y in years if y in p.years_named], "named in the text and of the other articles")
            for p in publications]


def _stated_date(lines) -> tuple[dt.date, str] | None:
    for line in lines:
        if len(line) > 100:
            continue
        m = _STATED_LINE_RE.match(line)
        if m and len(line) - m.end() < 25:  # the line is about the date, not a sentence that names one
            day = _full_date(m)
            if day is not None:
                return day, line
    return None


def _full_date(m) -> dt.date | None:
    if m is None:
        return None
    g = m.groups()
    try:
        if g[0]:
            return dt.date(int(g[2]), month_number(g[1]), int(g[0]))
        if g[3]:
            return dt.date(int(g[5]), month_number(g[3]), int(g[4]))
        if g[6]:
            return dt.date(int(g[6]), int(g[7]), int(g[8]))
        return dt.date(int(g[11]), int(g[10]), int(g[9]))  # day/month/year, as most outlets outside the US write
    except (TypeError, ValueError):
        return None


def _partial(body: str, publisher: str) -> Publication:
    """The anchor or the latest day named, and the weekday facts, before a year is known."""
    facts = []
    for m in _DAY_NAMED_RE.finditer(body):
        weekday, month = m.group(1), month_number(m.group(2) or m.group(5) or "")
        day = int(m.group(3) or m.group(4))
        if month and 1 <= day <= 31:
            facts.append((month, day, _weekday(weekday) if weekday else None, m.group(0), m.group(6)))
    for m in _RANGE_NAMED_RE.finditer(body):  # the end of "between Dec. 12 and 25", "12-25 December"
        month = month_number(m.group(1) or m.group(3) or "")
        if month and 1 <= int(m.group(2)) <= 31:
            facts.append((month, int(m.group(2)), None, m.group(0), None))
    anchors = []
    for m in _ANCHOR_RE.finditer(body):
        month = month_number(m.group(3) or m.group(6) or "")
        day = int(m.group(4) or m.group(5))
        offset = 1 if m.group(1).lower() in ("yesterday", "hier") else 0
        weekday = _weekday(m.group(2)) if m.group(2) else None
        if month:
            anchors.append((month, day, offset, weekday, m.group(0)))
    for m in _WIRE_DATELINE_RE.finditer(body[:2000]):
        month = month_number(m.group(1) or m.group(4) or "")
        if month:
            anchors.append((month, int(m.group(2) or m.group(3)), 0, None, m.group(0)))
    weekday_facts = tuple((mo, d, w) for mo, d, w, _t, _y in facts if w is not None)
    weekday_facts += tuple((mo, d, w) for mo, d, _o, w, _ in anchors if w is not None)
    if anchors:
        month, day, offset, _w, words = max(anchors, key=lambda a: (a[0], a[1] + a[2]))
        return Publication(None, "anchored", words, publisher, (month, day), weekday_facts, (), offset)
    if not facts:
        return Publication(publisher=publisher)
    # A day named with its year ("1 December 2019", "12 February 2020") is compared with its year; the others are
    # taken to lie in the latest year named with a day; days of December and of January named together without
    # years, in a text naming no year, run over the new year (January is the later).
    year = max((int(f[4]) for f in facts if f[4]), default=0)
    months = [f[0] for f in facts if not f[4]]
    wraps = bool(months) and max(months) - min(months) > 6 and not _DATED_YEAR_RE.search(body)
    month, day, _w, words, _y = max(facts, key=lambda f: (int(f[4]) if f[4] else year,
                                                          f[0] + 12 if wraps and not f[4] and f[0] <= 6 else f[0],
                                                          f[1]))
    named = tuple(sorted({_weekday(w.group(0)) for w in _WEEKDAY_NAMED_RE.finditer(body)}))
    return Publication(None, "estimated", f"latest day named: {words!r}", publisher, (month, day), weekday_facts,
                       named, None, day_year=int(_y) if _y else None)


def _complete(pub: Publication, year: int) -> dt.date | None:
    """The publication day in ``year``, or None when the text's weekdays disagree with that year."""
    try:
        if any(dt.date(year, mo, d).weekday() != w for mo, d, w in pub.weekday_facts):
            return None
        latest = dt.date(year, *pub.month_day)
    except ValueError:
        return None
    if pub.anchor_offset is not None:
        return latest + dt.timedelta(days=pub.anchor_offset)
    day = latest
    # Every weekday named lies in the three days before the latest day named, or after it, up to publication.
    while any(not _weekday_within(w, latest, day) for w in pub.weekdays) and day < latest + dt.timedelta(days=6):
        day += dt.timedelta(days=1)
    return day


def _latest(pub: Publication, day: dt.date) -> dt.date | None:
    """The last publication day the text allows when ``day`` is the first: the day itself for an anchor; for an
    estimate, six days after the earliest weekday it names as it falls on or before ``day`` (None: none named)."""
    if pub.anchor_offset is not None:
        return day
    if not pub.weekdays:
        return None
    return min(day - dt.timedelta(days=(day.weekday() - w) % 7) for w in pub.weekdays) + dt.timedelta(days=6)


def _weekday_within(weekday: int, latest: dt.date, published: dt.date) -> bool:
    last = published - dt.timedelta(days=(published.weekday() - weekday) % 7)
    return last >= latest - dt.timedelta(days=3)


def _weekday(word: str) -> int:
    word = word.lower()
    for names in WEEKDAYS.values():
        if word in names:
            return names.index(word)
    return -1


def _publisher(lines) -> str:
    for line in lines[:3] + lines[-8:]:
        for regex in _MASTHEAD_RES:
            m = regex.search(line)
            if m and len(m.group(1)) > 2:
                return m.group(1).strip()
    for line in lines[:8]:
        m = _WIRE_CREDIT_RE.match(line)
        if m:
            return m.group(1)
    return ""
