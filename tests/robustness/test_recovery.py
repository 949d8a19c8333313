"""Recovery from damage: truncation at any offset, and the documented policies for
times going backwards, repeated times, long gaps, points without position, empty files
and misleading suffixes (see docs/robustness.md)."""

from __future__ import annotations

import dataclasses
import re
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import REAL, REPO, SKIP_NO_REAL

sys.path.insert(0, str(REPO / "fuzz"))
import mutators as M

import kickanalysis as ka
from kickanalysis.errors import (
    CorruptFileError,
    DataQualityWarning,
    EmptyActivityError,
    KickAnalysisError,
    UnknownFormatError,
)

REAL_FIT = "sweatpy__6471559601_ACTIVITY.fit"  # 9.7 kB, 130 records, 3 record layouts


def _quiet_read(data: bytes, **kwargs) -> tuple[ka.Activity, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        act = ka.read(data, **kwargs)
    return act, [str(w.message) for w in caught if issubclass(w.category, DataQualityWarning)]


def _assert_prefix(part: pd.DataFrame, full: pd.DataFrame, n: int, *, skip=()) -> None:
    """*part* holds exactly the first *n* rows of *full*, value for value."""
    assert len(part) == n
    if n == 0:
        return
    cols = [c for c in part.columns if c not in skip]
    pd.testing.assert_frame_equal(part[cols], full.iloc[:n][cols], check_exact=True)
    # columns only the full file has belong to messages after the cut: empty in the prefix
    for c in set(full.columns) - set(part.columns):
        assert full[c].iloc[:n].isna().all(), c


# ---------------------------------------------------------------- FIT truncation


def _fit_files() -> list[tuple[str, bytes]]:
    out = [("sim.fit", ka.write_fit(ka.simulate_run(duration_s=120, seed=7).activity))]
    if REAL is not None and (REAL / "fit" / REAL_FIT).is_file():
        out.append((REAL_FIT, (REAL / "fit" / REAL_FIT).read_bytes()))
    return out


@pytest.mark.parametrize(
    ("name", "data"), _fit_files(), ids=lambda x: x if isinstance(x, str) else ""
)
def test_fit_cut_every_97th_byte_keeps_exactly_the_complete_records(name, data) -> None:
    """A record is complete when its last byte is before the cut; where each record
    message ends comes from an independent message walk (``fuzz/mutators.fit_messages``)."""
    full, _ = _quiet_read(data)
    ends = np.array(
        [m.end for m in M.fit_messages(data) if not m.definition and m.global_num == 20]
    )
    assert len(ends) == len(full.records)
    cuts = range(97, len(data), 97)
    counts = []
    for cut in cuts:
        n = int((ends <= cut).sum())
        part = data[:cut]
        if cut < 14:
            with pytest.raises((UnknownFormatError, CorruptFileError)):
                ka.read(part)
            continue
        try:
            act, messages = _quiet_read(part)
        except EmptyActivityError:
            assert n == 0  # cut before the first message: nothing at all
            continue
        assert any("truncated" in m for m in messages), (cut, messages)
        _assert_prefix(
            act.records.drop(columns="elapsed_s"), full.records.drop(columns="elapsed_s"), n
        )
        counts.append(n)
        with pytest.raises(CorruptFileError):
            ka.read(part, strict=True)
    assert counts == sorted(counts) and counts[-1] > 0.9 * len(ends)


@pytest.mark.parametrize("cut", [12, 13])
def test_fit_cut_inside_the_header_is_corrupt(cut: int) -> None:
    data = ka.write_fit(ka.simulate_run(duration_s=10, seed=7).activity)
    with pytest.raises(CorruptFileError, match="header is cut off"):
        ka.read(data[:cut])


# ---------------------------------------------------------------- GPX / TCX truncation


def _xml_files() -> list[tuple[str, str, bytes]]:
    act = ka.simulate_run(duration_s=40, seed=8, gps_spike_rate_per_h=0.0).activity
    out = [("gpx", "sim.gpx", ka.write_gpx(act)), ("tcx", "sim.tcx", M.tcx_bytes(act))]
    if REAL is not None:
        for fmt, nm in (("gpx", "runpandas__garmin_connect.gpx"), ("tcx", "togeojson__sample.tcx")):
            if (REAL / fmt / nm).is_file():
                out.append((fmt, nm, (REAL / fmt / nm).read_bytes()))
    return out


@pytest.mark.parametrize(
    ("fmt", "name", "data"),
    _xml_files(),
    ids=lambda x: x if isinstance(x, str) and "." in x else "",
)
def test_xml_cut_mid_element_keeps_the_points_before_the_cut(fmt, name, data) -> None:
    full, _ = _quiet_read(data)
    close = b"</trkpt>" if fmt == "gpx" else b"</Trackpoint>"
    ends = np.array([m.end() for m in re.finditer(re.escape(close), data)])
    assert len(ends) == len(full.records)
    root_tag_end = data.index(b">", data.index(b"<gpx" if fmt == "gpx" else b"<Training")) + 1
    doc_end = len(data.rstrip())
    prev = 0
    for cut in range(root_tag_end + 1, doc_end, 11):
        n = int((ends <= cut).sum())
        if n == 0:
            with pytest.raises(EmptyActivityError):
                _quiet_read(data[:cut])
            continue
        act, messages = _quiet_read(data[:cut])
        assert messages, cut  # a warning says the document was cut
        # the first point of a GPX segment takes its speed from the next point
        skip = {"elapsed_s"} | ({"speed_mps"} if fmt == "gpx" and n == 1 else set())
        _assert_prefix(act.records, full.records, n, skip=skip)
        assert n >= prev
        prev = n
        if cut % 7 == 0:
            with pytest.raises(CorruptFileError):
                ka.read(data[:cut], strict=True)
    assert prev >= len(ends) - 1


def test_gpx_cut_with_the_gpxpy_engine_is_a_typed_error() -> None:
    """gpxpy cannot recover a truncated document: CorruptFileError (no partial read)."""
    data = ka.write_gpx(ka.simulate_run(duration_s=20, seed=8).activity)
    with pytest.raises(CorruptFileError, match="gpxpy"):
        ka.read_gpx(data[: len(data) // 2], engine="gpxpy")


# ---------------------------------------------------------------- time and position


def _variant(kind: str) -> ka.Activity:
    sim = ka.simulate_run(
        duration_s=20, seed=1, gps_spike_rate_per_h=0.0, distance_error_pct=0.0, laps_every_m=None
    )
    rec = sim.activity.records.copy()
    idx = rec.index
    if kind == "backwards":  # the 7th sample written before the 6th
        order = np.arange(len(rec))
        order[[5, 6]] = order[[6, 5]]
        rec = rec.iloc[order]
        return dataclasses.replace(sim.activity, records=rec)
    if kind == "duplicate":
        new = idx.to_numpy().copy()
        new[6] = new[5]
        idx = pd.DatetimeIndex(new, name=idx.name)
    elif kind == "gap24h":
        idx = idx.where(np.arange(len(idx)) < 10, idx + pd.Timedelta(hours=24))
    elif kind == "nopos":
        rec.loc[rec.index[5:8], ["lat_deg", "lon_deg"]] = np.nan
    rec.index = idx
    return dataclasses.replace(sim.activity, records=rec)


WRITERS = {"fit": ka.write_fit, "gpx": ka.write_gpx, "tcx": M.tcx_bytes}


@pytest.mark.parametrize("fmt", WRITERS)
def test_time_going_backwards_is_sorted_with_a_warning_or_raises_when_strict(fmt) -> None:
    act = _variant("backwards")
    truth = act.records.sort_index(kind="stable")
    data = WRITERS[fmt](act)
    with pytest.warns(DataQualityWarning, match="backwards 1 times"):
        got = ka.read(data).records
    assert got.index.is_monotonic_increasing
    np.testing.assert_array_equal(got.index.asi8, truth.index.asi8)
    np.testing.assert_allclose(got["heart_rate_bpm"], truth["heart_rate_bpm"], atol=0.5)
    with pytest.raises(CorruptFileError, match="backwards"):
        ka.read(data, strict=True)


@pytest.mark.parametrize("fmt", WRITERS)
def test_duplicate_timestamps_are_kept_as_recorded(fmt) -> None:
    act = _variant("duplicate")
    got, messages = _quiet_read(WRITERS[fmt](act), strict=True)
    assert messages == []
    assert len(got.records) == len(act.records)
    assert got.records.index.duplicated().sum() == 1
    assert got.records.index[5] == got.records.index[6] == act.records.index[5]
    np.testing.assert_allclose(
        got.records["heart_rate_bpm"], act.records["heart_rate_bpm"], atol=0.5
    )


@pytest.mark.parametrize("fmt", WRITERS)
def test_a_24_hour_gap_is_kept_as_recorded(fmt) -> None:
    act = _variant("gap24h")
    got, messages = _quiet_read(WRITERS[fmt](act), strict=True)
    assert messages == []
    dt = np.diff(got.records.index.asi8) / 1e9
    assert dt.max() == pytest.approx(24 * 3600 + 1, abs=0.01)
    assert int(np.argmax(dt)) == 9
    assert got.records["elapsed_s"].iloc[-1] == pytest.approx(20 + 24 * 3600, abs=0.01)


@pytest.mark.parametrize("fmt", ["fit", "tcx"])
def test_records_without_position_keep_their_other_values(fmt) -> None:
    act = _variant("nopos")
    got, messages = _quiet_read(WRITERS[fmt](act), strict=True)
    assert messages == []  # positions are optional in FIT and TCX
    rec = got.records
    assert len(rec) == len(act.records)
    assert rec["lat_deg"].isna().tolist() == act.records["lat_deg"].isna().tolist()
    np.testing.assert_allclose(rec["distance_m"], act.records["distance_m"], atol=0.01)
    np.testing.assert_allclose(rec["heart_rate_bpm"], act.records["heart_rate_bpm"], atol=0.5)


@pytest.mark.parametrize("engine", ["native", "gpxpy"])
def test_gpx_points_without_position(engine: str) -> None:
    """A trkpt must have lat/lon (GPX schema): the native engine keeps the point with a
    NaN position and a warning (strict raises); gpxpy refuses the document."""
    pts = [
        '<trkpt lat="0" lon="0"><time>2024-01-01T00:00:00Z</time></trkpt>',
        "<trkpt><time>2024-01-01T00:00:01Z</time><extensions><hr>100</hr></extensions></trkpt>",
        '<trkpt lat="" lon=""><time>2024-01-01T00:00:02Z</time></trkpt>',
        '<trkpt lat="0" lon="0.001"><time>2024-01-01T00:00:03Z</time></trkpt>',
    ]
    data = (
        '<gpx version="1.1" creator="x"><trk><trkseg>' + "".join(pts) + "</trkseg></trk></gpx>"
    ).encode()
    if engine == "gpxpy":
        with pytest.raises(CorruptFileError, match="latitude"):
            ka.read_gpx(data, engine="gpxpy")
        return
    with pytest.warns(DataQualityWarning, match="2 of 4 points without a valid lat/lon"):
        rec = ka.read_gpx(data).records
    assert rec["lat_deg"].isna().tolist() == [False, True, True, False]
    assert rec["heart_rate_bpm"].iloc[1] == 100
    # distance is carried across the unpositioned points: 0.001 deg of longitude at the equator
    assert rec["distance_m"].tolist()[:3] == [0.0, 0.0, 0.0]
    assert rec["distance_m"].iloc[3] == pytest.approx(6371008.8 * np.radians(0.001), rel=1e-3)
    with pytest.raises(CorruptFileError, match="lat/lon"):
        ka.read_gpx(data, strict=True)


# ---------------------------------------------------------------- empty and misnamed files


@pytest.mark.parametrize("suffix", [".fit", ".gpx", ".tcx", ".FIT", ".gpx.gz", ""])
def test_zero_length_file_is_unknown_format(tmp_path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    with pytest.raises(UnknownFormatError, match="empty input"):
        ka.read(path)


@pytest.mark.parametrize(
    ("reader", "error"),
    [
        ("read_fit", EmptyActivityError),
        ("read_gpx", CorruptFileError),
        ("read_tcx", EmptyActivityError),
    ],
)
def test_zero_length_file_with_an_explicit_reader(tmp_path, reader: str, error: type) -> None:
    path = tmp_path / "empty.dat"
    path.write_bytes(b"")
    with pytest.raises(error) as info:
        getattr(ka, reader)(path)
    assert type(info.value) is error


@pytest.mark.parametrize("real_fmt", ["fit", "gpx", "tcx"])
@pytest.mark.parametrize("suffix", [".fit", ".gpx", ".tcx", ".txt"])
def test_wrong_suffix_is_read_by_content(tmp_path, real_fmt: str, suffix: str) -> None:
    act = ka.simulate_run(duration_s=15, seed=3).activity
    data = WRITERS[real_fmt](act)
    path = tmp_path / f"run{suffix}"
    path.write_bytes(data)
    got, _ = _quiet_read(path)
    assert got.meta.format == real_fmt
    assert len(got.records) == len(act.records)


@pytest.mark.parametrize(
    ("real_fmt", "reader", "error"),
    [
        ("gpx", "read_fit", UnknownFormatError),
        ("tcx", "read_fit", UnknownFormatError),
        ("fit", "read_gpx", CorruptFileError),
        ("tcx", "read_gpx", CorruptFileError),
        ("fit", "read_tcx", EmptyActivityError),
        ("gpx", "read_tcx", EmptyActivityError),
    ],
)
def test_wrong_explicit_reader_raises_a_typed_error(
    real_fmt: str, reader: str, error: type
) -> None:
    data = WRITERS[real_fmt](ka.simulate_run(duration_s=15, seed=3).activity)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        with pytest.raises(KickAnalysisError) as info:
            getattr(ka, reader)(data)
    assert type(info.value) is error


def test_real_data_present_or_skipped() -> None:
    if REAL is None:
        pytest.skip(SKIP_NO_REAL)
    assert (REAL / "fit" / REAL_FIT).is_file()
