"""Sentences and chunks keep exact offsets; boilerplate is not quotable."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from askdocs.chunking import (
    chunk_texts,
    is_table_row,
    make_chunks,
    row_label,
    running_inside,
    running_lines,
    split_sentences,
)
from askdocs.documents import body_start, find_date, find_title, make_document
from askdocs.readers import Unreadable


def spans(text):
    sentences = split_sentences(text)
    return sentences, make_chunks(sentences)


def test_sentences_of_a_news_paragraph():
    text = "Six of the dead were children, said Mr. Zelensky. The U.S. said so.\n\nAdvertisement\n"
    sentences, _ = spans(text)
    assert [text[s.start:s.end] for s in sentences] == [
        "Six of the dead were children, said Mr. Zelensky.", "The U.S. said so.",
        "Advertisement"]
    assert [s.quotable for s in sentences] == [True, True, False]
    assert [s.paragraph for s in sentences] == [1, 1, 2]


def test_a_filings_headings_are_not_quotes_but_short_sentences_are():
    # "Item 1." ends like a sentence, but its one word and a number head a section: quoted, it
    # took the place of an answer ("What acquisitions did … make?": "Item 1." above the
    # company's description)
    text = "PART I\nItem 1.\nBusiness\nItem 1A.\nHe resigned.\nI agree.\nProfits rose 4%.\n"
    sentences, _ = spans(text)
    assert {text[s.start:s.end]: s.quotable for s in sentences} == {
        "PART I": False, "Item 1.": False, "Business": False, "Item 1A.": False,
        "He resigned.": True, "I agree.": True, "Profits rose 4%.": True}
    # nor is a title set in capitals, though it has four words; a row in capitals is a row
    text = ("SECURITIES AND EXCHANGE COMMISSION\nWashington, D.C. 20549\nSTOP THE WAR NOW!\n"
            "TOTAL ASSETS 1,234 1,100\n")
    sentences, _ = spans(text)
    assert {text[s.start:s.end]: s.quotable for s in sentences} == {
        "SECURITIES AND EXCHANGE COMMISSION": False, "Washington, D.C. 20549": True,
        "STOP THE WAR NOW!": True, "TOTAL ASSETS 1,234 1,100": True}
    # a script without capitals is never "in capitals": these stay quotable
    for line in ("东京是日本的首都，也是最大的城市，人口众多，经济发达。",
                 "القاهرة هي عاصمة مصر وأكبر مدنها"):
        assert [s.quotable for s in spans(line)[0]] == [True]


def test_line_breaks_inside_a_sentence_are_soft_wraps():
    text = ("The attack happened early on Friday evening and was among the\n"
            "deadliest since the start of the war.\n# Heading\n- a list item that stands alone")
    sentences, _ = spans(text)
    assert [text[s.start:s.end] for s in sentences] == [
        "The attack happened early on Friday evening and was among the\n"
        "deadliest since the start of the war.", "# Heading", "- a list item that stands alone"]


def test_a_leading_date_line_is_metadata_not_a_sentence():
    text = "date 2025-04-04 At least 50 people have been wounded.\n\nMore text here."
    sentences, _ = spans(text)
    assert text[sentences[0].start:sentences[0].end] == "At least 50 people have been wounded."
    assert body_start(text) == len("date 2025-04-04 ")
    assert find_date(text) == "2025-04-04"
    assert find_title(text) == "At least 50 people have been wounded."


def test_a_page_number_above_the_first_line_is_not_the_title():
    assert find_title("1\r\nUNITED STATES\r\nSECURITIES AND EXCHANGE COMMISSION") == "UNITED STATES"
    assert find_title("12\n\n34") == "12"  # no line has a word: the first, as before


def test_an_sec_filings_title_is_the_registrant_its_cover_names():
    cover = ("UNITED STATES\r\nSECURITIES AND EXCHANGE COMMISSION\r\nWashington, D.C. 20549\r\n"
             "FORM 10-K\r\nFor the fiscal year ended December 31, 2018\r\n"
             "Commission file number 1-3285\r\nACME TOOLS INC\r\n"
             "(Exact name of registrant as specified in its charter)\r\nDELAWARE\r\n")
    assert find_title(cover) == "ACME TOOLS INC, Form 10-K"
    assert find_title(cover.replace("FORM 10-K\r\n", "")) == "ACME TOOLS INC"


def test_chunks_overlap_by_one_sentence_inside_a_paragraph():
    text = " ".join(f"Sentence number {i} is here with some words to fill it out."
                    for i in range(40))
    sentences, chunks = spans(text)
    assert len(chunks) > 3
    for left, right in zip(chunks, chunks[1:]):
        assert right.first == left.last
    assert chunks[0].first == 0 and chunks[-1].last == len(sentences) - 1
    assert all(c.end - c.start <= 1000 for c in chunks)


def test_chunks_break_at_paragraphs_once_big_enough():
    para = "This paragraph talks about one thing at some length, on purpose. " * 4
    text = f"{para}\n\n{para}\n\n{para}"
    sentences, chunks = spans(text)
    assert len({sentences[c.first].paragraph for c in chunks}) == 3
    for chunk in chunks:
        assert sentences[chunk.first].paragraph == sentences[chunk.last].paragraph


def test_a_huge_single_line_is_cut_into_bounded_sentences():
    text = "word " * 50_000
    sentences, chunks = spans(text)
    assert all(s.end - s.start <= 1000 for s in sentences)
    assert "".join(text[s.start:s.end] + " " for s in sentences).split() == text.split()


def test_binary_is_refused_and_bom_dropped():
    doc = make_document("a.txt", "\ufeffHello there. Second one.".encode())
    assert doc.text == "Hello there. Second one."
    with pytest.raises(Unreadable, match=r"^not text \(binary content\)$"):
        make_document("b.txt", b"abc\x00def")


TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)
PIECES = st.lists(st.sampled_from(
    ["Mr. Smith went. ", "\r\n", "\r", "\n\n", "  ", "“Quoted.” ", "שלום עולם. ", "e\u0301",
     "😀 ", "Advertisement\n", "3.5 m. ", "U.S. ", "# Title\n", "- item\n", "?! ", "\ufeff"]),
    max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, PIECES))
def test_every_span_is_the_text_at_its_offsets(text):
    sentences, chunks = spans(text)
    for s in sentences:
        piece = text[s.start:s.end]
        assert piece and piece == piece.strip()
    starts = [s.start for s in sentences]
    assert starts == sorted(starts)
    for left, right in zip(sentences, sentences[1:]):
        assert left.end <= right.start
    for c in chunks:
        assert c.start == sentences[c.first].start and c.end == sentences[c.last].end
    if sentences:
        covered = {i for c in chunks for i in range(c.first, c.last + 1)}
        quotable = {i for i, s in enumerate(sentences) if s.quotable}
        assert quotable <= covered


def paged(*pages: str) -> tuple[str, tuple[int, ...]]:
    """Text joined as the PDF reader joins pages, and where each page starts."""
    starts, offset = [], 0
    for page in pages:
        starts.append(offset)
        offset += len(page) + 1
    return "\n".join(pages), tuple(starts)


def texts(text, sentences, quotable=True):
    return [text[s.start:s.end] for s in sentences if s.quotable or not quotable]


def test_running_headers_are_units_and_sentences_run_on_past_them():
    body = "A sentence that is long enough to wrap onto the next line and"
    first = "Opening line of the first page is here."
    text, pages = paged(f"ACME Report\r\n{first}\r\n{body}\r\nPage 1",
                        "ACME Report\r\nends on the next page here.\r\nPage 2",
                        "ACME Report\r\nThe third page has its own sentence.\r\nPage 3",
                        f"ACME Report\r\n{body}\r\nPage 4",
                        "ACME Report\r\nfinishes as the last line")
    sentences = split_sentences(text, pages)
    assert texts(text, sentences) == [
        "Opening line of the first page is here.",
        f"{body}\r\nPage 1\nACME Report\r\nends on the next page here.",
        "The third page has its own sentence.",
        f"{body}\r\nPage 4\nACME Report\r\nfinishes as the last line"]
    assert {text[s.start:s.end] for s in sentences if not s.quotable} == {
        "ACME Report", "Page 2", "Page 3"}  # "Page 1" lies inside the sentence across pages


def test_the_running_lines_inside_a_sentence_across_pages_are_its_furniture():
    body = "A sentence that is long enough to wrap onto the next line and"
    text, pages = paged("ACME Report\r\nOpening line of the first page is here.\r\n"
                        f"{body}\r\nPage 1",
                        "ACME Report\r\nends on the next page here.\r\nPage 2",
                        "ACME Report\r\nThe third page has its own sentence.\r\nPage 3")
    across = next(s for s in split_sentences(text, pages) if text[s.start:s.end].startswith(body))
    skipped = running_inside(text, running_lines(text, pages), across.start, across.end)
    assert [text[a:b] for a, b in skipped] == ["Page 1\nACME Report\r\n"]
    kept = text[across.start:skipped[0][0]] + text[skipped[0][1]:across.end]
    assert kept == f"{body}\r\nends on the next page here."
    # a sentence on one page has none; nor has a span that ends with a running line
    assert running_inside(text, running_lines(text, pages), 0, pages[1]) == ()


def test_a_filings_rows_with_currency_cells_and_dashes_are_rows():
    for row in ["Net income $ 7,029 $ 4,090 $ 9,881", "Net sales $7,029 $4,090",
                "Acquisitions, net of cash acquired (512) (340) —", "Other — —"]:
        assert is_table_row(row), row
    for prose in ["It rose from 2017 to 2018", "a well-known long-term -", "the inter-"]:
        assert not is_table_row(prose), prose
    rows = "Net sales $ 5,388 $ 3,098 $ 9,096\nCost of sales (6,085) (1,785) —\n"
    text = "A long line of prose that sets how long this page's lines are, over forty.\n" + rows
    assert texts(text, split_sentences(text))[1:] == rows.splitlines()


def test_a_printed_edgar_filings_bracket_and_per_cent_cells_are_a_rows_cells():
    # EDGAR's tables put a negative figure's closing bracket and a per cent sign in cells of
    # their own, and a browser's PDF gives them as "(4,180 )" and "41.2 %"
    rows = ["Cost of sales (16,682 ) (16,055 )", "Gross margin 41.2 % 40.1 %",
            "Net income (loss) $ (5,349 ) $ 4,858"]
    assert [row_label(row) for row in rows if is_table_row(row)] == [
        "Cost of sales", "Gross margin", "Net income (loss)"]
    for prose in ["The fee rose (see Note 5 )", "It was 5 % in 2018 and 6 %"]:
        assert not is_table_row(prose), prose
    text = ("A long line of prose that sets how long this page's lines are, over forty.\n"
            + "\n".join(rows) + "\n")
    assert texts(text, split_sentences(text))[1:] == rows
    # PDFium gives some printed tables a cell a line, the bracket on the next: a row stays whole
    cells = ["Net sales\r\n$ 32,765\r\n$ 31,657",
             "Purchases of property, plant and equipment (1,577\r\n) (1,373\r\n)",
             "Net income\r\n$ 5,349\r\n$ 4,858"]
    text = ("A long line of prose that sets how long this page's lines are, over forty.\r\n"
            + "\r\n".join(cells))
    assert texts(text, split_sentences(text))[1:] == cells



def test_a_row_label_wrapped_in_its_column_stays_with_its_figures():
    rows = ["Net income $ 3,076 $ 3,325 $ 6,378",
            "Dividends paid to\r\nshareholders (1,847 ) (2,865 ) (7,219 )",
            "Capital expenditures\r\n(PP&E) (9,831 ) (5,733 ) (4,199 )",
            "Net cash provided by\r\noperating activities 9,941 8,841 6,750"]
    text = ("A long line of prose that sets how long this page's lines are, over forty.\r\n"
            + "\r\n".join(rows))
    assert texts(text, split_sentences(text))[1:] == rows
    # a short line before prose, or before a row that begins with a capital, still ends a unit
    text = ("A long line of prose that sets how long this page's lines are, over forty.\r\n"
            "Dividends paid to\r\nNet income $ 3,076 $ 3,325\r\nOur dividends\r\nrose in 2018.")
    assert [text[u.start:u.end] for u in split_sentences(text)][1:3] == [
        "Dividends paid to", "Net income $ 3,076 $ 3,325"]


def test_a_chunk_ends_at_a_page_break_and_is_indexed_after_the_running_header():
    prose = "A sentence of prose that fills the page before the statement."
    text, pages = paged(f"ACME Report\r\n{prose}\r\n1",
                        "ACME Report\r\nStatement of Income\r\nNet sales 5 6\r\n"
                        "Net income 1 2\r\n2",
                        f"ACME Report\r\n{prose}\r\n3")
    sentences = split_sentences(text, pages)
    chunks = make_chunks(sentences, pages=pages)
    assert all(len({bisect_page(pages, s.start) for s in sentences[c.first:c.last + 1]
                    if s.quotable}) == 1 for c in chunks)
    [statement] = [t for c, t in zip(chunks, chunk_texts(text, pages, chunks))
                   if "Net sales" in t]
    assert statement.startswith("ACME Report\n") and prose not in statement
    # without pages, the same sentences make one chunk across the break
    assert any("Net sales" in text[c.start:c.end] and prose in text[c.start:c.end]
               for c in make_chunks(sentences))


def bisect_page(pages, offset):
    return sum(start <= offset for start in pages)


def test_table_rows_and_narrow_columns_in_a_paged_document():
    column = ["Hedgehog food sales doubled in the", "eastern shops after a new range was",
              "launched in the spring of that year."]
    rows = ["Capital expenditure 1,577 1,373", "Net income (4,858) 5,363", "Margin 12.5% 11.0%"]
    text, pages = paged("\n".join(column + rows), "Another page with one line on it.",
                        "And a third page with one more line.")
    assert texts(text, split_sentences(text, pages))[:4] == ["\n".join(column)] + rows


def test_a_page_starting_with_a_capital_does_not_continue_the_sentence():
    cut = "The last sentence of this page is cut off by the end of the"
    text, pages = paged(f"ACME Report\r\n{cut}\r\n7",
                        "ACME Report\r\nConsolidated Statement of Income\r\nNet income 5 6\r\n8",
                        "ACME Report\r\nA third page with a full sentence on it.\r\n9")
    assert texts(text, split_sentences(text, pages)) == [
        cut, "Consolidated Statement of Income", "Net income 5 6",
        "A third page with a full sentence on it."]
