"""Cells of a FlowSet as the map shows them: text (capped), numbers, flags, meta fields; and the view's error."""

from __future__ import annotations

import datetime as _dt
import math

import pandas as pd

from ..errors import MapperError

#: Longest text field shown (characters); longer ones are cut with an ellipsis and the count of characters cut.
MAX_TEXT = 2000


class ViewError(MapperError, ValueError):
    """The FlowSet cannot be drawn (a missing column, a count that is not a finite number); one line."""


def fmt_people(value) -> str:
    return f"{round(value):,}"


def cell_text(value, *, cap=True) -> str:
    """A cell as text ('' for missing values), capped at MAX_TEXT characters."""
    if isinstance(value, str):
        text = value
    elif value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    elif isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()[:10]
    else:
        try:
            if not isinstance(value, (list, tuple, dict)) and pd.isna(value):
                return ""
        except (TypeError, ValueError):
            pass
        text = str(value)
    if cap and len(text) > MAX_TEXT:
        text = f"{text[:MAX_TEXT]}\u2026 [{len(text) - MAX_TEXT:,} more characters not shown]"
    return text


def finite(value, default=0):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y")
    try:
        return bool(value) and not (isinstance(value, float) and math.isnan(value))
    except (TypeError, ValueError):
        return False


def meta_get(meta, key, default=None):
    getter = getattr(meta, "get", None)
    if getter is not None:
        return getter(key, default)
    return getattr(meta, key, default)


def as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def unique(items) -> list:
    out = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return out


def column_reader(frame):
    n = len(frame)

    def col(name, default=""):
        return frame[name].tolist() if name in frame.columns else [default] * n

    return col
