"""Hybrid search over sentences: dense (FAISS) and keyword (BM25) scores, each for the sentence
itself and for the passage around it, fused into one score per sentence.

Scoring every sentence's passage as well as the sentence is what finds the answering sentence:
a sentence is often short and elliptic ("It provided no evidence."), its passage is not.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from askdocs.chunking import DIGITS, running_lines
from askdocs.documents import Document
from askdocs.store import DocumentRecord

WORD = re.compile(r"\w+")
# "inter-national", also split at a line end as text from a PDF is: also indexed joined up
HYPHENATED = re.compile(r"[^\W\d_]+(?:-[ \t]*(?:\r\n|\r|\n)?[ \t]*[^\W\d_]+)+")
ANAPHOR = re.compile(r"[\"“‘']?(?:such|this|these|that|those|it|its|they|their|he|his|she|her|"
                     r"the same|both|there)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Weights:
    """Weights of the fused sentence score. The first four were chosen on half of the SQuAD
    articles (bench/tune_fusion.py); `document` on the long-report set (bench/filings.py: the
    evidence page first 58% -> 67%), checked to leave SQuAD's other half unchanged."""

    dense_sentence: float = 1.0
    dense_passage: float = 1.5
    keyword_sentence: float = 0.5
    keyword_passage: float = 0.75
    document: float = 0.25  # the question's keywords in what names the sentence's document


@dataclass(frozen=True)
class Hit:
    """One sentence's fused score and the signals behind it."""

    sentence: int  # row in the searcher's sentence table
    score: float
    dense: float  # cosine of question and sentence
    passage: float  # best cosine of question and a passage holding the sentence
    keyword: float  # BM25 of the sentence, relative to the best sentence (0..1)


class Tokenizer:
    """Lower-cased words, English stop words removed, Snowball-stemmed."""

    def __init__(self):
        import Stemmer
        from bm25s.stopwords import STOPWORDS_EN_PLUS

        self.stemmer = Stemmer.Stemmer("english")
        # "many"/"much" carry no topic: "how many children died?" is about children
        self.stopwords = frozenset(STOPWORDS_EN_PLUS) | {"many", "much"}
        self.cache: dict[str, str] = {}

    def __call__(self, text: str) -> list[str]:
        lowered = text.lower()
        words = [w for w in WORD.findall(lowered) if w not in self.stopwords]
        if "-" in lowered:
            words += ["".join(WORD.findall(h)) for h in HYPHENATED.findall(lowered)]
        missing = [w for w in set(words) if w not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.stemmer.stemWords(missing)))
        return [self.cache[w] for w in words]


class Keyword:
    """BM25 (bm25s) over a list of texts, with typo-tolerant query terms."""

    def __init__(self, tokens: list[list[str]]):
        import bm25s

        self.bm25 = bm25s.BM25()
        self.empty = not any(tokens)
        self.bm25.index([t or [""] for t in tokens], show_progress=False)
        self.vocab = self.bm25.vocab_dict
        n = len(tokens)
        df: dict[str, int] = {}
        for doc in tokens:
            for token in set(doc):
                df[token] = df.get(token, 0) + 1
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self.unseen_idf = math.log(1 + (n + 0.5) / 0.5)
        self.deletes: dict[str, set[str]] = {}
        for token in df:
            if len(token) >= 4:  # a 5-letter typo is one edit from a 4-letter word
                for variant in deletions(token):
                    self.deletes.setdefault(variant, set()).add(token)

    def expand(self, query: list[str]) -> list[str]:
        """Query terms, each unknown one joined by known terms one or two edits away."""
        terms = []
        for token in query:
            if token in self.idf or len(token) < 5:  # 4-letter typos are too ambiguous
                terms.append(token)
                continue
            near = set()
            for variant in deletions(token) | {token}:
                near |= self.deletes.get(variant, set())
            terms.extend(sorted(near) or [token])
        return terms

    def scores(self, query: list[str]) -> np.ndarray:
        known = [t for t in query if t in self.vocab]
        if not known or self.empty:
            return np.zeros(self.bm25.scores["num_docs"], dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)

    def weights(self, query: list[str]) -> dict[str, float]:
        """Each query term's IDF (an unknown term has the highest)."""
        return {t: self.idf.get(t, self.unseen_idf) for t in query}

    def coverage(self, query: list[str], tokens: set[str]) -> float:
        """Share of the query's IDF mass found in `tokens` (unknown terms count in the total)."""
        weights = self.weights(query)
        total = sum(weights.values())
        return sum(w for t, w in weights.items() if t in tokens) / total if total else 0.0


