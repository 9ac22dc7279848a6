"""What a person reviews: the draft CSV (safe to open in a spreadsheet) and a readable table for the terminal."""

from __future__ import annotations

import csv
import re
import textwrap

from ..spreadsheet import spreadsheet_safe
from .draft import EXTRACT_COLUMNS, NUMBER_COLUMNS


def write_drafts(fh, rows) -> None:
    """Write draft rows (dicts of :data:`EXTRACT_COLUMNS`) as CSV to the open text file ``fh``.

    Text cells get :func:`mapper.spreadsheet.spreadsheet_safe` (OWASP's rule: a leading ``'`` before ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return; the reports reader takes it off again); the number columns (figures,
    offsets, confidence) are written by extract itself, never start with a formula character, and are left as they
    are.
    """
    writer = csv.DictWriter(fh, fieldnames=list(EXTRACT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: value if name in NUMBER_COLUMNS else spreadsheet_safe(value)
                         for name, value in row.items()})


_UNPRINTABLE_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: control characters (escape sequences, bidirectional overrides, line
    breaks) shown as ``\\x1b``-style escapes instead of acting on the terminal."""
    return _UNPRINTABLE_RE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)



def format_review(extractions, *, width: int = 100) -> str:
    """A readable table of drafted rows with their quotes, and the names that could not be placed.

    Text from the articles goes through :func:`printable`: no escape sequence reaches the terminal.

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
        lines.extend(_article_lines(extraction, width))
        lines.append("")
    return "\n".join(printable(line) for line in lines)


def _article_lines(extraction, width: int) -> list[str]:
    article = extraction.article
    meta = ", ".join(filter(None, [article.publisher, article.published.isoformat() if article.published
                                   else "no publication date"]))
    lines = [f"== {article.name} ({meta}): {len(extraction.reports)} row(s)"]
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
        for label, text in (("note", r.note), ("needs review", r.review_note if r.status == "needs_review" else "")):
            if text:
                lines.extend(textwrap.wrap(f"{label}: {text}", width=width, initial_indent="    ",
                                           subsequent_indent="      "))
    if extraction.unplaced:
        lines.append("  could not place:")
        for u in extraction.unplaced:
            lines.append(f"    {u.name!r} (char {u.char_start}): {u.reason}")
    return lines
