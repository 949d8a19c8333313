"""Intervals: the work repetitions of speedwork, and a summary of the session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

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


#: How much less a speed from GPS positions tells about *where* a change of pace happened
#: than the runner's own speed or the cadence, at the same step and noise [-]. The
#: positions are smoothed (a local quadratic over 25 s,
#: :func:`kickanalysis.signal.distance_from_positions`), which spreads the runner's
#: change of pace (10-90 % of it in 3.2-3.6 s) over 7.4-7.5 s. The Fisher information
#: about the time of a step in a mean profile ``mu(t)`` in noise is the sum of
#: ``(d mu / dt) ** 2`` over the noise variance; for the median normalised step at the
#: rep starts and ends of the 1 s recordings (1-5 m of GPS error) of
#: ``benchmarks/bench_detection.py``, that sum is 0.31-0.32 for the true speed and
#: 0.10-0.11 for the speed from positions: a ratio of 2.95-3.1 (for the watch's speed
#: in a FIT file 1.0-1.1; fused with the positions in a GPX file 1.3-1.6, left as it
#: is). :func:`_change_point`'s second search (which locates the change within seconds;
#: the levels come from 20 s windows, which the spreading does not change) weighs this
#: channel by its step over its noise variance divided by this ratio.
POSITION_STEP_INFO_RATIO = 3.0


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
    min_reps: int = 3,
    min_typical_ratio: float = 1.12,
    walk_speed_mps: float = sg.WALK_SPEED_MPS,
    max_speed_mps: float = 1000.0 / 120.0,
    max_stop_s: float = 3.0,
    max_recovery_s: float = 600.0,
    max_rest_ratio: float = 4.0,
    max_duration_ratio: float = 1.5,
    max_level_ratio: float = 1.2,
    min_easy_share: float = 0.25,
    min_cadence_agreement: float = 0.5,
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
       one. Then a segment shorter than ``min_duration_s`` between two alike segments
       of at least that length, less than ``max_level_ratio`` slower than them or
       nearer their speed than that of the slowest running just outside them, joins
       them (:func:`_is_dip`): a crossing, a turn or a few seconds of GPS error inside
       a rep, not a recovery. Two adjacent segments less than ``max_level_ratio``
       apart also join when the cadence does not show their change of pace: when it
       changes between them by less than ``min_cadence_agreement`` × what the run's
       own cadence-speed slope predicts from their change of actual speed
       (:func:`_same_cadence`; step frequency rises with speed, and the watch counts
       it without GPS error), so GPS error that makes part of a rep look slower or
       faster does not cut it in two.
    4. A segment is a candidate when its mean speed is at least
       ``min_contrast_ratio`` × the typical (median) speed of the running before and
       after it (up to ``context_s``, not reaching into a neighbouring segment nearly
       as fast; at the start or end of the run, the side that exists), and it gains at
       least ``noise_factor`` × the distance noise on that running. Its start and end
       are the change points between its level and that of the running next to it
       (:func:`_change_point`: a CUSUM at the halfway level, searched up to
       ``2 × edge_window_s`` either side of the edge on the grade-adjusted speed, then
       repeated on the *actual* speed and the cadence together with the levels of the
       20 s right beside the edge found — on level ground beside the second within
       15 s of it where the actual speed and the cadence step most
       (:func:`_step_scan`), as the positions' wander can fake a step of the speed
       alone 10-15 s from the true edge: an edge is where the runner changed pace),
       each channel weighted by its step over its noise variance measured on the whole
       run (the likelihood of independent channels): the cadence comes from the
       watch's accelerometer without GPS error. A speed from smoothed GPS positions
       shows a change of pace spread over several seconds, and so tells less about
       where it happened: its weight there is divided by
       :data:`POSITION_STEP_INFO_RATIO`
       (:func:`kickanalysis.analysis._surges.positions_only`). So a few noisy seconds,
       the positions' wander, or running that slows on into the cool-down, do not move
       an edge by tens of seconds; with ``knee_s > 0`` they are then refined by a
       two-line fit of the cumulative distance
       (:func:`kickanalysis.analysis._surges.knee_fit`). A
       candidate too short to be a work interval that lies right next to one, at a
       speed not slower than it by more than ``max_level_ratio``, is part of it
       (:func:`_same_effort`): GPS error can split a rep's first seconds off as a
       slower-looking level, or a bump inside it as a faster one, and the rep then runs
       from the first piece's start edge to the last one's end edge. Such a piece only
       extends a rep found on its own, so short pieces never add a rep.
    5. It is a work interval when it lasts ``min_duration_s`` – ``max_duration_s``
       (shorter surges are strides, see
       :func:`kickanalysis.analysis.strides.detect_strides`). A session needs at least
       ``min_reps`` of them (after step 6), else none is reported: a single fast block —
       a tempo run, a race's final kick, a fast finish — is not speedwork (pass
       ``min_reps=1`` to get such a block).

    6. *Structure* (speedwork is a structured session, not the natural variation of a
       run): a candidate must be one continuous effort (at most ``max_stop_s`` stopped
       inside it), at a running pace a human can hold (actual speed from
       ``walk_speed_mps``, the walk-run transition, to ``max_speed_mps``, 2:00/km).
       The candidates are cut into sessions where a recovery lasts longer than
       ``max_recovery_s`` or than ``max_rest_ratio`` × the shorter rep next to it
       (at least 120 s): a long stop or walk ends a session. In each session the
       largest group of alike reps is kept: each within a factor
       ``max_duration_ratio`` in duration and ``max_level_ratio`` in grade-adjusted
       speed of one rep of the group (so a group's durations span at most
       ``max_duration_ratio`` squared); the session with most reps is the one
       reported. Its reps must be at least ``min_typical_ratio`` × the runner's
       typical running speed of the day
       (:func:`kickanalysis.analysis._surges.running_speed`: the median grade-adjusted
       speed of the seconds spent running, walks and stops and these reps left out —
       unless less than ``min_easy_share`` of the running would be left: then the
       reps are the day's running and are not left out);
       reps that are not are dropped and the group is chosen again. So running again
       after a walk break or a stop, which is faster than the walk but not than the
       day's running, is no rep, and a run/walk outing is no session. Pyramids and
       ladders whose reps differ by more than these factors keep only their largest
       alike group. Last, a candidate right beside a rep of the session (or beyond a
       dip) joins it when that makes the rep more alike the others in duration or
       distance (:func:`_complete_reps`): GPS error that made a rep's first minute look
       slower no longer cuts it short.

    Intervals are judged against the running around them, not against one easy pace,
    because recoveries are usually slower than the warm-up: a warm-up is never an
    interval (it is followed by something faster), a tempo block of up to
    ``max_duration_s`` between easier running is one interval (with ``min_reps=1``),
    and a longer one is none. A steady run, a progression run, a final kick and strides
    give none. The thresholds are this library's choice, checked against the planted
    repetitions of :func:`kickanalysis.simulate.simulate_run` (``benchmarks/
    bench_detection.py``). The knee fit is off by default: on that benchmark the
    change points were the more accurate edges, also for distances from positions
    alone.

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
    min_reps : int, default 3
        Fewest work intervals that make a session [-]; with fewer, none is returned.
        Two alike fast stretches are easily found by chance on a long run (two hills,
        two surges), so a session needs three.
    min_typical_ratio : float, default 1.12
        Smallest grade-adjusted speed of a rep relative to the day's typical running
        speed [-].
    walk_speed_mps : float, default 2.0
        Walk-run boundary [m/s] (Hreljac 1993, see
        :data:`kickanalysis.analysis._surges.WALK_SPEED_MPS`): slower is not running,
        neither for a rep nor for the typical running speed.
    max_speed_mps : float, default 8.33
        Fastest rep [m/s] (2:00/km, faster than the 800 m world record): GPS error or a
        vehicle beyond.
    max_stop_s : float, default 3.0
        Most time stopped inside a rep [s].
    max_recovery_s : float, default 600.0
        Longest recovery inside a session [s].
    max_rest_ratio : float, default 4.0
        Longest recovery relative to the shorter rep beside it [-] (never below 120 s).
    max_duration_ratio : float, default 1.5
        Largest factor between a rep's duration and that of the group's centre rep [-].
    max_level_ratio : float, default 1.2
        Largest factor between a rep's grade-adjusted speed and the centre rep's [-];
        also how much slower a short piece right next to a rep may be to be part of it.
    min_easy_share : float, default 0.25
        Smallest share of the running time outside the reps [-] for the reps to be
        judged against that easier running alone; with less, the reps are the day's
        running (a session has a warm-up, recoveries, a cool-down).
    min_cadence_agreement : float, default 0.5
        Smallest change of cadence between two adjacent levels, as a share of the
        change the run's cadence-speed slope predicts from their speeds [-], for them
        to stay two levels; below it they are one (ignored without a cadence).

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
    >>> len(reps), bool(((reps["distance_m"] - 800.0).abs() < 10.0).all())
    (4, True)
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
    segs = _close_dips(v, segs, max_dip_s=min_duration_s, ratio=max_level_ratio)
    ctx = int(round(context_s))
    cadence = grid.cadence_spm()[idx]
    segs = _same_cadence(
        v,
        grid.speed_mps[idx],
        cadence,
        segs,
        ratio=max_level_ratio,
        agreement=min_cadence_agreement,
    )
    # the first search of an edge compares effort levels (grade adjusted: a rep on a
    # hill is one level; the cadence is not, it changes with the pace on hills), the
    # refinement the actual pace and the cadence right beside it
    coarse = _Channels([v], segs)
    fine = _Channels([grid.speed_mps[idx], cadence], segs)
    if sg.positions_only(activity, grid.series):
        # a smeared step locates the edge less well (see POSITION_STEP_INFO_RATIO)
        fine.var[0] *= POSITION_STEP_INFO_RATIO
    # candidates: segments clearly faster than the running around them, each with its
    # own edges
    edge: dict[int, tuple[float, float]] = {}
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
        # each edge where the pace changes between the levels of the rep and of the
        # running next to it, searched up to 2 w either side
        pa = segs[j - 1][0] if j > 0 else 0
        nb = segs[j + 1][1] if j + 1 < len(segs) else m
        side0 = (max(a - ctx, prev), a) if a > prev else (max(a - w, 0), max(a - 2, 0))
        side1 = (b, min(b + ctx, nxt)) if nxt > b else (min(b + 2, m), min(b + w, m))
        s0 = _change_point(
            coarse, fine, side0, (a, b), max(a - 2 * w, (pa + a) // 2), min(a + 2 * w, (a + b) // 2)
        )
        s1 = _change_point(
            coarse, fine, (a, b), side1, max(b - 2 * w, (a + b) // 2), min(b + 2 * w, (b + nb) // 2)
        )
        # refine both edges on the cumulative distance, within the segments around
        s0 = _edge(cs, s0, min(a - pa, b - a), knee_s)
        s1 = _edge(cs, s1, min(nb - b, b - a), knee_s)
        edge[j] = (_to_time(s0, idx), _to_time(s1, idx))
    # a rep on its own: its edges, or its segment when the edges came out closer (a
    # noisy step to a short piece beside it), are a rep's duration apart
    is_rep = {
        j: min_duration_s <= max(t_end - t_start, segs[j][1] - segs[j][0]) <= max_duration_s
        for j, (t_start, t_end) in edge.items()
    }
    # a short candidate next to a rep, with no slower running between them, is part of
    # it (see _same_effort): the rep runs from the first one's start to the last one's end
    groups: list[list[int]] = []
    for j in sorted(edge):
        if (
            groups
            and groups[-1][-1] == j - 1
            and _same_effort(
                segs[j - 1], segs[j], is_rep[j - 1], is_rep[j], min_duration_s, max_level_ratio
            )
        ):
            groups[-1].append(j)
        else:
            groups.append([j])
    t0: list[float] = []
    t1: list[float] = []
    levels: list[float] = []
    spans: list[tuple[int, int]] = []
    members: list[list[int]] = []
    for group in groups:
        a, b = segs[group[0]][0], segs[group[-1]][1]
        start, end = edge[group[0]][0], edge[group[-1]][1]
        if min_duration_s <= end - start <= max_duration_s:
            t0.append(start)
            t1.append(end)
            levels.append(float((cs[b] - cs[a]) / (b - a)))
            spans.append((a, b))
            members.append(group)
    if len(t0) < max(min_reps, 1):
        return _empty()
    keep = _structured(
        grid,
        idx,
        np.asarray(t0),
        np.asarray(t1),
        np.asarray(levels),
        spans,
        min_typical_ratio=min_typical_ratio,
        walk_speed_mps=walk_speed_mps,
        max_speed_mps=max_speed_mps,
        max_stop_s=max_stop_s,
        max_recovery_s=max_recovery_s,
        max_rest_ratio=max_rest_ratio,
        max_duration_ratio=max_duration_ratio,
        max_level_ratio=max_level_ratio,
        min_easy_share=min_easy_share,
    )
    if len(keep) < max(min_reps, 1):
        return _empty()
    t0a, t1a = np.asarray(t0)[keep], np.asarray(t1)[keep]
    d = lambda x: np.interp(x, grid.time_s, grid.distance_m)  # noqa: E731
    t0a, t1a = _complete_reps(
        t0a,
        t1a,
        [members[k] for k in keep],
        edge,
        segs,
        d,
        min_duration_s=min_duration_s,
        max_duration_s=max_duration_s,
        max_level_ratio=max_level_ratio,
    )
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


def _within(a: float, b: float, ratio: float) -> bool:
    """Whether two (positive) speeds are less than a factor ``ratio`` apart."""
    return max(a, b) < ratio * min(a, b)


def _close_dips(
    v: np.ndarray, segs: list[tuple[int, int, float]], *, max_dip_s: float, ratio: float
) -> list[tuple[int, int, float]]:
    """Join each dip inside one effort (:func:`_is_dip`) with the segments on either
    side into one segment ``(start, end, mean speed)``."""
    out = list(segs)
    k = 0
    while k + 2 < len(out):
        outer = [out[i][2] for i in (k - 1, k + 3) if 0 <= i < len(out)]
        floor = min(outer) if outer else None
        if _is_dip(out[k], out[k + 1], out[k + 2], max_dip_s=max_dip_s, ratio=ratio, floor=floor):
            a, b = out[k][0], out[k + 2][1]
            out[k : k + 3] = [(a, b, float(np.mean(v[a:b])))]
        else:
            k += 1
    return out


def _same_cadence(
    v: np.ndarray,
    speed: np.ndarray,
    cadence: np.ndarray,
    segs: list[tuple[int, int, float]],
    *,
    ratio: float,
    agreement: float,
    min_fit_s: int = 20,
) -> list[tuple[int, int, float]]:
    """Join adjacent segments whose change of speed the cadence does not show.

    Step frequency rises with running speed (Cavanagh & Kram 1989, "Stride length in
    distance running: velocity, body dimensions, and added mass effects", Med. Sci.
    Sports Exerc. 21, 467-479; Dorn, Schache & Pandy 2012, J. Exp. Biol. 215,
    1944-1956), and a watch counts it from its accelerometer, free of GPS error. The
    run's own cadence-speed slope is fitted over its segments (least squares weighted by
    duration, segments of at least ``min_fit_s`` seconds). Two adjacent segments less
    than a factor ``ratio`` apart in grade-adjusted speed are one level when the
    cadence changes between them by less than ``agreement`` × the change that slope
    predicts from their change of actual speed (or in the opposite direction): a
    stretch of GPS error that made part of a rep look slower or faster, not a change of
    pace. Without a cadence, or without a rising slope (fewer than three segments, a
    cadence that does not follow speed), nothing is joined.

    ``v`` is the per-second grade-adjusted speed (the segments' levels), ``speed`` the
    actual speed and ``cadence`` the cadence [steps/min] on the same axis.
    """
    if len(segs) < 3 or not np.isfinite(cadence).any():
        return segs

    def stats(a: int, b: int) -> tuple[float, float]:
        return sg.nanmean(speed[a:b]), sg.nanmedian(cadence[a:b])

    st = [stats(a, b) for a, b, _ in segs]
    x, y = np.array(st).T
    w = np.array([b - a for a, b, _ in segs], dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y) & (w >= min_fit_s)
    if ok.sum() < 3:
        return segs
    xm = np.average(x[ok], weights=w[ok])
    sxx = np.sum(w[ok] * (x[ok] - xm) ** 2)
    if not sxx > 0:
        return segs
    slope = np.sum(w[ok] * (x[ok] - xm) * (y[ok] - np.average(y[ok], weights=w[ok]))) / sxx
    if not slope > 0:
        return segs
    out = list(segs)
    k = 0
    while k + 1 < len(out):
        (a0, _, l0), (_, b1, l1) = out[k], out[k + 1]
        (s0, c0), (s1, c1) = st[k], st[k + 1]
        dv = s1 - s0
        if (
            _within(l0, l1, ratio)
            and np.isfinite([c0, c1, dv]).all()
            and (c1 - c0) * np.sign(dv) < agreement * slope * abs(dv)
        ):
            out[k : k + 2] = [(a0, b1, float(np.mean(v[a0:b1])))]
            st[k : k + 2] = [stats(a0, b1)]
        else:
            k += 1
    return out


def _is_dip(
    before: tuple[int, int, float],
    dip: tuple[int, int, float],
    after: tuple[int, int, float],
    *,
    max_dip_s: float,
    ratio: float,
    floor: float | None = None,
) -> bool:
    """Whether the segment ``dip`` (start, end, mean speed) is a dip inside one effort.

    It is when it is shorter than ``max_dip_s`` (too short to be a recovery), the
    segments on either side last at least ``max_dip_s`` each and differ in mean speed
    by less than a factor ``ratio``, and the dip is less than a factor ``ratio`` slower
    than the slower of the two — or, deeper, still nearer (on a log scale) to that one
    than to ``floor``, the slowest of the segments just outside the three (the
    recoveries around a rep). A brief slowdown inside a rep (a crossing, a sharp turn,
    a few seconds of GPS error) cuts it into two segments, and the second then
    compares with the dip as "the running before it", but it is not a recovery: a jog
    or a float between reps is far slower than the reps, and no faster than the
    recoveries around them.
    """
    if min(before[1] - before[0], after[1] - after[0]) < max_dip_s:
        return False
    lo = min(before[2], after[2])
    if not (_within(before[2], after[2], ratio) and dip[1] - dip[0] < max_dip_s):
        return False
    if dip[2] * ratio >= lo:
        return True
    if floor is None or not (0 < floor < dip[2] < lo):
        return False
    return bool(np.log(dip[2] / floor) >= 0.5 * np.log(lo / floor))


def _complete_reps(
    t0: np.ndarray,
    t1: np.ndarray,
    members: list[list[int]],
    edge: dict[int, tuple[float, float]],
    segs: list[tuple[int, int, float]],
    distance_at: Any,
    *,
    min_duration_s: float,
    max_duration_s: float,
    max_level_ratio: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The session's reps, each joined with a candidate right beside it when that makes
    it more alike the other reps.

    GPS error can make a rep's first or last minute look slower (or faster) than the
    rest, and long enough to stand as a candidate of its own; the rep is then found
    without it. The reps of a session are alike in duration (reps by time) or in
    distance (reps by distance, on hills too), so a candidate beside a rep (directly,
    or with only a segment shorter than ``min_duration_s`` between them), at a speed
    within ``max_level_ratio`` of the rep's, joins it when the joined rep is nearer
    the median of the other reps, in duration or in distance (whichever is nearer),
    than the rep alone. A warm-up that drifts faster before the first rep makes it
    longer than the others, so it stays apart.
    """
    t0, t1 = t0.copy(), t1.copy()
    if len(t0) < 3:
        return t0, t1
    taken = {j for group in members for j in group}

    def spread(a: np.ndarray, b: np.ndarray, k: int, x0: float, x1: float) -> float:
        others = np.delete(np.arange(len(a)), k)
        dur = np.median(b[others] - a[others])
        dist = np.median(distance_at(b[others]) - distance_at(a[others]))
        return min(
            abs((x1 - x0) - dur) / dur,
            abs((distance_at(x1) - distance_at(x0)) - dist) / max(dist, 1e-9),
        )

    for k, group in enumerate(members):
        level = segs[group[0]][2] if len(group) == 1 else np.mean([segs[j][2] for j in group])
        best = (spread(t0, t1, k, t0[k], t1[k]), t0[k], t1[k])
        options = []
        near = [(group[0] - 1, 0), (group[-1] + 1, 1)]
        # or with one segment too short to be a recovery between them (a dip)
        for j, side, between in (
            (group[0] - 2, 0, group[0] - 1),
            (group[-1] + 2, 1, group[-1] + 1),
        ):
            if 0 <= between < len(segs) and segs[between][1] - segs[between][0] < min_duration_s:
                near.append((j, side))
        for j, side in near:
            if j in edge and j not in taken and _within(segs[j][2], level, max_level_ratio):
                options.append((j, side))
        for j, side in options:
            x0, x1 = (edge[j][0], t1[k]) if side == 0 else (t0[k], edge[j][1])
            if x1 - x0 <= max_duration_s:
                cand = (spread(t0, t1, k, x0, x1), x0, x1)
                best = min(best, cand)
        t0[k], t1[k] = best[1], best[2]
    return t0, t1


def _same_effort(
    seg0: tuple[int, int, float],
    seg1: tuple[int, int, float],
    rep0: bool,
    rep1: bool,
    min_duration_s: float,
    max_level_ratio: float,
) -> bool:
    """Whether two adjacent fast segments ``(start, end, mean speed)`` are one effort.

    ``rep0``/``rep1`` tell whether each is a rep on its own (its edges, or the ends of
    its segment, are ``min_duration_s`` to ``max_duration_s`` apart). They are one
    effort when one of them is such a rep, the other is too short to be one (a segment
    under ``min_duration_s``), and the short one is not slower than the rep by more
    than ``max_level_ratio`` (the factor that tells reps of one session apart): a surge
    inside a rep, or the first seconds of a rep that GPS drift made look slower, split
    a rep into segments. So a short neighbour moves a rep's edge to its far side, but
    never makes a rep: two short pieces, or a short piece and a segment that is no rep
    on its own, stay apart.
    """
    for short, other, rep in ((seg0, seg1, rep1), (seg1, seg0, rep0)):
        if rep and short[1] - short[0] < min_duration_s and short[2] * max_level_ratio >= other[2]:
            return True
    return False


def _structured(
    grid: sg.Grid,
    idx: np.ndarray,
    t0: np.ndarray,
    t1: np.ndarray,
    level: np.ndarray,
    spans: list[tuple[int, int]],
    *,
    min_typical_ratio: float,
    walk_speed_mps: float,
    max_speed_mps: float,
    max_stop_s: float,
    max_recovery_s: float,
    max_rest_ratio: float,
    max_duration_ratio: float,
    max_level_ratio: float,
    min_easy_share: float,
) -> np.ndarray:
    """Indices of the candidates that make one structured session (see step 6).

    ``t0``/``t1`` are the candidates' boundaries on the 1 s grid [s], ``level`` their
    mean grade-adjusted speed [m/s] and ``spans`` their ``(start, end)`` on the
    moving-only axis ``idx``.
    """
    n = len(grid.gap_speed_mps)
    stopped = np.concatenate(([0], np.cumsum(~grid.moving)))
    lo = np.clip(np.floor(t0).astype(np.int64), 0, n)
    hi = np.clip(np.ceil(t1).astype(np.int64), 0, n)
    d0 = np.interp(t0, grid.time_s, grid.distance_m)
    d1 = np.interp(t1, grid.time_s, grid.distance_m)
    speed = (d1 - d0) / np.maximum(t1 - t0, 1e-9)
    ok = (
        (stopped[hi] - stopped[lo] <= max_stop_s)  # one continuous effort
        & (speed >= walk_speed_mps)  # a running pace ...
        & (speed <= max_speed_mps)  # ... that a human can hold
    )
    cands = np.flatnonzero(ok)
    running = sg.running_mask(grid, walk_speed_mps=walk_speed_mps)
    while len(cands) > 0:
        best = _best_session(
            grid,
            t0,
            t1,
            level,
            cands,
            max_recovery_s,
            max_rest_ratio,
            max_duration_ratio,
            max_level_ratio,
        )
        # the day's typical running speed, outside these reps
        mask = np.zeros(n, dtype=bool)
        for k in best.tolist():
            a, b = spans[k]
            mask[idx[a] : idx[min(b, len(idx)) - 1] + 1] = True
        easy = running & ~mask
        # a session has easier running around its reps (warm-up, recoveries, cool-down):
        # when the "reps" are nearly all of the running, they set the reference
        share = easy.sum() / max(running.sum(), 1)
        exclude = mask if share >= min_easy_share else None
        typical = sg.running_speed(grid, exclude=exclude, walk_speed_mps=walk_speed_mps)
        fast = level[best] >= min_typical_ratio * typical if np.isfinite(typical) else best >= 0
        if fast.all():
            return best
        cands = np.setdiff1d(cands, best[~fast])
    return cands


def _best_session(
    grid: sg.Grid,
    t0: np.ndarray,
    t1: np.ndarray,
    level: np.ndarray,
    cands: np.ndarray,
    max_recovery_s: float,
    max_rest_ratio: float,
    max_duration_ratio: float,
    max_level_ratio: float,
) -> np.ndarray:
    """The largest group of alike candidates within one session (see step 6).

    Splitting at long recoveries and keeping alike reps repeat until neither changes
    the group (dropping a rep lengthens the recovery around it).
    """
    while True:
        best = _best_once(
            grid,
            t0,
            t1,
            level,
            cands,
            max_recovery_s,
            max_rest_ratio,
            max_duration_ratio,
            max_level_ratio,
        )
        if len(best) == len(cands):
            return best
        cands = best


def _best_once(
    grid: sg.Grid,
    t0: np.ndarray,
    t1: np.ndarray,
    level: np.ndarray,
    cands: np.ndarray,
    max_recovery_s: float,
    max_rest_ratio: float,
    max_duration_ratio: float,
    max_level_ratio: float,
) -> np.ndarray:
    real0, real1 = grid.elapsed(t0[cands]), grid.elapsed(t1[cands])
    rest = real0[1:] - real1[:-1]
    dur = real1 - real0
    limit = np.minimum(
        max_recovery_s, np.maximum(max_rest_ratio * np.minimum(dur[1:], dur[:-1]), 120.0)
    )
    cut = np.flatnonzero(rest > limit) + 1
    best = np.zeros(0, dtype=np.int64)
    best_time = 0.0
    for part in np.split(cands, cut):
        group = _similar(t1[part] - t0[part], level[part], max_duration_ratio, max_level_ratio)
        reps = part[group]
        total = float((t1[reps] - t0[reps]).sum())
        if len(reps) > len(best) or (len(reps) == len(best) and total > best_time):
            best, best_time = reps, total
    return best


def _similar(
    duration_s: np.ndarray, level_mps: np.ndarray, max_duration_ratio: float, max_level_ratio: float
) -> np.ndarray:
    """The largest group of reps that resemble one rep of the group (the centre).

    A rep belongs to the group of centre ``c`` when its duration is within a factor
    ``max_duration_ratio`` and its grade-adjusted speed within ``max_level_ratio`` of
    ``c``'s. Ties go to the group with the smaller spread of durations. Returns sorted
    positions.
    """
    ld = np.log(duration_s)
    lv = np.log(level_mps)
    close = (np.abs(ld[:, None] - ld[None, :]) <= np.log(max_duration_ratio)) & (
        np.abs(lv[:, None] - lv[None, :]) <= np.log(max_level_ratio)
    )
    size = close.sum(axis=1)
    spread = np.array([np.ptp(ld[row]) for row in close])
    c = int(np.lexsort((spread, -size))[0])
    return np.flatnonzero(close[c])


class _Channels:
    """Per-second measurements that change together at an edge, with the noise
    variance of each over the whole run (:func:`_channel_var` on the segments)."""

    def __init__(self, data: list[np.ndarray], segs: list[tuple[int, int, float]]) -> None:
        self.data = data
        self.var = [_channel_var(x, segs) for x in data]

    def levels(self, before: tuple[int, int], after: tuple[int, int]) -> list[tuple[float, float]]:
        """Each channel's level (median) over the ranges ``before`` and ``after``."""
        return [
            (sg.nanmedian(x[before[0] : before[1]]), sg.nanmedian(x[after[0] : after[1]]))
            for x in self.data
        ]


def _change_point(
    coarse: _Channels,
    fine: _Channels,
    before: tuple[int, int],
    after: tuple[int, int],
    i0: int,
    i1: int,
    local_s: int = 20,
) -> float:
    """Where the pace steps between two levels in ``[i0, i1)`` [s on the per-second axis].

    The channels are per-second measurements that all change where the runner changes
    pace. The first search (``coarse``) uses the grade-adjusted speed alone, with its
    level before and after the edge the median of its values over ``before`` and
    ``after`` (ranges of the per-second axis): on a hill the effort of a rep is one
    level, but neither its actual pace nor its cadence is. The second (``fine``) uses
    the actual speed (an edge is where the runner changed pace) and the cadence, which
    a watch counts from its accelerometer without any GPS error, with the levels of the
    20 s right beside the edge found — on level ground, beside the second near it where
    these two channels step most (:func:`_step_scan`), so that a first edge 10-15 s off
    does not take both levels from the same side of the true edge.

    For one channel with known levels ``lo`` and ``hi`` in white noise, the maximum
    likelihood change point is where the cumulative sum of ``x - (lo + hi) / 2`` is
    smallest (a rise) or largest (a drop): Page's CUSUM statistic (Page 1954,
    "Continuous inspection schemes", Biometrika 41, 100-115; Hinkley 1970, "Inference
    about the change-point in a sequence of random variables", Biometrika 57, 1-17).
    For independent channels the log-likelihoods add, so the statistic is the sum of
    the channels' CUSUMs, each weighted by its step over its noise variance,
    ``(hi - lo) / sigma**2`` (the likelihood ratio for a change in a multivariate mean
    with a diagonal covariance; Srivastava & Worsley 1986, "Likelihood ratio tests for
    a change in the multivariate normal mean", J. Am. Stat. Assoc. 81, 199-204). A
    channel that barely changes, or that is noisy, weighs little; one that is missing
    (no cadence) not at all. The noise of a channel is measured once on the whole run
    (:func:`_channel_var`: the long-run variance of its deviations from a local level,
    from 5 s block means, since the noise of a speed or a cadence is correlated over a
    few seconds).
    Unlike the first or nearest crossing of a level, a few noisy seconds move the
    change point little: every second in the range weighs equally. It is then refined
    to a sub-second zero crossing of the 3 s mean of the weighted statistic within 3 s.
    """
    n = len(coarse.data[0])
    i0 = max(int(i0), 0)
    i1 = min(int(i1), n)
    if i1 - i0 < 2:
        return 0.5 * (i0 + i1)
    levels = coarse.levels(before, after)
    p = _cusum(coarse, before, after, i0, i1, levels)
    if p is None:
        return 0.5 * (i0 + i1)
    # on level ground, where the runner's step in pace and cadence is (the positions'
    # wander can fake a step in the grade-adjusted speed alone)
    k = _step_scan(coarse, fine, before, after, levels[0], int(round(p)), i0, i1)
    # again with the levels right next to the edge found (on hills the actual speed of
    # a rep is not one level)
    near0 = (max(before[0], k - local_s - 3), max(before[0], k - 3))
    near1 = (min(after[1], k + 3), min(after[1], k + local_s + 3))
    if near0[1] - near0[0] >= 10 and near1[1] - near1[0] >= 10:
        q = _cusum(fine, near0, near1, i0, i1)
        if q is not None:
            p = q
    return p


def _step_scan(
    coarse: _Channels,
    fine: _Channels,
    before: tuple[int, int],
    after: tuple[int, int],
    level: tuple[float, float],
    k: int,
    i0: int,
    i1: int,
    reach_s: int = 15,
    window_s: int = 17,
    ramp_s: int = 3,
    max_grade_share: float = 0.5,
) -> int:
    """The second within ``reach_s`` of ``k`` where the pace and the cadence step most.

    ``level`` holds the grade-adjusted speed's levels over ``before`` and ``after``
    [m/s] (the first search's).

    :func:`_change_point`'s first search finds the edge on the grade-adjusted speed
    alone. Where that speed comes from positions, their correlated error (a few metres
    that wander over tens of seconds) can fake a step of 0.3-0.6 m/s for 10-15 s
    beside the true edge, as large as the difference between a warm-up and a rep; the
    cadence, counted by the watch's accelerometer without GPS error, does not step
    there. But the fine search takes its levels from the 20 s beside the first
    search's edge: 10-15 s off, both of its windows straddle the true edge, and the
    cadence, which changes there, looks the same on both sides and drops out. So the
    fine search starts from the second where the fine channels (actual speed and
    cadence) step most: for each second ``t`` within ``reach_s`` of ``k``, every
    channel's difference of the means of the ``window_s`` after ``t + ramp_s`` and
    before ``t - ramp_s`` (the runner changes pace over 1-3 s, so the ramp is left out
    of both levels), signed in the direction of the step, squared and divided by the
    channel's noise variance: the profile likelihood of a step with unknown levels in
    independent channels (the two-sample form of Srivastava & Worsley 1986, see
    :func:`_change_point`; Hinkley 1970), a channel stepping the wrong way counting
    against.

    Only with a second channel (the cadence): the actual speed alone steps where the
    grade-adjusted speed of the first search does. And only on level ground: the
    actual speed and the cadence change with the grade at the same effort, so on a hill
    they step where the slope changes, not where the runner changed effort. When the
    grade factor of the grade-adjusted speed (:func:`kickanalysis.signal.gap_factor`,
    the ratio of the two speeds) varies around the edge by enough to change the actual
    speed at the same effort by more than ``max_grade_share`` × the step of the
    grade-adjusted speed, the grade alone could carry a channel across the halfway level
    between the two levels, and ``k`` is kept.
    """
    if sum(var > 0 for var in fine.var) < 2:
        return k  # the speed alone: nothing that the first search did not see
    x = coarse.data[0]
    n = len(x)
    lo, hi = level
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi == lo:
        return k
    t0 = max(k - reach_s, before[0] + window_s + ramp_s, i0)
    t1 = min(k + reach_s, after[1] - window_s - ramp_s, i1)
    if t1 <= t0:
        return k
    reach = reach_s + window_s + ramp_s
    a0, a1 = max(k - reach, 0), min(k + reach, n)
    v = fine.data[0][a0:a1]
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = x[a0:a1] / v
    factor = factor[np.isfinite(factor) & (v > 0)]
    if not len(factor):
        return k
    # the change of speed the grade alone makes at the effort midway between the levels
    if (factor.max() - factor.min()) * 0.5 * (lo + hi) > max_grade_share * abs(hi - lo):
        return k
    # the windows of all seconds scanned lie in [w0, t1 + ramp_s + window_s]
    w0 = t0 - ramp_s - window_s
    t = np.arange(t0, t1 + 1) - w0
    score = np.zeros(len(t))
    sign = np.sign(hi - lo)
    for y, var in zip(fine.data, fine.var):
        if not var > 0:
            continue
        y = y[w0 : t1 + ramp_s + window_s]
        d = sign * (
            sg.window_mean(y, t + ramp_s, t + ramp_s + window_s)
            - sg.window_mean(y, t - ramp_s - window_s, t - ramp_s)
        )
        score += np.where(np.isfinite(d), np.abs(d) * d / var, 0.0)
    if not score.any():
        return k
    return int(t[np.argmax(score)]) + w0


def _cusum(
    channels: _Channels,
    before: tuple[int, int],
    after: tuple[int, int],
    i0: int,
    i1: int,
    levels: list[tuple[float, float]] | None = None,
) -> float | None:
    """The weighted CUSUM change point of :func:`_change_point` for given level ranges
    (``levels``: each channel's levels before and after, when already known)."""
    n = len(channels.data[0])
    z = np.zeros(i1 - i0)
    if levels is None:
        levels = channels.levels(before, after)
    for x, var, (lo, hi) in zip(channels.data, channels.var, levels):
        if not (np.isfinite(lo) and np.isfinite(hi)) or hi == lo:
            continue
        if not var > 0:
            continue
        # oriented so that z > 0 is "after" (the far side of the edge)
        z += np.nan_to_num((x[i0:i1] - 0.5 * (lo + hi)) * (hi - lo) / var)
    if not z.any():
        return None
    c = np.concatenate(([0.0], np.cumsum(z)))
    k = i0 + int(np.argmin(c))
    lo_k = max(k - 6, 0)
    full = np.zeros(n)
    full[i0:i1] = z
    near = sg.box_mean(full[lo_k : k + 6], 3)
    return sg.crossing(near, 0.0, k - lo_k - 4, k - lo_k + 3, rising=True) + lo_k


def _channel_var(
    x: np.ndarray, segs: list[tuple[int, int, float]], trim: int = 5, local_s: int = 20
) -> float:
    """The noise variance [unit**2] of a channel, measured on the whole run.

    The long-run variance (:func:`_long_run_var`) of its deviations from its running
    mean over ±``local_s`` — the levels that :func:`_change_point` compares — inside
    every segment, ``trim`` seconds at either end left out (the change between levels
    is no noise). Measured on the whole run rather than on the 20 s beside one edge,
    it is stable (a cadence that happens to be constant there no longer has zero
    noise), and slow changes of pace on hills do not count as noise."""
    parts = []
    for a, b, _ in segs:
        y = x[a + trim : b - trim]
        if len(y) > 20:
            parts.append(y - sg.box_mean(y, 2 * local_s + 1))
    if not parts:
        return float("nan")
    return _long_run_var(np.concatenate(parts))


def _long_run_var(res: np.ndarray, block: int = 5) -> float:
    """Long-run variance [unit**2] of deviations: ``block`` × the robust variance of
    their ``block``-second means (NaN ignored; NaN with fewer than 3 blocks)."""
    res = res[np.isfinite(res)]
    nb = len(res) // block
    if nb < 3:
        return float("nan")
    means = res[: nb * block].reshape(nb, block).mean(axis=1)
    dev = means - np.median(means)
    mad = 1.4826 * np.median(np.abs(dev))
    if mad > 0:
        return float(block * mad * mad)
    # a quantised channel (a cadence in whole steps) often has most block means equal,
    # and a MAD of zero: its noise is then the plain mean square
    return float(block * np.mean(dev * dev))


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
    return sg.empty_events(INTERVAL_DTYPES)


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
