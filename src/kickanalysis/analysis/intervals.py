"""Intervals: the work repetitions of speedwork, and a summary of the session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..schema import EVENT_COLUMNS
from . import _surges as sg
from ._prepare import Series

if TYPE_CHECKING:
    import pandas as pd

    from ..activity import Activity

MILE_M = 1609.344

#: Columns of :func:`detect_intervals` after the event columns, with their dtypes.
INTERVAL_DTYPES: dict[str, str] = {
    "rep": "int64",
    "pace_s_per_km": "float64",
    "speed_mps": "float64",
    "heart_rate_mean_bpm": "float64",
    "recovery_s": "float64",
    "recovery_distance_m": "float64",
    "recovery_speed_mps": "float64",
}


def detect_intervals(
    activity: Activity | pd.DataFrame | Series,
    *,
    min_duration_s: float = 40.0,
    max_duration_s: float = 1200.0,
    min_step_ratio: float = 1.12,
    min_contrast_ratio: float = 1.12,
    edge_window_s: float = 20.0,
    context_s: float = 60.0,
    min_segment_s: float = 12.0,
    stop_margin_s: float = 8.0,
    knee_s: float = 0.0,
    noise_factor: float = 6.0,
    min_reps: int = 2,
) -> pd.DataFrame:
    """Find the work intervals of speedwork (about 40 s to 20 min each).

    How it decides:

    1. The speed of every second (see :func:`kickanalysis.analysis._surges.speed_grid`:
       the cleaned distance resampled on whole seconds, or the device's own speed when
       the distance had to come from GPS positions and the file records one); seconds
       spent standing, and ``stop_margin_s`` around them (slowing down and speeding up
       again), are dropped, so a stop is not an edge. Detection works on the
       grade-adjusted speed (``strava2017`` curve of
       :func:`kickanalysis.signal.gap_factor`).
    2. *Edges*: at every second, the mean speed of the next ``edge_window_s`` divided by
       that of the previous ``edge_window_s`` (a step detector: the difference of two
       adjacent box means, as in edge detection of step signals). A rise is a local
       maximum of that ratio of at least ``min_step_ratio`` within ±``edge_window_s``; a
       drop a local minimum of at most 1 / ``min_step_ratio``.
    3. The run is cut at the edges into segments, merged bottom-up until every step
       between neighbours is at least ``min_step_ratio`` and *gains at least
       ``noise_factor`` × the distance noise in metres* over the shorter of the two
       segments. The distance noise
       (:func:`kickanalysis.analysis._surges.distance_noise_m`) is measured on the run
       itself: the robust spread of the distance's second differences at 20 s, about
       0.5–1 m for a device distance and 2–3 m for a distance from positions with 5 m
       of GPS error. A step in mean speed is judged in metres because the mean speed
       of ``L`` seconds is a difference of two distances over ``L``: GPS error fakes
       steps of a few metres / ``L``, large for a short segment and small for a long
       one.
    4. A segment is a candidate when its mean speed is at least
       ``min_contrast_ratio`` × the typical (median) speed of the running before and
       after it (up to ``context_s``, not reaching into a neighbouring segment nearly
       as fast; at the start or end of the run, the side that exists), and it gains at
       least ``noise_factor`` × the distance noise on that running. Its start and end
       are where the (3 s smoothed) speed crosses halfway between the levels before
       and after each edge; with ``knee_s > 0`` they are then refined by a two-line fit
       of the cumulative distance (:func:`kickanalysis.analysis._surges.knee_fit`).
    5. It is a work interval when it lasts ``min_duration_s`` – ``max_duration_s``
       (shorter surges are strides, see
       :func:`kickanalysis.analysis.strides.detect_strides`). A session needs at least
       ``min_reps`` of them, else none is reported: a single fast block — a tempo run,
       a race's final kick, a fast finish — is not speedwork (pass ``min_reps=1`` to
       get such a block).

    Intervals are judged against the running around them, not against one easy pace,
    because recoveries are usually slower than the warm-up: a warm-up is never an
    interval (it is followed by something faster), a tempo block of up to
    ``max_duration_s`` between easier running is one interval (with ``min_reps=1``),
    and a longer one is none. A steady run, a progression run, a final kick and strides
    give none. The thresholds are this library's choice, checked against the planted
    repetitions of :func:`kickanalysis.simulate.simulate_run` (``benchmarks/
    bench_detection.py``). The knee fit is off by default: on that benchmark the
    speed-level crossings were the more accurate edges (worst duration error 1.5 s
    against 2.5 s with ``knee_s=25``), also for distances from positions alone.

    Parameters
    ----------
    activity : Activity, pandas.DataFrame or Series
        The run (or its records frame, or a prepared
        :class:`kickanalysis.analysis._prepare.Series`; a Series holds no device
        speed, so the cleaned distance is used).
    min_duration_s, max_duration_s : float, default 40.0, 1200.0
        Shortest and longest work interval [s].
    min_step_ratio : float, default 1.12
        Smallest speed step at an edge (speed after / before) [-].
    min_contrast_ratio : float, default 1.12
        Smallest mean speed of an interval relative to the running around it [-].
    edge_window_s : float, default 20.0
        Length of the two windows compared at each second to find edges [s].
    context_s : float, default 60.0
        Longest stretch before and after an interval that it is compared with [s].
    min_segment_s : float, default 12.0
        Shortest stretch between two edges kept as a level of its own [s].
    stop_margin_s : float, default 8.0
        Time left out before and after every stop [s].
    knee_s : float, default 0.0
        Half-width of the two-line fit that refines each edge [s]; 0 to keep the
        speed-level crossings.
    noise_factor : float, default 6.0
        How many times the run's distance noise a step must gain or lose [-].
    min_reps : int, default 2
        Fewest work intervals that make a session [-]; with fewer, none is returned.

    Returns
    -------
    pandas.DataFrame
        One row per interval: :data:`kickanalysis.schema.EVENT_COLUMNS`, then ``rep``
        (1-based), ``pace_s_per_km`` [s/km] and ``speed_mps`` [m/s] (actual, not grade
        adjusted, over the elapsed time), ``heart_rate_mean_bpm`` (time-weighted [bpm];
        NaN without heart rate), and the recovery that follows up to the next interval:
        ``recovery_s`` [s], ``recovery_distance_m`` [m], ``recovery_speed_mps`` [m/s]
        (NaN after the last). Empty, with these columns, when there is none.

    Raises
    ------
    EmptyActivityError
        When the activity has fewer than two timed samples (as :func:`splits`).

    Examples
    --------
    >>> import kickanalysis as ka
    >>> from kickanalysis.simulate import IntervalSpec
    >>> sim = ka.simulate_run(distance_m=7000, intervals=IntervalSpec(reps=4, distance_m=800),
    ...                       distance_error_pct=0.0, seed=2)
    >>> reps = detect_intervals(sim.activity)
    >>> len(reps), reps["distance_m"].round(-1).tolist()
    (4, [800.0, 800.0, 800.0, 800.0])
    """
    grid = sg.speed_grid(activity)
    w = max(2, int(round(edge_window_s)))
    vg = grid.gap_speed_mps
    # stops and the slowing down / speeding up around them (stop_margin_s) are left out
    stopped = np.concatenate(([0], np.cumsum(~grid.moving)))
    k = np.arange(len(vg))
    margin = int(round(stop_margin_s))
    lo_k = np.clip(k - margin, 0, len(vg))
    hi_k = np.clip(k + margin + 1, 0, len(vg))
    near_stop = stopped[hi_k] - stopped[lo_k] > 0
    idx = np.flatnonzero(~near_stop & np.isfinite(vg))
    v = vg[idx]
    m = len(v)
    if m < min_duration_s + 2 * w:
        return _empty()
    cs = np.concatenate(([0.0], np.cumsum(v)))
    i = np.arange(w, m - w + 1)
    left = (cs[i] - cs[i - w]) / w
    right = (cs[i + w] - cs[i]) / w
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.log(np.maximum(right, 1e-3) / np.maximum(left, 1e-3))
    ratio = np.full(m + 1, 0.0)
    ratio[i] = r
    pad = np.concatenate((np.full(w, -np.inf), ratio, np.full(w, -np.inf)))
    peak = np.lib.stride_tricks.sliding_window_view(pad, 2 * w + 1).max(axis=1)
    pad = np.concatenate((np.full(w, np.inf), ratio, np.full(w, np.inf)))
    trough = np.lib.stride_tricks.sliding_window_view(pad, 2 * w + 1).min(axis=1)
    step = np.log(min_step_ratio)
    rises = np.flatnonzero((ratio >= step) & (ratio == peak))
    drops = np.flatnonzero((ratio <= -step) & (ratio == trough))
    edges = np.unique(np.concatenate((rises, drops)))
    noise_m = sg.distance_noise_m(grid)
    segs = _segments(
        v,
        edges,
        min_segment_s=min_segment_s,
        min_step_ratio=min_step_ratio,
        min_step_m=noise_factor * noise_m,
    )
    v3 = sg.box_mean(v, 3)
    vs = sg.box_mean(v, 5)
    ctx = int(round(context_s))
    t0: list[float] = []
    t1: list[float] = []
    for j, (a, b, level) in enumerate(segs):
        # the running around it, up to the nearest segment nearly as fast
        fast = [k for k in range(len(segs)) if segs[k][2] * min_contrast_ratio > level]
        prev = max([segs[k][1] for k in fast if k < j], default=0)
        nxt = min([segs[k][0] for k in fast if k > j], default=m)
        before = sg.nanmedian(v[max(a - ctx, prev) : a]) if a > prev else np.nan
        after = sg.nanmedian(v[b : min(b + ctx, nxt)]) if nxt > b else np.nan
        around = np.nanmax([before, after]) if np.isfinite([before, after]).any() else np.nan
        if not level >= min_contrast_ratio * around:
            continue
        if (level - around) * (b - a) < noise_factor * noise_m:
            continue  # gains no more than the GPS error can fake
        lo = sg.nanmedian(vs[max(a - w, 0) : max(a - 2, 0)])
        hi = sg.nanmedian(vs[a + 2 : min(a + w, b)])
        s0 = sg.crossing(v3, 0.5 * (lo + hi), a - w // 2, a + w // 2, rising=True)
        hi = sg.nanmedian(vs[max(b - w, a) : b - 2])
        lo = sg.nanmedian(vs[b + 2 : b + w])
        s1 = sg.crossing(v3, 0.5 * (lo + hi), b - w // 2, b + w // 2, rising=False)
        # refine both edges on the cumulative distance, within the segments around
        prev_len = a - (segs[j - 1][0] if j > 0 else 0)
        next_len = (segs[j + 1][1] if j + 1 < len(segs) else m) - b
        s0 = _edge(cs, s0, min(prev_len, b - a), knee_s)
        s1 = _edge(cs, s1, min(next_len, b - a), knee_s)
        start, end = _to_time(s0, idx), _to_time(s1, idx)
        if min_duration_s <= end - start <= max_duration_s:
            t0.append(start)
            t1.append(end)
    if len(t0) < max(min_reps, 1):
        return _empty()
    t0a, t1a = np.asarray(t0), np.asarray(t1)
    d = lambda x: np.interp(x, grid.time_s, grid.distance_m)  # noqa: E731
    dist = d(t1a) - d(t0a)
    speed = dist / (t1a - t0a)
    rec_s = np.append(grid.elapsed(t0a[1:]) - grid.elapsed(t1a[:-1]), np.nan)
    rec_m = np.append(d(t0a[1:]) - d(t1a[:-1]), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        rec_v = rec_m / rec_s
        pace = np.where(speed > 0, 1000.0 / speed, np.nan)
    return sg.event_table(
        grid,
        t0a,
        t1a,
        {
            "rep": (np.arange(1, len(t0a) + 1), "int64"),
            "pace_s_per_km": (pace, "float64"),
            "speed_mps": (speed, "float64"),
            "heart_rate_mean_bpm": (sg.heart_rate_mean(grid, t0a, t1a), "float64"),
            "recovery_s": (rec_s, "float64"),
            "recovery_distance_m": (rec_m, "float64"),
            "recovery_speed_mps": (rec_v, "float64"),
        },
    )


def _edge(cum_m: np.ndarray, guess: float, room_s: int, knee_s: float) -> float:
    """An edge refined by :func:`~kickanalysis.analysis._surges.knee_fit` (twice).

    The window reaches ``knee_s`` either side, but not past the middle of the shorter
    of the two segments that meet at the edge (``room_s`` is that length), so that the
    fit sees one straight line on each side.
    """
    if knee_s <= 0:
        return guess
    half = int(max(5, min(knee_s, room_s // 2)))
    p = guess
    for _ in range(2):
        p = sg.knee_fit(cum_m, p, half, search_s=max(2.0, half - 4.0))
    return p


def _segments(
    v: np.ndarray,
    edges: np.ndarray,
    *,
    min_segment_s: float,
    min_step_ratio: float,
    min_step_m: float,
) -> list[tuple[int, int, float]]:
    """Split ``v`` at ``edges`` and merge bottom-up into levels that differ clearly.

    First a segment shorter than ``min_segment_s`` (the ramps around a stop, a short
    glitch) joins the neighbour closest to it in mean speed; then, repeatedly, the two
    adjacent segments with the weakest step join, until every step is at least
    ``min_step_ratio`` and the difference of the two mean speeds times the shorter
    segment's length — the distance [m] that one level gains on the other over the
    shorter segment — at least ``min_step_m``. The second condition is the noise
    test: the mean speed of a stretch of ``L`` seconds is a difference of two
    distances divided by ``L``, so GPS error of a few metres makes it wrong by a few
    metres / ``L`` — a short segment must differ more to stand, in proportion to
    1 / ``L``. Returns ``(start, end, mean)`` per segment.
    """
    bounds = [0, *[int(e) for e in edges if 0 < e < len(v)], len(v)]
    cs = np.concatenate(([0.0], np.cumsum(v)))
    seg = [[a, b] for a, b in zip(bounds[:-1], bounds[1:]) if b > a]

    def mean(k: int) -> float:
        a, b = seg[k]
        return (cs[b] - cs[a]) / (b - a)

    def join(k: int) -> None:  # segment k absorbs segment k + 1
        seg[k][1] = seg[k + 1][1]
        del seg[k + 1]

    while len(seg) > 1:
        short = [k for k in range(len(seg)) if seg[k][1] - seg[k][0] < min_segment_s]
        if not short:
            break
        k = min(short, key=lambda k: seg[k][1] - seg[k][0])
        if k == 0:
            join(0)
        elif k == len(seg) - 1:
            join(k - 1)
        else:
            m = mean(k)
            join(k - 1 if abs(mean(k - 1) - m) <= abs(mean(k + 1) - m) else k)
    limit = np.log(min_step_ratio)
    while len(seg) > 1:
        means = np.array([mean(k) for k in range(len(seg))])
        length = np.array([b - a for a, b in seg], dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.abs(np.log(means[1:] / means[:-1]))
        step = np.where(np.isfinite(step), step, 0.0)
        # a step must be large, and gain more metres than the GPS error can fake
        gain = np.abs(means[1:] - means[:-1]) * np.minimum(length[1:], length[:-1])
        score = np.minimum(step / limit, gain / max(min_step_m, 1e-9))
        k = int(np.argmin(score))
        if score[k] >= 1.0:
            break
        join(k)
    return [(a, b, mean(k)) for k, (a, b) in enumerate(seg)]


def _to_time(p: float, idx: np.ndarray) -> float:
    """A position on the moving-only per-second axis as a time [s] on the 1 s grid."""
    k = int(np.clip(np.floor(p), 0, len(idx) - 1))
    return float(idx[k] + np.clip(p - k, 0.0, 1.0))


def _empty() -> pd.DataFrame:
    import pandas as pd

    cols = {c: pd.Series(dtype="float64") for c in EVENT_COLUMNS}
    cols["start_time"] = pd.Series(dtype="datetime64[ns, UTC]")
    cols["end_time"] = pd.Series(dtype="datetime64[ns, UTC]")
    cols.update({c: pd.Series(dtype=t) for c, t in INTERVAL_DTYPES.items()})
    return pd.DataFrame(cols)


#: Distances a repetition is described by when it is within ``tolerance`` of one [m].
ROUND_DISTANCES_M: tuple[float, ...] = (
    *(100.0 * k for k in range(1, 11)),
    1200.0,
    1500.0,
    MILE_M,
    2000.0,
    3000.0,
    2 * MILE_M,
    4000.0,
    5000.0,
)


@dataclass(frozen=True)
class IntervalSession:
    """A summary of the work intervals of one session.

    Attributes
    ----------
    reps : int
        Number of work intervals.
    by : str
        ``"distance"`` when the repetitions were run over a set distance: their
        typical distance is near a round distance, and their typical duration is not
        near a multiple of 15 s (within 1.5 % or 2 s) or their distances agree more
        closely than their durations; else ``"duration"``; ``""`` without
        repetitions.
    rep_distance_m : float
        Typical (median) distance of a repetition [m]; the round distance when
        ``by == "distance"``.
    rep_duration_s : float
        Typical (median) duration of a repetition [s].
    rep_time_min_s, rep_time_max_s : float
        Fastest and slowest repetition [s].
    pace_min_s_per_km, pace_max_s_per_km : float
        Fastest and slowest pace of the repetitions [s/km].
    recovery_mean_s : float
        Mean recovery between repetitions [s] (NaN with fewer than two).
    recovery_distance_mean_m : float
        Mean distance covered in the recoveries [m].
    summary : str
        One line such as ``"6 × 800 m in 2:29–2:33, 2:00 jog recovery"``.
    """

    reps: int
    by: str
    rep_distance_m: float
    rep_duration_s: float
    rep_time_min_s: float
    rep_time_max_s: float
    pace_min_s_per_km: float
    pace_max_s_per_km: float
    recovery_mean_s: float
    recovery_distance_mean_m: float
    summary: str

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict."""
        return dict(self.__dict__)


