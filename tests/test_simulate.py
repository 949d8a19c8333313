"""The run simulator: determinism, the planted truth, the watch's view of it, round trips."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import kickanalysis as ka
from kickanalysis.geo import EARTH_RADIUS_M, haversine_m
from kickanalysis.schema import EVENT_COLUMNS, RECORD_COLUMNS, SPLIT_COLUMNS
from kickanalysis.simulate import (
    DriftSpec,
    FadeSpec,
    GpsDegradedSpec,
    IntervalSpec,
    KickSpec,
    PauseSpec,
    SlowdownSpec,
    StrideSpec,
    WalkBreakSpec,
    grade_pace_factor,
)


def runs_of(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index pairs of the runs of True in *mask* (end exclusive)."""
    m = np.concatenate(([0], mask.astype(int), [0]))
    starts = np.flatnonzero(np.diff(m) == 1)
    ends = np.flatnonzero(np.diff(m) == -1)
    return list(zip(starts.tolist(), ends.tolist()))


@pytest.fixture(scope="module")
def strides_run() -> ka.SimulatedRun:
    return ka.simulate_run(
        distance_m=8000,
        pace_s_per_km=330,
        strides=StrideSpec(count=6, duration_s=20, recovery_s=60),
        pauses=[PauseSpec(at_m=3000, duration_s=40, timer_stopped=True)],
        seed=11,
    )


@pytest.fixture(scope="module")
def kick_run() -> ka.SimulatedRun:
    return ka.simulate_run(
        distance_m=5000, pace_s_per_km=240, kick=KickSpec(distance_m=400), seed=3
    )


# --------------------------------------------------------------------------- basics
def test_public_names_are_lazy_exports():
    assert ka.simulate_run is ka.simulate.simulate_run
    assert ka.SimulatedRun is ka.simulate.SimulatedRun
    assert "simulate_run" in dir(ka)


def test_same_seed_same_run():
    kw = dict(distance_m=3000, strides=4, pauses=[1500], sampling="smart", seed=42)
    a, b = ka.simulate_run(**kw), ka.simulate_run(**kw)
    pd.testing.assert_frame_equal(a.activity.records, b.activity.records)
    pd.testing.assert_frame_equal(a.activity.laps, b.activity.laps)
    pd.testing.assert_frame_equal(a.truth.samples, b.truth.samples)
    pd.testing.assert_frame_equal(a.truth.strides, b.truth.strides)
    assert a.activity.meta == b.activity.meta
    assert ka.write_fit(a.activity) == ka.write_fit(b.activity)


def test_different_seeds_differ():
    a = ka.simulate_run(distance_m=3000, seed=1)
    b = ka.simulate_run(distance_m=3000, seed=2)
    assert a.truth.pacing.total_time_s != b.truth.pacing.total_time_s
    assert not np.array_equal(a.activity.records["lat_deg"], b.activity.records["lat_deg"])
    # but the same course: the true positions at a given distance agree
    sa, sb = a.truth.samples, b.truth.samples
    ia = int(np.searchsorted(sa["distance_m"], 1000.0))
    ib = int(np.abs(sb["distance_m"].to_numpy() - sa["distance_m"].iloc[ia]).argmin())
    dist = haversine_m(
        sa["lat_deg"].iloc[ia],
        sa["lon_deg"].iloc[ia],
        sb["lat_deg"].iloc[ib],
        sb["lon_deg"].iloc[ib],
    )
    assert dist < 5.0


def test_activity_looks_like_a_reader_result(strides_run):
    act = strides_run.activity
    rec = act.records
    assert list(rec.columns[: len(RECORD_COLUMNS)]) == list(RECORD_COLUMNS)
    assert isinstance(rec.index, pd.DatetimeIndex) and str(rec.index.tz) == "UTC"
    assert rec.index.name == "time" and rec.index.is_monotonic_increasing
    assert (rec.dtypes == "float64").all()
    assert act.meta.format == "sim" and act.meta.sport == "running"
    assert act.meta.start_time == rec.index[0]
    assert list(act.laps.columns) == list(SPLIT_COLUMNS)
    # 1 km auto laps by the device distance
    assert len(act.laps) == 8
    np.testing.assert_allclose(act.laps["distance_m"].iloc[:-1], 1000.0, atol=8.0)
    assert act.laps["moving_s"].sum() == pytest.approx(act.laps["duration_s"].sum() - 40.0)
    # values at the watch's resolution
    assert (rec["heart_rate_bpm"] == rec["heart_rate_bpm"].round()).all()
    assert (rec["cadence_spm"] % 2 == 0).all()
    np.testing.assert_allclose(rec["elevation_m"] * 5, (rec["elevation_m"] * 5).round(), atol=1e-9)
    assert rec["cadence_spm"][rec["speed_mps"] > 2].between(160, 200).all()
    assert "6 strides" in repr(strides_run)


def test_without_heart_rate_and_cadence():
    sim = ka.simulate_run(distance_m=1000, heart_rate=False, cadence=False, seed=0)
    assert sim.activity.records["heart_rate_bpm"].isna().all()
    assert sim.activity.records["cadence_spm"].isna().all()