def deletions(token: str) -> set[str]:
    return {token[:i] + token[i + 1:] for i in range(len(token))}


def relative(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max()) if len(scores) else 0.0
    return scores / top if top > 0 else np.zeros_like(scores)


def identity_text(document: Document) -> str:
    """What names a document: its path's words, its title and, in a paged document, its running
    headers and footers ("3M Company | 2018 Form 10-K"). A table row names neither the company
    nor the year a question asks about; the document around it does."""
    words = [re.sub(r"[_\W]+", " ", document.id.rsplit(".", 1)[0]), document.title]
    if document.pages:
        text, lines = document.text, {}
        for start in sorted(running_lines(text, document.pages)):
            end = text.find("\n", start)
            line = text[start:end if end >= 0 else len(text)].strip()
            lines.setdefault(DIGITS.sub("#", line), set()).add(line)
        # a line the same on every page keeps its numbers (the year); page numbers go
        words += [next(iter(same)) if len(same) == 1 else DIGITS.sub("", key.replace("#", ""))
                  for key, same in lines.items()]
    return " ".join(dict.fromkeys(words))


class Searcher:
    """Holds the sentence and chunk tables, their FAISS indexes and BM25 indexes."""

    def __init__(self, records: list[DocumentRecord], dimension: int, weights: Weights = Weights()):
        import faiss

        self.records = records
        self.weights = weights
        doc, start, end, para, quotable = [], [], [], [], []
        pair_sentence, pair_chunk, chunk_doc = [], [], []
        sentence_base = chunk_base = 0
        for d, record in enumerate(records):
            for s in record.sentences:
                doc.append(d), start.append(s.start), end.append(s.end)
                para.append(s.paragraph), quotable.append(s.quotable)
            for c, chunk in enumerate(record.chunks):
                chunk_doc.append(d)
                for s in range(chunk.first, chunk.last + 1):
                    pair_sentence.append(sentence_base + s)
                    pair_chunk.append(chunk_base + c)
            sentence_base += len(record.sentences)
            chunk_base += len(record.chunks)
        self.doc = np.asarray(doc, dtype=np.int32)
        self.start = np.asarray(start, dtype=np.int64)
        self.end = np.asarray(end, dtype=np.int64)
        self.paragraph = np.asarray(para, dtype=np.int32)
        self.quotable = np.asarray(quotable, dtype=bool)
        self.pair_sentence = np.asarray(pair_sentence, dtype=np.int64)
        self.pair_chunk = np.asarray(pair_chunk, dtype=np.int64)
        self.chunk_of = self.first_chunk_of_sentence(sentence_base)
        empty = np.zeros((0, dimension), np.float32)
        self.sentence_index = faiss.IndexFlatIP(dimension)
        self.sentence_index.add(np.vstack([r.sentence_vectors for r in records] or [empty]))
        self.chunk_index = faiss.IndexFlatIP(dimension)
        self.chunk_index.add(np.vstack([r.chunk_vectors for r in records] or [empty]))
        self.tokenize = Tokenizer()
        sentence_tokens = [self.tokenize(self.sentence_text(i)) for i in range(sentence_base)]
        for i in range(1, sentence_base):  # "Such weapons ..." is also about the sentence before
            if ANAPHOR.match(self.sentence_text(i)) and self.doc[i] == self.doc[i - 1]:
                sentence_tokens[i] = sentence_tokens[i] + sentence_tokens[i - 1]
        chunk_texts = [r.document.text[c.start:c.end] for r in records for c in r.chunks]
        self.chunk_tokens = [self.tokenize(t) for t in chunk_texts]
        self.sentence_keyword = Keyword(sentence_tokens)
        self.chunk_keyword = Keyword(self.chunk_tokens)
        named_by: dict[str, list[int]] = {}  # identity token -> documents it names
        for d, record in enumerate(records):
            for token in set(self.tokenize(identity_text(record.document))):
                named_by.setdefault(token, []).append(d)
        self.named_by = {t: np.asarray(ds, dtype=np.int64) for t, ds in named_by.items()}

    def first_chunk_of_sentence(self, n: int) -> np.ndarray:
        chunk_of = np.full(n, -1, dtype=np.int64)
        for s, c in zip(self.pair_sentence[::-1], self.pair_chunk[::-1]):
            chunk_of[s] = c
        return chunk_of

    def __len__(self) -> int:
        return len(self.doc)

    def sentence_text(self, i: int) -> str:
        return self.records[self.doc[i]].document.text[self.start[i]:self.end[i]]

    def dense(self, index, vector: np.ndarray) -> np.ndarray:
        n = index.ntotal
        scores = np.full(n, -1.0, dtype=np.float32)
        if n:
            found, rows = index.search(vector, n)
            scores[rows[0]] = found[0]
        return scores

    def score(self, question: str, vector: np.ndarray) -> tuple[np.ndarray, dict]:
        """Fused score of every sentence, and the per-signal arrays."""
        query = self.query_terms(question)
        dense_sentence = self.dense(self.sentence_index, vector)
        dense_chunk = self.dense(self.chunk_index, vector)
        keyword_chunk = relative(self.chunk_keyword.scores(query))
        passage = np.full(len(self), -1.0, dtype=np.float32)
        passage_kw = np.zeros(len(self), dtype=np.float32)
        np.maximum.at(passage, self.pair_sentence, dense_chunk[self.pair_chunk])
        np.maximum.at(passage_kw, self.pair_sentence, keyword_chunk[self.pair_chunk])
        keyword = relative(self.sentence_keyword.scores(query))
        document = self.document_match(query)[self.doc]
        w = self.weights
        fused = (w.dense_sentence * dense_sentence + w.dense_passage * passage
                 + w.keyword_sentence * keyword + w.keyword_passage * passage_kw
                 + w.document * document)
        return fused, {"dense": dense_sentence, "passage": passage, "keyword": keyword,
                       "passage_keyword": passage_kw, "document": document, "query": query}

    def document_match(self, query: list[str]) -> np.ndarray:
        """Per document, the share of the query's keyword weight its identity holds."""
        match = np.zeros(len(self.records), dtype=np.float32)
        weights = self.sentence_keyword.weights(query)
        total = sum(weights.values())
        for token, weight in weights.items():
            if token in self.named_by:
                match[self.named_by[token]] += weight / total
        return match

    def search(self, question: str, vector: np.ndarray, k: int = 10,
               quotable_only: bool = True) -> list[Hit]:
        """The k best sentences for a question (vector: its normalised embedding, shape (1, d))."""
        if not len(self):
            return []
        fused, signals = self.score(question, vector)
        if quotable_only:
            fused = np.where(self.quotable, fused, -np.inf)
        k = min(k, int(np.isfinite(fused).sum()))
        top = np.argpartition(-fused, k - 1)[:k] if k else np.array([], dtype=np.int64)
        top = top[np.argsort(-fused[top], kind="stable")]
        return [Hit(int(i), float(fused[i]), float(signals["dense"][i]),
                    float(signals["passage"][i]), float(signals["keyword"][i])) for i in top]

    def query_terms(self, question: str) -> list[str]:
        """The question's search terms: stemmed, stop words out, typos joined by known words."""
        return self.sentence_keyword.expand(self.tokenize(question))

    def coverage(self, query: list[str], sentence: int) -> float:
        """How much of the query terms' rare vocabulary the sentence's passage contains."""
        chunk = self.chunk_of[sentence]
        tokens = set(self.chunk_tokens[chunk]) if chunk >= 0 else set(
            self.tokenize(self.sentence_text(sentence)))
        return self.sentence_keyword.coverage(query, tokens)
