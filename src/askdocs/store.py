"""The on-disk index: a JSON manifest naming immutable segments (stores/segment.py).

Layout of an index folder:

    manifest.json                the typed Manifest (manifest.py): documents, segments, checksums
    seg-<id>/.askdocs-generation marker: askdocs made this folder and may delete it
    seg-<id>/...                 one segment's files (manifest.FILES)

A build writes each new segment into a hidden temporary folder and renames it into place, then
replaces manifest.json with a rename: a reader sees the old index or the new one, never a mix,
and a killed build leaves the previous index loadable. Segments are never changed once written,
so an update writes only the changed documents (and, now and then, a merge). Nothing here
unpickles anything.

The index folder is input: everything read from it is validated, reads never leave it (a
segment is a plain name, symbolic links are refused), and askdocs deletes only folders it can
prove it made (see `is_own_generation`).
"""

from __future__ import annotations

import errno
import fcntl
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

from askdocs.documents import sha256_file
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
    SEGMENT_NAME,
    FileInfo,
    FormatMismatch,
    Manifest,
    ManifestError,
    SegmentInfo,
)
from askdocs.stores.segment import DocumentRecord, Segment, write_segment

MANIFEST = "manifest.json"
MARKER = ".askdocs-generation"
LOCK = ".lock"
STAGED_MANIFEST = ".manifest.json.tmp"
# What askdocs writes at the top of an index folder besides generations (milvus.db: the Milvus
# Lite database of `--store milvus`); README.md is the repository's own description of index/,
# and is left alone.
OWN_FILES = frozenset({MANIFEST, STAGED_MANIFEST, LOCK, "README.md", "milvus.db"})
# Folders of format 1 (one "generation" per build, before segments); those written before the
# marker existed: exactly this name shape, only these files.
LEGACY_GENERATION = re.compile(r"(?:\.tmp-)?gen-\d{8}T\d{6}-[0-9a-f]{8}")
LEGACY_FILES = frozenset({"sentences.faiss", "chunks.faiss", "documents.jsonl"})
# The temporary folder of a segment, exactly as new_name makes it (see is_own_generation).
KILLED_SEGMENT = re.compile(r"\.tmp-seg-\d{8}T\d{6}-[0-9a-f]{8}")
LOAD_ATTEMPTS = 5


@dataclass
class StoredIndex:
    """An opened index folder: its manifest and its segments (data mapped, not read)."""

    manifest: Manifest
    segments: list[Segment] = field(default_factory=list)
    remote: object = None  # an index kept in Milvus: milvus_search.Remote (no segments)

    def live(self, segment: Segment) -> np.ndarray:
        """Which of the segment's documents are live (the manifest names this segment)."""
        documents = self.manifest.documents
        return np.array([documents[e.id].segment == segment.name if e.id in documents else False
                         for e in segment.entries], dtype=bool)


def manifest_path(index_dir: Path) -> Path:
    return Path(index_dir) / MANIFEST


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


def segment_folder(index_dir: Path, name: str) -> Path:
    """A segment's folder: a real folder directly inside the index folder."""
    folder = index_dir / name
    mode = entry_mode(folder, index_dir)
    if mode is None:
        raise IndexCorruptError(f"{folder} is missing; {rebuild_hint(index_dir)}")
    if not stat.S_ISDIR(mode):
        raise damaged(folder, index_dir, "not a folder")
    return folder


def verify_files(index_dir: Path, segment: SegmentInfo) -> Path:
    """Check every data file of a segment against its checksum; return the segment's folder."""
    folder = segment_folder(index_dir, segment.name)
    for name in FILES:
        path = folder / name
        mode = entry_mode(path, index_dir)
        if mode is None:
            raise IndexCorruptError(f"{path} is missing; {rebuild_hint(index_dir)}")
        if not stat.S_ISREG(mode):
            raise damaged(path, index_dir, "not a regular file")
        if sha256_file(path) != segment.files[name].sha256:
            raise IndexCorruptError(f"{path} does not match its checksum in the manifest; "
                                    f"{rebuild_hint(index_dir)}")
    return folder


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
    stored = StoredIndex(manifest)
    try:
        for info in manifest.segments:
            stored.segments.append(open_segment(index_dir, manifest, info))
    except BaseException:
        for segment in stored.segments:
            segment.close()
        raise
    found = {e.id: e.sha256 for s in stored.segments for e, live in
             zip(s.entries, stored.live(s)) if live}
    if not manifest.store and \
            found != {doc_id: info.sha256 for doc_id, info in manifest.documents.items()}:
        raise damaged(manifest_path(index_dir), index_dir,
                      "its documents are not the ones its segments hold")
    return stored


def open_segment(index_dir: Path, manifest: Manifest, info: SegmentInfo) -> Segment:
    folder = verify_files(index_dir, info)
    try:
        segment = Segment(folder, info.name, (info.documents, info.sentences, info.chunks))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise damaged(folder, index_dir, str(error)[:200]) from error
    except RuntimeError as error:  # FAISS could not read a vector file
        raise IndexCorruptError(f"{folder} holds an unreadable vector file; "
                                f"{rebuild_hint(index_dir)}") from error
    if any(s != manifest.model.dimension for s in (segment.sentence_store.dimension,
                                                   segment.chunk_store.dimension)):
        segment.close()
        raise damaged(folder, index_dir, "its vectors are not of the model's dimension")
    return segment


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def new_name(prefix: str) -> str:
    return f"{prefix}-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"


