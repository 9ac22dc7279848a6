"""Column helpers of the builder: dates as day numbers, a canonical order of reports, text factorising and the
``sources`` JSON text written once per distinct value."""

from __future__ import annotations

import datetime as dt
import json
import math
import re

import numpy as np
import pandas as pd

_EPOCH = dt.date(1970, 1, 1)
_NO_DATE = np.iinfo(np.int64).min // 2


def _day_numbers(series, *, missing_ok=False) -> np.ndarray:
    """Dates (datetime.date, Timestamp or ISO strings) as int64 days since 1970-01-01.

    Each distinct value is parsed once (a million reports carry a few hundred dates). With ``missing_ok`` an empty
    or unreadable value becomes a day before any other.
    """
    codes, uniques = pd.factorize(pd.Series(series, dtype=object).fillna(""), sort=False)
    if len(uniques) == 0:
        return np.zeros(len(codes), dtype=np.int64)
    values = pd.Series(uniques, dtype=object).map(lambda v: None if isinstance(v, str) and not v.strip() else v)
    parsed = pd.to_datetime(values, errors="coerce" if missing_ok else "raise", format="mixed")
    days = parsed.to_numpy(dtype="datetime64[D]")
    out = np.where(np.isnat(days), _NO_DATE, days.astype(np.int64))
    return out[codes]


def _iso_from_days(days) -> np.ndarray:
    return np.asarray(days, dtype="int64").astype("datetime64[D]").astype(str)


def _canonical_rank(df: pd.DataFrame) -> np.ndarray:
    """Each row's position in a fixed order of the reports: period, people, agency, then report id.

    Only rows tied on everything else are ordered by their report id in Python, so a million reports need no
    string sort (slow) beyond the few distinct agencies.
    """
    n = len(df)
    if n == 0:
        return np.zeros(0, dtype=np.int64)

    def by_string(column):
        codes, uniques = _factorize_text(df[column].to_numpy())
        ranks = np.argsort(np.argsort(np.asarray(uniques, dtype=str), kind="stable"), kind="stable")
        return ranks[codes]

    start, end = df["_s"].to_numpy(), df["_e"].to_numpy()
    people = np.unique(df["people"].to_numpy(dtype=float), return_inverse=True)[1].reshape(-1)
    agency = by_string("agency")
    # Two packed keys sort faster than four (days and ranks are small non-negative integers).
    period = (start - start.min()) * (int(end.max() - end.min()) + 1) + (end - end.min())
    keys = [period, people * (int(agency.max()) + 1) + agency]
    order = np.lexsort(keys[::-1])
    tie = np.ones(n - 1, dtype=bool)
    for key in keys:
        ordered = key[order]
        tie &= ordered[1:] == ordered[:-1]
    if tie.any():
        group = np.cumsum(np.r_[True, ~tie])
        size = np.bincount(group)
        tied = np.flatnonzero(size[group] > 1)
        ids = df["report_id"].to_numpy(dtype=object)
        fixed = sorted(tied, key=lambda i: (group[i], str(ids[order[i]])))
        order[tied] = order[np.array(fixed, dtype=np.int64)]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return rank


_JSON_UNSAFE = re.compile(r'["\\\x00-\x1f]')


def _factorize_text(values):
    """Codes and distinct values (as str) of a text column; a missing value counts as ``""``."""
    values = np.asarray(values, dtype=object)
    if len(values) and isinstance(values[0], str) and (values == values[0]).all():
        # A column with one value (often an empty url or note column) needs no hashing.
        return np.zeros(len(values), dtype=np.int64), [values[0]]
    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=True)
    uniques = ["" if u is None else str(u) for u in uniques]
    if len(codes) and codes.min() < 0:
        codes = np.where(codes < 0, len(uniques), codes)
        uniques.append("")
    return codes, uniques


def _json_literals(texts) -> np.ndarray:
    """JSON string literals of a list of str."""
    texts = list(texts)
    if not _JSON_UNSAFE.search("".join(texts)):
        # The common case: nothing to escape; quoting is a plain concatenation.
        return np.array(['"' + t + '"' for t in texts], dtype=object)
    return np.array([json.dumps(t, ensure_ascii=False) for t in texts], dtype=object)


def _combine_codes(*code_arrays) -> np.ndarray:
    """One factorised code for each distinct combination of several code arrays."""
    combined = np.zeros(len(code_arrays[0]), dtype=np.int64)
    size = 1
    for codes in code_arrays:
        width = int(codes.max()) + 1 if len(codes) else 1
        if size * width >= 1 << 62:  # re-number before the packed code could overflow
            combined = pd.factorize(combined, sort=False)[0].astype(np.int64)
            size = int(combined.max()) + 1
        combined = combined * width + codes
        size *= width
    return pd.factorize(combined, sort=False)[0].astype(np.int64)


def _fragments(columns) -> np.ndarray:
    """Per row, the JSON members ``,"name":value`` of ``columns`` ({name: (codes, encoded distinct values)}).

    Each distinct combination of values is written once.
    """
    combo = _combine_codes(*(codes for codes, _ in columns.values()))
    first = pd.Series(np.arange(len(combo))).groupby(combo).first().to_numpy()
    pieces = [np.add(f',"{name}":', encoded[codes[first]]) for name, (codes, encoded) in columns.items()]
    return np.array(["".join(parts) for parts in zip(*pieces)], dtype=object)[combo]


def _json_number(value, *, whole=False) -> str:
    """A number as JSON text: whole people as integers, a published figure as written (``16034.6``)."""
    value = float(value)
    if not math.isfinite(value):
        return "null"
    if whole or value == int(value):
        return str(int(round(value)))
    return repr(value)


def _sources_json(frame: pd.DataFrame) -> np.ndarray:
    """One JSON object (text) per report, with the fields of ``sources`` in :mod:`mapper.model`.

    Built from pre-encoded distinct values (a million reports repeat a few agencies, publishers, dates and
    figures), so that the work per report is one string concatenation.
    """
    if frame.empty:
        return np.array([], dtype=object)
    text = {}
    for name in ("agency", "publisher", "published", "url", "qualifier", "unit"):
        codes, uniques = _factorize_text(frame[name].to_numpy())
        text[name] = (codes, _json_literals(uniques))
    for name, col in (("period_start", "_s"), ("period_end", "_e")):
        codes, uniques = pd.factorize(frame[col].to_numpy(), sort=False)
        text[name] = (codes, _json_literals(_iso_from_days(np.asarray(uniques))))
    codes, uniques = _factorize_text(frame["note"].to_numpy())
    text["note"] = (codes, _json_literals(uniques))
    fmin = frame["figure_min"].to_numpy(dtype=float)
    fmax = frame["figure_max"].to_numpy(dtype=float)
    numbers = {}
    for name, values in (("figure", np.where(fmin == fmax, fmin, (fmin + fmax) / 2)), ("figure_min", fmin),
                         ("figure_max", fmax), ("people", frame["people"].to_numpy(dtype=float))):
        codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=False)
        numbers[name] = (codes, np.array([_json_number(u, whole=name == "people") for u in uniques],
                                         dtype=object))
    head = _fragments(text)
    tail = _fragments(numbers)
    ids = [str(i) for i in frame["report_id"].to_numpy()]
    if _JSON_UNSAFE.search("".join(ids)):
        ids = [json.dumps(i, ensure_ascii=False)[1:-1] for i in ids]
    return np.array([f'{{"report_id":"{i}"{h}{t}}}' for i, h, t in zip(ids, head, tail)], dtype=object)


