"""GPX 1.0 / 1.1 reader: tracks (or a route, for a course) into an :class:`Activity`.

Two engines produce the same :class:`~kickanalysis.activity.Activity` shape:

``"native"``
    kickanalysis' own reader. Its fast path locates every tag of the document with numpy
    (positions of ``<`` and ``>``), checks that the tags nest and match, and converts the
    text of the point elements in bulk; everything outside the track points (metadata,
    track names, waypoints …) is parsed by expat. Documents the fast path does not handle
    (comments or CDATA after the root start, truncated or malformed input, UTF-16) go
    through a streaming expat parser, which reports malformed XML with its line and
    recovers the points before a truncation.
``"gpxpy"``
    Reads through the gpxpy library into the same frame; meant as an independent
    reference.

Both engines share the conversion from the raw per-point arrays to the records frame
(:func:`_build_activity`), so the policies below hold for both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import geo, schema
from ..activity import Activity, Meta
from ..errors import CorruptFileError, EmptyActivityError, WarningLog
from .xmlsafe import reject_dtd

__all__ = ["gpx_from_bytes"]

#: Sentinel for "no time" in integer-nanosecond arrays.
_NAT = np.iinfo(np.int64).min

#: Local names (namespace prefix ignored) of extension elements → raw field.
#: Garmin TrackPointExtension v1/v2 (hr, cad, atemp, wtemp, speed, course), Cluetrust
#: gpxdata (heartrate/hr, cadence, temp), Apple Health (speed, course), the ``power``
#: element written by Strava/Wahoo and Garmin's PowerExtension ``PowerInWatts``.
_EXT_FIELDS: dict[bytes, str] = {
    b"hr": "hr",
    b"heartrate": "hr",
    b"cad": "cad",
    b"cadence": "cad",
    b"atemp": "temp",
    b"temp": "temp",
    b"speed": "speed",
    b"course": "course",
    b"power": "power",
    b"PowerInWatts": "power",
}
#: GPX 1.0 has ``speed`` and ``course`` as plain children of a point.
_GPX10_FIELDS = ("speed", "course")
_FIELDS = ("ele", "hr", "cad", "temp", "speed", "course", "power")

#: Strava writes its activity type as a number in ``trk/type``.
_STRAVA_TYPES = {"1": "cycling", "9": "running"}

_CYCLING_WORDS = ("cycl", "bik", "ride", "biking")
_FOOT_WORDS = ("run", "walk", "hik", "jog", "trail")

#: Maker recognised from the GPX ``creator`` attribute: (pattern, manufacturer, strip).
_MAKERS: tuple[tuple[str, str, bool], ...] = (
    ("garmin", "Garmin", True),
    ("etrex", "Garmin", False),
    ("oregon", "Garmin", False),
    ("edge", "Garmin", False),
    ("forerunner", "Garmin", False),
    ("fenix", "Garmin", False),
    ("mapsource", "Garmin", False),
    ("gpsmap", "Garmin", False),
    ("movescount", "Suunto", False),
    ("suunto", "Suunto", True),
    ("polar", "Polar", True),
    ("wahoo", "Wahoo", True),
    ("coros", "Coros", True),
    ("tomtom", "TomTom", True),
    ("apple", "Apple", True),
)

_TZ_SUFFIX = re.compile(r"(?:[Zz]|[+-]\d\d(?::?\d\d)?)$")
_ATTR = rb"""\s+[A-Za-z_][\w.\-:]*\s*=\s*(?:"[^"<]*"|'[^'<]*')"""
_TAG_ATTRS = re.compile(rb"(?:(?:" + _ATTR + rb")*\s*/?\x00)*")


@dataclass
class _Raw:
    """Per-point arrays and document metadata, as an engine read them."""

    kind: str = "track"
    lat: np.ndarray = field(default_factory=lambda: np.empty(0))
    lon: np.ndarray = field(default_factory=lambda: np.empty(0))
    time_ns: np.ndarray = field(default_factory=lambda: np.empty(0, dtype="int64"))
    naive: int = 0
    bad_times: int = 0
    seg: np.ndarray = field(default_factory=lambda: np.empty(0, dtype="int64"))
    values: dict[str, np.ndarray] = field(default_factory=dict)
    creator: str | None = None
    version: str | None = None
    root: str | None = None
    meta_name: str | None = None
    meta_time: str | None = None
    trk_name: str | None = None
    trk_type: str | None = None
    waypoints: int = 0


# ---------------------------------------------------------------------------------------
# public entry point


