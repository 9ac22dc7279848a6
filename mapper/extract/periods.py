"""Dates and periods in a sentence, resolved against the publication date."""

from __future__ import annotations

import calendar
import functools
import datetime as dt
import re
from dataclasses import dataclass

from .sentences import words_of
from .vocabulary import DAY_RE, MONTH_ABBR, MONTH_RE, MONTHS, SPEECH_RE, WEEKDAYS, WEEKDAY_RE, month_number


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
              "mois": 30, "ساعة": 1 / 24, "يوما": 1, "يوماً": 1, "أيام": 1, "يوم": 1, "أسابيع": 7, "أسبوعا": 7,
              "أسبوع": 7}
_AR_PART = {"بداية": "beginning", "مطلع": "beginning", "أوائل": "beginning", "منتصف": "middle", "أواخر": "end",
            "نهاية": "end"}
_PART_OF_MONTH = {"beginning": 1, "start": 1, "early": 1, "début": 1, "debut": 1, "mid": 15, "middle": 15,
                  "mi": 15, "milieu": 15, "late": 21, "end": -1, "fin": -1}


def _part_day(part: str, year: int, month: int) -> dt.date:
    day = _PART_OF_MONTH[part.lower()]
    return _month_end(year, month) if day == -1 else dt.date(year, month, day)


def _span_number(word: str) -> float | None:
    word = word.lower()
    if word.isdigit():
        return float(word)
    return _NUM_WORD.get(word)


def _weekday_number(word: str) -> int:
    word = word.lower()
    for names in WEEKDAYS.values():
        if word in names:
            return names.index(word)
    raise LookupError(word)


def _year(y, month: int, published: dt.date | None, day: int = 1) -> int:
    """The year written, or the one that puts the day on or before publication (LookupError without either)."""
    if y:
        return int(y)
    if published is None:
        raise LookupError("no year and no publication date")
    return _year_for(month, day, published)


def _needs(published: dt.date | None) -> dt.date:
    """The publication date, for readings relative to it (LookupError without one)."""
    if published is None:
        raise LookupError("relative period without a publication date")
    return published


# Readers: (match groups, whole match text, publication date) -> (first day, last day, reading) or None.
# A reader raises LookupError, ValueError or TypeError when the phrase cannot be resolved.

def _read_range(g, _text, published, *, month_first=False):
    # "between 12 and 25 December" names the month once at the end, "between Dec. 12 and 25" at the start.
    d1, m1, d2, m2, y = (g[1], g[0], g[3], g[2], g[4]) if month_first else g
    month1 = month_number(m1) if m1 else month_number(m2)
    month2 = month_number(m2) if m2 else month1
    year2 = _year(y, month2, published, int(d2))
    year1 = year2 - 1 if month1 > month2 else year2
    return dt.date(year1, month1, int(d1)), dt.date(year2, month2, int(d2)), "stated range"


def _read_range_parts(g, _text, published):
    p1, m1, p2, m2, y = g
    month1, month2 = month_number(m1), month_number(m2)
    year2 = _year(y, month2, published)
    year1 = year2 - 1 if month1 > month2 else year2
    return _part_day(p1, year1, month1), _part_day(p2, year2, month2), "stated range"


def _read_range_dash(g, _text, published):
    d1, d2, mon, y = g
    month = month_number(mon)
    year = _year(y, month, published, int(d2))
    return dt.date(year, month, int(d1)), dt.date(year, month, int(d2)), "stated range"


def _read_since_part(g, _text, published):
    part, mon, y = g
    month = month_number(mon)
    first = _part_day(part, _year(y, month, published), month)
    return first, _needs(published), f"since the {part.lower()} of the month"


def _read_since_early(g, _text, published):
    part, mon, y = g
    month = month_number(mon)
    key = {"début": "early", "fin": "end", "mi": "mid"}.get(part.lower(), part.lower())
    first = _part_day(key if key != "early" else "beginning", _year(y, month, published), month)
    return first, _needs(published), f"since {key} month"


def _read_since_day(g, _text, published, *, month_first=False):
    d, mon, y = (g[1], g[0], g[2]) if month_first else g
    month = month_number(mon)
    return dt.date(_year(y, month, published, int(d)), month, int(d)), _needs(published), "since a date"


