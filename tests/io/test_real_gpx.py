"""Every third-party GPX recording: reads, and the native engine agrees with gpxpy."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import REAL, SKIP_NO_REAL, real_files

from kickanalysis.errors import DataQualityWarning
from kickanalysis.io.gpx import gpx_from_bytes

FILES = real_files("gpx", ".gpx")
#: Files with neither track points nor route points (only waypoints).
NO_SAMPLES = {"gpxpy__gpx_with_garmin_extension.gpx", "gpxpy__unicode_with_bom.gpx"}

pytestmark = pytest.mark.skipif(REAL is None or not FILES, reason=SKIP_NO_REAL)


def _read(path: Path, engine: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return gpx_from_bytes(path.read_bytes(), path.name, engine=engine)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_native_matches_gpxpy(path: Path) -> None:
    if path.name in NO_SAMPLES:  # waypoints only: an Activity without samples
        for engine in ("native", "gpxpy"):
            act = _read(path, engine)
            assert len(act.records) == 0 and act.meta.extra["kind"] == "waypoints"
        return
    a = _read(path, "native")
    b = _read(path, "gpxpy")
    ra, rb = a.records, b.records
    assert len(ra) > 0
    assert len(ra) == len(rb)
    assert ra.index.is_monotonic_increasing and str(ra.index.tz) == "UTC"
    # gpxpy keeps microseconds; the native reader keeps what the file says
    assert np.abs(ra.index.asi8 - rb.index.asi8).max() < 1000
    for col in ("lat_deg", "lon_deg"):
        np.testing.assert_allclose(ra[col], rb[col], atol=1e-7, rtol=0, equal_nan=True)
    for col in ("elevation_m", "heart_rate_bpm", "cadence_spm", "power_w", "temperature_c"):
        np.testing.assert_array_equal(ra[col].to_numpy(), rb[col].to_numpy(), err_msg=col)
    np.testing.assert_allclose(ra["distance_m"], rb["distance_m"], rtol=1e-9, equal_nan=True)
    assert list(ra.columns) == list(rb.columns)
    assert a.meta.pauses == b.meta.pauses
    assert a.meta.extra["kind"] == b.meta.extra["kind"]
    assert a.meta.manufacturer == b.meta.manufacturer and a.meta.product == b.meta.product
    assert (a.meta.name or "").strip() == (b.meta.name or "").strip()
    assert a.laps.empty


def _by_name(name: str) -> Path:
    path = REAL / "gpx" / name if REAL is not None else None
    if path is None or not path.is_file():
        pytest.skip(f"{name} not in the real-data folder")
    return path


def test_garmin_connect_run_values() -> None:
    act = _read(_by_name("heartandsole__testdata.gpx"), "native")
    rec = act.records
    assert len(rec) == 46
    assert rec["heart_rate_bpm"].iloc[:3].tolist() == [71.0, 73.0, 76.0]
    assert rec.index[0].isoformat() == "2021-04-16T13:37:53+00:00"
    assert rec["lat_deg"].iloc[0] == pytest.approx(40.03811557777226, abs=1e-12)
    assert (act.meta.sport, act.meta.name, act.meta.manufacturer) == (
        "running",
        "Boulder Running",
        "Garmin",
    )


def test_route_course_has_no_times() -> None:
    act = _read(_by_name("heartandsole__testcourse.gpx"), "native")
    assert act.meta.extra["kind"] == "route"
    assert len(act.records) == 4990
    assert act.records["elevation_m"].iloc[0] == 570.0


def test_strava_running_cadence_in_steps_per_minute() -> None:
    rec = _read(_by_name("runpandas__stopped_example.gpx"), "native").records
    # per-leg 86-89 rpm in the file: a runner at about 175 steps/min
    assert 165 <= rec["cadence_spm"].median() <= 185
    assert "cadence_rpm" not in rec  # running cadence is steps, as in FIT
