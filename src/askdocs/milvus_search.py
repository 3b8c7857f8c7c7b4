"""Searching an index kept in Milvus: each signal's candidates come from Milvus, and the
candidates (with their passages, vectors and term weights) are fetched into a small local slice
that retrieval.Searcher scores exactly as it scores a segment. Same fusion, same hits, same
quotes as the FAISS store; only where the rows live differs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from askdocs.documents import Document
from askdocs.errors import IndexMissingError, InputError
from askdocs.keywords import Tokenizer, Vocabulary, joined_names, lucene_idf
from askdocs.retrieval import (
    DEPTH,
    Hit,
    Keyword,
    Part,
    Searcher,
    Unnamed,
    Weights,
    with_forms,
)
from askdocs.store import StoredIndex
from askdocs.stores import VectorStore
from askdocs.stores.milvus_store import (
    MAX_TERM,
    Meta,
    MilvusIndex,
    MilvusTarget,
    manifest_of,
    row_id,
    term_counts,
    term_dimension,
)
from askdocs.stores.segment import QUOTABLE

SENTENCE_FIELDS = ["key", "start", "end", "paragraph", "quotable", "chunk_lo", "chunk_hi"]
CHUNK_FIELDS = ["key", "start", "end", "first", "last"]


class Rows(VectorStore):
    """Vectors fetched for a slice, addressed by the slice's row numbers."""

    def __init__(self, vectors: np.ndarray):
        self.array = vectors

    def __len__(self) -> int:
        return len(self.array)

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        return self.array[rows]


@dataclass
class Slice:
    """The candidates of one question and their passages, laid out as a segment's tables."""

    sentences: np.ndarray  # retrieval's sentence columns; DOC is the document's number
    chunks: np.ndarray
    sentence_store: Rows
    chunk_store: Rows


class MilvusVocabulary(Vocabulary):
    """Document frequencies read from the index's term records (looked up per question)."""

    def __init__(self, searcher: MilvusSearcher, table: int, rows: int):
        self.searcher, self.table, self.rows = searcher, table, rows
        self.unseen_idf = float(lucene_idf(0, rows))

    def df(self, term: str) -> int:
        return self.searcher.term_counts([term])[term][self.table]

    def idf(self, terms: list[str]) -> dict[str, float]:
        counts = self.searcher.term_counts(terms)
        return {t: float(lucene_idf(counts[t][self.table], self.rows))
                if counts[t][self.table] else self.unseen_idf for t in terms}

    def known(self, term: str) -> bool:
        return any(self.searcher.term_counts([term])[term])

    def expand(self, query: list[str]) -> list[str]:
        """No typo tolerance: it needs the whole vocabulary, which stays in Milvus."""
        return list(query)


