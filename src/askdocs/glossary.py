"""Financial reporting's own synonyms: what a question calls "capital expenditure" a cash flow
statement calls "Purchases of property, plant and equipment"; "revenue" is "Net sales", "the
P&L" is the statement of operations.

Company filings are a main use of askdocs, and their questions and their tables say the same
figure in different words, which neither the word vectors nor WordNet (lexicon.py) relate: to
them "capital expenditure" and "purchases of property" share nothing, and abbreviations such as
"PP&E" or "SG&A" split into letters. A question that names a figure one way is searched with the
other ways too (`expanded`), and its words count as found in a passage that says one of them
(`found`). The table is small, written by hand from the line items of US GAAP and IFRS
statements, and pure data: no I/O. So is RATIOS: the common definitions of the ratios analysts
ask for and statements do not print ("current ratio"), by which `ask` asks for their parts
(instructions.asked_parts); JUDGEMENTS, the measures a judgement is weighed by ("Is Acme
capital-intensive?"); and the words by which a question names a ratio of two figures of its own
("SG&A as a percentage of revenue").
"""

from __future__ import annotations

import re
from functools import lru_cache

# each line: one figure or statement, in the ways questions and statements name it; a question
# is searched with the first two ways it does not say itself, so the commonest come first
GROUPS = (
    ("capital expenditure", "purchases of property, plant and equipment", "capex",
     "capital spending", "purchases of property and equipment",
     "additions to property, plant and equipment", "additions to property and equipment",
     "payments for property, plant and equipment", "payments for property and equipment",
     "expenditures for property, plant and equipment"),
    ("PP&E", "property, plant and equipment", "PPNE", "property and equipment"),
    ("revenue", "net sales", "total revenue", "net revenue"),
    ("net income", "net earnings", "net profit", "profit"),
    ("cost of goods sold", "cost of sales", "COGS", "cost of revenue", "cost of products sold"),
    ("operating income", "operating profit", "income from operations", "operating earnings"),
    ("operating cash flow", "cash provided by operating activities", "cash from operations",
     "cash flow from operations", "cash from operating activities",
     "cash flows from operating activities", "cash provided by operations", "OCF"),
    ("D&A", "depreciation and amortization", "depreciation and amortisation",
     "depreciation, depletion and amortization"),
    ("SG&A", "selling, general and administrative"),
    ("R&D", "research and development", "research, development and related"),
    ("EPS", "earnings per share"),
    ("accounts receivable", "trade receivables", "trade accounts receivable", "A/R", "AR"),
    ("accounts payable", "trade payables", "trade accounts payable", "A/P"),
    ("share repurchases", "repurchases of common stock", "purchases of treasury stock",
     "share buybacks", "stock buybacks", "stock repurchases", "buybacks",
     "repurchase of shares", "purchases of common stock"),
    ("income statement", "statement of operations", "statement of income", "P&L",
     "profit and loss statement", "statement of earnings", "statement of comprehensive income"),
    ("balance sheet", "statement of financial position", "statement of financial condition"),
    ("cash flow statement", "statement of cash flows"),
    ("shareholders' equity", "stockholders' equity", "total equity"),
    ("income tax expense", "provision for income taxes", "income taxes"),
)

