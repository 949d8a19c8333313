"""Pure analysis functions: splits, pacing, detection. They never read files."""

from .kick import Kick, detect_kick
from .pacing import NegativeSplit, PacingProfile, negative_split, pacing_profile
from .plan import compare_to_plan, plan_pacing
from .splits import parse_every, splits
from .summary import summarize

__all__ = [
    "Kick",
    "NegativeSplit",
    "PacingProfile",
    "compare_to_plan",
    "detect_kick",
    "negative_split",
    "pacing_profile",
    "parse_every",
    "plan_pacing",
    "splits",
    "summarize",
]
