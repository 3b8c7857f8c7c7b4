"""A report filed one text file per page: the running header and page number each page repeats
are recognised across the folder's files, as they are across a PDF's pages."""

from __future__ import annotations

import numpy as np
import pytest

from askdocs import AskDocs, HashEmbedder, build_index
from askdocs.chunking import edge_keys, page_headings, split_sentences
from askdocs.documents import shared_lines
from askdocs.keywords import Tokenizer, document_names, identity_text
from askdocs.store import load_stored

HEADER = "Acme Tools Inc | 2018 Annual Report"
PROSE = ("Our plant on site {n} makes hand tools, fasteners and abrasives for builders.\n"
         "It runs three shifts and ships to retailers in forty countries every week.\n"
         "Its workers trained {n} apprentices last year in welding and machining.\n")
STATEMENT = ("CONSOLIDATED STATEMENT OF CASH FLOWS\n(Millions) Years ended December 31\n"
             "2018 2017 2016\nNet income 4,858 5,363 4,833\n"
             "Dividends paid to shareholders (3,193) (2,803) (2,678)\n")


def page(number: int, body: str, header: str = HEADER) -> str:
    return f"{header}\n{number}\n{body}"


def write_report(docs, company: str, bodies: list[str]) -> None:
    """A company's annual report filed a text file a page, each under its running header."""
    report = docs / f"{company.replace(' ', '_')}_2018_annual_report"
    report.mkdir(parents=True)
    for number, body in enumerate(bodies, start=1):
        (report / f"page_{number}.txt").write_text(
            page(number, body, f"{company} | 2018 Annual Report"))


def test_lines_first_or_last_in_enough_of_a_folders_files_are_shared():
    edges = {f"acme/page_{n}.txt": ("acme tools inc | # annual report", "#", f"line {n}")
             for n in range(1, 6)}
    edges["acme/page_5.txt"] = ("the last page",)
    edges["other/page_1.txt"] = ("acme tools inc | # annual report",)  # another folder
    edges["acme/notes.txt"] = ("acme tools inc | # annual report",)  # not one of its pages
    shared = shared_lines(edges)
    assert shared["acme/page_1.txt"] == ("acme tools inc | # annual report", "#")
    assert not {"acme/page_5.txt", "other/page_1.txt", "acme/notes.txt"} & set(shared)
    # pages filed flat beside another report's: each report's own pages are its group
    flat = {f"{name}_2018_p{n}.txt": (f"{name} | # annual report", f"line {n}")
            for name in ("acme", "borealis") for n in range(1, 4)}
    flat["borealis_2018_p3.txt"] = ("the last page",)
    shared = shared_lines(flat)
    assert sorted(shared) == ["acme_2018_p1.txt", "acme_2018_p2.txt", "acme_2018_p3.txt"]
    # two files are not enough to tell a running header from a coincidence
    assert shared_lines({"a/1.txt": ("x",), "a/2.txt": ("x",)}) == {}


def test_edge_keys_leave_out_sentences_and_one_line_files():
    text = page(14, STATEMENT)
    assert edge_keys(text) == ("acme tools inc | # annual report", "#", "net income #,# #,# #,#",
                               "dividends paid to shareholders (#,#) (#,#) (#,#)")
    # a line that ends a sentence is content; a note of a few lines has no header to share
    assert "it runs" not in " ".join(edge_keys(PROSE.format(n=3) + "The end.\n"))
    assert edge_keys("Edit number 3.\nOne more line.\n") == ()
    assert edge_keys("Acme Tools Inc | 2018 Annual Report") == ()  # a file of one line
    assert edge_keys(f"{HEADER}\n20\nwindfall for oil-importing nations, both developing and "
                     "developed.") == ("acme tools inc | # annual report", "#")


