"""Accuracy of the detectors (strides, intervals, final kick) on simulated runs.

Usage: ``python benchmarks/bench_detection.py [--seeds N] [--jobs N] [--csv out.csv]
[--formats fit gpx gpx-pos gpx-bare]``

Every seed makes one run of each kind below with the project's simulator
(:func:`kickanalysis.simulate_run`), drawing the runner's pace, the GPS noise (1–5 m),
the sampling (1 s or smart recording), the course (flat or hilly) and stops from a
seeded generator. Each run is written to FIT, to GPX as our writer and Garmin write it
(positions and the watch's speed, in the TrackPointExtension) and to GPX with positions
only (as Strava exports it: distance and speed must come from the noisy positions),
and to a bare GPX with positions, times and elevations only (``gpx-bare``: no speed, no
cadence, no heart rate, as a phone app without sensors records it), read back with
:func:`kickanalysis.read`, and put through all three detectors:

========== ============================================================ =================
kind       what is planted                                              expected
========== ============================================================ =================
strides    an easy run with a set of 4–8 strides of 10–25 s; half of    the strides
           them with slowdowns and pace drift outside the strides
easy       a steady easy run with many GPS spikes                       nothing
stops      an easy run with three stops (timer running or stopped)      nothing
intervals  speedwork: 6×800 m, 5×3 min, 10×400 m, 4×1 km or 3×2 km;     the reps
           half of them with slowdowns and pace drift outside the
           session
race_kick  a 5 or 10 km race with a final kick of 100–800 m, +10–35 %   the kick
race_even  the same race at an even pace                                no kick
race_fade  the same race fading 6–12 % over the second half             no kick
messy      an easy run of 6–12 km with 1–3 walk breaks, slowdowns,      nothing
           pace drift, 1–2 periods of degraded GPS and hills that cost
           more or less than the grade rule
========== ============================================================ =================

The watch's own speed (in FIT and GPX) always has Doppler noise of 0.1–0.3 m/s
(``speed_noise_mps``), larger where GPS is degraded: a real device speed is never exact.

A detected stride or rep matches a planted one when they overlap in time (one-to-one,
the largest overlap first). The tables give precision, recall and F1 of strides and
reps per format, the reps' duration errors, the events found where none were planted,
and the kick's detection rates and onset error (the detected start time minus the
planted one).
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

import kickanalysis as ka
from kickanalysis.errors import DataQualityWarning
from kickanalysis.simulate import IntervalSpec, KickSpec, PauseSpec, StrideSpec

FORMATS = ("fit", "gpx", "gpx-pos", "gpx-bare")
REP_TOLERANCE_S = 3.0  # a rep is timed right when its duration is off by no more
KINDS = (
    "strides",
    "easy",
    "stops",
    "intervals",
    "race_kick",
    "race_even",
    "race_fade",
    "messy",
)
WORKOUTS = (
    {"reps": 6, "distance_m": 800.0, "recovery_s": 90.0},
    {"reps": 5, "duration_s": 180.0, "recovery_s": 120.0},
    {"reps": 10, "distance_m": 400.0, "recovery_s": 60.0},
    {"reps": 4, "distance_m": 1000.0, "recovery_m": 400.0},
    {"reps": 3, "distance_m": 2000.0, "recovery_s": 180.0},
)


def scenario(kind: str, seed: int) -> dict[str, Any]:
    """The simulator's arguments for one run of *kind*, drawn from *seed*."""
    rng = np.random.default_rng([seed, KINDS.index(kind)])
    kw: dict[str, Any] = {
        "seed": seed,
        "gps_noise_m": float(rng.choice([1.0, 2.0, 3.0, 4.0, 5.0])),
        "sampling": str(rng.choice(["1s", "smart"])),
        "course": str(rng.choice(["flat", "hilly"])),
        "heart_rate": bool(rng.random() < 0.7),
    }
    easy = float(rng.uniform(270.0, 420.0))  # easy pace [s/km]
    if kind == "strides":
        kw |= {"distance_m": float(rng.uniform(6000, 9000)), "pace_s_per_km": easy}
        kw["strides"] = StrideSpec(
            count=int(rng.integers(4, 9)),
            duration_s=float(rng.uniform(10.0, 25.0)),
            recovery_s=float(rng.uniform(45.0, 90.0)),
            start_m=2500.0 if rng.random() < 0.5 else None,  # mid-run or near the end
        )
        if rng.random() < 0.3:
            kw["pauses"] = [PauseSpec(at_m=1200.0, duration_s=45.0)]
        if rng.random() < 0.5:  # random mess stays outside the planted strides
            kw |= {
                "slowdowns": float(rng.uniform(6.0, 10.0)),
                "pace_drift": float(rng.uniform(3.0, 5.0)),
            }
    elif kind == "easy":
        kw |= {"distance_m": float(rng.uniform(6000, 9000)), "pace_s_per_km": easy}
        kw["gps_spike_rate_per_h"] = 20.0
    elif kind == "stops":
        kw |= {"distance_m": float(rng.uniform(6000, 9000)), "pace_s_per_km": easy}
        kw["pauses"] = [
            PauseSpec(at_m=at, duration_s=float(rng.uniform(15, 90)), timer_stopped=bool(stop))
            for at, stop in zip((1500.0, 3000.0, 4500.0), rng.random(3) < 0.5)
        ]
    elif kind == "intervals":
        workout = WORKOUTS[seed % len(WORKOUTS)]
        kw |= {"pace_s_per_km": easy, "intervals": IntervalSpec(**workout)}
        kw["distance_m"] = 2000.0 + _session_m(workout, 1000.0 / easy) + 1500.0
        if rng.random() < 0.5:  # in the warm-up and cool-down
            kw |= {
                "slowdowns": float(rng.uniform(6.0, 10.0)),
                "pace_drift": float(rng.uniform(3.0, 5.0)),
            }
    elif kind == "messy":
        kw |= {"distance_m": float(rng.uniform(6000, 12000)), "pace_s_per_km": easy}
        kw |= {
            "walk_breaks": int(rng.integers(1, 4)),
            "slowdowns": float(rng.uniform(6.0, 12.0)),
            "pace_drift": float(rng.uniform(3.0, 6.0)),
            "gps_degraded": int(rng.integers(1, 3)),
            "grade_response_sd": 0.3,
        }
    else:
        kw |= {
            "distance_m": float(rng.choice([5000.0, 10000.0])),
            "pace_s_per_km": float(rng.uniform(180.0, 330.0)),
        }
        if kind == "race_kick":
            kw["kick"] = KickSpec(
                distance_m=float(rng.uniform(100.0, 800.0)),
                speed_increase_pct=float(rng.uniform(10.0, 35.0)),
            )
        elif kind == "race_fade":
            kw["fade"] = float(rng.uniform(6.0, 12.0))
    kw["speed_noise_mps"] = float(rng.uniform(0.1, 0.3))  # device speed is never exact
    return kw


