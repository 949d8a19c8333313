"""Heart rate stored in ``hr`` messages (chest straps that record on their own).

Straps such as Garmin's HRM-Swim, HRM-Tri and HRM-Pro store heart beats while the watch
cannot receive them (under water, or away from the watch) and hand them over at the end:
the FIT file then carries ``hr`` messages next to records without heart rate. Each ``hr``
message holds up to eight ``filtered_bpm`` values with their event times, either as full
``event_timestamp`` values [1/1024 s] or packed as 12-bit rolling counters
(``event_timestamp_12``); an *anchor* message also carries a ``timestamp`` (plus
``fractional_timestamp``) that ties the event clock to UTC.

The rules follow the FIT SDK's description of merging heart rates into records (Garmin
FIT SDK, "HR messages"): event times are anchored to the last anchor message, the 22-bit
seconds counter rolls over at 0x400000 s, a value is carried forward across a gap for at
most 5 s in 250 ms steps, and a record gets the mean of the values in its interval
(after the previous record, up to and including its own time), rounded half up.
"""

from __future__ import annotations

import numpy as np

from .decode import MessageTable

#: The seconds counter of ``event_timestamp`` (uint32 / 1024) rolls over here [s].
EVENT_ROLLOVER_S = 0x400000
GAP_STEP_S = 0.25
GAP_MAX_STEPS = 20


def _rows(table: MessageTable, name: str) -> np.ndarray | None:
    """A field as an (n, k) matrix of physical values, NaN where invalid."""
    if name in table.arrays and table.arrays[name].dtype == np.float64:
        return table.arrays[name]
    col = table.get(name)
    return None if col is None else col.reshape(-1, 1)


def _unpack12(raw: np.ndarray) -> np.ndarray:
    """The 12-bit counters packed little-endian, LSB first, in each row of bytes."""
    n, width = raw.shape
    bits = np.unpackbits(raw, axis=1, bitorder="little")
    count = (width * 8) // 12
    chunks = bits[:, : count * 12].reshape(n, count, 12).astype(np.int64)
    return (chunks << np.arange(12)).sum(axis=2)


def heart_rate_samples(table: MessageTable) -> tuple[np.ndarray, np.ndarray]:
    """Heart-rate samples of the ``hr`` messages.

    Parameters
    ----------
    table : MessageTable
        The decoded ``hr`` messages (global message 132), in file order.

    Returns
    -------
    tuple of numpy.ndarray
        Sample times [s since the FIT epoch] and heart rates [1/min], including the
        values carried forward across gaps (up to 5 s, every 250 ms).
    """
    n = len(table)
    ts = table.get("timestamp")
    frac = table.get("fractional_timestamp")
    events = _rows(table, "event_timestamp")
    bpm = _rows(table, "filtered_bpm")
    packed = table.arrays.get("event_timestamp_12")
    if bpm is None or ts is None or (events is None and packed is None):
        return np.zeros(0), np.zeros(0)
    if packed is not None and packed.dtype != np.uint8:  # bytes given as numbers
        packed = np.where(np.isnan(packed), 0xFF, packed).astype(np.uint8)
    counters = _unpack12(packed) if packed is not None else None
    times: list[float] = []
    rates: list[float] = []
    anchor_time = anchor_event = None
    acc = last = 0
    for i in range(n):
        row_events = events[i] if events is not None else np.array([np.nan])
        valid_events = row_events[~np.isnan(row_events)]
        if ts[i] == ts[i]:  # an anchor message
            if len(valid_events) != 1:
                continue  # an anchor must carry exactly one event time
            anchor_time = ts[i] + (0.0 if frac is None or frac[i] != frac[i] else frac[i])
            anchor_event = float(valid_events[0])
            acc = last = int(round(anchor_event * 1024))
        if anchor_time is None:
            continue  # deltas before any anchor cannot be placed in time
        # packed counters first: a decoder may have expanded them into event_timestamp
        # without accumulating the 12-bit rollover
        has_counters = counters is not None and packed is not None and (packed[i] != 0xFF).any()
        if ts[i] == ts[i] or not has_counters:
            if not len(valid_events):
                continue
            event_s = valid_events
        else:
            vals = []
            for v in counters[i].tolist():
                acc += (v - last) & 0xFFF
                last = v
                vals.append(acc / 1024.0)
            event_s = np.array(vals)
        beats = bpm[i][: len(event_s)]
        for e, b in zip(event_s.tolist(), beats.tolist()):
            if b != b:
                continue
            if e < anchor_event and anchor_event - e > EVENT_ROLLOVER_S:
                e += EVENT_ROLLOVER_S
            times.append(anchor_time + (e - anchor_event))
            rates.append(b)
    if not times:
        return np.zeros(0), np.zeros(0)
    t = np.asarray(times)
    r = np.asarray(rates)
    # carry each value forward over a gap, every 250 ms, for at most 5 s
    gap_ms = np.abs(np.diff(t)) * 1000.0
    steps = np.where(gap_ms > 250.0, np.minimum(np.ceil(gap_ms / 250.0) - 1, GAP_MAX_STEPS), 0)
    steps = steps.astype(np.int64)
    if steps.any():
        src = np.repeat(np.arange(len(t) - 1), steps)
        k = np.arange(len(src)) - np.repeat(np.cumsum(steps) - steps, steps) + 1
        filled_t = t[src] + GAP_STEP_S * k
        filled_r = r[src]
        # each filler goes after its source sample, before the next real one
        key = np.concatenate(
            (np.arange(len(t)) * (GAP_MAX_STEPS + 1), src * (GAP_MAX_STEPS + 1) + k)
        )
        order = np.argsort(key, kind="stable")
        t = np.concatenate((t, filled_t))[order]
        r = np.concatenate((r, filled_r))[order]
    return t, r


def merge_into_records(
    record_s: np.ndarray, heart_rate: np.ndarray | None, table: MessageTable
) -> tuple[np.ndarray | None, int]:
    """Fill records that lack heart rate from ``hr`` messages.

    Parameters
    ----------
    record_s : numpy.ndarray
        Record times [s since the FIT epoch], sorted.
    heart_rate : numpy.ndarray or None
        The records' own heart rate [1/min] (NaN where absent); recorded values are kept.
    table : MessageTable
        The ``hr`` messages.

    Returns
    -------
    tuple
        The heart-rate column (None if there was none and nothing to merge) and the
        number of records filled.
    """
    t, r = heart_rate_samples(table)
    n = len(record_s)
    if len(t) == 0 or n == 0:
        return heart_rate, 0
    order = np.argsort(t, kind="stable")
    t, r = t[order], r[order]
    prev = np.concatenate(([record_s[0] - 1.0], record_s[:-1]))
    prev = np.where(prev == record_s, record_s - 1.0, prev)
    lo = np.searchsorted(t, prev, side="right")
    hi = np.searchsorted(t, record_s, side="right")
    csum = np.concatenate(([0.0], np.cumsum(r)))
    count = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.floor((csum[hi] - csum[lo]) / count + 0.5)
    merged = np.where(count > 0, mean, np.nan)
    if heart_rate is None:
        heart_rate = np.full(n, np.nan)
    fill = np.isnan(heart_rate) & ~np.isnan(merged)
    if not fill.any():
        return heart_rate, 0
    return np.where(fill, merged, heart_rate), int(fill.sum())


__all__ = ["heart_rate_samples", "merge_into_records"]
