"""The engine at scale: candidates against the exhaustive scorer, segments and incremental
updates, the vector-store interface and the memory-mapped index."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from askdocs import AskDocs, HashEmbedder, build_index
from askdocs.indexer import MAX_SEGMENTS
from askdocs.store import load_stored, read_manifest
from askdocs.stores import faiss_store
from askdocs.stores.faiss_store import FaissStore

WORDS = ("lighthouse harbour keeper boat storm river market bread council vote school bridge "
         "museum painting engine railway forest otter beaver winter summer flood drought "
         "festival music library archive mayor budget tax hospital nurse doctor").split()


def corpus(folder, documents=60, sentences=30, seed=7):
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(documents):
        text = " ".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14)))
                        .capitalize() + "." for _ in range(sentences))
        (folder / f"doc{i:03d}.txt").write_text(text + "\n")
    return folder


QUESTIONS = ["which keeper saw the storm at the lighthouse", "how much was the school budget",
             "otters and beavers in winter", "the mayor opened the railway bridge",
             "flood at the museum archive", "doctor nurse hospital", "bread market festival",
             "a question about nothing in these documents xylophone"]


def test_candidates_rank_exactly_as_scoring_every_sentence(tmp_path):
    docs = corpus(tmp_path / "docs")
    build_index(docs, tmp_path / "index", embedder=HashEmbedder())
    embedder = HashEmbedder()
    fast = AskDocs.load(tmp_path / "index", embedder=embedder)
    reference = AskDocs.load(tmp_path / "index", embedder=embedder, depth=None)
    shallow = AskDocs.load(tmp_path / "index", embedder=embedder, depth=2)
    assert len(fast.searcher) == 1800
    differs = 0
    for question in QUESTIONS:
        vector = embedder.embed([question])
        got = fast.searcher.search(question, vector, k=10)
        want = reference.searcher.search(question, vector, k=10)
        assert [h.sentence for h in got] == [h.sentence for h in want], question
        assert [h.score for h in got] == pytest.approx([h.score for h in want], abs=1e-5)
        differs += [h.sentence for h in shallow.searcher.search(question, vector, k=10)] != \
            [h.sentence for h in want]
    assert differs  # two candidates per signal are too few: the comparison can fail


def segment_names(index):
    return [s.name for s in read_manifest(index).segments]


def test_an_edit_writes_one_small_segment_and_leaves_the_rest(tmp_path):
    docs, index = corpus(tmp_path / "docs"), tmp_path / "index"
    build_index(docs, index, embedder=HashEmbedder())
    [first] = segment_names(index)
    before = {p.name: p.stat().st_mtime_ns for p in (index / first).iterdir()}
    (docs / "doc005.txt").write_text("The zebra crossed the harbour at dawn.\n")
    (docs / "doc009.txt").unlink()
    report = build_index(docs, index, embedder=HashEmbedder())
    assert (report.updated, report.removed, report.unchanged) == (1, 1, 58)
    first_after, second = segment_names(index)
    assert first_after == first
    assert {p.name: p.stat().st_mtime_ns for p in (index / first).iterdir()} == before
    stored = load_stored(index)
    assert [len(s.entries) for s in stored.segments] == [60, 1]
    engine = AskDocs.load(index, embedder=HashEmbedder())
    assert len(engine.searcher) == 58 * 30 + 1
    assert read_manifest(index).counts == {"documents": 59, "sentences": 1741,
                                           "chunks": engine.manifest.counts["chunks"]}
    found = engine.rank("zebra crossed the harbour at dawn", k=50)
    assert found[0].source == "doc005.txt" and found[0].text.startswith("The zebra")
    assert {q.source for q in found} <= {f"doc{i:03d}.txt" for i in range(60)} - {"doc009.txt"}
    # the deleted copy of doc005 is never quoted: the new one is a single sentence
    assert all(q.source != "doc005.txt" or q.text.startswith("The zebra") for q in found)


def test_many_edits_merge_segments_and_answers_stay_right(tmp_path):
    docs, index = corpus(tmp_path / "docs", documents=20), tmp_path / "index"
    build_index(docs, index, embedder=HashEmbedder())
    for edit in range(MAX_SEGMENTS + 3):
        (docs / f"doc{edit:03d}.txt").write_text(f"Edit number {edit} names the walrus "
                                                  f"w{edit}x.\n")
        build_index(docs, index, embedder=HashEmbedder())
        names = segment_names(index)
        assert len(names) <= MAX_SEGMENTS
        on_disk = sorted(p.name for p in index.iterdir() if p.name.startswith("seg-"))
        assert on_disk == sorted(names)  # merged and replaced segments are deleted
    engine = AskDocs.load(index, embedder=HashEmbedder())
    assert len(engine.manifest.documents) == 20
    for edit in range(MAX_SEGMENTS + 3):
        [quote] = engine.rank(f"walrus w{edit}x", k=1)
        assert (quote.source, quote.text) == (f"doc{edit:03d}.txt",
                                              f"Edit number {edit} names the walrus w{edit}x.")
    full = AskDocs.load(index, embedder=HashEmbedder())
    assert sum(len(s.entries) for s in full.stored.segments) < 20 + MAX_SEGMENTS + 3


def test_a_mostly_deleted_segment_is_rewritten(tmp_path):
    docs, index = corpus(tmp_path / "docs", documents=10), tmp_path / "index"
    build_index(docs, index, embedder=HashEmbedder())
    [first] = segment_names(index)
    for i in range(6):
        (docs / f"doc{i:03d}.txt").unlink()
    build_index(docs, index, embedder=HashEmbedder())
    assert first not in segment_names(index) and not (index / first).exists()
    assert len(load_stored(index).segments[0].entries) == 4


def test_the_index_is_mapped_not_read(tmp_path):
    docs, index = corpus(tmp_path / "docs", documents=5), tmp_path / "index"
    build_index(docs, index, embedder=HashEmbedder())
    [segment] = load_stored(index).segments
    # plain read-only arrays over the files' mappings (faster to index than np.memmap itself)
    for array in (segment.sentences, segment.chunks, segment.sentence_bm25.data):
        assert isinstance(array.base, np.memmap) and not array.flags.writeable
    assert segment.made == {}  # no document text is decoded until a quote needs it
    entries = [json.loads(line) for line in (index / segment.name / "documents.jsonl")
               .read_text().splitlines()]
    assert all("text" in e and isinstance(e["text"], list) for e in entries)  # offsets only


@pytest.mark.parametrize("approximate", [False, True])
def test_the_faiss_store_keeps_the_vector_store_contract(tmp_path, monkeypatch, approximate):
    monkeypatch.setattr(faiss_store, "APPROXIMATE_FROM", 500 if approximate else 10**9)
    monkeypatch.setattr(faiss_store, "TRAINING_ROWS", 500)
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((2000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store = FaissStore.build(vectors[:1500], 32)
    store.add(vectors[1500:])
    assert len(store) == 2000 and (store.approximate is not None) == approximate
    error = np.abs(store.vectors(np.array([0, 1999])) - vectors[[0, 1999]]).max()
    assert error < (0.1 if approximate else 1e-3)  # 8-bit codes past 200k vectors, else fp16
    store.save(tmp_path / "v.faiss")
    loaded = FaissStore.load(tmp_path / "v.faiss")
    recall = []
    for row in (5, 600, 1700):
        scores, rows = loaded.search(vectors[row:row + 1], 20)
        exact = np.argsort(-(vectors @ vectors[row]))[:20]
        near = 0.05 if approximate else 1e-3
        assert rows[0] == row and scores[0] == pytest.approx(1.0, abs=near)
        assert list(scores) == sorted(scores, reverse=True)
        recall.append(len(set(rows) & set(exact)) / 20)
    assert min(recall) >= (0.5 if approximate else 1.0)
    live = np.ones(2000, dtype=bool)
    live[5] = False
    assert 5 not in loaded.search(vectors[5:6], 20, live)[1]
    loaded.delete(np.array([600]))
    assert 600 not in loaded.search(vectors[600:601], 20)[1]
    assert 600 not in loaded.search(vectors[600:601], 20, live)[1]
    assert 5 in loaded.search(vectors[5:6], 20)[1]


def test_an_ivf_of_8_bit_codes_built_before_the_fast_scan_codes_is_still_searched(tmp_path):
    import faiss

    rng = np.random.default_rng(4)
    vectors = rng.standard_normal((2000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    old = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(32), 32, 16,
                                        faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    old.train(vectors)
    old.add(vectors)
    old.nprobe = 16
    faiss.write_index(old, str(tmp_path / "old.faiss"))
    store = FaissStore.load(tmp_path / "old.faiss")
    assert store.approximate is not None and store.approximate.nprobe == 16
    live = np.ones(2000, dtype=bool)
    live[7] = False
    assert store.search(vectors[7:8], 5)[1][0] == 7
    assert 7 not in store.search(vectors[7:8], 5, live)[1]


def test_an_index_of_the_older_format_is_rebuilt_not_an_error(tmp_path):
    from askdocs.indexer import stale_reason
    from askdocs.service import Library

    docs, index = corpus(tmp_path / "docs", documents=3), tmp_path / "index"
    build_index(docs, index, embedder=HashEmbedder())
    manifest = json.loads((index / "manifest.json").read_text())
    manifest["format_version"] = 1  # what an older askdocs wrote
    (index / "manifest.json").write_text(json.dumps(manifest))
    assert "v1, this askdocs reads v2" in stale_reason(docs, index)
    report = Library(docs, index, embedder=HashEmbedder()).open()
    assert report.written and "rebuilt in full" in report.notes[0]
    assert len(segment_names(index)) == 1 and stale_reason(docs, index) is None