# --------------------------------------------------------------------------- truth
def test_split_times_sum_to_the_total(kick_run):
    truth = kick_run.truth
    splits = truth.splits
    assert len(splits) == 5
    np.testing.assert_allclose(splits["distance_m"], 1000.0)
    assert splits["duration_s"].sum() == pytest.approx(truth.pacing.total_time_s, abs=1e-9)
    assert truth.pacing.total_distance_m == 5000.0
    assert truth.pacing.first_half_s + truth.pacing.second_half_s == pytest.approx(
        truth.pacing.total_time_s
    )
    # the split ends are where the true distance crosses the km marks
    s = truth.samples
    for end_s, end_m in zip(splits["end_elapsed_s"], splits["end_distance_m"]):
        assert np.interp(end_s, s["elapsed_s"], s["distance_m"]) == pytest.approx(end_m, abs=1e-6)
    assert (splits["end_time"] - splits["start_time"]).dt.total_seconds().to_numpy() == (
        pytest.approx(splits["duration_s"].to_numpy(), abs=1e-6)
    )
    # ~4:00/km
    assert 230 < splits["pace_s_per_km"].iloc[:4].mean() < 250


def test_partial_last_split_and_duration_runs():
    sim = ka.simulate_run(duration_s=900, pace_s_per_km=300, seed=4)
    s = sim.truth.samples
    assert s["elapsed_s"].iloc[-1] == 900.0
    assert sim.activity.records["elapsed_s"].iloc[-1] == 900.0
    splits = sim.truth.splits
    assert splits["partial"].iloc[-1] and not splits["partial"].iloc[:-1].any()
    assert splits["distance_m"].sum() == pytest.approx(s["distance_m"].iloc[-1])
    assert splits["duration_s"].sum() == pytest.approx(900.0)


def test_strides_are_in_the_true_speed(strides_run):
    strides = strides_run.truth.strides
    assert list(strides.columns[: len(EVENT_COLUMNS)]) == list(EVENT_COLUMNS)
    assert len(strides) == 6
    assert strides["stride"].tolist() == [1, 2, 3, 4, 5, 6]
    assert strides["duration_s"].between(18, 22).all()
    # recoveries of 60 s between them, all in the last part of the run
    gaps = strides["start_elapsed_s"].to_numpy()[1:] - strides["end_elapsed_s"].to_numpy()[:-1]
    np.testing.assert_allclose(gaps, 60.0)
    assert (strides["start_distance_m"] > 5500).all() and (strides["end_distance_m"] < 7600).all()
    s = strides_run.truth.samples
    easy = s["speed_mps"][(s["distance_m"] > 500) & (s["distance_m"] < 2500)].mean()
    assert easy == pytest.approx(1000 / 330, rel=0.05)
    assert (strides["mean_speed_mps"] > 1.4 * easy).all()
    assert (strides["peak_speed_mps"] > 1.55 * easy).all()
    # the fast runs of the true speed are exactly the six strides
    fast = runs_of((s["speed_mps"] > 1.35 * easy).to_numpy())
    assert len(fast) == 6
    for (i0, i1), (_, row) in zip(fast, strides.iterrows()):
        assert abs(s["elapsed_s"].iloc[i0] - row["start_elapsed_s"]) <= 3
        assert abs(s["elapsed_s"].iloc[i1 - 1] - row["end_elapsed_s"]) <= 4
    assert (s["phase"] == "stride").sum() == pytest.approx(strides["duration_s"].sum(), abs=6)


def test_intervals_are_in_the_true_speed():
    sim = ka.simulate_run(
        distance_m=10_000,
        pace_s_per_km=300,
        intervals=IntervalSpec(reps=6, distance_m=800, recovery_s=90),
        seed=8,
    )
    reps = sim.truth.intervals
    assert len(reps) == 6 and reps["rep"].tolist() == list(range(1, 7))
    np.testing.assert_allclose(reps["distance_m"], 800.0)
    assert reps["start_distance_m"].iloc[0] == pytest.approx(2000.0, abs=6.0)
    gaps = reps["start_elapsed_s"].to_numpy()[1:] - reps["end_elapsed_s"].to_numpy()[:-1]
    np.testing.assert_allclose(gaps, 90.0, atol=1.0)
    base = 1000 / 300
    # reps at ~1.3 x the base speed (the first seconds are the acceleration)
    assert reps["mean_speed_mps"].between(1.2 * base, 1.4 * base).all()
    assert reps["duration_s"].between(800 / (1.4 * base), 800 / (1.2 * base)).all()
    s = sim.truth.samples
    rest = s["speed_mps"][s["phase"] == "rest"]
    assert rest.mean() < 0.85 * base
    timed = ka.simulate_run(duration_s=2400, intervals={"reps": 5, "duration_s": 120}, seed=8)
    np.testing.assert_allclose(timed.truth.intervals["duration_s"], 120.0)


def test_kick_is_in_the_true_speed(kick_run):
    kick = kick_run.truth.kick
    assert kick.start_distance_m == 4600.0 and kick.distance_m == 400.0
    s = kick_run.truth.samples
    assert np.interp(kick.start_elapsed_s, s["elapsed_s"], s["distance_m"]) == pytest.approx(4600.0)
    assert kick.kick_speed_mps > 1.15 * kick.baseline_speed_mps
    assert kick.peak_speed_mps > 1.2 * kick.baseline_speed_mps
    assert kick.baseline_speed_mps == pytest.approx(1000 / 240, rel=0.04)
    assert kick.duration_s == pytest.approx(400.0 / kick.kick_speed_mps)
    assert kick.duration_s + kick.start_elapsed_s == pytest.approx(
        kick_run.truth.pacing.total_time_s
    )
    after = s["speed_mps"][s["distance_m"] > 4700]
    assert after.min() > 1.15 * kick.baseline_speed_mps
    assert kick_run.truth.strides.empty and kick_run.truth.intervals.empty
    assert list(kick_run.truth.strides.columns[:8]) == list(EVENT_COLUMNS)
    assert kick.to_dict()["distance_m"] == 400.0


