"""What a question asks, apart from how it wants the answer.

People and agents write instructions around a question: "What was the FY2018 capital
expenditure (in USD millions) for 3M? Give a response by relying on the details shown in the
cash flow statement.", "Assume you are an analyst. Answer in USD billions.", "Please round
your answer and explain your reasoning." No document says "response", "relying" or "round",
so read as part of the question those words count as missing, and a question the text answers
is declined. askdocs searches and judges the question without them, keeping the part of the
document they point to ("the cash flow statement"), which the evidence page does say; the
answer still shows the question as it was asked. Pure text, no I/O.
"""

from __future__ import annotations

import re

from askdocs.glossary import GROUPS, STATEMENTS, ratio_named
from askdocs.glossary import named as figures_named

# "(in USD millions)", "(as a percentage)": the unit the answer should be given in
UNIT_ASIDE = re.compile(r"\s*\((?:in|as|expressed\s+in|answer\s+in)\s[^()]{1,40}\)",
                        re.IGNORECASE)
# a clause (up to . ? ! : ;) that tells how to answer, not what is asked
INSTRUCTION = re.compile(
    r"^\W*(?:please\s+|kindly\s+)?(?:"
    r"answer\b|respond\b|reply\b|round\b|express\b|rely\b|base\s+your\b|assume\b|"
    r"(?:give|provide)\s+(?:me\s+)?(?:a|an|your|the)\s+(?:\w+\s+)?(?:response|answer|reply)\b|"
    r"(?:use|using)\s+(?:only\s+)?(?:the|this|these|its)\b[^,:]*(?:[,:]|$)|"
    # "Please utilize information provided primarily within the balance sheet."
    r"(?:utili[sz]e|use|refer\s+to|consult|draw\s+on|look\s+at|focus\s+on)\s+(?:only\s+)?"
    r"(?:the\s+)?(?:information|details|data|figures|numbers)\b|"
    # "Calculate (or extract) the answer from the statement of income."
    r"(?:calculate|compute|derive|extract)\s+(?:\([^()]*\)\s+)?(?:the|your)\s+answer\b|"
    r"show\s+your\b|explain\s+your\b|keep\s+your\b|state\s+that\b|"
    r"you\s+are\s+an?\b|act\s+as\b|imagine\s+(?:that\s+)?you\b|"
    r"(?:do\s+not|don't)\s+(?:round|explain|include|use|add|guess|make)\b|"
    # "If operating margin is not a useful metric …", "If they are not outlined, state 0.";
    # never a clause that asks ("If so, is it billable?")
    r"if\s(?=[^?]*$)[^.?!]*\b(?:not|n't)\s+(?:\w+\s+)?(?:a\s+)?(?:useful|relevant|applicable|"
    r"meaningful|outlined|stated|disclosed|given|available|provided|reported|mentioned|listed|"
    r"specified)\b|"
    r"if\s(?=[^?]*$)[^.?!]*[\s,](?:then\s+)?(?:state|say|answer|respond|return|write|reply)\b)",
    re.IGNORECASE)
# what an instruction points to, kept: "the cash flow statement", "the balance sheet"
DOCUMENT_PART = re.compile(
    r"\b(?:the|its|this|that|these)\s+"
    r"(?:(?!(?:the|a|an|and|or|from|in|of|on|by|with|within)\b)[\w&'’-]+\s+){0,3}?"
    r"(?:statements?|sheets?|tables?|notes?|sections?|chapters?|appendix|exhibits?|10-?[KQ]|"
    r"P&L(?!\s+statements?\b))\b"
    # "the statement of cash flows", "the statement of changes in equity"
    r"(?:\s+of\s+(?!the\b|a\b|an\b)[\w&'’-]+(?:\s+(?!and\b|or\b|for\b|to\b|from\b|"
    r"as\b|at\b|of\b)[\w&'’-]+){0,2})?", re.IGNORECASE)
# a clause that does not ask but talks about the asking: "Calculate what was asked by utilizing
# the line items …", "Here's the question:", "Address the question by using …"
ABOUT_ASKING = re.compile(
    r"\b(?:the|this|following)\s+question\b|\bwhat\s+(?:was|is|is\s+being)\s+asked\b|"
    r"\byour\s+(?:answers?|response|judg(?:e)?ments?|reasoning|abilities|calculations?)\b|"
    r"\b(?:a|the)\s+(?:response|solution|reply)\s+to\b|\bline\s+items\b|"
    r"\b(?:we|i)\s+(?:want|need|would\s+like)\s+to\s+(?:calculate|compute|know|find)\b",
    re.IGNORECASE)
# "Using only the information within the balance sheet, what is …": the lead is an instruction
# when it names a part of the document; "According to the AAA, what …" is not
LEAD = re.compile(r"^\W*(?:using|utili[sz]ing|based\s+on|basing\s+\w+\s+on|according\s+to|"
                  r"relying\s+on|referring\s+to|looking\s+at|from)\b[^,?]*,\s*(?=[a-z])",
                  re.IGNORECASE)
