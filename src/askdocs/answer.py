"""Answering: choosing quotes from the ranked sentences, abstaining, and noting (dis)agreement.

Every quote and context is `document.text[start:end]` of the indexed document, never rewritten.
"""

from __future__ import annotations

import math
import numbers
import re
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from askdocs.embedding import DEFAULT_MODEL, Embedder, cached_embedder, same_model
from askdocs.errors import IndexMismatchError, InputError
from askdocs.numbers import Quantity, agreement_note, asks_quantity, quantities
from askdocs.readers import format_for
from askdocs.retrieval import Hit, Searcher
from askdocs.store import StoredIndex, load_stored

MAX_QUESTION_CHARS = 2000
CANDIDATES = 50
PER_SOURCE = 3
SOURCE_RATIO = 0.75  # another document is quoted if its best sentence has this share of the top
EXTRA_RATIO = 0.92  # a further sentence from a quoted document needs this share of the top

# Abstention: a sentence is evidence when its confidence (dense sentence, dense passage and
# keyword coverage, weighted) reaches a threshold that grows with log(number of sentences): the
# more sentences, the closer the best one comes to any question by chance. Fitted by
# bench/calibrate_abstention.py through two collections: 40 SQuAD articles (tuning half) and the
# seed articles with the development questions in bench/seed_dev_questions.jsonl. README,
# "Abstention", has the rates measured on the reporting half and at sizes in between.
CONFIDENCE_WEIGHTS = (0.5, 0.25, 0.4)
THRESHOLD_INTERCEPT = 0.219
THRESHOLD_SLOPE = 0.0415
NEAREST = 3  # closest sentences offered, labelled as not an answer, when abstaining
EVIDENCE_DEPTH = 10  # only the 10 best sentences can count as evidence (as calibrated)

FOLLOW_UP = re.compile(r"^\s*(?:and|but|also|so|then|what about|how about)\b", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Quote:
    """A verbatim span of a document, the passage around it, and where it comes from."""

    source: str
    text: str
    start: int
    end: int
    score: float
    context: str
    context_start: int
    context_end: int
    title: str
    date: str | None
    page: int | None = None  # 1-based page of the quote's start in a paged document (PDF)
    paragraph: int = 0  # 1-based paragraph in the document (a Word file's location); not in JSON

    def location(self) -> tuple[str, int] | None:
        """Where the quote is, for people: ("page", n) in a paged document, ("paragraph", n) in
        a format whose lines are paragraphs (Word, HTML), else None."""
        if self.page is not None:
            return "page", self.page
        fmt = format_for(self.source)
        return ("paragraph", self.paragraph) if fmt and fmt.lines_are_paragraphs else None

    def to_dict(self) -> dict:
        """The quote's part of the JSON contract."""
        return {key: value for key, value in asdict(self).items() if key != "paragraph"}


@dataclass(frozen=True)
class Answer:
    """The quotes that answer a question (none when `answered` is false) and notes on them."""

    question: str
    answered: bool
    quotes: tuple[Quote, ...]
    notes: tuple[str, ...]
    # When not answered: the closest sentences, for the CLI and app to show labelled as "not an
    # answer". Not part of the JSON contract, whose keys are fixed.
    nearest: tuple[Quote, ...] = ()

    def to_dict(self) -> dict:
        """The JSON contract of `askdocs ask --json` and the app's /ask endpoint."""
        return {"question": self.question, "answered": self.answered,
                "quotes": [q.to_dict() for q in self.quotes], "notes": list(self.notes)}


def clean_question(question: str) -> str:
    """The question trimmed and without control characters; raises InputError if unusable."""
    if not isinstance(question, str):
        raise InputError("the question must be text")
    if not question.isascii():
        try:
            question.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: undecodable bytes from argv or a client
            raise InputError("the question is not valid text (it holds undecodable bytes); "
                             "type it again in UTF-8") from None
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is {len(question):,} characters long; "
                         f"the limit is {MAX_QUESTION_CHARS:,}")
    question = CONTROL.sub(" ", question).strip()
    if not question:
        raise InputError("the question is empty")
    return question


def check_k(k: object) -> None:
    """k, the number of quotes asked for, must be a whole number of at least 1."""
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise InputError(f"k must be a whole number, not {str(k)[:40]!r}")
    if k < 1:
        raise InputError("k must be at least 1")


def is_follow_up(question: str) -> bool:
    """'and how many were wounded?' leans on the question before it."""
    return bool(FOLLOW_UP.match(question))


def search_query(question: str, previous: str | None = None) -> str:
    """What is searched for: a follow-up together with the question before it."""
    question = clean_question(question)
    if previous and is_follow_up(question):
        return f"{clean_question(previous)} {question}"
    return question


