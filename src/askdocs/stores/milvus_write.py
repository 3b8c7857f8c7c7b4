"""Writing a Milvus-backed index: a build's rows, term counts and commit protocol
(stores/milvus_store.py describes the layout and why it is so).

One build: `start_build` claims a build number and clears what a killed build left;
`write_documents` inserts the new and changed documents under fresh keys; `count_terms` and
`update_terms` move the document frequencies; `finish_build` commits the meta record (the
moment readers see the new index) and deletes the rows of changed and removed documents.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from askdocs.chunking import chunk_texts, edge_keys
from askdocs.documents import no_documents
from askdocs.embedding import Embedder, describe, same_model
from askdocs.errors import IndexMismatchError
from askdocs.keywords import Tokenizer, identity_text, lucene_idf, sentence_tokens
from askdocs.manifest import DocumentInfo, ManifestError, ModelInfo, SkippedInfo
from askdocs.stores.milvus_store import (
    EMPTY_WEIGHTS,
    MAX_TERM,
    TEXT_PIECE,
    Meta,
    MilvusIndex,
    MilvusTarget,
    document_infos,
    row_id,
    skipped_infos,
    term_counts,
    term_dimension,
)
from askdocs.stores.segment import DocumentRecord


def start_build(index: MilvusIndex, meta: Meta) -> tuple[Meta, int]:
    """Claim the next build number, after deleting a killed build's leftovers: rows under keys
    no build committed, and rows of documents a committed build removed but did not delete."""
    abandoned = meta.abandoned
    if meta.next_build > meta.build + 1 and meta.next_build - 1 not in abandoned:
        abandoned += (meta.next_build - 1,)  # it claimed its number and never committed
    index.delete_keys(f"key >= {meta.next_key}")
    if meta.removed:
        index.delete_keys(f"key in {list(meta.removed)}")
    build = meta.next_build
    meta = replace(meta, removed=(), abandoned=abandoned, next_build=build + 1)
    index.commit(meta)
    return meta, build


def bm25_weights(tokens: list[list[str]]) -> list[dict[int, float]]:
    """Each row's BM25 term weights without the IDF, by term dimension: bm25s's scores (as the
    FAISS store saves them) divided by bm25s's own IDF, which the query side applies instead."""
    import bm25s

    if not tokens:
        return []
    model = bm25s.BM25()  # method "lucene", k1 1.5, b 0.75: keywords.save_bm25's
    model.index([t or [""] for t in tokens], show_progress=False)
    data, indices = model.scores["data"], model.scores["indices"]
    indptr, rows = model.scores["indptr"], int(model.scores["num_docs"])
    out: list[dict[int, float]] = [{} for _ in tokens]
    for term, column in model.vocab_dict.items():
        if not term or len(term) > MAX_TERM or not 0 <= column < len(indptr) - 1:
            continue
        a, b = int(indptr[column]), int(indptr[column + 1])
        own = float(lucene_idf(b - a, rows))
        if b <= a or own <= 0:
            continue
        dim = term_dimension(term)
        for row, weight in zip(indices[a:b].tolist(), (data[a:b] / own).tolist()):
            out[row][dim] = out[row].get(dim, 0.0) + weight
    return [w or dict(EMPTY_WEIGHTS) for w in out]


def write_documents(index: MilvusIndex, records: list[DocumentRecord],
                    first_key: int) -> tuple[tuple[Counter, Counter], list[tuple[int, dict]]]:
    """Insert the documents' rows under keys first_key, first_key + 1, ...; returns how many
    sentence and chunk rows hold each term dimension (for the document frequencies), and each
    document's key and "doc:" record."""
    tokenize = Tokenizer()
    s_tokens, c_tokens = [], []
    for record in records:
        text = record.document.text
        s_tokens += sentence_tokens(tokenize, [text[s.start:s.end] for s in record.sentences])
        c_tokens += [tokenize(t) for t in chunk_texts(text, record.document.pages,
                                                      record.chunks)]
    s_weights, c_weights = bm25_weights(s_tokens), bm25_weights(c_tokens)
    s_at = c_at = 0
    written = []
    for offset, record in enumerate(records):
        key = first_key + offset
        n_s, n_c = len(record.sentences), len(record.chunks)
        index.insert("sentences", sentence_rows(key, record, s_weights[s_at:s_at + n_s]))
        index.insert("chunks", chunk_rows(key, record, c_weights[c_at:c_at + n_c]))
        info, pieces = document_record(record)
        index.put_records([(f"doc:{key}", key, json.dumps(info, ensure_ascii=False))] + [
            (f"text:{key}:{n}", key, piece) for n, piece in enumerate(pieces)])
        written.append((key, info))
        s_at, c_at = s_at + n_s, c_at + n_c
    return (dimension_counts(s_weights), dimension_counts(c_weights)), written


