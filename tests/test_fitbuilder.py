"""The test FIT encoder (``tests/fitbuilder.py``) checked against fitparse and the FIT SDK.

If these pass, the bytes the builder writes are FIT as two independent decoders read
it, so the decoder tests built on it test kickanalysis and not the builder.
"""

from __future__ import annotations

import io
import struct

import fitbuilder as fb
import fitparse
import pytest
from fitparse.utils import FitCRCError, FitParseError
from garmin_fit_sdk import Decoder, Stream
from garmin_fit_sdk.crc_calculator import CrcCalculator
from hypothesis import HealthCheck, given, settings

T0 = fb.DEFAULT_START
#: garmin_fit_sdk options that keep every value raw, as written.
SDK_RAW = {
    "apply_scale_and_offset": False,
    "convert_datetimes_to_dates": False,
    "convert_types_to_strings": False,
    "expand_components": False,
    "expand_sub_fields": False,
    "merge_heart_rates": False,
}


def fitparse_messages(data: bytes, name: str | None = None, **kwargs) -> list[dict]:
    """Raw field values of every data message (optionally only *name*) via fitparse."""
    ff = fitparse.FitFile(io.BytesIO(data), **kwargs)
    out = []
    for m in ff.get_messages(name):
        out.append({f.name: f.raw_value for f in m.fields if f.field_def is not None})
    return out


def sdk_read(data: bytes, **kwargs) -> tuple[dict, list]:
    """Messages and errors via the FIT SDK (raw values unless *kwargs* say otherwise)."""
    return Decoder(Stream.from_byte_array(bytearray(data))).read(**{**SDK_RAW, **kwargs})


def sdk_ok(data: bytes) -> bool:
    """The FIT SDK's own header/size/CRC integrity check."""
    return Decoder(Stream.from_byte_array(bytearray(data))).check_integrity()


def present(rec: dict) -> dict:
    """A raw record dict without its invalid (None) values."""
    return {k: v for k, v in rec.items() if v is not None}


# -- CRC, header, helpers ----------------------------------------------------------------


def test_crc16_check_value_and_agrees_with_sdk_and_fitparse():
    from fitparse.records import Crc

    assert fb.crc16(b"123456789") == 0xBB3D  # CRC-16/ARC check value
    assert fb.crc16(b"") == 0
    blob = fb.simple_activity(n=5)
    crc = Crc()
    crc.update(blob[:-2])
    assert fb.crc16(blob[:-2]) == crc.value
    assert fb.crc16(blob[:-2]) == CrcCalculator.calculate_crc(bytearray(blob), 0, len(blob) - 2)
    # the CRC over a whole file including its own CRC is zero
    assert fb.crc16(blob) == 0


def test_header_layout():
    b = fb.FitBuilder().define(0, 20, [(253, "uint32"), (3, "uint8")]).data(0, T0, 150)
    blob = b.build(protocol_version=0x10, profile_version=2100)
    size, proto, profile, data_size, magic, hcrc = struct.unpack("<BBHI4sH", blob[:14])
    assert (size, proto, profile, magic) == (14, 0x10, 2100, b".FIT")
    assert data_size == len(b.body) == len(blob) - 16
    assert hcrc == fb.crc16(blob[:12])
    assert struct.unpack("<H", blob[-2:])[0] == fb.crc16(blob[:-2])
    # record header 0x40 | local, reserved, architecture 0, global 20 LE, 2 fields
    assert blob[14:20] == bytes([0x40, 0, 0, 20, 0, 2])
    assert blob[20:26] == bytes([253, 4, 0x86, 3, 1, 0x02])

    short = b.build(header_size=12)
    assert short[0] == 12 and short[8:12] == b".FIT" and len(short) == len(blob) - 2
    assert b.build(header_crc=False)[12:14] == b"\x00\x00"


def test_big_endian_definition_bytes():
    b = fb.FitBuilder().define(2, 0x0102, [(253, "uint32")], big_endian=True).data(2, 0x0A0B0C0D)
    body = b.body
    assert body[:6] == bytes([0x42, 0, 1, 0x01, 0x02, 1])
    assert body[9:] == bytes([2, 0x0A, 0x0B, 0x0C, 0x0D])


def test_developer_definition_bytes():
    b = fb.FitBuilder().define(1, 20, [(3, "uint8")], [(7, "uint16", 2)])
    assert b.body == bytes([0x61, 0, 0, 20, 0, 1, 3, 1, 2, 1, 7, 2, 2])


