"""How well can *any* method time a rep from GPS positions alone? An oracle bound.

Usage: ``python benchmarks/bound_rep_edges.py [--sessions N] [--reps R]``

``bench_detection.py`` writes each interval session to a bare GPX (``gpx-bare``:
positions and times only, no speed, no cadence). There the only information about a
rep's edges is the track, whose error wanders: the simulator's GPS error is an
Ornstein-Uhlenbeck process per axis with a correlation time of 30 s and a horizontal
RMS of 1-5 m (:func:`kickanalysis.simulate_run`), as real GNSS position error is
correlated over tens of seconds (Townshend, Worringham & Stewart 2008, Med. Sci.
Sports Exerc. 40, 124-132). The error along the track, the part that moves distance,
is then one such process with the per-axis RMS (``gps_noise_m / sqrt(2)``).

This script gives the oracle an easier task than the detector has: it knows the speed
before and after every edge exactly, knows the error model, sees the edge as an
instant step (no acceleration ramp), 1 Hz samples and no spikes, and only has to find
the time of the edge. Its estimate is the maximum-likelihood one: the step time and
the unknown offset of the distance that minimise the generalised least-squares
residual of the cumulative distance over ±60 s, whitened with the AR(1) form of the
Ornstein-Uhlenbeck covariance (for a process sampled every second,
``e[i] = phi * e[i-1] + innovation``, ``phi = exp(-1 / 30)``). No method can do
better on average with the same data.

A session is a warm-up at ``--easy`` m/s, ``--reps`` reps at ``--rep`` m/s with
recoveries at ``--recovery`` m/s between them, then a cool-down at the easy pace. It
is right when every rep's duration (end edge minus start edge) is within 3 s, the
criterion of ``bench_detection.py``. The printed share of right sessions per GPS error
is the ceiling for ``gpx-bare``: at 3 m and more, a share of sessions cannot be timed
within 3 s from positions alone, and ``bench_detection.py``'s ``gpx-bare`` row should be
read against it.
"""

from __future__ import annotations

import argparse

import numpy as np

CORRELATION_S = 30.0  # the simulator's gps_correlation_s
HALF_WINDOW_S = 60  # samples either side of the edge the oracle sees
SEARCH_S = 20.0  # the oracle searches the edge within ±20 s, in 0.1 s steps
TOLERANCE_S = 3.0


def edge_errors(
    rng: np.random.Generator, gps_noise_m: float, v0: float, v1: float, n: int
) -> np.ndarray:
    """Errors [s] of the oracle's step time for ``n`` edges from ``v0`` to ``v1`` [m/s]."""
    phi = np.exp(-1.0 / CORRELATION_S)
    sigma = gps_noise_m / np.sqrt(2.0)  # along-track RMS [m]
    t = np.arange(-HALF_WINDOW_S, HALF_WINDOW_S + 1, dtype=np.float64)
    taus = np.arange(-SEARCH_S, SEARCH_S + 1e-9, 0.1)
    model = np.where(t < taus[:, None], v0 * t, v0 * taus[:, None] + v1 * (t - taus[:, None]))

    def whiten(r: np.ndarray) -> np.ndarray:
        w = np.empty_like(r)
        w[..., 0] = r[..., 0]
        w[..., 1:] = (r[..., 1:] - phi * r[..., :-1]) / np.sqrt(1.0 - phi * phi)
        return w

    ones = whiten(np.ones(len(t)))
    # stationary AR(1) error paths, one row per edge
    e = np.empty((n, len(t)))
    e[:, 0] = rng.normal(0.0, sigma, n)
    shocks = rng.normal(0.0, sigma * np.sqrt(1.0 - phi * phi), (n, len(t)))
    for i in range(1, len(t)):
        e[:, i] = phi * e[:, i - 1] + shocks[:, i]
    truth = np.where(t < 0.0, v0 * t, v1 * t)
    out = np.empty(n)
    for k in range(n):
        r = whiten((truth + e[k])[None, :] - model)
        offset = (r @ ones) / (ones @ ones)
        rss = ((r - offset[:, None] * ones[None, :]) ** 2).sum(axis=1)
        out[k] = taus[np.argmin(rss)]
    return out


def session_share(
    rng: np.random.Generator,
    gps_noise_m: float,
    *,
    sessions: int,
    reps: int,
    easy: float,
    rep: float,
    recovery: float,
) -> float:
    """Share of sessions whose every rep the oracle times within 3 s."""
    start1 = edge_errors(rng, gps_noise_m, easy, rep, sessions)
    end_last = edge_errors(rng, gps_noise_m, rep, easy, sessions)
    starts = edge_errors(rng, gps_noise_m, recovery, rep, sessions * (reps - 1))
    ends = edge_errors(rng, gps_noise_m, rep, recovery, sessions * (reps - 1))
    start = np.column_stack((start1, starts.reshape(sessions, reps - 1)))
    end = np.column_stack((ends.reshape(sessions, reps - 1), end_last))
    return float(np.mean(np.all(np.abs(end - start) <= TOLERANCE_S, axis=1)))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=1000, help="sessions per GPS error")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--easy", type=float, default=2.7, help="warm-up/cool-down [m/s]")
    ap.add_argument("--rep", type=float, default=3.55, help="rep speed [m/s]")
    ap.add_argument("--recovery", type=float, default=2.1, help="recovery speed [m/s]")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    print(
        f"oracle from positions alone: {args.reps} reps at {args.rep} m/s, warm-up and "
        f"cool-down at {args.easy} m/s, recoveries at {args.recovery} m/s"
    )
    print("GPS error [m]   sessions with every rep within 3 s")
    for gps in (1.0, 2.0, 3.0, 4.0, 5.0):
        share = session_share(
            rng,
            gps,
            sessions=args.sessions,
            reps=args.reps,
            easy=args.easy,
            rep=args.rep,
            recovery=args.recovery,
        )
        print(f"{gps:9.0f}        {share:6.1%}")


if __name__ == "__main__":
    main()
