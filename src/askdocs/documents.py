"""Documents: loading a folder of .txt/.md files, their metadata and content hashes.

A document's text is the file's exact content decoded as UTF-8 (a leading BOM is dropped),
so every offset computed later points into the real file.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from askdocs.errors import InputError

SUFFIXES = (".txt", ".md")
MAX_FILE_BYTES = 50 * 1024 * 1024  # larger files are skipped: they are rarely prose
TITLE_CHARS = 120

# A leading metadata line such as "date 2025-04-04" or "Date: 2025-04-04".
DATE_PREFIX = re.compile(r"\A\s*date\s*:?\s*(\d{4}-\d{2}-\d{2})\b\s*", re.IGNORECASE)
ANY_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


@dataclass(frozen=True)
class Document:
    """One text file: its id (path relative to the folder), exact text and metadata."""

    id: str
    text: str
    title: str
    date: str | None
    size: int
    sha256: str


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
    """The first line (or its first sentence), trimmed, without markdown heading marks."""
    body = text[body_start(text):].lstrip()
    line = body.split("\n", 1)[0].strip().lstrip("#").strip()
    sentence = re.split(r"(?<=[.!?])\s+", line, maxsplit=1)[0]
    if len(sentence) > TITLE_CHARS:
        sentence = sentence[: TITLE_CHARS - 1].rstrip() + "…"
    return sentence


def decode(data: bytes) -> str:
    """Decode file bytes as UTF-8, dropping a BOM; refuse binary content."""
    if b"\x00" in data:
        raise UnicodeDecodeError("utf-8", data, data.index(b"\x00"), data.index(b"\x00") + 1,
                                 "NUL byte: binary file")
    text = data.decode("utf-8")
    return text[1:] if text.startswith("\ufeff") else text


def make_document(doc_id: str, data: bytes) -> Document:
    """Build a Document from raw bytes; raises UnicodeDecodeError for non-text."""
    text = decode(data)
    return Document(
        id=doc_id,
        text=text,
        title=find_title(text) or doc_id,
        date=find_date(text),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def document_paths(folder: Path) -> list[Path]:
    """Every .txt/.md file under folder, recursively, in a stable order; hidden files skipped."""
    paths = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix.lower() in SUFFIXES and path.is_file():
            paths.append(path)
    return paths


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


def load_folder(folder: str | Path) -> tuple[list[Document], list[Skipped]]:
    """Load every readable document under folder; unreadable files are returned as Skipped."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"documents folder {folder}/ does not exist")
    documents, skipped = [], []
    for path in document_paths(folder):
        doc_id = path.relative_to(folder).as_posix()
        if not valid_name(doc_id):
            skipped.append(Skipped(escaped_name(doc_id), "the file name is not valid UTF-8"))
            continue
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                skipped.append(Skipped(doc_id, f"larger than {MAX_FILE_BYTES // 2**20} MB"))
                continue
            document = make_document(doc_id, path.read_bytes())
        except UnicodeDecodeError:
            skipped.append(Skipped(doc_id, "not UTF-8 text"))
            continue
        except OSError as error:
            skipped.append(Skipped(doc_id, f"unreadable ({error.strerror or error})"))
            continue
        if not document.text.strip():
            skipped.append(Skipped(doc_id, "empty"))
            continue
        documents.append(document)
    return documents, skipped
