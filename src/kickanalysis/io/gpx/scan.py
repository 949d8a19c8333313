"""The vectorised tag scan: every tag located with numpy, nesting checked."""

from __future__ import annotations

import numpy as np

from ...errors import CorruptFileError, WarningLog
from ..xmlsafe import MAX_DEPTH
from ._common import _EXT_FIELDS, _GPX10_FIELDS, _NAT, _TAG_ATTRS, _Raw
from .expat_scan import _scan_expat
from .text import _WS, _attr_values, _gather_text, _parse_times, _texts_to_float


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
    if depth.max() > MAX_DEPTH:
        return None  # the expat path reports it with the line
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
