"""detect_kick(): planted kicks found (FIT and GPX round trips), no kick in even or fading
races, onset within seconds of the truth, finish= and a cool-down after the line."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

import kickanalysis as ka
from kickanalysis.analysis.kick import Kick, detect_kick
from kickanalysis.errors import DataQualityWarning, EmptyActivityError
from kickanalysis.simulate import KickSpec


def read_back(act, writer):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return ka.read(writer(act))


def race(seed, **kw):
    """A planted race with a seeded mix of pace, noise, sampling and course."""
    rng = np.random.default_rng(seed)
    params = dict(
        distance_m=float(rng.choice([3000.0, 5000.0])),
        pace_s_per_km=float(rng.uniform(180, 330)),
        gps_noise_m=float(rng.uniform(1, 5)),
        sampling=["1s", "smart"][seed % 2],
        course=["flat", "hilly"][(seed // 2) % 2],
        distance_error_pct=0.0,
        seed=seed,
    )
    params.update(kw)
    return ka.simulate_run(**params)


KICKS = [(100.0, 30.0), (200.0, 12.0), (400.0, 20.0), (600.0, 10.0), (800.0, 25.0)]


@pytest.mark.parametrize("writer", [ka.write_fit, ka.write_gpx], ids=["fit", "gpx"])
def test_planted_kicks_are_found_with_their_onset(writer):
    errors, found, total, close = [], 0, 0, 0
    for seed in range(16):
        dist, gain = KICKS[seed % len(KICKS)]
        sim = race(seed, kick=KickSpec(distance_m=dist, speed_increase_pct=gain))
        k = detect_kick(read_back(sim.activity, writer))
        truth = sim.truth.kick
        total += 1
        if k.detected:
            found += 1
            errors.append(k.start_elapsed_s - truth.start_elapsed_s)
            close += abs(k.distance_m - truth.distance_m) <= 60.0
            assert k.gap_gain_pct > 0.3 * gain  # real gain can be < 0 up a hill
    assert found >= 0.9 * total
    assert close >= 0.8 * found
    # GPS-derived distance (GPX) is noisier at the onset than device distance (FIT)
    assert np.median(np.abs(errors)) <= (5.0 if writer is ka.write_fit else 7.0)


def test_kick_values_on_flat_fit():
    sim = race(
        3, course="flat", sampling="1s", kick=KickSpec(distance_m=400, speed_increase_pct=20)
    )
    k = detect_kick(read_back(sim.activity, ka.write_fit))
    t = sim.truth.kick
    assert k.detected
    assert abs(k.start_elapsed_s - t.start_elapsed_s) <= 5.0
    assert k.baseline_speed_mps == pytest.approx(t.baseline_speed_mps, rel=0.04)
    assert k.kick_speed_mps == pytest.approx(t.kick_speed_mps, rel=0.04)
    assert k.peak_speed_mps >= k.kick_speed_mps
    assert k.gain_pct == pytest.approx(100 * (t.kick_speed_mps / t.baseline_speed_mps - 1), abs=4.0)
    assert abs((k.start_time - t.start_time).total_seconds()) <= 5.0
    assert k.duration_s == pytest.approx(k.finish_elapsed_s - k.start_elapsed_s)
    assert "->" in repr(k) and "/km" in repr(k)
    # on the flat the grade-adjusted gain is the gain, and the repr shows one
    assert k.gap_gain_pct == pytest.approx(k.gain_pct) and "grade-adjusted" not in repr(k)
    # an uphill kick can be slower than the flat pace before it: the repr shows both
    uphill = dataclasses.replace(k, gain_pct=-3.04, gap_gain_pct=8.0)
    assert "(-3.0 %, grade-adjusted +8.0 %)" in repr(uphill)
    row = k.to_frame()
    assert list(row.columns) == list(k.to_dict())
    assert len(row) == 1 and str(row["start_time"].dtype) == "datetime64[ns, UTC]"


@pytest.mark.parametrize("writer", [ka.write_fit, ka.write_gpx], ids=["fit", "gpx"])
def test_no_kick_in_even_or_fading_races(writer):
    false = 0
    for seed in range(12):
        fade = 10.0 if seed % 3 == 0 else None
        sim = race(100 + seed, fade=fade)
        k = detect_kick(read_back(sim.activity, writer))
        false += k.detected
        if not k.detected:
            assert k.start_time is None and np.isnan(k.start_elapsed_s)
            assert k.finish_distance_m == pytest.approx(sim.truth.pacing.total_distance_m, abs=30)
    assert false <= 1


def test_gps_spike_near_the_end_is_not_a_kick():
    sim = race(5, course="flat", gps_spike_rate_per_h=0.0, gps_noise_m=2.0, sampling="1s")
    act = sim.activity
    rec = act.records.copy()
    # a 3 s jump of about 40 m, 25 s before the end
    i = len(rec) - 25
    rec.iloc[i : i + 3, rec.columns.get_loc("lat_deg")] += 40.0 / 111_195.0
    spiky = ka.Activity(records=rec, laps=act.laps, meta=act.meta)
    assert not detect_kick(read_back(spiky, ka.write_gpx)).detected
    # the device speed of a FIT file with an equally short burst
    rec = act.records.copy()
    rec.iloc[i : i + 3, rec.columns.get_loc("distance_m")] += 15.0
    rec.iloc[i + 3 :, rec.columns.get_loc("distance_m")] += 15.0
    bursty = ka.Activity(records=rec, laps=act.laps, meta=act.meta)
    assert not detect_kick(read_back(bursty, ka.write_fit)).detected


def with_cooldown(sim, *, jog_pace_s_per_km=480.0, jog_m=1200.0):
    """The race followed by a slow jog (a second simulated run appended after the line)."""
    jog = ka.simulate_run(
        distance_m=jog_m, pace_s_per_km=jog_pace_s_per_km, seed=99, distance_error_pct=0.0
    ).activity.records
    race_rec = sim.activity.records
    jog = jog.iloc[1:].copy()
    shift = race_rec.index[-1] - jog.index[0] + pd.Timedelta(seconds=1)
    jog.index = jog.index + shift
    jog["elapsed_s"] += race_rec["elapsed_s"].iloc[-1] + 1.0 - jog["elapsed_s"].iloc[0]
    jog["distance_m"] += race_rec["distance_m"].iloc[-1]
    rec = pd.concat([race_rec, jog])
    return ka.Activity(records=rec, laps=sim.activity.laps.iloc[:0], meta=sim.activity.meta)


def test_finish_and_automatic_cooldown_cut():
    # 4000 m on the 2 km loop ends at the start, where the appended jog begins
    sim = race(
        7,
        distance_m=4000.0,
        course="flat",
        sampling="1s",
        pace_s_per_km=240.0,
        kick=KickSpec(distance_m=300, speed_increase_pct=18),
    )
    act = read_back(with_cooldown(sim), ka.write_fit)
    truth = sim.truth.kick
    auto = detect_kick(act)
    assert auto.finish_distance_m == pytest.approx(4000.0, abs=25.0)
    assert auto.detected and abs(auto.start_elapsed_s - truth.start_elapsed_s) <= 5.0
    # without the cut the jog hides the kick
    assert not detect_kick(act, cooldown_speed_ratio=None).detected
    # the finish given as a distance, a duration or a clock time
    total_s = sim.truth.pacing.total_time_s
    for finish in (
        4000.0,
        "4km",
        pd.Timedelta(seconds=total_s),
        sim.truth.kick.start_time + pd.Timedelta(seconds=truth.duration_s),
    ):
        k = detect_kick(act, finish=finish, cooldown_speed_ratio=None)
        assert k.detected, finish
        assert k.finish_distance_m == pytest.approx(4000.0, abs=5.0)
        assert abs(k.start_elapsed_s - truth.start_elapsed_s) <= 5.0


def test_bad_input():
    sim = race(1)
    with pytest.raises(ValueError):
        detect_kick(sim.activity, finish=50_000.0)
    with pytest.raises(ValueError):
        detect_kick(sim.activity, gap_model="nonsense")
    rec = sim.activity.records.iloc[:1]
    with pytest.raises(EmptyActivityError) as info:
        detect_kick(rec)
    # the error names its source and says what is wrong, apart as well as together
    assert info.value.reason and str(info.value) == f"{info.value.source}: {info.value.reason}"
    standing = sim.activity.records.assign(distance_m=100.0, lat_deg=np.nan, lon_deg=np.nan)
    with pytest.raises(EmptyActivityError, match="covers no distance") as info:
        detect_kick(standing)
    assert info.value.reason == "the run covers no distance"
    assert isinstance(detect_kick(sim.activity), Kick)


def _lapse(sim, *, from_fraction, seconds=None):
    """The kick's runner falls back to the baseline pace from a fraction of the kick on
    (for *seconds*, or to the finish): planted kick speed minus distance on FIT."""
    rec = sim.activity.records.copy()
    tk = sim.truth.kick
    t0 = tk.start_elapsed_s + from_fraction * tk.duration_s
    lag = np.clip(rec["elapsed_s"].to_numpy() - t0, 0.0, seconds)
    rec["distance_m"] = rec["distance_m"] - lag * (tk.kick_speed_mps - tk.baseline_speed_mps)
    return read_back(
        ka.Activity(records=rec, laps=sim.activity.laps, meta=sim.activity.meta), ka.write_fit
    )


def test_long_kick_with_a_lapse_is_found_and_a_surge_that_dies_is_not():
    lapsed, died = 0, 0
    for seed in range(6):
        sim = race(
            seed, course="flat", sampling="1s", kick=KickSpec(distance_m=700, speed_increase_pct=15)
        )
        # 20 s back at the baseline pace in the middle of a 700 m kick: still the kick
        k = detect_kick(_lapse(sim, from_fraction=0.5, seconds=20.0))
        assert k.detected, seed
        lapsed += abs(k.start_elapsed_s - sim.truth.kick.start_elapsed_s) <= 5.0
        # back at the baseline pace for the last 40 % of it: a surge, not a kick
        died += detect_kick(_lapse(sim, from_fraction=0.6)).detected
    assert lapsed >= 5
    assert died <= 1


@pytest.mark.parametrize("seed", range(4))
def test_a_stop_before_the_finish_is_not_a_kick(seed):
    """Standing still (watch recording) 1 km from the finish must not lower the pace
    "held before" the end: an even race with a stop has no kick; with a kick after the
    stop, the kick is found where it was planted."""
    stop = [ka.PauseSpec(at_m=4000.0, duration_s=60.0)]
    even = ka.simulate_run(distance_m=5000, seed=seed, pauses=stop, distance_error_pct=0.0)
    assert not ka.detect_kick(even.activity).detected
    kick = ka.simulate_run(
        distance_m=5000,
        seed=seed,
        pauses=stop,
        kick=ka.KickSpec(distance_m=400),
        distance_error_pct=0.0,
    )
    found = ka.detect_kick(kick.activity)
    assert found.detected
    assert abs(found.start_elapsed_s - kick.truth.kick.start_elapsed_s) < 8.0


def test_a_clock_jump_does_not_blow_up_the_grid():
    sim = ka.simulate_run(distance_m=5000, seed=2, kick=ka.KickSpec(distance_m=400))
    rec = sim.activity.records.copy()
    jump = pd.Timedelta(days=365 * 64)
    late = np.arange(len(rec)) > len(rec) // 2
    rec.index = rec.index.where(~late, rec.index + jump)
    rec["elapsed_s"] = (rec.index - rec.index[0]).total_seconds()
    act = ka.Activity(records=rec, laps=sim.activity.laps, meta=sim.activity.meta)
    found, plain = ka.detect_kick(act), ka.detect_kick(sim.activity)
    assert found.detected and plain.detected
    assert (found.start_time - plain.start_time).total_seconds() == pytest.approx(
        jump.total_seconds(), abs=1.0
    )
    assert found.distance_m == pytest.approx(plain.distance_m, abs=2.0)


def test_a_slowdown_just_before_an_even_finish_is_not_a_baseline():
    """A 60 s slowdown (a drink, a crowded turn) 500 m before the end of an even race
    lowers the mean pace of the 400 m before the finish, not the pace held for most of
    the last kilometre: no kick; with a kick planted after it, the kick's onset is found."""
    false, close = 0, 0
    for seed in range(4):
        dip = [ka.SlowdownSpec(at_m=4450.0, duration_s=60.0, speed_fraction=0.75)]
        even = race(200 + seed, distance_m=5000.0, slowdowns=dip)
        false += detect_kick(read_back(even.activity, ka.write_fit)).detected
        kicked = race(
            200 + seed,
            distance_m=5000.0,
            slowdowns=dip,
            kick=KickSpec(distance_m=250.0, speed_increase_pct=20.0),
        )
        k = detect_kick(read_back(kicked.activity, ka.write_fit))
        close += k.detected and abs(k.start_elapsed_s - kicked.truth.kick.start_elapsed_s) <= 8.0
    assert false == 0
    assert close >= 3


