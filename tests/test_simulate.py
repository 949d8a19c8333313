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
    FadeSpec,
    IntervalSpec,
    KickSpec,
    PauseSpec,
    StrideSpec,
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
