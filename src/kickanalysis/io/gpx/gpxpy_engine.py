"""engine="gpxpy": gpxpy's parse into the same raw arrays."""

from __future__ import annotations

import numpy as np

from ...errors import CorruptFileError
from ..xmlsafe import reject_deep
from ._common import _EXT_FIELDS, _NAT, _Raw
from .text import _to_float


def _read_gpxpy(data: bytes, name: str) -> _Raw:
    import gpxpy
    import gpxpy.gpx
    import pandas as pd

    reject_deep(data, name)  # gpxpy on ElementTree (no lxml) recurses without a bound
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    try:
        doc = gpxpy.parse(text)
    except gpxpy.gpx.GPXException as exc:
        raise CorruptFileError(name, f"gpxpy could not parse the document: {exc}") from exc
    except MemoryError:
        raise
    except Exception as exc:  # gpxpy/lxml raise bare ValueError etc. on damaged markup
        raise CorruptFileError(
            name, f"gpxpy could not parse the document: {type(exc).__name__}: {exc}"
        ) from exc

    raw = _Raw(root="gpx", creator=doc.creator, version=doc.version)
    raw.meta_name = doc.name
    raw.meta_time = doc.time.isoformat() if doc.time is not None else None
    segments = [seg.points for trk in doc.tracks for seg in trk.segments]
    raw.kind = "track"
    if not any(segments):
        segments = [rte.points for rte in doc.routes]
        raw.kind = "route"
    named = doc.tracks if raw.kind == "track" else doc.routes
    raw.trk_name = next((t.name for t in named if t.name), None)
    raw.trk_type = next((t.type for t in named if getattr(t, "type", None)), None)

    pts = [(i, p) for i, seg in enumerate(segments) for p in seg]
    n = len(pts)
    raw.lat = np.array([p.latitude for _, p in pts], dtype=np.float64)
    raw.lon = np.array([p.longitude for _, p in pts], dtype=np.float64)
    raw.values["ele"] = np.array(
        [np.nan if p.elevation is None else p.elevation for _, p in pts], dtype=np.float64
    )
    seg_ids = np.array([i for i, _ in pts], dtype=np.int64)
    raw.seg = np.cumsum(np.r_[False, np.diff(seg_ids) != 0]) if n else seg_ids
    time_ns = np.full(n, _NAT, dtype=np.int64)
    for j, (_, p) in enumerate(pts):
        if p.time is None:
            continue
        ts = pd.Timestamp(p.time)
        if ts.tzinfo is None:
            raw.naive += 1
            ts = ts.tz_localize("UTC")
        try:
            time_ns[j] = ts.tz_convert("UTC").as_unit("ns").value
        except (OverflowError, ValueError):  # beyond 1677-2262: unparseable
            raw.bad_times += 1
    raw.time_ns = time_ns
    for key, attr in (("speed", "speed"), ("course", "course")):
        col = [getattr(p, attr, None) for _, p in pts]
        if any(v is not None for v in col):
            raw.values[key] = np.array([np.nan if v is None else v for v in col], dtype=float)
    for j, (_, p) in enumerate(pts):
        for ext in p.extensions:
            for el in ext.iter():
                if not isinstance(el.tag, str):
                    continue
                loc = el.tag.rpartition("}")[2].rpartition(":")[2].encode()
                key = _EXT_FIELDS.get(loc)
                if key is None:
                    continue
                col = raw.values.setdefault(key, np.full(n, np.nan))
                col[j] = _to_float((el.text or "").strip())
    return raw
