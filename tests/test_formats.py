"""PDF, Word and HTML files: extracted text, pages, quotes pinned to their page, bad files skipped
with the right warning. Every document here is made by the test (tests/makedocs.py)."""

from __future__ import annotations

import json
import re
import time

import makedocs
import pytest
from conftest import SEEDS
from hypothesis import given, settings
from hypothesis import strategies as st

from askdocs import AskDocs, build_index
from askdocs.documents import load_folder, make_document
from askdocs.embedding import HashEmbedder
from askdocs.errors import AskDocsError
from askdocs.indexer import split_document
from askdocs.readers import Extracted, Unreadable, extract
from askdocs.readers.worker import ReaderProcess
from askdocs.service import Library


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    docs = tmp_path_factory.mktemp("formats") / "docs"
    docs.mkdir()
    (docs / "report.pdf").write_bytes(makedocs.report_pdf())
    (docs / "minutes.docx").write_bytes(makedocs.report_docx())
    (docs / "otters.html").write_text(makedocs.REPORT_HTML)
    return docs


@pytest.fixture(scope="module")
def built(folder, tmp_path_factory):
    index = tmp_path_factory.mktemp("formats-index") / "index"
    report = build_index(folder, index, embedder=HashEmbedder())
    return report, AskDocs.load(index, embedder=HashEmbedder())


def document(engine, doc_id):
    return next(d for d in engine.documents if d.id == doc_id)


def page_text(doc, page):
    end = doc.pages[page] - 1 if page < len(doc.pages) else len(doc.text)
    return doc.text[doc.pages[page - 1]:end]


def squashed(text):
    return " ".join(text.split())


def test_all_three_formats_are_indexed(built):
    report, engine = built
    assert report.skipped == ()
    assert sorted(d.id for d in engine.documents) == ["minutes.docx", "otters.html", "report.pdf"]
    assert "report.pdf: 1 of 5 pages have no text layer and were not indexed" in report.notes


def test_pdf_pages_title_and_text(built):
    doc = document(built[1], "report.pdf")
    assert doc.title == "Northwind Traders Annual Report"
    assert len(doc.pages) == 5 and doc.pages[0] == 0
    assert "Chairman's letter" in page_text(doc, 1)
    assert "Our inter-national sales grew" in page_text(doc, 1)  # PDFium's line-end hyphen
    assert page_text(doc, 3).splitlines()[2] == "Capital expenditure 1,577 1,373 1,420"
    assert page_text(doc, 4) == ""  # the image-only page
    assert page_text(doc, 5).startswith(makedocs.HEADER)


QUESTIONS = ["capital expenditure", "international sales", "hedgehog food sales",
             "revenue from the northern region", "lighthouse tours", "when were the accounts "
             "signed", "apple trees canal path", "how much do sea otters eat", "otters Monterey"]


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_quote_is_the_stored_text_on_its_page(built, question):
    engine = built[1]
    for quote in engine.rank(question, k=10):
        doc = document(engine, quote.source)
        assert doc.text[quote.start:quote.end] == quote.text
        assert doc.text[quote.context_start:quote.context_end] == quote.context
        if doc.pages:
            assert quote.page == doc.page_of(quote.start)
            page = page_text(doc, quote.page)
            assert doc.pages[quote.page - 1] <= quote.start < doc.pages[quote.page - 1] + \
                len(page)
        else:
            assert quote.page is None


def test_a_sentence_runs_on_across_a_page_break(built):
    doc = document(built[1], "report.pdf")
    sentences, _ = split_document(doc)
    first, rest = makedocs.ACROSS_PAGES
    [across] = [s for s in sentences if doc.text[s.start:s.end].startswith(first)]
    assert doc.text[across.start:across.end].endswith(rest)
    assert (doc.page_of(across.start), doc.page_of(across.end - 1)) == (1, 2)
    assert across.quotable


def test_a_quote_across_a_page_break_is_shown_without_the_running_lines(built):
    first, rest = makedocs.ACROSS_PAGES
    [quote] = [q for q in built[1].rank(f"{first} {rest}", k=10) if q.text.startswith(first)]
    assert makedocs.HEADER in quote.text  # the text stays the document's own, offsets and all
    doc = document(built[1], "report.pdf")
    assert doc.text[quote.start:quote.end] == quote.text
    breaks = quote.page_breaks
    assert breaks and all(quote.start < a < b < quote.end for a, b in breaks)
    assert squashed(quote.shown()) == f"{first} […] {rest}"
    assert json.loads(json.dumps(quote.to_dict()))["page_breaks"] == [list(s) for s in breaks]


