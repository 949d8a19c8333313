"""Speed of the analyses on one-hour runs.

Usage: ``python benchmarks/bench_analysis.py [--repeat N] [--only NAME,NAME] [--no-real]
[--stat median|min]``

Times, in milliseconds (the median, or with ``--stat min`` the fastest, of
``--repeat`` calls after one warm-up call), the
shared preparation :func:`kickanalysis.analysis._prepare.prepare` and each analysis of
:mod:`kickanalysis.analysis` (``splits``, ``negative_split``, ``pacing_profile``,
``summarize``, ``detect_strides``, ``detect_intervals``, ``detect_kick``), each called
on the Activity as a user would call it (so each analysis includes its own
preparation). The inputs are:

- ``sim-fit``: a simulated one-hour run at 1 Hz on the hilly course
  (:func:`kickanalysis.simulate_run`, seed 0), written to FIT and read back: the
  distance is the device's;
- ``sim-gpx``: the same run written to GPX and read back: the distance must be
  computed from the noisy positions;
- ``real-…``: the long real recordings below from ``../shared/data/real/fit/`` (or
  ``$KICKANALYSIS_REAL_DATA``), when present.

The machine is usually shared: compare numbers from one session, not across days.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kickanalysis as ka
from kickanalysis.analysis import (
    detect_intervals,
    detect_kick,
    detect_strides,
    negative_split,
    pacing_profile,
    splits,
    summarize,
)
from kickanalysis.analysis._prepare import prepare

HERE = Path(__file__).resolve().parent
REAL = Path(
    os.environ.get("KICKANALYSIS_REAL_DATA", HERE.parent.parent / "shared" / "data" / "real")
)
#: Long real running recordings used when present (path under REAL, label).
REAL_FILES = (
    ("fit/sports-lib__garmin.fit", "real-garmin-28km"),
    ("fit/sports-lib__TrailRun20200215111630.fit", "real-coros-21km"),
)

ANALYSES: dict[str, Callable[[Any], Any]] = {
    "prepare": prepare,
    "splits": splits,
    "negative_split": negative_split,
    "pacing_profile": pacing_profile,
    "summarize": summarize,
    "detect_strides": detect_strides,
    "detect_intervals": detect_intervals,
    "detect_kick": detect_kick,
}


def inputs(use_real: bool) -> dict[str, ka.Activity]:
    """The activities to time, by label."""
    sim = ka.simulate_run(duration_s=3600.0, pace_s_per_km=300.0, course="hilly", seed=0)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["sim-fit"] = ka.read(io.BytesIO(ka.write_fit(sim.activity)))
        out["sim-gpx"] = ka.read(io.BytesIO(ka.write_gpx(sim.activity)))
        if use_real:
            for rel, label in REAL_FILES:
                if (REAL / rel).is_file():
                    out[label] = ka.read(REAL / rel)
    return out


def time_ms(func: Callable[[Any], Any], arg: Any, repeat: int, stat: str = "median") -> float:
    """Median (or least) wall time of ``func(arg)`` [ms] over ``repeat`` calls, after a
    warm-up call."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        func(arg)
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            func(arg)
            times.append(time.perf_counter() - t0)
    return 1e3 * (min(times) if stat == "min" else statistics.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21, help="calls per timing (median)")
    parser.add_argument("--only", default="", help="comma-separated analyses to time")
    parser.add_argument("--no-real", action="store_true", help="skip the real recordings")
    parser.add_argument("--stat", choices=("median", "min"), default="median")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(ANALYSES)
    unknown = set(names) - set(ANALYSES)
    if unknown:
        parser.error(f"unknown analyses: {', '.join(sorted(unknown))}")
    acts = inputs(not args.no_real)
    labels = list(acts)
    print(f"{args.stat} of {args.repeat} calls [ms]; records: ", end="")
    print(", ".join(f"{k} {len(a.records)}" for k, a in acts.items()))
    width = max(len(n) for n in names) + 2
    print("".ljust(width) + "".join(f"{k:>18s}" for k in labels))
    for name in names:
        row = [time_ms(ANALYSES[name], acts[k], args.repeat, args.stat) for k in labels]
        print(name.ljust(width) + "".join(f"{v:18.2f}" for v in row), flush=True)


if __name__ == "__main__":
    main()
