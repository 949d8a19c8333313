"""The final kick: when it started, how long it was, how much faster than before.

A kick is a sustained rise in speed over the end of a race, clearly above the pace held
before it; a fade, an even finish or a short GPS spike is not one. Abbiss & Laursen
(2008) call it the *end spurt* of a pacing strategy; Tucker et al. (2006) found it in
most world-record races, whatever the distance.

References
----------
- Abbiss CR, Laursen PB (2008). Describing and understanding pacing strategies during
  athletic competition. *Sports Medicine* 38(3):239–252.
  doi:10.2165/00007256-200838030-00004
- Tucker R, Lambert MI, Noakes TD (2006). An analysis of pacing strategies during men's
  world-record performances in track athletics. *Int. J. Sports Physiol. Perform.*
  1(3):233–245. doi:10.1123/ijspp.1.3.233
- Hinkley DV (1970). Inference about the change-point in a sequence of random variables.
  *Biometrika* 57(1):1–17. doi:10.1093/biomet/57.1.1 (change in mean).
- Page ES (1954). Continuous inspection schemes. *Biometrika* 41(1/2):100–115.
  doi:10.1093/biomet/41.1-2.100 (CUSUM).
- Robb D (2017). An Improved GAP Model. Strava Engineering blog (the default grade
  adjustment, see :func:`kickanalysis.signal.gap_factor`).
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import signal
from ..errors import EmptyActivityError
from . import _integrate as ig
from ._prepare import Series, prepare
from .pacing import _Verdict

if TYPE_CHECKING:
    import pandas as pd

    from ..activity import Activity

_NAN = float("nan")
_STEP_S = 20.0  # window on each side of the local step detector [s]
_RACE_WINDOW_S = 60.0  # shortest window for the earlier efforts a kick must beat [s]


def _pace(speed_mps: float) -> str:
    """A speed as a pace m:ss/km ("?" when unknown)."""
    if not speed_mps > 0 or speed_mps != speed_mps:
        return "?"
    s = int(round(1000.0 / speed_mps))
    return f"{s // 60}:{s % 60:02d}/km"


@dataclass(frozen=True)
class Kick(_Verdict):
    """The final kick of a race (see :func:`detect_kick`).

    Attributes
    ----------
    detected : bool
        Whether the race ends with a kick.
    start_time : pandas.Timestamp or None
        When the kick started (UTC); None when not detected.
    start_elapsed_s : float
        Start of the kick [s since the first sample].
    start_distance_m : float
        Distance at the start of the kick [m from the start].
    distance_m : float
        Length of the kick, from its start to the finish [m].
    duration_s : float
        Duration of the kick [s].
    baseline_speed_mps : float
        Mean speed held before the kick [m/s] (over ``baseline_distance_m``).
    kick_speed_mps : float
        Mean speed over the kick [m/s].
    peak_speed_mps : float
        Highest speed during the kick, averaged over 5 s [m/s].
    gain_pct : float
        ``kick_speed_mps`` relative to ``baseline_speed_mps`` [%].
    gap_gain_pct : float
        The same with grade-adjusted speeds [%] (what the detection decides on; equal to
        ``gain_pct`` on the flat or with ``gap_model=None``).
    finish_elapsed_s, finish_distance_m : float
        The finish used [s, m]: the end of the recording, the ``finish`` given, or the
        end of the race before a cool-down. Set whether or not a kick was detected.

    Every other number is NaN when no kick was detected.
    """

    detected: bool
    start_time: pd.Timestamp | None
    start_elapsed_s: float
    start_distance_m: float
    distance_m: float
    duration_s: float
    baseline_speed_mps: float
    kick_speed_mps: float
    peak_speed_mps: float
    gain_pct: float
    gap_gain_pct: float
    finish_elapsed_s: float
    finish_distance_m: float

    def to_frame(self) -> pd.DataFrame:
        """The result as a one-row DataFrame (``start_time`` is NaT when not detected)."""
        import pandas as pd

        frame = pd.DataFrame([self.to_dict()])
        frame["start_time"] = pd.to_datetime(frame["start_time"], utc=True).dt.as_unit("ns")
        return frame

    def __repr__(self) -> str:
        if not self.detected:
            return f"Kick(none; finish at {self.finish_distance_m:.0f} m)"
        m, s = divmod(int(round(self.start_elapsed_s)), 60)
        h, m = divmod(m, 60)
        at = f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
        gain = f"{self.gain_pct:+.1f} %"
        if abs(self.gap_gain_pct - self.gain_pct) >= 0.5:
            # on a hill the decision's grade-adjusted gain differs (an uphill kick can be
            # slower than the flat pace before it)
            gain += f", grade-adjusted {self.gap_gain_pct:+.1f} %"
        return (
            f"Kick(from {self.start_distance_m:.0f} m at {at}: {self.distance_m:.0f} m in "
            f"{self.duration_s:.0f} s, {_pace(self.baseline_speed_mps)} -> "
            f"{_pace(self.kick_speed_mps)} ({gain}), peak {_pace(self.peak_speed_mps)})"
        )


#: How far a race distance given as ``finish`` may lie beyond the recorded distance and
#: still mean the end of the recording [-]. A watch's distance differs from a measured
#: course by a percent or so (our assumption, not a cited figure), so a 5 km race often
#: records as 4.95-4.99 km.
FINISH_TOLERANCE = 0.02


def _finish_time(s: Series, finish: Any) -> float:
    """The finish given by the user, as seconds since the first sample."""
    import pandas as pd

    from .splits import parse_every

    t, d = s.time_s, s.distance_m
    if isinstance(finish, (pd.Timestamp, _dt.datetime, np.datetime64)):
        ts = pd.Timestamp(finish)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        return (ts.as_unit("ns").value - s.start_ns) / 1e9
    if isinstance(finish, (pd.Timedelta, _dt.timedelta, np.timedelta64)):
        return pd.Timedelta(finish).total_seconds()
    kind, value = parse_every(finish)
    if kind == "time":
        return value
    measured = d[-1] - d[0]
    if measured < value <= measured * (1.0 + FINISH_TOLERANCE):
        return float(t[-1])  # the official distance; the watch measured a little less
    if value > measured + 1e-6:
        raise ValueError(f"finish={finish!r} is beyond the end of the run ({d[-1] - d[0]:.0f} m)")
    return float(ig.interp_monotone(np.array([d[0] + value]), d, t)[0])


def _cooldown_finish(
    t: np.ndarray, d: np.ndarray, ratio: float, *, before_s: float, min_after_s: float
) -> float | None:
    """The end of the race when the recording goes on with a clearly slower tail.

    For every candidate time c the mean speed from c to the end of the recording is
    compared with the mean speed over the ``before_s`` before c; the candidate with the
    lowest ratio is the likeliest switch from racing to a cool-down (a change point in
    the mean speed). When that ratio is below ``ratio``, the race is taken to end at the
    last second before c where the 5 s speed was at least halfway between the two means.
    """
    end = t[-1]
    c = np.arange(t[0] + before_s, end - min_after_s + 1e-9, 1.0)
    if len(c) == 0:
        return None
    dc = np.interp(c, t, d)
    after = (d[-1] - dc) / (end - c)
    before = (dc - np.interp(c - before_s, t, d)) / before_s
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(before > 0, after / before, np.inf)
    k = int(np.argmin(r))
    if not r[k] < ratio:
        return None
    # the race ended where the speed fell below the midpoint between the two levels
    mid = 0.5 * (after[k] + before[k])
    g = np.arange(max(t[0], c[k] - before_s), min(end, c[k] + before_s) + 1e-9, 1.0)
    v5 = (np.interp(g + 2.5, t, d) - np.interp(g - 2.5, t, d)) / 5.0
    fast = np.flatnonzero(v5 >= mid)
    return float(g[fast[-1]]) if len(fast) else float(c[k])


def detect_kick(
    activity: Activity | pd.DataFrame,
    *,
    finish: float | str | pd.Timestamp | pd.Timedelta | None = None,
    min_gain_pct: float = 5.0,
    min_held_fraction: float = 0.75,
    min_duration_s: float = 10.0,
    min_distance_m: float = 75.0,
    max_distance_m: float = 1000.0,
    baseline_distance_m: float = 400.0,
    held_distance_m: float = 1200.0,
    onset_fraction: float = 0.2,
    cooldown_speed_ratio: float | None = 0.75,
    gap_model: str | None = "fitted",
) -> Kick:
    """Find the final kick of a race: its start, length, speed and gain.

    How it decides:

    1. **Finish.** The race ends at ``finish`` when given, else at the last moving sample;
       then, unless ``cooldown_speed_ratio`` is None, a walk or jog after the line is cut
       off: where the mean grade-adjusted speed (Strava 2017 model) from some time to
       the end of the recording (at least 30 s) is below
       ``cooldown_speed_ratio`` times the mean speed of the 3 minutes before it (the
       lowest such ratio, i.e. the most likely change point), the race ends where the
       5 s speed last stood halfway between the two levels. A cool-down that is less
       than 25 % slower than the race is not found: pass ``finish`` then.
    2. **Effort.** Speeds are grade adjusted so that a downhill finish is not a kick and
       an uphill one can be. By default (``gap_model="fitted"``) the adjustment is the
       runner's own hill response, fitted by least squares over the race before the
       search region (log speed against uphill and downhill grade, 20 s means); a
       published model (``"strava2017"``, Robb 2017; ``"minetti2002"``) or none can be
       chosen instead.
    3. **Candidates.** Every second within the last ``max_distance_m`` (at most half the
       race) that leaves at least ``min_duration_s`` and ``min_distance_m`` to the finish
       is a candidate start. Its baseline B is the mean speed over the
       ``baseline_distance_m`` before it, over moving time (a stop before the kick
       neither lowers B nor counts in the kick's speed), but never less than the pace
       held over the ``held_distance_m`` before it (the median of its 20 s mean
       speeds): a slowdown, a walk or a recovery jog just before the finish lowers a
       mean but not the pace held, and coming back up to that pace is no kick. A
       candidate is kept only if the rise is
       sustained: the mean speed from it to the finish, and that of the second half of
       that stretch, are at least ``min_gain_pct`` above B, and the 10 s mean speed
       from 5 s after it to the finish stays at or above B plus half that gain for at
       least ``min_held_fraction`` of the time (a quantile, not a minimum: a brief dip
       from GPS error or natural pace variation in a long kick does not undo it). A fade
       or an even finish fails the gain; a GPS spike, or a stride or surge that ends
       before the finish, fails the second half or is too short a part of the stretch.
    4. **Change point.** Among the kept candidates the kick starts at the largest step
       in speed: the mean over the 20 s after minus the mean over the 20 s before,
       relative to B, the mean before counted as at least B (a two-window
       mean-difference change-point statistic, cf. Page 1954; Hinkley 1970). A sharp
       acceleration wins over slow drifts of pace, and the way out of a dip does not
       count as a step.
    5. **Onset.** From there, going back from where the 5 s speed first reaches halfway
       from B to the kick speed K (the 20 s mean after the step), the rise between
       ``B + onset_fraction * (K - B)`` and ``B + (1 - onset_fraction) * (K - B)`` is
       fitted with a straight line and extended back to B (the tangent method); a rise
       too short for a line gives the crossing of the lower level, interpolated between
       seconds. The kick is then measured from that onset, and must still last
       ``min_duration_s`` and ``min_distance_m`` and rise by ``min_gain_pct``.
    6. **A race's kick.** The end spurt is the fastest part of a race (Tucker et al.
       2006): when an earlier stretch of the kick's duration (at least 60 s) was run
       more than ``min_gain_pct`` faster than the kick (grade adjusted), the run was
       not raced to its end — an interval session's reps before its cool-down, or
       strides — and the faster end is not reported as a kick.

    The detector is meant for races. On a training run it answers whether the run
    ended with a sustained rise clearly above the pace held before it, and faster than
    anything before it; a steady easy run that speeds up at its very end can qualify.

    The reported speeds are real (not grade adjusted) means over distance and time;
    ``gap_gain_pct`` is the grade-adjusted gain the decision used.

    Parameters
    ----------
    activity : Activity or pandas.DataFrame
        The race.
    finish : float, str, pandas.Timestamp or pandas.Timedelta, optional
        Where the race ended when the recording goes on after it: a distance from the
        start [m] as a number or a string (``"5km"``, ``"10mi"``), a time since the first
        sample as a :class:`pandas.Timedelta` or a string (``"25min"``, ``"1500s"``), or
        the clock time of the finish as a :class:`pandas.Timestamp` (naive: UTC). A
        race distance up to :data:`FINISH_TOLERANCE` beyond what the watch measured
        (``"5km"`` for a recording of 4993 m) is the end of the recording.
    min_gain_pct : float
        Smallest rise of the kick (and of its second half) over the baseline [%]
        (default 5 %).
    min_held_fraction : float
        Smallest share of the kick during which the 10 s speed must stay at least half
        of ``min_gain_pct`` above the baseline [-] (default 0.75).
    min_duration_s, min_distance_m : float
        Shortest kick [s, m] (default 10 s and 75 m): shorter rises at the very end
        cannot be told from the error of a GPS track's last points.
    max_distance_m : float
        Longest kick searched for [m] (default 1000 m; at most half the race).
    baseline_distance_m : float
        Distance before the kick over which the baseline speed is averaged [m]
        (default 400 m).
    held_distance_m : float
        Distance before the kick over which the pace held is taken as the median of
        the 20 s mean speeds [m] (default 1200 m); the baseline is never below it.
    onset_fraction : float
        Fraction of the rise from the baseline to the kick speed at which the kick is
        taken to have started [-] (default 0.2).
    cooldown_speed_ratio : float or None
        Cut a cool-down slower than this fraction of the race speed off the end [-]
        (default 0.75); None keeps the recording to its end (or to ``finish``).
    gap_model : {"fitted", "strava2017", "minetti2002"} or None
        Grade adjustment for the detection: the runner's own (default), a published
        model (:func:`kickanalysis.signal.gap_factor`), or None for the plain speed.

    Returns
    -------
    Kick

    Raises
    ------
    EmptyActivityError
        The run has no times or covers no distance.
    ValueError
        ``finish`` beyond the end of the run or before its start.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> from kickanalysis.analysis.kick import detect_kick
    >>> kick = detect_kick(ka.read("data/samples/race_5k_kick.fit"))
    >>> kick.detected, round(kick.start_distance_m, -2)
    (True, 4600.0)
    >>> kick.gain_pct > 10
    True
    """
    import pandas as pd

    if gap_model not in (None, "fitted", *signal.GAP_MODELS):
        raise ValueError(f"gap_model={gap_model!r}: use 'fitted', {signal.GAP_MODELS} or None")
    prep_model = gap_model if gap_model in signal.GAP_MODELS else "strava2017"
    s = activity if isinstance(activity, Series) else prepare(activity, gap_model=prep_model)
    t, d = s.time_s, s.distance_m
    if not d[-1] - d[0] > 0:
        raise EmptyActivityError(s.source, "the run covers no distance")

    # moving time: a stop takes no time on it, so standing at a crossing does not lower
    # the pace "held before" a kick, and a gap in the recording (a watch clock that
    # jumped) cannot make a 1 s grid huge
    tm = s.cum_moving_s - s.cum_moving_s[0]

    # ------------------------------------------------------------------ the finish
    if finish is not None:
        end = _finish_time(s, finish)
        if not t[0] < end <= t[-1] + 1e-6:
            raise ValueError(f"finish={finish!r} is outside the run")
    else:
        moving = np.flatnonzero(s.moving)
        end = float(t[moving[-1]]) if len(moving) else float(t[-1])
        if cooldown_speed_ratio is not None:
            keep = t <= end
            cut = _cooldown_finish(
                tm[keep], s.cum_gap_m[keep], cooldown_speed_ratio, before_s=180.0, min_after_s=30.0
            )
            if cut is not None:
                end = float(ig.interp_monotone(np.array([cut]), tm, t)[0])
    d_end = float(np.interp(end, t, d))
    race_m = d_end - d[0]
    if not race_m > 0:
        raise EmptyActivityError(s.source, "the race covers no distance")

    finish_s = float(end)

    def none() -> Kick:
        return Kick(
            False, None, *([_NAN] * 9), finish_elapsed_s=finish_s, finish_distance_m=float(race_m)
        )

    # ------------------------------------------------------------------ 1 s grid
    # on moving time
    end_m = float(np.interp(end, t, tm))
    if not end_m >= min_duration_s:
        return none()
    tg = np.arange(0.0, end_m, 1.0)
    tg = np.append(tg, end_m) if end_m - tg[-1] > 1e-9 else tg
    dg = ig.interp_monotone(tg, tm, d)
    search_m = min(max_distance_m, 0.5 * race_m)
    t_search = float(ig.interp_monotone(np.array([d_end - search_m]), dg, tg)[0])
    if gap_model is None:
        gg = dg
    elif gap_model == "fitted":
        gg = _fitted_gap(s, tm, tg, dg, t_search)
    else:
        gg = ig.interp_monotone(tg, tm, s.cum_gap_m)

    def at(x: Any, cum: np.ndarray) -> np.ndarray:
        return np.interp(x, tg, cum)

    # ------------------------------------------------------------------ candidates
    real_end, end = finish_s, end_m  # from here on, times are moving seconds
    c = np.arange(math.ceil(t_search), end - min_duration_s + 1e-9, 1.0)
    if len(c) == 0:
        return none()
    gc = at(c, gg)
    dc = at(c, dg)
    # baseline: the baseline_distance_m before the candidate (real distance)
    tb = ig.interp_monotone(np.maximum(dc - baseline_distance_m, d[0]), dg, tg)
    n1 = c - tb
    n2 = end - c
    g_end = float(gg[-1])
    w2 = np.minimum(n2, _STEP_S)
    with np.errstate(invalid="ignore", divide="ignore"):
        local = (gc - at(tb, gg)) / n1
        # the pace held before: the local mean, unless a dip (a slowdown, a walk, a
        # cool-down jog between reps) lowers it below the typical pace of the longer
        # stretch before, which a median ignores
        base = np.fmax(local, _typical_speed(tg, gg, dg, c, dc - held_distance_m))
        kick = (g_end - gc) / n2
        second = (g_end - at(c + n2 / 2, gg)) / (n2 / 2)
        before = (gc - at(c - _STEP_S, gg)) / _STEP_S
        after = (at(c + w2, gg) - gc) / w2
        valid = (
            (n1 > 0)
            & (g_end - gc >= 0)
            & (dg[-1] - dc >= min_distance_m)
            & (kick >= base * (1 + min_gain_pct / 100))
            & (second >= base * (1 + min_gain_pct / 100))
        )
        held = _held_fraction(tg, gg, c, end, base * (1 + min_gain_pct / 200))
        valid &= held >= min_held_fraction
        # a rise from below the pace held (out of a dip) back up to it is no kick
        step = np.where(valid, (after - np.fmax(before, base)) / base, -np.inf)
    if not np.isfinite(step).any():
        return none()
    k = int(np.argmax(step))
    b, kk = float(base[k]), float(after[k])

    # ------------------------------------------------------------------ the onset
    lo = np.maximum(tg - 2.5, tg[0])
    hi = np.minimum(tg + 2.5, end)
    v5 = (at(hi, gg) - at(lo, gg)) / np.maximum(hi - lo, 1e-9)
    onset = _onset(tg, v5, float(tb[k]), float(c[k]), b, kk, onset_fraction)

    # ------------------------------------------------------------------ the verdict
    def mean(a: float, z: float, cum: np.ndarray) -> float:
        return float(at(z, cum) - at(a, cum)) / (z - a)

    duration = end - onset
    d_on = float(at(onset, dg))
    if not (duration >= min_duration_s and d_end - d_on >= min_distance_m):
        return none()
    t_base = float(ig.interp_monotone(np.array([max(d_on - baseline_distance_m, d[0])]), dg, tg)[0])
    if not onset - t_base > 0:
        return none()
    typical = _typical_speed(tg, gg, dg, np.array([onset]), np.array([d_on - held_distance_m]))[0]
    gap_base = float(np.fmax(mean(t_base, onset, gg), typical))
    gap_gain = 100.0 * (mean(onset, end, gg) / gap_base - 1.0)
    second = 100.0 * (mean(onset + duration / 2, end, gg) / gap_base - 1.0)
    if not (gap_gain >= min_gain_pct and second >= min_gain_pct):
        return none()
    # a race's final kick is its fastest effort: an earlier stretch run clearly faster
    # (a rep of an interval session before the cool-down, strides, a fast start of a
    # training run) makes the end a faster finish of a training run, not a kick
    w = max(duration, _RACE_WINDOW_S)
    x = np.arange(0.0, onset - w + 1e-9, 1.0)
    if len(x):
        fastest = float(np.max((at(x + w, gg) - at(x, gg)) / w))
        if fastest > mean(onset, end, gg) * (1 + min_gain_pct / 100):
            return none()
    base_speed = mean(t_base, onset, dg)
    kick_speed = (d_end - d_on) / duration
    onset_real = float(ig.interp_monotone(np.array([onset]), tm, t)[0])
    sel = tg >= onset
    lo5 = np.maximum(tg[sel] - 2.5, onset)
    hi5 = np.minimum(tg[sel] + 2.5, end)
    ok = hi5 - lo5 >= 2.5
    v_real = (at(hi5, dg) - at(lo5, dg))[ok] / (hi5 - lo5)[ok]
    peak = float(v_real.max()) if ok.any() else kick_speed
    return Kick(
        detected=True,
        start_time=pd.Timestamp(s.start_ns + int(round(onset_real * 1e9)), tz="UTC"),
        start_elapsed_s=onset_real,
        start_distance_m=float(d_on - d[0]),
        distance_m=float(d_end - d_on),
        duration_s=float(real_end - onset_real),
        baseline_speed_mps=float(base_speed),
        kick_speed_mps=float(kick_speed),
        peak_speed_mps=peak,
        gain_pct=float(100.0 * (kick_speed / base_speed - 1.0)),
        gap_gain_pct=float(gap_gain),
        finish_elapsed_s=float(real_end),
        finish_distance_m=float(race_m),
    )


def _typical_speed(
    tg: np.ndarray, gg: np.ndarray, dg: np.ndarray, c: np.ndarray, d_from: np.ndarray
) -> np.ndarray:
    """The median of the 20 s mean speeds from distance *d_from* to each candidate *c*.

    The 20 s windows lie wholly inside ``[t(d_from), c]`` and start every second; a
    stretch shorter than one window gives NaN (no constraint). Being a median, it is
    the pace held for most of the stretch: a dip of less than half of it (a slowdown,
    a walk break, a recovery jog) does not lower it, as it lowers a mean.
    """
    out = np.full(len(c), np.nan)
    if len(c) == 0:
        return out
    t0 = ig.interp_monotone(np.maximum(d_from, dg[0]), dg, tg)
    x_all = np.arange(math.ceil(t0.min()), c.max() - _STEP_S + 1e-9, 1.0)
    if len(x_all) == 0:
        return out
    v = (np.interp(x_all + _STEP_S, tg, gg) - np.interp(x_all, tg, gg)) / _STEP_S
    lo = np.searchsorted(x_all, t0 - 1e-9)
    hi = np.searchsorted(x_all, c - _STEP_S + 1e-9)
    width = int((hi - lo).max(initial=0))
    if width <= 0:
        return out
    idx = lo[:, None] + np.arange(width)[None, :]
    inside = idx < hi[:, None]
    vals = np.where(inside, v[np.minimum(idx, len(v) - 1)], np.nan)
    ok = inside.any(axis=1)
    out[ok] = signal._nanmedian_rows(vals[ok])
    return out


def _held_fraction(
    tg: np.ndarray, gg: np.ndarray, c: np.ndarray, end: float, level: np.ndarray
) -> np.ndarray:
    """The share of each candidate's stretch where the 10 s speed stays above *level*.

    For a candidate start *c* the 10 s mean speeds over the windows ``[x, x + 10 s]``,
    x every second from ``c + 5 s`` (past the acceleration) to ``end - 10 s``, are
    compared with the candidate's *level* [m/s]; the result is the fraction of them
    at or above it (1 when the stretch is too short for a window).
    """
    out = np.ones(len(c))
    x = np.arange(math.ceil(c.min() + 5.0) if len(c) else 0.0, end - 10.0 + 1e-9, 1.0)
    if len(c) == 0 or len(x) == 0:
        return out
    v10 = (np.interp(x + 10.0, tg, gg) - np.interp(x, tg, gg)) / 10.0
    inside = x[None, :] >= c[:, None] + 5.0 - 1e-9
    n = inside.sum(axis=1)
    above = (inside & (v10[None, :] >= level[:, None])).sum(axis=1)
    return np.where(n > 0, above / np.maximum(n, 1), 1.0)


def _onset(
    tg: np.ndarray, v5: np.ndarray, t_base: float, t_change: float, b: float, k: float, f: float
) -> float:
    """Where the speed left the baseline, before the change point *t_change*.

    From the first second after the change point where the 5 s speed is halfway from
    the baseline *b* to the kick speed *k*, go back to the last second at or below
    ``b + f (k - b)``. The rise between that level and ``b + (1 - f) (k - b)`` is
    fitted with a straight line (least squares) and extended back to the baseline
    (the tangent method of onset detection); when the rise is too short for a line,
    the crossing of the low level, interpolated between seconds, is used.
    """
    i0 = int(np.searchsorted(tg, t_base))
    i_c = int(np.searchsorted(tg, t_change))
    above = np.flatnonzero(v5[i_c:] >= 0.5 * (b + k))
    i_up = i_c + (int(above[0]) if len(above) else 0)
    low, high = b + f * (k - b), b + (1.0 - f) * (k - b)
    below = np.flatnonzero(v5[i0 : i_up + 1] <= low)
    if len(below) == 0:
        return float(tg[i0])
    i = i0 + int(below[-1])
    if i + 1 >= len(tg) or not v5[i + 1] > v5[i]:
        return float(tg[i])
    cross = float(tg[i] + (low - v5[i]) / (v5[i + 1] - v5[i]) * (tg[i + 1] - tg[i]))
    reach = np.flatnonzero(v5[i + 1 :] >= high)
    j = i + 1 + (int(reach[0]) if len(reach) else 0)
    if j - i >= 3:
        slope, icpt = np.polyfit(tg[i : j + 1], v5[i : j + 1], 1)
        if slope > 0:
            tangent = (b - icpt) / slope
            if tg[i] - 5.0 <= tangent <= cross:
                return float(tangent)
    return cross


def _fitted_gap(
    s: Series, tm: np.ndarray, tg: np.ndarray, dg: np.ndarray, t_stop: float
) -> np.ndarray:
    """Cumulative grade-adjusted distance on the grid, from the runner's own hill response.

    Over the race before *t_stop* (the kick search region), the log of the 20 s mean
    speed is fitted by least squares as ``c + a_up * max(g, 0) + a_down * min(g, 0)``
    with the grade *g* over the same 20 s. Each second's speed is then divided by
    ``exp(a_up * g+ + a_down * g-)``: the speed the runner would have held on the flat
    with the same effort. Without enough hills (grade spread under 1 %) or a plausible
    fit (slopes of the wrong sign are set to 0), the speed is left as it is.
    """
    ele = ig.interp_monotone(tg, tm, s.elevation_m)
    if not np.isfinite(ele).all():
        return dg
    half = 10.0
    lo = np.clip(tg - half, tg[0], tg[-1])
    hi = np.clip(tg + half, tg[0], tg[-1])
    dd = np.interp(hi, tg, dg) - np.interp(lo, tg, dg)
    de = np.interp(hi, tg, ele) - np.interp(lo, tg, ele)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = dd / (hi - lo)
        g = np.clip(np.where(dd > 5.0, de / dd, 0.0), -0.3, 0.3)
    use = (tg < t_stop) & (tg > tg[0] + 60.0) & (v > 0.5) & (dd > 5.0)
    if use.sum() < 60 or not np.std(g[use]) > 0.01:
        return dg
    x = np.column_stack((np.ones(use.sum()), np.maximum(g[use], 0), np.minimum(g[use], 0)))
    coef = np.linalg.lstsq(x, np.log(v[use]), rcond=None)[0]
    a_up, a_down = min(coef[1], 0.0), min(coef[2], 0.0)
    factor = np.exp(-(a_up * np.maximum(g, 0) + a_down * np.minimum(g, 0)))
    step = np.diff(dg, prepend=dg[0])
    return np.cumsum(step * factor)


__all__ = ["FINISH_TOLERANCE", "Kick", "detect_kick"]