def _session_m(workout: dict[str, float], base_mps: float) -> float:
    """Rough length of an interval session after its warm-up [m]."""
    rep_m = workout.get("distance_m") or workout["duration_s"] * 1.3 * base_mps
    rec_m = workout.get("recovery_m") or workout.get("recovery_s", 90.0) * 0.75 * base_mps
    return workout["reps"] * (rep_m + rec_m)


def _match(found: pd.DataFrame, planted: pd.DataFrame) -> list[tuple[int, int]]:
    """One-to-one pairs (found row, planted row) that overlap in time, best first."""
    if found.empty or planted.empty:
        return []
    fs = found["start_time"].to_numpy()[:, None]
    fe = found["end_time"].to_numpy()[:, None]
    ps = planted["start_time"].to_numpy()[None, :]
    pe = planted["end_time"].to_numpy()[None, :]
    overlap = (np.minimum(fe, pe) - np.maximum(fs, ps)) / np.timedelta64(1, "s")
    pairs, used_f, used_p = [], set(), set()
    for i, j in zip(*np.unravel_index(np.argsort(-overlap, axis=None), overlap.shape)):
        if overlap[i, j] <= 0:
            break
        if i not in used_f and j not in used_p:
            pairs.append((int(i), int(j)))
            used_f.add(i)
            used_p.add(j)
    return pairs


def evaluate(job: tuple[str, int, str]) -> dict[str, Any]:
    """Simulate, write, read back and detect one run; one row of results."""
    from kickanalysis.analysis.intervals import detect_intervals
    from kickanalysis.analysis.kick import detect_kick
    from kickanalysis.analysis.strides import detect_strides

    kind, seed, fmt = job
    kw = scenario(kind, seed)
    sim = ka.simulate_run(**kw)
    written = sim.activity
    if fmt in ("gpx-pos", "gpx-bare"):  # no speed in the file
        records = written.records.assign(speed_mps=np.nan)
        if fmt == "gpx-bare":  # nor any sensor
            records = records.assign(cadence_spm=np.nan, heart_rate_bpm=np.nan)
        written = ka.Activity(records=records, laps=written.laps, meta=written.meta)
    writer = ka.write_fit if fmt == "fit" else ka.write_gpx
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        act = ka.read(io.BytesIO(writer(written)))
    row: dict[str, Any] = {"kind": kind, "seed": seed, "format": fmt}
    row |= {k: kw.get(k) for k in ("gps_noise_m", "sampling", "course", "pace_s_per_km")}
    t0 = time.perf_counter()
    strides = detect_strides(act)
    reps = detect_intervals(act)
    kick = detect_kick(act)
    row["detect_s"] = time.perf_counter() - t0
    truth = sim.truth
    for name, found, planted in (
        ("stride", strides, truth.strides),
        ("rep", reps, truth.intervals),
    ):
        pairs = _match(found, planted)
        row[f"{name}_planted"] = len(planted)
        row[f"{name}_found"] = len(found)
        row[f"{name}_matched"] = len(pairs)
        errs = [found["duration_s"].iloc[i] - planted["duration_s"].iloc[j] for i, j in pairs]
        row[f"{name}_max_dur_err_s"] = float(np.max(np.abs(errs))) if errs else np.nan
    row["kick_planted"] = truth.kick is not None
    # the gain the runner really ran over the 500 m before (the plan is relative to the
    # target pace, before the natural variation of the pace)
    row["kick_realised_pct"] = (
        100.0 * (truth.kick.kick_speed_mps / truth.kick.baseline_speed_mps - 1.0)
        if truth.kick is not None
        else np.nan
    )
    row["kick_found"] = bool(kick.detected)
    if truth.kick is not None and kick.detected:
        row["kick_onset_err_s"] = (kick.start_time - truth.kick.start_time).total_seconds()
    else:
        row["kick_onset_err_s"] = np.nan
    return row


