"""Conformance of the native FIT decoder on every real FIT file.

Every record's timestamp, position, distance, speed, heart rate, cadence and altitude must
equal an independent decoder's: fitparse, or the Garmin FIT SDK (garmin-fit-sdk) where
fitparse fails on the file or disagrees with the SDK. The companion ``*-records.csv``
files (python-fitparse's own expectations) are checked too.
"""

from __future__ import annotations

import datetime as dt
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REAL, SKIP_NO_REAL, real_files

import kickanalysis as ka
from kickanalysis.errors import DataQualityWarning
from kickanalysis.schema import RECORD_COLUMNS

FIT_FILES = real_files("fit", ".fit")
FIT_EPOCH = dt.datetime(1989, 12, 31)
FIT_EPOCH_NS = 631065600 * 10**9

pytestmark = pytest.mark.skipif(REAL is None, reason=SKIP_NO_REAL)

# oracle columns: ours -> the FIT record fields, preferred first
FIELDS = {
    "lat_deg": ("position_lat",),
    "lon_deg": ("position_long",),
    "distance_m": ("distance",),
    "speed_mps": ("enhanced_speed", "speed"),
    "heart_rate_bpm": ("heart_rate",),
    "elevation_m": ("enhanced_altitude", "altitude"),
}


def _seconds(value) -> float:
    """FIT seconds of a timestamp as either oracle gives it."""
    if value is None:
        return np.nan
    if isinstance(value, dt.datetime):
        return (value.replace(tzinfo=None) - FIT_EPOCH).total_seconds()
    return float(value)


def _num(value) -> float:
    if value is None or isinstance(value, (str, tuple, list, dict)):
        return np.nan
    return float(value)


def _table(rows: list[dict]) -> dict[str, np.ndarray]:
    out = {"time": np.array([_seconds(r.get("timestamp")) for r in rows])}
    for col, keys in FIELDS.items():
        vals = []
        for r in rows:
            v = next((r[k] for k in keys if r.get(k) is not None), None)
            vals.append(_num(v))
        out[col] = np.array(vals)
        if col in ("lat_deg", "lon_deg"):
            out[col] = out[col] * (180.0 / 2**31)
    out["cadence_rpm"] = np.array(
        [
            _num(r.get("cadence"))
            + (
                _num(r.get("fractional_cadence"))
                if r.get("fractional_cadence") is not None
                else 0.0
            )
            for r in rows
        ]
    )
    # the records frame is sorted by time (stably): sort the oracle the same way
    order = np.argsort(np.where(np.isnan(out["time"]), -np.inf, out["time"]), kind="stable")
    if np.isnan(out["time"]).all():
        order = np.arange(len(rows))
    return {k: v[order] for k, v in out.items()}


@lru_cache(maxsize=4)
def fitparse_oracle(path: Path) -> dict[str, np.ndarray] | None:
    import fitparse

    try:
        rows = [m.get_values() for m in fitparse.FitFile(str(path)).get_messages("record")]
    except Exception:  # fitparse fails on some real files: the SDK is the oracle there
        return None
    return _table(rows)


@lru_cache(maxsize=4)
def sdk_oracle(path: Path, merge_heart_rates: bool = False) -> dict[str, np.ndarray] | None:
    from garmin_fit_sdk import Decoder, Stream

    decoder = Decoder(Stream.from_file(str(path)))
    messages, _errors = decoder.read(
        convert_datetimes_to_dates=False,
        convert_types_to_strings=False,
        merge_heart_rates=merge_heart_rates,
    )
    return _table(messages.get("record_mesgs", []))