def test_a_shared_header_is_not_quoted_and_a_page_number_does_not_cut_the_heading():
    text = page(14, STATEMENT)
    shared = ("acme tools inc | # annual report", "#")
    quotable = {text[s.start:s.end]: s.quotable for s in split_sentences(text, (), shared=shared)}
    assert not quotable[HEADER] and not quotable["14"]
    assert quotable["Dividends paid to shareholders (3,193) (2,803) (2,678)"]
    # the page's heading runs from its header over the page number to the column of years
    [heading] = page_headings(text, ())
    assert text[slice(*heading)] == f"{HEADER}\n14\n" + "\n".join(STATEMENT.splitlines()[:3])
    assert not quotable["2018 2017 2016"]


def test_the_shared_header_names_the_page_but_not_its_number():
    from askdocs.documents import Document

    text = page(14, STATEMENT)
    doc = Document("ACME/page_14.txt", text, "", None, len(text), "0" * 64,
                   shared=("acme tools inc | # annual report", "#"))
    identity = identity_text(doc)
    assert HEADER in identity and "14" not in identity.replace("page 14", "")


def folder_of_pages(docs, pages: int, header: str = HEADER):
    report = docs / "ACME_2018"
    report.mkdir(parents=True, exist_ok=True)
    for n in range(1, pages + 1):
        body = STATEMENT if n == 3 else PROSE.format(n=n)
        (report / f"page_{n}.txt").write_text(page(n, body, header))


def test_an_index_of_page_files_quotes_no_running_header(tmp_path):
    docs, index = tmp_path / "docs", tmp_path / "index"
    folder_of_pages(docs, 5)
    build_index(docs, index, embedder=HashEmbedder())
    engine = AskDocs.load(index, embedder=HashEmbedder())
    found = engine.rank("Acme Tools Inc 2018 Annual Report dividends", k=50)
    assert found and all(HEADER not in q.text for q in found)
    assert "Dividends paid to shareholders (3,193) (2,803) (2,678)" in {q.text for q in found}
    stored = load_stored(index)
    [entry] = [e for s in stored.segments for e in s.entries if e.id == "ACME_2018/page_3.txt"]
    assert HEADER in entry.identity and entry.shared
    assert stored.manifest.documents["ACME_2018/page_3.txt"].shared == entry.shared


def test_a_page_added_beside_others_updates_the_ones_whose_shared_lines_change(tmp_path):
    docs, index = tmp_path / "docs", tmp_path / "index"
    folder_of_pages(docs, 2)  # two pages: too few to tell a running header
    build_index(docs, index, embedder=HashEmbedder())
    engine = AskDocs.load(index, embedder=HashEmbedder())
    assert any(HEADER in q.text for q in engine.rank("Acme Tools Inc 2018 Annual Report", k=20))
    folder_of_pages(docs, 3)  # a third page: now the header runs across them
    report = build_index(docs, index, embedder=HashEmbedder())
    assert (report.added, report.updated, report.unchanged) == (1, 2, 0)
    engine = AskDocs.load(index, embedder=HashEmbedder())
    assert all(HEADER not in q.text for q in engine.rank("Acme Tools Inc 2018 Annual Report",
                                                         k=20))
    # nothing changed: nothing is read again
    again = build_index(docs, index, embedder=HashEmbedder())
    assert (again.added, again.updated, again.unchanged, again.written) == (0, 0, 3, False)


def test_a_report_filed_with_a_running_header_is_answered_from_its_statement(tmp_path,
                                                                           real_embedder):
    """Every page file starts with the company's running header and its number: the header
    names the page without being quoted, and the page number does not cut the statement's
    heading from its rows."""
    docs, index = tmp_path / "docs", tmp_path / "index"
    for seed, company in enumerate(("Acme Tools Inc", "Borealis Foods Corp"), start=1):
        cover = f"{company}\nAnnual Report 2018\nForm 10-K\n" \
            "For the fiscal year ended December 31, 2018\n"
        rows = STATEMENT.replace("4,858", f"{seed},858").replace("(3,193)", f"({seed},193)")
        write_report(docs, company, [cover, *(PROSE.format(n=n) * 3 for n in range(2, 6)), rows])
    build_index(docs, index, embedder=real_embedder)
    engine = AskDocs.load(index, embedder=real_embedder)
    answer = engine.ask("How much did Borealis Foods Corp pay in dividends in 2018?")
    assert answer.answered
    first = answer.quotes[0]
    assert first.source == "Borealis_Foods_Corp_2018_annual_report/page_6.txt"
    assert "Dividends paid to shareholders (2,193) (2,803) (2,678)" in first.text.splitlines()
    assert all("| 2018 Annual Report" not in q.text for q in answer.quotes)


