"""Cleaning and derived series: moving/paused, clean distance, smoothing, grade, GAP.

This layer sits between the readers (``io/``) and the analyses (``analysis/``): it takes
arrays, a records frame or an :class:`~kickanalysis.activity.Activity` and returns new
arrays or frames. It never reads files and never mutates its input. Every function is
vectorised with numpy (the elevation hysteresis loops over turning points only).

Conventions: times in seconds on any common clock (only differences matter, so results
do not change under a time shift), distances in metres, speeds in m/s, grades as
fractions (0.05 = 5 %). Time and distance axes must be non-decreasing; samples whose
time, distance or value is NaN are skipped and get NaN (or ``False``) back.

References (cited as [1]–[7] in the functions' docstrings):

- [1] Minetti, A. E., Moia, C., Roi, G. S., Susta, D., Ferretti, G. (2002). Energy cost
  of walking and running at extreme uphill and downhill slopes. *J. Appl. Physiol.*
  93:1039-1046. doi:10.1152/japplphysiol.00262.2002
- [2] Robb, D. (2017). An Improved GAP Model. Strava Engineering blog,
  https://medium.com/strava-engineering/an-improved-gap-model-8b07ae8886c3
- [3] Hampel, F. R. (1974). The influence curve and its role in robust estimation.
  *J. Am. Stat. Assoc.* 69(346):383-393. doi:10.1080/01621459.1974.10482962
- [4] Pearson, R. K., Neuvo, Y., Astola, J., Gabbouj, M. (2016). Generalized Hampel
  filters. *EURASIP J. Adv. Signal Process.* 2016:87. doi:10.1186/s13634-016-0383-6
- [5] Sinnott, R. W. (1984). Virtues of the haversine. *Sky & Telescope* 68(2):159.
- [6] Cleveland, W. S. (1979). Robust locally weighted regression and smoothing
  scatterplots. *J. Am. Stat. Assoc.* 74(368):829-836. doi:10.1080/01621459.1979.10481038
- [7] Savitzky, A., Golay, M. J. E. (1964). Smoothing and differentiation of data by
  simplified least squares procedures. *Anal. Chem.* 36(8):1627-1639.
  doi:10.1021/ac60214a047
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import geo

if TYPE_CHECKING:
    import pandas as pd

    from .activity import Activity

__all__ = [
    "GAP_MODELS",
    "MINETTI2002_GRADE_RANGE",
    "STRAVA2017_GRADE_RANGE",
    "clean_distance",
    "derive",
    "elevation_gain_loss_cumulative",
    "distance_from_positions",
    "distance_source",
    "elevation_gain_loss",
    "gap_factor",
    "grade",
    "grade_adjusted_speed",
    "moving",
    "moving_from_speed",
    "moving_time_s",
    "smooth_elevation",
    "smooth_speed",
]

#: Grade range [fraction] measured by Minetti et al. (2002); grades are clipped to it.
MINETTI2002_GRADE_RANGE: tuple[float, float] = (-0.45, 0.45)
#: Grade range [fraction] shown in Strava's 2017 figure; grades are clipped to it.
STRAVA2017_GRADE_RANGE: tuple[float, float] = (-0.30, 0.30)
#: Names accepted by ``model=`` in :func:`gap_factor` and :func:`grade_adjusted_speed`.
GAP_MODELS: tuple[str, ...] = ("minetti2002", "strava2017")

# Minetti et al. (2002), eq. for running: Cr(i) = 155.4 i^5 - 30.4 i^4 - 43.3 i^3
# + 46.3 i^2 + 19.5 i + 3.6 [J/(kg m)], highest power first for numpy.polyval.
_MINETTI_CR = (155.4, -30.4, -43.3, 46.3, 19.5, 3.6)
# Smooth approximation of the Strava (2017) curve (see gap_factor), highest power first.
_STRAVA_FACTOR = (-45.11, -4.57, 18.72, 3.16, 1.0)


# ---------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------
def _f64(x: Any) -> np.ndarray:
    return np.array(x, dtype="float64", copy=True, ndmin=1)


def _check_same_length(**arrays: np.ndarray) -> None:
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"arrays must have the same length, got {lengths}")


def _odd_count(window: float, step: float, minimum: int = 3) -> int:
    """Odd number of samples covering ``window`` at a typical spacing ``step``."""
    if not (step > 0) or not np.isfinite(step):
        return minimum
    k = int(round(window / step))
    k = max(k, minimum)
    return k if k % 2 else k + 1


def _rolling_median(x: np.ndarray, k: int) -> np.ndarray:
    """Centred running median over ``k`` (odd) samples, NaN ignored, shrinking at the ends."""
    n = len(x)
    if n == 0:
        return x.copy()
    h = k // 2
    padded = np.concatenate((np.full(h, np.nan), x, np.full(h, np.nan)))
    return _nanmedian_rows(np.lib.stride_tricks.sliding_window_view(padded, k))


def _nanmedian_rows(a: np.ndarray) -> np.ndarray:
    """Median of the non-NaN values of each row of a 2-D array (NaN for a row without).

    Each row is sorted (NaN last) and its two middle known values averaged: the same
    numbers as ``np.nanmedian(a, axis=1)``, several times faster on short rows.
    """
    n, k = a.shape
    if k == 0:
        return np.full(n, np.nan)
    view = np.sort(a, axis=1)
    count = np.count_nonzero(~np.isnan(a), axis=1)
    rows = np.arange(n)
    lo = view[rows, np.maximum((count - 1) // 2, 0)]
    hi = view[rows, np.minimum(count // 2, k - 1)]
    return np.where(count > 0, 0.5 * (lo + hi), np.nan)


def _hampel(x: np.ndarray, k: int, *, n_sigma: float, floor: float) -> np.ndarray:
    """Hampel filter [3, 4]: replace samples far from the running median by that median.

    A sample is an outlier when ``|x - median| > max(n_sigma * 1.4826 * MAD, floor)``,
    with the median and the median absolute deviation (MAD) over ``k`` samples.
    """
    if len(x) < 3:
        return x.copy()
    med = _rolling_median(x, k)
    mad = _rolling_median(np.abs(x - med), k)
    limit = np.maximum(n_sigma * 1.4826 * mad, floor)
    out = x.copy()
    bad = np.abs(x - med) > limit
    out[bad] = med[bad]
    return out


def _box_mean(
    axis: np.ndarray, x: np.ndarray, window: float, *, symmetric_ends: bool = False
) -> np.ndarray:
    """Centred moving average of ``x`` over ``[axis - window/2, axis + window/2]``.

    ``x`` is taken as piecewise constant: each sample holds from the midpoint with its
    previous neighbour to the midpoint with the next one. The mean over the window is the
    exact integral of that step function divided by the covered length, so irregular
    sampling weights each sample by the time (or distance) it represents. NaN values
    carry no weight; samples with a NaN axis get NaN. Near the ends the window is cut
    at the data, or, with ``symmetric_ends``, shrinks symmetrically (a linear trend is
    then kept exactly and the first and last samples stay as they are).
    """
    n = len(x)
    out = np.full(n, np.nan)
    ok = np.isfinite(axis)
    if ok.sum() == 0:
        return out
    idx = np.flatnonzero(ok)
    a = axis[idx] - axis[idx[0]]  # relative axis: shift invariant and precise
    v = x[idx]
    if len(a) == 1 or not (window > 0) or a[-1] <= 0:
        out[idx] = v
        return out
    edges = np.empty(len(a) + 1)
    edges[0] = a[0]
    edges[-1] = a[-1]
    edges[1:-1] = 0.5 * (a[:-1] + a[1:])
    width = np.diff(edges)
    good = np.isfinite(v)
    cum_v = np.concatenate(([0.0], np.cumsum(np.where(good, v, 0.0) * width)))
    cum_w = np.concatenate(([0.0], np.cumsum(np.where(good, width, 0.0))))
    if symmetric_ends:
        half = np.minimum(0.5 * window, np.minimum(a - a[0], a[-1] - a))
        lo = a - half
        hi = a + half
    else:
        lo = np.clip(a - 0.5 * window, a[0], a[-1])
        hi = np.clip(a + 0.5 * window, a[0], a[-1])
    num = np.interp(hi, edges, cum_v) - np.interp(lo, edges, cum_v)
    den = np.interp(hi, edges, cum_w) - np.interp(lo, edges, cum_w)
    with np.errstate(invalid="ignore", divide="ignore"):
        res = np.where(den > 1e-12 * max(window, 1.0), num / den, np.nan)
    # a window that held no weight (all NaN, or zero length) keeps the raw value
    res = np.where(np.isnan(res), v, res)
    out[idx] = res
    return out


def _local_quadratic(
    axis: np.ndarray,
    values: np.ndarray,
    window: float,
    segment: np.ndarray | None = None,
) -> np.ndarray:
    """Locally weighted quadratic regression (LOESS, degree 2) of columns over ``axis``.

    At each sample, a parabola in ``axis`` is fitted by weighted least squares to the
    samples within ``window / 2`` on either side, with tricube weights
    ``(1 - |u|^3)^3`` [6, 7], and evaluated at the sample. Near the ends the window
    shrinks symmetrically (the first and last samples keep their values). A parabola
    follows a bend with little bias (a circular arc is cut by a term of fourth order in
    the angle the window spans, where a moving average cuts by one of second order), so
    the window can be long enough to average out GPS noise. Samples with fewer than
    four weighted neighbours, or without one on each side, keep their values. At most
    60 neighbours per side are used.

    ``values`` has one column per series (shape ``(n, c)``); the fit is linear in the
    data, so its weights (the equivalent kernel) are computed once for all columns.
    ``segment`` (non-decreasing integer labels, one per sample) keeps each window
    inside its segment: the window shrinks symmetrically at every segment's ends as it
    does at the ends of the data, so nothing is smoothed across a boundary (a stop).
    """
    n = len(axis)
    out = values.copy()
    if n < 4 or not window > 0:
        return out
    if segment is None:
        first, last = axis[0], axis[-1]
    else:
        new = np.flatnonzero(np.diff(segment) != 0) + 1
        starts = np.concatenate(([0], new))
        ends = np.concatenate((new - 1, [n - 1]))
        which = np.repeat(np.arange(len(starts)), ends - starts + 1)
        first, last = axis[starts][which], axis[ends][which]
    h = np.minimum(0.5 * window, np.minimum(axis - first, last - axis))
    pos = np.arange(n)
    # samples strictly inside (weight > 0): indices lo_in … hi_in
    lo_in = np.searchsorted(axis, axis - h, side="right")
    hi_in = np.searchsorted(axis, axis + h, side="left") - 1
    m = int(min(max((pos - lo_in).max(), (hi_in - pos).max()), 60))
    if m < 1:
        return out
    lo_in = np.maximum(lo_in, pos - m)
    hi_in = np.minimum(hi_in, pos + m)
    ok = (hi_in - lo_in + 1 >= 4) & (lo_in < pos) & (hi_in > pos) & (h > 0)
    # pad far outside every window (weight 0, finite products)
    far = np.full(m, 2.0 * (axis[-1] - axis[0]) + window + 1.0)
    rel = axis - axis[0]
    a = np.lib.stride_tricks.sliding_window_view(np.concatenate((-far, rel, far)), 2 * m + 1)
    hs = np.where(h > 0, h, 1.0)
    u_all = a - rel[:, None]
    u_all /= hs[:, None]
    np.clip(u_all, -1.0, 1.0, out=u_all)
    # the weights depend on a row of ``u`` only, and with regular sampling most rows
    # are the same as the one before: compute the kernel once per run of equal rows
    same = np.zeros(n, dtype=bool)
    same[1:] = (u_all[1:] == u_all[:-1]).all(axis=1)
    first_of = np.flatnonzero(~same)
    group = np.cumsum(~same) - 1
    u = u_all[first_of]
    w = np.abs(u)
    w *= w * w
    np.subtract(1.0, w, out=w)
    w *= w * w  # tricube weights
    # moments of the weights and the first row of the inverse normal matrix
    wu = w * u
    wu2 = wu * u
    tmp = wu2 * u
    s0, s1, s2, s3 = w.sum(axis=1), wu.sum(axis=1), wu2.sum(axis=1), tmp.sum(axis=1)
    tmp *= u
    s4 = tmp.sum(axis=1)
    c0 = s2 * s4 - s3 * s3
    c1 = s2 * s3 - s1 * s4
    c2 = s1 * s3 - s2 * s2
    det = s0 * c0 + s1 * c1 + s2 * c2
    ok &= (np.abs(det) > 1e-9 * s0**3)[group]
    if not ok.any():
        return out
    det = np.where(np.abs(det) > 1e-9 * s0**3, det, 1.0)
    kernel = w
    kernel *= c0[:, None]
    wu *= c1[:, None]
    kernel += wu
    wu2 *= c2[:, None]
    kernel += wu2
    kernel /= det[:, None]
    if len(first_of) < n:
        kernel = kernel[group]
    zeros = np.zeros(m)
    for col in range(values.shape[1]):
        x = values[:, col]
        ref = x[0]
        v = np.lib.stride_tricks.sliding_window_view(
            np.concatenate((zeros, x - ref, zeros)), 2 * m + 1
        )
        fit = np.einsum("ij,ij->i", kernel, v) + ref
        out[:, col] = np.where(ok, fit, x)
    return out


def _median_step(axis: np.ndarray) -> float:
    d = np.diff(axis[np.isfinite(axis)])
    d = d[d > 0]
    return float(np.median(d)) if len(d) else float("nan")


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) indices of the runs of True in ``mask``."""
    m = np.concatenate(([False], mask, [False])).astype(np.int8)
    d = np.diff(m)
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