def test_compressed_header_byte():
    b = fb.FitBuilder().define(3, 20, [(3, "uint8")]).compressed(3, 37, 99)
    assert b.body[-2:] == bytes([0x80 | (3 << 5) | 5, 99])
    with pytest.raises(ValueError):
        b.compressed(4, 1, 99)


def test_unit_helpers():
    assert fb.semicircles(180.0) == 2**31
    assert fb.semicircles(-90.0) == -(2**30)
    assert fb.degrees_from_semicircles(fb.semicircles(47.5)) == pytest.approx(47.5, abs=1e-7)
    assert fb.degrees_from_semicircles(2**30) == 90.0
    assert fb.fit_time("1989-12-31T00:00:00Z") == 0
    assert fb.unix_from_fit(0) == 631065600 == fb.FIT_EPOCH_S
    assert fb.fit_time("2021-06-01T06:00:00Z") == 1622527200 - 631065600
    assert fb.distance_raw(1234.56) == 123456
    assert fb.speed_raw(3.5) == 3500
    assert fb.altitude_raw(0.0) == 2500
    assert fb.altitude_raw(-500.0) == 0
    assert fb.altitude_from_raw(fb.altitude_raw(420.2)) == pytest.approx(420.2)


def test_encoder_rejects_wrong_value_counts():
    b = fb.FitBuilder().define(0, 20, [(3, "uint8"), (4, "uint8")])
    with pytest.raises(ValueError):
        b.data(0, 1)
    with pytest.raises(ValueError):
        b.data(5, 1, 2)
    b = fb.FitBuilder().define(0, 20, [(5, "uint32", 1, 3)])
    with pytest.raises(ValueError):
        b.data(0, 7)  # misaligned fields take raw bytes
    with pytest.raises(ValueError):
        b.data(0, b"\x00\x01")


# -- whole files through fitparse and the SDK --------------------------------------------


@pytest.mark.parametrize("big_endian", [False, True])
@pytest.mark.parametrize("header_size", [14, 12])
def test_simple_activity_parses_in_both(big_endian, header_size):
    recs = fb.default_records(6)
    blob = fb.simple_activity(recs, big_endian=big_endian, header_size=header_size)
    assert blob[0] == header_size
    assert fitparse_messages(blob, "record") == recs  # check_crc is on by default
    fid = fitparse_messages(blob, "file_id")[0]
    assert fid == {
        "type": 4,
        "manufacturer": 1,
        "garmin_product": 2691,
        "serial_number": 3_900_123_456,
        "time_created": T0,
    }
    msgs, errors = sdk_read(blob)
    assert errors == []
    assert sdk_ok(blob)
    assert msgs["record_mesgs"] == recs
    events = [(e["timestamp"], e["event"], e["event_type"]) for e in msgs["event_mesgs"]]
    assert events == [(T0, 0, 0), (T0 + 5, 0, 4)]
    (lap,) = msgs["lap_mesgs"]
    assert (lap["start_time"], lap["total_elapsed_time"], lap["total_distance"]) == (
        T0,
        5000,
        recs[-1]["distance"],
    )
    (session,) = msgs["session_mesgs"]
    assert (session["sport"], session["sub_sport"], session["num_laps"]) == (1, 0, 1)
    # and with the SDK's own scaling, the physical values come out
    scaled, _ = sdk_read(blob, apply_scale_and_offset=True, convert_types_to_strings=True)
    r = scaled["record_mesgs"][1]
    assert r["enhanced_speed"] == pytest.approx(3.501)
    assert r["distance"] == pytest.approx(3.5)
    assert r["enhanced_altitude"] == pytest.approx(420.2)
    assert r["fractional_cadence"] == pytest.approx(0.25)
    assert scaled["session_mesgs"][0]["sport"] == "running"
    assert scaled["file_id_mesgs"][0]["manufacturer"] == "garmin"


def test_pauses_are_timer_stop_start_events():
    recs = fb.default_records(6)
    blob = fb.simple_activity(recs, pauses=[(T0 + 2, T0 + 2)])
    events = [(e["timestamp"], e["event_type"]) for e in fitparse_messages(blob, "event")]
    assert events == [(T0, 0), (T0 + 2, 4), (T0 + 2, 0), (T0 + 5, 4)]


