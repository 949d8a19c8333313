"""Write the sample recordings in ``data/samples/`` (deterministic, byte for byte).

The samples are made by a *small* seeded synthetic run generator defined here, and
written with kickanalysis' own writers (:func:`kickanalysis.write_fit`,
:func:`kickanalysis.write_gpx`):

``race_5k_kick.fit`` / ``race_5k_kick.gpx``
    A 5 km race, two laps of a 2.5 km park loop, at an even ~4:00/km and a final kick
    over the last ~400 m. FIT with 1 km auto laps; the GPX is the same run as a track
    export without the speed extension (as most device exports), to stay small.
``easy_run_strides.fit``
    8 km easy at ~5:30/km with one 40 s stop (timer paused) at about 3 km and 6 × 20 s
    strides near the end, each followed by ~60 s easy running.
``course_10k.gpx``
    A 10 km route with hills (``<rte>`` without times), for pacing plans.

What the generator is, honestly: a 1 Hz speed schedule (pace by distance or time, a
little slower uphill, smoothed random variation), distance as the integral of speed,
positions from walking that distance around a made-up closed loop near an arbitrary
point (46.75 N, 7.60 E; no real course is traced), elevation as a smooth function of the
position on the loop, heart rate following speed through a first-order lag with slow
cardiac drift, and cadence rising linearly with speed. It has no physiology, no GPS
error model worth the name and no device quirks; a proper simulator with ground truth
(``kickanalysis.simulate``) is planned in a later issue and will replace it.

Every random draw comes from ``numpy.random.default_rng`` with fixed seeds, and values
are rounded to what a watch records, so re-running the script reproduces the files
byte for byte (``tests/test_samples.py`` checks that).

Usage::

    python tools/make_samples.py [output_dir]   # default: data/samples next to tools/
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import kickanalysis as ka
from kickanalysis.activity import Activity, Meta
from kickanalysis.schema import SPLIT_DTYPES, empty_splits, records_frame

#: Where the samples go by default.
SAMPLES_DIR = Path(__file__).resolve().parents[1] / "data" / "samples"

#: An arbitrary point the made-up courses are placed around [deg].
ORIGIN_LAT_DEG, ORIGIN_LON_DEG = 46.75, 7.60
EARTH_RADIUS_M = 6_371_008.8
SEMICIRCLE_DEG = 180.0 / 2**31


# --------------------------------------------------------------------------- courses
@dataclass(frozen=True)
class Course:
    """A closed loop: positions east/north of the origin [m] by distance along it."""

    s_m: np.ndarray  # cumulative distance at each vertex [m]
    x_m: np.ndarray  # east [m]
    y_m: np.ndarray  # north [m]
    length_m: float
    base_m: float  # elevation at the start [m]
    hill_m: float  # amplitude of the main hill [m]

    def at(self, distance_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Latitude, longitude [deg] and elevation [m] after *distance_m* along the loop."""
        s = np.mod(distance_m, self.length_m)
        x = np.interp(s, self.s_m, self.x_m)
        y = np.interp(s, self.s_m, self.y_m)
        lat = ORIGIN_LAT_DEG + np.degrees(y / EARTH_RADIUS_M)
        lon = ORIGIN_LON_DEG + np.degrees(x / (EARTH_RADIUS_M * np.cos(np.radians(ORIGIN_LAT_DEG))))
        return lat, lon, self.elevation(distance_m)

    def elevation(self, distance_m: np.ndarray) -> np.ndarray:
        """Elevation [m]: one main hill and a smaller one per loop."""
        phase = 2 * np.pi * np.mod(distance_m, self.length_m) / self.length_m
        return (
            self.base_m
            + self.hill_m * (1 - np.cos(phase)) / 2
            + 0.35 * self.hill_m * np.sin(2 * phase) ** 2
        )

    def grade(self, distance_m: float) -> float:
        """Slope of the elevation profile [m/m]."""
        d = np.array([distance_m - 1.0, distance_m + 1.0])
        e = self.elevation(d)
        return float((e[1] - e[0]) / 2.0)


