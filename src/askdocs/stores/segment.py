"""A segment: one immutable part of the index, written once and never changed.

An index is a list of segments plus the manifest saying which copy of each document is live. A
build writes the changed documents as a new segment; a document edited or removed keeps its rows
in the old segment, where they are skipped (the manifest is the deletion list: a document's rows
are live only in the segment the manifest names for it). Small segments and mostly deleted ones
are merged into one when there are too many (indexer.py), as Lucene does.

The files of a segment folder (manifest.FILES):

    documents.jsonl         per document: metadata, pages, where its text and rows are
    text.bin                the documents' extracted text, UTF-8, one after another
    sentences.npy           int32 rows: document, start, end, paragraph, quotable, chunks lo..hi
    chunks.npy              int32 rows: document, start, end, first and last sentence
    sentences.faiss, chunks.faiss         the vectors (stores/faiss_store.py)
    {sentences,chunks}.bm25.*             the BM25 indexes (keywords.py, bm25s's format)

Arrays and vectors are memory-mapped: opening a segment reads its small files only, and no
Python object is made per sentence.
"""

from __future__ import annotations

import json
import mmap
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from askdocs.chunking import Chunk, Sentence, chunk_texts
from askdocs.documents import Document
from askdocs.keywords import (
    Bm25Index,
    Tokenizer,
    identity_text,
    mapped,
    save_bm25,
    sentence_tokens,
)
from askdocs.stores.faiss_store import FaissStore

# sentences.npy columns
DOC, START, END, PARAGRAPH, QUOTABLE, CHUNK_LO, CHUNK_HI = range(7)
# chunks.npy columns: DOC, START, END as above, then
FIRST, LAST = 3, 4


@dataclass
class DocumentRecord:
    """A document as a build holds it: the document, its spans, and its vectors."""

    document: Document
    sentences: list[Sentence]
    chunks: list[Chunk]
    sentence_vectors: np.ndarray
    chunk_vectors: np.ndarray


@dataclass(frozen=True)
class Entry:
    """One document of a segment: its metadata and where its text and rows are."""

    id: str
    title: str
    date: str | None
    size: int
    sha256: str
    pages: tuple[int, ...]
    chars: int  # length of its text in characters
    text: tuple[int, int]  # byte range in text.bin
    sentences: tuple[int, int]  # row range in sentences.npy
    chunks: tuple[int, int]  # row range in chunks.npy
    identity: str  # what names it (keywords.identity_text), for the document signal
    shared: tuple[str, ...] = ()  # Document.shared: its lines that run across its report's pages


def sentence_table(record: DocumentRecord, doc: int, sentence_base: int,
                   chunk_base: int) -> np.ndarray:
    """The document's rows of sentences.npy (sentence and chunk numbers segment-wide)."""
    table = np.zeros((len(record.sentences), 7), dtype=np.int64)
    table[:, CHUNK_LO], table[:, CHUNK_HI] = 0, -1  # a sentence in no chunk: an empty range
    for i, s in enumerate(record.sentences):
        table[i, :5] = (doc, s.start, s.end, s.paragraph, int(s.quotable))
    for c, chunk in enumerate(record.chunks):  # chunks are in order: each sentence's is a range
        rows = table[chunk.first:chunk.last + 1]
        fresh = rows[:, CHUNK_HI] < 0
        rows[fresh, CHUNK_LO] = chunk_base + c
        rows[:, CHUNK_HI] = chunk_base + c
    table[:, DOC] = doc
    return table