# Ratios and measures that statements do not print but give the parts of, as analysts define
# them (the common textbook definitions; a question that states its own definition is read by
# that instead, instructions.py): the names, and the definition in the words questions use for
# the parts (GROUPS above finds each part's line however the statement names it).
RATIOS = (
    (("current ratio",), "total current assets divided by total current liabilities"),
    (("quick ratio", "acid-test ratio", "acid test ratio"),
     "cash and cash equivalents plus accounts receivable divided by total current liabilities"),
    (("working capital",), "total current assets minus total current liabilities"),
    # a statement may print no gross profit line: revenue less the cost of goods sold
    (("gross margin", "gross profit margin"),
     "gross profit (revenue minus cost of goods sold) divided by revenue"),
    (("operating margin", "operating profit margin"), "operating income divided by revenue"),
    (("net margin", "net profit margin", "net income margin"), "net income divided by revenue"),
    (("return on assets", "ROA"), "net income divided by total assets"),
    (("return on equity", "ROE"), "net income divided by shareholders' equity"),
    (("fixed asset turnover ratio", "fixed asset turnover"), "revenue divided by PP&E"),
    (("total asset turnover", "asset turnover ratio", "asset turnover"),
     "revenue divided by total assets"),
    (("inventory turnover ratio", "inventory turnover"),
     "cost of goods sold divided by inventories"),
    (("dividend payout ratio", "payout ratio"), "dividends paid divided by net income"),
    (("free cash flow", "FCF"), "operating cash flow minus capital expenditure"),
    (("EBITDA margin",), "operating income plus depreciation and amortization divided by revenue"),
    (("EBITDA",), "operating income plus depreciation and amortization"),
    (("effective tax rate",), "income tax expense divided by income before income taxes"),
    (("interest coverage ratio", "interest coverage"),
     "operating income divided by interest expense"),
    (("debt-to-equity ratio", "debt to equity ratio", "debt-to-equity", "debt to equity",
      "D/E ratio", "gearing ratio"), "total debt divided by shareholders' equity"),
    (("debt-to-assets ratio", "debt to assets ratio", "debt-to-assets", "debt to assets",
      "debt ratio"), "total debt divided by total assets"),
    (("cash ratio",), "cash and cash equivalents divided by total current liabilities"),
    (("days sales outstanding", "DSO", "days receivables outstanding"),
     "accounts receivable divided by revenue times 365"),
    (("days inventory outstanding", "DIO", "days in inventory", "days inventory"),
     "inventories divided by cost of goods sold times 365"),
    (("days payable outstanding", "DPO", "days payables outstanding"),
     "accounts payable divided by cost of goods sold times 365"),
)
# Judgements the figures bear on ("Is Acme a capital-intensive business?", "How liquid is
# Acme?"): the measures analysts weigh them by, when the question names no ratio of RATIOS.
# askdocs quotes those figures' lines; it does not judge.
JUDGEMENTS = (
    (("capital-intensive", "capital intensive", "capital intensity"),
     "capital expenditure divided by revenue; PP&E divided by total assets"),
    (("liquidity", "how liquid"),
     "total current assets divided by total current liabilities; cash and cash equivalents"),
    (("leverage", "how leveraged", "highly leveraged", "indebtedness", "how indebted",
      "solvency"),
     "total debt divided by shareholders' equity"),
)
# A ratio of two figures the question names itself: "the ratio of SG&A to net sales", "capital
# expenditure as a percentage of revenue", "a capex-to-revenue ratio". Each side must name a
# figure (a form of GROUPS, or a statement's word after at most two qualifiers), so that "the
# ratio of students to teachers" is not read as one.
FIGURE_WORDS = ("revenues?|sales|income|earnings|profits?|expenses?|expenditures?|costs?|"
                "assets|liabilities|equity|debt|cash|capex|inventor(?:y|ies)|receivables?|"
                "payables?|dividends|EBITDA|EBIT|depreciation|amorti[sz]ation|interest|taxes|"
                "spending|buybacks|repurchases|borrowings")
QUALIFIERS = ("total|net|gross|operating|long-term|short-term|current|free|cash|capital|"
              "accounts|trade|pre-tax|pretax|income|interest|tax|fixed|intangible")

# the lines of GROUPS that name a statement, not a figure
STATEMENTS = frozenset({"income statement", "balance sheet", "cash flow statement"})
SEARCHED = 2  # the other ways a question is searched with, per figure
# A form that names its figure only alone: "profit" is net income, but "gross profit" and
# "operating profit" are other lines (and "net profit" is its own form); "to leverage" is a verb.
ALONE = {"profit": ("gross", "operating", "net", "pretax", "pre-tax", "economic"),
         "leverage": ("to",)}


def _pattern(form: str) -> re.Pattern:
    """A form as a pattern: any case, a plural or possessive on each word, commas and spaces
    alike ("Purchases of property, plant and equipment", "capital expenditures")."""
    words = re.findall(r"[\w&']+", form)
    parts = [re.escape(w.rstrip("'")) + (r"(?:s|es)?['’]?" if w[-1].isalpha() or w[-1] == "'"
                                         else "") for w in words]
    not_after = "".join(rf"(?<!{re.escape(word)} )" for word in ALONE.get(form, ()))
    return re.compile(not_after + r"(?<![\w&])" + r"[\s,/–-]+".join(parts) + r"(?![\w&])",
                      re.IGNORECASE)


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[tuple[str, re.Pattern], ...], ...]:
    return tuple(tuple((form, _pattern(form)) for form in group) for group in GROUPS)


@lru_cache(maxsize=256)
def named(text: str) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """The groups `text` names a figure of: (group number, the words it uses for it)."""
    found = []
    for number, group in enumerate(_compiled()):
        said = tuple(m.group(0) for _, pattern in group for m in pattern.finditer(text))
        if said:
            found.append((number, said))
    return tuple(found)


