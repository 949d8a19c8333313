"""From decoded FIT messages to an :class:`~kickanalysis.activity.Activity`.

Conversions made here, once (DESIGN.md, "The data model"): semicircles → degrees,
FIT epoch → UTC, running cadence (rpm per leg, plus ``fractional_cadence``) → steps per
minute, ``enhanced_*`` fields preferred over their 16-bit twins, invalid values → NaN.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...activity import Activity, Meta
from ...errors import WarningLog
from ...schema import RECORD_COLUMNS, empty_splits, records_frame, splits_frame
from . import _profile
from .decode import FIT_EPOCH_S, FitData, MessageTable, _snake

SEMICIRCLE_TO_DEG = 180.0 / 2**31

MESG_FILE_ID, MESG_SPORT, MESG_SESSION, MESG_LAP = 0, 12, 18, 19
MESG_RECORD, MESG_EVENT, MESG_DEVICE_INFO, MESG_HR = 20, 21, 23, 132

#: The messages an Activity is built from (the others are scanned and counted only).
NEEDED = frozenset(
    {
        MESG_FILE_ID,
        MESG_SPORT,
        MESG_SESSION,
        MESG_LAP,
        MESG_RECORD,
        MESG_EVENT,
        MESG_DEVICE_INFO,
        MESG_HR,
    }
)

#: Sports whose cadence is counted per leg (strides per minute) and doubled to steps.
FOOT_SPORTS = {
    "running",
    "walking",
    "hiking",
    "generic",
    "training",
    "transition",
    "mountaineering",
}

#: Record fields that become core columns (so they are not repeated as extras).
_CONSUMED = {
    "timestamp",
    "position_lat",
    "position_long",
    "altitude",
    "enhanced_altitude",
    "distance",
    "speed",
    "enhanced_speed",
    "heart_rate",
    "cadence",
    "fractional_cadence",
    "power",
    "temperature",
    "compressed_speed_distance",
}

_UNIT_SUFFIX = {
    "m": "m",
    "m/s": "mps",
    "mm": "mm",
    "ms": "ms",
    "s": "s",
    "%": "pct",
    "percent": "pct",
    "bpm": "bpm",
    "rpm": "rpm",
    "watts": "w",
    "w": "w",
    "c": "c",
    "degrees": "deg",
    "kcal": "kcal",
    "km": "km",
    "cycles": "cycles",
    "j": "j",
    "kj": "kj",
    "pa": "pa",
    "semicircles": "deg",
    "meters": "m",
    "metres": "m",
    "seconds": "s",
    "mps": "mps",
}


def _unit_suffix(units: str) -> str:
    u = (units or "").strip()
    if not u:
        return ""
    known = _UNIT_SUFFIX.get(u.lower())
    if known:
        return known
    return _snake(u.replace("/", " per "))


def column_name(name: str, units: str) -> str:
    """snake_case column name carrying its unit, e.g. ``vertical_oscillation_mm``."""
    base = _snake(name)
    suffix = _unit_suffix(units)
    if not suffix or base.endswith("_" + suffix) or base == suffix:
        return base
    if units and base.endswith(_snake(units)):
        return base
    return f"{base}_{suffix}"


def _enum_name(type_name: str, value: float | int | None) -> str | None:
    if value is None or value != value or value < 0:
        return None
    value = int(value)
    return _profile.TYPES.get(type_name, {}).get(value, str(value))


def _first_valid(table: MessageTable | None, field: str) -> float | None:
    if table is None:
        return None
    vals = table.get(field)
    if vals is None:
        return None
    ok = np.flatnonzero(~np.isnan(vals))
    return float(vals[ok[0]]) if len(ok) else None


def _first_string(table: MessageTable | None, field: str) -> str | None:
    if table is None or field not in table.columns:
        return None
    for v in table.columns[field].values:
        if v:
            return str(v)
    return None


def _to_timestamp(fit_seconds: float | None):
    import pandas as pd

    if fit_seconds is None or fit_seconds != fit_seconds:
        return None
    return pd.Timestamp(int(round((fit_seconds + FIT_EPOCH_S) * 1e9)), tz="UTC")


def _device(fit: FitData) -> dict[str, Any]:
    fid = fit.table(MESG_FILE_ID)
    out: dict[str, Any] = {}
    manu_raw = _first_valid(fid, "manufacturer")
    prod_raw = _first_valid(fid, "product")
    manu = _enum_name("manufacturer", manu_raw)
    out["manufacturer"] = manu
    product = _first_string(fid, "product_name")
    if product is None and prod_raw is not None:
        if manu in ("garmin", "dynastream", "dynastream_oem", "tacx"):
            product = _enum_name("garmin_product", prod_raw)
        else:
            product = str(int(prod_raw))
    out["product"] = product
    serial = _first_valid(fid, "serial_number")
    out["serial_number"] = int(serial) if serial is not None else None
    out["file_type"] = _enum_name("file", _first_valid(fid, "type"))
    out["time_created"] = _to_timestamp(_first_valid(fid, "time_created"))
    return out


def _devices(fit: FitData) -> list[dict[str, Any]]:
    """The devices of the ``device_info`` messages (watch, straps, pods), last state each."""
    info = fit.table(MESG_DEVICE_INFO)
    if info is None or len(info) == 0:
        return []
    n = len(info)

    def column(name: str) -> list:
        vals = info.get(name)
        return [None] * n if vals is None else [None if v != v else v for v in vals.tolist()]

    idx, manu, prod = column("device_index"), column("manufacturer"), column("product")
    serial, sw = column("serial_number"), column("software_version")
    battery = column("battery_status")
    names = info.columns.get("product_name")
    devices: dict[tuple, dict[str, Any]] = {}
    for i in range(n):
        maker = _enum_name("manufacturer", manu[i])
        product = names.values[i] if names is not None and names.values.dtype == object else None
        if product is None and prod[i] is not None:
            garmin = maker in ("garmin", "dynastream", "dynastream_oem", "tacx")
            product = _enum_name("garmin_product", prod[i]) if garmin else str(int(prod[i]))
        key = (idx[i], maker, product, serial[i])
        devices[key] = {
            "device_index": None if idx[i] is None else int(idx[i]),
            "manufacturer": maker,
            "product": product,
            "serial_number": None if serial[i] is None else int(serial[i]),
            "software_version": sw[i],
            "battery_status": _enum_name("battery_status", battery[i]),
        }
    return list(devices.values())


def _sport(fit: FitData) -> tuple[str | None, str | None]:
    for num in (MESG_SESSION, MESG_SPORT, MESG_LAP):
        t = fit.table(num)
        sport = _first_valid(t, "sport")
        if sport is not None:
            return _enum_name("sport", sport), _enum_name("sub_sport", _first_valid(t, "sub_sport"))
    return None, None


_STOP_TYPES = {1, 4, 8, 9}  # stop, stop_all, stop_disable, stop_disable_all


def _pauses(fit: FitData) -> list[tuple[Any, Any]]:
    import pandas as pd

    ev = fit.table(MESG_EVENT)
    if ev is None:
        return []
    event, etype, ts = ev.enum("event"), ev.enum("event_type"), ev.get("timestamp")
    if event is None or etype is None or ts is None:
        return []
    pauses = []
    stopped_at = None
    for e, t, s in zip(event.tolist(), etype.tolist(), ts.tolist()):
        if e != 0 or s != s:  # timer events only
            continue
        if t in _STOP_TYPES:
            if stopped_at is None:
                stopped_at = s
        elif t == 0 and stopped_at is not None:
            if s > stopped_at:
                pauses.append((stopped_at, s))
            stopped_at = None
    return [
        (
            pd.Timestamp(int((a + FIT_EPOCH_S) * 1e9), tz="UTC"),
            pd.Timestamp(int((b + FIT_EPOCH_S) * 1e9), tz="UTC"),
        )
        for a, b in pauses
    ]


def _cadence_spm(rec: MessageTable, foot: bool) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(steps per minute, rpm) from ``cadence`` + ``fractional_cadence``."""
    cad = rec.get("cadence")
    if cad is None:
        return None, None
    frac = rec.get("fractional_cadence")
    rpm = cad if frac is None else cad + np.nan_to_num(frac)
    if foot:
        return 2.0 * rpm, None
    return None, rpm