BALANCE = ("CONSOLIDATED BALANCE SHEET\n(Millions) December 31\n2018 2017 2016\n"
           "Cash and cash equivalents 2,410 1,935 1,722\nTotal current assets 7,318 6,604 6,112\n"
           "Total assets 21,904 20,377 19,563\nTotal current liabilities 4,265 3,987 3,602\n"
           "Long-term debt 6,019 5,810 5,566\n")


def test_a_ratio_the_question_defines_is_answered_with_the_rows_it_is_computed_from(
        tmp_path, real_embedder):
    """No line says "current ratio"; the question says what it is, and each of its figures has
    a row of its own. Asked as one question, neither row says all of it, and it was declined."""
    docs, index = tmp_path / "docs", tmp_path / "index"
    for seed, company in enumerate(("Acme Tools Inc", "Borealis Foods Corp"), start=1):
        rows = BALANCE.replace("7,318", f"{seed},318").replace("4,265", f"{seed},265")
        write_report(docs, company, [*(PROSE.format(n=n) * 3 for n in range(1, 5)), rows])
    build_index(docs, index, embedder=real_embedder)
    engine = AskDocs.load(index, embedder=real_embedder)
    answer = engine.ask("What is Borealis Foods Corp's FY2018 current ratio? Define current "
                        "ratio as total current assets divided by total current liabilities. "
                        "Round your answer to two decimal places.")
    assert answer.answered
    lines = {line for q in answer.quotes
             if q.source == "Borealis_Foods_Corp_2018_annual_report/page_5.txt"
             for line in q.text.splitlines()}
    assert {"Total current assets 2,318 6,604 6,112",
            "Total current liabilities 2,265 3,987 3,602"} <= lines
    assert answer.question.startswith("What is Borealis Foods Corp's FY2018 current ratio?")
    # named without a definition: the common one (glossary.RATIOS)
    answer = engine.ask("What is Borealis Foods Corp's FY2018 current ratio?")
    assert answer.answered
    assert {"Total current assets 2,318 6,604 6,112",
            "Total current liabilities 2,265 3,987 3,602"} <= {
        line for q in answer.quotes[:2] for line in q.text.splitlines()}
    assert not any(note.startswith("No quote") for note in answer.notes)  # every part found
    # each row is shown under its statement's heading, the page's own text: which year is which
    page = (docs / "Borealis_Foods_Corp_2018_annual_report" / "page_5.txt").read_text()
    for quote in answer.quotes[:2]:
        assert quote.heading == "CONSOLIDATED BALANCE SHEET\n(Millions) December 31\n2018 2017 2016"
        assert quote.heading in page
    # a judgement the rows bear on (glossary.JUDGEMENTS): no row says "liquidity" or "healthy"
    answer = engine.ask("Is Borealis Foods Corp's liquidity position healthy at the end of "
                        "FY2018?")
    assert answer.answered
    assert {"Total current assets 2,318 6,604 6,112", "Total current liabilities 2,265 3,987 "
            "3,602", "Cash and cash equivalents 2,410 1,935 1,722"} <= {
        line for q in answer.quotes if q.source.startswith("Borealis")
        for line in q.text.splitlines()}
    assert answer.notes[0].startswith("“liquidity” is judged here by total current assets")


