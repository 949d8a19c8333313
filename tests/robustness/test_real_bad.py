"""Every file in ``real/bad/`` has a test with its exact outcome.

The recovered prefixes and strict-mode errors are tested in ``tests/io/test_bad_fit.py``
(the five fitparse files and sports-lib ``broken.fit``) and ``tests/io/test_real_tcx.py``
(runpandas ``malformed.tcx``); this test fails when a file is added to the folder without
one, and checks each file's outcome (records recovered, or the exact error class, with
and without ``strict``) under the fuzz bounds (hang limit, memory cap).
"""

from __future__ import annotations

import sys

import pytest
from conftest import REAL, REPO, SKIP_NO_REAL

sys.path.insert(0, str(REPO / "fuzz"))
import mutators as M

import kickanalysis as ka

pytestmark = pytest.mark.skipif(REAL is None, reason=SKIP_NO_REAL)

# file -> (records recovered by default, error class under strict=True)
OUTCOMES = {
    "fitparse__activity-activity-filecrc.fit": (28, "CorruptFileError"),
    "fitparse__activity-filecrc.fit": (14, "CorruptFileError"),
    "fitparse__activity-settings-corruptheader.fit": (14, "CorruptFileError"),
    "fitparse__activity-settings-nodata.fit": (14, "CorruptFileError"),
    "fitparse__activity-unexpected-eof.fit": (14, "CorruptFileError"),
    "runpandas__malformed.tcx": (384, "CorruptFileError"),
    "sports-lib__broken.fit": (2319, "CorruptFileError"),
}


@pytest.fixture(scope="module", autouse=True)
def warm() -> None:
    """Import every reader's modules before memory is measured."""
    for name in OUTCOMES:
        M.check((REAL / "bad" / name).read_bytes(), memory=False)


def test_every_bad_file_has_an_expected_outcome() -> None:
    assert sorted(p.name for p in (REAL / "bad").iterdir()) == sorted(OUTCOMES)


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_bad_file_outcome_under_the_fuzz_bounds(name: str) -> None:
    n, strict_error = OUTCOMES[name]
    data = (REAL / "bad" / name).read_bytes()
    got: dict[str, int] = {}

    def read(d: bytes):
        act = ka.read(d)
        got["n"] = len(act.records)
        return act

    assert M.check(data, read).result == "ok"
    assert got["n"] == n
    assert M.check(data, lambda d: ka.read(d, strict=True)).result == strict_error
