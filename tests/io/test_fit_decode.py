"""The FIT reader, through the public API, on files built byte by byte.

Every input comes from the independent test encoder in ``tests/fitbuilder.py``, so the
expected values follow from the FIT protocol and profile (scale, offset, invalid values),
not from any decoder. Tests parametrised over ``engine`` check that the fitparse engine
gives the same values as the native one wherever fitparse can read the input.
"""

from __future__ import annotations

import math
import warnings

import fitbuilder as fb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kickanalysis as ka
from kickanalysis.errors import (
    CorruptFileError,
    DataQualityWarning,
    EmptyActivityError,
    KickAnalysisError,
    UnknownFormatError,
)
from kickanalysis.schema import RECORD_COLUMNS, SPLIT_COLUMNS

T0 = fb.DEFAULT_START
ENGINES = ["native", "fitparse"]
NAN = float("nan")

# --------------------------------------------------------------------------------------
# helpers


def utc(fit_ts: float) -> pd.Timestamp:
    """FIT timestamp -> the UTC Timestamp a reader must produce."""
    return pd.Timestamp(fb.unix_from_fit(fit_ts), unit="s", tz="UTC")


def read_clean(blob: bytes, **kwargs) -> ka.Activity:
    """Read a well-formed file; any DataQualityWarning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)
        act = ka.read_fit(blob, **kwargs)
    assert act.meta.warnings == ()
    return act


def read_damaged(blob: bytes, **kwargs) -> ka.Activity:
    """Read a damaged file: must warn (DataQualityWarning) and record the warning."""
    with pytest.warns(DataQualityWarning):
        act = ka.read_fit(blob, **kwargs)
    assert act.meta.warnings
    return act


def _v(rec: dict, name: str) -> float:
    value = rec.get(name)
    return NAN if value is None else float(value)


def expected_row(rec: dict) -> dict[str, float]:
    """The canonical column values of one raw ``record`` dict, from the FIT profile."""
    lat, lon = rec.get("position_lat"), rec.get("position_long")
    speed = rec["enhanced_speed"] if rec.get("enhanced_speed") is not None else rec.get("speed")
    alt = rec.get("enhanced_altitude")
    if alt is None:
        alt = rec.get("altitude")
    cad = rec.get("cadence")
    frac = rec.get("fractional_cadence") or 0
    return {
        "lat_deg": NAN if lat is None else lat * 180 / 2**31,
        "lon_deg": NAN if lon is None else lon * 180 / 2**31,
        "elevation_m": NAN if alt is None else alt / 5 - 500,
        "distance_m": _v(rec, "distance") / 100,
        "speed_mps": NAN if speed is None else speed / 1000,
        "heart_rate_bpm": _v(rec, "heart_rate"),
        "cadence_spm": NAN if cad is None else 2 * (cad + frac / 128),
        "power_w": _v(rec, "power"),
        "temperature_c": _v(rec, "temperature"),
    }


def assert_records(frame: pd.DataFrame, raw: list[dict], *, start: int | None = None) -> None:
    """*frame* holds exactly the samples of the raw record dicts *raw*, in order."""
    assert list(frame.columns[: len(RECORD_COLUMNS)]) == list(RECORD_COLUMNS)
    for col in RECORD_COLUMNS:
        assert frame[col].dtype == np.float64, col
    idx = frame.index
    assert idx.name == "time"
    assert isinstance(idx, pd.DatetimeIndex) and str(idx.tz) == "UTC"
    assert idx.is_monotonic_increasing
    assert list(idx) == [utc(r["timestamp"]) for r in raw]
    t0 = raw[0]["timestamp"] if start is None else start
    np.testing.assert_array_equal(
        frame["elapsed_s"].to_numpy(), [float(r["timestamp"] - t0) for r in raw]
    )
    want = pd.DataFrame([expected_row(r) for r in raw])
    for col in want.columns:
        np.testing.assert_allclose(
            frame[col].to_numpy(),
            want[col].to_numpy(),
            rtol=1e-12,
            atol=1e-9,
            err_msg=col,
        )


def assert_same_activity(a: ka.Activity, b: ka.Activity) -> None:
    """Records and laps identical (the engines / encodings agree)."""
    core = list(RECORD_COLUMNS)
    pd.testing.assert_frame_equal(a.records[core], b.records[core], check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(a.laps, b.laps, check_exact=False, rtol=1e-12)


def records_builder(defs, rows, *, big_endian=False):
    """A file of ``record`` messages: *defs* = {local: [field names]},
    *rows* = [(local, raw dict)] written in order (missing names -> invalid)."""
    b = fb.FitBuilder()
    b.define(15, fb.MESG["file_id"], [(0, "enum"), (1, "uint16")], big_endian=big_endian)
    b.data(15, 4, 1)
    for local, names in defs.items():
        b.define(
            local,
            fb.MESG["record"],
            [fb.RECORD_FIELDS[n] for n in names],
            big_endian=big_endian,
        )
    for local, rec in rows:
        b.data(local, *(rec.get(n) for n in defs[local]))
    return b


def record(t: int, **values) -> dict:
    """A raw record dict at FIT time *t*."""
    return {"timestamp": t, **values}


# --------------------------------------------------------------------------------------
# a whole activity: records, laps, meta


@pytest.mark.parametrize("engine", ENGINES)
def test_simple_activity_records(engine):
    raw = fb.default_records(12)
    act = read_clean(fb.simple_activity(raw), engine=engine)
    assert len(act.records) == 12
    assert_records(act.records, raw)
    # a few values spelled out
    r = act.records.iloc[2]
    assert r["lat_deg"] == (fb.semicircles(47.0) + 2000) * 180 / 2**31
    assert r["distance_m"] == pytest.approx(7.0, abs=1e-12)
    assert r["speed_mps"] == pytest.approx(3.502, abs=1e-12)
    assert r["elevation_m"] == pytest.approx(420.4, abs=1e-9)
    assert r["heart_rate_bpm"] == 142.0
    assert r["cadence_spm"] == 2 * (87 + 64 / 128)
    assert r["power_w"] == 252.0
    assert r["temperature_c"] == 16.0
    assert act.records.index[0] == pd.Timestamp("2021-06-01T06:00:00Z")


def test_read_sniffs_fit_and_accepts_paths_and_streams(tmp_path):
    import gzip
    import io

    blob = fb.simple_activity(n=5)
    path = tmp_path / "run.fit"
    path.write_bytes(blob)
    for source in (blob, path, str(path), io.BytesIO(blob)):
        act = ka.read(source)
        assert act.meta.format == "fit"
        assert_records(act.records, fb.default_records(5))
    assert ka.read(path).meta.source.endswith("run.fit")
    gz = tmp_path / "run.fit.gz"
    gz.write_bytes(gzip.compress(blob))
    assert_records(ka.read(gz).records, fb.default_records(5))
    assert_records(ka.read_fit(gzip.compress(blob)).records, fb.default_records(5))


@pytest.mark.parametrize("engine", ENGINES)
def test_meta(engine):
    raw = [record(T0 + i, heart_rate=150, distance=350 * i) for i in range(5)]
    raw += [record(T0 + 10 + i, heart_rate=160, distance=350 * (5 + i)) for i in range(5)]
    blob = fb.simple_activity(
        raw,
        pauses=[(T0 + 4, T0 + 10)],
        sub_sport=3,
        manufacturer=1,
        product=2691,
        serial_number=3_912_345_678,
    )
    meta = read_clean(blob, engine=engine).meta
    assert meta.format == "fit"
    assert meta.source == "<bytes>"
    assert meta.sport == "running"
    assert meta.sub_sport == "trail"
    assert meta.manufacturer == "garmin"
    assert meta.product == "fr935"
    assert meta.serial_number == 3_912_345_678
    assert meta.start_time == utc(T0)
    assert meta.pauses == ((utc(T0 + 4), utc(T0 + 10)),)


@pytest.mark.parametrize("engine", ENGINES)
def test_laps(engine):
    raw = fb.default_records(11)
    laps = [
        {
            "timestamp": T0 + 5,
            "event": 9,
            "event_type": 1,
            "start_time": T0 + i * 5,
            "total_elapsed_time": 5000,
            "total_timer_time": 5000,
            "total_distance": 1750,
            "avg_speed": 3500,
            "avg_heart_rate": 150 + 10 * i,
            "max_heart_rate": 170 + 10 * i,
            "sport": 1,
        }
        for i in range(2)
    ]
    laps[1]["timestamp"] = T0 + 10
    act = read_clean(fb.simple_activity(raw, laps=laps), engine=engine)
    lap = act.laps
    assert tuple(lap.columns) == SPLIT_COLUMNS
    assert len(lap) == 2
    assert list(lap["start_time"]) == [utc(T0), utc(T0 + 5)]
    assert list(lap["end_time"]) == [utc(T0 + 5), utc(T0 + 10)]
    np.testing.assert_allclose(lap["distance_m"], [17.5, 17.5])
    np.testing.assert_allclose(lap["duration_s"], [5.0, 5.0])
    np.testing.assert_allclose(lap["speed_mps"], [3.5, 3.5])
    np.testing.assert_allclose(lap["start_elapsed_s"], [0.0, 5.0])
    np.testing.assert_allclose(lap["heart_rate_mean_bpm"], [150.0, 160.0])
    np.testing.assert_allclose(lap["heart_rate_max_bpm"], [170.0, 180.0])


@pytest.mark.parametrize("engine", ENGINES)
def test_no_laps_gives_empty_frame_with_split_columns(engine):
    b = records_builder({0: ["timestamp", "heart_rate"]}, [(0, record(T0, heart_rate=120))])
    act = read_clean(b.build(), engine=engine)
    assert tuple(act.laps.columns) == SPLIT_COLUMNS
    assert len(act.laps) == 0
    assert act.records["heart_rate_bpm"].tolist() == [120.0]


# --------------------------------------------------------------------------------------
# conversions


@pytest.mark.parametrize("engine", ENGINES)
def test_semicircles_and_fit_epoch(engine):
    raw = [
        record(0, position_lat=2**30, position_long=-(2**31) + 1),  # the FIT epoch itself
        record(
            10**9, position_lat=fb.semicircles(-33.8568), position_long=fb.semicircles(151.2153)
        ),
        record(10**9 + 1, position_lat=-1, position_long=1),
    ]
    b = records_builder({0: ["timestamp", "position_lat", "position_long"]}, [(0, r) for r in raw])
    rec = read_clean(b.build(), engine=engine).records
    assert rec.index[0] == pd.Timestamp("1989-12-31T00:00:00Z")
    assert rec.index[1] == pd.Timestamp(631065600 + 10**9, unit="s", tz="UTC")
    sc = fb.semicircles(-33.8568)
    assert rec["lat_deg"].tolist() == [90.0, sc * 180 / 2**31, -180 / 2**31]
    assert rec["lat_deg"].iloc[1] == pytest.approx(-33.8568, abs=1e-7)
    assert rec["lon_deg"].iloc[0] == (-(2**31) + 1) * 180 / 2**31
    assert rec["lon_deg"].iloc[1] == pytest.approx(151.2153, abs=1e-7)
    assert rec["lon_deg"].iloc[2] == 180 / 2**31


@pytest.mark.parametrize("engine", ENGINES)
def test_enhanced_fields_are_preferred(engine):
    """Both twins present: enhanced_* wins; only the 16-bit one: it is used."""
    defs = {
        0: ["timestamp", "speed", "enhanced_speed", "altitude", "enhanced_altitude"],
        1: ["timestamp", "speed", "altitude"],
        2: ["timestamp", "enhanced_speed", "enhanced_altitude"],
    }
    rows = [
        (0, record(T0, speed=1000, enhanced_speed=3000, altitude=2600, enhanced_altitude=3000)),
        (1, record(T0 + 1, speed=1500, altitude=2700)),
        (2, record(T0 + 2, enhanced_speed=70000, enhanced_altitude=50000)),
    ]
    rec = read_clean(records_builder(defs, rows).build(), engine=engine).records
    np.testing.assert_allclose(rec["speed_mps"], [3.0, 1.5, 70.0], rtol=1e-12)
    np.testing.assert_allclose(rec["elevation_m"], [100.0, 40.0, 9500.0], rtol=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_distance_speed_altitude_scales(engine):
    rows = [
        (0, record(T0, distance=123456, speed=3456, altitude=0)),
        (0, record(T0 + 1, distance=0, speed=0, altitude=2500)),
        (0, record(T0 + 2, distance=2**32 - 2, speed=0xFFFE, altitude=0xFFFE)),
    ]
    b = records_builder({0: ["timestamp", "distance", "speed", "altitude"]}, rows)
    rec = read_clean(b.build(), engine=engine).records
    np.testing.assert_allclose(rec["distance_m"], [1234.56, 0.0, (2**32 - 2) / 100], rtol=1e-12)
    np.testing.assert_allclose(rec["speed_mps"], [3.456, 0.0, 65.534], rtol=1e-12)
    np.testing.assert_allclose(rec["elevation_m"], [-500.0, 0.0, 0xFFFE / 5 - 500], rtol=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_running_cadence_to_steps_per_minute(engine):
    defs = {0: ["timestamp", "cadence", "fractional_cadence"], 1: ["timestamp", "cadence"]}
    rows = [
        (0, record(T0, cadence=85, fractional_cadence=64)),
        (0, record(T0 + 1, cadence=90, fractional_cadence=0)),
        (0, record(T0 + 2, cadence=88, fractional_cadence=127)),
        (1, record(T0 + 3, cadence=80)),
    ]
    b = records_builder(defs, rows)
    b.define(14, fb.MESG["session"], [(253, "uint32"), (5, "enum")]).data(14, T0 + 3, 1)
    rec = read_clean(b.build(), engine=engine).records
    assert rec["cadence_spm"].tolist() == [171.0, 180.0, 2 * (88 + 127 / 128), 160.0]


@pytest.mark.parametrize("engine", ENGINES)
def test_invalid_values_are_nan(engine):
    names = [
        "timestamp",
        "position_lat",  # sint32 0x7FFFFFFF
        "position_long",
        "enhanced_altitude",  # uint32 0xFFFFFFFF
        "heart_rate",  # uint8 0xFF
        "cadence",
        "distance",
        "speed",  # uint16 0xFFFF
        "power",
        "temperature",  # sint8 0x7F
    ]
    good = record(
        T0,
        position_lat=fb.semicircles(10.0),
        position_long=fb.semicircles(-20.0),
        enhanced_altitude=fb.altitude_raw(12.0),
        heart_rate=130,
        cadence=80,
        distance=1000,
        speed=2000,
        power=0,
        temperature=-5,
    )
    bad = record(T0 + 1)  # every field but the timestamp written as its invalid value
    later = dict(good, timestamp=T0 + 2, distance=2000)
    b = records_builder({0: names}, [(0, good), (0, bad), (0, later)])
    blob = b.build()
    # the invalid bytes really are in the file
    assert b"\xff\xff\xff\x7f\xff\xff\xff\x7f\xff\xff\xff\xff\xff\xff" in blob
    rec = read_clean(blob, engine=engine).records
    assert len(rec) == 3
    assert rec.iloc[1][list(RECORD_COLUMNS[1:])].isna().all()
    assert rec["elapsed_s"].tolist() == [0.0, 1.0, 2.0]
    assert rec["power_w"].tolist()[::2] == [0.0, 0.0]  # zero is a value, not invalid
    assert rec["temperature_c"].tolist()[::2] == [-5.0, -5.0]
    assert rec["distance_m"].tolist()[::2] == [10.0, 20.0]
    assert rec["elevation_m"].iloc[0] == pytest.approx(12.0)


@pytest.mark.parametrize("engine", ENGINES)
def test_running_dynamics_columns_carry_units(engine):
    defs = {0: ["timestamp", "heart_rate", "vertical_oscillation"]}
    rows = [
        (0, record(T0, heart_rate=150, vertical_oscillation=853)),
        (0, record(T0 + 1, heart_rate=151)),
    ]
    rec = read_clean(records_builder(defs, rows).build(), engine=engine).records
    assert "vertical_oscillation_mm" in rec.columns
    assert list(rec.columns).index("vertical_oscillation_mm") >= len(RECORD_COLUMNS)
    vo = rec["vertical_oscillation_mm"].tolist()
    assert vo[0] == pytest.approx(85.3, abs=1e-12) and math.isnan(vo[1])


# --------------------------------------------------------------------------------------
# encodings: compressed timestamps, big-endian, headers, chaining, redefinition


@pytest.mark.parametrize("engine", ENGINES)
def test_compressed_timestamps_with_rollover(engine):
    t = (T0 & ~0x1F) + 30  # low five bits = 30
    b = records_builder(
        {0: ["timestamp", "heart_rate"], 1: ["heart_rate"]},
        [(0, record(t, heart_rate=100))],
    )
    b.compressed(1, 31, 101)  # t + 1
    b.compressed(1, 1, 102)  # 31 -> 1 rolls over: t + 3
    b.compressed(1, 5, 103)  # t + 7
    b.compressed(1, 5, 104)  # same offset: same second, t + 7
    b.compressed(1, 4, 105)  # 5 -> 4 rolls over: t + 38
    b.data(0, t + 100, 106)  # a full timestamp resets the reference
    b.compressed(1, (t + 101) & 0x1F, 107)
    rec = read_clean(b.build(), engine=engine).records
    assert list(rec.index) == [utc(t + d) for d in (0, 1, 3, 7, 7, 38, 100, 101)]
    assert rec["heart_rate_bpm"].tolist() == [100.0, 101, 102, 103, 104, 105, 106, 107]
    assert rec["elapsed_s"].tolist() == [0.0, 1, 3, 7, 7, 38, 100, 101]


@pytest.mark.parametrize("engine", ENGINES)
def test_big_endian_equals_little_endian(engine):
    raw = fb.default_records(8)
    little = read_clean(fb.simple_activity(raw), engine=engine)
    big = read_clean(fb.simple_activity(raw, big_endian=True), engine=engine)
    assert_records(big.records, raw)
    assert_same_activity(little, big)
    assert big.meta.serial_number == little.meta.serial_number == 3_900_123_456
    assert big.meta.sport == "running"


@pytest.mark.parametrize("engine", ENGINES)
def test_mixed_endianness_in_one_file(engine):
    names = ["timestamp", "distance", "heart_rate"]
    b = fb.FitBuilder()
    b.define(0, fb.MESG["record"], [fb.RECORD_FIELDS[n] for n in names], big_endian=True)
    b.define(1, fb.MESG["record"], [fb.RECORD_FIELDS[n] for n in names], big_endian=False)
    b.data(0, T0, 100_000, 140).data(1, T0 + 1, 100_350, 141).data(0, T0 + 2, 100_700, 142)
    rec = read_clean(b.build(), engine=engine).records
    np.testing.assert_allclose(rec["distance_m"], [1000.0, 1003.5, 1007.0], rtol=1e-12)
    assert rec["heart_rate_bpm"].tolist() == [140.0, 141.0, 142.0]


@pytest.mark.parametrize("engine", ENGINES)
def test_twelve_byte_header(engine):
    raw = fb.default_records(6)
    blob = fb.simple_activity(raw, header_size=12)
    assert blob[0] == 12
    act = read_clean(blob, engine=engine)
    assert_records(act.records, raw)
    assert_same_activity(act, read_clean(fb.simple_activity(raw), engine=engine))


@pytest.mark.parametrize("engine", ENGINES)
def test_zero_header_crc_means_not_set(engine):
    raw = fb.default_records(4)
    b = records_builder({0: list(raw[0])}, [(0, r) for r in raw])
    act = read_clean(b.build(header_crc=False), engine=engine)
    assert_records(act.records, raw)


@pytest.mark.parametrize("engine", ENGINES)
def test_chained_files(engine):
    first = fb.default_records(5)
    second = fb.default_records(4, start=T0 + 600)
    blob = fb.chain(fb.simple_activity(first), fb.simple_activity(second, serial_number=7))
    act = read_clean(blob, engine=engine)
    assert_records(act.records, first + second)
    assert len(act.laps) == 2
    assert act.meta.start_time == utc(T0)


@pytest.mark.parametrize("engine", ENGINES)
def test_redefined_local_type_keeps_file_order(engine):
    b = fb.FitBuilder()
    b.define(0, fb.MESG["record"], [fb.RECORD_FIELDS["timestamp"], fb.RECORD_FIELDS["heart_rate"]])
    b.data(0, T0, 100).data(0, T0 + 1, 101)
    # same local type, now a different message layout (more fields, other order)
    b.define(
        0,
        fb.MESG["record"],
        [fb.RECORD_FIELDS["power"], fb.RECORD_FIELDS["heart_rate"], fb.RECORD_FIELDS["timestamp"]],
    )
    b.data(0, 300, 102, T0 + 2).data(0, 301, 103, T0 + 3)
    # and back, as a different global message in between (an event)
    b.define(0, fb.MESG["event"], [(253, "uint32"), (0, "enum"), (1, "enum")])
    b.data(0, T0 + 3, 0, 0)
    b.define(0, fb.MESG["record"], [fb.RECORD_FIELDS["timestamp"], fb.RECORD_FIELDS["heart_rate"]])
    b.data(0, T0 + 4, 104)
    rec = read_clean(b.build(), engine=engine).records
    assert list(rec.index) == [utc(T0 + i) for i in range(5)]
    assert rec["heart_rate_bpm"].tolist() == [100.0, 101, 102, 103, 104]
    np.testing.assert_array_equal(rec["power_w"], [NAN, NAN, 300.0, 301.0, NAN])


@pytest.mark.parametrize("engine", ENGINES)
def test_interleaved_local_types_keep_file_order(engine):
    defs = {0: ["timestamp", "heart_rate"], 1: ["timestamp", "heart_rate", "power"]}
    rows = [
        (0, record(T0, heart_rate=100)),
        (1, record(T0 + 1, heart_rate=101, power=201)),
        (0, record(T0 + 2, heart_rate=102)),
        (1, record(T0 + 3, heart_rate=103, power=203)),
    ]
    rec = read_clean(records_builder(defs, rows).build(), engine=engine).records
    assert rec["heart_rate_bpm"].tolist() == [100.0, 101, 102, 103]
    np.testing.assert_array_equal(rec["power_w"], [NAN, 201.0, NAN, 203.0])


@pytest.mark.parametrize("engine", ENGINES)
def test_developer_fields_named_from_field_description(engine):
    b = fb.FitBuilder()
    b.define(15, fb.MESG["file_id"], [(0, "enum"), (1, "uint16")]).data(15, 4, 1)
    b.developer_field(
        0,
        dev_index=0,
        field_num=0,
        base="uint16",
        name="Power",
        units="Watts",
        developer_id=b"stryd-like-dev",
    )
    b.developer_field(
        0, dev_index=0, field_num=1, base="float32", name="Leg Spring Stiffness", units="KN/m"
    )
    b.define(
        1,
        fb.MESG["record"],
        [fb.RECORD_FIELDS["timestamp"], fb.RECORD_FIELDS["heart_rate"]],
        [(0, "uint16", 0), (1, "float32", 0)],
    )
    b.data(1, T0, 150, 301, 10.5).data(1, T0 + 1, 151, 302, 9.25).data(1, T0 + 2, 152, None, None)
    rec = read_clean(b.build(), engine=engine).records
    assert rec["heart_rate_bpm"].tolist() == [150.0, 151.0, 152.0]
    extra = list(rec.columns[len(RECORD_COLUMNS) :])
    power = [c for c in extra if "power" in c.lower()]
    assert len(power) == 1, extra
    np.testing.assert_array_equal(rec[power[0]].astype(float), [301.0, 302.0, NAN])
    lss = [c for c in extra if "leg_spring_stiffness" in c.lower()]
    assert len(lss) == 1, extra
    np.testing.assert_array_equal(rec[lss[0]].astype(float), [10.5, 9.25, NAN])


@pytest.mark.parametrize("engine", ENGINES)
def test_developer_fields_in_big_endian(engine):
    b = fb.FitBuilder()
    b.developer_field(
        0,
        dev_index=3,
        field_num=7,
        base="uint16",
        name="Power",
        units="Watts",
        developer_id=b"x",
        big_endian=True,
    )
    b.define(
        1,
        fb.MESG["record"],
        [fb.RECORD_FIELDS["timestamp"]],
        [(7, "uint16", 3)],
        big_endian=True,
    )
    b.data(1, T0, 0x0102).data(1, T0 + 1, 0x0201)
    rec = read_clean(b.build(), engine=engine).records
    (power,) = [c for c in rec.columns[len(RECORD_COLUMNS) :] if "power" in c.lower()]
    assert rec[power].astype(float).tolist() == [258.0, 513.0]


@pytest.mark.parametrize("engine", ENGINES)
def test_unknown_messages_and_fields_are_skipped(engine):
    b = fb.FitBuilder()
    # a manufacturer-specific global message, with an array and a string
    b.define(0, 0xFF10, [(0, "uint16", 3), (1, "string", 8), (2, "float64")])
    b.data(0, [1, 2, 3], "abc", 2.5)
    # records with an unknown field number (an array of 4 bytes) between known ones
    b.define(
        1,
        fb.MESG["record"],
        [fb.RECORD_FIELDS["timestamp"], (222, "uint8", 4), fb.RECORD_FIELDS["heart_rate"]],
    )
    b.data(1, T0, [9, 8, 7, 6], 140).data(1, T0 + 1, [None] * 4, 141)
    b.data(0, [4, 5, 6], "zz", -1.0)
    b.data(1, T0 + 2, [1, 1, 1, 1], 142)
    rec = read_clean(b.build(), engine=engine).records
    assert list(rec.index) == [utc(T0 + i) for i in range(3)]
    assert rec["heart_rate_bpm"].tolist() == [140.0, 141.0, 142.0]


# --------------------------------------------------------------------------------------
# damage: CRCs, truncation, undefined local types, misaligned fields, garbage


@pytest.mark.parametrize("engine", ENGINES)
def test_bad_file_crc_warns_or_raises_when_strict(engine):
    raw = fb.default_records(6)
    bad = fb.simple_activity(raw, corrupt_crc=True)
    act = read_damaged(bad, engine=engine)
    assert_records(act.records, raw)  # nothing lost
    assert any("crc" in w.lower() for w in act.meta.warnings)
    with pytest.raises(CorruptFileError) as err:
        ka.read_fit(bad, engine=engine, strict=True)
    assert err.value.source == "<bytes>"


@pytest.mark.parametrize("engine", ENGINES)
def test_bad_header_crc_warns_or_raises_when_strict(engine):
    raw = fb.default_records(6)
    b = records_builder({0: list(raw[0])}, [(0, r) for r in raw])
    bad = b.build(corrupt_header_crc=True)
    act = read_damaged(bad, engine=engine)
    assert_records(act.records, raw)
    with pytest.raises(CorruptFileError):
        ka.read_fit(bad, engine=engine, strict=True)


def _records_with_boundaries(n: int) -> tuple[fb.FitBuilder, list[dict], list[int]]:
    """A records file and the file offsets at which each record message ends."""
    raw = fb.default_records(n)
    names = list(raw[0])
    b = records_builder({0: names}, [])
    ends = []
    for r in raw:
        b.data(0, *(r[k] for k in names))
        ends.append(14 + len(b.body))
    return b, raw, ends


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("into", [1, 5, 20])
def test_truncated_mid_record_keeps_complete_records(engine, into):
    b, raw, ends = _records_with_boundaries(6)
    cut = b.build()[: ends[3] + into]  # 4 complete records, then part of the 5th
    act = read_damaged(cut, engine=engine)
    assert_records(act.records, raw[:4])
    with pytest.raises(CorruptFileError) as err:
        ka.read_fit(cut, engine=engine, strict=True)
    if engine == "native":  # fitparse does not say where it stopped
        assert err.value.offset is not None and ends[3] <= err.value.offset <= len(cut)


@pytest.mark.parametrize("engine", ENGINES)
def test_truncated_at_a_message_boundary(engine):
    b, raw, ends = _records_with_boundaries(6)
    cut = b.build()[: ends[2]]  # no CRC, data size larger than what is there
    act = read_damaged(cut, engine=engine)
    assert_records(act.records, raw[:3])
    with pytest.raises(CorruptFileError):
        ka.read_fit(cut, engine=engine, strict=True)


@pytest.mark.parametrize("engine", ENGINES)
def test_undefined_local_type_recovers_prefix(engine):
    b, raw, ends = _records_with_boundaries(3)
    b.raw(bytes([0x05, 1, 2, 3, 4]))  # data message of local type 5: never defined
    for r in fb.default_records(2, start=T0 + 100):
        b.data(0, *r.values())
    blob = b.build()
    act = read_damaged(blob, engine=engine)
    assert_records(act.records, raw)
    with pytest.raises(CorruptFileError) as err:
        ka.read_fit(blob, engine=engine, strict=True)
    if engine == "native":  # fitparse does not say where it stopped
        assert err.value.offset == ends[-1]  # the header byte of the undefined message


@pytest.mark.parametrize(
    ("field", "size"),
    [("distance", 3), ("distance", 1), ("power", 1), ("power", 3), ("position_lat", 2)],
)
def test_misaligned_field_size_does_not_break_other_fields(field, size):
    num, base = fb.RECORD_FIELDS[field]
    b = fb.FitBuilder()
    b.define(
        0,
        fb.MESG["record"],
        [
            fb.RECORD_FIELDS["timestamp"],
            fb.Field(num, base, 1, size),
            fb.RECORD_FIELDS["heart_rate"],
        ],
    )
    b.data(0, T0, bytes(range(1, size + 1)), 150).data(0, T0 + 1, b"\x07" * size, 151)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        act = ka.read_fit(b.build())
    rec = act.records
    assert list(rec.index) == [utc(T0), utc(T0 + 1)]
    assert rec["heart_rate_bpm"].tolist() == [150.0, 151.0]
    column = {"distance": "distance_m", "power": "power_w", "position_lat": "lat_deg"}[field]
    assert rec[column].dtype == np.float64
    assert rec[column].isna().all()


def test_misaligned_array_field_is_read_as_far_as_possible():
    """A 6-byte uint32 (1.5 elements) next to good fields: no crash, neighbours intact."""
    b = fb.FitBuilder()
    b.define(
        0,
        fb.MESG["record"],
        [fb.RECORD_FIELDS["timestamp"], fb.Field(5, "uint32", 1, 6), fb.RECORD_FIELDS["power"]],
    )
    b.data(0, T0, b"\x01\x00\x00\x00\x02\x00", 250)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        rec = ka.read_fit(b.build()).records
    assert rec["power_w"].tolist() == [250.0]
    assert rec.index[0] == utc(T0)


@pytest.mark.parametrize("engine", ENGINES)
def test_empty_data_section(engine):
    blob = fb.FitBuilder().build()
    assert len(blob) == 16
    with pytest.raises(EmptyActivityError):
        ka.read_fit(blob, engine=engine)
    with pytest.raises(EmptyActivityError):
        ka.read(blob)


@pytest.mark.parametrize("engine", ENGINES)
def test_file_without_records(engine):
    """Well formed, but no samples (a settings or workout file): an Activity without
    records and a warning; analyses raise EmptyActivityError on it. A FIT file with no
    message at all is an EmptyActivityError at once."""
    b = fb.FitBuilder()
    b.define(0, fb.MESG["file_id"], [(0, "enum"), (1, "uint16")]).data(0, 4, 1)
    with pytest.warns(DataQualityWarning, match="no record messages"):
        act = ka.read_fit(b.build(), engine=engine)
    assert len(act.records) == 0
    assert list(act.records.columns) == list(RECORD_COLUMNS)
    assert act.meta.manufacturer == "garmin" and act.meta.extra["file_type"] == "activity"
    with pytest.raises(EmptyActivityError):
        ka.read_fit(fb.FitBuilder().build(), engine=engine)


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00" * 64,
        b"definitely not a watch file, just some text\n" * 3,
        bytes(range(256)),
        b"\x0e\x20\x54\x08\x00\x00\x00\x00.FXT\x00\x00",
    ],
)
def test_garbage_is_unknown_format(garbage):
    with pytest.raises(UnknownFormatError):
        ka.read(garbage)
    with pytest.raises(KickAnalysisError):
        ka.read_fit(garbage)


def test_garbage_after_a_valid_header_is_a_kickanalysis_error():
    b = fb.FitBuilder().raw(bytes([0x41, 0x00]) + bytes(range(200, 256)) * 3)
    blob = b.build()
    with pytest.raises(KickAnalysisError):
        ka.read_fit(blob, strict=True)
    # nothing before the damage holds a sample, so lenient reading cannot succeed either
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        with pytest.raises(KickAnalysisError):
            ka.read_fit(blob)


def read_or_kickanalysis_error(blob: bytes, **kwargs) -> ka.Activity | None:
    """Read *blob*; any failure must be a KickAnalysisError (then None is returned)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        try:
            return ka.read_fit(blob, **kwargs)
        except KickAnalysisError:
            return None


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("field", "spec", "value"),
    [
        ("heart_rate", ("uint16",), 150),  # another integer type: the value still counts
        ("heart_rate", ("string", 4), "abc"),
        ("heart_rate", ("byte", 2), [1, 2]),
        ("distance", ("float32",), 1234.5),
        ("distance", ("string", 3), "e1"),
        ("power", ("uint8", 2), [3, 4]),
    ],
)
def test_known_record_field_with_an_unexpected_base_type(engine, field, spec, value):
    num = fb.RECORD_FIELDS[field][0]
    b = fb.FitBuilder()
    b.define(
        0,
        fb.MESG["record"],
        [fb.RECORD_FIELDS["timestamp"], (num, *spec), fb.RECORD_FIELDS["cadence"]],
    )
    b.data(0, T0, value, 80).data(0, T0 + 1, value, 81)
    act = read_or_kickanalysis_error(b.build(), engine=engine)
    assert act is not None  # only one field is odd: the samples are still there
    rec = act.records
    assert list(rec.index) == [utc(T0), utc(T0 + 1)]
    assert rec["cadence_spm"].tolist() == [160.0, 162.0]
    column = {"heart_rate": "heart_rate_bpm", "distance": "distance_m", "power": "power_w"}[field]
    assert rec[column].dtype == np.float64
    if spec == ("uint16",):
        assert rec[column].tolist() == [150.0, 150.0]
    elif spec == ("float32",):  # a float where the profile has uint32: scaled, or dropped
        vals = rec[column].to_numpy()
        assert np.isnan(vals).all() or np.allclose(vals, 1234.5 / 100, rtol=1e-12)
    elif spec[0] in ("string", "byte"):
        assert rec[column].isna().all()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("mesg", "fields", "values"),
    [
        ("file_id", [(0, "string", 2), (1, "uint16")], ("x", 1)),  # type as a string
        ("file_id", [(0, "enum", 3), (3, "byte", 4)], ([4, 4, 4], [1, 2, 3, 4])),
        ("session", [(5, "string", 3), (2, "float64")], ("ab", 1.5)),  # sport, start_time
        ("lap", [(9, "string", 3), (7, "byte", 4), (2, "uint32", 2)], ("a", [1] * 4, [5, 6])),
        ("event", [(253, "uint32"), (0, "string", 2), (1, "enum", 2)], (T0, "q", [0, 4])),
        ("record", [(253, "uint32", 2), (3, "uint8")], ([T0, T0], 140)),  # array timestamp
        ("record", [(253, "string", 4), (3, "uint8")], ("abc", 140)),
    ],
)
def test_odd_base_types_in_other_messages_never_escape(engine, mesg, fields, values):
    """Any base type on any known field: an Activity or a KickAnalysisError, nothing else."""
    b = fb.FitBuilder()
    names = ["timestamp", "heart_rate"]
    b.define(0, fb.MESG["record"], [fb.RECORD_FIELDS[n] for n in names])
    b.data(0, T0, 150).data(0, T0 + 1, 151)
    b.define(1, fb.MESG[mesg], fields).data(1, *values)
    act = read_or_kickanalysis_error(b.build(), engine=engine)
    if act is not None:
        assert act.records["heart_rate_bpm"].iloc[:2].tolist() == [150.0, 151.0]


