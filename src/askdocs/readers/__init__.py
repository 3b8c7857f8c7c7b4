"""Readers: one per file format, each turning a file's bytes into the text askdocs indexes.

The table `FORMATS` (suffix -> reader) is the one place that says which files askdocs reads: the
indexer, the upload check, the app's accepted types and the error messages all read it, so a new
format is one entry here and one module beside this one.

Text files are decoded here, in this process. Every other format is parsed in a separate reader
process (`worker.py`) with a time and memory limit, so a hostile or broken file (a PDF with a
100 MB content stream, a DOCX zip bomb, a file that crashes the parser) costs at most that limit
and is skipped with a warning; it never stops a build or holds the app for long.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field

MB = 1024 * 1024


class Unreadable(Exception):  # noqa: N818 - a reason, not a failure of askdocs
    """The file cannot be read as its format; the message says why, for a warning."""


@dataclass(frozen=True)
class Extracted:
    """What a reader gives: the text, and for paged formats where each page starts in it."""

    text: str
    pages: tuple[int, ...] = ()  # offset in `text` where each page starts; () if not paged
    title: str | None = None  # from the file's metadata, when it has one
    date: str | None = None  # YYYY-MM-DD, from the file's metadata
    notes: tuple[str, ...] = field(default=())  # e.g. pages that had no text layer


# what a file's metadata gives for a title that names nothing: a tool's placeholder, or the name
# of the file it was made from ("Document" and "a2018form10-k.htm" of a filing printed from
# EDGAR, "Microsoft Word - minutes.docx"); a reader's other title, or the text's own
# (documents.find_title), is read instead
PLACEHOLDER_TITLE = re.compile(r"(?:untitled|anonymous|unknown|document)?|"
                               r"(?:microsoft word - )?.*\.(?:html?|xhtml|pdf|docx?|txt|md)",
                               re.IGNORECASE)


def metadata_title(title: str | None) -> str | None:
    """A title from a file's metadata, or None if it names nothing (PLACEHOLDER_TITLE)."""
    title = (title or "").strip()
    return None if PLACEHOLDER_TITLE.fullmatch(title) else title


@dataclass(frozen=True)
class Format:
    """One file format: its suffixes, a name for messages, and its limits."""

    name: str
    reader: str  # the module (beside this file) whose extract(data) reads the format
    suffixes: tuple[str, ...]
    max_bytes: int  # larger files are skipped when indexing a folder
    max_upload_bytes: int  # and refused as uploads in the app
    isolated: bool  # parsed in the reader process (untrusted binary formats)
    lines_are_paragraphs: bool  # DOCX and HTML: every line of the text is one paragraph


FORMATS = (  # name, reader module, suffixes, limit in a folder, limit as an upload
    Format("text", "text", (".txt", ".md"), 50 * MB, 5 * MB,
           isolated=False, lines_are_paragraphs=False),
    Format("PDF", "pdf", (".pdf",), 50 * MB, 50 * MB,
           isolated=True, lines_are_paragraphs=False),
    Format("Word", "docx", (".docx",), 50 * MB, 20 * MB,
           isolated=True, lines_are_paragraphs=True),
    Format("HTML", "html", (".html", ".htm"), 20 * MB, 10 * MB,
           isolated=True, lines_are_paragraphs=True),
)
SUFFIXES = tuple(suffix for fmt in FORMATS for suffix in fmt.suffixes)


def format_for(name: str) -> Format | None:
    """The format of a file name, by its suffix (case-insensitive), or None."""
    lowered = name.lower()
    return next((f for f in FORMATS if lowered.endswith(f.suffixes)), None)


def described() -> str:
    """'.txt, .md, .pdf, .docx, .html or .htm': for messages."""
    return ", ".join(SUFFIXES[:-1]) + " or " + SUFFIXES[-1]


def extract(name: str, data: bytes) -> Extracted:
    """The text of a file of a known format; raises Unreadable saying why not."""
    fmt = format_for(name)
    if fmt is None:
        raise Unreadable(f"not a {described()} file")
    if fmt.isolated:
        from askdocs.readers.worker import reader_process

        return reader_process().extract(fmt.suffixes[0], data)
    return extract_here(fmt.suffixes[0], data)


def extract_here(suffix: str, data: bytes) -> Extracted:
    """Parse in this process (the reader process calls this)."""
    fmt = format_for(suffix)
    if fmt is None:
        raise Unreadable(f"no reader for {suffix}")
    return importlib.import_module(f"askdocs.readers.{fmt.reader}").extract(data)
