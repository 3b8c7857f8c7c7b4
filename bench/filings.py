"""Page-level retrieval on long reports: a development set askdocs makes for itself.

    python bench/filings.py [--companies N] [--distractors [DIR]] [--json PATH]

Real company filings are long PDFs whose answers often sit in a table, and whose questions name
the company and the year ("What is the FY2018 capital expenditure for 3M?"): the table row
names neither. This script makes such a collection (held-back real filings judge the project;
these are only for development): per fictional company one annual report of about 25 pages, with
a running header naming the company, narrative pages (SQuAD dev prose, CC BY-SA 4.0, different
articles per company), and three statements as tables with a column per year. Every company has
the same row labels, so only the company and the year tell the right page. Questions come from
templates with several wordings; each knows its evidence page.

It prints, through the public API: the share of questions whose evidence page is among the
first five distinct pages `rank` returns (and first), and for `ask`: how often it answers, and
how often one of its quotes is on the evidence page.

Without --distractors it also builds two more sets and prints their figures: 4 reports whose
statements carry other filings' titles (retitled), and 6 laid out as SEC filings are
(sec_collection: the company named on the cover only, longer statements, a currency sign a cell
of its own on a statement's first row and its totals, the same figures again
in selected data, MD&A prose and notes), where it also counts quotes holding the figure asked for,
and asks for ratios the question defines (RATIO_QUESTIONS: "Operating margin is defined as …")
and, the same, names without a definition;
and it asks the SEC-layout set and the reports again filed one text file per page (page_files),
as the issue measured the held-back filings: a folder per report, every page in one folder, and
with a table's cells a line each, as pypdf and PyMuPDF extract them (cell_lines).

With --distractors, the reports are indexed among many pages that answer none of the questions
(by default the Python documentation, common.PYTHON_DOCS, about 200,000 sentences): a large
collection, where the abstention threshold, which grows with the number of sentences, is far
above where it was fitted.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import textwrap
import time
from pathlib import Path

from common import CACHE, PYTHON_DOCS, ROOT, SQUAD, copy_pages

from askdocs.embedding import cached_embedder
from askdocs.engine import AskDocs
from askdocs.evaluation import load_squad
from askdocs.indexer import build_index

COMPANIES = ["Harbor Lights Inc", "Bluefin Foods Corp", "Copperleaf Mining Ltd",
             "Northgate Rail Group", "Silverline Telecom", "Amberfield Chemicals",
             "Pinecrest Retail Co", "Ravenstone Insurance", "Oakridge Pharmaceuticals",
             "Meridian Shipping plc", "Tallgrass Energy Inc", "Quillfeather Media"]
YEARS = (2018, 2017, 2016)
STATEMENTS = {
    "Consolidated Statement of Income": ["Net sales", "Cost of sales", "Operating income",
                                         "Net income", "Earnings per share, diluted"],
    "Consolidated Balance Sheet": ["Cash and cash equivalents", "Inventories", "Total assets",
                                   "Total liabilities", "Total equity"],
    "Consolidated Statement of Cash Flows": [
        "Net cash provided by operating activities",
        "Purchases of property, plant and equipment (PP&E)", "Depreciation and amortization",
        "Dividends paid to shareholders", "Repurchases of common stock"],
}
QUESTIONS = [  # (templates, statement row)
    (["What is the FY{year} capital expenditure for {company}?",
      "How much did {company} spend on capital expenditures in {year}?"],
     "Purchases of property, plant and equipment (PP&E)"),
    (["What was {company}'s net income in {year}?",
      "How much profit did {company} make in fiscal {year}?"], "Net income"),
    (["How much cash and cash equivalents did {company} hold at the end of {year}?"],
     "Cash and cash equivalents"),
    (["What were {company}'s total assets in FY{year}?"], "Total assets"),
    (["How much did {company} pay in dividends in {year}?"], "Dividends paid to shareholders"),
    (["What were net sales for {company} in fiscal {year}?",
      "What was the revenue of {company} in {year}?"], "Net sales"),
]
# how an analyst or an agent wraps such a question in instructions on the answer, naming the
# statement the evidence is in ({statement}); askdocs should read the question inside them
INSTRUCTED = [
    "{question} Answer in USD millions.",
    "{bare} (in USD millions)?",
    "{question} Give a response to the question by relying on the details shown in the "
    "{statement}.",
    "According to the information provided in the {statement}, {lower}",
    "Assume that you are a financial analyst. Using the {statement}, answer the following "
    "question: {lower}",
    "{question} Please round your answer to two decimal places and explain your reasoning.",
    "{question} Base your judgments on the information provided primarily in the {statement}.",
    "{question} Please utilize information provided primarily within the {statement}.",
    "{question} If the figure is not explicitly outlined then state 0.",
]
# reports of four more companies whose statements are titled as other filings title them,
# asked with the names people use for each statement (the other reports use one title each)
RETITLED = [("Consolidated Statements of Operations", "Consolidated Balance Sheets",
             "Consolidated Statements of Cash Flows"),
            ("Consolidated Statement of Earnings", "Consolidated Statement of Financial Position",
             "Consolidated Statement of Cash Flows"),
            ("Consolidated Income Statement", "Consolidated Balance Sheet",
             "Consolidated Cash Flow Statement"),
            ("Consolidated Statements of Income", "Consolidated Statements of Financial Condition",
             "Consolidated Statements of Cash Flows")]
NAMED = [["income statement", "P&L statement", "statement of income", "statement of operations"],
         ["balance sheet", "statement of financial position"],
         ["cash flow statement", "statement of cash flows"]]
# how INSTRUCTED names each of STATEMENTS: the commonest of its names
SPOKEN = {title: names[0] for title, names in zip(STATEMENTS, NAMED)}
NARRATIVE_PAGES = 22
LINES_PER_PAGE = 48
UNREPORTED_YEARS = (2013, 2014, 2015, 2019, 2020)  # no report's tables give these


def report_name(company: str) -> str:
    return company.replace(" ", "_") + "_2018_annual_report.pdf"


def statement_pages() -> dict[str, int]:
    """The page (1-based) of each statement row, the same in every report: after the title page
    and the first half of the narrative pages."""
    first = NARRATIVE_PAGES // 2 + 3
    return {row: first + n for n, rows in enumerate(STATEMENTS.values()) for row in rows}


def draw_lines(pdf, lines: list[str]) -> None:
    """A page of text, a line at a time from the top (a narrative page, the cover)."""
    pdf.setFont("Helvetica", 9)
    for n, line in enumerate(lines):
        pdf.drawString(50, 780 - 15 * n, line)


def report(company: str, prose: list[str], rng: random.Random,
           titles: tuple[str, ...] | None = None) -> tuple[bytes, dict[str, int]]:
    """The PDF of one annual report, and the page (1-based) of each statement row; titles: the
    statements' own (STATEMENTS' by default)."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.setTitle(f"{company} Annual Report 2018")
    lines = []
    for paragraph in prose:
        lines += textwrap.wrap(paragraph, 92) + [""]
    pages: list[list[str] | tuple[str, list[str]]] = [
        [f"{company}", "Annual Report 2018", "Form 10-K", "For the fiscal year ended "
         "December 31, 2018"]]
    body = [lines[i:i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)]
    statements = list(zip(titles or STATEMENTS, STATEMENTS.values()))
    where = {}
    for number in range(NARRATIVE_PAGES):
        pages.append(body[number % len(body)])
        if number == NARRATIVE_PAGES // 2:
            for title, rows in statements:
                pages.append((title, rows))
                where.update({row: len(pages) for row in rows})
    for number, page in enumerate(pages, start=1):
        pdf.setFont("Helvetica", 8)
        pdf.drawString(50, 810, f"{company} | 2018 Annual Report")
        pdf.drawString(290, 30, str(number))
        if isinstance(page, tuple):
            title, rows = page
            pdf.setFont("Helvetica-Bold", 11)
            pdf.drawString(50, 770, title)
            pdf.setFont("Helvetica", 9)
            pdf.drawString(50, 750, "(Millions, except per share amounts)")
            for x, year in zip((330, 400, 470), YEARS):
                pdf.drawString(x, 730, str(year))
            for row_number, row in enumerate(rows):
                y = 710 - 18 * row_number
                pdf.drawString(50, y, row)
                for x in (330, 400, 470):
                    value = rng.randint(100, 9999)
                    shown = f"{value:,}" if "per share" not in row else f"{value / 1000:.2f}"
                    pdf.drawString(x, y, f"({shown})" if "Purchases" in row or "paid" in row
                                   or "Repurchases" in row or "Cost" in row else shown)
        else:
            draw_lines(pdf, page)
        pdf.showPage()
    pdf.save()
    assert where == statement_pages()
    return out.getvalue(), where


