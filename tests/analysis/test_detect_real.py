"""The stride and interval detectors on real third-party recordings.

There is no ground truth for these files, so the assertions are plausibility bounds
that must hold for *any* run, whatever the runner did:

- a repetition is run at a running pace a human can hold: 2:00/km (faster than the
  800 m world record, 7.9 m/s) to 10:00/km (slower is walking);
- the reps of one session resemble each other: durations within a factor 3;
- a stride lasts 6–40 s and its mean speed is at least the detector's ratio over the
  runner's easy speed;
- at most 15 strides in a run: strides are done in sets of 4–10, once or twice in a
  session; more "strides" than that are the run's own variation (a fartlek, hills,
  GPS noise), which the detector reports as none.

The files are the running recordings under the real-data folder (as
``tools/detect_real.py`` selects them); the tests skip when the folder is absent.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import REAL, REPO, SKIP_NO_REAL

import kickanalysis as ka
from kickanalysis.errors import DataQualityWarning, EmptyActivityError

sys.path.insert(0, str(REPO / "tools"))
from detect_real import running_files

FILES = running_files(REAL) if REAL is not None else []


def _read(path: Path) -> ka.Activity:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return ka.read(path)


@pytest.fixture(scope="module")
def detected() -> dict[str, tuple]:
    """Every running file's strides and reps (None when it covers no distance)."""
    if not FILES:
        pytest.skip(SKIP_NO_REAL)
    out: dict[str, tuple] = {}
    for path in FILES:
        act = _read(path)
        try:
            strides = ka.detect_strides(act)
            reps = ka.detect_intervals(act)
            kick = ka.detect_kick(act)
            session = ka.interval_session(reps)
        except EmptyActivityError:
            out[path.name] = None
            continue
        out[path.name] = (strides, reps, kick, session)
    return out


def test_every_running_file_is_analysed(detected):
    assert len(detected) == len(FILES) > 20
    analysed = [v for v in detected.values() if v is not None]
    assert len(analysed) > 0.8 * len(detected)
    for _strides, reps, _kick, session in analysed:
        assert session.reps == len(reps)


def test_reps_are_running_paces_and_alike(detected):
    for name, value in detected.items():
        if value is None:
            continue
        reps = value[1]
        if reps.empty:
            continue
        pace = reps["pace_s_per_km"].to_numpy()
        assert ((pace >= 120.0) & (pace <= 600.0)).all(), (name, pace)
        dur = reps["duration_s"].to_numpy()
        assert dur.max() <= 3.0 * dur.min(), (name, dur)


def test_strides_are_short_fast_and_few(detected):
    ratio = 1.25  # detect_strides' min_speed_ratio
    for name, value in detected.items():
        if value is None:
            continue
        strides = value[0]
        assert len(strides) <= 15, name
        if strides.empty:
            continue
        assert strides["duration_s"].between(6.0, 40.0).all(), name
        # detection works on grade-adjusted speed; the table gives actual speeds, which
        # on a hill can differ by a few per cent
        assert (strides["speed_ratio"] >= 0.9 * ratio).all(), (name, strides["speed_ratio"])
        assert np.isfinite(strides["baseline_speed_mps"]).all()
