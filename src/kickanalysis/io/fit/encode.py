"""Writing an :class:`~kickanalysis.activity.Activity` as a Garmin FIT activity file.

Written from the FIT protocol description (file header, definition and data messages,
CRC-16) and the FIT profile tables in :mod:`kickanalysis.io.fit._profile`. The file holds,
in order:

``file_id``
    type ``activity``, manufacturer ``development`` (255), product, serial number,
    ``time_created``.
``event``
    timer ``start`` at the activity start; a timer ``stop_all`` / ``start`` pair for every
    entry of ``meta.pauses``, placed among the records by time; ``stop_all`` at the end.
``record``
    one per row of ``activity.records``, all with one definition: ``timestamp`` and every
    core field that has at least one value (invalid-value sentinels where a value is
    NaN). The whole block is one numpy structured array turned into bytes at once.
``lap``
    one per row of ``activity.laps``, or one lap over the whole activity when there are
    none.
``session``, ``activity``
    totals of the whole recording.

Every value is stored at the resolution of its FIT field (see :func:`write_fit`).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._output import Target, deliver
from . import _profile
from .build import FOOT_SPORTS
from .crc import crc16
from .decode import FIT_EPOCH_S

if TYPE_CHECKING:
    import pandas as pd

    from ...activity import Activity

__all__ = ["write_fit"]

#: FIT base types written here: name -> (base type byte, numpy dtype, invalid raw value,
#: smallest valid raw value, largest valid raw value).
_BASE: dict[str, tuple[int, str, int, int, int]] = {
    "enum": (0x00, "u1", 0xFF, 0, 0xFE),
    "sint8": (0x01, "i1", 0x7F, -0x80, 0x7E),
    "uint8": (0x02, "u1", 0xFF, 0, 0xFE),
    "uint16": (0x84, "<u2", 0xFFFF, 0, 0xFFFE),
    "sint32": (0x85, "<i4", 0x7FFFFFFF, -0x80000000, 0x7FFFFFFE),
    "uint32": (0x86, "<u4", 0xFFFFFFFF, 0, 0xFFFFFFFE),
    "uint32z": (0x8C, "<u4", 0, 1, 0xFFFFFFFF),
}

#: FIT protocol version 2.0 in the header.
PROTOCOL_VERSION = 0x20

#: Global message numbers.
_FILE_ID, _LAP, _SESSION, _RECORD, _EVENT, _ACTIVITY = 0, 19, 18, 20, 21, 34

#: Enum values (FIT profile): file type activity, manufacturer development, events.
_FILE_ACTIVITY = 4
_MANUFACTURER_DEVELOPMENT = 255
_EVENT_TIMER, _EVENT_SESSION, _EVENT_LAP, _EVENT_ACTIVITY = 0, 8, 9, 26
_TYPE_START, _TYPE_STOP, _TYPE_STOP_ALL = 0, 1, 4

_SEMICIRCLES_PER_DEG = 2**31 / 180.0

# a field of a message: (name, field number, base type, raw values)
_Field = tuple[str, int, str, np.ndarray]


def _profile_version() -> int:
    """The profile version of the bundled FIT profile, as the header stores it."""
    major, minor = (int(x) for x in _profile.PROFILE_VERSION.split(".")[:2])
    return major * 1000 + minor if minor >= 100 else major * 100 + minor


def _enum_value(type_name: str, name: str | None) -> int | None:
    """FIT enum number of *name* (e.g. ``sport`` ``"running"`` -> 1), None when unknown."""
    if not name:
        return None
    wanted = str(name).strip().lower().replace(" ", "_").replace("-", "_")
    for number, label in _profile.TYPES.get(type_name, {}).items():
        if label == wanted:
            return int(number)
    return None


#: Sport names that are FIT sub-sports of a FIT sport (e.g. "trail_running"): written as
#: that sport with that sub-sport, so a round trip keeps what the name meant.
_SUB_SPORT_OF = {
    "trail_running": ("running", "trail"),
    "trail": ("running", "trail"),
    "treadmill_running": ("running", "treadmill"),
    "treadmill": ("running", "treadmill"),
    "track_running": ("running", "track"),
    "indoor_running": ("running", "indoor_running"),
    "road_running": ("running", "road"),
    "road_biking": ("cycling", "road"),
    "mountain_biking": ("cycling", "mountain"),
    "indoor_cycling": ("cycling", "indoor_cycling"),
    "biking": ("cycling", None),
    "run": ("running", None),
    "ride": ("cycling", None),
}


def _sport_numbers(sport: str | None, sub_sport: str | None) -> tuple[int | None, int | None]:
    """FIT sport and sub-sport numbers for the names in ``meta``.

    A name that is not a FIT sport but names a FIT sub-sport of one ("trail_running",
    "treadmill") is written as that sport and sub-sport instead of being lost.
    """
    sport_num = _enum_value("sport", sport)
    sub_num = _enum_value("sub_sport", sub_sport)
    if sport_num is None and sport:
        key = str(sport).strip().lower().replace(" ", "_").replace("-", "_")
        mapped = _SUB_SPORT_OF.get(key)
        if mapped is not None:
            sport_num = _enum_value("sport", mapped[0])
            if sub_num is None and mapped[1] is not None:
                sub_num = _enum_value("sub_sport", mapped[1])
    return sport_num, sub_num


def _raw(values: Any, base: str, scale: float = 1.0, offset: float = 0.0) -> np.ndarray:
    """Physical values -> raw FIT integers: ``round((value + offset) * scale)``.

    NaN and values outside the valid range of *base* become its invalid sentinel.
    """
    _, dtype, invalid, lo, hi = _BASE[base]
    x = np.asarray(values, dtype=np.float64)
    x = np.atleast_1d(x)
    if scale != 1.0 or offset:
        x = (x + offset) * scale
    x = np.rint(x)
    ok = np.isfinite(x) & (x >= lo) & (x <= hi)
    out = np.full(x.shape, invalid, dtype=np.int64)
    out[ok] = x[ok].astype(np.int64)
    return out.astype(dtype)


def _fit_time(ns: Any) -> np.ndarray:
    """Integer ns since the Unix epoch (int64 min = NaT) -> raw FIT ``date_time``."""
    ns = np.atleast_1d(np.asarray(ns, dtype=np.int64))
    nat = ns == np.iinfo(np.int64).min
    secs = (ns + 500_000_000) // 1_000_000_000 - FIT_EPOCH_S  # nearest second
    ok = ~nat & (secs >= 0) & (secs <= 0xFFFFFFFE)
    out = np.full(ns.shape, 0xFFFFFFFF, dtype=np.uint32)
    out[ok] = secs[ok]
    return out


def _ns(ts: pd.Timestamp | None) -> int | None:
    """A timestamp as integer ns since the Unix epoch (None stays None)."""
    if ts is None:
        return None
    import pandas as pd

    t = pd.Timestamp(ts)
    if pd.isna(t):
        return None
    if t.tzinfo is None:
        t = t.tz_localize("UTC")
    return int(t.as_unit("ns").value)


def _definition(local: int, global_num: int, fields: Sequence[_Field]) -> bytes:
    """A definition message (little-endian) for *fields*."""
    out = bytearray((0x40 | local, 0, 0))
    out += struct.pack("<HB", global_num, len(fields))
    for _, num, base, _ in fields:
        code, dtype, *_ = _BASE[base]
        out += bytes((num, np.dtype(dtype).itemsize, code))
    return bytes(out)


def _rows(local: int, fields: Sequence[_Field], n: int) -> np.ndarray:
    """Data messages of *fields* as one packed structured array (header byte first)."""
    dtype = np.dtype([("header", "u1")] + [(name, _BASE[base][1]) for name, _, base, _ in fields])
    rows = np.zeros(n, dtype=dtype)
    rows["header"] = local
    for name, _, _, values in fields:
        rows[name] = values
    return rows


def _message(local: int, global_num: int, fields: Sequence[_Field]) -> bytes:
    """Definition plus data messages of *fields* (every value array has the same length)."""
    n = len(fields[0][3]) if fields else 0
    return _definition(local, global_num, fields) + _rows(local, fields, n).tobytes()


# --------------------------------------------------------------------------- records
def _column(records: pd.DataFrame, name: str) -> np.ndarray | None:
    """A column as float64, or None when it is absent or all NaN."""
    if name not in records.columns:
        return None
    values = records[name].to_numpy(dtype=np.float64, na_value=np.nan)
    return values if np.isfinite(values).any() else None


def _is_foot(sport: str | None) -> bool:
    return sport is None or str(sport).strip().lower() in FOOT_SPORTS


def _cadence_rpm(records: pd.DataFrame, sport: str | None) -> np.ndarray | None:
    """Cadence as the FIT ``cadence`` field means it [rpm]: per leg for foot sports."""
    if _is_foot(sport):
        spm = _column(records, "cadence_spm")
        return None if spm is None else spm / 2.0
    rpm = _column(records, "cadence_rpm")
    return rpm if rpm is not None else _column(records, "cadence_spm")


def _record_fields(records: pd.DataFrame, sport: str | None) -> list[_Field]:
    """The record message fields with at least one value, as raw arrays."""
    time_ns = records.index.asi8 if len(records) else np.zeros(0, dtype=np.int64)
    fields: list[_Field] = [("timestamp", 253, "uint32", _fit_time(time_ns))]
    lat, lon = _column(records, "lat_deg"), _column(records, "lon_deg")
    if lat is not None and lon is not None:
        both = np.isfinite(lat) & np.isfinite(lon)
        lat = np.where(both, lat, np.nan)
        lon = np.where(both, (lon + 180.0) % 360.0 - 180.0, np.nan)
        fields.append(("position_lat", 0, "sint32", _raw(lat, "sint32", _SEMICIRCLES_PER_DEG)))
        fields.append(("position_long", 1, "sint32", _raw(lon, "sint32", _SEMICIRCLES_PER_DEG)))
    ele = _column(records, "elevation_m")
    if ele is not None:
        fields.append(("enhanced_altitude", 78, "uint32", _raw(ele, "uint32", 5, 500)))
        fields.append(("altitude", 2, "uint16", _raw(ele, "uint16", 5, 500)))
    dist = _column(records, "distance_m")
    if dist is not None:
        fields.append(("distance", 5, "uint32", _raw(dist, "uint32", 100)))
    speed = _column(records, "speed_mps")
    if speed is not None:
        fields.append(("enhanced_speed", 73, "uint32", _raw(speed, "uint32", 1000)))
        fields.append(("speed", 6, "uint16", _raw(speed, "uint16", 1000)))
    hr = _column(records, "heart_rate_bpm")
    if hr is not None:
        fields.append(("heart_rate", 3, "uint8", _raw(hr, "uint8")))
    rpm = _cadence_rpm(records, sport)
    if rpm is not None:
        # whole rpm in ``cadence``, the remainder in 1/128 rpm in ``fractional_cadence``
        x128 = np.rint(rpm * 128.0)
        whole = np.floor(x128 / 128.0)
        fields.append(("cadence", 4, "uint8", _raw(whole, "uint8")))
        frac = np.where(np.isfinite(whole) & (whole <= 0xFE), x128 - whole * 128.0, np.nan)
        fields.append(("fractional_cadence", 53, "uint8", _raw(frac, "uint8")))
    power = _column(records, "power_w")
    if power is not None:
        fields.append(("power", 7, "uint16", _raw(power, "uint16")))
    temp = _column(records, "temperature_c")
    if temp is not None:
        fields.append(("temperature", 13, "sint8", _raw(temp, "sint8")))
    return fields


# --------------------------------------------------------------------------- summaries
def _summary(records: pd.DataFrame, sport: str | None) -> dict[str, float]:
    """Totals and averages of some records (NaN where there is nothing to summarise)."""

    def nanstat(values: np.ndarray | None, fn) -> float:
        if values is None:
            return float("nan")
        ok = values[np.isfinite(values)]
        return float(fn(ok)) if len(ok) else float("nan")

    dist = _column(records, "distance_m")
    ele = _column(records, "elevation_m")
    gain = loss = float("nan")
    if ele is not None:
        steps = np.diff(ele[np.isfinite(ele)])
        gain, loss = float(steps[steps > 0].sum()), float(-steps[steps < 0].sum())
    return {
        "distance_m": nanstat(dist, lambda v: v[-1] - v[0]),
        "speed_max_mps": nanstat(_column(records, "speed_mps"), np.max),
        "heart_rate_mean_bpm": nanstat(_column(records, "heart_rate_bpm"), np.mean),
        "heart_rate_max_bpm": nanstat(_column(records, "heart_rate_bpm"), np.max),
        "cadence_mean_rpm": nanstat(_cadence_rpm(records, sport), np.mean),
        "power_mean_w": nanstat(_column(records, "power_w"), np.mean),
        "power_max_w": nanstat(_column(records, "power_w"), np.max),
        "elevation_gain_m": gain,
        "elevation_loss_m": loss,
    }


def _paused_s(pauses: Sequence[tuple[int, int]], start_ns: int, end_ns: int) -> float:
    """Seconds of *pauses* (ns pairs) that fall inside [start, end]."""
    total = 0
    for a, b in pauses:
        total += max(0, min(b, end_ns) - max(a, start_ns))
    return total / 1e9


def _cadence_fields(rpm: np.ndarray, avg_num: int, frac_num: int) -> list[_Field]:
    x128 = np.rint(np.asarray(rpm, dtype=np.float64) * 128.0)
    whole = np.floor(x128 / 128.0)
    frac = np.where(np.isfinite(whole) & (whole <= 0xFE), x128 - whole * 128.0, np.nan)
    return [
        ("avg_cadence", avg_num, "uint8", _raw(whole, "uint8")),
        ("avg_fractional_cadence", frac_num, "uint8", _raw(frac, "uint8")),
    ]


def _lap_table(
    activity: Activity, pauses: Sequence[tuple[int, int]], start_ns: int, end_ns: int
) -> dict[str, np.ndarray]:
    """Per-lap values (physical units; times as ns) from ``activity.laps`` or the records."""
    laps = activity.laps
    sport = activity.meta.sport
    if laps is None or len(laps) == 0:
        s = _summary(activity.records, sport)
        elapsed = (end_ns - start_ns) / 1e9
        timer = elapsed - _paused_s(pauses, start_ns, end_ns)
        return {
            "start_ns": np.array([start_ns]),
            "end_ns": np.array([end_ns]),
            "elapsed_s": np.array([elapsed]),
            "timer_s": np.array([timer]),
            "distance_m": np.array([s["distance_m"]]),
            "speed_mps": np.array([s["distance_m"] / timer if timer > 0 else np.nan]),
            "hr_mean": np.array([s["heart_rate_mean_bpm"]]),
            "hr_max": np.array([s["heart_rate_max_bpm"]]),
            "cadence_rpm": np.array([s["cadence_mean_rpm"]]),
            "gain_m": np.array([s["elevation_gain_m"]]),
            "loss_m": np.array([s["elevation_loss_m"]]),
        }

    def col(name: str) -> np.ndarray:
        if name not in laps.columns:
            return np.full(len(laps), np.nan)
        return laps[name].to_numpy(dtype=np.float64, na_value=np.nan)

    def times(name: str) -> np.ndarray:
        if name not in laps.columns:
            return np.full(len(laps), np.nan)
        import pandas as pd

        t = pd.to_datetime(laps[name], utc=True)
        ns = t.astype("int64").to_numpy().astype(np.float64)
        ns[t.isna().to_numpy()] = np.nan
        return ns

    start, end, elapsed = times("start_time"), times("end_time"), col("duration_s")
    start = np.where(np.isnan(start), end - elapsed * 1e9, start)
    end = np.where(np.isnan(end), start + elapsed * 1e9, end)
    elapsed = np.where(np.isnan(elapsed), (end - start) / 1e9, elapsed)
    timer = col("moving_s")
    for i in np.flatnonzero(np.isnan(timer) & np.isfinite(start) & np.isfinite(end)):
        timer[i] = elapsed[i] - _paused_s(pauses, int(start[i]), int(end[i]))
    dist, speed = col("distance_m"), col("speed_mps")
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(np.isnan(speed), dist / np.where(timer > 0, timer, np.nan), speed)
    cad = col("cadence_mean_spm")
    return {
        "start_ns": start,
        "end_ns": end,
        "elapsed_s": elapsed,
        "timer_s": timer,
        "distance_m": dist,
        "speed_mps": speed,
        "hr_mean": col("heart_rate_mean_bpm"),
        "hr_max": col("heart_rate_max_bpm"),
        "cadence_rpm": cad / 2.0 if _is_foot(sport) else cad,
        "gain_m": col("elevation_gain_m"),
        "loss_m": col("elevation_loss_m"),
    }


def _ns_to_fit(ns: np.ndarray) -> np.ndarray:
    """Float ns (NaN = missing) -> raw FIT ``date_time``."""
    ns = np.asarray(ns, dtype=np.float64)
    as_int = np.where(np.isfinite(ns), np.nan_to_num(ns), np.iinfo(np.int64).min)
    return _fit_time(as_int.astype(np.int64))


# --------------------------------------------------------------------------- the file
def _body(activity: Activity) -> bytes:
    records = activity.records
    meta = activity.meta
    sport_num, sub_num = _sport_numbers(meta.sport, meta.sub_sport)
    n = len(records)
    time_ns = records.index.asi8 if n else np.zeros(0, dtype=np.int64)
    nat = np.iinfo(np.int64).min
    known = time_ns[time_ns != nat]
    start_ns = _ns(meta.start_time)
    if start_ns is None:
        start_ns = int(known[0]) if len(known) else 0
    if len(known):
        start_ns = min(start_ns, int(known[0]))
    pauses = sorted(
        (a, b)
        for a, b in ((_ns(p[0]), _ns(p[1])) for p in meta.pauses)
        if a is not None and b is not None and b > a
    )
    ends = [start_ns, *(b for _, b in pauses)]
    if len(known):
        ends.append(int(known[-1]))
    end_ns = max(ends)
    created = meta.extra.get("time_created")
    created_ns = _ns(created) if created is not None else None

    out = bytearray()
    # file_id
    product = int(meta.product) if meta.product and str(meta.product).isdigit() else 0
    out += _message(
        0,
        _FILE_ID,
        [
            ("type", 0, "enum", _raw(_FILE_ACTIVITY, "enum")),
            ("manufacturer", 1, "uint16", _raw(_MANUFACTURER_DEVELOPMENT, "uint16")),
            ("product", 2, "uint16", _raw(product, "uint16")),
            ("serial_number", 3, "uint32z", _raw(meta.serial_number or np.nan, "uint32z")),
            ("time_created", 4, "uint32", _fit_time(created_ns or start_ns)),
        ],
    )

    # events: timer start, (stop_all, start) per pause, stop_all at the end
    ev_time = [start_ns]
    ev_type = [_TYPE_START]
    for a, b in pauses:
        ev_time += [a, b]
        ev_type += [_TYPE_STOP_ALL, _TYPE_START]
    ev_time.append(end_ns)
    ev_type.append(_TYPE_STOP_ALL)
    ev_fields: list[_Field] = [
        ("timestamp", 253, "uint32", _fit_time(np.array(ev_time, dtype=np.int64))),
        ("event", 0, "enum", _raw(np.full(len(ev_time), _EVENT_TIMER), "enum")),
        ("event_type", 1, "enum", _raw(np.array(ev_type), "enum")),
        ("event_group", 4, "uint8", _raw(np.zeros(len(ev_time)), "uint8")),
    ]
    events = _rows(1, ev_fields, len(ev_time))
    out += _definition(1, _EVENT, ev_fields)
    out += events[:1].tobytes()

    # records, with the pause events placed among them by time: a stop after every
    # record up to the stop time, a start before the first record from the start time
    rec_fields = _record_fields(records, meta.sport)
    rows = _rows(2, rec_fields, n)
    out += _definition(2, _RECORD, rec_fields)
    placed = np.where(time_ns == nat, -(2**62), time_ns)
    placed = np.maximum.accumulate(placed) if n else placed
    cut = 0
    for k, (a, b) in enumerate(pauses):
        stop_at = int(np.searchsorted(placed, a, side="right"))
        go_at = max(stop_at, int(np.searchsorted(placed, b, side="left")))
        out += rows[cut:stop_at].tobytes() + events[1 + 2 * k : 2 + 2 * k].tobytes()
        out += rows[stop_at:go_at].tobytes() + events[2 + 2 * k : 3 + 2 * k].tobytes()
        cut = go_at
    out += rows[cut:].tobytes()
    out += events[-1:].tobytes()

    # laps
    lap = _lap_table(activity, pauses, start_ns, end_ns)
    nl = len(lap["start_ns"])
    full = np.ones(nl)
    lap_fields: list[_Field] = [
        ("message_index", 254, "uint16", _raw(np.arange(nl), "uint16")),
        ("timestamp", 253, "uint32", _ns_to_fit(lap["end_ns"])),
        ("event", 0, "enum", _raw(full * _EVENT_LAP, "enum")),
        ("event_type", 1, "enum", _raw(full * _TYPE_STOP, "enum")),
        ("start_time", 2, "uint32", _ns_to_fit(lap["start_ns"])),
        ("total_elapsed_time", 7, "uint32", _raw(lap["elapsed_s"], "uint32", 1000)),
        ("total_timer_time", 8, "uint32", _raw(lap["timer_s"], "uint32", 1000)),
        ("total_distance", 9, "uint32", _raw(lap["distance_m"], "uint32", 100)),
        ("avg_speed", 13, "uint16", _raw(lap["speed_mps"], "uint16", 1000)),
        ("enhanced_avg_speed", 110, "uint32", _raw(lap["speed_mps"], "uint32", 1000)),
        ("avg_heart_rate", 15, "uint8", _raw(lap["hr_mean"], "uint8")),
        ("max_heart_rate", 16, "uint8", _raw(lap["hr_max"], "uint8")),
        *_cadence_fields(lap["cadence_rpm"], 17, 80),
        ("total_ascent", 21, "uint16", _raw(lap["gain_m"], "uint16")),
        ("total_descent", 22, "uint16", _raw(lap["loss_m"], "uint16")),
        ("sport", 25, "enum", _raw(full * (np.nan if sport_num is None else sport_num), "enum")),
        ("sub_sport", 39, "enum", _raw(full * (np.nan if sub_num is None else sub_num), "enum")),
    ]
    out += _message(3, _LAP, lap_fields)

    # session
    s = _summary(records, meta.sport)
    elapsed = (end_ns - start_ns) / 1e9
    timer = elapsed - _paused_s(pauses, start_ns, end_ns)
    avg_speed = s["distance_m"] / timer if timer > 0 else float("nan")

    def one(value: float | None) -> np.ndarray:
        return np.array([np.nan if value is None else value], dtype=np.float64)

    out += _message(
        4,
        _SESSION,
        [
            ("message_index", 254, "uint16", _raw(0, "uint16")),
            ("timestamp", 253, "uint32", _fit_time(end_ns)),
            ("event", 0, "enum", _raw(_EVENT_SESSION, "enum")),
            ("event_type", 1, "enum", _raw(_TYPE_STOP, "enum")),
            ("start_time", 2, "uint32", _fit_time(start_ns)),
            ("sport", 5, "enum", _raw(one(sport_num), "enum")),
            ("sub_sport", 6, "enum", _raw(one(sub_num), "enum")),
            ("total_elapsed_time", 7, "uint32", _raw(elapsed, "uint32", 1000)),
            ("total_timer_time", 8, "uint32", _raw(timer, "uint32", 1000)),
            ("total_distance", 9, "uint32", _raw(s["distance_m"], "uint32", 100)),
            ("avg_speed", 14, "uint16", _raw(avg_speed, "uint16", 1000)),
            ("max_speed", 15, "uint16", _raw(s["speed_max_mps"], "uint16", 1000)),
            ("enhanced_avg_speed", 124, "uint32", _raw(avg_speed, "uint32", 1000)),
            ("enhanced_max_speed", 125, "uint32", _raw(s["speed_max_mps"], "uint32", 1000)),
            ("avg_heart_rate", 16, "uint8", _raw(s["heart_rate_mean_bpm"], "uint8")),
            ("max_heart_rate", 17, "uint8", _raw(s["heart_rate_max_bpm"], "uint8")),
            *_cadence_fields(one(s["cadence_mean_rpm"]), 18, 92),
            ("avg_power", 20, "uint16", _raw(s["power_mean_w"], "uint16")),
            ("max_power", 21, "uint16", _raw(s["power_max_w"], "uint16")),
            ("total_ascent", 22, "uint16", _raw(s["elevation_gain_m"], "uint16")),
            ("total_descent", 23, "uint16", _raw(s["elevation_loss_m"], "uint16")),
            ("first_lap_index", 25, "uint16", _raw(0, "uint16")),
            ("num_laps", 26, "uint16", _raw(nl, "uint16")),
            ("trigger", 28, "enum", _raw(0, "enum")),  # activity_end
        ],
    )

    # activity
    out += _message(
        5,
        _ACTIVITY,
        [
            ("timestamp", 253, "uint32", _fit_time(end_ns)),
            ("total_timer_time", 0, "uint32", _raw(timer, "uint32", 1000)),
            ("num_sessions", 1, "uint16", _raw(1, "uint16")),
            ("type", 2, "enum", _raw(0, "enum")),  # manual
            ("event", 3, "enum", _raw(_EVENT_ACTIVITY, "enum")),
            ("event_type", 4, "enum", _raw(_TYPE_STOP, "enum")),
        ],
    )
    return bytes(out)


def fit_bytes(activity: Activity) -> bytes:
    """The complete FIT file of *activity*: header (with CRC), messages, file CRC."""
    body = _body(activity)
    header = struct.pack("<BBHI4s", 14, PROTOCOL_VERSION, _profile_version(), len(body), b".FIT")
    header += struct.pack("<H", crc16(header))
    data = header + body
    return data + struct.pack("<H", crc16(data))


def write_fit(activity: Activity, path_or_file: Target = None) -> bytes | None:
    """Write an activity as a Garmin FIT activity file.

    Parameters
    ----------
    activity : Activity
        What to write. Records, laps, pauses (``meta.pauses``), sport and sub sport
        (``meta.sport``/``meta.sub_sport`` when they name FIT ``sport``/``sub_sport``
        values), serial number and a numeric ``meta.product`` are written; the
        manufacturer is always ``development`` (255).
    path_or_file : str, os.PathLike or binary file object, optional
        Where to write; when omitted the file's bytes are returned.

    Returns
    -------
    bytes or None
        The FIT file when *path_or_file* is None, else None.

    Notes
    -----
    Values are stored at the resolution of their FIT fields: time 1 s (rounded to the
    nearest second), position 1 semicircle (180 / 2**31 deg ≈ 8.4e-8 deg), elevation
    0.2 m (``enhanced_altitude`` and, within -500 … 12 607 m, ``altitude``), distance
    0.01 m, speed 0.001 m/s (``enhanced_speed`` and, below 65.535 m/s, ``speed``), heart
    rate 1 bpm, cadence 1/128 rpm (``cadence`` + ``fractional_cadence``; for foot sports
    and an unknown sport the per-leg rpm ``cadence_spm / 2``, otherwise ``cadence_rpm``
    or else ``cadence_spm`` as crank rpm), power 1 W, temperature 1 °C. A record field is
    written when any record has a value for it; records without a value carry the
    field's invalid sentinel. Values outside a field's range are written as invalid.

    Without ``activity.laps`` one lap spans the whole activity. Lap and session totals:
    elapsed time from start to end, timer time without the pauses, distance as the last
    minus the first recorded distance, ascent and descent [m] as the plain sums of the
    elevation steps (no smoothing), heart rate and cadence as means over the records.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> act = ka.read("data/samples/race_5k_kick.fit")  # doctest: +SKIP
    >>> blob = ka.write_fit(act)  # doctest: +SKIP
    >>> ka.read(blob).records["distance_m"].iloc[-1]  # doctest: +SKIP
    5000.0
    """
    return deliver(fit_bytes(activity), path_or_file)