def narrative(articles: list[str], number: int) -> list[str]:
    """The paragraphs of the report of company `number`: two SQuAD articles of its own."""
    return [paragraph for article in articles[number::len(COMPANIES)][:2]
            for paragraph in article.split("\n\n")]


def collection(companies: int) -> tuple[Path, list[dict]]:
    """The reports folder and the questions (cached under bench/.cache)."""
    def make(docs: Path, articles: list[str]) -> list[dict]:
        rng = random.Random(2018)
        questions = []
        for number, company in enumerate(COMPANIES[:companies]):
            data, where = report(company, narrative(articles, number), rng)
            name = report_name(company)
            (docs / name).write_bytes(data)
            for templates, row in QUESTIONS:
                template = rng.choice(templates)
                year = rng.choice(YEARS)
                questions.append({"question": template.format(company=company, year=year),
                                  "source": name, "page": where[row]})
        return questions
    return cached(f"filings{companies}", make)


def cached(name: str, make) -> tuple[Path, list[dict]]:
    """A collection under bench/.cache/name: its documents folder and its questions, which
    make(docs, articles) writes and returns the first time (articles: the SQuAD articles'
    texts, for the reports' narrative)."""
    folder = CACHE / name
    docs, questions_file = folder / "docs", folder / "questions.json"
    if questions_file.exists():
        return docs, json.loads(questions_file.read_text())
    docs.mkdir(parents=True, exist_ok=True)
    questions = make(docs, list(load_squad(SQUAD)[0].values()))
    questions_file.write_text(json.dumps(questions, indent=1))
    return docs, questions


