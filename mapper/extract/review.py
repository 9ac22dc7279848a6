"""The readable review table of drafted rows."""

from __future__ import annotations

import textwrap



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