def write_segment(folder: Path, records: list[DocumentRecord], dimension: int) -> None:
    """Write the data files of a segment holding these documents into an existing folder."""
    tokenize = Tokenizer()
    sentences, chunks, lines, s_tokens, c_tokens = [], [], [], [], []
    offset = s_base = c_base = 0
    with open(folder / "text.bin", "wb") as text_file:
        for d, record in enumerate(records):
            doc = record.document
            data = doc.text.encode("utf-8")
            text_file.write(data)
            sentences.append(sentence_table(record, d, s_base, c_base))
            chunks.append(np.array([(d, c.start, c.end, s_base + c.first, s_base + c.last)
                                    for c in record.chunks], dtype=np.int64).reshape(-1, 5))
            s_tokens += sentence_tokens(tokenize, [doc.text[s.start:s.end]
                                                   for s in record.sentences])
            c_tokens += [tokenize(t) for t in chunk_texts(doc.text, doc.pages, record.chunks)]
            lines.append(json.dumps({
                "id": doc.id, "title": doc.title, "date": doc.date, "size": doc.size,
                "sha256": doc.sha256, "pages": list(doc.pages), "chars": len(doc.text),
                "text": [offset, offset + len(data)],
                "sentences": [s_base, s_base + len(record.sentences)],
                "chunks": [c_base, c_base + len(record.chunks)],
                "identity": identity_text(doc), "shared": list(doc.shared)},
                ensure_ascii=False))
            offset += len(data)
            s_base += len(record.sentences)
            c_base += len(record.chunks)
    (folder / "documents.jsonl").write_text("".join(line + "\n" for line in lines), "utf-8")
    for name, parts, width in (("sentences", sentences, 7), ("chunks", chunks, 5)):
        table = np.vstack(parts) if parts else np.zeros((0, width), np.int64)
        if len(table) and table.max() >= 2**31:
            raise ValueError("a document is too long for the index's 32-bit offsets")
        np.save(folder / f"{name}.npy", table.astype(np.int32), allow_pickle=False)
    empty = np.zeros((0, dimension), np.float32)
    for name, field in (("sentences", "sentence_vectors"), ("chunks", "chunk_vectors")):
        vectors = np.vstack([getattr(r, field) for r in records] or [empty])
        FaissStore.build(vectors, dimension).save(folder / f"{name}.faiss")
    save_bm25(folder, "sentences", s_tokens)
    save_bm25(folder, "chunks", c_tokens)


def parse_entry(line: str) -> Entry:
    """One documents.jsonl line; raises ValueError if a field has the wrong shape."""
    raw = json.loads(line)
    if not isinstance(raw, dict):
        raise ValueError("a document entry is not a JSON object")
    values = [raw.get(k) for k in ("id", "title", "date", "size", "sha256", "pages", "chars",
                                   "text", "sentences", "chunks", "identity")]
    doc_id, title, date, size, sha, pages, chars, text, sents, chunks, identity = values
    shared = raw.get("shared", [])
    pairs = (text, sents, chunks)
    if not (all(isinstance(v, str) for v in (doc_id, title, sha, identity))
            and isinstance(shared, list) and all(isinstance(v, str) for v in shared)
            and (date is None or isinstance(date, str)) and whole(size) and whole(chars)
            and isinstance(pages, list) and all(map(whole, pages))
            and all(isinstance(p, list) and len(p) == 2 and all(map(whole, p)) and p[0] <= p[1]
                    for p in pairs)):
        raise ValueError("a document entry has a field of the wrong type")
    if not ((not pages or pages[0] == 0) and all(a < b <= chars + 1
                                                 for a, b in zip(pages, pages[1:]))):
        raise ValueError(f"the pages of {doc_id[:80]!r} are not offsets in its text")
    return Entry(doc_id, title, date, size, sha, tuple(pages), chars, tuple(text), tuple(sents),
                 tuple(chunks), identity, tuple(shared))


def whole(value: object) -> bool:
    return type(value) is int and value >= 0  # not bool, not float


