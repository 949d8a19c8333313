"""Native GPX reader vs gpxpy: median wall time per file and the ratio.

Usage: ``python benchmarks/bench_gpx.py [folder-or-files ...]`` (defaults to the largest
files of ``../shared/data/real/gpx``). "gpxpy parse" is ``gpxpy.parse`` alone;
"gpxpy → Activity" is kickanalysis' ``engine="gpxpy"`` (parse plus building the frame).
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from pathlib import Path

import gpxpy

from kickanalysis.io.gpx import gpx_from_bytes


def median_s(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str]) -> None:
    if argv:
        paths = []
        for a in argv:
            p = Path(a)
            paths += sorted(p.glob("*.gpx")) if p.is_dir() else [p]
    else:
        folder = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "gpx"
        paths = sorted(folder.glob("*.gpx"), key=lambda p: p.stat().st_size)[-6:]
    warnings.simplefilter("ignore")
    print(f"{'file':45s} {'points':>7s} {'native':>9s} {'gpxpy':>9s} {'gpxpy→A':>9s} {'ratio':>7s}")
    for path in paths:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
        n = len(gpx_from_bytes(data, path.name).records)
        src = path.name
        native = median_s(lambda d=data, s=src: gpx_from_bytes(d, s), 21)
        parse = median_s(lambda t=text: gpxpy.parse(t), 5)
        full = median_s(lambda d=data, s=src: gpx_from_bytes(d, s, engine="gpxpy"), 5)
        print(
            f"{path.name[:45]:45s} {n:7d} {native * 1e3:7.1f}ms {parse * 1e3:7.1f}ms "
            f"{full * 1e3:7.1f}ms {full / native:6.1f}x"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
