"""Reports laid out as SEC filings: the company named on the cover only, statements whose rows
sit far below the title and the column of years that say what they are."""

from __future__ import annotations

import io

import pytest

from askdocs.chunking import Chunk, chunk_texts, page_headings, split_sentences
from askdocs.keywords import Tokenizer, joined_names, spelled_out, title_page_names

COVER = ("UNITED STATES\nSECURITIES AND EXCHANGE COMMISSION\nWashington, D.C. 20549\n"
         "FORM 10-K\nFor the fiscal year ended December 31, 2018\n"
         "Commission file number 1-3285\nACME TOOLS INC\n"
         "(Exact name of registrant as specified in its charter)\nDELAWARE 41-0417775\n")
PROSE = ("tools and hardware to customers in more than forty countries, and its plants run\n"
         "three shifts. The Company was founded in 1902 and has grown by acquisitions.\n")
STATEMENT = ("12\nCONSOLIDATED STATEMENT OF CASH FLOWS\nAcme Tools Inc\n"
             "(Millions) Years ended December 31\n2018 2017 2016\n"
             "Net income 4,858 5,363 4,833\nDividends paid to shareholders (3,193) (2,803) "
             "(2,678)\n")


def paged(*pages: str) -> tuple[str, tuple[int, ...]]:
    text, starts = "", []
    for page in pages:
        starts.append(len(text))
        text += page + "\n"
    return text, tuple(starts)


def test_a_statement_page_is_headed_by_its_title_captions_and_years():
    text, pages = paged(COVER, PROSE, STATEMENT)
    headings = page_headings(text, pages)
    assert text[slice(*headings[2])] == ("CONSOLIDATED STATEMENT OF CASH FLOWS\nAcme Tools Inc\n"
                                         "(Millions) Years ended December 31\n2018 2017 2016")
    assert headings[1] is None  # prose going on from the page before
    # a text without pages (a page filed as its own text file) is one page
    heading = page_headings(STATEMENT, ())
    assert STATEMENT[slice(*heading[0])].endswith("December 31\n2018 2017 2016")
    # a page that starts with a table row has no heading
    text, pages = paged(COVER, "Net income 4,858 5,363 4,833\nTotal assets 1 2\n")
    assert page_headings(text, pages)[1] is None


def test_a_tables_heading_is_not_quoted_but_its_rows_are():
    text, pages = paged(COVER, PROSE, STATEMENT)
    quotable = {text[s.start:s.end]: s.quotable for s in split_sentences(text, pages)}
    assert not quotable["CONSOLIDATED STATEMENT OF CASH FLOWS"]
    assert not any(q for t, q in quotable.items() if t.endswith("2018 2017 2016"))
    assert quotable["Dividends paid to shareholders (3,193) (2,803) (2,678)"]
    # prose headings stay quotable as before: the heading of a page with no years is no table's
    text, pages = paged(COVER, "Item 7. Management's Discussion and Analysis of Results\n" + PROSE)
    # (all but the bare "Item 7.", which no line is quoted for: test_chunking)
    assert [text[s.start:s.end] for s in split_sentences(text, pages)
            if s.start >= pages[1] and not s.quotable] == ["Item 7."]


def test_a_chunk_below_its_pages_heading_is_indexed_with_it():
    text, pages = paged(COVER, PROSE, STATEMENT)
    row = text.index("Dividends")
    below = Chunk(row, text.index("\n", row), 0, 0)
    prose = Chunk(pages[1], pages[1] + 20, 0, 0)
    headed, own = chunk_texts(text, pages, [below, prose])
    assert headed.startswith("CONSOLIDATED STATEMENT OF CASH FLOWS\n")
    assert headed.endswith("\nDividends paid to shareholders (3,193) (2,803) (2,678)")
    assert own == text[prose.start:prose.end]
    row = STATEMENT.index("Dividends")
    alone = Chunk(row, STATEMENT.index("\n", row), 0, 0)
    assert chunk_texts(STATEMENT, (), [alone])[0].startswith("CONSOLIDATED STATEMENT")
    assert chunk_texts(PROSE, (), [prose]) == [PROSE[prose.start:prose.end]]