_BASE_FILES = [
    fb.simple_activity(n=6),
    fb.simple_activity(n=6, big_endian=True),
    fb.records_file(
        {
            "fields": ["heart_rate", "distance", "cadence", "fractional_cadence"],
            "big_endian": False,
            "compressed": True,
            "records": [
                record(
                    T0 + i, heart_rate=100 + i, distance=350 * i, cadence=85, fractional_cadence=i
                )
                for i in range(6)
            ],
        }
    ),
]


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(range(len(_BASE_FILES))),
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=4),
    keep=st.floats(0.0, 1.0),
)
def test_mutated_files_parse_or_raise_kickanalysis_error(engine, base, edits, keep):
    blob = bytearray(_BASE_FILES[base])
    for pos, byte in edits:
        blob[pos % len(blob)] = byte
    blob = bytes(blob[: max(12, round(keep * len(blob)))])
    act = read_or_kickanalysis_error(blob, engine=engine)
    if act is not None:
        assert list(act.records.columns[: len(RECORD_COLUMNS)]) == list(RECORD_COLUMNS)
        assert not act.records.index.hasnans
        assert act.records.index.is_monotonic_increasing


@pytest.mark.parametrize("engine", ENGINES)
def test_records_without_a_timestamp_leave_no_nat_in_the_index(engine):
    defs = {0: ["timestamp", "heart_rate"], 1: ["heart_rate"]}
    rows = [(0, record(T0 + i, heart_rate=100 + i)) for i in range(3)]
    rows += [(1, {"heart_rate": 90}), (1, {"heart_rate": 91})]  # no time at all
    rows += [(0, record(T0 + 3, heart_rate=103))]
    act = read_or_kickanalysis_error(records_builder(defs, rows).build(), engine=engine)
    assert act is not None
    idx = act.records.index
    assert not idx.hasnans and idx.is_monotonic_increasing
    timed = act.records.loc[[utc(T0 + i) for i in range(4)], "heart_rate_bpm"]
    assert timed.tolist()[:3] == [100.0, 101.0, 102.0] and timed.tolist()[-1] == 103.0