def loop_course(length_m: float, *, hill_m: float, base_m: float, seed: int) -> Course:
    """A smooth, potato-shaped closed loop of the given length."""
    rng = np.random.default_rng(seed)
    theta = np.linspace(0.0, 2 * np.pi, 2001)
    a2, a3 = rng.uniform(0.1, 0.25), rng.uniform(0.03, 0.1)
    p2, p3 = rng.uniform(0, 2 * np.pi, 2)
    radius = 1.0 + a2 * np.cos(2 * theta + p2) + a3 * np.sin(3 * theta + p3)
    x, y = radius * np.cos(theta), radius * np.sin(theta)
    # start at the southernmost-ish point: shift so the start is the origin
    x, y = x - x[0], y - y[0]
    step = np.hypot(np.diff(x), np.diff(y))
    scale = length_m / step.sum()
    s = np.concatenate(([0.0], np.cumsum(step))) * scale
    return Course(s, x * scale, y * scale, float(s[-1]), base_m, hill_m)


# --------------------------------------------------------------------------- the runner
@dataclass(frozen=True)
class Run:
    """One synthetic recording: sample times and the watch's values."""

    time_s: np.ndarray  # since the start [s], whole seconds
    distance_m: np.ndarray
    speed_mps: np.ndarray
    paused: tuple[tuple[float, float], ...]  # (stop, start) [s since the start]


def run_schedule(
    target_mps: Callable[[float, float], float],
    course: Course,
    *,
    finish_m: float,
    seed: int,
    pause_at_m: float | None = None,
    pause_s: int = 0,
) -> Run:
    """Integrate a speed schedule at 1 Hz until *finish_m*.

    ``target_mps(t, d)`` gives the intended speed [m/s] at time *t* [s] and distance *d*
    [m]; the runner is a little slower uphill (2 % per 1 % grade) and varies slowly
    around the target (AR(1) noise). With *pause_at_m*, the timer stops there for
    *pause_s* seconds (no samples in between).
    """
    rng = np.random.default_rng(seed)
    t, d, wobble = 0, 0.0, 0.0
    times, dists, speeds = [0], [0.0], [0.0]
    paused: list[tuple[float, float]] = []
    v_prev = 0.0
    while d < finish_m:
        wobble = 0.92 * wobble + rng.normal(0.0, 0.025)
        target = target_mps(t, d) * (1.0 - 2.0 * course.grade(d)) + wobble
        # speed changes at most ~0.5 m/s per second (acceleration limit)
        v = float(np.clip(target, v_prev - 0.5, v_prev + 0.5))
        t += 1
        d += v
        times.append(t)
        dists.append(d)
        speeds.append(v)
        v_prev = v
        if pause_at_m is not None and not paused and d >= pause_at_m:
            paused.append((t, t + pause_s))
            t += pause_s
            v_prev = 0.0
    speed = np.round(np.array(speeds), 3)
    speed[0] = 0.0
    return Run(np.array(times, dtype=np.int64), np.round(np.array(dists), 2), speed, tuple(paused))


def heart_rate(run: Run, *, seed: int, rest_bpm: float = 62.0) -> np.ndarray:
    """Heart rate [bpm] following speed through a first-order lag, with cardiac drift."""
    rng = np.random.default_rng(seed)
    target = rest_bpm + 24.0 * run.speed_mps + 0.004 * run.time_s
    hr = np.empty(len(target))
    hr[0] = 95.0
    for i in range(1, len(target)):
        dt = run.time_s[i] - run.time_s[i - 1]
        tau = 25.0 if target[i] > hr[i - 1] else 40.0  # rises faster than it falls
        if dt > 1:  # paused: recover towards an easy value, then follow again
            hr[i - 1] += (110.0 - hr[i - 1]) * (1 - np.exp(-(dt - 1) / 40.0))
        hr[i] = hr[i - 1] + (target[i] - hr[i - 1]) * (1 - np.exp(-1.0 / tau))
    return np.round(hr + rng.normal(0.0, 0.6, len(hr)))


def cadence_spm(run: Run, *, seed: int) -> np.ndarray:
    """Steps per minute rising with speed; whole strides per minute (even steps)."""
    rng = np.random.default_rng(seed)
    rpm = 70.0 + 4.0 * run.speed_mps + rng.normal(0.0, 0.7, len(run.speed_mps))
    rpm[run.speed_mps < 0.5] = 0.0
    return 2.0 * np.round(rpm)