def test_running_headers_and_footers_are_never_quotes(built):
    doc = document(built[1], "report.pdf")
    sentences, _ = split_document(doc)
    quotable = [squashed(doc.text[s.start:s.end]) for s in sentences if s.quotable]
    assert not any(makedocs.HEADER in text for text in quotable if not
                   text.startswith(makedocs.ACROSS_PAGES[0]))
    assert not any(re.fullmatch(r"Page \d", text) for text in quotable)
    for quote in built[1].rank(makedocs.HEADER, k=10):
        assert quote.text != makedocs.HEADER


def test_a_hyphenated_word_is_found_whole(built):
    [top] = built[1].rank("international", k=1)
    assert "inter-national sales grew" in top.text and top.page == 1


def test_two_columns_are_read_column_by_column(built):
    doc = document(built[1], "report.pdf")
    sentences = [squashed(doc.text[s.start:s.end]) for s in split_document(doc)[0]]
    assert "Hedgehog food sales doubled in the eastern shops after the new range was launched " \
           "in the spring." in sentences
    assert "Lighthouse tours sold out in July and again in August of that year, so more guides " \
           "were hired." in sentences


def test_a_table_row_is_quoted_on_its_page(built):
    [top] = built[1].rank("capital expenditure", k=1)
    assert top.text == "Capital expenditure 1,577 1,373 1,420" and top.page == 3


def test_docx_paragraphs_headings_and_table_cells_in_order(built):
    doc = document(built[1], "minutes.docx")
    assert doc.title == "Garden society minutes" and doc.pages == ()
    assert doc.text.splitlines() == [
        "Garden society minutes",
        "The society met in the library on a wet Tuesday evening.",
        "Decisions",
        "Members agreed to plant forty apple trees along the canal path.",
        "Item", "Cost", "Apple trees for the canal path", "800 pounds",
        "The treasurer will report the final cost in May.",
        "The next meeting will be held on the first Monday of June."]
    [top] = built[1].rank("plant apple trees along the canal", k=1)
    assert top.source == "minutes.docx" and top.paragraph == 4 and top.page is None


def test_word_text_where_python_docx_does_not_look_is_read_once():
    text = extract("notes.docx", makedocs.hidden_places_docx()).text
    assert text.splitlines() == [
        "Otters were counted along the river in May.",
        "See the otter trust's report",
        "The count was forty-seven otters",  # the insertion, not the deletion
        "The harbour closes at dusk in winter.",  # a content control
        "Badger setts", "Twelve in the north wood.",  # a table in a cell
        "Three in the meadow.",  # the merged cell once
        "The newsletter's box reads:", "Lighthouse tours sold out in July.",  # the box, once
        "The next count is in October."]


def test_word_footnotes_and_endnotes_follow_the_body():
    extracted = extract("minutes.docx", makedocs.footnoted_docx())
    assert extracted.text.splitlines() == [
        "The society planted forty apple trees.", "The next meeting is in June.",
        "The trees came from the Hereford nursery.", "Minutes taken by the secretary."]
    damaged = extract("minutes.docx", makedocs.footnoted_docx("<w:footnotes"))
    assert damaged.text.splitlines()[-1] == "Minutes taken by the secretary."
    assert damaged.notes == ("its footnotes are damaged and were not read",)


def test_html_visible_text_only(built):
    doc = document(built[1], "otters.html")
    assert doc.title == "Otters & their habits" and doc.date == "2024-05-06"
    assert doc.text.splitlines() == [
        "Sea otters & kelp",
        "Sea otters hold hands while they sleep so that they do not drift apart.",
        "An adult sea otter eats about a quarter of its weight every day — mostly urchins.",
        "Place\tOtters", "Monterey Bay\t3,000"]
    for hidden in ("Script", "color", "Hidden", "Template", "Noscript", "Home", "Copyright"):
        assert hidden not in doc.text


LATIN = "Café crème, naïve façade — “quoted” for 5 €.\n"


