"""The on-disk index: a JSON manifest, FAISS vector files and a JSON-lines document store.

Layout of an index folder:

    manifest.json              the typed Manifest (manifest.py); names the generation
    gen-<id>/.askdocs-generation   marker: askdocs made this folder and may delete it
    gen-<id>/sentences.faiss   one vector per sentence (inner product on normalised vectors)
    gen-<id>/chunks.faiss      one vector per chunk
    gen-<id>/documents.jsonl   per document: metadata, extracted text, sentence/chunk/page spans

A build writes a new generation into a hidden temporary folder, renames it into place and then
replaces manifest.json with a rename: a reader sees the old index or the new one, never a mix,
and a killed build leaves the previous index loadable. Nothing here unpickles anything.

The index folder is input: everything read from it is validated, reads never leave it (the
generation is a plain name, symbolic links are refused), and askdocs deletes only folders it can
prove it made (see `is_own_generation`).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from askdocs.chunking import Chunk, Sentence
from askdocs.documents import Document
from askdocs.errors import (
    IndexAccessError,
    IndexBusyError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    InputError,
)
from askdocs.manifest import (
    FILES,
    FORMAT_VERSION,
    GENERATION_NAME,
    FileInfo,
    FormatMismatch,
    Manifest,
    ManifestError,
)

MANIFEST = "manifest.json"
MARKER = ".askdocs-generation"
LOCK = ".lock"
STAGED_MANIFEST = ".manifest.json.tmp"
# What askdocs writes at the top of an index folder besides generations; README.md is the
# repository's own description of index/, and is left alone.
OWN_FILES = frozenset({MANIFEST, STAGED_MANIFEST, LOCK, "README.md"})
# Generations written before the marker existed: exactly this name shape, only these files.
LEGACY_GENERATION = re.compile(r"(?:\.tmp-)?gen-\d{8}T\d{6}-[0-9a-f]{8}")
LOAD_ATTEMPTS = 5


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

    manifest: Manifest
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


def damaged(path: Path, index_dir: Path, why: str) -> IndexCorruptError:
    return IndexCorruptError(f"{path} is damaged ({why}); {rebuild_hint(index_dir)}")


@contextmanager
def looking(index_dir: Path):
    """Turn an index path that is a file, or a folder we may not read, into one clear error
    (the reading twin of `writing`)."""
    try:
        yield
    except NotADirectoryError:
        raise IndexAccessError(f"{index_dir} is a file, not an index folder") from None
    except PermissionError:
        raise IndexAccessError(f"cannot read the index at {index_dir}/: permission denied") \
            from None


def entry_mode(path: Path, index_dir: Path) -> int | None:
    """The mode of path itself (links not followed), None if absent; permission is an error."""
    with looking(index_dir):
        try:
            return os.lstat(path).st_mode
        except FileNotFoundError:
            return None


def read_manifest(index_dir: str | Path) -> Manifest:
    """The validated manifest; raises IndexMissing/Mismatch/Corrupt/AccessError."""
    index_dir = Path(index_dir)
    path = manifest_path(index_dir)
    mode = entry_mode(path, index_dir)  # an index path that is a file raises here
    if mode is None:
        raise IndexMissingError(f"no index at {index_dir}/, run `askdocs index`")
    if not stat.S_ISREG(mode):
        raise damaged(path, index_dir, "not a regular file")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except PermissionError:
        raise IndexAccessError(f"cannot read {path}: permission denied") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        raise damaged(path, index_dir, error.__class__.__name__) from error
    try:
        return Manifest.from_json(raw)
    except FormatMismatch as error:
        raise IndexMismatchError(f"{path} has {error}, this askdocs reads v{FORMAT_VERSION}; "
                                 f"{rebuild_hint(index_dir)}") from None
    except ManifestError as error:
        raise damaged(path, index_dir, str(error)) from None


def generation_folder(index_dir: Path, manifest: Manifest) -> Path:
    """The generation's data folder: a real folder directly inside the index folder."""
    generation = index_dir / manifest.generation
    mode = entry_mode(generation, index_dir)
    if mode is None:
        raise IndexCorruptError(f"{generation} is missing; {rebuild_hint(index_dir)}")
    if not stat.S_ISDIR(mode):
        raise damaged(generation, index_dir, "not a folder")
    return generation


def verify_files(index_dir: Path, manifest: Manifest) -> Path:
    """Check every data file against the manifest's checksum; return the generation folder."""
    generation = generation_folder(index_dir, manifest)
    for name in FILES:
        path = generation / name
        mode = entry_mode(path, index_dir)
        if mode is None:
            raise IndexCorruptError(f"{path} is missing; {rebuild_hint(index_dir)}")
        if not stat.S_ISREG(mode):
            raise damaged(path, index_dir, "not a regular file")
        if sha256_file(path) != manifest.files[name].sha256:
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


