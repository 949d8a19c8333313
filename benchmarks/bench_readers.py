"""Reader speed and memory, side by side with the other libraries, in one run.

For each file, every reader turns it into what a user works with: kickanalysis into an
``Activity`` (records frame, laps, meta); the peers into a records DataFrame where that
is what they offer (fitfast, pyfitparsernative, garmin-fit-sdk, fitdecode, fitparse;
gpxpy parse + the same frame), or their own object (tcxreader; gpxpy parse alone).
Readers run interleaved, round after round, so that load on this shared machine hits
them all alike; the table shows medians and *our ratio to each peer*
(peer time / our time: above 1 means we are faster).

Peak memory is measured per reader in a fresh child process, after one warm-up read
(lazy tables and caches are not per-read costs): the growth of the resident set size
during one more read, so allocations in Rust or C count as well as Python's (on small
files heap reuse can hide it: 0.0 then means "no new memory"). For our reader, the exact
peak of its Python/numpy allocations (tracemalloc) is shown against the frame size.

Run (peers are the optional ``bench`` extra; missing ones are skipped)::

    python -m pip install ".[bench]"
    python benchmarks/bench_readers.py            # all formats
    python benchmarks/bench_readers.py --format fit --rounds 15
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REAL = Path(
    os.environ.get("KICKANALYSIS_REAL_DATA", HERE.parent.parent / "shared" / "data" / "real")
)

FILES = {
    "fit": [
        "fit/muktihari-fit__big_activity.fit",  # 2.4 MB, 99,998 records
        "fit/fitparse__developer-types-sample.fit",  # a typical one-hour run (57 min, 1 Hz)
        "fit/fitparse__activity-small-fenix2-run.fit",  # 47 min run
        "fit/sports-lib__20181013_kona_ironman.fit",  # 1.9 MB, 30k records, dev fields
    ],
    "gpx": [
        "gpx/sports-lib__strava.gpx",
        "gpx/sweatpy__activity_4801048867.gpx",
        "gpx/sweatpy__4801048867_strava.gpx",
        "gpx/heartandsole__testcourse.gpx",
    ],
    "tcx": [
        "tcx/sports-lib__polar.tcx",
        "tcx/runpandas__11km.tcx",
        "tcx/sports-lib__20181021_run_3106033902.tcx",
        "tcx/togeojson__tour_hr.tcx",
    ],
}


def _quiet(fn: Callable[[str], object]) -> Callable[[str], object]:
    def run(path: str) -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(path)

    return run


# --------------------------------------------------------------------------- readers
def ours(path: str) -> object:
    import kickanalysis as ka

    return ka.read(path)


def fitfast_frame(path: str) -> object:
    import fitfast
    import pandas as pd

    return pd.DataFrame(fitfast.records(path))


def pyfitparsernative_frame(path: str) -> object:
    import pandas as pd
    import pyfitparsernative

    msgs = pyfitparsernative.parse_fit_file(path)
    return pd.DataFrame([m for m in msgs if m.get("message_type") == "record"])


def garmin_sdk_frame(path: str) -> object:
    import pandas as pd
    from garmin_fit_sdk import Decoder, Stream

    messages, _ = Decoder(Stream.from_file(path)).read()
    return pd.DataFrame(messages.get("record_mesgs", []))


def fitdecode_frame(path: str) -> object:
    import fitdecode
    import pandas as pd

    rows = []
    with fitdecode.FitReader(path) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                rows.append({f.name: f.value for f in frame.fields})
    return pd.DataFrame(rows)


def fitparse_frame(path: str) -> object:
    import fitparse
    import pandas as pd

    ff = fitparse.FitFile(path)
    return pd.DataFrame([m.get_values() for m in ff.get_messages("record")])


def gpxpy_parse(path: str) -> object:
    import gpxpy

    with open(path, encoding="utf-8-sig") as fh:
        return gpxpy.parse(fh)


def gpxpy_frame(path: str) -> object:
    import kickanalysis as ka

    return ka.read_gpx(path, engine="gpxpy")  # gpxpy's parse + the same records frame


def tcxreader_read(path: str) -> object:
    from tcxreader.tcxreader import TCXReader

    return TCXReader().read(path)


PEERS: dict[str, list[tuple[str, str | None, Callable[[str], object]]]] = {
    # (label, module that must be importable, function)
    "fit": [
        ("fitfast", "fitfast", fitfast_frame),
        ("pyfitparsernative", "pyfitparsernative", pyfitparsernative_frame),
        ("garmin-fit-sdk", "garmin_fit_sdk", garmin_sdk_frame),
        ("fitdecode", "fitdecode", fitdecode_frame),
        ("fitparse", "fitparse", fitparse_frame),
    ],
    "gpx": [
        ("gpxpy parse", "gpxpy", gpxpy_parse),
        ("gpxpy parse+frame", "gpxpy", gpxpy_frame),
    ],
    "tcx": [("tcxreader", "tcxreader", tcxreader_read)],
}

#: Peers too slow to repeat many times on the big files: fewer rounds for them.
SLOW = {"fitparse", "fitdecode", "garmin-fit-sdk"}

READERS = {"ours": ours} | {label: fn for fmt in PEERS.values() for label, _, fn in fmt}


def available(fmt: str) -> list[tuple[str, Callable[[str], object]]]:
    out = [("ours", ours)]
    for label, module, fn in PEERS[fmt]:
        if module is None or importlib.util.find_spec(module) is not None:
            out.append((label, fn))
        else:
            print(f"  ({label} not installed: skipped)")
    return out


def frame_bytes(act: object) -> int:
    records = getattr(act, "records", None)
    return int(records.memory_usage(deep=True).sum()) if records is not None else 0


# --------------------------------------------------------------------------- memory
def peak_rss() -> int:
    """Peak resident set size of this process [bytes] (Linux VmHWM)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise OSError("VmHWM not available")


