"""Building the index of a documents folder: incremental by content hash, swapped in atomically."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from askdocs.chunking import make_chunks, split_sentences
from askdocs.documents import (
    Document,
    Skipped,
    SourceFile,
    format_for,
    no_documents,
    read_document,
    scan_folder,
)
from askdocs.embedding import DEFAULT_MODEL, Embedder, cached_embedder, describe, same_model
from askdocs.errors import AskDocsError, IndexMissingError, InputError
from askdocs.manifest import DocumentInfo, Manifest, SkippedInfo
from askdocs.readers import Unreadable
from askdocs.store import (
    DocumentRecord,
    build_lock,
    check_writable,
    load_stored,
    read_manifest,
    remove_stale,
    sha256_file,
    write_stored,
)

# "splitter" is the version of the sentence splitting: a new one rebuilds old indexes in full
CHUNK_SETTINGS = {"chunk_target": 500, "chunk_limit": 1000, "chunk_min_break": 200, "splitter": 2}


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
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line for the terminal."""
        return (f"{self.added} added, {self.updated} updated, {self.removed} removed, "
                f"{self.unchanged} unchanged; {self.documents} documents, {self.sentences} "
                f"sentences, {self.chunks} chunks in {self.seconds:.1f}s")


@dataclass
class Previous:
    """What the current index offers a new build: reusable records and files known unreadable."""

    records: dict[str, DocumentRecord] = field(default_factory=dict)
    unreadable: dict[str, SkippedInfo] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def previous_index(index_dir: Path, embedder: Embedder, full: bool) -> Previous:
    """The current index's records that can be reused, by document id, and notes on why not."""
    if full:
        return Previous()
    try:
        stored = load_stored(index_dir)
    except IndexMissingError:
        return Previous()
    except AskDocsError as error:
        return Previous(notes=[f"previous index not reusable ({error}); rebuilt in full"])
    manifest = stored.manifest
    if not same_model(manifest.model, embedder):
        return Previous(notes=[f"previous index was built with {manifest.model.name}; "
                               "rebuilt in full"])
    if manifest.settings != CHUNK_SETTINGS:
        return Previous(notes=["chunk settings changed; rebuilt in full"])
    return Previous({r.document.id: r for r in stored.records}, dict(manifest.skipped))


@dataclass
class Reading:
    """The folder's files read for a build, in folder order."""

    entries: list[Document | DocumentRecord] = field(default_factory=list)  # fresh or reused
    skipped: list[Skipped] = field(default_factory=list)
    unreadable: dict[str, SkippedInfo] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_sources(sources: list[SourceFile], previous: Previous) -> Reading:
    """Read each file once: its bytes are hashed, and only a changed file goes through its
    reader; an unchanged one keeps its record, or its reason for being skipped."""
    reading = Reading()
    for source in sources:
        try:
            data = source.path.read_bytes()
        except OSError as error:
            reading.skipped.append(Skipped(source.id, f"unreadable ({error.strerror or error})"))
            continue
        digest = hashlib.sha256(data).hexdigest()
        old = previous.records.get(source.id)
        known = previous.unreadable.get(source.id)
        if old is not None and old.document.sha256 == digest:
            reading.entries.append(old)
            continue
        try:
            if known is not None and known.sha256 == digest:
                raise Unreadable(known.reason)
            document, notes = read_document(source.id, data)
        except Unreadable as error:
            reading.skipped.append(Skipped(source.id, str(error)))
            reading.unreadable[source.id] = SkippedInfo(digest, str(error))
            continue
        reading.entries.append(document)
        reading.notes.extend(f"{source.id}: {note}" for note in notes)
    return reading


def split_document(document: Document) -> tuple[list, list]:
    """A document's sentences and chunks, split as its format needs."""
    fmt = format_for(document.id)
    sentences = split_sentences(document.text, document.pages,
                                lines_are_paragraphs=bool(fmt and fmt.lines_are_paragraphs))
    chunks = make_chunks(sentences, target=CHUNK_SETTINGS["chunk_target"],
                         limit=CHUNK_SETTINGS["chunk_limit"],
                         min_break=CHUNK_SETTINGS["chunk_min_break"])
    return sentences, chunks


