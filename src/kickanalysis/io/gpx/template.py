"""The template fast path: points of a few fixed child-tag layouts, verified."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ...errors import CorruptFileError, WarningLog
from ..xmlsafe import MAX_DEPTH
from ._common import _ATTR, _EXT_FIELDS, _FIELDS, _GPX10_FIELDS, _NAT, _TAG_ATTRS, _Raw
from .expat_scan import _scan_expat
from .scan import _latlon_quoted, _u64_view
from .text import _WS, _attr_values, _gather_text, _parse_times, _texts_to_float

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
            if len(stack) > MAX_DEPTH // 2:
                return None  # deep nesting: the expat path checks it exactly
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