def reps_right(rows: Any) -> Any:
    """Whether every planted rep was found with its duration within
    :data:`REP_TOLERANCE_S`, for rows of :func:`evaluate` (one dict, or a frame)."""
    return (rows["rep_matched"] == rows["rep_planted"]) & (
        rows["rep_max_dur_err_s"] <= REP_TOLERANCE_S
    )


def _prf(df: pd.DataFrame, name: str) -> tuple[float, float, float]:
    tp = df[f"{name}_matched"].sum()
    found, planted = df[f"{name}_found"].sum(), df[f"{name}_planted"].sum()
    p = tp / found if found else 1.0
    r = tp / planted if planted else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def report(df: pd.DataFrame) -> str:
    """The printed tables."""
    out = []
    names = {
        "fit": "FIT",
        "gpx": "GPX",
        "gpx-pos": "GPX without speed (gpx-pos)",
        "gpx-bare": "GPX with positions only (gpx-bare)",
    }
    formats = list(dict.fromkeys(df["format"]))
    out.append(
        f"runs: {len(df) // len(formats)} simulated, each read back from "
        + ", ".join(names[f] for f in formats)
        + "\n"
    )
    lines = [
        "format    strides P / R / F1        reps P / R / F1           all reps found, |dur err| ≤ 3 s"
    ]
    for fmt, g in df.groupby("format", sort=False):
        sp, sr, sf = _prf(g[g.kind == "strides"], "stride")
        rp, rr, rf = _prf(g[g.kind == "intervals"], "rep")
        iv = g[g.kind == "intervals"]
        # every planted rep found, each with its duration within 3 s
        ok = reps_right(iv).sum()
        lines.append(
            f"{fmt:8s}  {sp:.3f} / {sr:.3f} / {sf:.3f}     {rp:.3f} / {rr:.3f} / {rf:.3f}"
            f"     {ok}/{len(iv)} sessions (worst {iv['rep_max_dur_err_s'].max():.2f} s)"
        )
    out.append("\n".join(lines))
    lines = ["\nfalse events (found where none planted), runs with any / runs:"]
    for (fmt, kind), g in df.groupby(["format", "kind"], sort=False):
        fs = g["stride_found"] if kind != "strides" else g["stride_found"] - g["stride_matched"]
        fr = g["rep_found"] if kind != "intervals" else g["rep_found"] - g["rep_matched"]
        lines.append(
            f"  {fmt:8s} {kind:10s} strides {int((fs > 0).sum()):3d}/{len(g):<4d} ({int(fs.sum())} in all)"
            f"   reps {int((fr > 0).sum()):3d}/{len(g):<4d} ({int(fr.sum())} in all)"
            f"   kicks {int(g['kick_found'].sum()):3d}/{len(g)}"
        )
    out.append("\n".join(lines))
    lines = [
        "\nkick     detected (planted)   detected (even)   detected (fade)   onset error median / worst"
    ]
    for fmt, g in df.groupby("format", sort=False):
        k, e, f = (
            g[g.kind == x]["kick_found"].mean() for x in ("race_kick", "race_even", "race_fade")
        )
        err = g["kick_onset_err_s"].abs().dropna()
        lines.append(
            f"{fmt:8s} {k:8.1%}             {e:8.1%}          {f:8.1%}"
            f"          {err.median():.1f} s / {err.max():.1f} s"
        )
    gains = df.loc[df.kind == "race_kick", "kick_realised_pct"]
    lines.append(
        f"(planted kicks ran {gains.min():+.1f} % to {gains.max():+.1f} % over the 500 m before"
        " them: the planned gain on top of the natural variation of the pace)"
    )
    out.append("\n".join(lines))
    out.append(
        f"\ndetection time per run (all three detectors): median {df['detect_s'].median() * 1e3:.1f} ms"
    )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=40, help="runs of each kind (default 40)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--csv", help="also write every run's row to this CSV file")
    ap.add_argument(
        "--formats", nargs="+", choices=FORMATS, default=list(FORMATS), help="formats to read"
    )
    args = ap.parse_args(argv)
    jobs = [(k, s, f) for s in range(args.seeds) for k in KINDS for f in args.formats]
    t0 = time.perf_counter()
    if args.jobs > 1:
        with multiprocessing.Pool(args.jobs) as pool:
            rows = pool.map(evaluate, jobs, chunksize=4)
    else:
        rows = [evaluate(j) for j in jobs]
    df = pd.DataFrame(rows)
    if args.csv:
        df.to_csv(args.csv, index=False)
    print(report(df))
    print(f"\n({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
