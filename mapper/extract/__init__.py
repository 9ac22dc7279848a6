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
built here by small, tested rules (:mod:`.periods`); number words go through ``text2num``.

The rooms, in pipeline order: :mod:`.vocabulary` (word lists), :mod:`.article` (text and header),
:mod:`.publication` (publication date and publisher from the text), :mod:`.sentences`, :mod:`.figures`,
:mod:`.periods`, :mod:`.agencies`, :mod:`.places`, :mod:`.statements` (binding figures to verbs in a sentence),
:mod:`.draft` (rows) and :mod:`.review` (the CSV and the readable table).
"""

from .agencies import find_agencies
from .article import Article, ArticleError, date_articles, read_article
from .draft import EXTRACT_COLUMNS, REPORT_COLUMNS, ExtractedReport, Extraction, UnplacedName, extract_reports
from .figures import FigureMention, find_figures
from .periods import PeriodMention, find_periods
from .review import format_review
from .sentences import Sentence, split_sentences

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
    "date_articles",
    "split_sentences",
    "find_figures",
    "find_periods",
    "find_agencies",
    "extract_reports",
    "format_review",
]