INCOME = ("CONSOLIDATED STATEMENT OF INCOME\n(Millions) Years ended December 31\n2018 2017 2016\n"
          "Net sales $ 32,765 $ 31,657 $ 30,109\nCost of sales (16,682) (16,001) (15,118)\n"
          "Operating income $ 7,207 $ 7,820 $ 7,223\nNet income $ 5,349 $ 4,858 $ 5,050\n")
MDA = ("Results of operations\nOperating margin fell to 22.0% in 2018 from 24.7% in 2017, "
       "driven by higher raw material costs and the litigation charge in the second quarter.\n"
       "Sales grew in every region, led by Asia.\n")


def test_a_page_that_states_the_ratio_is_quoted_before_its_lines(tmp_path, real_embedder):
    """A ratio named without a definition is asked part by part and as written; when a page
    states the ratio itself (and why it moved), that quote goes first, once."""
    docs, index = tmp_path / "docs", tmp_path / "index"
    write_report(docs, "Borealis Foods Corp",
                 [*(PROSE.format(n=n) * 3 for n in range(1, 4)), MDA, INCOME, BALANCE])
    build_index(docs, index, embedder=real_embedder)
    engine = AskDocs.load(index, embedder=real_embedder)
    for question in ("What drove operating margin change as of FY2018 for Borealis Foods Corp?",
                     "Why did Borealis Foods Corp's operating margin fall in 2018?"):
        answer = engine.ask(question)
        assert answer.quotes[0].text.startswith("Operating margin fell to 22.0%"), question
        texts = [q.text for q in answer.quotes]
        assert sum("Operating margin fell" in t for t in texts) == 1, texts
        assert any(t.startswith("Operating income $ 7,207") for t in texts)


def test_how_a_figure_moved_is_answered_from_its_row(tmp_path, real_embedder, monkeypatch):
    """"Did … net income decline …?": the row gives the years and says neither "decline" nor
    "grow". When the question as asked is declined (here made so: on a long report its words
    are missing), the figure is asked by the words that name it, and its row answers."""
    from dataclasses import replace

    docs, index = tmp_path / "docs", tmp_path / "index"
    write_report(docs, "Borealis Foods Corp",
                 [*(PROSE.format(n=n) * 3 for n in range(1, 4)), INCOME, BALANCE])
    build_index(docs, index, embedder=real_embedder)
    engine = AskDocs.load(index, embedder=real_embedder)
    question = "Did Borealis Foods Corp's net income decline from FY2017 to FY2018?"
    asked = engine.ask_whole
    monkeypatch.setattr(engine, "ask_whole", lambda q, **kw: replace(
        asked(q, **kw), answered=False, quotes=()) if q == question else asked(q, **kw))
    answer = engine.ask(question)
    assert answer.answered and answer.question == question
    assert answer.quotes[0].text.startswith("Net income $ 5,349 $ 4,858")
    assert answer.notes[0] == "The quotes give “net income”; askdocs does not judge how it moved"
    # a year no table gives stays declined
    assert not engine.ask("Did Borealis Foods Corp's net income decline from FY2013 to "
                          "FY2014?").answered


def test_a_judgement_word_of_other_texts_is_not_read_as_a_filings(tmp_path, real_embedder):
    """"How liquid" judges a company by its current assets, liabilities and cash; of a text
    that gives none of them, the question is asked as written and no reading is claimed. (Each
    part, "total current assets is water at 50 degrees?", found the water sentence by its
    other words.)"""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "water.txt").write_text(
        "Water stays liquid at 50 degrees Celsius under normal pressure, and boils at 100 "
        "degrees.\n\nIce melts at 0 degrees Celsius. Steam condenses as it cools.\n")
    build_index(tmp_path / "docs", tmp_path / "index", embedder=real_embedder)
    engine = AskDocs.load(tmp_path / "index", embedder=real_embedder)
    answer = engine.ask("How liquid is water at 50 degrees?")
    assert answer.answered and "stays liquid at 50 degrees" in answer.quotes[0].text
    assert not any("judged here" in note for note in answer.notes)