@pytest.mark.parametrize("engine", ENGINES)
def test_no_record_has_a_timestamp(engine):
    """No time base at all: the samples are kept, one second apart, and flagged."""
    b = records_builder(
        {1: ["heart_rate", "distance"]},
        [(1, {"heart_rate": 90 + i, "distance": 500 * i}) for i in range(3)],
    )
    with pytest.warns(DataQualityWarning, match="no record message has a timestamp"):
        act = ka.read_fit(b.build(), engine=engine)
    rec = act.records
    assert rec["heart_rate_bpm"].tolist() == [90.0, 91.0, 92.0]
    assert rec["distance_m"].tolist() == [0.0, 5.0, 10.0]
    assert not rec.index.hasnans and rec.index.is_monotonic_increasing
    assert (rec.index[1:] - rec.index[:-1]).total_seconds().tolist() == [1.0, 1.0]
    assert act.meta.extra["timed"] is False
    assert rec["elapsed_s"].isna().all()  # no time in the file: no elapsed time
    with pytest.raises(CorruptFileError):
        ka.read_fit(b.build(), engine=engine, strict=True)


# --------------------------------------------------------------------------------------
# property: random record files decode to exactly what was encoded


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=fb.record_specs())
def test_random_record_files_decode_exactly(engine, spec):
    raw = spec["records"]
    act = read_clean(fb.records_file(spec), engine=engine)
    assert_records(act.records, raw)
    want = [_v(r, "vertical_oscillation") / 10 for r in raw]
    if not all(math.isnan(w) for w in want):
        np.testing.assert_allclose(act.records["vertical_oscillation_mm"], want, rtol=1e-12)
    elif "vertical_oscillation_mm" in act.records:  # never valid: the column may be left out
        assert act.records["vertical_oscillation_mm"].isna().all()
