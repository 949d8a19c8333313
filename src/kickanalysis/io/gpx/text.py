"""Bulk conversion of GPX text: decimals, ISO-8601 times, attributes."""

from __future__ import annotations

import re

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._common import _NAT, _TZ_SUFFIX


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
    try:
        strs = np.char.strip(texts.astype("U"))
    except UnicodeDecodeError:  # non-ASCII bytes in a time: unparseable, not an exception
        strs = np.char.strip(np.array([t.decode("utf-8", "replace") for t in texts.tolist()]))
    if strs.size == 0:
        return np.empty(0, dtype=np.int64), 0, 0
    aware = np.char.endswith(strs, "Z")
    naive = 0
    if not aware.all():
        naive = sum(1 for s in strs[~aware].tolist() if s and not _TZ_SUFFIX.search(s))
    empty = strs == ""
    idx = pd.to_datetime(strs, format="ISO8601", utc=True, errors="coerce")
    lo, hi = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")
    if not idx.isna().all() and (idx.min() < lo or idx.max() > hi):
        idx = idx.where((idx >= lo) & (idx <= hi))  # beyond 1677-2262: unparseable
    ns = idx.as_unit("ns").asi8.copy()
    bad = int((idx.isna() & ~empty).sum())
    ns[np.asarray(idx.isna())] = _NAT
    return ns, naive, bad


def _local(tag: str) -> str:
    return tag.rpartition(":")[2]
