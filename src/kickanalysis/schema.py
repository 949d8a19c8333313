"""The canonical column names and dtypes every reader and analysis shares."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

#: Core record columns, always present (float64, NaN where the recording lacks them), SI units.
RECORD_COLUMNS: tuple[str, ...] = (
    "elapsed_s",
    "lat_deg",
    "lon_deg",
    "elevation_m",
    "distance_m",
    "speed_mps",
    "heart_rate_bpm",
    "cadence_spm",
    "power_w",
    "temperature_c",
)

#: Columns shared by every event table (strides, intervals, ...).
EVENT_COLUMNS: tuple[str, ...] = (
    "start_time",
    "end_time",
    "start_elapsed_s",
    "end_elapsed_s",
    "duration_s",
    "start_distance_m",
    "end_distance_m",
    "distance_m",
)

#: Columns of ``splits()`` output and of ``Activity.laps``, with their dtypes.
SPLIT_DTYPES: dict[str, str] = {
    "split": "int64",
    "start_time": "datetime64[ns, UTC]",
    "end_time": "datetime64[ns, UTC]",
    "start_elapsed_s": "float64",
    "end_elapsed_s": "float64",
    "start_distance_m": "float64",
    "end_distance_m": "float64",
    "distance_m": "float64",
    "duration_s": "float64",
    "moving_s": "float64",
    "pace_s_per_km": "float64",
    "speed_mps": "float64",
    "gap_speed_mps": "float64",
    "heart_rate_mean_bpm": "float64",
    "heart_rate_max_bpm": "float64",
    "cadence_mean_spm": "float64",
    "elevation_gain_m": "float64",
    "elevation_loss_m": "float64",
    "partial": "bool",
}
SPLIT_COLUMNS: tuple[str, ...] = tuple(SPLIT_DTYPES)


def records_frame(
    time_ns: np.ndarray,
    columns: dict[str, np.ndarray],
    *,
    extra: dict[str, np.ndarray] | None = None,
    start_ns: int | None = None,
) -> pd.DataFrame:
    """Build a canonical records frame.

    Parameters
    ----------
    time_ns : numpy.ndarray
        Sample times as integer nanoseconds since the Unix epoch (UTC), sorted.
    columns : dict of str to numpy.ndarray
        Values for any of :data:`RECORD_COLUMNS` except ``elapsed_s``; missing columns
        become NaN.
    extra : dict of str to numpy.ndarray, optional
        Further columns, appended after the core ones in the given order.
    start_ns : int, optional
        Activity start [ns since epoch] for ``elapsed_s``; the first sample by default.

    Returns
    -------
    pandas.DataFrame
        Indexed by a tz-aware UTC ``DatetimeIndex`` named ``time``.
    """
    import pandas as pd

    n = len(time_ns)
    time_ns = np.asarray(time_ns, dtype="int64")
    nat = time_ns == np.iinfo(np.int64).min
    if start_ns is None:
        start_ns = int(time_ns[~nat][0]) if (~nat).any() else 0
    extra = {k: v for k, v in (extra or {}).items() if k not in RECORD_COLUMNS}
    names = [*RECORD_COLUMNS, *extra]
    index = pd.DatetimeIndex(time_ns.view("datetime64[ns]"), name="time").tz_localize("UTC")
    if all(np.asarray(v).dtype.kind == "f" for v in extra.values()):
        # one float block, filled column by column and wrapped without a copy: the frame
        # costs its own size once, not twice (pandas would consolidate a dict of arrays)
        block = np.empty((len(names), n), dtype=np.float64)
        np.subtract(time_ns, start_ns, out=block[0], casting="unsafe")
        block[0] /= 1e9
        block[0][nat] = np.nan
        for row, name in enumerate(names[1:], start=1):
            values = columns.get(name) if row < len(RECORD_COLUMNS) else extra[name]
            if values is None:
                block[row] = np.nan
            else:
                block[row] = values
        return pd.DataFrame(block.T, index=index, columns=names, copy=False)
    elapsed = (time_ns - start_ns) / 1e9
    if nat.any():
        elapsed[nat] = np.nan
    data: dict[str, np.ndarray] = {"elapsed_s": elapsed}
    for name in RECORD_COLUMNS[1:]:
        values = columns.get(name)
        data[name] = np.full(n, np.nan) if values is None else np.asarray(values, dtype="float64")
    data.update(extra)
    return pd.DataFrame(data, index=index, copy=False)


_EMPTY_SPLITS: pd.DataFrame | None = None


def empty_splits() -> pd.DataFrame:
    """Return an empty frame with the split columns and dtypes."""
    global _EMPTY_SPLITS
    if _EMPTY_SPLITS is None:
        import pandas as pd

        _EMPTY_SPLITS = pd.DataFrame({c: pd.Series(dtype=d) for c, d in SPLIT_DTYPES.items()})
    return _EMPTY_SPLITS.copy()


def splits_frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Build a frame with the split columns from arrays, without per-column casts.

    Parameters
    ----------
    columns : dict of str to numpy.ndarray
        One array per column of :data:`SPLIT_DTYPES` (missing float columns become NaN);
        ``start_time`` / ``end_time`` as integer nanoseconds since the Unix epoch (UTC),
        with ``numpy.iinfo(numpy.int64).min`` for an unknown time.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`SPLIT_COLUMNS`, in order, with their dtypes.
    """
    import pandas as pd

    n = len(columns["split"])
    data: dict[str, object] = {}
    for name, dtype in SPLIT_DTYPES.items():
        values = columns.get(name)
        if dtype.startswith("datetime"):
            ns = np.asarray(values, dtype=np.int64)
            data[name] = pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC")
        elif values is None:
            data[name] = np.full(n, np.nan)
        else:
            data[name] = np.asarray(values, dtype=dtype)
    return pd.DataFrame(data, copy=False)
