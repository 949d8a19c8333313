"""Each known-bad FIT file: the exact recovered prefix with a warning, or a typed error.

The fitparse "activity-*" bad files are damaged copies of ``fit/fitparse__Activity.fit``
(14 records); what they recover is compared with that clean file record for record.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import REAL, SKIP_NO_REAL

import kickanalysis as ka
from kickanalysis.errors import CorruptFileError, DataQualityWarning

pytestmark = pytest.mark.skipif(REAL is None, reason=SKIP_NO_REAL)

# file -> (records recovered, repeats of the clean file, warning text, strict offset)
CASES = {
    "fitparse__activity-filecrc.fit": (14, 1, "file CRC mismatch", 769),
    "fitparse__activity-activity-filecrc.fit": (28, 2, "file CRC mismatch", 1540),
    "fitparse__activity-settings-corruptheader.fit": (14, 1, "not a chained FIT file", 771),
    "fitparse__activity-settings-nodata.fit": (14, 1, "file truncated", 786),
    "fitparse__activity-unexpected-eof.fit": (14, 1, "file truncated", 768),
}


@pytest.fixture(scope="module")
def clean() -> pd.DataFrame:
    return ka.read(REAL / "fit" / "fitparse__Activity.fit").records


@pytest.mark.parametrize("name", sorted(CASES))
def test_recovers_exact_prefix(name: str, clean: pd.DataFrame) -> None:
    n, repeats, text, offset = CASES[name]
    with pytest.warns(DataQualityWarning, match=text):
        act = ka.read(REAL / "bad" / name)
    assert len(act.records) == n
    assert any(text in w for w in act.meta.warnings)
    expected = pd.concat([clean] * repeats).sort_index(kind="stable")
    pd.testing.assert_frame_equal(
        act.records.drop(columns="elapsed_s"), expected.drop(columns="elapsed_s")
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_strict_raises_with_offset(name: str) -> None:
    offset = CASES[name][3]
    with pytest.raises(CorruptFileError) as info:
        ka.read(REAL / "bad" / name, strict=True)
    assert info.value.offset == offset
    assert name in str(info.value)


def test_unfinalised_file_is_read_to_the_end() -> None:
    """sports-lib broken.fit announces 0 data bytes; its 2319 records are all there."""
    path = REAL / "bad" / "sports-lib__broken.fit"
    with pytest.warns(DataQualityWarning, match="never finalised"):
        act = ka.read(path)
    rec = act.records
    assert len(rec) == 2319
    assert rec.index[0] == pd.Timestamp("2016-01-16 14:33:51", tz="UTC")
    assert rec["distance_m"].iloc[-1] == pytest.approx(18294.40)
    assert rec["heart_rate_bpm"].iloc[-1] == 179
    assert act.meta.manufacturer == "zwift"
    with pytest.raises(CorruptFileError):
        ka.read(path, strict=True)
