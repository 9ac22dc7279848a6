"""Options of :func:`mapper.flows.build_flows`, checked once (dates, level, min-people, priority, protection)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from ..errors import MapperError
from ..model import REPORT_COLUMNS
from .agencies import DEFAULT_PRIORITY
from .places import DEFAULT_PROTECT_KINDS, LEVELS

#: Report columns the builder needs; the newer ones (P-codes, series, status) are optional and default to "".
_REQUIRED_COLUMNS = tuple(c for c in REPORT_COLUMNS if c not in ("line", "origin_pcode", "destination_pcode",
                                                                  "series", "status", "review_note"))
_OPTIONAL_COLUMNS = ("origin_pcode", "destination_pcode", "series", "status", "review_note")


def _check_date(value, what):
    if value is None or isinstance(value, dt.datetime):
        return value.date() if isinstance(value, dt.datetime) else None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as err:
            raise MapperError(f"{what}: expected an ISO date YYYY-MM-DD, got {value!r}") from err
    raise MapperError(f"{what}: expected an ISO date YYYY-MM-DD, got {value!r}")


def _check_options(level, min_people, priority, protect_sites_km):
    if level not in LEVELS:
        raise MapperError(f"level: expected one of {', '.join(LEVELS)}, got {level!r}")
    try:
        min_people = float(min_people or 0)
    except (TypeError, ValueError) as err:
        raise MapperError(f"min_people: expected a number, got {min_people!r}") from err
    if not math.isfinite(min_people) or min_people < 0:
        raise MapperError(f"min_people: expected a number >= 0, got {min_people!r}")
    if priority is None:
        priority = DEFAULT_PRIORITY
    elif isinstance(priority, str):
        priority = tuple(p.strip() for p in priority.split(",") if p.strip())
    else:
        priority = tuple(str(p) for p in priority)
    if protect_sites_km is not None:
        try:
            protect_sites_km = float(protect_sites_km)
        except (TypeError, ValueError) as err:
            raise MapperError(f"protect_sites_km: expected a number of km, got {protect_sites_km!r}") from err
        if not math.isfinite(protect_sites_km) or protect_sites_km <= 0:
            raise MapperError(f"protect_sites_km: expected a number of km > 0, got {protect_sites_km!r}")
    return min_people, priority, protect_sites_km


def _check_protect_kinds(kinds):
    """``protect_kinds`` as a tuple of known place kinds (a comma-separated string or a sequence)."""
    from gazetteer.places import KINDS

    if kinds is None:
        return DEFAULT_PROTECT_KINDS
    if isinstance(kinds, str):
        kinds = kinds.split(",")
    try:
        kinds = tuple(dict.fromkeys(str(k).strip() for k in kinds if str(k).strip()))
    except TypeError as err:
        raise MapperError(f"protect_kinds: expected place kinds separated by commas, got {kinds!r}") from err
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise MapperError(f"protect_kinds: expected kinds among {', '.join(KINDS)}, got "
                          f"{', '.join(map(repr, unknown)) or 'none'}")
    return kinds


def _check_reports(reports):
    if not isinstance(reports, pd.DataFrame):
        raise MapperError(f"reports: expected the DataFrame of mapper.reports.read_reports, got {type(reports)!r}")
    missing = [c for c in _REQUIRED_COLUMNS if c not in reports.columns]
    if missing:
        raise MapperError(f"reports: missing column(s) {', '.join(missing)}")


