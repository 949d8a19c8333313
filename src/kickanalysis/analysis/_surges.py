"""Shared machinery of the stride and interval detectors.

Both detectors look for sustained stretches of running clearly faster than the running
around them. They share:

- :func:`speed_grid`: the cleaned activity (:func:`kickanalysis.analysis._prepare.prepare`)
  resampled on a regular 1 s grid. The cleaned cumulative distance and the cumulative
  grade-adjusted distance are piecewise linear in time, so their values at whole seconds
  are exact interpolations, and their differences are the mean speed and mean
  grade-adjusted speed of every second — whatever the sampling (1 s or irregular "smart"
  recording). Each second also carries whether the runner was moving.
- running means and medians that ignore NaN (stops), built on cumulative sums or on
  10 s blocks so that a one-hour run costs a few milliseconds;
- :func:`crossing`: where a speed crosses a level between two samples (sub-second
  boundaries);
- :func:`event_table`: the event table (:data:`kickanalysis.schema.EVENT_COLUMNS` and
  detector columns) from boundary times.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import _integrate as ig
from ._prepare import Series, prepare

if TYPE_CHECKING:
    import pandas as pd

    from ..activity import Activity

#: Grade adjustment used for detection: the heart-rate based curve (equal effort), which
#: follows what runners do on hills more closely than the energy cost (see
#: :func:`kickanalysis.signal.gap_factor`).
GAP_MODEL = "strava2017"


@dataclass(frozen=True)
class Grid:
    """An activity on a regular 1 s grid.

    ``time_s`` has ``n + 1`` whole seconds since the first sample; the per-second arrays
    (length ``n``) describe the second ``(time_s[k], time_s[k + 1]]``.
    """

    series: Series
    time_s: np.ndarray  # n + 1 grid times [s]
    distance_m: np.ndarray  # n + 1 cleaned distances [m]
    speed_mps: np.ndarray  # n, mean speed of each second; NaN while stopped
    gap_speed_mps: np.ndarray  # n, grade-adjusted; NaN while stopped
    moving: np.ndarray  # n, bool


def speed_grid(activity: Activity | pd.DataFrame) -> Grid:
    """Prepare an activity and resample its distance on whole seconds."""
    s = prepare(activity, gap_model=GAP_MODEL)
    t = s.time_s
    n = int(np.floor(t[-1] + 1e-9))
    g = np.arange(n + 1, dtype=np.float64)
    d = ig.interp_monotone(g, t, s.distance_m)
    gap = ig.interp_monotone(g, t, s.cum_gap_m)
    if n == 0:
        empty = np.zeros(0)
        return Grid(s, g, d, empty, empty, np.zeros(0, dtype=bool))
    # the sample whose interval holds the middle of each second
    j = np.clip(np.searchsorted(t, g[:-1] + 0.5, side="left"), 0, len(t) - 1)
    mv = s.moving[j]
    v = np.diff(d)
    vg = np.diff(gap)
    v = np.where(mv, v, np.nan)
    # cum_gap_m adds nothing while paused; where moving it is distance x factor
    vg = np.where(mv, vg, np.nan)
    return Grid(s, g, d, v, vg, mv)


def box_mean(x: np.ndarray, width: int) -> np.ndarray:
    """Centred running mean over ``width`` (odd) samples, NaN ignored, cut at the ends."""
    n = len(x)
    if n == 0:
        return x.copy()
    h = width // 2
    ok = np.isfinite(x)
    cs = np.concatenate(([0.0], np.cumsum(np.where(ok, x, 0.0))))
    cn = np.concatenate(([0], np.cumsum(ok)))
    i = np.arange(n)
    lo = np.clip(i - h, 0, n)
    hi = np.clip(i + h + 1, 0, n)
    num = cs[hi] - cs[lo]
    den = cn[hi] - cn[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.maximum(den, 1), np.nan)


def window_mean(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Mean of the finite values of ``x[lo:hi]`` for arrays of bounds (NaN when none)."""
    ok = np.isfinite(x)
    cs = np.concatenate(([0.0], np.cumsum(np.where(ok, x, 0.0))))
    cn = np.concatenate(([0], np.cumsum(ok)))
    lo = np.clip(lo, 0, len(x))
    hi = np.clip(hi, 0, len(x))
    den = cn[hi] - cn[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (cs[hi] - cs[lo]) / np.maximum(den, 1), np.nan)


def nanmedian(x: np.ndarray) -> float:
    """Median of the finite values (NaN when none), without a warning."""
    x = x[np.isfinite(x)]
    return float(np.median(x)) if len(x) else float("nan")


