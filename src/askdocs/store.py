"""The on-disk index: a JSON manifest, FAISS vector files and a JSON-lines document store.

Layout of an index folder:

    manifest.json          format, model, settings, documents, checksums; names the generation
    gen-<id>/sentences.faiss   one vector per sentence (inner product on normalised vectors)
    gen-<id>/chunks.faiss      one vector per chunk
    gen-<id>/documents.jsonl   per document: metadata, exact text, sentence and chunk spans

A build writes a new generation into a hidden temporary folder, renames it into place and then
replaces manifest.json with a rename: a reader sees the old index or the new one, never a mix,
and a killed build leaves the previous index loadable. Nothing here unpickles anything.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from askdocs.chunking import Chunk, Sentence
from askdocs.documents import Document
from askdocs.errors import IndexBusyError, IndexCorruptError, IndexMismatchError, IndexMissingError

FORMAT = "askdocs-index"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FILES = ("sentences.faiss", "chunks.faiss", "documents.jsonl")


@dataclass
class DocumentRecord:
    """A document as the index holds it: the document, its spans, and its vectors."""

    document: Document
    sentences: list[Sentence]
    chunks: list[Chunk]
    sentence_vectors: np.ndarray
    chunk_vectors: np.ndarray


@dataclass
class StoredIndex:
    """Everything loaded from an index folder."""

    manifest: dict
    records: list[DocumentRecord] = field(default_factory=list)


def manifest_path(index_dir: Path) -> Path:
    return Path(index_dir) / MANIFEST


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def rebuild_hint(index_dir: Path) -> str:
    return f"rebuild it with `askdocs index --full --index {index_dir}`"


def read_manifest(index_dir: Path) -> dict:
    """The manifest, checked for format; raises IndexMissingError or IndexCorruptError."""
    path = manifest_path(index_dir)
    if not path.is_file():
        raise IndexMissingError(f"no index at {index_dir}/, run `askdocs index`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise IndexCorruptError(f"{path} is damaged ({error.__class__.__name__}); "
                                f"{rebuild_hint(index_dir)}") from error
    required = ("format", "format_version", "generation", "model", "documents", "files")
    if not isinstance(manifest, dict) or any(key not in manifest for key in required):
        raise IndexCorruptError(f"{path} is incomplete; {rebuild_hint(index_dir)}")
    if manifest["format"] != FORMAT or manifest["format_version"] != FORMAT_VERSION:
        raise IndexMismatchError(
            f"{path} has format {manifest['format']} v{manifest['format_version']}, this askdocs "
            f"reads v{FORMAT_VERSION}; {rebuild_hint(index_dir)}")
    return manifest


def verify_files(index_dir: Path, manifest: dict) -> Path:
    """Check every data file against the manifest's checksum; return the generation folder."""
    generation = Path(index_dir) / str(manifest["generation"])
    for name in FILES:
        path = generation / name
        expected = manifest["files"].get(name, {})
        if not path.is_file():
            raise IndexCorruptError(f"{path} is missing; {rebuild_hint(index_dir)}")
        if sha256_file(path) != expected.get("sha256"):
            raise IndexCorruptError(f"{path} does not match its checksum in the manifest; "
                                    f"{rebuild_hint(index_dir)}")
    return generation


def read_vectors(path: Path, count: int, dimension: int, index_dir: Path) -> np.ndarray:
    import faiss

    try:
        index = faiss.read_index(str(path))
    except RuntimeError as error:
        raise IndexCorruptError(f"{path} is not a readable FAISS index; "
                                f"{rebuild_hint(index_dir)}") from error
    if index.ntotal != count or index.d != dimension:
        raise IndexCorruptError(f"{path} holds {index.ntotal} vectors of {index.d} dimensions, "
                                f"the records say {count} of {dimension}; "
                                f"{rebuild_hint(index_dir)}")
    return index.reconstruct_n(0, index.ntotal) if count else np.zeros((0, dimension), np.float32)


def parse_record(line: str) -> tuple[Document, list[Sentence], list[Chunk]]:
    raw = json.loads(line)
    document = Document(raw["id"], raw["text"], raw["title"], raw["date"], raw["size"],
                        raw["sha256"])
    sentences = [Sentence(s, e, p, bool(q)) for s, e, p, q in raw["sentences"]]
    chunks = [Chunk(s, e, f, last) for s, e, f, last in raw["chunks"]]
    return document, sentences, chunks