def test_the_row_a_question_names_in_full_goes_before_a_longer_one(tmp_path):
    """On the SEC-layout reports (bench/filings.py) the model's cosine put "Total current
    assets" and the cover naming the company before "Total assets" for a question about total
    assets; a row whose label the question says in full gains AskDocs.labelled's ROW_SAID."""
    from dataclasses import replace

    from askdocs.chunking import row_label
    from askdocs.engine import ROW_SAID

    docs, index = tmp_path / "docs", tmp_path / "index"
    costs = ("Selling, general and administrative expenses 3,010 2,950 2,870\n"
             "Operating expenses 9,100 8,800 8,500\nOperating income 7,207 7,820 7,223\n")
    write_report(docs, "Borealis Foods Corp", [PROSE.format(n=1), BALANCE, costs])
    build_index(docs, index, embedder=HashEmbedder())
    engine = AskDocs.load(index, embedder=HashEmbedder())
    question = "What were Borealis Foods Corp's total assets at the end of FY2018?"
    hits = engine.search(question, 50)
    text = {h.sentence: engine.numbered(h.document).text[h.start:h.end] for h in hits}
    total, current = (next(h for h in hits if text[h.sentence].startswith(label))
                      for label in ("Total assets", "Total current assets"))
    crowded = [replace(current, score=2.0), replace(total, score=2.0 - ROW_SAID / 2)]
    with engine.lock:
        ranked = engine.labelled(question, crowded)
    assert [row_label(text[h.sentence]) for h in ranked] == ["Total assets",
                                                             "Total current assets"]
    assert ranked[0].score == 2.0 + ROW_SAID / 2 and ranked[1].score == 2.0
    # the words of a part of the document the question names are no figure's
    with engine.lock:
        ranked = engine.labelled("What were Borealis Foods Corp's total assets? Use the current "
                                 "assets table.", crowded)
    assert row_label(text[ranked[0].sentence]) == "Total assets"
    # a label's "expenses" need not be said ("SG&A"), unless one word alone would be left
    for question, first in (("What were Borealis Foods Corp's SG&A in 2018?",
                             "Selling, general and administrative expenses"),
                            ("What was Borealis Foods Corp's operating income in 2018?",
                             "Operating income")):
        hits = engine.search(question, 50)
        text.update({h.sentence: engine.numbered(h.document).text[h.start:h.end] for h in hits})
        other, row = (next(h for h in hits if row_label(text[h.sentence]) == label)
                      for label in ("Operating expenses", first))
        with engine.lock:
            ranked = engine.labelled(question, [replace(other, score=2.0),
                                                replace(row, score=2.0 - ROW_SAID / 2)])
        assert row_label(text[ranked[0].sentence]) == first, question


def test_milvus_shares_lines_across_page_files_as_the_folder_index_does(tmp_path):
    docs = tmp_path / "docs"
    folder_of_pages(docs, 2)
    build_index(docs, tmp_path / "milvus", embedder=HashEmbedder(), store="milvus")
    folder_of_pages(docs, 3)
    report = build_index(docs, tmp_path / "milvus", embedder=HashEmbedder())
    assert (report.added, report.updated, report.unchanged) == (1, 2, 0)
    build_index(docs, tmp_path / "faiss", embedder=HashEmbedder())
    question = "Acme Tools Inc 2018 Annual Report dividends"
    ranked = [[(q.source, q.text) for q in AskDocs.load(tmp_path / name,
                                                        embedder=HashEmbedder()).rank(question)]
              for name in ("milvus", "faiss")]
    assert ranked[0] == ranked[1] and all(HEADER not in text for _, text in ranked[0])


def test_table_lines_are_told_from_prose():
    from askdocs.chunking import is_table_line

    text = ("Net income 3,481 4,191 4,222\nDividends paid\n(4,902)\n"
            "At least 16 people were hurt in 2018.\n")
    assert is_table_line(text, text.index("4,191")) and is_table_line(text, text.index("4,902"))
    assert not is_table_line(text, text.index("16"))


