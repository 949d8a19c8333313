"""Pacing plans for a course, and how a run went against its plan.

:func:`plan_pacing` turns a course (a GPX route or track with elevation) and a goal time
into a target for every split: even effort on the hills (grade adjusted), even pace, or a
negative split. :func:`compare_to_plan` lays a run over such a plan, split by split.

References
----------
.. [1] Minetti, A. E., Moia, C., Roi, G. S., Susta, D., Ferretti, G. (2002). Energy cost
   of walking and running at extreme uphill and downhill slopes. *J. Appl. Physiol.*
   93:1039-1046. doi:10.1152/japplphysiol.00262.2002
.. [2] Robb, D. (2017). An Improved GAP Model. Strava Engineering blog,
   https://medium.com/strava-engineering/an-improved-gap-model-8b07ae8886c3
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import signal
from ..errors import DataQualityWarning, EmptyActivityError
from . import _integrate as ig
from ._prepare import prepare
from .splits import parse_every

if TYPE_CHECKING:
    import pandas as pd

    from ..activity import Activity

__all__ = [
    "COMPARE_DTYPES",
    "PLAN_DTYPES",
    "PLAN_STRATEGIES",
    "compare_to_plan",
    "plan_pacing",
]

#: Names accepted by ``strategy=`` in :func:`plan_pacing`.
PLAN_STRATEGIES: tuple[str, ...] = ("even_effort", "even_pace", "negative")

#: Columns of :func:`plan_pacing` output, with their dtypes.
PLAN_DTYPES: dict[str, str] = {
    "split": "int64",
    "start_distance_m": "float64",
    "end_distance_m": "float64",
    "distance_m": "float64",
    "grade_mean": "float64",
    "elevation_gain_m": "float64",
    "elevation_loss_m": "float64",
    "gap_factor_mean": "float64",
    "pace_s_per_km": "float64",
    "duration_s": "float64",
    "start_elapsed_s": "float64",
    "end_elapsed_s": "float64",
    "speed_mps": "float64",
    "gap_pace_s_per_km": "float64",
    "gap_speed_mps": "float64",
    "partial": "bool",
}

#: Columns of :func:`compare_to_plan` output, with their dtypes.
COMPARE_DTYPES: dict[str, str] = {
    "split": "int64",
    "start_distance_m": "float64",
    "end_distance_m": "float64",
    "distance_m": "float64",
    "plan_duration_s": "float64",
    "actual_duration_s": "float64",
    "difference_s": "float64",
    "difference_pct": "float64",
    "plan_elapsed_s": "float64",
    "actual_elapsed_s": "float64",
    "cumulative_difference_s": "float64",
    "plan_pace_s_per_km": "float64",
    "actual_pace_s_per_km": "float64",
    "plan_gap_pace_s_per_km": "float64",
    "actual_gap_pace_s_per_km": "float64",
    "gap_difference_s_per_km": "float64",
    "status": "string",
}


def _frame(columns: dict[str, Any], dtypes: dict[str, str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({name: pd.Series(columns[name], dtype=d) for name, d in dtypes.items()})


def _course_profile(
    course: Activity | pd.DataFrame, *, elevation_window_m: float
) -> tuple[np.ndarray, np.ndarray | None, str]:
    """Distance from the start [m] and smoothed elevation [m] (None: no elevation)."""
    records = getattr(course, "records", course)
    meta = getattr(course, "meta", None)
    source = getattr(meta, "source", "<records>")
    if len(records) < 2:
        raise EmptyActivityError(source, "the course has fewer than two points")
    d = signal.clean_distance(course)
    known = np.isfinite(d)
    if known.sum() < 2:
        raise EmptyActivityError(source, "the course has no distance and no positions")
    ele = records["elevation_m"].to_numpy(dtype=np.float64, na_value=np.nan)
    d, ele = d[known], ele[known]
    d = np.maximum.accumulate(d) - d[0]
    if not d[-1] > 0:
        raise EmptyActivityError(source, "the course covers no distance")
    if np.isfinite(ele).sum() < 2:
        return d, None, source
    smooth = signal.smooth_elevation(ele, distance_m=d, window_m=elevation_window_m)
    return d, smooth, source


def plan_pacing(
    course: Activity | pd.DataFrame,
    *,
    goal_time_s: float,
    every: float | str = "1km",
    strategy: str = "even_effort",
    negative_split_pct: float = 0.0,
    model: str = "minetti2002",
    step_m: float = 5.0,
    elevation_window_m: float = 50.0,
    grade_window_m: float = 50.0,
) -> pd.DataFrame:
    """A pacing plan for a course: target pace and time for every split.

    The course is integrated at fine resolution (every ``step_m`` metres, plus every
    point of the course and every split boundary). Grade comes from the course's
    elevation smoothed over distance (:func:`kickanalysis.signal.smooth_elevation`,
    :func:`kickanalysis.signal.grade`), and the effort of running on it from
    :func:`kickanalysis.signal.gap_factor` (``model``). With ``f(x)`` that factor and
    ``p(x)`` the planned *flat-equivalent* pace (grade-adjusted pace, GAP) at distance
    ``x``, the time to run the course is::

        T = ∫ f(x) p(x) dx        (trapezoidal rule over the fine grid)

    - ``"even_effort"``: ``p`` is constant, so the pace on the ground is slower uphill
      and faster downhill, in proportion to ``f``.
    - ``"negative"``: ``p`` changes linearly with distance, so that the mean
      grade-adjusted pace of the second half (time over grade-adjusted distance
      ``∫ f dx``, as :func:`~kickanalysis.analysis.splits` measures it) is
      ``negative_split_pct`` faster than that of the first half. Still even effort on
      the hills; ``negative_split_pct=0`` is ``"even_effort"``.
    - ``"even_pace"``: the same pace on the ground everywhere (``f p`` constant).

    Time is proportional to the scale of ``p`` (``T ∝ 1 / v_flat``), so the scale that
    hits ``goal_time_s`` is found exactly, by one division: the splits add up to the
    goal time (to floating-point precision, far below a second).

    Parameters
    ----------
    course : Activity or pandas.DataFrame
        The course: a GPX route (no times) or track, a recorded run, or
        :func:`kickanalysis.simulate_course`. Distance is the device's where reliable,
        else from the positions (:func:`kickanalysis.signal.clean_distance`). Without
        elevation the course is taken as flat (with a ``DataQualityWarning``).
    goal_time_s : float
        Goal time for the whole course [s].
    every : float or str
        Split length: metres as a number, or ``"1km"``, ``"1mi"``, ``"400m"`` … (a plan
        splits by distance only). The last split may be short (``partial``).
    strategy : {"even_effort", "even_pace", "negative"}
        How to spread the effort, as above.
    negative_split_pct : float
        With ``strategy="negative"``: how much faster [%] the second half's
        grade-adjusted pace is than the first's (negative values: slower).
    model : {"minetti2002", "strava2017"}
        Grade adjustment: Minetti et al. (2002) [1]_ energy cost of running, or the
        approximation of Strava's curve [2]_ (see :func:`kickanalysis.signal.gap_factor`).
    step_m : float
        Resolution of the integration [m].
    elevation_window_m, grade_window_m : float
        Smoothing of the elevation and length over which the grade is measured [m].

    Returns
    -------
    pandas.DataFrame
        One row per split, the columns of :data:`PLAN_DTYPES`:

        - ``split``; ``start_distance_m``, ``end_distance_m``, ``distance_m`` [m];
        - ``grade_mean`` [fraction]: net rise over run of the smoothed elevation;
        - ``elevation_gain_m``, ``elevation_loss_m`` [m] (2 m hysteresis; NaN without
          elevation);
        - ``gap_factor_mean`` [-]: mean effort factor ``∫ f dx / distance``;
        - ``pace_s_per_km`` [s/km] and ``speed_mps`` [m/s]: target on the ground;
        - ``duration_s`` [s]: target split time; ``start_elapsed_s``,
          ``end_elapsed_s`` [s]: target clock at the split's start and end;
        - ``gap_pace_s_per_km`` [s/km], ``gap_speed_mps`` [m/s]: the grade-adjusted
          effort (equivalent pace on the flat);
        - ``partial``: the last split is shorter than ``every``.

        ``attrs`` holds the goal, ``every``, strategy, model and the course length.

    Raises
    ------
    EmptyActivityError
        When the course has fewer than two points or no distance.
    ValueError
        For a non-positive goal, a time-based ``every``, an unknown strategy or model,
        or ``negative_split_pct`` with another strategy than ``"negative"``.

    References
    ----------
    .. [1] Minetti, A. E., Moia, C., Roi, G. S., Susta, D., Ferretti, G. (2002). Energy
       cost of walking and running at extreme uphill and downhill slopes. *J. Appl.
       Physiol.* 93:1039-1046. doi:10.1152/japplphysiol.00262.2002
    .. [2] Robb, D. (2017). An Improved GAP Model. Strava Engineering blog.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> course = ka.read("data/samples/course_10k.gpx")
    >>> plan = ka.plan_pacing(course, goal_time_s=45 * 60, every="1km")
    >>> round(float(plan["duration_s"].sum()), 6)
    2700.0
    >>> len(plan), bool(plan["gap_pace_s_per_km"].round(6).nunique() == 1)
    (10, True)
    >>> hill = plan.loc[plan["grade_mean"].idxmax()]
    >>> bool(hill["pace_s_per_km"] > plan["gap_pace_s_per_km"].iloc[0])  # slower uphill
    True
    """
    kind, every_m = parse_every(every)
    if kind != "distance":
        raise ValueError(f"every={every!r}: a pacing plan splits by distance (e.g. '1km')")
    if not (isinstance(goal_time_s, (int, float)) and math.isfinite(goal_time_s)):
        raise ValueError(f"goal_time_s must be a finite number of seconds, got {goal_time_s!r}")
    if goal_time_s <= 0:
        raise ValueError("goal_time_s must be positive")
    if strategy not in PLAN_STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; choose one of {PLAN_STRATEGIES}")
    if negative_split_pct and strategy != "negative":
        raise ValueError("negative_split_pct needs strategy='negative'")
    if not -50.0 < negative_split_pct < 50.0:
        raise ValueError("negative_split_pct must lie between -50 and 50 [%]")
    if not step_m > 0:
        raise ValueError("step_m must be positive")
    signal.gap_factor(0.0, model=model)  # an unknown model fails here, before the work

    d, elev, source = _course_profile(course, elevation_window_m=elevation_window_m)
    length = float(d[-1])
    b = ig.distance_boundaries(d, d, every_m)
    marks = b.distance_m
    # the fine grid: regular steps, every course point, every boundary and the half
    n_steps = max(1, math.ceil(length / step_m))
    x = np.unique(np.concatenate((np.linspace(0.0, length, n_steps + 1), d, marks, [length / 2])))
    at = np.searchsorted(x, marks)  # every mark is a grid point
    half = int(np.searchsorted(x, length / 2))

    if elev is None:
        warnings.warn(
            f"{source}: the course has no elevation: planned as flat",
            DataQualityWarning,
            stacklevel=2,
        )
        e = np.full(len(x), np.nan)
        factor = np.ones(len(x))
    else:
        ud, first = np.unique(d, return_index=True)
        ue = elev[first]
        ok = np.isfinite(ue)
        e = np.interp(x, ud[ok], ue[ok])
        gr = signal.grade(x, e, window_m=grade_window_m)
        factor = signal.gap_factor(np.nan_to_num(gr, nan=0.0), model=model)

    dx = np.diff(x)
    rel = x - length / 2
    # grade-adjusted ("flat-equivalent") distance, and its first moment about the half
    eq_cell = 0.5 * dx * (factor[:-1] + factor[1:])
    mom_cell = 0.5 * dx * (factor[:-1] * rel[:-1] + factor[1:] * rel[1:])
    if strategy == "even_pace":
        t_cell = dx.copy()
    else:
        beta = 0.0
        if strategy == "negative" and negative_split_pct:
            r = 1.0 - negative_split_pct / 100.0
            e1, e2 = eq_cell[:half].sum(), eq_cell[half:].sum()
            c1, c2 = mom_cell[:half].sum() / e1, mom_cell[half:].sum() / e2
            beta = (r - 1.0) / (c2 - r * c1)
            pace = 1.0 + beta * rel
            if not (pace > 0).all():
                raise ValueError(f"negative_split_pct={negative_split_pct} is too large")
        t_cell = eq_cell + beta * mom_cell
    t_cell *= goal_time_s / t_cell.sum()  # T ∝ 1 / v_flat: exact scaling to the goal

    cum_t = np.concatenate(([0.0], np.cumsum(t_cell)))
    cum_t[-1] = goal_time_s  # the last boundary is the finish, exactly
    cum_eq = np.concatenate(([0.0], np.cumsum(eq_cell)))
    elapsed = cum_t[at]
    duration = np.diff(elapsed)
    distance = np.diff(marks)
    eq = np.diff(cum_eq[at])
    n = len(distance)
    if elev is None:
        grade_mean = gain = loss = np.full(n, np.nan)
    else:
        g_cum, l_cum = signal.elevation_gain_loss_cumulative(e, threshold_m=2.0)
        gain, loss = np.diff(g_cum[at]), np.diff(l_cum[at])
        grade_mean = np.diff(e[at]) / distance
    partial = np.zeros(n, dtype=bool)
    partial[-1] = b.partial_last
    plan = _frame(
        {
            "split": np.arange(1, n + 1),
            "start_distance_m": marks[:-1],
            "end_distance_m": marks[1:],
            "distance_m": distance,
            "grade_mean": grade_mean,
            "elevation_gain_m": gain,
            "elevation_loss_m": loss,
            "gap_factor_mean": eq / distance,
            "pace_s_per_km": 1000.0 * duration / distance,
            "duration_s": duration,
            "start_elapsed_s": elapsed[:-1],
            "end_elapsed_s": elapsed[1:],
            "speed_mps": distance / duration,
            "gap_pace_s_per_km": 1000.0 * duration / eq,
            "gap_speed_mps": eq / duration,
            "partial": partial,
        },
        PLAN_DTYPES,
    )
    plan.attrs.update(
        {
            "goal_time_s": float(goal_time_s),
            "every_m": float(every_m),
            "strategy": strategy,
            "negative_split_pct": float(negative_split_pct),
            "model": model,
            "course_length_m": length,
            "course": source,
        }
    )
    return plan


def _status(diff: float) -> Any:
    import pandas as pd

    if diff != diff:
        return pd.NA
    if abs(diff) < 0.5:
        return "on plan"
    return f"{abs(diff):.0f} s {'behind' if diff > 0 else 'ahead'}"


def compare_to_plan(
    activity: Activity | pd.DataFrame,
    plan: pd.DataFrame,
    *,
    finish_tolerance_pct: float = 2.0,
) -> pd.DataFrame:
    """How a run went against a pacing plan, split by split.

    The run is cut at the plan's split boundaries (the same ``every``), each boundary's
    time interpolated between samples as in :func:`~kickanalysis.analysis.splits`.
    GPS measures a course a little long or short: when the run's distance is within
    ``finish_tolerance_pct`` of the plan's, the run is taken as the whole course, start
    to finish, and its distance is scaled to the course's (the finish line is the
    finish). Otherwise the run's own distance is used, and splits it did not reach are
    NaN.

    Parameters
    ----------
    activity : Activity or pandas.DataFrame
        The run.
    plan : pandas.DataFrame
        The output of :func:`plan_pacing` (its ``attrs["model"]`` sets the grade
        adjustment; Minetti et al. 2002 when absent).
    finish_tolerance_pct : float
        Largest difference [%] between the run's and the plan's distance for which the
        run counts as the whole course.

    Returns
    -------
    pandas.DataFrame
        One row per split of the plan, the columns of :data:`COMPARE_DTYPES`:

        - ``plan_duration_s``, ``actual_duration_s`` [s]: split times (elapsed);
        - ``difference_s`` [s] = actual − plan (positive: slower than planned) and
          ``difference_pct`` [%] of the planned split;
        - ``plan_elapsed_s``, ``actual_elapsed_s`` [s]: clock at the end of the split;
          ``cumulative_difference_s`` [s] = actual − plan there (the running sum of
          ``difference_s``; positive: behind the plan);
        - ``plan_pace_s_per_km``, ``actual_pace_s_per_km`` [s/km] over the course's
          split distance;
        - ``plan_gap_pace_s_per_km``, ``actual_gap_pace_s_per_km`` [s/km]: planned
          effort and the grade-adjusted pace actually run (moving time over
          grade-adjusted distance, as in ``splits()``), and
          ``gap_difference_s_per_km`` = actual − plan;
        - ``status``: e.g. ``"12 s behind"``, ``"3 s ahead"``, ``"on plan"`` (within
          half a second), NA where the split was not reached.

    Raises
    ------
    EmptyActivityError
        When the run has fewer than two timed samples or no distance.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> course = ka.read("data/samples/course_10k.gpx")
    >>> plan = ka.plan_pacing(course, goal_time_s=2700)
    >>> run = ka.simulate_run(course=course, pace_s_per_km=270, seed=1).activity
    >>> cmp = ka.compare_to_plan(run, plan)
    >>> total = cmp["actual_elapsed_s"].iloc[-1] - cmp["plan_elapsed_s"].iloc[-1]
    >>> len(cmp), bool(abs(cmp["difference_s"].sum() - total) < 1e-6)
    (10, True)
    >>> cmp["status"].iloc[0]
    '11 s behind'
    """
    missing = [c for c in ("start_distance_m", "end_distance_m", "duration_s") if c not in plan]
    if missing:
        raise ValueError(f"plan lacks the columns {missing}: use the output of plan_pacing()")
    s = prepare(activity, gap_model=plan.attrs.get("model", "minetti2002"))
    t, d = s.time_s, s.distance_m
    covered = d[-1] - d[0]
    if not covered > 0:
        raise EmptyActivityError(s.source, "the run covers no distance")
    start_m = plan["start_distance_m"].to_numpy(dtype=np.float64)
    end_m = plan["end_distance_m"].to_numpy(dtype=np.float64)
    marks = np.concatenate((start_m[:1], end_m)) - start_m[0]
    course_m = marks[-1]
    scale = 1.0
    if abs(covered / course_m - 1.0) * 100.0 <= finish_tolerance_pct:
        scale = course_m / covered
    x = (d - d[0]) * scale
    reached = marks <= x[-1] * (1 + 1e-12) + 1e-9
    if scale != 1.0:
        reached[:] = True
    times = ig.interp_monotone(np.minimum(marks, x[-1]), x, t)
    if scale != 1.0:
        times[-1] = t[-1]
    times = np.where(reached, times, np.nan)
    safe = np.where(reached, times, t[-1])
    moving = np.diff(ig.interp_monotone(safe, t, s.cum_moving_s))
    gap_m = np.diff(ig.interp_monotone(safe, t, s.cum_gap_m)) * scale
    ok = reached[1:]
    moving = np.where(ok, moving, np.nan)
    gap_m = np.where(ok, gap_m, np.nan)

    distance = np.diff(marks)
    plan_dur = plan["duration_s"].to_numpy(dtype=np.float64)
    actual_dur = np.diff(times)
    plan_elapsed = np.cumsum(plan_dur)
    if "end_elapsed_s" in plan:
        plan_elapsed = plan["end_elapsed_s"].to_numpy(dtype=np.float64)
    actual_elapsed = times[1:] - times[0]
    diff = actual_dur - plan_dur
    cum_diff = actual_elapsed - plan_elapsed
    if "gap_pace_s_per_km" in plan:
        plan_gap = plan["gap_pace_s_per_km"].to_numpy(dtype=np.float64)
    else:
        plan_gap = np.full(len(distance), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        actual_gap = np.where(gap_m > 0, 1000.0 * moving / gap_m, np.nan)
        pct = 100.0 * diff / plan_dur
    return _frame(
        {
            "split": np.arange(1, len(distance) + 1),
            "start_distance_m": start_m,
            "end_distance_m": end_m,
            "distance_m": distance,
            "plan_duration_s": plan_dur,
            "actual_duration_s": actual_dur,
            "difference_s": diff,
            "difference_pct": pct,
            "plan_elapsed_s": plan_elapsed,
            "actual_elapsed_s": actual_elapsed,
            "cumulative_difference_s": cum_diff,
            "plan_pace_s_per_km": 1000.0 * plan_dur / distance,
            "actual_pace_s_per_km": 1000.0 * actual_dur / distance,
            "plan_gap_pace_s_per_km": plan_gap,
            "actual_gap_pace_s_per_km": actual_gap,
            "gap_difference_s_per_km": actual_gap - plan_gap,
            "status": [_status(float(c)) for c in cum_diff],
        },
        COMPARE_DTYPES,
    )
