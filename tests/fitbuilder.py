"""A tiny, independent FIT *encoder* for building test inputs byte by byte.

Written from the FIT protocol description (file header, record headers, definition and
data messages, developer fields, compressed-timestamp headers, CRC-16), not from any
decoder, so the tests of kickanalysis' decoder do not share its assumptions.

Values handed to :meth:`FitBuilder.data` are *raw* (already scaled integers, as they sit
in the file), so a test controls the exact encoding; the ``*_raw`` helpers below turn
physical values into raw ones and the ``*_from_raw`` helpers go back.

Examples
--------
>>> b = FitBuilder()
>>> _ = b.define(0, 20, [(253, "uint32"), (3, "uint8")])
>>> _ = b.data(0, 1_000_000_000, 150)
>>> blob = b.build()
>>> blob[8:12]
b'.FIT'
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "BASE_TYPES",
    "FIT_EPOCH_S",
    "MESG",
    "RECORD_FIELDS",
    "BaseType",
    "Field",
    "FitBuilder",
    "altitude_from_raw",
    "altitude_raw",
    "chain",
    "record_specs",
    "records_file",
    "crc16",
    "degrees_from_semicircles",
    "distance_raw",
    "fit_time",
    "semicircles",
    "simple_activity",
    "speed_raw",
    "unix_from_fit",
]

#: Seconds between the Unix epoch and the FIT epoch (1989-12-31T00:00:00Z).
FIT_EPOCH_S = 631065600


@dataclass(frozen=True)
class BaseType:
    """One FIT base type: its byte in a field definition, size, struct code, invalid value."""

    name: str
    code: int
    size: int
    fmt: str
    invalid: Any


#: The FIT base types by name (code = the base-type byte written in a field definition).
BASE_TYPES: dict[str, BaseType] = {
    t.name: t
    for t in (
        BaseType("enum", 0x00, 1, "B", 0xFF),
        BaseType("sint8", 0x01, 1, "b", 0x7F),
        BaseType("uint8", 0x02, 1, "B", 0xFF),
        BaseType("sint16", 0x83, 2, "h", 0x7FFF),
        BaseType("uint16", 0x84, 2, "H", 0xFFFF),
        BaseType("sint32", 0x85, 4, "i", 0x7FFFFFFF),
        BaseType("uint32", 0x86, 4, "I", 0xFFFFFFFF),
        BaseType("string", 0x07, 1, "s", b""),
        BaseType("float32", 0x88, 4, "f", b"\xff\xff\xff\xff"),
        BaseType("float64", 0x89, 8, "d", b"\xff" * 8),
        BaseType("uint8z", 0x0A, 1, "B", 0x00),
        BaseType("uint16z", 0x8B, 2, "H", 0x0000),
        BaseType("uint32z", 0x8C, 4, "I", 0x00000000),
        BaseType("byte", 0x0D, 1, "B", 0xFF),
        BaseType("sint64", 0x8E, 8, "q", 0x7FFFFFFFFFFFFFFF),
        BaseType("uint64", 0x8F, 8, "Q", 0xFFFFFFFFFFFFFFFF),
        BaseType("uint64z", 0x90, 8, "Q", 0),
    )
}

#: Global message numbers used by the tests.
MESG: dict[str, int] = {
    "file_id": 0,
    "session": 18,
    "lap": 19,
    "record": 20,
    "event": 21,
    "device_info": 23,
    "activity": 34,
    "field_description": 206,
    "developer_data_id": 207,
}

#: ``record`` (global 20) fields: name -> (field number, base type).
RECORD_FIELDS: dict[str, tuple[int, str]] = {
    "timestamp": (253, "uint32"),
    "position_lat": (0, "sint32"),
    "position_long": (1, "sint32"),
    "altitude": (2, "uint16"),  # scale 5, offset 500 [m]
    "heart_rate": (3, "uint8"),  # [bpm]
    "cadence": (4, "uint8"),  # [rpm], per leg when running
    "distance": (5, "uint32"),  # scale 100 [m]
    "speed": (6, "uint16"),  # scale 1000 [m/s]
    "power": (7, "uint16"),  # [W]
    "temperature": (13, "sint8"),  # [degC]
    "vertical_oscillation": (39, "uint16"),  # scale 10 [mm]
    "stance_time": (41, "uint16"),  # scale 10 [ms]
    "fractional_cadence": (53, "uint8"),  # scale 128 [rpm]
    "enhanced_speed": (73, "uint32"),  # scale 1000 [m/s]
    "enhanced_altitude": (78, "uint32"),  # scale 5, offset 500 [m]
}

#: ``lap`` / ``session`` fields used by :func:`simple_activity`: name -> (number, type).
LAP_FIELDS: dict[str, tuple[int, str]] = {
    "timestamp": (253, "uint32"),
    "message_index": (254, "uint16"),
    "event": (0, "enum"),
    "event_type": (1, "enum"),
    "start_time": (2, "uint32"),
    "total_elapsed_time": (7, "uint32"),  # scale 1000 [s]
    "total_timer_time": (8, "uint32"),  # scale 1000 [s]
    "total_distance": (9, "uint32"),  # scale 100 [m]
    "avg_speed": (13, "uint16"),  # scale 1000 [m/s]
    "avg_heart_rate": (15, "uint8"),
    "max_heart_rate": (16, "uint8"),
    "sport": (25, "enum"),
}
SESSION_FIELDS: dict[str, tuple[int, str]] = {
    "timestamp": (253, "uint32"),
    "message_index": (254, "uint16"),
    "event": (0, "enum"),
    "event_type": (1, "enum"),
    "start_time": (2, "uint32"),
    "sport": (5, "enum"),
    "sub_sport": (6, "enum"),
    "total_elapsed_time": (7, "uint32"),
    "total_timer_time": (8, "uint32"),
    "total_distance": (9, "uint32"),
    "avg_speed": (14, "uint16"),
    "first_lap_index": (25, "uint16"),
    "num_laps": (26, "uint16"),
}


# --------------------------------------------------------------------------------------
# CRC


_CRC_TABLE = (
    0x0000,
    0xCC01,
    0xD801,
    0x1400,
    0xF001,
    0x3C00,
    0x2800,
    0xE401,
    0xA001,
    0x6C00,
    0x7800,
    0xB401,
    0x5000,
    0x9C01,
    0x8801,
    0x4400,
)


def crc16(data: bytes, crc: int = 0) -> int:
    """FIT CRC-16 of *data*, computed a nibble at a time as the FIT SDK describes.

    Parameters
    ----------
    data : bytes
        The bytes to checksum.
    crc : int
        Running CRC to continue from.

    Returns
    -------
    int
        The 16-bit CRC.
    """
    for byte in data:
        tmp = _CRC_TABLE[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc ^= tmp ^ _CRC_TABLE[byte & 0xF]
        tmp = _CRC_TABLE[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc ^= tmp ^ _CRC_TABLE[(byte >> 4) & 0xF]
    return crc


# --------------------------------------------------------------------------------------
# unit helpers (physical <-> raw)


def semicircles(deg: float) -> int:
    """Degrees -> FIT semicircles (``round(deg * 2**31 / 180)``)."""
    return round(deg * 2**31 / 180)


def degrees_from_semicircles(sc: int) -> float:
    """FIT semicircles -> degrees (``sc * 180 / 2**31``)."""
    return sc * 180 / 2**31


def fit_time(t: datetime | str | float) -> int:
    """A UTC time (datetime, ISO string or Unix seconds) -> FIT timestamp [s since 1989-12-31]."""
    if isinstance(t, str):
        t = datetime.fromisoformat(t.replace("Z", "+00:00"))
    if isinstance(t, datetime):
        if t.tzinfo is None:
            t = t.replace(tzinfo=timezone.utc)
        t = t.timestamp()
    return round(t) - FIT_EPOCH_S


def unix_from_fit(ts: int) -> int:
    """FIT timestamp -> Unix seconds."""
    return ts + FIT_EPOCH_S


def distance_raw(m: float) -> int:
    """Metres -> raw ``distance`` (scale 100)."""
    return round(m * 100)


def speed_raw(mps: float) -> int:
    """Metres per second -> raw ``speed`` / ``enhanced_speed`` (scale 1000)."""
    return round(mps * 1000)


def altitude_raw(m: float) -> int:
    """Metres -> raw ``altitude`` / ``enhanced_altitude`` (scale 5, offset 500)."""
    return round((m + 500) * 5)


def altitude_from_raw(raw: int) -> float:
    """Raw ``altitude`` / ``enhanced_altitude`` -> metres (``raw / 5 - 500``)."""
    return raw / 5 - 500


# --------------------------------------------------------------------------------------
# the builder


@dataclass(frozen=True)
class Field:
    """A field definition.

    Parameters
    ----------
    num : int
        Field definition number.
    base : str
        Base-type name (a key of :data:`BASE_TYPES`).
    count : int
        Number of elements; for ``"string"`` the size in bytes.
    size : int, optional
        Override the size written in the definition (e.g. a misaligned 3-byte ``uint32``);
        values of such a field must be given as raw ``bytes``.
    """

    num: int
    base: str
    count: int = 1
    size: int | None = None

    @property
    def type(self) -> BaseType:
        """The base type."""
        return BASE_TYPES[self.base]

    @property
    def nbytes(self) -> int:
        """Size in bytes as written in the definition."""
        return self.size if self.size is not None else self.count * self.type.size


@dataclass(frozen=True)
class DevField:
    """A developer field definition: number, base type (from its field_description),
    developer data index and element count; ``size`` overrides the written size."""

    num: int
    base: str
    dev_index: int = 0
    count: int = 1
    size: int | None = None

    @property
    def type(self) -> BaseType:
        """The base type."""
        return BASE_TYPES[self.base]

    @property
    def nbytes(self) -> int:
        """Size in bytes as written in the definition."""
        return self.size if self.size is not None else self.count * self.type.size


@dataclass(frozen=True)
class _Definition:
    global_num: int
    fields: tuple[Field, ...]
    dev_fields: tuple[DevField, ...]
    endian: str


def _as_field(spec: Field | Sequence[Any]) -> Field:
    return spec if isinstance(spec, Field) else Field(*spec)


def _as_dev_field(spec: DevField | Sequence[Any]) -> DevField:
    return spec if isinstance(spec, DevField) else DevField(*spec)


def _encode_value(field: Field | DevField, value: Any, endian: str) -> bytes:
    """Encode one field value (raw ints, a list for arrays, str, bytes, None = invalid)."""
    bt, n = field.type, field.nbytes
    if isinstance(value, (bytes, bytearray)):
        if len(value) != n:
            raise ValueError(f"field {field.num}: {len(value)} raw bytes for a {n}-byte field")
        return bytes(value)
    if field.size is not None and field.size != field.count * bt.size:
        if value is None:
            return b"\xff" * n
        raise ValueError(f"field {field.num}: give misaligned fields as raw bytes")
    if bt.name == "string":
        raw = b"" if value is None else value.encode("utf-8")
        if len(raw) >= n:
            raise ValueError(f"field {field.num}: string {value!r} does not fit {n} bytes")
        return raw.ljust(n, b"\x00")
    if value is None:
        if isinstance(bt.invalid, bytes):
            return bt.invalid * field.count
        return struct.pack(f"{endian}{field.count}{bt.fmt}", *([bt.invalid] * field.count))
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if len(values) != field.count:
        raise ValueError(f"field {field.num}: {len(values)} values for count {field.count}")
    out = b""
    for v in values:
        if v is None:
            out += (
                bt.invalid
                if isinstance(bt.invalid, bytes)
                else struct.pack(endian + bt.fmt, bt.invalid)
            )
        else:
            out += struct.pack(endian + bt.fmt, v)
    return out


class FitBuilder:
    """Builds one FIT file from definition and data messages, byte by byte.

    Every method that adds a message returns the builder, so calls can be chained.
    """

    def __init__(self) -> None:
        self._body = bytearray()
        self._defs: dict[int, _Definition] = {}

    # -- messages -------------------------------------------------------------------
    def define(
        self,
        local: int,
        global_num: int,
        fields: Iterable[Field | Sequence[Any]],
        dev_fields: Iterable[DevField | Sequence[Any]] = (),
        *,
        big_endian: bool = False,
    ) -> FitBuilder:
        """Add a definition message.

        Parameters
        ----------
        local : int
            Local message type, 0-15.
        global_num : int
            Global message number (e.g. 20 = record).
        fields : iterable
            :class:`Field` or tuples ``(num, base_type_name[, count[, size]])``.
        dev_fields : iterable
            :class:`DevField` or tuples ``(num, base_type_name, dev_data_index[, count])``;
            when given, the header carries the developer-data flag (0x20).
        big_endian : bool
            Architecture byte 1 (big-endian) instead of 0.
        """
        if not 0 <= local <= 15:
            raise ValueError("local message type must be 0-15")
        fdefs = tuple(_as_field(f) for f in fields)
        ddefs = tuple(_as_dev_field(f) for f in dev_fields)
        endian = ">" if big_endian else "<"
        header = 0x40 | local | (0x20 if ddefs else 0)
        out = bytearray([header, 0, 1 if big_endian else 0])
        out += struct.pack(endian + "H", global_num)
        out.append(len(fdefs))
        for f in fdefs:
            out += bytes([f.num, f.nbytes, f.type.code])
        if ddefs:
            out.append(len(ddefs))
            for d in ddefs:
                out += bytes([d.num, d.nbytes, d.dev_index])
        self._body += out
        self._defs[local] = _Definition(global_num, fdefs, ddefs, endian)
        return self

    def _payload(self, local: int, values: Sequence[Any]) -> bytes:
        d = self._defs.get(local)
        if d is None:
            raise ValueError(f"local message type {local} is not defined")
        specs = d.fields + d.dev_fields
        if len(values) != len(specs):
            raise ValueError(f"local {local}: {len(values)} values for {len(specs)} fields")
        return b"".join(_encode_value(f, v, d.endian) for f, v in zip(specs, values, strict=True))

    def data(self, local: int, *values: Any) -> FitBuilder:
        """Add a data message with a normal header: one raw value per defined field
        (regular fields first, then developer fields); ``None`` writes the invalid value."""
        self._body += bytes([local & 0x0F]) + self._payload(local, values)
        return self

    def compressed(self, local: int, offset: int, *values: Any) -> FitBuilder:
        """Add a data message with a compressed-timestamp header.

        Parameters
        ----------
        local : int
            Local message type, 0-3.
        offset : int
            The 5-bit time offset (0-31): the low five bits of the message's timestamp.
        *values
            Raw values of the defined fields.
        """
        if not 0 <= local <= 3:
            raise ValueError("compressed headers carry local types 0-3 only")
        header = 0x80 | (local << 5) | (offset & 0x1F)
        self._body += bytes([header]) + self._payload(local, values)
        return self

    def message(
        self,
        local: int,
        global_num: int,
        table: Mapping[str, tuple[int, str]],
        values: Mapping[str, Any],
        *,
        big_endian: bool = False,
    ) -> FitBuilder:
        """Define *local* for exactly the named fields of *values* and write one message.

        *table* maps field names to ``(number, base type)``; string values get a size of
        their UTF-8 length plus a terminating NUL.
        """
        fields = []
        for name, value in values.items():
            num, base = table[name]
            count = len(value.encode("utf-8")) + 1 if base == "string" else 1
            fields.append(Field(num, base, count))
        self.define(local, global_num, fields, big_endian=big_endian)
        return self.data(local, *values.values())

    def developer_field(
        self,
        local: int,
        *,
        dev_index: int,
        field_num: int,
        base: str,
        name: str,
        units: str,
        developer_id: bytes | None = None,
        big_endian: bool = False,
    ) -> FitBuilder:
        """Add a ``developer_data_id`` (when *developer_id* is given) and a
        ``field_description`` message describing one developer field."""
        if developer_id is not None:
            self.define(
                local,
                MESG["developer_data_id"],
                [(0, "byte", 16), (1, "byte", 16), (3, "uint8")],
                big_endian=big_endian,
            )
            self.data(
                local, developer_id.ljust(16, b"\x00"), developer_id.ljust(16, b"\0"), dev_index
            )
        name_b = name.encode("utf-8")
        units_b = units.encode("utf-8")
        self.define(
            local,
            MESG["field_description"],
            [
                (0, "uint8"),  # developer_data_index
                (1, "uint8"),  # field_definition_number
                (2, "uint8"),  # fit_base_type_id
                (3, "string", len(name_b) + 1),  # field_name
                (8, "string", len(units_b) + 1),  # units
            ],
            big_endian=big_endian,
        )
        return self.data(local, dev_index, field_num, BASE_TYPES[base].code, name, units)

    def raw(self, data: bytes) -> FitBuilder:
        """Append arbitrary bytes to the data section."""
        self._body += data
        return self

    # -- output ---------------------------------------------------------------------
    @property
    def body(self) -> bytes:
        """The data section written so far."""
        return bytes(self._body)

    def build(
        self,
        *,
        header_size: int = 14,
        header_crc: bool = True,
        corrupt_crc: bool = False,
        corrupt_header_crc: bool = False,
        protocol_version: int = 0x20,
        profile_version: int = 2132,
        data_size: int | None = None,
    ) -> bytes:
        """Return the complete file: header, data section, file CRC.

        Parameters
        ----------
        header_size : {14, 12}
            14 carries a header CRC, 12 does not.
        header_crc : bool
            With a 14-byte header: write the CRC of bytes 0-11 (else 0x0000, "not set").
        corrupt_crc : bool
            Write a wrong file CRC.
        corrupt_header_crc : bool
            Write a wrong (non-zero) header CRC.
        protocol_version, profile_version : int
            Header bytes 1 and 2-3 (``0x20`` = protocol 2.0; ``2132`` = profile 21.32).
        data_size : int, optional
            Override the data-size field (default: the real size of the data section).
        """
        size = len(self._body) if data_size is None else data_size
        head = struct.pack("<BBHI4s", header_size, protocol_version, profile_version, size, b".FIT")
        if header_size == 14:
            hcrc = crc16(head) if header_crc or corrupt_header_crc else 0
            if corrupt_header_crc:
                hcrc = (hcrc ^ 0x5A5A) or 0x1234
            head += struct.pack("<H", hcrc)
        elif header_size != 12:
            head += bytes(header_size - 12)
        out = head + bytes(self._body)
        crc = crc16(out)
        if corrupt_crc:
            crc ^= 0xA5A5
        return out + struct.pack("<H", crc)


def chain(*files: bytes) -> bytes:
    """Concatenate complete FIT files into one chained FIT file."""
    return b"".join(files)


# --------------------------------------------------------------------------------------
# a whole activity

#: 2021-06-01T06:00:00Z as a FIT timestamp.
DEFAULT_START = fit_time("2021-06-01T06:00:00Z")


def default_records(n: int = 10, *, start: int = DEFAULT_START, step_s: int = 1) -> list[dict]:
    """*n* raw ``record`` dicts of a steady run (3.5 m/s) north from 47.0 N, 8.0 E.

    Every core field is present: timestamp, position, distance, enhanced_speed,
    enhanced_altitude, heart_rate, cadence + fractional_cadence, power, temperature.
    """
    recs = []
    for i in range(n):
        recs.append(
            {
                "timestamp": start + i * step_s,
                "position_lat": semicircles(47.0) + 1000 * i,
                "position_long": semicircles(8.0) - 7 * i,
                "distance": 350 * i * step_s,
                "enhanced_speed": 3500 + i,
                "enhanced_altitude": altitude_raw(420.0) + i,
                "heart_rate": 140 + i % 20,
                "cadence": 85 + i % 3,
                "fractional_cadence": (32 * i) % 128,
                "power": 250 + i,
                "temperature": 18 - i % 4,
            }
        )
    return recs


def simple_activity(
    records: Sequence[Mapping[str, Any]] | None = None,
    *,
    n: int = 10,
    start: int | None = None,
    big_endian: bool = False,
    pauses: Sequence[tuple[int, int]] = (),
    laps: Sequence[Mapping[str, Any]] | None = None,
    sport: int = 1,
    sub_sport: int = 0,
    manufacturer: int = 1,
    product: int = 2691,
    serial_number: int = 3_900_123_456,
    header_size: int = 14,
    **build_options: Any,
) -> bytes:
    """Build a small running activity.

    Messages, in order: ``file_id`` (type activity), ``event`` timer start, the records
    (with ``event`` timer stop/start pairs for *pauses* placed by time), one ``lap`` per
    entry of *laps* (default: one lap over all records), ``session`` and ``activity``.

    Parameters
    ----------
    records : sequence of dict, optional
        Raw record values keyed by names of :data:`RECORD_FIELDS`; the record definition
        covers the union of the keys (absent ones are written invalid). Default
        :func:`default_records` (*n*, *start*).
    start : int, optional
        FIT timestamp of the timer start; default the first record's timestamp.
    big_endian : bool
        Write every definition big-endian.
    pauses : sequence of (int, int)
        ``(stop, start)`` FIT timestamps of timer pauses.
    laps : sequence of dict, optional
        Raw ``lap`` values keyed by names of ``LAP_FIELDS``.
    sport, sub_sport : int
        Session sport (1 = running) and sub sport (0 = generic, 1 = treadmill ...).
    manufacturer, product, serial_number : int
        ``file_id`` device fields (1 = garmin, 2691 = fr935).
    header_size : {14, 12}
        File header size.
    **build_options
        Passed to :meth:`FitBuilder.build` (``corrupt_crc=True`` ...).
    """
    if records is None:
        records = default_records(n) if start is None else default_records(n, start=start)
    t0 = start if start is not None else records[0]["timestamp"]
    t_end = records[-1]["timestamp"]
    be = big_endian
    b = FitBuilder()
    b.define(
        0,
        MESG["file_id"],
        [(0, "enum"), (1, "uint16"), (2, "uint16"), (3, "uint32z"), (4, "uint32")],
        big_endian=be,
    )
    b.data(0, 4, manufacturer, product, serial_number, t0)
    # event: timestamp, event (0 = timer), event_type (0 = start, 4 = stop_all), group
    b.define(
        1, MESG["event"], [(253, "uint32"), (0, "enum"), (1, "enum"), (4, "uint8")], big_endian=be
    )
    b.data(1, t0, 0, 0, 0)
    names: list[str] = []
    for r in records:
        names += [k for k in r if k not in names]
    fields = [(RECORD_FIELDS[k][0], RECORD_FIELDS[k][1]) for k in names]
    b.define(2, MESG["record"], fields, big_endian=be)
    pending = sorted(pauses)
    for r in records:
        while pending and pending[0][0] < r["timestamp"]:
            stop, go = pending.pop(0)
            b.data(1, stop, 0, 4, 0)
            b.data(1, go, 0, 0, 0)
        b.data(2, *(r.get(k) for k in names))
    for stop, go in pending:
        b.data(1, stop, 0, 4, 0)
        b.data(1, go, 0, 0, 0)
    b.data(1, t_end, 0, 4, 0)
    if laps is None:
        dur = (t_end - t0) * 1000
        dist = records[-1].get("distance")
        laps = [
            {
                "timestamp": t_end,
                "message_index": 0,
                "event": 9,
                "event_type": 1,
                "start_time": t0,
                "total_elapsed_time": dur,
                "total_timer_time": dur,
                "total_distance": dist,
                "sport": sport,
            }
        ]
    for i, lap in enumerate(laps):
        b.message(3, MESG["lap"], LAP_FIELDS, {"message_index": i, **lap}, big_endian=be)
    dur = (t_end - t0) * 1000
    b.message(
        4,
        MESG["session"],
        SESSION_FIELDS,
        {
            "timestamp": t_end,
            "message_index": 0,
            "event": 8,
            "event_type": 1,
            "start_time": t0,
            "sport": sport,
            "sub_sport": sub_sport,
            "total_elapsed_time": dur,
            "total_timer_time": dur,
            "total_distance": records[-1].get("distance"),
            "first_lap_index": 0,
            "num_laps": len(laps),
        },
        big_endian=be,
    )
    # activity: timestamp, total_timer_time, num_sessions, type (0 manual), event, event_type
    b.define(
        5,
        MESG["activity"],
        [(253, "uint32"), (0, "uint32"), (1, "uint16"), (2, "enum"), (3, "enum"), (4, "enum")],
        big_endian=be,
    )
    b.data(5, t_end, dur, 1, 0, 26, 1)
    return b.build(header_size=header_size, **build_options)


# --------------------------------------------------------------------------------------
# random record files (for property-based tests)

#: Valid raw ranges (the invalid sentinel excluded) of the record fields the property
#: tests draw; position ranges stay on the globe.
RECORD_RANGES: dict[str, tuple[int, int]] = {
    "position_lat": (-(2**30), 2**30),
    "position_long": (-(2**31) + 1, 2**31 - 2),
    "altitude": (0, 0xFFFE),
    "enhanced_altitude": (0, 0xFFFFFFFE),
    "heart_rate": (0, 0xFE),
    "cadence": (0, 0xFE),
    "fractional_cadence": (0, 127),
    "distance": (0, 0xFFFFFFFE),
    "speed": (0, 0xFFFE),
    "enhanced_speed": (0, 0xFFFFFFFE),
    "power": (0, 0xFFFE),
    "temperature": (-127, 126),
    "vertical_oscillation": (0, 0xFFFE),
}


def record_specs():
    """Hypothesis strategy for :func:`records_file` specs.

    A spec is a dict: ``fields`` (a subset of :data:`RECORD_RANGES`, never both a field
    and its ``enhanced_`` twin, ``fractional_cadence`` only with ``cadence``),
    ``big_endian``, ``compressed`` (write timestamps through compressed headers where
    the step allows) and ``records`` (raw dicts with ``timestamp``; a value may be
    ``None`` = invalid; ``fractional_cadence`` is ``None`` exactly when ``cadence`` is).
    """
    from hypothesis import strategies as st

    @st.composite
    def specs(draw):
        fields = draw(st.lists(st.sampled_from(sorted(RECORD_RANGES)), unique=True, max_size=8))
        for a, b in (("speed", "enhanced_speed"), ("altitude", "enhanced_altitude")):
            if a in fields and b in fields:
                fields.remove(a)
        if "fractional_cadence" in fields and "cadence" not in fields:
            fields.remove("fractional_cadence")
        n = draw(st.integers(1, 25))
        t = draw(st.integers(DEFAULT_START, DEFAULT_START + 10**6))
        steps = draw(st.lists(st.integers(1, 45), min_size=n, max_size=n))
        records = []
        for step in steps:
            rec: dict[str, Any] = {"timestamp": t}
            for name in fields:
                lo, hi = RECORD_RANGES[name]
                rec[name] = draw(st.one_of(st.none(), st.integers(lo, hi)))
            if "fractional_cadence" in rec:
                if rec["cadence"] is None:
                    rec["fractional_cadence"] = None
                elif rec["fractional_cadence"] is None:
                    rec["fractional_cadence"] = 0
            records.append(rec)
            t += step
        return {
            "fields": fields,
            "big_endian": draw(st.booleans()),
            "compressed": draw(st.booleans()),
            "records": records,
        }

    return specs()


def records_file(spec: Mapping[str, Any]) -> bytes:
    """Build a FIT file from a :func:`record_specs` spec.

    ``file_id`` first (``time_created`` = first timestamp), then one ``record`` per
    entry: local type 0 carries the timestamp field; with ``compressed``, a record less
    than 32 s after the previous one goes through local type 1 (same fields, no
    timestamp) with a compressed-timestamp header instead. A ``session`` (sport
    running, ``start_time`` = first timestamp) ends the file.
    """
    names = list(spec["fields"])
    be = spec["big_endian"]
    recs = spec["records"]
    b = FitBuilder()
    b.define(3, MESG["file_id"], [(0, "enum"), (4, "uint32")], big_endian=be)
    b.data(3, 4, recs[0]["timestamp"])
    b.define(0, MESG["record"], [RECORD_FIELDS[k] for k in ["timestamp", *names]], big_endian=be)
    if spec["compressed"]:
        b.define(1, MESG["record"], [RECORD_FIELDS[k] for k in names], big_endian=be)
    last = None
    for r in recs:
        t = r["timestamp"]
        if spec["compressed"] and last is not None and t - last < 32:
            b.compressed(1, t & 0x1F, *(r[k] for k in names))
        else:
            b.data(0, t, *(r[k] for k in names))
        last = t
    # a running session at the end, so cadence means steps of a runner
    b.define(2, MESG["session"], [(253, "uint32"), (2, "uint32"), (5, "enum")], big_endian=be)
    b.data(2, recs[-1]["timestamp"], recs[0]["timestamp"], 1)
    return b.build()