def test_no_kick_no_fade_by_default():
    sim = ka.simulate_run(distance_m=2000, seed=0)
    assert sim.truth.kick is None and sim.truth.fade is None
    assert sim.truth.pauses.empty


def test_fade_slows_the_second_half():
    sim = ka.simulate_run(
        distance_m=10_000, pace_s_per_km=270, fade=FadeSpec(slowdown_pct=10), seed=5
    )
    fade = sim.truth.fade
    assert fade.start_distance_m == pytest.approx(5000.0, abs=5.0)
    assert fade.speed_last_km_mps < 0.93 * fade.speed_before_mps
    assert sim.truth.pacing.negative_split_pct < -2.0  # a positive split


@pytest.mark.parametrize("pct", [-3.0, 3.0])
def test_negative_split_pct(pct):
    sim = ka.simulate_run(distance_m=10_000, negative_split_pct=pct, variation=0.01, seed=9)
    assert sim.truth.pacing.negative_split_pct == pytest.approx(pct, abs=1.2)


def test_segments():
    sim = ka.simulate_run(
        segments=[
            {"distance_m": 1000, "pace_s_per_km": 360},
            {"duration_s": 300, "speed_mps": 4.0},
            {"distance_m": 1000, "pace_s_per_km": 360},
        ],
        seed=2,
    )
    s = sim.truth.samples
    mid = s["speed_mps"][(s["elapsed_s"] > 400) & (s["elapsed_s"] < 640)]
    assert mid.mean() == pytest.approx(4.0, rel=0.04)
    assert s["distance_m"].iloc[-1] == pytest.approx(2000 + 1200, abs=40)


def test_pauses_stand_still():
    sim = ka.simulate_run(
        distance_m=4000,
        pauses=[
            {"at_m": 1000, "duration_s": 30},
            PauseSpec(at_s=900, duration_s=60, timer_stopped=True),
        ],
        seed=6,
    )
    pauses = sim.truth.pauses
    assert pauses["duration_s"].tolist() == [30.0, 60.0]
    assert pauses["timer_stopped"].tolist() == [False, True]
    assert pauses["start_distance_m"].iloc[0] == pytest.approx(1000.0, abs=10.0)
    s = sim.truth.samples
    rec = sim.activity.records
    for _, p in pauses.iterrows():
        inside = s[
            (s["elapsed_s"] >= p["start_elapsed_s"]) & (s["elapsed_s"] <= p["end_elapsed_s"])
        ]
        assert (inside["speed_mps"] == 0).all() and len(inside) == p["duration_s"] + 1
        assert (s["speed_mps"][s["elapsed_s"] == p["end_elapsed_s"] + 1] > 0).all()
        seen = rec[
            (rec["elapsed_s"] >= p["start_elapsed_s"]) & (rec["elapsed_s"] <= p["end_elapsed_s"])
        ]
        assert (seen["speed_mps"] == 0).all() and (seen["cadence_spm"] == 0).all()
        if p["timer_stopped"]:
            assert seen["elapsed_s"].tolist() == [p["start_elapsed_s"], p["end_elapsed_s"]]
            assert sim.activity.meta.pauses == ((p["start_time"], p["end_time"]),)
        else:
            assert len(seen) == p["duration_s"] + 1
    # a bare distance is a traffic light of 20-90 s
    light = ka.simulate_run(distance_m=2000, pauses=[1000], seed=1).truth.pauses
    assert 20 <= light["duration_s"].iloc[0] <= 90 and not light["timer_stopped"].iloc[0]


def test_heart_rate_lags_speed(strides_run):
    s = strides_run.truth.samples
    part = s[s["distance_m"] > 4000]
    speed = part["speed_mps"].to_numpy() - part["speed_mps"].mean()
    hr = part["heart_rate_bpm"].to_numpy() - part["heart_rate_bpm"].mean()
    lags = np.arange(0, 61)
    xcorr = [np.dot(speed[: len(speed) - k], hr[k:]) for k in lags]
    best = int(lags[int(np.argmax(xcorr))])
    assert 8 <= best <= 45
    # the recorded heart rate is the model plus ~1 bpm noise
    rec = strides_run.activity.records["heart_rate_bpm"]
    diff = rec.to_numpy() - s["heart_rate_bpm"][s["recorded"]].to_numpy()
    assert np.abs(diff).mean() < 1.5


def test_heart_rate_drifts_on_a_steady_run():
    sim = ka.simulate_run(duration_s=3600, variation=0.0, gps_spike_rate_per_h=0, seed=3)
    s = sim.truth.samples
    early = s["heart_rate_bpm"][(s["elapsed_s"] > 600) & (s["elapsed_s"] < 900)].mean()
    late = s["heart_rate_bpm"][s["elapsed_s"] > 3300].mean()
    assert 4.0 < late - early < 10.0


