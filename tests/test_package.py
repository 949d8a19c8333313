"""The package surface: cheap import, public names, reprs, errors, command line."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import kickanalysis as ka
from kickanalysis.activity import Activity, Meta
from kickanalysis.cli import main
from kickanalysis.errors import CorruptFileError, EmptyActivityError, UnknownFormatError
from kickanalysis.schema import RECORD_COLUMNS, SPLIT_COLUMNS, empty_splits, records_frame


def test_import_is_lazy():
    """``import kickanalysis`` loads neither pandas nor any optional heavy dependency."""
    code = (
        "import sys, kickanalysis\n"
        "heavy = [m for m in ('pandas', 'matplotlib', 'dask', 'pyarrow') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_names():
    for name in ("read", "read_fit", "read_gpx", "read_tcx", "Activity", "Meta"):
        assert callable(getattr(ka, name))
    assert issubclass(ka.CorruptFileError, ka.KickAnalysisError)
    with pytest.raises(AttributeError):
        ka.no_such_function  # noqa: B018


def _activity() -> Activity:
    t0 = pd.Timestamp("2024-05-01T07:00:00Z").value
    t = t0 + np.arange(601, dtype=np.int64) * 1_000_000_000
    dist = np.arange(601) * 3.0
    rec = records_frame(t, {"distance_m": dist, "speed_mps": np.full(601, 3.0)})
    meta = Meta(
        format="fit",
        source="run.fit",
        sport="running",
        manufacturer="garmin",
        product="fr955",
        start_time=pd.Timestamp(t0, tz="UTC"),
    )
    return Activity(records=rec, laps=empty_splits(), meta=meta)


def test_records_frame_schema():
    act = _activity()
    rec = act.records
    assert list(rec.columns) == list(RECORD_COLUMNS)
    assert all(rec[c].dtype == np.float64 for c in RECORD_COLUMNS)
    assert str(rec.index.tz) == "UTC" and rec.index.name == "time"
    assert rec["elapsed_s"].iloc[-1] == 600.0
    assert rec["heart_rate_bpm"].isna().all()
    assert list(act.laps.columns) == list(SPLIT_COLUMNS)
    assert str(act.laps["start_time"].dtype) == "datetime64[ns, UTC]"


def test_reprs_are_short_summaries():
    act = _activity()
    text = repr(act)
    assert "run.fit" in text and "1.80 km" in text and "10:00" in text and "601 samples" in text
    assert "garmin fr955" in text
    html = act._repr_html_()
    assert "<table>" in html and "1.80 km" in html
    assert len(html) < 3000  # a summary, not the whole frame


def test_meta_is_frozen_and_converts():
    meta = Meta(format="gpx", source="x.gpx", extra={"a": 1})
    with pytest.raises(AttributeError):
        meta.sport = "running"  # type: ignore[misc]
    with pytest.raises(TypeError):
        meta.extra["b"] = 2  # type: ignore[index]
    assert meta.to_dict()["extra"] == {"a": 1}
    assert meta.device is None


def test_error_messages_say_where():
    err = CorruptFileError("run.fit", "file CRC mismatch", offset=769)
    assert str(err) == "run.fit at byte 769: file CRC mismatch" and err.offset == 769
    err = CorruptFileError("run.gpx", "malformed XML", line=12)
    assert "line 12" in str(err) and err.line == 12
    assert "fit, gpx, tcx" in str(UnknownFormatError("x"))
    assert "x.fit" in str(EmptyActivityError("x.fit"))


def test_cli_info_on_a_recording(tmp_path, capsys):
    from kickanalysis.io.fit.encode import write_fit

    path = tmp_path / "run.fit"
    write_fit(_activity(), path)
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "running" in out and "1.80 km" in out and "5:33/km" in out and "samples     601" in out


def test_cli_bad_input_is_one_line_and_nonzero(tmp_path, capsys):
    bad = tmp_path / "notes.txt"
    bad.write_text("not a watch file")
    assert main(["info", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("kickanalysis: error:") and "fit, gpx, tcx" in err[0]