def to_activity(
    run: Run,
    course: Course,
    *,
    start: str,
    name: str,
    seed: int,
    lap_every_m: float | None = 1000.0,
) -> Activity:
    """Records (positions quantised to FIT semicircles, elevation to 0.2 m), auto laps."""
    rng = np.random.default_rng(seed)
    lat, lon, ele = course.at(run.distance_m)
    # a slowly wandering GPS offset of about a metre
    n = len(lat)
    drift = np.zeros((n, 2))
    for i in range(1, n):
        drift[i] = 0.97 * drift[i - 1] + rng.normal(0.0, 0.25, 2)
    lat = lat + np.degrees(drift[:, 1] / EARTH_RADIUS_M)
    lon = lon + np.degrees(drift[:, 0] / (EARTH_RADIUS_M * np.cos(np.radians(ORIGIN_LAT_DEG))))
    start_ns = pd.Timestamp(start).value
    time_ns = start_ns + run.time_s * 1_000_000_000
    records = records_frame(
        time_ns,
        {
            "lat_deg": np.round(lat / SEMICIRCLE_DEG) * SEMICIRCLE_DEG,
            "lon_deg": np.round(lon / SEMICIRCLE_DEG) * SEMICIRCLE_DEG,
            "elevation_m": np.round(ele * 5) / 5,
            "distance_m": run.distance_m,
            "speed_mps": run.speed_mps,
            "heart_rate_bpm": heart_rate(run, seed=seed + 1),
            "cadence_spm": cadence_spm(run, seed=seed + 2),
        },
    )
    pauses = tuple(
        (
            pd.Timestamp(start_ns + int(a * 1e9), tz="UTC"),
            pd.Timestamp(start_ns + int(b * 1e9), tz="UTC"),
        )
        for a, b in run.paused
    )
    laps = auto_laps(records, pauses, every_m=lap_every_m) if lap_every_m else empty_splits()
    meta = Meta(
        format="synthetic",
        source="tools/make_samples.py",
        sport="running",
        sub_sport="generic",
        product="1",
        start_time=records.index[0],
        pauses=pauses,
        name=name,
    )
    return Activity(records=records, laps=laps, meta=meta)


def auto_laps(records: pd.DataFrame, pauses, *, every_m: float) -> pd.DataFrame:
    """Device-style auto laps: a lap ends at the first sample past every *every_m*."""
    dist = records["distance_m"].to_numpy()
    marks = np.arange(every_m, dist[-1], every_m)
    ends = np.searchsorted(dist, marks, side="left")
    bounds = [0, *sorted(set(ends.tolist()) - {0, len(dist) - 1}), len(dist) - 1]
    rows = []
    for k, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
        part = records.iloc[lo : hi + 1]
        start, end = part.index[0], part.index[-1]
        duration = (end - start).total_seconds()
        paused = sum(max(0.0, (min(b, end) - max(a, start)).total_seconds()) for a, b in pauses)
        moving = duration - paused
        distance = float(dist[hi] - dist[lo])
        steps = np.diff(part["elevation_m"].to_numpy())
        speed = round(distance / moving, 3)
        rows.append(
            {
                "split": k + 1,
                "start_time": start,
                "end_time": end,
                "start_elapsed_s": float(part["elapsed_s"].iloc[0]),
                "end_elapsed_s": float(part["elapsed_s"].iloc[-1]),
                "start_distance_m": float(dist[lo]),
                "end_distance_m": float(dist[hi]),
                "distance_m": distance,
                "duration_s": duration,
                "moving_s": moving,
                "pace_s_per_km": 1000.0 / speed,
                "speed_mps": speed,
                "gap_speed_mps": np.nan,
                "heart_rate_mean_bpm": float(round(part["heart_rate_bpm"].iloc[1:].mean())),
                "heart_rate_max_bpm": float(part["heart_rate_bpm"].max()),
                "cadence_mean_spm": float(2 * round(part["cadence_spm"].iloc[1:].mean() / 2)),
                "elevation_gain_m": float(round(steps[steps > 0].sum())),
                "elevation_loss_m": float(round(-steps[steps < 0].sum())),
                "partial": hi == len(dist) - 1 and distance < every_m - 1,
            }
        )
    return pd.DataFrame(rows).astype(
        {k: v for k, v in SPLIT_DTYPES.items() if not k.endswith("_time")}
    )