def _whole(value: object) -> bool:
    return type(value) is int  # not bool, not float


def spans(raw: dict, key: str, doc_id: str) -> list[list[int]]:
    """A record's list of spans, each four whole numbers; raises ValueError otherwise."""
    found = raw.get(key)
    for span in found if isinstance(found, list) else [None]:
        if not (isinstance(span, list) and len(span) == 4 and all(map(_whole, span))):
            raise ValueError(f"a {key[:-1]} span of {doc_id!r} is not four whole numbers")
    return found


def parse_record(line: str) -> tuple[Document, list[Sentence], list[Chunk]]:
    """One document store line, checked so that every span it gives is a real slice of its text.

    Raises ValueError saying what is impossible.
    """
    raw = json.loads(line)
    if not isinstance(raw, dict):
        raise ValueError("a record is not a JSON object")
    doc_id, text, title, date, size, sha = (raw.get(k) for k in
                                            ("id", "text", "title", "date", "size", "sha256"))
    if not all(isinstance(v, str) for v in (doc_id, text, title, sha)) or not _whole(size) \
            or not (date is None or isinstance(date, str)):
        raise ValueError("a record has a field of the wrong type")
    sentences, previous_end = [], 0
    for start, end, paragraph, quotable in spans(raw, "sentences", doc_id):
        if not previous_end <= start < end <= len(text) or quotable not in (0, 1):
            raise ValueError(f"a sentence span of {doc_id!r} is outside its text")
        sentences.append(Sentence(start, end, paragraph, bool(quotable)))
        previous_end = end
    chunks = []
    for start, end, first, last in spans(raw, "chunks", doc_id):
        if not (0 <= first <= last < len(sentences) and start == sentences[first].start
                and end == sentences[last].end):
            raise ValueError(f"a chunk of {doc_id!r} does not match its sentences")
        chunks.append(Chunk(start, end, first, last))
    pages = raw.get("pages", [])
    if not (isinstance(pages, list) and all(map(_whole, pages))
            and (not pages or pages[0] == 0) and all(a < b <= len(text) + 1 for a, b in
                                                     zip(pages, pages[1:]))):
        raise ValueError(f"the pages of {doc_id!r} are not offsets in its text")
    return Document(doc_id, text, title, date, size, sha, tuple(pages)), sentences, chunks


def load_stored(index_dir: str | Path) -> StoredIndex:
    """Load and verify an index folder. Raises IndexMissing/Mismatch/Corrupt/AccessError."""
    index_dir = Path(index_dir)
    for attempt in range(LOAD_ATTEMPTS):  # a build may swap generations under us: read again
        manifest = read_manifest(index_dir)
        try:
            return load_generation(index_dir, manifest)
        except IndexCorruptError:
            if attempt == LOAD_ATTEMPTS - 1 or \
                    read_manifest(index_dir).generation == manifest.generation:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def load_generation(index_dir: Path, manifest: Manifest) -> StoredIndex:
    """Read one generation; a file that vanishes midway (a build swapped it) is IndexCorrupt."""
    try:
        return read_generation(index_dir, manifest)
    except FileNotFoundError as error:
        raise IndexCorruptError(f"{error.filename} is missing; {rebuild_hint(index_dir)}") \
            from None
    except PermissionError as error:
        raise IndexAccessError(f"cannot read {error.filename}: permission denied") from None


def read_generation(index_dir: Path, manifest: Manifest) -> StoredIndex:
    generation = verify_files(index_dir, manifest)
    store = generation / "documents.jsonl"
    try:
        lines = store.read_text(encoding="utf-8").splitlines()
        parsed = [parse_record(line) for line in lines if line.strip()]
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise damaged(store, index_dir, str(error)[:200]) from error
    recorded = {doc_id: info.sha256 for doc_id, info in manifest.documents.items()}
    if {d.id: d.sha256 for d, _, _ in parsed} != recorded or len(parsed) != len(recorded):
        raise damaged(store, index_dir, "its documents are not the manifest's")
    dimension = manifest.model.dimension
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
        "pages": list(doc.pages),
    }, ensure_ascii=False)


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_stored(index_dir: str | Path, manifest: Manifest, records: list[DocumentRecord]) -> None:
    """Write a new generation beside the current one and swap it in atomically.

    A build that fails midway removes its own temporary folder; the current index is untouched.
    """
    index_dir = Path(index_dir)
    name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    temporary = index_dir / f".tmp-{name}"
    with writing(index_dir):
        temporary.mkdir()
        try:
            files = write_generation(temporary, name, manifest.model.dimension, records)
            os.rename(temporary, index_dir / name)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        staged = index_dir / STAGED_MANIFEST
        staged.write_text(json.dumps(replace(manifest, generation=name, files=files).to_json(),
                                     indent=2, ensure_ascii=False) + "\n", "utf-8")
        fsync_path(staged)
        os.replace(staged, manifest_path(index_dir))
        fsync_path(index_dir)
    remove_stale(index_dir, keep=name)


