"""The ``kickanalysis`` command line, end to end, against the samples' planted truth."""

from __future__ import annotations

import importlib.util
import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, SAMPLES

import kickanalysis as ka
from kickanalysis.cli import main

RACE = str(SAMPLES / "race_5k_kick.fit")
EASY = str(SAMPLES / "easy_run_strides.fit")
FADE = str(SAMPLES / "fade_10k.fit")
COURSE = str(SAMPLES / "course_10k.gpx")
MILE_M = 1609.344


@pytest.fixture(scope="module")
def truth():
    """The simulated runs behind the samples (tools/make_samples.py), with their truth."""
    spec = importlib.util.spec_from_file_location(
        "make_samples", REPO / "tools" / "make_samples.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def clock_s(text: str) -> float:
    parts = [float(p) for p in text.split(":")]
    return sum(p * 60**i for i, p in enumerate(reversed(parts)))


def table_rows(out: str) -> list[list[str]]:
    """Data rows of a text table: lines whose first cell is a number (maybe starred)."""
    return [
        line.split()
        for line in out.splitlines()
        if re.match(r"^\s*\d+\*?\s", line) and " in " not in line  # not "6 strides in 1 set"
    ]


# ---------------------------------------------------------------------- splits
def test_splits_table_has_one_row_per_km_with_the_planted_times(capsys, truth):
    planted = truth.race_5k_kick().truth.splits
    code, out, err = run(capsys, "splits", RACE)
    assert code == 0 and err == ""
    rows = table_rows(out)
    assert len(rows) == len(planted) == 5
    assert [r[0] for r in rows] == ["1", "2", "3", "4", "5*"]  # the last one is short
    for row, want in zip(rows, planted["duration_s"]):
        # elapsed split time; the recorded distance is 0.5 % short of the true one
        assert row[2] == "km" and abs(clock_s(row[3]) - want) <= 3.0
        assert row[4].endswith("/km")
    assert re.search(r"^total\s+4\.99 km\s+19:59\s+4:00/km", out, re.M)


def test_splits_csv_adds_up_to_the_run_and_json_parses(capsys):
    code, out, _ = run(capsys, "splits", RACE, "--format", "csv")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    rec = ka.read(RACE).records
    assert len(table) == 5 and "pace_s_per_km" in table
    assert table["duration_s"].sum() == pytest.approx(rec["elapsed_s"].iloc[-1], abs=1e-6)
    assert table["distance_m"].sum() == pytest.approx(rec["distance_m"].max(), abs=1e-3)
    code, out, _ = run(capsys, "--format", "json", "splits", RACE, "--every", "400m")
    rows = json.loads(out)
    assert code == 0 and len(rows) == math.ceil(4992.88 / 400)
    assert rows[0]["distance_m"] == pytest.approx(400.0)
    assert rows[0]["start_time"].startswith("2024-04-20T08:00:00")


def test_imperial_units_give_mile_splits_and_paces_per_mile(capsys):
    code, out, _ = run(capsys, "splits", FADE, "--units", "imperial")
    assert code == 0 and "/km" not in out and "(every 1 mi)" in out
    rows = table_rows(out)
    distance = ka.read(FADE).records["distance_m"].max()
    assert len(rows) == math.ceil(distance / MILE_M) == 7
    assert all(r[2] == "mi" and r[4].endswith("/mi") for r in rows)
    # the same split per km and per mile: pace per mile is 1.609344 x pace per km
    km = ka.splits(ka.read(FADE), every="1mi")
    assert clock_s(rows[0][4][:-3]) == pytest.approx(
        km["pace_s_per_km"].iloc[0] * 1.609344, abs=0.5
    )
    # time splits: --every 5min
    code, out, _ = run(capsys, "splits", FADE, "--every", "5min", "--format", "csv")
    table = pd.read_csv(io.StringIO(out))
    assert (table["duration_s"].iloc[:-1].round(6) == 300.0).all()


# ---------------------------------------------------------------------- kick
def test_kick_shows_the_detected_start_near_the_planted_one(capsys, truth):
    planted = truth.race_5k_kick().truth.kick
    kick = ka.detect_kick(ka.read(RACE))
    code, out, _ = run(capsys, "kick", RACE)
    assert code == 0
    m = re.search(r"^start\s+([\d.]+) km at (\d+:\d\d)", out, re.M)
    assert m, out
    assert float(m.group(1)) == pytest.approx(kick.start_distance_m / 1000, abs=0.005)
    assert clock_s(m.group(2)) == pytest.approx(kick.start_elapsed_s, abs=0.5)
    assert abs(float(m.group(1)) * 1000 - planted.start_distance_m) < 50.0
    assert abs(clock_s(m.group(2)) - planted.start_elapsed_s) < 10.0
    data = json.loads(run(capsys, "kick", RACE, "--format", "json")[1])
    assert data["detected"] is True
    assert data["start_distance_m"] == pytest.approx(planted.start_distance_m, abs=50.0)
    # --finish as a clock time: the race is taken to end there
    data = json.loads(run(capsys, "kick", RACE, "--finish", "19:00", "--format", "json")[1])
    assert data["finish_elapsed_s"] == pytest.approx(1140.0)
    code, out, _ = run(capsys, "kick", FADE)
    assert code == 0 and re.search(r"^kick\s+none detected", out, re.M)


# ---------------------------------------------------------------------- strides, intervals
def test_strides_lists_the_planted_strides(capsys, truth):
    planted = truth.easy_run_strides().truth.strides
    code, out, _ = run(capsys, "strides", EASY)
    assert code == 0 and "6 strides in 1 set" in out
    assert len(table_rows(out)) == len(planted) == 6
    table = pd.read_csv(io.StringIO(run(capsys, "strides", EASY, "--format", "csv")[1]))
    assert len(table) == 6
    start = pd.to_datetime(table["start_time"], utc=True)
    assert (abs((start - planted["start_time"]).dt.total_seconds()) < 3.0).all()
    code, out, _ = run(capsys, "strides", FADE)
    assert code == 0 and "no strides" in out


def test_intervals_summarise_a_planted_session(capsys, tmp_path):
    sim = ka.simulate_run(
        distance_m=7000,
        intervals=ka.IntervalSpec(reps=4, distance_m=800, recovery_s=120),
        distance_error_pct=0.0,
        seed=2,
    )
    path = tmp_path / "session.fit"
    ka.write_fit(sim.activity, path)
    code, out, _ = run(capsys, "intervals", str(path))
    assert code == 0 and "4 × 800 m in" in out
    assert len(table_rows(out)) == len(sim.truth.intervals) == 4
    data = json.loads(run(capsys, "intervals", str(path), "--format", "json")[1])
    assert data["session"]["reps"] == 4 and len(data["intervals"]) == 4
    for rep, want in zip(data["intervals"], sim.truth.intervals["distance_m"]):
        assert rep["distance_m"] == pytest.approx(want, rel=0.05)


# ---------------------------------------------------------------------- plan
def test_plan_adds_up_to_the_goal(capsys):
    code, out, _ = run(capsys, "plan", COURSE, "--goal", "45:00")
    assert code == 0
    assert len(table_rows(out)) == 10
    assert re.search(r"^total\s+10\.00 km\s+4:30/km\s+45:00$", out, re.M), out
    table = pd.read_csv(
        io.StringIO(run(capsys, "plan", COURSE, "--goal", "45:00", "--format", "csv")[1])
    )
    assert table["duration_s"].sum() == pytest.approx(2700.0, abs=1e-6)
    # a negative split: the second half's effort (grade-adjusted pace) is 2 % faster
    code, out, _ = run(
        capsys, "plan", COURSE, "--goal", "1:35:00", "--strategy", "negative", "--format", "json"
    )
    data = json.loads(out)
    gap = [r["gap_pace_s_per_km"] for r in data["splits"]]
    assert data["plan"]["goal_time_s"] == 5700.0 and data["plan"]["strategy"] == "negative"
    assert sum(r["duration_s"] for r in data["splits"]) == pytest.approx(5700.0, abs=1e-6)
    assert gap[-1] < gap[0]
    code, out, _ = run(
        capsys, "plan", COURSE, "--goal", "45:00", "--every", "1mi", "--units", "imperial"
    )
    assert code == 0 and len(table_rows(out)) == math.ceil(10_000 / MILE_M) and "/mi" in out
    assert re.search(r"^total\s+6\.21 mi.*45:00$", out, re.M)


def test_plan_compare_shows_a_run_against_the_plan(capsys):
    code, out, _ = run(
        capsys, "plan", COURSE, "--goal", "45:00", "--compare", FADE, "--format", "csv"
    )
    cmp = pd.read_csv(io.StringIO(out))
    assert code == 0 and len(cmp) == 10
    # the fade 10k took 46:08 for the course's 10 km planned in 45:00
    assert cmp["cumulative_difference_s"].iloc[-1] == pytest.approx(
        ka.read(FADE).records["elapsed_s"].iloc[-1] - 2700.0, abs=1e-6
    )


# ---------------------------------------------------------------------- report
SECTIONS = ("Summary", "Splits", "Negative split", "Pacing profile", "Strides", "Intervals", "Kick")


def test_report_has_every_section(capsys):
    code, out, _ = run(capsys, "report", RACE)
    assert code == 0
    for title in SECTIONS:
        assert f"\n{title}" in out and "\n" + "-" * len(title) in out
    assert re.search(r"^verdict\s+negative$", out, re.M)  # second half 19 s faster
    assert re.search(r"^profile\s+negative$", out, re.M)
    assert re.search(r"^fast start\s+no ", out, re.M)
    assert re.search(r"^kick\s+detected$", out, re.M)
    code, out, _ = run(capsys, "report", EASY, "--units", "imperial")
    assert "6 strides in 1 set" in out and "/km" not in out
    data = json.loads(run(capsys, "report", RACE, "--format", "json")[1])
    assert data["negative_split"]["verdict"] == "negative" and len(data["splits"]) == 5
    row = pd.read_csv(io.StringIO(run(capsys, "report", RACE, "--format", "csv")[1]))
    assert len(row) == 1 and row.loc[0, "distance_m"] == pytest.approx(4992.88)


def test_html_report_is_self_contained_with_plots(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    out_file = tmp_path / "race.html"
    code, out, _ = run(capsys, "report", RACE, "--html", str(out_file))
    assert code == 0 and out_file.exists()
    page = out_file.read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 2
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "<script" not in page
    for title in SECTIONS:
        assert f">{title}" in page


def test_html_report_without_matplotlib_says_so(capsys, tmp_path, monkeypatch):
    import kickanalysis.plot

    def missing(*args, **kwargs):
        raise ImportError("plotting needs matplotlib: install the 'plot' extra")

    monkeypatch.setattr(kickanalysis.plot, "plot_speed", missing)
    out_file = tmp_path / "race.html"
    assert run(capsys, "report", RACE, "--html", str(out_file))[0] == 0
    page = out_file.read_text(encoding="utf-8")
    assert "data:image" not in page and "No plots: plotting needs matplotlib" in page


# ---------------------------------------------------------------------- batch
def test_batch_writes_one_row_per_file(capsys, tmp_path):
    files = sorted(p.name for p in SAMPLES.iterdir() if p.is_file())
    out_file = tmp_path / "results.csv"
    code, out, _ = run(capsys, "batch", str(SAMPLES), "--out", str(out_file), "--engine", "serial")
    assert code == 0 and f"{len(files)} files (0 failed)" in out
    table = pd.read_csv(out_file)
    assert sorted(Path(s).name for s in table["source"]) == files
    fade = table[table["source"].str.endswith("fade_10k.fit")].iloc[0]
    assert fade["negative_split"] == "positive"
    pytest.importorskip("pyarrow")
    pq = tmp_path / "results.parquet"
    assert run(capsys, "batch", str(SAMPLES), "--out", str(pq), "--engine", "serial")[0] == 0
    assert len(pd.read_parquet(pq)) == len(files)


def test_batch_parquet_without_pyarrow_is_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow -> ImportError
    code, _, err = run(
        capsys, "batch", RACE, "--out", str(tmp_path / "r.parquet"), "--engine", "serial"
    )
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and "pyarrow" in lines[0]


# ---------------------------------------------------------------------- journal
def test_journal_add_list_similar(capsys, tmp_path):
    db = str(tmp_path / "journal.sqlite")
    first, again = (
        ka.simulate_run(
            distance_m=5000, pace_s_per_km=pace, seed=seed, start_time=start, distance_error_pct=0.0
        )
        for pace, seed, start in ((290, 3, "2024-03-01T07:00Z"), (280, 4, "2024-06-01T07:00Z"))
    )
    ka.write_fit(first.activity, tmp_path / "march.fit")
    ka.write_fit(again.activity, tmp_path / "june.fit")
    code, out, _ = run(
        capsys, "journal", "--db", db, "add", str(tmp_path / "march.fit"), EASY, FADE
    )
    assert code == 0 and "3 added, 0 already there, 0 failed" in out
    code, out, _ = run(capsys, "journal", "add", "--db", db, EASY)
    assert code == 0 and "0 added, 1 already there" in out and "already in the journal" in out
    code, out, _ = run(capsys, "journal", "--db", db, "list", "--format", "csv")
    assert len(pd.read_csv(io.StringIO(out))) == 3
    code, out, _ = run(capsys, "journal", "--db", db, "similar", str(tmp_path / "june.fit"))
    assert code == 0 and "You ran" in out and "3 months ago" in out.replace("three", "3")
    rows = table_rows(out)
    assert len(rows) == 1 and rows[0][1] == "2024-03-01"  # the March 5 km, not the others
    # how much faster now [s/km]: the planted runs' mean paces (about 4:40 vs 4:50)
    pace = [
        1000.0 * r.truth.splits["duration_s"].sum() / r.truth.splits["distance_m"].sum()
        for r in (first, again)
    ]
    assert abs(float(rows[0][-2]) - (pace[1] - pace[0])) <= 1.5


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "argv",
    [
        ["splits", "no/such/file.fit"],
        ["splits", RACE, "--every", "3parsecs"],
        ["splits", RACE, "--every", "-1km"],
        ["plan", COURSE, "--goal", "soon"],
        ["plan", COURSE, "--goal", "45:00", "--every", "5min"],
        ["plan", COURSE, "--goal", "45:00", "--strategy", "even_pace", "--negative-pct", "2"],
        ["kick", RACE, "--finish", "9km"],
        ["report", "NOTES"],
        ["batch", RACE, "--out", "results.txt"],
        ["journal", "list"],
        ["splits"],
        ["frobnicate"],
    ],
)
def test_bad_input_is_one_line_and_nonzero(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("KICKANALYSIS_JOURNAL", raising=False)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a watch file")
    argv = [str(notes) if a == "NOTES" else a for a in argv]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse: bad arguments
        code = exc.code
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code != 0 and out == ""
    assert len(lines) == 1 and lines[0].startswith("kickanalysis: error:"), err


def test_help_everywhere(capsys):
    for argv in (
        [],
        ["splits"],
        ["kick"],
        ["strides"],
        ["intervals"],
        ["report"],
        ["plan"],
        ["batch"],
        ["journal"],
        ["journal", "add"],
        ["journal", "similar"],
    ):
        with pytest.raises(SystemExit) as exc:
            main([*argv, "--help"])
        out = capsys.readouterr().out
        assert exc.value.code == 0 and out.startswith("usage: kickanalysis")
        assert "--units" in out and "--format" in out


# ---------------------------------------------------------------------- console script
def test_console_script_end_to_end(tmp_path):
    """Every command through the installed ``kickanalysis`` console script."""
    script = Path(sys.executable).parent / "kickanalysis"
    assert script.exists(), "the console script is installed with the package"

    def cli(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(script), *argv],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
        )

    db = str(tmp_path / "j.sqlite")
    checks = [
        (["info", RACE], "samples"),
        (["splits", RACE, "--units", "imperial"], "/mi"),
        (["kick", RACE], "detected"),
        (["strides", EASY], "6 strides"),
        (["intervals", FADE], "no intervals"),
        (["report", RACE], "Pacing profile"),
        (["plan", COURSE, "--goal", "45:00"], "45:00"),
        (["batch", RACE, FADE, "--jobs", "2"], "2 files, 0 failed"),
        (["journal", "--db", db, "add", RACE], "1 added"),
        (["journal", "--db", db, "list"], "4.99 km"),
        (["journal", "--db", db, "similar", RACE], "no similar earlier runs"),
    ]
    for argv, expect in checks:
        done = cli(*argv)
        assert done.returncode == 0 and expect in done.stdout, (argv, done.stderr)
    module = subprocess.run(
        [sys.executable, "-m", "kickanalysis", "info", RACE], capture_output=True, text=True
    )
    assert module.returncode == 0 and "samples" in module.stdout  # python -m too
    done = cli("splits", str(tmp_path / "missing.fit"))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("kickanalysis: error:")
    assert "Traceback" not in done.stderr


def test_readme_shows_the_real_output_of_report():
    """The README's report output is what the installed ``kickanalysis`` console script
    prints for the sample race, from the repository's root."""
    script = Path(sys.executable).parent / "kickanalysis"
    assert script.exists(), "the console script is installed with the package"
    done = subprocess.run(
        [str(script), "report", "data/samples/race_5k_kick.fit"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- report output -->\n```text\n", 1)[1].split("\n```", 1)[0]
    assert block == done.stdout.rstrip("\n")
