"""kickanalysis: GPS-watch recordings (FIT, GPX, TCX) into pandas, and what matters in a run.

``import kickanalysis`` is cheap: pandas and the readers load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    CorruptFileError,
    DataQualityWarning,
    EmptyActivityError,
    KickAnalysisError,
    UnknownFormatError,
)

__version__ = "0.1.0"

# public name -> module that defines it (imported on first access, PEP 562)
_LAZY = {
    "Activity": "kickanalysis.activity",
    "Meta": "kickanalysis.activity",
    "Kick": "kickanalysis.analysis",
    "NegativeSplit": "kickanalysis.analysis",
    "PacingProfile": "kickanalysis.analysis",
    "compare_to_plan": "kickanalysis.analysis",
    "detect_intervals": "kickanalysis.analysis",
    "detect_kick": "kickanalysis.analysis",
    "detect_strides": "kickanalysis.analysis",
    "interval_session": "kickanalysis.analysis",
    "IntervalSession": "kickanalysis.analysis",
    "negative_split": "kickanalysis.analysis",
    "pacing_profile": "kickanalysis.analysis",
    "plan_pacing": "kickanalysis.analysis",
    "splits": "kickanalysis.analysis",
    "summarize": "kickanalysis.analysis",
    "read": "kickanalysis.io",
    "read_fit": "kickanalysis.io",
    "read_gpx": "kickanalysis.io",
    "read_tcx": "kickanalysis.io",
    "write_fit": "kickanalysis.io",
    "write_gpx": "kickanalysis.io",
    "read_parquet": "kickanalysis.io.parquet",
    "write_parquet": "kickanalysis.io.parquet",
    "analyze_many": "kickanalysis.batch",
    "Journal": "kickanalysis.batch",
    "SimulatedRun": "kickanalysis.simulate",
    "simulate_course": "kickanalysis.simulate",
    "simulate_run": "kickanalysis.simulate",
    "FadeSpec": "kickanalysis.simulate",
    "IntervalSpec": "kickanalysis.simulate",
    "KickSpec": "kickanalysis.simulate",
    "PauseSpec": "kickanalysis.simulate",
    "StrideSpec": "kickanalysis.simulate",
    "DriftSpec": "kickanalysis.simulate",
    "GpsDegradedSpec": "kickanalysis.simulate",
    "SlowdownSpec": "kickanalysis.simulate",
    "WalkBreakSpec": "kickanalysis.simulate",
    "plot_speed": "kickanalysis.plot",
    "plot_splits": "kickanalysis.plot",
    "derive": "kickanalysis.signal",
    "elevation_gain_loss": "kickanalysis.signal",
    "gap_factor": "kickanalysis.signal",
    "grade_adjusted_speed": "kickanalysis.signal",
    "moving": "kickanalysis.signal",
    "moving_time_s": "kickanalysis.signal",
}

if TYPE_CHECKING:
    from .activity import Activity, Meta
    from .analysis import (
        IntervalSession,
        Kick,
        NegativeSplit,
        PacingProfile,
        compare_to_plan,
        detect_intervals,
        detect_kick,
        detect_strides,
        interval_session,
        negative_split,
        pacing_profile,
        plan_pacing,
        splits,
        summarize,
    )
    from .batch import Journal, analyze_many
    from .io import read, read_fit, read_gpx, read_tcx, write_fit, write_gpx
    from .io.parquet import read_parquet, write_parquet
    from .plot import plot_speed, plot_splits
    from .signal import (
        derive,
        elevation_gain_loss,
        gap_factor,
        grade_adjusted_speed,
        moving,
        moving_time_s,
    )
    from .simulate import (
        DriftSpec,
        FadeSpec,
        GpsDegradedSpec,
        IntervalSpec,
        KickSpec,
        PauseSpec,
        SimulatedRun,
        SlowdownSpec,
        StrideSpec,
        WalkBreakSpec,
        simulate_course,
        simulate_run,
    )

__all__ = [
    "DriftSpec",
    "GpsDegradedSpec",
    "SlowdownSpec",
    "WalkBreakSpec",
    "FadeSpec",
    "IntervalSpec",
    "IntervalSession",
    "Journal",
    "Kick",
    "KickSpec",
    "PauseSpec",
    "StrideSpec",
    "detect_intervals",
    "detect_kick",
    "detect_strides",
    "interval_session",
    "plot_speed",
    "plot_splits",
    "Activity",
    "NegativeSplit",
    "PacingProfile",
    "compare_to_plan",
    "negative_split",
    "pacing_profile",
    "plan_pacing",
    "splits",
    "summarize",
    "CorruptFileError",
    "DataQualityWarning",
    "EmptyActivityError",
    "KickAnalysisError",
    "Meta",
    "SimulatedRun",
    "UnknownFormatError",
    "__version__",
    "analyze_many",
    "derive",
    "elevation_gain_loss",
    "gap_factor",
    "grade_adjusted_speed",
    "moving",
    "moving_time_s",
    "read",
    "read_fit",
    "read_gpx",
    "read_parquet",
    "read_tcx",
    "simulate_course",
    "simulate_run",
    "write_fit",
    "write_gpx",
    "write_parquet",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kickanalysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
