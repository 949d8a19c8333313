"""How a run was paced: negative split, the shape of the race, a fast start.

References
----------
- Abbiss CR, Laursen PB (2008). Describing and understanding pacing strategies during
  athletic competition. *Sports Medicine* 38(3):239–252.
  doi:10.2165/00007256-200838030-00004. It names the profiles classified here: negative,
  positive, even, all-out, parabolic (U, J, reverse J) and variable.
- Sen PK (1968). Estimates of the regression coefficient based on Kendall's tau. *JASA*
  63(324):1379–1389. doi:10.1080/01621459.1968.10480934. It is the robust (Theil–Sen)
  slope used for the per-split trend.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import EmptyActivityError
from . import _integrate as ig
from ._prepare import Series, prepare

if TYPE_CHECKING:
    import pandas as pd

    from ..activity import Activity


def _fmt(seconds: float) -> str:
    if seconds != seconds:
        return "?"
    sign = "-" if seconds < 0 else ""
    s = abs(int(round(seconds)))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{sign}{h}:{m:02d}:{sec:02d}" if h else f"{sign}{m}:{sec:02d}"


class _Verdict:
    """Shared behaviour of the small result classes: dict and one-row frame forms."""

    def to_dict(self) -> dict[str, Any]:
        """The result as a plain dict (for batch tables)."""
        return asdict(self)  # type: ignore[call-overload]

    def to_frame(self) -> pd.DataFrame:
        """The result as a one-row DataFrame."""
        import pandas as pd

        return pd.DataFrame([self.to_dict()])


@dataclass(frozen=True)
class NegativeSplit(_Verdict):
    """First half against second half of a run, by distance.

    Attributes
    ----------
    verdict : str
        ``"negative"`` (second half faster), ``"even"`` or ``"positive"``.
    first_half_s, second_half_s : float
        Elapsed time of each half [s].
    difference_s : float
        Second half minus first half [s]; negative means a negative split.
    difference_pct : float
        ``difference_s`` relative to the first half [%].
    tolerance_pct : float
        The band within which the halves count as even [%].
    trend_s_per_km_per_km : float
        Robust (Theil–Sen) slope of split pace over distance [s/km per km]; negative
        when the splits got faster.
    consecutive_faster : int
        Longest run of consecutive full splits, each faster than the one before.
    distance_m : float
        Distance of the run [m].
    """

    verdict: str
    first_half_s: float
    second_half_s: float
    difference_s: float
    difference_pct: float
    tolerance_pct: float
    trend_s_per_km_per_km: float
    consecutive_faster: int
    distance_m: float

    def __repr__(self) -> str:
        return (
            f"NegativeSplit({self.verdict}: {_fmt(self.first_half_s)} / "
            f"{_fmt(self.second_half_s)}, {self.difference_s:+.0f} s "
            f"({self.difference_pct:+.1f} %), trend {self.trend_s_per_km_per_km:+.1f} s/km "
            f"per km, {self.consecutive_faster} consecutive faster splits)"
        )


def theil_sen_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Median of the pairwise slopes (Sen 1968); NaN with fewer than two points."""
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    if len(x) < 2:
        return float("nan")
    i, j = np.triu_indices(len(x), k=1)
    dx = x[j] - x[i]
    keep = dx != 0
    if not keep.any():
        return float("nan")
    return float(np.median((y[j] - y[i])[keep] / dx[keep]))


def _longest_faster_run(pace: np.ndarray) -> int:
    best = run = 0
    for a, b in zip(pace[:-1], pace[1:]):
        run = run + 1 if b < a else 0
        best = max(best, run)
    return best