def write_generation(folder: Path, name: str, dimension: int,
                     records: list[DocumentRecord]) -> dict[str, FileInfo]:
    """The generation's files, fsynced, with their checksums. The marker is written first."""
    (folder / MARKER).write_text(f"askdocs generation {name}\n", "utf-8")
    with open(folder / "documents.jsonl", "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(record_json(record) + "\n")
    empty = np.zeros((0, dimension), np.float32)
    write_vectors(folder / "sentences.faiss",
                  np.vstack([r.sentence_vectors for r in records] or [empty]), dimension)
    write_vectors(folder / "chunks.faiss",
                  np.vstack([r.chunk_vectors for r in records] or [empty]), dimension)
    files = {}
    for file in (MARKER, *FILES):
        fsync_path(folder / file)
    for file in FILES:
        files[file] = FileInfo(sha256_file(folder / file), (folder / file).stat().st_size)
    return files


@contextmanager
def writing(index_dir: Path):
    """Turn an operating-system refusal to write the index into one clear error."""
    try:
        yield
    except OSError as error:
        if error.errno == errno.EACCES or error.errno == errno.EPERM or \
                error.errno == errno.EROFS:
            raise IndexAccessError(f"cannot write the index at {index_dir}/: "
                                   f"{error.strerror.lower()}") from None
        if error.errno == errno.ENOSPC:
            raise IndexAccessError(f"cannot write the index at {index_dir}/: "
                                   "no space left on the device") from None
        raise


def is_own_generation(path: Path) -> bool:
    """Whether askdocs provably made this folder: a real folder (not a link) named like a
    generation that carries askdocs's marker naming it, or a generation from before the marker
    existed (the exact name shape, holding nothing but askdocs's own data files)."""
    name = path.name.removeprefix(".tmp-")
    if not path.name.startswith(("gen-", ".tmp-gen-")) or not GENERATION_NAME.fullmatch(name):
        return False
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            return False
        marker = path / MARKER
        if stat.S_ISREG(os.lstat(marker).st_mode):
            return marker.read_text("utf-8") == f"askdocs generation {name}\n"
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError):
        return False
    try:
        contents = set(os.listdir(path))
    except OSError:
        return False
    return bool(LEGACY_GENERATION.fullmatch(path.name)) and contents <= set(FILES)


def remove_stale(index_dir: Path, keep: str) -> None:
    """Delete askdocs's own generations other than `keep` (older or killed builds), nothing else."""
    for path in index_dir.iterdir():
        if path.name != keep and is_own_generation(path):
            shutil.rmtree(path, ignore_errors=True)


def foreign_entries(index_dir: Path) -> list[str]:
    """Names in the index folder that askdocs did not write (sorted)."""
    with looking(index_dir):
        try:
            names = sorted(os.listdir(index_dir))
        except FileNotFoundError:
            return []
    # an entry that vanishes while we look was being swapped or cleared by another askdocs build
    return [name for name in names
            if name not in OWN_FILES and not is_own_generation(index_dir / name)
            and os.path.lexists(index_dir / name)]


def check_writable(index_dir: Path, allow_other_files: bool = False) -> None:
    """Refuse, before any work, an index folder askdocs cannot or should not write into."""
    others = foreign_entries(index_dir)  # an index path that is a file raises here
    if others and not allow_other_files:
        shown = ", ".join(repr(name) for name in others[:3]) + (", …" if len(others) > 3 else "")
        raise InputError(f"the index folder {index_dir}/ holds files askdocs did not write "
                         f"({shown}); choose an empty folder, or pass --allow-other-files "
                         "(askdocs never deletes them)")
    existing = index_dir if index_dir.exists() else next(
        (p for p in index_dir.absolute().parents if p.exists()), Path("/"))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise IndexAccessError(f"cannot write the index at {index_dir}/: permission denied")


@contextmanager
def build_lock(index_dir: str | Path, wait: float = 600.0, on_wait=None):
    """Hold the index's build lock; wait up to `wait` seconds for another build to finish."""
    index_dir = Path(index_dir)
    with writing(index_dir):
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / LOCK, "a+")  # noqa: SIM115 - closed below
    with handle:
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
