"""Building, updating and loading the on-disk index (fake embedder: fast and deterministic)."""

from __future__ import annotations

import json

import pytest

from askdocs import AskDocs, build_index
from askdocs.embedding import HashEmbedder
from askdocs.errors import (
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    InputError,
)
from askdocs.indexer import stale_reason
from askdocs.manifest import FILES
from askdocs.store import load_stored, read_manifest


def test_build_writes_a_self_describing_index(seed_docs, tmp_path, fake):
    index = tmp_path / "index"
    report = build_index(seed_docs, index, embedder=fake)
    assert (report.added, report.updated, report.removed) == (2, 0, 0)
    manifest = json.loads((index / "manifest.json").read_text())
    assert manifest["format_version"] == 2
    assert manifest["model"] == {"name": "hash-384", "identity": "hash-trigram-v1-384",
                                 "dimension": 384, "precision": "fp32", "encoder": "hash"}
    doc = manifest["documents"]["004_844b86f13697ed6d.txt"]
    assert doc["date"] == "2025-04-04" and len(doc["sha256"]) == 64
    [segment] = manifest["segments"]
    assert doc["segment"] == segment["name"] and (segment["documents"], segment["sentences"]) \
        == (2, report.sentences)
    assert set(segment["files"]) == set(FILES) and "text.bin" in FILES
    assert not list(index.glob(".tmp-*"))
    assert not list(index.rglob("*.pkl")) and not list(index.rglob("*.pickle"))


def test_unchanged_documents_are_not_embedded_again(seed_docs, tmp_path, fake):
    index = tmp_path / "index"
    build_index(seed_docs, index, embedder=fake)
    fake.seen.clear()
    killed = index / ".tmp-gen-20250101T000000-0123abcd"  # what a killed build leaves
    killed.mkdir()
    (killed / ".askdocs-generation").write_text("askdocs generation gen-20250101T000000-0123abcd\n")
    (killed / "documents.jsonl").write_text('{"id": "half')
    report = build_index(seed_docs, index, embedder=fake)
    assert not report.written and report.unchanged == 2 and fake.seen == []
    assert not killed.exists()


def test_an_edited_file_alone_is_embedded_again(seed_docs, tmp_path, fake):
    index = tmp_path / "index"
    build_index(seed_docs, index, embedder=fake)
    edited = seed_docs / "000_313469e783f3e27a.txt"
    edited.write_text(edited.read_text() + "\n\nA new closing sentence about bridges.\n")
    fake.seen.clear()
    report = build_index(seed_docs, index, embedder=fake)
    assert (report.updated, report.unchanged) == (1, 1)
    assert "A new closing sentence about bridges." in fake.seen
    assert not any("Kyiv said it had earlier agreed" in t for t in fake.seen)  # 004's text
    engine = AskDocs.load(index, embedder=fake)
    answer = engine.rank("closing sentence about bridges", k=1)
    assert answer[0].text == "A new closing sentence about bridges."


def test_a_deleted_file_disappears_from_answers(seed_docs, tmp_path, fake):
    index = tmp_path / "index"
    build_index(seed_docs, index, embedder=fake)
    (seed_docs / "004_844b86f13697ed6d.txt").unlink()
    report = build_index(seed_docs, index, embedder=fake)
    assert report.removed == 1
    engine = AskDocs.load(index, embedder=fake)
    sources = {q.source for q in engine.rank("including six children killed", k=20)}
    assert sources == {"000_313469e783f3e27a.txt"}


def test_full_rebuild_embeds_everything(seed_docs, tmp_path, fake):
    index = tmp_path / "index"
    build_index(seed_docs, index, embedder=fake)
    fake.seen.clear()
    report = build_index(seed_docs, index, embedder=fake, full=True)
    assert report.written and report.added == 2 and fake.seen


