"""How well can any method time the reps of the benchmark's sessions without a speed?

Usage: ``python benchmarks/oracle_rep_edges.py [--seeds N] [--jobs N]``

``bench_detection.py`` asks that every planted rep of an interval session be found with
its duration within 3 s, and writes each session to a GPX without the watch's speed
(``gpx-pos``: positions, cadence, heart rate) and to a bare GPX (``gpx-bare``: positions
only). There the time of a rep's start or end can only come from the cadence and from
the track, and this script measures how often even a maximum-likelihood estimator that
knows the noise models exactly is right, on the very sessions of
``bench_detection.py`` (its ``scenario("intervals", seed)`` for seeds ``0 … N-1``).

For each planted edge the oracle sees the recorded samples within 30 s of it (no
nearer to a neighbouring edge than halfway) and knows:

* the cadence's noise: the simulator's Ornstein-Uhlenbeck process (1.5 steps/min,
  5 s) plus the rounding to even steps per minute (uniform, variance 1/3);
* the along-track GPS error: an Ornstein-Uhlenbeck process with the run's RMS per axis
  (``gps_noise_m / sqrt(2)``) and the simulator's 30 s correlation time (the error
  across the track moves no distance and is left out: the oracle sees the true
  distance plus the along-track error);
* the true time of the edge up to ±12 s, which it searches in 0.1 s steps.

It does not know the two levels. Its model is a step in the mean cadence (the share
of each second after the edge) and a kink in the distance (one speed before and one
after), with the levels, the offset and the edge time fitted by generalised least
squares with the exact covariance: the maximum-likelihood estimate for that model
(Hinkley 1970, "Inference about the change-point in a sequence of random variables",
Biometrika 57, 1-17, for the step in independent noise; here whitened with the
Cholesky factor of the known covariance). The real pace varies a little around each
level and changes over 1-3 s, which the model does not hold: these are the
limits every detector works within.

Three oracles are timed: the cadence alone, the positions alone (all ``gpx-bare``
has) and both (all ``gpx-pos`` has, besides heart rate, which lags the pace by tens
of seconds), next to :func:`kickanalysis.detect_intervals` on the same sessions read
back from ``gpx-pos`` and ``gpx-bare`` files (``bench_detection.evaluate``). A session
is right when every planted rep is found (the oracles always find them) with its
duration within 3 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from typing import Any

import numpy as np
from bench_detection import REP_TOLERANCE_S, evaluate, reps_right, scenario

import kickanalysis as ka
from kickanalysis import simulate

HALF_WINDOW_S = 30.0  # samples either side of the edge the oracle sees
SEARCH_S = 12.0  # the oracle searches the edge within ±12 s of the truth, 0.1 s steps
ROUNDING_VAR = 1.0 / 3.0  # cadence rounded to even steps/min: uniform on ±1
ORACLES = ("cadence", "positions", "cadence + positions")


def _gls_rss(y: np.ndarray, designs: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Generalised least-squares residual sum of squares of ``y`` on each design
    (``designs``: one ``(m, p)`` matrix per candidate) with covariance ``cov``."""
    inv = np.linalg.inv(np.linalg.cholesky(cov))
    yw = inv @ y
    xw = np.einsum("ij,kjp->kip", inv, designs)
    gram = np.einsum("kip,kiq->kpq", xw, xw)
    rhs = np.einsum("kip,i->kp", xw, yw)
    beta = np.linalg.solve(gram, rhs[..., None])[..., 0]
    return yw @ yw - np.einsum("kp,kp->k", rhs, beta)


