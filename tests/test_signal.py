"""Tests of kickanalysis.signal: GAP models, moving/paused, distance, smoothing, elevation."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import REAL, SKIP_NO_REAL, real_files
from hypothesis import given, settings
from hypothesis import strategies as st

from kickanalysis import geo, signal
from kickanalysis.activity import Activity, Meta
from kickanalysis.schema import empty_splits, records_frame

M_PER_DEG = geo.EARTH_RADIUS_M * np.pi / 180.0
LAT0 = 47.0


def to_deg(x_m, y_m):
    """Local east/north metres around (LAT0, 8.0) to degrees."""
    lat = LAT0 + np.asarray(y_m) / M_PER_DEG
    lon = 8.0 + np.asarray(x_m) / (M_PER_DEG * np.cos(np.radians(LAT0)))
    return lat, lon


def make_activity(t_s, columns, *, pauses=(), fmt="fit"):
    t0 = pd.Timestamp("2024-05-01T07:00:00Z").value
    time_ns = (t0 + np.round(np.asarray(t_s) * 1e9)).astype("int64")
    rec = records_frame(time_ns, columns)
    pauses = tuple(
        (pd.Timestamp(t0 + int(a * 1e9), tz="UTC"), pd.Timestamp(t0 + int(b * 1e9), tz="UTC"))
        for a, b in pauses
    )
    return Activity(rec, empty_splits(), Meta(format=fmt, source="<test>", pauses=pauses))


def ar1(rng, n, sigma, tau_samples):
    """Correlated (AR(1)) noise with standard deviation sigma."""
    rho = np.exp(-1.0 / tau_samples)
    e = rng.normal(0.0, sigma * np.sqrt(1 - rho**2), n)
    out = np.empty(n)
    out[0] = rng.normal(0.0, sigma)
    for i in range(1, n):
        out[i] = rho * out[i - 1] + e[i]
    return out


# ---------------------------------------------------------------------------------------
# grade-adjusted speed
# ---------------------------------------------------------------------------------------
def test_minetti_by_hand():
    # Cr(i) = 155.4 i^5 - 30.4 i^4 - 43.3 i^3 + 46.3 i^2 + 19.5 i + 3.6, factor Cr(i)/Cr(0)
    cr0 = 3.6
    cr_up10 = 155.4e-5 - 30.4e-4 - 43.3e-3 + 46.3e-2 + 1.95 + 3.6  # = 5.968214
    cr_dn10 = -155.4e-5 - 30.4e-4 + 43.3e-3 + 46.3e-2 - 1.95 + 3.6  # = 2.151706
    cr_dn20 = -155.4 * 0.00032 - 30.4 * 0.0016 + 43.3 * 0.008 + 46.3 * 0.04 - 3.9 + 3.6
    assert cr_up10 == pytest.approx(5.968214)
    assert cr_dn10 == pytest.approx(2.151706)
    assert cr_dn20 == pytest.approx(1.800032)
    f = signal.gap_factor([0.0, 0.1, -0.1, -0.2], model="minetti2002")
    np.testing.assert_allclose(f, [1.0, cr_up10 / cr0, cr_dn10 / cr0, cr_dn20 / cr0], rtol=1e-12)
    # grade-adjusted speed = v * Cr(i) / Cr(0)
    gas = signal.grade_adjusted_speed([3.0, 3.0], [0.0, 0.1], model="minetti2002")
    np.testing.assert_allclose(gas, [3.0, 3.0 * 5.968214 / 3.6], rtol=1e-12)


def test_minetti_clipped_to_measured_range():
    i = 0.45
    cr_max = 155.4 * i**5 - 30.4 * i**4 - 43.3 * i**3 + 46.3 * i**2 + 19.5 * i + 3.6
    i = -0.45
    cr_min = 155.4 * i**5 - 30.4 * i**4 - 43.3 * i**3 + 46.3 * i**2 + 19.5 * i + 3.6
    f = signal.gap_factor([0.45, 0.8, -0.45, -0.9])
    np.testing.assert_allclose(f, [cr_max / 3.6, cr_max / 3.6, cr_min / 3.6, cr_min / 3.6])
    assert signal.MINETTI2002_GRADE_RANGE == (-0.45, 0.45)


def test_strava2017_by_hand():
    # documented approximation: 1 + 3.16 i + 18.72 i^2 - 4.57 i^3 - 45.11 i^4
    up = 1 + 3.16 * 0.1 + 18.72 * 0.01 - 4.57 * 0.001 - 45.11 * 0.0001  # 1.494119
    dn = 1 - 3.16 * 0.1 + 18.72 * 0.01 + 4.57 * 0.001 - 45.11 * 0.0001  # 0.871259
    dn20 = 1 - 3.16 * 0.2 + 18.72 * 0.04 + 4.57 * 0.008 - 45.11 * 0.0016  # 1.081184
    f = signal.gap_factor([0.0, 0.1, -0.1, -0.2, 0.3, 0.5], model="strava2017")
    top = 1 + 3.16 * 0.3 + 18.72 * 0.09 - 4.57 * 0.027 - 45.11 * 0.0081
    np.testing.assert_allclose(f, [1.0, up, dn, dn20, top, top], rtol=1e-12)
    assert up == pytest.approx(1.494119)
    assert dn == pytest.approx(0.871259)


@pytest.mark.parametrize("model", signal.GAP_MODELS)
def test_gap_shape(model):
    lo, hi = (
        signal.MINETTI2002_GRADE_RANGE if model == "minetti2002" else signal.STRAVA2017_GRADE_RANGE
    )
    up = np.linspace(0.0, hi, 200)
    f_up = signal.gap_factor(up, model=model)
    assert np.all(np.diff(f_up) > 0)  # uphill costs more, the steeper the more
    assert signal.gap_factor(0.0, model=model)[0] == 1.0
    moderate = signal.gap_factor([-0.02, -0.05, -0.08], model=model)
    assert np.all(moderate < 1.0)  # moderate downhill is easier than flat
    down = np.linspace(lo, 0.0, 400)
    f_down = signal.gap_factor(down, model=model)
    k = int(np.argmin(f_down))
    assert -0.25 < down[k] < -0.05  # easiest somewhere on a moderate downhill
    assert np.all(np.diff(f_down[: k + 1]) < 0)  # steeper than that: harder again
    assert np.all(np.diff(f_down[k:]) > 0)


def test_minetti_steep_downhill_costs_more_than_flat():
    assert signal.gap_factor(-0.45)[0] > 1.0
    assert signal.gap_factor(-0.45)[0] > signal.gap_factor(-0.2)[0]


def test_gap_nan_and_unknown_model():
    out = signal.grade_adjusted_speed([3.0, np.nan, 3.0], [np.nan, 0.0, 0.0])
    assert np.isnan(out[0]) and np.isnan(out[1]) and out[2] == 3.0
    with pytest.raises(ValueError, match="minetti2002"):
        signal.gap_factor(0.1, model="davies1980")


# ---------------------------------------------------------------------------------------
# moving / paused
# ---------------------------------------------------------------------------------------
def run_with_stop(rng, *, dt=1.0, stop=(200.0, 260.0), total=600.0):
    t = np.arange(0.0, total, dt)
    v = 3.2 + rng.normal(0.0, 0.15, len(t))
    at_light = (t >= stop[0]) & (t < stop[1])
    v[at_light] = np.abs(rng.normal(0.0, 0.3, at_light.sum()))  # GPS jitter while standing
    return t, v


def test_stop_at_traffic_light_is_paused():
    rng = np.random.default_rng(1)
    t, v = run_with_stop(rng)
    m = signal.moving_from_speed(t, v)
    paused_s = np.diff(t)[~m[1:]].sum()
    assert 57.0 <= paused_s <= 63.0
    # the pause sits where the stop was
    paused_t = t[~m]
    assert paused_t.min() >= 198 and paused_t.max() <= 262


def test_slow_uphill_jog_is_moving():
    rng = np.random.default_rng(2)
    t = np.arange(0.0, 900.0)
    v = 1.5 + rng.normal(0.0, 0.25, len(t))
    assert signal.moving_from_speed(t, v).all()
    # a short dip (tight turn, 4 s) does not make a pause either
    v2 = np.full(len(t), 3.0)
    v2[100:104] = 0.2
    assert signal.moving_from_speed(t, v2).all()


def test_fit_timer_pause_is_paused():
    t = np.concatenate((np.arange(0.0, 300.0), np.arange(330.0, 600.0)))
    v = np.full(len(t), 3.0)  # the device reports running speed right after the pause
    act = make_activity(t, {"speed_mps": v, "distance_m": 3.0 * t}, pauses=[(299.0, 330.0)])
    m = signal.moving(act)
    assert (~m).sum() == 1 and not m[300]
    assert signal.moving_time_s(act) == pytest.approx(599.0 - 31.0)
    # the same records without the pause event: the 31 s interval counts as moving
    assert signal.moving_time_s(act.records) == pytest.approx(599.0)
    assert signal.moving_time_s(act, pauses=()) == pytest.approx(599.0)


def test_sampling_gap_is_paused():
    # a GPX track whose device stopped recording for 5 min; speed from positions
    t = np.concatenate((np.arange(0.0, 400.0), np.arange(700.0, 1000.0)))
    x = 3.0 * np.where(t < 400, t, t - 300.0)
    lat, lon = to_deg(x, np.zeros_like(x))
    dist = geo.path_distance_m(lat, lon)
    act = make_activity(
        t,
        {"lat_deg": lat, "lon_deg": lon, "distance_m": dist, "speed_mps": np.full(len(t), 3.0)},
        fmt="gpx",
    )
    m = signal.moving(act)
    assert not m[400] and m[:400].all() and m[401:].all()
    assert signal.moving_time_s(act) == pytest.approx(999.0 - 301.0)


def test_moving_from_speed_nan_and_empty():
    assert signal.moving_from_speed([], []).shape == (0,)
    t = np.arange(10.0)
    v = np.full(10, np.nan)
    assert signal.moving_from_speed(t, v).all()  # no evidence of a pause


@settings(max_examples=40, deadline=None)
@given(
    shift=st.integers(-(10**9), 10**9),
    stop_start=st.integers(50, 300),
    stop_len=st.integers(15, 120),
    seed=st.integers(0, 2**16),
)
def test_moving_time_shift_invariant(shift, stop_start, stop_len, seed):
    rng = np.random.default_rng(seed)
    t, v = run_with_stop(rng, stop=(stop_start, stop_start + stop_len))
    a = signal.moving_from_speed(t, v, pauses_s=[(500.0, 520.0)])
    b = signal.moving_from_speed(t + shift, v, pauses_s=[(500.0 + shift, 520.0 + shift)])
    np.testing.assert_array_equal(a, b)
    s1 = signal.smooth_speed(t, v)
    s2 = signal.smooth_speed(t + shift, v)
    np.testing.assert_allclose(s1, s2, rtol=1e-9, atol=1e-9)


#: Sub-sampling a 1 Hz run to one sample every 2 s moves each stop edge by at most one
#: 2-s interval: the moving time changes by at most 4 s per stop.
SUBSAMPLE_TOLERANCE_S_PER_STOP = 4.0


@settings(max_examples=40, deadline=None)
@given(
    stops=st.lists(
        st.tuples(st.integers(0, 9), st.integers(20, 120)),
        min_size=0,
        max_size=3,
        unique_by=lambda s: s[0],
    ),
    seed=st.integers(0, 2**16),
)
def test_subsampling_changes_moving_time_little(stops, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, 2000.0)
    v = 3.0 + rng.normal(0.0, 0.2, len(t))
    for slot, length in stops:
        start = 100 + 180 * slot
        sl = (t >= start) & (t < start + length)
        # standing: below the moving threshold (0.6 m/s) throughout, so that only the
        # stop's edges are in question
        v[sl] = np.minimum(np.abs(rng.normal(0.0, 0.3, sl.sum())), 0.5)
    m1 = signal.moving_from_speed(t, v)
    m2 = signal.moving_from_speed(t[::2], v[::2])
    mt1 = np.diff(t)[m1[1:]].sum()
    mt2 = np.diff(t[::2])[m2[1:]].sum()
    # the 1 Hz run is 1 s longer than its 2 s sub-sample (last sample at 1999 vs 1998)
    assert abs(mt1 - mt2) <= 1.0 + SUBSAMPLE_TOLERANCE_S_PER_STOP * len(stops)


# ---------------------------------------------------------------------------------------
# distance from positions
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dt", [1.0, 5.0])
def test_single_spike_adds_almost_nothing(dt):
    t = np.arange(0.0, 600.0, dt)
    x = 3.0 * t
    y = np.zeros_like(x)
    y[len(t) // 2] = 50.0  # one point 50 m off the road
    lat, lon = to_deg(x, y)
    truth = x[-1]
    raw = geo.path_distance_m(lat, lon)[-1]
    clean = signal.distance_from_positions(lat, lon, t)
    assert raw - truth > 60.0  # the raw sum suffers
    assert clean[-1] - truth < 2.0
    assert clean[-1] - truth > -0.01
    assert np.all(np.diff(clean) >= 0)


def test_clean_tracks_match_haversine():
    # a 1 Hz loop round a 100 m circle and a sparse square with 20 m steps and corners
    t = np.arange(0.0, 400.0)
    ang = 3.0 * t / 100.0
    lat, lon = to_deg(100 * np.cos(ang), 100 * np.sin(ang))
    np.testing.assert_allclose(
        signal.distance_from_positions(lat, lon, t, smooth_s=0.0),
        geo.path_distance_m(lat, lon),
        rtol=1e-12,
    )
    # the default local-quadratic smoothing keeps this tight circle (to ~0.002 %)
    np.testing.assert_allclose(
        signal.distance_from_positions(lat, lon, t), geo.path_distance_m(lat, lon), rtol=2e-3
    )
    side = np.arange(0.0, 200.0, 20.0)
    x = np.concatenate((side, np.full(10, 200.0), 200 - side, np.zeros(10)))
    y = np.concatenate((np.zeros(10), side, np.full(10, 200.0), 200 - side))
    lat, lon = to_deg(x, y)
    t = 7.0 * np.arange(len(x))
    # sparse sampling (neighbours more than smooth_s / 4 apart): the points are not moved
    np.testing.assert_allclose(
        signal.distance_from_positions(lat, lon, t), geo.path_distance_m(lat, lon), rtol=1e-9
    )
    # without times too
    np.testing.assert_allclose(
        signal.distance_from_positions(lat, lon), geo.path_distance_m(lat, lon), rtol=1e-12
    )


def test_noisy_track_within_a_few_percent():
    rng = np.random.default_rng(3)
    t = np.arange(0.0, 1800.0)
    ang = 3.0 * t / 400.0  # laps of a 400 m-radius loop at 3 m/s
    x, y = 400 * np.cos(ang), 400 * np.sin(ang)
    truth = 3.0 * t[-1]
    nx = ar1(rng, len(t), 3.0, 30.0) + rng.normal(0, 0.5, len(t))
    ny = ar1(rng, len(t), 3.0, 30.0) + rng.normal(0, 0.5, len(t))
    spikes = rng.choice(len(t), 8, replace=False)
    nx[spikes] += rng.choice([-60.0, 60.0], 8)
    lat, lon = to_deg(x + nx, y + ny)
    clean = signal.distance_from_positions(lat, lon, t)[-1]
    unsmoothed = signal.distance_from_positions(lat, lon, t, smooth_s=0.0)[-1]
    raw = geo.path_distance_m(lat, lon)[-1]
    print(
        f"truth {truth:.0f} m, raw {raw:.0f}, spikes removed {unsmoothed:.0f}, smooth {clean:.0f}"
    )
    assert abs(clean / truth - 1) < 0.005  # was 0.24 % with a 5 s moving average
    assert abs(unsmoothed / truth - 1) < 0.08  # noise inflation alone, no spikes
    assert raw / truth - 1 > 0.15  # the spikes alone add ~1 km to the raw sum


def test_spike_in_sparse_irregular_sampling_is_removed():
    # "smart" recording: 3-8 s between points on a straight road at 3.2 m/s; one point
    # 28 m off (20 m ahead, 20 m aside), 5 s and 7 s from its neighbours (8 m/s in,
    # 3 m/s out): the offset test alone (threshold 1.5 median steps, ~26 m) misses it
    rng = np.random.default_rng(12)
    gaps = rng.integers(3, 9, 200).astype(float)
    i = 100
    gaps[i - 1], gaps[i] = 5.0, 7.0
    t = np.concatenate(([0.0], np.cumsum(gaps)))
    x = 3.2 * t
    y = np.zeros_like(x)
    truth = x[-1]
    x_spiky = x.copy()
    x_spiky[i] += 20.0
    y[i] = 20.0
    lat, lon = to_deg(x_spiky, y)
    assert geo.path_distance_m(lat, lon)[-1] - truth > 20.0
    clean = signal.distance_from_positions(lat, lon, t)
    assert abs(clean[-1] - truth) < 1.0
    # without the speed test (3) it stays in
    kept = signal.distance_from_positions(lat, lon, t, min_detour_m=np.inf)
    assert kept[-1] - truth > 20.0


def test_sparse_turnaround_is_kept():
    # an out-and-back run sampled every 7 s: the turnaround point is 22 m beyond the
    # chord of its neighbours, like a spike, but it is run at the runner's speed
    t = 7.0 * np.arange(60)
    s = 3.2 * t
    half = s[30]
    x = np.where(s <= half, s, 2 * half - s)
    lat, lon = to_deg(x, np.zeros_like(x))
    np.testing.assert_allclose(
        signal.distance_from_positions(lat, lon, t), geo.path_distance_m(lat, lon), rtol=1e-9
    )


def track_xy(s_m):
    """A 400 m running track: 84.39 m straights, bends of radius 36.5 m."""
    straight, r = 84.39, 36.5
    lap = 2 * straight + 2 * np.pi * r
    s = np.mod(s_m, lap)
    x, y = np.empty_like(s), np.empty_like(s)
    a = s < straight
    x[a], y[a] = s[a], 0.0
    b = (s >= straight) & (s < straight + np.pi * r)
    th = (s[b] - straight) / r
    x[b], y[b] = straight + r * np.sin(th), r - r * np.cos(th)
    c = (s >= straight + np.pi * r) & (s < 2 * straight + np.pi * r)
    x[c], y[c] = straight - (s[c] - straight - np.pi * r), 2 * r
    d = s >= 2 * straight + np.pi * r
    th = (s[d] - 2 * straight - np.pi * r) / r
    x[d], y[d] = -r * np.sin(th), r + r * np.cos(th)
    return x, y


@pytest.mark.parametrize(("speed", "tolerance"), [(3.0, 0.002), (4.0, 0.005), (6.0, 0.015)])
def test_track_bends_are_kept(speed, tolerance):
    # 1 Hz on a 400 m track: the local-quadratic smoothing barely cuts the bends
    # (a 5 s moving average cut 0.4 %, 0.7 % and 1.5 % at these speeds)
    t = np.arange(0.0, 1200.0)
    lat, lon = to_deg(*track_xy(speed * t))
    d = signal.distance_from_positions(lat, lon, t)
    truth = geo.path_distance_m(lat, lon)[-1]
    assert -tolerance < d[-1] / truth - 1 < 0.0005


def test_distance_moving_mask_and_nan():
    t = np.arange(0.0, 10.0)
    x = np.array([0, 3, 6, 6.5, 5.5, 6.2, 9, 12, np.nan, 18.0])
    lat, lon = to_deg(x, np.zeros(10))
    mv = np.ones(10, dtype=bool)
    mv[3:6] = False  # standing: jitter adds nothing
    d = signal.distance_from_positions(lat, lon, t, moving=mv, smooth_s=0.0)
    assert d[5] == pytest.approx(6.0, abs=1e-6)
    assert d[6] == pytest.approx(6.0 + (9 - 6.2), abs=1e-6)
    assert d[8] == pytest.approx((d[7] + d[9]) / 2)  # no position: interpolated in time
    assert np.isnan(signal.distance_from_positions([np.nan, 1.0], [np.nan, 1.0])[0])


def test_distance_source_prefers_reliable_device_distance():
    t = np.arange(0.0, 300.0)
    lat, lon = to_deg(3.0 * t, np.zeros_like(t))
    act = make_activity(t, {"lat_deg": lat, "lon_deg": lon, "distance_m": 3.05 * t})
    assert signal.distance_source(act) == "device"
    np.testing.assert_allclose(signal.clean_distance(act), 3.05 * t)
    gpx = make_activity(t, {"lat_deg": lat, "lon_deg": lon, "distance_m": 3.05 * t}, fmt="gpx")
    assert signal.distance_source(gpx) == "positions"
    broken = make_activity(t, {"lat_deg": lat, "lon_deg": lon, "distance_m": 0.5 * t})
    assert signal.distance_source(broken) == "positions"
    np.testing.assert_allclose(signal.clean_distance(broken), 3.0 * t, rtol=1e-6)
    nothing = make_activity(t, {})
    assert signal.distance_source(nothing) == "none"


def test_device_distance_stays_reliable_through_gps_spikes_and_stops():
    """The device distance is compared with the positions over ~10 s steps by the median
    ratio: three 2 km GPS spikes and a 60 s stop do not make a good device distance look
    wrong, and a distance 1.5 times too long is still refused."""
    t = np.arange(0.0, 600.0)
    x = np.where(t < 300, 3.0 * t, np.where(t < 360, 900.0, 900.0 + 3.0 * (t - 360)))
    lat, lon = to_deg(x, np.zeros_like(t))
    lat[[50, 200, 450]] += 0.018  # 2 km north for one sample each
    act = make_activity(t, {"lat_deg": lat, "lon_deg": lon, "distance_m": x})
    assert signal.distance_source(act) == "device"
    long = make_activity(t, {"lat_deg": lat, "lon_deg": lon, "distance_m": 1.5 * x})
    assert signal.distance_source(long) == "positions"


# ---------------------------------------------------------------------------------------
# smoothing
# ---------------------------------------------------------------------------------------
def surge_run(rng, t):
    base = 3.5
    truth = np.full(len(t), base)
    surge = (t >= 300) & (t < 315)
    truth[surge] = 1.4 * base
    return truth, truth + rng.normal(0.0, 0.3, len(t)), surge


@pytest.mark.parametrize("irregular", [False, True])
def test_smooth_speed_keeps_surge_removes_jitter(irregular):
    rng = np.random.default_rng(4)
    if irregular:
        t = np.cumsum(rng.uniform(0.5, 1.5, 600))
    else:
        t = np.arange(0.0, 600.0)
    truth, v, surge = surge_run(rng, t)
    s = signal.smooth_speed(t, v)
    height = s[surge].max() - 3.5
    assert height >= 0.8 * (1.4 * 3.5 - 3.5)
    calm = np.abs(t - 307) > 30
    rms_raw = np.sqrt(np.mean((v[calm] - truth[calm]) ** 2))
    rms_smooth = np.sqrt(np.mean((s[calm] - truth[calm]) ** 2))
    assert rms_raw / rms_smooth >= 2.0


def test_smooth_speed_removes_spike():
    t = np.arange(0.0, 100.0)
    v = np.full(100, 3.0)
    v[50] = 20.0
    v[70] = np.nan
    s = signal.smooth_speed(t, v)
    np.testing.assert_allclose(s, 3.0)


# ---------------------------------------------------------------------------------------
# elevation and grade
# ---------------------------------------------------------------------------------------
def test_gain_loss_by_hand():
    assert signal.elevation_gain_loss([100, 101, 100, 101, 110, 109, 110, 104]) == (10.0, 6.0)
    assert signal.elevation_gain_loss([5, 5, np.nan, 5]) == (0.0, 0.0)
    assert signal.elevation_gain_loss([]) == (0.0, 0.0)
    # small zig-zags below the threshold do not count; the full climb does
    e = [0, 1.5, 0.5, 2, 1, 3, 2.5, 10, 9, 9.5, 0]
    assert signal.elevation_gain_loss(e, threshold_m=2.0) == (10.0, 10.0)


def baro(x):
    """Barometric altimeter resolution: 0.2 m steps."""
    return np.round(np.asarray(x) / 0.2) * 0.2


# (noise sigma [m], hysteresis [m]): barometer-like noise with the default threshold,
# GPS-altitude-like noise with the 5 m the docstring recommends for it
NOISE_CASES = [(0.4, 2.0), (1.5, 5.0)]


@pytest.mark.parametrize(("sigma", "threshold"), NOISE_CASES)
def test_noisy_climb_within_ten_percent(sigma, threshold):
    rng = np.random.default_rng(5)
    d = np.arange(0.0, 6000.0, 3.0)
    # two hills: 100 m up, 100 m down, 40 m up, 40 m down
    true = np.interp(d, [0, 2000, 4000, 5000, 6000], [0, 100, 0, 40, 0])
    noisy = baro(true + rng.normal(0.0, sigma, len(d)))
    smooth = signal.smooth_elevation(noisy, distance_m=d)
    gain, loss = signal.elevation_gain_loss(smooth, threshold_m=threshold)
    assert gain == pytest.approx(140.0, rel=0.10)
    assert loss == pytest.approx(140.0, rel=0.10)
    raw_gain, _ = signal.elevation_gain_loss(noisy, threshold_m=0.0)
    assert raw_gain > 200  # what noise does without smoothing and hysteresis


@pytest.mark.parametrize(("sigma", "threshold"), NOISE_CASES)
def test_flat_noisy_profile_has_no_climb(sigma, threshold):
    rng = np.random.default_rng(6)
    d = np.arange(0.0, 5000.0, 3.0)
    noisy = baro(200 + rng.normal(0.0, sigma, len(d)))
    smooth = signal.smooth_elevation(noisy, distance_m=d)
    gain, loss = signal.elevation_gain_loss(smooth, threshold_m=threshold)
    assert gain <= 1.0 and loss <= 1.0


def test_elevation_glitch_at_start_removed():
    t = np.arange(0.0, 200.0)
    e = 55.0 - 0.05 * t
    e[1:4] = 142.4  # barometer start-up glitch, as in a real Fenix 2 file
    s = signal.smooth_elevation(e, distance_m=3 * t, time_s=t)
    assert s.max() < 56.0
    gain, loss = signal.elevation_gain_loss(s)
    assert gain == 0.0 and loss == pytest.approx(10.0, abs=1.0)


def test_grade_constant_slope_and_standing_still():
    d = np.arange(0.0, 500.0, 2.5)
    np.testing.assert_allclose(signal.grade(d, 0.05 * d), 0.05, rtol=1e-9)
    # many samples at the same distance (standing) and tiny steps do not blow up
    d2 = np.repeat(d, 5)
    e2 = 0.05 * d2 + np.tile([0.0, 0.05, -0.05, 0.02, 0.0], len(d))
    g = signal.grade(d2, e2)
    assert np.all(np.abs(g - 0.05) < 0.01)
    assert np.isnan(signal.grade([0.0, 0.0, 0.0], [1.0, 2.0, 3.0])).all()


# ---------------------------------------------------------------------------------------
# derive
# ---------------------------------------------------------------------------------------
def hilly_activity(rng, fmt="fit"):
    t = np.arange(0.0, 1200.0)
    v = np.full(len(t), 3.0)
    v[600:660] = 0.0
    x = np.concatenate(([0.0], np.cumsum(v[1:])))
    lat, lon = to_deg(x + rng.normal(0, 1.0, len(t)), rng.normal(0, 1.0, len(t)))
    elev = 100 + 20 * np.sin(x / 500.0)
    return make_activity(
        t,
        {
            "lat_deg": lat,
            "lon_deg": lon,
            "elevation_m": elev + rng.normal(0, 0.3, len(t)),
            "distance_m": x,
            "speed_mps": v,
        },
        fmt=fmt,
    )


def test_derive_columns_alignment_and_purity():
    rng = np.random.default_rng(7)
    act = hilly_activity(rng)
    before = act.records.copy()
    out = signal.derive(act, gap_model="strava2017")
    pd.testing.assert_frame_equal(act.records, before)  # input untouched
    assert list(out.columns) == list(signal.DERIVED_COLUMNS)
    assert out.index.equals(act.records.index)
    assert out["moving"].dtype == bool
    assert all(out[c].dtype == "float64" for c in signal.DERIVED_COLUMNS[1:])
    assert (~out["moving"]).sum() == pytest.approx(60, abs=3)
    np.testing.assert_allclose(out["distance_clean_m"], act.records["distance_m"])
    x = act.records["distance_m"].to_numpy()
    true_grade = 20 / 500.0 * np.cos(x / 500.0)
    assert np.nanmax(np.abs(out["grade"] - true_grade)) < 0.01
    up = out["grade"] > 0.02
    assert (out["gap_speed_mps"][up] > out["speed_smooth_mps"][up]).all()


def test_derive_gpx_uses_clean_positions():
    rng = np.random.default_rng(8)
    act = hilly_activity(rng, fmt="gpx")
    rec = act.records.copy()
    lat = rec["lat_deg"].to_numpy().copy()
    lat[300] += 50.0 / M_PER_DEG  # a spike; the GPX reader's distance includes it
    rec["lat_deg"] = lat
    rec["distance_m"] = geo.path_distance_m(lat, rec["lon_deg"].to_numpy())
    spiky = Activity(rec, act.laps, act.meta)
    out = signal.derive(spiky)
    assert rec["distance_m"].iloc[-1] - 3.0 * 1139 > 100  # raw: spike + jitter
    assert abs(out["distance_clean_m"].iloc[-1] - 3.0 * 1139) < 0.05 * 3.0 * 1139


def test_derive_empty_and_untimed():
    empty = make_activity(np.zeros(0), {})
    out = signal.derive(empty)
    assert list(out.columns) == list(signal.DERIVED_COLUMNS) and len(out) == 0
    rec = records_frame(
        np.full(3, np.iinfo(np.int64).min),
        {"lat_deg": np.array([47.0, 47.001, 47.002]), "lon_deg": np.full(3, 8.0)},
    )
    untimed = Activity(rec, empty_splits(), Meta(format="gpx", source="<route>"))
    out = signal.derive(untimed)
    assert out["moving"].all()
    assert out["distance_clean_m"].iloc[-1] == pytest.approx(222.4, abs=0.5)


# ---------------------------------------------------------------------------------------
# real recordings
# ---------------------------------------------------------------------------------------
RUNNING = {"running", "run", "trail_running", "treadmill_running"}
REAL_FILES = (
    real_files("fit", ".fit") + real_files("gpx", ".gpx") + real_files("tcx", ".tcx", ".tcx.gz")
)


def _read(path):
    import kickanalysis as ka

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ka.read(path)
        except ka.KickAnalysisError:
            return None


@pytest.mark.skipif(REAL is None, reason=SKIP_NO_REAL)
@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_derive_on_real_files(path):
    # every readable recording, not only runs (many GPX files name no sport)
    act = _read(path)
    if act is None:
        pytest.skip("not readable as an activity")
    out = signal.derive(act)
    assert out.index.equals(act.records.index)
    assert list(out.columns) == list(signal.DERIVED_COLUMNS)
    d = out["distance_clean_m"].to_numpy()
    d = d[np.isfinite(d)]
    assert np.all(np.diff(d) >= 0)
    if (act.meta.sport or "").lower() in RUNNING:
        # (elsewhere synthetic saw-tooth altitudes, altitudes jumping across day-long
        # pauses and GPS altitude settling at the start do make steep "grades")
        g = out["grade"].to_numpy()
        assert np.all(np.abs(g[np.isfinite(g)]) < 1.0)
    mt = signal.moving_time_s(act)
    t = act.records["elapsed_s"].to_numpy()
    span = np.nanmax(t) - np.nanmin(t) if np.isfinite(t).any() else 0.0
    assert 0.0 <= mt <= span + 1e-6


def _ascent_files():
    out = []
    for p in real_files("fit", ".fit"):
        act = _read(p)
        if act is None or (act.meta.sport or "").lower() not in RUNNING:
            continue
        sessions = act.meta.extra.get("sessions") or ()
        if sessions and sessions[0].get("total_ascent") is not None:
            out.append(p)
    return out


@pytest.mark.skipif(REAL is None, reason=SKIP_NO_REAL)
@pytest.mark.parametrize("path", _ascent_files() if REAL is not None else [], ids=lambda p: p.name)
def test_elevation_gain_matches_device_total(path):
    act = _read(path)
    device = float(act.meta.extra["sessions"][0]["total_ascent"])
    out = signal.derive(act)
    gain, _ = signal.elevation_gain_loss(out["elevation_smooth_m"])
    print(f"{path.name}: device total_ascent {device:.0f} m, ours {gain:.1f} m")
    # 20 % of the device total; for small totals (flat runs) the barometer's own
    # resolution dominates, so allow 8 m
    assert abs(gain - device) <= max(0.2 * device, 8.0)


def test_a_stop_loses_no_distance():
    # 3 m/s, a 60 s stop at a light, 3 m/s again: the smoothing must not reach across
    # the stop (a parabola over the sharp change pulled the points around it towards
    # the stop and lost ~3.5 m per stop)
    t = np.arange(0.0, 400.0)
    x = 3.0 * np.clip(t, None, 100.0) + 3.0 * np.clip(t - 160.0, 0.0, None)
    lat, lon = to_deg(x, np.zeros_like(x))
    mv = (t <= 100.0) | (t > 160.0)
    d = signal.distance_from_positions(lat, lon, t, moving=mv)
    np.testing.assert_allclose(d, x, atol=0.05)


# ---------------------------------------------------------------------------------------
# fast paths: same numbers as the straightforward computations
# ---------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 80),
    k=st.sampled_from([3, 5, 7, 11]),
    nan_rate=st.floats(0.0, 1.0),
    seed=st.integers(0, 10_000),
)
def test_rolling_median_equals_nanmedian(n, k, nan_rate, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n).round(1)  # ties, as in speeds
    x[rng.random(n) < nan_rate] = np.nan
    h = k // 2
    padded = np.concatenate((np.full(h, np.nan), x, np.full(h, np.nan)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows
        want = np.nanmedian(np.lib.stride_tricks.sliding_window_view(padded, k), axis=1)
    np.testing.assert_array_equal(signal._rolling_median(x, k), want)


@pytest.mark.parametrize("irregular", [False, True])
def test_local_quadratic_keeps_a_parabola_and_matches_row_by_row(irregular):
    # a quadratic in time is reproduced exactly by a local quadratic fit, whether the
    # kernel rows are shared (regular sampling) or all different (irregular sampling)
    rng = np.random.default_rng(3)
    t = np.arange(300.0)
    if irregular:
        t = np.cumsum(rng.uniform(0.5, 1.5, 300))
    values = np.stack((2.0 + 0.1 * t - 0.003 * t**2, -1.0 + 0.02 * t), axis=1)
    segment = (t > t[150]).astype(int)
    for seg in (None, segment):
        fit = signal._local_quadratic(t, values, 25.0, segment=seg)
        np.testing.assert_allclose(fit, values, rtol=0, atol=1e-9)


def test_derive_shares_positions_but_not_results():
    # derive computes the outlier removal of a GPX track once for its two distances;
    # the distances are those of distance_from_positions, before and after the mask
    rng = np.random.default_rng(5)
    t = np.arange(0.0, 900.0)
    v = np.where((t >= 300) & (t < 360), 0.0, 3.0)  # a one-minute stop
    x = np.cumsum(v) + rng.normal(0, 2.0, len(t))
    lat, lon = to_deg(x, rng.normal(0, 2.0, len(t)))
    act = make_activity(t, {"lat_deg": lat, "lon_deg": lon}, fmt="gpx")
    d = signal.derive(act)
    mv = d["moving"].to_numpy()
    assert not mv[320:350].any() and mv[400:].all()
    want = signal.distance_from_positions(lat, lon, t, moving=mv)
    np.testing.assert_array_equal(d["distance_clean_m"].to_numpy(), want)
    # the planted path is 2520 m; the GPS noise adds a little
    assert abs(want[-1] - v.sum()) < 0.03 * v.sum()


def test_series_with_gap_model_equals_a_fresh_preparation():
    import kickanalysis as ka
    from kickanalysis.analysis._prepare import prepare

    hilly = ka.simulate_run(distance_m=5000, course="hilly", seed=4, distance_error_pct=0.0)
    s = prepare(hilly.activity)
    assert s.gap_model == "minetti2002"
    assert s.distance_source == signal.distance_source(hilly.activity)
    other = s.with_gap_model("strava2017")
    fresh = prepare(hilly.activity, gap_model="strava2017")
    np.testing.assert_array_equal(other.cum_gap_m, fresh.cum_gap_m)
    assert other.distance_m is s.distance_m and other.moving is s.moving
    assert other.with_gap_model("strava2017") is other
    np.testing.assert_array_equal(other.with_gap_model("minetti2002").cum_gap_m, s.cum_gap_m)
    assert s.with_gap_model("strava2017").cum_gap_m is other.cum_gap_m  # kept
    # the hills make the two models differ; on the flat both are the distance run
    assert abs(other.cum_gap_m[-1] - s.cum_gap_m[-1]) > 10.0
    flat = ka.simulate_run(distance_m=3000, course="flat", seed=4, distance_error_pct=0.0)
    f = prepare(flat.activity)
    truth_m = 3000.0
    for model in signal.GAP_MODELS:
        assert abs(f.with_gap_model(model).cum_gap_m[-1] - truth_m) < 0.02 * truth_m
    with pytest.raises(ValueError, match="unknown GAP model"):
        s.with_gap_model("nope")