def sentence_rows(key: int, record: DocumentRecord, weights: list[dict]) -> list[dict]:
    lo = np.zeros(len(record.sentences), dtype=np.int64)
    hi = np.full(len(record.sentences), -1, dtype=np.int64)  # in no chunk: an empty range
    for c, chunk in enumerate(record.chunks):  # chunks are in order: each sentence's is a range
        fresh = hi[chunk.first:chunk.last + 1] < 0
        lo[chunk.first:chunk.last + 1][fresh] = c
        hi[chunk.first:chunk.last + 1] = c
    return [{"id": row_id(key, i), "key": key, "start": s.start, "end": s.end,
             "paragraph": s.paragraph, "quotable": int(s.quotable), "chunk_lo": int(lo[i]),
             "chunk_hi": int(hi[i]), "vector": record.sentence_vectors[i].tolist(),
             "terms": weights[i]} for i, s in enumerate(record.sentences)]


def chunk_rows(key: int, record: DocumentRecord, weights: list[dict]) -> list[dict]:
    return [{"id": row_id(key, i), "key": key, "start": c.start, "end": c.end,
             "first": c.first, "last": c.last, "vector": record.chunk_vectors[i].tolist(),
             "terms": weights[i]} for i, c in enumerate(record.chunks)]


def document_record(record: DocumentRecord) -> tuple[dict, list[str]]:
    """The document's "doc:" record and its text in pieces."""
    doc = record.document
    pieces = [doc.text[i:i + TEXT_PIECE] for i in range(0, len(doc.text), TEXT_PIECE)]
    info = {"id": doc.id, "title": doc.title, "date": doc.date, "size": doc.size,
            "sha256": doc.sha256, "pages": list(doc.pages), "chars": len(doc.text),
            "pieces": len(pieces), "identity": identity_text(doc),
            "edges": list(edge_keys(doc.text, doc.pages)), "shared": list(doc.shared),
            "sentences": len(record.sentences), "chunks": len(record.chunks)}
    return info, pieces


def dimension_counts(weights: list[dict[int, float]]) -> Counter:
    counts: Counter = Counter()
    for row in weights:
        counts.update(d for d in row if d)
    return counts


def removed_counts(index: MilvusIndex, gone: list[tuple[int, dict]]) -> tuple[Counter, Counter]:
    """How many sentence and chunk rows of these documents ((key, record) pairs) hold each term
    dimension."""
    return tuple(dimension_counts([r["terms"] for r in index.of_documents(
        table, [(key, info[table]) for key, info in gone], ["terms"])])
        for table in ("sentences", "chunks"))


def update_terms(index: MilvusIndex, meta: Meta, build: int, added: tuple[Counter, Counter],
                 removed: tuple[Counter, Counter]) -> None:
    """Write the new frequencies of every term dimension the build touched, keeping the
    committed ones beside them (read until this build commits)."""
    delta_s, delta_c = Counter(added[0]), Counter(added[1])
    delta_s.subtract(removed[0])
    delta_c.subtract(removed[1])
    dims = sorted(set(delta_s) | set(delta_c))
    current = index.records([f"term:{d}" for d in dims])
    rows = []
    for dim in dims:
        name = f"term:{dim}"
        s, c = term_counts(current[name][1], meta) if name in current else (0, 0)
        value = {"b": build, "s": max(s + delta_s[dim], 0), "c": max(c + delta_c[dim], 0),
                 "ps": s, "pc": c}
        rows.append((name, -1, json.dumps(value)))
    index.put_records(rows)


