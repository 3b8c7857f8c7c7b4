"""Building the index of a documents folder: incremental by content hash, swapped in atomically."""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from askdocs.chunking import chunk_texts, edge_keys, make_chunks, split_sentences
from askdocs.documents import (
    Document,
    Skipped,
    SourceFile,
    format_for,
    no_documents,
    other_files_note,
    read_document,
    scan_folder,
    sha256_file,
    shared_lines,
)
from askdocs.embedding import (
    DEFAULT_MODEL,
    Embedder,
    build_embedder,
    describe,
    same_model,
)
from askdocs.errors import AskDocsError, IndexMismatchError, IndexMissingError, InputError
from askdocs.manifest import DocumentInfo, Manifest, SkippedInfo
from askdocs.readers import Unreadable
from askdocs.store import (
    StoredIndex,
    build_lock,
    check_writable,
    load_stored,
    read_manifest,
    remove_stale,
    write_stored,
)
from askdocs.stores.segment import DocumentRecord, Segment

# "splitter" is the version of the sentence splitting and of what a chunk is indexed as
# (chunking.chunk_texts, and its keyword terms: keywords.Tokenizer) and of a reader's text where
# an old index's offsets would point elsewhere or its text lacks what a reader now finds (16: a
# PDF table drawn column by column is read row by row, readers.pdf.reading_order; 17: a Word
# file's content controls, tracked insertions, text boxes and nested tables, readers.docx; 18: a
# table written column by column in text is one unit, chunking.labels_dumped; 19: a Word file's
# footnotes and endnotes): a new one rebuilds old indexes in full
CHUNK_SETTINGS = {"chunk_target": 500, "chunk_limit": 1000, "chunk_min_break": 200, "splitter": 19}


@dataclass(frozen=True)
class BuildReport:
    """What a build did: document counts by fate, sizes, time, and what was skipped."""

    added: int
    updated: int
    removed: int
    unchanged: int
    documents: int
    sentences: int
    chunks: int
    seconds: float
    written: bool
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = ()  # for the terminal: the build's, then the readers' (grouped)
    noted: tuple[tuple[str, str], ...] = ()  # each reader's note as (file, note)

    def summary(self) -> str:
        """One line for the terminal."""
        return (f"{self.added} added, {self.updated} updated, {self.removed} removed, "
                f"{self.unchanged} unchanged; {self.documents} documents, {self.sentences} "
                f"sentences, {self.chunks} chunks in {self.seconds:.1f}s")


@dataclass
class Previous:
    """What the current index offers a new build: its segments (documents in them are kept
    while unchanged) and files known unreadable."""

    stored: StoredIndex | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def documents(self) -> dict[str, DocumentInfo]:
        return self.stored.manifest.documents if self.stored else {}

    @property
    def unreadable(self) -> dict[str, SkippedInfo]:
        return dict(self.stored.manifest.skipped) if self.stored else {}


def previous_index(index_dir: Path, embedder: Embedder, full: bool) -> Previous:
    """The current index, if its documents can be kept, and notes on why not."""
    if full:
        return Previous()
    try:
        stored = load_stored(index_dir)  # checksums verified: a damaged segment is not kept
    except IndexMissingError:
        return Previous()
    except AskDocsError as error:
        return Previous(notes=[f"previous index not reusable ({error}); rebuilt in full"])
    manifest = stored.manifest
    if not same_model(manifest.model, embedder):
        return Previous(notes=[f"previous index was built with {manifest.model.name} "
                               f"({manifest.model.precision}), not {embedder.name} "
                               f"({embedder.precision}); rebuilt in full"])
    if manifest.settings != CHUNK_SETTINGS:
        return Previous(notes=["chunk settings changed; rebuilt in full"])
    return Previous(stored)


