"""Keyword search: the tokenizer, and BM25 indexes saved in bm25s's format and scored over the
postings of the query's terms only (never an array over the whole collection per term).

A segment's BM25 index carries its own IDF. Searching several segments, each term's scores are
rescaled from the segment's IDF to the collection's (summed document frequencies, as Lucene
does), so a one-document segment scores like the rest of the index.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import numpy as np

from askdocs.chunking import DIGITS, MINOR_WORDS, TITLE_WORD, line_spans, running_lines
from askdocs.documents import LETTER, Document

WORD = re.compile(r"\w+")
NON_ASCII = re.compile(r"[^\x00-\x7f]")
# "inter-national", also split at a line end as text from a PDF is: also indexed joined up
HYPHENATED = re.compile(r"[^\W\d_]+(?:-[ \t]*(?:\r\n|\r|\n)?[ \t]*[^\W\d_]+)+")
ANAPHOR = re.compile(r"[\"“‘']?(?:such|this|these|that|those|it|its|they|their|he|his|she|her|"
                     r"the same|both|there)\b", re.IGNORECASE)


RECENT_TEXTS = 4096
# a paged document's cover, read for its names (title_page_names): its first lines, each short
TITLE_PAGE_LINES = 40
TITLE_LINE_WORDS = 6
# a run of capitalised words in a question ("Harbor Lights", "American Express")
NOT_A_YEAR = re.compile(r"(?<!\d)(?!(?:19|20)\d\d(?!\d))\d+")
CAPITALISED_RUN = re.compile(r"[A-Z][^\W_]*(?:[ \t]+[A-Z][^\W_]*)+")
JOINED_WORDS = 3  # a name is looked for joined up to this many words at a time
# a name a question gives, after its first word: a run of capitalised words ("Harbor Lights",
# "AMD") or a name that starts with digits ("3M"), with its possessive; not a term with digits
# after letters ("FY2022", "Q2"), which is a year or a period
QUESTION_NAME = re.compile(r"(?<![\w'’])((?:[A-Z][^\W\d_]*|\d+[A-Za-z][^\W\d_]*)"
                           r"(?:[ \t]+[A-Z][^\W\d_]*)*)(?!\w)(?:['’]s?(?!\w))?")
# Stems of verbs a question asks with, not about: "what happened in Kherson?" asks about Kherson,
# and the sentences that answer it say what happened ("a drone attack at a thermal power
# plant"), rarely that it "happened". Left out of the terms whose coverage decides whether to
# answer (engine.judged), not of the search's: there they would raise the share of the question
# a document's title holds (Searcher.document_match), which put one seed article's sentences
# all above the other's for "When did the attack happen?" and lost the one that says when.
ASKING = frozenset({"happen", "occur"})
# The same said in two words, when the question asks what: "what took place in Kherson?" asks
# what happened there. Not in "when/where did the attack take place?", which asks about the
# attack: dropped there too, held-out near-miss false answers rose from 67.9% to 68.3%
# (bench/fit_answerability.py); dropped after "what" only, they stayed at 67.9%.
ASKING_PHRASE = re.compile(r"^\W*what\s+(?:\w+\s+)?((?:take|takes|took|taken|taking)\s+place)\b",
                           re.IGNORECASE)


def asking_terms(question: str, tokenize) -> frozenset[str]:
    """The terms a question asks with (ASKING, ASKING_PHRASE), not about."""
    match = ASKING_PHRASE.search(question)
    return ASKING | frozenset(tokenize(match.group(1))) if match else ASKING


# English stop words: the list bm25s (MIT licence) ships as STOPWORDS_EN_PLUS, copied so that
# asking a question needs no import of bm25s and SciPy (a third of a second of a cold `askdocs
# ask`); tests/test_index.py checks that it is still bm25s's list
STOP_WORDS = frozenset(
    "a about above after again against ain all am an and any are aren aren't as at be because "
    "been before being below between both but by can couldn couldn't d did didn didn't do "
    "does doesn doesn't doing don don't down during each few for from further had hadn hadn't "
    "has hasn hasn't have haven haven't having he her here hers herself him himself his how i "
    "if in into is isn isn't it it's its itself just ll m ma me mightn mightn't more most "
    "mustn mustn't my myself needn needn't no nor not now o of off on once only or other our "
    "ours ourselves out over own re s same shan shan't she she's should should've shouldn "
    "shouldn't so some such t than that that'll the their theirs them themselves then there "
    "these they this those through to too under until up ve very was wasn wasn't we were "
    "weren weren't what when where which while who whom why will with won won't wouldn "
    "wouldn't y you you'd you'll you're you've your yours yourself yourselves"
    .split())


def folded(text: str) -> str:
    """Lower-cased, accents dropped and compatibility forms made plain (NFKD): a question
    types "Celeron" or "Zurich" for the text's "Céloron" or "Zürich", and a PDF's ligature
    "ﬁ" is "fi"."""
    if text.isascii():  # nothing to drop: most text, and a passage is folded per question
        return text.lower()
    # lower-cased after NFKD, which makes capitals of letters that have no lower case ("𝐏",
    # a PDF's mathematical bold, is "P")
    text = unicodedata.normalize("NFKD", text).lower()
    marks = {ord(c): None for c in set(NON_ASCII.findall(text)) if unicodedata.combining(c)}
    return text.translate(marks) if marks else text


class Tokenizer:
    """Lower-cased words with their accents dropped (folded), English stop words removed,
    Snowball-stemmed."""

    def __init__(self):
        import Stemmer

        self.stemmer = Stemmer.Stemmer("english")
        # "many"/"much" carry no topic: "how many children died?" is about children
        self.stopwords = STOP_WORDS | {"many", "much"}
        self.cache: dict[str, str] = {}
        # the last texts' terms: a question reads each candidate passage several times (its
        # coverage, the answerability features), and the next question often the same ones
        self.recent: dict[str, tuple[str, ...]] = {}

    def __call__(self, text: str) -> list[str]:
        found = self.recent.get(text)
        if found is not None:
            return list(found)
        lowered = folded(text)
        words = [w for w in WORD.findall(lowered) if w not in self.stopwords]
        if "-" in lowered:
            words += ["".join(WORD.findall(h)) for h in HYPHENATED.findall(lowered)]
        missing = [w for w in set(words) if w not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.stemmer.stemWords(missing)))
        terms = [self.cache[w] for w in words]
        if len(self.recent) >= RECENT_TEXTS:
            self.recent.clear()
        self.recent[text] = tuple(terms)
        return terms


def line_terms(tokenize: Tokenizer, texts: list[str]) -> set[str]:
    """The terms of texts joined a line each ("\n".join(texts)), as a set: the union of each
    text's own, which the tokenizer keeps for texts read again, unless a text but the last ends
    in what folds to a hyphen, which the join could carry onto the next line's word
    (HYPHENATED), and the joined text is read whole."""
    if any(folded(text.rstrip()[-1:]).endswith("-") for text in texts[:-1]):
        return set(tokenize("\n".join(texts)))
    return set().union(*map(tokenize, texts))


def sentence_tokens(tokenize: Tokenizer, texts: list[str]) -> list[list[str]]:
    """Each sentence's terms; "Such weapons ..." also gets the sentence before's (one document's
    sentences, in order)."""
    tokens = [tokenize(t) for t in texts]
    for i in range(1, len(texts)):
        if ANAPHOR.match(texts[i]):
            tokens[i] = tokens[i] + tokens[i - 1]
    return tokens


def identity_text(document: Document) -> str:
    """What names a document: its path's words, its title and its running headers and footers
    ("3M Company | 2018 Form 10-K"), in a paged document or across the pages of a report filed
    one text file each (Document.shared). A table row names neither the company nor the year a
    question asks about; the document around it does."""
    words = [re.sub(r"[_\W]+", " ", document.id.rsplit(".", 1)[0]), document.title]
    if document.pages:
        words += title_page_names(document.text, document.pages)
    text, lines = document.text, {}
    for start in sorted(running_lines(text, document.pages, shared=document.shared)):
        end = text.find("\n", start)
        line = text[start:end if end >= 0 else len(text)].strip()
        lines.setdefault(DIGITS.sub("#", line), set()).add(line)
    for key, same in lines.items():
        if len(same) > 1:  # numbers that change from page to page are page numbers: they go
            words.append(DIGITS.sub("", key.replace("#", "")))
        elif document.pages:  # a line the same on every page keeps its numbers (the year)
            words.append(next(iter(same)))
        else:  # a page filed alone shows one page's line: only what reads as a year stays
            words.append(NOT_A_YEAR.sub("", next(iter(same))))
    return " ".join(dict.fromkeys(w for w in words if w.strip()))


def title_page_names(text: str, pages: tuple[int, ...]) -> list[str]:
    """The short capitalised lines of a paged document's first page, numbers left out: what its
    cover calls it ("3M COMPANY", "Form 10-K"). An SEC filing names the company there and, with
    no running header, on few of its other pages; not the cover's prose or its lowercase
    labels ("(Exact name of registrant as specified in its charter)")."""
    end = pages[1] - 1 if len(pages) > 1 else len(text)
    names = []
    for start, stop in line_spans(text, pages[0], max(pages[0], end))[:TITLE_PAGE_LINES]:
        line = " ".join(w for w in text[start:stop].split() if LETTER.search(w)).strip(",;:()")
        words = TITLE_WORD.findall(line)
        if 1 <= len(words) <= TITLE_LINE_WORDS and all(
                w[0].isupper() for w in words if w.lower() not in MINOR_WORDS):
            names.append(line)
    return names


def joined_names(question: str, tokenize) -> list[tuple[str, str]]:
    """The names a question writes in two or more capitalised words, as a file name writes them
    run together ("HARBORLIGHTS_2018_10K.pdf", "AMERICANEXPRESS_2022_10K"): per run of two or
    three adjacent words, the joined run's token and the words. A page filed as its
    own text file is named only by its path, and "harborlights" is neither "harbor" nor
    "lights"."""
    joined = []
    for run in CAPITALISED_RUN.findall(question):
        words = run.split()  # a run stops at an apostrophe: "Harbor Lights's"
        for size in range(2, JOINED_WORDS + 1):
            for first in range(len(words) - size + 1):
                part = words[first:first + size]
                token = tokenize("".join(part))
                if len(token) == 1:
                    joined.append((token[0], " ".join(part)))
    return joined


def document_names(question: str, tokenize, named_by: dict[str, np.ndarray]
                   ) -> tuple[str, np.ndarray] | None:
    """The question without the names it gives that name documents (their path, title or
    running headers: keywords.identity_text; named_by: each identity token's documents), and
    the documents that every one of those names names; None if it gives none, or nothing but
    names would be left. "What is the total number of employees of Harbor Lights?" of
    "HARBORLIGHTS_2022_10K/page_4.txt" is "What is the total number of employees of?": in a
    document a name names, every sentence says it, not only the ones that write it out."""
    first = re.match(r"\W*[\w'’-]+", question)
    start = first.end() if first else 0
    kept, documents, at = [], None, 0
    for match in QUESTION_NAME.finditer(question, start):
        words = match.group(1).split()
        joined = tokenize("".join(words)) if len(words) > 1 else []
        tokens = tokenize(match.group(1))
        named = named_by.get(joined[0]) if len(joined) == 1 else None
        if tokens and all(t in named_by for t in tokens):
            by = named_by[tokens[0]]
            for token in tokens[1:]:
                by = np.intersect1d(by, named_by[token])
            named = by if named is None else np.union1d(named, by)
        if named is None or not len(named):
            continue
        documents = named if documents is None else np.intersect1d(documents, named)
        kept.append(question[at:match.start()])
        at = match.end()
    if documents is None or not len(documents):
        return None
    rest = " ".join("".join([*kept, question[at:]]).split())
    return (rest, documents) if tokenize(rest) else None


def spelled_out(identity: str, question: str, tokenize) -> str:
    """What names a document (identity_text), with the question's names it writes joined
    (joined_names) also written as the question writes them."""
    tokens = set(tokenize(identity))
    found = [words for token, words in joined_names(question, tokenize) if token in tokens]
    return "\n".join([identity, *found]) if found else identity


def lucene_idf(df: int | np.ndarray, n: int):
    """BM25's IDF as bm25s's "lucene" method computes it."""
    return np.log(1 + (n - df + 0.5) / (df + 0.5))


def bm25_names(table: str) -> dict[str, str]:
    """bm25s's file-name arguments for one table's index ("sentences", "chunks")."""
    return {"data_name": f"{table}.bm25.data.npy", "indices_name": f"{table}.bm25.indices.npy",
            "indptr_name": f"{table}.bm25.indptr.npy", "vocab_name": f"{table}.bm25.vocab.json",
            "params_name": f"{table}.bm25.params.json"}


def save_bm25(folder: Path, table: str, tokens: list[list[str]]) -> None:
    """Index token lists with bm25s and save them (arrays as .npy, vocabulary as JSON)."""
    import bm25s

    model = bm25s.BM25()  # method "lucene", k1 1.5, b 0.75
    model.index([t or [""] for t in tokens], show_progress=False)
    model.save(folder, allow_pickle=False, show_progress=False, **bm25_names(table))


def mapped(path: Path) -> np.ndarray:
    """A .npy file memory-mapped read-only (never unpickled), as a plain array over the mapping:
    indexing an np.memmap costs a few microseconds more a time, thousands of times a question."""
    return np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))


class Bm25Index:
    """One segment's saved BM25 index, memory-mapped."""

    def __init__(self, folder: Path, table: str, rows: int):
        # bm25s's files read as its BM25.load(mmap=True) reads them, without importing bm25s
        # (and SciPy) to ask a question: its parameters and vocabulary as JSON, the scores'
        # sparse columns as .npy, memory-mapped, never unpickled
        names = bm25_names(table)
        params = json.loads((folder / names["params_name"]).read_text(encoding="utf-8"))
        vocab = json.loads((folder / names["vocab_name"]).read_text(encoding="utf-8"))
        if not isinstance(params, dict) or type(params.get("num_docs")) is not int or \
                not isinstance(vocab, dict):
            raise ValueError(f"its {table} keyword index is not bm25s's")
        self.data, self.indices, self.indptr = (
            mapped(folder / names[name]) for name in ("data_name", "indices_name", "indptr_name"))
        self.rows = params["num_docs"]
        # bm25s lists "" in its vocabulary without a column; only terms with one are kept
        self.vocab: dict[str, int] = {t: i for t, i in vocab.items()
                                      if type(i) is int and 0 <= i < len(self.indptr) - 1}
        if self.rows != rows or len(self.indptr) > len(vocab) + 1 or \
                len(self.indices) != len(self.data) or int(self.indptr[-1]) != len(self.data) \
                or (len(self.indices) and not 0 <= int(self.indices.min()) <=
                    int(self.indices.max()) < rows) or np.any(np.diff(self.indptr) < 0):
            raise ValueError(f"its {table} keyword index does not match its {rows} rows")

    def df(self, term: str) -> int:
        """Rows holding the term."""
        t = self.vocab.get(term)
        return 0 if t is None else int(self.indptr[t + 1] - self.indptr[t])

    def scores(self, terms: list[str], idf: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """The rows any term occurs in (sorted) and their BM25 scores under the given IDFs."""
        rows, scores = [], []
        for term in terms:
            t = self.vocab.get(term)
            if t is None:
                continue
            a, b = int(self.indptr[t]), int(self.indptr[t + 1])
            own = float(lucene_idf(b - a, self.rows))
            if b > a and own > 0:
                rows.append(self.indices[a:b])
                scores.append(self.data[a:b] * np.float32(idf[term] / own))
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        rows, scores = np.concatenate(rows), np.concatenate(scores)
        if len(rows) * 8 > self.rows:  # many postings: one pass over a dense array is cheaper
            dense = np.bincount(rows, scores, minlength=self.rows)
            touched = np.flatnonzero(dense)
            return touched, dense[touched].astype(np.float32)
        touched, inverse = np.unique(rows, return_inverse=True)
        return touched, np.bincount(inverse, scores).astype(np.float32)


def deletions(token: str) -> set[str]:
    return {token[:i] + token[i + 1:] for i in range(len(token))}


LETTERS = "abcdefghijklmnopqrstuvwxyz"


def one_letter_variants(word: str) -> list[str]:
    """The strings one letter from word, likeliest typo first: a letter left out (inserted
    here), two neighbours swapped, one changed, one too many (deleted here)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    inserted = [a + c + b for a, b in splits for c in LETTERS]
    swapped = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    changed = [a + c + b[1:] for a, b in splits if b for c in LETTERS if c != b[0]]
    deleted = [a + b[1:] for a, b in splits if b]
    return list(dict.fromkeys(w for w in inserted + swapped + changed + deleted if w != word))


class Vocabulary:
    """The terms of every segment with their collection-wide document frequency and IDF, and
    the typo tolerance built on them."""

    def __init__(self, indexes: list[Bm25Index]):
        self.indexes = indexes
        self.rows = sum(i.rows for i in indexes)
        self.unseen_idf = float(lucene_idf(0, self.rows))
        self._deletes: dict[str, set[str]] | None = None

    def df(self, term: str) -> int:
        return sum(i.df(term) for i in self.indexes)

    def idf(self, terms: list[str]) -> dict[str, float]:
        """Each term's collection IDF (an unknown term has the highest)."""
        out = {}
        for term in terms:
            df = self.df(term)
            out[term] = float(lucene_idf(df, self.rows)) if df else self.unseen_idf
        return out

    def known(self, term: str) -> bool:
        return any(term in i.vocab for i in self.indexes)

    def deletes(self) -> dict[str, set[str]]:
        """Every known term of 4+ letters under each single-letter deletion (built on the first
        question with an unknown word, then kept)."""
        if self._deletes is None:
            deletes: dict[str, set[str]] = {}
            for index in self.indexes:
                for token in index.vocab:
                    if len(token) >= 4:  # a 5-letter typo is one edit from a 4-letter word
                        for variant in deletions(token):
                            deletes.setdefault(variant, set()).add(token)
            self._deletes = deletes
        return self._deletes

    def expand(self, query: list[str]) -> list[str]:
        """Query terms, each unknown one joined by known terms one or two edits away."""
        terms = []
        for token in query:
            if len(token) < 5 or self.known(token):  # 4-letter typos are too ambiguous
                terms.append(token)
                continue
            near: set[str] = set()
            deletes = self.deletes()
            for variant in deletions(token) | {token}:
                near |= deletes.get(variant, set())
            terms.extend(sorted(near) or [token])
        return terms


def weight_share(weights: dict[str, float], tokens: set[str]) -> float:
    """Share of the terms' total weight that `tokens` hold (0 when there is none)."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in tokens) / total if total else 0.0


def near_share(weights: dict[str, float], tokens: set[str], credit) -> float:
    """weight_share, with a term `tokens` lack counting credit(term) (0..1) of its weight."""
    total = sum(weights.values())
    held = sum(w if t in tokens else w * credit(t) for t, w in weights.items())
    return held / total if total else 0.0