def test_gps_error_statistics():
    sim = ka.simulate_run(
        duration_s=3 * 3600, gps_noise_m=4.0, gps_correlation_s=30, gps_spike_rate_per_h=0, seed=12
    )
    s = sim.truth.samples
    rec = sim.activity.records
    lat0 = math.radians(s["lat_deg"].iloc[0])
    north = np.radians(rec["lat_deg"].to_numpy() - s["lat_deg"].to_numpy()) * EARTH_RADIUS_M
    east = (
        np.radians(rec["lon_deg"].to_numpy() - s["lon_deg"].to_numpy())
        * EARTH_RADIUS_M
        * math.cos(lat0)
    )
    np.testing.assert_allclose(north, s["gps_error_north_m"], atol=0.02)
    np.testing.assert_allclose(east, s["gps_error_east_m"], atol=0.02)
    rms = math.sqrt(np.mean(north**2 + east**2))
    assert rms == pytest.approx(4.0, rel=0.2)

    def acf(x: np.ndarray, k: int) -> float:
        x = x - x.mean()
        return float(np.dot(x[:-k], x[k:]) / np.dot(x, x))

    for axis in (north, east):
        assert acf(axis, 1) > 0.9
        assert acf(axis, 30) == pytest.approx(math.exp(-1), abs=0.2)
        assert acf(axis, 300) < 0.2
    assert sim.truth.gps_spikes.empty and not s["gps_spike"].any()


def test_gps_spikes():
    sim = ka.simulate_run(duration_s=3600, gps_spike_rate_per_h=20, gps_noise_m=2.0, seed=4)
    spikes = sim.truth.gps_spikes
    assert 8 <= len(spikes) <= 32
    assert spikes["offset_m"].between(15, 60).all() and spikes["duration_s"].between(1, 4).all()
    s = sim.truth.samples
    err = np.hypot(s["gps_error_east_m"], s["gps_error_north_m"])
    assert err[s["gps_spike"]].min() > 5.0
    assert s["gps_spike"].sum() == spikes["duration_s"].sum()
    # the device distance does not see them (speed-based), the GPX reader's does
    gpx = ka.read(ka.write_gpx(sim.activity))
    assert gpx.records["distance_m"].iloc[-1] > sim.activity.records["distance_m"].iloc[-1] + 100


def test_device_distance_and_speed():
    exact = ka.simulate_run(distance_m=5000, distance_error_pct=0, seed=2)
    s = exact.truth.samples
    rec = exact.activity.records
    np.testing.assert_allclose(rec["distance_m"], s["distance_m"], atol=0.5)
    np.testing.assert_allclose(rec["speed_mps"], s["speed_mps"], atol=6e-4)
    noisy = ka.simulate_run(distance_m=5000, distance_error_pct=1.0, seed=2)
    ratio = (
        noisy.activity.records["distance_m"].iloc[-1] / noisy.truth.samples["distance_m"].iloc[-1]
    )
    assert ratio != 1.0 and abs(ratio - 1.0) < 0.03


def test_hills_slow_the_runner_at_constant_effort():
    hilly = ka.simulate_run(distance_m=10_000, course="hilly", variation=0.0, seed=1)
    s = hilly.truth.samples
    run = s[(s["elapsed_s"] > 30)]
    up = run["speed_mps"][run["grade"] > 0.04].mean()
    down = run["speed_mps"][run["grade"] < -0.04].mean()
    assert up < 0.9 * (1000 / 300) < down
    assert run["grade"].abs().max() == pytest.approx(0.08, abs=0.005)
    # the effort speed removes the hills
    assert run["effort_speed_mps"].std() < 0.3 * run["speed_mps"].std()
    ele = s["elevation_m"]
    assert ele.max() - ele.min() > 30
    steady = ka.simulate_run(
        distance_m=10_000, course="hilly", constant_effort=False, variation=0.0, seed=1
    )
    assert steady.truth.samples["speed_mps"].iloc[30:].std() < 0.02
    assert grade_pace_factor([0.1, -0.1, 0.0]).tolist() == pytest.approx([1.33, 0.82, 1.0])


def test_run_on_a_course_activity():
    route = ka.simulate_course("hilly", length_m=6000)
    rec = route.records
    assert route.meta.extra["timed"] is False
    assert rec["distance_m"].iloc[-1] == 6000.0
    # through GPX and back, as a user would load a route
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ka.DataQualityWarning)
        loaded = ka.read(ka.write_gpx(route))
    assert loaded.meta.extra["kind"] == "route"
    sim = ka.simulate_run(course=loaded, gps_noise_m=0.0, gps_spike_rate_per_h=0, seed=3)
    assert sim.truth.pacing.total_distance_m == pytest.approx(6000.0, rel=0.005)
    s = sim.truth.samples
    # the true track follows the route: each true position is near a route point
    idx = np.arange(0, len(s), 50)
    for i in idx:
        d = haversine_m(s["lat_deg"].iloc[i], s["lon_deg"].iloc[i], rec["lat_deg"], rec["lon_deg"])
        assert d.min() < 15.0
    ele_route = np.interp(s["distance_m"], rec["distance_m"], rec["elevation_m"])
    assert np.abs(ele_route - s["elevation_m"]).max() < 1.5
    # an open course longer than needed: out and back
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ka.DataQualityWarning)
        half = ka.read(ka.write_gpx(_first_part(route, 2000.0)))
    back = ka.simulate_run(distance_m=3000, course=half, gps_noise_m=0.0, seed=3).truth.samples
    far = haversine_m(
        back["lat_deg"].iloc[0], back["lon_deg"].iloc[0], back["lat_deg"], back["lon_deg"]
    )
    assert far.iloc[-1] < far.max() - 500