def _read_since_month(g, _text, published):
    mon, y = g
    month = month_number(mon)
    return dt.date(_year(y, month, published), month, 1), _needs(published), "since the 1st of the month"


def _read_since_weekday(_g, text, published):
    day = _weekday_number(text.split()[-1])
    published = _needs(published)
    return _last_weekday(published - dt.timedelta(days=1), day), published, "since the last such weekday"


def _read_past_one(g, _text, published):
    days = {"hour": 1, "day": 1, "week": 7, "month": 30}[g[0].lower()]
    published = _needs(published)
    return published - dt.timedelta(days=days), published, f"one {g[0].lower()} back from publication"


def _read_past_n(g, _text, published):
    count, unit = g[0], g[1].lower()
    number = _span_number(count)
    if number is None:
        return None
    published = _needs(published)
    reading = f"{count} {unit} back from publication"
    if count.lower() in ("few", "several", "quelques", "plusieurs"):
        reading = f"'{count} {unit}' read as {int(number)}"
    if unit in ("month", "months", "mois") and float(number).is_integer():
        return _months_back(published, int(number)), published, reading  # "the past two months": calendar months
    days = max(1, round(number * _SPAN_DAYS.get(unit, _SPAN_DAYS.get(unit + "s", 1))))
    return published - dt.timedelta(days=days), published, reading


