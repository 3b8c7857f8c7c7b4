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
            pdf.setFont("Helvetica", 9)
            for row_number, line in enumerate(page):
                pdf.drawString(50, 780 - 15 * row_number, line)
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
    folder = CACHE / f"filings{companies}"
    docs, questions_file = folder / "docs", folder / "questions.json"
    if questions_file.exists():
        return docs, json.loads(questions_file.read_text())
    documents, _ = load_squad(SQUAD)
    articles = list(documents.values())
    rng = random.Random(2018)
    docs.mkdir(parents=True, exist_ok=True)
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
    questions_file.write_text(json.dumps(questions, indent=1))
    return docs, questions


def retitled() -> tuple[Path, list[dict]]:
    """RETITLED's reports (one per company after the first eight) and their questions: every
    wording of each, once for each name of its statement, wrapped in the first INSTRUCTED style
    that names it, and once plain (cached under bench/.cache)."""
    folder = CACHE / "filings-retitled"
    docs, questions_file = folder / "docs", folder / "questions.json"
    if questions_file.exists():
        return docs, json.loads(questions_file.read_text())
    articles = list(load_squad(SQUAD)[0].values())
    rng = random.Random(7)
    docs.mkdir(parents=True, exist_ok=True)
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
    questions_file.write_text(json.dumps(questions, indent=1))
    return docs, questions


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
        statement=spoken[item["page"]])} for style in INSTRUCTED for item in questions]


def asked(engine: AskDocs, questions: list[dict]) -> tuple[float, float]:
    """The shares of questions `ask` answers, and answers quoting the evidence page."""
    answered = quoted = 0
    for item in questions:
        answer = engine.ask(item["question"])
        answered += answer.answered
        quoted += any((q.source, q.page) == (item["source"], item["page"])
                      for q in answer.quotes)
    return round(100 * answered / len(questions), 1), round(100 * quoted / len(questions), 1)


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
        build_index(docs, docs.parent / "index", embedder=embedder)
        engine = AskDocs.load(docs.parent / "index")
        answered, quoted = asked(engine, questions)
        result["retitled"] = {"questions": len(questions), "ask_answered": answered,
                              "ask_quotes_evidence_page": quoted}
        print(f"{len(RETITLED)} more reports, statements titled otherwise ({len(questions)} "
              f"questions, plain and naming the statement as people do): ask answers "
              f"{answered}%, quotes the evidence page {quoted}%")
    Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
