"""Native TCX reader vs the ``tcxreader`` package on the third-party TCX files.

Run ``python benchmarks/bench_tcx.py [folder]``; prints the median time per file of each
reader and their ratio (tcxreader / kickanalysis). Needs ``pip install tcxreader``.
"""

from __future__ import annotations

import gzip
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

from kickanalysis.io.tcx import tcx_from_bytes

REPEAT = 7


def median_time(fn) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from tcxreader.tcxreader import TCXReader

    folder = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else (Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "tcx")
    )
    warnings.simplefilter("ignore")
    ratios = []
    print(f"{'file':48s} {'kickanalysis':>13s} {'tcxreader':>11s} {'ratio':>7s}")
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted(folder.iterdir()):
            data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            plain = Path(tmp) / "file.tcx"
            plain.write_bytes(data)
            ours = median_time(lambda data=data, name=path.name: tcx_from_bytes(data, name))
            theirs = median_time(lambda plain=plain: TCXReader().read(str(plain)))
            ratios.append(theirs / ours)
            print(
                f"{path.name[:48]:48s} {ours * 1e3:10.2f} ms {theirs * 1e3:8.2f} ms "
                f"{theirs / ours:6.1f}x"
            )
    print(f"median ratio tcxreader/kickanalysis: {statistics.median(ratios):.1f}x")


if __name__ == "__main__":
    main()
