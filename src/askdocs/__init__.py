"""askdocs: ask questions of a folder of documents; every answer is verbatim, sourced quotes.

    >>> import askdocs
    >>> askdocs.build_index("seeds", "index")
    >>> askdocs.ask("how many children died?").to_dict()

Heavy libraries (torch, sentence-transformers, FAISS) load only when an index is built or read.
"""

from askdocs.answer import Answer, Quote
from askdocs.chunking import Chunk, Sentence
from askdocs.documents import Document
from askdocs.embedding import HashEmbedder
from askdocs.engine import AskDocs, ask, load
from askdocs.errors import (
    AskDocsError,
    IndexBusyError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    InputError,
)
from askdocs.indexer import BuildReport, build_index, stale_reason

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "AskDocs",
    "AskDocsError",
    "BuildReport",
    "Chunk",
    "Document",
    "HashEmbedder",
    "IndexBusyError",
    "IndexCorruptError",
    "IndexMismatchError",
    "IndexMissingError",
    "InputError",
    "Quote",
    "Sentence",
    "ask",
    "build_index",
    "load",
    "stale_reason",
]