def expanded(question: str) -> str:
    """The question with the other ways to say each figure it names appended, for searching:
    "… capital expenditure …" also looks for "purchases of property, plant and equipment"."""
    extra = [word for number, _ in named(question)
             for form in [f for f, pattern in _compiled()[number]
                          if not pattern.search(question)][:SEARCHED]
             for word in form.replace(",", "").split()]
    extra = [w for w in dict.fromkeys(extra) if w.lower() not in question.lower()]
    return f"{question} {' '.join(extra)}" if extra else question


def found(question: str, text: str, tokenize) -> set[str]:
    """The question's terms (tokenize: the index's) that `text` says in other words: those of
    a figure the question names that the text names some way of its own."""
    terms: set[str] = set()
    for number, said in named(question):
        if any(pattern.search(text) for _, pattern in _compiled()[number]):
            for words in said:
                terms.update(tokenize(words))
    return terms


@lru_cache(maxsize=2)
def _table(entries: tuple) -> tuple[tuple[tuple[re.Pattern, ...], str], ...]:
    """A table of names and definitions (RATIOS, JUDGEMENTS) with its names compiled, once."""
    return tuple((tuple(map(_pattern, names)), definition) for names, definition in entries)


# a word each of _figure_ratios' patterns needs: a question without one is not matched against
# them, so a process that is asked no such question never compiles them (a quarter of a second)
RATIO_WORD = re.compile(r"ratio|percent|%|share|proportion|fraction", re.IGNORECASE)


@lru_cache(maxsize=1)
def _figure_ratios() -> tuple[re.Pattern, ...]:
    forms = "|".join(_pattern(form).pattern for group in GROUPS for form in group)
    figure = (rf"(?:{forms}|(?:(?:{QUALIFIERS})[\s-]+){{0,2}}(?:{FIGURE_WORDS}))"
              r"(?:[\s-]+(?:expenses?|costs?))?")
    the = r"(?:(?:its|the|their|total)\s+)?"
    return tuple(re.compile(p, re.IGNORECASE) for p in (
        rf"\bratio\s+(?:of|between)\s+{the}(?P<x>{figure})\s+(?:to|and)\s+{the}(?P<y>{figure})",
        rf"(?<![\w&-])(?P<x>{figure})[\s-]+to[\s-]+(?P<y>{figure})[\s-]+ratio\b",
        rf"(?<![\w&-])(?P<x>{figure})\s+(?:as\s+(?:a|an)\s+)?(?:percentage|percent|%|share|"
        rf"proportion|fraction)\s+of\s+{the}(?P<y>{figure})"))


def is_judgement(name: str) -> bool:
    """Whether a name ratio_named gave is a judgement's (JUDGEMENTS), not a ratio's."""
    return any(p.fullmatch(name) for patterns, _ in _table(JUDGEMENTS) for p in patterns)


def _named_once(question: str, table) -> tuple[str, str] | None:
    """The one entry of a RATIOS-like table the question names, as it writes it, with its
    definition; None if it names none, or more than one."""
    found, spans = [], []
    for patterns, definition in table:
        for pattern in patterns:
            match = next((m for m in pattern.finditer(question)  # not in a longer name
                          if not any(a <= m.start() and m.end() <= b for a, b in spans)), None)
            if match:
                found.append((match.group(0), definition))
                spans.append(match.span())
                break
    return found[0] if len(found) == 1 else None


def ratio_named(question: str) -> tuple[str, str] | None:
    """The ratio the question names, as it writes it, with its definition: a ratio of two
    figures it names ("capital expenditure as a percentage of revenue"; a side may be one of
    RATIOS: "debt-to-EBITDA ratio"); else one of RATIOS; else a judgement of JUDGEMENTS, with
    the measures it is weighed by. None if it names none of these, or more than one of a
    kind."""
    ratios = [m for pattern in _figure_ratios() for m in pattern.finditer(question)
              ] if RATIO_WORD.search(question) else []
    own = ratios[0] if len({m.group(0) for m in ratios}) == 1 else None
    spans = [m.span() for ps, _ in _table(RATIOS) for p in ps for m in p.finditer(question)]
    # "debt-to-EBITDA ratio" is a ratio of its own, not EBITDA: one of RATIOS names a side
    if own and all(any(own.start(side) <= a and b <= own.end(side) for side in "xy")
                   for a, b in spans):
        return own.group(0), f"{own.group('x')} divided by {own.group('y')}"
    if spans:
        return _named_once(question, _table(RATIOS))
    return _named_once(question, _table(JUDGEMENTS))
