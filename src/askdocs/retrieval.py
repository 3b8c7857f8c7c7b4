"""Hybrid search over sentences by candidates: each signal proposes its best sentences through
its own index, and only the union is scored in full.

Signals: dense (FAISS) and keyword (BM25) scores, each for the sentence itself and for the
passage around it, plus the document signal. Scoring a sentence's passage as well as the
sentence is what finds the answering sentence: a sentence is often short and elliptic ("It
provided no evidence."), its passage is not. The candidates are the top DEPTH sentences of each
signal's index (passages propose their sentences); a candidate's other signals are computed for
it alone, so its fused score is exactly the one an exhaustive scorer gives it
(`Searcher(..., depth=None)` scores every sentence: the reference the tests compare with).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import numpy as np

from askdocs.documents import Document
from askdocs.keywords import WORD, Tokenizer, Vocabulary, joined_names
from askdocs.lexicon import FORM_PREFIX, lexicon
from askdocs.store import StoredIndex
from askdocs.stores.segment import (
    CHUNK_HI,
    CHUNK_LO,
    DOC,
    END,
    FIRST,
    LAST,
    PARAGRAPH,
    QUOTABLE,
    START,
)

# the weight of a question word's other forms (Searcher.forms) against its own: SQuAD v1.1 odd
# half P@1 74.7 at 0, 0.3, 0.5 and 74.1 at 1.0 (bench/squad_reqa.py); bench/filings_prose.py's
# first quote on the evidence page 78.2% at 0, 80.8% at 0.5
FORM_WEIGHT = 0.5
DEPTH = 100  # candidates each signal proposes (bench/squad_reqa.py: equal to exhaustive)
# In a document the question names (Unnamed), the share of a passage's closeness gained by
# writing the names out that its sentences' fused score counts. The whole document says the
# names, so a passage that writes them is not closer for it: asked "What acquisitions did Harbor
# Lights make in FY2022?", the business page's "Harbor Lights is a diversified company …" came
# first, not "In 2022 the Company acquired …". But a statement's page heads its rows with the
# company's name, and the statement, not the selected data that repeat its rows, is the page
# asked for. bench/filings_prose.py, first quote on the evidence page, and bench/filings.py's
# ratios with their definition, first quote on an evidence page (before lexicon.QUALITY_SUFFIXES,
# which took the first to 96.2% at 0.5): 84.6% and 100% at 1, 91.0% and 100% at 0.5, 96.2% and
# 97.2% at 0.25, 96.2% and 76.4% at 0
NAMED_PASSAGE = 0.5
# a question word the collection does not know is read as two words it knows, each of this
# many letters or more ("frontline": "front line"; not "hot test")
COMPOUND_PART = 4


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
class Unnamed:
    """A question without the names it gives that name documents (keywords.document_names),
    its embedding, and those documents. Asked "What is the total number of employees of Harbor
    Lights?", the sentences of HARBORLIGHTS_2022_10K that write "Harbor Lights" out ("Harbor
    Lights is a defendant in …") came before the one that answers ("the Company employed
    approximately 90,000 people"): the whole document says the name. A sentence of theirs is
    scored as if it said the names (Searcher.unnamed)."""

    question: str
    vector: np.ndarray
    documents: np.ndarray


@dataclass(frozen=True)
class Hit:
    """One sentence found for a question: where it is, the passage around it, its scores."""

    sentence: int  # the sentence's number in the index (consecutive within a document)
    document: int  # the document's number in the index (Searcher.document(n))
    start: int  # the sentence's span in the document's text
    end: int
    passage_start: int  # the passage holding it most centrally (its context)
    passage_end: int
    paragraph: int  # 1-based paragraph of the sentence in its document
    score: float  # fused
    dense: float  # cosine of question and sentence
    passage: float  # best cosine of question and a passage holding the sentence
    keyword: float  # BM25 of the sentence, relative to the best sentence (0..1)


class Part:
    """One segment as the searcher sees it: which rows are live, and where its numbers start."""

    def __init__(self, segment, live_docs: np.ndarray, sentence_base: int, doc_base: int):
        self.segment = segment
        self.live_docs = live_docs  # which of the segment's documents are live
        self.sentence_base = sentence_base
        self.doc_base = doc_base
        rows = segment.sentences
        self.live = live_docs[rows[:, DOC]] if len(rows) else np.zeros(0, bool)
        self.chunk_live = live_docs[segment.chunks[:, DOC]] if len(segment.chunks) else \
            np.zeros(0, bool)
        self.all_live = bool(self.live.all() and self.chunk_live.all())
        self.sentence_view = None if self.all_live else self.live  # what the stores search
        self.chunk_view = None if self.all_live else self.chunk_live
        self.ids: np.ndarray | None = None  # rows' sentence numbers, if not sentence_base + row

    def numbers(self, rows: np.ndarray) -> np.ndarray:
        """The sentence numbers of some rows."""
        return self.ids[rows] if self.ids is not None else self.sentence_base + rows


@dataclass
class Keyword:
    """A question's BM25 scores over the postings of its terms: per part, the rows and scores."""

    rows: list[np.ndarray]
    scores: list[np.ndarray]
    best: float  # the best live row's score, what scores are relative to
    idf: dict[str, float]  # each query term's collection IDF
    # names the question writes in words that a document's path may write joined
    # (keywords.joined_names): ("harborlight", "Harbor Lights")
    joined: list[tuple[str, str]] = field(default_factory=list)

    def lookup(self, part: int, rows: np.ndarray) -> np.ndarray:
        """The relative scores of these rows of a part (0 where no term occurs)."""
        have, scores = self.rows[part], self.scores[part]
        out = np.zeros(len(rows), dtype=np.float32)
        if len(have) and self.best > 0:
            at = np.minimum(np.searchsorted(have, rows), len(have) - 1)
            found = have[at] == rows
            out[found] = scores[at[found]] / self.best
        return out


