"""analyze_many over a generated bulk export: one row per file, errors recorded, engines agree."""

from __future__ import annotations

import gzip
import os
import zipfile

import numpy as np
import pandas as pd
import pytest

import kickanalysis as ka
from kickanalysis.batch import run as run_mod
from kickanalysis.batch.run import BATCH_COLUMNS, analyze_item
from kickanalysis.batch.sources import Item, expand_sources, read_item_bytes
from kickanalysis.errors import CorruptFileError

N_RUNS = 200  # distinct simulated runs; the export holds them in several shapes


def _run(seed: int) -> ka.Activity:
    return ka.simulate_run(
        distance_m=600.0 + 40.0 * (seed % 10),
        pace_s_per_km=240.0 + 3.0 * (seed % 40),
        seed=seed,
        course="flat",
        laps_every_m=None,
    ).activity


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """A bulk export like Garmin's or Strava's: plain, gzipped, zipped, and bad files.

    Returns the folder and the expected outcome per file name: the true distance [m] of
    a good file, or the error class name of a bad one.
    """
    root = tmp_path_factory.mktemp("export")
    (root / "activities").mkdir()
    (root / "activities" / "2024").mkdir()
    expected: dict[str, object] = {}
    members = {}
    for seed in range(N_RUNS):
        act = _run(seed)
        fit, gpx = ka.write_fit(act), ka.write_gpx(act)
        distance = float(act.records["distance_m"].iloc[-1])
        shape = seed % 5
        if shape == 0:
            name = root / "activities" / f"{seed}.fit"
            name.write_bytes(fit)
        elif shape == 1:
            name = root / "activities" / "2024" / f"{seed}.fit.gz"
            name.write_bytes(gzip.compress(fit))
        elif shape == 2:
            name = root / "activities" / f"{seed}.gpx.gz"
            name.write_bytes(gzip.compress(gpx))
        else:
            members[f"uploads/{seed}.fit"] = fit
            continue
        expected[str(name)] = ("fit" if shape < 2 else "gpx", distance)
    # zip: most members plain, one inner zip (Garmin's export nests archives)
    inner_names = sorted(members)[:10]
    inner = _zip_bytes({k: members[k] for k in inner_names})
    outer = {k: v for k, v in members.items() if k not in inner_names}
    outer["uploads/part2.zip"] = inner
    outer["uploads/broken.fit"] = ka.write_fit(_run(0))[:14]  # a FIT header, no data
    outer["README.txt"] = b"not an activity"
    archive = root / "export.zip"
    archive.write_bytes(_zip_bytes(outer))
    for k in outer:
        if k.endswith(".fit") and k != "uploads/broken.fit":
            seed = int(k.split("/")[-1].split(".")[0])
            expected[f"{archive}/{k}"] = ("fit", float(_run(seed).records["distance_m"].iloc[-1]))
    for k in inner_names:
        seed = int(k.split("/")[-1].split(".")[0])
        expected[f"{archive}/uploads/part2.zip/{k}"] = (
            "fit",
            float(_run(seed).records["distance_m"].iloc[-1]),
        )
    expected[f"{archive}/uploads/broken.fit"] = "EmptyActivityError"
    # bad files among the good ones
    bad = {
        "empty.fit": (b"", "UnknownFormatError"),
        # cut mid-point: the points before the cut, with a warning
        "truncated.gpx": (ka.write_gpx(_run(7))[:20_000], "recovered"),
        "notes.tcx": (b"%PDF-1.4 not a tcx", "UnknownFormatError"),
        "damaged.fit.gz": (b"\x1f\x8b\x08\x00garbage", "CorruptFileError"),
        "no_points.gpx": (b"<?xml version='1.0'?><gpx version='1.1'></gpx>", "EmptyActivityError"),
    }
    for name, (data, _) in bad.items():
        (root / "activities" / name).write_bytes(data)
    for name, (_, err) in bad.items():
        expected[str(root / "activities" / name)] = err
    (root / "activities" / "photo.jpg").write_bytes(b"\xff\xd8\xff")  # ignored
    return root, expected


def _zip_bytes(files: dict[str, bytes]) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for k, v in files.items():
            z.writestr(k, v)
    return buf.getvalue()


def _check(table: pd.DataFrame, expected: dict) -> None:
    assert sorted(table["source"]) == sorted(expected)
    assert table["source"].is_unique
    assert list(table.columns[: len(BATCH_COLUMNS)]) == list(BATCH_COLUMNS)
    for _, row in table.iterrows():
        want = expected[row["source"]]
        if isinstance(want, tuple):
            fmt, distance = want
            assert pd.isna(row["error_type"]), (row["source"], row["error"])
            assert row["format"] == fmt
            tolerance = 0.01 if fmt == "fit" else 0.05 * distance  # GPX: from positions
            assert abs(row["distance_m"] - distance) <= tolerance, row["source"]
        elif want == "recovered":
            assert pd.isna(row["error_type"]) and row["warnings"] >= 1
            assert 0 < row["distance_m"] < 1000
        else:
            assert row["error_type"] == want, (row["source"], row["error"])
            assert row["source"].split("/")[-1] in row["error"] or row["error"]
            assert pd.isna(row["distance_m"])


def test_expand_sources_lists_every_recording_once(export):
    root, expected = export
    items = expand_sources([root, root / "export.zip", str(root / "activities" / "*.fit")])
    assert sorted(i.name for i in items) == sorted(expected)
    assert len(items) == N_RUNS + 6  # and the six bad files


