"""The streaming expat engine: the general path, with line numbers and recovery."""

from __future__ import annotations

from typing import Any
from xml.parsers import expat

import numpy as np

from ...errors import CorruptFileError, WarningLog
from ..xmlsafe import MAX_DEPTH, depth_error
from ._common import _EXT_FIELDS, _FIELDS, _GPX10_FIELDS, _Raw
from .text import _local, _parse_times, _to_float

_TRUNCATION_CODES = {
    expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS],
    expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_TOKEN],
    expat.errors.codes[expat.errors.XML_ERROR_PARTIAL_CHAR],
    expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_CDATA_SECTION],
}


def _scan_expat(data: bytes, name: str, log: WarningLog) -> _Raw:
    """Read *data* with expat handlers (slow path, exact errors, truncation recovery)."""
    raw = _Raw()
    stack: list[str] = []
    text: list[str] = []
    pts: dict[str, list[Any]] = {k: [] for k in ("lat", "lon", "time", "seg", "kind", *_FIELDS)}
    cur: dict[str, Any] | None = None
    cur_depth = 0
    seg = -1
    meta: dict[str, str] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal cur, cur_depth, seg
        loc = _local(tag)
        if not stack:
            raw.root = loc
            raw.creator = attrs.get("creator")
            raw.version = attrs.get("version")
        stack.append(loc)
        if len(stack) > MAX_DEPTH:
            raise depth_error(name, line=p.CurrentLineNumber)
        text.clear()
        if cur is None and loc in ("trkpt", "rtept"):
            cur = {"lat": attrs.get("lat"), "lon": attrs.get("lon"), "kind": loc}
            cur_depth = len(stack)
        elif loc in ("trkseg", "trk", "rte"):
            seg += 1

    def end(tag: str) -> None:
        nonlocal cur
        loc = stack.pop()
        value = "".join(text).strip()
        text.clear()
        if cur is not None:
            depth = len(stack) + 1 - cur_depth
            if depth == 0:
                for k in pts:
                    pts[k].append(cur.get(k))
                pts["seg"][-1] = seg
                cur = None
            elif depth == 1 and loc in ("ele", "time"):
                cur[loc] = value
            elif loc.encode() in _EXT_FIELDS and (
                depth >= 2 or _EXT_FIELDS[loc.encode()] in _GPX10_FIELDS
            ):
                cur[_EXT_FIELDS[loc.encode()]] = value
            return
        parent = stack[-1] if stack else ""
        if loc == "name" and parent in ("metadata", "gpx"):
            meta.setdefault("meta_name", value)
        elif loc == "time" and parent in ("metadata", "gpx"):
            meta.setdefault("meta_time", value)
        elif loc == "name" and parent in ("trk", "rte"):
            meta.setdefault(parent + "_name", value)
        elif loc == "type" and parent in ("trk", "rte"):
            meta.setdefault(parent + "_type", value)

    def chars(s: str) -> None:
        text.append(s)

    def refuse(*_args: object) -> None:
        raise CorruptFileError(name, "XML entity declarations are refused")

    p = expat.ParserCreate()
    p.buffer_text = True
    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = chars
    p.EntityDeclHandler = refuse
    p.UnparsedEntityDeclHandler = refuse
    p.ExternalEntityRefHandler = refuse
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        p.Parse(data, True)
    except expat.ExpatError as exc:
        if exc.code in _TRUNCATION_CODES and raw.root is not None:
            log.repaired(
                f"document ends early ({expat.errors.messages[exc.code]}); "
                f"kept the {len(pts['lat'])} complete points before the cut",
                line=exc.lineno,
            )
        else:
            raise CorruptFileError(
                name, f"malformed XML: {expat.errors.messages[exc.code]}", line=exc.lineno
            ) from None
    except LookupError as exc:  # an encoding declaration Python does not know
        raise CorruptFileError(name, f"unsupported XML encoding: {exc}", line=1) from None

    raw.meta_name = meta.get("meta_name")
    raw.meta_time = meta.get("meta_time")
    raw.trk_name = meta.get("trk_name") or meta.get("rte_name")
    raw.trk_type = meta.get("trk_type") or meta.get("rte_type")
    kinds = pts.pop("kind")
    want = "trkpt" if "trkpt" in kinds else "rtept"
    raw.kind = "track" if want == "trkpt" else "route"
    keep = [i for i, kd in enumerate(kinds) if kd == want]
    raw.lat = np.array([_to_float(pts["lat"][i]) for i in keep], dtype=np.float64)
    raw.lon = np.array([_to_float(pts["lon"][i]) for i in keep], dtype=np.float64)
    seg_ids = np.array([pts["seg"][i] for i in keep], dtype=np.int64)
    raw.seg = np.cumsum(np.r_[False, np.diff(seg_ids) != 0]) if keep else seg_ids
    for f in _FIELDS:
        col = [pts[f][i] for i in keep]
        if f == "ele" or any(v is not None for v in col):
            raw.values[f] = np.array([_to_float(v) for v in col], dtype=np.float64)
    times = [pts["time"][i] or "" for i in keep]
    t_ns, naive, bad = _parse_times(np.array(times, dtype="U"))
    raw.time_ns = t_ns if keep else np.empty(0, dtype=np.int64)
    raw.naive, raw.bad_times = naive, bad
    return raw
