"""negative_split() and pacing_profile() against runs with planted pacing."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import SAMPLES

import kickanalysis as ka
from kickanalysis.analysis.pacing import theil_sen_slope
from kickanalysis.errors import DataQualityWarning


def fit_roundtrip(sim):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return ka.read(ka.write_fit(sim.activity))


def test_theil_sen_ignores_an_outlier():
    x = np.arange(10.0)
    y = 300.0 - 2.0 * x
    y[4] = 400.0  # a stop at a light
    assert theil_sen_slope(x, y) == pytest.approx(-2.0)
    assert np.isnan(theil_sen_slope(np.array([1.0]), np.array([2.0])))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("planted", [-6.0, -3.0, -2.0, 2.0, 3.0, 6.0])
def test_verdict_correct_on_every_clear_case(seed, planted):
    """|difference| >= 2 %: the verdict is always right (planted via the simulator)."""
    sim = ka.simulate_run(
        distance_m=8000,
        seed=seed,
        negative_split_pct=planted,
        pace_s_per_km=280,
        distance_error_pct=0.0,
    )
    truth_pct = -sim.truth.pacing.negative_split_pct  # truth: + means second half faster
    if abs(truth_pct) < 2.0:
        pytest.skip(f"natural variation made the planted split unclear ({truth_pct:.2f} %)")
    ns = ka.negative_split(fit_roundtrip(sim))
    assert ns.verdict == ("negative" if truth_pct < 0 else "positive")
    assert ns.difference_pct == pytest.approx(truth_pct, abs=0.3)


def test_negative_split_fields_and_forms():
    ns = ka.negative_split(ka.read(SAMPLES / "race_5k_kick.fit"))
    assert ns.verdict == "negative"
    assert ns.first_half_s + ns.second_half_s == pytest.approx(1199.0, abs=0.01)
    assert ns.difference_s == pytest.approx(ns.second_half_s - ns.first_half_s)
    assert ns.trend_s_per_km_per_km < 0
    d = ns.to_dict()
    assert d["verdict"] == "negative" and set(d) >= {"first_half_s", "difference_pct"}
    assert ns.to_frame().shape == (1, len(d))
    assert "negative" in repr(ns) and "%" in repr(ns)


def test_even_within_tolerance():
    sim = ka.simulate_run(distance_m=6000, seed=2, pace_s_per_km=300)
    ns = ka.negative_split(fit_roundtrip(sim), tolerance_pct=5.0)
    assert ns.verdict == "even" and abs(ns.difference_pct) <= 5.0


def test_shave_seconds_every_split():
    # each km 4 s faster than the one before: the trend and the streak show it
    segments = [{"distance_m": 1000, "pace_s_per_km": 320 - 4 * k} for k in range(6)]
    sim = ka.simulate_run(segments=segments, seed=5, variation=0.0)
    ns = ka.negative_split(fit_roundtrip(sim))
    assert ns.trend_s_per_km_per_km == pytest.approx(-4.0, abs=0.6)
    assert ns.consecutive_faster >= 4


@pytest.mark.parametrize(
    "kwargs,profile",
    [
        ({}, "even"),
        ({"fade": 10.0}, "positive"),
        ({"negative_split_pct": 5.0}, "negative"),
        (
            {
                "segments": [
                    {"distance_m": 2000, "pace_s_per_km": 250},
                    {"distance_m": 6000, "pace_s_per_km": 275},
                    {"distance_m": 2000, "pace_s_per_km": 250},
                ]
            },
            "parabolic-U",
        ),
        (
            {
                "segments": [
                    {"distance_m": 2000, "pace_s_per_km": 262},
                    {"distance_m": 6000, "pace_s_per_km": 275},
                    {"distance_m": 2000, "pace_s_per_km": 245},
                ]
            },
            "parabolic-J",
        ),
        (
            {
                "segments": [
                    {"distance_m": 2000, "pace_s_per_km": 245},
                    {"distance_m": 6000, "pace_s_per_km": 275},
                    {"distance_m": 2000, "pace_s_per_km": 262},
                ]
            },
            "parabolic-reverse-J",
        ),
    ],
)
@pytest.mark.parametrize("seed", range(3))
def test_profile_shapes(kwargs, profile, seed):
    length = {} if "segments" in kwargs else {"distance_m": 10000}
    sim = ka.simulate_run(pace_s_per_km=275, seed=seed, **length, **kwargs)
    assert ka.pacing_profile(fit_roundtrip(sim)).profile == profile


def test_fast_start_flag():
    segments = [
        {"distance_m": 1000, "pace_s_per_km": 240},
        {"distance_m": 9000, "pace_s_per_km": 265},
    ]
    sim = ka.simulate_run(segments=segments, seed=1)
    prof = ka.pacing_profile(fit_roundtrip(sim))
    assert prof.fast_start and prof.first_segment_vs_rest_pct > 5.0
    calm = ka.pacing_profile(fit_roundtrip(ka.simulate_run(distance_m=10000, seed=1)))
    assert not calm.fast_start


def test_profile_of_the_samples():
    assert ka.pacing_profile(ka.read(SAMPLES / "race_5k_kick.fit")).profile == "negative"
    assert ka.pacing_profile(ka.read(SAMPLES / "fade_10k.fit")).profile == "positive"
    prof = ka.pacing_profile(ka.read(SAMPLES / "race_5k_kick.fit"))
    assert len(prof.segment_speed_rel) == 10
    assert np.mean(prof.segment_speed_rel) == pytest.approx(1.0, abs=0.02)