def test_a_table_extracted_a_cell_a_line_keeps_its_rows_and_its_years():
    text = ("CONSOLIDATED STATEMENT OF CASH FLOWS\n(Millions) Years ended December 31\n2018\n"
            "2017\n2016\nNet income\n$\n4,858\n$\n5,363\n$\n4,833\nDividends paid to "
            "shareholders\n(3,193)\n(2,803)\n(2,678)\nThe Company paid dividends each year.\n"
            "12\n")
    units = {text[s.start:s.end]: s.quotable for s in split_sentences(text)}
    assert units["Net income\n$\n4,858\n$\n5,363\n$\n4,833"]
    assert units["Dividends paid to shareholders\n(3,193)\n(2,803)\n(2,678)"]
    assert units["The Company paid dividends each year."] and not units["12"]
    # the years, a line each, end the heading as a line of years does, and are not quoted
    [heading] = page_headings(text, ())
    assert text[slice(*heading)].endswith("December 31\n2018\n2017\n2016")
    assert not units["(Millions) Years ended December 31\n2018\n2017\n2016"]


def test_a_table_written_column_by_column_is_one_unit_not_a_false_row():
    """Labels a line each, then the figures a line each (pdfminer's text of a table drawn column
    by column): no unit pairs the last label with every figure."""
    labels = ["Net sales", "Cost of sales", "Gross profit", "Operating expenses", "Net income"]
    figures = ["4,285", "(4,180)", "105", "(30)", "75", "3,900", "(3,700)", "200", "(28)", "172"]
    text = "\n".join(["CONSOLIDATED STATEMENT OF INCOME", "2018", "2017", *labels, *figures,
                      "The board thanks every member of staff."])
    units = [text[s.start:s.end] for s in split_sentences(text)]
    assert "\n".join(labels + figures) in units
    assert not any(unit.startswith("Net income\n4,285") for unit in units)
    # a heading and a label before a row's figures, a cell a line each, are no such table
    text = "\n".join(["INCOME", "Years ended December 31", "Net income", "4,858", "5,363",
                      "4,833", "Dividends paid", "(3,193)", "(2,803)", "(2,678)"])
    units = [text[s.start:s.end] for s in split_sentences(text)]
    assert "Net income\n4,858\n5,363\n4,833" in units


def test_a_name_a_path_writes_run_together_is_found():
    tokenize = Tokenizer()
    question = "What was Harbor Lights's net income in 2017?"
    assert joined_names(question, tokenize) == [("harborlight", "Harbor Lights")]
    named = spelled_out("HARBORLIGHTS 2018 10K page 13", question, tokenize)
    assert named.splitlines() == ["HARBORLIGHTS 2018 10K page 13", "Harbor Lights"]
    # a name the path does not write, or writes apart, is left as it was
    assert spelled_out("BLUEFIN 2018 10K", question, tokenize) == "BLUEFIN 2018 10K"
    assert spelled_out("Harbor Lights 2018", question, tokenize) == "Harbor Lights 2018"


def test_the_cover_names_the_document():
    text, pages = paged(COVER, PROSE, STATEMENT)
    names = title_page_names(text, pages)
    assert "ACME TOOLS INC" in names and "FORM 10-K" in names and "DELAWARE" in names
    # its prose and lowercase labels do not
    assert not any("registrant" in n or "fiscal" in n or "Commission" in n for n in names)


ROWS = ["Net income", "Depreciation and amortization", "Changes in working capital",
        "Net cash provided by operating activities", "Purchases of property, plant and equipment",
        "Proceeds from sale of businesses", "Acquisitions, net of cash acquired",
        "Net cash used in investing activities", "Proceeds from issuance of long-term debt",
        "Repayments of long-term debt", "Purchases of treasury stock",
        "Dividends paid to shareholders", "Net cash used in financing activities"]