def _first_part(act: ka.Activity, metres: float) -> ka.Activity:
    rec = act.records[act.records["distance_m"] <= metres]
    return ka.Activity(records=rec, laps=act.laps, meta=act.meta)


def test_smart_recording_gaps():
    sim = ka.simulate_run(distance_m=8000, pace_s_per_km=330, strides=6, sampling="smart", seed=21)
    rec = sim.activity.records
    gaps = np.diff(rec["elapsed_s"].to_numpy())
    assert gaps.min() >= 1 and gaps.max() <= 8
    assert 2.5 < gaps.mean() < 6.0
    assert (gaps == 1).mean() < 0.35 and (gaps >= 5).mean() > 0.3
    assert len(rec) < 0.4 * len(sim.truth.samples)
    # shorter gaps where the speed changes: during the strides
    stride_t = sim.truth.strides[["start_elapsed_s", "end_elapsed_s"]].to_numpy()
    t = rec["elapsed_s"].to_numpy()[1:]
    in_stride = np.zeros(len(t), dtype=bool)
    for a, b in stride_t:
        in_stride |= (t > a) & (t <= b + 5)
    assert gaps[in_stride].mean() < 0.75 * gaps[~in_stride].mean()
    # every planted stride start and end is a sample
    starts = np.ceil(sim.truth.strides["start_elapsed_s"].to_numpy())
    assert np.isin(starts, rec["elapsed_s"].to_numpy()).all()
    assert sim.truth.samples["recorded"].sum() == len(rec)


# --------------------------------------------------------------------------- round trips
def _read(data: bytes) -> ka.Activity:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ka.DataQualityWarning)
        return ka.read(data)


@pytest.mark.parametrize("sampling", ["1s", "smart"])
def test_fit_round_trip(strides_run, sampling):
    sim = strides_run
    if sampling == "smart":
        sim = ka.simulate_run(
            distance_m=3000,
            sampling="smart",
            pauses=[PauseSpec(at_m=1200, duration_s=30, timer_stopped=True)],
            seed=5,
        )
    act = sim.activity
    back = _read(ka.write_fit(act))
    assert back.meta.format == "fit" and back.meta.sport == "running"
    assert back.meta.pauses == act.meta.pauses and len(act.meta.pauses) == 1
    pd.testing.assert_index_equal(back.records.index, act.records.index)
    for col in RECORD_COLUMNS:
        np.testing.assert_allclose(
            back.records[col], act.records[col], rtol=0, atol=1e-9, err_msg=col
        )
    laps = act.laps
    assert len(back.laps) == len(laps)
    for col in ("start_time", "end_time"):
        assert (back.laps[col] == laps[col]).all()
    for col in (
        "distance_m",
        "duration_s",
        "moving_s",
        "speed_mps",
        "heart_rate_mean_bpm",
        "heart_rate_max_bpm",
        "cadence_mean_spm",
        "elevation_gain_m",
        "elevation_loss_m",
        "start_distance_m",
    ):
        np.testing.assert_allclose(back.laps[col], laps[col], atol=1e-6, err_msg=col)


def test_gpx_round_trip(strides_run):
    act = strides_run.activity
    back = _read(ka.write_gpx(act))
    assert back.meta.format == "gpx"
    assert back.meta.pauses == act.meta.pauses
    pd.testing.assert_index_equal(back.records.index, act.records.index)
    for col in ("lat_deg", "lon_deg"):
        assert np.abs(back.records[col] - act.records[col]).max() < 5e-10
    for col in ("elevation_m", "speed_mps", "heart_rate_bpm", "cadence_spm", "elapsed_s"):
        np.testing.assert_allclose(back.records[col], act.records[col], atol=1e-9, err_msg=col)
    # GPX distance comes from the positions: GPS wander adds a little
    ratio = back.records["distance_m"].iloc[-1] / act.records["distance_m"].iloc[-1]
    assert 1.0 < ratio < 1.05


# --------------------------------------------------------------------------- arguments
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(distance_m=1000, duration_s=600),
        dict(distance_m=1000, pace_s_per_km=0),
        dict(distance_m=1000, kick=1500),
        dict(distance_m=1000, sampling="sometimes"),
        dict(distance_m=1000, course="mountain"),
        dict(distance_m=1000, pauses=[{"duration_s": 10}]),
        dict(distance_m=1000, intervals={"reps": 2, "distance_m": 400, "duration_s": 60}),
        dict(segments=[{"distance_m": 500}]),
        dict(distance_m=1000, walk_breaks=-1),
        dict(distance_m=1000, slowdowns=[{"duration_s": 10}]),
        dict(distance_m=1000, pace_drift=[{"at_s": 100, "duration_s": 0}]),
        dict(distance_m=1000, gps_degraded=[{"at_m": 100, "at_s": 10}]),
        dict(distance_m=1000, speed_noise_mps=-0.1),
    ],
)
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        ka.simulate_run(**kwargs)


def test_shorthands_and_mappings():
    sim = ka.simulate_run(distance_m=6000, strides=4, kick=300.0, fade=5.0, seed=1)
    assert len(sim.truth.strides) == 4
    assert sim.truth.kick.distance_m == 300.0
    assert sim.truth.fade.slowdown_pct == 5.0
    with pytest.raises(TypeError):
        ka.simulate_run(distance_m=1000, strides={"number": 3})


