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
- :func:`distance_noise_m`: how much the distance wobbles (GPS error), the scale that
  a speed change must exceed in metres to count;
- :func:`knee_fit`: the time where the cumulative distance bends (an event's edge);
- :func:`crossing`: where a speed crosses a level between two samples (sub-second
  boundaries);
- :func:`event_table`: the event table (:data:`kickanalysis.schema.EVENT_COLUMNS` and
  detector columns) from boundary times.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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

#: Longest gap between two samples kept at its length on the 1 s grid [s]; nothing is
#: detected across a gap (the runner is not moving), so longer ones are shortened.
MAX_GAP_S = 600.0


@dataclass(frozen=True)
class Grid:
    """An activity on a regular 1 s grid.

    ``time_s`` has ``n + 1`` whole seconds since the first sample; the per-second arrays
    (length ``n``) describe the second ``(time_s[k], time_s[k + 1]]``. A gap in the
    recording longer than :data:`MAX_GAP_S` is shortened to that on the grid (a watch
    clock that jumped by years must not make a grid of billions of seconds);
    ``elapsed_s`` maps grid times back to seconds since the first sample (equal to
    ``time_s`` when there is no such gap; see :meth:`elapsed`).
    """

    series: Series
    time_s: np.ndarray  # n + 1 grid times [s]
    distance_m: np.ndarray  # n + 1 cleaned distances [m]
    speed_mps: np.ndarray  # n, mean speed of each second; NaN while stopped
    gap_speed_mps: np.ndarray  # n, grade-adjusted; NaN while stopped
    moving: np.ndarray  # n, bool
    rate_m: np.ndarray | None = None  # n + 1 integral of the detection speed [m]
    elapsed_s: np.ndarray | None = None  # n + 1 real seconds of the grid times

    def elapsed(self, grid_s: np.ndarray) -> np.ndarray:
        """Seconds since the first sample of times on the grid's axis [s]."""
        grid_s = np.asarray(grid_s, dtype=np.float64)
        if self.elapsed_s is None:
            return grid_s
        return np.interp(grid_s, self.time_s, self.elapsed_s)

    def cadence_spm(self) -> np.ndarray:
        """Mean cadence of each second [steps/min] (length ``n``); NaN where unknown.

        Each sample's cadence holds over the interval that ends at it
        (:func:`kickanalysis.analysis._integrate.cumulative`); seconds spent standing
        have none.
        """
        n = len(self.speed_mps)
        s = self.series
        if n == 0 or s.cum_cadence[1][-1] <= 0:
            return np.full(n, np.nan)
        real = self.elapsed(self.time_s)
        total = np.diff(ig.interp_monotone(real, s.time_s, s.cum_cadence[0]))
        weight = np.diff(ig.interp_monotone(real, s.time_s, s.cum_cadence[1]))
        with np.errstate(invalid="ignore", divide="ignore"):
            c = np.where(weight > 0.5, total / np.where(weight > 0, weight, 1.0), np.nan)
        return np.where(self.moving & (c > 0), c, np.nan)

    @property
    def detect_m(self) -> np.ndarray:
        """Cumulative distance [m] whose differences are ``speed_mps``."""
        return self.distance_m if self.rate_m is None else self.rate_m


def speed_grid(activity: Activity | pd.DataFrame | Series) -> Grid:
    """Resample an activity's cleaned distance and its speed on whole seconds.

    ``activity`` may be an Activity, its records frame, or a
    :class:`~kickanalysis.analysis._prepare.Series` prepared already (so that
    :func:`kickanalysis.summarize` prepares a run once for all analyses).

    The speed that detection works on is the integral of a *rate* resampled like the
    distance: where the distance had to be computed from positions (GPX, TCX without
    distance) and the file carries the device's own speed for nearly every sample
    (:func:`device_speed`), that speed; otherwise the cleaned distance itself. A GNSS
    receiver measures speed from the Doppler shift of the satellite signals, with an
    error that does not drift, whereas a speed from successive positions carries the
    slow wander of the position error (a few metres over tens of seconds), which makes
    false surges and moves the edges of real ones (Townshend, Worringham & Stewart 2008,
    "Assessment of speed and position during human locomotion using nondifferential
    GPS", Med. Sci. Sports Exerc. 40, 124-132; Witte & Wilson 2004, J. Biomech. 37,
    1891-1898). But the Doppler speed has noise of its own (0.1-0.3 m/s per second,
    more under trees and buildings) that integrates to a random walk: over 10 s a few
    unlucky seconds can lose or gain as much distance as a change of pace, and a rep's
    edge moves by tens of seconds. So the integrated speed is fused with the
    positions' distance by a complementary filter (:func:`fuse_distance`, with the
    time constant of :func:`fusion_tau_s` for the positions' wobble on this run): the
    speed gives the detail of a few seconds, the positions hold it to the track over
    longer times. The distances of the events are
    always the cleaned distance.

    The grade-adjusted rate is recomputed here with :data:`GAP_MODEL` from the Series'
    cleaned distance and smoothed elevation (the 50 m grade of
    :func:`kickanalysis.signal.grade`, as :func:`kickanalysis.signal.derive` does), so
    the result does not depend on the ``gap_model`` a shared Series was prepared with.
    """
    from .. import signal

    s = activity if isinstance(activity, Series) else prepare(activity)
    real = s.time_s
    steps = np.diff(real)
    long_gap = steps > MAX_GAP_S
    if long_gap.any():
        t = np.concatenate(([0.0], np.cumsum(np.minimum(steps, MAX_GAP_S)))) + real[0]
    else:
        t = real
    rate = device_speed(activity, s)
    if rate is None:
        dd = np.diff(s.distance_m, prepend=s.distance_m[0])
    else:  # trapezoids of the device speed while moving
        vm = np.where(s.moving, rate, 0.0)
        dd = 0.5 * (vm + np.concatenate(([vm[0]], vm[:-1]))) * np.diff(t, prepend=t[0])
        dd = np.where(s.moving, dd, 0.0)
    cum_rate = np.cumsum(dd)
    gr = signal.grade(s.distance_m, s.elevation_m)
    factor = signal.gap_factor(np.nan_to_num(gr, nan=0.0), model=GAP_MODEL)
    cum_gap = np.cumsum(dd * factor * s.moving)
    n = int(np.floor(t[-1] + 1e-9))
    g = np.arange(n + 1, dtype=np.float64)
    d = ig.interp_monotone(g, t, s.distance_m)
    elapsed = np.interp(g, t, real) if long_gap.any() else None
    if n == 0:
        empty = np.zeros(0)
        return Grid(s, g, d, empty, empty, np.zeros(0, dtype=bool), elapsed_s=elapsed)
    gap = ig.interp_monotone(g, t, cum_gap)
    # the sample whose interval holds the middle of each second
    j = np.clip(np.searchsorted(t, g[:-1] + 0.5, side="left"), 0, len(t) - 1)
    mv = s.moving[j]
    if rate is None:
        dr = d
        dgap = np.diff(gap)
    else:
        dr_raw = ig.interp_monotone(g, t, cum_rate)
        dr = fuse_distance(dr_raw, d, mv, fusion_tau_s(wobble_m(d, mv)))
        step = np.diff(dr_raw)
        with np.errstate(invalid="ignore", divide="ignore"):
            factor_s = np.where(step > 0, np.diff(gap) / step, 1.0)
        dgap = np.diff(dr) * factor_s
    v = np.where(mv, np.diff(dr), np.nan)
    # the grade-adjusted distance adds nothing while paused; where moving it is
    # distance x factor
    vg = np.where(mv, dgap, np.nan)
    return Grid(s, g, d, v, vg, mv, dr, elapsed)


#: Time constant [s] per metre of position wobble (:func:`wobble_m`) of the
#: complementary filter that fuses the device speed with the distance from positions
#: (:func:`fusion_tau_s`), and its bounds [s].
FUSION_TAU_S_PER_M = 5.0
FUSION_TAU_RANGE_S = (3.0, 20.0)


def fusion_tau_s(wobble: float) -> float:
    """Time constant [s] of the complementary filter for a position wobble [m].

    In the steady-state Kalman filter of a position and a speed measurement, the
    crossover between trusting the integrated speed and trusting the positions is at
    about ``tau = sigma_position / sigma_speed`` (Higgins 1975, see
    :func:`fuse_distance`): the noisier the positions, the longer the speed is trusted.
    The speed's noise is not known from the file, so ``tau`` is taken proportional to
    the position wobble measured on the run, ``FUSION_TAU_S_PER_M`` s per metre (5:
    about 5 s at 1 m of GPS error and 13 s at 5 m; best of 3, 5 and 8 on the rep
    edges of ``benchmarks/bench_detection.py``, where a fixed 10 s put a 1 m GPS run's
    edges where the watch's speed was wrong for 10 s), within ``FUSION_TAU_RANGE_S``.

    Examples
    --------
    >>> fusion_tau_s(1.0), fusion_tau_s(2.5), fusion_tau_s(100.0)
    (5.0, 12.5, 20.0)
    """
    lo, hi = FUSION_TAU_RANGE_S
    return float(np.clip(FUSION_TAU_S_PER_M * wobble, lo, hi))


#: Default time constant [s] of :func:`fuse_distance`.
FUSION_TAU_S = 10.0


def fuse_distance(
    rate_m: np.ndarray, distance_m: np.ndarray, moving: np.ndarray, tau_s: float = FUSION_TAU_S
) -> np.ndarray:
    """Cumulative distance [m] fusing an integrated device speed with positions.

    ``rate_m`` (the integral of the watch's Doppler speed) and ``distance_m`` (the
    distance along the GPS positions) are given at whole seconds; ``moving`` (length
    ``n - 1``) marks the seconds spent moving. The integrated speed is right over a few
    seconds but wanders without bound (its noise integrates to a random walk, and the
    speed has a slow scale error); the positions' distance never drifts away but wobbles
    by the GPS error, correlated over tens of seconds. The complementary filter takes
    the fast part from the one and the slow part from the other:
    ``rate + lowpass(distance - rate)``, with a zero-phase exponential low-pass of time
    constant ``tau_s`` (the two-sided kernel ``exp(-|t| / tau_s)``, normalised at the
    ends). It is the steady-state form of a Kalman filter of the two measurements
    (Higgins 1975, "A comparison of complementary and Kalman filtering", IEEE Trans.
    Aerosp. Electron. Syst. AES-11, 321-325); GNSS receivers and sports watches combine
    Doppler speed and position the same way. The offset between the two changes only
    while moving, so a position jump during a stop is not smeared over the running
    around it. A fixed ``tau_s = 10`` was the best of 5-30 s on
    ``benchmarks/bench_detection.py`` (GPS error 1-5 m, speed noise 0.1-0.3 m/s);
    :func:`speed_grid` adapts it to the positions' wobble (:func:`fusion_tau_s`).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(201.0)
    >>> true = 3.0 * t
    >>> rate = true + 0.01 * t  # a speed 0.01 m/s too fast, drifting
    >>> pos = true + 2.0 * np.sin(t / 7.0)  # GPS wobble
    >>> fused = fuse_distance(rate, pos, np.ones(200, dtype=bool))
    >>> bool(np.abs(fused - true)[20:-20].max() < np.abs(pos - true)[20:-20].max())
    True
    """
    rate_m = np.asarray(rate_m, dtype=np.float64)
    if tau_s <= 0 or len(rate_m) < 2:
        return rate_m
    step = np.where(moving, np.diff(np.asarray(distance_m, dtype=np.float64) - rate_m), 0.0)
    off = np.concatenate(([0.0], np.cumsum(step)))
    h = int(np.ceil(6.0 * tau_s))
    kernel = np.exp(-np.abs(np.arange(-h, h + 1)) / tau_s)
    num = np.convolve(off, kernel)[h : h + len(off)]
    den = np.convolve(np.ones(len(off)), kernel)[h : h + len(off)]
    return rate_m + num / den


def positions_only(activity: Any, series: Series, *, min_coverage: float = 0.9) -> bool:
    """Whether the speed can only come from GPS positions: the distance is computed from
    them, and the file records no speed of its own for ``min_coverage`` of the samples
    (a reader's difference of the positions' distance does not count). A prepared
    Series holds no speed: it counts as positions only when its distance does."""
    if series.distance_source != "positions":
        return False
    if isinstance(activity, Series):
        return True
    from .. import signal

    records = getattr(activity, "records", activity)
    if "speed_mps" not in records or len(records) < 2:
        return True
    ns = records.index.as_unit("ns").asi8
    t = (ns - ns[0]) / 1e9
    return bool(signal._measured_speed(records, t).mean() < min_coverage)


def device_speed(activity: Any, series: Series, *, min_coverage: float = 0.9) -> np.ndarray | None:
    """The device's speed [m/s] per sample, when detection should use it, else None.

    Used when the distance comes from positions (the ``distance_source`` of ``series``,
    see :func:`kickanalysis.signal.distance_source`, is ``"positions"``) and the file's
    ``speed_mps`` is known for at least ``min_coverage`` of the samples and is not
    merely the derivative of a distance column; missing values are taken from the
    cleaned distance (``kickanalysis.signal._speed_estimate``) of ``series``. A
    prepared Series alone holds no speed, so it gives None (the cleaned distance is
    used).
    """
    if isinstance(activity, Series):
        return None
    from .. import signal

    if series.distance_source != "positions":
        return None
    records = getattr(activity, "records", activity)
    if "speed_mps" not in records:
        return None
    v = records["speed_mps"].to_numpy(dtype=np.float64, na_value=np.nan)
    if len(v) < 2 or np.isfinite(v).mean() < min_coverage:
        return None
    ns = records.index.as_unit("ns").asi8
    t = (ns - ns[0]) / 1e9
    return np.nan_to_num(signal._speed_estimate(records, t, series.distance_m), nan=0.0)


def distance_noise_m(grid: Grid, lag_s: int = 20) -> float:
    """Typical wobble [m] of the cumulative distance at a time scale of ``lag_s``.

    The second difference ``d(t + L) - 2 d(t) + d(t - L)`` vanishes for running at a
    steady speed; GPS position error (and the runner's own small speed changes) makes
    it scatter. Its robust spread (1.4826 × the median absolute deviation, so that a
    few real speed changes do not count) divided by sqrt(6) is the standard deviation
    of the distance error if the errors at ``t - L``, ``t`` and ``t + L`` were
    independent; with errors correlated over tens of seconds, as GPS errors are, it is
    a smaller number but still proportional to the error. It is used as the scale of
    what a speed change must gain or lose in metres to count: a device distance (FIT,
    accelerometer-aided) gives about 0.5–1 m, a distance from positions with 5 m GPS
    error about 2–3 m. Windows that hold a stop are left out; 0 when there are none.
    """
    return wobble_m(grid.detect_m, grid.moving, lag_s)


def wobble_m(distance_m: np.ndarray, moving: np.ndarray, lag_s: int = 20) -> float:
    """The wobble [m] of :func:`distance_noise_m` for a cumulative distance on whole
    seconds and the seconds spent moving (length ``n - 1``).

    Examples
    --------
    >>> import numpy as np
    >>> d = 3.0 * np.arange(301.0) + np.random.default_rng(0).normal(0.0, 2.0, 301)
    >>> 1.0 < wobble_m(d, np.ones(300, dtype=bool)) < 3.0
    True
    """
    d = distance_m
    n = len(d) - 1
    if n < 2 * lag_s + 1:
        return 0.0
    stopped = np.concatenate(([0], np.cumsum(~moving)))
    t = np.arange(lag_s, n - lag_s + 1)
    ok = stopped[t + lag_s] - stopped[t - lag_s] == 0
    if not ok.any():
        return 0.0
    r = (d[t + lag_s] - 2.0 * d[t] + d[t - lag_s])[ok]
    return float(1.4826 * np.median(np.abs(r - np.median(r))) / np.sqrt(6.0))


def knee_fit(
    cum_m: np.ndarray, guess: float, half_s: int, *, search_s: float, step_s: float = 0.25
) -> float:
    """Where a cumulative distance bends: a two-line least-squares fit around ``guess``.

    ``cum_m`` is a cumulative distance at whole seconds (``cum_m[k]`` at time ``k``).
    Over the seconds within ``half_s`` of ``guess`` it fits, for every candidate knee
    ``T`` within ``search_s`` of ``guess`` (every ``step_s``), the continuous
    piecewise-linear curve ``a + v1 min(t - T, 0) + v2 max(t - T, 0)`` by ordinary
    least squares and returns the ``T`` with the smallest residual sum of squares.

    Fitting the distance, rather than finding where a smoothed speed crosses a level,
    uses every second in the window with equal weight: a slowly drifting GPS position
    error moves the distance by a few metres, which shifts the knee by about that many
    metres divided by the change of speed, whereas it can move a level crossing of the
    speed by much more (a 10 m drift in 25 s is a 0.4 m/s bump in the speed). This is
    the classical two-phase (segmented) regression with an unknown change point
    (Hudson 1966, "Fitting segmented curves whose join points have to be estimated",
    J. Am. Stat. Assoc. 61, 1097–1129), solved by a grid search over the join point.
    """
    n = len(cum_m)
    lo = max(int(np.floor(guess - half_s)), 0)
    hi = min(int(np.ceil(guess + half_s)), n - 1)
    if hi - lo < 4:
        return float(guess)
    t = np.arange(lo, hi + 1, dtype=np.float64)
    y = cum_m[lo : hi + 1]
    cand = np.arange(guess - search_s, guess + search_s + 1e-9, step_s)
    cand = cand[(cand > lo + 1) & (cand < hi - 1)]
    if len(cand) == 0:
        return float(guess)
    # design per candidate: [1, min(t - T, 0), max(t - T, 0)]
    dt = t[None, :] - cand[:, None]
    x1 = np.minimum(dt, 0.0)
    x2 = np.maximum(dt, 0.0)
    m = len(t)
    s1, s2 = x1.sum(1), x2.sum(1)
    s11, s22, s12 = (x1 * x1).sum(1), (x2 * x2).sum(1), (x1 * x2).sum(1)
    sy = y.sum()
    s1y, s2y = x1 @ y, x2 @ y
    a = np.empty((len(cand), 3, 3))
    a[:, 0, 0] = m
    a[:, 0, 1] = a[:, 1, 0] = s1
    a[:, 0, 2] = a[:, 2, 0] = s2
    a[:, 1, 1] = s11
    a[:, 2, 2] = s22
    a[:, 1, 2] = a[:, 2, 1] = s12
    b = np.stack((np.full(len(cand), sy), s1y, s2y), axis=1)
    try:
        coef = np.linalg.solve(a, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        return float(guess)
    fit = coef[:, 0:1] + coef[:, 1:2] * x1 + coef[:, 2:3] * x2
    rss = ((y[None, :] - fit) ** 2).sum(1)
    return float(cand[int(np.argmin(rss))])


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


def nanmean(x: np.ndarray) -> float:
    """Mean of the finite values (NaN when none), without a warning."""
    x = x[np.isfinite(x)]
    return float(np.mean(x)) if len(x) else float("nan")


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
    from ..signal import _nanmedian_rows, _rolling_median

    blocks = _nanmedian_rows(pad.reshape(nb, block_s))
    k = max(1, int(round(window_s / block_s)))
    k += 1 - k % 2
    med = _rolling_median(blocks, k)
    centres = np.arange(nb) * block_s + 0.5 * (min(block_s, n) - 1)
    ok = np.isfinite(med)
    if not ok.any():
        return np.full(n, np.nan)
    return np.interp(np.arange(n, dtype=np.float64), centres[ok], med[ok])


#: Walking/running boundary [m/s]: people change from walking to running at about
#: 2.0 m/s (preferred transition speed 2.06 m/s in Hreljac 1993, "Preferred and
#: energetically optimal gait transition speeds in human locomotion", Med. Sci. Sports
#: Exerc. 25, 1158-1162). Slower (grade-adjusted) movement counts as walking.
WALK_SPEED_MPS = 2.0


def running_mask(grid: Grid, *, walk_speed_mps: float = WALK_SPEED_MPS) -> np.ndarray:
    """Seconds spent running: moving, with a 10 s mean grade-adjusted speed of at least
    ``walk_speed_mps`` [m/s] (walk breaks, stops and the seconds around them are not)."""
    v10 = box_mean(grid.gap_speed_mps, 11)
    with np.errstate(invalid="ignore"):
        return grid.moving & (v10 >= walk_speed_mps)


def running_speed(
    grid: Grid,
    *,
    exclude: np.ndarray | None = None,
    walk_speed_mps: float = WALK_SPEED_MPS,
) -> float:
    """The runner's typical running speed of the day [m/s] (grade-adjusted).

    The median of the grade-adjusted speed over the seconds spent running
    (:func:`running_mask`), leaving out ``exclude`` (the detector's own fast
    candidates, so that a session of long reps does not set its own reference). Unlike
    a local baseline it does not drop during walk breaks, stops or slow stretches, so
    running again after them is not "faster than the running around it". NaN when the
    runner never ran.
    """
    ok = running_mask(grid, walk_speed_mps=walk_speed_mps)
    if exclude is not None:
        ok = ok & ~exclude
    return nanmedian(grid.gap_speed_mps[ok])


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
    start_s, end_s = grid.elapsed(start_s), grid.elapsed(end_s)
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


def empty_events(dtypes: dict[str, str]) -> pd.DataFrame:
    """An event table without rows: the event columns, then ``dtypes``' columns."""
    return _empty_events(tuple(dtypes.items())).copy()


@functools.lru_cache(maxsize=16)
def _empty_events(dtypes: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    import pandas as pd

    from ..schema import EVENT_COLUMNS

    cols = {c: pd.Series(dtype="float64") for c in EVENT_COLUMNS}
    cols["start_time"] = pd.Series(dtype="datetime64[ns, UTC]")
    cols["end_time"] = pd.Series(dtype="datetime64[ns, UTC]")
    cols.update({c: pd.Series(dtype=d) for c, d in dtypes})
    return pd.DataFrame(cols)


def heart_rate_mean(grid: Grid, start_s: np.ndarray, end_s: np.ndarray) -> np.ndarray:
    """Time-weighted mean heart rate [bpm] between boundary times (NaN without any)."""
    s = grid.series
    if len(start_s) == 0:
        return np.zeros(0)
    bounds = grid.elapsed(np.stack((start_s, end_s), axis=1).ravel())
    at_sum = ig.interp_monotone(bounds, s.time_s, s.cum_hr[0]).reshape(-1, 2)
    at_time = ig.interp_monotone(bounds, s.time_s, s.cum_hr[1]).reshape(-1, 2)
    total = at_sum[:, 1] - at_sum[:, 0]
    weight = at_time[:, 1] - at_time[:, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight > 0, total / np.where(weight > 0, weight, 1.0), np.nan)


__all__ = [
    "FUSION_TAU_S",
    "GAP_MODEL",
    "MAX_GAP_S",
    "WALK_SPEED_MPS",
    "Grid",
    "box_mean",
    "crossing",
    "device_speed",
    "empty_events",
    "distance_noise_m",
    "event_table",
    "fuse_distance",
    "heart_rate_mean",
    "knee_fit",
    "nanmedian",
    "rolling_baseline",
    "running_mask",
    "running_speed",
    "speed_grid",
    "window_mean",
]