def gpx_from_bytes(
    data: bytes, name: str = "<bytes>", *, engine: str = "native", strict: bool = False
) -> Activity:
    """Read a GPX document into an :class:`~kickanalysis.activity.Activity`.

    Parameters
    ----------
    data : bytes
        The GPX document (already decompressed).
    name : str
        Source name used in messages and ``meta.source``.
    engine : {"native", "gpxpy"}
        ``"native"``: kickanalysis' own vectorised reader; ``"gpxpy"``: through gpxpy.
    strict : bool
        Raise :class:`~kickanalysis.errors.CorruptFileError` instead of repairing
        (truncation, unparseable timestamps, times out of order).

    Returns
    -------
    Activity
        ``records`` with the core columns (``distance_m`` [m] from the positions,
        ``speed_mps`` [m/s], ``heart_rate_bpm`` [1/min], ``cadence_spm`` [1/min],
        ``power_w`` [W], ``temperature_c`` [°C]) plus ``course_deg`` [deg] and
        ``cadence_rpm`` [1/min] (the value as written) when present; ``laps`` empty;
        ``meta`` with ``format="gpx"``.

    Raises
    ------
    CorruptFileError
        Malformed XML (with the line), entity/DTD declarations, a root other than
        ``<gpx>``; with ``strict``, any repaired damage.
    EmptyActivityError
        Neither track points nor route points.
    ValueError
        Unknown ``engine``.

    Notes
    -----
    Policies, shared by both engines:

    * **What is read**: every ``trkpt`` of every track and segment, in document order.
      When there is none, the ``rtept`` of every route (a course: ``extra["kind"]`` is
      ``"route"``). Waypoints are never read as samples.
    * **Times**: any ISO-8601 form (``Z``, ``±hh:mm``, fractional seconds) becomes UTC;
      naive times are taken as UTC (warning). Without any time (a course), the points
      are placed one second apart from the metadata time (or 1970-01-01), with
      ``extra["timed"] = False`` and a warning. Points without a time between timed
      points get a time interpolated linearly in point index, untimed points before the
      first or after the last timed point are placed one second apart (no position is
      lost; ``extra["timed"] = False``, ``extra["untimed_points"]`` counts them, and a
      warning). Times going backwards are sorted (stable, repair).
    * **Segments**: a new ``trkseg`` (or ``trk``) is a recording gap: ``meta.pauses``
      gets (last time of the previous segment, first time of the next) when time moves
      forward between them, and the jump in position across the break is *not* counted
      in ``distance_m``.
    * **Speed**: from the extension ``speed`` where the file has it, else (and for
      points lacking it) from the distance by backward differences; the first point of
      a segment takes the next point's value.
    * **Cadence**: Garmin/Suunto/Strava write *per-leg* (or crank) revolutions per
      minute, e.g. 85 for a run at 170 steps/min. For running, walking, hiking and an
      unknown sport ``cadence_spm = 2 * cad`` (unknown sport: with a warning); for
      cycling the crank rpm goes to ``cadence_rpm`` and ``cadence_spm`` stays NaN, as in
      the FIT reader.
    * **Extensions** are matched on local names, whatever the namespace prefix:
      ``hr``/``heartrate``, ``cad``/``cadence``, ``atemp``/``temp``, ``speed``,
      ``course``, ``power``/``PowerInWatts``.

    Examples
    --------
    >>> gpx = b'''<gpx version="1.1" creator="x"><trk><trkseg>
    ... <trkpt lat="0" lon="0"><time>2024-01-01T00:00:00Z</time></trkpt>
    ... <trkpt lat="0" lon="0.001"><time>2024-01-01T00:00:30Z</time></trkpt>
    ... </trkseg></trk></gpx>'''
    >>> act = gpx_from_bytes(gpx, "demo.gpx")
    >>> round(float(act.records["distance_m"].iloc[-1]), 2)
    111.2
    """
    if engine not in ("native", "gpxpy"):
        raise ValueError(f"unknown GPX engine {engine!r}; use 'native' or 'gpxpy'")
    log = WarningLog(name, strict=strict)
    reject_dtd(data, name)
    raw = _read_gpxpy(data, name) if engine == "gpxpy" else _read_native(data, name, log)
    if raw.root is not None and raw.root != "gpx":
        raise CorruptFileError(name, f"root element is <{raw.root}>, not <gpx>")
    if len(raw.lat) == 0:
        raw.waypoints = len(_WPT.findall(data))
    return _build_activity(raw, name, log)


_WPT = re.compile(rb"<(?:[\w.\-]+:)?wpt[\s/>]")


# ---------------------------------------------------------------------------------------
# native engine


def _read_native(data: bytes, name: str, log: WarningLog) -> _Raw:
    raw = None
    if data[:2] not in (b"\xff\xfe", b"\xfe\xff") and b"\x00" not in data[:4]:
        raw = _scan_template(data, name)
        if raw is None:
            raw = _scan_fast(data, name)
    if raw is None:
        raw = _scan_expat(data, name, log)
    if raw.bad_times:
        log.repaired(f"{raw.bad_times} unparseable timestamps treated as missing")
    return raw


def _u64_view(arr: np.ndarray) -> np.ndarray:
    """Overlapping little-endian 8-byte windows: ``view[i]`` holds bytes ``i..i+7``."""
    return np.ndarray(
        shape=(max(len(arr) - 7, 0),), dtype="<u8", buffer=arr, offset=0, strides=(1,)
    )


_WORD_MASKS = np.array([(1 << (8 * i)) - 1 for i in range(8)] + [2**64 - 1], dtype=np.uint64)


def _name_extent(u64: np.ndarray, starts: np.ndarray, skip: int) -> tuple[np.ndarray, np.ndarray]:
    """Length of the XML names at *starts* (-1 if longer than skip+24) and last colon."""
    k = len(starts)
    win = (
        np.stack([u64[starts + skip + 8 * i] for i in range(3)], axis=1)
        .view(np.uint8)
        .reshape(k, 24)
    )
    term = (win <= 32) | (win == 47) | (win == 62)
    has_term = term.any(axis=1)
    end = term.argmax(axis=1)
    nlen = np.where(has_term, end + skip, -1)
    colon = (win == 58) & (np.arange(24) < np.where(has_term, end, 24)[:, None])
    last = np.where(colon.any(axis=1), skip + 23 - colon[:, ::-1].argmax(axis=1), -1)
    return nlen, last


def _word(u64: np.ndarray, starts: np.ndarray, length: np.ndarray, at: int) -> np.ndarray:
    """Bytes ``at .. at+7`` of names of *length* at *starts*, zero past the name end."""
    take = np.clip(length - at, 0, 8)
    return u64[starts + at] & _WORD_MASKS[take]


def _key(name: bytes) -> tuple[int, int]:
    padded = name[:16].ljust(16, b"\x00")
    return int.from_bytes(padded[:8], "little"), int.from_bytes(padded[8:], "little")


