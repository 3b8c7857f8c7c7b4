"""The app's formatting and uploads without a browser: escaping, refusals, follow-ups."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import CHILDREN

from askdocs.answer import LOW_CONFIDENCE, Answer, Quote
from askdocs.embedding import HashEmbedder
from askdocs.numbers import agreement, quantities
from askdocs.service import Library, safe_name
from askdocs.ui import reply_html

EVIL = '<script>alert(1)</script> <img src=x onerror="alert(2)"> [link](http://example.org)'


def quote(text, context=None, source="a.txt"):
    context = context or text
    start = context.index(text)
    return Quote(source, text, start, start + len(text), 1.0, context, 0, len(context),
                 "<b>title</b>", None)


def test_document_text_is_escaped_in_replies():
    html = reply_html("<i>q</i>", Answer("<i>q</i>", True, (quote("x <script>y</script>",
                                                                 f"{EVIL} x <script>y</script>"),),
                                         ("<b>note</b>",)))
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<mark>x &lt;script&gt;y&lt;/script&gt;</mark>" in html


def test_a_table_rows_heading_is_shown_above_it_escaped():
    row = replace(quote("Total assets 21,904 20,377"),
                  heading="BALANCE SHEET <b>\r\n(Millions)\r\n2018 2017")
    html = reply_html("q", Answer("q", True, (row, quote("Prose.")), ()))
    assert 'under: BALANCE SHEET &lt;b&gt; · (Millions) · 2018 2017</div>' in html
    assert html.count("under:") == 1  # prose has no heading


def test_a_running_header_inside_a_quote_is_marked_left_out():
    context = "Sales <rose> in the\nACME <Report>\n7\nnorthern region."
    header = context.index("ACME")
    breaks = ((header, context.index("northern")),)
    html = reply_html("q", Answer("q", True, (replace(quote(context), page_breaks=breaks),), ()))
    assert "ACME" not in html and "&lt;rose&gt;" in html
    assert '<mark>Sales &lt;rose&gt; in the <span class="page-break"' in html
    assert "[…]</span> northern region.</mark>" in html


def test_closest_passages_are_labelled_not_an_answer_and_escaped():
    html = reply_html("q", Answer("q", False, (), ("The documents don't answer this.",
                                                   "No document mentions “<b>Paris</b>”."),
                                  (quote("near <b>miss</b>"),)))
    assert "Closest passages — not an answer" in html and "near &lt;b&gt;miss" in html
    assert "<mark>" not in html
    # the first note is the summary line; the others follow as notes, escaped
    assert html.count("The documents don&#x27;t answer this.") == 1
    assert '<div class="note">No document mentions “&lt;b&gt;Paris&lt;/b&gt;”.</div>' in html


def test_summary_says_what_was_found_from_the_agreement_not_the_notes_wording():
    two = (quote("a", source="a.txt"), quote("b", source="b.txt"))
    six, also_six = quantities("Six of the dead")[0], quantities("six children")[0]
    agreed = agreement([("a.txt", six), ("b.txt", also_six)])
    assert Answer("q", True, two, (agreed.note(),), agreement=agreed,
                  confidence=0.5).summary() == \
        "2 sources answer and agree: six children"
    differ = agreement([("a.txt", quantities("at least 16 killed")[0]),
                        ("b.txt", quantities("at least 14 killed")[0])])
    assert Answer("q", True, two, (), agreement=differ, confidence=0.5).summary() == \
        "The sources differ: at least 16 killed vs at least 14 killed"
    assert Answer("q", True, two, ("The sources agree on 6: …",), confidence=0.5).summary() == \
        "2 sources answer."  # a note's wording is not read back
    assert Answer("q", True, two[:1], (), confidence=0.5).summary() == "1 source answers."
    assert Answer("q", False, (), ()).summary() == "The documents don't answer this."
    about = "These passages are about this, but none of them clearly answers it."
    assert Answer("q", False, (), (about,)).summary() == about
    declined = Answer("q", False, (), (about,))
    assert f'<div class="summary">{about}</div>' in reply_html("q", declined)


def test_an_answer_of_low_confidence_says_so_and_every_answer_shows_its_confidence():
    two = (quote("a", source="a.txt"), quote("b", source="b.txt"))
    low = Answer("q", True, two[:1], (), confidence=LOW_CONFIDENCE - 0.01)
    assert low.summary() == \
        "1 source may answer, with low confidence: check that the quotes answer the question."
    assert Answer("q", True, two, (), confidence=0.1).summary().startswith("2 sources may answer")
    assert Answer("q", True, two, (), confidence=LOW_CONFIDENCE).summary() == "2 sources answer."
    differ = agreement([("a.txt", quantities("at least 16 killed")[0]),
                        ("b.txt", quantities("at least 14 killed")[0])])
    assert Answer("q", True, two, (), agreement=differ, confidence=0.2).summary() == (
        "The sources differ: at least 16 killed vs at least 14 killed (low confidence: check "
        "that the quotes answer the question)")
    html = reply_html("q", low)
    assert '<div class="meta confidence">confidence 0.29</div>' in html
    assert "confidence" not in reply_html("q", Answer("q", False, (), (), confidence=0.1))


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd.txt", "passwd.txt"), ("/abs/path/notes.md", "notes.md"),
    ("C:\\Users\\x\\evil.txt", "evil.txt"), ("re\u202eport.txt", "re_port.txt"),
    ("..", ""), ("ok name.md", "ok name.md"),
])
def test_upload_names_cannot_leave_the_folder(name, expected):
    assert safe_name(name) == expected


@pytest.fixture
def library(seed_docs, tmp_path):
    lib = Library(seed_docs, tmp_path / "index", embedder=HashEmbedder())
    lib.open()
    return lib


def test_each_upload_says_what_its_reader_noted_though_the_build_groups_it(library, tmp_path):
    uploads = []
    for name in ("menu.txt", "prices.txt"):
        (tmp_path / name).write_bytes(f"The caf\xe9's {name[:-4]}.".encode("cp1252"))
        uploads.append((tmp_path / name, name))
    results = library.add(uploads)
    assert [r.accepted for r in results] == [True, True]
    assert all(r.message.endswith("; not UTF-8: read as Windows-1252") for r in results)


def test_uploads_are_checked_and_refusals_change_nothing(library, tmp_path):
    files = {"photo.png": b"\x89PNG", "empty.txt": b"  \n",
             "binary.txt": b"\x7fELF\x02\x01\x01\x00", "big.md": b"a" * (5 * 1024 * 1024 + 1),
             "cut.pdf": b"%PDF-1.4", "../../escape.txt": b"Escaped text."}
    uploads = []
    for i, (name, data) in enumerate(files.items()):
        path = tmp_path / f"upload{i}"
        path.write_bytes(data)
        uploads.append((path, name))
    before = sorted(p.name for p in library.docs_dir.iterdir())
    generation = library.current().manifest.generation
    results = library.add(uploads[:5])
    assert [r.accepted for r in results] == [False] * 5
    assert [r.message.split(": ", 1)[1] for r in results] == [
        "only .txt, .md, .pdf, .docx, .html or .htm files can be added", "the file is empty",
        "not text (binary content)", "5.0 MB is over the 5 MB limit for text files",
        "not a readable PDF (damaged or not a PDF)"]
    assert sorted(p.name for p in library.docs_dir.iterdir()) == before
    assert library.current().manifest.generation == generation
    [result] = library.add(uploads[5:])
    assert result.accepted and result.name == "escape.txt"
    assert (library.docs_dir / "escape.txt").read_bytes() == b"Escaped text."
    assert not (library.docs_dir.parent.parent / "escape.txt").exists()
    assert "escape.txt" in set(library.documents())


def test_a_different_file_with_an_existing_name_is_refused(library, tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(b"Something else entirely.")
    [result] = library.add([(path, "000_313469e783f3e27a.txt")])
    assert not result.accepted and "already indexed" in result.message


@pytest.mark.model
def test_follow_up_questions_are_answered_about_the_earlier_topic(seed_index, real_embedder):
    library = Library("seeds", seed_index, embedder=real_embedder)
    library.engine = __import__("askdocs").AskDocs.load(seed_index, embedder=real_embedder)
    answer = library.ask("and how many were wounded?", previous=CHILDREN)
    assert answer.answered
    assert any("wounded" in q.text for q in answer.quotes)
