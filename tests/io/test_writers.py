"""Round trips through the writers: an Activity built in memory, written as FIT and GPX,
read back by kickanalysis and by independent readers (fitparse, the Garmin FIT SDK,
gpxpy), with every value compared at the resolution of the format."""

from __future__ import annotations

import io
import struct
import warnings
import xml.etree.ElementTree as ET

import fitparse
import gpxpy
import numpy as np
import pandas as pd
import pytest
from garmin_fit_sdk import Decoder, Stream

import kickanalysis as ka
from kickanalysis.activity import Activity, Meta
from kickanalysis.io.fit.crc import crc16
from kickanalysis.schema import SPLIT_DTYPES, empty_splits, records_frame

T0 = pd.Timestamp("2024-05-04T09:00:00Z")
SEC = 1_000_000_000
DEG_PER_SEMICIRCLE = 180.0 / 2**31
N = 120
PAUSE_AT = 60  # records 0..59, a 45 s pause, records 60..119
PAUSE_S = 45  # extra gap; the pause runs from record 59 to record 60: 46 s
PAUSED_S = PAUSE_S + 1


# --------------------------------------------------------------------------- inputs
def _times() -> np.ndarray:
    t = T0.value + np.arange(N, dtype=np.int64) * SEC
    t[PAUSE_AT:] += PAUSE_S * SEC
    return t