def reset_peak() -> int:
    """Reset the peak to the current resident size (Linux clear_refs); return it."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise OSError("VmRSS not available")


def child_peak(reader: str, path: str) -> int:
    """Peak RSS growth [bytes] of one read, in a fresh process."""
    code = f"""
import json, sys, warnings
sys.path.insert(0, {str(HERE)!r})
import bench_readers as b
warnings.simplefilter("ignore")
import numpy, pandas, kickanalysis.io.fit.decode, kickanalysis.io.gpx, kickanalysis.io.tcx
for m in ("fitfast", "pyfitparsernative", "garmin_fit_sdk", "fitdecode", "fitparse",
          "gpxpy", "tcxreader.tcxreader"):
    try:
        __import__(m)
    except ImportError:
        pass
data = open({path!r}, "rb").read()
b.READERS[{reader!r}]({path!r})  # warm-up: lazy tables and caches are not per-read costs
import gc; gc.collect()
before = b.reset_peak()
result = b.READERS[{reader!r}]({path!r})
after = b.peak_rss()
print(json.dumps([after - before, b.frame_bytes(result)]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        return -1
    return json.loads(out.stdout.strip().splitlines()[-1])[0]


def traced_peak(path: str) -> int:
    """Peak of Python and numpy allocations [bytes] during one (warm) read of ours.

    numpy reports its buffers to tracemalloc, so for a reader made of Python and numpy
    this is the exact high-water mark, unlike RSS, which hides reused heap pages.
    """
    import tracemalloc

    _quiet(ours)(path)
    gc.collect()
    tracemalloc.start()
    try:
        result = _quiet(ours)(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del result
    return peak


# --------------------------------------------------------------------------- timing
def bench_format(fmt: str, rounds: int, memory: bool) -> None:
    print(f"\n== {fmt.upper()} ==")
    readers = available(fmt)
    for rel in FILES[fmt]:
        path = REAL / rel
        if not path.exists():
            print(f"{rel}: not found, skipped")
            continue
        path_s = str(path)
        times: dict[str, list[float]] = {label: [] for label, _ in readers}
        # warm-up: imports, lazy tables, OS file cache
        for _label, fn in readers:
            _quiet(fn)(path_s)
        big = path.stat().st_size > 1_000_000
        for r in range(rounds):
            for label, fn in readers:
                if label in SLOW and big and r >= 3:
                    continue
                gc.collect()
                t0 = time.perf_counter()
                _quiet(fn)(path_s)
                times[label].append(time.perf_counter() - t0)
        act = _quiet(ours)(path_s)
        n = len(getattr(act, "records", ()))
        size = path.stat().st_size
        print(f"\n{rel}  ({size / 1e6:.2f} MB, {n} samples, frame {frame_bytes(act) / 1e6:.1f} MB)")
        print(f"  {'reader':<20}{'median':>10}{'min':>10}{'runs':>6}{'ours is':>12}{'peak MB':>10}")
        base = statistics.median(times["ours"])
        for label, _ in readers:
            med = statistics.median(times[label])
            ratio = "" if label == "ours" else f"{med / base:8.1f}x"
            peak = ""
            if memory:
                p = child_peak(label, path_s)
                peak = f"{p / 1e6:10.1f}" if p >= 0 else "     error"
            print(
                f"  {label:<20}{med * 1e3:8.1f}ms{min(times[label]) * 1e3:8.1f}ms"
                f"{len(times[label]):>6}{ratio:>12}{peak}"
            )
        if memory:
            fb = frame_bytes(act)
            traced = traced_peak(path_s)
            print(
                f"  ours: peak of Python/numpy allocations during one read "
                f"{traced / 1e6:.1f} MB = {traced / fb:.2f} x the records frame"
                if fb
                else ""
            )


def import_time() -> None:
    code = (
        "import time; t = time.perf_counter(); import kickanalysis; print(time.perf_counter() - t)"
    )
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)
        for _ in range(7)
    ]
    heavy = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, kickanalysis; print([m for m in ('pandas', "
            "'matplotlib', 'dask', 'pyarrow') if m in sys.modules])",
        ],
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(
        f"\nimport kickanalysis: median {statistics.median(runs) * 1e3:.1f} ms "
        f"(heavy modules loaded: {heavy})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", choices=["fit", "gpx", "tcx", "all"], default="all")
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory runs")
    args = parser.parse_args()
    if not REAL.is_dir():
        sys.exit(f"real recordings not found at {REAL} (set KICKANALYSIS_REAL_DATA)")
    import_time()
    for fmt in ("fit", "gpx", "tcx") if args.format == "all" else (args.format,):
        bench_format(fmt, args.rounds, not args.no_memory)


if __name__ == "__main__":
    main()