# a term the question defines: "Fixed asset turnover ratio is defined as: FY2019 revenue /
# (average PP&E …)", "Define unadjusted EBITDA as unadjusted operating income + D&A", "ROA = net
# income / average total assets". No document says the term; it says what defines it.
DEFINITION = re.compile(
    r"^\W*(?:(?:please\s+)?define\s+(?P<named>.+?)\s+as\b:?\s*(?P<as>.+)|"
    r"(?P<term>[^.?!:;=]{1,80}?)\s+(?:is|are)\s+(?:defined|calculated|computed|measured)\s+"
    r"(?:as|by)\b:?\s*(?P<is>.+)|"
    r"(?P<short>[^.?!:;=]{1,60}?)\s*=\s*(?P<equals>.+))$", re.IGNORECASE | re.DOTALL)
# how a definition computes, which no document says: "revenue / (average PP&E …)", "total
# current assets divided by total current liabilities"; ";" parts a judgement's measures
ARITHMETIC = re.compile(r"\s*(?:[/+*×÷();]|(?<=\s)-(?=\s)|\b(?:divided|multiplied)\s+by\b|"
                        r"\b(?:plus|minus|times|over|average|(?:the\s+)?sum\s+of|"
                        r"(?:the\s+)?difference\s+between)\b)\s*", re.IGNORECASE)
# "is defined as: FY2019 revenue / …" is one clause, not two
DEFINED_AS = re.compile(r"\b((?:defined|calculated|computed|measured)\s+as):\s+", re.IGNORECASE)
CLAUSE_END = re.compile(r"(?<=[.?!:;])\s+")
ASKS = re.compile(r"\?|\b(?:what|how|which|who|whom|whose|when|where|why|is|are|was|were|did|"
                  r"does|do|can|could|has|have|had|will|would|should|list|name)\b",
                  re.IGNORECASE)


def read(question: str) -> tuple[list[str], list[str], list[tuple[str, str]]] | None:
    """The question's clauses that ask, those that say how to answer, and the terms it defines
    with their definitions as written; None when it has no instruction nor definition, or when
    nothing that asks would be left."""
    text = DEFINED_AS.sub(r"\1 ", UNIT_ASIDE.sub("", question))
    kept, dropped, defined = [], [], []
    for clause in CLAUSE_END.split(text):
        if not clause.strip():
            continue
        lead = LEAD.match(clause)
        if lead and DOCUMENT_PART.search(lead.group(0)):
            dropped.append(lead.group(0))
            clause = clause[lead.end():]
        definition = None if clause.rstrip().endswith("?") else DEFINITION.match(clause)
        if definition:
            term = definition.group("named") or definition.group("term") or \
                definition.group("short")
            meaning = definition.group("as") or definition.group("is") or \
                definition.group("equals")
            term = re.sub(r"^(?:the|a|an|its)\s+", "", term.strip(), flags=re.IGNORECASE)
            defined.append((term, meaning.strip().rstrip(".")))
        elif INSTRUCTION.match(clause) or (not clause.rstrip().endswith("?")
                                            and ABOUT_ASKING.search(clause)):
            dropped.append(clause)
        else:
            kept.append(clause)
    if text == question and not dropped and not defined:
        return None
    if not kept or not any(ASKS.search(c) for c in kept):
        return None
    return kept, dropped, defined


def clauses(question: str) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """read's clauses, terms and definitions; the question itself as the one clause that asks
    when read finds nothing to set apart."""
    reading = read(question)
    return reading if reading is not None else ([question], [], [])


def document_parts(dropped: list[str]) -> list[str]:
    """The parts of the document that instructions name ("the cash flow statement")."""
    return [m.group(0) for clause in dropped for m in DOCUMENT_PART.finditer(clause)]


def plain(meaning: str) -> str:
    """A definition's words without how it computes ("revenue / (average PP&E …)": "revenue
    PP&E …")."""
    return re.sub(r"\s+", " ", ARITHMETIC.sub(" ", meaning)).strip()


def with_meaning(kept: list[str], term: str, meaning: str) -> list[str]:
    """The clauses with the term (or the initials it abbreviates: "ROA", "return on assets")
    read as the meaning; the meaning added when they say neither."""
    patterns = [re.compile(rf"\b{re.escape(term)}\b(?:\s*\([^()]*\))?", re.IGNORECASE)]
    if re.fullmatch(r"[A-Z]{2,6}", term):  # "return on assets (ROA)" before "ROA"
        words = r"\s+".join(rf"{letter}[\w&'’-]*" for letter in term)
        patterns.insert(0, re.compile(rf"\b{words}(?:\s*\({term}\))?", re.IGNORECASE))
    for said in patterns:
        if any(said.search(c) for c in kept):
            return [said.sub(lambda _: meaning, c) for c in kept]
    return [*kept, meaning]