def load_stored(index_dir: str | Path) -> StoredIndex:
    """Load and verify an index folder. Raises IndexMissing/Mismatch/CorruptError."""
    index_dir = Path(index_dir)
    for attempt in range(3):  # a concurrent build may swap generations under us: read again
        manifest = read_manifest(index_dir)
        try:
            return load_generation(index_dir, manifest)
        except IndexCorruptError:
            if attempt == 2 or read_manifest(index_dir)["generation"] == manifest["generation"]:
                raise
    raise AssertionError("unreachable")


def load_generation(index_dir: Path, manifest: dict) -> StoredIndex:
    generation = verify_files(index_dir, manifest)
    dimension = int(manifest["model"]["dimension"])
    try:
        lines = (generation / "documents.jsonl").read_text(encoding="utf-8").splitlines()
        parsed = [parse_record(line) for line in lines if line.strip()]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise IndexCorruptError(f"{generation / 'documents.jsonl'} is damaged; "
                                f"{rebuild_hint(index_dir)}") from error
    n_sentences = sum(len(s) for _, s, _ in parsed)
    n_chunks = sum(len(c) for _, _, c in parsed)
    sentence_vectors = read_vectors(generation / "sentences.faiss", n_sentences, dimension,
                                    index_dir)
    chunk_vectors = read_vectors(generation / "chunks.faiss", n_chunks, dimension, index_dir)
    stored, s_row, c_row = StoredIndex(manifest), 0, 0
    for document, sentences, chunks in parsed:
        stored.records.append(DocumentRecord(
            document, sentences, chunks,
            sentence_vectors[s_row:s_row + len(sentences)],
            chunk_vectors[c_row:c_row + len(chunks)]))
        s_row += len(sentences)
        c_row += len(chunks)
    return stored


def write_vectors(path: Path, vectors: np.ndarray, dimension: int) -> None:
    import faiss

    index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.write_index(index, str(path))


def record_json(record: DocumentRecord) -> str:
    doc = record.document
    return json.dumps({
        "id": doc.id, "title": doc.title, "date": doc.date, "size": doc.size,
        "sha256": doc.sha256, "text": doc.text,
        "sentences": [[s.start, s.end, s.paragraph, int(s.quotable)] for s in record.sentences],
        "chunks": [[c.start, c.end, c.first, c.last] for c in record.chunks],
    }, ensure_ascii=False)


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_stored(index_dir: str | Path, manifest: dict, records: list[DocumentRecord]) -> None:
    """Write a new generation beside the current one and swap it in atomically."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    temporary = index_dir / f".tmp-{name}"
    temporary.mkdir()
    dimension = int(manifest["model"]["dimension"])
    with open(temporary / "documents.jsonl", "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(record_json(record) + "\n")
    empty = np.zeros((0, dimension), np.float32)
    write_vectors(temporary / "sentences.faiss",
                  np.vstack([r.sentence_vectors for r in records] or [empty]), dimension)
    write_vectors(temporary / "chunks.faiss",
                  np.vstack([r.chunk_vectors for r in records] or [empty]), dimension)
    files = {}
    for file in FILES:
        fsync_path(temporary / file)
        files[file] = {"sha256": sha256_file(temporary / file),
                       "bytes": (temporary / file).stat().st_size}
    os.rename(temporary, index_dir / name)
    manifest = {**manifest, "format": FORMAT, "format_version": FORMAT_VERSION,
                "generation": name, "files": files}
    staged = index_dir / ".manifest.json.tmp"
    staged.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
    fsync_path(staged)
    os.replace(staged, manifest_path(index_dir))
    fsync_path(index_dir)
    remove_stale(index_dir, keep=name)


def remove_stale(index_dir: Path, keep: str) -> None:
    """Delete generations and temporary folders other than `keep` (older or killed builds)."""
    for path in index_dir.iterdir():
        if path.is_dir() and path.name != keep and path.name.startswith(("gen-", ".tmp-gen-")):
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def build_lock(index_dir: str | Path, wait: float = 600.0, on_wait=None):
    """Hold the index's build lock; wait up to `wait` seconds for another build to finish."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "a+") as handle:
        deadline, told = time.monotonic() + wait, False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(f"another askdocs is building {index_dir}/; "
                                         "try again when it has finished") from None
                if on_wait and not told:
                    on_wait()
                    told = True
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
