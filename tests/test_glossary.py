"""A figure named one way in the question and another in the filing is found."""

from __future__ import annotations

import io

import pytest

from askdocs.glossary import expanded, found, is_judgement, named, ratio_named

ROW = "Purchases of property, plant and equipment (PP&E) (1,577) (1,373) (1,420)"


def words(text):
    return [w.lower() for w in text.replace(",", " ").split()]


def test_a_figure_said_in_the_statements_words_counts_as_said():
    question = "How much did Acme spend on capital expenditures in 2018?"
    assert found(question, ROW, words) == {"capital", "expenditures"}
    assert found(question, "Net income 4,858 5,363 4,833", words) == set()
    assert found("What were Acme's SG&A expenses?",
                 "Selling, general and administrative expenses 310 290", words) == {"sg&a"}
    assert found("What was Acme's revenue?", "Net Sales 9,120 8,450", words) == {"revenue"}
    # whole words only: "revenues" is a form of revenue, "prerevenue" and "netsales" are not
    assert named("prerevenue netsales") == ()
    assert [n for n, _ in named("Total revenues")] == [n for n, _ in named("revenue")]


def test_profit_alone_is_net_income_but_gross_and_operating_profit_are_not():
    row = "Net income 3,481 4,191 4,222"
    assert found("How much profit did Acme make in 2016?", row, words) == {"profit"}
    assert "net income" in expanded("How much profit did Acme make in 2016?")
    assert found("What were Acme's profits?", row, words) == {"profits"}
    for other in ("What was Acme's gross profit?", "What was Acme's Operating Profit?",
                  "Pre-tax profit in 2018?"):
        assert not found(other, row, words), other
    assert not named("What was Acme's gross profit?")


def test_a_question_is_searched_with_two_other_ways_to_say_its_figure():
    question = "What is the FY2018 capital expenditure for 3M?"
    searched = expanded(question)
    assert searched.startswith(question)
    added = searched[len(question):].split()
    assert "property" in added and "capex" in added and "additions" not in added
    assert expanded("How many children died?") == "How many children died?"
    # analysts' abbreviations: "net AR", "A/P", "OCF"
    assert expanded("What is net AR?").endswith("accounts receivable trade receivables")
    assert expanded("What were Acme's A/P in 2018?").endswith("accounts payable trade payables")
    assert "operating" in expanded("What was Acme's OCF in 2018?").split()


def statements_pdf(company: str, figures: dict[str, list[int]]) -> bytes:
    """A short annual report: a page of prose, then the two statements as tables."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    prose = [f"{company} makes garden tools in three factories and sells them in shops.",
             "The board met six times during the year and approved a new warehouse.",
             "Customers in the north bought more spades than in any earlier year."]
    pages = [(None, prose),
             ("Consolidated Statements of Operations",
              ["Net sales", "Cost of sales", "Net earnings"]),
             ("Consolidated Statements of Cash Flows",
              ["Net cash provided by operating activities",
               "Purchases of property, plant and equipment", "Repurchases of common stock"])]
    for title, lines in pages:
        pdf.setFont("Helvetica", 8)
        pdf.drawString(50, 810, f"{company} | 2018 Annual Report")
        pdf.setFont("Helvetica", 10)
        if title is None:
            for n, line in enumerate(lines):
                pdf.drawString(50, 760 - 15 * n, line)
        else:
            pdf.drawString(50, 770, title)
            for x, year in zip((330, 400, 470), (2018, 2017, 2016)):
                pdf.drawString(x, 740, str(year))
            for n, row in enumerate(lines):
                pdf.drawString(50, 720 - 18 * n, row)
                for x, value in zip((330, 400, 470), figures[row]):
                    pdf.drawString(x, 720 - 18 * n, f"{value:,}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


@pytest.mark.model
def test_filings_questions_in_other_words_are_answered_from_the_right_row(tmp_path,
                                                                         real_embedder):
    from askdocs import AskDocs, build_index

    docs = tmp_path / "docs"
    docs.mkdir()
    rows = ["Net sales", "Cost of sales", "Net earnings",
            "Net cash provided by operating activities",
            "Purchases of property, plant and equipment", "Repurchases of common stock"]
    for number, company in enumerate(("Acme Tools Inc", "Borealis Foods Corp")):
        figures = {row: [1000 * (number + 1) + 100 * r + y for y in range(3)]
                   for r, row in enumerate(rows)}
        (docs / f"{company.split()[0]}_2018.pdf").write_bytes(statements_pdf(company, figures))
    index = tmp_path / "index"
    build_index(docs, index, embedder=real_embedder)
    engine = AskDocs.load(index, embedder=real_embedder)
    for question, source, page, row in [
            ("What was Acme Tools Inc's capital expenditure in 2018?", "Acme_2018.pdf", 3,
             "Purchases of property"),
            ("What was the revenue of Borealis Foods Corp in 2017?", "Borealis_2018.pdf", 2,
             "Net sales"),
            ("How much did Borealis Foods Corp spend on share buybacks in 2016?",
             "Borealis_2018.pdf", 3, "Repurchases of common stock")]:
        answer = engine.ask(question)
        assert answer.answered, question
        assert any(q.source == source and q.page == page and q.text.startswith(row)
                   for q in answer.quotes), (question, [q.text for q in answer.quotes])


def test_a_ratio_is_named_however_written_and_not_inside_a_longer_name():
    assert ratio_named("What was Acme's Return on Assets in 2019?") == (
        "Return on Assets", "net income divided by total assets")
    assert ratio_named("What is Acme's fixed asset turnover?")[0] == "fixed asset turnover"
    assert ratio_named("What is Acme's asset turnover?")[1] == "revenue divided by total assets"
    assert ratio_named("What were the gross margin and the current ratio?") is None
    assert ratio_named("How much did Acme earn?") is None
    assert ratio_named("What is Acme's EBITDA margin?")[0] == "EBITDA margin"  # not "EBITDA"
    assert ratio_named("What was Acme's D/E ratio?")[1] == \
        "total debt divided by shareholders' equity"


def test_a_judgement_is_read_by_its_measures_unless_a_ratio_is_named():
    assert ratio_named("Is Acme a capital-intensive business?") == (
        "capital-intensive", "capital expenditure divided by revenue; PP&E divided by total assets")
    assert is_judgement("capital-intensive") and not is_judgement("quick ratio")
    assert ratio_named("Does Acme have a healthy liquidity profile based on its quick ratio?"
                       )[0] == "quick ratio"
    assert ratio_named("How leveraged was Acme in 2018?")[0] == "How leveraged"
    # the verb is no judgement of debt
    assert ratio_named("Who is best able to leverage the accumulation of wealth?") is None


@pytest.mark.parametrize("question, name, definition", [
    ("What was Acme's FY2018 capital expenditure as a percentage of revenue?",
     "capital expenditure as a percentage of revenue", "capital expenditure divided by revenue"),
    ("What is the FY2017 capex as a % of revenue for Acme?", "capex as a % of revenue",
     "capex divided by revenue"),
    ("What is the ratio of SG&A to net sales for Acme in 2018?",
     "ratio of SG&A to net sales", "SG&A divided by net sales"),
    ("What was Acme's long-term debt-to-EBITDA ratio?", "long-term debt-to-EBITDA ratio",
     "long-term debt divided by EBITDA"),
    ("What is the ratio of students to teachers?", None, None),  # no figures of a statement
    ("What percentage of Paris is covered by parks?", None, None),
])
def test_a_ratio_of_two_figures_is_read_from_the_question(question, name, definition):
    named_ = ratio_named(question)
    assert (named_ or (None, None)) == (name, definition)
