"""Sources, periods, split rules and notes of a map, parsed once and shared by all flows; incidents."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..inputs import load_json
from .cells import ViewError, cell_text, column_reader, finite, fmt_people

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SOURCE_KEYS = ("report_id", "agency", "publisher", "published", "url", "figure", "figure_min", "figure_max",
                "qualifier", "unit", "note", "period_start", "period_end")


@dataclass(frozen=True)
class Source:
    """One report behind a flow, place or incident, as shown in popups and the legend."""

    report_id: str
    agency: str
    publisher: str
    published: str
    url: str
    figure: str  # "more than 235,000 people"
    note: str
    period: tuple = ("", "")  # (start, end) ISO days of the report, "" when unknown

    @property
    def label(self) -> str:
        """``agency via publisher`` (or whichever is known)."""
        if self.agency and self.publisher and self.publisher != self.agency:
            return f"{self.agency} via {self.publisher}"
        return self.agency or self.publisher


@dataclass
class Incident:
    name: str
    name_ar: str
    lat: float
    lon: float
    start: str
    end: str
    figure: str
    note: str
    sources: int  # index into MapView.source_sets


def source_figure(src: dict) -> str:
    """'more than 235,000 people' from a source's figure fields."""
    lo, hi = finite(src.get("figure_min"), None), finite(src.get("figure_max"), None)
    fig = finite(src.get("figure"), None)
    if lo is not None and hi is not None and lo != hi:
        amount = f"{fmt_people(lo)}\u2013{fmt_people(hi)}"
    elif fig is not None or lo is not None:
        amount = fmt_people(fig if fig is not None else lo)
    else:
        return ""
    return " ".join(p for p in (cell_text(src.get("qualifier")), amount, cell_text(src.get("unit"))) if p)


class Tables:
    """Deduplicated tables shared by all flows: periods, sources, source sets, split rules, notes."""

    def __init__(self):
        self.periods, self.sources, self.source_sets = [], [], []
        self.splits, self.notes = [""], [""]
        self._ix: dict = {}
        self.days: set = set()

    def _intern(self, table, key):
        ix = self._ix.setdefault(id(table), {})
        found = ix.get(key)
        if found is None:
            found = ix[key] = len(table)
            table.append(key)
        return found

    def intern_text(self, table_name, value) -> int:
        memo = self._ix.setdefault(("raw", table_name), {})
        try:
            return memo[value]
        except (KeyError, TypeError):
            pass
        found = self._intern_text(table_name, value)
        try:
            memo[value] = found
        except TypeError:
            pass
        return found

    def _intern_text(self, table_name, value) -> int:
        table = getattr(self, table_name)
        text = cell_text(value)
        if text == "single":  # the builder's name for "not split"
            text = ""
        ix = self._ix.setdefault(id(table), {"": 0})
        if text not in ix:
            ix[text] = len(table)
            table.append(text)
        return ix[text]

    def period(self, start, end) -> int:
        memo = self._ix.setdefault("raw periods", {})
        try:
            return memo[(start, end)]
        except (KeyError, TypeError):
            pass
        found = self._period(start, end)
        try:
            memo[(start, end)] = found
        except TypeError:
            pass
        return found

    def _period(self, start, end) -> int:
        start, end = cell_text(start)[:10], cell_text(end)[:10]
        self.days.update(d for d in (start, end) if _ISO_DAY.match(d))
        return self._intern(self.periods, (start, end))

    def source_set(self, raw, owner="an incident") -> int:
        """The index of a flow's (or incident's) set of sources, parsed from its ``sources`` JSON text."""
        cache = self._ix.setdefault("raw", {})
        key = raw if isinstance(raw, str) else cell_text(raw)
        if key in cache:
            return cache[key]
        ids = tuple(self._source(src) for src in self._parse(raw, owner))
        cache[key] = found = self._intern(self.source_sets, ids)
        return found

    def _parse(self, raw, owner) -> list:
        if isinstance(raw, (list, tuple)):
            items = list(raw)
        else:
            text = cell_text(raw, cap=False)
            try:
                items = load_json(text) if text else []
            except (ValueError, RecursionError) as err:
                raise ViewError(f"cannot draw {owner}: its sources are not a JSON list "
                                f"({str(err)[:80]})") from None
        if isinstance(items, dict):
            items = [items]
        if not isinstance(items, list):
            items = [{"note": cell_text(items)}]
        return items

    def _source(self, src) -> int:
        """The index of one source (a dict of the report's fields) in ``sources``."""
        if not isinstance(src, dict):
            src = {"note": cell_text(src)}
        memo = self._ix.setdefault("source memo", {})
        try:
            key = tuple(map(src.get, _SOURCE_KEYS))
            found = memo.get(key)
        except TypeError:  # an unhashable field
            key = found = None
        if found is not None:
            return found
        days = (cell_text(src.get("period_start"))[:10], cell_text(src.get("period_end"))[:10])
        self.days.update(d for d in days if _ISO_DAY.match(d))
        found = self._intern(self.sources, Source(
            report_id=cell_text(src.get("report_id")), agency=cell_text(src.get("agency")).strip(),
            publisher=cell_text(src.get("publisher")).strip(), published=cell_text(src.get("published"))[:10],
            url=cell_text(src.get("url")).strip(), figure=source_figure(src), note=cell_text(src.get("note")),
            period=tuple(d if _ISO_DAY.match(d) else "" for d in days)))
        if key is not None:
            memo[key] = found
        return found


def read_incidents(flowset, tables) -> list:
    frame = getattr(flowset, "incidents", None)
    if frame is None or not hasattr(frame, "columns") or not len(frame):
        return []
    col = column_reader(frame)
    out = []
    for name, name_ar, lat, lon, start, end, figure, unit, qualifier, note, sources in zip(
            col("name"), col("name_ar"), col("lat"), col("lon"), col("period_start"), col("period_end"),
            col("figure"), col("unit"), col("qualifier"), col("note"), col("sources")):
        lat, lon = finite(lat, None), finite(lon, None)
        if lat is None or lon is None:
            continue
        number = finite(figure, None)
        figure_text = " ".join(x for x in (cell_text(qualifier), fmt_people(number) if number is not None else "",
                                           cell_text(unit)) if x)
        start, end = cell_text(start)[:10], cell_text(end)[:10]
        tables.days.update(d for d in (start, end) if _ISO_DAY.match(d))
        out.append(Incident(cell_text(name), cell_text(name_ar), lat, lon, start, end, figure_text, cell_text(note),
                            tables.source_set(sources)))
    return out
