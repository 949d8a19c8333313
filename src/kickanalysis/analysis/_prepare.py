"""From an activity to the cleaned, time-integrated series every analysis uses."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
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

    ``cum_gap_m`` is the grade-adjusted (equivalent flat) distance while moving under
    ``gap_model``. The grade does not depend on the model, so one preparation serves
    every model: :meth:`with_gap_model` returns a Series for another model that shares
    all arrays but ``cum_gap_m`` (recomputed from ``grade`` in about 0.1 ms for an
    hour at 1 Hz, and kept, so asking twice costs nothing). Its numbers are the same as
    ``prepare(activity, gap_model=model)``'s. ``distance_source`` is the
    :func:`kickanalysis.signal.distance_source` the distance came from (``"device"``,
    ``"positions"`` or ``"none"``), so that analyses need not recompute it.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> from kickanalysis.analysis._prepare import prepare
    >>> run = ka.simulate_run(distance_m=2000, course="hilly", seed=1).activity
    >>> s = prepare(run)                                  # gap_model="minetti2002"
    >>> t = s.with_gap_model("strava2017")
    >>> t.distance_m is s.distance_m, t.gap_model
    (True, 'strava2017')
    >>> bool(np.allclose(t.cum_gap_m, prepare(run, gap_model="strava2017").cum_gap_m))
    True
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
    grade: np.ndarray | None = None  # [fraction] over 50 m of distance, NaN if unknown
    gap_model: str = "minetti2002"
    distance_source: str = "none"
    # cum_gap_m per GAP model, shared by every Series made from one preparation
    _gap_cache: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def with_gap_model(self, model: str) -> Series:
        """The same series with the grade-adjusted distance of another GAP model.

        Parameters
        ----------
        model : {"minetti2002", "strava2017"}
            GAP model (see :func:`kickanalysis.signal.gap_factor`).

        Returns
        -------
        Series
            ``self`` when ``model`` is already its model; else a new Series sharing
            every array but ``cum_gap_m`` [m].

        Examples
        --------
        >>> import kickanalysis as ka
        >>> from kickanalysis.analysis._prepare import prepare
        >>> s = prepare(ka.simulate_run(distance_m=1000, seed=0).activity)
        >>> s.with_gap_model("minetti2002") is s
        True
        """
        if model == self.gap_model:
            return self
        if self.grade is None:
            raise ValueError("this Series was made without its grade; prepare() it again")
        cum_gap = self._gap_cache.get(model)
        if cum_gap is None:
            cum_gap = _cum_gap(self.distance_m, self.grade, self.moving, model)
            self._gap_cache[model] = cum_gap
        return dataclasses.replace(self, cum_gap_m=cum_gap, gap_model=model)


def _cum_gap(d: np.ndarray, grade: np.ndarray, moving: np.ndarray, model: str) -> np.ndarray:
    dd = np.diff(d, prepend=d[0])
    factor = signal.gap_factor(np.nan_to_num(grade, nan=0.0), model=model)
    return np.cumsum(dd * factor * moving)


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
    elevation with a hysteresis of ``elevation_threshold_m``. The grade-adjusted
    distance for another GAP model is :meth:`Series.with_gap_model` away.

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
    if gap_model not in signal.GAP_MODELS:
        raise ValueError(
            f"unknown GAP model {gap_model!r}; choose one of {', '.join(signal.GAP_MODELS)}"
        )
    ns = records.index.as_unit("ns").asi8
    start_ns = int(ns[0])
    t = (ns - start_ns) / 1e9
    derived = signal._derive_arrays(activity, gap_model=None)
    d = np.array(derived["distance_clean_m"], dtype=np.float64)
    known = ~np.isnan(d)
    if not known.any():
        raise EmptyActivityError(source, "no distance and no positions")
    first = int(np.argmax(known))
    d[:first] = d[first]
    d = np.maximum.accumulate(np.where(np.isnan(d), -np.inf, d))
    moving = np.asarray(derived["moving"], dtype=bool)
    dt = np.diff(t, prepend=t[0])
    dd = np.diff(d, prepend=d[0])
    grade = derived["grade"]
    hr = records["heart_rate_bpm"].to_numpy(dtype=np.float64)
    cadence = np.where(moving, records["cadence_spm"].to_numpy(dtype=np.float64), np.nan)
    elevation = derived["elevation_smooth_m"]
    gain, loss = signal.elevation_gain_loss_cumulative(elevation, threshold_m=elevation_threshold_m)
    cum_gap = _cum_gap(d, grade, moving, gap_model)
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
        cum_gap_m=cum_gap,
        cum_hr=cumulative(t, hr),
        cum_cadence=cumulative(t, cadence),
        cum_gain_m=gain,
        cum_loss_m=loss,
        grade=grade,
        gap_model=gap_model,
        distance_source=derived["source"],
        _gap_cache={gap_model: cum_gap},
    )


__all__ = ["Series", "prepare"]
