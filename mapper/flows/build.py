"""The builder as named stages over one state object: review -> series -> window -> resolve -> classify ->
triangulate -> choose -> split -> aggregate -> frames (the rules are in :mod:`mapper.flows`)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..atomic import GENERATOR
from ..errors import MapperError, UnresolvedPlacesError
from ..model import FlowMeta, FlowSet, LeftOut
from .agencies import agency_rank
from .frames import attribution, flows_geoframe, incidents_geoframe, places_geoframe, reports_table
from .options import (_OPTIONAL_COLUMNS, _REQUIRED_COLUMNS, _check_date, _check_options, _check_protect_kinds,
                      _check_reports)
from .places import _combos, _Destinations, _Places, _split_names, protect_rule, spelling_note
from .tables import _EPOCH, _canonical_rank, _day_numbers, _factorize_text, _iso_from_days, _sources_json
from .triangulate import triangulate
from .whole import round_half_up, whole_shares

#: Unresolved names an error lists with suggestions (UnresolvedPlacesError shows this many; the rest are counted):
#: a file of 100,000 unknown names must not search for 100,000 suggestions.
_SUGGESTED_NAMES = 20


@dataclass
class _Options:
    start: object = None
    end: object = None
    level: str = "place"
    min_people: float = 0
    priority: tuple = ()
    allow_unresolved: bool = False
    protect_sites_km: float | None = None
    protect_kinds: tuple = ()
    split_regions: bool = False


@dataclass
class _State:
    """What the stages hand each other. ``df`` holds the reports still in play (one row per report)."""

    opts: _Options
    df: pd.DataFrame
    places: _Places
    left_out: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    series: bool = False
    o_places: list = field(default_factory=list)  # per row: the resolved origins (list of Place)
    d_places: list = field(default_factory=list)
    move: pd.DataFrame | None = None  # estimates with an origin or a destination
    counts: pd.DataFrame | None = None  # counts with both ends
    ends: pd.DataFrame | None = None  # arrivals-only / departures-only counts
    incident_rows: pd.DataFrame | None = None
    cluster: np.ndarray | None = None
    chosen: pd.DataFrame | None = None  # one row per drawn cluster: row, people, pmin, pmax, note
    parts: pd.DataFrame | None = None
    flows: pd.DataFrame | None = None
    level_notes: dict = field(default_factory=dict)


def _leave_out(state, what, detail, rows, people=None):
    """List ``rows`` (a frame of reports) in ``left_out``, with their people unless given."""
    rows = rows.sort_values("_canon")
    count = int(rows["people"].sum()) if people is None else int(people)
    state.left_out.append(LeftOut(what, detail, count, tuple(rows["report_id"].astype(str))))


# ------------------------------------------------------------------------------------------------ stages


def review_rows(state):
    """Rows marked ``status = needs_review`` are not mapped: listed in ``left_out`` as ``"needs review"`` with
    their people where known and the review note."""
    df = state.df
    codes, uniques = _factorize_text(df["status"].to_numpy())
    review = np.array([u.strip().lower() == "needs_review" for u in uniques], dtype=bool)[codes]
    for i in np.flatnonzero(review):
        row = df.iloc[[i]]
        note = str(row["review_note"].iloc[0] or "").strip()
        people = row["people"].iloc[0]
        people = 0 if not np.isfinite(people) or row["kind"].iloc[0] == "incident" else people
        _leave_out(state, "needs review", note or "marked needs_review", row, people)
    state.df = df[~review].reset_index(drop=True)


def increments_from_series(state):
    """Rows sharing a ``series`` name are running totals of one count ("displaced since 1 December"): ordered by
    ``period_end``, each becomes the increment over the previous one, for the days after the previous
    ``period_end``. The increments add up to the last total; a total below the one before is noted and its
    increment is 0."""
    df = state.df
    codes, uniques = _factorize_text(df["series"].to_numpy())
    named = pd.Series(np.array([u.strip() != "" for u in uniques], dtype=bool)[codes], index=df.index)
    if not named.any():
        return
    df = df.copy()
    for name, grp in df[named].groupby(df.loc[named, "series"].astype(str).str.strip(), sort=True):
        order = grp.sort_values(["_e", "_s", "_canon"]).index
        previous, prev_end = 0, None
        for i in order:
            total = int(df.at[i, "people"])
            increment = max(total - previous, 0)
            if total < previous:
                state.notes.append(f"series {name}: {df.at[i, 'report_id']} gives {total:,}, below the "
                                   f"{previous:,} before it; counted as no increase")
            ratio = increment / total if total else 0.0
            for col in ("people", "people_min", "people_max"):
                df.at[i, col] = int(round(df.at[i, col] * ratio)) if col != "people" else increment
            if prev_end is not None and prev_end + 1 <= df.at[i, "_e"]:
                df.at[i, "_s"] = prev_end + 1
            previous, prev_end = max(total, previous), int(df.at[i, "_e"])
    state.df = df
    state.series = True


def window_rows(state):
    """Keep the reports whose period overlaps ``start`` .. ``end``; the others are left out as
    ``"outside window"`` (figures are not prorated)."""
    opts, df = state.opts, state.df
    if opts.start is None and opts.end is None:
        return
    inside = np.ones(len(df), dtype=bool)
    if opts.start is not None:
        inside &= df["_e"].to_numpy() >= (opts.start - _EPOCH).days
    if opts.end is not None:
        inside &= df["_s"].to_numpy() <= (opts.end - _EPOCH).days
    if (~inside).any():
        out = df[~inside]
        window = (f"{opts.start.isoformat() if opts.start else '...'} to "
                  f"{opts.end.isoformat() if opts.end else '...'}")
        _leave_out(state, "outside window", f"{len(out)} report(s) outside {window}", out,
                   out.loc[out["kind"] != "incident", "people"].sum())
        state.df = df[inside].reset_index(drop=True)


def _unresolved_error(places, failed, p_failed) -> UnresolvedPlacesError:
    """Every unresolved or ambiguous name and unknown P-code, with suggestions for the first few names."""
    listing = {}
    for (name, within), (what, hints) in failed.items():
        if isinstance(hints, tuple):  # an unresolved name's suggestions, not searched for yet
            hints = places._suggest(*hints) if len(listing) < _SUGGESTED_NAMES else []
        label = name if not within else f"{name} (within {within})"
        listing[label + (" [ambiguous]" if what == "ambiguous name" else "")] = hints
    for code, (_, hints) in p_failed.items():
        listing[f"{code} [P-code]"] = hints
    return UnresolvedPlacesError(listing)


def resolve_places(state):
    """Resolve each distinct ``(name, within)`` pair and each P-code once. Failures stop the build with every
    name listed, or with ``allow_unresolved`` leave the reports naming them out (``"unresolved name"``,
    ``"ambiguous name"``, ``"unknown P-code"``) with their people."""
    df, places = state.df, state.places
    sides = {}
    failed_all = {}
    for side, names, within, pcodes in (("origin", "origin", "origin_within", "origin_pcode"),
                                        ("destination", "destination", "destination_within",
                                         "destination_pcode")):
        codes, combos = _combos(df[names], df[within])
        p_codes, p_uni = _factorize_text(df[pcodes].to_numpy())
        sides[side] = (codes, combos, p_codes, [_split_names(p) for p in p_uni])
    pairs = set()
    for codes, combos, p_codes, p_lists in sides.values():
        # A row's P-codes win over its names (OCHA's tables give both): resolve only the names of rows without them,
        # so a name that is ambiguous on its own never stops a row that its P-code places.
        has_code = np.array([bool(cs) for cs in p_lists], dtype=bool)
        for k in np.unique(np.asarray(codes)[~has_code[p_codes]]):
            names, w = combos[k]
            pairs.update((n, w) for n in names)
    pcodes = sorted({c.upper() for side in sides.values() for cs in side[3] for c in cs})
    found, failed = places.resolve(sorted(pairs))
    p_found, p_failed = places.resolve_pcodes(pcodes)
    spelled = [(name, place, score) for (name, _w), (place, score) in places.by_spelling.items()]
    if spelled:
        state.notes.append(spelling_note(spelled))
    failed_all.update(failed)
    if (failed or p_failed) and not state.opts.allow_unresolved:
        raise _unresolved_error(places, failed, p_failed)

    bad = np.zeros(len(df), dtype=bool)
    problems = {}  # row -> its bad names
    for side, (codes, combos, p_codes, p_lists) in sides.items():
        per_combo, bad_combo = [], []
        for names, within in combos:
            bad_combo.append([(n, failed[(n, within)][0]) for n in names if (n, within) in failed])
            per_combo.append([found[(n, within)] for n in names if (n, within) in found])
        per_code = [[p_found[c.upper()] for c in cs if c.upper() in p_found] for cs in p_lists]
        bad_code = [[(c, "unknown P-code") for c in cs if c.upper() in p_failed] for cs in p_lists]
        # One key per distinct resolved list: name combinations first, then P-code lists (which win).
        has_code = np.array([bool(cs) for cs in p_lists], dtype=bool)
        key = np.where(has_code[p_codes], len(combos) + p_codes, codes).astype(np.int64)
        lists, issues = per_combo + per_code, bad_combo + bad_code
        resolved = [lists[k] for k in key]
        for i in np.flatnonzero(np.array([bool(b) for b in issues], dtype=bool)[key]):
            bad[i] = True
            problems.setdefault(i, []).extend((n, w, side) for n, w in issues[key[i]])
        if side == "origin":
            state.o_places, o_key = resolved, key
        else:
            state.d_places, d_key = resolved, key
    if bad.any():
        keys = {}
        for i in np.flatnonzero(bad):
            keys.setdefault(tuple(problems[i]), []).append(i)
        # One entry per distinct set of bad names, with every report that names them.
        for items, rows in sorted(keys.items()):
            whats = {w for _, w, _ in items}
            what = next(w for w in ("unresolved name", "unknown P-code", "ambiguous name") if w in whats)
            text = "; ".join(f"{n!r} ({side}{', ambiguous' if w == 'ambiguous name' else ''})"
                             for n, w, side in items)
            grp = df.iloc[rows]
            _leave_out(state, what, text, grp, grp.loc[grp["kind"] != "incident", "people"].sum())
    keep = ~bad
    width = int(d_key.max()) + 1 if len(d_key) else 1
    state.df = df.assign(_sigkey=o_key * width + d_key, _okey=o_key, _dkey=d_key)
    if bad.any():
        state.df = state.df[keep].reset_index(drop=True)
        state.o_places = [p for p, k in zip(state.o_places, keep) if k]
        state.d_places = [p for p, k in zip(state.d_places, keep) if k]


def classify_rows(state):
    """Sort the reports: incidents; estimates (``displacement``) with an origin or a destination; counts with both
    (drawn as flows of their own, or beside the estimate covering them); arrivals-only and departures-only counts
    (a place's ``people_in`` / ``people_out``); and reports naming neither, left out as
    ``"no origin or destination"`` (an incident naming no place as ``"no place"``)."""
    df = state.df
    has_o = np.array([bool(p) for p in state.o_places], dtype=bool)
    has_d = np.array([bool(p) for p in state.d_places], dtype=bool)
    kind = df["kind"].to_numpy()
    df = df.assign(_row=np.arange(len(df)), _has_o=has_o, _has_d=has_d)
    incident = kind == "incident"
    placeless = incident & ~has_o & ~has_d
    if placeless.any():
        _leave_out(state, "no place", f"{int(placeless.sum())} incident report(s) name no place", df[placeless], 0)
    state.incident_rows = df[incident & ~placeless]
    moving = ~incident
    neither = moving & ~has_o & ~has_d
    if neither.any():
        _leave_out(state, "no origin or destination", f"{int(neither.sum())} report(s) name neither",
                   df[neither])
    is_count = kind == "count"
    state.move = df[(kind == "displacement") & ~neither].reset_index(drop=True)
    state.counts = df[is_count & has_o & has_d].reset_index(drop=True)
    state.ends = df[is_count & (has_o ^ has_d)].reset_index(drop=True)


def _codes_of(state, row_places):
    """The area codes a list of places is compared by ({""}: anywhere, for no place at all)."""
    return {c for p in row_places for c in state.places.footprints(p)} or {""}


def triangulate_estimates(state):
    """Cluster the estimates describing the same movement (periods overlap and one contains the other's areas);
    clusters are numbered by their first report in the canonical order."""
    move = state.move
    sig, _ = pd.factorize(move["_sigkey"].to_numpy(), sort=False)
    firsts = pd.DataFrame({"sig": sig, "row": move["_row"].to_numpy(), "o": move["_okey"].to_numpy(),
                           "d": move["_dkey"].to_numpy()}).groupby("sig").first()
    # Codes per distinct origin list and destination list (a few hundred), shared by the signatures using them.
    o_codes = {k: frozenset(_codes_of(state, state.o_places[r]))
               for k, r in firsts.groupby("o")["row"].first().items()}
    d_codes = {k: frozenset(_codes_of(state, state.d_places[r]))
               for k, r in firsts.groupby("d")["row"].first().items()}
    # Per signature (numbered 0..n-1 by factorize): its origin list and destination list.
    state._sig_o, state._sig_d = firsts["o"].to_numpy(), firsts["d"].to_numpy()
    state._o_codes, state._d_codes = o_codes, d_codes
    sigs = pd.DataFrame({"sig": firsts.index.to_numpy(), "o": state._sig_o, "d": state._sig_d})
    o_table = pd.DataFrame([(k, c) for k, codes in o_codes.items() for c in codes], columns=["o", "code"])
    d_table = pd.DataFrame([(k, c) for k, codes in d_codes.items() for c in codes], columns=["d", "code"])
    o_entries = sigs.merge(o_table, on="o")[["sig", "code"]]
    d_entries = sigs.merge(d_table, on="d")[["sig", "code"]]
    cluster = triangulate(np.asarray(sig, dtype=np.int64), move["_s"].to_numpy(), move["_e"].to_numpy(),
                          o_entries, d_entries)
    cluster = _numbered_by_first(cluster, move["_canon"].to_numpy())
    state.cluster = cluster
    state.move = move.assign(_cluster=cluster, _sig=np.asarray(sig, dtype=np.int64))


def _numbered_by_first(cluster, canon):
    """Cluster labels renumbered 0, 1, ... in the canonical order of each cluster's first report."""
    if not len(cluster):
        return cluster
    first_of = pd.Series(canon).groupby(cluster).min()
    relabel = pd.Series(np.argsort(np.argsort(first_of.to_numpy())), index=first_of.index)
    return relabel.reindex(cluster).to_numpy(dtype=np.int64)


@functools.lru_cache(maxsize=1 << 16)
def _contains(outer: frozenset, inner: frozenset) -> bool:
    """Every code of ``inner`` lies in some code of ``outer`` ("" is anywhere; ``#id`` only itself)."""
    def inside(a, b):
        return a == "" or a == b or (not a.startswith("#") and not b.startswith("#") and b.startswith(a))
    return all(any(inside(a, b) for a in outer) for b in inner)


def _contained(codes, outer_keys, inner_keys) -> np.ndarray:
    """For each pair of code-list keys, whether the inner list lies inside the outer one (each distinct pair
    decided once)."""
    width = int(max(outer_keys.max(initial=0), inner_keys.max(initial=0))) + 1
    pair_codes, pairs = pd.factorize(outer_keys.astype(np.int64) * width + inner_keys, sort=False)
    answers = np.array([_contains(codes[int(p // width)], codes[int(p % width)]) for p in pairs], dtype=bool)
    return answers[pair_codes] if len(pair_codes) else np.zeros(0, dtype=bool)


def _describe_report(columns, i) -> str:
    """``UN OCHA's 235,000 (2019-12-12 to 2019-12-25)`` for report ``i`` (``columns``: name -> array)."""
    period = f"{_iso_from_days([columns['_s'][i]])[0]} to {_iso_from_days([columns['_e'][i]])[0]}"
    who = str(columns["agency"][i] or "").strip() or str(columns["report_id"][i])
    return f"{who}'s {int(columns['people'][i]):,} ({period})"


def _scope_relations(state, rows, c):
    """For reports ``rows`` and, for each, another report ``c``: whether its areas lie inside ``c``'s / around
    them, and its period inside ``c``'s / around it."""
    move = state.move
    s, e, sig = move["_s"].to_numpy(), move["_e"].to_numpy(), move["_sig"].to_numpy()
    o_r, o_c = state._sig_o[sig[rows]], state._sig_o[sig[c]]
    d_r, d_c = state._sig_d[sig[rows]], state._sig_d[sig[c]]
    inside = _contained(state._o_codes, o_c, o_r) & _contained(state._d_codes, d_c, d_r)
    outside = _contained(state._o_codes, o_r, o_c) & _contained(state._d_codes, d_r, d_c)
    t_in = (s[c] <= s[rows]) & (e[rows] <= e[c])
    t_out = (s[rows] <= s[c]) & (e[c] <= e[rows])
    return inside, outside, t_in, t_out


def separate_unrelated(state, keys, drawable):
    """Split off, in the clusters nothing can draw, the reports whose period does not overlap the best report's.

    Clusters are connected components, so a wide report without a destination (72,000 from northern Idlib, May to
    August) joins every report it contains, even two that do not overlap each other (173,000 from eastern Idlib
    in May, 80,000 from Maarat al-Numan in August). When the cluster is drawn, its chosen estimate stands for the
    movement and the others back or bound it; when nothing in it can be drawn, it is left out with one report's
    people, and a report from another time would vanish behind it. So, there, a report stays with the cluster's
    best report (``keys``) only when its period overlaps that report's; the others form a cluster of their own,
    split again the same way until none is left, and each is left out with its own people.
    """
    cluster = state.cluster.copy()
    rows = np.flatnonzero(~np.isin(cluster, cluster[drawable]))
    s, e = state.move["_s"].to_numpy(), state.move["_e"].to_numpy()
    while len(rows):
        best = _best_per_cluster(rows, cluster, (~drawable,) + keys)
        c = pd.Series(best, index=cluster[best]).reindex(cluster[rows]).to_numpy(dtype=np.int64)
        peeled = rows[(s[rows] > e[c]) | (s[c] > e[rows])]
        if len(peeled) == 0:
            break
        new_ids, _ = pd.factorize(cluster[peeled], sort=True)
        cluster[peeled] = cluster.max() + 1 + new_ids
        rows = np.flatnonzero(np.isin(cluster, cluster[peeled]))
    cluster = _numbered_by_first(cluster, state.move["_canon"].to_numpy())
    state.cluster = cluster
    state.move = state.move.assign(_cluster=cluster)


def choose_estimates(state):
    """Per cluster, the report whose estimate is drawn (agency priority, latest published, largest, earliest,
    smallest id; it needs an origin and a destination), its bounds from the other reports' scope (alternatives
    widen the range; a sub-scope report above the estimate or a wider one below it is a disagreement: noted, and
    the range stretched to it), and the clusters nothing can draw, left out as ``"no destination"`` /
    ``"no origin"``. Reports that neither back nor bound that report first become clusters of their own
    (:func:`separate_unrelated`)."""
    move = state.move
    agencies_codes, agencies = _factorize_text(move["agency"].to_numpy())
    rank = np.array([agency_rank(a, state.opts.priority) for a in agencies], dtype=np.int64)[agencies_codes]
    pub = _day_numbers(move["published"], missing_ok=True)
    people = move["people"].to_numpy(dtype=float)
    canon = move["_canon"].to_numpy()
    drawable = (move["_has_o"] & move["_has_d"]).to_numpy()
    separate_unrelated(state, (rank, -pub, -people, canon), drawable)
    move, cluster = state.move, state.cluster
    chosen_rows = _best_per_cluster(np.flatnonzero(drawable), cluster, (rank, -pub, -people, canon))
    undrawn_rows = np.flatnonzero(~np.isin(cluster, cluster[chosen_rows]))
    undrawn = _best_per_cluster(undrawn_rows, cluster, (rank, -pub, -people, canon))
    if len(undrawn):
        rows_of = pd.Series(np.arange(len(move))).groupby(cluster).groups
        for best in undrawn:
            members = move.iloc[np.asarray(rows_of[cluster[best]])]
            what = "no destination" if members["_has_o"].any() else "no origin"
            side = state.o_places if what == "no destination" else state.d_places
            names = "; ".join(p.name for p in side[move["_row"].iloc[best]])
            _leave_out(state, what, f"{names}: {len(members)} report(s) without a drawable {what.split()[1]}",
                       members, people[best])

    rows = _bounds_by_scope(state, chosen_rows, people, canon)
    state.chosen = pd.DataFrame(rows, columns=["cluster", "row", "people", "pmin", "pmax", "note"])
    state.notes.extend(n for n in state.chosen["note"] if n)
    _place_counts_beside_estimates(state)


def _bounds_by_scope(state, chosen_rows, people, canon) -> list:
    """Per chosen report: (cluster, row, people, minimum, maximum, note) from the scope of the other reports of
    its cluster (see *Honest bounds and disagreements*)."""
    move, cluster = state.move, state.cluster
    # Each report's relation to its cluster's chosen report: "same" scope, "lower" (inside it), "upper" (around it).
    c_row = pd.Series(chosen_rows, index=cluster[chosen_rows]).reindex(cluster).to_numpy()
    drawn = np.flatnonzero(~np.isnan(c_row))
    c = c_row[drawn].astype(np.int64)
    inside, outside, t_in, t_out = _scope_relations(state, drawn, c)
    same = inside & outside & t_in & t_out
    lower = ~same & inside & t_in
    upper = ~same & ~lower & outside & t_out
    pmin_all, pmax_all = move["people_min"].to_numpy(dtype=float), move["people_max"].to_numpy(dtype=float)
    est = people[c]
    alt = pd.DataFrame({"c": c[same], "lo": pmin_all[drawn][same], "hi": pmax_all[drawn][same]}).groupby("c")
    lo_of, hi_of = alt["lo"].min(), alt["hi"].max()
    # Disagreements: a sub-scope report above the estimate, a wider one below it (few rows: noted one by one).
    above = lower & (pmin_all[drawn] > est)
    below = upper & (pmax_all[drawn] < est)
    # A report that only partly matches (wider in one way, narrower in another) bounds nothing, but a figure
    # above the estimate is still said, so that its people are not silently folded into a smaller flow.
    beyond = ~same & ~lower & ~upper & (pmin_all[drawn] > est)
    notes, stretch_lo, stretch_hi = {}, {}, {}
    odd = np.flatnonzero(above | below | beyond)
    columns = {name: move[name].to_numpy() for name in ("_s", "_e", "agency", "report_id", "people")}
    for k in odd[np.argsort(canon[drawn][odd], kind="stable")]:
        i, ci = int(drawn[k]), int(c[k])
        if above[k]:
            text = (f"sources disagree: {_describe_report(columns, i)} for part of this movement is above "
                    f"{_describe_report(columns, ci)}")
            stretch_hi[ci] = max(stretch_hi.get(ci, 0), int(pmin_all[i]))
        elif beyond[k]:
            text = (f"sources differ: {_describe_report(columns, i)} for an area or period that only partly "
                    f"matches this movement is above {_describe_report(columns, ci)}")
        else:
            text = (f"sources disagree: {_describe_report(columns, i)} for a wider area or period is below "
                    f"{_describe_report(columns, ci)}")
            stretch_lo[ci] = min(stretch_lo.get(ci, int(pmax_all[i])), int(pmax_all[i]))
        notes.setdefault(ci, []).append(text)
    rows = []
    for ci in chosen_rows:
        ci = int(ci)
        value = int(people[ci])
        lo = min(int(lo_of[ci]), stretch_lo.get(ci, value), value)
        hi = max(int(hi_of[ci]), stretch_hi.get(ci, value), value)
        rows.append((int(cluster[ci]), ci, value, lo, hi, "; ".join(notes.get(ci, []))))
    return rows


def _place_counts_beside_estimates(state):
    """Counts whose areas and period lie inside a drawn estimate's are shown beside it (their sum in the flow's
    note, their reports in its sources), never added to it; the other counts are drawn as flows of their own."""
    counts, chosen, move = state.counts, state.chosen, state.move
    covered = np.full(len(counts), -1, dtype=np.int64)
    if len(counts) and len(chosen):
        c_sigs = {}
        for k, row in enumerate(chosen["row"]):
            r = move.iloc[row]
            codes = (frozenset(_codes_of(state, state.o_places[r["_row"]])),
                     frozenset(_codes_of(state, state.d_places[r["_row"]])))
            c_sigs[k] = (codes, r["_s"], r["_e"])
        for j, rec in enumerate(counts.to_dict("records")):
            o = frozenset(_codes_of(state, state.o_places[rec["_row"]]))
            d = frozenset(_codes_of(state, state.d_places[rec["_row"]]))
            for k, ((co, cd), cs, ce) in c_sigs.items():
                if cs <= rec["_s"] and rec["_e"] <= ce and _contains(co, o) and _contains(cd, d):
                    covered[j] = k
                    break
    state.counts = counts.assign(_beside=covered)
    notes = list(chosen["note"])
    for k, grp in state.counts[covered >= 0].groupby(covered[covered >= 0]):
        total = int(grp["people"].sum())
        text = (f"tracked counts inside this estimate: {total:,} people in {len(grp)} count(s), shown beside it, "
                "not added")
        if total > chosen["people"].iloc[k]:
            text = "sources disagree: " + text + f" (above the estimate of {int(chosen['people'].iloc[k]):,})"
            state.notes.append(text)
        notes[k] = "; ".join(n for n in (notes[k], text) if n)
    state.chosen = chosen.assign(note=notes)


def split_flows(state):
    """The flows of each chosen estimate and of each count drawn on its own: one part per (origin, destination)
    with the report's split (see *Destinations*), people, minimum and maximum each split into whole people by
    largest remainder, so the parts add up to the report's figure."""
    dests = _Destinations(state.places, state.opts.split_regions)
    move, counts, chosen = state.move, state.counts, state.chosen
    base = int(state.cluster.max()) + 1 if len(state.cluster) else 0  # counts drawn alone: groups after all
    own = counts[counts["_beside"] < 0]

    def fields(frame, rows):
        series = frame["series"].to_numpy()[rows]
        within = frame["destination_within"].to_numpy()[rows]
        return zip(frame["_row"].to_numpy()[rows], frame["_s"].to_numpy()[rows], frame["_e"].to_numpy()[rows],
                   [bool(str(v).strip()) for v in series], [str(w or "").strip() for w in within])

    jobs = [(int(cl), rec, int(p), int(lo), int(hi), note) for cl, rec, p, lo, hi, note in zip(
        chosen["cluster"], fields(move, chosen["row"].to_numpy(dtype=np.int64)), chosen["people"], chosen["pmin"],
        chosen["pmax"], chosen["note"])]
    jobs += [(base + k, rec, int(p), int(lo), int(hi), "") for k, (rec, p, lo, hi) in enumerate(zip(
        fields(own, np.arange(len(own))), own["people"], own["people_min"], own["people_max"]))]
    parts = []
    for group, (row, start, end, in_series, within), people, pmin, pmax, note in jobs:
        origins = state.o_places[row]
        dest_parts, rule = dests.split(state.d_places[row], within)
        if len(origins) > 1:
            rule = f"{rule}; origin equal ({len(origins)} origins)"
        pairs = [(o, d, frac / len(origins), modelled) for o in origins for d, frac, modelled in dest_parts]
        fracs = [f for _, _, f, _ in pairs]
        # The increments of a series stay flows of their own interval, so a time filter shows the series grow.
        key = f"{start}:{end}" if in_series else ""
        shares = [whole_shares(v, fracs) for v in (people, pmin, pmax)]
        for k, (o, d, _, modelled) in enumerate(pairs):
            p, lo, hi = shares[0][k], shares[1][k], shares[2][k]
            parts.append((group, o.id, d.id, p, min(lo, p), max(hi, p), start, end, rule, modelled, note, key))
    state.parts = pd.DataFrame(parts, columns=["cluster", "o", "d", "people", "pmin", "pmax", "s", "e", "rule",
                                               "modelled", "note", "key"])
    state._jobs_sources = _job_sources(state, jobs, base)


def _job_sources(state, jobs, base):
    """The ``sources`` JSON text of each job: every report of its cluster (and the counts beside it), in the
    canonical order."""
    move, counts = state.move, state.counts
    beside = counts[counts["_beside"] >= 0]
    own = counts[counts["_beside"] < 0]
    pieces = [(move, state.cluster),
              (beside, state.chosen["cluster"].to_numpy()[beside["_beside"].to_numpy()] if len(beside) else []),
              (own, base + np.arange(len(own)))]
    groups, canon, texts = [], [], []
    for frame, group in pieces:
        if len(frame):
            groups.append(np.asarray(group, dtype=np.int64))
            canon.append(frame["_canon"].to_numpy())
            texts.append(_sources_json(frame))
    if not groups:
        return {}
    groups, canon, texts = np.concatenate(groups), np.concatenate(canon), np.concatenate(texts)
    order = np.lexsort((canon, groups))
    groups, texts = groups[order], texts[order]
    bounds = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1], True])
    return {int(groups[a]): "[" + ",".join(texts[a:b]) + "]" for a, b in zip(bounds[:-1], bounds[1:])}


def aggregate_flows(state):
    """Move each end to the admin area of ``level`` (see *Window, level, min-people*), sum the parts with the same
    origin and destination (people, bounds, periods unioned, sources cluster by cluster, notes; a series' increments
    stay one flow per interval), and leave out the flows under ``min_people`` as ``"below min-people"``."""
    parts, places, level = state.parts, state.places, state.opts.level
    if not parts.empty and level != "place":
        mapping = {}
        for pid in pd.unique(np.concatenate([parts["o"].to_numpy(), parts["d"].to_numpy()])):
            area, note = places.at_level(places.by_id[pid], level)
            mapping[pid] = area.id
            if note:
                state.level_notes[pid] = note
        parts = parts.assign(o=parts["o"].map(mapping), d=parts["d"].map(mapping))
    flows = _sum_parts(parts, state._jobs_sources)
    if state.opts.min_people and not flows.empty:
        small = flows["people"].to_numpy() < state.opts.min_people
        for r in flows[small].itertuples():
            ids = tuple(str(s["report_id"]) for s in json.loads(r.sources)) if r.sources else ()
            state.left_out.append(LeftOut("below min-people", f"{places.by_id[r.o].name} -> "
                                                              f"{places.by_id[r.d].name}", int(r.people), ids))
        flows = flows[~small].reset_index(drop=True)
    state.flows = flows


def _sum_parts(parts, sources):
    cols = ["o", "d", "people", "pmin", "pmax", "s", "e", "sources", "rule", "modelled", "note"]
    if parts.empty:
        return pd.DataFrame({c: [] for c in cols})
    summed = parts.groupby(["o", "d", "key"], sort=True).agg(
        people=("people", "sum"), pmin=("pmin", "sum"), pmax=("pmax", "sum"), s=("s", "min"), e=("e", "max"),
        modelled=("modelled", "all")).reset_index()
    keyed = parts.sort_values(["o", "d", "key", "cluster", "rule"], kind="stable")
    flow_no = pd.MultiIndex.from_frame(summed[["o", "d", "key"]]).get_indexer(
        pd.MultiIndex.from_frame(keyed[["o", "d", "key"]]))
    groups = [[] for _ in range(len(summed))]
    rules = [[] for _ in range(len(summed))]
    notes = [[] for _ in range(len(summed))]
    for f, c, r, n in zip(flow_no, keyed["cluster"].to_numpy(), keyed["rule"].to_numpy(), keyed["note"]):
        if not groups[f] or groups[f][-1] != c:
            groups[f].append(c)
        if r not in rules[f]:
            rules[f].append(r)
        if n and n not in notes[f]:
            notes[f].append(n)
    summed["sources"] = [sources[cs[0]] if len(cs) == 1 else "[" + ",".join(sources[c][1:-1] for c in cs) + "]"
                         for cs in groups]
    summed["rule"] = ["; ".join(sorted(rs)) for rs in rules]
    summed["note"] = ["; ".join(ns) for ns in notes]
    for col in ("people", "pmin", "pmax"):
        summed[col] = summed[col].astype(np.int64)
    return summed[cols]


def make_frames(state, reports_attrs) -> FlowSet:
    """The FlowSet: flows, places (with the arrivals-only / departures-only counts and their sources),
    incidents, the reports table, left-out list and :class:`~mapper.model.FlowMeta`."""
    import geopandas as gpd
    import shapely
    from pyproj import Geod

    opts, places = state.opts, state.places
    flows = flows_geoframe(state.flows, places, gpd, shapely, Geod)
    ends = state.ends
    end_rows = []
    if len(ends):
        json_rows = _sources_json(ends.sort_values("_canon"))
        for text, rec in zip(json_rows, ends.sort_values("_canon").to_dict("records")):
            side = "in" if rec["_has_d"] else "out"
            where = state.d_places[rec["_row"]] if rec["_has_d"] else state.o_places[rec["_row"]]
            for place, share in zip(where, whole_shares(int(rec["people"]), [1 / len(where)] * len(where))):
                end_rows.append((place.id, side, share, text))
    place_frame = places_geoframe(state.flows, end_rows, places, gpd, shapely)
    incidents = incidents_geoframe(state.incident_rows, state.o_places, state.d_places, gpd, shapely)
    used = [places.by_id[i] for i in place_frame["place_id"]] if len(place_frame) else []
    used += [places.by_id[i] for i in incidents["place_id"]] if len(incidents) else []
    all_s = [x for x in (flows["period_start"].min() if len(flows) else None,
                         incidents["period_start"].min() if len(incidents) else None) if x]
    all_e = [x for x in (flows["period_end"].max() if len(flows) else None,
                         incidents["period_end"].max() if len(incidents) else None) if x]
    counted = sum(share for _, _, share, _ in end_rows)
    meta = FlowMeta(
        title="Displacement flows",
        period_start=opts.start.isoformat() if opts.start else (min(all_s) if all_s else None),
        period_end=opts.end.isoformat() if opts.end else (max(all_e) if all_e else None),
        level=opts.level,
        min_people=opts.min_people,
        priority=list(opts.priority),
        people_per_family=reports_attrs.get("people_per_family", _default_ppf()),
        protect_sites_km=opts.protect_sites_km,
        protect_kinds=list(opts.protect_kinds) if opts.protect_sites_km else None,
        protect_rule=protect_rule(opts.protect_sites_km) if opts.protect_sites_km else None,
        split_regions=opts.split_regions,
        generator=GENERATOR,
        attribution=attribution(used),
        level_notes=sorted(set(state.level_notes.values())),
        notes=list(dict.fromkeys(state.notes)),
        total_people=int(flows["people"].sum()) + int(counted) if len(flows) else int(counted),
        series=state.series,
    )
    if reports_attrs.get("population") == "returnees":
        meta["population"] = "returnees"  # who the people are: maps say returns (kept in exported meta)
    return FlowSet(flows=flows, places=place_frame, incidents=incidents, left_out=state.left_out, meta=meta,
                   reports=reports_table(state.all_reports))


def _default_ppf():
    from ..reports import PEOPLE_PER_FAMILY

    return PEOPLE_PER_FAMILY


def _best_per_cluster(rows, cluster, keys) -> np.ndarray:
    """Of ``rows``, the one per cluster with the smallest ``keys`` (compared in turn), in cluster order."""
    for key in keys:
        if len(rows) == 0:
            break
        values = key[rows]
        best = pd.Series(values).groupby(cluster[rows]).transform("min").to_numpy()
        rows = rows[values == best]
    return rows[np.argsort(cluster[rows], kind="stable")]


# ------------------------------------------------------------------------------------------------ the build


def _prepare(reports) -> pd.DataFrame:
    """The reports frame with day numbers, whole people (half up) and a canonical rank."""
    df = reports.reset_index(drop=True)
    frame = pd.DataFrame({c: df[c] for c in _REQUIRED_COLUMNS})
    for c in _OPTIONAL_COLUMNS:
        frame[c] = df[c].fillna("").astype(str) if c in df.columns else ""
    frame["_s"] = _day_numbers(df["period_start"])
    frame["_e"] = _day_numbers(df["period_end"])
    for c in ("people", "people_min", "people_max"):
        values = frame[c].to_numpy(dtype=float)
        frame[c] = np.where(np.isfinite(values), round_half_up(np.nan_to_num(values)), 0).astype(np.int64)
    frame["_canon"] = _canonical_rank(frame)
    return frame


def build_flows(reports, *, gazetteer=None, start=None, end=None, level="place", min_people=0, priority=None,
                allow_unresolved=False, protect_sites_km=None, protect_kinds=None, split_regions=False) -> FlowSet:
    """Turn displacement reports into triangulated origin -> destination flows (the rules: :mod:`mapper.flows`).

    Parameters
    ----------
    reports : pandas.DataFrame
        The frame of :func:`mapper.reports.read_reports` (one row per report).
    gazetteer : gazetteer.Gazetteer, optional
        Resolves the names and P-codes; :meth:`Gazetteer.default` when not given.
    start, end : datetime.date or str, optional
        Keep the reports whose period overlaps this window (inclusive). Figures are not prorated.
    level : {"place", "admin3", "admin2", "admin1"}
        Aggregate origins and destinations to this admin level.
    min_people : float
        Leave out (and list in ``left_out``) flows carrying fewer people.
    priority : sequence of str, optional
        Agencies whose estimate wins in a triangulated cluster, highest first (:data:`DEFAULT_PRIORITY`).
    allow_unresolved : bool
        Leave out reports naming unresolved or ambiguous places (or unknown P-codes) instead of raising.
    protect_sites_km : float, optional
        Snap camps and camp clusters (or ``protect_kinds``) to the fixed protection grid for this many km.
    protect_kinds : str or sequence of str, optional
        Place kinds to snap with ``protect_sites_km``; default :data:`DEFAULT_PROTECT_KINDS`.
    split_regions : bool
        Split a region destination over its members (a modelled split, marked ``modelled``); by default a region
        is drawn to itself.

    Returns
    -------
    FlowSet

    Raises
    ------
    UnresolvedPlacesError
        Names that did not resolve or are ambiguous (all of them), unless ``allow_unresolved``.
    MapperError
        A bad option or a frame without the reports columns.
    """
    min_people, priority, protect_sites_km = _check_options(level, min_people, priority, protect_sites_km)
    protect_kinds = _check_protect_kinds(protect_kinds)
    start, end = _check_date(start, "start"), _check_date(end, "end")
    if start and end and end < start:
        raise MapperError(f"end: expected a date on or after start {start.isoformat()}, got {end.isoformat()}")
    _check_reports(reports)
    if gazetteer is None:
        from gazetteer import Gazetteer

        gazetteer = Gazetteer.default()
    opts = _Options(start, end, level, min_people, priority, bool(allow_unresolved), protect_sites_km,
                    protect_kinds, bool(split_regions))
    df = _prepare(reports)
    state = _State(opts, df, _Places(gazetteer, protect_sites_km, protect_kinds))
    state.all_reports = df
    for stage in (review_rows, increments_from_series, window_rows, resolve_places, classify_rows,
                  triangulate_estimates, choose_estimates, split_flows, aggregate_flows):
        stage(state)
    return make_frames(state, reports.attrs)
