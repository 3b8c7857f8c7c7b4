"""Building the index of a documents folder: incremental by content hash, swapped in atomically."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from askdocs.chunking import make_chunks, split_sentences
from askdocs.documents import Document, Skipped, load_folder
from askdocs.embedding import DEFAULT_MODEL, Embedder, cached_embedder, describe, same_model
from askdocs.errors import AskDocsError, IndexMissingError, InputError
from askdocs.manifest import DocumentInfo, Manifest
from askdocs.store import (
    DocumentRecord,
    build_lock,
    check_writable,
    load_stored,
    read_manifest,
    remove_stale,
    write_stored,
)

CHUNK_SETTINGS = {"chunk_target": 500, "chunk_limit": 1000, "chunk_min_break": 200}


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


def previous_records(index_dir: Path, embedder: Embedder, full: bool) -> tuple[dict, list[str]]:
    """Records of the current index that can be reused, by document id, and notes on why not."""
    if full:
        return {}, []
    try:
        stored = load_stored(index_dir)
    except IndexMissingError:
        return {}, []
    except AskDocsError as error:
        return {}, [f"previous index not reusable ({error}); rebuilt in full"]
    manifest = stored.manifest
    if not same_model(manifest.model, embedder):
        return {}, [f"previous index was built with {manifest.model.name}; rebuilt in full"]
    if manifest.settings != CHUNK_SETTINGS:
        return {}, ["chunk settings changed; rebuilt in full"]
    return {r.document.id: r for r in stored.records}, []


def split_document(document: Document) -> tuple[list, list]:
    sentences = split_sentences(document.text)
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
    """Index every .txt/.md file under docs_dir into index_dir (what `askdocs index` does).

    Only documents whose sha256 changed are embedded again; `full=True` re-embeds everything.
    `progress(done, total)` is called while embedding. Raises InputError for an unusable folder:
    the index folder must not be, contain or sit inside the documents folder, and must hold
    nothing askdocs did not write unless `allow_other_files` (askdocs never deletes those).
    """
    began = time.perf_counter()
    docs_dir, index_dir = Path(docs_dir), Path(index_dir)
    documents, skipped = load_folder(docs_dir)
    check_folders(docs_dir, index_dir)
    check_writable(index_dir, allow_other_files)
    if not documents:
        raise InputError(f"no readable .txt or .md documents in {docs_dir}/")
    if embedder is None:
        embedder = cached_embedder(model)
    with build_lock(index_dir, on_wait=on_wait):
        old, notes = previous_records(index_dir, embedder, full)
        fresh = [d for d in documents if d.id not in old or old[d.id].document.sha256 != d.sha256]
        new_records = {r.document.id: r for r in embed_documents(fresh, embedder, progress)}
        records = [new_records.get(d.id) or old[d.id] for d in documents]
        ids = {d.id for d in documents}
        added = sum(1 for d in fresh if d.id not in old)
        removed = sum(1 for doc_id in old if doc_id not in ids)
        written = bool(fresh or removed or not old)
        if written:
            write_stored(index_dir, manifest_for(docs_dir, embedder, records), records)
        else:  # nothing changed, but a killed build may have left a temporary folder
            remove_stale(index_dir, keep=read_manifest(index_dir).generation)
    return BuildReport(
        added=added, updated=len(fresh) - added, removed=removed,
        unchanged=len(documents) - len(fresh), documents=len(records),
        sentences=sum(len(r.sentences) for r in records),
        chunks=sum(len(r.chunks) for r in records),
        seconds=time.perf_counter() - began, written=written,
        skipped=tuple(skipped), notes=tuple(notes))


def manifest_for(docs_dir: Path, embedder: Embedder, records: list[DocumentRecord]) -> Manifest:
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
    )


def stale_reason(docs_dir: str | Path, index_dir: str | Path) -> str | None:
    """Why the index does not reflect docs_dir (missing, or files changed), or None.

    A damaged or unreadable index is not stale but broken: its error is raised.
    """
    try:
        manifest = read_manifest(Path(index_dir))
    except IndexMissingError as error:
        return str(error)
    documents, _ = load_folder(docs_dir)
    current = {d.id: d.sha256 for d in documents}
    recorded = {doc_id: info.sha256 for doc_id, info in manifest.documents.items()}
    if current != recorded:
        return "documents changed since the index was built"
    return None