class AskDocs:
    """An index and a model, loaded once, answering many questions."""

    def __init__(self, stored: StoredIndex, embedder: Embedder, index_dir: Path | None = None):
        if not same_model(stored.manifest.model, embedder):
            raise IndexMismatchError(
                f"the index at {index_dir}/ was built with model "
                f"{stored.manifest.model.name!r} ({stored.manifest.model.identity}), not "
                f"{embedder.name!r} ({embedder.identity}); rebuild it with "
                "`askdocs index --full`")
        self.manifest = stored.manifest
        self.records = stored.records
        self.documents = [r.document for r in stored.records]
        self.embedder = embedder
        self.index_dir = index_dir
        self.searcher = Searcher(stored.records, embedder.dimension)
        self.threshold = THRESHOLD_INTERCEPT + THRESHOLD_SLOPE * math.log(
            max(len(self.searcher), 1))
        self.lock = threading.Lock()  # the model and FAISS are shared between UI threads
        self.chunk_base = np.cumsum([0] + [len(r.chunks) for r in self.records]).tolist()

    @classmethod
    def load(cls, index_dir: str | Path = "index", *, model: str | None = None,
             embedder: Embedder | None = None) -> AskDocs:
        """Load an index folder and its model.

        The model is the packaged default or the one given: the name an index records is
        checked, never used to load a model from wherever the index folder points.
        """
        index_dir = Path(index_dir)
        stored = load_stored(index_dir)
        if embedder is None:
            recorded = stored.manifest.model.name
            if model is None and recorded != DEFAULT_MODEL:
                raise IndexMismatchError(
                    f"the index at {index_dir}/ was built with model {recorded[:200]!r}; "
                    "name that model to load it (`--model`, or model= in Python)")
            embedder = cached_embedder(model or DEFAULT_MODEL)
        return cls(stored, embedder, index_dir)

    def embed_question(self, text: str) -> np.ndarray:
        with self.lock:
            return self.embedder.embed([text])

    def rank(self, question: str, k: int = 10) -> list[Quote]:
        """The k best single sentences, best first, with no abstention (for evaluation)."""
        question = clean_question(question)
        check_k(k)
        hits = self.searcher.search(question, self.embed_question(question), k=k)
        return [self.quote(h.sentence, h.sentence, h.score) for h in hits]

    def ask(self, question: str, *, k: int = 5, previous: str | None = None) -> Answer:
        """Answer with up to k verbatim quotes, or say the documents don't answer.

        `previous` is the question asked before; a follow-up such as "and how many were
        wounded?" is searched together with it.
        """
        question = clean_question(question)
        check_k(k)
        query = search_query(question, previous)
        hits = self.searcher.search(query, self.embed_question(query), k=CANDIDATES)
        terms = self.searcher.query_terms(query)
        evidence = [h for h in hits[:EVIDENCE_DEPTH]
                    if self.confidence(terms, h) >= self.threshold]
        if not evidence:
            nearest = tuple(self.quote(h.sentence, h.sentence, h.score) for h in hits[:NEAREST])
            return Answer(question, False, (), ("The documents don't answer this.",), nearest)
        quotes = self.choose(hits, evidence, k)
        return Answer(question, True, tuple(quotes), tuple(self.notes(question, quotes)))

    def confidence(self, terms: list[str], hit: Hit) -> float:
        """How sure we are that a sentence answers: similarity plus rare-word coverage."""
        a, b, c = CONFIDENCE_WEIGHTS
        return a * hit.dense + b * hit.passage + c * self.searcher.coverage(terms, hit.sentence)

    def choose(self, hits: list[Hit], evidence: list[Hit], k: int) -> list[Quote]:
        """The best sentence, the best of every other document close to it, then more of the
        same documents; adjacent sentences merged, near-duplicates dropped."""
        top = hits[0].score
        doc = self.searcher.doc
        confident = {h.sentence for h in evidence}
        chosen: list[Hit] = [hits[0]] if hits[0].sentence in confident else [evidence[0]]
        per_doc = {int(doc[chosen[0].sentence]): 1}
        for hit in hits:  # the best sentence of each other document that answers
            d = int(doc[hit.sentence])
            if d not in per_doc and hit.sentence in confident and hit.score >= SOURCE_RATIO * top:
                chosen.append(hit)
                per_doc[d] = 1
        for hit in hits:  # further sentences, nearly as good
            d = int(doc[hit.sentence])
            if len(chosen) >= k:
                break
            if (hit not in chosen and d in per_doc and per_doc[d] < PER_SOURCE
                    and hit.score >= EXTRA_RATIO * top):
                chosen.append(hit)
                per_doc[d] += 1
        return dedupe(self.merge_adjacent(chosen[:k]))

    def merge_adjacent(self, hits: list[Hit]) -> list[Quote]:
        """Neighbouring sentences of one document become one quote."""
        runs: list[list[Hit]] = []
        for hit in sorted(hits, key=lambda h: h.sentence):
            if runs and hit.sentence == runs[-1][-1].sentence + 1 and \
                    self.searcher.doc[hit.sentence] == self.searcher.doc[runs[-1][-1].sentence]:
                runs[-1].append(hit)
            else:
                runs.append([hit])
        quotes = [self.quote(r[0].sentence, r[-1].sentence, max(h.score for h in r)) for r in runs]
        return sorted(quotes, key=lambda q: -q.score)

    def quote(self, first: int, last: int, score: float) -> Quote:
        """The quote for sentences first..last (rows of the searcher) with its passage."""
        s = self.searcher
        record = self.records[int(s.doc[first])]
        text = record.document.text
        start, end = int(s.start[first]), int(s.end[last])
        context_start, context_end = self.context_span(first, start, end)
        return Quote(source=record.document.id, text=text[start:end], start=start, end=end,
                     score=round(float(score), 4), context=text[context_start:context_end],
                     context_start=context_start, context_end=context_end,
                     title=record.document.title, date=record.document.date,
                     page=record.document.page_of(start), paragraph=int(s.paragraph[first]))

    def context_span(self, sentence: int, start: int, end: int) -> tuple[int, int]:
        """The passage around a quote: the chunk holding it where it sits most centrally."""
        s = self.searcher
        chunks = s.pair_chunk[s.pair_sentence == sentence]
        d = int(s.doc[sentence])
        base = self.chunk_base[d]
        best = None
        for c in chunks:
            chunk = self.records[d].chunks[int(c) - base]
            margin = min(start - chunk.start, chunk.end - end)
            if best is None or margin > best[0]:
                best = (margin, chunk)
        if best is None:
            return start, end
        return min(best[1].start, start), max(best[1].end, end)

    def notes(self, question: str, quotes: list[Quote]) -> list[str]:
        """Whether the sources agree on the number asked for."""
        if not asks_quantity(question) or len({q.source for q in quotes}) < 2:
            return []
        found = []
        for source in dict.fromkeys(q.source for q in quotes):
            best = self.best_quantity(question, [q for q in quotes if q.source == source][0])
            if best:
                found.append((source, best))
        note = agreement_note(found)
        return [note] if note else []

    def best_quantity(self, question: str, quote: Quote) -> Quantity | None:
        """The quantity in a quote that the question asks about, judged by the model."""
        found = quantities(quote.text)
        if len(found) <= 1:
            return found[0] if found else None
        windows = [window(quote.text, q) for q in found]
        with self.lock:
            vectors = self.embedder.embed([question] + windows)
        scores = vectors[1:] @ vectors[0]
        asked = set(self.searcher.tokenize(question))
        for i, q in enumerate(found):  # the noun right after the number, if the question names it
            if asked & set(self.searcher.tokenize(q.phrase)):
                scores[i] += 0.2
        return found[int(np.argmax(scores))]