def test_blocks_start_in_order_of_their_marks():
    sim = ka.simulate_run(
        distance_m=5000,
        pauses=[PauseSpec(at_m=3000, duration_s=20), PauseSpec(at_s=300, duration_s=30)],
        seed=2,
    )
    pauses = sim.truth.pauses
    assert pauses["duration_s"].tolist() == [30.0, 20.0]
    assert 300 <= pauses["start_elapsed_s"].iloc[0] <= 305
    assert pauses["start_distance_m"].iloc[1] == pytest.approx(3000.0, abs=10.0)


def test_kick_cuts_a_stride_short():
    sim = ka.simulate_run(
        distance_m=3000,
        strides=StrideSpec(count=4, duration_s=20, recovery_s=60, start_m=2300),
        kick=400,
        seed=2,
    )
    strides, kick = sim.truth.strides, sim.truth.kick
    assert kick.start_distance_m == 2600.0
    assert (strides["end_distance_m"] <= 2600.0 + 6.0).all()
    s = sim.truth.samples
    assert (s["phase"][s["distance_m"] > 2610] == "kick").all()


# --------------------------------------------------------------------------- the mess
MESS_TABLES = {
    "walk_breaks": ["walk", "mean_speed_mps", "target_speed_mps"],
    "slowdowns": ["slowdown", "mean_speed_mps", "min_speed_mps", "speed_fraction"],
    "pace_drift": ["drift", "mean_speed_mps", "peak_speed_mps", "change_pct"],
    "gps_degraded": ["noise_factor"],
}


def test_no_mess_by_default(strides_run):
    t = strides_run.truth
    for name, extra in MESS_TABLES.items():
        table = getattr(t, name)
        assert table.empty and list(table.columns) == [*EVENT_COLUMNS, *extra], name
    s = t.samples
    assert (s["grade_response"] == 1.0).all() and (s["gps_noise_factor"] == 1.0).all()
    assert (s["device_speed_noise_mps"] == 0.0).all()
    assert not s["phase"].isin(["walk", "slowdown", "drift"]).any()
    # asking for nothing explicitly is the same run
    same = ka.simulate_run(
        **{k: v for k, v in t.params.items() if k != "course"},
        course=t.params["course"],
    )
    pd.testing.assert_frame_equal(same.activity.records, strides_run.activity.records)
    zero = dict(t.params, walk_breaks=0, slowdowns=0.0, pace_drift=0.0, gps_degraded=0)
    zero |= dict(grade_response_sd=0.0, speed_noise_mps=0.0)
    pd.testing.assert_frame_equal(ka.simulate_run(**zero).activity.records, same.activity.records)


def _pair(**mess):
    """The same flat 6 km run without and with *mess* (no pace variation, exact distance)."""
    kw = dict(distance_m=6000, pace_s_per_km=330, variation=0.0, distance_error_pct=0.0, seed=5)
    return ka.simulate_run(**kw), ka.simulate_run(**kw, **mess)


def test_walk_break_is_walking_for_its_duration():
    clean, sim = _pair(walk_breaks=[WalkBreakSpec(at_m=2000, duration_s=90, speed_mps=1.4)])
    walks = sim.truth.walk_breaks
    assert len(walks) == 1
    w = walks.iloc[0]
    assert w["start_distance_m"] == pytest.approx(2000, abs=4)  # the second it is reached
    assert w["duration_s"] == 90 and w["target_speed_mps"] == 1.4
    s = sim.truth.samples
    el = s["elapsed_s"]
    inside = (el > w["start_elapsed_s"]) & (el <= w["end_elapsed_s"])
    assert (s["phase"][inside] == "walk").all() and (s["phase"] == "walk").sum() == 90
    # from a run to a walk in a few seconds (1.5 m/s² braking), then walking speed
    walking = s["speed_mps"][(el > w["start_elapsed_s"] + 4) & (el <= w["end_elapsed_s"])]
    np.testing.assert_allclose(walking, 1.4, rtol=0.04)  # the flat loop has ±1 m
    assert w["mean_speed_mps"] == pytest.approx(1.4, abs=0.1)
    # running again afterwards at the base speed, which it reaches in under 10 s
    after = s["speed_mps"][(el > w["end_elapsed_s"] + 10) & (el < w["end_elapsed_s"] + 120)]
    np.testing.assert_allclose(after, 1000 / 330, rtol=0.035)
    # the walk costs its time: about 90 s minus the 126 m walked at the base pace
    lost = sim.truth.pacing.total_time_s - clean.truth.pacing.total_time_s
    assert lost == pytest.approx(90 - 126 / (1000 / 330), abs=8)


def test_random_walk_breaks():
    sim = ka.simulate_run(duration_s=3600, pace_s_per_km=360, walk_breaks=3, seed=8)
    walks = sim.truth.walk_breaks
    assert len(walks) == 3 and walks["walk"].tolist() == [1, 2, 3]
    assert walks["duration_s"].between(30, 180).all()
    assert walks["target_speed_mps"].between(1.3, 1.8).all()
    np.testing.assert_allclose(walks["mean_speed_mps"], walks["target_speed_mps"], rtol=0.15)
    starts = walks["start_elapsed_s"].to_numpy()
    assert (starts >= 180).all() and (walks["end_elapsed_s"] <= 3600 - 180).all()
    assert (starts[1:] - walks["end_elapsed_s"].to_numpy()[:-1] >= 60).all()