class Searcher:
    """Candidates and fused scores over the live rows of an index's segments."""

    def __init__(self, stored: StoredIndex, weights: Weights = Weights(),
                 depth: int | None = DEPTH):
        """depth: candidates each signal proposes; None scores every sentence (the reference
        the candidates are measured against)."""
        self.weights = weights
        self.depth = depth
        self.parts: list[Part] = []
        sentence_base = doc_base = 0
        for segment in stored.segments:
            part = Part(segment, stored.live(segment), sentence_base, doc_base)
            self.parts.append(part)
            sentence_base += len(segment.sentences)
            doc_base += len(segment.entries)
        self.live_sentences = int(sum(p.live.sum() for p in self.parts))
        self.vocabulary = Vocabulary([p.segment.sentence_bm25 for p in self.parts])
        self.chunk_vocabulary = Vocabulary([p.segment.chunk_bm25 for p in self.parts])
        self.tokenize = Tokenizer()
        # a list, bisected: a question locates about a hundred documents
        self.doc_starts = [p.doc_base for p in self.parts]
        named_by: dict[str, list[int]] = {}  # identity token -> live documents it names
        for part in self.parts:
            for d, entry in enumerate(part.segment.entries):
                if part.live_docs[d]:
                    for token in set(self.tokenize(entry.identity)):
                        named_by.setdefault(token, []).append(part.doc_base + d)
        self.named_by = {t: np.asarray(ds, dtype=np.int64) for t, ds in named_by.items()}

    def __len__(self) -> int:
        """Live sentences."""
        return self.live_sentences

    def locate(self, document: int) -> tuple[Part, int]:
        """The part holding a document number, and the document's number in its segment."""
        p = bisect.bisect_right(self.doc_starts, document) - 1
        return self.parts[p], document - self.parts[p].doc_base

    def document_id(self, document: int) -> str:
        part, d = self.locate(document)
        return part.segment.entries[d].id

    def identity(self, document: int) -> str:
        """What names a document (keywords.identity_text): its path, title, running headers."""
        part, d = self.locate(document)
        return part.segment.entries[d].identity

    def document(self, document: int) -> Document:
        """A document by number (a hit's `document`), with its text."""
        part, d = self.locate(document)
        return part.segment.document(d)

    def number_of(self, doc_id: str) -> int:
        """A live document's number; KeyError if there is none."""
        for part in self.parts:
            d = part.segment.by_id.get(doc_id)
            if d is not None and part.live_docs[d]:
                return part.doc_base + d
        raise KeyError(doc_id)

    def knows(self, term: str) -> bool:
        """Whether some sentence or passage of the collection has the term."""
        return self.vocabulary.known(term) or self.chunk_vocabulary.known(term)

    def query_terms(self, question: str) -> list[str]:
        """The question's search terms: stemmed, stop words out, typos joined by known words,
        a word written as one that the documents write as two read as those two."""
        return self.vocabulary.expand(self.tokenize(self.compounds_apart(question)))

    def compounds_apart(self, question: str) -> str:
        """The question with each word that is neither the collection's nor WordNet's (nor a
        typo of the collection's) written as the two WordNet words it is made of, if the
        collection knows both (the split whose rarer part is the most common): "How far is it
        to the frontline?" finds "40 miles from the front line". Not a name ("Buckingham"), nor
        a word WordNet knows ("developmental", "hottest")."""
        words, out = lexicon(), question
        if words is None:
            return out
        for word in dict.fromkeys(WORD.findall(question)):
            if len(word) < 2 * COMPOUND_PART or not word.isalpha() or not word.islower() or \
                    words.bases(word):
                continue
            term = self.tokenize(word)
            if len(term) != 1 or self.vocabulary.known(term[0]) or \
                    self.vocabulary.expand(term) != term:
                continue
            splits = []
            for i in range(COMPOUND_PART, len(word) - COMPOUND_PART + 1):
                left, right = word[:i], word[i:]
                if not (words.bases(left) and words.bases(right)):
                    continue
                terms = self.tokenize(f"{left} {right}")
                if len(terms) == 2:
                    df = min(map(self.vocabulary.df, terms))
                    if df:
                        splits.append((df, i))
            if splits:
                i = max(splits)[1]
                out = re.sub(rf"\b{word}\b", f"{word[:i]} {word[i:]}", out)
        return out

    def forms(self, question: str, query: list[str]) -> list[str]:
        """The search terms of the other forms of the question's words (lexicon.forms) that
        its own terms are not: "acquisitions" is stemmed "acquisit", "acquired" "acquir", and
        "What acquisitions did Acme make?" did not find "the Company acquired …". Not of its
        names ("Harbor Lights": "harbour")."""
        found = lexicon()
        if found is None:
            return []
        have, out = set(query), []
        for n, word in enumerate(WORD.findall(question)):
            if (n and word[0].isupper()) or len(word) < FORM_PREFIX:
                continue
            for form in sorted(found.forms(word.lower())):
                for term in self.tokenize(form):
                    if term not in have:
                        have.add(term)
                        out.append(term)
        return out

    def keyword(self, query: list[str], chunks: bool, forms: list[str] = ()) -> Keyword:
        """The query's BM25 scores, with its words' other forms (Searcher.forms) weighing
        FORM_WEIGHT of their IDF; the Keyword's idf is the query's own."""
        vocabulary = self.chunk_vocabulary if chunks else self.vocabulary
        idf = vocabulary.idf(query)
        terms, weights = with_forms(query, idf, vocabulary.idf(list(forms)))
        rows, scores, best = [], [], 0.0
        for part in self.parts:
            index = part.segment.chunk_bm25 if chunks else part.segment.sentence_bm25
            r, s = index.scores(terms, weights)
            live = part.chunk_live if chunks else part.live
            if len(r) and not part.all_live:
                keep = live[r]
                r, s = r[keep], s[keep]
            rows.append(r), scores.append(s)
            if len(s):
                best = max(best, float(s.max()))
        return Keyword(rows, scores, best, idf)

    def document_match(self, weights: dict[str, float], documents: np.ndarray,
                       joined: list[tuple[str, str]] = ()) -> np.ndarray:
        """Per document, the share of the query's keyword weight (IDF) its identity holds; a
        name its path writes joined (Keyword.joined) holds the name's words."""
        total = sum(weights.values())
        named = {token: self.named_by.get(token) for token in weights}
        for token, words in joined:
            by = self.named_by.get(token)
            for word in self.tokenize(words) if by is not None else ():
                if word in named:
                    named[word] = by if named[word] is None else np.union1d(named[word], by)
        match = np.zeros(len(documents), dtype=np.float32)
        for token, weight in weights.items():
            if named[token] is not None:
                match += np.isin(documents, named[token]) * np.float32(weight / total)
        return match

    def candidates(self, p: int, vector: np.ndarray, keyword: Keyword,
                   chunk_keyword: Keyword) -> np.ndarray:
        """The live rows of part p that some signal puts among its best `depth`."""
        part, segment, n = self.parts[p], self.parts[p].segment, self.depth
        found = [segment.sentence_store.search(vector, n, part.sentence_view)[1]]
        for hits in (segment.chunk_store.search(vector, n, part.chunk_view)[1],
                     top(chunk_keyword.rows[p], chunk_keyword.scores[p], n)):
            found.append(chunk_sentences(segment, hits))
        found.append(top(keyword.rows[p], keyword.scores[p], n))
        rows = np.unique(np.concatenate(found).astype(np.int64))
        return rows[part.live[rows]] if len(rows) else rows

    def search(self, question: str, vector: np.ndarray, k: int = 10,
               quotable_only: bool = True, unnamed: Unnamed | None = None) -> list[Hit]:
        """The k best sentences for a question (vector: its normalised embedding, shape (1, d)),
        best first; unnamed: the question without the names of some documents, which scores
        their sentences."""
        table = self.table(question, vector, quotable_only, unnamed)
        if table is None:
            return []
        order = np.lexsort((table["sentence"], -table["fused"]))[:k]
        return [self.hit(table, i) for i in order]

    def table(self, question: str, vector: np.ndarray, quotable_only: bool = True,
              unnamed: Unnamed | None = None) -> dict[str, np.ndarray] | None:
        """Every candidate's signals, fused score and spans, as columns (None if there are no
        candidates); what `search` ranks, and what bench/tune_fusion.py fits weights on; the
        sentences of unnamed.documents scored by unnamed.question as well (Searcher.unnamed)."""
        if not len(self):
            return None
        query = self.query_terms(question)
        forms = self.forms(question, query)
        keyword, chunk_keyword = self.keyword(query, False, forms), self.keyword(query, True, forms)
        keyword.joined = joined_names(question, self.tokenize)
        if unnamed is not None:
            terms = self.query_terms(unnamed.question)
            other = self.keyword(terms, False, forms), self.keyword(terms, True, forms)
        scored = []
        for p, part in enumerate(self.parts):
            rows = (np.flatnonzero(part.live) if self.depth is None
                    else self.candidates(p, vector, keyword, chunk_keyword))
            if unnamed is not None and self.depth is not None:  # its own candidates too
                rows = np.union1d(rows, self.candidates(p, unnamed.vector, *other))
            if quotable_only and len(rows):
                rows = rows[part.segment.sentences[rows, QUOTABLE] == 1]
            if not len(rows):
                continue
            read: dict[str, np.ndarray] = {}  # the rows' vectors, read once for both
            table = self.score(part, p, rows, vector, keyword, chunk_keyword, read)
            if unnamed is not None:
                table = self.unnamed(table, self.score(part, p, rows, unnamed.vector,
                                                       *other, read), unnamed.documents)
            scored.append(table)
        if not scored:
            return None
        return {key: np.concatenate([s[key] for s in scored]) for key in scored[0]}

    def score(self, part: Part, p: int, rows: np.ndarray, vector: np.ndarray, keyword: Keyword,
              chunk_keyword: Keyword, read: dict[str, np.ndarray] | None = None
              ) -> dict[str, np.ndarray]:
        """Every signal and the fused score of some rows of a part (p: its place in the
        keyword results). read: the rows' and their chunks' vectors, kept there when first
        read, for scoring the same rows again."""
        segment, read = part.segment, {} if read is None else read
        table = segment.sentences[rows]
        q = vector.reshape(-1).astype(np.float32)
        if "sentences" not in read:
            read["sentences"] = segment.sentence_store.vectors(rows)
        dense = read["sentences"] @ q
        lo, hi = table[:, CHUNK_LO].astype(np.int64), table[:, CHUNK_HI].astype(np.int64)
        counts = np.maximum(hi - lo + 1, 0)
        owner = np.repeat(np.arange(len(rows)), counts)
        chunks = spread(lo, counts)
        unique, inverse = np.unique(chunks, return_inverse=True)
        if "chunks" not in read:
            read["chunks"] = segment.chunk_store.vectors(unique)
        chunk_dense = (read["chunks"] @ q)[inverse]
        chunk_kw = chunk_keyword.lookup(p, unique)[inverse]
        passage = np.full(len(rows), -1.0, dtype=np.float32)
        passage_kw = np.zeros(len(rows), dtype=np.float32)
        np.maximum.at(passage, owner, chunk_dense)
        np.maximum.at(passage_kw, owner, chunk_kw)
        documents = part.doc_base + table[:, DOC].astype(np.int64)
        sentence_kw = keyword.lookup(p, rows)
        named = self.document_match(keyword.idf, documents, keyword.joined)
        fused = self.fused(dense, passage, sentence_kw, passage_kw, named)
        # the passage where the sentence sits most centrally, for its context
        margin = np.minimum(table[owner, START] - segment.chunks[chunks, START],
                            segment.chunks[chunks, END] - table[owner, END])
        best = np.full(len(rows), -1, dtype=np.int64)
        order = np.lexsort((-margin, owner))  # per owner, the largest margin first
        first = np.ones(len(order), dtype=bool)
        first[1:] = owner[order][1:] != owner[order][:-1]
        best[owner[order][first]] = chunks[order][first]
        has = best >= 0
        p_start = np.where(has, np.minimum(segment.chunks[np.maximum(best, 0), START],
                                           table[:, START]), table[:, START])
        p_end = np.where(has, np.maximum(segment.chunks[np.maximum(best, 0), END],
                                         table[:, END]), table[:, END])
        return {"sentence": part.numbers(rows), "document": documents,
                "start": table[:, START], "end": table[:, END], "passage_start": p_start,
                "passage_end": p_end, "paragraph": table[:, PARAGRAPH], "fused": fused,
                "dense": dense, "passage": passage, "keyword": sentence_kw,
                "passage_keyword": passage_kw, "named": named}

    def fused(self, dense: np.ndarray, passage: np.ndarray, sentence_kw: np.ndarray,
              passage_kw: np.ndarray, named: np.ndarray) -> np.ndarray:
        w = self.weights
        return (w.dense_sentence * dense + w.dense_passage * passage
                + w.keyword_sentence * sentence_kw + w.keyword_passage * passage_kw
                + w.document * named).astype(np.float32)

    def unnamed(self, table: dict[str, np.ndarray], alone: dict[str, np.ndarray],
                documents: np.ndarray) -> dict[str, np.ndarray]:
        """The table with the rows of these documents scored as if each sentence said the
        names (alone: the same rows' table for the question without them; Unnamed): the
        sentence by the question without the names, its passage by the question without them
        and NAMED_PASSAGE of what the closer of the two adds; the passage's keyword score by
        the better of the two; the document, as asked.
        The hit's similarities, which decide whether to answer, are the better of the two."""
        mine = np.isin(table["document"], documents)
        better = {key: np.maximum(alone[key], table[key])
                  for key in ("dense", "passage", "keyword", "passage_keyword")}
        passage = alone["passage"] + NAMED_PASSAGE * (better["passage"] - alone["passage"])
        fused = self.fused(alone["dense"], passage, alone["keyword"],
                           better["passage_keyword"], table["named"])
        table["fused"] = np.where(mine, fused, table["fused"])
        for key, column in better.items():
            table[key] = np.where(mine, column, table[key])
        return table

    @staticmethod
    def hit(table: dict[str, np.ndarray], i: int) -> Hit:
        return Hit(int(table["sentence"][i]), int(table["document"][i]),
                   int(table["start"][i]), int(table["end"][i]),
                   int(table["passage_start"][i]), int(table["passage_end"][i]),
                   int(table["paragraph"][i]), float(table["fused"][i]),
                   float(table["dense"][i]), float(table["passage"][i]),
                   float(table["keyword"][i]))

    def lead_text(self, hit: Hit) -> str:
        """The sentence's first passage (or the sentence, if in none): what AskDocs.coverage
        reads."""
        part, d = self.locate(hit.document)
        row = hit.sentence - part.sentence_base
        lo, hi = part.segment.sentences[row, CHUNK_LO], part.segment.sentences[row, CHUNK_HI]
        text = part.segment.text_of(d)
        if lo <= hi:
            chunk = part.segment.chunks[lo]
            return text[chunk[START]:chunk[END]]
        return text[hit.start:hit.end]


