"""One row per activity: the numbers a training journal or a batch table needs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import EmptyActivityError
from . import _integrate as ig
from ._prepare import Series, prepare
from .pacing import negative_split, pacing_profile
from .splits import _table

if TYPE_CHECKING:
    import pandas as pd

    from ..activity import Activity

__all__ = ["SUMMARY_DTYPES", "summarize"]

#: Columns of :func:`summarize` output, with their dtypes. New analyses add columns at
#: the end; existing columns keep their names and dtypes.
SUMMARY_DTYPES: dict[str, str] = {
    # what the file says about itself
    "source": "string",
    "format": "string",
    "sport": "string",
    "sub_sport": "string",
    "name": "string",
    "device": "string",
    "start_time": "datetime64[ns, UTC]",
    "samples": "int64",
    "device_laps": "int64",
    # totals, as one split over the whole run (see splits())
    "distance_m": "float64",
    "elapsed_s": "float64",
    "moving_s": "float64",
    "pace_s_per_km": "float64",
    "speed_mps": "float64",
    "gap_pace_s_per_km": "float64",
    "heart_rate_mean_bpm": "float64",
    "heart_rate_max_bpm": "float64",
    "cadence_mean_spm": "float64",
    "elevation_gain_m": "float64",
    "elevation_loss_m": "float64",
    # pacing
    "negative_split": "string",
    "negative_split_difference_s": "float64",
    "negative_split_difference_pct": "float64",
    "pacing_profile": "string",
    "fast_start": "boolean",
    # detection
    "strides": "Int64",
    "stride_sets": "Int64",
    "interval_reps": "Int64",
    "interval_session": "string",
    "kick": "boolean",
    "kick_start_elapsed_s": "float64",
    "kick_start_distance_m": "float64",
    "kick_distance_m": "float64",
    "kick_duration_s": "float64",
    "kick_speed_mps": "float64",
    "kick_gain_pct": "float64",
}


def _meta_fields(activity: Any) -> dict[str, Any]:
    import pandas as pd

    records = getattr(activity, "records", activity)
    meta = getattr(activity, "meta", None)
    laps = getattr(activity, "laps", None)
    timed = len(records) > 0 and not records["elapsed_s"].isna().all()
    if meta is not None and meta.extra.get("timed") is False:
        timed = False
    start = getattr(meta, "start_time", None)
    if start is None and timed:
        start = records.index[0]
    return {
        "source": getattr(meta, "source", None),
        "format": getattr(meta, "format", None),
        "sport": getattr(meta, "sport", None),
        "sub_sport": getattr(meta, "sub_sport", None),
        "name": getattr(meta, "name", None),
        "device": getattr(meta, "device", None),
        "start_time": pd.Timestamp(start) if (timed and start is not None) else pd.NaT,
        "samples": len(records),
        "device_laps": 0 if laps is None else len(laps),
    }


def _totals(s: Series) -> dict[str, Any]:
    """The whole run as one split: the same integrals as splits(), over all of it."""
    t, d = s.time_s, s.distance_m
    whole = ig.Boundaries(
        time_s=np.array([t[0], t[-1]]),
        distance_m=np.array([0.0, d[-1] - d[0]]),
        partial_last=False,
    )
    row = _table(s, whole).iloc[0]
    gap = float(row["gap_speed_mps"])
    return {
        "distance_m": row["distance_m"],
        "elapsed_s": row["duration_s"],
        "moving_s": row["moving_s"],
        "pace_s_per_km": row["pace_s_per_km"],
        "speed_mps": row["speed_mps"],
        "gap_pace_s_per_km": 1000.0 / gap if gap > 0 else np.nan,
        "heart_rate_mean_bpm": row["heart_rate_mean_bpm"],
        "heart_rate_max_bpm": row["heart_rate_max_bpm"],
        "cadence_mean_spm": row["cadence_mean_spm"],
        "elevation_gain_m": row["elevation_gain_m"],
        "elevation_loss_m": row["elevation_loss_m"],
    }


def _pacing(s: Series) -> dict[str, Any]:
    ns = negative_split(s)
    profile = pacing_profile(s)
    return {
        "negative_split": ns.verdict,
        "negative_split_difference_s": ns.difference_s,
        "negative_split_difference_pct": ns.difference_pct,
        "pacing_profile": profile.profile,
        "fast_start": profile.fast_start,
    }


def _detection(s: Series) -> dict[str, Any]:
    from .intervals import detect_intervals, interval_session
    from .kick import detect_kick
    from .strides import detect_strides

    strides = detect_strides(s)
    reps = detect_intervals(s)
    kick = detect_kick(s)
    session = interval_session(reps)
    return {
        "strides": len(strides),
        "stride_sets": int(strides["set"].nunique()),
        "interval_reps": session.reps,
        "interval_session": session.summary if session.reps else None,
        "kick": kick.detected,
        "kick_start_elapsed_s": kick.start_elapsed_s,
        "kick_start_distance_m": kick.start_distance_m,
        "kick_distance_m": kick.distance_m,
        "kick_duration_s": kick.duration_s,
        "kick_speed_mps": kick.kick_speed_mps,
        "kick_gain_pct": kick.gain_pct,
    }


# Sections of the summary, in column order. Each returns some of the columns or raises
# EmptyActivityError, which leaves its columns missing (NaN / NA).
_SECTIONS = (_totals, _pacing, _detection)


def summarize(activity: Activity | pd.DataFrame) -> pd.DataFrame:
    """One row that sums up an activity, with stable columns and dtypes for batch tables.

    Totals are computed the way :func:`~kickanalysis.analysis.splits` computes a split,
    over the whole run (so they equal the sums of its splits); the pacing columns come
    from :func:`~kickanalysis.analysis.negative_split` and
    :func:`~kickanalysis.analysis.pacing_profile` with their default settings.

    An activity that cannot be analysed — no samples, a single sample, a route without
    times, no distance — does **not** raise: its row has the metadata columns filled and
    every measured column missing (NaN, NA, NaT), and ``samples`` tells how many records
    it had. So a table of many activities keeps one row per activity, with the same
    columns and dtypes whatever the files hold (concatenate the rows with
    :func:`pandas.concat`).

    Parameters
    ----------
    activity : Activity or pandas.DataFrame
        The activity (or its records frame, then without metadata).

    Returns
    -------
    pandas.DataFrame
        One row, the columns of :data:`SUMMARY_DTYPES`:

        - ``source``, ``format``, ``sport``, ``sub_sport``, ``name``, ``device``
          (strings, NA when unknown), ``start_time`` (UTC; NaT for a route without
          times), ``samples`` (number of records), ``device_laps``;
        - ``distance_m`` [m], ``elapsed_s`` [s] and ``moving_s`` [s] (stops and pauses
          excluded);
        - ``pace_s_per_km`` [s/km] and ``speed_mps`` [m/s] over moving time;
          ``gap_pace_s_per_km`` [s/km]: grade-adjusted pace (Minetti et al. 2002,
          doi:10.1152/japplphysiol.00262.2002) over moving time;
        - ``heart_rate_mean_bpm`` (time-weighted), ``heart_rate_max_bpm`` [1/min],
          ``cadence_mean_spm`` [steps/min] while moving;
        - ``elevation_gain_m``, ``elevation_loss_m`` [m] (smoothed, 2 m hysteresis);
        - ``negative_split`` (``"negative"``, ``"even"`` or ``"positive"``),
          ``negative_split_difference_s`` [s] and ``negative_split_difference_pct``
          [%]: second half minus first;
        - ``pacing_profile`` (Abbiss & Laursen 2008 shape) and ``fast_start``
          (nullable boolean);
        - ``strides`` and ``stride_sets``: how many strides and sets
          :func:`~kickanalysis.analysis.detect_strides` found;
        - ``interval_reps`` and ``interval_session``: the work intervals of
          :func:`~kickanalysis.analysis.detect_intervals` and their one-line summary
          (e.g. ``"6 × 800 m in 2:29–2:33, 2:00 jog recovery"``; NA without any);
        - ``kick`` (whether :func:`~kickanalysis.analysis.detect_kick` found a final
          kick), ``kick_start_elapsed_s`` [s], ``kick_start_distance_m`` [m],
          ``kick_distance_m`` [m] and ``kick_duration_s`` [s] to the finish,
          ``kick_speed_mps`` [m/s] and ``kick_gain_pct`` [%] over the pace before it.

        Later analyses add columns at the end; none is renamed.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> row = ka.summarize(ka.read("data/samples/race_5k_kick.fit"))
    >>> row.loc[0, ["negative_split", "pacing_profile"]].tolist()
    ['negative', 'negative']
    >>> round(float(row.loc[0, "distance_m"]), 2), round(float(row.loc[0, "elapsed_s"]))
    (4992.88, 1199)
    """
    import pandas as pd

    values: dict[str, Any] = _meta_fields(activity)
    try:
        series = prepare(activity)  # cleaned once, shared by every section
    except EmptyActivityError:
        series = None
    for section in _SECTIONS if series is not None else ():
        try:
            values.update(section(series))
        except EmptyActivityError:
            pass
    data = {}
    for name, dtype in SUMMARY_DTYPES.items():
        value = values.get(name)
        if value is None or (isinstance(value, float) and np.isnan(value)):
            value = pd.NaT if dtype.startswith("datetime") else None
        data[name] = pd.Series([value], dtype=dtype)
    return pd.DataFrame(data)