# ---------------------------------------------------------------------------------------
# records / activity access
# ---------------------------------------------------------------------------------------
def _split(data: Activity | pd.DataFrame) -> tuple[pd.DataFrame, Any]:
    """Records frame and meta (or None) of an Activity or a records DataFrame."""
    records = getattr(data, "records", None)
    if records is not None:
        return records, data.meta
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data, None
    raise TypeError(f"expected an Activity or a records DataFrame, got {type(data).__name__}")


def _index_ns(records: pd.DataFrame) -> np.ndarray:
    import pandas as pd

    index = records.index
    if not isinstance(index, pd.DatetimeIndex):
        raise TypeError("records must be indexed by a DatetimeIndex (as read() returns)")
    ns = index.as_unit("ns").asi8.copy()
    return ns


def _time_s(records: pd.DataFrame, meta: Any) -> tuple[np.ndarray, int]:
    """Sample times [s] relative to the first timed sample, and that reference [ns]."""
    if meta is not None and meta.extra.get("timed") is False:
        return np.full(len(records), np.nan), 0
    ns = _index_ns(records)
    nat = ns == np.iinfo(np.int64).min
    if nat.all():
        return np.full(len(records), np.nan), 0
    ref = int(ns[~nat][0])
    t = (ns - ref) / 1e9
    t[nat] = np.nan
    return t, ref


def _pauses_s(pauses: Sequence[Sequence[Any]], ref_ns: int) -> list[tuple[float, float]]:
    import pandas as pd

    out = []
    for stop, start in pauses:
        a = pd.Timestamp(stop)
        b = pd.Timestamp(start)
        if a.tzinfo is None:
            a = a.tz_localize("UTC")
        if b.tzinfo is None:
            b = b.tz_localize("UTC")
        out.append(((a.value - ref_ns) / 1e9, (b.value - ref_ns) / 1e9))
    return out


def _column(records: pd.DataFrame, name: str) -> np.ndarray:
    if name in records.columns:
        return records[name].to_numpy(dtype="float64", na_value=np.nan, copy=True)
    return np.full(len(records), np.nan)


# ---------------------------------------------------------------------------------------
# moving / paused
# ---------------------------------------------------------------------------------------
def moving_from_speed(
    time_s: Any,
    speed_mps: Any,
    *,
    pauses_s: Sequence[tuple[float, float]] = (),
    min_speed_mps: float = 0.6,
    min_pause_s: float = 10.0,
    max_gap_s: float = 60.0,
    median_window_s: float = 5.0,
) -> np.ndarray:
    """Moving or paused, from sample times and speeds.

    Each sample stands for the interval since the previous sample (the first sample for
    itself). That interval is *paused* when any of these holds, else *moving*:

    1. its midpoint lies in a timer pause ``(stop, start)`` of ``pauses_s``;
    2. it is longer than ``max_gap_s`` (the device stopped recording: auto-pause in
       GPX/TCX, signal loss);
    3. it belongs to a stretch in which the running median of the speed (over about
       ``median_window_s``) stays below ``min_speed_mps`` for at least ``min_pause_s``
       in total. The median keeps the edges of a stop sharp and ignores GPS jitter while
       standing; shorter slow stretches (a tight turn, a one-sample dropout) stay moving,
       and a slow uphill jog or a walk above ``min_speed_mps`` is never paused. Between
       two slow stretches, a faster blip shorter than ``median_window_s`` (jitter) counts
       as slow.

    Samples without a time or a speed are judged by rules 1-2 only (with no evidence of
    a pause they count as moving).

    Parameters
    ----------
    time_s : array_like
        Sample times [s], non-decreasing (NaN allowed).
    speed_mps : array_like
        Speed [m/s] at each sample.
    pauses_s : sequence of (float, float), optional
        Timer pauses as (stop, start) on the same clock as ``time_s`` [s].
    min_speed_mps : float, default 0.6
        Below this speed [m/s] (about 28 min/km) the runner may be standing.
    min_pause_s : float, default 10.0
        Minimum duration [s] of a slow stretch to count as a pause.
    max_gap_s : float, default 60.0
        Intervals between samples longer than this [s] are paused.
    median_window_s : float, default 5.0
        Length [s] of the running median applied to the speed before the threshold
        (converted to an odd number of samples at the median sampling interval).

    Returns
    -------
    numpy.ndarray of bool
        ``True`` where the interval ending at the sample was spent moving.

    Examples
    --------
    >>> t = np.arange(0.0, 120.0)
    >>> v = np.where((t >= 40) & (t < 70), 0.1, 3.0)   # 30 s standing at a light
    >>> m = moving_from_speed(t, v)
    >>> int((~m).sum())
    30
    """
    t = _f64(time_s)
    v = _f64(speed_mps)
    _check_same_length(time_s=t, speed_mps=v)
    n = len(t)
    out = np.ones(n, dtype=bool)
    if n == 0:
        return out
    dt = np.zeros(n)
    dt[1:] = np.diff(t)
    timed = np.isfinite(t)
    dt_ok = np.isfinite(dt)
    dt = np.where(dt_ok, dt, 0.0)

    # 1. timer pauses: interval midpoint inside (stop, start)
    if len(pauses_s):
        p = np.array(sorted((float(a), float(b)) for a, b in pauses_s), dtype="float64")
        p = p[p[:, 1] >= p[:, 0]]
        if len(p):
            mid = t.copy()
            mid[1:] = 0.5 * (t[1:] + t[:-1])
            mid = np.where(np.isfinite(mid), mid, t)
            # merge overlapping pauses so that stops and starts are both sorted
            ends = np.maximum.accumulate(p[:, 1])
            k = np.searchsorted(p[:, 0], mid, side="right") - 1
            inside = (k >= 0) & (mid <= ends[np.maximum(k, 0)])
            out &= ~(inside & np.isfinite(mid))

    # 2. gaps in the sampling
    out &= ~(dt > max_gap_s)

    # 3. slow for long enough
    good = timed & np.isfinite(v)
    if good.sum() >= 2:
        gi = np.flatnonzero(good)
        k = _odd_count(median_window_s, _median_step(t[gi]))
        vm = _rolling_median(v[gi], k)
        slow = np.zeros(n, dtype=bool)
        slow[gi] = vm < min_speed_mps
        # a blip of speed (GPS jitter) shorter than the median window between two slow
        # stretches does not break the stop
        f_starts, f_stops = _runs(~slow)
        if len(f_starts):
            cum = np.concatenate(([0.0], np.cumsum(dt)))
            blip = (cum[f_stops] - cum[f_starts] < median_window_s) & (f_starts > 0)
            blip &= f_stops < n
            mark = np.zeros(n + 1, dtype=np.int32)
            np.add.at(mark, f_starts[blip], 1)
            np.add.at(mark, f_stops[blip], -1)
            slow |= np.cumsum(mark[:-1]) > 0
        starts, stops = _runs(slow)
        if len(starts):
            cum = np.concatenate(([0.0], np.cumsum(np.where(slow, dt, 0.0))))
            dur = cum[stops] - cum[starts]
            long = dur >= min_pause_s
            mark = np.zeros(n + 1, dtype=np.int32)
            np.add.at(mark, starts[long], 1)
            np.add.at(mark, stops[long], -1)
            out &= ~(np.cumsum(mark[:-1]) > 0)
    return out