def _scan_fast(data: bytes, name: str) -> _Raw | None:
    """Vectorised scan of a well-formed document; ``None`` when it cannot be sure."""
    # pad so that 24-byte windows after any '<' stay inside the buffer
    arr = np.frombuffer(data + b"\x00" * 32, dtype=np.uint8)
    n_data = len(data)
    lt = np.flatnonzero(arr[:n_data] == 60)
    if len(lt) == 0:
        return None
    c1 = arr[lt + 1]
    special = (c1 == 33) | (c1 == 63)  # <! and <?
    first = int(np.argmin(special))
    if special[first] or special[first:].any():
        return None  # comments / CDATA / PIs after the root start: expat path
    if data[: lt[0]].lstrip(b"\xef\xbb\xbf").strip():
        return None
    lt = lt[first:]
    c1 = c1[first:]
    gt = np.flatnonzero(arr[:n_data] == 62)
    gt = gt[gt > lt[0]]
    if len(gt) == len(lt):
        ge = gt  # the usual case: no '>' in text or attribute values
    else:
        j = np.searchsorted(gt, lt)
        if len(gt) == 0 or j[-1] >= len(gt):
            return None  # truncated inside a tag
        ge = gt[j]
    if np.any(ge < lt):
        return None
    if np.any(ge[:-1] > lt[1:]) or data[int(ge[-1]) + 1 :].strip():
        return None
    closing = c1 == 47
    selfc = (arr[ge - 1] == 47) & ~closing
    k = len(lt)

    # names: find where each name ends in a 24-byte window after '<' (or '</'),
    # widened to 48 bytes for the few long names; keys are 8-byte words masked to it
    ns = lt + 1 + closing
    u64 = _u64_view(arr)
    nlen, last_colon = _name_extent(u64, ns, 0)
    long = np.flatnonzero(nlen < 0)
    if long.size:
        nlen2, colon2 = _name_extent(u64, ns[long], 24)
        if np.any(nlen2 < 0):
            return None  # names longer than 48 bytes: expat path
        nlen[long] = nlen2
        last_colon[long] = np.maximum(last_colon[long], colon2)
    if np.any(nlen == 0):
        return None
    lstart = last_colon + 1
    llen = nlen - lstart
    full = np.stack([_word(u64, ns, nlen, 8 * i) for i in range(3)], axis=1)
    local = np.stack([_word(u64, ns + lstart, llen, 8 * i) for i in range(2)], axis=1)

    # nesting: depth after each tag, level of the element each tag belongs to
    delta = np.where(closing, -1, np.where(selfc, 0, 1))
    depth = np.cumsum(delta)
    if depth[-1] != 0 or np.any(depth[:-1] <= 0) or closing[0] or selfc[0]:
        return None
    level = np.where(closing | selfc, depth + 1, depth)
    pair = np.flatnonzero(~selfc)
    order = pair[np.argsort(level[pair], kind="stable")]
    opens, closes = order[0::2], order[1::2]
    if len(opens) != len(closes) or closing[opens].any() or not closing[closes].all():
        return None
    if np.any(full[opens] != full[closes]) or np.any(nlen[opens] != nlen[closes]):
        return None
    if np.any(level[opens] != level[closes]):
        return None

    def is_local(nm: bytes) -> np.ndarray:
        a, b = _key(nm)
        return (local[:, 0] == a) & (local[:, 1] == b) & (llen == len(nm))

    is_open = ~closing
    kind = "track"
    pt_open = np.flatnonzero(is_local(b"trkpt") & is_open)
    if len(pt_open) == 0:
        kind = "route"
        pt_open = np.flatnonzero(is_local(b"rtept") & is_open)
    # the matching close of every open element
    match = np.arange(k)
    match[opens] = closes
    pt_close = match[pt_open]
    if np.any(pt_open[1:] <= pt_close[:-1]):
        return None  # points inside points

    # attributes: the usual ` lat="…" lon="…"` of point tags is checked and read with
    # numpy; every other tag with attributes inside the points goes through a regex
    in_pt = np.zeros(k + 1, dtype=np.int64)
    np.add.at(in_pt, pt_open, 1)
    np.add.at(in_pt, pt_close + 1, -1)
    in_pt = np.cumsum(in_pt[:k]) > 0
    tag_end = ge - selfc
    name_end = ns + nlen
    lat, lon, simple = _latlon_simple(arr, n_data, name_end[pt_open], tag_end[pt_open])
    has_attr = in_pt & ~closing & (name_end < tag_end)
    has_attr[pt_open[simple]] = False
    ai = np.flatnonzero(has_attr)
    if ai.size:
        a_lo = name_end[ai].tolist()
        a_hi = tag_end[ai].tolist()
        blob = b"\x00".join([data[a:b] for a, b in zip(a_lo, a_hi)]) + b"\x00"
        if _TAG_ATTRS.fullmatch(blob) is None:
            return None

    # skeleton: the document without the point runs, parsed by expat for metadata
    run_start = np.ones(len(pt_open), dtype=bool)
    run_start[1:] = pt_open[1:] != pt_close[:-1] + 1
    run_end = np.ones(len(pt_open), dtype=bool)
    run_end[:-1] = run_start[1:]
    cuts_lo = lt[pt_open[run_start]].tolist()
    cuts_hi = (ge[pt_close[run_end]] + 1).tolist()
    pieces = []
    pos = 0
    for a, b in zip(cuts_lo, cuts_hi):
        pieces.append(data[pos:a])
        pos = b
    pieces.append(data[pos:])
    skeleton = b"".join(pieces)
    quiet = WarningLog(name, strict=True)
    try:
        raw = _scan_expat(skeleton, name, quiet)
    except CorruptFileError:
        return None
    raw.kind = kind
    n = len(pt_open)

    # segment breaks: an element closing below the point level between two points
    lvl = level[pt_open]
    seg_break = np.zeros(n, dtype=bool)
    if n > 1:
        s = pt_close[:-1] + 1
        e = pt_open[1:]
        gap = np.flatnonzero(e > s)
        if gap.size:
            idx = np.empty(2 * gap.size, dtype=np.int64)
            idx[0::2] = s[gap]
            idx[1::2] = e[gap]
            mins = np.minimum.reduceat(level, idx)[0::2]
            seg_break[gap + 1] = mins < lvl[gap]
    raw.seg = np.cumsum(seg_break)

    # lat / lon attributes of the point tags
    if not simple.all():
        other = np.flatnonzero(~simple)
        p_lo = name_end[pt_open[other]].tolist()
        p_hi = tag_end[pt_open[other]].tolist()
        ptags = [data[a:b] for a, b in zip(p_lo, p_hi)]
        lat[other] = _attr_values(ptags, b"lat")
        lon[other] = _attr_values(ptags, b"lon")
    raw.lat, raw.lon = lat, lon

    # leaf children of the points: <x>text</x> with the next tag its close
    child = np.flatnonzero(in_pt & is_open & ~selfc)
    child = child[child < k - 1]
    child = child[match[child] == child + 1]
    owner = np.searchsorted(pt_open, child, side="right") - 1
    rel = level[child] - lvl[owner]
    t_lo = ge[child] + 1
    t_hi = lt[child + 1]

    def field_of(nm: bytes, min_rel: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a, b = _key(nm)
        sel = (local[child, 0] == a) & (local[child, 1] == b) & (llen[child] == len(nm))
        sel &= (rel == 1) if min_rel == 1 else (rel >= max(min_rel, 1))
        return owner[sel], t_lo[sel], t_hi[sel]

    own, lo, hi = field_of(b"ele", 1)
    ele = np.full(n, np.nan)
    ele[own] = _texts_to_float(arr, lo, hi)
    raw.values["ele"] = ele
    for nm, key in _EXT_FIELDS.items():
        own, lo, hi = field_of(nm, 0 if key in _GPX10_FIELDS else 2)
        if own.size == 0:
            continue
        vals = raw.values.setdefault(key, np.full(n, np.nan))
        vals[own] = _texts_to_float(arr, lo, hi)

    own, lo, hi = field_of(b"time", 1)
    time_ns = np.full(n, _NAT, dtype=np.int64)
    if own.size:
        texts = _gather_text(arr, lo, hi)
        t_ns, naive, bad = _parse_times(texts)
        time_ns[own] = t_ns
        raw.naive, raw.bad_times = naive, bad
    raw.time_ns = time_ns
    return raw


# ---------------------------------------------------------------------------------------
# template path: every point of the document has one of a few fixed child-tag layouts

#: One complete tag at a position: closing slash, qualified name, attributes, self-close.
_TAG = re.compile(
    rb"<(/?)([A-Za-z_][\w.\-:]*)((?:" + _ATTR + rb")*)\s*(/?)>",
)
#: Prolog items before the root element: XML declaration / PIs, comments, DOCTYPE.
_PROLOG_ITEM = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*>)", re.S)
_MAX_TEMPLATES = 16