def test_invalid_values_read_as_none():
    b = fb.FitBuilder().define(
        0,
        20,
        [
            (253, "uint32"),
            (0, "sint32"),
            (3, "uint8"),
            (7, "uint16"),
            (13, "sint8"),
            (5, "uint32"),
        ],
    )
    b.data(0, T0, None, None, None, None, None)
    blob = b.build()
    (rec,) = fitparse_messages(blob, "record")
    assert rec == {
        "timestamp": T0,
        "position_lat": None,
        "heart_rate": None,
        "power": None,
        "temperature": None,
        "distance": None,
    }
    # the raw bytes are the sentinels
    assert blob[-2 - 16 : -2] == struct.pack(
        "<IiBHbI", T0, 0x7FFFFFFF, 0xFF, 0xFFFF, 0x7F, 2**32 - 1
    )
    msgs, errors = sdk_read(blob)
    assert errors == [] and msgs["record_mesgs"] == [{"timestamp": T0}]


def test_bad_file_crc_is_flagged():
    blob = fb.simple_activity(n=3, header_size=14)
    bad = fb.simple_activity(n=3, corrupt_crc=True)
    assert bad[:-2] == blob[:-2] and bad[-2:] != blob[-2:]
    with pytest.raises(FitCRCError):
        fitparse_messages(bad)
    assert len(fitparse_messages(bad, "record", check_crc=False)) == 3
    assert not sdk_ok(bad)
    _, errors = sdk_read(bad)
    assert errors and "CRC" in str(errors[0])


def test_bad_header_crc_is_flagged():
    b = fb.FitBuilder().define(0, 20, [(253, "uint32"), (3, "uint8")]).data(0, T0, 150)
    bad = b.build(corrupt_header_crc=True)
    assert bad[12:14] not in (b"\x00\x00", struct.pack("<H", fb.crc16(bad[:12])))
    assert fb.crc16(bad[:-2]) == struct.unpack("<H", bad[-2:])[0]  # file CRC still right
    with pytest.raises(FitCRCError):
        fitparse_messages(bad)
    assert not sdk_ok(bad)
    # header CRC 0x0000 means "not computed" and is accepted
    unset = b.build(header_crc=False)
    assert unset[12:14] == b"\x00\x00"
    assert fitparse_messages(unset, "record") == [{"timestamp": T0, "heart_rate": 150}]
    msgs, errors = sdk_read(unset)
    assert errors == [] and msgs["record_mesgs"] == [{"timestamp": T0, "heart_rate": 150}]
    # ... but the SDK's check_integrity() insists on a computed header CRC
    assert not sdk_ok(unset)
    assert sdk_ok(b.build())


def test_compressed_timestamps_roll_over_in_fitparse():
    t = (T0 & ~0x1F) + 30  # low five bits = 30
    b = fb.FitBuilder()
    b.define(0, 20, [(253, "uint32"), (3, "uint8")]).define(1, 20, [(3, "uint8")])
    b.data(0, t, 100).compressed(1, 31, 101).compressed(1, 1, 102).compressed(1, 5, 103)
    ff = fitparse.FitFile(io.BytesIO(b.build()))
    got = [(m.get_raw_value("timestamp"), m.get_value("heart_rate")) for m in ff.get_messages()]
    assert got == [(t, 100), (t + 1, 101), (t + 3, 102), (t + 7, 103)]
    # the Python FIT SDK (21.x) stops at the first compressed header; should a later
    # version decode them, it must agree with fitparse
    msgs, errors = sdk_read(b.build())
    if errors:
        assert "ompressed" in str(errors[0])
        assert msgs["record_mesgs"] == [{"timestamp": t, "heart_rate": 100}]
    else:
        got = [(m["timestamp"], m["heart_rate"]) for m in msgs["record_mesgs"]]
        assert got == [(t, 100), (t + 1, 101), (t + 3, 102), (t + 7, 103)]