def _records(fit: FitData, sport: str | None, log: WarningLog) -> tuple[Any, int | None, bool]:
    """The records frame, the first sample's time [ns] and whether every record had a
    timestamp. Empties the record table's columns (see below)."""
    rec = fit.table(MESG_RECORD)
    if rec is None or len(rec) == 0:
        return records_frame(np.zeros(0, dtype=np.int64), {}), None, True
    ts = rec.get("timestamp")
    n = len(rec)
    if ts is None:
        ts = np.full(n, np.nan)
    missing = np.isnan(ts)
    if missing.all():
        # no time base at all: keep the samples, one second apart from the file's
        # creation time (as GPX points without times are), and say so
        created = _first_valid(fit.table(MESG_FILE_ID), "time_created")
        base = created if created is not None else -FIT_EPOCH_S
        ts = base + np.arange(n, dtype=np.float64)
        log.repaired(
            f"no record message has a timestamp; the {n} records are placed 1 s apart from "
            + ("the file's creation time" if created is not None else "1970-01-01")
        )
        time_ns = ((ts + FIT_EPOCH_S) * 1e9).round().astype(np.int64)
    else:
        if missing.any():
            # a record without a timestamp takes the time of the record before it (or,
            # before the first timestamp, the time of the first record that has one)
            idx = np.where(~missing, np.arange(n), -1)
            np.maximum.accumulate(idx, out=idx)
            first = int(np.flatnonzero(~missing)[0])
            idx[idx < 0] = first
            ts = ts[idx]
            log.repaired(
                f"{int(missing.sum())} record messages without a timestamp took the time of "
                "the record before them"
            )
        time_ns = ((ts + FIT_EPOCH_S) * 1e9).round().astype(np.int64)
    col = rec.get

    foot = sport is None or sport in FOOT_SPORTS
    spm, rpm = _cadence_spm(rec, foot)
    core: dict[str, np.ndarray | None] = {
        "lat_deg": _scaled(col("position_lat"), SEMICIRCLE_TO_DEG),
        "lon_deg": _scaled(col("position_long"), SEMICIRCLE_TO_DEG),
        "elevation_m": col("enhanced_altitude")
        if col("enhanced_altitude") is not None
        else col("altitude"),
        "distance_m": col("distance"),
        "speed_mps": col("enhanced_speed") if col("enhanced_speed") is not None else col("speed"),
        "heart_rate_bpm": _heart_rate(fit, rec, ts, log),
        "cadence_spm": spm,
        "power_w": col("power"),
        "temperature_c": col("temperature"),
    }
    core = {k: v for k, v in core.items() if v is not None}
    extra: dict[str, np.ndarray] = {}
    if rpm is not None:
        extra["cadence_rpm"] = rpm
    taken = set(core) | set(extra)
    for key, c in rec.columns.items():
        if c.name in _CONSUMED or c.values.dtype == object:
            continue
        vals = c.values
        if not np.any(~np.isnan(vals)):
            continue
        if c.units == "semicircles":
            vals = vals * SEMICIRCLE_TO_DEG
        cname = column_name(c.name, c.units)
        if key.startswith("dev:"):
            if cname in taken or cname in _CORE_NAMES:
                cname = "dev_" + cname
        if cname in taken or cname in _CORE_NAMES:
            continue
        extra[cname] = vals
        taken.add(cname)
    extra = {k: extra[k] for k in sorted(extra)}  # same order whatever the engine
    # sort by time (stable) if the device wrote records out of order
    if len(time_ns) > 1 and (np.diff(time_ns) < 0).any():
        back = int((np.diff(time_ns) < 0).sum())
        log.repaired(f"time goes backwards {back} times between records; records sorted by time")
        order = np.argsort(time_ns, kind="stable")
        time_ns = time_ns[order]
        core = {k: v[order] for k, v in core.items()}
        extra = {k: v[order] for k, v in extra.items()}
    # the decoded record messages are not needed any more: their columns the frame does
    # not take (raw fields, scaled or merged ones, fields never written) are freed before
    # the frame is allocated, so the read's peak memory is the frame and what it takes
    rec.columns.clear()
    rec.arrays.clear()
    frame = records_frame(time_ns, core, extra=extra)
    if missing.all():
        frame["elapsed_s"] = np.nan  # the 1 s spacing is made up: no elapsed time
    return frame, int(time_ns[0]), not missing.any()


