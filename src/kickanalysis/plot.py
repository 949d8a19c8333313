"""Notebook plots: speed or pace with strides, intervals and the kick; split bars.

Needs the optional ``plot`` extra (``pip install kickanalysis[plot]``, i.e. matplotlib).
matplotlib is imported inside the functions only, so ``import kickanalysis`` stays fast.
Figures are made with the object API (:class:`matplotlib.figure.Figure`), not pyplot:
nothing pops up and no global state is touched; in a notebook, show ``ax.figure``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from .activity import Activity
    from .analysis.kick import Kick

__all__ = ["plot_speed", "plot_splits"]


def _matplotlib() -> Any:
    try:
        import matplotlib  # noqa: F401
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plotting needs matplotlib: install the 'plot' extra, "
            "e.g. pip install 'kickanalysis[plot]'"
        ) from exc
    return Figure


def _axes(ax: Any, figsize: tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    figure = _matplotlib()
    return figure(figsize=figsize).add_subplot()


def _mmss(seconds: float, _pos: Any = None) -> str:
    if not np.isfinite(seconds):
        return ""
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"


def plot_speed(
    activity: Activity | pd.DataFrame,
    *,
    x: str = "distance",
    pace: bool = False,
    strides: pd.DataFrame | None = None,
    intervals: pd.DataFrame | None = None,
    kick: Kick | None = None,
    smooth_s: float = 7.0,
    ax: Any = None,
) -> Any:
    """Speed (or pace) over distance or time, with events shaded.

    Parameters
    ----------
    activity : Activity or pandas.DataFrame
        The run.
    x : {"distance", "time"}
        Horizontal axis: distance [km] or elapsed time [min].
    pace : bool
        Plot pace [min:s per km] (faster up) instead of speed [m/s].
    strides, intervals : pandas.DataFrame, optional
        Event tables (starting with :data:`kickanalysis.schema.EVENT_COLUMNS`, e.g. from
        ``detect_strides`` / ``detect_intervals``), one shaded span per row. Nothing is
        detected here: events are shaded only when passed.
    kick : Kick, optional
        A :class:`~kickanalysis.analysis.kick.Kick`; shaded when it was detected.
    smooth_s : float
        Speed smoothing window [s] (:func:`kickanalysis.signal.smooth_speed`).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ImportError
        matplotlib is missing (the ``plot`` extra).

    Examples
    --------
    >>> import kickanalysis as ka
    >>> from kickanalysis.analysis.kick import detect_kick
    >>> from kickanalysis.plot import plot_speed
    >>> act = ka.read("data/samples/race_5k_kick.fit")
    >>> ax = plot_speed(act, kick=detect_kick(act))
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('distance [km]', 'speed [m/s]')
    """
    from . import signal
    from .analysis._prepare import prepare

    if x not in ("distance", "time"):
        raise ValueError("x must be 'distance' or 'time'")
    ax = _axes(ax, (9.0, 3.5))
    s = prepare(activity)
    t, d = s.time_s, s.distance_m
    step = np.diff(d, prepend=d[0])
    dt = np.diff(t, prepend=t[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.where(dt > 0, step / dt, np.nan)
    raw[0] = raw[1] if len(raw) > 1 else np.nan
    v = signal.smooth_speed(t, np.where(s.moving, raw, 0.0), window_s=smooth_s)
    xs = (d - d[0]) / 1000.0 if x == "distance" else t / 60.0
    if pace:
        with np.errstate(invalid="ignore", divide="ignore"):
            y = np.where(v > 0.5, 1000.0 / v, np.nan)
        ax.plot(xs, y, lw=1.0, color="C0", label="pace")
        ax.invert_yaxis()
        from matplotlib.ticker import FuncFormatter

        ax.yaxis.set_major_formatter(FuncFormatter(_mmss))
        ax.set_ylabel("pace [min:s/km]")
    else:
        ax.plot(xs, v, lw=1.0, color="C0", label="speed")
        ax.set_ylabel("speed [m/s]")
    ax.set_xlabel("distance [km]" if x == "distance" else "time [min]")

    def span(a_s: float, b_s: float, a_m: float, b_m: float, **kw: Any) -> None:
        if x == "distance":
            ax.axvspan(a_m / 1000.0, b_m / 1000.0, **kw)
        else:
            ax.axvspan(a_s / 60.0, b_s / 60.0, **kw)

    for table, color, name in ((strides, "C1", "stride"), (intervals, "C2", "interval")):
        if table is None:
            continue
        for k, row in enumerate(table.itertuples(index=False)):
            span(
                row.start_elapsed_s,
                row.end_elapsed_s,
                row.start_distance_m,
                row.end_distance_m,
                color=color,
                alpha=0.25,
                lw=0,
                label=name if k == 0 else None,
                gid=name,
            )
    if kick is not None and kick.detected:
        span(
            kick.start_elapsed_s,
            kick.finish_elapsed_s,
            kick.start_distance_m,
            kick.finish_distance_m,
            color="C3",
            alpha=0.25,
            lw=0,
            label="kick",
            gid="kick",
        )
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize="small")
    return ax


def plot_splits(
    splits_table: pd.DataFrame,
    *,
    ax: Any = None,
    color: str = "C0",
    partial_color: str = "0.7",
) -> Any:
    """Pace per split as bars (faster splits are shorter bars), the partial split greyed.

    Parameters
    ----------
    splits_table : pandas.DataFrame
        A table from :func:`kickanalysis.splits` (or device laps): ``pace_s_per_km`` and
        ``partial``; ``split`` labels the bars when present.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.
    color, partial_color : str
        Bar colours of full and partial splits (any matplotlib colour).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ImportError
        matplotlib is missing (the ``plot`` extra).

    Examples
    --------
    >>> import kickanalysis as ka
    >>> from kickanalysis.plot import plot_splits
    >>> table = ka.splits(ka.read("data/samples/race_5k_kick.fit"))
    >>> ax = plot_splits(table)
    >>> len(ax.patches) == len(table), ax.get_ylabel()
    (True, 'pace [min:s/km]')
    """
    ax = _axes(ax, (7.0, 3.5))
    from matplotlib.ticker import FuncFormatter

    pace = splits_table["pace_s_per_km"].to_numpy(dtype=np.float64)
    partial = (
        splits_table["partial"].to_numpy(dtype=bool)
        if "partial" in splits_table
        else np.zeros(len(pace), dtype=bool)
    )
    labels = (
        [str(v) for v in splits_table["split"]]
        if "split" in splits_table
        else [str(i + 1) for i in range(len(pace))]
    )
    pos = np.arange(len(pace))
    bars = ax.bar(pos, pace, color=[partial_color if p else color for p in partial])
    for bar, p in zip(bars, partial):
        if p:
            bar.set_hatch("//")
            bar.set_label("partial")
    ax.set_xticks(pos, labels)
    ax.set_xlabel("split")
    ax.set_ylabel("pace [min:s/km]")
    ax.yaxis.set_major_formatter(FuncFormatter(_mmss))
    finite = pace[np.isfinite(pace)]
    if len(finite):
        lo, hi = float(finite.min()), float(finite.max())
        pad = max(5.0, 0.1 * (hi - lo))
        ax.set_ylim(max(0.0, lo - 3 * pad), hi + pad)
    ax.grid(True, axis="y", alpha=0.3)
    return ax