@dataclass
class Reading:
    """The folder's files read for a build, in folder order."""

    fresh: list[Document] = field(default_factory=list)  # new or changed: to embed
    kept: dict[str, DocumentInfo] = field(default_factory=dict)  # unchanged: stay where they are
    order: list[str] = field(default_factory=list)  # every indexed id, in folder order
    skipped: list[Skipped] = field(default_factory=list)
    unreadable: dict[str, SkippedInfo] = field(default_factory=dict)
    noted: list[tuple[str, str]] = field(default_factory=list)  # (file, a reader's note on it)

    @property
    def notes(self) -> list[str]:
        """The readers' notes, a line each note (grouped_notes)."""
        return grouped_notes(self.noted)


def read_sources(sources: list[SourceFile], previous: Previous) -> Reading:
    """Read each file once: its bytes are hashed, and only a changed file goes through its
    reader; an unchanged one keeps its place in the index, or its reason for being skipped. An
    unchanged text file skipped before is decoded again (it costs nothing, and a newer askdocs
    may read what an older one could not: an encoding); a PDF, Word file or web page is not
    parsed again (the reason it was skipped may be a time limit)."""
    reading = Reading()
    known_documents, known_unreadable = previous.documents, previous.unreadable
    for source in sources:
        try:
            data = source.path.read_bytes()
        except OSError as error:
            reading.skipped.append(Skipped(source.id, f"unreadable ({error.strerror or error})"))
            continue
        digest = hashlib.sha256(data).hexdigest()
        old = known_documents.get(source.id)
        known = known_unreadable.get(source.id)
        if old is not None and old.sha256 == digest:
            reading.kept[source.id] = old
            reading.order.append(source.id)
            continue
        try:
            if known is not None and known.sha256 == digest and format_for(source.id).isolated:
                raise Unreadable(known.reason)
            document, notes = read_document(source.id, data)
        except Unreadable as error:
            reading.skipped.append(Skipped(source.id, str(error)))
            reading.unreadable[source.id] = SkippedInfo(digest, str(error))
            continue
        reading.fresh.append(document)
        reading.order.append(source.id)
        reading.noted.extend((source.id, note) for note in notes)
    return reading


NAMED_IN_A_NOTE = 3  # files a note shared by several names before it counts the rest


def grouped_notes(noted: list[tuple[str, str]]) -> list[str]:
    """A line for each reader's note, in the order first given: "menu.txt: not UTF-8: read as
    Windows-1252" for one file; a note several files share is one line that names the first
    ones and counts the rest ("12 files: not UTF-8: read as Windows-1252 (a.txt, b.txt, c.txt
    and 9 more)"), so a folder of old files does not print a line each."""
    files: dict[str, list[str]] = {}
    for doc_id, note in noted:
        files.setdefault(note, []).append(doc_id)
    lines = []
    for note, ids in files.items():
        if len(ids) == 1:
            lines.append(f"{ids[0]}: {note}")
            continue
        named = ", ".join(ids[:NAMED_IN_A_NOTE])
        rest = len(ids) - NAMED_IN_A_NOTE
        lines.append(f"{len(ids)} files: {note} ({named}{f' and {rest} more' if rest > 0 else ''})")
    return lines


def share_lines(reading: Reading, sources: list[SourceFile]) -> None:
    """Give each document without pages the first and last lines it shares with the other pages
    of its report (documents.shared_lines: a report filed one text file per page, its running
    header). An unchanged document whose shared lines are no longer the same (a page was added
    beside it) is read and embedded again; one that cannot be read now keeps its old ones."""
    edges = {d.id: edge_keys(d.text) for d in reading.fresh if not d.pages}
    edges.update({doc_id: info.edges for doc_id, info in reading.kept.items() if info.edges})
    shared = shared_lines(edges)
    reading.fresh = [replace(d, shared=shared.get(d.id, ())) for d in reading.fresh]
    changed = {doc_id for doc_id, info in reading.kept.items()
               if info.shared != shared.get(doc_id, ())}
    for source in sources:
        if source.id in changed:
            try:
                document, _ = read_document(source.id, source.path.read_bytes())
            except (OSError, Unreadable):
                continue
            reading.fresh.append(replace(document, shared=shared.get(source.id, ())))
            del reading.kept[source.id]