def rolling_baseline(
    v: np.ndarray,
    *,
    window_s: float,
    exclude: np.ndarray | None = None,
    block_s: int = 10,
) -> np.ndarray:
    """Slowly varying typical speed: a running median of 10 s block medians.

    Each block of ``block_s`` seconds is summarised by the median of its finite values
    (blocks marked in ``exclude`` or without values count as missing); the running median
    of those over ``window_s`` (centred) is interpolated back to every second. Missing
    stretches take the nearest known value.
    """
    n = len(v)
    if n == 0:
        return v.copy()
    x = v.copy()
    if exclude is not None:
        x[exclude] = np.nan
    nb = -(-n // block_s)
    pad = np.full(nb * block_s, np.nan)
    pad[:n] = x
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        blocks = np.nanmedian(pad.reshape(nb, block_s), axis=1)
        k = max(1, int(round(window_s / block_s)))
        k += 1 - k % 2
        h = k // 2
        padded = np.concatenate((np.full(h, np.nan), blocks, np.full(h, np.nan)))
        view = np.lib.stride_tricks.sliding_window_view(padded, k)
        med = np.nanmedian(view, axis=1)
    centres = np.arange(nb) * block_s + 0.5 * (min(block_s, n) - 1)
    ok = np.isfinite(med)
    if not ok.any():
        return np.full(n, np.nan)
    return np.interp(np.arange(n, dtype=np.float64), centres[ok], med[ok])


def crossing(
    v: np.ndarray, level: float, i0: int, i1: int, *, rising: bool, which: str = "nearest"
) -> float:
    """Time [s on the per-second axis] where ``v`` crosses ``level`` in ``[i0, i1]``.

    ``v[k]`` is taken at the middle of second ``k`` (``k + 0.5``). The crossing nearest
    to the middle of the range (``which="nearest"``), the first or the last one is
    returned, linearly interpolated between the two seconds around it; when there is
    none, the middle of the range.
    """
    i0 = max(int(i0), 0)
    i1 = min(int(i1), len(v) - 1)
    mid = 0.5 * (i0 + i1)
    if i1 <= i0:
        return mid + 0.5
    seg = v[i0 : i1 + 1]
    above = seg >= level
    if rising:
        k = np.flatnonzero(~above[:-1] & above[1:])
    else:
        k = np.flatnonzero(above[:-1] & ~above[1:])
    ok = np.isfinite(seg[k]) & np.isfinite(seg[k + 1])
    k = k[ok]
    if len(k) == 0:
        return mid + 0.5
    if which == "first":
        k = k[0]
    elif which == "last":
        k = k[-1]
    else:
        k = k[np.argmin(np.abs(i0 + k + 0.5 - mid))]
    a, b = seg[k], seg[k + 1]
    frac = (level - a) / (b - a) if b != a else 0.5
    return i0 + k + 0.5 + float(np.clip(frac, 0.0, 1.0))


def event_table(
    grid: Grid,
    start_s: np.ndarray,
    end_s: np.ndarray,
    columns: dict[str, tuple[np.ndarray | None, str]],
) -> pd.DataFrame:
    """An event table: the event columns from boundary times, then ``columns``.

    ``columns`` maps a name to ``(values, dtype)``; ``None`` values make an empty column.
    """
    import pandas as pd

    s = grid.series
    start_s = np.asarray(start_s, dtype=np.float64)
    end_s = np.asarray(end_s, dtype=np.float64)
    d0 = ig.interp_monotone(start_s, grid.time_s, grid.distance_m) - grid.distance_m[0]
    d1 = ig.interp_monotone(end_s, grid.time_s, grid.distance_m) - grid.distance_m[0]
    if len(start_s) == 0:
        d0 = d1 = np.zeros(0)
    ns0 = s.start_ns + np.round(start_s * 1e9).astype(np.int64)
    ns1 = s.start_ns + np.round(end_s * 1e9).astype(np.int64)
    data: dict[str, object] = {
        "start_time": pd.DatetimeIndex(ns0.view("datetime64[ns]")).tz_localize("UTC"),
        "end_time": pd.DatetimeIndex(ns1.view("datetime64[ns]")).tz_localize("UTC"),
        "start_elapsed_s": start_s,
        "end_elapsed_s": end_s,
        "duration_s": end_s - start_s,
        "start_distance_m": d0,
        "end_distance_m": d1,
        "distance_m": d1 - d0,
    }
    for name, (values, dtype) in columns.items():
        if values is None:
            values = np.full(len(start_s), np.nan)
        data[name] = np.asarray(values, dtype=dtype)
    return pd.DataFrame(data, copy=False)


def heart_rate_mean(grid: Grid, start_s: np.ndarray, end_s: np.ndarray) -> np.ndarray:
    """Time-weighted mean heart rate [bpm] between boundary times (NaN without any)."""
    s = grid.series
    if len(start_s) == 0:
        return np.zeros(0)
    bounds = np.stack((start_s, end_s), axis=1).ravel()
    at_sum = ig.interp_monotone(bounds, s.time_s, s.cum_hr[0]).reshape(-1, 2)
    at_time = ig.interp_monotone(bounds, s.time_s, s.cum_hr[1]).reshape(-1, 2)
    total = at_sum[:, 1] - at_sum[:, 0]
    weight = at_time[:, 1] - at_time[:, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight > 0, total / np.where(weight > 0, weight, 1.0), np.nan)


__all__ = [
    "GAP_MODEL",
    "Grid",
    "box_mean",
    "crossing",
    "event_table",
    "heart_rate_mean",
    "nanmedian",
    "rolling_baseline",
    "speed_grid",
    "window_mean",
]