def retitled() -> tuple[Path, list[dict]]:
    """RETITLED's reports (one per company after the first eight) and their questions: every
    wording of each, once for each name of its statement, wrapped in the first INSTRUCTED style
    that names it, and once plain (cached under bench/.cache)."""
    def make(docs: Path, articles: list[str]) -> list[dict]:
        rng = random.Random(7)
        kind = {row: n for n, rows in enumerate(STATEMENTS.values()) for row in rows}
        style = next(s for s in INSTRUCTED if "{statement}" in s)
        questions = []
        for number, (company, titles) in enumerate(zip(COMPANIES[8:], RETITLED), start=8):
            data, where = report(company, narrative(articles, number), rng, titles)
            (docs / report_name(company)).write_bytes(data)
            for templates, row in QUESTIONS:
                for template in templates:
                    question = template.format(company=company, year=rng.choice(YEARS))
                    item = {"source": report_name(company), "page": where[row]}
                    questions.append({**item, "question": question})
                    questions += [{**item, "question": style.format(question=question,
                                                                    statement=name)}
                                  for name in NAMED[kind[row]]]
        return questions
    return cached("filings-retitled", make)


# Reports laid out as SEC filings are (sec_collection): a cover page that names the company, no
# running header, statements of a dozen rows in capitals titles, and the same figures again in
# the selected financial data, the MD&A's prose and the notes (segments, quarters)
SEC_STATEMENTS = {
    "CONSOLIDATED STATEMENT OF INCOME": [
        "Net sales", "Cost of sales", "Selling, general and administrative expenses",
        "Research, development and related expenses", "Operating income",
        "Other expense (income), net", "Income before income taxes",
        "Provision for income taxes", "Net income", "Earnings per share, basic",
        "Earnings per share, diluted"],
    "CONSOLIDATED BALANCE SHEET": [
        "Cash and cash equivalents", "Accounts receivable", "Inventories",
        "Total current assets", "Property, plant and equipment, net", "Goodwill", "Total assets",
        "Accounts payable", "Total current liabilities", "Long-term debt", "Total liabilities",
        "Total equity"],
    "CONSOLIDATED STATEMENT OF CASH FLOWS": [
        "Net income", "Depreciation and amortization",
        "Net cash provided by operating activities",
        "Purchases of property, plant and equipment (PP&E)",
        "Acquisitions, net of cash acquired", "Net cash used in investing activities",
        "Dividends paid to shareholders", "Purchases of treasury stock",
        "Net cash used in financing activities"],
}
SEC_QUESTIONS = [  # (template, statement, row); asked plain and in SEC_WRAPPINGS
    ("What is the FY{year} capital expenditure amount (in USD millions) for {company}?", 2,
     "Purchases of property, plant and equipment (PP&E)"),
    ("What is the FY{year} net income attributable to shareholders for {company}?", 0,
     "Net income"),
    ("What is {company}'s FY{year} total revenue (in USD millions)?", 0, "Net sales"),
    ("How much cash and cash equivalents did {company} have at the end of FY{year}?", 1,
     "Cash and cash equivalents"),
    ("What were {company}'s total assets at the end of FY{year}?", 1, "Total assets"),
    ("What amount of dividends did {company} pay in FY{year}?", 2,
     "Dividends paid to shareholders"),
    ("What was {company}'s FY{year} depreciation and amortization expense?", 2,
     "Depreciation and amortization"),
    ("What is {company}'s FY{year} cost of goods sold?", 0, "Cost of sales"),
    ("What was {company}'s long-term debt at the end of FY{year}?", 1, "Long-term debt"),
    ("What was {company}'s FY{year} operating income?", 0, "Operating income"),
]
SEC_WRAPPINGS = [INSTRUCTED[2], INSTRUCTED[6]]
# questions for a figure the statements do not print but give the parts of, with the definition
# the question states, as analysts ask them: (template, the statements whose rows it needs);
# {prev} is the year before {year}
RATIO_QUESTIONS = [
    ("What is {company}'s FY{year} operating margin? Operating margin is defined as operating "
     "income divided by net sales.", (0,)),
    ("What is the FY{year} dividend payout ratio for {company}? Dividend payout ratio is "
     "defined as: cash dividends paid / net income attributable to shareholders.", (2, 0)),
    ("What is {company}'s FY{year} return on assets? ROA = net income / average total assets "
     "between FY{prev} and FY{year}. Answer in units of percents.", (0, 1)),
    ("What is the FY{year} fixed asset turnover ratio for {company}? Fixed asset turnover ratio "
     "is defined as: FY{year} revenue / (average PP&E between FY{prev} and FY{year}). Round your "
     "answer to two decimal places.", (0, 1)),
    ("What is {company}'s FY{year} current ratio? Define current ratio as total current assets "
     "divided by total current liabilities.", (1,)),
    ("What was {company}'s FY{year} cash conversion? Cash conversion is calculated as net cash "
     "provided by operating activities divided by net income. Calculate what was asked by "
     "utilizing the line items clearly shown in the cash flow statement.", (2,)),
]
# questions an analyst asks of a measure no statement prints and the question does not define,
# or of a judgement the figures bear on ("Is … capital-intensive?"): (template, the statements
# whose rows bear on it); askdocs quotes the rows, it does not judge
ANALYST_QUESTIONS = [
    ("Is {company} a capital-intensive business based on FY{year} data?", (2, 0, 1)),
    ("How leveraged was {company} at the end of FY{year}?", (1,)),
    ("What is {company}'s FY{year} debt-to-equity ratio?", (1,)),
    ("What were {company}'s FY{year} days sales outstanding?", (1, 0)),
    ("What was {company}'s FY{year} capital expenditure as a percentage of revenue?", (2, 0)),
    ("What is the FY{year} EBITDA margin for {company}?", (0, 2)),
    ("How liquid was {company} at the end of FY{year}?", (1,)),
    ("What is the ratio of SG&A to net sales for {company} in FY{year}?", (0,)),
]
NEGATIVE = ("Purchases", "paid", "Cost", "expenses", "Acquisitions", "used", "Provision")
# rows a statement prints with a currency sign in a cell of its own ("Net sales $ 1,234"), as
# filings do on a table's first row and its totals; a nil figure is a dash
DOLLAR_ROWS = ("Total", "Net income", "Earnings per share")
NIL = ("Acquisitions, net of cash acquired", 2016)


