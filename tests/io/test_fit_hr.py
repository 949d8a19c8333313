"""Heart rate from ``hr`` messages: 12-bit counters, anchors, gaps, merge into records."""

from __future__ import annotations

import numpy as np

from kickanalysis.io.fit.decode import Column, MessageTable
from kickanalysis.io.fit.hr import _unpack12, heart_rate_samples, merge_into_records


def pack12(values: list[int]) -> np.ndarray:
    """Pack 12-bit values little-endian, least significant bit first (FIT components)."""
    acc = 0
    for i, v in enumerate(values):
        acc |= (v & 0xFFF) << (12 * i)
    return np.frombuffer(acc.to_bytes(len(values) * 12 // 8, "little"), dtype=np.uint8)


def test_unpack12_reads_the_fit_bit_order():
    values = [0x123, 0xFFF, 0x000, 0x800, 0x001, 0xABC, 0x7FF, 0x456]
    packed = pack12(values)
    assert packed[:3].tolist() == [0x23, 0xF1, 0xFF]  # 0x123 then 0xFFF, LSB first
    assert _unpack12(packed.reshape(1, -1)).tolist() == [values]


def hr_table(anchor_s: float, anchor_event_s: float, deltas: list[list[int]], bpm: list[list[int]]):
    """An anchor message followed by messages with packed 12-bit event counters."""
    n = 1 + len(deltas)
    ts = np.full(n, np.nan)
    ts[0] = anchor_s
    events = np.full((n, 1), np.nan)
    events[0, 0] = anchor_event_s
    beats = np.full((n, 8), np.nan)
    beats[0, 0] = bpm[0][0]
    packed = np.full((n, 12), 0xFF, dtype=np.uint8)
    for i, (d, b) in enumerate(zip(deltas, bpm[1:]), start=1):
        packed[i] = pack12(d)
        beats[i, : len(b)] = b
    cols = {
        "timestamp": Column("timestamp", ts),
        "fractional_timestamp": Column("fractional_timestamp", np.full(n, np.nan)),
    }
    arrays = {"event_timestamp": events, "filtered_bpm": beats, "event_timestamp_12": packed}
    return MessageTable(132, "hr", np.arange(n), cols, arrays)


def test_counters_accumulate_across_their_rollover():
    # anchor: event clock 3.0 s (raw 3072 = 0xC00) at FIT time 1000 s
    # next beats every 0.5 s: raw 3584, 4096 (12-bit: 0x000, rolled over), 4608 …
    raw = [3072 + 512 * k for k in range(1, 9)]
    table = hr_table(1000.0, 3.0, [[r & 0xFFF for r in raw]], [[100], list(range(101, 109))])
    t, r = heart_rate_samples(table)
    # samples at 1000, 1000.5, … with a 250 ms carried value between each pair
    assert t[0] == 1000.0 and r[0] == 100
    real = np.isin(t, 1000.0 + 0.5 * np.arange(9))
    np.testing.assert_allclose(t[real], 1000.0 + 0.5 * np.arange(9))
    assert r[real].tolist() == [100, *range(101, 109)]
    # the carried values repeat the previous beat 250 ms later
    assert r[~real].tolist() == [100, *range(101, 108)]
    np.testing.assert_allclose(t[~real], 1000.25 + 0.5 * np.arange(8))


def test_gap_is_carried_for_at_most_five_seconds():
    # two anchors 10 s apart (a 12-bit counter cannot span more than 4 s)
    cols = {"timestamp": Column("timestamp", np.array([0.0, 10.0]))}
    arrays = {
        "event_timestamp": np.array([[0.0], [10.0]]),
        "filtered_bpm": np.array([[80.0], [90.0]]),
    }
    table = MessageTable(132, "hr", np.arange(2), cols, arrays)
    t, r = heart_rate_samples(table)
    carried = (t > 0) & (t < 10)
    assert carried.sum() == 20  # 250 ms steps up to 5 s
    assert np.all(r[carried] == 80) and t[carried].max() == 5.0


def test_records_get_the_rounded_mean_of_their_interval_and_keep_their_own():
    table = hr_table(
        100.0,
        0.0,
        [[256, 512, 768, 1024, 1280, 1536, 1792, 2048]],
        [[100], [101, 102, 103, 104, 105, 106, 107, 108]],
    )
    record_s = np.array([100.0, 101.0, 102.0, 103.0])
    own = np.array([np.nan, np.nan, 150.0, np.nan])
    merged, filled = merge_into_records(record_s, own, table)
    # (99, 100]: 100 -> 100; (100, 101]: 101..104 -> 102.5 -> 103 (half up)
    assert merged[0] == 100 and merged[1] == 103
    assert merged[2] == 150  # recorded values are kept
    assert np.isnan(merged[3])  # no beats after 102 s
    assert filled == 2