def test_pages_of_one_report_are_not_shown_as_disagreeing_over_a_tables_numbers(tmp_path):
    """Each page file is a source; a table row gives a number a column, so which of them a
    question asks for is not found by the words around it, and two pages' rows are not
    compared. Sentences that give a number still are."""
    from askdocs.answer import Quote

    docs, index = tmp_path / "docs", tmp_path / "index"
    folder_of_pages(docs, 3)
    build_index(docs, index, embedder=HashEmbedder())
    engine = AskDocs.load(index, embedder=HashEmbedder())

    def quote(source: str, text: str) -> Quote:
        return Quote(source, text, 0, len(text), 2.0, "", 0, len(text), "", None, None, 1)

    question = "How much did Acme pay in dividends in 2018?"
    rows = [quote("ACME_2018/page_3.txt", "Dividends paid to shareholders (3,193) (2,803) "
                                          "(2,678)"),
            quote("ACME_2018/page_2.txt", "Earnings per share, basic 0.79 7.83 3.81")]
    assert engine.agreement(question, rows) is None
    prose = [quote("a.txt", "Acme paid 3,193 million in dividends in 2018."),
             quote("b.txt", "Acme paid 2,803 million in dividends in 2018.")]
    assert "different numbers" in engine.agreement(question, prose).note()


def test_the_pages_of_one_report_count_as_one_source(tmp_path):
    """Quotes from three page files of one report are from one source, not three; another
    year's report, filed the same way, and a plain document are sources of their own."""
    from askdocs.answer import Answer, Quote

    docs, index = tmp_path / "docs", tmp_path / "index"
    folder_of_pages(docs, 4)
    older = docs / "ACME_2017"
    older.mkdir()
    for n in range(1, 5):
        (older / f"page_{n}.txt").write_text(
            page(n, PROSE.format(n=n), HEADER.replace("2018", "2017")))
    (docs / "notes.txt").write_text("Acme paid its dividends in cash.\n")
    build_index(docs, index, embedder=HashEmbedder())
    engine = AskDocs.load(index, embedder=HashEmbedder())
    assert engine.source_of("ACME_2018/page_2.txt") == engine.source_of("ACME_2018/page_4.txt")
    assert engine.source_of("ACME_2018/page_2.txt") != engine.source_of("ACME_2017/page_2.txt")
    assert engine.source_of("notes.txt") == "notes.txt"

    def quote(source: str) -> Quote:
        return Quote(source, "text", 0, 4, 1.0, "text", 0, 4, "", None)

    pages = [quote(f"ACME_2018/page_{n}.txt") for n in (2, 3, 4)]
    counted = len({engine.source_of(q.source) for q in pages})
    assert counted == 1
    assert Answer("q", True, tuple(pages), (), sources=counted,
                  confidence=0.5).summary() == "1 source answers."
    assert Answer("q", True, tuple(pages), (),
                  confidence=0.5).summary() == "3 sources answer."  # by file
    both = pages[:1] + [quote("ACME_2017/page_2.txt"), quote("notes.txt")]
    assert len({engine.source_of(q.source) for q in both}) == 3
    # pages with no running header nor page number: their file names say they are pages
    plain = docs / "BOREALIS_2022_10K"
    plain.mkdir()
    for n in range(1, 4):
        (plain / f"page_{n}.txt").write_text(PROSE.format(n=n))
    build_index(docs, index, embedder=HashEmbedder())
    engine = AskDocs.load(index, embedder=HashEmbedder())
    assert not engine.document("BOREALIS_2022_10K/page_2.txt").shared
    assert engine.source_of("BOREALIS_2022_10K/page_2.txt") == \
        engine.source_of("BOREALIS_2022_10K/page_3.txt") == "BOREALIS_2022_10K/page_#.txt"