def test_developer_fields_parse_in_both():
    b = fb.FitBuilder()
    b.developer_field(
        0,
        dev_index=0,
        field_num=0,
        base="uint16",
        name="Power",
        units="Watts",
        developer_id=b"\x01",
    )
    b.developer_field(
        0, dev_index=0, field_num=1, base="float32", name="Leg Spring Stiffness", units="KN/m"
    )
    b.define(1, 20, [(253, "uint32"), (3, "uint8")], [(0, "uint16", 0), (1, "float32", 0)])
    b.data(1, T0, 150, 301, 10.5)
    blob = b.build()
    ff = fitparse.FitFile(io.BytesIO(blob))
    (rec,) = list(ff.get_messages("record"))
    assert rec.get_value("Power") == 301
    assert rec.get_value("Leg Spring Stiffness") == 10.5
    assert {f.name: f.units for f in rec.fields if f.name in ("Power", "Leg Spring Stiffness")} == {
        "Power": "Watts",
        "Leg Spring Stiffness": "KN/m",
    }
    msgs, errors = sdk_read(blob, apply_scale_and_offset=True)
    assert errors == []
    assert msgs["record_mesgs"][0]["developer_fields"] == {0: 301, 1: 10.5}
    names = [(d["field_name"], d["units"]) for d in msgs["field_description_mesgs"]]
    assert names == [("Power", "Watts"), ("Leg Spring Stiffness", "KN/m")]


def test_chained_files_parse_in_both():
    def part(t, hr):
        b = fb.FitBuilder().define(0, 20, [(253, "uint32"), (3, "uint8")])
        return b.data(0, t, hr).data(0, t + 1, hr + 1).build()

    blob = fb.chain(part(T0, 100), part(T0 + 10, 120))
    want = [
        {"timestamp": T0, "heart_rate": 100},
        {"timestamp": T0 + 1, "heart_rate": 101},
        {"timestamp": T0 + 10, "heart_rate": 120},
        {"timestamp": T0 + 11, "heart_rate": 121},
    ]
    assert fitparse_messages(blob, "record") == want
    msgs, errors = sdk_read(blob)
    assert errors == [] and msgs["record_mesgs"] == want


def test_redefinition_of_a_local_type():
    b = fb.FitBuilder()
    b.define(0, 20, [(253, "uint32"), (3, "uint8")]).data(0, T0, 100)
    b.define(0, 20, [(253, "uint32"), (7, "uint16"), (3, "uint8")]).data(0, T0 + 1, 300, 101)
    want = [
        {"timestamp": T0, "heart_rate": 100},
        {"timestamp": T0 + 1, "power": 300, "heart_rate": 101},
    ]
    assert fitparse_messages(b.build(), "record") == want
    assert sdk_read(b.build())[0]["record_mesgs"] == want


def test_misaligned_field_size_handling():
    """A 3-byte uint32: fitparse rejects the file, the SDK reads it as uint8 bytes."""
    b = fb.FitBuilder().define(0, 20, [(253, "uint32"), (5, "uint32", 1, 3), (3, "uint8")])
    b.data(0, T0, b"\x01\x02\x03", 150)
    blob = b.build()
    assert blob[14 + 6 + 3 : 14 + 6 + 6] == bytes([5, 3, 0x86])
    with pytest.raises(FitParseError):
        fitparse_messages(blob)
    msgs, errors = sdk_read(blob)
    assert errors == []
    assert msgs["record_mesgs"] == [{"timestamp": T0, "distance": [1, 2, 3], "heart_rate": 150}]


def test_truncated_file_handling():
    blob = fb.simple_activity(n=4)
    cut = blob[:-40]
    with pytest.raises(FitParseError):
        fitparse_messages(cut)
    msgs, errors = sdk_read(cut)
    assert errors and len(msgs["record_mesgs"]) == 4


def test_undefined_local_type_is_an_error_in_both():
    b = fb.FitBuilder().define(0, 20, [(253, "uint32"), (3, "uint8")]).data(0, T0, 100)
    blob = b.raw(bytes([0x07, 1, 2])).build()
    with pytest.raises(FitParseError):
        fitparse_messages(blob)
    msgs, errors = sdk_read(blob)
    assert errors and msgs["record_mesgs"] == [{"timestamp": T0, "heart_rate": 100}]


# -- property: random record files -------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=fb.record_specs())
def test_random_record_files_parse_in_fitparse(spec):
    blob = fb.records_file(spec)
    assert fb.crc16(blob) == 0
    want = [present(r) for r in spec["records"]]
    ff = fitparse.FitFile(io.BytesIO(blob))
    got = []
    for m in ff.get_messages("record"):
        got.append(
            {
                f.name: f.raw_value
                for f in m.fields
                if (f.field_def is not None or f.name == "timestamp") and f.raw_value is not None
            }
        )
    assert got == want
    if not spec["compressed"] or len(spec["records"]) == 1:
        msgs, errors = sdk_read(blob)
        assert errors == []
        assert msgs.get("record_mesgs", []) == want
