"""The oracle of ``benchmarks/oracle_rep_edges.py`` finds planted edges it can see."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
from conftest import REPO


def _oracle():
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location(
            "oracle_rep_edges", REPO / "benchmarks" / "oracle_rep_edges.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.pop(0)
    return module


def _step(t, edge, lo, hi):
    """A quantity that is ``lo`` before ``edge`` and ``hi`` after, the share of each
    second after the edge in between."""
    return lo + (hi - lo) * np.clip(t - edge, 0.0, 1.0)


def test_oracle_times_clean_edges_exactly():
    oracle = _oracle()
    t = np.arange(0.0, 400.0)
    edges = np.array([100.3, 250.0, 180.6])
    speed = _step(t, 100.3, 2.5, 3.5) - _step(t, 180.6, 0.0, 1.0) + _step(t, 250.0, 0.0, 1.0)
    distance = np.concatenate(([0.0], np.cumsum(speed[1:])))
    cadence = 148.0 + 8.5 * speed
    errs = oracle._edge_errors(t, cadence, distance, 2.0, 30.0, edges)
    assert set(errs) == set(oracle.ORACLES)
    for name, err in errs.items():
        assert np.abs(err).max() <= 0.55, (name, err)


def test_oracle_with_noise_is_close_and_cadence_helps():
    oracle = _oracle()
    rng = np.random.default_rng(3)
    t = np.arange(0.0, 200.0)
    speed = _step(t, 97.4, 2.6, 3.6)
    distance = np.cumsum(speed) + rng.normal(0.0, 0.3, len(t))
    cadence = 2.0 * np.round((148.0 + 8.5 * speed + rng.normal(0.0, 1.0, len(t))) / 2.0)
    errs = oracle._edge_errors(t, cadence, distance, 1.0, 30.0, np.array([97.4]))
    assert abs(errs["cadence + positions"][0]) <= 2.0
    assert abs(errs["cadence"][0]) <= 2.0
