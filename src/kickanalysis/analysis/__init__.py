"""Pure analysis functions: splits, pacing, detection. They never read files."""

from .pacing import NegativeSplit, PacingProfile, negative_split, pacing_profile
from .splits import parse_every, splits

__all__ = [
    "NegativeSplit",
    "PacingProfile",
    "negative_split",
    "pacing_profile",
    "parse_every",
    "splits",
]
