"""Stride detection against the strides planted by the simulator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import bench_scenario
from test_splits import read_back, synthetic, with_columns

import kickanalysis as ka
from kickanalysis.analysis.strides import STRIDE_DTYPES, detect_strides
from kickanalysis.errors import EmptyActivityError
from kickanalysis.schema import EVENT_COLUMNS
from kickanalysis.simulate import IntervalSpec, PauseSpec, StrideSpec

WRITERS = {"fit": ka.write_fit, "gpx": ka.write_gpx}


def match(found, truth, tol_s=3.0):
    """True positives, false positives, false negatives: a found stride matches a
    planted one when their time spans overlap (within ``tol_s``)."""
    used: set[int] = set()
    tp = 0
    for t0, t1 in truth[["start_elapsed_s", "end_elapsed_s"]].to_numpy():
        for j, (f0, f1) in enumerate(found[["start_elapsed_s", "end_elapsed_s"]].to_numpy()):
            if j not in used and f0 < t1 + tol_s and f1 > t0 - tol_s:
                used.add(j)
                tp += 1
                break
    return tp, len(found) - tp, len(truth) - tp


def planted(seed):
    """A run with a set of strides; pace, noise, sampling, course, stops vary by seed."""
    rng = np.random.default_rng(seed)
    pace = float(rng.uniform(240, 420))
    stops = [PauseSpec(at_m=1500, duration_s=30, timer_stopped=bool(seed % 2))]
    return ka.simulate_run(
        distance_m=7000,
        pace_s_per_km=pace,
        seed=seed,
        course=["flat", "hilly"][(seed // 2) % 2],
        sampling=["1s", "smart"][seed % 2],
        gps_noise_m=float(rng.uniform(1.0, 5.0)) if seed % 4 != 3 else 2.0,
        pauses=stops if seed % 3 == 0 else [],
        heart_rate=bool(seed % 2),
        distance_error_pct=0.0,
        strides=StrideSpec(
            count=int(rng.integers(4, 11)),
            duration_s=float(rng.uniform(8, 30)),
            recovery_s=float(rng.uniform(40, 90)),
        ),
    )


def test_planted_strides_are_found_in_fit_and_gpx():
    """F1 >= 0.95 over paces 4:00-7:00/km, GPS error 1-5 m, 1 s and smart recording,
    flat and hilly, with and without stops, read back from FIT and GPX."""
    totals = np.zeros(3, dtype=int)
    for seed in range(8):
        sim = planted(seed)
        for writer in WRITERS.values():
            found = detect_strides(read_back(sim.activity, writer))
            totals += match(found, sim.truth.strides)
    tp, fp, fn = totals
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert tp > 40
    assert f1 >= 0.95, (tp, fp, fn)


def test_stride_values_follow_the_truth():
    sim = planted(0)
    found = detect_strides(sim.activity)
    truth = sim.truth.strides
    assert len(found) == len(truth)
    assert found["set"].tolist() == [1] * len(truth)
    assert found["stride"].tolist() == list(range(1, len(truth) + 1))
    np.testing.assert_allclose(found["start_elapsed_s"], truth["start_elapsed_s"], atol=3.0)
    np.testing.assert_allclose(found["mean_speed_mps"], truth["mean_speed_mps"], rtol=0.1)
    np.testing.assert_allclose(found["peak_speed_mps"], truth["peak_speed_mps"], rtol=0.1)
    base = 1000.0 / sim.truth.params["pace_s_per_km"]
    np.testing.assert_allclose(found["baseline_speed_mps"], base, rtol=0.1)
    gaps = truth["start_elapsed_s"].to_numpy()[1:] - truth["end_elapsed_s"].to_numpy()[:-1]
    np.testing.assert_allclose(found["recovery_s"].to_numpy()[:-1], gaps, atol=5.0)
    assert np.isnan(found["recovery_s"].iloc[-1])


def _negative_runs():
    common = {"distance_m": 8000, "distance_error_pct": 0.0}
    yield "spikes", {**common, "gps_spike_rate_per_h": 20.0, "gps_noise_m": 3.0}
    yield "spikes hilly", {**common, "gps_spike_rate_per_h": 20.0, "course": "hilly"}
    yield "6x800", {**common, "intervals": IntervalSpec(reps=6, distance_m=800)}
    yield "5x3min", {**common, "intervals": IntervalSpec(reps=5, duration_s=180)}
    yield "10x400", {**common, "intervals": IntervalSpec(reps=10, distance_m=400, recovery_s=60)}
    stops = [
        PauseSpec(at_m=2000, duration_s=40),
        PauseSpec(at_m=4000, duration_s=60, timer_stopped=True),
        PauseSpec(at_m=6000, duration_s=15),
    ]
    yield "stops", {**common, "pauses": stops}


@pytest.mark.parametrize(("name", "kwargs"), list(_negative_runs()), ids=lambda x: str(x))
@pytest.mark.parametrize("sampling", ["1s", "smart"])
def test_no_strides_on_runs_without_them(name, kwargs, sampling):
    for seed, pace in ((1, 260.0), (2, 400.0)):
        sim = ka.simulate_run(seed=seed, pace_s_per_km=pace, sampling=sampling, **kwargs)
        assert sim.truth.strides.empty
        for fmt, writer in WRITERS.items():
            found = detect_strides(read_back(sim.activity, writer))
            assert found.empty, (name, seed, fmt, found[["start_elapsed_s", "duration_s"]])


def test_two_blocks_make_two_sets():
    v = np.full(3600, 3.0)
    for k in range(4):
        v[600 + 80 * k : 620 + 80 * k] = 5.0
        v[2400 + 80 * k : 620 + 1800 + 80 * k] = 5.0
    found = detect_strides(synthetic(v))
    assert found["set"].tolist() == [1, 1, 1, 1, 2, 2, 2, 2]
    np.testing.assert_allclose(found["duration_s"], 20.0, atol=1.0)
    np.testing.assert_allclose(found["speed_ratio"], 5.0 / 3.0, rtol=0.03)


def test_a_restart_after_a_stop_is_not_a_stride():
    """Standing 60 s, then straight into fast running for 20 s: not a stride."""
    v = np.full(1800, 3.0)
    v[600:660] = 0.0
    v[660:680] = 5.0
    assert detect_strides(synthetic(v), min_set_count=1).empty
    v[700:720] = 5.0  # the same surge with easy running before it is one
    found = detect_strides(synthetic(v), min_set_count=1)
    assert len(found) == 1
    assert found["start_elapsed_s"].iloc[0] == pytest.approx(700.0, abs=1.5)


def test_columns_and_empty_input():
    expected = [*EVENT_COLUMNS, *STRIDE_DTYPES]
    found = detect_strides(planted(1).activity)
    assert list(found.columns) == expected
    short = detect_strides(synthetic([3.0] * 20))
    assert list(short.columns) == expected and short.empty
    assert short.dtypes.equals(found.dtypes)
    assert isinstance(found["start_time"].dtype, pd.DatetimeTZDtype)
    one = synthetic([3.0])
    one = ka.Activity(records=one.records.iloc[:1], laps=one.laps, meta=one.meta)
    with pytest.raises(EmptyActivityError):
        detect_strides(one)


def test_a_prepared_series_gives_the_same_strides():
    """A shared Series (any GAP model) gives the strides of the FIT file it came from."""
    from kickanalysis.analysis._prepare import prepare

    act = read_back(planted(2).activity, ka.write_fit)
    found = detect_strides(act)
    assert len(found) > 0
    for model in ("minetti2002", "strava2017"):
        pd.testing.assert_frame_equal(detect_strides(prepare(act, gap_model=model)), found)


def test_a_clock_jump_of_years_does_not_blow_up_the_grid():
    """A watch clock that jumps (a real Strava-app FIT file jumps 64 years) makes a gap:
    the 1 s grid shortens it, and the events keep their real times."""
    sim = ka.simulate_run(distance_m=6000, strides=ka.StrideSpec(count=4), seed=3)
    rec = sim.activity.records
    jump = pd.Timedelta(days=365 * 64)
    late = rec.index > rec.index[len(rec) // 3]  # the strides are near the end
    moved = rec.copy()
    moved.index = rec.index.where(~late, rec.index + jump)
    moved["elapsed_s"] = (moved.index - moved.index[0]).total_seconds()
    act = ka.Activity(records=moved, laps=sim.activity.laps, meta=sim.activity.meta)
    found = ka.detect_strides(act)
    plain = ka.detect_strides(sim.activity)
    assert len(found) == len(plain) == 4
    shift = (found["start_time"] - plain["start_time"]).dt.total_seconds()
    assert np.allclose(shift, jump.total_seconds(), atol=0.5)
    assert np.allclose(found["duration_s"], plain["duration_s"], atol=0.5)
    assert np.allclose(found["recovery_s"].dropna(), plain["recovery_s"].dropna(), atol=0.5)
    assert ka.detect_intervals(act).empty


def test_running_again_after_walk_breaks_is_no_stride_or_rep():
    """Run/walk: 3 m/s running with 60 s walk breaks at 1.4 m/s every 4 min. Each
    return to running is a step up from the walk, but no faster than the day's running:
    neither strides nor intervals."""
    v = np.full(3600, 3.0)
    for start in range(300, 3300, 300):
        v[start : start + 60] = 1.4
    act = synthetic(v)
    assert detect_strides(act).empty
    assert ka.detect_intervals(act).empty


def test_a_lone_surge_is_not_a_set():
    v = np.full(1800, 3.0)
    v[700:720] = 5.0
    assert detect_strides(synthetic(v)).empty
    v[800:820] = 5.0
    assert len(detect_strides(synthetic(v))) == 2


def test_a_stride_needs_quicker_steps_when_the_file_has_a_cadence():
    """The planted strides raise the cadence; with the cadence flattened to its median
    (the watch saw no quicker steps, as when GPS error fakes a surge) they are no
    strides, and without a cadence the test is skipped."""
    sim = planted(2)
    act = read_back(sim.activity, ka.write_fit)
    assert len(detect_strides(act)) == len(sim.truth.strides)
    flat = with_columns(act, cadence_spm=float(act.records["cadence_spm"].median()))
    assert len(detect_strides(flat)) == 0
    found = detect_strides(with_columns(act, cadence_spm=np.nan))
    assert len(found) == len(sim.truth.strides)
    assert len(detect_strides(flat, min_cadence_ratio=0.0)) == len(sim.truth.strides)


def test_gps_surges_under_trees_are_no_strides_on_a_gpx_without_speed():
    """A run of benchmarks/bench_detection.py ("messy", seed 29): an easy run whose GPS
    error is 3 x worse (12 m) for stretches of a few minutes, written as a GPX without
    the watch's speed. The positions made 6 "strides" there; the cadence did not rise."""
    kw = bench_scenario("messy", 29)
    sim = ka.simulate_run(**kw)
    assert len(sim.truth.strides) == 0
    act = read_back(with_columns(sim.activity, speed_mps=np.nan), ka.write_gpx)
    assert len(detect_strides(act)) == 0
    assert len(detect_strides(act, min_cadence_ratio=0.0)) >= 4


def test_without_cadence_or_watch_speed_a_stride_must_beat_the_gps_noise():
    """A messy easy run of benchmarks/bench_detection.py (seed 4) as a GPX with neither
    the watch's speed nor a cadence: its GPS error makes 2 "strides" that gain less
    than noise_factor x the run's distance noise; the planted strides of eight runs
    written the same way are all still found."""
    sim = ka.simulate_run(**bench_scenario("messy", 4))
    act = read_back(with_columns(sim.activity, speed_mps=np.nan, cadence_spm=np.nan), ka.write_gpx)
    assert len(sim.truth.strides) == 0
    assert len(detect_strides(act)) == 0
    assert len(detect_strides(act, noise_factor=0.0)) == 2
    for seed in range(8):  # paces 4:00-7:00/km, GPS error 1-5 m, 1 s and smart, hills
        sim = planted(seed)
        written = with_columns(sim.activity, speed_mps=np.nan, cadence_spm=np.nan)
        act = read_back(written, ka.write_gpx)
        assert match(detect_strides(act), sim.truth.strides) == (len(sim.truth.strides), 0, 0)