def finish_build(index: MilvusIndex, meta: Meta) -> None:
    """Commit (readers now see the new documents and no longer the removed ones), then delete
    the removed documents' rows and record that they are gone."""
    index.commit(meta)
    if meta.removed:
        index.delete_keys(f"key in {list(meta.removed)}")
        index.commit(replace(meta, removed=()))


@dataclass
class Known:
    """What a Milvus-backed index offers a build: its live documents (kept while unchanged)
    and the files known unreadable (indexer.read_sources reads these two)."""

    documents: dict[str, DocumentInfo]
    unreadable: dict[str, SkippedInfo]


def open_for_build(target: MilvusTarget, token: str | None, embedder: Embedder,
                   full: bool) -> tuple[MilvusIndex, Meta | None]:
    """Connect and check, before anything is written: the collections must be askdocs's,
    of this schema, built by this model and chunk settings (or `full`, which rebuilds them)."""
    from askdocs.indexer import CHUNK_SETTINGS

    index = MilvusIndex(target, token)
    try:
        meta = index.meta()
    except IndexMismatchError:
        if not full:
            raise
        meta = None
        index.drop()
    if meta is not None and not full:
        try:
            same = same_model(ModelInfo.from_record(meta.model), embedder)
        except (ManifestError, AttributeError):
            same = False
        if not same:
            raise IndexMismatchError(
                f"the Milvus collections {target.collection}_* were built with model "
                f"{str(meta.model.get('name'))[:200]!r}, not {embedder.name!r}; rebuild them "
                "with `askdocs index --full`")
        if meta.settings != CHUNK_SETTINGS:
            raise IndexMismatchError(
                f"the Milvus collections {target.collection}_* were built with other chunk "
                "settings; rebuild them with `askdocs index --full`")
    return index, meta


def update_milvus(docs_dir: Path, index: MilvusIndex, meta: Meta | None, embedder: Embedder,
                  sources: list, progress):
    """Read, embed and write what changed into a Milvus-backed index (one build); returns the
    report, the committed meta record and the live documents ((key, "doc:" record) pairs)."""
    from askdocs.indexer import (
        CHUNK_SETTINGS,
        BuildReport,
        embed_documents,
        read_sources,
        share_lines,
    )

    if meta is None:
        index.create(describe(embedder).dimension)
        meta = Meta(model=asdict(describe(embedder)), settings=dict(CHUNK_SETTINGS), counts={},
                    next_key=0, removed=(), build=0, next_build=1, abandoned=(), skipped={},
                    docs_dir="", built_at="")
        index.commit(meta)
    meta, build = start_build(index, meta)
    live = index.documents(meta)
    known = Known(document_infos(live), skipped_infos(meta))
    reading = read_sources(sources, known)
    if not reading.order:
        raise no_documents(docs_dir)
    share_lines(reading, sources)
    fresh = embed_documents(reading.fresh, embedder, progress)
    gone = [(key, info) for key, info in live if info["id"] not in reading.kept]
    added, written = write_documents(index, fresh, meta.next_key)
    update_terms(index, meta, build, added, removed_counts(index, gone))
    documents = [(key, info) for key, info in live if info["id"] in reading.kept] + written
    counts = {"documents": len(documents),
              "sentences": sum(info["sentences"] for _, info in documents),
              "chunks": sum(info["chunks"] for _, info in documents)}
    meta = replace(meta, next_key=meta.next_key + len(fresh),
                   removed=tuple(key for key, _ in gone),
                   build=build, counts=counts,
                   skipped={d: [i.sha256, i.reason] for d, i in reading.unreadable.items()},
                   docs_dir=str(docs_dir.resolve()),
                   built_at=datetime.now(UTC).isoformat(timespec="seconds"))
    finish_build(index, meta)
    old, indexed = known.documents, set(reading.order)
    added_count = sum(1 for d in reading.fresh if d.id not in old)
    report = BuildReport(
        added=added_count, updated=len(fresh) - added_count,
        removed=sum(1 for doc_id in old if doc_id not in indexed),
        unchanged=len(reading.order) - len(fresh), documents=len(reading.order),
        sentences=counts["sentences"], chunks=counts["chunks"], seconds=0.0,
        written=bool(fresh or gone), skipped=tuple(reading.skipped),
        notes=tuple(reading.notes), noted=tuple(reading.noted))
    return report, meta, documents