@pytest.mark.model
def test_ask_counts_a_reports_pages_as_one_source(tmp_path, real_embedder):
    docs, index = tmp_path / "docs", tmp_path / "index"
    folder_of_pages(docs, 4)
    build_index(docs, index, embedder=real_embedder)
    engine = AskDocs.load(index, embedder=real_embedder)
    answer = engine.ask("How many apprentices did the workers train in welding?")
    assert answer.answered and len({q.source for q in answer.quotes}) > 1, answer
    assert answer.sources == 1 and answer.summary() == "1 source answers."


def test_in_a_report_its_name_names_every_sentence(tmp_path, real_embedder):
    """Asked what moved one company's margin, the sentences of its report that write its name
    out ("Borealis Foods is a defendant …") came before the one that answers ("Operating income
    margins were …, driven by …"): the path names every page. Each of its sentences is now also
    scored for the question without the name."""
    docs, index = tmp_path / "docs", tmp_path / "index"
    for seed, company in enumerate(("Acme Tools", "Borealis Foods"), start=1):
        report = docs / f"{company.replace(' ', '').upper()}_2022_10K"
        report.mkdir(parents=True)
        pages = [f"FORM 10-K\nFor the fiscal year ended December 31, 2022\n{company.upper()}\n"
                 "(Exact name of registrant as specified in its charter)\n",
                 f"Item 1. Business\n{company} is a diversified company that develops, "
                 "manufactures and sells packaged snacks, juices and frozen meals. The Company "
                 "manages its operations in 3 business segments: Snacks, Beverages and Frozen "
                 f"Foods.\n\n{company} is a defendant in a number of lawsuits alleging that "
                 "products it formerly made caused injuries to plaintiffs.\n",
                 *(PROSE.format(n=n) for n in range(2, 5)),
                 "Item 7. Management's Discussion and Analysis\nOverview\nOperating income "
                 f"margins were 1{seed}.0% in 2022, a decrease of 1.{seed} percentage points "
                 "compared with 2021. The decline was primarily driven by higher raw material "
                 "and logistics costs and unfavorable foreign currency effects, partially offset "
                 "by productivity actions.\n"]
        for number, text in enumerate(pages, start=1):
            (report / f"page_{number}.txt").write_text(text)
    build_index(docs, index, embedder=real_embedder)
    engine = AskDocs.load(index, embedder=real_embedder)
    answer = engine.ask("What drove operating margin change as of FY2022 for Borealis Foods?")
    assert answer.answered
    assert answer.quotes[0].source == "BOREALISFOODS_2022_10K/page_6.txt"
    assert "Operating income margins were 12.0% in 2022" in answer.quotes[0].text


def test_a_question_without_the_names_that_name_documents():
    tokenize = Tokenizer()
    named_by = {"harborlight": np.array([1, 2]), "3m": np.array([5]), "warsaw": np.array([7]),
                "2018": np.array([1, 5])}
    assert document_names("Is Harbor Lights's business subject to cyclicality?", tokenize,
                          named_by)[0] == "Is business subject to cyclicality?"
    rest, documents = document_names("What is 3M's FY2018 revenue?", tokenize, named_by)
    assert (rest, documents.tolist()) == ("What is FY2018 revenue?", [5])  # a year stays
    # a name that names no document, or nothing left but the name: the question as asked
    assert document_names("How many people live in Paris?", tokenize, named_by) is None
    assert document_names("What is Warsaw?", tokenize, named_by) is None
    # two names of different documents name none of them both
    assert document_names("Did 3M outsell Harbor Lights?", tokenize, named_by) is None


