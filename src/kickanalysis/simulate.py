"""Simulated runs with known ground truth.

:func:`simulate_run` makes a run the way a GPS watch would record it — an
:class:`~kickanalysis.activity.Activity` exactly like a reader returns — together with the
truth that was planted in it: the true per-second motion, exact split times, strides,
intervals, a final kick, a fade, pauses, GPS spikes and the pacing of the two halves.
Analyses can be tested against the truth, and the activity round-trips through
:func:`kickanalysis.write_fit` / :func:`kickanalysis.write_gpx` and :func:`kickanalysis.read`
(its values are already at the resolution a watch records).

Every random draw comes from one :class:`numpy.random.Generator` seeded by ``seed``: the
same arguments give the same run, value for value.

The model, step by step (all at 1 s resolution):

1. **Course.** A built-in closed loop (``"flat"``: a 2 km park loop with ±1 m of
   undulation; ``"hilly"``: a 5 km loop of rolling hills with grades up to ±8 %) or the
   positions and elevation of a given course :class:`Activity` (run out and back when the
   run is longer than the course). The course is resampled on a 1 m grid; grade is the
   slope of its elevation smoothed over 31 m.
2. **Speed.** A target speed from the pace (or ``segments``), shaped by a negative split
   or a fade, overridden by planted strides, intervals, pauses and the kick. With
   ``constant_effort`` the runner slows uphill and speeds up downhill by a linear rule of
   thumb (:func:`grade_pace_factor`: pace ×(1 + 3.3·g) uphill, ×(1 + 1.8·g) downhill
   down to −10 %; not a published model). Natural variation is multiplicative AR(1)
   noise (time constant 20 s). The runner follows the target with limited acceleration
   (+0.8 m/s², −1.5 m/s²); the true speed is constant within each second, so true
   distance is exactly linear between the seconds.
3. **GPS.** Position error in metres east/north: an Ornstein-Uhlenbeck (AR(1)) process
   per axis with correlation time ``gps_correlation_s``, scaled so that the horizontal
   RMS error is ``gps_noise_m``, plus rare spikes (15–60 m jumps lasting 1–4 s, a Poisson
   number at ``gps_spike_rate_per_h``).
4. **Device values.** Speed as the true speed times a slowly varying scale error (AR(1),
   standard deviation ``distance_error_pct``, time constant 300 s) plus small AR(1)
   noise; distance as the sum of that speed (a watch fusing GPS and accelerometer, so GPS
   spikes do not add distance); barometric elevation with a slow drift (σ 1 m) and 0.1 m
   noise; cadence rising with speed (0 when standing).
5. **Heart rate.** A first-order response with a dead time of 4 s to an effort-driven
   target (grade-adjusted speed), faster on the way up (τ 30 s) than on the way down
   (τ 50 s), as in the first-order models of heart rate kinetics (Stirling et al. 2008,
   *J. Nonlinear Math. Phys.* 15 Suppl. 3:426-436; first- and second-order models are
   compared in *Identification of heart rate dynamics during treadmill exercise*,
   BioMed. Eng. OnLine 2021, doi:10.1186/s12938-021-00875-7), plus
   cardiovascular drift of ``hr_drift_bpm_per_h`` (Coyle & González-Alonso 2001,
   *Exerc. Sport Sci. Rev.* 29(2):88-92) and 1 bpm measurement noise.
6. **Recording.** Every second (``sampling="1s"``) or "smart" (1–8 s gaps, long when
   speed is steady, short when it changes, always at the start and end of planted events
   and stops). Values are rounded to what a watch stores: positions to FIT semicircles,
   elevation to 0.2 m, distance to 0.01 m, speed to 0.001 m/s, heart rate to 1 bpm,
   cadence to even steps per minute; times are whole seconds.
7. **Mess** (all off by default; ``realistic=True`` turns on a plausible mix). Real
   runs are untidy: walk breaks (30 s – 3 min at 1.3–1.8 m/s, then running again),
   brief slowdowns without stopping (50–80 % of the speed for 5–30 s), bursts of pace
   drift (5–10 % faster for 40–120 s over gradual ramps), hills that cost more or less
   than :func:`grade_pace_factor` (a slowly varying factor on its effect), periods of
   degraded GPS (2.5–4 × the position error for 2–6 min) and Doppler noise on the
   watch's own speed (0.1–0.3 m/s per sample in real devices, more under degraded GPS).
   Each is planted in the truth (``walk_breaks``, ``slowdowns``, ``pace_drift``,
   ``gps_degraded`` tables, per-second columns) and drawn from its own random
   generator, so adding mess leaves the run underneath unchanged.

Device laps are 1 km auto laps by the device distance, as a watch makes them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from .geo import EARTH_RADIUS_M, path_distance_m
from .schema import EVENT_COLUMNS, SPLIT_DTYPES, records_frame, splits_frame

if TYPE_CHECKING:
    from .activity import Activity

__all__ = [
    "DriftSpec",
    "FadeSpec",
    "FadeTruth",
    "GpsDegradedSpec",
    "IntervalSpec",
    "KickSpec",
    "KickTruth",
    "PacingTruth",
    "PauseSpec",
    "RunTruth",
    "SimulatedRun",
    "SlowdownSpec",
    "StrideSpec",
    "WalkBreakSpec",
    "grade_pace_factor",
    "simulate_course",
    "simulate_run",
]

#: Where the built-in courses start [deg]: an arbitrary point (no real course is traced).
ORIGIN_LAT_DEG, ORIGIN_LON_DEG = 46.75, 7.60
#: Start time of a simulated run unless given.
DEFAULT_START = "2024-05-04T07:00:00Z"

_SEMICIRCLE_DEG = 180.0 / 2**31
_ACCEL_UP_MPS2 = 0.8
_ACCEL_DOWN_MPS2 = 1.5
_FOLLOW_GAIN = 0.5  # fraction of the speed gap closed per second (within the limits)
_VARIATION_TAU_S = 20.0
_HR_DELAY_S = 4
_HR_TAU_UP_S = 30.0
_HR_TAU_DOWN_S = 50.0
_GRADE_TAU_S = 240.0  # time constant of the runner's own response to hills
_MESS_MARGIN_S = 30.0  # random mess keeps this far from planted blocks
_GPS_RAMP_S = 20.0  # degraded GPS comes and goes over this time
_SPEED_NOISE_TAU_S = 2.0  # time constant of the device speed noise
_CADENCE_NOISE_SPM = 1.5  # standard deviation of the cadence noise (before rounding)
_CADENCE_NOISE_TAU_S = 5.0  # its time constant
_MESS_KINDS = ("walk", "slowdown", "drift")
_NS = 1_000_000_000


# =========================================================================== specs
@dataclass(frozen=True)
class StrideSpec:
    """A set of strides: short fast surges with easy running between them.

    Attributes
    ----------
    count : int
        Number of strides (typically 4–10).
    duration_s : float
        Length of each surge [s] (typically 8–30).
    recovery_s : float
        Easy running between two strides [s].
    speed_mps : float, optional
        Surge speed on the flat [m/s]; by default 1.7 × the base speed (at most 7 m/s).
    start_m, start_s : float, optional
        Where the set starts: a distance [m] or a time [s] into the run. By default the
        set ends about 600 m before the finish (a duration-based run: 4 min before).
    jitter : float
        Relative variation of each stride's duration and speed (uniform ±jitter).
    """

    count: int = 6
    duration_s: float = 20.0
    recovery_s: float = 60.0
    speed_mps: float | None = None
    start_m: float | None = None
    start_s: float | None = None
    jitter: float = 0.1


@dataclass(frozen=True)
class IntervalSpec:
    """Speedwork: repetitions by distance or time with recoveries between them.

    Attributes
    ----------
    reps : int
        Number of repetitions.
    distance_m, duration_s : float, optional
        Length of a repetition, as a distance [m] or a time [s] (one of them; 800 m when
        neither is given).
    speed_mps : float, optional
        Repetition speed on the flat [m/s]; by default 1.3 × the base speed.
    recovery_s, recovery_m : float, optional
        Recovery between repetitions, as a time [s] (default 90 s) or a distance [m].
    recovery_speed_mps : float, optional
        Jogging speed during recoveries [m/s]; by default 0.75 × the base speed.
    start_m, start_s : float, optional
        Where the first repetition starts; by default after a 2 km warm-up (a
        duration-based run: after 12 min).
    """

    reps: int = 6
    distance_m: float | None = None
    duration_s: float | None = None
    speed_mps: float | None = None
    recovery_s: float | None = None
    recovery_m: float | None = None
    recovery_speed_mps: float | None = None
    start_m: float | None = None
    start_s: float | None = None


@dataclass(frozen=True)
class KickSpec:
    """A final kick: a sustained rise in speed over the end of the run.

    Attributes
    ----------
    distance_m : float
        Length of the kick before the finish [m] (typically 100–800).
    speed_increase_pct : float
        Kick speed relative to the base speed at the start of the kick [%].
    speed_mps : float, optional
        Kick speed on the flat [m/s]; overrides ``speed_increase_pct``.
    build_m : float
        Distance over which the runner builds up to the kick speed [m].
    """

    distance_m: float = 400.0
    speed_increase_pct: float = 25.0
    speed_mps: float | None = None
    build_m: float = 50.0


@dataclass(frozen=True)
class FadeSpec:
    """A fade: the runner slows down progressively towards the finish.

    Attributes
    ----------
    slowdown_pct : float
        Speed at the finish below the speed when the fade starts [%].
    start_fraction : float
        Where the fade starts, as a fraction of the distance (or duration) [0–1].
    """

    slowdown_pct: float = 8.0
    start_fraction: float = 0.5


@dataclass(frozen=True)
class PauseSpec:
    """A stop: the runner stands still (a traffic light, a drink).

    Attributes
    ----------
    at_m, at_s : float, optional
        Where the runner starts to stop: a distance [m] or a time [s] into the run.
    duration_s : float
        Time standing still [s].
    timer_stopped : bool
        The watch timer is stopped while standing (no samples; a FIT timer stop/start,
        ``meta.pauses``); otherwise the watch keeps recording speed 0.
    """

    at_m: float | None = None
    at_s: float | None = None
    duration_s: float = 40.0
    timer_stopped: bool = False


@dataclass(frozen=True)
class WalkBreakSpec:
    """A walk break: the runner walks for a while, then runs again.

    Attributes
    ----------
    at_m, at_s : float, optional
        Where the walk starts: a distance [m] or a time [s] into the run.
    duration_s : float
        Time walking [s] (real walk breaks: 30 s – 3 min).
    speed_mps : float
        Walking speed on the flat [m/s] (typically 1.3–1.8).
    """

    at_m: float | None = None
    at_s: float | None = None
    duration_s: float = 60.0
    speed_mps: float = 1.5


@dataclass(frozen=True)
class SlowdownSpec:
    """A brief slowdown without stopping: a road crossing, a sharp turn, a drink.

    Attributes
    ----------
    at_m, at_s : float, optional
        Where the slowdown starts: a distance [m] or a time [s] into the run.
    duration_s : float
        Time at the lower speed [s] (typically 5–30).
    speed_fraction : float
        Target speed as a fraction of the base target speed [-] (typically 0.5–0.8).
    """

    at_m: float | None = None
    at_s: float | None = None
    duration_s: float = 15.0
    speed_fraction: float = 0.65


@dataclass(frozen=True)
class DriftSpec:
    """A burst of pace drift: the runner drifts faster (chatting, chasing) and back.

    Attributes
    ----------
    at_m, at_s : float, optional
        Where the drift starts: a distance [m] or a time [s] into the run.
    duration_s : float
        Its length, ramps included [s] (typically 40–120).
    change_pct : float
        Change of the target speed at its height [%] (typically +5 to +10; negative
        drifts slower).
    ramp_s : float
        Time to drift to the changed speed and back again at the end [s] (linear ramps).
    """

    at_m: float | None = None
    at_s: float | None = None
    duration_s: float = 60.0
    change_pct: float = 7.0
    ramp_s: float = 15.0


@dataclass(frozen=True)
class GpsDegradedSpec:
    """A period of degraded GPS (trees, buildings): larger position and speed noise.

    Attributes
    ----------
    at_m, at_s : float, optional
        Where the period starts: a distance [m] or a time [s] into the run.
    duration_s : float
        Its length [s] (typically 2–6 min).
    noise_factor : float
        Factor on the GPS position error and on the device speed noise [-] (reached
        after a 20 s ramp, left with a 20 s ramp at the end).
    """

    at_m: float | None = None
    at_s: float | None = None
    duration_s: float = 180.0
    noise_factor: float = 3.0


# =========================================================================== truth
@dataclass(frozen=True)
class KickTruth:
    """The planted final kick.

    Attributes
    ----------
    start_time : pandas.Timestamp
        When the kick starts (UTC).
    start_elapsed_s, start_distance_m : float
        Its start [s since the start, m of true distance].
    distance_m, duration_s : float
        Its length [m] and duration [s] up to the finish.
    baseline_speed_mps : float
        Mean true speed over the 500 m before the kick [m/s].
    kick_speed_mps : float
        Mean true speed over the kick [m/s].
    peak_speed_mps : float
        Highest true speed during the kick [m/s].
    """

    start_time: pd.Timestamp
    start_elapsed_s: float
    start_distance_m: float
    distance_m: float
    duration_s: float
    baseline_speed_mps: float
    kick_speed_mps: float
    peak_speed_mps: float

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class FadeTruth:
    """The planted fade.

    Attributes
    ----------
    start_time : pandas.Timestamp
        When the fade starts (UTC).
    start_elapsed_s, start_distance_m : float
        Its start [s, m].
    slowdown_pct : float
        Planned slowdown of the target speed at the finish [%].
    speed_before_mps : float
        Mean true speed over the 1 km before the fade starts [m/s].
    speed_last_km_mps : float
        Mean true speed over the last km [m/s].
    """

    start_time: pd.Timestamp
    start_elapsed_s: float
    start_distance_m: float
    slowdown_pct: float
    speed_before_mps: float
    speed_last_km_mps: float

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class PacingTruth:
    """The true pacing of the run, from the true distance.

    Attributes
    ----------
    total_time_s : float
        Time to cover ``total_distance_m``, stops included [s].
    total_distance_m : float
        The run's distance [m] (the planned distance of a distance-based run).
    first_half_s, second_half_s : float
        Times for the first and second half of the distance, stops included [s].
    negative_split_pct : float
        ``100 * (first_half_s - second_half_s) / first_half_s`` [%]: positive when the
        second half is faster (a negative split), negative when it is slower.
    """

    total_time_s: float
    total_distance_m: float
    first_half_s: float
    second_half_s: float
    negative_split_pct: float

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class RunTruth:
    """Everything that was planted in a simulated run.

    Attributes
    ----------
    samples : pandas.DataFrame
        One row per second (every second, recorded or not), indexed by UTC ``time``:
        ``elapsed_s``, true ``distance_m``, ``speed_mps`` (constant over the second that
        ends at the row), ``target_speed_mps``, ``elevation_m``, ``grade`` [m/m],
        ``effort_speed_mps`` (speed × :func:`grade_pace_factor`: the flat speed of the
        same effort), ``lat_deg``/``lon_deg`` (true position), ``gps_error_east_m`` /
        ``gps_error_north_m`` (what the watch added, spikes included), ``gps_spike``,
        ``heart_rate_bpm`` (the model, before measurement noise), ``phase`` (``"run"``,
        ``"stride"``, ``"recovery"``, ``"rep"``, ``"rest"``, ``"stop"``, ``"kick"``,
        ``"walk"``, ``"slowdown"``, ``"drift"``), ``grade_response`` (the factor on the
        grade effect of :func:`grade_pace_factor` [-]; 1 without ``grade_response_sd``),
        ``gps_noise_factor`` (factor on the GPS and speed noise [-]; above 1 in degraded
        periods), ``device_speed_noise_mps`` (what the watch's speed noise added to the
        recorded speed [m/s]), ``timer_running`` and ``recorded`` (whether the activity
        has the sample).
    splits : pandas.DataFrame
        Exact split times per km of true distance (the last one partial): ``split``,
        ``start_time``, ``end_time``, ``start_elapsed_s``, ``end_elapsed_s``,
        ``start_distance_m``, ``end_distance_m``, ``distance_m``, ``duration_s`` (stops
        included; they sum to ``pacing.total_time_s``), ``pace_s_per_km``, ``partial``.
    strides, intervals : pandas.DataFrame
        One row per planted stride / repetition: the event columns
        (:data:`kickanalysis.schema.EVENT_COLUMNS`: when the surge was commanded) and
        ``mean_speed_mps``, ``peak_speed_mps``, ``target_speed_mps`` (and ``rep`` /
        ``stride`` numbers).
    kick : KickTruth or None
        The planted kick.
    fade : FadeTruth or None
        The planted fade.
    pauses : pandas.DataFrame
        One row per stop, standing still from ``start`` to ``end`` (event columns,
        ``timer_stopped``).
    gps_spikes : pandas.DataFrame
        One row per GPS spike (event columns with the distance columns of the true
        position, ``offset_m``).
    pacing : PacingTruth
        Total time and the two halves.
    params : Mapping
        The arguments of :func:`simulate_run` that made the run.
    walk_breaks : pandas.DataFrame
        One row per walk break (the event columns: when the walk was commanded, until
        the runner was told to run again), ``walk`` (its number), ``mean_speed_mps``
        (true mean speed over it) and ``target_speed_mps`` (the flat walking speed).
    slowdowns : pandas.DataFrame
        One row per brief slowdown: the event columns, ``slowdown``,
        ``mean_speed_mps``, ``min_speed_mps`` (lowest true speed in it) and
        ``speed_fraction`` (target speed / base target speed).
    pace_drift : pandas.DataFrame
        One row per burst of pace drift: the event columns (ramps included), ``drift``,
        ``mean_speed_mps``, ``peak_speed_mps`` and ``change_pct`` (planned change of the
        target speed at its height [%]).
    gps_degraded : pandas.DataFrame
        One row per period of degraded GPS: the event columns (ramps included) and
        ``noise_factor`` (the factor on the GPS and device speed noise at its height).
    """

    samples: pd.DataFrame
    splits: pd.DataFrame
    strides: pd.DataFrame
    intervals: pd.DataFrame
    kick: KickTruth | None
    fade: FadeTruth | None
    pauses: pd.DataFrame
    gps_spikes: pd.DataFrame
    pacing: PacingTruth
    params: Mapping[str, Any] = field(default_factory=dict)
    walk_breaks: pd.DataFrame = field(default_factory=lambda: _mess_table("walk_breaks"))
    slowdowns: pd.DataFrame = field(default_factory=lambda: _mess_table("slowdowns"))
    pace_drift: pd.DataFrame = field(default_factory=lambda: _mess_table("pace_drift"))
    gps_degraded: pd.DataFrame = field(default_factory=lambda: _mess_table("gps_degraded"))


@dataclass(frozen=True, repr=False)
class SimulatedRun:
    """A simulated run: what the watch recorded and the truth behind it.

    Attributes
    ----------
    activity : Activity
        The recording, exactly as a reader returns one (``meta.format == "sim"``).
    truth : RunTruth
        The planted ground truth.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> sim = ka.simulate_run(distance_m=3000, pace_s_per_km=300, seed=1)
    >>> round(sim.truth.pacing.total_time_s / 60)
    15
    >>> ka.read(ka.write_fit(sim.activity)).records.shape == sim.activity.records.shape
    True
    """

    activity: Activity
    truth: RunTruth

    def __repr__(self) -> str:
        p = self.truth.pacing
        parts = [f"{p.total_distance_m / 1000:.2f} km in {p.total_time_s:.0f} s"]
        for name in (
            "strides",
            "intervals",
            "pauses",
            "gps_spikes",
            "walk_breaks",
            "slowdowns",
            "pace_drift",
            "gps_degraded",
        ):
            n = len(getattr(self.truth, name))
            if n:
                parts.append(f"{n} {name}")
        if self.truth.kick is not None:
            parts.append(f"kick over {self.truth.kick.distance_m:.0f} m")
        if self.truth.fade is not None:
            parts.append("fade")
        return f"<SimulatedRun {', '.join(parts)}; {len(self.activity.records)} samples>"


# =========================================================================== courses
def grade_pace_factor(grade: Any) -> np.ndarray:
    """How much longer a km takes at the same effort on a slope.

    A linear rule of thumb (not a published model): uphill, pace is 3.3 % slower per 1 %
    of grade; downhill, 1.8 % faster per 1 % down to −10 %, and from there the benefit
    shrinks again (steep descents are braked).

    Parameters
    ----------
    grade : array_like
        Slope [m/m] (0.05 = 5 % uphill).

    Returns
    -------
    numpy.ndarray
        Pace factor [-]: flat speed / speed on the slope at the same effort.

    Examples
    --------
    >>> grade_pace_factor([0.0, 0.05, -0.05]).round(3)
    array([1.   , 1.165, 0.91 ])
    """
    g = np.asarray(grade, dtype=np.float64)
    down = np.where(g >= -0.10, 1.0 + 1.8 * g, 0.82 - 1.0 * (g + 0.10))
    return np.where(g >= 0, 1.0 + 3.3 * g, down)


def _pace_factor(g: float) -> float:
    """:func:`grade_pace_factor` for one grade (no numpy overhead)."""
    if g >= 0:
        return 1.0 + 3.3 * g
    if g >= -0.10:
        return 1.0 + 1.8 * g
    return 0.82 - 1.0 * (g + 0.10)


@dataclass(frozen=True)
class _Course:
    """A course on a 1 m grid: local east/north [m] around a reference point."""

    x_m: np.ndarray
    y_m: np.ndarray
    elevation_m: np.ndarray
    grade: np.ndarray
    closed: bool
    lat0_deg: float
    lon0_deg: float

    @property
    def length_m(self) -> float:
        return float(len(self.x_m) - 1)

    def along(self, distance_m: np.ndarray) -> np.ndarray:
        """Position along the course [m] after *distance_m* (looped, or out and back)."""
        d = np.asarray(distance_m, dtype=np.float64)
        length = self.length_m
        if self.closed:
            return np.mod(d, length)
        m = np.mod(d, 2 * length)
        return np.where(m <= length, m, 2 * length - m)

    def at(self, distance_m: np.ndarray) -> tuple[np.ndarray, ...]:
        """Latitude, longitude [deg], elevation [m] and grade after *distance_m*."""
        s = self.along(distance_m)
        grid = np.arange(len(self.x_m), dtype=np.float64)
        x = np.interp(s, grid, self.x_m)
        y = np.interp(s, grid, self.y_m)
        lat, lon = self.to_latlon(x, y)
        ele = np.interp(s, grid, self.elevation_m)
        grade = np.interp(s, grid, self.grade)
        if not self.closed:  # on the way back the slope is reversed
            back = np.mod(np.asarray(distance_m, dtype=np.float64), 2 * self.length_m)
            grade = np.where(back > self.length_m, -grade, grade)
        return lat, lon, ele, grade

    def grade_at(self, distance_m: float) -> float:
        """Grade [m/m] after *distance_m* (a scalar: the runner's inner loop)."""
        length = self.length_m
        sign = 1.0
        if self.closed:
            s = distance_m % length
        else:
            s = distance_m % (2 * length)
            if s > length:
                s, sign = 2 * length - s, -1.0
        i = min(int(s), len(self.grade) - 2)
        f = s - i
        return sign * (self.grade[i] * (1.0 - f) + self.grade[i + 1] * f)

    def to_latlon(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lat = self.lat0_deg + np.degrees(np.asarray(y) / EARTH_RADIUS_M)
        lon = self.lon0_deg + np.degrees(
            np.asarray(x) / (EARTH_RADIUS_M * math.cos(math.radians(self.lat0_deg)))
        )
        return lat, lon


def _smooth(values: np.ndarray, width: int, *, closed: bool) -> np.ndarray:
    """Centred moving average over *width* points (wrapping round on a closed course)."""
    half = width // 2
    if closed:
        padded = np.concatenate((values[-half - 1 : -1], values, values[1 : half + 1]))
    else:
        padded = np.concatenate((np.full(half, values[0]), values, np.full(half, values[-1])))
    kernel = np.ones(2 * half + 1) / (2 * half + 1)
    return np.convolve(padded, kernel, mode="valid")


def _finish_course(
    s: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    ele: np.ndarray,
    closed: bool,
    lat0: float,
    lon0: float,
) -> _Course:
    """Resample a polyline (cumulative distance *s*) on a 1 m grid and derive the grade."""
    length = float(s[-1])
    grid = np.arange(0.0, math.floor(length) + 1.0)
    grid[-1] = length if closed else grid[-1]
    xs, ys, es = np.interp(grid, s, x), np.interp(grid, s, y), np.interp(grid, s, ele)
    smooth = _smooth(es, 31, closed=closed)
    grade = np.gradient(smooth)
    if closed:  # the derivative across the start/finish seam
        grade[0] = grade[-1] = (smooth[1] - smooth[-2]) / 2.0
    grade = np.clip(grade, -0.3, 0.3)
    return _Course(xs, ys, es, grade, closed, lat0, lon0)


def _loop_shape(length_m: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A smooth potato-shaped closed loop: cumulative distance, east, north [m]."""
    rng = np.random.default_rng(seed)
    theta = np.linspace(0.0, 2 * np.pi, 4001)
    a2, a3, a5 = rng.uniform(0.10, 0.22), rng.uniform(0.03, 0.08), rng.uniform(0.0, 0.02)
    p2, p3, p5 = rng.uniform(0, 2 * np.pi, 3)
    radius = 1.0 + a2 * np.cos(2 * theta + p2) + a3 * np.sin(3 * theta + p3)
    radius += a5 * np.cos(5 * theta + p5)
    x, y = radius * np.cos(theta), radius * np.sin(theta)
    x, y = x - x[0], y - y[0]
    step = np.hypot(np.diff(x), np.diff(y))
    scale = length_m / step.sum()
    s = np.concatenate(([0.0], np.cumsum(step))) * scale
    s[-1] = length_m
    return s, x * scale, y * scale


def _builtin_course(kind: str, length_m: float | None) -> _Course:
    if kind == "flat":
        length = 2000.0 if length_m is None else float(length_m)
        s, x, y = _loop_shape(length, 7)
        phase = 2 * np.pi * s / length
        laps = max(1, round(length / 1000.0))
        ele = 412.0 + 1.0 * np.sin(laps * phase) + 0.4 * np.sin(3 * laps * phase + 1.0)
    elif kind == "hilly":
        length = 5000.0 if length_m is None else float(length_m)
        s, x, y = _loop_shape(length, 23)
        phase = 2 * np.pi * s / length
        ele = np.zeros_like(s)
        # rolling hills of about 2.5 km, 1.2 km and 700 m, a whole number per loop
        for wavelength, amp, ph in ((2500.0, 14.0, 0.3), (1200.0, 7.0, 1.9), (700.0, 3.5, 4.1)):
            k = max(1, round(length / wavelength))
            ele += amp * np.sin(k * phase + ph) - amp * np.sin(ph)
        dense = np.interp(np.arange(0.0, length + 1.0), s, ele)
        steepest = np.abs(np.gradient(_smooth(dense, 31, closed=True))).max()
        ele = 480.0 + ele * (0.08 / steepest)  # the steepest grade is 8 %
    else:
        raise ValueError(f"unknown course {kind!r}: use 'flat', 'hilly' or an Activity")
    return _finish_course(s, x, y, ele, True, ORIGIN_LAT_DEG, ORIGIN_LON_DEG)


def _course_from_activity(course: Activity) -> _Course:
    from .errors import EmptyActivityError

    rec = course.records
    lat = rec["lat_deg"].to_numpy(dtype=np.float64, na_value=np.nan)
    lon = rec["lon_deg"].to_numpy(dtype=np.float64, na_value=np.nan)
    ok = np.isfinite(lat) & np.isfinite(lon)
    if ok.sum() < 2:
        raise EmptyActivityError(course.meta.source, "the course has fewer than two positions")
    lat, lon = lat[ok], lon[ok]
    ele = rec["elevation_m"].to_numpy(dtype=np.float64, na_value=np.nan)[ok]
    if np.isfinite(ele).any():
        idx = np.arange(len(ele))
        good = np.isfinite(ele)
        ele = np.interp(idx, idx[good], ele[good])
    else:
        ele = np.zeros(len(lat))
    lat0, lon0 = float(lat[0]), float(lon[0])
    y = np.radians(lat - lat0) * EARTH_RADIUS_M
    x = np.radians(lon - lon0) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
    s = path_distance_m(lat, lon)
    keep = np.concatenate(([True], np.diff(s) > 1e-6))
    s, x, y, ele = s[keep], x[keep], y[keep], ele[keep]
    if s[-1] < 10.0:
        raise EmptyActivityError(course.meta.source, "the course is shorter than 10 m")
    closed = math.hypot(x[-1] - x[0], y[-1] - y[0]) < 30.0
    return _finish_course(s, x, y, ele, closed, lat0, lon0)


def _make_course(course: Any, length_m: float | None = None) -> _Course:
    if course is None:
        return _builtin_course("flat", length_m)
    if isinstance(course, str):
        return _builtin_course(course, length_m)
    if hasattr(course, "records") and hasattr(course, "meta"):
        return _course_from_activity(course)
    raise TypeError("course must be 'flat', 'hilly', None or an Activity")


def simulate_course(
    course: Literal["flat", "hilly"] = "hilly",
    *,
    length_m: float = 10_000.0,
    spacing_m: float = 25.0,
    name: str | None = None,
) -> Activity:
    """A course (a route without times) to plan a race on or to run with :func:`simulate_run`.

    Parameters
    ----------
    course : {"flat", "hilly"}
        A closed loop with ±1 m of undulation, or rolling hills with grades up to ±8 %.
    length_m : float
        Length of the loop [m].
    spacing_m : float
        Distance between the route points [m].
    name : str, optional
        ``meta.name``; by default e.g. ``"Hilly 10 km course"``.

    Returns
    -------
    Activity
        Records with positions (7 decimals), elevation [m, 0.1 m] and the distance along
        the course [m]; no times (``meta.extra["timed"] is False``, so
        :func:`kickanalysis.write_gpx` writes a ``<rte>``); ``meta.format == "sim"``.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> route = ka.simulate_course("hilly", length_m=5000)
    >>> round(float(route.records["distance_m"].iloc[-1]))
    5000
    >>> ka.write_gpx(route)[:38]
    b'<?xml version="1.0" encoding="UTF-8"?>'
    """
    from .activity import Activity, Meta
    from .schema import empty_splits

    c = _builtin_course(course, length_m)
    n = max(2, int(round(length_m / spacing_m)) + 1)
    d = np.linspace(0.0, length_m, n)
    lat, lon, ele, _ = c.at(d)
    lat, lon = np.round(lat, 7), np.round(lon, 7)
    lat[-1], lon[-1] = lat[0], lon[0]  # a loop ends where it starts
    time_ns = pd.Timestamp(DEFAULT_START).value + np.arange(n, dtype=np.int64) * _NS
    records = records_frame(
        time_ns,
        {"lat_deg": lat, "lon_deg": lon, "elevation_m": np.round(ele, 1), "distance_m": d},
    )
    title = name or f"{course.capitalize()} {length_m / 1000:g} km course"
    meta = Meta(
        format="sim",
        source=f"simulate_course({course!r}, length_m={length_m:g})",
        sport="running",
        name=title,
        extra={"timed": False, "kind": "route"},
    )
    return Activity(records=records, laps=empty_splits(), meta=meta)


# =========================================================================== planning
@dataclass
class _Phase:
    kind: str  # stride, recovery, rep, rest, stop, kick, walk, slowdown, drift
    speed: float | None  # flat target speed [m/s]; None = the base target
    until: str  # "s" (seconds in phase), "m" (metres in phase), "hold", "finish"
    amount: float
    label: int = 0  # number of the stride / rep
    timer_stopped: bool = False
    factor: float = 1.0  # on the base target (slowdown, drift) at its height
    ramp_s: float = 0.0  # linear ramps of the factor at both ends [s]


@dataclass
class _Block:
    name: str  # strides, intervals, pause, kick
    trigger: str  # "m" or "s"
    at: float
    phases: list[_Phase]
    optional: bool = False  # random mess: dropped when it falls due near a planted block


def _coerce(cls: type, value: Any, shorthand: str) -> Any:
    if value is None or value is False:
        return None
    if value is True:
        return cls()
    if isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        return cls(**value)
    if isinstance(value, (int, float)):
        return cls(**{shorthand: value})
    raise TypeError(f"expected {cls.__name__}, a mapping or a number, got {value!r}")


def _segments(segments: Sequence[Mapping[str, float]]) -> list[tuple[str, float, float]]:
    out = []
    for seg in segments:
        seg = dict(seg)
        unknown = set(seg) - {"distance_m", "duration_s", "pace_s_per_km", "speed_mps"}
        if unknown:
            raise TypeError(f"unknown segment keys: {sorted(unknown)}")
        if ("distance_m" in seg) == ("duration_s" in seg):
            raise ValueError("each segment needs exactly one of distance_m or duration_s")
        if ("pace_s_per_km" in seg) == ("speed_mps" in seg):
            raise ValueError("each segment needs exactly one of pace_s_per_km or speed_mps")
        speed = seg.get("speed_mps") or 1000.0 / seg["pace_s_per_km"]
        kind = "m" if "distance_m" in seg else "s"
        out.append((kind, float(seg["distance_m" if kind == "m" else "duration_s"]), speed))
    if not out:
        raise ValueError("segments is empty")
    return out


# =========================================================================== the runner
def _ar1(rng: np.random.Generator, n: int, sigma: float, tau_s: float, dims: int = 1) -> np.ndarray:
    """Stationary AR(1) (sampled Ornstein-Uhlenbeck) noise at 1 s steps, std *sigma*."""
    out = np.zeros((n, dims))
    if n == 0 or sigma <= 0:
        return out[:, 0] if dims == 1 else out
    phi = math.exp(-1.0 / tau_s)
    innov = rng.normal(0.0, sigma * math.sqrt(1.0 - phi * phi), (n, dims))
    innov[0] = rng.normal(0.0, sigma, dims)
    prev = innov[0]
    out[0] = prev
    for i in range(1, n):
        prev = phi * prev + innov[i]
        out[i] = prev
    return out[:, 0] if dims == 1 else out


def _hr_model(
    effort_mps: np.ndarray,
    moving: np.ndarray,
    *,
    rest_bpm: float,
    max_bpm: float,
    drift_bpm_per_h: float,
    start_bpm: float,
) -> np.ndarray:
    """Heart rate [bpm] following the effort through a dead time and a first-order lag."""
    n = len(effort_mps)
    intensity = np.clip(0.107 + 0.171 * effort_mps, 0.1, 1.0)
    moving_h = np.cumsum(moving) / 3600.0
    target = rest_bpm + (max_bpm - rest_bpm) * intensity + drift_bpm_per_h * moving_h
    target = np.minimum(target, max_bpm)
    delayed = np.concatenate((np.full(_HR_DELAY_S, target[0]), target[:-_HR_DELAY_S]))[:n]
    up, down = 1.0 - math.exp(-1.0 / _HR_TAU_UP_S), 1.0 - math.exp(-1.0 / _HR_TAU_DOWN_S)
    hr = np.empty(n)
    h = start_bpm
    for i in range(n):
        goal = delayed[i]
        h += (goal - h) * (up if goal > h else down)
        hr[i] = h
    return hr


def _time_at(t: np.ndarray, d: np.ndarray, x: Any) -> np.ndarray:
    """First time the true distance reaches *x* (exact: speed is constant within a second)."""
    x = np.atleast_1d(np.asarray(x, dtype=np.float64))
    i = np.clip(np.searchsorted(d, x, side="left"), 1, len(d) - 1)
    d0, d1 = d[i - 1], d[i]
    frac = np.where(d1 > d0, (x - d0) / np.where(d1 > d0, d1 - d0, 1.0), 0.0)
    out = t[i - 1] + frac * (t[i] - t[i - 1])
    return np.where(x <= d[0], t[0], out)


def _event_table(rows: list[dict[str, Any]], start_ns: int, extra: dict[str, str]) -> pd.DataFrame:
    cols: dict[str, Any] = {}
    for name in EVENT_COLUMNS:
        if name.endswith("_time"):
            key = "start_elapsed_s" if name == "start_time" else "end_elapsed_s"
            secs = np.array([r[key] for r in rows], dtype=np.float64)
            ns = start_ns + np.round(secs * _NS).astype(np.int64)
            cols[name] = pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC")
        else:
            cols[name] = np.array([r[name] for r in rows], dtype=np.float64)
    for name, dtype in extra.items():
        cols[name] = np.array([r[name] for r in rows], dtype=dtype)
    return pd.DataFrame(cols)


#: The extra columns (after the event columns) of the truth tables of the mess.
_MESS_COLUMNS = {
    "walk_breaks": {"walk": "int64", "mean_speed_mps": "float64", "target_speed_mps": "float64"},
    "slowdowns": {
        "slowdown": "int64",
        "mean_speed_mps": "float64",
        "min_speed_mps": "float64",
        "speed_fraction": "float64",
    },
    "pace_drift": {
        "drift": "int64",
        "mean_speed_mps": "float64",
        "peak_speed_mps": "float64",
        "change_pct": "float64",
    },
    "gps_degraded": {"noise_factor": "float64"},
}


def _mess_table(
    name: str, rows: list[dict[str, Any]] | None = None, start_ns: int = 0
) -> pd.DataFrame:
    """A truth table of walk breaks, slowdowns, pace drift or degraded GPS."""
    return _event_table(rows or [], start_ns, _MESS_COLUMNS[name])


def _place(
    rng: np.random.Generator, durations: np.ndarray, lo: float, hi: float, gap: float
) -> tuple[np.ndarray, np.ndarray]:
    """Random start times [s] of events that do not overlap, within [*lo*, *hi*].

    Each event keeps *gap* [s] free after it; events that do not fit are left out. The
    free time is spread by sorted uniform draws, so every arrangement is equally likely.
    Returns the start times (sorted) and the index of the event at each.
    """
    k = len(durations)
    order = rng.permutation(k)
    need = np.cumsum(durations[order] + gap)
    fit = int(np.searchsorted(need, hi - lo, side="right"))
    order = order[:fit]
    if fit == 0:
        return np.zeros(0), order
    span = durations[order] + gap
    free = hi - lo - span.sum()
    offsets = np.sort(rng.uniform(0.0, free, fit))
    starts = lo + offsets + np.concatenate(([0.0], np.cumsum(span)[:-1]))
    return starts, order


def _mess_specs(
    value: Any, cls: type, *, count_is_rate: bool, plan_s: float, rng: np.random.Generator
) -> tuple[list[Any], int]:
    """The explicit specs and the number of random events of a mess argument.

    A number asks for random events: a count, or (*count_is_rate*) a rate per hour
    whose count is a Poisson draw over the planned duration *plan_s* [s].
    """
    if value is None or value is False:
        return [], 0
    if isinstance(value, bool):
        raise TypeError(f"expected a number or {cls.__name__}s, got {value!r}")
    if isinstance(value, (int, float)):
        if not value >= 0:
            raise ValueError(f"a negative number of {cls.__name__} events: {value!r}")
        if count_is_rate:
            return [], int(rng.poisson(value * plan_s / 3600.0))
        return [], int(value)
    if isinstance(value, (cls, Mapping)):
        value = [value]
    specs = [_coerce(cls, v, "at_m") for v in value]
    for sp in specs:
        if (sp.at_m is None) == (sp.at_s is None):
            raise ValueError(f"a {cls.__name__} needs exactly one of at_m or at_s")
        if not sp.duration_s > 0:
            raise ValueError(f"a {cls.__name__} needs a positive duration_s")
    return specs, 0


def simulate_run(
    *,
    distance_m: float | None = None,
    duration_s: float | None = None,
    pace_s_per_km: float = 300.0,
    seed: int = 0,
    course: Any = "flat",
    constant_effort: bool = True,
    variation: float = 0.02,
    segments: Sequence[Mapping[str, float]] | None = None,
    strides: StrideSpec | Mapping[str, Any] | int | bool | None = None,
    intervals: IntervalSpec | Mapping[str, Any] | int | bool | None = None,
    kick: KickSpec | Mapping[str, Any] | float | bool | None = None,
    fade: FadeSpec | Mapping[str, Any] | float | bool | None = None,
    negative_split_pct: float | None = None,
    pauses: Sequence[PauseSpec | Mapping[str, Any] | float] = (),
    gps_noise_m: float = 3.0,
    gps_correlation_s: float = 30.0,
    gps_spike_rate_per_h: float = 1.0,
    distance_error_pct: float = 0.5,
    sampling: Literal["1s", "smart"] = "1s",
    heart_rate: bool = True,
    hr_rest_bpm: float = 55.0,
    hr_max_bpm: float = 192.0,
    hr_drift_bpm_per_h: float = 8.0,
    cadence: bool = True,
    sport: str = "running",
    start_time: str | pd.Timestamp = DEFAULT_START,
    name: str | None = None,
    laps_every_m: float | None = 1000.0,
    walk_breaks: int | Sequence[WalkBreakSpec | Mapping[str, Any]] | None = None,
    slowdowns: float | Sequence[SlowdownSpec | Mapping[str, Any]] | None = None,
    pace_drift: float | Sequence[DriftSpec | Mapping[str, Any]] | None = None,
    gps_degraded: int | Sequence[GpsDegradedSpec | Mapping[str, Any]] | None = None,
    grade_response_sd: float | None = None,
    speed_noise_mps: float | None = None,
    realistic: bool = False,
) -> SimulatedRun:
    """Simulate a run as a GPS watch records it, with the planted ground truth.

    Parameters
    ----------
    distance_m : float, optional
        Distance to run [m]. With neither this nor ``duration_s`` nor ``segments``: the
        length of a course Activity, else 5000 m.
    duration_s : float, optional
        Time to run instead of a distance [s] (stops included).
    pace_s_per_km : float
        Base pace on the flat [s/km] (300 = 5:00/km).
    seed : int
        Seed of the random generator; the same arguments and seed give the same run.
    course : {"flat", "hilly"}, Activity or None
        Where to run: a built-in loop (``"flat"``: 2 km, ±1 m; ``"hilly"``: 5 km, grades
        up to ±8 %) or the positions and elevation of a course (e.g. a GPX route; run out
        and back when the run is longer, looped when the course is closed).
    constant_effort : bool
        Slow down uphill and speed up downhill at the same effort
        (:func:`grade_pace_factor`); otherwise hold the target speed on hills.
    variation : float
        Natural variation of the speed: standard deviation of a slow AR(1) speed factor
        [-] (0.02 = 2 %).
    segments : sequence of mapping, optional
        A pace schedule instead of a single pace: each ``{"distance_m" | "duration_s":
        ..., "pace_s_per_km" | "speed_mps": ...}``; the run ends with the last segment.
    strides : StrideSpec, mapping, int or True, optional
        A set of strides (an int: their number).
    intervals : IntervalSpec, mapping, int or True, optional
        Speedwork repetitions (an int: their number, 800 m each).
    kick : KickSpec, mapping, float or True, optional
        A final kick (a float: its length [m]).
    fade : FadeSpec, mapping, float or True, optional
        A fade in the second part (a float: the slowdown at the finish [%]).
    negative_split_pct : float, optional
        Planned difference of the two halves [%]: the base speed rises linearly so that
        the second half is about this much faster (negative: slower).
    pauses : sequence of PauseSpec, mapping or float
        Stops (a float: a stop at that distance [m], standing 20–90 s, timer running).
    gps_noise_m : float
        Horizontal RMS of the correlated GPS position error [m].
    gps_correlation_s : float
        Correlation time of the GPS error [s].
    gps_spike_rate_per_h : float
        Mean number of GPS spikes per hour [1/h].
    distance_error_pct : float
        Standard deviation of the device's slowly varying speed and distance scale error
        [%]; 0 for a device distance equal to the true distance (to 0.01 m).
    sampling : {"1s", "smart"}
        Record every second, or irregularly like Garmin smart recording (1–8 s gaps).
    heart_rate, cadence : bool
        Whether the watch records heart rate and cadence (else the columns are NaN).
    hr_rest_bpm, hr_max_bpm : float
        Resting and maximal heart rate of the runner [1/min].
    hr_drift_bpm_per_h : float
        Cardiovascular drift per hour of running [1/min/h].
    sport : str
        ``meta.sport``.
    start_time : str or pandas.Timestamp
        Start of the run (UTC).
    name : str, optional
        ``meta.name``.
    laps_every_m : float, optional
        Distance of the device's auto laps [m]; None for no laps.
    walk_breaks : int or sequence of WalkBreakSpec or mapping, optional
        Walk breaks: the runner walks, then runs again (the restart looks like a
        surge). An int: that many at random times, each 30–180 s at 1.3–1.8 m/s.
    slowdowns : float or sequence of SlowdownSpec or mapping, optional
        Brief slowdowns without stopping (a road crossing, a turn, a drink on the
        move). A float: a rate [1/h] of random ones (a Poisson number over the planned
        duration), each 5–30 s at 50–80 % of the base target speed.
    pace_drift : float or sequence of DriftSpec or mapping, optional
        Bursts of pace drift (chatting, chasing someone). A float: a rate [1/h] of
        random ones, each 40–120 s, 5–10 % faster at its height, reached and left over
        linear ramps of 10–25 s.
    gps_degraded : int or sequence of GpsDegradedSpec or mapping, optional
        Periods of degraded GPS (trees, buildings) with larger position error and device
        speed noise. An int: that many at random times, each 2–6 min with 2.5–4 × the
        noise. They may overlap planted events.
    grade_response_sd : float, optional
        How differently from :func:`grade_pace_factor` the runner reacts to hills: the
        grade effect is multiplied by a slowly varying factor (AR(1), time constant
        240 s, at least 0) with this standard deviation [-] (0.3: hills cost one
        runner 30 % more or less than the rule on one hill, on average). Default 0
        (the rule exactly; 0.3 with ``realistic``).
    speed_noise_mps : float, optional
        Standard deviation of the noise of the recorded device speed [m/s] (Doppler
        speed: AR(1), time constant 2 s; times the GPS noise factor in degraded
        periods; 0 when standing). The device distance does not include it. Default 0
        (0.2 with ``realistic``).
    realistic : bool
        Turn on a plausible mix of the mess above, for the arguments not given:
        ``walk_breaks`` one per 40 min of planned running (at least one; none under
        15 min), ``slowdowns`` 8 per hour, ``pace_drift`` 4 per hour, ``gps_degraded``
        one period per 30 min (at least one), ``grade_response_sd=0.3``,
        ``speed_noise_mps=0.2``.

    Returns
    -------
    SimulatedRun
        ``.activity`` (the recording) and ``.truth`` (a :class:`RunTruth`).

    Notes
    -----
    Strides, intervals and stops are blocks that start when their distance or time is
    reached, one at a time (a block that falls due while another runs waits for it).
    The kick starts at its mark even during a stride or repetition (cutting it short)
    and ends the plan: nothing planned after it happens. Half and split times include
    stops. The model and its sources are described in :mod:`kickanalysis.simulate`.

    Walk breaks, slowdowns and pace drift are blocks too, exclusive of each other. Given
    as specs they wait like the others; random ones (a number) are placed at least 60 s
    apart between 3 min after the start and 3 min before the planned finish, and one is
    dropped when it falls due while a planted block runs, less than 30 s after one, or
    when one is due within its duration + 30 s: they stay outside the planted events.
    All the mess has its own random generators: the same seed gives the same run
    underneath with the mess added, and the defaults change nothing.

    Raises
    ------
    ValueError
        For contradictory or impossible arguments (both a distance and a duration,
        a non-positive pace, a kick longer than the run …).

    Examples
    --------
    >>> import kickanalysis as ka
    >>> sim = ka.simulate_run(distance_m=5000, pace_s_per_km=240, kick=400, seed=3)
    >>> sim.truth.kick.start_distance_m
    4600.0
    >>> sim.truth.kick.kick_speed_mps > 1.15 * sim.truth.kick.baseline_speed_mps
    True
    >>> len(sim.truth.splits), bool(sim.truth.splits["duration_s"].sum() > 0)
    (5, True)

    The same run with a walk break of 90 s at 2 km:

    >>> walk = ka.simulate_run(
    ...     distance_m=5000, pace_s_per_km=240, kick=400, seed=3,
    ...     walk_breaks=[{"at_m": 2000, "duration_s": 90}],
    ... )
    >>> walk.truth.walk_breaks[["walk", "duration_s", "target_speed_mps"]]
       walk  duration_s  target_speed_mps
    0     1        90.0               1.5
    """
    if distance_m is not None and duration_s is not None:
        raise ValueError("give distance_m or duration_s, not both")
    if pace_s_per_km <= 0:
        raise ValueError("pace_s_per_km must be positive")
    if sampling not in ("1s", "smart"):
        raise ValueError("sampling must be '1s' or 'smart'")
    params = {k: v for k, v in locals().items() if k != "course"}
    params["course"] = course if isinstance(course, str) or course is None else "<Activity>"
    rng = np.random.default_rng(seed)

    crs = _make_course(course)
    segs = _segments(segments) if segments is not None else None
    if segs is not None:
        if distance_m is not None or duration_s is not None:
            raise ValueError("segments set the length of the run: no distance_m / duration_s")
        if all(k == "m" for k, _, _ in segs):
            distance_m = sum(a for _, a, _ in segs)
        elif all(k == "s" for k, _, _ in segs):
            duration_s = sum(a for _, a, _ in segs)
    elif distance_m is None and duration_s is None:
        distance_m = crs.length_m if not isinstance(course, str) and course is not None else 5000.0
    base_speed = 1000.0 / pace_s_per_km
    if segs is not None:
        base_speed = float(np.mean([v for _, _, v in segs]))
    finish_m = float(distance_m) if distance_m is not None else None
    finish_s = float(duration_s) if duration_s is not None else None
    # the planned duration [s] (mixed segments: their estimated time)
    if finish_s is not None:
        plan_s = finish_s
    elif finish_m is not None:
        plan_s = finish_m / base_speed
    else:
        plan_s = sum(a if k == "s" else a / v for k, a, v in segs)
    if (finish_m is not None and finish_m <= 0) or (finish_s is not None and finish_s <= 0):
        raise ValueError("the run must have a positive distance or duration")

    stride_spec = _coerce(StrideSpec, strides, "count")
    interval_spec = _coerce(IntervalSpec, intervals, "reps")
    kick_spec = _coerce(KickSpec, kick, "distance_m")
    fade_spec = _coerce(FadeSpec, fade, "slowdown_pct")
    pause_specs = [
        # a bare distance: a traffic light of 20-90 s
        PauseSpec(at_m=float(p), duration_s=float(rng.integers(20, 91)))
        if isinstance(p, (int, float))
        else _coerce(PauseSpec, p, "at_m")
        for p in pauses
    ]

    # ---------------------------------------------------------------- the mess
    # its own generators: the run underneath stays the same run, value for value
    mess_rngs = [np.random.default_rng([seed, 7919, k]) for k in range(4)]
    if realistic:
        walk_breaks = (
            (max(1, round(plan_s / 2400.0)) if plan_s >= 900.0 else 0)
            if walk_breaks is None
            else walk_breaks
        )
        slowdowns = 8.0 if slowdowns is None else slowdowns
        pace_drift = 4.0 if pace_drift is None else pace_drift
        gps_degraded = max(1, round(plan_s / 1800.0)) if gps_degraded is None else gps_degraded
        grade_response_sd = 0.3 if grade_response_sd is None else grade_response_sd
        speed_noise_mps = 0.2 if speed_noise_mps is None else speed_noise_mps
    grade_response_sd = float(grade_response_sd or 0.0)
    speed_noise_mps = float(speed_noise_mps or 0.0)
    if grade_response_sd < 0 or speed_noise_mps < 0:
        raise ValueError("grade_response_sd and speed_noise_mps cannot be negative")
    mrng = mess_rngs[0]
    walk_specs, n_walk = _mess_specs(
        walk_breaks, WalkBreakSpec, count_is_rate=False, plan_s=plan_s, rng=mrng
    )
    slow_specs, n_slow = _mess_specs(
        slowdowns, SlowdownSpec, count_is_rate=True, plan_s=plan_s, rng=mrng
    )
    drift_specs, n_drift = _mess_specs(
        pace_drift, DriftSpec, count_is_rate=True, plan_s=plan_s, rng=mrng
    )
    gps_specs, n_gps = _mess_specs(
        gps_degraded, GpsDegradedSpec, count_is_rate=False, plan_s=plan_s, rng=mess_rngs[1]
    )
    if n_walk or n_slow or n_drift:  # random ones, placed together (they exclude each other)
        randoms: list[Any] = [
            WalkBreakSpec(duration_s=round(float(a)), speed_mps=float(b))
            for a, b in zip(mrng.uniform(30.0, 180.0, n_walk), mrng.uniform(1.3, 1.8, n_walk))
        ]
        randoms += [
            SlowdownSpec(duration_s=round(float(a)), speed_fraction=float(b))
            for a, b in zip(mrng.uniform(5.0, 30.0, n_slow), mrng.uniform(0.5, 0.8, n_slow))
        ]
        randoms += [
            DriftSpec(duration_s=round(float(a)), change_pct=float(b), ramp_s=float(c))
            for a, b, c in zip(
                mrng.uniform(40.0, 120.0, n_drift),
                mrng.uniform(5.0, 10.0, n_drift),
                mrng.uniform(10.0, 25.0, n_drift),
            )
        ]
        edge = min(180.0, 0.1 * plan_s)
        durations = np.array([r.duration_s for r in randoms])
        starts, order = _place(mrng, durations, edge, plan_s - edge, 60.0)
        placed = [replace(randoms[int(k)], at_s=round(float(a))) for a, k in zip(starts, order)]
    else:
        placed = []
    if n_gps:
        durations = mess_rngs[1].uniform(120.0, 360.0, n_gps).round()
        factors = mess_rngs[1].uniform(2.5, 4.0, n_gps)
        starts, order = _place(mess_rngs[1], durations, 0.0, plan_s, 60.0)
        gps_specs += [
            GpsDegradedSpec(
                at_s=round(float(a)), duration_s=float(durations[k]), noise_factor=float(factors[k])
            )
            for a, k in zip(starts, order)
        ]

    # ---------------------------------------------------------------- the blocks
    blocks: list[_Block] = []
    if stride_spec is not None and stride_spec.count > 0:
        sp = stride_spec
        speed = sp.speed_mps or min(7.0, 1.7 * base_speed)
        phases = []
        for k in range(sp.count):
            j = rng.uniform(-sp.jitter, sp.jitter, 2)
            phases.append(
                _Phase(
                    "stride",
                    speed * (1 + 0.5 * j[0]),
                    "s",
                    round(sp.duration_s * (1 + j[1])),
                    k + 1,
                )
            )
            if k < sp.count - 1:
                phases.append(_Phase("recovery", None, "s", sp.recovery_s, k + 1))
        set_s = sp.count * sp.duration_s + (sp.count - 1) * sp.recovery_s
        if sp.start_m is not None:
            trig, at = "m", float(sp.start_m)
        elif sp.start_s is not None:
            trig, at = "s", float(sp.start_s)
        elif finish_m is not None:
            set_m = sp.count * sp.duration_s * speed + (sp.count - 1) * sp.recovery_s * base_speed
            trig, at = "m", max(0.0, finish_m - 600.0 - set_m)
        else:
            trig, at = "s", max(0.0, plan_s - 240.0 - set_s)
        blocks.append(_Block("strides", trig, at, phases))
    if interval_spec is not None and interval_spec.reps > 0:
        sp = interval_spec
        if sp.distance_m is not None and sp.duration_s is not None:
            raise ValueError("an interval is a distance_m or a duration_s, not both")
        if sp.recovery_s is not None and sp.recovery_m is not None:
            raise ValueError("a recovery is a recovery_s or a recovery_m, not both")
        speed = sp.speed_mps or 1.3 * base_speed
        rec_speed = sp.recovery_speed_mps or 0.75 * base_speed
        rep = (
            ("s", float(sp.duration_s))
            if sp.duration_s is not None
            else ("m", float(sp.distance_m or 800.0))
        )
        rec = (
            ("m", float(sp.recovery_m))
            if sp.recovery_m is not None
            else ("s", float(sp.recovery_s or 90.0))
        )
        phases = []
        for k in range(sp.reps):
            phases.append(_Phase("rep", speed, rep[0], rep[1], k + 1))
            if k < sp.reps - 1:
                phases.append(_Phase("rest", rec_speed, rec[0], rec[1], k + 1))
        if sp.start_m is not None:
            trig, at = "m", float(sp.start_m)
        elif sp.start_s is not None:
            trig, at = "s", float(sp.start_s)
        elif finish_m is not None:
            trig, at = "m", min(2000.0, 0.25 * finish_m)
        else:
            trig, at = "s", min(720.0, 0.25 * plan_s)
        blocks.append(_Block("intervals", trig, at, phases))
    for p in pause_specs:
        if (p.at_m is None) == (p.at_s is None):
            raise ValueError("a pause needs exactly one of at_m or at_s")
        phase = _Phase("stop", 0.0, "hold", float(p.duration_s), timer_stopped=p.timer_stopped)
        trig, at = ("m", p.at_m) if p.at_m is not None else ("s", p.at_s)
        blocks.append(_Block("pause", trig, float(at), [phase]))
    mess = [(sp, False) for sp in (*walk_specs, *slow_specs, *drift_specs)]
    for sp, optional in mess + [(sp, True) for sp in placed]:
        if isinstance(sp, WalkBreakSpec):
            kind, speed, factor, ramp = "walk", float(sp.speed_mps), 1.0, 0.0
        elif isinstance(sp, SlowdownSpec):
            kind, speed, factor, ramp = "slowdown", None, float(sp.speed_fraction), 0.0
        else:
            kind, speed, factor, ramp = "drift", None, 1.0 + sp.change_pct / 100.0, sp.ramp_s
        phase = _Phase(kind, speed, "s", float(sp.duration_s), factor=factor, ramp_s=float(ramp))
        trig, at = ("m", sp.at_m) if sp.at_m is not None else ("s", sp.at_s)
        blocks.append(_Block(kind, trig, float(at), [phase], optional=optional))
    kick_block = None
    if kick_spec is not None:
        if finish_m is not None:
            if kick_spec.distance_m >= finish_m:
                raise ValueError("the kick is longer than the run")
            kick_block = _Block(
                "kick", "m", finish_m - kick_spec.distance_m, [_Phase("kick", None, "finish", 0.0)]
            )
        else:
            est = base_speed * (1 + kick_spec.speed_increase_pct / 100.0)
            if kick_spec.distance_m / est >= plan_s:
                raise ValueError("the kick is longer than the run")
            kick_block = _Block(
                "kick",
                "s",
                plan_s - kick_spec.distance_m / est,
                [_Phase("kick", None, "finish", 0.0)],
            )
    blocks.sort(key=lambda b: (b.trigger, b.at))

    # ---------------------------------------------------------------- the base target
    shape_a = (negative_split_pct or 0.0) / 50.0

    def base_target(t: float, d: float) -> float:
        f = d / finish_m if finish_m is not None else t / plan_s
        f = min(max(f, 0.0), 1.0)
        v = base_speed
        if segs is not None:
            v = seg_speed[0]
        v *= 1.0 + shape_a * (f - 0.5)
        if fade_spec is not None and f > fade_spec.start_fraction:
            x = (f - fade_spec.start_fraction) / (1.0 - fade_spec.start_fraction)
            v *= 1.0 - fade_spec.slowdown_pct / 100.0 * x**1.5
        return v

    seg_speed = [segs[0][2]] if segs is not None else [base_speed]
    seg_state = {"k": 0, "t0": 0.0, "d0": 0.0}

    # ---------------------------------------------------------------- integrate
    max_steps = int(finish_s if finish_s is not None else 3 * plan_s + 3600) + 10
    wobble = _ar1(rng, max_steps + 2, variation, _VARIATION_TAU_S)
    grade_k = None  # the runner's own response to hills, on top of grade_pace_factor
    if grade_response_sd > 0:
        grade_k = np.maximum(
            0.0, 1.0 + _ar1(mess_rngs[2], max_steps + 2, grade_response_sd, _GRADE_TAU_S)
        )
    t_arr = [0.0]
    d_arr = [0.0]
    v_arr = [0.0]
    tgt_arr = [0.0]
    phase_arr = ["run"]
    v = 0.0
    t = 0
    d = 0.0
    active: _Block | None = None
    pending = list(blocks)
    phase_k = 0
    phase_t0 = phase_d0 = 0.0
    held = -1  # seconds stood still in a stop phase (-1: not yet stopped)
    events: list[dict[str, Any]] = []  # closed phases: kind, label, t0, t1, d0, d1, speed
    stops: list[dict[str, Any]] = []
    kick_t0 = kick_d0 = kick_base = kick_speed = None
    fade_at = None
    segs_done = False
    planned_end = -math.inf  # when the last planted block ended [s]

    def planted_soon(b: _Block) -> bool:
        """Whether a planted block is due before the random block *b* would end."""
        within = b.phases[0].amount + _MESS_MARGIN_S
        for p in (*pending, *([kick_block] if kick_block is not None and kick_t0 is None else [])):
            if p.optional:
                continue
            if p.trigger == "s" and p.at - t < within:
                return True
            if p.trigger == "m" and p.at - d < within * base_speed:
                return True
        return False

    def close_phase(ph: _Phase, t1: float, d1: float) -> None:
        events.append(
            {
                "kind": ph.kind,
                "label": ph.label,
                "t0": phase_t0,
                "t1": t1,
                "d0": phase_d0,
                "d1": d1,
                "speed": ph.speed,
                "factor": ph.factor,
            }
        )

    while True:
        # finished?
        if finish_m is not None and d >= finish_m:
            break
        if finish_s is not None and t >= finish_s:
            break
        if segs_done:
            break
        if t > max_steps:
            raise ValueError("the run does not finish: check the pace and the pauses")
        # segments
        if segs is not None:
            kind, amount, _ = segs[seg_state["k"]]
            done = (t - seg_state["t0"]) if kind == "s" else (d - seg_state["d0"])
            if done >= amount:
                seg_state["k"] += 1
                if seg_state["k"] >= len(segs):
                    segs_done = True
                    break
                seg_state["t0"], seg_state["d0"] = t, d
                seg_speed[0] = segs[seg_state["k"]][2]
        # blocks: the phase in progress ends, the next begins
        if active is not None:
            ph = active.phases[phase_k]
            ended = False
            if ph.until == "s":
                ended = t - phase_t0 >= ph.amount
            elif ph.until == "m":
                ended = d - phase_d0 >= ph.amount
            elif ph.until == "hold":
                ended = held >= ph.amount
            if ended:
                t1, d1 = float(t), d
                if ph.until == "m":  # when the distance was reached, within the second
                    t1 = t - (d - phase_d0 - ph.amount) / max(v, 1e-9)
                    d1 = phase_d0 + ph.amount
                if ph.kind == "stop":
                    stops.append(
                        {
                            "t0": float(t - held),
                            "t1": float(t),
                            "d": d,
                            "timer_stopped": ph.timer_stopped,
                        }
                    )
                else:
                    close_phase(ph, t1, d1)
                phase_k += 1
                phase_t0, phase_d0 = t1, d1
                held = -1
                if phase_k >= len(active.phases):
                    if not active.optional:
                        planned_end = t1
                    active = None
        if kick_block is not None and kick_t0 is None:
            kb = kick_block
            due = (kb.trigger == "m" and d >= kb.at) or (kb.trigger == "s" and t >= kb.at)
            busy = active is not None and active.phases[phase_k].kind == "stop"
            if due and not busy:
                if active is not None:  # the kick cuts short a stride or a repetition
                    close_phase(active.phases[phase_k], float(t), d)
                active, phase_k, phase_t0, phase_d0 = kb, 0, float(t), d
                pending = []  # nothing else after the kick starts
                kick_t0, kick_d0 = float(t), d
                kick_base = base_target(t, d)
                ks = kick_spec
                kick_speed = ks.speed_mps or kick_base * (1 + ks.speed_increase_pct / 100.0)
        if pending:
            for b in list(pending):  # the first block that is due (one at a time)
                if not ((b.trigger == "m" and d >= b.at) or (b.trigger == "s" and t >= b.at)):
                    continue
                if b.optional and (
                    active is not None or t - planned_end < _MESS_MARGIN_S or planted_soon(b)
                ):
                    pending.remove(b)  # random mess stays outside the planted events
                    continue
                if active is None:
                    pending.remove(b)
                    active, phase_k, phase_t0, phase_d0, held = b, 0, float(t), d, -1
                    break
        if fade_spec is not None and fade_at is None:
            f = d / finish_m if finish_m is not None else t / plan_s
            if f >= fade_spec.start_fraction:
                fade_at = (float(t), d)

        # the target speed of this second
        ph = active.phases[phase_k] if active is not None else None
        factor = _pace_factor(crs.grade_at(d)) if constant_effort else 1.0
        if grade_k is not None:
            factor = 1.0 + float(grade_k[t]) * (factor - 1.0)
        w = 1.0 + float(wobble[t])
        if ph is None:
            target = base_target(t, d) / factor * w
            label = "run"
        elif ph.kind == "stop":
            target = 0.0
            label = "stop"
        elif ph.kind == "kick":
            ramp = min(1.0, (d - kick_d0) / max(kick_spec.build_m, 1e-9))
            target = (kick_base + (kick_speed - kick_base) * ramp) / factor * w
            label = "kick"
        else:
            flat = ph.speed if ph.speed is not None else base_target(t, d)
            if ph.factor != 1.0:  # a slowdown or a drift (with its ramps)
                into = t - phase_t0
                height = 1.0
                if ph.ramp_s > 0:
                    height = min(1.0, max(0.0, min(into, ph.amount - into) / ph.ramp_s))
                flat *= 1.0 + (ph.factor - 1.0) * height
            target = flat / factor * w
            label = ph.kind

        # follow it
        if label == "stop":
            v_new = max(0.0, v - _ACCEL_DOWN_MPS2)
            if v_new == 0.0:
                held += 1
        else:
            gap = target - v
            step = min(max(_FOLLOW_GAIN * gap, -_ACCEL_DOWN_MPS2), _ACCEL_UP_MPS2)
            if abs(gap) < 0.05:
                step = gap
            v_new = max(0.0, v + step)
        v = float(v_new)
        t += 1
        d += v
        t_arr.append(float(t))
        d_arr.append(d)
        v_arr.append(v)
        tgt_arr.append(target)
        phase_arr.append(label)

    # a phase still running at the finish ends there
    t_end, d_end = float(t), d
    if active is not None:
        ph = active.phases[phase_k]
        if ph.kind == "stop":
            stops.append(
                {
                    "t0": float(t - max(held, 0)),
                    "t1": float(t),
                    "d": d,
                    "timer_stopped": ph.timer_stopped,
                }
            )
        else:
            close_phase(ph, t_end, d_end)

    ts = np.asarray(t_arr)
    ds = np.asarray(d_arr)
    vs = np.asarray(v_arr)
    n = len(ts)
    lat_true, lon_true, ele_true, grade = crs.at(ds)
    total_m = finish_m if finish_m is not None else float(ds[-1])
    total_s = float(_time_at(ts, ds, total_m)[0]) if finish_m is not None else float(ts[-1])

    start = pd.Timestamp(start_time)
    start = start.tz_convert("UTC") if start.tzinfo else start.tz_localize("UTC")
    start_ns = int(start.as_unit("ns").value)
    time_ns = start_ns + ts.astype(np.int64) * _NS

    # ---------------------------------------------------------------- timer and recording
    timer = np.ones(n, dtype=bool)
    for s in stops:
        if s["timer_stopped"]:
            timer[(ts > s["t0"]) & (ts < s["t1"])] = False
    forced = {0, n - 1}
    for e in events:
        if e["kind"] in _MESS_KINDS:  # the watch knows nothing of them
            continue
        for key in ("t0", "t1"):
            forced.add(int(np.clip(math.ceil(e[key] - 1e-9), 0, n - 1)))
    for s in stops:
        forced.update((int(s["t0"]), int(s["t1"])))
    if sampling == "smart":
        keep = _smart_indices(rng, vs, forced)
    else:
        keep = np.arange(n)
    keep = keep[timer[keep]]
    recorded = np.zeros(n, dtype=bool)
    recorded[keep] = True

    # ---------------------------------------------------------------- GPS
    err = _ar1(rng, n, gps_noise_m / math.sqrt(2.0), gps_correlation_s, dims=2)
    noise_factor = np.ones(n)
    gps_rows: list[dict[str, Any]] = []
    for g in gps_specs:
        g0 = float(g.at_s) if g.at_s is not None else float(_time_at(ts, ds, g.at_m)[0])
        if g.at_s is None and g.at_m >= ds[-1]:
            continue
        g1 = min(g0 + float(g.duration_s), ts[-1])
        if g0 >= ts[-1]:
            continue
        ramp = min(_GPS_RAMP_S, (g1 - g0) / 2.0)
        height = np.clip(np.minimum(ts - g0, g1 - ts) / max(ramp, 1e-9), 0.0, 1.0)
        noise_factor = np.maximum(noise_factor, 1.0 + (g.noise_factor - 1.0) * height)
        dd = np.interp([g0, g1], ts, ds)
        gps_rows.append(
            {
                "start_elapsed_s": g0,
                "end_elapsed_s": g1,
                "duration_s": g1 - g0,
                "start_distance_m": dd[0],
                "end_distance_m": dd[1],
                "distance_m": dd[1] - dd[0],
                "noise_factor": float(g.noise_factor),
            }
        )
    if gps_rows:
        err = err * noise_factor[:, None]
    spike = np.zeros(n, dtype=bool)
    spike_rows: list[dict[str, Any]] = []
    n_spikes = int(rng.poisson(gps_spike_rate_per_h * ts[-1] / 3600.0)) if n > 40 else 0
    if n_spikes:
        starts = np.sort(
            rng.choice(np.arange(10, n - 10), size=min(n_spikes, n - 20), replace=False)
        )
        for i0 in starts:
            length = int(rng.integers(1, 5))
            i1 = min(n - 1, i0 + length - 1)
            if spike[max(0, i0 - 5) : i1 + 6].any():
                continue
            mag = float(rng.uniform(15.0, 60.0))
            ang = float(rng.uniform(0.0, 2 * np.pi))
            err[i0 : i1 + 1, 0] += mag * math.cos(ang)
            err[i0 : i1 + 1, 1] += mag * math.sin(ang)
            spike[i0 : i1 + 1] = True
            spike_rows.append(
                {
                    "start_elapsed_s": ts[i0],
                    "end_elapsed_s": ts[i1],
                    "duration_s": ts[i1] - ts[i0] + 1.0,
                    "start_distance_m": ds[i0],
                    "end_distance_m": ds[i1],
                    "distance_m": ds[i1] - ds[i0],
                    "offset_m": mag,
                }
            )
    lat_gps = lat_true + np.degrees(err[:, 1] / EARTH_RADIUS_M)
    lon_gps = lon_true + np.degrees(err[:, 0] / (EARTH_RADIUS_M * np.cos(np.radians(lat_true))))

    # ---------------------------------------------------------------- device values
    scale = _ar1(rng, n, distance_error_pct / 100.0, 300.0)
    jitter = _ar1(rng, n, 0.06 if distance_error_pct > 0 else 0.0, 4.0)
    v_dev = np.where(vs > 0, np.maximum(0.0, vs * (1.0 + scale) + jitter), 0.0)
    v_dev = np.round(v_dev, 3)
    v_dev[0] = 0.0
    d_dev = np.round(np.cumsum(v_dev), 2)
    v_rec = v_dev  # the recorded speed: with the Doppler noise the distance does not have
    v_noise = np.zeros(n)
    if speed_noise_mps > 0:
        raw = _ar1(mess_rngs[3], n, speed_noise_mps, _SPEED_NOISE_TAU_S) * noise_factor
        v_rec = np.where(vs > 0, np.maximum(0.0, v_dev + raw), 0.0)
        v_rec = np.round(v_rec, 3)
        v_rec[0] = 0.0
        v_noise = v_rec - v_dev
    baro = _ar1(rng, n, 1.0, 900.0) + rng.normal(0.0, 0.1, n)
    ele_dev = np.round((ele_true + baro) * 5.0) / 5.0
    effort = vs * grade_pace_factor(grade)
    hr_true = _hr_model(
        effort,
        vs > 0,
        rest_bpm=hr_rest_bpm,
        max_bpm=hr_max_bpm,
        drift_bpm_per_h=hr_drift_bpm_per_h,
        start_bpm=hr_rest_bpm + 0.3 * (hr_max_bpm - hr_rest_bpm),
    )
    hr_dev = np.round(hr_true + rng.normal(0.0, 1.0, n)) if heart_rate else np.full(n, np.nan)
    cad = 148.0 + 8.5 * vs + _ar1(rng, n, _CADENCE_NOISE_SPM, _CADENCE_NOISE_TAU_S)
    cad_dev = np.where(vs > 0.5, 2.0 * np.round(cad / 2.0), 0.0) if cadence else np.full(n, np.nan)

    # ---------------------------------------------------------------- the activity
    from .activity import Activity, Meta

    idx = keep
    records = records_frame(
        time_ns[idx],
        {
            "lat_deg": np.round(lat_gps[idx] / _SEMICIRCLE_DEG) * _SEMICIRCLE_DEG,
            "lon_deg": np.round(lon_gps[idx] / _SEMICIRCLE_DEG) * _SEMICIRCLE_DEG,
            "elevation_m": ele_dev[idx],
            "distance_m": d_dev[idx],
            "speed_mps": v_rec[idx],
            "heart_rate_bpm": hr_dev[idx],
            "cadence_spm": cad_dev[idx],
        },
        start_ns=start_ns,
    )
    timer_pauses = tuple(
        (
            pd.Timestamp(start_ns + int(s["t0"]) * _NS, tz="UTC"),
            pd.Timestamp(start_ns + int(s["t1"]) * _NS, tz="UTC"),
        )
        for s in stops
        if s["timer_stopped"] and s["t1"] > s["t0"]
    )
    laps = _auto_laps(records, timer_pauses, every_m=laps_every_m)
    meta = Meta(
        format="sim",
        source=f"simulate_run(seed={seed})",
        sport=sport,
        start_time=pd.Timestamp(start_ns, tz="UTC"),
        pauses=timer_pauses,
        name=name,
        extra={"simulated": True, "seed": seed, "sampling": sampling},
    )
    activity = Activity(records=records, laps=laps, meta=meta)

    # ---------------------------------------------------------------- the truth
    index = pd.DatetimeIndex(time_ns.view("datetime64[ns]"), name="time").tz_localize("UTC")
    samples = pd.DataFrame(
        {
            "elapsed_s": ts,
            "distance_m": ds,
            "speed_mps": vs,
            "target_speed_mps": np.asarray(tgt_arr),
            "elevation_m": ele_true,
            "grade": grade,
            "effort_speed_mps": effort,
            "lat_deg": lat_true,
            "lon_deg": lon_true,
            "gps_error_east_m": err[:, 0],
            "gps_error_north_m": err[:, 1],
            "gps_spike": spike,
            "heart_rate_bpm": hr_true,
            "phase": pd.Categorical(
                phase_arr,
                categories=[
                    "run",
                    "stride",
                    "recovery",
                    "rep",
                    "rest",
                    "stop",
                    "kick",
                    *_MESS_KINDS,
                ],
            ),
            "grade_response": grade_k[:n] if grade_k is not None else np.ones(n),
            "gps_noise_factor": noise_factor,
            "device_speed_noise_mps": v_noise,
            "timer_running": timer,
            "recorded": recorded,
        },
        index=index,
    )

    def speed_stats(t0: float, t1: float, d0: float, d1: float) -> tuple[float, float]:
        mean = (d1 - d0) / (t1 - t0) if t1 > t0 else float("nan")
        sel = (ts > t0) & (ts <= math.ceil(t1) + 3)
        peak = float(vs[sel].max()) if sel.any() else float("nan")
        return mean, peak

    def rows_for(kind: str, number: str) -> list[dict[str, Any]]:
        rows = []
        for e in events:
            if e["kind"] != kind:
                continue
            mean, peak = speed_stats(e["t0"], e["t1"], e["d0"], e["d1"])
            rows.append(
                {
                    number: e["label"],
                    "start_elapsed_s": e["t0"],
                    "end_elapsed_s": e["t1"],
                    "duration_s": e["t1"] - e["t0"],
                    "start_distance_m": e["d0"],
                    "end_distance_m": e["d1"],
                    "distance_m": e["d1"] - e["d0"],
                    "mean_speed_mps": mean,
                    "peak_speed_mps": peak,
                    "target_speed_mps": e["speed"],
                }
            )
        return rows

    metrics = {
        "mean_speed_mps": "float64",
        "peak_speed_mps": "float64",
        "target_speed_mps": "float64",
    }
    stride_table = _event_table(
        rows_for("stride", "stride"), start_ns, {"stride": "int64", **metrics}
    )
    interval_table = _event_table(rows_for("rep", "rep"), start_ns, {"rep": "int64", **metrics})
    pause_table = _event_table(
        [
            {
                "start_elapsed_s": s["t0"],
                "end_elapsed_s": s["t1"],
                "duration_s": s["t1"] - s["t0"],
                "start_distance_m": s["d"],
                "end_distance_m": s["d"],
                "distance_m": 0.0,
                "timer_stopped": s["timer_stopped"],
            }
            for s in stops
        ],
        start_ns,
        {"timer_stopped": "bool"},
    )
    spike_table = _event_table(spike_rows, start_ns, {"offset_m": "float64"})

    def mess_rows(kind: str, number: str) -> list[dict[str, Any]]:
        rows = []
        for e in sorted((e for e in events if e["kind"] == kind), key=lambda e: e["t0"]):
            sel = (ts > e["t0"]) & (ts <= e["t1"])
            rows.append(
                {
                    number: len(rows) + 1,
                    "start_elapsed_s": e["t0"],
                    "end_elapsed_s": e["t1"],
                    "duration_s": e["t1"] - e["t0"],
                    "start_distance_m": e["d0"],
                    "end_distance_m": e["d1"],
                    "distance_m": e["d1"] - e["d0"],
                    "mean_speed_mps": speed_stats(e["t0"], e["t1"], e["d0"], e["d1"])[0],
                    "min_speed_mps": float(vs[sel].min()) if sel.any() else float("nan"),
                    "peak_speed_mps": float(vs[sel].max()) if sel.any() else float("nan"),
                    "target_speed_mps": e["speed"] if e["speed"] is not None else float("nan"),
                    "speed_fraction": e["factor"],
                    "change_pct": 100.0 * (e["factor"] - 1.0),
                }
            )
        return rows

    walk_table = _mess_table("walk_breaks", mess_rows("walk", "walk"), start_ns)
    slowdown_table = _mess_table("slowdowns", mess_rows("slowdown", "slowdown"), start_ns)
    drift_table = _mess_table("pace_drift", mess_rows("drift", "drift"), start_ns)
    gps_table = _mess_table("gps_degraded", gps_rows, start_ns)

    kick_truth = None
    if kick_t0 is not None:
        # a distance-based run: the kick starts exactly at its mark; else when commanded
        if finish_m is not None:
            k_d0 = finish_m - kick_spec.distance_m
            k_t0 = float(_time_at(ts, ds, k_d0)[0])
        else:
            k_t0, k_d0 = kick_t0, kick_d0
        b_d0 = max(0.0, k_d0 - 500.0)
        b_t0 = float(_time_at(ts, ds, b_d0)[0])
        kick_truth = KickTruth(
            start_time=pd.Timestamp(start_ns + int(round(k_t0 * _NS)), tz="UTC"),
            start_elapsed_s=k_t0,
            start_distance_m=k_d0,
            distance_m=total_m - k_d0,
            duration_s=total_s - k_t0,
            baseline_speed_mps=(k_d0 - b_d0) / (k_t0 - b_t0) if k_t0 > b_t0 else float("nan"),
            kick_speed_mps=(total_m - k_d0) / (total_s - k_t0),
            peak_speed_mps=float(vs[ts > k_t0].max()),
        )

    fade_truth = None
    if fade_at is not None:
        f_t, f_d = fade_at
        before = max(0.0, f_d - 1000.0)
        last = max(0.0, total_m - 1000.0)
        t_before = float(_time_at(ts, ds, before)[0])
        t_last = float(_time_at(ts, ds, last)[0])
        fade_truth = FadeTruth(
            start_time=pd.Timestamp(start_ns + int(round(f_t * _NS)), tz="UTC"),
            start_elapsed_s=f_t,
            start_distance_m=f_d,
            slowdown_pct=float(fade_spec.slowdown_pct),
            speed_before_mps=(f_d - before) / (f_t - t_before) if f_t > t_before else float("nan"),
            speed_last_km_mps=(total_m - last) / (total_s - t_last),
        )

    marks = np.arange(1000.0, total_m, 1000.0)
    if len(marks) and total_m - marks[-1] < 1e-6:
        marks = marks[:-1]
    bounds_m = np.concatenate(([0.0], marks, [total_m]))
    bounds_t = np.concatenate(([0.0], _time_at(ts, ds, marks), [total_s]))
    dur = np.diff(bounds_t)
    dist = np.diff(bounds_m)
    splits = pd.DataFrame(
        {
            "split": np.arange(1, len(dur) + 1, dtype=np.int64),
            "start_time": pd.DatetimeIndex(
                (start_ns + np.round(bounds_t[:-1] * _NS).astype(np.int64)).view("datetime64[ns]")
            ).tz_localize("UTC"),
            "end_time": pd.DatetimeIndex(
                (start_ns + np.round(bounds_t[1:] * _NS).astype(np.int64)).view("datetime64[ns]")
            ).tz_localize("UTC"),
            "start_elapsed_s": bounds_t[:-1],
            "end_elapsed_s": bounds_t[1:],
            "start_distance_m": bounds_m[:-1],
            "end_distance_m": bounds_m[1:],
            "distance_m": dist,
            "duration_s": dur,
            "pace_s_per_km": dur / dist * 1000.0,
            "partial": dist < 1000.0 - 1e-6,
        }
    )
    first = float(_time_at(ts, ds, total_m / 2.0)[0])
    second = total_s - first
    pacing = PacingTruth(
        total_time_s=total_s,
        total_distance_m=total_m,
        first_half_s=first,
        second_half_s=second,
        negative_split_pct=100.0 * (first - second) / first,
    )
    truth = RunTruth(
        samples=samples,
        splits=splits,
        strides=stride_table,
        intervals=interval_table,
        kick=kick_truth,
        fade=fade_truth,
        pauses=pause_table,
        gps_spikes=spike_table,
        pacing=pacing,
        params=params,
        walk_breaks=walk_table,
        slowdowns=slowdown_table,
        pace_drift=drift_table,
        gps_degraded=gps_table,
    )
    return SimulatedRun(activity=activity, truth=truth)


def _smart_indices(rng: np.random.Generator, speed: np.ndarray, forced: set[int]) -> np.ndarray:
    """Which seconds a "smart recording" watch keeps.

    After each kept sample the watch waits up to a random 3–8 s while the speed stays
    within 0.25 m/s of the last kept value, and records sooner when it changes (or at
    a forced sample: the start and end of planted events and stops).
    """
    n = len(speed)
    is_forced = np.zeros(n, dtype=bool)
    is_forced[[i for i in forced if 0 <= i < n]] = True
    keep = [0]
    i = 0
    while i < n - 1:
        limit = int(rng.integers(3, 9))
        j = i + 1
        while j < n - 1 and j - i < limit and not is_forced[j] and abs(speed[j] - speed[i]) < 0.25:
            j += 1
        keep.append(j)
        i = j
    return np.asarray(keep, dtype=np.int64)


def _auto_laps(
    records: pd.DataFrame,
    pauses: Sequence[tuple[pd.Timestamp, pd.Timestamp]],
    *,
    every_m: float | None,
) -> pd.DataFrame:
    """Device auto laps: a lap ends at the first sample at or past every *every_m*.

    Values are at the resolution FIT stores them (so laps round-trip through
    :func:`kickanalysis.write_fit`).
    """
    from .schema import empty_splits

    dist = records["distance_m"].to_numpy()
    if every_m is None or len(dist) < 2:
        return empty_splits()
    marks = np.arange(every_m, dist[-1], every_m)
    if len(marks) and dist[-1] - marks[-1] < 0.01 * every_m:
        marks = marks[:-1]  # a remainder under 1 % of a lap joins the last lap
    ends = np.searchsorted(dist, marks, side="left")
    bounds = [0, *sorted(set(ends.tolist()) - {0, len(dist) - 1}), len(dist) - 1]
    time_ns = records.index.asi8
    elapsed = records["elapsed_s"].to_numpy()
    hr = records["heart_rate_bpm"].to_numpy()
    cad = records["cadence_spm"].to_numpy()
    ele = records["elevation_m"].to_numpy()
    pause_ns = [(a.value, b.value) for a, b in pauses]
    cols: dict[str, list[Any]] = {k: [] for k in SPLIT_DTYPES}
    for k, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
        a, b = int(time_ns[lo]), int(time_ns[hi])
        duration = (b - a) / 1e9
        paused = sum(max(0, min(q, b) - max(p, a)) for p, q in pause_ns) / 1e9
        moving = duration - paused
        distance = round(float(dist[hi] - dist[lo]), 2)
        speed = round(distance / moving, 3) if moving > 0 else float("nan")
        steps = np.diff(ele[lo : hi + 1])
        hr_part, cad_part = hr[lo + 1 : hi + 1], cad[lo + 1 : hi + 1]
        with np.errstate(all="ignore"):
            hr_mean = float(np.round(np.nanmean(hr_part))) if np.isfinite(hr_part).any() else np.nan
            hr_max = float(np.nanmax(hr[lo : hi + 1])) if np.isfinite(hr_part).any() else np.nan
            cad_mean = (
                float(np.round(np.nanmean(cad_part) * 64.0) / 64.0)
                if np.isfinite(cad_part).any()
                else np.nan
            )
        cols["split"].append(k + 1)
        cols["start_time"].append(a)
        cols["end_time"].append(b)
        cols["start_elapsed_s"].append(float(elapsed[lo]))
        cols["end_elapsed_s"].append(float(elapsed[hi]))
        cols["start_distance_m"].append(float(dist[lo]))
        cols["end_distance_m"].append(float(dist[hi]))
        cols["distance_m"].append(distance)
        cols["duration_s"].append(duration)
        cols["moving_s"].append(moving)
        cols["pace_s_per_km"].append(1000.0 / speed if speed > 0 else float("nan"))
        cols["speed_mps"].append(speed)
        cols["gap_speed_mps"].append(float("nan"))
        cols["heart_rate_mean_bpm"].append(hr_mean)
        cols["heart_rate_max_bpm"].append(hr_max)
        cols["cadence_mean_spm"].append(cad_mean)
        cols["elevation_gain_m"].append(float(np.round(steps[steps > 0].sum())))
        cols["elevation_loss_m"].append(float(np.round(-steps[steps < 0].sum())) + 0.0)
        cols["partial"].append(hi == len(dist) - 1 and distance < every_m - 1.0)
    return splits_frame({k: np.asarray(v) for k, v in cols.items()})
