"""Documents: finding the files of a folder, reading them through their format's reader,
their metadata and content hashes.

A document's text is what its reader extracted (for .txt/.md the file's exact UTF-8 content, a
leading BOM dropped), so every offset computed later points into that text, which the index
stores. Scanning (names, types, sizes) is separate from reading, so that an unchanged file is
never read through its reader again.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from askdocs.errors import InputError
from askdocs.readers import (
    Extracted,
    Unreadable,
    described,
    extract,
    format_for,
    metadata_title,
)
from askdocs.readers.text import decode

TITLE_CHARS = 120
LETTER = re.compile(r"[^\W\d_]")  # a letter: a line or word with none is a number

# an SEC filing's cover: the registrant's name stands on the line above this label, and the
# cover's first line is "UNITED STATES" (of "… Securities and Exchange Commission")
REGISTRANT = re.compile(r"^\W*exact\s+name\s+of\s+registrant", re.IGNORECASE)
SEC_FORM = re.compile(r"^\s*form\s+(10-K|10-Q|8-K|20-F|40-F|6-K|S-1)\b", re.IGNORECASE)
COVER_LINES = 60  # a cover's lines read for the registrant
# A leading metadata line such as "date 2025-04-04" or "Date: 2025-04-04".
DATE_PREFIX = re.compile(r"\A\s*date\s*:?\s*(\d{4}-\d{2}-\d{2})\b\s*", re.IGNORECASE)
ANY_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


@dataclass(frozen=True)
class Document:
    """One file: its id (path relative to the folder), extracted text and metadata."""

    id: str
    text: str
    title: str
    date: str | None
    size: int
    sha256: str
    pages: tuple[int, ...] = ()  # paged formats (PDF): offset in `text` where each page starts
    # a document without pages filed beside others (a report's pages, one text file each): the
    # wording (chunking.line_key) of its first and last lines that recur across them, its
    # running header and footer (shared_lines)
    shared: tuple[str, ...] = ()

    def page_of(self, offset: int) -> int | None:
        """The 1-based page holding a text offset, or None for a document without pages."""
        return bisect.bisect_right(self.pages, offset) if self.pages else None


@dataclass(frozen=True)
class SourceFile:
    """A file of the documents folder that askdocs can read, not read yet."""

    id: str
    path: Path


@dataclass(frozen=True)
class Skipped:
    """A file that was not loaded, and why."""

    id: str
    reason: str


def body_start(text: str) -> int:
    """Offset where the prose starts, after a leading `date YYYY-MM-DD` metadata prefix."""
    match = DATE_PREFIX.match(text)
    return match.end() if match else 0


def find_date(text: str) -> str | None:
    """The date the text carries in its first lines, as YYYY-MM-DD, if any."""
    match = DATE_PREFIX.match(text) or ANY_DATE.search(text[:300])
    return match.group(1) if match else None


def find_title(text: str) -> str:
    """The first line with a letter (not a page number), or its first sentence, trimmed,
    without markdown heading marks; for an SEC filing, the registrant its cover names and the
    form ("ACME TOOLS INC, Form 10-K"), not "UNITED STATES"."""
    cover = [line.strip() for line in text[:20_000].split("\n", COVER_LINES)[:COVER_LINES]]
    for number, line in enumerate(cover):
        if REGISTRANT.match(line):
            name = next((n for n in reversed(cover[:number]) if LETTER.search(n)), "")
            form = next((m.group(1).upper() for m in map(SEC_FORM.match, cover[:number]) if m),
                        None)
            if name:
                title = f"{name}, Form {form}" if form else name
                return title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS - 1] + "…"
            break
    lines = text[body_start(text):].lstrip().split("\n", 20)[:20]
    line = next((n for n in lines if LETTER.search(n)), lines[0])
    line = line.strip().lstrip("#").strip()
    sentence = re.split(r"(?<=[.!?])\s+", line, maxsplit=1)[0]
    if len(sentence) > TITLE_CHARS:
        sentence = sentence[: TITLE_CHARS - 1].rstrip() + "…"
    return sentence


def make_document(doc_id: str, data: bytes, extracted: Extracted | None = None) -> Document:
    """A Document from a file's bytes and what its reader extracted (default: the bytes read
    as a text file, readers.text.decode; raises Unreadable for bytes that are not text)."""
    extracted = extracted or Extracted(decode(data))
    text = extracted.text
    return Document(
        id=doc_id,
        text=text,
        title=metadata_title(extracted.title) or find_title(text) or doc_id,
        date=extracted.date or find_date(text),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        pages=extracted.pages,
    )


def read_document(doc_id: str, data: bytes) -> tuple[Document, tuple[str, ...]]:
    """Read a file's bytes through its format's reader: the Document and the reader's notes.

    Raises Unreadable saying why the file cannot be indexed.
    """
    extracted = extract(doc_id, data)
    if not extracted.text.strip():
        raise Unreadable("empty")
    return make_document(doc_id, data, extracted), extracted.notes


def document_paths(folder: Path, others: Counter | None = None) -> list[Path]:
    """Every readable-format file under folder, recursively, in a stable order; hidden files and
    folders skipped. others, if given, counts the other files by their ending (".doc")."""
    paths = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if format_for(path.name) and path.is_file():
            paths.append(path)
        elif others is not None and path.is_file():
            others[path.suffix.lower() or "no ending"] += 1
    return paths


def other_files(others: Counter, counted: bool) -> tuple[str, str]:
    """('2 files of other formats', '.doc (1), .pptx (1)'): the commonest endings first."""
    total = sum(others.values())
    ranked = sorted(others.items(), key=lambda item: (-item[1], item[0]))
    endings = [f"{ending} ({count:,})" if counted else ending for ending, count in ranked[:5]]
    more = ", …" if len(ranked) > 5 else ""
    return f"{total:,} file{'s' if total > 1 else ''} of other formats", ", ".join(endings) + more


def other_files_note(others: Counter) -> str | None:
    """The build's note on the files of formats askdocs does not read; None if there are none."""
    if not others:
        return None
    files, endings = other_files(others, counted=True)
    return f"{files} not read: {endings} (askdocs reads {described()})"


