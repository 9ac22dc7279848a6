"""An article's text and metadata: the ``Key: value`` header, the publication date and the publisher."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from ..errors import InputFileError, MapperError
from .publication import Publication, find_publication
from .publication import date_articles as lend_years
from .vocabulary import MONTH_RE, WEEKDAY_RE, month_number


class ArticleError(MapperError, ValueError):
    """An article or an extraction option is unusable (bad date, empty text); the message names the value."""


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
    publication: Publication = field(default_factory=Publication, repr=False, compare=False)

    @property
    def published_how(self) -> str:
        """How the publication date was found: "given" (option or header), "stated", "anchored", "estimated"
        (read from the text, see :mod:`.publication`), or "" when unknown."""
        if self.published is None:
            return ""
        if self.publication.date == self.published and self.publication.how:
            return self.publication.how
        return "given"

_HEADER_RE = re.compile(r"^(title|publisher|source|published|date|url|link|language|lang)\s*:\s*(.*?)\s*$",
                        re.IGNORECASE)
_DATELINE_RE = re.compile(
    rf"^(?:{WEEKDAY_RE},?\s+)?(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th|er)?\s+(?P<m1>{MONTH_RE}),?\s+(?P<y1>\d{{4}})|"
    rf"(?P<m2>{MONTH_RE})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}})|"
    rf"(?P<iso>\d{{4}}-\d{{2}}-\d{{2}}))\.?$", re.IGNORECASE)


def parse_date(value, *, what: str = "date") -> dt.date | None:
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
            month = month_number(match.group("m1") or match.group("m2"))
            year = match.group("y1") or match.group("y2")
            return dt.date(int(year), month, int(day))
        except ValueError:
            pass
    raise ArticleError(f"expected a {what} like 2019-12-27 or 27 December 2019, got {value!r}")


def _detect_lang(text: str) -> str:
    sample = text[:5000]
    letters = sum(ch.isalpha() for ch in sample)
    if letters and sum("\u0600" <= ch <= "\u06ff" for ch in sample) > 0.3 * letters:
        return "ar"
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
    if lang not in ("auto", "en", "fr", "ar"):
        raise ArticleError(f"expected lang 'auto', 'en', 'fr' or 'ar', got {lang!r}")
    published = parse_date(published, what="publication date")
    header, body_start = _read_header(text)

    def from_header(*keys):
        return next((header[key] for key in keys if key in header), None)

    if published is None:
        found = from_header("published", "date")
        if found:
            try:
                published = parse_date(found[0], what="publication date")
            except ArticleError as err:
                raise InputFileError(path or name, [(found[1], "Published", str(err))]) from err
    publication = find_publication(text[body_start:])
    if published is None and publication.date is not None:
        published = publication.date
    if publisher is None:
        found = from_header("publisher", "source")
        publisher = found[0] if found else publication.publisher
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
        if lang not in ("en", "fr", "ar"):
            lang = "en"
    return Article(text=text, name=name, published=published, publisher=publisher.strip(), url=url.strip(),
                   title=title, lang=lang, body_start=body_start, publication=publication)


def _read_header(text: str) -> tuple[dict[str, tuple[str, int]], int]:
    """The ``Key: value`` lines at the very top, ended by a blank line: {key: (value, line number)}, and where the
    body starts (0 and no header when the block is not there or not ended by a blank line)."""
    header: dict[str, tuple[str, int]] = {}
    offset = 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if not line.strip():
            return (header, offset + len(line)) if header else ({}, 0)
        match = _HEADER_RE.match(line.strip())
        if not match:
            return {}, 0
        header[match.group(1).lower()] = (match.group(2), number)
        offset += len(line)
    return (header, offset) if header else ({}, 0)


def date_articles(articles: list[Article]) -> list[Article]:
    """The articles of a batch, those without a publication date dated with the year of the others where their
    texts' weekdays agree with it (see :func:`.publication.date_articles`)."""
    publications = lend_years([a.publication if a.published is None else replace(a.publication, date=a.published)
                               for a in articles])
    return [replace(a, published=p.date, publication=p) if a.published is None and p.date else a
            for a, p in zip(articles, publications)]