def negative_split(
    activity: Activity | pd.DataFrame,
    *,
    tolerance_pct: float = 1.0,
    split_m: float = 1000.0,
) -> NegativeSplit:
    """Did the runner run the second half faster than the first?

    The halves are split at half the distance; the time at that point is interpolated
    between samples. The halves count as even when their times differ by at most
    ``tolerance_pct`` of the first half.

    Parameters
    ----------
    activity : Activity or pandas.DataFrame
        The run.
    tolerance_pct : float
        Half-width of the "even" band [%] (default 1 %).
    split_m : float
        Split length for the trend and the run of faster splits [m].

    Returns
    -------
    NegativeSplit

    Examples
    --------
    >>> import kickanalysis as ka
    >>> ns = ka.negative_split(ka.read("data/samples/race_5k_kick.fit"))
    >>> ns.verdict
    'negative'
    """
    s = activity if isinstance(activity, Series) else prepare(activity)
    t, d = s.time_s, s.distance_m
    total = d[-1] - d[0]
    if not total > 0:
        raise EmptyActivityError(s.source, "the run covers no distance")
    half_t = float(ig.interp_monotone(np.array([d[0] + total / 2]), d, t)[0])
    first, second = half_t - t[0], t[-1] - half_t
    diff = second - first
    pct = 100.0 * diff / first if first > 0 else float("nan")
    verdict = "even"
    if pct < -tolerance_pct:
        verdict = "negative"
    elif pct > tolerance_pct:
        verdict = "positive"
    b = ig.distance_boundaries(t, d, split_m)
    secs = np.diff(b.time_s)
    lengths = np.diff(b.distance_m)
    full = lengths >= split_m * (1 - 1e-9)
    pace = secs[full] / lengths[full] * 1000.0
    km = (b.distance_m[:-1][full] + lengths[full] / 2) / 1000.0
    return NegativeSplit(
        verdict=verdict,
        first_half_s=float(first),
        second_half_s=float(second),
        difference_s=float(diff),
        difference_pct=float(pct),
        tolerance_pct=float(tolerance_pct),
        trend_s_per_km_per_km=theil_sen_slope(km, pace) * (1000.0 / split_m),
        consecutive_faster=_longest_faster_run(pace),
        distance_m=float(total),
    )


@dataclass(frozen=True)
class PacingProfile(_Verdict):
    """The shape of a race's pacing (Abbiss & Laursen 2008).

    Attributes
    ----------
    profile : str
        One of ``"even"``, ``"negative"``, ``"positive"``, ``"all-out"``,
        ``"parabolic-U"``, ``"parabolic-J"``, ``"parabolic-reverse-J"``, ``"variable"``.
    segment_speed_rel : tuple of float
        Speed of each tenth of the distance relative to the mean speed (1.0 = average).
    start_rel, middle_rel, end_rel : float
        Mean relative speed of the first 20 %, the middle 40–60 % and the last 20 %.
    slope_rel : float
        Least-squares linear trend of the relative speed from start to finish (change in
        relative speed over the whole race).
    variability_pct : float
        Zig-zag of the inner segment speeds: RMS difference from the running median of
        three [% of mean].
    fast_start : bool
        Whether the opening was clearly faster than the pace held afterwards: the first
        tenth's speed more than ``fast_start_pct`` above the mean speed of the rest.
    first_segment_vs_rest_pct : float
        The first tenth's speed relative to the rest [%].
    """

    profile: str
    segment_speed_rel: tuple[float, ...]
    start_rel: float
    middle_rel: float
    end_rel: float
    slope_rel: float
    variability_pct: float
    fast_start: bool
    first_segment_vs_rest_pct: float

    def __repr__(self) -> str:
        shape = " ".join(f"{v:.2f}" for v in self.segment_speed_rel)
        fs = ", fast start" if self.fast_start else ""
        return f"PacingProfile({self.profile}{fs}: relative speed by tenth [{shape}])"


