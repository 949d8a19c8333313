"""Computed splits against the device's own auto-laps on real recordings.

Watches close an auto-lap at the first sample past each kilometre (or mile) and
report the lap's own distance, which can differ from the nominal one by a few metres
(TCX exports round it; Suunto and older Garmins drift). A computed split ends exactly
at the boundary. So a lap and the matching split may differ by the time the runner
needs for the lap's extra or missing metres, plus up to a sampling gap at each end.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import REAL, SKIP_NO_REAL, real_files

import kickanalysis as ka
from kickanalysis.errors import DataQualityWarning

#: nominal auto-lap distances [m] and the matching ``every``
AUTO_LAPS = ((1000.0, "1km"), (1609.344, "1mi"))
LAP_TOLERANCE_M = 15.0


def auto_laps(act):
    """The leading run of auto-laps (nominal distance, whose records span it too)."""
    laps = act.laps
    stated = laps["distance_m"].to_numpy()
    spanned = (laps["end_distance_m"] - laps["start_distance_m"]).to_numpy()
    for unit, every in AUTO_LAPS:
        ok = (np.abs(stated - unit) < LAP_TOLERANCE_M) & (np.abs(spanned - unit) < LAP_TOLERANCE_M)
        n = int(np.argmin(ok)) if not ok.all() else len(ok)
        if n >= 2:
            return laps.iloc[:n], unit, every
    return None


def comparisons():
    rows = []
    for path in real_files("fit", ".fit") + real_files("tcx", ".tcx", ".tcx.gz"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            act = ka.read(path)
        if act.meta.sport != "running":
            continue
        found = auto_laps(act)
        if found is None:
            continue
        laps, unit, every = found
        s = ka.splits(act, every=every)
        n = min(len(laps), int((~s["partial"]).sum()))
        lap_s = laps["duration_s"].to_numpy()[:n]
        split_s = s["duration_s"].to_numpy()[:n]
        # what the lap's extra metres take at its own pace [s]
        extra_s = (laps["distance_m"].to_numpy()[:n] - unit) / (unit / lap_s)
        gap_s = np.diff(act.records["elapsed_s"].to_numpy())
        rows.append((path.name, lap_s - split_s, extra_s, float(np.median(gap_s))))
    return rows


@pytest.mark.skipif(REAL is None, reason=SKIP_NO_REAL)
def test_computed_splits_agree_with_device_auto_laps():
    rows = comparisons()
    assert len(rows) >= 10, [r[0] for r in rows]
    for name, diff, extra_s, step_s in rows:
        # each lap: its extra metres plus up to a sampling step at each end
        assert np.all(np.abs(diff - extra_s) <= 2 * step_s + 1.0), (name, diff, extra_s)
        # and typically within half a sampling step (a second at 1 Hz)
        assert np.median(np.abs(diff - extra_s)) <= 0.5 * step_s + 0.5, (name, diff, step_s)