def without_instructions(question: str) -> str:
    """The question without the clauses that say how to answer (and the unit asked for), with
    the parts of the document those clauses name, and a term it defines read as its definition
    ("… the FY2019 fixed asset turnover ratio … Fixed asset turnover ratio is defined as: FY2019
    revenue / (average PP&E …)" asks for the revenue and the PP&E); the question itself when it
    has none, or when nothing that asks would be left."""
    kept, dropped, defined = clauses(question)
    for term, meaning in defined:
        kept = with_meaning(kept, term, plain(meaning))
    return " ".join(kept + document_parts(dropped))


def asked_parts(question: str) -> list[str]:
    """For a question that asks for a figure computed from others, the question asked for each
    of them, each without instructions: a document gives each on a line of its own, and no line
    says them all. The computation is the one the question defines ("Define current ratio as
    total current assets divided by total current liabilities": "What is Acme's FY2018 total
    current assets?", "… total current liabilities?"), or, for a ratio or judgement it names
    without defining (glossary.ratio_named), the common one, and then the question itself (a
    page may state the ratio: "Free cash flow was …"). Empty for any other question."""
    return [asked for asked, _, _ in parts_and_lookups(question)]


# how a figure moved, which its row shows and does not say: "Did Acme's revenue decline …?"
CHANGE = re.compile(r"\b(?:increas|decreas|declin|grow|grew|fall|fell|rise|risen|rose|improv|"
                    r"drop|shr[iau]nk|chang|go\s+up|went\s+up|go\s+down|went\s+down)\w*",
                    re.IGNORECASE)


def naming_words(clauses: list[str]) -> list[str]:
    """The words of clauses that say whose figure and when: a capital or a digit in them
    ("Acme Corp's", "FY2018", "3M"), but not a clause's first word when it asks ("Is")."""
    return list(dict.fromkeys(
        word.strip("?.,;:!()") for clause in clauses for i, word in enumerate(clause.split())
        if re.search(r"[A-Z\d]", word) and not (i == 0 and ASKS.fullmatch(word))))


def change_lookup(question: str) -> tuple[str, str] | None:
    """For a question on how one figure moved ("Did Bluefin Foods' revenue decline from FY2017
    to FY2018?"), the figure asked by the words that name it ("revenue Bluefin Foods' FY2017
    FY2018"), and the figure as the question says it: its row gives the years, and says
    neither "decline" nor "grow". None for any other question, one naming no figure of the
    glossary or more than one, or no name nor number."""
    kept, dropped, _ = clauses(question)
    text = " ".join(kept)
    said = [(n, words) for n, words in figures_named(text) if GROUPS[n][0] not in STATEMENTS]
    if len(said) != 1 or not CHANGE.search(text):
        return None
    figure = said[0][1][0]
    naming = naming_words([text.replace(figure, " ")])
    if not naming:
        return None
    return " ".join([figure, *naming, *document_parts(dropped)]), figure


def common_reading(question: str) -> tuple[str, str] | None:
    """The ratio or judgement the question names without defining it, as it writes it, and
    the common definition askdocs reads it by (glossary.ratio_named); None for any other
    question, and for one that defines what it asks."""
    kept, _, defined = clauses(question)
    return None if defined else ratio_named(" ".join(kept))


def parts_and_lookups(question: str) -> list[tuple[str, str, str]]:
    """asked_parts' questions, each with the same figure asked by the words that name what it
    is of, and the figure: the lookup is the figure, then the question's names, numbers and the
    parts of the document it names ("operating income Harbor Lights' FY2017 FY2018" for "Is
    Harbor Lights' operating margin improving from FY2017 to FY2018?"). A table row says none of
    the words that judge ("improving", "healthy", "business"), so a part the question's own
    words leave declined is asked so too (AskDocs.ask_parts). The question itself, last, is its
    own lookup, of no one figure ("")."""
    kept, dropped, defined = clauses(question)
    named = document_parts(dropped)
    if len(defined) > 1:
        return []
    ratio = None if defined else ratio_named(" ".join(kept))
    term, meaning = defined[0] if defined else ratio or ("", "")
    parts = list(dict.fromkeys(plain(p) for p in ARITHMETIC.split(meaning) if plain(p)))
    # not a lone number or year ("… / 2", "FY2019")
    parts = [p for p in parts if re.search(r"[^\W\d_]{2}|&", p)
             and not re.fullmatch(r"(?:FY)?\d+", p, re.IGNORECASE)]
    if len(parts) < 2:
        return []
    naming = naming_words(with_meaning(kept, term, " ") if term else kept)
    asked = []
    for part in parts:
        worded = " ".join(with_meaning(kept, term, part) + named)
        # with no name nor number to say whose figure and when, a lookup could find anyone's
        lookup = " ".join([part, *naming, *named]) if naming else worded
        asked.append((worded, lookup, part))
    whole = " ".join(kept + named)
    return [*asked, (whole, whole, "")] if ratio else asked