class MilvusSearcher(Searcher):
    """Candidates and fused scores over the live rows of a Milvus-backed index."""

    def __init__(self, index: MilvusIndex, meta: Meta, documents: list[tuple[int, dict]],
                 weights: Weights | None = None, depth: int | None = DEPTH):
        if depth is None:
            raise InputError("a Milvus-backed index is searched by candidates (depth) only")
        self.index, self.meta, self.depth = index, meta, depth
        self.weights = weights or Weights()
        self.parts = []
        self.records = [info for _, info in documents]
        self.keys = np.array([key for key, _ in documents], dtype=np.int64)
        self.live_keys = set(self.keys.tolist())
        self.by_id = {info["id"]: n for n, info in enumerate(self.records)}
        self.live_sentences = int(meta.counts.get("sentences", 0))
        self.tokenize = Tokenizer()
        self.vocabulary = MilvusVocabulary(self, 0, self.live_sentences)
        self.chunk_vocabulary = MilvusVocabulary(self, 1, int(meta.counts.get("chunks", 0)))
        named_by: dict[str, list[int]] = {}
        for n, info in enumerate(self.records):
            for token in set(self.tokenize(info["identity"])):
                named_by.setdefault(token, []).append(n)
        self.named_by = {t: np.asarray(ds, dtype=np.int64) for t, ds in named_by.items()}
        condition = f"key < {meta.next_key}"
        if meta.removed:
            condition += f" and key not in {list(meta.removed)}"
        self.condition = condition
        self.counts: dict[str, tuple[int, int]] = {}  # term -> frequencies (bounded cache)
        self.texts: dict[int, str] = {}
        self.leads: dict[int, tuple[int, int, int]] = {}  # sentence -> its first passage

    # --- documents ------------------------------------------------------------------------

    def number(self, keys: np.ndarray) -> np.ndarray:
        """The document numbers of some keys (all live)."""
        return np.searchsorted(self.keys, keys)

    def document_id(self, document: int) -> str:
        return self.records[document]["id"]

    def identity(self, document: int) -> str:
        return self.records[document]["identity"]

    def text_of(self, document: int) -> str:
        if document not in self.texts:
            info = self.records[document]
            text = self.index.text(int(self.keys[document]), info["pieces"])
            if len(text) != info["chars"]:
                raise ValueError(f"the text of {info['id'][:80]!r} is not its recorded length")
            if len(self.texts) > 64:
                self.texts.clear()
            self.texts[document] = text
        return self.texts[document]

    def document(self, document: int) -> Document:
        info = self.records[document]
        return Document(info["id"], self.text_of(document), info["title"], info["date"],
                        info["size"], info["sha256"], tuple(info["pages"]),
                        tuple(info.get("shared", ())))

    def number_of(self, doc_id: str) -> int:
        return self.by_id[doc_id]

    # --- keywords -------------------------------------------------------------------------

    def term_counts(self, terms: list[str]) -> dict[str, tuple[int, int]]:
        """Each term's sentence and chunk document frequencies."""
        # a term too long to be keyword-indexed has no record: it counts as unseen
        missing = {t: f"term:{term_dimension(t)}" for t in terms
                   if t not in self.counts and len(t) <= MAX_TERM}
        if len(self.counts) > 10_000:
            self.counts.clear()
        found = self.index.records(sorted(set(missing.values()))) if missing else {}
        for term in terms:
            if term not in self.counts:
                record = found.get(missing.get(term, ""))
                self.counts[term] = term_counts(record[1], self.meta) if record else (0, 0)
        return {t: self.counts[t] for t in terms}

    def sparse(self, query: list[str], idf: dict[str, float]) -> dict[int, float]:
        """The query as a sparse vector: each term's IDF, once per time it occurs (as
        keywords.Bm25Index.scores adds a repeated term's scores)."""
        out: dict[int, float] = {}
        for term, times in Counter(query).items():
            if len(term) <= MAX_TERM and idf[term] > 0:
                dim = term_dimension(term)
                out[dim] = out.get(dim, 0.0) + idf[term] * times
        return out

    # --- search ---------------------------------------------------------------------------

    def table(self, question: str, vector: np.ndarray, quotable_only: bool = True,
              unnamed: Unnamed | None = None) -> dict[str, np.ndarray] | None:
        if not len(self):
            return None
        query = self.query_terms(question)
        forms = self.forms(question, query)
        asked = self.sought(query, vector, forms)
        other = unnamed and self.sought(self.query_terms(unnamed.question), unnamed.vector, forms)
        found = np.union1d(asked[0], other[0]) if other else asked[0]
        slice_, ids, s_terms, c_terms = self.fetch(found)
        if not len(ids):
            return None
        part = Part(slice_, np.ones(len(self.records), dtype=bool), 0, 0)
        part.ids = ids
        rows = np.arange(len(ids))
        if quotable_only:
            rows = rows[slice_.sentences[:, QUOTABLE] == 1]
        if not len(rows):
            return None

        def keywords(sought, joined=()):
            _, sparse, chunk_sparse, idf, chunk_idf, best, chunk_best = sought
            return (Keyword([np.arange(len(ids))], [dot(s_terms, sparse)], best, idf, joined),
                    Keyword([np.arange(len(c_terms))], [dot(c_terms, chunk_sparse)],
                            chunk_best, chunk_idf))
        table = self.score(part, 0, rows, vector,
                           *keywords(asked, joined_names(question, self.tokenize)))
        if other:
            table = self.unnamed(table, self.score(part, 0, rows, unnamed.vector,
                                                   *keywords(other)), unnamed.documents)
        return table

    def sought(self, query: list[str], vector: np.ndarray, forms: list[str]) -> tuple:
        """A question's candidates (candidates_of) by its search terms and embedding, its
        sparse vectors (with its words' other forms, as Searcher.keyword weighs them) and IDF
        for sentences and chunks, and the best keyword scores: (found, sparse, chunk_sparse,
        idf, chunk_idf, best, chunk_best)."""
        idf, chunk_idf = self.vocabulary.idf(query), self.chunk_vocabulary.idf(query)
        sparse, chunk_sparse = (self.sparse(*with_forms(query, known, vocabulary.idf(forms)))
                                for known, vocabulary in ((idf, self.vocabulary),
                                                          (chunk_idf, self.chunk_vocabulary)))
        found, best, chunk_best = self.candidates_of(vector, sparse, chunk_sparse)
        return found, sparse, chunk_sparse, idf, chunk_idf, best, chunk_best

    def candidates_of(self, vector: np.ndarray, sparse: dict[int, float],
                      chunk_sparse: dict[int, float]) -> tuple[np.ndarray, float, float]:
        """The sentence ids some signal puts among its best `depth`, and the best sentence and
        chunk keyword scores (what keyword scores are relative to)."""
        n, where, dense = self.depth, self.condition, vector.reshape(-1).tolist()
        ids = [h["id"] for h in self.index.search("sentences", "vector", dense, n, where, [])]
        best = chunk_best = 0.0
        if sparse:
            hits = self.index.search("sentences", "terms", sparse, n, where, [])
            ids += [h["id"] for h in hits]
            best = float(hits[0]["distance"]) if hits else 0.0
        chunk_hits = self.index.search("chunks", "vector", dense, n, where, CHUNK_FIELDS)
        if chunk_sparse:
            hits = self.index.search("chunks", "terms", chunk_sparse, n, where, CHUNK_FIELDS)
            chunk_best = float(hits[0]["distance"]) if hits else 0.0
            chunk_hits += hits
        for hit in chunk_hits:
            ids += [row_id(hit["key"], i) for i in range(hit["first"], hit["last"] + 1)]
        return np.unique(np.asarray(ids, dtype=np.int64)), best, chunk_best

    def fetch(self, ids: np.ndarray) -> tuple[Slice, np.ndarray, list, list]:
        """The candidates and every passage holding them, as a slice (rows sorted by id), with
        each row's term weights."""
        rows = sorted(self.index.rows("sentences", ids, SENTENCE_FIELDS + ["vector", "terms"]),
                      key=lambda r: r["id"])
        rows = [r for r in rows if r["key"] in self.live_keys]
        chunk_ids = sorted({row_id(r["key"], c) for r in rows
                            for c in range(r["chunk_lo"], r["chunk_hi"] + 1)})
        chunks = sorted(self.index.rows("chunks", np.asarray(chunk_ids, dtype=np.int64),
                                        CHUNK_FIELDS + ["vector", "terms"]),
                        key=lambda r: r["id"])
        chunk_at = {r["id"]: i for i, r in enumerate(chunks)}
        s_table = np.zeros((len(rows), 7), dtype=np.int64)
        for i, r in enumerate(rows):
            lo, hi = r["chunk_lo"], r["chunk_hi"]
            have = [chunk_at[row_id(r["key"], c)] for c in range(lo, hi + 1)
                    if row_id(r["key"], c) in chunk_at]
            first, last = (have[0], have[-1]) if have else (0, -1)
            s_table[i] = (r["key"], r["start"], r["end"], r["paragraph"], r["quotable"],
                          first, last)
        if len(rows):
            s_table[:, 0] = self.number(s_table[:, 0])
        c_table = np.array([(r["key"], r["start"], r["end"], 0, 0) for r in chunks],
                           dtype=np.int64).reshape(-1, 5)
        if len(chunks):
            c_table[:, 0] = self.number(c_table[:, 0])
        dimension = int(self.meta.model["dimension"])
        s_vectors = np.array([r["vector"] for r in rows], dtype=np.float32).reshape(-1, dimension)
        c_vectors = np.array([r["vector"] for r in chunks],
                             dtype=np.float32).reshape(-1, dimension)
        ids = np.array([r["id"] for r in rows], dtype=np.int64)
        self.remember_leads(ids, s_table, c_table)
        return (Slice(s_table, c_table, Rows(s_vectors), Rows(c_vectors)), ids,
                [r["terms"] for r in rows], [r["terms"] for r in chunks])

    def remember_leads(self, ids: np.ndarray, s_table: np.ndarray, c_table: np.ndarray) -> None:
        """Each candidate's first passage (or itself), for `lead_text`."""
        if len(self.leads) > 50_000:
            self.leads.clear()
        for i, sentence in enumerate(ids.tolist()):
            lo, hi = s_table[i, 5], s_table[i, 6]
            span = c_table[lo, 1:3] if lo <= hi else s_table[i, 1:3]
            self.leads[sentence] = (int(s_table[i, 0]), int(span[0]), int(span[1]))

    def lead_text(self, hit: Hit) -> str:
        """The sentence's first passage (or the sentence, if in none): what AskDocs.coverage
        reads."""
        document, start, end = self.leads.get(hit.sentence, (hit.document, hit.start, hit.end))
        return self.text_of(document)[start:end]


def dot(rows: list[dict], query: dict[int, float]) -> np.ndarray:
    """Each sparse row's inner product with the sparse query."""
    return np.array([sum(w * row.get(d, 0.0) for d, w in query.items()) for row in rows],
                    dtype=np.float32)



@dataclass
class Remote:
    """An opened Milvus-backed index: the connection, its committed state, its documents."""

    index: MilvusIndex
    meta: Meta
    documents: list[tuple[int, dict]]


def open_milvus(target: MilvusTarget, token: str | None) -> StoredIndex:
    """Open the index a Milvus store holds, as a StoredIndex with no segments; raises
    StoreError (unreachable, not askdocs's), IndexMissingError or IndexMismatchError."""
    index = MilvusIndex(target, token)
    meta = index.meta()
    if meta is None:
        raise IndexMissingError(f"no askdocs index in the Milvus store {target.shown()}; "
                                f"run `askdocs index --store {target.shown()}`")
    documents = index.documents(meta)
    return StoredIndex(manifest_of(meta, documents, target.shown()), [],
                       Remote(index, meta, documents))
