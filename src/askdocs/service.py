"""A documents folder and its index kept together for a long-running app: build on start when
missing or stale, answer questions, add uploaded files, swap the new index in atomically.

A question takes a reference to the current engine and keeps it for its whole run, so an upload
that swaps the engine meanwhile never mixes the old index with the new one.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from askdocs.answer import Answer
from askdocs.documents import Document
from askdocs.embedding import DEFAULT_MODEL, Embedder
from askdocs.engine import AskDocs
from askdocs.errors import AskDocsError, InputError
from askdocs.indexer import BuildReport, build_index, stale_reason
from askdocs.manifest import DocumentInfo
from askdocs.readers import Unreadable, described, extract, format_for
from askdocs.readers.worker import reader_process

MAX_NAME_CHARS = 120  # well under every file system's 255-byte limit, in UTF-8
MAX_SUFFIX_CHARS = 16


@dataclass(frozen=True)
class Upload:
    """What happened to one uploaded file."""

    name: str
    accepted: bool
    message: str


def safe_name(name: str) -> str:
    """A plain file name from an uploaded one: no folders, no control or odd characters."""
    name = unicodedata.normalize("NFC", Path(str(name).replace("\\", "/")).name)
    name = re.sub(r"[^\w.\- ]+", "_", name).strip(" .")
    if len(name) <= MAX_NAME_CHARS:
        return name
    stem, suffix = Path(name).stem, Path(name).suffix
    if len(suffix) > MAX_SUFFIX_CHARS:  # no real suffix: shorten the whole name
        return name[:MAX_NAME_CHARS]
    return stem[:MAX_NAME_CHARS - len(suffix)].rstrip(" .") + suffix  # shortened, suffix kept


def check_upload(path: Path, name: str, existing: Path) -> tuple[str, bytes]:
    """The safe name and bytes of an acceptable upload; raises InputError saying why not.

    Each format has its size limit (askdocs.readers.FORMATS); the file is read through its
    reader, so a file that could not be indexed is refused here and nothing of it is kept.
    """
    clean = safe_name(name)
    fmt = format_for(clean) if clean else None
    if fmt is None:
        raise InputError(f"{name}: only {described()} files can be added")
    size = path.stat().st_size
    if size > fmt.max_upload_bytes:
        raise InputError(f"{name}: {size / 2**20:.1f} MB is over the "
                         f"{fmt.max_upload_bytes // 2**20} MB limit for {fmt.name} files")
    data = path.read_bytes()
    try:
        text = extract(clean, data).text
    except Unreadable as error:
        raise InputError(f"{name}: {error}") from None
    if not text.strip():
        raise InputError(f"{name}: the file is empty")
    target = existing / clean
    if target.exists() and target.read_bytes() != data:
        raise InputError(f"{name}: a different document named {clean} is already indexed")
    return clean, data


class Library:
    """The app's documents folder, index and loaded engine."""

    def __init__(self, docs_dir: str | Path = "seeds", index_dir: str | Path = "index", *,
                 model: str = DEFAULT_MODEL, embedder: Embedder | None = None,
                 store: str | None = None, token: str | None = None):
        """store, token: where the index lives if not in the folder (see build_index)."""
        self.store, self.token = store, token
        self.docs_dir = Path(docs_dir)
        self.index_dir = Path(index_dir)
        self.model = model
        # None: askdocs's own choice, the build encoder for documents and the (smaller) query
        # encoder for questions (embedding.QUERY_PRECISIONS)
        self.embedder = embedder
        self.engine: AskDocs | None = None
        self.writing = threading.Lock()

    def open(self, progress=None) -> BuildReport | None:
        """Load the index, building it first if it is missing or stale."""
        report = None
        if stale_reason(self.docs_dir, self.index_dir):
            report = build_index(self.docs_dir, self.index_dir, embedder=self.embedder,
                                 model=self.model, store=self.store, token=self.token,
                                 progress=progress)
        self.engine = AskDocs.load(self.index_dir, model=self.model, embedder=self.embedder,
                                   store=self.store, token=self.token)
        return report

    def current(self) -> AskDocs:
        if self.engine is None:
            raise AskDocsError("the index is not loaded yet")
        return self.engine

    def ask(self, question: str, previous: str | None = None) -> Answer:
        return self.current().ask(question, previous=previous)

    def documents(self) -> dict[str, DocumentInfo]:
        """What the index records of each document (id -> title, date, size), no text."""
        return self.current().manifest.documents

    def document(self, doc_id: str) -> Document | None:
        """An indexed document with its text, or None if it is not (or no longer) indexed."""
        try:
            return self.current().document(doc_id)
        except KeyError:
            return None

    def built_at(self) -> str:
        return self.current().manifest.built_at

    def page_image(self, document: Document, page: int, ranges: list[tuple[int, int]]) -> bytes:
        """A PNG of a page (1-based) of an indexed PDF with the text ranges (document offsets)
        boxed. Raises AskDocsError if the file is gone or has changed since it was indexed."""
        path = (self.docs_dir / document.id).resolve()
        if self.docs_dir.resolve() not in path.parents or not path.is_file():
            raise AskDocsError(f"{document.id} is no longer in the documents folder")
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != document.sha256:
            raise AskDocsError(f"{document.id} has changed since it was indexed")
        start = document.pages[page - 1]
        on_page = [(max(s, start) - start, e - start) for s, e in ranges if e > start]
        try:
            return reader_process().render(data, page - 1, on_page)
        except Unreadable as error:
            raise AskDocsError(f"{document.id}: {error}") from None

    def add(self, files: list[tuple[Path, str]], progress=None) -> list[Upload]:
        """Add uploaded files (temporary path, original name); index them; swap the engine.

        Each refused file is reported and nothing of it is kept; the others are indexed together.
        `progress(done, total)` is called while they are embedded.
        """
        results, accepted = [], []
        with self.writing:
            for path, name in files:
                try:
                    clean, data = check_upload(Path(path), name, self.docs_dir)
                except InputError as error:
                    results.append(Upload(safe_name(name) or str(name), False, str(error)))
                    continue
                except OSError as error:
                    results.append(Upload(str(name), False, f"{name}: unreadable ({error})"))
                    continue
                accepted.append((clean, data))
            if accepted:
                self.write_documents(accepted)
                report = build_index(self.docs_dir, self.index_dir, embedder=self.embedder,
                                     model=self.model, store=self.store, token=self.token,
                                     progress=progress)
                self.engine = AskDocs.load(self.index_dir, model=self.model,
                                           embedder=self.embedder, store=self.store,
                                           token=self.token)
                for clean, _ in accepted:
                    notes = "".join(f"; {note}" for doc_id, note in report.noted
                                    if doc_id == clean)
                    results.append(Upload(clean, True,
                                          f"{clean}: indexed ({report.summary()}){notes}"))
        return results

    def write_documents(self, accepted: list[tuple[str, bytes]]) -> None:
        """Write files through a temporary name, so a reader never sees half a file."""
        self.docs_dir.mkdir(parents=True, exist_ok=True)
        for clean, data in accepted:
            with tempfile.NamedTemporaryFile(dir=self.docs_dir, prefix=".upload-",
                                             delete=False) as handle:
                handle.write(data)
            shutil.move(handle.name, self.docs_dir / clean)
