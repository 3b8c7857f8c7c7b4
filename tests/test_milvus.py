"""The Milvus store, against a real Milvus Lite (no mock): the same answers as FAISS, updates
that leave no stale or duplicate rows, a killed build that readers never see, and one-line
errors that write nothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import CHILDREN, ROOT, CountingEmbedder

from askdocs import AskDocs, build_index
from askdocs.cli import main
from askdocs.embedding import HashEmbedder
from askdocs.errors import IndexMismatchError, InputError
from askdocs.evaluation import load_squad, write_folder
from askdocs.store import read_manifest
from askdocs.stores import milvus_write
from askdocs.stores.milvus_store import HNSW, MilvusIndex, StoreError, parse_store

pytest.importorskip("milvus_lite", reason="Milvus Lite has no wheel for this platform")

QUESTIONS = [CHILDREN, "who attacked the city?", "what happened in Kharkiv?",
             "how many people were injured?", "what did Zelenskyy say?"]


def lite(index: Path) -> MilvusIndex:
    return MilvusIndex(parse_store("milvus", Path.cwd(), index))


def row_counts(index: MilvusIndex) -> dict[str, int]:
    return {table: index.call("count", "query", index.names[table], filter="",
                              output_fields=["count(*)"])[0]["count(*)"]
            for table in ("sentences", "chunks")}


def ranked(engine: AskDocs, question: str) -> list[tuple]:
    return [(q.source, q.start, q.end, q.text) for q in engine.rank(question, 5)]


def test_milvus_answers_as_faiss_does(tmp_path, seed_docs):
    embedder = CountingEmbedder()
    build_index(seed_docs, tmp_path / "faiss", embedder=embedder)
    build_index(seed_docs, tmp_path / "milvus", embedder=embedder, store="milvus")
    assert read_manifest(tmp_path / "milvus").store == "milvus://milvus.db"
    assert not list((tmp_path / "milvus").glob("seg-*"))  # the rows are in Milvus only
    faiss = AskDocs.load(tmp_path / "faiss", embedder=embedder)
    milvus = AskDocs.load(tmp_path / "milvus", embedder=embedder)
    for question in QUESTIONS:
        assert ranked(milvus, question) == ranked(faiss, question), question
        a, b = faiss.ask(question), milvus.ask(question)
        assert (b.answered, [q.text for q in b.quotes], b.notes) == \
            (a.answered, [q.text for q in a.quotes], a.notes)
        for quote in b.quotes:
            text = milvus.document(quote.source).text
            assert text[quote.start:quote.end] == quote.text
    hits = milvus.search(CHILDREN, 50)
    scores = [h.score for h in faiss.search(CHILDREN, 50)]
    assert np.allclose([h.score for h in hits], scores, atol=1e-3)  # FAISS keeps float16
    assert {d.id for d in milvus.documents} == {d.id for d in faiss.documents}


def test_changed_and_removed_documents_stop_answering(tmp_path, seed_docs):
    embedder, index_dir = HashEmbedder(), tmp_path / "index"
    build_index(seed_docs, index_dir, embedder=embedder, store="milvus")
    first = row_counts(lite(index_dir))
    again = build_index(seed_docs, index_dir, embedder=embedder)  # the recorded store
    assert not again.written and row_counts(lite(index_dir)) == first  # no duplicates
    target = sorted(seed_docs.glob("*.txt"))[0]
    target.write_text("The lighthouse keeper counted nine hundred gulls on the pier.\n",
                      encoding="utf-8")
    report = build_index(seed_docs, index_dir, embedder=embedder)
    assert (report.updated, report.unchanged) == (1, 1)
    engine = AskDocs.load(index_dir, embedder=embedder)
    quotes = engine.rank(CHILDREN, 40)
    assert quotes and all(q.source != target.name or "gulls" in q.text for q in quotes)
    assert engine.ask("how many gulls did the keeper count?").quotes[0].source == target.name
    target.unlink()
    report = build_index(seed_docs, index_dir, embedder=embedder)
    assert report.removed == 1
    engine = AskDocs.load(index_dir, embedder=embedder)
    assert all(q.source != target.name for q in engine.rank("gulls lighthouse keeper", 40))
    other = AskDocs.load(tmp_path / "x", embedder=embedder, store=f"milvus://{index_dir}/"
                         "milvus.db")  # a replica that has only the address
    assert len(other.searcher) == len(engine.searcher) == row_counts(lite(index_dir))[
        "sentences"]


def test_a_killed_build_is_never_seen_and_is_cleaned_up(tmp_path, seed_docs, monkeypatch):
    embedder, index_dir = HashEmbedder(), tmp_path / "index"
    build_index(seed_docs, index_dir, embedder=embedder, store="milvus")
    before = [ranked(AskDocs.load(index_dir, embedder=embedder), q) for q in QUESTIONS]
    counts = row_counts(lite(index_dir))
    (seed_docs / "new.txt").write_text("A brand new report about forty bridges.\n", "utf-8")

    def killed(index, meta):
        raise KeyboardInterrupt

    monkeypatch.setattr(milvus_write, "finish_build", killed)
    with pytest.raises(KeyboardInterrupt):
        build_index(seed_docs, index_dir, embedder=embedder)
    assert row_counts(lite(index_dir)) != counts  # the new rows were written ...
    engine = AskDocs.load(index_dir, embedder=embedder)
    assert [ranked(engine, q) for q in QUESTIONS] == before  # ... and no reader sees them
    assert all(q.source != "new.txt" for q in engine.rank("forty bridges", 10))
    monkeypatch.undo()
    report = build_index(seed_docs, index_dir, embedder=embedder)
    assert report.added == 1
    engine = AskDocs.load(index_dir, embedder=embedder)
    assert engine.rank("forty bridges", 1)[0].source == "new.txt"
    grown = row_counts(lite(index_dir))
    assert grown["sentences"] == counts["sentences"] + 1 == len(engine.searcher)


def test_store_errors_are_one_line_and_write_nothing(tmp_path, seed_docs, capsys):
    index_dir = tmp_path / "index"
    assert main(["index", "--docs", str(seed_docs), "--index", str(index_dir),
                 "--store", "milvus://127.0.0.1:1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: cannot reach the Milvus store milvus://127.0.0.1:1") \
        and err.count("\n") == 1
    assert not index_dir.exists()
    for bad in ("milvus://no-port", "milvus:///x.db?collection=a-b", "redis://x:1"):
        with pytest.raises(InputError):
            build_index(seed_docs, index_dir, embedder=HashEmbedder(), store=bad)
    build_index(seed_docs, index_dir, embedder=HashEmbedder(), store="milvus")
    meta = lite(index_dir).meta()
    with pytest.raises(IndexMismatchError, match="built with model 'hash-384'"):
        build_index(seed_docs, index_dir, embedder=HashEmbedder(64))
    assert lite(index_dir).meta() == meta
    store = lite(index_dir)
    raw = json.loads(store.records(["meta"])["meta"][1])
    store.put_records([("meta", -1, json.dumps({**raw, "askdocs_schema": 99}))])
    with pytest.raises(IndexMismatchError, match="schema version 99"):
        AskDocs.load(index_dir, embedder=HashEmbedder())
    with pytest.raises(IndexMismatchError, match="schema version 99"):
        build_index(seed_docs, index_dir, embedder=HashEmbedder())
    store.call("drop", "delete", store.names["records"], filter='name == "meta"')
    with pytest.raises(StoreError, match="not made by askdocs"):
        AskDocs.load(index_dir, embedder=HashEmbedder())


def test_a_manifest_cannot_point_outside_its_folder(tmp_path, seed_docs):
    index_dir = tmp_path / "index"
    build_index(seed_docs, index_dir, embedder=HashEmbedder(), store="milvus")
    with pytest.raises(InputError, match="kept in Milvus"):  # not an empty FAISS index
        AskDocs.load(index_dir, embedder=HashEmbedder(), store="faiss")
    path = index_dir / "manifest.json"
    raw = json.loads(path.read_text("utf-8"))
    elsewhere = tmp_path / "elsewhere.db"
    path.write_text(json.dumps({**raw, "store": f"milvus://{elsewhere}"}), "utf-8")
    with pytest.raises(InputError, match="outside its folder"):
        AskDocs.load(index_dir, embedder=HashEmbedder())
    assert not elsewhere.exists()


@pytest.mark.model
def test_top_five_agree_with_faiss_on_the_squad_slice(tmp_path, real_embedder, monkeypatch):
    """Milvus Lite's exact FLAT index, and HNSW (a server's index, tried here on Milvus Lite)."""
    documents, questions = load_squad(ROOT / "tests" / "data" / "squad_slice.json")
    folder = write_folder(documents, tmp_path / "docs")
    build_index(folder, tmp_path / "faiss", embedder=real_embedder)
    faiss = AskDocs.load(tmp_path / "faiss", embedder=real_embedder)
    expected = [ranked(faiss, q.text) for q in questions]
    for dense in ("FLAT", "HNSW"):
        monkeypatch.setattr(MilvusIndex, "dense_index", property(
            lambda self, dense=dense: (dense, HNSW if dense == "HNSW" else {})))
        index_dir = tmp_path / dense
        build_index(folder, index_dir, embedder=real_embedder, store="milvus")
        store = lite(index_dir)
        described = store.call("describe", "describe_index", store.names["sentences"], "vector")
        assert described["index_type"] == dense
        milvus = AskDocs.load(index_dir, embedder=real_embedder)
        same = sum(ranked(milvus, q.text) == e for q, e in zip(questions, expected))
        assert same >= 0.95 * len(questions), (dense, same, len(questions))
