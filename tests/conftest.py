"""Shared test fixtures.

Third-party recordings live beside the project checkout in ``../shared/data/real`` (or
where ``KICKANALYSIS_REAL_DATA`` points); tests that need them skip when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# The property tests draw the same examples on every run (a test suite that passes
# must pass again); HYPOTHESIS_PROFILE=explore draws new ones, to look for failures.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"


def bench_scenario(kind: str, seed: int) -> dict:
    """The simulator's arguments for one run of ``benchmarks/bench_detection.py``
    (its ``scenario``), so a test can replay a benchmark run exactly."""
    import importlib.util
    import sys

    name = "bench_detection"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module.scenario(kind, seed)


def real_data_dir() -> Path | None:
    """The third-party recordings folder, or None when it is not on this machine."""
    env = os.environ.get("KICKANALYSIS_REAL_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data" / "real"
    return path if path.is_dir() else None


REAL = real_data_dir()
SKIP_NO_REAL = "third-party recordings not found (../shared/data/real or $KICKANALYSIS_REAL_DATA)"


def real_files(subdir: str, *suffixes: str) -> list[Path]:
    """Every file in a subfolder of the real-data folder with one of the suffixes."""
    if REAL is None or not (REAL / subdir).is_dir():
        return []
    want = tuple(s.lower() for s in suffixes)
    return sorted(p for p in (REAL / subdir).iterdir() if p.name.lower().endswith(want))


@pytest.fixture
def real_dir() -> Path:
    if REAL is None:
        pytest.skip(SKIP_NO_REAL)
    return REAL