def test_bad_files_are_skipped_by_name_and_the_rest_indexed(seed_docs, tmp_path, fake):
    (seed_docs / "binary.txt").write_bytes(b"\x89PNG\x00\x01\x02")
    (seed_docs / "control.md").write_bytes(bytes(range(1, 32)) * 4 + b"\x81")
    (seed_docs / "empty.txt").write_text("   \n")
    (seed_docs / "cut.pdf").write_bytes(b"%PDF")
    (seed_docs / "ignored.png").write_bytes(b"\x89PNG")
    report = build_index(seed_docs, tmp_path / "index", embedder=fake)
    assert {s.id: s.reason for s in report.skipped} == {
        "binary.txt": "not text (binary content)",
        "control.md": "not text in UTF-8, UTF-16 or Windows-1252", "empty.txt": "empty",
        "cut.pdf": "not a readable PDF (damaged or not a PDF)"}
    assert report.documents == 2


def test_a_skipped_text_file_is_decoded_again_by_a_newer_reader(seed_docs, tmp_path, fake,
                                                                 monkeypatch):
    """A text file an older askdocs skipped (it read UTF-8 only) is read once askdocs can read
    it, though the file is unchanged; a skipped PDF is not parsed again."""
    import askdocs.readers.text as text_reader

    (seed_docs / "menu.txt").write_bytes("Crème brûlée on Sundays.".encode("cp1252"))
    (seed_docs / "cut.pdf").write_bytes(b"%PDF")
    newer = text_reader.decode_noting

    def utf8_only(data):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise text_reader.Unreadable("not UTF-8 text") from None
        return newer(data)

    monkeypatch.setattr(text_reader, "decode_noting", utf8_only)
    first = build_index(seed_docs, tmp_path / "index", embedder=fake)
    assert {s.id: s.reason for s in first.skipped} == {
        "menu.txt": "not UTF-8 text", "cut.pdf": "not a readable PDF (damaged or not a PDF)"}
    monkeypatch.setattr(text_reader, "decode_noting", newer)
    again = build_index(seed_docs, tmp_path / "index", embedder=fake)
    assert [s.id for s in again.skipped] == ["cut.pdf"]
    assert "menu.txt" in read_manifest(tmp_path / "index").documents


def test_a_note_many_files_share_is_one_line(tmp_path, fake):
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(5):
        (docs / f"old{n}.txt").write_bytes(f"Caf\xe9 note number {n}.".encode("cp1252"))
    (docs / "utf16.txt").write_bytes("A note in UTF-16.".encode("utf-16"))
    (docs / "joined.txt").write_bytes("Caf\u00e9 au lait. ".encode() * 3 + b"Caf\xe9.")
    report = build_index(docs, tmp_path / "index", embedder=fake)
    assert report.skipped == () and report.documents == 7
    assert report.notes == (
        "joined.txt: not UTF-8 throughout: 1 place read as \u201c\ufffd\u201d",
        "5 files: not UTF-8: read as Windows-1252 (old0.txt, old1.txt, old2.txt and 2 more)")


def test_subfolders_give_relative_ids(tmp_path, fake):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "sub" / "note.md").write_text("# Notes\n\nThe meeting moved to Tuesday morning.\n")
    build_index(docs, tmp_path / "index", embedder=fake)
    assert list(read_manifest(tmp_path / "index").documents) == ["sub/note.md"]


def test_files_of_other_formats_are_counted_in_one_note(tmp_path, fake):
    """A folder's old Word files and pictures are not read, and the build says so once, not a
    warning a file; hidden files are not counted."""
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "note.md").write_text("The meeting moved to Tuesday morning.\n")
    for name in ("minutes.doc", "sub/a.JPG", "sub/b.jpg", "README", ".hidden.doc"):
        (docs / name).write_bytes(b"\x00\x01")
    report = build_index(docs, tmp_path / "index", embedder=fake)
    assert report.notes == ("4 files of other formats not read: .jpg (2), .doc (1), no ending "
                            "(1) (askdocs reads .txt, .md, .pdf, .docx, .html or .htm)",)
    assert not report.skipped
    (docs / "note.md").unlink()
    with pytest.raises(InputError, match=r"\(4 files of other formats: \.jpg, \.doc, no ending\)$"):
        build_index(docs, tmp_path / "index", embedder=fake)


def test_missing_and_empty_folders_are_input_errors(tmp_path, fake):
    with pytest.raises(InputError, match="does not exist"):
        build_index(tmp_path / "nope", tmp_path / "index", embedder=fake)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no readable"):
        build_index(tmp_path / "empty", tmp_path / "index", embedder=fake)
    assert not (tmp_path / "index" / "manifest.json").exists()


