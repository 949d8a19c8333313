"""Interval detection against the repetitions planted by the simulator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import bench_scenario
from test_splits import read_back, synthetic, with_columns

import kickanalysis as ka
from kickanalysis.analysis._prepare import prepare
from kickanalysis.analysis.intervals import (
    INTERVAL_DTYPES,
    IntervalSession,
    detect_intervals,
    interval_session,
)
from kickanalysis.errors import EmptyActivityError
from kickanalysis.schema import EVENT_COLUMNS
from kickanalysis.simulate import IntervalSpec, KickSpec, PauseSpec, StrideSpec

WRITERS = {"fit": ka.write_fit, "gpx": ka.write_gpx}

SESSIONS = [
    IntervalSpec(reps=6, distance_m=800, recovery_s=120),
    IntervalSpec(reps=5, duration_s=180, recovery_s=90),
    IntervalSpec(reps=10, distance_m=400, recovery_s=60),
    IntervalSpec(reps=4, distance_m=1000, recovery_m=400),
]


def rep_duration_errors(found, truth):
    """|found - planted| duration of each rep [s]; every planted rep must be found."""
    assert len(found) == len(truth)
    return np.abs(found["duration_s"].to_numpy() - truth["duration_s"].to_numpy())


def session(seed, spec, noise_m):
    rng = np.random.default_rng(seed)
    return ka.simulate_run(
        distance_m=10000,
        pace_s_per_km=float(rng.uniform(240, 420)),
        seed=seed,
        course=["flat", "hilly"][seed % 2],
        sampling=["1s", "smart"][(seed // 2) % 2],
        gps_noise_m=noise_m,
        pauses=[PauseSpec(at_m=1000, duration_s=30, timer_stopped=bool(seed % 2))],
        heart_rate=seed != 2,
        distance_error_pct=0.0,
        intervals=spec,
    )


@pytest.mark.parametrize("fmt", ["fit", "gpx"])
@pytest.mark.parametrize(("seed", "noise_m"), [(0, 1.5), (1, 2.0), (2, 2.5), (3, 3.0)])
def test_every_planted_rep_is_found_within_3_s(seed, noise_m, fmt):
    sim = session(seed, SESSIONS[seed], noise_m)
    truth = sim.truth.intervals
    found = detect_intervals(read_back(sim.activity, WRITERS[fmt]))
    assert len(found) == len(truth)
    err = np.abs(found["duration_s"].to_numpy() - truth["duration_s"].to_numpy())
    start_err = np.abs(found["start_elapsed_s"].to_numpy() - truth["start_elapsed_s"].to_numpy())
    # GPX: distance from the noisy positions, speed from the file's device speed
    assert err.max() < 3.0 and start_err.max() < 3.0
    assert found["rep"].tolist() == list(range(1, len(truth) + 1))
    rec = truth["start_elapsed_s"].to_numpy()[1:] - truth["end_elapsed_s"].to_numpy()[:-1]
    np.testing.assert_allclose(found["recovery_s"].to_numpy()[:-1], rec, atol=5.0)
    assert np.isnan(found[["recovery_s", "recovery_distance_m"]].iloc[-1]).all()
    np.testing.assert_allclose(found["speed_mps"], truth["mean_speed_mps"], rtol=0.04)
    if sim.truth.params["heart_rate"]:
        assert found["heart_rate_mean_bpm"].between(100, 200).all()
    else:
        assert found["heart_rate_mean_bpm"].isna().all()


@pytest.mark.parametrize("kind", ["easy", "hilly", "strides", "stops"])
@pytest.mark.parametrize("sampling", ["1s", "smart"])
def test_no_intervals_without_speedwork(kind, sampling):
    kwargs = {"distance_m": 8000, "sampling": sampling, "gps_noise_m": 3.0}
    if kind == "hilly":
        kwargs["course"] = "hilly"
    if kind == "strides":
        kwargs["strides"] = StrideSpec(count=8, duration_s=25, recovery_s=60)
    if kind == "stops":
        kwargs["pauses"] = [
            PauseSpec(at_m=2000, duration_s=40),
            PauseSpec(at_m=4000, duration_s=60, timer_stopped=True),
            PauseSpec(at_m=6000, duration_s=15),
        ]
    for seed, pace in ((1, 250.0), (2, 410.0)):
        sim = ka.simulate_run(seed=seed, pace_s_per_km=pace, **kwargs)
        for writer in WRITERS.values():
            assert detect_intervals(read_back(sim.activity, writer)).empty


def test_a_tempo_block_is_one_interval():
    """15 min at 1.2 x the easy speed between 2 km of easy running on either side."""
    segments = [
        {"distance_m": 2000, "pace_s_per_km": 330},
        {"duration_s": 900, "pace_s_per_km": 275},
        {"distance_m": 2000, "pace_s_per_km": 330},
    ]
    sim = ka.simulate_run(segments=segments, seed=4, distance_error_pct=0.0)
    assert detect_intervals(sim.activity).empty  # one block is not a session
    found = detect_intervals(sim.activity, min_reps=1)
    assert len(found) == 1
    assert found["duration_s"].iloc[0] == pytest.approx(900.0, abs=5.0)
    samples = sim.truth.samples
    start = float(np.interp(2000.0, samples["distance_m"], samples["elapsed_s"]))
    assert found["start_elapsed_s"].iloc[0] == pytest.approx(start, abs=3.0)


def test_a_block_longer_than_max_duration_is_none():
    v = np.concatenate((np.full(600, 3.0), np.full(1500, 3.6), np.full(600, 3.0)))
    assert detect_intervals(synthetic(v), min_reps=1).empty
    assert len(detect_intervals(synthetic(v), max_duration_s=1800.0, min_reps=1)) == 1


def test_a_final_kick_is_not_a_session():
    """A race with a final kick of 600 m at +25 %: one fast block, not speedwork."""
    sim = ka.simulate_run(
        distance_m=5000,
        pace_s_per_km=240,
        kick=KickSpec(distance_m=600, speed_increase_pct=25),
        seed=3,
        distance_error_pct=0.0,
    )
    for writer in WRITERS.values():
        assert detect_intervals(read_back(sim.activity, writer)).empty


def test_a_prepared_series_gives_the_same_reps():
    """A shared Series (prepared with another GAP model) gives what the FIT file gives."""
    sim = session(1, SESSIONS[1], 2.0)
    act = read_back(sim.activity, ka.write_fit)
    found = detect_intervals(act)
    for model in ("minetti2002", "strava2017"):
        shared = detect_intervals(prepare(act, gap_model=model))
        pd.testing.assert_frame_equal(shared, found)


def test_gpx_without_device_speed_still_finds_the_reps():
    """Distance and speed from the positions only (1.5 m of GPS error): every rep is
    found; edges within 5 s (the GPS error's slow wander limits them)."""
    sim = session(0, SESSIONS[0], 1.5)
    act = read_back(sim.activity, ka.write_gpx)
    found = detect_intervals(with_columns(act, speed_mps=np.nan))
    assert rep_duration_errors(found, sim.truth.intervals).max() < 5.0


@pytest.mark.parametrize(
    ("spec", "by", "text"),
    [
        (IntervalSpec(reps=6, distance_m=800, recovery_s=120), "distance", "6 × 800 m in "),
        (IntervalSpec(reps=5, duration_s=180, recovery_s=90), "duration", "5 × 3:00 at "),
        (IntervalSpec(reps=3, distance_m=1609.344, recovery_s=180), "distance", "3 × 1 mi in "),
        (IntervalSpec(reps=4, distance_m=1000, recovery_s=150), "distance", "4 × 1 km in "),
    ],
)
def test_session_summary(spec, by, text):
    sim = ka.simulate_run(distance_m=11000, intervals=spec, seed=5, distance_error_pct=0.0)
    truth = sim.truth.intervals
    s = interval_session(sim.activity)
    assert isinstance(s, IntervalSession)
    assert s.reps == spec.reps and s.by == by
    assert s.summary.startswith(text), s.summary
    assert s.rep_time_min_s == pytest.approx(truth["duration_s"].min(), abs=3.0)
    assert s.rep_time_max_s == pytest.approx(truth["duration_s"].max(), abs=3.0)
    assert s.recovery_mean_s == pytest.approx(spec.recovery_s, abs=3.0)
    assert s.summary.endswith("jog recovery")
    # the same from the table, and as a dict
    assert interval_session(detect_intervals(sim.activity)) == s
    assert s.to_dict()["reps"] == spec.reps


def test_no_session_and_empty_input():
    expected = [*EVENT_COLUMNS, *INTERVAL_DTYPES]
    easy = ka.simulate_run(distance_m=3000, seed=1)
    found = detect_intervals(easy.activity)
    assert list(found.columns) == expected and found.empty
    s = interval_session(found)
    assert s.reps == 0 and s.summary == "no intervals"
    short = detect_intervals(synthetic([3.0] * 30))
    assert list(short.columns) == expected and short.empty
    one = synthetic([3.0])
    one = ka.Activity(records=one.records.iloc[:1], laps=one.laps, meta=one.meta)
    with pytest.raises(EmptyActivityError):
        detect_intervals(one)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gpx_positions_and_cadence_give_reps_within_3_s(seed):
    """Positions only (3 m of GPS error), with the cadence the watch counts: the cadence
    steps at every rep edge without GPS error, so every rep is within 3 s (without the
    cadence, seed 1 is 5.4 s off). Seed 0 (a pause before 6 x 800 m) still has one rep
    4-6 s off, with or without cadence, also at 1.5 m: not yet explained."""
    sim = session(seed, SESSIONS[seed], 3.0)
    act = read_back(sim.activity, ka.write_gpx)
    found = detect_intervals(with_columns(act, speed_mps=np.nan))
    assert rep_duration_errors(found, sim.truth.intervals).max() < 3.0


def test_change_point_weighs_channels_by_their_noise():
    """A step at second 100 in two channels: a speed with GPS wander and a 14 s dip
    after the step, and a cadence with white noise. Alone the speed puts the edge after
    the dip; weighted with the cadence, the edge is at the step."""
    from kickanalysis.analysis.intervals import _change_point, _Channels

    rng = np.random.default_rng(0)
    t = np.arange(200)
    wander = np.convolve(rng.normal(0.0, 0.6, 209), np.ones(10) / 10.0, mode="valid")
    speed = np.where(t >= 100, 3.0, 2.3) + wander  # GPS wander, correlated over 10 s
    speed[100:114] -= 0.5  # the positions' speed lags: looks slow for 14 s
    cadence = np.where(t >= 100, 172.0, 166.0) + rng.normal(0.0, 1.5, 200)
    segs = [(0, 100, 2.3), (100, 200, 3.0)]

    def edge(channels):
        c = _Channels(channels, segs)
        return _change_point(c, c, (40, 95), (120, 180), 60, 140)

    assert abs(edge([speed]) - 100.0) > 8.0
    assert abs(edge([speed, cadence]) - 100.0) < 2.0


def _warm_up_then_rep(factor):
    """A warm-up at an effort of 2.7 m/s, then from second 120 a rep at 3.55 m/s; the
    positions' speed has a wander of 0.6 m/s on the last 14 s of the warm-up; the
    cadence (148 + 8.5 steps/min per m/s of actual speed, noise of 1.5) does not.
    ``factor`` is the grade factor of each second (the grade-adjusted speed over the
    actual speed, which is the effort over the factor)."""
    from kickanalysis.analysis.intervals import _Channels

    rng = np.random.default_rng(5)
    t = np.arange(260)
    level = np.where(t >= 120, 3.55, 2.7) / factor
    speed = level + np.convolve(rng.normal(0.0, 0.3, 264), np.ones(5) / 5.0, mode="valid")
    speed[106:120] += 0.6
    cadence = 2.0 * np.round((148.0 + 8.5 * level + rng.normal(0.0, 1.5, 260)) / 2.0)
    segs = [(0, 106, 2.7), (106, 260, 3.5)]
    coarse = _Channels([speed * factor], segs)
    fine = _Channels([speed, cadence], segs)
    return coarse, fine


def test_change_point_starts_the_fine_search_where_pace_and_cadence_step():
    """On level ground the positions' wander before a rep's start fakes the step 14 s
    early in the grade-adjusted speed; the cadence steps at the true edge, and the fine
    search starts where the actual speed and the cadence step most (_step_scan)."""
    from kickanalysis.analysis.intervals import _change_point, _cusum, _step_scan

    coarse, fine = _warm_up_then_rep(np.full(260, 1.03))
    before, after = (46, 106), (106, 250)
    assert abs(_cusum(coarse, before, after, 66, 146) - 106.0) < 3.0  # the wander
    level = coarse.levels(before, after)[0]
    assert abs(_step_scan(coarse, fine, before, after, level, 106, 66, 146) - 120.0) <= 3
    assert abs(_change_point(coarse, fine, before, after, 66, 146) - 120.0) < 2.0


def test_step_scan_keeps_the_edge_on_a_changing_grade():
    """Where the grade changes around the edge (here from level to 6 %: at the same
    effort the actual speed, and the cadence with it, fall by 0.6 m/s, most of the
    rep's step), the actual speed and the cadence no longer tell where the effort
    changed: the first search's edge is kept."""
    from kickanalysis.analysis.intervals import _step_scan

    factor = np.ones(260)
    factor[90:] = np.minimum(1.0 + 0.006 * np.arange(170), 1.2)  # a hill starts at 90
    coarse, fine = _warm_up_then_rep(factor)
    level = coarse.levels((46, 106), (106, 250))[0]
    assert _step_scan(coarse, fine, (46, 106), (106, 250), level, 106, 66, 146) == 106


def test_a_quantised_channel_keeps_its_noise_and_its_weight():
    """A cadence counted in whole steps of 2 spm that is constant on most seconds has a
    median absolute deviation of zero: its noise is then the mean square (before, such
    a channel was dropped, and the edge followed the noisy speed alone)."""
    from kickanalysis.analysis.intervals import _change_point, _Channels, _long_run_var

    rng = np.random.default_rng(3)
    t = np.arange(200)
    cadence = np.where(t >= 100, 182.0, 176.0)
    cadence[rng.choice(200, 12, replace=False)] += 2.0  # a few counts off by a step
    var = _long_run_var(cadence[:100] - 176.0)
    assert 0.0 < var < 5 * 4.0
    speed = np.where(t >= 100, 3.9, 3.0) + rng.normal(0.0, 0.15, 200)
    speed[96:100] += 0.5  # one noisy sample held for 4 s before the step (smart recording)
    segs = [(0, 100, 3.0), (100, 200, 3.9)]
    c = _Channels([speed, cadence], segs)
    assert abs(_change_point(c, c, (40, 95), (105, 160), 60, 140) - 100.0) < 1.0


def test_a_dip_inside_a_rep_joins_it_and_a_recovery_does_not():
    """The rules of _is_dip / _close_dips on (start, end, mean speed) segments."""
    from kickanalysis.analysis.intervals import _close_dips, _is_dip

    rep0, rep1 = (0, 550, 3.22), (571, 625, 3.29)
    dip = (550, 571, 2.82)  # a 21 s slowdown 12 % slower
    kw = dict(max_dip_s=40.0, ratio=1.2)
    assert _is_dip(rep0, dip, rep1, **kw)
    assert not _is_dip(rep0, (550, 571, 2.2), rep1, **kw)  # a float far slower: recovery
    assert not _is_dip(rep0, (550, 600, 2.82), (600, 660, 3.29), **kw)  # 50 s: recovery
    assert not _is_dip(rep0, dip, (571, 625, 4.2), **kw)  # the two sides are not alike
    assert not _is_dip(rep0, dip, (571, 594, 3.29), **kw)  # a 23 s piece after it
    deep = (550, 574, 2.66)  # 17 % slower, but far above the 1.9 m/s recoveries around
    assert not _is_dip(rep0, deep, rep1, **kw)
    assert _is_dip(rep0, deep, rep1, floor=1.9, **kw)
    assert not _is_dip(rep0, deep, rep1, floor=2.47, **kw)  # nearer the easy running
    v = np.concatenate((np.full(550, 3.22), np.full(21, 2.82), np.full(54, 3.29)))
    joined = _close_dips(v, [rep0, dip, rep1], **kw)
    assert len(joined) == 1 and joined[0][:2] == (0, 625)
    assert joined[0][2] == pytest.approx(v.mean())


def test_levels_the_cadence_does_not_tell_apart_are_one():
    """_same_cadence: a change of speed without the change of cadence that the run's
    cadence-speed slope predicts is GPS error; with that change it is a change of pace."""
    from kickanalysis.analysis.intervals import _same_cadence

    def run(cad_b):
        # easy, a rep's first part, its second part (GPS error: looks 11 % slower),
        # the recovery; cadence = 146 + 8.5 x speed except in the second part
        levels = [(120, 2.7), (90, 3.7), (60, 3.3), (90, 2.2)]
        v = np.concatenate([np.full(n, x) for n, x in levels])
        cad = np.concatenate([np.full(n, 146 + 8.5 * x) for n, x in levels])
        cad[210:270] = cad_b
        bounds = np.cumsum([0] + [n for n, _ in levels])
        segs = [(int(a), int(b), x) for a, b, (_, x) in zip(bounds[:-1], bounds[1:], levels)]
        return _same_cadence(v, v, cad, segs, ratio=1.2, agreement=0.5)

    rep_cadence = 146 + 8.5 * 3.7
    joined = run(rep_cadence)  # the rep's cadence: the slower look is GPS error
    assert [s[:2] for s in joined] == [(0, 120), (120, 270), (270, 360)]
    assert joined[1][2] == pytest.approx((90 * 3.7 + 60 * 3.3) / 150)
    assert len(run(146 + 8.5 * 3.3)) == 4  # the cadence fell with the pace: two levels
    assert len(run(rep_cadence - 0.25 * 8.5 * 0.4)) == 3  # a quarter of the fall: one
    assert len(run(rep_cadence - 0.75 * 8.5 * 0.4)) == 4  # three quarters: two
    segs = [(0, 120, 1.0), (120, 240, 1.05), (240, 360, 1.0)]
    no_cadence = _same_cadence(
        np.ones(360), np.ones(360), np.full(360, np.nan), segs, ratio=1.2, agreement=0.5
    )
    assert no_cadence == segs


# runs of benchmarks/bench_detection.py ("intervals": format, seed) whose reps were more
# than 3 s off before the fixes named
BENCH_RUNS = [
    # GPX with the watch's speed: a 21 s dip of GPS error inside the second 2 km rep cut
    # it (73 s short); now one rep with the dip (_is_dip)
    ("gpx", 44),
    # positions only, smart recording on hills: a 28 s bump inside the first 1 km rep
    # split it (3.5 s off, and 112 s once the first search of an edge used the
    # grade-adjusted speed); now one rep (_is_dip)
    ("gpx-pos", 38),
    # GPX with the watch's speed: a 31 s dip inside the first 2 km rep, and the rep's
    # second part then compared with the dip as the running before it and failed the
    # contrast test: two reps of three, no session; now the dip joins the rep's parts
    # before the candidates are judged (_close_dips)
    ("gpx", 134),
    # GPX with the watch's speed, 10 x 400 m on hills: a rep's first 33 s look slower,
    # and the noisy step between the two pieces put the second's start edge 42 s into
    # its 80 s segment: two pieces too short to be a rep, one rep missing; now a
    # segment of a rep's length is a rep on its own, and the piece joins it
    ("gpx", 142),
    # GPX with the watch's speed at 1 m of GPS error: the watch's speed read 0.3 m/s too
    # slow for the first 10 s of a rep, and the fusion with the positions (a fixed 10 s
    # time constant) trusted it: 8.5 s off; now the time constant follows the
    # positions' wobble (about 5 s here, _surges.fusion_tau_s)
    ("gpx", 174),
    # positions only, 5 x 3 min: GPS error made the first 48 s of the third rep look
    # 11 % slower, a candidate of its own, and the rep was found 45 s short; joined
    # with it, the rep is as long as the other four (_complete_reps)
    ("gpx-pos", 76),
    # positions only, 4 x 1 km on hills: a 27 s dip 58 s before the end of the first rep
    # and a 32 s piece after it (too short for the dip to join it, _is_dip); the piece
    # beyond the dip makes the rep as long in distance as the others (_complete_reps)
    ("gpx-pos", 133),
    # positions only, 3 x 2 km: a 24 s dip 17 % slower inside the first rep cut it in two
    # pieces that were not alike the other reps, and the session was lost; the dip is
    # far above the recoveries, so it joins the rep (_is_dip with the floor)
    ("gpx-pos", 44),
    # GPX with the watch's speed, smart recording: one noisy speed sample held for 4 s
    # before the first rep, and a constant cadence there with no noise measured on it
    # (5.2 s off); now the cadence's noise is measured on the whole run
    ("gpx", 5),
    # positions only, 10 x 400 m on hills: the last rep ends uphill, where its actual
    # pace is no longer its level (33 s off when the noise was measured on the whole
    # run but the first search still used the actual speed); guards the first search
    # on the grade-adjusted speed
    ("gpx-pos", 27),
    # positions only, 10 x 400 m and 6 x 800 m on hills: GPS error made part of a rep
    # look 11-14 % slower or faster, a level of its own next to the rep's, and the rest
    # then failed the contrast test against it: a rep missing; the cadence (180 and 182,
    # 178 and 180 steps/min in the two parts) shows no change of pace, so the parts are
    # one level (_same_cadence)
    ("gpx-pos", 142),
    ("gpx-pos", 165),
    # positions only, flat, 5 m of GPS error: the positions' wander made the last 13 s
    # of the warm-up look 0.5 m/s faster, and both searches of the first rep's start
    # put it there (12.3 s early; the fine search's 20 s cadence windows beside that
    # edge both straddled the true one and showed no change). The same in seed 131
    # (a 0.4 m/s dip of the positions' speed after the first rep's start: 9.3 s late);
    # now the fine search starts where the actual speed and the cadence step most
    # (_step_scan)
    ("gpx-pos", 9),
    ("gpx-pos", 131),
    # positions only, smart recording, 5 and 3 m of GPS error: the speed from the
    # smoothed positions spreads a change of pace over about 7 s, and its wander pulled
    # the first rep's start 2.7 s early (seed 5: 4.2 s off in duration) and the last
    # rep's end 3.9 s late (seed 63: 3.5 s off), against a cadence that stepped at the
    # planted edges; now that speed weighs 3x less in the fine search
    # (POSITION_STEP_INFO_RATIO)
    ("gpx-pos", 5),
    ("gpx-pos", 63),
]


@pytest.mark.parametrize(("fmt", "seed"), BENCH_RUNS)
def test_benchmark_runs_that_were_off_have_every_rep_within_3_s(fmt, seed):
    sim = ka.simulate_run(**bench_scenario("intervals", seed))
    written = sim.activity
    if fmt == "gpx-pos":  # as benchmarks/bench_detection.py: a GPX without speed
        written = with_columns(written, speed_mps=np.nan)
    found = detect_intervals(read_back(written, ka.write_gpx))
    assert rep_duration_errors(found, sim.truth.intervals).max() < 3.0


# two runs of benchmarks/bench_detection.py ("intervals", seeds 1 and 19)
SPLIT_BY_GPS = [
    # GPS drift right after the first rep's start: its first 29 s look slower
    dict(
        seed=1,
        gps_noise_m=3.0,
        sampling="1s",
        course="hilly",
        pace_s_per_km=406.8019831212322,
        intervals=IntervalSpec(reps=5, duration_s=180.0, recovery_s=120.0),
        distance_m=7482.281471615195,
        speed_noise_mps=0.11921192043338905,
    ),
    # a 33 s bump of GPS error in the last 2 km rep: it looks like a surge inside it
    dict(
        seed=19,
        gps_noise_m=5.0,
        sampling="1s",
        course="flat",
        pace_s_per_km=321.42697971236595,
        intervals=IntervalSpec(reps=3, distance_m=2000.0, recovery_s=180.0),
        distance_m=10760.006239558425,
        slowdowns=8.710363538226819,
        pace_drift=4.672325529003777,
        speed_noise_mps=0.20210301795801386,
    ),
]


@pytest.mark.parametrize("kw", SPLIT_BY_GPS)
def test_gpx_positions_short_piece_beside_a_rep_is_part_of_it(kw):
    """Positions only: GPS error that splits a short piece off a rep (a slower-looking
    start, a faster-looking bump) does not cut the rep (before, 23 s off / no reps)."""
    sim = ka.simulate_run(distance_error_pct=0.0, **kw)
    act = read_back(sim.activity, ka.write_gpx)
    found = detect_intervals(with_columns(act, speed_mps=np.nan))
    assert rep_duration_errors(found, sim.truth.intervals).max() < 3.0


def test_same_effort_joins_a_short_piece_to_a_rep_only():
    """The rules of _same_effort on (start, end, mean speed) segments."""
    from kickanalysis.analysis.intervals import _same_effort

    rep, ramp = (100, 250, 3.3), (70, 100, 2.9)  # a 30 s piece 12 % slower
    assert _same_effort(ramp, rep, False, True, 40.0, 1.2)
    assert _same_effort(rep, (250, 280, 4.5), True, False, 40.0, 1.2)  # a surge
    assert not _same_effort(ramp, rep, False, False, 40.0, 1.2)  # the long one no rep
    assert not _same_effort((70, 100, 2.6), rep, False, True, 40.0, 1.2)  # 27 % slower
    assert not _same_effort((40, 70, 3.3), (70, 100, 3.3), False, False, 40.0, 1.2)


def test_easy_running_between_slowdowns_is_no_session():
    """A run of benchmarks/bench_detection.py ("strides", seed 62, GPX): two 25 s
    slowdowns cut the easy running into three long stretches, each faster than the
    slowdowns around it. With the stretches left out of the day's typical speed,
    nothing was left to compare them with, and they were reported as 3 reps; they are
    nearly all of the running, so they are the reference (min_easy_share)."""
    kw = bench_scenario("strides", 62)
    sim = ka.simulate_run(**kw)
    assert len(sim.truth.intervals) == 0
    act = read_back(sim.activity, ka.write_gpx)
    assert len(detect_intervals(act)) == 0
    assert len(detect_intervals(act, min_easy_share=0.0)) == 3  # the reps left out


def test_a_session_with_a_warm_up_keeps_its_reps_judged_against_the_easy_running():
    """The other side of min_easy_share: 3 x 10 min at tempo with 90 s jogs between a
    12 min warm-up and a 10 min cool-down (the reps are 30 of 57 min of running) is a
    session of three reps."""
    sim = ka.simulate_run(
        distance_m=14000.0,
        pace_s_per_km=330.0,
        intervals=IntervalSpec(reps=3, duration_s=600.0, recovery_s=90.0, start_s=720.0),
        distance_error_pct=0.0,
        seed=4,
    )
    found = detect_intervals(read_back(sim.activity, ka.write_fit))
    truth = sim.truth.intervals
    assert len(found) == len(truth) == 3
    assert np.abs(found["duration_s"].to_numpy() - truth["duration_s"].to_numpy()).max() < 3.0


def test_complete_reps_joins_a_piece_only_when_it_makes_the_rep_alike_the_others():
    """_complete_reps on five 180 s reps, the third found from 1386 s without its first
    48 s (segment 7, a candidate of its own), and a 60 s warm-up drift right before the
    first rep (segment 1)."""
    from kickanalysis.analysis.intervals import _complete_reps

    segs = [
        (0, 680, 2.6),
        (680, 740, 2.9),  # warm-up drifting faster
        (740, 920, 3.4),  # rep 1
        (920, 1040, 2.0),
        (1040, 1220, 3.4),  # rep 2
        (1220, 1338, 2.0),
        (1338, 1386, 3.1),  # rep 3's first 48 s, looking slower
        (1386, 1518, 3.5),  # rep 3 as found
        (1518, 1640, 2.0),
        (1640, 1820, 3.4),  # rep 4
        (1820, 1940, 2.0),
        (1940, 2120, 3.4),  # rep 5
    ]
    edge = {
        j: (float(a), float(b)) for j, (a, b, _) in enumerate(segs) if j in (1, 2, 4, 6, 7, 9, 11)
    }
    members = [[2], [4], [7], [9], [11]]
    t0 = np.array([740.0, 1040.0, 1386.0, 1640.0, 1940.0])
    t1 = np.array([920.0, 1220.0, 1518.0, 1820.0, 2120.0])
    a, b = _complete_reps(
        t0,
        t1,
        members,
        edge,
        segs,
        lambda x: 3.4 * np.asarray(x),
        min_duration_s=40.0,
        max_duration_s=1200.0,
        max_level_ratio=1.2,
    )
    assert a.tolist() == [740.0, 1040.0, 1338.0, 1640.0, 1940.0]  # rep 3 whole
    assert b.tolist() == t1.tolist()  # the warm-up stays apart from rep 1