@pytest.mark.parametrize("data, text, note", [
    (LATIN.encode("utf-8"), LATIN, None),
    (LATIN.encode("cp1252"), LATIN, "not UTF-8: read as Windows-1252"),
    ("Caf\xe9 na\xefve.\n".encode("latin-1"), "Café naïve.\n", "not UTF-8: read as Windows-1252"),
    (LATIN.encode("utf-16"), LATIN, None),  # with its BOM, as Notepad saves "Unicode"
    (b"\xfe\xff" + LATIN.encode("utf-16-be"), LATIN, None),
    (LATIN.encode("utf-8") * 3 + "Fa\xe7ade.".encode("cp1252"),  # two files joined
     LATIN * 3 + "Fa\ufffdade.", "not UTF-8 throughout: 1 place read as “\ufffd”"),
])
def test_text_files_in_the_encodings_folders_hold(data, text, note):
    extracted = extract("notes.txt", data)
    assert extracted.text == text
    assert extracted.notes == ((note,) if note else ())


@pytest.mark.parametrize("data, reason", [
    (b"abc\x00def", "not text (binary content)"),
    (bytes(range(1, 256)) * 4, "not text in UTF-8, UTF-16 or Windows-1252"),  # 0x81 undefined
    (bytes(b for b in range(1, 256) if b not in b"\x81\x8d\x8f\x90\x9d") * 4,
     "not text (binary content)"),  # decodes as Windows-1252, but one byte in ten a control
    ("text\x00".encode("utf-16"), "not text (binary content)"),
    (b"\xff\xfeabc", "not text in UTF-8, UTF-16 or Windows-1252"),  # odd length after the BOM
])
def test_bytes_that_are_not_text_are_refused(data, reason):
    with pytest.raises(Unreadable, match=f"^{re.escape(reason)}$"):
        extract("notes.txt", data)


def test_a_windows_1252_file_is_indexed_with_a_note_and_quoted(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "menu.txt").write_bytes("The café serves crème brûlée on Sundays.\n".encode("cp1252"))
    report = build_index(docs, tmp_path / "index", embedder=HashEmbedder())
    assert report.skipped == ()
    assert "menu.txt: not UTF-8: read as Windows-1252" in report.notes
    answer = AskDocs.load(tmp_path / "index", embedder=HashEmbedder()).ask("crème brûlée")
    assert answer.quotes[0].text == "The café serves crème brûlée on Sundays."


