"""Exact splitting of sampled series at interpolated boundaries.

Every per-sample quantity is turned into a cumulative integral over time. A sample is
taken to describe the interval that ends at it, ``(t[i-1], t[i]]``, as a watch reports the
speed or heart rate of the second that just passed. Each cumulative integral is then
piecewise linear in time, so its value at any boundary, even one between two samples, is
exact by linear interpolation. A split's value is the difference of the integral between
its two boundaries, so rounding errors never accumulate from split to split, and the
splits add up to the whole.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def interp_monotone(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """Linear interpolation on a non-decreasing ``xp`` that may repeat values.

    At a repeated ``xp`` (a flat stretch) the first point reaching ``x`` is used, which
    is what "the time the runner first reached 1000 m" means.
    """
    x = np.asarray(x, dtype=np.float64)
    n = len(xp)
    i = np.searchsorted(xp, x, side="left")
    i = np.clip(i, 1, n - 1)
    x0, x1 = xp[i - 1], xp[i]
    f0, f1 = fp[i - 1], fp[i]
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(x1 > x0, (x - x0) / (x1 - x0), 1.0)
    out = f0 + np.clip(w, 0.0, 1.0) * (f1 - f0)
    out = np.where(x <= xp[0], fp[0], out)
    return np.where(x >= xp[-1], fp[np.searchsorted(xp, xp[-1], side="left")], out)


def cumulative(t: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Running integrals of *values* and of their presence over time.

    Returns
    -------
    tuple of numpy.ndarray
        ``∫ value dt`` and ``∫ [value present] dt`` up to each sample, with each
        sample's value held over the interval that ends at it (NaN counts as absent).
    """
    dt = np.diff(t, prepend=t[0])
    ok = ~np.isnan(values)
    weight = np.where(ok, dt, 0.0)
    return np.cumsum(np.where(ok, values, 0.0) * dt), np.cumsum(weight)


@dataclass(frozen=True)
class Boundaries:
    """Split boundaries: times [s] and distances [m] where each split starts and ends."""

    time_s: np.ndarray
    distance_m: np.ndarray
    partial_last: bool


def distance_boundaries(t: np.ndarray, d: np.ndarray, every_m: float) -> Boundaries:
    """Boundaries every *every_m* metres from the start; the last split may be short."""
    start, total = d[0], d[-1]
    covered = total - start
    k = int(np.floor(covered / every_m + 1e-9))
    marks = start + every_m * np.arange(0, k + 1)
    partial = covered - k * every_m > 1e-6 * every_m
    if partial or k == 0:
        marks = np.append(marks, total)
    times = interp_monotone(marks, d, t)
    times[0], times[-1] = t[0], t[-1]
    return Boundaries(times, marks - start, bool(partial))


def time_boundaries(t: np.ndarray, d: np.ndarray, every_s: float) -> Boundaries:
    """Boundaries every *every_s* seconds from the start; the last split may be short."""
    start, end = t[0], t[-1]
    k = int(np.floor((end - start) / every_s + 1e-9))
    marks = start + every_s * np.arange(0, k + 1)
    partial = (end - start) - k * every_s > 1e-6 * every_s
    if partial or k == 0:
        marks = np.append(marks, end)
    dist = interp_monotone(marks, t, d)
    return Boundaries(marks, dist - d[0], bool(partial))


def between(boundaries: np.ndarray, t: np.ndarray, cum: np.ndarray) -> np.ndarray:
    """Differences of a cumulative series between consecutive boundary times."""
    at = interp_monotone(boundaries, t, cum)
    return np.diff(at)


def window_max(boundaries: np.ndarray, t: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Largest value of the samples whose interval overlaps each split (NaN if none)."""
    out = np.full(len(boundaries) - 1, np.nan)
    lo = np.searchsorted(t, boundaries[:-1], side="right")
    hi = np.searchsorted(t, boundaries[1:], side="left")
    for k, (a, b) in enumerate(zip(lo.tolist(), hi.tolist())):
        seg = values[max(a, 0) : min(b + 1, len(values))]
        if len(seg) and not np.isnan(seg).all():
            out[k] = np.nanmax(seg)
    return out


__all__ = [
    "Boundaries",
    "between",
    "cumulative",
    "distance_boundaries",
    "interp_monotone",
    "time_boundaries",
    "window_max",
]