def valid_name(name: str) -> bool:
    """Whether a file name is text: names that are not UTF-8 arrive with lone surrogates."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def escaped_name(name: str) -> str:
    """A file name's bytes as text, undecodable bytes written as \\xNN."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def scan_folder(folder: str | Path, others: Counter | None = None
                ) -> tuple[list[SourceFile], list[Skipped]]:
    """The files under folder that askdocs reads, and those it skips by name or size (others:
    document_paths)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"documents folder {folder}/ does not exist")
    sources, skipped = [], []
    for path in document_paths(folder, others):
        doc_id = path.relative_to(folder).as_posix()
        if not valid_name(doc_id):
            skipped.append(Skipped(escaped_name(doc_id), "the file name is not valid UTF-8"))
            continue
        limit = format_for(doc_id).max_bytes
        try:
            if path.stat().st_size > limit:
                skipped.append(Skipped(doc_id, f"larger than {limit // 2**20} MB"))
                continue
        except OSError as error:
            skipped.append(Skipped(doc_id, f"unreadable ({error.strerror or error})"))
            continue
        sources.append(SourceFile(doc_id, path))
    return sources, skipped


def no_documents(folder: Path, others: Counter | None = None) -> InputError:
    found = " ({}: {})".format(*other_files(others, counted=False)) if others else ""
    return InputError(f"no readable {described()} documents in {folder}/{found}")


def load_folder(folder: str | Path) -> tuple[list[Document], list[Skipped]]:
    """Read every document under folder; unreadable files are returned as Skipped."""
    sources, skipped = scan_folder(folder)
    documents = []
    for source in sources:
        try:
            document, _ = read_document(source.id, source.path.read_bytes())
        except Unreadable as error:
            skipped.append(Skipped(source.id, str(error)))
            continue
        except OSError as error:
            skipped.append(Skipped(source.id, f"unreadable ({error.strerror or error})"))
            continue
        documents.append(document)
    return documents, skipped


SHARED_FILES = 3  # a line runs across pages filed one file each if at least this many files
SHARED_PERCENT = 40  # and this share of the group repeat it first or last (as PDF pages must)
DIGIT_RUN = re.compile(r"\d+")
PAGE_NUMBER_RUN = re.compile(r"\d+(?=\D*$)")  # a path's last number


def report_of(doc_id: str) -> str:
    """The report a page filed as a file of its own belongs to: its path with its last number
    (the page's) left out ("HARBOR_2018_10K/page_#.txt"); its year stays."""
    return PAGE_NUMBER_RUN.sub("#", doc_id)


def shared_lines(edges: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Per document, which of its first and last lines (edges: their chunking.line_key, per
    document id, for documents without pages) run across the pages of one report filed one text
    file each, as a PDF repeats its running header ("Harbor Lights | 2018 Annual Report") and
    page numbers on each page: they are not quoted, and they name the document
    (keywords.identity_text). A report's pages are the files whose paths differ only in their
    numbers ("HARBOR_2018_10K/page_13.txt", "HARBOR_2018_10K_p13.txt"); a line must be first or
    last in at least SHARED_FILES of them and SHARED_PERCENT."""
    groups: dict[str, list[str]] = {}
    for doc_id in edges:
        groups.setdefault(DIGIT_RUN.sub("#", doc_id), []).append(doc_id)
    shared = {}
    for ids in groups.values():
        if len(ids) < SHARED_FILES:
            continue
        counts: dict[str, int] = {}
        for doc_id in ids:
            for key in set(edges[doc_id]):
                counts[key] = counts.get(key, 0) + 1
        needed = max(SHARED_FILES, -(-SHARED_PERCENT * len(ids) // 100))
        for doc_id in ids:
            own = tuple(k for k in edges[doc_id] if counts[k] >= needed)
            if own:
                shared[doc_id] = own
    return shared


def sha256_file(path: Path) -> str:
    """A file's SHA-256, read in 1 MB blocks (documents, index files, exported models)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
