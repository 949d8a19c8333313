"""Strides: short, hard surges with easy running around them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..signal import _runs
from . import _surges as sg
from ._prepare import Series

if TYPE_CHECKING:
    import pandas as pd

    from ..activity import Activity

#: Columns of :func:`detect_strides` after the event columns, with their dtypes.
STRIDE_DTYPES: dict[str, str] = {
    "stride": "int64",
    "set": "int64",
    "peak_speed_mps": "float64",
    "mean_speed_mps": "float64",
    "baseline_speed_mps": "float64",
    "speed_ratio": "float64",
    "recovery_s": "float64",
}


def detect_strides(
    activity: Activity | pd.DataFrame | Series,
    *,
    min_speed_ratio: float = 1.25,
    min_duration_s: float = 6.0,
    max_duration_s: float = 40.0,
    baseline_window_s: float = 300.0,
    easy_window_s: float = 10.0,
    max_easy_ratio: float = 1.15,
    min_extra_m: float = 10.0,
    max_set_gap_s: float = 300.0,
    walk_speed_mps: float = sg.WALK_SPEED_MPS,
    min_easy_ratio: float = 0.75,
    max_speed_mps: float = 10.0,
    min_set_count: int = 2,
    max_strides: int = 15,
    min_cadence_ratio: float = 1.02,
    noise_factor: float = 6.0,
) -> pd.DataFrame:
    """Find strides: short surges clearly faster than the easy running around them.

    How it decides:

    1. The cleaned distance (and grade-adjusted distance) is resampled on whole
       seconds, giving the mean speed of every second whatever the sampling (the
       device's own speed is used instead when the distance had to come from GPS
       positions and the file records one, see
       :func:`kickanalysis.analysis._surges.speed_grid`); seconds
       spent standing (timer pauses, stops) are left out. Detection works on the
       grade-adjusted speed (``strava2017`` curve of
       :func:`kickanalysis.signal.gap_factor`), so that running faster downhill is not
       a surge.
    2. The runner's own easy speed, the *baseline*, is a running median over
       ``baseline_window_s`` of 10 s block medians; it is computed twice, the second
       time without the seconds that the first pass found faster than halfway to
       ``min_speed_ratio`` (so a set of strides does not raise its own baseline). All
       thresholds are relative to it: slow and fast runners are judged alike.
    3. A candidate is a stretch of the 3 s smoothed speed above halfway between the
       baseline and ``min_speed_ratio`` × baseline that reaches
       ``min_speed_ratio`` × baseline; its boundaries are where the speed crosses
       halfway between the baseline and the surge's median speed.
    4. It is a stride when it lasts ``min_duration_s`` – ``max_duration_s`` (shorter:
       GPS jitter and spikes; longer: speedwork, see
       :func:`kickanalysis.analysis.intervals.detect_intervals`), its mean speed is at
       least ``min_speed_ratio`` × baseline, it covers at least ``min_extra_m`` more
       than the baseline speed would in the same time (a tiny bump is not a stride),
       and the ``easy_window_s`` before and after it are easy running: no stop in them
       (a restart after a stop is not a stride) and a median speed at most
       ``max_easy_ratio`` × baseline (so a piece of a longer fast block is not a
       stride).
    5. *Chord check* (for files with positions): the distance covered from the last
       fix at least 3 s before the surge to the first fix at least 3 s after it is
       compared with the straight line between those two fixes. A GPS spike that the
       cleaning missed (sparse "smart" recording) adds its way out and back to the
       distance; the surge is rejected when the distance exceeds the straight line by
       more than half the surge's extra distance over the baseline (and by more than
       5 m). Real running, straight or gently curved, passes; a surge around a sharp
       hairpin could fail. A prepared Series has no positions: the check is skipped.
    6. *The day's running* (:func:`kickanalysis.analysis._surges.running_speed`): the
       baseline is never below the runner's typical running speed, the median
       grade-adjusted speed of the seconds spent running (walk breaks, stops and the
       surges left out), because the local baseline drops during walks and a
       restart would look like a surge. A stride's actual speed is at most
       ``max_speed_mps`` (GPS error beyond) and at least halfway to
       ``min_speed_ratio`` above the actual baseline (a surge in grade-adjusted speed
       alone comes from elevation error). The ``2 × easy_window_s`` before it hold no
       stop and, like the ``easy_window_s`` after it, a median speed of at least
       ``walk_speed_mps`` and ``min_easy_ratio`` × the typical speed: strides start
       from and return to easy running, not walking or standing. When the file has a
       cadence, a stride's median cadence is at least ``min_cadence_ratio`` × that of
       the easy running in the windows before and after it: runners go faster with
       longer *and* quicker steps (step frequency rises with speed, Cavanagh & Kram
       1989, "Stride length in distance running: velocity, body dimensions, and added
       mass effects", Med. Sci. Sports Exerc. 21, 467-479; Dorn, Schache & Pandy 2012,
       "Muscular strategy shift in human running", J. Exp. Biol. 215, 1944-1956), by
       5-10 % from easy pace to stride pace, while GPS error moves no feet. This is
       what tells a surge of the positions under trees (10 m of error or more) from a
       stride, on a GPX without the watch's speed. On a file with neither a cadence nor
       the watch's speed, the positions alone show a surge: its extra distance must then
       also be ``noise_factor`` × the run's distance noise
       (:func:`kickanalysis.analysis._surges.distance_noise_m`, 2–3 m for 5 m of GPS
       error), as for the steps of :func:`kickanalysis.analysis.intervals.detect_intervals`.
    7. Strides less than ``max_set_gap_s`` apart form a set; a set needs
       ``min_set_count`` strides (strides are done as repetitions; a lone surge is
       the run's own variation). More than ``max_strides`` in a run are reported as
       none: strides come in sets of 4–10, once or twice in a session; more "strides"
       are a fartlek, hills or GPS noise.

    The thresholds are the author's choice for this library, not taken from a
    publication; they were checked against the planted strides of
    :func:`kickanalysis.simulate.simulate_run` (paces 4:00–7:00/km, GPS error 1–5 m,
    1 s and smart recording, FIT and GPX, hills, stops, GPS spikes).

    Parameters
    ----------
    activity : Activity, pandas.DataFrame or Series
        The run (or its records frame, or a prepared
        :class:`kickanalysis.analysis._prepare.Series`: then neither the device speed
        nor the chord check of step 5 is available).
    min_speed_ratio : float, default 1.25
        Smallest mean speed of a stride relative to the baseline [-].
    min_duration_s, max_duration_s : float, default 6.0, 40.0
        Shortest and longest stride [s].
    baseline_window_s : float, default 300.0
        Length of the running median that gives the baseline [s].
    easy_window_s : float, default 10.0
        Time before and after a stride that must be easy running [s].
    max_easy_ratio : float, default 1.15
        Highest median speed of those easy stretches relative to the baseline [-].
    min_extra_m : float, default 10.0
        Least distance [m] a stride covers beyond what the baseline speed would cover in
        the same time (grade-adjusted).
    max_set_gap_s : float, default 300.0
        Largest time from the end of one stride to the start of the next in one set [s].
    walk_speed_mps : float, default 2.0
        Walk-run boundary [m/s] (Hreljac 1993, see
        :data:`kickanalysis.analysis._surges.WALK_SPEED_MPS`).
    min_easy_ratio : float, default 0.75
        Least median speed around a stride relative to the typical running speed [-].
    max_speed_mps : float, default 10.0
        Fastest mean speed of a stride [m/s].
    min_set_count : int, default 2
        Fewest strides in a set [-].
    max_strides : int, default 15
        Most strides in a run [-]; with more, none is reported.
    min_cadence_ratio : float, default 1.02
        Smallest median cadence of a stride relative to the easy running around it
        [-], when the file has a cadence; 0 to skip the test.
    noise_factor : float, default 6.0
        On a file with neither a cadence nor the watch's speed, how many times the
        run's distance noise a stride must gain over the baseline [-].

    Returns
    -------
    pandas.DataFrame
        One row per stride: :data:`kickanalysis.schema.EVENT_COLUMNS`, then
        ``stride`` (1-based), ``set`` (1-based; strides of one block share it),
        ``peak_speed_mps`` (fastest 3 s [m/s]), ``mean_speed_mps`` [m/s],
        ``baseline_speed_mps`` (easy speed around it [m/s]), ``speed_ratio`` (mean /
        baseline [-]) and ``recovery_s`` (time to the next stride [s]; NaN for the
        last). Speeds in the table are actual speeds, not grade-adjusted. Empty, with
        these columns, when there is none.

    Raises
    ------
    EmptyActivityError
        When the activity has fewer than two timed samples (as :func:`splits`).

    Examples
    --------
    >>> import kickanalysis as ka
    >>> from kickanalysis.analysis.strides import detect_strides
    >>> act = ka.read("data/samples/easy_run_strides.fit")
    >>> s = detect_strides(act)
    >>> len(s), s["set"].unique().tolist()
    (6, [1])
    >>> bool((s["speed_ratio"] > 1.25).all())
    True
    """
    grid = sg.speed_grid(activity)
    n = len(grid.speed_mps)
    if n < min_duration_s + 2 * easy_window_s:
        return _empty()
    vg = grid.gap_speed_mps
    vs = sg.box_mean(vg, 3)
    half_ratio = 1.0 + 0.5 * (min_speed_ratio - 1.0)
    base = sg.rolling_baseline(vg, window_s=baseline_window_s)
    with np.errstate(invalid="ignore"):
        fast = vs > half_ratio * base
    base = sg.rolling_baseline(vg, window_s=baseline_window_s, exclude=fast)
    with np.errstate(invalid="ignore"):
        above = vs >= half_ratio * base
        core = vs >= min_speed_ratio * base
    # the day's typical running speed (walks and stops left out), without the surges
    typical = sg.running_speed(grid, exclude=fast, walk_speed_mps=walk_speed_mps)
    if not np.isfinite(typical):
        return _empty()  # the runner never ran
    base = np.maximum(base, typical)
    with np.errstate(invalid="ignore"):
        above = vs >= half_ratio * base
        core = vs >= min_speed_ratio * base
    starts, stops = _runs(above)
    if len(starts) == 0:
        return _empty()
    cum_core = np.concatenate(([0], np.cumsum(core)))
    has_core = cum_core[stops] > cum_core[starts]
    starts, stops = starts[has_core], stops[has_core]
    w = int(round(easy_window_s))
    moving = grid.moving
    cum_stop = np.concatenate(([0], np.cumsum(~moving)))
    positions = _positions(activity)
    cad = grid.cadence_spm() if min_cadence_ratio > 0 else None
    if cad is not None and not np.isfinite(cad).any():
        cad = None
    # with neither a cadence nor the watch's speed, only the positions show a surge: it
    # must gain clearly more than their error can fake
    need_m = min_extra_m
    if cad is None and sg.positions_only(activity, grid.series):
        need_m = max(need_m, noise_factor * sg.distance_noise_m(grid))

    def raw_mean(t0: float, t1: float) -> float:
        d = np.interp([t0, t1], grid.time_s, grid.distance_m)
        return float((d[1] - d[0]) / (t1 - t0))

    rows: list[tuple[float, float, float]] = []
    for i0, i1 in zip(starts.tolist(), stops.tolist()):
        b = sg.nanmedian(base[i0:i1])
        level = 0.5 * (b + sg.nanmedian(vs[i0:i1]))
        t0 = sg.crossing(vs, level, i0 - 2, i1 + 1, rising=True, which="first")
        t1 = sg.crossing(vs, level, i0 - 2, i1 + 1, rising=False, which="last")
        if not (min_duration_s <= t1 - t0 <= max_duration_s):
            continue
        a, z = int(np.floor(t0)), int(np.ceil(t1))
        mean = sg.nanmedian(vg[a:z]) if z - a < 3 else float(np.nanmean(vg[a:z]))
        if not (mean >= min_speed_ratio * b and (mean - b) * (t1 - t0) >= need_m):
            continue
        if not (raw_mean(t0, t1) <= max_speed_mps):
            continue  # faster than a person sprints: GPS error
        lo, hi = a - w, z + w
        if lo - w < 0 or hi > n:
            continue  # no easy running seen before or after it
        if cum_stop[a] - cum_stop[lo - w] > 0 or cum_stop[hi] - cum_stop[z] > 0:
            continue  # a restart after a stop, or a stop right after
        before = sg.nanmedian(vg[lo : a - 1])
        after = sg.nanmedian(vg[z + 1 : hi])
        if not (before <= max_easy_ratio * b and after <= max_easy_ratio * b):
            continue
        # easy running, not walking: before it (twice easy_window_s) and after it
        easy_floor = max(walk_speed_mps, min_easy_ratio * typical)
        if not (sg.nanmedian(vg[lo - w : a - 1]) >= easy_floor and after >= easy_floor):
            continue
        if cad is not None:
            c_in = sg.nanmedian(cad[a:z])
            c_out = sg.nanmedian(np.concatenate((cad[lo - w : a - 1], cad[z + 1 : hi])))
            if np.isfinite(c_in) and np.isfinite(c_out) and not c_in >= min_cadence_ratio * c_out:
                continue  # no quicker steps: GPS error, not a surge
        if not _straight_enough(grid, positions, t0, t1, b):
            continue  # the extra distance is a GPS excursion, not running
        rows.append((t0, t1, b))
    if not rows:
        return _empty()
    t0 = np.array([r[0] for r in rows])
    t1 = np.array([r[1] for r in rows])
    # actual (not grade-adjusted) speeds for the table
    raw = grid.speed_mps
    raw_base = sg.rolling_baseline(raw, window_s=baseline_window_s, exclude=above)
    raw_typical = sg.nanmedian(raw[sg.running_mask(grid, walk_speed_mps=walk_speed_mps) & ~fast])
    if np.isfinite(raw_typical):
        raw_base = np.maximum(raw_base, raw_typical)
    raw3 = sg.box_mean(raw, 3)
    d0 = np.interp(t0, grid.time_s, grid.distance_m)
    d1 = np.interp(t1, grid.time_s, grid.distance_m)
    mean = (d1 - d0) / (t1 - t0)
    peak = np.array(
        [np.nanmax(raw3[int(a) : int(np.ceil(z))]) for a, z in zip(t0.tolist(), t1.tolist())]
    )
    baseline = np.array([sg.nanmedian(raw_base[int(a) : int(np.ceil(z))]) for a, z in zip(t0, t1)])
    # the surge must show in the actual speed too (at least halfway to the ratio): one
    # seen only in the grade-adjusted speed comes from elevation error
    real = mean >= half_ratio * baseline
    if not real.all():
        t0, t1, mean, peak, baseline = t0[real], t1[real], mean[real], peak[real], baseline[real]
        if len(t0) == 0:
            return _empty()
    # sets: strides less than max_set_gap_s apart; a lone surge is not a set
    gap = grid.elapsed(t0[1:]) - grid.elapsed(t1[:-1])
    set_id = np.cumsum(np.concatenate(([True], gap > max_set_gap_s)))
    keep = np.bincount(set_id)[set_id] >= min_set_count
    t0, t1, mean, peak, baseline = t0[keep], t1[keep], mean[keep], peak[keep], baseline[keep]
    if len(t0) == 0 or len(t0) > max_strides:
        return _empty()
    recovery = np.append(grid.elapsed(t0[1:]) - grid.elapsed(t1[:-1]), np.nan)
    new_set = np.concatenate(([True], recovery[:-1] > max_set_gap_s))
    return sg.event_table(
        grid,
        t0,
        t1,
        {
            "stride": (np.arange(1, len(t0) + 1), "int64"),
            "set": (np.cumsum(new_set), "int64"),
            "peak_speed_mps": (peak, "float64"),
            "mean_speed_mps": (mean, "float64"),
            "baseline_speed_mps": (baseline, "float64"),
            "speed_ratio": (mean / baseline, "float64"),
            "recovery_s": (recovery, "float64"),
        },
    )


def _positions(activity: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Times since the first sample [s], latitudes and longitudes [deg] of the fixes."""
    if isinstance(activity, Series):
        return None
    records = getattr(activity, "records", activity)
    lat = records["lat_deg"].to_numpy(dtype=np.float64)
    lon = records["lon_deg"].to_numpy(dtype=np.float64)
    ok = np.isfinite(lat) & np.isfinite(lon)
    if ok.sum() < 2:
        return None
    ns = records.index.as_unit("ns").asi8
    t = (ns - ns[0]) / 1e9
    return t[ok], lat[ok], lon[ok]


def _straight_enough(
    grid: sg.Grid,
    positions: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    t0: float,
    t1: float,
    baseline: float,
) -> bool:
    """Whether a surge's extra distance is also seen as the crow flies.

    A GPS spike that the cleaning missed (sparse "smart" recording) adds its way out and
    back to the distance, which looks like a surge. The straight line between the last
    fix before the surge and the first fix after it (3 s margin) then falls short of
    the distance covered by more than half the surge's extra distance; real running
    (straight or gently curved) does not.
    """
    if positions is None:
        return True
    from ..geo import haversine_m

    t, lat, lon = positions
    t0, t1 = grid.elapsed(np.array([t0, t1]))  # the fixes' times are real seconds
    i = max(int(np.searchsorted(t, t0 - 3.0, side="right")) - 1, 0)
    j = min(int(np.searchsorted(t, t1 + 3.0, side="left")), len(t) - 1)
    if j <= i:
        return True
    real = grid.elapsed(grid.time_s)
    covered = float(np.interp(t[j], real, grid.distance_m)) - float(
        np.interp(t[i], real, grid.distance_m)
    )
    chord = float(haversine_m(lat[i], lon[i], lat[j], lon[j]))
    extra = covered - baseline * (t[j] - t[i])
    return covered - chord <= max(0.5 * extra, 5.0)


def _empty() -> pd.DataFrame:
    return sg.empty_events(STRIDE_DTYPES)


__all__ = ["STRIDE_DTYPES", "detect_strides"]