def _measured_speed(records: pd.DataFrame, t: np.ndarray) -> np.ndarray:
    """Where the records' ``speed_mps`` is the device's: known, and not merely the
    backward difference of the raw ``distance_m`` (which readers fill in for a file
    without speed)."""
    v = _column(records, "speed_mps")
    raw_dist = _column(records, "distance_m")
    if len(t) >= 2 and np.isfinite(raw_dist).any():
        with np.errstate(invalid="ignore"):
            derived = geo.speed_from_distance(t, raw_dist)
        same = np.isclose(v, derived, rtol=1e-6, atol=1e-6)
    else:
        same = np.zeros(len(v), dtype=bool)
    return ~np.isnan(v) & ~same


def _speed_estimate(records: pd.DataFrame, t: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """Device speed where recorded (and not merely derived from raw distance), else the
    speed from the given clean distance."""
    v = _column(records, "speed_mps")
    from_clean = geo.speed_from_distance(t, distance) if len(t) >= 2 else np.full(len(t), np.nan)
    return np.where(_measured_speed(records, t), v, from_clean)


def moving(
    data: Activity | pd.DataFrame,
    *,
    pauses: Sequence[tuple[Any, Any]] | None = None,
    min_speed_mps: float = 0.6,
    min_pause_s: float = 10.0,
    max_gap_s: float = 60.0,
    median_window_s: float = 5.0,
) -> np.ndarray:
    """Moving or paused, for every record of an activity.

    Combines the timer pauses (FIT timer stop/start events, GPX segment breaks), gaps in
    the sampling and a speed threshold that must hold for a minimum duration; see
    :func:`moving_from_speed` for the rules. The speed is the device speed where the
    file has one, else the speed from :func:`clean_distance`.

    Parameters
    ----------
    data : Activity or pandas.DataFrame
        An activity, or its records frame.
    pauses : sequence of (pandas.Timestamp, pandas.Timestamp), optional
        Timer pauses (stop, start); by default ``data.meta.pauses`` for an Activity and
        none for a bare records frame.
    min_speed_mps, min_pause_s, max_gap_s, median_window_s : float
        As in :func:`moving_from_speed` [m/s, s, s, s].

    Returns
    -------
    numpy.ndarray of bool
        Aligned to ``records.index``: ``True`` where the interval ending at the record
        was spent moving.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> act = ka.read("data/samples/easy_run_strides.fit")  # doctest: +SKIP
    >>> ka.moving(act).mean()  # doctest: +SKIP
    """
    records, meta = _split(data)
    t, ref = _time_s(records, meta)
    if pauses is None:
        pauses = meta.pauses if meta is not None else ()
    pauses_s = _pauses_s(pauses, ref) if np.isfinite(t).any() else []
    dist = _clean_distance(records, meta, t, "auto", 12.0, 25.0, None, _Positions(records, t))
    v = _speed_estimate(records, t, dist)
    return moving_from_speed(
        t,
        v,
        pauses_s=pauses_s,
        min_speed_mps=min_speed_mps,
        min_pause_s=min_pause_s,
        max_gap_s=max_gap_s,
        median_window_s=median_window_s,
    )


def moving_time_s(
    data: Activity | pd.DataFrame,
    *,
    pauses: Sequence[tuple[Any, Any]] | None = None,
    min_speed_mps: float = 0.6,
    min_pause_s: float = 10.0,
    max_gap_s: float = 60.0,
    median_window_s: float = 5.0,
) -> float:
    """Total moving time of an activity.

    Parameters
    ----------
    data : Activity or pandas.DataFrame
        An activity, or its records frame.
    pauses, min_speed_mps, min_pause_s, max_gap_s, median_window_s
        As in :func:`moving`.

    Returns
    -------
    float
        Sum of the intervals between records that :func:`moving` marks as moving [s]
        (0.0 for fewer than two timed records).

    Examples
    --------
    >>> import kickanalysis as ka
    >>> act = ka.read("data/samples/easy_run_strides.fit")  # doctest: +SKIP
    >>> ka.moving_time_s(act)  # doctest: +SKIP
    """
    records, meta = _split(data)
    m = moving(
        data,
        pauses=pauses,
        min_speed_mps=min_speed_mps,
        min_pause_s=min_pause_s,
        max_gap_s=max_gap_s,
        median_window_s=median_window_s,
    )
    t, _ = _time_s(records, meta)
    return _moving_time(t, m)


def _moving_time(t: np.ndarray, m: np.ndarray) -> float:
    if len(t) < 2:
        return 0.0
    dt = np.diff(t)
    use = m[1:] & np.isfinite(dt)
    return float(dt[use].sum())


# ---------------------------------------------------------------------------------------
# distance
# ---------------------------------------------------------------------------------------
def _haversine_pre(
    r1: np.ndarray, c1: np.ndarray, lon1: np.ndarray, r2: np.ndarray, c2: np.ndarray, lon2: Any
) -> np.ndarray:
    """:func:`kickanalysis.geo.haversine_m` [5] from latitudes already in radians
    (``r``) with their cosines (``c``): the same operations in the same order, so the
    same numbers, without converting and taking the cosine of each point again."""
    dlat = r2 - r1
    dlon = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dlat * 0.5) ** 2 + c1 * c2 * np.sin(dlon * 0.5) ** 2
    return 2.0 * geo.EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _path_steps(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Haversine distances [m] between consecutive points (``len(lat) - 1`` of them)."""
    r = np.radians(lat)
    c = np.cos(r)
    return _haversine_pre(r[:-1], c[:-1], lon[:-1], r[1:], c[1:], lon[1:])


def _excursions(
    lat: np.ndarray, lon: np.ndarray, t: np.ndarray, *, max_speed_mps: float, max_points: int
) -> np.ndarray:
    """Points inside short excursions: a jump away faster than ``max_speed_mps`` followed,
    within ``max_points`` points, by a jump back, where skipping the excursion is
    plausible."""
    n = len(lat)
    bad = np.zeros(n, dtype=bool)
    if n < 3:
        return bad
    step = _path_steps(lat, lon)
    dt = np.diff(t)
    with np.errstate(divide="ignore", invalid="ignore"):
        fast = np.where(dt > 0, step / dt > max_speed_mps, step > max_speed_mps)
    jumps = np.flatnonzero(fast) + 1  # jump into point j
    if len(jumps) < 2:
        return bad
    a = jumps[:-1]  # first point of the excursion
    b = jumps[1:]  # first point after it
    near = (b - a) <= max_points
    if not near.any():
        return bad
    a, b = a[near], b[near]
    skip = geo.haversine_m(lat[a - 1], lon[a - 1], lat[b], lon[b])
    dts = t[b] - t[a - 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = np.where(dts > 0, skip / dts <= max_speed_mps, skip <= max_speed_mps)
    a, b = a[ok], b[ok]
    mark = np.zeros(n + 1, dtype=np.int32)
    np.add.at(mark, a, 1)
    np.add.at(mark, b, -1)
    return np.cumsum(mark[:-1]) > 0


def _local_speed(step: np.ndarray, dt: np.ndarray) -> np.ndarray:
    """Speed [m/s] around each interior point from the steps that do not touch it.

    For point ``i`` (1 … n-2), the median speed of the two steps before its incoming
    step and the two after its outgoing step (NaN where none is known).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(dt > 0, step / dt, np.nan)
    pad = np.concatenate((np.full(3, np.nan), v, np.full(3, np.nan)))
    # v[j] is the step from point j to j+1; point i uses v[i-3], v[i-2], v[i+1], v[i+2]
    i = np.arange(1, len(step))
    around = np.stack((pad[i], pad[i + 1], pad[i + 4], pad[i + 5]), axis=1)
    # median of the known ones (NaN sort last): mean of the two middle known values
    around.sort(axis=1)
    count = np.isfinite(around).sum(axis=1)
    lo = np.maximum((count - 1) // 2, 0)
    hi = np.maximum(count // 2, 0)
    rows = np.arange(len(i))
    return 0.5 * (around[rows, lo] + around[rows, hi])


def _spikes(
    lat: np.ndarray, lon: np.ndarray, t: np.ndarray, *, threshold_m: float, detour_m: float
) -> np.ndarray:
    """Single points that add a detour the runner could not have run.

    A point is a candidate when (a) it lies far off the line between its neighbours in
    an out-and-back shape (offset and detour above ``threshold_m``), or (b) its detour
    exceeds ``detour_m`` *and* going through it needs more than ``detour_m`` beyond
    what the local speed (from the steps around, :func:`_local_speed`) covers in the
    time between the neighbours.
    """
    n = len(lat)
    bad = np.zeros(n, dtype=bool)
    if n < 3:
        return bad
    p0 = slice(0, n - 2)
    p1 = slice(1, n - 1)
    p2 = slice(2, n)
    r = np.radians(lat)
    c = np.cos(r)
    steps = _haversine_pre(r[:-1], c[:-1], lon[:-1], r[1:], c[1:], lon[1:])
    d_in, d_out = steps[:-1], steps[1:]
    d_skip = _haversine_pre(r[p0], c[p0], lon[p0], r[p2], c[p2], lon[p2])
    dt_in = t[p1] - t[p0]
    dt_all = t[p2] - t[p0]
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(dt_all > 0, dt_in / dt_all, 0.5)
    f = np.where(np.isfinite(f), f, 0.5)
    lat_i = lat[p0] + f * (lat[p2] - lat[p0])
    lon_i = lon[p0] + f * (lon[p2] - lon[p0])
    r_i = np.radians(lat_i)
    offset = _haversine_pre(r[p1], c[p1], lon[p1], r_i, np.cos(r_i), lon_i)
    excess = d_in + d_out - d_skip
    cand = (offset > threshold_m) & (excess > threshold_m)
    v_local = _local_speed(steps, np.diff(t))
    with np.errstate(invalid="ignore"):
        too_far = d_in + d_out - v_local * dt_all > detour_m
    cand |= (excess > detour_m) & too_far
    # of two neighbouring candidates, keep only the one further off
    off = np.where(cand, offset, -np.inf)
    left = np.concatenate(([-np.inf], off[:-1]))
    right = np.concatenate((off[1:], [-np.inf]))
    cand &= (off >= left) & (off > right)
    bad[1:-1] = cand
    return bad


#: Kept positions of a track: indices, lat [deg], lon [deg], time [s] since t0, t0 [s].
_Track = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]


def distance_from_positions(
    lat_deg: Any,
    lon_deg: Any,
    time_s: Any = None,
    *,
    max_speed_mps: float = 12.0,
    min_spike_m: float = 20.0,
    spike_steps: float = 1.5,
    max_excursion_points: int = 5,
    min_detour_m: float = 10.0,
    smooth_s: float = 25.0,
    moving: Any = None,
) -> np.ndarray:
    """Cumulative distance along a GPS track, robust to position spikes.

    Outliers are removed before the haversine sum [5]:

    1. *Excursions*: a step away faster than ``max_speed_mps`` followed, within
       ``max_excursion_points`` points, by a step back, where going straight from the
       point before to the point after is plausible (at most ``max_speed_mps``). This
       catches single spikes at high sampling rates and short multi-point glitches.
    2. *Spikes*: a single point whose distance from the neighbours' interpolated
       position (at its time) *and* whose detour ``d(prev, p) + d(p, next) - d(prev,
       next)`` both exceed ``max(min_spike_m, spike_steps * median step)``. The detour
       condition keeps real corners; the scale on the median step keeps sparse
       ("smart") recordings intact.
    3. *Detours faster than the runner*: a single point whose detour exceeds
       ``min_detour_m`` *and* through which the path ``d(prev, p) + d(p, next)`` is
       more than ``min_detour_m`` longer than what the runner covers at the local speed
       (the median speed of the two steps before and the two after, which do not touch
       the point) in the time from ``prev`` to ``next``. This accounts for the time
       step, so it finds spikes that sparse, irregular sampling catches at one point
       (a 30 m jump seen 5-7 s from its neighbours looks like a corner to test 2). A
       real corner or turnaround is run at the local speed and is kept; a point on a
       straight line has no detour and is never removed, whatever the speed change.

    Tests 2-3 are repeated up to three times.

    The kept positions are then smoothed by locally weighted quadratic regression
    (LOESS [6, 7]) over a centred window of ``smooth_s`` in time, tricube weights.
    GPS error wanders (correlated over tens of seconds), and its fast part adds path
    length: white-ish position noise grows the haversine sum by about
    ``sigma_step^2 / (2 step)`` per step, 1-3 % at 1 Hz for 3-4 m of error, which is
    3-10 s per km of split time. A long window removes most of it, and a local parabola
    keeps bends: a circular arc is shortened by a term of fourth order in the angle
    the window spans, not second order as with a moving average (on a 400 m track at
    6 m/s a 25 s window shortens the lap less than a 5 s moving average does). Only
    densely sampled points move — both neighbours within ``smooth_s / 4`` — so a
    sparse recording, whose points are few and already add little noise length, keeps
    its corners exactly. The slow part of the GPS error (an offset held for a minute)
    cannot be told from the path by any smoother and stays in the distance.

    A single point 50 m off a straight line then adds (almost) nothing, where the raw
    haversine sum adds about 100 m. Removed points and points without a position get
    the cumulative distance interpolated in time between their kept neighbours.

    Parameters
    ----------
    lat_deg, lon_deg : array_like
        Positions [deg] (NaN where unknown).
    time_s : array_like, optional
        Sample times [s], non-decreasing. Without times the speed test (1) is skipped
        and removed points take the previous kept point's distance.
    max_speed_mps : float, default 12.0
        Fastest plausible speed [m/s] between two points.
    min_spike_m : float, default 20.0
        Smallest offset [m] that can make a point a spike (test 2).
    spike_steps : float, default 1.5
        Test 2 threshold in units of the median distance between points.
    max_excursion_points : int, default 5
        Longest excursion [points] removed by test 1.
    min_detour_m : float, default 10.0
        Test 3: smallest detour [m], and smallest path beyond the local speed [m], that
        make a point a spike.
    smooth_s : float, default 25.0
        Length [s] of the position smoothing window (local quadratic, tricube
        weights); 0 for the plain haversine sum of the kept points (needs
        ``time_s``).
    moving : array_like of bool, optional
        Where given, a step ending at a sample marked ``False`` adds no distance (GPS
        jitter while standing, jumps across pauses), and the smoothing does not reach
        across a change between moving and not moving.

    Returns
    -------
    numpy.ndarray
        Cumulative distance [m], 0 at the first known position (NaN before it).

    Examples
    --------
    >>> lat = np.zeros(5)
    >>> lon = np.array([0.0, 0.00003, 0.00006, 0.00009, 0.00012])
    >>> lat[2] = 0.00045                     # one point 50 m to the side
    >>> raw = geo.path_distance_m(lat, lon)[-1]
    >>> clean = distance_from_positions(lat, lon, np.arange(5.0))[-1]
    >>> round(float(raw)), round(float(clean), 1)
    (107, 13.3)
    """
    lat = _f64(lat_deg)
    lon = _f64(lon_deg)
    _check_same_length(lat_deg=lat, lon_deg=lon)
    n = len(lat)
    timed = time_s is not None
    t = _f64(time_s) if timed else np.arange(n, dtype="float64")
    _check_same_length(lat_deg=lat, time_s=t)
    mv = None
    if moving is not None:
        mv = np.asarray(moving, dtype=bool)
        _check_same_length(lat_deg=lat, moving=mv)
    track = _kept_track(
        lat,
        lon,
        t,
        timed,
        max_speed_mps=max_speed_mps,
        min_spike_m=min_spike_m,
        spike_steps=spike_steps,
        max_excursion_points=max_excursion_points,
        min_detour_m=min_detour_m,
    )
    return _track_distance(track, t, timed, smooth_s=smooth_s, moving=mv)


def _kept_track(
    lat: np.ndarray,
    lon: np.ndarray,
    t: np.ndarray,
    timed: bool,
    *,
    max_speed_mps: float,
    min_spike_m: float,
    spike_steps: float,
    max_excursion_points: int,
    min_detour_m: float,
) -> _Track | None:
    """The positions :func:`distance_from_positions` keeps after removing outliers.

    Returns ``(idx, lat, lon, time, t0)``: the kept samples' indices into the input,
    their positions [deg], their times [s] since the first known position, and that
    position's time ``t0`` [s]; None when no sample
    has a position. This part does not depend on ``moving`` or on the smoothing, so
    :func:`derive` computes it once for its two distances.
    """
    ok = np.isfinite(lat) & np.isfinite(lon)
    if timed:
        ok &= np.isfinite(t)
    idx = np.flatnonzero(ok)
    if len(idx) == 0:
        return None
    la, lo, tt = lat[idx], lon[idx], t[idx] - t[idx[0]]
    keep = np.ones(len(idx), dtype=bool)
    if timed:
        keep &= ~_excursions(
            la, lo, tt, max_speed_mps=max_speed_mps, max_points=max_excursion_points
        )
    if keep.sum() >= 3:
        k = np.flatnonzero(keep)
        steps = _path_steps(la[k], lo[k])
        moved = steps[steps > 0]
        typical = float(np.median(moved)) if len(moved) else 0.0
        threshold = max(min_spike_m, spike_steps * typical)
        for _ in range(3):
            k = np.flatnonzero(keep)
            bad = _spikes(la[k], lo[k], tt[k], threshold_m=threshold, detour_m=min_detour_m)
            if not bad.any():
                break
            keep[k[bad]] = False
    k = np.flatnonzero(keep)
    return idx[k], la[k], lo[k], tt[k], float(t[idx[0]])


def _track_distance(
    track: _Track | None,
    t: np.ndarray,
    timed: bool,
    *,
    smooth_s: float,
    moving: np.ndarray | None,
) -> np.ndarray:
    """Smooth the kept positions of :func:`_kept_track` and sum the steps (see
    :func:`distance_from_positions`), aligned to the ``len(t)`` samples."""
    n = len(t)
    out = np.full(n, np.nan)
    if track is None:
        return out
    mv = moving
    kidx, lak, lok, tk, t0 = track
    if timed and smooth_s > 0 and len(kidx) >= 4:
        lon_unwrapped = np.unwrap(lok, period=360.0)
        # a stop (``moving`` False) splits the smoothing: a parabola across the sharp
        # change from running to standing would pull the last moving points towards
        # the stop and the first ones after it, and lose a few metres at every stop
        segment = None if mv is None else np.cumsum(np.diff(mv[kidx], prepend=False))
        fit = _local_quadratic(
            tk, np.stack((lak, lon_unwrapped), axis=1), smooth_s, segment=segment
        )
        lat_s, lon_s = fit[:, 0], fit[:, 1]
        # only densely sampled points move: both neighbours within smooth_s / 4
        gaps = np.diff(tk)
        gap = np.maximum(np.concatenate(([0.0], gaps)), np.concatenate((gaps, [0.0])))
        dense = gap <= 0.25 * smooth_s
        lak = np.where(dense, lat_s, lak)
        lok = np.where(dense, lon_s, lon_unwrapped)
        lok = (lok + 180.0) % 360.0 - 180.0
    step = _path_steps(lak, lok)
    if mv is not None:
        step = np.where(mv[kidx[1:]], step, 0.0)
    cum = np.concatenate(([0.0], np.cumsum(step)))
    first = kidx[0]
    after = np.arange(n) >= first
    if timed:
        rel = t - t0
        fill = after & np.isfinite(rel)
        out[fill] = np.interp(rel[fill], tk, cum)
        # untimed samples after the first position carry the previous value
        carry = after & ~np.isfinite(rel)
        if carry.any():
            pos = np.where(np.isfinite(out), np.arange(n), -1)
            pos = np.maximum.accumulate(pos)
            out[carry] = out[pos[carry]]
    else:
        pos = np.full(n, -1)
        pos[kidx] = np.arange(len(kidx))
        pos = np.maximum.accumulate(pos)
        out[after] = cum[pos[after]]
    return out


class _Positions:
    """The distances from positions of one records frame, computed when first asked
    for and kept: :func:`derive` needs up to three of them (the reliability test of the
    device distance, then the distance before and after the moving mask is known), and
    they share the outlier removal (:func:`_kept_track`)."""

    def __init__(self, records: pd.DataFrame, t: np.ndarray) -> None:
        self.lat = _column(records, "lat_deg")
        self.lon = _column(records, "lon_deg")
        self.timed = bool(np.isfinite(t).any())
        self.t = t if self.timed else np.arange(len(t), dtype="float64")
        self.count = int((np.isfinite(self.lat) & np.isfinite(self.lon)).sum())
        self._tracks: dict[float, _Track | None] = {}
        self._plain: dict[tuple[float, float], np.ndarray] = {}

    def distance(
        self, *, max_speed_mps: float = 12.0, smooth_s: float = 25.0, moving: Any = None
    ) -> np.ndarray:
        """:func:`distance_from_positions` with the default outlier thresholds."""
        if max_speed_mps not in self._tracks:
            self._tracks[max_speed_mps] = _kept_track(
                self.lat,
                self.lon,
                self.t,
                self.timed,
                max_speed_mps=max_speed_mps,
                min_spike_m=20.0,
                spike_steps=1.5,
                max_excursion_points=5,
                min_detour_m=10.0,
            )
        track = self._tracks[max_speed_mps]
        if moving is not None:
            mv = np.asarray(moving, dtype=bool)
            _check_same_length(lat_deg=self.lat, moving=mv)
            return _track_distance(track, self.t, self.timed, smooth_s=smooth_s, moving=mv)
        key = (max_speed_mps, smooth_s)
        if key not in self._plain:
            self._plain[key] = _track_distance(
                track, self.t, self.timed, smooth_s=smooth_s, moving=None
            )
        return self._plain[key].copy()


def _device_distance_reliable(
    records: pd.DataFrame,
    meta: Any,
    t: np.ndarray,
    *,
    max_speed_mps: float,
    positions: _Positions | None = None,
) -> bool:
    d = _column(records, "distance_m")
    n = len(d)
    if meta is not None:
        if meta.format == "gpx":
            return False  # the GPX reader computes distance_m from the raw positions
        if meta.extra.get("distance_source") not in (None, "file", "device"):
            return False
    finite = np.isfinite(d)
    if n < 2 or finite.sum() < max(2, 0.9 * n):
        return False
    dv = d[finite]
    if not dv[-1] - dv[0] > 0:
        return False
    steps = np.diff(dv)
    if (steps < -1.0).mean() > 0.01:
        return False
    tv = t[finite]
    if np.isfinite(tv).sum() >= 2:
        dt = np.diff(tv)
        with np.errstate(divide="ignore", invalid="ignore"):
            fast = (dt > 0) & (steps / dt > max_speed_mps)
        if fast.mean() > 0.01:
            return False
    if positions is None:
        positions = _Positions(records, t)
    if positions.count >= max(3, 0.5 * n):
        ratio = _device_to_positions(d, positions)
        if np.isfinite(ratio) and not (0.7 <= ratio <= 1.4):
            return False
    return True


def _device_to_positions(d: np.ndarray, positions: _Positions, step_s: float = 10.0) -> float:
    """The device distance over the distance along the positions, as a robust ratio.

    Both are compared over steps of about ``step_s`` between samples that have both
    (long enough that GPS jitter adds little to a step's length); the ratio is the
    median over the steps that move more than 5 m, so that a GPS spike or a stop does
    not count. NaN when the positions cover less than 100 m in such steps.
    """
    ok = np.isfinite(d) & np.isfinite(positions.lat) & np.isfinite(positions.lon)
    k = np.flatnonzero(ok)
    if len(k) < 3:
        return float("nan")
    tk = positions.t[k]
    marks = np.arange(tk[0], tk[-1] + step_s, step_s)
    k = np.unique(k[np.clip(np.searchsorted(tk, marks), 0, len(k) - 1)])
    if len(k) < 3:
        return float("nan")
    pos = geo.haversine_m(
        positions.lat[k[:-1]], positions.lon[k[:-1]], positions.lat[k[1:]], positions.lon[k[1:]]
    )
    dev = np.diff(d[k])
    moving = pos > 5.0
    if pos[moving].sum() <= 100.0:
        return float("nan")
    return float(np.median(dev[moving] / pos[moving]))


def distance_source(data: Activity | pd.DataFrame, *, max_speed_mps: float = 12.0) -> str:
    """Which distance :func:`clean_distance` uses for an activity.

    The device distance is used when it is *reliable*: recorded by the device (not
    computed by the GPX reader, nor from positions by the TCX reader), present on at
    least 90 % of the records, increasing overall, going backwards on at most 1 % of
    the steps, faster than ``max_speed_mps`` on at most 1 % of them, and, where the
    track has positions, within 0.7-1.4 times the spike-cleaned position distance.

    Parameters
    ----------
    data : Activity or pandas.DataFrame
        An activity, or its records frame.
    max_speed_mps : float, default 12.0
        Fastest plausible speed [m/s].

    Returns
    -------
    str
        ``"device"``, ``"positions"`` (spike-cleaned haversine distance) or ``"none"``.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> from kickanalysis import signal
    >>> signal.distance_source(ka.read("data/samples/race_5k_kick.gpx"))  # doctest: +SKIP
    'positions'
    """
    records, meta = _split(data)
    t, _ = _time_s(records, meta)
    return _distance_source(records, meta, t, max_speed_mps, _Positions(records, t))


def _distance_source(
    records: pd.DataFrame, meta: Any, t: np.ndarray, max_speed_mps: float, positions: _Positions
) -> str:
    if _device_distance_reliable(
        records, meta, t, max_speed_mps=max_speed_mps, positions=positions
    ):
        return "device"
    if positions.count >= 2:
        return "positions"
    if np.isfinite(_column(records, "distance_m")).any():
        return "device"
    return "none"


def clean_distance(
    data: Activity | pd.DataFrame,
    *,
    source: str = "auto",
    max_speed_mps: float = 12.0,
    smooth_s: float = 25.0,
    moving: Any = None,
) -> np.ndarray:
    """Cumulative distance of an activity: the device's when reliable, else from positions.

    Parameters
    ----------
    data : Activity or pandas.DataFrame
        An activity, or its records frame.
    source : {"auto", "device", "positions"}, default "auto"
        ``"auto"`` picks with :func:`distance_source`.
    max_speed_mps : float, default 12.0
        Fastest plausible speed [m/s] (reliability test and spike removal).
    smooth_s : float, default 25.0
        Position smoothing window [s] for the distance from positions (see
        :func:`distance_from_positions`).
    moving : array_like of bool, optional
        For the distance from positions: steps ending at samples marked ``False`` add
        nothing (see :func:`distance_from_positions`).

    Returns
    -------
    numpy.ndarray
        Cumulative distance [m] aligned to the records, non-decreasing. A device
        distance has gaps carried forward and backward steps removed (running maximum).
        NaN where nothing is known.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> act = ka.read("data/samples/race_5k_kick.fit")  # doctest: +SKIP
    >>> from kickanalysis import signal
    >>> signal.clean_distance(act)[-1]  # doctest: +SKIP
    """
    records, meta = _split(data)
    t, _ = _time_s(records, meta)
    return _clean_distance(
        records, meta, t, source, max_speed_mps, smooth_s, moving, _Positions(records, t)
    )


def _clean_distance(
    records: pd.DataFrame,
    meta: Any,
    t: np.ndarray,
    source: str,
    max_speed_mps: float,
    smooth_s: float,
    moving: Any,
    positions: _Positions,
) -> np.ndarray:
    if source == "auto":
        source = _distance_source(records, meta, t, max_speed_mps, positions)
    if source not in ("device", "positions", "none"):
        raise ValueError(f"source must be 'auto', 'device' or 'positions', not {source!r}")
    n = len(records)
    if source == "device":
        d = _column(records, "distance_m")
        finite = np.isfinite(d)
        if not finite.any():
            return np.full(n, np.nan)
        pos = np.where(finite, np.arange(n), -1)
        pos = np.maximum.accumulate(pos)
        out = np.where(pos >= 0, d[np.maximum(pos, 0)], np.nan)
        started = pos >= 0
        out[started] = np.fmax.accumulate(out[started])
        return out
    if source == "none":
        return np.full(n, np.nan)
    return positions.distance(max_speed_mps=max_speed_mps, smooth_s=smooth_s, moving=moving)


# ---------------------------------------------------------------------------------------
# speed
# ---------------------------------------------------------------------------------------
def smooth_speed(
    time_s: Any,
    speed_mps: Any,
    *,
    window_s: float = 7.0,
    spike_window_s: float = 5.0,
    n_sigma: float = 3.0,
) -> np.ndarray:
    """Speed with GPS jitter and spikes removed, surges kept.

    Two steps: a Hampel filter [3, 4] replaces isolated spikes (samples more than
    ``n_sigma`` robust standard deviations, and at least 0.5 m/s, from the running
    median over about ``spike_window_s``, at least three samples); then a centred moving
    average over ``window_s`` *in time*: each sample weighs with the time it represents
    (half the interval to each neighbour), so irregular sampling is handled and a surge
    longer than ``window_s`` keeps its full height.

    Parameters
    ----------
    time_s : array_like
        Sample times [s], non-decreasing.
    speed_mps : array_like
        Speed [m/s]; NaN where unknown (carries no weight).
    window_s : float, default 7.0
        Length of the centred averaging window [s]; at 1 Hz it reduces white jitter
        about 2.6-fold.
    spike_window_s : float, default 5.0
        Length of the running median window of the spike filter [s].
    n_sigma : float, default 3.0
        Spike threshold in robust standard deviations (1.4826 MAD).

    Returns
    -------
    numpy.ndarray
        Smoothed speed [m/s] (NaN where the time is unknown).

    Examples
    --------
    >>> t = np.arange(0.0, 60.0)
    >>> v = np.full(60, 3.0)
    >>> v[30] = 15.0                                  # a GPS spike
    >>> v[40:55] = 4.2                                # a 15 s surge
    >>> s = smooth_speed(t, v)
    >>> round(float(s[30]), 2), round(float(s[47]), 2)
    (3.0, 4.2)
    """
    t = _f64(time_s)
    v = _f64(speed_mps)
    _check_same_length(time_s=t, speed_mps=v)
    out = np.full(len(t), np.nan)
    ok = np.isfinite(t)
    if not ok.any():
        return out
    idx = np.flatnonzero(ok)
    tt, vv = t[idx], v[idx]
    k = _odd_count(spike_window_s, _median_step(tt))
    vv = _hampel(vv, k, n_sigma=n_sigma, floor=0.5)
    out[idx] = _box_mean(tt, vv, window_s)
    return out


# ---------------------------------------------------------------------------------------
# elevation and grade
# ---------------------------------------------------------------------------------------
def _elevation_glitches(
    e: np.ndarray,
    dist: np.ndarray | None,
    tim: np.ndarray | None,
    min_jump_m: float,
    max_climb_mps: float,
    max_points: int,
) -> np.ndarray:
    """Samples inside short elevation glitches (jump away, jump back)."""
    n = len(e)
    bad = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(np.isfinite(e))
    if len(idx) < 3:
        return bad
    x = e[idx]
    step = np.diff(x)
    jump = np.abs(step) > min_jump_m
    with np.errstate(invalid="ignore", divide="ignore"):
        if tim is not None:
            dt = np.diff(tim[idx])
            jump &= ~(np.abs(step) <= max_climb_mps * dt)
        if dist is not None:
            dd = np.diff(dist[idx])
            jump &= ~(np.abs(step) <= dd)
    j = np.flatnonzero(jump) + 1  # first sample after each jump
    if len(j) < 2:
        return bad
    a, b = j[:-1], j[1:]
    back = (np.sign(step[a - 1]) != np.sign(step[b - 1])) & (b - a <= max_points)
    level = np.abs(x[b] - x[a - 1]) < 0.5 * np.minimum(np.abs(step[a - 1]), np.abs(step[b - 1]))
    a, b = a[back & level], b[back & level]
    mark = np.zeros(len(x) + 1, dtype=np.int32)
    np.add.at(mark, a, 1)
    np.add.at(mark, b, -1)
    bad[idx[np.cumsum(mark[:-1]) > 0]] = True
    return bad


def smooth_elevation(
    elevation_m: Any,
    *,
    distance_m: Any = None,
    time_s: Any = None,
    window_m: float = 50.0,
    window_s: float = 30.0,
    n_sigma: float = 3.0,
    min_jump_m: float = 5.0,
    max_climb_mps: float = 5.0,
    max_jump_points: int = 10,
) -> np.ndarray:
    """Elevation with spikes and noise removed.

    Three steps: (1) *glitches* — a jump of more than ``min_jump_m`` that is also faster
    than ``max_climb_mps`` (when ``time_s`` is given) and steeper than 100 % (when
    ``distance_m`` is given), followed within ``max_jump_points`` samples by a jump
    back to about the level before it, is removed (barometer start-up glitches, GPS
    altitude spikes); (2) a Hampel filter [3, 4] (5-sample running median, outliers
    beyond ``n_sigma`` robust standard deviations and at least 1 m); (3) a centred
    moving average over ``window_m`` of distance when ``distance_m`` is given (best for
    grades: standing still does not weigh in), else over ``window_s`` of time, else
    over 5 samples; near the ends the window shrinks symmetrically, so a steady climb
    keeps its grade up to the first and last samples. Removed samples are filled by
    interpolation.

    Parameters
    ----------
    elevation_m : array_like
        Elevation [m]; NaN where unknown (filled from the neighbours).
    distance_m : array_like, optional
        Cumulative distance [m], non-decreasing.
    time_s : array_like, optional
        Sample times [s], non-decreasing (used when ``distance_m`` is not given).
    window_m : float, default 50.0
        Averaging window over distance [m].
    window_s : float, default 30.0
        Averaging window over time [s].
    n_sigma : float, default 3.0
        Spike threshold in robust standard deviations.
    min_jump_m : float, default 5.0
        Smallest elevation step [m] that can start or end a glitch.
    max_climb_mps : float, default 5.0
        Fastest plausible vertical speed [m/s] (glitch test, with ``time_s``).
    max_jump_points : int, default 10
        Longest glitch [samples] removed.

    Returns
    -------
    numpy.ndarray
        Smoothed elevation [m] (NaN where the axis is unknown or no elevation exists).

    Examples
    --------
    >>> d = np.arange(0.0, 500.0, 5.0)
    >>> e = 100 + 0.05 * d                       # a steady 5 % climb
    >>> e[50] += 30                              # a barometer glitch
    >>> s = smooth_elevation(e, distance_m=d)
    >>> round(float(s[50] - (e[50] - 30)), 1)
    0.0
    """
    e = _f64(elevation_m)
    n = len(e)
    dist = _f64(distance_m) if distance_m is not None else None
    tim = _f64(time_s) if time_s is not None else None
    if dist is not None:
        axis, window = dist, window_m
    elif tim is not None:
        axis, window = tim, window_s
    else:
        axis, window = np.arange(n, dtype="float64"), 5.0
    _check_same_length(elevation_m=e, axis=axis)
    if tim is not None:
        _check_same_length(elevation_m=e, time_s=tim)
    out = np.full(n, np.nan)
    ok = np.isfinite(axis)
    if not ok.any() or not np.isfinite(e).any():
        return out
    e = e.copy()
    e[_elevation_glitches(e, dist, tim, min_jump_m, max_climb_mps, max_jump_points)] = np.nan
    idx = np.flatnonzero(ok)
    ee = e[idx]
    good = np.isfinite(ee)
    if good.sum() >= 3:
        filt = ee.copy()
        filt[good] = _hampel(ee[good], 5, n_sigma=n_sigma, floor=1.0)
        ee = filt
    res = _box_mean(axis[idx], ee, window, symmetric_ends=True)
    # fill samples without elevation (or with a window of no weight) by interpolation
    known = np.isfinite(res)
    if known.any() and not known.all():
        pos = np.arange(len(res))
        res = np.interp(pos, pos[known], res[known])
    out[idx] = res
    return out


def elevation_gain_loss(elevation_m: Any, *, threshold_m: float = 2.0) -> tuple[float, float]:
    """Total climb and descent with a hysteresis threshold.

    A change of direction counts only once the elevation has moved ``threshold_m`` away
    from the last extreme (a zig-zag / Schmitt-trigger filter), so noise smaller than the
    threshold adds nothing, while every confirmed climb counts in full, from the valley
    to the peak. NaN values are skipped.

    The default of 2 m, applied to :func:`smooth_elevation` output, agrees with the
    session totals of barometric Garmin watches (see the tests). Swings of the input
    that are pure noise must stay below the threshold: for smoothed GPS altitude
    (noise of a metre or more) use about 5 m.

    Parameters
    ----------
    elevation_m : array_like
        Elevation [m], in recording order.
    threshold_m : float, default 2.0
        Hysteresis [m]: the smallest climb or descent that counts.

    Returns
    -------
    tuple of float
        ``(gain, loss)`` [m], both non-negative.

    Examples
    --------
    >>> elevation_gain_loss([100, 101, 100, 101, 110, 109, 110, 104])
    (10.0, 6.0)
    """
    gain, loss = elevation_gain_loss_cumulative(elevation_m, threshold_m=threshold_m)
    if len(gain) == 0:
        return 0.0, 0.0
    return float(gain[-1]), float(loss[-1])


def elevation_gain_loss_cumulative(
    elevation_m: Any, *, threshold_m: float = 2.0
) -> tuple[np.ndarray, np.ndarray]:
    """Climb and descent so far, sample by sample, with a hysteresis threshold.

    The same zig-zag filter as :func:`elevation_gain_loss` (whose totals are the last
    values here): a climb counts once it is confirmed, from the valley to the peak, and
    within a confirmed climb the gain is credited as the elevation reaches new highs
    (likewise for descents and new lows). Splits difference these series.

    Parameters
    ----------
    elevation_m : array_like
        Elevation [m], in recording order; NaN values are skipped.
    threshold_m : float, default 2.0
        Hysteresis [m]: the smallest climb or descent that counts.

    Returns
    -------
    tuple of numpy.ndarray
        Cumulative gain and loss [m] at each sample (non-decreasing, starting at 0).

    Examples
    --------
    >>> g, l = elevation_gain_loss_cumulative([100, 101, 100, 101, 110, 109, 110, 104])
    >>> g.tolist(), l.tolist()
    ([0.0, 1.0, 1.0, 1.0, 10.0, 10.0, 10.0, 10.0], [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 6.0])
    """
    e = _f64(elevation_m)
    n = len(e)
    inc_gain = np.zeros(n)
    inc_loss = np.zeros(n)
    idx = np.flatnonzero(np.isfinite(e))
    if len(idx) < 2:
        return np.cumsum(inc_gain), np.cumsum(inc_loss)
    v = e[idx]
    # keep only the turning points (vectorised); the loop below runs over those
    keep = np.concatenate(([True], np.diff(v) != 0))
    idx, v = idx[keep], v[keep]
    if len(v) >= 3:
        sgn = np.sign(np.diff(v))
        turn = np.concatenate(([True], sgn[1:] != sgn[:-1], [True]))
        idx, v = idx[turn], v[turn]
    legs: list[tuple[int, int, int]] = []  # (start index, end index, +1 climb / -1 descent)
    lo_i = hi_i = 0
    direction = 0
    turn_i = ext_i = 0
    vals = v.tolist()
    for k in range(1, len(vals)):
        x = vals[k]
        if direction == 0:
            if x < vals[lo_i]:
                lo_i = k
            if x > vals[hi_i]:
                hi_i = k
            if vals[hi_i] - vals[lo_i] >= threshold_m:
                if k == hi_i:
                    direction, turn_i, ext_i = 1, lo_i, hi_i
                else:
                    direction, turn_i, ext_i = -1, hi_i, lo_i
        elif direction > 0:
            if x > vals[ext_i]:
                ext_i = k
            elif vals[ext_i] - x >= threshold_m:
                legs.append((turn_i, ext_i, 1))
                direction, turn_i, ext_i = -1, ext_i, k
        else:
            if x < vals[ext_i]:
                ext_i = k
            elif x - vals[ext_i] >= threshold_m:
                legs.append((turn_i, ext_i, -1))
                direction, turn_i, ext_i = 1, ext_i, k
    if direction != 0:
        legs.append((turn_i, ext_i, direction))
    for a_k, b_k, sign in legs:
        a, b = int(idx[a_k]), int(idx[b_k])
        seg = e[a : b + 1]
        if sign > 0:
            run = np.fmax.accumulate(np.where(np.isnan(seg), -np.inf, seg))
            credit = np.clip(run - e[a], 0.0, e[b] - e[a])
            inc_gain[a + 1 : b + 1] += np.diff(credit)
        else:
            run = np.fmin.accumulate(np.where(np.isnan(seg), np.inf, seg))
            credit = np.clip(e[a] - run, 0.0, e[a] - e[b])
            inc_loss[a + 1 : b + 1] += np.diff(credit)
    return np.cumsum(inc_gain), np.cumsum(inc_loss)


def grade(distance_m: Any, elevation_m: Any, *, window_m: float = 50.0) -> np.ndarray:
    """Gradient of elevation over distance, over a centred window of distance.

    The grade at each sample is the elevation difference across ``window_m`` of
    distance centred on it (elevation interpolated linearly in distance), divided by
    ``window_m``; near the ends the window is shifted inwards to keep its length. Tiny
    or zero distance steps (standing still, 1 Hz at walking speed) therefore do not
    blow up the grade.

    Parameters
    ----------
    distance_m : array_like
        Cumulative distance [m], non-decreasing.
    elevation_m : array_like
        Elevation [m] (smooth it first, e.g. with :func:`smooth_elevation`).
    window_m : float, default 50.0
        Horizontal length [m] over which the grade is measured.

    Returns
    -------
    numpy.ndarray
        Grade [fraction, rise/run] (NaN where the distance is unknown, when no
        elevation is known, or when the whole track is shorter than 1 m).

    Examples
    --------
    >>> d = np.arange(0.0, 200.0, 2.0)
    >>> grade(d, 0.05 * d)[[0, 50, 99]]
    array([0.05, 0.05, 0.05])
    """
    d = _f64(distance_m)
    e = _f64(elevation_m)
    _check_same_length(distance_m=d, elevation_m=e)
    n = len(d)
    out = np.full(n, np.nan)
    both = np.isfinite(d) & np.isfinite(e)
    if both.sum() < 2:
        return out
    xd, xe = d[both], e[both]
    ux, inv = np.unique(xd, return_inverse=True)
    if len(ux) < 2 or ux[-1] - ux[0] < 1.0:
        return out
    ue = np.bincount(inv, weights=xe) / np.bincount(inv)
    length = ux[-1] - ux[0]
    w = min(window_m, length)
    at = np.isfinite(d)
    x = d[at]
    lo = np.clip(x - 0.5 * w, ux[0], ux[-1] - w)
    hi = lo + w
    out[at] = (np.interp(hi, ux, ue) - np.interp(lo, ux, ue)) / w
    return out


# ---------------------------------------------------------------------------------------
# grade-adjusted speed
# ---------------------------------------------------------------------------------------
def gap_factor(grade: Any, *, model: str = "minetti2002") -> np.ndarray:
    """Factor turning speed on a grade into the equivalent speed on the flat.

    ``model="minetti2002"`` — energy cost of running per unit distance, Minetti et al.
    (2002) [1], measured on a treadmill at grades -0.45 … +0.45::

        Cr(i) = 155.4 i^5 - 30.4 i^4 - 43.3 i^3 + 46.3 i^2 + 19.5 i + 3.6  [J/(kg m)]
        factor = Cr(i) / Cr(0) = Cr(i) / 3.6

    Uphill costs more; moderate downhill costs less than flat (least at about -0.18 to
    -0.20); steep downhill costs more again (factor 1.12 at -0.45).

    ``model="strava2017"`` — Strava's heart-rate-based curve [2] (equal heart rate on
    the flat). Strava published the curve as a figure only, *without coefficients*.
    This is our smooth approximation of that published shape, a quartic fitted by least
    squares (with ``factor(0) = 1`` exactly) to approximate values of the figure: factor
    about 0.87 at -10 %, back to 1.0 near -18 %, 1.5 at -30 %, 1.5 at +10 %, 2.3 at
    +20 % and 3.15 at +30 %::

        factor = 1 + 3.16 i + 18.72 i^2 - 4.57 i^3 - 45.11 i^4

    It is decreasing down to its minimum 0.867 at i = -0.08 and increasing above it.
    Expect it to differ from Strava's own numbers by a few hundredths.

    Grades outside a model's range are clipped to it (:data:`MINETTI2002_GRADE_RANGE`,
    :data:`STRAVA2017_GRADE_RANGE`): the polynomials are not valid beyond the data.

    Parameters
    ----------
    grade : array_like
        Grade [fraction] (0.1 = 10 % uphill). NaN gives NaN.
    model : {"minetti2002", "strava2017"}, default "minetti2002"
        Which relation to use.

    Returns
    -------
    numpy.ndarray
        Dimensionless factor; 1 on the flat, above 1 where the grade makes running
        harder.

    Examples
    --------
    >>> gap_factor([0.0, 0.1], model="minetti2002").round(4)
    array([1.    , 1.6578])
    >>> gap_factor([0.0, -0.1], model="strava2017").round(4)
    array([1.    , 0.8713])
    """
    i = _f64(grade)
    if model == "minetti2002":
        i = np.clip(i, *MINETTI2002_GRADE_RANGE)
        return np.polyval(_MINETTI_CR, i) / _MINETTI_CR[-1]
    if model == "strava2017":
        i = np.clip(i, *STRAVA2017_GRADE_RANGE)
        return np.polyval(_STRAVA_FACTOR, i)
    raise ValueError(f"unknown GAP model {model!r}; choose one of {', '.join(GAP_MODELS)}")


def grade_adjusted_speed(speed_mps: Any, grade: Any, *, model: str = "minetti2002") -> np.ndarray:
    """Grade-adjusted speed (GAS): the equivalent speed on flat ground.

    ``GAS = speed * gap_factor(grade, model=model)``; for ``"minetti2002"`` this is
    ``v * Cr(i) / Cr(0)`` [1], for ``"strava2017"`` the approximation of Strava's curve
    [2] described in :func:`gap_factor`. Grade-adjusted pace is its reciprocal.

    Parameters
    ----------
    speed_mps : array_like
        Speed [m/s].
    grade : array_like
        Grade [fraction], same shape (or a scalar).
    model : {"minetti2002", "strava2017"}, default "minetti2002"
        Which relation to use; grades are clipped to the model's range.

    Returns
    -------
    numpy.ndarray
        Grade-adjusted speed [m/s] (NaN where speed or grade is NaN).

    Examples
    --------
    >>> grade_adjusted_speed([3.0, 3.0], [0.0, 0.1]).round(3)
    array([3.   , 4.974])
    """
    v = _f64(speed_mps)
    return v * gap_factor(grade, model=model)


# ---------------------------------------------------------------------------------------
# everything for an activity
# ---------------------------------------------------------------------------------------
#: Columns of :func:`derive` output.
DERIVED_COLUMNS: tuple[str, ...] = (
    "moving",
    "distance_clean_m",
    "speed_smooth_mps",
    "elevation_smooth_m",
    "grade",
    "gap_speed_mps",
)


def derive(
    data: Activity | pd.DataFrame,
    *,
    gap_model: str = "minetti2002",
    pauses: Sequence[tuple[Any, Any]] | None = None,
    min_speed_mps: float = 0.6,
    min_pause_s: float = 10.0,
    max_gap_s: float = 60.0,
    max_speed_mps: float = 12.0,
    position_smooth_s: float = 25.0,
    speed_window_s: float = 7.0,
    elevation_window_m: float = 50.0,
    grade_window_m: float = 50.0,
) -> pd.DataFrame:
    """Every derived series of an activity, in one frame (the input is not changed).

    1. ``distance_clean_m`` — :func:`clean_distance`: the device distance when reliable,
       else the spike-cleaned distance from positions, which then adds nothing while
       paused.
    2. ``moving`` — :func:`moving_from_speed` on the device speed (or the speed from the
       clean distance where the file's speed was merely derived from raw positions),
       with the timer pauses.
    3. ``speed_smooth_mps`` — :func:`smooth_speed`.
    4. ``elevation_smooth_m`` — :func:`smooth_elevation` over the clean distance.
    5. ``grade`` — :func:`grade` of the smoothed elevation [fraction].
    6. ``gap_speed_mps`` — :func:`grade_adjusted_speed` of the smoothed speed.

    Parameters
    ----------
    data : Activity or pandas.DataFrame
        An activity, or its records frame.
    gap_model : {"minetti2002", "strava2017"}, default "minetti2002"
        Grade adjustment model.
    pauses : sequence of (pandas.Timestamp, pandas.Timestamp), optional
        Timer pauses; ``data.meta.pauses`` by default.
    min_speed_mps, min_pause_s, max_gap_s : float
        Pause detection [m/s, s, s], as in :func:`moving_from_speed`.
    max_speed_mps : float, default 12.0
        Fastest plausible speed [m/s] for the distance cleaning.
    position_smooth_s : float, default 25.0
        Position smoothing window [s] for a distance from positions (local quadratic,
        see :func:`distance_from_positions`).
    speed_window_s : float, default 7.0
        Speed averaging window [s].
    elevation_window_m : float, default 50.0
        Elevation averaging window over distance [m].
    grade_window_m : float, default 50.0
        Grade window [m].

    Returns
    -------
    pandas.DataFrame
        Indexed like ``records`` with the columns of :data:`DERIVED_COLUMNS`:
        ``moving`` (bool) and float64 columns, NaN where unknown (e.g. no elevation).

    Examples
    --------
    >>> import kickanalysis as ka
    >>> act = ka.read("data/samples/course_10k.gpx")  # doctest: +SKIP
    >>> ka.derive(act, gap_model="strava2017").describe()  # doctest: +SKIP
    """
    import pandas as pd

    records, _ = _split(data)
    arrays = _derive_arrays(
        data,
        gap_model=gap_model,
        pauses=pauses,
        min_speed_mps=min_speed_mps,
        min_pause_s=min_pause_s,
        max_gap_s=max_gap_s,
        max_speed_mps=max_speed_mps,
        position_smooth_s=position_smooth_s,
        speed_window_s=speed_window_s,
        elevation_window_m=elevation_window_m,
        grade_window_m=grade_window_m,
    )
    return pd.DataFrame(
        {name: arrays[name] for name in DERIVED_COLUMNS}, index=records.index.copy()
    )


def _derive_arrays(
    data: Activity | pd.DataFrame,
    *,
    gap_model: str | None = "minetti2002",
    pauses: Sequence[tuple[Any, Any]] | None = None,
    min_speed_mps: float = 0.6,
    min_pause_s: float = 10.0,
    max_gap_s: float = 60.0,
    max_speed_mps: float = 12.0,
    position_smooth_s: float = 25.0,
    speed_window_s: float = 7.0,
    elevation_window_m: float = 50.0,
    grade_window_m: float = 50.0,
) -> dict[str, Any]:
    """:func:`derive` as a dict of arrays, plus ``time_s`` and ``ref_ns`` (see
    :func:`_time_s`) and ``source`` (:func:`distance_source`). With ``gap_model=None``
    the grade-adjusted speed is not computed (``gap_speed_mps`` is None)."""
    records, meta = _split(data)
    n = len(records)
    t, ref = _time_s(records, meta)
    timed = bool(np.isfinite(t).any())
    if pauses is None:
        pauses = meta.pauses if meta is not None else ()
    pauses_s = _pauses_s(pauses, ref) if timed else []
    positions = _Positions(records, t)
    source = _distance_source(records, meta, t, max_speed_mps, positions)
    dist = _clean_distance(
        records, meta, t, source, max_speed_mps, position_smooth_s, None, positions
    )
    speed = _speed_estimate(records, t, dist) if timed else _column(records, "speed_mps")
    mv = moving_from_speed(
        t,
        speed,
        pauses_s=pauses_s,
        min_speed_mps=min_speed_mps,
        min_pause_s=min_pause_s,
        max_gap_s=max_gap_s,
    )
    if source == "positions" and timed:
        dist = _clean_distance(
            records, meta, t, source, max_speed_mps, position_smooth_s, mv, positions
        )
        speed = _speed_estimate(records, t, dist)
    speed_smooth = smooth_speed(t, speed, window_s=speed_window_s)
    elevation = _column(records, "elevation_m")
    if np.isfinite(dist).any():
        elev_smooth = smooth_elevation(
            elevation,
            distance_m=dist,
            time_s=t if timed else None,
            window_m=elevation_window_m,
        )
    else:
        elev_smooth = smooth_elevation(elevation, time_s=t if timed else None)
    gr = grade(dist, elev_smooth, window_m=grade_window_m)
    gap = None if gap_model is None else grade_adjusted_speed(speed_smooth, gr, model=gap_model)
    return {
        "moving": mv if n else np.zeros(0, dtype=bool),
        "distance_clean_m": dist,
        "speed_smooth_mps": speed_smooth,
        "elevation_smooth_m": elev_smooth,
        "grade": gr,
        "gap_speed_mps": gap,
        "time_s": t,
        "ref_ns": ref,
        "source": source,
    }