def test_a_question_word_is_searched_in_its_other_forms_too(tmp_path, real_embedder):
    """"employees" is stemmed "employe", "employed" "employ": asked for a company's employees,
    the sentence that says "employee" came before the one that says how many it employs. A
    word's other forms that WordNet gives are searched too, at half weight."""
    from askdocs.lexicon import lexicon

    assert {"acquire", "acquisition"} <= lexicon().forms("acquisitions")
    assert "learning" not in lexicon().forms("acquisitions")  # a synonym is not a form
    docs, index = tmp_path / "docs", tmp_path / "index"
    for seed, company in enumerate(("Acme Tools", "Borealis Foods"), start=1):
        report = docs / f"{company.replace(' ', '').upper()}_2022_10K"
        report.mkdir(parents=True)
        pages = [f"{company} is a diversified company that makes and sells hand tools, fasteners "
                 f"and abrasives.\n{company} is a defendant in a number of lawsuits alleging "
                 "that products it formerly made caused injuries.\n",
                 *(PROSE.format(n=n) for n in range(2, 5)),
                 "Human Capital\nThe Company's talent strategy focuses on the safety of every "
                 f"employee.\nAs of December 31, 2022, the Company employed approximately "
                 f"{seed}2,000 people worldwide.\n"]
        for number, text in enumerate(pages, start=1):
            (report / f"page_{number}.txt").write_text(text)
    build_index(docs, index, embedder=real_embedder)
    engine = AskDocs.load(index, embedder=real_embedder)
    [first] = engine.rank("What is the total number of employees of Borealis Foods?", k=1)
    assert first.source == "BOREALISFOODS_2022_10K/page_5.txt"
    assert "employed approximately 22,000 people" in first.text


def test_a_page_that_never_writes_the_name_is_about_the_report_it_is_in(tmp_path,
                                                                         real_embedder):
    """The path names every page of a report, so a page that never writes the company's name
    is as much about it as one that does. Asked for Northgate Rail's employees, the page that
    says how many the Company employs held none of the question's words by exact match, and
    the first step could decline it (engine.coverage); asked what Northgate Rail acquired, its
    business page ("Northgate Rail is a diversified company that …") came between the
    sentences of the page that says "In 2022 the Company acquired …" (NAMED_PASSAGE)."""
    from askdocs.keywords import weight_share

    docs, index = tmp_path / "docs", tmp_path / "index"
    for seed, (company, segments) in enumerate((("Acme Tools", "Industrial, Safety, Consumer"),
                                                ("Northgate Rail", "Freight, Passenger, Coal")),
                                               start=1):
        report = docs / f"{company.replace(' ', '').upper()}_2022_10K"
        report.mkdir(parents=True)
        pages = ["Item 1. Business\n"
                 f"{company} is a diversified company that develops, manufactures and sells "
                 f"its products in many markets. The Company manages its operations in 3 "
                 f"business segments: {segments}.\n",
                 *(PROSE.format(n=n) for n in range(2, 5)),
                 "Human Capital\nAs of December 31, 2022, the Company employed approximately "
                 f"{seed}2,000 people worldwide.\n",
                 "Liquidity and Capital Resources\nIn 2022 the Company acquired Kestrel "
                 f"Analytics, a maker of sensors, for ${seed}.4 billion in cash, net of cash "
                 "acquired.\n"]
        for number, text in enumerate(pages, start=1):
            (report / f"page_{number}.txt").write_text(text)
    build_index(docs, index, embedder=real_embedder)
    engine = AskDocs.load(index, embedder=real_embedder)
    question = "What is the total number of employees of Northgate Rail?"
    _, idf, said = engine.answer_terms(question)
    employs = {engine.searcher.document_id(hit.document): hit
               for hit in engine.search(question, 10)
               if "employed" in engine.numbered(hit.document).text[hit.start:hit.end]}
    exact, _ = engine.coverage(idf, employs["NORTHGATERAIL_2022_10K/page_5.txt"], said, question)
    name = weight_share(idf, set(engine.searcher.tokenize("Northgate Rail")))
    assert exact >= name > 0
    exact, _ = engine.coverage(idf, employs["ACMETOOLS_2022_10K/page_5.txt"], said, question)
    assert exact < name  # not another company's report
    ranked = [q.source for q in engine.rank("What acquisitions did Northgate Rail make in "
                                            "FY2022?", k=3)]
    assert ranked[:2] == ["NORTHGATERAIL_2022_10K/page_6.txt"] * 2, ranked