def test_a_zip_member_is_read_in_memory_and_bounded(export, monkeypatch):
    root, _ = export
    item = next(i for i in expand_sources(root / "export.zip") if len(i.members) == 2)
    data = read_item_bytes(item)
    assert ka.read(data).meta.format == "fit"
    monkeypatch.setattr("kickanalysis.batch.sources.ZIP_MIN_LIMIT", 10)
    monkeypatch.setattr("kickanalysis.batch.sources.ZIP_MAX_RATIO", 1)
    with pytest.raises(CorruptFileError, match="expands beyond"):
        read_item_bytes(item)


def test_analyze_many_with_processes_returns_one_row_per_file(export):
    root, expected = export
    table = ka.analyze_many(root, n_jobs=2, progress=False)
    _check(table, expected)
    serial = ka.analyze_many(root, engine="serial", progress=False)
    pd.testing.assert_frame_equal(table, serial)


def test_dask_engine_gives_the_same_table_on_a_local_cluster(export):
    distributed = pytest.importorskip("dask.distributed")
    root, expected = export
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        table = ka.analyze_many(root, engine="dask", client=client, progress=False)
    _check(table, expected)
    pd.testing.assert_frame_equal(table, ka.analyze_many(root, engine="serial", progress=False))


def test_errors_raise_stops_at_the_first_bad_file(tmp_path):
    (tmp_path / "a.fit").write_bytes(b"")
    with pytest.raises(ka.KickAnalysisError):
        ka.analyze_many(tmp_path, engine="serial", errors="raise", progress=False)


def test_an_unreadable_file_gets_its_row(tmp_path, monkeypatch):
    good = tmp_path / "good.fit"
    good.write_bytes(ka.write_fit(_run(1)))
    locked = tmp_path / "locked.fit"
    locked.write_bytes(good.read_bytes())
    locked.chmod(0)
    if os.name != "posix" or os.geteuid() == 0:  # root reads anything: refuse it here
        real_read = run_mod.read_item_bytes

        def refuse(item):
            if item.path == str(locked):
                raise PermissionError(13, "Permission denied", item.path)
            return real_read(item)

        monkeypatch.setattr(run_mod, "read_item_bytes", refuse)
    table = ka.analyze_many(tmp_path, n_jobs=2, progress=False)
    assert table.set_index("source").loc[str(locked), "error_type"] == "PermissionError"
    assert pd.isna(table.set_index("source").loc[str(good), "error_type"])


def _crash_on_marker(item: Item) -> dict:
    """A worker that dies (as native code would) on one file."""
    if item.name.endswith("crash.fit"):
        os._exit(3)
    return analyze_item(item)


def test_a_worker_crash_is_reported_for_its_file_only(tmp_path, monkeypatch):
    for i in range(6):
        (tmp_path / f"{i}.fit").write_bytes(ka.write_fit(_run(i)))
    (tmp_path / "crash.fit").write_bytes(ka.write_fit(_run(9)))
    monkeypatch.setattr("kickanalysis.batch.run.analyze_item", _crash_on_marker)
    table = ka.analyze_many(tmp_path, n_jobs=2, progress=False).set_index("source")
    assert len(table) == 7
    crashed = table.loc[str(tmp_path / "crash.fit")]
    assert crashed["error_type"] == "WorkerCrash"
    others = table.drop(str(tmp_path / "crash.fit"))
    assert others["error_type"].isna().all()
    assert np.all(others["distance_m"] > 500)


def test_hostile_and_huge_files_each_get_their_row(tmp_path):
    """Bombs, nesting, absurd sizes and junk: every file has a row, the good one is read."""
    good = ka.write_fit(_run(3))
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8)
        )
        + b']><gpx version="1.1"><trk><name>&i;</name></trk></gpx>'
    )
    files = {
        "good.fit": good,
        "laughs.gpx": laughs,
        "xxe.tcx": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<TrainingCenterDatabase>&e;</TrainingCenterDatabase>",
        "deep.gpx": b"<gpx>" + b"<a>" * 200_000 + b"</a>" * 200_000 + b"</gpx>",
        "gzipbomb.fit.gz": gzip.compress(b"\x00" * (80 << 20)),
        "huge_header.fit": good[:4] + (2**31 - 1).to_bytes(4, "little") + good[8:],
        "random.fit": np.random.default_rng(0).bytes(100_000),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    table = ka.analyze_many(tmp_path, n_jobs=2, progress=False).set_index("source")
    assert len(table) == len(files)
    errors = table["error_type"]
    assert pd.isna(errors[str(tmp_path / "good.fit")])
    assert table.loc[str(tmp_path / "good.fit"), "distance_m"] > 500
    for name in ("laughs.gpx", "xxe.tcx", "deep.gpx", "gzipbomb.fit.gz", "random.fit"):
        assert errors[str(tmp_path / name)] in (
            "CorruptFileError",
            "UnknownFormatError",
            "EmptyActivityError",
        ), (name, table.loc[str(tmp_path / name), "error"])
    assert "passwd" not in " ".join(table["error"].dropna())
    # a FIT header that claims 2 GB of data: read as far as the file goes, with warnings
    huge = table.loc[str(tmp_path / "huge_header.fit")]
    assert pd.isna(huge["error_type"]) and huge["warnings"] >= 2
    assert huge["distance_m"] == table.loc[str(tmp_path / "good.fit"), "distance_m"]
