"""Every docstring example in the package runs and gives what it shows.

The examples use the project's own samples (``data/samples/``), so they run from the
repository root; the installed package is what is tested.
"""

from __future__ import annotations

import doctest
import importlib
import os
import pkgutil
import warnings

import pytest
from conftest import REPO

import kickanalysis
from kickanalysis.errors import DataQualityWarning

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(kickanalysis.__path__, prefix="kickanalysis.")
    if not m.name.endswith(("_profile", "__main__"))
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch):
    monkeypatch.chdir(REPO)
    module = importlib.import_module(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        result = doctest.testmod(
            module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
        )
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_the_examples_are_there():
    """Public modules carry runnable examples (not just prose)."""
    counted = 0
    finder = doctest.DocTestFinder()
    for name in MODULES:
        module = importlib.import_module(name)
        counted += sum(len(t.examples) for t in finder.find(module))
    assert counted > 50
    assert os.path.isdir(REPO / "data" / "samples")