# interval sessions (with slowdowns and pace drift around them) where a cool-down's
# faster end, or the last rep before a cool-down cut off, once passed for a kick
SESSIONS = [
    (2, 295.5, 9023.0, {"reps": 10, "distance_m": 400.0, "recovery_s": 60.0}, 8.3, 4.8),
    (7, 379.7, 8685.2, {"reps": 10, "distance_m": 400.0, "recovery_s": 60.0}, 9.2, 5.0),
    (8, 319.8, 9100.0, {"reps": 4, "distance_m": 1000.0, "recovery_m": 400.0}, 7.4, 3.9),
    (16, 283.7, 9210.5, {"reps": 5, "duration_s": 180.0, "recovery_s": 120.0}, None, None),
    (25, 360.5, 9423.4, {"reps": 6, "distance_m": 800.0, "recovery_s": 90.0}, 8.0, 4.0),
]


def test_an_interval_session_and_its_cooldown_have_no_kick():
    """The last rep, or a faster last stretch of the cool-down, is not a race's kick:
    the reps before it were run faster."""
    found = 0
    for seed, pace, dist, workout, slow, drift in SESSIONS:
        sim = ka.simulate_run(
            distance_m=dist,
            pace_s_per_km=pace,
            intervals=ka.IntervalSpec(**workout),
            slowdowns=slow,
            pace_drift=drift,
            course="hilly" if seed in (7, 16) else "flat",
            sampling="smart" if seed in (7, 8, 25) else "1s",
            speed_noise_mps=0.2,
            seed=seed,
            distance_error_pct=0.0,
        )
        assert sim.truth.kick is None
        found += detect_kick(read_back(sim.activity, ka.write_fit)).detected
    assert found == 0


def test_a_race_distance_a_little_beyond_the_recording_is_its_end():
    sim = ka.simulate_run(
        distance_m=4950, seed=3, kick=ka.KickSpec(distance_m=300), distance_error_pct=0.0
    )
    act = sim.activity
    measured = act.records["distance_m"].iloc[-1] - act.records["distance_m"].iloc[0]
    assert measured < 5000 < measured * 1.02
    at_5k = ka.detect_kick(act, finish="5km")
    plain = ka.detect_kick(act)
    assert at_5k.detected and at_5k.finish_elapsed_s == act.records["elapsed_s"].iloc[-1]
    assert at_5k.start_elapsed_s == pytest.approx(plain.start_elapsed_s)
    with pytest.raises(ValueError, match="beyond the end of the run"):
        ka.detect_kick(act, finish="5.2km")