def filing_pdf(company: str, seed: int) -> bytes:
    """A report as an SEC filing lays it out: the company named on its cover and under the
    statement's title, no running header, the dividends row twelfth of thirteen."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.setFont("Helvetica", 9)
    for n, line in enumerate(COVER.replace("ACME TOOLS INC", company.upper()).splitlines()):
        pdf.drawString(50, 780 - 15 * n, line)
    pdf.showPage()
    for page in range(3):
        pdf.setFont("Helvetica", 9)
        pdf.drawString(290, 30, str(page + 2))
        for n in range(30):
            pdf.drawString(50, 780 - 15 * n, f"Our {n + 1}th plant on site {page} makes hand "
                           "tools, fasteners and abrasives for builders and retailers.")
        pdf.showPage()
    pdf.drawString(290, 30, "5")
    pdf.setFont("Helvetica-Bold", 11)
    pdf.drawString(50, 780, "CONSOLIDATED STATEMENT OF CASH FLOWS")
    pdf.setFont("Helvetica", 9)
    pdf.drawString(50, 764, company)
    pdf.drawString(50, 748, "(Millions) Years ended December 31")
    for x, year in zip((330, 400, 470), (2018, 2017, 2016)):
        pdf.drawString(x, 732, str(year))
    for r, row in enumerate(ROWS):
        pdf.drawString(50, 716 - 16 * r, row)
        for c, x in enumerate((330, 400, 470)):
            pdf.drawString(x, 716 - 16 * r, f"{1000 * seed + 100 * r + 10 * c + 7:,}")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_a_row_far_down_a_statement_is_found_by_the_company_on_the_cover(tmp_path,
                                                                        real_embedder):
    from askdocs import AskDocs, build_index

    docs = tmp_path / "docs"
    docs.mkdir()
    for seed, company in enumerate(("Acme Tools Inc", "Borealis Foods Corp"), start=1):
        name = company.rsplit(" ", 1)[0].replace(" ", "").upper()  # as EDGAR names files
        (docs / f"{name}_2018_10K.pdf").write_bytes(filing_pdf(company, seed))
    index = tmp_path / "index"
    build_index(docs, index, embedder=real_embedder)
    engine = AskDocs.load(index, embedder=real_embedder)
    answer = engine.ask("What amount of dividends did Borealis Foods pay in FY2017?")
    assert answer.answered
    first = answer.quotes[0]
    assert (first.source, first.page) == ("BOREALISFOODS_2018_10K.pdf", 5)
    assert "Dividends paid to shareholders 3,107 3,117 3,127" in first.text.splitlines()
    # a year the statement does not give, a company no report is of
    for near_miss in ("What amount of dividends did Borealis Foods pay in FY2013?",
                      "What amount of dividends did Cinder Motors pay in FY2017?"):
        assert not engine.ask(near_miss).answered, near_miss


@pytest.mark.parametrize("cells", [False, True], ids=["rows", "cells"])
def test_a_report_filed_one_text_file_per_page_is_answered(tmp_path, real_embedder, cells):
    """The statement's page names neither the company nor which year a column is: its folder
    writes the company run together, its heading says the years. cells: the page's text as
    pypdf and PyMuPDF extract a table drawn cell by cell, each number and year on its own line."""
    from askdocs import AskDocs, build_index

    docs = tmp_path / "docs"
    for seed, company in enumerate(("Acme Tools Inc", "Borealis Foods Corp"), start=1):
        report = docs / (company.rsplit(" ", 1)[0].replace(" ", "").upper() + "_2018_10K")
        report.mkdir(parents=True)
        (report / "page_1.txt").write_text(COVER.replace("ACME TOOLS INC", company.upper()))
        for page in range(2, 5):  # prose, as a report's pages are
            (report / f"page_{page}.txt").write_text("".join(
                f"{company}'s {n + 1}th plant on site {page} makes hand tools, fasteners and "
                "abrasives for builders.\n" for n in range(30)))
        gap = "\n" if cells else " "
        rows = "\n".join(gap.join([row] + [f"{1000 * seed + 100 * r + c:,}" for c in (7, 17, 27)])
                         for r, row in enumerate(ROWS))
        (report / "page_5.txt").write_text(
            "CONSOLIDATED STATEMENT OF CASH FLOWS\n(Millions) Years ended December 31\n"
            f"{gap.join(['2018', '2017', '2016'])}\n{rows}\n5\n")
    index = tmp_path / "index"
    build_index(docs, index, embedder=real_embedder)
    engine = AskDocs.load(index, embedder=real_embedder)
    answer = engine.ask("What amount of dividends did Borealis Foods pay in FY2017?")
    assert answer.answered
    assert answer.quotes[0].source == "BOREALISFOODS_2018_10K/page_5.txt"
    assert answer.quotes[0].text.startswith(
        gap.join(["Dividends paid to shareholders", "3,107", "3,117", "3,127"]))
    # a row whose cells are a line each is a row too: quoted under its page's heading
    assert "CONSOLIDATED STATEMENT OF CASH FLOWS" in answer.quotes[0].heading
    assert not engine.unmentioned("What amount of dividends did Borealis Foods pay in FY2017?")
    for near_miss in ("What amount of dividends did Borealis Foods pay in FY2013?",
                      "What amount of dividends did Cinder Motors pay in FY2017?"):
        assert not engine.ask(near_miss).answered, near_miss