def split_document(document: Document) -> tuple[list, list]:
    """A document's sentences and chunks, split as its format needs."""
    fmt = format_for(document.id)
    sentences = split_sentences(document.text, document.pages,
                                lines_are_paragraphs=bool(fmt and fmt.lines_are_paragraphs),
                                shared=document.shared)
    chunks = make_chunks(sentences, target=CHUNK_SETTINGS["chunk_target"],
                         limit=CHUNK_SETTINGS["chunk_limit"],
                         min_break=CHUNK_SETTINGS["chunk_min_break"], pages=document.pages)
    return sentences, chunks


def embed_documents(documents: list[Document], embedder: Embedder,
                    progress=None) -> list[DocumentRecord]:
    """Split and embed documents; all their texts go to the model in one call, each distinct
    text once (a one-sentence chunk is its sentence; boilerplate repeats)."""
    splits = [split_document(doc) for doc in documents]
    texts = []
    for doc, (sentences, chunks) in zip(documents, splits):
        texts += [doc.text[s.start:s.end] for s in sentences]
        texts += chunk_texts(doc.text, doc.pages, chunks)
    distinct = dict.fromkeys(texts)
    unique = embedder.embed(list(distinct), progress=progress)
    row_of = {text: row for row, text in enumerate(distinct)}
    vectors = unique[[row_of[text] for text in texts]] if texts else unique
    records, row = [], 0
    for doc, (sentences, chunks) in zip(documents, splits):
        s_vec = vectors[row:row + len(sentences)]
        row += len(sentences)
        c_vec = vectors[row:row + len(chunks)]
        row += len(chunks)
        records.append(DocumentRecord(doc, sentences, chunks, s_vec, c_vec))
    return records


def check_folders(docs_dir: Path, index_dir: Path) -> None:
    """The index and the documents must be separate folders, neither inside the other."""
    docs, index = docs_dir.resolve(), index_dir.resolve()
    if docs == index:
        raise InputError(f"the index folder {index_dir}/ is the documents folder; "
                         "choose another index folder")
    if docs in index.parents:
        raise InputError(f"the index folder {index_dir}/ is inside the documents folder "
                         f"{docs_dir}/; choose an index folder outside it")
    if index in docs.parents:
        raise InputError(f"the documents folder {docs_dir}/ is inside the index folder "
                         f"{index_dir}/; choose an index folder outside it")


def build_index(docs_dir: str | Path = "seeds", index_dir: str | Path = "index", *,
                model: str = DEFAULT_MODEL, embedder: Embedder | None = None, full: bool = False,
                progress=None, on_wait=None, allow_other_files: bool = False,
                device: str = "auto", store: str | None = None,
                token: str | None = None) -> BuildReport:
    """Index every document under docs_dir into index_dir (what `askdocs index` does): text,
    Markdown, PDF, Word and HTML files, each read by its reader (askdocs.readers).

    Only documents whose sha256 changed are embedded again; `full=True` re-embeds everything.
    `progress(done, total)` is called while embedding; `device` runs the model on "cpu",
    "cuda[:N]" or, by default, the GPU when there is one. Raises InputError for an unusable folder:
    the index folder must not be, contain or sit inside the documents folder, and must hold
    nothing askdocs did not write unless `allow_other_files` (askdocs never deletes those).

    `store` keeps the index in Milvus instead of the folder's FAISS segments: "milvus" (Milvus
    Lite inside the index folder), "milvus:///path/file.db", "milvus://host:19530" (a server;
    `token` if it needs one), "faiss"; by default, the store the index folder records. The
    folder then holds only a manifest naming the store (stores/milvus_store.py).
    """
    began = time.perf_counter()
    docs_dir, index_dir = Path(docs_dir), Path(index_dir)
    others: Counter = Counter()
    sources, skipped = scan_folder(docs_dir, others)
    check_folders(docs_dir, index_dir)
    check_writable(index_dir, allow_other_files)
    if not sources:
        raise no_documents(docs_dir, others)
    note = other_files_note(others)
    recorded = recorded_manifest(index_dir)
    if embedder is None:
        embedder = build_embedder(model, device, recorded.model if recorded and not full else None)
    target = build_target(store, index_dir, recorded)
    if target is not None:
        report = build_milvus(docs_dir, index_dir, embedder, target, token, sources, skipped,
                              full, progress, on_wait, began)
    else:
        with build_lock(index_dir, on_wait=on_wait):
            previous = previous_index(index_dir, embedder, full)
            try:
                report = update(docs_dir, index_dir, embedder, previous, sources, progress)
            finally:
                for segment in previous.stored.segments if previous.stored else []:
                    segment.close()
        report = replace(report, seconds=time.perf_counter() - began,
                         skipped=tuple(skipped) + report.skipped)
    return replace(report, notes=report.notes + ((note,) if note else ()))