def _as_int(word: bytes) -> int:
    return int.from_bytes(word.ljust(8, b"\x00"), "little")


def _u64_at(arr: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Little-endian 8-byte words starting at byte positions *pos* (arr is padded)."""
    return _u64_view(arr)[pos]


@dataclass
class _Template:
    """The child tags of one point layout.

    ``size`` is the number of tags from the point's start tag to its end tag (exclusive);
    ``word_tag``, ``word_off``, ``word_mask``, ``word_val`` give every 8-byte word of the
    child tags (tag offset, byte offset, mask, expected value); ``fields`` maps a raw field
    (``"ele"``, ``"time"``, ``"hr"`` …) to ``(tag offset, tag length)`` of the leaf that
    holds its text.
    """

    size: int
    word_tag: np.ndarray
    word_off: np.ndarray
    word_mask: np.ndarray
    word_val: np.ndarray
    fields: dict[str, tuple[int, int]]


def _template_of(data: bytes, lt: np.ndarray, first: int, size: int) -> _Template | None:
    """Read the child tags of the point whose start tag is tag number *first*.

    Returns ``None`` when a child tag is not a plain well-formed tag, the children do not
    nest, a point is nested in a point, or a field occurs twice (the general path knows
    the precedence rules for those).
    """
    tags = []
    stack: list[bytes] = []
    for j in range(1, size):
        pos = int(lt[first + j])
        m = _TAG.match(data, pos)
        if m is None:
            return None
        closing, qname, attrs, selfc = m.groups()
        if closing and (attrs or selfc):
            return None
        local = qname.rpartition(b":")[2]
        if local in (b"trkpt", b"rtept"):
            return None
        if closing:
            if not stack or stack.pop() != qname:
                return None
        elif not selfc:
            stack.append(qname)
        tags.append((m.group(0), closing, selfc, local, len(stack)))
    if stack:
        return None
    word_tag, word_off, word_mask, word_val = [], [], [], []
    fields: dict[str, tuple[int, int]] = {}
    # leaves in the precedence of the general path: ele, time, then _EXT_FIELDS order
    found: dict[str, list[tuple[bytes, int]]] = {}
    for j, (text, closing, selfc, local, depth) in enumerate(tags, start=1):
        for at in range(0, len(text), 8):
            chunk = text[at : at + 8]
            word_tag.append(j)
            word_off.append(at)
            word_mask.append((1 << (8 * len(chunk))) - 1)
            word_val.append(_as_int(chunk))
        leaf = (
            not closing
            and not selfc
            and j < len(tags)
            and tags[j][1]  # the next tag closes this one
            and tags[j][4] == depth - 1
        )
        if leaf:
            found.setdefault(local.decode("ascii"), []).append((j, len(text), depth))
    for nm in ("ele", "time"):
        hits = [(j, n) for j, n, depth in found.get(nm, []) if depth == 1]
        if len(hits) > 1:
            return None
        if hits:
            fields[nm] = hits[0]
    for key in _FIELDS[1:]:
        hits = [
            (j, n)
            for nm, k in _EXT_FIELDS.items()
            if k == key
            for j, n, depth in found.get(nm.decode("ascii"), [])
            if depth >= (1 if key in _GPX10_FIELDS else 2)
        ]
        if len(hits) > 1:
            return None
        if hits:
            fields[key] = hits[0]
    return _Template(
        size=size,
        word_tag=np.array(word_tag, dtype=np.int64),
        word_off=np.array(word_off, dtype=np.int64),
        word_mask=np.array(word_mask, dtype=np.uint64),
        word_val=np.array(word_val, dtype=np.uint64),
        fields=fields,
    )


def _template_holds(
    tpl: _Template, arr: np.ndarray, lt: np.ndarray, word: np.ndarray, starts: np.ndarray
) -> np.ndarray:
    """Mask of the points (start tag numbers *starts*) whose child tags are *tpl*'s.

    The first word of every tag comes from *word* (the words at every ``<``), the
    others from the document; rows are template words, columns points, so that the
    reduction runs over contiguous rows.
    """
    head = tpl.word_off == 0
    got = word[starts[None, :] + tpl.word_tag[head, None]] & tpl.word_mask[head, None]
    ok = (got == tpl.word_val[head, None]).all(axis=0)
    if not head.all():
        rest = ~head
        pos = lt[starts[None, :] + tpl.word_tag[rest, None]] + tpl.word_off[rest, None]
        got = _u64_at(arr, pos) & tpl.word_mask[rest, None]
        ok &= (got == tpl.word_val[rest, None]).all(axis=0)
    return ok


def _prolog_end(data: bytes) -> int:
    """Byte offset of the root start tag: after BOM, declaration, PIs, comments, DOCTYPE."""
    pos = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while True:
        m = _PROLOG_ITEM.match(data, pos)
        if m is None:
            break
        pos = m.end()
    while pos < len(data) and data[pos] in b" \t\r\n":
        pos += 1
    return pos


def _scan_template(data: bytes, name: str) -> _Raw | None:
    """Read documents whose points all follow a few fixed child-tag layouts.

    The layouts ("templates") are taken from the first point of each shape and checked
    for every point, tag by tag, against the bytes of its child tags; the point start
    tags are read like in :func:`_scan_fast`. Everything outside the points is parsed
    by expat (which checks that it is well-formed). ``None`` whenever an assumption
    does not hold; the caller then uses the general path.
    """
    n_data = len(data)
    arr = np.frombuffer(data + b"\x00" * 32, dtype=np.uint8)
    body = arr[:n_data]
    lt = np.flatnonzero(body == 60)
    if len(lt) < 2:
        return None
    root = _prolog_end(data)
    first = int(np.searchsorted(lt, root))
    if first >= len(lt) or lt[first] != root:
        return None
    lt = lt[first:]
    c1 = arr[lt + 1]
    if ((c1 == 33) | (c1 == 63)).any():
        return None  # comments, CDATA or PIs inside the root: general paths
    word = _u64_at(arr, lt)
    after = (word >> np.uint64(48)) & np.uint64(0xFF)
    start_ok = _WS[after.astype(np.uint8)] | (after == 62)
    kind = "track"
    for tag, knd in ((b"trkpt", "track"), (b"rtept", "route")):
        key_open = np.uint64(_as_int(b"<" + tag))
        key_close = np.uint64(_as_int(b"</" + tag + b">"))
        pt_open = np.flatnonzero(((word & np.uint64(2**48 - 1)) == key_open) & start_ok)
        if pt_open.size:
            kind = knd
            pt_close = np.flatnonzero(word == key_close)
            close_len = len(tag) + 3
            break
    else:
        return None
    n = len(pt_open)
    if len(pt_close) != n or np.any(pt_close <= pt_open) or np.any(pt_open[1:] <= pt_close[:-1]):
        return None
    size = pt_close - pt_open

    # templates: the first unassigned point gives the layout for all points of its size
    fields: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
    todo = np.ones(n, dtype=bool)
    for _ in range(_MAX_TEMPLATES):
        left = np.flatnonzero(todo)
        if left.size == 0:
            break
        p = int(left[0])
        tpl = _template_of(data, lt, int(pt_open[p]), int(size[p]))
        if tpl is None:
            return None
        cand = left[size[left] == tpl.size]
        if tpl.word_tag.size:
            cand = cand[_template_holds(tpl, arr, lt, word, pt_open[cand])]
        todo[cand] = False
        for key, (j, tag_len) in tpl.fields.items():
            at = pt_open[cand] + j
            fields.setdefault(key, []).append((cand, lt[at] + tag_len, lt[at + 1]))
    else:
        if todo.any():
            return None

    # skeleton: the document without the runs of points, parsed by expat for metadata
    run_start = np.ones(n, dtype=bool)
    run_start[1:] = pt_open[1:] != pt_close[:-1] + 1
    run_end = np.ones(n, dtype=bool)
    run_end[:-1] = run_start[1:]
    cuts_lo = lt[pt_open[run_start]].tolist()
    cuts_hi = (lt[pt_close[run_end]] + close_len).tolist()
    pieces = []
    at = 0
    for a, b in zip(cuts_lo, cuts_hi):
        pieces.append(data[at:a])
        at = b
    pieces.append(data[at:])
    try:
        raw = _scan_expat(b"".join(pieces), name, WarningLog(name, strict=True))
    except CorruptFileError:
        return None
    if len(raw.lat) and (raw.kind == "track" or kind == "route"):
        return None  # points the byte patterns did not see (prefixed, self-closing …)
    raw.kind = kind

    # segment breaks: a tag between two points that closes an element above them
    seg_break = np.zeros(n, dtype=bool)
    gaps = np.flatnonzero(pt_open[1:] > pt_close[:-1] + 1)
    for g in gaps.tolist():
        depth = 0
        for t in range(int(pt_close[g]) + 1, int(pt_open[g + 1])):
            pos = int(lt[t])
            if data[pos + 1] == 47:
                depth -= 1
                if depth < 0:
                    seg_break[g + 1] = True
                    break
            elif data[data.find(b">", pos) - 1] != 47:
                depth += 1
    raw.seg = np.cumsum(seg_break)

    # lat / lon: the usual ` lat="…" lon="…">` with numpy, other forms with a regex
    name_end = lt[pt_open] + 6  # after "<trkpt" / "<rtept"
    lat, lon, simple = _latlon_quoted(arr, n_data, name_end, lt[pt_open + 1])
    if not simple.all():
        other = np.flatnonzero(~simple)
        ptags = []
        for i, ne in zip(other.tolist(), name_end[other].tolist()):
            end = data.find(b">", ne)
            if end < 0 or end >= lt[pt_open[i] + 1] or data[end - 1] == 47:
                return None
            ptags.append(data[ne:end])
        if _TAG_ATTRS.fullmatch(b"\x00".join(ptags) + b"\x00") is None:
            return None
        lat[other] = _attr_values(ptags, b"lat")
        lon[other] = _attr_values(ptags, b"lon")
    raw.lat, raw.lon = lat, lon

    # texts of the leaves, one bulk conversion per field
    raw.values = {}
    for key in _FIELDS:
        parts = fields.get(key)
        if not parts:
            if key == "ele":
                raw.values["ele"] = np.full(n, np.nan)
            continue
        own = np.concatenate([p[0] for p in parts])
        lo = np.concatenate([p[1] for p in parts])
        hi = np.concatenate([p[2] for p in parts])
        vals = np.full(n, np.nan)
        vals[own] = _texts_to_float(arr, lo, hi)
        raw.values[key] = vals
    time_ns = np.full(n, _NAT, dtype=np.int64)
    raw.naive = raw.bad_times = 0
    parts = fields.get("time")
    if parts:
        own = np.concatenate([p[0] for p in parts])
        lo = np.concatenate([p[1] for p in parts])
        hi = np.concatenate([p[2] for p in parts])
        time_ns[own], raw.naive, raw.bad_times = _parse_times(_gather_text(arr, lo, hi))
    raw.time_ns = time_ns
    return raw


def _latlon_quoted(
    arr: np.ndarray, n_data: int, name_end: np.ndarray, next_lt: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read point start tags of the exact form ``<trkpt lat="…" lon="…">`` (either order).

    *name_end* is the offset just after the tag name, *next_lt* the next ``<``. Returns
    lat, lon [deg] (NaN where the form differs) and the mask of tags that have it.
    """
    m = len(name_end)
    lat = np.full(m, np.nan)
    lon = np.full(m, np.nan)
    q = np.flatnonzero(arr[:n_data] == 34)
    q = np.concatenate([q, np.full(4, n_data)])
    i0 = np.searchsorted(q, name_end)
    q0, q1, q2, q3 = (q[i0 + i] for i in range(4))
    ok = (q3 + 1 < next_lt) & (arr[q3 + 1] == 62)
    ok &= (q0 == name_end + 5) & (q2 == q1 + 6) & _WS[arr[name_end]] & _WS[arr[q1 + 1]]
    ok &= (arr[q0 - 1] == 61) & (arr[q2 - 1] == 61)

    def three(at: np.ndarray) -> np.ndarray:
        a = arr[at].astype(np.int64)
        return (a << 16) | (arr[at + 1].astype(np.int64) << 8) | arr[at + 2]

    first, second = three(name_end + 1), three(q1 + 2)
    k_lat = int.from_bytes(b"lat", "big")
    k_lon = int.from_bytes(b"lon", "big")
    first_lat = (first == k_lat) & (second == k_lon)
    ok &= first_lat | ((first == k_lon) & (second == k_lat))
    sel = np.flatnonzero(ok)
    if sel.size:
        v0 = _texts_to_float(arr, q0[sel] + 1, q1[sel])
        v1 = _texts_to_float(arr, q2[sel] + 1, q3[sel])
        fl = first_lat[sel]
        lat[sel] = np.where(fl, v0, v1)
        lon[sel] = np.where(fl, v1, v0)
    return lat, lon, ok


def _latlon_simple(
    arr: np.ndarray, n_data: int, name_end: np.ndarray, tag_end: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read point tags of the exact form ``<trkpt lat="…" lon="…">`` (either order).

    Returns lat, lon [deg] (NaN where the form differs) and the mask of tags that have
    it; the others are left to the regex path.
    """
    m = len(name_end)
    lat = np.full(m, np.nan)
    lon = np.full(m, np.nan)
    simple = np.zeros(m, dtype=bool)
    if m == 0:
        return lat, lon, simple
    body = arr[:n_data]
    q = np.flatnonzero(body == 34)
    eq = np.flatnonzero(body == 61)
    big = np.iinfo(np.int64).max
    q = np.concatenate([q, np.full(5, big)])
    eq = np.concatenate([eq, np.full(3, big)])
    i0 = np.searchsorted(q, name_end)
    e0 = np.searchsorted(eq, name_end)
    q0, q1, q2, q3, q4 = (q[i0 + i] for i in range(5))
    eq0, eq1, eq2 = (eq[e0 + i] for i in range(3))
    ok = (q3 + 1 == tag_end) & (q4 > tag_end) & (eq2 > tag_end)
    ok &= (eq0 + 1 == q0) & (q1 + 2 == eq1 - 3) & (eq1 + 1 == q2) & (eq0 - 4 == name_end)
    ok &= (q0 < q1) & (q2 < q3)
    sel = np.flatnonzero(ok)
    if sel.size == 0:
        return lat, lon, simple
    a, b = eq0[sel], eq1[sel]
    name_a = (
        (body[a - 3].astype(np.int64) << 16) | (body[a - 2].astype(np.int64) << 8) | body[a - 1]
    )
    name_b = (
        (body[b - 3].astype(np.int64) << 16) | (body[b - 2].astype(np.int64) << 8) | body[b - 1]
    )
    k_lat = int.from_bytes(b"lat", "big")
    k_lon = int.from_bytes(b"lon", "big")
    first_lat = (name_a == k_lat) & (name_b == k_lon)
    first_lon = (name_a == k_lon) & (name_b == k_lat)
    spaced = (body[a - 4] <= 32) & (body[q1[sel] + 1] <= 32)
    good = (first_lat | first_lon) & spaced
    sel, first_lat = sel[good], first_lat[good]
    if sel.size == 0:
        return lat, lon, simple
    v0 = _texts_to_float(arr, q0[sel] + 1, q1[sel])
    v1 = _texts_to_float(arr, q2[sel] + 1, q3[sel])
    lat[sel] = np.where(first_lat, v0, v1)
    lon[sel] = np.where(first_lat, v1, v0)
    simple[sel] = True
    return lat, lon, simple


def _gather_block(arr: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Texts ``arr[lo:hi]`` as rows of a NUL-padded ``uint8`` block, and their lengths."""
    lens = hi - lo
    width = max(int(lens.max()) if lens.size else 1, 1)
    cols = np.arange(width)
    if lo.size and int(lo.max()) + width <= len(arr):
        rows = sliding_window_view(arr, width)[lo]
    else:
        rows = arr[np.minimum(lo[:, None] + cols, len(arr) - 1)]
    block = np.where(cols < lens[:, None], rows, np.uint8(0))
    return block, lens


def _gather_text(arr: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Texts ``arr[lo:hi]`` as a fixed-width ``S`` array (NUL padded)."""
    block, _ = _gather_block(arr, lo, hi)
    return np.ascontiguousarray(block).view(f"S{block.shape[1]}").ravel()


#: Powers of ten that are exact in float64 (10**22 is the largest).
_POW10 = np.array([float(10**k) for k in range(23)])
_WS = np.zeros(256, dtype=bool)
_WS[[9, 10, 13, 32]] = True
#: Widest text the integer decimal path reads.
_DEC_WIDTH = 22
#: Byte classes for :func:`_decimals`: digit 1, dot 2**10, anything else 2**20 (NUL 0).
_DEC_CLASS = np.full(256, 2.0**20)
_DEC_CLASS[48:58] = 1.0
_DEC_CLASS[46] = 2.0**10
_DEC_CLASS[0] = 0.0
_DEC_DIGIT = np.zeros(256)
_DEC_DIGIT[48:58] = np.arange(10)


def _decimals(arr: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Plain decimals (``-12.345``, ``7``) in the texts ``arr[lo:hi]``, read exactly.

    Returns the values and the mask of texts that have that form (optional minus,
    digits, at most one dot with digits on both sides, no whitespace) and whose digits,
    read as an integer, stay below 2**53. For those, ``digits / 10**fraction_digits`` is
    one correctly rounded IEEE division of two exact numbers, so the value is identical
    to ``float(text)`` (Clinger's fast path); the other entries are NaN here.

    The texts are gathered right-aligned into a byte block; one matrix product with the
    byte classes counts digits, dots and other bytes and locates the dot, a second one
    sums the digits times their powers of ten (exact: all partial sums are integers
    below 2**53).
    """
    n = len(lo)
    lens = hi - lo
    out = np.full(n, np.nan)
    ok = (lens >= 1) & (lens <= _DEC_WIDTH) & (hi >= _DEC_WIDTH)
    sel = np.flatnonzero(ok)
    if sel.size == 0:
        return out, ok
    if sel.size < n:
        lens, hi = lens[sel], hi[sel]
    w = int(lens.max())
    cols = np.arange(w)
    block = sliding_window_view(arr, w)[hi - w]
    block = np.where(cols >= (w - lens)[:, None], block, np.uint8(0))
    place = (w - 1 - cols).astype(np.float64)  # digits to the right of each column
    counts = _DEC_CLASS[block] @ np.stack([np.ones(w), place], axis=1)
    whole = _DEC_DIGIT[block] @ _POW10[w - 1 - cols]
    # a leading minus counted as "other": take it out again
    neg = block[np.arange(len(lens)), w - lens] == 45
    counts[neg, 0] -= 2.0**20
    counts[neg, 1] -= 2.0**20 * (lens[neg] - 1)
    c0 = counts[:, 0].astype(np.int64)
    ndig, ndot, nother = c0 & 1023, (c0 >> 10) & 1023, c0 >> 20
    frac = (counts[:, 1].astype(np.int64) >> 10) & 1023  # digits after the dot
    good = (nother == 0) & (ndig >= 1) & (ndig + ndot == lens - neg) & (whole < 2.0**53)
    good &= (ndot == 0) | ((ndot == 1) & (frac >= 1) & (frac < ndig))
    frac = np.where(ndot == 1, frac, 0)
    scale = _POW10[frac]
    # the dot counted as a digit position: digits left of it are ten times too big
    low = np.fmod(whole, scale)
    mant = low + (whole - low) / 10.0
    mant = np.where(ndot == 1, mant, whole)
    val = mant / scale
    val = np.where(neg, -val, val)
    ok[sel] = good
    out[sel] = np.where(good, val, np.nan)
    return out, ok


def _texts_to_float(arr: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Numbers in the texts ``arr[lo:hi]`` (NaN where a text is not a number).

    Plain decimals are converted exactly with :func:`_decimals`; the other texts go
    through numpy's string conversion, or, when one of those fails, through
    :func:`float` one by one.
    """
    if lo.size == 0:
        return np.empty(0)
    out, ok = _decimals(arr, lo, hi)
    if ok.all():
        return out
    rest = np.flatnonzero(~ok)
    texts = _gather_text(arr, lo[rest], hi[rest])
    try:
        out[rest] = texts.astype(np.float64)
    except ValueError:
        out[rest] = [_to_float(t) for t in texts.tolist()]
    return out


def _to_float(text: bytes | str | None) -> float:
    if text is None:
        return np.nan
    try:
        return float(text)
    except ValueError:
        return np.nan


def _attr_values(tags: list[bytes], attr: bytes) -> np.ndarray:
    pat = re.compile(rb"(?<![\w.:\-])" + attr + rb"""\s*=\s*(?:"([^"]*)"|'([^']*)')""")
    found = pat.findall(b"\x00".join(tags))
    if len(found) == len(tags):
        return np.array([_to_float(a or b) for a, b in found])
    out = np.full(len(tags), np.nan)
    for i, tag in enumerate(tags):
        m = pat.search(tag)
        if m:
            out[i] = _to_float(m.group(1) or m.group(2))
    return out


_DAYS_BEFORE = np.array([0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334])
_MONTH_DAYS = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _utc_fixed(block: np.ndarray) -> np.ndarray | None:
    """``YYYY-MM-DDTHH:MM:SS[.f…]Z`` rows of one width to UTC ns; ``None`` otherwise.

    The common GPX form, read with integer arithmetic on the byte columns. Any row that
    does not have exactly that form, or a field out of range, returns ``None`` (the
    caller then uses pandas for all rows).
    """
    n, w = block.shape
    if n == 0 or not (w == 20 or 22 <= w <= 30):
        return None
    d = block.astype(np.int64) - 48
    digits = list(range(0, 4)) + [5, 6, 8, 9, 11, 12, 14, 15, 17, 18] + list(range(20, w - 1))
    if not ((d[:, digits] >= 0) & (d[:, digits] <= 9)).all():
        return None
    seps = {4: 45, 7: 45, 10: 84, 13: 58, 16: 58, w - 1: 90}
    if w > 20:
        seps[19] = 46
    for c, ch in seps.items():
        if not (block[:, c] == ch).all():
            return None
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month = d[:, 5] * 10 + d[:, 6]
    day = d[:, 8] * 10 + d[:, 9]
    hour = d[:, 11] * 10 + d[:, 12]
    minute = d[:, 14] * 10 + d[:, 15]
    second = d[:, 17] * 10 + d[:, 18]
    if year.min() < 1678 or year.max() > 2261 or month.min() < 1 or month.max() > 12:
        return None
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    mdays = _MONTH_DAYS[month] - ((month == 2) & ~leap)
    if (day < 1).any() or (day > mdays).any() or hour.max() > 23:
        return None
    if minute.max() > 59 or second.max() > 59:
        return None
    y = year - 1
    days = y * 365 + y // 4 - y // 100 + y // 400 - 719162  # days before Jan 1 since 1970
    days = days + _DAYS_BEFORE[month] + ((month > 2) & leap) + day - 1
    ns = ((days * 24 + hour) * 60 + minute) * 60 + second
    ns = ns * 1_000_000_000
    if w > 20:
        nfrac = w - 21
        frac = np.zeros(n, dtype=np.int64)
        for c in range(20, w - 1):
            frac = frac * 10 + d[:, c]
        ns = ns + frac * 10 ** (9 - nfrac)
    return ns


def _parse_times(texts: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Parse ISO-8601 texts to UTC ns; returns (ns with _NAT, n naive, n unparseable)."""
    import pandas as pd

    if texts.size and texts.dtype.kind == "S":
        block = texts.view(np.uint8).reshape(texts.size, -1)
        fixed = _utc_fixed(block)
        if fixed is not None:
            return fixed, 0, 0
    strs = np.char.strip(texts.astype("U"))
    if strs.size == 0:
        return np.empty(0, dtype=np.int64), 0, 0
    aware = np.char.endswith(strs, "Z")
    naive = 0
    if not aware.all():
        naive = sum(1 for s in strs[~aware].tolist() if s and not _TZ_SUFFIX.search(s))
    empty = strs == ""
    idx = pd.to_datetime(strs, format="ISO8601", utc=True, errors="coerce")
    ns = idx.as_unit("ns").asi8.copy()
    bad = int((idx.isna() & ~empty).sum())
    ns[np.asarray(idx.isna())] = _NAT
    return ns, naive, bad


# ---------------------------------------------------------------------------------------
# streaming expat parser: metadata of the skeleton, and the fallback for any document


_TRUNCATION_CODES = {
    expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS],
    expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_TOKEN],
    expat.errors.codes[expat.errors.XML_ERROR_PARTIAL_CHAR],
    expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_CDATA_SECTION],
}


def _local(tag: str) -> str:
    return tag.rpartition(":")[2]


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


# ---------------------------------------------------------------------------------------
# gpxpy engine


def _read_gpxpy(data: bytes, name: str) -> _Raw:
    import gpxpy
    import gpxpy.gpx
    import pandas as pd

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    try:
        doc = gpxpy.parse(text)
    except gpxpy.gpx.GPXException as exc:
        raise CorruptFileError(name, f"gpxpy could not parse the document: {exc}") from exc

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
        time_ns[j] = ts.tz_convert("UTC").as_unit("ns").value
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


# ---------------------------------------------------------------------------------------
# shared: raw arrays → Activity


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


_NO_LAPS: list[Any] = []


def _no_laps() -> Any:
    """A fresh copy of :func:`kickanalysis.schema.empty_splits` (built once, copied)."""
    if not _NO_LAPS:
        _NO_LAPS.append(schema.empty_splits())
    return _NO_LAPS[0].copy()


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
        return Activity(records=empty, laps=_no_laps(), meta=meta)
    lat, lon, seg = raw.lat, raw.lon, raw.seg
    values = dict(raw.values)
    t = raw.time_ns
    n_points = n
    timed = True
    has_t = t != _NAT
    if raw.naive:
        log.assumed(f"{raw.naive} timestamps without a time zone taken as UTC")
    if not has_t.any():
        timed = False
        start = pd.Timestamp(0, tz="UTC")
        if raw.meta_time:
            mt = pd.to_datetime(raw.meta_time, format="ISO8601", utc=True, errors="coerce")
            if not pd.isna(mt):
                start = mt
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
        start_time=records.index[0],
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
    return Activity(records=records, laps=_no_laps(), meta=meta)