# --------------------------------------------------------------------------- the samples
PARK = {"length_m": 2500.0, "hill_m": 9.0, "base_m": 540.0, "seed": 11}


def race_5k_kick() -> Activity:
    """5 km race: a quick first 200 m, even ~4:00/km, a final kick over the last ~400 m."""
    course = loop_course(**PARK)
    even = 1000.0 / 240.0  # 4:00/km

    def target(t: float, d: float) -> float:
        if d < 200.0:
            return even * 1.04  # a slightly eager start
        if d < 4600.0:
            return even
        # the kick: build up over ~100 m to ~3:05/km and hold it to the line
        return even + (5.4 - even) * min(1.0, (d - 4600.0) / 100.0)

    run = run_schedule(target, course, finish_m=5000.0, seed=101)
    return to_activity(run, course, start="2024-04-20T08:00:00Z", name="Park 5K race", seed=102)


def easy_run_strides() -> Activity:
    """8 km easy at ~5:30/km, a 40 s stop at ~3 km, 6 x 20 s strides near the end."""
    course = loop_course(**PARK)
    easy = 1000.0 / 330.0  # 5:30/km
    strides_from_m = 6300.0
    state: dict[str, float] = {}

    def target(t: float, d: float) -> float:
        if d < strides_from_m:
            return easy
        t0 = state.setdefault("t0", t)
        k, into = divmod(t - t0, 80.0)  # 20 s stride + 60 s easy
        if k < 6 and into < 20.0:
            return 5.6 + 0.1 * (k % 2)
        return easy

    run = run_schedule(target, course, finish_m=8000.0, seed=201, pause_at_m=3000.0, pause_s=40)
    return to_activity(
        run, course, start="2024-04-17T06:30:00Z", name="Easy run with strides", seed=202
    )


def course_10k() -> Activity:
    """A 10 km route with hills (one loop), points every ~25 m, without times."""
    course = loop_course(10_000.0, hill_m=38.0, base_m=480.0, seed=31)
    d = np.linspace(0.0, 10_000.0, 401)
    lat, lon, ele = course.at(d)
    time_ns = pd.Timestamp("2024-06-01T00:00:00Z").value + np.arange(len(d)) * 1_000_000_000
    records = records_frame(
        time_ns,
        {
            "lat_deg": np.round(lat, 7),
            "lon_deg": np.round(lon, 7),
            "elevation_m": np.round(ele, 1),
            "distance_m": d,
        },
    )
    meta = Meta(
        format="synthetic",
        source="tools/make_samples.py",
        sport="running",
        start_time=records.index[0],
        name="Hilly 10K course",
        extra={"timed": False},
    )
    return Activity(records=records, laps=empty_splits(), meta=meta)


def without_speed(act: Activity) -> Activity:
    """The same activity without the watch's speed column (a plain track export)."""
    records = act.records.copy()
    records["speed_mps"] = np.nan
    return Activity(records=records, laps=act.laps, meta=act.meta)


def write_samples(out_dir: Path | str = SAMPLES_DIR) -> list[Path]:
    """Write every sample into *out_dir*; return the paths written.

    Examples
    --------
    >>> paths = write_samples("/tmp/samples")  # doctest: +SKIP
    >>> [p.name for p in paths]  # doctest: +SKIP
    ['race_5k_kick.fit', 'race_5k_kick.gpx', 'easy_run_strides.fit', 'course_10k.gpx']
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    race = race_5k_kick()
    files = {
        "race_5k_kick.fit": ka.write_fit(race),
        "race_5k_kick.gpx": ka.write_gpx(without_speed(race)),
        "easy_run_strides.fit": ka.write_fit(easy_run_strides()),
        "course_10k.gpx": ka.write_gpx(course_10k()),
    }
    paths = []
    for name, data in files.items():
        path = out / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    for path in write_samples(Path(args[0]) if args else SAMPLES_DIR):
        print(f"{path}  {path.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