def dedupe(quotes: list[Quote]) -> list[Quote]:
    """Drop a quote whose words nearly all repeat a better quote's."""
    kept: list[Quote] = []
    for quote in quotes:
        words = set(re.findall(r"\w+", quote.text.lower()))
        if all(jaccard(words, set(re.findall(r"\w+", k.text.lower()))) < 0.85 for k in kept):
            kept.append(quote)
    return kept


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def window(text: str, quantity: Quantity, words: int = 3) -> str:
    """The quantity's phrase with a few words either side."""
    before = text[:quantity.start].split()[-words:]
    after = text[quantity.end:].split()[:words]
    return " ".join(before + [quantity.phrase] + after)


_engines: dict[tuple, AskDocs] = {}
_cache_lock = threading.Lock()


def load(index_dir: str | Path = "index", *, model: str | None = None) -> AskDocs:
    """Load an index for many questions: `askdocs.load("index").ask("...")`."""
    return AskDocs.load(index_dir, model=model)


def ask(question: str, index_dir: str | Path = "index", *, k: int = 5,
        model: str | None = None) -> Answer:
    """Answer a question from the index at index_dir (loaded once per process and generation)."""
    from askdocs.store import read_manifest

    clean_question(question)
    check_k(k)
    path = Path(index_dir).resolve()
    generation = read_manifest(path).generation
    key = (str(path), generation, model)
    with _cache_lock:
        engine = _engines.get(key)
    if engine is None:
        engine = AskDocs.load(path, model=model)
        with _cache_lock:
            _engines.clear()
            _engines[key] = engine
    return engine.ask(question, k=k)