def _ours(path: Path) -> dict[str, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        act = ka.read(path)
    rec = act.records
    ns = rec.index.as_unit("ns").asi8.astype(np.float64)
    t = np.where(rec.index.isna(), np.nan, (ns - FIT_EPOCH_NS) / 1e9)
    out = {"time": t}
    for col in FIELDS:
        out[col] = rec[col].to_numpy()
    if rec["cadence_spm"].notna().any():
        out["cadence_rpm"] = rec["cadence_spm"].to_numpy() / 2.0
    elif "cadence_rpm" in rec:
        out["cadence_rpm"] = rec["cadence_rpm"].to_numpy()
    else:
        out["cadence_rpm"] = np.full(len(rec), np.nan)
    return out


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return len(a) == len(b) and bool(
        np.all((np.isnan(a) & np.isnan(b)) | np.isclose(a, b, rtol=1e-9, atol=1e-9))
    )


@pytest.mark.parametrize("path", FIT_FILES, ids=lambda p: p.name)
def test_reads_into_activity(path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        act = ka.read(path)
    rec = act.records
    assert isinstance(rec.index, pd.DatetimeIndex)
    assert str(rec.index.tz) == "UTC"
    assert rec.index.name == "time"
    assert rec.index.dropna().is_monotonic_increasing
    for col in RECORD_COLUMNS:
        assert rec[col].dtype == np.float64
    assert list(act.laps.columns)[:3] == ["split", "start_time", "end_time"]
    assert act.meta.format == "fit"


@pytest.mark.parametrize("path", FIT_FILES, ids=lambda p: p.name)
def test_records_equal_independent_decoders(path: Path) -> None:
    ours = _ours(path)
    ref = fitparse_oracle(path)
    sdk = None
    if ref is None or len(ref["time"]) != len(ours["time"]):
        sdk = sdk_oracle(path)
        ref = sdk
    assert len(ours["time"]) == len(ref["time"]), "number of record messages"
    for col in ["time", *FIELDS, "cadence_rpm"]:
        if _same(ours[col], ref[col]):
            continue
        if col == "time" and np.isnan(ref["time"]).all():
            continue  # no record has a timestamp (the reader places them 1 s apart)
        # fitparse and the SDK disagree on some files (component expansion of invalid
        # compressed fields, unknown fields): agreeing with the Garmin SDK suffices
        sdk = sdk if sdk is not None else sdk_oracle(path)
        if col == "heart_rate_bpm" and not _same(ours[col], sdk[col]):
            # records without heart rate take it from the strap's hr messages, as the
            # SDK's merge_heart_rates does; recorded values stay as they are
            merged = sdk_oracle(path, merge_heart_rates=True)[col]
            want = np.where(np.isnan(ref[col]), merged, ref[col])
            assert _same(ours[col], want), "heart rate differs from the SDK's merge"
            continue
        assert _same(ours[col], sdk[col]), f"{col} differs from fitparse and the FIT SDK"


# ----------------------------------------------------------------------- CSV oracles
def _csv_pairs() -> list[tuple[Path, Path]]:
    pairs = []
    for csv in real_files("fit", "-records.csv"):
        fit = csv.with_name(csv.name.replace("-records.csv", ".fit"))
        if fit.exists():
            pairs.append((fit, csv))
    return pairs


@pytest.mark.parametrize("fit,csv", _csv_pairs(), ids=lambda p: p.name)
def test_companion_csv(fit: Path, csv: Path) -> None:
    table = pd.read_csv(csv, skipinitialspace=True, na_values=["null"])
    table.columns = [c.strip() for c in table.columns]
    ours = _ours(fit)
    first = table.columns[0]
    if table[first].dtype.kind in "if":  # FIT seconds (device-relative time)
        times = table[first].to_numpy(dtype=float)
    else:  # "Sun Sep 25 06:00:22 PDT 2011": Pacific Daylight Time = UTC-7
        local = pd.to_datetime(
            table[first].str.replace(" PDT ", " ", regex=False), format="%a %b %d %H:%M:%S %Y"
        )
        utc = local + pd.Timedelta(hours=7)
        times = (utc - pd.Timestamp(FIT_EPOCH)).dt.total_seconds().to_numpy()
    # compressed-speed-distance.csv leaves out the first record (its values are all
    # invalid); align on the first timestamp the CSV lists
    skip = int(np.flatnonzero(ours["time"] == times[0])[0])
    assert skip <= 1
    ours = {k: v[skip:] for k, v in ours.items()}
    assert len(table) == len(ours["time"])
    np.testing.assert_array_equal(ours["time"], times)
    cadence_src = next((c for c in ("cadence", "Cadence [rpm]") if c in table), None)
    if cadence_src:
        # the CSVs hold whole rpm (no fractional cadence) and 0 where the record has none
        want = table[cadence_src].to_numpy(dtype=float)
        got = np.floor(ours["cadence_rpm"])
        none = np.isnan(got)
        assert np.all(np.isnan(want[none]) | (want[none] == 0))
        np.testing.assert_array_equal(got[~none], want[~none])
    mapping = {
        "heart_rate": "heart_rate_bpm",
        "Heart Rate [bpm]": "heart_rate_bpm",
        "speed": "speed_mps",
        "Speed [m/s]": "speed_mps",
        "distance": "distance_m",
        "Distance [m]": "distance_m",
        "altitude": "elevation_m",
    }
    for src, ours_col in mapping.items():
        if src in table:
            np.testing.assert_allclose(
                ours[ours_col],
                table[src].to_numpy(dtype=float),
                rtol=1e-9,
                atol=1e-9,
                err_msg=f"{fit.name}: {src}",
            )
    for src, ours_col in (("position_lat", "lat_deg"), ("position_long", "lon_deg")):
        if src in table:
            # the CSVs repeat the last known position where a record has none
            held = pd.Series(ours[ours_col]).ffill().to_numpy()
            np.testing.assert_allclose(
                held, table[src].to_numpy(dtype=float) * 180 / 2**31, rtol=0, atol=1e-12
            )


@pytest.mark.parametrize(
    "path", [p for p in FIT_FILES if p.stat().st_size < 400_000], ids=lambda p: p.name
)
def test_fitparse_engine_same_shape(path: Path) -> None:
    """engine="fitparse" gives the same columns and (where fitparse reads it) values."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        native = ka.read_fit(path)
        try:
            other = ka.read_fit(path, engine="fitparse")
        except ka.EmptyActivityError:
            pytest.skip("fitparse reads no message of this file")
    assert list(native.records.columns[:10]) == list(other.records.columns[:10])
    if not other.meta.warnings:  # fitparse read the whole file
        assert native.meta.sport == other.meta.sport
        assert len(native.records) == len(other.records)
        for col in ("lat_deg", "distance_m", "heart_rate_bpm"):
            np.testing.assert_allclose(native.records[col], other.records[col], rtol=1e-12)
    assert list(native.laps.columns) == list(other.laps.columns)


def test_devices_and_session_in_meta() -> None:
    """device_info gives the paired sensors; session gives sport and totals."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        act = ka.read(REAL / "fit" / "fitdecode__garmin-fr935-cr.fit")
    products = {d["product"] for d in act.meta.extra["devices"]}
    assert {"fr935", "hrm_tri"} <= products
    strap = next(d for d in act.meta.extra["devices"] if d["product"] == "hrm_tri")
    assert strap["serial_number"] == 3921365037 and strap["software_version"] == 43.0
    assert act.meta.manufacturer == "garmin" and act.meta.product == "fr935"
    assert act.meta.sport == "swimming"
    assert act.meta.extra["message_counts"]["hr"] == 1432
