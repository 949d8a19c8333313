"""Activities saved to Parquet come back whole: records, laps and metadata."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from conftest import REAL, SAMPLES, SKIP_NO_REAL

import kickanalysis as ka
from kickanalysis.errors import CorruptFileError, DataQualityWarning

pytest.importorskip("pyarrow")


def _round_trip(act, tmp_path):
    path = tmp_path / "act.parquet"
    ka.write_parquet(act, path)
    return ka.read_parquet(path)


def _same(a, b):
    pd.testing.assert_frame_equal(a.records, b.records)
    pd.testing.assert_frame_equal(a.laps, b.laps)
    assert a.meta == b.meta
    assert a.meta.to_dict() == b.meta.to_dict()


def test_sample_round_trip(tmp_path):
    act = ka.read(SAMPLES / "race_5k_kick.fit")
    back = _round_trip(act, tmp_path)
    _same(act, back)
    assert len(back.laps) == 5 and back.meta.pauses == act.meta.pauses
    assert ka.splits(back).equals(ka.splits(act))


def test_simulated_run_with_pauses_and_extra_metadata(tmp_path):
    sim = ka.simulate_run(distance_m=1500, seed=3, pauses=[{"at_m": 500, "timer_stopped": True}])
    act = sim.activity
    meta = ka.Meta(
        **{
            **{k: getattr(act.meta, k) for k in act.meta.__dataclass_fields__},
            "extra": {
                "raw": b"\x00\xff",
                "when": pd.Timestamp("2024-01-01", tz="UTC"),
                "nested": {"a": (1, 2.5, None)},
                "nan": float("nan"),
            },
        }
    )
    act = ka.Activity(records=act.records, laps=act.laps, meta=meta)
    back = _round_trip(act, tmp_path)
    pd.testing.assert_frame_equal(act.records, back.records)
    assert back.meta.pauses == act.meta.pauses and len(back.meta.pauses) == 1
    extra = back.meta.extra
    assert extra["raw"] == b"\x00\xff" and extra["when"] == meta.extra["when"]
    assert extra["nested"] == {"a": (1, 2.5, None)} and extra["nan"] != extra["nan"]


@pytest.mark.skipif(REAL is None, reason=SKIP_NO_REAL)
def test_every_real_recording_round_trips(tmp_path):
    count = 0
    for path in sorted(REAL.glob("*/*")):
        if path.parent.name == "bad" or not path.is_file():
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DataQualityWarning)
                act = ka.read(path)
        except ka.KickAnalysisError:
            continue
        _same(act, _round_trip(act, tmp_path))
        count += 1
    assert count >= 100


def test_not_an_activity(tmp_path):
    plain = tmp_path / "plain.parquet"
    pd.DataFrame({"a": [1.0]}).to_parquet(plain)
    with pytest.raises(CorruptFileError, match="not an activity saved by kickanalysis"):
        ka.read_parquet(plain)
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"PAR1 not really")
    with pytest.raises(CorruptFileError, match="not a readable Parquet file"):
        ka.read_parquet(junk)
    with pytest.raises(FileNotFoundError):
        ka.read_parquet(tmp_path / "missing.parquet")