def shown(value: int, row: str) -> str:
    """A statement's figure as printed: per-share amounts in dollars, outflows in brackets."""
    if "per share" in row:
        return f"{value / 1000:.2f}"
    return f"({value:,})" if any(word in row for word in NEGATIVE) else f"{value:,}"


def sec_report(company: str, prose: list[str], rng: random.Random, render=None
               ) -> tuple[bytes, dict[str, int], dict]:
    """The PDF of one report laid out as an SEC filing, the page (1-based) of each statement
    row, and the figures {(row, year): value}. render: what makes the PDF of its pages
    (drawn_pdf; filings_printed.printed_pdf prints them as a web page)."""
    # in a fixed order: a set's order of strings changes from one run to the next
    rows = dict.fromkeys(row for rows in SEC_STATEMENTS.values() for row in rows)
    years = (*YEARS, 2015, 2014)
    value = {(row, year): rng.randint(100, 9999) for row in rows for year in years}
    lines = []
    for paragraph in prose:
        lines += textwrap.wrap(paragraph, 92) + [""]
    body = [lines[i:i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)]
    pages: list = [["UNITED STATES", "SECURITIES AND EXCHANGE COMMISSION",
                    "Washington, D.C. 20549", "FORM 10-K", "ANNUAL REPORT PURSUANT TO SECTION 13 "
                    "OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934",
                    "For the fiscal year ended December 31, 2018", "Commission file number 1-3285",
                    company.upper(), "(Exact name of registrant as specified in its charter)"]]
    pages += [(["Item 1. Business"] if n == 0 else []) + body[n % len(body)] for n in range(8)]
    selected = {"Net sales": "Net sales", "Net income": "Net income",
                "Total assets": "Total assets", "Long-term debt": "Long-term debt",
                "Purchases of property, plant and equipment (PP&E)": "Capital expenditures",
                "Dividends paid to shareholders": "Cash dividends paid"}
    pages.append((["Item 6. Selected Financial Data",
                   "(Dollars in millions, except per share amounts)"], years,
                  [(label, [shown(value[row, y], row) for y in years])
                   for row, label in selected.items()]))

    def dollars(row, year):
        return f"${value[row, year]:,} million"
    capex = "Purchases of property, plant and equipment (PP&E)"
    mdna = [
        "Item 7. Management's Discussion and Analysis of Financial Condition and Results of "
        "Operations",
        f"Net sales in 2018 were {dollars('Net sales', 2018)}, compared with "
        f"{dollars('Net sales', 2017)} in 2017, reflecting organic growth in every business "
        "segment and favorable currency effects.",
        f"Operating income was {dollars('Operating income', 2018)} in 2018 and "
        f"{dollars('Operating income', 2017)} in 2017.",
        f"Net income for 2018 was {dollars('Net income', 2018)}.",
        "Cash flows from operating activities were "
        f"{dollars('Net cash provided by operating activities', 2018)} in 2018.",
        f"Capital expenditures were {dollars(capex, 2018)} in 2018, compared with "
        f"{dollars(capex, 2017)} in 2017, primarily for expanding manufacturing capacity.",
        f"The Company paid dividends of {dollars('Dividends paid to shareholders', 2018)} in "
        "2018 and repurchased shares of its common stock.",
        f"At December 31, 2018, the Company had {dollars('Cash and cash equivalents', 2018)} of "
        f"cash and cash equivalents and total debt of {dollars('Long-term debt', 2018)}."]
    mdna_lines = []
    for paragraph in mdna + prose[:6]:
        mdna_lines += textwrap.wrap(paragraph, 92) + [""]
    pages += [mdna_lines[:LINES_PER_PAGE], mdna_lines[LINES_PER_PAGE:2 * LINES_PER_PAGE]]
    where = {}
    for n, (title, statement) in enumerate(SEC_STATEMENTS.items()):
        period = "At December 31" if n == 1 else "Years ended December 31"
        pages.append(([title, company, f"(Millions, except per share amounts) {period}"], YEARS,
                      [(row, ["—" if (row, y) == NIL else shown(value[row, y], row)
                              for y in YEARS]) for row in statement]))
        where[n] = len(pages)
    segments = ("Industrial", "Consumer", "Health Care")
    pages.append((["NOTE 18. Business Segments", "(Millions)"], YEARS,
                  [(f"{row}, {segment}", [f"{rng.randint(100, 4999):,}" for _ in YEARS])
                   for row in ("Net sales", "Operating income") for segment in segments]))
    pages.append((["NOTE 19. Quarterly Data (Unaudited)", "(Millions) 2018"],
                  ("First", "Second", "Third", "Fourth"),
                  [(row, [f"{rng.randint(100, 2999):,}" for _ in range(4)])
                   for row in ("Net sales", "Cost of sales", "Net income")]))
    pages += [body[n % len(body)] for n in range(8, 14)]
    pages_of = {(n, row): where[n] for n, rows in enumerate(SEC_STATEMENTS.values())
                for row in rows}
    return (render or drawn_pdf)(pages), pages_of, value


