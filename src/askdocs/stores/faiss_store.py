"""The default vector store: FAISS, scalar-quantised, memory-mapped.

A segment below APPROXIMATE_FROM vectors is searched exhaustively, its vectors kept as float16
codes (FAISS scalar quantiser QT_fp16): half the disk and memory of float32. A larger one goes
through an inverted-file index (IVF) of 8-bit codes (QT_8bit, ranges trained on the segment), a
quarter of float32, which is what keeps a million sentences' mapped pages small. Neither costs
anything measurable on SQuAD (README, "Scale": P@1, MRR and R@5 unchanged with either code for
every vector). The IVF's recall against exhaustive search at the candidate depth retrieval
uses is measured by bench/scale.py. Both are read with IO_FLAG_MMAP_IFC: the codes stay in the
file, mapped, and only the pages a search touches are read.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from askdocs.stores import VectorStore

# Exhaustive search reads every code: about 7 ms per 200,000 vectors on a 2-core laptop. Past
# that an IVF index reads only the lists nearest the query.
APPROXIMATE_FROM = 200_000
TRAINING_ROWS = 100_000  # at least this many vectors train the IVF (a sample of the segment)
PER_LIST = 39  # and at least this many per list, below which FAISS warns its k-means is starved
# Share of the lists searched. bench/scale.py measures recall@100 against exhaustive search:
# 0.92 on 1M hashing vectors (0.96 at 1/8, 0.98 at 1/4 but 16 ms a question), 0.90 on the
# model's SQuAD vectors; the README's "Scale" has the trade-off, still short of its 0.98 target.
NPROBE_SHARE = 1 / 16


def lists_for(rows: int) -> int:
    """IVF lists for a segment: about 4 * sqrt(rows), FAISS's usual choice."""
    return max(64, int(4 * math.sqrt(rows)))


class FaissStore(VectorStore):
    """One FAISS index over a segment's vectors, with a bitmap of live rows."""

    def __init__(self, index):
        self.index = index
        self.deleted: np.ndarray | None = None  # None: no row is deleted
        self.view: tuple | None = None  # (mask given, bits, FAISS selector) of the last search

    @classmethod
    def build(cls, vectors: np.ndarray, dimension: int) -> FaissStore:
        """A store holding these vectors, exhaustive or approximate by their number."""
        import faiss

        fp16, ip = faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if len(vectors) < APPROXIMATE_FROM:
            index = faiss.IndexScalarQuantizer(dimension, fp16, ip)
        else:
            index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dimension), dimension,
                                                  lists_for(len(vectors)),
                                                  faiss.ScalarQuantizer.QT_8bit, ip)
            rows = min(len(vectors), max(TRAINING_ROWS, PER_LIST * index.nlist))
            sample = np.random.default_rng(0).choice(len(vectors), rows, replace=False)
            index.train(vectors[np.sort(sample)])
            index.nprobe = max(1, round(index.nlist * NPROBE_SHARE))
        store = cls(index)
        store.add(vectors)
        return store

    @classmethod
    def load(cls, path: Path) -> FaissStore:
        """Map a saved store; raises RuntimeError if the file is not a FAISS index."""
        import faiss

        return cls(faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC))

    def __len__(self) -> int:
        return self.index.ntotal

    @property
    def dimension(self) -> int:
        return self.index.d

    def add(self, vectors: np.ndarray) -> None:
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        if hasattr(self.index, "make_direct_map"):  # IVF: reading a row back needs the map
            self.index.make_direct_map()
        if self.deleted is not None:
            self.deleted = np.concatenate([self.deleted, np.zeros(len(vectors), dtype=bool)])

    def delete(self, rows: np.ndarray) -> None:
        if self.deleted is None:
            self.deleted = np.zeros(len(self), dtype=bool)
        self.deleted[np.asarray(rows, dtype=np.int64)] = True
        self.view = None

    def selector(self, live: np.ndarray | None):
        """A FAISS selector of the rows to search (None: all), kept for the next search with
        the same mask. FAISS holds a pointer to the bits: they are kept alive with it."""
        import faiss

        if self.deleted is not None:
            live = ~self.deleted if live is None else live & ~self.deleted
        if live is None:
            return None
        if self.view is None or self.view[0] is not live:
            bits = np.packbits(live, bitorder="little")
            self.view = (live, bits, faiss.IDSelectorBitmap(len(live), faiss.swig_ptr(bits)))
        return self.view[2]

    def search(self, vector: np.ndarray, k: int,
               live: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        import faiss

        k = min(k, len(self))
        if k <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        # One query is scanned on the calling thread: no OpenMP team is started, which would
        # hang a process forked after a build, and threads answering questions do not fight.
        # (The setting is the calling thread's own; a build on another keeps both cores.)
        faiss.omp_set_num_threads(1)
        params, selector = None, self.selector(live)
        if selector is not None:
            params = (faiss.SearchParametersIVF(sel=selector, nprobe=self.index.nprobe)
                      if hasattr(self.index, "nprobe") else faiss.SearchParameters(sel=selector))
        scores, rows = self.index.search(np.ascontiguousarray(vector, dtype=np.float32), k,
                                         params=params)
        found = rows[0] >= 0
        return scores[0][found], rows[0][found]

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return np.zeros((0, self.dimension), np.float32)
        return self.index.reconstruct_batch(rows)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))