def test_slowdown_slows_to_its_fraction():
    clean, sim = _pair(slowdowns=[SlowdownSpec(at_s=900, duration_s=25, speed_fraction=0.6)])
    rows = sim.truth.slowdowns
    assert len(rows) == 1 and rows["duration_s"].iloc[0] == 25
    r = rows.iloc[0]
    s, c = sim.truth.samples, clean.truth.samples.iloc[:1500]  # row i: i s into both runs
    s = s.iloc[:1500]
    el = s["elapsed_s"].to_numpy()
    inside = (el > r["start_elapsed_s"]) & (el <= r["end_elapsed_s"])
    # the commanded speed is 60 % of the one of the same second without the slowdown
    ratio = s["target_speed_mps"].to_numpy()[inside] / c["target_speed_mps"].to_numpy()[inside]
    np.testing.assert_allclose(ratio, 0.6, rtol=0.01)
    held = s["speed_mps"].to_numpy()[inside][6:]  # after braking; the flat loop has ±1 m
    np.testing.assert_allclose(held, 0.6 * 1000 / 330, rtol=0.035)
    assert r["min_speed_mps"] == pytest.approx(0.6 * 1000 / 330, rel=0.035)
    assert (sim.truth.samples["speed_mps"] > 1.5).iloc[10:].all()  # it never stops or walks
    np.testing.assert_array_equal(s["speed_mps"].to_numpy()[el <= 900], c["speed_mps"][el <= 900])


def test_random_slowdowns():
    sim = ka.simulate_run(duration_s=2 * 3600, pace_s_per_km=330, slowdowns=10.0, seed=3)
    rows = sim.truth.slowdowns
    assert 8 <= len(rows) <= 34  # a Poisson number with mean 20
    assert rows["duration_s"].between(5, 30).all()
    assert rows["speed_fraction"].between(0.5, 0.8).all()
    # every one really slows the runner down: below 85 % of the base speed at its lowest
    assert (rows["min_speed_mps"] < 0.85 * 1000 / 330).all()
    assert (rows["min_speed_mps"] > 0.4 * 1000 / 330).all()


def test_pace_drift_speeds_up_and_back():
    spec = DriftSpec(at_s=1200, duration_s=100, change_pct=8.0, ramp_s=20)
    clean, sim = _pair(pace_drift=[spec])
    r = sim.truth.pace_drift.iloc[0]
    assert r["duration_s"] == 100 and r["change_pct"] == pytest.approx(8.0)
    s, c = sim.truth.samples.iloc[:1500], clean.truth.samples.iloc[:1500]  # same seconds
    el = s["elapsed_s"].to_numpy()
    t0 = r["start_elapsed_s"]
    top = (el > t0 + 25) & (el <= t0 + 80)
    ratio = s["speed_mps"].to_numpy()[top] / c["speed_mps"].to_numpy()[top]
    np.testing.assert_allclose(ratio, 1.08, rtol=0.01)
    # a gradual drift, not a surge: at most 8 % / 20 s per second on the way up
    up = np.diff(s["speed_mps"].to_numpy()[(el > t0) & (el <= t0 + 30)])
    assert up.max() < 0.08 / 20 * 1000 / 330 * 1.5
    assert r["peak_speed_mps"] == pytest.approx(1.08 * 1000 / 330, rel=0.025)
    # afterwards as fast as without the drift at the same place
    back = (el > t0 + 110) & (el < t0 + 200)
    d = s["distance_m"].to_numpy()[back]
    same_place = np.interp(d, c["distance_m"], c["speed_mps"])
    np.testing.assert_allclose(s["speed_mps"][back], same_place, rtol=0.005)


def test_degraded_gps_has_larger_noise_in_its_periods():
    kw = dict(duration_s=3600, gps_noise_m=3.0, gps_spike_rate_per_h=0, seed=21)
    clean = ka.simulate_run(**kw)
    spec = GpsDegradedSpec(at_s=1200, duration_s=600, noise_factor=3.0)
    sim = ka.simulate_run(**kw, gps_degraded=[spec], speed_noise_mps=0.15)
    g = sim.truth.gps_degraded
    assert len(g) == 1 and g["duration_s"].iloc[0] == 600 and g["noise_factor"].iloc[0] == 3.0
    s, c = sim.truth.samples, clean.truth.samples
    el = s["elapsed_s"].to_numpy()
    inside = (el >= 1220) & (el <= 1780)  # after the 20 s ramps
    outside = (el < 1200) | (el > 1800)
    np.testing.assert_allclose(s["gps_noise_factor"][inside], 3.0)
    np.testing.assert_allclose(s["gps_noise_factor"][outside], 1.0)
    # what the watch recorded: 3 × farther from the true position than the same run's
    rec = sim.activity.records
    off = haversine_m(rec["lat_deg"], rec["lon_deg"], s["lat_deg"], s["lon_deg"])
    rec_c = clean.activity.records
    off_c = haversine_m(rec_c["lat_deg"], rec_c["lon_deg"], c["lat_deg"], c["lon_deg"])
    rms = lambda x, m: math.sqrt(np.mean(np.asarray(x)[m] ** 2))  # noqa: E731
    assert rms(off, inside) == pytest.approx(3.0 * rms(off_c, inside), rel=0.02)
    assert rms(off, outside) == pytest.approx(rms(off_c, outside), rel=0.02)
    # and the device speed noise is 3 × larger there too
    noise = rec["speed_mps"].to_numpy() - np.round(s["speed_mps"].to_numpy(), 3)
    moving = s["speed_mps"].to_numpy() > 0
    assert np.std(noise[inside & moving]) == pytest.approx(0.45, rel=0.2)
    assert np.std(noise[outside & moving]) == pytest.approx(0.15, rel=0.1)