def draw_cell(pdf, x: float, y: float, cell: str, dollar: bool) -> None:
    """A table's cell, and before it a "$" as a cell of its own where dollar."""
    pdf.drawString(x, y, cell)
    if dollar:
        pdf.drawString(x - 12, y, "$")


def drawn_pdf(pages: list, by_column: bool = False) -> bytes:
    """An SEC-layout report's pages (sec_report's: a page of lines, or a table page's heading
    lines, columns and rows) drawn with reportlab, every line and cell where it stands; by_column:
    a table's labels drawn first, then each column of figures, as a layout program's separate
    text frames draw them (drawn_by_column)."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for number, page in enumerate(pages, start=1):
        pdf.setFont("Helvetica", 8)
        pdf.drawString(290, 30, str(number))
        if isinstance(page, tuple):
            heading, columns, table = page
            pdf.setFont("Helvetica-Bold", 11)
            pdf.drawString(50, 780, heading[0])
            pdf.setFont("Helvetica", 9)
            for n, line in enumerate(heading[1:], start=1):
                pdf.drawString(50, 780 - 16 * n, line)
            xs = [300 + 60 * i for i in range(len(columns))]
            top = 780 - 16 * len(heading)
            for x, column in zip(xs, columns):
                pdf.drawString(x, top, str(column))
            for n, (label, cells) in enumerate(table, start=1):
                pdf.drawString(50, top - 16 * n, label)
                for x, cell in zip(xs, cells) if not by_column else ():
                    draw_cell(pdf, x, top - 16 * n, cell, n == 1 or label.startswith(DOLLAR_ROWS))
            for column, x in enumerate(xs if by_column else ()):  # then column by column
                for n, (label, cells) in enumerate(table, start=1):
                    if column < len(cells):
                        draw_cell(pdf, x, top - 16 * n, cells[column],
                                  n == 1 or label.startswith(DOLLAR_ROWS))
        else:
            draw_lines(pdf, page)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def drawn_by_column(pages: list) -> bytes:
    """drawn_pdf, each table drawn column by column."""
    return drawn_pdf(pages, by_column=True)


def sec_collection(render=None, name: str = "filings-sec") -> tuple[Path, list[dict]]:
    """Six reports laid out as SEC filings (sec_report), named as EDGAR's are named
    ("HARBORLIGHTS_2018_10K.pdf"), and their questions, each plain and in SEC_WRAPPINGS, the
    company named without "Inc" or "Corp" (cached under bench/.cache/name). render: as
    sec_report's; the same figures and questions whichever it is."""
    def make(docs: Path, articles: list[str]) -> list[dict]:
        rng = random.Random(5)
        questions = []
        for number, company in enumerate(COMPANIES[:6]):
            data, where, value = sec_report(company, narrative(articles, number), rng, render)
            name = company.rsplit(" ", 1)[0] if company.split()[-1] in ("Inc", "Corp", "Ltd",
                                                                           "Group") else company
            source = name.replace(" ", "").upper() + "_2018_10K.pdf"
            (docs / source).write_bytes(data)
            statements = list(SEC_STATEMENTS)
            for template, statement, row in SEC_QUESTIONS:
                year = rng.choice(YEARS)
                question = template.format(year=year, company=name)
                spoken = SPOKEN[list(STATEMENTS)[statement]]
                item = {"source": source, "page": where[statement, row], "row": row,
                        "statement": statements[statement],
                        "figure": shown(value[row, year], row).strip("()")}
                questions += [{**item, "question": style.format(question=question,
                                                                statement=spoken)}
                              for style in ["{question}", *SEC_WRAPPINGS]]
        return questions
    return cached(name, make)


