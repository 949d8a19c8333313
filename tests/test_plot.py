"""kickanalysis.plot: shaded events, split bars, units in labels, PNG rendering."""

from __future__ import annotations

import subprocess
import sys
from io import BytesIO

import numpy as np
import pytest

import kickanalysis as ka
from kickanalysis.analysis.kick import detect_kick
from kickanalysis.simulate import KickSpec

pytest.importorskip("matplotlib")

from kickanalysis.plot import plot_speed, plot_splits

PNG = b"\x89PNG\r\n\x1a\n"


def png(ax):
    buf = BytesIO()
    ax.figure.savefig(buf, format="png")
    return buf.getvalue()


def spans(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


def test_speed_plot_shades_every_event():
    sim = ka.simulate_run(distance_m=8000, strides=5, intervals=3, seed=4, distance_error_pct=0.0)
    strides, intervals = sim.truth.strides, sim.truth.intervals
    ax = plot_speed(sim.activity, strides=strides, intervals=intervals)
    assert len(spans(ax, "stride")) == len(strides) == 5
    assert len(spans(ax, "interval")) == len(intervals) == 3
    assert ax.get_xlabel() == "distance [km]" and ax.get_ylabel() == "speed [m/s]"
    # the spans sit where the events are [km]
    first = spans(ax, "interval")[0].get_x()
    assert first == pytest.approx(intervals["start_distance_m"].iloc[0] / 1000.0)
    # the plotted speed is the run's speed
    y = ax.lines[0].get_ydata()
    assert np.nanmedian(y) == pytest.approx(1000.0 / 300.0, rel=0.15)
    assert png(ax).startswith(PNG)


def test_kick_shaded_by_time_and_pace_axis():
    sim = ka.simulate_run(
        distance_m=3000, kick=KickSpec(distance_m=300), seed=2, distance_error_pct=0.0
    )
    kick = detect_kick(sim.activity)
    assert kick.detected
    ax = plot_speed(sim.activity, x="time", pace=True, kick=kick)
    (shade,) = spans(ax, "kick")
    assert shade.get_x() == pytest.approx(kick.start_elapsed_s / 60.0)
    assert ax.get_xlabel() == "time [min]" and ax.get_ylabel() == "pace [min:s/km]"
    assert ax.yaxis_inverted()  # faster up
    assert not spans(ax, "stride")  # nothing detected unless passed
    assert png(ax).startswith(PNG)


def test_splits_bars_and_partial():
    sim = ka.simulate_run(distance_m=5500, seed=3, distance_error_pct=0.0)
    table = ka.splits(sim.activity)
    ax = plot_splits(table)
    assert len(ax.patches) == len(table) == 6
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights, table["pace_s_per_km"])
    assert [p.get_hatch() for p in ax.patches].count("//") == int(table["partial"].sum()) == 1
    assert ax.get_ylabel() == "pace [min:s/km]"
    assert png(ax).startswith(PNG)


def test_draws_on_a_given_axes():
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    sim = ka.simulate_run(distance_m=2000, seed=1)
    assert plot_speed(sim.activity, ax=ax) is ax


def test_bad_axis():
    sim = ka.simulate_run(distance_m=2000, seed=1)
    with pytest.raises(ValueError):
        plot_speed(sim.activity, x="elevation")


def test_import_does_not_load_matplotlib():
    code = "import sys, kickanalysis.plot; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
