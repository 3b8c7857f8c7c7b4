"""AskDocs: an index and a model loaded once, answering many questions. The one place that
wires the parts together: the store's segments, the searcher's hits, answer.py's rules.
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from functools import cached_property
from pathlib import Path

import numpy as np

from askdocs.answer import (
    ABOUT,
    ABOUT_MARGIN,
    ANSWER_THRESHOLD,
    CANDIDATES,
    JUDGED,
    NEAR_WORD,
    NEAREST,
    NO_ANSWER,
    NO_SUBJECT,
    RELATED_WORD,
    SENTENCE_WEIGHT,
    Answer,
    Quote,
    check_k,
    choose,
    clean_question,
    confidence,
    counted_first,
    dedupe,
    is_follow_up,
    names_nothing,
    number_first,
    plain_case,
    quote_of,
    search_query,
    sentence_around,
    threshold,
    window,
)
from askdocs.answerability import MODEL, NameFinder, calibrated, features, question_names
from askdocs.chunking import (
    NUMBER_END,
    PAGE_NUMBER,
    heading_above,
    is_table_line,
    is_table_row,
    line_key,
    page_headers,
    page_headings,
    row_label,
    running_lines,
)
from askdocs.documents import Document, report_of
from askdocs.embedding import (
    DEFAULT_MODEL,
    Embedder,
    can_query,
    query_embedder,
    resolve_model_path,
)
from askdocs.errors import IndexCorruptError, IndexMismatchError, InputError
from askdocs.glossary import expanded, found, is_judgement
from askdocs.instructions import (
    DOCUMENT_PART,
    change_lookup,
    common_reading,
    parts_and_lookups,
    without_instructions,
)
from askdocs.keywords import (
    asking_terms,
    document_names,
    joined_names,
    line_terms,
    near_share,
    one_letter_variants,
    spelled_out,
    weight_share,
)
from askdocs.lexicon import lexicon
from askdocs.numbers import Agreement, Quantity, agreement, asks_quantity, quantities
from askdocs.reranker import DEPTH as READ_DEPTH
from askdocs.reranker import close_call, reranked, span_reader
from askdocs.retrieval import DEPTH, Hit, Searcher, Unnamed, Weights
from askdocs.store import StoredIndex, load_stored, rebuild_hint
from askdocs.wordvectors import WordVectors, load_word_vectors, written_as

DEFAULT_WEIGHTS = Weights()
# a file its name calls a page of something: "page_13.txt", "REPORT_p13.txt", "pg-2.md"
PAGE_FILE = re.compile(r"(?:^|[/\\_\-\s.])(?:page|pg|p)[_\-\s]?\d+\.[A-Za-z]+$", re.IGNORECASE)
# added to the score of a table row whose label the question says in full (AskDocs.labelled;
# chosen on bench/filings.py's SEC-layout reports: 0.1, 0.2 and 0.3 measured)
ROW_SAID = 0.2
# words a row's label adds to the figure it names ("Selling, general and administrative
# expenses", "Research, development and related expenses"), as the index's tokenizer stems them;
# a label of two words more without them need not be said with them
ROW_WORDS = frozenset({"expens", "relat"})
HEADINGS_CACHED = 1024  # documents whose running lines and pages' headings are kept
# a word of a name the question writes ("Super Bowl-related": "Super", "Bowl", "related"), as
# AskDocs.unsaid reads names and AskDocs.unquoted compares them with what it found
NAME_WORD = re.compile(r"[^\W_]+")
# a word a question may have mistyped: lower case (a capitalised one may be a name no
# dictionary holds) and of five letters or more, as the keyword search's typo tolerance reads
TYPO_WORD = re.compile(r"(?<![\w'’-])[a-z]{5,}(?![\w'’-])")


def listed(words: list[str]) -> str:
    """Words quoted and listed as a sentence says them: “a”, “b” or “c”."""
    quoted = [f"“{w}”" for w in words]
    return f"{', '.join(quoted[:-1])} or {quoted[-1]}" if len(quoted) > 1 else quoted[0]


class AskDocs:
    """An index and a model, loaded once, answering many questions."""

    def __init__(self, stored: StoredIndex, embedder: Embedder, index_dir: Path | None = None,
                 weights: Weights = DEFAULT_WEIGHTS, depth: int | None = DEPTH,
                 rerank: bool = True):
        """weights: of the fused score; depth: candidates per signal (None: score every
        sentence, the slow reference); rerank: the span reader re-ranks close calls
        (reranker.py; False: the fused score's order, as before it)."""
        if not can_query(stored.manifest.model, embedder):
            raise IndexMismatchError(
                f"the index at {index_dir}/ was built with model "
                f"{stored.manifest.model.name!r} ({stored.manifest.model.identity}, "
                f"{stored.manifest.model.precision}), not {embedder.name!r} "
                f"({embedder.identity}, {embedder.precision}); rebuild it with "
                "`askdocs index --full`")
        self.manifest = stored.manifest
        self.stored = stored
        self.embedder = embedder
        self.index_dir = index_dir
        self.rerank = rerank
        if stored.remote is not None:
            from askdocs.milvus_search import MilvusSearcher

            remote = stored.remote
            self.searcher = MilvusSearcher(remote.index, remote.meta, remote.documents, weights,
                                           depth)
        else:
            self.searcher = Searcher(stored, weights, depth)
        self.threshold = threshold(len(self.searcher))
        self.lock = threading.Lock()  # the model and FAISS are shared between UI threads
        # document number -> its running lines, its pages' running headers and headings
        # (page_lines)
        self.headings: dict[int, tuple[frozenset[int], list, list]] = {}

    @classmethod
    def load(cls, index_dir: str | Path = "index", *, model: str | None = None,
             embedder: Embedder | None = None, weights: Weights = DEFAULT_WEIGHTS,
             depth: int | None = DEPTH, store: str | None = None,
             token: str | None = None, rerank: bool = True) -> AskDocs:
        """Load an index folder and its model.

        The model is the packaged default or the one given: the name an index records is
        checked, never used to load a model from wherever the index folder points. An index
        kept in Milvus is found through the store its folder records, or `store` (e.g.
        "milvus://host:19530", with `token`: a replica needs no index folder at all).
        """
        index_dir = Path(index_dir)
        stored = open_index(index_dir, store, token)
        if embedder is None:
            recorded = stored.manifest.model.name
            if model is None and recorded != DEFAULT_MODEL:
                raise IndexMismatchError(
                    f"the index at {index_dir}/ was built with model {recorded[:200]!r}; "
                    "name that model to load it (`--model`, or model= in Python)")
            embedder = query_embedder(model or DEFAULT_MODEL, stored.manifest.model)
        return cls(stored, embedder, index_dir, weights, depth, rerank)

    @property
    def documents(self) -> list[Document]:
        """Every indexed document with its text (read from the index on each call)."""
        return [self.document(doc_id) for doc_id in self.manifest.documents]

    def document(self, doc_id: str) -> Document:
        """One indexed document by id; KeyError if there is none."""
        return self.numbered(self.searcher.number_of(doc_id))

    def numbered(self, number: int) -> Document:
        try:
            return self.searcher.document(number)
        except (UnicodeDecodeError, ValueError) as error:
            raise IndexCorruptError(f"the index at {self.index_dir}/ is damaged ({error}); "
                                    f"{rebuild_hint(self.index_dir)}") from None

    def embed_question(self, text: str) -> np.ndarray:
        with self.lock:
            return self.embedder.embed([text])

    def search(self, question: str, k: int, vector: np.ndarray | None = None) -> list[Hit]:
        """The k best sentences for a (clean) question, searched with the other ways to say the
        figures it names (glossary.expanded: "capex" also finds "purchases of PP&E"), and in a
        document its names name, also without them (retrieval.Unnamed). vector: the expanded
        question's embedding, if already made (shape (1, d)). On a close call, the span reader
        re-ranks the first few (reread)."""
        searched = expanded(question)
        if vector is None:
            vector = self.embed_question(searched)
        with self.lock:
            named = document_names(searched, self.searcher.tokenize, self.searcher.named_by)
        unnamed = Unnamed(named[0], self.embed_question(named[0]), named[1]) if named else None
        with self.lock:  # the searcher's selectors and text cache are shared between threads
            hits = self.searcher.search(searched, vector, k=max(k, CANDIDATES), unnamed=unnamed)
            hits = self.labelled(question, hits)
        return self.reread(question, hits)[:k]

    def reread(self, question: str, hits: list[Hit]) -> list[Hit]:
        """The first reranker.DEPTH hits in the span reader's order where the two best are
        close (reranker.close_call), each position keeping its score. Not where the best is a
        table row: the reader learnt from prose, and a row the question names was put first by
        its label (labelled)."""
        first = hits[:READ_DEPTH]
        scores = [h.score for h in first]
        if not self.rerank or not close_call(scores) or self.is_row(first[0]):
            return hits
        with self.lock:  # the sentences' own text, as their quotes give it (quote_of)
            sentences = [self.numbered(h.document).text[h.start:h.end] for h in first]
        margins = span_reader().margins(question, sentences)
        if margins is None:
            return hits
        order = reranked(scores, margins)
        return [replace(first[i], score=s) for i, s in zip(order, scores)] + hits[READ_DEPTH:]

    def labelled(self, question: str, hits: list[Hit]) -> list[Hit]:
        """The hits reordered, a table row whose label's every word (but ROW_WORDS) the
        question says scoring ROW_SAID more: asked for "total assets", the row "Total assets"
        goes before "Total current assets", which the model's cosine put first, and before the
        cover page that names the company. The question's words count with the glossary's other
        names for its figures (expanded), but not those of a part of the document it names:
        "… in the income statement" asks for no "Net income" row. Called under self.lock."""
        terms = set(self.searcher.query_terms(expanded(DOCUMENT_PART.sub(" ", question))))
        scored = []
        for hit in hits:
            line = self.row_line(hit)
            label = set(self.searcher.tokenize(row_label(line))) if line else set()
            # "Operating expenses" is not said by "operating income": two words must be left
            rest = label - ROW_WORDS
            said = bool(label) and (label <= terms or (len(rest) >= 2 and rest <= terms))
            scored.append(replace(hit, score=hit.score + ROW_SAID) if said else hit)
        return sorted(scored, key=lambda h: (-h.score, h.sentence))

    def quote(self, run: list[Hit]) -> Quote:
        """The quote of a run of hits; a table row's with the heading above it on its page
        (which statement, which year each column is: Quote.heading)."""
        with self.lock:
            running, _, headings = self.page_lines(run[0].document)
            document = self.numbered(run[0].document)
            quote = quote_of(run, document, running)
            if self.row_line(run[0]) is None:
                return quote
            heading = heading_above(document.text, document.pages, headings, run[0].start)
        # not the lines a page filed as a file shares with its report's other pages (its
        # running header; the title says whose report it is) nor a page number
        lines = [line.strip() for line in heading.splitlines() if line.strip()
                 and line_key(line, 0, len(line)) not in document.shared
                 and not PAGE_NUMBER.fullmatch(line)]
        return replace(quote, heading="\n".join(lines) or None)

    def rank(self, question: str, k: int = 10) -> list[Quote]:
        """The k best single sentences, best first, with no abstention (for evaluation)."""
        question = clean_question(question)
        check_k(k)
        return [self.quote([h]) for h in self.search(without_instructions(question), k)]

    def ask(self, question: str, *, k: int = 5, previous: str | None = None) -> Answer:
        """Answer with up to k verbatim quotes, or say the documents don't answer.

        `previous` is the question asked before; a follow-up such as "and how many were
        wounded?" is searched together with it. What a question says about how to answer
        ("Answer in USD millions.") is left out of the search and the judging
        (instructions.without_instructions); the answer keeps the question as asked. A
        question that defines the figure it asks for as a computation of others is asked for
        each of them (instructions.asked_parts, ask_parts). It is read as `read` reads it:
        in lower case if in capitals throughout, mistyped words as the documents' words.
        """
        written = clean_question(question)
        check_k(k)
        question, fixes = self.read(written)
        answer = self.ask_read(question, k, previous and self.read(previous)[0])
        if fixes:
            answer = replace(answer, notes=(*answer.notes, *(
                f"Read “{typo}” as “{word}”" for typo, word in fixes)))
        return answer if question == written else replace(answer, question=written)

    def read(self, question: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        """A question as `ask` reads it (answer.plain_case, then respelled), with the
        corrections made."""
        return self.respelled(plain_case(question))

    def respelled(self, question: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        """The question with each mistyped word read as the one word it is a letter from: a
        word neither the documents nor WordNet know ("chidren"), whose one-letter variants that
        are WordNet words and said in the documents are all one word's forms ("children").
        Left as typed when none is, or several words are; a letter left out is the likeliest
        typo, then two swapped, then one changed, then one too many. With the corrections
        made, (typo, word) each."""
        lexical = lexicon()
        if lexical is None or not TYPO_WORD.search(question):
            return question, ()
        fixes: dict[str, str] = {}
        with self.lock:
            searcher = self.searcher

            def said(word: str) -> bool:
                terms = searcher.tokenize(word)
                return bool(terms) and all(map(searcher.knows, terms))

            for typo in dict.fromkeys(TYPO_WORD.findall(question)):
                if typo in NO_SUBJECT or lexical.bases(typo) or said(typo):
                    continue
                found = [w for w in one_letter_variants(typo) if lexical.bases(w) and said(w)]
                if found and len({tuple(searcher.tokenize(w)) for w in found}) == 1:
                    fixes[typo] = found[0]
        if not fixes:
            return question, ()
        return TYPO_WORD.sub(lambda m: fixes.get(m.group(0), m.group(0)), question), \
            tuple(fixes.items())

    def ask_read(self, question: str, k: int, previous: str | None) -> Answer:
        """`ask` for a clean question in the case it is read in."""
        parts = parts_and_lookups(question)
        # "… current ratio? Define current ratio as current assets divided by …"
        if parts and not (previous and is_follow_up(question)):
            return self.ask_parts(question, parts, k)
        answer = self.ask_whole(question, k=k, previous=previous)
        lookup = None if answer.answered or previous else change_lookup(question)
        if lookup:  # "Did Acme's revenue decline …?": its row shows it, saying neither word
            looked_up = self.ask_whole(lookup[0], k=k)
            if self.says_figure(looked_up, lookup[1]):
                return replace(looked_up, question=question, notes=(
                    f"The quotes give “{lookup[1]}”; askdocs does not judge how it moved",
                    *looked_up.notes))
        unquoted = self.unquoted(without_instructions(question), answer.quotes)
        return replace(answer, notes=(*answer.notes, *unquoted)) if unquoted else answer

    def ask_whole(self, question: str, *, k: int = 5, previous: str | None = None) -> Answer:
        """`ask` for the question as one (a clean one: answer.clean_question), not part by
        part."""
        asked = without_instructions(question)  # "… Answer in USD millions." asks no more
        query = search_query(asked, previous and without_instructions(previous))
        hits = self.search(query, CANDIDATES)
        unmentioned = self.unmentioned(asked)
        if not hits:
            return Answer(question, False, (), (NO_ANSWER, *unmentioned))
        rows, margins = self.judged(query, hits, JUDGED, asked=asked)
        chances = [MODEL.probability(row) for row in rows]
        sure = calibrated(max(chances))
        about = any(margin >= ABOUT_MARGIN for margin in margins)
        if not about or max(chances) < ANSWER_THRESHOLD:  # any judged sentence, as fitted
            nearest = tuple(self.quote([h]) for h in hits[:NEAREST])
            return Answer(question, False, (), (ABOUT if about else NO_ANSWER, *unmentioned),
                          nearest, sure)
        evidence = [h for h, p in zip(hits, chances) if p >= ANSWER_THRESHOLD]
        chosen = choose(hits, evidence, k, alone=self.is_row)
        quotes = number_first(asked, dedupe([self.quote(run) for run in chosen]))
        # what is counted: the follow-up's words, or the question before's if it names nothing
        # ("How many children died?" / "how many?")
        agreed = self.agreement(query if names_nothing(asked) else asked, quotes)
        if agreed:
            quotes = counted_first(quotes, agreed)
        return Answer(question, True, tuple(quotes),
                      (*unmentioned, agreed.note()) if agreed else unmentioned,
                      confidence=sure, agreement=agreed,
                      sources=len({self.source_of(q.source) for q in quotes}))

    def ask_parts(self, question: str, parts: list[tuple[str, str, str]], k: int) -> Answer:
        """A question asked for each figure its definition computes with (instructions.
        parts_and_lookups: each part, and the same figure asked by the words that name it,
        asked when the first is declined): answered if one part is, with each part's quotes in
        turn (first the first of each), k in all, so every figure's line is among them; declined
        parts say so. A part's answer none of whose quotes names its figure (says_figure) is
        no answer: its other words found it."""
        answers = []
        for part, lookup, figure in parts:
            answer = self.ask_whole(part, k=k)
            says = self.says_figure(answer, figure)
            if not says and lookup != part:
                looked_up = self.ask_whole(lookup, k=k)
                if looked_up.answered:
                    answer = replace(looked_up, question=part)
                    says = self.says_figure(answer, figure)
            if answer.answered and not says:
                answer = replace(answer, answered=False, quotes=(), notes=(NO_ANSWER,),
                                 nearest=answer.quotes[:NEAREST])
            answers.append(answer)
        whole = without_instructions(question)  # asked too when a page may state the ratio
        # no figure of the reading found ("How liquid is water at 50 °C?" of texts that are no
        # filing): the question as asked answers, or nothing does
        if not any(a.answered for (_, _, figure), a in zip(parts, answers) if figure):
            if not parts[-1][2] and answers[-1].answered:
                return replace(answers[-1], question=question)
            best = max(answers, key=lambda a: a.confidence)
            return replace(best, question=question)
        given = [a for a in answers if a.answered]
        common = common_reading(question)
        # a page that states the ratio or judgement itself ("Operating margin fell to 22.0% …,
        # driven by …") says what was asked better than the lines it is computed from
        if common and not parts[-1][2] and answers[-1].answered and self.states(
                answers[-1].quotes[0], common[0]):
            given.insert(0, given.pop())
        parts = [part for part, _, _ in parts]
        quotes: list[Quote] = []
        for rank in range(k):
            for answer in given:
                if rank < len(answer.quotes) and len(quotes) < k:
                    quotes.append(answer.quotes[rank])
        quotes = dedupe(quotes)
        notes = [note for a in answers for note in a.notes
                 if a.answered or not note.startswith(("The documents", "These passages"))]
        notes += [f"No quote clearly answers “{p}”" for p, a in zip(parts, answers)
                  if not a.answered and p != whole]
        if common:  # the reader should know which definition the lines were chosen by
            name, definition = common
            notes.insert(0, f"“{name}” is judged here by {definition}: the quotes give those "
                            "figures; askdocs does not judge" if is_judgement(name) else
                            f"“{name}” is read as {definition}, its common definition: the "
                            "quotes give those figures; askdocs does not compute it")
        return Answer(question, True, tuple(quotes), tuple(dict.fromkeys(notes)),
                      confidence=min(a.confidence for a in given),
                      sources=len({self.source_of(q.source) for q in quotes}))

    def says_figure(self, answer: Answer, figure: str) -> bool:
        """Whether an answer is one and a quote of it names the figure (any figure, for ""):
        half its words or more ("Long-term debt" for "total debt"), a name the glossary gives it
        counting ("Net sales" for "revenue")."""
        if not answer.answered or not figure:
            return answer.answered
        with self.lock:
            tokenize = self.searcher.tokenize
        words = set(tokenize(figure))
        return any(len(words & (set(tokenize(q.text)) | found(figure, q.text, tokenize)))
                   >= len(words) / 2 for q in answer.quotes)

    def states(self, quote: Quote, name: str) -> bool:
        """Whether a quote says every word of a name ("operating margin")."""
        with self.lock:
            tokenize = self.searcher.tokenize
        return set(tokenize(name)) <= set(tokenize(quote.text))

    def is_row(self, hit: Hit) -> bool:
        """Whether the hit's sentence is a table's row (chunking.is_table_row)."""
        with self.lock:
            return self.row_line(hit) is not None

    def row_line(self, hit: Hit) -> str | None:
        """The hit's sentence on one line if it is a table's row (chunking.is_table_row), else
        None: a row whose cells the text puts a line each, as pypdf extracts a table drawn cell
        by cell ("Net income\n9,708\n7,326"), reads as the row it is. A sentence whose last
        character ends no row is not joined (a question reads fifty). Called under self.lock."""
        raw = self.numbered(hit.document).text[hit.start:hit.end].rstrip()
        if not raw or raw[-1] not in NUMBER_END:
            return None
        line = " ".join(raw.split())
        return line if is_table_row(line) else None

    def source_of(self, doc_id: str) -> str:
        """The source a document is part of, for counting sources: the report, for a page of a
        report filed a file a page (one with running lines across its siblings,
        Document.shared, or a file its name calls a page: "HARBOR_2022_10K/page_13.txt"), else
        the document itself."""
        if PAGE_FILE.search(doc_id):
            return report_of(doc_id)
        try:
            with self.lock:
                shared = self.document(doc_id).shared
        except KeyError:  # not indexed (a quote made by hand)
            return doc_id
        return report_of(doc_id) if shared else doc_id

    def unsaid(self, question: str) -> list[str]:
        """The words of the question's names that no document says, not even as a near
        spelling ("Paris" in "How many children died in Paris?" of texts that never say it) or
        in a word WordNet relates to it, as judging reads names ("British": "UK")."""
        lexical = lexicon()
        with self.lock:
            searcher = self.searcher
            tokenize = searcher.tokenize

            def known(token: str) -> bool:
                return searcher.knows(token) or token in searcher.named_by

            # words a document's path writes run together ("HARBORLIGHTS_2018_10K.pdf")
            joined = {word for token, words in joined_names(question, tokenize)
                      if token in searcher.named_by for word in words.split()}

            def said(word: str) -> bool:
                if word in joined or all(known(t) or searcher.vocabulary.expand([t]) != [t]
                                         for t in tokenize(word)):
                    return True
                related = lexical.kin(word.lower()) - {word.lower()} if lexical else ()
                return any(tokenize(kin) and all(map(known, tokenize(kin))) for kin in related)

            missing = [word for name in question_names(question)
                       for word in NAME_WORD.findall(name) if not said(word)]
        return list(dict.fromkeys(missing))

    def unmentioned(self, question: str) -> tuple[str, ...]:
        """A note naming the question's names that no document says (unsaid): the quotes may
        still be close, but the reader should know. Empty when every name is found."""
        missing = self.unsaid(question)
        return (f"No document mentions {listed(missing)}.",) if missing else ()

    def unquoted(self, question: str, quotes: tuple[Quote, ...]) -> tuple[str, ...]:
        """A note naming the question's names that the documents say but the first quote does
        not, not even a word of one, in its passage or what names its document, and which quotes
        do: asked "How many children died in Kharkiv?", a first quote about Kryvyi Rih may not
        be about what was asked, and the reader should look. A name no document says is the
        other note's (unmentioned)."""
        names = [name for name in question_names(question) if len(name) > 1]  # no initial: "A."
        if not quotes or not names:
            return ()
        said = self.quote_says(quotes[0], question, names)
        missing = [name for name in names if name not in said]
        if missing:
            unsaid = set(self.unsaid(question))
            missing = [name for name in missing
                       if not set(NAME_WORD.findall(name)) <= unsaid]
        saying = [i for i, quote in enumerate(quotes[1:], 2)
                  if missing and self.quote_says(quote, question, missing)]
        if not missing:
            return ()
        which = ("no other quote does" if not saying else f"quote {saying[0]} does"
                 if len(saying) == 1 else
                 f"quotes {', '.join(map(str, saying[:-1]))} and {saying[-1]} do")
        return (f"The first quote does not mention {listed(missing)}; {which}.",)

    def quote_says(self, quote: Quote, question: str, names: list[str]) -> list[str]:
        """The names a quote says, a word of each at least (NameFinder.part): in its text, its
        passage, its page's heading or what names its document (`named`)."""
        with self.lock:
            try:
                named = self.named(self.searcher.number_of(quote.source), question)
            except KeyError:  # not indexed (a quote made by hand)
                named = quote.title
            finder = NameFinder(f"{quote.text}\n{quote.context}\n{quote.heading or ''}\n{named}",
                                self.searcher.tokenize, lexicon())
            return [name for name in names if finder.part(name)]

    def judged(self, query: str, hits: list[Hit], depth: int,
               asked: str | None = None) -> tuple[list[list[float]], list[float]]:
        """For the first `depth` hits: the answerability features (answerability.FEATURES),
        what the model that decides whether to answer reads (answerability.py), and the first
        step's margins (is anything about the question?): each hit's confidence over the
        collection's threshold, a question word the passage says in other words counting in
        part. The model's own margin counts exact words only: a near miss's swapped word is
        often close to the passage's. asked: the question itself when the query is a follow-up
        searched with the one before."""
        with self.lock:
            terms, idf, said = self.answer_terms(query)
            rows, margins = [], []
            for hit in hits[:depth]:
                text = self.numbered(hit.document).text
                exact, near = self.coverage(idf, hit, said, query)
                rows.append(features(
                    query, terms, idf, text[hit.start:hit.end],
                    text[hit.passage_start:hit.passage_end], self.searcher.tokenize,
                    confidence(hit, exact) - self.threshold,
                    f"{self.named(hit.document, query)}\n{self.heading(hit)}", asked, said))
                margins.append(confidence(hit, near) - self.threshold)
            return rows, margins

    def named(self, document: int, question: str) -> str:
        """What names a document (keywords.identity_text), with the question's names that its
        path writes joined (keywords.spelled_out: "Harbor Lights" for
        "HARBORLIGHTS_2018_10K/page_13.txt"). Called under self.lock."""
        return spelled_out(self.searcher.identity(document), question, self.searcher.tokenize)

    def answer_terms(self, query: str) -> tuple[list[str], dict[str, float], dict[str, str]]:
        """The query's terms that decide whether to answer (its search terms but the verbs a
        question asks with, keywords.asking_terms), their IDF, and the word the query writes each as
        (wordvectors.written_as), for `coverage` and the features. Called under self.lock."""
        asking = asking_terms(query, self.searcher.tokenize)
        terms = [t for t in self.searcher.query_terms(query) if t not in asking]
        return terms, self.searcher.vocabulary.idf(terms), written_as(query, self.searcher.tokenize)

    def coverage(self, idf: dict[str, float], hit: Hit, said: dict[str, str],
                 query: str = "") -> tuple[float, float]:
        """The share of the query terms' weight (idf) that the hit's first passage holds: with
        exact words, and with near words, where a term it lacks counts in part: as much as the
        closest passage word by the word vectors (said: wordvectors.written_as; NEAR_WORD), or
        RELATED_WORD if the passage holds a word WordNet relates to the question's word for it
        (lexicon.kin: "wounded" for "hurt"), whichever is more. The page's heading and what names
        the hit's document (`named`: its file name, title, running headers) count as the
        passage's: asked "What is the total number of employees of Harbor Lights?", the page
        of HARBORLIGHTS_2022_10K that says "the Company employed approximately 90,000 people"
        is about it, though it never writes the name. Called under self.lock."""
        heading, text = self.heading(hit), self.searcher.lead_text(hit)
        lead = f"{heading}\n{text}"
        # a figure the passage names in its own words counts as said (glossary.found)
        tokens = line_terms(self.searcher.tokenize, [self.named(hit.document, query), heading,
                                                     text]) | \
            found(query, lead, self.searcher.tokenize)
        exact = weight_share(idf, tokens)
        missing = [t for t in idf if t not in tokens and t in said]
        if not missing:
            return exact, exact
        close = dict.fromkeys(missing, 0.0)
        vectors, words = self.word_vectors, lexicon()
        if vectors is not None:
            close.update(zip(missing, vectors.closeness([said[t] for t in missing], lead)))
        if words is not None:
            bases = words.text_bases(lead)
            close.update((t, max(close[t], RELATED_WORD)) for t in missing
                         if words.kin(said[t]) & bases)
        return exact, near_share(idf, tokens, lambda t: close[t]
                                 if close.get(t, 0.0) >= NEAR_WORD else 0.0)

    def heading(self, hit: Hit) -> str:
        """The heading of the hit's page when the hit is below it (chunking.page_headings):
        which statement a table row is in, and which year each column is; in a paged document,
        after the page's running header (chunking.page_headers), whose company and year a
        table row does not say either, as its chunk is indexed (chunking.chunk_texts). Called
        under self.lock."""
        document = self.numbered(hit.document)
        _, *found = self.page_lines(hit.document)
        return "\n".join(filter(None, (heading_above(document.text, document.pages, spans,
                                                     hit.start) for spans in found)))

    def page_lines(self, number: int) -> tuple[frozenset[int], list, list]:
        """A document's running lines (chunking.running_lines), and its pages' running headers
        and headings (page_headers, page_headings), read once per document. Called under
        self.lock."""
        found = self.headings.get(number)
        if found is None:
            if len(self.headings) >= HEADINGS_CACHED:
                self.headings.clear()
            document = self.numbered(number)
            running = running_lines(document.text, document.pages)
            found = self.headings[number] = (
                running, page_headers(document.text, document.pages, running),
                page_headings(document.text, document.pages, running))
        return found

    @cached_property
    def word_vectors(self) -> WordVectors | None:
        """The packaged model's word vectors, for an index built with it (NEAR_WORD was chosen
        with them); None for another model: exact words only. Loaded on first use."""
        if self.manifest.model.name != DEFAULT_MODEL:
            return None
        return load_word_vectors(resolve_model_path(DEFAULT_MODEL))

    def agreement(self, question: str, quotes: list[Quote]) -> Agreement | None:
        """Whether the sources agree on the number asked for (None: not asked, or one source)."""
        if not asks_quantity(question):
            return None
        by_source: dict[str, list[Quote]] = {}  # a report's quotes, not each page's
        for quote in quotes:
            by_source.setdefault(self.source_of(quote.source), []).append(quote)
        if len(by_source) < 2:
            return None
        found = []
        for own in by_source.values():  # each source's first quote that counts what is asked
            for quote in own:
                best = self.best_quantity(question, quote)
                if best and self.says_what_is_counted(question, quote.text, best):
                    found.append((quote.source, best))
                    break
        return agreement(found)

    def says_what_is_counted(self, question: str, text: str, quantity: Quantity) -> bool:
        """Whether the quantity's sentence says any of the question's words (or their kin): "At
        least 50 people were wounded" is no count of "how many … were among the dead", and
        comparing it would tell the reader that the sources differ."""
        start, end = sentence_around(text, quantity)
        with self.lock:
            return self.said_share(question, text[start:end]) > 0

    def best_quantity(self, question: str, quote: Quote) -> Quantity | None:
        """The quantity in a quote that the question asks about, judged by the model; not one of
        a table's (chunking.is_table_line): a row gives a number a column, and the one asked
        for is the column's year, not the words around it; nor one the question says ("How many
        of the 50 wounded were children?"), unless the quote gives no other."""
        found = [q for q in quantities(quote.text) if not is_table_line(quote.text, q.start)]
        said = {q.value for q in quantities(question)}
        found = [q for q in found if q.value not in said] or found
        if len(found) <= 1:
            return found[0] if found else None
        sentences = [sentence_around(quote.text, q) for q in found]
        windows = [window(quote.text, q, bounds) for q, bounds in zip(found, sentences)]
        with self.lock:
            vectors = self.embedder.embed([question] + windows)
            asked = set(self.searcher.tokenize(question))
            scores = vectors[1:] @ vectors[0]
            for i, q in enumerate(found):
                if asked & set(self.searcher.tokenize(q.phrase)):  # the noun right after it
                    scores[i] += 0.2
                start, end = sentences[i]
                scores[i] += SENTENCE_WEIGHT * self.said_share(question, quote.text[start:end])
        return found[int(np.argmax(scores))]

    def said_share(self, question: str, text: str) -> float:
        """The share of the question's words (stop words and the verbs it asks with left out)
        that a text says, or says otherwise by WordNet ("killed" for "died"). Called under
        self.lock."""
        tokenize, kin = self.searcher.tokenize, lexicon()
        asking = asking_terms(question, tokenize)
        words = [w for w in re.findall(r"[\w'’-]+", question)
                 if set(tokenize(w)) - asking]
        if not words:  # "how many?": nothing to say
            return 1.0
        said = set(tokenize(text))
        bases = kin.text_bases(text) if kin is not None else set()
        return sum(bool(set(tokenize(w)) & said) or (kin is not None and bool(kin.kin(w) & bases))
                   for w in words) / len(words)


def open_index(index_dir: Path, store: str | None, token: str | None) -> StoredIndex:
    """The index in a folder, or in the Milvus store the folder records or the caller names."""
    from askdocs.stores.milvus_store import chosen_target

    target = chosen_target(store, index_dir, "") if store is not None else None
    if target is None:  # the folder's own index, or the store it records
        stored = load_stored(index_dir)
        target = chosen_target(store, index_dir, stored.manifest.store)
        if target is None:
            if stored.manifest.store:  # `--store faiss` would find no rows here
                raise InputError(f"the index at {index_dir}/ is kept in Milvus "
                                 f"({stored.manifest.store}), not in FAISS files; leave out "
                                 "--store faiss")
            return stored
    from askdocs.milvus_search import open_milvus

    return open_milvus(target, token)


_engines: dict[tuple, AskDocs] = {}
_cache_lock = threading.Lock()


def load(index_dir: str | Path = "index", *, model: str | None = None,
         store: str | None = None, token: str | None = None) -> AskDocs:
    """Load an index for many questions: `askdocs.load("index").ask("...")`; `store` and
    `token` name an index kept in Milvus (see AskDocs.load)."""
    return AskDocs.load(index_dir, model=model, store=store, token=token)


def ask(question: str, index_dir: str | Path = "index", *, k: int = 5,
        previous: str | None = None, model: str | None = None, store: str | None = None,
        token: str | None = None) -> Answer:
    """Answer a question from the index at index_dir (loaded once per process and generation);
    previous: the question before it, for a follow-up ("When?"), as AskDocs.ask reads it."""
    from askdocs.store import read_manifest

    clean_question(question)
    check_k(k)
    path = Path(index_dir).resolve()
    generation = read_manifest(path).generation if store is None else None
    key = (str(path), generation, model, store)
    with _cache_lock:
        engine = _engines.get(key)
    if engine is None:
        engine = AskDocs.load(path, model=model, store=store, token=token)
        with _cache_lock:
            _engines.clear()
            _engines[key] = engine
    return engine.ask(question, k=k, previous=previous)