def test_device_speed_noise_has_the_requested_std():
    sim = ka.simulate_run(
        distance_m=10_000,
        pace_s_per_km=300,
        distance_error_pct=0.0,
        speed_noise_mps=0.25,
        seed=9,
    )
    s, rec = sim.truth.samples, sim.activity.records
    moving = s["speed_mps"].to_numpy() > 0
    noise = rec["speed_mps"].to_numpy() - np.round(s["speed_mps"].to_numpy(), 3)
    np.testing.assert_allclose(noise, s["device_speed_noise_mps"], atol=1e-9)
    assert np.std(noise[moving]) == pytest.approx(0.25, rel=0.08)
    assert abs(np.mean(noise[moving])) < 0.03
    assert (noise[~moving] == 0).all()  # standing still reads 0
    # the device distance does not carry it: still the true distance
    np.testing.assert_allclose(rec["distance_m"], s["distance_m"], atol=0.5)
    # and the FIT file keeps it
    back = _read(ka.write_fit(sim.activity))
    np.testing.assert_allclose(back.records["speed_mps"], rec["speed_mps"], atol=1e-3)


def test_grade_response_varies_the_cost_of_hills():
    kw = dict(distance_m=15_000, course="hilly", variation=0.0, seed=6)
    rule = ka.simulate_run(**kw)
    own = ka.simulate_run(**kw, grade_response_sd=0.4)
    k = own.truth.samples["grade_response"]
    assert (k >= 0).all() and 0.1 < k.std() < 0.8 and abs(k.mean() - 1.0) < 0.4
    assert (rule.truth.samples["grade_response"] == 1.0).all()

    def effort_spread(sim: ka.SimulatedRun) -> float:
        s = sim.truth.samples
        up = s[(s["grade"] > 0.04) & (s["elapsed_s"] > 60)]
        return float((up["effort_speed_mps"] / (1000 / 300)).std())

    # at the rule the runner's uphill effort is the flat effort; otherwise it wanders
    assert effort_spread(rule) < 0.03
    assert effort_spread(own) > 2 * effort_spread(rule)


def test_random_mess_stays_outside_planted_events():
    kw = dict(
        distance_m=9000,
        pace_s_per_km=330,
        strides=StrideSpec(count=6, start_m=4000),
        intervals=None,
        seed=2,
    )
    clean = ka.simulate_run(**kw)
    sim = ka.simulate_run(**kw, walk_breaks=3, slowdowns=20.0, pace_drift=10.0)
    planted = sim.truth.strides
    assert len(planted) == len(clean.truth.strides) == 6
    mess = pd.concat([sim.truth.walk_breaks, sim.truth.slowdowns, sim.truth.pace_drift])
    assert len(mess) >= 8
    set0 = planted["start_elapsed_s"].min()
    set1 = planted["end_elapsed_s"].max()
    ends, starts = mess["end_elapsed_s"], mess["start_elapsed_s"]
    assert ((ends <= set0) | (starts >= set1 + 30)).all()
    s = sim.truth.samples
    assert set(s["phase"][(s["elapsed_s"] > set0) & (s["elapsed_s"] <= set1)]) == {
        "stride",
        "recovery",
    }


def test_realistic_preset():
    sim = ka.simulate_run(distance_m=10_000, pace_s_per_km=360, realistic=True, seed=4)
    t = sim.truth
    assert len(t.walk_breaks) == 2  # one per 40 min of the planned hour, rounded
    assert len(t.gps_degraded) == 2  # one per 30 min
    assert len(t.slowdowns) >= 3 and len(t.pace_drift) >= 1
    assert t.samples["grade_response"].std() > 0
    moving = t.samples["speed_mps"] > 0
    assert 0.15 < t.samples["device_speed_noise_mps"][moving].std() < 0.4
    assert "walk_breaks" in repr(sim) and "gps_degraded" in repr(sim)
    # what is given explicitly wins
    calm = ka.simulate_run(
        distance_m=10_000,
        pace_s_per_km=360,
        realistic=True,
        walk_breaks=0,
        speed_noise_mps=0,
        seed=4,
    )
    assert (
        calm.truth.walk_breaks.empty and (calm.truth.samples["device_speed_noise_mps"] == 0).all()
    )
    assert len(calm.truth.gps_degraded) == 2
    # the same run underneath (the mess has its own random numbers) until the first mess
    plain = ka.simulate_run(distance_m=10_000, pace_s_per_km=360, seed=4)
    same = ka.simulate_run(
        distance_m=10_000, pace_s_per_km=360, realistic=True, grade_response_sd=0, seed=4
    )
    first = min(
        float(same.truth.walk_breaks["start_elapsed_s"].min()),
        float(same.truth.slowdowns["start_elapsed_s"].min()),
        float(same.truth.pace_drift["start_elapsed_s"].min()),
    )
    assert first >= 180
    a, b = same.truth.samples, plain.truth.samples
    np.testing.assert_array_equal(
        a["distance_m"][a["elapsed_s"] <= first], b["distance_m"][b["elapsed_s"] <= first]
    )
