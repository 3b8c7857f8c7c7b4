"""Instructions around a question (how to answer) are not part of what it asks."""

from __future__ import annotations

import json

import pytest
from conftest import CHILDREN, SHARED

from askdocs.instructions import (
    asked_parts,
    change_lookup,
    parts_and_lookups,
    without_instructions,
)


@pytest.mark.parametrize("question, asked", [
    ("What is the FY2018 capital expenditure amount (in USD millions) for 3M? Give a response "
     "to the question by relying on the details shown in the cash flow statement.",
     "What is the FY2018 capital expenditure amount for 3M? the cash flow statement"),
    ("Assume that you are a public equities analyst. Answer the following question by "
     "primarily using information that is shown in the balance sheet: what is the year end "
     "FY2018 net PPNE for 3M? Answer in USD billions.",
     "what is the year end FY2018 net PPNE for 3M? the balance sheet"),
    ("Using the cash flow statement, answer the following question: how much did Acme pay in "
     "dividends in 2016?", "how much did Acme pay in dividends in 2016? the cash flow statement"),
    ("What drove operating margin change as of FY2022 for 3M? If operating margin is not a "
     "useful metric for a company like this, then please state that and explain why.",
     "What drove operating margin change as of FY2022 for 3M?"),
    ("How many children died? Please round your answer and explain your reasoning.",
     "How many children died?"),
    ("What is the FY2019 fixed asset turnover ratio for Acme? Round your answer to two decimal "
     "places. Base your judgments on the information provided primarily in the statement of "
     "income and the statement of financial position.",
     "What is the FY2019 fixed asset turnover ratio for Acme? the statement of income "
     "the statement of financial position"),
    ("What were Acme's total assets in FY2018? Please utilize information provided primarily "
     "within the balance sheet.", "What were Acme's total assets in FY2018? the balance sheet"),
    ("What is the FY2017 capex as a % of revenue for Acme? Calculate (or extract) the answer "
     "from the statement of income and the cash flow statement.",
     "What is the FY2017 capex as a % of revenue for Acme? the statement of income "
     "the cash flow statement"),
    ("What were Acme's restructuring costs in FY2022? If restructuring costs are not explicitly "
     "outlined then state 0.", "What were Acme's restructuring costs in FY2022?"),
    ("You are an analyst. How much did Acme pay in dividends in 2016? If no dividend was paid, "
     "say so.", "How much did Acme pay in dividends in 2016?"),
])
def test_instructions_are_left_out_and_the_part_they_point_to_kept(question, asked):
    assert without_instructions(question) == asked


@pytest.mark.parametrize("question, asked", [
    ("Calculate what was asked by utilizing the line items clearly shown in the P&L statement. "
     "What is Acme's FY2018 net income?", "What is Acme's FY2018 net income? the P&L statement"),
    ("We want to calculate a financial metric. Please help us compute it by basing your answers "
     "off of the income statement. Here's the question: what is Acme's FY2018 net income?",
     "what is Acme's FY2018 net income? the income statement"),
    ("Using only the information within the balance sheet, what were Acme's total assets in "
     "FY2018?", "what were Acme's total assets in FY2018? the balance sheet"),
    # a term the question defines is read as its definition, without how it computes
    ("What is the FY2019 fixed asset turnover ratio for Acme? Fixed asset turnover ratio is "
     "defined as: FY2019 revenue / (average PP&E between FY2018 and FY2019). Round your answer "
     "to two decimal places.",
     "What is the FY2019 FY2019 revenue PP&E between FY2018 and FY2019 for Acme?"),
    ("What is Acme's FY2021 return on assets (ROA)? ROA = net income / average total assets.",
     "What is Acme's FY2021 net income total assets?"),
])
def test_meta_clauses_and_definitions_are_read_for_what_they_ask(question, asked):
    assert without_instructions(question) == asked