class Segment:
    """An opened segment: its document entries in memory, everything else mapped."""

    def __init__(self, folder: Path, name: str, rows: tuple[int, int, int]):
        """Open and check a segment whose files were verified; rows: the manifest's counts of
        documents, sentences and chunks. Raises ValueError (what is wrong) or RuntimeError
        (an unreadable vector file)."""
        self.name = name
        lines = (folder / "documents.jsonl").read_text("utf-8").splitlines()
        self.entries = [parse_entry(line) for line in lines if line.strip()]
        self.sentences = mapped(folder / "sentences.npy")
        self.chunks = mapped(folder / "chunks.npy")
        with open(folder / "text.bin", "rb") as handle:
            size = handle.seek(0, 2)
            self.text = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        self.sentence_store = FaissStore.load(folder / "sentences.faiss")
        self.chunk_store = FaissStore.load(folder / "chunks.faiss")
        self.check(rows, size)
        self.sentence_bm25 = Bm25Index(folder, "sentences", len(self.sentences))
        self.chunk_bm25 = Bm25Index(folder, "chunks", len(self.chunks))
        self.by_id = {e.id: d for d, e in enumerate(self.entries)}
        self.made: dict[int, Document] = {}

    def check(self, rows: tuple[int, int, int], text_bytes: int) -> None:
        """Every row a real span of its document's text; the counts the manifest's."""
        entries, s, c = self.entries, self.sentences, self.chunks
        if (len(entries), len(s), len(c)) != rows or s.shape[1:] != (7,) or \
                c.shape[1:] != (5,) or s.dtype != np.int32 or c.dtype != np.int32:
            raise ValueError("its tables do not have the manifest's rows")
        if (len(self.sentence_store), len(self.chunk_store)) != rows[1:]:
            raise ValueError("its vector files do not hold one vector per row")
        ends = [(e.text, e.sentences, e.chunks) for e in entries]
        for (t, ss, cs), (t2, ss2, cs2) in zip(ends, ends[1:] + [((text_bytes,) * 2,
                                                                   (rows[1],) * 2,
                                                                   (rows[2],) * 2)]):
            if t[1] != t2[0] or ss[1] != ss2[0] or cs[1] != cs2[0]:
                raise ValueError("its documents' text or rows do not follow one another")
        if entries and (entries[0].text[0], entries[0].sentences[0], entries[0].chunks[0]) \
                != (0, 0, 0):
            raise ValueError("its documents' text or rows do not follow one another")
        chars = np.array([e.chars for e in entries], dtype=np.int64)
        s_doc = np.repeat(np.arange(len(entries)), [e.sentences[1] - e.sentences[0]
                                                     for e in entries])
        c_doc = np.repeat(np.arange(len(entries)), [e.chunks[1] - e.chunks[0] for e in entries])
        if len(s):
            starts, ends_ = s[:, START].astype(np.int64), s[:, END].astype(np.int64)
            same_doc = s_doc[1:] == s_doc[:-1]
            if np.any(s[:, DOC] != s_doc) or np.any(starts < 0) or np.any(starts >= ends_) \
                    or np.any(ends_ > chars[s_doc]) or np.any(s[:, QUOTABLE] > 1) or \
                    np.any(s[:, QUOTABLE] < 0) or np.any((starts[1:] < ends_[:-1]) & same_doc):
                raise ValueError("a sentence span is outside its text")
            lo, hi = s[:, CHUNK_LO], s[:, CHUNK_HI]
            c_lo = np.array([e.chunks[0] for e in entries], dtype=np.int64)[s_doc]
            c_hi = np.array([e.chunks[1] for e in entries], dtype=np.int64)[s_doc]
            held = lo <= hi
            if np.any(held & ((lo < c_lo) | (hi >= c_hi))):
                raise ValueError("a sentence names a chunk of another document")
        if len(c):
            first, last = c[:, FIRST].astype(np.int64), c[:, LAST].astype(np.int64)
            if np.any(c[:, DOC] != c_doc) or np.any(first > last) or np.any(first < 0) or \
                    np.any(last >= len(s)) or np.any(s[first, DOC] != c_doc) or \
                    np.any(s[last, DOC] != c_doc) or np.any(c[:, START] != s[first, START]) \
                    or np.any(c[:, END] != s[last, END]):
                raise ValueError("a chunk does not match its sentences")

    def text_of(self, d: int) -> str:
        """Document d's text (decoded once, then kept with its Document)."""
        return self.document(d).text

    def document(self, d: int) -> Document:
        """Document d, its text decoded (made once, then kept: a question reads a hundred)."""
        found = self.made.get(d)
        if found is None:
            e = self.entries[d]
            text = bytes(self.text[e.text[0]:e.text[1]]).decode("utf-8")
            if len(text) != e.chars:
                raise ValueError(f"the text of {e.id[:80]!r} is not its recorded length")
            if len(self.made) > 64:  # a bounded cache: the texts stay in the mapped file
                self.made.clear()
            found = self.made[d] = Document(e.id, text, e.title, e.date, e.size, e.sha256,
                                            e.pages, e.shared)
        return found

    def record(self, d: int) -> DocumentRecord:
        """Document d as a build holds it (to merge it into a new segment)."""
        e = self.entries[d]
        rows = np.arange(*e.sentences)
        sentences = [Sentence(int(r[START]), int(r[END]), int(r[PARAGRAPH]),
                              bool(r[QUOTABLE])) for r in self.sentences[rows]]
        chunks = [Chunk(int(r[START]), int(r[END]), int(r[FIRST]) - e.sentences[0],
                        int(r[LAST]) - e.sentences[0])
                  for r in self.chunks[e.chunks[0]:e.chunks[1]]]
        return DocumentRecord(self.document(d), sentences, chunks,
                              self.sentence_store.vectors(rows),
                              self.chunk_store.vectors(np.arange(*e.chunks)))

    def close(self) -> None:
        if isinstance(self.text, mmap.mmap):
            self.text.close()
