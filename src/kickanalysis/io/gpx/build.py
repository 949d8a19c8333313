"""From the raw per-point arrays to the Activity (shared by every engine)."""

from __future__ import annotations

import re

import numpy as np

from ... import geo, schema
from ...activity import Activity, Meta
from ...errors import EmptyActivityError, WarningLog
from ._common import _CYCLING_WORDS, _FOOT_WORDS, _MAKERS, _NAT, _STRAVA_TYPES, _Raw


def _sport(type_text: str | None) -> str | None:
    if not type_text:
        return None
    t = type_text.strip()
    return _STRAVA_TYPES.get(t, t) or None


def _device(creator: str | None) -> tuple[str | None, str | None]:
    if not creator:
        return None, None
    product = re.split(r"\s+-+\s+|\s+https?://", creator.strip())[0].strip() or None
    low = creator.lower()
    for pattern, maker, strip in _MAKERS:
        if pattern in low:
            if strip and product and product.lower().startswith(pattern):
                product = product[len(pattern) :].strip(" .-_") or None
            return maker, product
    return None, product


def _segment_distance(lat: np.ndarray, lon: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Cumulative distance [m] not counting the jumps between segments."""
    n = len(lat)
    out = np.full(n, np.nan)
    ok = np.flatnonzero(~(np.isnan(lat) | np.isnan(lon)))
    if ok.size == 0:
        return out
    step = geo.haversine_m(lat[ok[:-1]], lon[ok[:-1]], lat[ok[1:]], lon[ok[1:]])
    step = np.where(seg[ok[1:]] != seg[ok[:-1]], 0.0, step)
    known = np.concatenate(([0.0], np.cumsum(step)))
    idx = np.full(n, -1)
    idx[ok] = np.arange(ok.size)
    idx = np.maximum.accumulate(idx)
    has = idx >= 0
    out[has] = known[idx[has]]
    return out


def _build_activity(raw: _Raw, name: str, log: WarningLog) -> Activity:
    import pandas as pd

    n = len(raw.lat)
    if n == 0:
        if raw.waypoints == 0:
            raise EmptyActivityError(name, "no track, route or waypoints in the GPX document")
        # a well-formed file that holds no samples (only waypoints): an Activity with no
        # records, like a FIT settings file; analyses raise EmptyActivityError on it
        log.assumed(f"no track or route points (only {raw.waypoints} waypoints): no samples")
        meta = Meta(
            format="gpx",
            source=name,
            sport=_sport(raw.trk_type),
            name=raw.trk_name or raw.meta_name,
            warnings=tuple(log.messages),
            extra={
                "creator": raw.creator,
                "version": raw.version,
                "kind": "waypoints",
                "waypoints": raw.waypoints,
            },
        )
        empty = schema.records_frame(np.zeros(0, dtype=np.int64), {})
        return Activity(records=empty, laps=schema.empty_splits(), meta=meta)
    lat, lon, seg = raw.lat, raw.lon, raw.seg
    values = dict(raw.values)
    t = raw.time_ns
    n_points = n
    timed = True
    has_t = t != _NAT
    if raw.naive:
        log.assumed(f"{raw.naive} timestamps without a time zone taken as UTC")
    no_pos = int((~(np.isfinite(lat) & np.isfinite(lon))).sum())
    if no_pos:
        log.repaired(
            f"{no_pos} of {n} points without a valid lat/lon: kept with NaN position; "
            "distance_m is measured between the positioned points either side"
        )
    meta_start = None  # a route's start: only the file's own metadata time, if any
    if not has_t.any():
        timed = False
        start = pd.Timestamp(0, tz="UTC")
        if raw.meta_time:
            mt = pd.to_datetime(raw.meta_time, format="ISO8601", utc=True, errors="coerce")
            lo, hi = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")
            if not pd.isna(mt) and lo <= mt <= hi - pd.Timedelta(seconds=n):
                start = meta_start = mt
        t = start.as_unit("ns").value + np.arange(n, dtype=np.int64) * 1_000_000_000
        log.assumed(
            f"no timestamps ({raw.kind} without times): points placed 1 s apart from "
            f"{start.isoformat()}"
        )
    elif not has_t.all():
        # interior gaps: linear in point index; before the first / after the last timed
        # point: one second per point, so that no position is lost
        timed = False
        idx = np.flatnonzero(has_t)
        pos = np.arange(n, dtype=np.float64)
        known = t[idx].astype(np.float64)
        filled = np.interp(pos, idx, known)
        filled[: idx[0]] = known[0] - (idx[0] - pos[: idx[0]]) * 1e9
        filled[idx[-1] + 1 :] = known[-1] + (pos[idx[-1] + 1 :] - idx[-1]) * 1e9
        t = np.where(has_t, t, np.round(filled).astype(np.int64))
        log.assumed(
            f"{n - idx.size} of {n} points without a time: interpolated between timed "
            "points, 1 s per point before the first and after the last"
        )
    if n > 1 and np.any(np.diff(t) < 0):
        backwards = int((np.diff(t) < 0).sum())
        log.repaired(f"time goes backwards {backwards} times; points sorted by time")
        order = np.argsort(t, kind="stable")
        t, lat, lon, seg = t[order], lat[order], lon[order], seg[order]
        values = {k: v[order] for k, v in values.items()}
        # after sorting, a new segment starts wherever the segment id changes
        seg = np.cumsum(np.r_[0, np.diff(seg) != 0])

    brk = np.flatnonzero(np.diff(seg) != 0) + 1
    pauses = tuple(
        (pd.Timestamp(int(t[b - 1]), tz="UTC"), pd.Timestamp(int(t[b]), tz="UTC"))
        for b in brk
        if t[b] > t[b - 1]
    )
    dist = _segment_distance(lat, lon, seg)
    elapsed = (t - t[0]) / 1e9
    speed = geo.speed_from_distance(elapsed, dist)
    for b in brk:
        if b + 1 < n and seg[b + 1] == seg[b]:
            speed[b] = speed[b + 1]
    if not has_t.any():
        speed = np.full(n, np.nan)  # a route: the 1 s spacing is made up, so is any speed
    ext_speed = values.get("speed")
    if ext_speed is not None and not np.isnan(ext_speed).all():
        speed = np.where(np.isnan(ext_speed), speed, ext_speed)

    sport = _sport(raw.trk_type)
    cols: dict[str, np.ndarray] = {
        "lat_deg": lat,
        "lon_deg": lon,
        "elevation_m": values.get("ele", np.full(n, np.nan)),
        "distance_m": dist,
        "speed_mps": speed,
    }
    extra: dict[str, np.ndarray] = {}
    for key, col in (("hr", "heart_rate_bpm"), ("power", "power_w"), ("temp", "temperature_c")):
        if key in values:
            cols[col] = values[key]
    cad = values.get("cad")
    if cad is not None and not np.isnan(cad).all():
        low = (sport or "").lower()
        if any(w in low for w in _CYCLING_WORDS):
            extra["cadence_rpm"] = cad  # crank revolutions, not steps (as the FIT reader)
        else:
            if not any(w in low for w in _FOOT_WORDS) and np.nanmax(cad) > 0:
                log.assumed(
                    "cadence in a GPX without a known sport taken as per-leg rpm of a "
                    "run: cadence_spm = 2 * cad"
                )
            cols["cadence_spm"] = 2.0 * cad
    course = values.get("course")
    if course is not None and not np.isnan(course).all():
        extra["course_deg"] = course
    records = schema.records_frame(t, cols, extra=extra or None)
    if not has_t.any():
        records["elapsed_s"] = np.nan  # no time in the file: no elapsed time either

    manufacturer, product = _device(raw.creator)
    meta = Meta(
        format="gpx",
        source=name,
        sport=sport,
        manufacturer=manufacturer,
        product=product,
        start_time=records.index[0] if timed or has_t.any() else meta_start,
        pauses=pauses,
        warnings=tuple(log.messages),
        name=raw.trk_name or raw.meta_name,
        extra={
            "creator": raw.creator,
            "version": raw.version,
            "kind": raw.kind,
            "timed": timed,
            "untimed_points": int(n_points - has_t.sum()),
            "type": raw.trk_type,
            "segments": int(seg[-1]) + 1,
        },
    )
    return Activity(records=records, laps=schema.empty_splits(), meta=meta)
