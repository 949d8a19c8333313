"""Write the sample recordings in ``data/samples/`` (deterministic, byte for byte).

The samples are simulated runs (:func:`kickanalysis.simulate_run`, fixed seeds) written
with kickanalysis' own writers (:func:`kickanalysis.write_fit`,
:func:`kickanalysis.write_gpx`); the truth planted in them is in ``.truth`` of the
functions below (``tests/test_samples.py`` checks the files against it):

``race_5k_kick.fit`` / ``race_5k_kick.gpx``
    A 5 km race on a flat 2 km park loop at an even 4:00/km with a final kick over the
    last 400 m; 1 s recording, 1 km auto laps. The GPX is the same run as a track export
    without the speed extension (as most device exports), to stay small.
``easy_run_strides.fit``
    8 km easy at 5:30/km with a 40 s stop at 3 km (timer stopped) and 6 × 20 s strides
    with 60 s easy running between them near the end; 1 s recording.
``fade_10k.fit``
    10 km aimed at 4:30/km that fades by 10 % over the second half; smart recording
    (irregular 1–8 s gaps) as Garmin watches do by default.
``course_10k.gpx``
    A hilly 10 km loop as a route without times (``<rte>``), for pacing plans.

Re-running the script reproduces the files byte for byte.

Usage::

    python tools/make_samples.py [output_dir]   # default: data/samples next to tools/
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import kickanalysis as ka
from kickanalysis.activity import Activity
from kickanalysis.simulate import KickSpec, PauseSpec, StrideSpec

#: Where the samples go by default.
SAMPLES_DIR = Path(__file__).resolve().parents[1] / "data" / "samples"


def race_5k_kick() -> ka.SimulatedRun:
    """5 km race: even 4:00/km, a final kick over the last 400 m."""
    return ka.simulate_run(
        distance_m=5000,
        pace_s_per_km=240,
        course="flat",
        kick=KickSpec(distance_m=400, speed_increase_pct=25),
        distance_error_pct=0.2,
        start_time="2024-04-20T08:00:00Z",
        name="Park 5K race",
        seed=101,
    )


def easy_run_strides() -> ka.SimulatedRun:
    """8 km easy at 5:30/km, a 40 s stop at 3 km, 6 x 20 s strides near the end."""
    return ka.simulate_run(
        distance_m=8000,
        pace_s_per_km=330,
        course="flat",
        strides=StrideSpec(count=6, duration_s=20, recovery_s=60, start_m=6300),
        pauses=[PauseSpec(at_m=3000, duration_s=40, timer_stopped=True)],
        start_time="2024-04-17T06:30:00Z",
        name="Easy run with strides",
        seed=201,
    )


def fade_10k() -> ka.SimulatedRun:
    """10 km at 4:30/km fading by 10 % over the second half; smart recording."""
    return ka.simulate_run(
        distance_m=10_000,
        pace_s_per_km=270,
        course="flat",
        fade={"slowdown_pct": 10, "start_fraction": 0.5},
        sampling="smart",
        start_time="2024-05-12T09:00:00Z",
        name="10K that faded",
        seed=301,
    )


def course_10k() -> Activity:
    """A hilly 10 km loop, points every 25 m, without times."""
    return ka.simulate_course("hilly", length_m=10_000, spacing_m=25, name="Hilly 10K course")


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
    ['race_5k_kick.fit', 'race_5k_kick.gpx', 'easy_run_strides.fit', 'fade_10k.fit', 'course_10k.gpx']
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    race = race_5k_kick().activity
    files = {
        "race_5k_kick.fit": ka.write_fit(race),
        "race_5k_kick.gpx": ka.write_gpx(without_speed(race)),
        "easy_run_strides.fit": ka.write_fit(easy_run_strides().activity),
        "fade_10k.fit": ka.write_fit(fade_10k().activity),
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
