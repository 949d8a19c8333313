"""Long fuzz run of the FIT, GPX and TCX readers: a seeded mutation loop.

Usage (from the repository root)::

    python fuzz/run.py --inputs 100000 --out fuzz-failures

Every input is a seed file with one to three mutations (:mod:`mutators`), read by every
reader of its format under the bounds of :func:`mutators.check` (hang limit, tracemalloc
memory cap). Failures are saved to ``--out`` as ``<n>-<reader>.<fmt>`` with a ``.txt``
holding the seed file, the loop seed and the error, so that
``kickanalysis.read(open(path, "rb").read())`` reproduces them. With ``--atheris`` (and
atheris installed) the inputs come from atheris' coverage-guided engine instead.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mutators as M


def _real_dir() -> Path | None:
    env = os.environ.get("KICKANALYSIS_REAL_DATA")
    path = Path(env) if env else M.REPO.parent / "shared" / "data" / "real"
    return path if path.is_dir() else None


class Stats:
    def __init__(self) -> None:
        self.inputs = 0
        self.reads = 0
        self.failures = 0
        self.results: dict[str, int] = {}
        self.max_time_s = 0.0
        self.max_time_at = ""
        self.max_ratio = 0.0  # tracemalloc peak / input size
        self.max_cap_used = 0.0  # peak / (MEM_RATIO * size + MEM_ALLOWANCE)
        self.max_peak = 0

    def add(self, o: M.Outcome, where: str) -> None:
        self.reads += 1
        key = "FAIL" if o.failed else o.result
        self.results[key] = self.results.get(key, 0) + 1
        if o.elapsed_s > self.max_time_s:
            self.max_time_s, self.max_time_at = o.elapsed_s, where
        if o.peak_bytes:
            self.max_ratio = max(self.max_ratio, o.mem_ratio if o.size >= 1024 else 0.0)
            cap = M.MEM_RATIO * o.size + M.MEM_ALLOWANCE
            self.max_cap_used = max(self.max_cap_used, o.peak_bytes / cap)
            self.max_peak = max(self.max_peak, o.peak_bytes)

    def report(self, elapsed: float) -> str:
        return (
            f"inputs tried: {self.inputs}  reads: {self.reads}  failures: {self.failures}\n"
            f"results: {dict(sorted(self.results.items()))}\n"
            f"max time per read: {self.max_time_s * 1000:.1f} ms ({self.max_time_at})\n"
            f"max memory ratio (tracemalloc peak / input size, inputs >= 1 KiB): "
            f"{self.max_ratio:.1f}\n"
            f"max peak: {self.max_peak / 1e6:.2f} MB; max share of the cap "
            f"({M.MEM_RATIO} x size + {M.MEM_ALLOWANCE / 2**20:.0f} MiB): "
            f"{self.max_cap_used:.3f}\n"
            f"wall time: {elapsed:.0f} s"
        )


def _save(out: Path, n: int, fmt: str, reader: str, data: bytes, info: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{n:07d}-{reader}"
    stem.with_suffix("." + fmt).write_bytes(data)
    stem.with_suffix(".txt").write_text(info + "\n")


def run_loop(args: argparse.Namespace) -> int:
    real = _real_dir()
    formats = args.formats.split(",")
    seeds = {f: M.seeds(f, real, small=not args.large) for f in formats}
    for f in formats:  # warm caches and imports before measuring memory
        for _, d in seeds[f]:
            for reader in M.READERS[f].values():
                M.check(d, reader, memory=False)
    stats = Stats()
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    last = t0
    for n in range(args.inputs):
        fmt = formats[n % len(formats)]
        name, seed_data = rng.choice(seeds[fmt])
        data = M.mutate(seed_data, fmt, rng)
        stats.inputs += 1
        failed = False
        for key, reader in M.READERS[fmt].items():
            o = M.check(data, reader, memory=n % args.memory_every == 0)
            stats.add(o, f"input {n}, {key}, {len(data)} bytes")
            if o.failed:
                failed = True
                info = f"seed file: {name}\nloop seed: {args.seed}, input {n}\n{o}"
                _save(Path(args.out), n, fmt, key, data, info)
                print(f"FAIL input {n} ({fmt}, {key}, from {name}): {o.result}", flush=True)
                break
        stats.failures += failed
        now = time.perf_counter()
        if now - last > 30:
            last = now
            print(f"... {n + 1} inputs, {stats.failures} failures, {now - t0:.0f} s", flush=True)
    print(stats.report(time.perf_counter() - t0))
    return 1 if stats.failures else 0


def run_atheris(args: argparse.Namespace) -> int:  # pragma: no cover - optional tool
    import atheris

    fmt = args.formats.split(",")[0]
    real = _real_dir()
    seeds = [d for _, d in M.seeds(fmt, real, small=not args.large)]
    readers = list(M.READERS[fmt].items())
    stats = Stats()

    def one(buf: bytes) -> None:
        fdp = atheris.FuzzedDataProvider(buf)
        base = seeds[fdp.ConsumeIntInRange(0, len(seeds) - 1)]
        data = M.mutate(base, fmt, random.Random(fdp.ConsumeInt(8)))
        stats.inputs += 1
        for key, reader in readers:
            o = M.check(data, reader, memory=False)
            if o.failed:
                _save(Path(args.out), stats.inputs, fmt, key, data, str(o))
                raise RuntimeError(o.result)

    atheris.Setup([sys.argv[0], f"-runs={args.inputs}"], one)
    atheris.Fuzz()
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--inputs", type=int, default=100_000, help="mutated inputs in total")
    p.add_argument("--out", default="fuzz-failures", help="folder for reproducers")
    p.add_argument("--seed", type=int, default=20261123, help="seed of the mutation loop")
    p.add_argument("--formats", default="fit,gpx,tcx", help="comma-separated formats")
    p.add_argument("--memory-every", type=int, default=1, help="measure memory on every n-th input")
    p.add_argument("--large", action="store_true", help="also the larger seed files")
    p.add_argument("--atheris", action="store_true", help="use atheris (first format only)")
    args = p.parse_args(argv)
    if args.atheris:
        return run_atheris(args)
    return run_loop(args)


if __name__ == "__main__":
    sys.exit(main())
