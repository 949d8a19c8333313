"""The same activity exported as FIT, GPX and TCX reads into the same samples."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import REAL, SKIP_NO_REAL

import kickanalysis as ka
from kickanalysis.errors import DataQualityWarning

pytestmark = pytest.mark.skipif(REAL is None, reason=SKIP_NO_REAL)

SETS = [
    (
        "fit/heartandsole__testdata.fit",
        "gpx/heartandsole__testdata.gpx",
        "tcx/heartandsole__testdata.tcx",
    ),
    (
        "fit/sweatpy__4801048867.fit",
        "gpx/sweatpy__4801048867_strava.gpx",
        "gpx/sweatpy__activity_4801048867.gpx",
    ),
    (
        "fit/sweatpy__2020-06-01-16-52-40.fit",
        "gpx/sweatpy__activity_5039744860.gpx",
        "tcx/sweatpy__activity_5039744860.tcx",
    ),
]


def _read(rel: str) -> ka.Activity:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return ka.read(REAL / rel)


@pytest.mark.parametrize("files", SETS, ids=lambda s: s[0].split("__")[1])
def test_same_samples_in_every_format(files):
    base, *others = (_read(f) for f in files)
    ref = base.records
    for rel, act in zip(files[1:], others):
        rec = act.records
        # TCX repeats the sample at a lap boundary; no other format drops or adds points
        dup = rec.index.duplicated()
        assert dup.sum() <= max(len(act.laps), 1), rel
        rec = rec[~dup]
        assert len(rec) == len(ref), rel
        assert rec.index[0] == ref.index[0] and (rec.index == ref.index).all(), rel
        for col in ("lat_deg", "lon_deg"):
            np.testing.assert_allclose(rec[col], ref[col], atol=1e-5, rtol=0, err_msg=rel)
        np.testing.assert_array_equal(rec["heart_rate_bpm"], ref["heart_rate_bpm"], err_msg=rel)
        assert act.meta.sport == base.meta.sport, rel
