"""summarize(): one row, stable columns and dtypes, the same values as the analyses."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLES

import kickanalysis as ka
from kickanalysis.analysis.summary import SUMMARY_DTYPES
from kickanalysis.errors import DataQualityWarning
from kickanalysis.schema import empty_splits


def read(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return ka.read(SAMPLES / name)


def dtypes(frame):
    return {c: str(t) for c, t in frame.dtypes.items()}


@pytest.mark.parametrize(
    "name", ["race_5k_kick.fit", "race_5k_kick.gpx", "fade_10k.fit", "easy_run_strides.fit"]
)
def test_values_match_the_analyses(name):
    act = read(name)
    row = ka.summarize(act)
    assert row.shape == (1, len(SUMMARY_DTYPES))
    r = row.iloc[0]
    s = ka.splits(act, every="1km")
    assert r["distance_m"] == pytest.approx(s["distance_m"].sum(), abs=1e-6)
    assert r["elapsed_s"] == pytest.approx(s["duration_s"].sum(), abs=1e-6)
    assert r["moving_s"] == pytest.approx(s["moving_s"].sum(), abs=1e-6)
    moving_m = (s["speed_mps"] * s["moving_s"]).sum()
    assert r["pace_s_per_km"] == pytest.approx(1000 * r["moving_s"] / moving_m, rel=1e-9)
    gap_m = (s["gap_speed_mps"] * s["moving_s"]).sum()
    assert r["gap_pace_s_per_km"] == pytest.approx(1000 * r["moving_s"] / gap_m, rel=1e-9)
    assert r["elevation_gain_m"] == pytest.approx(s["elevation_gain_m"].sum(), abs=1e-6)
    assert r["elevation_loss_m"] == pytest.approx(s["elevation_loss_m"].sum(), abs=1e-6)
    assert r["heart_rate_max_bpm"] == s["heart_rate_max_bpm"].max()
    if name.endswith(".fit"):  # heart rate throughout: time-weighted over the splits
        hr = (s["heart_rate_mean_bpm"] * s["duration_s"]).sum() / s["duration_s"].sum()
        assert r["heart_rate_mean_bpm"] == pytest.approx(hr, rel=1e-9)
    ns = ka.negative_split(act)
    pp = ka.pacing_profile(act)
    assert r["negative_split"] == ns.verdict
    assert r["negative_split_difference_s"] == ns.difference_s
    assert r["negative_split_difference_pct"] == ns.difference_pct
    assert r["pacing_profile"] == pp.profile
    assert bool(r["fast_start"]) is pp.fast_start
    assert r["source"] == act.meta.source and r["format"] == act.meta.format
    assert r["sport"] == "running"
    assert r["samples"] == len(act.records) and r["device_laps"] == len(act.laps)
    assert r["start_time"] == act.meta.start_time


def test_race_sample_values():
    r = ka.summarize(read("race_5k_kick.fit")).iloc[0]
    assert r["negative_split"] == "negative" and r["pacing_profile"] == "negative"
    assert r["elapsed_s"] == 1199.0
    assert r["distance_m"] == pytest.approx(4992.88, abs=0.01)
    assert r["pace_s_per_km"] == pytest.approx(240.1, abs=0.1)
    assert r["device"] == "development 0"


def empty_activity():
    records = read("race_5k_kick.fit").records.iloc[:0]
    meta = ka.Meta(format="fit", source="empty.fit", sport="running")
    return ka.Activity(records=records, laps=empty_splits(), meta=meta)


def test_columns_and_dtypes_are_stable():
    sim = ka.simulate_run(distance_m=3000, seed=3, kick=300.0)
    activities = {
        "fit": read("race_5k_kick.fit"),
        "gpx": read("race_5k_kick.gpx"),
        "sim": sim.activity,
        "route": read("course_10k.gpx"),
        "empty": empty_activity(),
        "records": read("fade_10k.fit").records,
    }
    rows = {k: ka.summarize(a) for k, a in activities.items()}
    for key, row in rows.items():
        assert list(row.columns) == list(SUMMARY_DTYPES), key
        assert dtypes(row) == SUMMARY_DTYPES, key
        assert len(row) == 1, key
    table = pd.concat(rows.values(), ignore_index=True)
    assert dtypes(table) == SUMMARY_DTYPES
    assert table["format"].tolist()[:3] == ["fit", "gpx", "sim"]


def test_activity_without_samples_gives_a_row_of_missing_values():
    for act, samples in ((empty_activity(), 0), (read("course_10k.gpx"), 401)):
        r = ka.summarize(act).iloc[0]
        assert r["samples"] == samples
        assert r["source"] == act.meta.source
        measured = [c for c, d in SUMMARY_DTYPES.items() if d == "float64"]
        assert np.isnan(r[measured].to_numpy(dtype=float)).all()
        assert pd.isna(r["negative_split"]) and pd.isna(r["pacing_profile"])
        assert pd.isna(r["fast_start"]) and pd.isna(r["start_time"])


def test_records_frame_without_metadata():
    act = read("race_5k_kick.fit")
    r = ka.summarize(act.records).iloc[0]
    assert pd.isna(r["source"]) and pd.isna(r["device"])
    assert r["start_time"] == act.records.index[0]
    assert r["distance_m"] == ka.summarize(act).iloc[0]["distance_m"]
    assert r["device_laps"] == 0


def test_does_not_modify_the_input():
    act = read("race_5k_kick.fit")
    before = act.records.copy()
    ka.summarize(act)
    pd.testing.assert_frame_equal(act.records, before)


def test_detection_columns_match_the_planted_events():
    strides = ka.simulate_run(
        distance_m=6000, strides=ka.StrideSpec(count=5), seed=4, distance_error_pct=0.0
    )
    row = ka.summarize(strides.activity).iloc[0]
    assert row["strides"] == len(strides.truth.strides) == 5 and row["stride_sets"] == 1
    assert row["interval_reps"] == 0 and pd.isna(row["interval_session"])
    session = ka.simulate_run(
        distance_m=8000,
        intervals=ka.IntervalSpec(reps=5, distance_m=1000, recovery_s=120),
        seed=5,
        distance_error_pct=0.0,
    )
    row = ka.summarize(session.activity).iloc[0]
    assert row["interval_reps"] == len(session.truth.intervals) == 5
    assert row["interval_session"].startswith("5 × 1 km in ")
    assert row["strides"] == 0
    race = ka.simulate_run(distance_m=5000, kick=ka.KickSpec(distance_m=300), seed=6)
    row = ka.summarize(race.activity).iloc[0]
    truth = race.truth.kick
    assert row["kick"] and abs(row["kick_start_elapsed_s"] - truth.start_elapsed_s) < 5.0
    assert row["kick_gain_pct"] > 10.0
    assert not ka.summarize(ka.simulate_run(distance_m=5000, seed=6).activity).iloc[0]["kick"]
