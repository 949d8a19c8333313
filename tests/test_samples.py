"""The sample recordings in ``data/samples``: reproducible by ``tools/make_samples.py``
byte for byte, and readable with the values the generator planted."""

from __future__ import annotations

import importlib.util
import sys
import warnings

import numpy as np
import pytest
from conftest import REPO, SAMPLES

import kickanalysis as ka

NAMES = ["race_5k_kick.fit", "race_5k_kick.gpx", "easy_run_strides.fit", "course_10k.gpx"]


@pytest.fixture(scope="module")
def make_samples():
    spec = importlib.util.spec_from_file_location(
        "make_samples", REPO / "tools" / "make_samples.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def read(name: str) -> ka.Activity:
    with warnings.catch_warnings():
        # the course has no times, which the GPX reader reports; nothing else may warn
        warnings.simplefilter("error", ka.DataQualityWarning)
        warnings.filterwarnings("ignore", ".*no timestamps", ka.DataQualityWarning)
        return ka.read(SAMPLES / name)


def test_regenerated_samples_are_byte_identical(make_samples, tmp_path):
    paths = make_samples.write_samples(tmp_path)
    assert [p.name for p in paths] == NAMES
    for path in paths:
        assert path.read_bytes() == (SAMPLES / path.name).read_bytes(), path.name


@pytest.mark.parametrize("name", NAMES)
def test_samples_are_small(name):
    assert (SAMPLES / name).stat().st_size < 300 * 1024


def test_race_5k_kick_fit():
    act = read("race_5k_kick.fit")
    rec = act.records
    assert act.meta.sport == "running"
    assert act.meta.manufacturer == "development"
    assert rec["distance_m"].iloc[-1] == pytest.approx(5000.0, abs=5.0)
    assert (np.diff(rec["elapsed_s"]) == 1.0).all()  # 1 Hz, no pauses
    assert act.meta.pauses == ()
    assert 19 * 60 < rec["elapsed_s"].iloc[-1] < 21 * 60  # ~4:00/km
    # five 1 km auto laps
    assert len(act.laps) == 5
    np.testing.assert_allclose(act.laps["distance_m"], 1000.0, atol=5.0)
    # the kick: the last 400 m clearly faster than the even pace before
    dist, speed = rec["distance_m"], rec["speed_mps"]
    before = speed[(dist > 1000) & (dist < 4500)].mean()
    kick = speed[dist > 4700].mean()
    assert 4.0 < before < 4.35
    assert kick > 1.2 * before
    # heart rate lags speed: it peaks at the very end, not when the kick starts
    hr = rec["heart_rate_bpm"]
    assert hr[dist > 4950].mean() > hr[(dist > 4600) & (dist < 4650)].mean() + 8
    assert rec["cadence_spm"].iloc[100:].between(160, 195).all()
    assert rec["elevation_m"].max() - rec["elevation_m"].min() > 8


def test_race_5k_kick_gpx_is_the_same_run():
    fit, gpx = read("race_5k_kick.fit"), read("race_5k_kick.gpx")
    assert (gpx.records.index == fit.records.index).all()
    for col in ("lat_deg", "lon_deg"):
        assert np.abs(gpx.records[col] - fit.records[col]).max() < 5e-10
    # FIT's 0.2 m steps as decimals in GPX (float noise aside)
    np.testing.assert_allclose(gpx.records["elevation_m"], fit.records["elevation_m"], atol=1e-9)
    for col in ("heart_rate_bpm", "cadence_spm"):
        np.testing.assert_array_equal(gpx.records[col], fit.records[col], err_msg=col)
    # distance from the positions (with a little GPS wander) ≈ the watch's distance
    assert gpx.records["distance_m"].iloc[-1] == pytest.approx(5000.0, rel=0.01)


def test_easy_run_strides_fit():
    act = read("easy_run_strides.fit")
    rec = act.records
    assert rec["distance_m"].iloc[-1] == pytest.approx(8000.0, abs=5.0)
    assert len(act.meta.pauses) == 1
    a, b = act.meta.pauses[0]
    assert (b - a).total_seconds() == 40  # timer stopped for 40 s
    assert rec.loc[:a, "distance_m"].iloc[-1] == pytest.approx(3000.0, abs=6.0)
    easy = rec["speed_mps"][(rec["distance_m"] > 500) & (rec["distance_m"] < 6000)]
    assert easy.mean() == pytest.approx(1000 / 330, rel=0.05)
    # six strides: runs of > 5 m/s lasting about 20 s, all in the last 2 km
    fast = (rec["speed_mps"] > 5.0).to_numpy().astype(int)
    starts = np.flatnonzero(np.diff(fast) == 1) + 1
    ends = np.flatnonzero(np.diff(fast) == -1) + 1
    assert len(starts) == len(ends) == 6
    assert ((ends - starts >= 12) & (ends - starts <= 22)).all()
    assert (rec["distance_m"].iloc[starts] > 6000).all()
    gaps = rec["elapsed_s"].iloc[starts].diff().dropna()
    assert gaps.between(75, 85).all()
    assert len(act.laps) == 8


def test_course_10k_gpx():
    act = read("course_10k.gpx")
    assert act.meta.extra["kind"] == "route"
    assert act.meta.extra["timed"] is False
    rec = act.records
    assert rec["distance_m"].iloc[-1] == pytest.approx(10_000.0, rel=0.005)
    ele = rec["elevation_m"]
    assert ele.max() - ele.min() > 40
    gain = np.diff(ele.to_numpy())
    assert gain[gain > 0].sum() > 60
    # a loop: it ends where it starts
    assert abs(rec["lat_deg"].iloc[-1] - rec["lat_deg"].iloc[0]) < 1e-6
