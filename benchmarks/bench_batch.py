"""Throughput and memory of ``analyze_many`` on a folder of one-hour runs.

Usage: ``python benchmarks/bench_batch.py [--files 1000] [--distinct 25] [--jobs 1 2]``

Writes ``--files`` FIT files of simulated one-hour runs (1 Hz, heart rate, cadence,
laps) into a temporary folder — ``--distinct`` different runs, repeated under other
names, as the simulator is slower than the analysis — then times
:func:`kickanalysis.analyze_many` over the folder with each number of worker processes,
each in a fresh child process, and prints files per second and peak memory: the
resident peak of the process that calls ``analyze_many`` (which holds only the summary
rows) and of the largest worker.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
import kickanalysis as ka
folder, jobs, engine = sys.argv[1], int(sys.argv[2]), sys.argv[3]
t0 = time.perf_counter()
table = ka.analyze_many(folder, n_jobs=jobs, engine=engine, progress=False)
wall = time.perf_counter() - t0
self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"rows": len(table), "errors": int(table["error_type"].notna().sum()),
                  "wall_s": wall, "self_mb": self_kb / 1024, "worker_mb": child_kb / 1024}))
"""


def make_folder(folder: Path, files: int, distinct: int) -> None:
    import kickanalysis as ka

    runs = []
    for seed in range(distinct):
        sim = ka.simulate_run(duration_s=3600.0, pace_s_per_km=270.0 + 5 * seed, seed=seed)
        runs.append(ka.write_fit(sim.activity))
    for i in range(files):
        (folder / f"run_{i:05d}.fit").write_bytes(runs[i % distinct])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--distinct", type=int, default=25)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        make_folder(folder, args.files, args.distinct)
        size_mb = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
        print(
            f"{args.files} one-hour FIT runs ({size_mb:.0f} MB) written in "
            f"{time.perf_counter() - t0:.0f} s\n"
        )
        print("workers  engine      files/s   wall [s]   caller peak [MB]   worker peak [MB]")
        for jobs in args.jobs:
            engine = "serial" if jobs == 1 else "processes"
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(folder), str(jobs), engine],
                check=True,
                capture_output=True,
                text=True,
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            assert r["rows"] == args.files and r["errors"] == 0, r
            worker = r["worker_mb"] if jobs > 1 else r["self_mb"]
            print(
                f"{jobs:7d}  {engine:10s} {args.files / r['wall_s']:8.1f}   {r['wall_s']:8.1f}"
                f"   {r['self_mb']:16.0f}   {worker:16.0f}"
            )


if __name__ == "__main__":
    main()