def _edge_errors(
    t: np.ndarray,
    cadence: np.ndarray,
    along_m: np.ndarray,
    gps_sd_m: float,
    gps_tau_s: float,
    edges: np.ndarray,
) -> dict[str, np.ndarray]:
    """Each oracle's error [s] at every edge (times [s] since the start)."""
    offsets = np.arange(-SEARCH_S, SEARCH_S + 1e-9, 0.1)
    out = {name: np.empty(len(edges)) for name in ORACLES}
    order = np.argsort(edges)
    ranked = edges[order]
    for rank, k in enumerate(order):
        e = edges[k]
        lo = (
            e - HALF_WINDOW_S if rank == 0 else max(e - HALF_WINDOW_S, 0.5 * (ranked[rank - 1] + e))
        )
        last = rank + 1 == len(ranked)
        hi = e + HALF_WINDOW_S if last else min(e + HALF_WINDOW_S, 0.5 * (ranked[rank + 1] + e))
        sel = (t >= lo) & (t <= hi)
        taus = e + offsets
        nll = {}
        # the cadence: a step in the mean (the share of each second after the edge)
        ok = sel & np.isfinite(cadence)
        tc = t[ok]
        lag = np.abs(tc[:, None] - tc[None, :])
        cov = simulate._CADENCE_NOISE_SPM**2 * np.exp(-lag / simulate._CADENCE_NOISE_TAU_S)
        cov += ROUNDING_VAR * np.eye(len(tc))
        after = np.clip(tc[None, :] - taus[:, None], 0.0, 1.0)
        designs = np.stack((np.ones_like(after), after), axis=2)
        nll["cadence"] = _gls_rss(cadence[ok], designs, cov)
        # the distance along the track: a kink (one speed before, one after)
        tp = t[sel]
        lag = np.abs(tp[:, None] - tp[None, :])
        cov = gps_sd_m**2 * np.exp(-lag / gps_tau_s) + 1e-6 * np.eye(len(tp))
        rel = tp[None, :] - taus[:, None]
        designs = np.stack((np.ones_like(rel), np.minimum(rel, 0.0), np.maximum(rel, 0.0)), axis=2)
        nll["positions"] = _gls_rss(along_m[sel], designs, cov)
        nll["cadence + positions"] = nll["cadence"] + nll["positions"]
        for name in ORACLES:
            out[name][k] = offsets[np.argmin(nll[name])]
    return out


def session(seed: int) -> dict[str, Any]:
    """The oracles' and the detector's verdicts on one benchmark session."""
    kw = scenario("intervals", seed)
    sim = ka.simulate_run(**kw)
    s = sim.truth.samples
    kept = s["recorded"].to_numpy() & s["timer_running"].to_numpy()
    t_all = s["elapsed_s"].to_numpy()
    # the along-track error: the GPS error projected on the direction of travel
    lat = np.radians(s["lat_deg"].to_numpy())
    lon = np.radians(s["lon_deg"].to_numpy())
    east = np.gradient(np.unwrap(lon)) * np.cos(lat)
    north = np.gradient(lat)
    norm = np.hypot(east, north)
    norm = np.where(norm > 0, norm, 1.0)
    along_err = (
        s["gps_error_east_m"].to_numpy() * east + s["gps_error_north_m"].to_numpy() * north
    ) / norm
    along = s["distance_m"].to_numpy() + along_err
    records = sim.activity.records
    t = records["elapsed_s"].to_numpy()
    idx = np.searchsorted(t_all, t)
    assert kept[idx].all() and np.allclose(t_all[idx], t)
    cadence = records["cadence_spm"].to_numpy(dtype=np.float64, na_value=np.nan)
    reps = sim.truth.intervals
    starts = reps["start_elapsed_s"].to_numpy()
    ends = reps["end_elapsed_s"].to_numpy()
    errs = _edge_errors(
        t,
        cadence,
        along[idx],
        kw["gps_noise_m"] / np.sqrt(2.0),
        sim.truth.params["gps_correlation_s"],
        np.concatenate((starts, ends)),
    )
    row: dict[str, Any] = {"seed": seed, "gps_noise_m": kw["gps_noise_m"]}
    n = len(starts)
    for name in ORACLES:
        dur = errs[name][n:] - errs[name][:n]
        row[name] = bool(np.all(np.abs(dur) <= REP_TOLERANCE_S))
    for fmt in ("gpx-pos", "gpx-bare"):
        row[fmt] = bool(reps_right(evaluate(("intervals", seed, fmt))))
    return row


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=90, help="interval sessions (default 90)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    seeds = list(range(args.seeds))
    if args.jobs > 1:
        with multiprocessing.Pool(args.jobs) as pool:
            rows = pool.map(session, seeds, chunksize=2)
    else:
        rows = [session(s) for s in seeds]
    n = len(rows)
    print(f"interval sessions of bench_detection.py, seeds 0-{n - 1}: every rep within 3 s")
    print(f"{'estimator':44s} sessions   missed (seed)")
    for name, label in (
        ("cadence", "oracle, cadence alone"),
        ("positions", "oracle, positions alone (all gpx-bare has)"),
        ("cadence + positions", "oracle, cadence + positions (gpx-pos)"),
        ("gpx-pos", "detect_intervals on gpx-pos"),
        ("gpx-bare", "detect_intervals on gpx-bare"),
    ):
        missed = [r["seed"] for r in rows if not r[name]]
        shown = " ".join(map(str, missed[:12])) + (" …" if len(missed) > 12 else "")
        print(f"{label:44s} {n - len(missed):3d}/{n}     {shown}")
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