def recorded_manifest(index_dir: Path) -> Manifest | None:
    """The index folder's manifest, if it has a readable one."""
    try:
        return read_manifest(index_dir)
    except AskDocsError:
        return None


def build_target(store: str | None, index_dir: Path, manifest: Manifest | None):
    """The Milvus store a build writes to (None: the folder's own FAISS segments): the one
    given, else the one the index folder's manifest records."""
    from askdocs.stores.milvus_store import chosen_target

    recorded = manifest.store if store is None and manifest is not None else ""
    return chosen_target(store, index_dir, recorded)


def build_milvus(docs_dir: Path, index_dir: Path, embedder: Embedder, target, token,
                 sources: list[SourceFile], skipped: list[Skipped], full: bool, progress,
                 on_wait, began: float) -> BuildReport:
    """A build into Milvus; the index folder gets a manifest naming the store (and mirroring
    the document list, for `stale_reason` and the app). Nothing is written before the store
    is reached and checked."""
    from askdocs.stores.milvus_store import manifest_of
    from askdocs.stores.milvus_write import open_for_build, update_milvus

    index, meta = open_for_build(target, token, embedder, full)
    with build_lock(index_dir, on_wait=on_wait):
        report, meta, documents = update_milvus(docs_dir, index, meta, embedder, sources,
                                                progress)
        write_stored(index_dir, manifest_of(meta, documents, target.shown(index_dir)), [], [])
    return replace(report, seconds=time.perf_counter() - began,
                   skipped=tuple(skipped) + report.skipped)


def update(docs_dir: Path, index_dir: Path, embedder: Embedder, previous: Previous,
           sources: list[SourceFile], progress) -> BuildReport:
    """Read, embed and write what changed: one new segment for new and changed documents
    (and any merged), the rest kept where they are."""
    reading = read_sources(sources, previous)
    if not reading.order:
        raise no_documents(docs_dir)
    share_lines(reading, sources)
    fresh = embed_documents(reading.fresh, embedder, progress)
    old = previous.documents
    indexed = set(reading.order)
    removed = sum(1 for doc_id in old if doc_id not in indexed)
    segments = previous.stored.segments if previous.stored else []
    staying = {seg.name: previous.stored.live(seg) & np.array(
        [e.id in reading.kept for e in seg.entries], dtype=bool) for seg in segments}
    merging = plan_merge(segments, staying, bool(fresh))
    moved = [seg.record(int(d)) for seg in merging for d in np.flatnonzero(staying[seg.name])]
    records = fresh + moved
    new = {r.document.id: info_of(r.document) for r in records}  # in the new segment
    documents = {doc_id: new.get(doc_id) or reading.kept[doc_id] for doc_id in reading.order}
    merged = {seg.name for seg in merging}
    kept = [s for s in (previous.stored.manifest.segments if previous.stored else [])
            if s.name not in merged and staying[s.name].any()]
    written = bool(records or removed or not old or reading.unreadable != previous.unreadable
                   or len(kept) != len(segments))
    counts = live_counts([seg for seg in segments if seg.name not in merged], staying, records,
                         len(documents))
    if written:
        manifest = manifest_for(docs_dir, embedder, documents, counts, reading.unreadable)
        write_stored(index_dir, manifest, kept, [records] if records else [])
    else:  # nothing changed, but a killed build may have left a temporary folder
        remove_stale(index_dir, keep={s.name for s in read_manifest(index_dir).segments})
    added = sum(1 for d in reading.fresh if d.id not in old)
    return BuildReport(
        added=added, updated=len(fresh) - added, removed=removed,
        unchanged=len(reading.order) - len(fresh), documents=len(documents),
        sentences=counts["sentences"], chunks=counts["chunks"], seconds=0.0, written=written,
        skipped=tuple(reading.skipped), notes=tuple(previous.notes + reading.notes),
        noted=tuple(reading.noted))


