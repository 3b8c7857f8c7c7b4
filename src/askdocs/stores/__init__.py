"""Vector stores: the small interface retrieval needs, and its implementations (one per file).

A store holds the vectors of one immutable segment of the index, rows numbered 0..n-1 in the
order they were added. Retrieval asks it for the k nearest rows and for the vectors of given
rows (to score a candidate another signal proposed); it never sees how they are kept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


class VectorStore:
    """Normalised vectors searchable by inner product. Subclasses implement every method."""

    def __len__(self) -> int:
        raise NotImplementedError

    def add(self, vectors: np.ndarray) -> None:
        """Append rows (float32, shape (n, dimension))."""
        raise NotImplementedError

    def delete(self, rows: np.ndarray) -> None:
        """Leave these rows out of every later search (they stay readable by `vectors`)."""
        raise NotImplementedError

    def search(self, vector: np.ndarray, k: int,
               live: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The k best rows for one query vector (shape (1, dimension)): scores and rows, best
        first; fewer than k when fewer are live. Deleted rows are never returned, nor rows
        false in `live` (a boolean mask over all rows: one reader's view of the segment)."""
        raise NotImplementedError

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of these rows (float32)."""
        raise NotImplementedError

    def save(self, path: Path) -> None:
        """Write the store to one file."""
        raise NotImplementedError
