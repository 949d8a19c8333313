"""Native GPX reader vs gpxpy: median wall time per file and the ratios.

Usage: ``python benchmarks/bench_gpx.py [--rounds N] [folder-or-files ...]`` (defaults
to the six largest files of ``../shared/data/real/gpx``).

Columns: "native" is ``gpx_from_bytes(engine="native")``; "gpxpy" is ``gpxpy.parse``
alone; "gpxpy→A" is kickanalysis' ``engine="gpxpy"`` (gpxpy's parse plus building the
same records frame). The three are run interleaved, round after round (the native
reader several times per round), so that a noisy, shared machine slows them alike;
every figure is a median over the rounds. "×parse" and "×full" are gpxpy's times
divided by the native one.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

import gpxpy

from kickanalysis.io.gpx import gpx_from_bytes


def _time(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench(path: Path, rounds: int, native_per_round: int) -> dict[str, float]:
    """Median seconds of the three readers on *path*, interleaved over *rounds*."""
    data = path.read_bytes()
    text = data.decode("utf-8-sig")
    src = path.name
    native: list[float] = []
    parse: list[float] = []
    full: list[float] = []
    for _ in range(rounds):
        native += [_time(lambda: gpx_from_bytes(data, src)) for _ in range(native_per_round)]
        parse.append(_time(lambda: gpxpy.parse(text)))
        native.append(_time(lambda: gpx_from_bytes(data, src)))
        full.append(_time(lambda: gpx_from_bytes(data, src, engine="gpxpy")))
    return {
        "points": len(gpx_from_bytes(data, src).records),
        "native": statistics.median(native),
        "parse": statistics.median(parse),
        "full": statistics.median(full),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", help="GPX files or folders")
    ap.add_argument("--rounds", type=int, default=9, help="interleaved rounds per file")
    ap.add_argument("--native", type=int, default=4, help="native runs per round")
    args = ap.parse_args(argv)
    paths: list[Path] = []
    for a in args.paths:
        p = Path(a)
        paths += sorted(p.glob("*.gpx")) if p.is_dir() else [p]
    if not paths:
        folder = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "gpx"
        paths = sorted(folder.glob("*.gpx"), key=lambda p: p.stat().st_size)[-6:]
    warnings.simplefilter("ignore")
    print(
        f"{'file':42s} {'points':>7s} {'native':>9s} {'gpxpy':>9s} {'gpxpy→A':>9s} "
        f"{'×parse':>7s} {'×full':>7s}"
    )
    for path in paths:
        r = bench(path, args.rounds, args.native)
        print(
            f"{path.name[:42]:42s} {r['points']:7d} {r['native'] * 1e3:7.1f}ms "
            f"{r['parse'] * 1e3:7.1f}ms {r['full'] * 1e3:7.1f}ms "
            f"{r['parse'] / r['native']:6.1f}x {r['full'] / r['native']:6.1f}x",
            flush=True,
        )


if __name__ == "__main__":
    main()