_CORE_NAMES = frozenset(RECORD_COLUMNS)


def _heart_rate(
    fit: FitData, rec: MessageTable, ts: np.ndarray, log: WarningLog
) -> np.ndarray | None:
    """Records' heart rate, filled from ``hr`` messages where the records lack it."""
    own = rec.get("heart_rate")
    hr = fit.table(MESG_HR)
    if hr is None or len(hr) == 0 or (own is not None and not np.isnan(own).any()):
        return own
    from .hr import merge_into_records

    order = np.argsort(ts, kind="stable")
    if own is not None:
        own = own[order]
    merged, filled = merge_into_records(ts[order], own, hr)
    if not filled:
        return None if own is None else own[np.argsort(order, kind="stable")]
    log.assumed(f"heart rate of {filled} records taken from the strap's hr messages")
    return merged[np.argsort(order, kind="stable")]


def _scaled(v: np.ndarray | None, factor: float) -> np.ndarray | None:
    return None if v is None else v * factor


def _laps(fit: FitData, start_ns: int | None, foot: bool):
    lap = fit.table(MESG_LAP)
    if lap is None or len(lap) == 0:
        return empty_splits()
    n = len(lap)

    def get(name: str, *alts: str) -> np.ndarray:
        for nm in (name, *alts):
            v = lap.get(nm)
            if v is not None and not np.isnan(v).all():
                return v
        return np.full(n, np.nan)

    end = get("timestamp")
    elapsed = get("total_elapsed_time")
    start = get("start_time")
    start = np.where(np.isnan(start), end - elapsed, start)
    end = np.where(np.isnan(end), start + elapsed, end)
    moving = get("total_timer_time")
    dist = get("total_distance")
    speed = get("enhanced_avg_speed", "avg_speed")
    speed = np.where(np.isnan(speed), dist / np.where(moving > 0, moving, np.nan), speed)
    cad = get("avg_cadence")
    frac = lap.get("avg_fractional_cadence")
    if frac is not None:
        cad = cad + np.nan_to_num(frac)
    start_dist = np.concatenate(([0.0], np.cumsum(np.nan_to_num(dist))[:-1]))
    base = (start_ns / 1e9 - FIT_EPOCH_S) if start_ns is not None else (start[0] if n else 0.0)

    def times(x: np.ndarray) -> np.ndarray:
        ns = np.where(np.isnan(x), np.iinfo(np.int64).min, ((x + FIT_EPOCH_S) * 1e9).round())
        return ns.astype(np.int64)

    with np.errstate(divide="ignore", invalid="ignore"):
        pace = np.where(speed > 0, 1000.0 / speed, np.nan)
    data = {
        "split": np.arange(1, n + 1, dtype=np.int64),
        "start_time": times(start),
        "end_time": times(end),
        "start_elapsed_s": start - base,
        "end_elapsed_s": end - base,
        "start_distance_m": start_dist,
        "end_distance_m": start_dist + dist,
        "distance_m": dist,
        "duration_s": np.where(np.isnan(end - start), elapsed, end - start),
        "moving_s": moving,
        "pace_s_per_km": pace,
        "speed_mps": speed,
        "gap_speed_mps": np.full(n, np.nan),
        "heart_rate_mean_bpm": get("avg_heart_rate"),
        "heart_rate_max_bpm": get("max_heart_rate"),
        "cadence_mean_spm": cad * 2.0 if foot else np.full(n, np.nan),
        "elevation_gain_m": get("total_ascent"),
        "elevation_loss_m": get("total_descent"),
        "partial": np.zeros(n, dtype=bool),
    }
    return splits_frame(data)


