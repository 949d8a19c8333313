"""The TCX reader against every third-party TCX recording, checked by a plain ElementTree walk."""

from __future__ import annotations

import gzip
import warnings
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
from conftest import REAL, SKIP_NO_REAL, real_files

import kickanalysis as ka
from kickanalysis.errors import DataQualityWarning

TCX_FILES = real_files("tcx", ".tcx", ".tcx.gz")
pytestmark = pytest.mark.skipif(not TCX_FILES, reason=SKIP_NO_REAL)


def local(tag: str) -> str:
    return tag.rpartition("}")[2]


def child(el: ET.Element, name: str) -> ET.Element | None:
    for c in el:
        if local(c.tag) == name:
            return c
    return None


def utc_ns(text: str) -> int:
    dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return pd.Timestamp(dt).tz_convert("UTC").value


def reference(path) -> dict:
    """Straightforward, slow walk: every Trackpoint with a Time, in document order."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    root = ET.fromstring(raw)
    rows = []
    laps = []
    for el in root.iter():
        name = local(el.tag)
        if name == "Lap" and "StartTime" in el.attrib:
            laps.append(el)
        if name != "Trackpoint":
            continue
        time = child(el, "Time")
        if time is None:
            continue
        row = {"time": utc_ns(time.text), "lat": np.nan, "lon": np.nan, "dist": np.nan}
        row["hr"] = np.nan
        pos = child(el, "Position")
        if pos is not None:
            row["lat"] = float(child(pos, "LatitudeDegrees").text)
            row["lon"] = float(child(pos, "LongitudeDegrees").text)
        dist = child(el, "DistanceMeters")
        if dist is not None:
            row["dist"] = float(dist.text)
        hr = child(el, "HeartRateBpm")
        if hr is not None:
            row["hr"] = float(child(hr, "Value").text)
        alt = child(el, "AltitudeMeters")
        row["alt"] = float(alt.text) if alt is not None else np.nan
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame = frame.iloc[np.argsort(frame["time"].to_numpy(), kind="stable")]
    return {"records": frame, "laps": laps}


def read_quiet(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        act = ka.read(path)
    return act, [w for w in caught if issubclass(w.category, DataQualityWarning)]


@pytest.mark.parametrize("path", TCX_FILES, ids=lambda p: p.name)
def test_real_tcx_matches_reference(path):
    act, _ = read_quiet(path)
    ref = reference(path)
    rec = act.records
    r = ref["records"]
    assert act.meta.format == "tcx"
    assert len(rec) == len(r)
    assert rec.index.is_monotonic_increasing
    np.testing.assert_array_equal(rec.index.asi8, r["time"].to_numpy())
    np.testing.assert_array_equal(rec["lat_deg"].to_numpy(), r["lat"].to_numpy())
    np.testing.assert_array_equal(rec["lon_deg"].to_numpy(), r["lon"].to_numpy())
    np.testing.assert_array_equal(rec["elevation_m"].to_numpy(), r["alt"].to_numpy())
    np.testing.assert_array_equal(rec["heart_rate_bpm"].to_numpy(), r["hr"].to_numpy())
    if r["dist"].notna().any():
        np.testing.assert_array_equal(rec["distance_m"].to_numpy(), r["dist"].to_numpy())
        assert act.meta.extra["distance_source"] == "file"
    assert len(act.laps) == len(ref["laps"])
    starts = [utc_ns(lap.attrib["StartTime"]) for lap in ref["laps"]]
    np.testing.assert_array_equal(pd.DatetimeIndex(act.laps["start_time"]).asi8, starts)
    for j, lap in enumerate(ref["laps"]):
        timer = child(lap, "TotalTimeSeconds")
        if timer is not None:
            assert act.laps["moving_s"].iloc[j] == float(timer.text)
        dist = child(lap, "DistanceMeters")
        if dist is not None:
            assert act.laps["distance_m"].iloc[j] == float(dist.text)
    assert (act.laps["duration_s"].dropna() >= act.laps["moving_s"].dropna() - 1.0).all()
    assert act.meta.start_time is not None


def test_real_tcx_values_spot_checks():
    if REAL is None:
        pytest.skip(SKIP_NO_REAL)
    act, warns = read_quiet(REAL / "tcx" / "heartandsole__testdata.tcx")
    assert warns == []
    assert act.meta.sport == "running"
    assert (act.meta.manufacturer, act.meta.product) == ("Garmin", "Forerunner 220")
    assert act.meta.start_time == pd.Timestamp("2021-04-16T13:37:53Z")
    assert len(act.records) == 49
    assert len(act.laps) == 4
    first = act.laps.iloc[0]
    assert first["moving_s"] == 44.526
    assert first["distance_m"] == 52.8
    assert first["heart_rate_mean_bpm"] == 83.0
    assert first["cadence_mean_spm"] == 64.0  # 2 x AvgRunCadence 32
    # RunCadence is per leg: the file's maximum 80 is 160 steps/min
    assert act.records["cadence_spm"].max() == 160.0


def test_real_polar_track_breaks_are_pauses():
    if REAL is None:
        pytest.skip(SKIP_NO_REAL)
    act, _ = read_quiet(REAL / "tcx" / "sports-lib__polar.tcx")
    pauses = act.meta.pauses
    assert len(pauses) == 41  # 43 tracks in 2 laps
    assert pauses[0] == (
        pd.Timestamp("2018-01-21T10:35:58Z"),
        pd.Timestamp("2018-01-21T10:37:01Z"),
    )
    assert all(b > a for a, b in pauses)
    # Polar writes running cadence (per leg) in <Cadence>
    assert act.meta.extra["cadence_source"] == "Cadence"
    np.testing.assert_array_equal(act.records["cadence_spm"], 2 * act.records["cadence_rpm"])


def test_real_bike_cadence_stays_rpm():
    if REAL is None:
        pytest.skip(SKIP_NO_REAL)
    act, _ = read_quiet(REAL / "tcx" / "togeojson__garmin_connect.tcx")
    assert act.meta.sport == "cycling"
    assert act.records["cadence_spm"].isna().all()
    assert act.records["cadence_rpm"].max() == 106.0
    assert act.records["cadence_rpm"].notna().sum() == 316  # 317 trackpoints, one without
    assert act.records["power_w"].notna().sum() == 313


def test_real_malformed_tcx():
    if REAL is None:
        pytest.skip(SKIP_NO_REAL)
    path = REAL / "bad" / "runpandas__malformed.tcx"
    # its root element is <Activities> (the TrainingCenterDatabase wrapper is missing):
    # read() recognises it as TCX, and every trackpoint is recovered with a warning, or
    # an error under strict
    with pytest.warns(DataQualityWarning, match="root element is <Activities>"):
        act = ka.read(path)
    assert ka.read_tcx(path).records.equals(act.records)
    assert len(act.records) == 384
    assert len(act.laps) == 3
    assert act.records.index[-1] == pd.Timestamp("2012-12-26T22:03:05Z")
    assert np.isnan(act.records["lat_deg"].iloc[-1])  # the last trackpoint has only a time
    with pytest.raises(ka.errors.CorruptFileError):
        ka.read_tcx(path, strict=True)


@pytest.mark.parametrize("path", TCX_FILES, ids=lambda p: p.name)
def test_real_tcx_fast_path_equals_general_path(path, monkeypatch):
    """The template fast path reads every real file, exactly as the general scanner does."""
    import kickanalysis.io.tcx as tcx
    from kickanalysis.io.source import load

    data, name = load(path)
    assert tcx._fast_points(*tcx._normalise_encoding(data, name)) is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        fast = tcx.tcx_from_bytes(data, name)
        monkeypatch.setattr(tcx, "_FAST_PATH", False)
        general = tcx.tcx_from_bytes(data, name)
    pd.testing.assert_frame_equal(fast.records, general.records, check_exact=True)
    pd.testing.assert_frame_equal(fast.laps, general.laps, check_exact=True)
    assert fast.meta == general.meta
