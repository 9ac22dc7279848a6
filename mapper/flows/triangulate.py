"""Triangulation: which reports describe the same movement (connected components of "contains and overlaps").

See the rules in :mod:`mapper.flows`. Everything is sorting and searching on integer arrays, so that a million
reports cluster in seconds; the components themselves come from :func:`scipy.sparse.csgraph.connected_components`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_PCODE_LENGTH = {0: 0, 1: 4, 2: 6, 3: 8}

_TIME_SPAN = 1 << 22  # days; bucket numbers are multiplied by it to sort (bucket, day) as one int64


def _code_level(code: str) -> int:
    if code == "":
        return 0
    if code.startswith("#"):
        return -1
    return {4: 1, 6: 2, 8: 3}.get(len(code), -1)


def _code_index(codes):
    """Integer ids for ``codes`` and their truncations: level per id and, per level, the id of the truncation.

    ``trunc[k][i]`` is the id of code ``i`` cut to level ``k``, or ``-1`` when it has no such cut: a P-code coarser
    than level ``k``, an ``#id`` code for ``k >= 1``, any P-code for ``k == -1`` (``#id`` codes only equal
    themselves). Level 0 is the empty code, "anywhere", which every code is cut to.
    """
    vocab = {}

    def idx(c):
        if c not in vocab:
            vocab[c] = len(vocab)
        return vocab[c]

    base = [idx(c) for c in codes]
    for c in list(codes):
        lvl = _code_level(c)
        for k in range(0, max(lvl, 0) + 1):
            idx(c[:_PCODE_LENGTH[k]])
        idx("")
    words = list(vocab)
    level = np.array([_code_level(c) for c in words], dtype=np.int64)
    trunc = {-1: np.array([vocab[c] if _code_level(c) == -1 else -1 for c in words], dtype=np.int64)}
    for k in range(0, 4):
        trunc[k] = np.array([vocab[c[:_PCODE_LENGTH[k]]] if (_code_level(c) >= k or k == 0) else -1
                             for c in words], dtype=np.int64)
    return np.array(base, dtype=np.int64), level, trunc, len(words)


def _join_on_item(item_a, key_a, item_b, key_b):
    """Every (item, key_a, key_b) with ``key_a`` from a and ``key_b`` from b of the same item."""
    left = pd.DataFrame({"item": item_a, "ka": key_a}).drop_duplicates()
    right = pd.DataFrame({"item": item_b, "kb": key_b}).drop_duplicates()
    both = left.merge(right, on="item")
    return both["item"].to_numpy(), both["ka"].to_numpy(), both["kb"].to_numpy()


def _containment_edges(o_item, o_code, d_item, d_code, start, end, n_items):
    """Edges joining items to "anchor run" nodes (numbered from ``n_items``): see :func:`_triangulate`."""
    vocab_codes = pd.unique(np.concatenate([o_code, d_code]))
    base, level, trunc, n_codes = _code_index(list(vocab_codes))
    lookup = pd.Index(vocab_codes)
    o_id = base[lookup.get_indexer(o_code)]
    d_id = base[lookup.get_indexer(d_code)]
    o_lvl, d_lvl = level[o_id], level[d_id]
    us, vs = [], []
    next_node = n_items
    for ko in np.unique(o_lvl):
        for kd in np.unique(d_lvl):
            sel_o, sel_d = o_lvl == ko, d_lvl == kd
            a_item, a_ko, a_kd = _join_on_item(o_item[sel_o], o_id[sel_o], d_item[sel_d], d_id[sel_d])
            if len(a_item) == 0:
                continue
            to, td = trunc[int(ko)][o_id], trunc[int(kd)][d_id]
            m_o, m_d = to >= 0, td >= 0
            m_item, m_ko, m_kd = _join_on_item(o_item[m_o], to[m_o], d_item[m_d], td[m_d])
            # Anchors: items whose (origin, destination) areas are exactly this bucket's. They all describe the
            # same pair of areas, so overlapping anchors chain into runs covering their spans without gaps.
            a_bucket = a_ko * n_codes + a_kd
            a_s, a_e = start[a_item], end[a_item]
            order = np.lexsort((a_s, a_bucket))
            a_bucket, a_s, a_e, a_item = a_bucket[order], a_s[order], a_e[order], a_item[order]
            runmax = pd.Series(a_e).groupby(a_bucket).cummax().to_numpy()
            new = np.ones(len(a_item), dtype=bool)
            new[1:] = (a_bucket[1:] != a_bucket[:-1]) | (a_s[1:] > runmax[:-1])
            run = np.cumsum(new) - 1
            heads = np.flatnonzero(new)
            r_bucket, r_s = a_bucket[heads], a_s[heads]
            r_e = np.maximum.reduceat(a_e, heads)
            us.append(a_item)
            vs.append(next_node + run)
            # Members: items whose areas lie inside the bucket's (anchors too). Each is joined to every anchor run
            # of its bucket that its period overlaps: runs i..j of the sorted, disjoint runs.
            m_bucket = m_ko * n_codes + m_kd
            m_s, m_e = start[m_item], end[m_item]
            key_e = r_bucket * _TIME_SPAN + r_e
            key_s = r_bucket * _TIME_SPAN + r_s
            i = np.searchsorted(key_e, m_bucket * _TIME_SPAN + m_s, side="left")
            j = np.searchsorted(key_s, m_bucket * _TIME_SPAN + m_e, side="right") - 1
            ok = i < len(r_bucket)
            ok[ok] &= (r_bucket[i[ok]] == m_bucket[ok]) & (r_s[i[ok]] <= m_e[ok])
            i, j, m_item = i[ok], j[ok], m_item[ok]
            us.append(m_item)
            vs.append(next_node + i)
            # A member spanning several runs joins them: mark the gaps it bridges.
            span = j > i
            if span.any():
                diff = np.zeros(len(r_bucket) + 1, dtype=np.int64)
                np.add.at(diff, i[span], 1)
                np.add.at(diff, j[span], -1)
                bridged = np.flatnonzero(np.cumsum(diff)[:-1] > 0)
                us.append(next_node + bridged)
                vs.append(next_node + bridged + 1)
            next_node += len(r_bucket)
    if not us:
        return next_node, np.zeros(0, np.int64), np.zeros(0, np.int64)
    return next_node, np.concatenate(us), np.concatenate(vs)


def _components(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Connected-component labels of ``n`` nodes joined by edges ``u``-``v`` (scipy's csgraph)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    graph = coo_matrix((np.ones(len(u), dtype=np.int8), (u, v)), shape=(n, n))
    return connected_components(graph, directed=False)[1].astype(np.int64)


def triangulate(sig, start, end, o_entries, d_entries):
    """Cluster id per report: connected components of "same movement" (see the module docstring).

    Reports of one signature (the same origin and destination names) whose periods chain into each other form
    runs first; a run's periods cover its span without gaps, so a period overlaps the span exactly when it overlaps
    one of the run's reports, and runs can stand in for their reports. Containment is then found per pair of admin
    levels (ko, kd): runs whose origin area is a level-ko area and destination area a level-kd area are *anchors*
    of the bucket (that origin area, that destination area); every run whose areas lie inside is a *member* and is
    joined to the anchors its period overlaps. Everything is sorting and searching on integer arrays.
    """
    n = len(sig)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    base = start.min()  # days from the first start, so that (bucket, day) packs into one int64
    start, end = start - base, end - base
    order = np.lexsort((end, start, sig))
    s_sig, s_start, s_end = sig[order], start[order], end[order]
    runmax = pd.Series(s_end).groupby(s_sig).cummax().to_numpy()
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = (s_sig[1:] != s_sig[:-1]) | (s_start[1:] > runmax[:-1])
    run_sorted = np.cumsum(new_run) - 1
    heads = np.flatnonzero(new_run)
    run_sig, run_s = s_sig[heads], s_start[heads]
    run_e = np.maximum.reduceat(s_end, heads)
    n_runs = len(heads)
    # Entries per run: its signature's origin and destination codes.
    run_of_sig = pd.DataFrame({"run": np.arange(n_runs), "sig": run_sig})
    o = run_of_sig.merge(o_entries, on="sig")
    d = run_of_sig.merge(d_entries, on="sig")
    n_nodes, u, v = _containment_edges(o["run"].to_numpy(), o["code"].to_numpy(dtype=object),
                                       d["run"].to_numpy(), d["code"].to_numpy(dtype=object),
                                       run_s, run_e, n_runs)
    labels = _components(n_nodes, u, v)[:n_runs]
    cluster = np.empty(n, dtype=np.int64)
    cluster[order] = labels[run_sorted]
    return cluster