def _sessions(fit: FitData) -> list[dict[str, Any]]:
    ses = fit.table(MESG_SESSION)
    if ses is None:
        return []
    out = []
    getters: dict[str, Callable[[int], Any]] = {}
    for field in (
        "total_distance",
        "total_elapsed_time",
        "total_timer_time",
        "total_ascent",
        "total_descent",
        "avg_heart_rate",
        "max_heart_rate",
        "total_calories",
    ):
        vals = ses.get(field)
        if vals is not None:
            getters[field] = lambda i, v=vals: None if np.isnan(v[i]) else float(v[i])
    sport, sub = ses.enum("sport"), ses.enum("sub_sport")
    start = ses.get("start_time")
    for i in range(len(ses)):
        row: dict[str, Any] = {
            "sport": _enum_name("sport", sport[i]) if sport is not None else None,
            "sub_sport": _enum_name("sub_sport", sub[i]) if sub is not None else None,
            "start_time": _to_timestamp(start[i]) if start is not None else None,
        }
        row.update({k: g(i) for k, g in getters.items()})
        out.append(row)
    return out


def build_activity(fit: FitData, name: str, log: WarningLog) -> Activity:
    """Assemble records, laps and metadata from decoded FIT messages."""
    sport, sub_sport = _sport(fit)
    records, start_ns, timed = _records(fit, sport, log)
    foot = sport is None or sport in FOOT_SPORTS
    laps = _laps(fit, start_ns, foot)
    device = _device(fit)
    sessions = _sessions(fit)
    start_time = sessions[0]["start_time"] if sessions and sessions[0]["start_time"] else None
    if start_time is None and len(records):
        start_time = records.index[0]
    counts = fit.counts or {t.name: len(t) for t in fit.messages.values()}
    extra = {
        "file_type": device.pop("file_type"),
        "time_created": device.pop("time_created"),
        "protocol_version": fit.headers[0]["protocol_version"] if fit.headers else None,
        "profile_version": fit.headers[0]["profile_version"] if fit.headers else None,
        "chained_files": len(fit.headers),
        "timed": timed,
        "sessions": sessions,
        "devices": _devices(fit),
        "message_counts": counts,
    }
    if not len(records):
        log.assumed("the file holds no record messages (no samples)")
    meta = Meta(
        format="fit",
        source=name,
        sport=sport,
        sub_sport=sub_sport,
        manufacturer=device["manufacturer"],
        product=device["product"],
        serial_number=device["serial_number"],
        start_time=start_time,
        pauses=tuple(_pauses(fit)),
        warnings=tuple(log.messages),
        name=None,
        extra=extra,
    )
    return Activity(records=records, laps=laps, meta=meta)


__all__ = ["build_activity", "column_name"]
