"""Splits: per kilometre, mile, any distance or any time, with exact boundaries."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from ..errors import EmptyActivityError
from ..schema import splits_frame
from . import _integrate as ig
from ._prepare import Series, prepare

if TYPE_CHECKING:
    import pandas as pd

    from ..activity import Activity

MILE_M = 1609.344

_UNITS_M = {"m": 1.0, "km": 1000.0, "mi": MILE_M, "mile": MILE_M, "miles": MILE_M}
_UNITS_S = {"s": 1.0, "sec": 1.0, "min": 60.0, "h": 3600.0}
_EVERY = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]+)\s*$")


def parse_every(every: float | int | str) -> tuple[str, float]:
    """Read a split length.

    Parameters
    ----------
    every : float, int or str
        Metres as a number, or a string with a unit: ``"1km"``, ``"1mi"``, ``"400m"``,
        ``"5min"``, ``"90s"``, ``"1h"``.

    Returns
    -------
    tuple of (str, float)
        ``("distance", metres)`` or ``("time", seconds)``.

    Examples
    --------
    >>> parse_every("1mi")
    ('distance', 1609.344)
    >>> parse_every("5min")
    ('time', 300.0)
    """
    if isinstance(every, (int, float)) and not isinstance(every, bool):
        value, kind = float(every), "distance"
    else:
        m = _EVERY.match(str(every).lower())
        if not m:
            raise ValueError(f"every={every!r}: use metres or e.g. '1km', '1mi', '400m', '5min'")
        number, unit = float(m.group(1)), m.group(2)
        if unit in _UNITS_M:
            value, kind = number * _UNITS_M[unit], "distance"
        elif unit in _UNITS_S:
            value, kind = number * _UNITS_S[unit], "time"
        else:
            raise ValueError(f"every={every!r}: unknown unit {unit!r}")
    if not value > 0:
        raise ValueError(f"every={every!r} must be positive")
    return kind, value


def splits(
    activity: Activity | pd.DataFrame,
    *,
    every: float | str = "1km",
    gap_model: str = "minetti2002",
) -> pd.DataFrame:
    """Split a run every so many metres or seconds, with exact boundaries.

    A split boundary rarely falls on a sample. Its time (distance splits) or distance
    (time splits) is interpolated linearly between the two samples around it, so a
    1 km split is exactly 1000 m. Every quantity is integrated over time and differenced
    between boundaries, so errors never accumulate and the splits add up to the whole
    activity. The last split is flagged ``partial`` when it is shorter than ``every``.

    Parameters
    ----------
    activity : Activity or pandas.DataFrame
        The run (or its records frame).
    every : float or str
        Split length: metres as a number, or ``"1km"``, ``"1mi"``, ``"400m"``,
        ``"5min"`` …
    gap_model : str
        Grade-adjusted speed model for ``gap_speed_mps`` (see
        :func:`kickanalysis.signal.grade_adjusted_speed`).

    Returns
    -------
    pandas.DataFrame
        One row per split with the columns of
        :data:`kickanalysis.schema.SPLIT_COLUMNS`:

        - ``duration_s`` [s] is elapsed time; ``moving_s`` [s] excludes pauses and stops;
        - ``speed_mps`` [m/s] and ``pace_s_per_km`` [s/km] are over moving time, as a
          watch's lap pace is;
        - ``gap_speed_mps`` [m/s] is the grade-adjusted speed over moving time;
        - heart rate and cadence means are time-weighted;
        - elevation gain and loss [m] come from the smoothed elevation, with hysteresis.

    Raises
    ------
    EmptyActivityError
        When the activity has fewer than two timed samples.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> act = ka.read("data/samples/race_5k_kick.fit")
    >>> s = ka.splits(act, every="1km")
    >>> s["distance_m"].round(3).tolist()
    [1000.0, 1000.0, 1000.0, 1000.0, 992.88]
    """
    kind, length = parse_every(every)
    series = prepare(activity, gap_model=gap_model)
    t, d = series.time_s, series.distance_m
    if kind == "distance":
        b = ig.distance_boundaries(t, d, length)
    else:
        b = ig.time_boundaries(t, d, length)
    return _table(series, b)


def _table(s: Series, b: ig.Boundaries) -> pd.DataFrame:
    t = s.time_s
    bt = b.time_s
    n = len(bt) - 1
    if n < 1:
        raise EmptyActivityError(s.source, "no samples to split")
    moving = ig.between(bt, t, s.cum_moving_s)
    distance = np.diff(b.distance_m)
    duration = np.diff(bt)
    hr_sum, hr_time = ig.between(bt, t, s.cum_hr[0]), ig.between(bt, t, s.cum_hr[1])
    cad_sum, cad_time = ig.between(bt, t, s.cum_cadence[0]), ig.between(bt, t, s.cum_cadence[1])
    gap_dist = ig.between(bt, t, s.cum_gap_m)
    gain = ig.between(bt, t, s.cum_gain_m)
    loss = ig.between(bt, t, s.cum_loss_m)
    moving_distance = ig.between(bt, t, s.cum_moving_m)
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = np.where(moving > 0, moving_distance / moving, np.nan)
        pace = np.where(speed > 0, 1000.0 / speed, np.nan)
        gap_speed = np.where(moving > 0, gap_dist / moving, np.nan)
        hr_mean = np.where(hr_time > 0, hr_sum / hr_time, np.nan)
        cad_mean = np.where(cad_time > 0, cad_sum / cad_time, np.nan)
    start_ns = s.start_ns + np.round(bt[:-1] * 1e9).astype(np.int64)
    end_ns = s.start_ns + np.round(bt[1:] * 1e9).astype(np.int64)
    partial = np.zeros(n, dtype=bool)
    partial[-1] = b.partial_last
    no_elev = s.cum_gain_m is None or np.isnan(s.elevation_m).all()
    return splits_frame(
        {
            "split": np.arange(1, n + 1),
            "start_time": start_ns,
            "end_time": end_ns,
            "start_elapsed_s": bt[:-1],
            "end_elapsed_s": bt[1:],
            "start_distance_m": b.distance_m[:-1],
            "end_distance_m": b.distance_m[1:],
            "distance_m": distance,
            "duration_s": duration,
            "moving_s": moving,
            "pace_s_per_km": pace,
            "speed_mps": speed,
            "gap_speed_mps": gap_speed,
            "heart_rate_mean_bpm": hr_mean,
            "heart_rate_max_bpm": ig.window_max(bt, t, s.heart_rate_bpm),
            "cadence_mean_spm": cad_mean,
            "elevation_gain_m": np.full(n, np.nan) if no_elev else gain,
            "elevation_loss_m": np.full(n, np.nan) if no_elev else loss,
            "partial": partial,
        }
    )


__all__ = ["MILE_M", "parse_every", "splits"]