@pytest.fixture(scope="module")
def bad_folder(tmp_path_factory):
    docs = tmp_path_factory.mktemp("bad") / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("Badgers dig their setts in the woods at night.")
    report = makedocs.report_pdf()
    files = {
        "open-encrypted.pdf": makedocs.encrypted(report, ""),
        "locked.pdf": makedocs.encrypted(report, "secret"),
        "scanned.pdf": makedocs.scanned_pdf(),
        "cut.pdf": report[:len(report) // 2],
        "photo.pdf": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40,
        "many-pages.pdf": makedocs.pages_pdf(2001),
        "huge-stream.pdf": makedocs.huge_stream_pdf(100),
        "bomb.docx": makedocs.zip_bomb_docx(300),
        "cut.docx": makedocs.report_docx()[:500],
        "script.html": b"<html><script>" + b"x = 1;" * (21 * 2**20 // 6) + b"</script></html>",
        "empty.html": b"<html><head><title>Nothing</title></head><body></body></html>",
    }
    for name, data in files.items():
        (docs / name).write_bytes(data)
    return docs


def test_bad_files_are_skipped_with_the_right_warning(bad_folder, tmp_path):
    began = time.monotonic()
    report = build_index(bad_folder, tmp_path / "index", embedder=HashEmbedder())
    seconds = time.monotonic() - began
    assert {s.id: s.reason for s in report.skipped} == {
        "locked.pdf": "the PDF needs a password",
        "scanned.pdf": "no text layer (none of its 2 pages has text: scanned images?)",
        "cut.pdf": "not a readable PDF (damaged or not a PDF)",
        "photo.pdf": "not a readable PDF (damaged or not a PDF)",
        "many-pages.pdf": "2,001 pages; the limit is 2,000",
        "bomb.docx": "unpacks to 300 MB from 0.3 MB (a zip bomb?); the limit is 200 MB",
        "cut.docx": "not a readable Word file (damaged, or not a .docx)",
        "script.html": "larger than 20 MB",
        "empty.html": "no visible text",
    }
    engine = AskDocs.load(tmp_path / "index", embedder=HashEmbedder())
    assert sorted(d.id for d in engine.documents) == [
        "good.txt", "huge-stream.pdf", "open-encrypted.pdf"]
    assert "Capital expenditure 1,577" in document(engine, "open-encrypted.pdf").text
    assert seconds < 120, f"the bad folder took {seconds:.0f} s"
    again = build_index(bad_folder, tmp_path / "index", embedder=HashEmbedder())
    assert not again.written and len(again.skipped) == len(report.skipped)  # not read again


def test_a_reader_past_its_time_limit_is_stopped_and_replaced():
    reader = ReaderProcess(time_limit=0.3)
    try:
        with pytest.raises(Unreadable, match="took longer than 0 s to read"):
            reader.extract(".pdf", makedocs.huge_stream_pdf(100))
        assert "Page 1 says" in reader.extract(".pdf", makedocs.pages_pdf(2)).text
    finally:
        reader.stop()


def test_a_reader_that_dies_is_replaced():
    reader = ReaderProcess()
    try:
        assert reader.extract(".pdf", makedocs.pages_pdf(1)).pages == (0,)
        reader.process.kill()
        reader.process.wait()
        assert reader.extract(".pdf", makedocs.pages_pdf(3)).pages[2] > 0
    finally:
        reader.stop()


def test_the_reader_process_ends_with_askdocs(tmp_path):
    """askdocs' process-wide reader child is stopped and its pipes closed at exit: left to the
    interpreter's shutdown, it was still running and its pipes unclosed (ResourceWarnings)."""
    import subprocess
    import sys

    (tmp_path / "report.pdf").write_bytes(makedocs.pages_pdf(1))
    script = ("import pathlib, sys; from askdocs.readers.worker import reader_process; "
              "data = pathlib.Path(sys.argv[1]).read_bytes(); "
              "print(reader_process().extract('.pdf', data).pages)")
    done = subprocess.run([sys.executable, "-X", "dev", "-c", script, str(tmp_path / "report.pdf")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "(0,)", done.stderr
    assert "ResourceWarning" not in done.stderr, done.stderr


def test_the_reader_process_speaks_json_not_pickle():
    import inspect

    from askdocs.readers import worker

    source = inspect.getsource(worker)
    assert "pickle" not in source.replace("never pickle", "").replace("not pickle", "")
    assert extract("x.html", b"<p>Plain words here.</p>").text == "Plain words here."


def test_uploads_take_the_new_formats_and_refuse_bad_ones(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "seed.txt").write_text((SEEDS / "000_313469e783f3e27a.txt").read_text())
    library = Library(docs, tmp_path / "index", embedder=HashEmbedder())
    library.open()
    uploads = []
    for name, data in {"report.pdf": makedocs.report_pdf(), "minutes.docx": makedocs.report_docx(),
                       "otters.htm": makedocs.REPORT_HTML.encode(),
                       "locked.pdf": makedocs.encrypted(makedocs.report_pdf(), "pw")}.items():
        (tmp_path / name).write_bytes(data)
        uploads.append((tmp_path / name, name))
    results = {r.name: (r.accepted, r.message) for r in library.add(uploads)}
    assert results["locked.pdf"] == (False, "locked.pdf: the PDF needs a password")
    assert all(results[n][0] for n in ("report.pdf", "minutes.docx", "otters.htm"))
    # what the reader noted of a file is said where the upload is
    assert results["report.pdf"][1].endswith(
        "; 1 of 5 pages have no text layer and were not indexed")
    assert results["minutes.docx"][1].endswith(")")
    assert not (docs / "locked.pdf").exists()
    assert {"report.pdf", "minutes.docx", "otters.htm"} <= set(library.documents())


def test_a_page_image_boxes_the_quote_and_refuses_a_changed_file(folder, built, tmp_path):
    import io

    from PIL import Image

    engine = built[1]
    library = Library(folder, tmp_path / "unused", embedder=HashEmbedder())
    doc = document(engine, "report.pdf")
    [quote] = engine.rank("capital expenditure", k=1)
    plain = Image.open(io.BytesIO(library.page_image(doc, 3, [])))
    boxed = Image.open(io.BytesIO(library.page_image(doc, 3, [(quote.start, quote.end)])))
    assert plain.size == boxed.size and plain.size[0] == 900
    changed = [xy for xy in ((x, y) for x in range(0, 900, 3) for y in range(0, boxed.size[1], 3))
               if plain.getpixel(xy) != boxed.getpixel(xy)]
    assert changed, "no box was drawn"
    top = min(y for _, y in changed)
    # the row is drawn 97 points below the top of an 842-point page, the header 42: in pixels
    assert 0.08 < top / boxed.size[1] < 0.13, top
    moved = tmp_path / "docs"
    moved.mkdir()
    (moved / "report.pdf").write_bytes(makedocs.report_pdf(title="Another"))
    with pytest.raises(AskDocsError, match="has changed since it was indexed"):
        Library(moved, tmp_path / "unused", embedder=HashEmbedder()).page_image(doc, 3, [])


@pytest.mark.parametrize("labels_last", [False, True])
def test_a_table_drawn_column_by_column_is_read_row_by_row(labels_last):
    """Each label's figures join its line, whether the labels were drawn first or last; a
    chart's axis (figures on no label's line) and two columns of prose stay as drawn."""
    import pypdfium2 as pdfium

    data = makedocs.columns_pdf(labels_last)
    extracted = extract("acme.pdf", data)
    statement, prose = (extracted.text[:extracted.pages[1] - 1],
                        extracted.text[extracted.pages[1]:])
    lines = statement.splitlines()
    assert lines[:2] == ["Consolidated statement of income", "2018 2017"]  # the years head it
    assert lines[2:7] == [" ".join(row) for row in makedocs.COLUMN_TABLE]
    axis = lines.index("Sales by month")
    assert lines[axis + 1:axis + 5] == list(makedocs.COLUMN_AXIS)
    drawn = pdfium.PdfDocument(data)[1].get_textpage().get_text_range()
    assert prose == drawn
    assert prose.splitlines() == [*makedocs.COLUMN_PROSE[0], *makedocs.COLUMN_PROSE[1]]


def test_a_label_wrapped_in_a_column_drawn_table_keeps_its_figures():
    """The figures sit on a wrapped label's last line; the splitter's wrapped-label rule then
    keeps the label's two lines and its figures one row."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from askdocs.chunking import split_sentences

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.drawString(72, 800, "Cash flows")
    rows = [(760, ["Net income"], ("3,076", "3,325")),
            (745, ["Dividends paid to", "shareholders"], ("(1,847)", "(2,865)")),
            (715, ["Capital expenditures"], ("(9,831)", "(5,733)"))]
    for top, label, _ in rows:
        for n, line in enumerate(label):
            pdf.drawString(72, top - 15 * n, line)
    for column, x in ((0, 330), (1, 430)):
        for top, label, figures in rows:
            pdf.drawRightString(x, top - 15 * (len(label) - 1), figures[column])
    pdf.showPage()
    pdf.save()
    text = extract("flows.pdf", out.getvalue()).text
    units = [" ".join(text[s.start:s.end].split()) for s in split_sentences(text, (0,))]
    assert units[-3:] == ["Net income 3,076 3,325",
                          "Dividends paid to shareholders (1,847) (2,865)",
                          "Capital expenditures (9,831) (5,733)"]


STRINGS = ["Net sales", "Cost of sales", "4,285", "(30)", "2018", "—", "$", "the board met",
           "12.5%", "75 172"]


@settings(max_examples=80, deadline=None)
@given(rows=st.integers(2, 6), columns=st.integers(1, 3), labels_first=st.booleans(),
       noise=st.lists(st.tuples(st.integers(0, 500),  # anywhere, or on the table's rows
                                st.integers(0, 800) | st.integers(0, 8).map(lambda n: 700 - 15 * n),
                                st.sampled_from(STRINGS)), max_size=12))
def test_reading_order_loses_and_invents_nothing(rows, columns, labels_first, noise):
    """A table drawn column by column among strings drawn anywhere: the page's text in reading
    order holds PDFium's characters each once, and maps back to them (what the page image
    boxes)."""
    import io

    import pypdfium2 as pdfium
    from reportlab.pdfgen import canvas

    from askdocs.readers.pdf import CLEAN, in_order, pdfium_runs, reading_order

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(600, 850))
    labels = [lambda: [pdf.drawString(72, 700 - 15 * n, f"Line item {n}") for n in range(rows)]]
    figures = [lambda c=c: [pdf.drawRightString(330 + 90 * c, 700 - 15 * n, f"{(n + 1) * 1_111:,}")
                            for n in range(rows)] for c in range(columns)]
    for draw in labels + figures if labels_first else figures + labels:
        draw()
    for x, y, string in noise:
        pdf.drawString(x, y, string)
    pdf.showPage()
    pdf.save()
    textpage = pdfium.PdfDocument(out.getvalue())[0].get_textpage()
    drawn = textpage.get_text_range().translate(CLEAN)
    order = reading_order(textpage, drawn)
    text = in_order(drawn, order)
    assert sorted("".join(drawn.split())) == sorted("".join(text.split()))
    if not noise:
        assert order is not None and f"Line item 0 {' '.join(['1,111'] * columns)}" in text
    if order is not None:
        indices = [i for i in order if i >= 0]
        assert len(indices) == len(set(indices))
        assert all(not drawn[i].strip() for i in set(range(len(drawn))) - set(indices))
        assert sum(count for _, count in pdfium_runs([(0, len(text))], order)) == len(indices)


def test_a_page_of_too_many_lines_is_left_as_drawn(monkeypatch):
    """Matching figures to labels is quadratic in a page's lines: a page past MAX_LINES keeps
    PDFium's order, and loses nothing."""
    import pypdfium2 as pdfium

    from askdocs.readers import pdf

    data = makedocs.columns_pdf()
    drawn = pdfium.PdfDocument(data)[0].get_textpage().get_text_range()
    assert not pdf.extract(data).text.startswith(drawn)
    monkeypatch.setattr(pdf, "MAX_LINES", 5)
    assert pdf.extract(data).text.startswith(drawn)


@pytest.mark.parametrize("labels_last", [False, True])
def test_a_row_read_back_together_is_quoted_and_boxed_where_it_is_drawn(tmp_path, labels_last):
    import io

    from PIL import Image

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "acme.pdf").write_bytes(makedocs.columns_pdf(labels_last))
    build_index(docs, tmp_path / "index", embedder=HashEmbedder())
    engine = AskDocs.load(tmp_path / "index", embedder=HashEmbedder())
    [quote] = engine.rank("Net income", k=1)
    assert quote.text == "Net income 75 172" and quote.page == 1
    doc = document(engine, "acme.pdf")
    library = Library(docs, tmp_path / "unused", embedder=HashEmbedder())
    plain = Image.open(io.BytesIO(library.page_image(doc, 1, [])))
    boxed = Image.open(io.BytesIO(library.page_image(doc, 1, [(quote.start, quote.end)])))
    width, height = boxed.size
    changed = [(x, y) for x in range(0, width, 2) for y in range(0, height, 2)
               if plain.getpixel((x, y)) != boxed.getpixel((x, y))]
    # the row is drawn 60 points below the first row (at 760 of an 842-point page), from the
    # label at x 72 to the 2017 figure ending at x 430 of 595
    ys = [y / height * 842 for _, y in changed]
    xs = [x / width * 595 for x, _ in changed]
    assert 842 - 700 - 12 < min(ys) and max(ys) < 842 - 700 + 6, (min(ys), max(ys))
    assert min(xs) < 75 and 425 < max(xs) < 440, (min(xs), max(xs))


def test_load_folder_reads_every_format(folder):
    documents, skipped = load_folder(folder)
    assert skipped == [] and len(documents) == 3


@pytest.mark.model
def test_the_cli_and_json_name_the_page(capsys, folder, tmp_path, real_embedder):
    from askdocs.cli import main

    build_index(folder, tmp_path / "index", embedder=real_embedder)
    assert main(["ask", "What was the capital expenditure?", "--index",
                 str(tmp_path / "index"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    pdf_quotes = [q for q in data["quotes"] if q["source"] == "report.pdf"]
    assert pdf_quotes and pdf_quotes[0]["page"] == 3
    assert all(q["page"] is None for q in data["quotes"] if q["source"] != "report.pdf")
    assert main(["ask", "What was the capital expenditure?", "--index",
                 str(tmp_path / "index")]) == 0
    assert "report.pdf, p. 3, chars " in capsys.readouterr().out


def test_a_metadata_title_that_names_nothing_gives_way_to_the_texts_own():
    # a filing printed from EDGAR is titled "Document" or by its file's name: its cover names it
    cover = ("UNITED STATES\nSECURITIES AND EXCHANGE COMMISSION\nFORM 10-K\nACME TOOLS INC\n"
             "(Exact name of registrant as specified in its charter)\n")
    for title in ["Document", "a2018form10-k.htm", "Microsoft Word - minutes.docx", " untitled ",
                  None]:
        doc = make_document("acme.pdf", b"x", Extracted(cover, (0,), title))
        assert doc.title == "ACME TOOLS INC, Form 10-K", title
    for title in ["Acme annual report", "Documents of the board", "Report.pdf and notes"]:
        assert make_document("acme.pdf", b"x", Extracted(cover, (0,), title)).title == title
    # a web page's placeholder title gives way to its first heading, as no title does
    page = b"<html><head><title>Document</title></head><body><h1>Ferries</h1><p>Hi.</p></body>"
    assert extract("page.html", page).title == "Ferries"
