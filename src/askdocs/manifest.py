"""The index manifest: one typed, validated description of an index folder.

`manifest.json` is input like any other file: it may be damaged, hand-edited or hostile. It is
checked against one schema here, in one place, and the rest of askdocs reads only the typed
`Manifest` this module returns, never the raw JSON.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

FORMAT = "askdocs-index"
FORMAT_VERSION = 2
# The files of one segment: the document store, the span tables, the vector indexes and the
# BM25 indexes (bm25s's own format: numpy arrays and JSON, no pickle).
BM25_PARTS = ("data.npy", "indices.npy", "indptr.npy", "vocab.json", "params.json")
FILES = ("documents.jsonl", "text.bin", "sentences.npy", "chunks.npy", "sentences.faiss",
         "chunks.faiss", *(f"{table}.bm25.{part}" for table in ("sentences", "chunks")
                           for part in BM25_PARTS))
# A segment is a folder directly inside the index folder: never a path, never "..". The
# generation names one version of the manifest (what a cache of loaded indexes is keyed by).
SEGMENT_NAME = re.compile(r"seg-[0-9A-Za-z][0-9A-Za-z-]{0,63}")
GENERATION_NAME = re.compile(r"gen-[0-9A-Za-z][0-9A-Za-z-]{0,63}")
SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_DIMENSION = 65536
PRECISIONS = ("fp32", "int8")


class ManifestError(ValueError):
    """The manifest's JSON does not have the manifest's shape; says which field is wrong."""


class FormatMismatch(ManifestError):
    """The manifest is of another format or format version."""


@dataclass(frozen=True)
class ModelInfo:
    """The embedding model that made the vectors."""

    name: str
    identity: str  # fingerprint of the weights; a different one means different vectors
    dimension: int
    # the numbers it computes in: "fp32" (sentence-transformers or its ONNX export, the same
    # vectors) or "int8" (quantised: other vectors); older manifests have none and mean fp32
    precision: str = "fp32"
    encoder: str = ""  # what ran it ("sentence-transformers", "onnxruntime"): for the reader

    def vectors(self) -> tuple[str, str, int, str]:
        """What decides the vectors: two encoders equal in this give the same ones."""
        return self.name, self.identity, self.dimension, self.precision

    @classmethod
    def from_record(cls, model: dict) -> ModelInfo:
        """A model record as a manifest (or a Milvus meta record) holds it, checked."""
        dimension = _whole(model, "dimension")
        if not 0 < dimension <= MAX_DIMENSION:
            raise ManifestError(f"model dimension {dimension} is out of range")
        precision = model.get("precision", "fp32")
        if precision not in PRECISIONS:
            raise ManifestError(f"model precision is not one of {', '.join(PRECISIONS)}")
        encoder = model.get("encoder", "")
        if not isinstance(encoder, str):
            raise ManifestError("encoder is not a string")
        return cls(_text(model, "name"), _text(model, "identity"), dimension, precision,
                   encoder[:100])


@dataclass(frozen=True)
class DocumentInfo:
    """What the manifest records of one indexed document."""

    sha256: str
    title: str
    date: str | None
    size: int
    segment: str = ""  # the segment holding its live copy (older copies elsewhere are deleted)
    # a document without pages: the wording of its first and last lines (chunking.edge_keys),
    # and those of them that run across its report's pages (Document.shared); a later build
    # compares them with new files' (indexer.share_lines) without reading it again
    edges: tuple[str, ...] = ()
    shared: tuple[str, ...] = ()


def listed(documents: dict[str, DocumentInfo]) -> list[dict]:
    """Each indexed document as the app's list_documents and `askdocs list --json` give it:
    source (its id, as quotes name it), title, date (or None) and size in bytes."""
    return [{"source": doc_id, "title": info.title, "date": info.date, "size": info.size}
            for doc_id, info in documents.items()]


@dataclass(frozen=True)
class SkippedInfo:
    """A file the last build could not read: its hash (so it is not read again unchanged) and
    the reason."""

    sha256: str
    reason: str


@dataclass(frozen=True)
class FileInfo:
    """A data file of the generation: its checksum and size."""

    sha256: str
    bytes: int


@dataclass(frozen=True)
class SegmentInfo:
    """One immutable part of the index: its folder name, row counts and data files."""

    name: str
    documents: int  # rows in its document store, live or deleted
    sentences: int
    chunks: int
    files: dict[str, FileInfo]


@dataclass(frozen=True)
class Manifest:
    """An index folder's self-description; `generation` names the folder holding its data."""

    model: ModelInfo
    settings: dict[str, int]
    docs_dir: str
    built_at: str
    counts: dict[str, int]
    documents: dict[str, DocumentInfo]
    generation: str = ""  # filled in when the manifest is written
    segments: tuple[SegmentInfo, ...] = ()
    skipped: dict[str, SkippedInfo] = field(default_factory=dict)
    # "" for the index folder's own segments (FAISS); else where the index lives, e.g.
    # "milvus://milvus.db" (stores/milvus_store.py: a Lite folder inside the index folder is
    # recorded relative to it). Never a token.
    store: str = ""

    def to_json(self) -> dict:
        """The JSON object written to manifest.json."""
        return {"format": FORMAT, "format_version": FORMAT_VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, raw: object) -> Manifest:
        """Validate parsed JSON; raises ManifestError naming the first field that is wrong."""
        top = _object(raw, "the manifest")
        if not isinstance(top.get("format"), str) or type(top.get("format_version")) is not int:
            raise ManifestError("format is missing")
        if top["format"] != FORMAT or top["format_version"] != FORMAT_VERSION:
            raise FormatMismatch(f"format {top.get('format')!r} "
                                 f"v{top.get('format_version')!r}")
        generation = _text(top, "generation")
        if not GENERATION_NAME.fullmatch(generation):
            raise ManifestError(f"generation {generation[:80]!r} is not a generation name")
        model = ModelInfo.from_record(_object(top.get("model"), "model"))
        segments = top.get("segments")
        if not isinstance(segments, list):
            raise ManifestError("segments is not a list")
        segments = tuple(_segment(value) for value in segments)
        if len({s.name for s in segments}) != len(segments):
            raise ManifestError("a segment is listed twice")
        documents = {doc_id: _document(value, doc_id) for doc_id, value in
                     _object(top.get("documents"), "documents").items()}
        names = {s.name for s in segments}
        store = top.get("store", "")
        if not isinstance(store, str) or (store and not store.startswith("milvus://")):
            raise ManifestError("store is not a milvus:// address")
        if store and segments:
            raise ManifestError("an index in Milvus has no segments")
        if any(info.segment not in names for info in documents.values()) and not store:
            raise ManifestError("a document names a segment the manifest does not list")
        return cls(
            model=model,
            settings={key: _whole(_object(top.get("settings"), "settings"), key)
                      for key in _object(top.get("settings"), "settings")},
            docs_dir=_text(top, "docs_dir"),
            built_at=_text(top, "built_at"),
            counts={key: _whole(_object(top.get("counts"), "counts"), key)
                    for key in _object(top.get("counts"), "counts")},
            documents=documents,
            generation=generation,
            segments=segments,
            skipped={doc_id: _skipped(value, doc_id) for doc_id, value in
                     _object(top.get("skipped", {}), "skipped").items()},
            store=store,
        )


