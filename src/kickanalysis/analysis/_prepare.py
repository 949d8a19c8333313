"""From an activity to the cleaned, time-integrated series every analysis uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .. import signal
from ..errors import EmptyActivityError
from ._integrate import cumulative

if TYPE_CHECKING:
    import pandas as pd

    from ..activity import Activity


@dataclass(frozen=True)
class Series:
    """Per-sample series of one activity, cleaned, with running integrals.

    Times are seconds since the first sample; every ``cum_*`` array is the integral up
    to each sample (see :mod:`kickanalysis.analysis._integrate`).
    """

    source: str
    start_ns: int
    time_s: np.ndarray
    distance_m: np.ndarray  # cleaned, non-decreasing
    elevation_m: np.ndarray  # smoothed
    heart_rate_bpm: np.ndarray
    moving: np.ndarray
    cum_moving_s: np.ndarray
    cum_moving_m: np.ndarray
    cum_gap_m: np.ndarray  # grade-adjusted (equivalent flat) distance while moving
    cum_hr: tuple[np.ndarray, np.ndarray]
    cum_cadence: tuple[np.ndarray, np.ndarray]
    cum_gain_m: np.ndarray
    cum_loss_m: np.ndarray


def prepare(
    activity: Activity | pd.DataFrame,
    *,
    gap_model: str = "minetti2002",
    elevation_threshold_m: float = 2.0,
) -> Series:
    """Clean an activity once for the analyses (without modifying it).

    Distance is :func:`kickanalysis.signal.derive`'s ``distance_clean_m``: the device's
    where it is reliable, else cleaned positions that add nothing while the runner is
    paused; made non-decreasing here. ``moving`` comes
    from :func:`kickanalysis.signal.moving` (timer pauses, sampling gaps, stops).
    Cadence counts only while moving. Elevation gain and loss use the smoothed
    elevation with a hysteresis of ``elevation_threshold_m``.

    Raises
    ------
    EmptyActivityError
        Fewer than two samples, or no times (a route).
    """
    records = getattr(activity, "records", activity)
    meta = getattr(activity, "meta", None)
    source = getattr(meta, "source", "<records>")
    if len(records) < 2:
        raise EmptyActivityError(source, "fewer than two samples")
    if records["elapsed_s"].isna().all():
        raise EmptyActivityError(source, "the recording has no times (a route or course)")
    ns = records.index.as_unit("ns").asi8
    start_ns = int(ns[0])
    t = (ns - start_ns) / 1e9
    derived = signal.derive(activity, gap_model=gap_model)
    d = derived["distance_clean_m"].to_numpy(dtype=np.float64, copy=True)
    known = ~np.isnan(d)
    if not known.any():
        raise EmptyActivityError(source, "no distance and no positions")
    first = int(np.flatnonzero(known)[0])
    d[:first] = d[first]
    d = np.maximum.accumulate(np.where(np.isnan(d), -np.inf, d))
    moving = derived["moving"].to_numpy(dtype=bool)
    dt = np.diff(t, prepend=t[0])
    dd = np.diff(d, prepend=d[0])
    grade = derived["grade"].to_numpy(dtype=np.float64)
    factor = signal.gap_factor(np.nan_to_num(grade, nan=0.0), model=gap_model)
    hr = records["heart_rate_bpm"].to_numpy(dtype=np.float64)
    cadence = np.where(moving, records["cadence_spm"].to_numpy(dtype=np.float64), np.nan)
    elevation = derived["elevation_smooth_m"].to_numpy(dtype=np.float64)
    gain, loss = signal.elevation_gain_loss_cumulative(elevation, threshold_m=elevation_threshold_m)
    return Series(
        source=source,
        start_ns=start_ns,
        time_s=t,
        distance_m=d,
        elevation_m=elevation,
        heart_rate_bpm=hr,
        moving=moving,
        cum_moving_s=np.cumsum(dt * moving),
        cum_moving_m=np.cumsum(dd * moving),
        cum_gap_m=np.cumsum(dd * factor * moving),
        cum_hr=cumulative(t, hr),
        cum_cadence=cumulative(t, cadence),
        cum_gain_m=gain,
        cum_loss_m=loss,
    )


__all__ = ["Series", "prepare"]