def _values(*, on_grid: bool) -> dict[str, np.ndarray]:
    """Record values; *on_grid*: exactly representable in FIT (so they round-trip exactly)."""
    rng = np.random.default_rng(7)
    i = np.arange(N, dtype=np.float64)
    if on_grid:
        lat = (560_000_000 + 1_234 * np.arange(N)) * DEG_PER_SEMICIRCLE
        lon = (95_000_000 - 777 * np.arange(N)) * DEG_PER_SEMICIRCLE
        ele = 420.0 + 0.2 * np.arange(N) % 7
    else:
        lat = 46.9 + 1e-5 * i + rng.uniform(0, 1e-7, N)
        lon = 7.95 - 1.3e-5 * i + rng.uniform(0, 1e-7, N)
        ele = 420.0 + rng.uniform(-3, 3, N)
    hr = 120.0 + (i // 3) % 50
    hr[[5, 6, 77]] = np.nan  # dropouts
    return {
        "lat_deg": lat,
        "lon_deg": lon,
        "elevation_m": ele,
        "distance_m": np.cumsum(np.full(N, 3.37)) - 3.37 + rng.uniform(0, 0.004, N),
        "speed_mps": 3.2 + 0.4 * np.sin(i / 10) + rng.uniform(0, 0.0004, N),
        "heart_rate_bpm": hr,
        "cadence_spm": 168.0 + (i % 9) + rng.choice([0.0, 0.25, 0.5], N),
        "power_w": 240.0 + (i % 31),
        "temperature_c": 18.0 - (i // 40),
    }


def _laps(records: pd.DataFrame) -> pd.DataFrame:
    """Two device laps, split at the pause, with values a watch would summarise."""
    rows = []
    for k, (lo, hi) in enumerate(((0, 40), (40, N))):
        part = records.iloc[lo:hi]
        start, end = part.index[0], part.index[-1]
        duration = (end - start).total_seconds()
        moving = duration - (PAUSED_S if lo < PAUSE_AT < hi else 0)
        dist = float(part["distance_m"].iloc[-1] - part["distance_m"].iloc[0])
        rows.append(
            {
                "split": k + 1,
                "start_time": start,
                "end_time": end,
                "start_elapsed_s": float(part["elapsed_s"].iloc[0]),
                "end_elapsed_s": float(part["elapsed_s"].iloc[-1]),
                "start_distance_m": float(part["distance_m"].iloc[0]),
                "end_distance_m": float(part["distance_m"].iloc[-1]),
                "distance_m": dist,
                "duration_s": duration,
                "moving_s": moving,
                "pace_s_per_km": 1000.0 * moving / dist,
                "speed_mps": round(dist / moving, 3),
                "gap_speed_mps": np.nan,
                "heart_rate_mean_bpm": round(float(part["heart_rate_bpm"].mean())),
                "heart_rate_max_bpm": float(part["heart_rate_bpm"].max()),
                "cadence_mean_spm": 171.5,
                "elevation_gain_m": 12.0 + k,
                "elevation_loss_m": 9.0 + k,
                "partial": False,
            }
        )
    return pd.DataFrame(rows).astype(
        {k: v for k, v in SPLIT_DTYPES.items() if not k.endswith("_time")}
    )


def make_activity(
    *,
    on_grid: bool = True,
    laps: bool = True,
    sport: str | None = "running",
    sub_sport: str | None = "trail",
    values: dict[str, np.ndarray] | None = None,
    extra_columns: dict[str, np.ndarray] | None = None,
    meta_extra: dict | None = None,
) -> Activity:
    t = _times()
    records = records_frame(
        t, values if values is not None else _values(on_grid=on_grid), extra=extra_columns
    )
    pauses = (
        (pd.Timestamp(int(t[PAUSE_AT - 1]), tz="UTC"), pd.Timestamp(int(t[PAUSE_AT]), tz="UTC")),
    )
    meta = Meta(
        format="fit",
        source="memory",
        sport=sport,
        sub_sport=sub_sport,
        product="4242",
        serial_number=123_456_789,
        start_time=T0,
        pauses=pauses,
        name="Tempo & <hills>",
        extra=meta_extra or {},
    )
    return Activity(records=records, laps=_laps(records) if laps else empty_splits(), meta=meta)


def read_quiet(data: bytes, **kwargs) -> Activity:
    """Read and fail on any DataQualityWarning: written files must need no repair."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ka.DataQualityWarning)
        return ka.read(data, **kwargs)


# expected values after FIT quantisation (the reader's formulas: raw / scale - offset)
def q_fit(values: np.ndarray, scale: float, offset: float = 0.0) -> np.ndarray:
    raw = np.rint((values + offset) * scale)
    return (raw - offset * scale) / scale  # the reader's exact-decimal form of raw/scale - offset


def q_cadence(spm: np.ndarray) -> np.ndarray:
    raw = np.rint(spm / 2 * 128)
    whole = np.floor(raw / 128)
    return 2.0 * (whole + (raw - whole * 128) / 128)


# --------------------------------------------------------------------------- FIT
class TestFitRoundTrip:
    def test_records_exact_on_grid(self):
        act = make_activity()
        back = read_quiet(ka.write_fit(act))
        rec, src = back.records, act.records
        assert len(rec) == N
        assert (rec.index == src.index).all()
        np.testing.assert_array_equal(rec["elapsed_s"], src["elapsed_s"])
        for col in ("lat_deg", "lon_deg", "heart_rate_bpm", "power_w", "temperature_c"):
            np.testing.assert_array_equal(rec[col], src[col], err_msg=col)
        np.testing.assert_array_equal(rec["elevation_m"], q_fit(src["elevation_m"], 5, 500))
        np.testing.assert_array_equal(rec["distance_m"], q_fit(src["distance_m"], 100))
        np.testing.assert_array_equal(rec["speed_mps"], q_fit(src["speed_mps"], 1000))
        np.testing.assert_array_equal(rec["cadence_spm"], q_cadence(src["cadence_spm"]))
        # cadence steps of 0.25 spm are multiples of 1/128 rpm: exact
        np.testing.assert_array_equal(rec["cadence_spm"], src["cadence_spm"])
        assert np.isnan(rec["heart_rate_bpm"].iloc[[5, 6, 77]]).all()

    def test_records_within_resolution_off_grid(self):
        act = make_activity(on_grid=False)
        rec, src = read_quiet(ka.write_fit(act)).records, act.records
        half = {
            "lat_deg": DEG_PER_SEMICIRCLE / 2,
            "lon_deg": DEG_PER_SEMICIRCLE / 2,
            "elevation_m": 0.1,
            "distance_m": 0.005,
            "speed_mps": 0.0005,
        }
        for col, tol in half.items():
            err = np.abs(rec[col].to_numpy() - src[col].to_numpy())
            assert err.max() <= tol * (1 + 1e-9), col
        np.testing.assert_allclose(
            rec["lat_deg"], q_fit(src["lat_deg"], 2**31 / 180), rtol=0, atol=1e-15
        )
        np.testing.assert_array_equal(rec["distance_m"], q_fit(src["distance_m"], 100))
        np.testing.assert_array_equal(rec["speed_mps"], q_fit(src["speed_mps"], 1000))

    def test_pauses_laps_and_meta(self):
        act = make_activity()
        back = read_quiet(ka.write_fit(act))
        assert back.meta.pauses == act.meta.pauses
        assert back.meta.sport == "running"
        assert back.meta.sub_sport == "trail"
        assert back.meta.manufacturer == "development"
        assert back.meta.product == "4242"
        assert back.meta.serial_number == 123_456_789
        assert back.meta.start_time == T0
        assert back.meta.extra["file_type"] == "activity"
        ses = back.meta.extra["sessions"][0]
        assert ses["total_elapsed_time"] == N - 1 + PAUSE_S
        assert ses["total_timer_time"] == N - 1 + PAUSE_S - PAUSED_S
        assert ses["total_distance"] == pytest.approx(
            round((act.records["distance_m"].iloc[-1] - act.records["distance_m"].iloc[0]) * 100)
            / 100,
            abs=1e-9,
        )
        laps, src = back.laps, act.laps
        assert len(laps) == 2
        pd.testing.assert_series_equal(laps["start_time"], src["start_time"], check_names=False)
        pd.testing.assert_series_equal(laps["end_time"], src["end_time"], check_names=False)
        for col in (
            "duration_s",
            "moving_s",
            "heart_rate_mean_bpm",
            "heart_rate_max_bpm",
            "speed_mps",
            "elevation_gain_m",
            "elevation_loss_m",
            "cadence_mean_spm",
        ):
            np.testing.assert_array_equal(laps[col], src[col], err_msg=col)
        np.testing.assert_array_equal(laps["distance_m"], q_fit(src["distance_m"], 100))
        np.testing.assert_array_equal(laps["start_elapsed_s"], [0.0, 40.0])
        assert list(laps.columns) == list(SPLIT_DTYPES)

    def test_one_lap_over_everything_without_laps(self):
        act = make_activity(laps=False)
        back = read_quiet(ka.write_fit(act))
        assert len(back.laps) == 1
        lap = back.laps.iloc[0]
        assert lap["start_time"] == T0
        assert lap["end_time"] == act.records.index[-1]
        assert lap["duration_s"] == N - 1 + PAUSE_S
        assert lap["moving_s"] == N - 1 + PAUSE_S - PAUSED_S
        hr = act.records["heart_rate_bpm"]
        assert lap["heart_rate_max_bpm"] == hr.max()
        assert lap["heart_rate_mean_bpm"] == round(hr.mean())
        dist = act.records["distance_m"]
        assert lap["distance_m"] == round((dist.iloc[-1] - dist.iloc[0]) * 100) / 100
        steps = np.diff(act.records["elevation_m"].to_numpy())
        assert lap["elevation_gain_m"] == round(steps[steps > 0].sum())
        assert lap["elevation_loss_m"] == round(-steps[steps < 0].sum())

    def test_absent_columns_are_not_written_and_nan_stays_nan(self):
        vals = _values(on_grid=True)
        for col in ("power_w", "temperature_c", "cadence_spm"):
            vals.pop(col)
        vals["lat_deg"][10:15] = np.nan
        vals["lon_deg"][10:15] = np.nan
        vals["elevation_m"][3] = np.nan
        data = ka.write_fit(make_activity(values=vals))
        names = {f.name for m in fitparse.FitFile(data).get_messages("record") for f in m.fields}
        assert names == {
            "timestamp",
            "position_lat",
            "position_long",
            "enhanced_altitude",
            "altitude",
            "distance",
            "enhanced_speed",
            "speed",
            "heart_rate",
        }
        rec = read_quiet(data).records
        assert rec[["power_w", "temperature_c", "cadence_spm"]].isna().all().all()
        assert rec["lat_deg"].iloc[10:15].isna().all()
        assert rec["lat_deg"].iloc[[9, 15]].notna().all()
        assert np.isnan(rec["elevation_m"].iloc[3])

    def test_values_beyond_16_bits_use_the_enhanced_fields(self):
        vals = _values(on_grid=True)
        vals["elevation_m"][:] = 13_000.0  # above the 16-bit altitude range
        vals["speed_mps"][:] = 70.0  # above the 16-bit speed range
        data = ka.write_fit(make_activity(values=vals))
        rec = read_quiet(data).records
        assert (rec["elevation_m"] == 13_000.0).all()
        assert (rec["speed_mps"] == 70.0).all()
        first = next(fitparse.FitFile(data).get_messages("record"))
        assert first.get_value("altitude") is None and first.get_value("speed") is None

    def test_cycling_cadence_is_crank_rpm(self):
        rpm = np.full(N, 91.5)
        act = make_activity(sport="cycling", sub_sport="road", extra_columns={"cadence_rpm": rpm})
        back = read_quiet(ka.write_fit(act))
        assert back.meta.sport == "cycling"
        assert back.records["cadence_spm"].isna().all()
        np.testing.assert_array_equal(back.records["cadence_rpm"], rpm)

    def test_unknown_sport_is_left_invalid(self):
        back = read_quiet(ka.write_fit(make_activity(sport=None, sub_sport=None)))
        assert back.meta.sport is None and back.meta.sub_sport is None
        # an unknown sport counts as a foot sport on both sides: cadence per leg
        np.testing.assert_array_equal(
            back.records["cadence_spm"], make_activity().records["cadence_spm"]
        )

    def test_fitparse_engine_reads_the_same(self):
        data = ka.write_fit(make_activity(on_grid=False))
        native = read_quiet(data).records
        other = read_quiet(data, engine="fitparse").records
        pd.testing.assert_frame_equal(
            native[list(native.columns[:10])], other[list(native.columns[:10])]
        )

    def test_header_and_crcs(self):
        data = ka.write_fit(make_activity())
        size, proto, profile, data_size, magic, hcrc = struct.unpack_from("<BBHI4sH", data)
        assert (size, proto, magic) == (14, 0x20, b".FIT")
        assert profile == 21218
        assert data_size == len(data) - 16
        assert hcrc == crc16(data[:12])
        assert struct.unpack("<H", data[-2:])[0] == crc16(data[:-2])
        assert crc16(data) == 0  # a CRC over data plus its CRC is zero

    def test_fitparse_reads_it(self):
        data = ka.write_fit(make_activity())
        ff = fitparse.FitFile(io.BytesIO(data), check_crc=True)
        msgs = list(ff.get_messages())
        names = [m.name for m in msgs]
        assert names.count("record") == N
        assert names.count("lap") == 2
        assert names[0] == "file_id" and names[-1] == "activity"
        assert [m.get_value("event_type") for m in msgs if m.name == "event"] == [
            "start",
            "stop_all",
            "start",
            "stop_all",
        ]
        fid = msgs[0]
        assert fid.get_value("manufacturer") == "development"
        assert fid.get_value("type") == "activity"
        first = next(m for m in msgs if m.name == "record")
        assert first.get_value("position_lat") == 560_000_000
        assert first.get_value("heart_rate") == 120

    def test_garmin_sdk_reads_it(self):
        data = ka.write_fit(make_activity())
        assert Decoder(Stream.from_byte_array(bytearray(data))).is_fit()
        assert Decoder(Stream.from_byte_array(bytearray(data))).check_integrity()
        messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
        assert errors == []
        assert len(messages["record_mesgs"]) == N
        assert len(messages["lap_mesgs"]) == 2
        ses = messages["session_mesgs"][0]
        assert ses["sport"] == "running" and ses["sub_sport"] == "trail"
        assert ses["total_timer_time"] == N - 1 + PAUSE_S - PAUSED_S
        rec = messages["record_mesgs"][-1]
        assert rec["position_long"] == 95_000_000 - 777 * (N - 1)
        assert rec["timestamp"] == (T0 + pd.Timedelta(seconds=N - 1 + PAUSE_S)).to_pydatetime()

    def test_write_to_path_and_file_object(self, tmp_path):
        act = make_activity()
        data = ka.write_fit(act)
        assert ka.write_fit(act, tmp_path / "a.fit") is None
        assert (tmp_path / "a.fit").read_bytes() == data
        buf = io.BytesIO()
        assert ka.write_fit(act, buf) is None
        assert buf.getvalue() == data
        with pytest.raises(TypeError):
            ka.write_fit(act, 42)

    def test_activity_read_from_fit_writes_back_identically(self):
        # after one quantisation, reading and writing is a fixed point, byte for byte
        first = ka.write_fit(make_activity(on_grid=False))
        second = ka.write_fit(read_quiet(first))
        assert ka.write_fit(read_quiet(second)) == second
        # the only difference to the first file: the session ascent, summed over the
        # quantised elevations (0.2 m steps) instead of the original ones
        assert len(second) == len(first)
        diff = [
            m.name
            for m, n in zip(
                fitparse.FitFile(first).get_messages(), fitparse.FitFile(second).get_messages()
            )
            if m.get_values() != n.get_values()
        ]
        assert diff == ["session"]


# --------------------------------------------------------------------------- GPX
def _gpx_values() -> dict[str, np.ndarray]:
    """Values GPX holds exactly: 9-decimal positions, mm elevation, whole hr/power."""
    i = np.arange(N)
    lat = np.array([float(f"47.{123456789 + 997 * k:09d}") for k in i])
    lon = np.array([float(f"-8.{987654321 - 1301 * k:09d}") for k in i])
    return {
        "lat_deg": lat,
        "lon_deg": lon,
        "elevation_m": np.array([float(f"{412.345 + np.sin(k / 9) * 5:.3f}") for k in i]),
        "speed_mps": np.array([float(f"{3.1 + 0.5 * np.cos(k / 7):.3f}") for k in i]),
        "heart_rate_bpm": 118.0 + i % 45,
        "cadence_spm": 166.0 + 2 * (i % 5),
        "power_w": 230.0 + i % 40,
        "temperature_c": 21.5 - (i // 30) * 0.25,
    }


class TestGpxRoundTrip:
    def test_records_exact(self):
        act = make_activity(values=_gpx_values())
        back = read_quiet(ka.write_gpx(act))
        rec, src = back.records, act.records
        assert (rec.index == src.index).all()
        for col in (
            "lat_deg",
            "lon_deg",
            "elevation_m",
            "speed_mps",
            "heart_rate_bpm",
            "cadence_spm",
            "power_w",
            "temperature_c",
        ):
            np.testing.assert_array_equal(rec[col], src[col], err_msg=col)
        assert "cadence_rpm" not in rec  # a run's cadence is in steps only, as in FIT
        assert back.meta.pauses == act.meta.pauses
        assert back.meta.extra["segments"] == 2
        assert back.meta.sport == "running"
        assert back.meta.name == "Tempo & <hills>"
        assert back.meta.extra["creator"] == "kickanalysis"

    def test_positions_within_1e_9(self):
        act = make_activity(on_grid=False)
        rec = read_quiet(ka.write_gpx(act)).records
        for col in ("lat_deg", "lon_deg"):
            assert np.abs(rec[col].to_numpy() - act.records[col].to_numpy()).max() <= 5e-10 + 1e-14

    def test_fractional_seconds_only_when_present(self):
        t = _times()
        t[3] += 250_000_000
        t[4] += 1_000
        records = records_frame(t, _gpx_values())
        act = Activity(records, empty_splits(), Meta("fit", "m", sport="running"))
        doc = ka.write_gpx(act).decode()
        assert "<time>2024-05-04T09:00:00Z</time>" in doc
        assert "<time>2024-05-04T09:00:03.25Z</time>" in doc
        assert "<time>2024-05-04T09:00:04.000001Z</time>" in doc
        back = read_quiet(doc.encode())
        assert (back.records.index == records.index).all()

    def test_rows_without_position_are_skipped(self):
        vals = _gpx_values()
        vals["lat_deg"][[0, 50, 51]] = np.nan
        vals["lon_deg"][70] = np.nan
        act = make_activity(values=vals)
        back = read_quiet(ka.write_gpx(act))
        keep = np.ones(N, bool)
        keep[[0, 50, 51, 70]] = False
        assert len(back.records) == N - 4
        assert (back.records.index == act.records.index[keep]).all()
        np.testing.assert_array_equal(
            back.records["heart_rate_bpm"], act.records["heart_rate_bpm"][keep]
        )

    def test_gpxpy_reads_the_same(self):
        act = make_activity(values=_gpx_values())
        doc = gpxpy.parse(ka.write_gpx(act).decode())
        assert doc.version == "1.1" and doc.creator == "kickanalysis"
        assert len(doc.tracks) == 1
        segs = doc.tracks[0].segments
        assert [len(s.points) for s in segs] == [PAUSE_AT, N - PAUSE_AT]
        pts = [p for s in segs for p in s.points]
        src = act.records
        np.testing.assert_array_equal([p.latitude for p in pts], src["lat_deg"])
        np.testing.assert_array_equal([p.longitude for p in pts], src["lon_deg"])
        np.testing.assert_array_equal([p.elevation for p in pts], src["elevation_m"])
        assert [pd.Timestamp(p.time) for p in pts] == list(src.index)
        ext = {"hr": [], "cad": [], "power": [], "speed": []}
        for p in pts:
            for e in p.extensions:
                for el in e.iter():
                    tag = el.tag.rsplit("}", 1)[-1]
                    if tag in ext:
                        ext[tag].append(float(el.text))
        np.testing.assert_array_equal(ext["hr"], src["heart_rate_bpm"])
        np.testing.assert_array_equal(ext["cad"], src["cadence_spm"] / 2)
        np.testing.assert_array_equal(ext["power"], src["power_w"])
        np.testing.assert_array_equal(ext["speed"], src["speed_mps"])
        # and kickanalysis' gpxpy engine agrees with its native one
        data = ka.write_gpx(act)
        pd.testing.assert_frame_equal(
            read_quiet(data).records, read_quiet(data, engine="gpxpy").records
        )

    def test_wellformed_namespaced_xml(self):
        root = ET.fromstring(ka.write_gpx(make_activity(values=_gpx_values())))
        ns = {
            "g": "http://www.topografix.com/GPX/1/1",
            "x": "http://www.garmin.com/xmlschemas/TrackPointExtension/v2",
        }
        assert root.tag == "{http://www.topografix.com/GPX/1/1}gpx"
        hr = root.findall("g:trk/g:trkseg/g:trkpt/g:extensions/x:TrackPointExtension/x:hr", ns)
        assert len(hr) == N
        assert root.find("g:trk/g:type", ns).text == "running"

    def test_route_without_times(self):
        vals = _gpx_values()
        act = make_activity(values=vals, laps=False, meta_extra={"timed": False})
        data = ka.write_gpx(act)
        assert b"<rte>" in data and b"<trk>" not in data
        assert data.count(b"<time>") == 1  # the metadata time only
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ka.DataQualityWarning)  # "no timestamps"
            back = ka.read(data)
        assert back.meta.extra["kind"] == "route"
        assert back.meta.extra["timed"] is False
        np.testing.assert_array_equal(back.records["lat_deg"], vals["lat_deg"])
        np.testing.assert_array_equal(back.records["elevation_m"], vals["elevation_m"])
        # placed 1 s apart from the metadata time
        assert back.records.index[0] == T0
        assert (np.diff(back.records.index.asi8) == SEC).all()
        route = gpxpy.parse(data.decode()).routes[0]
        assert len(route.points) == N

    def test_cycling_cadence_is_crank_rpm(self):
        vals = _gpx_values()
        rpm = np.full(N, 88.0)
        act = make_activity(values=vals, sport="cycling", extra_columns={"cadence_rpm": rpm})
        back = read_quiet(ka.write_gpx(act))
        np.testing.assert_array_equal(back.records["cadence_rpm"], rpm)

    def test_write_to_path(self, tmp_path):
        act = make_activity(values=_gpx_values())
        ka.write_gpx(act, tmp_path / "a.gpx", creator="me & you")
        data = (tmp_path / "a.gpx").read_bytes()
        assert b'creator="me &amp; you"' in data
        assert read_quiet(data).meta.extra["creator"] == "me & you"


def test_fit_to_gpx_to_same_positions():
    """FIT-quantised positions survive GPX within 5e-10 deg."""
    fit = read_quiet(ka.write_fit(make_activity(on_grid=False)))
    gpx = read_quiet(ka.write_gpx(fit))
    assert np.abs(gpx.records["lat_deg"] - fit.records["lat_deg"]).max() <= 5e-10 + 1e-14
    np.testing.assert_array_equal(gpx.records["heart_rate_bpm"], fit.records["heart_rate_bpm"])


@pytest.mark.parametrize(
    "sport,expected",
    [
        ("trail_running", ("running", "trail")),
        ("treadmill", ("running", "treadmill")),
        ("mountain_biking", ("cycling", "mountain")),
        ("running", ("running", None)),
    ],
)
def test_fit_keeps_a_sport_given_as_a_sub_sport_name(sport, expected):
    sim = ka.simulate_run(duration_s=120, sport=sport, seed=1)
    back = read_quiet(ka.write_fit(sim.activity))
    assert (back.meta.sport, back.meta.sub_sport) == expected
