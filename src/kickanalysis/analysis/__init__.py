"""Pure analysis functions: splits, pacing, detection. They never read files."""

from .intervals import IntervalSession, detect_intervals, interval_session
from .kick import Kick, detect_kick
from .pacing import NegativeSplit, PacingProfile, negative_split, pacing_profile
from .plan import compare_to_plan, plan_pacing
from .splits import parse_every, splits
from .strides import detect_strides
from .summary import summarize

__all__ = [
    "IntervalSession",
    "Kick",
    "NegativeSplit",
    "PacingProfile",
    "compare_to_plan",
    "detect_intervals",
    "detect_kick",
    "detect_strides",
    "interval_session",
    "negative_split",
    "pacing_profile",
    "parse_every",
    "plan_pacing",
    "splits",
    "summarize",
]
