"""The default vector store: FAISS, scalar-quantised, memory-mapped.

A segment below APPROXIMATE_FROM vectors is searched exhaustively, its vectors kept as float16
codes (FAISS scalar quantiser QT_fp16): half the disk and memory of float32. A larger one goes
through an inverted-file index (IVF) of 4-bit product-quantisation codes scanned with FAISS's
fast-scan kernels (half a byte per dimension pair), whose best REFINE_FACTOR·k are re-scored on
8-bit codes (QT_8bit, ranges trained on the segment) before the k best are kept: a quarter of
float32 for the codes a question is answered with, and only the rows re-scored are read. Neither
code costs anything measurable on SQuAD (README, "Scale": P@1, MRR and R@5 unchanged with 8-bit
codes for every vector). bench/scale.py measures the IVF's recall against exhaustive search at
the candidate depth retrieval uses. Files are read with IO_FLAG_MMAP_IFC: flat codes stay in
the file, mapped, and only the pages a search touches are read (the fast-scan lists, a
sixteenth of float32, are read in).
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
# Share of the lists searched, and how many times k the fast-scan codes propose for re-scoring.
# recall@100 against an exhaustive scan of the same codes, for SQuAD questions on bench/scale.py's
# 1M hashing vectors and on bench/abstention_scale.py's 215k model vectors (SQuAD, Python docs):
# - 8-bit codes alone (the store before): 0.93 in 1/16 of the lists, 0.98 in 1/4 but 16 ms a
#   search at 1M; model vectors in 1/16: 0.946.
# - fast-scan codes in 1/4 of the lists, re-scored 16·k deep: 0.980, ask p50 at 1M 21.4 ms;
#   model vectors 0.975. Re-scoring 32·k deep does not help them (0.975): the lists are the limit.
# - in 1/3: 0.983 at 22.5 ms, model vectors 0.980; in 1/2: 0.986 at 25.2 ms, model vectors 0.987.
# - 1.29M model vectors (SQuAD among the Python, PostgreSQL and Java docs): 1/3 0.976, 1/2 0.983.
NPROBE_SHARE = 1 / 2
REFINE_FACTOR = 16


def lists_for(rows: int) -> int:
    """IVF lists for a segment: about 4 * sqrt(rows), FAISS's usual choice."""
    return max(64, int(4 * math.sqrt(rows)))


def approximate_index(dimension: int, rows: int):
    """An untrained IVF of fast-scan 4-bit codes (a sub-quantiser per two dimensions, or per
    dimension when their number is odd), re-scored on 8-bit codes."""
    import faiss

    pairs = dimension // 2 if dimension % 2 == 0 else dimension
    index = faiss.index_factory(dimension, f"IVF{lists_for(rows)},PQ{pairs}x4fs,Refine(SQ8)",
                                faiss.METRIC_INNER_PRODUCT)
    index.k_factor = REFINE_FACTOR
    return index


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
            index = approximate_index(dimension, len(vectors))
            ivf = faiss.extract_index_ivf(index)
            rows = min(len(vectors), max(TRAINING_ROWS, PER_LIST * ivf.nlist))
            sample = np.random.default_rng(0).choice(len(vectors), rows, replace=False)
            index.train(vectors[np.sort(sample)])
            ivf.nprobe = max(1, round(ivf.nlist * NPROBE_SHARE))
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
    def approximate(self):
        """The IVF this store searches through (None: it scans every vector). Indexes built
        before the fast-scan codes are an IVF of 8-bit codes, searched as they were."""
        import faiss

        try:
            return faiss.extract_index_ivf(self.index)
        except RuntimeError:
            return None

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
            ivf = self.approximate
            params = (faiss.SearchParameters(sel=selector) if ivf is None else
                      faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nprobe))
            if isinstance(self.index, faiss.IndexRefine):
                params = faiss.IndexRefineSearchParameters(k_factor=self.index.k_factor,
                                                           base_index_params=params)
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