def interval_session(data: Activity | pd.DataFrame, *, tolerance: float = 0.04) -> IntervalSession:
    """Summarise a session of speedwork: how many repetitions, how long, how fast.

    Parameters
    ----------
    data : Activity or pandas.DataFrame
        A run (its intervals are found with :func:`detect_intervals`), or a table that
        :func:`detect_intervals` returned.
    tolerance : float, default 0.04
        Largest relative difference [-] between the typical repetition distance and a
        round distance (:data:`ROUND_DISTANCES_M`) for the session to be described by
        distance.

    Returns
    -------
    IntervalSession
        The summary (``reps == 0`` and summary ``"no intervals"`` when there are none).

    Examples
    --------
    >>> import kickanalysis as ka
    >>> from kickanalysis.simulate import IntervalSpec
    >>> sim = ka.simulate_run(distance_m=7000, intervals=IntervalSpec(reps=4, distance_m=800,
    ...                       recovery_s=120), distance_error_pct=0.0, seed=2)
    >>> session = interval_session(sim.activity)
    >>> session.reps, session.by, session.rep_distance_m
    (4, 'distance', 800.0)
    >>> session.summary  # doctest: +ELLIPSIS
    '4 × 800 m in ..., 2:00 jog recovery'
    """
    table = data if _is_interval_table(data) else detect_intervals(data)
    n = len(table)
    nan = float("nan")
    if n == 0:
        return IntervalSession(0, "", nan, nan, nan, nan, nan, nan, nan, nan, "no intervals")
    dist = table["distance_m"].to_numpy(dtype=np.float64)
    dur = table["duration_s"].to_numpy(dtype=np.float64)
    pace = table["pace_s_per_km"].to_numpy(dtype=np.float64)
    rec = table["recovery_s"].to_numpy(dtype=np.float64)[:-1]
    rec_m = table["recovery_distance_m"].to_numpy(dtype=np.float64)[:-1]
    med_d, med_t = float(np.median(dist)), float(np.median(dur))
    nice = min(ROUND_DISTANCES_M, key=lambda x: abs(x - med_d))
    spread_d = float(np.median(np.abs(dist / med_d - 1.0)))
    spread_t = float(np.median(np.abs(dur / med_t - 1.0)))
    round_t = max(15.0, round(med_t / 15.0) * 15.0)
    timed = abs(med_t - round_t) <= max(0.015 * med_t, 2.0)
    by_distance = abs(nice / med_d - 1.0) <= tolerance and (
        not timed or (n > 1 and spread_d < spread_t)
    )
    rec_mean = float(np.mean(rec)) if len(rec) else nan
    rec_m_mean = float(np.mean(rec_m)) if len(rec_m) else nan
    if by_distance:
        what = f"{n} × {_distance_text(nice)} in {_clock(dur.min())}–{_clock(dur.max())}"
    else:
        what = (
            f"{n} × {_clock(round_t if timed else med_t)} at "
            f"{_clock(pace.min())}–{_clock(pace.max())}/km"
        )
    if np.isfinite(rec_mean):
        jog = "jog" if rec_m_mean / rec_mean >= 1.0 else "walk/standing"
        what += f", {_clock(round(rec_mean / 5.0) * 5.0)} {jog} recovery"
    return IntervalSession(
        reps=n,
        by="distance" if by_distance else "duration",
        rep_distance_m=nice if by_distance else med_d,
        rep_duration_s=med_t,
        rep_time_min_s=float(dur.min()),
        rep_time_max_s=float(dur.max()),
        pace_min_s_per_km=float(np.nanmin(pace)),
        pace_max_s_per_km=float(np.nanmax(pace)),
        recovery_mean_s=rec_mean,
        recovery_distance_mean_m=rec_m_mean,
        summary=what,
    )


def _is_interval_table(data: Any) -> bool:
    columns = getattr(data, "columns", None)
    return columns is not None and "rep" in columns and "recovery_s" in columns


def _clock(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) of a duration [s], rounded to the second."""
    total = int(round(float(seconds)))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _distance_text(metres: float) -> str:
    if abs(metres - MILE_M) < 1.0:
        return "1 mi"
    if abs(metres - 2 * MILE_M) < 1.0:
        return "2 mi"
    if metres >= 1000.0 and metres % 1000.0 == 0:
        return f"{metres / 1000.0:g} km"
    return f"{metres:g} m"


__all__ = [
    "INTERVAL_DTYPES",
    "ROUND_DISTANCES_M",
    "IntervalSession",
    "detect_intervals",
    "interval_session",
]
