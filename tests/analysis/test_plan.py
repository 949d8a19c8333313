"""plan_pacing() and compare_to_plan(): exact goal times, even effort on hills, known runs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLES

import kickanalysis as ka
from kickanalysis.analysis.plan import COMPARE_DTYPES, PLAN_DTYPES
from kickanalysis.errors import DataQualityWarning, EmptyActivityError
from kickanalysis.schema import empty_splits, records_frame
from kickanalysis.signal import gap_factor


def read_course():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # a route has no times
        return ka.read(SAMPLES / "course_10k.gpx")


COURSES = {
    "simulated": lambda: ka.simulate_course("hilly", length_m=10000),
    "gpx": read_course,
}


def straight_course(grades, *, leg_m=2000.0, spacing_m=10.0, elevation=True):
    """A route of legs of constant grade, with the distance along it (no times)."""
    d = np.arange(0.0, leg_m * len(grades) + spacing_m / 2, spacing_m)
    slope = np.array(grades)[np.minimum((d // leg_m).astype(int), len(grades) - 1)]
    e = 300.0 + np.concatenate(([0.0], np.cumsum(slope[:-1] * spacing_m)))
    n = len(d)
    rec = records_frame(
        pd.Timestamp("2024-01-01T00:00:00Z").value + np.arange(n, dtype=np.int64) * 10**9,
        {"distance_m": d, "elevation_m": e if elevation else np.full(n, np.nan)},
    )
    meta = ka.Meta(format="sim", source="straight", extra={"timed": False})
    return ka.Activity(records=rec, laps=empty_splits(), meta=meta)


@pytest.mark.parametrize("which", sorted(COURSES))
@pytest.mark.parametrize(
    "strategy,pct", [("even_effort", 0.0), ("even_pace", 0.0), ("negative", 2.0)]
)
@pytest.mark.parametrize("every", ["1km", "1mi", 400.0])
def test_total_is_the_goal_to_the_second(which, strategy, pct, every):
    course = COURSES[which]()
    for goal in (2700.0, 3599.0, 1999.5):
        plan = ka.plan_pacing(
            course, goal_time_s=goal, every=every, strategy=strategy, negative_split_pct=pct
        )
        assert plan["duration_s"].sum() == pytest.approx(goal, abs=1e-6)
        assert plan["end_elapsed_s"].iloc[-1] == goal
        assert np.allclose(plan["end_elapsed_s"], plan["duration_s"].cumsum(), atol=1e-6)
        assert np.allclose(plan["start_elapsed_s"].iloc[1:], plan["end_elapsed_s"].iloc[:-1])
        assert plan["distance_m"].sum() == pytest.approx(
            course.records["distance_m"].iloc[-1], abs=1e-6
        )


@pytest.mark.parametrize("which", sorted(COURSES))
def test_even_effort_slower_uphill_faster_downhill(which):
    plan = ka.plan_pacing(COURSES[which](), goal_time_s=2700, every="1km")
    assert list(plan.columns) == list(PLAN_DTYPES)
    assert {c: str(t) for c, t in plan.dtypes.items()} == PLAN_DTYPES
    assert len(plan) == 10
    # the grade-adjusted effort is the same in every split
    gap = plan["gap_pace_s_per_km"]
    assert gap.max() - gap.min() < 0.5
    assert gap.iloc[0] == pytest.approx(
        2700 * 1000 / (plan["distance_m"] * plan["gap_factor_mean"]).sum()
    )
    # the pace on the ground follows the hills
    assert np.corrcoef(plan["pace_s_per_km"], plan["grade_mean"])[0, 1] > 0.9
    up = plan["grade_mean"] > 0.01
    down = plan["grade_mean"] < -0.01
    assert up.any() and down.any()
    assert (plan.loc[up, "pace_s_per_km"] > gap[up]).all()
    assert (plan.loc[down, "pace_s_per_km"] < gap[down]).all()
    assert np.allclose(plan["pace_s_per_km"], gap * plan["gap_factor_mean"])
    assert (plan["elevation_gain_m"] > 0).all() and (plan["elevation_loss_m"] > 0).all()
    assert plan.attrs["strategy"] == "even_effort" and plan.attrs["goal_time_s"] == 2700


def test_constant_grades_by_hand():
    """Legs of +3 % and -3 %: the splits away from the corner run at f(g) times the GAP."""
    course = straight_course([0.03, -0.03], leg_m=2000.0)
    for model in ("minetti2002", "strava2017"):
        plan = ka.plan_pacing(course, goal_time_s=1200, every="1km", model=model)
        f_up, f_down = gap_factor([0.03, -0.03], model=model)
        assert plan["grade_mean"].iloc[0] == pytest.approx(0.03, abs=1e-9)
        assert plan["grade_mean"].iloc[3] == pytest.approx(-0.03, abs=1e-9)
        assert plan["gap_factor_mean"].iloc[0] == pytest.approx(f_up, rel=1e-9)
        assert plan["gap_factor_mean"].iloc[3] == pytest.approx(f_down, rel=1e-9)
        ratio = plan["pace_s_per_km"].iloc[0] / plan["pace_s_per_km"].iloc[3]
        assert ratio == pytest.approx(f_up / f_down, rel=1e-9)
        assert plan["elevation_gain_m"].sum() == pytest.approx(60.0, abs=0.5)
        assert plan["elevation_loss_m"].sum() == pytest.approx(60.0, abs=0.5)
    # a constant grade everywhere: every split alike, GAP = pace / f
    plan = ka.plan_pacing(straight_course([0.05]), goal_time_s=600, every="500m")
    assert np.allclose(plan["pace_s_per_km"], 300.0)
    assert np.allclose(plan["gap_pace_s_per_km"], 300.0 / gap_factor(0.05)[0])


@pytest.mark.parametrize("which", sorted(COURSES))
@pytest.mark.parametrize("pct", [2.0, 5.0, -3.0])
def test_negative_split_of_the_effort(which, pct):
    plan = ka.plan_pacing(
        COURSES[which](), goal_time_s=2700, strategy="negative", negative_split_pct=pct
    )
    flat_m = plan["distance_m"] * plan["gap_factor_mean"]  # grade-adjusted distance
    first, second = plan.iloc[:5], plan.iloc[5:]
    assert first["end_distance_m"].iloc[-1] == 5000.0
    gap1 = first["duration_s"].sum() / flat_m.iloc[:5].sum()
    gap2 = second["duration_s"].sum() / flat_m.iloc[5:].sum()
    assert 100 * (1 - gap2 / gap1) == pytest.approx(pct, abs=0.1 * abs(pct) / 100 + 1e-9)
    # the effort changes steadily, still even on the hills
    steps = np.diff(plan["gap_pace_s_per_km"])
    assert (np.sign(steps) == -np.sign(pct)).all()
    assert np.corrcoef(plan["pace_s_per_km"], plan["grade_mean"])[0, 1] > 0.9
    # zero is even effort
    even = ka.plan_pacing(COURSES[which](), goal_time_s=2700)
    zero = ka.plan_pacing(COURSES[which](), goal_time_s=2700, strategy="negative")
    pd.testing.assert_frame_equal(even, zero, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("which", sorted(COURSES))
def test_even_pace(which):
    plan = ka.plan_pacing(COURSES[which](), goal_time_s=2700, strategy="even_pace", every="1mi")
    length = COURSES[which]().records["distance_m"].iloc[-1]
    assert np.allclose(plan["pace_s_per_km"], 2700 * 1000 / length, rtol=1e-12)
    assert np.allclose(plan["distance_m"].iloc[:-1], 1609.344)
    assert plan["partial"].tolist() == [False] * 6 + [True]
    # the effort is then uneven: harder uphill
    assert np.corrcoef(plan["gap_pace_s_per_km"], plan["grade_mean"])[0, 1] < -0.9


def test_no_elevation_gives_even_pace():
    course = straight_course([0.0, 0.0, 0.0], leg_m=1000.0, elevation=False)
    with pytest.warns(DataQualityWarning, match="no elevation"):
        plan = ka.plan_pacing(course, goal_time_s=900, every="1km")
    assert np.allclose(plan["pace_s_per_km"], 300.0)
    assert np.allclose(plan["gap_pace_s_per_km"], 300.0)
    assert plan[["grade_mean", "elevation_gain_m", "elevation_loss_m"]].isna().all().all()
    assert {c: str(t) for c, t in plan.dtypes.items()} == PLAN_DTYPES


def test_flat_course_is_nearly_even():
    plan = ka.plan_pacing(ka.simulate_course("flat", length_m=5000), goal_time_s=1200)
    assert plan["pace_s_per_km"].max() - plan["pace_s_per_km"].min() < 3.0


def test_bad_arguments():
    course = straight_course([0.01], leg_m=3000.0)
    with pytest.raises(ValueError, match="by distance"):
        ka.plan_pacing(course, goal_time_s=900, every="5min")
    with pytest.raises(ValueError, match="strategy"):
        ka.plan_pacing(course, goal_time_s=900, strategy="fast")
    with pytest.raises(ValueError, match="negative_split_pct"):
        ka.plan_pacing(course, goal_time_s=900, negative_split_pct=2.0)
    with pytest.raises(ValueError, match="GAP model"):
        ka.plan_pacing(course, goal_time_s=900, model="nope")
    for goal in (0, -5, float("nan")):
        with pytest.raises(ValueError):
            ka.plan_pacing(course, goal_time_s=goal)
    one = ka.Activity(records=course.records.iloc[:1], laps=empty_splits(), meta=course.meta)
    with pytest.raises(EmptyActivityError):
        ka.plan_pacing(one, goal_time_s=900)


@pytest.fixture(scope="module")
def planned_run():
    """A run over the course, 6 s per km slower than the even-effort plan, every km."""
    course = ka.simulate_course("hilly", length_m=10000)
    plan = ka.plan_pacing(course, goal_time_s=2700)
    segments = [
        {"distance_m": float(r.distance_m), "pace_s_per_km": float(r.pace_s_per_km) + 6.0}
        for r in plan.itertuples()
    ]
    sim = ka.simulate_run(
        course=course,
        segments=segments,
        constant_effort=False,
        variation=0.0,
        distance_error_pct=0.0,
        seed=4,
    )
    return plan, sim


def test_compare_to_plan_differences(planned_run):
    plan, sim = planned_run
    cmp = ka.compare_to_plan(sim.activity, plan)
    assert list(cmp.columns) == list(COMPARE_DTYPES)
    assert {c: str(t) for c, t in cmp.dtypes.items()} == COMPARE_DTYPES
    assert len(cmp) == len(plan)
    # actual - plan, split by split, adding up to the total difference
    assert np.allclose(cmp["difference_s"], cmp["actual_duration_s"] - cmp["plan_duration_s"])
    assert np.allclose(cmp["plan_duration_s"], plan["duration_s"])
    assert np.allclose(cmp["cumulative_difference_s"], cmp["difference_s"].cumsum(), atol=1e-6)
    total = cmp["actual_elapsed_s"].iloc[-1] - 2700.0
    assert cmp["difference_s"].sum() == pytest.approx(total, abs=1e-6)
    assert cmp["actual_elapsed_s"].iloc[-1] == sim.activity.records["elapsed_s"].iloc[-1]
    assert np.allclose(cmp["difference_pct"], 100 * cmp["difference_s"] / plan["duration_s"])
    # against the planted truth: each split about 6 s slower than planned
    truth = sim.truth.splits["duration_s"].to_numpy()[: len(plan)]
    assert np.allclose(cmp["actual_duration_s"], truth, atol=0.5)
    assert np.allclose(cmp["difference_s"].iloc[1:], 6.0, atol=1.0)
    assert total == pytest.approx(60.0, abs=4.0)
    assert cmp["status"].iloc[-1] == f"{total:.0f} s behind"
    # the effort: planned GAP everywhere, actually run about 6 s/km slower
    assert np.allclose(cmp["plan_gap_pace_s_per_km"], plan["gap_pace_s_per_km"])
    assert np.allclose(cmp["gap_difference_s_per_km"], 6.0, atol=3.0)


def test_compare_to_plan_unfinished(planned_run):
    plan, _ = planned_run
    course = ka.simulate_course("hilly", length_m=10000)
    run = ka.simulate_run(course=course, distance_m=6500, pace_s_per_km=280, seed=2)
    cmp = ka.compare_to_plan(run.activity, plan)
    reached = cmp["end_distance_m"] <= 6500 * 0.995
    assert reached.sum() == 6
    assert cmp.loc[~reached, ["actual_duration_s", "difference_s"]].isna().all().all()
    assert cmp.loc[~reached, "status"].isna().all()
    assert cmp.loc[reached, "actual_duration_s"].notna().all()
    with pytest.raises(ValueError, match="plan_pacing"):
        ka.compare_to_plan(run.activity, pd.DataFrame({"x": [1]}))
