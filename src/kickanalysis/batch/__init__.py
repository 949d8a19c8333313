"""Many recordings at once: bulk exports, parallel workers, Dask (and the journal)."""

from .journal import Journal
from .run import analyze_item, analyze_many
from .sources import Item, expand_sources

__all__ = ["Item", "Journal", "analyze_item", "analyze_many", "expand_sources"]
