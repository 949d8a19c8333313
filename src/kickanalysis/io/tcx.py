"""Garmin Training Center (TCX) reader.

The reader never builds a Python object per trackpoint. The document is scanned as a byte
array with numpy: every ``<`` and ``>`` is located, and the text of the leaf elements
inside ``<Trackpoint>`` is converted in bulk (numbers with a vectorised, correctly rounded
decimal parser; times with a vectorised ISO-8601 parser). Only the few elements outside
trackpoints (activity, laps, creator) are walked in Python.

Two paths lead there. The *template* fast path (:func:`_fast_points`) serves the common,
clean document: ``<`` and ``>`` alternate, and trackpoints come in a few templates of
byte-identical tags, so every field sits at a fixed tag offset from its trackpoint's
opening tag. Every assumption is verified (exact tag keys, each template's nesting, every
tag outside trackpoints) and anything unexpected falls back to the general scanner
(:func:`_scan`), which classifies every tag by a key made of the last 16 bytes of its
qualified name and verifies the nesting vectorised. Both give identical results.

The cost of a read is mostly numpy calls over whole arrays; for their temporaries to come
from memory the process already holds rather than from fresh pages (a page fault per
4 kB, up to a third of the reading time), the first read primes the C allocator
(:func:`_prime_allocator`).

Conventions (decided from the real files, see the tests):

* Element names are matched by their local name, whatever namespace prefix the file uses.
* ``Time``: any ISO-8601 form (``Z``, ``±hh:mm`` offsets, fractional seconds) is converted
  to UTC; naive times are taken as UTC with a :class:`~kickanalysis.errors.DataQualityWarning`.
  A trackpoint without a (valid) ``Time`` is dropped with a warning; one without
  ``Position`` keeps NaN coordinates.
* Cadence: the ActivityExtension ``RunCadence`` is per leg (Garmin, Suunto and Polar write
  about 80-95 for a run), so ``cadence_spm = 2 × RunCadence``. The plain ``Cadence``
  element is bike crank rpm and is kept as the extra column ``cadence_rpm``; only when the
  activity's ``Sport`` is ``Running`` and the file has no ``RunCadence`` at all (Polar
  writes running cadence there, about 80-90) does it also give ``cadence_spm = 2 × Cadence``.
* ``distance_m`` is ``DistanceMeters``; only when no trackpoint has one is it derived from
  the positions. ``speed_mps`` is the ``TPX/Speed`` extension where present, elsewhere the
  backward difference of ``distance_m``.
* Several ``<Track>`` elements in one lap (Garmin starts a new track after a pause) give
  ``meta.pauses`` = (last time of one track, first time of the next).
* Laps: ``moving_s`` is ``TotalTimeSeconds`` (timer time, pauses excluded); ``end_time`` is
  the later of ``StartTime + TotalTimeSeconds`` and the lap's last trackpoint, so
  ``duration_s = end_time - start_time`` is the elapsed time including pauses.

Safety: no entity is ever expanded (the scanner does not know about entities, and only the
five predefined ones and character references are decoded in text), documents with
entity declarations or external DTDs are refused, nothing is fetched. In the default mode
the tag structure is verified (every ``<`` closed by ``>``, every element closed in the
right order, one root); damage found there is diagnosed with expat for the exact line.
``strict=True`` additionally runs a full expat well-formedness pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as _date
from datetime import datetime as _datetime
from datetime import timezone as _timezone
from typing import Any

import numpy as np

from .. import geo, schema
from ..activity import Activity, Meta
from ..errors import CorruptFileError, EmptyActivityError, WarningLog
from .xmlsafe import MAX_DEPTH, MAX_RUN_BYTES, depth_error, reject_dtd

__all__ = ["tcx_from_bytes"]

_PAD = 32  # zero bytes before and after the document in the scan buffer
_KEY = 16  # bytes of the qualified name used as the tag key
_NAMEW = 48  # window used to find the end of names of tags with attributes

# local names of the elements read inside trackpoints
_TP_FIELDS = (
    "Time",
    "LatitudeDegrees",
    "LongitudeDegrees",
    "AltitudeMeters",
    "DistanceMeters",
    "Value",
    "Cadence",
    "RunCadence",
    "Speed",
    "Watts",
)
_STRUCT = ("Trackpoint", "Track", "Lap", "Course", "HeartRateBpm", "TrainingCenterDatabase")
_NAME_IDS = {name.encode(): i + 1 for i, name in enumerate(_STRUCT + _TP_FIELDS)}
(
    _TRACKPOINT,
    _TRACK,
    _LAP,
    _COURSE,
    _HRBPM,
    _ROOT,
    _TIME,
    _LAT,
    _LON,
    _ALT,
    _DIST,
    _VALUE,
    _CADENCE,
    _RUNCADENCE,
    _SPEED,
    _WATTS,
) = range(1, len(_NAME_IDS) + 1)

_NAME_TERM = np.zeros(256, dtype=bool)
_NAME_TERM[[0, 9, 10, 13, 32, 47, 62]] = True
_WS = np.zeros(256, dtype=bool)
_WS[[9, 10, 13, 32]] = True
_POW10_FLOAT = 10.0 ** np.arange(23)
_NS_WEIGHTS = 10 ** np.arange(8, -1, -1, dtype=np.int64)  # fraction digit weights [ns]
_NAT = np.iinfo(np.int64).min
# numeric fields of a trackpoint (everything but the time)
_FIELD_IDS = (_LAT, _LON, _ALT, _DIST, _VALUE, _CADENCE, _RUNCADENCE, _SPEED, _WATTS)
# little-endian masks keeping the first k bytes of a 64-bit word, k = 0 ... 8
_MASK_FIRST = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1], dtype=np.uint64)


_TCX_SPORTS = {"biking": "cycling", "other": "generic"}


def _byte_masks() -> tuple[np.ndarray, np.ndarray]:
    """Masks keeping the last ``k`` bytes of a 16-byte little-endian word pair."""
    hi = np.zeros(_KEY + 1, dtype=np.uint64)
    lo = np.zeros(_KEY + 1, dtype=np.uint64)
    for k in range(_KEY + 1):
        keep = np.arange(_KEY) >= _KEY - k
        bytes_ = np.where(keep, 0xFF, 0).astype(np.uint8)
        hi[k] = bytes_[:8].view("<u8")[0]
        lo[k] = bytes_[8:].view("<u8")[0]
    return hi, lo


_MASK_HI, _MASK_LO = _byte_masks()

_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
_ATTR = re.compile(rb"""([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_COMMENT_PI = re.compile(rb"<!--.*?-->|<\?.*?\?>|<!DOCTYPE[^>\[]*>", re.S | re.I)
_CDATA = re.compile(rb"<!\[CDATA\[(.*?)\]\]>", re.S)
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9A-Fa-f]+|lt|gt|amp|quot|apos);")
_PREDEFINED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_MANUFACTURERS = {
    "garmin": "Garmin",
    "polar": "Polar",
    "suunto": "Suunto",
    "fitbit": "Fitbit",
    "wahoo": "Wahoo",
    "coros": "COROS",
    "tomtom": "TomTom",
    "apple": "Apple",
    "samsung": "Samsung",
}
_GARMIN_FAMILIES = (
    "forerunner",
    "edge",
    "fenix",
    "fēnix",
    "vivoactive",
    "vívoactive",
    "venu",
    "instinct",
    "epix",
    "enduro",
    "approach",
    "oregon",
    "etrex",
    "quatix",
    "descent",
    "tactix",
    "marq",
)


#: Try the template fast path first (tests switch it off to compare with the general path).
_FAST_PATH = True


class _Retry(Exception):
    """Internal: the scanner needs the document in a simpler form."""


# --------------------------------------------------------------------------------------
# text helpers


def _unescape(text: str) -> str:
    if "&" not in text:
        return text

    def sub(m: re.Match[str]) -> str:
        ref = m.group(1)
        if ref.startswith("#"):
            code = int(ref[2:], 16) if ref.startswith("#x") else int(ref[1:])
            # not a character (beyond Unicode, a surrogate, NUL): the replacement character
            valid = 0 < code < 0x110000 and not 0xD800 <= code < 0xE000
            return chr(code) if valid else "\ufffd"
        return _PREDEFINED[ref]

    return _ENTITY.sub(sub, text)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, max(0, offset)) + 1


# --------------------------------------------------------------------------------------
# vectorised conversions


def _gather(arr: np.ndarray, starts: np.ndarray, lengths: np.ndarray, width: int) -> np.ndarray:
    """Rows of *width* bytes from *starts*, zeroed beyond each length."""
    from numpy.lib.stride_tricks import sliding_window_view

    rows = sliding_window_view(arr, width)[starts]
    keep = np.arange(width) < lengths[:, None]
    return np.where(keep, rows, 0).astype(np.uint8, copy=False)


