"""Many recordings at once: bulk exports, parallel workers, Dask (and the journal)."""

from .run import analyze_item, analyze_many
from .sources import Item, expand_sources

__all__ = ["Item", "analyze_item", "analyze_many", "expand_sources"]
