"""Fuzzing the readers in CI: mutated FIT, GPX and TCX files read or raise a typed error.

Each format gets 2,400 mutated inputs, at least 2,000 of them distinct (truncations, bit
flips, byte insertions and deletions, interesting bytes; for FIT also definition-message mutations — field count,
field size, base type, architecture, global and local message numbers, developer flag —
and header mutations; for XML token-level damage), drawn by Hypothesis with
``derandomize=True`` so CI is reproducible. Every input is read by every reader of its
format (sniffing ``read``, the format's reader, and ``engine="gpxpy"`` for GPX) under
the bounds of ``fuzz/mutators.check``: a typed :class:`KickAnalysisError` or an
Activity, within a 5 s hang limit and a tracemalloc peak of at most
``MEM_RATIO * size + MEM_ALLOWANCE`` (justified in ``fuzz/mutators.py``). The long run is
``fuzz/run.py``.
"""

from __future__ import annotations

import random
import sys
import time

import pytest
from conftest import REAL, REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(REPO / "fuzz"))
import mutators as M

import kickanalysis as ka

FORMATS = ("fit", "gpx", "tcx")
EXAMPLES = 2400


@pytest.fixture(scope="module")
def seeds() -> dict[str, list[tuple[str, bytes]]]:
    out = {f: M.seeds(f, REAL) for f in FORMATS}
    for f, items in out.items():
        for name, data in items:  # the seeds themselves read cleanly (and warm caches)
            for key, reader in M.READERS[f].items():
                o = M.check(data, reader, memory=False)
                assert o.result == "ok", (name, key, o)
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_mutated_inputs_read_or_raise_a_typed_error(fmt: str, seeds) -> None:
    items = seeds[fmt]
    results: dict[str, int] = {}
    distinct: set[int] = set()
    worst = {"time_s": 0.0, "cap": 0.0}

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(which=st.integers(0, len(items) - 1), rng=st.randoms(use_true_random=False))
    def one(which: int, rng: random.Random) -> None:
        data = M.mutate(items[which][1], fmt, rng)
        distinct.add(hash(data))
        for key, reader in M.READERS[fmt].items():
            o = M.check(data, reader)
            assert not o.failed, f"{key} on a mutant of {items[which][0]}: {o.result}"
            results[o.result] = results.get(o.result, 0) + 1
            worst["time_s"] = max(worst["time_s"], o.elapsed_s)
            cap = M.MEM_RATIO * o.size + M.MEM_ALLOWANCE
            worst["cap"] = max(worst["cap"], o.peak_bytes / cap)

    one()
    n_reads = sum(results.values())
    assert n_reads >= EXAMPLES * len(M.READERS[fmt])
    assert len(distinct) >= 2000  # at least 2,000 different mutated inputs per format
    # the mutations reach both outcomes: reads that succeed and typed errors
    assert results.get("ok", 0) > 0.05 * n_reads
    assert sum(v for k, v in results.items() if k != "ok") > 0.05 * n_reads
    print(f"{fmt}: {len(distinct)} distinct inputs, {results}, worst {worst}")


# ------------------------------------------------------ the harness itself can fail


def test_check_flags_untyped_errors_hangs_and_memory() -> None:
    def untyped(data: bytes):
        raise IndexError("boom")

    def typed(data: bytes):
        raise ka.errors.CorruptFileError("x", "bad")

    def hang(data: bytes):
        time.sleep(3)

    def hog(data: bytes):
        block = bytearray(M.MEM_ALLOWANCE + 200 * len(data) + 1)
        raise ka.errors.CorruptFileError("x", f"allocated {len(block)} bytes")

    assert M.check(b"x", untyped).result.startswith("FAIL: IndexError")
    assert M.check(b"x", typed).result == "CorruptFileError"
    assert M.check(b"x", hang, time_limit_s=0.2).result.startswith("FAIL: no result")
    assert "tracemalloc peak" in M.check(b"x" * 1000, hog).result
    assert M.check(b"x", lambda d: 42).result == "FAIL: returned int"


def test_fit_messages_walks_a_written_file() -> None:
    """The independent message walker agrees with the writer: every record is found."""
    act = ka.simulate_run(duration_s=30, seed=2).activity
    data = ka.write_fit(act)
    msgs = M.fit_messages(data)
    records = [m for m in msgs if not m.definition and m.global_num == 20]
    assert len(records) == len(act.records)
    assert msgs[0].start == data[0]  # right after the header
    assert all(a.end == b.start for a, b in zip(msgs, msgs[1:]))  # contiguous
    assert msgs[-1].end == len(data) - 2  # up to the file CRC


@pytest.mark.parametrize("mutator", M.MUTATORS["fit"], ids=lambda f: f.__name__)
def test_every_mutator_changes_its_input(mutator) -> None:
    data = ka.write_fit(ka.simulate_run(duration_s=10, seed=5).activity)
    rng = random.Random(0)
    changed = sum(mutator(data, rng) != data for _ in range(20))
    assert changed >= 15