def test_no_index_is_a_clear_error(tmp_path, fake):
    with pytest.raises(IndexMissingError, match="no index at .*, run `askdocs index`"):
        AskDocs.load(tmp_path / "index", embedder=fake)


def test_another_model_is_refused_with_a_rebuild_hint(seed_docs, tmp_path, fake):
    build_index(seed_docs, tmp_path / "index", embedder=fake)
    with pytest.raises(IndexMismatchError, match="rebuild"):
        AskDocs.load(tmp_path / "index", embedder=HashEmbedder(256))


def test_another_format_version_is_refused(seed_docs, tmp_path, fake):
    index = tmp_path / "index"
    build_index(seed_docs, index, embedder=fake)
    manifest = json.loads((index / "manifest.json").read_text())
    manifest["format_version"] = 99
    (index / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="v99.*rebuild"):
        load_stored(index)


@pytest.mark.parametrize("damage", ["truncate_vectors", "garble_manifest", "drop_records",
                                    "edit_records"])
def test_damage_is_detected_named_and_repaired_by_full(seed_docs, tmp_path, fake, damage):
    index = tmp_path / "index"
    build_index(seed_docs, index, embedder=fake)
    generation = index / read_manifest(index).segments[0].name
    if damage == "truncate_vectors":
        data = (generation / "sentences.faiss").read_bytes()
        (generation / "sentences.faiss").write_bytes(data[: len(data) // 2])
        name = "sentences.faiss"
    elif damage == "garble_manifest":
        (index / "manifest.json").write_text('{"format": "askdocs-index", "form')
        name = "manifest.json"
    elif damage == "drop_records":
        (generation / "documents.jsonl").unlink()
        name = "documents.jsonl"
    else:
        lines = (generation / "documents.jsonl").read_text().splitlines()
        (generation / "documents.jsonl").write_text(lines[0] + "\n")
        name = "documents.jsonl"
    with pytest.raises(IndexCorruptError, match=name) as error:
        AskDocs.load(index, embedder=fake)
    assert "--full" in str(error.value)
    build_index(seed_docs, index, embedder=fake, full=True)
    assert AskDocs.load(index, embedder=fake).rank("children", k=1)


def test_stale_reason(seed_docs, tmp_path, fake):
    index = tmp_path / "index"
    assert "no index" in stale_reason(seed_docs, index)
    build_index(seed_docs, index, embedder=fake)
    assert stale_reason(seed_docs, index) is None
    (seed_docs / "new.txt").write_text("Something else entirely happened here.")
    assert stale_reason(seed_docs, index) == "documents changed since the index was built"


def test_the_keyword_index_reads_what_bm25s_saved_without_importing_it(tmp_path):
    import subprocess
    import sys

    import bm25s
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    from askdocs.keywords import STOP_WORDS, Bm25Index, bm25_names, save_bm25

    assert STOP_WORDS == frozenset(STOPWORDS_EN_PLUS)  # the copy is bm25s's list
    tokens = [["ferri", "skye"], [], ["ferri", "sunday", "ferri"], ["bridg"]]
    save_bm25(tmp_path, "sentences", tokens)
    ours = Bm25Index(tmp_path, "sentences", len(tokens))
    theirs = bm25s.BM25.load(tmp_path, mmap=True, allow_pickle=False, show_progress=False,
                             **bm25_names("sentences"))
    assert ours.rows == theirs.scores["num_docs"] == 4
    for name in ("data", "indices", "indptr"):
        assert (getattr(ours, name) == theirs.scores[name]).all()
    assert ours.vocab == {t: i for t, i in theirs.vocab_dict.items()
                          if 0 <= i < len(ours.indptr) - 1} and "skye" in ours.vocab
    # asking a question of an index loads neither bm25s nor SciPy
    code = ("import sys; from askdocs.keywords import Bm25Index, Tokenizer; "
            f"Bm25Index(__import__('pathlib').Path({str(tmp_path)!r}), 'sentences', 4); "
            "Tokenizer()('How many ferries leave on Sunday?'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('bm25s', 'scipy')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    assert loaded.strip() == "[]"
