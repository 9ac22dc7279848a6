"""Whole people: half-up rounding of a figure and largest-remainder shares that add up to the whole."""

from __future__ import annotations

import numpy as np


def round_half_up(values):
    """``values`` rounded to whole numbers, halves up (``16034.5`` -> ``16035``), as int64."""
    return np.floor(np.asarray(values, dtype=float) + 0.5).astype(np.int64)


def whole_shares(total: int, fractions) -> list:
    """Split ``total`` whole people by ``fractions`` (summing to 1) into whole shares that add up to ``total``.

    Largest remainder (Hamilton): every share gets the whole part of its exact share, and the people left over
    go one each to the largest remainders (ties to the earlier share).
    """
    total = int(total)
    if len(fractions) == 1:  # the common case: one part takes the whole
        return [total]
    fractions = np.asarray(fractions, dtype=float)
    if len(fractions) == 0:
        return []
    weights = fractions / fractions.sum() if fractions.sum() > 0 else np.full(len(fractions), 1 / len(fractions))
    exact = total * weights
    shares = np.floor(exact).astype(np.int64)
    left = total - int(shares.sum())
    if left > 0:
        order = np.argsort(-(exact - shares), kind="stable")
        shares[order[:left]] += 1
    return [int(s) for s in shares]