# A new segment per update; when more than MAX_SEGMENTS would remain, the smallest are merged
# into the new one until MERGE_TO remain, and a segment with over half its sentences deleted is
# always rewritten. Searching costs a little per segment; merging small ones is cheap, and the
# large ones are left alone until their deletions pile up.
MAX_SEGMENTS = 8
MERGE_TO = 4


def sentence_counts(segment: Segment) -> np.ndarray:
    """Each of a segment's documents' number of sentences."""
    return np.array([e.sentences[1] - e.sentences[0] for e in segment.entries], dtype=np.int64)


def plan_merge(segments: list[Segment], staying: dict[str, np.ndarray], fresh: bool) -> list:
    """The previous segments to rewrite into the new one (`staying`: per segment, which of its
    documents stay live in it)."""
    sizes = []
    for segment in segments:
        rows = sentence_counts(segment)
        live = int(rows[staying[segment.name]].sum())
        if live:
            sizes.append((live, int(rows.sum()), segment))
    merging = [seg for live, total, seg in sizes if live * 2 < total]
    rest = sorted((s for s in sizes if s[2] not in merging), key=lambda s: s[0])
    if len(rest) + fresh > MAX_SEGMENTS:
        merging += [seg for _, _, seg in rest[:len(rest) - MERGE_TO + 1]]
    return merging


def info_of(document: Document) -> DocumentInfo:
    return DocumentInfo(document.sha256, document.title, document.date, document.size,
                        edges=edge_keys(document.text, document.pages),
                        shared=document.shared)


def live_counts(kept: list[Segment], staying: dict[str, np.ndarray],
                records: list[DocumentRecord], documents: int) -> dict[str, int]:
    """Documents, sentences and chunks the new index holds: the new segment's records and the
    documents staying in the kept segments."""
    counts = {"documents": documents, "sentences": 0, "chunks": 0}
    for record in records:
        counts["sentences"] += len(record.sentences)
        counts["chunks"] += len(record.chunks)
    for segment in kept:
        for e, stays in zip(segment.entries, staying[segment.name]):
            if stays:
                counts["sentences"] += e.sentences[1] - e.sentences[0]
                counts["chunks"] += e.chunks[1] - e.chunks[0]
    return counts


def manifest_for(docs_dir: Path, embedder: Embedder, documents: dict[str, DocumentInfo],
                 counts: dict[str, int], unreadable: dict[str, SkippedInfo]) -> Manifest:
    """The manifest of a new index (store.write_stored names the segments and generation)."""
    return Manifest(
        model=describe(embedder),
        settings=dict(CHUNK_SETTINGS),
        docs_dir=str(docs_dir.resolve()),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        counts=counts,
        documents=documents,
        skipped=dict(unreadable),
    )


def stale_reason(docs_dir: str | Path, index_dir: str | Path) -> str | None:
    """Why the index does not reflect docs_dir (missing, of an older format, or files
    changed), or None.

    A damaged or unreadable index is not stale but broken: its error is raised.
    """
    try:
        manifest = read_manifest(Path(index_dir))
    except (IndexMissingError, IndexMismatchError) as error:  # a format this askdocs rebuilds
        return str(error)
    sources, _ = scan_folder(docs_dir)
    current = {}
    for source in sources:
        try:
            current[source.id] = sha256_file(source.path)
        except OSError:
            continue
    recorded = {doc_id: info.sha256 for doc_id, info in manifest.documents.items()}
    recorded.update({doc_id: info.sha256 for doc_id, info in manifest.skipped.items()})
    if current != recorded:
        return "documents changed since the index was built"
    return None