def embed_documents(documents: list[Document], embedder: Embedder,
                    progress=None) -> list[DocumentRecord]:
    """Split and embed documents; all their texts go to the model in one call."""
    splits = [split_document(doc) for doc in documents]
    texts = []
    for doc, (sentences, chunks) in zip(documents, splits):
        texts += [doc.text[s.start:s.end] for s in sentences]
        texts += [doc.text[c.start:c.end] for c in chunks]
    vectors = embedder.embed(texts, progress=progress)
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
                progress=None, on_wait=None, allow_other_files: bool = False) -> BuildReport:
    """Index every document under docs_dir into index_dir (what `askdocs index` does): text,
    Markdown, PDF, Word and HTML files, each read by its reader (askdocs.readers).

    Only documents whose sha256 changed are embedded again; `full=True` re-embeds everything.
    `progress(done, total)` is called while embedding. Raises InputError for an unusable folder:
    the index folder must not be, contain or sit inside the documents folder, and must hold
    nothing askdocs did not write unless `allow_other_files` (askdocs never deletes those).
    """
    began = time.perf_counter()
    docs_dir, index_dir = Path(docs_dir), Path(index_dir)
    sources, skipped = scan_folder(docs_dir)
    check_folders(docs_dir, index_dir)
    check_writable(index_dir, allow_other_files)
    if not sources:
        raise no_documents(docs_dir)
    if embedder is None:
        embedder = cached_embedder(model)
    with build_lock(index_dir, on_wait=on_wait):
        previous = previous_index(index_dir, embedder, full)
        reading = read_sources(sources, previous)
        skipped += reading.skipped
        fresh = [e for e in reading.entries if isinstance(e, Document)]
        if not reading.entries:
            raise no_documents(docs_dir)
        new_records = {r.document.id: r for r in embed_documents(fresh, embedder, progress)}
        records = [new_records[e.id] if isinstance(e, Document) else e for e in reading.entries]
        ids = {r.document.id for r in records}
        old = previous.records
        added = sum(1 for d in fresh if d.id not in old)
        removed = sum(1 for doc_id in old if doc_id not in ids)
        written = bool(fresh or removed or not old or reading.unreadable != previous.unreadable)
        if written:
            write_stored(index_dir, manifest_for(docs_dir, embedder, records, reading.unreadable),
                         records)
        else:  # nothing changed, but a killed build may have left a temporary folder
            remove_stale(index_dir, keep=read_manifest(index_dir).generation)
    return BuildReport(
        added=added, updated=len(fresh) - added, removed=removed,
        unchanged=len(records) - len(fresh), documents=len(records),
        sentences=sum(len(r.sentences) for r in records),
        chunks=sum(len(r.chunks) for r in records),
        seconds=time.perf_counter() - began, written=written,
        skipped=tuple(skipped), notes=tuple(previous.notes + reading.notes))


def manifest_for(docs_dir: Path, embedder: Embedder, records: list[DocumentRecord],
                 unreadable: dict[str, SkippedInfo] | None = None) -> Manifest:
    """The manifest of a new generation (store.write_stored names the generation and files)."""
    return Manifest(
        model=describe(embedder),
        settings=dict(CHUNK_SETTINGS),
        docs_dir=str(docs_dir.resolve()),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        counts={"documents": len(records),
                "sentences": sum(len(r.sentences) for r in records),
                "chunks": sum(len(r.chunks) for r in records)},
        documents={r.document.id: DocumentInfo(r.document.sha256, r.document.title,
                                               r.document.date, r.document.size)
                   for r in records},
        skipped=dict(unreadable or {}),
    )


def stale_reason(docs_dir: str | Path, index_dir: str | Path) -> str | None:
    """Why the index does not reflect docs_dir (missing, or files changed), or None.

    A damaged or unreadable index is not stale but broken: its error is raised.
    """
    try:
        manifest = read_manifest(Path(index_dir))
    except IndexMissingError as error:
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