def write_stored(index_dir: str | Path, manifest: Manifest, kept: list[SegmentInfo],
                 parts: list[list[DocumentRecord]]) -> None:
    """Write each part as a new segment beside the kept ones, then swap in the manifest naming
    them all. A document in `manifest.documents` whose segment is "" is one of the parts'.

    A build that fails midway removes its own folders; the current index is untouched.
    """
    index_dir = Path(index_dir)
    documents, written = dict(manifest.documents), []
    with writing(index_dir):
        try:
            for records in parts:
                info = write_new_segment(index_dir, records, manifest.model.dimension)
                written.append(info)
                for record in records:
                    documents[record.document.id] = replace(documents[record.document.id],
                                                            segment=info.name)
        except BaseException:
            for info in written:
                shutil.rmtree(index_dir / info.name, ignore_errors=True)
            raise
        final = replace(manifest, generation=new_name("gen"), documents=documents,
                        segments=tuple(kept) + tuple(written))
        staged = index_dir / STAGED_MANIFEST
        staged.write_text(json.dumps(final.to_json(), indent=2, ensure_ascii=False) + "\n",
                          "utf-8")
        fsync_path(staged)
        os.replace(staged, manifest_path(index_dir))
        fsync_path(index_dir)
    remove_stale(index_dir, keep={s.name for s in final.segments})


def write_new_segment(index_dir: Path, records: list[DocumentRecord],
                      dimension: int) -> SegmentInfo:
    """Write one segment into a temporary folder, fsync it, and rename it into place."""
    name = new_name("seg")
    temporary = index_dir / f".tmp-{name}"
    temporary.mkdir()
    try:
        (temporary / MARKER).write_text(f"askdocs generation {name}\n", "utf-8")
        write_segment(temporary, records, dimension)
        unexpected = set(os.listdir(temporary)) - {MARKER, *FILES}
        if unexpected:  # a library wrote more than this index describes: never ship it
            raise RuntimeError(f"unexpected files in a new segment: {sorted(unexpected)}")
        files = {}
        for file in (MARKER, *FILES):
            fsync_path(temporary / file)
        for file in FILES:
            files[file] = FileInfo(sha256_file(temporary / file),
                                   (temporary / file).stat().st_size)
        fsync_path(temporary)
        os.rename(temporary, index_dir / name)
    except BaseException:
        remove_own(temporary)
        raise
    return SegmentInfo(name, len(records), sum(len(r.sentences) for r in records),
                       sum(len(r.chunks) for r in records), files)


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
    segment (or a format-1 generation) that carries askdocs's marker naming it, a temporary one
    a killed build left before its marker was whole (empty but for it), or a generation from
    before the marker existed (the exact name shape, holding nothing but its data files)."""
    name = path.name.removeprefix(".tmp-")
    if not (SEGMENT_NAME.fullmatch(name) or GENERATION_NAME.fullmatch(name)):
        return False
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            return False
        marker = path / MARKER
        if stat.S_ISREG(os.lstat(marker).st_mode):
            text = marker.read_text("utf-8")
            if text == f"askdocs generation {name}\n":
                return True
            if not KILLED_SEGMENT.fullmatch(path.name):
                return False  # a marker cut short is only ours in a segment's temporary folder
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError):
        return False
    try:
        contents = set(os.listdir(path))
        if KILLED_SEGMENT.fullmatch(path.name) and contents <= {MARKER} and (
                not contents or f"askdocs generation {name}\n".startswith(
                    (path / MARKER).read_text("utf-8"))):
            return True  # a build killed (or still starting) before its marker was whole
    except (OSError, UnicodeDecodeError):
        return False
    return bool(LEGACY_GENERATION.fullmatch(path.name)) and contents <= LEGACY_FILES


def remove_stale(index_dir: Path, keep: set[str]) -> None:
    """Delete askdocs's own segments (and format-1 generations) other than those in `keep`:
    replaced, merged or left by killed builds. Nothing else."""
    for path in index_dir.iterdir():
        if path.name not in keep and is_own_generation(path):
            remove_own(path)


def remove_own(path: Path) -> None:
    """Delete a folder of askdocs's own, its marker last: a build killed halfway through
    leaves a folder that still proves it is askdocs's, and the next build clears it (removed
    in any order, a folder that had lost its marker was refused as another's from then on)."""
    try:
        entries = [entry for entry in os.listdir(path) if entry != MARKER]
    except OSError:
        return
    for entry in entries:
        target = path / entry
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target, ignore_errors=True)
        else:
            try:
                target.unlink()
            except OSError:
                pass
    try:
        (path / MARKER).unlink(missing_ok=True)
        path.rmdir()
    except OSError:
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
    """Hold the index's build lock; wait up to `wait` seconds for another build to finish. A
    build that fails in a folder it created leaves no folder behind if it wrote nothing else."""
    index_dir = Path(index_dir)
    created = not index_dir.exists()
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
        except BaseException:
            if created and [p.name for p in index_dir.iterdir()] == [LOCK]:
                (index_dir / LOCK).unlink()
                index_dir.rmdir()
            raise
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