@pytest.mark.parametrize("question, parts", [
    ("What is Acme's FY2018 current ratio? Define current ratio as total current assets divided "
     "by total current liabilities.",
     ["What is Acme's FY2018 total current assets?",
      "What is Acme's FY2018 total current liabilities?"]),
    ("What is Acme's FY2018 gross margin? Gross margin = (net sales - cost of sales) / net sales. "
     "Base your judgments on the information provided primarily in the income statement.",
     ["What is Acme's FY2018 net sales? the income statement",
      "What is Acme's FY2018 cost of sales? the income statement"]),
    ("What is the FY2021 return on assets for Acme? ROA = net income / average total assets.",
     ["What is the FY2021 net income for Acme?", "What is the FY2021 total assets for Acme?"]),
    ("What is Acme's FY2018 effective tax rate? The effective tax rate is defined as provision "
     "for income taxes over income before income taxes.",
     ["What is Acme's FY2018 provision for income taxes?",
      "What is Acme's FY2018 income before income taxes?"]),
    # a ratio named without a definition: the common one, then the question as asked
    ("What is the fixed asset turnover of Acme in 2018? Answer to two decimal places.",
     ["What is the revenue of Acme in 2018?", "What is the PP&E of Acme in 2018?",
      "What is the fixed asset turnover of Acme in 2018?"]),
    ("What was Acme's return on assets (ROA) in FY2019?",
     ["What was Acme's net income in FY2019?", "What was Acme's total assets in FY2019?",
      "What was Acme's return on assets (ROA) in FY2019?"]),
    ("What were Acme's gross margin and operating margin in 2018?", []),  # two: as asked
    # a judgement: the measures it is commonly weighed by, then as asked
    ("Is Acme a capital-intensive business?",
     ["Is Acme a capital expenditure business?", "Is Acme a revenue business?",
      "Is Acme a PP&E business?", "Is Acme a total assets business?",
      "Is Acme a capital-intensive business?"]),
    # a ratio of two figures the question names
    ("What is the FY2017 capex as a % of revenue for Acme? Calculate (or extract) the answer "
     "from the statement of income and the cash flow statement.",
     ["What is the FY2017 capex for Acme? the statement of income the cash flow statement",
      "What is the FY2017 revenue for Acme? the statement of income the cash flow statement",
      "What is the FY2017 capex as a % of revenue for Acme? the statement of income the cash "
      "flow statement"]),
    # one figure, or none defined: asked as it is
    ("What is Acme's FY2018 revenue? Revenue is defined as net sales.", []),
    ("What were Acme's total assets in FY2018? Answer in USD millions.", []),
    ("How would one write T(n) = 7n2 + 15n + 40 in big O notation?", []),
])
def test_a_figure_defined_by_a_computation_is_asked_part_by_part(question, parts):
    assert asked_parts(question) == parts


def test_each_part_is_also_asked_by_the_words_that_name_its_figure():
    # "improving" and "healthy" are no row's words; the company and the years are
    assert parts_and_lookups("Is Acme Corp's operating margin improving from FY2017 to FY2018?"
                             ) == [
        ("Is Acme Corp's operating income improving from FY2017 to FY2018?",
         "operating income Acme Corp's FY2017 FY2018", "operating income"),
        ("Is Acme Corp's revenue improving from FY2017 to FY2018?",
         "revenue Acme Corp's FY2017 FY2018", "revenue"),
        ("Is Acme Corp's operating margin improving from FY2017 to FY2018?",
         "Is Acme Corp's operating margin improving from FY2017 to FY2018?", "")]
    # no name nor number says whose figure it is: looked up, any company's row would do
    assert [lookup for _, lookup, _ in parts_and_lookups("is acme highly leveraged?")] == [
        "is acme total debt?", "is acme shareholders' equity?", "is acme highly leveraged?"]


def test_how_one_figure_moved_is_looked_up_by_the_words_that_name_it():
    assert change_lookup("Did Bluefin Foods' revenue decline from FY2017 to FY2018?") == (
        "revenue Bluefin Foods' FY2017 FY2018", "revenue")
    assert change_lookup("Did Acme's net income and revenue grow in 2018?") is None  # two
    assert change_lookup("Has Acme increased its debt on the balance sheet in 2018?") is None
    assert change_lookup("What was Acme's revenue in 2018?") is None  # no change asked
    assert change_lookup("did revenue grow?") is None  # whose, when: nothing says


@pytest.mark.parametrize("question", [
    "How many children died?", "Explain why the dollar fell.", "Answer", "Round the figure.",
    "What is defined as the majority vote?", "What question did the committee put to voters?",
    "How would one write T(n) = 7n2 + 15n + 40 in big O notation?",
    "According to the AAA, what share of gas stations ran out?",
    "Do not resuscitate orders: what are they?", "What is X.25? Who made it?",
    "Can a packet be sent empty?  If so, is it billable?",
    "If the dam had not failed, how many would have died?",
    "Who wrote the report? If it was the board, when did it answer the auditors?",
])
def test_questions_without_instructions_are_read_as_written(question):
    # also when nothing that asks would be left
    assert without_instructions(question) == question


def test_no_squad_question_is_read_as_an_instruction():
    # 13,398 questions people wrote about Wikipedia articles: none says how to answer
    path = SHARED / "data" / "squad-dev-v1.1.json"
    if not path.exists():
        pytest.skip("shared/data is not beside the repo")
    changed = [q["question"] for article in json.loads(path.read_text())["data"]
               for paragraph in article["paragraphs"] for q in paragraph["qas"]
               if without_instructions(q["question"].strip()) != q["question"].strip()]
    assert changed == []


@pytest.mark.model
def test_an_instruction_does_not_turn_an_answer_into_a_refusal(seed_engine):
    plain = seed_engine.ask(CHILDREN)
    asked = f"{CHILDREN} Answer with a number only. Please explain your reasoning."
    instructed = seed_engine.ask(asked)
    assert instructed.question == asked and instructed.answered
    assert [q.text for q in instructed.quotes] == [q.text for q in plain.quotes]
    assert [q.text for q in seed_engine.rank(asked, 5)] == \
        [q.text for q in seed_engine.rank(CHILDREN, 5)]
