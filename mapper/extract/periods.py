"""Dates and periods in a sentence, resolved against the publication date."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from .vocabulary import MONTH_RE, SPEECH_RE, WEEKDAYS, WEEKDAY_RE, month_number


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
_M = rf"({MONTH_RE})"
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
    ("since_weekday", 1, rf"\b(?:since|depuis)\s+{WEEKDAY_RE}"),
    # past N units
    ("past_n", 2, r"\b(?:over|in|during|within|for)\s+the\s+(?:past|last|previous)\s+(\d+|[a-z]+|couple of)\s+"
                  r"(hours?|days?|weeks?|months?)"),
    ("past_n_fr", 2, r"\b(?:au cours des|ces|pendant les|durant les|lors des)\s+(\d+|[a-zé]+)\s+(?:derni[èe]re?s\s+)?"
                     r"(heures|jours|semaines|mois)(?:\s+derni[èe]re?s)?"),
    ("past_one", 2, r"\b(?:over|in|during|within|for)\s+the\s+(?:past|last|previous)\s+(hour|day|week|month)\b"),
    ("in_n_hours", 2, r"\bin\s+(?:just\s+|only\s+)?(\d+|[a-z]+)\s+(hours|days)\b"),
    ("past_few", 2, r"\b(?:in|over|during)\s+(?:the\s+)?(?:past|last|recent)\s+(few|several)\s+(days|weeks)"),
    # single days
    ("day_dm", 3, rf"\b(?:on\s+|le\s+)?(?:{WEEKDAY_RE},?\s+)?{_D}\s+{_M}{_Y}"),
    ("day_md", 3, rf"\b(?:on\s+)?(?:{WEEKDAY_RE},?\s+)?{_M}\s+{_D}(?!\d){_Y}"),
    ("yesterday", 3, r"\b(?:yesterday|hier)\b"),
    ("today", 3, r"\b(?:today|this morning|tonight|aujourd'hui|ce matin)\b"),
    ("weekday", 4, rf"\b(?:on\s+|last\s+|this\s+|ce\s+)?{WEEKDAY_RE}(?:\s+(?:evening|morning|night|soir|matin))?\b"),
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
            month1 = month_number(m1) if m1 else month_number(m2)
            month2 = month_number(m2) if m2 else month1
            year2 = year_or(y, month2, int(d2))
            year1 = year2 - 1 if month1 > month2 else year2
            return dt.date(year1, month1, int(d1)), dt.date(year2, month2, int(d2)), "stated range"
        if rule == "range_parts":
            p1, m1, p2, m2, y = g
            month1, month2 = month_number(m1), month_number(m2)
            year2 = year_or(y, month2)
            year1 = year2 - 1 if month1 > month2 else year2
            return _part_day(p1, year1, month1), _part_day(p2, year2, month2), "stated range"
        if rule == "range_dash":
            d1, d2, m1, y = g
            month = month_number(m1)
            year = year_or(y, month, int(d2))
            return dt.date(year, month, int(d1)), dt.date(year, month, int(d2)), "stated range"
        if published is None and rule not in ("day_dm", "day_md", "in_year"):
            raise LookupError
        if rule == "since_part":
            part, mon, y = g
            month = month_number(mon)
            year = year_or(y, month)
            return _part_day(part, year, month), published, f"since the {part.lower()} of the month"
        if rule == "since_early":
            part, mon, y = g
            month = month_number(mon)
            year = year_or(y, month)
            key = {"début": "early", "fin": "end", "mi": "mid"}.get(part.lower(), part.lower())
            return _part_day(key if key != "early" else "beginning", year, month), published, f"since {key} month"
        if rule in ("since_dm", "since_md"):
            d, mon, y = g if rule == "since_dm" else (g[1], g[0], g[2])
            month = month_number(mon)
            return dt.date(year_or(y, month, int(d)), month, int(d)), published, "since a date"
        if rule == "since_month":
            mon, y = g
            month = month_number(mon)
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
            month = month_number(mon)
            if month is None:
                return None
            day = dt.date(year_or(y, month, int(d)), month, int(d))
            return day, day, "stated day"
        if rule == "yesterday":
            return published - dt.timedelta(days=1), published - dt.timedelta(days=1), "the day before publication"
        if rule == "today":
            return published, published, "the publication day"
        if rule == "weekday":
            day = _weekday_number(re.search(WEEKDAY_RE, m.group(0), re.IGNORECASE).group(0))
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
            month = month_number(mon)
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
    for names in WEEKDAYS.values():
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
            if rule == "weekday" and (SPEECH_RE.search(sentence[max(0, a - 12):a])
                                      or SPEECH_RE.match(sentence[b:b + 12].lstrip())):
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


def date_spans(sentence: str) -> list[tuple[int, int]]:
    """Spans of every date-like expression, resolved or not (so their numbers are not taken as figures)."""
    spans = []
    for _rule, _rank, regex in _PERIOD_RES:
        spans.extend((m.start(), m.end()) for m in regex.finditer(sentence))
    spans.extend((m.start(), m.end()) for m in re.finditer(
        rf"\b{_M}\s+\d{{1,2}}\b|\b\d{{1,2}}\s+{_M}|\b(?:19|20)\d{{2}}\b|\b\d{{1,2}}:\d{{2}}\b|"
        r"\b\d+(?:[.,]\d+)?\s*(?:percent|per cent|%|km|kilomet(?:re|er)s?|miles|years?|months?|weeks?|days?|hours?|"
        r"minutes?|pour cent|ans|jours|heures|semaines)\b|\(\d+\)", sentence, re.IGNORECASE))
    return spans