TRAILING_CELLS = re.compile(r"(?:[ \t]+[-−–(]?[$€£]?\d[\d,.]*%?\)?)+$")


def plain_ratio(question: str) -> str:
    """A ratio question without its definition, as people ask who expect the common one ("What
    is Acme's FY2018 operating margin?")."""
    return question.split("? ", 1)[0] + "?"


def ratio_questions(questions: list[dict], templates=RATIO_QUESTIONS) -> list[dict]:
    """RATIO_QUESTIONS (or other templates) for each report of the SEC-layout set (its
    questions say where each statement is), for the two years that have a year before them;
    the evidence pages: those of the statements each needs (any one quoted is right; all is
    counted too)."""
    pages: dict[str, dict[str, int]] = {}
    for item in questions:
        pages.setdefault(item["source"], {})[item["statement"]] = item["page"]
    statements = list(SEC_STATEMENTS)
    out = []
    for company in COMPANIES[:6]:
        name = company.rsplit(" ", 1)[0] if company.split()[-1] in ("Inc", "Corp", "Ltd",
                                                                       "Group") else company
        source = name.replace(" ", "").upper() + "_2018_10K.pdf"
        for template, needs in templates:
            for year in YEARS[:2]:
                out.append({"question": template.format(company=name, year=year,
                                                        prev=year - 1),
                            "source": source,
                            "pages": sorted({pages[source][statements[n]] for n in needs})})
    return out


def ratio_figures(engine: AskDocs, questions: list[dict]) -> dict:
    """How often `ask` answers a ratio question, quotes one of its evidence pages, quotes it
    first, and quotes every one of them."""
    counts = dict.fromkeys(("ask_answered", "ask_quotes_an_evidence_page",
                            "ask_first_quote_on_evidence_page", "ask_quotes_every_evidence_page"),
                           0)
    for item in questions:
        evidence = {(item["source"], page) for page in item["pages"]}
        answer = engine.ask(item["question"])
        pages = [(q.source, q.page) for q in answer.quotes]
        counts["ask_answered"] += answer.answered
        counts["ask_quotes_an_evidence_page"] += bool(evidence & set(pages))
        counts["ask_first_quote_on_evidence_page"] += bool(pages) and pages[0] in evidence
        counts["ask_quotes_every_evidence_page"] += evidence <= set(pages)
    n = len(questions)
    return {"questions": n, **{k: round(100 * v / n, 1) for k, v in counts.items()}}


def ratio_sets(engine: AskDocs, questions: list[dict], prefix: str = "") -> dict:
    """The SEC-layout reports' ratio, measure and judgement questions asked (RATIO_QUESTIONS,
    the same named without a definition, ANALYST_QUESTIONS): ratio_figures of each set, keyed
    prefix + "ratios", "ratios_plain" and "analyst", a line each printed."""
    defined, figures = ratio_questions(questions), {}
    for key, ratio_set, how in (
            ("ratios", defined, "for ratios whose definition the question states"),
            ("ratios_plain", [{**q, "question": plain_ratio(q["question"])} for q in defined],
             "for ratios named without a definition"),
            ("analyst", ratio_questions(questions, ANALYST_QUESTIONS),
             "for other measures and for judgements, as analysts ask")):
        ratios = figures[prefix + key] = ratio_figures(engine, ratio_set)
        print(f"The same 6 reports asked {how} ({ratios['questions']} questions): ask answers "
              f"{ratios['ask_answered']}%, quotes an evidence page "
              f"{ratios['ask_quotes_an_evidence_page']}% (first "
              f"{ratios['ask_first_quote_on_evidence_page']}%), every one of them "
              f"{ratios['ask_quotes_every_evidence_page']}%")
    return figures


def cell_lines(text: str) -> str:
    """A page's text as pypdf and PyMuPDF extract a table whose cells are drawn one by one (as
    reportlab draws these, and a browser prints an HTML filing): each number of a row, and each
    year of the column header, on a line of its own ("Net income\n9,708\n7,326\n3,061")."""
    out = []
    for line in text.splitlines():
        cells = TRAILING_CELLS.search(line)
        if not cells:
            out.append(line)
            continue
        label, values = line[:cells.start()].rstrip(), cells.group().split()
        if label.endswith(("December", "June", "September", "March")):  # a date's day stays
            label, values = f"{label} {values[0]}", values[1:]
        out += [label, *values] if len(values) >= 2 else [line]  # prose's last number stays
    return "\n".join(part for part in out if part) + "\n"


