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

NAMES = [
    "race_5k_kick.fit",
    "race_5k_kick.gpx",
    "easy_run_strides.fit",
    "fade_10k.fit",
    "course_10k.gpx",
]


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


def test_race_5k_kick_fit(make_samples):
    sim = make_samples.race_5k_kick()
    act = read("race_5k_kick.fit")
    rec = act.records
    assert act.meta.sport == "running"
    assert act.meta.manufacturer == "development"
    assert rec["distance_m"].iloc[-1] == pytest.approx(5000.0, rel=0.005)
    assert (np.diff(rec["elapsed_s"]) == 1.0).all()  # 1 Hz, no pauses
    assert act.meta.pauses == ()
    # the file holds the simulated recording, at the watch's resolution
    np.testing.assert_allclose(rec["speed_mps"], sim.activity.records["speed_mps"], atol=1e-9)
    assert len(act.laps) == 5
    np.testing.assert_allclose(act.laps["distance_m"].iloc[:4], 1000.0, atol=8.0)
    # the planted truth: even 4:00/km, then a kick over the last 400 m
    truth = sim.truth
    assert 19 * 60 < truth.pacing.total_time_s < 21 * 60
    assert truth.splits["pace_s_per_km"].iloc[1:4].between(232, 250).all()
    kick = truth.kick
    assert kick.start_distance_m == 4600.0
    assert kick.baseline_speed_mps == pytest.approx(1000 / 240, rel=0.03)
    assert kick.kick_speed_mps > 1.2 * kick.baseline_speed_mps
    # ... visible in what the watch recorded
    dist, speed = rec["distance_m"], rec["speed_mps"]
    before = speed[(dist > 1000) & (dist < 4500)].mean()
    assert before == pytest.approx(1000 / 240, rel=0.03)
    assert speed[dist > 4700].mean() > 1.2 * before
    # heart rate lags speed: it peaks at the very end, not when the kick starts
    hr = rec["heart_rate_bpm"]
    assert hr[dist > 4950].mean() > hr[(dist > 4600) & (dist < 4650)].mean() + 8
    assert rec["cadence_spm"].iloc[100:].between(160, 200).all()
    assert rec["elevation_m"].max() - rec["elevation_m"].min() > 2


def test_race_5k_kick_gpx_is_the_same_run():
    fit, gpx = read("race_5k_kick.fit"), read("race_5k_kick.gpx")
    assert (gpx.records.index == fit.records.index).all()
    for col in ("lat_deg", "lon_deg"):
        assert np.abs(gpx.records[col] - fit.records[col]).max() < 5e-10
    np.testing.assert_allclose(gpx.records["elevation_m"], fit.records["elevation_m"], atol=1e-9)
    for col in ("heart_rate_bpm", "cadence_spm"):
        np.testing.assert_array_equal(gpx.records[col], fit.records[col], err_msg=col)
    # distance from the positions (with GPS wander) ≈ the watch's distance
    assert gpx.records["distance_m"].iloc[-1] == pytest.approx(5000.0, rel=0.03)


def test_easy_run_strides_fit(make_samples):
    truth = make_samples.easy_run_strides().truth
    act = read("easy_run_strides.fit")
    rec = act.records
    assert rec["distance_m"].iloc[-1] == pytest.approx(8000.0, rel=0.01)
    assert len(act.meta.pauses) == 1
    a, b = act.meta.pauses[0]
    assert (b - a).total_seconds() == 40  # timer stopped for 40 s
    assert (a, b) == tuple(truth.pauses[["start_time", "end_time"]].iloc[0])
    assert truth.pauses["start_distance_m"].iloc[0] == pytest.approx(3000.0, abs=10.0)
    assert not ((rec.index > a) & (rec.index < b)).any()
    easy = rec["speed_mps"][(rec["distance_m"] > 500) & (rec["distance_m"] < 6000)]
    assert easy.mean() == pytest.approx(1000 / 330, rel=0.05)
    # six planted strides of ~20 s, 80 s apart, after 6.3 km
    strides = truth.strides
    assert len(strides) == 6
    assert strides["start_distance_m"].iloc[0] == pytest.approx(6300.0, abs=6.0)
    assert strides["duration_s"].between(18, 22).all()
    assert strides["start_elapsed_s"].diff().dropna().between(76, 84).all()
    # ... and in the recording: runs of > 4.4 m/s starting within 3 s of each stride
    fast = (rec["speed_mps"] > 4.4).to_numpy().astype(int)
    starts = np.flatnonzero(np.diff(fast) == 1) + 1
    ends = np.flatnonzero(np.diff(fast) == -1) + 1
    assert len(starts) == len(ends) == 6
    assert ((ends - starts >= 15) & (ends - starts <= 26)).all()
    np.testing.assert_allclose(rec["elapsed_s"].iloc[starts], strides["start_elapsed_s"], atol=3.0)
    assert len(act.laps) == 8


def test_fade_10k_fit(make_samples):
    truth = make_samples.fade_10k().truth
    act = read("fade_10k.fit")
    rec = act.records
    gaps = np.diff(rec["elapsed_s"])
    assert gaps.min() >= 1 and gaps.max() <= 8 and gaps.mean() > 3  # smart recording
    assert rec["distance_m"].iloc[-1] == pytest.approx(10_000.0, rel=0.01)
    fade = truth.fade
    assert fade.start_distance_m == pytest.approx(5000.0, abs=6.0)
    assert fade.speed_last_km_mps < 0.94 * fade.speed_before_mps
    pace = truth.splits["pace_s_per_km"].to_numpy()
    assert pace[1:5].mean() == pytest.approx(270.0, rel=0.02)
    assert pace[-1] > pace[1:5].mean() + 15
    assert truth.pacing.negative_split_pct < -2  # a positive split
    # the watch's laps show it too
    lap_pace = act.laps["pace_s_per_km"].to_numpy()
    assert lap_pace[9] > lap_pace[1:5].mean() + 12


def test_course_10k_gpx():
    act = read("course_10k.gpx")
    assert act.meta.extra["kind"] == "route"
    assert act.meta.extra["timed"] is False
    rec = act.records
    assert rec["distance_m"].iloc[-1] == pytest.approx(10_000.0, rel=0.005)
    ele = rec["elevation_m"]
    assert ele.max() - ele.min() > 25
    gain = np.diff(ele.to_numpy())
    assert gain[gain > 0].sum() > 100
    # a loop: it ends where it starts
    assert abs(rec["lat_deg"].iloc[-1] - rec["lat_deg"].iloc[0]) < 1e-6
    # grades of rolling hills: up to about 8 %
    grade = np.diff(ele.to_numpy()) / np.diff(rec["distance_m"].to_numpy())
    assert 0.04 < np.abs(grade).max() < 0.11