def _months_back(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months before (the month's last day when it has no such day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _read_full_range(g, _text, published):
    """"from 1 December 2019 to 12 February 2020", "منذ 1 كانون الأول 2019 حتى 12 شباط 2020": both ends dated."""
    d1, m1, y1, d2, m2, y2 = g
    month1, month2 = month_number(m1), month_number(m2)
    year2 = _year(y2, month2, published, int(d2))
    year1 = int(y1) if y1 else year2 - 1 if (month1, int(d1)) > (month2, int(d2)) else year2
    return dt.date(year1, month1, int(d1)), dt.date(year2, month2, int(d2)), "stated range"


def _read_day(g, _text, published, *, month_first=False):
    mon, d, y = g if month_first else (g[1], g[0], g[2])
    month = month_number(mon)
    if month is None:
        return None
    day = dt.date(_year(y, month, published, int(d)), month, int(d))
    return day, day, "stated day"


def _read_yesterday(_g, _text, published):
    day = _needs(published) - dt.timedelta(days=1)
    return day, day, "the day before publication"


def _read_today(_g, _text, published):
    return _needs(published), published, "the publication day"


def _read_weekday(_g, text, published):
    date = _last_weekday(_needs(published), _weekday_number(re.search(WEEKDAY_RE, text, re.IGNORECASE).group(0)))
    if text.lower().startswith("last ") and date == published:
        date -= dt.timedelta(days=7)
    return date, date, "the last such weekday up to publication"


def _read_this_week(_g, _text, published):
    published = _needs(published)
    return published - dt.timedelta(days=published.weekday()), published, "this week up to publication"


def _read_last_week(_g, _text, published):
    monday = _needs(published) - dt.timedelta(days=published.weekday() + 7)
    return monday, monday + dt.timedelta(days=6), "the previous week (Monday to Sunday)"


def _read_this_month(_g, _text, published):
    return _needs(published).replace(day=1), published, "this month up to publication"


def _read_last_month(_g, _text, published):
    last = _needs(published).replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last, "the previous month"


def _read_in_month(g, _text, published):
    mon, y = g
    month = month_number(mon)
    year = _year(y, month, _needs(published))
    end = min(_month_end(year, month), published)
    return dt.date(year, month, 1), end, "the month named"


def _read_in_year(g, _text, published):
    year = int(g[0])
    end = published if published and published.year == year else dt.date(year, 12, 31)
    return dt.date(year, 1, 1), end, "the year named"


@dataclass(frozen=True)
class PeriodRule:
    """One way a period is written: its name, rank (lower is more specific), pattern and reader."""

    name: str
    rank: int
    pattern: re.Pattern
    read: object  # (groups, text, published) -> (start, end, reading) | None
    needs: tuple = ()  # sets of words (lower case): the pattern cannot match without one word of each set


_D = DAY_RE
_M = rf"({MONTH_RE})"
_Y = r"(?:,?\s+(\d{4}))?"
_PART = (r"(beginning|start|end|middle|début|debut|fin|milieu)\s+(?:of\s+|de\s+|du\s+mois\s+de\s+|d['’])?"
         r"(?:the\s+month\s+of\s+)?")


# The words a rule cannot match without (one of them, as a whole word in lower case), so that a sentence is searched
# only by the rules it could match: a month, a weekday, or the rule's own leading words. A sentence in Arabic script
# is searched by every rule (its words take prefixes); the Arabic rules by no other.
_MONTH_WORDS = frozenset(name for names in ("en", "fr") for name in MONTHS[names]) | frozenset(MONTH_ABBR) | {
    "fevrier", "aout", "decembre", "fevr", "dec"}
_WEEKDAY_WORDS = frozenset(WEEKDAYS["en"] + WEEKDAYS["fr"])
_LEADING_WORDS = {
    "range_full": {"between", "from", "since", "entre", "du", "depuis"}, "days_pair": {"on", "les"},
    "days_pair_md": {"on"}, "range": {"between", "from", "entre", "du"}, "range_md": {"between", "from"},
    "range_parts": {"between", "from", "entre"},
    "since_part": {"since", "depuis"}, "since_early": {"since", "depuis"}, "since_dm": {"since", "depuis"},
    "since_md": {"since"}, "since_month": {"since", "depuis"}, "since_weekday": {"since", "depuis"},
    "past_n": {"past", "last", "previous"}, "past_n_fr": {"cours", "ces", "pendant", "durant", "lors"},
    "past_one": {"past", "last", "previous"}, "in_n_hours": {"hours", "days"}, "past_few": {"past", "last", "recent"},
    "yesterday": {"yesterday", "hier"}, "today": {"today", "morning", "tonight", "aujourd", "matin"},
    "this_week": {"week", "semaine"}, "last_week": {"week", "semaine"}, "this_month": {"month", "mois"},
    "last_month": {"month", "mois"}, "in_year": {"in", "during", "en"}, "in_month": {"in", "during", "en", "au"},
}


_ARABIC_ONLY = frozenset({"\u0600"})  # in no sentence's words: the Arabic rules are tried on Arabic script only


def _rule(name, rank, pattern, read, **options):
    reader = (lambda g, text, published: read(g, text, published, **options)) if options else read
    needs = (_ARABIC_ONLY,) if name.endswith("_ar") else tuple(words for words in (
        _MONTH_WORDS if _M in pattern else None, _WEEKDAY_WORDS if name.endswith("weekday") else None,
        frozenset(_LEADING_WORDS[name]) if name in _LEADING_WORDS else None) if words)
    return PeriodRule(name, rank, re.compile(pattern, re.IGNORECASE), reader, needs)


#: The period rules, most specific first; :func:`find_periods` tries them in this order.
PERIOD_RULES = [
    # explicit ranges
    _rule("range_full", 0, rf"(?:\b(?:between|from|since|entre|du|depuis\s+le)|منذ|من|بين)\s+(?:the\s+|le\s+|ال)?{_D}\s+"
                           rf"(?:من\s+)?(?:شهر\s+)?{_M}{_Y}\s*,?\s+(?:and|to|until|till|through|et|au|jusqu['’]au|"
                           rf"حتى|حتّى|لغاية|ولغاية|وحتى|وحتّى|إلى|الى|و)\s*(?:the\s+|le\s+|ال)?{_D}\s+(?:من\s+)?"
                           rf"(?:شهر\s+)?{_M}{_Y}", _read_full_range),
    _rule("range", 0, rf"\b(?:between|from|entre|du)\s+(?:the\s+|le\s+)?{_D}\s+(?:{_M}\s+)?(?:and|to|et|au)\s+"
                      rf"(?:the\s+|le\s+)?{_D}\s+{_M}{_Y}", _read_range),
    _rule("range_md", 0, rf"\b(?:between|from)\s+{_M}\s+{_D}\s+(?:and|to)\s+(?:{_M}\s+)?{_D}{_Y}", _read_range,
          month_first=True),
    _rule("range_parts", 0, rf"\b(?:between|from|entre)\s+(?:the\s+|la\s+|le\s+)?{_PART}{_M}\s+(?:and|to|et)\s+"
                            rf"(?:the\s+|la\s+|le\s+)?{_PART}{_M}{_Y}", _read_range_parts),
    _rule("range_dash", 0, rf"\b{_D}\s*[-–]\s*{_D}\s+{_M}{_Y}", _read_range_dash),
    # two days: "on 14 and 15 February", "les 14 et 15 février", "on February 14 and 15"
    _rule("days_pair", 0, rf"\b(?:on|les)\s+{_D}\s+(?:and|et)\s+{_D}\s+{_M}{_Y}", _read_range_dash),
    _rule("days_pair_md", 0, rf"\bon\s+{_M}\s+{_D}\s+and\s+(?:{_M}\s+)?{_D}(?!\d){_Y}", _read_range,
          month_first=True),
    # since ...
    _rule("since_part", 1, rf"\b(?:since|depuis)\s+(?:the\s+|le\s+|la\s+)?{_PART}{_M}{_Y}", _read_since_part),
    _rule("since_early", 1, rf"\b(?:since|depuis)\s+(early|mid|late|début|fin|mi)[-\s]{_M}{_Y}", _read_since_early),
    _rule("since_dm", 1, rf"\b(?:since|depuis\s+le)\s+{_D}\s+{_M}{_Y}", _read_since_day),
    _rule("since_md", 1, rf"\bsince\s+{_M}\s+{_D}(?!\d){_Y}", _read_since_day, month_first=True),
    _rule("since_month", 1, rf"\b(?:since|depuis)\s+{_M}{_Y}(?!\s*\d)", _read_since_month),
    _rule("since_weekday", 1, rf"\b(?:since|depuis)\s+{WEEKDAY_RE}", _read_since_weekday),
    # past N units
    _rule("past_n", 2, r"\b(?:over|in|during|within|for)\s+the\s+(?:past|last|previous)\s+(\d+|[a-z]+|couple of)\s+"
                       r"(hours?|days?|weeks?|months?)", _read_past_n),
    _rule("past_n_fr", 2, r"\b(?:au cours des|ces|pendant les|durant les|lors des)\s+(\d+|[a-zé]+)\s+"
                          r"(?:derni[èe]re?s\s+)?(heures|jours|semaines|mois)(?:\s+derni[èe]re?s)?", _read_past_n),
    _rule("past_one", 2, r"\b(?:over|in|during|within|for)\s+the\s+(?:past|last|previous)\s+(hour|day|week|month)\b",
          _read_past_one),
    _rule("in_n_hours", 2, r"\bin\s+(?:just\s+|only\s+)?(\d+|[a-z]+)\s+(hours|days)\b", _read_past_n),
    _rule("past_few", 2, r"\b(?:in|over|during)\s+(?:the\s+)?(?:past|last|recent)\s+(few|several)\s+(days|weeks)",
          _read_past_n),
    # single days
    _rule("day_dm", 3, rf"\b(?:on\s+|le\s+)?(?:{WEEKDAY_RE},?\s+)?{_D}\s+{_M}{_Y}", _read_day),
    _rule("day_md", 3, rf"\b(?:on\s+)?(?:{WEEKDAY_RE},?\s+)?{_M}\s+{_D}(?!\d){_Y}", _read_day, month_first=True),
    _rule("yesterday", 3, r"\b(?:yesterday|hier)\b", _read_yesterday),
    _rule("today", 3, r"\b(?:today|this morning|tonight|aujourd'hui|ce matin)\b", _read_today),
    _rule("weekday", 4, rf"\b(?:on\s+|last\s+|this\s+|ce\s+)?{WEEKDAY_RE}"
                        r"(?:\s+(?:evening|morning|night|soir|matin))?\b", _read_weekday),
    # loose spans
    _rule("this_week", 5, r"\b(?:this week|cette semaine)\b", _read_this_week),
    _rule("last_week", 5, r"\b(?:last week|la semaine dernière)\b", _read_last_week),
    _rule("this_month", 5, r"\b(?:this month|ce mois-ci|ce mois)\b", _read_this_month),
    _rule("last_month", 5, r"\b(?:last month|le mois dernier)\b", _read_last_month),
    _rule("in_month", 6, rf"\b(?:in|during|en|au mois de)\s+(?:early\s+|late\s+|mid-)?{_M}(?:\s+(\d{{4}}))?(?!\s*\d)",
          _read_in_month),
    _rule("in_year", 6, r"\b(?:in|during|en)\s+((?:19|20)\d{2})\b", _read_in_year),
    # Arabic: "بين 12 و25 كانون الأول", "منذ بداية تشرين الثاني", "منذ 16 كانون الأول", "خلال الـ24 ساعة الماضية"
    _rule("range_ar", 0, rf"بين\s+(?:ال)?{_D}\s+(?:{_M}\s+)?و\s*(?:ال)?{_D}\s+(?:من\s+)?(?:شهر\s+)?{_M}{_Y}",
          _read_range),
    _rule("since_part_ar", 1, rf"منذ\s+(بداية|مطلع|أوائل|منتصف|أواخر|نهاية)\s+(?:شهر\s+)?{_M}{_Y}",
          lambda g, text, published: _read_since_part((_AR_PART[g[0]],) + g[1:], text, published)),
    _rule("since_dm_ar", 1, rf"منذ\s+(?:ال)?{_D}\s+(?:من\s+)?(?:شهر\s+)?{_M}{_Y}", _read_since_day),
    _rule("since_month_ar", 1, rf"منذ\s+(?:شهر\s+)?{_M}{_Y}", _read_since_month),
    _rule("past_n_ar", 2, r"(?:خلال|في)\s+(?:الـ\s*|ال)?(\d+)\s+(ساعة|يوما|يوماً|أيام|يوم|أسابيع|أسبوعا|أسبوع)\s+"
                          r"(?:ال)?(?:ماضية|أخيرة|الماضية|الأخيرة|الفائتة)", _read_past_n),
    _rule("yesterday_ar", 3, r"(?<!\w)(?:أمس|الأمس)(?!\w)", _read_yesterday),
    _rule("today_ar", 3, r"(?<!\w)اليوم(?!\w)", _read_today),
]


#: An offensive or a war that "began in April" or "was launched in 2011" counts its toll since then: the month or
#: year named is the start of the period, which runs up to the publication date.
_STARTS_THEN = ("in_month", "in_year")
_STARTED_RE = re.compile(r"\b(?:launched|began|begun|started|erupted|broke out|lancée?s?|commencée?s?|déclenchée?s?)\b"
                         r"[^.;:,]{0,60}$", re.IGNORECASE)

#: The distinct word sets the rules need, and for each word the sets it belongs to (a bit per set).
_NEEDS = tuple(dict.fromkeys(need for rule in PERIOD_RULES for need in rule.needs))
_NEED_BITS_OF_WORD: dict[str, int] = {}
for _bit, _need in enumerate(_NEEDS):
    for _word in _need:
        _NEED_BITS_OF_WORD[_word] = _NEED_BITS_OF_WORD.get(_word, 0) | 1 << _bit


def _read_period(rule: PeriodRule, m: re.Match, published: dt.date | None):
    """(start, end, reading) for one matched rule, or None when it cannot be resolved."""
    try:
        return rule.read(m.groups(), m.group(0), published)
    except (LookupError, ValueError, TypeError):
        return None


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
    * "this week", "this month", "last month", "in December", "in 2019" -> that span, cut at the publication date;
    * "launched an offensive in April, displacing 400,000" -> from April up to the publication date (a toll counted
      since something began).

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
    for rule, m in _matches(sentence):
        a, b = m.start(), m.end()
        if any(a < t_end and b > t_start for t_start, t_end in taken):
            continue
        if rule.name == "weekday" and (SPEECH_RE.search(sentence[max(0, a - 12):a])
                                      or SPEECH_RE.match(sentence[b:b + 12].lstrip())):
            taken.append((a, b))
            continue
        read = _read_period(rule, m, published)
        taken.append((a, b))
        if read is None:
            continue
        start_date, end_date, reading = read
        if rule.name in _STARTS_THEN and published and _STARTED_RE.search(sentence[max(0, a - 80):a]):
            # "launched an offensive in April, killing ... and displacing 400,000": counted since then
            end_date, reading = published, f"since {reading}, when it began, up to the publication date"
        if end_date < start_date:
            continue
        mentions.append(PeriodMention(start_date, end_date, reading, m.group(0), a, b, rule.rank))
    mentions.sort(key=lambda p: (p.rank, p.start))
    return mentions


@functools.lru_cache(maxsize=256)
def _matches(sentence: str) -> tuple:
    """Every match of every rule in a sentence, rule by rule (kept for the few calls that read one sentence)."""
    words = words_of(sentence)
    if words is None:
        rules = PERIOD_RULES
    else:
        present = 0  # one bit per word set of _NEEDS that the sentence has a word of
        for word in words:
            present |= _NEED_BITS_OF_WORD.get(word, 0)
        rules = _rules_for(present)
    return tuple((rule, m) for rule in rules for m in rule.pattern.finditer(sentence))


@functools.lru_cache(maxsize=None)
def _rules_for(present: int) -> tuple:
    """The rules whose every word set has a word in the sentence (``present``: a bit per set of :data:`_NEEDS`)."""
    return tuple(rule for rule in PERIOD_RULES if all(present >> _NEEDS.index(need) & 1 for need in rule.needs))


def period_spans(sentence: str) -> list[tuple[int, int]]:
    """Spans of the periods a sentence writes ("from 26 January to 2 February", "since Monday"), resolved or not."""
    return [(m.start(), m.end()) for _rule, m in _matches(sentence)]


def date_spans(sentence: str) -> list[tuple[int, int]]:
    """Spans of every date-like expression, resolved or not (so their numbers are not taken as figures)."""
    spans = [(m.start(), m.end()) for _rule, m in _matches(sentence)]
    if not _DIGIT_RE.search(sentence):
        return spans
    words = words_of(sentence)
    if words is None:
        spans.extend((m.start(), m.end()) for m in _MONTH_DAY_RE.finditer(sentence))
    elif not _MONTH_WORDS.isdisjoint(words):
        spans.extend(_month_days(sentence))
    spans.extend((m.start(), m.end()) for m in _NOT_FIGURE_RE.finditer(sentence))
    return spans


def _month_days(sentence: str) -> list[tuple[int, int]]:
    """Spans of "December 12" and "12 December" (what :data:`_MONTH_DAY_RE` finds), read from the numbers out: a
    sentence has few numbers, and many words a month could start at."""
    spans = []
    for m in _DAY_NUMBER_RE.finditer(sentence):
        a, b = m.span()
        before = _WORD_BEFORE_RE.search(sentence, max(0, a - 16), a)
        if before and month_number(before.group(1)):
            spans.append((before.start(1), b))
            continue
        after = _WORD_AFTER_RE.match(sentence, b)
        if after and month_number(after.group(1)):
            spans.append((a, after.end()))
    return spans


# Numbers that are dates, times, shares or distances, never figures of people.
_DIGIT_RE = re.compile(r"\d")
_MONTH_DAY_RE = re.compile(rf"\b{_M}\s+\d{{1,2}}\b|\b\d{{1,2}}\s+{_M}", re.IGNORECASE)
_DAY_NUMBER_RE = re.compile(r"\b\d{1,2}\b")
_WORD_BEFORE_RE = re.compile(r"([^\W\d_]+\.?)\s+$")
_WORD_AFTER_RE = re.compile(r"\s+([^\W\d_]+\.?)")
# The lookahead spares the alternatives at every position that holds no digit.
_NOT_FIGURE_RE = re.compile(
    rf"(?=[\d(])(?:\b(?:19|20)\d{{2}}\b|\b\d{{1,2}}:\d{{2}}\b|"
    r"\b\d+(?:[.,]\d+)?\s*(?:percent|per cent|%|km|kilomet(?:re|er)s?|miles|years?|months?|weeks?|days?|hours?|"
    r"minutes?|pour cent|ans|jours|heures|semaines)\b|\(\d+\))", re.IGNORECASE)