def page_files(docs: Path, questions: list[dict], flat: bool = False, cells: bool = False
               ) -> tuple[Path, list[dict]]:
    """The reports of a collection filed one text file per page, as the issue's held-back filings
    were measured ("HARBORLIGHTS_2018_10K/page_13.txt", the text askdocs reads from the PDF's
    page; flat: every report's pages in one folder, "HARBORLIGHTS_2018_10K_page_13.txt"; cells:
    a table's cells a line each, cell_lines), and its questions with the evidence page's file as
    their source (page: None; the report's page number kept as report_page)."""
    import pypdfium2 as pdfium

    from askdocs.readers.pdf import page_texts

    def name(stem: str, number: int) -> str:
        return f"{stem}_page_{number}.txt" if flat else f"{stem}/page_{number}.txt"

    suffix = "-flat" if flat else "-cells" if cells else "-pages"
    folder = docs.parent.with_name(docs.parent.name + suffix) / "docs"
    if not folder.exists():
        staged = folder.with_name("docs.partial")
        for path in sorted(docs.glob("*.pdf")):
            pdf = pdfium.PdfDocument(path.read_bytes())
            for number, text in enumerate(page_texts(pdf), start=1):
                (staged / name(path.stem, number)).parent.mkdir(parents=True, exist_ok=True)
                (staged / name(path.stem, number)).write_text(
                    cell_lines(text) if cells else text, encoding="utf-8")
            pdf.close()
        staged.rename(folder)
    return folder, [{**q, "source": name(q["source"].rsplit(".", 1)[0], q["page"]),
                     "page": None, "report_page": q["page"]} for q in questions]


def training_questions(companies: int) -> list[dict]:
    """For fitting the answerability model (bench/fit_answerability.py), not for this script's
    figures: every wording of every question about the first `companies` reports, for each year
    the tables give, and near misses the reports do not answer: a year no table gives, and a
    company that has no report in the collection."""
    rng = random.Random(2019)
    pages, names = statement_pages(), COMPANIES[:companies]
    questions = []
    for number, company in enumerate(names):
        source = report_name(company)
        for templates, row in QUESTIONS:
            for template in templates:
                questions += [{"question": template.format(company=company, year=year),
                               "source": source, "page": pages[row], "company": number,
                               "impossible": False} for year in YEARS]
            for year, other in ((rng.choice(UNREPORTED_YEARS), company),
                                (rng.choice(YEARS), rng.choice(COMPANIES[companies:]))):
                questions.append({"question": rng.choice(templates).format(company=other,
                                                                           year=year),
                                  "source": source, "page": pages[row], "company": number,
                                  "impossible": True})
    return questions


def instructed(questions: list[dict]) -> list[dict]:
    """Every question in every INSTRUCTED wrapping, naming the statement its evidence page is."""
    pages = statement_pages()
    spoken = {pages[row]: SPOKEN[title] for title, rows in STATEMENTS.items() for row in rows}
    return [{**item, "question": style.format(
        question=item["question"], bare=item["question"].rstrip("?"),
        lower=item["question"][0].lower() + item["question"][1:],
        statement=spoken[item.get("report_page", item["page"])])}
        for style in INSTRUCTED for item in questions]


def asked(engine: AskDocs, questions: list[dict]) -> tuple[float, float]:
    """The shares of questions `ask` answers, and answers quoting the evidence page."""
    answered = quoted = 0
    for item in questions:
        answer = engine.ask(item["question"])
        answered += answer.answered
        quoted += any((q.source, q.page) == (item["source"], item["page"])
                      for q in answer.quotes)
    return round(100 * answered / len(questions), 1), round(100 * quoted / len(questions), 1)


def sec_figures(engine: AskDocs, questions: list[dict]) -> dict:
    """How often `ask` answers, quotes the evidence page, quotes it first, and quotes the figure
    asked for (the row's number for the year, on any page: the MD&A's sentence says it too), in
    any quote and in the first; and how often `rank` has the evidence page first."""
    counts = dict.fromkeys(("ask_answered", "ask_quotes_evidence_page",
                            "ask_first_quote_on_evidence_page", "ask_quotes_figure",
                            "ask_first_quote_holds_figure", "page_first"), 0)
    for item in questions:
        evidence = (item["source"], item["page"])
        answer = engine.ask(item["question"])
        pages = [(q.source, q.page) for q in answer.quotes]
        counts["ask_answered"] += answer.answered
        counts["ask_quotes_evidence_page"] += evidence in pages
        counts["ask_first_quote_on_evidence_page"] += pages[:1] == [evidence]
        counts["ask_quotes_figure"] += any(item["figure"] in q.text for q in answer.quotes)
        counts["ask_first_quote_holds_figure"] += bool(answer.quotes) and \
            item["figure"] in answer.quotes[0].text
        ranked = engine.rank(item["question"], k=1)
        counts["page_first"] += [(q.source, q.page) for q in ranked] == [evidence]
    n = len(questions)
    return {"questions": n, **{k: round(100 * v / n, 1) for k, v in counts.items()}}


def evaluate(engine: AskDocs, questions: list[dict]) -> dict:
    first = top5 = 0
    for item in questions:
        pages = []
        for quote in engine.rank(item["question"], k=50):
            if (quote.source, quote.page) not in pages:
                pages.append((quote.source, quote.page))
        evidence = (item["source"], item["page"])
        first += pages[:1] == [evidence]
        top5 += evidence in pages[:5]
    n = len(questions)
    answered, quoted = asked(engine, questions)
    wrapped = asked(engine, instructed(questions))
    return {"questions": n, "page_first": round(100 * first / n, 1),
            "page_top5": round(100 * top5 / n, 1), "ask_answered": answered,
            "ask_quotes_evidence_page": quoted,
            "instructed": {"questions": n * len(INSTRUCTED), "ask_answered": wrapped[0],
                           "ask_quotes_evidence_page": wrapped[1]}}