def with_forms(query: list[str], idf: dict[str, float], forms: dict[str, float]
               ) -> tuple[list[str], dict[str, float]]:
    """The query and its IDF with its words' other forms (forms: their IDF; Searcher.forms)
    added at FORM_WEIGHT of theirs; a term the query has keeps its own weight."""
    other = {t: FORM_WEIGHT * w for t, w in forms.items() if t not in idf}
    return [*query, *other], {**other, **idf}


def top(rows: np.ndarray, scores: np.ndarray, n: int) -> np.ndarray:
    """The n rows with the highest scores."""
    if len(rows) <= n:
        return rows
    return rows[np.argpartition(-scores, n - 1)[:n]]


def chunk_sentences(segment, chunks: np.ndarray) -> np.ndarray:
    """The sentences of some chunks of a segment."""
    if not len(chunks):
        return np.zeros(0, dtype=np.int64)
    first = segment.chunks[chunks, FIRST].astype(np.int64)
    last = segment.chunks[chunks, LAST].astype(np.int64)
    return spread(first, last - first + 1)


def spread(first: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each range first[i] .. first[i] + counts[i] - 1, one after another."""
    return np.repeat(first, counts) + (np.arange(counts.sum()) - np.repeat(
        np.cumsum(counts) - counts, counts))