def _object(value: object, what: str) -> dict:
    if not isinstance(value, dict):
        raise ManifestError(f"{what} is not a JSON object")
    return value


def _text(owner: dict, key: str) -> str:
    value = owner.get(key)
    if not isinstance(value, str):
        raise ManifestError(f"{key} is not a string")
    return value


def _texts(owner: dict, key: str) -> tuple[str, ...]:
    value = owner.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ManifestError(f"{key} is not a list of strings")
    return tuple(value)


def _whole(owner: dict, key: str) -> int:
    value = owner.get(key)
    if type(value) is not int or value < 0:  # bool is an int subclass: excluded on purpose
        raise ManifestError(f"{key} is not a whole number")
    return value


def _hash(owner: dict, key: str) -> str:
    value = _text(owner, key)
    if not SHA256.fullmatch(value):
        raise ManifestError(f"{key} is not a sha256")
    return value


def _document(value: object, doc_id: str) -> DocumentInfo:
    doc = _object(value, f"document {doc_id[:80]!r}")
    date = doc.get("date")
    if date is not None and not isinstance(date, str):
        raise ManifestError(f"date of {doc_id[:80]!r} is not a string")
    return DocumentInfo(_hash(doc, "sha256"), _text(doc, "title"), date, _whole(doc, "size"),
                        _text(doc, "segment"), _texts(doc, "edges"), _texts(doc, "shared"))


def _segment(value: object) -> SegmentInfo:
    info = _object(value, "a segment")
    name = _text(info, "name")
    if not SEGMENT_NAME.fullmatch(name):
        raise ManifestError(f"segment {name[:80]!r} is not a segment folder name")
    files = _object(info.get("files"), f"files of {name}")
    if sorted(files) != sorted(FILES):
        raise ManifestError(f"the files of {name} must be exactly {', '.join(FILES)}")
    return SegmentInfo(name, _whole(info, "documents"), _whole(info, "sentences"),
                       _whole(info, "chunks"),
                       {file: _file(files[file], file) for file in FILES})


def _file(value: object, name: str) -> FileInfo:
    info = _object(value, f"file {name}")
    return FileInfo(_hash(info, "sha256"), _whole(info, "bytes"))


def _skipped(value: object, doc_id: str) -> SkippedInfo:
    info = _object(value, f"skipped file {doc_id[:80]!r}")
    return SkippedInfo(_hash(info, "sha256"), _text(info, "reason"))