def indexed(docs: Path, embedder) -> AskDocs:
    """A set's index beside its documents, built or brought up to date, loaded as users load
    it."""
    build_index(docs, docs.parent / "index", embedder=embedder)
    return AskDocs.load(docs.parent / "index")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=8)
    parser.add_argument("--distractors", type=Path, nargs="?", const=PYTHON_DOCS,
                        help="also index these HTML pages, which answer none of the questions "
                             f"(default when given without a folder: {PYTHON_DOCS})")
    parser.add_argument("--json", default=None,
                        help="where to write the figures (default: bench/results/filings.json, "
                             "or filings-distracted.json with --distractors)")
    args = parser.parse_args()
    docs, questions = collection(args.companies)
    name = "filings-distracted.json" if args.distractors else "filings.json"
    args.json = args.json or str(ROOT / "bench" / "results" / name)
    if args.distractors:
        mixed = docs.parent.with_name(docs.parent.name + "-distracted") / "docs"
        copy_pages([docs], mixed / "reports", pattern="*.pdf")
        copy_pages([args.distractors], mixed / "distractors")
        questions = [{**q, "source": f"reports/{q['source']}"} for q in questions]
        docs = mixed
    embedder = cached_embedder()
    index = docs.parent / "index"
    began = time.perf_counter()
    report_ = build_index(docs, index, embedder=embedder)
    print(f"# {report_.summary()} ({time.perf_counter() - began:.0f}s)")
    engine = AskDocs.load(index)
    result = evaluate(engine, questions)  # askdocs's own query encoder
    result["sentences"] = len(engine.searcher)
    print(f"{result['questions']} questions on {args.companies} reports "
          f"({result['sentences']} sentences indexed): evidence page first "
          f"{result['page_first']}%, in the top 5 {result['page_top5']}%; ask answers "
          f"{result['ask_answered']}%, quotes the evidence page "
          f"{result['ask_quotes_evidence_page']}%; the same in {len(INSTRUCTED)} wrappings of "
          f"instructions ({result['instructed']['questions']} questions): ask answers "
          f"{result['instructed']['ask_answered']}%, quotes the evidence page "
          f"{result['instructed']['ask_quotes_evidence_page']}%")
    if not args.distractors:
        docs, questions = retitled()
        answered, quoted = asked(indexed(docs, embedder), questions)
        result["retitled"] = {"questions": len(questions), "ask_answered": answered,
                              "ask_quotes_evidence_page": quoted}
        print(f"{len(RETITLED)} more reports, statements titled otherwise ({len(questions)} "
              f"questions, plain and naming the statement as people do): ask answers "
              f"{answered}%, quotes the evidence page {quoted}%")
        sec_docs, sec_questions = sec_collection()
        for key, (docs, questions), filed in (
                ("sec", (sec_docs, sec_questions), "as PDFs"),
                ("sec_columns", sec_collection(drawn_by_column, "filings-sec-columns"),
                 "as PDFs whose tables are drawn column by column"),
                ("sec_pages", page_files(sec_docs, sec_questions), "one text file per page"),
                ("sec_cells", page_files(sec_docs, sec_questions, cells=True),
                 "one text file per page, a table's cells a line each")):
            sec = result[key] = sec_figures(indexed(docs, embedder), questions)
            print(f"6 reports laid out as SEC filings, {filed} ({sec['questions']} questions, "
                  f"plain and in {len(SEC_WRAPPINGS)} wrappings): ask answers "
                  f"{sec['ask_answered']}%, quotes the evidence page "
                  f"{sec['ask_quotes_evidence_page']}% (first "
                  f"{sec['ask_first_quote_on_evidence_page']}%), quotes the figure asked for "
                  f"{sec['ask_quotes_figure']}% (first {sec['ask_first_quote_holds_figure']}%); "
                  f"rank has the evidence page first "
                  f"{sec['page_first']}%")
        result.update(ratio_sets(indexed(sec_docs, embedder), sec_questions, "sec_"))
        for key, flat, cells, filed in (
                ("pages", False, False, "a folder each"),
                ("pages_flat", True, False, "all in one folder"),
                ("pages_cells", False, True, "a table's cells a line each")):
            docs, questions = page_files(*collection(args.companies), flat=flat, cells=cells)
            pages = result[key] = evaluate(indexed(docs, embedder), questions)
            print(f"The {args.companies} reports, one text file per page, {filed}: evidence "
                  f"page first {pages['page_first']}%, in the top 5 {pages['page_top5']}%; "
                  f"ask answers {pages['ask_answered']}%, quotes it "
                  f"{pages['ask_quotes_evidence_page']}%; in wrappings "
                  f"{pages['instructed']['ask_answered']}% and "
                  f"{pages['instructed']['ask_quotes_evidence_page']}%")
    Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
