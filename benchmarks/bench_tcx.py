"""Native TCX reader vs the ``tcxreader`` package on the third-party TCX files.

Run ``python benchmarks/bench_tcx.py [folder] [--repeat N] [--baseline REF] [--floor]``.
Every file is decompressed once into a temporary plain ``.tcx``; then, repetition after
repetition, the readers run in a shuffled order on that same path (interleaved, so that
the noise of a shared machine hits all of them alike):

* ``kickanalysis.read_tcx(path)``,
* ``tcxreader.TCXReader().read(path)`` (needs ``pip install tcxreader``),
* with ``--baseline REF``, the ``io/tcx.py`` of the git revision *REF* (for before/after
  comparisons of the reader itself), loaded as a module beside the current one;
* with ``--floor``, the last step of our read alone: building the ``Activity`` (records
  frame, laps frame, meta) from the trackpoints already parsed. tcxreader's time divided
  by that is the best ratio any parser could reach while producing the same
  ``Activity`` (a parser that costs nothing).

Prints the median time per file of each reader and the ratios (tcxreader / kickanalysis,
baseline / kickanalysis), then the median ratios over all files and over the files of
more than 100 kB (decompressed; below that, fixed costs of building the frames dominate).

``gc.collect()`` runs before every timed call, so each read starts with cold CPU caches
(about 1 ms more for a small file than in a warm loop). All readers share the process,
so whatever one of them does to it (the native reader primes the C allocator on its
first read) holds for the others too: the baseline column shows the change of the
reader's own code, not of the priming.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import importlib.util
import random
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import kickanalysis as ka
from kickanalysis.io.source import load


def load_baseline(ref: str, tmp: Path):
    """Import ``src/kickanalysis/io/tcx.py`` as of git revision *ref* as a module."""
    root = Path(__file__).resolve().parents[1]
    text = subprocess.run(
        ["git", "show", f"{ref}:src/kickanalysis/io/tcx.py"],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout
    path = tmp / "tcx_baseline.py"
    path.write_bytes(text)
    spec = importlib.util.spec_from_file_location("kickanalysis.io._tcx_baseline", path)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "kickanalysis.io"
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def parsed(data: bytes):
    """The trackpoints of a TCX document as our reader parses them (before the frames)."""
    from kickanalysis.errors import WarningLog
    from kickanalysis.io import tcx

    text, codec = tcx._normalise_encoding(data, "bench")
    points = tcx._fast_points(text, codec)
    if points is None:
        scan, text = tcx._tokenize(text, "bench", WarningLog("bench"))
        points = tcx._general_points(scan, codec)
    return points


def assemble(points) -> ka.Activity:
    """The ``Activity`` from parsed trackpoints: the last step of ``read_tcx``."""
    from kickanalysis.errors import WarningLog
    from kickanalysis.io import tcx

    return tcx._assemble(points, "bench", WarningLog("bench"))


def main() -> None:
    from tcxreader.tcxreader import TCXReader

    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "tcx"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=default)
    parser.add_argument("--repeat", type=int, default=25, help="repetitions per reader")
    parser.add_argument("--baseline", help="git revision whose io/tcx.py to compare with")
    parser.add_argument("--match", default="", help="only files whose name contains this")
    parser.add_argument(
        "--floor", action="store_true", help="also time building the Activity alone"
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rng = random.Random(0)
    ratios: list[float] = []
    base_ratios: list[float] = []
    sizes: list[int] = []
    head = f"{'file':44s} {'size':>7s} {'kickan.':>9s} {'tcxreader':>10s} {'ratio':>7s}"
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        base = load_baseline(args.baseline, tmp) if args.baseline else None
        if base is not None:
            head += f" {'baseline':>9s} {'speedup':>8s}"
        if args.floor:
            head += f" {'points':>6s} {'frames':>9s} {'best':>6s}"
        print(head)
        for path in sorted(args.folder.iterdir()):
            if args.match not in path.name:
                continue
            data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            plain = tmp / "file.tcx"
            plain.write_bytes(data)
            p = str(plain)
            readers = {
                "ours": lambda p=p: ka.read_tcx(p),
                "tcxreader": lambda p=p: TCXReader().read(p),
            }
            if base is not None:
                readers["base"] = lambda p=p: base.tcx_from_bytes(*load(p))
            if args.floor:
                points = parsed(data)
                readers["frames"] = lambda points=points: assemble(points)
            times: dict[str, list[float]] = {key: [] for key in readers}
            for fn in readers.values():  # warm-up
                fn()
            for _ in range(args.repeat):
                order = list(readers)
                rng.shuffle(order)
                for key in order:
                    gc.collect()
                    start = time.perf_counter()
                    readers[key]()
                    times[key].append(time.perf_counter() - start)
            med = {key: statistics.median(v) for key, v in times.items()}
            ratio = med["tcxreader"] / med["ours"]
            ratios.append(ratio)
            sizes.append(len(data))
            line = (
                f"{path.name[:44]:44s} {len(data) / 1e3:6.0f}k {med['ours'] * 1e3:6.2f} ms "
                f"{med['tcxreader'] * 1e3:7.2f} ms {ratio:6.1f}x"
            )
            if base is not None:
                speedup = med["base"] / med["ours"]
                base_ratios.append(speedup)
                line += f" {med['base'] * 1e3:6.2f} ms {speedup:7.2f}x"
            if args.floor:
                best = med["tcxreader"] / med["frames"]
                line += f" {len(points.tp_open):6d} {med['frames'] * 1e3:6.2f} ms {best:5.1f}x"
            print(line, flush=True)
    big = [k for k, size in enumerate(sizes) if size > 100_000]
    print(f"median ratio tcxreader/kickanalysis: {statistics.median(ratios):.1f}x")
    if big:
        print(
            f"median ratio tcxreader/kickanalysis, {len(big)} files > 100 kB: "
            f"{statistics.median(ratios[k] for k in big):.1f}x"
        )
    print(f"smallest ratio tcxreader/kickanalysis: {min(ratios):.1f}x")
    if base_ratios:
        print(f"median speed-up over {args.baseline}: {statistics.median(base_ratios):.2f}x")
        if big:
            speedup = statistics.median(base_ratios[k] for k in big)
            print(f"median speed-up over {args.baseline}, files > 100 kB: {speedup:.2f}x")


if __name__ == "__main__":
    main()