def _floats_slow(data: bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``float()`` of each span, NaN where it is not a number."""
    spans = zip(starts.tolist(), ends.tolist())
    try:
        return np.array([float(data[s:e]) for s, e in spans], dtype=np.float64)
    except ValueError:
        pass
    out = np.full(len(starts), np.nan)
    for k, (s, e) in enumerate(zip(starts.tolist(), ends.tolist())):
        try:
            out[k] = float(data[s:e])
        except ValueError:
            pass
    return out


def _pow10_longdouble() -> np.ndarray | None:
    """Exact powers of ten 10**0 ... 10**27 as long doubles, or None where ``longdouble``
    has no 64-bit mantissa (then 16- to 19-digit decimals go through ``float()``)."""
    if np.finfo(np.longdouble).nmant < 63:  # pragma: no cover - platform dependent
        return None
    out = np.ones(28, dtype=np.longdouble)
    for k in range(1, 28):
        out[k] = out[k - 1] * 10  # exact: 10**27 = 5**27 * 2**27 and 5**27 < 2**63
    return out


_POW10_LD = _pow10_longdouble()
_POW10_U64 = np.array([10**k for k in range(20)], dtype=np.uint64)
_POW10_U64_9 = np.array([9 * 10**k for k in range(19)], dtype=np.uint64)
# little-endian masks keeping the last k bytes of a 64-bit word, k = 0 ... 8
_MASK_LAST = np.array(
    [((1 << 64) - 1) ^ ((1 << (8 * (8 - k))) - 1) for k in range(9)], dtype=np.uint64
)
_BYTE_ONES = np.uint64(0x0101010101010101)


def _count_bytes(mask: np.ndarray, nw: int) -> np.ndarray:
    """Per row, the number of True in an ``(n, 8 * nw)`` boolean array (``nw <= 3``)."""
    words = mask.view(np.uint64)
    total = words[:, 0].copy()
    for j in range(1, nw):
        total += words[:, j]  # each byte stays <= 3
    return ((total * _BYTE_ONES) >> np.uint64(56)).astype(np.int64)


def _tail_masks(nw: int) -> np.ndarray:
    """Masks keeping the last ``k`` bytes of ``nw`` little-endian words, ``k = 0 ... 8 nw``."""
    out = np.zeros((8 * nw + 1, nw), dtype=np.uint64)
    for k in range(8 * nw + 1):
        for j in range(nw):
            out[k, j] = _MASK_LAST[min(max(k - 8 * (nw - 1 - j), 0), 8)]
    return out


_MASK_TAIL = {nw: _tail_masks(nw).view(f"V{8 * nw}").ravel() for nw in (1, 2, 3)}
_CHUNK = 4096  # numbers converted at a time
# Up to this many numbers, ``float()`` per number is faster than the vectorised parser,
# whose forty-odd numpy calls cost about 80 us (measured: 70 numbers 77 us vectorised,
# 35 us with float(); 250 numbers 87 and 84 us; more in a read with cold caches). The
# values are the same: the parser is exact, and it hands everything that is not a plain
# decimal to ``float()`` too.
_FEW_DECIMALS = 256


def parse_decimals(buf: bytes, arr: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Convert decimal numbers written at byte spans to float64, vectorised.

    Parameters
    ----------
    buf : bytes
        The buffer *arr* views.
    arr : numpy.ndarray
        ``uint8`` view of *buf*.
    starts, ends : numpy.ndarray
        Byte spans of the numbers.

    Returns
    -------
    numpy.ndarray
        The values, NaN where a span is empty or not a number. Plain decimals (an optional
        sign, digits, at most one point) of up to 19 significant digits are converted
        exactly (correctly rounded, as ``float()`` does); anything else goes through
        ``float()``, and so do all of them when there are few (``_FEW_DECIMALS``).

    Notes
    -----
    Each number is read right-aligned into a row of 8, 16 or 24 bytes, so every column
    has a fixed decimal place. Eight digits at a time become an integer with three
    multiply-shift-mask steps on 64-bit words (SWAR); with the point counted as a zero
    digit they give the integer ``S``, and the mantissa ``M`` (the digits without the
    point) follows from ``S`` by an integer division. ``M / 10**f`` is correctly rounded
    in double precision when ``M < 2**53`` (Clinger's fast path: both operands are
    exact); larger mantissas are divided in 64-bit-mantissa ``longdouble`` and rounded to
    double, which is correct unless the long-double quotient lies exactly halfway
    between two doubles (then ``float()`` decides). The numbers are converted in chunks
    that keep the temporary arrays small (fresh pages of large temporaries cost more
    than the arithmetic).
    """
    n = len(starts)
    if n == 0:
        return np.full(0, np.nan)
    if n <= _FEW_DECIMALS:
        return _floats_slow(buf, starts, ends)
    if int(ends.min()) < 24:  # no room before the first span: pad
        return parse_decimals(b"\0" * 24 + buf, arr, starts + 24, ends + 24)
    if n <= _CHUNK:
        return _decimals_chunk(buf, arr, starts, ends)
    out = np.empty(n)
    for i in range(0, n, _CHUNK):
        out[i : i + _CHUNK] = _decimals_chunk(
            buf, arr, starts[i : i + _CHUNK], ends[i : i + _CHUNK]
        )
    return out


def _decimals_chunk(
    buf: bytes, arr: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    n = len(starts)
    lengths = ends - starts
    first = np.frombuffer(buf, np.uint8)[starts]
    neg = first == 45
    sign = neg | (first == 43)
    body = lengths - sign  # the number without its sign
    # the last 8, 16 or 24 bytes up to each end as little-endian words, bytes before the
    # number and its sign zeroed: row r of ``rows`` is the number right-aligned
    nw = min(max((int(lengths.max()) + 7) // 8, 1), 3)
    width = 8 * nw
    windows = np.ndarray((len(buf) - width + 1,), dtype=f"V{width}", buffer=buf, strides=(1,))
    w = windows[ends - width].view(np.uint64).reshape(n, nw)
    w &= _MASK_TAIL[nw][np.minimum(body, width)].view(np.uint64).reshape(n, nw)
    rows = w.view(np.uint8)
    dot = rows == 46
    rows -= np.uint8(48)  # digits (in place); NUL becomes 208
    isdig = rows < 10
    valid = isdig | dot
    valid |= rows == 208
    rows *= isdig
    # every byte a digit, the point or NUL: each word of ``valid`` is 0x0101...01
    words = valid.view(np.uint64)
    every = words[:, 0]
    for j in range(1, nw):
        every = every & words[:, j]
    ndot = _count_bytes(dot, nw)
    # only digits, at most one point, a leading sign; 1 to 19 digits and point
    ok = (every == _BYTE_ONES) & (ndot <= 1) & (body - ndot >= 1) & (body <= 19)
    # eight digits per word to an integer (SWAR, in place); the point counts as a zero
    d = rows.view(np.uint64)
    t = d >> np.uint64(8)
    d *= np.uint64(10)
    d += t
    d &= np.uint64(0x00FF00FF00FF00FF)
    np.right_shift(d, np.uint64(16), out=t)
    d *= np.uint64(100)
    d += t
    d &= np.uint64(0x0000FFFF0000FFFF)
    np.right_shift(d, np.uint64(32), out=t)
    d *= np.uint64(10000)
    d += t
    d &= np.uint64(0xFFFFFFFF)
    s_all = d[:, nw - 1].copy()
    for j in range(nw - 1):
        s_all += d[:, j] * _POW10_U64[8 * (nw - 1 - j)]
    # decimal places after the point: a word holding a single 0x01 byte at k, times
    # 0x0807...01, has 8 - k in its top byte
    at = ((dot.view(np.uint64) * np.uint64(0x0807060504030201)) >> np.uint64(56)).view(np.int64)
    frac = at[:, nw - 1].copy()
    for j in range(nw - 1):
        frac += at[:, j] + (at[:, j] > 0) * (8 * (nw - 1 - j))
    # with f digits after the point, s_all = I * 10**(f + 1) + F (the point is a zero
    # digit) and the mantissa is I * 10**f + F = s_all - (s_all // 10**(f + 1)) * 9 * 10**f;
    # without a point, the divisor 10**19 exceeds s_all and the mantissa is s_all
    has_dot = ok & (frac > 0)
    div = _POW10_U64[np.where(has_dot, frac, 19)]
    frac = np.where(has_dot, frac - 1, 0)
    mant = s_all // div
    mant *= _POW10_U64_9[frac]
    np.subtract(s_all, mant, out=mant)
    val = mant.astype(np.float64) / _POW10_FLOAT[frac]
    if int(mant.max()) >= 1 << 53:
        big = (ok & (mant >= np.uint64(1 << 53))).nonzero()[0]
        if _POW10_LD is None:  # pragma: no cover - platform dependent
            ok[big] = False
        elif len(big):
            q = mant[big].astype(np.longdouble) / _POW10_LD[frac[big]]
            dbl = q.astype(np.float64)
            r = np.abs(q - dbl.astype(np.longdouble))
            ulp = np.spacing(dbl).astype(np.longdouble)
            ok[big[(r == ulp / 2) | (r == ulp / 4)]] = False
            val[big] = dbl
    np.negative(val, out=val, where=neg)
    if not ok.all():
        val[~ok] = np.nan
        slow = (~ok & (lengths > 0)).nonzero()[0]
        if len(slow):
            val[slow] = _floats_slow(buf, starts[slow], ends[slow])
    return val


def _times_uniform(buf: bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray | None:
    """UTC nanoseconds of timestamps that all share one layout, or None.

    The common case of a TCX file: every ``<Time>`` is written alike, as
    ``YYYY-MM-DDTHH:MM:SS`` with the same number of fraction digits (none to nine) and a
    ``Z`` or a ``±hh:mm`` offset. The layout is taken from the first timestamp and
    verified for all of them, byte by byte; the fields are read by column. None (the
    general parser decides) when the layout differs anywhere, or a date or time field is
    out of range.
    """
    n = len(starts)
    width = int(ends[0] - starts[0])
    if not 20 <= width <= 35 or not (ends - starts == width).all():
        return None
    first = buf[int(starts[0]) : int(ends[0])]
    if first[-1:] == b"Z":
        body = width - 1
    elif first[-6:-5] in (b"+", b"-") and first[-3:-2] == b":":
        body = width - 6
    else:
        return None
    nfrac = body - 20 if body > 19 else 0
    if nfrac > 9 or (nfrac and first[19:20] != b"."):
        return None
    layout = _TIME_LAYOUTS.get((width, body))
    if layout is None:
        is_digit = np.zeros(width, dtype=bool)
        for c in (*range(0, 4), 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, *range(20, 20 + nfrac)):
            is_digit[c] = True
        if body < width - 1:  # an offset: its sign varies
            is_digit[[width - 5, width - 4, width - 2, width - 1]] = True
        # the weights [ns] of the fraction digits
        frac_ns = np.array([10 ** (8 - k) for k in range(nfrac)], dtype=np.int64)
        layout = _TIME_LAYOUTS[(width, body)] = (is_digit, frac_ns)
    is_digit, frac_ns = layout
    expected = np.frombuffer(first, np.uint8)  # the bytes where no digit is
    if body < width - 1:
        expected = expected.copy()
        expected[width - 6] = 43  # '+', or '-' (below)
    rows = np.ndarray((len(buf) - width + 1,), dtype=f"V{width}", buffer=buf, strides=(1,))
    rows = rows[starts].view(np.uint8).reshape(n, width)
    digit = rows - np.uint8(48)
    valid = np.where(is_digit, digit < 10, rows == expected)
    if body < width - 1:
        valid[:, width - 6] |= rows[:, width - 6] == 45
    if not valid.all():
        return None

    def number(*cols: int) -> np.ndarray:
        out = digit[:, cols[0]].astype(np.int64)
        for c in cols[1:]:
            out *= 10
            out += digit[:, c]
        return out

    # the two-digit fields at once: century, year, month, day, hour, minute, second
    two = digit[:, _TIME_TENS] * np.uint8(10)
    two += digit[:, _TIME_ONES]
    fields = two.astype(np.int64)
    if int(fields[:, 5].max()) > 59 or int(fields[:, 6].max()) > 59:
        return None
    secs = fields[:, 4:] @ _HMS_S
    if int(secs.max()) >= 86400:
        return None
    # days since the epoch, per distinct date (usually one or two per file)
    key = fields[:, :4] @ _YMD_KEY  # YYYYMMDD
    if (key == key[0]).all():
        uniq, inverse = key[:1], None
    else:
        uniq, inverse = np.unique(key, return_inverse=True)
    days = []
    for k in uniq.tolist():
        y, md = divmod(k, 10000)
        if not 1678 <= y <= 2261:
            return None
        try:
            days.append(_date(y, md // 100, md % 100).toordinal() - 719163)
        except ValueError:
            return None
    day_arr = np.asarray(days, dtype=np.int64)
    secs += (day_arr[0] if inverse is None else day_arr[inverse.ravel()]) * 86400
    if body < width - 1:
        offset = number(width - 5, width - 4) * 3600 + number(width - 2, width - 1) * 60
        secs -= np.where(rows[:, width - 6] == 45, -offset, offset)
    ns = secs * 1_000_000_000
    if nfrac:
        ns += digit[:, 20 : 20 + nfrac] @ frac_ns
    return ns


# per timestamp width and body width (without the Z or offset): which bytes are digits,
# and the weights of the fraction digits
_TIME_LAYOUTS: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}


# columns of the tens and units of the two-digit fields of YYYY-MM-DDTHH:MM:SS
_TIME_TENS = np.array([0, 2, 5, 8, 11, 14, 17])
_TIME_ONES = _TIME_TENS + 1
_HMS_S = np.array([3600, 60, 1], dtype=np.int64)
_YMD_KEY = np.array([1_000_000, 10_000, 100, 1], dtype=np.int64)


def parse_times(
    buf: bytes, arr: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Convert ISO-8601 timestamps written at byte spans to UTC nanoseconds.

    Parameters
    ----------
    buf : bytes
        The buffer *arr* views.
    arr : numpy.ndarray
        ``uint8`` view of *buf*, with at least 40 bytes of padding at the end.
    starts, ends : numpy.ndarray
        Byte spans of the timestamps.

    Returns
    -------
    ns : numpy.ndarray
        ``int64`` nanoseconds since the Unix epoch (UTC); ``INT64_MIN`` (NaT) where a
        span is not a timestamp.
    naive : numpy.ndarray
        ``bool``, True where the timestamp had no UTC designator or offset (read as UTC).
    """
    n = len(starts)
    nat = _NAT
    naive = np.zeros(n, dtype=bool)
    if n == 0:
        return np.full(n, nat, dtype=np.int64), naive
    if n <= _CHUNK:
        uniform = _times_uniform(buf, starts, ends)
    else:
        parts = [
            _times_uniform(buf, starts[i : i + _CHUNK], ends[i : i + _CHUNK])
            for i in range(0, n, _CHUNK)
        ]
        uniform = None if any(p is None for p in parts) else np.concatenate(parts)
    if uniform is not None:
        return uniform, naive
    ns = np.full(n, nat, dtype=np.int64)
    # trim surrounding whitespace
    starts = starts.copy()
    ends = ends.copy()
    for _ in range(2):
        lead = _WS[arr[np.minimum(starts, ends - 1)]] & (ends > starts)
        trail = _WS[arr[np.maximum(ends - 1, starts)]] & (ends > starts)
        if not (lead.any() or trail.any()):
            break
        # rare: strip fully in Python
        for k in (lead | trail).nonzero()[0].tolist():
            s, e = int(starts[k]), int(ends[k])
            raw = buf[s:e]
            stripped = raw.strip()
            off = raw.find(stripped) if stripped else 0
            starts[k] = s + off
            ends[k] = s + off + len(stripped)
    lengths = ends - starts
    width = 40
    rows = _gather(arr, starts, np.minimum(lengths, width), width)
    digit = rows - np.uint8(48)
    isdig = digit < 10
    d = digit.astype(np.int64)
    layout = (
        isdig[:, [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]].all(axis=1)
        & (rows[:, 4] == 45)
        & (rows[:, 7] == 45)
        & ((rows[:, 10] == 84) | (rows[:, 10] == 116) | (rows[:, 10] == 32))
        & (rows[:, 13] == 58)
        & (rows[:, 16] == 58)
        & (lengths <= width)
    )
    # fraction of a second
    has_frac = (rows[:, 19] == 46) | (rows[:, 19] == 44)
    fd = np.cumprod(isdig[:, 20:], axis=1, dtype=np.int8).astype(bool)
    nfd = np.where(has_frac, fd.sum(axis=1), 0)
    fd9 = fd[:, :9] & has_frac[:, None]
    frac_ns = (np.where(fd9, d[:, 20:29], 0) * _NS_WEIGHTS).sum(axis=1)
    z = 19 + np.where(has_frac, 1 + nfd, 0)
    layout &= ~has_frac | (nfd > 0)
    r = np.arange(n)
    zc = rows[r, np.minimum(z, width - 1)]
    is_z = (zc == 90) | (zc == 122)
    is_off = (zc == 43) | (zc == 45)
    is_naive = zc == 0
    # offsets: +hh, +hhmm, +hh:mm
    zi = np.minimum(z, width - 7)[:, None] + np.arange(7)
    zr = rows[r[:, None], zi]
    zd = zr - np.uint8(48)
    zdig = zd < 10
    zd = zd.astype(np.int64)
    hh_ok = zdig[:, 1] & zdig[:, 2]
    colon = zr[:, 3] == 58
    mm_at = np.where(colon, 4, 3)
    mm0 = zr[r, mm_at] - np.uint8(48)
    mm1 = zr[r, mm_at + 1] - np.uint8(48)
    has_mm = (mm0 < 10) & (mm1 < 10)
    off_min = zd[:, 1] * 600 + zd[:, 2] * 60 + np.where(has_mm, mm0 * 10 + mm1, 0)
    off_len = np.where(has_mm, np.where(colon, 6, 5), 3)
    off_min = np.where(zc == 45, -off_min, off_min)
    end = np.where(is_z, z + 1, np.where(is_off, z + off_len, z))
    good = layout & (is_z | is_naive | (is_off & hh_ok & (z <= width - 7))) & (end == lengths)
    if good.any():
        date = rows[:, :19].copy()
        date[:, 10] = 84  # 'T'
        secs = np.ascontiguousarray(date).view("S19").ravel()
        gi = good.nonzero()[0]
        try:
            base = secs[gi].astype("datetime64[s]").astype(np.int64)
        except ValueError:
            base = None
        if base is not None:
            ns[gi] = (base - np.where(is_off[gi], off_min[gi] * 60, 0)) * 1_000_000_000 + frac_ns[
                gi
            ]
            naive[gi] = is_naive[gi]
        else:
            good[:] = False
    rest = (~good & (lengths > 0)).nonzero()[0]
    if len(rest):
        ns_rest, naive_rest = _times_slow(buf, starts[rest], ends[rest])
        ns[rest] = ns_rest
        naive[rest] = naive_rest
    return ns, naive


_TZ_TAIL = re.compile(r"(?:[Zz]|[+\-]\d\d(?::?\d\d)?)$")


def _times_slow(buf: bytes, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import pandas as pd

    texts = [buf[s:e].decode("utf-8", "replace").strip() for s, e in zip(starts, ends)]
    naive = np.array([not _TZ_TAIL.search(t) for t in texts], dtype=bool)
    out = np.full(len(texts), np.iinfo(np.int64).min, dtype=np.int64)
    for k, text in enumerate(texts):
        try:
            ts = pd.Timestamp(text)
            if ts is pd.NaT:
                continue
            ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
            out[k] = ts.as_unit("ns").value
        except (ValueError, OverflowError):  # includes OutOfBoundsDatetime
            continue
    return out, naive & (out != np.iinfo(np.int64).min)


# --------------------------------------------------------------------------------------
# the tag scanner


@dataclass
class _Scan:
    """The tags of a document (positions in the padded buffer)."""

    buf: bytes
    arr: np.ndarray
    lt: np.ndarray  # index of '<'
    te: np.ndarray  # index of the closing '>'
    isclose: np.ndarray
    isopen: np.ndarray
    isself: np.ndarray
    codes: np.ndarray  # tag key code
    local: list[str]  # local name of each code
    lid: np.ndarray  # id from _NAME_IDS (0 = other) per tag
    truncated: bool = False
    problem: str = ""  # non-empty: structure is broken (diagnose with expat)
    extra: dict[str, Any] = field(default_factory=dict)


def _scan(data: bytes) -> _Scan:
    buf = b"\0" * _PAD + data + b"\0" * (_NAMEW + 64)
    arr = np.frombuffer(buf, dtype=np.uint8)
    lt = np.flatnonzero(arr == 60)
    gt = np.flatnonzero(arr == 62)
    truncated = False
    problem = ""
    too_deep = None
    if (
        len(lt) == len(gt)
        and len(lt) > 0
        and bool((lt < gt).all())
        and bool((gt[:-1] < lt[1:]).all())
    ):
        te = gt
    else:
        k = np.searchsorted(gt, lt)
        unterminated = k >= len(gt)
        if unterminated.any():
            truncated = True  # the last tag is cut
            keep = int(np.argmax(unterminated))
            lt, k = lt[:keep], k[:keep]
        te = gt[k] if len(lt) else lt
        if len(lt) > 1 and bool((te[:-1] > lt[1:]).any()):
            problem = "'<' inside a tag"
    c1 = arr[lt + 1]
    special = (c1 == 33) | (c1 == 63)
    if special.any():
        if special[0] and c1[0] == 63 and not special[1:].any():
            lt, te, c1 = lt[1:], te[1:], c1[1:]
        else:
            raise _Retry
    n = len(lt)
    isclose = c1 == 47
    isself = (arr[te - 1] == 47) & ~isclose
    isopen = ~isclose & ~isself
    name_start = lt + 1 + isclose
    name_end = te - isself
    before = arr[name_end - 1]
    attrish = _WS[before] | (before == 34) | (before == 39)
    if attrish.any():
        sub = np.flatnonzero(attrish)
        rows = np.lib.stride_tricks.sliding_window_view(arr, _NAMEW)[name_start[sub]]
        term = _NAME_TERM[rows]
        found = term.any(axis=1)
        if not found.all():
            raise _Retry
        name_end = name_end.copy()
        name_end[sub] = name_start[sub] + term.argmax(axis=1)
    nlen = name_end - name_start
    if n and (nlen <= 0).any():
        problem = problem or "empty tag name"
    # the last 16 bytes of each qualified name as two unaligned little-endian words
    words64 = np.ndarray(shape=(len(buf) - 7,), dtype="<u8", buffer=buf, strides=(1,))
    nl = np.minimum(nlen, _KEY)
    words = np.empty((n, 2), dtype=np.uint64)
    words[:, 0] = words64[name_end - 16] & _MASK_HI[nl]
    words[:, 1] = words64[name_end - 8] & _MASK_LO[nl]
    mix = (
        words[:, 0] * np.uint64(0x9E3779B97F4A7C15)
        ^ words[:, 1] * np.uint64(0xC2B2AE3D27D4EB4F)
        ^ nlen.astype(np.uint64) * np.uint64(0x165667B19E3779F9)
    )
    import pandas as pd

    codes, uniq = pd.factorize(mix)
    rep = np.zeros(len(uniq), dtype=np.int64)
    rep[codes[::-1]] = np.arange(n)[::-1]
    if not (
        (words == words[rep[codes]]).all() and (nlen == nlen[rep[codes]]).all()
    ):  # pragma: no cover - hash collision
        _, codes = np.unique(np.column_stack([words, nlen]), axis=0, return_inverse=True)
        codes = codes.ravel()
        rep = np.zeros(int(codes.max()) + 1, dtype=np.int64)
        rep[codes[::-1]] = np.arange(n)[::-1]
    local = []
    for i in rep.tolist():
        qname = buf[name_start[i] : name_end[i]]
        local.append(qname.rpartition(b":")[2].decode("utf-8", "replace"))
    lut = np.array([_NAME_IDS.get(name.encode(), 0) for name in local] or [0], dtype=np.int8)
    lid = lut[codes] if n else np.zeros(0, dtype=np.int8)

    # nesting: every close matches the last open at its level, one root
    delta = isopen.astype(np.int32) - isclose.astype(np.int32)
    depth = np.cumsum(delta)
    if n == 0:
        problem = problem or "no elements"
    elif (depth < 0).any():
        problem = problem or "closing tag without an opening tag"
    elif depth.max() > MAX_DEPTH:
        problem = problem or "elements nested too deeply"
        too_deep = int(lt[np.argmax(depth > MAX_DEPTH)]) - _PAD
    else:
        sel = np.flatnonzero(~isself)
        level = np.where(isopen[sel], depth[sel], depth[sel] + 1).astype(np.int16)
        order = np.argsort(level, kind="stable")
        lv = level[order]
        op = isopen[sel][order]
        cd = codes[sel][order]
        m = len(order)
        newgroup = np.ones(m, dtype=bool)
        newgroup[1:] = lv[1:] != lv[:-1]
        gstart = np.flatnonzero(newgroup)
        sizes = np.diff(np.append(gstart, m))
        pos = np.arange(m) - np.repeat(gstart, sizes)
        even = pos % 2 == 0
        if not (op == even).all():
            problem = "elements closed in the wrong order"
        else:
            pair = np.flatnonzero(even[:-1] & ~newgroup[1:])
            if not (cd[pair] == cd[pair + 1]).all():
                problem = "closing tag does not match the opening tag"
            elif int((lv == 1).sum()) + 2 * int((isself & (depth == 0)).sum()) > 2:
                problem = "more than one root element"
        if depth[-1] > 0:
            truncated = True
    scan = _Scan(buf, arr, lt, te, isclose, isopen, isself, codes, local, lid, truncated, problem)
    if too_deep is not None:
        scan.extra["too_deep_at"] = too_deep
    return scan


def _expat_error(data: bytes) -> tuple[str, int, int] | None:
    """Run expat over *data*; return (message, line, byte offset) of the first error."""
    from xml.parsers import expat

    parser = expat.ParserCreate()

    def refuse(*_args: object) -> None:
        raise ValueError("entity declarations are refused")

    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        msg = expat.errors.messages.get(exc.code, str(exc))
        return msg, exc.lineno, parser.ErrorByteIndex
    except ValueError as exc:
        return str(exc), parser.CurrentLineNumber, parser.CurrentByteIndex
    except LookupError as exc:  # an encoding declaration Python does not know
        return f"unsupported encoding ({exc})", 1, -1
    return None


def _clean_markup(data: bytes) -> bytes:
    """Blank comments, processing instructions and DOCTYPE; turn CDATA into text."""

    def blank(m: re.Match[bytes]) -> bytes:
        return re.sub(rb"[^\n]", b" ", m.group())

    def cdata(m: re.Match[bytes]) -> bytes:
        return m.group(1).replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;")

    head = b""
    if data.startswith(b"<?xml"):
        end = data.find(b"?>")
        if end > 0:
            head, data = data[: end + 2], data[end + 2 :]
    return head + _CDATA.sub(cdata, _COMMENT_PI.sub(blank, data))


def _canonical(data: bytes, name: str) -> bytes:
    """Re-serialise a well-formed document with ElementTree (slow path).

    Only called after :func:`reject_dtd` and an expat pass that refuses entity
    declarations, so nothing can be expanded here.
    """
    import xml.etree.ElementTree as ET

    try:
        return ET.tostring(ET.fromstring(data), encoding="utf-8")
    except ET.ParseError as exc:  # pragma: no cover - expat accepted it just before
        raise CorruptFileError(name, f"malformed XML: {exc}") from exc


def _tokenize(data: bytes, name: str, log: WarningLog) -> tuple[_Scan, bytes]:
    """Scan *data*, handling markup the fast scanner does not know, damage and truncation."""
    attempt = data
    cleaned = canonical = False
    for _ in range(4):
        try:
            scan = _scan(attempt)
        except _Retry:
            if not cleaned:
                attempt, cleaned = _clean_markup(attempt), True
                continue
            scan = None
        if scan is not None and "too_deep_at" in scan.extra:
            at = scan.extra["too_deep_at"]
            raise depth_error(name, line=_line_of(attempt, at))
        if scan is not None and not scan.problem:
            if scan.truncated:
                line = _line_of(attempt, len(attempt))
                log.repaired("the file ends in the middle of the document (truncated)", line=line)
            return scan, attempt
        # something is wrong: ask expat what and where
        err = _expat_error(attempt)
        if err is None:
            if canonical:
                break
            attempt, canonical = _canonical(attempt, name), True
            continue
        message, line, offset = err
        rest = attempt[offset:] if offset >= 0 else b""
        if offset >= 0 and b">" not in rest:
            # the damage is at the very end: the file was cut
            attempt = attempt[:offset]
            if not attempt.strip():
                break
            continue
        raise CorruptFileError(name, f"malformed XML: {message}", line=line)
    raise CorruptFileError(name, "malformed XML: cannot make sense of the document structure")


# --------------------------------------------------------------------------------------
# the reader


def _normalise_encoding(data: bytes, name: str) -> tuple[bytes, str]:
    """Return UTF-8 (or ASCII-compatible) bytes and the codec for text fields."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise CorruptFileError(name, f"bad UTF-16 text: {exc}", offset=exc.start) from exc
        return text.encode("utf-8"), "utf-8"
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    codec = "utf-8"
    m = _ENCODING.match(data[:200])
    if m:
        declared = m.group(1).decode("ascii").lower()
        import codecs

        try:
            codecs.lookup(declared)
            codec = declared
        except LookupError:
            codec = "utf-8"
        if codec.replace("_", "-") in ("utf-16", "utf-16-le", "utf-16-be", "utf-32"):
            codec = "utf-8"  # declared but not actually (no BOM): read as UTF-8
    return data, codec


_PRIMED: list[bool] = []


def _prime_allocator() -> None:
    """Let the C allocator keep the memory of a read's temporary arrays for the next read.

    glibc's ``malloc`` maps blocks above its *mmap threshold* (128 kB when a process
    starts) afresh on every allocation, and returns free memory at the top of its heap
    above its *trim threshold* (also 128 kB) to the system; every 4 kB page of the next
    read's temporaries is then a page fault again (300-1800 per read of a 0.4-4 MB file,
    20-30 % of the reading time). Both thresholds adapt: once a mapped block is freed,
    blocks up to its size come from the heap, and the heap keeps twice that. One
    untouched 4 MB array, allocated and freed once per process, puts the allocator in
    that state (the state of any program that has freed such an array once); it costs
    one allocation, holds no memory, and other allocators are not affected.
    """
    _PRIMED.append(True)
    np.empty(1 << 22, dtype=np.uint8)


def tcx_from_bytes(data: bytes, name: str, *, strict: bool = False) -> Activity:
    """Read a TCX document into an :class:`~kickanalysis.activity.Activity`.

    Parameters
    ----------
    data : bytes
        The (decompressed) TCX document.
    name : str
        Source name used in messages and ``meta.source``.
    strict : bool
        Raise :class:`~kickanalysis.errors.CorruptFileError` for any damage (malformed
        or truncated XML, trackpoints without time, wrong root element) instead of
        repairing it with a :class:`~kickanalysis.errors.DataQualityWarning`; also runs a
        full expat well-formedness check.

    Returns
    -------
    Activity
        ``records`` with the core columns (``lat_deg`` [deg], ``lon_deg`` [deg],
        ``elevation_m`` [m], ``distance_m`` [m], ``speed_mps`` [m/s],
        ``heart_rate_bpm`` [1/min], ``cadence_spm`` [steps/min], ``power_w`` [W]) plus
        ``cadence_rpm`` [1/min] when the file has ``<Cadence>``; ``laps`` with the split
        columns; ``meta`` with ``format="tcx"``.

    Raises
    ------
    CorruptFileError
        Malformed XML (with the line), entity declarations or external DTDs.
    EmptyActivityError
        No trackpoint with a time.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> act = ka.read_tcx("run.tcx")  # doctest: +SKIP
    >>> act.records[["distance_m", "heart_rate_bpm"]].head()  # doctest: +SKIP
    """
    if not _PRIMED:
        _prime_allocator()
    log = WarningLog(name, strict=strict)
    if not data or data.isspace():
        raise EmptyActivityError(name, "empty document")
    # reject_dtd refuses DOCTYPE and ENTITY declarations ("<!" followed by a name) and
    # over-long runs. The template fast path takes only documents where no '<' is
    # followed by '!' (it checks every '<', before it reads anything), so for a short,
    # ASCII-compatible document it would find nothing there: it then runs only when the
    # fast path turns the document down, before the general scanner sees it.
    head = data[:4]
    deferred = (
        _FAST_PATH
        and not strict
        and len(data) <= MAX_RUN_BYTES
        and head[:2] not in (b"\xff\xfe", b"\xfe\xff")
        and b"\x00" not in head
    )
    if not deferred:
        reject_dtd(data, name)
    raw = data
    data, codec = _normalise_encoding(data, name)
    if strict:
        err = _expat_error(data)
        if err is not None:
            raise CorruptFileError(name, f"malformed XML: {err[0]}", line=err[1])
    points = _fast_points(data, codec) if _FAST_PATH else None
    if points is None:
        if deferred:
            reject_dtd(raw, name)
        scan, data = _tokenize(data, name, log)
        points = _general_points(scan, codec)
    return _assemble(points, name, log)


def _text(buf: bytes, s: int, e: int, codec: str) -> str:
    return _unescape(buf[s:e].decode(codec, "replace").strip())


def _attrs(buf: bytes, s: int, e: int, codec: str) -> dict[str, str]:
    """The attributes of the tag whose ``<`` is at *s* and ``>`` at *e*."""
    raw = buf[s:e]
    out = {}
    for m in _ATTR.finditer(raw):
        key = m.group(1).rpartition(b":")[2].decode("ascii", "replace")
        val = m.group(2) if m.group(2) is not None else m.group(3)
        out.setdefault(key, _unescape(val.decode(codec, "replace")))
    return out


def _num(text: str | None) -> float:
    if text is None:
        return float("nan")
    try:
        return float(text)
    except ValueError:
        return float("nan")


_LAP_KEYS = {
    "TotalTimeSeconds",
    "DistanceMeters",
    "MaximumSpeed",
    "Calories",
    "Intensity",
    "Cadence",
    "TriggerMethod",
    "AvgSpeed",
    "AvgRunCadence",
    "MaxRunCadence",
    "AvgWatts",
    "MaxWatts",
    "Steps",
}

_OPEN, _CLOSE, _SELF = 0, 1, 2


@dataclass
class _Doc:
    """What the walk over the elements outside trackpoints found."""

    root: str | None = None
    sports: list[str] = field(default_factory=list)
    activity_id: str | None = None
    notes: str | None = None
    course_name: str | None = None
    creator: dict[str, str] = field(default_factory=dict)
    author: str | None = None
    laps: list[dict[str, str]] = field(default_factory=list)
    lap_tags: list[int] = field(default_factory=list)
    lap_closed: list[bool] = field(default_factory=list)
    n_courses: int = 0


def _walk(
    buf: bytes,
    codec: str,
    outside: list[int],
    lt: list[int],
    te: list[int],
    text_end: list[int],
    kinds: list[int],
    names: list[str],
    leaf: list[bool],
) -> _Doc:
    """Collect activity, lap, course and creator data from the tags outside trackpoints.

    Parameters
    ----------
    buf : bytes
        The scan buffer; the positions index it.
    codec : str
        Codec of the text.
    outside : list of int
        Indices of the tags to walk, ascending.
    lt, te : list of int
        Positions of the ``<`` and ``>`` of each walked tag (Python ints: a numpy
        scalar per look-up costs more than the rest of the walk).
    text_end : list of int
        Per walked leaf tag, the position of the next ``<`` (the end of its text).
    kinds : list of int
        ``_OPEN``, ``_CLOSE`` or ``_SELF`` per walked tag.
    names : list of str
        Local name per walked tag.
    leaf : list of bool
        Per walked tag, whether the next tag of the document is a closing tag.

    Returns
    -------
    _Doc
        What was found.
    """
    doc = _Doc()
    stack: list[str] = []
    lap_stack: list[int] = []  # index into doc.laps of the open activity laps
    for x, (i, kind, tag, is_leaf) in enumerate(zip(outside, kinds, names, leaf)):
        if kind == _CLOSE:
            if stack:
                top = stack.pop()
                if top == "Lap" and lap_stack:
                    doc.lap_closed[lap_stack.pop()] = True
            continue
        if kind != _OPEN:
            continue
        stack.append(tag)
        if doc.root is None:
            doc.root = tag
        if tag == "Activity":
            doc.sports.append(_attrs(buf, lt[x], te[x], codec).get("Sport", ""))
        elif tag == "Course":
            doc.n_courses += 1
        elif tag == "Lap" and "Course" not in stack:
            doc.laps.append(_attrs(buf, lt[x], te[x], codec))
            doc.lap_tags.append(i)
            doc.lap_closed.append(False)
            lap_stack.append(len(doc.laps) - 1)
        if not is_leaf:
            continue
        # a leaf element: its text
        span = (te[x] + 1, text_end[x])
        parent = stack[-2] if len(stack) > 1 else ""
        if lap_stack and "Track" not in stack and "Lap" in stack and "Course" not in stack:
            key = parent if tag == "Value" else tag
            if key in _LAP_KEYS or key in ("AverageHeartRateBpm", "MaximumHeartRateBpm"):
                doc.laps[lap_stack[-1]].setdefault(key, _text(buf, *span, codec))
            continue
        if parent == "Activity" and tag == "Id" and doc.activity_id is None:
            doc.activity_id = _text(buf, *span, codec)
        elif parent == "Activity" and tag == "Notes" and doc.notes is None:
            doc.notes = _text(buf, *span, codec)
        elif parent == "Course" and tag == "Name" and doc.course_name is None:
            doc.course_name = _text(buf, *span, codec)
        elif "Creator" in stack and "Author" not in stack:
            doc.creator.setdefault(tag, _text(buf, *span, codec))
        elif parent == "Author" and tag == "Name" and doc.author is None:
            doc.author = _text(buf, *span, codec)
    return doc


@dataclass
class _Points:
    """The trackpoints of a document and what the walk outside them found."""

    doc: _Doc
    ntags: int
    tp_open: np.ndarray  # tag index of each complete trackpoint
    n_self_tp: int  # self-closing (empty) trackpoints
    time_ns: np.ndarray  # per trackpoint, NaT where it has no valid time
    naive_any: bool
    fields: dict[int, np.ndarray]  # field id -> float64 values per trackpoint
    track_open: np.ndarray  # tag indices of the <Track> opening tags
    lap_close: np.ndarray  # tag indices of the </Lap> closing tags
    truncated: bool = False


def _general_points(scan: _Scan, codec: str) -> _Points:
    """Trackpoint columns from a full tag scan (any document the scanner accepts)."""
    arr = scan.arr
    buf = scan.buf
    lid, isopen, isclose = scan.lid, scan.isopen, scan.isclose
    n = len(lid)
    # trackpoints: complete open/close pairs
    tp_open = np.flatnonzero((lid == _TRACKPOINT) & isopen)
    tp_close = np.flatnonzero((lid == _TRACKPOINT) & isclose)
    tp_open = tp_open[: len(tp_close)]
    n_self_tp = int(((lid == _TRACKPOINT) & scan.isself).sum())
    ntp = len(tp_open)
    mark = np.zeros(n + 1, dtype=np.int32)
    mark[tp_open] += 1
    mark[tp_close + 1] -= 1
    inside = np.cumsum(mark[:n]) > 0
    if scan.truncated:
        # an unclosed trackpoint at the cut is dropped with everything in it
        dangling = np.flatnonzero((lid == _TRACKPOINT) & isopen)[len(tp_close) :]
        if len(dangling):
            inside[dangling[0] :] = True
    outside = np.flatnonzero(~inside)
    kinds = np.where(isclose[outside], _CLOSE, np.where(isopen[outside], _OPEN, _SELF))
    nxt = np.minimum(outside + 1, n - 1)
    leaf = isclose[nxt] & (outside + 1 < n)
    local = scan.local
    names = [local[c] for c in scan.codes[outside].tolist()]
    lt_w, te_w, next_lt = scan.lt[outside], scan.te[outside], scan.lt[nxt]
    doc = _walk(
        buf,
        codec,
        outside.tolist(),
        lt_w.tolist(),
        te_w.tolist(),
        next_lt.tolist(),
        kinds.tolist(),
        names,
        leaf.tolist(),
    )

    # leaf elements inside trackpoints
    leaf = np.zeros(n, dtype=bool)
    leaf[:-1] = isopen[:-1] & isclose[1:]
    cand = np.flatnonzero(leaf & inside & (lid >= _TIME))
    k = np.searchsorted(tp_open, cand, side="right") - 1
    ok = (k >= 0) & (cand < tp_close[np.maximum(k, 0)]) if ntp else np.zeros(len(cand), bool)
    cand, k = cand[ok], k[ok]
    cl = lid[cand]
    vstart = scan.te[cand] + 1
    vend = scan.lt[cand + 1]
    hr_ok = lid[cand - 1] == _HRBPM

    fields: dict[int, np.ndarray] = {}
    for fid in _FIELD_IDS:
        sel = cl == fid
        if fid == _VALUE:
            sel &= hr_ok
        if not sel.any():
            continue
        out = np.full(ntp, np.nan)
        out[k[sel]] = parse_decimals(buf, arr, vstart[sel], vend[sel])
        fields[fid] = out

    tsel = cl == _TIME
    time_ns = np.full(ntp, _NAT, dtype=np.int64)
    naive_any = False
    if tsel.any():
        t_ns, naive = parse_times(buf, arr, vstart[tsel], vend[tsel])
        time_ns[k[tsel]] = t_ns
        naive_any = bool(naive.any())
    return _Points(
        doc=doc,
        ntags=n,
        tp_open=tp_open,
        n_self_tp=n_self_tp,
        time_ns=time_ns,
        naive_any=naive_any,
        fields=fields,
        track_open=np.flatnonzero((lid == _TRACK) & isopen),
        lap_close=np.flatnonzero((lid == _LAP) & isclose),
        truncated=scan.truncated,
    )


# --------------------------------------------------------------------------------------
# the template fast path

# local names a trackpoint template may not contain: they would change how trackpoints,
# tracks and laps are counted
_NOT_IN_TEMPLATE = frozenset({"Trackpoint", "Track", "Lap"})
_FIELD_OF = {name: _NAME_IDS[name.encode()] for name in ("Time",) + _TP_FIELDS[1:]}
_MAX_TEMPLATES = 64
_FEW_LEFT = 48  # trackpoints left to group few enough for Python (see _fast_points)
_FEW_MEMBERS = 64  # up to this many trackpoints of a template: long tags checked at once
_TAG_CHUNK = 8192  # trackpoint tags grouped at a time
_QNAME = re.compile(rb"[^\0\t\n\r />]+")
_ATTR_START = frozenset(b" \t\n\r")
_ATTR_END = frozenset(b" \t\n\r\"'")
_FIRST_TP = re.compile(rb"<([A-Za-z_][\w.\-]*:)?Trackpoint>")


# per tag content length k (0 ... 255, longer ones count as 255), as one 16-byte item
# each (gathered in one step): the masks keeping its first k bytes in the first and the
# next 7 bytes in the second key word, and k in the second word's top byte
_KEY_MASKS = np.zeros((256, 2), dtype=np.uint64)
_KEY_MASKS[:, 0] = _MASK_FIRST[np.minimum(np.arange(256), 8)]
_KEY_MASKS[:, 1] = _MASK_FIRST[np.clip(np.arange(256) - 8, 0, 7)]
_KEY_MASKS = _KEY_MASKS.view("V16").ravel()
_KEY_LENS = np.zeros((256, 2), dtype=np.uint64)
_KEY_LENS[:, 1] = np.arange(256, dtype=np.uint64) << np.uint64(56)
_KEY_LENS = _KEY_LENS.view("V16").ravel()
_LT_GT = np.frombuffer(b"<>", dtype=np.uint16)[0]  # a '<' followed by a '>' as one item


def _angle_brackets(arr: np.ndarray) -> np.ndarray:
    """Positions of every ``<`` and ``>`` in *arr* (``0x3C`` and ``0x3E`` differ only in
    bit 1), in one pass with one scratch array (its pages are reused from read to read,
    see :func:`_prime_allocator`; slices of 64 kB were slower by a fifth)."""
    scratch = np.bitwise_or(arr, 2)
    hit = scratch.view(bool)
    np.equal(scratch, 62, out=hit)
    return hit.nonzero()[0]


def _tag_parts(content: bytes) -> tuple[int, bytes] | None:
    """Kind and qualified name of a tag from the bytes between ``<`` and ``>``.

    None where the general scanner might read the name differently (it is then left to
    it): a name longer than 40 bytes, or attributes not ending in a quote or whitespace.
    """
    if content[:1] == b"/":
        kind, body = _CLOSE, content[1:]
    elif content[-1:] == b"/":
        kind, body = _SELF, content[:-1]
    else:
        kind, body = _OPEN, content
    m = _QNAME.match(body)
    if m is None or m.end() > 40:
        return None
    if m.end() < len(body):
        if body[m.end()] not in _ATTR_START or body[-1] not in _ATTR_END:
            return None
        if kind == _CLOSE and body[m.end() :].strip():
            return None
    return kind, m.group()


# kind, qualified and local name of tag contents (the bytes between '<' and '>') seen
# before: most tags are alike from file to file, and parsing one costs a microsecond
_PARSED_TAGS: dict[bytes, tuple[int, bytes, str] | None] = {}
_PARSED_MAX = 4096
_UNSEEN = object()


# the analysis of a template (see _template_info) by its tag contents joined with '<':
# trackpoint templates are few and alike from file to file of a device
_TEMPLATES: dict[bytes, Any] = {}
_TEMPLATES_MAX = 256


def _template_info(
    bounds: list[tuple[int, int]], tag_info: Any
) -> tuple[dict[int, int], tuple[np.ndarray, np.ndarray] | None] | None:
    """Names, nesting and fields of a trackpoint template, from its tags alone.

    Parameters
    ----------
    bounds : list of (int, int)
        Positions of the ``<`` and ``>`` of each tag of the template's first trackpoint.
    tag_info : callable
        ``tag_info(s, e)``: kind, qualified and local name of the tag at ``s ... e``.

    Returns
    -------
    tuple or None
        The tag index of each field (field id -> index), and for the tags longer than
        the key, their indices and the byte offsets of the 8-byte words (from the
        ``<``) that cover the rest of them (None when there are none); None where the
        template is not one the fast path takes.
    """
    size = len(bounds)
    offsets: dict[int, int] = {}
    stack: list[bytes] = []
    kinds: list[int] = []
    locals_: list[str] = []
    col_tag: list[int] = []
    col_off: list[int] = []
    for j, (s, e) in enumerate(bounds):
        info = tag_info(s, e)
        if info is None:
            return None
        kind, qn, local = info
        if 0 < j < size - 1 and local in _NOT_IN_TEMPLATE:
            return None
        if kind == _OPEN:
            stack.append(qn)
            if len(stack) > MAX_DEPTH // 2:
                return None  # deep nesting: the general scanner checks it exactly
        elif kind == _CLOSE:
            if not stack or stack.pop() != qn:
                return None
        if not stack and j < size - 1:
            return None
        if e - s - 1 >= 16:
            last = e - s - 7  # the word that ends with '>'
            offs = list(range(16, last, 8)) + [last]
            col_tag += [j] * len(offs)
            col_off += offs
        kinds.append(kind)
        locals_.append(local)
    if stack:
        return None
    for j in range(1, len(kinds) - 1):
        fid = _FIELD_OF.get(locals_[j])
        if fid is None or kinds[j] != _OPEN or kinds[j + 1] != _CLOSE:
            continue
        if fid == _VALUE and locals_[j - 1] != "HeartRateBpm":
            continue
        offsets[fid] = j  # the last one wins, as in the general path
    long_tags = (np.asarray(col_tag), np.asarray(col_off)) if col_tag else None
    return offsets, long_tags


def _fast_points(data: bytes, codec: str) -> _Points | None:
    """Trackpoint columns for the common, well-formed document, or None to fall back.

    The fast path assumes (and verifies) that the document has no comments, processing
    instructions (other than the XML declaration), CDATA sections or ``>`` in text or
    attributes, so that ``<`` and ``>`` alternate; that all ``<Trackpoint>`` elements are
    written with the same opening and closing tag; and that the trackpoints follow a few
    *templates*: trackpoints of one template consist of byte-identical tags (only the text
    between them differs). The text of a field then sits between the same two tag
    indices relative to the trackpoint's opening tag, for every trackpoint of the
    template, so no tag inside a trackpoint is classified one by one. Each template is
    checked once (nesting, names, fields) in Python, and so is every tag outside the
    trackpoints. Anything unexpected returns None, and the general scanner reads the
    document.

    Parameters
    ----------
    data : bytes
        The document.
    codec : str
        Codec of its text.

    Returns
    -------
    _Points or None
        The trackpoints, or None where an assumption does not hold.
    """
    buf = data
    arr = np.frombuffer(buf, dtype=np.uint8)
    pos = _angle_brackets(arr)
    if len(pos) < 4 or len(pos) % 2:
        return None
    if pos[-2] + 17 > len(buf):  # the tag keys read 16 bytes after each '<'
        buf = data + b"\0" * 32
        arr = np.frombuffer(buf, dtype=np.uint8)
    lt = pos[0::2]
    te = pos[1::2]
    if not (arr[pos].view(np.uint16) == _LT_GT).all():
        return None  # '>' in text or an attribute, or damage
    c1 = arr[lt + 1]
    special = (c1 == 33) | (c1 == 63)
    if special.any():
        if not (special[0] and c1[0] == 63) or special[1:].any():
            return None  # comments, CDATA, DOCTYPE, processing instructions
        lt, te, c1 = lt[1:], te[1:], c1[1:]
    n = len(lt)
    m = _FIRST_TP.search(buf)
    if m is None or n < 4:
        return None
    qname = m.group()[1:-1]
    m_close = buf.find(b"</" + qname + b">", m.end())
    i_open = int(lt.searchsorted(m.start()))
    i_close = int(lt.searchsorted(m_close))
    if m_close < 0 or len(qname) > 14 or i_close >= n or lt[i_open] != m.start():
        return None
    if lt[i_close] != m_close:
        return None

    # an exact key of every tag up to 15 bytes between '<' and '>': the first 8 bytes,
    # the next 7 and the length
    words = np.ndarray((len(buf) - 7,), dtype="<u8", buffer=buf, strides=(1,))
    # the 16 bytes after each '<' in one gather of 16-byte items (a gather of unaligned
    # 8-byte words costs as much per item, twice), masked to the tag's length, which is
    # put in the top byte of the second word; ``keys`` holds the two words of each tag
    # side by side, so that a run of tags is a row of 2 x its length words
    pairs = np.ndarray((len(buf) - 15,), dtype="V16", buffer=buf, strides=(1,))
    clen = te - lt
    clen -= 1
    np.minimum(clen, 255, out=clen)
    # (the arithmetic on flat arrays: on (n, 2) arrays numpy loops over each pair, and
    # was ten times slower)
    keys = pairs[lt + 1].view(np.uint64)
    keys &= _KEY_MASKS[clen].view(np.uint64)
    keys |= _KEY_LENS[clen].view(np.uint64)
    keys = keys.reshape(n, 2)
    key_a, key_b = keys[:, 0], keys[:, 1]
    tp_open = (key_a == key_a[i_open]).nonzero()[0]
    tp_open = tp_open[key_b[tp_open] == key_b[i_open]]
    tp_close = (key_a == key_a[i_close]).nonzero()[0]
    tp_close = tp_close[key_b[tp_close] == key_b[i_close]]
    ntp = len(tp_open)
    if (
        ntp != len(tp_close)
        or not (tp_close > tp_open).all()
        or not (tp_open[1:] > tp_close[:-1]).all()
        or tp_open[0] == 0
        or tp_close[-1] == n - 1
    ):
        return None

    # group the trackpoints by their tag sequence, exactly: an unassigned trackpoint is
    # the next template, and every unassigned trackpoint of its length is compared with it
    # key by key, as rows of a 2-D array (gathered as whole rows of a strided view of the
    # keys; in chunks of about _TAG_CHUNK tags, so that the temporaries stay small: fresh
    # pages of large temporaries cost more than the comparisons)
    lens = tp_close - tp_open + 1
    if lens.max() > 1024:
        return None  # a trackpoint of over a thousand tags is no template: general path
    group = np.full(ntp, -1, dtype=np.intp)
    reps: list[int] = []
    members_of: list[Any] = []  # the trackpoints of each template (array or list)
    todo = np.arange(ntp)
    while len(todo) > _FEW_LEFT:
        if len(reps) == _MAX_TEMPLATES:
            return None
        # the middle one: the first (and last) trackpoints of a track are often written
        # differently, the middle one is of the common template
        r = int(todo[len(todo) // 2])
        size = int(lens[r])
        cand = todo if len(reps) == 0 and (lens == size).all() else todo[lens[todo] == size]
        # row t: the keys of the tags t ... t + size - 1
        runs = np.ndarray((n - size + 1, 2 * size), dtype=np.uint64, buffer=keys, strides=(16, 8))
        want = runs[tp_open[r]]
        step = max(1, _TAG_CHUNK // size)
        match = np.empty(len(cand), dtype=bool)
        for c in range(0, len(cand), step):
            # the bits that differ from the template; zero everywhere (one reduction over
            # all) is the usual case, else the rows without a difference match
            diff = runs[tp_open[cand[c : c + step]]]
            diff ^= want
            match[c : c + step] = True if not diff.any() else ~diff.any(axis=1)
        members = cand[match]
        group[members] = len(reps)
        reps.append(r)
        members_of.append(members)
        todo = todo[group[todo] < 0]
    if len(todo):
        # the few left (a track's odd first and last trackpoints, or a short file): in
        # Python, by the exact bytes of their keys, each one dict lookup (a template in
        # numpy costs some twenty calls)
        left_lens = lens[todo]
        ends = np.cumsum(left_lens)
        idx = np.arange(int(ends[-1])) + np.repeat(tp_open[todo] - (ends - left_lens), left_lens)
        key_bytes = keys[idx].tobytes()
        seen: dict[bytes, int] = {}
        left_group = []
        at = 0
        for t, size in zip(todo.tolist(), left_lens.tolist()):
            k = key_bytes[16 * at : 16 * (at + size)]
            at += size
            g = seen.get(k)
            if g is None:
                g = seen[k] = len(reps)
                reps.append(t)
                members_of.append([])
            members_of[g].append(t)
            left_group.append(g)
        if len(reps) > _MAX_TEMPLATES:
            return None
        group[todo] = left_group

    # each template in Python: names, nesting, the tag index of each field
    parsed = _PARSED_TAGS  # tag content -> its parts, shared by all reads
    if len(parsed) > _PARSED_MAX:
        parsed.clear()

    def tag_info(s: int, e: int) -> tuple[int, bytes, str] | None:
        content = buf[s + 1 : e]
        info = parsed.get(content, _UNSEEN)
        if info is not _UNSEEN:
            return info
        parts = _tag_parts(content)
        info = None
        if parts is not None:
            info = (parts[0], parts[1], parts[1].rpartition(b":")[2].decode("utf-8", "replace"))
        if len(content) <= 128:  # the cache stays small (below a megabyte)
            parsed[content] = info
        return info

    templates: list[tuple[Any, dict[int, int]]] = []
    known = _TEMPLATES  # tag contents of a template -> its analysis, shared by all reads
    if len(known) > _TEMPLATES_MAX:
        known.clear()
    for g, r in enumerate(reps):
        members = members_of[g] if len(reps) > 1 else None
        t0 = int(tp_open[r])
        size = int(lens[r])
        bounds = list(zip(lt[t0 : t0 + size].tolist(), te[t0 : t0 + size].tolist()))
        key = b"<".join([buf[s + 1 : e] for s, e in bounds])
        found = known.get(key, _UNSEEN)
        if found is _UNSEEN:
            found = _template_info(bounds, tag_info)
            if len(key) <= 8192:
                known[key] = found
        if found is None:
            return None
        offsets, long_tags = found
        if long_tags and (members is None or len(members) > 1):
            # the key covers the first 15 bytes after '<': compare the rest of the longer
            # tags (up to and with the '>') of every member with the template's
            opens = tp_open if members is None else tp_open[members]
            tags, offs = long_tags
            if len(opens) > _FEW_MEMBERS:
                # per long tag, those bytes of every member as one item (one gather),
                # compared with the template's repeated, as one bytes object
                for j in dict.fromkeys(tags.tolist()):
                    s0, e0 = int(lt[t0 + j]) + 16, int(te[t0 + j]) + 1
                    items = np.ndarray(
                        (len(buf) - (e0 - s0) + 1,), f"V{e0 - s0}", buffer=buf, strides=(1,)
                    )
                    if items[lt[opens + j] + 16].tobytes() != buf[s0:e0] * len(opens):
                        return None
            else:
                # a few members: as (overlapping, unaligned) 8-byte words, in one gather
                want = words[lt[t0 + tags] + offs]
                if not (words[lt[opens[:, None] + tags] + offs] == want).all():
                    return None
        templates.append((members, offsets))

    # the tags outside the trackpoints, in Python: nesting, one root, and the walk
    gap_start = np.concatenate(([0], tp_close + 1))
    gap_end = np.concatenate((tp_open, [n]))
    gap_len = gap_end - gap_start
    n_out = int(gap_len.sum())
    if n_out > 4096 + n // 8:
        return None
    outside = np.arange(n_out) + np.repeat(gap_start - (np.cumsum(gap_len) - gap_len), gap_len)
    after_tp = np.zeros(n_out, dtype=bool)  # the tag follows a trackpoint
    after_tp[np.cumsum(gap_len)[:-1]] = True
    out_list = outside.tolist()
    lt_out = lt[outside].tolist()
    te_out = te[outside].tolist()
    kinds_out: list[int] = []
    names_out: list[str] = []
    stack = []
    n_self_tp = 0
    track_open: list[int] = []
    lap_close: list[int] = []
    root_done = False
    cached = parsed.get
    for i, s, e, follows in zip(out_list, lt_out, te_out, after_tp.tolist()):
        info = cached(buf[s + 1 : e], _UNSEEN)  # tag_info without the call, usually
        if info is _UNSEEN:
            info = tag_info(s, e)
        if info is None or root_done or (follows and not stack):
            return None
        kind, qn, local = info
        if kind == _OPEN:
            if local == "Trackpoint":
                return None  # written differently from the others
            if local == "Track":
                track_open.append(i)
            stack.append(qn)
            if len(stack) > MAX_DEPTH // 2:
                return None
        elif kind == _CLOSE:
            if not stack or stack.pop() != qn or local == "Trackpoint":
                return None
            if local == "Lap":
                lap_close.append(i)
            root_done = not stack
        else:
            if local == "Trackpoint":
                n_self_tp += 1
            root_done = not stack
        kinds_out.append(kind)
        names_out.append(local)
    if stack:
        return None
    leaf = [
        kinds_out[x + 1] == _CLOSE if x + 1 < n_out and out_list[x + 1] == i + 1 else False
        for x, i in enumerate(out_list)
    ]
    # a leaf's next tag is the next walked tag (its closing tag)
    doc = _walk(buf, codec, out_list, lt_out, te_out, lt_out[1:] + [0], kinds_out, names_out, leaf)

    # the fields: the tag index of each field per trackpoint (from its template's table
    # row), one conversion for all numbers, one for the times
    numeric = [f for f in _FIELD_IDS if any(f in offsets for _, offsets in templates)]
    rows = [[offsets.get(f, -1) for f in (_TIME, *numeric)] for _, offsets in templates]
    # (field, trackpoint) -> the tag before the field's text; every template has members,
    # so a field that all templates have, all trackpoints have. The numbers are converted
    # field by field, so the values come in the block's order.
    table = np.array(rows, dtype=np.int64)
    table = table[0][:, None] if len(templates) == 1 else table[group].T
    tags = table + tp_open  # (1 + len(numeric), ntp)
    everyone = [min(col) >= 0 for col in zip(*rows)]
    time_ns = np.full(ntp, _NAT, dtype=np.int64)
    naive_any = False
    if any(r[0] >= 0 for r in rows):
        sel = None if everyone[0] else (table[0] >= 0).nonzero()[0]
        time_tags = tags[0] if sel is None else tags[0, sel]
        t_ns, naive = parse_times(buf, arr, te[time_tags] + 1, lt[time_tags + 1])
        naive_any = bool(naive.any())
        if sel is None:
            time_ns = t_ns
        else:
            time_ns[sel] = t_ns
    block = np.empty((0, ntp))
    if numeric:
        present = None if all(everyone[1:]) else table[1:] >= 0
        num_tags = tags[1:].ravel() if present is None else tags[1:][present]
        values = parse_decimals(buf, arr, te[num_tags] + 1, lt[num_tags + 1])
        if present is None:
            block = values.reshape(len(numeric), ntp)
        else:
            block = np.full((len(numeric), ntp), np.nan)
            block[present] = values
    fields = {f: block[r] for r, f in enumerate(numeric)}
    return _Points(
        doc=doc,
        ntags=n,
        tp_open=tp_open,
        n_self_tp=n_self_tp,
        time_ns=time_ns,
        naive_any=naive_any,
        fields=fields,
        track_open=np.asarray(track_open, dtype=np.int64),
        lap_close=np.asarray(lap_close, dtype=np.int64),
    )


_EPOCH = _datetime(1970, 1, 1, tzinfo=_timezone.utc)


def _time_one(text: str | None) -> int | None:
    """One ISO-8601 timestamp to UTC nanoseconds (None when it is not one)."""
    if not text:
        return None
    try:
        dt = _datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raw = text.encode("utf-8", "replace")
        buf = raw + b"\0" * 64
        ns, _ = parse_times(buf, np.frombuffer(buf, np.uint8), np.array([0]), np.array([len(raw)]))
        return None if ns[0] == _NAT else int(ns[0])
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_timezone.utc)
    delta = dt - _EPOCH
    ns = (delta.days * 86400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
    return ns if _NAT < ns < 2**63 else None  # beyond 1677-2262 is no time


def _device(creator: dict[str, str]) -> tuple[str | None, str | None]:
    name = creator.get("Name")
    if not name:
        return None, None
    first, _, rest = name.partition(" ")
    maker = _MANUFACTURERS.get(first.lower())
    if maker:
        return maker, rest or name
    if first.lower() in _GARMIN_FAMILIES or name.lower().startswith(_GARMIN_FAMILIES):
        return "Garmin", name
    return None, name


# pd.DatetimeTZDtype("ns", "UTC") and pandas' DatetimeArray, looked up once (pandas is
# imported lazily)
_UTC_DTYPE: list[Any] = []


def _utc_array(ns: np.ndarray) -> Any:
    """A tz-aware UTC ``DatetimeArray`` of int64 nanoseconds (wrapped without a copy).

    ``DatetimeArray._simple_new`` skips the validation and time-zone conversion of the
    public constructors (a tenth of their cost, which counts for small files); where a
    pandas version lacks it, the public route gives the same array.
    """
    values = np.ascontiguousarray(ns, dtype=np.int64).view("datetime64[ns]")
    if not _UTC_DTYPE:
        import pandas as pd
        from pandas.arrays import DatetimeArray

        _UTC_DTYPE.extend((pd.DatetimeTZDtype("ns", "UTC"), DatetimeArray))
    dtype, array_type = _UTC_DTYPE
    try:
        out = array_type._simple_new(values, dtype=dtype)
    except (AttributeError, TypeError):  # pragma: no cover - other pandas versions
        import pandas as pd

        return pd.DatetimeIndex(values).tz_localize("UTC").array
    return out


def _utc_index(ns: np.ndarray, name: str) -> Any:
    """A tz-aware UTC ``DatetimeIndex`` of int64 nanoseconds (see :func:`_utc_array`)."""
    import pandas as pd

    try:
        return pd.DatetimeIndex._simple_new(_utc_array(ns), name=name)
    except (AttributeError, TypeError):  # pragma: no cover - other pandas versions
        return pd.DatetimeIndex(ns.view("datetime64[ns]"), name=name).tz_localize("UTC")


# pandas' block classes, block manager and placement type (pandas >= 2), looked up once;
# [None] where this pandas has other internals
_INTERNALS: list[Any] = []


def _internals() -> Any:
    """pandas' block classes for :func:`_frame`, or None. They are private: used only
    with the pandas major version the tests run against (3), else the public route."""
    if not _INTERNALS:
        import pandas as pd

        if pd.__version__.split(".")[0] != "3":
            _INTERNALS.append(None)
            return None
        try:
            from pandas._libs.internals import BlockPlacement
            from pandas.core.internals.blocks import DatetimeLikeBlock, NumpyBlock
            from pandas.core.internals.managers import BlockManager

            _INTERNALS.append((NumpyBlock, DatetimeLikeBlock, BlockManager, BlockPlacement))
        except ImportError:  # pragma: no cover - other pandas versions
            _INTERNALS.append(None)
    return _INTERNALS[0]


def _frame(blocks: list[tuple[Any, Any]], columns: list[str], index: Any) -> Any:
    """A DataFrame from its blocks: 2-D ``(columns, rows)`` arrays (numpy, or a 2-D UTC
    ``DatetimeArray``) with their column places (a slice or a list).

    The blocks and the block manager are built directly (what
    :func:`pandas.api.internals.create_dataframe_from_blocks` does, without its per-block
    type dispatch and the manager's integrity check: a third of the cost, and of the
    code that a read runs for the first time after other work); where pandas lacks these
    internals, through that function or the ordinary constructor.
    """
    import pandas as pd

    internals = _internals()
    if internals is not None:
        numpy_block, datetime_block, manager, placement = internals
        try:
            objs = [
                (numpy_block if isinstance(values, np.ndarray) else datetime_block)(
                    values, ndim=2, placement=placement(places)
                )
                for values, places in blocks
            ]
            mgr = manager(objs, [_column_index(columns), index], verify_integrity=False)
            return pd.DataFrame._from_mgr(mgr, mgr.axes)
        except (TypeError, AttributeError):  # pragma: no cover - other pandas versions
            _INTERNALS[0] = None
    places_of = [
        list(range(len(columns))[p]) if isinstance(p, slice) else list(p) for _, p in blocks
    ]
    try:
        from pandas.api.internals import create_dataframe_from_blocks
    except ImportError:  # pragma: no cover - pandas < 3
        data: dict[str, Any] = {}
        for (values, _), places in zip(blocks, places_of):
            for row, place in zip(values, places):
                data[columns[place]] = row
        return pd.DataFrame({c: data[c] for c in columns}, index=index)
    return create_dataframe_from_blocks(
        [
            (values, np.asarray(places, dtype=np.intp))
            for (values, _), places in zip(blocks, places_of)
        ],
        index=index,
        columns=_column_index(columns),
    )


_COLUMN_INDEX: dict[tuple[str, ...], Any] = {}


def _column_index(columns: list[str]) -> Any:
    """``pd.Index(columns)``, built once per column list (about 0.1 ms each time with
    pandas' string dtype) and handed out as a fresh view: the labels are shared and
    immutable, the Index object (its ``name``, say) is the caller's own."""
    import pandas as pd

    key = tuple(columns)
    cached = _COLUMN_INDEX.get(key)
    if cached is None:
        if len(_COLUMN_INDEX) > 64:  # column lists are few; never grow without bound
            _COLUMN_INDEX.clear()
        cached = _COLUMN_INDEX[key] = pd.Index(columns)
    try:
        return cached._view()
    except AttributeError:  # pragma: no cover - other pandas versions
        return cached.copy()


def _records_frame(time_ns: np.ndarray, columns: dict[str, np.ndarray | None], extra: dict):
    """The records frame of :func:`kickanalysis.schema.records_frame`, as one float block."""

    n = len(time_ns)
    names = list(schema.RECORD_COLUMNS) + [c for c in extra if c not in schema.RECORD_COLUMNS]
    block = np.empty((len(names), n))
    block[0] = (time_ns - time_ns[0]) / 1e9
    for row, name in enumerate(names[1:], start=1):
        values = columns.get(name) if name in columns else extra.get(name)
        block[row] = np.nan if values is None else values
    index = _utc_index(time_ns, "time")
    return _frame([(block, slice(0, len(names)))], names, index)


def _assemble(points: _Points, name: str, log: WarningLog) -> Activity:
    """The activity from the trackpoints (shared by the fast and the general path)."""
    import pandas as pd

    doc = points.doc
    tp_open = points.tp_open
    ntp = len(tp_open)
    time_ns = points.time_ns

    # which track / lap each trackpoint belongs to
    track_open = points.track_open
    track_id = track_open.searchsorted(tp_open) - 1
    lap_tags = np.asarray(doc.lap_tags, dtype=np.int64)
    lap_id = lap_tags.searchsorted(tp_open) - 1
    if len(lap_tags):
        lap_close = points.lap_close
        # a trackpoint after its lap closed (e.g. in a course) belongs to no lap
        lap_end = np.full(len(lap_tags), points.ntags, dtype=np.int64)
        closes_after = lap_close.searchsorted(lap_tags)
        # match each activity lap with the first lap close at the same depth after it:
        # laps do not nest, so the first close after the open is its own.
        valid = closes_after < len(lap_close)
        lap_end[valid] = lap_close[closes_after[valid]]
        in_lap = (lap_id >= 0) & (tp_open < lap_end[np.maximum(lap_id, 0)])
        lap_id = np.where(in_lap, lap_id, -1)

    # drop trackpoints without a time
    has_time = time_ns != _NAT
    n_with_time = int(has_time.sum())
    n_no_time = ntp - n_with_time + points.n_self_tp
    if n_no_time:
        log.repaired(f"{n_no_time} trackpoint(s) without a valid <Time> dropped")
    if points.naive_any:
        log.assumed("timestamps without a UTC offset; assumed to be UTC")
    keep: np.ndarray | None = None if n_with_time == ntp else has_time.nonzero()[0]
    if keep is not None:
        time_ns = time_ns[keep]
    if len(time_ns) > 1 and (time_ns[1:] < time_ns[:-1]).any():
        backwards = int((time_ns[1:] < time_ns[:-1]).sum())
        log.repaired(f"time goes backwards {backwards} times; trackpoints sorted by time")
        order = np.argsort(time_ns, kind="stable")
        keep = order if keep is None else keep[order]
        time_ns = time_ns[order]
    if len(time_ns) == 0:
        raise EmptyActivityError(name, "no trackpoint with a time in the TCX document")

    def take(fid: int) -> np.ndarray | None:
        col = points.fields.get(fid)
        return col if col is None or keep is None else col[keep]

    lat, lon, alt, dist, hr = take(_LAT), take(_LON), take(_ALT), take(_DIST), take(_VALUE)
    cad, runcad, speed = take(_CADENCE), take(_RUNCADENCE), take(_SPEED)
    watts = take(_WATTS)
    if keep is not None:
        track_id, lap_id = track_id[keep], lap_id[keep]

    sport_raw = doc.sports[0] if doc.sports else None
    # TCX names its three sports Running, Biking and Other; use the FIT names (as the
    # other readers do) so that the same activity has one sport whatever its format
    sport = _TCX_SPORTS.get(sport_raw.lower(), sport_raw.lower()) if sport_raw else None
    distance_source = "file"
    if dist is None or np.isnan(dist).all():
        if lat is not None and lon is not None and not np.isnan(lat).all():
            dist = geo.path_distance_m(lat, lon)
            distance_source = "positions"
        else:
            distance_source = "none"
    if speed is None or np.isnan(speed).any():  # else the file gives every speed
        derived = None
        if dist is not None:
            derived = geo.speed_from_distance((time_ns - time_ns[0]) / 1e9, dist)
        if speed is None:
            speed = derived
        elif derived is not None:
            speed = np.where(np.isnan(speed), derived, speed)
    cadence_source = None
    cadence_spm = None
    if runcad is not None:
        cadence_spm = 2.0 * runcad
        cadence_source = "RunCadence"
    elif cad is not None and sport == "running":
        cadence_spm = 2.0 * cad
        cadence_source = "Cadence"

    columns = {
        "lat_deg": lat,
        "lon_deg": lon,
        "elevation_m": alt,
        "distance_m": dist,
        "speed_mps": speed,
        "heart_rate_bpm": hr,
        "cadence_spm": cadence_spm,
        "power_w": watts,
    }
    records = _records_frame(time_ns, columns, {"cadence_rpm": cad} if cad is not None else {})

    # pauses: a new <Track> inside the same lap
    pauses = []
    if len(time_ns) > 1:
        brk = ((track_id[1:] != track_id[:-1]) & (lap_id[1:] == lap_id[:-1])).nonzero()[0]
        for b in brk.tolist():
            if time_ns[b + 1] > time_ns[b]:
                pauses.append(
                    (
                        pd.Timestamp(int(time_ns[b]), tz="UTC"),
                        pd.Timestamp(int(time_ns[b + 1]), tz="UTC"),
                    )
                )

    laps, lap_start_ns, lap_timer = _laps_frame(
        doc, time_ns, columns, lap_id, sport, points.truncated
    )

    manufacturer, product = _device(doc.creator)
    serial = None
    unit = doc.creator.get("UnitId")
    if unit and unit.isdigit() and int(unit) > 0:
        serial = int(unit)
    start_ns = _time_one(doc.activity_id)
    if start_ns is None and len(lap_start_ns):
        start_ns = int(lap_start_ns[0])
    if start_ns is None:
        start_ns = int(time_ns[0])
    if doc.root != "TrainingCenterDatabase":
        log.repaired(f"the root element is <{doc.root}>, not <TrainingCenterDatabase>")
    version = None
    if "VersionMajor" in doc.creator:
        version = f"{doc.creator.get('VersionMajor')}.{doc.creator.get('VersionMinor', '0')}"
    extra: dict[str, Any] = {
        "id": doc.activity_id,
        "activities": len(doc.sports),
        "courses": doc.n_courses,
        "laps": len(lap_start_ns),
        "tracks": len(track_open),
        "trackpoints": len(time_ns),
        "trackpoints_dropped": n_no_time,
        "distance_source": distance_source,
        "cadence_source": cadence_source,
        "sport_raw": sport_raw,
        "product_id": doc.creator.get("ProductID"),
        "software_version": version,
        "author": doc.author,
        "truncated": points.truncated,
    }
    if len(lap_start_ns):
        extra["total_timer_s"] = _nansum(lap_timer)
        calories = [_num(lap.get("Calories")) for lap in doc.laps]
        extra["calories_kcal"] = _nansum(np.asarray(calories)) if calories else None
    meta = Meta(
        format="tcx",
        source=name,
        sport=sport,
        manufacturer=manufacturer,
        product=product,
        serial_number=serial,
        start_time=pd.Timestamp(start_ns, tz="UTC"),
        pauses=tuple(pauses),
        warnings=tuple(log.messages),
        name=doc.notes or doc.course_name,
        extra=extra,
    )
    return Activity(records=records, laps=laps, meta=meta)


def _range_index(n: int) -> Any:
    """``pd.RangeIndex(n)`` without the argument checks of its constructor."""
    import pandas as pd

    try:
        return pd.RangeIndex._simple_new(range(n))
    except AttributeError:  # pragma: no cover - other pandas versions
        return pd.RangeIndex(n)


_EMPTY_LAPS: list[Any] = []  # the empty laps frame, built once and copied


def _nansum(a: np.ndarray) -> float:
    """``np.nansum`` of a float array, the same sum (NaN replaced by 0, then ``sum``)
    without its generic overhead."""
    return float(np.where(np.isnan(a), 0.0, a).sum())


def _nanmean(a: np.ndarray) -> float:
    """``np.nanmean`` of a float array with at least one number, computed as numpy does
    (NaN replaced by 0, summed, divided by the count) without its generic overhead."""
    nan = np.isnan(a)
    return float(np.where(nan, 0.0, a).sum() / (len(a) - int(nan.sum())))


def _split_layout() -> tuple[list[str], list[str], dict[str, int], Any]:
    """The laps frame's column names, its float columns, each column's place and the
    places of the float columns (a slice where they are adjacent)."""
    names = list(schema.SPLIT_COLUMNS)
    floats = [c for c, d in schema.SPLIT_DTYPES.items() if d == "float64"]
    place = {c: i for i, c in enumerate(names)}
    at = [place[c] for c in floats]
    adjacent = at == list(range(at[0], at[0] + len(at))) if at else False
    return names, floats, place, slice(at[0], at[0] + len(at)) if adjacent else at


_SPLIT_LAYOUT: list[tuple[list[str], list[str], dict[str, int], Any]] = []


def _laps_frame(
    doc: _Doc,
    t_ns: np.ndarray,
    columns: dict[str, np.ndarray | None],
    lap_id: np.ndarray,
    sport: str | None,
    truncated: bool,
) -> tuple[Any, np.ndarray, np.ndarray]:
    """The laps frame, and the laps' start times [ns] and timer times [s]."""
    nlaps = len(doc.laps)
    if nlaps == 0:
        if not _EMPTY_LAPS:
            _EMPTY_LAPS.append(schema.empty_splits())
        return _EMPTY_LAPS[0].copy(), np.zeros(0, np.int64), np.zeros(0)
    n = len(t_ns)
    t0 = int(t_ns[0])
    nan_col = np.full(n, np.nan)

    def col(name: str) -> np.ndarray:
        values = columns.get(name)
        return nan_col if values is None else values

    dist, alt = col("distance_m"), col("elevation_m")
    hr, cad = col("heart_rate_bpm"), col("cadence_spm")
    # trackpoint index ranges per lap (records are time-sorted; laps are in time order)
    counts = np.bincount(lap_id[lap_id >= 0], minlength=nlaps)
    start = np.full(nlaps, _NAT, dtype=np.int64)
    end = np.full(nlaps, _NAT, dtype=np.int64)
    if not _SPLIT_LAYOUT:
        _SPLIT_LAYOUT.append(_split_layout())
    names, floats, place, float_places = _SPLIT_LAYOUT[0]
    block = np.full((len(floats), nlaps), np.nan)
    out: dict[str, np.ndarray] = dict(zip(floats, block))
    prev_end_dist = np.nan
    # per lap: its rows, the first and last distance, elevation gain and loss
    d_ends: list[tuple[float, float] | None] = [None] * nlaps
    gain_loss: list[tuple[float, float] | None] = [None] * nlaps
    t_ends: list[tuple[int, int] | None] = [None] * nlaps
    if n > 1 and bool((lap_id[1:] >= lap_id[:-1]).all()):
        # the usual case: each lap's rows are one run (a slice), so the per-lap values
        # come from a few vectorised searches instead of masks per lap
        lap_nos = np.arange(nlaps)
        lo = lap_id.searchsorted(lap_nos, side="left")
        hi = lap_id.searchsorted(lap_nos, side="right")
        lap_rows: list[Any] = [
            slice(x, y) if y > x else None for x, y in zip(lo.tolist(), hi.tolist())
        ]
        dv = (~np.isnan(dist)).nonzero()[0]
        dvals = dist[dv]
        i0, i1 = dv.searchsorted(lo), dv.searchsorted(hi)
        va = (~np.isnan(alt)).nonzero()[0]
        alt_v = alt[va]
        step = alt_v[1:] - alt_v[:-1]
        k0, k1 = va.searchsorted(lo), va.searchsorted(hi)
        t_lo, t_hi = t_ns[np.minimum(lo, n - 1)], t_ns[np.maximum(hi - 1, 0)]
        # a lap's rises (falls) are a slice of all rises (falls) in order: the same values
        # numpy sums, in the same order, as ``st[st > 0].sum()`` over the lap's steps
        up_at = (step > 0).nonzero()[0]
        down_at = (step < 0).nonzero()[0]
        up, down = step[up_at], step[down_at]
        k_last = np.maximum(k1 - 1, k0)
        u0, u1 = up_at.searchsorted(k0).tolist(), up_at.searchsorted(k_last).tolist()
        w0, w1 = down_at.searchsorted(k0).tolist(), down_at.searchsorted(k_last).tolist()
        for j, (x0, x1, y0, y1, rows) in enumerate(
            zip(i0.tolist(), i1.tolist(), k0.tolist(), k1.tolist(), lap_rows)
        ):
            if rows is None:
                continue
            t_ends[j] = (int(t_lo[j]), int(t_hi[j]))
            if x1 > x0:
                d_ends[j] = (dvals[x0], dvals[x1 - 1])
            if y1 > y0:
                gain_loss[j] = (
                    float(up[u0[j] : u1[j]].sum()),
                    float(-down[w0[j] : w1[j]].sum()),
                )
    else:
        if nlaps == 1 and counts[0] == n:
            lap_rows = [slice(None)]
        else:
            lap_rows = [(lap_id == j).nonzero()[0] if counts[j] else None for j in range(nlaps)]
        for j, rows in enumerate(lap_rows):
            if rows is None:
                continue
            t = t_ns[rows]
            t_ends[j] = (int(t[0]), int(t[-1]))
            d = dist[rows]
            d = d[~np.isnan(d)]
            if len(d):
                d_ends[j] = (d[0], d[-1])
            a = alt[rows]
            a = a[~np.isnan(a)]
            if len(a):
                st = a[1:] - a[:-1]
                gain_loss[j] = (float(st[st > 0].sum()), float(-st[st < 0].sum()))
    # per column: its values with NaN as 0 and the running count of numbers, for the means
    # of laps whose rows are a slice (the sum of the slice is numpy's over the same values
    # in the same order as in _nanmean)
    zeroed: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def lap_mean(values: np.ndarray, rows: Any) -> float:
        """``_nanmean(values[rows])``; NaN when the lap has no number."""
        if not isinstance(rows, slice) or nlaps < 3:
            v = values[rows]
            return np.nan if np.isnan(v).all() else _nanmean(v)
        pre = zeroed.get(id(values))
        if pre is None:
            nan = np.isnan(values)
            count = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(~nan, out=count[1:])
            pre = zeroed[id(values)] = (np.where(nan, 0.0, values), count)
        z, count = pre
        x, y, _ = rows.indices(n)
        k = int(count[y] - count[x])
        return float(z[x:y].sum() / k) if k else np.nan

    for j, lap in enumerate(doc.laps):
        rows = lap_rows[j]
        has_rows = rows is not None
        st = _time_one(lap.get("StartTime"))
        te_j = t_ends[j]
        if st is None and te_j is not None:
            st = te_j[0]
        timer = _num(lap.get("TotalTimeSeconds"))
        ends = []
        if st is not None and timer == timer:
            ends.append(st + int(round(timer * 1e9)))
        if te_j is not None:
            ends.append(te_j[1])
        start[j] = st if st is not None else _NAT
        end[j] = max(ends) if ends else _NAT
        de = d_ends[j]
        first_d = prev_end_dist if prev_end_dist == prev_end_dist else (de[0] if de else 0.0)
        end_d = de[1] if de else first_d
        lap_dist = _num(lap.get("DistanceMeters"))
        if lap_dist != lap_dist:
            lap_dist = end_d - first_d
        out["start_distance_m"][j] = first_d
        out["end_distance_m"][j] = end_d
        out["distance_m"][j] = lap_dist
        prev_end_dist = end_d
        out["moving_s"][j] = timer
        avg_speed = _num(lap.get("AvgSpeed"))
        if avg_speed != avg_speed and timer == timer and timer > 0:
            avg_speed = lap_dist / timer
        out["speed_mps"][j] = avg_speed
        out["pace_s_per_km"][j] = 1000.0 / avg_speed if avg_speed > 0 else np.nan
        hr_mean = _num(lap.get("AverageHeartRateBpm"))
        hr_max = _num(lap.get("MaximumHeartRateBpm"))
        if has_rows and (hr_mean != hr_mean or hr_max != hr_max):
            if hr_mean != hr_mean:
                hr_mean = lap_mean(hr, rows)
            if hr_max != hr_max and hr_mean == hr_mean:
                hr_max = float(np.fmax.reduce(hr[rows]))  # np.nanmax without its overhead
        out["heart_rate_mean_bpm"][j] = hr_mean
        out["heart_rate_max_bpm"][j] = hr_max
        cad_mean = 2.0 * _num(lap.get("AvgRunCadence"))
        if cad_mean != cad_mean and sport == "running":
            cad_mean = 2.0 * _num(lap.get("Cadence"))
        if cad_mean != cad_mean and has_rows and cad is not nan_col:
            cad_mean = lap_mean(cad, rows)
        out["cadence_mean_spm"][j] = cad_mean
        if gain_loss[j] is not None:
            out["elevation_gain_m"][j], out["elevation_loss_m"][j] = gain_loss[j]
    ok = start != _NAT
    oke = end != _NAT
    out["start_elapsed_s"][:] = np.where(ok, (start - t0) / 1e9, np.nan)
    out["end_elapsed_s"][:] = np.where(oke, (end - t0) / 1e9, np.nan)
    out["duration_s"][:] = np.where(ok & oke, (end - start) / 1e9, np.nan)
    partial = np.zeros(nlaps, dtype=bool)
    if truncated:
        partial = ~np.asarray(doc.lap_closed, dtype=bool)
    frame = _frame(
        [
            (block, float_places),
            (np.arange(1, nlaps + 1, dtype=np.int64)[None, :], [place["split"]]),
            (_utc_array(np.vstack((start, end))), [place["start_time"], place["end_time"]]),
            (partial[None, :], [place["partial"]]),
        ],
        names,
        _range_index(nlaps),
    )
    return frame, start, out["moving_s"]