def pacing_profile(
    activity: Activity | pd.DataFrame,
    *,
    segments: int = 10,
    even_pct: float = 2.0,
    variable_pct: float = 3.0,
    fast_start_pct: float = 3.0,
) -> PacingProfile:
    """Classify the pacing shape of a race (Abbiss & Laursen 2008).

    The distance is cut into ``segments`` equal parts. The speed of each part, divided by
    the mean speed, is the race's shape. Abbiss & Laursen describe the profiles in words;
    this function turns them into the following rules, in this order:

    1. **variable**: the inner parts (all but the first and the last) differ from the
       running median of three neighbouring parts by more than ``variable_pct`` (RMS):
       the speed zig-zags, which no smooth or stepped shape does.
    2. **parabolic** (U, J, reverse J): the first and the last fifth are both faster than
       the middle (40–60 %) by more than ``even_pct``. It is **J** when the end is faster
       than the start by more than ``even_pct / 2``, **reverse J** when the start is
       faster by that much, and **U** otherwise.
    3. **all-out**: the first part is the fastest, more than ``2 × even_pct`` above the
       middle, and the speed falls from there to the finish (a declining linear trend of
       more than ``even_pct`` and a quadratic fit that never rises).
    4. **even**: the linear trend from start to finish changes the speed by at most
       ``even_pct``.
    5. **negative** / **positive**: otherwise, by the sign of that trend (faster / slower
       towards the finish).

    A **fast start** is flagged when the first part is more than ``fast_start_pct``
    faster than the mean of the rest of the race. That is the library's reading of an
    opening "clearly faster than the runner's sustainable pace for the rest"; the
    threshold is a parameter, not a value from the literature.

    Parameters
    ----------
    activity : Activity or pandas.DataFrame
        The race.
    segments : int
        Number of equal-distance parts (default 10).
    even_pct, variable_pct, fast_start_pct : float
        Thresholds [%] described above.

    Returns
    -------
    PacingProfile

    Examples
    --------
    >>> import kickanalysis as ka
    >>> ka.pacing_profile(ka.read("data/samples/race_5k_kick.fit")).profile
    'negative'
    """
    s = activity if isinstance(activity, Series) else prepare(activity)
    t, d = s.time_s, s.distance_m
    total = d[-1] - d[0]
    if not total > 0 or segments < 3:
        raise EmptyActivityError(s.source, "the run covers no distance")
    marks = d[0] + total * np.arange(segments + 1) / segments
    times = ig.interp_monotone(marks, d, t)
    moving = ig.between(times, t, s.cum_moving_s)
    dt = np.where(moving > 0, moving, np.diff(times))
    speed = (total / segments) / dt
    rel = speed / (total / dt.sum())
    x = (np.arange(segments) + 0.5) / segments
    coef = np.polyfit(x, rel, 2)
    # variability is zig-zag, not shape: each inner part against the median of itself and
    # its two neighbours (a step or a smooth curve leaves ~0, a fluctuation does not);
    # the first and last parts belong to the shape (a fast start, a kick)
    med3 = np.median(np.stack((rel[:-2], rel[1:-1], rel[2:])), axis=0)
    variability = float(np.sqrt(np.mean((rel[1:-1] - med3) ** 2)) * 100.0)
    slope = float(np.polyfit(x, rel, 1)[0])
    k = max(1, round(segments * 0.2))
    start, end = float(rel[:k].mean()), float(rel[-k:].mean())
    mid_lo, mid_hi = int(segments * 0.4), max(int(segments * 0.6), int(segments * 0.4) + 1)
    middle = float(rel[mid_lo:mid_hi].mean())
    band = even_pct / 100.0
    rest_speed = (total - total / segments) / dt[1:].sum()
    first_vs_rest = float((speed[0] / rest_speed - 1.0) * 100.0)
    fitted = np.polyval(coef, x)
    if variability > variable_pct:
        profile = "variable"
    elif start - middle > band and end - middle > band:
        if end - start > band / 2:
            profile = "parabolic-J"
        elif start - end > band / 2:
            profile = "parabolic-reverse-J"
        else:
            profile = "parabolic-U"
    elif (
        np.argmax(rel) == 0
        and rel[0] - middle > 2 * band
        and slope < -band
        and np.all(np.diff(fitted) <= 0)
    ):
        profile = "all-out"
    elif abs(slope) <= band:
        profile = "even"
    else:
        profile = "negative" if slope > 0 else "positive"
    return PacingProfile(
        profile=profile,
        segment_speed_rel=tuple(float(v) for v in rel),
        start_rel=start,
        middle_rel=middle,
        end_rel=end,
        slope_rel=slope,
        variability_pct=variability,
        fast_start=bool(first_vs_rest > fast_start_pct),
        first_segment_vs_rest_pct=first_vs_rest,
    )


__all__ = ["NegativeSplit", "PacingProfile", "negative_split", "pacing_profile", "theil_sen_slope"]
